#include "asset/asset_classify.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum asset_cond {
    COND_SOP_SENT,     /* a SOP class it proposed as SCU (name, glob) */
    COND_SOP_ACCEPTED, /* a SOP class it accepted as SCP */
    COND_AE,           /* one of its AE titles (glob, case-insensitive) */
    COND_SERVES,       /* a protocol it serves (name) */
    COND_USES,         /* a protocol it uses as client */
    COND_SERVES_PORT,  /* a TCP port it serves (decimal) */
    COND_SERVES_USES,  /* a protocol it both serves and uses */
    COND_ROUTER,       /* many addresses behind its MAC */
    COND_VENDOR,       /* MAC vendor (glob, case-insensitive) */
    COND_DHCP_CLASS,   /* DHCP vendor class, option 60 (glob, case-insensitive) */
};

struct asset_type_row {
    const char *type, *subtype, *role;
    enum asset_cond cond;
    const char *arg;
};

/* The table. First row that holds wins: keep the most telling first. */
static const struct asset_type_row asset_rows[] = {
    /* A router's MAC carries everybody's traffic: what it "does" is theirs. */
    {"network", "router", NULL, COND_ROUTER, NULL},
    {"pacs", "archive", "DICOM SCP", COND_SOP_ACCEPTED, "*Query/Retrieve*"},
    /* Query/retrieve is what viewers do; a viewer also sends images back
     * (C-STORE of what it edited or forwarded), so this comes before the
     * storage rows. A modality's worklist query is not Query/Retrieve. */
    {"workstation", "DICOM viewer", "DICOM SCU", COND_SOP_SENT, "*Query/Retrieve*"},
    {"modality", "CT", "DICOM SCU", COND_SOP_SENT, "*CT Image Storage"},
    {"modality", "MR", "DICOM SCU", COND_SOP_SENT, "*MR Image Storage"},
    {"modality", "US", "DICOM SCU", COND_SOP_SENT, "Ultrasound*Image Storage"},
    {"modality", "CR", "DICOM SCU", COND_SOP_SENT, "Computed Radiography Image Storage"},
    {"modality", "DX", "DICOM SCU", COND_SOP_SENT, "Digital X-Ray Image Storage*"},
    {"modality", "MG", "DICOM SCU", COND_SOP_SENT, "Digital Mammography X-Ray Image Storage*"},
    {"modality", "XA", "DICOM SCU", COND_SOP_SENT, "X-Ray Angiographic Image Storage"},
    {"modality", "NM", "DICOM SCU", COND_SOP_SENT, "Nuclear Medicine Image Storage"},
    {"modality", "PT", "DICOM SCU", COND_SOP_SENT, "Positron Emission Tomography Image Storage"},
    {"modality", "ECG", "DICOM SCU", COND_SOP_SENT, "*ECG Waveform Storage"},
    {"modality", "OT", "DICOM SCU", COND_SOP_SENT, "Secondary Capture Image Storage"},
    {"pacs", "archive", "DICOM SCP", COND_SOP_ACCEPTED, "*Image Storage"},
    {"modality", "CT", "DICOM SCU", COND_AE, "CT*"},
    {"modality", "MR", "DICOM SCU", COND_AE, "MR*"},
    {"modality", "US", "DICOM SCU", COND_AE, "US*"},
    {"modality", "CR", "DICOM SCU", COND_AE, "CR*"},
    {"modality", "DX", "DICOM SCU", COND_AE, "DX*"},
    {"pacs", NULL, "DICOM SCP", COND_AE, "PACS*"},
    {"pacs", NULL, "DICOM SCP", COND_SERVES, "dicom"},
    {"modality", NULL, "DICOM SCU", COND_USES, "dicom"},
    /* Makers of medical equipment only: their MAC says what the device is
     * even before it speaks DICOM or HL7. */
    {"modality", NULL, NULL, COND_VENDOR, "GE Healthcare*"},
    {"modality", NULL, NULL, COND_VENDOR, "Philips Medical*"},
    {"modality", NULL, NULL, COND_VENDOR, "Siemens Healthineers*"},
    {"modality", NULL, NULL, COND_VENDOR, "Hitachi Aloka*"},
    {"modality", NULL, NULL, COND_VENDOR, "Carestream*"},
    {"medical", "lab analyzer", NULL, COND_VENDOR, "Sysmex*"},
    {"medical", "lab analyzer", NULL, COND_VENDOR, "Roche Diagnostics*"},
    {"medical", "patient monitoring", NULL, COND_VENDOR, "NIHON KOHDEN*"},
    {"hl7", "interface engine", "HL7 server and client", COND_SERVES_USES, "hl7"},
    {"hl7", "HL7 server", "HL7 server", COND_SERVES, "hl7"},
    {"hl7", "HL7 sender", "HL7 client", COND_USES, "hl7"},
    {"building", "BACnet", NULL, COND_SERVES, "bacnet"},
    {"building", "BACnet", NULL, COND_USES, "bacnet"},
    {"building", "Modbus", NULL, COND_SERVES, "modbus"},
    {"building", "KNX", NULL, COND_SERVES, "knx"},
    {"printer", NULL, "print server", COND_SERVES, "ipp"},
    {"printer", NULL, "print server", COND_SERVES_PORT, "631"},
    {"printer", NULL, "print server", COND_SERVES_PORT, "9100"},
    {"printer", NULL, "print server", COND_SERVES_PORT, "515"},
    /* Printer makers, before the servers: their printers serve a web
     * page (configuration) and would be taken for web servers. */
    {"printer", NULL, NULL, COND_VENDOR, "Brother*"},
    {"printer", NULL, NULL, COND_VENDOR, "Ricoh*"},
    {"printer", NULL, NULL, COND_VENDOR, "Seiko Epson*"},
    {"server", "directory", NULL, COND_SERVES, "kerberos"},
    {"server", "directory", NULL, COND_SERVES, "ldap"},
    {"server", "DNS", NULL, COND_SERVES, "dns"},
    {"server", "NTP", NULL, COND_SERVES, "ntp"},
    {"server", "file", NULL, COND_SERVES, "smbv23"},
    {"server", "file", NULL, COND_SERVES, "smb"}, /* mamori's SMB parser */
    {"server", "file", NULL, COND_SERVES, "smbv1"},
    {"server", "FHIR", NULL, COND_SERVES, "fhir"},
    {"server", "web", NULL, COND_SERVES, "http"},
    {"server", "web", NULL, COND_SERVES, "tls"},
    {"network", NULL, NULL, COND_SERVES, "snmp"},
    {"network", NULL, NULL, COND_VENDOR, "Cisco*"},
    {"network", NULL, NULL, COND_VENDOR, "Juniper*"},
    {"network", NULL, NULL, COND_VENDOR, "Aruba*"},
    {"workstation", "PC", NULL, COND_USES, "rdp"},
    {"workstation", "PC", NULL, COND_USES, "smbv23"},
    {"workstation", "PC", NULL, COND_USES, "kerberos"},
    {"workstation", "PC", NULL, COND_USES, "tls"},
    {"workstation", "PC", NULL, COND_USES, "http"},
    {"workstation", "PC", NULL, COND_USES, "smb"},
    /* A client of the FHIR server: the EHR's desktop application. */
    {"workstation", "PC", NULL, COND_USES, "fhir"},
    /* Windows' DHCP client (servers keep static addresses). */
    {"workstation", "PC", NULL, COND_DHCP_CLASS, "MSFT*"},
};

