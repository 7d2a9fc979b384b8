/* Scheduling: the hospital mix over a duration, and the benchmark mode. */
#ifndef PCAPGEN_MIX_H
#define PCAPGEN_MIX_H

#include "gen.h"
#include "options.h"

/* The hospital mix for o->duration_s seconds plus the requested behaviours. Returns 0 or -1. */
int mix_run(struct gen *g, const struct options *o);
/* o->flows conversations totalling o->packets frames. Returns 0 or -1. */
int bench_run(struct gen *g, const struct options *o);

#endif
