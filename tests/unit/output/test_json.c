#include "output/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../test.h"

static void test_object_layout(void)
{
    struct json_buf b;
    json_init(&b);
    json_open_object(&b, NULL);
    json_string(&b, "a", "x");
    json_uint(&b, "n", 18446744073709551615ull);
    json_int(&b, "i", -5);
    json_bool(&b, "t", true);
    json_open_array(&b, "arr");
    json_uint(&b, NULL, 1);
    json_uint(&b, NULL, 2);
    json_open_object(&b, NULL);
    json_close_object(&b);
    json_close_array(&b);
    json_open_object(&b, "o");
    json_bool(&b, "f", false);
    json_close_object(&b);
    json_close_object(&b);
    CHECK(!b.err);
    CHECK_EQ_STR(b.p, "{\"a\":\"x\",\"n\":18446744073709551615,\"i\":-5,\"t\":true,"
                      "\"arr\":[1,2,{}],\"o\":{\"f\":false}}");
    json_reset(&b);
    json_open_object(&b, NULL);
    json_close_object(&b);
    CHECK_EQ_STR(b.p, "{}");
    json_free(&b);
}

static const char *esc(struct json_buf *b, const char *s, size_t n)
{
    json_reset(b);
    json_append_escaped(b, (const uint8_t *)s, n);
    return b->p;
}

static void test_escaping(void)
{
    struct json_buf b;
    json_init(&b);
    CHECK_EQ_STR(esc(&b, "plain", 5), "\"plain\"");
    CHECK_EQ_STR(esc(&b, "q\"b\\", 4), "\"q\\\"b\\\\\"");
    CHECK_EQ_STR(esc(&b, "\n\r\t", 3), "\"\\n\\r\\t\"");
    CHECK_EQ_STR(esc(&b, "\0\x01\x1f\x7f", 4), "\"\\u0000\\u0001\\u001f\x7f\"");
    /* Valid UTF-8 (Japanese, 4-byte emoji) passes through unchanged. */
    CHECK_EQ_STR(esc(&b, "守り", strlen("守り")), "\"守り\"");
    CHECK_EQ_STR(esc(&b, "\xf0\x9f\x8f\xa5", 4), "\"\xf0\x9f\x8f\xa5\"");
    /* Invalid UTF-8: lone continuation, truncated sequence, overlong,
     * surrogate, past U+10FFFF: each byte escaped. */
    CHECK_EQ_STR(esc(&b, "\x80", 1), "\"\\u0080\"");
    CHECK_EQ_STR(esc(&b, "\xe5\xae", 2), "\"\\u00e5\\u00ae\"");
    CHECK_EQ_STR(esc(&b, "\xc0\xaf", 2), "\"\\u00c0\\u00af\"");
    CHECK_EQ_STR(esc(&b, "\xed\xa0\x80", 3), "\"\\u00ed\\u00a0\\u0080\"");
    CHECK_EQ_STR(esc(&b, "\xf4\x90\x80\x80", 4), "\"\\u00f4\\u0090\\u0080\\u0080\"");
    CHECK_EQ_STR(esc(&b, "a\xffz", 3), "\"a\\u00ffz\"");
    json_free(&b);
}

/* Every byte value in every position gives output made only of printable
 * ASCII or valid UTF-8, with quotes and backslashes escaped. */
static void test_all_bytes(void)
{
    struct json_buf b;
    json_init(&b);
    uint8_t in[256];
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)i;
    json_append_escaped(&b, in, sizeof in);
    CHECK(!b.err);
    CHECK(b.p[0] == '"' && b.p[b.len - 1] == '"');
    int bad = 0;
    for (size_t i = 1; i + 1 < b.len; i++) {
        unsigned char c = (unsigned char)b.p[i];
        if (c < 0x20)
            bad++;
        if (c == '"' && b.p[i - 1] != '\\')
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
    json_free(&b);
}

static void test_time(void)
{
    struct json_buf b;
    json_init(&b);
    json_open_object(&b, NULL);
    json_time(&b, "t", 1768467600123456ull);
    json_time(&b, "u", 1768467600000001ull);
    json_time(&b, "v", 1768467661000000ull);
    json_time(&b, "w", 0);
    json_int(&b, "min", INT64_MIN);
    json_uint(&b, "zero", 0);
    json_close_object(&b);
    CHECK_EQ_STR(b.p, "{\"t\":\"2026-01-15T09:00:00.123456+0000\","
                      "\"u\":\"2026-01-15T09:00:00.000001+0000\","
                      "\"v\":\"2026-01-15T09:01:01.000000+0000\","
                      "\"w\":\"1970-01-01T00:00:00.000000+0000\","
                      "\"min\":-9223372036854775808,\"zero\":0}");
    json_free(&b);
}

