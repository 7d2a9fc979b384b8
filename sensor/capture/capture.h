/*
 * Capture back-ends: where packets come from. Each back-end is a table of
 * functions (file: pcap and pcapng files; live: a TPACKET_V3 ring on an
 * interface, one per worker, joined to a PACKET_FANOUT group), and the
 * sensor drives them all through the same few calls.
 *
 * Packets are handed to the callback straight from libpcap's buffer — for
 * live capture that is the kernel's memory-mapped ring — so the callback
 * must copy whatever must outlive it.
 */
#ifndef MAMORI_CAPTURE_CAPTURE_H
#define MAMORI_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*capture_packet_fn)(void *ctx, int linktype, uint64_t ts_us, const uint8_t *data,
                                  size_t caplen, size_t wirelen);

/* What a back-end needs to open a source; unused fields are ignored. */
struct capture_config {
    uint32_t snaplen;
    uint64_t buffer_size;      /* live: ring bytes */
    uint32_t block_timeout_ms; /* live: a partly filled block is handed over after this */
    bool promiscuous;
    const char *bpf;       /* borrowed; NULL or "" for none */
    uint32_t fanout_group; /* live: the PACKET_FANOUT group id (16 bits) */
};

/* Counters of one source since it was opened. Files count only what was
 * read: the drop counters stay zero. */
struct capture_stats {
    uint64_t received;     /* packets that reached the source (live: including drops) */
    uint64_t kernel_drops; /* live: dropped for lack of room in the ring */
    uint64_t if_drops;     /* live: dropped by the interface or its driver */
};

/* capture_dispatch() results besides a packet count. */
enum {
    CAPTURE_END = -1,   /* end of a file */
    CAPTURE_ERROR = -2, /* capture_error() says what */
};

struct capture_backend {
    const char *name;
    /* source is a file path or an interface name. Returns the back-end's
     * state or NULL with err set. */
    void *(*open)(const char *source, const struct capture_config *cfg, char *err, size_t errlen);
    /* Hands at most max packets to fn without blocking. Returns how many
     * (0: none ready yet), CAPTURE_END or CAPTURE_ERROR. */
    int (*dispatch)(void *state, int max, capture_packet_fn fn, void *ctx);
    /* Blocks until packets may be ready, wake_fd (if >= 0) is readable,
     * or timeout_ms passes. Returns 0 or a negative error. */
    int (*wait)(void *state, int wake_fd, int timeout_ms);
    int (*stats)(void *state, struct capture_stats *st);
    int (*linktype)(const void *state);
    const char *(*error)(const void *state);
    void (*close)(void *state);
};

extern const struct capture_backend capture_file_backend;
extern const struct capture_backend capture_live_backend;

/* One open source: a back-end and its state. */
struct capture {
    const struct capture_backend *be;
    void *state;
    char source[256];
};

/* Returns NULL with err set ("SOURCE: why"). Owned: capture_close(). */
struct capture *capture_open(const struct capture_backend *be, const char *source,
                             const struct capture_config *cfg, char *err, size_t errlen);
void capture_close(struct capture *c);

static inline int capture_dispatch(struct capture *c, int max, capture_packet_fn fn, void *ctx)
{
    return c->be->dispatch(c->state, max, fn, ctx);
}

static inline int capture_wait(struct capture *c, int wake_fd, int timeout_ms)
{
    return c->be->wait(c->state, wake_fd, timeout_ms);
}

static inline int capture_stats(struct capture *c, struct capture_stats *st)
{
    return c->be->stats(c->state, st);
}

static inline int capture_linktype(const struct capture *c)
{
    return c->be->linktype(c->state);
}

static inline const char *capture_error(const struct capture *c)
{
    return c->be->error(c->state);
}

#endif
