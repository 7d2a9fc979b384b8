#include "detect/rule_parser.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "detect/event.h"
#include "detect/fields.h"
#include "detect/rule_lexer.h"

/* Nesting of parentheses and sets: deep enough for any readable rule,
 * shallow enough that hostile input cannot exhaust the stack. */
#define PARSE_MAX_DEPTH 32
/* Values in one inline set: longer lists belong in rules/lists/. */
#define PARSE_MAX_SET 4096

struct parser {
    struct rule_lexer lx;
    struct rule_token tok;
    struct arena *a;
    struct rule_diags *d;
    const struct rule_source *src;
    struct ast_program *prog;
    unsigned depth;
    bool failed;
};

static const char *const statement_words[] = {"rule", "define", "tune", NULL};
static const char *const clause_words[] = {"severity", "category", "mitre", "on",       "when",
                                           "except",   "count",    "sum",   "suppress", "limit",
                                           "disabled", "enabled",  NULL};
static const char *const severity_words[] = {"high", "medium", "low", "info", NULL};

void ast_program_init(struct ast_program *prog)
{
    memset(prog, 0, sizeof *prog);
    prog->rules_tail = &prog->rules;
    prog->defines_tail = &prog->defines;
}

static struct rule_pos parse_pos(const struct parser *ps, const struct rule_token *t)
{
    struct rule_pos p = {ps->src->name, t->line, t->col};
    return p;
}

static void parse_error_at(struct parser *ps, struct rule_pos pos, const char *hint,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void parse_error_at(struct parser *ps, struct rule_pos pos, const char *hint,
                           const char *fmt, ...)
{
    char msg[RULE_DIAG_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rule_diag_add(ps->d, RULE_ERROR, pos, ps->src->text, ps->src->len, hint, "%s", msg);
    ps->failed = true;
}

/* How a token reads in a message: 'word', "text", or end of file. */
static const char *tok_show(const struct rule_token *t, char *buf, size_t len)
{
    switch (t->type) {
    case TOK_EOF:
        return "the end of the file";
    case TOK_STRING:
        snprintf(buf, len, "\"%.*s\"", (int)(t->len > 40 ? 40 : t->len), t->p);
        return buf;
    default:
        snprintf(buf, len, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->p);
        return buf;
    }
}

static void parse_next(struct parser *ps)
{
    rule_lexer_next(&ps->lx, &ps->tok);
}

static bool tok_is(const struct rule_token *t, const char *word)
{
    size_t n = strlen(word);
    return t->type == TOK_WORD && t->len == n && memcmp(t->p, word, n) == 0;
}

static bool tok_in(const struct rule_token *t, const char *const *words)
{
    for (size_t i = 0; words[i]; i++) {
        if (tok_is(t, words[i]))
            return true;
    }
    return false;
}

static const char *word_suggest(const char *s, size_t len, const char *const *words)
{
    const char *best = NULL;
    unsigned bestd = 3;
    for (size_t i = 0; words[i]; i++) {
        unsigned d = field_distance(s, len, words[i], strlen(words[i]));
        if (d < bestd) {
            bestd = d;
            best = words[i];
        }
    }
    return best;
}

static void parse_expected(struct parser *ps, const char *what, const char *hint)
{
    char buf[64];
    if (ps->tok.type == TOK_ERROR) {
        parse_error_at(ps, parse_pos(ps, &ps->tok), hint, "%s", ps->tok.msg);
        return;
    }
    parse_error_at(ps, parse_pos(ps, &ps->tok), hint, "expected %s, found %s", what,
                   tok_show(&ps->tok, buf, sizeof buf));
}

/* ---- words ------------------------------------------------------------ */

bool rule_parse_uint(const char *s, size_t len, uint64_t *v)
{
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {
        {"", 1},
        {"K", 1000ull},
        {"KB", 1000ull},
        {"M", 1000000ull},
        {"MB", 1000000ull},
        {"G", 1000000000ull},
        {"GB", 1000000000ull},
        {"T", 1000000000000ull},
        {"TB", 1000000000000ull},
        {"KiB", 1024ull},
        {"MiB", 1024ull * 1024},
        {"GiB", 1024ull * 1024 * 1024},
        {"TiB", 1024ull * 1024 * 1024 * 1024},
    };
    size_t i = 0;
    uint64_t n = 0;
    if (len == 0 || !isdigit((unsigned char)s[0]))
        return false;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (i = 2; i < len; i++) {
            int c = tolower((unsigned char)s[i]);
            unsigned d;
            if (c >= '0' && c <= '9')
                d = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                d = (unsigned)(c - 'a' + 10);
            else
                return false;
            if (n > (UINT64_MAX >> 4))
                return false;
            n = (n << 4) | d;
        }
        *v = n;
        return true;
    }
    for (; i < len && isdigit((unsigned char)s[i]); i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (n > (UINT64_MAX - d) / 10)
            return false;
        n = n * 10 + d;
    }
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t sl = strlen(units[u].suffix);
        if (len - i == sl && memcmp(s + i, units[u].suffix, sl) == 0) {
            if (n > UINT64_MAX / units[u].mult)
                return false;
            *v = n * units[u].mult;
            return true;
        }
    }
    return false;
}

