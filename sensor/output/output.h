/*
 * The output thread: one libevent loop that owns every output of the
 * process. It is DESIGN.md's correlator/output thread: with rules
 * (output_set_rules) it owns the rule state (windows, suppressions,
 * limits) and decides on every worker's matches, which come through the
 * same rings as the records (eve_file_write_match: the candidate and its
 * alert record, formatted by the worker while the event existed); the
 * asset inventory will sit beside it.
 *
 *   worker 0 ─ring─┐
 *   worker 1 ─ring─┤   output thread (libevent)
 *   ...            ├─► drain ─► record_id ─► [correlator] ─► back-ends:
 *   main     ─ring─┘   (matches ─► rule_state_decide ─► alert) EVE file
 *                                                             Redis (+ spool)
 *                      /metrics, /healthz (evhttp)
 *
 * Producers (workers, and the main thread for stats records and metrics)
 * each get an output_writer: one SPSC ring (util/spsc_ring.h) of which the
 * producer is the only writer and the output thread the only reader.
 * output_writer_eve() wraps it in the eve_file interface that the packet
 * path already writes through, so records are formatted by the producer
 * and copied once into the ring. A producer never blocks on output in live
 * capture: when its ring is full the record is dropped and counted (the
 * count reaches the output thread in the next record's header, so it too
 * crosses through the ring). Replaying capture files (block_when_full)
 * waits instead, so that a replay never loses a record.
 *
 * The output thread wakes every flush_ms (and at once again while there
 * is more), takes up to a batch of records from each ring in turn, gives
 * each record its record_id and hands it to every back-end that takes its
 * type. Per producer, records keep their order.
 *
 * record_id: "SENSOR:N", SENSOR the configured sensor id (the host name by
 * default) and N a counter that only grows, across restarts too: the next
 * value is reserved in blocks of OUTPUT_ID_BLOCK in the file
 * record_id.state of the state directory, so a restart (even after a
 * crash) starts past every id handed out before. Ids are unique per
 * sensor, and ordered per producer.
 */
#ifndef MAMORI_OUTPUT_OUTPUT_H
#define MAMORI_OUTPUT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/eve_file.h"

#define OUTPUT_ID_BLOCK 1000000u

/* What a record is, from its event_type: each back-end takes a set. */
enum output_type {
    OUTPUT_ALERT,
    OUTPUT_FLOW,
    OUTPUT_PROTOCOL, /* dicom, hl7, fhir and every other protocol record */
    OUTPUT_ASSET,
    OUTPUT_STATS,
    /* Not a record: the asset inventory's entry for Redis's hashes
     * (PREFIX:asset:ID, PREFIX:assets:seen, PREFIX:assets:ip), handed to
     * back-ends only, as "ID\tLAST_SEEN\tSENSOR\tIP IP...\tJSON". */
    OUTPUT_ASSET_STATE,
    OUTPUT_NTYPES,
};

/* "alert", "flow", "protocol", "asset", "stats", "asset_state". */
const char *output_type_name(enum output_type t);
/* From a record's "event_type" value. */
enum output_type output_type_of(const char *rec, size_t len);

enum output_redis_mode {
    OUTPUT_REDIS_STREAM,  /* XADD KEY MAXLEN ~ N * eve RECORD */
    OUTPUT_REDIS_LIST,    /* RPUSH KEY RECORD */
    OUTPUT_REDIS_CHANNEL, /* PUBLISH KEY RECORD */
};

struct output_redis_config {
    bool enabled;
    const char *host; /* borrowed, like every string here, for output_new() */
    uint16_t port;
    const char *socket; /* unix socket path; "" = TCP */
    const char *user;   /* "" = AUTH with the password only */
    const char *password;
    uint32_t database;
    enum output_redis_mode mode;
    const char *key_prefix; /* keys are PREFIX:alerts, PREFIX:flows, ... */
    uint64_t maxlen;        /* stream mode: MAXLEN ~; 0 = no trimming */
    uint32_t batch;         /* records per pipelined write at most */
    uint32_t max_inflight;  /* records sent and not yet answered at most */
    uint32_t timeout_ms;    /* no answer for this long: Redis is taken as down */
    uint32_t reconnect_max_ms;
    bool types[OUTPUT_NTYPES];
    uint64_t spool_max_bytes;
    bool spool_drop_oldest;
};

enum output_syslog_transport {
    OUTPUT_SYSLOG_UNIX, /* datagrams to the local socket (/dev/log) */
    OUTPUT_SYSLOG_UDP,
    OUTPUT_SYSLOG_TCP, /* RFC 6587 octet counting */
};

struct output_syslog_config {
    bool enabled;
    enum output_syslog_transport transport;
    const char *socket; /* unix */
    const char *host;   /* udp, tcp */
    uint16_t port;
    uint8_t facility;     /* 0 to 23 */
    const char *app_name; /* RFC 5424 APP-NAME */
    bool types[OUTPUT_NTYPES];
    uint64_t queue_size; /* tcp: bytes waiting to be sent at most */
};

