#include "feed.h"

#include "api.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_BLOCK_MS 5000
/* no reply this long after a blocking read was sent: Redis is wedged */
#define FEED_WATCHDOG_S 10
#define FEED_RECONNECT_S 1
#define FEED_PING_S 15
/* a browser that does not read its stream is dropped past this */
#define FEED_CLIENT_BACKLOG (4u << 20)

struct feed_client {
    struct feed *f;
    struct evhttp_request *req;     /* borrowed from evhttp until the connection closes */
    struct evhttp_connection *conn; /* borrowed */
};

struct feed {
    struct console *c;
    redisAsyncContext *ac; /* owned by hiredis once connected */
    struct event *watchdog, *reconnect, *ping;
    char last_alert[64], last_log[64]; /* stream ids delivered so far */
    bool resolved;                     /* the two above are real ids */
    struct feed_client *clients[FEED_MAX_CLIENTS];
    size_t nclients;
};

static void feed_connect(struct feed *f);

static void feed_client_remove(struct feed *f, struct feed_client *cl)
{
    for (size_t i = 0; i < f->nclients; i++) {
        if (f->clients[i] == cl) {
            f->clients[i] = f->clients[--f->nclients];
            break;
        }
    }
    free(cl);
}

static void feed_client_closed(struct evhttp_connection *conn, void *arg)
{
    struct feed_client *cl = arg;
    (void)conn;
    /* A browser that went away while its reply was still open leaves the
     * request detached from the connection (libevent 2.1, "incoming
     * fail"), and ours to free; otherwise the connection frees it. */
    if (!evhttp_request_get_connection(cl->req))
        evhttp_request_free(cl->req);
    feed_client_remove(cl->f, cl);
}

/* Sends one chunk to every client; drops those that stopped reading. */
static void feed_broadcast(struct feed *f, struct evbuffer *msg)
{
    for (size_t i = 0; i < f->nclients;) {
        struct feed_client *cl = f->clients[i];
        struct bufferevent *bev = evhttp_connection_get_bufferevent(cl->conn);
        if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > FEED_CLIENT_BACKLOG) {
            evhttp_connection_set_closecb(cl->conn, NULL, NULL);
            evhttp_connection_free(cl->conn);
            feed_client_remove(f, cl);
            continue;
        }
        struct evbuffer *b = evbuffer_new();
        if (b) {
            evbuffer_add_buffer_reference(b, msg);
            evhttp_send_reply_chunk(cl->req, b);
            evbuffer_free(b);
        }
        i++;
    }
}

/* An SSE message: "id:", "event:", then the JSON on one data line (valid
 * JSON has line breaks only as white space between tokens: made spaces). */
static void feed_message(struct evbuffer *msg, const char *id, const char *event,
                         struct evbuffer *json)
{
    evbuffer_add_printf(msg, "id: %s\nevent: %s\ndata: ", id, event);
    size_t n = evbuffer_get_length(json);
    unsigned char *p = evbuffer_pullup(json, -1);
    for (size_t i = 0; p && i < n; i++) {
        if (p[i] == '\n' || p[i] == '\r')
            p[i] = ' ';
    }
    evbuffer_add_buffer(msg, json);
    evbuffer_add(msg, "\n\n", 2);
}

static void feed_stream(struct feed *f, const redisReply *s)
{
    if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
        s->element[0]->type != REDIS_REPLY_STRING || s->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    char key[128];
    bool alerts = strcmp(s->element[0]->str, console_key(f->c, key, sizeof key, "alerts")) == 0;
    const redisReply *entries = s->element[1];
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING || e->element[0]->len >= 64)
            continue;
        const char *id = e->element[0]->str;
        snprintf(alerts ? f->last_alert : f->last_log, sizeof f->last_alert, "%s", id);
        struct evbuffer *json = evbuffer_new(), *msg = evbuffer_new();
        if (json && msg) {
            if (alerts) {
                const char *eid;
                const uint8_t *eve;
                size_t len;
                if (api_entry(e, &eid, &eve, &len) == 0) {
                    api_alert_item(json, id, eve, len, NULL);
                    feed_message(msg, id, "alert", json);
                }
            } else {
                api_fields_json(json, e->element[1]);
                feed_message(msg, id, "triage", json);
            }
            if (evbuffer_get_length(msg))
                feed_broadcast(f, msg);
        }
        if (json)
            evbuffer_free(json);
        if (msg)
            evbuffer_free(msg);
    }
}

