/*
 * The lexer and the parser: tokens, the grammar, and every error message
 * with its exact file:line:col and hint.
 */
#include "detect/rule_lexer.h"
#include "detect/rule_parser.h"

#include "../test.h"
#include "detect_test.h"

static void test_lexer_tokens(void)
{
    const char *src = "rule 1 \"a \\\"b\\\"\" # comment\n  when x>=5 and y != [1,2] (z) = ==";
    struct rule_lexer lx;
    struct rule_token t;
    static const uint8_t want[] = {
        TOK_WORD,   TOK_WORD,   TOK_STRING, TOK_WORD,   TOK_WORD, TOK_GE,    TOK_WORD,
        TOK_WORD,   TOK_WORD,   TOK_NE,     TOK_LBRACK, TOK_WORD, TOK_COMMA, TOK_WORD,
        TOK_RBRACK, TOK_LPAREN, TOK_WORD,   TOK_RPAREN, TOK_EQ,   TOK_EQ,    TOK_EOF};
    rule_lexer_init(&lx, src, strlen(src));
    for (size_t i = 0; i < sizeof want; i++) {
        rule_lexer_next(&lx, &t);
        CHECK_EQ_INT(t.type, want[i]);
        if (i == 2) {
            CHECK_EQ_INT(t.len, 7);
            char out[16];
            size_t bad;
            CHECK_EQ_INT(rule_string_unescape(t.p, t.len, out, &bad), 5);
            CHECK_EQ_STR(out, "a \"b\"");
        }
        if (i == 3) { /* "when" on line 2, column 3, first on its line */
            CHECK_EQ_INT(t.line, 2);
            CHECK_EQ_INT(t.col, 3);
            CHECK(t.bol);
        }
        if (i == 4)
            CHECK(!t.bol);
    }
}

static void test_lexer_errors(void)
{
    struct rule_lexer lx;
    struct rule_token t;
    const char *s1 = "\"open";
    rule_lexer_init(&lx, s1, strlen(s1));
    rule_lexer_next(&lx, &t);
    CHECK_EQ_INT(t.type, TOK_ERROR);
    const char *s2 = "a ! b";
    rule_lexer_init(&lx, s2, strlen(s2));
    rule_lexer_next(&lx, &t);
    rule_lexer_next(&lx, &t);
    CHECK_EQ_INT(t.type, TOK_ERROR);
    CHECK_EQ_INT(t.col, 3);
    const char *s3 = "\xef\xbb\xbfrule";
    rule_lexer_init(&lx, s3, strlen(s3));
    rule_lexer_next(&lx, &t);
    CHECK_EQ_INT(t.type, TOK_WORD);
    CHECK_EQ_INT(t.len, 4);
    /* never past len: a string cut mid-escape */
    const char s4[] = {'"', 'a', '\\'};
    rule_lexer_init(&lx, s4, sizeof s4);
    rule_lexer_next(&lx, &t);
    CHECK_EQ_INT(t.type, TOK_ERROR);
}

static void test_words(void)
{
    uint64_t v;
    int64_t d;
    CHECK(rule_parse_uint("500MB", 5, &v) && v == 500000000ull);
    CHECK(rule_parse_uint("2GiB", 4, &v) && v == 2147483648ull);
    CHECK(rule_parse_uint("0x10", 4, &v) && v == 16);
    CHECK(!rule_parse_uint("5XB", 3, &v));
    CHECK(!rule_parse_uint("99999999999999999999", 20, &v));
    CHECK(rule_parse_duration("60s", 3, &v) && v == 60000000ull);
    CHECK(rule_parse_duration("10m", 3, &v) && v == 600000000ull);
    CHECK(rule_parse_duration("1h", 2, &v) && v == 3600000000ull);
    CHECK(!rule_parse_duration("0s", 2, &v));
    CHECK(!rule_parse_duration("5", 1, &v));
    CHECK(rule_parse_date("1970-01-02", 10, &d) && d == 86400ll * 1000000);
    CHECK(rule_parse_date("2026-03-31T18:00+09:00", 22, &d) && d == 1774947600ll * 1000000);
    CHECK(rule_parse_date("2026-01-15T09:00:00Z", 20, &d) && d == 1768467600ll * 1000000);
    CHECK(!rule_parse_date("2026-02-30", 10, &d));
    CHECK(!rule_parse_date("2026-1-5", 8, &d));
}

