/*
 * SMB: the version in use, dialects offered and chosen, commands, for
 * SMB1 and SMB2 over direct TCP and NetBIOS; AndX and compound chains;
 * multi-protocol negotiate; messages larger than the parser reads;
 * gaps and resynchronisation; the probe; the truncation sweep. No file,
 * share or user name may reach a record.
 */
#include "proto/proto_smb.h"

#include "proto_test.h"
#include "samples_smb.h"

static void feed(struct proto_session *s, int dir, const uint8_t *p, size_t n)
{
    proto_session_feed(s, dir ? DIR_TOCLIENT : DIR_TOSERVER, 1000000, p, n);
}

static void test_smb1_negotiate(void)
{
    struct collect *c = collect_new();
    c->last_size[SMB_EV_SESSION] = sizeof(struct smb_session_event);
    struct proto_session *s = proto_session_new(&proto_smb, collect_event, c);
    feed(s, 0, sample_smb1_negotiate_rq, sizeof sample_smb1_negotiate_rq);
    feed(s, 1, sample_smb1_negotiate_rsp, sizeof sample_smb1_negotiate_rsp);
    CHECK_EQ_INT(c->records, 0); /* one record per connection, at its end */
    proto_session_free(s);
    CHECK_EQ_INT(c->records, 1);
    CHECK(has(c, "\"event_type\":\"smb\""));
    CHECK(has(c, "\"smb\":{\"version\":1,\"dialect\":\"NT LM 0.12\",\"dialects_offered\":["
                 "\"PC NETWORK PROGRAM 1.0\",\"LANMAN1.0\",\"Windows for Workgroups 3.1a\","
                 "\"LM1.2X002\",\"LANMAN2.1\",\"NT LM 0.12\"],\"commands\":[\"NEGOTIATE\"],"
                 "\"messages_toserver\":1,\"messages_toclient\":1,\"errors\":0,\"signed\":false}"));
    const struct smb_session_event *ev = (const void *)c->last[SMB_EV_SESSION];
    CHECK_EQ_INT(ev->version, 1);
    CHECK_EQ_INT(ev->smb1_messages, 2);

    /* Byte by byte: the same record. */
    struct collect *c1 = collect_new();
    s = proto_session_new(&proto_smb, collect_event, c1);
    for (size_t i = 0; i < sizeof sample_smb1_negotiate_rq; i++)
        feed(s, 0, sample_smb1_negotiate_rq + i, 1);
    for (size_t i = 0; i < sizeof sample_smb1_negotiate_rsp; i++)
        feed(s, 1, sample_smb1_negotiate_rsp + i, 1);
    proto_session_free(s);
    CHECK_EQ_STR(c1->text, c->text);
    collect_free(c1);
    collect_free(c);
}

static void test_smb2_session(void)
{
    struct collect *c = collect_new();
    struct proto_session *s = proto_session_new(&proto_smb, collect_event, c);
    size_t n = sizeof sample_smb2_session / sizeof sample_smb2_session[0];
    for (size_t i = 0; i < n; i++)
        feed(s, sample_smb2_session[i].dir, sample_smb2_session[i].p, sample_smb2_session[i].len);
    /* the rest of the READ response, whatever it holds, is skipped by length */
    static const uint8_t filler[800];
    feed(s, 1, filler, sizeof filler);
    proto_session_free(s);
    CHECK_EQ_INT(c->records, 1);
    CHECK(has(c, "\"version\":3,\"dialect\":\"3.0.2\",\"dialects_offered\":[\"2.0.2\",\"2.1\","
                 "\"3.0\",\"3.0.2\"],\"commands\":[\"NEGOTIATE\",\"SESSION_SETUP\","
                 "\"TREE_CONNECT\",\"CREATE\",\"READ\"],\"messages_toserver\":6,"
                 "\"messages_toclient\":6,\"errors\":0"));
    CHECK(!has(c, "truncated"));
    /* the user, share and file names crossed; none is in the record */
    CHECK(!has(c, "radtech"));
    CHECK(!has(c, "shared"));
    CHECK(!has(c, "Protocols"));
    check_no_patient_data(c);
    collect_free(c);
}

