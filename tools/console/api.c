/*
 * The JSON API. Records come from Redis streams written by the sensor; they
 * are validated (cjson) before they are copied into a response, and every
 * other value is written escaped (jsonw). Scans of a stream are bounded
 * (API_SCAN_MAX entries per request) so that a request costs the same
 * whatever the stream holds; a response says when it stopped early.
 */
#include "api.h"

#include "alertrec.h"
#include "cjson.h"
#include "jsonw.h"

#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define API_BATCH 500
#define API_SCAN_MAX 20000
#define API_BATCHES_MAX (API_SCAN_MAX / API_BATCH)
#define API_DEVICE_IPS 16
#define API_COUNTS 48
#define API_BUCKETS 60
#define API_ASSET_ID_MAX 72 /* api_valid_asset_id: 64 at most */

int api_error(struct evbuffer *out, int status, const char *msg)
{
    evbuffer_drain(out, evbuffer_get_length(out));
    evbuffer_add_printf(out, "{\"error\":");
    jsonw_cstr(out, msg);
    evbuffer_add(out, "}", 1);
    return status;
}

int api_valid_stream_id(const char *s)
{
    size_t n = strlen(s), dash = 0;
    if (n < 3 || n > 41)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-') {
            if (dash || i == 0 || i == n - 1)
                return 0;
            dash = i;
        } else if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return dash != 0;
}

int api_valid_asset_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != ':' && s[i] != '-')
            return 0;
    }
    return strncmp(s, "mac-", 4) == 0 || strncmp(s, "ip-", 3) == 0;
}

int api_entry(const redisReply *e, const char **id, const uint8_t **eve, size_t *len)
{
    if (!e || e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING || e->element[1]->type != REDIS_REPLY_ARRAY)
        return -EINVAL;
    *id = e->element[0]->str;
    const redisReply *f = e->element[1];
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        if (f->element[i]->type == REDIS_REPLY_STRING && strcmp(f->element[i]->str, "eve") == 0 &&
            f->element[i + 1]->type == REDIS_REPLY_STRING) {
            *eve = (const uint8_t *)f->element[i + 1]->str;
            *len = f->element[i + 1]->len;
            return 0;
        }
    }
    return -EINVAL;
}

/* The fields of a flat reply [k, v, k, v...] (HGETALL, stream entry) as a
 * JSON object of strings. */
void api_fields_json(struct evbuffer *out, const redisReply *r)
{
    evbuffer_add(out, "{", 1);
    bool first = true;
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i], *v = r->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (!first)
            evbuffer_add(out, ",", 1);
        first = false;
        jsonw_str(out, k->str, k->len);
        evbuffer_add(out, ":", 1);
        jsonw_str(out, v->str, v->len);
    }
    evbuffer_add(out, "}", 1);
}

static bool api_has_field(const redisReply *r, const char *name)
{
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
        if (r->element[i]->type == REDIS_REPLY_STRING && strcmp(r->element[i]->str, name) == 0)
            return true;
    }
    return false;
}

void api_alert_item(struct evbuffer *out, const char *id, const uint8_t *eve, size_t len,
                    const redisReply *triage)
{
    evbuffer_add(out, "{\"id\":", 6);
    jsonw_cstr(out, id);
    evbuffer_add(out, ",\"triage\":", 10);
    if (triage && api_has_field(triage, "state"))
        api_fields_json(out, triage);
    else
        evbuffer_add_printf(out, "{\"state\":\"new\"}");
    evbuffer_add(out, ",\"eve\":", 7);
    if (eve && cjson_validate(eve, len) == 0 && cjson_type_of(eve, len) == CJSON_OBJECT)
        jsonw_raw(out, eve, len);
    else
        evbuffer_add(out, "null,\"invalid\":true", 19);
    evbuffer_add(out, "}", 1);
}

/* -- counting and time buckets ----------------------------------------- */

struct api_count {
    char name[256];
    uint64_t n;
    uint64_t bytes;
};

struct api_counts {
    struct api_count v[API_COUNTS];
    size_t n;
    uint64_t other; /* names beyond the table */
};

static struct api_count *api_count_add(struct api_counts *t, const char *name, uint64_t bytes)
{
    if (!*name)
        name = "unknown";
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->v[i].name, name) == 0) {
            t->v[i].n++;
            t->v[i].bytes += bytes;
            return &t->v[i];
        }
    }
    if (t->n == API_COUNTS) {
        t->other++;
        return NULL;
    }
    struct api_count *c = &t->v[t->n++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->n = 1;
    c->bytes = bytes;
    return c;
}

static int api_count_cmp(const void *a, const void *b)
{
    const struct api_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* [{"name":..,"count":..,"bytes":..}] largest first. */
static void api_counts_json(struct evbuffer *out, struct api_counts *t, bool bytes)
{
    qsort(t->v, t->n, sizeof t->v[0], api_count_cmp);
    evbuffer_add(out, "[", 1);
    for (size_t i = 0; i < t->n; i++) {
        evbuffer_add_printf(out, "%s{\"name\":", i ? "," : "");
        jsonw_cstr(out, t->v[i].name);
        evbuffer_add_printf(out, ",\"count\":%" PRIu64, t->v[i].n);
        if (bytes)
            evbuffer_add_printf(out, ",\"bytes\":%" PRIu64, t->v[i].bytes);
        evbuffer_add(out, "}", 1);
    }
    evbuffer_add(out, "]", 1);
}

struct api_series {
    int64_t *ts; /* owned */
    uint8_t *sev;
    size_t n, cap;
};

static void api_series_add(struct api_series *s, int64_t ts, int sev)
{
    if (!ts)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        int64_t *t = realloc(s->ts, cap * sizeof *t);
        if (!t)
            return;
        s->ts = t;
        uint8_t *v = realloc(s->sev, cap);
        if (!v)
            return;
        s->sev = v;
        s->cap = cap;
    }
    s->ts[s->n] = ts;
    s->sev[s->n++] = (uint8_t)(sev >= 1 && sev <= 4 ? sev : 4);
}

