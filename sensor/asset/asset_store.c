#include "asset/asset_store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asset/asset_oui.h"
#include "asset/asset_registry.h"
#include "asset/asset_vulns.h"

/* Lines are written (and handed to the writer) in runs of about this. */
#define ASSET_STORE_RUN (1u << 20)

/* A run of whole lines, in the order they go into the file. */
struct asset_store_chunk {
    struct asset_store_chunk *next;
    char *p; /* owned */
    size_t len;
};

/* One rewrite in the background. Who owns what (no field is touched by
 * both threads without mu):
 * - under mu, both threads: head/tail/queued (the output thread appends,
 *   the writer takes from the head), sealed and cancel (set by the output
 *   thread), done and rc (set by the writer, once);
 * - the writer's from pthread_create() until it sets done, then the output
 *   thread's (read after pthread_join()): fd, written;
 * - set before pthread_create(), read-only after: hook, hook_ctx, tmp, path;
 * - the output thread's alone: ids, ids_len, ids_off, appended, thread.
 * The writer never sees the table: it writes bytes the output thread
 * formatted. It renames the file too: once sealed is set the output
 * thread appends nothing to assets.json until it has joined the writer,
 * so no append can go to the file being replaced. */
struct asset_store_job {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct asset_store_chunk *head, *tail;
    size_t queued; /* bytes in the queue */
    bool sealed;   /* nothing more will be queued */
    bool cancel;   /* the writer is to give up */
    bool done;     /* the writer has finished, with rc */
    int rc;
    int fd;
    uint64_t written;
    asset_store_hook hook;
    void *hook_ctx;
    char *ids; /* the entries' ids, NUL-separated, least recently seen first */
    size_t ids_len, ids_off;
    uint64_t appended; /* bytes of it that are appended lines (a device twice) */
    pthread_t thread;
    char tmp[1110], path[1100];
};

struct asset_store {
    char dir[1024];
    bool read_only;
    struct asset_oui *oui;
    struct asset_registry *registry;
    struct asset_vulns *vulns;
    struct asset_table *table;
    bool dirty;
    bool compact; /* the next save rewrites the whole file */
    uint64_t saved_ms;
    uint64_t file_bytes; /* assets.json's size after its last rewrite */
    uint64_t appended;   /* bytes appended since */
    size_t loaded, load_errors;
    uint32_t slice;
    struct asset_store_job *job; /* the rewrite in flight, or NULL */
    struct asset_store_stats st;
    asset_store_hook hook;
    void *hook_ctx;
    struct asset_sink user; /* the output's sink; ours wraps it */
    struct json_buf out;
};

static void asset_store_on_record(void *ctx, const struct json_buf *rec)
{
    struct asset_store *s = ctx;
    s->dirty = true;
    if (s->user.record)
        s->user.record(s->user.ctx, rec);
}

static void asset_store_on_event(void *ctx, const struct asset_event *ev)
{
    struct asset_store *s = ctx;
    if (s->user.event)
        s->user.event(s->user.ctx, ev);
}

static void asset_store_on_save(void *ctx, const struct asset *a, const struct json_buf *obj)
{
    struct asset_store *s = ctx;
    if (s->user.save)
        s->user.save(s->user.ctx, a, obj);
}

