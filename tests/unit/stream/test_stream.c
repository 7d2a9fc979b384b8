/*
 * TCP reassembly: in-order and out-of-order delivery, retransmissions,
 * overlaps (first data wins, differing ones counted), sequence
 * wraparound, gaps from acknowledgements and at the end, caps.
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

static void fx_init(struct fixture *x, size_t flow_cap)
{
    memset(x, 0, sizeof *x);
    struct flow_limits fl;
    flow_limits_default(&fl);
    x->ft = flow_table_new(&fl, 0, NULL, NULL);
    struct stream_limits sl;
    stream_limits_default(&sl);
    if (flow_cap)
        sl.flow_held_max = flow_cap;
    x->e = stream_engine_new(&sl, x->ft);
}

static void fx_seg(struct fixture *x, enum flow_dir d, uint32_t seq, const char *s)
{
    stream_segment(x->e, &x->s, d, seq, (const uint8_t *)s, strlen(s), sink_fn, &x->k);
}

static void fx_free(struct fixture *x)
{
    stream_release(x->e, &x->s);
    CHECK_EQ_INT(stream_engine_stats(x->e)->memory, 0);
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
    CHECK_EQ_INT(stream_engine_stats(x.e)->memory, 0);
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
    CHECK_EQ_INT(stream_engine_stats(x.e)->memory, 0);
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

TEST_MAIN(TEST(test_in_order), TEST(test_out_of_order), TEST(test_retransmission_and_overlap),
          TEST(test_wraparound), TEST(test_midstream), TEST(test_gap_by_ack), TEST(test_flush),
          TEST(test_caps))
