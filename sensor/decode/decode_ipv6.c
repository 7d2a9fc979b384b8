/*
 * Internet Protocol version 6, RFC 8200, with its extension headers:
 * hop-by-hop and destination options (RFC 8200 4.3, 4.6, TLVs 4.2),
 * routing (4.4), fragment (4.5; atomic fragments RFC 6946) and the
 * authentication header (RFC 4302). ESP (RFC 4303) and "no next header"
 * end the chain: what follows is opaque.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------+---------------+---------------------------------------+
 *   |Version| Traffic Class |              Flow Label               |
 *   +-------+---------------+-------+---------------+---------------+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-------------------------------+---------------+---------------+
 *   |                  Source Address (16 bytes)                    |
 *   |                Destination Address (16 bytes)                 |
 *   +---------------------------------------------------------------+
 *   Extension header (all but fragment and AH):
 *   +---------------+---------------+-------------------------------+
 *   |  Next Header  | Hdr Ext Len   | (Hdr Ext Len + 1) * 8 bytes   |
 *   +---------------+---------------+-------------------------------+
 *   Fragment header (8 bytes):
 *   +---------------+---------------+-------------------------+-+-+-+
 *   |  Next Header  |   Reserved    |     Fragment Offset     |Res|M|
 *   +---------------+---------------+-------------------------+-+-+-+
 *   |                        Identification                         |
 *   +---------------------------------------------------------------+
 *   AH: length is (Payload Len + 2) * 4 bytes.
 *
 * Malformed option TLVs are counted but decoding goes on (the header's
 * own length is sound, hosts skip the options); a broken chain stops it.
 */
#include "decode/decode_internal.h"

#include <string.h>

#include "util/cursor.h"

enum {
    IPV6_HDR_LEN = 40,
    IPV6_FRAG_HDR_LEN = 8,
    /* Real chains are a handful long; a long one is a parser-exhaustion
     * attempt. */
    IPV6_MAX_EXTHDRS = 16,

    NH_HOPOPTS = 0,
    NH_ROUTING = 43,
    NH_FRAGMENT = 44,
    NH_AH = 51,
    NH_DSTOPTS = 60,

    OPT_PAD1 = 0,
};

/* Options of hop-by-hop and destination headers must tile the header. */
static bool ipv6_options_valid(const uint8_t *o, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (o[i] == OPT_PAD1) {
            i++;
            continue;
        }
        if (len - i < 2 || o[i + 1] > len - i - 2)
            return false;
        i += 2 + (size_t)o[i + 1];
    }
    return true;
}

static enum decode_result ipv6_decode_header(struct decode_ctx *c, const uint8_t *b, size_t len,
                                             bool rebuilt);

static enum decode_result ipv6_fragment(struct decode_ctx *c, const uint8_t *b, size_t ip_len,
                                        size_t off, size_t nh_off, bool cut)
{
    decode_count_layer(c, LAYER_IPV6_FRAG);
    if (cut)
        return decode_fail(c, ANOM_PACKET_TRUNCATED); /* cannot rebuild from a cut piece */

    uint16_t fo = get_be16(b + off + 2);
    struct defrag_frag fr = {
        .hdr = b,
        .hdr_len = off,
        .nh_off = nh_off,
        .data = b + off + IPV6_FRAG_HDR_LEN,
        .data_len = ip_len - off - IPV6_FRAG_HDR_LEN,
        .offset = fo & 0xfff8u,
        .more = (fo & 1) != 0,
        .id = get_be32(b + off + 4),
        .proto = b[off],
        .version = 6,
        .src = b + 8,
        .dst = b + 24,
    };
    const uint8_t *out;
    size_t out_len;
    switch (decode_defrag_add(c->d->frag, &fr, c->p->ts_us, &out, &out_len)) {
    case DEFRAG_HELD:
        return DECODE_NOFLOW;
    case DEFRAG_COMPLETE:
        decode_count_layer(c, LAYER_REASSEMBLED);
        c->p->reassembled = true;
        return ipv6_decode_header(c, out, out_len, true);
    case DEFRAG_DROPPED:
    default:
        return DECODE_ERROR;
    }
}

