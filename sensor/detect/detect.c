#include "detect/detect.h"

#include <stdlib.h>

#include "detect/alert_eve.h"

/* Matches of one event beyond this are counted, not alerted: a rule set
 * where one event matches more rules is a rule set to fix. */
#define DETECT_MAX_CANDIDATES 64

struct detect {
    struct ruleset *rs;
    struct rule_matcher *m;
    struct rule_state *st;
    detect_alert_fn fn;
    void *ctx;
    struct json_buf rec;
    uint64_t next_alert_id;
    struct detect_stats stats;
    struct rule_candidate cand[DETECT_MAX_CANDIDATES];
};

struct detect *detect_new(struct ruleset *rs, const struct rule_state_limits *lim,
                          detect_alert_fn fn, void *ctx)
{
    struct detect *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    json_init(&d->rec);
    d->fn = fn;
    d->ctx = ctx;
    d->next_alert_id = 1;
    d->m = rule_matcher_new();
    d->st = rule_state_new(lim);
    if (!d->m || !d->st) {
        detect_free(d);
        return NULL;
    }
    d->rs = ruleset_ref(rs);
    rule_state_bind(d->st, ruleset_rules(rs));
    return d;
}

void detect_free(struct detect *d)
{
    if (!d)
        return;
    rule_matcher_free(d->m);
    rule_state_free(d->st);
    ruleset_unref(d->rs);
    json_free(&d->rec);
    free(d);
}

void detect_event(struct detect *d, const struct event *ev)
{
    const struct compiled_rules *cr = ruleset_rules(d->rs);
    d->stats.events++;
    size_t n = rule_match(d->m, cr, ev, d->cand, DETECT_MAX_CANDIDATES);
    d->stats.candidates += n;
    for (size_t i = 0; i < n; i++) {
        if (rule_state_decide(d->st, cr, &d->cand[i]) != RULE_ALERT)
            continue;
        const struct crule *r = &cr->rules[d->cand[i].rule];
        alert_eve_format(&d->rec, r, ev, d->next_alert_id++);
        d->stats.alerts++;
        if (d->fn && !d->rec.err)
            d->fn(d->ctx, &d->rec, r);
    }
}

void detect_swap(struct detect *d, struct ruleset *rs)
{
    struct ruleset *old = d->rs;
    d->rs = ruleset_ref(rs);
    rule_state_bind(d->st, ruleset_rules(rs));
    ruleset_unref(old);
}

void detect_tick(struct detect *d, uint64_t now_us)
{
    rule_state_expire(d->st, now_us);
}

const struct detect_stats *detect_stats(const struct detect *d)
{
    return &d->stats;
}

const struct rule_state *detect_state(const struct detect *d)
{
    return d->st;
}

const struct rule_matcher *detect_matcher(const struct detect *d)
{
    return d->m;
}
