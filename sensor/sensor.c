#include "sensor.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/fanout.h"
#include "detect/rule_state.h"
#include "detect/ruleset.h"
#include "mamori/mamori.h"
#include "metrics/metrics.h"
#include "output/eve_file.h"
#include "asset/asset_registry.h"
#include "asset/asset_store.h"
#include "asset/asset_vulns.h"
#include "output/output.h"
#include "output/output_redis.h"
#include "util/privdrop.h"
#include "util/spsc_ring.h"
#include "worker.h"

/* Packets per dispatch: bounds how long a worker goes without looking at
 * the stop flag and the clock (a few milliseconds at line rate). */
#define SENSOR_BATCH 4096
/* Workers tick (flush records, expire idle flows, publish counters) once a
 * second. */
#define SENSOR_TICK_MS 1000
/* Per worker: room for a few snapshots; the main thread takes them at
 * least once a second. */
#define SENSOR_STATS_RING (64u * 1024u)
/* Per worker: reloaded rule sets, main -> worker (a pointer each). */
#define SENSOR_CTL_RING 4096u
#define SENSOR_US_PER_S 1000000u

/* What the reader puts in a worker's ring when replaying with several
 * workers. A packet record is followed by its caplen bytes. */
enum sensor_msg_kind {
    SENSOR_MSG_PACKET,
    SENSOR_MSG_EXPIRE, /* run the timeouts at ts_us, as one worker would have */
    SENSOR_MSG_END,
};

struct sensor_msg {
    uint32_t kind;
    int32_t linktype;
    uint64_t ts_us;
    uint32_t caplen;
    uint32_t wirelen;
};

struct sensor;

/* One worker and what it is fed by: a capture (live) or a ring (replay).
 * Everything here belongs to the worker's thread while it runs and to the
 * main thread before it starts and after it is joined. */
struct sensor_worker {
    struct sensor *s; /* borrowed */
    unsigned index;
    struct worker *w;
    struct output_writer *ow;    /* owned by the output: the worker's ring to it */
    struct eve_file *eve;        /* the same, as the eve_file the worker writes to */
    struct capture *cap;         /* live */
    struct spsc_ring *in;        /* replay: reader -> worker */
    struct spsc_ring *stats;     /* live: worker -> main, struct worker_snapshot records */
    struct spsc_ring *ctl;       /* live with rules: main -> worker, reloaded sets */
    struct worker_snapshot last; /* main thread: the latest snapshot received */
    pthread_t thread;
    bool started;
    atomic_bool done; /* the thread ended (on error before a stop) */
    int error;        /* set by the thread before done */
    char errmsg[512];
};

struct sensor {
    const struct sensor_options *o;
    const struct config *cfg;
    struct output *out;       /* the output thread and every output */
    struct output_writer *ow; /* the main thread's ring to it */
    struct eve_file *eve;     /* where stats records go (owned by the output) */
    struct json_buf rec;
    struct sensor_worker *sw;
    unsigned n;
    atomic_bool stop;
    int wake_fd; /* eventfd, readable once stop is set */
    int sig_fd;
    uint64_t last_ts_us; /* replay: latest capture time, for the stats record */
    /* rules.dir loaded, NULL without rules. Read-only once loaded: each
     * worker and the correlator hold a reference of their own. */
    struct ruleset *rules;
};

static uint64_t sensor_mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static uint64_t sensor_real_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * SENSOR_US_PER_S + (uint64_t)t.tv_nsec / 1000u;
}

static void sensor_worker_config(const struct sensor *s, unsigned index, unsigned n,
                                 struct worker_config *wc)
{
    const struct config *c = s->cfg;
    worker_config_default(wc);
    wc->index = index;
    wc->rules = s->rules;
    wc->assets = c->assets.enabled;
    /* The cap is the process's: each worker gets its share, so memory does
     * not grow with the number of workers. */
    wc->flow.memcap = (size_t)(c->limits.flow_memcap / n);
    for (int i = 0; i < FLOW_TMO_COUNT; i++)
        wc->flow.timeout_us[i] = (uint64_t)c->limits.flow_timeout_s[i] * SENSOR_US_PER_S;
    wc->decode.frag_max_datagrams = c->limits.frag_max_datagrams;
    wc->decode.frag_max_bytes = (size_t)c->limits.frag_max_bytes;
    wc->decode.frag_timeout_us = (uint64_t)c->limits.frag_timeout_s * SENSOR_US_PER_S;
    wc->classify.max_tcp_packets = (uint16_t)c->limits.classify_tcp_packets;
    wc->classify.max_udp_packets = (uint16_t)c->limits.classify_udp_packets;
    wc->classify.max_other_packets = (uint16_t)c->limits.classify_other_packets;
    wc->stream.flow_held_max = (size_t)c->limits.stream_flow_held_max;
    wc->stream.memcap = (size_t)c->limits.stream_memcap;
    wc->stream.window = (size_t)c->limits.stream_window;
}

