#include "output/output_redis.h"

#include <errno.h>
#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/metrics.h"
#include "output/json.h"
#include "output/spool.h"

#define REDIS_BACKOFF_MIN_MS 100u
/* The head of the spool is saved at most this often (a crash replays
 * what was acknowledged since: duplicates, not loss). */
#define REDIS_SYNC_MS 200u
/* Acknowledgement latency histogram: 50 us steps up to 100 ms, then one
 * bucket for everything slower. */
#define REDIS_LAT_STEP_US 50u
#define REDIS_LAT_BUCKETS 2001u

enum redis_state {
    REDIS_DOWN,       /* waiting for the reconnection timer */
    REDIS_CONNECTING, /* TCP/unix connect, then AUTH, SELECT, PING */
    REDIS_UP,
};

/* A record sent and not yet answered. From the spool: only its position
 * (the spool keeps the bytes); sent directly: a copy, which goes back to
 * the head of the spool if Redis fails. */
struct redis_inflight {
    char *rec; /* owned when sent directly, else NULL */
    size_t len;
    uint64_t spool_pos; /* after the record in the spool; 0 when sent directly */
    uint64_t handover_ns;
    uint64_t event_us; /* alerts: the packet's timestamp; 0 = not known */
    uint64_t sent_ms;
    uint8_t type;
};

struct output_redis {
    struct output_redis_config c;
    char host[256], socket[1024], user[256], password[256];
    char keys[OUTPUT_NTYPES][256];
    char maxlen[24];
    bool verbose;
    struct event_base *base; /* borrowed */
    struct event *reconnect;
    redisAsyncContext *ac;
    enum redis_state state;
    bool failing; /* an error reply or lost reply: the connection is being dropped */
    uint32_t backoff_ms;
    uint64_t state_since_ms;
    struct spool *spool;
    uint64_t last_sync_ms;
    /* In flight, oldest first: a circular array of max_inflight. */
    struct redis_inflight *fl;
    uint32_t fl_head, fl_count;
    char last_error[256];
    struct {
        uint64_t sent, acked, spooled, lost, errors, reconnects, resent;
    } st;
    uint64_t lat[REDIS_LAT_BUCKETS];
    uint64_t lat_event[REDIS_LAT_BUCKETS]; /* alerts: packet timestamp to acknowledgement */
};

static uint64_t redis_mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static uint64_t redis_real_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void redis_set_state(struct output_redis *r, enum redis_state s)
{
    r->state = s;
    r->state_since_ms = redis_mono_ms();
}

static void redis_error(struct output_redis *r, const char *what, const char *detail)
{
    snprintf(r->last_error, sizeof r->last_error, "%s%s%s", what, detail ? ": " : "",
             detail ? detail : "");
    if (r->verbose)
        fprintf(stderr, "mamori: redis: %s\n", r->last_error);
}

/* -- the spool -------------------------------------------------------- */

static void redis_spool(struct output_redis *r, uint8_t type, const char *rec, size_t len)
{
    int rc = spool_append(r->spool, type, rec, len);
    if (rc == 0)
        r->st.spooled++;
    else if (rc != -ENOSPC) /* at the cap: the spool counts it */
        r->st.lost++;
}

/* Redis went away: every record in flight goes back before what waits in
 * the spool, in order. Records sent directly are at the front of the
 * in-flight queue (a record is only sent directly while the spool is
 * empty), so the order is: direct copies, then the spool from its head. */
static void redis_requeue(struct output_redis *r)
{
    size_t n = 0;
    uint32_t cap = r->c.max_inflight;
    const char **recs = calloc(r->fl_count ? r->fl_count : 1, sizeof *recs);
    size_t *lens = calloc(r->fl_count ? r->fl_count : 1, sizeof *lens);
    uint8_t *types = calloc(r->fl_count ? r->fl_count : 1, 1);
    for (uint32_t i = 0; i < r->fl_count; i++) {
        struct redis_inflight *e = &r->fl[(r->fl_head + i) % cap];
        if (e->rec && recs && lens && types) {
            recs[n] = e->rec;
            lens[n] = e->len;
            types[n] = e->type;
            n++;
        }
        r->st.resent++;
    }
    if (!recs || !lens || !types || spool_prepend(r->spool, n, types, recs, lens) < 0) {
        r->st.lost += n;
        spool_rewind(r->spool);
    }
    for (uint32_t i = 0; i < r->fl_count; i++) {
        struct redis_inflight *e = &r->fl[(r->fl_head + i) % cap];
        free(e->rec);
        e->rec = NULL;
    }
    r->fl_head = 0;
    r->fl_count = 0;
    free(recs);
    free(lens);
    free(types);
}

