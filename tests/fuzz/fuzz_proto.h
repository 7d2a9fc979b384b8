/*
 * What the parser fuzz targets share: the input is a script of chunks,
 * each {control byte, length byte, bytes}, played into a proto_session:
 *
 *   control bit 0: direction (0 client to server, 1 back)
 *   control bits 1-2 both set: a gap of `length` bytes instead of data
 *   length: 0..255 bytes of data that follow (fewer at the input's end)
 *
 * so libFuzzer mutates the TCP segmentation, the directions and the holes
 * as well as the bytes. Every event is formatted to JSON, so the record
 * writers run on whatever state the parser reached.
 */
#ifndef MAMORI_TEST_FUZZ_PROTO_H
#define MAMORI_TEST_FUZZ_PROTO_H

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "output/json.h"
#include "proto/proto.h"

static void fuzz_proto_event(void *ctx, const struct flow *f, const struct proto_parser *ps,
                             unsigned kind, const void *event)
{
    struct json_buf *b = ctx;
    json_reset(b);
    json_open_object(b, NULL);
    proto_record_header(b, f, ps->name, 0);
    if (kind < 32 && (ps->logged_kinds & (1u << kind)))
        ps->format(b, kind, event);
    json_close_object(b);
    if (!b->err && (b->len == 0 || b->p[0] != '{'))
        abort();
}

static void fuzz_proto_run(const struct proto_parser *ps, const uint8_t *data, size_t size)
{
    struct json_buf b;
    json_init(&b);
    struct proto_session *s = proto_session_new(ps, fuzz_proto_event, &b);
    if (!s)
        abort();
    uint64_t ts = 1700000000000000ull;
    while (size >= 2) {
        uint8_t ctl = data[0];
        size_t n = data[1];
        data += 2;
        size -= 2;
        enum flow_dir dir = (ctl & 1) ? DIR_TOCLIENT : DIR_TOSERVER;
        ts += 1000;
        if ((ctl & 6) == 6) {
            proto_session_gap(s, dir, ts, n);
            continue;
        }
        if (n > size)
            n = size;
        /* each chunk in an allocation of its own size: ASan sees an over-read */
        uint8_t *copy = malloc(n ? n : 1);
        if (!copy)
            abort();
        memcpy(copy, data, n);
        proto_session_feed(s, dir, ts, copy, n);
        free(copy);
        data += n;
        size -= n;
    }
    proto_session_free(s);
    json_free(&b);
}

/* Builds a seed script from whole messages: each {dir, bytes} cut into
 * chunks of at most `cut` bytes. Returns the length written into out. */
struct fuzz_proto_msg {
    uint8_t dir;
    const uint8_t *p;
    size_t len;
};

static size_t fuzz_proto_script(uint8_t *out, size_t cap, const struct fuzz_proto_msg *m, size_t n,
                                size_t cut)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < m[i].len;) {
            size_t c = m[i].len - k < cut ? m[i].len - k : cut;
            if (o + 2 + c > cap)
                return o;
            out[o++] = m[i].dir;
            out[o++] = (uint8_t)c;
            memcpy(out + o, m[i].p + k, c);
            o += c;
            k += c;
        }
    }
    return o;
}

#endif
