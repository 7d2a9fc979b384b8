/* Counting and queueing shared by every builder. */
#include "gen.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[KIND_COUNT] = {
    "dicom", "hl7", "fhir", "dhcp",  "dns",  "arp",       "ntp",
    "mdns",  "tls", "smb",  "print", "icmp", "behaviour",
};

int kind_from_name(const char *name, size_t len)
{
    for (int k = 0; k < KIND_COUNT; k++)
        if (strlen(kind_names[k]) == len && memcmp(kind_names[k], name, len) == 0)
            return k;
    return -1;
}

const char *kind_name(enum kind k)
{
    return kind_names[k];
}

void gen_queue(struct gen *g, uint64_t ts, size_t len)
{
    if (pcap_out_put(g->out, ts, g->frame, len) < 0) {
        g->err = -1;
        return;
    }
    g->total.packets++;
    g->total.bytes += len;
    g->per_kind[g->kind].packets++;
    g->per_kind[g->kind].bytes += len;
}

void gen_flow(struct gen *g)
{
    g->total.flows++;
    g->per_kind[g->kind].flows++;
}

void gen_patient_id(unsigned n, char out[16])
{
    snprintf(out, 16, "DEMO%06u", n % 1000000u);
}

void gen_patient_name(unsigned n, char out[24])
{
    snprintf(out, 24, "DEMO^PATIENT%03u", n % 1000u);
}
