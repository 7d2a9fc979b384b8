/*
 * Compiled rules: what the syntax tree becomes once every field is an id,
 * every value has the field's type, lists are hash sets, address sets are
 * prefix tries and patterns are classified (exact, prefix, suffix,
 * substring, general glob). Matching then compares no names and parses
 * nothing.
 *
 * A compiled rule set lives in one arena and is read-only once built, so
 * any number of threads may match against it at once.
 */
#ifndef MAMORI_DETECT_RULE_COMPILE_H
#define MAMORI_DETECT_RULE_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/arena.h"
#include "detect/event.h"
#include "detect/rule_diag.h"
#include "detect/rule_parser.h"

/* A set of whole numbers: an open-addressing table plus ranges (a-b). */
struct cset_int {
    int64_t *keys;   /* arena */
    uint8_t *used;   /* arena */
    uint32_t mask;   /* slots - 1, 0 when empty */
    int64_t *values; /* the members in order, for the prefilter */
    uint32_t n;
    int64_t (*ranges)[2]; /* arena */
    uint32_t n_ranges;
};

struct cstr {
    const char *s; /* arena; lowercased when the set ignores case */
    uint32_t len;
    uint64_t h;
};

/* A set of texts: open addressing on a 64-bit hash of the (lowercased, for
 * nocase) bytes. */
struct cset_str {
    struct cstr *slots; /* arena; s == NULL: empty */
    uint32_t mask;
    struct cstr *values; /* members in order */
    uint32_t n;
    bool nocase;
};

/* Addresses and CIDR blocks: binary tries, one over the 32 bits of IPv4
 * (kept as ::ffff:a.b.c.d) and one over 128 bits for IPv6, so an IPv4
 * lookup walks at most 32 nodes. */
struct ctrie_node {
    uint32_t child[2]; /* 0: none (the root is never a child) */
    bool end;          /* a prefix ends here */
};
struct cset_ip {
    struct ctrie_node *nodes; /* arena; node 0 roots IPv6, node 1 IPv4 */
    uint32_t n_nodes;
    bool v4_all; /* an IPv6 prefix covers all of ::ffff:0:0/96 */
    struct cprefix {
        uint8_t ip[16];
        uint8_t bits;
    } * prefixes; /* the members, for the prefilter */
    uint32_t n_prefixes;
};

enum cglob_kind {
    GLOB_EXACT,
    GLOB_PREFIX,
    GLOB_SUFFIX,
    GLOB_CONTAINS,
    GLOB_GENERAL, /* '*' and '?' anywhere */
};
struct cglob {
    uint8_t kind;
    const char *s; /* the literal part (GENERAL: the whole pattern); lowercased if nocase */
    uint32_t len;
};

enum cnode_op {
    CN_AND,
    CN_OR,
    CN_NOT,
    CN_TRUE, /* yes/no field is yes */
    CN_EXISTS,
    CN_INT_CMP, /* cmp against u.i */
    CN_INT_IN,
    CN_STR_EQ,
    CN_STR_IN,
    CN_GLOBS, /* startswith, endswith, contains, matches: any pattern */
    CN_IP_IN,
    CN_BOOL_EQ,
};

enum cnode_cmp {
    CMP_EQ,
    CMP_LT,
    CMP_LE,
    CMP_GT,
    CMP_GE,
};

struct cnode {
    uint8_t op;  /* enum cnode_op */
    uint8_t cmp; /* enum cnode_cmp */
    bool negate; /* a present field that does not satisfy it */
    bool nocase;
    uint16_t field;
    const struct cnode *a, *b;
    union {
        int64_t i;
        bool b;
        struct cstr str;
        const struct cset_int *iset;
        const struct cset_str *sset;
        const struct cset_ip *ipset;
        struct {
            const struct cglob *v;
            uint32_t n;
        } globs;
    } u;
};

struct cexcept {
    const struct cnode *expr;
    int64_t until_us; /* 0: for good */
};

