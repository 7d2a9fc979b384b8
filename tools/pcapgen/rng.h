/* Deterministic pseudo-random numbers for pcapgen.
 *
 * xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64. The generator must give the
 * same bytes for the same seed on every machine and libc, which rand() does not promise.
 */
#ifndef PCAPGEN_RNG_H
#define PCAPGEN_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct rng {
    uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
/* A child stream: independent of how many numbers the parent draws later. */
void rng_fork(struct rng *child, const struct rng *parent, uint64_t salt);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); n == 0 gives 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform in [lo, hi] inclusive. */
uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi);
bool rng_chance(struct rng *r, unsigned percent);
void rng_bytes(struct rng *r, uint8_t *buf, size_t n);

#endif
