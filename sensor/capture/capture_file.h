/*
 * Reading capture files (pcap and pcapng, through libpcap). Each packet
 * is handed to the callback straight from libpcap's buffer: the callback
 * must copy whatever must outlive it.
 */
#ifndef MAMORI_CAPTURE_CAPTURE_FILE_H
#define MAMORI_CAPTURE_CAPTURE_FILE_H

#include <stddef.h>
#include <stdint.h>

typedef void (*capture_packet_fn)(void *ctx, int linktype, uint64_t ts_us,
                                  const uint8_t *data, size_t caplen, size_t wirelen);

enum capture_file_result {
    CAPTURE_FILE_OK = 0,
    CAPTURE_FILE_OPEN_ERROR = -1,   /* missing, unreadable, not a capture */
    CAPTURE_FILE_BAD_LINKTYPE = -2, /* nothing read */
    CAPTURE_FILE_READ_ERROR = -3,   /* truncated or corrupt after *npackets */
};

/* Reads path to its end. *npackets gets the number of packets handed to
 * fn. On error, err receives a message naming the file (and, for read
 * errors, after how many packets). */
enum capture_file_result capture_file_run(const char *path, capture_packet_fn fn, void *ctx,
                                          uint64_t *npackets, char *err, size_t errlen);

#endif
