/*
 * The EVE JSON sink: one record per line, to LOGDIR/eve.json or to
 * standard output. Records are appended with one fwrite each through a
 * large stdio buffer, so the packet path makes no system call per record.
 */
#ifndef MAMORI_OUTPUT_EVE_FILE_H
#define MAMORI_OUTPUT_EVE_FILE_H

#include "output/json.h"

struct eve_file;

/* logdir "-" means standard output. Returns NULL and sets errno on
 * failure. Owned: eve_file_close(). */
struct eve_file *eve_file_open(const char *logdir);
/* Appends the record and a newline. Returns 0 or -errno. */
int eve_file_write(struct eve_file *e, const struct json_buf *rec);
int eve_file_flush(struct eve_file *e);
/* Returns 0 or -errno from the final flush/close. */
int eve_file_close(struct eve_file *e);
/* Borrowed: the path written to, "-" for stdout. */
const char *eve_file_path(const struct eve_file *e);

#endif
