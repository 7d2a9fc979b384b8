#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "classify/classify.h"
#include "decode/decode.h"
#include "detect/rule_state.h"
#include "detect/ruleset.h"
#include "flow/flow_table.h"
#include "stream/stream.h"

/* A configuration file is small; this bounds what a mistaken -c costs. */
#define CONFIG_FILE_MAX (1u << 20)
#define CONFIG_US_PER_S 1000000u

enum config_type {
    CONFIG_SECTION, /* a mapping of further keys */
    CONFIG_STRING,
    CONFIG_BOOL,
    CONFIG_UINT, /* decimal, in [min, max] */
    CONFIG_SIZE, /* bytes: decimal with an optional KiB, MiB or GiB */
    CONFIG_VARS, /* rules.vars: a mapping of names to values, kept as written */
};

struct config_key {
    const char *name;
    enum config_type type;
    size_t off;  /* in struct config */
    size_t size; /* of the field: strings' capacity, 4 or 8 for numbers */
    uint64_t min, max;
    const char *choices; /* strings: the values allowed, "a|b|c"; NULL = any */
};

#define SECTION(n)                                                                                 \
    {                                                                                              \
        n, CONFIG_SECTION, 0, 0, 0, 0, NULL                                                        \
    }
#define STRING(n, f)                                                                               \
    {                                                                                              \
        n, CONFIG_STRING, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0, NULL  \
    }
#define BOOL(n, f)                                                                                 \
    {                                                                                              \
        n, CONFIG_BOOL, offsetof(struct config, f), sizeof(bool), 0, 1, NULL                       \
    }
#define UINT(n, f, lo, hi)                                                                         \
    {                                                                                              \
        n, CONFIG_UINT, offsetof(struct config, f), sizeof(((struct config *)0)->f), lo, hi, NULL  \
    }
#define SIZE(n, f, lo, hi)                                                                         \
    {                                                                                              \
        n, CONFIG_SIZE, offsetof(struct config, f), sizeof(((struct config *)0)->f), lo, hi, NULL  \
    }

#define CHOICE(n, f, c)                                                                            \
    {                                                                                              \
        n, CONFIG_STRING, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0, c     \
    }

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)
#define DAY_S 86400u

/* Every key of the file. docs/mamori.yaml documents each one, and a unit
 * test checks that it names them all with their default values. */