static void sensor_syslog_config(const struct config_syslog *y, struct output_syslog_config *sc)
{
    sc->enabled = y->enabled;
    sc->transport = strcmp(y->transport, "tcp") == 0   ? OUTPUT_SYSLOG_TCP
                    : strcmp(y->transport, "udp") == 0 ? OUTPUT_SYSLOG_UDP
                                                       : OUTPUT_SYSLOG_UNIX;
    sc->socket = y->socket;
    sc->host = y->host;
    sc->port = (uint16_t)y->port;
    /* The position in the list is the facility's number (RFC 5424 6.2.1). */
    const char *names = CONFIG_SYSLOG_FACILITIES;
    size_t flen = strlen(y->facility);
    uint8_t f = 0;
    for (const char *p = names; *p; f++) {
        const char *end = strchr(p, '|');
        if (!end)
            end = p + strlen(p);
        if ((size_t)(end - p) == flen && memcmp(p, y->facility, flen) == 0)
            break;
        p = *end ? end + 1 : end;
    }
    sc->facility = f;
    sc->app_name = y->app_name;
    sc->queue_size = y->queue_size;
    sc->types[OUTPUT_ALERT] = y->type_alert;
    sc->types[OUTPUT_FLOW] = y->type_flow;
    sc->types[OUTPUT_PROTOCOL] = y->type_protocol;
    sc->types[OUTPUT_ASSET] = y->type_asset;
    sc->types[OUTPUT_STATS] = y->type_stats;
}

/* The output thread's configuration from the file's outputs.* and
 * metrics.* keys. Capture files wait for room in the rings (a replay gives
 * the same records every time) and serve no metrics. */
static void sensor_output_config(const struct config *c, bool live, int verbose,
                                 struct output_config *oc)
{
    const struct config_redis *r = &c->outputs.redis;
    memset(oc, 0, sizeof *oc);
    /* Records to standard output leave no file behind unless Redis needs
     * a spool: then the spool and the id state go to the current
     * directory. Without a state file, record ids are unique within the
     * run only. */
    if (strcmp(c->outputs.eve_dir, "-") != 0)
        oc->state_dir = c->outputs.eve_dir;
    else
        oc->state_dir = r->enabled ? "." : NULL;
    oc->eve_enabled = c->outputs.eve_enabled;
    oc->eve_dir = c->outputs.eve_dir;
    oc->eve_filename = c->outputs.eve_filename;
    oc->sensor_id = c->outputs.sensor_id;
    oc->ring_size = c->outputs.ring_size;
    oc->block_when_full = !live;
    oc->flush_ms = c->outputs.flush_ms;
    oc->metrics_enabled = live && c->metrics.enabled;
    oc->metrics_listen = c->metrics.listen;
    oc->metrics_port = (uint16_t)c->metrics.port;
    oc->verbose = verbose > 0;
    struct output_redis_config *rc = &oc->redis;
    rc->enabled = r->enabled;
    rc->host = r->host;
    rc->port = (uint16_t)r->port;
    rc->socket = r->socket;
    rc->user = r->user;
    rc->password = r->password;
    rc->database = r->database;
    rc->mode = strcmp(r->mode, "list") == 0      ? OUTPUT_REDIS_LIST
               : strcmp(r->mode, "channel") == 0 ? OUTPUT_REDIS_CHANNEL
                                                 : OUTPUT_REDIS_STREAM;
    rc->key_prefix = r->key_prefix;
    rc->maxlen = r->maxlen;
    rc->batch = r->batch;
    rc->max_inflight = r->max_inflight;
    rc->timeout_ms = r->timeout_ms;
    rc->reconnect_max_ms = r->reconnect_max_ms;
    rc->types[OUTPUT_ALERT] = r->type_alert;
    rc->types[OUTPUT_FLOW] = r->type_flow;
    rc->types[OUTPUT_PROTOCOL] = r->type_protocol;
    rc->types[OUTPUT_ASSET] = r->type_asset;
    rc->types[OUTPUT_STATS] = r->type_stats;
    rc->types[OUTPUT_ASSET_STATE] = r->type_asset;
    rc->spool_max_bytes = r->spool_max_size;
    rc->spool_drop_oldest = strcmp(r->spool_when_full, "drop-oldest") == 0;
    oc->eve_per_type = c->outputs.eve_per_type;
    sensor_syslog_config(&c->outputs.syslog, &oc->syslog);
}

static struct asset_store_config sensor_asset_config(const struct config *c, const char *dir)
{
    return (struct asset_store_config){
        .enabled = c->assets.enabled,
        .dir = dir,
        .oui_dir = c->assets.oui_dir,
        .registry = c->assets.registry,
        .vulns = c->assets.vulns,
        .networks = c->assets.networks,
        .max_assets = c->assets.max_assets,
    };
}

int sensor_check_assets(const struct config *c, FILE *out)
{
    char err[1024];
    int rc = 0;
    if (*c->assets.registry) {
        struct asset_registry *r = asset_registry_load(c->assets.registry, err, sizeof err);
        if (!r) {
            fprintf(out, "%s\n", err);
            rc = -1;
        }
        asset_registry_free(r);
    }
    if (*c->assets.vulns) {
        struct asset_vulns *v = asset_vulns_load(c->assets.vulns, err, sizeof err);
        if (!v) {
            fprintf(out, "%s\n", err);
            rc = -1;
        }
        asset_vulns_free(v);
    }
    return rc;
}

static void sensor_asset_fetched(void *ctx, const char *json, size_t len)
{
    asset_store_load(ctx, (const uint8_t *)json, len);
}

