/*
 * What the console needs to know of an EVE record read from Redis to
 * filter, count and match it (an alert, a flow or a stats record): the
 * fields, decoded and bounded. The record is untrusted (it carries names
 * seen on the wire) and may be anything: every field is optional.
 */
#ifndef MAMORI_CONSOLE_ALERTREC_H
#define MAMORI_CONSOLE_ALERTREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct alertrec {
    int64_t ts;          /* "timestamp" in epoch seconds, 0 if absent or not a time */
    int severity;        /* alert.severity 1..4, 0 if absent */
    int64_t sid;         /* alert.signature_id, 0 if absent */
    char signature[256]; /* alert.signature (cut to fit) */
    char src_ip[48];
    char dest_ip[48];
    char proto[16];
    char app_proto[32];
    char record_id[128];
};

/* Fills *r from the JSON object p[0..len). 0, -EINVAL if it is not valid
 * JSON or not an object (then *r is all zero). */
int alertrec_parse(const uint8_t *p, size_t len, struct alertrec *r);

/* Epoch seconds of an EVE timestamp ("2026-01-15T09:00:00.123456+0000",
 * also "Z", "+09:00", and no fraction): 0 and *out, -EINVAL if not one. */
int alertrec_time(const char *s, size_t len, int64_t *out);

/* The sensor id of a record_id "SENSOR:N" (what is before the last ':'),
 * into out; -EINVAL if there is no ':'. */
int alertrec_sensor(const char *record_id, char *out, size_t cap);

#endif
