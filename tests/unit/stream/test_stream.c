/*
 * TCP reassembly: in-order and out-of-order delivery, retransmissions,
 * overlaps (first data wins, differing ones counted, against held data
 * and against the window of delivered data), sequence wraparound, gaps
 * from acknowledgements, from a sender past a hole, from a FIN and at the
 * end, caps, and a truncation sweep.
 */
#include "stream/stream.h"

#include "../test.h"

struct sink {
    uint8_t data[2][4096];
    size_t len[2];
    size_t gaps[2];
    size_t gap_bytes[2];
    int calls;
};

static void sink_fn(void *ctx, enum flow_dir dir, const uint8_t *p, size_t len)
{
    struct sink *s = ctx;
    s->calls++;
    if (!p) {
        s->gaps[dir]++;
        s->gap_bytes[dir] += len;
        return;
    }
    if (s->len[dir] + len <= sizeof s->data[dir]) {
        memcpy(s->data[dir] + s->len[dir], p, len);
        s->len[dir] += len;
    }
}

struct fixture {
    struct flow_table *ft;
    struct stream_engine *e;
    struct stream s;
    struct sink k;
};

static void fx_init_with(struct fixture *x, const struct stream_limits *sl)
{
    memset(x, 0, sizeof *x);
    struct flow_limits fl;
    flow_limits_default(&fl);
    x->ft = flow_table_new(&fl, 0, NULL, NULL);
    x->e = stream_engine_new(sl, x->ft);
}

static void fx_init(struct fixture *x, size_t flow_cap)
{
    struct stream_limits sl;
    stream_limits_default(&sl);
    if (flow_cap)
        sl.flow_held_max = flow_cap;
    fx_init_with(x, &sl);
}

/* A fixture with a window of `window` bytes (0: none). */
static void fx_init_window(struct fixture *x, size_t window)
{
    struct stream_limits sl;
    stream_limits_default(&sl);
    sl.window = window;
    fx_init_with(x, &sl);
}

static void fx_ack(struct fixture *x, enum flow_dir d, uint32_t ack)
{
    stream_ack(x->e, &x->s, d, ack, sink_fn, &x->k);
}

static void fx_sent(struct fixture *x, enum flow_dir d, uint32_t seq, bool fin)
{
    stream_sent(x->e, &x->s, d, seq, fin, sink_fn, &x->k);
}

static void fx_seg(struct fixture *x, enum flow_dir d, uint32_t seq, const char *s)
{
    stream_segment(x->e, &x->s, d, seq, (const uint8_t *)s, strlen(s), sink_fn, &x->k);
}

static void fx_free(struct fixture *x)
{
    stream_release(x->e, &x->s);
    /* what stays is the windows kept for the next streams */
    CHECK_EQ_INT(stream_engine_stats(x->e)->memory, stream_engine_stats(x->e)->window_spare);
    CHECK_EQ_INT(flow_table_stats(x->ft)->scratch, 0);
    stream_engine_free(x->e);
    flow_table_free(x->ft);
}

static int data_is(const struct fixture *x, enum flow_dir d, const char *s)
{
    return x->k.len[d] == strlen(s) && memcmp(x->k.data[d], s, strlen(s)) == 0;
}

static void test_in_order(void)
{
    struct fixture x;
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOSERVER, 1000);
    fx_seg(&x, DIR_TOSERVER, 1000, "hello ");
    fx_seg(&x, DIR_TOSERVER, 1006, "world");
    CHECK(data_is(&x, DIR_TOSERVER, "hello world"));
    CHECK_EQ_INT(stream_engine_stats(x.e)->bytes, 11);
    CHECK_EQ_INT(stream_engine_stats(x.e)->out_of_order, 0);
    CHECK_EQ_INT(stream_engine_stats(x.e)->midstream, 0);
    fx_free(&x);
}

