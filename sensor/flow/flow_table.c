#include "flow/flow_table.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define FLOW_TABLE_MIN_BUCKETS 4096u

/* A flow moves to the tail of its timeout list at most once per this
 * much capture time. Moving on every packet would touch two other flows'
 * cache lines per packet; with this, timeouts and eviction order are
 * exact to within a second. */
#define FLOW_LRU_GRANULARITY_US 1000000u

struct flow_list {
    struct flow *head; /* least recently active */
    struct flow *tail;
};

struct flow_table {
    struct flow **buckets;
    size_t nbuckets; /* power of two */
    struct flow_list lru[FLOW_TMO_COUNT];
    struct flow_limits lim;
    struct flow_stats st;
    uint64_t next_id;
    flow_end_fn on_end;
    void *ctx;
};

/* What glibc's malloc really takes for a request of n bytes: the chunk
 * header plus rounding to 16, so that the figures we report match RSS. */
static size_t flow_mem_chunk(size_t n)
{
    size_t c = (n + 8 + 15) & ~(size_t)15;
    return c < 32 ? 32 : c;
}

void flow_limits_default(struct flow_limits *lim)
{
    lim->memcap = (size_t)512 << 20;
    lim->timeout_us[FLOW_TMO_TCP_NEW] = 60ull * 1000000;
    lim->timeout_us[FLOW_TMO_TCP_ESTABLISHED] = 600ull * 1000000;
    lim->timeout_us[FLOW_TMO_TCP_CLOSED] = 10ull * 1000000;
    lim->timeout_us[FLOW_TMO_UDP] = 60ull * 1000000;
    lim->timeout_us[FLOW_TMO_ICMP] = 30ull * 1000000;
    lim->timeout_us[FLOW_TMO_OTHER] = 60ull * 1000000;
}

bool flow_table_charge(struct flow_table *t, size_t bytes)
{
    size_t c = flow_mem_chunk(bytes);
    if (t->st.memory + c > t->lim.memcap)
        return false;
    t->st.memory += c;
    if (t->st.memory > t->st.memory_peak)
        t->st.memory_peak = t->st.memory;
    return true;
}

void flow_table_uncharge(struct flow_table *t, size_t bytes)
{
    size_t c = flow_mem_chunk(bytes);
    t->st.memory = c > t->st.memory ? 0 : t->st.memory - c;
}

bool flow_table_charge_scratch(struct flow_table *t, size_t bytes)
{
    if (!flow_table_charge(t, bytes))
        return false;
    t->st.scratch += flow_mem_chunk(bytes);
    if (t->st.scratch > t->st.scratch_peak)
        t->st.scratch_peak = t->st.scratch;
    return true;
}

void flow_table_uncharge_scratch(struct flow_table *t, size_t bytes)
{
    size_t c = flow_mem_chunk(bytes);
    t->st.scratch = c > t->st.scratch ? 0 : t->st.scratch - c;
    flow_table_uncharge(t, bytes);
}

struct flow_table *flow_table_new(const struct flow_limits *lim, uint64_t id_base,
                                  flow_end_fn on_end, void *ctx)
{
    struct flow_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->lim = *lim;
    t->next_id = id_base;
    t->on_end = on_end;
    t->ctx = ctx;
    t->nbuckets = FLOW_TABLE_MIN_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets)
        goto fail;
    t->st.memory = flow_mem_chunk(t->nbuckets * sizeof *t->buckets);
    t->st.memory_peak = t->st.memory;
    return t;
fail:
    free(t);
    return NULL;
}