#define ASSET_NROWS (sizeof asset_rows / sizeof asset_rows[0])

static const char *const cond_names[] = {
    [COND_SOP_SENT] = "sends SOP class",
    [COND_SOP_ACCEPTED] = "accepts SOP class",
    [COND_AE] = "AE title matches",
    [COND_SERVES] = "serves",
    [COND_USES] = "uses",
    [COND_SERVES_PORT] = "serves TCP port",
    [COND_SERVES_USES] = "serves and uses",
    [COND_ROUTER] = "MAC is the source of many addresses",
    [COND_VENDOR] = "MAC vendor matches",
    [COND_DHCP_CLASS] = "DHCP vendor class matches",
};

static const char *strs_match(const struct asset_strs *s, const char *glob)
{
    for (uint8_t i = 0; i < s->n; i++)
        if (fnmatch(glob, s->v[i], FNM_CASEFOLD) == 0)
            return s->v[i];
    return NULL;
}

static const struct asset_service *svc_find(const struct asset *a, const char *proto, bool server,
                                            unsigned port)
{
    for (uint8_t i = 0; i < a->n_svc; i++) {
        const struct asset_service *s = &a->svc[i];
        if (s->server != server)
            continue;
        if (proto && strcmp(s->proto, proto) == 0)
            return s;
        if (!proto && s->port == port && s->l4 == 6)
            return s;
    }
    return NULL;
}

