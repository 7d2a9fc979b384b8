/*
 * Fuzz target for TCP reassembly (stream/) and the protocol engine
 * (proto/proto.c) on packets: probing, claiming, out-of-order holding,
 * overlaps, acknowledgement-driven gaps, caps and flow end, with the
 * parsers behind them. A small per-flow cap makes the caps bite.
 *
 * Input: byte 0 picks the server port (DICOM, HL7, FHIR or another), then
 * records {control(1), sequence offset(2, big-endian, signed), length(1),
 * bytes}: control bit 0 is the direction, bit 1 SYN, bit 2 ACK (acknowledging
 * the other direction's highest byte sent, less the offset's low byte),
 * bit 3 FIN, bit 4 RST. Each direction's sequence numbers start near the
 * top of the space, so they wrap.
 */
#include <stdlib.h>
#include <string.h>

#include "../unit/proto/samples.h"
#include "flow/flow_table.h"
#include "fuzz.h"
#include "proto/proto.h"

struct fuzz_ctx {
    struct proto_engine *pe;
};

static void fuzz_flow_end(void *ctx, struct flow *f)
{
    struct fuzz_ctx *c = ctx;
    proto_flow_end(c->pe, f);
    if (f->proto)
        abort(); /* every per-flow state must be gone */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t ports[4] = {104, 2575, 8080, 443};
    if (size < 1)
        return 0;
    struct fuzz_ctx ctx = {0};
    struct flow_limits lim;
    flow_limits_default(&lim);
    struct flow_table *ft = flow_table_new(&lim, 0, fuzz_flow_end, &ctx);
    if (!ft)
        abort();
    ctx.pe = proto_engine_new(ft, NULL, NULL);
    if (!ctx.pe)
        abort();
    uint16_t sport = ports[data[0] & 3];
    data++;
    size--;

    uint32_t next[2] = {0xfffff000u, 0xffffff00u}; /* highest byte sent + 1, per direction */
    uint64_t ts = 1700000000000000ull;
    while (size >= 4) {
        uint8_t ctl = data[0];
        int16_t off = (int16_t)((uint16_t)data[1] << 8 | data[2]);
        size_t n = data[3];
        data += 4;
        size -= 4;
        if (n > size)
            n = size;
        int d = ctl & 1;
        struct packet p;
        memset(&p, 0, sizeof p);
        p.ts_us = ts += 1000;
        p.ip_version = 4;
        p.l4proto = 6;
        p.src_ip[0] = 10;
        p.src_ip[3] = (uint8_t)(d ? 2 : 1);
        p.dst_ip[0] = 10;
        p.dst_ip[3] = (uint8_t)(d ? 1 : 2);
        p.sport = d ? sport : 40000;
        p.dport = d ? 40000 : sport;
        p.tcp_flags = (uint8_t)(((ctl & 2) ? 0x02 : 0) | ((ctl & 4) ? 0x10 : 0) |
                                ((ctl & 8) ? 0x01 : 0) | ((ctl & 16) ? 0x04 : 0));
        p.tcp_seq = next[d] + (uint32_t)(int32_t)off;
        p.tcp_ack = next[!d] - (uint32_t)(data[-3]);
        uint8_t *copy = malloc(n ? n : 1);
        if (!copy)
            abort();
        memcpy(copy, data, n);
        p.payload = copy;
        p.payload_len = n;
        p.wirelen = p.caplen = n + 40;
        enum flow_dir dir;
        struct flow *f = flow_table_update(ft, &p, &dir);
        if (f)
            proto_packet(ctx.pe, f, &p, dir);
        free(copy);
        if (off >= 0 && (uint32_t)off + n > 0)
            next[d] += (uint32_t)off + (uint32_t)n;
        data += n;
        size -= n;
    }
    flow_table_flush(ft, FLOW_END_SHUTDOWN);
    if (flow_table_stats(ft)->memory > flow_table_stats(ft)->memory_peak)
        abort();
    const struct stream_stats *st = proto_engine_stream_stats(ctx.pe);
    if (st->memory != st->window_spare || st->window_spare > 1024 * 2048)
        abort(); /* held segments or windows leaked past the flows' end */
    proto_engine_free(ctx.pe);
    flow_table_free(ft);
    return 0;
}

