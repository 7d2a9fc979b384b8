/*
 * Generic Routing Encapsulation version 0: RFC 2784 with the key and
 * sequence number extensions of RFC 2890. Version 1 (PPTP's enhanced GRE,
 * RFC 2637) and routing-present headers (RFC 1701, deprecated) are
 * recognised but not looked into. Payloads decoded: IPv4, IPv6,
 * transparent Ethernet bridging (0x6558) and Cisco ERSPAN (0x88be type
 * I/II, 0x22eb type III; draft-foschiano-erspan-03), which is how remote
 * SPAN sessions reach a sensor.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+---------------------+-----+---------------------------+
 *   |C|R|K|S|  Reserved0          | Ver |        Protocol Type      |
 *   +-+-+-+-+---------------------+-----+---------------------------+
 *   |      Checksum (if C)        |       Reserved1 (if C)          |
 *   +-----------------------------+---------------------------------+
 *   |                         Key (if K)                            |
 *   +---------------------------------------------------------------+
 *   |                  Sequence Number (if S)                       |
 *   +---------------------------------------------------------------+
 *   ERSPAN II (8 bytes):  Ver=1 | VLAN | COS En T | Session | Index
 *   ERSPAN III (12 bytes, +8 if O): Ver=2 | VLAN | ... | Timestamp |
 *                         SGT | P FT HwID D Gra O
 */
#include "decode/decode_internal.h"

#include <stdint.h>

#include "util/cursor.h"

enum {
    GRE_HDR_LEN = 4,
    GRE_FLAG_C = 0x8000,
    GRE_FLAG_R = 0x4000,
    GRE_FLAG_K = 0x2000,
    GRE_FLAG_S = 0x1000,
    GRE_VERSION_MASK = 0x0007,

    GRE_PROTO_IPV4 = 0x0800,
    GRE_PROTO_IPV6 = 0x86dd,
    GRE_PROTO_TEB = 0x6558,
    GRE_PROTO_ERSPAN2 = 0x88be,
    GRE_PROTO_ERSPAN3 = 0x22eb,

    ERSPAN2_HDR_LEN = 8,
    ERSPAN3_HDR_LEN = 12,
    ERSPAN3_SUBHDR_LEN = 8,
};

/* Returns the length of the ERSPAN header in front of the mirrored frame,
 * or SIZE_MAX after counting an anomaly. */
static size_t gre_erspan_len(struct decode_ctx *c, uint16_t proto, bool seq, const uint8_t *b,
                             size_t len)
{
    size_t hl;
    unsigned want_ver;

    /* Type I has no ERSPAN header and no GRE sequence number. */
    if (proto == GRE_PROTO_ERSPAN2 && !seq)
        return 0;
    if (proto == GRE_PROTO_ERSPAN2) {
        hl = ERSPAN2_HDR_LEN;
        want_ver = 1;
    } else {
        hl = ERSPAN3_HDR_LEN;
        want_ver = 2;
    }
    if (len >= hl && (unsigned)(b[0] >> 4) != want_ver) {
        decode_fail(c, ANOM_ERSPAN_BAD_VERSION);
        return SIZE_MAX;
    }
    if (proto == GRE_PROTO_ERSPAN3 && len >= hl && (b[11] & 0x01))
        hl += ERSPAN3_SUBHDR_LEN;
    if (len < hl) {
        decode_truncated(c, b + len, ANOM_ERSPAN_TRUNCATED);
        return SIZE_MAX;
    }
    return hl;
}

enum decode_result decode_gre(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_GRE);
    if (len < GRE_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_GRE_TRUNCATED);

    uint16_t flags = get_be16(b);
    uint16_t proto = get_be16(b + 2);
    switch (flags & GRE_VERSION_MASK) {
    case 0:
        break;
    case 1:
        /* PPTP carries PPP: a flow of protocol 47, nothing we decode. */
        c->p->l4 = b;
        c->p->l4_len = len;
        return DECODE_OK;
    default:
        return decode_fail(c, ANOM_GRE_BAD_VERSION);
    }

    size_t hl = GRE_HDR_LEN;
    if (flags & (GRE_FLAG_C | GRE_FLAG_R))
        hl += 4;
    if (flags & GRE_FLAG_K)
        hl += 4;
    if (flags & GRE_FLAG_S)
        hl += 4;
    if (len < hl)
        return decode_truncated(c, b + len, ANOM_GRE_TRUNCATED);

    struct packet *p = c->p;
    p->l4 = b;
    p->l4_len = len;
    p->payload = b + hl;
    p->payload_len = len - hl;
    /* RFC 2784: with routing present, source route entries follow and
     * hosts that do not implement RFC 1701 discard the packet. */
    if (flags & GRE_FLAG_R)
        return DECODE_OK;

    const uint8_t *in = b + hl;
    size_t in_len = len - hl;
    switch (proto) {
    case GRE_PROTO_IPV4:
        if (!decode_tunnel_enter(c))
            return DECODE_ERROR;
        return decode_ipv4(c, in, in_len);
    case GRE_PROTO_IPV6:
        if (!decode_tunnel_enter(c))
            return DECODE_ERROR;
        return decode_ipv6(c, in, in_len);
    case GRE_PROTO_TEB:
        if (!decode_tunnel_enter(c))
            return DECODE_ERROR;
        return decode_ethernet(c, in, in_len);
    case GRE_PROTO_ERSPAN2:
    case GRE_PROTO_ERSPAN3: {
        decode_count_layer(c, LAYER_ERSPAN);
        size_t eh = gre_erspan_len(c, proto, (flags & GRE_FLAG_S) != 0, in, in_len);
        if (eh == SIZE_MAX)
            return DECODE_ERROR;
        if (!decode_tunnel_enter(c))
            return DECODE_ERROR;
        return decode_ethernet(c, in + eh, in_len - eh);
    }
    default:
        return DECODE_OK;
    }
}
