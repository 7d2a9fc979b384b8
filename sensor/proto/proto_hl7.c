/*
 * HL7 version 2.x messages over the Minimal Lower Layer Protocol.
 *
 * References: HL7 v2.5.1 chapter 2 (Control): 2.5 message construction
 * rules, 2.14.9 MSH (message header), 2.14.8 MSA (message
 * acknowledgement), 2.9 acknowledgement rules; HL7 v2.5.1 Implementation
 * Guide C.4 (MLLP release 1) for the framing.
 *
 *   +------+---------------------------------------------------+------+------+
 *   | 0x0B | MSH|^~\&|SendApp|SendFac|RcvApp|RcvFac|DTM||ADT^A01|CtrlId|P|2.5.1 <CR>
 *   |      | EVN|...<CR> PID|...<CR> PV1|...<CR> ...            | 0x1C | 0x0D |
 *   +------+---------------------------------------------------+------+------+
 *   start block           segments, each ended by CR              end block
 *
 * MSH-1 is the character right after "MSH" and MSH-2 the encoding
 * characters (component, repetition, escape, subcomponent): the message
 * declares its own separators, and they are used as declared.
 *
 * Framing is read as a stream: a message may span many TCP segments and a
 * segment may carry several messages. Only MSH and MSA are read whole
 * (bounded); every other segment is skipped after its 3-byte id, so a
 * message of any length costs no buffer.
 */
#include "proto/proto_hl7.h"

#include <string.h>

#include "util/cursor.h"

#define HL7_SB 0x0b /* MLLP start block */
#define HL7_EB 0x1c /* MLLP end block */
#define HL7_CR 0x0d
#define HL7_LF 0x0a
/* The longest MSH or MSA read; beyond it the segment is read cut. */
#define HL7_SEG_MAX 2048u
/* Messages kept waiting for their acknowledgement per flow, and how
 * long: then they are written without one. */
#define HL7_MAX_PENDING 8
#define HL7_ACK_TIMEOUT_US (30ull * 1000000)

enum hl7_phase {
    HL7_PH_SEGMENT, /* at the start of a segment (or the end block) */
    HL7_PH_SKIP,    /* inside a segment not read */
};

struct hl7_dir {
    bool in_msg;
    bool seen_msh;
    bool bad;      /* the message does not start with MSH: no record */
    uint8_t phase; /* enum hl7_phase */
    struct hl7_message_event msg;
};

struct hl7_state {
    struct hl7_dir d[2];
    uint8_t n_pending;
    struct hl7_message_event pending[HL7_MAX_PENDING]; /* oldest first */
};

/* Segments that identify a patient or a visit (v2.5.1 chapters 3, 6, 11). */
static bool hl7_patient_segment(const char *id)
{
    static const char ids[][4] = {"PID", "PD1", "NK1", "PV1", "PV2", "MRG", "GT1", "IN1",
                                  "IN2", "IN3", "ACC", "DB1", "QRD", "QPD", "PDA", "ARV"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        if (memcmp(id, ids[i], 3) == 0)
            return true;
    }
    return false;
}

static bool hl7_seg_id_ok(const uint8_t *p)
{
    for (int i = 0; i < 3; i++) {
        if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
            return false;
    }
    return true;
}

/* Copies the field's first n bytes, or only its first component when
 * comp is not 0, into dst. */
static void hl7_copy(char *dst, size_t cap, const uint8_t *p, size_t n, char comp)
{
    if (comp) {
        const uint8_t *e = memchr(p, (unsigned char)comp, n);
        if (e)
            n = (size_t)(e - p);
    }
    if (n > cap - 1)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = p[i] ? (char)p[i] : '?';
    dst[n] = '\0';
}

