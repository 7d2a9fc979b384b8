#include "asset/asset_registry.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asset/asset_csv.h"

struct asset_registry {
    struct asset_registry_entry *e;
    size_t n, cap;
};

int asset_parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char sep[5];
    char tail;
    if (strlen(s) != 17)
        return -1;
    if (sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &v[0], &sep[0], &v[1], &sep[1], &v[2], &sep[2],
               &v[3], &sep[3], &v[4], &sep[4], &v[5], &tail) != 11)
        return -1;
    for (int i = 0; i < 5; i++)
        if (sep[i] != ':' && sep[i] != '-')
            return -1;
    for (int i = 0; i < 17; i++)
        if (i % 3 != 2 && !strchr("0123456789abcdefABCDEF", s[i]))
            return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

int asset_parse_cidr(const char *s, uint8_t ip[16], uint8_t *version, uint8_t *bits)
{
    char a[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof a)
        return -1;
    memcpy(a, s, n);
    a[n] = 0;
    memset(ip, 0, 16);
    unsigned max;
    if (inet_pton(AF_INET, a, ip) == 1) {
        *version = 4;
        max = 32;
    } else if (inet_pton(AF_INET6, a, ip) == 1) {
        *version = 6;
        max = 128;
    } else {
        return -1;
    }
    unsigned b = max;
    if (slash) {
        char *end;
        unsigned long v = strtoul(slash + 1, &end, 10);
        if (!slash[1] || *end || v > max)
            return -1;
        b = (unsigned)v;
    }
    *bits = (uint8_t)b;
    return 0;
}

bool asset_cidr_contains(const uint8_t net[16], uint8_t version, uint8_t bits, const uint8_t ip[16],
                         uint8_t ip_version)
{
    if (version != ip_version)
        return false;
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(net, ip, full) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (net[full] & mask) == (ip[full] & mask);
}

int asset_read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    uint8_t *b = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(b, cap);
            if (!nb) {
                rc = -ENOMEM;
                break;
            }
            b = nb;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    if (rc == 0 && ferror(f))
        rc = -EIO;
    fclose(f);
    if (rc < 0) {
        free(b);
        return rc;
    }
    *buf = b;
    *len = n;
    return 0;
}

void asset_registry_free(struct asset_registry *r)
{
    if (!r)
        return;
    free(r->e);
    free(r);
}

/* Splits a space-separated field into words; fn returns 0 or a negative
 * offset of the bad word. */
