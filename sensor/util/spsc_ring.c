#include "util/spsc_ring.h"

#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Each record starts with an 8-byte header holding its payload length;
 * this value marks padding up to the end of the buffer. */
#define SPSC_PAD UINT64_MAX
#define SPSC_HDR sizeof(uint64_t)
#define SPSC_CACHELINE 64
#define SPSC_MIN_CAPACITY 4096u

/* Positions only grow; the offset in the buffer is position & mask. The
 * producer's and the consumer's fields sit on separate cache lines. */
struct spsc_ring {
    uint8_t *buf;
    size_t cap, mask;

    alignas(SPSC_CACHELINE) _Atomic size_t head; /* written by the producer */
    size_t tail_cache;                           /* producer's view of tail */
    size_t pending;                              /* head after the reservation */

    alignas(SPSC_CACHELINE) _Atomic size_t tail; /* written by the consumer */
    size_t head_cache;                           /* consumer's view of head */
    size_t next;                                 /* tail after the peeked record */
};

static size_t spsc_ring_align(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

struct spsc_ring *spsc_ring_new(size_t capacity)
{
    size_t cap = SPSC_MIN_CAPACITY;
    while (cap < capacity) {
        if (cap > SIZE_MAX / 4)
            return NULL;
        cap <<= 1;
    }
    struct spsc_ring *r = aligned_alloc(SPSC_CACHELINE, sizeof *r);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    r->buf = aligned_alloc(SPSC_CACHELINE, cap);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->cap = cap;
    r->mask = cap - 1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    return r;
}

void spsc_ring_free(struct spsc_ring *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r);
}

size_t spsc_ring_max_record(const struct spsc_ring *r)
{
    return r->cap / 4 - SPSC_HDR;
}

void *spsc_ring_reserve(struct spsc_ring *r, size_t len)
{
    if (len > spsc_ring_max_record(r))
        return NULL;
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t need = SPSC_HDR + spsc_ring_align(len);
    size_t off = head & r->mask;
    size_t pad = r->cap - off < need ? r->cap - off : 0;
    if (head + pad + need - r->tail_cache > r->cap) {
        r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (head + pad + need - r->tail_cache > r->cap)
            return NULL;
    }
    if (pad) {
        uint64_t mark = SPSC_PAD;
        memcpy(r->buf + off, &mark, SPSC_HDR);
        off = 0;
    }
    uint64_t n = len;
    memcpy(r->buf + off, &n, SPSC_HDR);
    r->pending = head + pad + need;
    return r->buf + off + SPSC_HDR;
}

void spsc_ring_commit(struct spsc_ring *r)
{
    atomic_store_explicit(&r->head, r->pending, memory_order_release);
}

bool spsc_ring_drained(struct spsc_ring *r)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    return atomic_load_explicit(&r->tail, memory_order_acquire) == head;
}

const void *spsc_ring_peek(struct spsc_ring *r, size_t *len)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    for (;;) {
        if (tail == r->head_cache) {
            r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
            if (tail == r->head_cache)
                return NULL;
        }
        size_t off = tail & r->mask;
        uint64_t n;
        memcpy(&n, r->buf + off, SPSC_HDR);
        if (n == SPSC_PAD) {
            /* The producer wrapped: the record is at offset 0. Releasing
             * the padding now lets the producer reuse it sooner. */
            tail += r->cap - off;
            atomic_store_explicit(&r->tail, tail, memory_order_release);
            continue;
        }
        *len = (size_t)n;
        r->next = tail + SPSC_HDR + spsc_ring_align((size_t)n);
        return r->buf + off + SPSC_HDR;
    }
}

void spsc_ring_release(struct spsc_ring *r)
{
    atomic_store_explicit(&r->tail, r->next, memory_order_release);
}

void spsc_ring_backoff(unsigned *spins)
{
    unsigned n = (*spins)++;
    if (n < 64)
        return;
    if (n < 128) {
        sched_yield();
        return;
    }
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 50000};
    nanosleep(&ts, NULL);
}
