#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset/asset_collect.h"
#include "detect/alert_eve.h"
#include "detect/event_flow.h"
#include "detect/event_proto.h"
#include "detect/rule_eval.h"
#include "output/eve_flow.h"
#include "output/eve_stats.h"
#include "proto/proto.h"

/* Rules one event may match; more are counted by the matcher
 * (truncated), not handed over: a rule set where one event matches more
 * is a rule set to fix. */
#define WORKER_MAX_CANDIDATES 64

/* Timeouts are checked once per second of capture time. */
#define WORKER_EXPIRE_INTERVAL_US 1000000u

struct worker {
    struct worker_config cfg;
    struct decoder *dec;
    struct flow_table *flows;
    struct classifier *cls;
    struct proto_engine *proto;
    struct eve_file *eve; /* borrowed */
    struct json_buf rec;
    struct eve_flow_marks rec_marks; /* of rec, when it holds a flow record */
    struct worker_stats st;
    /* Detection, only with rules: the shared set (a reference) and this
     * worker's matcher. */
    struct ruleset *rules;
    struct ruleset *pending; /* reload: the next set, until the correlator knows it */
    struct rule_matcher *matcher;
    struct json_buf alert;
    struct alert_eve_cache *acache; /* of w->rules' alert objects; NULL: none */
    struct worker_detect_stats dst;
    uint64_t next_alert; /* alert_id counter */
    struct rule_candidate cand[WORKER_MAX_CANDIDATES];
    uint64_t now_us; /* latest capture time seen */
    uint64_t next_expire_us;
    /* The asset inventory's evidence (cfg.assets): built here, copied
     * into the ring. */
    struct asset_evidence_buf *asset;
};

void worker_config_default(struct worker_config *cfg)
{
    cfg->index = 0;
    cfg->external_clock = false;
    decode_limits_default(&cfg->decode);
    flow_limits_default(&cfg->flow);
    classify_limits_default(&cfg->classify);
    stream_limits_default(&cfg->stream);
    cfg->rules = NULL;
    cfg->assets = false;
}

static void worker_emit(struct worker *w)
{
    if (eve_file_write(w->eve, &w->rec) == 0)
        w->st.records++;
    else
        w->st.output_errors++;
}

/* Switches to the pending set once the correlator has been handed a
 * reference to it through the worker's ring, ordered after every match of
 * the old set. The correlator holds its own reference to the old set
 * until it has decided that set's last match, so the worker drops its own
 * now. */
static void worker_switch_rules(struct worker *w)
{
    if (eve_file_write_rules(w->eve, ruleset_ref(w->pending)) < 0) {
        ruleset_unref(w->pending); /* the correlator's reference, not taken */
        return;
    }
    ruleset_unref(w->rules);
    w->rules = w->pending;
    w->pending = NULL;
    alert_eve_cache_reset(w->acache);
}

/* The stateless half of detection: the event only lives for this call, so
 * each candidate's alert record is formatted now and travels with it; the
 * correlator (output thread) decides whether it is written. An alert
 * that cannot be formatted or handed over counts as a hand-over drop.
 * src (may be NULL): the record just written for the event, whose parts
 * an alert copies. */
struct worker_alert_src {
    const struct json_buf *rec;
    const struct flow *f;
    const struct proto_record_marks *pm; /* NULL: a flow record (w->rec_marks) */
};

static void worker_detect(struct worker *w, const struct event *ev,
                          const struct worker_alert_src *src)
{
    if (w->pending)
        worker_switch_rules(w);
    const struct compiled_rules *cr = ruleset_rules(w->rules);
    w->dst.events++;
    size_t n = rule_match(w->matcher, cr, ev, w->cand, WORKER_MAX_CANDIDATES);
    w->dst.matches += n;
    for (size_t i = 0; i < n; i++) {
        const struct crule *r = &cr->rules[w->cand[i].rule];
        /* Unique per sensor: the worker index, then its counter. */
        uint64_t id = (uint64_t)w->cfg.index << ALERT_ID_SHIFT | ++w->next_alert;
        int rc = -EINVAL;
        if (src && !src->pm)
            rc = alert_eve_format_flow(&w->alert, w->acache, r, ev->ts_us, id, src->rec,
                                       &w->rec_marks);
        else if (src)
            rc = alert_eve_format_proto(&w->alert, w->acache, r, ev, src->f, id, src->rec, src->pm);
        if (rc < 0)
            alert_eve_format_cached(&w->alert, w->acache, r, ev, id);
        if (eve_file_write_match(w->eve, &w->cand[i], sizeof w->cand[i], &w->alert) < 0)
            w->dst.handover_drops++;
    }
}

