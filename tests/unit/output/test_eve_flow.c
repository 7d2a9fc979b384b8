/*
 * Flow records of IP protocols mamori has no name for: "proto" is the
 * protocol number as a string, of one, two or three digits, and the
 * record is valid JSON up to its end.
 */
#include "output/eve_flow.h"

#include <pcap/pcap.h>

#include "../test.h"
#include "classify/classify.h"
#include "decode/decode.h"
#include "flow/flow_table.h"

struct protos {
    struct classifier *cls;
    struct json_buf rec;
    char seen[16][160];
    unsigned n;
};

static void protos_flow_end(void *ctx, struct flow *f)
{
    struct protos *r = ctx;
    classify_flow_end(r->cls, f);
    eve_flow_format(&r->rec, f, r->cls);
    CHECK(!r->rec.err);
    const char *p = r->rec.err ? NULL : strstr(r->rec.p, "\"proto\":");
    if (p && r->n < 16) {
        /* From "proto" to the end of app_proto: the part this test is about. */
        const char *e = strstr(p, ",\"flow\":");
        size_t n = e ? (size_t)(e - p) : 0;
        if (n >= sizeof r->seen[0])
            n = sizeof r->seen[0] - 1;
        memcpy(r->seen[r->n], p, n);
        r->seen[r->n][n] = '\0';
        r->n++;
    }
    CHECK(r->rec.len > 0 && r->rec.p[r->rec.len - 1] == '}' && strlen(r->rec.p) == r->rec.len);
    classify_flow_release(r->cls, f);
}

/* An Ethernet frame carrying an IPv4 packet of protocol proto and eight
 * bytes of payload, from 10.0.0.1 to 10.0.1.i. */
static size_t protos_frame(uint8_t *fr, uint8_t proto, uint8_t i)
{
    static const uint8_t eth[14] = {0,    0x11, 0x22, 0x33, 0x44, 0x55, 0,
                                    0x66, 0x77, 0x88, 0x99, 0xaa, 0x08, 0x00};
    memcpy(fr, eth, sizeof eth);
    uint8_t *ip = fr + 14;
    const uint8_t hdr[20] = {0x45, 0, 0, 28, 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 1, i};
    memcpy(ip, hdr, sizeof hdr);
    uint32_t sum = 0;
    for (int k = 0; k < 20; k += 2)
        sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (uint8_t)(~sum >> 8);
    ip[11] = (uint8_t)~sum;
    memset(ip + 20, 0, 8);
    return 14 + 28;
}

static void test_proto_numbers(void)
{
    static const uint8_t protos[] = {0, 9, 103, 115, 253, 255};
    static const char *const want[] = {
        "\"proto\":\"0\",\"app_proto\":\"unknown\"",
        "\"proto\":\"9\",\"app_proto\":\"unknown\"",
        "\"proto\":\"103\",\"app_proto\":\"unknown\"",
        "\"proto\":\"115\",\"app_proto\":\"unknown\"",
        "\"proto\":\"253\",\"app_proto\":\"unknown\"",
        "\"proto\":\"255\",\"app_proto\":\"unknown\"",
    };
    struct protos r;
    memset(&r, 0, sizeof r);
    json_init(&r.rec);
    struct decode_limits dl;
    struct flow_limits fl;
    struct classify_limits cl;
    decode_limits_default(&dl);
    flow_limits_default(&fl);
    classify_limits_default(&cl);
    struct decoder *d = decoder_new(&dl);
    struct flow_table *t = flow_table_new(&fl, 0, protos_flow_end, &r);
    r.cls = t ? classifier_new(&cl, t) : NULL;
    CHECK(d && t && r.cls);
    for (size_t i = 0; d && t && r.cls && i < sizeof protos; i++) {
        uint8_t fr[64];
        size_t n = protos_frame(fr, protos[i], (uint8_t)(i + 1));
        uint64_t ts = 1768467600000000ull + i * 1000000u;
        struct packet p;
        CHECK_EQ_INT(decode_packet(d, DLT_EN10MB, fr, (uint32_t)n, (uint32_t)n, ts, &p), DECODE_OK);
        enum flow_dir dir;
        struct flow *f = flow_table_update(t, &p, &dir);
        CHECK(f != NULL);
        if (f)
            classify_packet(r.cls, f, &p);
    }
    if (t)
        flow_table_flush(t, FLOW_END_SHUTDOWN);
    /* Flushed in table order: look each one up. */
    CHECK_EQ_INT(r.n, sizeof protos);
    for (size_t i = 0; i < sizeof protos; i++) {
        bool found = false;
        for (unsigned k = 0; k < r.n; k++)
            found |= strcmp(r.seen[k], want[i]) == 0;
        if (!found)
            fprintf(stderr, "no record with %s\n", want[i]);
        CHECK(found);
    }
    classifier_free(r.cls);
    flow_table_free(t);
    decoder_free(d);
    json_free(&r.rec);
}

TEST_MAIN(TEST(test_proto_numbers))
