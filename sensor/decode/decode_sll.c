/*
 * Linux "cooked" captures: LINKTYPE_LINUX_SLL (113) and LINKTYPE_LINUX_SLL2
 * (276), what libpcap produces on the "any" device.
 *
 * References: tcpdump.org linktypes/LINKTYPE_LINUX_SLL.html and
 * LINKTYPE_LINUX_SLL2.html; Linux include/uapi/linux/if_arp.h (ARPHRD_*).
 *
 * SLL (16 bytes):
 *   +-------------+-------------+-------------+-----------------+----------+
 *   | pkttype (2) | ARPHRD (2)  | addrlen (2) | address (8)     | type (2) |
 *   +-------------+-------------+-------------+-----------------+----------+
 * SLL2 (20 bytes):
 *   +----------+--------------+---------------+------------+
 *   | type (2) | reserved (2) | ifindex (4)   | ARPHRD (2) |
 *   +----------+--------------+---------------+------------+
 *   | pkttype (1) | addrlen (1) | address (8)              |
 *   +-------------+-------------+--------------------------+
 *
 * The address is the sender's link address; there is no destination.
 * "type" is an EtherType, or below 0x0600 a Linux pseudo-protocol (802.2,
 * 802.3, CAN, ...) that the EtherType dispatcher counts as "other".
 */
#include "decode/decode_internal.h"

#include <string.h>

#include "util/cursor.h"

enum {
    SLL_HDR_LEN = 16,
    SLL2_HDR_LEN = 20,
    ARPHRD_ETHER = 1,
    ARPHRD_NETLINK = 824, /* type is a netlink family, not an EtherType */
};

static void decode_sll_mac(struct decode_ctx *c, uint16_t hatype, size_t addrlen,
                           const uint8_t *addr)
{
    if (hatype != ARPHRD_ETHER || addrlen != 6)
        return;
    c->p->has_mac = true;
    memcpy(c->p->src_mac, addr, 6);
    memset(c->p->dst_mac, 0, 6);
}

enum decode_result decode_sll(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_SLL);
    if (len < SLL_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_SLL_TRUNCATED);

    uint16_t hatype = get_be16(b + 2);
    decode_sll_mac(c, hatype, get_be16(b + 4), b + 6);
    if (hatype == ARPHRD_NETLINK) {
        decode_count_layer(c, LAYER_OTHER);
        return DECODE_NOFLOW;
    }
    return decode_ethertype(c, get_be16(b + 14), b + SLL_HDR_LEN, len - SLL_HDR_LEN);
}

enum decode_result decode_sll2(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_SLL);
    if (len < SLL2_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_SLL_TRUNCATED);

    uint16_t hatype = get_be16(b + 8);
    decode_sll_mac(c, hatype, b[11], b + 12);
    if (hatype == ARPHRD_NETLINK) {
        decode_count_layer(c, LAYER_OTHER);
        return DECODE_NOFLOW;
    }
    return decode_ethertype(c, get_be16(b), b + SLL2_HDR_LEN, len - SLL2_HDR_LEN);
}
