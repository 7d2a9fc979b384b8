/*
 * mamori-console: the SOC console. An HTTP server (libevent's evhttp) on
 * loopback by default that serves the single-page application of --web
 * and its JSON API over the sensor's Redis; a token set at start is needed
 * for everything but the page itself.
 *
 *   mamori-console --token FILE [--listen ADDR] [--port N]
 *                  [--redis HOST:PORT|/path/to/socket] [--prefix P] [--web DIR]
 */
#include "console.h"

#include "api.h"
#include "cjson.h"
#include "feed.h"
#include "jsonw.h"
#include "query.h"
#include "triage.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#ifndef CONSOLE_WEB_DIR
#define CONSOLE_WEB_DIR "/usr/local/share/mamori/console"
#endif
#define CONSOLE_VERSION "0.1.0"
#define CONSOLE_ENV_TOKEN "MAMORI_CONSOLE_TOKEN"
#define CONSOLE_TOKEN_MIN 16
#define CONSOLE_BODY_MAX 16384
#define CONSOLE_WEB_MAX (4u << 20)
#define CONSOLE_COOKIE "mamori_console"

/* Nothing but the console's own files: no inline script or style, no
 * other origin, no framing. */
static const char console_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

struct web_file {
    const char *path; /* URL path */
    const char *name; /* file in --web */
    const char *type;
    char *data; /* owned */
    size_t len;
};

struct front {
    struct console c;
    struct evhttp *http;
    struct event *sigint, *sigterm, *sync;
    struct web_file web[3];
};

const char *console_key(const struct console *c, char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s:%s", c->prefix, name);
    return buf;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mamori-console --token FILE [--listen ADDR] [--port N]\n"
            "                      [--redis HOST:PORT|SOCKET] [--redis-password FILE]\n"
            "                      [--redis-db N] [--prefix PREFIX] [--web DIR]\n"
            "  --token FILE   the access token (first line of FILE; or $%s)\n"
            "  --listen ADDR  address to listen on (default 127.0.0.1)\n"
            "  --port N       port (default 8750; 0 picks a free one, printed at start)\n"
            "  --redis ADDR   the sensor's Redis: HOST:PORT or a unix socket path\n"
            "                 (default 127.0.0.1:6379)\n"
            "  --redis-password FILE  AUTH with the first line of FILE\n"
            "  --redis-db N   SELECT database N (default 0)\n"
            "  --prefix P     key prefix, outputs.redis.key_prefix (default mamori)\n"
            "  --web DIR      the web application's files (default %s)\n",
            CONSOLE_ENV_TOKEN, CONSOLE_WEB_DIR);
}

/* The token: 16 to 255 characters that can travel in a cookie unquoted. */
static int console_set_token(struct console *c, const char *t, const char *from)
{
    size_t n = strcspn(t, "\r\n");
    if (n < CONSOLE_TOKEN_MIN || n >= sizeof c->token) {
        fprintf(stderr, "mamori-console: %s: the token must be %d to %zu characters\n", from,
                CONSOLE_TOKEN_MIN, sizeof c->token - 1);
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)t[i];
        if (ch <= 0x20 || ch >= 0x7f || ch == ';' || ch == ',' || ch == '"' || ch == '\\') {
            fprintf(stderr,
                    "mamori-console: %s: the token may hold letters, digits and -._~+/= only\n",
                    from);
            return -EINVAL;
        }
    }
    memcpy(c->token, t, n);
    c->token[n] = 0;
    c->token_len = n;
    return 0;
}

static int console_read_file(const char *path, size_t max, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    char *p = malloc(max + 1);
    int rc = 0;
    if (!p) {
        rc = -ENOMEM;
        goto out;
    }
    size_t n = fread(p, 1, max + 1, f);
    if (ferror(f) || n > max) {
        rc = ferror(f) ? -EIO : -EFBIG;
        free(p);
        goto out;
    }
    p[n] = 0;
    *data = p;
    *len = n;
out:
    fclose(f);
    return rc;
}

/* Constant time in the length of the secret: where the two differ is not
 * told by how long the comparison takes. */
