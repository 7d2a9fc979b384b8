#include "stream/stream.h"

#include <stdlib.h>
#include <string.h>

/* A segment beyond this distance from the next expected byte is not taken
 * for this stream's data: a quarter of the sequence space, far more than
 * any window, small enough to keep serial comparisons meaningful. */
#define STREAM_MAX_AHEAD (UINT32_C(1) << 30)

struct stream_seg {
    struct stream_seg *next;
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
};

struct stream_engine {
    struct stream_limits lim;
    struct flow_table *ft; /* borrowed */
    struct stream_stats st;
};

/* Serial-number arithmetic (RFC 1982): a is before b when b - a, taken
 * modulo 2^32, is in the lower half of the space. */
static bool seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static bool seq_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}

void stream_limits_default(struct stream_limits *lim)
{
    lim->flow_held_max = (size_t)256 << 10;
    lim->memcap = (size_t)64 << 20;
}

struct stream_engine *stream_engine_new(const struct stream_limits *lim, struct flow_table *ft)
{
    struct stream_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->lim = *lim;
    e->ft = ft;
    return e;
}

void stream_engine_free(struct stream_engine *e)
{
    free(e);
}

const struct stream_stats *stream_engine_stats(const struct stream_engine *e)
{
    return &e->st;
}

void stream_start(struct stream *s, enum flow_dir dir, uint32_t seq)
{
    struct stream_half *h = &s->half[dir];
    if (h->started)
        return;
    h->started = true;
    h->next_seq = seq;
}

static size_t seg_size(uint32_t len)
{
    return sizeof(struct stream_seg) + len;
}

static void seg_free(struct stream_engine *e, struct stream_half *h, struct stream_seg *g)
{
    size_t n = seg_size(g->len);
    h->held_bytes -= g->len;
    e->st.memory -= n;
    flow_table_uncharge_scratch(e->ft, n);
    free(g);
}

/* A copy of len bytes at seq, charged to every cap, or NULL (counted). */
static struct stream_seg *seg_new(struct stream_engine *e, const struct stream *s, uint32_t seq,
                                  const uint8_t *p, uint32_t len)
{
    size_t n = seg_size(len);
    if ((size_t)s->half[0].held_bytes + s->half[1].held_bytes + len > e->lim.flow_held_max) {
        e->st.flow_cap_drops++;
        return NULL;
    }
    if (e->st.memory + n > e->lim.memcap || !flow_table_charge_scratch(e->ft, n)) {
        e->st.memcap_drops++;
        return NULL;
    }
    struct stream_seg *g = malloc(n);
    if (!g) {
        flow_table_uncharge_scratch(e->ft, n);
        e->st.memcap_drops++;
        return NULL;
    }
    g->next = NULL;
    g->seq = seq;
    g->len = len;
    memcpy(g->data, p, len);
    e->st.memory += n;
    if (e->st.memory > e->st.memory_peak)
        e->st.memory_peak = e->st.memory;
    return g;
}

static void deliver(struct stream_engine *e, struct stream_half *h, enum flow_dir dir,
                    const uint8_t *p, size_t len, stream_deliver_fn fn, void *ctx)
{
    h->next_seq += (uint32_t)len;
    e->st.bytes += len;
    fn(ctx, dir, p, len);
}

/* Hands on the held segments that the hole no longer separates. */
static void drain(struct stream_engine *e, struct stream_half *h, enum flow_dir dir,
                  stream_deliver_fn fn, void *ctx)
{
    struct stream_seg *g;
    while ((g = h->held) && seq_le(g->seq, h->next_seq)) {
        h->held = g->next;
        uint32_t off = h->next_seq - g->seq;
        if (off < g->len)
            deliver(e, h, dir, g->data + off, g->len - off, fn, ctx);
        seg_free(e, h, g);
    }
}

static void gap(struct stream_engine *e, struct stream_half *h, enum flow_dir dir, uint32_t len,
                stream_deliver_fn fn, void *ctx)
{
    e->st.gaps++;
    e->st.gap_bytes += len;
    h->next_seq += len;
    fn(ctx, dir, NULL, len);
}