static void worker_asset(struct worker *w)
{
    if (eve_file_write_asset(w->eve, w->asset->b, w->asset->len) < 0)
        w->st.asset_drops++;
    else
        w->st.asset_evidence++;
}

/* Proto engine event sink (set only with rules or assets): each dicom, hl7 and fhir
 * record as an event. */
static void worker_proto_event(void *ctx, const struct flow *f, const struct proto_parser *ps,
                               unsigned kind, const void *rec)
{
    struct worker *w = ctx;
    struct event_proto ep;
    if (w->asset && asset_collect_proto(w->asset, f, ps, kind, rec))
        worker_asset(w);
    if (w->rules && event_proto_init(&ep, f, ps, kind, rec)) {
        struct proto_record_marks pm;
        struct worker_alert_src src = {proto_engine_record(w->proto, &pm), f, &pm};
        worker_detect(w, &ep.ev, src.rec ? &src : NULL);
    }
}

/* Flow table callback: the flow has ended and is about to be freed. */
static void worker_flow_end(void *ctx, struct flow *f)
{
    struct worker *w = ctx;
    classify_flow_end(w->cls, f);
    if (w->proto)
        proto_flow_end(w->proto, f);
    eve_flow_format_marked(&w->rec, f, w->cls, &w->rec_marks);
    worker_emit(w);
    if (w->asset) {
        asset_collect_flow(w->asset, f, w->cls);
        worker_asset(w);
    }
    if (w->rules) {
        struct event_flow ef;
        event_flow_init(&ef, f, w->cls);
        struct worker_alert_src src = {&w->rec, f, NULL};
        worker_detect(w, &ef.ev, &src);
    }
    classify_flow_release(w->cls, f);
}

struct worker *worker_new(const struct worker_config *cfg, struct eve_file *eve)
{
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->cfg = *cfg;
    w->eve = eve;
    json_init(&w->rec);
    json_init(&w->alert);
    w->dec = decoder_new(&cfg->decode);
    if (!w->dec)
        goto fail;
    /* Flow ids: the worker index in the top bits keeps them unique per run
     * when several workers share one output. */
    w->flows = flow_table_new(&cfg->flow, (uint64_t)cfg->index << 48, worker_flow_end, w);
    if (!w->flows)
        goto fail;
    w->cls = classifier_new(&cfg->classify, w->flows);
    if (!w->cls)
        goto fail;
    w->proto = proto_engine_new(w->flows, w->cls, eve);
    if (!w->proto || proto_engine_set_stream_limits(w->proto, &cfg->stream) < 0)
        goto fail;
    if (cfg->rules) {
        w->matcher = rule_matcher_new();
        if (!w->matcher)
            goto fail;
        w->rules = ruleset_ref(cfg->rules);
        w->acache = alert_eve_cache_new(); /* without, alerts are formatted in full */
    }
    if (cfg->assets && !(w->asset = malloc(sizeof *w->asset)))
        goto fail;
    if (w->rules || w->asset)
        proto_engine_set_event_sink(w->proto, worker_proto_event, w);
    w->cfg.rules = NULL; /* w->rules is the worker's reference */
    return w;
fail:
    worker_free(w);
    return NULL;
}

void worker_flush(struct worker *w)
{
    flow_table_flush(w->flows, FLOW_END_SHUTDOWN);
}

void worker_free(struct worker *w)
{
    if (!w)
        return;
    if (w->flows && w->cls)
        flow_table_flush(w->flows, FLOW_END_SHUTDOWN);
    proto_engine_free(w->proto);
    classifier_free(w->cls);
    flow_table_free(w->flows);
    decoder_free(w->dec);
    rule_matcher_free(w->matcher);
    ruleset_unref(w->pending);
    ruleset_unref(w->rules);
    alert_eve_cache_free(w->acache);
    json_free(&w->alert);
    json_free(&w->rec);
    free(w->asset);
    free(w);
}