struct asset_store *asset_store_new(const struct asset_store_config *c, char *err, size_t errlen)
{
    struct asset_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "assets: out of memory");
        return NULL;
    }
    json_init(&s->out);
    snprintf(s->dir, sizeof s->dir, "%s", c->dir ? c->dir : "");
    s->read_only = c->read_only;
    s->slice = c->slice ? c->slice : ASSET_STORE_SLICE;
    s->oui = asset_oui_new();
    if (!s->oui) {
        snprintf(err, errlen, "assets: out of memory");
        goto fail;
    }
    const char *oui_dir = c->oui_dir && *c->oui_dir ? c->oui_dir : ASSET_OUI_DIR;
    int rc = asset_oui_load_dir(s->oui, oui_dir);
    if (rc < 0) /* vendors are a help, not a need: say so and go on */
        fprintf(stderr, "mamori: assets: no MAC vendors: %s/oui.csv: %s (install ieee-data)\n",
                oui_dir, strerror(-rc));
    if (c->registry && *c->registry) {
        s->registry = asset_registry_load(c->registry, err, errlen);
        if (!s->registry)
            goto fail;
    }
    if (c->vulns && *c->vulns) {
        s->vulns = asset_vulns_load(c->vulns, err, errlen);
        if (!s->vulns)
            goto fail;
    }
    struct asset_table_config tc = {
        .max_assets = c->max_assets,
        .networks = c->networks,
        .oui = s->oui,
        .registry = s->registry,
        .vulns = s->vulns,
    };
    s->table = asset_table_new(&tc, err, errlen);
    if (!s->table)
        goto fail;
    struct asset_sink sink = {asset_store_on_record, asset_store_on_event, asset_store_on_save, s};
    asset_table_set_sink(s->table, &sink);
    if (s->dir[0]) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%s", s->dir, ASSET_STORE_FILE);
        uint8_t *buf;
        size_t len;
        rc = asset_read_file(path, &buf, &len);
        if (rc == 0) {
            s->file_bytes = len;
            size_t lines = 0;
            for (size_t i = 0; i < len; i++)
                lines += buf[i] == '\n';
            int n = asset_table_load_json(s->table, buf, len, &s->load_errors);
            free(buf);
            /* Appended lines left by a run that did not stop (several
             * lines of a device): rewritten at the next save, at the
             * latest at stop. */
            if (n >= 0 && lines > (size_t)n + s->load_errors) {
                s->compact = true;
                s->appended = len;
            }
            if (n > 0)
                s->loaded = (size_t)n;
            if (s->load_errors)
                fprintf(stderr, "mamori: %s: %zu lines could not be read\n", path, s->load_errors);
        } else if (rc != -ENOENT) {
            snprintf(err, errlen, "%s: %s", path, strerror(-rc));
            goto fail;
        }
    }
    return s;
fail:
    asset_store_free(s);
    return NULL;
}

void asset_store_set_sink(struct asset_store *s, const struct asset_sink *sink)
{
    s->user = *sink;
}

struct asset_table *asset_store_table(struct asset_store *s)
{
    return s->table;
}

void asset_store_evidence(struct asset_store *s, const uint8_t *p, size_t len)
{
    asset_table_evidence(s->table, p, len);
}

static int asset_store_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void asset_store_path(const struct asset_store *s, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", s->dir, ASSET_STORE_FILE);
}

/* -- the rewrite in the background ------------------------------------ */

static void asset_store_job_free(struct asset_store_job *j)
{
    if (!j)
        return;
    for (struct asset_store_chunk *c = j->head, *next; c; c = next) {
        next = c->next;
        free(c->p);
        free(c);
    }
    if (j->fd >= 0)
        close(j->fd);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    free(j->ids);
    free(j);
}

/* The writer thread: the queued runs to assets.json.tmp, in order, until
 * the output thread seals the queue; then fsync, and the rename over
 * assets.json (here too: dropping the old file's blocks takes time). */
static void *asset_store_writer_main(void *arg)
{
    struct asset_store_job *j = arg;
    int rc = 0;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->head && !j->sealed && !j->cancel)
            pthread_cond_wait(&j->cv, &j->mu);
        if (j->cancel) {
            rc = -ECANCELED;
            break;
        }
        struct asset_store_chunk *c = j->head;
        if (!c)
            break; /* sealed, and all written */
        j->head = c->next;
        if (!j->head)
            j->tail = NULL;
        pthread_mutex_unlock(&j->mu);
        if (j->hook)
            rc = j->hook(j->hook_ctx, ASSET_STORE_STEP_WRITE);
        if (rc == 0)
            rc = asset_store_write_all(j->fd, c->p, c->len);
        if (rc == 0)
            j->written += c->len;
        size_t len = c->len;
        free(c->p);
        free(c);
        pthread_mutex_lock(&j->mu);
        j->queued -= len;
        if (rc < 0)
            break;
    }
    pthread_mutex_unlock(&j->mu);
    if (rc == 0 && j->hook)
        rc = j->hook(j->hook_ctx, ASSET_STORE_STEP_SYNC);
    if (rc == 0 && fsync(j->fd) != 0)
        rc = -errno;
    if (close(j->fd) != 0 && rc == 0)
        rc = -errno;
    j->fd = -1;
    if (rc == 0 && j->hook)
        rc = j->hook(j->hook_ctx, ASSET_STORE_STEP_RENAME);
    /* A cancel comes at stop (the file is then rewritten on the output
     * thread, after the join) or before the seal (never here); one that
     * comes after this check finds the file renamed, which is as good. */
    pthread_mutex_lock(&j->mu);
    if (rc == 0 && j->cancel)
        rc = -ECANCELED;
    pthread_mutex_unlock(&j->mu);
    if (rc == 0 && rename(j->tmp, j->path) != 0)
        rc = -errno;
    pthread_mutex_lock(&j->mu);
    j->rc = rc;
    j->done = true;
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* Hands a run of lines to the writer (taken over: *p is NULL after).
 * -ENOBUFS past limit queued bytes, -ECANCELED when the writer stopped. */
