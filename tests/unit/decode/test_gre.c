/* GRE v0 with its optional fields, inner IP and Ethernet, ERSPAN. */
#include "../test.h"

#include "decode_test.h"

static const uint8_t inner_mac[6] = {0x0a, 0, 0, 0, 0, 0x0b};

/* Outer Ethernet/IPv4/GRE with the given flags and protocol; returns the
 * outer IP offset. */
static size_t gre_begin(struct fb *f, uint16_t flags, uint16_t proto)
{
    fb_init(f);
    fb_eth(f, 0x0800);
    size_t ip = fb_ipv4(f, 47);
    fb_be16(f, flags);
    fb_be16(f, proto);
    if (flags & 0x8000)
        fb_be32(f, 0xabcd0000); /* checksum + reserved */
    if (flags & 0x2000)
        fb_be32(f, 42); /* key */
    if (flags & 0x1000)
        fb_be32(f, 7); /* sequence */
    return ip;
}

/* Inner IPv4/TCP 10.9.9.9 -> 10.0.0.2 port 2575. */
static size_t gre_inner_ipv4(struct fb *f)
{
    size_t in = fb_ipv4(f, 6);
    f->b[in + 12] = 10;
    f->b[in + 13] = 9;
    f->b[in + 14] = 9;
    f->b[in + 15] = 9;
    fb_tcp(f, 3000, 2575, 5, 6, TCP_ACK);
    fb_text(f, "HL7");
    fb_ipv4_done(f, in);
    return in;
}

static void test_gre_ipv4(void)
{
    static const uint16_t flag_sets[] = {0x0000, 0x8000, 0x2000, 0x1000, 0xb000};
    for (size_t i = 0; i < 5; i++) {
        struct fb f;
        size_t ip = gre_begin(&f, flag_sets[i], 0x0800);
        size_t in = gre_inner_ipv4(&f);
        fb_ipv4_done(&f, ip);

        struct decoder *d = decoder_new(NULL);
        struct packet p;
        CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
        CHECK_EQ_INT(p.tunnel_depth, 1);
        CHECK_EQ_INT(p.ip_version, 4);
        CHECK_EQ_INT(p.src_ip[1], 9);
        CHECK(p.l3 == f.b + in);
        CHECK_EQ_INT(p.l3_len, 43);
        CHECK_EQ_INT(p.l4proto, 6);
        CHECK_EQ_INT(p.dport, 2575);
        CHECK_EQ_INT(p.payload_len, 3);
        CHECK(memcmp(p.src_mac, td_mac_src, 6) == 0);
        CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_GRE], 1);
        CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_IPV4], 2);
        decoder_free(d);
        CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
    }
}

static void test_gre_ipv6_and_teb(void)
{
    struct fb f;
    size_t ip = gre_begin(&f, 0x2000, 0x86dd);
    size_t in = fb_ipv6(&f, 17);
    size_t u = fb_udp(&f, 1, 2);
    fb_udp_done(&f, u);
    fb_ipv6_done(&f, in);
    fb_ipv4_done(&f, ip);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.ip_version, 6);
    CHECK_EQ_INT(p.l4proto, 17);
    CHECK_EQ_INT(p.dport, 2);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));

    /* transparent Ethernet bridging: the outer MACs and VLANs are kept */
    ip = gre_begin(&f, 0, 0x6558);
    fb_put(&f, inner_mac, 6);
    fb_put(&f, inner_mac, 6);
    fb_be16(&f, 0x8100);
    fb_vlan(&f, 99, 0x0800);
    gre_inner_ipv4(&f);
    fb_ipv4_done(&f, ip);
    d = decoder_new(NULL);
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK(memcmp(p.src_mac, td_mac_src, 6) == 0);
    CHECK(memcmp(p.dst_mac, td_mac_dst, 6) == 0);
    CHECK_EQ_INT(p.vlan_depth, 0);
    CHECK_EQ_INT(p.dport, 2575);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_ETHERNET], 2);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
}

