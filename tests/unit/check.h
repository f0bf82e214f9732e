/* check.h: the unit-test harness. A test is a function; it passes when none of its checks fail.
 * Data-driven tests count each case with check_case_begin/check_case_end. Every test binary ends
 * with "N passed, N failed" on a line of its own, which tests/run.sh adds up. */
#ifndef TOCSIN_CHECK_H
#define TOCSIN_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed, check_cur_failed;
static const char *check_cur_name = "";

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            check_cur_failed = 1;                                                                \
            fprintf(stderr, "  FAIL %s: %s:%d: %s\n", check_cur_name, __FILE__, __LINE__, #cond); \
        }                                                                                        \
    } while (0)

#define CHECK_INT(a, b)                                                                          \
    do {                                                                                         \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                          \
        if (check_a_ != check_b_) {                                                              \
            check_cur_failed = 1;                                                                \
            fprintf(stderr, "  FAIL %s: %s:%d: %s == %lld, expected %lld\n", check_cur_name,     \
                    __FILE__, __LINE__, #a, check_a_, check_b_);                                 \
        }                                                                                        \
    } while (0)

/* Compares a (ptr, len) string with a NUL-terminated expected one. */
#define CHECK_STRN(p, n, expect)                                                                 \
    do {                                                                                         \
        const char *check_p_ = (p), *check_e_ = (expect);                                        \
        size_t check_n_ = (n);                                                                   \
        if (check_n_ != strlen(check_e_) || (check_n_ && memcmp(check_p_, check_e_, check_n_))) { \
            check_cur_failed = 1;                                                                \
            fprintf(stderr, "  FAIL %s: %s:%d: got \"%.*s\", expected \"%s\"\n", check_cur_name, \
                    __FILE__, __LINE__, (int)check_n_, check_p_ ? check_p_ : "", check_e_);     \
        }                                                                                        \
    } while (0)

#define CHECK_STR(a, expect) CHECK_STRN((a), strlen(a), (expect))

static inline void check_case_begin(const char *name)
{
    check_cur_name = name;
    check_cur_failed = 0;
}

static inline void check_case_end(void)
{
    if (check_cur_failed) {
        check_failed++;
        fprintf(stderr, "FAIL %s\n", check_cur_name);
    } else {
        check_passed++;
    }
}

#define RUN(fn)                                                                                  \
    do {                                                                                         \
        check_case_begin(#fn);                                                                   \
        fn();                                                                                    \
        check_case_end();                                                                        \
    } while (0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
