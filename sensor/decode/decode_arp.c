/*
 * Address Resolution Protocol, RFC 826 (and RARP, RFC 903, same layout).
 *
 *    0        2        4    5    6        8
 *   +--------+--------+----+----+--------+
 *   | htype  | ptype  |hlen|plen| oper   |
 *   +--------+--------+----+----+--------+------------+-------------+
 *   | sender hw (hlen) | sender proto (plen) | target hw | target proto |
 *   +------------------+---------------------+-----------+--------------+
 *
 * ARP is not a flow: the packet's l3/l3_len give the whole ARP message so
 * that asset inventory can read sender addresses from it.
 */
#include "decode/decode_internal.h"

enum {
    ARP_FIXED_LEN = 8,
};

enum decode_result decode_arp(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_ARP);
    if (len < ARP_FIXED_LEN)
        return decode_truncated(c, b + len, ANOM_ARP_TRUNCATED);

    size_t need = ARP_FIXED_LEN + 2 * ((size_t)b[4] + b[5]);
    if (len < need)
        return decode_truncated(c, b + len, ANOM_ARP_TRUNCATED);

    c->p->l3 = b;
    c->p->l3_len = need;
    return DECODE_NOFLOW;
}
