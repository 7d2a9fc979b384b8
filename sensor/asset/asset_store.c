#include "asset/asset_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asset/asset_oui.h"
#include "asset/asset_registry.h"
#include "asset/asset_vulns.h"

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

struct asset_store_writer {
    int fd;
    int rc;
    struct json_buf *b;
    bool dirty_only;
    size_t bytes;
};

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

/* One object a line: a reader takes what it can, line by line. */
static void asset_store_line(void *ctx, const struct asset *a)
{
    struct asset_store_writer *w = ctx;
    if (w->rc < 0 || (w->dirty_only && !a->dirty))
        return;
    json_reset(w->b);
    asset_json_object(w->b, NULL, a);
    if (w->b->err) {
        w->rc = -ENOMEM;
        return;
    }
    w->rc = asset_store_write_all(w->fd, w->b->p, w->b->len);
    if (w->rc == 0)
        w->rc = asset_store_write_all(w->fd, "\n", 1);
    if (w->rc == 0)
        w->bytes += w->b->len + 1;
}

static int asset_store_save(struct asset_store *s)
{
    char path[1100], tmp[1110];
    snprintf(path, sizeof path, "%s/%s", s->dir, ASSET_STORE_FILE);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    struct asset_store_writer w = {fd, 0, &s->out, false, 0};
    asset_table_foreach(s->table, asset_store_line, &w);
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
 * cut by a crash is one unreadable line; the ones before it stand. */
static int asset_store_append(struct asset_store *s)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", s->dir, ASSET_STORE_FILE);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct asset_store_writer w = {fd, 0, &s->out, true, 0};
    asset_table_foreach(s->table, asset_store_line, &w);
    int rc = w.rc;
    if (fdatasync(fd) != 0 && rc == 0)
        rc = -errno;
    close(fd);
    s->appended += (uint64_t)w.bytes;
    return rc;
}

int asset_store_flush(struct asset_store *s, uint64_t now_ms, bool force)
{
    /* At stop, a file with appended lines is rewritten even when nothing
     * changed since: at rest it holds one line a device. */
    if (!s->dir[0] || s->read_only || (!s->dirty && !(force && s->appended)))
        return 0;
    if (!force && now_ms < s->saved_ms + ASSET_STORE_SAVE_MS)
        return 0;
    s->saved_ms = now_ms;
    /* Between rewrites only what changed is appended, so a save costs
     * what changed, not the whole inventory; the file is rewritten (to a
     * temporary file, then renamed) once the appended lines weigh as
     * much as it did (at least ASSET_STORE_COMPACT_MIN), when entries
     * came from elsewhere (Redis), and when the sensor stops. */
    uint64_t bound =
        s->file_bytes > ASSET_STORE_COMPACT_MIN ? s->file_bytes : ASSET_STORE_COMPACT_MIN;
    bool whole = force || s->compact || !s->file_bytes || s->appended >= bound;
    int rc = whole ? asset_store_save(s) : asset_store_append(s);
    if (rc < 0 && !whole)
        s->compact = true; /* the file may end with a partial line: rewrite it next time */
    if (rc == 0) {
        if (whole)
            s->compact = false;
        s->dirty = false;
        asset_table_clean(s->table);
    }
    return rc;
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
