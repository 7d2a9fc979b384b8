/*
 * HL7 version 2 messages over MLLP: one `hl7` record per message, linked
 * to its acknowledgement.
 *
 * Only the message header (MSH) and acknowledgement (MSA) fields named
 * below and the list of segment ids leave the parser. Every other field
 * (patient names and identifiers, visits, orders, results) is skipped
 * unread; the record only says whether segments that identify a patient
 * were present.
 */
#ifndef MAMORI_PROTO_PROTO_HL7_H
#define MAMORI_PROTO_PROTO_HL7_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/proto.h"

#define HL7_TEXT_MAX 48     /* MSH-3..6 (HD: namespace^universal id^type) */
#define HL7_ID_MAX 40       /* MSH-10 and MSA-2 (ST, 20 in the standard; some send more) */
#define HL7_MAX_SEGMENTS 48 /* segment ids listed per message */

enum hl7_event_kind {
    HL7_EV_MESSAGE = 0, /* struct hl7_message_event: written as a record */
};

struct hl7_message_event {
    uint64_t ts_us;     /* start block seen */
    uint64_t ack_ts_us; /* for a message: when its acknowledgement was seen */
    uint8_t dir;        /* enum flow_dir */
    char field_sep;     /* MSH-1 */
    char encoding[5];   /* MSH-2 */
    char sending_app[HL7_TEXT_MAX], sending_facility[HL7_TEXT_MAX];     /* MSH-3, MSH-4 */
    char receiving_app[HL7_TEXT_MAX], receiving_facility[HL7_TEXT_MAX]; /* MSH-5, MSH-6 */
    char datetime[28];                                                  /* MSH-7 */
    char message_code[8], trigger_event[8], structure[12];              /* MSH-9.1-3 */
    char control_id[HL7_ID_MAX];                                        /* MSH-10 */
    char processing_id[4];                                              /* MSH-11.1 */
    char version[12];                                                   /* MSH-12.1 */
    bool has_msa;
    char ack_code[4];                /* MSA-1: AA, AE, AR, CA, CE, CR */
    char ack_control_id[HL7_ID_MAX]; /* MSA-2 */
    /* The link: a message acknowledged, or an acknowledgement matched. */
    bool acked;
    char acked_code[4]; /* the MSA-1 that acknowledged this message */
    bool acks_known;
    char acks_message[28]; /* what this acknowledgement acknowledged: code^event */
    bool patient_segments; /* PID, PD1, NK1, PV1, PV2, MRG, ... present */
    bool truncated;        /* cut by a gap, a too-long header or the end */
    bool segments_truncated;
    uint8_t n_segments;
    uint32_t segment_count;
    uint32_t length; /* bytes between the MLLP start and end blocks */
    char segments[HL7_MAX_SEGMENTS][4];
};

extern const struct proto_parser proto_hl7;

#endif