/* -- the connection --------------------------------------------------- */

static void redis_connect(struct output_redis *r);

static void redis_on_reconnect(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    redis_connect(arg);
}

/* The connection is gone (ac already freed or being freed by hiredis). */
static void redis_down(struct output_redis *r)
{
    r->ac = NULL;
    r->failing = false;
    redis_requeue(r);
    redis_set_state(r, REDIS_DOWN);
    struct timeval tv = {.tv_sec = r->backoff_ms / 1000u,
                         .tv_usec = (suseconds_t)(r->backoff_ms % 1000u) * 1000};
    evtimer_add(r->reconnect, &tv);
    r->backoff_ms =
        r->backoff_ms * 2 > r->c.reconnect_max_ms ? r->c.reconnect_max_ms : r->backoff_ms * 2;
}

/* hiredis: the connection ended (after an error or a disconnect we asked
 * for). Pending callbacks have run with a NULL reply. */
static void redis_on_disconnect(const redisAsyncContext *ac, int status)
{
    struct output_redis *r = ac->data;
    if (status != REDIS_OK)
        redis_error(r, "connection lost", ac->errstr);
    if (r->ac == ac)
        redis_down(r);
}

/* A reply that is an error, or no reply at all (the connection is going):
 * drop the connection; everything still in flight is sent again later. */
static void redis_fail(struct output_redis *r, redisAsyncContext *ac, const redisReply *reply)
{
    if (reply && reply->type == REDIS_REPLY_ERROR) {
        r->st.errors++;
        if (!r->failing)
            redis_error(r, "error reply", reply->str);
    }
    if (!r->failing && reply)
        redisAsyncDisconnect(ac);
    r->failing = true;
}

/* hiredis: the reply to the oldest record in flight. */
static void redis_on_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct output_redis *r = privdata;
    const redisReply *reply = reply_;
    if (!reply || reply->type == REDIS_REPLY_ERROR || r->failing) {
        redis_fail(r, ac, reply);
        return;
    }
    if (r->fl_count == 0)
        return;
    struct redis_inflight *e = &r->fl[r->fl_head];
    if (e->spool_pos)
        spool_ack(r->spool, e->spool_pos);
    free(e->rec);
    e->rec = NULL;
    uint64_t now = redis_real_ns();
    uint64_t us = now > e->handover_ns ? (now - e->handover_ns) / 1000u : 0;
    uint64_t b = us / REDIS_LAT_STEP_US;
    r->lat[b < REDIS_LAT_BUCKETS - 1 ? b : REDIS_LAT_BUCKETS - 1]++;
    if (e->event_us) {
        us = now / 1000u > e->event_us ? now / 1000u - e->event_us : 0;
        b = us / REDIS_LAT_STEP_US;
        r->lat_event[b < REDIS_LAT_BUCKETS - 1 ? b : REDIS_LAT_BUCKETS - 1]++;
    }
    r->fl_head = (r->fl_head + 1) % r->c.max_inflight;
    r->fl_count--;
    r->st.acked++;
}

/* hiredis: the reply to AUTH or SELECT. */
static void redis_on_setup(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct output_redis *r = privdata;
    const redisReply *reply = reply_;
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        redis_fail(r, ac, reply);
}

/* hiredis: the reply to the PING that ends the handshake. */
static void redis_on_ready(redisAsyncContext *ac, void *reply_, void *privdata)
{
    struct output_redis *r = privdata;
    const redisReply *reply = reply_;
    if (!reply || reply->type == REDIS_REPLY_ERROR || r->failing) {
        redis_fail(r, ac, reply);
        return;
    }
    if (r->verbose)
        fprintf(stderr, "mamori: redis: connected\n");
    r->backoff_ms = REDIS_BACKOFF_MIN_MS;
    r->last_error[0] = '\0';
    redis_set_state(r, REDIS_UP);
}

static void redis_on_connect(const redisAsyncContext *ac, int status)
{
    struct output_redis *r = ac->data;
    if (status == REDIS_OK)
        return;
    /* hiredis frees the context after this callback and calls no
     * disconnect callback: nothing was in flight. */
    redis_error(r, "cannot connect", ac->errstr);
    if (r->ac == ac)
        redis_down(r);
}

