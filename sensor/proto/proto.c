#include "proto/proto.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "output/eve_flow.h"
#include "proto/proto_dicom.h"
#include "proto/proto_fhir.h"
#include "proto/proto_hl7.h"
#include "proto/proto_smb.h"
#include "util/ipfmt.h"

/* The registry: one line per parser. The order is the probe order among
 * parsers that no hint favours. */
static const struct proto_parser *const proto_parsers[] = {
    &proto_dicom,
    &proto_hl7,
    &proto_fhir,
    &proto_smb,
};

#define PROTO_NPARSERS (sizeof proto_parsers / sizeof proto_parsers[0])

/* Bytes kept per direction while a flow is probed on its reassembled
 * start (a probe answered "maybe" on a short first packet). */
#define PROTO_PROBE_BUFFER 2048u
/* A buffer emptied by the parser is freed when larger than this, so a
 * long-lived flow only holds a big buffer while it needs one. */
#define PROTO_BUFFER_KEEP 4096u
/* flow->proto_probes counts payload packets per direction in 4 bits. */
#define PROTO_PROBES_MAX 15u

struct proto_buf {
    uint8_t *p; /* owned */
    uint32_t len, cap;
};

/* What a flow owns once a parser claimed it or while it is probed on its
 * reassembled start. Hangs off flow->proto. */
struct proto_flow {
    struct stream st;
    struct proto_buf buf[2];           /* unconsumed bytes per direction */
    const struct proto_parser *parser; /* NULL while probing */
    void *state;                       /* owned: parser->state_size bytes */
    uint32_t candidates;               /* while probing: parsers that said maybe */
    bool abandon;                      /* set during delivery, acted on after it */
};

struct proto_engine {
    struct flow_table *ft;        /* borrowed */
    const struct classifier *cls; /* borrowed */
    struct eve_file *eve;         /* borrowed, may be NULL */
    struct stream_engine *streams;
    struct json_buf rec;
    /* While the sink runs: rec holds that event's record (rec_ok), its
     * parts starting at rec_marks. */
    bool rec_ok;
    struct proto_record_marks rec_marks;
    proto_event_fn sink;
    void *sink_ctx;
    struct proto_engine_stats st;
    /* The flow and packet time of the delivery under way: the stream's
     * callback has only one context pointer, the engine. */
    struct flow *cur;
    uint64_t now_us;
};

_Static_assert(PROTO_NPARSERS <= sizeof((struct proto_engine_stats *)0)->parser /
                                     sizeof((struct proto_engine_stats *)0)->parser[0],
               "proto_engine_stats.parser has a slot per registered parser");

const struct proto_parser *const *proto_registry(size_t *n)
{
    *n = PROTO_NPARSERS;
    return proto_parsers;
}

struct proto_engine *proto_engine_new(struct flow_table *ft, const struct classifier *cls,
                                      struct eve_file *eve)
{
    struct proto_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->ft = ft;
    e->cls = cls;
    e->eve = eve;
    json_init(&e->rec);
    struct stream_limits lim;
    stream_limits_default(&lim);
    e->streams = stream_engine_new(&lim, ft);
    if (!e->streams)
        goto fail;
    return e;
fail:
    proto_engine_free(e);
    return NULL;
}

void proto_engine_free(struct proto_engine *e)
{
    if (!e)
        return;
    stream_engine_free(e->streams);
    json_free(&e->rec);
    free(e);
}

int proto_engine_set_stream_limits(struct proto_engine *e, const struct stream_limits *lim)
{
    /* Held segments and windows are sized by the limits they were made
     * with: a fresh engine, while none exist. */
    if (stream_engine_stats(e->streams)->memory != 0)
        return -EBUSY;
    struct stream_engine *n = stream_engine_new(lim, e->ft);
    if (!n)
        return -ENOMEM;
    stream_engine_free(e->streams);
    e->streams = n;
    return 0;
}

void proto_engine_set_event_sink(struct proto_engine *e, proto_event_fn fn, void *ctx)
{
    e->sink = fn;
    e->sink_ctx = ctx;
}

const struct proto_engine_stats *proto_engine_stats(const struct proto_engine *e)
{
    return &e->st;
}

const struct stream_stats *proto_engine_stream_stats(const struct proto_engine *e)
{
    return stream_engine_stats(e->streams);
}