struct asset_store_config;
struct output_config {
    /* The asset inventory on this thread (asset/asset_store.h); NULL or
     * not enabled: none. Borrowed for output_new(). */
    const struct asset_store_config *assets;
    const char *state_dir; /* spool and record_id.state; NULL: ids for this run only */
    bool eve_enabled;
    const char *eve_dir; /* "-" = standard output */
    const char *eve_filename;
    bool eve_per_type;     /* one file per record type: alert.json, flow.json, ... */
    const char *sensor_id; /* "" = the host name */
    uint64_t ring_size;    /* per producer, bytes */
    bool block_when_full;  /* replay: producers wait rather than drop */
    uint32_t flush_ms;
    struct output_redis_config redis;
    struct output_syslog_config syslog;
    bool metrics_enabled;
    const char *metrics_listen;
    uint16_t metrics_port;
    bool verbose;
};

struct output;
struct output_writer;

/* Opens the outputs (EVE file, spool, record_id state; with Redis, one
 * synchronous connection checks AUTH and the database so that a wrong
 * password stops the start with a clear message, while a Redis that is
 * not there yet only means spooling). Returns NULL with err set. Owned:
 * output_free(). */
struct output *output_new(const struct output_config *c, char *err, size_t errlen);

/* A producer's ring. Only before output_start(). Borrowed: lives until
 * output_free(). */
struct output_writer *output_writer_new(struct output *o);
/* The writer as an eve_file. Owned by the writer (do not free). */
struct eve_file *output_writer_eve(struct output_writer *w);
/* Hands over the producer's figures in Prometheus text (see
 * metrics/metrics.h); the newest replaces the previous on /metrics.
 * Returns 0 or -ENOBUFS (ring full: skipped, the next one replaces it). */
int output_writer_metrics(struct output_writer *w, const char *text, size_t len);
struct asset_registry;
struct asset_vulns;
/* SIGHUP: hands the asset inventory its registry and vulns tables loaded
 * again (either may be NULL: none configured). On success the output
 * thread owns them; returns 0 or -ENOBUFS (ring full: nothing changed,
 * the caller still owns them). */
int output_writer_asset_files(struct output_writer *w, struct asset_registry *registry,
                              struct asset_vulns *vulns);
/* Producer's thread, while the output thread runs: waits until the output
 * thread has taken (and, for matches, decided) every record handed over
 * so far. */
void output_writer_wait_drained(struct output_writer *w);
/* Records the producer dropped for want of room in its ring. Producer's
 * thread. */
uint64_t output_writer_dropped(const struct output_writer *w);

struct ruleset;
struct rule_state_limits;
/* Makes the output thread the correlator for rule set rs (takes a
 * reference): workers' matches (eve_file_write_match) are decided by one
 * rule state of limits lim, and those that alert are written as `alert`
 * records. wall_clock: state expires by the wall clock (live), otherwise
 * by the matches' capture time (replay). Only before output_start(); without it
 * matches are dropped (counted as too large). Returns 0 or -errno. */
int output_set_rules(struct output *o, struct ruleset *rs, const struct rule_state_limits *lim,
                     bool wall_clock);
/* Starts the thread. Returns 0 or -errno. */
int output_start(struct output *o);
/* Any thread: reopens the EVE file (SIGHUP, after rotation). Returns 0 or
 * -errno. */
int output_reopen(struct output *o);
/* After every producer has written its last record: drains the rings,
 * sends to Redis what can be sent within its timeout, spools the rest,
 * and joins the thread. Returns 0 or -errno. */
int output_stop(struct output *o);
/* Frees everything (stops first if needed). Returns 0, or -errno when
 * records were lost (EVE file write errors). NULL: no-op. */
int output_free(struct output *o);

/* -- back-ends: what the output thread hands records to --------------
 * A table of functions per kind of output; all run on the output thread. */
struct metrics_buf;
struct output_backend {
    const char *name;
    /* Takes one record (record_id included, no newline) handed over at
     * handover_ns (CLOCK_REALTIME). Returns 0, or -errno when the record
     * is lost (the back-end counts it). */
    int (*submit)(void *state, enum output_type type, const char *rec, size_t len,
                  uint64_t handover_ns);
    /* After each drain pass (a batch ends) and on every wake. */
    void (*flush)(void *state, uint64_t now_ms);
    /* Shutdown: true once nothing is pending. */
    bool (*idle)(void *state);
    /* Shutdown, time is up: what is pending goes where it survives. */
    void (*stop)(void *state);
    void (*metrics)(void *state, struct metrics_buf *b);
    /* True when records flow; otherwise the reason in why. */
    bool (*healthy)(void *state, char *why, size_t len);
    void (*free)(void *state);
    /* May be NULL. Appends the back-end's figures to the stats record's
     * "outputs" object (",\"name\":{...}"); returns the bytes written, 0
     * when they do not fit in cap. */
    size_t (*stats)(void *state, char *p, size_t cap);
};

/* After output_stop(): the path of the EVE file, and records lost by the
 * outputs. */
const char *output_eve_path(const struct output *o);

#endif
