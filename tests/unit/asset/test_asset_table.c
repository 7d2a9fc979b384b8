/* asset/asset_table.c: evidence folded into devices, the events it raises,
 * records, the cap, and assets.json read back. */
#include "asset/asset_table.h"

#include "asset/asset_evidence.h"
#include "asset/asset_oui.h"
#include "asset/asset_pending.h"
#include "asset/asset_registry.h"
#include "asset/asset_vulns.h"

#include "../test.h"

struct sink {
    int records, news, events[ASSET_EVENT_KINDS], saves;
    int named; /* records whose changes say "hostname ws-ward3" */
    char last_detail[ASSET_EVENT_KINDS][256];
    char last_record[8192];
};

static void on_record(void *ctx, const struct json_buf *rec)
{
    struct sink *s = ctx;
    s->records++;
    size_t n = rec->len < sizeof s->last_record - 1 ? rec->len : sizeof s->last_record - 1;
    memcpy(s->last_record, rec->p, n);
    s->last_record[n] = 0;
    if (strstr(s->last_record, "\"event\":\"new\""))
        s->news++;
    if (strstr(s->last_record, "\"hostname ws-ward3\""))
        s->named++;
}

static void on_event(void *ctx, const struct asset_event *ev)
{
    struct sink *s = ctx;
    s->events[ev->kind]++;
    snprintf(s->last_detail[ev->kind], sizeof s->last_detail[0], "%s", ev->detail);
}

static void on_save(void *ctx, const struct asset *a, const struct json_buf *obj)
{
    (void)a;
    (void)obj;
    ((struct sink *)ctx)->saves++;
}

static const uint8_t MAC_CT[6] = {0x00, 0x01, 0xe3, 0x10, 0x00, 0x11};
static const uint8_t MAC_PACS[6] = {0xd4, 0xbe, 0xd9, 0x00, 0x00, 0x20};
static const uint8_t MAC_GW[6] = {0x00, 0x00, 0x0c, 0x00, 0x00, 0x01};

