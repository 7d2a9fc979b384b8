/*
 * What the parser tests share: a session whose events are written as
 * their EVE records into one text (one line each), checks on that text,
 * and the truncation sweep every parser must survive.
 */
#ifndef MAMORI_TEST_PROTO_TEST_H
#define MAMORI_TEST_PROTO_TEST_H

#include <stdlib.h>

#include "../test.h"
#include "output/json.h"
#include "proto/proto.h"
#include "samples.h"

struct collect {
    char text[262144];
    size_t len;
    int records;
    int events;
    struct json_buf b;
    /* the last event of each kind, copied: the structs rules will read */
    unsigned char last[4][sizeof(struct proto_parser) > 16 ? 24576 : 24576];
    size_t last_size[4];
};

static inline void collect_event(void *ctx, const struct flow *f, const struct proto_parser *ps,
                                 unsigned kind, const void *event)
{
    struct collect *c = ctx;
    c->events++;
    if (kind < 4 && c->last_size[kind])
        memcpy(c->last[kind], event, c->last_size[kind]);
    if (!(ps->logged_kinds & (1u << kind)))
        return;
    json_reset(&c->b);
    json_open_object(&c->b, NULL);
    proto_record_header(&c->b, f, ps->name, 0);
    ps->format(&c->b, kind, event);
    json_close_object(&c->b);
    if (c->len + c->b.len + 2 < sizeof c->text) {
        memcpy(c->text + c->len, c->b.p, c->b.len);
        c->len += c->b.len;
        c->text[c->len++] = '\n';
        c->text[c->len] = '\0';
    }
    c->records++;
}

static inline struct collect *collect_new(void)
{
    struct collect *c = calloc(1, sizeof *c);
    json_init(&c->b);
    return c;
}

static inline void collect_free(struct collect *c)
{
    json_free(&c->b);
    free(c);
}

static inline int has(const struct collect *c, const char *needle)
{
    return strstr(c->text, needle) != NULL;
}

/* Patient values the samples carry: never in a record. */
static inline void check_no_patient_data(const struct collect *c)
{
    static const char *const values[] = {"DEMO^PATIENT",     "DEMO000123", "19700101",
                                         "EXAMPLE STREET",   "secret",     "eyJhbGci",
                                         "REVNTzpQQVRJRU5U", "PATIENT"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        if (strstr(c->text, values[i])) {
            fprintf(stderr, "patient value %s in: %s\n", values[i], c->text);
            CHECK(!"patient value in a record");
        }
    }
}

/* Feeds every prefix of each direction's bytes, in an allocation of
 * exactly that size, to a fresh session: nothing may crash or read past
 * the end (ASan), whatever the cut. Then the same bytes one at a time. */
static inline void truncation_sweep(const struct proto_parser *ps, const uint8_t *p, size_t len,
                                    enum flow_dir dir)
{
    for (size_t i = 0; i <= len; i++) {
        struct collect *c = collect_new();
        struct proto_session *s = proto_session_new(ps, collect_event, c);
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, p, i);
        proto_session_feed(s, dir, 1, copy, i);
        free(copy);
        proto_session_free(s);
        collect_free(c);
    }
    struct collect *c = collect_new();
    struct proto_session *s = proto_session_new(ps, collect_event, c);
    for (size_t i = 0; i < len; i++) {
        uint8_t *one = malloc(1);
        one[0] = p[i];
        proto_session_feed(s, dir, 1, one, 1);
        free(one);
    }
    proto_session_free(s);
    collect_free(c);
    test_checks++;
}

#endif
