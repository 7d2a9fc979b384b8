/* What to generate: the command line and the scenario file fill the same structure. */
#ifndef PCAPGEN_OPTIONS_H
#define PCAPGEN_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEFAULT_START_US (1768467600ULL * 1000000ULL) /* 2026-01-15T09:00:00Z */
#define DEFAULT_DURATION 120

struct options {
    const char *out;
    char *out_owned; /* set when out came from a scenario file: free it */
    uint64_t seed;
    uint64_t start_us; /* microseconds since the epoch */
    uint64_t duration_s;
    uint32_t include;    /* bit per enum kind */
    uint32_t behaviours; /* bit per enum behaviour */
    uint64_t flows;      /* benchmark mode when non-zero */
    uint64_t packets;
    bool summary;
};

/* Sets the defaults: hospital mix, every kind, no behaviours, seed 1. */
void options_init(struct options *o);
/* Parse one "key = value" setting (from the command line or a scenario file). Returns 0, or -1
 * with a message in err. */
int options_set(struct options *o, const char *key, const char *value, char *err, size_t errlen);
/* Reads a scenario file: "key = value" lines, '#' comments. Returns 0 or -1 with err set to
 * "file:line: message". */
int options_load(struct options *o, const char *path, char *err, size_t errlen);

#endif