/* Builds a direct-TCP message around an SMB2 header of command cmd. */
static size_t smb2_msg(uint8_t *o, uint16_t cmd, uint32_t flags, uint32_t status, uint32_t next,
                       size_t body)
{
    size_t n = 64 + body;
    memset(o, 0, 4 + n);
    o[1] = (uint8_t)(n >> 16);
    o[2] = (uint8_t)(n >> 8);
    o[3] = (uint8_t)n;
    uint8_t *h = o + 4;
    memcpy(h, "\xfeSMB", 4);
    h[4] = 64;
    memcpy(h + 8,
           &(uint8_t[4]){(uint8_t)status, (uint8_t)(status >> 8), (uint8_t)(status >> 16),
                         (uint8_t)(status >> 24)},
           4);
    h[12] = (uint8_t)cmd;
    h[16] = (uint8_t)flags;
    h[20] = (uint8_t)next;
    return 4 + n;
}

static void test_multiprotocol_and_compound(void)
{
    /* An SMB1 NEGOTIATE offering SMB 2.???, answered by an SMB2 NEGOTIATE
     * response with dialect 0x02FF: SMB2 is in use, not SMB1. */
    uint8_t rq[128], rsp[160];
    static const char d[] = "\x02NT LM 0.12\0\x02SMB 2.002\0\x02SMB 2.???";
    size_t bc = sizeof d;
    size_t n = 32 + 3 + bc;
    memset(rq, 0, sizeof rq);
    rq[3] = (uint8_t)n;
    memcpy(rq + 4, "\xffSMB\x72", 5);
    rq[4 + 32] = 0;
    rq[4 + 33] = (uint8_t)bc;
    memcpy(rq + 4 + 35, d, bc);
    size_t rl = smb2_msg(rsp, 0, 1, 0, 0, 65);
    rsp[4 + 64] = 65;
    rsp[4 + 68] = 0xff;
    rsp[4 + 69] = 0x02;
    struct collect *c = collect_new();
    struct proto_session *s = proto_session_new(&proto_smb, collect_event, c);
    feed(s, 0, rq, 4 + n);
    feed(s, 1, rsp, rl);
    /* Then a compound CREATE + READ + CLOSE in one transport message
     * (each message built whole, the next one's transport header landing
     * in the previous body), and an error answer. */
    uint8_t comp[4 + 3 * 72];
    smb2_msg(comp, 5, 0, 0, 72, 8);
    smb2_msg(comp + 72, 8, 4, 0, 72, 8);
    smb2_msg(comp + 144, 6, 4, 0, 0, 8);
    comp[1] = 0;
    comp[2] = 0;
    comp[3] = 3 * 72;
    feed(s, 0, comp, sizeof comp);
    uint8_t err[4 + 73];
    size_t el = smb2_msg(err, 5, 1, 0xc0000034u /* OBJECT_NAME_NOT_FOUND */, 0, 9);
    feed(s, 1, err, el);
    proto_session_free(s);
    CHECK(has(c, "\"version\":2,\"dialect\":\"2.???\",\"dialects_offered\":[\"NT LM 0.12\","
                 "\"SMB 2.002\",\"SMB 2.???\"],\"commands\":[\"NEGOTIATE\",\"CREATE\",\"CLOSE\","
                 "\"READ\"],\"messages_toserver\":2,\"messages_toclient\":2,\"errors\":1"));
    collect_free(c);
}

