#include "detect/event_flow.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <ndpi/ndpi_api.h>

#include "detect/fields.h"
#include "flow/flow_table.h"
#include "output/eve_flow.h"
#include "proto/proto.h"
#include "util/ipfmt.h"

static bool flow_ports(const struct flow *f)
{
    return f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP ||
           f->key.proto == IPPROTO_SCTP;
}

bool event_flow_conv_get(const struct flow *f, uint16_t field, struct event_value *v,
                         char proto_num[4], uint8_t src_ip[16], uint8_t dest_ip[16])
{
    const uint8_t *cip = f->a_is_client ? f->key.ip_a : f->key.ip_b;
    const uint8_t *sip = f->a_is_client ? f->key.ip_b : f->key.ip_a;
    switch (field) {
    case F_SRC_IP:
        v->kind = EVK_IP;
        event_ip_from(src_ip, cip, f->key.ip_version);
        memcpy(v->u.ip, src_ip, 16);
        return true;
    case F_DEST_IP:
        v->kind = EVK_IP;
        event_ip_from(dest_ip, sip, f->key.ip_version);
        memcpy(v->u.ip, dest_ip, 16);
        return true;
    case F_SRC_PORT:
    case F_DEST_PORT:
        if (!flow_ports(f))
            return false;
        v->kind = EVK_INT;
        v->u.i = (field == F_SRC_PORT) == f->a_is_client ? f->key.port_a : f->key.port_b;
        return true;
    case F_PROTO: {
        const char *pn = eve_proto_name(f->key.proto);
        if (!pn) {
            snprintf(proto_num, 4, "%u", f->key.proto);
            pn = proto_num;
        }
        v->kind = EVK_STR;
        v->u.s.p = pn;
        v->u.s.len = strlen(pn);
        return true;
    }
    case F_VLAN:
        if (!f->key.vlan)
            return false;
        v->kind = EVK_INT;
        v->u.i = f->key.vlan;
        return true;
    default:
        return false;
    }
}

static bool set_str(struct event_value *v, const char *s, size_t len)
{
    if (!s)
        return false;
    v->kind = EVK_STR;
    v->u.s.p = s;
    v->u.s.len = len;
    return true;
}