static void test_parse_rule(void)
{
    const char *src = "# a comment\n"
                      "define $PACS = [10.10.0.20, 10.10.0.21]\n"
                      "rule 100001 rev 2 \"DICOM from an unknown AE\"\n"
                      "  severity high category \"Access\" mitre T0886, T1021.001\n"
                      "  when dicom.association and dicom.calling_ae not in @ae\n"
                      "  except src_ip in $PACS until 2030-01-01\n"
                      "  except src_ip == 10.0.0.1\n"
                      "  count distinct dicom.called_ae by src_ip over 5m > 4\n"
                      "  suppress by src_ip for 1h\n"
                      "  limit 2 per src_ip, dest_ip per 10m\n"
                      "  disabled\n"
                      "tune 100001 enabled severity low\n";
    struct ast_program prog;
    struct arena a;
    struct rule_diags d;
    struct rule_source s = {"x.rules", src, strlen(src)};
    ast_program_init(&prog);
    arena_init(&a, 1 << 20);
    rule_diags_init(&d);
    CHECK_EQ_INT(rule_parse(&prog, &a, &s, &d), 0);
    CHECK_EQ_INT(d.n, 0);
    CHECK_EQ_INT(prog.n_rules, 2);
    const struct ast_rule *r = prog.rules;
    CHECK(r && r->sid == 100001 && r->rev == 2 && !r->tune);
    if (r) {
        CHECK_EQ_STR(r->msg, "DICOM from an unknown AE");
        CHECK_EQ_STR(r->category, "Access");
        CHECK_EQ_INT(r->severity, 1);
        CHECK_EQ_INT(r->n_mitre, 2);
        CHECK_EQ_STR(r->mitre[1], "T1021.001");
        CHECK(r->when && r->when->node == N_AND);
        CHECK(r->except && r->except->until_us > 0 && r->except->next &&
              r->except->next->until_us == 0);
        CHECK_EQ_INT(r->agg, AGG_DISTINCT);
        CHECK_EQ_INT(r->agg_field, F_DICOM_CALLED_AE);
        CHECK_EQ_INT(r->threshold, 5); /* > 4 */
        CHECK_EQ_INT(r->window_us, 300000000ull);
        CHECK(r->has_suppress && r->sup_by.n == 1 && r->sup_by.f[0] == F_SRC_IP);
        CHECK(r->has_limit && r->limit_n == 2 && r->lim_by.n == 2 && r->lim_us == 600000000ull);
        CHECK_EQ_INT(r->disabled, 1);
        const struct ast_rule *t = r->next;
        CHECK(t && t->tune && t->disabled == 0 && t->severity == 3);
    }
    CHECK(prog.defines && strcmp(prog.defines->name, "PACS") == 0 &&
          prog.defines->val.kind == AV_SET && prog.defines->val.n == 2);
    rule_diags_free(&d);
    arena_free(&a);
}

struct err_case {
    const char *src;
    const char *want; /* "t.rules:LINE:COL: message" */
    const char *hint; /* NULL: not checked */
};

