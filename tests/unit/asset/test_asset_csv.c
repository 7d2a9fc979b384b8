/* asset/asset_csv.c: RFC 4180 lines, with the column of every mistake. */
#include "asset/asset_csv.h"

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

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

static void test_grow(void)
{
    size_t cap = 0;
    int *e = asset_csv_grow(NULL, 0, &cap, sizeof *e, 4);
    CHECK(e != NULL);
    CHECK_EQ_INT(cap, 4);
    for (size_t n = 0; n < 9; n++) {
        int *g = asset_csv_grow(e, n, &cap, sizeof *e, 4);
        CHECK(g != NULL);
        if (n < 4)
            CHECK(g == e); /* room left: the same array */
        e = g;
        e[n] = (int)n;
    }
    CHECK_EQ_INT(cap, 16); /* 4, then 8 at the fifth, 16 at the ninth */
    for (int i = 0; i < 9; i++)
        CHECK_EQ_INT(e[i], i);
    size_t huge = SIZE_MAX / 2;
    CHECK(asset_csv_grow(e, huge, &huge, 8, 4) == NULL); /* would overflow */
    CHECK_EQ_INT(huge, SIZE_MAX / 2);
    free(e);
}

/* asset_csv_load's callback: counts lines, refuses a field "bad". */
static int count_line(void *ctx, const struct asset_csv_line *l, uint32_t line, size_t *col,
                      const char **why)
{
    (void)line;
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->f[i].s, "bad") == 0) {
            *col = l->f[i].col;
            *why = "bad field";
            return -1;
        }
    }
    (*(int *)ctx)++;
    return 0;
}

static void test_load(void)
{
    char path[] = "/tmp/mamori-test-csv-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    static const char text[] = "name,kind\n# a comment\na,b\n\nc,d\ne,bad\n";
    CHECK_EQ_INT(write(fd, text, sizeof text - 1), (int)(sizeof text - 1));
    close(fd);
    char err[256] = "", want[320];
    int n = 0;
    CHECK_EQ_INT(asset_csv_load(path, "name,", count_line, &n, err, sizeof err), -1);
    CHECK_EQ_INT(n, 2);
    snprintf(want, sizeof want, "%s:6:3: bad field", path);
    CHECK_EQ_STR(err, want);
    unlink(path);
    CHECK_EQ_INT(asset_csv_load(path, "name,", count_line, &n, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    CHECK_EQ_STR(err, want);
}

TEST_MAIN(TEST(test_fields), TEST(test_errors), TEST(test_truncation_sweep), TEST(test_grow),
          TEST(test_load))
