/*
 * DICOM upper layer protocol over TCP.
 *
 * References: DICOM PS3.8 (Network Communication Support), section 9.3
 * (PDU structure) and Annex D (user information sub-items); PS3.7
 * (Message Exchange), section 9.3 and 10.3 (DIMSE-C and DIMSE-N command
 * sets), section 6.3.1 (command sets are always Implicit VR Little
 * Endian) and Annex C (status codes).
 *
 * Every PDU starts with the same 6 bytes; lengths are big-endian:
 *
 *   0        1        2                 6
 *   +--------+--------+-----------------+--------------------------------+
 *   |  type  |reserved|  PDU length     |  PDU length bytes               |
 *   +--------+--------+-----------------+--------------------------------+
 *
 *   A-ASSOCIATE-RQ/AC (1, 2): version(2) reserved(2) called AE(16) calling AE(16)
 *                             reserved(32) items: {type(1) reserved(1) length(2) ...}
 *       0x10 application context  0x20/0x21 presentation context (RQ/AC)
 *       0x30 abstract syntax      0x40 transfer syntax    0x50 user information
 *   A-ASSOCIATE-RJ (3): reserved(1) result(1) source(1) reason(1)
 *   P-DATA-TF (4):      PDV items {length(4) context id(1) control header(1) fragment}
 *                       control header bit 0: command (1) or data set (0),
 *                       bit 1: last fragment
 *   A-RELEASE-RQ/RP (5, 6): reserved(4)     A-ABORT (7): reserved(2) source(1) reason(1)
 *
 * A DIMSE command set (group 0000, Implicit VR LE) is a list of
 * {group(2) element(2) length(4) value}. Data sets that follow are skipped
 * unread: only the command set says what happened.
 *
 * Association PDUs are parsed whole (the engine buffers them up to
 * max_buffer); P-DATA-TF is parsed as a stream, so a 500 MB image costs a
 * few counters, and a hole in a data set is stepped over.
 */
#include "proto/proto_dicom.h"

#include <string.h>

#include "proto/proto_dicom_uids.h"
#include "util/cursor.h"

#define DICOM_HEADER 6
#define DICOM_PDV_HEADER 6
/* The longest association PDU parsed whole: with 128 presentation
 * contexts of several transfer syntaxes each, real ones reach ~20 KB. */
#define DICOM_MAX_ASSOC_PDU 65536u
/* A command set is a few hundred bytes; longer ones are cut (counted). */
#define DICOM_CMD_MAX 1024u

enum dicom_phase {
    DICOM_PH_PDU,      /* at a PDU header */
    DICOM_PH_PDV_HDR,  /* inside a P-DATA-TF, at a PDV item header */
    DICOM_PH_PDV_DATA, /* inside a PDV's fragment */
};

struct dicom_dir {
    uint8_t phase; /* enum dicom_phase */
    uint8_t pdv_ctx, pdv_mch;
    bool cmd_cut;
    uint32_t pdu_left, pdv_left;
    uint16_t cmd_len;
    uint8_t cmd[DICOM_CMD_MAX];
};

struct dicom_state {
    struct dicom_assoc_event ev;
    struct dicom_dir d[2];
    bool active; /* an association is being followed */
    bool done;   /* its record was written: the rest of the connection is ignored */
    bool err;
    bool gap_err;
};

/* -- names -------------------------------------------------------------------- */

const char *dicom_command_name(uint16_t command_field)
{
    switch (command_field & 0x7fffu) {
    case 0x0001:
        return "C-STORE";
    case 0x0010:
        return "C-GET";
    case 0x0020:
        return "C-FIND";
    case 0x0021:
        return "C-MOVE";
    case 0x0030:
        return "C-ECHO";
    case 0x0100:
        return "N-EVENT-REPORT";
    case 0x0110:
        return "N-GET";
    case 0x0120:
        return "N-SET";
    case 0x0130:
        return "N-ACTION";
    case 0x0140:
        return "N-CREATE";
    case 0x0150:
        return "N-DELETE";
    case 0x0fff:
        return "C-CANCEL";
    default:
        return "unknown";
    }
}

const char *dicom_status_category(uint16_t s)
{
    if (s == 0x0000)
        return "success";
    if (s == 0xff00 || s == 0xff01)
        return "pending";
    if (s == 0xfe00)
        return "cancel";
    if (s == 0x0001 || s == 0x0107 || s == 0x0116 || (s & 0xf000) == 0xb000)
        return "warning";
    return "failure";
}

