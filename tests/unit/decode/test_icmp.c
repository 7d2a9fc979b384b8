/* ICMP and ICMPv6. */
#include "../test.h"

#include "decode_test.h"

static void test_icmp_echo(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x0800);
    size_t ip = fb_ipv4(&f, 1);
    fb_u8(&f, 8);
    fb_u8(&f, 0);
    fb_be16(&f, 0);
    fb_be16(&f, 0x77);
    fb_be16(&f, 1);
    fb_text(&f, "abcdefgh");
    fb_ipv4_done(&f, ip);
    size_t need = f.n;
    fb_zero(&f, 60 - f.n);

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.l4proto, 1);
    CHECK_EQ_INT(p.icmp_type, 8);
    CHECK_EQ_INT(p.icmp_code, 0);
    CHECK_EQ_INT(p.sport, 8);
    CHECK_EQ_INT(p.dport, 0);
    CHECK(p.l4 == f.b + 34);
    CHECK_EQ_INT(p.l4_len, 16);
    CHECK(p.payload == f.b + 42);
    CHECK_EQ_INT(p.payload_len, 8);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_ICMP], 1);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, need));

    f.b[14 + 3] = 20 + 7;
    CHECK(td_expect(LINK_ETHERNET, f.b, 14 + 27, DECODE_ERROR, ANOM_ICMP_TRUNCATED));
}

static void test_icmpv6(void)
{
    /* destination unreachable, code 4 (port unreachable) */
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x86dd);
    size_t ip = fb_ipv6(&f, 58);
    fb_u8(&f, 1);
    fb_u8(&f, 4);
    fb_be16(&f, 0);
    fb_be32(&f, 0);
    fb_zero(&f, 48); /* the offending packet */
    fb_ipv6_done(&f, ip);

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.l4proto, 58);
    CHECK_EQ_INT(p.icmp_type, 1);
    CHECK_EQ_INT(p.icmp_code, 4);
    CHECK_EQ_INT(p.sport, 1);
    CHECK_EQ_INT(p.dport, 4);
    CHECK_EQ_INT(p.payload_len, 48);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_ICMPV6], 1);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));

    f.b[14 + 5] = 7;
    CHECK(td_expect(LINK_ETHERNET, f.b, 14 + 47, DECODE_ERROR, ANOM_ICMPV6_TRUNCATED));
}

TEST_MAIN(TEST(test_icmp_echo), TEST(test_icmpv6))
