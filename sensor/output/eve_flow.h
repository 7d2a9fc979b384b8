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

/* Where the parts of a flow record start in its buffer (byte offsets),
 * so that an alert on the flow can copy them instead of formatting the
 * flow again (alert_eve_format_flow()). Each part starts with the comma
 * before its key:
 *
 *   {"timestamp":...   ,"flow_id":N   ,"event_type":"flow"   ,["vlan":..,]"src_ip":...
 *                      ^flow_id       ^event_type            ^addresses
 *   ...,"app_proto":"x"   ,"flow":{...,"alerted":false}   ,"ndpi":{...}   }
 *                         ^counters                       ^ndpi
 */
struct eve_flow_marks {
    size_t flow_id, event_type, addresses, counters, ndpi;
};

/* eve_flow_format(), and where its parts are into *marks (NULL: not
 * wanted). */
void eve_flow_format_marked(struct json_buf *b, const struct flow *f, const struct classifier *c,
                            struct eve_flow_marks *marks);

/* Writes the "flow" object (counters, times, state, reason). */
void eve_flow_counters(struct json_buf *b, const struct flow *f, bool alerted);

/* Writes the "ndpi" object of a flow (also used by alerts on flows). */
void eve_flow_ndpi(struct json_buf *b, const struct flow *f, const struct classifier *c);

/* "TCP", "UDP", "ICMP", "IPv6-ICMP", ... or NULL if unnamed. */
const char *eve_proto_name(uint8_t proto);

#endif
