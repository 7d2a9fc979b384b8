/*
 * The configuration file: errors carry the line and column of the key or
 * value at fault; every key of the documented sample is present and holds
 * its default; the command-line-free defaults are what the stages use.
 *
 * usage: test_config SAMPLE   (docs/mamori.yaml)
 */
#include <stdint.h>

#include "../test.h"
#include "config.h"

static const char *sample_path;

static int parse(struct config *c, const char *text, char *err, size_t errlen)
{
    config_default(c);
    err[0] = '\0';
    return config_parse(c, "t.yaml", (const uint8_t *)text, strlen(text), err, errlen);
}

#define CHECK_ERR(text, want)                                                                      \
    do {                                                                                           \
        struct config c_;                                                                          \
        char e_[512];                                                                              \
        CHECK(parse(&c_, text, e_, sizeof e_) < 0);                                                \
        CHECK(strncmp(e_, want, strlen(want)) == 0);                                               \
        if (strncmp(e_, want, strlen(want)) != 0)                                                  \
            fprintf(stderr, "    got \"%s\", expected \"%s...\"\n", e_, want);                     \
    } while (0)

static void test_unknown_key(void)
{
    CHECK_ERR("workers: 2\nfoo: 1\n", "t.yaml:2:1: unknown key 'foo'");
    CHECK_ERR("capture:\n  snaplen: 100\n  interfce: eth0\n",
              "t.yaml:3:3: unknown key 'capture.interfce'");
    CHECK_ERR("limits:\n  flow_timeouts:\n    udp: 5\n    sctp: 5\n",
              "t.yaml:4:5: unknown key 'limits.flow_timeouts.sctp'");
    /* A key of a section is not a key at the top. */
    CHECK_ERR("snaplen: 100\n", "t.yaml:1:1: unknown key 'snaplen'");
}

static void test_wrong_type(void)
{
    CHECK_ERR("workers: two\n", "t.yaml:1:10: workers: expected a number");
    CHECK_ERR("workers: \"2\"\n", "t.yaml:1:10: workers: expected a number");
    CHECK_ERR("workers: -1\n", "t.yaml:1:10: workers: expected a number");
    CHECK_ERR("workers: 0\n", "t.yaml:1:10: workers: 0 is out of range");
    CHECK_ERR("workers: 65\n", "t.yaml:1:10: workers: 65 is out of range");
    CHECK_ERR("capture:\n  promiscuous: maybe\n",
              "t.yaml:2:16: capture.promiscuous: expected true or false");
    CHECK_ERR("capture:\n  buffer_size: 64MB\n",
              "t.yaml:2:16: capture.buffer_size: expected a size in bytes");
    CHECK_ERR("capture: eth0\n", "t.yaml:1:10: capture: expected a mapping of keys");
    CHECK_ERR("workers:\n  n: 2\n",
              "t.yaml:2:3: workers: expected a single value, found a mapping");
    CHECK_ERR("capture:\n  bpf: [tcp]\n", "t.yaml:2:8: capture.bpf: expected a single value");
    CHECK_ERR("- workers\n", "t.yaml:1:1: expected a mapping of keys at the top");
    CHECK_ERR("workers: 1\nworkers: 2\n", "t.yaml:2:1: 'workers' is given twice");
    CHECK_ERR("a: &x 1\nworkers: *x\n", "t.yaml:1:1: unknown key 'a'");
    CHECK_ERR("workers: *x\n", "t.yaml:1:10: ");
    CHECK_ERR("workers: 1\nstats: 'open\n", "t.yaml:2:8: ");
    CHECK_ERR("capture:\n  interface: "
              "0123456789012345678901234567890123456789012345678901234567890123456789\n",
              "t.yaml:2:14: capture.interface: expected a string of at most 63 bytes");
}

