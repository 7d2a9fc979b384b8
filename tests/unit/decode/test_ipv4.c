/* IPv4 header, options and length handling. */
#include "../test.h"

#include "decode_test.h"

static void ipv4_frame(struct fb *f, const uint8_t *opt, size_t optlen)
{
    fb_init(f);
    fb_eth(f, 0x0800);
    size_t ip = fb_ipv4_opts(f, 17, opt, optlen);
    size_t u = fb_udp(f, 161, 40000);
    fb_text(f, "snmp");
    fb_udp_done(f, u);
    fb_ipv4_done(f, ip);
}

static void test_ipv4_fields(void)
{
    struct fb f;
    ipv4_frame(&f, NULL, 0);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.ip_version, 4);
    CHECK_EQ_INT(p.ttl, 64);
    CHECK_EQ_INT(p.l4proto, 17);
    CHECK(memcmp(p.src_ip, td_ip4_src, 4) == 0);
    CHECK(memcmp(p.dst_ip, td_ip4_dst, 4) == 0);
    CHECK(p.l3 == f.b + 14);
    CHECK_EQ_INT(p.l3_len, 32);
    CHECK(!p.reassembled);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_IPV4], 1);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_IPV4_FRAG], 0);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
}

static void test_ipv4_options_valid(void)
{
    static const uint8_t ra[] = {148, 4, 0, 0};                         /* router alert */
    static const uint8_t rr[] = {1, 7, 11, 4, 10, 0, 0, 9, 0, 0, 0, 0}; /* NOP, record route */
    static const uint8_t ts[] = {68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}; /* timestamp */
    static const uint8_t eol[] = {1, 1, 0, 0x55};                       /* NOP NOP EOL junk */
    const uint8_t *opts[] = {ra, rr, ts, eol};
    size_t lens[] = {sizeof ra, sizeof rr, sizeof ts, sizeof eol};
    for (size_t i = 0; i < 4; i++) {
        struct fb f;
        ipv4_frame(&f, opts[i], lens[i]);
        struct decoder *d = decoder_new(NULL);
        struct packet p;
        CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
        CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 0);
        CHECK_EQ_INT(p.sport, 161);
        CHECK(p.l4 == f.b + 14 + 20 + lens[i]);
        CHECK_EQ_INT(p.payload_len, 4);
        decoder_free(d);
        CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
    }
}

/* Counted, yet the datagram is still decoded: hosts accept it. */
static void test_ipv4_options_bad(void)
{
    static const uint8_t zero_len[] = {7, 0, 0, 0};           /* option length 0 */
    static const uint8_t overrun[] = {1, 1, 130, 9};          /* runs past the header */
    static const uint8_t ra_len[] = {148, 3, 0, 0};           /* router alert is 4 */
    static const uint8_t rr_ptr[] = {7, 7, 2, 0, 0, 0, 0, 0}; /* pointer below 4 */
    static const uint8_t lone[] = {1, 1, 1, 68};              /* type with no length */
    const uint8_t *opts[] = {zero_len, overrun, ra_len, rr_ptr, lone};
    size_t lens[] = {4, 4, 4, 8, 4};
    for (size_t i = 0; i < 5; i++) {
        struct fb f;
        ipv4_frame(&f, opts[i], lens[i]);
        CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_OK, ANOM_IPV4_BAD_OPTIONS));
    }
}

static void test_ipv4_malformed(void)
{
    struct fb f;
    ipv4_frame(&f, NULL, 0);
    uint8_t *ip = f.b + 14;

    ip[0] = 0x44; /* hlen 16 */
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_IPV4_BAD_HLEN));
    ip[0] = 0x4f; /* hlen 60 > the 32 bytes there */
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_IPV4_TRUNCATED));
    ip[0] = 0x65;
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_IPV4_BAD_VERSION));
    ip[0] = 0x45;
    ip[2] = 0;
    ip[3] = 19; /* total length below the header */
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_IPV4_BAD_TOTLEN));
    ip[3] = 33; /* one byte more than the frame holds */
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_IPV4_BAD_TOTLEN));
    ip[3] = 0;
    ip[2] = 0; /* zero: a sender-side capture of a TSO packet, the frame is the datagram */
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_OK, -1));
    CHECK(td_expect(LINK_ETHERNET, f.b, 14 + 19, DECODE_ERROR, ANOM_IPV4_TRUNCATED));
}

/* A capture cut by snaplen keeps the headers it has, with less payload. */
static void test_ipv4_snapped(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x0800);
    size_t ip = fb_ipv4(&f, 6);
    fb_tcp(&f, 1, 80, 0, 0, TCP_ACK);
    fb_zero(&f, 1000);
    fb_ipv4_done(&f, ip);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(decode_packet(d, LINK_ETHERNET, f.b, 96, f.n, TD_TS, &p), DECODE_OK);
    CHECK_EQ_INT(p.caplen, 96);
    CHECK_EQ_INT(p.wirelen, f.n);
    CHECK_EQ_INT(p.l3_len, 96 - 14);
    CHECK_EQ_INT(p.payload_len, 96 - 54);
    CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 0);
    CHECK_EQ_INT(decode_packet(d, LINK_ETHERNET, f.b, 40, f.n, TD_TS, &p), DECODE_ERROR);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_PACKET_TRUNCATED], 1);
    CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 1);
    decoder_free(d);
}

/* Protocols not decoded further still make flows. */
static void test_ipv4_other_proto(void)
{
    struct fb f;
    fb_init(&f);
    fb_eth(&f, 0x0800);
    size_t ip = fb_ipv4(&f, 50); /* ESP */
    fb_be32(&f, 0x1001);
    fb_be32(&f, 1);
    fb_zero(&f, 16);
    fb_ipv4_done(&f, ip);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(td_decode(d, LINK_ETHERNET, &f, &p), DECODE_OK);
    CHECK_EQ_INT(p.l4proto, 50);
    CHECK_EQ_INT(p.sport, 0);
    CHECK(p.l4 == f.b + 34);
    CHECK_EQ_INT(p.l4_len, 24);
    CHECK_EQ_INT(p.payload_len, 24);
    decoder_free(d);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
}

TEST_MAIN(TEST(test_ipv4_fields), TEST(test_ipv4_options_valid), TEST(test_ipv4_options_bad),
          TEST(test_ipv4_malformed), TEST(test_ipv4_snapped), TEST(test_ipv4_other_proto))