const char *dicom_status_meaning(uint16_t s)
{
    switch (s) {
    case 0x0000:
        return "Success";
    case 0xff00:
        return "Pending";
    case 0xff01:
        return "Pending: optional keys not supported";
    case 0xfe00:
        return "Cancel";
    case 0x0001:
        return "Warning: requested optional attributes not supported";
    case 0x0107:
        return "Warning: attribute list error";
    case 0x0116:
        return "Warning: attribute value out of range";
    case 0xb000:
        return "Warning: coercion of data elements or sub-operations completed with failures";
    case 0xb006:
        return "Warning: elements discarded";
    case 0xb007:
        return "Warning: data set does not match SOP class";
    case 0x0105:
        return "Failure: no such attribute";
    case 0x0106:
        return "Failure: invalid attribute value";
    case 0x0110:
        return "Failure: processing failure";
    case 0x0111:
        return "Failure: duplicate SOP instance";
    case 0x0112:
        return "Failure: no such SOP instance";
    case 0x0113:
        return "Failure: no such event type";
    case 0x0114:
        return "Failure: no such argument";
    case 0x0115:
        return "Failure: invalid argument value";
    case 0x0117:
        return "Failure: invalid object instance";
    case 0x0118:
        return "Failure: no such SOP class";
    case 0x0119:
        return "Failure: class-instance conflict";
    case 0x0120:
        return "Failure: missing attribute";
    case 0x0121:
        return "Failure: missing attribute value";
    case 0x0122:
        return "Refused: SOP class not supported";
    case 0x0123:
        return "Failure: no such action";
    case 0x0124:
        return "Refused: not authorized";
    case 0x0210:
        return "Failure: duplicate invocation";
    case 0x0211:
        return "Failure: unrecognized operation";
    case 0x0212:
        return "Failure: mistyped argument";
    case 0x0213:
        return "Failure: resource limitation";
    case 0xa701:
        return "Refused: out of resources, unable to calculate number of matches";
    case 0xa702:
        return "Refused: out of resources, unable to perform sub-operations";
    case 0xa801:
        return "Refused: move destination unknown";
    default:
        break;
    }
    switch (s & 0xff00) {
    case 0xa700:
        return "Refused: out of resources";
    case 0xa900:
        return "Error: data set does not match SOP class";
    default:
        break;
    }
    if ((s & 0xf000) == 0xc000)
        return "Error: cannot understand";
    if ((s & 0xf000) == 0xb000)
        return "Warning";
    return "Failure";
}

static const char *dicom_pctx_result_name(uint8_t r)
{
    switch (r) {
    case 0:
        return "acceptance";
    case 1:
        return "user-rejection";
    case 2:
        return "no-reason";
    case 3:
        return "abstract-syntax-not-supported";
    case 4:
        return "transfer-syntaxes-not-supported";
    case DICOM_RESULT_NONE:
        return "no-answer";
    default:
        return "unknown";
    }
}

/* PS3.8 9.3.4: A-ASSOCIATE-RJ result, source and reason. */
static const char *dicom_reject_result_name(uint8_t r)
{
    return r == 1 ? "rejected-permanent" : r == 2 ? "rejected-transient" : "unknown";
}

static const char *dicom_reject_source_name(uint8_t s)
{
    switch (s) {
    case 1:
        return "service-user";
    case 2:
        return "service-provider-acse";
    case 3:
        return "service-provider-presentation";
    default:
        return "unknown";
    }
}

static const char *dicom_reject_reason_name(uint8_t source, uint8_t r)
{
    if (source == 1) {
        switch (r) {
        case 1:
            return "no-reason-given";
        case 2:
            return "application-context-name-not-supported";
        case 3:
            return "calling-AE-title-not-recognized";
        case 7:
            return "called-AE-title-not-recognized";
        default:
            return "reserved";
        }
    }
    if (source == 2)
        return r == 1 ? "no-reason-given" : r == 2 ? "protocol-version-not-supported" : "reserved";
    if (source == 3)
        return r == 1 ? "temporary-congestion" : r == 2 ? "local-limit-exceeded" : "reserved";
    return "unknown";
}

/* PS3.8 9.3.8: A-ABORT source and (provider) reason. */
static const char *dicom_abort_source_name(uint8_t s)
{
    return s == 0 ? "service-user" : s == 2 ? "service-provider" : "reserved";
}

static const char *dicom_abort_reason_name(uint8_t source, uint8_t r)
{
    if (source != 2)
        return "not-significant";
    switch (r) {
    case 0:
        return "reason-not-specified";
    case 1:
        return "unrecognized-PDU";
    case 2:
        return "unexpected-PDU";
    case 4:
        return "unrecognized-PDU-parameter";
    case 5:
        return "unexpected-PDU-parameter";
    case 6:
        return "invalid-PDU-parameter-value";
    default:
        return "reserved";
    }
}

static const char *dicom_user_identity_name(uint8_t t)
{
    switch (t) {
    case 1:
        return "username";
    case 2:
        return "username_and_passcode";
    case 3:
        return "kerberos";
    case 4:
        return "saml";
    case 5:
        return "jwt";
    default:
        return "unknown";
    }
}

static const char *dicom_end_name(uint8_t e)
{
    switch (e) {
    case DICOM_END_RELEASE:
        return "release";
    case DICOM_END_REJECT:
        return "reject";
    case DICOM_END_ABORT:
        return "abort";
    case DICOM_END_FLOW:
        return "connection";
    case DICOM_END_ERROR:
        return "malformed";
    case DICOM_END_GAP:
        return "gap";
    default:
        return "open";
    }
}

static const char *const dicom_pdu_names[8] = {
    NULL,        "associate_rq", "associate_ac", "associate_rj",
    "p_data_tf", "release_rq",   "release_rp",   "abort",
};

/* -- UIDs and strings ---------------------------------------------------------- */