/* The escape of one ASCII byte, as the JSON writer is specified to write
 * it, for the test below. */
static size_t ref_escape(char *o, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";
    switch (c) {
    case '"':
        return (size_t)sprintf(o, "\\\"");
    case '\\':
        return (size_t)sprintf(o, "\\\\");
    case '\n':
        return (size_t)sprintf(o, "\\n");
    case '\r':
        return (size_t)sprintf(o, "\\r");
    case '\t':
        return (size_t)sprintf(o, "\\t");
    default:
        if (c < 0x20)
            return (size_t)sprintf(o, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        *o = (char)c;
        return 1;
    }
}

/* Strings of every length around the word the writer copies at once, with
 * a byte to escape (or a UTF-8 sequence, valid or not) anywhere in them or
 * in none: the same text as escaping byte by byte. */
static void test_escape_words(void)
{
    static const uint8_t special[] = {'"',  '\\', '\n', '\r', '\t', 0x00, 0x01, 0x1f,
                                      0x20, 0x7f, '!',  0x21, 0x5b, 0x5d, '~',  0x80};
    struct json_buf b;
    json_init(&b);
    uint8_t in[40];
    char want[40 * 8 + 8];
    unsigned same = 0, n = 0;
    for (size_t len = 0; len <= sizeof in; len++) {
        for (size_t at = 0; at <= len; at++) {
            for (size_t k = 0; k < sizeof special; k++) {
                for (size_t i = 0; i < len; i++)
                    in[i] = (uint8_t)('a' + i % 26);
                size_t w = 0;
                want[w++] = '"';
                for (size_t i = 0; i < len; i++) {
                    uint8_t c = i == at ? special[k] : in[i];
                    in[i] = c;
                    if (c == 0x80)
                        w += (size_t)sprintf(want + w, "\\u0080"); /* a lone continuation byte */
                    else
                        w += ref_escape(want + w, c);
                }
                want[w++] = '"';
                json_reset(&b);
                json_append_escaped(&b, in, len);
                n++;
                same += !b.err && b.len == w && memcmp(b.p, want, w) == 0;
            }
        }
    }
    CHECK_EQ_INT(same, n);
    /* A valid multi-byte sequence across the word boundary stays as it is. */
    const char *jp = "abcdefg\xe5\xae\x88\xe3\x82\x8axyz";
    json_reset(&b);
    json_append_escaped(&b, (const uint8_t *)jp, strlen(jp));
    CHECK_EQ_STR(b.p, "\"abcdefg\xe5\xae\x88\xe3\x82\x8axyz\"");
    json_free(&b);
}

/* The date json_time writes is strftime's, for every day from 1970 to past
 * 9999 (where strftime takes over) and leap days and second edges. */
static void test_time_civil(void)
{
    struct json_buf b;
    json_init(&b);
    for (int64_t secs = 0; secs < 253402300800 + 400 * 86400; secs += 86400 - 1) {
        struct tm tm;
        time_t t = (time_t)secs;
        char want[40];
        CHECK(gmtime_r(&t, &tm) != NULL);
        size_t n = strftime(want, sizeof want, "\"%Y-%m-%dT%H:%M:%S.000000+0000\"", &tm);
        CHECK(n > 0);
        json_reset(&b);
        json_time(&b, NULL, (uint64_t)secs * 1000000u);
        CHECK(!b.err);
        if (b.len != n || memcmp(b.p, want, n) != 0) {
            CHECK_EQ_STR(b.p, want);
            break;
        }
    }
    json_free(&b);
}

/* Times that go back and forth within a day, across days and to where
 * strftime takes over (and back), one json_buf for all as a record writer
 * keeps it: each is the text strftime writes. */
static void test_time_sequence(void)
{
    static const uint64_t secs[] = {1768467600,   1768467601,   1768467599,
                                    1768471200,   1768510799,   1768510800,
                                    1768467600,   86399,        0,
                                    86399,        86400,        0,
                                    253402300799, 253402300800, 253402300801,
                                    253402300799, 1768467600,   9223372036854ull,
                                    1768467661,   1768467600};
    struct json_buf b;
    json_init(&b);
    unsigned same = 0;
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
        uint64_t us = secs[i] * 1000000u + i;
        time_t t = (time_t)(int64_t)(us / 1000000);
        struct tm tm;
        char want[64], tail[16];
        CHECK(gmtime_r(&t, &tm) != NULL);
        size_t n = strftime(want, sizeof want, "\"%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(tail, sizeof tail, ".%06u+0000\"", (unsigned)(us % 1000000));
        snprintf(want + n, sizeof want - n, "%s", tail);
        json_reset(&b);
        json_time(&b, NULL, us);
        if (!b.err && strcmp(b.p, want) == 0)
            same++;
        else
            CHECK_EQ_STR(b.p, want);
    }
    CHECK_EQ_INT(same, sizeof secs / sizeof secs[0]);
    /* Past 2^63 microseconds: what gmtime_r makes of the negative second
     * count, as before; then a day of the cache's again. */
    uint64_t big[] = {UINT64_MAX - 5, 43200000000ull, (uint64_t)INT64_MAX + 1000000u, 1000000u};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        time_t t = (time_t)(int64_t)(big[i] / 1000000);
        struct tm tm;
        char want[64];
        json_reset(&b);
        json_time(&b, NULL, big[i]);
        if (gmtime_r(&t, &tm)) {
            size_t n = strftime(want, sizeof want, "\"%Y-%m-%dT%H:%M:%S", &tm);
            snprintf(want + n, sizeof want - n, ".%06u+0000\"", (unsigned)(big[i] % 1000000));
            CHECK(!b.err);
            CHECK_EQ_STR(b.p, want);
        }
    }
    json_free(&b);
}