/* MSH (2.14.9): fields split by MSH-1; MSH-9's components by MSH-2[0]. */
static void hl7_msh(struct hl7_message_event *m, const uint8_t *p, size_t n)
{
    if (n < 4)
        return;
    char fs = (char)p[3];
    m->field_sep = fs;
    char cs = '^';
    size_t field = 2; /* MSH-1 is the separator itself */
    size_t i = 4;
    while (i <= n && field <= 12) {
        const uint8_t *start = p + i;
        const uint8_t *e = memchr(start, (unsigned char)fs, n - i);
        size_t len = e ? (size_t)(e - start) : n - i;
        switch (field) {
        case 2:
            hl7_copy(m->encoding, sizeof m->encoding, start, len, 0);
            if (len >= 1)
                cs = (char)start[0];
            break;
        case 3:
            hl7_copy(m->sending_app, sizeof m->sending_app, start, len, 0);
            break;
        case 4:
            hl7_copy(m->sending_facility, sizeof m->sending_facility, start, len, 0);
            break;
        case 5:
            hl7_copy(m->receiving_app, sizeof m->receiving_app, start, len, 0);
            break;
        case 6:
            hl7_copy(m->receiving_facility, sizeof m->receiving_facility, start, len, 0);
            break;
        case 7:
            hl7_copy(m->datetime, sizeof m->datetime, start, len, cs);
            break;
        case 9: {
            const uint8_t *c1 = memchr(start, (unsigned char)cs, len);
            hl7_copy(m->message_code, sizeof m->message_code, start, len, cs);
            if (c1) {
                const uint8_t *r = c1 + 1;
                size_t rl = len - (size_t)(r - start);
                hl7_copy(m->trigger_event, sizeof m->trigger_event, r, rl, cs);
                const uint8_t *c2 = memchr(r, (unsigned char)cs, rl);
                if (c2) {
                    const uint8_t *r2 = c2 + 1;
                    hl7_copy(m->structure, sizeof m->structure, r2, len - (size_t)(r2 - start), cs);
                }
            }
            break;
        }
        case 10:
            hl7_copy(m->control_id, sizeof m->control_id, start, len, 0);
            break;
        case 11:
            hl7_copy(m->processing_id, sizeof m->processing_id, start, len, cs);
            break;
        case 12:
            hl7_copy(m->version, sizeof m->version, start, len, cs);
            break;
        default:
            break;
        }
        if (!e)
            break;
        i += len + 1;
        field++;
    }
}

/* MSA (2.14.8): MSA-1 acknowledgement code, MSA-2 control id. */
static void hl7_msa(struct hl7_message_event *m, const uint8_t *p, size_t n)
{
    if (n < 4 || !m->field_sep)
        return;
    char fs = m->field_sep;
    m->has_msa = true;
    size_t i = 4;
    for (int field = 1; field <= 2 && i <= n; field++) {
        const uint8_t *start = p + i;
        const uint8_t *e = memchr(start, (unsigned char)fs, n - i);
        size_t len = e ? (size_t)(e - start) : n - i;
        if (field == 1)
            hl7_copy(m->ack_code, sizeof m->ack_code, start, len, 0);
        else
            hl7_copy(m->ack_control_id, sizeof m->ack_control_id, start, len, 0);
        if (!e)
            break;
        i += len + 1;
    }
}

static void hl7_emit(struct proto_call *c, const struct hl7_message_event *m)
{
    c->emit(c, HL7_EV_MESSAGE, m->ts_us, m);
}

static void hl7_pending_pop(struct hl7_state *s, struct proto_call *c, unsigned i)
{
    hl7_emit(c, &s->pending[i]);
    memmove(&s->pending[i], &s->pending[i + 1], (s->n_pending - i - 1) * sizeof s->pending[0]);
    s->n_pending--;
}

/* A message is complete (or cut): an acknowledgement settles the message
 * it names; any other message waits for its own. */
static void hl7_message_done(struct hl7_state *s, struct proto_call *c, struct hl7_dir *d)
{
    struct hl7_message_event *m = &d->msg;
    d->in_msg = false;
    if (!d->seen_msh || d->bad)
        return;

    /* Messages that waited too long are written unacknowledged. */
    while (s->n_pending && c->ts_us > s->pending[0].ts_us + HL7_ACK_TIMEOUT_US)
        hl7_pending_pop(s, c, 0);

    if (m->has_msa) {
        for (unsigned i = 0; i < s->n_pending; i++) {
            struct hl7_message_event *o = &s->pending[i];
            if (o->dir != m->dir && strcmp(o->control_id, m->ack_control_id) == 0) {
                o->acked = true;
                o->ack_ts_us = m->ts_us;
                memcpy(o->acked_code, m->ack_code, sizeof o->acked_code);
                m->acks_known = true;
                size_t k = strlen(o->message_code);
                memcpy(m->acks_message, o->message_code, k);
                if (o->trigger_event[0] &&
                    k + 1 + strlen(o->trigger_event) < sizeof m->acks_message) {
                    m->acks_message[k] = '^';
                    strcpy(m->acks_message + k + 1, o->trigger_event);
                } else {
                    m->acks_message[k] = '\0';
                }
                hl7_pending_pop(s, c, i);
                break;
            }
        }
        hl7_emit(c, m);
        return;
    }
    if (s->n_pending == HL7_MAX_PENDING)
        hl7_pending_pop(s, c, 0);
    s->pending[s->n_pending++] = *m;
}

static void hl7_message_start(struct hl7_dir *d, struct proto_call *c)
{
    memset(&d->msg, 0, sizeof d->msg);
    d->msg.ts_us = c->ts_us;
    d->msg.dir = (uint8_t)c->dir;
    d->in_msg = true;
    d->seen_msh = false;
    d->bad = false;
    d->phase = HL7_PH_SEGMENT;
}

