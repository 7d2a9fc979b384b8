/*
 * What rules look at: an event of one type (a flow that ended, a DICOM
 * association, an HL7 message, ...) whose fields are read by id.
 *
 * An event does not copy what it describes. Its adapter (event_flow.c,
 * event_proto.c) answers field reads from the flow or parser record it
 * wraps, which is borrowed for as long as the event is being matched and
 * formatted; nothing here outlives that call. Field ids and names are in
 * fields.h.
 */
#ifndef MAMORI_DETECT_EVENT_H
#define MAMORI_DETECT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/json.h"

enum event_type {
    EVENT_FLOW = 0, /* a flow ended: flow, ndpi, dns, http, tls, ssh, smb, dhcp fields */
    EVENT_DICOM,    /* a DICOM association ended (its `dicom` record) */
    EVENT_HL7,      /* an HL7 v2 message (its `hl7` record) */
    EVENT_FHIR,     /* a FHIR transaction (its `fhir` record) */
    EVENT_ASSET,    /* the asset inventory saw a device (asset.*) */
    EVENT_SMB,      /* an SMB connection ended (its `smb` record) */
    EVENT_TYPE_COUNT
};

enum event_kind {
    EVK_NONE = 0,
    EVK_INT, /* int64 */
    EVK_STR, /* byte slice, not NUL-terminated */
    EVK_IP,  /* 16 bytes, IPv4 as ::ffff:a.b.c.d */
    EVK_BOOL,
    EVK_STRLIST, /* several strings: a condition holds when one of them satisfies it */
};

struct event_str {
    const char *p; /* borrowed */
    size_t len;
};

struct event_value {
    uint8_t kind; /* enum event_kind */
    union {
        int64_t i;
        bool b;
        struct event_str s;
        uint8_t ip[16];
        struct {
            const struct event_str *v; /* borrowed */
            size_t n;
        } list;
    } u;
};

struct event;

/* Fills *v and returns true when the event carries the field. The value
 * (and any strings it points to) stays valid as long as the event does:
 * matching reads each field once and keeps what it read, so an adapter
 * must not reuse one buffer for two fields. */
typedef bool (*event_get_fn)(const struct event *ev, uint16_t field, struct event_value *v);

/* Writes part of the event into an open alert record. header: the EVE
 * fields of the conversation (flow_id, vlan, src_ip, src_port, dest_ip,
 * dest_port, proto, app_proto); objects: the event's own objects (flow
 * and ndpi, dicom, hl7, fhir, asset). */
typedef void (*event_format_fn)(const struct event *ev, struct json_buf *b);

struct event {
    uint8_t type;   /* enum event_type */
    uint64_t ts_us; /* when it happened (capture time) */
    event_get_fn get;
    event_format_fn header, objects;
    const void *ctx; /* the adapter's; borrowed */
};

/* The name rules use for an event type ("flow", "dicom", ...) and back. */
const char *event_type_name(enum event_type t);
int event_type_from_name(const char *s, size_t len);

/* Stores an IPv4 (version 4, first 4 bytes of ip) or IPv6 address in the
 * event form. */
void event_ip_from(uint8_t out[16], const uint8_t ip[16], uint8_t version);

#endif