static void test_out_of_order(void)
{
    struct fixture x;
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOCLIENT, 50);
    fx_seg(&x, DIR_TOCLIENT, 60, "KLMNO");
    fx_seg(&x, DIR_TOCLIENT, 55, "FGHIJ");
    CHECK_EQ_INT(x.k.len[DIR_TOCLIENT], 0);
    CHECK(stream_engine_stats(x.e)->memory > 0);
    fx_seg(&x, DIR_TOCLIENT, 50, "ABCDE");
    CHECK(data_is(&x, DIR_TOCLIENT, "ABCDEFGHIJKLMNO"));
    CHECK_EQ_INT(stream_engine_stats(x.e)->out_of_order, 2);
    /* nothing held any more: only the delivered direction's window */
    CHECK_EQ_INT(x.s.half[DIR_TOCLIENT].held_bytes, 0);
    CHECK_EQ_INT(stream_engine_stats(x.e)->memory, 2048);
    fx_free(&x);
}

static void test_retransmission_and_overlap(void)
{
    struct fixture x;
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOSERVER, 0);
    fx_seg(&x, DIR_TOSERVER, 0, "abcd");
    fx_seg(&x, DIR_TOSERVER, 0, "abcd");
    CHECK_EQ_INT(stream_engine_stats(x.e)->retransmissions, 1);
    fx_seg(&x, DIR_TOSERVER, 2, "cdef"); /* overlaps delivered data */
    CHECK(data_is(&x, DIR_TOSERVER, "abcdef"));
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps, 1);
    /* held data is compared: first data wins, the difference is counted */
    fx_seg(&x, DIR_TOSERVER, 10, "KLMN");
    fx_seg(&x, DIR_TOSERVER, 8, "ijXXYYop");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 1);
    fx_seg(&x, DIR_TOSERVER, 6, "gh");
    CHECK(data_is(&x, DIR_TOSERVER, "abcdefghijKLMNop"));
    /* a same-bytes overlap is not an anomaly */
    fx_seg(&x, DIR_TOSERVER, 20, "uvwx");
    fx_seg(&x, DIR_TOSERVER, 20, "uv");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 1);
    fx_free(&x);
}

static void test_wraparound(void)
{
    struct fixture x;
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOSERVER, 0xfffffffcu);
    fx_seg(&x, DIR_TOSERVER, 0x00000002u, "ghij"); /* past the wrap, out of order */
    fx_seg(&x, DIR_TOSERVER, 0xfffffffcu, "abcdef");
    CHECK(data_is(&x, DIR_TOSERVER, "abcdefghij"));
    fx_seg(&x, DIR_TOSERVER, 0xfffffffeu, "cdef"); /* old data, across the wrap */
    CHECK_EQ_INT(stream_engine_stats(x.e)->retransmissions, 1);
    fx_free(&x);
}

static void test_midstream(void)
{
    struct fixture x;
    fx_init(&x, 0);
    fx_seg(&x, DIR_TOCLIENT, 777777, "first");
    fx_seg(&x, DIR_TOCLIENT, 777782, "second");
    CHECK(data_is(&x, DIR_TOCLIENT, "firstsecond"));
    CHECK_EQ_INT(stream_engine_stats(x.e)->midstream, 1);
    fx_free(&x);
}

static void test_gap_by_ack(void)
{
    struct fixture x;
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOSERVER, 100);
    fx_seg(&x, DIR_TOSERVER, 100, "0123");
    fx_seg(&x, DIR_TOSERVER, 110, "ABCD"); /* 104..109 never captured */
    /* the receiver has 104..107: lost in capture, a gap; 108..109 may come */
    stream_ack(x.e, &x.s, DIR_TOSERVER, 108, sink_fn, &x.k);
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 1);
    CHECK_EQ_INT(x.k.gap_bytes[DIR_TOSERVER], 4);
    CHECK_EQ_INT(x.k.len[DIR_TOSERVER], 4);
    stream_ack(x.e, &x.s, DIR_TOSERVER, 114, sink_fn, &x.k);
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 2);
    CHECK_EQ_INT(x.k.gap_bytes[DIR_TOSERVER], 6);
    CHECK(data_is(&x, DIR_TOSERVER, "0123ABCD"));
    /* nothing held: an ack past the data only means more is in flight */
    stream_ack(x.e, &x.s, DIR_TOSERVER, 200, sink_fn, &x.k);
    CHECK_EQ_INT(stream_engine_stats(x.e)->gaps, 2);
    fx_free(&x);
}

