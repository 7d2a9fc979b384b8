#include "output/output.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asset/asset_store.h"
#include "detect/alert_eve.h"
#include "detect/event_asset.h"
#include "detect/rule_eval.h"
#include "detect/rule_state.h"
#include "detect/ruleset.h"
#include "metrics/metrics.h"
#include "output/output_redis.h"
#include "output/output_syslog.h"
#include "util/spsc_ring.h"

/* Producers registered at most: workers (64) and the main thread. */
#define OUTPUT_MAX_WRITERS 72
#define OUTPUT_MAX_BACKENDS 4
/* Records taken from one ring per pass: bounds how long one busy worker
 * holds up the others and the loop's other events. */
#define OUTPUT_PASS_RECORDS 1024u
#define OUTPUT_ID_STATE "record_id.state"
/* At exit, how long the syslog queue gets to drain (a reconnection too). */
#define OUTPUT_SYSLOG_WAIT_MS 1000u

enum output_msg_kind {
    OUTPUT_MSG_RECORD,
    OUTPUT_MSG_METRICS,
    /* A rule match for the correlator: a struct rule_candidate, then the
     * alert record the worker formatted while the event still existed;
     * written as an alert only if rule_state_decide() says so. */
    OUTPUT_MSG_MATCH,
    /* After a reload: a struct ruleset pointer (one reference, adopted by
     * the correlator); the producer's later matches come from that set. */
    OUTPUT_MSG_RULES,
    /* What a worker saw of the devices at a conversation's ends
     * (asset/asset_evidence.h), for the asset inventory. */
    OUTPUT_MSG_ASSET,
    /* After SIGHUP: a registry and a vulns table pointer (either NULL),
     * adopted by the asset inventory. */
    OUTPUT_MSG_ASSET_FILES,
};

/* The header of every ring record; the record's bytes follow. */
struct output_msg {
    uint32_t len;
    uint32_t kind;
    uint64_t dropped; /* records the producer dropped since its last hand-over */
    uint64_t handover_ns;
};

struct output_writer {
    struct output *o; /* borrowed */
    struct spsc_ring *ring;
    struct eve_file *eve;
    bool block_when_full;
    /* Producer's side. */
    uint64_t dropped_total;
    uint64_t dropped_unreported;
    /* Output thread's side. */
    struct ruleset *rules; /* the set this producer's matches come from (a reference) */
    uint64_t dropped_seen;
    uint64_t records;
    unsigned index;
};

struct output_be {
    const struct output_backend *be;
    void *state;
};

struct output {
    struct output_config c;
    char sensor_id[128];
    char state_dir[1024];
    char metrics_listen[64];
    pthread_t thread;
    bool started, stopped;
    atomic_bool stop;
    struct event_base *base;
    struct event *pass;
    struct metrics_server *metrics;
    struct output_writer *w[OUTPUT_MAX_WRITERS];
    unsigned nw;
    /* The EVE file, or with eve_per_type one per record type (sink[t]):
     * the output thread is their only writer; the sinks' locks are there
     * for output_reopen() from the main thread. */
    struct eve_file_sink *sink[OUTPUT_NTYPES];
    struct eve_file *eve[OUTPUT_NTYPES];
    unsigned nsinks;
    char eve_path[1200];
    struct output_be be[OUTPUT_MAX_BACKENDS];
    unsigned nbe;
    /* record_id */
    uint64_t next_id, id_ceiling;
    int id_error;
    char *line; /* a record with its record_id (and stats' output object) */
    size_t line_cap;
    struct metrics_buf workers_text; /* the newest producer figures */
    /* The correlator: the output thread alone touches the state. NULL
     * rules: no rules, matches are never sent. */
    struct ruleset *rules;
    struct rule_state *rstate;
    bool wall_clock;         /* live: expire by the wall clock, replay by capture time */
    uint64_t corr_now_us;    /* latest time seen */
    uint64_t corr_expire_us; /* next rule_state_expire() */
    /* The asset inventory (NULL: off), and the matcher its events go
     * through when there are rules. */
    struct asset_store *assets;
    struct rule_matcher *amatcher;
    struct json_buf arec;
    uint64_t next_alert;
    uint64_t dispatch_ns; /* hand-over time of the record being taken */
    struct {
        uint64_t records[OUTPUT_NTYPES];
        uint64_t handover_drops;
        uint64_t too_large;
        uint64_t eve_errors;
    } st;
};

static const char *const output_type_names[OUTPUT_NTYPES] = {"alert", "flow",  "protocol",
                                                             "asset", "stats", "asset_state"};

const char *output_type_name(enum output_type t)
{
    return (unsigned)t < OUTPUT_NTYPES ? output_type_names[t] : "?";
}

