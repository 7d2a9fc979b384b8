#include "asset/asset_oui.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset/asset_csv.h"

struct asset_oui_entry {
    uint64_t prefix; /* the MAC's top bits, left-aligned in 48 bits */
    uint8_t bits;    /* 24, 28 or 36 */
    uint32_t name;   /* offset in the pool */
};

struct asset_oui {
    struct asset_oui_entry *e;
    size_t n, cap;
    char *pool;
    size_t pool_len, pool_cap;
    size_t skipped;
};

struct asset_oui *asset_oui_new(void)
{
    return calloc(1, sizeof(struct asset_oui));
}

void asset_oui_free(struct asset_oui *o)
{
    if (!o)
        return;
    free(o->e);
    free(o->pool);
    free(o);
}

static int asset_oui_hex(const char *s, uint64_t *v, uint8_t *bits)
{
    size_t n = strlen(s);
    if (n != 6 && n != 7 && n != 9)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
        if (d < 0)
            return -1;
        x = x << 4 | (uint64_t)d;
    }
    *bits = (uint8_t)(n * 4);
    *v = x << (48 - n * 4);
    return 0;
}

static int asset_oui_push(struct asset_oui *o, uint64_t prefix, uint8_t bits, const char *name)
{
    size_t nl = strlen(name) + 1;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 1024;
        void *p = realloc(o->e, cap * sizeof *o->e);
        if (!p)
            return -ENOMEM;
        o->e = p;
        o->cap = cap;
    }
    if (o->pool_len + nl > o->pool_cap) {
        size_t cap = o->pool_cap ? o->pool_cap * 2 : 65536;
        while (cap < o->pool_len + nl)
            cap *= 2;
        char *p = realloc(o->pool, cap);
        if (!p)
            return -ENOMEM;
        o->pool = p;
        o->pool_cap = cap;
    }
    memcpy(o->pool + o->pool_len, name, nl);
    o->e[o->n++] = (struct asset_oui_entry){prefix, bits, (uint32_t)o->pool_len};
    o->pool_len += nl;
    return 0;
}

static int asset_oui_cmp(const void *a, const void *b)
{
    const struct asset_oui_entry *x = a, *y = b;
    if (x->bits != y->bits)
        return x->bits < y->bits ? -1 : 1;
    return x->prefix < y->prefix ? -1 : x->prefix > y->prefix;
}

int asset_oui_add_csv(struct asset_oui *o, const uint8_t *p, size_t len)
{
    struct asset_csv_line l;
    int added = 0;
    size_t i = 0;
    while (i < len) {
        const uint8_t *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) : len;
        const char *why;
        uint64_t prefix;
        uint8_t bits;
        if (asset_csv_split(p + i, end - i, &l, &why) < 0 || l.n < 3 || !l.f[2].s[0] ||
            asset_oui_hex(l.f[1].s, &prefix, &bits) < 0) {
            o->skipped++; /* the title line, and anything that is not an assignment */
        } else {
            if (asset_oui_push(o, prefix, bits, l.f[2].s) < 0)
                return -ENOMEM;
            added++;
        }
        i = end + 1;
    }
    if (o->n)
        qsort(o->e, o->n, sizeof *o->e, asset_oui_cmp);
    return added;
}

static int asset_oui_read(struct asset_oui *o, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                rc = -ENOMEM;
                goto out;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        if (got == 0)
            break;
        len += got;
    }
    if (ferror(f))
        rc = -EIO;
    else if (asset_oui_add_csv(o, buf, len) < 0)
        rc = -ENOMEM;
out:
    free(buf);
    fclose(f);
    return rc;
}

int asset_oui_load_dir(struct asset_oui *o, const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/oui.csv", dir);
    int rc = asset_oui_read(o, path);
    if (rc < 0)
        return rc;
    snprintf(path, sizeof path, "%s/mam.csv", dir);
    rc = asset_oui_read(o, path);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    snprintf(path, sizeof path, "%s/oui36.csv", dir);
    rc = asset_oui_read(o, path);
    return rc < 0 && rc != -ENOENT ? rc : 0;
}

const char *asset_oui_lookup(const struct asset_oui *o, const uint8_t mac[6])
{
    if (!o || !o->n)
        return NULL;
    uint64_t m = 0;
    for (int i = 0; i < 6; i++)
        m = m << 8 | mac[i];
    static const uint8_t widths[] = {36, 28, 24};
    for (size_t k = 0; k < sizeof widths; k++) {
        uint8_t bits = widths[k];
        struct asset_oui_entry key = {m & ~((1ull << (48 - bits)) - 1), bits, 0};
        const struct asset_oui_entry *e = bsearch(&key, o->e, o->n, sizeof *o->e, asset_oui_cmp);
        if (e)
            return o->pool + e->name;
    }
    return NULL;
}

size_t asset_oui_count(const struct asset_oui *o)
{
    return o->n;
}

size_t asset_oui_skipped(const struct asset_oui *o)
{
    return o->skipped;
}