int sensor_export_assets(const struct config *c, const char *format, FILE *out)
{
    struct output_config oc;
    char err[1024];
    sensor_output_config(c, false, 0, &oc);
    struct asset_store_config ac = sensor_asset_config(c, oc.state_dir);
    ac.enabled = true;
    ac.read_only = true;
    struct asset_store *st = asset_store_new(&ac, err, sizeof err);
    if (!st) {
        fprintf(stderr, "mamori: %s\n", err);
        return -1;
    }
    if (asset_store_loaded(st) == 0 && oc.redis.enabled)
        output_redis_fetch_assets(&oc.redis, ac.max_assets, sensor_asset_fetched, st);
    int rc = asset_store_write(st, format, out);
    if (rc < 0)
        fprintf(stderr, "mamori: --export-assets: %s\n", strerror(-rc));
    asset_store_free(st);
    return rc < 0 ? -1 : 0;
}

static int sensor_open_output(struct sensor *s, bool live)
{
    struct output_config oc;
    char err[1024];
    sensor_output_config(s->cfg, live, s->o->verbose, &oc);
    struct asset_store_config ac = sensor_asset_config(s->cfg, oc.state_dir);
    oc.assets = &ac;
    s->out = output_new(&oc, err, sizeof err);
    if (!s->out) {
        fprintf(stderr, "mamori: %s\n", err);
        return -1;
    }
    if (s->rules) {
        struct rule_state_limits rl = {.memcap = (size_t)s->cfg->rules.state_memory};
        int rc = output_set_rules(s->out, s->rules, &rl, live);
        if (rc < 0) {
            fprintf(stderr, "mamori: cannot set up the correlator: %s\n", strerror(-rc));
            return -1;
        }
    }
    s->ow = output_writer_new(s->out);
    if (!s->ow) {
        fprintf(stderr, "mamori: out of memory\n");
        return -1;
    }
    s->eve = output_writer_eve(s->ow);
    return 0;
}

/* A worker's ring to the output thread, and the eve_file it writes to. */
static struct eve_file *sensor_worker_output(struct sensor *s, struct sensor_worker *sw)
{
    sw->ow = output_writer_new(s->out);
    return sw->ow ? output_writer_eve(sw->ow) : NULL;
}

static int sensor_new_workers(struct sensor *s, unsigned n, bool external_clock)
{
    s->sw = calloc(n, sizeof *s->sw);
    if (!s->sw)
        goto fail;
    s->n = n;
    for (unsigned i = 0; i < n; i++) {
        struct sensor_worker *sw = &s->sw[i];
        struct worker_config wc;
        sensor_worker_config(s, i, n, &wc);
        wc.external_clock = external_clock;
        sw->s = s;
        sw->index = i;
        atomic_init(&sw->done, false);
        sw->eve = sensor_worker_output(s, sw);
        if (!sw->eve)
            goto fail;
        sw->w = worker_new(&wc, sw->eve);
        if (!sw->w)
            goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "mamori: cannot start the workers: out of memory\n");
    return -1;
}

/* Ends every worker's flows (reason shutdown), then writes the stats
 * record: the total, and with several workers the breakdown. Main thread,
 * after every worker thread was joined. */
static void sensor_final_stats(struct sensor *s, uint64_t ts_us, bool breakdown)
{
    struct worker_snapshot total;
    memset(&total, 0, sizeof total);
    struct worker_snapshot *per = calloc(s->n, sizeof *per);
    for (unsigned i = 0; i < s->n; i++) {
        struct sensor_worker *sw = &s->sw[i];
        worker_flush(sw->w);
        eve_file_flush(sw->eve);
        struct worker_snapshot one;
        worker_snapshot(sw->w, &one);
        /* A file hands every packet it reads to a worker: what a worker
         * received is what it processed. */
        one.capture.received = one.worker.packets;
        if (sw->cap)
            capture_stats(sw->cap, &one.capture);
        worker_snapshot_add(&total, &one);
        if (per)
            per[i] = one;
    }
    /* The correlator's figures join the stats record when the output
     * thread takes it; with several rings, it must first have decided on
     * every match the workers handed over. */
    for (unsigned i = 0; s->rules && s->eve != s->sw[0].eve && i < s->n; i++)
        output_writer_wait_drained(s->sw[i].ow);
    /* Records of the stats record itself count in the totals, as one
     * worker writing its own record counts it. */
    worker_snapshot_format(&s->rec, &total, ts_us, breakdown ? per : NULL,
                           breakdown && per ? s->n : 0, s->rules != NULL);
    if (eve_file_write(s->eve, &s->rec) == 0) {
        total.worker.records++;
    } else {
        total.worker.output_errors++;
    }
    eve_file_flush(s->eve);
    /* Every record is handed over: the outputs finish (Redis: what is in
     * flight is answered or spooled). */
    output_stop(s->out);
    if (s->o->verbose) {
        fprintf(stderr,
                "mamori: %" PRIu64 " packets, %" PRIu64 " received, %" PRIu64
                " kernel drops, %" PRIu64 " interface drops, %" PRIu64 " records written to %s\n",
                total.worker.packets, total.capture.received, total.capture.kernel_drops,
                total.capture.if_drops, total.worker.records, output_eve_path(s->out));
    }
    free(per);
}

/* Releases the rule sets a worker did not take from its control ring.
 * Main thread, after the worker was joined. */
static void sensor_ctl_drop(struct sensor_worker *sw)
{
    size_t len;
    const void *p;
    while (sw->ctl && (p = spsc_ring_peek(sw->ctl, &len))) {
        struct ruleset *rs;
        if (len == sizeof rs) {
            memcpy(&rs, p, sizeof rs);
            ruleset_unref(rs);
        }
        spsc_ring_release(sw->ctl);
    }
}

