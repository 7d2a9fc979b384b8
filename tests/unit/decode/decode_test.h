/*
 * Shared by the decode unit tests: a frame builder that writes headers
 * field by field (lengths and checksums fixed up afterwards), and checks
 * that every test runs: exact anomaly accounting and the truncation sweep.
 */
#ifndef MAMORI_TEST_DECODE_TEST_H
#define MAMORI_TEST_DECODE_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

#define TD_TS 1700000000000000ull

struct fb {
    uint8_t b[4096];
    size_t n;
};

static const uint8_t td_mac_dst[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t td_mac_src[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t td_ip4_src[4] = {10, 0, 0, 1};
static const uint8_t td_ip4_dst[4] = {10, 0, 0, 2};
static const uint8_t td_ip6_src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t td_ip6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static inline void fb_init(struct fb *f)
{
    memset(f, 0, sizeof *f);
}

static inline size_t fb_put(struct fb *f, const void *p, size_t n)
{
    size_t at = f->n;
    memcpy(f->b + f->n, p, n);
    f->n += n;
    return at;
}

static inline void fb_u8(struct fb *f, uint8_t v)
{
    f->b[f->n++] = v;
}

static inline void fb_set16(struct fb *f, size_t at, uint16_t v)
{
    f->b[at] = (uint8_t)(v >> 8);
    f->b[at + 1] = (uint8_t)v;
}

static inline void fb_be16(struct fb *f, uint16_t v)
{
    fb_set16(f, f->n, v);
    f->n += 2;
}

static inline void fb_be32(struct fb *f, uint32_t v)
{
    fb_be16(f, (uint16_t)(v >> 16));
    fb_be16(f, (uint16_t)v);
}

static inline void fb_zero(struct fb *f, size_t n)
{
    memset(f->b + f->n, 0, n);
    f->n += n;
}

static inline void fb_text(struct fb *f, const char *s)
{
    fb_put(f, s, strlen(s));
}

static inline void fb_eth(struct fb *f, uint16_t type)
{
    fb_put(f, td_mac_dst, 6);
    fb_put(f, td_mac_src, 6);
    fb_be16(f, type);
}

static inline void fb_vlan(struct fb *f, uint16_t tci, uint16_t type)
{
    fb_be16(f, tci);
    fb_be16(f, type);
}

/* IPv4 header with options; fb_ipv4_done() sets length and checksum. */
static inline size_t fb_ipv4_opts(struct fb *f, uint8_t proto, const uint8_t *opt, size_t optlen)
{
    size_t at = f->n;
    fb_u8(f, (uint8_t)(0x40 | (20 + optlen) / 4));
    fb_u8(f, 0);
    fb_be16(f, 0);
    fb_be16(f, 0x1234); /* id */
    fb_be16(f, 0x4000); /* DF */
    fb_u8(f, 64);
    fb_u8(f, proto);
    fb_be16(f, 0);
    fb_put(f, td_ip4_src, 4);
    fb_put(f, td_ip4_dst, 4);
    if (optlen)
        fb_put(f, opt, optlen);
    return at;
}

static inline size_t fb_ipv4(struct fb *f, uint8_t proto)
{
    return fb_ipv4_opts(f, proto, NULL, 0);
}

static inline void fb_ipv4_done(struct fb *f, size_t at)
{
    size_t hlen = (size_t)(f->b[at] & 0x0f) * 4;
    fb_set16(f, at + 2, (uint16_t)(f->n - at));
    fb_set16(f, at + 10, 0);
    uint32_t sum = 0;
    for (size_t i = 0; i < hlen; i += 2)
        sum += (uint32_t)f->b[at + i] << 8 | f->b[at + i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    fb_set16(f, at + 10, (uint16_t)~sum);
}

static inline size_t fb_ipv6(struct fb *f, uint8_t nh)
{
    size_t at = f->n;
    fb_be32(f, 0x60000000);
    fb_be16(f, 0);
    fb_u8(f, nh);
    fb_u8(f, 255);
    fb_put(f, td_ip6_src, 16);
    fb_put(f, td_ip6_dst, 16);
    return at;
}

static inline void fb_ipv6_done(struct fb *f, size_t at)
{
    fb_set16(f, at + 4, (uint16_t)(f->n - at - 40));
}

static inline void fb_tcp_opts(struct fb *f, uint16_t sport, uint16_t dport, uint32_t seq,
                               uint32_t ack, uint8_t flags, const uint8_t *opt, size_t optlen)
{
    fb_be16(f, sport);
    fb_be16(f, dport);
    fb_be32(f, seq);
    fb_be32(f, ack);
    fb_u8(f, (uint8_t)(((20 + optlen) / 4) << 4));
    fb_u8(f, flags);
    fb_be16(f, 29200);
    fb_be16(f, 0);
    fb_be16(f, 0);
    if (optlen)
        fb_put(f, opt, optlen);
}

static inline void fb_tcp(struct fb *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                          uint8_t flags)
{
    fb_tcp_opts(f, sport, dport, seq, ack, flags, NULL, 0);
}

static inline size_t fb_udp(struct fb *f, uint16_t sport, uint16_t dport)
{
    size_t at = f->n;
    fb_be16(f, sport);
    fb_be16(f, dport);
    fb_be16(f, 0);
    fb_be16(f, 0);
    return at;
}

static inline void fb_udp_done(struct fb *f, size_t at)
{
    fb_set16(f, at + 4, (uint16_t)(f->n - at));
}

/* Ethernet / IPv4 / TCP 1234 -> 80 with a payload; the usual test frame. */
static inline void fb_eth_ipv4_tcp(struct fb *f, const char *payload)
{
    fb_eth(f, 0x0800);
    size_t ip = fb_ipv4(f, 6);
    fb_tcp(f, 1234, 80, 1000, 2000, 0x18);
    fb_text(f, payload);
    fb_ipv4_done(f, ip);
}

static inline uint64_t td_anomalies(const struct decode_stats *s)
{
    uint64_t n = 0;
    for (int i = 0; i < DECODE_ANOMALY_COUNT; i++)
        n += s->anomaly[i];
    return n;
}

static inline void td_print_anomalies(const struct decode_stats *s)
{
    for (int i = 0; i < DECODE_ANOMALY_COUNT; i++) {
        if (s->anomaly[i])
            fprintf(stderr, "    %s=%llu\n", decode_anomaly_name((enum decode_anomaly)i),
                    (unsigned long long)s->anomaly[i]);
    }
}

/* Decodes one frame on a fresh decoder and checks the result and that
 * exactly one anomaly, of kind a, was counted (a < 0: none at all). */
static inline bool td_expect(int link, const uint8_t *b, size_t len, enum decode_result want, int a)
{
    struct decoder *d = decoder_new(NULL);
    struct packet p;
    if (!d)
        return false;
    enum decode_result r = decode_packet(d, link, b, len, len, TD_TS, &p);
    const struct decode_stats *s = decoder_stats(d);
    bool ok =
        r == want && (a < 0 ? td_anomalies(s) == 0 : td_anomalies(s) == 1 && s->anomaly[a] == 1);
    if (!ok) {
        fprintf(stderr, "  decode gave %d (want %d), anomalies (want %s):\n", r, want,
                a < 0 ? "none" : decode_anomaly_name((enum decode_anomaly)a));
        td_print_anomalies(s);
    }
    decoder_free(d);
    return ok;
}

static inline bool td_in(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
    return p && p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

/*
 * The truncation sweep: every prefix of the frame is decoded from the end
 * of an allocation of exactly its size, so AddressSanitizer reports any
 * read past it. Each prefix is decoded twice: as a whole frame (caplen ==
 * wirelen) and as a capture cut by snaplen (wirelen = len). need is the
 * shortest prefix that must decode like the whole frame (the frame minus
 * Ethernet padding); shorter ones must fail with an anomaly counted, or,
 * when cut by snaplen, fail with packet_truncated or decode the same way
 * with less payload. Any DECODE_ERROR must have counted an anomaly, and
 * nothing else may have.
 */
static inline bool td_sweep(int link, const uint8_t *frame, size_t len, size_t need)
{
    bool ok = true;
    struct packet p;
    struct decoder *d = decoder_new(NULL);
    if (!d)
        return false;
    enum decode_result full = decode_packet(d, link, frame, len, len, TD_TS, &p);
    decoder_free(d);

    for (size_t i = 0; i <= len && ok; i++) {
        for (int snap = 0; snap < 2 && ok; snap++) {
            uint8_t *buf = malloc(i ? i : 1);
            d = decoder_new(NULL);
            if (!buf || !d) {
                free(buf);
                decoder_free(d);
                return false;
            }
            memcpy(buf, frame, i);
            enum decode_result r =
                decode_packet(d, link, i ? buf : NULL, i, snap ? len : i, TD_TS, &p);
            const struct decode_stats *s = decoder_stats(d);
            uint64_t an = td_anomalies(s);
            if ((r == DECODE_ERROR) != (an > 0))
                ok = false;
            if (i >= need && r != full)
                ok = false;
            if (i < need && !snap && r != DECODE_ERROR)
                ok = false;
            if (i < need && snap && r != full &&
                !(r == DECODE_ERROR && an == 1 && s->anomaly[ANOM_PACKET_TRUNCATED] == 1))
                ok = false;
            if (r == DECODE_OK && !p.reassembled &&
                (!td_in(p.l3, p.l3_len, buf, i) || (p.l4 && !td_in(p.l4, p.l4_len, buf, i)) ||
                 (p.payload && !td_in(p.payload, p.payload_len, buf, i))))
                ok = false;
            if (!ok) {
                fprintf(stderr, "  sweep: prefix %zu/%zu%s gave %d (whole frame %d)\n", i, len,
                        snap ? " (snapped)" : "", r, full);
                td_print_anomalies(s);
            }
            decoder_free(d);
            free(buf);
        }
    }
    return ok;
}

/* Decodes a whole frame with no anomaly expected; the packet's pointers
 * stay valid as long as f and d. */
static inline enum decode_result td_decode(struct decoder *d, int link, const struct fb *f,
                                           struct packet *p)
{
    return decode_packet(d, link, f->b, f->n, f->n, TD_TS, p);
}

#endif
