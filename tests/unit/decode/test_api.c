/* decode.c: the public surface, raw IP link types, IP-in-IP. */
#include "../test.h"

#include <ctype.h>

#include "decode_test.h"

static void test_api_names(void)
{
    for (int i = 0; i < DECODE_LAYER_COUNT; i++) {
        const char *n = decode_layer_name((enum decode_layer)i);
        CHECK(strcmp(n, "unknown") != 0);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(n, decode_layer_name((enum decode_layer)j)) != 0);
    }
    for (int i = 0; i < DECODE_ANOMALY_COUNT; i++) {
        const char *n = decode_anomaly_name((enum decode_anomaly)i);
        CHECK(strcmp(n, "unknown") != 0);
        for (const char *c = n; *c; c++)
            CHECK(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_');
        for (int j = 0; j < i; j++)
            CHECK(strcmp(n, decode_anomaly_name((enum decode_anomaly)j)) != 0);
    }
    CHECK_EQ_STR(decode_layer_name(LAYER_IPV4), "ipv4");
    CHECK_EQ_STR(decode_anomaly_name(ANOM_IPV4_BAD_HLEN), "ipv4_bad_hlen");
    CHECK_EQ_STR(decode_layer_name(DECODE_LAYER_COUNT), "unknown");
    CHECK_EQ_STR(decode_anomaly_name(DECODE_ANOMALY_COUNT), "unknown");
}

static void test_api_limits(void)
{
    struct decode_limits lim;
    decode_limits_default(&lim);
    CHECK_EQ_INT(lim.frag_max_datagrams, 1024);
    CHECK_EQ_INT(lim.frag_max_bytes, 4 * 1024 * 1024);
    CHECK_EQ_INT(lim.frag_timeout_us, 30000000);
    struct decoder *d = decoder_new(&lim);
    CHECK(d != NULL);
    const struct decode_stats *s = decoder_stats(d);
    CHECK_EQ_INT(s->frag_pending, 0);
    CHECK_EQ_INT(s->frag_mem, 0);
    decoder_free(d);
    decoder_free(NULL);
}

static void test_api_linktypes(void)
{
    static const int ok[] = {LINK_NULL, LINK_ETHERNET, LINK_RAW,  LINK_RAW_ALT, LINK_LOOP,
                             LINK_SLL,  LINK_IPV4,     LINK_IPV6, LINK_SLL2};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        CHECK(decode_linktype_supported(ok[i]));
    CHECK(!decode_linktype_supported(105)); /* 802.11 */
    CHECK(!decode_linktype_supported(-1));

    struct fb f;
    fb_init(&f);
    fb_eth_ipv4_tcp(&f, "x");
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, 105, &f, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_OTHER], 1);
    CHECK_EQ_INT(p.ip_version, 0);
    CHECK(p.l3 == NULL);
    decoder_free(d);
}

/* The packet struct must not keep anything from the previous packet. */
static void test_api_reset(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth_ipv4_tcp(&f, "abc");
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    memset(&p, 0xa5, sizeof p);
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    for (int i = 4; i < 16; i++)
        CHECK(p.src_ip[i] == 0 && p.dst_ip[i] == 0);
    CHECK_EQ_INT(p.vlan[0], 0);
    CHECK(!p.reassembled);

    struct fb a;
    fb_init(&a);
    fb_eth(&a, 0x88cc);
    fb_zero(&a, 46);
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &a, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(p.ip_version, 0);
    CHECK_EQ_INT(p.sport, 0);
    CHECK_EQ_INT(p.tcp_flags, 0);
    CHECK(p.l3 == NULL && p.l4 == NULL && p.payload == NULL);
    CHECK_EQ_INT(p.payload_len, 0);
    decoder_free(d);
}

