#include "output/eve_flow.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <string.h>

#include "proto/proto.h"
#include "util/ipfmt.h"

const char *eve_proto_name(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP:
        return "TCP";
    case IPPROTO_UDP:
        return "UDP";
    case IPPROTO_ICMP:
        return "ICMP";
    case IPPROTO_ICMPV6:
        return "IPv6-ICMP";
    case IPPROTO_GRE:
        return "GRE";
    case IPPROTO_ESP:
        return "ESP";
    case IPPROTO_AH:
        return "AH";
    case IPPROTO_SCTP:
        return "SCTP";
    case IPPROTO_IGMP:
        return "IGMP";
    default:
        return NULL;
    }
}

static void eve_ip(struct json_buf *b, const char *key, const uint8_t ip[16], uint8_t version)
{
    char s[IPFMT_MAX];
    size_t n = ipfmt_format(s, ip, version == 6 ? 6 : 4);
    json_string_bytes(b, key, (const uint8_t *)s, n);
}

static void eve_meta(struct json_buf *b, const char *key, const struct flow *f,
                     enum classify_meta_tag tag)
{
    const uint8_t *v;
    int n = classify_meta_get(f, tag, &v);
    if (n > 0)
        json_string_bytes(b, key, v, (size_t)n);
}

static bool eve_has_meta(const struct flow *f, enum classify_meta_tag tag)
{
    const uint8_t *v;
    return classify_meta_get(f, tag, &v) > 0;
}

void eve_flow_counters(struct json_buf *b, const struct flow *f, bool alerted)
{
    json_open_object(b, "flow");
    json_uint(b, "pkts_toserver", f->pkts[DIR_TOSERVER]);
    json_uint(b, "pkts_toclient", f->pkts[DIR_TOCLIENT]);
    json_uint(b, "bytes_toserver", f->bytes[DIR_TOSERVER]);
    json_uint(b, "bytes_toclient", f->bytes[DIR_TOCLIENT]);
    json_time(b, "start", f->first_us);
    json_time(b, "end", f->last_us);
    json_uint(b, "age", (f->last_us - f->first_us) / 1000000);
    json_string(b, "state", flow_state_name((enum flow_state)f->state));
    json_string(b, "reason", flow_end_reason_name((enum flow_end_reason)f->end_reason));
    json_bool(b, "alerted", alerted);
    json_close_object(b);
}

void eve_flow_ndpi(struct json_buf *b, const struct flow *f, const struct classifier *c)
{
    char name[64];
    classify_proto_name(c, f, name, sizeof name);
    json_open_object(b, "ndpi");
    json_string(b, "protocol", name);
    json_string(b, "master_protocol", classify_master_name(c, f));
    json_string(b, "app_protocol", classify_app_name(c, f));
    json_string(b, "category", classify_category_name(c, f));
    json_string(b, "confidence", classify_confidence_name(f));
    json_bool(b, "guessed", f->guessed);
    if (f->risk) {
        json_uint(b, "risk_score", classify_risk_score(f));
        json_open_array(b, "risks");
        for (unsigned i = 1; i < 64; i++) {
            if (!(f->risk & (1ull << i)))
                continue;
            const char *r = classify_risk_name(i);
            if (r)
                json_string(b, NULL, r);
        }
        json_close_array(b);
    }
    /* hostname is always there for rules that do not care where it came
     * from; the protocol objects carry it under the name the protocol
     * gives it, as Suricata's records do. */
    eve_meta(b, "hostname", f, META_HOST);
    enum classify_host_kind hk = classify_host_kind(f);
    if (!eve_has_meta(f, META_HOST))
        hk = HOST_OTHER; /* no host to place: open no object for it */
    if (hk == HOST_DNS_QUERY) {
        json_open_object(b, "dns");
        eve_meta(b, "query", f, META_HOST);
        json_close_object(b);
    }
    if (hk == HOST_HTTP_HOST || eve_has_meta(f, META_HTTP_URL) || eve_has_meta(f, META_HTTP_UA)) {
        json_open_object(b, "http");
        if (hk == HOST_HTTP_HOST)
            eve_meta(b, "hostname", f, META_HOST);
        eve_meta(b, "url", f, META_HTTP_URL);
        eve_meta(b, "user_agent", f, META_HTTP_UA);
        json_close_object(b);
    }
    if (hk == HOST_TLS_SNI || eve_has_meta(f, META_TLS_VERSION) || eve_has_meta(f, META_TLS_JA3C)) {
        json_open_object(b, "tls");
        if (hk == HOST_TLS_SNI)
            eve_meta(b, "sni", f, META_HOST);
        eve_meta(b, "version", f, META_TLS_VERSION);
        eve_meta(b, "ja3", f, META_TLS_JA3C);
        eve_meta(b, "ja3s", f, META_TLS_JA3S);
        json_close_object(b);
    }
    if (eve_has_meta(f, META_SSH_CLIENT) || eve_has_meta(f, META_SSH_SERVER)) {
        json_open_object(b, "ssh");
        eve_meta(b, "client", f, META_SSH_CLIENT);
        eve_meta(b, "server", f, META_SSH_SERVER);
        json_close_object(b);
    }
    if (hk == HOST_DHCP_HOSTNAME || eve_has_meta(f, META_DHCP_FINGERPRINT) ||
        eve_has_meta(f, META_DHCP_CLASS)) {
        json_open_object(b, "dhcp");
        if (hk == HOST_DHCP_HOSTNAME)
            eve_meta(b, "hostname", f, META_HOST);
        eve_meta(b, "fingerprint", f, META_DHCP_FINGERPRINT);
        eve_meta(b, "vendor_class", f, META_DHCP_CLASS);
        json_close_object(b);
    }
    json_close_object(b);
}

