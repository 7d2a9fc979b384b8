/* TCP header fields, options and payload bounds. */
#include "../test.h"

#include "decode_test.h"

static void tcp_frame(struct fb *f, const uint8_t *opt, size_t optlen, const char *payload)
{
    fb_init(f);
    fb_eth(f, 0x0800);
    size_t ip = fb_ipv4(f, 6);
    fb_tcp_opts(f, 51000, 104, 0x11223344, 0x55667788, TCP_SYN | TCP_ECE | TCP_CWR, opt, optlen);
    fb_text(f, payload);
    fb_ipv4_done(f, ip);
}

static void test_tcp_fields(void)
{
    struct fb f;
    tcp_frame(&f, NULL, 0, "A-ASSOCIATE");
    size_t need = f.n;
    fb_zero(&f, 4); /* an FCS kept by the capture: not payload */
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.l4proto, 6);
    CHECK_EQ_INT(p.sport, 51000);
    CHECK_EQ_INT(p.dport, 104);
    CHECK_EQ_INT(p.tcp_seq, 0x11223344);
    CHECK_EQ_INT(p.tcp_ack, 0x55667788);
    CHECK_EQ_INT(p.tcp_flags, TCP_SYN | TCP_ECE | TCP_CWR);
    CHECK_EQ_INT(p.tcp_win, 29200);
    CHECK(p.l4 == f.b + 34);
    CHECK_EQ_INT(p.l4_len, 20 + 11);
    CHECK(p.payload == f.b + 54);
    CHECK_EQ_INT(p.payload_len, 11);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_TCP], 1);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, need));
}

static void test_tcp_padding(void)
{
    /* A bare ACK is padded to 60 bytes on the wire: six bytes of zeros
     * that are not data. */
    struct fb f;
    tcp_frame(&f, NULL, 0, "");
    size_t need = f.n;
    fb_zero(&f, 6);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.payload_len, 0);
    CHECK_EQ_INT(p.l4_len, 20);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, need));
}

static void test_tcp_options_valid(void)
{
    static const uint8_t syn[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
                                  0, 1, 0,    0,    0, 0, 1, 3,  3, 7};
    static const uint8_t sack[] = {1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4};
    static const uint8_t eol[] = {1, 0, 0xff, 0xff}; /* NOP EOL junk */
    static const uint8_t tfo[] = {34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0};
    const uint8_t *opts[] = {syn, sack, eol, tfo};
    size_t lens[] = {sizeof syn, sizeof sack, sizeof eol, sizeof tfo};
    for (size_t i = 0; i < 4; i++) {
        struct fb f;
        tcp_frame(&f, opts[i], lens[i], "data");
        struct decoder *d = decoder_new(NULL);
        struct packet p;
        CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
        CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 0);
        CHECK(p.payload == f.b + 54 + lens[i]);
        CHECK_EQ_INT(p.payload_len, 4);
        decoder_free(d);
        CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
    }
}

/* Counted, and the segment still reported: receivers accept it. */
static void test_tcp_options_bad(void)
{
    static const uint8_t mss3[] = {2, 3, 5, 0};
    static const uint8_t zero[] = {1, 1, 99, 0};
    static const uint8_t over[] = {1, 8, 10, 0};
    static const uint8_t sack[] = {5, 6, 0, 0, 0, 0, 0, 0};
    static const uint8_t lone[] = {1, 1, 1, 2};
    const uint8_t *opts[] = {mss3, zero, over, sack, lone};
    size_t lens[] = {4, 4, 4, 8, 4};
    for (size_t i = 0; i < 5; i++) {
        struct fb f;
        tcp_frame(&f, opts[i], lens[i], "x");
        CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_OK, ANOM_TCP_BAD_OPTIONS));
    }
}

static void test_tcp_malformed(void)
{
    struct fb f;
    tcp_frame(&f, NULL, 0, "abc");
    f.b[34 + 12] = 0x40; /* data offset 16 bytes */
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_TCP_BAD_HLEN));
    f.b[34 + 12] = 0x70; /* 28 bytes > the 23 there */
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_TCP_TRUNCATED));

    /* IP total length that leaves less than a TCP header (checksums are
     * not the decoder's business) */
    tcp_frame(&f, NULL, 0, "");
    f.b[14 + 3] = 20 + 19;
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_TCP_TRUNCATED));
}

TEST_MAIN(TEST(test_tcp_fields), TEST(test_tcp_padding), TEST(test_tcp_options_valid),
          TEST(test_tcp_options_bad), TEST(test_tcp_malformed))