static const struct config_key config_keys[] = {
    SECTION("capture"),
    STRING("capture.interface", capture.interface),
    UINT("capture.snaplen", capture.snaplen, 64, 262144),
    SIZE("capture.buffer_size", capture.buffer_size, 1 * MIB, 64 * GIB),
    UINT("capture.block_timeout_ms", capture.block_timeout_ms, 1, 1000),
    BOOL("capture.promiscuous", capture.promiscuous),
    STRING("capture.bpf", capture.bpf),
    UINT("capture.fanout_group", capture.fanout_group, 0, 65535),
    SIZE("capture.replay_ring_size", capture.replay_ring_size, 1 * MIB, 1 * GIB),
    UINT("workers", workers, 1, 64),
    SECTION("run_as"),
    STRING("run_as.user", run_as.user),
    STRING("run_as.group", run_as.group),
    BOOL("run_as.allow_root", run_as.allow_root),
    SECTION("limits"),
    SIZE("limits.flow_memcap", limits.flow_memcap, 1 * MIB, 1024 * GIB),
    SECTION("limits.flow_timeouts"),
    UINT("limits.flow_timeouts.tcp_new", limits.flow_timeout_s[FLOW_TMO_TCP_NEW], 1, DAY_S),
    UINT("limits.flow_timeouts.tcp_established", limits.flow_timeout_s[FLOW_TMO_TCP_ESTABLISHED], 1,
         DAY_S),
    UINT("limits.flow_timeouts.tcp_closed", limits.flow_timeout_s[FLOW_TMO_TCP_CLOSED], 1, DAY_S),
    UINT("limits.flow_timeouts.udp", limits.flow_timeout_s[FLOW_TMO_UDP], 1, DAY_S),
    UINT("limits.flow_timeouts.icmp", limits.flow_timeout_s[FLOW_TMO_ICMP], 1, DAY_S),
    UINT("limits.flow_timeouts.other", limits.flow_timeout_s[FLOW_TMO_OTHER], 1, DAY_S),
    UINT("limits.frag_max_datagrams", limits.frag_max_datagrams, 1, 1000000),
    SIZE("limits.frag_max_bytes", limits.frag_max_bytes, 64 * KIB, 16 * GIB),
    UINT("limits.frag_timeout", limits.frag_timeout_s, 1, 3600),
    SECTION("limits.classify_packets"),
    UINT("limits.classify_packets.tcp", limits.classify_tcp_packets, 1, 65535),
    UINT("limits.classify_packets.udp", limits.classify_udp_packets, 1, 65535),
    UINT("limits.classify_packets.other", limits.classify_other_packets, 1, 65535),
    SECTION("limits.stream"),
    SIZE("limits.stream.flow_held_max", limits.stream_flow_held_max, 1 * KIB, 1 * GIB),
    SIZE("limits.stream.memcap", limits.stream_memcap, 64 * KIB, 64 * GIB),
    SIZE("limits.stream.window", limits.stream_window, 0, 64 * KIB - 1),
    SECTION("outputs"),
    SECTION("outputs.eve"),
    BOOL("outputs.eve.enabled", outputs.eve_enabled),
    STRING("outputs.eve.dir", outputs.eve_dir),
    STRING("outputs.eve.filename", outputs.eve_filename),
    BOOL("outputs.eve.per_type", outputs.eve_per_type),
    STRING("outputs.sensor_id", outputs.sensor_id),
    SIZE("outputs.ring_size", outputs.ring_size, 64 * KIB, 1 * GIB),
    UINT("outputs.flush_ms", outputs.flush_ms, 1, 1000),
    SECTION("outputs.redis"),
    BOOL("outputs.redis.enabled", outputs.redis.enabled),
    STRING("outputs.redis.host", outputs.redis.host),
    UINT("outputs.redis.port", outputs.redis.port, 1, 65535),
    STRING("outputs.redis.socket", outputs.redis.socket),
    STRING("outputs.redis.user", outputs.redis.user),
    STRING("outputs.redis.password", outputs.redis.password),
    UINT("outputs.redis.database", outputs.redis.database, 0, 65535),
    CHOICE("outputs.redis.mode", outputs.redis.mode, "stream|list|channel"),
    STRING("outputs.redis.key_prefix", outputs.redis.key_prefix),
    UINT("outputs.redis.maxlen", outputs.redis.maxlen, 0, UINT64_MAX),
    UINT("outputs.redis.batch", outputs.redis.batch, 1, 65536),
    UINT("outputs.redis.max_inflight", outputs.redis.max_inflight, 1, 1000000),
    UINT("outputs.redis.timeout_ms", outputs.redis.timeout_ms, 10, 600000),
    UINT("outputs.redis.reconnect_max_ms", outputs.redis.reconnect_max_ms, 100, 600000),
    SECTION("outputs.redis.types"),
    BOOL("outputs.redis.types.alert", outputs.redis.type_alert),
    BOOL("outputs.redis.types.flow", outputs.redis.type_flow),
    BOOL("outputs.redis.types.protocol", outputs.redis.type_protocol),
    BOOL("outputs.redis.types.asset", outputs.redis.type_asset),
    BOOL("outputs.redis.types.stats", outputs.redis.type_stats),
    SECTION("outputs.redis.spool"),
    SIZE("outputs.redis.spool.max_size", outputs.redis.spool_max_size, 64 * KIB, 1024 * GIB),
    CHOICE("outputs.redis.spool.when_full", outputs.redis.spool_when_full,
           "drop-newest|drop-oldest"),
    SECTION("outputs.syslog"),
    BOOL("outputs.syslog.enabled", outputs.syslog.enabled),
    CHOICE("outputs.syslog.transport", outputs.syslog.transport, "unix|udp|tcp"),
    STRING("outputs.syslog.socket", outputs.syslog.socket),
    STRING("outputs.syslog.host", outputs.syslog.host),
    UINT("outputs.syslog.port", outputs.syslog.port, 1, 65535),
    CHOICE("outputs.syslog.facility", outputs.syslog.facility, CONFIG_SYSLOG_FACILITIES),
    STRING("outputs.syslog.app_name", outputs.syslog.app_name),
    SIZE("outputs.syslog.queue_size", outputs.syslog.queue_size, 64 * KIB, 1 * GIB),
    SECTION("outputs.syslog.types"),
    BOOL("outputs.syslog.types.alert", outputs.syslog.type_alert),
    BOOL("outputs.syslog.types.flow", outputs.syslog.type_flow),
    BOOL("outputs.syslog.types.protocol", outputs.syslog.type_protocol),
    BOOL("outputs.syslog.types.asset", outputs.syslog.type_asset),
    BOOL("outputs.syslog.types.stats", outputs.syslog.type_stats),
    SECTION("metrics"),
    BOOL("metrics.enabled", metrics.enabled),
    STRING("metrics.listen", metrics.listen),
    UINT("metrics.port", metrics.port, 1, 65535),
    SECTION("stats"),
    UINT("stats.interval", stats_interval_s, 0, DAY_S),
    SECTION("assets"),
    BOOL("assets.enabled", assets.enabled),
    STRING("assets.registry", assets.registry),
    STRING("assets.vulns", assets.vulns),
    STRING("assets.oui_dir", assets.oui_dir),
    STRING("assets.networks", assets.networks),
    UINT("assets.max_assets", assets.max_assets, 1, 10000000),
    SECTION("rules"),
    STRING("rules.dir", rules.dir),
    SIZE("rules.state_memory", rules.state_memory, 1 * MIB, 64 * GIB),
    {"rules.vars", CONFIG_VARS, offsetof(struct config, rules), 0, 0, 0, NULL},
};

