/* html.h: HTML output helpers shared by `tocsin report` and `tocsin serve`: escaping of hostile
 * text (every post is hostile input) and highlighting of matched terms, into capped buffers. */
#ifndef TOCSIN_REPORT_HTML_H
#define TOCSIN_REPORT_HTML_H

#include "common/common.h"

/* A byte range [start, end) of a text to highlight (a watchlist match). */
typedef struct rp_span {
    size_t start, end;
} rp_span;

/* Appends s[0..n) to b as HTML text that is also safe inside a double- or single-quoted
 * attribute value: & < > " ' are written as entities, invalid UTF-8 becomes U+FFFD, and control
 * characters other than tab, newline and carriage return are dropped (they are invalid in HTML).
 * Errors: those of tc_buf_append (TOCSIN_ERR_NOMEM, TOCSIN_ERR_LIMIT). */
tocsin_status rp_html_escape(tc_buf *b, const char *s, size_t n);

/* As rp_html_escape for a NUL-terminated string (NULL = ""). */
tocsin_status rp_html_escape_str(tc_buf *b, const char *s);

/* Appends text[0..len) escaped, with each span wrapped in <mark>...</mark>. Spans may come in any
 * order and may overlap (overlaps are merged); spans outside the text are clipped or ignored,
 * and span ends inside a UTF-8 sequence are moved outward to character boundaries, so no
 * character is split. `spans` is not modified. Errors: TOCSIN_ERR_NOMEM, TOCSIN_ERR_LIMIT. */
tocsin_status rp_html_highlight(tc_buf *b, const char *text, size_t len, const rp_span *spans,
                                size_t n);

/* Appends printf-style formatted text to b (not escaped: for markup and numbers only). */
tocsin_status rp_printf(tc_buf *b, const char *fmt, ...) TC_PRINTF(2, 3);

/* Appends a NUL-terminated string as is (markup). */
tocsin_status rp_puts(tc_buf *b, const char *s);

#endif
