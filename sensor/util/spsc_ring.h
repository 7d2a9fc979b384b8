/*
 * The single-producer/single-consumer ring: the one way data crosses
 * threads in mamori. Every other piece of state belongs to exactly one
 * thread (a worker's flows, decoder and nDPI module; the main thread's
 * configuration and outputs); when one thread must hand something to
 * another, it copies it into a ring that has exactly one writer thread
 * and one reader thread.
 *
 * Uses today:
 *  - replay with several workers: the reader thread copies each packet
 *    (and the capture clock) into the ring of the worker its flow hashes
 *    to (reader -> worker);
 *  - live capture: each worker publishes a snapshot of its counters once
 *    a second (worker -> main thread), from which the main thread writes
 *    the periodic `stats` record;
 *  - records, rule matches and reloaded rule sets to the output thread
 *    (every producer -> output thread; output/output.h);
 *  - live capture with rules: reloaded rule sets (main thread -> worker).
 *
 * Records are variable-length and contiguous: the producer reserves room,
 * writes, and commits; the consumer peeks at the oldest record, reads,
 * and releases it. A record is never split by the end of the buffer: when
 * it would be, the producer pads to the end and starts again at offset 0.
 * Payloads are 8-byte aligned, so a record may start with a struct.
 *
 * Memory: the capacity fixed at creation, never more. Neither side blocks:
 * reserve returns NULL when full and peek returns NULL when empty; the
 * caller decides whether to wait (replay: it must not lose a packet) or to
 * skip (stats snapshots: the next one replaces it).
 *
 * Ordering: the producer's commit is a release store of its position and
 * the consumer's peek an acquire load of it (and the other way round for
 * release), so everything written into a record before commit is visible
 * to the consumer that peeks it. Each side caches the other's position and
 * reloads it only when the cached value says full or empty, so the two
 * threads do not share a cache line on every record.
 */
#ifndef MAMORI_UTIL_SPSC_RING_H
#define MAMORI_UTIL_SPSC_RING_H

#include <stdbool.h>
#include <stddef.h>

struct spsc_ring;

/* capacity is rounded up to a power of two (at least 4096 bytes). The
 * largest record is a quarter of it. Returns NULL on failure. Owned:
 * spsc_ring_free(). */
struct spsc_ring *spsc_ring_new(size_t capacity);
void spsc_ring_free(struct spsc_ring *r);

/* Largest len spsc_ring_reserve() accepts. */
size_t spsc_ring_max_record(const struct spsc_ring *r);

/* Producer thread only. Returns room for len bytes, or NULL when the ring
 * has not that much free space now (or len is too large). At most one
 * reservation is outstanding; it is published by spsc_ring_commit(). */
void *spsc_ring_reserve(struct spsc_ring *r, size_t len);
void spsc_ring_commit(struct spsc_ring *r);
/* Producer thread only: true once the consumer has released every record
 * committed so far (acquire: what it did before releasing is visible). */
bool spsc_ring_drained(struct spsc_ring *r);

/* Consumer thread only. Returns the oldest record and its length, or NULL
 * when the ring is empty. The record stays valid until
 * spsc_ring_release(). */
const void *spsc_ring_peek(struct spsc_ring *r, size_t *len);
void spsc_ring_release(struct spsc_ring *r);

/* Either thread: a waiting side calls this in its loop with a counter it
 * resets after progress. Spins briefly, then yields, then sleeps 50 us, so
 * that an idle consumer costs little CPU and a busy one little latency. */
void spsc_ring_backoff(unsigned *spins);

#endif
