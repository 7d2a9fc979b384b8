/* The generator's context: where frames go and what has been counted.
 *
 * Every protocol builder receives a struct gen; there is no global state, so two generators with
 * the same options produce the same bytes.
 */
#ifndef PCAPGEN_GEN_H
#define PCAPGEN_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "hospital.h"
#include "pcap_out.h"

enum kind {
    KIND_DICOM,
    KIND_HL7,
    KIND_FHIR,
    KIND_DHCP,
    KIND_DNS,
    KIND_ARP,
    KIND_NTP,
    KIND_MDNS,
    KIND_TLS,
    KIND_SMB,
    KIND_PRINT,
    KIND_ICMP,
    KIND_BEHAVIOUR,
    KIND_COUNT
};

struct gen_counts {
    uint64_t packets;
    uint64_t bytes;
    uint64_t flows;
};

struct gen {
    struct pcap_out *out;  /* borrowed from main */
    struct hospital *hosp; /* borrowed from main */
    enum kind kind;        /* what the frames being built are counted as */
    struct gen_counts total;
    struct gen_counts per_kind[KIND_COUNT];
    int err;       /* sticky: first failure to queue a frame */
    uint8_t *work; /* owned by main: scratch for large application messages */
    size_t work_cap;
    uint8_t frame[PCAP_OUT_MAX_FRAME]; /* scratch frame, reused for every packet */
};

/* Traffic kinds by --include name; returns -1 for an unknown name. */
int kind_from_name(const char *name, size_t len);
const char *kind_name(enum kind k);

/* Queues g->frame[0..len) at ts. */
void gen_queue(struct gen *g, uint64_t ts, size_t len);
/* Counts one conversation (a TCP connection or a UDP exchange) for the current kind. */
void gen_flow(struct gen *g);

/* Fake patients shared by HL7, DICOM and FHIR so that one person is followed across systems.
 * Names are obviously synthetic: DEMO^PATIENTnnn. */
#define GEN_PATIENTS 40
void gen_patient_id(unsigned n, char out[16]);
void gen_patient_name(unsigned n, char out[24]);

#endif
