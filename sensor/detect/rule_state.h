/*
 * What rules remember between events, for the correlator thread (one
 * thread, no locks): sliding windows of count, distinct count and sum
 * grouped by key, suppressions and rate limits with expiry.
 *
 * Every byte of state (the hash table and each entry) counts against a
 * configured cap. At the cap the least recently used entry is evicted and
 * counted; if even that is not enough the candidate is decided without
 * state and counted (a window does not count it; a suppression or limit
 * lets the alert through, so that memory pressure never hides an alert).
 *
 * Windows slide in 16 steps: "over 60s" counts the events of the last
 * 56.25 to 60 seconds. Distinct counts are exact (values are kept as
 * 64-bit hashes, at most `threshold` of them per key). When a window
 * reaches its threshold the rule fires and that key's window starts
 * again, so a scan that goes on raises one alert per threshold reached.
 *
 * State is keyed by rule id and the rule's state fingerprint, not by its
 * place in a rule set, so candidates of the previous rule set still in
 * flight after a reload are decided correctly, and a reloaded rule whose
 * window, suppression and limit are unchanged keeps its state.
 */
#ifndef MAMORI_DETECT_RULE_STATE_H
#define MAMORI_DETECT_RULE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "detect/rule_compile.h"
#include "detect/rule_eval.h"

enum rule_verdict {
    RULE_ALERT,           /* write the alert */
    RULE_BELOW_THRESHOLD, /* counted in its window, threshold not reached */
    RULE_SUPPRESSED,      /* within a suppression */
    RULE_RATE_LIMITED,    /* over its limit */
    RULE_STALE,           /* the candidate names no rule of the set given */
};

struct rule_state_limits {
    size_t memcap; /* bytes; default 64 MB */
};

struct rule_state_stats {
    uint64_t entries;
    uint64_t memory, memory_peak;
    uint64_t evictions;    /* entries pushed out at the cap */
    uint64_t memcap_drops; /* candidates decided without state */
    uint64_t expired;      /* entries freed after their time */
    uint64_t alerts, below_threshold, suppressed, rate_limited, stale;
};

struct rule_state;

void rule_state_limits_default(struct rule_state_limits *lim);

/* Returns NULL on failure (or when memcap cannot hold the hash table).
 * Owned: rule_state_free(). */
struct rule_state *rule_state_new(const struct rule_state_limits *lim);
void rule_state_free(struct rule_state *st);

/* Decides one candidate of rule set cr (the set that produced it).
 * Candidates must come in roughly ascending time; a window ignores events
 * older than itself. */
enum rule_verdict rule_state_decide(struct rule_state *st, const struct compiled_rules *cr,
                                    const struct rule_candidate *c);

/* Frees state that has expired at now_us (capture time); call about once
 * a second. Bounded work per call. */
void rule_state_expire(struct rule_state *st, uint64_t now_us);

/* After a reload: frees the state of rules that are gone or changed in
 * cr (the new set). Optional; such state would expire anyway. */
void rule_state_bind(struct rule_state *st, const struct compiled_rules *cr);

const struct rule_state_stats *rule_state_stats(const struct rule_state *st);

#endif