const char *proto_flow_app_name(const struct flow *f)
{
    if (f->proto_id == 0 || f->proto_id > PROTO_NPARSERS)
        return NULL;
    return proto_parsers[f->proto_id - 1]->name;
}

bool proto_flow_ndpi_blind(const struct flow *f)
{
    return f->proto_id != 0 && f->proto_id <= PROTO_NPARSERS &&
           proto_parsers[f->proto_id - 1]->ndpi_blind;
}

/* -- records ---------------------------------------------------------------- */

static void proto_ip(struct json_buf *b, const char *key, const uint8_t ip[16], uint8_t version)
{
    char s[IPFMT_MAX];
    size_t n = ipfmt_format(s, ip, version == 6 ? 6 : 4);
    json_string_bytes(b, key, (const uint8_t *)s, n);
}

void proto_record_header(struct json_buf *b, const struct flow *f, const char *event_type,
                         uint64_t ts_us)
{
    proto_record_header_marked(b, f, event_type, ts_us, NULL);
}

void proto_record_header_marked(struct json_buf *b, const struct flow *f, const char *event_type,
                                uint64_t ts_us, struct proto_record_marks *mk)
{
    struct proto_record_marks unused;
    if (!mk)
        mk = &unused;
    const uint8_t *cip = f->a_is_client ? f->key.ip_a : f->key.ip_b;
    const uint8_t *sip = f->a_is_client ? f->key.ip_b : f->key.ip_a;
    uint16_t cport = f->a_is_client ? f->key.port_a : f->key.port_b;
    uint16_t sport = f->a_is_client ? f->key.port_b : f->key.port_a;
    json_time(b, "timestamp", ts_us);
    mk->flow_id = b->len;
    json_uint(b, "flow_id", f->id);
    mk->event_type = b->len;
    json_string(b, "event_type", event_type);
    mk->addresses = b->len;
    if (f->key.vlan) {
        json_open_array(b, "vlan");
        json_uint(b, NULL, f->key.vlan);
        json_close_array(b);
    }
    proto_ip(b, "src_ip", cip, f->key.ip_version);
    json_uint(b, "src_port", cport);
    proto_ip(b, "dest_ip", sip, f->key.ip_version);
    json_uint(b, "dest_port", sport);
    const char *pn = eve_proto_name(f->key.proto);
    json_string(b, "proto", pn ? pn : "TCP");
    json_string(b, "app_proto", event_type);
    mk->objects = b->len;
}

static void proto_emit(struct proto_call *c, unsigned kind, uint64_t ts_us, const void *event)
{
    struct proto_engine *e = c->ctx;
    const struct flow *f = e->cur;
    size_t idx = (size_t)f->proto_id - 1;
    const struct proto_parser *ps = proto_parsers[idx];

    e->st.parser[idx].events++;
    if (e->eve && kind < 32 && (ps->logged_kinds & (UINT32_C(1) << kind))) {
        struct json_buf *b = &e->rec;
        json_reset(b);
        json_open_object(b, NULL);
        proto_record_header_marked(b, f, ps->name, ts_us, &e->rec_marks);
        ps->format(b, kind, event);
        json_close_object(b);
        e->rec_ok = !b->err;
        if (!b->err && eve_file_write(e->eve, b) == 0)
            e->st.parser[idx].records++;
    }
    if (e->sink)
        e->sink(e->sink_ctx, f, ps, kind, event);
    e->rec_ok = false;
}

const struct json_buf *proto_engine_record(const struct proto_engine *e,
                                           struct proto_record_marks *marks)
{
    if (!e->rec_ok)
        return NULL;
    *marks = e->rec_marks;
    return &e->rec;
}

static void proto_call_init(struct proto_engine *e, struct proto_call *c, enum flow_dir dir)
{
    c->dir = dir;
    c->ts_us = e->now_us;
    c->emit = proto_emit;
    c->ctx = e;
}

/* -- per-flow state ------------------------------------------------------------ */

static void buf_free(struct proto_engine *e, struct proto_buf *b)
{
    if (b->p) {
        flow_table_uncharge_scratch(e->ft, b->cap);
        free(b->p);
    }
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Appends up to n bytes within max; returns how many. 0 means the cap or
 * the memory cap was reached. */
static size_t buf_append(struct proto_engine *e, struct proto_buf *b, const uint8_t *p, size_t n,
                         size_t max)
{
    if (n > max - b->len)
        n = max - b->len;
    if (n == 0)
        return 0;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 512;
        while (cap < b->len + n)
            cap *= 2;
        if (cap > max)
            cap = max;
        if (!flow_table_charge_scratch(e->ft, cap)) {
            e->st.memcap_drops++;
            return 0;
        }
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            flow_table_uncharge_scratch(e->ft, cap);
            e->st.memcap_drops++;
            return 0;
        }
        if (b->p)
            flow_table_uncharge_scratch(e->ft, b->cap);
        b->p = np;
        b->cap = (uint32_t)cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += (uint32_t)n;
    return n;
}