static int asset_store_job_push(struct asset_store_job *j, char **p, size_t len, size_t limit)
{
    struct asset_store_chunk *c = malloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    c->next = NULL;
    c->p = *p;
    c->len = len;
    int rc = 0;
    pthread_mutex_lock(&j->mu);
    if (j->done || j->sealed || j->cancel)
        rc = -ECANCELED;
    else if (j->queued + len > limit)
        rc = -ENOBUFS;
    if (rc == 0) {
        if (j->tail)
            j->tail->next = c;
        else
            j->head = c;
        j->tail = c;
        j->queued += len;
        pthread_cond_signal(&j->cv);
    }
    pthread_mutex_unlock(&j->mu);
    if (rc < 0) {
        free(c);
        return rc;
    }
    *p = NULL;
    return 0;
}

/* What the rewrite in flight holds, in the table's memory. */
static void asset_store_account(struct asset_store *s)
{
    uint64_t m = 0;
    if (s->job) {
        pthread_mutex_lock(&s->job->mu);
        m = s->job->queued;
        pthread_mutex_unlock(&s->job->mu);
        m += s->job->ids_len;
    }
    asset_table_account(s->table, (int64_t)(m - s->st.memory));
    s->st.memory = m;
}

/* The writer told to stop and joined; assets.json stays as it is. */
static void asset_store_job_end(struct asset_store *s, bool failed)
{
    struct asset_store_job *j = s->job;
    pthread_mutex_lock(&j->mu);
    j->cancel = true;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thread, NULL);
    if (failed) {
        unlink(j->tmp);
        s->compact = true; /* tried again at the next save */
        s->st.rewrite_failures++;
    }
    s->job = NULL;
    asset_store_job_free(j);
    asset_store_account(s);
}

/* Takes the ids and starts the writer. Returns 0 or -errno (then nothing
 * is in flight). */