/* Every parse error, where it is reported, and what it suggests. */
static const struct err_case parse_errors[] = {
    {"rulle 1 \"m\" when rdp", "t.rules:1:1: expected 'rule', found 'rulle'",
     "did you mean 'rule'?"},
    {"rule x \"m\" when rdp",
     "t.rules:1:6: expected a rule id (a whole number up to 4294967295), found 'x'", NULL},
    {"rule 0 \"m\" when rdp", "t.rules:1:1: rule ids start at 1", NULL},
    {"rule 1 when rdp", "t.rules:1:8: expected the rule's message in double quotes, found 'when'",
     NULL},
    {"rule 1 \"\" when rdp",
     "t.rules:1:8: the rule's message must be one line of 1 to 200 characters", NULL},
    {"rule 1 \"m\n  when rdp", "t.rules:1:8: text in quotes must end with '\"' on the same line",
     NULL},
    {"rule 1 \"m\"\n  when dicom.calling_ea == \"X\"",
     "t.rules:2:8: unknown field 'dicom.calling_ea'", "did you mean 'dicom.calling_ae'?"},
    {"rule 1 \"m\"\n  when zzzzzzzz == 1", "t.rules:2:8: unknown field 'zzzzzzzz'",
     "the fields are listed in rules/README.md"},
    {"rule 1 \"m\"\n  severity hgh\n  when rdp", "t.rules:2:12: unknown severity 'hgh'",
     "did you mean 'high'?"},
    {"rule 1 \"m\"\n  mitre t0886\n  when rdp",
     "t.rules:2:9: expected a MITRE ATT&CK technique id, found 't0886'",
     "technique ids look like T0886 (ICS) or T1021.001 (Enterprise)"},
    {"rule 1 \"m\" on packet when rdp", "t.rules:1:15: expected an event type, found 'packet'",
     "events are flow, dicom, hl7, fhir and asset"},
    {"rule 1 \"m\"\n  when rdp\n  when rdp", "t.rules:3:3: a rule has one 'when'",
     "join the conditions with 'and' or 'or'"},
    {"rule 1 \"m\"\n  when dicom.calling_ae\n",
     "t.rules:3:1: expected a comparison after 'dicom.calling_ae', found the end of the file",
     NULL},
    {"rule 1 \"m\" when src_ip not 10.0.0.1",
     "t.rules:1:28: expected in, startswith, endswith, contains or matches after 'not', found "
     "'10.0.0.1'",
     NULL},
    {"rule 1 \"m\" when (rdp or smb.version == 1",
     "t.rules:1:41: expected ')', found the end of the file",
     "the '(' at line 1, column 17 is not closed"},
    {"rule 1 \"m\" when rdp)", "t.rules:1:20: ')' without a matching '('", NULL},
    {"rule 1 \"m\" when rdp\n  count by src_ip 60s >= 5",
     "t.rules:2:19: expected 'over', found '60s'", NULL},
    {"rule 1 \"m\" when rdp\n  count over 60x >= 5",
     "t.rules:2:14: expected a duration, found '60x'",
     "durations are a number and a unit: 500ms, 60s, 5m, 1h, 7d (at most a year)"},
    {"rule 1 \"m\" when rdp\n  count over 60s = 5", "t.rules:2:18: expected '>=' or '>', found '='",
     NULL},
    {"rule 1 \"m\" when rdp\n  sum flow.state over 60s >= 5",
     "t.rules:2:7: 'flow.state' is not a number", NULL},
    {"rule 1 \"m\" when rdp\n  severty high", "t.rules:2:3: unexpected 'severty' in rule 1",
     "did you mean 'severity'?"},
    {"rule 1 \"m\" severity high\n", "t.rules:1:1: rule 1 has no 'when'", NULL},
    {"rule 1 \"m\" when rdp\n  count by ndpi.risks over 1m >= 2",
     "t.rules:2:12: 'ndpi.risks' holds several values and cannot be a key", NULL},
    {"tune 1 when rdp", "t.rules:1:8: 'when' cannot be changed by tune", NULL},
    {"rule 1 \"m\" when rdp except src_ip == 10.0.0.1 until tomorrow",
     "t.rules:1:53: expected a date, found 'tomorrow'", NULL},
    {"define PACS = [1]", "t.rules:1:8: expected a variable name, found 'PACS'", NULL},
    {"define $PACS [1]", "t.rules:1:14: expected '=', found '['", NULL},
    {"rule 1 \"m\" when src_ip ! 1", "t.rules:1:24: '!' alone is not an operator", NULL},
    {"rule 1 \"m\" when rdp \xc3\xa9", "t.rules:1:21: only plain ASCII is allowed outside quotes",
     NULL},
    {"rule 1 \"m\" when rdp rule 2 \"n\" when rdp", "t.rules:1:21: 'rule' must start a line", NULL},
    {"rule 1 \"m\" when rdp\n  count over 1m >= 2\n  sum flow.bytes over 1m >= 2",
     "t.rules:3:3: a rule has one count or sum", NULL},
    {"rule 1 \"m\" when rdp\n  limit 1 src_ip per 1m",
     "t.rules:2:11: expected 'per', found 'src_ip'", NULL},
    {"rule 1 \"m\" when rdp\n  suppress by src_ip 1h", "t.rules:2:22: expected 'for', found '1h'",
     NULL},
    {"rule 1 \"m\" when tls.sni == \"a\\qb\"", "t.rules:1:30: unknown escape in quoted text", NULL},
    {"rule 1 \"m\" when src_ip in [1, 2 3]", "t.rules:1:33: expected ',' or ']', found '3'", NULL},
    {"rule 1 \"m\" when src_ip in $1bad!", "t.rules:1:32: '!' alone is not an operator", NULL},
    {"rule 1 \"m\" when src_ip in $", "t.rules:1:27: bad name $", NULL},
};