static void test_gre_erspan(void)
{
    /* type II: GRE with sequence, 8-byte ERSPAN header, mirrored frame */
    struct fb f;
    size_t ip = gre_begin(&f, 0x1000, 0x88be);
    fb_be32(&f, 0x10000000 | 5); /* version 1, session 5 */
    fb_be32(&f, 0);
    fb_put(&f, inner_mac, 6);
    fb_put(&f, inner_mac, 6);
    fb_be16(&f, 0x0800);
    gre_inner_ipv4(&f);
    fb_ipv4_done(&f, ip);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.dport, 2575);
    CHECK_EQ_INT(p.tunnel_depth, 1);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_ERSPAN], 1);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
    f.b[34 + 8] = 0x20; /* version 2 under type II's protocol */
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_ERSPAN_BAD_VERSION));

    /* type III with the optional 8-byte subheader */
    ip = gre_begin(&f, 0x1000, 0x22eb);
    fb_be32(&f, 0x20000000);
    fb_be32(&f, 0);
    fb_be32(&f, 1); /* O flag */
    fb_zero(&f, 8);
    fb_put(&f, inner_mac, 6);
    fb_put(&f, inner_mac, 6);
    fb_be16(&f, 0x0800);
    gre_inner_ipv4(&f);
    fb_ipv4_done(&f, ip);
    d = decoder_new(NULL);
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.dport, 2575);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));

    /* type III header cut inside the datagram */
    ip = gre_begin(&f, 0x1000, 0x22eb);
    fb_be32(&f, 0x20000000);
    fb_be32(&f, 0);
    fb_ipv4_done(&f, ip);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_ERSPAN_TRUNCATED));
}

static void test_gre_not_decoded(void)
{
    /* PPTP (version 1), routing present, unknown payload: the GRE flow */
    static const uint16_t flags[] = {0x3081, 0x4000, 0x0000};
    static const uint16_t protos[] = {0x880b, 0x0800, 0x1234};
    for (size_t i = 0; i < 3; i++) {
        struct fb f;
        size_t ip = gre_begin(&f, flags[i], protos[i]);
        if (flags[i] == 0x4000)
            fb_zero(&f, 4);
        fb_zero(&f, 12);
        fb_ipv4_done(&f, ip);
        struct decoder *d = decoder_new(NULL);
        struct packet p;
        CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
        CHECK_EQ_INT(p.tunnel_depth, 0);
        CHECK_EQ_INT(p.l4proto, 47);
        CHECK(p.l4 == f.b + 34);
        CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 0);
        decoder_free(d);
        CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
    }
}

static void test_gre_malformed(void)
{
    struct fb f;
    size_t ip = gre_begin(&f, 0x0002, 0x0800);
    gre_inner_ipv4(&f);
    fb_ipv4_done(&f, ip);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_GRE_BAD_VERSION));

    ip = gre_begin(&f, 0, 0x0800);
    fb_ipv4_done(&f, ip);
    f.b[14 + 3] = 20 + 3;
    CHECK(td_expect(LINK_ETHERNET, f.b, 14 + 23, DECODE_ERROR, ANOM_GRE_TRUNCATED));
    ip = gre_begin(&f, 0xb000, 0x0800);
    f.n -= 2;
    fb_ipv4_done(&f, ip);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_GRE_TRUNCATED));

    /* an inner packet's own anomaly is what gets counted */
    ip = gre_begin(&f, 0, 0x0800);
    size_t in = gre_inner_ipv4(&f);
    f.b[in] = 0x44;
    fb_ipv4_done(&f, ip);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_IPV4_BAD_HLEN));
}

static void test_gre_too_deep(void)
{
    /* GRE in GRE in ... six times */
    struct fb f;
    fb_init(&f);
    size_t at[7];
    for (int k = 0; k < 6; k++) {
        at[k] = fb_ipv4(&f, 47);
        fb_be16(&f, 0);
        fb_be16(&f, 0x0800);
    }
    at[6] = fb_ipv4(&f, 17);
    size_t u = fb_udp(&f, 1, 2);
    fb_udp_done(&f, u);
    for (int k = 6; k >= 0; k--)
        fb_ipv4_done(&f, at[k]);
    CHECK(td_expect(LINK_RAW, f.b, f.n, DECODE_ERROR, ANOM_TUNNEL_TOO_DEEP));
}

TEST_MAIN(TEST(test_gre_ipv4), TEST(test_gre_ipv6_and_teb), TEST(test_gre_erspan),
          TEST(test_gre_not_decoded), TEST(test_gre_malformed), TEST(test_gre_too_deep))
