/*
 * Names heard for addresses that are no device yet: a DNS answer, an
 * mDNS announcement or a NetBIOS registration can name an address
 * before that address has sent anything. They wait here, a fixed number
 * at most (the oldest is dropped first, and counted), and are given to
 * the device when it appears (asset_table.c, at the binding of the
 * address). A name older than ASSET_PENDING_AGE_US is not given: the
 * address may have moved to another device since.
 */
#ifndef MAMORI_ASSET_ASSET_PENDING_H
#define MAMORI_ASSET_ASSET_PENDING_H

#include <stddef.h>
#include <stdint.h>

#define ASSET_PENDING_MAX 256
#define ASSET_PENDING_NAME 128                      /* with the NUL; longer names are cut */
#define ASSET_PENDING_AGE_US (3600ull * 1000000ull) /* one hour */

struct asset_pending_entry {
    uint8_t ip[16];
    uint8_t version; /* 0: free */
    uint64_t seen_us;
    char name[ASSET_PENDING_NAME];
};

struct asset_pending {
    struct asset_pending_entry e[ASSET_PENDING_MAX];
    size_t next; /* where the next one goes (FIFO: the oldest) */
    uint64_t added, evicted, attached, expired;
    uint64_t n; /* held now */
};

/* Keeps name for ip (IPv4 in the first 4 bytes, the rest zero); the same
 * name for the same address again only refreshes it. */
void asset_pending_add(struct asset_pending *q, const uint8_t ip[16], uint8_t version,
                       const char *name, uint64_t now_us);

/* Calls fn for every name held for ip that is not older than
 * ASSET_PENDING_AGE_US, and forgets every name held for ip. Returns the
 * names given. */
typedef void (*asset_pending_fn)(void *ctx, const char *name);
size_t asset_pending_take(struct asset_pending *q, const uint8_t ip[16], uint8_t version,
                          uint64_t now_us, asset_pending_fn fn, void *ctx);

#endif