static void test_flush(void)
{
    struct fixture x;
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOSERVER, 0);
    fx_seg(&x, DIR_TOSERVER, 5, "late");
    stream_flush(x.e, &x.s, sink_fn, &x.k);
    CHECK_EQ_INT(x.k.gap_bytes[DIR_TOSERVER], 5);
    CHECK(data_is(&x, DIR_TOSERVER, "late"));
    CHECK(x.s.half[DIR_TOSERVER].held == NULL);
    CHECK_EQ_INT(stream_engine_stats(x.e)->memory, 2048); /* the window */
    fx_free(&x);
}

static void test_caps(void)
{
    struct fixture x;
    fx_init(&x, 16);
    stream_start(&x.s, DIR_TOSERVER, 0);
    fx_seg(&x, DIR_TOSERVER, 100, "0123456789");
    fx_seg(&x, DIR_TOSERVER, 200, "0123456789"); /* 20 > 16 held bytes */
    CHECK_EQ_INT(stream_engine_stats(x.e)->flow_cap_drops, 1);
    fx_seg(&x, DIR_TOSERVER, 0x7fffffffu, "far");
    CHECK_EQ_INT(stream_engine_stats(x.e)->out_of_window, 1);
    fx_free(&x); /* release frees what is held; memory back to 0 */
}

static void test_differing_retransmission_of_delivered(void)
{
    struct fixture x;
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOSERVER, 1000);
    fx_seg(&x, DIR_TOSERVER, 1000, "USER alice\r\n");
    /* the same bytes again: a plain retransmission */
    fx_seg(&x, DIR_TOSERVER, 1000, "USER alice\r\n");
    CHECK_EQ_INT(stream_engine_stats(x.e)->retransmissions, 1);
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 0);
    /* other bytes for delivered data: counted, and the first data wins */
    fx_seg(&x, DIR_TOSERVER, 1005, "mallo");
    CHECK_EQ_INT(stream_engine_stats(x.e)->retransmissions, 2);
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 1);
    /* partly delivered, partly new: the old part differs, the new is taken */
    fx_seg(&x, DIR_TOSERVER, 1010,
           "XX"
           "PASS");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps, 1);
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 2);
    /* partly delivered with the same bytes: an overlap, not an anomaly */
    fx_seg(&x, DIR_TOSERVER, 1012, "PASS x");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps, 2);
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 2);
    CHECK(data_is(&x, DIR_TOSERVER, "USER alice\r\nPASS x"));
    CHECK_EQ_INT(stream_engine_stats(x.e)->old_unchecked, 0);
    /* a keep-alive probe: one garbage byte just before the next one */
    fx_seg(&x, DIR_TOSERVER, 1017, "\x01");
    CHECK_EQ_INT(stream_engine_stats(x.e)->retransmissions, 3);
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 2);
    /* ...but one byte further back is compared */
    fx_seg(&x, DIR_TOSERVER, 1016, "\x01");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 3);
    fx_free(&x);
}

/* Deliveries that wrap around the window's ring, and sequence numbers
 * that wrap around 2^32, compare byte for byte. */
static void test_window_ring_and_wrap(void)
{
    struct fixture x;
    fx_init_window(&x, 8);
    uint32_t s0 = 0xfffffffau;
    stream_start(&x.s, DIR_TOCLIENT, s0);
    fx_seg(&x, DIR_TOCLIENT, s0, "abcde");      /* ring 0..4 */
    fx_seg(&x, DIR_TOCLIENT, s0 + 5, "fghijk"); /* wraps the ring and the space */
    CHECK(data_is(&x, DIR_TOCLIENT, "abcdefghijk"));
    /* the window holds the last 8 bytes: "defghijk" */
    fx_seg(&x, DIR_TOCLIENT, s0 + 3, "defghijk");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 0);
    CHECK_EQ_INT(stream_engine_stats(x.e)->old_unchecked, 0);
    fx_seg(&x, DIR_TOCLIENT, s0 + 6, "gXi"); /* across the ring's end */
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 1);
    fx_seg(&x, DIR_TOCLIENT, s0 + 9, "jQ"); /* the last byte, other */
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 2);
    /* older than the window: what is kept is compared, the rest is not */
    fx_seg(&x, DIR_TOCLIENT, s0 + 1, "bcdefg");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 2);
    CHECK_EQ_INT(stream_engine_stats(x.e)->old_unchecked, 1);
    fx_seg(&x, DIR_TOCLIENT, s0 + 1, "ZZdefg");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 2); /* ZZ is too old to tell */
    fx_seg(&x, DIR_TOCLIENT, s0 + 1, "bcdeZg");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 3);
    /* a delivery longer than the window keeps its tail */
    fx_seg(&x, DIR_TOCLIENT, s0 + 11, "0123456789");
    fx_seg(&x, DIR_TOCLIENT, s0 + 13, "23456789");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 3);
    fx_seg(&x, DIR_TOCLIENT, s0 + 13, "2345678X");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 4);
    CHECK(data_is(&x, DIR_TOCLIENT, "abcdefghijk0123456789"));
    fx_free(&x);
}