/* json_time_parse reads back what json_time writes, offsets included, and
 * nothing else; no prefix of a time reads as one. */
static void test_time_parse(void)
{
    static const uint64_t ts[] = {0,
                                  1,
                                  1768467600123456ull,
                                  1709164800000000ull /* 2024-02-29 */,
                                  951782400999999ull /* 2000-02-29 */,
                                  4107542400000000ull /* 2100-03-01 */,
                                  253402300799999999ull};
    struct json_buf b;
    json_init(&b);
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        json_reset(&b);
        json_open_object(&b, NULL);
        json_time(&b, "t", ts[i]);
        uint64_t got = 7;
        CHECK_EQ_INT(json_time_parse(b.p + 6, b.len - 6, &got), 0);
        CHECK_EQ_INT(got, ts[i]);
        /* Truncation sweep: an exact-size copy, so that ASan sees any read
         * past len. */
        for (size_t n = 0; n < 31; n++) {
            char *p = malloc(n ? n : 1);
            memcpy(p, b.p + 6, n);
            CHECK_EQ_INT(json_time_parse(p, n, &got), -EINVAL);
            free(p);
        }
    }
    json_free(&b);
    uint64_t us;
    CHECK_EQ_INT(json_time_parse("2026-01-15T18:00:00.000000+0900", 31, &us), 0);
    CHECK_EQ_INT(us, 1768467600000000ull);
    CHECK_EQ_INT(json_time_parse("2026-01-15T04:30:00.000000-0430", 31, &us), 0);
    CHECK_EQ_INT(us, 1768467600000000ull);
    static const char *const bad[] = {
        "2026-13-15T09:00:00.000000+0000", "2026-01-00T09:00:00.000000+0000",
        "2026-01-15T24:00:00.000000+0000", "2026-01-15T09:60:00.000000+0000",
        "2026-01-15 09:00:00.000000+0000", "2026-01-15T09:00:00,000000+0000",
        "2026-01-15T09:00:00.00000a+0000", "2026-01-15T09:00:00.000000Z0000",
        "1970-01-01T00:00:00.000000+0100", "x026-01-15T09:00:00.000000+0000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(json_time_parse(bad[i], strlen(bad[i]), &us), -EINVAL);
}

/* The escape of any byte alone between ASCII letters (a byte of 0x80 or
 * more is then never valid UTF-8). */
static size_t ref_escape_any(char *o, uint8_t c)
{
    if (c >= 0x80)
        return (size_t)sprintf(o, "\\u00%02x", c);
    return ref_escape(o, c);
}

/* Every byte value at every position of values of every length up to
 * three words, as a key and value pair: the same text as the byte-by-byte
 * reference. Each value is an allocation of its exact size, so that ASan
 * sees any read past its end (the writer reads short values as words). */
static void test_escape_every_byte(void)
{
    struct json_buf b;
    json_init(&b);
    char want[24 * 6 + 16];
    unsigned same = 0, n = 0;
    for (size_t len = 0; len <= 24; len++) {
        uint8_t *in = malloc(len ? len : 1);
        for (size_t at = 0; at < (len ? len : 1); at++) {
            for (unsigned c = 0; c < 256; c++) {
                size_t w = (size_t)sprintf(want, "{\"k\":\"");
                for (size_t i = 0; i < len; i++) {
                    in[i] = i == at ? (uint8_t)c : (uint8_t)('a' + i % 26);
                    w += ref_escape_any(want + w, in[i]);
                }
                w += (size_t)sprintf(want + w, "\"");
                json_reset(&b);
                json_open_object(&b, NULL);
                json_string_bytes(&b, "k", in, len);
                n++;
                same += !b.err && b.len == w && memcmp(b.p, want, w) == 0 && b.p[w] == '\0';
            }
        }
        free(in);
    }
    CHECK_EQ_INT(same, n);
    json_free(&b);
}