static void proto_flow_free(struct proto_engine *e, struct flow *f)
{
    struct proto_flow *pf = f->proto;
    if (!pf)
        return;
    stream_release(e->streams, &pf->st);
    buf_free(e, &pf->buf[0]);
    buf_free(e, &pf->buf[1]);
    if (pf->state) {
        flow_table_uncharge_scratch(e->ft, pf->parser->state_size);
        free(pf->state);
    }
    flow_table_uncharge_scratch(e->ft, sizeof *pf);
    free(pf);
    f->proto = NULL;
}

static struct proto_flow *proto_flow_new(struct proto_engine *e, struct flow *f,
                                         const struct packet *p, enum flow_dir dir)
{
    if (!flow_table_charge_scratch(e->ft, sizeof(struct proto_flow))) {
        e->st.memcap_drops++;
        return NULL;
    }
    struct proto_flow *pf = calloc(1, sizeof *pf);
    if (!pf) {
        flow_table_uncharge_scratch(e->ft, sizeof(struct proto_flow));
        e->st.memcap_drops++;
        return NULL;
    }
    /* This packet starts its direction; the peer has received every byte
     * of the other direction before the acknowledgement number, so the
     * other direction starts there (a SYN-less pickup works the same). */
    stream_start(&pf->st, dir, p->tcp_seq);
    if (p->tcp_flags & TCP_ACK)
        stream_start(&pf->st, dir == DIR_TOSERVER ? DIR_TOCLIENT : DIR_TOSERVER, p->tcp_ack);
    f->proto = pf;
    return pf;
}

/* Gives the flow to parser idx: its state is allocated and charged. */
static bool proto_claim(struct proto_engine *e, struct flow *f, struct proto_flow *pf, size_t idx)
{
    const struct proto_parser *ps = proto_parsers[idx];
    if (!flow_table_charge_scratch(e->ft, ps->state_size)) {
        e->st.memcap_drops++;
        return false;
    }
    pf->state = calloc(1, ps->state_size);
    if (!pf->state) {
        flow_table_uncharge_scratch(e->ft, ps->state_size);
        e->st.memcap_drops++;
        return false;
    }
    pf->parser = ps;
    f->proto_id = (uint8_t)(idx + 1);
    e->st.parser[idx].flows++;
    return true;
}

static void proto_fail(struct proto_engine *e, struct flow *f, struct proto_flow *pf)
{
    e->st.parser[f->proto_id - 1].errors++;
    pf->abandon = true;
}

/* -- feeding a parser ----------------------------------------------------------- */

/* Offers the direction's bytes to the parser: straight from the segment
 * when nothing is pending (no copy), else through the buffer. */
static void proto_feed(struct proto_engine *e, struct flow *f, struct proto_flow *pf,
                       enum flow_dir dir, const uint8_t *p, size_t len)
{
    const struct proto_parser *ps = pf->parser;
    struct proto_buf *b = &pf->buf[dir];
    struct proto_call c;
    proto_call_init(e, &c, dir);

    while (len > 0 && !pf->abandon) {
        if (b->len == 0) {
            int64_t r = ps->parse(pf->state, &c, p, len);
            if (r > 0) {
                size_t n = (size_t)r < len ? (size_t)r : len;
                p += n;
                len -= n;
                continue;
            }
            if (r != PROTO_NEED_MORE) {
                proto_fail(e, f, pf);
                return;
            }
            if (len > ps->max_buffer) {
                e->st.buffer_overflows++;
                proto_fail(e, f, pf);
                return;
            }
            if (buf_append(e, b, p, len, ps->max_buffer) != len)
                proto_fail(e, f, pf);
            return;
        }

        size_t n = buf_append(e, b, p, len, ps->max_buffer);
        if (n == 0) {
            if (b->len >= ps->max_buffer)
                e->st.buffer_overflows++;
            proto_fail(e, f, pf);
            return;
        }
        p += n;
        len -= n;
        size_t off = 0;
        while (off < b->len) {
            int64_t r = ps->parse(pf->state, &c, b->p + off, b->len - off);
            if (r == PROTO_NEED_MORE)
                break;
            if (r <= 0) {
                proto_fail(e, f, pf);
                return;
            }
            off += (size_t)r < b->len - off ? (size_t)r : b->len - off;
        }
        if (off == 0 && b->len >= ps->max_buffer) {
            e->st.buffer_overflows++;
            proto_fail(e, f, pf);
            return;
        }
        memmove(b->p, b->p + off, b->len - off);
        b->len -= (uint32_t)off;
        if (b->len == 0 && b->cap > PROTO_BUFFER_KEEP)
            buf_free(e, b);
    }
}

