#include "cjson.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>

static int valid(const char *s)
{
    return cjson_validate((const uint8_t *)s, strlen(s)) == 0;
}

static void test_validate(void)
{
    CHECK(valid("{}"));
    CHECK(valid(" [1, -2.5e+3, true, false, null, \"x\"] "));
    CHECK(valid("{\"a\":{\"b\":[{}]}}"));
    CHECK(valid("\"\\u00e9\\ud83d\\ude00\\n\""));
    CHECK(valid("\"\xe6\x97\xa5\xe6\x9c\xac\""));
    CHECK(!valid(""));
    CHECK(!valid("{"));
    CHECK(!valid("{\"a\":}"));
    CHECK(!valid("{\"a\":1,}"));
    CHECK(!valid("[1 2]"));
    CHECK(!valid("01"));
    CHECK(!valid("1."));
    CHECK(!valid("-"));
    CHECK(!valid("tru"));
    CHECK(!valid("{} {}"));
    CHECK(!valid("\"\x01\""));             /* raw control character */
    CHECK(!valid("\"\\x\""));              /* unknown escape */
    CHECK(!valid("\"\\ud800\""));          /* lone high surrogate */
    CHECK(!valid("\"\\udc00\""));          /* lone low surrogate */
    CHECK(!valid("\"\xc0\xaf\""));         /* overlong */
    CHECK(!valid("\"\xed\xa0\x80\""));     /* surrogate in UTF-8 */
    CHECK(!valid("\"\xf4\x90\x80\x80\"")); /* above U+10FFFF */
    CHECK(!valid("\"\xe6\x97\""));         /* cut sequence */
    CHECK(cjson_validate((const uint8_t *)"{\"a\":\"\0\"}", 9) == -EINVAL);
}

static void test_depth(void)
{
    char deep[2 * (CJSON_MAX_DEPTH + 2) + 1];
    size_t n = CJSON_MAX_DEPTH + 2;
    for (size_t i = 0; i < n; i++) {
        deep[i] = '[';
        deep[2 * n - 1 - i] = ']';
    }
    deep[2 * n] = 0;
    CHECK(!valid(deep));
    CHECK(valid("[[[[[[[[[[1]]]]]]]]]]"));
}

static const char rec[] =
    "{\"timestamp\":\"2026-01-15T09:00:07.809234+0000\",\"src_ip\":\"10.0.0.1\","
    "\"alert\":{\"severity\":1,\"signature_id\":100017,\"signature\":\"Port \\\"scan\\\"\"},"
    "\"dicom\":{\"calling_ae\":\"<img src=x>\"},\"n\":-9223372036854775808,\"f\":1.5}";

