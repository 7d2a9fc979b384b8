/*
 * Virtual eXtensible LAN, RFC 7348 section 5, on UDP destination port 4789.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-----------------------------------------------+
 *   |R|R|R|R|I|R|R|R|                  Reserved                     |
 *   +-+-+-+-+-+-+-+-+-------------------------------+---------------+
 *   |           VXLAN Network Identifier (VNI)      |   Reserved    |
 *   +-----------------------------------------------+---------------+
 *   |  inner Ethernet frame ...
 *   +---------------------------
 *
 * Without the I flag the packet is not VXLAN (RFC 7348: receivers drop
 * it); it stays an ordinary UDP datagram for the flow table. Otherwise the
 * inner frame decides the result, as if it had been captured alone (an
 * inner ARP is DECODE_NOFLOW).
 */
#include "decode/decode_internal.h"

enum {
    VXLAN_HDR_LEN = 8,
    VXLAN_FLAG_I = 0x08,
};

enum decode_result decode_vxlan(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    if (len < VXLAN_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_VXLAN_TRUNCATED);
    if (!(b[0] & VXLAN_FLAG_I))
        return DECODE_OK;

    decode_count_layer(c, LAYER_VXLAN);
    if (!decode_tunnel_enter(c))
        return DECODE_ERROR;
    return decode_ethernet(c, b + VXLAN_HDR_LEN, len - VXLAN_HDR_LEN);
}
