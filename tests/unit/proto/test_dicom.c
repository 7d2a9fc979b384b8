/*
 * DICOM upper layer and DIMSE parsing: an association's record, any
 * segmentation, reject, abort, holes in data sets, the probe, and the
 * truncation sweep. No patient value may reach a record.
 */
#include "proto/proto_dicom.h"
#include "proto/proto_dicom_uids.h"

#include "proto_test.h"
#include "util/cursor.h"

struct streams {
    uint8_t cli[8192], srv[8192];
    size_t cli_len, srv_len;
    size_t rq_len, ac_len;
};

/* RQ, AC, C-STORE-RQ + data, C-STORE-RSP (A700), C-ECHO-RQ/RSP, release. */
static void build_store(struct streams *s, size_t data_len)
{
    struct sample_buf c = {s->cli, 0, sizeof s->cli}, v = {s->srv, 0, sizeof s->srv};
    sample_dicom_assoc(&c, 1, "STORESCU", "PACS_MAIN");
    s->rq_len = c.len;
    sample_dicom_assoc(&v, 0, "STORESCU", "PACS_MAIN");
    s->ac_len = v.len;
    sample_dicom_command(&c, 1, 0x0001, 7, SAMPLE_CT, 0, 0, data_len);
    sample_dicom_command(&v, 1, 0x8001, 7, SAMPLE_CT, 1, 0xa700, 0);
    sample_dicom_command(&c, 3, 0x0030, 8, SAMPLE_ECHO, 0, 0, 0);
    sample_dicom_command(&v, 3, 0x8030, 8, SAMPLE_ECHO, 1, 0x0000, 0);
    sample_dicom_simple(&c, 0x05, 0, 0);
    sample_dicom_simple(&v, 0x06, 0, 0);
    s->cli_len = c.len;
    s->srv_len = v.len;
}

/* Plays the exchange in PDU order, each direction cut into pieces of
 * `piece` bytes. */
static void play(struct proto_session *ss, const struct streams *s, size_t piece)
{
    size_t ci = 0, si = 0;
    /* PDU by PDU, alternating: each response after its request */
    size_t cpos[5], spos[5];
    size_t nc = 0, ns = 0;
    for (size_t i = 0; i < s->cli_len;) {
        cpos[nc++] = i;
        i += 6 + get_be32(s->cli + i + 2);
    }
    for (size_t i = 0; i < s->srv_len;) {
        spos[ns++] = i;
        i += 6 + get_be32(s->srv + i + 2);
    }
    cpos[nc] = s->cli_len;
    spos[ns] = s->srv_len;
    for (size_t k = 0; k < nc || k < ns; k++) {
        if (k < nc) {
            for (ci = cpos[k]; ci < cpos[k + 1]; ci += piece) {
                size_t n = cpos[k + 1] - ci < piece ? cpos[k + 1] - ci : piece;
                proto_session_feed(ss, DIR_TOSERVER, 1000 + k, s->cli + ci, n);
            }
        }
        if (k < ns) {
            for (si = spos[k]; si < spos[k + 1]; si += piece) {
                size_t n = spos[k + 1] - si < piece ? spos[k + 1] - si : piece;
                proto_session_feed(ss, DIR_TOCLIENT, 2000 + k, s->srv + si, n);
            }
        }
    }
}

