/*
 * What a worker saw of the devices at the two ends of a conversation,
 * handed to the asset inventory on the output thread.
 *
 * A worker knows the packets; the inventory (asset_table.h) lives on the
 * output thread. So at the end of each flow, and for each DICOM
 * association and HL7 message, the worker packs the evidence into one
 * self-contained message (no pointers: it is copied through the worker's
 * ring, output_writer's OUTPUT_MSG_ASSET) and the inventory unpacks it:
 *
 *   head (ASSET_EVIDENCE_HEAD bytes, little-endian)
 *   +-----+-----+-----+-----+-------+-------+----------+---------+
 *   | ver | ipv | l4  |flags| sport | dport | first_us | last_us |
 *   +-----+-----+-----+-----+-------+-------+----------+---------+
 *   | bytes c->s | bytes s->c | client ip[16] | server ip[16]    |
 *   +------------+------------+---------------+------------------+
 *   | client mac[6] | server mac[6] | app proto name[16]         |
 *   +---------------+---------------+----------------------------+
 *   then items: | tag u8 | side u8 | len u16 | len bytes | ...
 *
 * side 0 is the client (who opened the conversation), 1 the server.
 * Strings are copied, never longer than ASSET_EVIDENCE_ITEM_MAX.
 */
#ifndef MAMORI_ASSET_ASSET_EVIDENCE_H
#define MAMORI_ASSET_ASSET_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ASSET_EVIDENCE_VERSION 1
#define ASSET_EVIDENCE_HEAD 112
#define ASSET_EVIDENCE_ITEM_MAX 255
#define ASSET_EVIDENCE_MAX 4096 /* a whole message at most */

enum asset_side {
    ASSET_CLIENT = 0,
    ASSET_SERVER = 1,
};

enum asset_evidence_flag {
    ASSET_EV_CLIENT_MAC = 0x01,
    ASSET_EV_SERVER_MAC = 0x02,
    ASSET_EV_FLOW = 0x04,     /* a whole flow: bytes and a service count */
    ASSET_EV_ANSWERED = 0x08, /* the server sent something back */
};

enum asset_evidence_tag {
    AEV_HOSTNAME = 1, /* DHCP option 12/81, NetBIOS, mDNS, DNS answer */
    AEV_DHCP_CLASS,   /* DHCP option 60 */
    AEV_DHCP_FP,      /* DHCP option 55, "1,3,6,15" */
    AEV_HTTP_UA,
    AEV_HTTP_SERVER,
    AEV_SSH_BANNER,
    AEV_TLS_VERSION,
    AEV_DICOM_AE,  /* the side's own AE title (calling: client, called: server) */
    AEV_DICOM_SOP, /* name (or UID) of a SOP class proposed (client) or accepted (server) */
    AEV_DICOM_IMPL_UID,
    AEV_DICOM_IMPL_VERSION,
    AEV_HL7_APP, /* MSH-3 (client side) or MSH-5 (server side) */
    AEV_HL7_FACILITY,
    AEV_NAME_OF, /* a name for an address: version u8, address[16], name */
    AEV_TAG_MAX
};

struct asset_evidence_head {
    uint8_t ip_version; /* 4 or 6 */
    uint8_t l4proto;
    uint8_t flags; /* enum asset_evidence_flag */
    uint16_t sport, dport;
    uint64_t first_us, last_us;
    uint64_t bytes_cs, bytes_sc;
    uint8_t client_ip[16], server_ip[16];
    uint8_t client_mac[6], server_mac[6];
    char app_proto[16]; /* NUL-terminated, lower case: "dicom", "dns", "" */
};

struct asset_evidence_item {
    uint8_t tag; /* enum asset_evidence_tag */
    uint8_t side;
    uint16_t len;
    const uint8_t *p; /* borrowed: into the message */
};

/* A message being built: at most ASSET_EVIDENCE_MAX bytes, on the
 * builder's stack or in its context. */
struct asset_evidence_buf {
    uint8_t b[ASSET_EVIDENCE_MAX];
    size_t len;
    uint16_t items;
};

void asset_evidence_begin(struct asset_evidence_buf *m, const struct asset_evidence_head *h);
/* Adds an item; empty values and values that do not fit are skipped
 * (longer values are cut at ASSET_EVIDENCE_ITEM_MAX bytes). Returns 0 or
 * -ENOSPC. */
int asset_evidence_add(struct asset_evidence_buf *m, enum asset_evidence_tag tag,
                       enum asset_side side, const void *p, size_t len);
int asset_evidence_add_str(struct asset_evidence_buf *m, enum asset_evidence_tag tag,
                           enum asset_side side, const char *s);

/* Reads a message: fills *h and calls fn for every item, in order.
 * Returns 0, or -EINVAL for a malformed message (then fn may have seen
 * some of its items). */
typedef void (*asset_evidence_item_fn)(void *ctx, const struct asset_evidence_item *it);
int asset_evidence_parse(const uint8_t *p, size_t len, struct asset_evidence_head *h,
                         asset_evidence_item_fn fn, void *ctx);

#endif