static void redis_connect(struct output_redis *r)
{
    r->st.reconnects++;
    redisAsyncContext *ac =
        *r->socket ? redisAsyncConnectUnix(r->socket) : redisAsyncConnect(r->host, r->c.port);
    if (!ac || ac->err) {
        redis_error(r, "cannot connect", ac ? ac->errstr : "out of memory");
        if (ac)
            redisAsyncFree(ac);
        r->ac = NULL;
        redis_down(r);
        return;
    }
    ac->data = r;
    r->ac = ac;
    r->failing = false;
    redis_set_state(r, REDIS_CONNECTING);
    if (redisLibeventAttach(ac, r->base) != REDIS_OK) {
        redisAsyncFree(ac);
        redis_down(r);
        return;
    }
    redisAsyncSetConnectCallback(ac, redis_on_connect);
    redisAsyncSetDisconnectCallback(ac, redis_on_disconnect);
    /* The handshake is pipelined behind the connect. */
    if (*r->password) {
        const char *argv[3] = {"AUTH", r->user, r->password};
        const size_t lens[3] = {4, strlen(r->user), strlen(r->password)};
        if (*r->user)
            redisAsyncCommandArgv(ac, redis_on_setup, r, 3, argv, lens);
        else
            redisAsyncCommandArgv(ac, redis_on_setup, r, 2, (const char *[]){"AUTH", r->password},
                                  (const size_t[]){4, lens[2]});
    }
    if (r->c.database) {
        char db[16];
        int n = snprintf(db, sizeof db, "%" PRIu32, r->c.database);
        redisAsyncCommandArgv(ac, redis_on_setup, r, 2, (const char *[]){"SELECT", db},
                              (const size_t[]){6, (size_t)n});
    }
    redisAsyncCommandArgv(ac, redis_on_ready, r, 1, (const char *[]){"PING"}, (const size_t[]){4});
}

/* Drops the connection now (timeout): hiredis runs the pending callbacks
 * with no reply, then the disconnect callback if it was connected. */
static void redis_abort(struct output_redis *r, const char *why)
{
    redisAsyncContext *ac = r->ac;
    redis_error(r, why, NULL);
    r->failing = true;
    redisAsyncFree(ac);
    if (r->ac == ac)
        redis_down(r);
}

/* -- sending ---------------------------------------------------------- */

/* One inventory entry: the hash, the index by last seen and the address
 * map in one script, so that it is one command with one reply, acknowledged
 * like a record (and spooled like one while Redis is away). */
static const char redis_asset_script[] =
    "redis.call('HSET',KEYS[1],'json',ARGV[1],'last_seen',ARGV[2],'sensor',ARGV[3]) "
    "redis.call('ZADD',KEYS[2],ARGV[2],ARGV[4]) "
    "for i=5,#ARGV do redis.call('HSET',KEYS[3],ARGV[i],ARGV[4]) end "
    "return 1";

#define REDIS_ASSET_IPS 16

static int redis_asset_command(struct output_redis *r, const char *rec, size_t len)
{
    /* ID \t LAST_SEEN \t SENSOR \t IPS \t JSON (output.c) */
    const char *f[5];
    size_t fl[5];
    const char *p = rec, *end = rec + len;
    for (int i = 0; i < 4; i++) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        if (!tab)
            return REDIS_ERR;
        f[i] = p;
        fl[i] = (size_t)(tab - p);
        p = tab + 1;
    }
    f[4] = p;
    fl[4] = (size_t)(end - p);
    char k1[512], k2[300], k3[300];
    int n1 = snprintf(k1, sizeof k1, "%s:%.*s", r->keys[OUTPUT_ASSET_STATE], (int)fl[0], f[0]);
    int n2 = snprintf(k2, sizeof k2, "%s:seen", r->keys[OUTPUT_ASSET]);
    int n3 = snprintf(k3, sizeof k3, "%s:ip", r->keys[OUTPUT_ASSET]);
    const char *a[9 + REDIS_ASSET_IPS];
    size_t l[9 + REDIS_ASSET_IPS];
    int argc = 0;
    a[argc] = "EVAL", l[argc++] = 4;
    a[argc] = redis_asset_script, l[argc++] = sizeof redis_asset_script - 1;
    a[argc] = "3", l[argc++] = 1;
    a[argc] = k1, l[argc++] = (size_t)n1;
    a[argc] = k2, l[argc++] = (size_t)n2;
    a[argc] = k3, l[argc++] = (size_t)n3;
    a[argc] = f[4], l[argc++] = fl[4]; /* json */
    a[argc] = f[1], l[argc++] = fl[1]; /* last_seen */
    a[argc] = f[2], l[argc++] = fl[2]; /* sensor */
    a[argc] = f[0], l[argc++] = fl[0]; /* id */
    const char *ip = f[3], *ips_end = f[3] + fl[3];
    while (ip < ips_end && argc < (int)(sizeof a / sizeof a[0])) {
        const char *sp = memchr(ip, ' ', (size_t)(ips_end - ip));
        size_t n = sp ? (size_t)(sp - ip) : (size_t)(ips_end - ip);
        if (n)
            a[argc] = ip, l[argc++] = n;
        ip += n + 1;
    }
    return redisAsyncCommandArgv(r->ac, redis_on_reply, r, argc, a, l);
}