static void head(struct asset_evidence_buf *m, uint32_t cip, const uint8_t *cmac, uint32_t sip,
                 const uint8_t *smac, uint16_t dport, const char *app, uint8_t flags)
{
    struct asset_evidence_head h = {.ip_version = 4,
                                    .l4proto = 6,
                                    .flags = flags,
                                    .sport = 40000,
                                    .dport = dport,
                                    .first_us = 1000000,
                                    .last_us = 2000000,
                                    .bytes_cs = 100,
                                    .bytes_sc = 50};
    for (int i = 0; i < 4; i++) {
        h.client_ip[i] = (uint8_t)(cip >> (24 - 8 * i));
        h.server_ip[i] = (uint8_t)(sip >> (24 - 8 * i));
    }
    if (cmac) {
        memcpy(h.client_mac, cmac, 6);
        h.flags |= ASSET_EV_CLIENT_MAC;
    }
    if (smac) {
        memcpy(h.server_mac, smac, 6);
        h.flags |= ASSET_EV_SERVER_MAC;
    }
    snprintf(h.app_proto, sizeof h.app_proto, "%s", app);
    asset_evidence_begin(m, &h);
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct fixture {
    struct asset_oui *oui;
    struct asset_registry *reg;
    struct asset_vulns *vulns;
    struct asset_table *t;
    struct sink s;
};

static const char oui_csv[] = "MA-L,0001E3,Siemens AG,x\nMA-L,D4BED9,Dell Inc.,x\n";
static const char reg_csv[] = "10.20.1.11,CT room 1,modality,Radiology,active,10.10.0.20,dicom\n"
                              "10.10.0.20,PACS,pacs,Radiology,active,,\n"
                              "10.20.1.90,CR old,modality,Radiology,retired,,\n";
static const char vulns_csv[] = "DCMTK,dicom,OFFIS_DCMTK_,,367,CVE-2022-2119,high,path traversal\n";

static void setup(struct fixture *f, uint32_t max)
{
    char err[256];
    memset(f, 0, sizeof *f);
    f->oui = asset_oui_new();
    asset_oui_add_csv(f->oui, (const uint8_t *)oui_csv, sizeof oui_csv - 1);
    f->reg =
        asset_registry_parse((const uint8_t *)reg_csv, sizeof reg_csv - 1, "r", err, sizeof err);
    f->vulns =
        asset_vulns_parse((const uint8_t *)vulns_csv, sizeof vulns_csv - 1, "v", err, sizeof err);
    struct asset_table_config c = {
        .max_assets = max, .oui = f->oui, .registry = f->reg, .vulns = f->vulns};
    f->t = asset_table_new(&c, err, sizeof err);
    struct asset_sink sk = {on_record, on_event, on_save, &f->s};
    asset_table_set_sink(f->t, &sk);
}

static void teardown(struct fixture *f)
{
    asset_table_free(f->t);
    asset_vulns_free(f->vulns);
    asset_registry_free(f->reg);
    asset_oui_free(f->oui);
}

struct find {
    const char *id;
    const struct asset *a;
};

static void find_cb(void *ctx, const struct asset *a)
{
    struct find *f = ctx;
    if (strcmp(a->id, f->id) == 0)
        f->a = a;
}

static const struct asset *find(struct asset_table *t, const char *id)
{
    struct find f = {id, NULL};
    asset_table_foreach(t, find_cb, &f);
    return f.a;
}

static void feed(struct fixture *f, struct asset_evidence_buf *m)
{
    CHECK_EQ_INT(asset_table_evidence(f->t, m->b, m->len), 0);
}

/* A CT stores to the PACS: two devices, typed by their SOP classes. */
static void test_dicom_store(void)
{
    struct fixture f;
    setup(&f, 100);
    struct asset_evidence_buf m;
    head(&m, IP(10, 20, 1, 11), MAC_CT, IP(10, 10, 0, 20), MAC_PACS, 104, "dicom", 0);
    asset_evidence_add_str(&m, AEV_DICOM_AE, ASSET_CLIENT, "CT_ROOM1");
    asset_evidence_add_str(&m, AEV_DICOM_AE, ASSET_SERVER, "PACS_MAIN");
    asset_evidence_add_str(&m, AEV_DICOM_SOP, ASSET_CLIENT, "CT Image Storage");
    asset_evidence_add_str(&m, AEV_DICOM_SOP, ASSET_SERVER, "CT Image Storage");
    asset_evidence_add_str(&m, AEV_DICOM_IMPL_VERSION, ASSET_SERVER, "OFFIS_DCMTK_366");
    feed(&f, &m);
    const struct asset *ct = find(f.t, "mac-0001e3100011");
    const struct asset *pacs = find(f.t, "mac-d4bed9000020");
    CHECK(ct && pacs);
    if (!ct || !pacs)
        goto out;
    CHECK_EQ_STR(ct->type, "modality");
    CHECK_EQ_STR(ct->subtype, "CT");
    CHECK_EQ_STR(ct->vendor, "Siemens AG");
    CHECK_EQ_STR(ct->evidence[0], "SOP class CT Image Storage sent");
    CHECK_EQ_STR(pacs->type, "pacs");
    CHECK_EQ_STR(ct->ips.v[0], "10.20.1.11");
    CHECK_EQ_INT(ct->reg_status, ASSET_REG_REGISTERED);
    CHECK_EQ_INT(f.s.news, 2);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_NEW], 2);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_VULNERABLE], 1);
    CHECK(strstr(f.s.last_detail[ASSET_EVENT_VULNERABLE], "CVE-2022-2119") != NULL);
    CHECK_EQ_INT(pacs->n_vulns, 1);
    CHECK_EQ_INT(f.s.saves, 2);
    /* The same again changes nothing: no record. */
    int before = f.s.records;
    head(&m, IP(10, 20, 1, 11), MAC_CT, IP(10, 10, 0, 20), MAC_PACS, 104, "dicom", 0);
    asset_evidence_add_str(&m, AEV_DICOM_AE, ASSET_CLIENT, "CT_ROOM1");
    feed(&f, &m);
    CHECK_EQ_INT(f.s.records, before);
    /* A new implementation version is an identity change. */
    head(&m, IP(10, 20, 1, 11), MAC_CT, IP(10, 10, 0, 20), MAC_PACS, 104, "dicom", 0);
    asset_evidence_add_str(&m, AEV_DICOM_IMPL_VERSION, ASSET_SERVER, "OFFIS_DCMTK_368");
    feed(&f, &m);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_IDENTITY], 1);
    CHECK(strstr(f.s.last_detail[ASSET_EVENT_IDENTITY], "OFFIS_DCMTK_368 (was OFFIS_DCMTK_366)"));
    /* The CT used SSH: outside its registry profile (dicom only), and to
     * a peer that is not its PACS. */
    head(&m, IP(10, 20, 1, 11), MAC_CT, IP(10, 10, 0, 60), NULL, 22, "ssh",
         ASSET_EV_FLOW | ASSET_EV_ANSWERED);
    feed(&f, &m);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_PROTOCOL], 2);
    /* Its AE title from another device. */
    static const uint8_t other[6] = {0x02, 0, 0, 0, 0, 9};
    head(&m, IP(10, 20, 1, 77), other, IP(10, 10, 0, 20), MAC_PACS, 104, "dicom", 0);
    asset_evidence_add_str(&m, AEV_DICOM_AE, ASSET_CLIENT, "CT_ROOM1");
    feed(&f, &m);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_IDENTITY], 2);
    CHECK(strstr(f.s.last_detail[ASSET_EVENT_IDENTITY], "AE title CT_ROOM1 from 10.20.1.77"));
    /* 10.20.1.77, and the SSH server 10.10.0.60, are in no registry */
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_UNREGISTERED], 2);
    /* The CT's address taken by another MAC. */
    head(&m, IP(10, 20, 1, 11), other, IP(10, 10, 0, 20), MAC_PACS, 104, "dicom",
         ASSET_EV_FLOW | ASSET_EV_ANSWERED);
    feed(&f, &m);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_IDENTITY], 3);
    CHECK(strstr(f.s.last_detail[ASSET_EVENT_IDENTITY], "address 10.20.1.11 moved"));
