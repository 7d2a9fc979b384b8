/*
 * The correlator's state with a fake clock: count, distinct count and sum
 * windows, suppression and limits with expiry, the memory cap and its
 * evictions, and state kept or dropped across a reload.
 */
#include "detect/rule_eval.h"
#include "detect/rule_state.h"
#include "detect/ruleset.h"

#include "../test.h"
#include "detect_test.h"

#define SEC 1000000ull
#define T0 (1768467600ull * SEC)

struct fixture {
    struct ruleset *rs;
    struct rule_matcher *m;
    struct rule_state *st;
    struct rule_diags d;
};

static bool fx_init(struct fixture *fx, const char *src, size_t memcap)
{
    struct rule_state_limits lim;
    rule_state_limits_default(&lim);
    if (memcap)
        lim.memcap = memcap;
    fx->rs = test_load(src, NULL, &fx->d);
    fx->m = rule_matcher_new();
    fx->st = rule_state_new(&lim);
    if (!fx->rs)
        rule_diags_print(&fx->d, stderr);
    if (fx->rs && fx->st)
        rule_state_bind(fx->st, ruleset_rules(fx->rs));
    return fx->rs && fx->m && fx->st;
}

static void fx_free(struct fixture *fx)
{
    rule_state_free(fx->st);
    rule_matcher_free(fx->m);
    ruleset_unref(fx->rs);
    rule_diags_free(&fx->d);
}

/* One flow event from src to dest:port at t; returns the verdict of the
 * first candidate, or -1 if none matched. */
static int fx_event(struct fixture *fx, uint64_t t, const char *src, const char *dest, int port,
                    int64_t bytes)
{
    struct test_event e;
    struct rule_candidate c[4];
    test_event_init(&e, EVENT_FLOW, t);
    test_event_ip(&e, F_SRC_IP, src);
    test_event_ip(&e, F_DEST_IP, dest);
    test_event_int(&e, F_DEST_PORT, port);
    test_event_int(&e, F_FLOW_BYTES_TOSERVER, bytes);
    size_t n = rule_match(fx->m, ruleset_rules(fx->rs), &e.ev, c, 4);
    if (!n)
        return -1;
    return (int)rule_state_decide(fx->st, ruleset_rules(fx->rs), &c[0]);
}

static void test_distinct_window(void)
{
    struct fixture fx;
    CHECK(fx_init(&fx,
                  "rule 1 \"scan\" when dest_port > 0\n"
                  "  count distinct dest_port by src_ip over 60s >= 5\n",
                  0));
    /* 4 distinct ports, repeats do not count, another source is apart */
    for (int p = 1; p <= 4; p++)
        CHECK_EQ_INT(fx_event(&fx, T0 + (uint64_t)p * SEC, "10.0.0.1", "10.0.0.9", p, 0),
                     RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0 + 5 * SEC, "10.0.0.1", "10.0.0.9", 4, 0), RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0 + 5 * SEC, "10.0.0.2", "10.0.0.9", 5, 0), RULE_BELOW_THRESHOLD);
    /* the fifth distinct port fires, and the window starts again */
    CHECK_EQ_INT(fx_event(&fx, T0 + 6 * SEC, "10.0.0.1", "10.0.0.9", 5, 0), RULE_ALERT);
    CHECK_EQ_INT(fx_event(&fx, T0 + 7 * SEC, "10.0.0.1", "10.0.0.9", 6, 0), RULE_BELOW_THRESHOLD);
    /* values older than the window are forgotten: 4 new ports 70 s later
     * plus the one at 7 s (gone) do not reach 5 */
    for (int p = 10; p < 14; p++)
        CHECK_EQ_INT(fx_event(&fx, T0 + 70 * SEC, "10.0.0.1", "10.0.0.9", p, 0),
                     RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0 + 71 * SEC, "10.0.0.1", "10.0.0.9", 14, 0), RULE_ALERT);
    CHECK_EQ_INT(rule_state_stats(fx.st)->alerts, 2);
    fx_free(&fx);
}

