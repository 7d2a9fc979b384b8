#include "detect/rule_state.h"

#include <stdlib.h>
#include <string.h>

#define WIN_BUCKETS 16
/* Entries looked at past the certainly-expired ones, per expire call. */
#define EXPIRE_BUDGET 256

enum st_kind {
    ST_WINDOW,
    ST_DISTINCT,
    ST_SUPPRESS,
    ST_LIMIT,
};

struct st_distinct {
    uint64_t h, ts;
};

struct st_entry {
    struct st_entry *hnext;
    struct st_entry *lprev, *lnext; /* least recently used first */
    uint64_t key, fp;
    uint32_t sid;
    uint8_t kind;
    uint64_t touch_us, expires_us;
    size_t size; /* bytes charged */
    union {
        struct {
            uint64_t head; /* absolute index of the newest bucket */
            int64_t sums[WIN_BUCKETS];
        } win;
        struct {
            uint32_t n, cap;
            struct st_distinct *v; /* owned, charged */
        } dis;
        struct {
            uint64_t until_us;
        } sup;
        struct {
            uint64_t start_us;
            uint32_t count;
        } lim;
    } u;
};

struct rule_state {
    struct rule_state_limits lim;
    struct st_entry **buckets;
    uint32_t mask;
    struct st_entry *lru_head, *lru_tail;
    uint64_t max_horizon_us;
    struct rule_state_stats st;
};

void rule_state_limits_default(struct rule_state_limits *lim)
{
    lim->memcap = 64u * 1024 * 1024;
}

static bool st_charge(struct rule_state *st, size_t n, const struct st_entry *keep);

struct rule_state *rule_state_new(const struct rule_state_limits *lim)
{
    struct rule_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->lim = *lim;
    /* One bucket per ~256 bytes of cap: chains stay short when the cap
     * is full of small entries. */
    size_t nb = 1024;
    while (nb < lim->memcap / 256 && nb < (1u << 24))
        nb <<= 1;
    size_t bytes = nb * sizeof *st->buckets + sizeof *st;
    if (bytes > lim->memcap) {
        free(st);
        return NULL;
    }
    st->buckets = calloc(nb, sizeof *st->buckets);
    if (!st->buckets) {
        free(st);
        return NULL;
    }
    st->mask = (uint32_t)(nb - 1);
    st->st.memory = bytes;
    st->st.memory_peak = bytes;
    return st;
}

static void st_entry_release(struct rule_state *st, struct st_entry *e)
{
    if (e->kind == ST_DISTINCT)
        free(e->u.dis.v);
    st->st.memory -= e->size;
    st->st.entries--;
    free(e);
}

void rule_state_free(struct rule_state *st)
{
    if (!st)
        return;
    struct st_entry *e = st->lru_head;
    while (e) {
        struct st_entry *n = e->lnext;
        st_entry_release(st, e);
        e = n;
    }
    free(st->buckets);
    free(st);
}

const struct rule_state_stats *rule_state_stats(const struct rule_state *st)
{
    return &st->st;
}

static uint32_t st_slot(const struct rule_state *st, uint8_t kind, uint32_t sid, uint64_t fp,
                        uint64_t key)
{
    uint64_t h = key ^ (fp * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)sid << 32) ^ kind;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (uint32_t)h & st->mask;
}

static void lru_unlink(struct rule_state *st, struct st_entry *e)
{
    if (e->lprev)
        e->lprev->lnext = e->lnext;
    else
        st->lru_head = e->lnext;
    if (e->lnext)
        e->lnext->lprev = e->lprev;
    else
        st->lru_tail = e->lprev;
    e->lprev = e->lnext = NULL;
}

static void lru_append(struct rule_state *st, struct st_entry *e)
{
    e->lprev = st->lru_tail;
    e->lnext = NULL;
    if (st->lru_tail)
        st->lru_tail->lnext = e;
    else
        st->lru_head = e;
    st->lru_tail = e;
}

