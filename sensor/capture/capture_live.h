/*
 * The live back-end (see capture.h for the table it fills): one libpcap
 * handle per worker on the same interface, each with its own TPACKET_V3
 * memory-mapped ring, all joined to one PACKET_FANOUT group in hash mode
 * with defragmentation, so that the kernel sends both directions of a
 * flow (and every fragment of a datagram) to the same worker.
 *
 * Packets are handed over from the ring itself, block by block; nothing is
 * copied. Immediate mode is not used: libpcap would fall back to
 * TPACKET_V2 and a wake-up per packet. A partly filled block reaches the
 * worker after capture.block_timeout_ms.
 *
 * Opening needs CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode);
 * nothing after it does, which is why the sensor drops privileges right
 * after opening every worker's handle.
 */
#ifndef MAMORI_CAPTURE_CAPTURE_LIVE_H
#define MAMORI_CAPTURE_CAPTURE_LIVE_H

#include "capture/capture.h"

#endif