enum output_type output_type_of(const char *rec, size_t len)
{
    static const char key[] = "\"event_type\":\"";
    const char *p = memmem(rec, len, key, sizeof key - 1);
    if (!p)
        return OUTPUT_PROTOCOL;
    p += sizeof key - 1;
    size_t left = len - (size_t)(p - rec);
    static const struct {
        const char *name;
        enum output_type t;
    } map[] = {{"alert\"", OUTPUT_ALERT},
               {"flow\"", OUTPUT_FLOW},
               {"stats\"", OUTPUT_STATS},
               {"asset\"", OUTPUT_ASSET}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        size_t n = strlen(map[i].name);
        if (left >= n && memcmp(p, map[i].name, n) == 0)
            return map[i].t;
    }
    return OUTPUT_PROTOCOL;
}

static uint64_t output_mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static uint64_t output_real_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* -- producers' side -------------------------------------------------- */

/* Hands over head[0..hlen) then p[0..len) as one record (hlen 0: no
 * head). */
static int output_writer_push(struct output_writer *w, uint32_t kind, const void *head, size_t hlen,
                              const char *p, size_t len)
{
    size_t need = sizeof(struct output_msg) + hlen + len;
    if (need > spsc_ring_max_record(w->ring)) {
        w->dropped_total++;
        w->dropped_unreported++;
        return -EMSGSIZE;
    }
    void *slot = spsc_ring_reserve(w->ring, need);
    if (!slot && w->block_when_full) {
        /* Replay: the output thread is behind; wait, as the reader waits
         * for a worker, so that a replay gives the same records every
         * time. */
        unsigned spins = 0;
        while (!(slot = spsc_ring_reserve(w->ring, need)))
            spsc_ring_backoff(&spins);
    }
    if (!slot) {
        w->dropped_total++;
        w->dropped_unreported++;
        return -ENOBUFS;
    }
    struct output_msg m = {
        .len = (uint32_t)(hlen + len),
        .kind = kind,
        .dropped = w->dropped_unreported,
        .handover_ns = output_real_ns(),
    };
    memcpy(slot, &m, sizeof m);
    if (hlen)
        memcpy((char *)slot + sizeof m, head, hlen);
    memcpy((char *)slot + sizeof m + hlen, p, len);
    spsc_ring_commit(w->ring);
    w->dropped_unreported = 0;
    return 0;
}

/* eve_file back-end of a writer: the packet path's eve_file_write(). */
static int output_writer_write(void *ctx, const char *rec, size_t len)
{
    return output_writer_push(ctx, OUTPUT_MSG_RECORD, NULL, 0, rec, len);
}

/* A worker's rule match: through the same ring as its records, so that the
 * correlator sees a worker's matches in their order. */
static int output_writer_match(void *ctx, const void *match, size_t match_len, const char *rec,
                               size_t len)
{
    if (match_len != sizeof(struct rule_candidate))
        return -EINVAL;
    return output_writer_push(ctx, OUTPUT_MSG_MATCH, match, match_len, rec, len);
}

/* A reload reaches the correlator in the producer's own ring: matches of
 * the old set, handed over before, are still decided with the old set. */
static int output_writer_rules(void *ctx, struct ruleset *rs)
{
    struct output_writer *w = ctx;
    /* Never dropped silently, never waited for: on a full ring the
     * producer keeps its old set and tries again. */
    bool block = w->block_when_full;
    w->block_when_full = false;
    int rc = output_writer_push(w, OUTPUT_MSG_RULES, NULL, 0, (const char *)&rs, sizeof rs);
    w->block_when_full = block;
    if (rc < 0) {
        w->dropped_total--;
        w->dropped_unreported--;
    }
    return rc;
}

static int output_writer_asset(void *ctx, const void *msg, size_t len)
{
    return output_writer_push(ctx, OUTPUT_MSG_ASSET, NULL, 0, msg, len);
}

static const struct eve_file_ops output_writer_ops = {
    .write = output_writer_write,
    .flush = NULL, /* every record is handed over at once */
    .write_match = output_writer_match,
    .write_rules = output_writer_rules,
    .write_asset = output_writer_asset,
};

struct output_writer *output_writer_new(struct output *o)
{
    if (o->started || o->nw == OUTPUT_MAX_WRITERS)
        return NULL;
    struct output_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->o = o;
    w->index = o->nw;
    w->block_when_full = o->c.block_when_full;
    w->rules = o->rules ? ruleset_ref(o->rules) : NULL;
    w->ring = spsc_ring_new((size_t)o->c.ring_size);
    w->eve = eve_file_new_ops(&output_writer_ops, w);
    if (!w->ring || !w->eve) {
        spsc_ring_free(w->ring);
        eve_file_free(w->eve);
        free(w);
        return NULL;
    }
    o->w[o->nw++] = w;
    return w;
}

struct eve_file *output_writer_eve(struct output_writer *w)
{
    return w->eve;
}