#define CONFIG_NKEYS (sizeof config_keys / sizeof config_keys[0])

_Static_assert(FLOW_TMO_COUNT == 6, "limits.flow_timeouts has one key per timeout class");

void config_default(struct config *c)
{
    /* The stages' own defaults are the single source: the file only
     * restates them. */
    struct decode_limits dl;
    struct flow_limits fl;
    struct classify_limits cl;
    decode_limits_default(&dl);
    flow_limits_default(&fl);
    classify_limits_default(&cl);
    struct rule_state_limits rl;
    rule_state_limits_default(&rl);

    memset(c, 0, sizeof *c);
    c->capture.snaplen = 65535;
    c->capture.buffer_size = 64 * MIB;
    c->capture.block_timeout_ms = 2; /* bounds alert latency on a quiet link */
    c->capture.promiscuous = true;
    c->capture.replay_ring_size = 8 * MIB;
    c->workers = 1;
    snprintf(c->run_as.user, sizeof c->run_as.user, "mamori");
    c->limits.flow_memcap = fl.memcap;
    for (int i = 0; i < FLOW_TMO_COUNT; i++)
        c->limits.flow_timeout_s[i] = (uint32_t)(fl.timeout_us[i] / CONFIG_US_PER_S);
    c->limits.frag_max_datagrams = (uint32_t)dl.frag_max_datagrams;
    c->limits.frag_max_bytes = dl.frag_max_bytes;
    c->limits.frag_timeout_s = (uint32_t)(dl.frag_timeout_us / CONFIG_US_PER_S);
    c->limits.classify_tcp_packets = cl.max_tcp_packets;
    c->limits.classify_udp_packets = cl.max_udp_packets;
    c->limits.classify_other_packets = cl.max_other_packets;
    struct stream_limits sl;
    stream_limits_default(&sl);
    c->limits.stream_flow_held_max = sl.flow_held_max;
    c->limits.stream_memcap = sl.memcap;
    c->limits.stream_window = sl.window;
    c->outputs.eve_enabled = true;
    snprintf(c->outputs.eve_dir, sizeof c->outputs.eve_dir, ".");
    snprintf(c->outputs.eve_filename, sizeof c->outputs.eve_filename, "eve.json");
    c->outputs.ring_size = 4 * MIB;
    c->outputs.flush_ms = 2;
    snprintf(c->outputs.redis.host, sizeof c->outputs.redis.host, "127.0.0.1");
    c->outputs.redis.port = 6379;
    snprintf(c->outputs.redis.mode, sizeof c->outputs.redis.mode, "stream");
    snprintf(c->outputs.redis.key_prefix, sizeof c->outputs.redis.key_prefix, "mamori");
    c->outputs.redis.maxlen = 1000000;
    c->outputs.redis.batch = 512;
    c->outputs.redis.max_inflight = 20000;
    c->outputs.redis.timeout_ms = 2000;
    c->outputs.redis.reconnect_max_ms = 5000;
    c->outputs.redis.type_alert = true;
    c->outputs.redis.type_asset = true;
    c->outputs.redis.spool_max_size = 1 * GIB;
    snprintf(c->outputs.redis.spool_when_full, sizeof c->outputs.redis.spool_when_full,
             "drop-newest");
    snprintf(c->outputs.syslog.transport, sizeof c->outputs.syslog.transport, "unix");
    snprintf(c->outputs.syslog.socket, sizeof c->outputs.syslog.socket, "/dev/log");
    snprintf(c->outputs.syslog.host, sizeof c->outputs.syslog.host, "127.0.0.1");
    c->outputs.syslog.port = 514;
    snprintf(c->outputs.syslog.facility, sizeof c->outputs.syslog.facility, "local0");
    snprintf(c->outputs.syslog.app_name, sizeof c->outputs.syslog.app_name, "mamori");
    c->outputs.syslog.queue_size = 4 * MIB;
    c->outputs.syslog.type_alert = true;
    c->metrics.enabled = true;
    snprintf(c->metrics.listen, sizeof c->metrics.listen, "127.0.0.1");
    c->metrics.port = 9750;
    c->stats_interval_s = 60;
    c->rules.state_memory = rl.memcap;
    snprintf(c->assets.oui_dir, sizeof c->assets.oui_dir, "/usr/share/ieee-data");
    c->assets.enabled = true;
    c->assets.max_assets = 100000;
}

