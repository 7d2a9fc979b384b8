#include "detect/event_proto.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "detect/event_flow.h"
#include "detect/fields.h"
#include "proto/proto_fhir.h"
#include "proto/proto_hl7.h"
#include "proto/proto_smb.h"

static bool set_str(struct event_value *v, const char *s)
{
    if (!s || !*s)
        return false;
    v->kind = EVK_STR;
    v->u.s.p = s;
    v->u.s.len = strlen(s);
    return true;
}

static bool set_int(struct event_value *v, int64_t i)
{
    v->kind = EVK_INT;
    v->u.i = i;
    return true;
}

static bool set_bool(struct event_value *v, bool b)
{
    v->kind = EVK_BOOL;
    v->u.b = b;
    return true;
}

static bool set_list(struct event_value *v, const struct event_str *items, size_t n)
{
    v->kind = EVK_STRLIST;
    v->u.list.v = items;
    v->u.list.n = n;
    return true;
}

static bool list_has(const struct event_str *items, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(items[i].p, s) == 0)
            return true;
    }
    return false;
}

static const char *dicom_result(const struct dicom_assoc_event *a)
{
    /* as the dicom record's "association", with aborts told apart */
    if (a->end == DICOM_END_REJECT)
        return "rejected";
    if (a->end == DICOM_END_ABORT)
        return "aborted";
    return a->accepted ? "accepted" : "no-answer";
}

static const char *dicom_ended(uint8_t e)
{
    static const char *const names[] = {"open",       "release",   "reject", "abort",
                                        "connection", "malformed", "gap"};
    return e < sizeof names / sizeof names[0] ? names[e] : "open";
}

static bool dicom_get(struct event_proto *ep, const struct dicom_assoc_event *a, uint16_t field,
                      struct event_value *v)
{
    static const char *const identities[] = {"none",     "username", "username_and_passcode",
                                             "kerberos", "saml",     "jwt"};
    size_t n = 0;
    switch (field) {
    case F_DICOM_ASSOCIATION:
        return set_bool(v, !a->midstream);
    case F_DICOM_CALLING_AE:
        return set_str(v, a->calling_ae);
    case F_DICOM_CALLED_AE:
        return set_str(v, a->called_ae);
    case F_DICOM_CALLING_AE_HOST: {
        char ip[INET6_ADDRSTRLEN];
        const uint8_t *cip = ep->f->a_is_client ? ep->f->key.ip_a : ep->f->key.ip_b;
        if (!a->calling_ae[0] ||
            !inet_ntop(ep->f->key.ip_version == 6 ? AF_INET6 : AF_INET, cip, ip, sizeof ip))
            return false;
        snprintf(ep->ae_host, sizeof ep->ae_host, "%s@%s", a->calling_ae, ip);
        return set_str(v, ep->ae_host);
    }
    case F_DICOM_RESULT:
        return set_str(v, dicom_result(a));
    case F_DICOM_END:
        return set_str(v, dicom_ended(a->end));
    case F_DICOM_COMMANDS:
        for (uint8_t i = 0; i < a->n_cmd && i < DICOM_MAX_COMMANDS; i++) {
            const char *name = dicom_command_name(a->cmd[i].command);
            if (list_has(ep->commands, n, name))
                continue;
            ep->commands[n].p = name;
            ep->commands[n++].len = strlen(name);
        }
        return set_list(v, ep->commands, n);
    case F_DICOM_SOP_CLASSES:
        for (uint8_t i = 0; i < a->n_ctx && i < DICOM_MAX_CONTEXTS; i++) {
            const char *uid = dicom_uid_str(a, a->ctx[i].abstract);
            if (!uid || !*uid || list_has(ep->sops, n, uid))
                continue;
            ep->sops[n].p = uid;
            ep->sops[n++].len = strlen(uid);
        }
        return set_list(v, ep->sops, n);
    case F_DICOM_MOVE_DESTINATIONS:
        for (uint8_t i = 0; i < a->n_cmd && i < DICOM_MAX_COMMANDS; i++) {
            const char *d = a->cmd[i].move_destination;
            if (!*d || list_has(ep->moves, n, d))
                continue;
            ep->moves[n].p = d;
            ep->moves[n++].len = strlen(d);
        }
        return set_list(v, ep->moves, n);
    case F_DICOM_FAILURES: {
        int64_t sum = 0;
        for (uint8_t i = 0; i < a->n_cmd && i < DICOM_MAX_COMMANDS; i++)
            sum += a->cmd[i].failure;
        return set_int(v, sum);
    }
    case F_DICOM_USER_IDENTITY:
        return set_str(v, a->user_identity_type < 6 ? identities[a->user_identity_type] : "none");
    case F_DICOM_IMPLEMENTATION_VERSION:
        return set_str(v, a->impl_version_rq);
    case F_DICOM_CLEARTEXT:
        /* mamori reads DICOM only where it is not inside TLS */
        return set_bool(v, true);
    case F_DICOM_DATA_BYTES:
        return set_int(v, (int64_t)a->data_bytes);
    default:
        return false;
    }
}