static int asset_store_job_start(struct asset_store *s)
{
    if (s->hook) {
        int rc = s->hook(s->hook_ctx, ASSET_STORE_STEP_START);
        if (rc < 0)
            return rc;
    }
    struct asset_store_job *j = calloc(1, sizeof *j);
    if (!j)
        return -ENOMEM;
    j->fd = -1;
    if (pthread_mutex_init(&j->mu, NULL) != 0) {
        free(j);
        return -ENOMEM;
    }
    if (pthread_cond_init(&j->cv, NULL) != 0) {
        pthread_mutex_destroy(&j->mu);
        free(j);
        return -ENOMEM;
    }
    int rc = 0;
    /* Ids only, not the entries: a slice looks each up again, so one
     * evicted meanwhile is skipped, and one changed is written as it is
     * then (and appended again after, if it changes after its slice).
     * The append that follows takes them, in the same walk. */
    size_t n = (size_t)asset_table_stats(s->table)->assets;
    j->ids = malloc(n * ASSET_ID_MAX + 1);
    if (!j->ids) {
        rc = -ENOMEM;
        goto fail;
    }
    asset_store_path(s, j->path, sizeof j->path);
    snprintf(j->tmp, sizeof j->tmp, "%s.tmp", j->path);
    j->fd = open(j->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (j->fd < 0) {
        rc = -errno;
        goto fail;
    }
    j->hook = s->hook;
    j->hook_ctx = s->hook_ctx;
    rc = -pthread_create(&j->thread, NULL, asset_store_writer_main, j);
    if (rc < 0) {
        unlink(j->tmp);
        goto fail;
    }
    s->job = j;
    asset_store_account(s);
    return 0;
fail:
    asset_store_job_free(j);
    return rc;
}

static int asset_store_line_put(struct asset_store *s, struct json_buf *run, const struct asset *a)
{
    json_reset(&s->out);
    asset_json_object(&s->out, NULL, a);
    if (s->out.err)
        return -ENOMEM;
    json_raw(run, s->out.p, s->out.len);
    json_raw(run, "\n", 1);
    return run->err ? -ENOMEM : 0;
}

/* The writer done: assets.json.tmp is assets.json now, or removed. */
static int asset_store_job_finish(struct asset_store *s)
{
    struct asset_store_job *j = s->job;
    pthread_join(j->thread, NULL);
    int rc = j->rc;
    if (rc < 0) {
        unlink(j->tmp);
        s->compact = true;
        s->st.rewrite_failures++;
    } else {
        /* The appended lines it holds are what a rewrite at stop drops. */
        s->file_bytes = j->written - j->appended;
        s->appended = j->appended;
        s->st.rewrites++;
    }
    s->job = NULL;
    asset_store_job_free(j);
    asset_store_account(s);
    return rc;
}

/* One step of the rewrite in flight: the next slice of entries formatted
 * and queued (unless the writer is ASSET_STORE_QUEUE_MAX behind), the
 * queue sealed after the last, or the file renamed once it is written. */
static int asset_store_job_step(struct asset_store *s)
{
    struct asset_store_job *j = s->job;
    pthread_mutex_lock(&j->mu);
    bool done = j->done, sealed = j->sealed;
    size_t queued = j->queued;
    pthread_mutex_unlock(&j->mu);
    if (done)
        return asset_store_job_finish(s);
    if (sealed || queued >= ASSET_STORE_QUEUE_MAX)
        return 0;
    struct json_buf run;
    json_init(&run);
    int rc = 0;
    for (uint32_t k = 0; k < s->slice && j->ids_off < j->ids_len && rc == 0; k++) {
        const char *id = j->ids + j->ids_off;
        j->ids_off += strlen(id) + 1;
        const struct asset *a = asset_table_find(s->table, id);
        if (a) /* else evicted since */
            rc = asset_store_line_put(s, &run, a);
    }
    if (rc == 0 && run.len)
        rc = asset_store_job_push(j, &run.p, run.len, SIZE_MAX);
    json_free(&run);
    if (rc == 0 && j->ids_off >= j->ids_len) {
        pthread_mutex_lock(&j->mu);
        j->sealed = true;
        pthread_cond_signal(&j->cv);
        pthread_mutex_unlock(&j->mu);
    }
    if (rc < 0 && rc != -ECANCELED)
        asset_store_job_end(s, true); /* out of memory: assets.json stays, tried again */
    else
        asset_store_account(s);
    return rc == -ECANCELED ? 0 : rc; /* the writer failed: seen at the next step */
}

/* -- writing lines ------------------------------------------------------ */

/* Lines gathered in runs of ASSET_STORE_RUN, each written to fd (when
 * there is one) and handed to job (when there is one). */
struct asset_store_writer {
    struct asset_store *s;
    int fd;
    struct asset_store_job *job;
    struct asset_store_job *ids; /* takes every entry's id */
    bool dirty_only;
    int rc;  /* of the file */
    int qrc; /* of the job */
    struct json_buf run;
    size_t bytes; /* written to fd */
};

static void asset_store_run_out(struct asset_store_writer *w)
{
    if (!w->run.len)
        return;
    if (w->fd >= 0 && w->rc == 0) {
        w->rc = asset_store_write_all(w->fd, w->run.p, w->run.len);
        if (w->rc == 0)
            w->bytes += w->run.len;
    }
    if (w->job && w->qrc == 0) {
        size_t len = w->run.len;
        w->qrc = asset_store_job_push(w->job, &w->run.p, len, 2 * ASSET_STORE_QUEUE_MAX);
        if (w->qrc == 0)
            w->job->appended += len;
    }
    if (!w->run.p)
        json_init(&w->run); /* taken by the job */
    else
        json_reset(&w->run);
}

/* One object a line: a reader takes what it can, line by line. */
static void asset_store_line(void *ctx, const struct asset *a)
{
    struct asset_store_writer *w = ctx;
    if (w->ids) { /* whatever happens to the file */
        size_t n = strlen(a->id) + 1;
        memcpy(w->ids->ids + w->ids->ids_len, a->id, n);
        w->ids->ids_len += n;
    }
    if (w->rc < 0 || (w->dirty_only && !a->dirty))
        return;
    if (asset_store_line_put(w->s, &w->run, a) < 0) {
        w->rc = -ENOMEM;
        return;
    }
    if (w->run.len >= ASSET_STORE_RUN)
        asset_store_run_out(w);
}

static int asset_store_save(struct asset_store *s)
{
    char path[1100], tmp[1110];
    asset_store_path(s, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    struct asset_store_writer w = {.s = s, .fd = fd, .dirty_only = false};
    json_init(&w.run);
    asset_table_foreach(s->table, asset_store_line, &w);
    asset_store_run_out(&w);
    json_free(&w.run);
    int rc = w.rc;
    if (fsync(fd) != 0 && rc == 0)
        rc = -errno;
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
    if (rc == 0) {
        s->file_bytes = (uint64_t)w.bytes;
        s->appended = 0;
    }
    return rc;
}

/* Only the entries that changed since the last save, appended: a reader
 * takes the last line of each device (asset_table_load_json). A line
 * cut by a crash is one unreadable line; the ones before it stand. With a
 * rewrite in flight the same lines go to the new file too, after what
 * was formatted for it so far (an entry formatted before a change is
 * followed there by its newer line). */
static int asset_store_append(struct asset_store *s, bool started)
{
    char path[1100];
    asset_store_path(s, path, sizeof path);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        int rc = -errno;
        if (started) /* no ids: nothing to rewrite */
            asset_store_job_end(s, true);
        return rc;
    }
    struct asset_store_writer w = {
        .s = s, .fd = fd, .job = s->job, .ids = started ? s->job : NULL, .dirty_only = true};
    json_init(&w.run);
    asset_table_foreach(s->table, asset_store_line, &w);
    asset_store_run_out(&w);
    json_free(&w.run);
    int rc = w.rc;
    if (fdatasync(fd) != 0 && rc == 0)
        rc = -errno;
    close(fd);
    s->appended += (uint64_t)w.bytes;
    if (started && s->job) {
        char *shrunk = realloc(s->job->ids, s->job->ids_len + 1);
        if (shrunk)
            s->job->ids = shrunk;
    }
    if (s->job && w.qrc < 0 && w.qrc != -ECANCELED)
        asset_store_job_end(s, true); /* the new file would miss lines: given up */
    else if (s->job)
        asset_store_account(s);
    return rc;
}

int asset_store_flush(struct asset_store *s, uint64_t now_ms, bool force)
{
    if (!s->dir[0] || s->read_only)
        return 0;
    int rc = 0;
    if (s->job && force)
        asset_store_job_end(s, false); /* at stop: rewritten here, whole */
    if (s->job) {
        rc = asset_store_job_step(s);
        bool sealed = false;
        if (s->job) {
            pthread_mutex_lock(&s->job->mu);
            sealed = s->job->sealed;
            pthread_mutex_unlock(&s->job->mu);
        }
        /* Every line is queued: what changes now goes to assets.json
         * after the rename (the new file), at the next save. */
        if (sealed)
            return rc;
    }
    /* At stop, a file with appended lines is rewritten even when nothing
     * changed since: at rest it holds one line a device. */
    if (!s->dirty && !(force && s->appended))
        return rc;
    if (!force && now_ms < s->saved_ms + ASSET_STORE_SAVE_MS)
        return rc;
    s->saved_ms = now_ms;
    /* Between rewrites only what changed is appended, so a save costs
     * what changed, not the whole inventory; the file is rewritten once
     * the appended lines weigh as much as it did (at least
     * ASSET_STORE_COMPACT_MIN), when entries came from elsewhere (Redis),
     * and when the sensor stops. The first save creates it by appending. */
    uint64_t bound =
        s->file_bytes > ASSET_STORE_COMPACT_MIN ? s->file_bytes : ASSET_STORE_COMPACT_MIN;
    bool whole = !s->job && (force || s->compact || s->appended >= bound);
    bool started = false;
    if (whole && !force) {
        /* In the background; what changed is appended now all the same,
         * so that it is saved before the new file is in place. */
        started = asset_store_job_start(s) == 0;
        if (started) {
            whole = false;
            s->compact = false;
        } else {
            s->st.rewrite_fallbacks++;
        }
    }
    int r = whole ? asset_store_save(s) : asset_store_append(s, started);
    if (r < 0 && !whole)
        s->compact = true; /* the file may end with a partial line: rewrite it next time */
    if (r == 0) {
        if (whole)
            s->compact = false;
        s->dirty = false;
        asset_table_clean(s->table);
    }
    return r < 0 ? r : rc;
}

void asset_store_compact(struct asset_store *s)
{
    s->compact = true;
    s->dirty = true;
}

bool asset_store_rewriting(const struct asset_store *s)
{
    return s->job != NULL;
}

const struct asset_store_stats *asset_store_stats(const struct asset_store *s)
{
    return &s->st;
}

void asset_store_set_hook(struct asset_store *s, asset_store_hook fn, void *ctx)
{
    s->hook = fn;
    s->hook_ctx = ctx;
}

void asset_store_set_files(struct asset_store *s, struct asset_registry *registry,
                           struct asset_vulns *vulns)
{
    asset_table_set_files(s->table, registry, vulns);
    asset_registry_free(s->registry);
    asset_vulns_free(s->vulns);
    s->registry = registry;
    s->vulns = vulns;
}

int asset_store_load(struct asset_store *s, const uint8_t *p, size_t len)
{
    int n = asset_table_load_json(s->table, p, len, &s->load_errors);
    if (n > 0) {
        s->loaded += (size_t)n;
        s->dirty = true; /* from elsewhere (Redis): kept in assets.json too */
        s->compact = true;
    }
    return n;
}

size_t asset_store_loaded(const struct asset_store *s)
{
    return s->loaded;
}

size_t asset_store_load_errors(const struct asset_store *s)
{
    return s->load_errors;
}

void asset_store_free(struct asset_store *s)
{
    if (!s)
        return;
    if (s->job)
        asset_store_job_end(s, false);
    if (s->table) {
        int rc = asset_store_flush(s, 0, true);
        if (rc < 0)
            fprintf(stderr, "mamori: cannot write %s/%s: %s\n", s->dir, ASSET_STORE_FILE,
                    strerror(-rc));
    }
    asset_table_free(s->table);
    asset_vulns_free(s->vulns);
    asset_registry_free(s->registry);
    asset_oui_free(s->oui);
    json_free(&s->out);
    free(s);
}

/* -- export ------------------------------------------------------------- */

struct asset_export {
    FILE *out;
    bool csv;
    struct json_buf *b;
};

/* One CSV field: quoted when it holds a comma, quote or line break. */
static void asset_csv_put(FILE *out, const char *s, bool last)
{
    if (!s)
        s = "";
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
    fputc(last ? '\n' : ',', out);
}

static void asset_csv_join(char *buf, size_t cap, const struct asset_strs *s)
{
    size_t n = 0;
    buf[0] = 0;
    for (uint8_t i = 0; i < s->n && n < cap; i++) {
        int k = snprintf(buf + n, cap - n, "%s%s", i ? " " : "", s->v[i]);
        n += k > 0 ? (size_t)k : 0;
    }
}

static const char *const asset_csv_columns[] = {"id",
                                                "mac",
                                                "vendor",
                                                "ips",
                                                "hostnames",
                                                "type",
                                                "subtype",
                                                "role",
                                                "registry",
                                                "name",
                                                "department",
                                                "ae_titles",
                                                "dicom_implementation_version",
                                                "hl7_applications",
                                                "ssh_banners",
                                                "http_user_agents",
                                                "vulns",
                                                "first_seen",
                                                "last_seen",
                                                "bytes_in",
                                                "bytes_out",
                                                "evidence"};

static void asset_export_line(void *ctx, const struct asset *a)
{
    struct asset_export *x = ctx;
    if (!x->csv) {
        json_reset(x->b);
        asset_json_object(x->b, NULL, a);
        fwrite(x->b->p, 1, x->b->len, x->out);
        fputc('\n', x->out);
        return;
    }
    char mac[18] = "", buf[2048], t1[40], t2[40], num[24];
    if (a->has_mac)
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", a->mac[0], a->mac[1], a->mac[2],
                 a->mac[3], a->mac[4], a->mac[5]);
    asset_csv_put(x->out, a->id, false);
    asset_csv_put(x->out, mac, false);
    asset_csv_put(x->out, a->vendor, false);
    asset_csv_join(buf, sizeof buf, &a->ips);
    asset_csv_put(x->out, buf, false);
    asset_csv_join(buf, sizeof buf, &a->hostnames);
    asset_csv_put(x->out, buf, false);
    asset_csv_put(x->out, a->type, false);
    asset_csv_put(x->out, a->subtype, false);
    asset_csv_put(x->out, a->role, false);
    static const char *const status[] = {"", "registered", "unregistered", "retired"};
    asset_csv_put(x->out, a->reg_status < 4 ? status[a->reg_status] : "", false);
    asset_csv_put(x->out, a->reg ? a->reg->name : "", false);
    asset_csv_put(x->out, a->reg ? a->reg->department : "", false);
    size_t n = 0;
    buf[0] = 0;
    for (uint8_t i = 0; i < a->n_ae; i++) {
        int k = snprintf(buf + n, sizeof buf - n, "%s%s/%s", i ? " " : "", a->ae[i].ae,
                         a->ae[i].scp ? "SCP" : "SCU");
        n += k > 0 && (size_t)k < sizeof buf - n ? (size_t)k : 0;
    }
    asset_csv_put(x->out, buf, false);
    asset_csv_put(x->out, a->impl_version.n ? a->impl_version.v[a->impl_version.n - 1] : "", false);
    asset_csv_join(buf, sizeof buf, &a->hl7_apps);
    asset_csv_put(x->out, buf, false);
    asset_csv_join(buf, sizeof buf, &a->ssh);
    asset_csv_put(x->out, buf, false);
    asset_csv_join(buf, sizeof buf, &a->user_agents);
    asset_csv_put(x->out, buf, false);
    n = 0;
    buf[0] = 0;
    for (uint8_t i = 0; i < a->n_vulns; i++) {
        int k = snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "", a->vulns[i]->ids);
        n += k > 0 && (size_t)k < sizeof buf - n ? (size_t)k : 0;
    }
    asset_csv_put(x->out, buf, false);
    struct json_buf tb;
    json_init(&tb);
    json_time(&tb, NULL, a->first_us);
    snprintf(t1, sizeof t1, "%.*s", tb.len > 2 ? (int)tb.len - 2 : 0, tb.p ? tb.p + 1 : "");
    json_reset(&tb);
    json_time(&tb, NULL, a->last_us);
    snprintf(t2, sizeof t2, "%.*s", tb.len > 2 ? (int)tb.len - 2 : 0, tb.p ? tb.p + 1 : "");
    json_free(&tb);
    asset_csv_put(x->out, t1, false);
    asset_csv_put(x->out, t2, false);
    snprintf(num, sizeof num, "%llu", (unsigned long long)a->bytes_in);
    asset_csv_put(x->out, num, false);
    snprintf(num, sizeof num, "%llu", (unsigned long long)a->bytes_out);
    asset_csv_put(x->out, num, false);
    n = 0;
    buf[0] = 0;
    for (uint8_t i = 0; i < a->n_evidence; i++) {
        int k = snprintf(buf + n, sizeof buf - n, "%s%s", i ? "; " : "", a->evidence[i]);
        n += k > 0 && (size_t)k < sizeof buf - n ? (size_t)k : 0;
    }
    asset_csv_put(x->out, buf, true);
}

int asset_store_write(struct asset_store *s, const char *format, FILE *out)
{
    struct asset_export x = {out, false, &s->out};
    if (strcmp(format, "csv") == 0) {
        x.csv = true;
        size_t nc = sizeof asset_csv_columns / sizeof asset_csv_columns[0];
        for (size_t i = 0; i < nc; i++)
            asset_csv_put(out, asset_csv_columns[i], i + 1 == nc);
    } else if (strcmp(format, "json") != 0) {
        return -EINVAL;
    }
    asset_table_foreach(s->table, asset_export_line, &x);
    return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
