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

/* Windows of ended streams kept for the next ones, at most this many (and
 * within the worker's cap: they count in memory and are freed first when
 * held segments need room). Flows end in bursts (timeouts are checked once
 * a second), so the pool is sized for a burst: with 64, most windows
 * still went back to malloc and came out of it again, at 2% of the
 * worker's time; with 1024 (2 MiB of 2 KiB windows) 0.4%. */
#define STREAM_WIN_SPARE_MAX 1024u

struct stream_engine {
    struct stream_limits lim;
    struct flow_table *ft; /* borrowed */
    struct stream_stats st;
    uint8_t *spare[STREAM_WIN_SPARE_MAX]; /* owned, counted in st.memory */
    unsigned nspare;
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
    /* More than a full-sized segment: a retransmission of the last one
     * delivered, the usual case, is compared whole. */
    lim->window = (size_t)2 << 10;
}

struct stream_engine *stream_engine_new(const struct stream_limits *lim, struct flow_table *ft)
{
    struct stream_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->lim = *lim;
    /* win_pos and win_fill are 32 bits; a window that large would be a
     * mistake anyway. */
    if (e->lim.window > UINT16_MAX)
        e->lim.window = UINT16_MAX;
    e->ft = ft;
    return e;
}

void stream_engine_free(struct stream_engine *e)
{
    if (!e)
        return;
    for (unsigned i = 0; i < e->nspare; i++)
        free(e->spare[i]);
    free(e);
}

const struct stream_stats *stream_engine_stats(const struct stream_engine *e)
{
    return &e->st;
}

static void half_start(struct stream_half *h, uint32_t seq)
{
    h->started = true;
    h->next_seq = seq;
    h->sent_end = seq;
    h->acked_end = seq;
}

