/*
 * A flow record as an event (type flow): what eve_flow.c writes, readable
 * by field id. Also the conversation fields (addresses, ports, proto) that
 * the protocol adapters share.
 */
#ifndef MAMORI_DETECT_EVENT_FLOW_H
#define MAMORI_DETECT_EVENT_FLOW_H

#include <stdbool.h>

#include "classify/classify.h"
#include "detect/event.h"
#include "flow/flow.h"

#define EVENT_FLOW_MAX_RISKS 64

/* Lives on the caller's stack for one match; f and c are borrowed for as
 * long. */
struct event_flow {
    struct event ev;
    const struct flow *f;
    const struct classifier *c;
    /* a buffer per computed field: values stay valid for the whole match */
    char proto_num[4];
    char app_proto[32];
    char ndpi_protocol[64];
    uint8_t src_ip[16], dest_ip[16];
    struct event_str risks[EVENT_FLOW_MAX_RISKS];
};

/* Makes ef an event of the ended flow f, timed at its last packet. */
void event_flow_init(struct event_flow *ef, const struct flow *f, const struct classifier *c);

/* The conversation fields of f for any event on it (src_ip, dest_ip,
 * src_port, dest_port, proto, vlan; app_proto is the caller's). Returns
 * false for other fields. proto_num is a 4-byte buffer for unnamed
 * protocols; ips 16-byte buffers. */
bool event_flow_conv_get(const struct flow *f, uint16_t field, struct event_value *v,
                         char proto_num[4], uint8_t src_ip[16], uint8_t dest_ip[16]);

/* Writes the EVE header fields of f (flow_id, vlan, src_ip, src_port,
 * dest_ip, dest_port, proto) and app_proto. */
void event_flow_header_write(struct json_buf *b, const struct flow *f, const char *app_proto);

#endif
