/* IPv4 and IPv6 fragment reassembly. */
#include "../test.h"

#include "decode_test.h"

#define DGRAM_LEN 64 /* UDP header + 56 bytes */

/* The datagram being fragmented: a UDP header 7000 -> 514 and a pattern. */
static void dgram_make(uint8_t *d)
{
    d[0] = 7000 >> 8;
    d[1] = 7000 & 0xff;
    d[2] = 514 >> 8;
    d[3] = 514 & 0xff;
    d[4] = 0;
    d[5] = DGRAM_LEN;
    d[6] = 0;
    d[7] = 0;
    for (int i = 8; i < DGRAM_LEN; i++)
        d[i] = (uint8_t)(i * 7);
}

static void v4_frag(struct fb *f, uint16_t id, const uint8_t *data, size_t off, size_t len,
                    bool more)
{
    fb_init(f);
    fb_eth(f, 0x0800);
    size_t ip = fb_ipv4(f, 17);
    fb_set16(f, ip + 4, id);
    fb_set16(f, ip + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
    fb_put(f, data + off, len);
    fb_ipv4_done(f, ip);
}

static enum decode_result v4_send(struct decoder *d, uint16_t id, const uint8_t *data, size_t off,
                                  size_t len, bool more, uint64_t ts, struct packet *p)
{
    struct fb f;
    v4_frag(&f, id, data, off, len, more);
    return decode_packet(d, LINK_ETHERNET, f.b, f.n, f.n, ts, p);
}

/* The reassembled packet is a well-formed, unfragmented datagram. */
static void v4_check_whole(const struct packet *p, const uint8_t *data)
{
    CHECK(p->reassembled);
    CHECK_EQ_INT(p->ip_version, 4);
    CHECK_EQ_INT(p->l3_len, 20 + DGRAM_LEN);
    CHECK_EQ_INT(p->l3[2] << 8 | p->l3[3], 20 + DGRAM_LEN);
    CHECK_EQ_INT(p->l3[6] & 0x3f, 0); /* MF and offset cleared */
    CHECK_EQ_INT(p->l3[7], 0);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)p->l3[i] << 8 | p->l3[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    CHECK_EQ_INT(sum, 0xffff);
    CHECK_EQ_INT(p->l4proto, 17);
    CHECK_EQ_INT(p->sport, 7000);
    CHECK_EQ_INT(p->dport, 514);
    CHECK_EQ_INT(p->payload_len, DGRAM_LEN - 8);
    CHECK(p->payload && memcmp(p->payload, data + 8, DGRAM_LEN - 8) == 0);
}

static void check_idle(struct decoder *d)
{
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 0);
    CHECK_EQ_INT(decoder_stats(d)->frag_mem, 0);
}

static void test_defrag_ipv4_in_order(void)
{
    uint8_t data[DGRAM_LEN];
    dgram_make(data);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(v4_send(d, 1, data, 0, 24, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 1);
    CHECK(decoder_stats(d)->frag_mem > 24);
    CHECK_EQ_INT(v4_send(d, 1, data, 24, 24, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 1, data, 48, 16, false, TD_TS, &p), DECODE_OK);
    v4_check_whole(&p, data);
    CHECK(memcmp(p.src_ip, td_ip4_src, 4) == 0);
    const struct decode_stats *s = decoder_stats(d);
    CHECK_EQ_INT(s->layer[LAYER_IPV4_FRAG], 3);
    CHECK_EQ_INT(s->layer[LAYER_REASSEMBLED], 1);
    CHECK_EQ_INT(td_anomalies(s), 0);
    check_idle(d);
    decoder_free(d);

    /* each fragment alone is a valid frame for the sweep */
    struct fb f;
    v4_frag(&f, 1, data, 24, 24, true);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
    v4_frag(&f, 1, data, 48, 16, false);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
}

static void test_defrag_ipv4_out_of_order(void)
{
    uint8_t data[DGRAM_LEN];
    dgram_make(data);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(v4_send(d, 2, data, 48, 16, false, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 2, data, 0, 16, true, TD_TS, &p), DECODE_NOFLOW);
    /* another datagram's fragment, same addresses, other id */
    CHECK_EQ_INT(v4_send(d, 3, data, 0, 16, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 2);
    CHECK_EQ_INT(v4_send(d, 2, data, 32, 16, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 2, data, 16, 16, true, TD_TS, &p), DECODE_OK);
    v4_check_whole(&p, data);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 1);
    CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 0);
    decoder_free(d);
}