static bool set_cstr(struct event_value *v, const char *s)
{
    return s && set_str(v, s, strlen(s));
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

static bool set_meta(struct event_value *v, const struct flow *f, enum classify_meta_tag tag)
{
    const uint8_t *p;
    int n = classify_meta_get(f, tag, &p);
    return n > 0 && set_str(v, (const char *)p, (size_t)n);
}

static const char *event_flow_app(struct event_flow *ef)
{
    if (ef->app_proto[0])
        return ef->app_proto;
    const struct flow *f = ef->f;
    const char *m = (f->master_proto || f->app_proto) ? classify_master_name(ef->c, f) : "unknown";
    /* mamori's own parsers name the flows they claimed, as in eve_flow.c */
    const char *parsed = proto_flow_app_name(f);
    if (parsed)
        m = parsed;
    size_t i = 0;
    for (; m && m[i] && i + 1 < sizeof ef->app_proto; i++)
        ef->app_proto[i] = (char)tolower((unsigned char)m[i]);
    ef->app_proto[i] = '\0';
    return ef->app_proto;
}

static bool host_is(const struct flow *f, enum classify_host_kind k, struct event_value *v)
{
    return classify_host_kind(f) == k && set_meta(v, f, META_HOST);
}

static bool event_flow_get(const struct event *ev, uint16_t field, struct event_value *v)
{
    struct event_flow *ef = (struct event_flow *)(uintptr_t)ev->ctx;
    const struct flow *f = ef->f;
    const char *name;

    if (event_flow_conv_get(f, field, v, ef->proto_num, ef->src_ip, ef->dest_ip))
        return true;
    switch (field) {
    case F_APP_PROTO:
        return set_cstr(v, event_flow_app(ef));
    case F_FLOW_PKTS_TOSERVER:
        return set_int(v, (int64_t)f->pkts[DIR_TOSERVER]);
    case F_FLOW_PKTS_TOCLIENT:
        return set_int(v, (int64_t)f->pkts[DIR_TOCLIENT]);
    case F_FLOW_BYTES_TOSERVER:
        return set_int(v, (int64_t)f->bytes[DIR_TOSERVER]);
    case F_FLOW_BYTES_TOCLIENT:
        return set_int(v, (int64_t)f->bytes[DIR_TOCLIENT]);
    case F_FLOW_PKTS:
        return set_int(v, (int64_t)(f->pkts[0] + f->pkts[1]));
    case F_FLOW_BYTES:
        return set_int(v, (int64_t)(f->bytes[0] + f->bytes[1]));
    case F_FLOW_AGE:
        return set_int(v, (int64_t)((f->last_us - f->first_us) / 1000000));
    case F_FLOW_STATE:
        return set_cstr(v, flow_state_name((enum flow_state)f->state));
    case F_FLOW_REASON:
        return set_cstr(v, flow_end_reason_name((enum flow_end_reason)f->end_reason));
    case F_FLOW_ANSWERED:
        return set_bool(v, f->pkts[DIR_TOCLIENT] > 0);
    case F_NDPI_PROTOCOL:
        classify_proto_name(ef->c, f, ef->ndpi_protocol, sizeof ef->ndpi_protocol);
        return set_cstr(v, ef->ndpi_protocol);
    case F_NDPI_MASTER:
        return set_cstr(v, classify_master_name(ef->c, f));
    case F_NDPI_APP:
        return set_cstr(v, classify_app_name(ef->c, f));
    case F_NDPI_CATEGORY:
        return set_cstr(v, classify_category_name(ef->c, f));
    case F_NDPI_CONFIDENCE:
        return set_cstr(v, classify_confidence_name(f));
    case F_NDPI_GUESSED:
        return set_bool(v, f->guessed);
    case F_NDPI_RISKS: {
        size_t n = 0;
        for (unsigned i = 1; i < 64 && n < EVENT_FLOW_MAX_RISKS; i++) {
            if (!(f->risk & (1ull << i)) || !(name = classify_risk_name(i)))
                continue;
            ef->risks[n].p = name;
            ef->risks[n++].len = strlen(name);
        }
        v->kind = EVK_STRLIST;
        v->u.list.v = ef->risks;
        v->u.list.n = n;
        return true;
    }
    case F_NDPI_RISK_SCORE:
        return set_int(v, classify_risk_score(f));
    case F_NDPI_RISK_SEVERITY: {
        int worst = -1;
        for (unsigned i = 1; i < NDPI_MAX_RISK; i++) {
            if (!(f->risk & (1ull << i)))
                continue;
            ndpi_risk_info *ri = ndpi_risk2severity((ndpi_risk_enum)i);
            if (ri && (int)ri->severity > worst)
                worst = (int)ri->severity;
        }
        static const char *const sev[] = {"low", "medium", "high", "severe"};
        return set_cstr(v, worst < 0 ? "none" : sev[worst & 3]);
    }
    case F_NDPI_HOSTNAME:
        return set_meta(v, f, META_HOST);
    case F_DNS_QUERY:
        return host_is(f, HOST_DNS_QUERY, v);
    case F_DNS_QUERY_LENGTH:
    case F_DNS_LONGEST_LABEL: {
        struct event_value q;
        if (!host_is(f, HOST_DNS_QUERY, &q))
            return false;
        if (field == F_DNS_QUERY_LENGTH)
            return set_int(v, (int64_t)q.u.s.len);
        size_t best = 0, run = 0;
        for (size_t i = 0; i < q.u.s.len; i++) {
            run = q.u.s.p[i] == '.' ? 0 : run + 1;
            if (run > best)
                best = run;
        }
        return set_int(v, (int64_t)best);
    }
    case F_HTTP_HOSTNAME:
        return host_is(f, HOST_HTTP_HOST, v);
    case F_HTTP_URL:
        return set_meta(v, f, META_HTTP_URL);
    case F_HTTP_USER_AGENT:
        return set_meta(v, f, META_HTTP_UA);
    case F_HTTP_BASIC_AUTH:
        name = classify_master_name(ef->c, f);
        if (!name || strcmp(name, "HTTP") != 0)
            return false;
        return set_bool(v, (f->risk & (1ull << NDPI_CLEAR_TEXT_CREDENTIALS)) != 0);
    case F_TLS_SNI:
        return host_is(f, HOST_TLS_SNI, v);
    case F_TLS_VERSION:
        return set_meta(v, f, META_TLS_VERSION);
    case F_TLS_JA3:
        return set_meta(v, f, META_TLS_JA3C);
    case F_TLS_JA3S:
        return set_meta(v, f, META_TLS_JA3S);
    case F_SSH_CLIENT:
        return set_meta(v, f, META_SSH_CLIENT);
    case F_SSH_SERVER:
        return set_meta(v, f, META_SSH_SERVER);
    case F_RDP:
        name = classify_master_name(ef->c, f);
        return set_bool(v, name && strcmp(name, "RDP") == 0);
    case F_DHCP_HOSTNAME:
        return host_is(f, HOST_DHCP_HOSTNAME, v);
    case F_DHCP_FINGERPRINT:
        return set_meta(v, f, META_DHCP_FINGERPRINT);
    case F_DHCP_VENDOR_CLASS:
        return set_meta(v, f, META_DHCP_CLASS);
    default:
        return false;
    }
}

void event_flow_header_write(struct json_buf *b, const struct flow *f, const char *app_proto)
{
    char ip[IPFMT_MAX];
    const uint8_t *cip = f->a_is_client ? f->key.ip_a : f->key.ip_b;
    const uint8_t *sip = f->a_is_client ? f->key.ip_b : f->key.ip_a;
    uint8_t ver = f->key.ip_version == 6 ? 6 : 4;
    bool ports = flow_ports(f);

    json_uint(b, "flow_id", f->id);
    if (f->key.vlan) {
        json_open_array(b, "vlan");
        json_uint(b, NULL, f->key.vlan);
        json_close_array(b);
    }
    json_string_bytes(b, "src_ip", (const uint8_t *)ip, ipfmt_format(ip, cip, ver));
    if (ports)
        json_uint(b, "src_port", f->a_is_client ? f->key.port_a : f->key.port_b);
    json_string_bytes(b, "dest_ip", (const uint8_t *)ip, ipfmt_format(ip, sip, ver));
    if (ports)
        json_uint(b, "dest_port", f->a_is_client ? f->key.port_b : f->key.port_a);
    const char *pn = eve_proto_name(f->key.proto);
    char num[4];
    if (!pn) {
        snprintf(num, sizeof num, "%u", f->key.proto);
        pn = num;
    }
    json_string(b, "proto", pn);
    if (app_proto)
        json_string(b, "app_proto", app_proto);
}

static void event_flow_header(const struct event *ev, struct json_buf *b)
{
    struct event_flow *ef = (struct event_flow *)(uintptr_t)ev->ctx;
    event_flow_header_write(b, ef->f, event_flow_app(ef));
}

/* The flow and ndpi objects as the flow record has them, so an alert
 * carries the flow the way its record does. */
static void event_flow_objects(const struct event *ev, struct json_buf *b)
{
    struct event_flow *ef = (struct event_flow *)(uintptr_t)ev->ctx;
    const struct flow *f = ef->f;

    eve_flow_counters(b, f, true);

    /* The same ndpi object as the flow record, so the two never differ. */
    eve_flow_ndpi(b, f, ef->c);
}

void event_flow_init(struct event_flow *ef, const struct flow *f, const struct classifier *c)
{
    memset(ef, 0, sizeof *ef);
    ef->f = f;
    ef->c = c;
    ef->ev.type = EVENT_FLOW;
    ef->ev.ts_us = f->last_us;
    ef->ev.get = event_flow_get;
    ef->ev.header = event_flow_header;
    ef->ev.objects = event_flow_objects;
    ef->ev.ctx = ef;
}
