/* DHCP: RFC 2131 (message format and exchanges), RFC 2132 (options 1, 3, 6, 12, 15, 50, 51, 53,
 * 54, 55, 58, 59, 60, 61), RFC 4702 (option 81, client FQDN).
 *
 *   +----+-------+------+------+-----+-----+-------+--------+--------+--------+---------+
 *   | op | htype | hlen | hops | xid | sec | flags | ciaddr | yiaddr | siaddr | giaddr  |
 *   +----+-------+------+------+-----+-----+-------+--------+--------+--------+---------+
 *   | chaddr 16 | sname 64 | file 128 | magic 63 82 53 63 | options ... | 255 |
 *
 * The DHCP server is on dc01 and, for simplicity, reached on the client's segment (no relay).
 */
#include "proto.h"

#include <string.h>

#include "bytes.h"
#include "net.h"

#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define DHCP_ACK 5

static void opt(struct buf *b, uint8_t code, const void *v, size_t n)
{
    buf_u8(b, code);
    buf_u8(b, (uint8_t)n);
    buf_put(b, v, n);
}

static void opt_ip(struct buf *b, uint8_t code, uint32_t ip)
{
    uint8_t v[4];
    put_be32(v, ip);
    opt(b, code, v, 4);
}

static void opt_u32(struct buf *b, uint8_t code, uint32_t x)
{
    opt_ip(b, code, x);
}

static const char *vendor_class(const struct host *h)
{
    if (h->os == OS_WINDOWS)
        return "MSFT 5.0";
    if (h->os == OS_LINUX)
        return "dhcpcd-9.4.1:Linux-6.1.21-v8+:aarch64:BCM2835";
    return "udhcp 1.31.1";
}

static size_t message(uint8_t *out, size_t cap, uint8_t type, uint32_t xid, const struct host *cli,
                      const struct host *srv, uint32_t ciaddr, uint32_t yiaddr, bool server,
                      uint16_t secs)
{
    struct buf b;
    buf_init(&b, out, cap);
    buf_u8(&b, server ? 2 : 1);
    buf_u8(&b, 1);
    buf_u8(&b, 6);
    buf_u8(&b, 0);
    buf_be32(&b, xid);
    buf_be16(&b, secs);
    buf_be16(&b, 0);
    buf_be32(&b, ciaddr);
    buf_be32(&b, yiaddr);
    buf_be32(&b, server ? srv->ip : 0);
    buf_be32(&b, 0);
    buf_put(&b, cli->mac, 6);
    buf_zero(&b, 10 + 64 + 128);
    buf_be32(&b, 0x63825363);
    opt(&b, 53, &type, 1);
    if (server) {
        uint32_t subnet = cli->ip & 0xffffff00u;
        opt_ip(&b, 54, srv->ip);
        opt_u32(&b, 51, 691200);
        opt_u32(&b, 58, 345600);
        opt_u32(&b, 59, 604800);
        opt_ip(&b, 1, 0xffffff00u);
        opt_ip(&b, 3, subnet | 1);
        uint8_t dns[8];
        put_be32(dns, srv->ip);
        put_be32(dns + 4, srv->ip + 1);
        opt(&b, 6, dns, 8);
        opt(&b, 15, HOSP_DOMAIN, strlen(HOSP_DOMAIN));
    } else {
        uint8_t cid[7] = {1};
        memcpy(cid + 1, cli->mac, 6);
        opt(&b, 61, cid, 7);
        if (type != DHCP_REQUEST || ciaddr == 0)
            opt_ip(&b, 50, cli->ip);
        if (type == DHCP_REQUEST && ciaddr == 0)
            opt_ip(&b, 54, srv->ip);
        opt(&b, 12, cli->name, strlen(cli->name));
        if (type == DHCP_REQUEST && cli->os == OS_WINDOWS) {
            uint8_t fq[80];
            size_t n = strlen(cli->fqdn);
            fq[0] = 0; /* the server updates nothing: the client registers its own A record */
            fq[1] = 0;
            fq[2] = 0;
            memcpy(fq + 3, cli->fqdn, n);
            opt(&b, 81, fq, 3 + n);
        }
        const char *vc = vendor_class(cli);
        opt(&b, 60, vc, strlen(vc));
        static const uint8_t prl_win[] = {1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252};
        static const uint8_t prl_lin[] = {1, 121, 33, 3, 6, 12, 15, 26, 28, 51, 54, 58, 59, 119};
        if (cli->os == OS_WINDOWS)
            opt(&b, 55, prl_win, sizeof(prl_win));
        else
            opt(&b, 55, prl_lin, sizeof(prl_lin));
    }
    buf_u8(&b, 255);
    /* Clients pad to the 300-byte BOOTP minimum (RFC 1542). */
    if (b.len < 300)
        buf_zero(&b, 300 - b.len);
    return b.overflow ? 0 : b.len;
}

uint64_t dhcp_lease(struct gen *g, struct rng *r, uint64_t t, struct host *cli, bool renew)
{
    struct hospital *hp = g->hosp;
    struct host *srv = hp->dc1;
    uint8_t m[600];
    uint32_t xid = (uint32_t)rng_next(r);
    size_t n;
    gen_flow(g);
    if (renew) {
        n = message(m, sizeof(m), DHCP_REQUEST, xid, cli, srv, cli->ip, 0, false, 0);
        net_udp(g, t, cli, 68, srv, 67, m, n);
        t += rng_range(r, 500, 3000);
        n = message(m, sizeof(m), DHCP_ACK, xid, cli, srv, cli->ip, cli->ip, true, 0);
        net_udp(g, t, srv, 67, cli, 68, m, n);
        return t;
    }
    n = message(m, sizeof(m), DHCP_DISCOVER, xid, cli, srv, 0, 0, false, 0);
    net_udp_raw(g, t, cli->mac, 0, 68, hp->bcast.mac, 0xffffffffu, 67, cli->ttl, host_ipid(cli), m,
                n);
    t += rng_range(r, 1000, 5000);
    n = message(m, sizeof(m), DHCP_OFFER, xid, cli, srv, 0, cli->ip, true, 0);
    net_udp_raw(g, t, srv->mac, srv->ip, 67, cli->mac, cli->ip, 68, srv->ttl, host_ipid(srv), m, n);
    t += rng_range(r, 1000, 20000);
    n = message(m, sizeof(m), DHCP_REQUEST, xid, cli, srv, 0, 0, false, 0);
    net_udp_raw(g, t, cli->mac, 0, 68, hp->bcast.mac, 0xffffffffu, 67, cli->ttl, host_ipid(cli), m,
                n);
    t += rng_range(r, 1000, 5000);
    n = message(m, sizeof(m), DHCP_ACK, xid, cli, srv, 0, cli->ip, true, 0);
    net_udp_raw(g, t, srv->mac, srv->ip, 67, cli->mac, cli->ip, 68, srv->ttl, host_ipid(srv), m, n);
    return t;
}