static bool hl7_get(struct event_proto *ep, const struct hl7_message_event *m, uint16_t field,
                    struct event_value *v)
{
    switch (field) {
    case F_HL7_MESSAGE:
        if (!m->message_code[0])
            return false;
        if (m->trigger_event[0])
            snprintf(ep->hl7_message, sizeof ep->hl7_message, "%s^%s", m->message_code,
                     m->trigger_event);
        else
            snprintf(ep->hl7_message, sizeof ep->hl7_message, "%s", m->message_code);
        return set_str(v, ep->hl7_message);
    case F_HL7_MESSAGE_TYPE:
        return set_str(v, m->message_code);
    case F_HL7_TRIGGER_EVENT:
        return set_str(v, m->trigger_event);
    case F_HL7_SENDING_APPLICATION:
        return set_str(v, m->sending_app);
    case F_HL7_SENDING_FACILITY:
        return set_str(v, m->sending_facility);
    case F_HL7_RECEIVING_APPLICATION:
        return set_str(v, m->receiving_app);
    case F_HL7_RECEIVING_FACILITY:
        return set_str(v, m->receiving_facility);
    case F_HL7_VERSION:
        return set_str(v, m->version);
    case F_HL7_PROCESSING_ID:
        return set_str(v, m->processing_id);
    case F_HL7_ACK_CODE:
        return m->has_msa && set_str(v, m->ack_code);
    case F_HL7_PATIENT_SEGMENTS:
        return set_bool(v, m->patient_segments);
    case F_HL7_CLEARTEXT:
        return set_bool(v, true);
    default:
        return false;
    }
}

static bool fhir_get(const struct fhir_tx_event *t, uint16_t field, struct event_value *v)
{
    switch (field) {
    case F_FHIR_RESOURCE:
        return set_str(v, t->resource_type);
    case F_FHIR_INTERACTION:
        return set_str(v, t->interaction);
    case F_FHIR_METHOD:
        return set_str(v, t->method);
    case F_FHIR_STATUS:
        return t->has_response && set_int(v, t->status);
    case F_FHIR_AUTH_SCHEME:
        return set_str(v, t->auth_scheme);
    case F_FHIR_CLEARTEXT_CREDENTIALS:
        /* the parser reads HTTP only in cleartext: any Authorization crossed readable */
        return set_bool(v, t->auth_scheme[0] != '\0');
    case F_HTTP_BASIC_AUTH:
        return set_bool(v, strcasecmp(t->auth_scheme, "Basic") == 0);
    case F_HTTP_USER_AGENT:
        return set_str(v, t->user_agent);
    default:
        return false;
    }
}

