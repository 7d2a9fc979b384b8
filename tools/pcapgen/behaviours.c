/* Anomalous behaviours, each a short burst of traffic that one default rule must flag:
 *
 *   portscan            ws-tmp17 connect-scans 120 ports of pacs-main
 *   hostsweep           ws-tmp17 pings every address of the radiology subnet 10.20.1.0/24
 *   dicom_unknown_ae    ws-tmp17 queries PACS_MAIN as "ANY-SCU" (an AE title nobody registered)
 *   dicom_reject_burst  ws-tmp17 tries 16 AE titles in 4 s; PACS_MAIN rejects every one
 *   hl7_outside         hl7-engine sends ADT to 203.0.113.50:2575, outside the hospital
 *   smbv1               us-obgyn negotiates SMB1 (NT LM 0.12) with filesrv01
 *   rdp_modality        it-adm01 opens RDP to the CT console ct-room1
 *   telnet_login        it-adm01 logs in over Telnet to the analyser sysmex-xn1
 *   dns_tunnel          ward3-pc02 sends 30 TXT queries with base32 labels under one domain
 *   internet_talker     mr-room1 opens TLS to telemetry.modality-vendor.example
 *   retired_device      cr-old (10.20.1.90, CR_OLD), decommissioned, comes back and sends images
 *   new_device          a Raspberry Pi appears (DHCP, ARP, DNS, TLS, NTP) on the ward 4 network
 *   dicom_ae_spoof      ws-tmp17 stores an image on PACS_MAIN calling itself CT_ROOM1
 *   dicom_outside       rad-ws1 sends a study to a teleradiology service outside the hospital
 *   hl7_cleartext_zones ris01 sends ORM^O01 orders in clear to the CT console ct-room1
 *   fhir_basic_auth     lab-pc01's reporting script searches fhir01 with HTTP Basic credentials
 *   http_basic_auth     it-adm01 opens the printer adm-prn01's web administration (HTTP Basic)
 *   tls_obsolete        the analyser cobas-c311 posts results to lis01 over TLS 1.0
 *   ssh_obsolete        it-adm01 logs in over SSH to ris01, which runs OpenSSH 5.3
 *   http_exploit        ws-tmp17 sends SQL injection and XSS in URLs to his01's web portal
 *   http_exe_download   adm-pc02 downloads a Windows executable over plain HTTP from outside
 *
 * The hosts are fixed (see hospital.c) so that the rule tests and the device registry can name
 * them.
 */
#include "behaviours.h"

#include <string.h>

#include "proto.h"

static const char *const names[B_COUNT] = {
    "portscan",          "hostsweep",       "dicom_unknown_ae",    "dicom_reject_burst",
    "hl7_outside",       "smbv1",           "rdp_modality",        "telnet_login",
    "dns_tunnel",        "internet_talker", "retired_device",      "new_device",
    "dicom_ae_spoof",    "dicom_outside",   "hl7_cleartext_zones", "fhir_basic_auth",
    "http_basic_auth",   "tls_obsolete",    "ssh_obsolete",        "http_exploit",
    "http_exe_download",
};

int behaviour_from_name(const char *name, size_t len)
{
    for (int b = 0; b < B_COUNT; b++)
        if (strlen(names[b]) == len && memcmp(names[b], name, len) == 0)
            return b;
    return -1;
}

const char *behaviour_name(enum behaviour b)
{
    return names[b];
}

static struct host *find(struct hospital *hp, const char *name)
{
    for (size_t i = 0; i < hp->n; i++)
        if (strcmp(hp->hosts[i].name, name) == 0)
            return &hp->hosts[i];
    return NULL;
}

