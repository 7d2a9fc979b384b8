/*
 * A small JSON writer for EVE records: appends to a growable buffer,
 * tracks commas per nesting level, and escapes any byte sequence so the
 * result is valid JSON and valid UTF-8 whatever the packet carried.
 * Errors (allocation failure, nesting too deep) are sticky, as in hiredis.
 */
#ifndef MAMORI_OUTPUT_JSON_H
#define MAMORI_OUTPUT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JSON_MAX_DEPTH 16

struct json_buf {
    char *p; /* owned: freed by json_free() */
    size_t len;
    size_t cap;
    bool err;
    uint8_t depth;
    bool need_comma[JSON_MAX_DEPTH];
    /* Records come in time order: the date and time of the last second
     * formatted is kept, so most timestamps cost no strftime. */
    int64_t time_secs;
    char time_text[24];
    uint8_t time_len;
};

void json_init(struct json_buf *b);
void json_free(struct json_buf *b);
/* Empties the buffer and clears the error, keeping the allocation. */
void json_reset(struct json_buf *b);

/* key is NULL inside arrays and for the top-level object. Keys are names
 * from mamori's code (plain ASCII), never bytes from the network: they are
 * written as they are; values are escaped.
 *
 * Every call that takes a key is an inline wrapper of a json_*_n()
 * function that takes the key's length as well: a record writer names its
 * keys with literals, whose strlen() the compiler folds, so no key is
 * measured at run time. Callers use the wrappers; key_len is the length of
 * key (0 when key is NULL). */
static inline size_t json_key_len(const char *key)
{
    return key ? strlen(key) : 0;
}

void json_open_object_n(struct json_buf *b, const char *key, size_t key_len);
void json_open_array_n(struct json_buf *b, const char *key, size_t key_len);
void json_close_object(struct json_buf *b);
void json_close_array(struct json_buf *b);
/* Any bytes: valid UTF-8 passes through, control characters and invalid
 * bytes become \u00XX escapes. */
void json_string_n(struct json_buf *b, const char *key, size_t key_len, const uint8_t *s,
                   size_t len);
void json_uint_n(struct json_buf *b, const char *key, size_t key_len, uint64_t v);
void json_int_n(struct json_buf *b, const char *key, size_t key_len, int64_t v);
void json_bool_n(struct json_buf *b, const char *key, size_t key_len, bool v);
void json_time_n(struct json_buf *b, const char *key, size_t key_len, uint64_t ts_us);

static inline void json_open_object(struct json_buf *b, const char *key)
{
    json_open_object_n(b, key, json_key_len(key));
}

static inline void json_open_array(struct json_buf *b, const char *key)
{
    json_open_array_n(b, key, json_key_len(key));
}

/* s is NUL-terminated; a value whose length is known goes through
 * json_string_bytes(), which does not measure it again. */
static inline void json_string(struct json_buf *b, const char *key, const char *s)
{
    json_string_n(b, key, json_key_len(key), (const uint8_t *)s, strlen(s));
}

static inline void json_string_bytes(struct json_buf *b, const char *key, const uint8_t *s,
                                     size_t len)
{
    json_string_n(b, key, json_key_len(key), s, len);
}

static inline void json_uint(struct json_buf *b, const char *key, uint64_t v)
{
    json_uint_n(b, key, json_key_len(key), v);
}

static inline void json_int(struct json_buf *b, const char *key, int64_t v)
{
    json_int_n(b, key, json_key_len(key), v);
}

static inline void json_bool(struct json_buf *b, const char *key, bool v)
{
    json_bool_n(b, key, json_key_len(key), v);
}

/* ISO 8601 with microseconds and UTC offset, as Suricata writes. */
static inline void json_time(struct json_buf *b, const char *key, uint64_t ts_us)
{
    json_time_n(b, key, json_key_len(key), ts_us);
}
/* The other way: "YYYY-MM-DDTHH:MM:SS.uuuuuu+HHMM" (or -HHMM) at p, of
 * at most len bytes, to microseconds since the epoch. Reads mamori's own
 * records (the output thread's latency figures); never reads past len.
 * Returns 0, or -EINVAL when p does not start with such a time. */
int json_time_parse(const char *p, size_t len, uint64_t *ts_us);

/* Appends p[0..n) as it is: bytes another json_buf formatted (a part of
 * a record copied into another). The caller keeps the layout valid; the
 * next key of the current level gets its comma. */
void json_raw(struct json_buf *b, const char *p, size_t n);

/* Writes an escaped string value without a key (for callers building
 * their own layout); exposed for tests. */
void json_append_escaped(struct json_buf *b, const uint8_t *s, size_t len);

#endif
