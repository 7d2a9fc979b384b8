#include "output/eve_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct eve_file_sink {
    pthread_mutex_t lock; /* orders appends and the switch on reopen */
    int fd;               /* -1: records are discarded */
    bool is_stdout;
    int err;       /* first append error, sticky */
    uint64_t lost; /* records in failed appends */
    char path[PATH_MAX];
};

struct eve_file {
    const struct eve_file_ops *ops; /* borrowed; NULL: the sink */
    void *ctx;
    struct eve_file_sink *sink; /* borrowed, or owned when own_sink */
    bool own_sink;
    char *buf;
    size_t len;
    uint64_t records; /* in buf */
};

static int eve_file_sink_openfd(const char *path)
{
    /* 0640: records name hosts and devices of the hospital. */
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

struct eve_file_sink *eve_file_sink_open(const char *dir, const char *filename)
{
    struct eve_file_sink *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fd = -1;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        errno = ENOMEM;
        return NULL;
    }
    if (!dir) {
        snprintf(s->path, sizeof s->path, "(none)");
        return s;
    }
    if (strcmp(dir, "-") == 0) {
        /* A duplicate of fd 1, so that closing the sink leaves standard
         * output to the process. */
        s->fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        s->is_stdout = true;
        snprintf(s->path, sizeof s->path, "-");
    } else {
        int n = snprintf(s->path, sizeof s->path, "%s/%s", dir, filename);
        if (n < 0 || (size_t)n >= sizeof s->path) {
            errno = ENAMETOOLONG;
            goto fail;
        }
        s->fd = eve_file_sink_openfd(s->path);
    }
    if (s->fd < 0)
        goto fail;
    return s;
fail : {
    int saved = errno;
    pthread_mutex_destroy(&s->lock);
    free(s);
    errno = saved;
    return NULL;
}
}

int eve_file_sink_reopen(struct eve_file_sink *s)
{
    if (s->fd < 0 || s->is_stdout)
        return 0;
    int fd = eve_file_sink_openfd(s->path);
    if (fd < 0)
        return -errno;
    pthread_mutex_lock(&s->lock);
    int old = s->fd;
    s->fd = fd;
    pthread_mutex_unlock(&s->lock);
    close(old);
    return 0;
}

static int eve_file_sink_append(struct eve_file_sink *s, const char *p, size_t len,
                                uint64_t records)
{
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    while (len > 0 && s->fd >= 0) {
        ssize_t n = write(s->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    if (rc < 0) {
        if (!s->err)
            s->err = rc;
        s->lost += records;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int eve_file_sink_close(struct eve_file_sink *s)
{
    if (!s)
        return 0;
    int rc = s->err;
    if (s->fd >= 0 && close(s->fd) != 0 && rc == 0)
        rc = -errno;
    pthread_mutex_destroy(&s->lock);
    free(s);
    return rc;
}

const char *eve_file_sink_path(const struct eve_file_sink *s)
{
    return s->path;
}

uint64_t eve_file_sink_lost(struct eve_file_sink *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t n = s->lost;
    pthread_mutex_unlock(&s->lock);
    return n;
}

struct eve_file *eve_file_new(struct eve_file_sink *sink)
{
    struct eve_file *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->buf = malloc(EVE_FILE_BATCH);
    if (!e->buf) {
        free(e);
        return NULL;
    }
    e->sink = sink;
    return e;
}

struct eve_file *eve_file_new_ops(const struct eve_file_ops *ops, void *ctx)
{
    struct eve_file *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->ops = ops;
    e->ctx = ctx;
    return e;
}

int eve_file_flush(struct eve_file *e)
{
    if (e->ops)
        return e->ops->flush ? e->ops->flush(e->ctx) : 0;
    if (e->len == 0)
        return 0;
    int rc = eve_file_sink_append(e->sink, e->buf, e->len, e->records);
    e->len = 0;
    e->records = 0;
    return rc;
}

void eve_file_free(struct eve_file *e)
{
    if (!e)
        return;
    eve_file_flush(e);
    if (e->own_sink)
        eve_file_sink_close(e->sink);
    free(e->buf);
    free(e);
}

int eve_file_write_match(struct eve_file *e, const void *match, size_t match_len,
                         const struct json_buf *rec)
{
    if (rec->err || !rec->p)
        return -EINVAL;
    if (!e->ops || !e->ops->write_match)
        return -ENOTSUP;
    return e->ops->write_match(e->ctx, match, match_len, rec->p, rec->len);
}

int eve_file_write_rules(struct eve_file *e, struct ruleset *rs)
{
    if (!e->ops || !e->ops->write_rules)
        return -ENOTSUP;
    return e->ops->write_rules(e->ctx, rs);
}

int eve_file_write_asset(struct eve_file *e, const void *msg, size_t len)
{
    if (!e->ops || !e->ops->write_asset)
        return -ENOTSUP;
    return e->ops->write_asset(e->ctx, msg, len);
}

int eve_file_write(struct eve_file *e, const struct json_buf *rec)
{
    if (rec->err || !rec->p)
        return -EINVAL;
    if (e->ops)
        return e->ops->write(e->ctx, rec->p, rec->len);
    size_t need = rec->len + 1;
    int rc = 0;
    if (e->len + need > EVE_FILE_BATCH)
        rc = eve_file_flush(e);
    if (need > EVE_FILE_BATCH) {
        /* Larger than a batch: appended on its own, newline included, in
         * one locked append so that no other record lands inside it. */
        char *line = malloc(need);
        if (!line)
            return -ENOMEM;
        memcpy(line, rec->p, rec->len);
        line[rec->len] = '\n';
        int r = eve_file_sink_append(e->sink, line, need, 1);
        free(line);
        return r < 0 ? r : rc;
    }
    memcpy(e->buf + e->len, rec->p, rec->len);
    e->buf[e->len + rec->len] = '\n';
    e->len += need;
    e->records++;
    return rc;
}

struct eve_file *eve_file_open(const char *logdir)
{
    struct eve_file_sink *s = eve_file_sink_open(logdir, "eve.json");
    if (!s)
        return NULL;
    struct eve_file *e = eve_file_new(s);
    if (!e) {
        eve_file_sink_close(s);
        errno = ENOMEM;
        return NULL;
    }
    e->own_sink = true;
    return e;
}

int eve_file_close(struct eve_file *e)
{
    if (!e)
        return 0;
    int rc = eve_file_flush(e);
    struct eve_file_sink *s = e->own_sink ? e->sink : NULL;
    e->own_sink = false;
    eve_file_free(e);
    int rc2 = eve_file_sink_close(s);
    return rc < 0 ? rc : rc2;
}

const char *eve_file_path(const struct eve_file *e)
{
    return e->sink ? e->sink->path : "(output thread)";
}