static bool smb_get(struct event_proto *ep, const struct smb_session_event *s, uint16_t field,
                    struct event_value *v)
{
    size_t n = 0;
    switch (field) {
    case F_SMB_VERSION:
        return s->version && set_int(v, s->version);
    case F_SMB_DIALECT:
        return s->negotiated && set_str(v, s->dialect);
    case F_SMB_DIALECTS_OFFERED:
        for (uint8_t i = 0; i < s->n_offered && n < SMB_MAX_DIALECTS; i++) {
            ep->smb_offered[n].p = s->offered[i];
            ep->smb_offered[n++].len = strlen(s->offered[i]);
        }
        return set_list(v, ep->smb_offered, n);
    case F_SMB_COMMANDS:
        for (unsigned ver = 1; ver <= 2; ver++) {
            for (unsigned cmd = 0; cmd < (ver == 1 ? 256u : 32u); cmd++) {
                bool seen = ver == 1 ? (s->smb1_cmds[cmd >> 6] >> (cmd & 63)) & 1
                                     : (s->smb2_cmds >> cmd) & 1;
                const char *name = seen ? smb_command_name(ver, cmd) : NULL;
                if (!name || list_has(ep->smb_cmds, n, name) || n >= EVENT_PROTO_SMB_CMDS)
                    continue;
                ep->smb_cmds[n].p = name;
                ep->smb_cmds[n++].len = strlen(name);
            }
        }
        return set_list(v, ep->smb_cmds, n);
    default:
        return false;
    }
}

static bool event_proto_get(const struct event *ev, uint16_t field, struct event_value *v)
{
    struct event_proto *ep = (struct event_proto *)(uintptr_t)ev->ctx;
    if (event_flow_conv_get(ep->f, field, v, ep->proto_num, ep->src_ip, ep->dest_ip))
        return true;
    if (field == F_APP_PROTO)
        return set_str(v, ep->ps->name);
    switch (ev->type) {
    case EVENT_DICOM:
        return dicom_get(ep, ep->rec, field, v);
    case EVENT_HL7:
        return hl7_get(ep, ep->rec, field, v);
    case EVENT_FHIR:
        return fhir_get(ep->rec, field, v);
    case EVENT_SMB:
        return smb_get(ep, ep->rec, field, v);
    default:
        return false;
    }
}

static void event_proto_header(const struct event *ev, struct json_buf *b)
{
    const struct event_proto *ep = ev->ctx;
    event_flow_header_write(b, ep->f, ep->ps->name);
}

static void event_proto_objects(const struct event *ev, struct json_buf *b)
{
    const struct event_proto *ep = ev->ctx;
    if (ep->ps->format)
        ep->ps->format(b, ep->kind, ep->rec);
}

bool event_proto_init(struct event_proto *ep, const struct flow *f, const struct proto_parser *ps,
                      unsigned kind, const void *rec)
{
    /* Only what comes before the scratch buffers: those (about 2 KB of
     * lists and texts) are written by event_proto_get() before it reads
     * them, and clearing them cost more than the rest of the event. */
    memset(ep, 0, offsetof(struct event_proto, proto_num));
    ep->f = f;
    ep->ps = ps;
    ep->kind = kind;
    ep->rec = rec;
    if (ps == &proto_dicom && kind == DICOM_EV_ASSOCIATION) {
        const struct dicom_assoc_event *a = rec;
        ep->ev.type = EVENT_DICOM;
        ep->ev.ts_us = a->end_us ? a->end_us : a->start_us;
    } else if (ps == &proto_hl7 && kind == HL7_EV_MESSAGE) {
        ep->ev.type = EVENT_HL7;
        ep->ev.ts_us = ((const struct hl7_message_event *)rec)->ts_us;
    } else if (ps == &proto_fhir && kind == FHIR_EV_TRANSACTION &&
               ((const struct fhir_tx_event *)rec)->fhir) {
        ep->ev.type = EVENT_FHIR;
        ep->ev.ts_us = ((const struct fhir_tx_event *)rec)->ts_us;
    } else if (ps == &proto_smb && kind == SMB_EV_SESSION) {
        ep->ev.type = EVENT_SMB;
        ep->ev.ts_us = ((const struct smb_session_event *)rec)->ts_us;
    } else {
        return false;
    }
    ep->ev.get = event_proto_get;
    ep->ev.header = event_proto_header;
    ep->ev.objects = event_proto_objects;
    ep->ev.ctx = ep;
    return true;
}
