/*
 * The compiler and the loader: type checks and their messages, lists,
 * variables, tunes, the index, the default rule pack, and a truncation
 * sweep over a valid rule file (rule files are untrusted input).
 */
#include <stdlib.h>

#include "detect/rule_eval.h"
#include "detect/ruleset.h"

#include "../test.h"
#include "detect_test.h"

struct err_case {
    const char *src;
    const char *want;
    const char *hint;
};

static const char *const lists[] = {
    "modality_ae_titles.txt",
    "CT_ROOM1\nMR_ROOM1 # the MR\n\"US ER\"\n",
    "nets.txt",
    "10.0.0.0/8\n192.168.0.0/16\n",
    "bad_nets.txt",
    "10.0.0.0/8\n10.0.0.999\n",
    "broken.txt",
    "ok\n  \"unterminated\n",
    NULL,
};

static const struct err_case compile_errors[] = {
    {"rule 1 \"m\" when src_ip in $PAC\ndefine $PACS = [10.0.0.1]",
     "t.rules:1:27: unknown variable '$PAC'", "did you mean '$PACS'?"},
    {"rule 1 \"m\" when dicom.calling_ae in @modality_ae_title",
     "t.rules:1:37: unknown list '@modality_ae_title'", "did you mean '@modality_ae_titles'?"},
    {"rule 1 \"m\" when dicom.calling_ae in @nothing_like_it",
     "t.rules:1:37: unknown list '@nothing_like_it'",
     "lists are files rules/lists/NAME.txt, one value a line"},
    {"rule 1 \"m\" when dest_port == abc",
     "t.rules:1:30: 'abc' is not a number; dest_port is a number", NULL},
    {"rule 1 \"m\" when src_ip in [10.0.0.1, 10.0.0.256]",
     "t.rules:1:38: '10.0.0.256' is not an address or CIDR block; src_ip is an address",
     "addresses look like 10.20.1.11, 10.20.1.0/24 or fe80::/10"},
    {"rule 1 \"m\" when src_ip in @bad_nets",
     "bad_nets.txt:2:1: '10.0.0.999' is not an address or CIDR block; src_ip is an address", NULL},
    {"rule 1 \"m\" when dicom.result == rjected",
     "t.rules:1:33: 'rjected' is not a value of dicom.result", "did you mean 'rejected'?"},
    {"rule 1 \"m\" when dicom.result == xyzzy",
     "t.rules:1:33: 'xyzzy' is not a value of dicom.result",
     "dicom.result is one of: accepted rejected aborted no-answer"},
    {"rule 1 \"m\" when ndpi.risks == \"SMB insecure version\"",
     "t.rules:1:31: unknown nDPI risk \"SMB insecure version\"",
     "did you mean \"SMB Insecure Version\"?"},
    {"rule 1 \"m\" when dicom.calling_ae < 5",
     "t.rules:1:17: '<' cannot be used with dicom.calling_ae",
     "'<' compares numbers; dicom.calling_ae is text: use == or in"},
    {"rule 1 \"m\" when src_ip startswith \"10.\"",
     "t.rules:1:17: 'startswith' cannot be used with src_ip",
     "'startswith' looks inside text; src_ip is an address: use 'in' with CIDR blocks"},
    {"rule 1 \"m\" when dicom.calling_ae == X and tls.sni == y",
     "t.rules:1:43: 'tls.sni' cannot appear in this rule",
     "'dicom.calling_ae' and 'tls.sni' are never on the same event; write two rules"},
    {"rule 1 \"m\" on hl7 when tls.sni == y", "t.rules:1:24: 'tls.sni' cannot appear in this rule",
     "the rule's 'on' clause names events without 'tls.sni'"},
    {"rule 7 \"m\" when rdp\nrule 7 \"n\" when rdp", "t.rules:2:1: rule id 7 is used twice",
     "rule 7 is already at t.rules:1:1; give each rule its own id"},
    {"define $A = [1]\ndefine $A = [2]\nrule 1 \"m\" when dest_port in $A",
     "t.rules:2:8: variable '$A' is defined twice", "it was first defined at t.rules:1:8"},
    {"define $A = [$B]\ndefine $B = [$A]\nrule 1 \"m\" when dest_port in $A",
     "t.rules:2:14: variable '$A' refers to itself", NULL},
    {"rule 1 \"m\" when rdp\ntune 2 disabled", "t.rules:2:1: tune 2: there is no rule 2", NULL},
    {"rule 1 \"m\" when dest_port == [1, 2]",
     "t.rules:1:30: '==' compares with one value; this names 2",
     "use 'in' to compare with a set or list"},
    {"rule 1 \"m\" when dest_port == 5 nocase",
     "t.rules:1:17: 'nocase' cannot apply to dest_port, which is a number",
     "nocase applies to text fields"},
    {"rule 1 \"m\" when dicom.cleartext == maybe",
     "t.rules:1:36: dicom.cleartext is yes/no, not 'maybe'", NULL},
    {"rule 1 \"m\" when dicom.cleartext in [true]",
     "t.rules:1:17: dicom.cleartext is yes/no; 'in' does not apply", NULL},
    {"rule 1 \"m\" when dicom.calling_ae in @broken",
     "broken.txt:2:3: text in quotes must end with '\"' on the same line", NULL},
};

