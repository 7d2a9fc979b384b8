/*
 * FHIR over HTTP: interactions from request targets (never the id or the
 * query), statuses, content types, cleartext credentials (scheme only),
 * bodies by length and by chunks, pipelining, the probe, the truncation
 * sweep.
 */
#include "proto/proto_fhir.h"

#include "proto_test.h"

static void feed_str(struct proto_session *s, enum flow_dir d, const char *p)
{
    proto_session_feed(s, d, 1000, (const uint8_t *)p, strlen(p));
}

static void test_exchanges(void)
{
    struct collect *c = collect_new();
    struct proto_session *s = proto_session_new(&proto_fhir, collect_event, c);
    feed_str(s, DIR_TOSERVER, sample_fhir_get);
    feed_str(s, DIR_TOCLIENT, sample_fhir_get_rsp);
    feed_str(s, DIR_TOSERVER, sample_fhir_post);
    feed_str(s, DIR_TOCLIENT, sample_fhir_post_rsp);
    CHECK_EQ_INT(c->records, 2);
    proto_session_free(s);
    CHECK(has(c,
              "\"fhir\":{\"method\":\"GET\",\"resource_type\":\"Patient\",\"interaction\":\"read\","
              "\"instance\":true,\"query\":false,\"status\":200,"
              "\"response_content_type\":\"application/fhir+json\""));
    CHECK(has(c, "\"authorization\":\"Bearer\",\"cleartext_credentials\":true"));
    CHECK(
        has(c, "\"method\":\"POST\",\"resource_type\":\"Observation\",\"interaction\":\"create\""));
    CHECK(has(c, "\"status\":201,\"request_content_type\":\"application/fhir+xml\""));
    CHECK(has(c, "\"format\":\"xml\""));
    CHECK(has(c, "\"authorization\":\"Basic\""));
    check_no_patient_data(c);
    collect_free(c);
}

struct target_case {
    const char *method, *target, *type, *interaction;
};

static void test_interactions(void)
{
    static const struct target_case cases[] = {
        {"GET", "/fhir/Patient?identifier=DEMO000123", "Patient", "search"},
        {"GET", "/baseR4/Observation/DEMO000123/_history/2", "Observation", "vread"},
        {"GET", "/fhir/Patient/DEMO000123/_history", "Patient", "history"},
        {"PUT", "/fhir/Patient/DEMO000123", "Patient", "update"},
        {"PATCH", "/fhir/Patient/DEMO000123", "Patient", "patch"},
        {"DELETE", "/fhir/Encounter/DEMO000123", "Encounter", "delete"},
        {"POST", "/fhir/Observation/_search", "Observation", "search"},
        {"GET", "/fhir/Patient/DEMO000123/$everything", "Patient", "operation"},
        {"GET", "/fhir/Patient/DEMO000123/Observation?code=8867-4", "Observation", "search"},
        {"GET", "/fhir/metadata", "", "capabilities"},
        {"POST", "/fhir", "", "batch"},
        {"POST", "/fhir/$process-message", "", "operation"},
        {"GET", "http://fhir01:8080/fhir/Condition?patient=DEMO000123", "Condition", "search"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char req[512];
        snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: x\r\n\r\n", cases[i].method,
                 cases[i].target);
        struct collect *c = collect_new();
        struct proto_session *s = proto_session_new(&proto_fhir, collect_event, c);
        feed_str(s, DIR_TOSERVER, req);
        feed_str(s, DIR_TOCLIENT, "HTTP/1.1 204 No Content\r\n\r\n");
        proto_session_free(s);
        char want[128];
        snprintf(want, sizeof want, "\"interaction\":\"%s\"", cases[i].interaction);
        if (!has(c, want) || (cases[i].type[0] && !strstr(c->text, cases[i].type)))
            fprintf(stderr, "case %zu: %s", i, c->text);
        CHECK(has(c, want));
        if (cases[i].type[0]) {
            snprintf(want, sizeof want, "\"resource_type\":\"%s\"", cases[i].type);
            CHECK(has(c, want));
        }
        check_no_patient_data(c);
        collect_free(c);
    }
}

