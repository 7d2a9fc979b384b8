/*
 * rulecheck: check a rule directory, try it on captures, time it.
 *
 *   rulecheck [-D NAME=VALUE]... RULES_DIR
 *       Loads the rules as the sensor does and prints every error and
 *       warning as file:line:col with a hint. Exit 0 if they load, 1 if not.
 *   rulecheck [-D NAME=VALUE]... -r CAPTURE [-r CAPTURE]... RULES_DIR
 *       Also replays the captures (pcap) through the sensor's stages and
 *       prints the alerts as EVE JSON lines; a summary goes to stderr.
 *   rulecheck --bench N [RULES_DIR]
 *       Times matching of a generated event stream against no rules, the
 *       rules of RULES_DIR (default: rules) and N generated rules. Prints
 *       figures; asserts nothing.
 *   rulecheck --generate N
 *       Prints those N generated rules as a rule file (tools/bench runs
 *       the sensor with them).
 *
 * -D gives a variable as the config's rules.vars would: -D 'PACS=[10.1.2.3]'.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/detect.h"
#include "detect/fields.h"
#include "detect/ruleset.h"
#include "replay.h"

#define MAX_VARS 64
#define MAX_CAPTURES 64

static int usage(void)
{
    fprintf(stderr, "usage: rulecheck [-D NAME=VALUE]... [-r CAPTURE]... RULES_DIR\n"
                    "       rulecheck --bench N [RULES_DIR]\n"
                    "       rulecheck --generate N\n");
    return 2;
}

static void print_alert(void *ctx, const struct json_buf *b, const struct crule *r)
{
    (void)r;
    (void)ctx;
    fwrite(b->p, 1, b->len, stdout);
    fputc('\n', stdout);
}

static int64_t wall_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the benchmark ------------------------------------------------------ */

#define BENCH_FIELDS 16

/* Compact, as a flow record is: the stream stays in cache, so the figures
 * are the matcher's and not the benchmark's memory traffic. */
struct bench_event {
    struct event ev;
    uint8_t slot[F_COUNT]; /* 0: absent, else index + 1 into v */
    uint8_t n;
    struct event_value v[BENCH_FIELDS];
    char host[32];
    char app[8];
};

static bool bench_get(const struct event *ev, uint16_t field, struct event_value *v)
{
    const struct bench_event *b = ev->ctx;
    if (field >= F_COUNT || !b->slot[field])
        return false;
    *v = b->v[b->slot[field] - 1];
    return true;
}

static struct event_value *bench_set(struct bench_event *b, uint16_t f)
{
    if (!b->slot[f]) {
        if (b->n == BENCH_FIELDS)
            abort();
        b->slot[f] = ++b->n;
    }
    return &b->v[b->slot[f] - 1];
}

static uint64_t bench_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void bench_ip(struct event_value *v, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    v->kind = EVK_IP;
    memset(v->u.ip, 0, 16);
    v->u.ip[10] = v->u.ip[11] = 0xff;
    v->u.ip[12] = a;
    v->u.ip[13] = b;
    v->u.ip[14] = c;
    v->u.ip[15] = d;
}

static void bench_str(struct bench_event *b, uint16_t f, const char *s)
{
    struct event_value *v = bench_set(b, f);
    v->kind = EVK_STR;
    v->u.s.p = s;
    v->u.s.len = strlen(s);
}

static void bench_int(struct bench_event *b, uint16_t f, int64_t i)
{
    struct event_value *v = bench_set(b, f);
    v->kind = EVK_INT;
    v->u.i = i;
}

/* A hospital-like stream of flow records: workstations to servers and
 * the outside on the usual ports. */