const char *dicom_uid_str(const struct dicom_assoc_event *ev, dicom_uid_ref ref)
{
    if (ref == 0)
        return "";
    if (ref & 0x8000u) {
        size_t off = ref & 0x7fffu;
        return off < ev->pool_len ? ev->pool + off : "";
    }
    const struct dicom_uid *u = dicom_uid_at((size_t)ref - 1);
    return u ? u->uid : "";
}

const char *dicom_uid_name(dicom_uid_ref ref)
{
    if (ref == 0 || (ref & 0x8000u))
        return NULL;
    const struct dicom_uid *u = dicom_uid_at((size_t)ref - 1);
    return u ? u->name : NULL;
}

/* A UID from the wire: trailing NUL and space padding dropped (PS3.5
 * 9.1 pads to even length with NUL; some implementations pad items too),
 * cut at 64 bytes. Unknown UIDs go to the pool, once each. */
static dicom_uid_ref dicom_uid_ref_of(struct dicom_assoc_event *ev, const uint8_t *p, size_t n)
{
    while (n > 0 && (p[n - 1] == '\0' || p[n - 1] == ' '))
        n--;
    if (n == 0)
        return 0;
    if (n > DICOM_UID_MAX)
        n = DICOM_UID_MAX;
    int i = dicom_uid_find((const char *)p, n);
    if (i >= 0)
        return (dicom_uid_ref)(i + 1);
    for (size_t off = 0; off < ev->pool_len;) {
        size_t l = strlen(ev->pool + off);
        if (l == n && memcmp(ev->pool + off, p, n) == 0)
            return (dicom_uid_ref)(0x8000u | off);
        off += l + 1;
    }
    if (ev->pool_len + n + 1 > sizeof ev->pool)
        return 0;
    size_t off = ev->pool_len;
    /* A NUL inside would cut the string short and confuse the search
     * above: such bytes are replaced, the UID being malformed anyway. */
    for (size_t k = 0; k < n; k++)
        ev->pool[off + k] = p[k] ? (char)p[k] : '?';
    ev->pool[off + n] = '\0';
    ev->pool_len = (uint16_t)(off + n + 1);
    return (dicom_uid_ref)(0x8000u | off);
}

/* AE titles and version names: leading and trailing spaces are not
 * significant (PS3.8 9.3.2); trailing NULs appear in the wild. */
static void dicom_copy_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    while (n > 0 && (p[0] == ' ')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\0'))
        n--;
    if (n > cap - 1)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = p[i] ? (char)p[i] : '?';
    dst[n] = '\0';
}

/* -- association PDUs ---------------------------------------------------------- */

static struct dicom_pctx *dicom_ctx_find(struct dicom_assoc_event *ev, uint8_t id)
{
    for (unsigned i = 0; i < ev->n_ctx; i++) {
        if (ev->ctx[i].id == id)
            return &ev->ctx[i];
    }
    return NULL;
}

/* Presentation context item of an A-ASSOCIATE-RQ (0x20, PS3.8 9.3.2.2). */
static void dicom_pctx_rq(struct dicom_assoc_event *ev, const uint8_t *p, size_t n)
{
    struct cursor c;
    cursor_init(&c, p, n);
    uint8_t id = cursor_u8(&c);
    cursor_skip(&c, 3);
    if (!cursor_ok(&c))
        return;
    if (ev->n_ctx >= DICOM_MAX_CONTEXTS) {
        ev->ctx_truncated = true;
        return;
    }
    struct dicom_pctx *x = &ev->ctx[ev->n_ctx++];
    memset(x, 0, sizeof *x);
    x->id = id;
    x->result = DICOM_RESULT_NONE;
    while (cursor_left(&c) >= 4) {
        uint8_t type = cursor_u8(&c);
        cursor_skip(&c, 1);
        uint16_t len = cursor_be16(&c);
        const uint8_t *v = cursor_take(&c, len);
        if (!v)
            break;
        if (type == 0x30 && !x->abstract) {
            x->abstract = dicom_uid_ref_of(ev, v, len);
        } else if (type == 0x40) {
            if (x->n_ts < DICOM_MAX_TS)
                x->ts[x->n_ts++] = dicom_uid_ref_of(ev, v, len);
            else
                x->ts_truncated = true;
        }
    }
}

/* Presentation context item of an A-ASSOCIATE-AC (0x21, PS3.8 9.3.3.2). */
static void dicom_pctx_ac(struct dicom_assoc_event *ev, const uint8_t *p, size_t n)
{
    struct cursor c;
    cursor_init(&c, p, n);
    uint8_t id = cursor_u8(&c);
    cursor_skip(&c, 1);
    uint8_t result = cursor_u8(&c);
    cursor_skip(&c, 1);
    if (!cursor_ok(&c))
        return;
    struct dicom_pctx *x = dicom_ctx_find(ev, id);
    if (!x) {
        /* An answer to a context never proposed (or one we could not
         * keep): recorded so the mismatch shows. */
        if (ev->n_ctx >= DICOM_MAX_CONTEXTS) {
            ev->ctx_truncated = true;
            return;
        }
        x = &ev->ctx[ev->n_ctx++];
        memset(x, 0, sizeof *x);
        x->id = id;
    }
    x->result = result;
    while (cursor_left(&c) >= 4) {
        uint8_t type = cursor_u8(&c);
        cursor_skip(&c, 1);
        uint16_t len = cursor_be16(&c);
        const uint8_t *v = cursor_take(&c, len);
        if (!v)
            break;
        if (type == 0x40 && result == 0)
            x->accepted_ts = dicom_uid_ref_of(ev, v, len);
    }
}

