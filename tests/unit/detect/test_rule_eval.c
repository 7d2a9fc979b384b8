/*
 * Stateless matching: every operator on every kind of field, missing
 * fields, lists of values, exceptions and their expiry.
 */
#include "detect/rule_eval.h"
#include "detect/ruleset.h"

#include "../test.h"
#include "detect_test.h"

static const char *const lists[] = {
    "aes.txt",   "CT_ROOM1\nMR_ROOM1\n",
    "nets.txt",  "10.20.0.0/16\n2001:db8::/32\n",
    "globs.txt", "*.evil.example\nbad-??.example\n",
    "ports.txt", "104\n11112\n4242-4250\n",
    NULL,
};

/* Does "when COND" match e? -1 if the rule does not compile. */
static int match(const char *cond, const struct test_event *e)
{
    char src[1024];
    struct rule_diags d;
    struct rule_candidate c[2];
    snprintf(src, sizeof src, "rule 1 \"m\" on %s when %s",
             event_type_name((enum event_type)e->ev.type), cond);
    struct ruleset *rs = test_load(src, lists, &d);
    if (!rs) {
        rule_diags_print(&d, stderr);
        rule_diags_free(&d);
        return -1;
    }
    struct rule_matcher *m = rule_matcher_new();
    size_t n = rule_match(m, ruleset_rules(rs), &e->ev, c, 2);
    rule_matcher_free(m);
    ruleset_unref(rs);
    rule_diags_free(&d);
    return (int)n;
}

static void flow_event(struct test_event *e)
{
    test_event_init(e, EVENT_FLOW, 1768467600000000ull);
    test_event_ip(e, F_SRC_IP, "10.20.1.11");
    test_event_ip(e, F_DEST_IP, "203.0.113.10");
    test_event_int(e, F_DEST_PORT, 104);
    test_event_str(e, F_PROTO, "TCP");
    test_event_str(e, F_APP_PROTO, "dicom");
    test_event_int(e, F_FLOW_BYTES_TOSERVER, 600000000);
    test_event_bool(e, F_NDPI_GUESSED, false);
    test_event_str(e, F_NDPI_HOSTNAME, "Update.Evil.Example");
    static const char *const risks[] = {"Clear-Text Credentials", "Unsafe Protocol", NULL};
    test_event_list(e, F_NDPI_RISKS, risks);
}

static void test_numbers(void)
{
    struct test_event e;
    flow_event(&e);
    CHECK_EQ_INT(match("dest_port == 104", &e), 1);
    CHECK_EQ_INT(match("dest_port = 104", &e), 1);
    CHECK_EQ_INT(match("dest_port != 104", &e), 0);
    CHECK_EQ_INT(match("dest_port < 105", &e), 1);
    CHECK_EQ_INT(match("dest_port <= 104", &e), 1);
    CHECK_EQ_INT(match("dest_port > 104", &e), 0);
    CHECK_EQ_INT(match("dest_port >= 104", &e), 1);
    CHECK_EQ_INT(match("dest_port in [1, 104]", &e), 1);
    CHECK_EQ_INT(match("dest_port not in [1, 2]", &e), 1);
    CHECK_EQ_INT(match("dest_port in [100-110]", &e), 1);
    CHECK_EQ_INT(match("dest_port in @ports", &e), 1);
    CHECK_EQ_INT(match("dest_port in []", &e), 0);
    CHECK_EQ_INT(match("flow.bytes_toserver >= 500MB", &e), 1);
    CHECK_EQ_INT(match("flow.bytes_toserver >= 1GB", &e), 0);
    test_event_int(&e, F_DEST_PORT, 4245);
    CHECK_EQ_INT(match("dest_port in @ports", &e), 1);
    test_event_int(&e, F_DEST_PORT, 4251);
    CHECK_EQ_INT(match("dest_port in @ports", &e), 0);
}

static void test_addresses(void)
{
    struct test_event e;
    flow_event(&e);
    CHECK_EQ_INT(match("src_ip == 10.20.1.11", &e), 1);
    CHECK_EQ_INT(match("src_ip != 10.20.1.11", &e), 0);
    CHECK_EQ_INT(match("src_ip in 10.20.1.0/24", &e), 1);
    CHECK_EQ_INT(match("src_ip in [10.0.0.0/8]", &e), 1);
    CHECK_EQ_INT(match("src_ip in 10.20.1.12/32", &e), 0);
    CHECK_EQ_INT(match("src_ip in @nets", &e), 1);
    CHECK_EQ_INT(match("dest_ip not in @nets", &e), 1);
    CHECK_EQ_INT(match("src_ip in 0.0.0.0/0", &e), 1);
    CHECK_EQ_INT(match("src_ip in ::/0", &e), 1); /* IPv4 is ::ffff:a.b.c.d */
    test_event_ip(&e, F_SRC_IP, "2001:db8::5");
    CHECK_EQ_INT(match("src_ip in @nets", &e), 1);
    CHECK_EQ_INT(match("src_ip in 10.0.0.0/8", &e), 0);
    CHECK_EQ_INT(match("src_ip == 2001:db8::5", &e), 1);
}

