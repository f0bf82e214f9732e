/* html.c: HTML escaping and term highlighting for the report and the dashboard. Post texts are
 * hostile: everything from the store goes through rp_html_escape, which leaves no character that
 * can open a tag, an entity or end an attribute value, repairs invalid UTF-8 and drops control
 * characters that HTML forbids. */
#include "report/html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tocsin_status rp_puts(tc_buf *b, const char *s)
{
    return tc_buf_append(b, s, strlen(s));
}

tocsin_status rp_printf(tc_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TOCSIN_ERR_INTERNAL;
    if ((size_t)n < sizeof small)
        return tc_buf_append(b, small, (size_t)n);
    tocsin_status rc = tc_buf_reserve(b, (size_t)n);
    if (rc != TOCSIN_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return TOCSIN_OK;
}

tocsin_status rp_html_escape(tc_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0; /* s[run..i) is plain text not yet appended */
    tocsin_status rc = TOCSIN_OK;
    while (i < n && rc == TOCSIN_OK) {
        unsigned char c = p[i];
        const char *rep = NULL;
        size_t adv = 1;
        if (c < 0x80) {
            switch (c) {
            case '&': rep = "&amp;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '"': rep = "&quot;"; break;
            case '\'': rep = "&#39;"; break;
            case '\t': case '\n': case '\r': break;
            default:
                if (c < 0x20 || c == 0x7f)
                    rep = "";
            }
        } else {
            uint32_t cp;
            adv = tc_utf8_decode(p + i, n - i, &cp);
            if (cp == 0xFFFD && !(adv == 3 && p[i] == 0xEF && p[i + 1] == 0xBF && p[i + 2] == 0xBD))
                rep = "\xEF\xBF\xBD"; /* invalid sequence */
            else if (cp >= 0x80 && cp <= 0x9F)
                rep = ""; /* C1 controls */
        }
        if (rep) {
            if (i > run)
                rc = tc_buf_append(b, s + run, i - run);
            if (rc == TOCSIN_OK && *rep)
                rc = rp_puts(b, rep);
            i += adv;
            run = i;
        } else {
            i += adv;
        }
    }
    if (rc == TOCSIN_OK && n > run)
        rc = tc_buf_append(b, s + run, n - run);
    return rc;
}

tocsin_status rp_html_escape_str(tc_buf *b, const char *s)
{
    return s ? rp_html_escape(b, s, strlen(s)) : TOCSIN_OK;
}

static int span_cmp(const void *a, const void *b)
{
    const rp_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Moves a byte offset back (start) or forward (end) off UTF-8 continuation bytes. */
static size_t char_start(const char *t, size_t len, size_t at)
{
    while (at > 0 && at < len && ((unsigned char)t[at] & 0xC0) == 0x80)
        at--;
    return at;
}

static size_t char_end(const char *t, size_t len, size_t at)
{
    while (at < len && ((unsigned char)t[at] & 0xC0) == 0x80)
        at++;
    return at;
}

tocsin_status rp_html_highlight(tc_buf *b, const char *text, size_t len, const rp_span *spans,
                                size_t n)
{
    if (!n)
        return rp_html_escape(b, text, len);
    rp_span *v = malloc(n * sizeof *v);
    if (!v)
        return TOCSIN_ERR_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t s = spans[i].start, e = spans[i].end;
        if (s >= len || e <= s)
            continue;
        if (e > len)
            e = len;
        v[m].start = char_start(text, len, s);
        v[m].end = char_end(text, len, e);
        m++;
    }
    qsort(v, m, sizeof *v, span_cmp);
    tocsin_status rc = TOCSIN_OK;
    size_t at = 0, i = 0;
    while (i < m && rc == TOCSIN_OK) {
        size_t s = v[i].start, e = v[i].end;
        for (i++; i < m && v[i].start <= e; i++) /* merge overlapping and touching spans */
            if (v[i].end > e)
                e = v[i].end;
        if (s < at)
            s = at;
        rc = rp_html_escape(b, text + at, s - at);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "<mark>");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape(b, text + s, e - s);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</mark>");
        at = e;
    }
    if (rc == TOCSIN_OK)
        rc = rp_html_escape(b, text + at, len - at);
    free(v);
    return rc;
}
