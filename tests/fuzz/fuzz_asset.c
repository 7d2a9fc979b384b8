/*
 * Fuzz target for what the asset inventory reads (sensor/asset/): the
 * first byte picks the reader, the rest is its input.
 *   0: evidence messages (u16 length, message)... folded into one small
 *      table with a registry and vulns.csv (events, records, the cap)
 *   1: a device registry CSV      2: a vulns.csv
 *   3: assets.json lines          4: an IEEE OUI CSV
 *   5: a DHCP message   6: a DNS/mDNS message   7: a NetBIOS name service message
 *   8: an HTTP response (its Server header)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset/asset_evidence.h"
#include "asset/asset_http.h"
#include "asset/asset_names.h"
#include "asset/asset_oui.h"
#include "asset/asset_registry.h"
#include "asset/asset_table.h"
#include "asset/asset_vulns.h"
#include "fuzz.h"

static const char reg_csv[] = "10.0.0.1,a,modality,R,active,10.0.0.2,dicom\n"
                              "02:00:00:00:00:01,b,pacs,R,retired,,\n";
static const char vulns_csv[] = "DCMTK,dicom,OFFIS_DCMTK_,,367,CVE-2022-2119,high,x\n"
                                "OpenSSH,ssh,SSH-2.0-OpenSSH_,8.5p1,9.8p1,CVE-2024-6387,high,y\n";
static const char json_line[] =
    "{\"id\":\"mac-020000000001\",\"mac\":\"02:00:00:00:00:01\",\"ips\":[\"10.0.0.1\"],"
    "\"dicom\":{\"ae_titles\":[{\"ae\":\"CT\",\"role\":\"SCU\"}],\"implementation_version\":"
    "\"OFFIS_DCMTK_366\"},\"services\":[{\"proto\":\"dicom\",\"port\":104,\"transport\":\"tcp\","
    "\"role\":\"client\",\"flows\":3}],\"first_seen_us\":1,\"last_seen_us\":2}\n";

static void on_record(void *ctx, const struct json_buf *rec)
{
    (void)ctx;
    if (rec->err)
        abort(); /* a record that is not whole is a bug */
}

static void on_event(void *ctx, const struct asset_event *ev)
{
    (void)ctx;
    if (!ev->a || !ev->detail)
        abort();
}

static void on_name(void *ctx, const uint8_t ip[16], uint8_t version, const char *name)
{
    (void)ctx;
    (void)ip;
    if ((version != 4 && version != 6) || strlen(name) >= ASSET_NAME_MAX)
        abort();
}

static struct asset_table *table(struct asset_registry **r, struct asset_vulns **v)
{
    char err[256];
    *r = asset_registry_parse((const uint8_t *)reg_csv, sizeof reg_csv - 1, "r", err, sizeof err);
    *v = asset_vulns_parse((const uint8_t *)vulns_csv, sizeof vulns_csv - 1, "v", err, sizeof err);
    struct asset_table_config c = {.max_assets = 8, .registry = *r, .vulns = *v};
    struct asset_table *t = asset_table_new(&c, err, sizeof err);
    struct asset_sink s = {on_record, on_event, NULL, NULL};
    if (t)
        asset_table_set_sink(t, &s);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t kind = data[0] % 9;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    char err[512];
    struct asset_registry *r = NULL;
    struct asset_vulns *v = NULL;
    struct asset_table *t = NULL;
    switch (kind) {
    case 0:
        t = table(&r, &v);
        while (t && n >= 2) {
            size_t len = (size_t)p[0] | (size_t)p[1] << 8;
            p += 2;
            n -= 2;
            if (len > n)
                len = n;
            asset_table_evidence(t, p, len);
            p += len;
            n -= len;
        }
        break;
    case 1:
        asset_registry_free(asset_registry_parse(p, n, "f", err, sizeof err));
        break;
    case 2:
        asset_vulns_free(asset_vulns_parse(p, n, "f", err, sizeof err));
        break;
    case 3: {
        t = table(&r, &v);
        size_t bad = 0;
        if (t)
            asset_table_load_json(t, p, n, &bad);
        break;
    }
    case 5: {
        struct asset_dhcp d;
        asset_dhcp_parse(p, n, &d);
        break;
    }
    case 6:
        asset_dns_names(p, n, on_name, NULL);
        break;
    case 7:
        asset_nbns_names(p, n, on_name, NULL);
        break;
    case 8: {
        char sv[ASSET_HTTP_VALUE_MAX];
        if (asset_http_response_header(p, n, "Server", sv, sizeof sv) == 1 &&
            strlen(sv) >= sizeof sv)
            abort();
        break;
    }
    case 4: {
        struct asset_oui *o = asset_oui_new();
        if (o && asset_oui_add_csv(o, p, n) >= 0)
            asset_oui_lookup(o, (const uint8_t[]){0, 0x1, 0xe3, 0, 0, 0});
        asset_oui_free(o);
        break;
    }
    }
    asset_table_free(t);
    asset_vulns_free(v);
    asset_registry_free(r);
    return 0;
}

static uint8_t seed_buf[9][2048];
static struct fuzz_seed seeds[9];

