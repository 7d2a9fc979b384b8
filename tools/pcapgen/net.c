/* Frame builders and the TCP conversation helper; references in net.h. */
#include "net.h"

#include <string.h>

#include "bytes.h"

#define ETH_HDR 14
#define IP4_HDR 20
#define IP6_HDR 40
#define UDP_HDR 8
#define TCP_HDR 20
#define MIN_FRAME 60 /* Ethernet minimum without FCS: a SPAN port shows short frames padded */

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
    while (len > 1) {
        sum += ((uint32_t)p[0] << 8) | p[1];
        p += 2;
        len -= 2;
    }
    if (len == 1)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void eth(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint16_t type)
{
    memcpy(f, dmac, 6);
    memcpy(f + 6, smac, 6);
    put_be16(f + 12, type);
}

/* The destination MAC of a frame from src to dst as the sensor sees it.
 * Hosts on different inside subnets reach each other through the
 * gateway, so the frame leaving the sender is addressed to the gateway's
 * MAC (outside hosts already carry the gateway's MAC). The mirror is of
 * the senders' side of the router, so each frame appears once. */
static const uint8_t *next_hop_mac(const struct gen *g, const struct host *src,
                                   const struct host *dst)
{
    const struct host *gw = g->hosp->gw;
    bool unicast = (dst->mac[0] & 1) == 0;
    if (unicast && !src->outside && !dst->outside && src != gw && dst != gw &&
        ((src->ip ^ dst->ip) & 0xffffff00u) != 0)
        return gw->mac;
    return dst->mac;
}

static void ip4(uint8_t *p, uint32_t sip, uint32_t dip, uint8_t proto, uint8_t ttl, uint16_t id,
                size_t l4len, bool df)
{
    p[0] = 0x45;
    p[1] = 0;
    put_be16(p + 2, (uint16_t)(IP4_HDR + l4len));
    put_be16(p + 4, id);
    put_be16(p + 6, df ? 0x4000 : 0);
    p[8] = ttl;
    p[9] = proto;
    put_be16(p + 10, 0);
    put_be32(p + 12, sip);
    put_be32(p + 16, dip);
    put_be16(p + 10, fold(sum16(0, p, IP4_HDR)));
}

static uint16_t l4_sum4(uint32_t sip, uint32_t dip, uint8_t proto, const uint8_t *l4, size_t len)
{
    uint32_t s =
        (sip >> 16) + (sip & 0xffff) + (dip >> 16) + (dip & 0xffff) + proto + (uint32_t)len;
    return fold(sum16(s, l4, len));
}

static void queue_padded(struct gen *g, uint64_t t, size_t len)
{
    if (len < MIN_FRAME) {
        memset(g->frame + len, 0, MIN_FRAME - len);
        len = MIN_FRAME;
    }
    gen_queue(g, t, len);
}

void net_udp_raw(struct gen *g, uint64_t t, const uint8_t smac[6], uint32_t sip, uint16_t sport,
                 const uint8_t dmac[6], uint32_t dip, uint16_t dport, uint8_t ttl, uint16_t ipid,
                 const uint8_t *payload, size_t len)
{
    if (len > NET_MAX_UDP_PAYLOAD)
        len = NET_MAX_UDP_PAYLOAD;
    uint8_t *f = g->frame;
    eth(f, dmac, smac, 0x0800);
    uint8_t *u = f + ETH_HDR + IP4_HDR;
    put_be16(u, sport);
    put_be16(u + 2, dport);
    put_be16(u + 4, (uint16_t)(UDP_HDR + len));
    put_be16(u + 6, 0);
    memcpy(u + UDP_HDR, payload, len);
    uint16_t cs = l4_sum4(sip, dip, 17, u, UDP_HDR + len);
    put_be16(u + 6, cs == 0 ? 0xffff : cs);
    ip4(f + ETH_HDR, sip, dip, 17, ttl, ipid, UDP_HDR + len, false);
    queue_padded(g, t, ETH_HDR + IP4_HDR + UDP_HDR + len);
}