void stream_segment(struct stream_engine *e, struct stream *s, enum flow_dir dir, uint32_t seq,
                    const uint8_t *p, size_t len, stream_deliver_fn fn, void *ctx)
{
    struct stream_half *h = &s->half[dir];
    if (len == 0)
        return;
    /* A TCP segment never carries more than 64 KiB; anything longer is a
     * caller's bug, cut so that the arithmetic below stays in 32 bits. */
    if (len > UINT16_MAX)
        len = UINT16_MAX;
    e->st.segments++;
    if (!h->started) {
        h->started = true;
        h->next_seq = seq;
        e->st.midstream++;
    }

    uint32_t cur = seq;
    uint32_t left = (uint32_t)len;
    const uint8_t *q = p;
    bool overlapped = false, differing = false, held = false, fresh = false;
    if (seq_lt(cur, h->next_seq)) {
        uint32_t old = h->next_seq - cur;
        if (old >= left) {
            e->st.retransmissions++;
            return;
        }
        overlapped = true;
        cur += old;
        q += old;
        left -= old;
    } else if (cur - h->next_seq >= STREAM_MAX_AHEAD) {
        e->st.out_of_window++;
        return;
    }

    /* Walk the held list once: the parts of the segment that no held
     * segment covers are delivered (at next_seq) or held; the parts that
     * one does cover are compared with it and dropped (first data wins). */
    struct stream_seg **link = &h->held;
    while (left > 0) {
        struct stream_seg *g = *link;
        while (g && seq_le(g->seq + g->len, cur)) {
            link = &g->next;
            g = *link;
        }
        uint32_t n = left;
        if (g && seq_lt(g->seq, cur + left) && seq_lt(cur, g->seq))
            n = g->seq - cur;
        if (!g || seq_lt(cur, g->seq)) {
            fresh = true;
            if (cur == h->next_seq && link == &h->held) {
                deliver(e, h, dir, q, n, fn, ctx);
            } else {
                struct stream_seg *ng = seg_new(e, s, cur, q, n);
                if (ng) {
                    ng->next = g;
                    *link = ng;
                    h->held_bytes += n;
                    link = &ng->next;
                    held = true;
                }
            }
        } else {
            uint32_t off = cur - g->seq;
            n = g->len - off < left ? g->len - off : left;
            overlapped = true;
            if (memcmp(g->data + off, q, n) != 0)
                differing = true;
        }
        cur += n;
        q += n;
        left -= n;
    }
    if (!fresh)
        e->st.retransmissions++;
    else if (overlapped)
        e->st.overlaps++;
    if (differing)
        e->st.overlaps_differing++;
    if (held)
        e->st.out_of_order++;
    drain(e, h, dir, fn, ctx);
}

void stream_ack(struct stream_engine *e, struct stream *s, enum flow_dir dir, uint32_t ack,
                stream_deliver_fn fn, void *ctx)
{
    struct stream_half *h = &s->half[dir];
    /* Only with data held: then the hole is real (data after it reached
     * the receiver) and the ack proves the receiver has the hole's bytes. */
    while (h->started && h->held && seq_lt(h->next_seq, ack) &&
           ack - h->next_seq < STREAM_MAX_AHEAD) {
        uint32_t to = seq_lt(ack, h->held->seq) ? ack : h->held->seq;
        gap(e, h, dir, to - h->next_seq, fn, ctx);
        drain(e, h, dir, fn, ctx);
    }
}

void stream_flush(struct stream_engine *e, struct stream *s, stream_deliver_fn fn, void *ctx)
{
    for (int d = 0; d < 2; d++) {
        struct stream_half *h = &s->half[d];
        while (h->held) {
            if (seq_lt(h->next_seq, h->held->seq))
                gap(e, h, (enum flow_dir)d, h->held->seq - h->next_seq, fn, ctx);
            drain(e, h, (enum flow_dir)d, fn, ctx);
        }
    }
}

void stream_release(struct stream_engine *e, struct stream *s)
{
    for (int d = 0; d < 2; d++) {
        struct stream_half *h = &s->half[d];
        struct stream_seg *g;
        while ((g = h->held)) {
            h->held = g->next;
            seg_free(e, h, g);
        }
    }
}
