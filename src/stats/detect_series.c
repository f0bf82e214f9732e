/* detect_series.c: reads a `timestamp,value` CSV series (NAB's format) row by row for the
 * streaming detector and the NAB scorer, with errors naming file:line and field. Times are parsed
 * by the read stage's tocsin_time_parse (naive times are UTC). */
#include "common/common.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERIES_MAX_LINE (1u << 20)
#define SERIES_MAX_COLS 64

struct tocsin_series_reader {
    FILE *f;
    bool own;
    char *path;
    tc_buf line;
    uint64_t lineno;
    size_t n_cols, ts_col, value_col;
};

/* Reads one line (without its end) into r->line. @return 1 for a line, 0 at the end. */
static int read_line(tocsin_series_reader *r, tocsin_status *st, tocsin_error *err)
{
    tc_buf_reset(&r->line);
    int c;
    bool any = false;
    while ((c = getc(r->f)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (r->line.len >= SERIES_MAX_LINE) {
            *st = tc_error_set(err, TOCSIN_ERR_LIMIT, r->path, r->lineno + 1, NULL,
                               "line longer than %u bytes", SERIES_MAX_LINE);
            return -1;
        }
        if ((*st = tc_buf_putc(&r->line, (char)c)) != TOCSIN_OK) {
            tc_error_set(err, *st, r->path, r->lineno + 1, NULL, "cannot hold the line");
            return -1;
        }
    }
    if (ferror(r->f)) {
        *st = tc_error_set(err, TOCSIN_ERR_IO, r->path, r->lineno + 1, NULL, "read error: %s",
                           strerror(errno));
        return -1;
    }
    if (!any)
        return 0;
    r->lineno++;
    if (r->line.len && r->line.data[r->line.len - 1] == '\r')
        r->line.data[--r->line.len] = '\0';
    return 1;
}

/* Splits the current line at commas (no quoting: series files hold no text). */
static size_t split(const tocsin_series_reader *r, tocsin_strv *f, size_t max)
{
    size_t n = 0;
    const char *p = r->line.data, *end = r->line.data + r->line.len;
    for (;;) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        const char *e = c ? c : end;
        if (n < max)
            f[n] = tc_strv(p, (size_t)(e - p));
        n++;
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

static tocsin_strv trim(tocsin_strv v)
{
    while (v.len && (v.ptr[0] == ' ' || v.ptr[0] == '\t' || v.ptr[0] == '"')) {
        v.ptr++;
        v.len--;
    }
    while (v.len && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\t' ||
                     v.ptr[v.len - 1] == '"'))
        v.len--;
    return v;
}

tocsin_status tocsin_series_open(const char *path, const char *value_column,
                                 tocsin_series_reader **out, tocsin_error *err)
{
    if (!value_column)
        value_column = "value";
    tocsin_series_reader *r = calloc(1, sizeof *r);
    if (!r)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, path, 0, NULL, "out of memory");
    tocsin_status st = TOCSIN_OK;
    tc_buf_init(&r->line, SERIES_MAX_LINE + 16);
    r->path = tc_strndup(path, strlen(path));
    if (!r->path) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, path, 0, NULL, "out of memory");
        goto fail;
    }
    if (!strcmp(path, "-")) {
        r->f = stdin;
    } else {
        r->f = fopen(path, "rb");
        if (!r->f) {
            st = tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL, "cannot open: %s",
                              strerror(errno));
            goto fail;
        }
        r->own = true;
    }
    int got = read_line(r, &st, err);
    if (got < 0)
        goto fail;
    if (got == 0) {
        st = tc_error_set(err, TOCSIN_ERR_FORMAT, path, 0, NULL,
                          "empty file: expected a header line \"timestamp,%s\"", value_column);
        goto fail;
    }
    /* A UTF-8 byte-order mark before the header is tolerated. */
    if (r->line.len >= 3 && !memcmp(r->line.data, "\xEF\xBB\xBF", 3)) {
        memmove(r->line.data, r->line.data + 3, r->line.len - 2);
        r->line.len -= 3;
    }
    tocsin_strv cols[SERIES_MAX_COLS];
    size_t n = split(r, cols, SERIES_MAX_COLS);
    if (n > SERIES_MAX_COLS) {
        st = tc_error_set(err, TOCSIN_ERR_FORMAT, path, 1, NULL, "more than %d columns",
                          SERIES_MAX_COLS);
        goto fail;
    }
    r->n_cols = n;
    r->ts_col = r->value_col = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        tocsin_strv c = trim(cols[i]);
        if (r->ts_col == SIZE_MAX && tc_strv_eq_ci(c, "timestamp"))
            r->ts_col = i;
        else if (r->value_col == SIZE_MAX && tc_strv_eq_ci(c, value_column))
            r->value_col = i;
    }
    if (r->ts_col == SIZE_MAX || r->value_col == SIZE_MAX) {
        st = tc_error_set(err, TOCSIN_ERR_FORMAT, path, 1, "header",
                          "expected columns \"timestamp\" and \"%s\" (got \"%.200s\")",
                          value_column, r->line.data);
        goto fail;
    }
    *out = r;
    return TOCSIN_OK;
fail:
    tocsin_series_free(r);
    return st;
}

tocsin_status tocsin_series_next(tocsin_series_reader *r, tocsin_series_row *row, int *got,
                                 tocsin_error *err)
{
    tocsin_status st = TOCSIN_OK;
    for (;;) {
        int g = read_line(r, &st, err);
        if (g < 0)
            return st;
        if (g == 0) {
            *got = 0;
            return TOCSIN_OK;
        }
        size_t i = 0;
        while (i < r->line.len && (r->line.data[i] == ' ' || r->line.data[i] == '\t'))
            i++;
        if (i < r->line.len)
            break; /* not blank */
    }
    tocsin_strv f[SERIES_MAX_COLS];
    size_t n = split(r, f, SERIES_MAX_COLS);
    if (n != r->n_cols)
        return tc_error_set(err, TOCSIN_ERR_PARSE, r->path, r->lineno, NULL,
                            "%zu fields, the header has %zu", n, r->n_cols);
    tocsin_strv ts = trim(f[r->ts_col]), val = trim(f[r->value_col]);
    int64_t t;
    if (tocsin_time_parse(ts.ptr, ts.len, NULL, &t) != TOCSIN_OK)
        return tc_error_set(err, TOCSIN_ERR_PARSE, r->path, r->lineno, "timestamp",
                            "\"%.*s\" is not a time (\"YYYY-MM-DD HH:MM:SS\", ISO-8601 or epoch)",
                            (int)(ts.len > 80 ? 80 : ts.len), ts.ptr);
    char num[64];
    if (val.len == 0 || val.len >= sizeof num)
        return tc_error_set(err, TOCSIN_ERR_PARSE, r->path, r->lineno, "value",
                            val.len ? "number too long" : "empty value");
    memcpy(num, val.ptr, val.len);
    num[val.len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(num, &end);
    if (end != num + val.len || !isfinite(v))
        return tc_error_set(err, TOCSIN_ERR_PARSE, r->path, r->lineno, "value",
                            "\"%s\" is not a finite number", num);
    row->ts = t;
    row->value = v;
    row->ts_text = ts;
    row->value_text = val;
    row->line = r->lineno;
    *got = 1;
    return TOCSIN_OK;
}

void tocsin_series_free(tocsin_series_reader *r)
{
    if (!r)
        return;
    if (r->own && r->f)
        fclose(r->f);
    tc_buf_free(&r->line);
    free(r->path);
    free(r);
}
