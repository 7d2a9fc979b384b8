/*
 * Tokens of mamori's rule language. Words are deliberately loose (any run
 * of printable characters other than spaces and  " ( ) [ ] , # = ! < > ):
 * numbers, durations, addresses, CIDR blocks, dates, field names, $vars,
 * @lists and AE titles are all words, and the parser decides what a word
 * must be where it stands, so it can say precisely what was expected.
 *
 * Input is any bytes (rule files are untrusted); the lexer never reads
 * past len and reports what it cannot read as a TOK_ERROR.
 */
#ifndef MAMORI_DETECT_RULE_LEXER_H
#define MAMORI_DETECT_RULE_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rule_tok {
    TOK_EOF,
    TOK_WORD,
    TOK_STRING, /* p/len: between the quotes, escapes not yet undone */
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_LBRACK,
    TOK_RBRACK,
    TOK_COMMA,
    TOK_EQ, /* == or = */
    TOK_NE, /* != */
    TOK_LT,
    TOK_LE,
    TOK_GT,
    TOK_GE,
    TOK_ERROR, /* p/len: what could not be read; msg says why */
};

struct rule_token {
    uint8_t type;  /* enum rule_tok */
    bool bol;      /* first token of its line */
    const char *p; /* borrowed: into the source */
    size_t len;
    uint32_t line, col;
    const char *msg; /* TOK_ERROR: static text */
};

struct rule_lexer {
    const char *src; /* borrowed */
    size_t len, pos;
    uint32_t line, col;
    bool bol;
};

void rule_lexer_init(struct rule_lexer *lx, const char *src, size_t len);
void rule_lexer_next(struct rule_lexer *lx, struct rule_token *t);

/* Undoes the escapes of a TOK_STRING (\" \\ \t \n) into out (at least
 * len + 1 bytes); returns the length, or -1 (bad escape, at *bad). */
long rule_string_unescape(const char *p, size_t len, char *out, size_t *bad);

#endif
