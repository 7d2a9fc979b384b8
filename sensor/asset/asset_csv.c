#include "asset/asset_csv.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asset/asset_registry.h"

static void asset_csv_trim(struct asset_csv_field *f, size_t n)
{
    size_t a = 0;
    while (a < n && (f->s[a] == ' ' || f->s[a] == '\t' || f->s[a] == '\r'))
        a++;
    while (n > a && (f->s[n - 1] == ' ' || f->s[n - 1] == '\t' || f->s[n - 1] == '\r'))
        n--;
    memmove(f->s, f->s + a, n - a);
    f->s[n - a] = 0;
}

int asset_csv_split(const uint8_t *p, size_t len, struct asset_csv_line *out, const char **why)
{
    size_t i = 0;
    out->n = 0;
    for (;;) {
        if (out->n == ASSET_CSV_MAX_FIELDS) {
            *why = "too many fields";
            return -(int)(i + 1);
        }
        struct asset_csv_field *f = &out->f[out->n++];
        size_t n = 0;
        f->col = i + 1;
        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        bool quoted = i < len && p[i] == '"';
        if (quoted) {
            size_t open = i++;
            for (;;) {
                if (i >= len) {
                    *why = "unterminated quote";
                    return -(int)(open + 1);
                }
                if (p[i] == '"') {
                    if (i + 1 < len && p[i + 1] == '"') {
                        i++;
                    } else {
                        i++;
                        break;
                    }
                }
                if (p[i] == 0) {
                    *why = "NUL byte";
                    return -(int)(i + 1);
                }
                if (n + 1 >= ASSET_CSV_FIELD_MAX) {
                    *why = "field too long";
                    return -(int)(i + 1);
                }
                f->s[n++] = (char)p[i++];
            }
            while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
                i++;
            if (i < len && p[i] != ',') {
                *why = "text after a closing quote";
                return -(int)(i + 1);
            }
        } else {
            while (i < len && p[i] != ',') {
                if (p[i] == 0 || p[i] == '"') {
                    *why = p[i] ? "quote inside an unquoted field" : "NUL byte";
                    return -(int)(i + 1);
                }
                if (n + 1 >= ASSET_CSV_FIELD_MAX) {
                    *why = "field too long";
                    return -(int)(i + 1);
                }
                f->s[n++] = (char)p[i++];
            }
        }
        asset_csv_trim(f, n);
        if (i >= len)
            return 0;
        i++; /* the comma */
    }
}

int asset_csv_each(const uint8_t *p, size_t len, const char *header, const char *origin,
                   asset_csv_line_fn fn, void *ctx, char *err, size_t errlen)
{
    struct asset_csv_line *l = malloc(sizeof *l);
    if (!l) {
        snprintf(err, errlen, "%s: out of memory", origin);
        return -1;
    }
    size_t hlen = strlen(header);
    size_t i = 0;
    uint32_t line = 0;
    int rc = 0;
    while (i < len) {
        const uint8_t *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) : len;
        size_t n = end - i;
        const uint8_t *s = p + i;
        line++;
        i = end + 1;
        size_t lead = 0;
        while (lead < n && (s[lead] == ' ' || s[lead] == '\t' || s[lead] == '\r'))
            lead++;
        if (lead == n || s[lead] == '#')
            continue;
        if (n - lead >= hlen && strncasecmp((const char *)s + lead, header, hlen) == 0)
            continue;
        const char *why = "";
        int col = asset_csv_split(s, n, l, &why);
        if (col < 0) {
            snprintf(err, errlen, "%s:%u:%d: %s", origin, line, -col, why);
            rc = -1;
            break;
        }
        size_t at = 1;
        if (fn(ctx, l, line, &at, &why) < 0) {
            if (at)
                snprintf(err, errlen, "%s:%u:%zu: %s", origin, line, at, why);
            else
                snprintf(err, errlen, "%s: %s", origin, why);
            rc = -1;
            break;
        }
    }
    free(l);
    return rc;
}

int asset_csv_load(const char *path, const char *header, asset_csv_line_fn fn, void *ctx, char *err,
                   size_t errlen)
{
    uint8_t *buf;
    size_t len;
    int rc = asset_read_file(path, &buf, &len);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return -1;
    }
    rc = asset_csv_each(buf, len, header, path, fn, ctx, err, errlen);
    free(buf);
    return rc;
}

void *asset_csv_grow(void *e, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap)
        return e;
    size_t c = *cap ? *cap * 2 : first;
    if (c > SIZE_MAX / size)
        return NULL;
    void *ne = realloc(e, c * size);
    if (!ne)
        return NULL;
    *cap = c;
    return ne;
}
