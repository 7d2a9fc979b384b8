/* Telnet: RFC 854 (NVT, IAC commands), RFC 855 (option negotiation), RFC 1091 (terminal type),
 * RFC 1073 (NAWS). A service login to an embedded device: the username and password are
 * synthetic ("service" / "demo-pass") and travel in clear, which is the point.
 *
 *   IAC DO/WILL opt: FF FD/FB xx    subnegotiation: FF FA xx ... FF F0
 */
#include "proto.h"

#include <stdio.h>
#include <string.h>

#include "net.h"

static void keys(struct tcp_conv *c, struct rng *r, const char *s, bool echo)
{
    for (; *s != '\0'; s++) {
        uint8_t ch = (uint8_t)*s;
        tcp_send(c, 0, &ch, 1);
        if (echo)
            tcp_send(c, 1, &ch, 1);
        tcp_think(c, rng_range(r, 80000, 250000)); /* typing speed */
    }
    static const uint8_t crlf[2] = {'\r', 0};
    tcp_send(c, 0, crlf, 2);
}

static void text(struct tcp_conv *c, const char *s)
{
    tcp_send(c, 1, (const uint8_t *)s, strlen(s));
}

uint64_t telnet_login(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv)
{
    struct tcp_conv c;
    tcp_open(&c, g, r, cli, srv, 23, t);
    static const uint8_t srv_opts[] = {0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfd,
                                       0x23, 0xff, 0xfd, 0x27, 0xff, 0xfd, 0x1f};
    static const uint8_t cli_opts[] = {0xff, 0xfb, 0x18, 0xff, 0xfc, 0x20, 0xff, 0xfc,
                                       0x23, 0xff, 0xfc, 0x27, 0xff, 0xfb, 0x1f, 0xff,
                                       0xfa, 0x1f, 0x00, 0x50, 0x00, 0x18, 0xff, 0xf0};
    static const uint8_t ttype_q[] = {0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0};
    static const uint8_t ttype_a[] = {0xff, 0xfa, 0x18, 0x00, 'X', 'T', 'E', 'R', 'M', 0xff, 0xf0};
    static const uint8_t will_echo[] = {0xff, 0xfb, 0x03, 0xff, 0xfb, 0x01};
    static const uint8_t do_echo[] = {0xff, 0xfd, 0x03, 0xff, 0xfd, 0x01};
    tcp_send(&c, 1, srv_opts, sizeof(srv_opts));
    tcp_send(&c, 0, cli_opts, sizeof(cli_opts));
    tcp_send(&c, 1, ttype_q, sizeof(ttype_q));
    tcp_send(&c, 0, ttype_a, sizeof(ttype_a));
    tcp_send(&c, 1, will_echo, sizeof(will_echo));
    tcp_send(&c, 0, do_echo, sizeof(do_echo));
    char banner[160];
    snprintf(banner, sizeof(banner), "\r\n%s %s maintenance console\r\n\r\n%s login: ",
             srv->vendor != NULL ? srv->vendor : "", srv->model != NULL ? srv->model : "",
             srv->name);
    text(&c, banner);
    tcp_think(&c, rng_range(r, 800000, 2000000));
    keys(&c, r, "service", true);
    text(&c, "\r\nPassword: ");
    tcp_think(&c, rng_range(r, 500000, 1500000));
    keys(&c, r, "demo-pass", false);
    text(&c, "\r\nLast login: Wed Jan 14 17:02:11 from 10.50.0.40\r\n$ ");
    tcp_think(&c, rng_range(r, 1000000, 3000000));
    keys(&c, r, "cat /etc/config/network", true);
    text(&c, "\r\nIP=10.40.0.11\r\nMASK=255.255.255.0\r\nGW=10.40.0.1\r\nLIS_HOST=10.10.0.32\r\n"
             "LIS_PORT=2575\r\n$ ");
    tcp_think(&c, rng_range(r, 1000000, 3000000));
    keys(&c, r, "exit", true);
    text(&c, "\r\nlogout\r\n");
    tcp_close(&c, 1);
    return c.t;
}