static void api_series_free(struct api_series *s)
{
    free(s->ts);
    free(s->sev);
}

/* {"start":T,"bucket":SECONDS,"counts":[[sev1,sev2,sev3,sev4],...]}: at
 * most API_BUCKETS buckets of a round size over the series' span. */
static void api_series_json(struct evbuffer *out, const struct api_series *s)
{
    static const int64_t sizes[] = {1,    5,    10,    15,    30,    60,    300,    600,    900,
                                    1800, 3600, 10800, 21600, 43200, 86400, 604800, 2592000};
    if (!s->n) {
        evbuffer_add_printf(out, "{\"start\":0,\"bucket\":60,\"counts\":[]}");
        return;
    }
    int64_t lo = s->ts[0], hi = s->ts[0];
    for (size_t i = 1; i < s->n; i++) {
        lo = s->ts[i] < lo ? s->ts[i] : lo;
        hi = s->ts[i] > hi ? s->ts[i] : hi;
    }
    int64_t size = sizes[sizeof sizes / sizeof sizes[0] - 1];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if ((hi - lo) / sizes[i] < API_BUCKETS) {
            size = sizes[i];
            break;
        }
    }
    int64_t start = lo - ((lo % size) + size) % size;
    size_t nb = (size_t)((hi - start) / size) + 1;
    if (nb > API_BUCKETS * 2)
        nb = API_BUCKETS * 2;
    uint64_t counts[API_BUCKETS * 2][4];
    memset(counts, 0, sizeof counts);
    for (size_t i = 0; i < s->n; i++) {
        size_t b = (size_t)((s->ts[i] - start) / size);
        if (b < nb)
            counts[b][s->sev[i] - 1]++;
    }
    evbuffer_add_printf(out, "{\"start\":%" PRId64 ",\"bucket\":%" PRId64 ",\"counts\":[", start,
                        size);
    for (size_t b = 0; b < nb; b++)
        evbuffer_add_printf(out, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]",
                            b ? "," : "", counts[b][0], counts[b][1], counts[b][2], counts[b][3]);
    evbuffer_add(out, "]}", 2);
}

/* -- devices ----------------------------------------------------------- */

struct api_ips {
    char v[API_DEVICE_IPS][48];
    size_t n;
};

static bool api_ips_has(const struct api_ips *ips, const char *ip)
{
    for (size_t i = 0; i < ips->n; i++) {
        if (strcmp(ips->v[i], ip) == 0)
            return true;
    }
    return false;
}

/* The addresses of an asset object ("ips"). */
static void api_asset_ips(const uint8_t *p, size_t len, struct api_ips *ips)
{
    struct cjson_slice arr, k, v;
    struct cjson_iter it;
    if (cjson_find(p, len, "ips", &arr) < 0 || cjson_iter_init(&it, arr.p, arr.len) < 0)
        return;
    while (ips->n < API_DEVICE_IPS && cjson_iter_next(&it, &k, &v) == 1) {
        if (cjson_string(v.p, v.len, ips->v[ips->n], sizeof ips->v[0]) > 0)
            ips->n++;
    }
}

/* The asset's JSON (HGET PREFIX:asset:ID json), validated; NULL if none. */
static redisReply *api_asset_json(struct console *c, const char *id)
{
    char key[192];
    snprintf(key, sizeof key, "%s:asset:%s", c->prefix, id);
    redisReply *r = store_cmd(c->store, "HGET %s json", key);
    if (r && r->type == REDIS_REPLY_STRING &&
        cjson_validate((const uint8_t *)r->str, r->len) == 0 &&
        cjson_type_of((const uint8_t *)r->str, r->len) == CJSON_OBJECT)
        return r;
    if (r)
        freeReplyObject(r);
    return NULL;
}

/* Whether an inventory was ever written (PREFIX:assets:seen exists). */
static bool api_inventory(struct console *c)
{
    char key[128];
    redisReply *r =
        store_cmd(c->store, "EXISTS %s", console_key(c, key, sizeof key, "assets:seen"));
    bool yes = r && r->type == REDIS_REPLY_INTEGER && r->integer > 0;
    if (r)
        freeReplyObject(r);
    return yes;
}

/* The addresses of a device: those of its inventory entry, or for an
 * "ip-ADDR" id without one, ADDR. */
static void api_device_ips(struct console *c, const char *id, struct api_ips *ips)
{
    ips->n = 0;
    redisReply *a = api_asset_json(c, id);
    if (a) {
        api_asset_ips((const uint8_t *)a->str, a->len, ips);
        freeReplyObject(a);
    }
    if (!ips->n && strncmp(id, "ip-", 3) == 0 && strlen(id + 3) < sizeof ips->v[0])
        snprintf(ips->v[ips->n++], sizeof ips->v[0], "%s", id + 3);
}

/* The device an asset event's alert names (asset.id, rules/assets.rules):
 * into out, "" if none. The address it carries may have moved since. */
static void api_alert_asset_id(const uint8_t *eve, size_t len, char *out, size_t cap)
{
    struct cjson_slice v;
    out[0] = 0;
    if (cjson_find(eve, len, "asset.id", &v) < 0 || cjson_string(v.p, v.len, out, cap) < 0 ||
        !api_valid_asset_id(out))
        out[0] = 0;
}

/* -- /api/alerts --------------------------------------------------------- */

struct api_filter {
    unsigned severities; /* bit s set: severity s wanted; 0 = all */
    int64_t sid;         /* rule as a number */
    const char *rule;    /* rule as text, matched in the signature */
    const char *ip;
    struct api_ips device;
    const char *device_id;
    bool by_device;
    const char *proto;
    const char *state; /* new|acknowledged|assigned|closed|open */
    int64_t since, until;
};

static bool api_ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *h = hay; *h; h++) {
        if (strncasecmp(h, needle, n) == 0)
            return true;
    }
    return n == 0;
}