static void test_store(void)
{
    struct streams s;
    build_store(&s, 300);
    struct collect *c = collect_new();
    c->last_size[DICOM_EV_COMMAND] = sizeof(struct dicom_command_event);
    struct proto_session *ss = proto_session_new(&proto_dicom, collect_event, c);
    play(ss, &s, 100000);
    CHECK_EQ_INT(c->records, 1); /* written at the release, before the end */
    proto_session_free(ss);
    CHECK_EQ_INT(c->records, 1);
    CHECK_EQ_INT(c->events, 5); /* 4 commands and the association */
    CHECK(has(c, "\"event_type\":\"dicom\""));
    CHECK(has(c, "\"calling_ae\":\"STORESCU\",\"called_ae\":\"PACS_MAIN\""));
    CHECK(has(c, "\"association\":\"accepted\",\"ended\":\"release\""));
    CHECK(has(c, "\"sop_class\":\"CT Image Storage\",\"service\":\"storage\""));
    CHECK(has(c, "\"id\":5,\"abstract_syntax\":\"1.2.840.10008.5.1.4.1.2.2.1\""));
    CHECK(has(c, "\"result\":\"abstract-syntax-not-supported\""));
    CHECK(has(c, "\"transfer_syntaxes\":[\"1.2.840.10008.1.2.1\",\"1.2.840.10008.1.2\"]"));
    CHECK(has(c, "\"accepted_transfer_syntax\":\"1.2.840.10008.1.2\""));
    CHECK(has(c, "\"max_pdu_length\":{\"requestor\":16384,\"acceptor\":16384}"));
    CHECK(has(
        c, "\"class_uid\":\"1.2.276.0.7230010.3.0.3.6.7\",\"version_name\":\"OFFIS_DCMTK_367\""));
    CHECK(has(c,
              "\"user_identity\":{\"type\":\"username_and_passcode\",\"response_requested\":true"));
    CHECK(has(c, "\"command\":\"C-STORE\",\"sop_class_uid\":\"1.2.840.10008.5.1.4.1.1.2\","
                 "\"sop_class\":\"CT Image Storage\",\"requests\":1,\"responses\":1,"
                 "\"first_message_id\":7,\"last_message_id\":7,\"status\":{\"failure\":1}"));
    CHECK(has(c, "\"status\":\"0xA700\",\"category\":\"failure\",\"meaning\":\"Refused: out of "
                 "resources\""));
    CHECK(has(c, "\"command\":\"C-ECHO\""));
    CHECK(has(c, "\"status\":{\"success\":1}"));
    CHECK(has(c, "\"pdus\":{\"associate_rq\":1,\"associate_ac\":1,\"p_data_tf\":4,"
                 "\"release_rq\":1,\"release_rp\":1}"));
    CHECK(has(c, "\"data_set_bytes\":300"));
    CHECK(has(c, "\"cleartext\":true"));
    const struct dicom_command_event *ce = (const void *)c->last[DICOM_EV_COMMAND];
    CHECK_EQ_INT(ce->command_field, 0x8030);
    CHECK_EQ_INT(ce->message_id, 8);
    CHECK(ce->has_status && ce->status == 0);
    check_no_patient_data(c);

    /* Any segmentation gives the same record. */
    struct collect *c1 = collect_new();
    ss = proto_session_new(&proto_dicom, collect_event, c1);
    play(ss, &s, 1);
    proto_session_free(ss);
    CHECK_EQ_STR(c1->text, c->text);
    collect_free(c1);
    collect_free(c);
}

