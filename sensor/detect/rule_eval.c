#include "detect/rule_eval.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "detect/fields.h"

struct field_slot {
    uint32_t stamp; /* == the matcher's: read for this event */
    bool present;
    struct event_value v;
};

struct rule_matcher {
    uint32_t stamp;
    const struct event *ev;
    struct field_slot slots[F_COUNT];
    uint32_t *cand, *tmp; /* owned: candidate rule indexes, and room to merge */
    size_t cand_cap;
    struct rule_matcher_stats st;
};

struct rule_matcher *rule_matcher_new(void)
{
    return calloc(1, sizeof(struct rule_matcher));
}

void rule_matcher_free(struct rule_matcher *m)
{
    if (!m)
        return;
    free(m->cand);
    free(m->tmp);
    free(m);
}

const struct rule_matcher_stats *rule_matcher_stats(const struct rule_matcher *m)
{
    return &m->st;
}

static const struct event_value *fetch(struct rule_matcher *m, uint16_t field)
{
    struct field_slot *s = &m->slots[field];
    if (s->stamp != m->stamp) {
        s->stamp = m->stamp;
        s->present = m->ev->get(m->ev, field, &s->v) && s->v.kind == field_get(field)->kind;
    }
    return s->present ? &s->v : NULL;
}

static bool str_pred(const struct cnode *n, const char *s, size_t len)
{
    switch (n->op) {
    case CN_STR_EQ:
        if (len != n->u.str.len)
            return false;
        if (!n->nocase)
            return memcmp(s, n->u.str.s, len) == 0;
        for (size_t i = 0; i < len; i++) {
            if (tolower((unsigned char)s[i]) != (unsigned char)n->u.str.s[i])
                return false;
        }
        return true;
    case CN_STR_IN:
        return rule_strset_has(n->u.sset, s, len);
    case CN_GLOBS:
        for (uint32_t i = 0; i < n->u.globs.n; i++) {
            if (rule_glob_match(&n->u.globs.v[i], s, len, n->nocase))
                return true;
        }
        return false;
    default:
        return false;
    }
}

static bool pred(const struct cnode *n, const struct event_value *v)
{
    switch (n->op) {
    case CN_TRUE:
        return v->u.b;
    case CN_BOOL_EQ:
        return v->u.b == n->u.b;
    case CN_INT_CMP:
        switch (n->cmp) {
        case CMP_EQ:
            return v->u.i == n->u.i;
        case CMP_LT:
            return v->u.i < n->u.i;
        case CMP_LE:
            return v->u.i <= n->u.i;
        case CMP_GT:
            return v->u.i > n->u.i;
        default:
            return v->u.i >= n->u.i;
        }
    case CN_INT_IN:
        return rule_intset_has(n->u.iset, v->u.i);
    case CN_IP_IN:
        return rule_ipset_has(n->u.ipset, v->u.ip);
    default:
        if (v->kind == EVK_STRLIST) {
            for (size_t i = 0; i < v->u.list.n; i++) {
                if (str_pred(n, v->u.list.v[i].p, v->u.list.v[i].len))
                    return true;
            }
            return false;
        }
        return str_pred(n, v->u.s.p, v->u.s.len);
    }
}

static bool eval(struct rule_matcher *m, const struct cnode *n)
{
    switch (n->op) {
    case CN_AND:
        return eval(m, n->a) && eval(m, n->b);
    case CN_OR:
        return eval(m, n->a) || eval(m, n->b);
    case CN_NOT:
        return !eval(m, n->a);
    default:
        break;
    }
    const struct event_value *v = fetch(m, n->field);
    if (n->op == CN_EXISTS)
        return (v != NULL) != n->negate;
    /* A comparison with a missing field is false, negated or not: a
     * record without a calling AE title is not "not in the list". */
    if (!v)
        return false;
    return pred(n, v) != n->negate;
}

static uint64_t value_hash(const struct event_value *v)
{
    if (!v)
        return 0x6d697373696e67ull; /* "missing": a key of its own */
    switch (v->kind) {
    case EVK_INT:
        return rule_hash_int(v->u.i);
    case EVK_BOOL:
        return rule_hash_int(v->u.b ? 1 : 0);
    case EVK_IP:
        return rule_hash_bytes(v->u.ip, 16, false);
    case EVK_STR:
        return rule_hash_bytes(v->u.s.p, v->u.s.len, false);
    default:
        return 0;
    }
}

static uint64_t key_hash(struct rule_matcher *m, const struct ast_keys *k, uint64_t salt)
{
    uint64_t h = salt;
    for (uint8_t i = 0; i < k->n; i++)
        h = rule_hash_int((int64_t)(h * 31 ^ value_hash(fetch(m, k->f[i]))));
    return h;
}

static uint64_t anchor_hash_value(const struct event_value *v);

static bool anchor_hash(const struct canchor *an, const struct event_value *v, uint64_t *h)
{
    if (an->suffix) {
        if (v->kind != EVK_STR || v->u.s.len < ANCHOR_SUFFIX)
            return false;
        *h = rule_hash_bytes(v->u.s.p + v->u.s.len - ANCHOR_SUFFIX, ANCHOR_SUFFIX, true);
        return true;
    }
    *h = anchor_hash_value(v);
    return true;
}