/* Frees everything; returns status, or MAMORI_EXIT_USAGE when records
 * were lost. */
static int sensor_close(struct sensor *s, int status)
{
    for (unsigned i = 0; s->sw && i < s->n; i++) {
        struct sensor_worker *sw = &s->sw[i];
        worker_free(sw->w); /* ends remaining flows into sw->eve */
        capture_close(sw->cap);
        spsc_ring_free(sw->in);
        spsc_ring_free(sw->stats);
        sensor_ctl_drop(sw);
        spsc_ring_free(sw->ctl);
    }
    free(s->sw);
    json_free(&s->rec);
    if (output_free(s->out) < 0)
        status = MAMORI_EXIT_USAGE;
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    if (s->sig_fd >= 0)
        close(s->sig_fd);
    ruleset_unref(s->rules);
    return status;
}

/* -- rules ---------------------------------------------------------------- */

static struct ruleset *sensor_rules_load(const struct config *c, const char *config_name,
                                         struct rule_diags *d)
{
    struct rule_var vars[CONFIG_RULE_VARS_MAX];
    struct ruleset_limits lim;
    ruleset_limits_default(&lim);
    config_rule_vars(c, config_name ? config_name : "mamori.yaml", vars);
    return ruleset_load(c->rules.dir, vars, c->rules.nvars, &lim, (int64_t)sensor_real_us(), d);
}

int sensor_check_rules(const struct config *c, const char *config_name, FILE *out)
{
    if (!*c->rules.dir)
        return 0;
    struct rule_var vars[CONFIG_RULE_VARS_MAX];
    struct ruleset_limits lim;
    ruleset_limits_default(&lim);
    config_rule_vars(c, config_name ? config_name : "mamori.yaml", vars);
    return ruleset_check(c->rules.dir, vars, c->rules.nvars, &lim, (int64_t)sensor_real_us(), out);
}

/* Loads rules.dir, if any, before anything starts. Returns 0 or -1 (every
 * error printed). */
static int sensor_open_rules(struct sensor *s)
{
    if (!*s->cfg->rules.dir)
        return 0;
    struct rule_diags d;
    rule_diags_init(&d);
    s->rules = sensor_rules_load(s->cfg, s->o->config_name, &d);
    rule_diags_print(&d, stderr);
    rule_diags_free(&d);
    if (!s->rules) {
        fprintf(stderr, "mamori: the rules in %s cannot be loaded\n", s->cfg->rules.dir);
        return -1;
    }
    return 0;
}

/* -- capture files ------------------------------------------------------- */

/* The one-worker path: the main thread runs the packet path. */
static void sensor_file_packet(void *ctx, int linktype, uint64_t ts_us, const uint8_t *data,
                               size_t caplen, size_t wirelen)
{
    struct sensor_worker *sw = ctx;
    if (ts_us > sw->s->last_ts_us)
        sw->s->last_ts_us = ts_us;
    worker_packet(sw->w, linktype, ts_us, data, caplen, wirelen);
}

struct sensor_reader {
    struct sensor *s;
    uint64_t now_us;         /* latest capture time */
    uint64_t next_expire_us; /* as worker_packet() schedules it for one worker */
};

static void *sensor_reserve(struct spsc_ring *r, size_t len)
{
    unsigned spins = 0;
    void *p;
    /* A full ring means the worker is behind: the reader waits, a replay
     * never loses a packet. */
    while (!(p = spsc_ring_reserve(r, len)))
        spsc_ring_backoff(&spins);
    return p;
}

static void sensor_send(struct spsc_ring *r, const struct sensor_msg *m, const uint8_t *data)
{
    uint8_t *p = sensor_reserve(r, sizeof *m + m->caplen);
    memcpy(p, m, sizeof *m);
    if (data)
        memcpy(p + sizeof *m, data, m->caplen);
    spsc_ring_commit(r);
}

static void sensor_reader_packet(void *ctx, int linktype, uint64_t ts_us, const uint8_t *data,
                                 size_t caplen, size_t wirelen)
{
    struct sensor_reader *rd = ctx;
    struct sensor *s = rd->s;
    if (ts_us > rd->now_us)
        rd->now_us = ts_us;
    if (ts_us > s->last_ts_us)
        s->last_ts_us = ts_us;
    /* One worker checks its timeouts once a second of capture time, on
     * the first packet past the mark; every worker is told to do the same
     * at the same moments, whichever packets it sees. */
    if (rd->now_us >= rd->next_expire_us) {
        struct sensor_msg m = {.kind = SENSOR_MSG_EXPIRE, .ts_us = rd->now_us};
        for (unsigned i = 0; i < s->n; i++)
            sensor_send(s->sw[i].in, &m, NULL);
        rd->next_expire_us = rd->now_us + 1000000u;
    }
    uint32_t h = fanout_hash(linktype, data, caplen);
    struct sensor_msg m = {
        .kind = SENSOR_MSG_PACKET,
        .linktype = linktype,
        .ts_us = ts_us,
        .caplen = (uint32_t)caplen,
        .wirelen = (uint32_t)wirelen,
    };
    sensor_send(s->sw[h % s->n].in, &m, data);
}