void eve_flow_format(struct json_buf *b, const struct flow *f, const struct classifier *c)
{
    eve_flow_format_marked(b, f, c, NULL);
}

void eve_flow_format_marked(struct json_buf *b, const struct flow *f, const struct classifier *c,
                            struct eve_flow_marks *mk)
{
    struct eve_flow_marks unused;
    if (!mk)
        mk = &unused;
    const uint8_t *cip = f->a_is_client ? f->key.ip_a : f->key.ip_b;
    const uint8_t *sip = f->a_is_client ? f->key.ip_b : f->key.ip_a;
    uint16_t cport = f->a_is_client ? f->key.port_a : f->key.port_b;
    uint16_t sport = f->a_is_client ? f->key.port_b : f->key.port_a;
    bool ports =
        f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP || f->key.proto == IPPROTO_SCTP;

    json_reset(b);
    json_open_object(b, NULL);
    json_time(b, "timestamp", f->first_us);
    mk->flow_id = b->len;
    json_uint(b, "flow_id", f->id);
    mk->event_type = b->len;
    json_string(b, "event_type", "flow");
    mk->addresses = b->len;
    if (f->key.vlan) {
        json_open_array(b, "vlan");
        json_uint(b, NULL, f->key.vlan);
        json_close_array(b);
    }
    eve_ip(b, "src_ip", cip, f->key.ip_version);
    if (ports)
        json_uint(b, "src_port", cport);
    eve_ip(b, "dest_ip", sip, f->key.ip_version);
    if (ports)
        json_uint(b, "dest_port", sport);
    const char *pn = eve_proto_name(f->key.proto);
    if (pn) {
        json_string(b, "proto", pn);
    } else {
        /* The protocol number as a string ("%u"), without printf. */
        char num[3];
        size_t k = 0;
        unsigned v = f->key.proto;
        if (v >= 100)
            num[k++] = (char)('0' + v / 100);
        if (v >= 10)
            num[k++] = (char)('0' + v / 10 % 10);
        num[k++] = (char)('0' + v % 10);
        json_string_bytes(b, "proto", (const uint8_t *)num, k);
    }

    /* app_proto in Suricata's style: the lowercased application layer. */
    char app[64];
    const char *m = (f->master_proto || f->app_proto) ? classify_master_name(c, f) : "unknown";
    /* A flow one of mamori's own parsers claimed is named by it: nDPI 4.2
     * has no DICOM or HL7 (it calls port 104 "Cassandra"). */
    const char *parsed = proto_flow_app_name(f);
    if (parsed)
        m = parsed;
    size_t i = 0;
    for (; m[i] && i < sizeof app - 1; i++)
        app[i] = (char)tolower((unsigned char)m[i]);
    json_string_bytes(b, "app_proto", (const uint8_t *)app, i);

    mk->counters = b->len;
    eve_flow_counters(b, f, false);
    mk->ndpi = b->len;

    eve_flow_ndpi(b, f, c);
    json_close_object(b);
}