/* After a gap the window no longer holds the bytes before next_seq;
 * without a window nothing is compared. Both are counted as unchecked. */
static void test_window_gap_and_none(void)
{
    struct fixture x;
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOSERVER, 0);
    fx_seg(&x, DIR_TOSERVER, 0, "abcd");
    fx_seg(&x, DIR_TOSERVER, 8, "ijkl");
    fx_ack(&x, DIR_TOSERVER, 12); /* 4..7 lost: a gap, then ijkl */
    CHECK_EQ_INT(x.k.gap_bytes[DIR_TOSERVER], 4);
    fx_seg(&x, DIR_TOSERVER, 8, "iXkl"); /* after the gap: compared */
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 1);
    fx_seg(&x, DIR_TOSERVER, 0, "aXcd"); /* before the gap: cannot tell */
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 1);
    CHECK_EQ_INT(stream_engine_stats(x.e)->old_unchecked, 1);
    fx_free(&x);

    fx_init_window(&x, 0);
    stream_start(&x.s, DIR_TOSERVER, 0);
    fx_seg(&x, DIR_TOSERVER, 0, "abcd");
    fx_seg(&x, DIR_TOSERVER, 0, "abXd");
    CHECK_EQ_INT(stream_engine_stats(x.e)->overlaps_differing, 0);
    CHECK_EQ_INT(stream_engine_stats(x.e)->old_unchecked, 1);
    CHECK_EQ_INT(stream_engine_stats(x.e)->memory, 0);
    fx_free(&x);
}

/* The window counts against the worker's cap: at the cap a direction
 * goes without one (counted), delivery goes on. */
static void test_window_cap(void)
{
    struct stream_limits sl;
    stream_limits_default(&sl);
    sl.window = 64;
    sl.memcap = 100;
    struct fixture x;
    fx_init_with(&x, &sl);
    stream_start(&x.s, DIR_TOSERVER, 0);
    stream_start(&x.s, DIR_TOCLIENT, 0);
    fx_seg(&x, DIR_TOSERVER, 0, "request");
    CHECK_EQ_INT(stream_engine_stats(x.e)->memory, 64);
    fx_seg(&x, DIR_TOCLIENT, 0, "response"); /* 128 > 100 */
    fx_seg(&x, DIR_TOCLIENT, 8, "+more");
    CHECK(data_is(&x, DIR_TOCLIENT, "response+more"));
    CHECK_EQ_INT(stream_engine_stats(x.e)->window_drops, 1);
    CHECK_EQ_INT(stream_engine_stats(x.e)->memory, 64);
    CHECK(flow_table_stats(x.ft)->scratch >= 64); /* malloc's chunk of 64 bytes */
    fx_seg(&x, DIR_TOCLIENT, 0, "rXsponse");
    CHECK_EQ_INT(stream_engine_stats(x.e)->old_unchecked, 1);
    stream_release(x.e, &x.s);
    CHECK_EQ_INT(flow_table_stats(x.ft)->scratch, 0);
    fx_free(&x);
}

/* Windows of released streams are kept for the next ones (at most 1024),
 * counted in memory all along and charged to the flow table only while a
 * stream has them; held segments at the cap push them out. */
