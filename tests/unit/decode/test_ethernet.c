/* Ethernet II, 802.3/LLC, 802.1Q, QinQ (802.1ad and 0x9100) and ARP. */
#include "../test.h"

#include "decode_test.h"

static void test_ethernet_ipv4_tcp(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth_ipv4_tcp(&f, "hello");
    size_t need = f.n;
    fb_zero(&f, 60 - f.n); /* minimum frame size padding */

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK(p.has_mac);
    CHECK(memcmp(p.dst_mac, td_mac_dst, 6) == 0);
    CHECK(memcmp(p.src_mac, td_mac_src, 6) == 0);
    CHECK_EQ_INT(p.vlan_depth, 0);
    CHECK_EQ_INT(p.tunnel_depth, 0);
    CHECK(p.frame == f.b);
    CHECK_EQ_INT(p.caplen, 60);
    CHECK_EQ_INT(p.wirelen, 60);
    CHECK_EQ_INT(p.ts_us, TD_TS);
    CHECK_EQ_INT(p.ip_version, 4);
    CHECK(p.l3 == f.b + 14);
    CHECK_EQ_INT(p.l3_len, 20 + 20 + 5);
    CHECK_EQ_INT(p.payload_len, 5); /* not the padding */
    CHECK(memcmp(p.payload, "hello", 5) == 0);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_ETHERNET], 1);
    CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 0);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, need));
}

static void test_ethernet_vlan(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x8100);
    fb_vlan(&f, 0xa000 | 100, 0x86dd); /* PCP 5 must not leak into the id */
    size_t ip = fb_ipv6(&f, 17);
    size_t u = fb_udp(&f, 5353, 5353);
    fb_text(&f, "mdns");
    fb_udp_done(&f, u);
    fb_ipv6_done(&f, ip);

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.vlan_depth, 1);
    CHECK_EQ_INT(p.vlan[0], 100);
    CHECK_EQ_INT(p.vlan[1], 0);
    CHECK_EQ_INT(p.ip_version, 6);
    CHECK_EQ_INT(p.sport, 5353);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_VLAN], 1);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
}

static void test_ethernet_qinq(void)
{
    static const uint16_t tpids[] = {0x88a8, 0x9100, 0x8100};
    for (size_t i = 0; i < sizeof tpids / sizeof tpids[0]; i++) {
        struct fb f;
        fb_init(&f);
        fb_eth(&f, tpids[i]);
        fb_vlan(&f, 10, 0x8100);
        fb_vlan(&f, 20, 0x0800);
        size_t ip = fb_ipv4(&f, 6);
        fb_tcp(&f, 40000, 443, 1, 0, TCP_SYN);
        fb_ipv4_done(&f, ip);

        struct decoder *d = decoder_new(NULL);
        struct packet p;
        CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
        CHECK_EQ_INT(p.vlan_depth, 2);
        CHECK_EQ_INT(p.vlan[0], 10);
        CHECK_EQ_INT(p.vlan[1], 20);
        CHECK_EQ_INT(p.dport, 443);
        CHECK_EQ_INT(p.tcp_flags, TCP_SYN);
        decoder_free(d);
        CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
    }
}

static void test_ethernet_vlan_too_deep(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x88a8);
    fb_vlan(&f, 1, 0x8100);
    fb_vlan(&f, 2, 0x8100);
    fb_vlan(&f, 3, 0x0800);
    size_t ip = fb_ipv4(&f, 6);
    fb_tcp(&f, 1, 2, 0, 0, 0);
    fb_ipv4_done(&f, ip);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_VLAN_TOO_DEEP));
}

