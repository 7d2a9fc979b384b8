#include "flow/flow_table.h"

#include <netinet/in.h>

#include "../test.h"

struct ended {
    uint64_t ids[64];
    uint8_t reasons[64];
    uint64_t pkts[64][2];
    int n;
};

static void on_end(void *ctx, struct flow *f)
{
    struct ended *e = ctx;
    if (e->n < 64) {
        e->ids[e->n] = f->id;
        e->reasons[e->n] = f->end_reason;
        e->pkts[e->n][0] = f->pkts[0];
        e->pkts[e->n][1] = f->pkts[1];
    }
    e->n++;
}

static struct packet pkt(uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst,
                         uint16_t dport, uint8_t flags, uint64_t ts)
{
    struct packet p;
    memset(&p, 0, sizeof p);
    p.ip_version = 4;
    p.l4proto = proto;
    p.src_ip[0] = (uint8_t)(src >> 24);
    p.src_ip[1] = (uint8_t)(src >> 16);
    p.src_ip[2] = (uint8_t)(src >> 8);
    p.src_ip[3] = (uint8_t)src;
    p.dst_ip[0] = (uint8_t)(dst >> 24);
    p.dst_ip[1] = (uint8_t)(dst >> 16);
    p.dst_ip[2] = (uint8_t)(dst >> 8);
    p.dst_ip[3] = (uint8_t)dst;
    p.sport = sport;
    p.dport = dport;
    p.tcp_flags = flags;
    p.ts_us = ts;
    p.wirelen = 100;
    return p;
}

#define A 0x0a000001u
#define B 0x0a000002u
#define S 1000000ull

static void test_both_directions(void)
{
    struct flow_limits lim;
    flow_limits_default(&lim);
    struct ended e = {0};
    struct flow_table *t = flow_table_new(&lim, 0, on_end, &e);
    enum flow_dir d;

    /* The server's address sorts lower than the client's: direction must
     * still follow who sent the SYN. */
    struct packet syn = pkt(IPPROTO_TCP, B, 40000, A, 104, TCP_SYN, 1 * S);
    struct packet synack = pkt(IPPROTO_TCP, A, 104, B, 40000, TCP_SYN | TCP_ACK, 1 * S + 10);
    struct packet ack = pkt(IPPROTO_TCP, B, 40000, A, 104, TCP_ACK, 1 * S + 20);
    struct flow *f1 = flow_table_update(t, &syn, &d);
    CHECK(f1 && d == DIR_TOSERVER);
    CHECK_EQ_INT(f1->state, FLOW_STATE_NEW);
    struct flow *f2 = flow_table_update(t, &synack, &d);
    CHECK(f2 == f1 && d == DIR_TOCLIENT);
    struct flow *f3 = flow_table_update(t, &ack, &d);
    CHECK(f3 == f1 && d == DIR_TOSERVER);
    CHECK_EQ_INT(f1->state, FLOW_STATE_ESTABLISHED);
    CHECK_EQ_INT(f1->pkts[DIR_TOSERVER], 2);
    CHECK_EQ_INT(f1->pkts[DIR_TOCLIENT], 1);
    CHECK_EQ_INT(f1->bytes[DIR_TOSERVER], 200);
    CHECK_EQ_INT(flow_table_stats(t)->active, 1);

    /* Another source port is another flow, with another id. */
    struct packet other = pkt(IPPROTO_TCP, B, 40001, A, 104, TCP_SYN, 2 * S);
    struct flow *g = flow_table_update(t, &other, &d);
    CHECK(g && g != f1 && g->id != f1->id);

    /* Same ports, UDP: a different flow. */
    struct packet udp = pkt(IPPROTO_UDP, B, 40000, A, 104, 0, 2 * S);
    CHECK(flow_table_update(t, &udp, &d) != f1);
    CHECK_EQ_INT(flow_table_stats(t)->created, 3);

    flow_table_free(t);
    CHECK_EQ_INT(e.n, 3);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(e.reasons[i], FLOW_END_SHUTDOWN);
}

