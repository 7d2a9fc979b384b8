/*
 * Metrics for operators: Prometheus text exposition format (version
 * 0.0.4) built in a bounded buffer, and the HTTP endpoint (libevent's
 * evhttp, on the output thread's loop) that serves it:
 *   GET /metrics   the figures
 *   GET /healthz   200 "ok" when the outputs take records, 503 with the
 *                  reason otherwise (Redis down: records are spooled)
 * Loopback by default: the figures name nothing of the hospital's, but the
 * port is no business of the monitored network.
 */
#ifndef MAMORI_METRICS_METRICS_H
#define MAMORI_METRICS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A page of metrics never grows past this. */
#define METRICS_MAX_TEXT (1u << 20)

struct metrics_buf {
    char *p; /* owned: metrics_buf_free() */
    size_t len, cap;
    bool err; /* sticky: out of memory or past METRICS_MAX_TEXT */
};

void metrics_buf_init(struct metrics_buf *b);
void metrics_buf_free(struct metrics_buf *b);
void metrics_buf_append(struct metrics_buf *b, const char *p, size_t len);
/* "# HELP name help\n# TYPE name type\n" */
void metrics_family(struct metrics_buf *b, const char *name, const char *type, const char *help);
/* "name{labels} value\n"; labels may be NULL or "" (then no braces). */
void metrics_sample(struct metrics_buf *b, const char *name, const char *labels, uint64_t v);
void metrics_sample_double(struct metrics_buf *b, const char *name, const char *labels, double v);

struct worker_snapshot;
/* The workers' figures: the total and one sample per worker. */
void metrics_format_workers(struct metrics_buf *b, const struct worker_snapshot *per, size_t n);

struct rule_state_stats;
/* The correlator's figures (detect/rule_state.h). */
void metrics_format_correlator(struct metrics_buf *b, const struct rule_state_stats *rs);

struct event_base;
struct metrics_server;

/* Fills b with the page, on the loop's thread. */
typedef void (*metrics_page_fn)(void *ctx, struct metrics_buf *b);
/* Returns true when healthy; otherwise writes the reason into why. */
typedef bool (*metrics_health_fn)(void *ctx, char *why, size_t len);

/* Listens on addr:port (IPv4 or IPv6 literal) on base. Returns NULL with
 * err set. Owned: metrics_server_free(). */
struct metrics_server *metrics_server_new(struct event_base *base, const char *addr, uint16_t port,
                                          metrics_page_fn page, metrics_health_fn health, void *ctx,
                                          char *err, size_t errlen);
void metrics_server_free(struct metrics_server *m);

#endif