int output_writer_asset_files(struct output_writer *w, struct asset_registry *registry,
                              struct asset_vulns *vulns)
{
    void *ptrs[2] = {registry, vulns};
    bool block = w->block_when_full;
    w->block_when_full = false;
    int rc =
        output_writer_push(w, OUTPUT_MSG_ASSET_FILES, NULL, 0, (const char *)ptrs, sizeof ptrs);
    w->block_when_full = block;
    if (rc < 0) {
        w->dropped_total--;
        w->dropped_unreported--;
    }
    return rc;
}

int output_writer_metrics(struct output_writer *w, const char *text, size_t len)
{
    /* Figures are replaced by the next ones: never worth waiting for. */
    bool block = w->block_when_full;
    w->block_when_full = false;
    int rc = output_writer_push(w, OUTPUT_MSG_METRICS, NULL, 0, text, len);
    w->block_when_full = block;
    if (rc < 0) {
        w->dropped_total--;
        w->dropped_unreported--;
    }
    return rc;
}

void output_writer_wait_drained(struct output_writer *w)
{
    unsigned spins = 0;
    while (w->o->started && !w->o->stopped && !spsc_ring_drained(w->ring))
        spsc_ring_backoff(&spins);
}

uint64_t output_writer_dropped(const struct output_writer *w)
{
    return w->dropped_total;
}

/* -- record_id -------------------------------------------------------- */

/* Reserves the next block of ids: the state file then holds a value no
 * id handed out so far reaches. */
static int output_id_reserve(struct output *o)
{
    char path[1100], tmp[1110];
    if (!o->state_dir[0]) { /* ids kept for this run only */
        o->id_ceiling = o->next_id + OUTPUT_ID_BLOCK;
        return 0;
    }
    snprintf(path, sizeof path, "%s/%s", o->state_dir, OUTPUT_ID_STATE);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    uint64_t ceiling = o->next_id + OUTPUT_ID_BLOCK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    char text[32];
    int n = snprintf(text, sizeof text, "%" PRIu64 "\n", ceiling);
    int rc = write(fd, text, (size_t)n) == n ? 0 : -EIO;
    if (fsync(fd) != 0 && rc == 0)
        rc = -errno;
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc == 0)
        o->id_ceiling = ceiling;
    return rc;
}

static int output_id_load(struct output *o)
{
    char path[1100];
    o->next_id = 1;
    if (!o->state_dir[0])
        return output_id_reserve(o);
    snprintf(path, sizeof path, "%s/%s", o->state_dir, OUTPUT_ID_STATE);
    FILE *f = fopen(path, "r");
    if (f) {
        uint64_t v;
        if (fscanf(f, "%" SCNu64, &v) == 1 && v > 0)
            o->next_id = v;
        fclose(f);
    }
    return output_id_reserve(o);
}

/* -- the output thread ------------------------------------------------ */

static bool output_line_room(struct output *o, size_t need)
{
    if (need <= o->line_cap)
        return true;
    size_t cap = o->line_cap ? o->line_cap : 4096;
    while (cap < need)
        cap *= 2;
    char *p = realloc(o->line, cap);
    if (!p)
        return false;
    o->line = p;
    o->line_cap = cap;
    return true;
}

