#include "replay.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "classify/classify.h"
#include "decode/decode.h"
#include "detect/event_flow.h"
#include "detect/event_proto.h"
#include "flow/flow_table.h"
#include "proto/proto.h"

struct replay {
    struct decoder *dec;
    struct flow_table *ft;
    struct classifier *cls;
    struct proto_engine *proto;
    struct detect *d;
    struct replay_stats *st;
    uint64_t next_tick;
};

static void replay_flow_end(void *ctx, struct flow *f)
{
    struct replay *r = ctx;
    struct event_flow ef;
    classify_flow_end(r->cls, f);
    if (r->proto)
        proto_flow_end(r->proto, f);
    event_flow_init(&ef, f, r->cls);
    detect_event(r->d, &ef.ev);
    r->st->flows++;
    classify_flow_release(r->cls, f);
}

static void replay_proto_event(void *ctx, const struct flow *f, const struct proto_parser *ps,
                               unsigned kind, const void *event)
{
    struct replay *r = ctx;
    struct event_proto ep;
    if (!event_proto_init(&ep, f, ps, kind, event))
        return;
    r->st->proto_events++;
    detect_event(r->d, &ep.ev);
}

/* One frame through the stages, as the worker does (worker.c). */
static void replay_packet(struct replay *r, int link, const struct pcap_pkthdr *h,
                          const u_char *bytes)
{
    uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    struct packet p;
    enum flow_dir dir;
    r->st->packets++;
    if (ts >= r->next_tick) {
        flow_table_expire(r->ft, ts);
        decoder_expire(r->dec, ts);
        detect_tick(r->d, ts);
        r->next_tick = ts + 1000000;
    }
    if (decode_packet(r->dec, link, bytes, h->caplen, h->len, ts, &p) != DECODE_OK)
        return;
    struct flow *f = flow_table_update(r->ft, &p, &dir);
    if (!f)
        return;
    classify_packet(r->cls, f, &p);
    proto_packet(r->proto, f, &p, dir);
}

int replay_pcap(const char *path, struct detect *d, struct replay_stats *st)
{
    char err[PCAP_ERRBUF_SIZE];
    struct replay r = {.d = d, .st = st};
    int rc = -1;
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc) {
        fprintf(stderr, "%s: %s\n", path, err);
        return -1;
    }
    struct decode_limits dl;
    struct flow_limits fl;
    struct classify_limits cl;
    decode_limits_default(&dl);
    flow_limits_default(&fl);
    classify_limits_default(&cl);
    r.dec = decoder_new(&dl);
    r.ft = r.dec ? flow_table_new(&fl, 0, replay_flow_end, &r) : NULL;
    r.cls = r.ft ? classifier_new(&cl, r.ft) : NULL;
    r.proto = r.cls ? proto_engine_new(r.ft, r.cls, NULL) : NULL;
    if (!r.proto) {
        fprintf(stderr, "%s: cannot set up the pipeline\n", path);
        goto out;
    }
    proto_engine_set_event_sink(r.proto, replay_proto_event, &r);
    int link = pcap_datalink(pc);
    struct pcap_pkthdr *h;
    const u_char *bytes;
    int n;
    while ((n = pcap_next_ex(pc, &h, &bytes)) == 1)
        replay_packet(&r, link, h, bytes);
    if (n == -1) {
        fprintf(stderr, "%s: %s\n", path, pcap_geterr(pc));
        goto out;
    }
    rc = 0;
out:
    if (r.ft && r.cls)
        flow_table_flush(r.ft, FLOW_END_SHUTDOWN);
    proto_engine_free(r.proto);
    classifier_free(r.cls);
    flow_table_free(r.ft);
    decoder_free(r.dec);
    pcap_close(pc);
    return rc;
}