void net_udp(struct gen *g, uint64_t t, struct host *src, uint16_t sport, struct host *dst,
             uint16_t dport, const uint8_t *payload, size_t len)
{
    uint8_t ttl = src->ttl;
    if ((dst->ip >> 28) == 0xe) /* multicast: link-local scope per RFC 6762 */
        ttl = 255;
    net_udp_raw(g, t, src->mac, src->ip, sport, next_hop_mac(g, src, dst), dst->ip, dport, ttl,
                host_ipid(src), payload, len);
}

void net_udp6(struct gen *g, uint64_t t, const struct host *src, uint16_t sport,
              const struct host *dst, uint16_t dport, const uint8_t *payload, size_t len)
{
    if (len > NET_MAX_UDP_PAYLOAD - 20)
        len = NET_MAX_UDP_PAYLOAD - 20;
    uint8_t *f = g->frame;
    uint8_t dmac[6];
    if (dst->ip6[0] == 0xff) { /* RFC 2464 section 7: 33:33 + low 32 bits of the group */
        dmac[0] = 0x33;
        dmac[1] = 0x33;
        memcpy(dmac + 2, dst->ip6 + 12, 4);
    } else {
        memcpy(dmac, dst->mac, 6);
    }
    eth(f, dmac, src->mac, 0x86dd);
    uint8_t *ip = f + ETH_HDR;
    put_be32(ip, 0x60000000u);
    put_be16(ip + 4, (uint16_t)(UDP_HDR + len));
    ip[6] = 17;
    ip[7] = 255;
    memcpy(ip + 8, src->ip6, 16);
    memcpy(ip + 24, dst->ip6, 16);
    uint8_t *u = ip + IP6_HDR;
    put_be16(u, sport);
    put_be16(u + 2, dport);
    put_be16(u + 4, (uint16_t)(UDP_HDR + len));
    put_be16(u + 6, 0);
    memcpy(u + UDP_HDR, payload, len);
    uint32_t s = sum16(0, ip + 8, 32) + (uint32_t)(UDP_HDR + len) + 17;
    uint16_t cs = fold(sum16(s, u, UDP_HDR + len));
    put_be16(u + 6, cs == 0 ? 0xffff : cs);
    queue_padded(g, t, ETH_HDR + IP6_HDR + UDP_HDR + len);
}

void net_arp(struct gen *g, uint64_t t, const uint8_t *eth_dst, uint16_t op, const uint8_t smac[6],
             uint32_t sip, const uint8_t tmac[6], uint32_t tip)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t *f = g->frame;
    eth(f, eth_dst != NULL ? eth_dst : bcast, smac, 0x0806);
    uint8_t *a = f + ETH_HDR;
    put_be16(a, 1);
    put_be16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    put_be16(a + 6, op);
    memcpy(a + 8, smac, 6);
    put_be32(a + 14, sip);
    memcpy(a + 18, tmac, 6);
    put_be32(a + 24, tip);
    queue_padded(g, t, ETH_HDR + 28);
}

void net_icmp_echo(struct gen *g, uint64_t t, struct host *src, struct host *dst, bool reply,
                   uint16_t id, uint16_t seq)
{
    /* The 32-byte pattern Windows ping sends. */
    static const char pattern[] = "abcdefghijklmnopqrstuvwabcdefghi";
    uint8_t *f = g->frame;
    eth(f, next_hop_mac(g, src, dst), src->mac, 0x0800);
    uint8_t *ic = f + ETH_HDR + IP4_HDR;
    ic[0] = reply ? 0 : 8;
    ic[1] = 0;
    put_be16(ic + 2, 0);
    put_be16(ic + 4, id);
    put_be16(ic + 6, seq);
    memcpy(ic + 8, pattern, 32);
    put_be16(ic + 2, fold(sum16(0, ic, 40)));
    ip4(f + ETH_HDR, src->ip, dst->ip, 1, src->ttl, host_ipid(src), 40, false);
    queue_padded(g, t, ETH_HDR + IP4_HDR + 40);
}