static void proto_gap(struct proto_engine *e, struct flow *f, struct proto_flow *pf,
                      enum flow_dir dir, size_t len)
{
    struct proto_call c;
    proto_call_init(e, &c, dir);
    /* Bytes held unconsumed are cut off from what follows them: for the
     * parser they are lost with the hole. */
    len += pf->buf[dir].len;
    pf->buf[dir].len = 0;
    e->st.parser[f->proto_id - 1].gaps++;
    if (pf->parser->gap(pf->state, &c, len) < 0)
        proto_fail(e, f, pf);
}

/* -- probing --------------------------------------------------------------------- */

static unsigned probes_get(const struct flow *f, enum flow_dir dir)
{
    return dir == DIR_TOSERVER ? (f->proto_probes & 0x0fu) : (unsigned)(f->proto_probes >> 4);
}

static void probes_count(struct flow *f, enum flow_dir dir)
{
    unsigned n = probes_get(f, dir);
    if (n >= PROTO_PROBES_MAX)
        return;
    n++;
    if (dir == DIR_TOSERVER)
        f->proto_probes = (uint8_t)((f->proto_probes & 0xf0u) | n);
    else
        f->proto_probes = (uint8_t)((f->proto_probes & 0x0fu) | (n << 4));
}

static bool proto_hinted(const struct proto_engine *e, const struct flow *f,
                         const struct proto_parser *ps)
{
    for (int i = 0; i < PROTO_MAX_PORTS && ps->ports[i]; i++) {
        if (f->key.port_a == ps->ports[i] || f->key.port_b == ps->ports[i])
            return true;
    }
    if (ps->ndpi_name && e->cls && f->master_proto)
        return strcmp(classify_master_name(e->cls, f), ps->ndpi_name) == 0;
    return false;
}

static unsigned probe_limit(const struct proto_engine *e, const struct flow *f,
                            const struct proto_parser *ps)
{
    unsigned n = ps->probe_packets * (proto_hinted(e, f, ps) ? 2u : 1u);
    return n > PROTO_PROBES_MAX ? PROTO_PROBES_MAX : n;
}

/* Runs the probes on p in order: hinted parsers first. Returns the index
 * of a parser that said yes, or -1; *maybe gets those that said maybe. */
static int proto_probe(const struct proto_engine *e, const struct flow *f, enum flow_dir dir,
                       const uint8_t *p, size_t len, uint32_t only, uint32_t *maybe)
{
    *maybe = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < PROTO_NPARSERS; i++) {
            const struct proto_parser *ps = proto_parsers[i];
            if (!(only & (UINT32_C(1) << i)) || proto_hinted(e, f, ps) != (pass == 0))
                continue;
            if (probes_get(f, dir) >= probe_limit(e, f, ps))
                continue;
            enum proto_probe_result r = ps->probe(p, len, dir);
            if (r == PROBE_YES)
                return (int)i;
            if (r == PROBE_MAYBE)
                *maybe |= UINT32_C(1) << i;
        }
    }
    return -1;
}

/* After a payload packet of an undecided flow: no parser will come. */
static bool probe_window_over(const struct proto_engine *e, const struct flow *f, enum flow_dir dir)
{
    for (size_t i = 0; i < PROTO_NPARSERS; i++) {
        if (probes_get(f, dir) < probe_limit(e, f, proto_parsers[i]))
            return false;
    }
    return true;
}

static void proto_unclaimed(struct proto_engine *e, struct flow *f)
{
    proto_flow_free(e, f);
    f->proto_id = PROTO_ID_NONE;
    e->st.flows_unclaimed++;
}