static void *sensor_replay_main(void *arg)
{
    struct sensor_worker *sw = arg;
    unsigned spins = 0;
    for (;;) {
        size_t len;
        const uint8_t *p = spsc_ring_peek(sw->in, &len);
        if (!p) {
            spsc_ring_backoff(&spins);
            continue;
        }
        spins = 0;
        struct sensor_msg m;
        memcpy(&m, p, sizeof m);
        if (m.kind == SENSOR_MSG_END) {
            spsc_ring_release(sw->in);
            break;
        }
        if (m.kind == SENSOR_MSG_EXPIRE)
            worker_tick(sw->w, m.ts_us);
        else
            worker_packet(sw->w, m.linktype, m.ts_us, p + sizeof m, m.caplen, m.wirelen);
        spsc_ring_release(sw->in);
    }
    eve_file_flush(sw->eve);
    return NULL;
}

/* Reads every file in order into fn. Returns MAMORI_EXIT_OK or
 * MAMORI_EXIT_INPUT_ERROR (after reading everything readable). */
static int sensor_read_files(struct sensor *s, capture_packet_fn fn, void *ctx)
{
    int status = MAMORI_EXIT_OK;
    for (size_t i = 0; i < s->o->nfiles; i++) {
        char err[1024];
        const char *path = s->o->files[i];
        struct capture *c = capture_open(&capture_file_backend, path, NULL, err, sizeof err);
        if (!c) {
            fprintf(stderr, "mamori: %s\n", err);
            status = MAMORI_EXIT_INPUT_ERROR;
            continue;
        }
        int r;
        while ((r = capture_dispatch(c, SENSOR_BATCH, fn, ctx)) >= 0)
            ;
        if (r == CAPTURE_ERROR) {
            fprintf(stderr, "mamori: %s\n", capture_error(c));
            status = MAMORI_EXIT_INPUT_ERROR;
        }
        struct capture_stats cs;
        capture_stats(c, &cs);
        if (s->o->verbose && r != CAPTURE_ERROR)
            fprintf(stderr, "mamori: %s: %" PRIu64 " packets\n", path, cs.received);
        capture_close(c);
    }
    return status;
}

static int sensor_run_files(struct sensor *s)
{
    unsigned n = s->cfg->workers;
    if (sensor_open_output(s, false) < 0 || sensor_new_workers(s, n, n > 1) < 0)
        return MAMORI_EXIT_USAGE;
    int orc = output_start(s->out);
    if (orc < 0) {
        fprintf(stderr, "mamori: cannot start the output thread: %s\n", strerror(-orc));
        return MAMORI_EXIT_USAGE;
    }
    if (n == 1) {
        /* The stats record through the worker's own ring: it then follows
         * the flow records, as it always did. */
        s->eve = s->sw[0].eve;
        int status = sensor_read_files(s, sensor_file_packet, &s->sw[0]);
        sensor_final_stats(s, s->last_ts_us, false);
        return status;
    }

    for (unsigned i = 0; i < n; i++) {
        s->sw[i].in = spsc_ring_new((size_t)s->cfg->capture.replay_ring_size);
        if (!s->sw[i].in) {
            fprintf(stderr, "mamori: cannot allocate the workers' rings\n");
            return MAMORI_EXIT_USAGE;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&s->sw[i].thread, NULL, sensor_replay_main, &s->sw[i]) != 0) {
            fprintf(stderr, "mamori: cannot start worker threads\n");
            /* the threads already started are ended below */
            n = i;
            break;
        }
        s->sw[i].started = true;
    }
    int status = MAMORI_EXIT_USAGE;
    struct sensor_reader rd = {.s = s};
    if (n == s->n)
        status = sensor_read_files(s, sensor_reader_packet, &rd);
    struct sensor_msg end = {.kind = SENSOR_MSG_END};
    for (unsigned i = 0; i < n; i++) {
        sensor_send(s->sw[i].in, &end, NULL);
        pthread_join(s->sw[i].thread, NULL);
        s->sw[i].started = false;
    }
    if (n == s->n)
        sensor_final_stats(s, s->last_ts_us, true);
    return status;
}

/* -- live capture -------------------------------------------------------- */

static void sensor_live_publish(struct sensor_worker *sw)
{
    struct worker_snapshot snap;
    worker_snapshot(sw->w, &snap);
    capture_stats(sw->cap, &snap.capture);
    /* Full: the main thread has not taken the last ones yet; this one is
     * skipped, the next replaces it. */
    void *p = spsc_ring_reserve(sw->stats, sizeof snap);
    if (p) {
        memcpy(p, &snap, sizeof snap);
        spsc_ring_commit(sw->stats);
    }
}

/* Worker's thread: takes the rule sets the main thread reloaded. */
static void sensor_live_control(struct sensor_worker *sw)
{
    size_t len;
    const void *p;
    while (sw->ctl && (p = spsc_ring_peek(sw->ctl, &len))) {
        struct ruleset *rs;
        if (len == sizeof rs) {
            memcpy(&rs, p, sizeof rs);
            worker_set_rules(sw->w, rs);
        }
        spsc_ring_release(sw->ctl);
    }
}

static void sensor_live_tick(struct sensor_worker *sw)
{
    worker_tick(sw->w, sensor_real_us());
    eve_file_flush(sw->eve);
    sensor_live_publish(sw);
}

/* After a stop: what is already in the ring is still processed, and a
 * block the kernel has not yet handed over (it does within the block
 * timeout) is waited for, so that packets seen before the stop are not
 * lost. */
