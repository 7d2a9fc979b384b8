#include "detect/rule_compile.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "detect/fields.h"
#include "detect/rule_lexer.h"

#define COMPILE_MAX_VAR_DEPTH 16
#define COMPILE_SET_CACHE 256
/* A value that selects more rules than this is not worth indexing on. */
#define ANCHOR_MAX_VALUES 256

/* ---- hashing ----------------------------------------------------------- */

static uint64_t rule_mix(uint64_t h)
{
    /* splitmix64's finaliser: every input bit reaches every output bit */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

uint64_t rule_hash_bytes(const void *p, size_t len, bool lower)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ull ^ len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (lower && c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        h = (h ^ c) * 0x100000001b3ull;
    }
    return rule_mix(h);
}

uint64_t rule_hash_int(int64_t v)
{
    return rule_mix((uint64_t)v ^ 0x9e3779b97f4a7c15ull);
}

/* ---- sets -------------------------------------------------------------- */

static uint32_t table_size(uint32_t n)
{
    uint32_t size = 8;
    while (size < n * 2u && size < (1u << 30))
        size <<= 1;
    return size;
}

bool rule_intset_has(const struct cset_int *set, int64_t v)
{
    if (set->mask) {
        uint32_t i = (uint32_t)rule_hash_int(v) & set->mask;
        while (set->used[i]) {
            if (set->keys[i] == v)
                return true;
            i = (i + 1) & set->mask;
        }
    }
    for (uint32_t r = 0; r < set->n_ranges; r++) {
        if (v >= set->ranges[r][0] && v <= set->ranges[r][1])
            return true;
    }
    return false;
}

static bool str_eq(const char *a, size_t alen, const char *b, size_t blen, bool nocase)
{
    if (alen != blen)
        return false;
    if (!nocase)
        return memcmp(a, b, alen) == 0;
    for (size_t i = 0; i < alen; i++) {
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return false;
    }
    return true;
}

bool rule_strset_has(const struct cset_str *set, const char *s, size_t len)
{
    if (!set->mask)
        return false;
    uint64_t h = rule_hash_bytes(s, len, set->nocase);
    uint32_t i = (uint32_t)h & set->mask;
    while (set->slots[i].s) {
        if (set->slots[i].h == h && str_eq(set->slots[i].s, set->slots[i].len, s, len, set->nocase))
            return true;
        i = (i + 1) & set->mask;
    }
    return false;
}

