/* asset/asset_csv.c: RFC 4180 lines, with the column of every mistake. */
#include "asset/asset_csv.h"

#include "../test.h"

static int split(const char *s, struct asset_csv_line *l, const char **why)
{
    return asset_csv_split((const uint8_t *)s, strlen(s), l, why);
}

static void test_fields(void)
{
    struct asset_csv_line l;
    const char *why = NULL;
    CHECK_EQ_INT(split("a, b ,\"c, \"\"quoted\"\"\",,", &l, &why), 0);
    CHECK_EQ_INT(l.n, 5);
    CHECK_EQ_STR(l.f[0].s, "a");
    CHECK_EQ_STR(l.f[1].s, "b");
    CHECK_EQ_STR(l.f[2].s, "c, \"quoted\"");
    CHECK_EQ_STR(l.f[3].s, "");
    CHECK_EQ_INT(l.f[1].col, 3);
    CHECK_EQ_INT(split("x\r", &l, &why), 0);
    CHECK_EQ_STR(l.f[0].s, "x");
}

static void test_errors(void)
{
    struct asset_csv_line l;
    const char *why = NULL;
    CHECK_EQ_INT(split("a,\"open", &l, &why), -3);
    CHECK_EQ_STR(why, "unterminated quote");
    CHECK_EQ_INT(split("a,b\"c", &l, &why), -4);
    CHECK_EQ_INT(split("\"a\"x", &l, &why), -4);
    char many[64] = "";
    for (int i = 0; i < ASSET_CSV_MAX_FIELDS; i++)
        strcat(many, "a,");
    CHECK(split(many, &l, &why) < 0);
    char longf[ASSET_CSV_FIELD_MAX + 10];
    memset(longf, 'a', sizeof longf - 1);
    longf[sizeof longf - 1] = 0;
    CHECK(split(longf, &l, &why) < 0);
    CHECK_EQ_STR(why, "field too long");
}

static void test_truncation_sweep(void)
{
    static const char line[] = "00:01:e3:14:0b:0b,\"CT, room 1\",modality,Radiology,active,,dicom";
    for (size_t i = 0; i <= sizeof line - 1; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, line, i);
        struct asset_csv_line l;
        const char *why;
        int rc = asset_csv_split(copy, i, &l, &why);
        CHECK(rc <= 0 && (size_t)-rc <= i + 1);
        free(copy);
    }
}

TEST_MAIN(TEST(test_fields), TEST(test_errors), TEST(test_truncation_sweep))