void net_tcp(struct gen *g, uint64_t t, struct host *src, uint16_t sport, struct host *dst,
             uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
             const uint8_t *opts, size_t optlen, const uint8_t *payload, size_t len)
{
    uint8_t *f = g->frame;
    size_t thl = TCP_HDR + optlen;
    if (len > NET_MSS)
        len = NET_MSS;
    eth(f, next_hop_mac(g, src, dst), src->mac, 0x0800);
    uint8_t *tc = f + ETH_HDR + IP4_HDR;
    put_be16(tc, sport);
    put_be16(tc + 2, dport);
    put_be32(tc + 4, seq);
    put_be32(tc + 8, (flags & TCP_ACK) ? ack : 0);
    tc[12] = (uint8_t)((thl / 4) << 4);
    tc[13] = flags;
    put_be16(tc + 14, win);
    put_be16(tc + 16, 0);
    put_be16(tc + 18, 0);
    if (optlen > 0)
        memcpy(tc + TCP_HDR, opts, optlen);
    if (len > 0)
        memcpy(tc + thl, payload, len);
    put_be16(tc + 16, l4_sum4(src->ip, dst->ip, 6, tc, thl + len));
    ip4(f + ETH_HDR, src->ip, dst->ip, 6, src->ttl, host_ipid(src), thl + len, true);
    queue_padded(g, t, ETH_HDR + IP4_HDR + thl + len);
}

uint32_t net_rtt(struct rng *r, const struct host *h)
{
    if (h->outside)
        return (uint32_t)rng_range(r, 15000, 80000);
    return (uint32_t)rng_range(r, 200, 2000);
}

/* Segment spacing: paced so that about eight segments are in flight, far inside the window. */
static uint32_t pace(uint32_t rtt)
{
    uint32_t gap = rtt / 8;
    return gap < 12 ? 12 : gap;
}

static void seg(struct tcp_conv *c, uint64_t t, int side, uint8_t flags, const uint8_t *data,
                size_t len)
{
    int peer = 1 - side;
    if (flags & TCP_ACK)
        c->last_ack[side] = c->next_seq[peer];
    net_tcp(c->g, t, c->h[side], c->port[side], c->h[peer], c->port[peer], c->next_seq[side],
            c->next_seq[peer], flags, c->win[side], NULL, 0, data, len);
}

static void pure_ack(struct tcp_conv *c, uint64_t t, int side)
{
    if (c->last_ack[side] == c->next_seq[1 - side])
        return; /* a second ACK of the same byte would read as a duplicate ACK */
    seg(c, t, side, TCP_ACK, NULL, 0);
    c->unacked[side] = 0;
}

void tcp_open(struct tcp_conv *c, struct gen *g, struct rng *r, struct host *cli, struct host *srv,
              uint16_t dport, uint64_t t)
{
    memset(c, 0, sizeof(*c));
    c->g = g;
    c->h[0] = cli;
    c->h[1] = srv;
    c->port[0] = host_port(cli);
    c->port[1] = dport;
    c->rtt = net_rtt(r, srv->outside ? srv : cli);
    c->gap = pace(c->rtt);
    uint32_t iss[2] = {(uint32_t)rng_next(r), (uint32_t)rng_next(r)};
    /* MSS 1460, NOP, window scale 8, NOP, NOP, SACK permitted: what Windows 10/11 sends. */
    static const uint8_t syn_opts[12] = {2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};
    net_tcp(g, t, cli, c->port[0], srv, dport, iss[0], 0, TCP_SYN, 64240, syn_opts, 12, NULL, 0);
    net_tcp(g, t + c->rtt, srv, dport, cli, c->port[0], iss[1], iss[0] + 1, TCP_SYN | TCP_ACK,
            65535, syn_opts, 12, NULL, 0);
    c->next_seq[0] = iss[0] + 1;
    c->next_seq[1] = iss[1] + 1;
    c->win[0] = 1026; /* 1026 << 8 = 262656 bytes */
    c->win[1] = 2053;
    c->t = t + c->rtt + 40;
    seg(c, c->t, 0, TCP_ACK, NULL, 0);
    c->t += 30;
    gen_flow(g);
}

