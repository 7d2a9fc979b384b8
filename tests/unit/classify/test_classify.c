#include "classify/classify.h"

#include <netinet/in.h>

#include "../test.h"
#include "proto/proto.h"

/* Builds an IPv4 packet (header + l4 + payload) in buf and the matching
 * struct packet, as the decoder would. */
static size_t build_ipv4(uint8_t *buf, struct packet *p, uint8_t proto, uint16_t sport,
                         uint16_t dport, uint8_t flags, const char *payload, uint64_t ts)
{
    size_t plen = strlen(payload);
    size_t l4len = proto == IPPROTO_TCP ? 20 : 8;
    size_t total = 20 + l4len + plen;
    memset(buf, 0, 20 + l4len);
    buf[0] = 0x45;
    buf[2] = (uint8_t)(total >> 8);
    buf[3] = (uint8_t)total;
    buf[8] = 64;
    buf[9] = proto;
    uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
    memcpy(buf + 12, src, 4);
    memcpy(buf + 16, dst, 4);
    uint8_t *l4 = buf + 20;
    l4[0] = (uint8_t)(sport >> 8);
    l4[1] = (uint8_t)sport;
    l4[2] = (uint8_t)(dport >> 8);
    l4[3] = (uint8_t)dport;
    if (proto == IPPROTO_TCP) {
        l4[12] = 5 << 4;
        l4[13] = flags;
        l4[14] = 0xff;
    } else {
        l4[4] = (uint8_t)((8 + plen) >> 8);
        l4[5] = (uint8_t)(8 + plen);
    }
    memcpy(l4 + l4len, payload, plen);

    memset(p, 0, sizeof *p);
    p->ts_us = ts;
    p->ip_version = 4;
    p->l4proto = proto;
    memcpy(p->src_ip, src, 4);
    memcpy(p->dst_ip, dst, 4);
    p->sport = sport;
    p->dport = dport;
    p->tcp_flags = flags;
    p->l3 = buf;
    p->l3_len = total;
    p->l4 = l4;
    p->l4_len = l4len + plen;
    p->payload = l4 + l4len;
    p->payload_len = plen;
    p->wirelen = total + 14;
    return total;
}

static void test_http_detected_and_state_freed(void)
{
    struct flow_limits fl;
    flow_limits_default(&fl);
    struct flow_table *t = flow_table_new(&fl, 0, NULL, NULL);
    struct classify_limits cl;
    classify_limits_default(&cl);
    struct classifier *c = classifier_new(&cl, t);
    CHECK(c != NULL);
    uint64_t base = flow_table_stats(t)->memory;

    uint8_t buf[1500];
    struct packet p;
    enum flow_dir d;
    const char *req = "GET /fhir/Patient/123?name=YAMADA HTTP/1.1\r\nHost: ehr.example.jp\r\n"
                      "User-Agent: MedViewer/2.1\r\nAccept: */*\r\n\r\n";
    const char *rsp = "HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
                      "Content-Length: 2\r\n\r\n{}";
    build_ipv4(buf, &p, IPPROTO_TCP, 50000, 80, TCP_PSH | TCP_ACK, req, 1000000);
    struct flow *f = flow_table_update(t, &p, &d);
    classify_packet(c, f, &p);
    CHECK(f->ndpi != NULL || f->cls_state == CLASSIFY_DONE);
    for (int i = 0; i < 4 && f->cls_state != CLASSIFY_DONE; i++) {
        uint8_t rbuf[1500];
        struct packet r;
        build_ipv4(rbuf, &r, IPPROTO_TCP, 80, 50000, TCP_PSH | TCP_ACK, rsp, 1000100);
        memcpy(r.src_ip, p.dst_ip, 16);
        memcpy(r.dst_ip, p.src_ip, 16);
        rbuf[12] = 10, rbuf[13] = 0, rbuf[14] = 0, rbuf[15] = 2;
        rbuf[16] = 10, rbuf[17] = 0, rbuf[18] = 0, rbuf[19] = 1;
        f = flow_table_update(t, &r, &d);
        classify_packet(c, f, &r);
    }
    classify_flow_end(c, f);
    CHECK(f->ndpi == NULL);
    CHECK_EQ_INT(f->cls_state, CLASSIFY_DONE);
    char name[64];
    classify_proto_name(c, f, name, sizeof name);
    CHECK_EQ_STR(name, "HTTP");

    const uint8_t *v;
    int n = classify_meta_get(f, META_HOST, &v);
    CHECK(n == (int)strlen("ehr.example.jp") && memcmp(v, "ehr.example.jp", (size_t)n) == 0);
    n = classify_meta_get(f, META_HTTP_URL, &v);
    /* nDPI keeps host and path; the query string, which may carry
     * patient data, is not kept. */
    const char *url = "ehr.example.jp/fhir/Patient/123";
    CHECK(n == (int)strlen(url) && memcmp(v, url, (size_t)n) == 0);
    n = classify_meta_get(f, META_HTTP_UA, &v);
    CHECK(n == (int)strlen("MedViewer/2.1"));
    CHECK_EQ_INT(classify_meta_get(f, META_SSH_CLIENT, &v), -1);

    /* Only the flow and its metadata remain charged. */
    uint64_t mem = flow_table_stats(t)->memory;
    CHECK(mem > base && mem - base <= 176u + 64u + f->meta_len);
    classify_flow_release(c, f);
    CHECK(f->meta == NULL);
    CHECK_EQ_INT(classifier_stats(c)->flows_detected, 1);

    flow_table_free(t);
    classifier_free(c);
}