/* User information item (0x50, PS3.8 9.3.2.3 and Annex D). */
static void dicom_user_info(struct dicom_assoc_event *ev, const uint8_t *p, size_t n, bool rq)
{
    struct cursor c;
    cursor_init(&c, p, n);
    while (cursor_left(&c) >= 4) {
        uint8_t type = cursor_u8(&c);
        cursor_skip(&c, 1);
        uint16_t len = cursor_be16(&c);
        const uint8_t *v = cursor_take(&c, len);
        if (!v)
            break;
        switch (type) {
        case 0x51: /* maximum length */
            if (len >= 4) {
                if (rq)
                    ev->max_pdu_rq = get_be32(v);
                else
                    ev->max_pdu_ac = get_be32(v);
            }
            break;
        case 0x52: /* implementation class UID */
            if (rq)
                ev->impl_class_rq = dicom_uid_ref_of(ev, v, len);
            else
                ev->impl_class_ac = dicom_uid_ref_of(ev, v, len);
            break;
        case 0x55: /* implementation version name */
            if (rq)
                dicom_copy_text(ev->impl_version_rq, sizeof ev->impl_version_rq, v, len);
            else
                dicom_copy_text(ev->impl_version_ac, sizeof ev->impl_version_ac, v, len);
            break;
        case 0x58: /* user identity negotiation (RQ): type, response requested; the
                    * primary and secondary fields (name, password, token) are not read */
            if (rq && len >= 2) {
                ev->user_identity_type = v[0];
                ev->user_identity_response_requested = v[1] == 1;
            }
            break;
        case 0x59: /* user identity negotiation (AC): the server response is not read */
            if (!rq)
                ev->user_identity_response = true;
            break;
        default:
            break;
        }
    }
}

/* A-ASSOCIATE-RQ or -AC body (after the 6-byte header). */
static int dicom_associate(struct dicom_state *s, const uint8_t *p, size_t n, bool rq)
{
    struct dicom_assoc_event *ev = &s->ev;
    struct cursor c;
    cursor_init(&c, p, n);
    uint16_t version = cursor_be16(&c);
    cursor_skip(&c, 2);
    const uint8_t *called = cursor_take(&c, DICOM_AE_MAX);
    const uint8_t *calling = cursor_take(&c, DICOM_AE_MAX);
    cursor_skip(&c, 32);
    if (!cursor_ok(&c))
        return PROTO_ERROR;
    if (rq) {
        ev->protocol_version = version;
        dicom_copy_text(ev->called_ae, sizeof ev->called_ae, called, DICOM_AE_MAX);
        dicom_copy_text(ev->calling_ae, sizeof ev->calling_ae, calling, DICOM_AE_MAX);
    } else {
        ev->accepted = true;
        /* AE titles in the AC are only an echo; they name the association
         * when the request was not seen. */
        if (!ev->called_ae[0] && !ev->calling_ae[0]) {
            dicom_copy_text(ev->called_ae, sizeof ev->called_ae, called, DICOM_AE_MAX);
            dicom_copy_text(ev->calling_ae, sizeof ev->calling_ae, calling, DICOM_AE_MAX);
        }
    }
    while (cursor_left(&c) >= 4) {
        uint8_t type = cursor_u8(&c);
        cursor_skip(&c, 1);
        uint16_t len = cursor_be16(&c);
        const uint8_t *v = cursor_take(&c, len);
        if (!v)
            return PROTO_ERROR;
        switch (type) {
        case 0x10:
            if (rq || !ev->app_context)
                ev->app_context = dicom_uid_ref_of(ev, v, len);
            break;
        case 0x20:
            if (rq)
                dicom_pctx_rq(ev, v, len);
            break;
        case 0x21:
            if (!rq)
                dicom_pctx_ac(ev, v, len);
            break;
        case 0x50:
            dicom_user_info(ev, v, len, rq);
            break;
        default:
            break;
        }
    }
    return 0;
}

/* -- DIMSE command sets ---------------------------------------------------------- */

static struct dicom_cmd_summary *dicom_summary(struct dicom_assoc_event *ev, uint16_t command,
                                               dicom_uid_ref sop, bool response)
{
    /* A response without its SOP class (optional in several responses)
     * counts with the latest request of its command. */
    for (int i = (int)ev->n_cmd - 1; i >= 0; i--) {
        struct dicom_cmd_summary *m = &ev->cmd[i];
        if (m->command == command && (m->sop_class == sop || (response && sop == 0)))
            return m;
    }
    if (ev->n_cmd >= DICOM_MAX_COMMANDS) {
        ev->cmd_truncated = true;
        return NULL;
    }
    struct dicom_cmd_summary *m = &ev->cmd[ev->n_cmd++];
    memset(m, 0, sizeof *m);
    m->command = command;
    m->sop_class = sop;
    return m;
}

