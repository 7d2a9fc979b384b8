/*
 * EVE `alert` records, in Suricata's layout so SIEM parsers read them
 * unchanged:
 *
 *   {"timestamp": ..., "alert_id": N, "event_type": "alert", "flow_id": ...,
 *    "src_ip": ..., "src_port": ..., "dest_ip": ..., "dest_port": ...,
 *    "proto": ..., "app_proto": ...,
 *    "alert": {"action": "allowed", "gid": 1, "signature_id": 100001, "rev": 1,
 *              "signature": "...", "category": "...", "severity": 1,
 *              "metadata": {"mitre_technique_id": ["T0886"], "severity_name": ["high"],
 *                           "event": ["dicom"]}},
 *    "dicom": {...}}          <- the triggering event's objects
 */
#ifndef MAMORI_DETECT_ALERT_EVE_H
#define MAMORI_DETECT_ALERT_EVE_H

#include <stdint.h>

#include "detect/event.h"
#include "detect/rule_compile.h"
#include "output/json.h"

/* Resets b and formats the alert of rule r raised by ev. alert_id must be
 * unique per sensor (e.g. worker index in the top 16 bits and a counter
 * of that worker). */
void alert_eve_format(struct json_buf *b, const struct crule *r, const struct event *ev,
                      uint64_t alert_id);

/* "high", "medium", "low", "info" for severities 1..4. */
const char *alert_severity_name(uint8_t severity);

#endif
