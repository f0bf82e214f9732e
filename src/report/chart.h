/* chart.h: server-side SVG charts of the report: a topic's daily series with its changes and
 * windows marked, small multiples, and the channel coverage strip. Pure drawing: the data comes
 * in arrays, the SVG markup goes into a buffer; no store access here. */
#ifndef TOCSIN_REPORT_CHART_H
#define TOCSIN_REPORT_CHART_H

#include "common/common.h"

/* A shaded time span [from, to) in epoch seconds, with a label for its tooltip. `kind` picks the
 * style: 0 = a change (surge) with its change-time interval [lo, hi), 1 = the before window,
 * 2 = the after window. */
typedef struct rp_mark {
    int64_t from, to;
    int64_t lo, hi;
    int kind;
    char label[320];
} rp_mark;

/* One daily series chart. `posts` and `unique` are counts per day from `first` (a day start);
 * `share` is a fraction per day (NAN = no denominator). Any of the three may be NULL. */
typedef struct rp_series {
    int64_t first;
    size_t n;
    const double *posts, *unique, *share;
    const char *share_label; /* e.g. "share of unique posts" */
    const rp_mark *marks;
    size_t n_marks;
} rp_series;

/* Appends an <svg> of width w and height h (pixels; small charts leave out axis labels when
 * h < 150). Lines are <path class="s-posts|s-unique|s-share" d="...">. */
tocsin_status rp_chart_series(tc_buf *b, const rp_series *s, int w, int h, const char *title);

/* One channel's row of the coverage strip: active hours [first, last] minus its gaps. */
typedef struct rp_cov_row {
    const char *label;
    int64_t first, last;
    const int64_t *gap_from, *gap_to;
    size_t n_gaps;
    bool flagged; /* joined late or vanished */
    uint64_t posts;
} rp_cov_row;

/* Appends the coverage strip over [t0, t1) (epoch seconds). */
tocsin_status rp_chart_coverage(tc_buf *b, const rp_cov_row *rows, size_t n, int64_t t0,
                                int64_t t1, int w);

/* Writes "YYYY-MM-DD" (UTC) of t into buf (>= 11 bytes). */
void rp_day(int64_t t, char *buf, size_t cap);

#endif
