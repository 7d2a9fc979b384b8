/*
 * Parse rates of mamori's protocol parsers on in-memory streams: a DICOM
 * C-STORE association (images sent as P-DATA-TF PDUs of 16 KiB), an HL7
 * v2 exchange over MLLP (ADT messages and their ACKs) and FHIR REST
 * transactions. Each stream is cut into 1460-byte pieces, as TCP segments
 * would bring it, and fed through a proto_session: the engine's own
 * buffering around the parser, without packet decoding or reassembly.
 *
 *   protobench [-t SECONDS]    time each stream for about SECONDS (default 1)
 *
 * Prints figures; asserts nothing (tests assert).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/proto.h"
#include "proto/proto_dicom.h"
#include "proto/proto_fhir.h"
#include "proto/proto_hl7.h"
#include "samples.h"

#define SEGMENT 1460

struct bench_stream {
    uint8_t *p[2];
    size_t len[2];
    size_t cap[2];
    /* the order of the exchange: runs of one direction */
    size_t nruns;
    struct run {
        uint8_t dir;
        size_t off, len;
    } runs[4096];
};

static void stream_append(struct bench_stream *s, int dir, const uint8_t *p, size_t n)
{
    if (s->len[dir] + n > s->cap[dir]) {
        size_t cap = s->cap[dir] ? s->cap[dir] * 2 : 65536;
        while (cap < s->len[dir] + n)
            cap *= 2;
        uint8_t *np = realloc(s->p[dir], cap);
        if (!np) {
            perror("realloc");
            exit(1);
        }
        s->p[dir] = np;
        s->cap[dir] = cap;
    }
    memcpy(s->p[dir] + s->len[dir], p, n);
    if (s->nruns < sizeof s->runs / sizeof s->runs[0])
        s->runs[s->nruns++] = (struct run){(uint8_t)dir, s->len[dir], n};
    s->len[dir] += n;
}

static void stream_free(struct bench_stream *s)
{
    free(s->p[0]);
    free(s->p[1]);
}

/* An association storing `images` CT images of `image_bytes` each. */
static void build_dicom(struct bench_stream *s, unsigned images, size_t image_bytes)
{
    static uint8_t b[1 << 16];
    struct sample_buf sb = {b, 0, sizeof b};
    sample_dicom_assoc(&sb, 1, "CT_ROOM1", "PACS_MAIN");
    stream_append(s, 0, b, sb.len);
    sb.len = 0;
    sample_dicom_assoc(&sb, 0, "CT_ROOM1", "PACS_MAIN");
    stream_append(s, 1, b, sb.len);
    for (unsigned i = 0; i < images; i++) {
        sb.len = 0;
        sample_dicom_command(&sb, 1, 0x0001, (uint16_t)(i + 1), SAMPLE_CT, 0, 0, 0);
        stream_append(s, 0, b, sb.len);
        /* the data set in P-DATA-TF PDUs of 16 KiB: one PDV each */
        for (size_t done = 0; done < image_bytes;) {
            size_t n = image_bytes - done < 16384 - 12 ? image_bytes - done : 16384 - 12;
            sb.len = 0;
            sb_u8(&sb, 0x04);
            sb_u8(&sb, 0);
            sb_be32(&sb, (uint32_t)(n + 6));
            sb_be32(&sb, (uint32_t)(n + 2));
            sb_u8(&sb, 1);
            sb_u8(&sb, done + n == image_bytes ? 0x02 : 0x00);
            for (size_t k = 0; k < n; k++)
                sb_u8(&sb, (uint8_t)(k * 7));
            stream_append(s, 0, b, sb.len);
            done += n;
        }
        sb.len = 0;
        sample_dicom_command(&sb, 1, 0x8001, (uint16_t)(i + 1), SAMPLE_CT, 1, 0, 0);
        stream_append(s, 1, b, sb.len);
    }
    sb.len = 0;
    sample_dicom_simple(&sb, 0x05, 0, 0);
    stream_append(s, 0, b, sb.len);
    sb.len = 0;
    sample_dicom_simple(&sb, 0x06, 0, 0);
    stream_append(s, 1, b, sb.len);
}