static int redis_command(struct output_redis *r, uint8_t type, const char *rec, size_t len)
{
    const char *key = r->keys[type];
    size_t klen = strlen(key);
    if (type == OUTPUT_ASSET_STATE)
        return redis_asset_command(r, rec, len);
    switch (r->c.mode) {
    case OUTPUT_REDIS_STREAM:
        if (r->c.maxlen) {
            const char *argv[7] = {"XADD", key, "MAXLEN", "~", r->maxlen, "*", "eve"};
            const char *a[8];
            size_t l[8] = {4, klen, 6, 1, strlen(r->maxlen), 1, 3, len};
            memcpy(a, argv, sizeof argv);
            a[7] = rec;
            return redisAsyncCommandArgv(r->ac, redis_on_reply, r, 8, a, l);
        } else {
            const char *a[5] = {"XADD", key, "*", "eve", rec};
            size_t l[5] = {4, klen, 1, 3, len};
            return redisAsyncCommandArgv(r->ac, redis_on_reply, r, 5, a, l);
        }
    case OUTPUT_REDIS_LIST: {
        const char *a[3] = {"RPUSH", key, rec};
        size_t l[3] = {5, klen, len};
        return redisAsyncCommandArgv(r->ac, redis_on_reply, r, 3, a, l);
    }
    case OUTPUT_REDIS_CHANNEL: {
        const char *a[3] = {"PUBLISH", key, rec};
        size_t l[3] = {7, klen, len};
        return redisAsyncCommandArgv(r->ac, redis_on_reply, r, 3, a, l);
    }
    }
    return REDIS_ERR;
}

/* The record's "timestamp", first in every record, in microseconds since
 * the epoch; 0 when it is not there. */
static uint64_t redis_record_time_us(const char *rec, size_t len)
{
    static const char key[] = "{\"timestamp\":\"";
    uint64_t us = 0;
    if (len < sizeof key - 1 || memcmp(rec, key, sizeof key - 1) != 0 ||
        json_time_parse(rec + sizeof key - 1, len - (sizeof key - 1), &us) < 0)
        return 0;
    return us;
}

static bool redis_can_send(const struct output_redis *r)
{
    return r->state == REDIS_UP && !r->failing && r->ac && r->fl_count < r->c.max_inflight;
}

/* Queues the command and its in-flight entry; rec is owned by the entry
 * when copy is set. Returns false when hiredis refused it. */
static bool redis_send(struct output_redis *r, uint8_t type, const char *rec, size_t len,
                       char *copy, uint64_t spool_pos, uint64_t handover_ns)
{
    if (redis_command(r, type, rec, len) != REDIS_OK)
        return false;
    struct redis_inflight *e = &r->fl[(r->fl_head + r->fl_count) % r->c.max_inflight];
    e->rec = copy;
    e->len = len;
    e->type = type;
    e->spool_pos = spool_pos;
    e->handover_ns = handover_ns;
    e->event_us = type == OUTPUT_ALERT ? redis_record_time_us(rec, len) : 0;
    e->sent_ms = redis_mono_ms();
    r->fl_count++;
    r->st.sent++;
    return true;
}

static int redis_submit(void *state, enum output_type type, const char *rec, size_t len,
                        uint64_t handover_ns)
{
    struct output_redis *r = state;
    if (!r->c.types[type])
        return 0;
    if (redis_can_send(r) && spool_empty(r->spool)) {
        char *copy = malloc(len);
        if (copy) {
            memcpy(copy, rec, len);
            if (redis_send(r, (uint8_t)type, copy, len, copy, 0, handover_ns))
                return 0;
            free(copy);
        }
    }
    redis_spool(r, (uint8_t)type, rec, len);
    return 0;
}

/* Sends the spool's oldest unsent records while there is room in flight,
 * at most a batch per pass so that new records are not held up behind a
 * long replay for more than a pass. */
static void redis_replay(struct output_redis *r)
{
    uint32_t n = 0;
    while (n < r->c.batch && redis_can_send(r)) {
        uint8_t type;
        const char *p;
        size_t len;
        int rc = spool_peek(r->spool, &type, &p, &len);
        if (rc <= 0) {
            if (rc < 0)
                redis_error(r, "reading the spool", strerror(-rc));
            break;
        }
        if (type >= OUTPUT_NTYPES)
            type = OUTPUT_PROTOCOL;
        /* The spool keeps the bytes: in flight holds only the position. */
        uint64_t pos = spool_next(r->spool);
        if (!redis_send(r, type, p, len, NULL, pos, redis_real_ns()))
            break;
        n++;
    }
}