bool rule_parse_duration(const char *s, size_t len, uint64_t *us)
{
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {
        {"ms", 1000ull},      {"s", 1000000ull},     {"m", 60000000ull},
        {"h", 3600000000ull}, {"d", 86400000000ull}, {"w", 604800000000ull},
    };
    size_t i = 0;
    uint64_t n = 0;
    for (; i < len && isdigit((unsigned char)s[i]); i++) {
        if (n > 1000000000ull)
            return false;
        n = n * 10 + (unsigned)(s[i] - '0');
    }
    if (i == 0)
        return false;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t sl = strlen(units[u].suffix);
        if (len - i == sl && memcmp(s + i, units[u].suffix, sl) == 0) {
            *us = n * units[u].mult;
            return n > 0;
        }
    }
    return false;
}

static bool parse_digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool rule_parse_date(const char *s, size_t len, int64_t *us)
{
    /* YYYY-MM-DD, optionally THH:MM[:SS] and Z or +HH:MM / -HH:MM; UTC
     * when no offset is given. */
    int y, mo, d, h = 0, mi = 0, se = 0, off = 0;
    if (len < 10 || s[4] != '-' || s[7] != '-' || !parse_digits(s, 4, &y) ||
        !parse_digits(s + 5, 2, &mo) || !parse_digits(s + 8, 2, &d))
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return false;
    size_t i = 10;
    if (i < len) {
        if (s[i] != 'T' || len < i + 6 || s[i + 3] != ':' || !parse_digits(s + i + 1, 2, &h) ||
            !parse_digits(s + i + 4, 2, &mi))
            return false;
        i += 6;
        if (i < len && s[i] == ':') {
            if (len < i + 3 || !parse_digits(s + i + 1, 2, &se))
                return false;
            i += 3;
        }
        if (h > 23 || mi > 59 || se > 60)
            return false;
        if (i < len && s[i] == 'Z') {
            i++;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            int oh, om;
            if (len != i + 6 || s[i + 3] != ':' || !parse_digits(s + i + 1, 2, &oh) ||
                !parse_digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
                return false;
            off = (oh * 60 + om) * 60 * (s[i] == '+' ? 1 : -1);
            i += 6;
        }
        if (i != len)
            return false;
    }
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    *us = secs * 1000000;
    return true;
}

const char *rule_op_name(enum ast_op op, bool negate)
{
    switch (op) {
    case OP_TRUE:
        return negate ? "not" : "(yes/no)";
    case OP_EXISTS:
        return negate ? "missing" : "exists";
    case OP_EQ:
        return negate ? "!=" : "==";
    case OP_LT:
        return "<";
    case OP_LE:
        return "<=";
    case OP_GT:
        return ">";
    case OP_GE:
        return ">=";
    case OP_IN:
        return negate ? "not in" : "in";
    case OP_STARTS:
        return negate ? "not startswith" : "startswith";
    case OP_ENDS:
        return negate ? "not endswith" : "endswith";
    case OP_CONTAINS:
        return negate ? "not contains" : "contains";
    case OP_MATCHES:
        return negate ? "not matches" : "matches";
    }
    return "?";
}

/* ---- values and expressions ------------------------------------------ */

static bool parse_value(struct parser *ps, struct ast_value *v);

static bool parse_name_word(const char *s, size_t len)
{
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool parse_value(struct parser *ps, struct ast_value *v)
{
    struct rule_token t = ps->tok;
    memset(v, 0, sizeof *v);
    v->pos = parse_pos(ps, &t);
    if (t.type == TOK_STRING) {
        char *s = arena_alloc(ps->a, t.len + 1);
        size_t bad = 0;
        if (!s) {
            parse_error_at(ps, v->pos, NULL, "out of memory for rules (the rule memory cap)");
            return false;
        }
        long n = rule_string_unescape(t.p, t.len, s, &bad);
        if (n < 0) {
            struct rule_pos bp = {ps->src->name, t.line, t.col + 1 + (uint32_t)bad};
            parse_error_at(ps, bp, "inside quotes, write \\\" for a quote and \\\\ for a backslash",
                           "unknown escape in quoted text");
            return false;
        }
        v->kind = AV_STRING;
        v->text = s;
        v->len = (size_t)n;
        parse_next(ps);
        return true;
    }
    if (t.type == TOK_LBRACK) {
        if (++ps->depth > PARSE_MAX_DEPTH) {
            parse_error_at(ps, v->pos, NULL, "sets nested too deeply");
            return false;
        }
        parse_next(ps);
        size_t cap = 8, n = 0;
        struct ast_value *items = arena_array(ps->a, cap, sizeof *items);
        while (items && ps->tok.type != TOK_RBRACK) {
            if (n == PARSE_MAX_SET) {
                parse_error_at(ps, parse_pos(ps, &ps->tok),
                               "put long lists in a file under rules/lists/ and name it @file",
                               "more than %d values in one set", PARSE_MAX_SET);
                return false;
            }
            if (n == cap) {
                struct ast_value *more = arena_array(ps->a, cap * 2, sizeof *items);
                if (!more)
                    break;
                memcpy(more, items, n * sizeof *items);
                items = more;
                cap *= 2;
            }
            if (!parse_value(ps, &items[n]))
                return false;
            n++;
            if (ps->tok.type == TOK_COMMA) {
                parse_next(ps);
                continue;
            }
            if (ps->tok.type != TOK_RBRACK) {
                parse_expected(ps, "',' or ']'", "values in a set are separated by commas: [a, b]");
                return false;
            }
        }
        if (!items) {
            parse_error_at(ps, v->pos, NULL, "out of memory for rules (the rule memory cap)");
            return false;
        }
        ps->depth--;
        v->kind = AV_SET;
        v->items = items;
        v->n = n;
        parse_next(ps);
        return true;
    }
    if (t.type != TOK_WORD) {
        parse_expected(ps, "a value", NULL);
        return false;
    }
    if (t.p[0] == '$' || t.p[0] == '@') {
        if (!parse_name_word(t.p + 1, t.len - 1)) {
            parse_error_at(ps, v->pos, "names are letters, digits, '_' and '-'", "bad name %.*s",
                           (int)(t.len > 40 ? 40 : t.len), t.p);
            return false;
        }
        v->kind = t.p[0] == '$' ? AV_VAR : AV_LIST;
        v->text = arena_strndup(ps->a, t.p + 1, t.len - 1);
        v->len = t.len - 1;
    } else {
        v->kind = AV_WORD;
        v->text = arena_strndup(ps->a, t.p, t.len);
        v->len = t.len;
    }
    if (!v->text) {
        parse_error_at(ps, v->pos, NULL, "out of memory for rules (the rule memory cap)");
        return false;
    }
    parse_next(ps);
    return true;
}

static struct ast_expr *parse_expr(struct parser *ps);

static struct ast_expr *parse_new_expr(struct parser *ps, uint8_t node, struct rule_pos pos)
{
    struct ast_expr *e = arena_alloc(ps->a, sizeof *e);
    if (!e) {
        parse_error_at(ps, pos, NULL, "out of memory for rules (the rule memory cap)");
        return NULL;
    }
    e->node = node;
    e->pos = pos;
    return e;
}

static int parse_field(struct parser *ps, struct rule_pos *pos)
{
    char buf[64], hint[RULE_DIAG_TEXT];
    *pos = parse_pos(ps, &ps->tok);
    if (ps->tok.type != TOK_WORD) {
        parse_expected(ps, "a field name", "fields look like src_ip, dest_port, dicom.calling_ae");
        return -1;
    }
    if (tok_in(&ps->tok, statement_words) || tok_in(&ps->tok, clause_words)) {
        parse_expected(ps, "a field name",
                       "a condition was cut short: is a word missing "
                       "after 'and', 'or' or 'not'?");
        return -1;
    }
    int f = field_lookup(ps->tok.p, ps->tok.len);
    if (f < 0) {
        const char *s = field_suggest(ps->tok.p, ps->tok.len);
        if (s)
            snprintf(hint, sizeof hint, "did you mean '%s'?", s);
        else
            snprintf(hint, sizeof hint, "the fields are listed in rules/README.md");
        parse_error_at(ps, *pos, hint, "unknown field %s", tok_show(&ps->tok, buf, sizeof buf));
        return -1;
    }
    parse_next(ps);
    return f;
}

static const struct {
    const char *word;
    uint8_t op;
} match_words[] = {
    {"in", OP_IN},           {"startswith", OP_STARTS},
    {"endswith", OP_ENDS},   {"contains", OP_CONTAINS},
    {"matches", OP_MATCHES},
};

static int match_word(const struct rule_token *t)
{
    for (size_t i = 0; i < sizeof match_words / sizeof match_words[0]; i++) {
        if (tok_is(t, match_words[i].word))
            return match_words[i].op;
    }
    return -1;
}

static struct ast_expr *parse_pred(struct parser *ps)
{
    struct rule_pos fpos;
    int f = parse_field(ps, &fpos);
    if (f < 0)
        return NULL;
    struct ast_expr *e = parse_new_expr(ps, N_PRED, fpos);
    if (!e)
        return NULL;
    e->field = (uint16_t)f;
    const struct field_def *fd = field_get((unsigned)f);
    struct rule_token t = ps->tok;
    int mw;

    switch (t.type) {
    case TOK_EQ:
    case TOK_NE:
        e->op = OP_EQ;
        e->negate = t.type == TOK_NE;
        break;
    case TOK_LT:
        e->op = OP_LT;
        break;
    case TOK_LE:
        e->op = OP_LE;
        break;
    case TOK_GT:
        e->op = OP_GT;
        break;
    case TOK_GE:
        e->op = OP_GE;
        break;
    default:
        if (tok_is(&t, "exists") || tok_is(&t, "missing")) {
            e->op = OP_EXISTS;
            e->negate = tok_is(&t, "missing");
            parse_next(ps);
            return e;
        }
        if (tok_is(&t, "not")) {
            parse_next(ps);
            mw = match_word(&ps->tok);
            if (mw < 0) {
                parse_expected(ps, "in, startswith, endswith, contains or matches after 'not'",
                               "to negate a whole condition, put 'not' before the field: "
                               "not dicom.cleartext");
                return NULL;
            }
            e->op = (uint8_t)mw;
            e->negate = true;
            break;
        }
        mw = match_word(&t);
        if (mw >= 0) {
            e->op = (uint8_t)mw;
            break;
        }
        /* A yes/no field alone is a condition. */
        if (fd->kind == EVK_BOOL) {
            e->op = OP_TRUE;
            return e;
        }
        if (t.type == TOK_ERROR) {
            parse_error_at(ps, parse_pos(ps, &t), NULL, "%s", t.msg);
            return NULL;
        }
        {
            char buf[64], hint[RULE_DIAG_TEXT];
            snprintf(hint, sizeof hint,
                     "'%s' is %s: compare it, e.g. %s == VALUE, %s in [A, B], %s exists", fd->name,
                     field_kind_name(fd->kind), fd->name, fd->name, fd->name);
            parse_error_at(ps, parse_pos(ps, &t), hint,
                           "expected a comparison after '%s', found %s", fd->name,
                           tok_show(&t, buf, sizeof buf));
        }
        return NULL;
    }
    parse_next(ps);
    if (!parse_value(ps, &e->val))
        return NULL;
    if (tok_is(&ps->tok, "nocase")) {
        e->nocase = true;
        parse_next(ps);
    }
    return e;
}

static struct ast_expr *parse_unary(struct parser *ps)
{
    struct rule_pos pos = parse_pos(ps, &ps->tok);
    if (++ps->depth > PARSE_MAX_DEPTH) {
        parse_error_at(ps, pos, "split the rule in two", "condition nested too deeply");
        return NULL;
    }
    struct ast_expr *e = NULL;
    if (tok_is(&ps->tok, "not")) {
        parse_next(ps);
        struct ast_expr *inner = parse_unary(ps);
        if (!inner)
            return NULL;
        e = parse_new_expr(ps, N_NOT, pos);
        if (e)
            e->a = inner;
    } else if (ps->tok.type == TOK_LPAREN) {
        parse_next(ps);
        e = parse_expr(ps);
        if (!e)
            return NULL;
        if (ps->tok.type != TOK_RPAREN) {
            char hint[RULE_DIAG_TEXT];
            snprintf(hint, sizeof hint, "the '(' at line %u, column %u is not closed", pos.line,
                     pos.col);
            parse_expected(ps, "')'", hint);
            return NULL;
        }
        parse_next(ps);
    } else {
        e = parse_pred(ps);
    }
    ps->depth--;
    return e;
}

static struct ast_expr *parse_and(struct parser *ps)
{
    struct ast_expr *l = parse_unary(ps);
    while (l && tok_is(&ps->tok, "and")) {
        struct rule_pos pos = parse_pos(ps, &ps->tok);
        parse_next(ps);
        struct ast_expr *r = parse_unary(ps);
        if (!r)
            return NULL;
        struct ast_expr *e = parse_new_expr(ps, N_AND, pos);
        if (!e)
            return NULL;
        e->a = l;
        e->b = r;
        l = e;
    }
    return l;
}

static struct ast_expr *parse_expr(struct parser *ps)
{
    struct ast_expr *l = parse_and(ps);
    while (l && tok_is(&ps->tok, "or")) {
        struct rule_pos pos = parse_pos(ps, &ps->tok);
        parse_next(ps);
        struct ast_expr *r = parse_and(ps);
        if (!r)
            return NULL;
        struct ast_expr *e = parse_new_expr(ps, N_OR, pos);
        if (!e)
            return NULL;
        e->a = l;
        e->b = r;
        l = e;
    }
    return l;
}

/* A condition ends where a clause or statement starts; anything else
 * after it is an error named here rather than as an unknown clause. */
static struct ast_expr *parse_condition(struct parser *ps)
{
    ps->depth = 0;
    struct ast_expr *e = parse_expr(ps);
    if (!e)
        return NULL;
    if (ps->tok.type == TOK_RPAREN) {
        parse_error_at(ps, parse_pos(ps, &ps->tok), "remove it or add the matching '('",
                       "')' without a matching '('");
        return NULL;
    }
    return e;
}

/* ---- clauses ---------------------------------------------------------- */

static bool parse_uint_tok(struct parser *ps, const char *what, uint64_t max, uint64_t *v)
{
    if (ps->tok.type != TOK_WORD || !rule_parse_uint(ps->tok.p, ps->tok.len, v) || *v > max) {
        char w[64];
        snprintf(w, sizeof w, "%s (a whole number up to %llu)", what, (unsigned long long)max);
        parse_expected(ps, w, NULL);
        return false;
    }
    parse_next(ps);
    return true;
}

static bool parse_duration_tok(struct parser *ps, uint64_t *us)
{
    if (ps->tok.type != TOK_WORD || !rule_parse_duration(ps->tok.p, ps->tok.len, us) ||
        *us > 366ull * 86400 * 1000000) {
        parse_expected(ps, "a duration",
                       "durations are a number and a unit: 500ms, 60s, 5m, 1h, 7d "
                       "(at most a year)");
        return false;
    }
    parse_next(ps);
    return true;
}

static bool parse_keys(struct parser *ps, struct ast_keys *k)
{
    k->n = 0;
    for (;;) {
        struct rule_pos pos;
        if (k->n == RULE_MAX_KEYS) {
            parse_error_at(ps, parse_pos(ps, &ps->tok), NULL, "at most %d fields in a key",
                           RULE_MAX_KEYS);
            return false;
        }
        int f = parse_field(ps, &pos);
        if (f < 0)
            return false;
        const struct field_def *fd = field_get((unsigned)f);
        if (fd->kind == EVK_STRLIST) {
            parse_error_at(ps, pos, "group by a field with one value per event",
                           "'%s' holds several values and cannot be a key", fd->name);
            return false;
        }
        k->f[k->n++] = (uint16_t)f;
        if (ps->tok.type != TOK_COMMA)
            return true;
        parse_next(ps);
    }
}

static bool parse_threshold(struct parser *ps, struct ast_rule *r)
{
    if (tok_is(&ps->tok, "by")) {
        parse_next(ps);
        if (!parse_keys(ps, &r->agg_by))
            return false;
    }
    if (!tok_is(&ps->tok, "over")) {
        parse_expected(ps, "'over'",
                       "write e.g. count distinct dest_port by src_ip over 60s >= 50");
        return false;
    }
    parse_next(ps);
    if (!parse_duration_tok(ps, &r->window_us))
        return false;
    bool gt;
    if (ps->tok.type == TOK_GE) {
        gt = false;
    } else if (ps->tok.type == TOK_GT) {
        gt = true;
    } else {
        parse_expected(ps, "'>=' or '>'",
                       "a threshold fires when the total reaches a number: >= 50");
        return false;
    }
    parse_next(ps);
    if (!parse_uint_tok(ps, "a threshold", (1ull << 62), &r->threshold))
        return false;
    if (gt)
        r->threshold++;
    if (r->threshold == 0)
        r->threshold = 1;
    return true;
}

static bool parse_mitre_id(const char *s, size_t len)
{
    /* T1234 or T1234.567 (ATT&CK Enterprise and ICS use the same form) */
    if (len != 5 && len != 9)
        return false;
    if (s[0] != 'T')
        return false;
    for (size_t i = 1; i < 5; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
    }
    if (len == 9) {
        if (s[5] != '.')
            return false;
        for (size_t i = 6; i < 9; i++) {
            if (!isdigit((unsigned char)s[i]))
                return false;
        }
    }
    return true;
}

static bool parse_string_tok(struct parser *ps, const char *what, const char **out)
{
    struct ast_value v;
    if (ps->tok.type != TOK_STRING) {
        char w[64];
        snprintf(w, sizeof w, "%s in double quotes", what);
        parse_expected(ps, w, NULL);
        return false;
    }
    if (!parse_value(ps, &v))
        return false;
    if (v.len == 0 || v.len > RULE_MESSAGE_MAX || memchr(v.text, '\0', v.len) ||
        memchr(v.text, '\n', v.len)) {
        parse_error_at(ps, v.pos, NULL, "%s must be one line of 1 to %d characters", what,
                       RULE_MESSAGE_MAX);
        return false;
    }
    *out = v.text;
    return true;
}

/* One clause of a rule (or of a tune: only the noise-control ones). */
static bool parse_clause(struct parser *ps, struct ast_rule *r, bool *seen_when)
{
    struct rule_token kw = ps->tok;
    struct rule_pos kpos = parse_pos(ps, &kw);
    char buf[64];

    if (r->tune && (tok_is(&kw, "category") || tok_is(&kw, "mitre") || tok_is(&kw, "on") ||
                    tok_is(&kw, "when") || tok_is(&kw, "count") || tok_is(&kw, "sum"))) {
        parse_error_at(ps, kpos,
                       "tune changes except, suppress, limit, severity, disabled and "
                       "enabled; edit the rule itself for the rest",
                       "'%.*s' cannot be changed by tune", (int)kw.len, kw.p);
        return false;
    }
    parse_next(ps);
    if (tok_is(&kw, "severity")) {
        for (int i = 0; severity_words[i]; i++) {
            if (tok_is(&ps->tok, severity_words[i])) {
                r->severity = (int8_t)(i + 1);
                parse_next(ps);
                return true;
            }
        }
        char hint[RULE_DIAG_TEXT];
        const char *s =
            ps->tok.type == TOK_WORD ? word_suggest(ps->tok.p, ps->tok.len, severity_words) : NULL;
        if (s)
            snprintf(hint, sizeof hint, "did you mean '%s'?", s);
        else
            snprintf(hint, sizeof hint, "severity is high, medium, low or info");
        parse_error_at(ps, parse_pos(ps, &ps->tok), hint, "unknown severity %s",
                       tok_show(&ps->tok, buf, sizeof buf));
        return false;
    }
    if (tok_is(&kw, "category"))
        return parse_string_tok(ps, "the category", &r->category);
    if (tok_is(&kw, "mitre")) {
        for (;;) {
            struct rule_pos p = parse_pos(ps, &ps->tok);
            if (ps->tok.type != TOK_WORD || !parse_mitre_id(ps->tok.p, ps->tok.len)) {
                parse_expected(ps, "a MITRE ATT&CK technique id",
                               "technique ids look like T0886 (ICS) or T1021.001 (Enterprise)");
                return false;
            }
            if (r->n_mitre == RULE_MAX_MITRE) {
                parse_error_at(ps, p, NULL, "at most %d techniques per rule", RULE_MAX_MITRE);
                return false;
            }
            r->mitre[r->n_mitre] = arena_strndup(ps->a, ps->tok.p, ps->tok.len);
            if (!r->mitre[r->n_mitre++]) {
                parse_error_at(ps, p, NULL, "out of memory for rules (the rule memory cap)");
                return false;
            }
            parse_next(ps);
            if (ps->tok.type != TOK_COMMA)
                return true;
            parse_next(ps);
        }
    }
    if (tok_is(&kw, "on")) {
        int t = ps->tok.type == TOK_WORD ? event_type_from_name(ps->tok.p, ps->tok.len) : -1;
        if (t < 0) {
            parse_expected(ps, "an event type", "events are flow, dicom, hl7, fhir and asset");
            return false;
        }
        r->on_type = (int8_t)t;
        r->on_pos = parse_pos(ps, &ps->tok);
        parse_next(ps);
        return true;
    }
    if (tok_is(&kw, "when")) {
        if (*seen_when) {
            parse_error_at(ps, kpos, "join the conditions with 'and' or 'or'",
                           "a rule has one 'when'");
            return false;
        }
        *seen_when = true;
        r->when = parse_condition(ps);
        return r->when != NULL;
    }
    if (tok_is(&kw, "except")) {
        struct ast_except *x = arena_alloc(ps->a, sizeof *x);
        if (!x) {
            parse_error_at(ps, kpos, NULL, "out of memory for rules (the rule memory cap)");
            return false;
        }
        x->pos = kpos;
        x->expr = parse_condition(ps);
        if (!x->expr)
            return false;
        if (tok_is(&ps->tok, "until")) {
            parse_next(ps);
            x->until_pos = parse_pos(ps, &ps->tok);
            if (ps->tok.type != TOK_WORD ||
                !rule_parse_date(ps->tok.p, ps->tok.len, &x->until_us)) {
                parse_expected(ps, "a date",
                               "dates look like 2026-03-31 (UTC) or "
                               "2026-03-31T18:00+09:00");
                return false;
            }
            parse_next(ps);
        }
        struct ast_except **tail = &r->except;
        while (*tail)
            tail = &(*tail)->next;
        *tail = x;
        return true;
    }
    if (tok_is(&kw, "count") || tok_is(&kw, "sum")) {
        if (r->agg != AGG_NONE) {
            parse_error_at(ps, kpos, NULL, "a rule has one count or sum");
            return false;
        }
        r->agg_pos = kpos;
        struct rule_pos fpos;
        if (tok_is(&kw, "sum")) {
            r->agg = AGG_SUM;
            int f = parse_field(ps, &fpos);
            if (f < 0)
                return false;
            if (field_get((unsigned)f)->kind != EVK_INT) {
                parse_error_at(ps, fpos, "sum adds numbers, e.g. sum flow.bytes_toserver",
                               "'%s' is not a number", field_get((unsigned)f)->name);
                return false;
            }
            r->agg_field = (uint16_t)f;
        } else if (tok_is(&ps->tok, "distinct")) {
            r->agg = AGG_DISTINCT;
            parse_next(ps);
            int f = parse_field(ps, &fpos);
            if (f < 0)
                return false;
            if (field_get((unsigned)f)->kind == EVK_STRLIST) {
                parse_error_at(ps, fpos, NULL,
                               "'%s' holds several values; count distinct needs one",
                               field_get((unsigned)f)->name);
                return false;
            }
            r->agg_field = (uint16_t)f;
        } else {
            r->agg = AGG_COUNT;
        }
        return parse_threshold(ps, r);
    }
    if (tok_is(&kw, "suppress")) {
        if (r->has_suppress) {
            parse_error_at(ps, kpos, NULL, "a rule has one suppress");
            return false;
        }
        r->has_suppress = true;
        if (tok_is(&ps->tok, "by")) {
            parse_next(ps);
            if (!parse_keys(ps, &r->sup_by))
                return false;
        }
        if (!tok_is(&ps->tok, "for")) {
            parse_expected(ps, "'for'", "write e.g. suppress by src_ip for 1h");
            return false;
        }
        parse_next(ps);
        return parse_duration_tok(ps, &r->sup_us);
    }
    if (tok_is(&kw, "limit")) {
        if (r->has_limit) {
            parse_error_at(ps, kpos, NULL, "a rule has one limit");
            return false;
        }
        r->has_limit = true;
        uint64_t n;
        if (!parse_uint_tok(ps, "a number of alerts", 1000000, &n))
            return false;
        r->limit_n = (uint32_t)n;
        if (!tok_is(&ps->tok, "per")) {
            parse_expected(ps, "'per'", "write e.g. limit 1 per src_ip per 10m");
            return false;
        }
        parse_next(ps);
        uint64_t us;
        if (ps->tok.type == TOK_WORD && rule_parse_duration(ps->tok.p, ps->tok.len, &us))
            return parse_duration_tok(ps, &r->lim_us);
        if (!parse_keys(ps, &r->lim_by))
            return false;
        if (!tok_is(&ps->tok, "per")) {
            parse_expected(ps, "'per'", "write e.g. limit 1 per src_ip per 10m");
            return false;
        }
        parse_next(ps);
        return parse_duration_tok(ps, &r->lim_us);
    }
    if (tok_is(&kw, "disabled") || tok_is(&kw, "enabled")) {
        r->disabled = tok_is(&kw, "disabled");
        return true;
    }
    /* Not a clause. */
    char hint[RULE_DIAG_TEXT];
    const char *s = kw.type == TOK_WORD ? word_suggest(kw.p, kw.len, clause_words) : NULL;
    if (s)
        snprintf(hint, sizeof hint, "did you mean '%s'?", s);
    else if (kw.type == TOK_WORD && (tok_is(&kw, "and") || tok_is(&kw, "or")))
        snprintf(hint, sizeof hint, "'%.*s' joins conditions after 'when' or 'except'", (int)kw.len,
                 kw.p);
    else
        snprintf(hint, sizeof hint,
                 "a rule goes on with severity, category, mitre, when, except, "
                 "count, sum, suppress, limit or disabled");
    if (kw.type == TOK_ERROR)
        parse_error_at(ps, kpos, NULL, "%s", kw.msg);
    else
        parse_error_at(ps, kpos, hint, "unexpected %s in rule %u", tok_show(&kw, buf, sizeof buf),
                       r->sid);
    return false;
}

/* After an error: skip to the next statement at the start of a line. */
static void parse_recover(struct parser *ps)
{
    while (ps->tok.type != TOK_EOF && !(ps->tok.bol && tok_in(&ps->tok, statement_words)))
        parse_next(ps);
}

static bool parse_rule(struct parser *ps, bool tune)
{
    struct rule_pos pos = parse_pos(ps, &ps->tok);
    parse_next(ps);
    struct ast_rule *r = arena_alloc(ps->a, sizeof *r);
    if (!r) {
        parse_error_at(ps, pos, NULL, "out of memory for rules (the rule memory cap)");
        return false;
    }
    r->pos = pos;
    r->tune = tune;
    r->severity = -1;
    r->on_type = -1;
    r->disabled = -1;
    r->rev = 1;
    uint64_t v;
    if (!parse_uint_tok(ps, "a rule id", UINT32_MAX, &v))
        return false;
    if (v == 0) {
        parse_error_at(ps, r->pos, NULL, "rule ids start at 1");
        return false;
    }
    r->sid = (uint32_t)v;
    if (!tune) {
        if (tok_is(&ps->tok, "rev")) {
            parse_next(ps);
            if (!parse_uint_tok(ps, "a revision", UINT32_MAX, &v))
                return false;
            r->rev = (uint32_t)v;
        }
        if (!parse_string_tok(ps, "the rule's message", &r->msg))
            return false;
    }
    bool seen_when = false;
    while (ps->tok.type != TOK_EOF && !(ps->tok.bol && tok_in(&ps->tok, statement_words))) {
        if (tok_in(&ps->tok, statement_words)) {
            parse_error_at(ps, parse_pos(ps, &ps->tok), "start each rule on a new line",
                           "'%.*s' must start a line", (int)ps->tok.len, ps->tok.p);
            return false;
        }
        if (!parse_clause(ps, r, &seen_when))
            return false;
    }
    if (!tune && !seen_when) {
        parse_error_at(ps, r->pos, "add a condition: when FIELD == VALUE ...",
                       "rule %u has no 'when'", r->sid);
        return false;
    }
    *ps->prog->rules_tail = r;
    ps->prog->rules_tail = &r->next;
    ps->prog->n_rules++;
    return true;
}

static bool parse_define(struct parser *ps)
{
    struct rule_pos pos = parse_pos(ps, &ps->tok);
    parse_next(ps);
    struct rule_pos npos = parse_pos(ps, &ps->tok);
    if (ps->tok.type != TOK_WORD || ps->tok.p[0] != '$' ||
        !parse_name_word(ps->tok.p + 1, ps->tok.len - 1)) {
        parse_expected(ps, "a variable name", "variables look like $HOSPITAL_NETS");
        return false;
    }
    struct ast_define *df = arena_alloc(ps->a, sizeof *df);
    if (!df || !(df->name = arena_strndup(ps->a, ps->tok.p + 1, ps->tok.len - 1))) {
        parse_error_at(ps, pos, NULL, "out of memory for rules (the rule memory cap)");
        return false;
    }
    df->pos = npos;
    parse_next(ps);
    if (ps->tok.type != TOK_EQ) {
        parse_expected(ps, "'='", "write e.g. define $PACS = [10.10.0.20]");
        return false;
    }
    parse_next(ps);
    if (!parse_value(ps, &df->val))
        return false;
    if (!(ps->tok.type == TOK_EOF || (ps->tok.bol && tok_in(&ps->tok, statement_words)))) {
        parse_expected(ps, "the end of the definition", "give several values as a set: [a, b]");
        return false;
    }
    *ps->prog->defines_tail = df;
    ps->prog->defines_tail = &df->next;
    return true;
}

int rule_parse(struct ast_program *prog, struct arena *a, const struct rule_source *src,
               struct rule_diags *d)
{
    struct parser ps = {.a = a, .d = d, .src = src, .prog = prog};
    rule_lexer_init(&ps.lx, src->text, src->len);
    parse_next(&ps);
    while (ps.tok.type != TOK_EOF) {
        bool ok;
        if (tok_is(&ps.tok, "rule")) {
            ok = parse_rule(&ps, false);
        } else if (tok_is(&ps.tok, "tune")) {
            ok = parse_rule(&ps, true);
        } else if (tok_is(&ps.tok, "define")) {
            ok = parse_define(&ps);
        } else {
            char buf[64], hint[RULE_DIAG_TEXT];
            const char *s = ps.tok.type == TOK_WORD
                                ? word_suggest(ps.tok.p, ps.tok.len, statement_words)
                                : NULL;
            if (s)
                snprintf(hint, sizeof hint, "did you mean '%s'?", s);
            else if (ps.tok.type == TOK_WORD && tok_in(&ps.tok, clause_words))
                snprintf(hint, sizeof hint,
                         "this clause belongs to a rule: is the line "
                         "starting the rule above broken?");
            else
                snprintf(hint, sizeof hint, "a rule file holds rule, tune and define statements");
            if (ps.tok.type == TOK_ERROR)
                parse_error_at(&ps, parse_pos(&ps, &ps.tok), NULL, "%s", ps.tok.msg);
            else
                parse_error_at(&ps, parse_pos(&ps, &ps.tok), hint, "expected 'rule', found %s",
                               tok_show(&ps.tok, buf, sizeof buf));
            ok = false;
            parse_next(&ps);
        }
        if (!ok)
            parse_recover(&ps);
    }
    return ps.failed ? -1 : 0;
}

int rule_parse_define(struct ast_program *prog, struct arena *a, const char *name,
                      const struct rule_source *src, uint32_t line, uint32_t col,
                      struct rule_diags *d)
{
    struct parser ps = {.a = a, .d = d, .src = src, .prog = prog};
    rule_lexer_init(&ps.lx, src->text, src->len);
    ps.lx.line = line ? line : 1;
    ps.lx.col = col ? col : 1;
    parse_next(&ps);
    struct ast_define *df = arena_alloc(a, sizeof *df);
    struct rule_pos pos = parse_pos(&ps, &ps.tok);
    if (!df || !(df->name = arena_strndup(a, name[0] == '$' ? name + 1 : name,
                                          strlen(name[0] == '$' ? name + 1 : name)))) {
        parse_error_at(&ps, pos, NULL, "out of memory for rules (the rule memory cap)");
        return -1;
    }
    df->pos = pos;
    df->from_config = true;
    if (!parse_name_word(df->name, strlen(df->name))) {
        parse_error_at(&ps, pos, "names are letters, digits, '_' and '-'", "bad variable name '%s'",
                       name);
        return -1;
    }
    if (!parse_value(&ps, &df->val))
        return -1;
    if (ps.tok.type != TOK_EOF) {
        parse_expected(&ps, "the end of the value", "give several values as a set: [a, b]");
        return -1;
    }
    *prog->defines_tail = df;
    prog->defines_tail = &df->next;
    return 0;
}
