/*
 * pathloop: mamori's packet path cut short, for tools/bench. Reads a
 * capture with libpcap, as pcaploop does, and runs the sensor's own
 * stages on every packet up to STAGE, writing nothing:
 *
 *   decode    decode_packet()
 *   flow      + the flow table (timeouts checked once a second of capture
 *             time, as the worker does)
 *   parse     + mamori's parsers and stream reassembly (proto_packet(),
 *             events but no records)
 *   classify  + nDPI, fed exactly as the worker feeds it (classify_packet()
 *             before proto_packet(), so a parser's claim stops it the same way)
 *
 * The difference between two stages is what the later one costs, so
 * tools/bench can say where mamori's time goes next to the floor.
 *
 *   pathloop STAGE FILE    prints "PACKETS packets FLOWS flows NDPI ndpi_packets"
 *
 * Prints figures; asserts nothing.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "classify/classify.h"
#include "decode/decode.h"
#include "flow/flow_table.h"
#include "proto/proto.h"

enum stage { STAGE_DECODE, STAGE_FLOW, STAGE_PARSE, STAGE_CLASSIFY };

static const char *const stage_names[] = {"decode", "flow", "parse", "classify"};

/* Timeouts are checked once per second of capture time, as in worker.c. */
#define PATHLOOP_EXPIRE_US 1000000u

struct pathloop {
    enum stage stage;
    int linktype;
    struct decoder *dec;
    struct flow_table *flows;
    struct classifier *cls;
    struct proto_engine *proto;
    uint64_t packets;
    uint64_t now_us;
    uint64_t next_expire_us;
};

static void pathloop_flow_end(void *ctx, struct flow *f)
{
    struct pathloop *l = ctx;
    if (l->cls)
        classify_flow_end(l->cls, f);
    if (l->proto)
        proto_flow_end(l->proto, f);
    if (l->cls)
        classify_flow_release(l->cls, f);
}

static void pathloop_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct pathloop *l = (struct pathloop *)user;
    uint64_t ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    struct packet p;

    l->packets++;
    if (ts_us > l->now_us)
        l->now_us = ts_us;
    if (l->flows && l->now_us >= l->next_expire_us) {
        flow_table_expire(l->flows, l->now_us);
        decoder_expire(l->dec, l->now_us);
        l->next_expire_us = l->now_us + PATHLOOP_EXPIRE_US;
    }
    if (decode_packet(l->dec, l->linktype, bytes, h->caplen, h->len, ts_us, &p) != DECODE_OK)
        return;
    if (!l->flows)
        return;
    enum flow_dir dir;
    struct flow *f = flow_table_update(l->flows, &p, &dir);
    if (!f)
        return;
    if (l->proto)
        proto_packet(l->proto, f, &p, dir);
    if (l->cls)
        classify_packet(l->cls, f, &p);
}

static int pathloop_setup(struct pathloop *l)
{
    struct decode_limits dl;
    struct flow_limits fl;
    struct classify_limits cl;
    struct stream_limits sl;

    decode_limits_default(&dl);
    if (!(l->dec = decoder_new(&dl)))
        return -1;
    if (l->stage < STAGE_FLOW)
        return 0;
    flow_limits_default(&fl);
    if (!(l->flows = flow_table_new(&fl, 0, pathloop_flow_end, l)))
        return -1;
    if (l->stage >= STAGE_CLASSIFY) {
        classify_limits_default(&cl);
        if (!(l->cls = classifier_new(&cl, l->flows)))
            return -1;
    }
    if (l->stage >= STAGE_PARSE) {
        stream_limits_default(&sl);
        l->proto = proto_engine_new(l->flows, l->cls, NULL);
        if (!l->proto || proto_engine_set_stream_limits(l->proto, &sl) < 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pathloop l = {0};
    size_t i;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: pathloop decode|flow|parse|classify FILE\n");
        return 1;
    }
    for (i = 0; i < sizeof stage_names / sizeof stage_names[0]; i++) {
        if (strcmp(argv[1], stage_names[i]) == 0)
            break;
    }
    if (i == sizeof stage_names / sizeof stage_names[0]) {
        fprintf(stderr, "pathloop: unknown stage %s\n", argv[1]);
        return 1;
    }
    l.stage = (enum stage)i;
    pcap_t *p = pcap_open_offline(argv[2], err);
    if (p == NULL) {
        fprintf(stderr, "pathloop: %s: %s\n", argv[2], err);
        return 1;
    }
    l.linktype = pcap_datalink(p);
    if (!decode_linktype_supported(l.linktype)) {
        fprintf(stderr, "pathloop: %s: link type %d is not supported\n", argv[2], l.linktype);
        pcap_close(p);
        return 1;
    }
    if (pathloop_setup(&l) < 0) {
        fprintf(stderr, "pathloop: out of memory\n");
        pcap_close(p);
        return 1;
    }
    do {
        rc = pcap_dispatch(p, -1, pathloop_packet, (u_char *)&l);
    } while (rc > 0);
    if (rc == PCAP_ERROR)
        fprintf(stderr, "pathloop: %s: %s after %" PRIu64 " packets\n", argv[2], pcap_geterr(p),
                l.packets);
    pcap_close(p);

    uint64_t flows = 0, ndpi = 0;
    if (l.flows) {
        flow_table_flush(l.flows, FLOW_END_SHUTDOWN);
        flows = flow_table_stats(l.flows)->created;
    }
    if (l.cls)
        ndpi = classifier_stats(l.cls)->packets;
    printf("%" PRIu64 " packets %" PRIu64 " flows %" PRIu64 " ndpi_packets\n", l.packets, flows,
           ndpi);
    proto_engine_free(l.proto);
    flow_table_free(l.flows); /* before the classifier: its flows may still hold nDPI state */
    classifier_free(l.cls);
    decoder_free(l.dec);
    return rc == PCAP_ERROR ? 2 : 0;
}