static void test_window_reuse(void)
{
    struct fixture x;
    fx_init(&x, 0);
    const struct stream_stats *st = stream_engine_stats(x.e);
    enum { N = 1030 };
    struct stream *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        stream_start(&s[i], DIR_TOSERVER, 0);
        stream_segment(x.e, &s[i], DIR_TOSERVER, 0, (const uint8_t *)"abc", 3, sink_fn, &x.k);
    }
    CHECK_EQ_INT(st->memory, N * 2048);
    for (int i = 0; i < N; i++)
        stream_release(x.e, &s[i]);
    CHECK_EQ_INT(st->window_spare, 1024 * 2048);
    CHECK_EQ_INT(st->memory, 1024 * 2048);
    CHECK_EQ_INT(flow_table_stats(x.ft)->scratch, 0);
    /* a new stream takes a spare one: no new memory, charged again */
    memset(&s[0], 0, sizeof s[0]);
    stream_start(&s[0], DIR_TOSERVER, 0);
    stream_segment(x.e, &s[0], DIR_TOSERVER, 0, (const uint8_t *)"xyz", 3, sink_fn, &x.k);
    stream_segment(x.e, &s[0], DIR_TOSERVER, 0, (const uint8_t *)"xYz", 3, sink_fn, &x.k);
    CHECK_EQ_INT(st->overlaps_differing, 1); /* what it holds is the new stream's */
    CHECK_EQ_INT(st->memory, 1024 * 2048);
    CHECK_EQ_INT(st->window_spare, 1023 * 2048);
    CHECK(flow_table_stats(x.ft)->scratch >= 2048);
    stream_release(x.e, &s[0]);
    free(s);
    fx_free(&x);

    /* spare windows give way to held segments at the worker's cap */
    struct stream_limits sl;
    stream_limits_default(&sl);
    sl.window = 1024;
    sl.memcap = 4096;
    fx_init_with(&x, &sl);
    struct stream t[3];
    memset(t, 0, sizeof t);
    for (int i = 0; i < 3; i++) {
        stream_start(&t[i], DIR_TOSERVER, 0);
        stream_segment(x.e, &t[i], DIR_TOSERVER, 0, (const uint8_t *)"abc", 3, sink_fn, &x.k);
    }
    for (int i = 0; i < 3; i++)
        stream_release(x.e, &t[i]);
    CHECK_EQ_INT(stream_engine_stats(x.e)->window_spare, 3 * 1024);
    static uint8_t big[2000];
    stream_start(&x.s, DIR_TOSERVER, 0);
    stream_segment(x.e, &x.s, DIR_TOSERVER, 10, big, sizeof big, sink_fn, &x.k); /* held */
    CHECK_EQ_INT(stream_engine_stats(x.e)->memcap_drops, 0);
    CHECK_EQ_INT(x.s.half[DIR_TOSERVER].held_bytes, sizeof big);
    CHECK(stream_engine_stats(x.e)->window_spare < 3 * 1024);
    CHECK(stream_engine_stats(x.e)->memory <= 4096);
    fx_free(&x);
}

/* The last segment lost: nothing follows it to be held. An acknowledgement
 * alone does not make a gap (a mirror may show it before the data); with
 * the sender past the hole too, it does, whichever comes first. */
static void test_lost_last_segment(void)
{
    struct fixture x;
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOSERVER, 100);
    fx_seg(&x, DIR_TOSERVER, 100, "0123");
    fx_ack(&x, DIR_TOSERVER, 110); /* acknowledges 104..109, not seen (yet) */
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 0);
    fx_seg(&x, DIR_TOSERVER, 104, "456789"); /* it was only late */
    CHECK(data_is(&x, DIR_TOSERVER, "0123456789"));
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 0);
    fx_ack(&x, DIR_TOSERVER, 120); /* 110..119 acknowledged, never seen */
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 0);
    fx_sent(&x, DIR_TOSERVER, 120, false); /* the sender's bare ack: it is past them */
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 1);
    CHECK_EQ_INT(x.k.gap_bytes[DIR_TOSERVER], 10);
    CHECK_EQ_INT(x.s.half[DIR_TOSERVER].next_seq, 120);
    /* the other order: the sender first, then the acknowledgement, which
     * only covers part of the hole */
    fx_sent(&x, DIR_TOSERVER, 130, false);
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 1);
    fx_ack(&x, DIR_TOSERVER, 125);
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 2);
    CHECK_EQ_INT(x.k.gap_bytes[DIR_TOSERVER], 15);
    fx_seg(&x, DIR_TOSERVER, 125, "abcde"); /* the rest came late after all */
    CHECK(data_is(&x, DIR_TOSERVER, "0123456789abcde"));
    /* stale or absurd numbers change nothing */
    fx_sent(&x, DIR_TOSERVER, 90, false);
    fx_ack(&x, DIR_TOSERVER, 90);
    fx_sent(&x, DIR_TOSERVER, 130u + 0x50000000u, false);
    fx_ack(&x, DIR_TOSERVER, 130u + 0x50000000u);
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 2);
    CHECK_EQ_INT(stream_engine_stats(x.e)->gaps, 2);
    fx_free(&x);
}

