#include "asset/asset_pending.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool same_ip(const struct asset_pending_entry *e, const uint8_t ip[16], uint8_t version)
{
    return e->version == version && memcmp(e->ip, ip, version == 4 ? 4 : 16) == 0;
}

void asset_pending_add(struct asset_pending *q, const uint8_t ip[16], uint8_t version,
                       const char *name, uint64_t now_us)
{
    if ((version != 4 && version != 6) || !name || !*name)
        return;
    for (size_t i = 0; i < ASSET_PENDING_MAX; i++) {
        struct asset_pending_entry *e = &q->e[i];
        if (same_ip(e, ip, version) && strncmp(e->name, name, sizeof e->name - 1) == 0) {
            e->seen_us = now_us;
            return;
        }
    }
    struct asset_pending_entry *e = &q->e[q->next];
    q->next = (q->next + 1) % ASSET_PENDING_MAX;
    if (e->version)
        q->evicted++;
    else
        q->n++;
    memset(e->ip, 0, sizeof e->ip);
    memcpy(e->ip, ip, version == 4 ? 4 : 16);
    e->version = version;
    e->seen_us = now_us;
    snprintf(e->name, sizeof e->name, "%s", name);
    q->added++;
}

size_t asset_pending_take(struct asset_pending *q, const uint8_t ip[16], uint8_t version,
                          uint64_t now_us, asset_pending_fn fn, void *ctx)
{
    size_t given = 0;
    if (!q->n)
        return 0;
    for (size_t i = 0; i < ASSET_PENDING_MAX; i++) {
        struct asset_pending_entry *e = &q->e[i];
        if (!e->version || !same_ip(e, ip, version))
            continue;
        /* A capture's clock may step back: only a name heard long
         * before now is stale. */
        if (now_us > e->seen_us && now_us - e->seen_us > ASSET_PENDING_AGE_US) {
            q->expired++;
        } else {
            fn(ctx, e->name);
            q->attached++;
            given++;
        }
        e->version = 0;
        q->n--;
    }
    return given;
}