static void test_defrag_ipv4_overlap(void)
{
    uint8_t data[DGRAM_LEN], forged[DGRAM_LEN];
    dgram_make(data);
    memcpy(forged, data, DGRAM_LEN);
    memset(forged + 8, 'X', 32); /* rewrites bytes 8..40 */

    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(v4_send(d, 4, data, 0, 24, true, TD_TS, &p), DECODE_NOFLOW);
    /* [8, 40) overlaps [0, 24): only [24, 40) is new, and taken */
    CHECK_EQ_INT(v4_send(d, 4, forged, 8, 32, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_OVERLAP], 1);
    CHECK_EQ_INT(v4_send(d, 4, data, 40, 24, false, TD_TS, &p), DECODE_OK);
    CHECK(p.reassembled);
    CHECK_EQ_INT(p.payload_len, DGRAM_LEN - 8);
    /* first data wins where it was first; the forged bytes fill the hole */
    CHECK(memcmp(p.payload, data + 8, 16) == 0);
    CHECK(memcmp(p.payload + 16, forged + 24, 16) == 0);
    CHECK(memcmp(p.payload + 32, data + 40, 24) == 0);
    CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 1);
    check_idle(d);

    /* a fragment spanning two held pieces and the hole between them */
    CHECK_EQ_INT(v4_send(d, 5, data, 0, 16, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 5, data, 32, 16, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 5, forged, 8, 48, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_OVERLAP], 2);
    CHECK_EQ_INT(v4_send(d, 5, data, 56, 8, false, TD_TS, &p), DECODE_OK);
    CHECK(memcmp(p.payload, data + 8, 8) == 0);
    CHECK(memcmp(p.payload + 8, forged + 16, 16) == 0);
    CHECK(memcmp(p.payload + 24, data + 32, 16) == 0);
    CHECK(memcmp(p.payload + 40, forged + 48, 8) == 0);
    check_idle(d);
    decoder_free(d);
}

static void test_defrag_ipv4_duplicate(void)
{
    uint8_t data[DGRAM_LEN];
    dgram_make(data);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(v4_send(d, 6, data, 0, 32, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 6, data, 0, 32, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_OVERLAP], 1);
    CHECK_EQ_INT(v4_send(d, 6, data, 32, 32, false, TD_TS, &p), DECODE_OK);
    v4_check_whole(&p, data);
    /* the last fragment again, once the datagram is gone: a new, lone one */
    CHECK_EQ_INT(v4_send(d, 6, data, 32, 32, false, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 1);
    decoder_free(d);
}

static void test_defrag_timeout(void)
{
    uint8_t data[DGRAM_LEN];
    dgram_make(data);
    struct decode_limits lim;
    decode_limits_default(&lim);
    lim.frag_timeout_us = 1000000;
    struct decoder *d = decoder_new(&lim);
    struct packet p;
    CHECK_EQ_INT(v4_send(d, 7, data, 0, 32, true, TD_TS, &p), DECODE_NOFLOW);
    decoder_expire(d, TD_TS + 999999);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 1);
    decoder_expire(d, TD_TS - 5); /* time running backwards expires nothing */
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 1);
    decoder_expire(d, TD_TS + 1000000);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_TIMEOUT], 1);
    check_idle(d);
    /* the rest arrives late: it starts a datagram that cannot complete */
    CHECK_EQ_INT(v4_send(d, 7, data, 32, 32, false, TD_TS + 1000001, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 1);

    /* lazily: any later packet past the timeout drops it */
    struct fb f;
    fb_init(&f);
    fb_eth_ipv4_tcp(&f, "later");
    CHECK_EQ_INT(decode_packet(d, LINK_ETHERNET, f.b, f.n, f.n, TD_TS + 2000001, &p), DECODE_OK);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_TIMEOUT], 2);
    check_idle(d);
    decoder_free(d);
}

static void test_defrag_cap_datagrams(void)
{
    uint8_t data[DGRAM_LEN];
    dgram_make(data);
    struct decode_limits lim;
    decode_limits_default(&lim);
    lim.frag_max_datagrams = 4;
    struct decoder *d = decoder_new(&lim);
    struct packet p;
    for (uint16_t id = 10; id < 14; id++)
        CHECK_EQ_INT(v4_send(d, id, data, 0, 32, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 14, data, 0, 32, true, TD_TS, &p), DECODE_ERROR);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_CAP_DROP], 1);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 4);
    /* the held ones still complete, which makes room again */
    CHECK_EQ_INT(v4_send(d, 12, data, 32, 32, false, TD_TS, &p), DECODE_OK);
    v4_check_whole(&p, data);
    CHECK_EQ_INT(v4_send(d, 14, data, 0, 32, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 4);
    decoder_free(d);
}