static void test_ethernet_truncated(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x0800);
    CHECK(td_expect(LINK_ETHERNET, f.b, 13, DECODE_ERROR, ANOM_ETH_TRUNCATED));
    CHECK(td_expect(LINK_ETHERNET, f.b, 0, DECODE_ERROR, ANOM_ETH_TRUNCATED));
    CHECK(td_expect(LINK_ETHERNET, NULL, 0, DECODE_ERROR, ANOM_ETH_TRUNCATED));

    fb_init(&f);
    fb_eth(&f, 0x8100);
    fb_be16(&f, 5);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_VLAN_TRUNCATED));

    /* the same bytes cut by snaplen are a short capture, not a bad frame */
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(decode_packet(d, LINK_ETHERNET, f.b, f.n, 100, TD_TS, &p), DECODE_ERROR);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_PACKET_TRUNCATED], 1);
    CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 1);
    decoder_free(d);
}

static void test_ethernet_other(void)
{
    /* LLDP */
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x88cc);
    fb_zero(&f, 46);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_OTHER], 1);
    CHECK(p.has_mac);
    CHECK_EQ_INT(p.ip_version, 0);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, 14));

    /* 802.3 length + LLC (STP) */
    fb_init(&f);
    fb_eth(&f, 38);
    static const uint8_t llc[] = {0x42, 0x42, 0x03, 0, 0, 0};
    fb_put(&f, llc, sizeof llc);
    fb_zero(&f, 32);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_NOFLOW, -1));
}

static void test_ethernet_arp(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x0806);
    size_t arp = f.n;
    fb_be16(&f, 1);
    fb_be16(&f, 0x0800);
    fb_u8(&f, 6);
    fb_u8(&f, 4);
    fb_be16(&f, 1);
    fb_put(&f, td_mac_src, 6);
    fb_put(&f, td_ip4_src, 4);
    fb_zero(&f, 6);
    fb_put(&f, td_ip4_dst, 4);
    size_t need = f.n;
    fb_zero(&f, 18);

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_NOFLOW);
    CHECK(p.l3 == f.b + arp);
    CHECK_EQ_INT(p.l3_len, 28);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_ARP], 1);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, need));
    CHECK(td_expect(LINK_ETHERNET, f.b, need - 1, DECODE_ERROR, ANOM_ARP_TRUNCATED));
    CHECK(td_expect(LINK_ETHERNET, f.b, 14 + 7, DECODE_ERROR, ANOM_ARP_TRUNCATED));
}

static void test_ethernet_pppoe(void)
{
    /* two tags then a PPPoE session carrying IPv4/UDP, padded to 64 */
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x8100);
    fb_vlan(&f, 10, 0x8100);
    fb_vlan(&f, 20, 0x8864);
    size_t ph = f.n;
    fb_u8(&f, 0x11);
    fb_u8(&f, 0);
    fb_be16(&f, 0x1a2b);
    fb_be16(&f, 0);
    fb_be16(&f, 0x0021);
    size_t ip = fb_ipv4(&f, 17);
    size_t u = fb_udp(&f, 1024, 53);
    fb_text(&f, "q");
    fb_udp_done(&f, u);
    fb_ipv4_done(&f, ip);
    fb_set16(&f, ph + 4, (uint16_t)(f.n - ph - 6));
    size_t need = f.n;
    fb_zero(&f, 64 - f.n);

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.vlan_depth, 2);
    CHECK(p.l3 == f.b + ip);
    CHECK_EQ_INT(p.dport, 53);
    CHECK_EQ_INT(p.payload_len, 1);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_PPPOE], 1);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, need));

    /* PPPoE length past the frame; LCP is not a flow */
    fb_set16(&f, ph + 4, 200);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_PPPOE_TRUNCATED));
    fb_set16(&f, ph + 4, (uint16_t)(need - ph - 6));
    fb_set16(&f, ph + 6, 0xc021);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_NOFLOW, -1));
}

TEST_MAIN(TEST(test_ethernet_ipv4_tcp), TEST(test_ethernet_pppoe), TEST(test_ethernet_vlan),
          TEST(test_ethernet_qinq), TEST(test_ethernet_vlan_too_deep),
          TEST(test_ethernet_truncated), TEST(test_ethernet_other), TEST(test_ethernet_arp))
