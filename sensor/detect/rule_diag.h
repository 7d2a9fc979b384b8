/*
 * Diagnostics of rule loading: every error and warning found in the rule
 * files, list files and variables, with file:line:col, a message, a hint
 * and the line it is on, so `mamori -T` can tell a reader precisely what
 * to change. Loading goes on after an error to report the others; a
 * bounded number is kept and the rest only counted.
 */
#ifndef MAMORI_DETECT_RULE_DIAG_H
#define MAMORI_DETECT_RULE_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RULE_DIAG_MAX 200  /* kept; more are counted in `dropped` */
#define RULE_DIAG_TEXT 200 /* message and hint, each */
#define RULE_DIAG_LINE 160 /* the source line shown under the message */

enum rule_diag_level {
    RULE_WARNING,
    RULE_ERROR,
};

struct rule_pos {
    const char *file;   /* borrowed: the loader's name table, lives as long as the diag list */
    uint32_t line, col; /* 1-based; 0 when the error is about the whole file */
};

struct rule_diag {
    uint8_t level; /* enum rule_diag_level */
    char file[256];
    uint32_t line, col;
    char msg[RULE_DIAG_TEXT];
    char hint[RULE_DIAG_TEXT]; /* "" when none */
    char text[RULE_DIAG_LINE]; /* the source line, "" when unknown */
};

struct rule_diags {
    struct rule_diag *v; /* owned: rule_diags_free() */
    size_t n, cap;
    size_t errors, warnings, dropped;
};

void rule_diags_init(struct rule_diags *d);
void rule_diags_free(struct rule_diags *d);
void rule_diags_clear(struct rule_diags *d);

/* Records one diagnostic. src/srclen (may be NULL) is the whole text of
 * pos.file, to copy the offending line from. hint may be NULL. */
void rule_diag_add(struct rule_diags *d, enum rule_diag_level level, struct rule_pos pos,
                   const char *src, size_t srclen, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Prints them as compilers do:
 *   rules/x.rules:12:7: error: unknown field 'dicom.calling_ea'
 *      12 |   when dicom.calling_ea == "CT_ROOM1"
 *         |        ^
 *     hint: did you mean 'dicom.calling_ae'? */
void rule_diags_print(const struct rule_diags *d, FILE *out);

#endif
