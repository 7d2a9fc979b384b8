#include "output/output_syslog.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "metrics/metrics.h"

#define SYSLOG_BACKOFF_MIN_MS 100u
#define SYSLOG_BACKOFF_MAX_MS 5000u
/* The smallest message the queue can hold (a header and a tiny record):
 * sizes the ring of message lengths so that it never fills before the
 * byte bound does. */
#define SYSLOG_MIN_MESSAGE 48u
/* "<191>1 " + timestamp + host (255) + app-name (48) + procid + msgid. */
#define SYSLOG_HEADER_MAX 400u

enum syslog_state {
    SYSLOG_DOWN,       /* no socket: waiting for the reconnection timer */
    SYSLOG_CONNECTING, /* tcp: connect() in progress */
    SYSLOG_UP,         /* connected (datagrams: connect()ed to the collector) */
};

enum syslog_drop {
    SYSLOG_DROP_FULL,      /* the queue at queue_size */
    SYSLOG_DROP_DOWN,      /* a udp datagram refused, a tcp message cut by a reset */
    SYSLOG_DROP_TOO_LARGE, /* past SYSLOG_MAX_MESSAGE */
    SYSLOG_DROP_SHUTDOWN,  /* still queued when the sensor stopped */
    SYSLOG_NDROPS,
};

static const char *const syslog_drop_names[SYSLOG_NDROPS] = {"full", "down", "too_large",
                                                             "shutdown"};

struct output_syslog {
    struct output_syslog_config c;
    char socket[108], host[256], app_name[49], hostname[256];
    char where[300]; /* the collector, for messages */
    bool verbose;
    long pid;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    struct event_base *base; /* borrowed */
    int fd;                  /* the connected socket; -1 when down */
    enum syslog_state state;
    uint32_t backoff_ms;
    struct event *reconnect;
    struct event *ev_write; /* on fd, while messages wait */
    struct event *ev_read;  /* tcp: the collector closing */
    /* Whole messages waiting (tcp: framed), oldest first, and their
     * lengths (a circular array): a datagram is one message, and a tcp
     * connection lost halfway through a message costs that message only. */
    struct evbuffer *queue;
    uint32_t *lens;
    size_t lens_cap, lens_head, lens_count;
    size_t head_sent; /* bytes of the oldest message already written */
    char last_error[256];
    struct {
        uint64_t sent;
        uint64_t dropped[SYSLOG_NDROPS];
        uint64_t connects;
    } st;
};

static void syslog_error(struct output_syslog *s, const char *what, int err)
{
    snprintf(s->last_error, sizeof s->last_error, "%s: %s", what, strerror(err));
    if (s->verbose)
        fprintf(stderr, "mamori: syslog: %s %s\n", s->where, s->last_error);
}

/* -- the connection ---------------------------------------------------
 * Every transport has a connected socket: tcp's connection, or a
 * datagram socket connect()ed to the collector, so that a full receive
 * queue on the local socket makes it unwritable (the write event waits
 * for room) rather than silently dropping. */

static bool syslog_stream(const struct output_syslog *s)
{
    return s->c.transport == OUTPUT_SYSLOG_TCP;
}

static void syslog_connect(struct output_syslog *s);

static void syslog_on_reconnect(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    syslog_connect(arg);
}

/* The oldest message leaves the queue (written whole, or dropped). */
static void syslog_pop(struct output_syslog *s)
{
    s->lens_head = (s->lens_head + 1) % s->lens_cap;
    s->lens_count--;
    s->head_sent = 0;
}

static void syslog_drop_head(struct output_syslog *s, enum syslog_drop why)
{
    evbuffer_drain(s->queue, s->lens[s->lens_head] - s->head_sent);
    syslog_pop(s);
    s->st.dropped[why]++;
}

