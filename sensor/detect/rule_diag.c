#include "detect/rule_diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void rule_diags_init(struct rule_diags *d)
{
    memset(d, 0, sizeof *d);
}

void rule_diags_free(struct rule_diags *d)
{
    if (!d)
        return;
    free(d->v);
    memset(d, 0, sizeof *d);
}

void rule_diags_clear(struct rule_diags *d)
{
    d->n = 0;
    d->errors = d->warnings = d->dropped = 0;
}

/* Copies the line `line` of src, tabs as spaces so the caret lines up. */
static void rule_diag_line(char *out, size_t outlen, const char *src, size_t srclen, uint32_t line)
{
    size_t i = 0, o = 0;
    uint32_t l = 1;
    out[0] = '\0';
    while (i < srclen && l < line) {
        if (src[i++] == '\n')
            l++;
    }
    if (l != line)
        return;
    for (; i < srclen && src[i] != '\n' && src[i] != '\r' && o + 1 < outlen; i++) {
        unsigned char c = (unsigned char)src[i];
        out[o++] = (c == '\t' || c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    out[o] = '\0';
}

void rule_diag_add(struct rule_diags *d, enum rule_diag_level level, struct rule_pos pos,
                   const char *src, size_t srclen, const char *hint, const char *fmt, ...)
{
    if (level == RULE_ERROR)
        d->errors++;
    else
        d->warnings++;
    if (d->n == RULE_DIAG_MAX) {
        d->dropped++;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        if (cap > RULE_DIAG_MAX)
            cap = RULE_DIAG_MAX;
        struct rule_diag *v = realloc(d->v, cap * sizeof *v);
        if (!v) {
            d->dropped++;
            return;
        }
        d->v = v;
        d->cap = cap;
    }
    struct rule_diag *g = &d->v[d->n++];
    memset(g, 0, sizeof *g);
    g->level = (uint8_t)level;
    snprintf(g->file, sizeof g->file, "%s", pos.file ? pos.file : "?");
    g->line = pos.line;
    g->col = pos.col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->msg, sizeof g->msg, fmt, ap);
    va_end(ap);
    if (hint)
        snprintf(g->hint, sizeof g->hint, "%s", hint);
    if (src && pos.line)
        rule_diag_line(g->text, sizeof g->text, src, srclen, pos.line);
}

void rule_diags_print(const struct rule_diags *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct rule_diag *g = &d->v[i];
        const char *lvl = g->level == RULE_ERROR ? "error" : "warning";
        if (g->line)
            fprintf(out, "%s:%u:%u: %s: %s\n", g->file, g->line, g->col, lvl, g->msg);
        else
            fprintf(out, "%s: %s: %s\n", g->file, lvl, g->msg);
        if (g->text[0]) {
            fprintf(out, "%6u | %s\n", g->line, g->text);
            if (g->col) {
                fprintf(out, "       | ");
                for (uint32_t c = 1; c < g->col && c < RULE_DIAG_LINE; c++)
                    fputc(' ', out);
                fputs("^\n", out);
            }
        }
        if (g->hint[0])
            fprintf(out, "  hint: %s\n", g->hint);
    }
    if (d->dropped)
        fprintf(out, "... and %zu more\n", d->dropped);
    if (d->errors || d->warnings)
        fprintf(out, "%zu error%s, %zu warning%s\n", d->errors, d->errors == 1 ? "" : "s",
                d->warnings, d->warnings == 1 ? "" : "s");
}