static void test_compile_errors(void)
{
    char buf[512];
    for (size_t i = 0; i < sizeof compile_errors / sizeof compile_errors[0]; i++) {
        const struct err_case *c = &compile_errors[i];
        struct rule_diags d;
        struct ruleset *rs = test_load(c->src, lists, &d);
        CHECK(rs == NULL);
        CHECK_EQ_STR(test_diag(&d, 0, buf, sizeof buf), c->want);
        if (c->hint && d.n)
            CHECK_EQ_STR(d.v[0].hint, c->hint);
        ruleset_unref(rs);
        rule_diags_free(&d);
    }
}

static void test_all_errors_reported(void)
{
    /* Parse errors and compile errors of different rules in one run. */
    const char *src = "rule 1 \"a\" when dest_port == x\n"
                      "rule 2 \"b\" when bogus\n"
                      "rule 3 \"c\" when src_ip in @nope\n";
    struct rule_diags d;
    char buf[256];
    struct ruleset *rs = test_load(src, lists, &d);
    CHECK(rs == NULL);
    CHECK_EQ_INT(d.errors, 3);
    CHECK_EQ_STR(test_diag(&d, 0, buf, sizeof buf), "t.rules:2:17: unknown field 'bogus'");
    CHECK_EQ_STR(test_diag(&d, 1, buf, sizeof buf),
                 "t.rules:1:30: 'x' is not a number; dest_port is a number");
    CHECK_EQ_STR(test_diag(&d, 2, buf, sizeof buf), "t.rules:3:27: unknown list '@nope'");
    rule_diags_free(&d);
}

static void test_warning_expired(void)
{
    const char *src = "rule 1 \"m\" when rdp except src_ip == 10.0.0.1 until 2020-01-01";
    struct rule_source f = {"t.rules", src, strlen(src)};
    struct ruleset_limits lim;
    struct rule_diags d;
    char buf[256];
    ruleset_limits_default(&lim);
    rule_diags_init(&d);
    struct ruleset *rs =
        ruleset_load_sources(&f, 1, NULL, 0, NULL, 0, &lim, 1768467600ll * 1000000, &d);
    CHECK(rs != NULL); /* a warning does not stop the load */
    CHECK_EQ_INT(d.errors, 0);
    CHECK_EQ_INT(d.warnings, 1);
    CHECK_EQ_STR(test_diag(&d, 0, buf, sizeof buf),
                 "t.rules:1:53: this exception expired on 2020-01-01 and no longer applies");
    ruleset_unref(rs);
    rule_diags_free(&d);
}

