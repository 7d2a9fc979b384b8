/*
 * A capture replayed through the sensor's stages into the detection
 * stage, in one thread: decode, flows, nDPI, mamori's parsers, then every
 * ended flow and every parser record as an event. What rulecheck --pcap
 * and the rule pack's capture tests run.
 */
#ifndef MAMORI_TOOLS_REPLAY_H
#define MAMORI_TOOLS_REPLAY_H

#include <stdint.h>

#include "detect/detect.h"

struct replay_stats {
    uint64_t packets, flows, proto_events;
};

/* Replays the pcap file at path into d. Returns 0, or -1 (message on
 * stderr) when the file cannot be read or a stage cannot be set up. */
int replay_pcap(const char *path, struct detect *d, struct replay_stats *st);

#endif
