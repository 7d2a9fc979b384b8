/*
 * The file back-end: pcap and pcapng files read through libpcap (see
 * capture.h for the table it fills). A source is one file; the sensor
 * opens each -r file in turn.
 *
 * Error messages name the file; a read error says after how many packets
 * it happened, everything before it having been handed over.
 */
#ifndef MAMORI_CAPTURE_CAPTURE_FILE_H
#define MAMORI_CAPTURE_CAPTURE_FILE_H

#include "capture/capture.h"

#endif