static void flush_delayed(struct tcp_conv *c, uint64_t now)
{
    for (int s = 0; s < 2; s++) {
        if (c->unacked[s] == 0)
            continue;
        uint64_t due = c->last_rx[s] + c->rtt + 40000;
        if (due <= now)
            pure_ack(c, due, s);
    }
}

static void send_one(struct tcp_conv *c, int side, const uint8_t *data, size_t n, bool push)
{
    int peer = 1 - side;
    /* Data carries an ACK, so whatever this side owed is now acknowledged. */
    c->unacked[side] = 0;
    seg(c, c->t, side, TCP_ACK | (push ? TCP_PSH : 0), data, n);
    c->next_seq[side] += (uint32_t)n;
    if (c->unacked[peer] == 0)
        c->last_rx[peer] = c->t;
    c->unacked[peer]++;
    /* RFC 1122: ACK at least every second full-sized segment. */
    if (c->unacked[peer] >= 2)
        pure_ack(c, c->t + c->rtt, peer);
}

void tcp_send(struct tcp_conv *c, int side, const uint8_t *data, size_t len)
{
    flush_delayed(c, c->t);
    size_t off = 0;
    while (off < len) {
        size_t n = len - off > NET_MSS ? NET_MSS : len - off;
        bool last = off + n == len;
        send_one(c, side, data + off, n, last);
        off += n;
        if (!last)
            c->t += c->gap;
    }
    c->t += c->rtt;
}

void tcp_send_segment(struct tcp_conv *c, int side, const uint8_t *data, size_t len)
{
    flush_delayed(c, c->t);
    send_one(c, side, data, len > NET_MSS ? NET_MSS : len, true);
    c->t += c->gap;
}

void tcp_think(struct tcp_conv *c, uint64_t us)
{
    c->t += us;
    flush_delayed(c, c->t);
}

void tcp_close(struct tcp_conv *c, int closer)
{
    int peer = 1 - closer;
    flush_delayed(c, c->t);
    c->unacked[closer] = 0;
    seg(c, c->t, closer, TCP_FIN | TCP_ACK, NULL, 0);
    c->next_seq[closer] += 1;
    c->t += c->rtt;
    c->unacked[peer] = 0;
    seg(c, c->t, peer, TCP_FIN | TCP_ACK, NULL, 0);
    c->next_seq[peer] += 1;
    c->t += 60;
    seg(c, c->t, closer, TCP_ACK, NULL, 0);
    c->t += 10;
}

void tcp_reset(struct tcp_conv *c, int side)
{
    seg(c, c->t, side, TCP_RST | TCP_ACK, NULL, 0);
    c->t += 10;
}

void tcp_refused(struct gen *g, struct rng *r, struct host *cli, uint16_t sport, struct host *srv,
                 uint16_t dport, uint64_t t)
{
    static const uint8_t syn_opts[12] = {2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};
    uint32_t iss = (uint32_t)rng_next(r);
    uint32_t rtt = net_rtt(r, srv);
    net_tcp(g, t, cli, sport, srv, dport, iss, 0, TCP_SYN, 64240, syn_opts, 12, NULL, 0);
    net_tcp(g, t + rtt, srv, dport, cli, sport, 0, iss + 1, TCP_RST | TCP_ACK, 0, NULL, 0, NULL, 0);
    gen_flow(g);
}
