/*
 * The live feed: Server-Sent Events to every browser that asked for
 * /api/events, fed by XREAD BLOCK on PREFIX:alerts and PREFIX:triage:log
 * over a dedicated asynchronous Redis connection in the console's event
 * loop (hiredis' libevent adapter). New alerts go out as "alert" events,
 * triage actions (of any console sharing the Redis) as "triage" events.
 * The connection is opened again when it fails or stops answering, from
 * the last entry it delivered, so a reconnect loses nothing.
 */
#ifndef MAMORI_CONSOLE_FEED_H
#define MAMORI_CONSOLE_FEED_H

#include <stddef.h>

#include "console.h"

#define FEED_MAX_CLIENTS 64

struct evhttp_request;
struct feed;

/* Owned: free with feed_free() (which ends every client's stream). */
struct feed *feed_new(struct console *c);
void feed_free(struct feed *f);

/* Answers req with an event stream: 0, -EBUSY at FEED_MAX_CLIENTS. */
int feed_subscribe(struct feed *f, struct evhttp_request *req);

#endif
