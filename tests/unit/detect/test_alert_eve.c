/*
 * EVE alert records: Suricata's layout, the rule's metadata, the event's
 * own header and objects, valid JSON whatever the rule's text holds.
 */
#include "detect/alert_eve.h"
#include "detect/ruleset.h"

#include "../test.h"
#include "detect_test.h"

static void header(const struct event *ev, struct json_buf *b)
{
    (void)ev;
    json_uint(b, "flow_id", 7);
    json_string(b, "src_ip", "10.50.0.117");
    json_string(b, "app_proto", "dicom");
}

static void objects(const struct event *ev, struct json_buf *b)
{
    (void)ev;
    json_open_object(b, "dicom");
    json_string(b, "calling_ae", "ANY-SCU");
    json_close_object(b);
}

static void test_format(void)
{
    const char *src = "rule 100001 rev 3 \"Unknown \\\"AE\\\" title\"\n"
                      "  severity high category \"Unauthorised access\" mitre T0886, T1078\n"
                      "  when dicom.calling_ae == X\n"
                      "rule 2 \"plain\" when dicom.calling_ae == X\n";
    struct rule_diags d;
    struct ruleset *rs = test_load(src, NULL, &d);
    CHECK(rs != NULL);
    if (!rs)
        return;
    struct test_event e;
    test_event_init(&e, EVENT_DICOM, 1768467601000000ull);
    e.ev.header = header;
    e.ev.objects = objects;
    struct json_buf b;
    json_init(&b);
    alert_eve_format(&b, &ruleset_rules(rs)->rules[0], &e.ev, 42);
    CHECK(!b.err);
    CHECK_EQ_STR(b.p,
                 "{\"timestamp\":\"2026-01-15T09:00:01.000000+0000\",\"alert_id\":42,"
                 "\"event_type\":\"alert\",\"flow_id\":7,\"src_ip\":\"10.50.0.117\","
                 "\"app_proto\":\"dicom\",\"alert\":{\"action\":\"allowed\",\"gid\":1,"
                 "\"signature_id\":100001,\"rev\":3,\"signature\":\"Unknown \\\"AE\\\" title\","
                 "\"category\":\"Unauthorised access\",\"severity\":1,\"metadata\":{"
                 "\"mitre_technique_id\":[\"T0886\",\"T1078\"],\"severity_name\":[\"high\"],"
                 "\"event\":[\"dicom\"]}},\"dicom\":{\"calling_ae\":\"ANY-SCU\"}}");
    /* no mitre, default severity (low), no category; no callbacks */
    e.ev.header = NULL;
    e.ev.objects = NULL;
    alert_eve_format(&b, &ruleset_rules(rs)->rules[1], &e.ev, 43);
    CHECK_EQ_STR(
        b.p, "{\"timestamp\":\"2026-01-15T09:00:01.000000+0000\",\"alert_id\":43,"
             "\"event_type\":\"alert\",\"alert\":{\"action\":\"allowed\",\"gid\":1,"
             "\"signature_id\":2,\"rev\":1,\"signature\":\"plain\",\"category\":\"\","
             "\"severity\":3,\"metadata\":{\"severity_name\":[\"low\"],\"event\":[\"dicom\"]}}}");
    CHECK_EQ_STR(alert_severity_name(4), "info");
    json_free(&b);
    ruleset_unref(rs);
    rule_diags_free(&d);
}

/* Alerts with the alert object from the cache are those formatted in
 * full, whichever rule and event type comes after which, and after a
 * reset. */
static void test_cached(void)
{
    const char *src = "rule 100001 rev 3 \"Unknown \\\"AE\\\" title\"\n"
                      "  severity high category \"Unauthorised access\" mitre T0886, T1078\n"
                      "  when dicom.calling_ae == X\n"
                      "rule 2 \"plain\" when dicom.calling_ae == X\n";
    struct rule_diags d;
    struct ruleset *rs = test_load(src, NULL, &d);
    CHECK(rs != NULL);
    if (!rs)
        return;
    struct alert_eve_cache *c = alert_eve_cache_new();
    CHECK(c != NULL);
    struct json_buf want, got;
    json_init(&want);
    json_init(&got);
    static const enum event_type types[] = {EVENT_DICOM, EVENT_FLOW, EVENT_HL7};
    unsigned same = 0, n = 0;
    for (int round = 0; round < 3; round++) {
        if (round == 2)
            alert_eve_cache_reset(c);
        for (uint32_t i = 0; i < 2; i++) {
            for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
                struct test_event e;
                test_event_init(&e, types[t], 1768467601000000ull + i);
                e.ev.header = i ? header : NULL;
                e.ev.objects = objects;
                alert_eve_format(&want, &ruleset_rules(rs)->rules[i], &e.ev, 40 + i);
                alert_eve_format_cached(&got, c, &ruleset_rules(rs)->rules[i], &e.ev, 40 + i);
                n++;
                same += !want.err && !got.err && strcmp(want.p, got.p) == 0;
            }
        }
    }
    CHECK_EQ_INT(same, n);
    json_free(&want);
    json_free(&got);
    alert_eve_cache_free(c);
    ruleset_unref(rs);
    rule_diags_free(&d);
}

TEST_MAIN(TEST(test_format), TEST(test_cached))
