/* DNS and multicast DNS: RFC 1035 section 4 (message format, name compression), RFC 3596 (AAAA),
 * RFC 6762 (mDNS on 224.0.0.251 / ff02::fb port 5353), RFC 6763 (DNS-SD PTR/SRV/TXT).
 *
 *   | id | flags | qdcount | ancount | nscount | arcount | question | answers ... |
 *
 * Clients ask the domain controller; names outside the hospital are forwarded by dc01 to the
 * provider's resolver, so both legs appear.
 */
#include "proto.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "net.h"

#define CLASS_IN 1

static void name(struct buf *b, const char *n)
{
    while (*n != '\0') {
        const char *dot = strchr(n, '.');
        size_t len = dot != NULL ? (size_t)(dot - n) : strlen(n);
        buf_u8(b, (uint8_t)len);
        buf_put(b, n, len);
        n += len;
        if (*n == '.')
            n++;
    }
    buf_u8(b, 0);
}

static void header(struct buf *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                   uint16_t ar)
{
    buf_be16(b, id);
    buf_be16(b, flags);
    buf_be16(b, qd);
    buf_be16(b, an);
    buf_be16(b, 0);
    buf_be16(b, ar);
}

static void rr_head(struct buf *b, uint16_t type, uint16_t cls, uint32_t ttl, uint16_t rdlen)
{
    buf_be16(b, 0xc00c); /* pointer to the question name */
    buf_be16(b, type);
    buf_be16(b, cls);
    buf_be32(b, ttl);
    buf_be16(b, rdlen);
}

static bool inside(uint32_t ip)
{
    return (ip >> 24) == 10;
}

/* One query and its answer between two hosts; answer_ip 0 means no data. */
static uint64_t exchange(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                         struct host *srv, const char *qname, enum dns_type type,
                         uint32_t answer_ip, const char *answer_name, const char *txt,
                         uint64_t delay)
{
    uint8_t m[1024];
    struct buf b;
    uint16_t id = (uint16_t)rng_next(r);
    uint16_t sport = host_port(cli);
    buf_init(&b, m, sizeof(m));
    header(&b, id, 0x0100, 1, 0, 0);
    name(&b, qname);
    buf_be16(&b, (uint16_t)type);
    buf_be16(&b, CLASS_IN);
    gen_flow(g);
    net_udp(g, t, cli, sport, srv, 53, m, b.len);
    size_t qlen = b.len;
    bool have = (type == DNS_A && answer_ip != 0) || (type == DNS_PTR && answer_name != NULL) ||
                (type == DNS_TXT && txt != NULL);
    put_be16(m + 2, 0x8180);
    put_be16(m + 6, have ? 1 : 0);
    b.len = qlen;
    uint32_t ttl = inside(answer_ip) || answer_name != NULL ? 1200 : 300;
    if (have && type == DNS_A) {
        rr_head(&b, DNS_A, CLASS_IN, ttl, 4);
        buf_be32(&b, answer_ip);
    } else if (have && type == DNS_PTR) {
        size_t at = b.len;
        rr_head(&b, DNS_PTR, CLASS_IN, ttl, 0);
        size_t start = b.len;
        name(&b, answer_name);
        put_be16(m + at + 10, (uint16_t)(b.len - start));
    } else if (have && type == DNS_TXT) {
        size_t n = strlen(txt);
        rr_head(&b, DNS_TXT, CLASS_IN, 0, (uint16_t)(n + 1));
        buf_u8(&b, (uint8_t)n);
        buf_str(&b, txt);
    }
    t += delay;
    net_udp(g, t, srv, 53, cli, sport, m, b.len);
    return t;
}

uint64_t dns_forward(struct gen *g, struct rng *r, uint64_t t, const char *qname,
                     enum dns_type type, uint32_t answer_ip)
{
    struct hospital *hp = g->hosp;
    return exchange(g, r, t, hp->dc1, hp->outside_dns, qname, type, answer_ip, NULL, NULL,
                    rng_range(r, 8000, 40000));
}

uint64_t dns_lookup(struct gen *g, struct rng *r, uint64_t t, struct host *cli, const char *qname,
                    enum dns_type type, uint32_t answer_ip)
{
    struct hospital *hp = g->hosp;
    size_t n = strlen(qname), d = strlen(HOSP_DOMAIN);
    bool local = n >= d && strcmp(qname + n - d, HOSP_DOMAIN) == 0;
    uint64_t delay = rng_range(r, 200, 900);
    if (!local) {
        /* dc01 asks upstream while the client waits; modelled as a second exchange. */
        uint64_t end = dns_forward(g, r, t + 150, qname, type, answer_ip);
        delay = end - t + 100;
    }
    return exchange(g, r, t, cli, hp->dc1, qname, type, answer_ip, NULL, NULL, delay);
}

uint64_t dns_ptr_lookup(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                        struct host *target)
{
    char q[64];
    uint32_t ip = target->ip;
    snprintf(q, sizeof(q), "%u.%u.%u.%u.in-addr.arpa", ip & 255, (ip >> 8) & 255, (ip >> 16) & 255,
             ip >> 24);
    return exchange(g, r, t, cli, g->hosp->dc1, q, DNS_PTR, 0, target->fqdn, NULL,
                    rng_range(r, 200, 900));
}