static void test_reject_and_abort(void)
{
    uint8_t cli[2048], srv[2048];
    struct sample_buf c = {cli, 0, sizeof cli}, v = {srv, 0, sizeof srv};
    sample_dicom_assoc(&c, 1, "ECHOSCU", "WRONG_AE");
    sample_dicom_simple(&v, 0x03, 1, 7);
    struct collect *k = collect_new();
    struct proto_session *ss = proto_session_new(&proto_dicom, collect_event, k);
    proto_session_feed(ss, DIR_TOSERVER, 1, cli, c.len);
    proto_session_feed(ss, DIR_TOCLIENT, 2, srv, v.len);
    proto_session_free(ss);
    CHECK(has(k, "\"called_ae\":\"WRONG_AE\",\"association\":\"rejected\",\"ended\":\"reject\""));
    CHECK(has(k, "\"reject\":{\"result\":\"rejected-permanent\",\"source\":\"service-user\","
                 "\"reason\":\"called-AE-title-not-recognized\"}"));
    CHECK(has(k, "\"result\":\"no-answer\""));
    collect_free(k);

    v.len = 0;
    sample_dicom_assoc(&v, 0, "ECHOSCU", "ANY");
    size_t ac = v.len;
    sample_dicom_simple(&v, 0x07, 2, 2);
    k = collect_new();
    ss = proto_session_new(&proto_dicom, collect_event, k);
    proto_session_feed(ss, DIR_TOSERVER, 1, cli, c.len);
    proto_session_feed(ss, DIR_TOCLIENT, 2, srv, ac);
    proto_session_feed(ss, DIR_TOCLIENT, 3, srv + ac, v.len - ac);
    proto_session_free(ss);
    CHECK(has(k, "\"ended\":\"abort\""));
    CHECK(has(k, "\"abort\":{\"source\":\"service-provider\",\"reason\":\"unexpected-PDU\","
                 "\"from\":\"acceptor\"}"));
    collect_free(k);
}

static void test_gaps(void)
{
    struct streams s;
    build_store(&s, 3000);
    /* A hole inside the data set: stepped over, the association goes on. */
    size_t store_at = s.rq_len;
    size_t cut = store_at + 400, hole = 1000;
    struct collect *k = collect_new();
    struct proto_session *ss = proto_session_new(&proto_dicom, collect_event, k);
    proto_session_feed(ss, DIR_TOSERVER, 1, s.cli, s.rq_len);
    proto_session_feed(ss, DIR_TOCLIENT, 2, s.srv, s.ac_len);
    proto_session_feed(ss, DIR_TOSERVER, 3, s.cli + store_at, cut - store_at);
    CHECK_EQ_INT(proto_session_gap(ss, DIR_TOSERVER, 4, hole), 0);
    proto_session_feed(ss, DIR_TOSERVER, 5, s.cli + cut + hole, s.cli_len - cut - hole);
    proto_session_feed(ss, DIR_TOCLIENT, 6, s.srv + s.ac_len, s.srv_len - s.ac_len);
    proto_session_free(ss);
    CHECK(has(k, "\"ended\":\"release\""));
    CHECK(has(k, "\"gaps\":1,\"gap_bytes\":1000"));
    CHECK(has(k, "\"command\":\"C-ECHO\""));
    collect_free(k);

    /* A hole in the association request: nothing to resynchronise on. */
    k = collect_new();
    ss = proto_session_new(&proto_dicom, collect_event, k);
    proto_session_feed(ss, DIR_TOSERVER, 1, s.cli, s.rq_len);
    proto_session_feed(ss, DIR_TOCLIENT, 2, s.srv, 10);
    CHECK_EQ_INT(proto_session_gap(ss, DIR_TOCLIENT, 3, 20), -1);
    proto_session_free(ss);
    CHECK(has(k, "\"ended\":\"gap\""));
    collect_free(k);
}

static void test_malformed(void)
{
    static const uint8_t bad[] = {0x09, 0, 0, 0, 0, 4, 1, 2, 3, 4};
    struct collect *k = collect_new();
    struct proto_session *ss = proto_session_new(&proto_dicom, collect_event, k);
    CHECK_EQ_INT(proto_session_feed(ss, DIR_TOSERVER, 1, bad, sizeof bad), -1);
    CHECK_EQ_INT(proto_session_feed(ss, DIR_TOSERVER, 1, bad, sizeof bad), -1); /* sticky */
    proto_session_free(ss);
    CHECK_EQ_INT(k->records, 0); /* no association was seen */
    collect_free(k);

    /* A PDV longer than its PDU. */
    uint8_t p[64];
    struct sample_buf b = {p, 0, sizeof p};
    sb_u8(&b, 4);
    sb_u8(&b, 0);
    sb_be32(&b, 10);
    sb_be32(&b, 50);
    sb_u8(&b, 1);
    sb_u8(&b, 3);
    k = collect_new();
    ss = proto_session_new(&proto_dicom, collect_event, k);
    CHECK_EQ_INT(proto_session_feed(ss, DIR_TOSERVER, 1, p, b.len), -1);
    proto_session_free(ss);
    CHECK(has(k, "\"ended\":\"malformed\""));
    collect_free(k);
}

