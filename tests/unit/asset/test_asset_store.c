/* asset/asset_store.c: assets.json written whole (temporary file, rename)
 * or appended to, read back at start, exported as csv and json; the
 * rewrite in the background (writer thread) held or failed at each of its
 * steps, the process killed there, changes made meanwhile. */
#include "asset/asset_store.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asset/asset_evidence.h"

#include "../test.h"

static int records;

static void on_record(void *ctx, const struct json_buf *rec)
{
    (void)ctx;
    if (strstr(rec->p, "\"event\":\"new\""))
        records++;
}

static void feed_banner(struct asset_store *s, const char *banner, uint64_t ts);

static void feed(struct asset_store *s)
{
    feed_banner(s, "SSH-2.0-OpenSSH_9.2p1, \"x\"", 1768467601000000);
}

static void feed_banner(struct asset_store *s, const char *banner, uint64_t ts)
{
    struct asset_evidence_buf m;
    struct asset_evidence_head h = {.ip_version = 4,
                                    .l4proto = 6,
                                    .flags =
                                        ASSET_EV_FLOW | ASSET_EV_ANSWERED | ASSET_EV_CLIENT_MAC,
                                    .dport = 22,
                                    .first_us = 1768467600000000,
                                    .last_us = ts,
                                    .client_mac = {0x02, 0, 0, 0, 0, 1},
                                    .app_proto = "ssh"};
    h.client_ip[0] = 10;
    h.client_ip[3] = 1;
    h.server_ip[0] = 10;
    h.server_ip[3] = 2;
    asset_evidence_begin(&m, &h);
    asset_evidence_add_str(&m, AEV_SSH_BANNER, ASSET_SERVER, banner);
    asset_store_evidence(s, m.b, m.len);
}