void config_rule_vars(const struct config *c, const char *origin, struct rule_var *out)
{
    for (uint32_t i = 0; i < c->rules.nvars; i++) {
        const struct config_rule_var *v = &c->rules.vars[i];
        out[i] = (struct rule_var){
            .name = v->name, .value = v->value, .origin = origin, .line = v->line, .col = v->col};
    }
}

size_t config_key_count(void)
{
    return CONFIG_NKEYS;
}

const char *config_key_name(size_t i)
{
    return i < CONFIG_NKEYS ? config_keys[i].name : NULL;
}

int config_value_text(const struct config *c, size_t i, char *buf, size_t len)
{
    if (i >= CONFIG_NKEYS || len == 0)
        return -EINVAL;
    const struct config_key *k = &config_keys[i];
    const uint8_t *field = (const uint8_t *)c + k->off;
    buf[0] = '\0';
    switch (k->type) {
    case CONFIG_SECTION:
        break;
    case CONFIG_VARS: {
        /* NAME=VALUE;... : enough to tell two configurations apart. */
        size_t o = 0;
        for (uint32_t v = 0; v < c->rules.nvars && o < len; v++) {
            int n = snprintf(buf + o, len - o, "%s%s=%s", v ? ";" : "", c->rules.vars[v].name,
                             c->rules.vars[v].value);
            if (n < 0)
                break;
            o += (size_t)n;
        }
        break;
    }
    case CONFIG_STRING:
        snprintf(buf, len, "%s", (const char *)field);
        break;
    case CONFIG_BOOL: {
        bool b;
        memcpy(&b, field, sizeof b);
        snprintf(buf, len, "%s", b ? "true" : "false");
        break;
    }
    case CONFIG_UINT:
    case CONFIG_SIZE: {
        uint64_t v;
        if (k->size == sizeof(uint32_t)) {
            uint32_t v32;
            memcpy(&v32, field, sizeof v32);
            v = v32;
        } else {
            memcpy(&v, field, sizeof v);
        }
        snprintf(buf, len, "%" PRIu64, v);
        break;
    }
    }
    return 0;
}

struct config_parser {
    yaml_parser_t y;
    struct config *c;
    const char *name;
    char *err;
    size_t errlen;
    bool seen[CONFIG_NKEYS];
};