out:
    teardown(&f);
}

/* DHCP: the client has no address yet; the MAC entry gets it later. */
static void test_dhcp_then_ip(void)
{
    struct fixture f;
    setup(&f, 100);
    struct asset_evidence_buf m;
    head(&m, 0, MAC_CT, IP(255, 255, 255, 255), NULL, 67, "dhcp", ASSET_EV_FLOW);
    asset_evidence_add_str(&m, AEV_HOSTNAME, ASSET_CLIENT, "ct-room1");
    asset_evidence_add_str(&m, AEV_DHCP_FP, ASSET_CLIENT, "1,3,6,15");
    feed(&f, &m);
    const struct asset *a = find(f.t, "mac-0001e3100011");
    CHECK(a && a->ips.n == 0 && a->hostnames.n == 1);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_UNREGISTERED], 0); /* nothing to look up yet */
    head(&m, IP(10, 20, 1, 11), MAC_CT, IP(10, 10, 0, 20), MAC_PACS, 104, "dicom",
         ASSET_EV_FLOW | ASSET_EV_ANSWERED);
    feed(&f, &m);
    CHECK(a && a->ips.n == 1 && a->reg_status == ASSET_REG_REGISTERED);
    CHECK(strstr(f.s.last_record, "\"hostnames\":[\"ct-room1\"]") ||
          find(f.t, "mac-0001e3100011")->hostnames.n == 1);
    teardown(&f);
}

/* The gateway's MAC carries many addresses: a router, and the devices
 * behind it are keyed by address; a retired one is reported. */
