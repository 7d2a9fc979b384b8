#include "asset/asset_table.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset/asset_classify.h"
#include "asset/asset_evidence.h"
#include "asset/asset_oui.h"
#include "asset/asset_pending.h"
#include "asset/asset_registry.h"
#include "asset/asset_vulns.h"

#define ASSET_NETS_MAX 32
#define ASSET_CHANGES_MAX 8
/* Devices one message may touch: its two ends, and the ones a DNS,
 * mDNS or NetBIOS answer names. */
#define ASSET_TOUCH_MAX 8

struct asset_net {
    uint8_t ip[16];
    uint8_t version, bits;
};

struct asset_ipnode {
    uint8_t ip[16];
    uint8_t version;
    struct asset *a;
    struct asset_ipnode *next;
};

/* What one message did to one device: reported once the message is
 * folded in. */
struct asset_touch {
    struct asset *a;
    bool created;
    uint8_t n_changes;
    char changes[ASSET_CHANGES_MAX][112];
};

struct asset_table {
    struct asset_table_config c;
    struct asset_net nets[ASSET_NETS_MAX];
    size_t n_nets;
    struct asset **h; /* by id */
    size_t hmask;
    struct asset_ipnode **ih; /* by address */
    struct asset *lru_head, *lru_tail;
    struct asset_sink sink;
    struct asset_table_stats st;
    struct json_buf rec, obj;
    /* The message being folded in. */
    struct asset_evidence_head head;
    struct asset_touch touch[ASSET_TOUCH_MAX];
    uint64_t now_us;
    struct asset_pending pending; /* names for addresses not yet devices */
};

static const char *const event_names[ASSET_EVENT_KINDS] = {
    "new", "unregistered", "retired", "identity_changed", "protocol_violation", "vulnerable"};

const char *asset_event_name(enum asset_event_kind k)
{
    return (unsigned)k < ASSET_EVENT_KINDS ? event_names[k] : "?";
}

static uint32_t asset_fnv(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static const char *const default_nets[] = {"10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16",
                                           "169.254.0.0/16", "fc00::/7",      "fe80::/10"};

static int asset_table_nets(struct asset_table *t, const char *s, char *err, size_t errlen)
{
    if (!s || !*s) {
        for (size_t i = 0; i < sizeof default_nets / sizeof default_nets[0]; i++) {
            struct asset_net *n = &t->nets[t->n_nets++];
            asset_parse_cidr(default_nets[i], n->ip, &n->version, &n->bits);
        }
        return 0;
    }
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        if (!*s)
            break;
        size_t n = strcspn(s, " ,");
        char w[64];
        if (n >= sizeof w || t->n_nets == ASSET_NETS_MAX) {
            snprintf(err, errlen, "assets.networks: at most %d networks of 63 bytes",
                     ASSET_NETS_MAX);
            return -EINVAL;
        }
        memcpy(w, s, n);
        w[n] = 0;
        struct asset_net *net = &t->nets[t->n_nets];
        if (asset_parse_cidr(w, net->ip, &net->version, &net->bits) < 0) {
            snprintf(err, errlen, "assets.networks: %s is not a network (10.0.0.0/8, fc00::/7)", w);
            return -EINVAL;
        }
        t->n_nets++;
        s += n;
    }
    return 0;
}

struct asset_table *asset_table_new(const struct asset_table_config *c, char *err, size_t errlen)
{
    struct asset_table *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "assets: out of memory");
        return NULL;
    }
    t->c = *c;
    if (!t->c.max_assets)
        t->c.max_assets = 1;
    if (asset_table_nets(t, c->networks, err, errlen) < 0)
        goto fail;
    t->c.networks = NULL;
    size_t buckets = 64;
    while (buckets < (size_t)t->c.max_assets * 2 && buckets < (1u << 22))
        buckets *= 2;
    t->hmask = buckets - 1;
    t->h = calloc(buckets, sizeof *t->h);
    t->ih = calloc(buckets, sizeof *t->ih);
    if (!t->h || !t->ih) {
        snprintf(err, errlen, "assets: out of memory");
        goto fail;
    }
    json_init(&t->rec);
    json_init(&t->obj);
    return t;
fail:
    free(t->h);
    free(t->ih);
    free(t);
    return NULL;
}

static void strs_free(struct asset_strs *s)
{
    for (uint8_t i = 0; i < s->n; i++)
        free(s->v[i]);
    s->n = 0;
}

static void asset_free_strings(struct asset *a)
{
    struct asset_strs *all[] = {
        &a->ips,          &a->hostnames, &a->dhcp_class,   &a->dhcp_fp,  &a->sop_sent,
        &a->sop_accepted, &a->impl_uid,  &a->impl_version, &a->hl7_apps, &a->hl7_facilities,
        &a->user_agents,  &a->servers,   &a->ssh,          &a->tls};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        strs_free(all[i]);
}

void asset_table_free(struct asset_table *t)
{
    if (!t)
        return;
    for (struct asset *a = t->lru_head, *next; a; a = next) {
        next = a->lru_next;
        asset_free_strings(a);
        free(a);
    }
    for (size_t i = 0; i <= t->hmask; i++) {
        for (struct asset_ipnode *n = t->ih[i], *next; n; n = next) {
            next = n->next;
            free(n);
        }
    }
    free(t->h);
    free(t->ih);
    json_free(&t->rec);
    json_free(&t->obj);
    free(t);
}

void asset_table_set_sink(struct asset_table *t, const struct asset_sink *s)
{
    t->sink = *s;
}

const struct asset_table_stats *asset_table_stats(const struct asset_table *t)
{
    return &t->st;
}

static void asset_pending_sync(struct asset_table *t)
{
    t->st.names_pending = t->pending.n;
    t->st.names_evicted = t->pending.evicted;
    t->st.names_attached = t->pending.attached;
}

/* -- lookups ---------------------------------------------------------- */

static struct asset *asset_by_id(const struct asset_table *t, const char *id)
{
    uint32_t h = asset_fnv(id, strlen(id));
    for (struct asset *a = t->h[h & t->hmask]; a; a = a->hnext)
        if (a->hash == h && strcmp(a->id, id) == 0)
            return a;
    return NULL;
}

static size_t ip_len(uint8_t version)
{
    return version == 4 ? 4 : 16;
}

static struct asset_ipnode **ip_slot(const struct asset_table *t, const uint8_t ip[16],
                                     uint8_t version)
{
    uint32_t h = asset_fnv(ip, ip_len(version)) ^ version;
    struct asset_ipnode **pp = &t->ih[h & t->hmask];
    while (*pp && !((*pp)->version == version && memcmp((*pp)->ip, ip, ip_len(version)) == 0))
        pp = &(*pp)->next;
    return pp;
}

static void ip_text(const uint8_t ip[16], uint8_t version, char *out, size_t len)
{
    if (!inet_ntop(version == 4 ? AF_INET : AF_INET6, ip, out, (socklen_t)len))
        snprintf(out, len, "?");
}

static void lru_unlink(struct asset_table *t, struct asset *a)
{
    if (a->lru_prev)
        a->lru_prev->lru_next = a->lru_next;
    else
        t->lru_head = a->lru_next;
    if (a->lru_next)
        a->lru_next->lru_prev = a->lru_prev;
    else
        t->lru_tail = a->lru_prev;
    a->lru_prev = a->lru_next = NULL;
}