static void dicom_command(struct dicom_state *s, struct proto_call *c, struct dicom_dir *d)
{
    struct dicom_assoc_event *ev = &s->ev;
    struct dicom_command_event ce;
    memset(&ce, 0, sizeof ce);
    ce.assoc = ev;
    ce.context_id = d->pdv_ctx;
    bool has_field = false;
    uint16_t msg_id = 0, responded = 0;

    struct cursor k;
    cursor_init(&k, d->cmd, d->cmd_len);
    while (cursor_left(&k) >= 8) {
        uint16_t group = cursor_le16(&k);
        uint16_t elem = cursor_le16(&k);
        uint32_t vlen = cursor_le32(&k);
        const uint8_t *v = cursor_take(&k, vlen);
        if (!v || group != 0x0000)
            break;
        switch (elem) {
        case 0x0002: /* Affected SOP Class UID */
        case 0x0003: /* Requested SOP Class UID */
            if (!ce.sop_class)
                ce.sop_class = dicom_uid_ref_of(ev, v, vlen);
            break;
        case 0x0100: /* Command Field */
            if (vlen == 2) {
                ce.command_field = get_le16(v);
                has_field = true;
            }
            break;
        case 0x0110: /* Message ID */
            if (vlen == 2)
                msg_id = get_le16(v);
            break;
        case 0x0120: /* Message ID Being Responded To */
            if (vlen == 2)
                responded = get_le16(v);
            break;
        case 0x0600: /* Move Destination */
            dicom_copy_text(ce.move_destination, sizeof ce.move_destination, v, vlen);
            break;
        case 0x0900: /* Status */
            if (vlen == 2) {
                ce.status = get_le16(v);
                ce.has_status = true;
            }
            break;
        default: /* instance UIDs, error comments, counters: not kept */
            break;
        }
    }
    if (!has_field)
        return;
    bool response = ce.command_field & 0x8000u;
    ce.message_id = response ? responded : msg_id;
    c->emit(c, DICOM_EV_COMMAND, c->ts_us, &ce);

    struct dicom_cmd_summary *m =
        dicom_summary(ev, ce.command_field & 0x7fffu, ce.sop_class, response);
    if (!m)
        return;
    if (response) {
        m->responses++;
        if (ce.has_status) {
            const char *cat = dicom_status_category(ce.status);
            if (strcmp(cat, "success") == 0) {
                m->success++;
            } else if (strcmp(cat, "pending") == 0) {
                m->pending++;
            } else if (strcmp(cat, "cancel") == 0) {
                m->cancel++;
            } else {
                if (strcmp(cat, "warning") == 0)
                    m->warning++;
                else
                    m->failure++;
                m->last_problem = ce.status;
                m->has_problem = true;
            }
        }
    } else {
        if (m->requests == 0)
            m->first_message_id = ce.message_id;
        m->last_message_id = ce.message_id;
        m->requests++;
        if (ce.move_destination[0])
            memcpy(m->move_destination, ce.move_destination, sizeof m->move_destination);
    }
}

/* -- the stream parser ------------------------------------------------------------ */

static void dicom_finish(struct dicom_state *s, struct proto_call *c, enum dicom_assoc_end end)
{
    if (!s->active || s->done)
        return;
    s->ev.end = (uint8_t)end;
    s->ev.end_us = c->ts_us;
    s->done = true;
    c->emit(c, DICOM_EV_ASSOCIATION, s->ev.start_us, &s->ev);
}

static void dicom_begin(struct dicom_state *s, struct proto_call *c, bool midstream)
{
    if (s->active)
        return;
    s->active = true;
    s->ev.start_us = c->ts_us;
    s->ev.midstream = midstream;
}

/* A whole non-P-DATA PDU: type t, body p of n bytes. */
static int dicom_pdu(struct dicom_state *s, struct proto_call *c, uint8_t t, const uint8_t *p,
                     size_t n)
{
    struct dicom_assoc_event *ev = &s->ev;
    switch (t) {
    case DICOM_PDU_ASSOCIATE_RQ:
        if (ev->pdus[t] > 1)
            return 0; /* a second request on one connection is a protocol error; ignored */
        dicom_begin(s, c, false);
        return dicom_associate(s, p, n, true);
    case DICOM_PDU_ASSOCIATE_AC:
        dicom_begin(s, c, ev->pdus[DICOM_PDU_ASSOCIATE_RQ] == 0);
        return dicom_associate(s, p, n, false);
    case DICOM_PDU_ASSOCIATE_RJ:
        dicom_begin(s, c, ev->pdus[DICOM_PDU_ASSOCIATE_RQ] == 0);
        if (n >= 4) {
            ev->reject_result = p[1];
            ev->reject_source = p[2];
            ev->reject_reason = p[3];
        }
        dicom_finish(s, c, DICOM_END_REJECT);
        return 0;
    case DICOM_PDU_RELEASE_RQ:
        ev->release_requested = true;
        return 0;
    case DICOM_PDU_RELEASE_RP:
        dicom_finish(s, c, DICOM_END_RELEASE);
        return 0;
    case DICOM_PDU_ABORT:
        dicom_begin(s, c, true);
        if (n >= 4) {
            ev->abort_source = p[2];
            ev->abort_reason = p[3];
        }
        ev->abort_dir = (uint8_t)c->dir;
        dicom_finish(s, c, DICOM_END_ABORT);
        return 0;
    default:
        return PROTO_ERROR;
    }
}