static void syslog_down(struct output_syslog *s, const char *what, int err)
{
    syslog_error(s, what, err);
    if (s->ev_write) {
        event_free(s->ev_write);
        s->ev_write = NULL;
    }
    if (s->ev_read) {
        event_free(s->ev_read);
        s->ev_read = NULL;
    }
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    /* The collector has the start of the oldest message at most: the rest
     * would be taken for a new frame on the next connection. */
    if (s->head_sent)
        syslog_drop_head(s, SYSLOG_DROP_DOWN);
    s->state = SYSLOG_DOWN;
    struct timeval tv = {.tv_sec = s->backoff_ms / 1000u,
                         .tv_usec = (suseconds_t)(s->backoff_ms % 1000u) * 1000};
    evtimer_add(s->reconnect, &tv);
    s->backoff_ms =
        s->backoff_ms * 2 < SYSLOG_BACKOFF_MAX_MS ? s->backoff_ms * 2 : SYSLOG_BACKOFF_MAX_MS;
}

/* tcp: as much of the queue as the kernel takes in one write. Returns
 * false when nothing more can be written now. */
static bool syslog_send_stream(struct output_syslog *s)
{
    int n = evbuffer_write(s->queue, s->fd);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            syslog_down(s, "send", errno);
        return false;
    }
    size_t left = (size_t)n;
    while (left && s->lens_count) {
        size_t rest = s->lens[s->lens_head] - s->head_sent;
        if (left < rest) {
            s->head_sent += left;
            break;
        }
        left -= rest;
        syslog_pop(s);
        s->st.sent++;
    }
    return n > 0;
}

/* Datagrams: the oldest message, one datagram. */
static bool syslog_send_datagram(struct output_syslog *s)
{
    size_t len = s->lens[s->lens_head];
    const unsigned char *p = evbuffer_pullup(s->queue, (ssize_t)len);
    if (p && send(s->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
        evbuffer_drain(s->queue, len);
        syslog_pop(s);
        s->st.sent++;
        return true;
    }
    int err = p ? errno : ENOMEM;
    if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS || err == EINTR)
        return false; /* the write event says when there is room */
    if (err == EMSGSIZE) {
        syslog_drop_head(s, SYSLOG_DROP_TOO_LARGE);
        return true;
    }
    if (s->c.transport == OUTPUT_SYSLOG_UDP && err == ECONNREFUSED) {
        /* An ICMP port unreachable for an earlier datagram: no collector
         * listens now. UDP stays "connected"; this one is lost. */
        syslog_error(s, "send", err);
        syslog_drop_head(s, SYSLOG_DROP_DOWN);
        return true;
    }
    /* The local daemon went away (restarted, socket gone): connect again;
     * the message waits in the queue. */
    syslog_down(s, "send", err);
    return false;
}

/* Sends what the kernel takes now; the write event is armed while more
 * waits. */
static void syslog_send(struct output_syslog *s)
{
    while (s->lens_count && s->state == SYSLOG_UP) {
        if (!(syslog_stream(s) ? syslog_send_stream(s) : syslog_send_datagram(s)))
            break;
    }
    if (s->state != SYSLOG_UP)
        return;
    if (s->lens_count)
        event_add(s->ev_write, NULL);
    else
        event_del(s->ev_write);
}

static void syslog_up(struct output_syslog *s)
{
    s->state = SYSLOG_UP;
    s->backoff_ms = SYSLOG_BACKOFF_MIN_MS;
    s->last_error[0] = '\0';
    if (s->ev_read)
        event_add(s->ev_read, NULL);
    if (s->verbose)
        fprintf(stderr, "mamori: syslog: connected to %s\n", s->where);
}

static void syslog_on_write(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct output_syslog *s = arg;
    if (s->state == SYSLOG_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err) {
            syslog_down(s, "connect", err);
            return;
        }
        syslog_up(s);
    }
    syslog_send(s);
}

/* tcp: a collector sends nothing, so readable means it closed or reset. */
static void syslog_on_read(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct output_syslog *s = arg;
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0)
        syslog_down(s, "connection", ECONNRESET);
    else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        syslog_down(s, "connection", errno);
}

