#include "detect/ruleset.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LISTS_DIR "lists"

struct loader_list {
    const char *name; /* arena */
    const char *path; /* arena; NULL for lists given in memory */
    struct rule_source src;
    bool read, parsed;
    struct ast_value val;
};

struct loader {
    struct ruleset *rs;
    struct rule_diags *d;
    const struct ruleset_limits *lim;
    struct rule_source *srcs; /* every file read, for quoting lines */
    size_t n_srcs, cap_srcs;
    char **texts; /* owned: what was read from disk */
    size_t n_texts;
    struct loader_list *lists;
    size_t n_lists;
    const char **names; /* NULL-terminated list names, arena */
};

void ruleset_limits_default(struct ruleset_limits *lim)
{
    lim->max_rules = 100000;
    lim->max_set_values = 1000000;
    lim->max_files = 1000;
    lim->max_file_bytes = 16u * 1024 * 1024;
    lim->max_memory = 256u * 1024 * 1024;
}

/* An error about a whole file (no line): the format takes one string. */
static void loader_error(struct loader *ld, const char *file, const char *hint, const char *fmt,
                         const char *arg) __attribute__((format(printf, 4, 0)));

static void loader_error(struct loader *ld, const char *file, const char *hint, const char *fmt,
                         const char *arg)
{
    char msg[RULE_DIAG_TEXT];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(msg, sizeof msg, fmt, arg); /* fmt is always one of this file's literals */
#pragma GCC diagnostic pop
    struct rule_pos pos = {file, 0, 0};
    rule_diag_add(ld->d, RULE_ERROR, pos, NULL, 0, hint, "%s", msg);
}

static bool loader_add_source(struct loader *ld, const char *name, const char *text, size_t len)
{
    if (ld->n_srcs == ld->cap_srcs) {
        size_t cap = ld->cap_srcs ? ld->cap_srcs * 2 : 16;
        struct rule_source *s = realloc(ld->srcs, cap * sizeof *s);
        if (!s)
            return false;
        ld->srcs = s;
        ld->cap_srcs = cap;
    }
    ld->srcs[ld->n_srcs].name = name;
    ld->srcs[ld->n_srcs].text = text;
    ld->srcs[ld->n_srcs++].len = len;
    return true;
}

/* Reads a whole file (at most max_file_bytes). The text is kept by the
 * loader until the load ends. */
static char *loader_read(struct loader *ld, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (!f) {
        loader_error(ld, path, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            if (cap >= ld->lim->max_file_bytes + 1)
                break;
            if (ncap > ld->lim->max_file_bytes + 1)
                ncap = ld->lim->max_file_bytes + 1;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                loader_error(ld, path, NULL, "%s", "out of memory reading the file");
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        loader_error(ld, path, NULL, "read error: %s", strerror(errno));
        goto fail;
    }
    if (n > ld->lim->max_file_bytes) {
        loader_error(ld, path, "raise rules.max_file_bytes in the config or split the file", "%s",
                     "file larger than the limit");
        goto fail;
    }
    char **t = realloc(ld->texts, (ld->n_texts + 1) * sizeof *t);
    if (!t)
        goto fail;
    ld->texts = t;
    ld->texts[ld->n_texts++] = buf;
    fclose(f);
    *len = n;
    return buf ? buf : (char *)"";
fail:
    free(buf);
    fclose(f);
    return NULL;
}

static const struct ast_value *loader_list_load(void *ctx, const char *name)
{
    struct loader *ld = ctx;
    for (size_t i = 0; i < ld->n_lists; i++) {
        struct loader_list *l = &ld->lists[i];
        if (strcmp(l->name, name) != 0)
            continue;
        if (!l->read) {
            l->read = true;
            if (l->path) {
                size_t len;
                char *text = loader_read(ld, l->path, &len);
                if (!text) {
                    l->val.kind = AV_WORD; /* reported: not a set */
                    return &l->val;
                }
                l->src.name = l->path;
                l->src.text = text;
                l->src.len = len;
                loader_add_source(ld, l->path, text, len);
            }
        }
        if (!l->parsed) {
            l->parsed = true;
            rule_list_parse(&ld->rs->arena, &l->src, &l->val, ld->lim->max_set_values, ld->d);
            ld->rs->n_lists++;
        }
        return &l->val;
    }
    return NULL;
}

static const char *const *loader_list_names(void *ctx)
{
    struct loader *ld = ctx;
    return ld->names;
}

static const struct rule_source *loader_source(void *ctx, const char *file)
{
    struct loader *ld = ctx;
    for (size_t i = 0; i < ld->n_srcs; i++) {
        if (ld->srcs[i].name == file || strcmp(ld->srcs[i].name, file) == 0)
            return &ld->srcs[i];
    }
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *join(struct arena *a, const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl && dir[dl - 1] != '/';
    char *p = arena_alloc(a, dl + nl + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, dl);
    if (slash)
        p[dl++] = '/';
    memcpy(p + dl, name, nl + 1);
    return p;
}

/* The names in dir ending with suffix, sorted; arena-allocated. */
static char **list_dir(struct loader *ld, const char *dir, const char *suffix, size_t *n,
                       bool required)
{
    DIR *dp = opendir(dir);
    *n = 0;
    if (!dp) {
        if (required)
            loader_error(ld, dir, "give the rules directory (with the .rules files)",
                         "cannot open the rules directory: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 16;
    char **v = malloc(cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(dp))) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, suffix))
            continue;
        if (*n == ld->lim->max_files) {
            loader_error(ld, dir, "raise rules.max_files in the config", "%s",
                         "more files than the limit");
            break;
        }
        if (*n == cap) {
            char **nv = realloc(v, cap * 2 * sizeof *v);
            if (!nv)
                break;
            v = nv;
            cap *= 2;
        }
        v[*n] = arena_strndup(&ld->rs->arena, e->d_name, strlen(e->d_name));
        if (!v[*n])
            break;
        (*n)++;
    }
    closedir(dp);
    if (v)
        qsort(v, *n, sizeof *v, name_cmp);
    return v;
}

