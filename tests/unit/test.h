/*
 * A minimal unit-test harness: CHECK macros count failures and print
 * file:line; TEST_MAIN runs the listed test functions and exits non-zero
 * if any check failed, so meson's test() reports it.
 */
#ifndef MAMORI_TEST_H
#define MAMORI_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        test_checks++;                                                                     \
        if (!(cond)) {                                                                     \
            test_failures++;                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                  \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                 \
    do {                                                                                   \
        long long va_ = (long long)(a), vb_ = (long long)(b);                              \
        test_checks++;                                                                     \
        if (va_ != vb_) {                                                                  \
            test_failures++;                                                               \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
                    #a, va_, #b, vb_);                                                     \
        }                                                                                  \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                 \
    do {                                                                                   \
        const char *sa_ = (a), *sb_ = (b);                                                 \
        test_checks++;                                                                     \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                                       \
            test_failures++;                                                               \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__,  \
                    #a, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                       \
        }                                                                                  \
    } while (0)

typedef void (*test_fn)(void);

struct test_case {
    const char *name;
    test_fn fn;
};

#define TEST(fn) {#fn, fn}

static inline int test_run(const struct test_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int before = test_failures;
        cases[i].fn();
        printf("%s %s\n", test_failures == before ? "ok  " : "FAIL", cases[i].name);
    }
    printf("%d checks, %d failed\n", test_checks, test_failures);
    return test_failures ? 1 : 0;
}

#define TEST_MAIN(...)                                                                     \
    int main(void)                                                                         \
    {                                                                                      \
        static const struct test_case cases_[] = {__VA_ARGS__};                            \
        return test_run(cases_, sizeof cases_ / sizeof cases_[0]);                         \
    }

#endif