/* The output's own figures, added to each stats record as "output". */
static size_t output_stats_object(const struct output *o, char *p, size_t cap)
{
    int n = snprintf(p, cap,
                     ",\"outputs\":{\"records\":{\"alert\":%" PRIu64 ",\"flow\":%" PRIu64
                     ",\"protocol\":%" PRIu64 ",\"asset\":%" PRIu64 ",\"stats\":%" PRIu64
                     "},\"handover_drops\":%" PRIu64 ",\"eve_errors\":%" PRIu64,
                     o->st.records[OUTPUT_ALERT], o->st.records[OUTPUT_FLOW],
                     o->st.records[OUTPUT_PROTOCOL], o->st.records[OUTPUT_ASSET],
                     o->st.records[OUTPUT_STATS], o->st.handover_drops, o->st.eve_errors);
    if (n < 0 || (size_t)n + 2 >= cap)
        return 0;
    /* Back-ends' own figures inside "outputs", then its closing brace. */
    for (unsigned i = 0; i < o->nbe; i++) {
        if (o->be[i].be->stats)
            n += (int)o->be[i].be->stats(o->be[i].state, p + n, cap - (size_t)n - 2);
    }
    p[n++] = '}';
    p[n] = '\0';
    if (o->assets) {
        const struct asset_table_stats *as = asset_table_stats(asset_store_table(o->assets));
        const struct asset_store_stats *ss = asset_store_stats(o->assets);
        int a = snprintf(
            p + n, cap - (size_t)n,
            ",\"assets\":{\"devices\":%" PRIu64 ",\"created\":%" PRIu64 ",\"evicted\":%" PRIu64
            ",\"evidence\":%" PRIu64 ",\"malformed\":%" PRIu64 ",\"records\":%" PRIu64
            ",\"events\":%" PRIu64 ",\"memory\":%" PRIu64 ",\"names_pending\":%" PRIu64
            ",\"names_evicted\":%" PRIu64 ",\"names_attached\":%" PRIu64
            ",\"rewrites\":%" PRIu64 ",\"rewrite_fallbacks\":%" PRIu64
            ",\"rewrite_failures\":%" PRIu64 "}",
            as->assets, as->created, as->evicted, as->evidence, as->malformed, as->records,
            as->events, as->memory, as->names_pending, as->names_evicted, as->names_attached,
            ss->rewrites, ss->rewrite_fallbacks, ss->rewrite_failures);
        if (a > 0 && (size_t)a < cap - (size_t)n)
            n += a;
    }
    if (!o->rstate)
        return (size_t)n;
    /* The correlator's figures: they live on this thread, so they join the
     * stats record here rather than in the worker's part (eve_stats.c). */
    const struct rule_state_stats *rs = rule_state_stats(o->rstate);
    int k =
        snprintf(p + n, cap - (size_t)n,
                 ",\"correlator\":{\"alerts\":%" PRIu64 ",\"suppressed\":%" PRIu64
                 ",\"rate_limited\":%" PRIu64 ",\"below_threshold\":%" PRIu64 ",\"stale\":%" PRIu64
                 ",\"state_entries\":%" PRIu64 ",\"state_memory\":%" PRIu64
                 ",\"state_evictions\":%" PRIu64 ",\"state_memcap_drops\":%" PRIu64 "}",
                 rs->alerts, rs->suppressed, rs->rate_limited, rs->below_threshold, rs->stale,
                 rs->entries, rs->memory, rs->evictions, rs->memcap_drops);
    return k > 0 && (size_t)k < cap - (size_t)n ? (size_t)(n + k) : (size_t)n;
}

/* Writes ,"record_id":"SENSOR:N"} and a NUL at out (room: the sensor id,
 * 48 bytes more). Once per record: no snprintf. */
static size_t output_record_id(char *out, const char *sensor_id, uint64_t id)
{
    static const char key[] = ",\"record_id\":\"";
    char digits[20], *d = digits + sizeof digits;
    do {
        *--d = (char)('0' + id % 10);
        id /= 10;
    } while (id);
    char *o = out;
    memcpy(o, key, sizeof key - 1);
    o += sizeof key - 1;
    size_t sl = strlen(sensor_id);
    memcpy(o, sensor_id, sl);
    o += sl;
    *o++ = ':';
    memcpy(o, d, (size_t)(digits + sizeof digits - d));
    o += digits + sizeof digits - d;
    *o++ = '"';
    *o++ = '}';
    *o = '\0';
    return (size_t)(o - out);
}

/* One record, as the producer formatted it: gets its record_id (and, for
 * stats, the output's figures) spliced in before the closing brace, then
 * goes to every back-end. */
static void output_dispatch(struct output *o, const char *rec, size_t len, uint64_t handover_ns)
{
    if (len < 2 || rec[len - 1] != '}') {
        o->st.too_large++;
        return;
    }
    enum output_type type = output_type_of(rec, len);
    /* Rule matches are decided before they get here (output_correlate);
     * the asset inventory goes here: it sees every record in order per
     * producer and may emit more. */
    if (o->next_id >= o->id_ceiling && output_id_reserve(o) < 0 && !o->id_error) {
        o->id_error = 1;
        fprintf(stderr, "mamori: cannot save %s/%s: record ids may repeat after a restart\n",
                o->state_dir, OUTPUT_ID_STATE);
    }
    char extra[1024];
    size_t elen = type == OUTPUT_STATS ? output_stats_object(o, extra, sizeof extra) : 0;
    size_t need = len + elen + sizeof o->sensor_id + 48;
    if (!output_line_room(o, need)) {
        o->st.too_large++;
        return;
    }
    memcpy(o->line, rec, len - 1);
    size_t n = len - 1;
    memcpy(o->line + n, extra, elen);
    n += elen;
    n += output_record_id(o->line + n, o->sensor_id, o->next_id++);
    o->st.records[type]++;

    struct eve_file *eve = o->eve[o->nsinks > 1 ? type : 0];
    if (eve) {
        struct json_buf jb = {.p = o->line, .len = n};
        if (eve_file_write(eve, &jb) < 0)
            o->st.eve_errors++;
    }
    for (unsigned i = 0; i < o->nbe; i++)
        o->be[i].be->submit(o->be[i].state, type, o->line, n, handover_ns);
}