static bool api_match(const struct api_filter *f, const struct alertrec *r)
{
    if (f->severities && !(f->severities & (1u << r->severity)))
        return false;
    if (f->sid && r->sid != f->sid)
        return false;
    if (f->rule && !api_ci_contains(r->signature, f->rule))
        return false;
    if (f->ip && strcmp(r->src_ip, f->ip) != 0 && strcmp(r->dest_ip, f->ip) != 0)
        return false;
    if (f->by_device && !api_ips_has(&f->device, r->src_ip) && !api_ips_has(&f->device, r->dest_ip))
        return false;
    if (f->proto && strcasecmp(r->app_proto, f->proto) != 0 && strcasecmp(r->proto, f->proto) != 0)
        return false;
    if (f->since && (!r->ts || r->ts < f->since))
        return false;
    if (f->until && (!r->ts || r->ts > f->until))
        return false;
    return true;
}

static bool api_state_match(const char *want, const redisReply *st)
{
    const char *s = st && st->type == REDIS_REPLY_STRING ? st->str : "new";
    if (strcmp(want, "open") == 0)
        return strcmp(s, "closed") != 0;
    return strcmp(s, want) == 0;
}

static int api_filter_parse(struct console *c, const struct query *q, struct api_filter *f,
                            struct evbuffer *out)
{
    memset(f, 0, sizeof *f);
    const char *s = query_get(q, "severity");
    if (s && *s) {
        for (const char *p = s; *p; p++) {
            if (*p >= '1' && *p <= '4')
                f->severities |= 1u << (*p - '0');
            else if (*p != ',')
                return api_error(out, 400, "severity: 1 to 4, comma separated");
        }
    }
    s = query_get(q, "rule");
    if (s && *s) {
        bool digits = strspn(s, "0123456789") == strlen(s) && strlen(s) < 12;
        if (digits)
            f->sid = strtoll(s, NULL, 10);
        else
            f->rule = s;
    }
    s = query_get(q, "ip");
    if (s && *s)
        f->ip = s;
    s = query_get(q, "device");
    if (s && *s) {
        if (!api_valid_asset_id(s))
            return api_error(out, 400, "device: not a device id");
        api_device_ips(c, s, &f->device);
        f->device_id = s;
        f->by_device = true;
    }
    s = query_get(q, "proto");
    if (s && *s)
        f->proto = s;
    s = query_get(q, "state");
    if (s && *s) {
        if (strcmp(s, "new") && strcmp(s, "acknowledged") && strcmp(s, "assigned") &&
            strcmp(s, "closed") && strcmp(s, "open"))
            return api_error(out, 400, "state: new, acknowledged, assigned, closed or open");
        f->state = s;
    }
    uint64_t v;
    if (query_uint(q, "since", 0, INT64_MAX, 0, &v) < 0)
        return api_error(out, 400, "since: epoch seconds");
    f->since = (int64_t)v;
    if (query_uint(q, "until", 0, INT64_MAX, 0, &v) < 0)
        return api_error(out, 400, "until: epoch seconds");
    f->until = (int64_t)v;
    return 0;
}

/* Pipelined HGETALL PREFIX:triage:ID of n entries into st[]. */
static void api_triage_many(struct console *c, const redisReply *const *entries, size_t n,
                            redisReply **st)
{
    redisContext *rc = store_ctx(c->store);
    memset(st, 0, n * sizeof *st);
    if (!rc)
        return;
    for (size_t i = 0; i < n; i++)
        redisAppendCommand(rc, "HGETALL %s:triage:%s", c->prefix, entries[i]->element[0]->str);
    for (size_t i = 0; i < n; i++) {
        void *r = NULL;
        if (redisGetReply(rc, &r) != REDIS_OK) {
            store_drop(c->store);
            return;
        }
        st[i] = r;
    }
}

/* ,"alerts":[...]: the stream entries e[0..n) with their triage hashes
 * st[0..n) (borrowed), newest first as given. */
static void api_alert_items(struct evbuffer *out, const redisReply *const *e, size_t n,
                            redisReply *const *st)
{
    evbuffer_add(out, ",\"alerts\":[", 11);
    for (size_t i = 0; i < n; i++) {
        const char *id;
        const uint8_t *eve;
        size_t len;
        api_entry(e[i], &id, &eve, &len);
        if (i)
            evbuffer_add(out, ",", 1);
        api_alert_item(out, id, eve, len, st[i]);
    }
    evbuffer_add(out, "]", 1);
}