static void test_config_vars(void)
{
    /* The config's value wins over the rule file's define; its errors
     * name the config. */
    const char *src = "define $PACS = [10.0.0.1]\nrule 1 \"m\" when src_ip in $PACS";
    struct rule_source f = {"t.rules", src, strlen(src)};
    struct rule_var v = {"$PACS", "[10.9.9.9]", "mamori.yaml", 12, 9};
    struct rule_var bad = {"PACS", "[10.9.9]", "mamori.yaml", 12, 9};
    struct ruleset_limits lim;
    struct rule_diags d;
    char buf[256];
    ruleset_limits_default(&lim);
    rule_diags_init(&d);
    struct ruleset *rs = ruleset_load_sources(&f, 1, NULL, 0, &v, 1, &lim, 0, &d);
    CHECK(rs != NULL);
    if (rs) {
        const struct cnode *n = ruleset_rules(rs)->rules[0].when;
        uint8_t ip[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 9, 9, 9};
        CHECK(n->op == CN_IP_IN && rule_ipset_has(n->u.ipset, ip));
        ip[13] = 0;
        ip[14] = 0;
        ip[15] = 1;
        CHECK(!rule_ipset_has(n->u.ipset, ip));
    }
    ruleset_unref(rs);
    rule_diags_free(&d);
    rule_diags_init(&d);
    rs = ruleset_load_sources(&f, 1, NULL, 0, &bad, 1, &lim, 0, &d);
    CHECK(rs == NULL);
    CHECK_EQ_STR(
        test_diag(&d, 0, buf, sizeof buf),
        "mamori.yaml:12:10: '10.9.9' is not an address or CIDR block; src_ip is an address");
    rule_diags_free(&d);
}

static void test_tune_and_types(void)
{
    const char *src = "rule 1 \"m\" when src_ip == 10.0.0.1\n"
                      "rule 2 \"d\" when dicom.calling_ae == X\n"
                      "rule 3 \"h\" when hl7.message == \"ADT^A08\"\n"
                      "rule 4 \"s\" on dicom when src_ip == 10.0.0.1\n"
                      "rule 5 \"x\" when dest_port == 1 disabled\n"
                      "tune 1 disabled\n"
                      "tune 5 enabled except src_ip == 10.0.0.2 limit 1 per 1m severity high\n";
    struct rule_diags d;
    struct ruleset *rs = test_load(src, NULL, &d);
    CHECK(rs != NULL);
    if (!rs)
        return;
    const struct compiled_rules *cr = ruleset_rules(rs);
    CHECK_EQ_INT(cr->n_rules, 5);
    CHECK(cr->rules[0].disabled);
    CHECK_EQ_INT(cr->rules[0].type, EVENT_FLOW); /* addresses alone: flow records */
    CHECK_EQ_INT(cr->rules[1].type, EVENT_DICOM);
    CHECK_EQ_INT(cr->rules[2].type, EVENT_HL7);
    CHECK_EQ_INT(cr->rules[3].type, EVENT_DICOM);
    CHECK(!cr->rules[4].disabled);
    CHECK_EQ_INT(cr->rules[4].n_except, 1);
    CHECK(cr->rules[4].has_limit && cr->rules[4].limit_n == 1);
    CHECK_EQ_INT(cr->rules[4].severity, 1);
    CHECK_EQ_INT(cr->n_enabled, 4);
    CHECK_EQ_INT(cr->idx[EVENT_FLOW].n_rules, 1);
    CHECK_EQ_INT(cr->idx[EVENT_DICOM].n_rules, 2);
    CHECK(ruleset_find(rs, 3) == &cr->rules[2]);
    CHECK(ruleset_find(rs, 9) == NULL);
    ruleset_unref(rs);
    rule_diags_free(&d);
}

