/*
 * Alerts on flows made from the flow's record (alert_eve_format_flow())
 * and alerts on parser events made from the parser's record
 * (alert_eve_format_proto()) are the very bytes alert_eve_format() writes
 * from the event, for every flow and every DICOM, HL7, FHIR and SMB event
 * of the project's captures (IPv4 and IPv6, TCP, UDP, ICMP, nDPI
 * metadata, VLANs where the captures have them); a record whose layout
 * does not match its marks is refused, never spliced.
 */
#include "detect/alert_eve.h"

#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>

#include "../test.h"
#include "classify/classify.h"
#include "decode/decode.h"
#include "detect/event_flow.h"
#include "detect/event_proto.h"
#include "detect/ruleset.h"
#include "detect_test.h"
#include "flow/flow_table.h"
#include "output/eve_file.h"
#include "output/eve_flow.h"
#include "proto/proto.h"

struct replay {
    struct classifier *cls;
    struct proto_engine *proto;
    const struct crule *rule;
    struct alert_eve_cache *cache;
    struct json_buf rec, want, got;
    struct eve_flow_marks mk;
    unsigned flows, same;
    unsigned events, events_same, events_unrecorded;
};

static int replay_discard(void *ctx, const char *rec, size_t len)
{
    (void)ctx;
    (void)rec;
    (void)len;
    return 0;
}

static const struct eve_file_ops replay_ops = {.write = replay_discard};

static void replay_proto_event(void *ctx, const struct flow *f, const struct proto_parser *ps,
                               unsigned kind, const void *rec)
{
    struct replay *r = ctx;
    struct event_proto ep;
    if (!event_proto_init(&ep, f, ps, kind, rec))
        return;
    struct proto_record_marks pm;
    const struct json_buf *pr = proto_engine_record(r->proto, &pm);
    if (!pr) {
        r->events_unrecorded++;
        return;
    }
    uint64_t id = 0x4321000000000000ull + r->events;
    alert_eve_format(&r->want, r->rule, &ep.ev, id);
    int rc = alert_eve_format_proto(&r->got, r->cache, r->rule, &ep.ev, f, id, pr, &pm);
    r->events++;
    if (rc == 0 && r->got.len == r->want.len && memcmp(r->got.p, r->want.p, r->got.len) == 0)
        r->events_same++;
    else if (r->events - r->events_same == 1)
        CHECK_EQ_STR(rc == 0 ? r->got.p : "(refused)", r->want.p);
}

static void replay_flow_end(void *ctx, struct flow *f)
{
    struct replay *r = ctx;
    classify_flow_end(r->cls, f);
    proto_flow_end(r->proto, f);
    eve_flow_format_marked(&r->rec, f, r->cls, &r->mk);
    struct event_flow ef;
    event_flow_init(&ef, f, r->cls);
    uint64_t id = 0x1234000000000000ull + r->flows;
    alert_eve_format(&r->want, r->rule, &ef.ev, id);
    int rc = alert_eve_format_flow(&r->got, r->cache, r->rule, ef.ev.ts_us, id, &r->rec, &r->mk);
    r->flows++;
    if (rc == 0 && r->got.len == r->want.len && memcmp(r->got.p, r->want.p, r->got.len) == 0)
        r->same++;
    else if (r->flows - r->same == 1)
        CHECK_EQ_STR(rc == 0 ? r->got.p : "(refused)", r->want.p);
    classify_flow_release(r->cls, f);
}

