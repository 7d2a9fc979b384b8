/*
 * PPP over Ethernet session stage, RFC 2516 section 4, carrying PPP
 * (RFC 1661) frames whose protocol is IPv4 (0x0021) or IPv6 (0x0057).
 * Discovery frames (EtherType 0x8863) are not decoded.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------+-------+---------------+-------------------------------+
 *   |  VER  | TYPE  |      CODE     |          SESSION_ID           |
 *   +-------+-------+---------------+-------------------------------+
 *   |            LENGTH             |        PPP protocol           |
 *   +-------------------------------+-------------------------------+
 *   |  payload ...
 *
 * LENGTH counts the PPP protocol field and payload, so it also cuts off
 * the Ethernet padding.
 */
#include "decode/decode_internal.h"

#include "util/cursor.h"

enum {
    PPPOE_HDR_LEN = 6,
    PPP_PROTO_LEN = 2,
    PPP_IPV4 = 0x0021,
    PPP_IPV6 = 0x0057,
};

enum decode_result decode_pppoe(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_PPPOE);
    if (len < PPPOE_HDR_LEN + PPP_PROTO_LEN)
        return decode_truncated(c, b + len, ANOM_PPPOE_TRUNCATED);

    size_t plen = get_be16(b + 4);
    if (plen > len - PPPOE_HDR_LEN) {
        if (!decode_at_snap(c, b + len))
            return decode_fail(c, ANOM_PPPOE_TRUNCATED);
        plen = len - PPPOE_HDR_LEN;
    }
    if (b[0] != 0x11 || b[1] != 0 || plen < PPP_PROTO_LEN) {
        /* another version, or a session frame with nothing in it */
        decode_count_layer(c, LAYER_OTHER);
        return DECODE_NOFLOW;
    }

    const uint8_t *in = b + PPPOE_HDR_LEN + PPP_PROTO_LEN;
    size_t in_len = plen - PPP_PROTO_LEN;
    switch (get_be16(b + PPPOE_HDR_LEN)) {
    case PPP_IPV4:
        return decode_ipv4(c, in, in_len);
    case PPP_IPV6:
        return decode_ipv6(c, in, in_len);
    default:
        /* LCP, IPCP, CHAP, ...: the link's own control traffic */
        decode_count_layer(c, LAYER_OTHER);
        return DECODE_NOFLOW;
    }
}