/* Frees expired rule state about once a second of the correlator's clock. */
static void output_correlator_tick(struct output *o, uint64_t now_us)
{
    if (now_us > o->corr_now_us)
        o->corr_now_us = now_us;
    if (o->corr_now_us < o->corr_expire_us)
        return;
    rule_state_expire(o->rstate, o->corr_now_us);
    o->corr_expire_us = o->corr_now_us + 1000000u;
}

/* The correlator: decides on one worker's match (a struct rule_candidate
 * and its alert record); an alert goes on as any record. */
static void output_correlate(struct output *o, struct output_writer *w, const uint8_t *p,
                             size_t len, uint64_t handover_ns)
{
    struct rule_candidate c;
    if (!o->rstate || !w->rules || len < sizeof c) {
        o->st.too_large++;
        return;
    }
    memcpy(&c, p, sizeof c);
    if (!o->wall_clock)
        output_correlator_tick(o, c.ts_us);
    if (rule_state_decide(o->rstate, ruleset_rules(w->rules), &c) != RULE_ALERT)
        return;
    output_dispatch(o, (const char *)p + sizeof c, len - sizeof c, handover_ns);
}

/* A producer switched rule sets (reload): its later matches come from the
 * new one. The first producer to switch also frees the state of rules
 * that are gone or changed. */
static void output_rules_switch(struct output *o, struct output_writer *w, const uint8_t *p,
                                size_t len)
{
    struct ruleset *rs;
    if (len != sizeof rs)
        return;
    memcpy(&rs, p, sizeof rs);
    ruleset_unref(w->rules);
    w->rules = rs;
    if (o->rstate && rs != o->rules) {
        rule_state_bind(o->rstate, ruleset_rules(rs));
        ruleset_unref(o->rules);
        o->rules = ruleset_ref(rs);
    }
}

/* The inventory's records go out as any record. */
static void output_asset_record(void *ctx, const struct json_buf *rec)
{
    struct output *o = ctx;
    output_dispatch(o, rec->p, rec->len, o->dispatch_ns);
}

/* An entry changed: the back-ends keep its state (Redis: the hash, the
 * index by last seen, the address map). Through submit() like a record,
 * so a Redis that is away gets it from the spool later. */
static void output_asset_save(void *ctx, const struct asset *a, const struct json_buf *obj)
{
    struct output *o = ctx;
    if (!o->nbe || obj->err)
        return;
    size_t need = obj->len + sizeof o->sensor_id + ASSET_ID_MAX + 64 + ASSET_LIST_MAX * 48;
    if (!output_line_room(o, need)) {
        o->st.too_large++;
        return;
    }
    int n = snprintf(o->line, need, "%s\t%" PRIu64 "\t%s\t", a->id, a->last_us / 1000000u,
                     o->sensor_id);
    size_t len = n > 0 ? (size_t)n : 0;
    for (uint8_t i = 0; i < a->ips.n; i++) {
        n = snprintf(o->line + len, need - len, "%s%s", i ? " " : "", a->ips.v[i]);
        len += n > 0 ? (size_t)n : 0;
    }
    o->line[len++] = '\t';
    memcpy(o->line + len, obj->p, obj->len);
    len += obj->len;
    for (unsigned i = 0; i < o->nbe; i++)
        o->be[i].be->submit(o->be[i].state, OUTPUT_ASSET_STATE, o->line, len, o->dispatch_ns);
}

/* Entries from Redis (the JSON of PREFIX:asset:ID), when assets.json had
 * none: the inventory survives a sensor whose disk was replaced. */
static void output_asset_fetched(void *ctx, const char *json, size_t len)
{
    asset_store_load(ctx, (const uint8_t *)json, len);
}

/* The inventory's events are matched against the rules here, on the
 * correlator's thread, and decided by the same rule state. */
static void output_asset_event(void *ctx, const struct asset_event *aev)
{
    struct output *o = ctx;
    if (!o->rstate || !o->amatcher)
        return;
    struct rule_candidate cand[16];
    struct event_asset ea;
    event_asset_init(&ea, aev);
    const struct compiled_rules *cr = ruleset_rules(o->rules);
    size_t n = rule_match(o->amatcher, cr, &ea.ev, cand, 16);
    if (!o->wall_clock)
        output_correlator_tick(o, aev->ts_us);
    for (size_t i = 0; i < n; i++) {
        if (rule_state_decide(o->rstate, cr, &cand[i]) != RULE_ALERT)
            continue;
        /* Alert ids of the output thread: past every worker's. */
        alert_eve_format(&o->arec, &cr->rules[cand[i].rule], &ea.ev,
                         (uint64_t)ALERT_ID_OUTPUT << ALERT_ID_SHIFT | ++o->next_alert);
        output_dispatch(o, o->arec.p, o->arec.len, o->dispatch_ns);
    }
}

/* Takes up to a pass of records from every ring. Returns true when some
 * ring had more. */
