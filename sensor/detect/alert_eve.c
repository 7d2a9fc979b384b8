#include "detect/alert_eve.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

const char *alert_severity_name(uint8_t severity)
{
    static const char *const names[] = {"high", "medium", "low", "info"};
    return severity >= 1 && severity <= 4 ? names[severity - 1] : "info";
}

/* Rules × event types whose alert object is kept formatted; a rule pack
 * has a few dozen rules and each usually fires on one event type. */
#define ALERT_EVE_CACHE 128
/* Longest alert object kept (the ones longer are formatted each time). */
#define ALERT_EVE_CACHE_BYTES 480

struct alert_eve_cached {
    const struct crule *r; /* NULL: empty */
    uint32_t sid, rev;
    uint8_t type;
    uint16_t len;
    char text[ALERT_EVE_CACHE_BYTES]; /* the object as written, its leading comma included */
};

struct alert_eve_cache {
    struct alert_eve_cached e[ALERT_EVE_CACHE];
};

struct alert_eve_cache *alert_eve_cache_new(void)
{
    return calloc(1, sizeof(struct alert_eve_cache));
}

void alert_eve_cache_free(struct alert_eve_cache *c)
{
    free(c);
}

void alert_eve_cache_reset(struct alert_eve_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < ALERT_EVE_CACHE; i++)
        c->e[i].r = NULL;
}

/* The "alert" object: the rule's identity and metadata. */
static void alert_eve_object(struct json_buf *b, const struct crule *r, enum event_type type)
{
    json_open_object(b, "alert");
    json_string(b, "action", "allowed"); /* a passive sensor never blocks */
    json_uint(b, "gid", 1);
    json_uint(b, "signature_id", r->sid);
    json_uint(b, "rev", r->rev);
    json_string(b, "signature", r->msg);
    json_string(b, "category", r->category);
    json_uint(b, "severity", r->severity);
    /* Suricata's metadata values are arrays of strings. */
    json_open_object(b, "metadata");
    if (r->n_mitre) {
        json_open_array(b, "mitre_technique_id");
        for (uint8_t i = 0; i < r->n_mitre; i++)
            json_string(b, NULL, r->mitre[i]);
        json_close_array(b);
    }
    json_open_array(b, "severity_name");
    json_string(b, NULL, alert_severity_name(r->severity));
    json_close_array(b);
    json_open_array(b, "event");
    json_string(b, NULL, event_type_name(type));
    json_close_array(b);
    json_close_object(b);
    json_close_object(b);
}

/* alert_eve_object() through the cache: the object depends only on the
 * rule and the event type. It is always written right after a key of the
 * record's top level (a comma first), so the bytes written once are the
 * bytes to write again. */
static void alert_eve_object_cached(struct json_buf *b, struct alert_eve_cache *c,
                                    const struct crule *r, enum event_type type)
{
    if (!c || b->depth != 1 || !b->need_comma[1] || b->err) {
        alert_eve_object(b, r, type);
        return;
    }
    uintptr_t h = (uintptr_t)r / sizeof *r * 31u + (uintptr_t)type;
    struct alert_eve_cached *e = &c->e[h % ALERT_EVE_CACHE];
    if (e->r == r && e->type == type && e->sid == r->sid && e->rev == r->rev) {
        json_raw(b, e->text, e->len);
        return;
    }
    size_t start = b->len;
    alert_eve_object(b, r, type);
    size_t n = b->len - start;
    if (b->err || n > sizeof e->text)
        return;
    memcpy(e->text, b->p + start, n);
    e->len = (uint16_t)n;
    e->r = r;
    e->sid = r->sid;
    e->rev = r->rev;
    e->type = (uint8_t)type;
}

void alert_eve_format(struct json_buf *b, const struct crule *r, const struct event *ev,
                      uint64_t alert_id)
{
    alert_eve_format_cached(b, NULL, r, ev, alert_id);
}

void alert_eve_format_cached(struct json_buf *b, struct alert_eve_cache *cache,
                             const struct crule *r, const struct event *ev, uint64_t alert_id)
{
    json_reset(b);
    json_open_object(b, NULL);
    json_time(b, "timestamp", ev->ts_us);
    json_uint(b, "alert_id", alert_id);
    json_string(b, "event_type", "alert");
    if (ev->header)
        ev->header(ev, b);

    alert_eve_object_cached(b, cache, r, (enum event_type)ev->type);

    if (ev->objects)
        ev->objects(ev, b);
    json_close_object(b);
}

int alert_eve_format_flow(struct json_buf *b, struct alert_eve_cache *cache, const struct crule *r,
                          uint64_t ts_us, uint64_t alert_id, const struct json_buf *rec,
                          const struct eve_flow_marks *mk)
{
    const char *p = rec->p;
    /* The record must end with the flow object's "alerted":false} then
     * the ndpi object and the record's closing brace. */
    static const char no[] = "false}";
    const size_t nolen = sizeof no - 1;
    if (rec->err || !p || rec->len < 2 || !(mk->flow_id < mk->event_type) ||
        !(mk->event_type < mk->addresses) || !(mk->addresses < mk->counters) ||
        !(mk->counters + nolen <= mk->ndpi) || !(mk->ndpi < rec->len) ||
        memcmp(p + mk->ndpi - nolen, no, nolen) != 0)
        return -EINVAL;
    json_reset(b);
    json_open_object(b, NULL);
    json_time(b, "timestamp", ts_us);
    json_uint(b, "alert_id", alert_id);
    json_string(b, "event_type", "alert");
    /* The header as event_flow's: flow_id, then the addresses, ports,
     * proto and app_proto (the record has its event_type between). */
    json_raw(b, p + mk->flow_id, mk->event_type - mk->flow_id);
    json_raw(b, p + mk->addresses, mk->counters - mk->addresses);
    alert_eve_object_cached(b, cache, r, EVENT_FLOW);
    /* The flow object as eve_flow_counters(b, f, true) writes it, then the
     * ndpi object. */
    json_raw(b, p + mk->counters, mk->ndpi - nolen - mk->counters);
    json_raw(b, "true}", 5);
    json_raw(b, p + mk->ndpi, rec->len - 1 - mk->ndpi);
    json_close_object(b);
    return b->err ? -ENOMEM : 0;
}

int alert_eve_format_proto(struct json_buf *b, struct alert_eve_cache *cache, const struct crule *r,
                           const struct event *ev, const struct flow *f, uint64_t alert_id,
                           const struct json_buf *rec, const struct proto_record_marks *mk)
{
    const char *p = rec->p;
    /* The record's header always has ports and names the proto TCP when
     * it has no name; event_flow_header_write() matches it on TCP only. */
    if (f->key.proto != IPPROTO_TCP || rec->err || !p || rec->len < 2 ||
        !(mk->flow_id < mk->event_type) || !(mk->event_type < mk->addresses) ||
        !(mk->addresses < mk->objects) || !(mk->objects < rec->len) || p[rec->len - 1] != '}')
        return -EINVAL;
    json_reset(b);
    json_open_object(b, NULL);
    json_time(b, "timestamp", ev->ts_us);
    json_uint(b, "alert_id", alert_id);
    json_string(b, "event_type", "alert");
    json_raw(b, p + mk->flow_id, mk->event_type - mk->flow_id);
    json_raw(b, p + mk->addresses, mk->objects - mk->addresses);
    alert_eve_object_cached(b, cache, r, (enum event_type)ev->type);
    json_raw(b, p + mk->objects, rec->len - 1 - mk->objects);
    json_close_object(b);
    return b->err ? -ENOMEM : 0;
}