static uint64_t portscan(struct gen *g, struct rng *r, uint64_t t)
{
    struct hospital *hp = g->hosp;
    struct host *src = hp->rogue_ws, *dst = hp->pacs;
    static const uint16_t common[] = {
        21,  22,  23,  25,   53,   80,   88,   104,  110,  111,  135,  139,  143,  389,  443,  445,
        631, 993, 995, 1433, 1521, 2575, 3306, 3389, 4242, 5432, 5900, 6661, 8080, 8443, 11112};
    /* A connect() scan: closed ports answer RST-ACK, open ones are reset after the handshake. */
    for (int i = 0; i < 120; i++) {
        uint16_t port = i < (int)(sizeof(common) / sizeof(common[0]))
                            ? common[i]
                            : (uint16_t)rng_range(r, 1, 10000);
        if (port == 104 || port == 443 || port == 22) {
            /* Open: SYN-ACK, and the scanner resets instead of completing the handshake. */
            struct tcp_conv c;
            tcp_open(&c, g, r, src, dst, port, t);
            tcp_reset(&c, 0);
        } else {
            tcp_refused(g, r, src, host_port(src), dst, port, t);
        }
        t += rng_range(r, 5000, 30000);
    }
    return t;
}

static uint64_t hostsweep(struct gen *g, struct rng *r, uint64_t t)
{
    struct hospital *hp = g->hosp;
    struct host *src = hp->rogue_ws;
    for (uint32_t a = 1; a < 255; a++) {
        uint32_t ip = 0x0a140100u | a;
        struct host *dst = NULL;
        for (size_t i = 0; i < hp->n; i++)
            if (hp->hosts[i].ip == ip && &hp->hosts[i] != hp->retired)
                dst = &hp->hosts[i];
        if (dst != NULL) {
            icmp_ping(g, r, t, src, dst, 1, 1);
        } else {
            /* Nobody answers; the gateway MAC carries the request towards the empty address. */
            struct host ghost = *hp->gw;
            ghost.ip = ip;
            icmp_ping(g, r, t, src, &ghost, 1, 0);
        }
        t += rng_range(r, 2000, 12000);
    }
    return t;
}

static uint64_t reject_burst(struct gen *g, struct rng *r, uint64_t t)
{
    static const char *const aes[] = {"STORESCU", "FINDSCU",  "ECHOSCU", "MOVESCU",
                                      "ANY-SCU",  "DCM4CHEE", "ORTHANC", "OSIRIX",
                                      "HOROS",    "CONQUEST", "PACS",    "ADMIN",
                                      "DICOM",    "SCU",      "TEST",    "WORKSTATION"};
    struct hospital *hp = g->hosp;
    for (size_t i = 0; i < sizeof(aes) / sizeof(aes[0]); i++) {
        uint64_t end = dicom_rejected(g, r, t, hp->rogue_ws, aes[i], hp->pacs);
        t = end + rng_range(r, 50000, 250000);
    }
    return t;
}

static uint64_t retired(struct gen *g, struct rng *r, uint64_t t)
{
    struct hospital *hp = g->hosp;
    struct host *h = hp->retired;
    g->kind = KIND_BEHAVIOUR;
    t = arp_gratuitous(g, t, h) + 200000;
    t = dhcp_lease(g, r, t, h, true) + 500000;
    t = arp_resolve(g, r, t, h, hp->pacs) + 1000;
    t = dicom_echo(g, r, t, h, h->ae, hp->pacs) + 2000000;
    return dicom_store(g, r, t, h, h->ae, hp->pacs, hp->pacs->ae, 1, 96);
}

static uint64_t newdev(struct gen *g, struct rng *r, uint64_t t)
{
    struct hospital *hp = g->hosp;
    struct host *h = hp->newdev;
    struct host *out = hp->internet.h[0];
    t = dhcp_lease(g, r, t, h, false) + 100000;
    t = arp_gratuitous(g, t, h) + 1000000;
    t = ntp_sync(g, r, t, h) + 300000;
    t = dns_lookup(g, r, t, h, out->fqdn, DNS_A, out->ip) + 1000;
    return tls_session(g, r, t, h, out, 443, out->fqdn, 2);
}