static struct ruleset *ruleset_new(const struct ruleset_limits *lim, int64_t now_us)
{
    struct ruleset *rs = calloc(1, sizeof *rs);
    if (!rs)
        return NULL;
    arena_init(&rs->arena, lim->max_memory);
    atomic_init(&rs->refs, 1);
    rs->loaded_us = (uint64_t)(now_us > 0 ? now_us : 0);
    return rs;
}

static void ruleset_destroy(struct ruleset *rs)
{
    if (!rs)
        return;
    arena_free(&rs->arena);
    free(rs);
}

/* Parses the files and variables, compiles, and frees what only the load
 * needed. The files are in ld->srcs[0 .. n_files). */
static struct ruleset *loader_finish(struct loader *ld, size_t n_files, const struct rule_var *vars,
                                     size_t n_vars, int64_t now_us)
{
    struct ruleset *rs = ld->rs;
    struct ast_program prog;
    ast_program_init(&prog);
    size_t errors_before = ld->d->errors;
    for (size_t i = 0; i < n_files; i++) {
        struct rule_source src = ld->srcs[i];
        rule_parse(&prog, &rs->arena, &src, ld->d);
        rs->n_files++;
    }
    for (size_t i = 0; i < n_vars; i++) {
        const char *origin = vars[i].origin ? vars[i].origin : "config";
        const char *name = arena_strndup(&rs->arena, origin, strlen(origin));
        if (!name || !vars[i].name || !vars[i].value) {
            loader_error(ld, origin, NULL, "%s", "bad variable");
            continue;
        }
        struct rule_source src = {name, vars[i].value, strlen(vars[i].value)};
        rule_parse_define(&prog, &rs->arena, vars[i].name, &src, vars[i].line, vars[i].col, ld->d);
    }
    struct rule_list_source ls = {loader_list_load, loader_list_names, loader_source, ld};
    struct rule_compile_input in = {
        .prog = &prog,
        .lists = &ls,
        .now_us = now_us,
        .max_rules = ld->lim->max_rules,
        .max_set_values = ld->lim->max_set_values,
    };
    /* Compile even after parse errors: errors in the rules that did parse
     * (unknown lists, wrong values) are reported in the same run. */
    rule_compile(&in, &rs->arena, &rs->cr, ld->d);
    if (ld->d->errors != errors_before) {
        ruleset_destroy(rs);
        return NULL;
    }
    return rs;
}

static void loader_free(struct loader *ld)
{
    for (size_t i = 0; i < ld->n_texts; i++)
        free(ld->texts[i]);
    free(ld->texts);
    free(ld->srcs);
    free(ld->lists);
}