static void syslog_connect(struct output_syslog *s)
{
    s->st.connects++;
    int type = syslog_stream(s) ? SOCK_STREAM : SOCK_DGRAM;
    s->fd = socket(s->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        syslog_down(s, "socket", errno);
        return;
    }
    s->ev_write = event_new(s->base, s->fd, EV_WRITE | EV_PERSIST, syslog_on_write, s);
    if (syslog_stream(s))
        s->ev_read = event_new(s->base, s->fd, EV_READ | EV_PERSIST, syslog_on_read, s);
    if (!s->ev_write || (syslog_stream(s) && !s->ev_read)) {
        syslog_down(s, "connect", ENOMEM);
        return;
    }
    if (connect(s->fd, (const struct sockaddr *)&s->addr, s->addrlen) != 0) {
        if (errno != EINPROGRESS) {
            syslog_down(s, "connect", errno);
            return;
        }
        /* tcp in progress: the write event says how it ended. */
        s->state = SYSLOG_CONNECTING;
        event_add(s->ev_write, NULL);
        return;
    }
    syslog_up(s);
    syslog_send(s);
}

/* -- messages --------------------------------------------------------- */

/* RFC 5424 6.2.3: TIMESTAMP as RFC 3339, in UTC here. */
static size_t syslog_header(const struct output_syslog *s, enum output_type type, const char *rec,
                            size_t len, char *p, size_t cap)
{
    unsigned sev = 6; /* informational */
    if (type == OUTPUT_ALERT) {
        static const char key[] = "\"severity\":";
        const char *k = memmem(rec, len, key, sizeof key - 1);
        size_t at = k ? (size_t)(k - rec) + sizeof key - 1 : len;
        /* Suricata's scale, 1 the most severe. */
        static const unsigned map[] = {6, 3, 4, 5, 6};
        sev = at < len && rec[at] >= '1' && rec[at] <= '4' ? map[rec[at] - '0'] : 4;
    }
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(p, cap, "<%u>1 %04d-%02d-%02dT%02d:%02d:%02d.%06ldZ %s %s %ld %s - ",
                     s->c.facility * 8u + sev, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000, s->hostname, s->app_name,
                     s->pid, output_type_name(type));
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static int syslog_submit(void *state, enum output_type type, const char *rec, size_t len,
                         uint64_t handover_ns)
{
    (void)handover_ns;
    struct output_syslog *s = state;
    if (!s->c.types[type])
        return 0;
    char hdr[SYSLOG_HEADER_MAX + 24];
    size_t hlen = syslog_header(s, type, rec, len, hdr, SYSLOG_HEADER_MAX);
    if (hlen == 0 || hlen + len > SYSLOG_MAX_MESSAGE) {
        s->st.dropped[SYSLOG_DROP_TOO_LARGE]++;
        return -EMSGSIZE;
    }
    /* tcp: RFC 6587 octet counting; a datagram is its own frame. */
    char frame[24];
    int flen = syslog_stream(s) ? snprintf(frame, sizeof frame, "%zu ", hlen + len) : 0;
    size_t total = (size_t)flen + hlen + len;
    if (evbuffer_get_length(s->queue) + total > s->c.queue_size || s->lens_count == s->lens_cap) {
        s->st.dropped[SYSLOG_DROP_FULL]++;
        return -ENOBUFS;
    }
    /* Room first, so that the three appends cannot leave half a frame. */
    if (evbuffer_expand(s->queue, total) != 0) {
        s->st.dropped[SYSLOG_DROP_FULL]++;
        return -ENOMEM;
    }
    evbuffer_add(s->queue, frame, (size_t)flen);
    evbuffer_add(s->queue, hdr, hlen);
    evbuffer_add(s->queue, rec, len);
    s->lens[(s->lens_head + s->lens_count) % s->lens_cap] = (uint32_t)total;
    s->lens_count++;
    return 0;
}

/* Once per pass of the output thread: what the pass queued goes out in as
 * few writes as the kernel allows. */
static void syslog_flush(void *state, uint64_t now_ms)
{
    (void)now_ms;
    struct output_syslog *s = state;
    if (s->state == SYSLOG_UP && s->lens_count)
        syslog_send(s);
}

static bool syslog_idle(void *state)
{
    const struct output_syslog *s = state;
    /* At exit the queue gets its time (OUTPUT_SYSLOG_WAIT_MS), a
     * reconnection included. */
    return s->lens_count == 0;
}

static void syslog_stop(void *state)
{
    struct output_syslog *s = state;
    if (s->state == SYSLOG_UP)
        syslog_send(s);
    s->st.dropped[SYSLOG_DROP_SHUTDOWN] += s->lens_count;
    s->lens_count = 0;
    s->head_sent = 0;
    evbuffer_drain(s->queue, evbuffer_get_length(s->queue));
}

static uint64_t syslog_dropped(const struct output_syslog *s)
{
    uint64_t n = 0;
    for (int i = 0; i < SYSLOG_NDROPS; i++)
        n += s->st.dropped[i];
    return n;
}

static void syslog_metrics(void *state, struct metrics_buf *b)
{
    const struct output_syslog *s = state;
    metrics_family(b, "mamori_syslog_up", "gauge",
                   "1 when the syslog collector takes messages (tcp: connected), else 0.");
    metrics_sample(b, "mamori_syslog_up", NULL, s->state == SYSLOG_UP);
    metrics_family(b, "mamori_syslog_sent_total", "counter",
                   "Records sent to syslog (tcp: written whole to the connection).");
    metrics_sample(b, "mamori_syslog_sent_total", NULL, s->st.sent);
    metrics_family(b, "mamori_syslog_dropped_total", "counter",
                   "Records not sent to syslog, by reason.");
    for (int i = 0; i < SYSLOG_NDROPS; i++) {
        char l[48];
        snprintf(l, sizeof l, "reason=\"%s\"", syslog_drop_names[i]);
        metrics_sample(b, "mamori_syslog_dropped_total", l, s->st.dropped[i]);
    }
    metrics_family(b, "mamori_syslog_queued_bytes", "gauge",
                   "Bytes waiting to be sent to the syslog collector (tcp).");
    metrics_sample(b, "mamori_syslog_queued_bytes", NULL,
                   s->queue ? evbuffer_get_length(s->queue) : 0);
}

static bool syslog_healthy(void *state, char *why, size_t len)
{
    const struct output_syslog *s = state;
    if (s->state == SYSLOG_UP)
        return true;
    snprintf(why, len, "syslog %s %s (%s)",
             s->state == SYSLOG_CONNECTING ? "connecting to" : "cannot reach", s->where,
             *s->last_error ? s->last_error : "no error");
    return false;
}

static size_t syslog_stats(void *state, char *p, size_t cap)
{
    const struct output_syslog *s = state;
    int n = snprintf(p, cap,
                     ",\"syslog\":{\"sent\":%" PRIu64 ",\"dropped\":%" PRIu64
                     ",\"dropped_full\":%" PRIu64 ",\"dropped_down\":%" PRIu64
                     ",\"dropped_too_large\":%" PRIu64 "}",
                     s->st.sent, syslog_dropped(s), s->st.dropped[SYSLOG_DROP_FULL],
                     s->st.dropped[SYSLOG_DROP_DOWN], s->st.dropped[SYSLOG_DROP_TOO_LARGE]);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void syslog_free(void *state)
{
    struct output_syslog *s = state;
    if (!s)
        return;
    if (s->queue)
        syslog_stop(s);
    uint64_t dropped = syslog_dropped(s);
    if (dropped || s->verbose)
        fprintf(stderr,
                "mamori: syslog: %" PRIu64 " records sent to %s, %" PRIu64 " dropped (full %" PRIu64
                ", down %" PRIu64 ", too large %" PRIu64 ", at exit %" PRIu64 ")\n",
                s->st.sent, s->where, dropped, s->st.dropped[SYSLOG_DROP_FULL],
                s->st.dropped[SYSLOG_DROP_DOWN], s->st.dropped[SYSLOG_DROP_TOO_LARGE],
                s->st.dropped[SYSLOG_DROP_SHUTDOWN]);
    if (s->ev_write)
        event_free(s->ev_write);
    if (s->ev_read)
        event_free(s->ev_read);
    if (s->reconnect)
        event_free(s->reconnect);
    if (s->fd >= 0)
        close(s->fd);
    if (s->queue)
        evbuffer_free(s->queue);
    free(s->lens);
    free(s);
}

const struct output_backend output_syslog_backend = {
    .name = "syslog",
    .submit = syslog_submit,
    .flush = syslog_flush,
    .idle = syslog_idle,
    .stop = syslog_stop,
    .metrics = syslog_metrics,
    .healthy = syslog_healthy,
    .free = syslog_free,
    .stats = syslog_stats,
};

/* -- set-up ----------------------------------------------------------- */

/* RFC 5424 6.2: PRINTUSASCII, 1 to max characters. */
static bool syslog_printusascii(const char *p, size_t max)
{
    size_t n = strlen(p);
    if (n == 0 || n > max)
        return false;
    for (; *p; p++) {
        if (*p < 33 || *p > 126)
            return false;
    }
    return true;
}

static int syslog_resolve(struct output_syslog *s, char *err, size_t errlen)
{
    if (s->c.transport == OUTPUT_SYSLOG_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)&s->addr;
        if (strlen(s->socket) >= sizeof un->sun_path) {
            snprintf(err, errlen, "outputs.syslog.socket: %s: path too long", s->socket);
            return -ENAMETOOLONG;
        }
        un->sun_family = AF_UNIX;
        memcpy(un->sun_path, s->socket, strlen(s->socket) + 1);
        s->addrlen = sizeof *un;
        snprintf(s->where, sizeof s->where, "%s", s->socket);
        return 0;
    }
    struct addrinfo hints = {
        .ai_socktype = s->c.transport == OUTPUT_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM,
        .ai_flags = AI_ADDRCONFIG,
    };
    struct addrinfo *ai = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", s->c.port);
    int rc = getaddrinfo(s->host, port, &hints, &ai);
    if (rc != 0 || !ai) {
        snprintf(err, errlen, "outputs.syslog.host: cannot resolve %s: %s", s->host,
                 gai_strerror(rc));
        return -EINVAL;
    }
    memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
    s->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    snprintf(s->where, sizeof s->where, "%s %s:%u",
             s->c.transport == OUTPUT_SYSLOG_TCP ? "tcp" : "udp", s->host, s->c.port);
    return 0;
}

void *output_syslog_new(const struct output_syslog_config *c, struct event_base *base, bool verbose,
                        char *err, size_t errlen)
{
    struct output_syslog *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "outputs.syslog: out of memory");
        return NULL;
    }
    s->c = *c;
    s->fd = -1;
    s->base = base;
    s->verbose = verbose;
    s->pid = (long)getpid();
    s->backoff_ms = SYSLOG_BACKOFF_MIN_MS;
    snprintf(s->socket, sizeof s->socket, "%s", c->socket);
    snprintf(s->host, sizeof s->host, "%s", c->host);
    s->c.socket = s->socket;
    s->c.host = s->host;
    if (!syslog_printusascii(c->app_name, 48)) {
        snprintf(err, errlen,
                 "outputs.syslog.app_name: \"%s\": 1 to 48 printable ASCII characters, no "
                 "space (RFC 5424)",
                 c->app_name);
        goto fail;
    }
    snprintf(s->app_name, sizeof s->app_name, "%s", c->app_name);
    s->c.app_name = s->app_name;
    if (gethostname(s->hostname, sizeof s->hostname - 1) != 0 || !*s->hostname)
        snprintf(s->hostname, sizeof s->hostname, "-");
    for (char *p = s->hostname; *p; p++) {
        if (*p < 33 || *p > 126)
            *p = '_';
    }
    if (syslog_resolve(s, err, errlen) < 0)
        goto fail;
    s->queue = evbuffer_new();
    s->lens_cap = (size_t)(c->queue_size / SYSLOG_MIN_MESSAGE) + 1;
    s->lens = calloc(s->lens_cap, sizeof *s->lens);
    s->reconnect = evtimer_new(base, syslog_on_reconnect, s);
    if (!s->queue || !s->lens || !s->reconnect) {
        snprintf(err, errlen, "outputs.syslog: out of memory");
        goto fail;
    }
    /* A collector (or local daemon) that is not there yet is no error:
     * messages wait in the queue, up to its bound, until it is. */
    syslog_connect(s);
    if (s->state != SYSLOG_UP && verbose)
        fprintf(stderr, "mamori: syslog: %s not reachable at start: queueing until it is\n",
                s->where);
    return s;
fail:
    syslog_free(s);
    return NULL;
}