static void test_save_load_export(void)
{
    char dir[] = "/tmp/mamori-asset-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct asset_store_config c = {.enabled = true, .dir = dir, .max_assets = 10};
    char err[256];
    struct asset_store *s = asset_store_new(&c, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    struct asset_sink sink = {on_record, NULL, NULL, NULL};
    asset_store_set_sink(s, &sink);
    records = 0;
    feed(s);
    CHECK_EQ_INT(records, 2);
    CHECK_EQ_INT(asset_store_flush(s, ASSET_STORE_SAVE_MS, false), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, ASSET_STORE_FILE);
    CHECK(access(path, R_OK) == 0);
    asset_store_free(s);

    s = asset_store_new(&c, err, sizeof err);
    CHECK(s && asset_store_loaded(s) == 2 && asset_store_load_errors(s) == 0);
    asset_store_set_sink(s, &sink);
    records = 0;
    feed(s);
    CHECK_EQ_INT(records, 0); /* known from assets.json */

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CHECK_EQ_INT(asset_store_write(s, "csv", out), 0);
    fclose(out);
    CHECK(strncmp(text, "id,mac,vendor,ips,", 18) == 0);
    CHECK(strstr(text, "\"SSH-2.0-OpenSSH_9.2p1, \"\"x\"\"\"") != NULL);
    CHECK(strstr(text, "mac-020000000001,02:00:00:00:00:01,") != NULL);
    free(text);
    out = open_memstream(&text, &len);
    CHECK_EQ_INT(asset_store_write(s, "json", out), 0);
    fclose(out);
    CHECK(strstr(text, "{\"id\":\"ip-10.0.0.2\"") != NULL);
    free(text);
    out = open_memstream(&text, &len);
    CHECK(asset_store_write(s, "xml", out) < 0);
    fclose(out);
    free(text);
    asset_store_free(s);

    /* A damaged file: the whole lines are kept, the rest counted. */
    FILE *f = fopen(path, "a");
    fputs("{\"id\":\"mac-0\n{not json}\n", f);
    fclose(f);
    s = asset_store_new(&c, err, sizeof err);
    CHECK(s && asset_store_loaded(s) == 2 && asset_store_load_errors(s) == 2);
    asset_store_free(s);
    unlink(path);
    rmdir(dir);
}

static void test_bad_files(void)
{
    char dir[] = "/tmp/mamori-asset-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char reg[600];
    snprintf(reg, sizeof reg, "%s/registry.csv", dir);
    FILE *f = fopen(reg, "w");
    fputs("address,name,type,department,status\n10.0.0.1,a,b,c,gone\n", f);
    fclose(f);
    struct asset_store_config c = {.enabled = true, .dir = dir, .max_assets = 10, .registry = reg};
    char err[1024] = "";
    CHECK(asset_store_new(&c, err, sizeof err) == NULL);
    char want[700];
    snprintf(want, sizeof want, "%s:2:16: status", reg);
    CHECK(strncmp(err, want, strlen(want)) == 0);
    c.registry = "/nonexistent/registry.csv";
    CHECK(asset_store_new(&c, err, sizeof err) == NULL);
    CHECK(strstr(err, "No such file") != NULL);
    unlink(reg);
    rmdir(dir);
}

static size_t lines_of(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    int ch;
    while (f && (ch = fgetc(f)) != EOF)
        n += ch == '\n';
    if (f)
        fclose(f);
    return n;
}

/* Between rewrites only the changed entries are appended; a restart reads
 * the last line of each device; stopping rewrites the file whole. */
static void test_append_restart(void)
{
    char dir[] = "/tmp/mamori-asset-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct asset_store_config c = {.enabled = true, .dir = dir, .max_assets = 10};
    char err[256], path[512];
    snprintf(path, sizeof path, "%s/%s", dir, ASSET_STORE_FILE);
    struct asset_store *s = asset_store_new(&c, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    feed(s);
    CHECK_EQ_INT(asset_store_flush(s, ASSET_STORE_SAVE_MS, false), 0);
    CHECK_EQ_INT((int)lines_of(path), 2); /* no file yet: written whole */
    /* The server shows a new banner: only it is appended. */
    feed_banner(s, "SSH-2.0-OpenSSH_9.9p1", 1768467602000000);
    CHECK_EQ_INT(asset_store_flush(s, 2 * ASSET_STORE_SAVE_MS, false), 0);
    CHECK_EQ_INT((int)lines_of(path), 3);
    /* Nothing changed: nothing written. */
    feed_banner(s, "SSH-2.0-OpenSSH_9.9p1", 1768467603000000);
    CHECK_EQ_INT(asset_store_flush(s, 3 * ASSET_STORE_SAVE_MS, false), 0);
    CHECK_EQ_INT((int)lines_of(path), 3);
    /* A crash now: a restart reads the newer state of the server. */
    struct asset_store *r = asset_store_new(&c, err, sizeof err);
    CHECK(r && asset_store_loaded(r) == 2 && asset_store_load_errors(r) == 0);
    if (r) {
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        CHECK_EQ_INT(asset_store_write(r, "csv", out), 0);
        fclose(out);
        CHECK(strstr(text, "SSH-2.0-OpenSSH_9.9p1") != NULL);
        CHECK(strstr(text, "OpenSSH_9.2p1") != NULL); /* both banners are kept */
        free(text);
        /* Read back with several lines of a device: stopping rewrites it
         * even though nothing changed. */
        asset_store_free(r);
        CHECK_EQ_INT((int)lines_of(path), 2);
        r = asset_store_new(&c, err, sizeof err);
        CHECK(r && asset_store_loaded(r) == 2);
        asset_store_free(r); /* one line a device, nothing changed: left alone */
        CHECK_EQ_INT((int)lines_of(path), 2);
    }
    /* Stopping after a change rewrites the file whole: one line a device. */
    feed_banner(s, "SSH-2.0-OpenSSH_10.0p1", 1768467604000000);
    asset_store_free(s);
    CHECK_EQ_INT((int)lines_of(path), 2);
    s = asset_store_new(&c, err, sizeof err);
    CHECK(s && asset_store_loaded(s) == 2 && asset_store_load_errors(s) == 0);
    asset_store_free(s);
    unlink(path);
    rmdir(dir);
}

/* -- the rewrite in the background ------------------------------------- */

/* Holds the writer at one step (the hold-th time it comes there), or fails
 * that step with fail; counts the steps seen. notify_fd: a byte written
 * there when held (to the parent of a process about to be killed). */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int step, hold, fail;
    bool held, open;
    int seen[4];
    int notify_fd;
};

static void gate_init(struct gate *g, int step, int hold, int fail)
{
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->step = step;
    g->hold = hold;
    g->fail = fail;
    g->notify_fd = -1;
}

static void gate_destroy(struct gate *g)
{
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
}

static int gate_hook(void *ctx, enum asset_store_step step)
{
    struct gate *g = ctx;
    int rc = 0;
    pthread_mutex_lock(&g->mu);
    int n = ++g->seen[step];
    if ((int)step == g->step && n == g->hold) {
        if (g->fail < 0) {
            rc = g->fail;
        } else {
            g->held = true;
            pthread_cond_broadcast(&g->cv);
            if (g->notify_fd >= 0 && write(g->notify_fd, "h", 1) != 1)
                rc = -EIO;
            while (!g->open)
                pthread_cond_wait(&g->cv, &g->mu);
        }
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

static int gate_seen(struct gate *g, enum asset_store_step step)
{
    pthread_mutex_lock(&g->mu);
    int n = g->seen[step];
    pthread_mutex_unlock(&g->mu);
    return n;
}

/* Waits until the writer is held; with saves, as the output thread's
 * passes make them, when it needs more lines to get there. */
static void gate_wait(struct gate *g, struct asset_store *s, uint64_t now, bool saves)
{
    pthread_mutex_lock(&g->mu);
    while (!g->held) {
        if (!saves) {
            pthread_cond_wait(&g->cv, &g->mu);
            continue;
        }
        pthread_mutex_unlock(&g->mu);
        asset_store_flush(s, now, false);
        sched_yield();
        pthread_mutex_lock(&g->mu);
    }
    pthread_mutex_unlock(&g->mu);
}

static void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* The output thread's passes until the rewrite is over. */
static void finish(struct asset_store *s, uint64_t now)
{
    while (asset_store_rewriting(s)) {
        asset_store_flush(s, now, false);
        sched_yield();
    }
}

/* Host i: a client (by its MAC, 02:00:00:00:01:i) talking SSH to a server
 * (by its address, 10.0.2.i) that shows banner: two entries. */
static void feed_host(struct asset_store *s, unsigned i, const char *banner, uint64_t ts)
{
    struct asset_evidence_buf m;
    struct asset_evidence_head h = {.ip_version = 4,
                                    .l4proto = 6,
                                    .flags =
                                        ASSET_EV_FLOW | ASSET_EV_ANSWERED | ASSET_EV_CLIENT_MAC,
                                    .dport = 22,
                                    .first_us = ts,
                                    .last_us = ts,
                                    .client_mac = {0x02, 0, 0, 0, 1, (uint8_t)i},
                                    .app_proto = "ssh"};
    h.client_ip[0] = 10;
    h.client_ip[2] = 1;
    h.client_ip[3] = (uint8_t)i;
    h.server_ip[0] = 10;
    h.server_ip[2] = 2;
    h.server_ip[3] = (uint8_t)i;
    asset_evidence_begin(&m, &h);
    asset_evidence_add_str(&m, AEV_SSH_BANNER, ASSET_SERVER, banner);
    asset_store_evidence(s, m.b, m.len);
}

static struct asset_store *open_store(const char *dir, uint32_t max, uint32_t slice)
{
    struct asset_store_config c = {.enabled = true, .dir = dir, .max_assets = max, .slice = slice};
    char err[256];
    struct asset_store *s = asset_store_new(&c, err, sizeof err);
    CHECK(s != NULL);
    return s;
}

#define S ASSET_STORE_SAVE_MS
#define T0 1768467600000000ull

/* A store with hosts 0..n-1 (banner SSH-2.0-Old) saved once. */
static struct asset_store *saved_store(const char *dir, uint32_t max, uint32_t slice, unsigned n)
{
    struct asset_store *s = open_store(dir, max, slice);
    if (!s)
        return NULL;
    for (unsigned i = 0; i < n; i++)
        feed_host(s, i, "SSH-2.0-Old", T0 + i);
    CHECK_EQ_INT(asset_store_flush(s, S, false), 0);
    return s;
}

/* Asks for a rewrite with the writer gated at step (see gate_init). */
static void gated_compact(struct asset_store *s, struct gate *g, int step, int hold, int fail)
{
    gate_init(g, step, hold, fail);
    asset_store_set_hook(s, gate_hook, g);
    asset_store_compact(s);
}

/* What a restart would read now (after a crash here): the csv export of
 * a store that never writes, what it loaded and could not read. */
static char *restart_view(const char *dir, size_t *loaded, size_t *bad)
{
    struct asset_store_config c = {
        .enabled = true, .dir = dir, .max_assets = 100, .read_only = true};
    char err[256];
    struct asset_store *r = asset_store_new(&c, err, sizeof err);
    *loaded = *bad = 0;
    if (!r)
        return NULL;
    *loaded = asset_store_loaded(r);
    *bad = asset_store_load_errors(r);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    asset_store_write(r, "csv", out);
    fclose(out);
    asset_store_free(r);
    return text;
}

/* The csv row of the server of host i holds what. */
static bool server_has(const char *text, unsigned i, const char *what)
{
    char id[32];
    snprintf(id, sizeof id, "\nip-10.0.2.%u,", i);
    const char *row = text ? strstr(text, id) : NULL;
    if (!row)
        return false;
    const char *end = strchr(row + 1, '\n');
    size_t n = end ? (size_t)(end - row) : strlen(row);
    char line[4096];
    snprintf(line, sizeof line, "%.*s", (int)n, row);
    return strstr(line, what) != NULL;
}

static void files(const char *dir, char *path, char *tmp, size_t len)
{
    snprintf(path, len, "%s/%s", dir, ASSET_STORE_FILE);
    snprintf(tmp, len, "%s/%s.tmp", dir, ASSET_STORE_FILE);
}

static void cleanup(const char *dir)
{
    char path[512], tmp[512];
    files(dir, path, tmp, sizeof path);
    unlink(path);
    unlink(tmp);
    rmdir(dir);
}

/* The saves return while the writer is held in its first write: every
 * slice is formatted and queued meanwhile, assets.json stays the old one;
 * released, the writer puts the new file in place. */
static void test_rewrite_off_caller(void)
{
    char dir[] = "/tmp/mamori-asset-store-XXXXXX", path[512], tmp[512];
    CHECK(mkdtemp(dir) != NULL);
    files(dir, path, tmp, sizeof path);
    struct asset_store *s = saved_store(dir, 100, 2, 8);
    if (!s)
        return;
    CHECK_EQ_INT((int)lines_of(path), 16); /* the first save: appended */
    uint64_t mem0 = asset_table_stats(asset_store_table(s))->memory;
    struct gate g;
    gated_compact(s, &g, ASSET_STORE_STEP_WRITE, 1, 0);
    CHECK_EQ_INT(asset_store_flush(s, 2 * S, false), 0);
    CHECK(asset_store_rewriting(s));
    CHECK_EQ_INT(gate_seen(&g, ASSET_STORE_STEP_START), 1);
    gate_wait(&g, s, 2 * S, true);
    /* More saves than there are slices: all return, the writer held. */
    for (int k = 0; k < 12; k++)
        CHECK_EQ_INT(asset_store_flush(s, 2 * S, false), 0);
    CHECK(asset_store_rewriting(s));
    CHECK_EQ_INT(gate_seen(&g, ASSET_STORE_STEP_WRITE), 1);
    CHECK_EQ_INT(gate_seen(&g, ASSET_STORE_STEP_SYNC), 0);
    CHECK(asset_store_stats(s)->memory > 0);
    CHECK(asset_table_stats(asset_store_table(s))->memory == mem0 + asset_store_stats(s)->memory);
    CHECK_EQ_INT((int)lines_of(path), 16);
    CHECK(access(tmp, F_OK) == 0);
    gate_open(&g);
    finish(s, 2 * S);
    CHECK_EQ_INT(gate_seen(&g, ASSET_STORE_STEP_WRITE), 8); /* one run a slice */
    CHECK_EQ_INT(gate_seen(&g, ASSET_STORE_STEP_SYNC), 1);
    CHECK_EQ_INT(gate_seen(&g, ASSET_STORE_STEP_RENAME), 1);
    const struct asset_store_stats *st = asset_store_stats(s);
    CHECK(st->rewrites == 1 && st->rewrite_fallbacks == 0 && st->rewrite_failures == 0);
    CHECK(st->memory == 0);
    CHECK(asset_table_stats(asset_store_table(s))->memory == mem0);
    CHECK(access(tmp, F_OK) != 0);
    CHECK_EQ_INT((int)lines_of(path), 16);
    size_t loaded, bad;
    char *text = restart_view(dir, &loaded, &bad);
    CHECK(loaded == 16 && bad == 0);
    for (unsigned i = 0; i < 8; i++)
        CHECK(server_has(text, i, "SSH-2.0-Old"));
    free(text);
    asset_store_free(s);
    gate_destroy(&g);
    cleanup(dir);
}

/* Changes while the rewrite is in flight: appended to assets.json (a
 * crash then loses none) and to the new file after the lines formatted
 * before them (the new file loses none either); once every line is queued,
 * appends wait for the rename and then go to the new file. */
static void test_rewrite_changes_survive(void)
{
    char dir[] = "/tmp/mamori-asset-store-XXXXXX", path[512], tmp[512];
    CHECK(mkdtemp(dir) != NULL);
    files(dir, path, tmp, sizeof path);
    struct asset_store *s = saved_store(dir, 100, 2, 8);
    if (!s)
        return;
    struct gate g;
    gated_compact(s, &g, ASSET_STORE_STEP_WRITE, 1, 0);
    CHECK_EQ_INT(asset_store_flush(s, 2 * S, false), 0); /* started */
    CHECK_EQ_INT(asset_store_flush(s, 2 * S, false), 0); /* the first slice: host 0 */
    gate_wait(&g, s, 2 * S, false);
    /* Host 0 was formatted already, host 7 not yet, host 8 is new. */
    feed_host(s, 0, "SSH-2.0-New", T0 + 100);
    feed_host(s, 7, "SSH-2.0-New", T0 + 101);
    feed_host(s, 8, "SSH-2.0-New", T0 + 102);
    CHECK_EQ_INT(asset_store_flush(s, 3 * S, false), 0);
    size_t loaded, bad;
    char *text = restart_view(dir, &loaded, &bad); /* a crash now */
    CHECK(loaded == 18 && bad == 0);
    CHECK(server_has(text, 0, "SSH-2.0-New") && server_has(text, 7, "SSH-2.0-New"));
    CHECK(server_has(text, 8, "SSH-2.0-New") && server_has(text, 3, "SSH-2.0-Old"));
    free(text);
    gate_open(&g);
    finish(s, 3 * S);
    CHECK(asset_store_stats(s)->rewrites == 1);
    text = restart_view(dir, &loaded, &bad);
    CHECK(loaded == 18 && bad == 0);
    CHECK(server_has(text, 0, "SSH-2.0-New") && server_has(text, 7, "SSH-2.0-New"));
    CHECK(server_has(text, 8, "SSH-2.0-New"));
    for (unsigned i = 0; i < 9; i++)
        CHECK(server_has(text, i, "SSH-2.0-Old") == (i != 8));
    free(text);
    /* It holds the appended lines too (a device twice): a save as at stop
     * rewrites it, one line a device, though nothing changed since. */
    CHECK((int)lines_of(path) > 18);
    CHECK_EQ_INT(asset_store_flush(s, 0, true), 0);
    CHECK_EQ_INT((int)lines_of(path), 18);
    gate_destroy(&g);

    /* Held before its fsync: every line is queued, so a change now is
     * saved after the rename, to the new file. */
    gated_compact(s, &g, ASSET_STORE_STEP_SYNC, 1, 0);
    CHECK_EQ_INT(asset_store_flush(s, 4 * S, false), 0);
    gate_wait(&g, s, 4 * S, true);
    feed_host(s, 1, "SSH-2.0-Late", T0 + 200);
    CHECK_EQ_INT(asset_store_flush(s, 5 * S, false), 0);
    text = restart_view(dir, &loaded, &bad);
    CHECK(loaded == 18 && bad == 0 && !server_has(text, 1, "SSH-2.0-Late")); /* not yet */
    free(text);
    gate_open(&g);
    finish(s, 5 * S);
    CHECK(asset_store_stats(s)->rewrites == 2);
    text = restart_view(dir, &loaded, &bad);
    CHECK(loaded == 18 && bad == 0 && server_has(text, 1, "SSH-2.0-Late"));
    CHECK(server_has(text, 0, "SSH-2.0-New"));
    free(text);
    /* The new file holds appended lines too (a device twice): stopping
     * rewrites it, one line a device. */
    CHECK((int)lines_of(path) > 18);
    asset_store_free(s);
    CHECK_EQ_INT((int)lines_of(path), 18);
    gate_destroy(&g);
    cleanup(dir);
}

/* A step that fails leaves assets.json as it was (with what was appended
 * meanwhile), removes the temporary file, is counted and tried again at
 * the next save; one that cannot start is done on the caller's thread. */
static void test_rewrite_failures(void)
{
    static const int steps[] = {ASSET_STORE_STEP_START, ASSET_STORE_STEP_WRITE,
                                ASSET_STORE_STEP_SYNC, ASSET_STORE_STEP_RENAME};
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        char dir[] = "/tmp/mamori-asset-store-XXXXXX", path[512], tmp[512];
        CHECK(mkdtemp(dir) != NULL);
        files(dir, path, tmp, sizeof path);
        struct asset_store *s = saved_store(dir, 100, 2, 4);
        if (!s)
            return;
        struct gate g;
        gated_compact(s, &g, steps[k], 1, -EIO);
        feed_host(s, 0, "SSH-2.0-New", T0 + 100);
        CHECK_EQ_INT(asset_store_flush(s, 2 * S, false), 0);
        finish(s, 2 * S);
        const struct asset_store_stats *st = asset_store_stats(s);
        bool start = steps[k] == ASSET_STORE_STEP_START;
        CHECK_EQ_INT((int)st->rewrite_fallbacks, start ? 1 : 0);
        CHECK_EQ_INT((int)st->rewrite_failures, start ? 0 : 1);
        CHECK_EQ_INT((int)st->rewrites, 0);
        CHECK(st->memory == 0);
        CHECK(access(tmp, F_OK) != 0);
        size_t loaded, bad;
        char *text = restart_view(dir, &loaded, &bad);
        CHECK(loaded == 8 && bad == 0 && server_has(text, 0, "SSH-2.0-New"));
        free(text);
        /* The next save tries again (after a fallback, the file was
         * rewritten: an append). */
        feed_host(s, 1, "SSH-2.0-Newer", T0 + 200);
        CHECK_EQ_INT(asset_store_flush(s, 3 * S, false), 0);
        CHECK(asset_store_rewriting(s) == !start);
        finish(s, 3 * S);
        CHECK_EQ_INT((int)st->rewrites, start ? 0 : 1);
        CHECK(access(tmp, F_OK) != 0);
        text = restart_view(dir, &loaded, &bad);
        CHECK(loaded == 8 && bad == 0 && server_has(text, 1, "SSH-2.0-Newer"));
        CHECK(server_has(text, 0, "SSH-2.0-New") && server_has(text, 3, "SSH-2.0-Old"));
        free(text);
        asset_store_free(s);
        gate_destroy(&g);
        cleanup(dir);
    }
}

/* The process killed with the writer at each step: the file a restart
 * reads holds everything saved before (the temporary file left behind is
 * ignored, and replaced by the next rewrite). */
static void test_rewrite_killed(void)
{
    static const int steps[][2] = {{ASSET_STORE_STEP_WRITE, 1},
                                   {ASSET_STORE_STEP_WRITE, 3},
                                   {ASSET_STORE_STEP_SYNC, 1},
                                   {ASSET_STORE_STEP_RENAME, 1}};
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        char dir[] = "/tmp/mamori-asset-store-XXXXXX", path[512], tmp[512];
        CHECK(mkdtemp(dir) != NULL);
        files(dir, path, tmp, sizeof path);
        int fds[2];
        CHECK(pipe(fds) == 0);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            struct asset_store_config c = {
                .enabled = true, .dir = dir, .max_assets = 100, .slice = 2};
            char err[256];
            struct asset_store *s = asset_store_new(&c, err, sizeof err);
            if (!s)
                _exit(1);
            for (unsigned i = 0; i < 8; i++)
                feed_host(s, i, "SSH-2.0-Old", T0 + i);
            if (asset_store_flush(s, S, false) < 0)
                _exit(1);
            struct gate g;
            gate_init(&g, steps[k][0], steps[k][1], 0);
            g.notify_fd = fds[1];
            asset_store_set_hook(s, gate_hook, &g);
            asset_store_compact(s);
            feed_host(s, 0, "SSH-2.0-New", T0 + 100);
            if (asset_store_flush(s, 2 * S, false) < 0)
                _exit(1);
            for (;;) { /* the output thread goes on until killed */
                asset_store_flush(s, 2 * S, false);
                sched_yield();
            }
        }
        close(fds[1]);
        char b = 0;
        CHECK(read(fds[0], &b, 1) == 1 && b == 'h');
        close(fds[0]);
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        size_t loaded, bad;
        char *text = restart_view(dir, &loaded, &bad);
        CHECK(loaded == 16 && bad == 0);
        CHECK(server_has(text, 0, "SSH-2.0-New") && server_has(text, 7, "SSH-2.0-Old"));
        free(text);
        /* Restarted: the next rewrite replaces what was left. */
        struct asset_store *s = open_store(dir, 100, 2);
        if (!s)
            return;
        CHECK_EQ_INT((int)asset_store_loaded(s), 16);
        feed_host(s, 8, "SSH-2.0-New", T0 + 300);
        asset_store_compact(s);
        CHECK_EQ_INT(asset_store_flush(s, S, false), 0);
        finish(s, S);
        CHECK_EQ_INT((int)asset_store_stats(s)->rewrites, 1);
        CHECK(access(tmp, F_OK) != 0);
        text = restart_view(dir, &loaded, &bad);
        CHECK(loaded == 18 && bad == 0 && server_has(text, 8, "SSH-2.0-New"));
        CHECK(server_has(text, 0, "SSH-2.0-New"));
        free(text);
        asset_store_free(s);
        cleanup(dir);
    }
}