/* A flow probed on its reassembled start: new bytes of direction dir. */
static void proto_probe_stream(struct proto_engine *e, struct flow *f, struct proto_flow *pf,
                               enum flow_dir dir, const uint8_t *p, size_t len)
{
    struct proto_buf *b = &pf->buf[dir];
    if (!p) {
        /* A hole in the first bytes: what follows is not a start. */
        b->len = 0;
        return;
    }
    size_t took = buf_append(e, b, p, len, PROTO_PROBE_BUFFER);
    uint32_t maybe;
    int yes = proto_probe(e, f, dir, b->p, b->len, pf->candidates, &maybe);
    if (yes < 0) {
        pf->candidates = maybe;
        if (!maybe || b->len >= PROTO_PROBE_BUFFER)
            pf->abandon = true;
        return;
    }
    if (!proto_claim(e, f, pf, (size_t)yes)) {
        pf->abandon = true;
        return;
    }
    /* What was buffered while probing is the parser's first input, then
     * the rest of these bytes that did not fit the probe buffer; the
     * client's side first, as the client speaks first. */
    for (int k = 0; k < 2; k++) {
        enum flow_dir d = k == 0 ? DIR_TOSERVER : DIR_TOCLIENT;
        struct proto_buf *db = &pf->buf[d];
        if (db->len > 0) {
            struct proto_buf tmp = *db;
            *db = (struct proto_buf){0};
            proto_feed(e, f, pf, d, tmp.p, tmp.len);
            flow_table_uncharge_scratch(e->ft, tmp.cap);
            free(tmp.p);
        }
        if (d == dir && took < len)
            proto_feed(e, f, pf, d, p + took, len - took);
    }
}

static void proto_deliver(void *ctx, enum flow_dir dir, const uint8_t *p, size_t len)
{
    struct proto_engine *e = ctx;
    struct flow *f = e->cur;
    struct proto_flow *pf = f->proto;
    if (pf->abandon)
        return;
    if (!pf->parser)
        proto_probe_stream(e, f, pf, dir, p, len);
    else if (!p)
        proto_gap(e, f, pf, dir, len);
    else
        proto_feed(e, f, pf, dir, p, len);
}

/* A parser that gave up writes what it has; a flow whose probing failed
 * is marked unclaimed. Either way its state goes. */
static void proto_settle(struct proto_engine *e, struct flow *f)
{
    struct proto_flow *pf = f->proto;
    if (!pf || !pf->abandon)
        return;
    if (!pf->parser) {
        proto_unclaimed(e, f);
        return;
    }
    struct proto_call c;
    proto_call_init(e, &c, DIR_TOSERVER);
    pf->parser->end(pf->state, &c);
    proto_flow_free(e, f);
}

/* An undecided flow without state: probe the packet itself. */
static void proto_probe_packet(struct proto_engine *e, struct flow *f, const struct packet *p,
                               enum flow_dir dir)
{
    if (f->proto_probes == 0)
        e->st.flows_probed++;
    uint32_t maybe;
    int yes = proto_probe(e, f, dir, p->payload, p->payload_len,
                          (UINT32_C(1) << PROTO_NPARSERS) - 1, &maybe);
    probes_count(f, dir);
    if (yes < 0 && !maybe) {
        if (probe_window_over(e, f, dir)) {
            f->proto_id = PROTO_ID_NONE;
            e->st.flows_unclaimed++;
        }
        return;
    }
    struct proto_flow *pf = proto_flow_new(e, f, p, dir);
    if (!pf) {
        f->proto_id = PROTO_ID_NONE;
        return;
    }
    if (yes >= 0) {
        if (!proto_claim(e, f, pf, (size_t)yes)) {
            proto_unclaimed(e, f);
            return;
        }
    } else {
        pf->candidates = maybe;
    }
    stream_segment(e->streams, &pf->st, dir, p->tcp_seq, p->payload, p->payload_len, proto_deliver,
                   e);
    proto_settle(e, f);
}

