/* nab.h: tocsin's own scorer for the Numenta Anomaly Benchmark (NAB), written from NAB's
 * documented rules (whitepaper and repository documentation), used by bench/nab_score.c and the
 * unit tests. Internal to libtocsin: not part of the public API.
 *
 * The rules, as implemented here (see nab.c for the reasoning):
 *  - A file of n rows has a probationary period of min(floor(0.15 n), 0.15 * 5000) rows; rows
 *    before it are ignored entirely (neither detections nor misses).
 *  - A row is a detection when its anomaly score >= the threshold.
 *  - Each labelled window (inclusive row range) scores the weight of its EARLIEST detection
 *    (equivalently the largest weight, since weights fall along the window), or -fn when it has
 *    none. A detection at relative position p = -(end - i + 1) / width weighs
 *    tp * sigma(p) / sigma(-1), with sigma(x) = 2 / (1 + exp(5x)) - 1 (sigma(x >= 3) = -1).
 *  - Every detection outside a window weighs fp * sigma(q), q = |i - end_prev| / (width_prev - 1)
 *    measured from the end of the closest window before it, or -fp when no window precedes it.
 *  - A corpus threshold is chosen by sweeping every distinct score value and keeping the one with
 *    the highest summed raw score; normalised = 100 (S - S_null) / (S_perfect - S_null) with
 *    S_null = -fn * windows and S_perfect = tp * windows. */
#ifndef TOCSIN_STATS_NAB_H
#define TOCSIN_STATS_NAB_H

#include "common/common.h"

typedef struct nab_costs {
    double tp, fp, fn;
} nab_costs;

/* An inclusive range of row indices [start, end], start <= end. */
typedef struct nab_window {
    size_t start, end;
} nab_window;

/* One scored file: n anomaly scores and its windows (sorted, non-overlapping). Not owned. */
typedef struct nab_series {
    const char *name;
    size_t n;
    const double *score;
    const nab_window *win;
    size_t n_win;
} nab_series;

typedef struct nab_counts {
    uint64_t tp, tn, fp, fn, total; /* row counts after probation; total = all rows (as NAB) */
    uint64_t windows, windows_hit;   /* windows with a scorable row / with a detection */
} nab_counts;

/* @return the number of probationary rows of a file with n rows. */
size_t nab_probation(size_t n);

/* NAB's scaled sigmoid of a relative position (see above). */
double nab_scaled_sigmoid(double pos);

/* Checks that the windows of s are sorted, non-overlapping and inside [0, n).
 * @return TOCSIN_OK or TOCSIN_ERR_USAGE naming s->name. */
tocsin_status nab_series_check(const nab_series *s, tocsin_error *err);

/* Fills w[0..n) with the weight of a detection at each row under costs c, and win_of[0..n) with
 * the index of the window holding the row, -1 outside windows, -2 in probation. */
void nab_row_weights(const nab_series *s, const nab_costs *c, double *w, long *win_of);

/* The raw score of one file at `threshold`; *counts (may be NULL) gets its row counts.
 * @return TOCSIN_OK, TOCSIN_ERR_NOMEM or TOCSIN_ERR_USAGE (bad windows). */
tocsin_status nab_score_at(const nab_series *s, const nab_costs *c, double threshold,
                           double *score, nab_counts *counts, tocsin_error *err);

/* Sweeps every distinct anomaly score of the whole set of files and finds the threshold that
 * maximizes the summed raw score. *threshold is +INFINITY when detecting nothing is best.
 * @return TOCSIN_OK, TOCSIN_ERR_NOMEM or TOCSIN_ERR_USAGE. */
tocsin_status nab_sweep(const nab_series *set, size_t n_set, const nab_costs *c,
                        double *threshold, double *score, tocsin_error *err);

/* @return 100 (raw - null) / (perfect - null) for n_windows windows under costs c. */
double nab_normalize(double raw, uint64_t n_windows, const nab_costs *c);

#endif
