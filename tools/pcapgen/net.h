/* Ethernet, ARP, IPv4/IPv6, ICMP, UDP and TCP frame builders, and a TCP conversation helper.
 *
 * References: IEEE 802.3 (Ethernet II framing), RFC 826 (ARP), RFC 791 (IPv4), RFC 8200 (IPv6),
 * RFC 792 (ICMP), RFC 768 (UDP), RFC 9293 (TCP), RFC 7323 (window scale), RFC 2018
 * (SACK-permitted), RFC 1071 (Internet checksum), RFC 1122 section 4.2.3.2 (delayed ACK).
 *
 *   +-----------+-----------+------+----------------+------------+---------+
 *   | dst MAC 6 | src MAC 6 | type | IPv4 20 / v6 40| TCP 20+opt | payload |
 *   +-----------+-----------+------+----------------+------------+---------+
 *
 * Frames are written into g->frame and queued with their timestamp; nothing is allocated.
 */
#ifndef PCAPGEN_NET_H
#define PCAPGEN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen.h"
#include "rng.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

#define NET_MSS 1460
#define NET_MAX_UDP_PAYLOAD 1472

void net_udp(struct gen *g, uint64_t t, struct host *src, uint16_t sport, struct host *dst,
             uint16_t dport, const uint8_t *payload, size_t len);
/* For DHCP: addresses given explicitly (0.0.0.0 source, broadcast destination). */
void net_udp_raw(struct gen *g, uint64_t t, const uint8_t smac[6], uint32_t sip, uint16_t sport,
                 const uint8_t dmac[6], uint32_t dip, uint16_t dport, uint8_t ttl, uint16_t ipid,
                 const uint8_t *payload, size_t len);
void net_udp6(struct gen *g, uint64_t t, const struct host *src, uint16_t sport,
              const struct host *dst, uint16_t dport, const uint8_t *payload, size_t len);
/* op 1 request, 2 reply; eth_dst NULL means broadcast. */
void net_arp(struct gen *g, uint64_t t, const uint8_t *eth_dst, uint16_t op, const uint8_t smac[6],
             uint32_t sip, const uint8_t tmac[6], uint32_t tip);
void net_icmp_echo(struct gen *g, uint64_t t, struct host *src, struct host *dst, bool reply,
                   uint16_t id, uint16_t seq);
void net_tcp(struct gen *g, uint64_t t, struct host *src, uint16_t sport, struct host *dst,
             uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
             const uint8_t *opts, size_t optlen, const uint8_t *payload, size_t len);

/* One TCP connection seen from a tap: side 0 is the client, side 1 the server. t is the time at
 * which the next thing can happen; every send advances it by the one-way trip to the peer and
 * back so that the peer can react. */
struct tcp_conv {
    struct gen *g;
    struct host *h[2];
    uint16_t port[2];
    uint32_t next_seq[2];
    uint32_t last_ack[2]; /* last ack number each side sent, to never emit a duplicate ACK */
    unsigned unacked[2];  /* segments side i received and has not acknowledged yet */
    uint64_t last_rx[2];  /* when side i received its oldest unacknowledged segment */
    uint64_t t;
    uint32_t rtt;    /* microseconds, tap to server and back */
    uint32_t gap;    /* spacing of back-to-back segments from one sender */
    uint16_t win[2]; /* advertised window after the handshake (scaled by 2^8) */
};

/* Starts a connection at t: SYN, SYN-ACK, ACK. */
void tcp_open(struct tcp_conv *c, struct gen *g, struct rng *r, struct host *cli, struct host *srv,
              uint16_t dport, uint64_t t);
/* Sends len bytes from side, split into MSS-sized segments, with the peer's ACKs. */
void tcp_send(struct tcp_conv *c, int side, const uint8_t *data, size_t len);
/* Sends exactly one segment (len <= MSS); used to split an application message on purpose. */
void tcp_send_segment(struct tcp_conv *c, int side, const uint8_t *data, size_t len);
/* Application think time; a receiver owing an ACK sends it after the 40 ms delayed-ACK timer. */
void tcp_think(struct tcp_conv *c, uint64_t us);
/* FIN from closer, FIN-ACK from the peer, last ACK. */
void tcp_close(struct tcp_conv *c, int closer);
/* RST-ACK from side (e.g. the client aborting after a scan). */
void tcp_reset(struct tcp_conv *c, int side);
/* A SYN answered by RST-ACK (closed port). Counts as a flow. */
void tcp_refused(struct gen *g, struct rng *r, struct host *cli, uint16_t sport, struct host *srv,
                 uint16_t dport, uint64_t t);

/* Round-trip time from the tap to h: LAN 0.2-2 ms, outside 15-80 ms. */
uint32_t net_rtt(struct rng *r, const struct host *h);

#endif
