/*
 * The default rule pack (rules/hospital.rules and rules/lists/) against
 * the generated captures: each behaviour raises exactly the rules listed
 * for it, once each, and the normal hospital raises nothing. Every rule
 * is also checked with a positive and a negative event.
 */
#include <stdlib.h>

#include "detect/detect.h"
#include "replay.h"

#include "../test.h"
#include "detect_test.h"

#define MAX_FIRED 64

struct fired {
    uint32_t sid[MAX_FIRED];
    size_t n, total;
};

static void on_alert(void *ctx, const struct json_buf *b, const struct crule *r)
{
    struct fired *f = ctx;
    (void)b;
    f->total++;
    for (size_t i = 0; i < f->n; i++) {
        if (f->sid[i] == r->sid)
            return;
    }
    if (f->n < MAX_FIRED)
        f->sid[f->n++] = r->sid;
}

static struct ruleset *load_pack(void)
{
    const char *dir = getenv("MAMORI_RULES");
    struct ruleset_limits lim;
    struct rule_diags d;
    ruleset_limits_default(&lim);
    rule_diags_init(&d);
    struct ruleset *rs = dir ? ruleset_load(dir, NULL, 0, &lim, 0, &d) : NULL;
    rule_diags_print(&d, stderr);
    rule_diags_free(&d);
    return rs;
}

struct capture_case {
    const char *file;
    uint32_t want[8]; /* 0-terminated, ascending */
};

static const struct capture_case captures[] = {
    {"hospital-normal.pcap", {0}},
    {"behaviours/new_device.pcap", {0}}, /* the asset inventory's to report, not a rule's */
    {"behaviours/dicom_unknown_ae.pcap", {100001, 100003, 100007, 0}},
    {"behaviours/dicom_reject_burst.pcap", {100001, 100004, 100007, 0}},
    {"behaviours/retired_device.pcap", {100001, 100021, 0}},
    {"behaviours/hl7_outside.pcap", {100006, 100009, 0}},
    {"behaviours/telnet_login.pcap", {100012, 100014, 0}},
    {"behaviours/rdp_modality.pcap", {100014, 0}},
    {"behaviours/portscan.pcap", {100017, 0}},
    {"behaviours/hostsweep.pcap", {100018, 0}},
    {"behaviours/dns_tunnel.pcap", {100019, 0}},
    {"behaviours/internet_talker.pcap", {100020, 0}},
    {"behaviours/smbv1.pcap", {100013, 0}},
    {"behaviours/dicom_ae_spoof.pcap", {100002, 100007, 0}},
    {"behaviours/dicom_outside.pcap", {100005, 0}},
    {"behaviours/hl7_cleartext_zones.pcap", {100008, 100009, 0}}, /* 100009: the CT's ACK */
    {"behaviours/fhir_basic_auth.pcap", {100010, 0}},
    {"behaviours/http_basic_auth.pcap", {100011, 0}},
    {"behaviours/tls_obsolete.pcap", {100015, 0}},
    {"behaviours/ssh_obsolete.pcap", {100016, 0}},
    {"behaviours/http_exploit.pcap", {100022, 0}},
    {"behaviours/http_exe_download.pcap", {100023, 0}},
};

static int sid_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void test_captures(void)
{
    const char *dir = getenv("MAMORI_PCAPS");
    struct ruleset *rs = load_pack();
    CHECK(rs != NULL && dir != NULL);
    if (!rs || !dir) {
        ruleset_unref(rs);
        return;
    }
    struct rule_state_limits lim;
    rule_state_limits_default(&lim);
    for (size_t i = 0; i < sizeof captures / sizeof captures[0]; i++) {
        char path[4096];
        struct fired f = {0};
        struct replay_stats st = {0};
        snprintf(path, sizeof path, "%s/%s", dir, captures[i].file);
        struct detect *d = detect_new(rs, &lim, on_alert, &f);
        CHECK(d != NULL);
        if (!d)
            continue;
        CHECK_EQ_INT(replay_pcap(path, d, &st), 0);
        CHECK(st.flows > 0);
        qsort(f.sid, f.n, sizeof f.sid[0], sid_cmp);
        size_t nw = 0;
        while (captures[i].want[nw])
            nw++;
        bool same = f.n == nw;
        for (size_t k = 0; same && k < nw; k++)
            same = f.sid[k] == captures[i].want[k];
        CHECK(same);
        /* noise control: one alert per rule for one behaviour */
        CHECK_EQ_INT(f.total, f.n);
        if (!same || f.total != f.n) {
            fprintf(stderr, "%s: fired", captures[i].file);
            for (size_t k = 0; k < f.n; k++)
                fprintf(stderr, " %u", f.sid[k]);
            fprintf(stderr, " (%zu alerts)\n", f.total);
        }
        detect_free(d);
    }
    ruleset_unref(rs);
}

