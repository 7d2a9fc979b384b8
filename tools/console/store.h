/*
 * The console's synchronous Redis connection for API requests: every call
 * is bounded by a timeout (connect and each reply), and a connection that
 * failed is opened again on the next call, once.
 */
#ifndef MAMORI_CONSOLE_STORE_H
#define MAMORI_CONSOLE_STORE_H

#include <hiredis/hiredis.h>

struct store_addr {
    char host[256]; /* empty with a unix socket */
    int port;
    char socket[256]; /* empty with host:port */
    int timeout_ms;
    char password[256]; /* AUTH when not empty */
    int database;       /* SELECT when not 0 */
};

struct store;

/* Owned: free with store_free(). Does not connect yet. */
struct store *store_new(const struct store_addr *addr);
void store_free(struct store *s);

/* A command (hiredis format: %s for C strings, %b for bytes). The reply is
 * owned by the caller (freeReplyObject()); NULL if Redis could not be
 * reached or did not answer in time. */
redisReply *store_cmd(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The connection, for pipelines (redisAppendCommand + redisGetReply),
 * connected if it can be; NULL if not. After a failed pipeline call
 * store_drop(). */
redisContext *store_ctx(struct store *s);
void store_drop(struct store *s);

/* Opens a connection of its own, authenticated and on its database; NULL
 * if Redis cannot be reached or refuses. */
redisContext *store_connect(const struct store_addr *addr, int timeout_ms);

#endif
