/*
 * What a fuzz target provides. Every target is one .c file that defines
 * LLVMFuzzerTestOneInput() (libFuzzer's entry) and fuzz_seeds(); it is
 * built twice: with -fsanitize=fuzzer for real fuzzing, and linked with
 * standalone.c for a deterministic smoke test that runs everywhere.
 */
#ifndef MAMORI_TEST_FUZZ_H
#define MAMORI_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_seed {
    const uint8_t *data; /* borrowed: static bytes of the target */
    size_t len;
};

/* libFuzzer's entry point: must accept any bytes; returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid inputs the standalone driver mutates. Sets *seeds to a static
 * array and returns its length (0 is allowed). */
size_t fuzz_seeds(const struct fuzz_seed **seeds);

#endif