static void lru_append(struct asset_table *t, struct asset *a)
{
    a->lru_prev = t->lru_tail;
    a->lru_next = NULL;
    if (t->lru_tail)
        t->lru_tail->lru_next = a;
    else
        t->lru_head = a;
    t->lru_tail = a;
}

static size_t asset_memory(const struct asset *a)
{
    size_t m = sizeof *a;
    const struct asset_strs *all[] = {
        &a->ips,          &a->hostnames, &a->dhcp_class,   &a->dhcp_fp,  &a->sop_sent,
        &a->sop_accepted, &a->impl_uid,  &a->impl_version, &a->hl7_apps, &a->hl7_facilities,
        &a->user_agents,  &a->servers,   &a->ssh,          &a->tls};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        for (uint8_t k = 0; k < all[i]->n; k++)
            m += strlen(all[i]->v[k]) + 1;
    return m;
}

static void asset_remove(struct asset_table *t, struct asset *a)
{
    struct asset **pp = &t->h[a->hash & t->hmask];
    while (*pp && *pp != a)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = a->hnext;
    for (uint8_t i = 0; i < a->ips.n; i++) {
        uint8_t ip[16] = {0};
        uint8_t v = strchr(a->ips.v[i], ':') ? 6 : 4;
        if (inet_pton(v == 4 ? AF_INET : AF_INET6, a->ips.v[i], ip) != 1)
            continue;
        struct asset_ipnode **slot = ip_slot(t, ip, v);
        if (*slot && (*slot)->a == a) {
            struct asset_ipnode *n = *slot;
            *slot = n->next;
            free(n);
        }
    }
    lru_unlink(t, a);
    t->st.memory -= asset_memory(a);
    asset_free_strings(a);
    free(a);
    t->st.assets--;
}

static struct asset *asset_create(struct asset_table *t, const char *id)
{
    if (t->st.assets >= t->c.max_assets && t->lru_head) {
        struct asset *old = t->lru_head;
        for (int i = 0; i < ASSET_TOUCH_MAX; i++)
            if (t->touch[i].a == old)
                return NULL; /* never evict what this message is about */
        asset_remove(t, old);
        t->st.evicted++;
    }
    struct asset *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    snprintf(a->id, sizeof a->id, "%s", id);
    a->hash = asset_fnv(a->id, strlen(a->id));
    struct asset **slot = &t->h[a->hash & t->hmask];
    a->hnext = *slot;
    *slot = a;
    lru_append(t, a);
    a->type = "unknown";
    t->st.assets++;
    t->st.created++;
    t->st.memory += sizeof *a;
    return a;
}

/* -- what changed ------------------------------------------------------ */

static struct asset_touch *touch_of(struct asset_table *t, struct asset *a)
{
    for (int i = 0; i < ASSET_TOUCH_MAX; i++)
        if (t->touch[i].a == a)
            return &t->touch[i];
    for (int i = 0; i < ASSET_TOUCH_MAX; i++)
        if (!t->touch[i].a) {
            t->touch[i].created = false;
            t->touch[i].n_changes = 0;
            t->touch[i].a = a;
            return &t->touch[i];
        }
    return NULL;
}

__attribute__((format(printf, 3, 4))) static void
asset_changed(struct asset_table *t, struct asset *a, const char *fmt, ...)
{
    struct asset_touch *tc = touch_of(t, a);
    a->dirty = true;
    if (!tc || tc->n_changes >= ASSET_CHANGES_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tc->changes[tc->n_changes++], sizeof tc->changes[0], fmt, ap);
    va_end(ap);
}

static void asset_emit(struct asset_table *t, enum asset_event_kind k, const struct asset *a,
                       const char *detail, const uint8_t *peer)
{
    t->st.events++;
    if (!t->sink.event)
        return;
    struct asset_event ev = {.kind = k, .a = a, .detail = detail, .ts_us = t->now_us};
    if (peer) {
        memcpy(ev.peer_ip, peer, 16);
        ev.has_peer = true;
    }
    ev.port = t->head.dport;
    ev.proto = t->head.app_proto;
    t->sink.event(t->sink.ctx, &ev);
}

/* Adds s to the set; true when it is new there. */
static bool strs_add(struct asset_table *t, struct asset_strs *s, const char *v, size_t len)
{
    for (uint8_t i = 0; i < s->n; i++)
        if (strlen(s->v[i]) == len && memcmp(s->v[i], v, len) == 0)
            return false;
    if (s->n == ASSET_LIST_MAX) {
        s->truncated = true;
        return false;
    }
    char *c = malloc(len + 1);
    if (!c)
        return false;
    memcpy(c, v, len);
    c[len] = 0;
    s->v[s->n++] = c;
    t->st.memory += len + 1;
    return true;
}

/* -- devices from addresses ------------------------------------------- */

static bool asset_inside(const struct asset_table *t, const uint8_t ip[16], uint8_t version)
{
    for (size_t i = 0; i < t->n_nets; i++)
        if (asset_cidr_contains(t->nets[i].ip, t->nets[i].version, t->nets[i].bits, ip, version))
            return true;
    return false;
}

static bool ip_unspecified(const uint8_t ip[16], uint8_t version)
{
    static const uint8_t zero[16] = {0};
    return memcmp(ip, zero, ip_len(version)) == 0;
}

static void asset_registry_check(struct asset_table *t, struct asset *a);

struct asset_pending_ctx {
    struct asset_table *t;
    struct asset *a;
};

/* A name heard for the address before it was a device's. */
static void asset_pending_name(void *ctx, const char *name)
{
    struct asset_pending_ctx *c = ctx;
    if (strs_add(c->t, &c->a->hostnames, name, strlen(name)))
        asset_changed(c->t, c->a, "hostname %s", name);
}

/* Binds address ip to a; reports a change of device for that address.
 * Names heard for it before it was a device's are given to a. */
static void asset_bind_ip(struct asset_table *t, struct asset *a, const uint8_t ip[16],
                          uint8_t version)
{
    struct asset_ipnode **slot = ip_slot(t, ip, version);
    struct asset *before = *slot ? (*slot)->a : NULL;
    if (before == a)
        return;
    char text[64];
    ip_text(ip, version, text, sizeof text);
    if (!*slot) {
        struct asset_ipnode *n = calloc(1, sizeof *n);
        if (!n)
            return;
        memcpy(n->ip, ip, 16);
        n->version = version;
        *slot = n;
    }
    (*slot)->a = a;
    if (strs_add(t, &a->ips, text, strlen(text)))
        asset_changed(t, a, "address %s", text);
    if (!before && asset_pending_take(&t->pending, ip, version, t->now_us, asset_pending_name,
                                      &(struct asset_pending_ctx){t, a}))
        asset_pending_sync(t);
    if (before && before->has_mac && a->has_mac) {
        char detail[64 + 2 * ASSET_ID_MAX + 32];
        snprintf(detail, sizeof detail, "address %s moved from %s to %s", text, before->id, a->id);
        asset_changed(t, a, "%s", detail);
        asset_emit(t, ASSET_EVENT_IDENTITY, a, detail, NULL);
    }
    if (a->has_mac && !a->router && version == 4) {
        unsigned v4 = 0;
        for (uint8_t i = 0; i < a->ips.n; i++)
            v4 += strchr(a->ips.v[i], ':') == NULL;
        if (v4 > ASSET_ROUTER_IPS) {
            a->router = true;
            asset_changed(t, a, "%s", "routes: many addresses behind its MAC");
        }
    }
}