static bool output_drain(struct output *o)
{
    bool more = false;
    for (unsigned i = 0; i < o->nw; i++) {
        struct output_writer *w = o->w[i];
        unsigned n = 0;
        size_t len;
        const uint8_t *p;
        while (n < OUTPUT_PASS_RECORDS && (p = spsc_ring_peek(w->ring, &len))) {
            struct output_msg m;
            memcpy(&m, p, sizeof m);
            o->st.handover_drops += m.dropped;
            if (m.kind == OUTPUT_MSG_RECORD) {
                w->records++;
                output_dispatch(o, (const char *)p + sizeof m, m.len, m.handover_ns);
            } else if (m.kind == OUTPUT_MSG_MATCH) {
                output_correlate(o, w, p + sizeof m, m.len, m.handover_ns);
            } else if (m.kind == OUTPUT_MSG_RULES) {
                output_rules_switch(o, w, p + sizeof m, m.len);
            } else if (m.kind == OUTPUT_MSG_ASSET_FILES && m.len == 2 * sizeof(void *)) {
                void *ptrs[2];
                memcpy(ptrs, p + sizeof m, sizeof ptrs);
                if (o->assets) {
                    asset_store_set_files(o->assets, ptrs[0], ptrs[1]);
                } else {
                    asset_registry_free(ptrs[0]);
                    asset_vulns_free(ptrs[1]);
                }
            } else if (m.kind == OUTPUT_MSG_ASSET) {
                o->dispatch_ns = m.handover_ns;
                if (o->assets)
                    asset_store_evidence(o->assets, p + sizeof m, m.len);
            } else {
                metrics_buf_free(&o->workers_text);
                metrics_buf_append(&o->workers_text, (const char *)p + sizeof m, m.len);
            }
            spsc_ring_release(w->ring);
            n++;
        }
        if (n == OUTPUT_PASS_RECORDS)
            more = true;
    }
    return more;
}

static void output_flush_backends(struct output *o)
{
    for (unsigned i = 0; i < o->nsinks; i++) {
        if (o->eve[i] && eve_file_flush(o->eve[i]) < 0)
            o->st.eve_errors++;
    }
    uint64_t now = output_mono_ms();
    if (o->assets)
        asset_store_flush(o->assets, now, false);
    for (unsigned i = 0; i < o->nbe; i++)
        o->be[i].be->flush(o->be[i].state, now);
}

/* Timer (flush_ms) and self-activation while rings have more: one pass. */
static void output_on_pass(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct output *o = arg;
    bool more = output_drain(o);
    if (o->rstate && o->wall_clock)
        output_correlator_tick(o, output_real_ns() / 1000u);
    output_flush_backends(o);
    if (atomic_load_explicit(&o->stop, memory_order_acquire)) {
        event_base_loopbreak(o->base);
        return;
    }
    if (more)
        event_active(o->pass, 0, 0);
}

static void output_page(void *ctx, struct metrics_buf *b)
{
    struct output *o = ctx;
    if (o->workers_text.p)
        metrics_buf_append(b, o->workers_text.p, o->workers_text.len);
    metrics_family(b, "mamori_records_total", "counter",
                   "Records written to the outputs, by type.");
    for (int t = 0; t < OUTPUT_NTYPES; t++) {
        char l[32];
        snprintf(l, sizeof l, "type=\"%s\"", output_type_names[t]);
        metrics_sample(b, "mamori_records_total", l, o->st.records[t]);
    }
    metrics_family(b, "mamori_alerts_total", "counter", "Alert records written.");
    metrics_sample(b, "mamori_alerts_total", NULL, o->st.records[OUTPUT_ALERT]);
    metrics_family(b, "mamori_handover_dropped_total", "counter",
                   "Records dropped by producers whose ring to the output thread was full.");
    metrics_sample(b, "mamori_handover_dropped_total", NULL, o->st.handover_drops);
    metrics_family(b, "mamori_eve_errors_total", "counter",
                   "Records that could not be written to the EVE file.");
    metrics_sample(b, "mamori_eve_errors_total", NULL, o->st.eve_errors);
    for (unsigned i = 0; i < o->nbe; i++)
        o->be[i].be->metrics(o->be[i].state, b);
    if (o->rstate) /* the correlator's figures live on this thread */
        metrics_format_correlator(b, rule_state_stats(o->rstate));
}

static bool output_health(void *ctx, char *why, size_t len)
{
    struct output *o = ctx;
    for (unsigned i = 0; i < o->nbe; i++) {
        if (!o->be[i].be->healthy(o->be[i].state, why, len))
            return false;
    }
    return true;
}

static void *output_main(void *arg)
{
    struct output *o = arg;
    event_base_dispatch(o->base);
    return NULL;
}

/* -- life cycle ------------------------------------------------------- */

