#include "cjson.h"
#include "jsonw.h"
#include "test.h"

#include <event2/buffer.h>
#include <stdlib.h>

/* The escaped form of s[0..len) as a NUL-terminated string (owned). */
static char *escaped(const char *s, size_t len)
{
    struct evbuffer *b = evbuffer_new();
    jsonw_str(b, s, len);
    size_t n = evbuffer_get_length(b);
    char *out = malloc(n + 1);
    evbuffer_remove(b, out, n);
    out[n] = 0;
    evbuffer_free(b);
    return out;
}

static void test_escape(void)
{
    const char *hostile = "<img src=x onerror=alert(1)>&\"\\";
    char *e = escaped(hostile, strlen(hostile));
    CHECK_EQ_STR(e, "\"\\u003cimg src=x onerror=alert(1)\\u003e\\u0026\\\"\\\\\"");
    free(e);
    e = escaped("a\nb\x01\x7f", 5);
    CHECK_EQ_STR(e, "\"a\\nb\\u0001\\u007f\"");
    free(e);
    e = escaped("\xe6\x97\xa5\xff\xc0\xaf\xe2\x80\xa8", 9);
    CHECK_EQ_STR(e, "\"\xe6\x97\xa5\\ufffd\\ufffd\\ufffd\\u2028\"");
    free(e);
    e = escaped("x\0y", 3);
    CHECK_EQ_STR(e, "\"x\\u0000y\"");
    free(e);
}

static void test_raw(void)
{
    const char *s = "{\"ae\":\"<script>&\xe2\x80\xa9\"}";
    struct evbuffer *b = evbuffer_new();
    jsonw_raw(b, (const uint8_t *)s, strlen(s));
    size_t n = evbuffer_get_length(b);
    char out[128];
    evbuffer_remove(b, out, n);
    out[n] = 0;
    CHECK_EQ_STR(out, "{\"ae\":\"\\u003cscript\\u003e\\u0026\\u2029\"}");
    CHECK(cjson_validate((const uint8_t *)out, n) == 0);
    evbuffer_free(b);
}

/* Whatever the bytes, the output is valid JSON with no '<', '>' or '&'. */
static void test_any_bytes(void)
{
    uint8_t p[64];
    uint32_t x = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % 64);
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            p[i] = (uint8_t)(x >> 16);
        }
        char *e = escaped((const char *)p, len);
        size_t n = strlen(e);
        CHECK(cjson_validate((const uint8_t *)e, n) == 0);
        CHECK(!strpbrk(e, "<>&"));
        free(e);
    }
}

TEST_MAIN(TEST(test_escape), TEST(test_raw), TEST(test_any_bytes))