static void redis_flush(void *state, uint64_t now_ms)
{
    struct output_redis *r = state;
    if (r->ac && r->state == REDIS_CONNECTING && now_ms - r->state_since_ms > r->c.timeout_ms)
        redis_abort(r, "no answer to the handshake");
    else if (r->ac && r->fl_count && now_ms - r->fl[r->fl_head].sent_ms > r->c.timeout_ms)
        redis_abort(r, "no reply within outputs.redis.timeout_ms");
    if (!spool_all_read(r->spool))
        redis_replay(r);
    if (spool_flush(r->spool) < 0)
        redis_error(r, "writing the spool", strerror(errno));
    if (now_ms - r->last_sync_ms >= REDIS_SYNC_MS) {
        spool_sync(r->spool);
        r->last_sync_ms = now_ms;
    }
}

static bool redis_idle(void *state)
{
    const struct output_redis *r = state;
    /* Done when everything is in Redis. Otherwise the output thread waits
     * until its deadline (timeout_ms): replies, the spool's replay, or a
     * reconnection; what is left then stays in the spool. */
    return r->fl_count == 0 && spool_empty(r->spool) && r->state == REDIS_UP && !r->failing;
}

static void redis_stop(void *state)
{
    struct output_redis *r = state;
    if (r->ac) {
        redisAsyncContext *ac = r->ac;
        redisAsyncSetDisconnectCallback(ac, NULL);
        r->failing = true;
        redisAsyncFree(ac);
        r->ac = NULL;
    }
    redis_requeue(r);
    spool_sync(r->spool);
    evtimer_del(r->reconnect);
    redis_set_state(r, REDIS_DOWN);
}

static const char *redis_state_name(enum redis_state s)
{
    switch (s) {
    case REDIS_DOWN:
        return "down";
    case REDIS_CONNECTING:
        return "connecting";
    case REDIS_UP:
        return "up";
    }
    return "?";
}

static uint64_t redis_percentile_us(const uint64_t *lat, double q)
{
    uint64_t total = 0;
    for (size_t i = 0; i < REDIS_LAT_BUCKETS; i++)
        total += lat[i];
    if (total == 0)
        return 0;
    uint64_t want = (uint64_t)((double)total * q);
    uint64_t seen = 0;
    for (size_t i = 0; i < REDIS_LAT_BUCKETS; i++) {
        seen += lat[i];
        if (seen > want)
            return (uint64_t)(i + 1) * REDIS_LAT_STEP_US;
    }
    return (uint64_t)REDIS_LAT_BUCKETS * REDIS_LAT_STEP_US;
}

static void redis_metrics(void *state, struct metrics_buf *b)
{
    const struct output_redis *r = state;
    struct spool_stats ss;
    spool_get_stats(r->spool, &ss);
    metrics_family(b, "mamori_redis_up", "gauge",
                   "1 when the Redis connection takes records, else 0.");
    metrics_sample(b, "mamori_redis_up", NULL, r->state == REDIS_UP && !r->failing);
    metrics_family(b, "mamori_redis_state", "gauge", "The Redis connection's state.");
    for (enum redis_state s = REDIS_DOWN; s <= REDIS_UP; s++) {
        char l[48];
        snprintf(l, sizeof l, "state=\"%s\"", redis_state_name(s));
        metrics_sample(b, "mamori_redis_state", l, r->state == s);
    }
#define REDIS_COUNTER(n, h, v)                                                                     \
    do {                                                                                           \
        metrics_family(b, n, "counter", h);                                                        \
        metrics_sample(b, n, NULL, v);                                                             \
    } while (0)
#define REDIS_GAUGE(n, h, v)                                                                       \
    do {                                                                                           \
        metrics_family(b, n, "gauge", h);                                                          \
        metrics_sample(b, n, NULL, v);                                                             \
    } while (0)
    REDIS_COUNTER("mamori_redis_sent_total", "Commands sent to Redis (records, resent included).",
                  r->st.sent);
    REDIS_COUNTER("mamori_redis_acked_total", "Records Redis acknowledged.", r->st.acked);
    REDIS_COUNTER("mamori_redis_errors_total", "Error replies from Redis.", r->st.errors);
    REDIS_COUNTER("mamori_redis_connects_total", "Connection attempts.", r->st.reconnects);
    REDIS_COUNTER("mamori_redis_resent_total",
                  "Records in flight when Redis failed, sent again later.", r->st.resent);
    REDIS_COUNTER("mamori_redis_spooled_total", "Records written to the spool.", r->st.spooled);
    REDIS_COUNTER("mamori_redis_spool_dropped_total",
                  "Records dropped because the spool was at its cap.", ss.dropped);
    REDIS_COUNTER("mamori_redis_lost_total", "Records lost to spool I/O errors.", r->st.lost);
    REDIS_GAUGE("mamori_redis_inflight", "Records sent and not yet acknowledged.", r->fl_count);
    REDIS_GAUGE("mamori_redis_spool_records", "Records waiting in the spool.", ss.records);
    REDIS_GAUGE("mamori_redis_spool_bytes", "Bytes waiting in the spool.", ss.bytes);
#undef REDIS_COUNTER
#undef REDIS_GAUGE
    metrics_family(b, "mamori_redis_ack_latency_seconds", "gauge",
                   "Time from hand-over by a worker to Redis' acknowledgement, since start.");
    metrics_sample_double(b, "mamori_redis_ack_latency_seconds", "quantile=\"0.5\"",
                          (double)redis_percentile_us(r->lat, 0.5) / 1e6);
    metrics_sample_double(b, "mamori_redis_ack_latency_seconds", "quantile=\"0.99\"",
                          (double)redis_percentile_us(r->lat, 0.99) / 1e6);
    metrics_family(b, "mamori_redis_alert_latency_seconds", "gauge",
                   "Time from an alert's packet (its timestamp) to Redis' acknowledgement, "
                   "since start; live capture (a replay's timestamps are old).");
    metrics_sample_double(b, "mamori_redis_alert_latency_seconds", "quantile=\"0.5\"",
                          (double)redis_percentile_us(r->lat_event, 0.5) / 1e6);
    metrics_sample_double(b, "mamori_redis_alert_latency_seconds", "quantile=\"0.99\"",
                          (double)redis_percentile_us(r->lat_event, 0.99) / 1e6);
}