struct crule {
    uint32_t sid, rev;
    const char *msg;      /* arena */
    const char *category; /* arena, "" when none */
    uint8_t severity;     /* 1 high, 2 medium, 3 low, 4 info */
    uint8_t type;         /* enum event_type */
    bool disabled;
    const char *mitre[RULE_MAX_MITRE];
    uint8_t n_mitre;
    const struct cnode *when;
    const struct cexcept *except;
    uint16_t n_except;
    uint8_t agg; /* enum rule_agg */
    uint16_t agg_field;
    struct ast_keys agg_by;
    uint64_t window_us, threshold;
    bool has_suppress;
    struct ast_keys sup_by;
    uint64_t sup_us;
    bool has_limit;
    uint32_t limit_n;
    struct ast_keys lim_by;
    uint64_t lim_us;
    uint64_t state_fp; /* changes when anything the state depends on changes */
    struct rule_pos pos;
};

/* Rules of one event type whose condition requires one field to take one
 * of a few values, indexed by a hash of that value: an event only runs the
 * rules its own values select, plus the rules that could not be indexed. */
struct canchor_slot {
    uint64_t h;
    uint32_t first, n; /* into rules */
    bool used;
};
/* Address anchors: a trie of the rules' prefixes; a lookup collects the
 * rules of every prefix on the address's path. Node 0 roots IPv6, node 1
 * IPv4 (from bit 96). */
struct canchor_node {
    uint32_t child[2];
    uint32_t first, n; /* into rules */
};
/* Text anchored by its last ANCHOR_SUFFIX bytes (endswith, "*.x" patterns). */
#define ANCHOR_SUFFIX 6

struct canchor {
    uint16_t field;
    uint8_t kind; /* enum event_kind */
    bool suffix;  /* text: keyed by the last ANCHOR_SUFFIX bytes, not the whole value */
    struct canchor_slot *slots; /* arena; numbers and texts */
    uint32_t mask;
    struct canchor_node *nodes; /* arena; addresses */
    uint32_t n_nodes;
    uint32_t *rules; /* arena */
};
struct crule_index {
    uint32_t *always; /* arena: rule indexes, ascending */
    uint32_t n_always;
    struct canchor *anchors; /* arena */
    uint32_t n_anchors;
    uint32_t n_rules; /* enabled rules of the type */
};

struct compiled_rules {
    struct crule *rules; /* arena */
    uint32_t n_rules, n_enabled;
    struct crule_index idx[EVENT_TYPE_COUNT];
    uint64_t max_horizon_us; /* longest window, suppression or limit period */
    uint32_t n_sets;
};

/* Where list files come from: loader returns the parsed list (an AV_SET
 * whose items have positions in the list file) or NULL when there is no
 * such list; names lists the ones there are, for suggestions. */
struct rule_list_source {
    const struct ast_value *(*load)(void *ctx, const char *name);
    const char *const *(*names)(void *ctx); /* NULL-terminated */
    /* The text of a file named in a position, to quote its line in a
     * diagnostic; NULL when unknown. */
    const struct rule_source *(*source)(void *ctx, const char *file);
    void *ctx;
};

struct rule_compile_input {
    const struct ast_program *prog;
    const struct rule_list_source *lists;
    int64_t now_us; /* to warn about exceptions already expired; 0: no check */
    uint32_t max_rules;
    uint32_t max_set_values; /* per set, after expanding lists */
};

/* Compiles prog into out (allocated from a, which is the rule set's
 * arena). Returns 0, or -1 with every error in d. */
int rule_compile(const struct rule_compile_input *in, struct arena *a, struct compiled_rules *out,
                 struct rule_diags *d);

/* Parses a list file: one value a line, '#' comments, optional quotes. */
int rule_list_parse(struct arena *a, const struct rule_source *src, struct ast_value *out,
                    uint32_t max_values, struct rule_diags *d);

/* The hash everything in detect/ uses for values (64-bit, seedless so
 * replays are identical). lower: hash the lowercase of the bytes. */
uint64_t rule_hash_bytes(const void *p, size_t len, bool lower);
uint64_t rule_hash_int(int64_t v);

/* Glob match (* any run, ? one byte); nocase: the pattern is lowercase. */
bool rule_glob_match(const struct cglob *g, const char *s, size_t len, bool nocase);
bool rule_ipset_has(const struct cset_ip *set, const uint8_t ip[16]);
bool rule_intset_has(const struct cset_int *set, int64_t v);
bool rule_strset_has(const struct cset_str *set, const char *s, size_t len);

#endif