static void mdns_answers(struct buf *b, const struct host *p, bool v6)
{
    char inst[80], target[64];
    snprintf(inst, sizeof(inst), "%s._ipp._tcp.local", p->name);
    snprintf(target, sizeof(target), "%s.local", p->name);
    /* PTR _ipp._tcp.local -> instance */
    name(b, "_ipp._tcp.local");
    buf_be16(b, DNS_PTR);
    buf_be16(b, CLASS_IN);
    buf_be32(b, 4500);
    size_t at = b->len;
    buf_be16(b, 0);
    name(b, inst);
    put_be16(b->p + at, (uint16_t)(b->len - at - 2));
    /* SRV instance -> host:631, cache-flush bit set on unique records */
    name(b, inst);
    buf_be16(b, DNS_SRV);
    buf_be16(b, 0x8001);
    buf_be32(b, 120);
    at = b->len;
    buf_be16(b, 0);
    buf_be16(b, 0);
    buf_be16(b, 0);
    buf_be16(b, 631);
    name(b, target);
    put_be16(b->p + at, (uint16_t)(b->len - at - 2));
    /* TXT: the IPP Everywhere keys a driverless client looks for */
    char ty[64];
    snprintf(ty, sizeof(ty), "ty=%s %s", p->vendor != NULL ? p->vendor : "", p->model);
    const char *keys[] = {"txtvers=1", "rp=ipp/print", ty, "pdl=application/pdf,image/urf",
                          "Color=T",   "Duplex=T"};
    name(b, inst);
    buf_be16(b, DNS_TXT);
    buf_be16(b, 0x8001);
    buf_be32(b, 4500);
    at = b->len;
    buf_be16(b, 0);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        buf_u8(b, (uint8_t)strlen(keys[i]));
        buf_str(b, keys[i]);
    }
    put_be16(b->p + at, (uint16_t)(b->len - at - 2));
    /* A or AAAA of the host */
    name(b, target);
    buf_be16(b, v6 ? DNS_AAAA : DNS_A);
    buf_be16(b, 0x8001);
    buf_be32(b, 120);
    buf_be16(b, v6 ? 16 : 4);
    if (v6)
        buf_put(b, p->ip6, 16);
    else
        buf_be32(b, p->ip);
}

uint64_t mdns_browse(struct gen *g, struct rng *r, uint64_t t, struct host *querier,
                     struct host *printer)
{
    struct host *grp = &g->hosp->mdns;
    uint8_t m[1024];
    struct buf b;
    gen_flow(g);
    for (int v6 = 0; v6 < 2; v6++) {
        buf_init(&b, m, sizeof(m));
        header(&b, 0, 0, 1, 0, 0);
        name(&b, "_ipp._tcp.local");
        buf_be16(&b, DNS_PTR);
        buf_be16(&b, CLASS_IN);
        if (v6)
            net_udp6(g, t + 30, querier, 5353, grp, 5353, m, b.len);
        else
            net_udp(g, t, querier, 5353, grp, 5353, m, b.len);
    }
    t += rng_range(r, 20000, 120000); /* RFC 6762 5.2: responders wait 20-120 ms */
    for (int v6 = 0; v6 < 2; v6++) {
        buf_init(&b, m, sizeof(m));
        header(&b, 0, 0x8400, 0, 4, 0);
        mdns_answers(&b, printer, v6 != 0);
        if (v6)
            net_udp6(g, t + 50, printer, 5353, grp, 5353, m, b.len);
        else
            net_udp(g, t, printer, 5353, grp, 5353, m, b.len);
    }
    return t + 50;
}

uint64_t dns_tunnel_query(struct gen *g, struct rng *r, uint64_t t, struct host *cli,
                          const char *domain, unsigned seq)
{
    static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
    char q[256], txt[200];
    size_t n = 0;
    /* <seq>.<63 chars>.<40-60 chars>.<domain>: data encoded in base32 labels. */
    n += (size_t)snprintf(q, sizeof(q), "%04x.", seq & 0xffff);
    for (int lab = 0; lab < 2; lab++) {
        size_t len = lab == 0 ? 63 : rng_range(r, 40, 60);
        for (size_t i = 0; i < len; i++)
            q[n++] = b32[rng_below(r, 32)];
        q[n++] = '.';
    }
    snprintf(q + n, sizeof(q) - n, "%s", domain);
    size_t tl = rng_range(r, 100, 180);
    for (size_t i = 0; i < tl; i++)
        txt[i] = b32[rng_below(r, 32)];
    txt[tl] = '\0';
    struct hospital *hp = g->hosp;
    uint64_t end = exchange(g, r, t + 150, hp->dc1, hp->outside_dns, q, DNS_TXT, 0, NULL, txt,
                            rng_range(r, 20000, 60000));
    return exchange(g, r, t, cli, hp->dc1, q, DNS_TXT, 0, NULL, txt, end - t + 100);
}
