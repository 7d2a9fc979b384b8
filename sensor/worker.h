/*
 * A worker owns one slice of the traffic and everything that follows it
 * on the packet's path: decoder, flow table, nDPI module. Nothing in it is
 * shared, so the packet path takes no lock.
 */
#ifndef MAMORI_WORKER_H
#define MAMORI_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"
#include "decode/decode.h"
#include "flow/flow_table.h"
#include "output/eve_file.h"

struct worker_config {
    unsigned index;
    struct decode_limits decode;
    struct flow_limits flow;
    struct classify_limits classify;
};

struct worker_stats {
    uint64_t packets;
    uint64_t bytes;
    uint64_t not_flow;      /* valid packets that make no flow (ARP, non-IP, held fragments) */
    uint64_t invalid;       /* packets with a decode anomaly */
    uint64_t no_flow_memory;
    uint64_t records;       /* EVE records written */
    uint64_t output_errors; /* records that could not be written */
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

/* Writes the stats record (at time ts_us). */
void worker_write_stats(struct worker *w, uint64_t ts_us);

const struct worker_stats *worker_stats(const struct worker *w);

#endif