static void bench_make(struct bench_event *b, uint64_t *seed, uint64_t t)
{
    static const int ports[] = {443, 443, 443, 53, 53, 80, 104, 2575, 445, 8080, 123, 631};
    static const char *const apps[] = {"tls",   "tls", "tls", "dns",  "dns", "http",
                                       "dicom", "hl7", "smb", "fhir", "ntp", "ipp"};
    memset(b, 0, sizeof *b);
    uint64_t r = bench_rand(seed);
    unsigned k = (unsigned)(r % 12);
    bench_ip(bench_set(b, F_SRC_IP), 10, (uint8_t)(10 * (1 + (r >> 8) % 5)),
             (uint8_t)((r >> 12) % 6), (uint8_t)(20 + (r >> 16) % 30));
    if ((r >> 24) % 4 == 0)
        bench_ip(bench_set(b, F_DEST_IP), 203, 0, 113, (uint8_t)((r >> 28) % 64));
    else
        bench_ip(bench_set(b, F_DEST_IP), 10, 10, 0, (uint8_t)(10 + (r >> 28) % 50));
    bench_int(b, F_SRC_PORT, 49152 + (int64_t)((r >> 32) % 16384));
    bench_int(b, F_DEST_PORT, (r >> 46) % 50 == 0 ? (int64_t)((r >> 40) % 65536) : ports[k]);
    bench_str(b, F_PROTO, k == 3 || k == 4 || k == 10 ? "UDP" : "TCP");
    snprintf(b->app, sizeof b->app, "%s", apps[k]);
    bench_str(b, F_APP_PROTO, b->app);
    bench_int(b, F_FLOW_BYTES_TOSERVER, (int64_t)((r >> 20) % 100000));
    bench_int(b, F_FLOW_BYTES_TOCLIENT, (int64_t)((r >> 30) % 1000000));
    bench_int(b, F_FLOW_PKTS_TOSERVER, (int64_t)((r >> 20) % 100));
    bench_str(b, F_NDPI_RISK_SEVERITY, "none");
    if (k <= 4) {
        snprintf(b->host, sizeof b->host, "host%u.site%u.example", (unsigned)((r >> 36) % 100),
                 (unsigned)((r >> 44) % 100));
        bench_str(b, F_NDPI_HOSTNAME, b->host);
        bench_str(b, k <= 2 ? F_TLS_SNI : F_DNS_QUERY, b->host);
        if (k <= 2)
            bench_str(b, F_TLS_VERSION, "TLSv1.3");
        else
            bench_int(b, F_DNS_LONGEST_LABEL, 8);
    }
    bench_set(b, F_NDPI_RISKS)->kind = EVK_STRLIST;
    b->ev.type = EVENT_FLOW;
    b->ev.ts_us = t;
    b->ev.get = bench_get;
    b->ev.ctx = b;
}

/* n rules of the shapes sites write: ports and networks, threat-intel
 * addresses and names, protocol checks, a few patterns. */
static char *bench_rules(unsigned n, size_t *len)
{
    size_t cap = (size_t)n * 256 + 1;
    char *s = malloc(cap);
    size_t o = 0;
    uint64_t seed = 0x6d616d6f7269ull;
    if (!s)
        return NULL;
    for (unsigned i = 0; i < n; i++) {
        uint64_t r = bench_rand(&seed);
        o += (size_t)snprintf(s + o, cap - o, "rule %u \"generated %u\" severity low\n",
                              1000000 + i, i);
        switch (r % 10) {
        case 0:
        case 1:
        case 2:
        case 3:
            o += (size_t)snprintf(s + o, cap - o,
                                  "  when dest_port == %u and src_ip in 10.%u.%u.0/24\n",
                                  (unsigned)(1024 + (r >> 8) % 60000), (unsigned)((r >> 24) % 256),
                                  (unsigned)((r >> 32) % 256));
            break;
        case 4:
        case 5:
            o += (size_t)snprintf(s + o, cap - o,
                                  "  when ndpi.hostname == \"bad%u.example\" nocase\n", i);
            break;
        case 6:
        case 7:
            o += (size_t)snprintf(s + o, cap - o, "  when dest_ip in [198.51.100.%u, 192.0.2.%u]\n",
                                  (unsigned)((r >> 8) % 256), (unsigned)((r >> 16) % 256));
            break;
        case 8:
            o += (size_t)snprintf(
                s + o, cap - o,
                "  when app_proto == tls and tls.sni endswith \".evil%u.example\"\n", i);
            break;
        default:
            o += (size_t)snprintf(s + o, cap - o,
                                  "  when flow.bytes_toserver > %u and dest_ip in 192.0.%u.0/24\n",
                                  (unsigned)((r >> 8) % 1000000), (unsigned)((r >> 24) % 256));
            break;
        }
    }
    *len = o;
    return s;
}

static double bench_run(struct ruleset *rs, const struct bench_event *evs, size_t n_ev,
                        uint64_t iterations, uint64_t *alerts)
{
    struct rule_state_limits lim;
    rule_state_limits_default(&lim);
    struct detect *d = detect_new(rs, &lim, NULL, NULL);
    if (!d)
        return 0;
    double t0 = mono_now();
    for (uint64_t i = 0; i < iterations; i++)
        detect_event(d, &evs[i % n_ev].ev);
    double took = mono_now() - t0;
    *alerts = detect_stats(d)->alerts;
    detect_free(d);
    return took > 0 ? (double)iterations / took : 0;
}