static void test_values(void)
{
    struct config c;
    char err[512];
    int rc = parse(&c,
                   "# a comment\n"
                   "capture:\n"
                   "  interface: eth1\n"
                   "  buffer_size: 2GiB\n"
                   "  bpf: 'not port 22'\n"
                   "  promiscuous: no\n"
                   "workers: 4\n"
                   "run_as: {user: nobody, group: ~}\n"
                   "limits:\n"
                   "  flow_memcap: 1048576\n"
                   "  flow_timeouts: {udp: 5}\n"
                   "outputs:\n"
                   "  eve:\n"
                   "    dir: \"-\"\n"
                   "stats:\n"
                   "  interval: 0\n",
                   err, sizeof err);
    CHECK_EQ_INT(rc, 0);
    if (rc)
        fprintf(stderr, "    %s\n", err);
    CHECK_EQ_STR(c.capture.interface, "eth1");
    CHECK(c.capture.buffer_size == 2ull << 30);
    CHECK_EQ_STR(c.capture.bpf, "not port 22");
    CHECK(!c.capture.promiscuous);
    CHECK_EQ_INT(c.workers, 4);
    CHECK_EQ_STR(c.run_as.user, "nobody");
    CHECK_EQ_STR(c.run_as.group, "");
    CHECK(c.limits.flow_memcap == 1048576);
    CHECK_EQ_INT(c.limits.flow_timeout_s[3], 5);
    CHECK_EQ_INT(c.limits.flow_timeout_s[1], 600); /* untouched: the default */
    CHECK_EQ_STR(c.outputs.eve_dir, "-");
    CHECK_EQ_INT(c.stats_interval_s, 0);

    /* Empty files and comment-only files give the defaults. */
    struct config d;
    config_default(&d);
    CHECK_EQ_INT(parse(&c, "", err, sizeof err), 0);
    CHECK(memcmp(&c, &d, sizeof c) == 0);
    CHECK_EQ_INT(parse(&c, "# nothing\n", err, sizeof err), 0);
    CHECK(memcmp(&c, &d, sizeof c) == 0);
    CHECK_EQ_INT(parse(&c, "---\n...\n", err, sizeof err), 0);
}

/* Every key set to something other than its default, so that parsing the
 * sample over it shows which keys the sample sets. */