static void feed_read(struct feed *f);

static void feed_reply(redisAsyncContext *ac, void *reply, void *priv)
{
    struct feed *f = priv;
    redisReply *r = reply;
    if (!r || ac != f->ac)
        return; /* the connection is going away: feed_disconnected() follows */
    evtimer_del(f->watchdog);
    if (r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "mamori-console: live feed: %s\n", r->str);
        redisAsyncDisconnect(ac);
        return;
    }
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
        feed_stream(f, r->element[i]);
    feed_read(f);
}

static void feed_setup_reply(redisAsyncContext *ac, void *reply, void *priv)
{
    struct feed *f = priv;
    redisReply *r = reply;
    if (r && ac == f->ac && r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "mamori-console: live feed: %s\n", r->str);
        redisAsyncDisconnect(ac);
    }
}

static void feed_read(struct feed *f)
{
    char ka[128], kl[128];
    console_key(f->c, ka, sizeof ka, "alerts");
    console_key(f->c, kl, sizeof kl, "triage:log");
    redisAsyncCommand(f->ac, feed_reply, f, "XREAD COUNT 100 BLOCK %d STREAMS %s %s %s %s",
                      FEED_BLOCK_MS, ka, kl, f->last_alert, f->last_log);
    struct timeval tv = {FEED_WATCHDOG_S, 0};
    evtimer_add(f->watchdog, &tv);
}

static void feed_retry(struct feed *f)
{
    struct timeval tv = {FEED_RECONNECT_S, 0};
    evtimer_del(f->watchdog);
    evtimer_add(f->reconnect, &tv);
}

static void feed_connected(const redisAsyncContext *ac, int status)
{
    struct feed *f = ac->data;
    if (status != REDIS_OK && f && f->ac == ac) {
        f->ac = NULL; /* hiredis frees it after this callback */
        feed_retry(f);
    }
}

static void feed_disconnected(const redisAsyncContext *ac, int status)
{
    struct feed *f = ac->data;
    (void)status;
    if (f && f->ac == ac) {
        f->ac = NULL;
        feed_retry(f);
    }
}

static void feed_watchdog(evutil_socket_t fd, short what, void *arg)
{
    struct feed *f = arg;
    (void)fd, (void)what;
    fprintf(stderr, "mamori-console: live feed: Redis did not answer, connecting again\n");
    redisAsyncContext *ac = f->ac;
    f->ac = NULL;
    if (ac)
        redisAsyncFree(ac);
    feed_retry(f);
}

/* The newest id of a stream, so that the feed starts from now. */
static void feed_last_id(struct feed *f, const char *name, char *out, size_t cap)
{
    char key[128];
    redisReply *r = store_cmd(f->c->store, "XREVRANGE %s + - COUNT 1",
                              console_key(f->c, key, sizeof key, name));
    if (r && r->type == REDIS_REPLY_ARRAY) {
        f->resolved = true;
        snprintf(out, cap, "%s",
                 r->elements == 1 && r->element[0]->elements == 2 ? r->element[0]->element[0]->str
                                                                  : "0-0");
    }
    if (r)
        freeReplyObject(r);
}

