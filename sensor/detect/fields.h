/*
 * The fields rules can name: one table (fields.c), so renaming a field is
 * one edit there. Adapters switch on the ids below; rules are compiled to
 * ids once, so no name is compared while matching.
 */
#ifndef MAMORI_DETECT_FIELDS_H
#define MAMORI_DETECT_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "detect/event.h"

enum field_id {
    /* every event */
    F_SRC_IP,
    F_DEST_IP,
    F_SRC_PORT,
    F_DEST_PORT,
    F_PROTO,
    F_APP_PROTO,
    F_VLAN,
    /* flow */
    F_FLOW_PKTS_TOSERVER,
    F_FLOW_PKTS_TOCLIENT,
    F_FLOW_BYTES_TOSERVER,
    F_FLOW_BYTES_TOCLIENT,
    F_FLOW_PKTS,
    F_FLOW_BYTES,
    F_FLOW_AGE,
    F_FLOW_STATE,
    F_FLOW_REASON,
    F_FLOW_ANSWERED,
    /* ndpi */
    F_NDPI_PROTOCOL,
    F_NDPI_MASTER,
    F_NDPI_APP,
    F_NDPI_CATEGORY,
    F_NDPI_CONFIDENCE,
    F_NDPI_GUESSED,
    F_NDPI_RISKS,
    F_NDPI_RISK_SCORE,
    F_NDPI_RISK_SEVERITY,
    F_NDPI_HOSTNAME,
    /* dns, http, tls, ssh, smb, rdp, dhcp (what nDPI found in the flow) */
    F_DNS_QUERY,
    F_DNS_QUERY_LENGTH,
    F_DNS_LONGEST_LABEL,
    F_HTTP_HOSTNAME,
    F_HTTP_URL,
    F_HTTP_USER_AGENT,
    F_HTTP_BASIC_AUTH,
    F_TLS_SNI,
    F_TLS_VERSION,
    F_TLS_JA3,
    F_TLS_JA3S,
    F_SSH_CLIENT,
    F_SSH_SERVER,
    F_SMB_VERSION,
    F_SMB_DIALECT,
    F_SMB_DIALECTS_OFFERED,
    F_SMB_COMMANDS,
    F_RDP,
    F_DHCP_HOSTNAME,
    F_DHCP_FINGERPRINT,
    F_DHCP_VENDOR_CLASS,
    /* dicom */
    F_DICOM_ASSOCIATION,
    F_DICOM_CALLING_AE,
    F_DICOM_CALLED_AE,
    F_DICOM_CALLING_AE_HOST,
    F_DICOM_RESULT,
    F_DICOM_END,
    F_DICOM_COMMANDS,
    F_DICOM_SOP_CLASSES,
    F_DICOM_MOVE_DESTINATIONS,
    F_DICOM_FAILURES,
    F_DICOM_USER_IDENTITY,
    F_DICOM_IMPLEMENTATION_VERSION,
    F_DICOM_CLEARTEXT,
    F_DICOM_DATA_BYTES,
    /* hl7 */
    F_HL7_MESSAGE,
    F_HL7_MESSAGE_TYPE,
    F_HL7_TRIGGER_EVENT,
    F_HL7_SENDING_APPLICATION,
    F_HL7_SENDING_FACILITY,
    F_HL7_RECEIVING_APPLICATION,
    F_HL7_RECEIVING_FACILITY,
    F_HL7_VERSION,
    F_HL7_PROCESSING_ID,
    F_HL7_ACK_CODE,
    F_HL7_PATIENT_SEGMENTS,
    F_HL7_CLEARTEXT,
    /* fhir */
    F_FHIR_RESOURCE,
    F_FHIR_INTERACTION,
    F_FHIR_METHOD,
    F_FHIR_STATUS,
    F_FHIR_AUTH_SCHEME,
    F_FHIR_CLEARTEXT_CREDENTIALS,
    /* asset */
    F_ASSET_MAC,
    F_ASSET_VENDOR,
    F_ASSET_HOSTNAME,
    F_ASSET_NEW,
    F_ASSET_REGISTERED,
    F_ASSET_RETIRED,
    F_ASSET_EVENT,
    F_ASSET_TYPE,
    F_ASSET_DETAIL,
    F_COUNT
};

#define EVT_BIT(t) (1u << (t))
#define EVT_ALL ((1u << EVENT_TYPE_COUNT) - 1)

struct field_def {
    const char *name;
    uint8_t kind;              /* enum event_kind */
    uint8_t types;             /* EVT_BIT() of the event types that carry it */
    const char *const *values; /* allowed words, NULL-terminated, or NULL: any */
    const char *help;          /* one line, for -T hints and the reference */
};

/* The definition of id (id < F_COUNT). */
const struct field_def *field_get(unsigned id);

/* What a field of kind (enum event_kind) holds, as rule errors say it:
 * "a number", "text", ... */
const char *field_kind_name(uint8_t kind);

/* The id of a field name, or -1. */
int field_lookup(const char *name, size_t len);

/* The field name closest to name (edit distance), or NULL if none is
 * close enough to suggest. */
const char *field_suggest(const char *name, size_t len);

/* Edit distance between two strings, case-insensitive, capped at 8. */
unsigned field_distance(const char *a, size_t alen, const char *b, size_t blen);

#endif