/* A study of the reading room goes to a teleradiology service: DNS, then C-STORE. */
static uint64_t dicom_outside(struct gen *g, struct rng *r, uint64_t t)
{
    struct hospital *hp = g->hosp;
    struct host *ws = find(hp, "rad-ws1");
    struct host *tr = hp->outside_telerad;
    t = dns_lookup(g, r, t, ws, tr->fqdn, DNS_A, tr->ip) + 1500;
    return dicom_store(g, r, t, ws, ws->ae, tr, "TELERAD_SCP", 3, 64);
}

uint64_t behaviour_run(struct gen *g, struct rng *r, uint64_t t, enum behaviour b)
{
    struct hospital *hp = g->hosp;
    g->kind = KIND_BEHAVIOUR;
    switch (b) {
    case B_PORTSCAN:
        return portscan(g, r, t);
    case B_HOSTSWEEP:
        return hostsweep(g, r, t);
    case B_DICOM_UNKNOWN_AE:
        return dicom_find(g, r, t, hp->rogue_ws, "ANY-SCU", hp->pacs, 8, false);
    case B_DICOM_REJECT_BURST:
        return reject_burst(g, r, t);
    case B_HL7_OUTSIDE:
        return hl7_session(g, r, t, hp->engine, hp->outside_lab, HL7_ADT_A08, 3);
    case B_SMBV1:
        return smb1_negotiate(g, r, t, find(hp, "us-obgyn"), hp->filesrv);
    case B_RDP_MODALITY:
        return rdp_session(g, r, t, find(hp, "it-adm01"), find(hp, "ct-room1"), "administrator");
    case B_TELNET_LOGIN:
        return telnet_login(g, r, t, find(hp, "it-adm01"), find(hp, "sysmex-xn1"));
    case B_DNS_TUNNEL:
        for (unsigned i = 0; i < 30; i++)
            t = dns_tunnel_query(g, r, t, find(hp, "ward3-pc02"), "t.cdn-sync.example", i) +
                rng_range(r, 100000, 600000);
        return t;
    case B_INTERNET_TALKER: {
        struct host *mr = find(hp, "mr-room1");
        struct host *v = hp->outside_vendor;
        t = dns_lookup(g, r, t, mr, v->fqdn, DNS_A, v->ip) + 500;
        return tls_session(g, r, t, mr, v, 443, v->fqdn, 4);
    }
    case B_RETIRED_DEVICE:
        return retired(g, r, t);
    case B_NEW_DEVICE:
        return newdev(g, r, t);
    case B_DICOM_AE_SPOOF:
        return dicom_store(g, r, t, hp->rogue_ws, "CT_ROOM1", hp->pacs, hp->pacs->ae, 1, 64);
    case B_DICOM_OUTSIDE:
        return dicom_outside(g, r, t);
    case B_HL7_CLEARTEXT_ZONES:
        return hl7_session(g, r, t, hp->ris, find(hp, "ct-room1"), HL7_ORM_O01, 2);
    case B_FHIR_BASIC_AUTH:
        return fhir_basic_search(g, r, t, find(hp, "lab-pc01"), hp->fhir, 3);
    case B_HTTP_BASIC_AUTH:
        return http_basic_admin(g, r, t, find(hp, "it-adm01"), find(hp, "adm-prn01"));
    case B_TLS_OBSOLETE: {
        struct host *lis = hp->lis;
        return tls_legacy_session(g, r, t, find(hp, "cobas-c311"), lis, 443, lis->fqdn, 0x0301, 3);
    }
    case B_SSH_OBSOLETE:
        return ssh_session(g, r, t, find(hp, "it-adm01"), hp->ris);
    case B_HTTP_EXPLOIT:
        return http_injection(g, r, t, hp->rogue_ws, hp->his);
    case B_HTTP_EXE_DOWNLOAD: {
        struct host *pc = find(hp, "adm-pc02");
        struct host *cdn = find(hp, "cdn.news-site.example");
        t = dns_lookup(g, r, t, pc, cdn->fqdn, DNS_A, cdn->ip) + 800;
        return http_exe_download(g, r, t, pc, cdn);
    }
    case B_COUNT:
        break;
    }
    return t;
}