static void test_dns_query(void)
{
    struct flow_limits fl;
    flow_limits_default(&fl);
    struct flow_table *t = flow_table_new(&fl, 0, NULL, NULL);
    struct classify_limits cl;
    classify_limits_default(&cl);
    struct classifier *c = classifier_new(&cl, t);
    /* A standard query for pacs.hospital.local, type A. */
    const char q[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                     "\x04pacs\x08hospital\x05local\x00\x00\x01\x00\x01";
    uint8_t buf[512];
    struct packet p;
    enum flow_dir d;
    /* build_ipv4 takes a C string; the query has NULs, so copy by hand. */
    build_ipv4(buf, &p, IPPROTO_UDP, 40000, 53, 0, "", 1000000);
    memcpy(buf + 28, q, sizeof q - 1);
    p.payload_len = sizeof q - 1;
    p.l3_len = 28 + sizeof q - 1;
    p.l4_len = 8 + sizeof q - 1;
    buf[2] = 0, buf[3] = (uint8_t)p.l3_len;
    buf[24] = 0, buf[25] = (uint8_t)p.l4_len;
    struct flow *f = flow_table_update(t, &p, &d);
    classify_packet(c, f, &p);
    classify_flow_end(c, f);
    char name[64];
    classify_proto_name(c, f, name, sizeof name);
    CHECK_EQ_STR(name, "DNS");
    const uint8_t *v;
    int n = classify_meta_get(f, META_HOST, &v);
    CHECK(n == (int)strlen("pacs.hospital.local") &&
          memcmp(v, "pacs.hospital.local", (size_t)n) == 0);
    classify_flow_release(c, f);
    flow_table_free(t);
    classifier_free(c);
}

static void test_unknown_gives_up_with_guess(void)
{
    struct flow_limits fl;
    flow_limits_default(&fl);
    struct flow_table *t = flow_table_new(&fl, 0, NULL, NULL);
    struct classify_limits cl;
    classify_limits_default(&cl);
    struct classifier *c = classifier_new(&cl, t);
    uint8_t buf[1500];
    struct packet p;
    enum flow_dir d;
    struct flow *f = NULL;
    /* Opaque bytes on an unassigned port: nDPI never decides, so after
     * the UDP bound the flow is given up and its state freed. */
    for (int i = 0; i <= cl.max_udp_packets + 1; i++) {
        build_ipv4(buf, &p, IPPROTO_UDP, 41234, 47999, 0, "\x01\x7f\x33zzqq", 1000000 + (uint64_t)i);
        f = flow_table_update(t, &p, &d);
        classify_packet(c, f, &p);
    }
    CHECK_EQ_INT(f->cls_state, CLASSIFY_DONE);
    CHECK(f->ndpi == NULL);
    CHECK(classifier_stats(c)->packets <= (uint64_t)cl.max_udp_packets + 1);
    char name[64];
    classify_proto_name(c, f, name, sizeof name);
    CHECK_EQ_STR(name, "Unknown");
    flow_table_free(t);
    classifier_free(c);
}

/* proto_id of the registered parser called name. */
static uint8_t parser_id(const char *name)
{
    size_t n;
    const struct proto_parser *const *ps = proto_registry(&n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ps[i]->name, name) == 0)
            return (uint8_t)(i + 1);
    }
    return 0;
}

