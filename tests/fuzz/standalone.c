/*
 * A main() for fuzz targets without libFuzzer.
 *
 *   fuzz_<x>_standalone FILE...             run each file once (reproduce a crash)
 *   fuzz_<x>_standalone [-n N] [-t SECONDS]  N generated inputs (default 300000),
 *                                            stopping early after SECONDS (default 5)
 *   fuzz_<x>_standalone -w DIR               write the target's seeds into DIR, a
 *                                            starting corpus for libFuzzer
 *
 * Generated inputs are deterministic: a fixed-seed PRNG makes random byte
 * strings and mutations (bit flips, interesting values, truncation,
 * insertion, deletion, splicing) of the target's seeds. Every input is
 * copied into an allocation of exactly its size, so AddressSanitizer
 * reports a read one byte past it. The figures printed are a benchmark,
 * not a test: the test is that nothing crashes or trips a sanitizer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"

enum {
    FUZZ_MAX_LEN = 4096,
};

struct fuzz_rng {
    uint64_t s;
};

static uint64_t fuzz_next(struct fuzz_rng *r)
{
    /* xorshift64*: deterministic and good enough to pick mutations */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ull;
}

static size_t fuzz_below(struct fuzz_rng *r, size_t n)
{
    return n ? (size_t)(fuzz_next(r) % n) : 0;
}

static int fuzz_run_one(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, data, len);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
    return 0;
}

static int fuzz_run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    int rc = -1;
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        goto out;
    }
    if (fseek(f, 0, SEEK_END) != 0)
        goto out;
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto out;
    rc = fuzz_run_one(buf, (size_t)size);
    printf("%s: %ld bytes\n", path, size);

out:
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

static int fuzz_write_seeds(const char *dir)
{
    const struct fuzz_seed *seeds;
    size_t n = fuzz_seeds(&seeds);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/seed-%02zu", dir, i);
        FILE *f = fopen(path, "wb");
        if (!f) {
            fprintf(stderr, "%s: %s\n", path, strerror(errno));
            return 1;
        }
        size_t w = fwrite(seeds[i].data, 1, seeds[i].len, f);
        if (fclose(f) != 0 || w != seeds[i].len)
            return 1;
    }
    printf("%zu seeds written to %s\n", n, dir);
    return 0;
}

static void fuzz_mutate(struct fuzz_rng *r, uint8_t *b, size_t *len, const struct fuzz_seed *seeds,
                        size_t nseeds)
{
    static const uint8_t interesting[] = {0,    1,    2,    4,    5,    6,    8,
                                          0x0f, 0x10, 0x20, 0x3f, 0x40, 0x45, 0x60,
                                          0x7f, 0x80, 0x81, 0xfe, 0xff};
    size_t rounds = 1 + fuzz_below(r, 4);
    for (size_t k = 0; k < rounds; k++) {
        switch (fuzz_below(r, 7)) {
        case 0: /* flip a bit */
            if (*len)
                b[fuzz_below(r, *len)] ^= (uint8_t)(1u << fuzz_below(r, 8));
            break;
        case 1: /* an interesting byte */
            if (*len)
                b[fuzz_below(r, *len)] = interesting[fuzz_below(r, sizeof interesting)];
            break;
        case 2: /* a random byte */
            if (*len)
                b[fuzz_below(r, *len)] = (uint8_t)fuzz_next(r);
            break;
        case 3: /* truncate */
            *len = fuzz_below(r, *len + 1);
            break;
        case 4: /* insert random bytes */
            if (*len < FUZZ_MAX_LEN) {
                size_t at = fuzz_below(r, *len + 1);
                size_t n = 1 + fuzz_below(r, FUZZ_MAX_LEN - *len < 16 ? FUZZ_MAX_LEN - *len : 16);
                memmove(b + at + n, b + at, *len - at);
                for (size_t i = 0; i < n; i++)
                    b[at + i] = (uint8_t)fuzz_next(r);
                *len += n;
            }
            break;
        case 5: /* delete a range */
            if (*len) {
                size_t at = fuzz_below(r, *len);
                size_t n = 1 + fuzz_below(r, *len - at);
                memmove(b + at, b + at + n, *len - at - n);
                *len -= n;
            }
            break;
        default: /* splice the tail of another seed */
            if (nseeds) {
                const struct fuzz_seed *s = &seeds[fuzz_below(r, nseeds)];
                size_t at = fuzz_below(r, *len + 1);
                size_t from = fuzz_below(r, s->len + 1);
                size_t n = s->len - from;
                if (at + n > FUZZ_MAX_LEN)
                    n = FUZZ_MAX_LEN - at;
                memcpy(b + at, s->data + from, n);
                *len = at + n;
            }
            break;
        }
    }
}

static double fuzz_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    unsigned long long iterations = 300000;
    double seconds = 5;
    int first_file = argc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            iterations = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
            seconds = strtod(argv[++i], NULL);
        } else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc) {
            return fuzz_write_seeds(argv[i + 1]);
        } else {
            first_file = i;
            break;
        }
    }
    if (first_file < argc) {
        for (int i = first_file; i < argc; i++) {
            if (fuzz_run_file(argv[i]) != 0)
                return 1;
        }
        return 0;
    }

    const struct fuzz_seed *seeds;
    size_t nseeds = fuzz_seeds(&seeds);
    static uint8_t buf[FUZZ_MAX_LEN];
    struct fuzz_rng r = {0x6d616d6f7269ull}; /* "mamori" */
    double start = fuzz_now();
    unsigned long long done = 0, bytes = 0;

    for (size_t i = 0; i < nseeds; i++)
        fuzz_run_one(seeds[i].data, seeds[i].len);
    for (; done < iterations; done++) {
        size_t len;
        if (nseeds && fuzz_below(&r, 8) != 0) {
            const struct fuzz_seed *s = &seeds[fuzz_below(&r, nseeds)];
            len = s->len < FUZZ_MAX_LEN ? s->len : FUZZ_MAX_LEN;
            memcpy(buf, s->data, len);
            fuzz_mutate(&r, buf, &len, seeds, nseeds);
        } else {
            len = fuzz_below(&r, 256);
            for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t)fuzz_next(&r);
        }
        if (fuzz_run_one(buf, len) != 0)
            return 1;
        bytes += len;
        if ((done & 1023) == 1023 && fuzz_now() - start > seconds) {
            done++;
            break;
        }
    }
    double took = fuzz_now() - start;
    printf("%llu inputs (%llu bytes) from %zu seeds in %.2f s: %.0f inputs/s\n", done, bytes,
           nseeds, took, took > 0 ? (double)done / took : 0.0);
    return 0;
}
