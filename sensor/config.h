/*
 * The configuration of one mamori process: defaults, the YAML file
 * (`-c mamori.yaml`, read with libyaml's event parser) and the checks that
 * keep a bad file from starting a sensor.
 *
 * Every key has a default, documented in docs/mamori.yaml, whose values
 * are exactly these defaults. Unknown keys, repeated keys and values of
 * the wrong type are errors reported as `file:line:col: message`, the
 * position being the offending key or value in the file. The command line
 * is applied after the file and overrides it.
 */
#ifndef MAMORI_CONFIG_H
#define MAMORI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_NAME_MAX 64
#define CONFIG_PATH_MAX 1024
#define CONFIG_BPF_MAX 2048
#define CONFIG_RULE_VARS_MAX 32
#define CONFIG_RULE_VAR_VALUE_MAX 1024

struct config {
    struct {
        char interface[CONFIG_NAME_MAX]; /* "" = none; -i sets it */
        uint32_t snaplen;                /* bytes kept of each packet */
        uint64_t buffer_size;            /* kernel ring per worker, bytes */
        uint32_t block_timeout_ms;       /* a partly filled ring block is handed over after this */
        bool promiscuous;
        char bpf[CONFIG_BPF_MAX];  /* "" = every packet */
        uint32_t fanout_group;     /* 0 = derived from the process id */
        uint64_t replay_ring_size; /* per worker when -r runs several workers, bytes */
    } capture;
    uint32_t workers;
    struct {
        char user[CONFIG_NAME_MAX];  /* "" = none */
        char group[CONFIG_NAME_MAX]; /* "" = the user's primary group */
        bool allow_root;             /* without a user, keep running as root */
    } run_as;
    struct {
        uint64_t flow_memcap;       /* bytes, shared out equally among workers */
        uint32_t flow_timeout_s[6]; /* indexed by enum flow_timeout_class */
        uint32_t frag_max_datagrams;
        uint64_t frag_max_bytes;
        uint32_t frag_timeout_s;
        uint32_t classify_tcp_packets;
        uint32_t classify_udp_packets;
        uint32_t classify_other_packets;
        uint64_t stream_flow_held_max; /* out-of-order bytes per flow */
        uint64_t stream_memcap;        /* per worker: held bytes and windows */
        uint64_t stream_window;        /* delivered bytes kept per direction */
    } limits;
    struct {
        bool eve_enabled;
        char eve_dir[CONFIG_PATH_MAX]; /* "-" = standard output; -l sets it */
        char eve_filename[CONFIG_NAME_MAX * 4];
        bool eve_per_type;               /* alert.json, flow.json, ... instead of eve_filename */
        char sensor_id[CONFIG_NAME_MAX]; /* "" = the host name; in every record_id */
        uint64_t ring_size;              /* per producer, to the output thread, bytes */
        uint32_t flush_ms;               /* the output thread's pass interval */
        struct config_redis {
            bool enabled;
            char host[256];
            uint32_t port;
            char socket[CONFIG_PATH_MAX]; /* unix socket; "" = TCP */
            char user[CONFIG_NAME_MAX];   /* "" = AUTH with the password only */
            char password[256];           /* "" = no AUTH */
            uint32_t database;
            char mode[16]; /* stream, list or channel */
            char key_prefix[128];
            uint64_t maxlen;
            uint32_t batch;
            uint32_t max_inflight;
            uint32_t timeout_ms;
            uint32_t reconnect_max_ms;
            bool type_alert, type_flow, type_protocol, type_asset, type_stats;
            uint64_t spool_max_size;
            char spool_when_full[16]; /* drop-newest or drop-oldest */
        } redis;
        struct config_syslog {
            bool enabled;
            char transport[8]; /* unix, udp or tcp */
            char socket[108];  /* unix: the local syslog socket */
            char host[256];
            uint32_t port;
            char facility[16]; /* kern ... local7 */
            char app_name[49];
            uint64_t queue_size; /* tcp */
            bool type_alert, type_flow, type_protocol, type_asset, type_stats;
        } syslog;
    } outputs;
    struct {
        bool enabled;
        char listen[64];
        uint32_t port;
    } metrics;
    uint32_t stats_interval_s; /* 0 = only at exit */
    struct {
        bool enabled;
        char registry[CONFIG_PATH_MAX]; /* "" = no registry */
        char vulns[CONFIG_PATH_MAX];    /* "" = no vulnerable versions */
        char oui_dir[CONFIG_PATH_MAX];  /* IEEE registry files */
        char networks[512];             /* CIDRs whose addresses are devices */
        uint32_t max_assets;
    } assets;
    struct {
        char dir[CONFIG_PATH_MAX]; /* "" = no rules; --rules sets it */
        uint64_t state_memory;     /* the correlator's cap, bytes */
        uint32_t nvars;
        /* rules.vars: NAME: VALUE, with where each was written for the
         * rule compiler's messages */
        struct config_rule_var {
            char name[CONFIG_NAME_MAX];
            char value[CONFIG_RULE_VAR_VALUE_MAX];
            uint32_t line, col;
        } vars[CONFIG_RULE_VARS_MAX];
    } rules;
};

/* outputs.syslog.facility: RFC 5424's facilities, numbered in this order. */
#define CONFIG_SYSLOG_FACILITIES                                                                   \
    "kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|ntp|audit|alert|clock|"     \
    "local0|local1|local2|local3|local4|local5|local6|local7"

/* Fills c with the defaults. */
void config_default(struct config *c);

/* Reads path over c (keys absent from the file keep their value). Returns
 * 0, or a negative error code with err holding "path:line:col: message".
 * On error c may be partly updated. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/* The same for a file already in memory (name is used in messages). */
int config_parse(struct config *c, const char *name, const uint8_t *text, size_t len, char *err,
                 size_t errlen);

struct rule_var;
/* rules.vars as the rule loader takes them: out[0..c->rules.nvars), each
 * borrowing from c; origin names the file they came from (borrowed too). */
void config_rule_vars(const struct config *c, const char *origin, struct rule_var *out);

/* Number of keys, and the dotted name of key i ("capture.snaplen"): what
 * the sample must hold. */
size_t config_key_count(void);
const char *config_key_name(size_t i);
/* Writes the value of key i in c as the file would give it ("64MiB" is
 * written 67108864); sections give "". Returns 0 or -EINVAL for no such
 * key. */
int config_value_text(const struct config *c, size_t i, char *buf, size_t len);

#endif
