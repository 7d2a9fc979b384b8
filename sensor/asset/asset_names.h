/*
 * Names devices give themselves, or that others give them, read from
 * single UDP packets for the asset inventory:
 *
 *  - DHCP (RFC 2131, 2132; option 81 RFC 4702): the client's hardware
 *    address, the address it gets (yiaddr of an ACK) or has (ciaddr),
 *    options 12 (host name), 81 (client FQDN), 60 (vendor class), 55
 *    (parameter request list, the fingerprint);
 *
 *      0      1      2      3      4 ... 236             240
 *      +------+------+------+------+---+----------------+-------------------+
 *      |  op  |htype | hlen | hops |...| chaddr, sname, | 63 82 53 63 |code|
 *      |      |      |      |      |   | file           | cookie      |len |
 *      +------+------+------+------+---+----------------+-------------------+
 *      ciaddr at 12, yiaddr at 16, chaddr at 28
 *
 *  - DNS and mDNS responses (RFC 1035, 6762): A and AAAA records (a name
 *    for an address) and PTR records of in-addr.arpa / ip6.arpa (an
 *    address for a name);
 *  - NetBIOS name service (RFC 1002): the NB records of registrations and
 *    positive responses (unique names only, workstation or server suffix).
 *
 * Parsers take (const uint8_t *p, size_t len), never read past len, and
 * call back for what they find; names are copied into the callback's
 * argument (printable ASCII, at most ASSET_NAME_MAX - 1 bytes).
 */
#ifndef MAMORI_ASSET_ASSET_NAMES_H
#define MAMORI_ASSET_ASSET_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ASSET_NAME_MAX 256
#define ASSET_NAMES_MAX_RECORDS 32 /* records read per packet at most */

struct asset_dhcp {
    uint8_t op;       /* 1 request, 2 reply */
    uint8_t msg_type; /* option 53: 1 DISCOVER, 3 REQUEST, 5 ACK, ... (0: none) */
    uint8_t chaddr[6];
    uint8_t ciaddr[4], yiaddr[4];
    char hostname[ASSET_NAME_MAX];     /* option 12 */
    char fqdn[ASSET_NAME_MAX];         /* option 81 */
    char vendor_class[ASSET_NAME_MAX]; /* option 60 */
    char fingerprint[ASSET_NAME_MAX];  /* option 55: "1,3,6,15" */
};

/* Returns 0, or -EINVAL for what is not a DHCP message (options cut
 * short are read up to the cut). */
int asset_dhcp_parse(const uint8_t *p, size_t len, struct asset_dhcp *out);

/* A name for an address (ip in network order, IPv4 in the first 4 bytes). */
typedef void (*asset_name_fn)(void *ctx, const uint8_t ip[16], uint8_t version, const char *name);

/* A DNS or mDNS message: only responses are read. Returns the records
 * reported, or -EINVAL. */
int asset_dns_names(const uint8_t *p, size_t len, asset_name_fn fn, void *ctx);
/* A NetBIOS name service message. Returns the names reported, or -EINVAL. */
int asset_nbns_names(const uint8_t *p, size_t len, asset_name_fn fn, void *ctx);

#endif
