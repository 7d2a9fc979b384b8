/*
 * Query strings of the console's API (application/x-www-form-urlencoded,
 * as browsers send them): untrusted bytes from the network, parsed into a
 * fixed array of decoded, NUL-terminated parameters.
 */
#ifndef MAMORI_CONSOLE_QUERY_H
#define MAMORI_CONSOLE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#define QUERY_MAX_PARAMS 16
#define QUERY_KEY_MAX 32
#define QUERY_VAL_MAX 256

struct query_param {
    char key[QUERY_KEY_MAX];
    char val[QUERY_VAL_MAX];
};

struct query {
    struct query_param v[QUERY_MAX_PARAMS];
    size_t n;
};

/* Parses p[0..len) ("a=1&b=x%20y"; '+' is a space). 0, -EINVAL on a bad
 * %-escape or a control character (NUL included) once decoded, -E2BIG when
 * there are more parameters than QUERY_MAX_PARAMS or a key or value is too
 * long. Empty pieces ("a=1&&b=2") are skipped. On error *q is empty. */
int query_parse(const uint8_t *p, size_t len, struct query *q);

/* The value of the first parameter named key, or NULL. */
const char *query_get(const struct query *q, const char *key);

/* The parameter key as an unsigned integer in [min, max]: 0 with *out set
 * (def when absent or empty), -EINVAL when present but not a number in
 * range. */
int query_uint(const struct query *q, const char *key, uint64_t min, uint64_t max, uint64_t def,
               uint64_t *out);

#endif