static void test_text(void)
{
    struct test_event e;
    flow_event(&e);
    CHECK_EQ_INT(match("app_proto == dicom", &e), 1);
    CHECK_EQ_INT(match("app_proto == \"dicom\"", &e), 1);
    CHECK_EQ_INT(match("app_proto == DICOM", &e), 0);
    CHECK_EQ_INT(match("app_proto == DICOM nocase", &e), 1);
    CHECK_EQ_INT(match("app_proto != hl7", &e), 1);
    CHECK_EQ_INT(match("app_proto in [hl7, dicom]", &e), 1);
    CHECK_EQ_INT(match("app_proto in [HL7, DICOM] nocase", &e), 1);
    CHECK_EQ_INT(match("app_proto not in [hl7, fhir]", &e), 1);
    CHECK_EQ_INT(match("ndpi.hostname startswith \"Update.\"", &e), 1);
    CHECK_EQ_INT(match("ndpi.hostname startswith \"update.\"", &e), 0);
    CHECK_EQ_INT(match("ndpi.hostname startswith \"update.\" nocase", &e), 1);
    CHECK_EQ_INT(match("ndpi.hostname endswith \".Example\"", &e), 1);
    CHECK_EQ_INT(match("ndpi.hostname contains \"Evil\"", &e), 1);
    CHECK_EQ_INT(match("ndpi.hostname not contains \"Evil\"", &e), 0);
    CHECK_EQ_INT(match("ndpi.hostname matches \"*.Evil.*\"", &e), 1);
    CHECK_EQ_INT(match("ndpi.hostname matches \"U?date.*e\"", &e), 1);
    CHECK_EQ_INT(match("ndpi.hostname matches \"*.evil.example\"", &e), 0);
    CHECK_EQ_INT(match("ndpi.hostname matches @globs nocase", &e), 1);
    CHECK_EQ_INT(match("ndpi.hostname matches [\"a*\", \"*z\"]", &e), 0);
    test_event_str(&e, F_NDPI_HOSTNAME, "bad-42.example");
    CHECK_EQ_INT(match("ndpi.hostname matches @globs", &e), 1);
    test_event_str(&e, F_NDPI_HOSTNAME, "bad-4.example");
    CHECK_EQ_INT(match("ndpi.hostname matches @globs", &e), 0);
    /* patterns with several stars backtrack correctly */
    test_event_str(&e, F_NDPI_HOSTNAME, "aXbXbXc");
    CHECK_EQ_INT(match("ndpi.hostname matches \"a*b*c\"", &e), 1);
    CHECK_EQ_INT(match("ndpi.hostname matches \"a*bXc\"", &e), 1);
    CHECK_EQ_INT(match("ndpi.hostname matches \"a*b*d\"", &e), 0);
}

static void test_lists_of_values(void)
{
    struct test_event e;
    flow_event(&e);
    CHECK_EQ_INT(match("ndpi.risks == \"Clear-Text Credentials\"", &e), 1);
    CHECK_EQ_INT(match("ndpi.risks in [\"Unsafe Protocol\", \"XSS Attack\"]", &e), 1);
    CHECK_EQ_INT(match("ndpi.risks not in [\"XSS Attack\"]", &e), 1);
    CHECK_EQ_INT(match("ndpi.risks != \"Unsafe Protocol\"", &e), 0);
    CHECK_EQ_INT(match("ndpi.risks contains \"Text\"", &e), 1);
    static const char *const none[] = {NULL};
    test_event_list(&e, F_NDPI_RISKS, none);
    CHECK_EQ_INT(match("ndpi.risks == \"XSS Attack\"", &e), 0);
    CHECK_EQ_INT(match("ndpi.risks exists", &e), 1);
}

static void test_bool_missing_logic(void)
{
    struct test_event e;
    flow_event(&e);
    CHECK_EQ_INT(match("ndpi.guessed", &e), 0);
    CHECK_EQ_INT(match("not ndpi.guessed", &e), 1);
    CHECK_EQ_INT(match("ndpi.guessed == false", &e), 1);
    CHECK_EQ_INT(match("ndpi.guessed != no", &e), 0);
    CHECK_EQ_INT(match("ndpi.guessed != yes", &e), 1);
    /* a missing field satisfies no comparison, negated or not */
    CHECK_EQ_INT(match("tls.sni == x", &e), 0);
    CHECK_EQ_INT(match("tls.sni != x", &e), 0);
    CHECK_EQ_INT(match("tls.sni not in [x]", &e), 0);
    CHECK_EQ_INT(match("tls.sni exists", &e), 0);
    CHECK_EQ_INT(match("tls.sni missing", &e), 1);
    CHECK_EQ_INT(match("not tls.sni exists", &e), 1);
    CHECK_EQ_INT(match("rdp", &e), 0);
    CHECK_EQ_INT(match("dest_port == 1 or dest_port == 104", &e), 1);
    CHECK_EQ_INT(match("dest_port == 104 and app_proto == hl7", &e), 0);
    CHECK_EQ_INT(match("not (dest_port == 1 or app_proto == hl7)", &e), 1);
    CHECK_EQ_INT(match("dest_port == 1 or dest_port == 2 and app_proto == dicom", &e), 0);
    CHECK_EQ_INT(match("(dest_port == 1 or dest_port == 104) and app_proto == dicom", &e), 1);
}

