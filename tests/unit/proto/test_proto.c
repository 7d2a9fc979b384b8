/*
 * The engine on packets: the probe decides (DICOM found on any port),
 * unclaimed flows get no state, reassembly feeds the parser across
 * reordered segments, the flow record's name, memory returned at the end.
 */
#include "proto/proto.h"

#include <netinet/in.h>

#include "proto/proto_dicom.h"
#include "proto_test.h"

struct rig {
    struct flow_table *ft;
    struct proto_engine *e;
    struct collect *c;
    const char *last_app; /* the name the flow record would carry */
};

static void rig_end(void *ctx, struct flow *f)
{
    struct rig *r = ctx;
    proto_flow_end(r->e, f);
    CHECK(f->proto == NULL);
    r->last_app = proto_flow_app_name(f);
}

static void rig_sink(void *ctx, const struct flow *f, const struct proto_parser *ps, unsigned kind,
                     const void *event)
{
    collect_event(ctx, f, ps, kind, event);
}

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    struct flow_limits lim;
    flow_limits_default(&lim);
    r->ft = flow_table_new(&lim, 0, rig_end, r);
    r->e = proto_engine_new(r->ft, NULL, NULL);
    r->c = collect_new();
    proto_engine_set_event_sink(r->e, rig_sink, r->c);
}

static void rig_free(struct rig *r)
{
    flow_table_free(r->ft);
    proto_engine_free(r->e);
    collect_free(r->c);
}

static struct flow *rig_pkt(struct rig *r, int to_client, uint16_t sport, uint16_t dport,
                            uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *p, size_t n)
{
    struct packet k;
    memset(&k, 0, sizeof k);
    k.ts_us = 1700000000000000ull;
    k.ip_version = 4;
    k.l4proto = IPPROTO_TCP;
    k.src_ip[0] = 10;
    k.src_ip[3] = to_client ? 2 : 1;
    k.dst_ip[0] = 10;
    k.dst_ip[3] = to_client ? 1 : 2;
    k.sport = to_client ? dport : sport;
    k.dport = to_client ? sport : dport;
    k.tcp_flags = flags;
    k.tcp_seq = seq;
    k.tcp_ack = ack;
    k.payload = p;
    k.payload_len = n;
    enum flow_dir dir;
    struct flow *f = flow_table_update(r->ft, &k, &dir);
    if (f)
        proto_packet(r->e, f, &k, dir);
    return f;
}

static void test_dicom_any_port_reordered(void)
{
    struct rig r;
    rig_init(&r);
    uint8_t rq[2048], ac[2048];
    struct sample_buf b = {rq, 0, sizeof rq}, v = {ac, 0, sizeof ac};
    sample_dicom_assoc(&b, 1, "MODALITY", "ARCHIVE");
    sample_dicom_assoc(&v, 0, "MODALITY", "ARCHIVE");
    size_t rel_at = b.len;
    sample_dicom_simple(&b, 0x05, 0, 0);
    size_t rp_at = v.len;
    sample_dicom_simple(&v, 0x06, 0, 0);
    const uint16_t cp = 50000, sp = 40404; /* not a DICOM port */
    uint64_t mem0 = flow_table_stats(r.ft)->memory;
    rig_pkt(&r, 0, cp, sp, TCP_SYN, 100, 0, NULL, 0);
    rig_pkt(&r, 1, cp, sp, TCP_SYN | TCP_ACK, 900, 101, NULL, 0);
    struct flow *f = rig_pkt(&r, 0, cp, sp, TCP_ACK, 101, 901, NULL, 0);
    /* the request in two segments: the head first, then the tail */
    size_t half = 100;
    rig_pkt(&r, 0, cp, sp, TCP_ACK, 101, 901, rq, half);
    CHECK(f->proto != NULL);
    CHECK_EQ_STR(proto_flow_app_name(f), "dicom");
    /* the AC's tail before its head: held, then delivered */
    rig_pkt(&r, 1, cp, sp, TCP_ACK, 901 + 60, 101 + half, ac + 60, rp_at - 60);
    rig_pkt(&r, 0, cp, sp, TCP_ACK, 101 + half, 901, rq + half, rel_at - half);
    rig_pkt(&r, 1, cp, sp, TCP_ACK, 901, 101 + rel_at, ac, 60);
    rig_pkt(&r, 0, cp, sp, TCP_ACK, 101 + rel_at, 901 + rp_at, rq + rel_at, b.len - rel_at);
    rig_pkt(&r, 1, cp, sp, TCP_ACK, 901 + rp_at, 101 + b.len, ac + rp_at, v.len - rp_at);
    CHECK_EQ_INT(r.c->records, 1);
    CHECK(has(r.c, "\"calling_ae\":\"MODALITY\",\"called_ae\":\"ARCHIVE\""));
    CHECK(has(r.c, "\"dest_port\":40404"));
    CHECK(has(r.c, "\"ended\":\"release\""));
    CHECK(has(r.c, "\"result\":\"acceptance\""));
    CHECK(proto_engine_stream_stats(r.e)->out_of_order >= 1);
    flow_table_flush(r.ft, FLOW_END_SHUTDOWN);
    CHECK_EQ_STR(r.last_app, "dicom");
    CHECK_EQ_INT(flow_table_stats(r.ft)->memory, mem0);
    CHECK_EQ_INT(proto_engine_stats(r.e)->parser[0].flows, 1);
    check_no_patient_data(r.c);
    rig_free(&r);
}

