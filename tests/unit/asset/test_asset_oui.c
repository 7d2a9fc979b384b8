/* asset/asset_oui.c: the IEEE registry files, longest prefix first; the
 * installed ieee-data when there is one. */
#include "asset/asset_oui.h"

#include <unistd.h>

#include "../test.h"

static const char sample[] =
    "Registry,Assignment,Organization Name,Organization Address\n"
    "MA-L,444B5D,GE Healthcare,\"9900 Innovation Dr, Wauwatosa WI US 53226\"\n"
    "MA-L,28CDC1,Raspberry Pi Trading Ltd,Maurice Wilkes Building Cambridge GB CB4 0DS\n"
    "MA-M,28CDC1A,Somebody Else,Nowhere\n"
    "MA-S,28CDC1A00,Smallest Block,Nowhere\n"
    "garbage line\n";

static void test_sample(void)
{
    struct asset_oui *o = asset_oui_new();
    CHECK_EQ_INT(asset_oui_add_csv(o, (const uint8_t *)sample, sizeof sample - 1), 4);
    CHECK_EQ_INT(asset_oui_skipped(o), 2);
    CHECK_EQ_STR(asset_oui_lookup(o, (const uint8_t[]){0x44, 0x4b, 0x5d, 0xce, 0x84, 0x87}),
                 "GE Healthcare");
    CHECK_EQ_STR(asset_oui_lookup(o, (const uint8_t[]){0x28, 0xcd, 0xc1, 0x27, 0x73, 0xf0}),
                 "Raspberry Pi Trading Ltd");
    CHECK_EQ_STR(asset_oui_lookup(o, (const uint8_t[]){0x28, 0xcd, 0xc1, 0xa1, 0, 0}),
                 "Somebody Else");
    CHECK_EQ_STR(asset_oui_lookup(o, (const uint8_t[]){0x28, 0xcd, 0xc1, 0xa0, 0x0f, 0}),
                 "Smallest Block");
    CHECK(asset_oui_lookup(o, (const uint8_t[]){0, 0, 1, 2, 3, 4}) == NULL);
    asset_oui_free(o);
}

static void test_installed(void)
{
    if (access(ASSET_OUI_DIR "/oui.csv", R_OK) != 0) {
        printf("skip: no %s/oui.csv (ieee-data)\n", ASSET_OUI_DIR);
        return;
    }
    struct asset_oui *o = asset_oui_new();
    CHECK_EQ_INT(asset_oui_load_dir(o, ASSET_OUI_DIR), 0);
    CHECK(asset_oui_count(o) > 30000);
    CHECK_EQ_STR(asset_oui_lookup(o, (const uint8_t[]){0x00, 0x01, 0xe3, 1, 2, 3}), "Siemens AG");
    asset_oui_free(o);
    o = asset_oui_new();
    CHECK(asset_oui_load_dir(o, "/nonexistent") < 0);
    asset_oui_free(o);
}

static void test_truncation_sweep(void)
{
    for (size_t i = 0; i <= sizeof sample - 1; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, sample, i);
        struct asset_oui *o = asset_oui_new();
        CHECK(asset_oui_add_csv(o, copy, i) >= 0);
        asset_oui_lookup(o, (const uint8_t[]){0x28, 0xcd, 0xc1, 0xa0, 0x0f, 0});
        asset_oui_free(o);
        free(copy);
    }
}

TEST_MAIN(TEST(test_sample), TEST(test_installed), TEST(test_truncation_sweep))