void proto_packet(struct proto_engine *e, struct flow *f, const struct packet *p, enum flow_dir dir)
{
    if (p->l4proto != IPPROTO_TCP || f->proto_id == PROTO_ID_NONE)
        return;
    struct proto_flow *pf = f->proto;
    if (!pf && f->proto_id != 0)
        return; /* claimed, and its parser has finished */
    e->cur = f;
    e->now_us = p->ts_us;
    if (!pf) {
        if (p->payload_len > 0 && !(p->tcp_flags & TCP_RST))
            proto_probe_packet(e, f, p, dir);
        return;
    }

    enum flow_dir other = dir == DIR_TOSERVER ? DIR_TOCLIENT : DIR_TOSERVER;
    if (p->tcp_flags & TCP_ACK)
        stream_ack(e->streams, &pf->st, other, p->tcp_ack, proto_deliver, e);
    if (p->payload_len > 0 && !pf->abandon) {
        stream_segment(e->streams, &pf->st, dir, p->tcp_seq, p->payload, p->payload_len,
                       proto_deliver, e);
        if (!pf->parser) {
            probes_count(f, dir);
            if (probe_window_over(e, f, dir))
                pf->abandon = true;
        }
    }
    /* A bare segment or a FIN says how far its sender has sent: a lost
     * last segment shows as a gap (see stream_sent()). */
    if (!pf->abandon && !(p->tcp_flags & (TCP_SYN | TCP_RST)) &&
        (p->payload_len == 0 || (p->tcp_flags & TCP_FIN)))
        stream_sent(e->streams, &pf->st, dir, p->tcp_seq + (uint32_t)p->payload_len,
                    (p->tcp_flags & TCP_FIN) != 0, proto_deliver, e);
    proto_settle(e, f);
}

void proto_flow_end(struct proto_engine *e, struct flow *f)
{
    struct proto_flow *pf = f->proto;
    if (!pf) {
        if (f->proto_id == 0 && f->proto_probes != 0)
            e->st.flows_unclaimed++;
        return;
    }
    e->cur = f;
    e->now_us = f->last_us;
    if (!pf->abandon)
        stream_flush(e->streams, &pf->st, proto_deliver, e);
    if (!pf->parser) {
        proto_unclaimed(e, f);
        return;
    }
    pf->abandon = true;
    proto_settle(e, f);
}

/* -- sessions without flows ------------------------------------------------------ */

struct proto_session {
    struct flow_table *ft;
    struct proto_engine *e;
    struct flow f;
};

struct proto_session *proto_session_new(const struct proto_parser *ps, proto_event_fn fn, void *ctx)
{
    size_t idx = 0;
    while (idx < PROTO_NPARSERS && proto_parsers[idx] != ps)
        idx++;
    if (idx == PROTO_NPARSERS)
        return NULL;
    struct proto_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    struct flow_limits lim;
    flow_limits_default(&lim);
    /* The table only keeps the memory accounts: no flow is ever added. */
    s->ft = flow_table_new(&lim, 0, NULL, NULL);
    if (!s->ft)
        goto fail;
    s->e = proto_engine_new(s->ft, NULL, NULL);
    if (!s->e)
        goto fail;
    proto_engine_set_event_sink(s->e, fn, ctx);
    s->f.key.proto = IPPROTO_TCP;
    s->f.key.ip_version = 4;
    s->f.a_is_client = true;
    if (!flow_table_charge(s->ft, sizeof(struct proto_flow)))
        goto fail;
    struct proto_flow *pf = calloc(1, sizeof *pf);
    if (!pf) {
        flow_table_uncharge(s->ft, sizeof(struct proto_flow));
        goto fail;
    }
    s->f.proto = pf;
    if (!proto_claim(s->e, &s->f, pf, idx))
        goto fail;
    return s;
fail:
    proto_session_free(s);
    return NULL;
}

int proto_session_feed(struct proto_session *s, enum flow_dir dir, uint64_t ts_us, const uint8_t *p,
                       size_t len)
{
    struct proto_flow *pf = s->f.proto;
    if (!pf)
        return -1;
    s->e->cur = &s->f;
    s->e->now_us = ts_us;
    proto_deliver(s->e, dir, p, len);
    proto_settle(s->e, &s->f);
    return s->f.proto ? 0 : -1;
}

int proto_session_gap(struct proto_session *s, enum flow_dir dir, uint64_t ts_us, size_t len)
{
    return proto_session_feed(s, dir, ts_us, NULL, len);
}

void proto_session_free(struct proto_session *s)
{
    if (!s)
        return;
    if (s->e && s->f.proto) {
        s->e->cur = &s->f;
        if (s->f.proto->parser) {
            s->f.proto->abandon = true;
            proto_settle(s->e, &s->f);
        } else {
            proto_flow_free(s->e, &s->f);
        }
    }
    proto_engine_free(s->e);
    flow_table_free(s->ft);
    free(s);
}