static void test_count_and_sum(void)
{
    struct fixture fx;
    CHECK(fx_init(&fx,
                  "rule 1 \"n\" when dest_port == 104 count by src_ip over 5m >= 3\n"
                  "rule 2 \"b\" when dest_port == 443 sum flow.bytes_toserver by src_ip "
                  "over 10m >= 500MB\n",
                  0));
    CHECK_EQ_INT(fx_event(&fx, T0, "10.0.0.1", "10.0.0.9", 104, 0), RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0 + 60 * SEC, "10.0.0.1", "10.0.0.9", 104, 0),
                 RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0 + 120 * SEC, "10.0.0.1", "10.0.0.9", 104, 0), RULE_ALERT);
    /* three more, spread so that the first has left the window when the
     * third comes: the window slides */
    CHECK_EQ_INT(fx_event(&fx, T0 + 200 * SEC, "10.0.0.1", "10.0.0.9", 104, 0),
                 RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0 + 400 * SEC, "10.0.0.1", "10.0.0.9", 104, 0),
                 RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0 + 520 * SEC, "10.0.0.1", "10.0.0.9", 104, 0),
                 RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0 + 530 * SEC, "10.0.0.1", "10.0.0.9", 104, 0), RULE_ALERT);

    CHECK_EQ_INT(fx_event(&fx, T0, "10.0.0.1", "203.0.113.1", 443, 200000000),
                 RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0 + 60 * SEC, "10.0.0.1", "203.0.113.1", 443, 200000000),
                 RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0 + 120 * SEC, "10.0.0.1", "203.0.113.2", 443, 100000000),
                 RULE_ALERT);
    /* an event older than the window does not count */
    CHECK_EQ_INT(fx_event(&fx, T0 + 2000 * SEC, "10.0.0.1", "203.0.113.1", 443, 1),
                 RULE_BELOW_THRESHOLD);
    CHECK_EQ_INT(fx_event(&fx, T0, "10.0.0.1", "203.0.113.1", 443, 999999999),
                 RULE_BELOW_THRESHOLD);
    fx_free(&fx);
}

static void test_suppress_and_limit(void)
{
    struct fixture fx;
    CHECK(fx_init(&fx,
                  "rule 1 \"s\" when dest_port == 1 suppress by src_ip for 1h\n"
                  "rule 2 \"l\" when dest_port == 2 limit 2 per src_ip, dest_ip per 10m\n",
                  0));
    CHECK_EQ_INT(fx_event(&fx, T0, "10.0.0.1", "10.0.0.9", 1, 0), RULE_ALERT);
    CHECK_EQ_INT(fx_event(&fx, T0 + 10 * SEC, "10.0.0.1", "10.0.0.8", 1, 0), RULE_SUPPRESSED);
    CHECK_EQ_INT(fx_event(&fx, T0 + 10 * SEC, "10.0.0.2", "10.0.0.8", 1, 0), RULE_ALERT);
    CHECK_EQ_INT(fx_event(&fx, T0 + 3599 * SEC, "10.0.0.1", "10.0.0.8", 1, 0), RULE_SUPPRESSED);
    CHECK_EQ_INT(fx_event(&fx, T0 + 3600 * SEC, "10.0.0.1", "10.0.0.8", 1, 0), RULE_ALERT);

    CHECK_EQ_INT(fx_event(&fx, T0, "10.0.0.1", "10.0.0.9", 2, 0), RULE_ALERT);
    CHECK_EQ_INT(fx_event(&fx, T0 + 1, "10.0.0.1", "10.0.0.9", 2, 0), RULE_ALERT);
    CHECK_EQ_INT(fx_event(&fx, T0 + 2, "10.0.0.1", "10.0.0.9", 2, 0), RULE_RATE_LIMITED);
    CHECK_EQ_INT(fx_event(&fx, T0 + 3, "10.0.0.1", "10.0.0.8", 2, 0), RULE_ALERT); /* other pair */
    CHECK_EQ_INT(fx_event(&fx, T0 + 600 * SEC, "10.0.0.1", "10.0.0.9", 2, 0), RULE_ALERT);
    const struct rule_state_stats *s = rule_state_stats(fx.st);
    CHECK_EQ_INT(s->suppressed, 2);
    CHECK_EQ_INT(s->rate_limited, 1);

    /* expiry frees what has run out, and only that */
    uint64_t before = s->entries;
    CHECK(before >= 4);
    rule_state_expire(fx.st, T0 + 601 * SEC);
    CHECK(s->entries < before);
    rule_state_expire(fx.st, T0 + 100000 * SEC);
    CHECK_EQ_INT(s->entries, 0);
    CHECK(s->expired >= before);
    fx_free(&fx);
}