static void feed_connect(struct feed *f)
{
    const struct store_addr *a = &f->c->redis;
    if (!f->resolved) {
        feed_last_id(f, "alerts", f->last_alert, sizeof f->last_alert);
        if (f->resolved)
            feed_last_id(f, "triage:log", f->last_log, sizeof f->last_log);
        if (!f->resolved) {
            feed_retry(f);
            return;
        }
    }
    redisAsyncContext *ac =
        a->socket[0] ? redisAsyncConnectUnix(a->socket) : redisAsyncConnect(a->host, a->port);
    if (!ac || ac->err) {
        if (ac)
            redisAsyncFree(ac);
        feed_retry(f);
        return;
    }
    ac->data = f;
    f->ac = ac;
    redisLibeventAttach(ac, f->c->base);
    redisAsyncSetConnectCallback(ac, feed_connected);
    redisAsyncSetDisconnectCallback(ac, feed_disconnected);
    /* queued before the first read; a refusal comes back as its error */
    if (a->password[0])
        redisAsyncCommand(ac, feed_setup_reply, f, "AUTH %s", a->password);
    if (a->database)
        redisAsyncCommand(ac, feed_setup_reply, f, "SELECT %d", a->database);
    feed_read(f);
}

static void feed_reconnect(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    feed_connect(arg);
}

static void feed_ping(evutil_socket_t fd, short what, void *arg)
{
    struct feed *f = arg;
    (void)fd, (void)what;
    struct evbuffer *msg = evbuffer_new();
    if (!msg)
        return;
    evbuffer_add_printf(msg, ": %s\n\n", f->ac ? "live" : "waiting for Redis");
    feed_broadcast(f, msg);
    evbuffer_free(msg);
}

struct feed *feed_new(struct console *c)
{
    struct feed *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->c = c;
    snprintf(f->last_alert, sizeof f->last_alert, "$");
    snprintf(f->last_log, sizeof f->last_log, "$");
    f->watchdog = evtimer_new(c->base, feed_watchdog, f);
    f->reconnect = evtimer_new(c->base, feed_reconnect, f);
    f->ping = event_new(c->base, -1, EV_PERSIST, feed_ping, f);
    if (!f->watchdog || !f->reconnect || !f->ping)
        goto fail;
    struct timeval tv = {FEED_PING_S, 0};
    event_add(f->ping, &tv);
    feed_connect(f);
    return f;
fail:
    feed_free(f);
    return NULL;
}

void feed_free(struct feed *f)
{
    if (!f)
        return;
    while (f->nclients) {
        struct feed_client *cl = f->clients[0];
        evhttp_connection_set_closecb(cl->conn, NULL, NULL);
        evhttp_send_reply_end(cl->req);
        feed_client_remove(f, cl);
    }
    redisAsyncContext *ac = f->ac;
    f->ac = NULL;
    if (ac) {
        ac->data = NULL;
        redisAsyncFree(ac);
    }
    if (f->watchdog)
        event_free(f->watchdog);
    if (f->reconnect)
        event_free(f->reconnect);
    if (f->ping)
        event_free(f->ping);
    free(f);
}

int feed_subscribe(struct feed *f, struct evhttp_request *req)
{
    if (f->nclients == FEED_MAX_CLIENTS)
        return -EBUSY;
    struct feed_client *cl = calloc(1, sizeof *cl);
    if (!cl)
        return -ENOMEM;
    cl->f = f;
    cl->req = req;
    cl->conn = evhttp_request_get_connection(req);
    f->clients[f->nclients++] = cl;
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "text/event-stream; charset=utf-8");
    evhttp_add_header(h, "X-Accel-Buffering", "no");
    evhttp_send_reply_start(req, 200, "OK");
    evhttp_connection_set_closecb(cl->conn, feed_client_closed, cl);
    struct evbuffer *b = evbuffer_new();
    if (b) {
        evbuffer_add_printf(b, "retry: 2000\nevent: hello\ndata: {\"live\":%s}\n\n",
                            f->ac ? "true" : "false");
        evhttp_send_reply_chunk(req, b);
        evbuffer_free(b);
    }
    return 0;
}