static bool redis_healthy(void *state, char *why, size_t len)
{
    const struct output_redis *r = state;
    if (r->state == REDIS_UP && !r->failing)
        return true;
    struct spool_stats ss;
    spool_get_stats(r->spool, &ss);
    snprintf(why, len, "redis %s (%s); %" PRIu64 " records spooled", redis_state_name(r->state),
             *r->last_error ? r->last_error : "no error", ss.records);
    return false;
}

/* The same figures in each stats record, as "outputs": {"redis": {...}}. */
static size_t redis_stats(void *state, char *p, size_t cap)
{
    const struct output_redis *r = state;
    struct spool_stats ss;
    spool_get_stats(r->spool, &ss);
    int n =
        snprintf(p, cap,
                 ",\"redis\":{\"state\":\"%s\",\"sent\":%" PRIu64 ",\"acked\":%" PRIu64
                 ",\"errors\":%" PRIu64 ",\"connects\":%" PRIu64 ",\"resent\":%" PRIu64
                 ",\"spooled\":%" PRIu64 ",\"spool_records\":%" PRIu64 ",\"spool_bytes\":%" PRIu64
                 ",\"spool_dropped\":%" PRIu64 ",\"lost\":%" PRIu64 "}",
                 r->failing ? "down" : redis_state_name(r->state), r->st.sent, r->st.acked,
                 r->st.errors, r->st.reconnects, r->st.resent, r->st.spooled, ss.records, ss.bytes,
                 ss.dropped, r->st.lost);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void redis_free(void *state)
{
    struct output_redis *r = state;
    if (!r)
        return;
    if (r->ac)
        redis_stop(r);
    for (uint32_t i = 0; r->fl && i < r->c.max_inflight; i++)
        free(r->fl[i].rec);
    free(r->fl);
    if (r->reconnect)
        event_free(r->reconnect);
    if (r->verbose && r->st.acked)
        fprintf(stderr,
                "mamori: redis: %" PRIu64 " records acknowledged; hand-over to acknowledgement "
                "p50 %.2f ms, p99 %.2f ms\n",
                r->st.acked, (double)redis_percentile_us(r->lat, 0.5) / 1000.0,
                (double)redis_percentile_us(r->lat, 0.99) / 1000.0);
    uint64_t alerts = 0;
    for (size_t i = 0; i < REDIS_LAT_BUCKETS; i++)
        alerts += r->lat_event[i];
    if (r->verbose && alerts)
        fprintf(stderr,
                "mamori: redis: %" PRIu64 " alerts acknowledged; packet timestamp to "
                "acknowledgement p50 %.2f ms, p99 %.2f ms\n",
                alerts, (double)redis_percentile_us(r->lat_event, 0.5) / 1000.0,
                (double)redis_percentile_us(r->lat_event, 0.99) / 1000.0);
    if (r->spool) {
        struct spool_stats ss;
        spool_get_stats(r->spool, &ss);
        if (ss.records)
            fprintf(stderr,
                    "mamori: redis: %" PRIu64 " records left in the spool for the next run\n",
                    ss.records);
        spool_close(r->spool);
    }
    free(r);
}

const struct output_backend output_redis_backend = {
    .name = "redis",
    .submit = redis_submit,
    .flush = redis_flush,
    .idle = redis_idle,
    .stop = redis_stop,
    .metrics = redis_metrics,
    .healthy = redis_healthy,
    .free = redis_free,
    .stats = redis_stats,
};

/* One synchronous round trip at start: a wrong password, user or database
 * is a configuration error the operator must see now, not a reconnection
 * loop in the background. An unreachable server is not an error: the
 * spool exists for it. Returns 0 or -EACCES with err set. */
static int redis_check(const struct output_redis *r, char *err, size_t errlen)
{
    uint32_t ms = r->c.timeout_ms < 2000 ? r->c.timeout_ms : 2000;
    struct timeval tv = {.tv_sec = ms / 1000u, .tv_usec = (suseconds_t)(ms % 1000u) * 1000};
    redisContext *c = *r->socket ? redisConnectUnixWithTimeout(r->socket, tv)
                                 : redisConnectWithTimeout(r->host, r->c.port, tv);
    if (!c || c->err) {
        if (r->verbose)
            fprintf(stderr, "mamori: redis: not reachable at start (%s): spooling until it is\n",
                    c ? c->errstr : "out of memory");
        redisFree(c);
        return 0;
    }
    /* A stopped server accepts the connection and never answers. */
    redisSetTimeout(c, tv);
    int rc = 0;
    const char *step = "AUTH";
    redisReply *reply = NULL;
    if (*r->password) {
        if (*r->user)
            reply = redisCommandArgv(c, 3, (const char *[]){"AUTH", r->user, r->password},
                                     (const size_t[]){4, strlen(r->user), strlen(r->password)});
        else
            reply = redisCommandArgv(c, 2, (const char *[]){"AUTH", r->password},
                                     (const size_t[]){4, strlen(r->password)});
        if (reply && reply->type == REDIS_REPLY_ERROR)
            rc = -EACCES;
    }
    if (rc == 0 && r->c.database) {
        freeReplyObject(reply);
        step = "SELECT";
        reply = redisCommand(c, "SELECT %u", (unsigned)r->c.database);
        if (reply && reply->type == REDIS_REPLY_ERROR)
            rc = -EACCES;
    }
    if (rc == 0) {
        freeReplyObject(reply);
        step = "PING";
        reply = redisCommand(c, "PING");
        if (reply && reply->type == REDIS_REPLY_ERROR)
            rc = -EACCES;
    }
    if (rc == 0 && !reply && r->verbose)
        fprintf(stderr, "mamori: redis: no answer at start (%s): spooling until there is\n",
                c->errstr);
    if (rc < 0) {
        snprintf(err, errlen, "outputs.redis: %s %s refused: %s (check outputs.redis.%s)",
                 *r->socket ? r->socket : r->host, step, reply->str,
                 strcmp(step, "SELECT") == 0 ? "database" : "user and outputs.redis.password");
    }
    freeReplyObject(reply);
    redisFree(c);
    return rc;
}

static const char *redis_key_suffix(enum output_type t)
{
    switch (t) {
    case OUTPUT_ALERT:
        return "alerts";
    case OUTPUT_FLOW:
        return "flows";
    case OUTPUT_PROTOCOL:
        return "protocol";
    case OUTPUT_ASSET:
        return "assets";
    case OUTPUT_STATS:
        return "stats";
    case OUTPUT_ASSET_STATE:
        return "asset";
    case OUTPUT_NTYPES:
        break;
    }
    return "other";
}

/* A synchronous connection with AUTH and SELECT done, or NULL. */
static redisContext *redis_sync_open(const struct output_redis_config *c)
{
    uint32_t ms = c->timeout_ms < 2000 ? c->timeout_ms : 2000;
    struct timeval tv = {.tv_sec = ms / 1000u, .tv_usec = (suseconds_t)(ms % 1000u) * 1000};
    redisContext *x = *c->socket ? redisConnectUnixWithTimeout(c->socket, tv)
                                 : redisConnectWithTimeout(c->host, c->port, tv);
    if (!x || x->err) {
        redisFree(x);
        return NULL;
    }
    redisSetTimeout(x, tv);
    redisReply *reply = NULL;
    bool ok = true;
    if (*c->password) {
        if (*c->user)
            reply = redisCommandArgv(x, 3, (const char *[]){"AUTH", c->user, c->password},
                                     (const size_t[]){4, strlen(c->user), strlen(c->password)});
        else
            reply = redisCommandArgv(x, 2, (const char *[]){"AUTH", c->password},
                                     (const size_t[]){4, strlen(c->password)});
        ok = reply && reply->type != REDIS_REPLY_ERROR;
        freeReplyObject(reply);
    }
    if (ok && c->database) {
        reply = redisCommand(x, "SELECT %u", (unsigned)c->database);
        ok = reply && reply->type != REDIS_REPLY_ERROR;
        freeReplyObject(reply);
    }
    if (!ok) {
        redisFree(x);
        return NULL;
    }
    return x;
}

int output_redis_fetch_assets(const struct output_redis_config *c, uint32_t max,
                              void (*fn)(void *ctx, const char *json, size_t len), void *ctx)
{
    redisContext *x = redis_sync_open(c);
    if (!x)
        return -ECONNREFUSED;
    char seen[300];
    snprintf(seen, sizeof seen, "%s:assets:seen", c->key_prefix);
    redisReply *ids = redisCommand(x, "ZREVRANGE %s 0 %u", seen, max ? max - 1 : 0);
    int n = 0;
    if (ids && ids->type == REDIS_REPLY_ARRAY) {
        /* Oldest first, as assets.json keeps them: the least recently seen
         * is the first to go at the cap. Pipelined: one round trip. */
        for (size_t i = ids->elements; i-- > 0;) {
            const redisReply *id = ids->element[i];
            if (id->type == REDIS_REPLY_STRING)
                redisAppendCommand(x, "HGET %s:asset:%b json", c->key_prefix, id->str,
                                   (size_t)id->len);
        }
        for (size_t i = ids->elements; i-- > 0;) {
            if (ids->element[i]->type != REDIS_REPLY_STRING)
                continue;
            void *r = NULL;
            if (redisGetReply(x, &r) != REDIS_OK)
                break;
            const redisReply *j = r;
            if (j->type == REDIS_REPLY_STRING) {
                fn(ctx, j->str, (size_t)j->len);
                n++;
            }
            freeReplyObject(r);
        }
    }
    freeReplyObject(ids);
    redisFree(x);
    return n;
}

void *output_redis_new(const struct output_redis_config *c, const char *state_dir,
                       struct event_base *base, bool verbose, char *err, size_t errlen)
{
    struct output_redis *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "outputs.redis: out of memory");
        return NULL;
    }
    r->c = *c;
    r->verbose = verbose;
    r->base = base;
    snprintf(r->host, sizeof r->host, "%s", c->host);
    snprintf(r->socket, sizeof r->socket, "%s", c->socket);
    snprintf(r->user, sizeof r->user, "%s", c->user);
    snprintf(r->password, sizeof r->password, "%s", c->password);
    r->c.host = r->host;
    r->c.socket = r->socket;
    r->c.user = r->user;
    r->c.password = r->password;
    r->c.key_prefix = NULL; /* copied into keys */
    snprintf(r->maxlen, sizeof r->maxlen, "%" PRIu64, c->maxlen);
    for (int t = 0; t < OUTPUT_NTYPES; t++)
        snprintf(r->keys[t], sizeof r->keys[t], "%s:%s", c->key_prefix,
                 redis_key_suffix((enum output_type)t));
    r->backoff_ms = REDIS_BACKOFF_MIN_MS;
    r->fl = calloc(c->max_inflight, sizeof *r->fl);
    r->reconnect = evtimer_new(base, redis_on_reconnect, r);
    if (!r->fl || !r->reconnect) {
        snprintf(err, errlen, "outputs.redis: out of memory");
        goto fail;
    }
    struct spool_config sc = {
        .dir = state_dir,
        .name = REDIS_SPOOL_NAME,
        .max_bytes = c->spool_max_bytes,
        .when_full = c->spool_drop_oldest ? SPOOL_DROP_OLDEST : SPOOL_DROP_NEWEST,
    };
    int rc;
    r->spool = spool_open(&sc, &rc);
    if (!r->spool) {
        snprintf(err, errlen, "outputs.redis: cannot open the spool %s/%s: %s", state_dir,
                 REDIS_SPOOL_NAME, strerror(-rc));
        goto fail;
    }
    struct spool_stats ss;
    spool_get_stats(r->spool, &ss);
    if (verbose && (ss.records || ss.torn_bytes))
        fprintf(stderr, "mamori: redis: %" PRIu64 " records in the spool from an earlier run%s\n",
                ss.records, ss.torn_bytes ? " (a torn last record was cut off)" : "");
    if (redis_check(r, err, errlen) < 0)
        goto fail;
    redis_connect(r);
    return r;
fail:
    redis_free(r);
    return NULL;
}
