/*
 * The flow table of one worker: a chained hash table with a lock-free
 * single-thread design (capture fan-out keeps a flow on one worker), idle
 * timeouts per protocol class, and a memory cap. At the cap the oldest
 * idle flow is evicted (counted), never an abort or unbounded growth.
 *
 * Ended flows are handed to the on_end callback exactly once, which must
 * not keep the pointer: the table frees the flow right after.
 */
#ifndef MAMORI_FLOW_FLOW_TABLE_H
#define MAMORI_FLOW_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"
#include "flow/flow.h"

struct flow_limits {
    size_t memcap;                          /* bytes for flows and the table (default 512 MiB) */
    uint64_t timeout_us[FLOW_TMO_COUNT];    /* idle timeout per class */
};

struct flow_stats {
    uint64_t created;
    uint64_t ended;
    uint64_t ended_by[FLOW_END_SHUTDOWN + 1]; /* indexed by enum flow_end_reason */
    uint64_t active;
    uint64_t active_peak;
    uint64_t memory;        /* bytes counted against the cap now */
    uint64_t memory_peak;
    uint64_t scratch;       /* of memory: working state of later stages (nDPI while
                             * classifying, parsers and reassembly while parsing) */
    uint64_t scratch_peak;
    /* Memory of the flows themselves (records, metadata, table) when
     * active_peak was reached: memory less scratch. */
    uint64_t memory_at_active_peak;
    uint64_t memcap_drops;  /* packets with no flow because nothing could be evicted */
    uint64_t rehashes;
};

typedef void (*flow_end_fn)(void *ctx, struct flow *f);

struct flow_table;

void flow_limits_default(struct flow_limits *lim);

/* id_base is added to the per-table counter to make flow ids unique per
 * run across workers. Returns NULL on failure. Owned: flow_table_free(). */
struct flow_table *flow_table_new(const struct flow_limits *lim, uint64_t id_base,
                                  flow_end_fn on_end, void *ctx);
/* Ends every flow with reason shutdown, then frees. */
void flow_table_free(struct flow_table *t);

/* Finds or creates the flow of p and updates its counters and TCP state.
 * *dir gets the packet's direction. Returns NULL when the memory cap is
 * reached and no flow could be evicted (counted in memcap_drops). */
struct flow *flow_table_update(struct flow_table *t, const struct packet *p,
                               enum flow_dir *dir);

/* Ends flows idle past their timeout at time now_us. */
void flow_table_expire(struct flow_table *t, uint64_t now_us);

/* Ends every flow with the given reason. */
void flow_table_flush(struct flow_table *t, enum flow_end_reason reason);

/* Memory accounting for allocations made on behalf of flows by later
 * stages (nDPI state, metadata). charge returns false if over the cap;
 * the caller must then not allocate. */
bool flow_table_charge(struct flow_table *t, size_t bytes);
void flow_table_uncharge(struct flow_table *t, size_t bytes);
/* The same for the working state of later stages (nDPI's while
 * classifying, a parser's and its reassembly buffers while parsing); it is
 * counted apart so that the cost of the flow record itself is reported. */
bool flow_table_charge_scratch(struct flow_table *t, size_t bytes);
void flow_table_uncharge_scratch(struct flow_table *t, size_t bytes);

const struct flow_stats *flow_table_stats(const struct flow_table *t);

const char *flow_state_name(enum flow_state s);
const char *flow_end_reason_name(enum flow_end_reason r);

#endif
