/* Topology of the simulated hospital; see hospital.h for the address plan. */
#include "hospital.h"

#include <stdio.h>
#include <string.h>

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

struct host_def {
    const char *name;
    const char *ae;
    uint32_t ip;
    uint32_t oui;
    const char *vendor;
    const char *model;
    const char *modality;
    enum host_os os;
};

static void list_add(struct host_list *l, struct host *h)
{
    if (l->n < HOSP_LIST_MAX)
        l->h[l->n++] = h;
}

static struct host *add(struct hospital *hp, const struct host_def *d)
{
    struct host *h = &hp->hosts[hp->n++];
    memset(h, 0, sizeof(*h));
    snprintf(h->name, sizeof(h->name), "%s", d->name);
    if (d->ae != NULL)
        snprintf(h->ae, sizeof(h->ae), "%s", d->ae);
    h->vendor = d->vendor;
    h->model = d->model;
    h->modality = d->modality;
    h->ip = d->ip;
    h->os = d->os;
    h->ttl = d->os == OS_WINDOWS ? 128 : 64;
    /* NIC-specific half of the MAC derived from the address: stable and unique per host. */
    uint32_t nic = (d->ip * 2654435761u) ^ (d->ip >> 7);
    h->mac[0] = (uint8_t)(d->oui >> 16);
    h->mac[1] = (uint8_t)(d->oui >> 8);
    h->mac[2] = (uint8_t)d->oui;
    h->mac[3] = (uint8_t)(nic >> 16);
    h->mac[4] = (uint8_t)(nic >> 8);
    h->mac[5] = (uint8_t)nic;
    h->ip6[0] = 0xfe;
    h->ip6[1] = 0x80;
    h->ip6[8] = h->mac[0] ^ 0x02;
    h->ip6[9] = h->mac[1];
    h->ip6[10] = h->mac[2];
    h->ip6[11] = 0xff;
    h->ip6[12] = 0xfe;
    h->ip6[13] = h->mac[3];
    h->ip6[14] = h->mac[4];
    h->ip6[15] = h->mac[5];
    h->ipid = (uint16_t)(nic >> 3);
    h->next_port = (uint16_t)(49152 + (nic % 4096));
    snprintf(h->fqdn, sizeof(h->fqdn), "%s.%s", d->name, HOSP_DOMAIN);
    return h;
}

static struct host *add_outside(struct hospital *hp, const char *fqdn, uint32_t ip, bool listed)
{
    struct host_def d = {fqdn, NULL, ip, 0, NULL, NULL, NULL, OS_LINUX};
    struct host *h = add(hp, &d);
    snprintf(h->fqdn, sizeof(h->fqdn), "%s", fqdn);
    memcpy(h->mac, hp->gw->mac, 6);
    h->outside = true;
    h->ttl = 52;
    if (listed)
        list_add(&hp->internet, h);
    return h;
}

/* Real OUIs (IEEE registry): */
#define OUI_CISCO 0x00000C
#define OUI_DELL 0xF48E38
#define OUI_DELL2 0xD4BED9
#define OUI_HP 0x3C5282
#define OUI_LENOVO 0x98FA9B /* LCFC (Hefei), Lenovo's ThinkCentre/ThinkPad maker */
#define OUI_VMWARE 0x005056
#define OUI_SUPERMICRO 0x002590
#define OUI_SIEMENS 0x0001E3
#define OUI_CANON 0x000085
#define OUI_GEHC 0x444B5D
#define OUI_PHILIPS_MED 0x00095C
#define OUI_HITACHI_ALOKA 0x000185
#define OUI_FUJIFILM 0x88B436
#define OUI_KONICA 0x00206B
#define OUI_CARESTREAM 0x001D4A
#define OUI_SYSMEX 0x00066B
#define OUI_ROCHE 0x006019
#define OUI_NIHON_KOHDEN 0x00A09A
#define OUI_BROTHER 0x008077
#define OUI_RICOH 0x000074
#define OUI_EPSON 0x0026AB
#define OUI_RASPBERRY 0x28CDC1

