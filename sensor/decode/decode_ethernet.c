/*
 * Ethernet II and IEEE 802.3 framing, IEEE 802.1Q VLAN tags and their
 * stacking (IEEE 802.1ad "QinQ", TPID 0x88a8; the pre-standard 0x9100).
 *
 * References: IEEE 802.3 clause 3.2.6 (Length/Type), IEEE 802.1Q-2018
 * clause 9.6 (VLAN tag), IEEE 802.1ad, IANA EtherType registry.
 *
 *    0                   6                  12        14
 *   +-------------------+-------------------+---------+---------
 *   | destination MAC   | source MAC        | type    | payload
 *   +-------------------+-------------------+---------+---------
 *   A VLAN tag sits where the type was and is followed by the real type:
 *   +-----------+-------------------+-----------+
 *   | TPID 8100 | PCP:3 DEI:1 VID:12| EtherType |
 *   +-----------+-------------------+-----------+
 *
 * The frame's trailer (padding to 60 bytes, an FCS some captures keep)
 * stays in len here; the IP layer bounds itself by its own length field.
 */
#include "decode/decode_internal.h"

#include <string.h>

#include "util/cursor.h"

enum {
    ETH_HDR_LEN = 14,
    VLAN_TAG_LEN = 4,
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_ARP = 0x0806,
    ETHERTYPE_VLAN = 0x8100,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_PPPOE_SESSION = 0x8864,
    ETHERTYPE_QINQ = 0x88a8,
    ETHERTYPE_QINQ_OLD = 0x9100,
};

enum decode_result decode_ethernet(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_ETHERNET);
    if (len < ETH_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_ETH_TRUNCATED);

    /* packet.h reports the outermost link layer: an Ethernet frame found
     * inside a tunnel must not overwrite it. */
    if (c->p->tunnel_depth == 0) {
        c->p->has_mac = true;
        memcpy(c->p->dst_mac, b, 6);
        memcpy(c->p->src_mac, b + 6, 6);
    }
    return decode_ethertype(c, get_be16(b + 12), b + ETH_HDR_LEN, len - ETH_HDR_LEN);
}

/* Shared by Ethernet, SLL, SLL2 and the tunnels that carry Ethernet. */
enum decode_result decode_ethertype(struct decode_ctx *c, uint16_t type, const uint8_t *b,
                                    size_t len)
{
    unsigned tags = 0;

    for (;;) {
        switch (type) {
        case ETHERTYPE_IPV4:
            return decode_ipv4(c, b, len);
        case ETHERTYPE_IPV6:
            return decode_ipv6(c, b, len);
        case ETHERTYPE_ARP:
            return decode_arp(c, b, len);
        case ETHERTYPE_PPPOE_SESSION:
            return decode_pppoe(c, b, len);
        case ETHERTYPE_VLAN:
        case ETHERTYPE_QINQ:
        case ETHERTYPE_QINQ_OLD:
            decode_count_layer(c, LAYER_VLAN);
            if (len < VLAN_TAG_LEN)
                return decode_truncated(c, b + len, ANOM_VLAN_TRUNCATED);
            /* More tags than a packet can report would hide the outer
             * ones; real networks stack two at most. */
            if (++tags > PACKET_MAX_VLANS)
                return decode_fail(c, ANOM_VLAN_TOO_DEEP);
            if (c->p->tunnel_depth == 0)
                c->p->vlan[c->p->vlan_depth++] = get_be16(b) & 0x0fff;
            type = get_be16(b + 2);
            b += VLAN_TAG_LEN;
            len -= VLAN_TAG_LEN;
            break;
        default:
            /* LLC/SNAP (STP, CDP), LLDP, IPX, PPPoE discovery, MPLS, ...: valid,
             * not decoded further. */
            decode_count_layer(c, LAYER_OTHER);
            return DECODE_NOFLOW;
        }
    }
}