static void test_synack_first(void)
{
    struct flow_limits lim;
    flow_limits_default(&lim);
    struct flow_table *t = flow_table_new(&lim, 0, NULL, NULL);
    enum flow_dir d;
    /* The SYN was missed: the sender of the SYN-ACK is the server. */
    struct packet synack = pkt(IPPROTO_TCP, A, 443, B, 50000, TCP_SYN | TCP_ACK, S);
    struct flow *f = flow_table_update(t, &synack, &d);
    CHECK(f && d == DIR_TOCLIENT);
    flow_table_free(t);
}

static void test_tcp_close_and_timeouts(void)
{
    struct flow_limits lim;
    flow_limits_default(&lim);
    struct ended e = {0};
    struct flow_table *t = flow_table_new(&lim, 0, on_end, &e);
    enum flow_dir d;

    struct packet p1 = pkt(IPPROTO_TCP, A, 1, B, 2, TCP_SYN, 10 * S);
    struct packet p2 = pkt(IPPROTO_TCP, B, 2, A, 1, TCP_SYN | TCP_ACK, 10 * S);
    struct packet p3 = pkt(IPPROTO_TCP, A, 1, B, 2, TCP_FIN | TCP_ACK, 11 * S);
    struct packet p4 = pkt(IPPROTO_TCP, B, 2, A, 1, TCP_FIN | TCP_ACK, 11 * S);
    flow_table_update(t, &p1, &d);
    flow_table_update(t, &p2, &d);
    flow_table_update(t, &p3, &d);
    struct flow *f = flow_table_update(t, &p4, &d);
    CHECK_EQ_INT(f->state, FLOW_STATE_CLOSED);

    /* A UDP flow and an RST-closed flow. */
    struct packet u = pkt(IPPROTO_UDP, A, 53, B, 5353, 0, 11 * S);
    flow_table_update(t, &u, &d);
    struct packet r = pkt(IPPROTO_TCP, A, 7, B, 8, TCP_RST, 11 * S);
    struct flow *rf = flow_table_update(t, &r, &d);
    CHECK_EQ_INT(rf->state, FLOW_STATE_CLOSED);

    /* Nothing is due before the closed timeout. */
    flow_table_expire(t, 11 * S + lim.timeout_us[FLOW_TMO_TCP_CLOSED] - 1);
    CHECK_EQ_INT(e.n, 0);
    flow_table_expire(t, 11 * S + lim.timeout_us[FLOW_TMO_TCP_CLOSED]);
    CHECK_EQ_INT(e.n, 2);
    CHECK_EQ_INT(e.reasons[0], FLOW_END_TCP);
    CHECK_EQ_INT(e.pkts[0][0], 2);
    CHECK_EQ_INT(e.pkts[0][1], 2);

    /* The UDP flow goes at its own timeout. */
    flow_table_expire(t, 11 * S + lim.timeout_us[FLOW_TMO_UDP] - 1);
    CHECK_EQ_INT(e.n, 2);
    flow_table_expire(t, 11 * S + lim.timeout_us[FLOW_TMO_UDP]);
    CHECK_EQ_INT(e.n, 3);
    CHECK_EQ_INT(e.reasons[2], FLOW_END_TIMEOUT);
    CHECK_EQ_INT(flow_table_stats(t)->active, 0);
    CHECK_EQ_INT(flow_table_stats(t)->ended_by[FLOW_END_TIMEOUT], 1);
    flow_table_free(t);
}

static void test_activity_postpones_timeout(void)
{
    struct flow_limits lim;
    flow_limits_default(&lim);
    struct ended e = {0};
    struct flow_table *t = flow_table_new(&lim, 0, on_end, &e);
    enum flow_dir d;
    uint64_t tmo = lim.timeout_us[FLOW_TMO_UDP];
    struct packet a = pkt(IPPROTO_UDP, A, 1000, B, 2000, 0, S);
    struct packet b = pkt(IPPROTO_UDP, A, 1001, B, 2000, 0, S + 1);
    flow_table_update(t, &a, &d);
    flow_table_update(t, &b, &d);
    a.ts_us = S + tmo / 2;
    flow_table_update(t, &a, &d); /* a is now the most recent */
    flow_table_expire(t, S + 1 + tmo);
    CHECK_EQ_INT(e.n, 1);
    CHECK_EQ_INT(e.ids[0], 2);
    flow_table_free(t);
}

