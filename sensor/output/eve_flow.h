/*
 * EVE `flow` records with Suricata's field names plus an `ndpi` object.
 */
#ifndef MAMORI_OUTPUT_EVE_FLOW_H
#define MAMORI_OUTPUT_EVE_FLOW_H

#include "classify/classify.h"
#include "flow/flow.h"
#include "output/json.h"

/* Resets b and formats the record of an ended flow into it. */
void eve_flow_format(struct json_buf *b, const struct flow *f, const struct classifier *c);

/* Writes the "flow" object (counters, times, state, reason). */
void eve_flow_counters(struct json_buf *b, const struct flow *f, bool alerted);

/* Writes the "ndpi" object of a flow (also used by alerts on flows). */
void eve_flow_ndpi(struct json_buf *b, const struct flow *f, const struct classifier *c);

/* "TCP", "UDP", "ICMP", "IPv6-ICMP", ... or NULL if unnamed. */
const char *eve_proto_name(uint8_t proto);

#endif
