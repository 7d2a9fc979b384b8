/*
 * HL7 v2 over MLLP: MSH read with the message's own separators, MSA and
 * the link to the acknowledged message, segment ids, framing across and
 * within segments, gaps, the probe, the truncation sweep. No field value
 * other than MSH/MSA's may reach a record.
 */
#include "proto/proto_hl7.h"

#include "proto_test.h"

static void feed_str(struct proto_session *s, enum flow_dir d, uint64_t ts, const char *p, size_t n)
{
    proto_session_feed(s, d, ts, (const uint8_t *)p, n);
}

static void test_exchange(void)
{
    struct collect *c = collect_new();
    struct proto_session *s = proto_session_new(&proto_hl7, collect_event, c);
    feed_str(s, DIR_TOSERVER, 1000000, sample_hl7_adt, sizeof sample_hl7_adt - 1);
    CHECK_EQ_INT(c->records, 0); /* waits for its acknowledgement */
    feed_str(s, DIR_TOCLIENT, 1250000, sample_hl7_ack, sizeof sample_hl7_ack - 1);
    CHECK_EQ_INT(c->records, 2);
    proto_session_free(s);
    CHECK_EQ_INT(c->records, 2);
    CHECK(has(c, "\"event_type\":\"hl7\""));
    CHECK(has(c,
              "\"direction\":\"toserver\",\"sending_application\":\"HIS\","
              "\"sending_facility\":\"DEMO_HOSP\",\"receiving_application\":\"ENGINE\","
              "\"receiving_facility\":\"DEMO_HOSP\",\"message_datetime\":\"20260115090001\","
              "\"message_type\":\"ADT^A01^ADT_A01\",\"message_code\":\"ADT\","
              "\"trigger_event\":\"A01\",\"message_structure\":\"ADT_A01\","
              "\"message_control_id\":\"MSG00001\",\"processing_id\":\"P\",\"version\":\"2.5.1\""));
    CHECK(has(c, "\"ack\":{\"received\":true,\"ack_code\":\"AA\",\"latency_ms\":250}"));
    CHECK(has(c, "\"segments\":[\"MSH\",\"EVN\",\"PID\",\"PV1\"],\"segment_count\":4,"
                 "\"patient_segments\":true"));
    CHECK(has(c, "\"msa\":{\"ack_code\":\"AA\",\"message_control_id\":\"MSG00001\","
                 "\"acknowledges\":\"ADT^A01\"}"));
    CHECK(has(c, "\"segments\":[\"MSH\",\"MSA\"],\"segment_count\":2,\"patient_segments\":false"));
    check_no_patient_data(c);

    /* Byte by byte, and all three messages in one segment: the same records. */
    struct collect *c1 = collect_new();
    s = proto_session_new(&proto_hl7, collect_event, c1);
    for (size_t i = 0; i < sizeof sample_hl7_adt - 1; i++)
        feed_str(s, DIR_TOSERVER, 1000000, sample_hl7_adt + i, 1);
    for (size_t i = 0; i < sizeof sample_hl7_ack - 1; i++)
        feed_str(s, DIR_TOCLIENT, 1250000, sample_hl7_ack + i, 1);
    proto_session_free(s);
    CHECK_EQ_STR(c1->text, c->text);
    collect_free(c1);
    collect_free(c);
}

static void test_separators_and_pipelining(void)
{
    char two[2048];
    size_t n = 0;
    memcpy(two + n, sample_hl7_oru_hash, sizeof sample_hl7_oru_hash - 1);
    n += sizeof sample_hl7_oru_hash - 1;
    memcpy(two + n, sample_hl7_adt, sizeof sample_hl7_adt - 1);
    n += sizeof sample_hl7_adt - 1;
    struct collect *c = collect_new();
    struct proto_session *s = proto_session_new(&proto_hl7, collect_event, c);
    feed_str(s, DIR_TOSERVER, 1, two, n);
    proto_session_free(s); /* never acknowledged: written at the end */
    CHECK_EQ_INT(c->records, 2);
    CHECK(has(c, "\"sending_application\":\"LIS\",\"sending_facility\":\"LAB\""));
    CHECK(has(c, "\"message_type\":\"ORU^R01^ORU_R01\""));
    CHECK(has(c, "\"processing_id\":\"T\",\"version\":\"2.3\""));
    CHECK(has(c, "\"segments\":[\"MSH\",\"PID\",\"OBR\",\"OBX\"]"));
    CHECK(has(c, "\"ack\":{\"received\":false}"));
    check_no_patient_data(c);
    collect_free(c);
}

static void test_gap_and_junk(void)
{
    struct collect *c = collect_new();
    struct proto_session *s = proto_session_new(&proto_hl7, collect_event, c);
    feed_str(s, DIR_TOSERVER, 1, "junk before", 11);
    feed_str(s, DIR_TOSERVER, 1, sample_hl7_adt, 130); /* MSH whole, EVN cut */
    CHECK_EQ_INT(proto_session_gap(s, DIR_TOSERVER, 2, 50), 0);
    feed_str(s, DIR_TOSERVER, 3, "PV1|1\r\x1c\r", 8);
    feed_str(s, DIR_TOSERVER, 4, sample_hl7_oru_hash, sizeof sample_hl7_oru_hash - 1);
    /* a message that does not start with MSH is no message */
    feed_str(s, DIR_TOSERVER, 5, "\x0bPID|1||DEMO000123\r\x1c\r", 22);
    proto_session_free(s);
    CHECK_EQ_INT(c->records, 2);
    CHECK(has(c, "\"message_type\":\"ADT^A01^ADT_A01\""));
    CHECK(has(c, "\"truncated\":true"));
    CHECK(has(c, "\"message_type\":\"ORU^R01^ORU_R01\""));
    check_no_patient_data(c);
    collect_free(c);
}

static void test_probe(void)
{
    const uint8_t *a = (const uint8_t *)sample_hl7_adt;
    CHECK_EQ_INT(proto_hl7.probe(a, 20, DIR_TOSERVER), PROBE_YES);
    CHECK_EQ_INT(proto_hl7.probe(a, 3, DIR_TOSERVER), PROBE_MAYBE);
    CHECK_EQ_INT(proto_hl7.probe(a + 1, 20, DIR_TOSERVER), PROBE_NO); /* no MLLP frame */
    CHECK_EQ_INT(proto_hl7.probe((const uint8_t *)"\x0bMSHA", 5, DIR_TOSERVER), PROBE_NO);
}

static void test_truncation(void)
{
    char all[2048];
    size_t n = 0;
    memcpy(all, sample_hl7_adt, sizeof sample_hl7_adt - 1);
    n += sizeof sample_hl7_adt - 1;
    memcpy(all + n, sample_hl7_oru_hash, sizeof sample_hl7_oru_hash - 1);
    n += sizeof sample_hl7_oru_hash - 1;
    truncation_sweep(&proto_hl7, (const uint8_t *)all, n, DIR_TOSERVER);
    truncation_sweep(&proto_hl7, (const uint8_t *)sample_hl7_ack, sizeof sample_hl7_ack - 1,
                     DIR_TOCLIENT);
}

TEST_MAIN(TEST(test_exchange), TEST(test_separators_and_pipelining), TEST(test_gap_and_junk),
          TEST(test_probe), TEST(test_truncation))