void hospital_init(struct hospital *hp)
{
    memset(hp, 0, sizeof(*hp));
    static const struct host_def gw = {"core-gw",  NULL, IP4(10, 10, 0, 1), OUI_CISCO, "Cisco",
                                       "Catalyst", NULL, OS_EMBEDDED};
    hp->gw = add(hp, &gw);
    hp->gw->ttl = 255;

    static const struct host_def servers[] = {
        {"dc01", NULL, IP4(10, 10, 0, 10), OUI_DELL, "Dell", "PowerEdge R650", NULL, OS_WINDOWS},
        {"dc02", NULL, IP4(10, 10, 0, 11), OUI_DELL, "Dell", "PowerEdge R650", NULL, OS_WINDOWS},
        {"ntp01", NULL, IP4(10, 10, 0, 12), OUI_SUPERMICRO, "Supermicro", "SYS-5019", NULL,
         OS_LINUX},
        {"pacs-main", "PACS_MAIN", IP4(10, 10, 0, 20), OUI_DELL2, "Dell", "PowerEdge R750", NULL,
         OS_LINUX},
        {"his01", NULL, IP4(10, 10, 0, 30), OUI_HP, "HPE", "ProLiant DL380", NULL, OS_LINUX},
        {"ris01", NULL, IP4(10, 10, 0, 31), OUI_VMWARE, "VMware", "Virtual Platform", NULL,
         OS_WINDOWS},
        {"lis01", NULL, IP4(10, 10, 0, 32), OUI_VMWARE, "VMware", "Virtual Platform", NULL,
         OS_LINUX},
        {"hl7-engine", NULL, IP4(10, 10, 0, 35), OUI_VMWARE, "VMware", "Virtual Platform", NULL,
         OS_LINUX},
        {"fhir01", NULL, IP4(10, 10, 0, 40), OUI_VMWARE, "VMware", "Virtual Platform", NULL,
         OS_LINUX},
        {"filesrv01", NULL, IP4(10, 10, 0, 50), OUI_DELL, "Dell", "PowerEdge R550", NULL,
         OS_WINDOWS},
        {"printsrv01", NULL, IP4(10, 10, 0, 51), OUI_VMWARE, "VMware", "Virtual Platform", NULL,
         OS_WINDOWS},
        {"nms01", NULL, IP4(10, 10, 0, 60), OUI_VMWARE, "VMware", "Virtual Platform", NULL,
         OS_LINUX},
    };
    struct host *s[sizeof(servers) / sizeof(servers[0])];
    for (size_t i = 0; i < sizeof(servers) / sizeof(servers[0]); i++) {
        s[i] = add(hp, &servers[i]);
        list_add(&hp->servers, s[i]);
    }
    hp->dc1 = s[0];
    hp->dc2 = s[1];
    hp->ntp = s[2];
    hp->pacs = s[3];
    hp->his = s[4];
    hp->ris = s[5];
    hp->lis = s[6];
    hp->engine = s[7];
    hp->fhir = s[8];
    hp->filesrv = s[9];
    hp->printsrv = s[10];
    hp->nms = s[11];

    static const struct host_def modalities[] = {
        {"ct-room1", "CT_ROOM1", IP4(10, 20, 1, 11), OUI_SIEMENS, "SIEMENS", "SOMATOM go.Top", "CT",
         OS_WINDOWS},
        {"ct-room2", "CT_ROOM2", IP4(10, 20, 1, 12), OUI_CANON, "CANON_MEC", "Aquilion Prime SP",
         "CT", OS_LINUX},
        {"mr-room1", "MR_ROOM1", IP4(10, 20, 1, 21), OUI_GEHC, "GE MEDICAL SYSTEMS",
         "SIGNA Explorer", "MR", OS_LINUX},
        {"us-er1", "US_ER1", IP4(10, 20, 1, 31), OUI_PHILIPS_MED, "Philips", "EPIQ 7", "US",
         OS_WINDOWS},
        {"us-obgyn", "US_OBGYN", IP4(10, 20, 1, 32), OUI_HITACHI_ALOKA, "Hitachi Aloka",
         "ProSound F75", "US", OS_WINDOWS},
        {"cr-room2", "CR_ROOM2", IP4(10, 20, 1, 41), OUI_FUJIFILM, "FUJIFILM Corporation",
         "FCR PROFECT CS", "CR", OS_WINDOWS},
        {"cr-ward", "CR_WARD", IP4(10, 20, 1, 42), OUI_KONICA, "KONICA MINOLTA", "REGIUS 190", "CR",
         OS_WINDOWS},
    };
    for (size_t i = 0; i < sizeof(modalities) / sizeof(modalities[0]); i++)
        list_add(&hp->modalities, add(hp, &modalities[i]));

    static const struct host_def viewers[] = {
        {"rad-ws1", "VIEWER_RAD1", IP4(10, 20, 2, 21), OUI_DELL, "Dell", "Precision 3660", NULL,
         OS_WINDOWS},
        {"rad-ws2", "VIEWER_RAD2", IP4(10, 20, 2, 22), OUI_DELL, "Dell", "Precision 3660", NULL,
         OS_WINDOWS},
        {"rad-ws3", "VIEWER_RAD3", IP4(10, 20, 2, 23), OUI_HP, "HP", "Z2 G9", NULL, OS_WINDOWS},
    };
    for (size_t i = 0; i < sizeof(viewers) / sizeof(viewers[0]); i++)
        list_add(&hp->viewers, add(hp, &viewers[i]));

    for (unsigned ward = 3; ward <= 5; ward++) {
        for (unsigned pc = 1; pc <= 4; pc++) {
            char name[32];
            snprintf(name, sizeof(name), "ward%u-pc%02u", ward, pc);
            struct host_def d = {name,       NULL,      IP4(10, 30, ward, 20 + pc),
                                 OUI_LENOVO, "Lenovo",  "ThinkCentre M70q",
                                 NULL,       OS_WINDOWS};
            list_add(&hp->ward_pcs, add(hp, &d));
        }
        char pname[32];
        snprintf(pname, sizeof(pname), "ward%u-prn01", ward);
        struct host_def p = {pname,
                             NULL,
                             IP4(10, 30, ward, 50),
                             ward == 4 ? OUI_RICOH : OUI_BROTHER,
                             ward == 4 ? "RICOH" : "Brother",
                             ward == 4 ? "IM C3000" : "MFC-L8900CDW",
                             NULL,
                             OS_EMBEDDED};
        list_add(&hp->printers, add(hp, &p));
    }

    static const struct host_def lab[] = {
        {"sysmex-xn1", NULL, IP4(10, 40, 0, 11), OUI_SYSMEX, "Sysmex", "XN-1000", NULL,
         OS_EMBEDDED},
        {"cobas-c311", NULL, IP4(10, 40, 0, 12), OUI_ROCHE, "Roche", "cobas c 311", NULL,
         OS_EMBEDDED},
        {"nk-central1", NULL, IP4(10, 40, 0, 20), OUI_NIHON_KOHDEN, "Nihon Kohden",
         "CNS-6201 gateway", NULL, OS_EMBEDDED},
        {"lab-pc01", NULL, IP4(10, 40, 0, 31), OUI_DELL2, "Dell", "OptiPlex 7010", NULL,
         OS_WINDOWS},
    };
    for (size_t i = 0; i < sizeof(lab) / sizeof(lab[0]); i++)
        list_add(&hp->lab_devices, add(hp, &lab[i]));
    hp->monitor_gw = hp->lab_devices.h[2];

    static const struct host_def admin[] = {
        {"adm-pc01", NULL, IP4(10, 50, 0, 21), OUI_HP, "HP", "EliteDesk 800", NULL, OS_WINDOWS},
        {"adm-pc02", NULL, IP4(10, 50, 0, 22), OUI_HP, "HP", "EliteDesk 800", NULL, OS_WINDOWS},
        {"adm-pc03", NULL, IP4(10, 50, 0, 23), OUI_LENOVO, "Lenovo", "ThinkPad T14", NULL,
         OS_WINDOWS},
        {"it-adm01", NULL, IP4(10, 50, 0, 40), OUI_DELL, "Dell", "Latitude 5440", NULL, OS_WINDOWS},
    };
    for (size_t i = 0; i < sizeof(admin) / sizeof(admin[0]); i++)
        list_add(&hp->admin_pcs, add(hp, &admin[i]));
    struct host_def prn = {"adm-prn01", NULL, IP4(10, 50, 0, 50), OUI_EPSON, "EPSON",
                           "WF-C879R",  NULL, OS_EMBEDDED};
    list_add(&hp->printers, add(hp, &prn));

    /* Behaviour-only hosts. */
    static const struct host_def retired = {"cr-old",
                                            "CR_OLD",
                                            IP4(10, 20, 1, 90),
                                            OUI_CARESTREAM,
                                            "Carestream Health",
                                            "DirectView CR 975",
                                            "CR",
                                            OS_WINDOWS};
    hp->retired = add(hp, &retired);
    static const struct host_def newdev = {"raspberrypi", NULL,           IP4(10, 30, 4, 201),
                                           OUI_RASPBERRY, "Raspberry Pi", "Raspberry Pi 4",
                                           NULL,          OS_LINUX};
    hp->newdev = add(hp, &newdev);
    static const struct host_def rogue = {"ws-tmp17", NULL,      IP4(10, 50, 0, 117),
                                          OUI_DELL2,  "Dell",    "Latitude 3540",
                                          NULL,       OS_WINDOWS};
    hp->rogue_ws = add(hp, &rogue);
    hp->scanner = hp->admin_pcs.h[3];

    add_outside(hp, "update.os-vendor.example", IP4(203, 0, 113, 10), true);
    add_outside(hp, "portal.cloud-office.example", IP4(203, 0, 113, 25), true);
    add_outside(hp, "cdn.news-site.example", IP4(198, 51, 100, 80), true);
    hp->outside_vendor =
        add_outside(hp, "telemetry.modality-vendor.example", IP4(198, 51, 100, 20), false);
    hp->outside_lab = add_outside(hp, "hl7.partner-lab.example", IP4(203, 0, 113, 50), false);
    hp->outside_dns = add_outside(hp, "resolver.isp.example", IP4(192, 0, 2, 53), false);
    hp->outside_telerad =
        add_outside(hp, "pacs.telerad-partner.example", IP4(203, 0, 113, 70), false);

    for (size_t i = 0; i < hp->viewers.n; i++)
        list_add(&hp->windows_pcs, hp->viewers.h[i]);
    for (size_t i = 0; i < hp->ward_pcs.n; i++)
        list_add(&hp->windows_pcs, hp->ward_pcs.h[i]);
    for (size_t i = 0; i < hp->admin_pcs.n; i++)
        list_add(&hp->windows_pcs, hp->admin_pcs.h[i]);
    list_add(&hp->windows_pcs, hp->lab_devices.h[3]);
    for (size_t i = 0; i < hp->windows_pcs.n; i++)
        list_add(&hp->clients, hp->windows_pcs.h[i]);
    for (size_t i = 0; i < hp->modalities.n; i++)
        list_add(&hp->clients, hp->modalities.h[i]);
    for (size_t i = 0; i < hp->lab_devices.n; i++)
        if (hp->lab_devices.h[i]->os == OS_EMBEDDED)
            list_add(&hp->clients, hp->lab_devices.h[i]);

    memset(hp->bcast.mac, 0xff, 6);
    hp->bcast.ip = 0xffffffffu;
    snprintf(hp->bcast.name, sizeof(hp->bcast.name), "broadcast");
    static const uint8_t mdns_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    memcpy(hp->mdns.mac, mdns_mac, 6);
    hp->mdns.ip = IP4(224, 0, 0, 251);
    static const uint8_t mdns6[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb};
    memcpy(hp->mdns.ip6, mdns6, 16);
    snprintf(hp->mdns.name, sizeof(hp->mdns.name), "mdns");
}

uint16_t host_port(struct host *h)
{
    uint16_t p = h->next_port;
    h->next_port = p == 65535 ? 49152 : (uint16_t)(p + 1);
    return p;
}

uint16_t host_ipid(struct host *h)
{
    return h->ipid++;
}

const char *ip_str(uint32_t ip, char *buf)
{
    snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    return buf;
}
