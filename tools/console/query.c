/*
 * Query-string parser: WHATWG URL standard, "application/x-www-form-urlencoded
 * parsing", restricted to what the console accepts: bounded sizes, no
 * control characters once decoded.
 */
#include "query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hexval(uint8_t ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Decodes p[0..len) into out (cap bytes with the NUL). */
static int query_decode(const uint8_t *p, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = p[i];
        if (b == '+') {
            b = ' ';
        } else if (b == '%') {
            if (len - i < 3)
                return -EINVAL;
            int hi = hexval(p[i + 1]), lo = hexval(p[i + 2]);
            if (hi < 0 || lo < 0)
                return -EINVAL;
            b = (uint8_t)(hi * 16 + lo);
            i += 2;
        }
        if (b < 0x20 || b == 0x7f)
            return -EINVAL;
        if (n + 1 >= cap)
            return -E2BIG;
        out[n++] = (char)b;
    }
    out[n] = 0;
    return 0;
}

int query_parse(const uint8_t *p, size_t len, struct query *q)
{
    int rc = 0;
    q->n = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && p[end] != '&')
            end++;
        if (end > i) {
            size_t eq = i;
            while (eq < end && p[eq] != '=')
                eq++;
            if (q->n == QUERY_MAX_PARAMS) {
                rc = -E2BIG;
                goto fail;
            }
            struct query_param *qp = &q->v[q->n];
            rc = query_decode(p + i, eq - i, qp->key, sizeof qp->key);
            if (rc < 0)
                goto fail;
            size_t vs = eq < end ? eq + 1 : end;
            rc = query_decode(p + vs, end - vs, qp->val, sizeof qp->val);
            if (rc < 0)
                goto fail;
            q->n++;
        }
        i = end + 1;
    }
    return 0;
fail:
    q->n = 0;
    return rc;
}

const char *query_get(const struct query *q, const char *key)
{
    for (size_t i = 0; i < q->n; i++) {
        if (strcmp(q->v[i].key, key) == 0)
            return q->v[i].val;
    }
    return NULL;
}

int query_uint(const struct query *q, const char *key, uint64_t min, uint64_t max, uint64_t def,
               uint64_t *out)
{
    const char *s = query_get(q, key);
    if (!s || !*s) {
        *out = def;
        return 0;
    }
    uint64_t v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return -EINVAL;
        if (v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
            return -EINVAL;
        v = v * 10 + (uint64_t)(*c - '0');
    }
    if (v < min || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}
