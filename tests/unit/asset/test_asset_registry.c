/* asset/asset_registry.c: the hospital's device registry, every mistake
 * reported as FILE:LINE:COL, and the shipped rules/registry.csv. */
#include "asset/asset_registry.h"

#include "../test.h"

static const char good[] =
    "address,name,type,department,status,peers,protocols\n"
    "# comment\n"
    "\n"
    "00:01:e3:14:0b:0b,CT scanner 1,modality,Radiology,active,10.10.0.20 10.10.0.10,dicom dns\n"
    "10.20.1.90,\"CR room, old\",modality,Radiology,retired,,\n"
    "fe80::1,router,network,IT,active\n";

static struct asset_registry *parse(const char *s, char *err, size_t n)
{
    return asset_registry_parse((const uint8_t *)s, strlen(s), "reg.csv", err, n);
}

static void test_good(void)
{
    char err[256] = "";
    struct asset_registry *r = parse(good, err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_EQ_INT(asset_registry_count(r), 3);
    const struct asset_registry_entry *e =
        asset_registry_by_mac(r, (const uint8_t[]){0x00, 0x01, 0xe3, 0x14, 0x0b, 0x0b});
    CHECK(e && !e->retired && e->line == 4);
    CHECK(e && asset_registry_allows_proto(e, "dicom") && !asset_registry_allows_proto(e, "ssh"));
    uint8_t ip[16] = {10, 10, 0, 20};
    CHECK(e && asset_registry_allows_peer(e, ip, 4));
    ip[3] = 99;
    CHECK(e && !asset_registry_allows_peer(e, ip, 4));
    uint8_t cr[16] = {10, 20, 1, 90};
    e = asset_registry_by_ip(r, cr, 4);
    CHECK(e && e->retired);
    CHECK(e && strcmp(e->name, "CR room, old") == 0);
    CHECK(e && asset_registry_allows_proto(e, "anything")); /* no profile: anything goes */
    asset_registry_free(r);
}

static void test_errors(void)
{
    static const struct {
        const char *text, *where;
    } cases[] = {
        {"10.0.0.1,x,t,d,maybe\n", "reg.csv:1:16: status"},
        {"a,b\n10.0.0.300,x,t,d,active\n", "reg.csv:1:3: expected"},
        {"10.0.0.300,x,t,d,active\n", "reg.csv:1:1: address"},
        {"10.0.0.1,x,t,d,active\n00:11,y,t,d,active\n", "reg.csv:2:1: address"},
        {"10.0.0.1,,t,d,active\n", "reg.csv:1:10: a device needs a name"},
        {"10.0.0.1,x,t,d,active,10.0.0.0/33\n", "reg.csv:1:23: a peer"},
        {"10.0.0.1,x,t,d,active,,ok \"bad\n", "reg.csv:1:27: "},
        {"10.0.0.1,x,t\n", "reg.csv:1:12: expected"},
        {"10.0.0.1,x,t,d,active,,,extra\n", "reg.csv:1:25: more than 7"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        struct asset_registry *r = parse(cases[i].text, err, sizeof err);
        CHECK(r == NULL);
        CHECK(strncmp(err, cases[i].where, strlen(cases[i].where)) == 0);
        if (strncmp(err, cases[i].where, strlen(cases[i].where)) != 0)
            fprintf(stderr, "    case %zu: %s\n", i, err);
        asset_registry_free(r);
    }
}

static void test_cidr(void)
{
    uint8_t net[16], ip[16], v, b;
    CHECK_EQ_INT(asset_parse_cidr("10.0.0.0/8", net, &v, &b), 0);
    CHECK_EQ_INT(asset_parse_cidr("10.255.1.2", ip, &v, &b), 0);
    CHECK(asset_cidr_contains(net, 4, 8, ip, 4));
    CHECK_EQ_INT(asset_parse_cidr("fe80::/10", net, &v, &b), 0);
    CHECK_EQ_INT(asset_parse_cidr("febf::1", ip, &v, &b), 0);
    CHECK(asset_cidr_contains(net, 6, 10, ip, 6));
    CHECK_EQ_INT(asset_parse_cidr("fec0::1", ip, &v, &b), 0);
    CHECK(!asset_cidr_contains(net, 6, 10, ip, 6));
    CHECK(asset_parse_cidr("10.0.0.0/", net, &v, &b) < 0);
    uint8_t mac[6];
    CHECK_EQ_INT(asset_parse_mac("AA-bb-cc-dd-ee-ff", mac), 0);
    CHECK_EQ_INT(mac[0], 0xaa);
    CHECK(asset_parse_mac("aa:bb:cc:dd:ee:fg", mac) < 0);
    CHECK(asset_parse_mac("aa:bb:cc:dd:ee:ff:", mac) < 0);
}

static void test_shipped(void)
{
    char err[512] = "";
    struct asset_registry *r =
        asset_registry_load(SOURCE_ROOT "/rules/registry.csv", err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK(asset_registry_count(r) > 40);
    uint8_t rpi[16] = {10, 30, 4, 201}, cr[16] = {10, 20, 1, 90};
    CHECK(asset_registry_by_ip(r, rpi, 4) == NULL);
    CHECK(asset_registry_by_ip(r, cr, 4) && asset_registry_by_ip(r, cr, 4)->retired);
    asset_registry_free(r);
}

static void test_truncation_sweep(void)
{
    for (size_t i = 0; i <= sizeof good - 1; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, good, i);
        char err[256];
        asset_registry_free(asset_registry_parse(copy, i, "reg.csv", err, sizeof err));
        free(copy);
    }
}

TEST_MAIN(TEST(test_good), TEST(test_errors), TEST(test_cidr), TEST(test_shipped),
          TEST(test_truncation_sweep))