static void lru_unlink(struct flow_table *t, struct flow *f)
{
    struct flow_list *l = &t->lru[f->tmo_class];
    if (f->lru_prev)
        f->lru_prev->lru_next = f->lru_next;
    else
        l->head = f->lru_next;
    if (f->lru_next)
        f->lru_next->lru_prev = f->lru_prev;
    else
        l->tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

static void lru_append(struct flow_table *t, struct flow *f)
{
    struct flow_list *l = &t->lru[f->tmo_class];
    f->lru_us = f->last_us;
    f->lru_next = NULL;
    f->lru_prev = l->tail;
    if (l->tail)
        l->tail->lru_next = f;
    else
        l->head = f;
    l->tail = f;
}

static uint64_t flow_hash(const struct flow_key *k)
{
    /* The key is 40 bytes without padding; mix it as five words. */
    uint64_t w[5];
    memcpy(w, k, sizeof w);
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 5; i++) {
        h ^= w[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return h;
}

_Static_assert(sizeof(struct flow_key) == 40, "flow_key must have no padding");

static bool flow_key_equal(const struct flow_key *x, const struct flow_key *y)
{
    uint64_t a[5], b[5];
    memcpy(a, x, sizeof a);
    memcpy(b, y, sizeof b);
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
}

static void hash_unlink(struct flow_table *t, struct flow *f)
{
    struct flow **pp = &t->buckets[flow_hash(&f->key) & (t->nbuckets - 1)];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    f->hnext = NULL;
}

static void flow_end(struct flow_table *t, struct flow *f, enum flow_end_reason reason)
{
    hash_unlink(t, f);
    lru_unlink(t, f);
    f->end_reason = (uint8_t)reason;
    if (t->on_end)
        t->on_end(t->ctx, f);
    t->st.ended++;
    t->st.ended_by[reason]++;
    t->st.active--;
    flow_table_uncharge(t, sizeof *f);
    free(f);
}

static void flow_table_grow(struct flow_table *t)
{
    size_t n = t->nbuckets * 2;
    size_t old_mem = flow_mem_chunk(t->nbuckets * sizeof *t->buckets);
    size_t new_mem = flow_mem_chunk(n * sizeof *t->buckets);
    /* Growing is an optimisation: at the cap, longer chains are fine. */
    if (t->st.memory - old_mem + new_mem > t->lim.memcap)
        return;
    struct flow **nb = calloc(n, sizeof *nb);
    if (!nb)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct flow *f = t->buckets[i];
        while (f) {
            struct flow *next = f->hnext;
            size_t b = flow_hash(&f->key) & (n - 1);
            f->hnext = nb[b];
            nb[b] = f;
            f = next;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
    t->st.memory = t->st.memory - old_mem + new_mem;
    if (t->st.memory > t->st.memory_peak)
        t->st.memory_peak = t->st.memory;
    t->st.rehashes++;
}

/* Ends the flow idle the longest, whatever its class. */
static bool flow_table_evict_one(struct flow_table *t)
{
    struct flow *oldest = NULL;
    for (int c = 0; c < FLOW_TMO_COUNT; c++) {
        struct flow *h = t->lru[c].head;
        if (h && (!oldest || h->lru_us < oldest->lru_us))
            oldest = h;
    }
    if (!oldest)
        return false;
    flow_end(t, oldest, FLOW_END_EVICTED);
    return true;
}

static void flow_key_from_packet(const struct packet *p, struct flow_key *k, bool *src_is_a)
{
    /* ICMP type and code differ between a request and its reply, so they
     * are not part of the key: one ICMP flow per pair of hosts, as nDPI's
     * reader keys it. */
    bool icmp = p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6;
    uint16_t sport = icmp ? 0 : p->sport, dport = icmp ? 0 : p->dport;
    int c = memcmp(p->src_ip, p->dst_ip, 16);
    bool a = c < 0 || (c == 0 && sport <= dport);
    if (a) {
        memcpy(k->ip_a, p->src_ip, 16);
        memcpy(k->ip_b, p->dst_ip, 16);
        k->port_a = sport;
        k->port_b = dport;
    } else {
        memcpy(k->ip_a, p->dst_ip, 16);
        memcpy(k->ip_b, p->src_ip, 16);
        k->port_a = dport;
        k->port_b = sport;
    }
    k->vlan = p->vlan_depth ? p->vlan[p->vlan_depth - 1] : 0;
    k->proto = p->l4proto;
    k->ip_version = p->ip_version;
    *src_is_a = a;
}

static enum flow_timeout_class flow_tmo_class(const struct flow *f)
{
    switch (f->key.proto) {
    case IPPROTO_TCP:
        if (f->state == FLOW_STATE_CLOSED)
            return FLOW_TMO_TCP_CLOSED;
        return f->state == FLOW_STATE_ESTABLISHED ? FLOW_TMO_TCP_ESTABLISHED : FLOW_TMO_TCP_NEW;
    case IPPROTO_UDP:
        return FLOW_TMO_UDP;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        return FLOW_TMO_ICMP;
    default:
        return FLOW_TMO_OTHER;
    }
}

static void flow_update_state(struct flow *f, const struct packet *p, enum flow_dir dir)
{
    if (f->key.proto != IPPROTO_TCP) {
        if (f->pkts[DIR_TOSERVER] && f->pkts[DIR_TOCLIENT])
            f->state = FLOW_STATE_ESTABLISHED;
        return;
    }
    f->tcp_seen[dir] |= p->tcp_flags;
    if (f->state == FLOW_STATE_CLOSED)
        return;
    if ((p->tcp_flags & TCP_RST) ||
        ((f->tcp_seen[0] & TCP_FIN) && (f->tcp_seen[1] & TCP_FIN))) {
        f->state = FLOW_STATE_CLOSED;
        return;
    }
    if (f->state == FLOW_STATE_NEW) {
        bool syn_both = (f->tcp_seen[0] & TCP_SYN) && (f->tcp_seen[1] & TCP_SYN);
        bool midstream = !((f->tcp_seen[0] | f->tcp_seen[1]) & TCP_SYN) &&
                         f->pkts[DIR_TOSERVER] && f->pkts[DIR_TOCLIENT];
        if (syn_both || midstream)
            f->state = FLOW_STATE_ESTABLISHED;
    }
}

static struct flow *flow_create(struct flow_table *t, const struct flow_key *k,
                                const struct packet *p, bool src_is_a, uint64_t h)
{
    while (!flow_table_charge(t, sizeof(struct flow))) {
        if (!flow_table_evict_one(t)) {
            t->st.memcap_drops++;
            return NULL;
        }
    }
    struct flow *f = calloc(1, sizeof *f);
    if (!f) {
        flow_table_uncharge(t, sizeof *f);
        t->st.memcap_drops++;
        return NULL;
    }
    f->key = *k;
    f->id = ++t->next_id;
    f->first_us = p->ts_us;
    f->last_us = p->ts_us;
    /* The client is who sent the first packet, except that a SYN-ACK
     * seen first (the SYN was missed) comes from the server. */
    bool src_is_client = true;
    if (p->l4proto == IPPROTO_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
        src_is_client = false;
    f->a_is_client = src_is_a == src_is_client;
    f->state = FLOW_STATE_NEW;
    f->tmo_class = (uint8_t)flow_tmo_class(f);

    struct flow **b = &t->buckets[h & (t->nbuckets - 1)];
    f->hnext = *b;
    *b = f;
    lru_append(t, f);
    t->st.created++;
    t->st.active++;
    if (t->st.active > t->nbuckets)
        flow_table_grow(t);
    if (t->st.active > t->st.active_peak) {
        t->st.active_peak = t->st.active;
        t->st.memory_at_active_peak = t->st.memory - t->st.scratch;
    }
    return f;
}

struct flow *flow_table_update(struct flow_table *t, const struct packet *p, enum flow_dir *dir)
{
    struct flow_key k;
    bool src_is_a;
    flow_key_from_packet(p, &k, &src_is_a);
    uint64_t h = flow_hash(&k);

    struct flow *f = t->buckets[h & (t->nbuckets - 1)];
    while (f && !flow_key_equal(&f->key, &k))
        f = f->hnext;
    if (!f) {
        f = flow_create(t, &k, p, src_is_a, h);
        if (!f)
            return NULL;
    }

    enum flow_dir d = (src_is_a == f->a_is_client) ? DIR_TOSERVER : DIR_TOCLIENT;
    f->pkts[d]++;
    f->bytes[d] += p->wirelen;
    if (p->ts_us > f->last_us)
        f->last_us = p->ts_us;
    flow_update_state(f, p, d);

    enum flow_timeout_class c = flow_tmo_class(f);
    if (c != f->tmo_class || f->last_us >= f->lru_us + FLOW_LRU_GRANULARITY_US) {
        lru_unlink(t, f);
        f->tmo_class = (uint8_t)c;
        lru_append(t, f);
    }
    *dir = d;
    return f;
}

void flow_table_expire(struct flow_table *t, uint64_t now_us)
{
    for (int c = 0; c < FLOW_TMO_COUNT; c++) {
        uint64_t tmo = t->lim.timeout_us[c];
        struct flow *f;
        /* The list is ordered by lru_us <= last_us: the walk stops at the
         * first flow that cannot be due; a flow seen since it was queued
         * goes back to the tail instead. */
        while ((f = t->lru[c].head) && f->lru_us + tmo <= now_us) {
            if (f->last_us + tmo <= now_us) {
                flow_end(t, f, c == FLOW_TMO_TCP_CLOSED ? FLOW_END_TCP : FLOW_END_TIMEOUT);
            } else {
                lru_unlink(t, f);
                lru_append(t, f);
            }
        }
    }
}

void flow_table_flush(struct flow_table *t, enum flow_end_reason reason)
{
    /* Least recently active first, as eviction does, so that output order
     * is deterministic for a given input. */
    while (t->st.active) {
        struct flow *oldest = NULL;
        for (int c = 0; c < FLOW_TMO_COUNT; c++) {
            struct flow *h = t->lru[c].head;
            if (h && (!oldest || h->lru_us < oldest->lru_us ||
                      (h->lru_us == oldest->lru_us && h->id < oldest->id)))
                oldest = h;
        }
        if (!oldest)
            break;
        flow_end(t, oldest, reason);
    }
}

void flow_table_free(struct flow_table *t)
{
    if (!t)
        return;
    flow_table_flush(t, FLOW_END_SHUTDOWN);
    free(t->buckets);
    free(t);
}

const struct flow_stats *flow_table_stats(const struct flow_table *t)
{
    return &t->st;
}

const char *flow_state_name(enum flow_state s)
{
    switch (s) {
    case FLOW_STATE_NEW:
        return "new";
    case FLOW_STATE_ESTABLISHED:
        return "established";
    case FLOW_STATE_CLOSED:
        return "closed";
    }
    return "unknown";
}

const char *flow_end_reason_name(enum flow_end_reason r)
{
    switch (r) {
    case FLOW_END_NONE:
        return "none";
    case FLOW_END_TCP:
        return "end";
    case FLOW_END_TIMEOUT:
        return "timeout";
    case FLOW_END_EVICTED:
        return "evicted";
    case FLOW_END_SHUTDOWN:
        return "shutdown";
    }
    return "unknown";
}