static void test_router_and_retired(void)
{
    struct fixture f;
    setup(&f, 100);
    struct asset_evidence_buf m;
    for (unsigned i = 1; i <= 6; i++) {
        head(&m, IP(10, 20, 1, 80 + i), MAC_GW, IP(10, 10, 0, 20), MAC_PACS, 104, "dicom",
             ASSET_EV_FLOW | ASSET_EV_ANSWERED);
        feed(&f, &m);
    }
    const struct asset *gw = find(f.t, "mac-00000c000001");
    CHECK(gw && gw->router);
    CHECK(gw && strcmp(gw->type, "network") == 0);
    CHECK(find(f.t, "ip-10.20.1.86") != NULL);
    /* The addresses it carried before it was found out are devices too. */
    CHECK(find(f.t, "ip-10.20.1.81") && find(f.t, "ip-10.20.1.81")->ips.n == 1);
    CHECK(gw && gw->ips.n == 0);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_IDENTITY], 0);
    head(&m, IP(10, 20, 1, 90), MAC_GW, IP(10, 10, 0, 20), MAC_PACS, 104, "dicom",
         ASSET_EV_FLOW | ASSET_EV_ANSWERED);
    feed(&f, &m);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_RETIRED], 1);
    CHECK(strstr(f.s.last_detail[ASSET_EVENT_RETIRED], "CR old") != NULL);
    /* Outside addresses are not devices; silent servers neither. */
    head(&m, IP(10, 20, 1, 90), MAC_GW, IP(8, 8, 8, 8), MAC_GW, 53, "dns",
         ASSET_EV_FLOW | ASSET_EV_ANSWERED);
    feed(&f, &m);
    head(&m, IP(10, 20, 1, 90), MAC_GW, IP(10, 99, 0, 1), MAC_GW, 80, "", ASSET_EV_FLOW);
    feed(&f, &m);
    CHECK(find(f.t, "ip-8.8.8.8") == NULL);
    CHECK(find(f.t, "ip-10.99.0.1") == NULL);
    teardown(&f);
}

static void test_cap(void)
{
    struct fixture f;
    setup(&f, 3);
    struct asset_evidence_buf m;
    for (unsigned i = 1; i <= 10; i++) {
        head(&m, IP(10, 30, 0, i), NULL, IP(10, 30, 1, i), NULL, 80, "http",
             ASSET_EV_FLOW | ASSET_EV_ANSWERED);
        feed(&f, &m);
    }
    const struct asset_table_stats *st = asset_table_stats(f.t);
    CHECK_EQ_INT(st->assets, 3);
    CHECK_EQ_INT(st->created, 20);
    CHECK_EQ_INT(st->evicted, 17);
    CHECK(find(f.t, "ip-10.30.1.10") && find(f.t, "ip-10.30.0.10"));
    CHECK(asset_table_evidence(f.t, (const uint8_t *)"junk", 4) < 0);
    CHECK_EQ_INT(st->malformed, 1);
    teardown(&f);
}

struct dump {
    char *p;
    size_t len;
};

static void dump_cb(void *ctx, const struct asset *a)
{
    struct dump *d = ctx;
    struct json_buf b;
    json_init(&b);
    asset_json_object(&b, NULL, a);
    d->p = realloc(d->p, d->len + b.len + 1);
    memcpy(d->p + d->len, b.p, b.len);
    d->len += b.len;
    d->p[d->len++] = '\n';
    json_free(&b);
}

/* What assets.json keeps comes back; loaded devices are not new. */
static void test_json_roundtrip(void)
{
    struct fixture f;
    setup(&f, 100);
    struct asset_evidence_buf m;
    head(&m, IP(10, 20, 1, 11), MAC_CT, IP(10, 10, 0, 20), MAC_PACS, 104, "dicom",
         ASSET_EV_FLOW | ASSET_EV_ANSWERED);
    asset_evidence_add_str(&m, AEV_DICOM_AE, ASSET_CLIENT, "CT_\"ROOM1\\");
    asset_evidence_add_str(&m, AEV_DICOM_SOP, ASSET_CLIENT, "CT Image Storage");
    asset_evidence_add_str(&m, AEV_HL7_APP, ASSET_SERVER, "PACS\x01");
    feed(&f, &m);
    struct dump d = {NULL, 0};
    asset_table_foreach(f.t, dump_cb, &d);

    struct fixture g;
    setup(&g, 100);
    size_t bad = 0;
    CHECK_EQ_INT(asset_table_load_json(g.t, (const uint8_t *)d.p, d.len, &bad), 2);
    CHECK_EQ_INT(bad, 0);
    const struct asset *ct = find(g.t, "mac-0001e3100011");
    CHECK(ct && ct->n_ae == 1 && strcmp(ct->ae[0].ae, "CT_\"ROOM1\\") == 0);
    CHECK(ct && strcmp(ct->type, "modality") == 0 && ct->n_svc == 1 && ct->bytes_out == 100);
    CHECK(ct && ct->first_us == 1000000 && ct->last_us == 2000000);
    feed(&g, &m);
    CHECK_EQ_INT(g.s.news, 0);
    /* Twice the same file: a later line of a device is a newer state of
     * it and replaces it; no device more, none counted twice. */
    CHECK_EQ_INT(asset_table_load_json(g.t, (const uint8_t *)d.p, d.len, &bad), 0);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT((int)asset_table_stats(g.t)->assets, 2);
    ct = find(g.t, "mac-0001e3100011");
    CHECK(ct && ct->n_ae == 1 && ct->first_us == 1000000);

    /* Truncation sweep: every prefix loads what is whole, never more. */
    for (size_t i = 0; i <= d.len; i++) {
        struct fixture h;
        setup(&h, 100);
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, d.p, i);
        size_t nbad = 0;
        int n = asset_table_load_json(h.t, copy, i, &nbad);
        CHECK(n >= 0 && n <= 2);
        free(copy);
        teardown(&h);
    }
    free(d.p);
    teardown(&g);
    teardown(&f);
}