static void test_defrag_cap_bytes(void)
{
    static uint8_t big[1400];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)i;
    struct decode_limits lim;
    decode_limits_default(&lim);
    lim.frag_max_bytes = 1500;
    struct decoder *d = decoder_new(&lim);
    struct packet p;
    CHECK_EQ_INT(v4_send(d, 20, big, 0, 1200, true, TD_TS, &p), DECODE_NOFLOW);
    uint64_t held = decoder_stats(d)->frag_mem;
    CHECK(held > 1200 && held <= 1500);
    /* the next piece would pass the cap: the whole datagram goes */
    CHECK_EQ_INT(v4_send(d, 20, big, 1200, 200, false, TD_TS, &p), DECODE_ERROR);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_CAP_DROP], 1);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_REASSEMBLED], 0);
    check_idle(d);
    /* the memory is back: another datagram fits, a second one beside it not */
    CHECK_EQ_INT(v4_send(d, 21, big, 0, 1200, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 22, big, 0, 1200, true, TD_TS, &p), DECODE_ERROR);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_CAP_DROP], 2);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 1);
    CHECK_EQ_INT(decoder_stats(d)->frag_mem, held);
    decoder_free(d);

    /* with room for it, the same pair reassembles */
    d = decoder_new(NULL);
    CHECK_EQ_INT(v4_send(d, 20, big, 0, 1200, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 20, big, 1200, 200, false, TD_TS, &p), DECODE_OK);
    CHECK_EQ_INT(p.l3_len, 1420);
    check_idle(d);
    decoder_free(d);
}

static void test_defrag_tiny_pieces(void)
{
    /* hundreds of 8-byte fragments: the per-datagram piece cap drops it */
    uint8_t zeros[8 * 300] = {0};
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    int errors = 0;
    for (size_t i = 0; i < 300; i++) {
        if (v4_send(d, 30, zeros, i * 8, 8, true, TD_TS, &p) == DECODE_ERROR)
            errors++;
    }
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_CAP_DROP], 1);
    CHECK_EQ_INT(errors, 1);
    CHECK(decoder_stats(d)->frag_pending <= 1);
    decoder_free(d);
}

static void test_defrag_malformed(void)
{
    static const uint8_t data[65536 + 16];
    struct fb f;
    /* not a multiple of 8 with more to come */
    v4_frag(&f, 40, data, 0, 12, true);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_FRAG_BAD_LEN));
    /* no data at all */
    v4_frag(&f, 40, data, 8, 0, true);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_FRAG_BAD_LEN));
    /* ping of death: past 65535 */
    v4_frag(&f, 40, data, 65528, 16, false);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_FRAG_TOO_LARGE));

    /* data past the end set by the last fragment, and a second last */
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(v4_send(d, 41, data, 16, 16, false, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 41, data, 24, 16, true, TD_TS, &p), DECODE_ERROR);
    CHECK_EQ_INT(v4_send(d, 41, data, 8, 16, false, TD_TS, &p), DECODE_ERROR);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_BAD_LEN], 2);
    /* a last fragment ending before data already held */
    CHECK_EQ_INT(v4_send(d, 42, data, 32, 16, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v4_send(d, 42, data, 8, 8, false, TD_TS, &p), DECODE_ERROR);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_BAD_LEN], 3);
    /* a fragment cut by snaplen cannot be used */
    v4_frag(&f, 43, data, 0, 32, true);
    CHECK_EQ_INT(decode_packet(d, LINK_ETHERNET, f.b, f.n - 1, f.n, TD_TS, &p), DECODE_ERROR);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_PACKET_TRUNCATED], 1);
    decoder_free(d);
}

/* IPv6: header, destination options (unfragmentable part), fragment
 * header, then a slice of the datagram. */
static void v6_frag(struct fb *f, uint32_t id, const uint8_t *data, size_t off, size_t len,
                    bool more)
{
    fb_init(f);
    fb_eth(f, 0x86dd);
    size_t ip = fb_ipv6(f, 60);
    fb_u8(f, 44);
    fb_u8(f, 0);
    fb_u8(f, 1);
    fb_u8(f, 4);
    fb_zero(f, 4);
    fb_u8(f, 17);
    fb_u8(f, 0);
    fb_be16(f, (uint16_t)(off | (more ? 1 : 0)));
    fb_be32(f, id);
    fb_put(f, data + off, len);
    fb_ipv6_done(f, ip);
}

static enum decode_result v6_send(struct decoder *d, uint32_t id, const uint8_t *data, size_t off,
                                  size_t len, bool more, struct packet *p)
{
    struct fb f;
    v6_frag(&f, id, data, off, len, more);
    return decode_packet(d, LINK_ETHERNET, f.b, f.n, f.n, TD_TS, p);
}

