#include "triage.h"

#include "api.h"
#include "cjson.h"
#include "jsonw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <event2/buffer.h>
#include <string.h>
#include <sys/time.h>

/* KEYS: triage hash, audit log, alert stream, index of triaged alerts.
 * ARGV: alert id, action, who, assignee, comment, time (ms), group.
 * Returns {1, state} done, {0, state, by} refused (already so), {-1} no
 * such alert. */
static const char triage_script[] =
    "local st = redis.call('HGET', KEYS[1], 'state') or 'new'\n"
    "if #redis.call('XRANGE', KEYS[3], ARGV[1], ARGV[1]) == 0 then return {-1} end\n"
    "local a = ARGV[2]\n"
    "local by = redis.call('HGET', KEYS[1], 'updated_by') or ''\n"
    "local new\n"
    "if a == 'acknowledge' then\n"
    "  if st ~= 'new' then return {0, st, by} end\n"
    "  new = 'acknowledged'\n"
    "elseif a == 'assign' then\n"
    "  if st == 'closed' then return {0, st, by} end\n"
    "  new = 'assigned'\n"
    "elseif a == 'close' then\n"
    "  if st == 'closed' then return {0, st, by} end\n"
    "  new = 'closed'\n"
    "else return {-2} end\n"
    "local owner = redis.call('HGET', KEYS[1], 'assignee') or ''\n"
    "if a == 'assign' then owner = ARGV[4] end\n"
    "if owner == '' and a ~= 'close' then owner = ARGV[3] end\n"
    "redis.call('HSET', KEYS[1], 'state', new, 'updated_by', ARGV[3], 'updated', ARGV[6],\n"
    "  'assignee', owner)\n"
    "if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'comment', ARGV[5]) end\n"
    "redis.call('ZADD', KEYS[4], tonumber(string.match(ARGV[1], '^%d+')), ARGV[1])\n"
    "redis.call('XADD', KEYS[2], 'MAXLEN', '~', '100000', '*', 'alert', ARGV[1],\n"
    "  'action', a, 'who', ARGV[3], 'when', ARGV[6], 'state', new, 'assignee', owner,\n"
    "  'comment', ARGV[5])\n"
    "if new == 'closed' then redis.call('XACK', KEYS[3], ARGV[7], ARGV[1])\n"
    "else redis.call('XCLAIM', KEYS[3], ARGV[7], 'analyst:' .. owner, 0, ARGV[1]) end\n"
    "return {1, new}\n";

int triage_init(struct console *c)
{
    char key[128];
    redisReply *r = store_cmd(c->store, "XGROUP CREATE %s %s 0 MKSTREAM",
                              console_key(c, key, sizeof key, "alerts"), CONSOLE_GROUP);
    int rc = r && (r->type == REDIS_REPLY_STATUS ||
                   (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9) == 0))
                 ? 0
                 : -EIO;
    if (r)
        freeReplyObject(r);
    return rc;
}

/* Entries just read into the group that were closed before they got
 * there (an action on an alert the group had not read yet) leave the
 * pending list at once. */
static void triage_ack_closed(struct console *c, const char *key, const redisReply *entries)
{
    redisContext *rc = store_ctx(c->store);
    if (!rc || entries->type != REDIS_REPLY_ARRAY || !entries->elements)
        return;
    const char **ids = calloc(entries->elements, sizeof *ids);
    if (!ids)
        return;
    size_t n = 0, nclosed = 0;
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (e->type == REDIS_REPLY_ARRAY && e->elements == 2 &&
            e->element[0]->type == REDIS_REPLY_STRING) {
            ids[n++] = e->element[0]->str;
            redisAppendCommand(rc, "HGET %s:triage:%s state", c->prefix, e->element[0]->str);
        }
    }
    /* every reply of the pipeline first, then the acknowledgements */
    for (size_t i = 0; i < n; i++) {
        void *v = NULL;
        if (redisGetReply(rc, &v) != REDIS_OK) {
            store_drop(c->store);
            goto out;
        }
        redisReply *st = v;
        if (st->type == REDIS_REPLY_STRING && strcmp(st->str, "closed") == 0)
            ids[nclosed++] = ids[i];
        freeReplyObject(st);
    }
    for (size_t i = 0; i < nclosed; i++) {
        redisReply *a = store_cmd(c->store, "XACK %s %s %s", key, CONSOLE_GROUP, ids[i]);
        if (!a)
            break;
        freeReplyObject(a);
    }
out:
    free(ids);
}

/* The triage hashes of alerts the sensors' maxlen trimmed from the
 * stream go too: PREFIX:triage:index holds every triaged alert, scored by
 * the milliseconds of its entry id; those older than the stream's oldest
 * entry are deleted, at most TRIAGE_PRUNE a call. An empty stream prunes
 * nothing (a stream deleted by hand is no reason to forget the triage). */
#define TRIAGE_PRUNE 500

static void triage_prune(struct console *c, const char *key)
{
    redisReply *first = store_cmd(c->store, "XRANGE %s - + COUNT 1", key);
    redisReply *old = NULL;
    if (!first || first->type != REDIS_REPLY_ARRAY || first->elements != 1 ||
        first->element[0]->type != REDIS_REPLY_ARRAY || first->element[0]->elements != 2 ||
        first->element[0]->element[0]->type != REDIS_REPLY_STRING)
        goto out;
    long long ms = strtoll(first->element[0]->element[0]->str, NULL, 10);
    old = store_cmd(c->store, "ZRANGEBYSCORE %s:triage:index -inf (%lld LIMIT 0 %d", c->prefix, ms,
                    TRIAGE_PRUNE);
    for (size_t i = 0; old && old->type == REDIS_REPLY_ARRAY && i < old->elements; i++) {
        const char *id = old->element[i]->str;
        if (old->element[i]->type != REDIS_REPLY_STRING || !api_valid_stream_id(id))
            continue;
        redisReply *d = store_cmd(c->store, "DEL %s:triage:%s", c->prefix, id);
        if (d)
            freeReplyObject(d);
        d = store_cmd(c->store, "ZREM %s:triage:index %s", c->prefix, id);
        if (!d)
            break;
        freeReplyObject(d);
    }
out:
    if (first)
        freeReplyObject(first);
    if (old)
        freeReplyObject(old);
}

