/* nab.c: the Numenta Anomaly Benchmark scorer (rules in nab.h).
 *
 * Design. NAB rewards a detector for flagging each labelled anomaly window early, charges it for
 * every flagged row outside the windows, and charges a miss for each window without a flag. The
 * weight of a flag depends only on where the row sits relative to the windows, never on the
 * other flags, except that a window counts once (its best, i.e. earliest, flag). That makes the
 * threshold sweep cheap: sort all scorable rows of the corpus by anomaly score, descending, and
 * lower the threshold one distinct score at a time; each newly detected row either adds its
 * (negative) false-positive weight, or raises its window from -fn (missed) or from its previous
 * best weight to its own weight. The running total after each group of equal scores is the
 * corpus score at that threshold, and the best one wins. Everything is O(N log N) for N rows.
 *
 * Edge cases NAB's reference code leaves undefined are made explicit: a window of width 1 has no
 * "past the window" scale (width - 1 = 0), so a flag after it is scored as if far away (-fp); a
 * window lying wholly inside the probationary period is not counted at all. */
#include "stats/nab.h"

#include <math.h>
#include <stdlib.h>

size_t nab_probation(size_t n)
{
    double p = floor(0.15 * (double)n);
    if (p > 0.15 * 5000.0)
        p = 0.15 * 5000.0; /* 750: NAB caps it, comparing a float with a float */
    /* A detection at row i is scored when i >= p; p is a whole number here in both branches. */
    return (size_t)p;
}

double nab_scaled_sigmoid(double pos)
{
    if (pos >= 3.0)
        return -1.0;
    return 2.0 / (1.0 + exp(5.0 * pos)) - 1.0;
}

tocsin_status nab_series_check(const nab_series *s, tocsin_error *err)
{
    const char *name = s->name ? s->name : "";
    for (size_t k = 0; k < s->n_win; k++) {
        if (s->win[k].start > s->win[k].end || s->win[k].end >= s->n)
            return tc_error_set(err, TOCSIN_ERR_USAGE, name, 0, "window",
                                "window %zu [%zu, %zu] is empty or past the %zu rows", k,
                                s->win[k].start, s->win[k].end, s->n);
        if (k > 0 && s->win[k].start <= s->win[k - 1].end)
            return tc_error_set(err, TOCSIN_ERR_USAGE, name, 0, "window",
                                "window %zu overlaps or precedes window %zu", k, k - 1);
    }
    return TOCSIN_OK;
}

void nab_row_weights(const nab_series *s, const nab_costs *c, double *w, long *win_of)
{
    const double max_tp = nab_scaled_sigmoid(-1.0);
    size_t prob = nab_probation(s->n);
    size_t k = 0;               /* next window not yet passed */
    bool have_prev = false;     /* a window ended before the current row */
    size_t prev_end = 0, prev_width = 0;
    for (size_t i = 0; i < s->n; i++) {
        while (k < s->n_win && s->win[k].end < i) {
            have_prev = true;
            prev_end = s->win[k].end;
            prev_width = s->win[k].end - s->win[k].start + 1;
            k++;
        }
        bool inside = k < s->n_win && s->win[k].start <= i;
        if (inside) {
            double width = (double)(s->win[k].end - s->win[k].start + 1);
            double pos = -((double)(s->win[k].end - i) + 1.0) / width;
            w[i] = nab_scaled_sigmoid(pos) * c->tp / max_tp;
        } else {
            double pos = 3.0;
            if (have_prev && prev_width > 1)
                pos = (double)(i - prev_end) / (double)(prev_width - 1);
            w[i] = nab_scaled_sigmoid(pos) * c->fp;
        }
        win_of[i] = i < prob ? -2 : inside ? (long)k : -1;
    }
}

/* Scorable windows: those with at least one row at or after the probationary period. */
static uint64_t count_windows(const nab_series *s)
{
    size_t prob = nab_probation(s->n);
    uint64_t n = 0;
    for (size_t k = 0; k < s->n_win; k++)
        n += s->win[k].end >= prob;
    return n;
}

