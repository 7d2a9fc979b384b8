/*
 * Application-layer parsing: the registry of mamori's own protocol
 * parsers (DICOM, HL7 v2 over MLLP, FHIR over HTTP, ...) and the engine
 * that runs them on a worker's flows.
 *
 * The engine sees every packet of a flow after classification. For TCP it
 * feeds the parsers in-order bytes from stream reassembly (stream/); for
 * UDP the datagram payloads. Parsers write their records (EVE `dicom`,
 * `hl7`, `fhir`, ...) through the worker's EVE sink.
 *
 * State a parser keeps for a flow hangs off flow->proto, owned by the
 * engine and freed at proto_flow_end().
 */
#ifndef MAMORI_PROTO_PROTO_H
#define MAMORI_PROTO_PROTO_H

#include <stdint.h>

#include "classify/classify.h"
#include "decode/packet.h"
#include "flow/flow.h"
#include "flow/flow_table.h"
#include "output/eve_file.h"

struct proto_engine;

/* ft is charged for per-flow parser and reassembly state; cls names the
 * nDPI verdict in records; eve receives records. All borrowed and must
 * outlive the engine. Returns NULL on failure. Owned: proto_engine_free(). */
struct proto_engine *proto_engine_new(struct flow_table *ft, const struct classifier *cls,
                                      struct eve_file *eve);
void proto_engine_free(struct proto_engine *e);

/* Called for every packet of a flow, after classify_packet(). */
void proto_packet(struct proto_engine *e, struct flow *f, const struct packet *p,
                  enum flow_dir dir);

/* Called once when the flow ends, before its flow record is written:
 * parsers write their final records and all per-flow state is freed. */
void proto_flow_end(struct proto_engine *e, struct flow *f);

#endif
