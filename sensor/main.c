/*
 * mamori: passive intrusion-detection sensor for hospital networks.
 * Command line in Suricata's spirit.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mamori/mamori.h"
#include "sensor.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mamori -r FILE [-r FILE ...] [options]\n"
            "       mamori -i IFACE [options]\n"
            "       mamori -T [-c FILE] [options]\n"
            "\n"
            "  -r, --read FILE    read packets from a pcap or pcapng file (repeatable)\n"
            "  -i, --interface IF capture live on interface IF (capture.interface)\n"
            "  -c, --config FILE  read the configuration from FILE (YAML); the command\n"
            "                     line overrides it\n"
            "  -T, --check        check the configuration and exit: 0 if valid\n"
            "      --export-assets csv|json\n"
            "                     print the asset inventory (LOGDIR/assets.json, else\n"
            "                     Redis) and exit\n"
            "  -l, --log-dir DIR  write DIR/eve.json (outputs.eve.dir, default: the\n"
            "                     current directory); '-' writes records to standard output\n"
            "      --workers N    worker threads, 1 to 64 (workers)\n"
            "      --rules DIR    load the rules of DIR (rules.dir; see rules/README.md);\n"
            "                     with -T, check them\n"
            "      --bpf EXPR     capture only what the BPF filter EXPR accepts (capture.bpf)\n"
            "      --user USER    user to switch to once the capture is open (run_as.user,\n"
            "                     default mamori)\n"
            "      --group GROUP  group to switch to (run_as.group, default: USER's group)\n"
            "      --allow-root   keep running as root after opening the capture\n"
            "  -v, --verbose      print a summary on standard error\n"
            "  -V, --version      print the version\n"
            "  -h, --help         this help\n"
            "\n"
            "exit status: 0 all input processed (live capture: stopped by SIGINT or\n"
            "SIGTERM); 1 usage, configuration or startup error; 2 an input file was\n"
            "unreadable, of an unknown link type, truncated or corrupt (everything\n"
            "readable was processed; the error names the file), or live capture failed\n"
            "after it started\n");
}

/* The command line, kept apart so that it can override the file that -c
 * names wherever -c appears. */
struct cli {
    const char *config;
    const char *interface, *logdir, *bpf, *user, *group, *rules;
    unsigned workers; /* 0: not given */
    bool allow_root, check;
    const char *export_assets; /* csv or json */
};