static const uint8_t dns_seed[] = {
    0x12, 0x34, 0x81, 0x80, 0,   1,   0,   2,   0,   0,   0,    0,   2,    'c', 't', 5,
    'l',  'o',  'c',  'a',  'l', 0,   0,   1,   0,   1,   0xc0, 12,  0,    1,   0,   1,
    0,    0,    0,    60,   0,   4,   10,  20,  1,   11,  1,    '1', 1,    '1', 2,   '2',
    '0',  2,    '1',  '0',  7,   'i', 'n', '-', 'a', 'd', 'd',  'r', 4,    'a', 'r', 'p',
    'a',  0,    0,    12,   0,   1,   0,   0,   0,   60,  0,    2,   0xc0, 12};

static size_t seed_text(uint8_t *b, uint8_t kind, const char *s)
{
    size_t n = strlen(s);
    b[0] = kind;
    memcpy(b + 1, s, n);
    return n + 1;
}

size_t fuzz_seeds(const struct fuzz_seed **out)
{
    struct asset_evidence_buf m;
    struct asset_evidence_head h = {.ip_version = 4,
                                    .l4proto = 6,
                                    .flags =
                                        ASSET_EV_FLOW | ASSET_EV_ANSWERED | ASSET_EV_CLIENT_MAC,
                                    .dport = 104,
                                    .client_mac = {2, 0, 0, 0, 0, 1},
                                    .app_proto = "dicom"};
    h.client_ip[0] = 10;
    h.client_ip[3] = 1;
    h.server_ip[0] = 10;
    h.server_ip[3] = 2;
    asset_evidence_begin(&m, &h);
    asset_evidence_add_str(&m, AEV_DICOM_AE, ASSET_CLIENT, "CT_ROOM1");
    asset_evidence_add_str(&m, AEV_DICOM_SOP, ASSET_CLIENT, "CT Image Storage");
    asset_evidence_add_str(&m, AEV_DICOM_IMPL_VERSION, ASSET_SERVER, "OFFIS_DCMTK_366");
    asset_evidence_add_str(&m, AEV_SSH_BANNER, ASSET_SERVER, "SSH-2.0-OpenSSH_9.2p1");
    uint8_t *b = seed_buf[0];
    b[0] = 0;
    size_t len = 1;
    for (int i = 0; i < 2; i++) { /* twice: the second changes nothing */
        b[len] = (uint8_t)m.len;
        b[len + 1] = (uint8_t)(m.len >> 8);
        memcpy(b + len + 2, m.b, m.len);
        len += 2 + m.len;
    }
    seeds[0] = (struct fuzz_seed){seed_buf[0], len};
    seeds[1] = (struct fuzz_seed){seed_buf[1], seed_text(seed_buf[1], 1, reg_csv)};
    seeds[2] = (struct fuzz_seed){seed_buf[2], seed_text(seed_buf[2], 2, vulns_csv)};
    seeds[3] = (struct fuzz_seed){seed_buf[3], seed_text(seed_buf[3], 3, json_line)};
    seeds[4] = (struct fuzz_seed){
        seed_buf[4], seed_text(seed_buf[4], 4, "MA-L,0001E3,Siemens AG,x\nMA-M,0001E3A,y,z\n")};
    uint8_t *d = seed_buf[5];
    memset(d, 0, 300);
    d[0] = 5;
    d[1] = 1, d[2] = 1, d[3] = 6;
    d[1 + 236] = 0x63, d[1 + 237] = 0x82, d[1 + 238] = 0x53, d[1 + 239] = 0x63;
    static const uint8_t opts[] = {53, 1,  3, 12, 2, 'p', 'i', 55,  3,   1, 3,
                                   6,  81, 7, 4,  0, 0,   2,   'p', 'i', 0, 255};
    memcpy(d + 1 + 240, opts, sizeof opts);
    seeds[5] = (struct fuzz_seed){d, 1 + 240 + sizeof opts};
    seed_buf[6][0] = 6;
    memcpy(seed_buf[6] + 1, dns_seed, sizeof dns_seed);
    seeds[6] = (struct fuzz_seed){seed_buf[6], 1 + sizeof dns_seed};
    uint8_t *nb = seed_buf[7];
    size_t o = 0;
    nb[o++] = 7;
    static const uint8_t head[] = {0x80, 0x01, 0x29, 0x10, 0, 1, 0, 0, 0, 0, 0, 1, 32};
    memcpy(nb + o, head, sizeof head);
    o += sizeof head;
    for (int i = 0; i < 16; i++) {
        uint8_t ch = i < 4 ? (uint8_t) "PC01"[i] : (uint8_t)' ';
        if (i == 15)
            ch = 0;
        nb[o++] = (uint8_t)('A' + (ch >> 4));
        nb[o++] = (uint8_t)('A' + (ch & 15));
    }
    static const uint8_t tail[] = {0, 0, 0x20, 0, 1, 0xc0, 12, 0,  0x20, 0, 1, 0,
                                   0, 0, 0,    0, 6, 0,    0,  10, 30,   3, 21};
    memcpy(nb + o, tail, sizeof tail);
    seeds[7] = (struct fuzz_seed){nb, o + sizeof tail};
    seeds[8] = (struct fuzz_seed){
        seed_buf[8],
        seed_text(seed_buf[8], 8,
                  "HTTP/1.1 200 OK\r\nDate: x\r\nServer: Apache/2.4.49 (Unix)\r\n\r\n")};
    *out = seeds;
    return 9;
}
