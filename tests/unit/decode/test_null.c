/* BSD null (both byte orders) and OpenBSD loop encapsulations. */
#include "../test.h"

#include "decode_test.h"

static void fb_family(struct fb *f, uint32_t family, bool little)
{
    uint8_t b[4] = {(uint8_t)(family >> 24), (uint8_t)(family >> 16), (uint8_t)(family >> 8),
                    (uint8_t)family};
    if (little) {
        uint8_t t = b[0];
        b[0] = b[3];
        b[3] = t;
        t = b[1];
        b[1] = b[2];
        b[2] = t;
    }
    fb_put(f, b, 4);
}

static void null_check(int link, uint32_t family, bool little, int version)
{
    struct fb f;
    fb_init(&f);
    fb_family(&f, family, little);
    size_t ip = version == 4 ? fb_ipv4(&f, 6) : fb_ipv6(&f, 6);
    fb_tcp(&f, 5000, 2575, 11, 12, TCP_ACK);
    fb_text(&f, "\x0bMSH|");
    if (version == 4)
        fb_ipv4_done(&f, ip);
    else
        fb_ipv6_done(&f, ip);

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, link, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.ip_version, version);
    CHECK(!p.has_mac);
    CHECK(p.l3 == f.b + 4);
    CHECK_EQ_INT(p.dport, 2575);
    CHECK_EQ_INT(p.payload_len, 5);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_NULL], 1);
    decoder_free(d);
    CHECK(td_sweep(link, f.b, f.n, f.n));
    CHECK(td_expect(link, f.b, 3, DECODE_ERROR, ANOM_NULL_TRUNCATED));
}

static void test_null_little_endian(void)
{
    null_check(LINK_NULL, 2, true, 4);
    null_check(LINK_NULL, 30, true, 6); /* Darwin */
    null_check(LINK_NULL, 28, true, 6); /* FreeBSD */
}

static void test_null_big_endian(void)
{
    null_check(LINK_NULL, 2, false, 4);
    null_check(LINK_NULL, 24, false, 6); /* NetBSD/OpenBSD on a big-endian host */
}

static void test_loop(void)
{
    null_check(LINK_LOOP, 2, false, 4);
    null_check(LINK_LOOP, 24, false, 6);
}

static void test_null_other_family(void)
{
    struct fb f;
    fb_init(&f);
    fb_family(&f, 23, true); /* AF_IPX... */
    fb_zero(&f, 30);
    CHECK(td_expect(LINK_NULL, f.b, f.n, DECODE_NOFLOW, -1));
    /* LOOP is network order only: a little-endian 2 is not AF_INET */
    fb_init(&f);
    fb_family(&f, 2, true);
    fb_zero(&f, 30);
    CHECK(td_expect(LINK_LOOP, f.b, f.n, DECODE_NOFLOW, -1));
}

TEST_MAIN(TEST(test_null_little_endian), TEST(test_null_big_endian), TEST(test_loop),
          TEST(test_null_other_family))
