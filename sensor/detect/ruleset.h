/*
 * A loaded rule set: every rules/NAME.rules file of a directory, the lists
 * they name (rules/lists/NAME.txt for @NAME) and the variables of the
 * config, compiled into one read-only whole.
 *
 * Loading is all or nothing: it returns a complete new set, or NULL and
 * every error. A running sensor reloads by loading a new set and, if that
 * succeeded, swapping its pointer in; the old set is released when the
 * last thread still matching with it lets go (ruleset_unref), so no
 * packet or alert is lost while the rules change.
 *
 *   struct rule_diags d;  rule_diags_init(&d);
 *   struct ruleset *rs = ruleset_load("rules", vars, n, &lim, now, &d);
 *   if (!rs) { rule_diags_print(&d, stderr); keep the old set; }
 *   rule_diags_free(&d);
 */
#ifndef MAMORI_DETECT_RULESET_H
#define MAMORI_DETECT_RULESET_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/arena.h"
#include "detect/rule_compile.h"
#include "detect/rule_diag.h"
#include "detect/rule_parser.h"

struct ruleset_limits {
    uint32_t max_rules;      /* default 100000 */
    uint32_t max_set_values; /* values in one set or list, default 1000000 */
    uint32_t max_files;      /* .rules and list files, default 1000 */
    size_t max_file_bytes;   /* per file, default 16 MB */
    size_t max_memory;       /* the compiled set and its lists, default 256 MB */
};

/* A variable from the config (rules.vars): `value` is written as in a
 * rule file ("[10.0.0.0/8, 172.16.0.0/12]"); origin/line/col say where, for
 * errors. A config variable wins over a `define` of the same name. */
struct rule_var {
    const char *name; /* with or without '$' */
    const char *value;
    const char *origin; /* "mamori.yaml" */
    uint32_t line, col;
};

struct ruleset {
    struct arena arena; /* owns everything below */
    struct compiled_rules cr;
    atomic_uint refs;
    uint32_t n_files, n_lists;
    uint64_t loaded_us; /* now_us given to the load */
};

void ruleset_limits_default(struct ruleset_limits *lim);

/* Loads dir/NAME.rules (in name order) and the lists they use from
 * dir/lists/. now_us (wall clock, 0: none) only serves to warn about
 * exceptions whose date has passed. Returns a set with one reference, or
 * NULL with the errors in d (d also receives warnings on success). */
struct ruleset *ruleset_load(const char *dir, const struct rule_var *vars, size_t n_vars,
                             const struct ruleset_limits *lim, int64_t now_us,
                             struct rule_diags *d);

/* The same from memory: rule files and list files (named NAME.txt or
 * NAME) given as sources. For tests and fuzzing. */
struct ruleset *ruleset_load_sources(const struct rule_source *files, size_t n_files,
                                     const struct rule_source *lists, size_t n_lists,
                                     const struct rule_var *vars, size_t n_vars,
                                     const struct ruleset_limits *lim, int64_t now_us,
                                     struct rule_diags *d);

/* What `mamori -T` and `rulecheck` do: loads, prints every diagnostic to
 * out and a one-line summary, frees. Returns 0 if the set loads, -1 if not. */
int ruleset_check(const char *dir, const struct rule_var *vars, size_t n_vars,
                  const struct ruleset_limits *lim, int64_t now_us, FILE *out);

/* Reference counting for the swap on reload (atomic; any thread). */
struct ruleset *ruleset_ref(struct ruleset *rs);
void ruleset_unref(struct ruleset *rs); /* NULL: no-op */

static inline const struct compiled_rules *ruleset_rules(const struct ruleset *rs)
{
    return &rs->cr;
}

/* The rule with this id, or NULL. */
const struct crule *ruleset_find(const struct ruleset *rs, uint32_t sid);

#endif