int api_alerts(struct console *c, const struct query *q, struct evbuffer *out)
{
    struct api_filter f;
    int rc = api_filter_parse(c, q, &f, out);
    if (rc)
        return rc;
    uint64_t limit;
    if (query_uint(q, "limit", 1, 500, 50, &limit) < 0)
        return api_error(out, 400, "limit: 1 to 500");
    const char *before = query_get(q, "before");
    if (before && *before && !api_valid_stream_id(before))
        return api_error(out, 400, "before: not a stream id");

    char key[128], start[64];
    console_key(c, key, sizeof key, "alerts");
    snprintf(start, sizeof start, "%s%s", before && *before ? "(" : "",
             before && *before ? before : "+");

    redisReply *batches[API_BATCHES_MAX] = {0};
    const redisReply **sel = calloc(limit, sizeof *sel);
    redisReply **st = calloc(limit, sizeof *st);
    redisReply *states[API_BATCH];
    size_t nb = 0, nsel = 0, scanned = 0, invalid = 0;
    const char *next = NULL;
    bool more = false;
    int status = 200;
    if (!sel || !st) {
        status = api_error(out, 500, "out of memory");
        goto out;
    }
    while (nsel < limit && nb < API_BATCHES_MAX) {
        redisReply *r = store_cmd(c->store, "XREVRANGE %s %s - COUNT %d", key, start, API_BATCH);
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            if (r)
                freeReplyObject(r);
            status = api_error(out, 503, "Redis is not answering");
            goto out;
        }
        batches[nb++] = r;
        size_t nstate = 0;
        if (f.state)
            api_triage_many(c, (const redisReply *const *)r->element, r->elements, states),
                nstate = r->elements;
        for (size_t i = 0; i < r->elements && nsel < limit; i++) {
            const char *id;
            const uint8_t *eve;
            size_t len;
            struct alertrec ar;
            scanned++;
            next = r->element[i]->type == REDIS_REPLY_ARRAY && r->element[i]->elements == 2
                       ? r->element[i]->element[0]->str
                       : next;
            if (api_entry(r->element[i], &id, &eve, &len) < 0 ||
                alertrec_parse(eve, len, &ar) < 0) {
                invalid++;
                continue;
            }
            if (!api_match(&f, &ar)) {
                char aid[API_ASSET_ID_MAX];
                if (!f.by_device)
                    continue;
                /* an asset event's alert belongs to the device it names */
                struct api_filter g = f;
                g.by_device = false;
                api_alert_asset_id(eve, len, aid, sizeof aid);
                if (strcmp(aid, f.device_id) != 0 || !api_match(&g, &ar))
                    continue;
            }
            if (f.state) {
                const redisReply *h = states[i];
                const redisReply *sv = NULL;
                for (size_t k = 0; h && h->type == REDIS_REPLY_ARRAY && k + 1 < h->elements;
                     k += 2) {
                    if (strcmp(h->element[k]->str, "state") == 0)
                        sv = h->element[k + 1];
                }
                if (!api_state_match(f.state, sv))
                    continue;
            }
            sel[nsel++] = r->element[i];
        }
        for (size_t i = 0; i < nstate; i++) {
            if (states[i])
                freeReplyObject(states[i]);
        }
        more = r->elements == API_BATCH || nsel == limit;
        if (r->elements < API_BATCH || !next)
            break;
        snprintf(start, sizeof start, "(%s", next);
    }
    if (nsel == limit)
        next = sel[nsel - 1]->element[0]->str;
    api_triage_many(c, sel, nsel, st);

    redisReply *len = store_cmd(c->store, "XLEN %s", key);
    /* records that are not EVE JSON objects are left out, and counted */
    evbuffer_add_printf(out, "{\"total\":%lld,\"scanned\":%zu,\"invalid\":%zu,\"next\":",
                        len && len->type == REDIS_REPLY_INTEGER ? len->integer : 0LL, scanned,
                        invalid);
    if (len)
        freeReplyObject(len);
    jsonw_cstr(out, more ? next : NULL);
    api_alert_items(out, sel, nsel, st);
    evbuffer_add(out, "}", 1);
out:
    for (size_t i = 0; st && i < nsel; i++) {
        if (st[i])
            freeReplyObject(st[i]);
    }
    for (size_t i = 0; i < nb; i++)
        freeReplyObject(batches[i]);
    free(sel);
    free(st);
    return status;
}

/* -- /api/alerts/ID ---------------------------------------------------- */

/* The device holding ip: {"id":..,"asset":{...}} or null. */
static void api_device_of(struct console *c, const char *ip, struct evbuffer *out)
{
    redisReply *id = NULL, *a = NULL;
    if (*ip)
        id = store_cmd(c->store, "HGET %s:assets:ip %s", c->prefix, ip);
    if (id && id->type == REDIS_REPLY_STRING && api_valid_asset_id(id->str))
        a = api_asset_json(c, id->str);
    if (a) {
        evbuffer_add(out, "{\"id\":", 6);
        jsonw_cstr(out, id->str);
        evbuffer_add(out, ",\"asset\":", 9);
        jsonw_raw(out, (const uint8_t *)a->str, a->len);
        evbuffer_add(out, "}", 1);
        freeReplyObject(a);
    } else {
        evbuffer_add(out, "null", 4);
    }
    if (id)
        freeReplyObject(id);
}

/* The device of an inventory id: {"id":..,"asset":{...}} or null. */
static void api_device_by_id(struct console *c, const char *id, struct evbuffer *out)
{
    redisReply *a = api_asset_json(c, id);
    if (!a) {
        evbuffer_add(out, "null", 4);
        return;
    }
    evbuffer_add(out, "{\"id\":", 6);
    jsonw_cstr(out, id);
    evbuffer_add(out, ",\"asset\":", 9);
    jsonw_raw(out, (const uint8_t *)a->str, a->len);
    evbuffer_add(out, "}", 1);
    freeReplyObject(a);
}

int api_alert(struct console *c, const char *id, struct evbuffer *out)
{
    if (!api_valid_stream_id(id))
        return api_error(out, 400, "not an alert id");
    char key[128];
    console_key(c, key, sizeof key, "alerts");
    redisReply *r = store_cmd(c->store, "XRANGE %s %s %s", key, id, id);
    redisReply *st = NULL, *log = NULL;
    int status = 200;
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        status = api_error(out, 503, "Redis is not answering");
        goto out;
    }
    const char *eid;
    const uint8_t *eve;
    size_t len;
    if (r->elements != 1 || api_entry(r->element[0], &eid, &eve, &len) < 0) {
        status = api_error(out, 404, "no such alert");
        goto out;
    }
    struct alertrec ar;
    alertrec_parse(eve, len, &ar);
    st = store_cmd(c->store, "HGETALL %s:triage:%s", c->prefix, id);
    evbuffer_add(out, "{\"alert\":", 9);
    api_alert_item(out, id, eve, len, st);
    evbuffer_add_printf(out,
                        ",\"inventory\":%s,\"src_device\":", api_inventory(c) ? "true" : "false");
    char aid[API_ASSET_ID_MAX];
    api_alert_asset_id(eve, len, aid, sizeof aid);
    if (*aid)
        api_device_by_id(c, aid, out);
    else
        api_device_of(c, ar.src_ip, out);
    evbuffer_add(out, ",\"dest_device\":", 15);
    api_device_of(c, ar.dest_ip, out);
    /* who did what: the audit log's entries for this alert, newest first */
    evbuffer_add(out, ",\"history\":[", 12);
    log = store_cmd(c->store, "XREVRANGE %s:triage:log + - COUNT %d", c->prefix, API_SCAN_MAX);
    size_t shown = 0;
    for (size_t i = 0; log && log->type == REDIS_REPLY_ARRAY && i < log->elements; i++) {
        const redisReply *e = log->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
            continue;
        const redisReply *fl = e->element[1];
        bool mine = false;
        for (size_t k = 0; fl->type == REDIS_REPLY_ARRAY && k + 1 < fl->elements; k += 2) {
            if (strcmp(fl->element[k]->str, "alert") == 0 &&
                fl->element[k + 1]->type == REDIS_REPLY_STRING &&
                strcmp(fl->element[k + 1]->str, id) == 0)
                mine = true;
        }
        if (!mine)
            continue;
        if (shown++)
            evbuffer_add(out, ",", 1);
        api_fields_json(out, fl);
        if (shown == 100)
            break;
    }
    evbuffer_add(out, "]}", 2);
