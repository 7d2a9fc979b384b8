/* Time-ordered pcap writer.
 *
 * Conversations are generated one after another, but on a real wire they overlap. Every frame is
 * queued in a min-heap keyed by (timestamp, arrival order) and written once no conversation still
 * to come can produce an earlier frame: the caller promises, through pcap_out_release(), that
 * every later frame will be at or after the given time. Memory is bounded by the frames of the
 * conversations that overlap in time, not by the capture size.
 */
#ifndef PCAPGEN_PCAP_OUT_H
#define PCAPGEN_PCAP_OUT_H

#include <stddef.h>
#include <stdint.h>

#define PCAP_OUT_MAX_FRAME 1536

struct pcap_out;

/* Opens path ("-" is stdout) as an Ethernet pcap. Returns NULL and prints why on failure.
 * Owned: close with pcap_out_close(). */
struct pcap_out *pcap_out_open(const char *path);
/* Queues a copy of frame (len <= PCAP_OUT_MAX_FRAME) at ts_us microseconds since the epoch. */
int pcap_out_put(struct pcap_out *o, uint64_t ts_us, const uint8_t *frame, size_t len);
/* Writes every queued frame earlier than ts_us. */
void pcap_out_release(struct pcap_out *o, uint64_t ts_us);
/* Writes what is left, closes the file and frees o. Returns 0 or -1 on a write error. */
int pcap_out_close(struct pcap_out *o);

#endif