struct ruleset *ruleset_load(const char *dir, const struct rule_var *vars, size_t n_vars,
                             const struct ruleset_limits *lim, int64_t now_us, struct rule_diags *d)
{
    struct loader ld = {.d = d, .lim = lim};
    struct ruleset *out = NULL;
    char **files = NULL, **lists = NULL;
    size_t n_files = 0, n_lists = 0;
    size_t errors_before = d->errors;
    ld.rs = ruleset_new(lim, now_us);
    if (!ld.rs)
        return NULL;
    files = list_dir(&ld, dir, ".rules", &n_files, true);
    if (!files)
        goto out;
    if (n_files == 0) {
        struct rule_pos pos = {dir, 0, 0};
        rule_diag_add(d, RULE_WARNING, pos, NULL, 0, "rule files end in .rules",
                      "no rule files in the rules directory");
    }
    char *ldir = join(&ld.rs->arena, dir, LISTS_DIR);
    lists = ldir ? list_dir(&ld, ldir, ".txt", &n_lists, false) : NULL;
    ld.lists = calloc(n_lists ? n_lists : 1, sizeof *ld.lists);
    ld.names = arena_array(&ld.rs->arena, n_lists + 1, sizeof *ld.names);
    if (!ld.lists || !ld.names)
        goto out;
    for (size_t i = 0; i < n_lists; i++) {
        struct loader_list *l = &ld.lists[ld.n_lists];
        size_t nl = strlen(lists[i]) - 4;
        l->name = arena_strndup(&ld.rs->arena, lists[i], nl);
        l->path = join(&ld.rs->arena, ldir, lists[i]);
        if (!l->name || !l->path)
            goto out;
        ld.names[ld.n_lists++] = l->name;
    }
    for (size_t i = 0; i < n_files; i++) {
        const char *path = join(&ld.rs->arena, dir, files[i]);
        size_t len;
        char *text = path ? loader_read(&ld, path, &len) : NULL;
        if (!text || !loader_add_source(&ld, path, text, len))
            goto out;
    }
    if (d->errors != errors_before)
        goto out;
    out = loader_finish(&ld, n_files, vars, n_vars, now_us);
    ld.rs = NULL; /* finish frees it on failure */
out:
    ruleset_destroy(ld.rs);
    free(files);
    free(lists);
    loader_free(&ld);
    return out;
}

struct ruleset *ruleset_load_sources(const struct rule_source *files, size_t n_files,
                                     const struct rule_source *lists, size_t n_lists,
                                     const struct rule_var *vars, size_t n_vars,
                                     const struct ruleset_limits *lim, int64_t now_us,
                                     struct rule_diags *d)
{
    struct loader ld = {.d = d, .lim = lim};
    struct ruleset *out = NULL;
    ld.rs = ruleset_new(lim, now_us);
    if (!ld.rs)
        return NULL;
    ld.lists = calloc(n_lists ? n_lists : 1, sizeof *ld.lists);
    ld.names = arena_array(&ld.rs->arena, n_lists + 1, sizeof *ld.names);
    if (!ld.lists || !ld.names)
        goto out;
    for (size_t i = 0; i < n_files; i++) {
        if (!loader_add_source(&ld, files[i].name, files[i].text, files[i].len))
            goto out;
    }
    for (size_t i = 0; i < n_lists; i++) {
        struct loader_list *l = &ld.lists[ld.n_lists];
        const char *nm = lists[i].name;
        const char *base = strrchr(nm, '/');
        base = base ? base + 1 : nm;
        size_t bl = strlen(base);
        if (ends_with(base, ".txt"))
            bl -= 4;
        l->name = arena_strndup(&ld.rs->arena, base, bl);
        if (!l->name)
            goto out;
        l->src = lists[i];
        l->read = true;
        ld.names[ld.n_lists++] = l->name;
        if (!loader_add_source(&ld, lists[i].name, lists[i].text, lists[i].len))
            goto out;
    }
    out = loader_finish(&ld, n_files, vars, n_vars, now_us);
    ld.rs = NULL;
out:
    ruleset_destroy(ld.rs);
    loader_free(&ld);
    return out;
}

int ruleset_check(const char *dir, const struct rule_var *vars, size_t n_vars,
                  const struct ruleset_limits *lim, int64_t now_us, FILE *out)
{
    struct rule_diags d;
    rule_diags_init(&d);
    struct ruleset *rs = ruleset_load(dir, vars, n_vars, lim, now_us, &d);
    rule_diags_print(&d, out);
    if (rs) {
        uint32_t dis = rs->cr.n_rules - rs->cr.n_enabled;
        fprintf(out, "%s: %u rule%s (%u disabled) from %u file%s and %u list%s: OK\n", dir,
                rs->cr.n_rules, rs->cr.n_rules == 1 ? "" : "s", dis, rs->n_files,
                rs->n_files == 1 ? "" : "s", rs->n_lists, rs->n_lists == 1 ? "" : "s");
    } else {
        fprintf(out, "%s: the rules did not load\n", dir);
    }
    int rc = rs ? 0 : -1;
    ruleset_unref(rs);
    rule_diags_free(&d);
    return rc;
}

struct ruleset *ruleset_ref(struct ruleset *rs)
{
    atomic_fetch_add_explicit(&rs->refs, 1, memory_order_relaxed);
    return rs;
}

void ruleset_unref(struct ruleset *rs)
{
    if (!rs)
        return;
    if (atomic_fetch_sub_explicit(&rs->refs, 1, memory_order_acq_rel) == 1)
        ruleset_destroy(rs);
}

const struct crule *ruleset_find(const struct ruleset *rs, uint32_t sid)
{
    for (uint32_t i = 0; i < rs->cr.n_rules; i++) {
        if (rs->cr.rules[i].sid == sid)
            return &rs->cr.rules[i];
    }
    return NULL;
}