/* flush_ms is the longest a lone record waits: the pass timer must keep
 * it to the millisecond (a precise timer: timerfd rather than epoll's
 * timeout, which rounds up to whole milliseconds). */
static struct event_base *output_base_new(void)
{
    struct event_config *cfg = event_config_new();
    if (!cfg)
        return NULL;
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
}

/* The EVE file, or one per record type (TYPE.json in the same directory;
 * standard output stays one stream). */
static int output_open_eve(struct output *o, char *err, size_t errlen)
{
    const struct output_config *c = &o->c;
    bool per_type = c->eve_enabled && c->eve_per_type && strcmp(c->eve_dir, "-") != 0;
    /* Record types only: asset state is Redis' alone. */
    unsigned n = per_type ? OUTPUT_ASSET_STATE : 1;
    for (unsigned t = 0; t < n; t++) {
        char name[64];
        snprintf(name, sizeof name, "%s.json", output_type_name((enum output_type)t));
        const char *file = per_type ? name : c->eve_filename;
        o->sink[t] = eve_file_sink_open(c->eve_enabled ? c->eve_dir : NULL, file);
        if (!o->sink[t]) {
            snprintf(err, errlen, "cannot open output %s/%s: %s", c->eve_dir, file,
                     strerror(errno));
            return -1;
        }
        o->nsinks++;
        if (c->eve_enabled && !(o->eve[t] = eve_file_new(o->sink[t]))) {
            snprintf(err, errlen, "outputs: out of memory");
            return -1;
        }
    }
    if (per_type)
        snprintf(o->eve_path, sizeof o->eve_path, "%s/{alert,flow,protocol,asset,stats}.json",
                 c->eve_dir);
    else if (c->eve_enabled)
        snprintf(o->eve_path, sizeof o->eve_path, "%s", eve_file_sink_path(o->sink[0]));
    return 0;
}

struct output *output_new(const struct output_config *c, char *err, size_t errlen)
{
    struct output *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "outputs: out of memory");
        return NULL;
    }
    o->c = *c;
    atomic_init(&o->stop, false);
    /* A peer that goes away (Redis killed, a scraper hanging up) must be an
     * EPIPE on the write, not the end of the sensor. Process-wide, as
     * signal dispositions are. */
    signal(SIGPIPE, SIG_IGN);
    metrics_buf_init(&o->workers_text);
    snprintf(o->state_dir, sizeof o->state_dir, "%s", c->state_dir ? c->state_dir : "");
    snprintf(o->metrics_listen, sizeof o->metrics_listen, "%s", c->metrics_listen);
    o->c.state_dir = o->state_dir;
    o->c.metrics_listen = o->metrics_listen;
    if (*c->sensor_id)
        snprintf(o->sensor_id, sizeof o->sensor_id, "%s", c->sensor_id);
    else if (gethostname(o->sensor_id, sizeof o->sensor_id - 1) != 0)
        snprintf(o->sensor_id, sizeof o->sensor_id, "mamori");
    /* The id is a JSON string and a Redis key part: keep it plain. */
    for (char *p = o->sensor_id; *p; p++) {
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '_';
    }

    if (output_open_eve(o, err, errlen) < 0)
        goto fail;
    int rc = output_id_load(o);
    if (rc < 0) {
        snprintf(err, errlen, "cannot write %s/%s: %s", o->state_dir, OUTPUT_ID_STATE,
                 strerror(-rc));
        goto fail;
    }
    o->base = output_base_new();
    o->pass = o->base ? event_new(o->base, -1, EV_PERSIST, output_on_pass, o) : NULL;
    if (!o->pass) {
        snprintf(err, errlen, "outputs: out of memory");
        goto fail;
    }
    json_init(&o->arec);
    if (c->assets && c->assets->enabled) {
        struct asset_store_config ac = *c->assets;
        if (!ac.dir)
            ac.dir = o->state_dir[0] ? o->state_dir : NULL;
        o->assets = asset_store_new(&ac, err, errlen);
        if (!o->assets)
            goto fail;
        struct asset_sink sink = {output_asset_record, output_asset_event, output_asset_save, o};
        asset_store_set_sink(o->assets, &sink);
        if (c->redis.enabled && asset_store_loaded(o->assets) == 0)
            output_redis_fetch_assets(&c->redis, ac.max_assets, output_asset_fetched, o->assets);
    }
    if (c->redis.enabled) {
        void *st = output_redis_new(&c->redis, o->state_dir, o->base, c->verbose, err, errlen);
        if (!st)
            goto fail;
        o->be[o->nbe++] = (struct output_be){&output_redis_backend, st};
    }
    if (c->syslog.enabled) {
        void *st = output_syslog_new(&c->syslog, o->base, c->verbose, err, errlen);
        if (!st)
            goto fail;
        o->be[o->nbe++] = (struct output_be){&output_syslog_backend, st};
    }
    if (c->metrics_enabled) {
        o->metrics = metrics_server_new(o->base, o->metrics_listen, c->metrics_port, output_page,
                                        output_health, o, err, errlen);
        if (!o->metrics)
            goto fail;
    }
    return o;
