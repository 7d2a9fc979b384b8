#include "output/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void json_init(struct json_buf *b)
{
    memset(b, 0, sizeof *b);
    b->time_secs = -1;
}

void json_free(struct json_buf *b)
{
    if (!b)
        return;
    free(b->p);
    json_init(b);
}

void json_reset(struct json_buf *b)
{
    b->len = 0;
    b->err = false;
    b->depth = 0;
    b->need_comma[0] = false;
    if (b->p)
        b->p[0] = '\0';
}

/* The slow half of json_reserve(): a bigger allocation, or the error.
 * Kept out of line so that the callers' fast paths stay small. */
__attribute__((noinline)) static bool json_grow(struct json_buf *b, size_t n)
{
    if (b->err)
        return false;
    if (n > SIZE_MAX / 2 - b->len) {
        b->err = true;
        return false;
    }
    size_t want = b->len + n + 1;
    if (want <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 512;
    while (cap < want)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->err = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

/* Room for n more bytes and the NUL. len < cap whenever cap > 0 (the NUL
 * is in the buffer), so the subtraction cannot wrap. */
static inline bool json_reserve(struct json_buf *b, size_t n)
{
    if (!b->err && b->cap - b->len > n)
        return true;
    return json_grow(b, n);
}

/* Copies n bytes with at most a few fixed-size moves and no call: keys and
 * short values are a few bytes to a few tens, where a call to memcpy()
 * costs more than the copy. The moves overlap rather than run past n. */
static inline void json_copy_small(char *o, const void *src, size_t n)
{
    const char *s = src;
    if (n >= 8) {
        /* Up to 32 bytes (every key mamori writes) without a loop, which
         * the compiler would vectorise behind run-time checks. */
        memcpy(o, s, 8);
        if (n > 16) {
            memcpy(o + 8, s + 8, 8);
            if (n > 24) {
                memcpy(o + 16, s + 16, 8);
                for (size_t j = 24; j + 8 < n; j += 8)
                    memcpy(o + j, s + j, 8);
            }
        }
        memcpy(o + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(o, s, 4);
        memcpy(o + n - 4, s + n - 4, 4);
    } else if (n) {
        o[0] = s[0];
        o[n / 2] = s[n / 2];
        o[n - 1] = s[n - 1];
    }
}

static void json_put(struct json_buf *b, const char *s, size_t n)
{
    if (!json_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void json_raw(struct json_buf *b, const char *p, size_t n)
{
    json_put(b, p, n);
    b->need_comma[b->depth] = true;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const uint8_t *s, size_t left)
{
    uint8_t c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* True when none of the eight bytes of v needs escaping: all are
 * 0x20..0x7f and none is '"' or '\\'. Per byte, with c below 0x80:
 * c + 0x60 has its high bit set when c >= 0x20, and (c ^ k) + 0x7f when
 * c != k; neither sum leaves its byte, so no byte disturbs another. A
 * byte of 0x80 or more clears its own bit through ~v, so whatever the
 * sums then do between bytes, the answer is already false. */
static inline bool json_plain8(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
    uint64_t ok = (v + ones * 0x60) & ((v ^ (ones * '"')) + ones * 0x7f) &
                  ((v ^ (ones * '\\')) + ones * 0x7f) & ~v;
    return (ok & high) == high;
}

/* 1 for the bytes a string value carries as they are: 0x20..0x7f but '"'
 * (0x22) and '\\' (0x5c). For values of one to three bytes, where a word
 * test costs more than three look-ups. */
static const uint8_t json_plain_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: '"' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50: '\\' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x80.. */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* ..0xff */
};

/* Writes s[i..len) escaped at o; returns the end. The general loop: any
 * byte, eight plain ones at a time where it can. Out of line: most values
 * never need it, and inlined it would cost the fast path registers. */
__attribute__((noinline)) static char *json_escape_from(char *o, const uint8_t *s, size_t len,
                                                        size_t i)
{
    static const char hex[] = "0123456789abcdef";
    while (i < len) {
        /* Eight plain bytes at a time: most values (addresses, names,
         * hosts) have nothing to escape. */
        if (len - i >= 8) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if (json_plain8(v)) {
                memcpy(o, &v, 8);
                o += 8;
                i += 8;
                continue;
            }
        }
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_seq_len(s + i, len - i);
            if (n) {
                memcpy(o, s + i, n);
                o += n;
                i += n;
                continue;
            }
        }
        i++;
        switch (c) {
        case '"':
            *o++ = '\\';
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            *o++ = '\\';
            break;
        case '\n':
            *o++ = '\\';
            *o++ = 'n';
            break;
        case '\r':
            *o++ = '\\';
            *o++ = 'r';
            break;
        case '\t':
            *o++ = '\\';
            *o++ = 't';
            break;
        default:
            /* Control characters, and bytes that are not valid UTF-8,
             * shown as the code point of the byte value. */
            *o++ = '\\';
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
            break;
        }
    }
    return o;
}

/* Writes s as a quoted, escaped string at o, which has room for the worst
 * case (json_escaped_max(len)); returns the end.
 *
 * Most values are short and plain. Those are tested and copied whole, as
 * words, without a loop over the bytes: one to three bytes by a table;
 * four to seven as the two (overlapping) ends of the string packed into
 * one word; from eight up, a
 * word at a time and the last, partial, word as the last eight bytes
 * again (output and input still line up byte for byte). Only a value with
 * something to escape takes the general loop, from where it starts. */
static inline char *json_escape_into(char *o, const uint8_t *s, size_t len)
{
    *o++ = '"';
    size_t i = 0;
    if (len < 8) {
        if (len >= 4) {
            uint32_t lo, hi;
            memcpy(&lo, s, 4);
            memcpy(&hi, s + len - 4, 4);
            if (json_plain8((uint64_t)lo | (uint64_t)hi << 32)) {
                memcpy(o, &lo, 4);
                memcpy(o + len - 4, &hi, 4);
                o += len;
                i = len;
            }
        } else if (len) {
            uint8_t c0 = s[0], c1 = s[len / 2], c2 = s[len - 1];
            if (json_plain_byte[c0] & json_plain_byte[c1] & json_plain_byte[c2]) {
                o[0] = (char)c0;
                o[len / 2] = (char)c1;
                o[len - 1] = (char)c2;
                o += len;
                i = len;
            }
        }
    } else {
        uint64_t v;
        for (; len - i >= 8; i += 8) {
            memcpy(&v, s + i, 8);
            if (!json_plain8(v))
                break;
            memcpy(o, &v, 8);
            o += 8;
        }
        if (i < len && len - i < 8) {
            memcpy(&v, s + len - 8, 8);
            if (json_plain8(v)) {
                memcpy(o + (len - i) - 8, &v, 8);
                o += len - i;
                i = len;
            }
        }
    }
    if (i < len)
        o = json_escape_from(o, s, len, i);
    *o++ = '"';
    return o;
}

/* Worst case: every byte becomes a six-character escape, and the quotes.
 * Reserving once lets the loop write without a bounds check per byte. */
static bool json_escaped_max(size_t len, size_t *max)
{
    if (len > (SIZE_MAX / 2 - 2) / 6)
        return false;
    *max = len * 6 + 2;
    return true;
}

void json_append_escaped(struct json_buf *b, const uint8_t *s, size_t len)
{
    size_t max;
    if (!json_escaped_max(len, &max) || !json_reserve(b, max)) {
        b->err = true;
        return;
    }
    char *o = json_escape_into(b->p + b->len, s, len);
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
}

/* Writes the comma the level needs and "key": at o (room: n + 4);
 * returns the end. */
static inline char *json_key_into(struct json_buf *b, char *o, const char *key, size_t n)
{
    if (b->need_comma[b->depth])
        *o++ = ',';
    b->need_comma[b->depth] = true;
    if (key) {
        *o++ = '"';
        json_copy_small(o, key, n);
        o += n;
        *o++ = '"';
        *o++ = ':';
    }
    return o;
}

/* Ends an append at o: the length and the NUL. */
static inline void json_end_at(struct json_buf *b, char *o)
{
    *o = '\0';
    b->len = (size_t)(o - b->p);
}

/* Keys are names written in mamori's code (plain ASCII, nothing to
 * escape), never bytes from the network: they are copied as they are.
 * Writes the key and then the m bytes of p (a short value) with one
 * reservation. */
static void json_key_value(struct json_buf *b, const char *key, size_t n, const char *p, size_t m)
{
    if (n > SIZE_MAX / 4 || !json_reserve(b, n + 4 + m))
        return;
    char *o = json_key_into(b, b->p + b->len, key, n);
    json_copy_small(o, p, m);
    json_end_at(b, o + m);
}

static void json_open(struct json_buf *b, const char *key, size_t n, char c)
{
    if (n > SIZE_MAX / 4 || !json_reserve(b, n + 5))
        return;
    char *o = json_key_into(b, b->p + b->len, key, n);
    *o++ = c;
    json_end_at(b, o);
    if (b->depth + 1 >= JSON_MAX_DEPTH) {
        b->err = true;
        return;
    }
    b->depth++;
    b->need_comma[b->depth] = false;
}

static void json_close(struct json_buf *b, char c)
{
    if (b->depth == 0) {
        b->err = true;
        return;
    }
    b->depth--;
    if (!json_reserve(b, 1))
        return;
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

void json_open_object_n(struct json_buf *b, const char *key, size_t key_len)
{
    json_open(b, key, key_len, '{');
}

void json_close_object(struct json_buf *b)
{
    json_close(b, '}');
}

void json_open_array_n(struct json_buf *b, const char *key, size_t key_len)
{
    json_open(b, key, key_len, '[');
}

void json_close_array(struct json_buf *b)
{
    json_close(b, ']');
}

/* Key and value with one reservation: the most frequent call of every
 * record writer. */
void json_string_n(struct json_buf *b, const char *key, size_t key_len, const uint8_t *s,
                   size_t len)
{
    /* One test bounds both: then key_len + 4 + len * 6 + 2 cannot wrap. */
    if ((len | key_len) > SIZE_MAX / 16) {
        b->err = true;
        return;
    }
    if (!json_reserve(b, key_len + 4 + len * 6 + 2))
        return;
    char *o = json_key_into(b, b->p + b->len, key, key_len);
    json_end_at(b, json_escape_into(o, s, len));
}

/* "00" to "99": numbers are written two digits per division. */
static const char json_digit_pairs[201] = "00010203040506070809"
                                          "10111213141516171819"
                                          "20212223242526272829"
                                          "30313233343536373839"
                                          "40414243444546474849"
                                          "50515253545556575859"
                                          "60616263646566676869"
                                          "70717273747576777879"
                                          "80818283848586878889"
                                          "90919293949596979899";

/* Formats v backwards into the end of buf; returns the first digit. */
static char *json_format_u64(char *end, uint64_t v)
{
    char *p = end;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, json_digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, json_digit_pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return p;
}

void json_uint_n(struct json_buf *b, const char *key, size_t key_len, uint64_t v)
{
    char tmp[24];
    char *p = json_format_u64(tmp + sizeof tmp, v);
    json_key_value(b, key, key_len, p, (size_t)(tmp + sizeof tmp - p));
}

void json_int_n(struct json_buf *b, const char *key, size_t key_len, int64_t v)
{
    char tmp[24];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char *p = json_format_u64(tmp + sizeof tmp, mag);
    if (v < 0)
        *--p = '-';
    json_key_value(b, key, key_len, p, (size_t)(tmp + sizeof tmp - p));
}

void json_bool_n(struct json_buf *b, const char *key, size_t key_len, bool v)
{
    if (v)
        json_key_value(b, key, key_len, "true", 4);
    else
        json_key_value(b, key, key_len, "false", 5);
}

static int64_t json_digits(const char *p, int n)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

int json_time_parse(const char *p, size_t len, uint64_t *ts_us)
{
    /* 0123456789012345678901234567890
     * 2026-01-15T09:00:00.123456+0000 */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddd+dddd";
    const size_t n = sizeof shape - 1;
    if (len < n)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        bool ok = shape[i] == 'd'   ? p[i] >= '0' && p[i] <= '9'
                  : shape[i] == '+' ? p[i] == '+' || p[i] == '-'
                                    : p[i] == shape[i];
        if (!ok)
            return -EINVAL;
    }
    int64_t y = json_digits(p, 4), m = json_digits(p + 5, 2), d = json_digits(p + 8, 2);
    int64_t hh = json_digits(p + 11, 2), mm = json_digits(p + 14, 2), ss = json_digits(p + 17, 2);
    int64_t off = json_digits(p + 27, 2) * 3600 + json_digits(p + 29, 2) * 60;
    if (m < 1 || m > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
        return -EINVAL;
    /* Days from the civil date (H. Hinnant's days_from_civil). */
    y -= m <= 2;
    int64_t era = y / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - (p[26] == '+' ? off : -off);
    if (secs < 0)
        return -EINVAL;
    *ts_us = (uint64_t)secs * 1000000u + (uint64_t)json_digits(p + 20, 6);
    return 0;
}

static char *json_2digits(char *o, unsigned v)
{
    *o++ = (char)('0' + v / 10);
    *o++ = (char)('0' + v % 10);
    return o;
}

/* "YYYY-MM-DDTHH:MM:SS" of secs (UTC) as strftime() writes it, without
 * gmtime_r() and strftime(): a flow record has two timestamps a second or
 * more apart, so the one-second cache alone misses on most records.
 * Civil date from days after H. Hinnant's civil_from_days. Returns false
 * past year 9999 (strftime's wider years are left to it). */
static bool json_civil_time(char out[24], int64_t secs)
{
    if (secs < 0 || secs >= 253402300800) /* 10000-01-01 */
        return false;
    int64_t days = secs / 86400, sod = secs % 86400;
    int64_t z = days + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    unsigned d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    unsigned y = (unsigned)(yoe + era * 400 + (m <= 2));
    char *o = out;
    o = json_2digits(o, y / 100);
    o = json_2digits(o, y % 100);
    *o++ = '-';
    o = json_2digits(o, m);
    *o++ = '-';
    o = json_2digits(o, d);
    *o++ = 'T';
    o = json_2digits(o, (unsigned)(sod / 3600));
    *o++ = ':';
    o = json_2digits(o, (unsigned)(sod / 60 % 60));
    *o++ = ':';
    o = json_2digits(o, (unsigned)(sod % 60));
    *o = '\0';
    return true;
}

void json_time_n(struct json_buf *b, const char *key, size_t key_len, uint64_t ts_us)
{
    int64_t secs = (int64_t)(ts_us / 1000000);
    if (secs != b->time_secs) {
        if (b->time_len == 19 && secs >= 0 && b->time_secs >= 0 &&
            secs / 86400 == b->time_secs / 86400) {
            /* The same day as the text kept (a flow's start and end, the
             * records of a capture): only the clock changes. */
            unsigned sod = (unsigned)(secs % 86400);
            char *o = b->time_text + 11;
            o = json_2digits(o, sod / 3600);
            *o++ = ':';
            o = json_2digits(o, sod / 60 % 60);
            *o++ = ':';
            json_2digits(o, sod % 60);
        } else if (json_civil_time(b->time_text, secs)) {
            b->time_len = 19;
        } else {
            time_t t = (time_t)secs;
            struct tm tm;
            size_t n;
            if (!gmtime_r(&t, &tm) ||
                (n = strftime(b->time_text, sizeof b->time_text, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
                b->err = true;
                return;
            }
            b->time_len = (uint8_t)n;
        }
        b->time_secs = secs;
    }
    /* "<date>T<time>.uuuuuu+0000" */
    size_t n = b->time_len;
    if (key_len > SIZE_MAX / 4 || !json_reserve(b, key_len + 4 + n + 14))
        return;
    char *o = json_key_into(b, b->p + b->len, key, key_len);
    *o++ = '"';
    json_copy_small(o, b->time_text, n);
    o += n;
    unsigned us = (unsigned)(ts_us % 1000000);
    *o++ = '.';
    memcpy(o, json_digit_pairs + 2 * (us / 10000), 2);
    memcpy(o + 2, json_digit_pairs + 2 * (us / 100 % 100), 2);
    memcpy(o + 4, json_digit_pairs + 2 * (us % 100), 2);
    memcpy(o + 6, "+0000\"", 6);
    json_end_at(b, o + 12);
}