/* Entries evicted before their slice are skipped (their ids found no
 * more), the ones that took their place come with the appended lines. */
static void test_rewrite_evictions(void)
{
    char dir[] = "/tmp/mamori-asset-store-XXXXXX", path[512], tmp[512];
    CHECK(mkdtemp(dir) != NULL);
    files(dir, path, tmp, sizeof path);
    struct asset_store *s = saved_store(dir, 6, 1, 3);
    if (!s)
        return;
    struct gate g;
    gated_compact(s, &g, ASSET_STORE_STEP_WRITE, 1, 0);
    CHECK_EQ_INT(asset_store_flush(s, 2 * S, false), 0);
    CHECK_EQ_INT(asset_store_flush(s, 2 * S, false), 0); /* one entry of host 0 */
    gate_wait(&g, s, 2 * S, false);
    feed_host(s, 3, "SSH-2.0-New", T0 + 100); /* host 0 evicted */
    feed_host(s, 4, "SSH-2.0-New", T0 + 101); /* host 1 evicted */
    CHECK_EQ_INT((int)asset_table_stats(asset_store_table(s))->evicted, 4);
    CHECK_EQ_INT(asset_store_flush(s, 3 * S, false), 0);
    gate_open(&g);
    finish(s, 3 * S);
    CHECK_EQ_INT((int)asset_store_stats(s)->rewrites, 1);
    size_t loaded, bad;
    char *text = restart_view(dir, &loaded, &bad);
    CHECK(bad == 0);
    CHECK(server_has(text, 2, "SSH-2.0-Old") && server_has(text, 3, "SSH-2.0-New"));
    CHECK(server_has(text, 4, "SSH-2.0-New") && !server_has(text, 1, "SSH"));
    free(text);
    asset_store_free(s);
    gate_destroy(&g);
    cleanup(dir);
}