out:
    if (r)
        freeReplyObject(r);
    if (st)
        freeReplyObject(st);
    if (log)
        freeReplyObject(log);
    return status;
}

/* -- /api/assets ------------------------------------------------------- */

#define API_ASSETS_MAX 5000

/* What the devices table filters on: the registry status, known
 * vulnerabilities, the type. */
struct api_asset_facts {
    char status[16]; /* registered|unregistered|retired, "" if no registry */
    char type[32];
    bool vulnerable;
};

static void api_asset_facts(const uint8_t *p, size_t len, struct api_asset_facts *f)
{
    struct cjson_slice v;
    memset(f, 0, sizeof *f);
    if (cjson_find(p, len, "registry.status", &v) < 0 ||
        cjson_string(v.p, v.len, f->status, sizeof f->status) < 0)
        f->status[0] = 0;
    if (cjson_find(p, len, "type", &v) < 0 || cjson_string(v.p, v.len, f->type, sizeof f->type) < 0)
        f->type[0] = 0;
    struct cjson_iter it;
    struct cjson_slice k, e;
    f->vulnerable = cjson_find(p, len, "vulns", &v) == 0 && cjson_iter_init(&it, v.p, v.len) == 0 &&
                    cjson_iter_next(&it, &k, &e) == 1;
}

int api_assets(struct console *c, const struct query *q, struct evbuffer *out)
{
    uint64_t limit, offset;
    if (query_uint(q, "limit", 1, 1000, 200, &limit) < 0)
        return api_error(out, 400, "limit: 1 to 1000");
    if (query_uint(q, "offset", 0, API_ASSETS_MAX, 0, &offset) < 0)
        return api_error(out, 400, "offset: 0 to 5000");
    const char *search = query_get(q, "q");
    const char *status = query_get(q, "registry"), *type = query_get(q, "type");
    const char *vuln = query_get(q, "vulnerable");
    if (search && !*search)
        search = NULL;
    if (status && *status && strcmp(status, "registered") && strcmp(status, "unregistered") &&
        strcmp(status, "retired"))
        return api_error(out, 400, "registry: registered, unregistered or retired");
    bool want_vuln = vuln && strcmp(vuln, "1") == 0;
    if (!api_inventory(c)) {
        evbuffer_add_printf(out, "{\"inventory\":false,\"total\":0,\"assets\":[]}");
        return 200;
    }
    redisReply *ids =
        store_cmd(c->store, "ZREVRANGE %s:assets:seen 0 %d", c->prefix, API_ASSETS_MAX - 1);
    if (!ids || ids->type != REDIS_REPLY_ARRAY) {
        if (ids)
            freeReplyObject(ids);
        return api_error(out, 503, "Redis is not answering");
    }
    redisContext *rc = store_ctx(c->store);
    size_t total = 0, shown = 0;
    /* over the devices the search matches, before the other filters: the
     * figures beside the filter buttons */
    size_t n_reg = 0, n_unreg = 0, n_retired = 0, n_vuln = 0;
    evbuffer_add_printf(out, "{\"inventory\":true,\"assets\":[");
    for (size_t i = 0; rc && i < ids->elements; i++)
        redisAppendCommand(rc, "HMGET %s:asset:%s json last_seen sensor", c->prefix,
                           ids->element[i]->str);
    for (size_t i = 0; rc && i < ids->elements; i++) {
        void *v = NULL;
        if (redisGetReply(rc, &v) != REDIS_OK) {
            store_drop(c->store);
            break;
        }
        redisReply *h = v;
        if (h->type == REDIS_REPLY_ARRAY && h->elements == 3 &&
            h->element[0]->type == REDIS_REPLY_STRING &&
            cjson_validate((const uint8_t *)h->element[0]->str, h->element[0]->len) == 0 &&
            (!search || api_ci_contains(h->element[0]->str, search))) {
            struct api_asset_facts fa;
            api_asset_facts((const uint8_t *)h->element[0]->str, h->element[0]->len, &fa);
            n_reg += strcmp(fa.status, "registered") == 0;
            n_unreg += strcmp(fa.status, "unregistered") == 0;
            n_retired += strcmp(fa.status, "retired") == 0;
            n_vuln += fa.vulnerable;
            if ((status && *status && strcmp(fa.status, status) != 0) ||
                (want_vuln && !fa.vulnerable) || (type && *type && strcmp(fa.type, type) != 0)) {
                freeReplyObject(h);
                continue;
            }
            if (total >= offset && shown < limit) {
                evbuffer_add_printf(out, "%s{\"id\":", shown ? "," : "");
                jsonw_cstr(out, ids->element[i]->str);
                evbuffer_add(out, ",\"sensor\":", 10);
                jsonw_cstr(out,
                           h->element[2]->type == REDIS_REPLY_STRING ? h->element[2]->str : NULL);
                evbuffer_add(out, ",\"asset\":", 9);
                jsonw_raw(out, (const uint8_t *)h->element[0]->str, h->element[0]->len);
                evbuffer_add(out, "}", 1);
                shown++;
            }
            total++;
        }
        freeReplyObject(h);
    }
    evbuffer_add_printf(out,
                        "],\"total\":%zu,\"counts\":{\"registered\":%zu,\"unregistered\":%zu,"
                        "\"retired\":%zu,\"vulnerable\":%zu}}",
                        total, n_reg, n_unreg, n_retired, n_vuln);
    freeReplyObject(ids);
    return 200;
}

