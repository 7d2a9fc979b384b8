/*
 * The spool: records come back in order; rewind and prepend put records
 * back before the rest; the cap drops the newest or the oldest and counts
 * it; a reopened spool (a restart) resumes at the saved head; a torn last
 * record (a crash in the middle of a write) is cut off.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../test.h"
#include "output/spool.h"

/* In the working directory (meson runs tests in the build tree). */
static char dir[] = "test-spool-XXXXXX";

static struct spool *open_spool(uint64_t max, enum spool_full_policy p)
{
    struct spool_config c = {.dir = dir, .name = "t.spool", .max_bytes = max, .when_full = p};
    int err = 0;
    struct spool *s = spool_open(&c, &err);
    CHECK(s != NULL);
    return s;
}

static void rec(char *buf, size_t cap, int i)
{
    snprintf(buf, cap, "{\"n\":%d,\"pad\":\"%0*d\"}", i, 20 + i % 7, 0);
}

/* Reads every record from read; returns how many, checking they are
 * first, first+1, ... */
static int read_all(struct spool *s, int first, bool ack)
{
    int n = 0;
    uint8_t type;
    const char *p;
    size_t len;
    while (spool_peek(s, &type, &p, &len) == 1) {
        char want[128];
        rec(want, sizeof want, first + n);
        CHECK(len == strlen(want) && memcmp(p, want, len) == 0);
        CHECK_EQ_INT(type, (first + n) % 5);
        uint64_t pos = spool_next(s);
        if (ack)
            spool_ack(s, pos);
        n++;
    }
    return n;
}

static void reset(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/t.spool", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/t.spool.head", dir);
    unlink(path);
}

static void append_n(struct spool *s, int first, int n)
{
    char buf[128];
    for (int i = first; i < first + n; i++) {
        rec(buf, sizeof buf, i);
        CHECK_EQ_INT(spool_append(s, (uint8_t)(i % 5), buf, strlen(buf)), 0);
    }
}

static void test_order_rewind_prepend(void)
{
    reset();
    struct spool *s = open_spool(1u << 20, SPOOL_DROP_NEWEST);
    append_n(s, 10, 100);
    CHECK_EQ_INT(read_all(s, 10, false), 100);
    spool_rewind(s);
    CHECK_EQ_INT(read_all(s, 10, false), 100);
    /* Records 0..9 were in flight when Redis went away. */
    spool_rewind(s);
    char bufs[10][128];
    const char *recs[10];
    size_t lens[10];
    uint8_t types[10];
    for (int i = 0; i < 10; i++) {
        rec(bufs[i], sizeof bufs[i], i);
        recs[i] = bufs[i];
        lens[i] = strlen(bufs[i]);
        types[i] = (uint8_t)(i % 5);
    }
    CHECK_EQ_INT(spool_prepend(s, 10, types, recs, lens), 0);
    CHECK_EQ_INT(read_all(s, 0, true), 110);
    CHECK(spool_empty(s));
    struct spool_stats st;
    spool_get_stats(s, &st);
    CHECK_EQ_INT(st.records, 0);
    CHECK_EQ_INT(st.bytes, 0);
    CHECK_EQ_INT(spool_close(s), 0);
}

static void test_cap(void)
{
    reset();
    /* Each record is 8 + 30..36 bytes: about 25 fit in 1 KiB... use 64 KiB
     * and 2000 records. */
    struct spool *s = open_spool(64 * 1024, SPOOL_DROP_NEWEST);
    append_n(s, 0, 1000);
    char buf[128];
    int dropped = 0;
    for (int i = 1000; i < 3000; i++) {
        rec(buf, sizeof buf, i);
        if (spool_append(s, (uint8_t)(i % 5), buf, strlen(buf)) == -ENOSPC)
            dropped++;
    }
    struct spool_stats st;
    spool_get_stats(s, &st);
    CHECK(dropped > 0);
    CHECK_EQ_INT(st.dropped, dropped);
    CHECK(st.bytes <= 64 * 1024);
    /* drop-newest keeps the oldest: 0, 1, 2, ... */
    CHECK_EQ_INT(read_all(s, 0, true), 3000 - dropped);
    spool_close(s);

    reset();
    s = open_spool(64 * 1024, SPOOL_DROP_OLDEST);
    append_n(s, 0, 3000);
    spool_get_stats(s, &st);
    CHECK(st.dropped > 0);
    CHECK(st.bytes <= 64 * 1024);
    /* drop-oldest keeps the newest, ending with 2999. */
    int first = (int)st.dropped;
    CHECK_EQ_INT(read_all(s, first, true), 3000 - first);
    spool_close(s);
}

static void test_restart(void)
{
    reset();
    struct spool *s = open_spool(1u << 20, SPOOL_DROP_NEWEST);
    append_n(s, 0, 50);
    /* 20 acknowledged, 5 more sent but not: a restart replays from 20. */
    CHECK_EQ_INT(read_all(s, 0, false), 50);
    spool_rewind(s);
    uint8_t type;
    const char *p;
    size_t len;
    for (int i = 0; i < 25; i++) {
        CHECK_EQ_INT(spool_peek(s, &type, &p, &len), 1);
        uint64_t pos = spool_next(s);
        if (i < 20)
            spool_ack(s, pos);
    }
    CHECK_EQ_INT(spool_close(s), 0);
    s = open_spool(1u << 20, SPOOL_DROP_NEWEST);
    struct spool_stats st;
    spool_get_stats(s, &st);
    CHECK_EQ_INT(st.recovered, 30);
    append_n(s, 50, 10);
    CHECK_EQ_INT(read_all(s, 20, true), 40);
    spool_close(s);
}

static void test_torn(void)
{
    reset();
    struct spool *s = open_spool(1u << 20, SPOOL_DROP_NEWEST);
    append_n(s, 0, 30);
    spool_close(s);
    char path[128];
    snprintf(path, sizeof path, "%s/t.spool", dir);
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    /* Every cut inside the last record leaves the 29 before it. */
    for (off_t cut = 1; cut < 40; cut += 3) {
        CHECK(truncate(path, sb.st_size - cut) == 0);
        s = open_spool(1u << 20, SPOOL_DROP_NEWEST);
        struct spool_stats st;
        spool_get_stats(s, &st);
        CHECK_EQ_INT(st.records, 29);
        CHECK(st.torn_bytes > 0);
        CHECK_EQ_INT(read_all(s, 0, false), 29);
        spool_close(s);
        /* Put the last record back for the next cut. */
        s = open_spool(1u << 20, SPOOL_DROP_NEWEST);
        append_n(s, 29, 1);
        spool_close(s);
        CHECK(stat(path, &sb) == 0);
    }
    /* A head that is not on a record boundary: replay everything. */
    snprintf(path, sizeof path, "%s/t.spool.head", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "3\n");
    fclose(f);
    s = open_spool(1u << 20, SPOOL_DROP_NEWEST);
    CHECK_EQ_INT(read_all(s, 0, false), 30);
    spool_close(s);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    static const struct test_case cases[] = {
        TEST(test_order_rewind_prepend),
        TEST(test_cap),
        TEST(test_restart),
        TEST(test_torn),
    };
    int rc = test_run(cases, sizeof cases / sizeof cases[0]);
    reset();
    rmdir(dir);
    return rc;
}
