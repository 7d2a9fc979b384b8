#include "detect/rule_lexer.h"

#include <string.h>

void rule_lexer_init(struct rule_lexer *lx, const char *src, size_t len)
{
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->col = 1;
    lx->bol = true;
}

static bool rule_word_char(unsigned char c)
{
    if (c <= ' ' || c >= 0x7f)
        return false;
    return !strchr("\"()[],#=!<>", c);
}

static void rule_lexer_advance(struct rule_lexer *lx, size_t n)
{
    while (n-- && lx->pos < lx->len) {
        if (lx->src[lx->pos] == '\n') {
            lx->line++;
            lx->col = 1;
            lx->bol = true;
        } else {
            lx->col++;
        }
        lx->pos++;
    }
}

void rule_lexer_next(struct rule_lexer *lx, struct rule_token *t)
{
    /* Skip spaces and comments. A UTF-8 byte order mark at the very start
     * is what Windows editors write; treat it as space. */
    if (lx->pos == 0 && lx->len >= 3 && memcmp(lx->src, "\xef\xbb\xbf", 3) == 0) {
        lx->pos = 3;
    }
    for (;;) {
        if (lx->pos >= lx->len)
            break;
        unsigned char c = (unsigned char)lx->src[lx->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            rule_lexer_advance(lx, 1);
        } else if (c == '#') {
            while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
                rule_lexer_advance(lx, 1);
        } else {
            break;
        }
    }
    memset(t, 0, sizeof *t);
    t->line = lx->line;
    t->col = lx->col;
    t->bol = lx->bol;
    t->p = lx->src + lx->pos;
    if (lx->pos >= lx->len) {
        t->type = TOK_EOF;
        return;
    }
    lx->bol = false;
    const char *s = lx->src + lx->pos;
    size_t left = lx->len - lx->pos;
    unsigned char c = (unsigned char)s[0];
    size_t n = 1;

    switch (c) {
    case '(':
        t->type = TOK_LPAREN;
        break;
    case ')':
        t->type = TOK_RPAREN;
        break;
    case '[':
        t->type = TOK_LBRACK;
        break;
    case ']':
        t->type = TOK_RBRACK;
        break;
    case ',':
        t->type = TOK_COMMA;
        break;
    case '=':
        t->type = TOK_EQ;
        n = (left > 1 && s[1] == '=') ? 2 : 1;
        break;
    case '!':
        if (left > 1 && s[1] == '=') {
            t->type = TOK_NE;
            n = 2;
        } else {
            t->type = TOK_ERROR;
            t->msg = "'!' alone is not an operator";
        }
        break;
    case '<':
        t->type = (left > 1 && s[1] == '=') ? TOK_LE : TOK_LT;
        n = t->type == TOK_LE ? 2 : 1;
        break;
    case '>':
        t->type = (left > 1 && s[1] == '=') ? TOK_GE : TOK_GT;
        n = t->type == TOK_GE ? 2 : 1;
        break;
    case '"': {
        size_t i = 1;
        while (i < left && s[i] != '"' && s[i] != '\n') {
            if (s[i] == '\\' && i + 1 < left && s[i + 1] != '\n')
                i++;
            i++;
        }
        if (i >= left || s[i] != '"') {
            t->type = TOK_ERROR;
            t->msg = "text in quotes must end with '\"' on the same line";
            n = i;
        } else {
            t->type = TOK_STRING;
            t->p = s + 1;
            t->len = i - 1;
            rule_lexer_advance(lx, i + 1);
            return;
        }
        break;
    }
    default:
        if (rule_word_char(c)) {
            while (n < left && rule_word_char((unsigned char)s[n]))
                n++;
            t->type = TOK_WORD;
        } else {
            t->type = TOK_ERROR;
            t->msg = c >= 0x80 ? "only plain ASCII is allowed outside quotes"
                               : "this character is not allowed here";
        }
        break;
    }
    t->len = n;
    rule_lexer_advance(lx, n);
}

long rule_string_unescape(const char *p, size_t len, char *out, size_t *bad)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '\\') {
            out[o++] = p[i];
            continue;
        }
        if (i + 1 >= len) {
            *bad = i;
            return -1;
        }
        char e = p[++i];
        switch (e) {
        case '"':
        case '\\':
            out[o++] = e;
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        default:
            *bad = i - 1;
            return -1;
        }
    }
    out[o] = '\0';
    return (long)o;
}