static void hl7_segment_id(struct hl7_dir *d, const uint8_t *id)
{
    struct hl7_message_event *m = &d->msg;
    m->segment_count++;
    if (m->n_segments < HL7_MAX_SEGMENTS) {
        memcpy(m->segments[m->n_segments], id, 3);
        m->segments[m->n_segments][3] = '\0';
        m->n_segments++;
    } else {
        m->segments_truncated = true;
    }
    if (hl7_patient_segment((const char *)id))
        m->patient_segments = true;
}

/* The first CR, LF or end block. Three memchr() over a stretch of 256
 * bytes at a time cost less than a loop over every byte of a segment
 * (tens to hundreds of bytes), and never look far past the delimiter a
 * rarer one of the three marks. */
static const uint8_t *hl7_seg_end(const uint8_t *p, size_t n)
{
    for (size_t off = 0; off < n; off += 256) {
        size_t k = n - off < 256 ? n - off : 256;
        const uint8_t *q = p + off;
        const uint8_t *e = memchr(q, HL7_CR, k);
        size_t m = e ? (size_t)(e - q) : k;
        const uint8_t *x = memchr(q, HL7_LF, m);
        if (x) {
            e = x;
            m = (size_t)(x - q);
        }
        x = memchr(q, HL7_EB, m);
        if (x)
            e = x;
        if (e)
            return e;
    }
    return NULL;
}

static int64_t hl7_parse(void *state, struct proto_call *c, const uint8_t *p, size_t len)
{
    struct hl7_state *s = state;
    struct hl7_dir *d = &s->d[c->dir];
    size_t i = 0;

    while (i < len) {
        if (!d->in_msg) {
            const uint8_t *sb = memchr(p + i, HL7_SB, len - i);
            if (!sb)
                return (int64_t)len; /* between messages: nothing to read */
            i = (size_t)(sb - p) + 1;
            hl7_message_start(d, c);
            d->msg.length = 0;
            continue;
        }
        if (d->phase == HL7_PH_SKIP) {
            const uint8_t *e = hl7_seg_end(p + i, len - i);
            size_t n = e ? (size_t)(e - (p + i)) : len - i;
            d->msg.length += (uint32_t)n;
            i += n;
            if (e)
                d->phase = HL7_PH_SEGMENT;
            continue;
        }
        uint8_t b = p[i];
        if (b == HL7_CR || b == HL7_LF) {
            d->msg.length++;
            i++;
            continue;
        }
        if (b == HL7_EB) {
            if (len - i < 2)
                return i ? (int64_t)i : PROTO_NEED_MORE;
            /* The end block is 0x1C 0x0D; a bare 0x1C ends the message too. */
            i += p[i + 1] == HL7_CR ? 2 : 1;
            hl7_message_done(s, c, d);
            continue;
        }
        if (b == HL7_SB) {
            /* A new start block inside a message: the last one was never
             * ended. It is written cut, and the new one begins. */
            d->msg.truncated = true;
            hl7_message_done(s, c, d);
            continue;
        }
        if (len - i < 4)
            return i ? (int64_t)i : PROTO_NEED_MORE;
        const uint8_t *id = p + i;
        bool msh = memcmp(id, "MSH", 3) == 0;
        if (!d->seen_msh && !msh)
            d->bad = true;
        if (!hl7_seg_id_ok(id))
            d->msg.truncated = true;
        if ((msh && !d->seen_msh) || (memcmp(id, "MSA", 3) == 0 && d->seen_msh)) {
            const uint8_t *e = hl7_seg_end(id, len - i);
            size_t n;
            if (e) {
                n = (size_t)(e - id);
            } else if (len - i >= HL7_SEG_MAX) {
                n = HL7_SEG_MAX;
                d->msg.truncated = true;
            } else {
                return i ? (int64_t)i : PROTO_NEED_MORE;
            }
            if (msh) {
                hl7_msh(&d->msg, id, n);
                d->seen_msh = true;
            } else {
                hl7_msa(&d->msg, id, n);
            }
            hl7_segment_id(d, id);
            d->msg.length += (uint32_t)n;
            i += n;
            if (!e)
                d->phase = HL7_PH_SKIP;
            continue;
        }
        hl7_segment_id(d, id);
        d->msg.length += 3;
        i += 3;
        d->phase = HL7_PH_SKIP;
    }
    return (int64_t)len;
}

static int hl7_gap(void *state, struct proto_call *c, size_t len)
{
    (void)len;
    struct hl7_state *s = state;
    struct hl7_dir *d = &s->d[c->dir];
    /* The message under way is written cut; parsing resumes at the next
     * start block. */
    if (d->in_msg) {
        d->msg.truncated = true;
        hl7_message_done(s, c, d);
    }
    return 0;
}