/* -- /api/assets/ID ---------------------------------------------------- */

/* The alerts of a device among the newest API_SCAN_MAX: peers, protocols,
 * time series and the newest 50. */
static int api_asset_alerts(struct console *c, const char *device, const struct api_ips *ips,
                            struct evbuffer *out, struct api_counts *peers,
                            struct api_counts *protos)
{
    char key[128];
    console_key(c, key, sizeof key, "alerts");
    redisReply *r = store_cmd(c->store, "XREVRANGE %s + - COUNT %d", key, API_SCAN_MAX);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        if (r)
            freeReplyObject(r);
        return -EIO;
    }
    struct api_series s = {0};
    const redisReply *recent[50] = {0};
    redisReply *st[50];
    size_t nrecent = 0, n = 0;
    for (size_t i = 0; i < r->elements; i++) {
        const char *id;
        const uint8_t *eve;
        size_t len;
        struct alertrec ar;
        if (api_entry(r->element[i], &id, &eve, &len) < 0 || alertrec_parse(eve, len, &ar) < 0)
            continue;
        bool src = api_ips_has(ips, ar.src_ip), dst = api_ips_has(ips, ar.dest_ip);
        char aid[API_ASSET_ID_MAX];
        api_alert_asset_id(eve, len, aid, sizeof aid);
        if (*aid && strcmp(aid, device) != 0) /* about another device */
            continue;
        if (!src && !dst && !*aid)
            continue;
        n++;
        api_series_add(&s, ar.ts, ar.severity);
        const char *peer = src || *aid ? ar.dest_ip : ar.src_ip;
        if (*peer) /* asset events have no peer */
            api_count_add(peers, peer, 0);
        api_count_add(protos, ar.app_proto, 0);
        if (nrecent < 50)
            recent[nrecent++] = r->element[i];
    }
    api_triage_many(c, recent, nrecent, st);
    evbuffer_add_printf(out, ",\"alert_count\":%zu,\"alerts_over_time\":", n);
    api_series_json(out, &s);
    api_alert_items(out, recent, nrecent, st);
    for (size_t i = 0; i < nrecent; i++) {
        if (st[i])
            freeReplyObject(st[i]);
    }
    api_series_free(&s);
    freeReplyObject(r);
    return 0;
}

/* Peers and protocols of the device's flows among the newest API_SCAN_MAX
 * flow records (when the sensor writes them to Redis). */
static void api_asset_flows(struct console *c, const struct api_ips *ips, struct api_counts *peers,
                            struct api_counts *protos)
{
    char key[128];
    console_key(c, key, sizeof key, "flows");
    redisReply *r = store_cmd(c->store, "XREVRANGE %s + - COUNT %d", key, API_SCAN_MAX);
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const char *id;
        const uint8_t *eve;
        size_t len;
        struct alertrec ar;
        if (api_entry(r->element[i], &id, &eve, &len) < 0 || alertrec_parse(eve, len, &ar) < 0)
            continue;
        bool src = api_ips_has(ips, ar.src_ip), dst = api_ips_has(ips, ar.dest_ip);
        if (!src && !dst)
            continue;
        struct cjson_slice v;
        int64_t a = 0, b = 0;
        if (cjson_find(eve, len, "flow.bytes_toserver", &v) == 0)
            cjson_int(v.p, v.len, &a);
        if (cjson_find(eve, len, "flow.bytes_toclient", &v) == 0)
            cjson_int(v.p, v.len, &b);
        uint64_t bytes = (uint64_t)(a > 0 ? a : 0) + (uint64_t)(b > 0 ? b : 0);
        api_count_add(peers, src ? ar.dest_ip : ar.src_ip, bytes);
        api_count_add(protos, ar.app_proto, bytes);
    }
    if (r)
        freeReplyObject(r);
}

/* [{"ip":..,"count":..,"bytes":..,"device":ID|null}] */
static void api_peers_json(struct console *c, struct evbuffer *out, struct api_counts *t)
{
    qsort(t->v, t->n, sizeof t->v[0], api_count_cmp);
    redisContext *rc = store_ctx(c->store);
    redisReply *ids[API_COUNTS] = {0};
    for (size_t i = 0; rc && i < t->n; i++)
        redisAppendCommand(rc, "HGET %s:assets:ip %s", c->prefix, t->v[i].name);
    for (size_t i = 0; rc && i < t->n; i++) {
        void *v = NULL;
        if (redisGetReply(rc, &v) != REDIS_OK) {
            store_drop(c->store);
            break;
        }
        ids[i] = v;
    }
    evbuffer_add(out, "[", 1);
    for (size_t i = 0; i < t->n; i++) {
        evbuffer_add_printf(out, "%s{\"ip\":", i ? "," : "");
        jsonw_cstr(out, t->v[i].name);
        evbuffer_add_printf(out,
                            ",\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"device\":", t->v[i].n,
                            t->v[i].bytes);
        jsonw_cstr(out, ids[i] && ids[i]->type == REDIS_REPLY_STRING ? ids[i]->str : NULL);
        evbuffer_add(out, "}", 1);
        if (ids[i])
            freeReplyObject(ids[i]);
    }
    evbuffer_add(out, "]", 1);
}

