/*
 * TCP stream reassembly, one direction at a time, for the flows a parser
 * claimed (proto/). Bytes are handed on in sequence order exactly once.
 *
 *   seq ─────────────────────────────────────────────────────────────►
 *        delivered        │ next_seq   held (out of order)
 *   ██████████████████████│░░░░░░░░░░░[███]░░░░[█████]
 *                         └─ hole ───┘
 *
 * - A segment at next_seq is delivered at once, without a copy; a
 *   segment beyond it is copied and held until the hole before it fills.
 * - Data before next_seq was delivered already: a retransmission, dropped.
 * - Overlaps: the first data seen wins. Where a later segment carries
 *   different bytes for held data, or for data delivered within the last
 *   `window` bytes of its direction (a small ring of what was delivered,
 *   kept per direction), that is counted as an anomaly (it is how an
 *   evasion would look); a one-byte keep-alive probe is not compared.
 *   Delivered bytes older than the window cannot be compared: such
 *   segments are counted apart (old_unchecked).
 * - Gaps: the missing range is reported to the consumer as a gap and
 *   delivery goes on after it once the capture shows that the bytes were
 *   sent and will not be seen: the receiver acknowledges them and the
 *   sender has shown a later sequence number (held data after the hole,
 *   or a segment without payload whose sequence number is past it); a FIN
 *   past the hole (the stream ends there); and, before held data, at the
 *   end of the flow. An acknowledgement alone is not enough: a mirror
 *   port may show it before the data it acknowledges.
 * - Sequence numbers compare in serial arithmetic (RFC 1982), so a
 *   stream that wraps past 2^32 is handled like any other.
 * - A stream may start without a SYN (picked up mid-stream): it starts at
 *   the first byte the caller names with stream_start() or, failing that,
 *   at the first segment seen.
 *
 * Held bytes count against a per-flow cap and a per-worker cap, and are
 * charged to the flow table's memory cap. At a cap the segment is not held
 * (counted), never an abort. The windows count against the per-worker cap
 * and the flow table's too: a direction that cannot get one is not
 * compared (counted in window_drops).
 */
#ifndef MAMORI_STREAM_STREAM_H
#define MAMORI_STREAM_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"
#include "flow/flow_table.h"

struct stream_limits {
    size_t flow_held_max; /* held bytes per flow, both directions (default 256 KiB) */
    size_t memcap;        /* held bytes and windows of all streams of a worker (default 64 MiB) */
    size_t window;        /* delivered bytes kept per direction (default 2 KiB; 0: none) */
};

struct stream_stats {
    uint64_t segments;           /* payload segments of tracked streams */
    uint64_t bytes;              /* bytes delivered in order */
    uint64_t midstream;          /* directions that started without a known first byte */
    uint64_t out_of_order;       /* segments held for a hole before them */
    uint64_t retransmissions;    /* segments carrying only bytes already seen */
    uint64_t overlaps;           /* segments partly overlapping bytes already seen */
    uint64_t overlaps_differing; /* ... with different bytes (anomaly) */
    uint64_t out_of_window;      /* segments too far ahead to be this stream's */
    uint64_t gaps;               /* holes given up on */
    uint64_t gap_bytes;
    uint64_t flow_cap_drops; /* segments not held at the per-flow cap */
    uint64_t memcap_drops;   /* segments not held at the worker cap or flow memcap */
    uint64_t memory;         /* bytes held now (segments, windows, spare windows), and the peak */
    uint64_t memory_peak;
    uint64_t old_unchecked; /* segments with delivered bytes older than the window */
    uint64_t window_drops;  /* directions that got no window at a cap */
    uint64_t window_spare;  /* of memory: windows of ended streams kept for reuse */
};

struct stream_seg;

/* One direction. Zero-initialised means "not started". */
struct stream_half {
    struct stream_seg *held; /* owned: held segments sorted by seq, disjoint */
    uint8_t *win;            /* owned: the last delivered bytes, a ring of limits.window */
    uint32_t next_seq;       /* the next byte to deliver */
    uint32_t held_bytes;
    uint32_t win_pos;   /* index in win where the byte at next_seq will go */
    uint32_t win_fill;  /* bytes just before next_seq that win holds (none across a gap) */
    uint32_t sent_end;  /* the sender is known to have sent every byte before this */
    uint32_t acked_end; /* the receiver acknowledged every byte before this */
    bool started;
    bool win_failed; /* a cap refused the window: not retried */
    bool fin;        /* a FIN was seen: the stream ends at sent_end */
};

/* Both directions of a flow, indexed by enum flow_dir. */
struct stream {
    struct stream_half half[2];
};

/* Receives in-order bytes of direction dir. p == NULL reports a gap: len
 * bytes are missing at this point of the stream. p is borrowed for the
 * call only. */
typedef void (*stream_deliver_fn)(void *ctx, enum flow_dir dir, const uint8_t *p, size_t len);

struct stream_engine;

void stream_limits_default(struct stream_limits *lim);

/* ft (borrowed, must outlive the engine) is charged for held segments.
 * Returns NULL on failure. Owned: stream_engine_free(). */
struct stream_engine *stream_engine_new(const struct stream_limits *lim, struct flow_table *ft);
void stream_engine_free(struct stream_engine *e);

/* Fixes the first byte of a direction that has not started yet (from a
 * SYN's sequence number + 1, or from the peer's acknowledgement number).
 * A direction that has started is left alone. */
void stream_start(struct stream *s, enum flow_dir dir, uint32_t seq);

/* A segment of direction dir carrying len bytes from sequence number seq.
 * Delivers whatever became in order through fn. */
void stream_segment(struct stream_engine *e, struct stream *s, enum flow_dir dir, uint32_t seq,
                    const uint8_t *p, size_t len, stream_deliver_fn fn, void *ctx);

/* The peer of direction dir acknowledged every byte before ack. If the
 * sender of dir is known to have sent bytes past a hole the ack covers
 * (held data, or stream_sent()), the receiver got data the capture missed:
 * the hole becomes a gap and delivery goes on. */
void stream_ack(struct stream_engine *e, struct stream *s, enum flow_dir dir, uint32_t ack,
                stream_deliver_fn fn, void *ctx);

/* A segment of direction dir without payload (a bare acknowledgement, a
 * FIN) carried sequence number seq: its sender has sent every byte
 * before seq. With fin, the stream ends at seq: a hole before it is a gap
 * at once. Without, the hole becomes a gap once the receiver acknowledges
 * it (see stream_ack()). For a FIN with payload, call it after
 * stream_segment() with seq + the payload's length. */
void stream_sent(struct stream_engine *e, struct stream *s, enum flow_dir dir, uint32_t seq,
                 bool fin, stream_deliver_fn fn, void *ctx);

/* End of the flow: delivers everything held, holes reported as gaps, and
 * frees it. (A hole after the last byte seen stays unreported unless
 * stream_ack() or stream_sent() showed it.) */
void stream_flush(struct stream_engine *e, struct stream *s, stream_deliver_fn fn, void *ctx);

/* Frees whatever is held, and the windows, without delivering. */
void stream_release(struct stream_engine *e, struct stream *s);

const struct stream_stats *stream_engine_stats(const struct stream_engine *e);

#endif