static void test_pipelining_and_interim(void)
{
    struct collect *c = collect_new();
    struct proto_session *s = proto_session_new(&proto_fhir, collect_event, c);
    feed_str(s, DIR_TOSERVER,
             "GET /fhir/Patient/1 HTTP/1.1\r\n\r\nHEAD /fhir/Patient/2 HTTP/1.1\r\n\r\n"
             "DELETE /fhir/Patient/3 HTTP/1.1\r\n\r\n");
    feed_str(s, DIR_TOCLIENT,
             "HTTP/1.1 100 Continue\r\n\r\n"
             "HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope!"
             "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n"
             "HTTP/1.1 410 Gone\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    proto_session_free(s);
    CHECK_EQ_INT(c->records, 3);
    CHECK(has(c, "\"interaction\":\"read\",\"instance\":true,\"query\":false,\"status\":404"));
    CHECK(has(c, "\"method\":\"HEAD\""));
    CHECK(has(c, "\"status\":200"));
    CHECK(has(c, "\"interaction\":\"delete\",\"instance\":true,\"query\":false,\"status\":410"));
    collect_free(c);
}

static void test_not_fhir(void)
{
    struct collect *c = collect_new();
    struct proto_session *s = proto_session_new(&proto_fhir, collect_event, c);
    feed_str(s, DIR_TOSERVER, "GET /favicon.ico HTTP/1.1\r\n\r\n");
    feed_str(s, DIR_TOCLIENT,
             "HTTP/1.1 200 OK\r\nContent-Type: image/x-icon\r\nContent-Length: 2\r\n\r\nab");
    proto_session_free(s);
    CHECK_EQ_INT(c->records, 0);
    collect_free(c);

    c = collect_new();
    s = proto_session_new(&proto_fhir, collect_event, c);
    CHECK_EQ_INT(
        proto_session_feed(s, DIR_TOSERVER, 1, (const uint8_t *)"\x16\x03\x01zzzz\r\n\r\n", 11),
        -1);
    proto_session_free(s);
    collect_free(c);
}

static void test_probe(void)
{
    const uint8_t *g = (const uint8_t *)sample_fhir_get;
    CHECK_EQ_INT(proto_fhir.probe(g, strlen(sample_fhir_get), DIR_TOSERVER), PROBE_YES);
    CHECK_EQ_INT(proto_fhir.probe(g, 3, DIR_TOSERVER), PROBE_MAYBE);
    const char *plain = "GET /index.html HTTP/1.1\r\nHost: www\r\n\r\n";
    CHECK_EQ_INT(proto_fhir.probe((const uint8_t *)plain, strlen(plain), DIR_TOSERVER), PROBE_NO);
    const char *ct = "POST /api/v1 HTTP/1.1\r\nContent-Type: application/fhir+json\r\n\r\n";
    CHECK_EQ_INT(proto_fhir.probe((const uint8_t *)ct, strlen(ct), DIR_TOSERVER), PROBE_YES);
    CHECK_EQ_INT(proto_fhir.probe((const uint8_t *)sample_fhir_get_rsp, 80, DIR_TOCLIENT),
                 PROBE_YES);
}

static void test_truncation(void)
{
    char all[2048];
    snprintf(all, sizeof all, "%s%s", sample_fhir_get, sample_fhir_post);
    truncation_sweep(&proto_fhir, (const uint8_t *)all, strlen(all), DIR_TOSERVER);
    snprintf(all, sizeof all, "%s%s", sample_fhir_get_rsp, sample_fhir_post_rsp);
    truncation_sweep(&proto_fhir, (const uint8_t *)all, strlen(all), DIR_TOCLIENT);
}

TEST_MAIN(TEST(test_exchanges), TEST(test_interactions), TEST(test_pipelining_and_interim),
          TEST(test_not_fhir), TEST(test_probe), TEST(test_truncation))