static void test_icmp_request_reply_one_flow(void)
{
    struct flow_limits lim;
    flow_limits_default(&lim);
    struct flow_table *t = flow_table_new(&lim, 0, NULL, NULL);
    enum flow_dir d;
    struct packet req = pkt(IPPROTO_ICMP, A, 8, B, 0, 0, S);
    struct packet rep = pkt(IPPROTO_ICMP, B, 0, A, 0, 0, S + 5);
    struct flow *f = flow_table_update(t, &req, &d);
    CHECK(flow_table_update(t, &rep, &d) == f && d == DIR_TOCLIENT);
    flow_table_free(t);
}

static void test_memcap_evicts_oldest(void)
{
    struct flow_limits lim;
    flow_limits_default(&lim);
    /* Room for the bucket array and a handful of flows only. */
    lim.memcap = 4096 * sizeof(void *) + 64 + 10 * 256;
    struct ended e = {0};
    struct flow_table *t = flow_table_new(&lim, 0, on_end, &e);
    enum flow_dir d;
    for (uint16_t i = 0; i < 50; i++) {
        struct packet p = pkt(IPPROTO_UDP, A, (uint16_t)(1000 + i), B, 53, 0, S + i);
        CHECK(flow_table_update(t, &p, &d) != NULL);
        CHECK(flow_table_stats(t)->memory <= lim.memcap);
    }
    const struct flow_stats *st = flow_table_stats(t);
    CHECK(st->ended_by[FLOW_END_EVICTED] > 0);
    CHECK_EQ_INT(st->ended_by[FLOW_END_EVICTED] + st->active, 50);
    /* The evicted ones are the oldest: ids 1, 2, 3, ... in order. */
    for (int i = 0; i < e.n && i < 64; i++) {
        CHECK_EQ_INT(e.ids[i], i + 1);
        CHECK_EQ_INT(e.reasons[i], FLOW_END_EVICTED);
    }
    flow_table_free(t);
}

static void test_memcap_too_small(void)
{
    struct flow_limits lim;
    flow_limits_default(&lim);
    lim.memcap = 1; /* not even the table: every packet is a counted drop */
    struct flow_table *t = flow_table_new(&lim, 0, NULL, NULL);
    CHECK(t != NULL);
    enum flow_dir d;
    struct packet p = pkt(IPPROTO_UDP, A, 1, B, 2, 0, S);
    CHECK(flow_table_update(t, &p, &d) == NULL);
    CHECK_EQ_INT(flow_table_stats(t)->memcap_drops, 1);
    flow_table_free(t);
}

static void test_many_flows_grow(void)
{
    struct flow_limits lim;
    flow_limits_default(&lim);
    struct flow_table *t = flow_table_new(&lim, 1000, NULL, NULL);
    enum flow_dir d;
    for (uint32_t i = 0; i < 100000; i++) {
        struct packet p = pkt(IPPROTO_TCP, A + i, (uint16_t)(i & 0xffff), B, 80, TCP_SYN, S);
        struct flow *f = flow_table_update(t, &p, &d);
        CHECK(f && f->id == 1001 + i);
    }
    /* All still found after the table grew. */
    for (uint32_t i = 0; i < 100000; i += 997) {
        struct packet p = pkt(IPPROTO_TCP, B, 80, A + i, (uint16_t)(i & 0xffff), TCP_ACK, S);
        struct flow *f = flow_table_update(t, &p, &d);
        CHECK(f && f->id == 1001 + i && d == DIR_TOCLIENT);
    }
    CHECK_EQ_INT(flow_table_stats(t)->active, 100000);
    CHECK(flow_table_stats(t)->rehashes > 0);
    flow_table_free(t);
}

TEST_MAIN(TEST(test_both_directions), TEST(test_synack_first), TEST(test_tcp_close_and_timeouts),
          TEST(test_activity_postpones_timeout), TEST(test_icmp_request_reply_one_flow),
          TEST(test_memcap_evicts_oldest), TEST(test_memcap_too_small), TEST(test_many_flows_grow))
