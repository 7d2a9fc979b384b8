/*
 * Decoder entry: link-type dispatch, raw IP link types, the IP payload
 * dispatcher shared by IPv4 and IPv6, counters and their names.
 *
 * References: tcpdump.org "Link-layer header types" (LINKTYPE_/DLT_ values),
 * IANA "Assigned Internet Protocol Numbers" for the payload dispatch.
 *
 * A raw IP frame (DLT_RAW, LINKTYPE_IPV4/IPV6) has no link header at all:
 *
 *    0   3 4
 *   +-----+---------------------------------
 *   | ver | IPv4 or IPv6 header ...
 *   +-----+---------------------------------
 *
 * The version nibble picks the decoder for DLT_RAW.
 */
#include "decode/decode.h"

#include <stdlib.h>

#include "decode/decode_internal.h"

enum {
    IPPROTO_V_ICMP = 1,
    IPPROTO_V_IPIP = 4,
    IPPROTO_V_TCP = 6,
    IPPROTO_V_UDP = 17,
    IPPROTO_V_IPV6 = 41,
    IPPROTO_V_GRE = 47,
    IPPROTO_V_ICMPV6 = 58,
};

/* One name per line, in the enum's order: clang-format would pack them. */
/* clang-format off */
static const char *const decode_layer_names[DECODE_LAYER_COUNT] = {
    [LAYER_ETHERNET] = "ethernet",
    [LAYER_SLL] = "sll",
    [LAYER_NULL] = "null",
    [LAYER_RAW] = "raw",
    [LAYER_VLAN] = "vlan",
    [LAYER_ARP] = "arp",
    [LAYER_IPV4] = "ipv4",
    [LAYER_IPV6] = "ipv6",
    [LAYER_IPV4_FRAG] = "ipv4_frag",
    [LAYER_IPV6_FRAG] = "ipv6_frag",
    [LAYER_REASSEMBLED] = "reassembled",
    [LAYER_TCP] = "tcp",
    [LAYER_UDP] = "udp",
    [LAYER_ICMP] = "icmp",
    [LAYER_ICMPV6] = "icmpv6",
    [LAYER_GRE] = "gre",
    [LAYER_VXLAN] = "vxlan",
    [LAYER_OTHER] = "other",
    [LAYER_IPIP] = "ipip",
    [LAYER_ERSPAN] = "erspan",
    [LAYER_PPPOE] = "pppoe",
};

