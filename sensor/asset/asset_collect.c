#include "asset/asset_collect.h"

#include <ctype.h>
#include <netinet/in.h>
#include <string.h>

#include "asset/asset_http.h"
#include "asset/asset_names.h"
#include "proto/proto_dicom.h"
#include "proto/proto_hl7.h"

static void asset_collect_head(struct asset_evidence_buf *m, const struct flow *f, uint8_t flags,
                               const char *app)
{
    struct asset_evidence_head h;
    memset(&h, 0, sizeof h);
    h.ip_version = f->key.ip_version;
    h.l4proto = f->key.proto;
    h.flags = flags;
    memcpy(h.client_ip, f->a_is_client ? f->key.ip_a : f->key.ip_b, 16);
    memcpy(h.server_ip, f->a_is_client ? f->key.ip_b : f->key.ip_a, 16);
    h.sport = f->a_is_client ? f->key.port_a : f->key.port_b;
    h.dport = f->a_is_client ? f->key.port_b : f->key.port_a;
    if (f->mac_seen & (1u << DIR_TOSERVER)) {
        memcpy(h.client_mac, f->mac[DIR_TOSERVER], 6);
        h.flags |= ASSET_EV_CLIENT_MAC;
    }
    if (f->mac_seen & (1u << DIR_TOCLIENT)) {
        memcpy(h.server_mac, f->mac[DIR_TOCLIENT], 6);
        h.flags |= ASSET_EV_SERVER_MAC;
    }
    if (f->pkts[DIR_TOCLIENT])
        h.flags |= ASSET_EV_ANSWERED;
    h.first_us = f->first_us;
    h.last_us = f->last_us;
    h.bytes_cs = f->bytes[DIR_TOSERVER];
    h.bytes_sc = f->bytes[DIR_TOCLIENT];
    size_t i = 0;
    for (; app && app[i] && i + 1 < sizeof h.app_proto; i++)
        h.app_proto[i] = (char)tolower((unsigned char)app[i]);
    h.app_proto[i] = 0;
    asset_evidence_begin(m, &h);
}

static void asset_collect_meta(struct asset_evidence_buf *m, const struct flow *f,
                               enum classify_meta_tag tag, enum asset_evidence_tag to,
                               enum asset_side side)
{
    const uint8_t *v;
    int n = classify_meta_get(f, tag, &v);
    if (n > 0)
        asset_evidence_add(m, to, side, v, (size_t)strnlen((const char *)v, (size_t)n));
}

void asset_collect_flow(struct asset_evidence_buf *m, const struct flow *f,
                        const struct classifier *c)
{
    const char *app = (f->master_proto || f->app_proto) ? classify_master_name(c, f) : "";
    const char *parsed = proto_flow_app_name(f);
    if (parsed)
        app = parsed;
    if (app && strcmp(app, "Unknown") == 0)
        app = "";
    asset_collect_head(m, f, ASSET_EV_FLOW, app);
    if (classify_host_kind(f) == HOST_DHCP_HOSTNAME)
        asset_collect_meta(m, f, META_HOST, AEV_HOSTNAME, ASSET_CLIENT);
    asset_collect_meta(m, f, META_DHCP_CLASS, AEV_DHCP_CLASS, ASSET_CLIENT);
    asset_collect_meta(m, f, META_DHCP_FINGERPRINT, AEV_DHCP_FP, ASSET_CLIENT);
    asset_collect_meta(m, f, META_HTTP_UA, AEV_HTTP_UA, ASSET_CLIENT);
    asset_collect_meta(m, f, META_SSH_CLIENT, AEV_SSH_BANNER, ASSET_CLIENT);
    asset_collect_meta(m, f, META_SSH_SERVER, AEV_SSH_BANNER, ASSET_SERVER);
    asset_collect_meta(m, f, META_TLS_VERSION, AEV_TLS_VERSION, ASSET_CLIENT);
}