tocsin_status nab_score_at(const nab_series *s, const nab_costs *c, double threshold,
                           double *score, nab_counts *counts, tocsin_error *err)
{
    tocsin_status st = nab_series_check(s, err);
    if (st)
        return st;
    double *w = malloc((s->n ? s->n : 1) * sizeof *w);
    long *win_of = malloc((s->n ? s->n : 1) * sizeof *win_of);
    double *best = calloc(s->n_win ? s->n_win : 1, sizeof *best);
    bool *hit = calloc(s->n_win ? s->n_win : 1, sizeof *hit);
    if (!w || !win_of || !best || !hit) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, s->name, 0, NULL, "out of memory scoring");
        goto out;
    }
    nab_row_weights(s, c, w, win_of);
    nab_counts cnt = {0};
    cnt.total = s->n;
    double fp_sum = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (win_of[i] == -2)
            continue;
        bool det = s->score[i] >= threshold;
        if (win_of[i] == -1) {
            if (det) {
                cnt.fp++;
                fp_sum += w[i];
            } else {
                cnt.tn++;
            }
        } else if (det) {
            cnt.tp++;
            size_t k = (size_t)win_of[i];
            if (!hit[k] || w[i] > best[k])
                best[k] = w[i];
            hit[k] = true;
        } else {
            cnt.fn++;
        }
    }
    double total = fp_sum;
    size_t prob = nab_probation(s->n);
    for (size_t k = 0; k < s->n_win; k++) {
        if (s->win[k].end < prob)
            continue;
        cnt.windows++;
        if (hit[k]) {
            cnt.windows_hit++;
            total += best[k];
        } else {
            total -= c->fn;
        }
    }
    *score = total;
    if (counts)
        *counts = cnt;
out:
    free(w);
    free(win_of);
    free(best);
    free(hit);
    return st;
}

typedef struct sweep_pt {
    double score;  /* anomaly score */
    double weight; /* weight of a detection here */
    size_t win;    /* global window id, or SIZE_MAX outside windows */
} sweep_pt;

static int cmp_pt_desc(const void *a, const void *b)
{
    double x = ((const sweep_pt *)a)->score, y = ((const sweep_pt *)b)->score;
    return (x < y) - (x > y);
}

tocsin_status nab_sweep(const nab_series *set, size_t n_set, const nab_costs *c,
                        double *threshold, double *score, tocsin_error *err)
{
    size_t n_pts = 0, n_win = 0, max_n = 1;
    for (size_t f = 0; f < n_set; f++) {
        tocsin_status st = nab_series_check(&set[f], err);
        if (st)
            return st;
        n_pts += set[f].n;
        n_win += set[f].n_win;
        if (set[f].n > max_n)
            max_n = set[f].n;
    }
    tocsin_status st = TOCSIN_OK;
    sweep_pt *pt = malloc((n_pts ? n_pts : 1) * sizeof *pt);
    double *best = calloc(n_win ? n_win : 1, sizeof *best);
    bool *hit = calloc(n_win ? n_win : 1, sizeof *hit);
    double *w = malloc(max_n * sizeof *w);
    long *win_of = malloc(max_n * sizeof *win_of);
    if (!pt || !best || !hit || !w || !win_of) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory in the sweep");
        goto out;
    }
    size_t m = 0, win_base = 0;
    double total = 0;
    for (size_t f = 0; f < n_set; f++) {
        const nab_series *s = &set[f];
        nab_row_weights(s, c, w, win_of);
        for (size_t i = 0; i < s->n; i++) {
            if (win_of[i] == -2)
                continue;
            if (isnan(s->score[i])) {
                st = tc_error_set(err, TOCSIN_ERR_USAGE, s->name, i + 1, "anomaly_score",
                                  "not a number");
                goto out;
            }
            pt[m].score = s->score[i];
            pt[m].weight = w[i];
            pt[m].win = win_of[i] >= 0 ? win_base + (size_t)win_of[i] : SIZE_MAX;
            m++;
        }
        total -= c->fn * (double)count_windows(s);
        win_base += s->n_win;
    }
    qsort(pt, m, sizeof *pt, cmp_pt_desc);
    double best_total = total, best_thr = INFINITY;
    for (size_t i = 0; i < m;) {
        double thr = pt[i].score;
        for (; i < m && pt[i].score == thr; i++) {
            if (pt[i].win == SIZE_MAX) {
                total += pt[i].weight;
            } else if (!hit[pt[i].win]) {
                hit[pt[i].win] = true;
                best[pt[i].win] = pt[i].weight;
                total += pt[i].weight + c->fn;
            } else if (pt[i].weight > best[pt[i].win]) {
                total += pt[i].weight - best[pt[i].win];
                best[pt[i].win] = pt[i].weight;
            }
        }
        if (total > best_total) {
            best_total = total;
            best_thr = thr;
        }
    }
    *threshold = best_thr;
    *score = best_total;
out:
    free(pt);
    free(best);
    free(hit);
    free(w);
    free(win_of);
    return st;
}

double nab_normalize(double raw, uint64_t n_windows, const nab_costs *c)
{
    double null = -c->fn * (double)n_windows, perfect = c->tp * (double)n_windows;
    if (perfect == null)
        return 0.0;
    return 100.0 * (raw - null) / (perfect - null);
}
