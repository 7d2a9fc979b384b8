/* VXLAN on UDP 4789 with an inner Ethernet frame. */
#include "../test.h"

#include "decode_test.h"

static const uint8_t inner_src[6] = {0x0a, 0, 0, 0, 0, 0x01};

static void vxlan_frame(struct fb *f, uint8_t flags)
{
    fb_init(f);
    fb_eth(f, 0x8100);
    fb_vlan(f, 7, 0x0800);
    size_t ip = fb_ipv4(f, 17);
    size_t u = fb_udp(f, 49152, 4789);
    fb_u8(f, flags);
    fb_zero(f, 3);
    fb_be32(f, 5001u << 8); /* VNI */
    fb_put(f, inner_src, 6);
    fb_put(f, inner_src, 6);
    fb_be16(f, 0x8100);
    fb_vlan(f, 300, 0x86dd);
    size_t in = fb_ipv6(f, 6);
    fb_tcp(f, 8080, 60000, 1, 1, TCP_FIN | TCP_ACK);
    fb_text(f, "bye");
    fb_ipv6_done(f, in);
    fb_udp_done(f, u);
    fb_ipv4_done(f, ip);
}

static void test_vxlan_inner(void)
{
    struct fb f;
    vxlan_frame(&f, 0x08);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.tunnel_depth, 1);
    CHECK_EQ_INT(p.ip_version, 6);
    CHECK_EQ_INT(p.l4proto, 6);
    CHECK_EQ_INT(p.sport, 8080);
    CHECK_EQ_INT(p.tcp_flags, TCP_FIN | TCP_ACK);
    CHECK_EQ_INT(p.payload_len, 3);
    CHECK(memcmp(p.payload, "bye", 3) == 0);
    /* the outer link layer is the one reported */
    CHECK(memcmp(p.src_mac, td_mac_src, 6) == 0);
    CHECK_EQ_INT(p.vlan_depth, 1);
    CHECK_EQ_INT(p.vlan[0], 7);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_VXLAN], 1);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_VLAN], 2);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
}

static void test_vxlan_not_vxlan(void)
{
    /* no I flag: an ordinary UDP datagram to port 4789 */
    struct fb f;
    vxlan_frame(&f, 0x00);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.tunnel_depth, 0);
    CHECK_EQ_INT(p.l4proto, 17);
    CHECK_EQ_INT(p.dport, 4789);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_VXLAN], 0);
    decoder_free(d);
}

static void test_vxlan_malformed(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x0800);
    size_t ip = fb_ipv4(&f, 17);
    size_t u = fb_udp(&f, 1, 4789);
    fb_u8(&f, 0x08);
    fb_zero(&f, 6);
    fb_udp_done(&f, u);
    fb_ipv4_done(&f, ip);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_VXLAN_TRUNCATED));

    /* an inner frame too short for Ethernet */
    fb_init(&f);
    fb_eth(&f, 0x0800);
    ip = fb_ipv4(&f, 17);
    u = fb_udp(&f, 1, 4789);
    fb_u8(&f, 0x08);
    fb_zero(&f, 7 + 10);
    fb_udp_done(&f, u);
    fb_ipv4_done(&f, ip);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_ETH_TRUNCATED));
}

TEST_MAIN(TEST(test_vxlan_inner), TEST(test_vxlan_not_vxlan), TEST(test_vxlan_malformed))