/* Keys of every length up to a few words, each an allocation of its exact
 * size, through every writer that takes one, after a comma and without. */
static void test_key_lengths(void)
{
    struct json_buf b;
    json_init(&b);
    for (size_t n = 0; n <= 40; n++) {
        char *key = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
            key[i] = (char)('A' + i % 26);
        key[n] = '\0';
        json_reset(&b);
        json_open_object(&b, NULL);
        json_uint(&b, key, 42);
        json_int(&b, key, -7);
        json_bool(&b, key, true);
        json_bool(&b, key, false);
        json_string(&b, key, "v");
        json_time(&b, key, 1768467600123456ull);
        json_open_array(&b, key);
        json_close_array(&b);
        json_open_object(&b, key);
        json_close_object(&b);
        json_close_object(&b);
        char want[512];
        snprintf(want, sizeof want,
                 "{\"%s\":42,\"%s\":-7,\"%s\":true,\"%s\":false,\"%s\":\"v\","
                 "\"%s\":\"2026-01-15T09:00:00.123456+0000\",\"%s\":[],\"%s\":{}}",
                 key, key, key, key, key, key, key, key);
        CHECK(!b.err);
        CHECK_EQ_STR(b.p, want);
        CHECK_EQ_INT(b.len, strlen(want));
        free(key);
    }
    json_free(&b);
}

/* Numbers at every count of digits and on each side of it, as printf
 * writes them. */
static void test_numbers(void)
{
    struct json_buf b;
    json_init(&b);
    uint64_t p = 1;
    for (int d = 0; d < 20; d++, p *= 10) {
        const uint64_t vs[] = {p - 1, p, p + 1, p * 5, p * 10 - 1};
        for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
            char want[64];
            json_reset(&b);
            json_uint(&b, NULL, vs[i]);
            snprintf(want, sizeof want, "%" PRIu64, vs[i]);
            CHECK_EQ_STR(b.p, want);
            int64_t s = (int64_t)(vs[i] >> 1);
            json_reset(&b);
            json_int(&b, NULL, -s);
            snprintf(want, sizeof want, "%" PRId64, -s);
            CHECK_EQ_STR(b.p, want);
        }
    }
    json_reset(&b);
    json_uint(&b, NULL, UINT64_MAX);
    CHECK_EQ_STR(b.p, "18446744073709551615");
    json_reset(&b);
    json_int(&b, NULL, INT64_MAX);
    CHECK_EQ_STR(b.p, "9223372036854775807");
    json_free(&b);
}

/* Appends that end at and around every size the buffer grows through:
 * the text is whole and NUL-terminated whatever the capacity was. */
static void test_growth(void)
{
    struct json_buf b;
    char pad[1200], want[2048];
    memset(pad, 'x', sizeof pad);
    for (size_t n = 480; n < sizeof pad; n++) {
        json_init(&b);
        json_open_array(&b, NULL);
        json_string_bytes(&b, NULL, (const uint8_t *)pad, n);
        json_uint(&b, NULL, 1234567);
        json_bool(&b, NULL, false);
        json_string(&b, NULL, "a\"b");
        json_time(&b, NULL, 0);
        json_close_array(&b);
        int w = snprintf(want, sizeof want,
                         "[\"%.*s\",1234567,false,\"a\\\"b\",\"1970-01-01T00:00:00.000000+0000\"]",
                         (int)n, pad);
        CHECK(!b.err);
        CHECK(b.len == (size_t)w && strlen(b.p) == b.len && memcmp(b.p, want, b.len) == 0);
        json_free(&b);
    }
}

static void test_depth_limit(void)
{
    struct json_buf b;
    json_init(&b);
    for (int i = 0; i < JSON_MAX_DEPTH + 2; i++)
        json_open_array(&b, NULL);
    CHECK(b.err);
    json_reset(&b);
    CHECK(!b.err);
    json_close_object(&b);
    CHECK(b.err);
    json_free(&b);
}

TEST_MAIN(TEST(test_object_layout), TEST(test_escaping), TEST(test_all_bytes),
          TEST(test_escape_words), TEST(test_time), TEST(test_time_civil), TEST(test_time_parse),
          TEST(test_depth_limit), TEST(test_escape_every_byte), TEST(test_key_lengths),
          TEST(test_numbers), TEST(test_growth), TEST(test_time_sequence))