__attribute__((format(printf, 3, 4))) static int config_error(struct config_parser *p,
                                                              yaml_mark_t m, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errlen, "%s:%zu:%zu: ", p->name, m.line + 1, m.column + 1);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int config_next(struct config_parser *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(&p->y, ev))
        return 0;
    /* With a context ("while scanning a quoted scalar"), its mark is where
     * the mistake starts; the problem's mark is where it was noticed. */
    const char *ctx = p->y.context ? p->y.context : "";
    return config_error(p, *ctx ? p->y.context_mark : p->y.problem_mark, "%s%s%s",
                        p->y.problem ? p->y.problem : "bad YAML", *ctx ? " " : "", ctx);
}

static const char *config_scalar(const yaml_event_t *ev)
{
    return (const char *)ev->data.scalar.value;
}

static bool config_plain_null(const yaml_event_t *ev)
{
    const char *s = config_scalar(ev);
    return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
            strcmp(s, "NULL") == 0);
}

/* Decimal digits only: YAML's octal, hex and signs are rejected rather
 * than guessed at. */
static bool config_parse_uint(const char *s, uint64_t *v, const char **rest)
{
    if (*s < '0' || *s > '9')
        return false;
    uint64_t n = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        n = n * 10 + (uint64_t)(*s - '0');
    }
    *v = n;
    *rest = s;
    return true;
}

/* Is s one of the '|'-separated choices? */
static bool config_choice(const char *choices, const char *s)
{
    size_t n = strlen(s);
    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && memcmp(c, s, n) == 0)
            return true;
        c += len + (bar ? 1 : 0);
    }
    return false;
}

static int config_value(struct config_parser *p, const struct config_key *k, const yaml_event_t *ev)
{
    uint8_t *field = (uint8_t *)p->c + k->off;
    const char *s = config_scalar(ev);
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;

    switch (k->type) {
    case CONFIG_STRING: {
        size_t n = strlen(s);
        if (config_plain_null(ev))
            s = "", n = 0;
        else if (n != ev->data.scalar.length)
            n = k->size; /* a NUL inside: no C string holds it */
        if (n >= k->size)
            return config_error(p, ev->start_mark, "%s: expected a string of at most %zu bytes",
                                k->name, k->size - 1);
        if (k->choices && !config_choice(k->choices, s))
            return config_error(p, ev->start_mark, "%s: expected one of %s, not '%s'", k->name,
                                k->choices, s);
        memcpy(field, s, n + 1);
        return 0;
    }
    case CONFIG_BOOL: {
        bool b;
        if (plain && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0))
            b = true;
        else if (plain && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0))
            b = false;
        else
            return config_error(p, ev->start_mark, "%s: expected true or false, not '%s'", k->name,
                                s);
        memcpy(field, &b, sizeof b);
        return 0;
    }
    case CONFIG_UINT:
    case CONFIG_SIZE: {
        uint64_t v, mult = 1;
        const char *rest;
        bool ok = plain && config_parse_uint(s, &v, &rest);
        if (ok && k->type == CONFIG_SIZE && *rest) {
            if (strcmp(rest, "KiB") == 0)
                mult = KIB;
            else if (strcmp(rest, "MiB") == 0)
                mult = MIB;
            else if (strcmp(rest, "GiB") == 0)
                mult = GIB;
            else
                ok = false;
            rest = "";
        }
        if (!ok || *rest) {
            return config_error(p, ev->start_mark, "%s: expected %s, not '%s'", k->name,
                                k->type == CONFIG_SIZE
                                    ? "a size in bytes (a number, optionally with KiB, MiB or GiB)"
                                    : "a number",
                                s);
        }
        if (v > UINT64_MAX / mult || v * mult < k->min || v * mult > k->max)
            return config_error(p, ev->start_mark,
                                "%s: %s is out of range (%" PRIu64 " to %" PRIu64 ")", k->name, s,
                                k->min, k->max);
        v *= mult;
        if (k->size == sizeof(uint32_t)) {
            uint32_t v32 = (uint32_t)v;
            memcpy(field, &v32, sizeof v32);
        } else {
            memcpy(field, &v, sizeof v);
        }
        return 0;
    }
    case CONFIG_SECTION:
    case CONFIG_VARS:
        break;
    }
    return config_error(p, ev->start_mark, "%s: is a section", k->name);
}