static int bench(unsigned n, const char *dir)
{
    enum { EVENTS = 4096 };
    const uint64_t iterations = 2000000;
    struct ruleset_limits lim;
    ruleset_limits_default(&lim);
    struct rule_diags d;
    rule_diags_init(&d);
    struct bench_event *evs = calloc(EVENTS, sizeof *evs);
    size_t glen = 0;
    char *gen = bench_rules(n, &glen);
    struct ruleset *sets[3] = {NULL, NULL, NULL};
    int rc = 1;
    if (!evs || !gen)
        goto out;
    uint64_t seed = 42;
    for (size_t i = 0; i < EVENTS; i++)
        bench_make(&evs[i], &seed, 1768467600000000ull + i * 1000);
    sets[0] = ruleset_load_sources(NULL, 0, NULL, 0, NULL, 0, &lim, 0, &d);
    sets[1] = ruleset_load(dir, NULL, 0, &lim, 0, &d);
    struct rule_source src = {"generated.rules", gen, glen};
    sets[2] = ruleset_load_sources(&src, 1, NULL, 0, NULL, 0, &lim, 0, &d);
    if (!sets[0] || !sets[1] || !sets[2]) {
        rule_diags_print(&d, stderr);
        goto out;
    }
    const char *names[3] = {"no rules", dir, "generated"};
    double base = 0;
    printf("rulecheck: %llu flow events (%d distinct) per rule set, one thread\n",
           (unsigned long long)iterations, EVENTS);
    for (int i = 0; i < 3; i++) {
        uint64_t alerts = 0;
        double best = 0;
        for (int run = 0; run < 3; run++) {
            double r = bench_run(sets[i], evs, EVENTS, iterations, &alerts);
            if (r > best)
                best = r;
        }
        if (i == 0)
            base = best;
        printf(
            "  %-24s %6u rules  %12.0f events/s  %7.1f ns/event  (+%.1f ns vs none)  %llu alerts\n",
            names[i], ruleset_rules(sets[i])->n_enabled, best, 1e9 / best, 1e9 / best - 1e9 / base,
            (unsigned long long)alerts);
    }
    rc = 0;
out:
    for (int i = 0; i < 3; i++)
        ruleset_unref(sets[i]);
    rule_diags_free(&d);
    free(gen);
    free(evs);
    return rc;
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    struct rule_var vars[MAX_VARS];
    const char *captures[MAX_CAPTURES];
    size_t n_vars = 0, n_caps = 0;
    const char *dir = NULL;
    long bench_n = -1, gen_n = -1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-D") == 0 && i + 1 < argc) {
            char *eq = strchr(argv[++i], '=');
            if (!eq || n_vars == MAX_VARS)
                return usage();
            *eq = '\0';
            vars[n_vars].name = argv[i];
            vars[n_vars].value = eq + 1;
            vars[n_vars].origin = "-D";
            vars[n_vars].line = 0;
            vars[n_vars++].col = 0;
        } else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
            if (n_caps == MAX_CAPTURES)
                return usage();
            captures[n_caps++] = argv[++i];
        } else if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc) {
            bench_n = strtol(argv[++i], NULL, 10);
            if (bench_n < 0 || bench_n > 1000000)
                return usage();
        } else if (strcmp(argv[i], "--generate") == 0 && i + 1 < argc) {
            gen_n = strtol(argv[++i], NULL, 10);
            if (gen_n < 0 || gen_n > 1000000)
                return usage();
        } else if (argv[i][0] == '-' || dir) {
            return usage();
        } else {
            dir = argv[i];
        }
    }
    if (bench_n >= 0)
        return bench((unsigned)bench_n, dir ? dir : "rules");
    if (gen_n >= 0) {
        size_t len = 0;
        char *text = bench_rules((unsigned)gen_n, &len);
        int ok = text && fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0;
        free(text);
        return ok ? 0 : 1;
    }
    if (!dir)
        return usage();

    struct ruleset_limits lim;
    ruleset_limits_default(&lim);
    if (n_caps == 0)
        return ruleset_check(dir, vars, n_vars, &lim, wall_now_us(), stdout) == 0 ? 0 : 1;

    struct rule_diags d;
    rule_diags_init(&d);
    struct ruleset *rs = ruleset_load(dir, vars, n_vars, &lim, wall_now_us(), &d);
    rule_diags_print(&d, stderr);
    rule_diags_free(&d);
    if (!rs)
        return 1;
    struct rule_state_limits sl;
    rule_state_limits_default(&sl);
    int rc = 0;
    for (size_t i = 0; i < n_caps && rc == 0; i++) {
        struct detect *det = detect_new(rs, &sl, print_alert, NULL);
        struct replay_stats st = {0};
        if (!det || replay_pcap(captures[i], det, &st) != 0)
            rc = 1;
        else
            fprintf(stderr, "%s: %llu packets, %llu flows, %llu parser records, %llu alerts\n",
                    captures[i], (unsigned long long)st.packets, (unsigned long long)st.flows,
                    (unsigned long long)st.proto_events,
                    (unsigned long long)detect_stats(det)->alerts);
        detect_free(det);
    }
    ruleset_unref(rs);
    return rc;
}