static enum decode_result ipv6_decode_header(struct decode_ctx *c, const uint8_t *b, size_t len,
                                             bool rebuilt)
{
    /* Version before length: a short packet of another version is a
     * wrong version, not a truncated one. */
    if (len >= 1 && b[0] >> 4 != 6)
        return decode_fail(c, ANOM_IPV6_BAD_VERSION);
    if (len < IPV6_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_IPV6_TRUNCATED);

    size_t want = IPV6_HDR_LEN + (size_t)get_be16(b + 4);
    size_t ip_len = want;
    if (want > len) {
        if (!decode_at_snap(c, b + len))
            return decode_fail(c, ANOM_IPV6_BAD_PLEN);
        ip_len = len;
    }

    struct packet *p = c->p;
    p->ip_version = 6;
    p->ttl = b[7];
    memcpy(p->src_ip, b + 8, 16);
    memcpy(p->dst_ip, b + 24, 16);
    p->l3 = b;
    p->l3_len = ip_len;
    decode_l4_reset(p);

    const uint8_t *end = b + ip_len;
    uint8_t nh = b[6];
    size_t nh_off = 6; /* where the current next-header value sits */
    size_t off = IPV6_HDR_LEN;
    for (unsigned n = 0;; n++) {
        size_t hl;
        p->l4proto = nh;
        if (n > IPV6_MAX_EXTHDRS)
            return decode_fail(c, ANOM_IPV6_BAD_EXTHDR);

        switch (nh) {
        case NH_HOPOPTS:
        case NH_DSTOPTS:
            /* RFC 8200 4.1: hop-by-hop only right after the IPv6 header */
            if (nh == NH_HOPOPTS && n != 0)
                return decode_fail(c, ANOM_IPV6_BAD_EXTHDR);
            if (ip_len - off < 2)
                return decode_truncated(c, end, ANOM_IPV6_BAD_EXTHDR);
            hl = ((size_t)b[off + 1] + 1) * 8;
            if (hl > ip_len - off)
                return decode_truncated(c, end, ANOM_IPV6_BAD_EXTHDR);
            if (!ipv6_options_valid(b + off + 2, hl - 2))
                c->d->stats.anomaly[ANOM_IPV6_BAD_EXTHDR]++;
            break;
        case NH_ROUTING:
            if (ip_len - off < 2)
                return decode_truncated(c, end, ANOM_IPV6_BAD_EXTHDR);
            hl = ((size_t)b[off + 1] + 1) * 8;
            if (hl > ip_len - off)
                return decode_truncated(c, end, ANOM_IPV6_BAD_EXTHDR);
            break;
        case NH_AH:
            if (ip_len - off < 2)
                return decode_truncated(c, end, ANOM_IPV6_BAD_EXTHDR);
            hl = ((size_t)b[off + 1] + 2) * 4;
            if (hl > ip_len - off)
                return decode_truncated(c, end, ANOM_IPV6_BAD_EXTHDR);
            break;
        case NH_FRAGMENT:
            if (ip_len - off < IPV6_FRAG_HDR_LEN)
                return decode_truncated(c, end, ANOM_IPV6_BAD_EXTHDR);
            /* A datagram rebuilt from fragments holding another fragment
             * header would nest reassembly: no host does that. */
            if (rebuilt)
                return decode_fail(c, ANOM_IPV6_BAD_EXTHDR);
            /* An atomic fragment (offset 0, no more) is a whole datagram. */
            if ((get_be16(b + off + 2) & 0xfff9u) != 0)
                return ipv6_fragment(c, b, ip_len, off, nh_off, ip_len < want);
            decode_count_layer(c, LAYER_IPV6_FRAG);
            hl = IPV6_FRAG_HDR_LEN;
            break;
        default:
            /* Upper layer, or ESP / no next header: the chain ends. */
            return decode_ip_payload(c, nh, b + off, ip_len - off);
        }
        nh_off = off;
        nh = b[off];
        off += hl;
    }
}

enum decode_result decode_ipv6(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_IPV6);
    return ipv6_decode_header(c, b, len, false);
}
