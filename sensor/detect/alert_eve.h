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
#include "flow/flow.h"
#include "output/eve_flow.h"
#include "proto/proto.h"
#include "output/json.h"

/* alert_id: who raised the alert (a worker's index, or ALERT_ID_OUTPUT
 * for the output thread's asset alerts) from bit ALERT_ID_SHIFT up, then
 * that producer's counter. Ids stay below 2^53, so readers that hold JSON
 * numbers as doubles (JavaScript, jq) keep every id exact. */
#define ALERT_ID_SHIFT 40
#define ALERT_ID_OUTPUT 1023u

/* Resets b and formats the alert of rule r raised by ev. alert_id must be
 * unique per sensor (see ALERT_ID_SHIFT). */
void alert_eve_format(struct json_buf *b, const struct crule *r, const struct event *ev,
                      uint64_t alert_id);

/* Alert objects already formatted, per rule and event type: the "alert"
 * object depends on nothing else, and writing its strings was most of
 * the cost of an alert. Fixed size (a few hundred entries of at most a
 * few hundred bytes, allocated once; longer objects are not kept). One
 * thread's, for one rule set: alert_eve_cache_reset() before formatting
 * alerts of another set (a set's rules may have the addresses of a freed
 * set's). Owned: alert_eve_cache_free(); NULL on allocation failure. */
struct alert_eve_cache;
struct alert_eve_cache *alert_eve_cache_new(void);
void alert_eve_cache_free(struct alert_eve_cache *c);
void alert_eve_cache_reset(struct alert_eve_cache *c);

/* alert_eve_format() with the alert object from cache (NULL: none). */
void alert_eve_format_cached(struct json_buf *b, struct alert_eve_cache *cache,
                             const struct crule *r, const struct event *ev, uint64_t alert_id);

/* The same record as alert_eve_format() for the event of an ended flow
 * (event_flow), made from that flow's record rec (eve_flow_format_marked()
 * and its marks) by copying its parts instead of formatting the flow
 * again; the alert object from cache (NULL: none). ts_us is the event's time (the flow's last
 * packet). Returns 0, or -EINVAL when rec does not have the layout the marks describe (then format
 * with alert_eve_format()). */
int alert_eve_format_flow(struct json_buf *b, struct alert_eve_cache *cache, const struct crule *r,
                          uint64_t ts_us, uint64_t alert_id, const struct json_buf *rec,
                          const struct eve_flow_marks *mk);

/* The same record as alert_eve_format() for ev, the event_proto of a
 * parser's event on flow f, made from that event's record rec
 * (proto_engine_record()) by copying its header and objects. Returns 0,
 * or -EINVAL when it cannot (not a TCP flow, rec not what the marks
 * describe): then format with alert_eve_format(). */
int alert_eve_format_proto(struct json_buf *b, struct alert_eve_cache *cache, const struct crule *r,
                           const struct event *ev, const struct flow *f, uint64_t alert_id,
                           const struct json_buf *rec, const struct proto_record_marks *mk);

/* "high", "medium", "low", "info" for severities 1..4. */
const char *alert_severity_name(uint8_t severity);

#endif
