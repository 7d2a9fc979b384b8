/*
 * Triage: acknowledge, assign, close an alert. The state of an alert is the
 * hash PREFIX:triage:STREAMID; every action is appended to the audit log
 * PREFIX:triage:log (who, what, when). A transition is one Lua script, so
 * two analysts acting on the same alert at once cannot both win: an alert
 * is acknowledged once, closed once.
 *
 * The console's consumer group CONSOLE_GROUP on PREFIX:alerts holds every
 * alert not yet closed in its pending list: triage_sync() reads new
 * alerts into it (consumer "queue"), acknowledging or assigning claims the
 * entry for the analyst (consumer "analyst:NAME"), closing acknowledges it
 * (XACK). XPENDING on the group is then the number of open alerts.
 */
#ifndef MAMORI_CONSOLE_TRIAGE_H
#define MAMORI_CONSOLE_TRIAGE_H

#include <stddef.h>
#include <stdint.h>

#include "console.h"

struct evbuffer;

/* Creates the consumer group if it is not there: 0 or -EIO. */
int triage_init(struct console *c);
/* Moves alerts the group has not seen into its pending list. */
void triage_sync(struct console *c);
/* POST /api/alerts/ID/triage with the JSON body
 * {"action":"acknowledge|assign|close","who":..,"assignee":..,"comment":..}:
 * writes the response to out, returns the HTTP status (409 when the alert
 * was already triaged that way). */
int triage_post(struct console *c, const char *id, const uint8_t *body, size_t len,
                struct evbuffer *out);

#endif
