/*
 * A bounded reader of JSON text (RFC 8259) for what the console reads from
 * Redis and from browsers: EVE records, asset objects, triage requests. All
 * of it is untrusted. Nothing is allocated: values are slices of the
 * caller's text, valid as long as it is. Every function checks what it
 * reads, whatever the bytes, and never reads past len.
 */
#ifndef MAMORI_CONSOLE_CJSON_H
#define MAMORI_CONSOLE_CJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deeper nesting is refused: no EVE record or asset object comes close. */
#define CJSON_MAX_DEPTH 32

enum cjson_type {
    CJSON_INVALID = 0,
    CJSON_OBJECT,
    CJSON_ARRAY,
    CJSON_STRING,
    CJSON_NUMBER,
    CJSON_TRUE,
    CJSON_FALSE,
    CJSON_NULL,
};

struct cjson_slice {
    const uint8_t *p; /* borrowed: part of the caller's text */
    size_t len;
};

/* 0 if p[0..len) is exactly one JSON value (surrounded by white space at
 * most) with valid UTF-8 in its strings, -EINVAL if not. */
int cjson_validate(const uint8_t *p, size_t len);

/* The type of the value that starts the slice (after white space). */
enum cjson_type cjson_type_of(const uint8_t *p, size_t len);

/* The value at a dotted path of object keys ("alert.severity") in the
 * object p[0..len). 0 and *out set, -ENOENT if absent, -EINVAL if what
 * was read on the way is not JSON. */
int cjson_find(const uint8_t *p, size_t len, const char *path, struct cjson_slice *out);

/* Decodes the string value p[0..len) (with its quotes) into out, NUL
 * terminated, escapes resolved to UTF-8. Returns its length, -EINVAL if
 * it is not a valid string, -ENOSPC if it does not fit in cap (out then
 * holds as much as fits, cut at a character boundary). */
int cjson_string(const uint8_t *p, size_t len, char *out, size_t cap);

/* Length of the valid UTF-8 sequence at p[i..) (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 1 for ASCII, 0 if invalid
 * or cut short; i < len. The JSON writer (jsonw) uses it too. */
size_t cjson_utf8_len(const uint8_t *p, size_t len, size_t i);

/* An integer value (no fraction or exponent) within int64_t: 0 or -EINVAL. */
int cjson_int(const uint8_t *p, size_t len, int64_t *out);

/* Walks the members of an object or the elements of an array. */
struct cjson_iter {
    const uint8_t *p; /* borrowed */
    size_t len;
    size_t pos;
    bool object;
    bool any; /* a member was read: the next one follows a comma */
    bool done;
};

/* 0 if p[0..len) starts with an object or an array, -EINVAL if not. */
int cjson_iter_init(struct cjson_iter *it, const uint8_t *p, size_t len);
/* The next member: 1 with *key (object members only, the key's string
 * with quotes) and *val set, 0 at the end, -EINVAL on malformed text. */
int cjson_iter_next(struct cjson_iter *it, struct cjson_slice *key, struct cjson_slice *val);

/* True if the string value at key (a dotted path) in the object equals s. */
bool cjson_key_equals(const uint8_t *p, size_t len, const char *path, const char *s);

#endif
