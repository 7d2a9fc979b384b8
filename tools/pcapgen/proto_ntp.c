/* NTP client/server exchange: RFC 5905 section 7.3 (packet header), modes 3 and 4.
 *
 *   | LI VN Mode | stratum | poll | precision | root delay | root dispersion | ref id |
 *   | reference ts | origin ts | receive ts | transmit ts |      (64-bit NTP timestamps)
 */
#include "proto.h"

#include "bytes.h"
#include "net.h"

#define NTP_UNIX_OFFSET 2208988800ULL

static void ts(uint8_t *p, uint64_t t_us)
{
    put_be32(p, (uint32_t)(t_us / 1000000 + NTP_UNIX_OFFSET));
    put_be32(p + 4, (uint32_t)(((t_us % 1000000) << 32) / 1000000));
}

uint64_t ntp_sync(struct gen *g, struct rng *r, uint64_t t, struct host *cli)
{
    struct host *srv = g->hosp->ntp;
    uint8_t q[48] = {0}, a[48] = {0};
    /* Windows w32time speaks NTPv3, everything else v4. */
    q[0] = cli->os == OS_WINDOWS ? 0x1b : 0x23;
    q[2] = cli->os == OS_WINDOWS ? 10 : 6;
    q[3] = 0xe9;
    uint64_t client_clock = t + rng_below(r, 4000); /* clients run slightly off */
    ts(q + 40, client_clock);
    uint16_t sport = cli->os == OS_WINDOWS ? 123 : host_port(cli);
    gen_flow(g);
    net_udp(g, t, cli, sport, srv, 123, q, 48);
    uint64_t t2 = t + rng_range(r, 150, 900);
    a[0] = 0x24;
    a[1] = 2;
    a[2] = q[2];
    a[3] = 0xe7;
    put_be32(a + 4, 0x00000a3c);
    put_be32(a + 8, 0x00001c5e);
    put_be32(a + 12, 0xc0000205); /* upstream: 192.0.2.5, a documentation address */
    ts(a + 16, t - 23000000);
    for (int i = 0; i < 8; i++)
        a[24 + i] = q[40 + i];
    ts(a + 32, t2 - 40);
    ts(a + 40, t2 - 20);
    net_udp(g, t2, srv, 123, cli, sport, a, 48);
    return t2;
}