static bool console_token_ok(const struct console *c, const char *t, size_t n)
{
    volatile unsigned char d = n != c->token_len;
    for (size_t i = 0; i < c->token_len; i++)
        d |= (unsigned char)((i < n ? (unsigned char)t[i] : 0) ^ (unsigned char)c->token[i]);
    return d == 0;
}

/* Authorization: Bearer TOKEN (API clients), or the cookie the login sets
 * (the page, and EventSource, which cannot send headers). */
static bool console_authorized(const struct console *c, struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *a = evhttp_find_header(h, "Authorization");
    if (a && strncasecmp(a, "Bearer ", 7) == 0)
        return console_token_ok(c, a + 7, strlen(a + 7));
    const char *cookie = evhttp_find_header(h, "Cookie");
    size_t cn = strlen(CONSOLE_COOKIE);
    for (const char *p = cookie; p && *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, ";");
        if (len > cn && strncmp(p, CONSOLE_COOKIE, cn) == 0 && p[cn] == '=')
            return console_token_ok(c, p + cn + 1, len - cn - 1);
        p += len;
        if (*p == ';')
            p++;
    }
    return false;
}

static void console_headers(struct evhttp_request *req, const char *type)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", type);
    evhttp_add_header(h, "Content-Security-Policy", console_csp);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
    evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
    evhttp_add_header(h, "Cache-Control", "no-store");
}

static void console_reply(struct evhttp_request *req, int status, struct evbuffer *body)
{
    static const struct {
        int code;
        const char *text;
    } reasons[] = {{200, "OK"},
                   {400, "Bad Request"},
                   {401, "Unauthorized"},
                   {403, "Forbidden"},
                   {404, "Not Found"},
                   {405, "Method Not Allowed"},
                   {409, "Conflict"},
                   {413, "Payload Too Large"},
                   {500, "Internal Error"},
                   {503, "Service Unavailable"}};
    const char *reason = "Error";
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        if (reasons[i].code == status)
            reason = reasons[i].text;
    }
    evhttp_send_reply(req, status, reason, body);
}

/* POST /api/login {"token":...}: sets the session cookie. */
static int console_login(struct console *c, struct evhttp_request *req, const uint8_t *body,
                         size_t len, struct evbuffer *out)
{
    struct cjson_slice v;
    char t[256];
    if (!body || cjson_validate(body, len) < 0 || cjson_find(body, len, "token", &v) < 0 ||
        cjson_string(v.p, v.len, t, sizeof t) < 0 || !console_token_ok(c, t, strlen(t)))
        return api_error(out, 401, "wrong token");
    char cookie[sizeof c->token + 96];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict", CONSOLE_COOKIE,
             c->token);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie);
    evbuffer_add_printf(out, "{\"ok\":true}");
    return 200;
}

static int console_logout(struct evhttp_request *req, struct evbuffer *out)
{
    evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie",
                      CONSOLE_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    evbuffer_add_printf(out, "{\"ok\":true}");
    return 200;
}

/* The request's body, NUL terminated in its buffer; NULL if empty. */
static const uint8_t *console_body(struct evhttp_request *req, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    *len = evbuffer_get_length(in);
    if (!*len)
        return NULL;
    return evbuffer_pullup(in, -1);
}

/* A state-changing request must say it is JSON: a form on another site
 * cannot send that without a CORS preflight, which this server refuses. */
static bool console_json_body(struct evhttp_request *req)
{
    const char *t = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    return t && strncasecmp(t, "application/json", 16) == 0;
}