/* SIGHUP: a vulns table that now lists a version seen is reported; a
 * registry that now lists the device changes its status. */
static void test_set_files(void)
{
    struct fixture f;
    setup(&f, 100);
    struct asset_evidence_buf m;
    head(&m, IP(10, 20, 1, 11), MAC_CT, IP(10, 10, 0, 99), NULL, 22, "ssh",
         ASSET_EV_FLOW | ASSET_EV_ANSWERED);
    asset_evidence_add_str(&m, AEV_SSH_BANNER, ASSET_SERVER, "SSH-2.0-OpenSSH_9.2p1");
    feed(&f, &m);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_VULNERABLE], 0);
    const struct asset *srv = find(f.t, "ip-10.10.0.99");
    CHECK(srv && srv->reg_status == ASSET_REG_UNREGISTERED);
    static const char v2[] = "OpenSSH,ssh,SSH-2.0-OpenSSH_,8.5p1,9.8p1,CVE-2024-6387,high,x\n";
    static const char r2[] = "10.10.0.99,jump host,server,IT,active,,\n";
    char err[256];
    struct asset_vulns *nv =
        asset_vulns_parse((const uint8_t *)v2, sizeof v2 - 1, "v2", err, sizeof err);
    struct asset_registry *nr =
        asset_registry_parse((const uint8_t *)r2, sizeof r2 - 1, "r2", err, sizeof err);
    int before = f.s.records;
    asset_table_set_files(f.t, nr, nv);
    CHECK_EQ_INT(f.s.events[ASSET_EVENT_VULNERABLE], 1);
    CHECK(strstr(f.s.last_detail[ASSET_EVENT_VULNERABLE], "CVE-2024-6387") != NULL);
    CHECK(srv && srv->reg_status == ASSET_REG_REGISTERED && srv->n_vulns == 1);
    CHECK(f.s.records > before);
    /* the CT is in no registry line now */
    const struct asset *ct = find(f.t, "mac-0001e3100011");
    CHECK(ct && ct->reg_status == ASSET_REG_UNREGISTERED);
    asset_table_set_files(f.t, NULL, NULL);
    CHECK(srv && srv->n_vulns == 0 && srv->reg_status == ASSET_REG_NONE);
    asset_vulns_free(nv);
    asset_registry_free(nr);
    teardown(&f);
}

/* A DNS server's answer names an address (DNS, from port 53). */
static void dns_answer(struct asset_evidence_buf *m, uint32_t ip, const char *name, uint64_t ts)
{
    struct asset_evidence_head h = {.ip_version = 4, .l4proto = 17, .sport = 53, .dport = 40000};
    h.first_us = h.last_us = ts;
    uint32_t srv = IP(10, 10, 0, 5);
    for (int i = 0; i < 4; i++)
        h.client_ip[i] = (uint8_t)(srv >> (24 - 8 * i));
    memcpy(h.client_mac, MAC_PACS, 6);
    h.flags = ASSET_EV_CLIENT_MAC;
    snprintf(h.app_proto, sizeof h.app_proto, "dns");
    asset_evidence_begin(m, &h);
    uint8_t b[1 + 16 + 64] = {4};
    for (int i = 0; i < 4; i++)
        b[1 + i] = (uint8_t)(ip >> (24 - 8 * i));
    size_t n = strlen(name);
    memcpy(b + 17, name, n);
    asset_evidence_add(m, AEV_NAME_OF, ASSET_CLIENT, b, 17 + n);
}

