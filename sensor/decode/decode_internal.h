/*
 * Private to decode/: the decoder object, the per-call context every layer
 * receives, and the entry points of the per-layer files.
 *
 * Every layer function has the same shape as Suricata's decoders: it gets
 * (ctx, bytes, len) where len already excludes whatever the outer layers
 * know not to belong to it (Ethernet padding, bytes past the IP total
 * length), checks the length first, fills its part of the packet and hands
 * the rest to the next layer. It returns an enum decode_result.
 */
#ifndef MAMORI_DECODE_DECODE_INTERNAL_H
#define MAMORI_DECODE_DECODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"

/* Tunnels peeled off one frame at most; deeper nesting is an evasion or a loop. */
#define DECODE_MAX_TUNNELS 4

/* Largest datagram reassembly can rebuild: an IPv6 header in front of a
 * 65535-byte payload (an IPv4 datagram is at most 65535 in all). */
#define DECODE_REASM_MAX (40 + 65535)

struct defrag;

struct decoder {
    struct decode_stats stats;
    struct decode_limits lim;
    struct defrag *frag; /* owned: decode_defrag_free() */
};

/* Per decode_packet() call. */
struct decode_ctx {
    struct decoder *d;
    struct packet *p;
    const uint8_t *cap_end; /* one past the last captured byte of the frame */
    bool snapped;           /* caplen < wirelen: the capture cut the frame */
};

static inline void decode_count_layer(struct decode_ctx *c, enum decode_layer l)
{
    c->d->stats.layer[l]++;
}

static inline enum decode_result decode_fail(struct decode_ctx *c, enum decode_anomaly a)
{
    c->d->stats.anomaly[a]++;
    return DECODE_ERROR;
}

/*
 * A header did not fit in [b, end). If that end is where the capture cut
 * the frame (snaplen), the packet was fine on the wire and only the
 * capture is short: count that, not a malformed layer.
 */
static inline bool decode_at_snap(const struct decode_ctx *c, const uint8_t *end)
{
    return c->snapped && end == c->cap_end;
}

static inline enum decode_result decode_truncated(struct decode_ctx *c, const uint8_t *end,
                                                  enum decode_anomaly a)
{
    return decode_fail(c, decode_at_snap(c, end) ? ANOM_PACKET_TRUNCATED : a);
}

/* Entering a tunnel: the innermost packet is reported, so outer transport
 * fields are forgotten by the inner IP layer. */
static inline bool decode_tunnel_enter(struct decode_ctx *c)
{
    if (c->p->tunnel_depth >= DECODE_MAX_TUNNELS) {
        c->d->stats.anomaly[ANOM_TUNNEL_TOO_DEEP]++;
        return false;
    }
    c->p->tunnel_depth++;
    return true;
}

/* Clears the transport fields before an IP layer fills them. */
static inline void decode_l4_reset(struct packet *p)
{
    p->sport = 0;
    p->dport = 0;
    p->l4 = NULL;
    p->l4_len = 0;
    p->tcp_flags = 0;
    p->tcp_seq = 0;
    p->tcp_ack = 0;
    p->tcp_win = 0;
    p->icmp_type = 0;
    p->icmp_code = 0;
    p->payload = NULL;
    p->payload_len = 0;
}

/* Link layers. */
enum decode_result decode_ethernet(struct decode_ctx *c, const uint8_t *b, size_t len);
enum decode_result decode_ethertype(struct decode_ctx *c, uint16_t type, const uint8_t *b,
                                    size_t len);
enum decode_result decode_sll(struct decode_ctx *c, const uint8_t *b, size_t len);
enum decode_result decode_sll2(struct decode_ctx *c, const uint8_t *b, size_t len);
enum decode_result decode_null(struct decode_ctx *c, const uint8_t *b, size_t len,
                               bool network_order);
enum decode_result decode_pppoe(struct decode_ctx *c, const uint8_t *b, size_t len);
enum decode_result decode_arp(struct decode_ctx *c, const uint8_t *b, size_t len);

/* Network layers. */
enum decode_result decode_ipv4(struct decode_ctx *c, const uint8_t *b, size_t len);
enum decode_result decode_ipv6(struct decode_ctx *c, const uint8_t *b, size_t len);
/* Dispatches an IP payload of protocol proto (both IP versions). */
enum decode_result decode_ip_payload(struct decode_ctx *c, uint8_t proto, const uint8_t *b,
                                     size_t len);

/* Transport layers and tunnels. */
enum decode_result decode_tcp(struct decode_ctx *c, const uint8_t *b, size_t len);
enum decode_result decode_udp(struct decode_ctx *c, const uint8_t *b, size_t len);
enum decode_result decode_icmp(struct decode_ctx *c, const uint8_t *b, size_t len);
enum decode_result decode_icmpv6(struct decode_ctx *c, const uint8_t *b, size_t len);
enum decode_result decode_gre(struct decode_ctx *c, const uint8_t *b, size_t len);
enum decode_result decode_vxlan(struct decode_ctx *c, const uint8_t *b, size_t len);

/* Reassembly (defrag.c). */
enum defrag_status {
    DEFRAG_HELD,     /* stored; the datagram is not complete yet */
    DEFRAG_COMPLETE, /* *out holds the rebuilt datagram */
    DEFRAG_DROPPED,  /* not stored; an anomaly was counted */
};

struct defrag_frag {
    const uint8_t *hdr; /* IP header (IPv6: plus the unfragmentable part) */
    size_t hdr_len;
    size_t nh_off;       /* IPv6: offset in hdr of the byte naming the fragment header */
    const uint8_t *data; /* fragment payload */
    size_t data_len;
    size_t offset; /* in bytes */
    bool more;     /* more fragments follow */
    uint32_t id;
    uint8_t proto; /* IPv4 protocol / IPv6 fragment header's next header */
    uint8_t version;
    const uint8_t *src, *dst; /* 4 or 16 bytes */
};

struct defrag *decode_defrag_new(const struct decode_limits *lim, struct decode_stats *st);
void decode_defrag_free(struct defrag *f);
enum defrag_status decode_defrag_add(struct defrag *f, const struct defrag_frag *fr, uint64_t ts_us,
                                     const uint8_t **out, size_t *out_len);
void decode_defrag_expire(struct defrag *f, uint64_t now_us);

#endif