static void hl7_end(void *state, struct proto_call *c)
{
    struct hl7_state *s = state;
    for (int k = 0; k < 2; k++) {
        struct hl7_dir *d = &s->d[k];
        if (d->in_msg) {
            d->msg.truncated = true;
            hl7_message_done(s, c, d);
        }
    }
    while (s->n_pending)
        hl7_pending_pop(s, c, 0);
}

static enum proto_probe_result hl7_probe(const uint8_t *p, size_t len, enum flow_dir dir)
{
    (void)dir;
    static const uint8_t start[4] = {HL7_SB, 'M', 'S', 'H'};
    size_t n = len < 4 ? len : 4;
    if (memcmp(p, start, n) != 0)
        return PROBE_NO;
    if (len < 5)
        return PROBE_MAYBE;
    /* MSH-1: any printable that is not a letter, digit or space. */
    uint8_t fs = p[4];
    if (fs <= 0x20 || fs >= 0x7f || (fs >= '0' && fs <= '9') || (fs >= 'A' && fs <= 'Z') ||
        (fs >= 'a' && fs <= 'z'))
        return PROBE_NO;
    return PROBE_YES;
}

static void hl7_format(struct json_buf *b, unsigned kind, const void *event)
{
    (void)kind;
    const struct hl7_message_event *m = event;
    json_open_object(b, "hl7");
    json_string(b, "direction", m->dir == DIR_TOSERVER ? "toserver" : "toclient");
    json_string(b, "sending_application", m->sending_app);
    json_string(b, "sending_facility", m->sending_facility);
    json_string(b, "receiving_application", m->receiving_app);
    json_string(b, "receiving_facility", m->receiving_facility);
    json_string(b, "message_datetime", m->datetime);
    /* Each part measured once: for message_type and for its own key. */
    const char *part[3] = {m->message_code, m->trigger_event, m->structure};
    size_t plen[3];
    for (int j = 0; j < 3; j++)
        plen[j] = strlen(part[j]);
    char type[32];
    size_t k = 0;
    for (int j = 0; j < 3 && plen[j]; j++) {
        if (k + plen[j] + 2 > sizeof type)
            break;
        if (k)
            type[k++] = '^';
        memcpy(type + k, part[j], plen[j]);
        k += plen[j];
    }
    json_string_bytes(b, "message_type", (const uint8_t *)type, k);
    json_string_bytes(b, "message_code", (const uint8_t *)part[0], plen[0]);
    if (plen[1])
        json_string_bytes(b, "trigger_event", (const uint8_t *)part[1], plen[1]);
    if (plen[2])
        json_string_bytes(b, "message_structure", (const uint8_t *)part[2], plen[2]);
    json_string(b, "message_control_id", m->control_id);
    json_string(b, "processing_id", m->processing_id);
    json_string(b, "version", m->version);
    if (m->has_msa) {
        json_open_object(b, "msa");
        json_string(b, "ack_code", m->ack_code);
        json_string(b, "message_control_id", m->ack_control_id);
        if (m->acks_known)
            json_string(b, "acknowledges", m->acks_message);
        json_close_object(b);
    }
    if (!m->has_msa) {
        json_open_object(b, "ack");
        json_bool(b, "received", m->acked);
        if (m->acked) {
            json_string(b, "ack_code", m->acked_code);
            json_uint(b, "latency_ms",
                      m->ack_ts_us > m->ts_us ? (m->ack_ts_us - m->ts_us) / 1000 : 0);
        }
        json_close_object(b);
    }
    json_open_array(b, "segments");
    for (unsigned i = 0; i < m->n_segments; i++) {
        /* Three bytes from the wire and a NUL: measured without a call. */
        const char *id = m->segments[i];
        size_t n = !id[0] ? 0 : !id[1] ? 1 : !id[2] ? 2 : 3;
        json_string_bytes(b, NULL, (const uint8_t *)id, n);
    }
    json_close_array(b);
    json_uint(b, "segment_count", m->segment_count);
    if (m->segments_truncated)
        json_bool(b, "segments_truncated", true);
    json_bool(b, "patient_segments", m->patient_segments);
    json_uint(b, "length", m->length);
    if (m->truncated)
        json_bool(b, "truncated", true);
    /* MLLP has no security layer: a message read here crossed in cleartext. */
    json_bool(b, "cleartext", true);
    json_close_object(b);
}

const struct proto_parser proto_hl7 = {
    .name = "hl7",
    .ports = {2575, 6661, 0, 0},
    .ndpi_name = NULL,
    .ndpi_blind = true,
    .probe_packets = 4,
    .state_size = sizeof(struct hl7_state),
    .max_buffer = HL7_SEG_MAX + 16,
    .logged_kinds = 1u << HL7_EV_MESSAGE,
    .probe = hl7_probe,
    .parse = hl7_parse,
    .gap = hl7_gap,
    .end = hl7_end,
    .format = hl7_format,
};