static void v6_check_whole(const struct packet *p, const uint8_t *data)
{
    CHECK(p->reassembled);
    CHECK_EQ_INT(p->ip_version, 6);
    CHECK_EQ_INT(p->l3_len, 40 + 8 + DGRAM_LEN);
    CHECK_EQ_INT(p->l3[4] << 8 | p->l3[5], 8 + DGRAM_LEN);
    CHECK_EQ_INT(p->l3[6], 60);
    CHECK_EQ_INT(p->l3[40], 17); /* was 44: the fragment header is gone */
    CHECK_EQ_INT(p->l4proto, 17);
    CHECK_EQ_INT(p->sport, 7000);
    CHECK_EQ_INT(p->payload_len, DGRAM_LEN - 8);
    CHECK(p->payload && memcmp(p->payload, data + 8, DGRAM_LEN - 8) == 0);
    CHECK(memcmp(p->src_ip, td_ip6_src, 16) == 0);
}

static void test_defrag_ipv6(void)
{
    uint8_t data[DGRAM_LEN];
    dgram_make(data);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(v6_send(d, 0x01020304, data, 0, 32, true, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v6_send(d, 0x01020304, data, 32, 32, false, &p), DECODE_OK);
    v6_check_whole(&p, data);
    CHECK_EQ_INT(decoder_stats(d)->layer[LAYER_IPV6_FRAG], 2);
    CHECK_EQ_INT(td_anomalies(decoder_stats(d)), 0);
    check_idle(d);

    /* out of order, with a duplicate of the middle */
    CHECK_EQ_INT(v6_send(d, 9, data, 48, 16, false, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v6_send(d, 9, data, 16, 32, true, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v6_send(d, 9, data, 16, 32, true, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v6_send(d, 9, data, 0, 16, true, &p), DECODE_OK);
    v6_check_whole(&p, data);
    CHECK_EQ_INT(decoder_stats(d)->anomaly[ANOM_FRAG_OVERLAP], 1);
    check_idle(d);
    decoder_free(d);

    struct fb f;
    v6_frag(&f, 9, data, 16, 32, true);
    CHECK(td_sweep(LINK_ETHERNET, f.b, f.n, f.n));
    v6_frag(&f, 9, data, 8, 12, true);
    CHECK(td_expect(LINK_ETHERNET, f.b, f.n, DECODE_ERROR, ANOM_FRAG_BAD_LEN));
}

static void test_defrag_v4_and_v6_apart(void)
{
    /* same id on both versions: two datagrams */
    uint8_t data[DGRAM_LEN];
    dgram_make(data);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    CHECK_EQ_INT(v4_send(d, 50, data, 0, 32, true, TD_TS, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(v6_send(d, 50, data, 32, 32, false, &p), DECODE_NOFLOW);
    CHECK_EQ_INT(decoder_stats(d)->frag_pending, 2);
    decoder_free(d); /* frees what is pending */
}

static void test_defrag_in_tunnel(void)
{
    /* inner IPv4 fragments carried in GRE */
    uint8_t data[DGRAM_LEN];
    dgram_make(data);
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    enum decode_result r[2];
    for (int k = 0; k < 2; k++) {
        struct fb f;
        fb_init(&f);
        fb_eth(&f, 0x0800);
        size_t ip = fb_ipv4(&f, 47);
        fb_be16(&f, 0);
        fb_be16(&f, 0x0800);
        size_t in = fb_ipv4(&f, 17);
        fb_set16(&f, in + 4, 99);
        fb_set16(&f, in + 6, (uint16_t)(k == 0 ? 0x2000 : 32 / 8));
        fb_put(&f, data + 32 * k, 32);
        fb_ipv4_done(&f, in);
        fb_ipv4_done(&f, ip);
        r[k] = decode_packet(d, LINK_ETHERNET, f.b, f.n, f.n, TD_TS, &p);
    }
    CHECK_EQ_INT(r[0], DECODE_NOFLOW);
    CHECK_EQ_INT(r[1], DECODE_OK);
    v4_check_whole(&p, data);
    CHECK_EQ_INT(p.tunnel_depth, 1);
    decoder_free(d);
}

TEST_MAIN(TEST(test_defrag_ipv4_in_order), TEST(test_defrag_ipv4_out_of_order),
          TEST(test_defrag_ipv4_overlap), TEST(test_defrag_ipv4_duplicate),
          TEST(test_defrag_timeout), TEST(test_defrag_cap_datagrams), TEST(test_defrag_cap_bytes),
          TEST(test_defrag_tiny_pieces), TEST(test_defrag_malformed), TEST(test_defrag_ipv6),
          TEST(test_defrag_v4_and_v6_apart), TEST(test_defrag_in_tunnel))
