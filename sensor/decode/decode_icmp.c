/*
 * Internet Control Message Protocol: ICMP for IPv4 (RFC 792) and ICMPv6
 * (RFC 4443). Both share the first 8 bytes' layout:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------+---------------+-------------------------------+
 *   |     Type      |     Code      |          Checksum             |
 *   +---------------+---------------+-------------------------------+
 *   |       type-specific: identifier/sequence, MTU, pointer, unused |
 *   +---------------------------------------------------------------+
 *   |  payload: echo data, or the offending datagram's header
 *   +-------------------------------------------------------
 *
 * Every message type of both protocols has the second word, so 8 bytes is
 * the minimum. For flows, sport carries the type and dport the code.
 */
#include "decode/decode_internal.h"

enum {
    ICMP_HDR_LEN = 8,
};

static enum decode_result icmp_fill(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    struct packet *p = c->p;
    p->icmp_type = b[0];
    p->icmp_code = b[1];
    p->sport = b[0];
    p->dport = b[1];
    p->l4 = b;
    p->l4_len = len;
    p->payload = b + ICMP_HDR_LEN;
    p->payload_len = len - ICMP_HDR_LEN;
    return DECODE_OK;
}

enum decode_result decode_icmp(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_ICMP);
    if (len < ICMP_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_ICMP_TRUNCATED);
    return icmp_fill(c, b, len);
}

enum decode_result decode_icmpv6(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_ICMPV6);
    if (len < ICMP_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_ICMPV6_TRUNCATED);
    return icmp_fill(c, b, len);
}
