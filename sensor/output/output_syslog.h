/*
 * Records to syslog (RFC 5424), for SIEMs that take syslog rather than
 * files or Redis: a back-end of the output thread (output/output.h).
 *
 * One message per record, the EVE JSON record as MSG:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG
 *   <132>1 2026-01-15T09:00:00.123456Z sensor1 mamori 4242 alert - {"timestamp":...}
 *
 *   PRI        facility * 8 + severity; alerts by their severity (1 high:
 *              err, 2 medium: warning, 3 low: notice, 4: info), every other
 *              record info
 *   TIMESTAMP  when the output thread sent it, UTC, microseconds
 *   MSGID      the record's type: alert, flow, protocol, asset, stats
 *   STRUCTURED-DATA  none ("-"); MSG is UTF-8 JSON without a BOM
 *
 * Transports:
 *   unix  a datagram to the local syslog socket (/dev/log)
 *   udp   one datagram per message (RFC 5426)
 *   tcp   octet-counting framing, "LEN SP MESSAGE" (RFC 6587 3.4.1)
 *
 * Syslog is the best-effort path (Redis is the one without loss): the
 * output thread never waits for it. Messages wait in a queue of at most
 * queue_size bytes while the socket takes no more (every transport uses a
 * connected non-blocking socket, so a local daemon's full receive queue
 * makes it unwritable rather than losing datagrams); past the bound they
 * are dropped. A lost connection (tcp, or the local daemon restarting) is
 * made again after 100 ms, doubling up to 5 s. Every drop is counted
 * (mamori_syslog_dropped_total by reason, and the stats record's
 * outputs.syslog).
 */
#ifndef MAMORI_OUTPUT_OUTPUT_SYSLOG_H
#define MAMORI_OUTPUT_OUTPUT_SYSLOG_H

#include <stddef.h>

#include "output/output.h"

struct event_base;

extern const struct output_backend output_syslog_backend;

/* Resolves the collector's address (an unknown host is an error now) and
 * starts connecting on base. c is copied. Returns the state for
 * output_syslog_backend, or NULL with err set. */
void *output_syslog_new(const struct output_syslog_config *c, struct event_base *base, bool verbose,
                        char *err, size_t errlen);

/* Messages larger than this are dropped (reason too_large): the most a
 * UDP datagram carries. */
#define SYSLOG_MAX_MESSAGE 65000u

#endif