/* ---- every rule on events: one each way -------------------------------- */

static uint32_t fire(struct ruleset *rs, const struct test_event *e)
{
    struct rule_state_limits lim;
    struct fired f = {0};
    rule_state_limits_default(&lim);
    struct detect *d = detect_new(rs, &lim, on_alert, &f);
    if (!d)
        return 0;
    detect_event(d, &e->ev);
    detect_free(d);
    return f.n == 1 ? f.sid[0] : f.n == 0 ? 0 : 1; /* 1: several */
}

static void dicom_event(struct test_event *e, const char *src, const char *ae, const char *ae_host)
{
    test_event_init(e, EVENT_DICOM, 1768467600000000ull);
    test_event_ip(e, F_SRC_IP, src);
    test_event_ip(e, F_DEST_IP, "10.10.0.20");
    test_event_bool(e, F_DICOM_ASSOCIATION, true);
    test_event_bool(e, F_DICOM_CLEARTEXT, true);
    test_event_str(e, F_DICOM_CALLING_AE, ae);
    test_event_str(e, F_DICOM_CALLING_AE_HOST, ae_host);
    test_event_str(e, F_DICOM_RESULT, "accepted");
}

static void flow_event(struct test_event *e, const char *src, const char *dest)
{
    test_event_init(e, EVENT_FLOW, 1768467600000000ull);
    test_event_ip(e, F_SRC_IP, src);
    test_event_ip(e, F_DEST_IP, dest);
    test_event_str(e, F_PROTO, "TCP");
    test_event_int(e, F_DEST_PORT, 443);
    test_event_str(e, F_NDPI_RISK_SEVERITY, "none");
    test_event_bool(e, F_NDPI_GUESSED, false);
}