static uint8_t seed_buf[3][4096];
static struct fuzz_seed seeds[3];

/* A clean exchange as records, in order, with the given server port. */
static size_t seed_exchange(uint8_t *out, size_t cap, uint8_t port_sel, const uint8_t *const *msg,
                            const size_t *len, const uint8_t *dirs, size_t n, int reorder)
{
    size_t o = 0;
    out[o++] = port_sel;
    for (size_t i = 0; i < n; i++) {
        size_t first = len[i] > 40 && reorder ? 40 : len[i];
        /* with reorder: the tail first (offset 40), then the head (offset -(tail)) */
        if (first < len[i]) {
            size_t tail = len[i] - first;
            if (o + 4 + tail + 4 + first > cap)
                break;
            out[o++] = (uint8_t)(dirs[i] | 4);
            out[o++] = 0;
            out[o++] = (uint8_t)first;
            out[o++] = (uint8_t)tail;
            memcpy(out + o, msg[i] + first, tail);
            o += tail;
            int16_t back = (int16_t) - (int)(first + tail);
            out[o++] = (uint8_t)(dirs[i] | 4);
            out[o++] = (uint8_t)((uint16_t)back >> 8);
            out[o++] = (uint8_t)back;
            out[o++] = (uint8_t)first;
            memcpy(out + o, msg[i], first);
            o += first;
            continue;
        }
        if (o + 4 + len[i] > cap)
            break;
        out[o++] = (uint8_t)(dirs[i] | 4);
        out[o++] = 0;
        out[o++] = 0;
        out[o++] = (uint8_t)len[i];
        memcpy(out + o, msg[i], len[i]);
        o += len[i];
    }
    return o;
}

size_t fuzz_seeds(const struct fuzz_seed **out)
{
    uint8_t rq[1024], ac[1024], rel[32];
    struct sample_buf b = {rq, 0, sizeof rq};
    sample_dicom_assoc(&b, 1, "ECHOSCU", "ANY-SCP");
    size_t rq_len = b.len > 255 ? 255 : b.len;
    b = (struct sample_buf){ac, 0, sizeof ac};
    sample_dicom_assoc(&b, 0, "ECHOSCU", "ANY-SCP");
    size_t ac_len = b.len > 255 ? 255 : b.len;
    b = (struct sample_buf){rel, 0, sizeof rel};
    sample_dicom_simple(&b, 0x05, 0, 0);

    const uint8_t *dm[] = {rq, ac, rel};
    size_t dl[] = {rq_len, ac_len, b.len};
    uint8_t dd[] = {0, 1, 0};
    seeds[0].data = seed_buf[0];
    seeds[0].len = seed_exchange(seed_buf[0], sizeof seed_buf[0], 0, dm, dl, dd, 3, 1);

    const uint8_t *hm[] = {(const uint8_t *)sample_hl7_ack, (const uint8_t *)sample_hl7_ack};
    size_t hl[] = {sizeof sample_hl7_ack - 1, sizeof sample_hl7_ack - 1};
    uint8_t hd[] = {0, 1};
    seeds[1].data = seed_buf[1];
    seeds[1].len = seed_exchange(seed_buf[1], sizeof seed_buf[1], 1, hm, hl, hd, 2, 1);

    const uint8_t *fm[] = {(const uint8_t *)sample_fhir_post_rsp, (const uint8_t *)sample_fhir_get};
    size_t fl[] = {sizeof sample_fhir_post_rsp - 1, sizeof sample_fhir_get - 1};
    uint8_t fd[] = {1, 0};
    seeds[2].data = seed_buf[2];
    seeds[2].len = seed_exchange(seed_buf[2], sizeof seed_buf[2], 2, fm, fl, fd, 2, 0);
    *out = seeds;
    return 3;
}