static void test_claimed_flow_not_fed(void)
{
    struct flow_limits fl;
    flow_limits_default(&fl);
    struct flow_table *t = flow_table_new(&fl, 0, NULL, NULL);
    struct classify_limits cl;
    classify_limits_default(&cl);
    struct classifier *c = classifier_new(&cl, t);
    uint8_t buf[1500];
    struct packet p;
    enum flow_dir d;
    char name[64];
    uint8_t hl7 = parser_id("hl7"), fhir = parser_id("fhir");
    CHECK(hl7 != 0 && fhir != 0);
    /* An MLLP frame that the HL7 parser claims (proto/ runs first and sets
     * proto_id): nDPI has no HL7 dissector, so it never sees the flow's
     * payload; its state goes and the verdict is what it had. */
    const char *msg = "\x0bMSH|^~\\&|RIS|HOSP|PACS|HOSP|20260115090000||ORM^O01|1|P|2.5\r\x1c\r";
    build_ipv4(buf, &p, IPPROTO_TCP, 40001, 2575, TCP_SYN, "", 1000000);
    struct flow *f = flow_table_update(t, &p, &d);
    classify_packet(c, f, &p);
    CHECK_EQ_INT(f->cls_state, CLASSIFY_RUNNING);
    CHECK(f->ndpi != NULL);
    uint64_t fed = classifier_stats(c)->packets;
    CHECK_EQ_INT(fed, 1);
    CHECK(flow_table_stats(t)->scratch > 0);
    build_ipv4(buf, &p, IPPROTO_TCP, 40001, 2575, TCP_PSH | TCP_ACK, msg, 1000100);
    f = flow_table_update(t, &p, &d);
    f->proto_id = hl7;
    classify_packet(c, f, &p);
    CHECK_EQ_INT(f->cls_state, CLASSIFY_DONE);
    CHECK(f->ndpi == NULL);
    CHECK_EQ_INT(flow_table_stats(t)->scratch, 0);
    CHECK_EQ_INT(classifier_stats(c)->packets, fed);
    classify_proto_name(c, f, name, sizeof name);
    CHECK_EQ_STR(name, "Unknown");
    classify_packet(c, f, &p);
    CHECK_EQ_INT(classifier_stats(c)->packets, fed);

    /* A parser of a protocol nDPI knows (FHIR over HTTP): nDPI gets the
     * packet of the claim, which names the flow, and then no more. */
    const char *req = "GET /fhir/Patient/1 HTTP/1.1\r\nHost: fhir.hospital.local\r\n\r\n";
    build_ipv4(buf, &p, IPPROTO_TCP, 40003, 8080, TCP_PSH | TCP_ACK, req, 1000300);
    struct flow *h = flow_table_update(t, &p, &d);
    h->proto_id = fhir;
    classify_packet(c, h, &p);
    CHECK_EQ_INT(classifier_stats(c)->packets, fed + 1);
    CHECK_EQ_INT(h->cls_state, CLASSIFY_DONE);
    CHECK(h->ndpi == NULL);
    CHECK_EQ_STR(classify_master_name(c, h), "HTTP");
    build_ipv4(buf, &p, IPPROTO_TCP, 40003, 8080, TCP_PSH | TCP_ACK, req, 1000400);
    h = flow_table_update(t, &p, &d);
    classify_packet(c, h, &p);
    CHECK_EQ_INT(classifier_stats(c)->packets, fed + 1);

    /* A flow no parser will take (PROTO_ID_NONE) is fed as before. */
    build_ipv4(buf, &p, IPPROTO_TCP, 40002, 2575, TCP_PSH | TCP_ACK, msg, 1000200);
    struct flow *g = flow_table_update(t, &p, &d);
    g->proto_id = PROTO_ID_NONE;
    classify_packet(c, g, &p);
    CHECK_EQ_INT(classifier_stats(c)->packets, fed + 2);
    CHECK(g->ndpi != NULL);
    classify_flow_end(c, g);
    classify_flow_release(c, g);
    classify_flow_release(c, h);
    classify_flow_release(c, f);
    flow_table_free(t);
    classifier_free(c);
}

TEST_MAIN(TEST(test_http_detected_and_state_freed), TEST(test_dns_query),
          TEST(test_unknown_gives_up_with_guess), TEST(test_claimed_flow_not_fed))
