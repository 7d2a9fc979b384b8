/*
 * The rule language's syntax tree and its parser. See rules/README.md for
 * the language; this is its grammar:
 *
 *   file     := { rule | define | tune }
 *   define   := "define" $NAME "=" value
 *   rule     := "rule" ID ["rev" N] "message" { clause }
 *   tune     := "tune" ID { except | suppress | limit | "disabled" | "enabled"
 *                         | "severity" LEVEL }
 *   clause   := "severity" (high|medium|low|info) | "category" "text"
 *             | "mitre" TID {"," TID} | "on" EVENT | "when" expr
 *             | "except" expr ["until" DATE]
 *             | "count" ["distinct" FIELD] [by] "over" DURATION (">="|">") N
 *             | "sum" FIELD [by] "over" DURATION (">="|">") N
 *             | "suppress" [by] "for" DURATION
 *             | "limit" N "per" [FIELD {"," FIELD} "per"] DURATION
 *             | "disabled" | "enabled"
 *   by       := "by" FIELD {"," FIELD}
 *   expr     := and {"or" and};  and := unary {"and" unary}
 *   unary    := "not" unary | "(" expr ")" | FIELD [pred]
 *   pred     := ("=="|"="|"!="|"<"|"<="|">"|">=") value ["nocase"]
 *             | ["not"] ("in"|"startswith"|"endswith"|"contains"|"matches") value ["nocase"]
 *             | "exists" | "missing"
 *   value    := WORD | "text" | $NAME | @list | "[" [value {"," value}] "]"
 *
 * Field names are resolved to ids here, so a misspelt field is reported
 * where it stands. Values stay untyped words until the compiler knows
 * which field they are compared with.
 */
#ifndef MAMORI_DETECT_RULE_PARSER_H
#define MAMORI_DETECT_RULE_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/arena.h"
#include "detect/rule_diag.h"

#define RULE_MAX_KEYS 4 /* fields in one by/per key */
#define RULE_MESSAGE_MAX 200
#define RULE_MAX_MITRE 16

enum ast_op {
    OP_TRUE,   /* a yes/no field alone */
    OP_EXISTS, /* negate: missing */
    OP_EQ,     /* negate: != */
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_IN,
    OP_STARTS,
    OP_ENDS,
    OP_CONTAINS,
    OP_MATCHES,
};

enum ast_vkind {
    AV_WORD,
    AV_STRING,
    AV_VAR,  /* $NAME: text is the name without '$' */
    AV_LIST, /* @name: text is the name without '@' */
    AV_SET,  /* [ ... ]: items */
};

struct ast_value {
    uint8_t kind;
    const char *text; /* arena: NUL-terminated */
    size_t len;
    struct rule_pos pos;
    struct ast_value *items; /* arena, AV_SET */
    size_t n;
};

enum ast_node {
    N_AND,
    N_OR,
    N_NOT,
    N_PRED,
};

struct ast_expr {
    uint8_t node; /* enum ast_node */
    struct rule_pos pos;
    struct ast_expr *a, *b;
    uint16_t field;
    uint8_t op; /* enum ast_op */
    bool negate;
    bool nocase;
    struct ast_value val;
};

struct ast_keys {
    uint16_t f[RULE_MAX_KEYS];
    uint8_t n;
};

struct ast_except {
    struct ast_expr *expr;
    int64_t until_us; /* 0: for good */
    struct rule_pos pos, until_pos;
    struct ast_except *next;
};

enum rule_agg {
    AGG_NONE,
    AGG_COUNT,
    AGG_DISTINCT,
    AGG_SUM,
};

struct ast_rule {
    struct rule_pos pos;
    bool tune;
    uint32_t sid, rev;
    const char *msg;
    int8_t severity; /* 1 high .. 4 info; -1 unset */
    const char *category;
    const char *mitre[RULE_MAX_MITRE];
    uint8_t n_mitre;
    int8_t on_type; /* enum event_type or -1 */
    struct rule_pos on_pos;
    struct ast_expr *when;
    struct ast_except *except;
    uint8_t agg;        /* enum rule_agg */
    uint16_t agg_field; /* distinct / sum */
    struct ast_keys agg_by;
    uint64_t window_us;
    uint64_t threshold; /* fires at >= threshold (a '>' N is stored as N + 1) */
    struct rule_pos agg_pos;
    bool has_suppress;
    struct ast_keys sup_by;
    uint64_t sup_us;
    bool has_limit;
    uint32_t limit_n;
    struct ast_keys lim_by;
    uint64_t lim_us;
    int8_t disabled; /* -1 unset (tune: unchanged), 0, 1 */
    struct ast_rule *next;
};

struct ast_define {
    const char *name; /* without '$' */
    struct ast_value val;
    struct rule_pos pos;
    bool from_config;
    struct ast_define *next;
};

/* All that was parsed from every file of a rule set. Allocated from the
 * arena given to the parser. */
struct ast_program {
    struct ast_rule *rules, **rules_tail;
    struct ast_define *defines, **defines_tail;
    size_t n_rules;
};

/* One source file, for diagnostics. */
struct rule_source {
    const char *name; /* borrowed; lives as long as the diagnostics need it */
    const char *text; /* borrowed */
    size_t len;
};

void ast_program_init(struct ast_program *prog);

/* Parses one file into prog; every error goes to d. Returns 0, or -1 if
 * anything was wrong (prog then holds what could be read). Allocation
 * failure at the arena's cap is an error too. */
int rule_parse(struct ast_program *prog, struct arena *a, const struct rule_source *src,
               struct rule_diags *d);

/* Parses the text of a variable given outside rule files (the config's
 * vars) as a value, and appends it to prog as `define $name`. */
int rule_parse_define(struct ast_program *prog, struct arena *a, const char *name,
                      const struct rule_source *src, uint32_t line, uint32_t col,
                      struct rule_diags *d);

/* Words the compiler and the parser agree on. */
bool rule_parse_duration(const char *s, size_t len, uint64_t *us);
bool rule_parse_uint(const char *s, size_t len, uint64_t *v); /* sizes: 10KB, 5MiB, ... */
bool rule_parse_date(const char *s, size_t len, int64_t *us);
const char *rule_op_name(enum ast_op op, bool negate);

#endif
