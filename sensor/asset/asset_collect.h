/*
 * The worker's half of the inventory: packs what a flow, a DICOM
 * association or an HL7 message says about the devices at its two ends
 * into an asset_evidence message (asset_evidence.h), which the worker
 * hands to the output thread through its ring.
 */
#ifndef MAMORI_ASSET_ASSET_COLLECT_H
#define MAMORI_ASSET_ASSET_COLLECT_H

#include "asset/asset_evidence.h"
#include "classify/classify.h"
#include "flow/flow.h"
#include "proto/proto.h"

/* An ended flow: addresses, MACs, service, bytes, nDPI's metadata. */
void asset_collect_flow(struct asset_evidence_buf *m, const struct flow *f,
                        const struct classifier *c);
/* A parser's event on f (DICOM association, HL7 message). Returns false
 * for events that say nothing about devices. */
bool asset_collect_proto(struct asset_evidence_buf *m, const struct flow *f,
                         const struct proto_parser *ps, unsigned kind, const void *ev);

/* One UDP packet that names devices: DHCP (ports 67/68), mDNS (5353),
 * NetBIOS name service (137), DNS responses (from port 53). Returns false
 * when it names none. */
bool asset_collect_packet(struct asset_evidence_buf *m, const struct packet *p);

/* A TCP packet of f going dir: the Server header of an HTTP response,
 * read from the first server packets only (ASSET_HTTP_PACKETS, the
 * handshake included). Returns false when it names none. */
#define ASSET_HTTP_PACKETS 4
bool asset_collect_http(struct asset_evidence_buf *m, const struct flow *f, const struct packet *p,
                        enum flow_dir dir);

#endif
