#include "asset/asset_vulns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asset/asset_csv.h"
#include "asset/asset_registry.h"

struct asset_vulns {
    struct asset_vuln *e;
    size_t n, cap;
};

static const char *const source_names[] = {"dicom", "ssh", "http_server", "http_ua"};

int asset_version_cmp(const char *a, const char *b)
{
    for (;;) {
        while (*a && (*a < '0' || *a > '9'))
            a++;
        while (*b && (*b < '0' || *b > '9'))
            b++;
        if (!*a || !*b)
            return (*a != 0) - (*b != 0);
        unsigned long long x = 0, y = 0;
        while (*a >= '0' && *a <= '9' && x < 1000000000000ull)
            x = x * 10 + (unsigned)(*a++ - '0');
        while (*b >= '0' && *b <= '9' && y < 1000000000000ull)
            y = y * 10 + (unsigned)(*b++ - '0');
        if (x != y)
            return x < y ? -1 : 1;
    }
}

void asset_vulns_free(struct asset_vulns *v)
{
    if (!v)
        return;
    free(v->e);
    free(v);
}

static int asset_vuln_line(struct asset_vuln *e, const struct asset_csv_line *l, size_t *col,
                           const char **why)
{
    memset(e, 0, sizeof *e);
    if (l->n != 8) {
        *col = l->n > 8 ? l->f[8].col : l->f[l->n - 1].col;
        *why = "expected product,source,prefix,from,before,ids,severity,summary";
        return -1;
    }
    struct {
        char *dst;
        size_t cap;
    } text[8] = {{e->product, sizeof e->product},   {NULL, 0},
                 {e->prefix, sizeof e->prefix},     {e->from, sizeof e->from},
                 {e->before, sizeof e->before},     {e->ids, sizeof e->ids},
                 {e->severity, sizeof e->severity}, {e->summary, sizeof e->summary}};
    for (size_t i = 0; i < 8; i++) {
        if (!text[i].dst)
            continue;
        if (strlen(l->f[i].s) >= text[i].cap) {
            *col = l->f[i].col;
            *why = "too long";
            return -1;
        }
        memcpy(text[i].dst, l->f[i].s, strlen(l->f[i].s) + 1);
    }
    size_t s = 0;
    while (s < sizeof source_names / sizeof source_names[0] &&
           strcmp(source_names[s], l->f[1].s) != 0)
        s++;
    if (s == sizeof source_names / sizeof source_names[0]) {
        *col = l->f[1].col;
        *why = "source: expected dicom, ssh, http_server or http_ua";
        return -1;
    }
    e->source = (uint8_t)s;
    if (!e->product[0] || !e->prefix[0]) {
        *col = l->f[e->product[0] ? 2 : 0].col;
        *why = "product and prefix are needed";
        return -1;
    }
    if (!e->ids[0]) {
        *col = l->f[5].col;
        *why = "an advisory needs at least one id (CVE-..., JVNDB-...)";
        return -1;
    }
    if (strcmp(e->severity, "critical") && strcmp(e->severity, "high") &&
        strcmp(e->severity, "medium") && strcmp(e->severity, "low")) {
        *col = l->f[6].col;
        *why = "severity: expected critical, high, medium or low";
        return -1;
    }
    return 0;
}

/* asset_csv_each: one entry a line. */
static int asset_vulns_parse_line(void *ctx, const struct asset_csv_line *l, uint32_t line,
                                  size_t *col, const char **why)
{
    struct asset_vulns *v = ctx;
    struct asset_vuln *e = asset_csv_grow(v->e, v->n, &v->cap, sizeof *v->e, 32);
    if (!e) {
        *col = 0;
        *why = "out of memory";
        return -1;
    }
    v->e = e;
    if (asset_vuln_line(&v->e[v->n], l, col, why) < 0)
        return -1;
    v->e[v->n++].line = line;
    return 0;
}

/* From p[0..len), or with path set from the file at path. */
static struct asset_vulns *asset_vulns_read(const char *path, const uint8_t *p, size_t len,
                                            const char *origin, char *err, size_t errlen)
{
    struct asset_vulns *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "%s: out of memory", origin);
        return NULL;
    }
    int rc =
        path ? asset_csv_load(path, "product,", asset_vulns_parse_line, v, err, errlen)
             : asset_csv_each(p, len, "product,", origin, asset_vulns_parse_line, v, err, errlen);
    if (rc < 0) {
        asset_vulns_free(v);
        return NULL;
    }
    return v;
}

struct asset_vulns *asset_vulns_parse(const uint8_t *p, size_t len, const char *origin, char *err,
                                      size_t errlen)
{
    return asset_vulns_read(NULL, p, len, origin, err, errlen);
}

struct asset_vulns *asset_vulns_load(const char *path, char *err, size_t errlen)
{
    return asset_vulns_read(path, NULL, 0, path, err, errlen);
}

size_t asset_vulns_count(const struct asset_vulns *v)
{
    return v ? v->n : 0;
}

void asset_vulns_match(const struct asset_vulns *v, enum asset_vuln_source source, const char *s,
                       void (*fn)(void *ctx, const struct asset_vuln *a), void *ctx)
{
    for (size_t i = 0; v && i < v->n; i++) {
        const struct asset_vuln *e = &v->e[i];
        size_t pl = strlen(e->prefix);
        if (e->source != source || strncmp(s, e->prefix, pl) != 0)
            continue;
        const char *ver = s + pl;
        if (!(*ver >= '0' && *ver <= '9'))
            continue; /* no version after the prefix: nothing to compare */
        if (e->from[0] && asset_version_cmp(ver, e->from) < 0)
            continue;
        if (e->before[0] && asset_version_cmp(ver, e->before) >= 0)
            continue;
        fn(ctx, e);
    }
}
