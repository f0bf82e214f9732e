/* common.h: what every stage shares inside libtocsin: error filling, capped growable buffers,
 * small string helpers. Depends on nothing but libc and the public header. */
#ifndef TOCSIN_COMMON_H
#define TOCSIN_COMMON_H

#include "tocsin.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define TC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TC_PRINTF(a, b)
#endif

/* Fills `err` (when not NULL) and returns `code`, so callers can write
 * `return tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL, "cannot open: %s", strerror(errno));`.
 * `file` and `field` may be NULL. */
tocsin_status tc_error_set(tocsin_error *err, tocsin_status code, const char *file, uint64_t line,
                           const char *field, const char *fmt, ...) TC_PRINTF(6, 7);

/* A growable byte buffer with a hard cap: growing past `cap` fails cleanly instead of eating all
 * memory (a hostile 2 GB line must give an error, not an OOM). */
typedef struct tc_buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap; /* 0 = SIZE_MAX/2 */
} tc_buf;

void tc_buf_init(tc_buf *b, size_t cap);
void tc_buf_free(tc_buf *b);
/* Ensures room for `extra` more bytes plus a NUL. @return TOCSIN_OK, TOCSIN_ERR_NOMEM or
 * TOCSIN_ERR_LIMIT (past the cap). */
tocsin_status tc_buf_reserve(tc_buf *b, size_t extra);
tocsin_status tc_buf_append(tc_buf *b, const void *p, size_t n);
tocsin_status tc_buf_putc(tc_buf *b, char c);
/* Keeps data NUL-terminated after appends (reserve always leaves room). */
static inline void tc_buf_reset(tc_buf *b) { b->len = 0; if (b->data) b->data[0] = '\0'; }

/* Duplicates n bytes into a new NUL-terminated malloc'd string; NULL on allocation failure. */
char *tc_strndup(const char *s, size_t n);

/* Decodes one UTF-8 character at s[0..len). Returns its length in bytes (1..4) and stores the code
 * point in *cp; an invalid or truncated sequence gives length 1 and *cp = 0xFFFD. len must be > 0. */
size_t tc_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* Encodes cp into out (>= 4 bytes). @return bytes written. */
size_t tc_utf8_encode(uint32_t cp, char *out);
/* @return true when s[0..len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool tc_utf8_valid(const char *s, size_t len);
/* Appends s to b with every invalid sequence replaced by U+FFFD. *replaced counts replacements. */
tocsin_status tc_utf8_sanitize(tc_buf *b, const char *s, size_t len, size_t *replaced);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31), and back: the
 * era-based conversion (400-year eras of 146097 days; years start in March so a leap day comes
 * last). No time zone state, valid for any int64 year that does not overflow. */
int64_t tc_days_from_civil(int64_t y, int m, int d);
void tc_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Lowercase ASCII compare of a view and a C string. */
bool tc_strv_eq_ci(tocsin_strv v, const char *s);
static inline tocsin_strv tc_strv(const char *p, size_t n) { tocsin_strv v = {p, n}; return v; }

#endif