static void dicom_pdv_done(struct dicom_state *s, struct proto_call *c, struct dicom_dir *d)
{
    if ((d->pdv_mch & 0x01) && (d->pdv_mch & 0x02)) {
        dicom_command(s, c, d);
        d->cmd_len = 0;
        d->cmd_cut = false;
    }
    d->phase = d->pdu_left ? DICOM_PH_PDV_HDR : DICOM_PH_PDU;
}

static int64_t dicom_parse(void *state, struct proto_call *c, const uint8_t *p, size_t len)
{
    struct dicom_state *s = state;
    struct dicom_dir *d = &s->d[c->dir];
    if (s->err)
        return PROTO_ERROR;
    if (s->done)
        return (int64_t)len; /* after the association: nothing more to say */

    switch (d->phase) {
    case DICOM_PH_PDU: {
        if (len < DICOM_HEADER)
            return PROTO_NEED_MORE;
        uint8_t t = p[0];
        uint32_t n = get_be32(p + 2);
        if (t < DICOM_PDU_ASSOCIATE_RQ || t > DICOM_PDU_ABORT)
            goto fail;
        s->ev.pdus[t]++;
        s->ev.bytes[c->dir] += (uint64_t)n + DICOM_HEADER;
        if (t == DICOM_PDU_P_DATA_TF) {
            dicom_begin(s, c, true);
            d->pdu_left = n;
            d->phase = n ? DICOM_PH_PDV_HDR : DICOM_PH_PDU;
            return DICOM_HEADER;
        }
        if (n > DICOM_MAX_ASSOC_PDU - DICOM_HEADER)
            goto fail;
        if (len - DICOM_HEADER < n) {
            /* Counted again when the whole PDU is here. */
            s->ev.pdus[t]--;
            s->ev.bytes[c->dir] -= (uint64_t)n + DICOM_HEADER;
            return PROTO_NEED_MORE;
        }
        if (dicom_pdu(s, c, t, p + DICOM_HEADER, n) < 0)
            goto fail;
        return (int64_t)n + DICOM_HEADER;
    }
    case DICOM_PH_PDV_HDR: {
        if (d->pdu_left < DICOM_PDV_HEADER)
            goto fail;
        if (len < DICOM_PDV_HEADER)
            return PROTO_NEED_MORE;
        uint32_t n = get_be32(p);
        if (n < 2 || n - 2 > d->pdu_left - DICOM_PDV_HEADER)
            goto fail;
        d->pdv_ctx = p[4];
        d->pdv_mch = p[5];
        d->pdv_left = n - 2;
        d->pdu_left -= DICOM_PDV_HEADER;
        d->phase = DICOM_PH_PDV_DATA;
        if (d->pdv_left == 0)
            dicom_pdv_done(s, c, d);
        return DICOM_PDV_HEADER;
    }
    case DICOM_PH_PDV_DATA: {
        size_t n = len < d->pdv_left ? len : d->pdv_left;
        if (d->pdv_mch & 0x01) {
            size_t room = DICOM_CMD_MAX - d->cmd_len;
            size_t k = n < room ? n : room;
            memcpy(d->cmd + d->cmd_len, p, k);
            d->cmd_len = (uint16_t)(d->cmd_len + k);
            if (k < n)
                d->cmd_cut = true;
        } else {
            s->ev.data_bytes += n;
        }
        d->pdv_left -= (uint32_t)n;
        d->pdu_left -= (uint32_t)n;
        if (d->pdv_left == 0)
            dicom_pdv_done(s, c, d);
        return (int64_t)n;
    }
    default:
        goto fail;
    }
fail:
    s->err = true;
    return PROTO_ERROR;
}

static int dicom_gap(void *state, struct proto_call *c, size_t len)
{
    struct dicom_state *s = state;
    struct dicom_dir *d = &s->d[c->dir];
    s->ev.gaps++;
    s->ev.gap_bytes += len;
    if (s->done)
        return 0;
    /* A hole inside a data set fragment is stepped over: the PDV length
     * says where the next header is, and the data was skipped anyway. */
    if (d->phase == DICOM_PH_PDV_DATA && !(d->pdv_mch & 0x01) && len <= d->pdv_left) {
        d->pdv_left -= (uint32_t)len;
        d->pdu_left -= (uint32_t)len;
        if (d->pdv_left == 0)
            dicom_pdv_done(s, c, d);
        return 0;
    }
    s->gap_err = true;
    return PROTO_ERROR;
}

static void dicom_end(void *state, struct proto_call *c)
{
    struct dicom_state *s = state;
    dicom_finish(s, c, s->gap_err ? DICOM_END_GAP : s->err ? DICOM_END_ERROR : DICOM_END_FLOW);
}

/* -- probe ----------------------------------------------------------------------- */