static int cli_copy(char *dst, size_t size, const char *src, const char *what)
{
    size_t n = strlen(src);
    if (n >= size) {
        fprintf(stderr, "mamori: %s is longer than %zu bytes\n", what, size - 1);
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

static int cli_apply(const struct cli *cl, struct config *c)
{
    if (cl->interface &&
        cli_copy(c->capture.interface, sizeof c->capture.interface, cl->interface, "-i") < 0)
        return -1;
    if (cl->logdir && cli_copy(c->outputs.eve_dir, sizeof c->outputs.eve_dir, cl->logdir, "-l") < 0)
        return -1;
    if (cl->bpf && cli_copy(c->capture.bpf, sizeof c->capture.bpf, cl->bpf, "--bpf") < 0)
        return -1;
    if (cl->user && cli_copy(c->run_as.user, sizeof c->run_as.user, cl->user, "--user") < 0)
        return -1;
    if (cl->group && cli_copy(c->run_as.group, sizeof c->run_as.group, cl->group, "--group") < 0)
        return -1;
    if (cl->allow_root) {
        /* Explicitly asked to stay root: no user to switch to. */
        c->run_as.user[0] = '\0';
        c->run_as.allow_root = true;
    }
    if (cl->rules && cli_copy(c->rules.dir, sizeof c->rules.dir, cl->rules, "--rules") < 0)
        return -1;
    if (cl->workers)
        c->workers = cl->workers;
    return 0;
}

int main(int argc, char **argv)
{
    enum {
        OPT_WORKERS = 256,
        OPT_BPF,
        OPT_USER,
        OPT_GROUP,
        OPT_ALLOW_ROOT,
        OPT_RULES,
        OPT_EXPORT_ASSETS
    };
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},
        {"interface", required_argument, NULL, 'i'},
        {"config", required_argument, NULL, 'c'},
        {"check", no_argument, NULL, 'T'},
        {"log-dir", required_argument, NULL, 'l'},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"bpf", required_argument, NULL, OPT_BPF},
        {"user", required_argument, NULL, OPT_USER},
        {"group", required_argument, NULL, OPT_GROUP},
        {"allow-root", no_argument, NULL, OPT_ALLOW_ROOT},
        {"rules", required_argument, NULL, OPT_RULES},
        {"export-assets", required_argument, NULL, OPT_EXPORT_ASSETS},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct sensor_options o;
    memset(&o, 0, sizeof o);
    struct cli cl;
    memset(&cl, 0, sizeof cl);
    struct config *cfg = malloc(sizeof *cfg);
    const char **files = calloc((size_t)argc, sizeof *files);
    int status = MAMORI_EXIT_OK;
    if (!files || !cfg) {
        fprintf(stderr, "mamori: out of memory\n");
        status = MAMORI_EXIT_USAGE;
        goto out;
    }
    o.files = files;

    int c;
    while ((c = getopt_long(argc, argv, "r:i:c:Tl:vVh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            files[o.nfiles++] = optarg;
            break;
        case 'i':
            cl.interface = optarg;
            break;
        case 'c':
            cl.config = optarg;
            break;
        case 'T':
            cl.check = true;
            break;
        case 'l':
            cl.logdir = optarg;
            break;
        case 'v':
            o.verbose++;
            break;
        case OPT_WORKERS: {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || n == 0 || n > 64) {
                fprintf(stderr, "mamori: --workers takes a number from 1 to 64\n");
                status = MAMORI_EXIT_USAGE;
                goto out;
            }
            cl.workers = (unsigned)n;
            break;
        }
        case OPT_BPF:
            cl.bpf = optarg;
            break;
        case OPT_USER:
            cl.user = optarg;
            break;
        case OPT_GROUP:
            cl.group = optarg;
            break;
        case OPT_ALLOW_ROOT:
            cl.allow_root = true;
            break;
        case OPT_RULES:
            cl.rules = optarg;
            break;
        case OPT_EXPORT_ASSETS:
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0) {
                fprintf(stderr, "mamori: --export-assets takes csv or json\n");
                status = MAMORI_EXIT_USAGE;
                goto out;
            }
            cl.export_assets = optarg;
            break;
        case 'V':
            printf("mamori %s\n", MAMORI_VERSION);
            goto out;
        case 'h':
            usage(stdout);
            goto out;
        default:
            usage(stderr);
            status = MAMORI_EXIT_USAGE;
            goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mamori: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        status = MAMORI_EXIT_USAGE;
        goto out;
    }

    config_default(cfg);
    if (cl.config) {
        char err[1024];
        if (config_load(cfg, cl.config, err, sizeof err) < 0) {
            fprintf(stderr, "mamori: %s\n", err);
            status = MAMORI_EXIT_USAGE;
            goto out;
        }
    }
    if (cli_apply(&cl, cfg) < 0) {
        status = MAMORI_EXIT_USAGE;
        goto out;
    }
    if (cl.check) {
        /* The rules are part of what a reload would load: a mistake in
         * them fails the check with its file:line:col. */
        if (sensor_check_rules(cfg, cl.config, stderr) < 0 ||
            sensor_check_assets(cfg, stderr) < 0) {
            status = MAMORI_EXIT_USAGE;
            goto out;
        }
        printf("mamori: configuration %s is valid\n", cl.config ? cl.config : "(defaults)");
        goto out;
    }
    if (cl.export_assets) {
        if (sensor_export_assets(cfg, cl.export_assets, stdout) < 0)
            status = MAMORI_EXIT_USAGE;
        goto out;
    }
    if (o.nfiles && *cfg->capture.interface) {
        fprintf(stderr, "mamori: give either -r FILE or -i IFACE, not both\n");
        status = MAMORI_EXIT_USAGE;
        goto out;
    }
    if (o.nfiles == 0 && !*cfg->capture.interface) {
        fprintf(stderr, "mamori: nothing to read: give -r FILE or -i IFACE\n");
        usage(stderr);
        status = MAMORI_EXIT_USAGE;
        goto out;
    }
    o.cfg = cfg;
    o.config_name = cl.config;
    o.rules_arg = cl.rules;
    status = sensor_run(&o);
out:
    free(files);
    free(cfg);
    return status;
}
