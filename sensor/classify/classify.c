#include "classify/classify.h"

#include <ndpi_api.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

struct classifier {
    struct ndpi_detection_module_struct *ndpi;
    struct flow_table *ft; /* borrowed: charged for nDPI flow state */
    struct classify_limits lim;
    struct classify_stats st;
    size_t ndpi_flow_size;
};

void classify_limits_default(struct classify_limits *lim)
{
    lim->max_tcp_packets = 80;
    lim->max_udp_packets = 24;
    lim->max_other_packets = 8;
}

struct classifier *classifier_new(const struct classify_limits *lim, struct flow_table *ft)
{
    struct classifier *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->lim = *lim;
    c->ft = ft;
    c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!c->ndpi)
        goto fail;
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
    ndpi_finalize_initialization(c->ndpi);
    c->ndpi_flow_size = ndpi_detection_get_sizeof_ndpi_flow_struct();
    return c;
fail:
    free(c);
    return NULL;
}

void classifier_free(struct classifier *c)
{
    if (!c)
        return;
    if (c->ndpi)
        ndpi_exit_detection_module(c->ndpi);
    free(c);
}

/* Appends {tag, len, bytes} to a metadata staging buffer. */
static void meta_put(uint8_t *buf, size_t cap, size_t *len, enum classify_meta_tag tag,
                     const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    if (n == 0)
        return;
    if (n > 255)
        n = 255;
    if (*len + 2 + n > cap)
        return;
    buf[(*len)++] = (uint8_t)tag;
    buf[(*len)++] = (uint8_t)n;
    memcpy(buf + *len, s, n);
    *len += n;
}

static bool proto_is(const struct flow *f, uint16_t id)
{
    return f->master_proto == id || f->app_proto == id;
}

/* Copies what nDPI extracted into one exactly-sized blob. The protos
 * union of nDPI is read only through the member of the protocol that
 * was detected. Secrets nDPI may hold (telnet/FTP/HTTP credentials) are
 * never copied. */
static void classify_extract_meta(struct classifier *c, struct flow *f)
{
    const struct ndpi_flow_struct *nf = f->ndpi;
    uint8_t buf[1200];
    size_t len = 0;

    meta_put(buf, sizeof buf, &len, META_HOST, nf->host_server_name,
             sizeof nf->host_server_name);
    if (proto_is(f, NDPI_PROTOCOL_HTTP) || proto_is(f, NDPI_PROTOCOL_HTTP_PROXY) ||
        proto_is(f, NDPI_PROTOCOL_HTTP_CONNECT)) {
        if (nf->http.url) {
            /* nDPI 4.2 leaves the URL's injection checks (SQL, XSS, RCE) to
             * the application, as ndpiReader does; it only reads the URL. */
            ndpi_risk_enum rk = ndpi_validate_url((char *)(uintptr_t)nf->http.url);
            if (rk > NDPI_NO_RISK && rk < 64)
                f->risk |= 1ull << rk;
            /* Keep the path only: query strings can carry patient ids. */
            size_t n = strcspn(nf->http.url, "?#");
            meta_put(buf, sizeof buf, &len, META_HTTP_URL, nf->http.url, n);
        }
        if (nf->http.user_agent)
            meta_put(buf, sizeof buf, &len, META_HTTP_UA, nf->http.user_agent, 255);
    }
    if (proto_is(f, NDPI_PROTOCOL_TLS) || proto_is(f, NDPI_PROTOCOL_QUIC) ||
        proto_is(f, NDPI_PROTOCOL_DTLS) || proto_is(f, NDPI_PROTOCOL_MAIL_IMAPS) ||
        proto_is(f, NDPI_PROTOCOL_MAIL_POPS) || proto_is(f, NDPI_PROTOCOL_MAIL_SMTPS)) {
        if (nf->protos.tls_quic.ssl_version) {
            char v[32];
            uint8_t unknown = 0;
            ndpi_ssl_version2str(v, sizeof v, nf->protos.tls_quic.ssl_version, &unknown);
            meta_put(buf, sizeof buf, &len, META_TLS_VERSION, v, sizeof v);
        }
        meta_put(buf, sizeof buf, &len, META_TLS_JA3C, nf->protos.tls_quic.ja3_client,
                 sizeof nf->protos.tls_quic.ja3_client);
        meta_put(buf, sizeof buf, &len, META_TLS_JA3S, nf->protos.tls_quic.ja3_server,
                 sizeof nf->protos.tls_quic.ja3_server);
    } else if (proto_is(f, NDPI_PROTOCOL_SSH)) {
        meta_put(buf, sizeof buf, &len, META_SSH_CLIENT, nf->protos.ssh.client_signature,
                 sizeof nf->protos.ssh.client_signature);
        meta_put(buf, sizeof buf, &len, META_SSH_SERVER, nf->protos.ssh.server_signature,
                 sizeof nf->protos.ssh.server_signature);
    } else if (proto_is(f, NDPI_PROTOCOL_DHCP)) {
        meta_put(buf, sizeof buf, &len, META_DHCP_FINGERPRINT, nf->protos.dhcp.fingerprint,
                 sizeof nf->protos.dhcp.fingerprint);
        meta_put(buf, sizeof buf, &len, META_DHCP_CLASS, nf->protos.dhcp.class_ident,
                 sizeof nf->protos.dhcp.class_ident);
    }
    if (len == 0 || !flow_table_charge(c->ft, len))
        return;
    f->meta = malloc(len);
    if (!f->meta) {
        flow_table_uncharge(c->ft, len);
        return;
    }
    memcpy(f->meta, buf, len);
    f->meta_len = (uint16_t)len;
}

