#include "metrics/metrics.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rule_state.h"
#include "worker.h"

void metrics_buf_init(struct metrics_buf *b)
{
    memset(b, 0, sizeof *b);
}

void metrics_buf_free(struct metrics_buf *b)
{
    free(b->p);
    metrics_buf_init(b);
}

void metrics_buf_append(struct metrics_buf *b, const char *p, size_t len)
{
    if (b->err)
        return;
    if (len > METRICS_MAX_TEXT - b->len) {
        b->err = true;
        return;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->err = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
}

__attribute__((format(printf, 2, 3))) static void metrics_printf(struct metrics_buf *b,
                                                                 const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        b->err = true;
        return;
    }
    metrics_buf_append(b, line, (size_t)n);
}

void metrics_family(struct metrics_buf *b, const char *name, const char *type, const char *help)
{
    metrics_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_sample(struct metrics_buf *b, const char *name, const char *labels, uint64_t v)
{
    if (labels && *labels)
        metrics_printf(b, "%s{%s} %" PRIu64 "\n", name, labels, v);
    else
        metrics_printf(b, "%s %" PRIu64 "\n", name, v);
}

void metrics_sample_double(struct metrics_buf *b, const char *name, const char *labels, double v)
{
    if (labels && *labels)
        metrics_printf(b, "%s{%s} %.6f\n", name, labels, v);
    else
        metrics_printf(b, "%s %.6f\n", name, v);
}

/* One family, one sample per worker: the sum is left to the query
 * (sum(mamori_packets_total)), as Prometheus prefers. */
struct metrics_worker_field {
    const char *name;
    const char *type;
    const char *help;
    size_t off; /* of a uint64_t in struct worker_snapshot */
};

#define METRICS_FIELD(n, t, h, f)                                                                  \
    {                                                                                              \
        n, t, h, offsetof(struct worker_snapshot, f)                                               \
    }

static const struct metrics_worker_field metrics_worker_fields[] = {
    METRICS_FIELD("mamori_packets_total", "counter", "Packets processed.", worker.packets),
    METRICS_FIELD("mamori_bytes_total", "counter", "Bytes of packets processed (wire length).",
                  worker.bytes),
    METRICS_FIELD("mamori_packets_invalid_total", "counter", "Packets with a decode anomaly.",
                  worker.invalid),
    METRICS_FIELD("mamori_capture_received_total", "counter", "Packets that reached the capture.",
                  capture.received),
    METRICS_FIELD("mamori_capture_kernel_drops_total", "counter",
                  "Packets the kernel dropped for lack of room in the ring.", capture.kernel_drops),
    METRICS_FIELD("mamori_capture_interface_drops_total", "counter",
                  "Packets dropped by the interface or its driver.", capture.if_drops),
    METRICS_FIELD("mamori_flows_created_total", "counter", "Flows created.", flow.created),
    METRICS_FIELD("mamori_flows_ended_total", "counter", "Flows ended.", flow.ended),
    METRICS_FIELD("mamori_flows_active", "gauge", "Flows in the table.", flow.active),
    METRICS_FIELD("mamori_flow_memory_bytes", "gauge", "Bytes counted against the flow memcap.",
                  flow.memory),
    METRICS_FIELD("mamori_flow_memcap_drops_total", "counter",
                  "Packets with no flow because nothing could be evicted.", flow.memcap_drops),
    METRICS_FIELD("mamori_worker_records_total", "counter",
                  "Records the worker handed to the output thread.", worker.records),
    METRICS_FIELD("mamori_worker_records_dropped_total", "counter",
                  "Records the worker could not hand over (its ring to the output thread was "
                  "full).",
                  worker.output_errors),
    METRICS_FIELD("mamori_detect_events_total", "counter",
                  "Events matched against the rules (0 without rules).", detect.events),
    METRICS_FIELD("mamori_detect_matches_total", "counter",
                  "Rule matches the worker sent to the correlator.", detect.matches),
    METRICS_FIELD("mamori_detect_handover_dropped_total", "counter",
                  "Rule matches lost on the way to the correlator (its ring was full).",
                  detect.handover_drops),
};

void metrics_format_workers(struct metrics_buf *b, const struct worker_snapshot *per, size_t n)
{
    size_t nf = sizeof metrics_worker_fields / sizeof metrics_worker_fields[0];
    for (size_t f = 0; f < nf; f++) {
        const struct metrics_worker_field *mf = &metrics_worker_fields[f];
        metrics_family(b, mf->name, mf->type, mf->help);
        for (size_t i = 0; i < n; i++) {
            uint64_t v;
            memcpy(&v, (const unsigned char *)&per[i] + mf->off, sizeof v);
            char labels[32];
            snprintf(labels, sizeof labels, "worker=\"%zu\"", i);
            metrics_sample(b, mf->name, labels, v);
        }
    }
}

void metrics_format_correlator(struct metrics_buf *b, const struct rule_state_stats *rs)
{
    static const struct {
        const char *name, *type, *help;
        size_t off;
    } f[] = {
#define METRICS_CORR(n, t, h, m)                                                                   \
    {"mamori_correlator_" n, t, h, offsetof(struct rule_state_stats, m)}
        METRICS_CORR("alerts_total", "counter", "Matches the correlator turned into alerts.",
                     alerts),
        METRICS_CORR("suppressed_total", "counter", "Matches within a rule's suppression.",
                     suppressed),
        METRICS_CORR("rate_limited_total", "counter", "Matches over a rule's alert limit.",
                     rate_limited),
        METRICS_CORR("below_threshold_total", "counter",
                     "Matches counted in a window whose threshold is not reached.",
                     below_threshold),
        METRICS_CORR("stale_total", "counter",
                     "Matches naming no rule of the set in use (after a reload).", stale),
        METRICS_CORR("state_entries", "gauge", "Entries of counting, suppression and limit state.",
                     entries),
        METRICS_CORR("state_memory_bytes", "gauge", "Memory of that state (rules.state_memory).",
                     memory),
        METRICS_CORR("state_evictions_total", "counter", "State entries dropped at the cap.",
                     evictions),
        METRICS_CORR("state_memcap_drops_total", "counter",
                     "Matches decided without state (no room for it).", memcap_drops),
#undef METRICS_CORR
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        uint64_t v;
        memcpy(&v, (const unsigned char *)rs + f[i].off, sizeof v);
        metrics_family(b, f[i].name, f[i].type, f[i].help);
        metrics_sample(b, f[i].name, NULL, v);
    }
}

struct metrics_server {
    struct evhttp *http;
    metrics_page_fn page;
    metrics_health_fn health;
    void *ctx;
};

static void metrics_reply_text(struct evhttp_request *req, int code, const char *reason,
                               const char *type, const char *p, size_t len)
{
    struct evbuffer *out = evbuffer_new();
    if (!out) {
        evhttp_send_error(req, HTTP_INTERNAL, NULL);
        return;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
    evbuffer_add(out, p, len);
    evhttp_send_reply(req, code, reason, out);
    evbuffer_free(out);
}

/* evhttp callback: GET /metrics. Runs on the output thread, so the page
 * reads the output's state without a lock. */
static void metrics_on_metrics(struct evhttp_request *req, void *arg)
{
    struct metrics_server *m = arg;
    struct metrics_buf b;
    metrics_buf_init(&b);
    m->page(m->ctx, &b);
    if (b.err || !b.p)
        evhttp_send_error(req, HTTP_INTERNAL, "metrics page too large");
    else
        metrics_reply_text(req, HTTP_OK, "OK", "text/plain; version=0.0.4; charset=utf-8", b.p,
                           b.len);
    metrics_buf_free(&b);
}

static void metrics_on_healthz(struct evhttp_request *req, void *arg)
{
    struct metrics_server *m = arg;
    char why[256] = "ok";
    bool ok = m->health(m->ctx, why, sizeof why);
    char text[300];
    int n = snprintf(text, sizeof text, "%s\n", ok ? "ok" : why);
    metrics_reply_text(req, ok ? HTTP_OK : 503, ok ? "OK" : "Service Unavailable",
                       "text/plain; charset=utf-8", text, (size_t)n);
}

struct metrics_server *metrics_server_new(struct event_base *base, const char *addr, uint16_t port,
                                          metrics_page_fn page, metrics_health_fn health, void *ctx,
                                          char *err, size_t errlen)
{
    struct metrics_server *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "metrics: out of memory");
        return NULL;
    }
    m->page = page;
    m->health = health;
    m->ctx = ctx;
    m->http = evhttp_new(base);
    if (!m->http) {
        snprintf(err, errlen, "metrics: out of memory");
        goto fail;
    }
    /* Only GET; a request larger than this is no metrics scrape. */
    evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET);
    evhttp_set_max_headers_size(m->http, 8192);
    evhttp_set_max_body_size(m->http, 0);
    evhttp_set_timeout(m->http, 10);
    if (evhttp_set_cb(m->http, "/metrics", metrics_on_metrics, m) != 0 ||
        evhttp_set_cb(m->http, "/healthz", metrics_on_healthz, m) != 0) {
        snprintf(err, errlen, "metrics: cannot register the handlers");
        goto fail;
    }
    if (evhttp_bind_socket(m->http, addr, port) != 0) {
        snprintf(err, errlen, "metrics.listen: cannot listen on %s port %u: %s", addr,
                 (unsigned)port, strerror(errno));
        goto fail;
    }
    return m;
fail:
    metrics_server_free(m);
    return NULL;
}

void metrics_server_free(struct metrics_server *m)
{
    if (!m)
        return;
    if (m->http)
        evhttp_free(m->http);
    free(m);
}