void triage_sync(struct console *c)
{
    char key[128];
    console_key(c, key, sizeof key, "alerts");
    /* Bounded per call (the timer calls again every two seconds), so that
     * catching up with a large backlog never stalls the event loop long. */
    for (int i = 0; i < 5; i++) {
        redisReply *r = store_cmd(c->store, "XREADGROUP GROUP %s queue COUNT 1000 STREAMS %s >",
                                  CONSOLE_GROUP, key);
        bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
                  r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 2;
        bool more = ok && r->element[0]->element[1]->elements == 1000;
        if (ok)
            triage_ack_closed(c, key, r->element[0]->element[1]);
        if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOGROUP", 7) == 0)
            triage_init(c);
        if (r)
            freeReplyObject(r);
        if (!more)
            break;
    }
    triage_prune(c, key);
}

/* A text field of the request: 0 with out set ("" when absent), -EINVAL
 * if it is not a string, has control characters, or is longer than max. */
static int triage_field(const uint8_t *p, size_t len, const char *key, char *out, size_t max)
{
    struct cjson_slice v;
    out[0] = 0;
    if (cjson_find(p, len, key, &v) < 0)
        return 0;
    int n = cjson_string(v.p, v.len, out, max + 1);
    if (n < 0)
        return -EINVAL;
    for (int i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)out[i];
        if (ch < 0x20 && !(ch == '\n' && max > 200))
            return -EINVAL;
    }
    return 0;
}

int triage_post(struct console *c, const char *id, const uint8_t *body, size_t len,
                struct evbuffer *out)
{
    char action[16], who[65], assignee[65], comment[1001];
    if (!api_valid_stream_id(id))
        return api_error(out, 400, "not an alert id");
    if (!body || cjson_validate(body, len) < 0 || cjson_type_of(body, len) != CJSON_OBJECT)
        return api_error(out, 400, "the body must be a JSON object");
    if (triage_field(body, len, "action", action, sizeof action - 1) < 0 ||
        triage_field(body, len, "who", who, sizeof who - 1) < 0 ||
        triage_field(body, len, "assignee", assignee, sizeof assignee - 1) < 0 ||
        triage_field(body, len, "comment", comment, sizeof comment - 1) < 0)
        return api_error(out, 400, "who and assignee: up to 64 bytes; comment: up to 1000");
    if (strcmp(action, "acknowledge") && strcmp(action, "assign") && strcmp(action, "close"))
        return api_error(out, 400, "action: acknowledge, assign or close");
    if (!*who)
        return api_error(out, 400, "who: the analyst's name is required");
    if (!strcmp(action, "assign") && !*assignee)
        return api_error(out, 400, "assign: assignee is required");
    if (!strcmp(action, "close") && !*comment)
        return api_error(out, 400, "close: a comment is required");

    triage_sync(c);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char now[32], hkey[192], lkey[128], akey[128], ikey[128];
    snprintf(now, sizeof now, "%lld", (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
    snprintf(hkey, sizeof hkey, "%s:triage:%s", c->prefix, id);
    console_key(c, lkey, sizeof lkey, "triage:log");
    console_key(c, akey, sizeof akey, "alerts");
    console_key(c, ikey, sizeof ikey, "triage:index");
    redisReply *r =
        store_cmd(c->store, "EVAL %s 4 %s %s %s %s %s %s %s %s %s %s %s", triage_script, hkey, lkey,
                  akey, ikey, id, action, who, assignee, comment, now, CONSOLE_GROUP);
    int status;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_INTEGER) {
        status = api_error(out, 503,
                           r && r->type == REDIS_REPLY_ERROR ? r->str : "Redis is not answering");
        goto out;
    }
    long long rc = r->element[0]->integer;
    if (rc == -1) {
        status = api_error(out, 404, "no such alert");
        goto out;
    }
    if (rc == 0 && r->elements == 3) {
        char msg[64];
        snprintf(msg, sizeof msg, "already %.*s", (int)r->element[1]->len, r->element[1]->str);
        evbuffer_add(out, "{\"error\":", 9);
        jsonw_cstr(out, msg);
        evbuffer_add(out, ",\"state\":", 9);
        jsonw_str(out, r->element[1]->str, r->element[1]->len);
        evbuffer_add(out, ",\"by\":", 6);
        jsonw_str(out, r->element[2]->str, r->element[2]->len);
        evbuffer_add(out, "}", 1);
        status = 409;
        goto out;
    }
    freeReplyObject(r);
    r = store_cmd(c->store, "HGETALL %s", hkey);
    evbuffer_add(out, "{\"id\":", 6);
    jsonw_cstr(out, id);
    evbuffer_add(out, ",\"triage\":{", 11);
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
        if (i)
            evbuffer_add(out, ",", 1);
        jsonw_str(out, r->element[i]->str, r->element[i]->len);
        evbuffer_add(out, ":", 1);
        jsonw_str(out, r->element[i + 1]->str, r->element[i + 1]->len);
    }
    evbuffer_add(out, "}}", 2);
    status = 200;
out:
    if (r)
        freeReplyObject(r);
    return status;
}