static void classify_store(struct flow *f, ndpi_protocol proto)
{
    f->master_proto = proto.master_protocol;
    f->app_proto = proto.app_protocol;
    f->category = (uint16_t)proto.category;
}

/* Ends detection: guess if nothing was found, copy results, free state. */
static void classify_finish(struct classifier *c, struct flow *f)
{
    uint8_t guessed = 0;
    ndpi_protocol proto = ndpi_detection_giveup(c->ndpi, f->ndpi, 1, &guessed);
    classify_store(f, proto);
    f->guessed = guessed != 0;
    f->confidence = (uint8_t)f->ndpi->confidence;
    f->risk = f->ndpi->risk;
    classify_extract_meta(c, f);

    if (f->app_proto == NDPI_PROTOCOL_UNKNOWN && f->master_proto == NDPI_PROTOCOL_UNKNOWN)
        c->st.flows_unknown++;
    else if (f->guessed)
        c->st.flows_guessed++;
    else
        c->st.flows_detected++;

    ndpi_flow_free(f->ndpi);
    f->ndpi = NULL;
    flow_table_uncharge_scratch(c->ft, c->ndpi_flow_size);
    f->cls_state = CLASSIFY_DONE;
}

void classify_packet(struct classifier *c, struct flow *f, const struct packet *p)
{
    if (f->cls_state == CLASSIFY_DONE)
        return;
    /* One of mamori's own parsers claimed the flow (proto/ runs first, so
     * on this packet or before). For a protocol nDPI 4.2 has no dissector
     * for (HL7), this packet and the next could only make it mistake the
     * flow for something else, and they are the costliest it sees: every
     * dissector runs on a flow it cannot name. Its verdict is what it found
     * before. Other claimed flows get the packet of the claim, as nDPI
     * names them (HTTP, SMB) on their first payload, and no more. */
    bool claimed = f->proto_id != 0 && f->proto_id != PROTO_ID_NONE;
    if (claimed && proto_flow_ndpi_blind(f)) {
        if (f->ndpi)
            classify_finish(c, f);
        return;
    }
    if (!f->ndpi) {
        if (!flow_table_charge_scratch(c->ft, c->ndpi_flow_size)) {
            c->st.memcap_skipped++;
            c->st.flows_unknown++;
            f->cls_state = CLASSIFY_DONE;
            return;
        }
        f->ndpi = ndpi_flow_malloc(c->ndpi_flow_size);
        if (!f->ndpi) {
            flow_table_uncharge_scratch(c->ft, c->ndpi_flow_size);
            c->st.memcap_skipped++;
            c->st.flows_unknown++;
            f->cls_state = CLASSIFY_DONE;
            return;
        }
        memset(f->ndpi, 0, c->ndpi_flow_size);
    }

    uint64_t total = f->pkts[0] + f->pkts[1];
    uint16_t max;
    switch (f->key.proto) {
    case IPPROTO_TCP:
        max = c->lim.max_tcp_packets;
        break;
    case IPPROTO_UDP:
        max = c->lim.max_udp_packets;
        break;
    default:
        max = c->lim.max_other_packets;
        break;
    }
    bool enough = total > max;

    /* Once the handshake is over, a bare TCP acknowledgement tells nDPI
     * nothing new: skipping it saves about a third of the calls on TCP
     * flows. It still counts towards the packet bound, as in ndpiReader. */
    if (!enough && p->l4proto == IPPROTO_TCP && p->payload_len == 0 &&
        !(p->tcp_flags & (TCP_SYN | TCP_FIN | TCP_RST)) && f->state == FLOW_STATE_ESTABLISHED &&
        f->cls_state == CLASSIFY_RUNNING)
        return;

    size_t l3_len = p->l3_len > 0xffff ? 0xffff : p->l3_len;
    ndpi_protocol proto = ndpi_detection_process_packet(c->ndpi, f->ndpi, p->l3,
                                                        (unsigned short)l3_len, p->ts_us / 1000);
    c->st.packets++;
    classify_store(f, proto);

    if (claimed) {
        classify_finish(c, f);
        return;
    }
    if (enough || proto.app_protocol != NDPI_PROTOCOL_UNKNOWN) {
        /* Like ndpiReader: keep feeding while nDPI can still extract
         * metadata (certificates, JA3S), within the packet bound. */
        if (!enough && ndpi_extra_dissection_possible(c->ndpi, f->ndpi)) {
            f->cls_state = CLASSIFY_EXTRA;
            return;
        }
        classify_finish(c, f);
    }
}