static const char *config_event_kind(yaml_event_type_t t)
{
    switch (t) {
    case YAML_SEQUENCE_START_EVENT:
        return "a list";
    case YAML_MAPPING_START_EVENT:
        return "a mapping";
    case YAML_ALIAS_EVENT:
        return "an alias (anchors and aliases are not supported)";
    default:
        return "a value";
    }
}

/* rules.vars, whose start has been consumed: NAME: VALUE pairs up to and
 * including the mapping's end. Values stay text: the rule compiler reads
 * them and reports its errors at the line and column kept here. */
static int config_vars(struct config_parser *p)
{
    int rc = 0;
    yaml_event_t key, val;
    bool have_key = false, have_val = false;
    p->c->rules.nvars = 0;
    for (;;) {
        if ((rc = config_next(p, &key)) < 0)
            goto out;
        have_key = true;
        if (key.type == YAML_MAPPING_END_EVENT)
            goto out;
        if (key.type != YAML_SCALAR_EVENT) {
            rc = config_error(p, key.start_mark, "rules.vars: expected a variable name, found %s",
                              config_event_kind(key.type));
            goto out;
        }
        if ((rc = config_next(p, &val)) < 0)
            goto out;
        have_val = true;
        if (val.type != YAML_SCALAR_EVENT) {
            rc = config_error(p, val.start_mark,
                              "rules.vars: %s: expected a value as a rule writes it "
                              "(\"[10.0.0.0/8, 172.16.0.0/12]\"), found %s",
                              config_scalar(&key), config_event_kind(val.type));
            goto out;
        }
        struct config_rule_var *v = &p->c->rules.vars[p->c->rules.nvars];
        if (p->c->rules.nvars == CONFIG_RULE_VARS_MAX) {
            rc = config_error(p, key.start_mark, "rules.vars: more than %d variables",
                              CONFIG_RULE_VARS_MAX);
            goto out;
        }
        if (key.data.scalar.length == 0 || key.data.scalar.length >= sizeof v->name ||
            strlen(config_scalar(&key)) != key.data.scalar.length) {
            rc = config_error(p, key.start_mark, "rules.vars: a name of 1 to %zu bytes expected",
                              sizeof v->name - 1);
            goto out;
        }
        if (val.data.scalar.length >= sizeof v->value ||
            strlen(config_scalar(&val)) != val.data.scalar.length) {
            rc = config_error(p, val.start_mark,
                              "rules.vars: %s: at most %zu bytes (longer sets belong in a list "
                              "file)",
                              config_scalar(&key), sizeof v->value - 1);
            goto out;
        }
        memcpy(v->name, config_scalar(&key), key.data.scalar.length + 1);
        memcpy(v->value, config_scalar(&val), val.data.scalar.length + 1);
        v->line = (uint32_t)val.start_mark.line + 1;
        /* The compiler counts columns from the value's first character:
         * past the opening quote of a quoted one. */
        v->col = (uint32_t)val.start_mark.column + 1 +
                 (val.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                  val.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE);
        p->c->rules.nvars++;
        yaml_event_delete(&val);
        have_val = false;
        yaml_event_delete(&key);
        have_key = false;
    }
out:
    if (have_val)
        yaml_event_delete(&val);
    if (have_key)
        yaml_event_delete(&key);
    return rc;
}

/* Reads the keys of a mapping whose start has been consumed, up to and
 * including its end. prefix is the dotted name of the mapping ("" at the
 * top). */
