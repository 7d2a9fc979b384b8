/*
 * The sensor: the run of one mamori process.
 *
 * Capture files (-r) are read in order. With one worker, the main thread
 * runs the packet path itself. With several, the main thread reads and
 * hashes each packet's flow (capture/fanout.h) and copies it into that
 * worker's ring (util/spsc_ring.h); each worker thread runs the packet
 * path on what its ring brings. The flow records do not depend on the
 * number of workers.
 *
 * Live capture (-i) opens one capture per worker on the interface, joined
 * to one PACKET_FANOUT group, drops privileges, then starts one thread per
 * worker that takes packets straight from its kernel ring. The main thread
 * only waits: for signals (SIGINT/SIGTERM stop, SIGHUP reopens the output
 * file), for the stats interval, and for a worker that fails.
 *
 * Threads share nothing but the rings, the output file's append lock, a
 * stop flag and the eventfd that wakes workers to see it.
 */
#ifndef MAMORI_SENSOR_H
#define MAMORI_SENSOR_H

#include <stddef.h>

#include "config.h"

struct sensor_options {
    const char **files; /* borrowed; -r, in order */
    size_t nfiles;
    const struct config *cfg; /* borrowed; capture.interface set means live capture */
    int verbose;
};

/* Returns the process exit status: MAMORI_EXIT_*. */
int sensor_run(const struct sensor_options *o);

#endif
