/*
 * BSD loopback encapsulations: LINKTYPE_NULL (0), whose 4-byte address
 * family is in the byte order of the machine that wrote the capture, and
 * LINKTYPE_LOOP (108, OpenBSD), where it is in network byte order.
 *
 * Reference: tcpdump.org linktypes/LINKTYPE_NULL.html and LINKTYPE_LOOP.html.
 *
 *   +---------------------------+----------------------
 *   | address family (4 bytes)  | IPv4 / IPv6 packet
 *   +---------------------------+----------------------
 *
 * AF_INET is 2 everywhere; AF_INET6 differs by system: 24 (NetBSD,
 * OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly), 30 (Darwin), 10 (Linux).
 */
#include "decode/decode_internal.h"

#include "util/cursor.h"

enum {
    NULL_HDR_LEN = 4,
    BSD_AF_INET = 2,
    BSD_AF_INET6_LINUX = 10,
    BSD_AF_INET6_BSD = 24,
    BSD_AF_INET6_FREEBSD = 28,
    BSD_AF_INET6_DARWIN = 30,
};

enum decode_result decode_null(struct decode_ctx *c, const uint8_t *b, size_t len,
                               bool network_order)
{
    decode_count_layer(c, LAYER_NULL);
    if (len < NULL_HDR_LEN)
        return decode_truncated(c, b + len, ANOM_NULL_TRUNCATED);

    uint32_t family = get_be32(b);
    /* DLT_NULL: the family values are all below 256, so a little-endian
     * writer leaves the value in the first byte and zeros elsewhere. */
    if (!network_order && (family & 0x00ffffffu) == 0)
        family = get_le32(b);

    switch (family) {
    case BSD_AF_INET:
        return decode_ipv4(c, b + NULL_HDR_LEN, len - NULL_HDR_LEN);
    case BSD_AF_INET6_LINUX:
    case BSD_AF_INET6_BSD:
    case BSD_AF_INET6_FREEBSD:
    case BSD_AF_INET6_DARWIN:
        return decode_ipv6(c, b + NULL_HDR_LEN, len - NULL_HDR_LEN);
    default:
        decode_count_layer(c, LAYER_OTHER);
        return DECODE_NOFLOW;
    }
}
