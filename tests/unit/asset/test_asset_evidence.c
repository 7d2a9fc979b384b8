/* asset/asset_evidence.c: a message built on a worker reads back the same;
 * any prefix of it, and any corrupted byte, is rejected or read without
 * reading past the end. */
#include "asset/asset_evidence.h"

#include <errno.h>

#include "../test.h"

struct seen {
    int n;
    char last[256];
    uint8_t tags[16];
};

static void on_item(void *ctx, const struct asset_evidence_item *it)
{
    struct seen *s = ctx;
    if (s->n < 16)
        s->tags[s->n] = it->tag;
    s->n++;
    memcpy(s->last, it->p, it->len);
    s->last[it->len] = 0;
}

static void build(struct asset_evidence_buf *m)
{
    struct asset_evidence_head h = {.ip_version = 4,
                                    .l4proto = 6,
                                    .flags = ASSET_EV_FLOW | ASSET_EV_CLIENT_MAC,
                                    .sport = 50000,
                                    .dport = 104,
                                    .first_us = 1,
                                    .last_us = 2,
                                    .bytes_cs = 300,
                                    .bytes_sc = 400,
                                    .client_mac = {0x44, 0x4b, 0x5d, 1, 2, 3},
                                    .app_proto = "dicom"};
    h.client_ip[0] = 10;
    h.server_ip[0] = 10;
    h.server_ip[3] = 20;
    asset_evidence_begin(m, &h);
    asset_evidence_add_str(m, AEV_DICOM_AE, ASSET_CLIENT, "MR_ROOM1");
    asset_evidence_add_str(m, AEV_DICOM_IMPL_VERSION, ASSET_SERVER, "OFFIS_DCMTK_367");
}

static void test_roundtrip(void)
{
    struct asset_evidence_buf m;
    build(&m);
    struct asset_evidence_head h;
    struct seen s = {0};
    CHECK_EQ_INT(asset_evidence_parse(m.b, m.len, &h, on_item, &s), 0);
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_INT(s.tags[0], AEV_DICOM_AE);
    CHECK_EQ_STR(s.last, "OFFIS_DCMTK_367");
    CHECK_EQ_INT(h.dport, 104);
    CHECK_EQ_INT(h.sport, 50000);
    CHECK_EQ_INT(h.bytes_sc, 400);
    CHECK_EQ_INT(h.client_mac[0], 0x44);
    CHECK_EQ_INT(h.server_ip[3], 20);
    CHECK_EQ_STR(h.app_proto, "dicom");
    CHECK(h.flags & ASSET_EV_CLIENT_MAC);
}

static void test_limits(void)
{
    struct asset_evidence_buf m;
    build(&m);
    char big[1000];
    memset(big, 'x', sizeof big);
    size_t before = m.len;
    CHECK_EQ_INT(asset_evidence_add(&m, AEV_HOSTNAME, ASSET_CLIENT, big, sizeof big), 0);
    CHECK_EQ_INT(m.len, before + 4 + ASSET_EVIDENCE_ITEM_MAX); /* cut, not refused */
    CHECK_EQ_INT(asset_evidence_add(&m, AEV_HOSTNAME, ASSET_CLIENT, "", 0), 0);
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++)
        rc = asset_evidence_add(&m, AEV_HOSTNAME, ASSET_CLIENT, big, sizeof big);
    CHECK_EQ_INT(rc, -ENOSPC);
    CHECK(m.len <= ASSET_EVIDENCE_MAX);
    struct asset_evidence_head h;
    CHECK_EQ_INT(asset_evidence_parse(m.b, m.len, &h, NULL, NULL), 0);
}

/* Every prefix: only the whole message or a cut between items parses. */
static void test_truncation_sweep(void)
{
    struct asset_evidence_buf m;
    build(&m);
    int ok = 0;
    for (size_t i = 0; i <= m.len; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, m.b, i);
        struct asset_evidence_head h;
        struct seen s = {0};
        if (asset_evidence_parse(copy, i, &h, on_item, &s) == 0)
            ok++;
        free(copy);
    }
    /* the head alone, the head and one item, the whole message */
    CHECK_EQ_INT(ok, 3);
}

static void test_corrupt(void)
{
    struct asset_evidence_buf m;
    build(&m);
    for (size_t i = 0; i < m.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t copy[ASSET_EVIDENCE_MAX];
            memcpy(copy, m.b, m.len);
            copy[i] ^= (uint8_t)(1u << bit);
            struct asset_evidence_head h;
            struct seen s = {0};
            asset_evidence_parse(copy, m.len, &h, on_item, &s); /* must not crash */
        }
    }
    uint8_t bad[ASSET_EVIDENCE_HEAD] = {0};
    struct asset_evidence_head h;
    CHECK_EQ_INT(asset_evidence_parse(bad, sizeof bad, &h, NULL, NULL), -EINVAL);
}

TEST_MAIN(TEST(test_roundtrip), TEST(test_limits), TEST(test_truncation_sweep), TEST(test_corrupt))
