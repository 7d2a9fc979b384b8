#include "output/eve_stats.h"

#include "worker.h"

void eve_stats_format(struct json_buf *b, const struct eve_stats_view *v)
{
    json_reset(b);
    json_open_object(b, NULL);
    json_time(b, "timestamp", v->ts_us);
    json_string(b, "event_type", "stats");
    json_open_object(b, "stats");

    json_open_object(b, "capture");
    json_uint(b, "packets", v->worker->packets);
    json_uint(b, "bytes", v->worker->bytes);
    json_uint(b, "not_flow", v->worker->not_flow);
    json_uint(b, "invalid", v->worker->invalid);
    if (v->capture) {
        json_uint(b, "received", v->capture->received);
        json_uint(b, "kernel_drops", v->capture->kernel_drops);
        json_uint(b, "if_drops", v->capture->if_drops);
    }
    json_close_object(b);

    json_open_object(b, "decoder");
    for (int i = 0; i < DECODE_LAYER_COUNT; i++)
        json_uint(b, decode_layer_name((enum decode_layer)i), v->decode->layer[i]);
    json_open_object(b, "anomalies");
    for (int i = 0; i < DECODE_ANOMALY_COUNT; i++) {
        if (v->decode->anomaly[i])
            json_uint(b, decode_anomaly_name((enum decode_anomaly)i), v->decode->anomaly[i]);
    }
    json_close_object(b);
    json_uint(b, "frag_pending", v->decode->frag_pending);
    json_uint(b, "frag_memory", v->decode->frag_mem);
    json_close_object(b);

    const struct flow_stats *f = v->flow;
    json_open_object(b, "flow");
    json_uint(b, "created", f->created);
    json_uint(b, "ended", f->ended);
    json_uint(b, "ended_tcp", f->ended_by[FLOW_END_TCP]);
    json_uint(b, "timeout", f->ended_by[FLOW_END_TIMEOUT]);
    json_uint(b, "evicted", f->ended_by[FLOW_END_EVICTED]);
    json_uint(b, "shutdown", f->ended_by[FLOW_END_SHUTDOWN]);
    json_uint(b, "active", f->active);
    json_uint(b, "active_peak", f->active_peak);
    json_uint(b, "memory", f->memory);
    json_uint(b, "memory_peak", f->memory_peak);
    json_uint(b, "state_memory_peak", f->scratch_peak);
    json_uint(b, "bytes_per_flow", f->active_peak ? f->memory_at_active_peak / f->active_peak : 0);
    json_uint(b, "memcap_drops", f->memcap_drops);
    json_close_object(b);

    const struct classify_stats *c = v->classify;
    json_open_object(b, "classify");
    json_uint(b, "packets", c->packets);
    json_uint(b, "detected", c->flows_detected);
    json_uint(b, "guessed", c->flows_guessed);
    json_uint(b, "unknown", c->flows_unknown);
    json_uint(b, "memcap_skipped", c->memcap_skipped);
    json_close_object(b);

    if (v->stream) {
        const struct stream_stats *t = v->stream;
        json_open_object(b, "stream");
        json_uint(b, "segments", t->segments);
        json_uint(b, "bytes", t->bytes);
        json_uint(b, "midstream", t->midstream);
        json_uint(b, "out_of_order", t->out_of_order);
        json_uint(b, "retransmissions", t->retransmissions);
        json_uint(b, "overlaps", t->overlaps);
        json_uint(b, "overlaps_differing", t->overlaps_differing);
        json_uint(b, "out_of_window", t->out_of_window);
        json_uint(b, "gaps", t->gaps);
        json_uint(b, "gap_bytes", t->gap_bytes);
        json_uint(b, "flow_cap_drops", t->flow_cap_drops);
        json_uint(b, "memcap_drops", t->memcap_drops);
        json_uint(b, "memory_peak", t->memory_peak);
        json_uint(b, "old_unchecked", t->old_unchecked);
        json_uint(b, "window_drops", t->window_drops);
        json_uint(b, "window_spare", t->window_spare);
        json_close_object(b);
    }

    if (v->proto) {
        const struct proto_engine_stats *p = v->proto;
        size_t n;
        const struct proto_parser *const *reg = proto_registry(&n);
        json_open_object(b, "proto");
        json_uint(b, "flows_probed", p->flows_probed);
        json_uint(b, "flows_unclaimed", p->flows_unclaimed);
        json_uint(b, "memcap_drops", p->memcap_drops);
        json_uint(b, "buffer_overflows", p->buffer_overflows);
        for (size_t i = 0; i < n; i++) {
            json_open_object(b, reg[i]->name);
            json_uint(b, "flows", p->parser[i].flows);
            json_uint(b, "records", p->parser[i].records);
            json_uint(b, "events", p->parser[i].events);
            json_uint(b, "errors", p->parser[i].errors);
            json_uint(b, "gaps", p->parser[i].gaps);
            json_close_object(b);
        }
        json_close_object(b);
    }

    if (v->detect) {
        /* The workers' half; the correlator's is the record's
         * "correlator" object (output.c). */
        json_open_object(b, "detect");
        json_uint(b, "events", v->detect->events);
        json_uint(b, "matches", v->detect->matches);
        json_uint(b, "handover_drops", v->detect->handover_drops);
        json_close_object(b);
    }

    json_open_object(b, "output");
    json_uint(b, "records", v->worker->records);
    json_uint(b, "errors", v->worker->output_errors);
    json_uint(b, "asset_evidence", v->worker->asset_evidence);
    json_uint(b, "asset_drops", v->worker->asset_drops);
    json_close_object(b);

    if (v->per_worker) {
        json_open_array(b, "workers");
        for (size_t i = 0; i < v->nworkers; i++) {
            const struct worker_snapshot *w = &v->per_worker[i];
            json_open_object(b, NULL);
            json_uint(b, "index", i);
            json_uint(b, "received", w->capture.received);
            json_uint(b, "kernel_drops", w->capture.kernel_drops);
            json_uint(b, "if_drops", w->capture.if_drops);
            json_uint(b, "packets", w->worker.packets);
            json_uint(b, "bytes", w->worker.bytes);
            json_uint(b, "flows", w->flow.created);
            json_uint(b, "flows_active", w->flow.active);
            json_uint(b, "flow_memory", w->flow.memory);
            json_close_object(b);
        }
        json_close_array(b);
    }

    json_close_object(b);
    json_close_object(b);
}
