/*
 * One line of a CSV file (RFC 4180: fields separated by commas, a field
 * in double quotes may hold commas and "" for a quote), for the files
 * the asset inventory reads: the IEEE registry, the hospital's device
 * registry and rules/vulns.csv.
 */
#ifndef MAMORI_ASSET_ASSET_CSV_H
#define MAMORI_ASSET_ASSET_CSV_H

#include <stddef.h>
#include <stdint.h>

#define ASSET_CSV_MAX_FIELDS 16
#define ASSET_CSV_FIELD_MAX 512

struct asset_csv_field {
    char s[ASSET_CSV_FIELD_MAX]; /* unquoted, NUL-terminated, spaces around trimmed */
    size_t col;                  /* 1-based column of its first byte in the line */
};

struct asset_csv_line {
    struct asset_csv_field f[ASSET_CSV_MAX_FIELDS];
    size_t n;
};

/* Splits line p[0..len) (without its newline). Returns 0, or -col (the
 * 1-based column of the problem) with why set: an unterminated quote, a
 * field longer than ASSET_CSV_FIELD_MAX - 1 bytes, too many fields, a
 * NUL byte. */
int asset_csv_split(const uint8_t *p, size_t len, struct asset_csv_line *out, const char **why);

/* Takes one split line (numbered from 1). Returns 0, or -1 with why set
 * and col the 1-based column of the problem (0: not about a column, such
 * as running out of memory). */
typedef int (*asset_csv_line_fn)(void *ctx, const struct asset_csv_line *l, uint32_t line,
                                 size_t *col, const char **why);

/* Splits each line of the file p[0..len) and hands it to fn, except blank
 * lines, # comments and header lines (those starting with header,
 * ignoring case). Stops at the first problem. Returns 0, or -1 with err
 * "ORIGIN:LINE:COL: why" (or "ORIGIN: why"). */
int asset_csv_each(const uint8_t *p, size_t len, const char *header, const char *origin,
                   asset_csv_line_fn fn, void *ctx, char *err, size_t errlen);

/* asset_csv_each on the whole file at path (ORIGIN is the path); err
 * "PATH: why" if it cannot be read. */
int asset_csv_load(const char *path, const char *header, asset_csv_line_fn fn, void *ctx, char *err,
                   size_t errlen);

/* Room for one more entry in an array of *cap entries of size bytes, n of
 * them used, for the asset_csv_line_fn that collect one entry a line: e
 * itself while n < *cap, else e grown (to first entries, then twice as
 * many each time) and *cap updated. NULL if out of memory (e is left as
 * it was). */
void *asset_csv_grow(void *e, size_t n, size_t *cap, size_t size, size_t first);

#endif