/* A MAC just found to be a router's: the IPv4 addresses it carried are
 * devices of their own (keyed by address) from now on. What was seen of
 * them so far stays on the router's entry: it cannot be told apart.
 * Returns the entry that now holds ip. */
static struct asset *asset_unroute(struct asset_table *t, struct asset *r, const uint8_t ip[16],
                                   uint8_t version)
{
    struct asset *cur = NULL;
    uint8_t keep = 0;
    for (uint8_t i = 0; i < r->ips.n; i++) {
        char *s = r->ips.v[i];
        uint8_t bin[16] = {0};
        if (strchr(s, ':') || inet_pton(AF_INET, s, bin) != 1) {
            r->ips.v[keep++] = s; /* IPv6 (link-local): most likely its own */
            continue;
        }
        char id[ASSET_ID_MAX];
        snprintf(id, sizeof id, "ip-%.*s", (int)(sizeof id - 4), s);
        struct asset *b = asset_by_id(t, id);
        if (!b && (b = asset_create(t, id))) {
            touch_of(t, b)->created = true;
            b->first_us = r->first_us;
            b->last_us = r->last_us;
        }
        if (b) {
            /* The index entry goes from the router to b: not a move of
             * one device's address to another's. */
            struct asset_ipnode **slot = ip_slot(t, bin, 4);
            if (*slot)
                (*slot)->a = NULL;
            asset_bind_ip(t, b, bin, 4);
            if (version == 4 && memcmp(bin, ip, 4) == 0)
                cur = b;
        }
        t->st.memory -= strlen(s) + 1;
        free(s);
    }
    r->ips.n = keep;
    return cur ? cur : r;
}

/* "mac-aabbccddeeff", without printf: this runs for every message. */
static void asset_mac_id(const uint8_t mac[6], char id[ASSET_ID_MAX])
{
    static const char hex[] = "0123456789abcdef";
    memcpy(id, "mac-", 4);
    for (int i = 0; i < 6; i++) {
        id[4 + 2 * i] = hex[mac[i] >> 4];
        id[5 + 2 * i] = hex[mac[i] & 15];
    }
    id[16] = 0;
}

static struct asset *asset_resolve(struct asset_table *t, const uint8_t ip[16], bool has_mac,
                                   const uint8_t mac[6])
{
    uint8_t version = t->head.ip_version;
    bool unspec = ip_unspecified(ip, version);
    bool inside = !unspec && asset_inside(t, ip, version);
    bool mac_ok = has_mac && !(mac[0] & 1) && memcmp(mac, "\0\0\0\0\0\0", 6) != 0;
    char id[ASSET_ID_MAX];
    struct asset *a = NULL;
    if (mac_ok && (inside || unspec)) {
        asset_mac_id(mac, id);
        a = asset_by_id(t, id);
        if (a && a->router) {
            a = NULL; /* the router's MAC: the device is the address */
        } else if (!a) {
            a = asset_create(t, id);
            if (!a)
                return NULL;
            a->has_mac = true;
            memcpy(a->mac, mac, 6);
            a->vendor = t->c.oui ? asset_oui_lookup(t->c.oui, mac) : NULL;
            touch_of(t, a)->created = true;
            a->first_us = t->head.first_us;
        }
    }
    if (!a) {
        if (!inside)
            return NULL;
        char text[64];
        ip_text(ip, version, text, sizeof text);
        snprintf(id, sizeof id, "ip-%.*s", (int)(sizeof id - 4), text);
        a = asset_by_id(t, id);
        if (!a) {
            a = asset_create(t, id);
            if (!a)
                return NULL;
            touch_of(t, a)->created = true;
            a->first_us = t->head.first_us;
        }
    }
    touch_of(t, a);
    if (!unspec) {
        bool was_router = a->router;
        asset_bind_ip(t, a, ip, version);
        if (a->router && !was_router)
            a = asset_unroute(t, a, ip, version);
    }
    if (!a->first_us || t->head.first_us < a->first_us)
        a->first_us = t->head.first_us;
    if (t->head.last_us > a->last_us)
        a->last_us = t->head.last_us;
    lru_unlink(t, a);
    lru_append(t, a);
    return a;
}

/* -- the registry and vulnerable versions ------------------------------- */

static const struct asset_registry_entry *asset_registry_find(const struct asset_table *t,
                                                              const struct asset *a)
{
    const struct asset_registry_entry *e = NULL;
    if (a->has_mac)
        e = asset_registry_by_mac(t->c.registry, a->mac);
    for (uint8_t i = 0; !e && i < a->ips.n; i++) {
        uint8_t ip[16] = {0};
        uint8_t v = strchr(a->ips.v[i], ':') ? 6 : 4;
        if (inet_pton(v == 4 ? AF_INET : AF_INET6, a->ips.v[i], ip) == 1)
            e = asset_registry_by_ip(t->c.registry, ip, v);
    }
    return e;
}

/* Once per device and run: registered, retired (reported each run: it is
 * still there) or unregistered (reported once it has an address to look
 * up; a later address that is listed makes it registered). */
static void asset_registry_check(struct asset_table *t, struct asset *a)
{
    if (!t->c.registry || (a->reg_checked && a->reg_status != ASSET_REG_UNREGISTERED))
        return;
    const struct asset_registry_entry *e = asset_registry_find(t, a);
    char detail[200];
    if (e) {
        bool changed = a->reg != e;
        a->reg = e;
        a->reg_status = e->retired ? ASSET_REG_RETIRED : ASSET_REG_REGISTERED;
        a->reg_checked = true;
        if (changed)
            asset_changed(t, a, "registry: %s", e->retired ? "retired" : "registered");
        if (e->retired) {
            snprintf(detail, sizeof detail, "%s (%s, registry line %u) is retired", e->name,
                     e->department, e->line);
            asset_emit(t, ASSET_EVENT_RETIRED, a, detail, NULL);
        }
        return;
    }
    if (!a->ips.n || a->reg_checked)
        return;
    bool changed = a->reg_status != ASSET_REG_UNREGISTERED;
    a->reg = NULL;
    a->reg_status = ASSET_REG_UNREGISTERED;
    a->reg_checked = true;
    if (changed)
        asset_changed(t, a, "registry: %s", "unregistered");
    snprintf(detail, sizeof detail, "%s (%s%s%s) is not in the registry", a->id,
             a->vendor ? a->vendor : "unknown vendor", a->hostnames.n ? ", " : "",
             a->hostnames.n ? a->hostnames.v[0] : "");
    asset_emit(t, ASSET_EVENT_UNREGISTERED, a, detail, NULL);
}

struct asset_vuln_ctx {
    struct asset_table *t;
    struct asset *a;
    const char *seen;
    bool quiet;     /* derived again from a loaded entry: known already */
    char ids[256];  /* the new advisories' ids, for one event */
    char worst[12]; /* their highest severity */
};

static int asset_severity_rank(const char *s)
{
    return strcmp(s, "critical") == 0 ? 4
           : strcmp(s, "high") == 0   ? 3
           : strcmp(s, "medium") == 0 ? 2
                                      : 1;
}