static bool ip_is_v4(const uint8_t ip[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(ip, mapped, 12) == 0;
}

bool rule_ipset_has(const struct cset_ip *set, const uint8_t ip[16])
{
    if (set->n_nodes < 2)
        return false;
    bool v4 = ip_is_v4(ip);
    if (v4 && set->v4_all)
        return true;
    if (v4) {
        /* The same walk on the address as one word: every flow event
         * asks for its addresses, and IPv4 is nearly all of them. */
        uint32_t a =
            (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
        uint32_t n = 1;
        for (unsigned bit = 0;; bit++) {
            if (set->nodes[n].end)
                return true;
            if (bit == 32)
                return false;
            n = set->nodes[n].child[(a >> (31 - bit)) & 1];
            if (!n)
                return false;
        }
    }
    uint32_t n = 0;
    for (unsigned bit = 0;; bit++) {
        if (set->nodes[n].end)
            return true;
        if (bit == 128)
            return false;
        unsigned b = (ip[bit >> 3] >> (7 - (bit & 7))) & 1;
        n = set->nodes[n].child[b];
        if (!n)
            return false;
    }
}

static bool glob_general(const char *p, size_t plen, const char *s, size_t slen, bool nocase)
{
    /* Iterative matcher with one backtrack point: linear for patterns
     * with one '*', O(n*m) at worst, never recursive. */
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < slen) {
        if (pi < plen && p[pi] == '*') {
            star = pi++;
            mark = si;
            continue;
        }
        if (pi < plen) {
            unsigned char sc = (unsigned char)s[si];
            if (nocase)
                sc = (unsigned char)tolower(sc);
            if (p[pi] == '?' || (unsigned char)p[pi] == sc) {
                pi++;
                si++;
                continue;
            }
        }
        if (star == (size_t)-1)
            return false;
        pi = star + 1;
        si = ++mark;
    }
    while (pi < plen && p[pi] == '*')
        pi++;
    return pi == plen;
}

static bool mem_eq_ci(const char *hay, const char *lit, size_t len, bool nocase)
{
    if (!nocase)
        return memcmp(hay, lit, len) == 0;
    for (size_t i = 0; i < len; i++) {
        if (tolower((unsigned char)hay[i]) != (unsigned char)lit[i])
            return false;
    }
    return true;
}

bool rule_glob_match(const struct cglob *g, const char *s, size_t len, bool nocase)
{
    switch (g->kind) {
    case GLOB_EXACT:
        return len == g->len && mem_eq_ci(s, g->s, len, nocase);
    case GLOB_PREFIX:
        return len >= g->len && mem_eq_ci(s, g->s, g->len, nocase);
    case GLOB_SUFFIX:
        return len >= g->len && mem_eq_ci(s + len - g->len, g->s, g->len, nocase);
    case GLOB_CONTAINS:
        if (g->len == 0)
            return true;
        for (size_t i = 0; i + g->len <= len; i++) {
            if (mem_eq_ci(s + i, g->s, g->len, nocase))
                return true;
        }
        return false;
    default:
        return glob_general(g->s, g->len, s, len, nocase);
    }
}

/* ---- compile context -------------------------------------------------- */

struct cctx {
    const struct rule_compile_input *in;
    struct arena *a;
    struct rule_diags *d;
    bool failed;
    /* the event types the rule being compiled can match, and the field
     * that last narrowed them (for the error when nothing is left) */
    uint8_t mask;
    uint16_t mask_field;
    /* flattened values of the set being compiled */
    const struct ast_value **flat;
    size_t n_flat, cap_flat;
    unsigned depth;
    struct {
        const struct ast_value *v;
        uint8_t kind;
        bool nocase;
        const void *set;
    } cache[COMPILE_SET_CACHE];
    size_t n_cache;
    uint32_t n_sets;
};

static void cerr(struct cctx *c, enum rule_diag_level lvl, struct rule_pos pos, const char *hint,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void cerr(struct cctx *c, enum rule_diag_level lvl, struct rule_pos pos, const char *hint,
                 const char *fmt, ...)
{
    char msg[RULE_DIAG_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const struct rule_source *src = NULL;
    const struct rule_list_source *ls = c->in->lists;
    if (ls && ls->source && pos.file)
        src = ls->source(ls->ctx, pos.file);
    rule_diag_add(c->d, lvl, pos, src ? src->text : NULL, src ? src->len : 0, hint, "%s", msg);
    if (lvl == RULE_ERROR)
        c->failed = true;
}

static void cerr_oom(struct cctx *c, struct rule_pos pos)
{
    cerr(c, RULE_ERROR, pos, "raise the rule memory limit or shorten the lists",
         "out of memory for rules (the rule memory cap)");
}

static const char *suggest_in(const char *s, size_t len, const char *const *words)
{
    const char *best = NULL;
    unsigned bestd = 3;
    for (size_t i = 0; words && words[i]; i++) {
        unsigned d = field_distance(s, len, words[i], strlen(words[i]));
        if (d < bestd) {
            bestd = d;
            best = words[i];
        }
    }
    return best;
}

static const struct ast_define *find_define(const struct cctx *c, const char *name)
{
    const struct ast_define *found = NULL;
    for (const struct ast_define *df = c->in->prog->defines; df; df = df->next) {
        if (strcmp(df->name, name) != 0)
            continue;
        if (df->from_config)
            return df; /* the config's value wins over the rule files' */
        if (!found)
            found = df;
    }
    return found;
}

static bool flat_push(struct cctx *c, const struct ast_value *v)
{
    if (c->n_flat == c->cap_flat) {
        size_t cap = c->cap_flat ? c->cap_flat * 2 : 64;
        const struct ast_value **f = realloc(c->flat, cap * sizeof *f);
        if (!f) {
            cerr_oom(c, v->pos);
            return false;
        }
        c->flat = f;
        c->cap_flat = cap;
    }
    c->flat[c->n_flat++] = v;
    return true;
}

/* Expands sets, $variables and @lists into c->flat. */
static bool flatten(struct cctx *c, const struct ast_value *v)
{
    char hint[RULE_DIAG_TEXT];
    if (c->n_flat >= c->in->max_set_values) {
        cerr(c, RULE_ERROR, v->pos, "raise rules.max_set_values in the config or split the list",
             "more than %u values in one set", c->in->max_set_values);
        return false;
    }
    switch (v->kind) {
    case AV_WORD:
    case AV_STRING:
        return flat_push(c, v);
    case AV_SET:
        for (size_t i = 0; i < v->n; i++) {
            if (!flatten(c, &v->items[i]))
                return false;
        }
        return true;
    case AV_VAR: {
        const struct ast_define *df = find_define(c, v->text);
        if (!df) {
            const char *best = NULL;
            unsigned bestd = 3;
            for (const struct ast_define *o = c->in->prog->defines; o; o = o->next) {
                unsigned d = field_distance(v->text, v->len, o->name, strlen(o->name));
                if (d < bestd) {
                    bestd = d;
                    best = o->name;
                }
            }
            if (best)
                snprintf(hint, sizeof hint, "did you mean '$%s'?", best);
            else
                snprintf(hint, sizeof hint,
                         "define it: define $%s = [...], or in the config's "
                         "rules.vars",
                         v->text);
            cerr(c, RULE_ERROR, v->pos, hint, "unknown variable '$%s'", v->text);
            return false;
        }
        if (++c->depth > COMPILE_MAX_VAR_DEPTH) {
            cerr(c, RULE_ERROR, v->pos, "a variable cannot be defined in terms of itself",
                 "variable '$%s' refers to itself", v->text);
            return false;
        }
        bool ok = flatten(c, &df->val);
        c->depth--;
        return ok;
    }
    case AV_LIST: {
        const struct rule_list_source *ls = c->in->lists;
        const struct ast_value *lv = ls && ls->load ? ls->load(ls->ctx, v->text) : NULL;
        if (!lv) {
            const char *s =
                ls && ls->names ? suggest_in(v->text, v->len, ls->names(ls->ctx)) : NULL;
            if (s)
                snprintf(hint, sizeof hint, "did you mean '@%s'?", s);
            else
                snprintf(hint, sizeof hint,
                         "lists are files rules/lists/NAME.txt, one value a line");
            cerr(c, RULE_ERROR, v->pos, hint, "unknown list '@%s'", v->text);
            return false;
        }
        if (lv->kind != AV_SET) /* a list that failed to parse: already reported */
            return false;
        return flatten(c, lv);
    }
    default:
        return false;
    }
}

static bool collect(struct cctx *c, const struct ast_value *v)
{
    c->n_flat = 0;
    c->depth = 0;
    return flatten(c, v);
}

/* ---- atoms -------------------------------------------------------------- */

static bool parse_ip_atom(const char *s, size_t len, uint8_t ip[16], unsigned *bits)
{
    char buf[64];
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (alen == 0 || alen >= sizeof buf)
        return false;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    unsigned maxbits, off;
    uint8_t a4[4];
    if (inet_pton(AF_INET, buf, a4) == 1) {
        memset(ip, 0, 10);
        ip[10] = ip[11] = 0xff;
        memcpy(ip + 12, a4, 4);
        maxbits = 32;
        off = 96;
    } else if (inet_pton(AF_INET6, buf, ip) == 1) {
        maxbits = 128;
        off = 0;
    } else {
        return false;
    }
    unsigned b = maxbits;
    if (slash) {
        uint64_t v;
        size_t rest = len - alen - 1;
        if (rest == 0 || rest > 3 || !rule_parse_uint(slash + 1, rest, &v) || v > maxbits)
            return false;
        b = (unsigned)v;
    }
    *bits = off + b;
    return true;
}

static bool parse_int_atom(const struct ast_value *v, int64_t *lo, int64_t *hi)
{
    uint64_t a, b;
    if (v->kind != AV_WORD)
        return false;
    if (rule_parse_uint(v->text, v->len, &a)) {
        if (a > INT64_MAX)
            return false;
        *lo = *hi = (int64_t)a;
        return true;
    }
    const char *dash = memchr(v->text, '-', v->len);
    if (!dash)
        return false;
    size_t l1 = (size_t)(dash - v->text);
    if (!rule_parse_uint(v->text, l1, &a) || !rule_parse_uint(dash + 1, v->len - l1 - 1, &b) ||
        a > b || b > INT64_MAX)
        return false;
    *lo = (int64_t)a;
    *hi = (int64_t)b;
    return true;
}

/* Checks a text against the field's known words (dicom.result, nDPI risk
 * names, ...). */
static bool check_word(struct cctx *c, const struct field_def *fd, uint16_t field,
                       const struct ast_value *v, bool nocase)
{
    char hint[RULE_DIAG_TEXT];
    if (field == F_NDPI_RISKS) {
        const char *best = NULL;
        unsigned bestd = 6;
        for (unsigned i = 1; i < 64; i++) {
            const char *r = classify_risk_name(i);
            if (!r || !*r)
                continue;
            if (str_eq(r, strlen(r), v->text, v->len, nocase))
                return true;
            unsigned d = field_distance(v->text, v->len, r, strlen(r));
            if (d < bestd) {
                bestd = d;
                best = r;
            }
        }
        if (best)
            snprintf(hint, sizeof hint, "did you mean \"%s\"?", best);
        else
            snprintf(hint, sizeof hint, "nDPI's risk names are listed in rules/README.md");
        cerr(c, RULE_ERROR, v->pos, hint, "unknown nDPI risk \"%s\"", v->text);
        return false;
    }
    if (!fd->values)
        return true;
    for (size_t i = 0; fd->values[i]; i++) {
        if (str_eq(fd->values[i], strlen(fd->values[i]), v->text, v->len, nocase))
            return true;
    }
    const char *s = suggest_in(v->text, v->len, fd->values);
    size_t o = 0;
    if (s) {
        snprintf(hint, sizeof hint, "did you mean '%s'?", s);
    } else {
        o = (size_t)snprintf(hint, sizeof hint, "%s is one of:", fd->name);
        for (size_t i = 0; fd->values[i] && o < sizeof hint; i++)
            o += (size_t)snprintf(hint + o, sizeof hint - o, " %s", fd->values[i]);
    }
    cerr(c, RULE_ERROR, v->pos, hint, "'%s' is not a value of %s", v->text, fd->name);
    return false;
}

static void lower_copy(char *dst, const char *src, size_t len)
{
    for (size_t i = 0; i < len; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[len] = '\0';
}

static const struct cset_int *build_intset(struct cctx *c, const struct field_def *fd,
                                           struct rule_pos pos)
{
    struct cset_int *set = arena_alloc(c->a, sizeof *set);
    if (!set)
        goto oom;
    uint32_t n = 0, nr = 0;
    for (size_t i = 0; i < c->n_flat; i++) {
        int64_t lo, hi;
        if (!parse_int_atom(c->flat[i], &lo, &hi)) {
            cerr(c, RULE_ERROR, c->flat[i]->pos,
                 "write a whole number (sizes: 500MB, 2GiB) or a "
                 "range such as 1024-65535",
                 "'%s' is not a number; %s is a number", c->flat[i]->text, fd->name);
            return NULL;
        }
        if (lo == hi)
            n++;
        else
            nr++;
    }
    set->values = arena_array(c->a, n ? n : 1, sizeof *set->values);
    set->ranges = arena_array(c->a, nr ? nr : 1, sizeof *set->ranges);
    uint32_t size = n ? table_size(n) : 0;
    if (size) {
        set->keys = arena_array(c->a, size, sizeof *set->keys);
        set->used = arena_array(c->a, size, 1);
        set->mask = size - 1;
    }
    if (!set->values || !set->ranges || (size && (!set->keys || !set->used)))
        goto oom;
    for (size_t i = 0; i < c->n_flat; i++) {
        int64_t lo, hi;
        parse_int_atom(c->flat[i], &lo, &hi);
        if (lo != hi) {
            set->ranges[set->n_ranges][0] = lo;
            set->ranges[set->n_ranges++][1] = hi;
            continue;
        }
        uint32_t j = (uint32_t)rule_hash_int(lo) & set->mask;
        while (set->used[j] && set->keys[j] != lo)
            j = (j + 1) & set->mask;
        if (set->used[j])
            continue;
        set->used[j] = 1;
        set->keys[j] = lo;
        set->values[set->n++] = lo;
    }
    c->n_sets++;
    return set;
oom:
    cerr_oom(c, pos);
    return NULL;
}

static const struct cset_str *build_strset(struct cctx *c, const struct field_def *fd,
                                           uint16_t field, bool nocase, bool check,
                                           struct rule_pos pos)
{
    struct cset_str *set = arena_alloc(c->a, sizeof *set);
    if (!set)
        goto oom;
    set->nocase = nocase;
    uint32_t n = (uint32_t)c->n_flat;
    uint32_t size = n ? table_size(n) : 0;
    set->values = arena_array(c->a, n ? n : 1, sizeof *set->values);
    if (size) {
        set->slots = arena_array(c->a, size, sizeof *set->slots);
        set->mask = size - 1;
    }
    if (!set->values || (size && !set->slots))
        goto oom;
    for (size_t i = 0; i < c->n_flat; i++) {
        const struct ast_value *v = c->flat[i];
        if (check && !check_word(c, fd, field, v, nocase))
            return NULL;
        char *s = arena_alloc(c->a, v->len + 1);
        if (!s)
            goto oom;
        if (nocase)
            lower_copy(s, v->text, v->len);
        else
            memcpy(s, v->text, v->len + 1);
        uint64_t h = rule_hash_bytes(s, v->len, nocase);
        uint32_t j = (uint32_t)h & set->mask;
        bool dup = false;
        while (set->slots[j].s) {
            if (set->slots[j].h == h &&
                str_eq(set->slots[j].s, set->slots[j].len, s, v->len, false)) {
                dup = true;
                break;
            }
            j = (j + 1) & set->mask;
        }
        if (dup)
            continue;
        struct cstr cs = {s, (uint32_t)v->len, h};
        set->slots[j] = cs;
        set->values[set->n++] = cs;
    }
    c->n_sets++;
    return set;
oom:
    cerr_oom(c, pos);
    return NULL;
}

static bool trie_insert(struct cctx *c, struct cset_ip *set, uint32_t *cap, const uint8_t ip[16],
                        unsigned bits, struct rule_pos pos)
{
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    bool v4 = bits >= 96 && ip_is_v4(ip);
    if (!v4 && bits <= 96) {
        /* does this IPv6 prefix cover the IPv4 space? */
        bool covers = true;
        for (unsigned bit = 0; bit < bits && covers; bit++)
            covers = ((ip[bit >> 3] ^ mapped[bit >> 3]) >> (7 - (bit & 7)) & 1) == 0;
        if (covers)
            set->v4_all = true;
    }
    uint32_t n = v4 ? 1 : 0;
    for (unsigned bit = v4 ? 96 : 0; bit < bits; bit++) {
        if (set->nodes[n].end)
            return true; /* a shorter prefix already covers it */
        unsigned b = (ip[bit >> 3] >> (7 - (bit & 7))) & 1;
        if (!set->nodes[n].child[b]) {
            if (set->n_nodes == *cap) {
                uint32_t ncap = *cap * 2;
                struct ctrie_node *nodes = arena_array(c->a, ncap, sizeof *nodes);
                if (!nodes) {
                    cerr_oom(c, pos);
                    return false;
                }
                memcpy(nodes, set->nodes, set->n_nodes * sizeof *nodes);
                set->nodes = nodes; /* the old array stays in the arena until the set is freed */
                *cap = ncap;
            }
            set->nodes[n].child[b] = set->n_nodes;
            memset(&set->nodes[set->n_nodes], 0, sizeof set->nodes[0]);
            set->n_nodes++;
        }
        n = set->nodes[n].child[b];
    }
    set->nodes[n].end = true;
    return true;
}

static const struct cset_ip *build_ipset(struct cctx *c, const struct field_def *fd,
                                         struct rule_pos pos)
{
    struct cset_ip *set = arena_alloc(c->a, sizeof *set);
    /* A /24 costs up to 120 nodes; start with room for a few. */
    uint32_t cap = 256;
    if (!set || !(set->nodes = arena_array(c->a, cap, sizeof *set->nodes)))
        goto oom;
    set->n_nodes = 2; /* the two roots */
    set->prefixes = arena_array(c->a, c->n_flat ? c->n_flat : 1, sizeof *set->prefixes);
    if (!set->prefixes)
        goto oom;
    for (size_t i = 0; i < c->n_flat; i++) {
        const struct ast_value *v = c->flat[i];
        uint8_t ip[16];
        unsigned bits;
        if (v->kind != AV_WORD || !parse_ip_atom(v->text, v->len, ip, &bits)) {
            cerr(c, RULE_ERROR, v->pos, "addresses look like 10.20.1.11, 10.20.1.0/24 or fe80::/10",
                 "'%s' is not an address or CIDR block; %s is an address", v->text, fd->name);
            return NULL;
        }
        memcpy(set->prefixes[set->n_prefixes].ip, ip, 16);
        set->prefixes[set->n_prefixes++].bits = (uint8_t)bits;
        if (!trie_insert(c, set, &cap, ip, bits, v->pos))
            return NULL;
    }
    c->n_sets++;
    return set;
oom:
    cerr_oom(c, pos);
    return NULL;
}

static bool build_globs(struct cctx *c, struct cnode *n, uint8_t op, struct rule_pos pos)
{
    struct cglob *g = arena_array(c->a, c->n_flat ? c->n_flat : 1, sizeof *g);
    if (!g) {
        cerr_oom(c, pos);
        return false;
    }
    for (size_t i = 0; i < c->n_flat; i++) {
        const struct ast_value *v = c->flat[i];
        char *s = arena_alloc(c->a, v->len + 1);
        if (!s) {
            cerr_oom(c, pos);
            return false;
        }
        if (n->nocase)
            lower_copy(s, v->text, v->len);
        else
            memcpy(s, v->text, v->len + 1);
        g[i].s = s;
        g[i].len = (uint32_t)v->len;
        switch (op) {
        case OP_STARTS:
            g[i].kind = GLOB_PREFIX;
            break;
        case OP_ENDS:
            g[i].kind = GLOB_SUFFIX;
            break;
        case OP_CONTAINS:
            g[i].kind = GLOB_CONTAINS;
            break;
        default: {
            /* Precompile the common shapes: "x", "x*", "*x", "*x*". */
            size_t stars = 0, qs = 0;
            for (size_t k = 0; k < v->len; k++) {
                stars += s[k] == '*';
                qs += s[k] == '?';
            }
            size_t L = v->len;
            if (qs == 0 && stars == 0) {
                g[i].kind = GLOB_EXACT;
            } else if (qs == 0 && stars == 1 && L >= 1 && s[L - 1] == '*') {
                g[i].kind = GLOB_PREFIX;
                g[i].len = (uint32_t)(L - 1);
            } else if (qs == 0 && stars == 1 && s[0] == '*') {
                g[i].kind = GLOB_SUFFIX;
                g[i].s = s + 1;
                g[i].len = (uint32_t)(L - 1);
            } else if (qs == 0 && stars == 2 && L >= 2 && s[0] == '*' && s[L - 1] == '*') {
                g[i].kind = GLOB_CONTAINS;
                g[i].s = s + 1;
                g[i].len = (uint32_t)(L - 2);
            } else {
                g[i].kind = GLOB_GENERAL;
            }
            break;
        }
        }
    }
    n->u.globs.v = g;
    n->u.globs.n = (uint32_t)c->n_flat;
    return true;
}

static const void *cache_get(struct cctx *c, const struct ast_value *v, uint8_t kind, bool nocase)
{
    /* Only named sets are shared: @lists and $variables are what many
     * rules use. */
    for (size_t i = 0; i < c->n_cache; i++) {
        if (c->cache[i].v == v && c->cache[i].kind == kind && c->cache[i].nocase == nocase)
            return c->cache[i].set;
    }
    return NULL;
}

static void cache_put(struct cctx *c, const struct ast_value *v, uint8_t kind, bool nocase,
                      const void *set)
{
    if (c->n_cache == COMPILE_SET_CACHE)
        return;
    c->cache[c->n_cache].v = v;
    c->cache[c->n_cache].kind = kind;
    c->cache[c->n_cache].nocase = nocase;
    c->cache[c->n_cache++].set = set;
}

/* A cache key that is the same for every use of one @list or $var. */
static const struct ast_value *cache_key(struct cctx *c, const struct ast_value *v)
{
    if (v->kind == AV_LIST) {
        const struct rule_list_source *ls = c->in->lists;
        return ls && ls->load ? ls->load(ls->ctx, v->text) : NULL;
    }
    if (v->kind == AV_VAR) {
        const struct ast_define *df = find_define(c, v->text);
        return df ? &df->val : NULL;
    }
    return v;
}

/* ---- conditions ------------------------------------------------------- */

static bool note_field(struct cctx *c, uint16_t field, struct rule_pos pos)
{
    const struct field_def *fd = field_get(field);
    uint8_t m = c->mask & fd->types;
    if (!m) {
        char hint[RULE_DIAG_TEXT];
        const struct field_def *prev = field_get(c->mask_field);
        if (prev)
            snprintf(hint, sizeof hint,
                     "'%s' and '%s' are never on the same event; write two rules", prev->name,
                     fd->name);
        else
            snprintf(hint, sizeof hint, "the rule's 'on' clause names events without '%s'",
                     fd->name);
        cerr(c, RULE_ERROR, pos, hint, "'%s' cannot appear in this rule", fd->name);
        return false;
    }
    if (m != c->mask)
        c->mask_field = field;
    c->mask = m;
    return true;
}

static struct cnode *compile_expr(struct cctx *c, const struct ast_expr *e);

static struct cnode *compile_pred(struct cctx *c, const struct ast_expr *e)
{
    const struct field_def *fd = field_get(e->field);
    struct cnode *n = arena_alloc(c->a, sizeof *n);
    char hint[RULE_DIAG_TEXT];
    if (!n) {
        cerr_oom(c, e->pos);
        return NULL;
    }
    if (!note_field(c, e->field, e->pos))
        return NULL;
    n->field = e->field;
    n->negate = e->negate;
    n->nocase = e->nocase;
    const char *opn = rule_op_name((enum ast_op)e->op, false);

    if (e->op == OP_TRUE) {
        n->op = CN_TRUE;
        return n;
    }
    if (e->op == OP_EXISTS) {
        n->op = CN_EXISTS;
        return n;
    }
    uint8_t kind = fd->kind;
    bool is_str = kind == EVK_STR || kind == EVK_STRLIST;
    if (e->nocase && !is_str) {
        cerr(c, RULE_ERROR, e->pos, "nocase applies to text fields",
             "'nocase' cannot apply to %s, which is %s", fd->name, field_kind_name(kind));
        return NULL;
    }
    bool ordering = e->op >= OP_LT && e->op <= OP_GE;
    bool textop = e->op >= OP_STARTS;
    if (ordering && kind != EVK_INT) {
        snprintf(hint, sizeof hint, "'%s' compares numbers; %s is %s: use == or in", opn, fd->name,
                 field_kind_name(kind));
        cerr(c, RULE_ERROR, e->pos, hint, "'%s' cannot be used with %s", opn, fd->name);
        return NULL;
    }
    if (textop && !is_str) {
        snprintf(hint, sizeof hint, "'%s' looks inside text; %s is %s%s", opn, fd->name,
                 field_kind_name(kind), kind == EVK_IP ? ": use 'in' with CIDR blocks" : "");
        cerr(c, RULE_ERROR, e->pos, hint, "'%s' cannot be used with %s", opn, fd->name);
        return NULL;
    }
    if (!collect(c, &e->val))
        return NULL;
    if ((e->op == OP_EQ || ordering) && c->n_flat != 1) {
        cerr(c, RULE_ERROR, e->val.pos, "use 'in' to compare with a set or list",
             "'%s' compares with one value; this names %zu",
             rule_op_name((enum ast_op)e->op, e->negate), c->n_flat);
        return NULL;
    }
    if (kind == EVK_BOOL && e->op != OP_EQ) {
        cerr(c, RULE_ERROR, e->pos, "write FIELD, not FIELD, or FIELD == false",
             "%s is yes/no; 'in' does not apply", fd->name);
        return NULL;
    }
    const struct ast_value *key =
        (e->val.kind == AV_LIST || e->val.kind == AV_VAR) ? cache_key(c, &e->val) : NULL;
    switch (kind) {
    case EVK_BOOL: {
        const struct ast_value *v = c->flat[0];
        if (v->kind == AV_WORD && (strcmp(v->text, "true") == 0 || strcmp(v->text, "yes") == 0)) {
            n->u.b = true;
        } else if (v->kind == AV_WORD &&
                   (strcmp(v->text, "false") == 0 || strcmp(v->text, "no") == 0)) {
            n->u.b = false;
        } else {
            cerr(c, RULE_ERROR, v->pos, "write true or false (or just the field, or not FIELD)",
                 "%s is yes/no, not '%s'", fd->name, v->text);
            return NULL;
        }
        n->op = CN_BOOL_EQ;
        return n;
    }
    case EVK_INT: {
        int64_t lo, hi;
        if (ordering || (e->op == OP_EQ && c->n_flat == 1 && parse_int_atom(c->flat[0], &lo, &hi) &&
                         lo == hi)) {
            if (!parse_int_atom(c->flat[0], &lo, &hi) || lo != hi) {
                cerr(c, RULE_ERROR, c->flat[0]->pos, "write a whole number (sizes: 500MB, 2GiB)",
                     "'%s' is not a number; %s is a number", c->flat[0]->text, fd->name);
                return NULL;
            }
            n->op = CN_INT_CMP;
            n->cmp = e->op == OP_EQ   ? CMP_EQ
                     : e->op == OP_LT ? CMP_LT
                     : e->op == OP_LE ? CMP_LE
                     : e->op == OP_GT ? CMP_GT
                                      : CMP_GE;
            n->u.i = lo;
            return n;
        }
        const void *set = key ? cache_get(c, key, EVK_INT, false) : NULL;
        if (!set && (set = build_intset(c, fd, e->pos)) && key)
            cache_put(c, key, EVK_INT, false, set);
        if (!set)
            return NULL;
        n->op = CN_INT_IN;
        n->u.iset = set;
        return n;
    }
    case EVK_IP: {
        const void *set = key ? cache_get(c, key, EVK_IP, false) : NULL;
        if (!set && (set = build_ipset(c, fd, e->pos)) && key)
            cache_put(c, key, EVK_IP, false, set);
        if (!set)
            return NULL;
        n->op = CN_IP_IN;
        n->u.ipset = set;
        return n;
    }
    default:
        break;
    }
    /* text */
    if (textop) {
        n->op = CN_GLOBS;
        return build_globs(c, n, e->op, e->pos) ? n : NULL;
    }
    if (e->op == OP_EQ && c->n_flat == 1) {
        const struct ast_value *v = c->flat[0];
        if (!check_word(c, fd, e->field, v, e->nocase))
            return NULL;
        char *s = arena_alloc(c->a, v->len + 1);
        if (!s) {
            cerr_oom(c, e->pos);
            return NULL;
        }
        if (e->nocase)
            lower_copy(s, v->text, v->len);
        else
            memcpy(s, v->text, v->len + 1);
        n->op = CN_STR_EQ;
        n->u.str.s = s;
        n->u.str.len = (uint32_t)v->len;
        n->u.str.h = rule_hash_bytes(s, v->len, true);
        return n;
    }
    const void *set = key ? cache_get(c, key, EVK_STR, e->nocase) : NULL;
    if (!set && (set = build_strset(c, fd, e->field, e->nocase, true, e->pos)) && key)
        cache_put(c, key, EVK_STR, e->nocase, set);
    if (!set)
        return NULL;
    n->op = CN_STR_IN;
    n->u.sset = set;
    return n;
}

static struct cnode *compile_expr(struct cctx *c, const struct ast_expr *e)
{
    if (e->node == N_PRED)
        return compile_pred(c, e);
    struct cnode *n = arena_alloc(c->a, sizeof *n);
    if (!n) {
        cerr_oom(c, e->pos);
        return NULL;
    }
    n->op = e->node == N_AND ? CN_AND : e->node == N_OR ? CN_OR : CN_NOT;
    /* Report errors on both sides of and/or in one pass. */
    n->a = compile_expr(c, e->a);
    if (e->b)
        n->b = compile_expr(c, e->b);
    if (!n->a || (e->b && !n->b))
        return NULL;
    return n;
}

/* ---- rules ------------------------------------------------------------- */

static bool compile_keys(struct cctx *c, const struct ast_keys *k, struct rule_pos pos)
{
    for (uint8_t i = 0; i < k->n; i++) {
        if (!note_field(c, k->f[i], pos))
            return false;
    }
    return true;
}

static uint64_t keys_fp(uint64_t h, const struct ast_keys *k)
{
    for (uint8_t i = 0; i < k->n; i++)
        h = rule_hash_int((int64_t)(h ^ k->f[i]));
    return rule_hash_int((int64_t)(h ^ k->n));
}

static void fmt_date(char *buf, size_t len, int64_t us)
{
    int64_t days = us / 1000000 / 86400;
    /* civil_from_days */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    snprintf(buf, len, "%04lld-%02lld-%02lld", (long long)(y + (m <= 2)), (long long)m,
             (long long)d);
}

static bool compile_excepts(struct cctx *c, const struct ast_except *x, struct crule *r)
{
    size_t n = 0;
    for (const struct ast_except *i = x; i; i = i->next)
        n++;
    struct cexcept *v = arena_array(c->a, n + (size_t)r->n_except, sizeof *v);
    if (!v) {
        cerr_oom(c, r->pos);
        return false;
    }
    if (r->n_except)
        memcpy(v, r->except, r->n_except * sizeof *v);
    bool ok = true;
    size_t k = r->n_except;
    for (const struct ast_except *i = x; i; i = i->next) {
        const struct cnode *e = compile_expr(c, i->expr);
        if (!e) {
            ok = false;
            continue;
        }
        if (i->until_us && c->in->now_us && i->until_us <= c->in->now_us) {
            char date[48];
            fmt_date(date, sizeof date, i->until_us);
            cerr(c, RULE_WARNING, i->until_pos, "remove the exception, or move its date",
                 "this exception expired on %s and no longer applies", date);
        }
        v[k].expr = e;
        v[k++].until_us = i->until_us;
    }
    r->except = v;
    r->n_except = (uint16_t)k;
    return ok;
}

static bool compile_rule(struct cctx *c, const struct ast_rule *ar, struct crule *r)
{
    memset(r, 0, sizeof *r);
    r->sid = ar->sid;
    r->rev = ar->rev;
    r->pos = ar->pos;
    r->msg = ar->msg;
    r->category = ar->category ? ar->category : "";
    r->severity = ar->severity > 0 ? (uint8_t)ar->severity : 3;
    r->disabled = ar->disabled == 1;
    memcpy(r->mitre, ar->mitre, sizeof r->mitre);
    r->n_mitre = ar->n_mitre;
    c->mask = EVT_ALL;
    c->mask_field = F_SRC_IP;
    bool ok = true;
    if (ar->on_type >= 0) {
        c->mask = (uint8_t)EVT_BIT(ar->on_type);
        c->mask_field = F_COUNT; /* see note_field: an 'on' clause narrowed it */
    }
    /* Keep the first error of each part: the when, each except, the keys. */
    r->when = compile_expr(c, ar->when);
    ok = r->when != NULL;
    ok = compile_excepts(c, ar->except, r) && ok;
    r->agg = ar->agg;
    r->agg_field = ar->agg_field;
    r->agg_by = ar->agg_by;
    r->window_us = ar->window_us;
    r->threshold = ar->threshold;
    if (ar->agg == AGG_DISTINCT || ar->agg == AGG_SUM)
        ok = ok && note_field(c, ar->agg_field, ar->agg_pos);
    ok = ok && compile_keys(c, &ar->agg_by, ar->agg_pos);
    r->has_suppress = ar->has_suppress;
    r->sup_by = ar->sup_by;
    r->sup_us = ar->sup_us;
    r->has_limit = ar->has_limit;
    r->limit_n = ar->limit_n;
    r->lim_by = ar->lim_by;
    r->lim_us = ar->lim_us;
    ok = ok && compile_keys(c, &ar->sup_by, ar->pos) && compile_keys(c, &ar->lim_by, ar->pos);
    if (!ok)
        return false;
    /* Rules on addresses alone match flow records, not also every DICOM
     * or HL7 record of the same connection. */
    if (c->mask & EVT_BIT(EVENT_FLOW))
        r->type = EVENT_FLOW;
    else
        for (unsigned t = 0; t < EVENT_TYPE_COUNT; t++) {
            if (c->mask & EVT_BIT(t)) {
                r->type = (uint8_t)t;
                break;
            }
        }
    return true;
}

static void finish_state_fp(struct crule *r)
{
    uint64_t h = rule_hash_int(r->sid);
    h = rule_hash_int((int64_t)(h ^ r->agg ^ ((uint64_t)r->agg_field << 8)));
    h = keys_fp(h ^ r->window_us ^ (r->threshold << 20), &r->agg_by);
    h = keys_fp(h ^ r->sup_us ^ r->has_suppress, &r->sup_by);
    h = keys_fp(h ^ r->lim_us ^ ((uint64_t)r->limit_n << 32) ^ r->has_limit, &r->lim_by);
    r->state_fp = h;
}

/* A tune merges noise control into a rule defined elsewhere, so a site's
 * own file can silence a shipped rule without editing it. */
static bool apply_tune(struct cctx *c, const struct ast_rule *t, struct crule *rules, uint32_t n)
{
    struct crule *r = NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (rules[i].sid == t->sid) {
            r = &rules[i];
            break;
        }
    }
    if (!r) {
        cerr(c, RULE_ERROR, t->pos, "tune names the id of a rule in one of the .rules files",
             "tune %u: there is no rule %u", t->sid, t->sid);
        return false;
    }
    c->mask = (uint8_t)EVT_BIT(r->type);
    c->mask_field = F_COUNT;
    bool ok = compile_excepts(c, t->except, r);
    if (t->has_suppress) {
        ok = compile_keys(c, &t->sup_by, t->pos) && ok;
        r->has_suppress = true;
        r->sup_by = t->sup_by;
        r->sup_us = t->sup_us;
    }
    if (t->has_limit) {
        ok = compile_keys(c, &t->lim_by, t->pos) && ok;
        r->has_limit = true;
        r->limit_n = t->limit_n;
        r->lim_by = t->lim_by;
        r->lim_us = t->lim_us;
    }
    if (t->severity > 0)
        r->severity = (uint8_t)t->severity;
    if (t->disabled >= 0)
        r->disabled = t->disabled == 1;
    return ok;
}

/* ---- index ------------------------------------------------------------- */

struct anchor_pick {
    uint16_t field;
    uint8_t kind;
    bool suffix;
    uint32_t n;
    uint32_t cost; /* lower is more selective */
    const struct cnode *node;
};

/* Fields with a handful of values select many rules per value: index on
 * them only when nothing better is there. */
static bool field_is_coarse(uint16_t f)
{
    switch (f) {
    case F_PROTO:
    case F_APP_PROTO:
    case F_NDPI_MASTER:
    case F_NDPI_APP:
    case F_NDPI_PROTOCOL:
    case F_NDPI_CATEGORY:
    case F_NDPI_CONFIDENCE:
    case F_NDPI_RISK_SEVERITY:
    case F_FLOW_STATE:
    case F_FLOW_REASON:
    case F_DICOM_RESULT:
    case F_DICOM_END:
    case F_HL7_MESSAGE_TYPE:
    case F_HL7_VERSION:
    case F_FHIR_INTERACTION:
    case F_FHIR_METHOD:
        return true;
    default:
        return false;
    }
}

static void anchor_consider(const struct cnode *n, struct anchor_pick *best)
{
    if (n->op == CN_AND) {
        anchor_consider(n->a, best);
        anchor_consider(n->b, best);
        return;
    }
    if (n->negate || field_get(n->field)->kind == EVK_STRLIST)
        return;
    struct anchor_pick p = {n->field, field_get(n->field)->kind, false, 0, 0, n};
    switch (n->op) {
    case CN_GLOBS:
        /* endswith and "*.x" patterns: by their last bytes */
        for (uint32_t i = 0; i < n->u.globs.n; i++) {
            if (n->u.globs.v[i].kind != GLOB_SUFFIX || n->u.globs.v[i].len < ANCHOR_SUFFIX)
                return;
        }
        p.suffix = true;
        p.n = n->u.globs.n;
        break;
    case CN_INT_CMP:
        if (n->cmp != CMP_EQ)
            return;
        p.n = 1;
        break;
    case CN_INT_IN:
        if (n->u.iset->n_ranges)
            return;
        p.n = n->u.iset->n;
        break;
    case CN_STR_EQ:
        p.n = 1;
        break;
    case CN_STR_IN:
        p.n = n->u.sset->n;
        break;
    case CN_IP_IN:
        if (n->u.ipset->v4_all || n->u.ipset->n_prefixes > ANCHOR_MAX_VALUES)
            return;
        p.n = n->u.ipset->n_prefixes;
        break;
    default:
        return;
    }
    if (p.n == 0 || p.n > ANCHOR_MAX_VALUES)
        return;
    p.cost = p.n * (field_is_coarse(p.field) ? 1024 : 1);
    if (!best->node || p.cost < best->cost)
        *best = p;
}

struct anchor_pair {
    uint64_t h;
    uint32_t rule;
};

static int pair_cmp(const void *x, const void *y)
{
    const struct anchor_pair *a = x, *b = y;
    if (a->h != b->h)
        return a->h < b->h ? -1 : 1;
    return a->rule < b->rule ? -1 : a->rule > b->rule;
}

static void anchor_hashes(const struct cnode *n, uint64_t *out)
{
    switch (n->op) {
    case CN_GLOBS:
        for (uint32_t i = 0; i < n->u.globs.n; i++) {
            const struct cglob *g = &n->u.globs.v[i];
            out[i] = rule_hash_bytes(g->s + g->len - ANCHOR_SUFFIX, ANCHOR_SUFFIX, true);
        }
        break;
    case CN_INT_CMP:
        out[0] = rule_hash_int(n->u.i);
        break;
    case CN_INT_IN:
        for (uint32_t i = 0; i < n->u.iset->n; i++)
            out[i] = rule_hash_int(n->u.iset->values[i]);
        break;
    case CN_STR_EQ:
        out[0] = n->u.str.h;
        break;
    case CN_STR_IN:
        for (uint32_t i = 0; i < n->u.sset->n; i++)
            out[i] = rule_hash_bytes(n->u.sset->values[i].s, n->u.sset->values[i].len, true);
        break;
    default:
        break;
    }
}

struct ip_pair {
    uint32_t node, rule;
};

static int ip_pair_cmp(const void *x, const void *y)
{
    const struct ip_pair *a = x, *b = y;
    if (a->node != b->node)
        return a->node < b->node ? -1 : 1;
    return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* The address anchor of one field: every rule's prefixes in one trie. */
static int build_ip_anchor(struct cctx *c, struct canchor *an, const struct anchor_pick *picks,
                           const uint32_t *ridx, uint32_t n)
{
    size_t np = 0, cap = 64, nn = 2;
    for (uint32_t j = 0; j < n; j++)
        np += picks[j].node && picks[j].field == an->field ? picks[j].n : 0;
    struct canchor_node *nodes = calloc(cap, sizeof *nodes);
    struct ip_pair *pairs = malloc((np ? np : 1) * sizeof *pairs);
    int rc = -1;
    size_t k = 0;
    if (!nodes || !pairs)
        goto out;
    for (uint32_t j = 0; j < n; j++) {
        if (!picks[j].node || picks[j].field != an->field)
            continue;
        const struct cset_ip *set = picks[j].node->u.ipset;
        for (uint32_t p = 0; p < set->n_prefixes; p++) {
            const struct cprefix *pf = &set->prefixes[p];
            bool v4 = pf->bits >= 96 && ip_is_v4(pf->ip);
            uint32_t at = v4 ? 1 : 0;
            for (unsigned bit = v4 ? 96 : 0; bit < pf->bits; bit++) {
                unsigned b = (pf->ip[bit >> 3] >> (7 - (bit & 7))) & 1;
                if (!nodes[at].child[b]) {
                    if (nn == cap) {
                        struct canchor_node *more = realloc(nodes, cap * 2 * sizeof *nodes);
                        if (!more)
                            goto out;
                        memset(more + cap, 0, cap * sizeof *nodes);
                        nodes = more;
                        cap *= 2;
                    }
                    nodes[at].child[b] = (uint32_t)nn++;
                }
                at = nodes[at].child[b];
            }
            pairs[k].node = at;
            pairs[k++].rule = ridx[j];
        }
    }
    qsort(pairs, k, sizeof *pairs, ip_pair_cmp);
    an->nodes = arena_array(c->a, nn, sizeof *an->nodes);
    an->rules = arena_array(c->a, k ? k : 1, sizeof *an->rules);
    if (!an->nodes || !an->rules)
        goto out;
    memcpy(an->nodes, nodes, nn * sizeof *nodes);
    an->n_nodes = (uint32_t)nn;
    uint32_t nr = 0;
    for (size_t p = 0; p < k; p++) {
        if (p && pairs[p].node == pairs[p - 1].node && pairs[p].rule == pairs[p - 1].rule)
            continue;
        struct canchor_node *nd = &an->nodes[pairs[p].node];
        if (!nd->n)
            nd->first = nr;
        nd->n++;
        an->rules[nr++] = pairs[p].rule;
    }
    rc = 0;
out:
    free(nodes);
    free(pairs);
    return rc;
}

static int build_index(struct cctx *c, struct compiled_rules *cr, unsigned type)
{
    struct crule_index *ix = &cr->idx[type];
    uint32_t n = 0;
    for (uint32_t i = 0; i < cr->n_rules; i++)
        n += !cr->rules[i].disabled && cr->rules[i].type == type;
    ix->n_rules = n;
    if (!n)
        return 0;
    struct anchor_pick *picks = calloc(n, sizeof *picks);
    uint32_t *ridx = calloc(n, sizeof *ridx);
    struct anchor_pair *pairs = NULL;
    uint16_t fields[2 * F_COUNT]; /* field, and F_COUNT + field for suffix anchors */
    uint32_t n_fields = 0;
    int rc = -1;
    if (!picks || !ridx)
        goto out;
    uint32_t k = 0, n_always = 0;
    for (uint32_t i = 0; i < cr->n_rules; i++) {
        if (cr->rules[i].disabled || cr->rules[i].type != type)
            continue;
        ridx[k] = i;
        anchor_consider(cr->rules[i].when, &picks[k]);
        if (!picks[k].node) {
            n_always++;
        } else {
            uint16_t key = (uint16_t)(picks[k].field + (picks[k].suffix ? F_COUNT : 0));
            uint32_t f;
            for (f = 0; f < n_fields && fields[f] != key; f++)
                ;
            if (f == n_fields)
                fields[n_fields++] = key;
        }
        k++;
    }
    ix->always = arena_array(c->a, n_always ? n_always : 1, sizeof *ix->always);
    ix->anchors = arena_array(c->a, n_fields ? n_fields : 1, sizeof *ix->anchors);
    if (!ix->always || !ix->anchors)
        goto out;
    for (uint32_t j = 0; j < n; j++) {
        if (!picks[j].node)
            ix->always[ix->n_always++] = ridx[j];
    }
    pairs = malloc((size_t)n * ANCHOR_MAX_VALUES * sizeof *pairs);
    uint64_t hs[ANCHOR_MAX_VALUES];
    if (!pairs)
        goto out;
    for (uint32_t f = 0; f < n_fields; f++) {
        uint16_t field = (uint16_t)(fields[f] % F_COUNT);
        bool suffix = fields[f] >= F_COUNT;
        if (field_get(field)->kind == EVK_IP) {
            struct canchor *an = &ix->anchors[ix->n_anchors++];
            an->field = field;
            an->kind = EVK_IP;
            if (build_ip_anchor(c, an, picks, ridx, n) != 0)
                goto out;
            continue;
        }
        size_t np = 0;
        for (uint32_t j = 0; j < n; j++) {
            if (!picks[j].node || picks[j].field != field || picks[j].suffix != suffix)
                continue;
            anchor_hashes(picks[j].node, hs);
            for (uint32_t v = 0; v < picks[j].n; v++) {
                pairs[np].h = hs[v];
                pairs[np++].rule = ridx[j];
            }
        }
        qsort(pairs, np, sizeof *pairs, pair_cmp);
        struct canchor *an = &ix->anchors[ix->n_anchors++];
        an->field = field;
        an->suffix = suffix;
        an->kind = field_get(field)->kind;
        uint32_t uniq = 0;
        for (size_t p = 0; p < np; p++)
            uniq += p == 0 || pairs[p].h != pairs[p - 1].h;
        uint32_t size = table_size(uniq);
        an->slots = arena_array(c->a, size, sizeof *an->slots);
        an->rules = arena_array(c->a, np ? np : 1, sizeof *an->rules);
        if (!an->slots || !an->rules)
            goto out;
        an->mask = size - 1;
        uint32_t nr = 0;
        for (size_t p = 0; p < np;) {
            size_t q = p;
            uint32_t first = nr;
            for (; q < np && pairs[q].h == pairs[p].h; q++) {
                if (q == p || pairs[q].rule != pairs[q - 1].rule)
                    an->rules[nr++] = pairs[q].rule;
            }
            uint32_t s = (uint32_t)pairs[p].h & an->mask;
            while (an->slots[s].used)
                s = (s + 1) & an->mask;
            an->slots[s].used = true;
            an->slots[s].h = pairs[p].h;
            an->slots[s].first = first;
            an->slots[s].n = nr - first;
            p = q;
        }
    }
    rc = 0;
out:
    free(pairs);
    free(picks);
    free(ridx);
    if (rc)
        cerr_oom(c, cr->n_rules ? cr->rules[0].pos : (struct rule_pos){0});
    return rc;
}

int rule_compile(const struct rule_compile_input *in, struct arena *a, struct compiled_rules *out,
                 struct rule_diags *d)
{
    struct cctx *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->in = in;
    c->a = a;
    c->d = d;
    memset(out, 0, sizeof *out);

    /* variables defined twice in rule files */
    for (const struct ast_define *df = in->prog->defines; df; df = df->next) {
        for (const struct ast_define *o = in->prog->defines; o != df; o = o->next) {
            if (!df->from_config && !o->from_config && strcmp(o->name, df->name) == 0) {
                char hint[RULE_DIAG_TEXT];
                snprintf(hint, sizeof hint, "it was first defined at %s:%u:%u", o->pos.file,
                         o->pos.line, o->pos.col);
                cerr(c, RULE_ERROR, df->pos, hint, "variable '$%s' is defined twice", df->name);
                break;
            }
        }
    }

    size_t n = 0;
    for (const struct ast_rule *ar = in->prog->rules; ar; ar = ar->next)
        n += !ar->tune;
    if (n > in->max_rules) {
        struct rule_pos p = in->prog->rules ? in->prog->rules->pos : (struct rule_pos){0};
        cerr(c, RULE_ERROR, p, "raise rules.max_rules in the config",
             "%zu rules, more than the limit of %u", n, in->max_rules);
        goto out;
    }
    out->rules = arena_array(a, n ? n : 1, sizeof *out->rules);
    if (!out->rules) {
        cerr_oom(c, (struct rule_pos){0});
        goto out;
    }
    for (const struct ast_rule *ar = in->prog->rules; ar; ar = ar->next) {
        if (ar->tune)
            continue;
        bool dup = false;
        for (uint32_t i = 0; i < out->n_rules; i++) {
            if (out->rules[i].sid == ar->sid) {
                char hint[RULE_DIAG_TEXT];
                snprintf(hint, sizeof hint,
                         "rule %u is already at %s:%u:%u; give each rule its "
                         "own id",
                         ar->sid, out->rules[i].pos.file, out->rules[i].pos.line,
                         out->rules[i].pos.col);
                cerr(c, RULE_ERROR, ar->pos, hint, "rule id %u is used twice", ar->sid);
                dup = true;
                break;
            }
        }
        if (!dup && compile_rule(c, ar, &out->rules[out->n_rules]))
            out->n_rules++;
    }
    for (const struct ast_rule *ar = in->prog->rules; ar; ar = ar->next) {
        if (ar->tune)
            apply_tune(c, ar, out->rules, out->n_rules);
    }
    if (c->failed)
        goto out;
    for (uint32_t i = 0; i < out->n_rules; i++) {
        struct crule *r = &out->rules[i];
        finish_state_fp(r);
        out->n_enabled += !r->disabled;
        uint64_t h = r->agg ? r->window_us : 0;
        if (r->has_suppress && r->sup_us > h)
            h = r->sup_us;
        if (r->has_limit && r->lim_us > h)
            h = r->lim_us;
        if (h > out->max_horizon_us)
            out->max_horizon_us = h;
    }
    for (unsigned t = 0; t < EVENT_TYPE_COUNT; t++) {
        if (build_index(c, out, t) != 0)
            goto out;
    }
    out->n_sets = c->n_sets;
out:;
    int rc = c->failed ? -1 : 0;
    free(c->flat);
    free(c);
    return rc;
}

/* ---- list files -------------------------------------------------------- */

int rule_list_parse(struct arena *a, const struct rule_source *src, struct ast_value *out,
                    uint32_t max_values, struct rule_diags *d)
{
    memset(out, 0, sizeof *out);
    out->pos.file = src->name;
    out->pos.line = 1;
    out->pos.col = 1;
    size_t n = 0, cap = 0;
    struct ast_value *items = NULL;
    bool failed = false;
    uint32_t line = 1;
    size_t i = 0;
    while (i < src->len) {
        size_t eol = i;
        while (eol < src->len && src->text[eol] != '\n')
            eol++;
        /* trim; '#' starts a comment at the start or after a space */
        size_t b = i, e = eol;
        if (line == 1 && e - b >= 3 && memcmp(src->text + b, "\xef\xbb\xbf", 3) == 0)
            b += 3;
        while (b < e && isspace((unsigned char)src->text[b]))
            b++;
        for (size_t k = b; k < e; k++) {
            if (src->text[k] == '#' && (k == b || isspace((unsigned char)src->text[k - 1]))) {
                e = k;
                break;
            }
        }
        while (e > b && isspace((unsigned char)src->text[e - 1]))
            e--;
        if (e > b) {
            struct rule_pos pos = {src->name, line, (uint32_t)(b - i + 1)};
            const char *t = src->text + b;
            size_t tl = e - b;
            uint8_t kind = AV_WORD;
            if (t[0] == '"') {
                if (tl < 2 || t[tl - 1] != '"') {
                    rule_diag_add(d, RULE_ERROR, pos, src->text, src->len, NULL,
                                  "text in quotes must end with '\"' on the same line");
                    failed = true;
                    goto next;
                }
                t++;
                tl -= 2;
                kind = AV_STRING;
            } else {
                for (size_t k = 0; k < tl; k++) {
                    unsigned char ch = (unsigned char)t[k];
                    if (ch < 0x20 || ch >= 0x7f) {
                        struct rule_pos bp = {src->name, line, pos.col + (uint32_t)k};
                        rule_diag_add(d, RULE_ERROR, bp, src->text, src->len,
                                      "put values with such characters in double quotes",
                                      "unexpected character in a list value");
                        failed = true;
                        goto next;
                    }
                }
            }
            if (n == max_values) {
                rule_diag_add(d, RULE_ERROR, pos, src->text, src->len,
                              "raise rules.max_set_values in the config",
                              "more than %u values in one list", max_values);
                failed = true;
                break;
            }
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 32;
                struct ast_value *ni = arena_array(a, ncap, sizeof *ni);
                if (!ni) {
                    rule_diag_add(d, RULE_ERROR, pos, src->text, src->len, NULL,
                                  "out of memory for rules (the rule memory cap)");
                    failed = true;
                    break;
                }
                if (n)
                    memcpy(ni, items, n * sizeof *ni);
                items = ni;
                cap = ncap;
            }
            struct ast_value *v = &items[n];
            v->kind = kind;
            v->pos = pos;
            char *s = arena_alloc(a, tl + 1);
            if (!s) {
                rule_diag_add(d, RULE_ERROR, pos, src->text, src->len, NULL,
                              "out of memory for rules (the rule memory cap)");
                failed = true;
                break;
            }
            if (kind == AV_STRING) {
                size_t bad = 0;
                long ul = rule_string_unescape(t, tl, s, &bad);
                if (ul < 0) {
                    struct rule_pos bp = {src->name, line, pos.col + 1 + (uint32_t)bad};
                    rule_diag_add(d, RULE_ERROR, bp, src->text, src->len,
                                  "inside quotes, write \\\" for a quote and \\\\ for a backslash",
                                  "unknown escape in quoted text");
                    failed = true;
                    goto next;
                }
                v->len = (size_t)ul;
            } else {
                memcpy(s, t, tl);
                s[tl] = '\0';
                v->len = tl;
            }
            v->text = s;
            n++;
        }
    next:
        i = eol + 1;
        line++;
    }
    out->kind = failed ? AV_WORD : AV_SET; /* a failed list is not a set: uses say nothing more */
    out->items = items;
    out->n = n;
    return failed ? -1 : 0;
}