static bool dicom_ae_ok(const uint8_t *p)
{
    /* AE titles: default character repertoire without control characters
     * (PS3.5 6.2, VR AE); all spaces is not a title. */
    bool any = false;
    for (int i = 0; i < DICOM_AE_MAX; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
        if (p[i] != ' ')
            any = true;
    }
    return any;
}

static enum proto_probe_result dicom_probe(const uint8_t *p, size_t len, enum flow_dir dir)
{
    (void)dir;
    if (len < 1)
        return PROBE_MAYBE;
    uint8_t t = p[0];
    if (t == DICOM_PDU_ASSOCIATE_RQ || t == DICOM_PDU_ASSOCIATE_AC) {
        if (len >= 2 && p[1] != 0)
            return PROBE_NO;
        if (len >= 6) {
            uint32_t n = get_be32(p + 2);
            if (n < 68 + 4 || n > DICOM_MAX_ASSOC_PDU)
                return PROBE_NO;
        }
        if (len >= 8 && (get_be16(p + 6) & 0x0001) == 0)
            return PROBE_NO;
        if (len >= 42 && (!dicom_ae_ok(p + 10) || !dicom_ae_ok(p + 26)))
            return PROBE_NO;
        if (len < 75)
            return PROBE_MAYBE;
        return p[74] == 0x10 ? PROBE_YES : PROBE_NO;
    }
    if (t == DICOM_PDU_P_DATA_TF) {
        /* Picked up mid-association: a P-DATA-TF whose first PDV fits it,
         * with an odd context id and only the two defined flag bits. */
        if (len < 12)
            return len >= 2 && p[1] != 0 ? PROBE_NO : PROBE_MAYBE;
        uint32_t n = get_be32(p + 2);
        uint32_t pdv = get_be32(p + 6);
        if (p[1] != 0 || n < 6 || n > (1u << 24) || pdv < 2 || pdv > n - 4 || !(p[10] & 1) ||
            (p[11] & 0xfc))
            return PROBE_NO;
        return PROBE_YES;
    }
    return PROBE_NO;
}

/* -- record ---------------------------------------------------------------------- */

static void dicom_json_uid(struct json_buf *b, const char *key, const char *name_key,
                           const struct dicom_assoc_event *ev, dicom_uid_ref ref)
{
    if (!ref)
        return;
    json_string(b, key, dicom_uid_str(ev, ref));
    const char *name = dicom_uid_name(ref);
    if (name && name_key)
        json_string(b, name_key, name);
}

static void dicom_format_contexts(struct json_buf *b, const struct dicom_assoc_event *ev)
{
    json_open_array(b, "presentation_contexts");
    for (unsigned i = 0; i < ev->n_ctx; i++) {
        const struct dicom_pctx *x = &ev->ctx[i];
        json_open_object(b, NULL);
        json_uint(b, "id", x->id);
        dicom_json_uid(b, "abstract_syntax", "sop_class", ev, x->abstract);
        if (x->abstract && !(x->abstract & 0x8000u)) {
            const struct dicom_uid *u = dicom_uid_at((size_t)x->abstract - 1);
            json_string(b, "service", dicom_uid_kind_name(u->kind));
        }
        json_open_array(b, "transfer_syntaxes");
        for (unsigned k = 0; k < x->n_ts; k++)
            json_string(b, NULL, dicom_uid_str(ev, x->ts[k]));
        json_close_array(b);
        if (x->ts_truncated)
            json_bool(b, "transfer_syntaxes_truncated", true);
        json_string(b, "result", dicom_pctx_result_name(x->result));
        if (x->accepted_ts) {
            dicom_json_uid(b, "accepted_transfer_syntax", "accepted_transfer_syntax_name", ev,
                           x->accepted_ts);
        }
        json_close_object(b);
    }
    json_close_array(b);
}

static void dicom_format_commands(struct json_buf *b, const struct dicom_assoc_event *ev)
{
    json_open_array(b, "commands");
    for (unsigned i = 0; i < ev->n_cmd; i++) {
        const struct dicom_cmd_summary *m = &ev->cmd[i];
        json_open_object(b, NULL);
        json_string(b, "command", dicom_command_name(m->command));
        dicom_json_uid(b, "sop_class_uid", "sop_class", ev, m->sop_class);
        json_uint(b, "requests", m->requests);
        json_uint(b, "responses", m->responses);
        if (m->requests) {
            json_uint(b, "first_message_id", m->first_message_id);
            json_uint(b, "last_message_id", m->last_message_id);
        }
        json_open_object(b, "status");
        if (m->success)
            json_uint(b, "success", m->success);
        if (m->pending)
            json_uint(b, "pending", m->pending);
        if (m->cancel)
            json_uint(b, "cancel", m->cancel);
        if (m->warning)
            json_uint(b, "warning", m->warning);
        if (m->failure)
            json_uint(b, "failure", m->failure);
        json_close_object(b);
        if (m->has_problem) {
            /* "0x%04X" of the 16-bit status, without printf. */
            static const char hex[] = "0123456789ABCDEF";
            unsigned v = m->last_problem;
            const char code[6] = {
                '0', 'x', hex[v >> 12 & 15], hex[v >> 8 & 15], hex[v >> 4 & 15], hex[v & 15]};
            json_open_object(b, "last_problem");
            json_string_bytes(b, "status", (const uint8_t *)code, sizeof code);
            json_string(b, "category", dicom_status_category(m->last_problem));
            json_string(b, "meaning", dicom_status_meaning(m->last_problem));
            json_close_object(b);
        }
        if (m->move_destination[0])
            json_string(b, "move_destination", m->move_destination);
        json_close_object(b);
    }
    json_close_array(b);
    if (ev->cmd_truncated)
        json_bool(b, "commands_truncated", true);
}