static void asset_vuln_hit(void *ctx, const struct asset_vuln *v)
{
    struct asset_vuln_ctx *c = ctx;
    struct asset *a = c->a;
    for (uint8_t i = 0; i < a->n_vulns; i++)
        if (a->vulns[i] == v)
            return;
    if (a->n_vulns == ASSET_VULNS_MAX)
        return;
    a->vulns[a->n_vulns++] = v;
    if (c->quiet)
        return;
    size_t n = strlen(c->ids);
    snprintf(c->ids + n, sizeof c->ids - n, "%s%s", n ? " " : "", v->ids);
    if (!c->worst[0] || asset_severity_rank(v->severity) > asset_severity_rank(c->worst))
        snprintf(c->worst, sizeof c->worst, "%s", v->severity);
    asset_changed(c->t, a, "vulnerable: %s", v->ids);
}

/* One event per version seen, naming every advisory it is in. */
static void asset_vuln_check(struct asset_table *t, struct asset *a, enum asset_vuln_source src,
                             const char *seen)
{
    if (!t->c.vulns)
        return;
    struct asset_vuln_ctx c = {t, a, seen, false, "", ""};
    asset_vulns_match(t->c.vulns, src, seen, asset_vuln_hit, &c);
    if (!c.ids[0])
        return;
    char detail[400];
    snprintf(detail, sizeof detail, "%s: %s (%s)", seen, c.ids, c.worst);
    asset_emit(t, ASSET_EVENT_VULNERABLE, a, detail, NULL);
}

/* -- evidence items ---------------------------------------------------- */

/* A version-like value (implementation version, banner, Server): a
 * second, different value is an identity change. */
static void asset_version_item(struct asset_table *t, struct asset *a, struct asset_strs *s,
                               const char *what, const char *v, size_t len,
                               enum asset_vuln_source src, bool check_vuln)
{
    bool had = s->n > 0;
    if (!strs_add(t, s, v, len))
        return;
    const char *now = s->v[s->n - 1];
    char detail[300];
    snprintf(detail, sizeof detail, "%s %s", what, now);
    asset_changed(t, a, "%s", detail);
    if (had) {
        snprintf(detail, sizeof detail, "new %s %s (was %s)", what, now, s->v[s->n - 2]);
        asset_emit(t, ASSET_EVENT_IDENTITY, a, detail, NULL);
    }
    if (check_vuln)
        asset_vuln_check(t, a, src, now);
}

/* An AE title used from another device than before. */
static void asset_ae_item(struct asset_table *t, struct asset *a, const char *ae, size_t len,
                          bool scp)
{
    char title[17];
    if (len >= sizeof title)
        len = sizeof title - 1;
    memcpy(title, ae, len);
    title[len] = 0;
    for (uint8_t i = 0; i < a->n_ae; i++)
        if (strcmp(a->ae[i].ae, title) == 0 && a->ae[i].scp == scp)
            return;
    if (a->n_ae == ASSET_LIST_MAX)
        return;
    for (struct asset *o = t->lru_head; o; o = o->lru_next) {
        if (o == a)
            continue;
        for (uint8_t i = 0; i < o->n_ae; i++) {
            if (strcmp(o->ae[i].ae, title) != 0 || o->ae[i].scp != scp || scp)
                continue;
            char detail[200];
            snprintf(detail, sizeof detail, "AE title %s from %s, seen before from %s", title,
                     a->ips.n ? a->ips.v[0] : a->id, o->ips.n ? o->ips.v[0] : o->id);
            asset_emit(t, ASSET_EVENT_IDENTITY, a, detail, NULL);
            break;
        }
    }
    snprintf(a->ae[a->n_ae].ae, sizeof a->ae[0].ae, "%s", title);
    a->ae[a->n_ae++].scp = scp;
    asset_changed(t, a, "AE title %s", title);
}

struct asset_fold {
    struct asset_table *t;
    struct asset *side[2];
};

/* A name for an address (mDNS, NetBIOS, DNS): given to the device that
 * holds the address, if it is one; the sender's own names always are. */
static void asset_name_item(struct asset_table *t, struct asset_fold *f,
                            const struct asset_evidence_item *it)
{
    if (it->len < 18 || (it->p[0] != 4 && it->p[0] != 6))
        return;
    uint8_t version = it->p[0];
    uint8_t ip[16] = {0};
    memcpy(ip, it->p + 1, 16);
    char name[ASSET_EVIDENCE_ITEM_MAX + 1];
    size_t n = it->len - 17;
    memcpy(name, it->p + 17, n);
    name[n] = 0;
    while (n && name[n - 1] == '.')
        name[--n] = 0;
    if (!n || strlen(name) != n)
        return;
    struct asset *a = NULL;
    if (version == t->head.ip_version && memcmp(ip, t->head.client_ip, ip_len(version)) == 0)
        a = f->side[ASSET_CLIENT];
    if (!a) {
        struct asset_ipnode **slot = ip_slot(t, ip, version);
        a = *slot ? (*slot)->a : NULL;
    }
    if (!a) {
        /* Not a device yet: kept until it appears, if it can be one. */
        if (asset_inside(t, ip, version) && !ip_unspecified(ip, version)) {
            asset_pending_add(&t->pending, ip, version, name, t->now_us);
            asset_pending_sync(t);
        }
        return;
    }
    if (a->router)
        return;
    touch_of(t, a);
    if (strs_add(t, &a->hostnames, name, n))
        asset_changed(t, a, "hostname %s", name);
}

static void asset_item(void *ctx, const struct asset_evidence_item *it)
{
    struct asset_fold *f = ctx;
    struct asset_table *t = f->t;
    struct asset *a = f->side[it->side];
    if (!a)
        return;
    if (it->tag == AEV_NAME_OF) {
        asset_name_item(t, f, it);
        return;
    }
    const char *v = (const char *)it->p;
    size_t n = it->len;
    char tmp[ASSET_EVIDENCE_ITEM_MAX + 1];
    memcpy(tmp, v, n);
    tmp[n] = 0;
    if (strlen(tmp) != n)
        return; /* a NUL inside: not text */
    switch (it->tag) {
    case AEV_HOSTNAME:
        if (strs_add(t, &a->hostnames, v, n))
            asset_changed(t, a, "hostname %s", tmp);
        break;
    case AEV_DHCP_CLASS:
        if (strs_add(t, &a->dhcp_class, v, n))
            asset_changed(t, a, "DHCP vendor class %s", tmp);
        break;
    case AEV_DHCP_FP:
        if (strs_add(t, &a->dhcp_fp, v, n))
            asset_changed(t, a, "DHCP fingerprint %s", tmp);
        break;
    case AEV_HTTP_UA:
        if (strs_add(t, &a->user_agents, v, n)) {
            asset_changed(t, a, "User-Agent %s", tmp);
            asset_vuln_check(t, a, VULN_HTTP_UA, tmp);
        }
        break;
    case AEV_HTTP_SERVER:
        asset_version_item(t, a, &a->servers, "HTTP server", v, n, VULN_HTTP_SERVER, true);
        break;
    case AEV_SSH_BANNER:
        /* A client's banner is its own software; vulnerable servers are
         * what matter, but a client version is worth knowing too. */
        asset_version_item(t, a, &a->ssh, "SSH banner", v, n, VULN_SSH, true);
        break;
    case AEV_TLS_VERSION:
        if (strs_add(t, &a->tls, v, n))
            asset_changed(t, a, "TLS %s", tmp);
        break;
    case AEV_DICOM_AE:
        asset_ae_item(t, a, v, n, it->side == ASSET_SERVER);
        break;
    case AEV_DICOM_SOP:
        if (strs_add(t, it->side == ASSET_CLIENT ? &a->sop_sent : &a->sop_accepted, v, n))
            asset_changed(t, a, "SOP class %s", tmp);
        break;
    case AEV_DICOM_IMPL_UID:
        asset_version_item(t, a, &a->impl_uid, "DICOM implementation class UID", v, n, VULN_DICOM,
                           false);
        break;
    case AEV_DICOM_IMPL_VERSION:
        asset_version_item(t, a, &a->impl_version, "DICOM implementation version", v, n, VULN_DICOM,
                           true);
        break;
    case AEV_HL7_APP:
        if (strs_add(t, &a->hl7_apps, v, n))
            asset_changed(t, a, "HL7 application %s", tmp);
        break;
    case AEV_HL7_FACILITY:
        if (strs_add(t, &a->hl7_facilities, v, n))
            asset_changed(t, a, "HL7 facility %s", tmp);
        break;
    default:
        break;
    }
}