static void test_events(void)
{
    struct ruleset *rs = load_pack();
    struct test_event e;
    CHECK(rs != NULL);
    if (!rs)
        return;

    /* 100002: a known AE title from an address not registered for it */
    dicom_event(&e, "10.20.1.99", "CT_ROOM1", "CT_ROOM1@10.20.1.99");
    CHECK_EQ_INT(fire(rs, &e), 100002);
    dicom_event(&e, "10.20.1.11", "CT_ROOM1", "CT_ROOM1@10.20.1.11");
    CHECK_EQ_INT(fire(rs, &e), 0);

    /* 100003 and its worklist exception */
    dicom_event(&e, "10.20.1.11", "CT_ROOM1", "CT_ROOM1@10.20.1.11");
    static const char *const find[] = {"C-FIND", NULL};
    static const char *const mwl[] = {"1.2.840.10008.5.1.4.31", NULL};
    test_event_list(&e, F_DICOM_COMMANDS, find);
    CHECK_EQ_INT(fire(rs, &e), 100003);
    test_event_list(&e, F_DICOM_SOP_CLASSES, mwl);
    CHECK_EQ_INT(fire(rs, &e), 0);
    dicom_event(&e, "10.20.2.21", "VIEWER_RAD1", "VIEWER_RAD1@10.20.2.21");
    test_event_list(&e, F_DICOM_COMMANDS, find);
    CHECK_EQ_INT(fire(rs, &e), 0);

    /* 100005: DICOM with the outside */
    dicom_event(&e, "10.20.1.11", "CT_ROOM1", "CT_ROOM1@10.20.1.11");
    test_event_ip(&e, F_DEST_IP, "198.51.100.20");
    CHECK_EQ_INT(fire(rs, &e), 100005);

    /* 100008: HL7 between zones; and inside its zones, nothing */
    test_event_init(&e, EVENT_HL7, 1768467600000000ull);
    test_event_ip(&e, F_SRC_IP, "10.30.3.21");
    test_event_ip(&e, F_DEST_IP, "10.10.0.35");
    test_event_bool(&e, F_HL7_CLEARTEXT, true);
    test_event_str(&e, F_HL7_SENDING_APPLICATION, "HIS");
    test_event_str(&e, F_HL7_SENDING_FACILITY, "DEMO_HOSP");
    CHECK_EQ_INT(fire(rs, &e), 100008);
    test_event_ip(&e, F_SRC_IP, "10.10.0.30");
    CHECK_EQ_INT(fire(rs, &e), 0);
    /* 100009 with an unknown facility */
    test_event_str(&e, F_HL7_SENDING_FACILITY, "ELSEWHERE");
    CHECK_EQ_INT(fire(rs, &e), 100009);

    /* 100010: FHIR credentials in cleartext */
    test_event_init(&e, EVENT_FHIR, 1768467600000000ull);
    test_event_ip(&e, F_SRC_IP, "10.30.3.21");
    test_event_ip(&e, F_DEST_IP, "10.10.0.40");
    test_event_bool(&e, F_FHIR_CLEARTEXT_CREDENTIALS, true);
    CHECK_EQ_INT(fire(rs, &e), 100010);
    test_event_bool(&e, F_FHIR_CLEARTEXT_CREDENTIALS, false);
    CHECK_EQ_INT(fire(rs, &e), 0);

    /* 100011: HTTP Basic; on a FHIR flow it is 100010's */
    flow_event(&e, "10.30.3.21", "10.10.0.51");
    test_event_str(&e, F_APP_PROTO, "http");
    test_event_bool(&e, F_HTTP_BASIC_AUTH, true);
    CHECK_EQ_INT(fire(rs, &e), 100011);
    test_event_str(&e, F_APP_PROTO, "fhir");
    CHECK_EQ_INT(fire(rs, &e), 0);
    test_event_str(&e, F_APP_PROTO, "http");
    test_event_bool(&e, F_HTTP_BASIC_AUTH, false);
    CHECK_EQ_INT(fire(rs, &e), 0);
    /* nDPI's Clear-Text Credentials on HTTP is 100011's, not 100012's */
    const char *const cleartext[] = {"Clear-Text Credentials", NULL};
    test_event_list(&e, F_NDPI_RISKS, cleartext);
    test_event_str(&e, F_NDPI_MASTER, "HTTP");
    CHECK_EQ_INT(fire(rs, &e), 0);
    test_event_str(&e, F_NDPI_MASTER, "IMAP");
    test_event_bool(&e, F_NDPI_GUESSED, true);
    CHECK_EQ_INT(fire(rs, &e), 100012);

    /* 100012: FTP, but not a port guess */
    flow_event(&e, "10.30.3.21", "10.10.0.50");
    test_event_str(&e, F_NDPI_MASTER, "FTP_CONTROL");
    CHECK_EQ_INT(fire(rs, &e), 100012);
    test_event_bool(&e, F_NDPI_GUESSED, true);
    CHECK_EQ_INT(fire(rs, &e), 0);

    /* 100013: SMBv1, from the smb record */
    test_event_init(&e, EVENT_SMB, 1768467600000000ull);
    test_event_ip(&e, F_SRC_IP, "10.20.1.32");
    test_event_ip(&e, F_DEST_IP, "10.10.0.50");
    test_event_int(&e, F_SMB_VERSION, 1);
    CHECK_EQ_INT(fire(rs, &e), 100013);
    test_event_int(&e, F_SMB_VERSION, 2);
    CHECK_EQ_INT(fire(rs, &e), 0);

    /* 100014: VNC into a monitor gateway; into a workstation, nothing */
    flow_event(&e, "10.50.0.40", "10.40.0.20");
    test_event_str(&e, F_NDPI_CATEGORY, "RemoteAccess");
    test_event_str(&e, F_NDPI_MASTER, "VNC");
    CHECK_EQ_INT(fire(rs, &e), 100014);
    test_event_ip(&e, F_DEST_IP, "10.30.3.21");
    CHECK_EQ_INT(fire(rs, &e), 0);

    /* 100015: obsolete TLS */
    flow_event(&e, "10.30.3.21", "10.10.0.30");
    test_event_str(&e, F_TLS_VERSION, "TLSv1.1");
    CHECK_EQ_INT(fire(rs, &e), 100015);
    test_event_str(&e, F_TLS_VERSION, "TLSv1.2");
    CHECK_EQ_INT(fire(rs, &e), 0);

    /* 100016: obsolete SSH */
    flow_event(&e, "10.50.0.40", "10.10.0.50");
    test_event_str(&e, F_SSH_CLIENT, "SSH-1.5-OldClient");
    CHECK_EQ_INT(fire(rs, &e), 100016);
    test_event_str(&e, F_SSH_CLIENT, "SSH-2.0-OpenSSH_9.2");
    CHECK_EQ_INT(fire(rs, &e), 0);

    /* 100022 and 100023: what nDPI flags */
    flow_event(&e, "203.0.113.66", "10.10.0.40");
    static const char *const sqli[] = {"SQL Injection", NULL};
    static const char *const selfsigned[] = {"Self-signed Certificate", NULL};
    static const char *const numeric[] = {"HTTP Numeric IP Address", NULL};
    test_event_list(&e, F_NDPI_RISKS, sqli);
    test_event_str(&e, F_NDPI_RISK_SEVERITY, "severe");
    CHECK_EQ_INT(fire(rs, &e), 100022);
    test_event_list(&e, F_NDPI_RISKS, selfsigned);
    test_event_str(&e, F_NDPI_RISK_SEVERITY, "high");
    CHECK_EQ_INT(fire(rs, &e), 100023);
    test_event_list(&e, F_NDPI_RISKS, numeric);
    test_event_str(&e, F_NDPI_RISK_SEVERITY, "low");
    CHECK_EQ_INT(fire(rs, &e), 0);

    ruleset_unref(rs);
}

TEST_MAIN(TEST(test_captures), TEST(test_events))