static void sensor_live_drain(struct sensor_worker *sw)
{
    uint64_t deadline = sensor_mono_ms() + sw->s->cfg->capture.block_timeout_ms + 100u;
    for (;;) {
        int n = capture_dispatch(sw->cap, SENSOR_BATCH, worker_packet, sw->w);
        if (n < 0)
            return;
        if (n > 0)
            continue;
        uint64_t now = sensor_mono_ms();
        if (now >= deadline)
            return;
        capture_wait(sw->cap, -1, (int)(deadline - now));
    }
}

static void *sensor_live_main(void *arg)
{
    struct sensor_worker *sw = arg;
    struct sensor *s = sw->s;
    uint64_t next_tick = sensor_mono_ms() + SENSOR_TICK_MS;

    while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
        sensor_live_control(sw);
        int n = capture_dispatch(sw->cap, SENSOR_BATCH, worker_packet, sw->w);
        if (n < 0) {
            sw->error = n;
            snprintf(sw->errmsg, sizeof sw->errmsg, "%s", capture_error(sw->cap));
            break;
        }
        uint64_t now = sensor_mono_ms();
        if (n == 0 && now < next_tick) {
            int rc = capture_wait(sw->cap, s->wake_fd, (int)(next_tick - now));
            if (rc < 0) {
                sw->error = rc;
                snprintf(sw->errmsg, sizeof sw->errmsg, "%s", capture_error(sw->cap));
                break;
            }
            now = sensor_mono_ms();
        }
        if (now >= next_tick) {
            sensor_live_tick(sw);
            next_tick = now + SENSOR_TICK_MS;
        }
    }
    if (!sw->error)
        sensor_live_drain(sw);
    eve_file_flush(sw->eve);
    atomic_store_explicit(&sw->done, true, memory_order_release);
    return NULL;
}

/* Decides whom to run as, before anything is opened, so that a missing
 * user stops the start before the interface is touched. Returns 0 with
 * *drop telling whether to switch to t, or -1 (message printed). */
static int sensor_live_whom(const struct config *c, struct privdrop_target *t, bool *drop)
{
    *drop = false;
    if (geteuid() != 0)
        return 0;
    if (!*c->run_as.user) {
        if (c->run_as.allow_root)
            return 0;
        fprintf(stderr, "mamori: refusing to capture as root with no user to switch to: set "
                        "run_as.user (--user USER), or run_as.allow_root (--allow-root)\n");
        return -1;
    }
    char err[256];
    int rc = privdrop_lookup(c->run_as.user, c->run_as.group, t, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "mamori: run_as: %s%s\n", err,
                rc == -ENOENT ? " (create it: useradd --system --no-create-home --shell "
                                "/usr/sbin/nologin mamori; or set run_as.user)"
                              : "");
        return -1;
    }
    *drop = true;
    return 0;
}

static int sensor_live_open(struct sensor *s)
{
    const struct config *c = s->cfg;
    struct capture_config cc = {
        .snaplen = c->capture.snaplen,
        .buffer_size = c->capture.buffer_size,
        .block_timeout_ms = c->capture.block_timeout_ms,
        .promiscuous = c->capture.promiscuous,
        .bpf = c->capture.bpf,
        /* Unique per process unless configured: two sensors on one host
         * must not join each other's group. */
        .fanout_group =
            c->capture.fanout_group ? c->capture.fanout_group : (uint32_t)getpid() & 0xffffu,
    };
    for (unsigned i = 0; i < s->n; i++) {
        char err[1024];
        s->sw[i].cap =
            capture_open(&capture_live_backend, c->capture.interface, &cc, err, sizeof err);
        if (!s->sw[i].cap) {
            fprintf(stderr, "mamori: %s\n", err);
            return -1;
        }
    }
    return 0;
}

/* Main thread: takes the workers' latest snapshots; hands their figures
 * to the output thread for /metrics and, when write_record is set, writes
 * the stats record: the total, with the breakdown by worker. */
static void sensor_live_stats(struct sensor *s, bool write_record)
{
    struct worker_snapshot total;
    memset(&total, 0, sizeof total);
    struct worker_snapshot *per = calloc(s->n, sizeof *per);
    for (unsigned i = 0; i < s->n; i++) {
        struct sensor_worker *sw = &s->sw[i];
        size_t len;
        const void *p;
        while ((p = spsc_ring_peek(sw->stats, &len))) {
            if (len == sizeof sw->last)
                memcpy(&sw->last, p, sizeof sw->last);
            spsc_ring_release(sw->stats);
        }
        worker_snapshot_add(&total, &sw->last);
        if (per)
            per[i] = sw->last;
    }
    if (per) {
        struct metrics_buf mb;
        metrics_buf_init(&mb);
        metrics_format_workers(&mb, per, s->n);
        if (!mb.err && mb.p)
            output_writer_metrics(s->ow, mb.p, mb.len);
        metrics_buf_free(&mb);
    }
    if (write_record) {
        worker_snapshot_format(&s->rec, &total, sensor_real_us(), per, per ? s->n : 0,
                               s->rules != NULL);
        eve_file_write(s->eve, &s->rec);
        eve_file_flush(s->eve);
    }
    free(per);
}

/* SIGHUP with the asset inventory: its registry and vulns files again. A
 * file with a mistake changes nothing (FILE:LINE:COL on standard error). */
