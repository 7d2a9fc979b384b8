/* ARP: RFC 826 requests and replies, RFC 5227 gratuitous announcements. */
#include "proto.h"

#include "net.h"

uint64_t arp_resolve(struct gen *g, struct rng *r, uint64_t t, struct host *asker,
                     struct host *target)
{
    static const uint8_t unknown[6] = {0};
    net_arp(g, t, NULL, 1, asker->mac, asker->ip, unknown, target->ip);
    t += rng_range(r, 80, 600);
    net_arp(g, t, asker->mac, 2, target->mac, target->ip, asker->mac, asker->ip);
    return t;
}

uint64_t arp_gratuitous(struct gen *g, uint64_t t, struct host *h)
{
    static const uint8_t unknown[6] = {0};
    net_arp(g, t, NULL, 1, h->mac, h->ip, unknown, h->ip);
    return t;
}

uint64_t arp_probe_sweep(struct gen *g, struct rng *r, uint64_t t, struct host *asker,
                         uint32_t target_ip)
{
    static const uint8_t unknown[6] = {0};
    (void)r;
    net_arp(g, t, NULL, 1, asker->mac, asker->ip, unknown, target_ip);
    return t;
}