/* A flow's service at both ends, and the registry profile. */
static void asset_service(struct asset_table *t, struct asset *a, bool server,
                          const uint8_t *peer_ip, uint8_t version)
{
    const struct asset_evidence_head *h = &t->head;
    const char *proto = h->app_proto[0] ? h->app_proto : "unknown";
    struct asset_service *s = NULL;
    for (uint8_t i = 0; i < a->n_svc && !s; i++)
        if (a->svc[i].server == server && a->svc[i].port == h->dport &&
            a->svc[i].l4 == h->l4proto && strcmp(a->svc[i].proto, proto) == 0)
            s = &a->svc[i];
    bool fresh = false;
    if (!s && a->n_svc < ASSET_SERVICES_MAX) {
        s = &a->svc[a->n_svc++];
        snprintf(s->proto, sizeof s->proto, "%s", proto);
        s->port = h->dport;
        s->l4 = h->l4proto;
        s->server = server;
        fresh = true;
        char what[64];
        snprintf(what, sizeof what, "%s %s/%u", server ? "serves" : "uses", proto, h->dport);
        asset_changed(t, a, "%s", what);
    }
    if (s)
        s->flows++;
    if (!a->reg || a->reg_status != ASSET_REG_REGISTERED || strcmp(proto, "unknown") == 0)
        return;
    char detail[200];
    if (fresh && !asset_registry_allows_proto(a->reg, proto)) {
        snprintf(detail, sizeof detail, "%s %s on port %u: not in its registry profile",
                 server ? "serves" : "uses", proto, h->dport);
        asset_emit(t, ASSET_EVENT_PROTOCOL, a, detail, peer_ip);
    }
    if (peer_ip && !asset_registry_allows_peer(a->reg, peer_ip, version)) {
        char text[64];
        ip_text(peer_ip, version, text, sizeof text);
        snprintf(detail, sizeof detail, "%s %s with %s: peer not in its registry profile",
                 server ? "serves" : "uses", proto, text);
        asset_emit(t, ASSET_EVENT_PROTOCOL, a, detail, peer_ip);
    }
}

/* -- records ------------------------------------------------------------ */

static void json_strs(struct json_buf *b, const char *key, const struct asset_strs *s)
{
    if (!s->n)
        return;
    json_open_array(b, key);
    for (uint8_t i = 0; i < s->n; i++)
        json_string(b, NULL, s->v[i]);
    json_close_array(b);
}

static const char *reg_status_name(uint8_t s)
{
    switch (s) {
    case ASSET_REG_REGISTERED:
        return "registered";
    case ASSET_REG_UNREGISTERED:
        return "unregistered";
    case ASSET_REG_RETIRED:
        return "retired";
    default:
        return NULL;
    }
}

static void asset_json_fields(struct json_buf *b, const struct asset *a)
{
    json_string(b, "id", a->id);
    if (a->has_mac) {
        char mac[18];
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", a->mac[0], a->mac[1], a->mac[2],
                 a->mac[3], a->mac[4], a->mac[5]);
        json_string(b, "mac", mac);
    }
    if (a->vendor)
        json_string(b, "vendor", a->vendor);
    json_strs(b, "ips", &a->ips);
    json_strs(b, "hostnames", &a->hostnames);
    json_string(b, "type", a->type ? a->type : "unknown");
    if (a->subtype)
        json_string(b, "subtype", a->subtype);
    if (a->role)
        json_string(b, "role", a->role);
    if (a->n_evidence) {
        json_open_array(b, "evidence");
        for (uint8_t i = 0; i < a->n_evidence; i++)
            json_string(b, NULL, a->evidence[i]);
        json_close_array(b);
    }
    if (a->dhcp_class.n || a->dhcp_fp.n) {
        json_open_object(b, "dhcp");
        if (a->dhcp_class.n)
            json_string(b, "vendor_class", a->dhcp_class.v[a->dhcp_class.n - 1]);
        if (a->dhcp_fp.n)
            json_string(b, "fingerprint", a->dhcp_fp.v[a->dhcp_fp.n - 1]);
        json_close_object(b);
    }
    if (a->n_ae || a->sop_sent.n || a->sop_accepted.n || a->impl_uid.n || a->impl_version.n) {
        json_open_object(b, "dicom");
        if (a->n_ae) {
            json_open_array(b, "ae_titles");
            for (uint8_t i = 0; i < a->n_ae; i++) {
                json_open_object(b, NULL);
                json_string(b, "ae", a->ae[i].ae);
                json_string(b, "role", a->ae[i].scp ? "SCP" : "SCU");
                json_close_object(b);
            }
            json_close_array(b);
        }
        if (a->sop_sent.n || a->sop_accepted.n) {
            json_open_array(b, "sop_classes");
            for (uint8_t i = 0; i < a->sop_sent.n; i++)
                json_string(b, NULL, a->sop_sent.v[i]);
            for (uint8_t i = 0; i < a->sop_accepted.n; i++) {
                bool dup = false;
                for (uint8_t k = 0; k < a->sop_sent.n; k++)
                    dup |= strcmp(a->sop_sent.v[k], a->sop_accepted.v[i]) == 0;
                if (!dup)
                    json_string(b, NULL, a->sop_accepted.v[i]);
            }
            json_close_array(b);
        }
        json_strs(b, "sop_classes_sent", &a->sop_sent);
        json_strs(b, "sop_classes_accepted", &a->sop_accepted);
        if (a->impl_uid.n)
            json_string(b, "implementation_class_uid", a->impl_uid.v[a->impl_uid.n - 1]);
        if (a->impl_version.n)
            json_string(b, "implementation_version", a->impl_version.v[a->impl_version.n - 1]);
        json_strs(b, "implementation_versions", &a->impl_version);
        json_close_object(b);
    }
    if (a->hl7_apps.n || a->hl7_facilities.n) {
        json_open_object(b, "hl7");
        json_strs(b, "applications", &a->hl7_apps);
        json_strs(b, "facilities", &a->hl7_facilities);
        json_close_object(b);
    }
    if (a->user_agents.n || a->servers.n) {
        json_open_object(b, "http");
        json_strs(b, "user_agents", &a->user_agents);
        json_strs(b, "servers", &a->servers);
        json_close_object(b);
    }
    if (a->ssh.n) {
        json_open_object(b, "ssh");
        json_strs(b, "banners", &a->ssh);
        json_close_object(b);
    }
    if (a->tls.n) {
        json_open_object(b, "tls");
        json_strs(b, "versions", &a->tls);
        json_close_object(b);
    }
    if (a->n_svc) {
        json_open_array(b, "services");
        for (uint8_t i = 0; i < a->n_svc; i++) {
            const struct asset_service *s = &a->svc[i];
            json_open_object(b, NULL);
            json_string(b, "proto", s->proto);
            json_uint(b, "port", s->port);
            json_string(b, "transport", s->l4 == 6 ? "tcp" : s->l4 == 17 ? "udp" : "other");
            json_string(b, "role", s->server ? "server" : "client");
            json_uint(b, "flows", s->flows);
            json_close_object(b);
        }
        json_close_array(b);
    }
    json_time(b, "first_seen", a->first_us);
    json_time(b, "last_seen", a->last_us);
    json_uint(b, "first_seen_us", a->first_us);
    json_uint(b, "last_seen_us", a->last_us);
    json_uint(b, "bytes_in", a->bytes_in);
    json_uint(b, "bytes_out", a->bytes_out);
    const char *rs = reg_status_name(a->reg_status);
    if (rs) {
        json_open_object(b, "registry");
        json_string(b, "status", rs);
        if (a->reg) {
            json_string(b, "name", a->reg->name);
            if (a->reg->type[0])
                json_string(b, "type", a->reg->type);
            if (a->reg->department[0])
                json_string(b, "department", a->reg->department);
        }
        json_close_object(b);
    }
    if (a->n_vulns) {
        json_open_array(b, "vulns");
        for (uint8_t i = 0; i < a->n_vulns; i++) {
            const struct asset_vuln *v = a->vulns[i];
            json_open_object(b, NULL);
            json_string(b, "product", v->product);
            json_open_array(b, "ids");
            const char *s = v->ids;
            while (*s) {
                while (*s == ' ')
                    s++;
                size_t n = strcspn(s, " ");
                if (n)
                    json_string_bytes(b, NULL, (const uint8_t *)s, n);
                s += n;
            }
            json_close_array(b);
            json_string(b, "severity", v->severity);
            json_string(b, "summary", v->summary);
            json_close_object(b);
        }
        json_close_array(b);
    }
}

