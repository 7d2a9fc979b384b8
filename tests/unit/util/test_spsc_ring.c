/*
 * The SPSC ring: records come out whole, in order, with their lengths;
 * full and empty are reported, never overwritten; wrap-around padding is
 * invisible; and one producer and one consumer thread exchange a million
 * records of varied length without loss or corruption.
 */
#include <pthread.h>
#include <stdint.h>

#include "../test.h"
#include "util/spsc_ring.h"

static void fill(uint8_t *p, size_t len, uint32_t seq)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(seq * 31u + i);
}

static int same(const uint8_t *p, size_t len, uint32_t seq)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != (uint8_t)(seq * 31u + i))
            return 0;
    }
    return 1;
}

static void test_empty_full(void)
{
    struct spsc_ring *r = spsc_ring_new(4096);
    CHECK(r != NULL);
    size_t len = 99;
    CHECK(spsc_ring_peek(r, &len) == NULL);
    CHECK(spsc_ring_max_record(r) == 1024 - 8);
    CHECK(spsc_ring_reserve(r, spsc_ring_max_record(r) + 1) == NULL);
    /* 8-byte header + 120 bytes: 32 records fill 4096 bytes exactly. */
    int n = 0;
    void *p;
    while ((p = spsc_ring_reserve(r, 120)) != NULL) {
        fill(p, 120, (uint32_t)n);
        spsc_ring_commit(r);
        n++;
    }
    CHECK_EQ_INT(n, 32);
    for (int i = 0; i < n; i++) {
        const uint8_t *q = spsc_ring_peek(r, &len);
        CHECK(q != NULL);
        if (!q)
            break;
        CHECK_EQ_INT(len, 120);
        CHECK(same(q, len, (uint32_t)i));
        spsc_ring_release(r);
    }
    CHECK(spsc_ring_peek(r, &len) == NULL);
    spsc_ring_free(r);
    spsc_ring_free(NULL);
}

static void test_wrap(void)
{
    struct spsc_ring *r = spsc_ring_new(4096);
    static size_t lens[1000];
    /* Lengths that do not divide the capacity force padding at the end. */
    uint32_t in = 0, out = 0;
    for (int round = 0; round < 1000; round++) {
        size_t want = 1 + (size_t)(round * 97) % 1000;
        uint8_t *p = spsc_ring_reserve(r, want);
        if (p) {
            lens[in] = want;
            fill(p, want, in++);
            spsc_ring_commit(r);
        }
        size_t len;
        const uint8_t *q;
        if (!p || round % 3 == 0) {
            while ((q = spsc_ring_peek(r, &len)) != NULL) {
                CHECK_EQ_INT(len, lens[out]);
                CHECK(same(q, len, out));
                out++;
                spsc_ring_release(r);
            }
        }
    }
    CHECK(in > 500);
    spsc_ring_free(r);
}

#define THREAD_RECORDS 1000000u

static void *producer(void *arg)
{
    struct spsc_ring *r = arg;
    unsigned spins = 0;
    for (uint32_t i = 0; i < THREAD_RECORDS; i++) {
        size_t len = 4 + (i * 7919u) % 300;
        uint8_t *p;
        while (!(p = spsc_ring_reserve(r, len)))
            spsc_ring_backoff(&spins);
        spins = 0;
        memcpy(p, &i, 4);
        fill(p + 4, len - 4, i);
        spsc_ring_commit(r);
    }
    return NULL;
}

static void test_threads(void)
{
    struct spsc_ring *r = spsc_ring_new(16384);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, producer, r) == 0);
    uint32_t bad = 0;
    unsigned spins = 0;
    for (uint32_t i = 0; i < THREAD_RECORDS;) {
        size_t len;
        const uint8_t *p = spsc_ring_peek(r, &len);
        if (!p) {
            spsc_ring_backoff(&spins);
            continue;
        }
        spins = 0;
        uint32_t seq;
        memcpy(&seq, p, 4);
        if (seq != i || len != 4 + (i * 7919u) % 300 || !same(p + 4, len - 4, i))
            bad++;
        spsc_ring_release(r);
        i++;
    }
    pthread_join(t, NULL);
    CHECK_EQ_INT(bad, 0);
    size_t len;
    CHECK(spsc_ring_peek(r, &len) == NULL);
    spsc_ring_free(r);
}

TEST_MAIN(TEST(test_empty_full), TEST(test_wrap), TEST(test_threads))
