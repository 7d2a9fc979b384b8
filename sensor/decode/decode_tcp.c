/*
 * Transmission Control Protocol, RFC 9293 section 3.1; options from the
 * IANA "TCP Option Kind Numbers" registry (MSS and window scale RFC 7323,
 * SACK RFC 2018, timestamps RFC 7323, MD5 RFC 2385, TCP-AO RFC 5925,
 * MPTCP RFC 8684, Fast Open RFC 7413).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------------------------------+-------------------------------+
 *   |          Source Port          |       Destination Port        |
 *   +-------------------------------+-------------------------------+
 *   |                        Sequence Number                        |
 *   +---------------------------------------------------------------+
 *   |                    Acknowledgment Number                      |
 *   +-------+-------+---------------+-------------------------------+
 *   |  Data | Rsrvd |C E U A P R S F|            Window             |
 *   | Offset|       |W C R C S S Y I|                               |
 *   +-------+-------+---------------+-------------------------------+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-------------------------------+-------------------------------+
 *   |                     Options (Data Offset > 5)                 |
 *   +---------------------------------------------------------------+
 *
 * Malformed options are counted but the segment is still reported: Linux
 * and other stacks stop parsing options and accept the segment, so an IDS
 * that dropped it would miss data the receiver takes.
 */
#include "decode/decode_internal.h"

#include "decode/decode_options.h"
#include "util/cursor.h"

enum {
    TCP_HDR_LEN = 20,
    TCPOPT_MSS = 2,
    TCPOPT_WSCALE = 3,
    TCPOPT_SACK_PERM = 4,
    TCPOPT_SACK = 5,
    TCPOPT_TIMESTAMP = 8,
    TCPOPT_MD5 = 19,
    TCPOPT_AO = 29,
    TCPOPT_MPTCP = 30,
    TCPOPT_FASTOPEN = 34,
};

/* decode_options_valid: the lengths each option may have. */
static bool tcp_option_valid(uint8_t kind, const uint8_t *opt, size_t olen)
{
    (void)opt; /* only the length matters for TCP's kinds */
    switch (kind) {
    case TCPOPT_MSS:
        if (olen != 4)
            return false;
        break;
    case TCPOPT_WSCALE:
        if (olen != 3)
            return false;
        break;
    case TCPOPT_SACK_PERM:
        if (olen != 2)
            return false;
        break;
    case TCPOPT_SACK:
        /* one to four 8-byte blocks */
        if (olen < 10 || (olen - 2) % 8 != 0)
            return false;
        break;
    case TCPOPT_TIMESTAMP:
        if (olen != 10)
            return false;
        break;
    case TCPOPT_MD5:
        if (olen != 18)
            return false;
        break;
    case TCPOPT_AO:
        if (olen < 4)
            return false;
        break;
    case TCPOPT_MPTCP:
        if (olen < 3)
            return false;
        break;
    case TCPOPT_FASTOPEN:
        /* empty cookie request, or a 4..16-byte cookie */
        if (olen != 2 && (olen < 6 || olen > 18))
            return false;
        break;
    default:
        break;
    }
    return true;
}

enum decode_result decode_tcp(struct decode_ctx *c, const uint8_t *b, size_t len)
{
    decode_count_layer(c, LAYER_TCP);
    if (len < TCP_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_TCP_TRUNCATED);

    size_t hlen = (size_t)(b[12] >> 4) * 4;
    if (hlen < TCP_HDR_LEN)
        return decode_fail(c, ANOM_TCP_BAD_HLEN);
    if (hlen > len)
        return decode_truncated(c, b + len, ANOM_TCP_TRUNCATED);
    if (hlen > TCP_HDR_LEN &&
        !decode_options_valid(b + TCP_HDR_LEN, hlen - TCP_HDR_LEN, tcp_option_valid))
        c->d->stats.anomaly[ANOM_TCP_BAD_OPTIONS]++;

    struct packet *p = c->p;
    p->sport = get_be16(b);
    p->dport = get_be16(b + 2);
    p->tcp_seq = get_be32(b + 4);
    p->tcp_ack = get_be32(b + 8);
    p->tcp_flags = b[13];
    p->tcp_win = get_be16(b + 14);
    p->l4 = b;
    p->l4_len = len;
    p->payload = b + hlen;
    p->payload_len = len - hlen;
    return DECODE_OK;
}