void asset_json_object(struct json_buf *b, const char *key, const struct asset *a)
{
    json_open_object(b, key);
    asset_json_fields(b, a);
    json_close_object(b);
}

static void asset_report(struct asset_table *t, struct asset_touch *tc)
{
    struct asset *a = tc->a;
    /* Nothing new: nothing to decide again, nothing to report. */
    if (!tc->n_changes && !tc->created)
        return;
    bool type_changed = asset_classify(a);
    if (type_changed && !tc->created) {
        char what[80];
        snprintf(what, sizeof what, "type %s%s%s", a->type, a->subtype ? " " : "",
                 a->subtype ? a->subtype : "");
        asset_changed(t, a, "%s", what);
    }
    bool is_new = tc->created && !a->persisted;
    if (!tc->n_changes && !is_new)
        return;
    a->dirty = true;
    if (is_new)
        asset_emit(t, ASSET_EVENT_NEW, a, "first seen", NULL);
    json_reset(&t->rec);
    json_open_object(&t->rec, NULL);
    json_time(&t->rec, "timestamp", t->now_us);
    json_string(&t->rec, "event_type", "asset");
    if (a->ips.n)
        json_string(&t->rec, "src_ip", a->ips.v[a->ips.n - 1]);
    json_open_object(&t->rec, "asset");
    asset_json_fields(&t->rec, a);
    /* The record's own: what this sighting changed. */
    json_string(&t->rec, "event", is_new ? "new" : "changed");
    json_open_array(&t->rec, "changes");
    for (uint8_t i = 0; i < tc->n_changes; i++)
        json_string(&t->rec, NULL, tc->changes[i]);
    json_close_array(&t->rec);
    json_close_object(&t->rec);
    json_close_object(&t->rec);
    t->st.records++;
    if (t->sink.record)
        t->sink.record(t->sink.ctx, &t->rec);
    if (t->sink.save) {
        json_reset(&t->obj);
        asset_json_object(&t->obj, NULL, a);
        t->sink.save(t->sink.ctx, a, &t->obj);
    }
}

int asset_table_evidence(struct asset_table *t, const uint8_t *p, size_t len)
{
    t->st.evidence++;
    struct asset_evidence_head *h = &t->head;
    if (asset_evidence_parse(p, len, h, NULL, NULL) < 0) {
        t->st.malformed++;
        return -EINVAL;
    }
    /* Only the heads: the change lines are written before they are read. */
    for (int i = 0; i < ASSET_TOUCH_MAX; i++) {
        t->touch[i].a = NULL;
        t->touch[i].created = false;
        t->touch[i].n_changes = 0;
    }
    t->now_us = h->last_us;
    struct asset_fold f = {t, {NULL, NULL}};
    f.side[ASSET_CLIENT] =
        asset_resolve(t, h->client_ip, h->flags & ASSET_EV_CLIENT_MAC, h->client_mac);
    /* An address nobody answered for is no device (a sweep's targets). */
    bool silent = (h->flags & ASSET_EV_FLOW) && !(h->flags & ASSET_EV_ANSWERED);
    f.side[ASSET_SERVER] =
        silent ? NULL
               : asset_resolve(t, h->server_ip, h->flags & ASSET_EV_SERVER_MAC, h->server_mac);
    if (f.side[ASSET_CLIENT] == f.side[ASSET_SERVER])
        f.side[ASSET_SERVER] = NULL; /* a device talking to itself, or a router both ways */
    asset_evidence_parse(p, len, h, asset_item, &f);
    struct asset *c = f.side[ASSET_CLIENT], *s = f.side[ASSET_SERVER];
    bool answered = h->flags & ASSET_EV_ANSWERED;
    for (int i = 0; i < ASSET_TOUCH_MAX; i++)
        if (t->touch[i].a)
            asset_registry_check(t, t->touch[i].a);
    if (h->flags & ASSET_EV_FLOW) {
        if (c) {
            c->bytes_out += h->bytes_cs;
            c->bytes_in += h->bytes_sc;
            asset_service(t, c, false, h->server_ip, h->ip_version);
        }
        if (s && answered) {
            s->bytes_out += h->bytes_sc;
            s->bytes_in += h->bytes_cs;
            asset_service(t, s, true, h->client_ip, h->ip_version);
        }
    }
    for (int i = 0; i < ASSET_TOUCH_MAX; i++)
        if (t->touch[i].a)
            asset_report(t, &t->touch[i]);
    return 0;
}

void asset_table_foreach(const struct asset_table *t, void (*fn)(void *ctx, const struct asset *a),
                         void *ctx)
{
    for (const struct asset *a = t->lru_head; a; a = a->lru_next)
        fn(ctx, a);
}

void asset_table_clean(struct asset_table *t)
{
    for (struct asset *a = t->lru_head; a; a = a->lru_next)
        a->dirty = false;
}

const struct asset *asset_table_find(const struct asset_table *t, const char *id)
{
    return asset_by_id(t, id);
}

void asset_table_account(struct asset_table *t, int64_t delta)
{
    t->st.memory += (uint64_t)delta; /* wraps back for a negative delta */
}

/* -- reading assets.json back -------------------------------------------
 * Each line is an object asset_json_object() wrote. Only what identifies
 * a device and what it was seen doing is read back; derived fields (type,
 * evidence, registry, vulns) are derived again. The reader is strict: a
 * line it does not understand is skipped and counted. */

struct asset_jr {
    const uint8_t *p;
    size_t len, off;
    bool err;
};