static void test_parse_errors(void)
{
    char buf[512];
    for (size_t i = 0; i < sizeof parse_errors / sizeof parse_errors[0]; i++) {
        const struct err_case *c = &parse_errors[i];
        struct ast_program prog;
        struct arena a;
        struct rule_diags d;
        struct rule_source s = {"t.rules", c->src, strlen(c->src)};
        ast_program_init(&prog);
        arena_init(&a, 1 << 20);
        rule_diags_init(&d);
        CHECK_EQ_INT(rule_parse(&prog, &a, &s, &d), -1);
        CHECK(d.errors >= 1);
        CHECK_EQ_STR(test_diag(&d, 0, buf, sizeof buf), c->want);
        if (c->hint && d.n)
            CHECK_EQ_STR(d.v[0].hint, c->hint);
        rule_diags_free(&d);
        arena_free(&a);
    }
}

static void test_recovery(void)
{
    /* One error per broken rule; the good rules between them still parse. */
    const char *src = "rule 1 \"a\" when bogus == 1\n"
                      "rule 2 \"b\" when rdp\n"
                      "rule 3 \"c\" when rdp and\n"
                      "rule 4 \"d\" when rdp\n"
                      "rule 5 \"e\" severity huge when rdp\n";
    struct ast_program prog;
    struct arena a;
    struct rule_diags d;
    struct rule_source s = {"t.rules", src, strlen(src)};
    char buf[256];
    ast_program_init(&prog);
    arena_init(&a, 1 << 20);
    rule_diags_init(&d);
    CHECK_EQ_INT(rule_parse(&prog, &a, &s, &d), -1);
    CHECK_EQ_INT(d.errors, 3);
    CHECK_EQ_INT(prog.n_rules, 2);
    CHECK_EQ_STR(test_diag(&d, 0, buf, sizeof buf), "t.rules:1:17: unknown field 'bogus'");
    CHECK_EQ_STR(test_diag(&d, 1, buf, sizeof buf),
                 "t.rules:4:1: expected a field name, found 'rule'");
    CHECK_EQ_STR(test_diag(&d, 2, buf, sizeof buf), "t.rules:5:21: unknown severity 'huge'");
    CHECK_EQ_STR(d.v[0].text, "rule 1 \"a\" when bogus == 1");
    rule_diags_free(&d);
    arena_free(&a);
}

static void test_depth_and_caps(void)
{
    /* Deep nesting is an error, not a stack overflow. */
    char src[4096];
    size_t o = (size_t)snprintf(src, sizeof src, "rule 1 \"m\" when ");
    for (int i = 0; i < 1000; i++)
        src[o++] = '(';
    src[o] = '\0';
    struct ast_program prog;
    struct arena a;
    struct rule_diags d;
    struct rule_source s = {"t.rules", src, o};
    char buf[256];
    ast_program_init(&prog);
    arena_init(&a, 1 << 20);
    rule_diags_init(&d);
    CHECK_EQ_INT(rule_parse(&prog, &a, &s, &d), -1);
    CHECK_EQ_STR(test_diag(&d, 0, buf, sizeof buf), "t.rules:1:49: condition nested too deeply");
    rule_diags_free(&d);
    arena_free(&a);

    /* The arena's cap is an error too. */
    const char *big = "rule 1 \"m\" when src_ip in [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]";
    struct rule_source s2 = {"t.rules", big, strlen(big)};
    ast_program_init(&prog);
    arena_init(&a, 600);
    rule_diags_init(&d);
    CHECK_EQ_INT(rule_parse(&prog, &a, &s2, &d), -1);
    CHECK(d.n >= 1 && strstr(d.v[0].msg, "out of memory for rules") != NULL);
    rule_diags_free(&d);
    arena_free(&a);
}

static void test_diag_print(void)
{
    struct rule_diags d;
    rule_diags_init(&d);
    const char *src = "rule 1 \"m\"\n\twhen dicom.calling_ea == 1\n";
    struct rule_pos p = {"r/x.rules", 2, 7};
    rule_diag_add(&d, RULE_ERROR, p, src, strlen(src), "did you mean 'dicom.calling_ae'?",
                  "unknown field '%s'", "dicom.calling_ea");
    char out[1024] = {0};
    FILE *f = fmemopen(out, sizeof out - 1, "w");
    rule_diags_print(&d, f);
    fclose(f);
    CHECK_EQ_STR(out, "r/x.rules:2:7: error: unknown field 'dicom.calling_ea'\n"
                      "     2 |  when dicom.calling_ea == 1\n"
                      "       |       ^\n"
                      "  hint: did you mean 'dicom.calling_ae'?\n"
                      "1 error, 0 warnings\n");
    rule_diags_free(&d);
}

TEST_MAIN(TEST(test_lexer_tokens), TEST(test_lexer_errors), TEST(test_words), TEST(test_parse_rule),
          TEST(test_parse_errors), TEST(test_recovery), TEST(test_depth_and_caps),
          TEST(test_diag_print))
