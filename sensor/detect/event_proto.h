/*
 * The records of mamori's protocol parsers as events: a DICOM association
 * (type dicom), an HL7 message (hl7), a FHIR transaction (fhir), an SMB
 * connection (smb). Fed from the proto engine's event sink
 * (proto_engine_set_event_sink).
 */
#ifndef MAMORI_DETECT_EVENT_PROTO_H
#define MAMORI_DETECT_EVENT_PROTO_H

#include <stdbool.h>

#include "detect/event.h"
#include "flow/flow.h"
#include "proto/proto.h"
#include "proto/proto_dicom.h"
#include "proto/proto_smb.h"

#define EVENT_PROTO_SMB_CMDS 48

struct event_proto {
    struct event ev;
    const struct flow *f;          /* borrowed for the match */
    const struct proto_parser *ps; /* borrowed */
    unsigned kind;
    const void *rec; /* the parser's event struct; borrowed for the match */
    /* From here on, scratch that event_proto_get() writes before it reads
     * it: event_proto_init() does not clear it. */
    char proto_num[4];
    uint8_t src_ip[16], dest_ip[16];
    char hl7_message[24];
    char ae_host[DICOM_AE_MAX + 1 + 46 + 1]; /* TITLE@address */
    struct event_str commands[DICOM_MAX_COMMANDS];
    struct event_str sops[DICOM_MAX_CONTEXTS];
    struct event_str moves[DICOM_MAX_COMMANDS];
    struct event_str smb_offered[SMB_MAX_DIALECTS];
    struct event_str smb_cmds[EVENT_PROTO_SMB_CMDS];
};

/* Makes ep the event of one parser event. Returns false for the events
 * rules do not see (DICOM per-command events, HTTP that is not FHIR). */
bool event_proto_init(struct event_proto *ep, const struct flow *f, const struct proto_parser *ps,
                      unsigned kind, const void *rec);

#endif