static void asset_collect_dicom(struct asset_evidence_buf *m, const struct dicom_assoc_event *ev)
{
    asset_evidence_add_str(m, AEV_DICOM_AE, ASSET_CLIENT, ev->calling_ae);
    if (ev->accepted)
        asset_evidence_add_str(m, AEV_DICOM_AE, ASSET_SERVER, ev->called_ae);
    asset_evidence_add_str(m, AEV_DICOM_IMPL_UID, ASSET_CLIENT,
                           dicom_uid_str(ev, ev->impl_class_rq));
    asset_evidence_add_str(m, AEV_DICOM_IMPL_VERSION, ASSET_CLIENT, ev->impl_version_rq);
    asset_evidence_add_str(m, AEV_DICOM_IMPL_UID, ASSET_SERVER,
                           dicom_uid_str(ev, ev->impl_class_ac));
    asset_evidence_add_str(m, AEV_DICOM_IMPL_VERSION, ASSET_SERVER, ev->impl_version_ac);
    /* What the client sent: the SOP classes of its commands; an
     * association without commands (rejected, or only proposed) tells
     * only what it proposed. The server: what it accepted. */
    unsigned sent = 0;
    for (uint8_t i = 0; i < ev->n_cmd; i++) {
        const struct dicom_cmd_summary *c = &ev->cmd[i];
        const char *name = dicom_uid_name(c->sop_class);
        if (!name)
            name = dicom_uid_str(ev, c->sop_class);
        if (c->requests && name && *name) {
            asset_evidence_add_str(m, AEV_DICOM_SOP, ASSET_CLIENT, name);
            sent++;
        }
    }
    for (uint8_t i = 0; i < ev->n_ctx; i++) {
        const struct dicom_pctx *pc = &ev->ctx[i];
        const char *name = dicom_uid_name(pc->abstract);
        if (!name)
            name = dicom_uid_str(ev, pc->abstract);
        if (!name || !*name)
            continue;
        if (!sent)
            asset_evidence_add_str(m, AEV_DICOM_SOP, ASSET_CLIENT, name);
        if (pc->result == 0)
            asset_evidence_add_str(m, AEV_DICOM_SOP, ASSET_SERVER, name);
    }
}

static void asset_collect_hl7(struct asset_evidence_buf *m, const struct hl7_message_event *ev)
{
    enum asset_side from = ev->dir == DIR_TOSERVER ? ASSET_CLIENT : ASSET_SERVER;
    enum asset_side to = from == ASSET_CLIENT ? ASSET_SERVER : ASSET_CLIENT;
    asset_evidence_add_str(m, AEV_HL7_APP, from, ev->sending_app);
    asset_evidence_add_str(m, AEV_HL7_FACILITY, from, ev->sending_facility);
    asset_evidence_add_str(m, AEV_HL7_APP, to, ev->receiving_app);
    asset_evidence_add_str(m, AEV_HL7_FACILITY, to, ev->receiving_facility);
}

bool asset_collect_proto(struct asset_evidence_buf *m, const struct flow *f,
                         const struct proto_parser *ps, unsigned kind, const void *ev)
{
    if (ps == &proto_dicom && kind == DICOM_EV_ASSOCIATION) {
        asset_collect_head(m, f, 0, "dicom");
        asset_collect_dicom(m, ev);
        return true;
    }
    if (ps == &proto_hl7 && kind == HL7_EV_MESSAGE) {
        asset_collect_head(m, f, 0, "hl7");
        asset_collect_hl7(m, ev);
        return true;
    }
    return false;
}

struct asset_collect_names {
    struct asset_evidence_buf *m;
    int n;
};

static void asset_collect_name(void *ctx, const uint8_t ip[16], uint8_t version, const char *name)
{
    struct asset_collect_names *c = ctx;
    uint8_t b[1 + 16 + ASSET_EVIDENCE_ITEM_MAX];
    size_t n = strnlen(name, ASSET_EVIDENCE_ITEM_MAX - 17);
    b[0] = version;
    memcpy(b + 1, ip, 16);
    memcpy(b + 17, name, n);
    if (asset_evidence_add(c->m, AEV_NAME_OF, ASSET_CLIENT, b, 17 + n) == 0)
        c->n++;
}

