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
 * file and reloads the rules), for the stats interval, and for a worker
 * that fails.
 *
 * Rules (rules.dir): loaded once before anything starts; each worker
 * matches its events with its own matcher on the shared read-only set and
 * hands the matches to the correlator on the output thread (output.h). On
 * SIGHUP the main thread loads the set again and, if it has no error,
 * passes it to each worker through a control ring; the worker passes it
 * on to the correlator through its output ring, after its last match of
 * the old set (worker_set_rules).
 *
 * Threads share nothing but the rings, the output file's append lock, a
 * stop flag and the eventfd that wakes workers to see it.
 */
#ifndef MAMORI_SENSOR_H
#define MAMORI_SENSOR_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

struct sensor_options {
    const char **files; /* borrowed; -r, in order */
    size_t nfiles;
    const struct config *cfg; /* borrowed; capture.interface set means live capture */
    const char *config_name;  /* borrowed; the -c file, named in rules.vars errors */
    const char *rules_arg;    /* borrowed; --rules, which wins over rules.dir on SIGHUP too */
    int verbose;
};

/* What -T does for rules.dir: loads it with rules.vars and prints every
 * diagnostic to out. Returns 0 (also without rules.dir) or -1. */
int sensor_check_rules(const struct config *c, const char *config_name, FILE *out);

/* What -T does for the asset inventory's files (assets.registry,
 * assets.vulns): loads them and prints FILE:LINE:COL of a mistake to out.
 * Returns 0 or -1. */
int sensor_check_assets(const struct config *c, FILE *out);

/* --export-assets: the inventory of LOGDIR/assets.json (or, when it has
 * none and Redis is configured, Redis's) to out as csv or json. Returns 0
 * or -1 (with a message on stderr). */
int sensor_export_assets(const struct config *c, const char *format, FILE *out);

/* Returns the process exit status: MAMORI_EXIT_*. */
int sensor_run(const struct sensor_options *o);

#endif
