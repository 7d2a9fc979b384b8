/*
 * Link-to-transport decoding. One decoder per worker; it owns the IP
 * fragment reassembly state and the counters, so it needs no locks.
 *
 * decode_packet() never reads past caplen. Anything malformed is counted
 * as an anomaly of a named kind (see decode_anomaly_name()); it never logs
 * on the packet path. A packet whose headers cannot be followed returns
 * DECODE_ERROR. A packet that end hosts would still accept (bad IP or TCP
 * options, overlapping fragments) is counted and still decoded: dropping
 * it would let an attacker hide a payload from detection.
 */
#ifndef MAMORI_DECODE_DECODE_H
#define MAMORI_DECODE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

/* Link types as returned by pcap_datalink() (DLT_* values). */
enum {
    LINK_NULL = 0,      /* BSD loopback, host-order family */
    LINK_ETHERNET = 1,
    LINK_RAW = 12,      /* DLT_RAW on Linux (LINKTYPE_RAW 101 maps here) */
    LINK_RAW_ALT = 14,  /* DLT_RAW on some BSDs */
    LINK_LOOP = 108,    /* OpenBSD loopback, network-order family */
    LINK_SLL = 113,
    LINK_IPV4 = 228,
    LINK_IPV6 = 229,
    LINK_SLL2 = 276,
};

enum decode_result {
    DECODE_OK = 0,       /* an IP packet with transport info: goes to flows */
    DECODE_NOFLOW = 1,   /* valid but not for flows (ARP, non-IP, fragment held) */
    DECODE_ERROR = -1,   /* malformed: an anomaly was counted */
};

/* Counters of packets seen per layer. */
enum decode_layer {
    LAYER_ETHERNET,
    LAYER_SLL,
    LAYER_NULL,
    LAYER_RAW,
    LAYER_VLAN,
    LAYER_ARP,
    LAYER_IPV4,
    LAYER_IPV6,
    LAYER_IPV4_FRAG,
    LAYER_IPV6_FRAG,
    LAYER_REASSEMBLED,
    LAYER_TCP,
    LAYER_UDP,
    LAYER_ICMP,
    LAYER_ICMPV6,
    LAYER_GRE,
    LAYER_VXLAN,
    LAYER_OTHER, /* valid frames of a kind not decoded further (LLDP, STP, IPX, ...) */
    LAYER_IPIP,   /* IPv4 or IPv6 carried directly in IP (protocols 4 and 41) */
    LAYER_ERSPAN, /* ERSPAN type II or III mirror traffic inside GRE */
    LAYER_PPPOE,  /* PPPoE session frames (RFC 2516) */
    DECODE_LAYER_COUNT
};

/* Kinds of malformed input. Each one a counter; names are snake_case. */
enum decode_anomaly {
    ANOM_ETH_TRUNCATED,
    ANOM_VLAN_TRUNCATED,
    ANOM_VLAN_TOO_DEEP,
    ANOM_SLL_TRUNCATED,
    ANOM_NULL_TRUNCATED,
    ANOM_ARP_TRUNCATED,
    ANOM_IPV4_TRUNCATED,
    ANOM_IPV4_BAD_VERSION,
    ANOM_IPV4_BAD_HLEN,
    ANOM_IPV4_BAD_TOTLEN,
    ANOM_IPV4_BAD_OPTIONS,
    ANOM_IPV6_TRUNCATED,
    ANOM_IPV6_BAD_VERSION,
    ANOM_IPV6_BAD_EXTHDR,
    ANOM_FRAG_OVERLAP,
    ANOM_FRAG_TOO_LARGE,
    ANOM_FRAG_TIMEOUT,
    ANOM_FRAG_CAP_DROP,
    ANOM_TCP_TRUNCATED,
    ANOM_TCP_BAD_HLEN,
    ANOM_TCP_BAD_OPTIONS,
    ANOM_UDP_TRUNCATED,
    ANOM_UDP_BAD_LEN,
    ANOM_ICMP_TRUNCATED,
    ANOM_ICMPV6_TRUNCATED,
    ANOM_GRE_TRUNCATED,
    ANOM_GRE_BAD_VERSION,
    ANOM_VXLAN_TRUNCATED,
    ANOM_TUNNEL_TOO_DEEP,
    ANOM_PACKET_TRUNCATED, /* caplen < wirelen cut into a header we needed */
    ANOM_RAW_TRUNCATED,    /* raw IP link type with an empty frame */
    ANOM_RAW_BAD_VERSION,  /* raw IP link type, version neither 4 nor 6 */
    ANOM_IPV6_BAD_PLEN,    /* payload length beyond the frame */
    ANOM_FRAG_BAD_LEN,     /* empty, not a multiple of 8, or past the datagram's end */
    ANOM_ERSPAN_TRUNCATED,
    ANOM_ERSPAN_BAD_VERSION,
    ANOM_PPPOE_TRUNCATED,  /* header, or its length field, past the frame */
    DECODE_ANOMALY_COUNT
};

struct decode_stats {
    uint64_t layer[DECODE_LAYER_COUNT];
    uint64_t anomaly[DECODE_ANOMALY_COUNT];
    uint64_t frag_pending;     /* datagrams being reassembled now */
    uint64_t frag_mem;         /* bytes held by reassembly now */
};

struct decode_limits {
    size_t frag_max_datagrams; /* pending datagrams at most (default 1024) */
    size_t frag_max_bytes;     /* bytes held for reassembly at most (default 4 MiB) */
    uint64_t frag_timeout_us;  /* a datagram not complete by then is dropped (default 30 s) */
};

struct decoder;

/* Fills lim with the defaults above. */
void decode_limits_default(struct decode_limits *lim);

/* Returns NULL on allocation failure. Owned: free with decoder_free(). */
struct decoder *decoder_new(const struct decode_limits *lim);
void decoder_free(struct decoder *d);

/* True for the link types above. */
bool decode_linktype_supported(int linktype);

/* Decodes one frame. On DECODE_OK, *p is filled; its pointers are valid
 * until the frame is released and until the next call on d. */
enum decode_result decode_packet(struct decoder *d, int linktype, const uint8_t *frame,
                                 size_t caplen, size_t wirelen, uint64_t ts_us,
                                 struct packet *p);

/* Drops reassembly state older than the timeout (counted as frag_timeout). */
void decoder_expire(struct decoder *d, uint64_t now_us);

/* Borrowed: valid as long as d. */
const struct decode_stats *decoder_stats(const struct decoder *d);

/* Static strings, e.g. "ipv4", "ipv4_bad_hlen". */
const char *decode_layer_name(enum decode_layer l);
const char *decode_anomaly_name(enum decode_anomaly a);

#endif