static const char *const decode_anomaly_names[DECODE_ANOMALY_COUNT] = {
    [ANOM_ETH_TRUNCATED] = "eth_truncated",
    [ANOM_VLAN_TRUNCATED] = "vlan_truncated",
    [ANOM_VLAN_TOO_DEEP] = "vlan_too_deep",
    [ANOM_SLL_TRUNCATED] = "sll_truncated",
    [ANOM_NULL_TRUNCATED] = "null_truncated",
    [ANOM_ARP_TRUNCATED] = "arp_truncated",
    [ANOM_IPV4_TRUNCATED] = "ipv4_truncated",
    [ANOM_IPV4_BAD_VERSION] = "ipv4_bad_version",
    [ANOM_IPV4_BAD_HLEN] = "ipv4_bad_hlen",
    [ANOM_IPV4_BAD_TOTLEN] = "ipv4_bad_totlen",
    [ANOM_IPV4_BAD_OPTIONS] = "ipv4_bad_options",
    [ANOM_IPV6_TRUNCATED] = "ipv6_truncated",
    [ANOM_IPV6_BAD_VERSION] = "ipv6_bad_version",
    [ANOM_IPV6_BAD_EXTHDR] = "ipv6_bad_exthdr",
    [ANOM_FRAG_OVERLAP] = "frag_overlap",
    [ANOM_FRAG_TOO_LARGE] = "frag_too_large",
    [ANOM_FRAG_TIMEOUT] = "frag_timeout",
    [ANOM_FRAG_CAP_DROP] = "frag_cap_drop",
    [ANOM_TCP_TRUNCATED] = "tcp_truncated",
    [ANOM_TCP_BAD_HLEN] = "tcp_bad_hlen",
    [ANOM_TCP_BAD_OPTIONS] = "tcp_bad_options",
    [ANOM_UDP_TRUNCATED] = "udp_truncated",
    [ANOM_UDP_BAD_LEN] = "udp_bad_len",
    [ANOM_ICMP_TRUNCATED] = "icmp_truncated",
    [ANOM_ICMPV6_TRUNCATED] = "icmpv6_truncated",
    [ANOM_GRE_TRUNCATED] = "gre_truncated",
    [ANOM_GRE_BAD_VERSION] = "gre_bad_version",
    [ANOM_VXLAN_TRUNCATED] = "vxlan_truncated",
    [ANOM_TUNNEL_TOO_DEEP] = "tunnel_too_deep",
    [ANOM_PACKET_TRUNCATED] = "packet_truncated",
    [ANOM_RAW_TRUNCATED] = "raw_truncated",
    [ANOM_RAW_BAD_VERSION] = "raw_bad_version",
    [ANOM_IPV6_BAD_PLEN] = "ipv6_bad_plen",
    [ANOM_FRAG_BAD_LEN] = "frag_bad_len",
    [ANOM_ERSPAN_TRUNCATED] = "erspan_truncated",
    [ANOM_ERSPAN_BAD_VERSION] = "erspan_bad_version",
    [ANOM_PPPOE_TRUNCATED] = "pppoe_truncated",
};
/* clang-format on */

const char *decode_layer_name(enum decode_layer l)
{
    if ((unsigned)l >= DECODE_LAYER_COUNT || !decode_layer_names[l])
        return "unknown";
    return decode_layer_names[l];
}

const char *decode_anomaly_name(enum decode_anomaly a)
{
    if ((unsigned)a >= DECODE_ANOMALY_COUNT || !decode_anomaly_names[a])
        return "unknown";
    return decode_anomaly_names[a];
}

void decode_limits_default(struct decode_limits *lim)
{
    lim->frag_max_datagrams = 1024;
    lim->frag_max_bytes = 4u << 20;
    lim->frag_timeout_us = 30u * 1000000u;
}

struct decoder *decoder_new(const struct decode_limits *lim)
{
    struct decoder *d = calloc(1, sizeof *d);
    if (!d)
        goto fail;
    if (lim)
        d->lim = *lim;
    else
        decode_limits_default(&d->lim);
    d->frag = decode_defrag_new(&d->lim, &d->stats);
    if (!d->frag)
        goto fail;
    return d;

fail:
    decoder_free(d);
    return NULL;
}

void decoder_free(struct decoder *d)
{
    if (!d)
        return;
    decode_defrag_free(d->frag);
    free(d);
}

bool decode_linktype_supported(int linktype)
{
    switch (linktype) {
    case LINK_NULL:
    case LINK_ETHERNET:
    case LINK_RAW:
    case LINK_RAW_ALT:
    case LINK_LOOP:
    case LINK_SLL:
    case LINK_IPV4:
    case LINK_IPV6:
    case LINK_SLL2:
        return true;
    default:
        return false;
    }
}

void decoder_expire(struct decoder *d, uint64_t now_us)
{
    decode_defrag_expire(d->frag, now_us);
}

const struct decode_stats *decoder_stats(const struct decoder *d)
{
    return &d->stats;
}

static enum decode_result decode_raw(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_RAW);
    if (len < 1)
        return decode_truncated(c, b + len, ANOM_RAW_TRUNCATED);
    switch (b[0] >> 4) {
    case 4:
        return decode_ipv4(c, b, len);
    case 6:
        return decode_ipv6(c, b, len);
    default:
        return decode_fail(c, ANOM_RAW_BAD_VERSION);
    }
}

