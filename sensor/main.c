/*
 * mamori: passive intrusion-detection sensor for hospital networks.
 * Command line in Suricata's spirit.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/mamori.h"
#include "sensor.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mamori -r FILE [-r FILE ...] [-l DIR|-] [-v]\n"
            "\n"
            "  -r, --read FILE    read packets from a pcap or pcapng file (repeatable)\n"
            "  -l, --log-dir DIR  write DIR/eve.json (default: current directory);\n"
            "                     '-' writes records to standard output\n"
            "      --workers N    worker threads (capture files use 1)\n"
            "  -v, --verbose      print a summary on standard error\n"
            "  -V, --version      print the version\n"
            "  -h, --help         this help\n"
            "\n"
            "exit status: 0 all input processed; 1 usage or startup error;\n"
            "2 an input file was unreadable, of an unknown link type, truncated or\n"
            "corrupt (everything readable was processed; the error names the file)\n");
}

int main(int argc, char **argv)
{
    enum { OPT_WORKERS = 256 };
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},
        {"log-dir", required_argument, NULL, 'l'},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct sensor_options o;
    sensor_options_default(&o);
    const char **files = calloc((size_t)argc, sizeof *files);
    if (!files) {
        fprintf(stderr, "mamori: out of memory\n");
        return MAMORI_EXIT_USAGE;
    }
    o.files = files;

    int c;
    int status = MAMORI_EXIT_OK;
    while ((c = getopt_long(argc, argv, "r:l:vVh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            files[o.nfiles++] = optarg;
            break;
        case 'l':
            o.logdir = optarg;
            break;
        case 'v':
            o.verbose++;
            break;
        case OPT_WORKERS: {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (*end || n == 0 || n > 64) {
                fprintf(stderr, "mamori: --workers takes a number from 1 to 64\n");
                status = MAMORI_EXIT_USAGE;
                goto out;
            }
            o.workers = (unsigned)n;
            break;
        }
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
    if (o.nfiles == 0) {
        fprintf(stderr, "mamori: nothing to read: give -r FILE\n");
        usage(stderr);
        status = MAMORI_EXIT_USAGE;
        goto out;
    }
    status = sensor_run_files(&o);
out:
    free(files);
    return status;
}
