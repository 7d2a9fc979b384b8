/*
 * The sensor: the run of one mamori process. For capture files it reads
 * each file in order through one worker, then ends all flows and writes
 * the stats record.
 */
#ifndef MAMORI_SENSOR_H
#define MAMORI_SENSOR_H

#include <stdbool.h>
#include <stddef.h>

#include "worker.h"

struct sensor_options {
    const char **files; /* borrowed */
    size_t nfiles;
    const char *logdir; /* "-" for standard output */
    unsigned workers;
    int verbose;
    struct worker_config worker;
};

void sensor_options_default(struct sensor_options *o);

/* Returns the process exit status: MAMORI_EXIT_*. */
int sensor_run_files(const struct sensor_options *o);

#endif
