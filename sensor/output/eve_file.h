/*
 * The EVE JSON file: one record per line, to DIR/FILENAME or standard
 * output, written by any number of workers.
 *
 * Two objects:
 *  - struct eve_file_sink, one per process: the open file, its path and
 *    the lock that orders appends; SIGHUP reopens it (log rotation).
 *  - struct eve_file, one per writer thread: a buffer of whole records.
 *    eve_file_write() only copies into it, so the packet path makes no
 *    system call and takes no lock per record; the buffer is appended to
 *    the sink under its lock when it holds EVE_FILE_BATCH bytes, on
 *    eve_file_flush() (each worker flushes once a second) and when freed.
 *    Records are never split, so lines from several workers interleave
 *    whole.
 *
 * A writer may instead hand its records to a back-end of its own
 * (eve_file_new_ops): the sensor gives each worker a writer whose records
 * go through the worker's ring to the output thread (output/output.h),
 * which alone owns the sinks. The producers (workers, proto engine, rules)
 * see the same eve_file_write() either way.
 */
#ifndef MAMORI_OUTPUT_EVE_FILE_H
#define MAMORI_OUTPUT_EVE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/json.h"

#define EVE_FILE_BATCH (64u * 1024u)

struct eve_file_sink;
struct eve_file;
struct ruleset;

/* dir "-" means standard output; NULL means no output at all (records are
 * discarded). Returns NULL and sets errno on failure. Owned:
 * eve_file_sink_close(). */
struct eve_file_sink *eve_file_sink_open(const char *dir, const char *filename);
/* Opens the path again (after rotation) and switches to it. On failure
 * the old file stays in use; returns 0 or -errno. */
int eve_file_sink_reopen(struct eve_file_sink *s);
/* Returns 0, or -errno from the first failed append or the close. Every
 * eve_file of the sink must have been freed. */
int eve_file_sink_close(struct eve_file_sink *s);
/* Borrowed: the path written to, "-" for standard output. */
const char *eve_file_sink_path(const struct eve_file_sink *s);
/* Records lost to failed appends so far (any thread). */
uint64_t eve_file_sink_lost(struct eve_file_sink *s);

/* A writer on sink (borrowed: must outlive it). Returns NULL on failure.
 * Owned: eve_file_free(), which flushes. */
struct eve_file *eve_file_new(struct eve_file_sink *sink);
void eve_file_free(struct eve_file *e);

/* Where a writer made by eve_file_new_ops() sends its records. */
struct eve_file_ops {
    /* Takes one whole record (rec[0..len), no newline). Returns 0 or
     * -errno (then the record is lost, and the caller counts it). */
    int (*write)(void *ctx, const char *rec, size_t len);
    /* May be NULL. Returns 0 or -errno. */
    int (*flush)(void *ctx);
    /* May be NULL (then the writer takes no matches). Takes one rule match
     * for the correlator: match[0..match_len), a struct rule_candidate
     * copied as bytes (detect/rule_eval.h; this layer does not look
     * inside), and the alert record formatted for it (rec[0..len), no
     * newline), which is written only if the correlator decides to alert.
     * Returns 0 or -errno (the match is lost, and the caller counts it). */
    int (*write_match)(void *ctx, const void *match, size_t match_len, const char *rec, size_t len);
    /* May be NULL. After a reload: the writer's later matches come from
     * rule set rs, of which the back-end adopts one reference (on success
     * only). Returns 0 or -errno (nothing changed: try again later). */
    int (*write_rules)(void *ctx, struct ruleset *rs);
    /* May be NULL. What a flow or parser event says about the devices at
     * its ends (asset/asset_evidence.h), for the asset inventory. Returns
     * 0 or -errno (lost, and the caller counts it). */
    int (*write_asset)(void *ctx, const void *msg, size_t len);
};

/* A writer on a back-end: ops and ctx are borrowed and must outlive it.
 * Returns NULL on failure. Owned: eve_file_free(). */
struct eve_file *eve_file_new_ops(const struct eve_file_ops *ops, void *ctx);

/* Appends the record and a newline to the writer's buffer. Returns 0 or
 * -errno (the record is malformed, or an append it forced failed). */
int eve_file_write(struct eve_file *e, const struct json_buf *rec);
/* Hands a rule match and its alert record to the writer's back-end (see
 * eve_file_ops.write_match). Returns 0, -ENOTSUP for a writer without
 * one, or -errno. */
int eve_file_write_match(struct eve_file *e, const void *match, size_t match_len,
                         const struct json_buf *rec);
/* See eve_file_ops.write_rules; -ENOTSUP for a writer without it. */
int eve_file_write_rules(struct eve_file *e, struct ruleset *rs);
/* See eve_file_ops.write_asset; -ENOTSUP for a writer without it. */
int eve_file_write_asset(struct eve_file *e, const void *msg, size_t len);
/* Appends the buffer to the sink now. Returns 0 or -errno. */
int eve_file_flush(struct eve_file *e);

/* A writer with a sink of its own, for single-threaded use (tests, tools).
 * Owned: eve_file_close(), which returns 0 or -errno as
 * eve_file_sink_close(). */
struct eve_file *eve_file_open(const char *logdir);
int eve_file_close(struct eve_file *e);
/* Borrowed: the path of the writer's sink. */
const char *eve_file_path(const struct eve_file *e);

#endif