void stream_start(struct stream *s, enum flow_dir dir, uint32_t seq)
{
    struct stream_half *h = &s->half[dir];
    if (h->started)
        return;
    half_start(h, seq);
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

/* Frees spare windows until need more bytes fit in the worker's cap. */
static void spare_trim(struct stream_engine *e, size_t need)
{
    while (e->nspare > 0 && e->st.memory + need > e->lim.memcap) {
        free(e->spare[--e->nspare]);
        e->st.memory -= e->lim.window;
        e->st.window_spare -= e->lim.window;
    }
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
    spare_trim(e, n);
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

/* The window of h, allocated on first use, or NULL (none configured, or a
 * cap said no: counted once). */
static uint8_t *win_get(struct stream_engine *e, struct stream_half *h)
{
    if (h->win || h->win_failed || e->lim.window == 0)
        return h->win;
    size_t n = e->lim.window;
    if (e->nspare > 0) {
        /* Counted in memory already; only the flow table's charge moves. */
        if (!flow_table_charge_scratch(e->ft, n)) {
            e->st.window_drops++;
            h->win_failed = true;
            return NULL;
        }
        h->win = e->spare[--e->nspare];
        e->st.window_spare -= n;
        return h->win;
    }
    if (e->st.memory + n > e->lim.memcap || !flow_table_charge_scratch(e->ft, n)) {
        e->st.window_drops++;
        h->win_failed = true;
        return NULL;
    }
    h->win = malloc(n);
    if (!h->win) {
        flow_table_uncharge_scratch(e->ft, n);
        e->st.window_drops++;
        h->win_failed = true;
        return NULL;
    }
    e->st.memory += n;
    if (e->st.memory > e->st.memory_peak)
        e->st.memory_peak = e->st.memory;
    return h->win;
}

static void win_free(struct stream_engine *e, struct stream_half *h)
{
    if (!h->win)
        return;
    flow_table_uncharge_scratch(e->ft, e->lim.window);
    if (e->nspare < STREAM_WIN_SPARE_MAX) {
        e->spare[e->nspare++] = h->win;
        e->st.window_spare += e->lim.window;
    } else {
        free(h->win);
        e->st.memory -= e->lim.window;
    }
    h->win = NULL;
}

/* Keeps the last bytes of what is being delivered (only the last
 * window's worth of a long delivery is copied). */
static void win_put(struct stream_engine *e, struct stream_half *h, const uint8_t *p, uint32_t len)
{
    uint8_t *w = win_get(e, h);
    if (!w)
        return;
    uint32_t size = (uint32_t)e->lim.window;
    if (len >= size) {
        memcpy(w, p + (len - size), size);
        h->win_pos = 0;
        h->win_fill = size;
        return;
    }
    uint32_t first = size - h->win_pos < len ? size - h->win_pos : len;
    memcpy(w + h->win_pos, p, first);
    memcpy(w, p + first, len - first);
    h->win_pos = (h->win_pos + len) % size;
    h->win_fill = h->win_fill + len < size ? h->win_fill + len : size;
}

/* Compares n bytes at seq, all before next_seq (delivered already), with
 * the window: true if any kept byte differs. Bytes older than the window
 * are not compared; *unchecked says there were some. */
static bool win_differs(const struct stream_engine *e, const struct stream_half *h, uint32_t seq,
                        const uint8_t *q, uint32_t n, bool *unchecked)
{
    uint32_t back = h->next_seq - seq; /* >= n */
    if (back > h->win_fill) {
        uint32_t skip = back - h->win_fill;
        *unchecked = true;
        if (skip >= n)
            return false;
        q += skip;
        n -= skip;
        back = h->win_fill;
    }
    if (n == 0 || !h->win)
        return false;
    uint32_t size = (uint32_t)e->lim.window;
    uint32_t at = (h->win_pos + size - back) % size;
    uint32_t first = size - at < n ? size - at : n;
    return memcmp(h->win + at, q, first) != 0 || memcmp(h->win, q + first, n - first) != 0;
}

static void deliver(struct stream_engine *e, struct stream_half *h, enum flow_dir dir,
                    const uint8_t *p, size_t len, stream_deliver_fn fn, void *ctx)
{
    win_put(e, h, p, (uint32_t)len);
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
    h->win_fill = 0; /* what the window holds is no longer just before next_seq */
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
        half_start(h, seq);
        e->st.midstream++;
    }

    uint32_t cur = seq;
    uint32_t left = (uint32_t)len;
    const uint8_t *q = p;
    bool overlapped = false, differing = false, held = false, fresh = false;
    if (seq_lt(cur, h->next_seq)) {
        /* Delivered already: first data wins; compared with the window. */
        uint32_t old = h->next_seq - cur;
        bool unchecked = false;
        if (old >= left) {
            e->st.retransmissions++;
            /* One byte just before next_seq is how some stacks send a
             * keep-alive probe (RFC 1122 4.2.3.6: the octet may be
             * garbage): not compared. */
            if (left == 1 && old == 1)
                return;
            if (win_differs(e, h, cur, q, left, &unchecked))
                e->st.overlaps_differing++;
            if (unchecked)
                e->st.old_unchecked++;
            return;
        }
        overlapped = true;
        differing = win_differs(e, h, cur, q, old, &unchecked);
        if (unchecked)
            e->st.old_unchecked++;
        cur += old;
        q += old;
        left -= old;
    } else if (cur - h->next_seq >= STREAM_MAX_AHEAD) {
        e->st.out_of_window++;
        return;
    }
    if (seq_lt(h->sent_end, cur + left))
        h->sent_end = cur + left;

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

/* Gives up on every byte before `to` not seen yet: holes become gaps,
 * held data after them is delivered. */
static void gap_to(struct stream_engine *e, struct stream_half *h, enum flow_dir dir, uint32_t to,
                   stream_deliver_fn fn, void *ctx)
{
    while (seq_lt(h->next_seq, to)) {
        uint32_t end = h->held && seq_lt(h->held->seq, to) ? h->held->seq : to;
        if (seq_lt(h->next_seq, end))
            gap(e, h, dir, end - h->next_seq, fn, ctx);
        drain(e, h, dir, fn, ctx);
    }
}

/* A hole is evident when the sender is known to have sent past it and the
 * receiver acknowledged it: both directions agree, so a mirror port that
 * shows an acknowledgement before the data it covers does not fool it. */
static void gap_evident(struct stream_engine *e, struct stream_half *h, enum flow_dir dir,
                        stream_deliver_fn fn, void *ctx)
{
    uint32_t to = seq_lt(h->acked_end, h->sent_end) ? h->acked_end : h->sent_end;
    gap_to(e, h, dir, to, fn, ctx);
}

/* Whether x is a plausible sequence number after next_seq for h. */
static bool ahead(const struct stream_half *h, uint32_t x)
{
    return seq_lt(h->next_seq, x) && x - h->next_seq < STREAM_MAX_AHEAD;
}

void stream_ack(struct stream_engine *e, struct stream *s, enum flow_dir dir, uint32_t ack,
                stream_deliver_fn fn, void *ctx)
{
    struct stream_half *h = &s->half[dir];
    /* After a FIN, the acknowledgement of the FIN itself is one past the
     * last byte: nothing is missing. */
    if (!h->started || h->fin || !ahead(h, ack))
        return;
    if (seq_lt(h->acked_end, ack))
        h->acked_end = ack;
    if (seq_lt(h->next_seq, h->sent_end))
        gap_evident(e, h, dir, fn, ctx);
}

void stream_sent(struct stream_engine *e, struct stream *s, enum flow_dir dir, uint32_t seq,
                 bool fin, stream_deliver_fn fn, void *ctx)
{
    struct stream_half *h = &s->half[dir];
    /* After a FIN, its sender's segments are one past the last byte (the
     * FIN takes a sequence number). */
    if (!h->started || h->fin)
        return;
    bool later = ahead(h, seq);
    /* A FIN before the bytes delivered, or absurdly far, is not this
     * stream's end. */
    if (fin && (later || seq == h->next_seq))
        h->fin = true;
    if (!later)
        return;
    if (seq_lt(h->sent_end, seq))
        h->sent_end = seq;
    if (fin)
        gap_to(e, h, dir, seq, fn, ctx);
    else if (seq_lt(h->next_seq, h->acked_end))
        gap_evident(e, h, dir, fn, ctx);
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
        win_free(e, h);
    }
}
