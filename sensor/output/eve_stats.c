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
    json_uint(b, "classify_memory_peak", f->scratch_peak);
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

    json_open_object(b, "output");
    json_uint(b, "records", v->worker->records);
    json_uint(b, "errors", v->worker->output_errors);
    json_close_object(b);

    json_close_object(b);
    json_close_object(b);
}