/* Whether row r holds for a; why gets the evidence line. */
static bool asset_row_holds(const struct asset *a, const struct asset_type_row *r, char *why,
                            size_t len)
{
    const char *hit = NULL;
    const struct asset_service *s;
    switch (r->cond) {
    case COND_SOP_SENT:
        if ((hit = strs_match(&a->sop_sent, r->arg)))
            snprintf(why, len, "SOP class %s sent", hit);
        break;
    case COND_SOP_ACCEPTED:
        if ((hit = strs_match(&a->sop_accepted, r->arg)))
            snprintf(why, len, "SOP class %s accepted", hit);
        break;
    case COND_AE:
        for (uint8_t i = 0; i < a->n_ae && !hit; i++)
            if (fnmatch(r->arg, a->ae[i].ae, FNM_CASEFOLD) == 0)
                hit = a->ae[i].ae;
        if (hit)
            snprintf(why, len, "AE title %s matches %s", hit, r->arg);
        break;
    case COND_SERVES:
    case COND_USES:
        if ((s = svc_find(a, r->arg, r->cond == COND_SERVES, 0))) {
            hit = s->proto;
            snprintf(why, len, "%s %s on port %u", r->cond == COND_SERVES ? "serves" : "uses",
                     s->proto, s->port);
        }
        break;
    case COND_SERVES_USES:
        if (svc_find(a, r->arg, true, 0) && (s = svc_find(a, r->arg, false, 0))) {
            hit = s->proto;
            snprintf(why, len, "serves and uses %s", s->proto);
        }
        break;
    case COND_SERVES_PORT: {
        unsigned port = 0;
        sscanf(r->arg, "%u", &port);
        if ((s = svc_find(a, NULL, true, port))) {
            hit = r->arg;
            snprintf(why, len, "serves TCP port %u", port);
        }
        break;
    }
    case COND_ROUTER:
        if (a->router) {
            hit = "router";
            snprintf(why, len, "its MAC is the source of more than %d addresses", ASSET_ROUTER_IPS);
        }
        break;
    case COND_DHCP_CLASS:
        if ((hit = strs_match(&a->dhcp_class, r->arg)))
            snprintf(why, len, "DHCP vendor class %s", hit);
        break;
    case COND_VENDOR:
        if (a->vendor && fnmatch(r->arg, a->vendor, FNM_CASEFOLD) == 0) {
            hit = a->vendor;
            snprintf(why, len, "MAC vendor %s", a->vendor);
        }
        break;
    }
    return hit != NULL;
}

bool asset_classify(struct asset *a)
{
    const char *old = a->type, *old_sub = a->subtype;
    a->n_evidence = 0;
    a->type = "unknown";
    a->subtype = NULL;
    a->role = NULL;
    for (size_t i = 0; i < ASSET_NROWS; i++) {
        const struct asset_type_row *r = &asset_rows[i];
        char why[sizeof a->evidence[0]];
        if (!asset_row_holds(a, r, why, sizeof why))
            continue;
        if (a->n_evidence == 0) {
            a->type = r->type;
            a->subtype = r->subtype;
            a->role = r->role;
        } else if (strcmp(r->type, a->type) != 0) {
            continue; /* only what supports the decision is kept */
        }
        if (a->n_evidence < ASSET_EVIDENCE_LINES)
            snprintf(a->evidence[a->n_evidence++], sizeof a->evidence[0], "%s", why);
    }
    if (a->vendor && a->n_evidence < ASSET_EVIDENCE_LINES && strcmp(a->type, "unknown") != 0) {
        bool said = false;
        for (uint8_t i = 0; i < a->n_evidence; i++)
            said |= strstr(a->evidence[i], "MAC vendor") != NULL;
        if (!said)
            snprintf(a->evidence[a->n_evidence++], sizeof a->evidence[0], "MAC vendor %s",
                     a->vendor);
    }
    bool same =
        old && strcmp(old, a->type) == 0 &&
        ((!old_sub && !a->subtype) || (old_sub && a->subtype && strcmp(old_sub, a->subtype) == 0));
    return !same;
}

bool asset_classify_row(size_t i, const char **type, const char **subtype, const char **cond)
{
    if (i >= ASSET_NROWS)
        return false;
    *type = asset_rows[i].type;
    *subtype = asset_rows[i].subtype;
    *cond = cond_names[asset_rows[i].cond];
    return true;
}
