/*
 * The detection stage in one thread: match an event, decide on each
 * candidate, format and hand over the alerts. What a single-worker run
 * (pcap replay), rulecheck and the tests use; a multi-worker sensor splits
 * the same steps between workers (rule_match) and the correlator
 * (rule_state_decide, alert_eve_format) as described in rule_eval.h.
 */
#ifndef MAMORI_DETECT_DETECT_H
#define MAMORI_DETECT_DETECT_H

#include <stdint.h>

#include "detect/event.h"
#include "detect/rule_eval.h"
#include "detect/rule_state.h"
#include "detect/ruleset.h"
#include "output/json.h"

/* Receives each alert record (b is reset by the next alert) and the rule. */
typedef void (*detect_alert_fn)(void *ctx, const struct json_buf *b, const struct crule *r);

struct detect_stats {
    uint64_t events, candidates, alerts;
};

struct detect;

/* Takes a reference on rs. Returns NULL on failure. Owned: detect_free(). */
struct detect *detect_new(struct ruleset *rs, const struct rule_state_limits *lim,
                          detect_alert_fn fn, void *ctx);
void detect_free(struct detect *d);

/* Matches ev and writes its alerts. */
void detect_event(struct detect *d, const struct event *ev);

/* Replaces the rule set (takes a reference on rs, drops the old one);
 * the state of unchanged rules is kept. */
void detect_swap(struct detect *d, struct ruleset *rs);

/* Expires state; call about once a second of capture time. */
void detect_tick(struct detect *d, uint64_t now_us);

const struct detect_stats *detect_stats(const struct detect *d);
const struct rule_state *detect_state(const struct detect *d);
const struct rule_matcher *detect_matcher(const struct detect *d);

#endif