static void dicom_format(struct json_buf *b, unsigned kind, const void *event)
{
    (void)kind;
    const struct dicom_assoc_event *ev = event;
    json_open_object(b, "dicom");
    json_string(b, "calling_ae", ev->calling_ae);
    json_string(b, "called_ae", ev->called_ae);
    const char *result = ev->end == DICOM_END_REJECT ? "rejected"
                         : ev->accepted              ? "accepted"
                                                     : "no-answer";
    json_string(b, "association", result);
    json_string(b, "ended", dicom_end_name(ev->end));
    if (ev->midstream)
        json_bool(b, "midstream", true);
    if (ev->protocol_version)
        json_uint(b, "protocol_version", ev->protocol_version);
    dicom_json_uid(b, "application_context", "application_context_name", ev, ev->app_context);

    if (ev->max_pdu_rq || ev->max_pdu_ac) {
        json_open_object(b, "max_pdu_length");
        if (ev->max_pdu_rq)
            json_uint(b, "requestor", ev->max_pdu_rq);
        if (ev->max_pdu_ac)
            json_uint(b, "acceptor", ev->max_pdu_ac);
        json_close_object(b);
    }
    if (ev->impl_class_rq || ev->impl_version_rq[0]) {
        json_open_object(b, "requestor_implementation");
        dicom_json_uid(b, "class_uid", NULL, ev, ev->impl_class_rq);
        if (ev->impl_version_rq[0])
            json_string(b, "version_name", ev->impl_version_rq);
        json_close_object(b);
    }
    if (ev->impl_class_ac || ev->impl_version_ac[0]) {
        json_open_object(b, "acceptor_implementation");
        dicom_json_uid(b, "class_uid", NULL, ev, ev->impl_class_ac);
        if (ev->impl_version_ac[0])
            json_string(b, "version_name", ev->impl_version_ac);
        json_close_object(b);
    }
    if (ev->user_identity_type) {
        json_open_object(b, "user_identity");
        json_string(b, "type", dicom_user_identity_name(ev->user_identity_type));
        json_bool(b, "response_requested", ev->user_identity_response_requested);
        json_bool(b, "server_response", ev->user_identity_response);
        json_close_object(b);
    }
    dicom_format_contexts(b, ev);
    if (ev->ctx_truncated)
        json_bool(b, "presentation_contexts_truncated", true);

    if (ev->end == DICOM_END_REJECT) {
        json_open_object(b, "reject");
        json_string(b, "result", dicom_reject_result_name(ev->reject_result));
        json_string(b, "source", dicom_reject_source_name(ev->reject_source));
        json_string(b, "reason", dicom_reject_reason_name(ev->reject_source, ev->reject_reason));
        json_close_object(b);
    }
    if (ev->end == DICOM_END_ABORT) {
        json_open_object(b, "abort");
        json_string(b, "source", dicom_abort_source_name(ev->abort_source));
        json_string(b, "reason", dicom_abort_reason_name(ev->abort_source, ev->abort_reason));
        json_string(b, "from", ev->abort_dir == DIR_TOSERVER ? "requestor" : "acceptor");
        json_close_object(b);
    }
    dicom_format_commands(b, ev);

    json_open_object(b, "pdus");
    for (int t = DICOM_PDU_ASSOCIATE_RQ; t <= DICOM_PDU_ABORT; t++) {
        if (ev->pdus[t])
            json_uint(b, dicom_pdu_names[t], ev->pdus[t]);
    }
    json_close_object(b);
    json_uint(b, "bytes_toserver", ev->bytes[DIR_TOSERVER]);
    json_uint(b, "bytes_toclient", ev->bytes[DIR_TOCLIENT]);
    json_uint(b, "data_set_bytes", ev->data_bytes);
    if (ev->gaps) {
        json_uint(b, "gaps", ev->gaps);
        json_uint(b, "gap_bytes", ev->gap_bytes);
    }
    json_uint(b, "duration_ms", ev->end_us > ev->start_us ? (ev->end_us - ev->start_us) / 1000 : 0);
    /* The upper layer is only readable when not inside TLS (PS3.15 B.1):
     * every association parsed ran in cleartext. */
    json_bool(b, "cleartext", true);
    json_close_object(b);
}

const struct proto_parser proto_dicom = {
    .name = "dicom",
    .ports = {104, 11112, 4242, 0},
    .ndpi_name = NULL,
    .probe_packets = 4,
    .state_size = sizeof(struct dicom_state),
    .max_buffer = DICOM_MAX_ASSOC_PDU,
    .logged_kinds = 1u << DICOM_EV_ASSOCIATION,
    .probe = dicom_probe,
    .parse = dicom_parse,
    .gap = dicom_gap,
    .end = dicom_end,
    .format = dicom_format,
};