static void flow_at(struct asset_evidence_buf *m, uint32_t cip, uint64_t ts)
{
    struct asset_evidence_head h = {.ip_version = 4,
                                    .l4proto = 6,
                                    .flags = ASSET_EV_FLOW | ASSET_EV_ANSWERED,
                                    .sport = 40000,
                                    .dport = 443,
                                    .bytes_cs = 100,
                                    .bytes_sc = 50};
    h.first_us = h.last_us = ts;
    uint32_t sip = IP(10, 10, 0, 20);
    for (int i = 0; i < 4; i++) {
        h.client_ip[i] = (uint8_t)(cip >> (24 - 8 * i));
        h.server_ip[i] = (uint8_t)(sip >> (24 - 8 * i));
    }
    snprintf(h.app_proto, sizeof h.app_proto, "tls");
    asset_evidence_begin(m, &h);
}

/* Names for addresses that are no device yet wait (bounded, the oldest
 * dropped and counted) and are given to the device when it appears;
 * names of outside addresses are not kept; a stale one is not given. */
static void test_pending_names(void)
{
    struct fixture f;
    setup(&f, 1000);
    struct asset_evidence_buf m;
    dns_answer(&m, IP(10, 20, 3, 30), "ws-ward3", 1000000);
    feed(&f, &m);
    dns_answer(&m, IP(8, 8, 8, 8), "dns.google", 1000000);
    feed(&f, &m);
    const struct asset_table_stats *st = asset_table_stats(f.t);
    CHECK(find(f.t, "ip-10.20.3.30") == NULL);
    CHECK_EQ_INT((int)st->names_pending, 1);
    flow_at(&m, IP(10, 20, 3, 30), 2000000);
    feed(&f, &m);
    const struct asset *a = find(f.t, "ip-10.20.3.30");
    CHECK(a && a->hostnames.n == 1 && strcmp(a->hostnames.v[0], "ws-ward3") == 0);
    CHECK_EQ_INT(f.s.named, 1);
    CHECK_EQ_INT((int)st->names_pending, 0);
    CHECK_EQ_INT((int)st->names_attached, 1);
    /* More names than it holds: the first ones are dropped. */
    char name[32];
    for (int i = 0; i < ASSET_PENDING_MAX + 10; i++) {
        snprintf(name, sizeof name, "pc%d", i);
        dns_answer(&m, IP(10, 40, i / 250, i % 250 + 1), name, 3000000);
        feed(&f, &m);
    }
    CHECK_EQ_INT((int)st->names_pending, ASSET_PENDING_MAX);
    CHECK_EQ_INT((int)st->names_evicted, 10);
    flow_at(&m, IP(10, 40, 0, 1), 4000000); /* pc0: dropped */
    feed(&f, &m);
    a = find(f.t, "ip-10.40.0.1");
    CHECK(a && a->hostnames.n == 0);
    flow_at(&m, IP(10, 40, 0, 11), 4000000); /* pc10: kept */
    feed(&f, &m);
    a = find(f.t, "ip-10.40.0.11");
    CHECK(a && a->hostnames.n == 1 && strcmp(a->hostnames.v[0], "pc10") == 0);
    /* Two hours later the address may be another device's. */
    flow_at(&m, IP(10, 40, 0, 12), 3000000 + 2 * 3600 * 1000000ull);
    feed(&f, &m);
    a = find(f.t, "ip-10.40.0.12");
    CHECK(a && a->hostnames.n == 0);
    CHECK_EQ_INT((int)st->names_attached, 2);
    teardown(&f);
}

TEST_MAIN(TEST(test_pending_names), TEST(test_set_files), TEST(test_dicom_store),
          TEST(test_dhcp_then_ip), TEST(test_router_and_retired), TEST(test_cap),
          TEST(test_json_roundtrip))