fail:
    output_free(o);
    return NULL;
}

int output_set_rules(struct output *o, struct ruleset *rs, const struct rule_state_limits *lim,
                     bool wall_clock)
{
    if (o->started || o->rules)
        return -EBUSY;
    o->rstate = rule_state_new(lim);
    if (!o->rstate)
        return -ENOMEM;
    o->rules = ruleset_ref(rs);
    o->wall_clock = wall_clock;
    if (o->assets && !(o->amatcher = rule_matcher_new()))
        return -ENOMEM;
    rule_state_bind(o->rstate, ruleset_rules(rs));
    return 0;
}

int output_start(struct output *o)
{
    struct timeval tv = {.tv_sec = o->c.flush_ms / 1000u,
                         .tv_usec = (suseconds_t)(o->c.flush_ms % 1000u) * 1000};
    if (event_add(o->pass, &tv) != 0)
        return -ENOMEM;
    int rc = pthread_create(&o->thread, NULL, output_main, o);
    if (rc != 0)
        return -rc;
    o->started = true;
    return 0;
}

int output_reopen(struct output *o)
{
    int rc = 0;
    for (unsigned i = 0; i < o->nsinks; i++) {
        int r = eve_file_sink_reopen(o->sink[i]);
        rc = rc < 0 ? rc : r;
    }
    return rc;
}

int output_stop(struct output *o)
{
    if (!o->started || o->stopped)
        return 0;
    atomic_store_explicit(&o->stop, true, memory_order_release);
    pthread_join(o->thread, NULL);
    o->stopped = true;
    /* The thread is gone: this thread owns everything now. Whatever the
     * producers left is taken, then the back-ends get until their timeout
     * to finish (Redis: the replies to what is in flight). */
    while (output_drain(o))
        output_flush_backends(o);
    output_flush_backends(o);
    uint64_t wait_ms = o->c.redis.enabled ? o->c.redis.timeout_ms : 0;
    if (o->c.syslog.enabled && wait_ms < OUTPUT_SYSLOG_WAIT_MS)
        wait_ms = OUTPUT_SYSLOG_WAIT_MS; /* the collector takes what is queued */
    uint64_t deadline = output_mono_ms() + wait_ms;
    for (unsigned i = 0; i < o->nbe; i++) {
        while (!o->be[i].be->idle(o->be[i].state) && output_mono_ms() < deadline) {
            event_base_loop(o->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
            output_flush_backends(o);
            usleep(200);
        }
        o->be[i].be->stop(o->be[i].state);
    }
    return 0;
}

int output_free(struct output *o)
{
    if (!o)
        return 0;
    output_stop(o);
    asset_store_free(o->assets); /* saves assets.json */
    rule_matcher_free(o->amatcher);
    json_free(&o->arec);
    for (unsigned i = 0; i < o->nbe; i++)
        o->be[i].be->free(o->be[i].state);
    metrics_server_free(o->metrics);
    if (o->pass)
        event_free(o->pass);
    if (o->base)
        event_base_free(o->base);
    int rc = 0;
    for (unsigned i = 0; i < o->nsinks; i++) {
        if (o->eve[i] && eve_file_flush(o->eve[i]) < 0)
            o->st.eve_errors++;
        eve_file_free(o->eve[i]);
        uint64_t lost = eve_file_sink_lost(o->sink[i]);
        if (lost)
            fprintf(stderr, "mamori: %" PRIu64 " records could not be written to %s\n", lost,
                    eve_file_sink_path(o->sink[i]));
        int r = eve_file_sink_close(o->sink[i]);
        if (r < 0)
            fprintf(stderr, "mamori: writing %s failed: %s\n", eve_file_sink_path(o->sink[i]),
                    strerror(-r));
        rc = rc < 0 ? rc : r;
    }
    if (o->st.handover_drops)
        fprintf(stderr, "mamori: %" PRIu64 " records dropped: the output thread did not keep up\n",
                o->st.handover_drops);
    for (unsigned i = 0; i < o->nw; i++) {
        ruleset_unref(o->w[i]->rules);
        spsc_ring_free(o->w[i]->ring);
        eve_file_free(o->w[i]->eve);
        free(o->w[i]);
    }
    metrics_buf_free(&o->workers_text);
    rule_state_free(o->rstate);
    ruleset_unref(o->rules);
    free(o->line);
    free(o);
    return rc;
}

const char *output_eve_path(const struct output *o)
{
    return o->eve_path[0] ? o->eve_path : "(none)";
}
