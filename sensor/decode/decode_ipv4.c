/*
 * Internet Protocol version 4, RFC 791; options per RFC 791 section 3.1
 * and the IANA "IP Option Numbers" registry (router alert RFC 2113).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------+-------+---------------+-------------------------------+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-------+-------+---------------+-----+-------------------------+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +---------------+---------------+-----+-------------------------+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +---------------+---------------+-------------------------------+
 *   |                       Source Address                          |
 *   +---------------------------------------------------------------+
 *   |                    Destination Address                        |
 *   +---------------------------------------------------------------+
 *   |                    Options (IHL > 5)          |    Padding    |
 *   +-----------------------------------------------+---------------+
 *
 * Malformed options are counted but do not stop decoding: end hosts skip
 * them and accept the datagram, so dropping it here would hide its
 * payload from detection.
 */
#include "decode/decode_internal.h"

#include <string.h>

#include "decode/decode_options.h"
#include "util/cursor.h"

enum {
    IPV4_HDR_LEN = 20,
    IPV4_FLAG_MF = 0x2000,
    IPV4_OFFSET_MASK = 0x1fff,

    IPOPT_RR = 7,
    IPOPT_TS = 68,
    IPOPT_SEC = 130,
    IPOPT_LSRR = 131,
    IPOPT_SID = 136,
    IPOPT_SSRR = 137,
    IPOPT_RA = 148,
};

/* decode_options_valid: the lengths each option may have. */
static bool ipv4_option_valid(uint8_t type, const uint8_t *opt, size_t olen)
{
    switch (type) {
    case IPOPT_RR:
    case IPOPT_LSRR:
    case IPOPT_SSRR:
        /* pointer, then whole 4-byte addresses */
        if (olen < 3 || (olen - 3) % 4 != 0 || opt[2] < 4)
            return false;
        break;
    case IPOPT_TS:
        if (olen < 4 || opt[2] < 5)
            return false;
        break;
    case IPOPT_SID:
    case IPOPT_RA:
        if (olen != 4)
            return false;
        break;
    case IPOPT_SEC:
        if (olen < 3)
            return false;
        break;
    default:
        break;
    }
    return true;
}

/* Header fields, then either reassembly or the payload. rebuilt is set
 * when b is a datagram defrag.c has just put together. */
static enum decode_result ipv4_decode_header(struct decode_ctx *c, const uint8_t *b, size_t len,
                                             bool rebuilt)
{
    /* Version before length: a short packet of another version is a
     * wrong version, not a truncated one. */
    if (len >= 1 && b[0] >> 4 != 4)
        return decode_fail(c, ANOM_IPV4_BAD_VERSION);
    if (len < IPV4_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_IPV4_TRUNCATED);

    size_t hlen = (size_t)(b[0] & 0x0f) * 4;
    if (hlen < IPV4_HDR_LEN)
        return decode_fail(c, ANOM_IPV4_BAD_HLEN);
    if (hlen > len)
        return decode_truncated(c, b + len, ANOM_IPV4_TRUNCATED);

    size_t totlen = get_be16(b + 2);
    uint16_t frag = get_be16(b + 6);
    bool is_frag = (frag & (IPV4_FLAG_MF | IPV4_OFFSET_MASK)) != 0;
    /* Zero is what a sender's capture shows for a segmentation-offload
     * super-packet (Wireshark reads it the same way): the frame is the
     * datagram. Receivers never see one, so it is no evasion. */
    if (totlen == 0 && !is_frag)
        totlen = len;
    size_t ip_len = totlen;
    if (totlen < hlen)
        return decode_fail(c, ANOM_IPV4_BAD_TOTLEN);
    if (totlen > len) {
        /* Only a short capture may end the datagram early. */
        if (!decode_at_snap(c, b + len))
            return decode_fail(c, ANOM_IPV4_BAD_TOTLEN);
        ip_len = len;
    }
    /* A rebuilt header is the first fragment's, already checked. */
    if (!rebuilt && hlen > IPV4_HDR_LEN &&
        !decode_options_valid(b + IPV4_HDR_LEN, hlen - IPV4_HDR_LEN, ipv4_option_valid))
        c->d->stats.anomaly[ANOM_IPV4_BAD_OPTIONS]++;

    struct packet *p = c->p;
    p->ip_version = 4;
    p->ttl = b[8];
    p->l4proto = b[9];
    memcpy(p->src_ip, b + 12, 4);
    memset(p->src_ip + 4, 0, 12);
    memcpy(p->dst_ip, b + 16, 4);
    memset(p->dst_ip + 4, 0, 12);
    p->l3 = b;
    p->l3_len = ip_len;
    decode_l4_reset(p);

    if (!is_frag)
        return decode_ip_payload(c, b[9], b + hlen, ip_len - hlen);

    decode_count_layer(c, LAYER_IPV4_FRAG);
    if (ip_len < totlen)
        return decode_fail(c, ANOM_PACKET_TRUNCATED); /* cannot rebuild from a cut piece */

    struct defrag_frag fr = {
        .hdr = b,
        .hdr_len = hlen,
        .data = b + hlen,
        .data_len = totlen - hlen,
        .offset = (size_t)(frag & IPV4_OFFSET_MASK) * 8,
        .more = (frag & IPV4_FLAG_MF) != 0,
        .id = get_be16(b + 4),
        .proto = b[9],
        .version = 4,
        .src = b + 12,
        .dst = b + 16,
    };
    const uint8_t *out;
    size_t out_len;
    switch (decode_defrag_add(c->d->frag, &fr, p->ts_us, &out, &out_len)) {
    case DEFRAG_HELD:
        return DECODE_NOFLOW;
    case DEFRAG_COMPLETE:
        decode_count_layer(c, LAYER_REASSEMBLED);
        p->reassembled = true;
        return ipv4_decode_header(c, out, out_len, true);
    case DEFRAG_DROPPED:
    default:
        return DECODE_ERROR;
    }
}

enum decode_result decode_ipv4(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_IPV4);
    return ipv4_decode_header(c, b, len, false);
}