static void asset_collect_packet_head(struct asset_evidence_buf *m, const struct packet *p,
                                      const uint8_t *ip, const uint8_t *mac, const char *app)
{
    struct asset_evidence_head h;
    memset(&h, 0, sizeof h);
    h.ip_version = p->ip_version;
    h.l4proto = p->l4proto;
    h.sport = p->sport;
    h.dport = p->dport;
    h.first_us = h.last_us = p->ts_us;
    if (ip)
        memcpy(h.client_ip, ip, p->ip_version == 4 ? 4 : 16);
    if (mac) {
        memcpy(h.client_mac, mac, 6);
        h.flags |= ASSET_EV_CLIENT_MAC;
    }
    /* h is zeroed: the copy, cut to fit, keeps its NUL. */
    memcpy(h.app_proto, app, strnlen(app, sizeof h.app_proto - 1));
    asset_evidence_begin(m, &h);
}

bool asset_collect_packet(struct asset_evidence_buf *m, const struct packet *p)
{
    if (p->l4proto != IPPROTO_UDP || !p->payload_len)
        return false;
    const uint8_t *d = p->payload;
    size_t len = p->payload_len;
    if (p->ip_version == 4 && (p->sport == 67 || p->sport == 68) &&
        (p->dport == 67 || p->dport == 68)) {
        struct asset_dhcp dh;
        if (asset_dhcp_parse(d, len, &dh) < 0)
            return false;
        /* The device is the client hardware address, wherever the
         * message came from (a relay, the server). Its address: the one
         * an ACK gives it, or the one it says it has. */
        static const uint8_t zero[4] = {0};
        const uint8_t *ip = dh.op == 2 && dh.msg_type == 5    ? dh.yiaddr
                            : memcmp(dh.ciaddr, zero, 4) != 0 ? dh.ciaddr
                                                              : NULL;
        asset_collect_packet_head(m, p, ip, dh.chaddr, "dhcp");
        if (dh.op == 1) {
            asset_evidence_add_str(m, AEV_HOSTNAME, ASSET_CLIENT, dh.hostname);
            asset_evidence_add_str(m, AEV_HOSTNAME, ASSET_CLIENT, dh.fqdn);
            asset_evidence_add_str(m, AEV_DHCP_CLASS, ASSET_CLIENT, dh.vendor_class);
            asset_evidence_add_str(m, AEV_DHCP_FP, ASSET_CLIENT, dh.fingerprint);
        }
        return ip || m->items;
    }
    int (*names)(const uint8_t *, size_t, asset_name_fn, void *) = NULL;
    const char *app = NULL;
    if (p->sport == 5353 || p->dport == 5353) {
        names = asset_dns_names;
        app = "mdns";
    } else if (p->sport == 137 || p->dport == 137) {
        names = asset_nbns_names;
        app = "netbios";
    } else if (p->sport == 53) {
        names = asset_dns_names;
        app = "dns";
    }
    if (!names)
        return false;
    asset_collect_packet_head(m, p, p->src_ip, p->has_mac ? p->src_mac : NULL, app);
    struct asset_collect_names c = {m, 0};
    names(d, len, asset_collect_name, &c);
    return c.n > 0;
}

bool asset_collect_http(struct asset_evidence_buf *m, const struct flow *f, const struct packet *p,
                        enum flow_dir dir)
{
    /* Cheap tests first: this sees every packet. */
    if (dir != DIR_TOCLIENT || p->l4proto != IPPROTO_TCP || p->payload_len < 12 ||
        f->pkts[DIR_TOCLIENT] > ASSET_HTTP_PACKETS || p->payload[0] != 'H')
        return false;
    char server[ASSET_HTTP_VALUE_MAX];
    if (asset_http_response_header(p->payload, p->payload_len, "Server", server, sizeof server) !=
        1)
        return false;
    asset_collect_head(m, f, 0, "http");
    asset_evidence_add_str(m, AEV_HTTP_SERVER, ASSET_SERVER, server);
    return m->items > 0;
}
