/*
 * Helpers for the detection tests: rule sets from strings, and events
 * made of field values (no flow, no parser behind them).
 */
#ifndef MAMORI_TEST_DETECT_H
#define MAMORI_TEST_DETECT_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "detect/fields.h"
#include "detect/ruleset.h"

struct test_event {
    struct event ev;
    bool present[F_COUNT];
    struct event_value v[F_COUNT];
    struct event_str list[8];
};

static bool test_event_get(const struct event *ev, uint16_t field, struct event_value *v)
{
    const struct test_event *t = ev->ctx;
    if (field >= F_COUNT || !t->present[field])
        return false;
    *v = t->v[field];
    return true;
}

static inline void test_event_init(struct test_event *t, enum event_type type, uint64_t ts_us)
{
    memset(t, 0, sizeof *t);
    t->ev.type = (uint8_t)type;
    t->ev.ts_us = ts_us;
    t->ev.get = test_event_get;
    t->ev.ctx = t;
}

static inline void test_event_str(struct test_event *t, uint16_t f, const char *s)
{
    t->present[f] = true;
    t->v[f].kind = EVK_STR;
    t->v[f].u.s.p = s;
    t->v[f].u.s.len = strlen(s);
}

static inline void test_event_int(struct test_event *t, uint16_t f, int64_t i)
{
    t->present[f] = true;
    t->v[f].kind = EVK_INT;
    t->v[f].u.i = i;
}

static inline void test_event_bool(struct test_event *t, uint16_t f, bool b)
{
    t->present[f] = true;
    t->v[f].kind = EVK_BOOL;
    t->v[f].u.b = b;
}

/* IPv4 "a.b.c.d" or IPv6 text. */
static inline void test_event_ip(struct test_event *t, uint16_t f, const char *s)
{
    uint8_t raw[16] = {0};
    t->present[f] = true;
    t->v[f].kind = EVK_IP;
    if (strchr(s, ':')) {
        inet_pton(AF_INET6, s, raw);
        memcpy(t->v[f].u.ip, raw, 16);
    } else {
        inet_pton(AF_INET, s, raw);
        event_ip_from(t->v[f].u.ip, raw, 4);
    }
}

/* Up to 8 strings, NULL-terminated. */
static inline void test_event_list(struct test_event *t, uint16_t f, const char *const *items)
{
    size_t n = 0;
    for (; items[n] && n < 8; n++) {
        t->list[n].p = items[n];
        t->list[n].len = strlen(items[n]);
    }
    t->present[f] = true;
    t->v[f].kind = EVK_STRLIST;
    t->v[f].u.list.v = t->list;
    t->v[f].u.list.n = n;
}

/* Loads one rule file "t.rules" and list files given as name/text pairs
 * (NULL-terminated). Diagnostics in *d (initialised here). */
static inline struct ruleset *test_load(const char *text, const char *const *lists,
                                        struct rule_diags *d)
{
    struct rule_source files[1] = {{"t.rules", text, strlen(text)}};
    struct rule_source ls[16];
    size_t n = 0;
    for (; lists && lists[2 * n] && n < 16; n++) {
        ls[n].name = lists[2 * n];
        ls[n].text = lists[2 * n + 1];
        ls[n].len = strlen(lists[2 * n + 1]);
    }
    struct ruleset_limits lim;
    ruleset_limits_default(&lim);
    rule_diags_init(d);
    return ruleset_load_sources(files, 1, ls, n, NULL, 0, &lim, 0, d);
}

/* "file:line:col: message" of diagnostic i, or "" */
static inline const char *test_diag(const struct rule_diags *d, size_t i, char *buf, size_t len)
{
    if (i >= d->n) {
        snprintf(buf, len, "(no diagnostic %zu)", i);
        return buf;
    }
    int n =
        snprintf(buf, len, "%s:%u:%u: %s", d->v[i].file, d->v[i].line, d->v[i].col, d->v[i].msg);
    return n < 0 ? "" : buf;
}

#endif
