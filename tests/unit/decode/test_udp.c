/* UDP header and length handling. */
#include "../test.h"

#include "decode_test.h"

static void udp_frame(struct fb *f, const char *payload)
{
    fb_init(f);
    fb_eth(f, 0x0800);
    size_t ip = fb_ipv4(f, 17);
    size_t u = fb_udp(f, 33333, 53);
    fb_text(f, payload);
    fb_udp_done(f, u);
    fb_ipv4_done(f, ip);
}

static void test_udp_fields(void)
{
    struct fb f;
    udp_frame(&f, "query");
    size_t need = f.n;
    fb_zero(&f, 60 - f.n);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.l4proto, 17);
    CHECK_EQ_INT(p.sport, 33333);
    CHECK_EQ_INT(p.dport, 53);
    CHECK(p.l4 == f.b + 34);
    CHECK_EQ_INT(p.l4_len, 13);
    CHECK(p.payload == f.b + 42);
    CHECK_EQ_INT(p.payload_len, 5);
    CHECK_EQ_INT(p.tcp_flags, 0);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_UDP], 1);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, need));
}

static void test_udp_shorter_than_ip(void)
{
    /* UDP length below the IP payload: the datagram ends where UDP says */
    struct fb f;
    udp_frame(&f, "query");
    f.b[34 + 5] = 10;
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.payload_len, 2);
    CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 0);
    decoder_free(d);
}

static void test_udp_malformed(void)
{
    struct fb f;
    udp_frame(&f, "query");
    f.b[34 + 5] = 7;
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_UDP_BAD_LEN));
    f.b[34 + 5] = 14;
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_UDP_BAD_LEN));

    udp_frame(&f, "");
    f.b[14 + 3] = 20 + 7;
    CHECK(td_expect(LINK_ETHERNET, f.b, 14 + 27, DECODE_ERROR, ANOM_UDP_TRUNCATED));

    /* cut by snaplen: the payload is what was captured */
    udp_frame(&f, "a longer query");
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(decode_packet(d, LINK_ETHERNET, f.b, 45, f.n, TD_TS, &p), DECODE_OK);
    CHECK_EQ_INT(p.payload_len, 3);
    CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 0);
    decoder_free(d);
}

TEST_MAIN(TEST(test_udp_fields), TEST(test_udp_shorter_than_ip), TEST(test_udp_malformed))