static int config_mapping(struct config_parser *p, const char *prefix, int depth)
{
    int rc = 0;
    yaml_event_t key, val;
    bool have_key = false, have_val = false;

    for (;;) {
        if ((rc = config_next(p, &key)) < 0)
            goto out;
        have_key = true;
        if (key.type == YAML_MAPPING_END_EVENT)
            goto out;
        if (key.type != YAML_SCALAR_EVENT) {
            rc = config_error(p, key.start_mark, "expected a key, found %s",
                              config_event_kind(key.type));
            goto out;
        }
        char name[160];
        int n =
            snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", config_scalar(&key));
        size_t i = 0;
        if (n > 0 && (size_t)n < sizeof name) {
            while (i < CONFIG_NKEYS && strcmp(config_keys[i].name, name) != 0)
                i++;
        } else {
            i = CONFIG_NKEYS;
        }
        if (i == CONFIG_NKEYS) {
            rc = config_error(p, key.start_mark, "unknown key '%s'", name);
            goto out;
        }
        if (p->seen[i]) {
            rc = config_error(p, key.start_mark, "'%s' is given twice", name);
            goto out;
        }
        p->seen[i] = true;

        if ((rc = config_next(p, &val)) < 0)
            goto out;
        have_val = true;
        const struct config_key *k = &config_keys[i];
        if (k->type == CONFIG_SECTION) {
            if (val.type != YAML_MAPPING_START_EVENT) {
                rc = config_error(p, val.start_mark, "%s: expected a mapping of keys, found %s",
                                  name, config_event_kind(val.type));
                goto out;
            }
            /* The table is at most three levels deep; the bound only keeps
             * a hostile file from recursing. */
            if (depth > 4) {
                rc = config_error(p, val.start_mark, "%s: nested too deeply", name);
                goto out;
            }
            rc = config_mapping(p, name, depth + 1);
        } else if (k->type == CONFIG_VARS) {
            if (val.type == YAML_MAPPING_START_EVENT)
                rc = config_vars(p);
            else if (val.type == YAML_SCALAR_EVENT && config_plain_null(&val))
                p->c->rules.nvars = 0;
            else
                rc = config_error(p, val.start_mark,
                                  "%s: expected a mapping of names to values, found %s", name,
                                  config_event_kind(val.type));
        } else if (val.type != YAML_SCALAR_EVENT) {
            rc = config_error(p, val.start_mark, "%s: expected a single value, found %s", name,
                              config_event_kind(val.type));
        } else {
            rc = config_value(p, k, &val);
        }
        yaml_event_delete(&val);
        have_val = false;
        yaml_event_delete(&key);
        have_key = false;
        if (rc < 0)
            goto out;
    }
out:
    if (have_val)
        yaml_event_delete(&val);
    if (have_key)
        yaml_event_delete(&key);
    return rc;
}

int config_parse(struct config *c, const char *name, const uint8_t *text, size_t len, char *err,
                 size_t errlen)
{
    struct config_parser *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -ENOMEM;
    }
    int rc = 0;
    p->c = c;
    p->name = name;
    p->err = err;
    p->errlen = errlen;
    if (!yaml_parser_initialize(&p->y)) {
        snprintf(err, errlen, "%s: out of memory", name);
        free(p);
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&p->y, text, len);

    /* stream-start, then either stream-end (an empty file: all defaults)
     * or one document holding one mapping. */
    bool in_doc = false;
    for (;;) {
        yaml_event_t ev;
        if ((rc = config_next(p, &ev)) < 0)
            goto out;
        yaml_event_type_t t = ev.type;
        yaml_mark_t m = ev.start_mark;
        bool null_doc = t == YAML_SCALAR_EVENT && config_plain_null(&ev);
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            break;
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_END_EVENT)
            continue;
        if (t == YAML_DOCUMENT_START_EVENT) {
            if (in_doc) {
                rc = config_error(p, m, "only one YAML document is allowed");
                goto out;
            }
            in_doc = true;
            continue;
        }
        if (t == YAML_MAPPING_START_EVENT) {
            if ((rc = config_mapping(p, "", 0)) < 0)
                goto out;
            continue;
        }
        if (null_doc)
            continue; /* a document holding only comments */
        rc = config_error(p, m, "expected a mapping of keys at the top, found %s",
                          config_event_kind(t));
        goto out;
    }
out:
    yaml_parser_delete(&p->y);
    free(p);
    return rc;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
    int rc = 0;
    uint8_t *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        rc = -errno;
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    text = malloc(CONFIG_FILE_MAX + 1);
    if (!text) {
        rc = -ENOMEM;
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    size_t len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
    if (ferror(f)) {
        rc = -EIO;
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    if (len > CONFIG_FILE_MAX) {
        rc = -EFBIG;
        snprintf(err, errlen, "%s: larger than %u bytes: not a configuration file", path,
                 CONFIG_FILE_MAX);
        goto out;
    }
    rc = config_parse(c, path, text, len, err, errlen);
out:
    free(text);
    if (f)
        fclose(f);
    return rc;
}