int api_asset(struct console *c, const char *id, struct evbuffer *out)
{
    if (!api_valid_asset_id(id))
        return api_error(out, 400, "not a device id");
    bool inventory = api_inventory(c);
    redisReply *a = api_asset_json(c, id);
    if (!a && strncmp(id, "ip-", 3) != 0)
        return api_error(out, 404, "no such device");
    struct api_ips ips = {0};
    api_device_ips(c, id, &ips);
    evbuffer_add_printf(out, "{\"inventory\":%s,\"id\":", inventory ? "true" : "false");
    jsonw_cstr(out, id);
    evbuffer_add(out, ",\"asset\":", 9);
    if (a)
        jsonw_raw(out, (const uint8_t *)a->str, a->len);
    else
        evbuffer_add(out, "null", 4);
    evbuffer_add(out, ",\"ips\":[", 8);
    for (size_t i = 0; i < ips.n; i++) {
        if (i)
            evbuffer_add(out, ",", 1);
        jsonw_cstr(out, ips.v[i]);
    }
    evbuffer_add(out, "]", 1);
    if (a)
        freeReplyObject(a);
    struct api_counts *t = calloc(4, sizeof *t);
    if (!t)
        return api_error(out, 500, "out of memory");
    if (api_asset_alerts(c, id, &ips, out, &t[0], &t[1]) < 0) {
        free(t);
        return api_error(out, 503, "Redis is not answering");
    }
    api_asset_flows(c, &ips, &t[2], &t[3]);
    evbuffer_add(out, ",\"alert_peers\":", 15);
    api_peers_json(c, out, &t[0]);
    evbuffer_add(out, ",\"alert_protocols\":", 19);
    api_counts_json(out, &t[1], false);
    evbuffer_add(out, ",\"flow_peers\":", 14);
    api_peers_json(c, out, &t[2]);
    evbuffer_add(out, ",\"flow_protocols\":", 18);
    api_counts_json(out, &t[3], true);
    evbuffer_add(out, "}", 1);
    free(t);
    return 200;
}

/* -- /api/overview ----------------------------------------------------- */

struct api_sensor {
    char id[64];
    const uint8_t *last; /* borrowed from the stats reply */
    size_t last_len;
    int64_t last_ts;
    const char *last_entry;
    int64_t prev_ts;
    int64_t prev_packets;
    bool has_prev;
};

static int64_t api_int_at(const uint8_t *p, size_t len, const char *path)
{
    struct cjson_slice v;
    int64_t n = 0;
    if (cjson_find(p, len, path, &v) < 0 || cjson_int(v.p, v.len, &n) < 0)
        return 0;
    return n;
}

/* Every sensor of the stats stream: its newest record, packets per second
 * between its two newest records. */
static void api_sensors(struct console *c, struct evbuffer *out)
{
    char key[128];
    console_key(c, key, sizeof key, "stats");
    redisReply *r = store_cmd(c->store, "XREVRANGE %s + - COUNT 1000", key);
    struct api_sensor sensors[32];
    size_t n = 0;
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const char *id;
        const uint8_t *eve;
        size_t len;
        struct alertrec ar;
        char sid[64];
        if (api_entry(r->element[i], &id, &eve, &len) < 0 || alertrec_parse(eve, len, &ar) < 0 ||
            alertrec_sensor(ar.record_id, sid, sizeof sid) < 0)
            continue;
        struct api_sensor *s = NULL;
        for (size_t k = 0; k < n; k++) {
            if (strcmp(sensors[k].id, sid) == 0)
                s = &sensors[k];
        }
        if (!s) {
            if (n == sizeof sensors / sizeof sensors[0])
                continue;
            s = &sensors[n++];
            memset(s, 0, sizeof *s);
            snprintf(s->id, sizeof s->id, "%s", sid);
            s->last = eve;
            s->last_len = len;
            s->last_ts = ar.ts;
            s->last_entry = id;
        } else if (!s->has_prev) {
            s->has_prev = true;
            s->prev_ts = ar.ts;
            s->prev_packets = api_int_at(eve, len, "stats.capture.packets");
        }
    }
    evbuffer_add(out, "[", 1);
    for (size_t k = 0; k < n; k++) {
        struct api_sensor *s = &sensors[k];
        const uint8_t *p = s->last;
        size_t len = s->last_len;
        int64_t packets = api_int_at(p, len, "stats.capture.packets");
        evbuffer_add_printf(out, "%s{\"id\":", k ? "," : "");
        jsonw_cstr(out, s->id);
        evbuffer_add(out, ",\"entry\":", 9);
        jsonw_cstr(out, s->last_entry);
        evbuffer_add_printf(out, ",\"time\":%" PRId64 ",\"packets\":%" PRId64, s->last_ts, packets);
        if (s->has_prev && s->last_ts > s->prev_ts && packets >= s->prev_packets)
            evbuffer_add_printf(out, ",\"pps\":%.1f",
                                (double)(packets - s->prev_packets) /
                                    (double)(s->last_ts - s->prev_ts));
        else
            evbuffer_add(out, ",\"pps\":null", 11);
        evbuffer_add_printf(
            out,
            ",\"kernel_drops\":%" PRId64 ",\"if_drops\":%" PRId64 ",\"handover_drops\":%" PRId64
            ",\"flow_memcap_drops\":%" PRId64 ",\"eve_errors\":%" PRId64 ",\"alerts\":%" PRId64,
            api_int_at(p, len, "stats.capture.kernel_drops"),
            api_int_at(p, len, "stats.capture.if_drops"),
            api_int_at(p, len, "outputs.handover_drops"),
            api_int_at(p, len, "stats.flow.memcap_drops"), api_int_at(p, len, "outputs.eve_errors"),
            api_int_at(p, len, "outputs.records.alert"));
        /* the output thread's Redis and spool figures, as the sensor writes them */
        struct cjson_slice v;
        evbuffer_add(out, ",\"redis\":", 9);
        if (cjson_find(p, len, "outputs.redis", &v) == 0)
            jsonw_raw(out, v.p, v.len);
        else
            evbuffer_add(out, "null", 4);
        evbuffer_add(out, ",\"spool\":", 9);
        if (cjson_find(p, len, "outputs.spool", &v) == 0 ||
            cjson_find(p, len, "outputs.redis.spool", &v) == 0)
            jsonw_raw(out, v.p, v.len);
        else
            evbuffer_add(out, "null", 4);
        /* the asset inventory's figures (devices, evicted, malformed, ...) */
        evbuffer_add(out, ",\"assets\":", 10);
        if (cjson_find(p, len, "assets", &v) == 0 && cjson_type_of(v.p, v.len) == CJSON_OBJECT)
            jsonw_raw(out, v.p, v.len);
        else
            evbuffer_add(out, "null", 4);
        evbuffer_add(out, "}", 1);
    }
    evbuffer_add(out, "]", 1);
    if (r)
        freeReplyObject(r);
}