/* Stopping with a rewrite in flight: the writer is told to give up, and
 * the file is rewritten whole on the caller's thread, as at any stop. */
static void test_rewrite_stop(void)
{
    for (int extra = 0; extra < 12; extra += 11) {
        char dir[] = "/tmp/mamori-asset-store-XXXXXX", path[512], tmp[512];
        CHECK(mkdtemp(dir) != NULL);
        files(dir, path, tmp, sizeof path);
        struct asset_store *s = saved_store(dir, 100, 2, 8);
        if (!s)
            return;
        asset_store_compact(s);
        feed_host(s, 0, "SSH-2.0-New", T0 + 100);
        CHECK_EQ_INT(asset_store_flush(s, 2 * S, false), 0);
        CHECK(asset_store_rewriting(s));
        for (int k = 0; k < extra; k++) /* every slice queued, or a part */
            asset_store_flush(s, 2 * S, false);
        feed_host(s, 1, "SSH-2.0-New", T0 + 101);
        asset_store_free(s);
        CHECK_EQ_INT((int)lines_of(path), 16);
        CHECK(access(tmp, F_OK) != 0);
        size_t loaded, bad;
        char *text = restart_view(dir, &loaded, &bad);
        CHECK(loaded == 16 && bad == 0);
        CHECK(server_has(text, 0, "SSH-2.0-New") && server_has(text, 1, "SSH-2.0-New"));
        free(text);
        cleanup(dir);
    }
}

TEST_MAIN(TEST(test_append_restart), TEST(test_save_load_export), TEST(test_bad_files),
          TEST(test_rewrite_off_caller), TEST(test_rewrite_changes_survive),
          TEST(test_rewrite_failures), TEST(test_rewrite_killed), TEST(test_rewrite_evictions),
          TEST(test_rewrite_stop))
