#include "capture/fanout.h"

#include <string.h>

#include "decode/decode.h"
#include "util/cursor.h"

enum {
    FANOUT_ETH_IPV4 = 0x0800,
    FANOUT_ETH_IPV6 = 0x86dd,
    FANOUT_ETH_VLAN = 0x8100,
    FANOUT_ETH_QINQ = 0x88a8,
    FANOUT_ETH_QINQ_OLD = 0x9100,
    FANOUT_ETH_PPPOE = 0x8864,
    FANOUT_PPP_IPV4 = 0x0021,
    FANOUT_PPP_IPV6 = 0x0057,
    FANOUT_MAX_VLANS = 8,
};

static uint32_t fanout_fnv(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

/* The IP header at the cursor: addresses in a fixed order, so that both
 * directions give one value. */
static uint32_t fanout_ip(struct cursor *c)
{
    const uint8_t *v = cursor_take(c, 1);
    if (!v)
        return 0;
    size_t off, alen;
    if (*v >> 4 == 4) {
        off = 12;
        alen = 4;
    } else if (*v >> 4 == 6) {
        off = 8;
        alen = 16;
    } else {
        return 0;
    }
    if (!cursor_take(c, off - 1))
        return 0;
    const uint8_t *a = cursor_take(c, alen);
    const uint8_t *b = cursor_take(c, alen);
    if (!a || !b)
        return 0;
    if (memcmp(a, b, alen) > 0) {
        const uint8_t *t = a;
        a = b;
        b = t;
    }
    uint32_t h = fanout_fnv(2166136261u, a, alen);
    h = fanout_fnv(h, b, alen);
    return h ? h : 1;
}

static uint32_t fanout_ethertype(struct cursor *c, uint16_t type)
{
    for (int vlans = 0;; vlans++) {
        switch (type) {
        case FANOUT_ETH_IPV4:
        case FANOUT_ETH_IPV6:
            return fanout_ip(c);
        case FANOUT_ETH_VLAN:
        case FANOUT_ETH_QINQ:
        case FANOUT_ETH_QINQ_OLD: {
            const uint8_t *t = cursor_take(c, 4);
            if (!t || vlans >= FANOUT_MAX_VLANS)
                return 0;
            type = get_be16(t + 2);
            break;
        }
        case FANOUT_ETH_PPPOE: {
            /* version/type, code, session id, length, then PPP protocol */
            const uint8_t *h = cursor_take(c, 8);
            if (!h)
                return 0;
            uint16_t ppp = get_be16(h + 6);
            if (ppp != FANOUT_PPP_IPV4 && ppp != FANOUT_PPP_IPV6)
                return 0;
            return fanout_ip(c);
        }
        default:
            return 0;
        }
    }
}

uint32_t fanout_hash(int linktype, const uint8_t *frame, size_t caplen)
{
    struct cursor c;
    cursor_init(&c, frame, caplen);
    const uint8_t *h;
    switch (linktype) {
    case LINK_ETHERNET:
        if (!(h = cursor_take(&c, 14)))
            return 0;
        return fanout_ethertype(&c, get_be16(h + 12));
    case LINK_SLL:
        if (!(h = cursor_take(&c, 16)))
            return 0;
        return fanout_ethertype(&c, get_be16(h + 14));
    case LINK_SLL2:
        if (!(h = cursor_take(&c, 20)))
            return 0;
        return fanout_ethertype(&c, get_be16(h));
    case LINK_NULL:
    case LINK_LOOP:
        /* The family's byte order varies; the IP version nibble does not. */
        if (!cursor_take(&c, 4))
            return 0;
        return fanout_ip(&c);
    case LINK_RAW:
    case LINK_RAW_ALT:
    case LINK_IPV4:
    case LINK_IPV6:
        return fanout_ip(&c);
    default:
        return 0;
    }
}