void classify_flow_end(struct classifier *c, struct flow *f)
{
    if (f->cls_state != CLASSIFY_DONE && f->ndpi)
        classify_finish(c, f);
}

void classify_flow_release(struct classifier *c, struct flow *f)
{
    if (f->ndpi) {
        ndpi_flow_free(f->ndpi);
        f->ndpi = NULL;
        flow_table_uncharge_scratch(c->ft, c->ndpi_flow_size);
    }
    if (f->meta) {
        free(f->meta);
        flow_table_uncharge(c->ft, f->meta_len);
        f->meta = NULL;
        f->meta_len = 0;
    }
}

static ndpi_protocol classify_proto(const struct flow *f)
{
    ndpi_protocol p;
    memset(&p, 0, sizeof p);
    p.master_protocol = f->master_proto;
    p.app_protocol = f->app_proto;
    p.category = (ndpi_protocol_category_t)f->category;
    return p;
}

void classify_proto_name(const struct classifier *c, const struct flow *f, char *buf, size_t len)
{
    ndpi_protocol2name(c->ndpi, classify_proto(f), buf, (u_int)len);
}

const char *classify_master_name(const struct classifier *c, const struct flow *f)
{
    uint16_t id = f->master_proto ? f->master_proto : f->app_proto;
    return ndpi_get_proto_name(c->ndpi, id);
}

const char *classify_app_name(const struct classifier *c, const struct flow *f)
{
    return ndpi_get_proto_name(c->ndpi, f->app_proto);
}

const char *classify_category_name(const struct classifier *c, const struct flow *f)
{
    return ndpi_category_get_name(c->ndpi, (ndpi_protocol_category_t)f->category);
}

const char *classify_confidence_name(const struct flow *f)
{
    return ndpi_confidence_get_name((ndpi_confidence_t)f->confidence);
}

uint16_t classify_risk_score(const struct flow *f)
{
    uint16_t cli = 0, srv = 0;
    return ndpi_risk2score(f->risk, &cli, &srv);
}

const char *classify_risk_name(unsigned i)
{
    if (i == 0 || i >= NDPI_MAX_RISK)
        return NULL;
    return ndpi_risk2str((ndpi_risk_enum)i);
}

enum classify_host_kind classify_host_kind(const struct flow *f)
{
    if (proto_is(f, NDPI_PROTOCOL_DNS) || proto_is(f, NDPI_PROTOCOL_MDNS) ||
        proto_is(f, NDPI_PROTOCOL_LLMNR))
        return HOST_DNS_QUERY;
    if (proto_is(f, NDPI_PROTOCOL_TLS) || proto_is(f, NDPI_PROTOCOL_QUIC) ||
        proto_is(f, NDPI_PROTOCOL_DTLS))
        return HOST_TLS_SNI;
    if (proto_is(f, NDPI_PROTOCOL_HTTP) || proto_is(f, NDPI_PROTOCOL_HTTP_PROXY) ||
        proto_is(f, NDPI_PROTOCOL_HTTP_CONNECT))
        return HOST_HTTP_HOST;
    if (proto_is(f, NDPI_PROTOCOL_DHCP))
        return HOST_DHCP_HOSTNAME;
    return HOST_OTHER;
}

int classify_meta_get(const struct flow *f, enum classify_meta_tag tag, const uint8_t **val)
{
    size_t off = 0;
    while (f->meta && off + 2 <= f->meta_len) {
        uint8_t t = f->meta[off], n = f->meta[off + 1];
        if (off + 2 + n > f->meta_len)
            break;
        if (t == tag) {
            *val = f->meta + off + 2;
            return n;
        }
        off += 2 + (size_t)n;
    }
    return -1;
}

const struct classify_stats *classifier_stats(const struct classifier *c)
{
    return &c->st;
}
