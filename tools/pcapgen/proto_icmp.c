/* ICMP echo: RFC 792. The monitoring server's reachability checks, and the host sweep. */
#include "proto.h"

#include "net.h"

uint64_t icmp_ping(struct gen *g, struct rng *r, uint64_t t, struct host *src, struct host *dst,
                   unsigned requests, unsigned replies)
{
    uint16_t id = (uint16_t)rng_range(r, 1, 65535);
    uint16_t seq = (uint16_t)rng_range(r, 1, 4000);
    gen_flow(g);
    for (unsigned i = 0; i < requests; i++) {
        net_icmp_echo(g, t, src, dst, false, id, (uint16_t)(seq + i));
        if (i < replies)
            net_icmp_echo(g, t + net_rtt(r, dst) / 2 + 40, dst, src, true, id, (uint16_t)(seq + i));
        if (i + 1 < requests)
            t += 1000000;
    }
    return t + 2000;
}