static void test_other_events(void)
{
    struct test_event e;
    test_event_init(&e, EVENT_DICOM, 5);
    test_event_str(&e, F_DICOM_CALLING_AE, "ANY-SCU");
    test_event_bool(&e, F_DICOM_ASSOCIATION, true);
    static const char *const cmds[] = {"C-ECHO", "C-FIND", NULL};
    test_event_list(&e, F_DICOM_COMMANDS, cmds);
    test_event_str(&e, F_DICOM_RESULT, "accepted");
    CHECK_EQ_INT(match("dicom.association and dicom.calling_ae not in @aes", &e), 1);
    CHECK_EQ_INT(match("dicom.commands in [C-FIND, C-MOVE, C-GET]", &e), 1);
    CHECK_EQ_INT(match("dicom.result in [rejected, aborted]", &e), 0);
    /* a rule of another event type never runs on it */
    char src[] = "rule 1 \"m\" when tls.sni exists";
    struct rule_diags d;
    struct ruleset *rs = test_load(src, NULL, &d);
    struct rule_matcher *m = rule_matcher_new();
    struct rule_candidate c[1];
    CHECK(rs && rule_match(m, ruleset_rules(rs), &e.ev, c, 1) == 0);
    CHECK_EQ_INT(rule_matcher_stats(m)->rules_run, 0);
    rule_matcher_free(m);
    ruleset_unref(rs);
    rule_diags_free(&d);
}

static void test_exceptions(void)
{
    const char *src = "rule 1 \"m\" when dest_port == 104\n"
                      "  except src_ip == 10.20.1.11 until 2026-01-15T10:00Z\n"
                      "  except app_proto == hl7\n"
                      "rule 2 \"n\" when dest_port == 104 disabled\n";
    struct rule_diags d;
    struct ruleset *rs = test_load(src, NULL, &d);
    struct rule_matcher *m = rule_matcher_new();
    struct rule_candidate c[2];
    struct test_event e;
    CHECK(rs != NULL);
    if (!rs)
        return;
    flow_event(&e); /* 09:00Z: the first exception applies */
    CHECK_EQ_INT(rule_match(m, ruleset_rules(rs), &e.ev, c, 2), 0);
    CHECK_EQ_INT(rule_matcher_stats(m)->excepted, 1);
    e.ev.ts_us += 3600ull * 1000000; /* 10:00Z: it has expired */
    CHECK_EQ_INT(rule_match(m, ruleset_rules(rs), &e.ev, c, 2), 1);
    test_event_str(&e, F_APP_PROTO, "hl7");
    CHECK_EQ_INT(rule_match(m, ruleset_rules(rs), &e.ev, c, 2), 0);
    /* no room: counted */
    test_event_str(&e, F_APP_PROTO, "dicom");
    CHECK_EQ_INT(rule_match(m, ruleset_rules(rs), &e.ev, c, 0), 0);
    CHECK_EQ_INT(rule_matcher_stats(m)->truncated, 1);
    rule_matcher_free(m);
    ruleset_unref(rs);
    rule_diags_free(&d);
}

static void test_candidate_keys(void)
{
    const char *src = "rule 1 \"m\" when dest_port == 104\n"
                      "  count distinct dest_ip by src_ip over 1m >= 3\n"
                      "  suppress by src_ip, dest_ip for 1h limit 1 per dest_port per 1m\n"
                      "rule 2 \"s\" when dest_port == 104 sum flow.bytes_toserver over 1m >= 1\n";
    struct rule_diags d;
    struct ruleset *rs = test_load(src, NULL, &d);
    struct rule_matcher *m = rule_matcher_new();
    struct rule_candidate c[2], c2[2];
    struct test_event e;
    CHECK(rs != NULL);
    if (!rs)
        return;
    flow_event(&e);
    CHECK_EQ_INT(rule_match(m, ruleset_rules(rs), &e.ev, c, 2), 2);
    CHECK(c[0].has_distinct && c[0].agg_key && c[0].sup_key && c[0].lim_key);
    CHECK_EQ_INT(c[1].amount, 600000000);
    test_event_ip(&e, F_DEST_IP, "203.0.113.11");
    CHECK_EQ_INT(rule_match(m, ruleset_rules(rs), &e.ev, c2, 2), 2);
    CHECK(c2[0].agg_key == c[0].agg_key);   /* same source */
    CHECK(c2[0].distinct != c[0].distinct); /* another destination */
    CHECK(c2[0].sup_key != c[0].sup_key);   /* another pair */
    CHECK(c2[0].lim_key == c[0].lim_key);   /* same port */
    rule_matcher_free(m);
    ruleset_unref(rs);
    rule_diags_free(&d);
}

TEST_MAIN(TEST(test_numbers), TEST(test_addresses), TEST(test_text), TEST(test_lists_of_values),
          TEST(test_bool_missing_logic), TEST(test_other_events), TEST(test_exceptions),
          TEST(test_candidate_keys))
