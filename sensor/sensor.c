#include "sensor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "capture/capture_file.h"
#include "mamori/mamori.h"

void sensor_options_default(struct sensor_options *o)
{
    memset(o, 0, sizeof *o);
    o->logdir = ".";
    o->workers = 1;
    worker_config_default(&o->worker);
}

struct sensor_clock {
    struct worker *w;
    uint64_t last_ts_us;
};

/* Remembers the latest capture time for the stats record, so that a
 * replay gives the same output every time. */
static void sensor_packet(void *ctx, int linktype, uint64_t ts_us, const uint8_t *data,
                          size_t caplen, size_t wirelen)
{
    struct sensor_clock *c = ctx;
    if (ts_us > c->last_ts_us)
        c->last_ts_us = ts_us;
    worker_packet(c->w, linktype, ts_us, data, caplen, wirelen);
}

int sensor_run_files(const struct sensor_options *o)
{
    int status = MAMORI_EXIT_OK;
    struct eve_file *eve = eve_file_open(o->logdir);
    if (!eve) {
        fprintf(stderr, "mamori: cannot open output in %s: %s\n", o->logdir, strerror(errno));
        return MAMORI_EXIT_USAGE;
    }
    struct worker *w = worker_new(&o->worker, eve);
    if (!w) {
        fprintf(stderr, "mamori: cannot start the worker: out of memory\n");
        eve_file_close(eve);
        return MAMORI_EXIT_USAGE;
    }

    struct sensor_clock clock = {.w = w};
    for (size_t i = 0; i < o->nfiles; i++) {
        char err[512];
        uint64_t n = 0;
        enum capture_file_result r =
            capture_file_run(o->files[i], sensor_packet, &clock, &n, err, sizeof err);
        if (r != CAPTURE_FILE_OK) {
            fprintf(stderr, "mamori: %s\n", err);
            status = MAMORI_EXIT_INPUT_ERROR;
        } else if (o->verbose) {
            fprintf(stderr, "mamori: %s: %" PRIu64 " packets\n", o->files[i], n);
        }
    }

    worker_flush(w);
    worker_write_stats(w, clock.last_ts_us);
    const struct worker_stats *ws = worker_stats(w);
    if (o->verbose)
        fprintf(stderr, "mamori: %" PRIu64 " packets, %" PRIu64 " records written to %s\n",
                ws->packets, ws->records, eve_file_path(eve));
    if (ws->output_errors) {
        fprintf(stderr, "mamori: %" PRIu64 " records could not be written to %s\n",
                ws->output_errors, eve_file_path(eve));
        status = MAMORI_EXIT_USAGE;
    }
    worker_free(w);
    int rc = eve_file_close(eve);
    if (rc < 0) {
        fprintf(stderr, "mamori: writing %s failed: %s\n", o->logdir, strerror(-rc));
        status = MAMORI_EXIT_USAGE;
    }
    return status;
}