/*
 * Sets every scalar field a consumer may read whatever layer the decode
 * stops at. Addresses and MACs are written by the layers that set
 * ip_version and has_mac, so a dead packet costs no 32-byte clears.
 */
static void decode_packet_reset(struct packet *p, const uint8_t *frame, size_t caplen,
                                size_t wirelen, uint64_t ts_us)
{
    p->ts_us = ts_us;
    p->wirelen = wirelen;
    p->caplen = caplen;
    p->frame = frame;
    p->vlan[0] = 0;
    p->vlan[1] = 0;
    p->vlan_depth = 0;
    p->tunnel_depth = 0;
    p->has_mac = false;
    p->ip_version = 0;
    p->ttl = 0;
    p->l4proto = 0;
    p->reassembled = false;
    p->l3 = NULL;
    p->l3_len = 0;
    decode_l4_reset(p);
}

enum decode_result decode_packet(struct decoder *d, int linktype, const uint8_t *frame,
                                 size_t caplen, size_t wirelen, uint64_t ts_us, struct packet *p)
{
    /* Pointer arithmetic on NULL is undefined even with a zero offset. */
    static const uint8_t no_bytes[1];
    if (!frame) {
        frame = no_bytes;
        caplen = 0;
    }
    decode_packet_reset(p, frame, caplen, wirelen, ts_us);

    /* Lazy expiry keeps memory bounded when the caller never calls
     * decoder_expire(); it is a compare when nothing is pending. */
    if (d->stats.frag_pending)
        decode_defrag_expire(d->frag, ts_us);

    struct decode_ctx c = {
        .d = d,
        .p = p,
        .cap_end = frame + caplen,
        .snapped = caplen < wirelen,
    };

    switch (linktype) {
    case LINK_ETHERNET:
        return decode_ethernet(&c, frame, caplen);
    case LINK_SLL:
        return decode_sll(&c, frame, caplen);
    case LINK_SLL2:
        return decode_sll2(&c, frame, caplen);
    case LINK_NULL:
        return decode_null(&c, frame, caplen, false);
    case LINK_LOOP:
        return decode_null(&c, frame, caplen, true);
    case LINK_RAW:
    case LINK_RAW_ALT:
        return decode_raw(&c, frame, caplen);
    case LINK_IPV4:
        decode_count_layer(&c, LAYER_RAW);
        return decode_ipv4(&c, frame, caplen);
    case LINK_IPV6:
        decode_count_layer(&c, LAYER_RAW);
        return decode_ipv6(&c, frame, caplen);
    default:
        /* The caller should have asked decode_linktype_supported(). */
        decode_count_layer(&c, LAYER_OTHER);
        return DECODE_NOFLOW;
    }
}

/* A protocol this decoder does not parse still makes a flow (ESP, SCTP,
 * OSPF, ...): its bytes are the payload. */
static enum decode_result decode_ip_other(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    c->p->l4 = b;
    c->p->l4_len = len;
    c->p->payload = b;
    c->p->payload_len = len;
    return DECODE_OK;
}

enum decode_result decode_ip_payload(struct decode_ctx *c, uint8_t proto, const uint8_t *b,
                                     size_t len)
{
    switch (proto) {
    case IPPROTO_V_TCP:
        return decode_tcp(c, b, len);
    case IPPROTO_V_UDP:
        return decode_udp(c, b, len);
    case IPPROTO_V_ICMP:
        return decode_icmp(c, b, len);
    case IPPROTO_V_ICMPV6:
        return decode_icmpv6(c, b, len);
    case IPPROTO_V_GRE:
        return decode_gre(c, b, len);
    case IPPROTO_V_IPIP:
    case IPPROTO_V_IPV6:
        if (!decode_tunnel_enter(c))
            return DECODE_ERROR;
        decode_count_layer(c, LAYER_IPIP);
        return proto == IPPROTO_V_IPIP ? decode_ipv4(c, b, len) : decode_ipv6(c, b, len);
    default:
        return decode_ip_other(c, b, len);
    }
}
