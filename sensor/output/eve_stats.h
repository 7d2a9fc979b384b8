/*
 * EVE `stats` records: capture, decoder layers and anomalies by kind,
 * flows, classification and memory.
 */
#ifndef MAMORI_OUTPUT_EVE_STATS_H
#define MAMORI_OUTPUT_EVE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"
#include "decode/decode.h"
#include "flow/flow_table.h"
#include "output/json.h"
#include "proto/proto.h"
#include "stream/stream.h"

struct worker_stats;
struct worker_detect_stats;
struct worker_snapshot;
struct capture_stats;

/* All pointers borrowed for the duration of the call. */
struct eve_stats_view {
    uint64_t ts_us;
    const struct worker_stats *worker;
    const struct decode_stats *decode;
    const struct flow_stats *flow;
    const struct classify_stats *classify;
    const struct capture_stats *capture;      /* what the capture back-ends counted */
    const struct worker_snapshot *per_worker; /* NULL, or nworkers entries: the breakdown */
    size_t nworkers;
    const struct proto_engine_stats *proto;   /* NULL: no proto section */
    const struct stream_stats *stream;        /* NULL: no stream section */
    const struct worker_detect_stats *detect; /* NULL: no rules, no detect section */
};

void eve_stats_format(struct json_buf *b, const struct eve_stats_view *v);

#endif