/* A FIN past the hole: the stream ends there, so the hole is a gap at
 * once; data held before the FIN is delivered after it. */
static void test_fin_past_hole(void)
{
    struct fixture x;
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOCLIENT, 0);
    fx_seg(&x, DIR_TOCLIENT, 0, "HTTP/1.1 200 OK\r\n");
    fx_sent(&x, DIR_TOCLIENT, 40, true);
    CHECK_EQ_INT(x.k.gaps[DIR_TOCLIENT], 1);
    CHECK_EQ_INT(x.k.gap_bytes[DIR_TOCLIENT], 40 - 17);
    fx_free(&x);

    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOCLIENT, 0);
    fx_seg(&x, DIR_TOCLIENT, 0, "ab");
    fx_seg(&x, DIR_TOCLIENT, 4, "ef");   /* held */
    fx_sent(&x, DIR_TOCLIENT, 10, true); /* 2..3 and 6..9 lost */
    CHECK(data_is(&x, DIR_TOCLIENT, "abef"));
    CHECK_EQ_INT(x.k.gaps[DIR_TOCLIENT], 2);
    CHECK_EQ_INT(x.k.gap_bytes[DIR_TOCLIENT], 6);
    CHECK(x.s.half[DIR_TOCLIENT].held == NULL);
    /* the FIN takes a sequence number: its sender's next segments, and the
     * peer's acknowledgement of it, are one past the last byte */
    fx_sent(&x, DIR_TOCLIENT, 11, false);
    fx_ack(&x, DIR_TOCLIENT, 11);
    fx_sent(&x, DIR_TOCLIENT, 11, true);
    CHECK_EQ_INT(x.k.gaps[DIR_TOCLIENT], 2);
    CHECK_EQ_INT(x.s.half[DIR_TOCLIENT].next_seq, 10);
    fx_free(&x);

    /* a FIN at the next byte: nothing missing, and nothing after it */
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOCLIENT, 0);
    fx_seg(&x, DIR_TOCLIENT, 0, "bye");
    fx_sent(&x, DIR_TOCLIENT, 3, true);
    fx_sent(&x, DIR_TOCLIENT, 4, false);
    fx_ack(&x, DIR_TOCLIENT, 4);
    CHECK_EQ_INT(x.k.gaps[DIR_TOCLIENT], 0);
    CHECK(data_is(&x, DIR_TOCLIENT, "bye"));
    fx_free(&x);

    /* a FIN before the delivered bytes is not the end: the stream goes on */
    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOSERVER, 100);
    fx_seg(&x, DIR_TOSERVER, 100, "abcd");
    fx_sent(&x, DIR_TOSERVER, 50, true);
    fx_seg(&x, DIR_TOSERVER, 110, "kl"); /* held */
    fx_ack(&x, DIR_TOSERVER, 112);
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 1);
    CHECK(data_is(&x, DIR_TOSERVER, "abcdkl"));
    fx_free(&x);

    fx_init(&x, 0);
    stream_start(&x.s, DIR_TOCLIENT, 0);
    /* a direction that never started is left alone */
    fx_sent(&x, DIR_TOSERVER, 10, true);
    fx_ack(&x, DIR_TOSERVER, 10);
    CHECK_EQ_INT(x.k.gaps[DIR_TOSERVER], 0);
    CHECK(!x.s.half[DIR_TOSERVER].started);
    fx_free(&x);
}

/* For the sweep: checks each delivered byte against the first byte shown
 * at its stream offset (bytes and gaps so far). */
struct sweep_sink {
    const int *first; /* per offset: the first byte seen there, or -1 */
    size_t pos;
    size_t bytes;
    int mismatches;
};