static void test_find(void)
{
    struct cjson_slice v;
    const uint8_t *p = (const uint8_t *)rec;
    size_t len = strlen(rec);
    int64_t n;
    char buf[64];
    CHECK_EQ_INT(cjson_find(p, len, "alert.severity", &v), 0);
    CHECK_EQ_INT(cjson_int(v.p, v.len, &n), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(cjson_find(p, len, "alert.signature", &v), 0);
    CHECK_EQ_INT(cjson_string(v.p, v.len, buf, sizeof buf), 11);
    CHECK_EQ_STR(buf, "Port \"scan\"");
    CHECK(cjson_key_equals(p, len, "dicom.calling_ae", "<img src=x>"));
    CHECK_EQ_INT(cjson_find(p, len, "alert.nothing", &v), -ENOENT);
    CHECK_EQ_INT(cjson_find(p, len, "src_ip.x", &v), -ENOENT);
    CHECK_EQ_INT(cjson_find(p, len, "n", &v), 0);
    CHECK_EQ_INT(cjson_int(v.p, v.len, &n), 0);
    CHECK(n == INT64_MIN);
    CHECK_EQ_INT(cjson_find(p, len, "f", &v), 0);
    CHECK_EQ_INT(cjson_int(v.p, v.len, &n), -EINVAL);
    CHECK_EQ_INT(cjson_int((const uint8_t *)"9223372036854775808", 19, &n), -EINVAL);
    CHECK_EQ_INT(cjson_type_of(p, len), CJSON_OBJECT);
}

static void test_string(void)
{
    char buf[8];
    const char *s = "\"\\u00e9\\ud83d\\ude00ab\"";
    /* é (2) + 😀 (4) + "a" = 7: "b" no longer fits with the NUL */
    CHECK_EQ_INT(cjson_string((const uint8_t *)s, strlen(s), buf, 8), -ENOSPC);
    CHECK_EQ_STR(buf, "\xc3\xa9\xf0\x9f\x98\x80"
                      "a");
    char big[16];
    CHECK_EQ_INT(cjson_string((const uint8_t *)s, strlen(s), big, sizeof big), 8);
    /* cut at a character boundary */
    char small[4];
    CHECK_EQ_INT(cjson_string((const uint8_t *)s, strlen(s), small, sizeof small), -ENOSPC);
    CHECK_EQ_STR(small, "\xc3\xa9");
    CHECK_EQ_INT(cjson_string((const uint8_t *)"12", 2, big, sizeof big), -EINVAL);
}

static void test_iter(void)
{
    const char *s = "{\"ips\":[\"10.0.0.1\",\"fe80::1\"],\"x\":{}}";
    struct cjson_slice arr, k, v;
    struct cjson_iter it;
    char buf[32];
    CHECK_EQ_INT(cjson_find((const uint8_t *)s, strlen(s), "ips", &arr), 0);
    CHECK_EQ_INT(cjson_iter_init(&it, arr.p, arr.len), 0);
    CHECK_EQ_INT(cjson_iter_next(&it, &k, &v), 1);
    cjson_string(v.p, v.len, buf, sizeof buf);
    CHECK_EQ_STR(buf, "10.0.0.1");
    CHECK_EQ_INT(cjson_iter_next(&it, &k, &v), 1);
    cjson_string(v.p, v.len, buf, sizeof buf);
    CHECK_EQ_STR(buf, "fe80::1");
    CHECK_EQ_INT(cjson_iter_next(&it, &k, &v), 0);
    CHECK_EQ_INT(cjson_iter_next(&it, &k, &v), 0);
    CHECK_EQ_INT(cjson_iter_init(&it, (const uint8_t *)"[1,,2]", 6), 0);
    CHECK_EQ_INT(cjson_iter_next(&it, &k, &v), 1);
    CHECK_EQ_INT(cjson_iter_next(&it, &k, &v), -EINVAL);
    CHECK_EQ_INT(cjson_iter_init(&it, (const uint8_t *)"1", 1), -EINVAL);
}

/* Every prefix of a valid record, each in an allocation of exactly its
 * size (ASan catches a read past it): the validator refuses all but the
 * whole, and nothing reads out of bounds. */
static void test_truncation(void)
{
    size_t len = strlen(rec);
    for (size_t i = 0; i <= len; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, rec, i);
        struct cjson_slice v;
        char buf[32];
        int64_t n;
        int rc = cjson_validate(p, i);
        CHECK(i == len ? rc == 0 : rc == -EINVAL);
        if (cjson_find(p, i, "alert.signature", &v) == 0)
            cjson_string(v.p, v.len, buf, sizeof buf);
        if (cjson_find(p, i, "alert.severity", &v) == 0)
            cjson_int(v.p, v.len, &n);
        struct cjson_iter it;
        struct cjson_slice k;
        if (cjson_iter_init(&it, p, i) == 0) {
            while (cjson_iter_next(&it, &k, &v) == 1)
                ;
        }
        free(p);
    }
}

TEST_MAIN(TEST(test_validate), TEST(test_depth), TEST(test_find), TEST(test_string),
          TEST(test_iter), TEST(test_truncation))