static void jr_ws(struct asset_jr *r)
{
    while (r->off < r->len && (r->p[r->off] == ' ' || r->p[r->off] == '\t'))
        r->off++;
}

static bool jr_lit(struct asset_jr *r, char c)
{
    jr_ws(r);
    if (r->off < r->len && r->p[r->off] == c) {
        r->off++;
        return true;
    }
    return false;
}

/* A string into out (escapes \" \\ \/ and \u00XX only, as mamori writes). */
static bool jr_str(struct asset_jr *r, char *out, size_t cap)
{
    size_t n = 0;
    if (!jr_lit(r, '"'))
        return false;
    while (r->off < r->len) {
        uint8_t c = r->p[r->off++];
        if (c == '"') {
            out[n] = 0;
            return true;
        }
        if (c == '\\') {
            if (r->off >= r->len)
                return false;
            c = r->p[r->off++];
            if (c == 'u') {
                if (r->len - r->off < 4)
                    return false;
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    uint8_t h = r->p[r->off++];
                    int d = h >= '0' && h <= '9'   ? h - '0'
                            : h >= 'a' && h <= 'f' ? h - 'a' + 10
                            : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                   : -1;
                    if (d < 0)
                        return false;
                    v = v << 4 | (unsigned)d;
                }
                c = v < 0x80 ? (uint8_t)v : '?';
            } else if (c == 'n') {
                c = '\n';
            } else if (c == 't') {
                c = '\t';
            } else if (c == 'r') {
                c = '\r';
            } else if (c != '"' && c != '\\' && c != '/') {
                return false;
            }
        }
        if (n + 1 < cap)
            out[n++] = (char)c;
    }
    return false;
}

static bool jr_uint(struct asset_jr *r, uint64_t *v)
{
    jr_ws(r);
    size_t start = r->off;
    uint64_t x = 0;
    while (r->off < r->len && r->p[r->off] >= '0' && r->p[r->off] <= '9' && x < UINT64_MAX / 10)
        x = x * 10 + (uint64_t)(r->p[r->off++] - '0');
    *v = x;
    return r->off > start;
}

/* Skips any value (for fields that are derived again). */
static bool jr_skip(struct asset_jr *r, int depth)
{
    char tmp[ASSET_EVIDENCE_ITEM_MAX + 1];
    uint64_t u;
    jr_ws(r);
    if (depth > 8 || r->off >= r->len)
        return false;
    uint8_t c = r->p[r->off];
    if (c == '"')
        return jr_str(r, tmp, sizeof tmp);
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        r->off++;
        if (jr_lit(r, close))
            return true;
        do {
            if (c == '{' && (!jr_str(r, tmp, sizeof tmp) || !jr_lit(r, ':')))
                return false;
            if (!jr_skip(r, depth + 1))
                return false;
        } while (jr_lit(r, ','));
        return jr_lit(r, close);
    }
    if (jr_uint(r, &u))
        return true;
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if (r->len - r->off >= n && memcmp(r->p + r->off, words[i], n) == 0) {
            r->off += n;
            return true;
        }
    }
    return false;
}

static bool jr_strs(struct asset_table *t, struct asset_jr *r, struct asset_strs *s)
{
    char v[ASSET_EVIDENCE_ITEM_MAX + 1];
    if (!jr_lit(r, '['))
        return false;
    if (jr_lit(r, ']'))
        return true;
    do {
        if (!jr_str(r, v, sizeof v))
            return false;
        if (s)
            strs_add(t, s, v, strlen(v));
    } while (jr_lit(r, ','));
    return jr_lit(r, ']');
}

static bool jr_object(struct asset_table *t, struct asset_jr *r, struct asset *a, int depth);

static bool jr_field(struct asset_table *t, struct asset_jr *r, struct asset *a, const char *key,
                     int depth)
{
    struct {
        const char *key;
        struct asset_strs *s;
    } lists[] = {
        {"ips", &a->ips},
        {"hostnames", &a->hostnames},
        {"sop_classes_sent", &a->sop_sent},
        {"sop_classes_accepted", &a->sop_accepted},
        {"implementation_versions", &a->impl_version},
        {"applications", &a->hl7_apps},
        {"facilities", &a->hl7_facilities},
        {"user_agents", &a->user_agents},
        {"servers", &a->servers},
        {"banners", &a->ssh},
        {"versions", &a->tls},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (strcmp(key, lists[i].key) == 0)
            return jr_strs(t, r, lists[i].s);
    char v[ASSET_EVIDENCE_ITEM_MAX + 1];
    if (strcmp(key, "mac") == 0) {
        if (!jr_str(r, v, sizeof v) || asset_parse_mac(v, a->mac) < 0)
            return false;
        a->has_mac = true;
        return true;
    }
    struct {
        const char *key;
        struct asset_strs *s;
    } one[] = {{"vendor_class", &a->dhcp_class},
               {"fingerprint", &a->dhcp_fp},
               {"implementation_class_uid", &a->impl_uid}};
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        if (strcmp(key, one[i].key) == 0) {
            if (!jr_str(r, v, sizeof v))
                return false;
            strs_add(t, one[i].s, v, strlen(v));
            return true;
        }
    }
    uint64_t *num = strcmp(key, "first_seen_us") == 0  ? &a->first_us
                    : strcmp(key, "last_seen_us") == 0 ? &a->last_us
                    : strcmp(key, "bytes_in") == 0     ? &a->bytes_in
                    : strcmp(key, "bytes_out") == 0    ? &a->bytes_out
                                                       : NULL;
    if (num)
        return jr_uint(r, num);
    if (strcmp(key, "dhcp") == 0 || strcmp(key, "hl7") == 0 || strcmp(key, "http") == 0 ||
        strcmp(key, "ssh") == 0 || strcmp(key, "tls") == 0 || strcmp(key, "dicom") == 0)
        return jr_object(t, r, a, depth + 1);
    if (strcmp(key, "ae_titles") == 0 || strcmp(key, "services") == 0) {
        bool ae = key[0] == 'a';
        if (!jr_lit(r, '['))
            return false;
        if (jr_lit(r, ']'))
            return true;
        do {
            char k[32], val[ASSET_EVIDENCE_ITEM_MAX + 1];
            char name[17] = "", role[8] = "", proto[16] = "", tr[8] = "";
            uint64_t port = 0, flows = 0;
            if (!jr_lit(r, '{'))
                return false;
            do {
                if (!jr_str(r, k, sizeof k) || !jr_lit(r, ':'))
                    return false;
                if (strcmp(k, "port") == 0 || strcmp(k, "flows") == 0) {
                    if (!jr_uint(r, k[0] == 'p' ? &port : &flows))
                        return false;
                    continue;
                }
                if (!jr_str(r, val, sizeof val))
                    return false;
                char *dst = strcmp(k, "ae") == 0          ? name
                            : strcmp(k, "role") == 0      ? role
                            : strcmp(k, "proto") == 0     ? proto
                            : strcmp(k, "transport") == 0 ? tr
                                                          : NULL;
                size_t cap = dst == name ? sizeof name : dst == proto ? sizeof proto : 8;
                if (dst) {
                    size_t n = strnlen(val, cap - 1);
                    memcpy(dst, val, n);
                    dst[n] = 0;
                }
            } while (jr_lit(r, ','));
            if (!jr_lit(r, '}'))
                return false;
            if (ae && name[0] && a->n_ae < ASSET_LIST_MAX) {
                snprintf(a->ae[a->n_ae].ae, sizeof a->ae[0].ae, "%s", name);
                a->ae[a->n_ae++].scp = strcmp(role, "SCP") == 0;
            } else if (!ae && proto[0] && a->n_svc < ASSET_SERVICES_MAX && port <= 65535) {
                struct asset_service *s = &a->svc[a->n_svc++];
                snprintf(s->proto, sizeof s->proto, "%s", proto);
                s->port = (uint16_t)port;
                s->l4 = strcmp(tr, "tcp") == 0 ? 6 : strcmp(tr, "udp") == 0 ? 17 : 0;
                s->server = strcmp(role, "server") == 0;
                s->flows = flows;
            }
        } while (jr_lit(r, ','));
        return jr_lit(r, ']');
    }
    return jr_skip(r, depth + 1);
}

