/* The anomalous behaviours the default rules must detect, generated on request. */
#ifndef PCAPGEN_BEHAVIOURS_H
#define PCAPGEN_BEHAVIOURS_H

#include <stddef.h>
#include <stdint.h>

#include "gen.h"
#include "rng.h"

enum behaviour {
    B_PORTSCAN,
    B_HOSTSWEEP,
    B_DICOM_UNKNOWN_AE,
    B_DICOM_REJECT_BURST,
    B_HL7_OUTSIDE,
    B_SMBV1,
    B_RDP_MODALITY,
    B_TELNET_LOGIN,
    B_DNS_TUNNEL,
    B_INTERNET_TALKER,
    B_RETIRED_DEVICE,
    B_NEW_DEVICE,
    B_DICOM_AE_SPOOF,
    B_DICOM_OUTSIDE,
    B_HL7_CLEARTEXT_ZONES,
    B_FHIR_BASIC_AUTH,
    B_HTTP_BASIC_AUTH,
    B_TLS_OBSOLETE,
    B_SSH_OBSOLETE,
    B_HTTP_EXPLOIT,
    B_HTTP_EXE_DOWNLOAD,
    B_COUNT
};

int behaviour_from_name(const char *name, size_t len);
const char *behaviour_name(enum behaviour b);
/* Generates behaviour b starting at t; returns the time of its last frame. */
uint64_t behaviour_run(struct gen *g, struct rng *r, uint64_t t, enum behaviour b);

#endif
