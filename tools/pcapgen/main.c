/* pcapgen: deterministic hospital network traffic as a pcap file.
 *
 *   pcapgen -o OUT.pcap [--seed N] [--start ISO8601] [--duration SECONDS] [--scenario FILE]
 *           [--include LIST] [--behaviours LIST|all|none] [--flows N] [--packets M] [--summary]
 *
 * Same arguments, same bytes: nothing depends on the clock, the locale or the C library's
 * random numbers. Exit 0 on success, 1 on an output error, 2 on bad usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviours.h"
#include "gen.h"
#include "hospital.h"
#include "mix.h"
#include "options.h"
#include "pcap_out.h"

#define WORK_SIZE (1u << 20)

static void usage(FILE *f)
{
    fprintf(f, "usage: pcapgen -o OUT.pcap [--seed N] [--start YYYY-MM-DDTHH:MM:SSZ]\n"
               "               [--duration SECONDS] [--scenario FILE] [--include LIST]\n"
               "               [--behaviours LIST|all|none] [--flows N --packets M] [--summary]\n"
               "\n"
               "  -o, --output FILE    pcap file to write (\"-\" for standard output)\n"
               "  --seed N             random seed (default 1)\n"
               "  --start TIME         first timestamp, UTC (default 2026-01-15T09:00:00Z)\n"
               "  --duration SECONDS   length of the hospital mix (default 120)\n"
               "  --scenario FILE      key = value settings; later options override them\n"
               "  --include LIST       traffic kinds, comma-separated, or all / none:\n"
               "                       dicom,hl7,fhir,dhcp,dns,arp,ntp,mdns,tls,smb,print,icmp\n"
               "  --behaviours LIST    anomalies to add, or all / none (default none):\n"
               "                       ");
    for (int b = 0; b < B_COUNT; b++)
        fprintf(f, "%s%s", behaviour_name((enum behaviour)b), b + 1 < B_COUNT ? "," : "\n");
    fprintf(f, "                       ");
    fprintf(f, "(see docs/pcapgen.md for what each one does)\n"
               "  --flows N            benchmark mode: N conversations ...\n"
               "  --packets M          ... totalling M packets (both required together)\n"
               "  --summary            print packets, flows and bytes per kind to stderr\n");
}

static void summary(const struct gen *g)
{
    fprintf(stderr, "packets %llu flows %llu bytes %llu\n", (unsigned long long)g->total.packets,
            (unsigned long long)g->total.flows, (unsigned long long)g->total.bytes);
    for (int k = 0; k < KIND_COUNT; k++) {
        const struct gen_counts *c = &g->per_kind[k];
        if (c->packets == 0)
            continue;
        fprintf(stderr, "  %-10s packets %10llu flows %8llu bytes %12llu\n",
                kind_name((enum kind)k), (unsigned long long)c->packets,
                (unsigned long long)c->flows, (unsigned long long)c->bytes);
    }
}

int main(int argc, char **argv)
{
    enum {
        OPT_SEED = 256,
        OPT_START,
        OPT_DURATION,
        OPT_SCENARIO,
        OPT_INCLUDE,
        OPT_BEHAVIOURS,
        OPT_FLOWS,
        OPT_PACKETS,
        OPT_SUMMARY
    };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, OPT_SEED},
        {"start", required_argument, NULL, OPT_START},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"scenario", required_argument, NULL, OPT_SCENARIO},
        {"include", required_argument, NULL, OPT_INCLUDE},
        {"behaviours", required_argument, NULL, OPT_BEHAVIOURS},
        {"behaviors", required_argument, NULL, OPT_BEHAVIOURS},
        {"flows", required_argument, NULL, OPT_FLOWS},
        {"packets", required_argument, NULL, OPT_PACKETS},
        {"summary", no_argument, NULL, OPT_SUMMARY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const keys[] = {
        [OPT_SEED - OPT_SEED] = "seed",         [OPT_START - OPT_SEED] = "start",
        [OPT_DURATION - OPT_SEED] = "duration", [OPT_SCENARIO - OPT_SEED] = NULL,
        [OPT_INCLUDE - OPT_SEED] = "include",   [OPT_BEHAVIOURS - OPT_SEED] = "behaviours",
        [OPT_FLOWS - OPT_SEED] = "flows",       [OPT_PACKETS - OPT_SEED] = "packets",
    };
    struct options o;
    struct hospital *hosp = NULL;
    struct gen *g = NULL;
    char err[512];
    int rc = 2, c;

    options_init(&o);
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (c == 'o') {
            o.out = optarg;
        } else if (c == 'h') {
            usage(stdout);
            rc = 0;
            goto out;
        } else if (c == OPT_SUMMARY) {
            o.summary = true;
        } else if (c == OPT_SCENARIO) {
            if (options_load(&o, optarg, err, sizeof(err)) < 0) {
                fprintf(stderr, "pcapgen: %s\n", err);
                goto out;
            }
        } else if (c >= OPT_SEED && c <= OPT_PACKETS) {
            if (options_set(&o, keys[c - OPT_SEED], optarg, err, sizeof(err)) < 0) {
                fprintf(stderr, "pcapgen: --%s\n", err);
                goto out;
            }
        } else {
            usage(stderr);
            goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "pcapgen: unexpected argument '%s'\n", argv[optind]);
        goto out;
    }
    if (o.out == NULL) {
        fprintf(stderr, "pcapgen: no output file: use -o OUT.pcap\n");
        goto out;
    }
    if ((o.flows == 0) != (o.packets == 0)) {
        fprintf(stderr, "pcapgen: --flows and --packets go together\n");
        goto out;
    }
    if (o.flows != 0 && o.packets < o.flows) {
        fprintf(stderr, "pcapgen: --packets must be at least --flows\n");
        goto out;
    }

    rc = 1;
    hosp = malloc(sizeof(*hosp));
    g = calloc(1, sizeof(*g));
    if (hosp == NULL || g == NULL)
        goto out;
    hospital_init(hosp);
    g->hosp = hosp;
    g->work_cap = WORK_SIZE;
    g->work = malloc(WORK_SIZE);
    if (g->work == NULL)
        goto out;
    g->out = pcap_out_open(o.out);
    if (g->out == NULL)
        goto out;
    int gen_rc = o.flows != 0 ? bench_run(g, &o) : mix_run(g, &o);
    int close_rc = pcap_out_close(g->out);
    g->out = NULL;
    if (gen_rc < 0 || close_rc < 0) {
        fprintf(stderr, "pcapgen: failed to write %s\n", o.out);
        goto out;
    }
    if (o.summary)
        summary(g);
    rc = 0;
out:
    if (g != NULL) {
        pcap_out_close(g->out);
        free(g->work);
    }
    free(g);
    free(hosp);
    free(o.out_owned);
    return rc;
}