static const char *const poison = "capture:\n"
                                  "  interface: poison0\n"
                                  "  snaplen: 1500\n"
                                  "  buffer_size: 3MiB\n"
                                  "  block_timeout_ms: 77\n"
                                  "  promiscuous: false\n"
                                  "  bpf: tcp\n"
                                  "  fanout_group: 4242\n"
                                  "  replay_ring_size: 3MiB\n"
                                  "workers: 7\n"
                                  "run_as:\n"
                                  "  user: poison\n"
                                  "  group: poison\n"
                                  "  allow_root: true\n"
                                  "limits:\n"
                                  "  flow_memcap: 3MiB\n"
                                  "  flow_timeouts:\n"
                                  "    tcp_new: 7\n"
                                  "    tcp_established: 7\n"
                                  "    tcp_closed: 7\n"
                                  "    udp: 7\n"
                                  "    icmp: 7\n"
                                  "    other: 7\n"
                                  "  frag_max_datagrams: 7\n"
                                  "  frag_max_bytes: 3MiB\n"
                                  "  frag_timeout: 7\n"
                                  "  classify_packets:\n"
                                  "    tcp: 7\n"
                                  "    udp: 7\n"
                                  "    other: 7\n"
                                  "  stream:\n"
                                  "    flow_held_max: 7KiB\n"
                                  "    memcap: 7MiB\n"
                                  "    window: 7\n"
                                  "outputs:\n"
                                  "  eve:\n"
                                  "    enabled: false\n"
                                  "    dir: /poison\n"
                                  "    filename: poison.json\n"
                                  "    per_type: true\n"
                                  "  sensor_id: poison\n"
                                  "  ring_size: 3MiB\n"
                                  "  flush_ms: 7\n"
                                  "  redis:\n"
                                  "    enabled: true\n"
                                  "    host: poison\n"
                                  "    port: 7\n"
                                  "    socket: /poison\n"
                                  "    user: poison\n"
                                  "    password: poison\n"
                                  "    database: 7\n"
                                  "    mode: channel\n"
                                  "    key_prefix: poison\n"
                                  "    maxlen: 7\n"
                                  "    batch: 7\n"
                                  "    max_inflight: 7\n"
                                  "    timeout_ms: 77\n"
                                  "    reconnect_max_ms: 777\n"
                                  "    types:\n"
                                  "      alert: false\n"
                                  "      flow: true\n"
                                  "      protocol: true\n"
                                  "      asset: false\n"
                                  "      stats: true\n"
                                  "    spool:\n"
                                  "      max_size: 3MiB\n"
                                  "      when_full: drop-oldest\n"
                                  "  syslog:\n"
                                  "    enabled: true\n"
                                  "    transport: tcp\n"
                                  "    socket: /poison\n"
                                  "    host: poison\n"
                                  "    port: 7\n"
                                  "    facility: audit\n"
                                  "    app_name: poison\n"
                                  "    queue_size: 3MiB\n"
                                  "    types:\n"
                                  "      alert: false\n"
                                  "      flow: true\n"
                                  "      protocol: true\n"
                                  "      asset: true\n"
                                  "      stats: true\n"
                                  "metrics:\n"
                                  "  enabled: false\n"
                                  "  listen: poison\n"
                                  "  port: 7\n"
                                  "stats:\n"
                                  "  interval: 7\n"
                                  "assets:\n"
                                  "  enabled: false\n"
                                  "  registry: poison\n"
                                  "  vulns: poison\n"
                                  "  oui_dir: poison\n"
                                  "  networks: poison\n"
                                  "  max_assets: 7\n"
                                  "rules:\n"
                                  "  dir: poison\n"
                                  "  state_memory: 7MiB\n"
                                  "  vars:\n"
                                  "    $HOSPITAL_NETS: \"[10.0.0.0/8]\"\n";

static void test_sample(void)
{
    struct config def, c;
    char err[1024], a[CONFIG_BPF_MAX], b[CONFIG_BPF_MAX];
    config_default(&def);

    CHECK_EQ_INT(parse(&c, poison, err, sizeof err), 0);
    for (size_t i = 0; i < config_key_count(); i++) {
        config_value_text(&def, i, a, sizeof a);
        config_value_text(&c, i, b, sizeof b);
        /* Sections have no value; every other key must be poisoned. */
        if (*a || *b) {
            CHECK(strcmp(a, b) != 0);
            if (strcmp(a, b) == 0)
                fprintf(stderr, "    %s: not poisoned\n", config_key_name(i));
        }
    }

    int rc = config_load(&c, sample_path, err, sizeof err);
    CHECK_EQ_INT(rc, 0);
    if (rc)
        fprintf(stderr, "    %s\n", err);
    for (size_t i = 0; i < config_key_count(); i++) {
        config_value_text(&def, i, a, sizeof a);
        config_value_text(&c, i, b, sizeof b);
        CHECK(strcmp(a, b) == 0);
        if (strcmp(a, b) != 0)
            fprintf(stderr, "    %s: the sample gives '%s', the default is '%s'\n",
                    config_key_name(i), b, a);
    }
    CHECK(config_value_text(&c, config_key_count(), a, sizeof a) < 0);

    CHECK(config_load(&c, "/nonexistent/mamori.yaml", err, sizeof err) < 0);
    CHECK(strstr(err, "/nonexistent/mamori.yaml") != NULL);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_config SAMPLE\n");
        return 2;
    }
    sample_path = argv[1];
    static const struct test_case cases[] = {
        TEST(test_unknown_key),
        TEST(test_wrong_type),
        TEST(test_values),
        TEST(test_sample),
    };
    return test_run(cases, sizeof cases / sizeof cases[0]);
}