static void sweep_fn(void *ctx, enum flow_dir dir, const uint8_t *p, size_t len)
{
    struct sweep_sink *k = ctx;
    (void)dir;
    if (p) {
        for (size_t i = 0; i < len; i++) {
            if (k->pos + i >= 256 || k->first[k->pos + i] != p[i])
                k->mismatches++;
        }
        k->bytes += len;
    }
    k->pos += len;
}

/* Truncation sweep: a conversation with reordering, overlaps,
 * retransmissions of other bytes, acknowledgements and FINs, replayed
 * with every segment cut to its first n bytes for every n. Whatever the
 * cut, delivery never repeats or invents bytes (each delivered byte is
 * the first one shown at its offset: first data wins), the FIN accounts
 * for every byte before it, and every byte held is freed. */
static void test_truncation_sweep(void)
{
    static const char text[] = "MSH|^~\\&|RIS|HOSP|PACS|HOSP|20260115||ORM^O01|7|P|2.5\r"
                               "PID|1||ID^^^H||NAME^GIVEN\r"
                               "OBR|1|123||CT^CHEST|||20260115\rPV1|1|O|RAD\r";
    const uint32_t base = 0xffffffc0u; /* wraps inside the message */
    struct step {
        uint32_t off, len;
        int kind; /* 0 segment, 1 ack, 2 bare segment (sent), 3 fin, 4 other bytes */
    } steps[] = {
        {0, 20, 0},  {40, 20, 0}, {20, 25, 0}, {10, 15, 4}, {60, 30, 0}, {90, 0, 1},
        {100, 0, 2}, {110, 0, 1}, {95, 10, 0}, {100, 0, 0}, {70, 8, 4},  {120, 0, 3},
    };
    size_t total = sizeof text - 1;
    CHECK(total >= 120);
    for (uint32_t cut = 0; cut <= 30; cut++) {
        struct fixture x;
        fx_init_window(&x, 16);
        int first[256];
        for (size_t i = 0; i < 256; i++)
            first[i] = -1;
        struct sweep_sink k = {.first = first};
        stream_start(&x.s, DIR_TOSERVER, base);
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
            const struct step *st = &steps[i];
            uint32_t n = st->len < cut ? st->len : cut;
            if (st->off + n > total)
                n = st->off < total ? (uint32_t)total - st->off : 0;
            char other[64];
            memset(other, '#', sizeof other);
            switch (st->kind) {
            case 0:
            case 4:
                for (uint32_t j = 0; j < n; j++) {
                    if (first[st->off + j] < 0)
                        first[st->off + j] = st->kind == 0 ? (uint8_t)text[st->off + j] : '#';
                }
                stream_segment(x.e, &x.s, DIR_TOSERVER, base + st->off,
                               st->kind == 0 ? (const uint8_t *)text + st->off
                                             : (const uint8_t *)other,
                               n, sweep_fn, &k);
                break;
            case 1:
                stream_ack(x.e, &x.s, DIR_TOSERVER, base + st->off, sweep_fn, &k);
                break;
            default:
                stream_sent(x.e, &x.s, DIR_TOSERVER, base + st->off, st->kind == 3, sweep_fn, &k);
                break;
            }
        }
        stream_flush(x.e, &x.s, sweep_fn, &k);
        CHECK(x.s.half[DIR_TOSERVER].held == NULL);
        CHECK_EQ_INT(k.mismatches, 0);
        CHECK(k.pos <= 120);
        /* the FIN at 120 leaves nothing unaccounted for */
        CHECK_EQ_INT(k.pos, 120);
        CHECK_EQ_INT(x.s.half[DIR_TOSERVER].next_seq, base + 120);
        if (cut >= 30)
            CHECK_EQ_INT(k.bytes, 90 + 5); /* 0..89, 100..104; 90..99 and 105..119 lost */
        fx_free(&x);
    }
}

TEST_MAIN(TEST(test_in_order), TEST(test_out_of_order), TEST(test_retransmission_and_overlap),
          TEST(test_wraparound), TEST(test_midstream), TEST(test_gap_by_ack), TEST(test_flush),
          TEST(test_caps), TEST(test_differing_retransmission_of_delivered),
          TEST(test_window_ring_and_wrap), TEST(test_window_gap_and_none), TEST(test_window_cap),
          TEST(test_window_reuse), TEST(test_lost_last_segment), TEST(test_fin_past_hole),
          TEST(test_truncation_sweep))