static void test_unclaimed_costs_nothing(void)
{
    struct rig r;
    rig_init(&r);
    static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00};
    struct flow *f = rig_pkt(&r, 0, 50001, 104, TCP_ACK, 1, 1, tls, sizeof tls);
    CHECK(f->proto == NULL);
    for (int i = 0; i < 20; i++)
        rig_pkt(&r, i & 1, 50001, 104, TCP_ACK, 1 + 10 * (uint32_t)i, 1, tls, sizeof tls);
    CHECK(f->proto == NULL);
    CHECK_EQ_INT(f->proto_id, PROTO_ID_NONE);
    CHECK_EQ_INT(proto_engine_stats(r.e)->flows_unclaimed, 1);
    flow_table_flush(r.ft, FLOW_END_SHUTDOWN);
    CHECK(r.last_app == NULL);
    rig_free(&r);
}

static void test_short_first_segment(void)
{
    /* "\x0bMS" alone: the probe says maybe, the flow is probed on its
     * reassembled start and then claimed. */
    struct rig r;
    rig_init(&r);
    const uint8_t *m = (const uint8_t *)sample_hl7_ack;
    size_t n = sizeof sample_hl7_ack - 1;
    struct flow *f = rig_pkt(&r, 0, 50002, 7777, TCP_ACK, 1, 1, m, 3);
    CHECK(f->proto != NULL);
    CHECK(proto_flow_app_name(f) == NULL);
    rig_pkt(&r, 0, 50002, 7777, TCP_ACK, 4, 1, m + 3, n - 3);
    CHECK_EQ_STR(proto_flow_app_name(f), "hl7");
    flow_table_flush(r.ft, FLOW_END_SHUTDOWN);
    CHECK_EQ_INT(r.c->records, 1);
    CHECK(has(r.c, "\"message_type\":\"ACK^A01^ACK\""));
    rig_free(&r);
}

static void test_short_then_long_segment(void)
{
    /* A maybe on 3 bytes, then one segment longer than the probe buffer:
     * the bytes past it reach the parser too. */
    struct rig r;
    rig_init(&r);
    static char m[6000];
    size_t n = (size_t)snprintf(m, sizeof m, "%s",
                                "\x0bMSH|^~\\&|LIS|LAB|HIS|HOSP|2026||ORU^R01|C1|P|2.5\r");
    for (int i = 0; i < 80; i++)
        n += (size_t)snprintf(m + n, sizeof m - n,
                              "OBX|%d|NM|8867-4^Heart rate^LN||72|/min|||||F|||20260115\r", i);
    n += (size_t)snprintf(m + n, sizeof m - n, "\x1c\r");
    CHECK(n > 4000);
    struct flow *f = rig_pkt(&r, 0, 50003, 7778, TCP_ACK, 1, 1, (const uint8_t *)m, 3);
    rig_pkt(&r, 0, 50003, 7778, TCP_ACK, 4, 1, (const uint8_t *)m + 3, n - 3);
    CHECK_EQ_STR(proto_flow_app_name(f), "hl7");
    flow_table_flush(r.ft, FLOW_END_SHUTDOWN);
    CHECK_EQ_INT(r.c->records, 1);
    CHECK(has(r.c, "\"segment_count\":81"));
    CHECK(!has(r.c, "\"truncated\""));
    rig_free(&r);
}

TEST_MAIN(TEST(test_dicom_any_port_reordered), TEST(test_unclaimed_costs_nothing),
          TEST(test_short_first_segment), TEST(test_short_then_long_segment))
