#include "query.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>

static int parse(const char *s, struct query *q)
{
    return query_parse((const uint8_t *)s, strlen(s), q);
}

static void test_parse(void)
{
    struct query q;
    CHECK_EQ_INT(parse("severity=1,2&rule=Port+scan&ip=10.0.0.1&&x", &q), 0);
    CHECK_EQ_INT(q.n, 4);
    CHECK_EQ_STR(query_get(&q, "severity"), "1,2");
    CHECK_EQ_STR(query_get(&q, "rule"), "Port scan");
    CHECK_EQ_STR(query_get(&q, "x"), "");
    CHECK(query_get(&q, "nothing") == NULL);
    CHECK_EQ_INT(parse("q=%E6%97%A5%3c%26", &q), 0);
    CHECK_EQ_STR(query_get(&q, "q"), "\xe6\x97\xa5<&");
    CHECK_EQ_INT(parse("", &q), 0);
    CHECK_EQ_INT(q.n, 0);
    CHECK_EQ_INT(parse("a=b=c", &q), 0);
    CHECK_EQ_STR(query_get(&q, "a"), "b=c");
}

static void test_errors(void)
{
    struct query q;
    CHECK_EQ_INT(parse("a=%zz", &q), -EINVAL);
    CHECK_EQ_INT(q.n, 0);
    CHECK_EQ_INT(parse("a=%4", &q), -EINVAL);
    CHECK_EQ_INT(parse("a=%00", &q), -EINVAL);
    CHECK_EQ_INT(parse("a=%0a", &q), -EINVAL);
    char many[256] = "";
    for (int i = 0; i <= QUERY_MAX_PARAMS; i++)
        strcat(many, "a=1&");
    CHECK_EQ_INT(parse(many, &q), -E2BIG);
    char longv[QUERY_VAL_MAX + 8] = "a=";
    memset(longv + 2, 'x', QUERY_VAL_MAX);
    longv[QUERY_VAL_MAX + 2] = 0;
    CHECK_EQ_INT(parse(longv, &q), -E2BIG);
    longv[QUERY_VAL_MAX + 1] = 0; /* exactly QUERY_VAL_MAX - 1 bytes: fits */
    CHECK_EQ_INT(parse(longv, &q), 0);
}

static void test_uint(void)
{
    struct query q;
    uint64_t v;
    parse("limit=50&bad=5x&big=99999999999999999999999&empty=", &q);
    CHECK_EQ_INT(query_uint(&q, "limit", 1, 500, 10, &v), 0);
    CHECK_EQ_INT(v, 50);
    CHECK_EQ_INT(query_uint(&q, "limit", 1, 20, 10, &v), -EINVAL);
    CHECK_EQ_INT(query_uint(&q, "bad", 0, 100, 10, &v), -EINVAL);
    CHECK_EQ_INT(query_uint(&q, "big", 0, UINT64_MAX, 10, &v), -EINVAL);
    CHECK_EQ_INT(query_uint(&q, "empty", 0, 100, 7, &v), 0);
    CHECK_EQ_INT(v, 7);
    CHECK_EQ_INT(query_uint(&q, "absent", 0, 100, 9, &v), 0);
    CHECK_EQ_INT(v, 9);
}

static void test_truncation(void)
{
    const char *s =
        "severity=1%2C2&rule=%E3%83%9D%E3%83%BC%E3%83%88&device=mac-001122334455&limit=10";
    size_t len = strlen(s);
    for (size_t i = 0; i <= len; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, s, i);
        struct query q;
        int rc = query_parse(p, i, &q);
        CHECK(rc == 0 || rc == -EINVAL);
        CHECK(q.n <= QUERY_MAX_PARAMS);
        free(p);
    }
}

TEST_MAIN(TEST(test_parse), TEST(test_errors), TEST(test_uint), TEST(test_truncation))
