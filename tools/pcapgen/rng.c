/* xoshiro256** and splitmix64, public-domain algorithms by D. Blackman and S. Vigna
 * (https://prng.di.unimi.it/). Chosen for speed and for output that does not depend on the
 * platform, so captures regenerate byte-identically.
 */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

void rng_fork(struct rng *child, const struct rng *parent, uint64_t salt)
{
    uint64_t x = parent->s[0] ^ rotl(parent->s[2], 17) ^ (salt * 0xd1342543de82ef95ULL);
    for (int i = 0; i < 4; i++)
        child->s[i] = splitmix64(&x);
}

uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Modulo bias is irrelevant for traffic shapes; determinism is what matters. */
    return rng_next(r) % n;
}

uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + rng_below(r, hi - lo + 1);
}

bool rng_chance(struct rng *r, unsigned percent)
{
    return rng_below(r, 100) < percent;
}

void rng_bytes(struct rng *r, uint8_t *buf, size_t n)
{
    while (n >= 8) {
        uint64_t v = rng_next(r);
        for (int i = 0; i < 8; i++)
            buf[i] = (uint8_t)(v >> (8 * i));
        buf += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t v = rng_next(r);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)(v >> (8 * i));
    }
}