static void test_index(void)
{
    /* Anchored rules run only for their values; others always. */
    const char *src = "rule 1 \"a\" when dest_port == 104 and app_proto in [dicom, x, y]\n"
                      "rule 2 \"b\" when ndpi.hostname in [\"A.example\", b.example]\n"
                      "rule 3 \"c\" when dest_ip in [192.0.2.1, 192.0.2.2]\n"
                      "rule 4 \"d\" when dest_ip in 192.0.2.0/24\n"
                      "rule 5 \"e\" when dest_port != 104\n"
                      "rule 6 \"f\" when dest_port in [1-1024]\n"
                      "rule 7 \"g\" when app_proto == tls and tls.sni endswith \".Evil.example\"\n";
    struct rule_diags d;
    struct ruleset *rs = test_load(src, NULL, &d);
    CHECK(rs != NULL);
    if (!rs)
        return;
    const struct crule_index *ix = &ruleset_rules(rs)->idx[EVENT_FLOW];
    CHECK_EQ_INT(ix->n_rules, 7);
    CHECK_EQ_INT(ix->n_always, 2);  /* negation, range */
    CHECK_EQ_INT(ix->n_anchors, 4); /* port, hostname, address trie, sni suffix */

    struct rule_matcher *m = rule_matcher_new();
    struct rule_candidate c[8];
    struct test_event e;
    test_event_init(&e, EVENT_FLOW, 1);
    test_event_int(&e, F_DEST_PORT, 104);
    test_event_str(&e, F_APP_PROTO, "dicom");
    test_event_str(&e, F_NDPI_HOSTNAME, "a.example"); /* case differs: not a match */
    test_event_ip(&e, F_DEST_IP, "192.0.2.2");
    size_t n = rule_match(m, ruleset_rules(rs), &e.ev, c, 8);
    CHECK_EQ_INT(n, 4);
    if (n == 4) {
        CHECK_EQ_INT(c[0].sid, 1);
        CHECK_EQ_INT(c[1].sid, 3);
        CHECK_EQ_INT(c[2].sid, 4);
        CHECK_EQ_INT(c[3].sid, 6);
    }
    /* only the candidates the index selects (4) and the 2 always ran */
    CHECK_EQ_INT(rule_matcher_stats(m)->rules_run, 4 + 2);
    /* the suffix index selects rule 7 for a name ending the same way (in
     * any case); the full test then decides (case counts there) */
    test_event_str(&e, F_APP_PROTO, "tls");
    test_event_str(&e, F_TLS_SNI, "cdn.evil.example");
    test_event_int(&e, F_DEST_PORT, 443);
    uint64_t before = rule_matcher_stats(m)->rules_run;
    CHECK_EQ_INT(rule_match(m, ruleset_rules(rs), &e.ev, c, 8), 4); /* 3, 4, 5, 6 */
    /* 2 always, 3 and 4 by address, 2 by host name, 7 by suffix */
    CHECK_EQ_INT(rule_matcher_stats(m)->rules_run - before, 2 + 2 + 1 + 1);
    test_event_str(&e, F_TLS_SNI, "cdn.Evil.example");
    n = rule_match(m, ruleset_rules(rs), &e.ev, c, 8);
    CHECK(n == 5 && c[4].sid == 7);
    rule_matcher_free(m);
    ruleset_unref(rs);
    rule_diags_free(&d);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[*len] = '\0';
    return buf;
}