static void st_remove(struct rule_state *st, struct st_entry *e)
{
    struct st_entry **pp = &st->buckets[st_slot(st, e->kind, e->sid, e->fp, e->key)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    lru_unlink(st, e);
    st_entry_release(st, e);
}

/* Makes room for n more bytes, evicting the least recently used entries
 * but never `keep` (the entry being grown). */
static bool st_charge(struct rule_state *st, size_t n, const struct st_entry *keep)
{
    while (st->st.memory + n > st->lim.memcap) {
        struct st_entry *v = st->lru_head;
        if (v == keep)
            v = v ? v->lnext : NULL;
        if (!v)
            return false;
        st_remove(st, v);
        st->st.evictions++;
    }
    st->st.memory += n;
    if (st->st.memory > st->st.memory_peak)
        st->st.memory_peak = st->st.memory;
    return true;
}

static struct st_entry *st_find(struct rule_state *st, uint8_t kind, uint32_t sid, uint64_t fp,
                                uint64_t key, bool create)
{
    uint32_t s = st_slot(st, kind, sid, fp, key);
    for (struct st_entry *e = st->buckets[s]; e; e = e->hnext) {
        if (e->key == key && e->sid == sid && e->fp == fp && e->kind == kind)
            return e;
    }
    if (!create)
        return NULL;
    if (!st_charge(st, sizeof(struct st_entry), NULL))
        return NULL;
    struct st_entry *e = calloc(1, sizeof *e);
    if (!e) {
        st->st.memory -= sizeof(struct st_entry);
        return NULL;
    }
    e->key = key;
    e->fp = fp;
    e->sid = sid;
    e->kind = kind;
    e->size = sizeof *e;
    /* the chain head may have changed if charging evicted entries */
    s = st_slot(st, kind, sid, fp, key);
    e->hnext = st->buckets[s];
    st->buckets[s] = e;
    lru_append(st, e);
    st->st.entries++;
    return e;
}

static void st_touch(struct rule_state *st, struct st_entry *e, uint64_t now)
{
    if (now > e->touch_us)
        e->touch_us = now;
    if (st->lru_tail != e) {
        lru_unlink(st, e);
        lru_append(st, e);
    }
}

/* Adds c to its window; returns true when the threshold is reached (the
 * window then starts again). */
static bool st_window(struct rule_state *st, const struct crule *r, const struct rule_candidate *c)
{
    uint8_t kind = r->agg == AGG_DISTINCT ? ST_DISTINCT : ST_WINDOW;
    if (kind == ST_DISTINCT && !c->has_distinct)
        return false;
    struct st_entry *e = st_find(st, kind, r->sid, r->state_fp, c->agg_key, true);
    if (!e) {
        st->st.memcap_drops++;
        return false;
    }
    bool fresh = e->touch_us == 0 && e->expires_us == 0;
    st_touch(st, e, c->ts_us);
    uint64_t ts = c->ts_us;
    if (e->expires_us < ts + r->window_us)
        e->expires_us = ts + r->window_us;

    if (kind == ST_WINDOW) {
        uint64_t blen = r->window_us / WIN_BUCKETS ? r->window_us / WIN_BUCKETS : 1;
        uint64_t b = ts / blen;
        int64_t add = r->agg == AGG_SUM ? c->amount : 1;
        if (fresh) {
            e->u.win.head = b;
        } else if (b > e->u.win.head) {
            uint64_t gap = b - e->u.win.head;
            for (uint64_t i = 1; i <= gap && i <= WIN_BUCKETS; i++)
                e->u.win.sums[(e->u.win.head + i) % WIN_BUCKETS] = 0;
            e->u.win.head = b;
        } else if (e->u.win.head - b >= WIN_BUCKETS) {
            return false; /* older than the window */
        }
        int64_t *slot = &e->u.win.sums[b % WIN_BUCKETS];
        *slot = (*slot > INT64_MAX - add) ? INT64_MAX : *slot + add;
        int64_t total = 0;
        for (unsigned i = 0; i < WIN_BUCKETS; i++)
            total = total > INT64_MAX - e->u.win.sums[i] ? INT64_MAX : total + e->u.win.sums[i];
        if ((uint64_t)total < r->threshold)
            return false;
        memset(e->u.win.sums, 0, sizeof e->u.win.sums);
        return true;
    }

    /* distinct: drop values that left the window, then add this one */
    uint32_t k = 0;
    bool seen = false;
    for (uint32_t i = 0; i < e->u.dis.n; i++) {
        struct st_distinct *d = &e->u.dis.v[i];
        if (d->ts + r->window_us <= ts)
            continue;
        if (d->h == c->distinct) {
            seen = true;
            if (ts > d->ts)
                d->ts = ts;
        }
        e->u.dis.v[k++] = *d;
    }
    e->u.dis.n = k;
    if (seen)
        return false;
    if (e->u.dis.n == e->u.dis.cap) {
        uint64_t want = e->u.dis.cap ? (uint64_t)e->u.dis.cap * 2 : 8;
        if (want > r->threshold)
            want = r->threshold;
        if (want <= e->u.dis.cap) /* cannot happen: the threshold fires first */
            return false;
        size_t grow = (size_t)(want - e->u.dis.cap) * sizeof(struct st_distinct);
        if (!st_charge(st, grow, e)) {
            st->st.memcap_drops++;
            return false;
        }
        struct st_distinct *v = realloc(e->u.dis.v, (size_t)want * sizeof *v);
        if (!v) {
            st->st.memory -= grow;
            st->st.memcap_drops++;
            return false;
        }
        e->u.dis.v = v;
        e->u.dis.cap = (uint32_t)want;
        e->size += grow;
    }
    e->u.dis.v[e->u.dis.n].h = c->distinct;
    e->u.dis.v[e->u.dis.n++].ts = ts;
    if (e->u.dis.n < r->threshold)
        return false;
    e->u.dis.n = 0;
    return true;
}

enum rule_verdict rule_state_decide(struct rule_state *st, const struct compiled_rules *cr,
                                    const struct rule_candidate *c)
{
    if (c->rule >= cr->n_rules || cr->rules[c->rule].sid != c->sid ||
        cr->rules[c->rule].state_fp != c->state_fp) {
        st->st.stale++;
        return RULE_STALE;
    }
    const struct crule *r = &cr->rules[c->rule];
    uint64_t ts = c->ts_us;
    if (cr->max_horizon_us > st->max_horizon_us)
        st->max_horizon_us = cr->max_horizon_us;
    if (r->agg != AGG_NONE && !st_window(st, r, c)) {
        st->st.below_threshold++;
        return RULE_BELOW_THRESHOLD;
    }
    if (r->has_suppress) {
        struct st_entry *e = st_find(st, ST_SUPPRESS, r->sid, r->state_fp, c->sup_key, true);
        if (!e) {
            st->st.memcap_drops++;
        } else {
            st_touch(st, e, ts);
            if (e->u.sup.until_us > ts) {
                st->st.suppressed++;
                return RULE_SUPPRESSED;
            }
            e->u.sup.until_us = ts + r->sup_us;
            e->expires_us = e->u.sup.until_us;
        }
    }
    if (r->has_limit) {
        struct st_entry *e = st_find(st, ST_LIMIT, r->sid, r->state_fp, c->lim_key, true);
        if (!e) {
            st->st.memcap_drops++;
        } else {
            st_touch(st, e, ts);
            if (e->u.lim.count == 0 || ts >= e->u.lim.start_us + r->lim_us) {
                e->u.lim.start_us = ts;
                e->u.lim.count = 0;
                e->expires_us = ts + r->lim_us;
            }
            if (e->u.lim.count >= r->limit_n) {
                st->st.rate_limited++;
                return RULE_RATE_LIMITED;
            }
            e->u.lim.count++;
        }
    }
    st->st.alerts++;
    return RULE_ALERT;
}

void rule_state_expire(struct rule_state *st, uint64_t now_us)
{
    unsigned budget = EXPIRE_BUDGET;
    struct st_entry *e = st->lru_head;
    while (e) {
        struct st_entry *n = e->lnext;
        if (e->expires_us <= now_us) {
            st_remove(st, e);
            st->st.expired++;
        } else if (e->touch_us + st->max_horizon_us > now_us) {
            /* Past the entries that must have expired: look at a few
             * more, then leave the rest to later calls and the cap. */
            if (--budget == 0)
                break;
        }
        e = n;
    }
}

struct bind_rule {
    uint32_t sid;
    uint64_t fp;
};

static int bind_cmp(const void *a, const void *b)
{
    const struct bind_rule *x = a, *y = b;
    return x->sid < y->sid ? -1 : x->sid > y->sid;
}

void rule_state_bind(struct rule_state *st, const struct compiled_rules *cr)
{
    st->max_horizon_us = cr->max_horizon_us;
    struct bind_rule *v = malloc((cr->n_rules ? cr->n_rules : 1) * sizeof *v);
    if (!v)
        return; /* nothing freed now; it expires */
    for (uint32_t i = 0; i < cr->n_rules; i++) {
        v[i].sid = cr->rules[i].sid;
        v[i].fp = cr->rules[i].disabled ? 0 : cr->rules[i].state_fp;
    }
    qsort(v, cr->n_rules, sizeof *v, bind_cmp);
    struct st_entry *e = st->lru_head;
    while (e) {
        struct st_entry *n = e->lnext;
        struct bind_rule k = {e->sid, 0};
        struct bind_rule *f = bsearch(&k, v, cr->n_rules, sizeof *v, bind_cmp);
        if (!f || f->fp != e->fp)
            st_remove(st, e);
        e = n;
    }
    free(v);
}
