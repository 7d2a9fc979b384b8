/* Linux cooked captures, SLL and SLL2. */
#include "../test.h"

#include "decode_test.h"

static void fb_sll(struct fb *f, uint16_t hatype, uint16_t proto)
{
    fb_be16(f, 4); /* outgoing */
    fb_be16(f, hatype);
    fb_be16(f, 6);
    fb_put(f, td_mac_src, 6);
    fb_zero(f, 2);
    fb_be16(f, proto);
}

static void fb_sll2(struct fb *f, uint16_t hatype, uint16_t proto)
{
    fb_be16(f, proto);
    fb_be16(f, 0);
    fb_be32(f, 3); /* ifindex */
    fb_be16(f, hatype);
    fb_u8(f, 0);
    fb_u8(f, 6);
    fb_put(f, td_mac_src, 6);
    fb_zero(f, 2);
}

static void sll_check_ipv4_tcp(int link, bool v2)
{
    struct fb f;
    fb_init(&f);
    if (v2)
        fb_sll2(&f, 1, 0x0800);
    else
        fb_sll(&f, 1, 0x0800);
    size_t ip = fb_ipv4(&f, 6);
    fb_tcp(&f, 2000, 104, 1, 2, TCP_PSH | TCP_ACK);
    fb_text(&f, "dicom");
    fb_ipv4_done(&f, ip);

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, link, &f, &p), DECODE_OK);
    CHECK(p.has_mac);
    CHECK(memcmp(p.src_mac, td_mac_src, 6) == 0);
    static const uint8_t zero[6];
    CHECK(memcmp(p.dst_mac, zero, 6) == 0);
    CHECK(p.l3 == f.b + ip);
    CHECK_EQ_INT(p.dport, 104);
    CHECK_EQ_INT(p.payload_len, 5);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_SLL], 1);
    decoder_free(d);
    CHECK(td_sweep(link, f.b, f.n, f.n));
    CHECK(td_expect(link, f.b, v2 ? 19 : 15, DECODE_ERROR, ANOM_SLL_TRUNCATED));
}

static void test_sll_ipv4(void)
{
    sll_check_ipv4_tcp(LINK_SLL, false);
}

static void test_sll2_ipv4(void)
{
    sll_check_ipv4_tcp(LINK_SLL2, true);
}

static void test_sll_ipv6_vlan(void)
{
    for (int v2 = 0; v2 < 2; v2++) {
        struct fb f;
        fb_init(&f);
        if (v2)
            fb_sll2(&f, 1, 0x8100);
        else
            fb_sll(&f, 1, 0x8100);
        fb_vlan(&f, 42, 0x86dd);
        size_t ip = fb_ipv6(&f, 17);
        size_t u = fb_udp(&f, 547, 546);
        fb_udp_done(&f, u);
        fb_ipv6_done(&f, ip);
        int link = v2 ? LINK_SLL2 : LINK_SLL;
        struct decoder *d = decoder_new(NULL);
        struct packet p;
        CHECK_EQ_INT(td_decode(d, link, &f, &p), DECODE_OK);
        CHECK_EQ_INT(p.vlan_depth, 1);
        CHECK_EQ_INT(p.vlan[0], 42);
        CHECK_EQ_INT(p.ip_version, 6);
        CHECK_EQ_INT(p.dport, 546);
        CHECK_EQ_INT(p.payload_len, 0);
        decoder_free(d);
        CHECK(td_sweep(link, f.b, f.n, f.n));
    }
}

static void test_sll_not_ethernet(void)
{
    /* a tunnel device (ARPHRD_NONE) has no MAC; netlink is not IP at all */
    struct fb f;
    fb_init(&f);
    fb_sll(&f, 0xfffe, 0x0800);
    size_t ip = fb_ipv4(&f, 1);
    fb_u8(&f, 8);
    fb_zero(&f, 7);
    fb_ipv4_done(&f, ip);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_SLL, &f, &p), DECODE_OK);
    CHECK(!p.has_mac);
    CHECK_EQ_INT(p.icmp_type, 8);
    decoder_free(d);

    fb_init(&f);
    fb_sll2(&f, 824, 0x0000);
    fb_zero(&f, 16);
    CHECK(td_expect(LINK_SLL2, f.b, f.n, DECODE_NOFLOW, -1));
    fb_init(&f);
    fb_sll(&f, 824, 0x0000);
    fb_zero(&f, 16);
    CHECK(td_expect(LINK_SLL, f.b, f.n, DECODE_NOFLOW, -1));
    /* 802.2 LLC pseudo-protocol */
    fb_init(&f);
    fb_sll(&f, 1, 0x0004);
    fb_zero(&f, 16);
    CHECK(td_expect(LINK_SLL, f.b, f.n, DECODE_NOFLOW, -1));
}

TEST_MAIN(TEST(test_sll_ipv4), TEST(test_sll2_ipv4), TEST(test_sll_ipv6_vlan),
          TEST(test_sll_not_ethernet))
