/*
 * Spreading the packets of a capture file over several workers, as the
 * kernel's PACKET_FANOUT does for live capture: every packet of a flow must
 * reach the same worker, in order.
 *
 * The hash is symmetric in the outermost IP source and destination
 * addresses only. Ports would spread the load better but are absent from
 * IP fragments after the first, which must meet the rest of their datagram
 * in one worker's reassembly; the kernel solves that by reassembling
 * before hashing (PACKET_FANOUT_FLAG_DEFRAG), which a reader that must
 * hand the worker the original frames cannot do. Frames without an IP
 * header (ARP, LLDP, ...) hash to 0.
 */
#ifndef MAMORI_CAPTURE_FANOUT_H
#define MAMORI_CAPTURE_FANOUT_H

#include <stddef.h>
#include <stdint.h>

/* linktype as pcap_datalink(); never reads past caplen. */
uint32_t fanout_hash(int linktype, const uint8_t *frame, size_t caplen);

#endif