static void replay_file(struct replay *r, const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    CHECK(pc != NULL);
    if (!pc)
        return;
    struct decode_limits dl;
    struct flow_limits fl;
    struct classify_limits cl;
    decode_limits_default(&dl);
    flow_limits_default(&fl);
    classify_limits_default(&cl);
    struct decoder *d = decoder_new(&dl);
    struct flow_table *t = flow_table_new(&fl, 0, replay_flow_end, r);
    r->cls = t ? classifier_new(&cl, t) : NULL;
    struct eve_file *eve = eve_file_new_ops(&replay_ops, NULL);
    r->proto = r->cls && eve ? proto_engine_new(t, r->cls, eve) : NULL;
    CHECK(d && t && r->cls && eve && r->proto);
    if (r->proto)
        proto_engine_set_event_sink(r->proto, replay_proto_event, r);
    struct pcap_pkthdr *h;
    const u_char *data;
    int lt = pcap_datalink(pc);
    while (d && t && r->proto && pcap_next_ex(pc, &h, &data) == 1) {
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        struct packet p;
        if (decode_packet(d, lt, data, h->caplen, h->len, ts, &p) != DECODE_OK)
            continue;
        enum flow_dir dir;
        struct flow *f = flow_table_update(t, &p, &dir);
        if (f) {
            classify_packet(r->cls, f, &p);
            proto_packet(r->proto, f, &p, dir);
        }
    }
    if (t && r->proto)
        flow_table_flush(t, FLOW_END_SHUTDOWN);
    proto_engine_free(r->proto);
    eve_file_free(eve);
    classifier_free(r->cls);
    flow_table_free(t);
    decoder_free(d);
    pcap_close(pc);
}

static void test_captures(void)
{
    const char *src = "rule 100001 rev 3 \"Port \\\"scan\\\"\"\n"
                      "  severity high category \"Discovery\" mitre T0846\n"
                      "  when flow.pkts >= 0\n";
    struct rule_diags diags;
    struct ruleset *rs = test_load(src, NULL, &diags);
    CHECK(rs != NULL);
    if (!rs)
        return;
    struct replay r = {.rule = &ruleset_rules(rs)->rules[0]};
    r.cache = alert_eve_cache_new();
    CHECK(r.cache != NULL);
    json_init(&r.rec);
    json_init(&r.want);
    json_init(&r.got);
    const char *dir = getenv("MAMORI_PCAPS");
    char path[4096];
    static const char *const top[] = {"hospital-normal.pcap", "demo.pcap"};
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir ? dir : "pcaps", top[i]);
        replay_file(&r, path);
    }
    snprintf(path, sizeof path, "%s/behaviours", dir ? dir : "pcaps");
    DIR *dd = opendir(path);
    CHECK(dd != NULL);
    for (struct dirent *de; dd && (de = readdir(dd));) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 5, ".pcap") != 0)
            continue;
        snprintf(path, sizeof path, "%s/behaviours/%s", dir ? dir : "pcaps", de->d_name);
        replay_file(&r, path);
    }
    if (dd)
        closedir(dd);
    CHECK(r.flows > 500);
    CHECK_EQ_INT(r.same, r.flows);
    CHECK(r.events > 20);
    CHECK_EQ_INT(r.events_same, r.events);
    CHECK_EQ_INT(r.events_unrecorded, 0);

    /* A record that is not what its marks say is refused. */
    struct eve_flow_marks bad = r.mk;
    bad.ndpi = bad.counters;
    CHECK_EQ_INT(alert_eve_format_flow(&r.got, NULL, r.rule, 1, 1, &r.rec, &bad), -EINVAL);
    bad = r.mk;
    bad.ndpi = r.rec.len;
    CHECK_EQ_INT(alert_eve_format_flow(&r.got, NULL, r.rule, 1, 1, &r.rec, &bad), -EINVAL);
    bad = r.mk;
    bad.ndpi -= 1;
    CHECK_EQ_INT(alert_eve_format_flow(&r.got, NULL, r.rule, 1, 1, &r.rec, &bad), -EINVAL);
    json_free(&r.rec);
    json_free(&r.want);
    json_free(&r.got);
    alert_eve_cache_free(r.cache);
    ruleset_unref(rs);
    rule_diags_free(&diags);
}

TEST_MAIN(TEST(test_captures))