void worker_packet(void *ctx, int linktype, uint64_t ts_us, const uint8_t *data, size_t caplen,
                   size_t wirelen)
{
    struct worker *w = ctx;
    struct packet p;

    w->st.packets++;
    w->st.bytes += wirelen;
    if (ts_us > w->now_us)
        w->now_us = ts_us;
    if (w->now_us >= w->next_expire_us && !w->cfg.external_clock) {
        flow_table_expire(w->flows, w->now_us);
        decoder_expire(w->dec, w->now_us);
        w->next_expire_us = w->now_us + WORKER_EXPIRE_INTERVAL_US;
    }

    enum decode_result r = decode_packet(w->dec, linktype, data, caplen, wirelen, ts_us, &p);
    if (r != DECODE_OK) {
        if (r == DECODE_ERROR)
            w->st.invalid++;
        else
            w->st.not_flow++;
        return;
    }

    enum flow_dir dir;
    struct flow *f = flow_table_update(w->flows, &p, &dir);
    if (!f) {
        w->st.no_flow_memory++;
        return;
    }
    if (p.has_mac && !(f->mac_seen & (1u << dir))) {
        memcpy(f->mac[dir], p.src_mac, 6);
        f->mac_seen |= (uint8_t)(1u << dir);
    }
    proto_packet(w->proto, f, &p, dir);
    classify_packet(w->cls, f, &p);
    if (w->asset && asset_collect_packet(w->asset, &p))
        worker_asset(w);
    if (w->asset && asset_collect_http(w->asset, f, &p, dir))
        worker_asset(w);
}

void worker_tick(struct worker *w, uint64_t now_us)
{
    if (now_us > w->now_us)
        w->now_us = now_us;
    if (w->cfg.external_clock || w->now_us >= w->next_expire_us) {
        flow_table_expire(w->flows, w->now_us);
        decoder_expire(w->dec, w->now_us);
        w->next_expire_us = w->now_us + WORKER_EXPIRE_INTERVAL_US;
    }
}

void worker_snapshot(const struct worker *w, struct worker_snapshot *s)
{
    memset(s, 0, sizeof *s);
    s->worker = w->st;
    s->decode = *decoder_stats(w->dec);
    s->flow = *flow_table_stats(w->flows);
    s->classify = *classifier_stats(w->cls);
    s->stream = *proto_engine_stream_stats(w->proto);
    s->proto = *proto_engine_stats(w->proto);
    s->detect = w->dst;
}

_Static_assert(sizeof(struct worker_snapshot) % sizeof(uint64_t) == 0,
               "a worker snapshot is made of uint64_t counters");

void worker_snapshot_add(struct worker_snapshot *sum, const struct worker_snapshot *s)
{
    unsigned char *d = (unsigned char *)sum;
    const unsigned char *a = (const unsigned char *)s;
    for (size_t off = 0; off < sizeof *s; off += sizeof(uint64_t)) {
        uint64_t x, y;
        memcpy(&x, d + off, sizeof x);
        memcpy(&y, a + off, sizeof y);
        x += y;
        memcpy(d + off, &x, sizeof x);
    }
}

void worker_snapshot_format(struct json_buf *b, const struct worker_snapshot *s, uint64_t ts_us,
                            const struct worker_snapshot *per_worker, size_t n, bool detect)
{
    struct eve_stats_view v = {
        .ts_us = ts_us,
        .worker = &s->worker,
        .decode = &s->decode,
        .flow = &s->flow,
        .classify = &s->classify,
        .capture = &s->capture,
        .stream = &s->stream,
        .proto = &s->proto,
        .detect = detect ? &s->detect : NULL,
        .per_worker = per_worker,
        .nworkers = n,
    };
    eve_stats_format(b, &v);
}

void worker_write_stats(struct worker *w, uint64_t ts_us)
{
    struct worker_snapshot s;
    worker_snapshot(w, &s);
    worker_snapshot_format(&w->rec, &s, ts_us, NULL, 0, w->rules != NULL);
    worker_emit(w);
}

void worker_set_rules(struct worker *w, struct ruleset *rs)
{
    if (!w->rules) {
        ruleset_unref(rs);
        return;
    }
    ruleset_unref(w->pending); /* reloaded twice before an event: the newest wins */
    w->pending = rs;
}

const struct worker_stats *worker_stats(const struct worker *w)
{
    return &w->st;
}
