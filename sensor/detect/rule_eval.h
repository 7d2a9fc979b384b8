/*
 * Stateless matching: which rules an event satisfies. Runs on the workers
 * (any number of threads may share one compiled rule set, each with its
 * own matcher) and produces candidates: the rule, and hashes of the values
 * the correlator's windows, suppressions and limits group by, so the
 * correlator never needs the event itself (rule_state.h).
 *
 * Only rules of the event's type run, and of those only the ones the
 * event's values select in the rule set's index, plus the rules that
 * could not be indexed. Each field is read from the event at most once.
 */
#ifndef MAMORI_DETECT_RULE_EVAL_H
#define MAMORI_DETECT_RULE_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/event.h"
#include "detect/rule_compile.h"

/* What the correlator needs to decide on a match. Fixed size, no
 * pointers: it crosses threads by copy. */
struct rule_candidate {
    uint32_t rule; /* index in the rule set that matched */
    uint32_t sid, rev;
    uint64_t state_fp; /* the rule's; state is kept across reloads only when it is unchanged */
    uint64_t ts_us;    /* the event's time */
    uint64_t agg_key;  /* hash of the `by` fields of count/sum */
    uint64_t sup_key;  /* of suppress's */
    uint64_t lim_key;  /* of limit's */
    uint64_t distinct; /* hash of the counted field's value (count distinct) */
    int64_t amount;    /* the summed field's value (sum) */
    bool has_distinct; /* false: the counted field was missing, the event does not count */
};

struct rule_matcher_stats {
    uint64_t events;
    uint64_t rules_run; /* conditions evaluated */
    uint64_t matches;
    uint64_t excepted;  /* matches an except clause removed */
    uint64_t truncated; /* matches beyond the caller's room */
};

struct rule_matcher;

/* Returns NULL on failure. Owned: rule_matcher_free(). One per thread. */
struct rule_matcher *rule_matcher_new(void);
void rule_matcher_free(struct rule_matcher *m);

/* Matches ev against the enabled rules of cr; writes up to max
 * candidates, in rule order, and returns how many. Returns 0 also when
 * the matcher cannot grow its scratch space to cr's size (counted as
 * truncated). */
size_t rule_match(struct rule_matcher *m, const struct compiled_rules *cr, const struct event *ev,
                  struct rule_candidate *out, size_t max);

const struct rule_matcher_stats *rule_matcher_stats(const struct rule_matcher *m);

#endif