static void test_probe(void)
{
    struct streams s;
    build_store(&s, 10);
    CHECK_EQ_INT(proto_dicom.probe(s.cli, s.rq_len, DIR_TOSERVER), PROBE_YES);
    CHECK_EQ_INT(proto_dicom.probe(s.srv, s.ac_len, DIR_TOCLIENT), PROBE_YES);
    CHECK_EQ_INT(proto_dicom.probe(s.cli, 20, DIR_TOSERVER), PROBE_MAYBE);
    CHECK_EQ_INT(proto_dicom.probe(s.cli + s.rq_len, 40, DIR_TOSERVER), PROBE_YES); /* P-DATA */
    static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03};
    CHECK_EQ_INT(proto_dicom.probe(tls, sizeof tls, DIR_TOSERVER), PROBE_NO);
    CHECK_EQ_INT(proto_dicom.probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, DIR_TOSERVER),
                 PROBE_NO);
    /* an RQ with a control character in an AE title is not DICOM */
    uint8_t bad[1024];
    memcpy(bad, s.cli, s.rq_len);
    bad[12] = 0x01;
    CHECK_EQ_INT(proto_dicom.probe(bad, s.rq_len, DIR_TOSERVER), PROBE_NO);
}

static void test_truncation(void)
{
    struct streams s;
    build_store(&s, 40);
    truncation_sweep(&proto_dicom, s.cli, s.cli_len, DIR_TOSERVER);
    truncation_sweep(&proto_dicom, s.srv, s.srv_len, DIR_TOCLIENT);
}

static void test_names(void)
{
    CHECK_EQ_STR(dicom_command_name(0x8021), "C-MOVE");
    CHECK_EQ_STR(dicom_command_name(0x0140), "N-CREATE");
    CHECK_EQ_STR(dicom_status_category(0xff00), "pending");
    CHECK_EQ_STR(dicom_status_category(0xb000), "warning");
    CHECK_EQ_STR(dicom_status_category(0xc123), "failure");
    CHECK_EQ_STR(dicom_status_meaning(0xa801), "Refused: move destination unknown");
    CHECK_EQ_STR(dicom_status_meaning(0xa9ff), "Error: data set does not match SOP class");
}

/* The UID table: each entry's length is its UID's, and each is found by
 * its own spelling and not by a prefix or an extension of it. */
static void test_uid_table(void)
{
    char buf[80];
    CHECK(dicom_uid_count() > 100);
    for (size_t i = 0; i < dicom_uid_count(); i++) {
        const struct dicom_uid *u = dicom_uid_at(i);
        CHECK_EQ_INT(u->uid_len, strlen(u->uid));
        CHECK_EQ_INT(dicom_uid_find(u->uid, u->uid_len), (int)i);
        CHECK(u->uid_len + 2 < sizeof buf);
        memcpy(buf, u->uid, u->uid_len);
        memcpy(buf + u->uid_len, ".9", 2);
        int j = dicom_uid_find(buf, u->uid_len + 2);
        CHECK(j < 0 || strcmp(dicom_uid_at((size_t)j)->uid, u->uid) != 0);
        CHECK(dicom_uid_find(u->uid, u->uid_len - 1) != (int)i);
    }
    CHECK_EQ_INT(dicom_uid_find("", 0), -1);
}

TEST_MAIN(TEST(test_uid_table), TEST(test_store), TEST(test_reject_and_abort), TEST(test_gaps),
          TEST(test_malformed), TEST(test_probe), TEST(test_truncation), TEST(test_names))
