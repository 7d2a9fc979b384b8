/*
 * The hospital's device registry: a CSV exported from IT's asset list
 * (assets.registry), one device a line, documented in docs/assets.md:
 *
 *   address,name,type,department,status,peers,protocols
 *   00:01:e3:14:0b:0b,CT scanner 1,modality,Radiology,active,10.10.0.20,dicom dns
 *   10.20.1.90,CR room (old),modality,Radiology,retired,,
 *
 * address is a MAC (aa:bb:cc:dd:ee:ff or aa-bb-...) or an IPv4/IPv6
 * address; status is active or retired; peers (addresses or CIDRs) and
 * protocols (names as in asset.services), space-separated, are optional:
 * when given, a device talking to another peer or with another protocol
 * raises a protocol_violation event. A first line starting with
 * "address" is the header; lines starting with # are comments. A bad line
 * rejects the whole file with FILE:LINE:COL.
 */
#ifndef MAMORI_ASSET_ASSET_REGISTRY_H
#define MAMORI_ASSET_ASSET_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ASSET_REG_PEERS_MAX 16
#define ASSET_REG_PROTOS_MAX 16

struct asset_registry_entry {
    bool is_mac;
    uint8_t mac[6];
    uint8_t ip[16]; /* IPv4 in the first 4 bytes */
    uint8_t ip_version;
    char name[96], type[32], department[64];
    bool retired;
    uint8_t n_peers, n_protos;
    struct {
        uint8_t ip[16];
        uint8_t version, bits;
    } peers[ASSET_REG_PEERS_MAX];
    char protos[ASSET_REG_PROTOS_MAX][16];
    uint32_t line;
};

struct asset_registry;

/* Parses p[0..len); origin names the file in messages. Returns NULL with
 * err set to "ORIGIN:LINE:COL: message". Owned: asset_registry_free(). */
struct asset_registry *asset_registry_parse(const uint8_t *p, size_t len, const char *origin,
                                            char *err, size_t errlen);
struct asset_registry *asset_registry_load(const char *path, char *err, size_t errlen);
void asset_registry_free(struct asset_registry *r);

size_t asset_registry_count(const struct asset_registry *r);
/* Borrowed, as long as r lives; NULL when not listed. */
const struct asset_registry_entry *asset_registry_by_mac(const struct asset_registry *r,
                                                         const uint8_t mac[6]);
const struct asset_registry_entry *asset_registry_by_ip(const struct asset_registry *r,
                                                        const uint8_t ip[16], uint8_t version);
/* Whether the entry's profile allows the protocol / the peer (true when
 * the entry lists none). */
bool asset_registry_allows_proto(const struct asset_registry_entry *e, const char *proto);
bool asset_registry_allows_peer(const struct asset_registry_entry *e, const uint8_t ip[16],
                                uint8_t version);

/* Parses "aa:bb:cc:dd:ee:ff" (or with '-'). Returns 0 or -1. */
int asset_parse_mac(const char *s, uint8_t mac[6]);
/* Parses an address or CIDR ("10.0.0.0/8", "fe80::/10"; no /: full
 * length). Returns 0 or -1. */
int asset_parse_cidr(const char *s, uint8_t ip[16], uint8_t *version, uint8_t *bits);
bool asset_cidr_contains(const uint8_t net[16], uint8_t version, uint8_t bits, const uint8_t ip[16],
                         uint8_t ip_version);

/* Reads a whole file into *buf (owned: free()). Returns 0 or -errno. */
int asset_read_file(const char *path, uint8_t **buf, size_t *len);

#endif