static void console_api(struct front *fr, struct evhttp_request *req, const char *path,
                        const char *rawq)
{
    struct console *c = &fr->c;
    struct evbuffer *out = evbuffer_new();
    if (!out) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    bool get = method == EVHTTP_REQ_GET, post = method == EVHTTP_REQ_POST;
    int status;
    struct query q;
    char arg[80];
    const char *rest;
    size_t blen = 0;
    const uint8_t *body = post ? console_body(req, &blen) : NULL;

    if (post && !console_json_body(req)) {
        status = api_error(out, 400, "Content-Type must be application/json");
        goto reply;
    }
    if (strcmp(path, "/api/login") == 0) {
        status =
            post ? console_login(c, req, body, blen, out) : api_error(out, 405, "POST the token");
        goto reply;
    }
    if (!console_authorized(c, req)) {
        status = api_error(out, 401, "a token is needed");
        goto reply;
    }
    if (query_parse((const uint8_t *)rawq, strlen(rawq), &q) < 0) {
        status = api_error(out, 400, "bad query string");
        goto reply;
    }
    if (strcmp(path, "/api/logout") == 0 && post) {
        status = console_logout(req, out);
    } else if (strcmp(path, "/api/session") == 0 && get) {
        evbuffer_add_printf(out, "{\"ok\":true,\"version\":\"%s\",\"prefix\":", CONSOLE_VERSION);
        jsonw_cstr(out, c->prefix);
        evbuffer_add(out, "}", 1);
        status = 200;
    } else if (strcmp(path, "/api/events") == 0 && get) {
        evbuffer_free(out);
        if (feed_subscribe(c->feed, req) < 0) {
            struct evbuffer *b = evbuffer_new();
            if (b)
                api_error(b, 503, "too many live feeds");
            console_headers(req, "application/json");
            console_reply(req, 503, b);
            if (b)
                evbuffer_free(b);
        }
        return;
    } else if (strcmp(path, "/api/alerts") == 0 && get) {
        status = api_alerts(c, &q, out);
    } else if (strncmp(path, "/api/alerts/", 12) == 0) {
        rest = path + 12;
        size_t n = strcspn(rest, "/");
        if (n >= sizeof arg) {
            status = api_error(out, 404, "no such alert");
            goto reply;
        }
        memcpy(arg, rest, n);
        arg[n] = 0;
        if (!rest[n] && get)
            status = api_alert(c, arg, out);
        else if (strcmp(rest + n, "/triage") == 0 && post)
            status = triage_post(c, arg, body, blen, out);
        else
            status = api_error(out, 404, "no such resource");
    } else if (strcmp(path, "/api/assets") == 0 && get) {
        status = api_assets(c, &q, out);
    } else if (strncmp(path, "/api/assets/", 12) == 0 && get) {
        if (strlen(path + 12) >= sizeof arg)
            status = api_error(out, 404, "no such device");
        else
            status = api_asset(c, path + 12, out);
    } else if (strcmp(path, "/api/overview") == 0 && get) {
        status = api_overview(c, out);
    } else {
        status = api_error(out, 404, "no such resource");
    }
reply:
    console_headers(req, "application/json; charset=utf-8");
    console_reply(req, status, out);
    evbuffer_free(out);
}

static void console_request(struct evhttp_request *req, void *arg)
{
    struct front *fr = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *rawq = uri ? evhttp_uri_get_query(uri) : NULL;
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    if (!path || !*path)
        path = "/";
    if (strncmp(path, "/api/", 5) == 0) {
        console_api(fr, req, path, rawq ? rawq : "");
        return;
    }
    struct evbuffer *out = evbuffer_new();
    if (!out) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    int status = 404;
    const char *type = "text/plain; charset=utf-8";
    if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
        status = 405;
        evbuffer_add_printf(out, "method not allowed\n");
    } else {
        for (size_t i = 0; i < sizeof fr->web / sizeof fr->web[0]; i++) {
            if (strcmp(path, fr->web[i].path) == 0 ||
                (i == 0 && strcmp(path, "/index.html") == 0)) {
                evbuffer_add_reference(out, fr->web[i].data, fr->web[i].len, NULL, NULL);
                type = fr->web[i].type;
                status = 200;
            }
        }
        if (status == 404)
            evbuffer_add_printf(out, "not found\n");
    }
    console_headers(req, type);
    console_reply(req, status, out);
    evbuffer_free(out);
}

static void console_signal(evutil_socket_t fd, short what, void *arg)
{
    struct front *fr = arg;
    (void)fd, (void)what;
    event_base_loopexit(fr->c.base, NULL);
}

static void console_sync(evutil_socket_t fd, short what, void *arg)
{
    struct front *fr = arg;
    (void)fd, (void)what;
    triage_sync(&fr->c);
}