static void sensor_reload_assets(struct sensor *s)
{
    const struct config *c = s->cfg;
    if (!c->assets.enabled || (!*c->assets.registry && !*c->assets.vulns))
        return;
    char err[1024];
    struct asset_registry *reg = NULL;
    struct asset_vulns *vulns = NULL;
    if (*c->assets.registry && !(reg = asset_registry_load(c->assets.registry, err, sizeof err)))
        goto fail;
    if (*c->assets.vulns && !(vulns = asset_vulns_load(c->assets.vulns, err, sizeof err)))
        goto fail;
    if (output_writer_asset_files(s->ow, reg, vulns) < 0) {
        snprintf(err, sizeof err, "the output thread is busy: send SIGHUP again");
        goto fail;
    }
    if (s->o->verbose)
        fprintf(stderr, "mamori: SIGHUP: reloaded the asset registry and vulns\n");
    return;
fail:
    fprintf(stderr, "mamori: SIGHUP: %s: the asset files loaded before stay in use\n", err);
    asset_registry_free(reg);
    asset_vulns_free(vulns);
}

/* SIGHUP: reads the -c file again for rules.dir and rules.vars (only
 * those: the other keys size memory and threads that are already
 * running) and loads those rules; --rules still wins over rules.dir.
 * Without -c, the same directory is loaded again. A file that cannot be
 * read (it must be readable by the user the sensor runs as) or has errors
 * changes nothing. dir gets the directory tried. Returns the new set or
 * NULL (why is printed). */
static struct ruleset *sensor_rules_reread(struct sensor *s, struct rule_diags *d, char *dir,
                                           size_t dirlen)
{
    snprintf(dir, dirlen, "%s", s->cfg->rules.dir);
    if (!s->o->config_name)
        return sensor_rules_load(s->cfg, NULL, d);
    struct config *fresh = malloc(sizeof *fresh);
    char err[1024];
    struct ruleset *rs = NULL;
    if (!fresh) {
        fprintf(stderr, "mamori: SIGHUP: out of memory\n");
        return NULL;
    }
    config_default(fresh);
    if (config_load(fresh, s->o->config_name, err, sizeof err) < 0) {
        fprintf(stderr, "mamori: SIGHUP: %s\n", err);
        goto out;
    }
    if (s->o->rules_arg)
        snprintf(fresh->rules.dir, sizeof fresh->rules.dir, "%s", s->o->rules_arg);
    if (!*fresh->rules.dir) {
        fprintf(stderr,
                "mamori: SIGHUP: %s no longer sets rules.dir; restart mamori to run "
                "without rules\n",
                s->o->config_name);
        goto out;
    }
    snprintf(dir, dirlen, "%s", fresh->rules.dir);
    rs = sensor_rules_load(fresh, s->o->config_name, d);
out:
    free(fresh);
    return rs;
}

/* SIGHUP with rules: loads the rules again (sensor_rules_reread). A set
 * with errors changes nothing (the errors go to standard error); a good
 * one goes to every worker through its control ring, and from each worker
 * to the correlator through its output ring (worker_set_rules). */
static void sensor_reload_rules(struct sensor *s)
{
    if (!s->rules)
        return;
    struct rule_diags d;
    char dir[sizeof s->cfg->rules.dir];
    rule_diags_init(&d);
    struct ruleset *rs = sensor_rules_reread(s, &d, dir, sizeof dir);
    rule_diags_print(&d, stderr);
    rule_diags_free(&d);
    if (!rs) {
        fprintf(stderr,
                "mamori: SIGHUP: the rules in %s were not loaded: still running the rules "
                "loaded before\n",
                dir);
        return;
    }
    unsigned missed = 0;
    for (unsigned i = 0; i < s->n; i++) {
        struct ruleset *ref = ruleset_ref(rs);
        void *p = s->sw[i].ctl ? spsc_ring_reserve(s->sw[i].ctl, sizeof ref) : NULL;
        if (!p) {
            /* Only when reloads come faster than a worker's loop turns. */
            ruleset_unref(ref);
            missed++;
            continue;
        }
        memcpy(p, &ref, sizeof ref);
        spsc_ring_commit(s->sw[i].ctl);
    }
    ruleset_unref(s->rules);
    s->rules = rs;
    if (missed)
        fprintf(stderr,
                "mamori: SIGHUP: %u worker(s) busy with earlier reloads: send SIGHUP again\n",
                missed);
    else if (s->o->verbose)
        fprintf(stderr, "mamori: SIGHUP: reloaded the rules in %s\n", dir);
}

/* Waits for signals, the stats interval and failing workers. Returns the
 * exit status. */