static uint64_t anchor_hash_value(const struct event_value *v)
{
    switch (v->kind) {
    case EVK_INT:
        return rule_hash_int(v->u.i);
    case EVK_IP:
        return rule_hash_bytes(v->u.ip, 16, false);
    default:
        return rule_hash_bytes(v->u.s.p, v->u.s.len, true);
    }
}

/* Merges the ascending list r into the nc candidates (ascending, no
 * duplicates): rules run in their file order whatever selected them. */
static size_t merge(struct rule_matcher *m, size_t nc, const uint32_t *r, uint32_t n)
{
    size_t i = 0, j = 0, o = 0;
    while (i < nc && j < n) {
        uint32_t x = m->cand[i], y = r[j];
        m->tmp[o++] = x < y ? x : y;
        i += x <= y;
        j += y <= x;
    }
    while (i < nc)
        m->tmp[o++] = m->cand[i++];
    while (j < n)
        m->tmp[o++] = r[j++];
    uint32_t *t = m->cand;
    m->cand = m->tmp;
    m->tmp = t;
    return o;
}

size_t rule_match(struct rule_matcher *m, const struct compiled_rules *cr, const struct event *ev,
                  struct rule_candidate *out, size_t max)
{
    if (ev->type >= EVENT_TYPE_COUNT)
        return 0;
    const struct crule_index *ix = &cr->idx[ev->type];
    m->st.events++;
    if (!ix->n_rules)
        return 0;
    if (m->cand_cap < ix->n_rules) {
        uint32_t *c = realloc(m->cand, ix->n_rules * sizeof *c);
        if (c)
            m->cand = c;
        uint32_t *t = realloc(m->tmp, ix->n_rules * sizeof *t);
        if (t)
            m->tmp = t;
        if (!c || !t) {
            m->st.truncated++;
            return 0;
        }
        m->cand_cap = ix->n_rules;
    }
    if (++m->stamp == 0) { /* wrapped: forget every slot */
        memset(m->slots, 0, sizeof m->slots);
        m->stamp = 1;
    }
    m->ev = ev;

    size_t nc = 0;
    if (ix->n_always) {
        memcpy(m->cand, ix->always, ix->n_always * sizeof *m->cand);
        nc = ix->n_always;
    }
    for (uint32_t a = 0; a < ix->n_anchors; a++) {
        const struct canchor *an = &ix->anchors[a];
        const struct event_value *v = fetch(m, an->field);
        if (!v)
            continue;
        if (an->kind == EVK_IP) {
            bool v4 = memcmp(v->u.ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
            uint32_t at = v4 ? 1 : 0;
            for (unsigned bit = v4 ? 96 : 0;; bit++) {
                const struct canchor_node *nd = &an->nodes[at];
                if (nd->n)
                    nc = merge(m, nc, an->rules + nd->first, nd->n);
                if (bit == 128)
                    break;
                /* 0 is no child: the IPv6 root is never one */
                at = nd->child[(v->u.ip[bit >> 3] >> (7 - (bit & 7))) & 1];
                if (!at)
                    break;
            }
            continue;
        }
        uint64_t h;
        if (!anchor_hash(an, v, &h))
            continue;
        uint32_t s = (uint32_t)h & an->mask;
        while (an->slots[s].used) {
            if (an->slots[s].h == h) {
                nc = merge(m, nc, an->rules + an->slots[s].first, an->slots[s].n);
                break;
            }
            s = (s + 1) & an->mask;
        }
    }

    size_t n = 0;
    for (size_t i = 0; i < nc; i++) {
        const struct crule *r = &cr->rules[m->cand[i]];
        m->st.rules_run++;
        if (!eval(m, r->when))
            continue;
        bool excepted = false;
        for (uint16_t x = 0; x < r->n_except && !excepted; x++) {
            const struct cexcept *e = &r->except[x];
            if (e->until_us && (int64_t)ev->ts_us >= e->until_us)
                continue;
            excepted = eval(m, e->expr);
        }
        if (excepted) {
            m->st.excepted++;
            continue;
        }
        m->st.matches++;
        if (n == max) {
            m->st.truncated++;
            continue;
        }
        struct rule_candidate *c = &out[n++];
        memset(c, 0, sizeof *c);
        c->rule = m->cand[i];
        c->sid = r->sid;
        c->rev = r->rev;
        c->state_fp = r->state_fp;
        c->ts_us = ev->ts_us;
        if (r->agg) {
            c->agg_key = key_hash(m, &r->agg_by, r->sid);
            if (r->agg == AGG_DISTINCT) {
                const struct event_value *v = fetch(m, r->agg_field);
                c->has_distinct = v != NULL;
                c->distinct = value_hash(v);
            } else if (r->agg == AGG_SUM) {
                const struct event_value *v = fetch(m, r->agg_field);
                c->amount = v && v->u.i > 0 ? v->u.i : 0;
            }
        }
        if (r->has_suppress)
            c->sup_key = key_hash(m, &r->sup_by, (uint64_t)r->sid << 1);
        if (r->has_limit)
            c->lim_key = key_hash(m, &r->lim_by, ((uint64_t)r->sid << 1) | 1);
    }
    m->ev = NULL;
    return n;
}
