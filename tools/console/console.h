/*
 * mamori-console: the process's context, shared by the HTTP front
 * (console.c), the API (api.c), triage (triage.c) and the live feed
 * (feed.c). One event loop, one thread.
 */
#ifndef MAMORI_CONSOLE_CONSOLE_H
#define MAMORI_CONSOLE_CONSOLE_H

#include <stddef.h>

#include "store.h"

#define CONSOLE_GROUP "mamori-console"

struct event_base;
struct feed;

struct console {
    struct event_base *base; /* owned */
    struct store *store;     /* owned: requests' Redis connection */
    struct store_addr redis;
    struct feed *feed; /* owned */
    char prefix[64];
    char token[256];
    size_t token_len;
};

/* "PREFIX:name" into buf (cap bytes); returns buf. */
const char *console_key(const struct console *c, char *buf, size_t cap, const char *name);

#endif
