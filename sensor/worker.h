/*
 * A worker owns one slice of the traffic and everything that follows it
 * on the packet's path: decoder, flow table, nDPI module. Nothing in it is
 * shared, so the packet path takes no lock.
 */
#ifndef MAMORI_WORKER_H
#define MAMORI_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "classify/classify.h"
#include "decode/decode.h"
#include "detect/ruleset.h"
#include "flow/flow_table.h"
#include "output/eve_file.h"
#include "proto/proto.h"
#include "stream/stream.h"

struct worker_config {
    unsigned index;
    /* Replay over several workers: flows time out only when worker_tick()
     * says, at the times the reader would have expired them with a single
     * worker, so that the records do not depend on the number of workers. */
    bool external_clock;
    struct decode_limits decode;
    struct flow_limits flow;
    struct classify_limits classify;
    struct stream_limits stream; /* reassembly of the flows proto/ parses */
    /* NULL: no rules, no matching work at all. Otherwise the worker takes a
     * reference; the set is read-only and shared by every worker. */
    struct ruleset *rules;
    bool assets; /* hand evidence to the asset inventory (assets.enabled) */
};

/* The worker's half of detection (the correlator's half is counted by the
 * output thread). */
struct worker_detect_stats {
    uint64_t events;         /* events matched against the rules */
    uint64_t matches;        /* candidates the matcher produced */
    uint64_t handover_drops; /* candidates lost on the way to the correlator */
};

struct worker_stats {
    uint64_t packets;
    uint64_t bytes;
    uint64_t not_flow; /* valid packets that make no flow (ARP, non-IP, held fragments) */
    uint64_t invalid;  /* packets with a decode anomaly */
    uint64_t no_flow_memory;
    uint64_t records;        /* EVE records written */
    uint64_t output_errors;  /* records that could not be written */
    uint64_t asset_evidence; /* messages handed to the asset inventory */
    uint64_t asset_drops;    /* ... lost on the way (ring full) */
};

/* A copy of every counter of a worker: what a worker hands to the main
 * thread (through a ring) and what adds up into the process's stats
 * record. Every member is made of uint64_t counters only, so that
 * worker_snapshot_add() adds them without naming each one. */
struct worker_snapshot {
    struct worker_stats worker;
    struct decode_stats decode;
    struct flow_stats flow;
    struct classify_stats classify;
    struct stream_stats stream;
    struct proto_engine_stats proto;
    struct worker_detect_stats detect;
    struct capture_stats capture; /* filled in by the sensor, which owns the capture */
};

struct worker;

void worker_config_default(struct worker_config *cfg);

/* eve is borrowed and must outlive the worker. Returns NULL on failure.
 * Owned: worker_free(). */
struct worker *worker_new(const struct worker_config *cfg, struct eve_file *eve);
/* Ends every flow (reason shutdown) and frees. */
void worker_free(struct worker *w);

/* The packet path: decode, flow, classify; flows that end are written. */
void worker_packet(void *w, int linktype, uint64_t ts_us, const uint8_t *data, size_t caplen,
                   size_t wirelen);

/* Ends all flows with reason shutdown and writes them. */
void worker_flush(struct worker *w);

/* Advances the worker's clock to now_us without a packet and ends the
 * flows idle past their timeout: live capture calls it once a second so
 * that a quiet worker's flows still end; replay over several workers at
 * the reader's expiry times (see external_clock). */
void worker_tick(struct worker *w, uint64_t now_us);

/* Reload: the worker matches with rs (it adopts the caller's reference)
 * from its next event on, once the correlator has been told through the
 * worker's ring (eve_file_write_rules); until then, and while that ring is
 * full, it goes on with the set it had. A worker started without rules
 * ignores it. Worker's thread. */
void worker_set_rules(struct worker *w, struct ruleset *rs);

/* Writes the stats record (at time ts_us). */
void worker_write_stats(struct worker *w, uint64_t ts_us);

void worker_snapshot(const struct worker *w, struct worker_snapshot *s);
/* sum += s, counter by counter. Peaks and levels (active, memory) add up
 * too: the total is the sum of the workers' peaks. */
void worker_snapshot_add(struct worker_snapshot *sum, const struct worker_snapshot *s);
/* Formats the stats record of a snapshot; per_worker (n entries, may be
 * NULL) adds the breakdown by worker; detect (rules are loaded) the
 * detect section. */
void worker_snapshot_format(struct json_buf *b, const struct worker_snapshot *s, uint64_t ts_us,
                            const struct worker_snapshot *per_worker, size_t n, bool detect);

const struct worker_stats *worker_stats(const struct worker *w);

#endif
