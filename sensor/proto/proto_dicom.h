/*
 * DICOM upper layer (PS3.8 section 9.3) and DIMSE command sets (PS3.7):
 * one `dicom` record per association.
 *
 * The parser keeps what identifies the conversation (AE titles,
 * presentation contexts, implementation, user identity type, commands
 * and their statuses) and never a data set: image and query contents,
 * patient names and IDs are skipped unread, and command elements that
 * name instances (SOP instance UIDs, error comments) are not kept.
 */
#ifndef MAMORI_PROTO_PROTO_DICOM_H
#define MAMORI_PROTO_PROTO_DICOM_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/proto.h"

#define DICOM_AE_MAX 16        /* PS3.8 9.3.2: AE titles are 16 bytes */
#define DICOM_UID_MAX 64       /* PS3.5 9.1 */
#define DICOM_MAX_CONTEXTS 128 /* odd context ids 1..255 */
#define DICOM_MAX_TS 6         /* transfer syntaxes kept per proposed context */
#define DICOM_MAX_COMMANDS 32  /* distinct (command, SOP class) pairs kept */
#define DICOM_UID_POOL 4096    /* bytes for UIDs not in the name table */
#define DICOM_VERSION_MAX 16   /* implementation version name */

/* Event kinds handed to the engine. */
enum dicom_event_kind {
    DICOM_EV_ASSOCIATION = 0, /* struct dicom_assoc_event: written as a record */
    DICOM_EV_COMMAND = 1,     /* struct dicom_command_event: for the detection stage */
};

/* A UID as kept: 0 none; 1..0x7fff the name table's index + 1
 * (proto_dicom_uids.h); 0x8000 | offset into the association's pool. */
typedef uint16_t dicom_uid_ref;

enum dicom_pdu_type {
    DICOM_PDU_ASSOCIATE_RQ = 1,
    DICOM_PDU_ASSOCIATE_AC = 2,
    DICOM_PDU_ASSOCIATE_RJ = 3,
    DICOM_PDU_P_DATA_TF = 4,
    DICOM_PDU_RELEASE_RQ = 5,
    DICOM_PDU_RELEASE_RP = 6,
    DICOM_PDU_ABORT = 7,
};

enum dicom_assoc_end {
    DICOM_END_NONE,    /* still open */
    DICOM_END_RELEASE, /* A-RELEASE-RQ/RP */
    DICOM_END_REJECT,  /* A-ASSOCIATE-RJ */
    DICOM_END_ABORT,   /* A-ABORT */
    DICOM_END_FLOW,    /* the TCP connection ended or timed out first */
    DICOM_END_ERROR,   /* malformed PDU: parsing stopped */
    DICOM_END_GAP,     /* bytes lost in capture where no resynchronisation is possible */
};

#define DICOM_RESULT_NONE 0xff /* no A-ASSOCIATE-AC answered the context */

struct dicom_pctx {
    uint8_t id;
    uint8_t result; /* PS3.8 9.3.3.2: 0 acceptance .. 4, or DICOM_RESULT_NONE */
    uint8_t n_ts;
    bool ts_truncated;
    dicom_uid_ref abstract;
    dicom_uid_ref ts[DICOM_MAX_TS];
    dicom_uid_ref accepted_ts;
};

/* The commands of one (command, SOP class) pair. */
struct dicom_cmd_summary {
    uint16_t command; /* command field without the response bit: 0x0001 C-STORE, ... */
    dicom_uid_ref sop_class;
    uint32_t requests, responses;
    uint32_t success, pending, cancel, warning, failure;
    uint16_t first_message_id, last_message_id;
    uint16_t last_problem; /* last warning or failure status */
    bool has_problem;
    char move_destination[DICOM_AE_MAX + 1];
};

struct dicom_assoc_event {
    uint64_t start_us, end_us;
    uint8_t end;              /* enum dicom_assoc_end */
    bool accepted, midstream; /* midstream: picked up after the association started */
    bool release_requested;
    uint16_t protocol_version;
    char calling_ae[DICOM_AE_MAX + 1], called_ae[DICOM_AE_MAX + 1];
    dicom_uid_ref app_context;
    uint32_t max_pdu_rq, max_pdu_ac;
    dicom_uid_ref impl_class_rq, impl_class_ac;
    char impl_version_rq[DICOM_VERSION_MAX + 1], impl_version_ac[DICOM_VERSION_MAX + 1];
    /* PS3.8 D.3.3.7: 1 username, 2 username and passcode, 3 Kerberos,
     * 4 SAML, 5 JWT. The identity itself is never kept. */
    uint8_t user_identity_type;
    bool user_identity_response_requested, user_identity_response;
    uint8_t n_ctx;
    bool ctx_truncated;
    struct dicom_pctx ctx[DICOM_MAX_CONTEXTS];
    uint8_t reject_result, reject_source, reject_reason;
    uint8_t abort_source, abort_reason;
    uint8_t abort_dir; /* enum flow_dir of the A-ABORT */
    uint8_t n_cmd;
    bool cmd_truncated;
    struct dicom_cmd_summary cmd[DICOM_MAX_COMMANDS];
    uint32_t pdus[8];    /* indexed by enum dicom_pdu_type */
    uint64_t bytes[2];   /* PDU bytes per direction */
    uint64_t data_bytes; /* data set bytes (skipped unread) */
    uint32_t gaps;
    uint64_t gap_bytes;
    uint16_t pool_len;
    char pool[DICOM_UID_POOL];
};

/* One DIMSE message's command set, as read (PS3.7 section 9.3, 10.3). */
struct dicom_command_event {
    const struct dicom_assoc_event *assoc; /* borrowed: the association so far */
    uint16_t command_field;                /* with the response bit 0x8000 */
    uint16_t message_id;                   /* of the request, or responded to */
    uint8_t context_id;
    bool has_status;
    uint16_t status;
    dicom_uid_ref sop_class; /* affected or requested SOP class */
    char move_destination[DICOM_AE_MAX + 1];
};

extern const struct proto_parser proto_dicom;

/* Names for records and rules. */
const char *dicom_command_name(uint16_t command_field);
/* "success", "pending", "cancel", "warning" or "failure" (PS3.7 Annex C). */
const char *dicom_status_category(uint16_t status);
const char *dicom_status_meaning(uint16_t status);
/* The UID a ref stands for ("" for none) and its registered name (NULL
 * when not in the table). */
const char *dicom_uid_str(const struct dicom_assoc_event *ev, dicom_uid_ref ref);
const char *dicom_uid_name(dicom_uid_ref ref);

#endif