static void build_hl7(struct bench_stream *s, unsigned messages)
{
    char m[1024];
    for (unsigned i = 0; i < messages; i++) {
        int n =
            snprintf(m, sizeof m,
                     "\x0bMSH|^~\\&|HIS|DEMO_HOSP|ENGINE|DEMO_HOSP|20260115090001||ADT^A01^ADT_A01|"
                     "M%08u|P|2.5.1\rEVN|A01|20260115090001\r"
                     "PID|1||DEMO000123^^^DEMO_HOSP^MR||DEMO^PATIENT||19700101|F|||1 EXAMPLE "
                     "STREET^^DEMOTOWN^^000-0000^JPN\rPV1|1|I|WARD3^301^1^DEMO_HOSP||||1001^DEMO^"
                     "DOCTOR\rOBX|1|NM|8867-4^Heart rate^LN||72|/min|||||F\r\x1c\r",
                     i);
        stream_append(s, 0, (const uint8_t *)m, (size_t)n);
        n = snprintf(m, sizeof m,
                     "\x0bMSH|^~\\&|ENGINE|DEMO_HOSP|HIS|DEMO_HOSP|20260115090001||ACK^A01^ACK|"
                     "A%08u|P|2.5.1\rMSA|AA|M%08u\r\x1c\r",
                     i, i);
        stream_append(s, 1, (const uint8_t *)m, (size_t)n);
    }
}

static void build_fhir(struct bench_stream *s, unsigned transactions)
{
    for (unsigned i = 0; i < transactions; i++) {
        stream_append(s, 0, (const uint8_t *)sample_fhir_get, strlen(sample_fhir_get));
        stream_append(s, 1, (const uint8_t *)sample_fhir_get_rsp, strlen(sample_fhir_get_rsp));
        stream_append(s, 0, (const uint8_t *)sample_fhir_post, strlen(sample_fhir_post));
        stream_append(s, 1, (const uint8_t *)sample_fhir_post_rsp, strlen(sample_fhir_post_rsp));
    }
}

static void count_event(void *ctx, const struct flow *f, const struct proto_parser *ps,
                        unsigned kind, const void *event)
{
    (void)f;
    (void)event;
    if (ps->logged_kinds & (1u << kind))
        (*(uint64_t *)ctx)++;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Feeds the whole exchange once; returns the records it made. */
static uint64_t play(const struct proto_parser *ps, const struct bench_stream *s)
{
    uint64_t records = 0;
    struct proto_session *ss = proto_session_new(ps, count_event, &records);
    if (!ss) {
        fprintf(stderr, "protobench: no session\n");
        exit(1);
    }
    for (size_t r = 0; r < s->nruns; r++) {
        const struct run *run = &s->runs[r];
        for (size_t off = 0; off < run->len; off += SEGMENT) {
            size_t n = run->len - off < SEGMENT ? run->len - off : SEGMENT;
            proto_session_feed(ss, (enum flow_dir)run->dir, 1, s->p[run->dir] + run->off + off, n);
        }
    }
    proto_session_free(ss);
    return records;
}

static void bench(const char *name, const struct proto_parser *ps, const struct bench_stream *s,
                  double seconds)
{
    size_t bytes = s->len[0] + s->len[1];
    size_t segments = 0;
    for (size_t r = 0; r < s->nruns; r++)
        segments += (s->runs[r].len + SEGMENT - 1) / SEGMENT;
    uint64_t records = 0, rounds = 0;
    double t0 = now(), t;
    do {
        records += play(ps, s);
        rounds++;
        t = now() - t0;
    } while (t < seconds);
    double mb = (double)bytes * (double)rounds / 1e6;
    printf("%-28s %9.1f MB/s %7.1f ns/segment %11.0f records/s\n", name, mb / t,
           t * 1e9 / ((double)segments * (double)rounds), (double)records / t);
}

int main(int argc, char **argv)
{
    double seconds = 1;
    if (argc == 3 && strcmp(argv[1], "-t") == 0) {
        seconds = strtod(argv[2], NULL);
    } else if (argc != 1) {
        fprintf(stderr, "usage: protobench [-t SECONDS]\n");
        return 2;
    }
    struct bench_stream d = {0}, h = {0}, f = {0};
    build_dicom(&d, 8, 512 * 1024);
    build_hl7(&h, 2000);
    build_fhir(&f, 1000);
    printf("parser rates on in-memory streams, %d-byte segments\n", SEGMENT);
    /* DICOM data sets are stepped over, never read: its rate is the cost
     * per segment more than per byte. */
    bench("dicom C-STORE (8 x 512 KiB)", &proto_dicom, &d, seconds);
    bench("hl7 ADT^A01 + ACK (MLLP)", &proto_hl7, &h, seconds);
    bench("fhir read + create (HTTP)", &proto_fhir, &f, seconds);
    stream_free(&d);
    stream_free(&h);
    stream_free(&f);
    return 0;
}
