/*
 * The console's JSON API: each handler reads Redis through the console's
 * store, writes its response body to out and returns the HTTP status.
 * Errors are bodies too: {"error":"..."}.
 */
#ifndef MAMORI_CONSOLE_API_H
#define MAMORI_CONSOLE_API_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "console.h"
#include "query.h"

struct evbuffer;

int api_alerts(struct console *c, const struct query *q, struct evbuffer *out);
int api_alert(struct console *c, const char *id, struct evbuffer *out);
int api_assets(struct console *c, const struct query *q, struct evbuffer *out);
int api_asset(struct console *c, const char *id, struct evbuffer *out);
int api_overview(struct console *c, struct evbuffer *out);

/* {"error":msg}; returns status. */
int api_error(struct evbuffer *out, int status, const char *msg);

/* One alert as the API and the live feed give it:
 * {"id":STREAMID,"triage":{...},"eve":RECORD}. triage is an HGETALL reply
 * of PREFIX:triage:ID (or NULL: state new). */
void api_alert_item(struct evbuffer *out, const char *id, const uint8_t *eve, size_t len,
                    const redisReply *triage);

/* The field eve of a stream entry reply ([id, [k, v, ...]]): 0 with *id
 * and the record set, -EINVAL if the entry has no such field. */
int api_entry(const redisReply *e, const char **id, const uint8_t **eve, size_t *len);

/* The fields of a flat reply [k, v, k, v, ...] (HGETALL, a stream
 * entry's fields) as a JSON object of strings. */
void api_fields_json(struct evbuffer *out, const redisReply *r);

/* A stream entry id "MS-SEQ" (digits, bounded): true if s is one. */
int api_valid_stream_id(const char *s);
/* An asset id "mac-..." / "ip-...": letters, digits, '.', ':', '-'. */
int api_valid_asset_id(const char *s);

#endif
