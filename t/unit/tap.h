/*
 * tap.h - a minimal TAP producer for the C unit tests (automake's
 * tap-driver.sh reads it). Header-only: each test program includes it once.
 */
#ifndef DS_TAP_H
#define DS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond)
        tap_failed++;
    fflush(stdout);
    return cond;
}

#define ok(cond, ...) tap_ok((cond) ? 1 : 0, __VA_ARGS__)

/* String equality with a diagnostic showing both values. */
#define is_str(got, want, ...)                                                 \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        int c_ = (g_ == NULL && w_ == NULL) ||                                 \
                 (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);            \
        if (!tap_ok(c_, __VA_ARGS__))                                          \
            printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)",     \
                   w_ ? w_ : "(null)");                                        \
    } while (0)

#define is_int(got, want, ...)                                                 \
    do {                                                                       \
        long long g_ = (long long)(got), w_ = (long long)(want);               \
        if (!tap_ok(g_ == w_, __VA_ARGS__))                                    \
            printf("#   got:  %lld\n#   want: %lld\n", g_, w_);                \
    } while (0)

static inline void tap_diag(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return 0; /* failures are reported per test line */
}

#endif