static int sensor_live_wait(struct sensor *s)
{
    uint64_t interval_ms = (uint64_t)s->cfg->stats_interval_s * 1000u;
    uint64_t next_stats = sensor_mono_ms() + interval_ms;
    int status = MAMORI_EXIT_OK;

    for (;;) {
        /* At least once a second: a failed worker is noticed in time even
         * without a stats interval. */
        int timeout = SENSOR_TICK_MS;
        uint64_t now = sensor_mono_ms();
        if (interval_ms && next_stats > now && next_stats - now < (uint64_t)timeout)
            timeout = (int)(next_stats - now);
        if (interval_ms && next_stats <= now)
            timeout = 0;
        struct pollfd pfd = {.fd = s->sig_fd, .events = POLLIN};
        int r = poll(&pfd, 1, timeout);
        if (r > 0) {
            struct signalfd_siginfo si;
            if (read(s->sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGHUP) {
                    int rc = output_reopen(s->out);
                    if (rc < 0)
                        fprintf(stderr, "mamori: SIGHUP: cannot reopen %s: %s\n",
                                output_eve_path(s->out), strerror(-rc));
                    else if (s->o->verbose)
                        fprintf(stderr, "mamori: SIGHUP: reopened %s\n", output_eve_path(s->out));
                    sensor_reload_rules(s);
                    sensor_reload_assets(s);
                } else {
                    if (s->o->verbose)
                        fprintf(stderr, "mamori: %s: stopping\n", strsignal((int)si.ssi_signo));
                    break;
                }
            }
        }
        for (unsigned i = 0; i < s->n; i++) {
            if (atomic_load_explicit(&s->sw[i].done, memory_order_acquire)) {
                fprintf(stderr, "mamori: worker %u: %s\n", i, s->sw[i].errmsg);
                status = MAMORI_EXIT_INPUT_ERROR;
            }
        }
        if (status != MAMORI_EXIT_OK)
            break;
        now = sensor_mono_ms();
        bool record = interval_ms && now >= next_stats;
        sensor_live_stats(s, record);
        if (record)
            next_stats = now + interval_ms;
    }
    return status;
}

static int sensor_run_live(struct sensor *s)
{
    const struct config *c = s->cfg;
    struct privdrop_target whom;
    bool drop;
    char err[512];

    /* Signals are taken from a signalfd by the main thread only: blocked
     * here, before any thread exists, they stay blocked in every worker. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
        (s->sig_fd = signalfd(-1, &set, SFD_CLOEXEC)) < 0 ||
        (s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        fprintf(stderr, "mamori: cannot set up signal handling: %s\n", strerror(errno));
        return MAMORI_EXIT_USAGE;
    }
    if (sensor_live_whom(c, &whom, &drop) < 0)
        return MAMORI_EXIT_USAGE;

    s->sw = calloc(c->workers, sizeof *s->sw);
    if (!s->sw)
        return MAMORI_EXIT_USAGE;
    s->n = c->workers;
    if (sensor_live_open(s) < 0)
        return MAMORI_EXIT_USAGE;

    /* Everything privileged is done: from here on, no root and no
     * capabilities. Before any thread exists, since capabilities are per
     * thread. */
    bool stay_root = !drop && geteuid() == 0; /* run_as.allow_root without a user */
    if (!stay_root && privdrop_apply(drop ? &whom : NULL, err, sizeof err) < 0) {
        fprintf(stderr, "mamori: cannot drop privileges: %s\n", err);
        return MAMORI_EXIT_USAGE;
    }
    if (s->o->verbose)
        fprintf(stderr, "mamori: capturing on %s with %u worker(s) as uid %u\n",
                c->capture.interface, s->n, (unsigned)geteuid());

    /* Opened as the user the sensor runs as, so that a reopen on SIGHUP
     * can do what the first open did. */
    if (sensor_open_output(s, true) < 0)
        return MAMORI_EXIT_USAGE;
    for (unsigned i = 0; i < s->n; i++) {
        struct sensor_worker *sw = &s->sw[i];
        struct worker_config wc;
        sensor_worker_config(s, i, s->n, &wc);
        sw->s = s;
        sw->index = i;
        atomic_init(&sw->done, false);
        sw->eve = sensor_worker_output(s, sw);
        sw->w = sw->eve ? worker_new(&wc, sw->eve) : NULL;
        sw->stats = spsc_ring_new(SENSOR_STATS_RING);
        sw->ctl = s->rules ? spsc_ring_new(SENSOR_CTL_RING) : NULL;
        if (!sw->w || !sw->stats || (s->rules && !sw->ctl)) {
            fprintf(stderr, "mamori: cannot start the workers: out of memory\n");
            return MAMORI_EXIT_USAGE;
        }
    }

    int status = MAMORI_EXIT_OK;
    int orc = output_start(s->out);
    if (orc < 0) {
        fprintf(stderr, "mamori: cannot start the output thread: %s\n", strerror(-orc));
        return MAMORI_EXIT_USAGE;
    }
    for (unsigned i = 0; i < s->n; i++) {
        if (pthread_create(&s->sw[i].thread, NULL, sensor_live_main, &s->sw[i]) != 0) {
            fprintf(stderr, "mamori: cannot start worker threads\n");
            status = MAMORI_EXIT_USAGE;
            break;
        }
        s->sw[i].started = true;
    }
    if (status == MAMORI_EXIT_OK)
        status = sensor_live_wait(s);

    atomic_store_explicit(&s->stop, true, memory_order_relaxed);
    uint64_t one = 1;
    if (write(s->wake_fd, &one, sizeof one) < 0)
        fprintf(stderr, "mamori: cannot wake the workers: %s\n", strerror(errno));
    for (unsigned i = 0; i < s->n; i++) {
        if (s->sw[i].started)
            pthread_join(s->sw[i].thread, NULL);
        s->sw[i].started = false;
    }
    sensor_final_stats(s, sensor_real_us(), true);
    return status;
}

int sensor_run(const struct sensor_options *o)
{
    struct sensor s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.cfg = o->cfg;
    s.wake_fd = -1;
    s.sig_fd = -1;
    atomic_init(&s.stop, false);
    json_init(&s.rec);
    int status;
    if (sensor_open_rules(&s) < 0)
        status = MAMORI_EXIT_USAGE;
    else
        status = *o->cfg->capture.interface ? sensor_run_live(&s) : sensor_run_files(&s);
    return sensor_close(&s, status);
}