static bool jr_object(struct asset_table *t, struct asset_jr *r, struct asset *a, int depth)
{
    char key[48];
    if (depth > 4 || !jr_lit(r, '{'))
        return false;
    if (jr_lit(r, '}'))
        return true;
    do {
        if (!jr_str(r, key, sizeof key) || !jr_lit(r, ':'))
            return false;
        if (depth == 0 && strcmp(key, "id") == 0) {
            if (!jr_str(r, a->id, sizeof a->id))
                return false;
            continue;
        }
        if (!jr_field(t, r, a, key, depth))
            return false;
    } while (jr_lit(r, ','));
    return jr_lit(r, '}');
}

/* What a loaded entry's evidence implies, without reporting it: it was
 * reported when it was seen. */
static void asset_derive_quiet(struct asset_table *t, struct asset *a)
{
    if (t->c.registry) {
        a->reg = asset_registry_find(t, a);
        a->reg_status = a->reg     ? (a->reg->retired ? ASSET_REG_RETIRED : ASSET_REG_REGISTERED)
                        : a->ips.n ? ASSET_REG_UNREGISTERED
                                   : ASSET_REG_NONE;
    }
    if (!t->c.vulns)
        return;
    const struct {
        const struct asset_strs *s;
        enum asset_vuln_source src;
    } seen[] = {{&a->impl_version, VULN_DICOM},
                {&a->ssh, VULN_SSH},
                {&a->servers, VULN_HTTP_SERVER},
                {&a->user_agents, VULN_HTTP_UA}};
    for (size_t i = 0; i < sizeof seen / sizeof seen[0]; i++) {
        for (uint8_t k = 0; k < seen[i].s->n; k++) {
            struct asset_vuln_ctx c = {t, a, seen[i].s->v[k], true, "", ""};
            asset_vulns_match(t->c.vulns, seen[i].src, seen[i].s->v[k], asset_vuln_hit, &c);
        }
    }
}

static bool asset_id_valid(const struct asset *a)
{
    if (strncmp(a->id, "mac-", 4) == 0)
        return a->has_mac && strlen(a->id) == 16;
    return strncmp(a->id, "ip-", 3) == 0 && a->id[3];
}

int asset_table_load_json(struct asset_table *t, const uint8_t *p, size_t len, size_t *bad)
{
    int loaded = 0;
    size_t i = 0;
    struct asset *tmp = malloc(sizeof *tmp);
    if (!tmp)
        return -ENOMEM;
    while (i < len) {
        const uint8_t *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) : len;
        struct asset_jr r = {p + i, end - i, 0, false};
        i = end + 1;
        if (r.len == 0)
            continue;
        memset(tmp, 0, sizeof *tmp);
        bool ok = jr_object(t, &r, tmp, 0) && (jr_ws(&r), r.off == r.len) && asset_id_valid(tmp);
        /* A later line of the same device is a newer state of it (the
         * lines assets.json gets appended between rewrites): it wins. */
        struct asset *old = ok ? asset_by_id(t, tmp->id) : NULL;
        if (old)
            asset_remove(t, old);
        if (ok) {
            struct asset *a = asset_create(t, tmp->id);
            if (!a) {
                ok = false;
            } else {
                /* Keep the links asset_create() made (hash chain, LRU tail). */
                struct asset *hn = a->hnext, *lp = a->lru_prev, *ln = a->lru_next;
                uint32_t h = a->hash;
                *a = *tmp;
                a->hnext = hn;
                a->lru_prev = lp;
                a->lru_next = ln;
                a->hash = h;
                a->persisted = true;
                a->vendor = a->has_mac && t->c.oui ? asset_oui_lookup(t->c.oui, a->mac) : NULL;
                t->st.memory += asset_memory(a) - sizeof *a;
                for (uint8_t k = 0; k < a->ips.n; k++) {
                    uint8_t ip[16] = {0};
                    uint8_t v = strchr(a->ips.v[k], ':') ? 6 : 4;
                    if (inet_pton(v == 4 ? AF_INET : AF_INET6, a->ips.v[k], ip) != 1)
                        continue;
                    struct asset_ipnode **slot = ip_slot(t, ip, v);
                    if (!*slot && (*slot = calloc(1, sizeof **slot))) {
                        memcpy((*slot)->ip, ip, 16);
                        (*slot)->version = v;
                    }
                    if (*slot)
                        (*slot)->a = a;
                }
                asset_derive_quiet(t, a);
                asset_classify(a);
                loaded += !old;
                continue;
            }
        }
        asset_free_strings(tmp);
        (*bad)++;
    }
    free(tmp);
    return loaded;
}

void asset_table_set_files(struct asset_table *t, const struct asset_registry *registry,
                           const struct asset_vulns *vulns)
{
    t->c.registry = registry;
    t->c.vulns = vulns;
    memset(&t->head, 0, sizeof t->head);
    for (struct asset *a = t->lru_head; a; a = a->lru_next) {
        for (int i = 0; i < ASSET_TOUCH_MAX; i++) {
            t->touch[i].a = NULL;
            t->touch[i].created = false;
            t->touch[i].n_changes = 0;
        }
        struct asset_touch *tc = touch_of(t, a);
        t->now_us = a->last_us;
        uint8_t old_status = a->reg_status;
        /* a->reg and a->vulns point into the tables being replaced */
        a->reg = NULL;
        a->reg_status = ASSET_REG_NONE;
        a->reg_checked = false;
        a->n_vulns = 0;
        if (registry) {
            a->reg = asset_registry_find(t, a);
            a->reg_status = a->reg ? (a->reg->retired ? ASSET_REG_RETIRED : ASSET_REG_REGISTERED)
                            : a->ips.n ? ASSET_REG_UNREGISTERED
                                       : ASSET_REG_NONE;
        }
        if (old_status != a->reg_status) {
            static const char *const names[] = {"none", "registered", "unregistered", "retired"};
            asset_changed(t, a, "registry: %s", names[a->reg_status & 3]);
        }
        const struct {
            const struct asset_strs *s;
            enum asset_vuln_source src;
        } seen[] = {{&a->impl_version, VULN_DICOM},
                    {&a->ssh, VULN_SSH},
                    {&a->servers, VULN_HTTP_SERVER},
                    {&a->user_agents, VULN_HTTP_UA}};
        for (size_t i = 0; i < sizeof seen / sizeof seen[0]; i++)
            for (uint8_t k = 0; k < seen[i].s->n; k++)
                asset_vuln_check(t, a, seen[i].src, seen[i].s->v[k]);
        asset_report(t, tc);
    }
}
