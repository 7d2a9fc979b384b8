#include "output/json.h"

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

TEST_MAIN(TEST(test_object_layout), TEST(test_escaping), TEST(test_all_bytes), TEST(test_time),
          TEST(test_depth_limit))