static void test_default_pack(void)
{
    const char *dir = getenv("MAMORI_RULES");
    struct ruleset_limits lim;
    struct rule_diags d;
    ruleset_limits_default(&lim);
    rule_diags_init(&d);
    CHECK(dir != NULL);
    if (!dir)
        return;
    struct ruleset *rs = ruleset_load(dir, NULL, 0, &lim, 1768467600ll * 1000000, &d);
    rule_diags_print(&d, stderr);
    CHECK(rs != NULL);
    CHECK_EQ_INT(d.errors, 0);
    CHECK_EQ_INT(d.warnings, 0);
    if (rs) {
        CHECK(ruleset_rules(rs)->n_rules >= 20);
        CHECK_EQ_INT(ruleset_rules(rs)->n_enabled, ruleset_rules(rs)->n_rules);
        for (uint32_t i = 0; i < ruleset_rules(rs)->n_rules; i++) {
            const struct crule *r = &ruleset_rules(rs)->rules[i];
            CHECK(r->sid >= 100001 && r->sid <= 100999);
            CHECK(r->category[0] != '\0');
        }
    }
    ruleset_unref(rs);
    rule_diags_free(&d);

    /* a missing directory is an error naming it */
    rule_diags_init(&d);
    rs = ruleset_load("no-such-rules-dir", NULL, 0, &lim, 0, &d);
    CHECK(rs == NULL);
    CHECK(d.n == 1 && strcmp(d.v[0].file, "no-such-rules-dir") == 0 &&
          strstr(d.v[0].msg, "cannot open the rules directory") != NULL);
    rule_diags_free(&d);
}

static void test_truncation_sweep(void)
{
    /* Every prefix of the default pack: loads or fails with diagnostics,
     * never crashes, never reads past the end (each prefix is copied into
     * an allocation of exactly its size). */
    const char *dir = getenv("MAMORI_RULES");
    char path[4096];
    size_t len = 0;
    if (!dir)
        return;
    snprintf(path, sizeof path, "%s/hospital.rules", dir);
    char *text = read_file(path, &len);
    CHECK(text != NULL && len > 1000);
    if (!text)
        return;
    const char *const pack_lists[] = {"hospital_nets",
                                      "10.0.0.0/8\n",
                                      "local_scope",
                                      "224.0.0.0/4\n",
                                      "pacs",
                                      "10.1.1.1\n",
                                      "viewers",
                                      "10.1.1.2\n",
                                      "modality_ae_titles",
                                      "CT\n",
                                      "viewer_ae_titles",
                                      "V\n",
                                      "pacs_ae_titles",
                                      "P\n",
                                      "dicom_ae_hosts",
                                      "CT@10.1.1.3\n",
                                      "dicom_zones",
                                      "10.1.0.0/16\n",
                                      "hl7_zones",
                                      "10.2.0.0/16\n",
                                      "hl7_applications",
                                      "HIS\n",
                                      "hl7_facilities",
                                      "H\n",
                                      "medical_devices",
                                      "10.3.0.1\n",
                                      "retired_devices",
                                      "10.3.0.9\n",
                                      "monitoring_hosts",
                                      "10.1.1.9\n",
                                      "dns_servers",
                                      "10.1.1.10\n",
                                      NULL};
    size_t ok = 0;
    for (size_t i = 0; i <= len; i += (i < 2000 ? 1 : 3)) {
        char *cut = malloc(i ? i : 1);
        memcpy(cut, text, i);
        struct rule_source f = {"t.rules", cut, i};
        struct rule_source ls[16];
        size_t nl = 0;
        for (; pack_lists[2 * nl]; nl++) {
            ls[nl].name = pack_lists[2 * nl];
            ls[nl].text = pack_lists[2 * nl + 1];
            ls[nl].len = strlen(pack_lists[2 * nl + 1]);
        }
        struct ruleset_limits lim;
        struct rule_diags d;
        ruleset_limits_default(&lim);
        rule_diags_init(&d);
        struct ruleset *rs = ruleset_load_sources(&f, 1, ls, nl, NULL, 0, &lim, 0, &d);
        CHECK((rs != NULL) == (d.errors == 0));
        ok += rs != NULL;
        ruleset_unref(rs);
        rule_diags_free(&d);
        free(cut);
    }
    CHECK(ok > 10); /* cuts between rules load */
    free(text);
}

TEST_MAIN(TEST(test_compile_errors), TEST(test_all_errors_reported), TEST(test_warning_expired),
          TEST(test_config_vars), TEST(test_tune_and_types), TEST(test_index),
          TEST(test_default_pack), TEST(test_truncation_sweep))