static int console_redis_addr(struct store_addr *a, const char *s)
{
    memset(a, 0, sizeof *a);
    a->timeout_ms = 2000;
    if (strchr(s, '/')) {
        if (strlen(s) >= sizeof a->socket)
            return -EINVAL;
        snprintf(a->socket, sizeof a->socket, "%s", s);
        return 0;
    }
    const char *colon = strrchr(s, ':');
    size_t hl = colon ? (size_t)(colon - s) : strlen(s);
    if (!hl || hl >= sizeof a->host)
        return -EINVAL;
    memcpy(a->host, s, hl);
    a->port = 6379;
    if (colon) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (*end || p < 1 || p > 65535)
            return -EINVAL;
        a->port = (int)p;
    }
    return 0;
}

static int console_load_web(struct front *fr, const char *dir)
{
    static const struct web_file files[3] = {
        {"/", "index.html", "text/html; charset=utf-8", NULL, 0},
        {"/app.js", "app.js", "text/javascript; charset=utf-8", NULL, 0},
        {"/app.css", "app.css", "text/css; charset=utf-8", NULL, 0},
    };
    for (size_t i = 0; i < 3; i++) {
        char path[4096];
        fr->web[i] = files[i];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        int rc = console_read_file(path, CONSOLE_WEB_MAX, &fr->web[i].data, &fr->web[i].len);
        if (rc < 0) {
            fprintf(stderr, "mamori-console: %s: %s\n", path, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

static void console_free(struct front *fr)
{
    feed_free(fr->c.feed);
    if (fr->http)
        evhttp_free(fr->http);
    if (fr->sigint)
        event_free(fr->sigint);
    if (fr->sigterm)
        event_free(fr->sigterm);
    if (fr->sync)
        event_free(fr->sync);
    store_free(fr->c.store);
    for (size_t i = 0; i < 3; i++)
        free(fr->web[i].data);
    if (fr->c.base)
        event_base_free(fr->c.base);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"port", required_argument, NULL, 'p'},
        {"redis", required_argument, NULL, 'r'},
        {"prefix", required_argument, NULL, 'P'},
        {"token", required_argument, NULL, 't'},
        {"web", required_argument, NULL, 'w'},
        {"redis-password", required_argument, NULL, 'A'},
        {"redis-db", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct front fr;
    memset(&fr, 0, sizeof fr);
    const char *listen = "127.0.0.1", *redis = "127.0.0.1:6379", *web = CONSOLE_WEB_DIR;
    const char *token_file = NULL, *redis_password = NULL;
    long port = 8750, redis_db = 0;
    int status = 1, o;
    snprintf(fr.c.prefix, sizeof fr.c.prefix, "mamori");
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end;
        switch (o) {
        case 'l':
            listen = optarg;
            break;
        case 'p':
            port = strtol(optarg, &end, 10);
            if (*end || port < 0 || port > 65535) {
                fprintf(stderr, "mamori-console: --port: 0 to 65535\n");
                return 1;
            }
            break;
        case 'r':
            redis = optarg;
            break;
        case 'P':
            if (!*optarg || strlen(optarg) >= sizeof fr.c.prefix || strpbrk(optarg, " \r\n")) {
                fprintf(stderr, "mamori-console: --prefix: 1 to %zu characters, no spaces\n",
                        sizeof fr.c.prefix - 1);
                return 1;
            }
            snprintf(fr.c.prefix, sizeof fr.c.prefix, "%s", optarg);
            break;
        case 't':
            token_file = optarg;
            break;
        case 'A':
            redis_password = optarg;
            break;
        case 'D':
            redis_db = strtol(optarg, &end, 10);
            if (*end || redis_db < 0 || redis_db > 65535) {
                fprintf(stderr, "mamori-console: --redis-db: 0 to 65535\n");
                return 1;
            }
            break;
        case 'w':
            web = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("mamori-console %s\n", CONSOLE_VERSION);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 1;
    }
    if (token_file) {
        char *t = NULL;
        size_t n;
        int rc = console_read_file(token_file, 4096, &t, &n);
        if (rc < 0) {
            fprintf(stderr, "mamori-console: --token %s: %s\n", token_file, strerror(-rc));
            return 1;
        }
        struct stat st;
        if (stat(token_file, &st) == 0 && (st.st_mode & 077))
            fprintf(stderr, "mamori-console: warning: %s can be read by others (chmod 600)\n",
                    token_file);
        rc = console_set_token(&fr.c, t, token_file);
        free(t);
        if (rc < 0)
            return 1;
    } else if (getenv(CONSOLE_ENV_TOKEN)) {
        if (console_set_token(&fr.c, getenv(CONSOLE_ENV_TOKEN), CONSOLE_ENV_TOKEN) < 0)
            return 1;
    } else {
        fprintf(stderr,
                "mamori-console: no token: give --token FILE or set %s (there is no "
                "default)\n",
                CONSOLE_ENV_TOKEN);
        return 1;
    }
    if (console_redis_addr(&fr.c.redis, redis) < 0) {
        fprintf(stderr, "mamori-console: --redis %s: HOST:PORT or a socket path\n", redis);
        return 1;
    }
    fr.c.redis.database = (int)redis_db;
    if (redis_password) {
        char *pw = NULL;
        size_t n;
        int rc = console_read_file(redis_password, sizeof fr.c.redis.password - 1, &pw, &n);
        if (rc < 0) {
            fprintf(stderr, "mamori-console: --redis-password %s: %s\n", redis_password,
                    strerror(-rc));
            return 1;
        }
        pw[strcspn(pw, "\r\n")] = 0;
        snprintf(fr.c.redis.password, sizeof fr.c.redis.password, "%s", pw);
        free(pw);
    }
    if (console_load_web(&fr, web) < 0)
        goto out;

    signal(SIGPIPE, SIG_IGN);
    fr.c.base = event_base_new();
    fr.c.store = store_new(&fr.c.redis);
    fr.http = fr.c.base ? evhttp_new(fr.c.base) : NULL;
    if (!fr.http || !fr.c.store) {
        fprintf(stderr, "mamori-console: out of memory\n");
        goto out;
    }
    evhttp_set_allowed_methods(fr.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
    evhttp_set_max_body_size(fr.http, CONSOLE_BODY_MAX);
    evhttp_set_max_headers_size(fr.http, 16384);
    evhttp_set_timeout(fr.http, 60);
    evhttp_set_gencb(fr.http, console_request, &fr);
    struct evhttp_bound_socket *bs =
        evhttp_bind_socket_with_handle(fr.http, listen, (uint16_t)port);
    if (!bs) {
        fprintf(stderr, "mamori-console: cannot listen on %s port %ld\n", listen, port);
        goto out;
    }
    if (triage_init(&fr.c) < 0)
        fprintf(stderr, "mamori-console: Redis %s is not answering yet; retrying\n", redis);
    fr.c.feed = feed_new(&fr.c);
    fr.sigint = evsignal_new(fr.c.base, SIGINT, console_signal, &fr);
    fr.sigterm = evsignal_new(fr.c.base, SIGTERM, console_signal, &fr);
    fr.sync = event_new(fr.c.base, -1, EV_PERSIST, console_sync, &fr);
    if (!fr.c.feed || !fr.sigint || !fr.sigterm || !fr.sync) {
        fprintf(stderr, "mamori-console: out of memory\n");
        goto out;
    }
    struct timeval tv = {2, 0};
    event_add(fr.sigint, NULL);
    event_add(fr.sigterm, NULL);
    event_add(fr.sync, &tv);

    /* the address actually bound (port 0 picks one): tests and tools/demo read it */
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[64] = "?";
    int bound = (int)port;
    if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
            bound = ntohs(in->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            char a[INET6_ADDRSTRLEN];
            inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof a);
            snprintf(host, sizeof host, "[%s]", a);
            bound = ntohs(in6->sin6_port);
        }
    }
    printf("mamori-console: listening on http://%s:%d/\n", host, bound);
    if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "[::1]") != 0)
        fprintf(stderr, "mamori-console: warning: plain HTTP beyond loopback: the token crosses "
                        "the network in clear; put a TLS proxy in front\n");
    fflush(stdout);
    event_base_dispatch(fr.c.base);
    status = 0;
out:
    console_free(&fr);
    return status;
}
