/* RDP connection start: RFC 1006 (TPKT), ITU-T X.224 class 0 connection request/confirm,
 * [MS-RDPBCGR] 2.2.1.1 (routing cookie "mstshash", RDP_NEG_REQ) and 2.2.1.2 (RDP_NEG_RSP), then
 * TLS with CredSSP ([MS-CSSP]), whose content is encrypted.
 *
 *   | 03 00 len 2 | LI | E0 | dst-ref 2 | src-ref 2 | class | Cookie: mstshash=USER\r\n | NEG_REQ |
 */
#include "proto.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "net.h"

uint64_t rdp_session(struct gen *g, struct rng *r, uint64_t t, struct host *cli, struct host *srv,
                     const char *user)
{
    struct tcp_conv c;
    uint8_t m[256];
    char cookie[64];
    tcp_open(&c, g, r, cli, srv, 3389, t);
    int cn = snprintf(cookie, sizeof(cookie), "Cookie: mstshash=%s\r\n", user);
    size_t len = 4 + 7 + (size_t)cn + 8;
    put_be16(m, 0x0300);
    put_be16(m + 2, (uint16_t)len);
    m[4] = (uint8_t)(len - 5); /* X.224 length indicator: header without itself */
    m[5] = 0xe0;
    put_be16(m + 6, 0);
    put_be16(m + 8, 0);
    m[10] = 0;
    memcpy(m + 11, cookie, (size_t)cn);
    static const uint8_t neg_req[8] = {0x01, 0x00, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x00};
    memcpy(m + 11 + cn, neg_req, 8);
    tcp_send(&c, 0, m, len);
    tcp_think(&c, rng_range(r, 500, 3000));
    static const uint8_t cc[19] = {0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34,
                                   0x00, 0x02, 0x1f, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00};
    tcp_send(&c, 1, cc, sizeof(cc));
    tls_handshake(&c, r, NULL, false);
    /* CredSSP, then the RDP session: small input upstream, screen updates downstream. */
    for (int i = 0; i < 6; i++) {
        tcp_think(&c, rng_range(r, 2000, 80000));
        tls_app_data(&c, r, 0, 60 + rng_below(r, 400));
        tcp_think(&c, rng_range(r, 1000, 20000));
        tls_app_data(&c, r, 1, 200 + rng_below(r, i < 2 ? 3000 : 12000));
    }
    tls_close_notify(&c, r, 0);
    tcp_close(&c, 0);
    return c.t;
}
