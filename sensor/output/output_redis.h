/*
 * Records to Redis, without loss: a back-end of the output thread
 * (output/output.h) on one hiredis async connection attached to the
 * output thread's libevent loop (hiredis/adapters/libevent.h).
 *
 * Commands are pipelined: every record is one command, written when the
 * loop next runs, so a pass of the output thread (a batch, or whatever
 * arrived within flush_ms) goes out in one write. Replies come back in
 * order; each acknowledges the oldest record in flight.
 *
 * States and where a record goes:
 *   up, spool empty, fewer than max_inflight in flight   -> sent now
 *   otherwise (down, connecting, too slow, spool waiting) -> spool
 *   up and the spool waiting                              -> the spool is
 *        replayed, oldest first, before any newer record is sent
 * Redis is down when the connection fails, when a reply is an error
 * (OOM at maxmemory, READONLY replica, LOADING, NOAUTH, ...) or when the
 * oldest record in flight has had no reply for timeout_ms (a stopped or
 * wedged server). Then the connection is dropped, the records in flight
 * go back to the head of the spool, in order, and a reconnection is tried
 * after a delay that doubles from 100 ms up to reconnect_max_ms.
 * Records in flight when Redis fails may have reached it already: they
 * are sent again, and consumers drop the duplicates by record_id.
 */
#ifndef MAMORI_OUTPUT_OUTPUT_REDIS_H
#define MAMORI_OUTPUT_OUTPUT_REDIS_H

#include <stddef.h>

#include "output/output.h"

struct event_base;

extern const struct output_backend output_redis_backend;

/* Opens the spool (REDIS_SPOOL_NAME in state_dir), checks the server once
 * synchronously (a refused AUTH or SELECT is an error; an absent server
 * is not) and starts connecting on base. c is copied. Returns the state
 * for output_redis_backend, or NULL with err set. */
void *output_redis_new(const struct output_redis_config *c, const char *state_dir,
                       struct event_base *base, bool verbose, char *err, size_t errlen);

#define REDIS_SPOOL_NAME "redis.spool"

/* At start, synchronously: the asset inventory kept in Redis, most
 * recently seen first, at most max entries: fn gets each entry's JSON
 * (the json field of PREFIX:asset:ID). Returns the entries handed over,
 * or -errno (Redis unreachable: nothing, and no error for the caller to
 * stop on). */
int output_redis_fetch_assets(const struct output_redis_config *c, uint32_t max,
                              void (*fn)(void *ctx, const char *json, size_t len), void *ctx);

#endif
