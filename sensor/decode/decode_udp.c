/*
 * User Datagram Protocol, RFC 768.
 *
 *    0      7 8     15 16    23 24    31
 *   +--------+--------+--------+--------+
 *   |   Source Port   |   Dest. Port    |
 *   +--------+--------+--------+--------+
 *   |     Length      |    Checksum     |
 *   +--------+--------+--------+--------+
 *   |          data octets ...
 *   +-----------------------------------
 *
 * Length counts the header; the payload ends there even if the IP
 * datagram is longer. Destination port 4789 hands the payload to VXLAN.
 */
#include "decode/decode_internal.h"

#include "util/cursor.h"

enum {
    UDP_HDR_LEN = 8,
    UDP_PORT_VXLAN = 4789,
};

enum decode_result decode_udp(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_UDP);
    if (len < UDP_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_UDP_TRUNCATED);

    size_t ulen = get_be16(b + 4);
    if (ulen < UDP_HDR_LEN)
        return decode_fail(c, ANOM_UDP_BAD_LEN);
    if (ulen > len) {
        if (!decode_at_snap(c, b + len))
            return decode_fail(c, ANOM_UDP_BAD_LEN);
        ulen = len;
    }

    struct packet *p = c->p;
    p->sport = get_be16(b);
    p->dport = get_be16(b + 2);
    p->l4 = b;
    p->l4_len = ulen;
    p->payload = b + UDP_HDR_LEN;
    p->payload_len = ulen - UDP_HDR_LEN;
    if (p->dport == UDP_PORT_VXLAN)
        return decode_vxlan(c, p->payload, p->payload_len);
    return DECODE_OK;
}
