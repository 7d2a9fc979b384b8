/* IPv6 header and extension header chains. */
#include "../test.h"

#include "decode_test.h"

/* An extension header of the generic shape, padded with PadN. */
static void fb_ext(struct fb *f, uint8_t nh, size_t len)
{
    fb_u8(f, nh);
    fb_u8(f, (uint8_t)(len / 8 - 1));
    fb_u8(f, 1); /* PadN */
    fb_u8(f, (uint8_t)(len - 4));
    fb_zero(f, len - 4);
}

static void test_ipv6_fields(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x86dd);
    size_t ip = fb_ipv6(&f, 6);
    fb_tcp(&f, 443, 50123, 0xdeadbeef, 0x01020304, TCP_SYN | TCP_ACK);
    fb_ipv6_done(&f, ip);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.ip_version, 6);
    CHECK_EQ_INT(p.ttl, 255);
    CHECK_EQ_INT(p.l4proto, 6);
    CHECK(memcmp(p.src_ip, td_ip6_src, 16) == 0);
    CHECK(memcmp(p.dst_ip, td_ip6_dst, 16) == 0);
    CHECK(p.l3 == f.b + 14);
    CHECK_EQ_INT(p.l3_len, 60);
    CHECK_EQ_INT(p.tcp_seq, 0xdeadbeef);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
}

static void test_ipv6_ext_chain(void)
{
    /* hop-by-hop, routing, destination options, AH, atomic fragment, UDP */
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x86dd);
    size_t ip = fb_ipv6(&f, 0);
    fb_ext(&f, 43, 8);
    fb_u8(&f, 60); /* routing: type 4 (SRH), segments left 0 */
    fb_u8(&f, 2);
    fb_u8(&f, 4);
    fb_u8(&f, 0);
    fb_zero(&f, 20);
    fb_ext(&f, 51, 16);
    fb_u8(&f, 44); /* AH: 12 + 12-byte ICV = (4 + 2) * 4 bytes */
    fb_u8(&f, 4);
    fb_zero(&f, 22);
    fb_u8(&f, 17); /* atomic fragment: offset 0, M 0 */
    fb_u8(&f, 0);
    fb_be16(&f, 0);
    fb_be32(&f, 77);
    size_t u = fb_udp(&f, 500, 500);
    fb_text(&f, "ike");
    fb_udp_done(&f, u);
    fb_ipv6_done(&f, ip);

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.l4proto, 17);
    CHECK(p.l4 == f.b + u);
    CHECK_EQ_INT(p.sport, 500);
    CHECK_EQ_INT(p.payload_len, 3);
    CHECK(!p.reassembled);
    CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 0);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 0);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
}

static void test_ipv6_chain_ends(void)
{
    /* ESP and "no next header" end the chain: the flow is by protocol */
    static const uint8_t ends[] = {50, 59};
    for (size_t i = 0; i < 2; i++) {
        struct fb f;
        fb_init(&f);
        size_t ip = fb_ipv6(&f, 60);
        fb_ext(&f, ends[i], 8);
        fb_zero(&f, 16);
        fb_ipv6_done(&f, ip);
        struct decoder *d = decoder_new(NULL);
        struct packet p;
        CHECK_EQ_INT(td_decode(d, LINK_RAW, &f, &p), DECODE_OK);
        CHECK_EQ_INT(p.l4proto, ends[i]);
        CHECK(p.l4 == f.b + 48);
        CHECK_EQ_INT(p.l4_len, 16);
        decoder_free(d);
        CHECK(td_sweep(LINK_RAW, f.b, f.n, f.n));
    }
}

static void test_ipv6_bad_exthdr(void)
{
    struct fb f;
    /* hop-by-hop after another header */
    fb_init(&f);
    size_t ip = fb_ipv6(&f, 60);
    fb_ext(&f, 0, 8);
    fb_ext(&f, 59, 8);
    fb_ipv6_done(&f, ip);
    CHECK(td_expect(LINK_RAW, f.b, f.n, DECODE_ERROR, ANOM_IPV6_BAD_EXTHDR));

    /* header length past the payload */
    fb_init(&f);
    ip = fb_ipv6(&f, 43);
    fb_u8(&f, 59);
    fb_u8(&f, 3);
    fb_zero(&f, 6);
    fb_ipv6_done(&f, ip);
    CHECK(td_expect(LINK_RAW, f.b, f.n, DECODE_ERROR, ANOM_IPV6_BAD_EXTHDR));

    /* a fragment header cut short */
    fb_init(&f);
    ip = fb_ipv6(&f, 44);
    fb_u8(&f, 17);
    fb_zero(&f, 3);
    fb_ipv6_done(&f, ip);
    CHECK(td_expect(LINK_RAW, f.b, f.n, DECODE_ERROR, ANOM_IPV6_BAD_EXTHDR));

    /* an endless chain of destination options */
    fb_init(&f);
    ip = fb_ipv6(&f, 60);
    for (int i = 0; i < 20; i++)
        fb_ext(&f, 60, 8);
    fb_ipv6_done(&f, ip);
    CHECK(td_expect(LINK_RAW, f.b, f.n, DECODE_ERROR, ANOM_IPV6_BAD_EXTHDR));

    /* option TLVs that overrun their header: counted, decoding goes on */
    fb_init(&f);
    ip = fb_ipv6(&f, 0);
    fb_u8(&f, 59);
    fb_u8(&f, 0);
    fb_u8(&f, 1);
    fb_u8(&f, 9);
    fb_zero(&f, 4);
    fb_ipv6_done(&f, ip);
    CHECK(td_expect(LINK_RAW, f.b, f.n, DECODE_OK, ANOM_IPV6_BAD_EXTHDR));
}

static void test_ipv6_malformed(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x86dd);
    size_t ip = fb_ipv6(&f, 17);
    size_t u = fb_udp(&f, 1, 2);
    fb_udp_done(&f, u);
    fb_ipv6_done(&f, ip);
    CHECK(td_expect(LINK_ETHERNET, f.b, 14 + 39, DECODE_ERROR, ANOM_IPV6_TRUNCATED));
    f.b[14 + 5] = 9; /* payload length 9 > 8 */
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_IPV6_BAD_PLEN));
    f.b[14 + 5] = 8;
    f.b[14] = 0x40;
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_IPV6_BAD_VERSION));
}

TEST_MAIN(TEST(test_ipv6_fields), TEST(test_ipv6_ext_chain), TEST(test_ipv6_chain_ends),
          TEST(test_ipv6_bad_exthdr), TEST(test_ipv6_malformed))
