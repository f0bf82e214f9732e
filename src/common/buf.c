/* buf.c: capped growable buffers, UTF-8 helpers and small string utilities. */
#include "common.h"

#include <stdlib.h>
#include <string.h>

void tc_buf_init(tc_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap ? cap : SIZE_MAX / 2;
}

void tc_buf_free(tc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

tocsin_status tc_buf_reserve(tc_buf *b, size_t extra)
{
    if (extra > b->cap || b->len > b->cap - extra)
        return TOCSIN_ERR_LIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return TOCSIN_OK;
    size_t n = b->alloc ? b->alloc : 256;
    while (n < need)
        n = n > SIZE_MAX / 4 ? need : n * 2;
    char *p = realloc(b->data, n);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    b->data = p;
    b->alloc = n;
    return TOCSIN_OK;
}

tocsin_status tc_buf_append(tc_buf *b, const void *p, size_t n)
{
    tocsin_status st = tc_buf_reserve(b, n);
    if (st != TOCSIN_OK)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return TOCSIN_OK;
}

tocsin_status tc_buf_putc(tc_buf *b, char c)
{
    return tc_buf_append(b, &c, 1);
}

char *tc_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

size_t tc_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2; v = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3; v = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4; v = c & 0x07; min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len < n) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return n;
}

size_t tc_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

bool tc_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = tc_utf8_decode(p + i, len - i, &cp);
        if (cp == 0xFFFD && n == 1)
            return false;
        i += n;
    }
    return true;
}

tocsin_status tc_utf8_sanitize(tc_buf *b, const char *s, size_t len, size_t *replaced)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, start = 0, rep = 0;
    tocsin_status st;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = tc_utf8_decode(p + i, len - i, &cp);
        if (cp == 0xFFFD && n == 1) {
            if ((st = tc_buf_append(b, s + start, i - start)) != TOCSIN_OK)
                return st;
            if ((st = tc_buf_append(b, "\xEF\xBF\xBD", 3)) != TOCSIN_OK)
                return st;
            rep++;
            i++;
            start = i;
            continue;
        }
        i += n;
    }
    if ((st = tc_buf_append(b, s + start, len - start)) != TOCSIN_OK)
        return st;
    if (replaced)
        *replaced += rep;
    return TOCSIN_OK;
}

bool tc_strv_eq_ci(tocsin_strv v, const char *s)
{
    size_t n = strlen(s);
    if (n != v.len)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)v.ptr[i], c = (unsigned char)s[i];
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a + 32);
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        if (a != c)
            return false;
    }
    return true;
}

int64_t tc_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void tc_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}
