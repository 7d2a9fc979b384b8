#include "store.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct store {
    struct store_addr addr;
    redisContext *rc;
};

struct store *store_new(const struct store_addr *addr)
{
    struct store *s = calloc(1, sizeof *s);
    if (s)
        s->addr = *addr;
    return s;
}

void store_drop(struct store *s)
{
    if (s->rc)
        redisFree(s->rc);
    s->rc = NULL;
}

void store_free(struct store *s)
{
    if (!s)
        return;
    store_drop(s);
    free(s);
}

redisContext *store_connect(const struct store_addr *addr, int timeout_ms)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext *rc = addr->socket[0] ? redisConnectUnixWithTimeout(addr->socket, tv)
                                       : redisConnectWithTimeout(addr->host, addr->port, tv);
    if (!rc)
        return NULL;
    if (rc->err || redisSetTimeout(rc, tv) != REDIS_OK)
        goto fail;
    if (addr->password[0]) {
        redisReply *r = redisCommand(rc, "AUTH %s", addr->password);
        bool ok = r && r->type == REDIS_REPLY_STATUS;
        if (r)
            freeReplyObject(r);
        if (!ok)
            goto fail;
    }
    if (addr->database) {
        redisReply *r = redisCommand(rc, "SELECT %d", addr->database);
        bool ok = r && r->type == REDIS_REPLY_STATUS;
        if (r)
            freeReplyObject(r);
        if (!ok)
            goto fail;
    }
    return rc;
fail:
    redisFree(rc);
    return NULL;
}

redisContext *store_ctx(struct store *s)
{
    if (!s->rc)
        s->rc = store_connect(&s->addr, s->addr.timeout_ms);
    return s->rc;
}

redisReply *store_cmd(struct store *s, const char *fmt, ...)
{
    /* a connection that broke since the last call is opened again once */
    for (int attempt = 0; attempt < 2; attempt++) {
        redisContext *rc = store_ctx(s);
        if (!rc)
            return NULL;
        va_list ap;
        va_start(ap, fmt);
        redisReply *r = redisvCommand(rc, fmt, ap);
        va_end(ap);
        if (r)
            return r;
        store_drop(s);
    }
    return NULL;
}
