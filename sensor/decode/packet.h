/*
 * A decoded packet: what decode/ fills in and what flow/, classify/ and
 * later stages read. Every pointer is borrowed: it points into the
 * captured frame (valid until the capture callback returns) or, for a
 * reassembled IP datagram, into the decoder's reassembly buffer (valid
 * until the next decode_packet() call on the same decoder).
 *
 * When the frame carries tunnels (GRE, VXLAN), the fields describe the
 * innermost IP packet; tunnel_depth says how many were peeled off.
 */
#ifndef MAMORI_DECODE_PACKET_H
#define MAMORI_DECODE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PACKET_MAX_VLANS 2

/* TCP flag bits as on the wire (byte 13 of the TCP header). */
enum {
    TCP_FIN = 0x01,
    TCP_SYN = 0x02,
    TCP_RST = 0x04,
    TCP_PSH = 0x08,
    TCP_ACK = 0x10,
    TCP_URG = 0x20,
    TCP_ECE = 0x40,
    TCP_CWR = 0x80,
};

struct packet {
    uint64_t ts_us;  /* capture time, microseconds since the epoch */
    size_t wirelen;  /* original length on the wire */
    size_t caplen;   /* bytes captured */
    const uint8_t *frame; /* borrowed: captured bytes, caplen long */

    /* Link layer (outermost). */
    uint16_t vlan[PACKET_MAX_VLANS]; /* VLAN ids, outer first */
    uint8_t vlan_depth;
    uint8_t tunnel_depth;
    bool has_mac;
    uint8_t src_mac[6], dst_mac[6];

    /* Network layer (innermost IP). ip_version is 4 or 6. Addresses are in
     * network byte order; an IPv4 address fills bytes 0..3, the rest zero. */
    uint8_t ip_version;
    uint8_t ttl;          /* TTL or hop limit */
    uint8_t l4proto;      /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, ... */
    bool reassembled;     /* true if rebuilt from fragments */
    uint8_t src_ip[16], dst_ip[16];
    const uint8_t *l3;    /* IP header start (what nDPI takes) */
    size_t l3_len;        /* IP header + payload, bounded by the capture */

    /* Transport layer. Ports are host order; for ICMP/ICMPv6 sport holds
     * the type and dport the code, as Suricata and nDPI do for flows. */
    uint16_t sport, dport;
    const uint8_t *l4;    /* transport header start */
    size_t l4_len;
    uint8_t tcp_flags;
    uint32_t tcp_seq, tcp_ack;
    uint16_t tcp_win;
    uint8_t icmp_type, icmp_code;
    const uint8_t *payload; /* application bytes after the transport header */
    size_t payload_len;     /* bounded by the capture and the IP length */
};

#endif