static void test_memcap(void)
{
    /* A cap that holds the table and a few entries: the oldest keys are
     * evicted and counted; memory never passes the cap. */
    struct fixture fx;
    size_t cap = 1024 * sizeof(void *) + 4096;
    CHECK(
        fx_init(&fx, "rule 1 \"n\" when dest_port == 104 count by src_ip over 1h >= 1000\n", cap));
    char ip[32];
    for (int i = 0; i < 500; i++) {
        snprintf(ip, sizeof ip, "10.1.%d.%d", i / 250, i % 250);
        CHECK_EQ_INT(fx_event(&fx, T0 + (uint64_t)i, ip, "10.0.0.9", 104, 0), RULE_BELOW_THRESHOLD);
    }
    const struct rule_state_stats *s = rule_state_stats(fx.st);
    CHECK(s->evictions > 400);
    CHECK(s->memory <= cap);
    CHECK(s->memory_peak <= cap);
    CHECK(s->entries > 0 && s->entries < 100);
    fx_free(&fx);

    /* distinct values grow within the cap too, then give up counted */
    CHECK(fx_init(&fx,
                  "rule 1 \"n\" when dest_port > 0 count distinct dest_port by src_ip "
                  "over 1h >= 100000\n",
                  cap));
    for (int p = 1; p < 2000; p++)
        fx_event(&fx, T0 + (uint64_t)p, "10.0.0.1", "10.0.0.9", p, 0);
    s = rule_state_stats(fx.st);
    CHECK(s->memcap_drops > 0);
    CHECK(s->memory <= cap);
    fx_free(&fx);

    /* a cap too small for the table: no state object */
    struct rule_state_limits lim = {.memcap = 100};
    CHECK(rule_state_new(&lim) == NULL);
}

static void test_reload(void)
{
    /* State follows the rule id across a reload when the rule's window is
     * unchanged, and is dropped when it changed; candidates of the old
     * set are still decided by the old set. */
    struct fixture fx;
    CHECK(fx_init(&fx,
                  "rule 1 \"a\" when dest_port == 104 count by src_ip over 1h >= 3\n"
                  "rule 2 \"b\" when dest_port == 104 count by src_ip over 1h >= 3\n",
                  0));
    fx_event(&fx, T0, "10.0.0.1", "10.0.0.9", 104, 0);
    fx_event(&fx, T0 + 1, "10.0.0.1", "10.0.0.9", 104, 0);
    struct rule_diags d2;
    struct ruleset *rs2 =
        test_load("rule 1 \"a, reworded\" when dest_port == 104 count by src_ip "
                  "over 1h >= 3\n"
                  "rule 2 \"b\" when dest_port == 104 count by src_ip over 1h >= 4\n",
                  NULL, &d2);
    CHECK(rs2 != NULL);
    if (!rs2)
        return;
    struct test_event e;
    struct rule_candidate c[2];
    test_event_init(&e, EVENT_FLOW, T0 + 2);
    test_event_ip(&e, F_SRC_IP, "10.0.0.1");
    test_event_int(&e, F_DEST_PORT, 104);
    size_t n_old = rule_match(fx.m, ruleset_rules(fx.rs), &e.ev, c, 2);
    CHECK_EQ_INT(n_old, 2);
    rule_state_bind(fx.st, ruleset_rules(rs2));
    CHECK_EQ_INT(rule_state_stats(fx.st)->entries, 1); /* rule 2's window dropped */
    /* in flight from the old set: decided against the old set */
    CHECK_EQ_INT(rule_state_decide(fx.st, ruleset_rules(fx.rs), &c[0]), RULE_ALERT);
    /* against the wrong set: stale, counted */
    CHECK_EQ_INT(rule_state_decide(fx.st, ruleset_rules(rs2), &c[1]), RULE_STALE);
    CHECK_EQ_INT(rule_state_stats(fx.st)->stale, 1);
    ruleset_unref(rs2);
    rule_diags_free(&d2);
    fx_free(&fx);
}

TEST_MAIN(TEST(test_distinct_window), TEST(test_count_and_sum), TEST(test_suppress_and_limit),
          TEST(test_memcap), TEST(test_reload))