static void test_api_raw(void)
{
    struct fb f;
    fb_init(&f);
    size_t ip = fb_ipv4(&f, 17);
    size_t u = fb_udp(&f, 53, 33000);
    fb_text(&f, "dns!");
    fb_udp_done(&f, u);
    fb_ipv4_done(&f, ip);

    static const int v4links[] = {LINK_RAW, LINK_RAW_ALT, LINK_IPV4};
    for (size_t i = 0; i < 3; i++) {
        struct decoder *d = decoder_new(NULL);
        struct packet p;
        CHECK_EQ_INT(td_decode(d, v4links[i], &f, &p), DECODE_OK);
        CHECK(!p.has_mac);
        CHECK_EQ_INT(p.ip_version, 4);
        CHECK(p.l3 == f.b);
        CHECK_EQ_INT(p.sport, 53);
        CHECK_EQ_INT(p.payload_len, 4);
        CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_RAW], 1);
        decoder_free(d);
        CHECK(td_sweep(v4links[i], f.b, f.n, f.n));
    }
    CHECK(td_expect(LINK_IPV6, f.b, f.n, DECODE_ERROR, ANOM_IPV6_BAD_VERSION));

    struct fb g;
    fb_init(&g);
    ip = fb_ipv6(&g, 6);
    fb_tcp(&g, 22, 50000, 7, 8, TCP_ACK);
    fb_text(&g, "ssh");
    fb_ipv6_done(&g, ip);
    static const int v6links[] = {LINK_RAW, LINK_RAW_ALT, LINK_IPV6};
    for (size_t i = 0; i < 3; i++) {
        struct decoder *d = decoder_new(NULL);
        struct packet p;
        CHECK_EQ_INT(td_decode(d, v6links[i], &g, &p), DECODE_OK);
        CHECK_EQ_INT(p.ip_version, 6);
        CHECK(memcmp(p.src_ip, td_ip6_src, 16) == 0);
        CHECK(memcmp(p.dst_ip, td_ip6_dst, 16) == 0);
        CHECK_EQ_INT(p.ttl, 255);
        CHECK_EQ_INT(p.sport, 22);
        decoder_free(d);
        CHECK(td_sweep(v6links[i], g.b, g.n, g.n));
    }
    CHECK(td_expect(LINK_IPV4, g.b, g.n, DECODE_ERROR, ANOM_IPV4_BAD_VERSION));

    uint8_t bad[20] = {0x50};
    CHECK(td_expect(LINK_RAW, bad, sizeof bad, DECODE_ERROR, ANOM_RAW_BAD_VERSION));
    CHECK(td_expect(LINK_RAW, bad, 0, DECODE_ERROR, ANOM_RAW_TRUNCATED));
}

static void test_api_ipip(void)
{
    /* 6in4 (protocol 41) carrying ICMPv6, inside Ethernet */
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x0800);
    size_t o = fb_ipv4(&f, 41);
    size_t i6 = fb_ipv6(&f, 58);
    fb_u8(&f, 128);
    fb_u8(&f, 0);
    fb_zero(&f, 6);
    fb_ipv6_done(&f, i6);
    fb_ipv4_done(&f, o);

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.tunnel_depth, 1);
    CHECK_EQ_INT(p.ip_version, 6);
    CHECK_EQ_INT(p.l4proto, 58);
    CHECK_EQ_INT(p.icmp_type, 128);
    CHECK(p.l3 == f.b + i6);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_IPIP], 1);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));

    /* IPv4 in IPv4, six deep: the tunnel limit stops it */
    fb_init(&f);
    size_t at[7];
    for (int k = 0; k < 6; k++)
        at[k] = fb_ipv4(&f, 4);
    at[6] = fb_ipv4(&f, 17);
    size_t u = fb_udp(&f, 1, 2);
    fb_udp_done(&f, u);
    for (int k = 6; k >= 0; k--)
        fb_ipv4_done(&f, at[k]);
    CHECK(td_expect(LINK_RAW, f.b, f.n, DECODE_ERROR, ANOM_TUNNEL_TOO_DEEP));
}

TEST_MAIN(TEST(test_api_names), TEST(test_api_limits), TEST(test_api_linktypes),
          TEST(test_api_reset), TEST(test_api_raw), TEST(test_api_ipip))
