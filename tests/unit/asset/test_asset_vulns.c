/* asset/asset_vulns.c: version ranges, the shipped rules/vulns.csv against
 * real version strings, FILE:LINE:COL for mistakes. */
#include "asset/asset_vulns.h"

#include "../test.h"

struct hits {
    int n;
    char ids[512];
};

static void on_hit(void *ctx, const struct asset_vuln *v)
{
    struct hits *h = ctx;
    h->n++;
    strncat(h->ids, v->ids, sizeof h->ids - strlen(h->ids) - 2);
    strcat(h->ids, ";");
}

static void test_version_cmp(void)
{
    CHECK(asset_version_cmp("366", "367") < 0);
    CHECK(asset_version_cmp("367", "367") == 0);
    CHECK(asset_version_cmp("9.2p1 Debian-2+deb12u3", "9.8p1") < 0);
    CHECK(asset_version_cmp("9.8p1", "9.8p1") == 0);
    CHECK(asset_version_cmp("9.8p1 Debian-1", "9.8p1") > 0);
    CHECK(asset_version_cmp("8.5", "8.5p1") < 0);
    CHECK(asset_version_cmp("10.0", "9.9") > 0);
}

static void test_shipped(void)
{
    char err[512] = "";
    struct asset_vulns *v = asset_vulns_load(SOURCE_ROOT "/rules/vulns.csv", err, sizeof err);
    CHECK(v != NULL);
    if (!v) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    struct hits h = {0};
    asset_vulns_match(v, VULN_DICOM, "OFFIS_DCMTK_366", on_hit, &h);
    CHECK(strstr(h.ids, "CVE-2022-2119") && strstr(h.ids, "CVE-2021-41687"));
    CHECK(!strstr(h.ids, "CVE-2024-34508"));
    memset(&h, 0, sizeof h);
    asset_vulns_match(v, VULN_DICOM, "OFFIS_DCMTK_367", on_hit, &h);
    CHECK(!strstr(h.ids, "CVE-2022-2119") && strstr(h.ids, "CVE-2024-34508"));
    memset(&h, 0, sizeof h);
    asset_vulns_match(v, VULN_DICOM, "OFFIS_DCMTK_369", on_hit, &h);
    CHECK(!strstr(h.ids, "CVE-2024-34508") && !strstr(h.ids, "CVE-2022-2119"));
    memset(&h, 0, sizeof h);
    asset_vulns_match(v, VULN_SSH, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", on_hit, &h);
    CHECK(strstr(h.ids, "CVE-2024-6387") != NULL);
    memset(&h, 0, sizeof h);
    asset_vulns_match(v, VULN_SSH, "SSH-2.0-OpenSSH_8.4p1", on_hit, &h);
    CHECK(!strstr(h.ids, "CVE-2024-6387") && strstr(h.ids, "CVE-2023-48795"));
    memset(&h, 0, sizeof h);
    asset_vulns_match(v, VULN_SSH, "SSH-2.0-OpenSSH_9.8p1", on_hit, &h);
    CHECK_EQ_INT(h.n, 0);
    memset(&h, 0, sizeof h);
    asset_vulns_match(v, VULN_DICOM, "GE_SIM_8", on_hit, &h);
    CHECK_EQ_INT(h.n, 0);
    asset_vulns_free(v);
}

static void test_errors(void)
{
    static const struct {
        const char *text, *where;
    } cases[] = {
        {"P,dicom,X_,,1,CVE-1,high\n", "v.csv:1:21: expected"},
        {"P,telnet,X_,,1,CVE-1,high,s\n", "v.csv:1:3: source"},
        {"# c\nP,ssh,X_,,1,,high,s\n", "v.csv:2:13: an advisory needs"},
        {"P,ssh,X_,,1,CVE-1,urgent,s\n", "v.csv:1:19: severity"},
        {"P,ssh,,,1,CVE-1,low,s\n", "v.csv:1:7: product and prefix"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        struct asset_vulns *v = asset_vulns_parse((const uint8_t *)cases[i].text,
                                                  strlen(cases[i].text), "v.csv", err, sizeof err);
        CHECK(v == NULL);
        CHECK(strncmp(err, cases[i].where, strlen(cases[i].where)) == 0);
        if (strncmp(err, cases[i].where, strlen(cases[i].where)) != 0)
            fprintf(stderr, "    case %zu: %s\n", i, err);
        asset_vulns_free(v);
    }
}

static void test_truncation_sweep(void)
{
    static const char text[] = "product,source,prefix,from,before,ids,severity,summary\n"
                               "DCMTK,dicom,OFFIS_DCMTK_,,367,CVE-2022-2119,high,\"a, b\"\n";
    for (size_t i = 0; i <= sizeof text - 1; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, text, i);
        char err[256];
        struct asset_vulns *v = asset_vulns_parse(copy, i, "v.csv", err, sizeof err);
        struct hits h = {0};
        asset_vulns_match(v, VULN_DICOM, "OFFIS_DCMTK_360", on_hit, &h);
        asset_vulns_free(v);
        free(copy);
    }
}

TEST_MAIN(TEST(test_version_cmp), TEST(test_shipped), TEST(test_errors),
          TEST(test_truncation_sweep))