static void test_netbios_and_gap(void)
{
    /* Port 139: session request and positive response, then SMB1. */
    uint8_t req[72] = {0x81, 0, 0, 68, 0x20};
    memset(req + 5, 'A', 32);
    req[37] = 0;
    req[38] = 0x20;
    memset(req + 39, 'B', 32);
    static const uint8_t ok[4] = {0x82, 0, 0, 0};
    static const uint8_t keepalive[4] = {0x85, 0, 0, 0};
    CHECK_EQ_INT(proto_smb.probe(req, sizeof req, DIR_TOSERVER), PROBE_YES);
    struct collect *c = collect_new();
    struct proto_session *s = proto_session_new(&proto_smb, collect_event, c);
    feed(s, 0, req, sizeof req);
    feed(s, 1, ok, sizeof ok);
    feed(s, 0, keepalive, sizeof keepalive);
    feed(s, 0, sample_smb1_negotiate_rq, sizeof sample_smb1_negotiate_rq);
    /* A hole inside the response: the parser finds the next header. */
    feed(s, 1, sample_smb1_negotiate_rsp, 10);
    proto_session_gap(s, DIR_TOCLIENT, 1000000, sizeof sample_smb1_negotiate_rsp - 10);
    static const uint8_t junk[] = {1, 2, 3, 0, 0, 0, 9, 9, 9, 9, 0xfe};
    feed(s, 1, junk, sizeof junk);
    feed(s, 1, sample_smb1_negotiate_rsp, sizeof sample_smb1_negotiate_rsp);
    proto_session_free(s);
    CHECK(has(c, "\"version\":1,\"dialect\":\"NT LM 0.12\""));
    CHECK(has(c, "\"netbios_session\":true,\"truncated\":true"));
    collect_free(c);
}

static void test_probe(void)
{
    const uint8_t *p = sample_smb2_negotiate_rq;
    CHECK_EQ_INT(proto_smb.probe(p, sizeof sample_smb2_negotiate_rq, DIR_TOSERVER), PROBE_YES);
    CHECK_EQ_INT(proto_smb.probe(p, 6, DIR_TOSERVER), PROBE_MAYBE);
    CHECK_EQ_INT(proto_smb.probe(p, 3, DIR_TOSERVER), PROBE_MAYBE);
    CHECK_EQ_INT(proto_smb.probe(sample_smb1_negotiate_rsp, 8, DIR_TOCLIENT), PROBE_YES);
    static const uint8_t http[] = "GET / HTTP/1.1\r\n";
    CHECK_EQ_INT(proto_smb.probe(http, sizeof http - 1, DIR_TOSERVER), PROBE_NO);
    static const uint8_t nosmb[] = {0, 0, 0, 40, 0xfe, 'S', 'M', 'X'};
    CHECK_EQ_INT(proto_smb.probe(nosmb, sizeof nosmb, DIR_TOSERVER), PROBE_NO);
    static const uint8_t rsp81[] = {0x82, 0, 0, 0};
    CHECK_EQ_INT(proto_smb.probe(rsp81, sizeof rsp81, DIR_TOCLIENT), PROBE_NO);
}

static void test_truncation(void)
{
    uint8_t all[4096];
    size_t n = 0;
    size_t k = sizeof sample_smb2_session / sizeof sample_smb2_session[0];
    for (size_t i = 0; i < k && n + sample_smb2_session[i].len <= sizeof all; i++) {
        if (sample_smb2_session[i].dir == 0) {
            memcpy(all + n, sample_smb2_session[i].p, sample_smb2_session[i].len);
            n += sample_smb2_session[i].len;
        }
    }
    truncation_sweep(&proto_smb, all, n, DIR_TOSERVER);
    truncation_sweep(&proto_smb, sample_smb1_negotiate_rq, sizeof sample_smb1_negotiate_rq,
                     DIR_TOSERVER);
    truncation_sweep(&proto_smb, sample_smb1_negotiate_rsp, sizeof sample_smb1_negotiate_rsp,
                     DIR_TOCLIENT);
    truncation_sweep(&proto_smb, sample_smb2_negotiate_rsp, sizeof sample_smb2_negotiate_rsp,
                     DIR_TOCLIENT);
}

TEST_MAIN(TEST(test_smb1_negotiate), TEST(test_smb2_session), TEST(test_multiprotocol_and_compound),
          TEST(test_netbios_and_gap), TEST(test_probe), TEST(test_truncation))