/* A line "name:value" of an INFO reply, into out. */
static void api_info_field(const redisReply *info, const char *name, char *out, size_t cap)
{
    out[0] = 0;
    if (!info || info->type != REDIS_REPLY_STRING)
        return;
    size_t n = strlen(name);
    for (const char *l = info->str; l && *l;) {
        if (strncmp(l, name, n) == 0 && l[n] == ':') {
            const char *v = l + n + 1;
            size_t k = strcspn(v, "\r\n");
            snprintf(out, cap, "%.*s", (int)(k < cap ? k : cap - 1), v);
            return;
        }
        l = strchr(l, '\n');
        l = l ? l + 1 : NULL;
    }
}

static long long api_xlen(struct console *c, const char *name)
{
    char key[128];
    redisReply *r = store_cmd(c->store, "XLEN %s", console_key(c, key, sizeof key, name));
    long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject(r);
    return n;
}

int api_overview(struct console *c, struct evbuffer *out)
{
    char key[128];
    console_key(c, key, sizeof key, "alerts");
    redisReply *r = store_cmd(c->store, "XREVRANGE %s + - COUNT %d", key, API_SCAN_MAX);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        if (r)
            freeReplyObject(r);
        return api_error(out, 503, "Redis is not answering");
    }
    struct api_series s = {0};
    struct api_counts *t = calloc(4, sizeof *t);
    uint64_t sev[5] = {0};
    if (!t) {
        freeReplyObject(r);
        return api_error(out, 500, "out of memory");
    }
    for (size_t i = 0; i < r->elements; i++) {
        const char *id;
        const uint8_t *eve;
        size_t len;
        struct alertrec ar;
        if (api_entry(r->element[i], &id, &eve, &len) < 0 || alertrec_parse(eve, len, &ar) < 0)
            continue;
        api_series_add(&s, ar.ts, ar.severity);
        sev[ar.severity]++;
        api_count_add(&t[0], ar.app_proto, 0);
        struct api_count *rule = api_count_add(&t[1], ar.signature, 0);
        (void)rule;
        api_count_add(&t[2], ar.src_ip, 0);
    }
    size_t scanned = r->elements;
    freeReplyObject(r);

    /* the traffic's protocol mix, from flow records when they are in Redis */
    console_key(c, key, sizeof key, "flows");
    r = store_cmd(c->store, "XREVRANGE %s + - COUNT %d", key, API_SCAN_MAX);
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const char *id;
        const uint8_t *eve;
        size_t len;
        struct alertrec ar;
        if (api_entry(r->element[i], &id, &eve, &len) < 0 || alertrec_parse(eve, len, &ar) < 0)
            continue;
        int64_t a = api_int_at(eve, len, "flow.bytes_toserver");
        int64_t b = api_int_at(eve, len, "flow.bytes_toclient");
        api_count_add(&t[3], ar.app_proto, (uint64_t)(a > 0 ? a : 0) + (uint64_t)(b > 0 ? b : 0));
    }
    if (r)
        freeReplyObject(r);

    evbuffer_add_printf(out,
                        "{\"alerts_scanned\":%zu,\"severity\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64
                        ",%" PRIu64 "],\"alerts_over_time\":",
                        scanned, sev[1], sev[2], sev[3], sev[4]);
    api_series_json(out, &s);
    evbuffer_add(out, ",\"alert_protocols\":", 19);
    api_counts_json(out, &t[0], false);
    evbuffer_add(out, ",\"top_rules\":", 13);
    api_counts_json(out, &t[1], false);
    evbuffer_add(out, ",\"top_sources\":", 15);
    api_counts_json(out, &t[2], false);
    evbuffer_add(out, ",\"flow_protocols\":", 18);
    api_counts_json(out, &t[3], true);
    evbuffer_add(out, ",\"sensors\":", 11);
    api_sensors(c, out);

    /* Redis as the console sees it */
    redisReply *info = store_cmd(c->store, "INFO");
    char ver[32], mem[32], clients[16], uptime[24];
    api_info_field(info, "redis_version", ver, sizeof ver);
    api_info_field(info, "used_memory_human", mem, sizeof mem);
    api_info_field(info, "connected_clients", clients, sizeof clients);
    api_info_field(info, "uptime_in_seconds", uptime, sizeof uptime);
    if (info)
        freeReplyObject(info);
    console_key(c, key, sizeof key, "alerts");
    redisReply *pend = store_cmd(c->store, "XPENDING %s %s", key, CONSOLE_GROUP);
    long long open = pend && pend->type == REDIS_REPLY_ARRAY && pend->elements >= 1 &&
                             pend->element[0]->type == REDIS_REPLY_INTEGER
                         ? pend->element[0]->integer
                         : -1;
    if (pend)
        freeReplyObject(pend);
    evbuffer_add_printf(out, ",\"redis\":{\"up\":%s,\"version\":", *ver ? "true" : "false");
    jsonw_cstr(out, ver);
    evbuffer_add(out, ",\"used_memory\":", 15);
    jsonw_cstr(out, mem);
    evbuffer_add_printf(out,
                        ",\"clients\":%lld,\"uptime\":%lld,\"alerts\":%lld,\"stats\":%lld,"
                        "\"flows\":%lld,\"assets\":%lld,\"untriaged\":%lld}",
                        atoll(clients), atoll(uptime), api_xlen(c, "alerts"), api_xlen(c, "stats"),
                        api_xlen(c, "flows"), api_xlen(c, "assets"), open);
    evbuffer_add_printf(out, ",\"inventory\":%s}", api_inventory(c) ? "true" : "false");
    api_series_free(&s);
    free(t);
    return 200;
}
