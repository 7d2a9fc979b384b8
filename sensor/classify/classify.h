/*
 * Application classification with nDPI 4.2: one detection module per
 * worker (nDPI keeps per-packet scratch state in the module, so modules
 * are never shared between threads).
 *
 * A flow is fed to nDPI until detection is final and no extra dissection
 * is possible, or it gives up after a bounded number of packets (80 TCP,
 * 24 UDP, as ndpiReader does) with nDPI's port-based guess. Then the
 * results are copied into the flow (protocol ids, category, confidence,
 * risks, metadata) and nDPI's per-flow state is freed, so a classified
 * flow costs only mamori's own record. A flow one of mamori's parsers
 * claimed (proto/) stops being fed at once: nDPI's verdict is then what it
 * found in the packets before the claim.
 *
 * Metadata is kept in flow->meta as records {tag: u8, len: u8, bytes}.
 */
#ifndef MAMORI_CLASSIFY_CLASSIFY_H
#define MAMORI_CLASSIFY_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"
#include "flow/flow.h"
#include "flow/flow_table.h"

enum classify_meta_tag {
    META_HOST = 1,    /* HTTP Host, TLS SNI, DNS query, DHCP hostname, ... */
    META_HTTP_URL,    /* path only: the query string may carry patient data */
    META_HTTP_UA,
    META_TLS_VERSION,
    META_TLS_JA3C,
    META_TLS_JA3S,
    META_SSH_CLIENT,
    META_SSH_SERVER,
    META_DHCP_FINGERPRINT,
    META_DHCP_CLASS,
};

struct classify_limits {
    uint16_t max_tcp_packets; /* default 80 */
    uint16_t max_udp_packets; /* default 24 */
    uint16_t max_other_packets; /* default 8 */
};

struct classify_stats {
    uint64_t packets;       /* packets given to nDPI */
    uint64_t flows_detected;
    uint64_t flows_guessed;
    uint64_t flows_unknown;
    uint64_t memcap_skipped; /* flows not classified for lack of memory */
};

struct classifier;

void classify_limits_default(struct classify_limits *lim);

/* Returns NULL on failure. Owned: classifier_free(). The flow table
 * receives the charges for nDPI's per-flow state. */
struct classifier *classifier_new(const struct classify_limits *lim, struct flow_table *ft);
void classifier_free(struct classifier *c);

/* Feeds p to nDPI if the flow is still being classified. */
void classify_packet(struct classifier *c, struct flow *f, const struct packet *p);

/* At flow end: gives up detection if still running (with nDPI's guess)
 * and releases nDPI's state. The results stay readable. */
void classify_flow_end(struct classifier *c, struct flow *f);

/* Frees the metadata; the flow is about to be freed. */
void classify_flow_release(struct classifier *c, struct flow *f);

/* Writes the protocol name as ndpiReader prints it ("TLS.Google", "DNS",
 * "Unknown") into buf. */
void classify_proto_name(const struct classifier *c, const struct flow *f, char *buf,
                         size_t len);
const char *classify_master_name(const struct classifier *c, const struct flow *f);
const char *classify_app_name(const struct classifier *c, const struct flow *f);
const char *classify_category_name(const struct classifier *c, const struct flow *f);
const char *classify_confidence_name(const struct flow *f);
/* nDPI's risk score of the flow (client + server). */
uint16_t classify_risk_score(const struct flow *f);
/* Name of risk bit i (0..63), or NULL if none. */
const char *classify_risk_name(unsigned i);

/* What META_HOST names for this flow's protocol. */
enum classify_host_kind {
    HOST_OTHER,
    HOST_DNS_QUERY,
    HOST_TLS_SNI,
    HOST_HTTP_HOST,
    HOST_DHCP_HOSTNAME,
};
enum classify_host_kind classify_host_kind(const struct flow *f);

/* Finds tag in the flow's metadata; returns the length or -1. */
int classify_meta_get(const struct flow *f, enum classify_meta_tag tag, const uint8_t **val);

const struct classify_stats *classifier_stats(const struct classifier *c);

#endif