static int asset_reg_words(const struct asset_csv_field *f, struct asset_registry_entry *e,
                           bool peers, const char **why)
{
    const char *s = f->s;
    while (*s) {
        while (*s == ' ' || *s == ';')
            s++;
        if (!*s)
            break;
        size_t n = strcspn(s, " ;");
        char w[64];
        if (n >= sizeof w) {
            *why = "word too long";
            return -(int)(s - f->s) - 1;
        }
        memcpy(w, s, n);
        w[n] = 0;
        if (peers) {
            if (e->n_peers == ASSET_REG_PEERS_MAX) {
                *why = "more than 16 peers";
                return -(int)(s - f->s) - 1;
            }
            if (asset_parse_cidr(w, e->peers[e->n_peers].ip, &e->peers[e->n_peers].version,
                                 &e->peers[e->n_peers].bits) < 0) {
                *why = "a peer must be an address or a CIDR";
                return -(int)(s - f->s) - 1;
            }
            e->n_peers++;
        } else {
            if (e->n_protos == ASSET_REG_PROTOS_MAX || n >= sizeof e->protos[0]) {
                *why = e->n_protos == ASSET_REG_PROTOS_MAX ? "more than 16 protocols"
                                                           : "protocol name too long";
                return -(int)(s - f->s) - 1;
            }
            for (size_t i = 0; i < n; i++)
                w[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
            memcpy(e->protos[e->n_protos++], w, n + 1);
        }
        s += n;
    }
    return 0;
}

static int asset_reg_line(struct asset_registry_entry *e, const struct asset_csv_line *l,
                          size_t *col, const char **why)
{
    memset(e, 0, sizeof *e);
    if (l->n < 5) {
        *col = l->f[l->n - 1].col;
        *why = "expected address,name,type,department,status[,peers[,protocols]]";
        return -1;
    }
    if (l->n > 7) {
        *col = l->f[7].col;
        *why = "more than 7 fields";
        return -1;
    }
    const char *addr = l->f[0].s;
    uint8_t bits;
    if (asset_parse_mac(addr, e->mac) == 0) {
        e->is_mac = true;
    } else if (asset_parse_cidr(addr, e->ip, &e->ip_version, &bits) < 0 || strchr(addr, '/')) {
        *col = l->f[0].col;
        *why = "address: expected a MAC (aa:bb:cc:dd:ee:ff) or an IP address";
        return -1;
    }
    static const struct {
        size_t idx, cap;
        size_t off;
    } text[] = {{1, sizeof e->name, offsetof(struct asset_registry_entry, name)},
                {2, sizeof e->type, offsetof(struct asset_registry_entry, type)},
                {3, sizeof e->department, offsetof(struct asset_registry_entry, department)}};
    for (size_t i = 0; i < 3; i++) {
        const struct asset_csv_field *f = &l->f[text[i].idx];
        if (strlen(f->s) >= text[i].cap) {
            *col = f->col;
            *why = "too long";
            return -1;
        }
        memcpy((char *)e + text[i].off, f->s, strlen(f->s) + 1);
    }
    if (!e->name[0]) {
        *col = l->f[1].col;
        *why = "a device needs a name";
        return -1;
    }
    if (strcasecmp(l->f[4].s, "active") == 0) {
        e->retired = false;
    } else if (strcasecmp(l->f[4].s, "retired") == 0) {
        e->retired = true;
    } else {
        *col = l->f[4].col;
        *why = "status: expected active or retired";
        return -1;
    }
    for (size_t i = 5; i < l->n; i++) {
        int rc = asset_reg_words(&l->f[i], e, i == 5, why);
        if (rc < 0) {
            *col = l->f[i].col + (size_t)(-rc - 1);
            return -1;
        }
    }
    return 0;
}

/* asset_csv_each: one entry a line. */
static int asset_registry_parse_line(void *ctx, const struct asset_csv_line *l, uint32_t line,
                                     size_t *col, const char **why)
{
    struct asset_registry *r = ctx;
    struct asset_registry_entry *e = asset_csv_grow(r->e, r->n, &r->cap, sizeof *r->e, 64);
    if (!e) {
        *col = 0;
        *why = "out of memory";
        return -1;
    }
    r->e = e;
    if (asset_reg_line(&r->e[r->n], l, col, why) < 0)
        return -1;
    r->e[r->n++].line = line;
    return 0;
}

/* From p[0..len), or with path set from the file at path. */
static struct asset_registry *asset_registry_read(const char *path, const uint8_t *p, size_t len,
                                                  const char *origin, char *err, size_t errlen)
{
    struct asset_registry *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "%s: out of memory", origin);
        return NULL;
    }
    int rc =
        path ? asset_csv_load(path, "address", asset_registry_parse_line, r, err, errlen)
             : asset_csv_each(p, len, "address", origin, asset_registry_parse_line, r, err, errlen);
    if (rc < 0) {
        asset_registry_free(r);
        return NULL;
    }
    return r;
}

struct asset_registry *asset_registry_parse(const uint8_t *p, size_t len, const char *origin,
                                            char *err, size_t errlen)
{
    return asset_registry_read(NULL, p, len, origin, err, errlen);
}

struct asset_registry *asset_registry_load(const char *path, char *err, size_t errlen)
{
    return asset_registry_read(path, NULL, 0, path, err, errlen);
}

size_t asset_registry_count(const struct asset_registry *r)
{
    return r ? r->n : 0;
}

const struct asset_registry_entry *asset_registry_by_mac(const struct asset_registry *r,
                                                         const uint8_t mac[6])
{
    for (size_t i = 0; r && i < r->n; i++)
        if (r->e[i].is_mac && memcmp(r->e[i].mac, mac, 6) == 0)
            return &r->e[i];
    return NULL;
}

const struct asset_registry_entry *asset_registry_by_ip(const struct asset_registry *r,
                                                        const uint8_t ip[16], uint8_t version)
{
    size_t n = version == 4 ? 4 : 16;
    for (size_t i = 0; r && i < r->n; i++)
        if (!r->e[i].is_mac && r->e[i].ip_version == version && memcmp(r->e[i].ip, ip, n) == 0)
            return &r->e[i];
    return NULL;
}

bool asset_registry_allows_proto(const struct asset_registry_entry *e, const char *proto)
{
    if (!e->n_protos)
        return true;
    for (uint8_t i = 0; i < e->n_protos; i++)
        if (strcmp(e->protos[i], proto) == 0)
            return true;
    return false;
}

bool asset_registry_allows_peer(const struct asset_registry_entry *e, const uint8_t ip[16],
                                uint8_t version)
{
    if (!e->n_peers)
        return true;
    for (uint8_t i = 0; i < e->n_peers; i++)
        if (asset_cidr_contains(e->peers[i].ip, e->peers[i].version, e->peers[i].bits, ip, version))
            return true;
    return false;
}
