/* The simulated hospital: hosts, their addresses, names and roles.
 *
 *   10.10.0.0/24  servers      gateway, domain controllers (DNS, DHCP), NTP, PACS, HIS, RIS, LIS,
 *                              HL7 interface engine, FHIR server, file and print servers,
 *                              network monitoring (pings every device)
 *   10.20.1.0/24  radiology    modalities (CT, MR, US, CR), AE titles CT_ROOM1 ...
 *   10.20.2.0/24  radiology    reading workstations (DICOM viewers)
 *   10.30.N.0/24  wards        clinical workstations and printers, one /24 per ward
 *   10.40.0.0/24  laboratory   analysers, patient-monitor gateway, lab workstation
 *   10.50.0.0/24  admin        office workstations, IT administration
 *   outside       RFC 5737 documentation addresses, reached through the gateway's MAC
 *
 * MAC prefixes are the vendors' real OUIs so that asset inventory shows believable makers.
 */
#ifndef PCAPGEN_HOSPITAL_H
#define PCAPGEN_HOSPITAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOSP_DOMAIN "hospital.example"
#define HOSP_MAX_HOSTS 128
#define HOSP_LIST_MAX 32

enum host_os { OS_WINDOWS, OS_LINUX, OS_EMBEDDED };

struct host {
    char name[32]; /* short hostname; FQDN is name + "." HOSP_DOMAIN for inside hosts */
    char fqdn[64];
    char ae[17];        /* DICOM AE title, empty when the host speaks no DICOM */
    const char *vendor; /* maker, for DICOM Manufacturer and DHCP vendor class */
    const char *model;
    const char *modality; /* "CT", "MR", "US", "CR" or NULL */
    uint8_t mac[6];       /* the address seen on the wire: the gateway's for outside hosts */
    uint32_t ip;          /* host byte order */
    uint8_t ip6[16];      /* link-local fe80::/64 from the EUI-64 of mac */
    enum host_os os;
    bool outside;
    uint8_t ttl;
    uint16_t ipid;      /* next IPv4 identification */
    uint16_t next_port; /* next ephemeral port: unique 5-tuples for up to 16384 flows a host */
};

struct host_list {
    struct host *h[HOSP_LIST_MAX];
    size_t n;
};

struct hospital {
    struct host hosts[HOSP_MAX_HOSTS];
    size_t n;
    struct host *gw, *dc1, *dc2, *ntp, *pacs, *his, *ris, *lis, *engine, *fhir, *filesrv, *printsrv,
        *nms, *monitor_gw;
    /* Hosts that only the behaviours use: they must not appear in normal traffic. */
    struct host *retired, *newdev, *outside_lab, *outside_vendor, *outside_dns, *scanner, *rogue_ws,
        *outside_telerad;
    struct host_list modalities, viewers, ward_pcs, admin_pcs, lab_devices, printers, servers,
        clients, windows_pcs, internet;
    /* Pseudo-hosts for broadcast and multicast destinations. */
    struct host bcast, mdns;
};

/* Fills h with the fixed topology. The topology does not depend on the seed: the rules and the
 * device registry of the tests name these hosts. */
void hospital_init(struct hospital *h);
/* Next ephemeral source port of host (49152-65535, wrapping). */
uint16_t host_port(struct host *h);
uint16_t host_ipid(struct host *h);
/* Dotted quad of ip into buf (at least 16 bytes). */
const char *ip_str(uint32_t ip, char *buf);

#endif
