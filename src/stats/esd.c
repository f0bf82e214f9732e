/* esd.c: seasonal-hybrid ESD, spikes in seasonal series.
 *
 * Method (Hochenbaum, Vallis & Kejariwal, "Automatic Anomaly Detection in the Cloud Via
 * Statistical Learning", arXiv:1704.07706, 2017; the published implementation is Twitter's
 * AnomalyDetection R package, which tocsin's conformance test compares against):
 *
 *  1. Decompose the series with STL (stl.c) using "periodic" seasonality and robust fitting, and
 *     form the residual r = y - seasonal - median(y). The median stands in for the trend: a
 *     trend fitted by loess would follow a long anomaly and hide it, the median does not.
 *  2. Run the generalized ESD test of Rosner (Technometrics 25(2), 1983) on r with robust
 *     statistics: for i = 1..k (k = floor(max_anoms * n)) take the point farthest from the median
 *     of the points that remain, in units of their MAD (scaled by 1.4826 to estimate a normal
 *     sigma), remove it, and compare that statistic R_i with Rosner's critical value
 *        lambda_i = t (n - i) / sqrt((n - i - 1 + t^2) (n - i + 1)),
 *        t = the (1 - a) quantile of Student's t with n - i - 1 df, a = alpha / (n - i + 1)
 *     for one tail, alpha / (2 (n - i + 1)) for both. The anomalies are the first m removed
 *     points, m the largest i with R_i > lambda_i (so a masked point still counts). One-sided
 *     tests use the signed distance (above the median for "pos", below it for "neg").
 *     A constant remainder (MAD = 0) stops the test.
 *  3. Options of the published implementation: keep only anomalies at or above a threshold made
 *     of the daily maxima (their median, 95th or 99th percentile); report only the last day or
 *     hour; "piecewise median" analysis of long series in chunks (the final chunk is the last
 *     `piece` points, so every chunk has full length), anomalies of all chunks together.
 *
 * The t quantiles come from GSL. Both the median and the MAD are R's (mean of the two middle
 * values for even counts), so flagged points agree with the reference to rounding; per-case
 * agreement is measured in BENCHMARKS.md ("## Statistics"). */
#include "stats/stats_int.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void tocsin_esd_opts_init(tocsin_esd_opts *o, size_t period)
{
    memset(o, 0, sizeof *o);
    o->period = period;
    o->max_anoms = 0.1;
    o->alpha = 0.05;
    o->direction = TOCSIN_ESD_BOTH;
    o->threshold = TOCSIN_ESD_THRESH_NONE;
    o->only_last = TOCSIN_ESD_LAST_NONE;
}

typedef struct esd_item {
    double v;   /* residual */
    size_t idx; /* index into the chunk */
} esd_item;

static int esd_item_cmp(const void *a, const void *b)
{
    const esd_item *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The k-th smallest (0-based) distance from `med` among the sorted values it[lo..hi), with
 * `p` the first position whose value is >= med. The distances form two ascending runs (walking
 * left from p, and right from p), so this is the k-th of two sorted sequences: O(log n). */
static double esd_kth_dist(const esd_item *it, size_t lo, size_t p, size_t hi, double med, size_t k)
{
    size_t na = p - lo, nb = hi - p;
#define ESD_A(i) (med - it[p - 1 - (i)].v)
#define ESD_B(j) (it[p + (j)].v - med)
    size_t ilo = k + 1 > nb ? k + 1 - nb : 0, ihi = k + 1 < na ? k + 1 : na;
    while (ilo < ihi) {
        size_t i = ilo + (ihi - ilo) / 2, j = k + 1 - i;
        if (i < na && j > 0 && ESD_B(j - 1) > ESD_A(i))
            ilo = i + 1;
        else
            ihi = i;
    }
    size_t i = ilo, j = k + 1 - ilo;
    double a = i > 0 ? ESD_A(i - 1) : -INFINITY, b = j > 0 ? ESD_B(j - 1) : -INFINITY;
#undef ESD_A
#undef ESD_B
    return a > b ? a : b;
}

/* Generalized ESD on the residuals r[0..n): marks flagged[i] = 1 for the anomalies.
 *
 * The statistic is always taken by a point at one end of the sorted remaining values (the
 * largest distance from the median is the largest or the smallest value), so the values are
 * sorted once and each step only moves an end inward: the median is read off the middle, the
 * MAD is the k-th of two sorted runs of distances, and a step costs O(log n) instead of the
 * O(n) of recomputing median and MAD from scratch. Ties are broken as the reference does: among
 * equal statistics, the earliest point in time. */
static tocsin_status esd_generalized(const double *r, size_t n, size_t max_outliers,
                                     double alpha, tocsin_esd_direction dir,
                                     unsigned char *flagged, tocsin_error *err)
{
    esd_item *it = malloc(n * sizeof *it);
    size_t *removed = malloc((max_outliers ? max_outliers : 1) * sizeof *removed);
    if (!it || !removed) {
        free(it);
        free(removed);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "esd", "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        it[i].v = r[i];
        it[i].idx = i;
    }
    qsort(it, n, sizeof *it, esd_item_cmp);
    size_t lo = 0, hi = n, num_anoms = 0;
    for (size_t i = 1; i <= max_outliers && hi - lo > 2; i++) {
        size_t m = hi - lo;
        size_t mid = lo + (m - 1) / 2;
        double med = m % 2 ? it[mid].v : (it[mid].v + it[mid + 1].v) / 2.0;
        size_t p = mid; /* first position with value >= med */
        while (p > lo && it[p - 1].v >= med)
            p--;
        while (p < hi && it[p].v < med)
            p++;
        double mad = m % 2 ? esd_kth_dist(it, lo, p, hi, med, (m - 1) / 2)
                           : (esd_kth_dist(it, lo, p, hi, med, m / 2 - 1) +
                              esd_kth_dist(it, lo, p, hi, med, m / 2)) / 2.0;
        double sigma = 1.4826 * mad;
        if (sigma == 0.0)
            break;
        double a_hi = dir == TOCSIN_ESD_NEG ? -INFINITY : (it[hi - 1].v - med) / sigma;
        double a_lo = dir == TOCSIN_ESD_POS ? -INFINITY
                      : dir == TOCSIN_ESD_NEG ? (med - it[lo].v) / sigma
                                              : fabs(it[lo].v - med) / sigma;
        double best = a_hi > a_lo ? a_hi : a_lo;
        /* the earliest point among those with the best statistic: equal values sit together at
         * an end; with both ends tied, compare their earliest points */
        size_t pick = SIZE_MAX;
        bool at_top = false;
        if (a_hi == best)
            for (size_t q = hi; q-- > lo && it[q].v == it[hi - 1].v;)
                if (pick == SIZE_MAX || it[q].idx < it[pick].idx) {
                    pick = q;
                    at_top = true;
                }
        if (a_lo == best)
            for (size_t q = lo; q < hi && it[q].v == it[lo].v; q++)
                if (pick == SIZE_MAX || it[q].idx < it[pick].idx) {
                    pick = q;
                    at_top = false;
                }
        if (pick == SIZE_MAX)
            break; /* no finite statistic (cannot happen with finite residuals) */
        removed[i - 1] = it[pick].idx;
        /* equal values: swapping the pick to the end keeps the order sorted */
        size_t end = at_top ? hi - 1 : lo;
        esd_item tmp = it[pick];
        it[pick] = it[end];
        it[end] = tmp;
        if (at_top)
            hi--;
        else
            lo++;
        double nn = (double)n, ii = (double)i;
        double tail = dir == TOCSIN_ESD_BOTH ? alpha / (2.0 * (nn - ii + 1.0))
                                             : alpha / (nn - ii + 1.0);
        double t = gsl_cdf_tdist_Qinv(tail, nn - ii - 1.0);
        if (!isfinite(t)) {
            free(it);
            free(removed);
            return tc_error_set(err, TOCSIN_ERR_STATS, NULL, 0, "esd",
                                "no t quantile for tail %g with %g df", tail, nn - ii - 1.0);
        }
        double lam = t * (nn - ii) / sqrt((nn - ii - 1.0 + t * t) * (nn - ii + 1.0));
        if (best > lam)
            num_anoms = i;
    }
    for (size_t i = 0; i < num_anoms; i++)
        flagged[removed[i]] = 1;
    free(it);
    free(removed);
    return TOCSIN_OK;
}

/* Seasonal-hybrid ESD on one chunk y[0..n): sets flagged[i] for its anomalies. */
static tocsin_status esd_chunk(const double *y, size_t n, const tocsin_esd_opts *o,
                               unsigned char *flagged, tocsin_error *err)
{
    size_t max_outliers = (size_t)floor((double)n * o->max_anoms);
    if (max_outliers == 0)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "max_anoms",
                            "max_anoms %g allows no anomaly among %zu points", o->max_anoms, n);
    double *buf = malloc(3 * n * sizeof *buf);
    if (!buf)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "esd", "out of memory");
    double *seasonal = buf, *trend = buf + n, *resid = buf + 2 * n;
    tocsin_stl_opts so;
    tocsin_stl_opts_init(&so, o->period, true, true);
    tocsin_status st = tocsin_stl(y, n, &so, seasonal, trend, NULL, err);
    if (st == TOCSIN_OK) {
        memcpy(resid, y, n * sizeof *resid);
        double med = st_median_inplace(resid, n);
        for (size_t i = 0; i < n && st == TOCSIN_OK; i++) {
            resid[i] = y[i] - seasonal[i] - med;
            if (!isfinite(resid[i]))
                st = tc_error_set(err, TOCSIN_ERR_STATS, NULL, 0, "value",
                                  "the values are too large to decompose (overflow at "
                                  "observation %zu)", i + 1);
        }
        if (st == TOCSIN_OK)
            st = esd_generalized(resid, n, max_outliers, o->alpha, o->direction, flagged, err);
    }
    free(buf);
    return st;
}

static int64_t esd_day(int64_t t) { return t >= 0 ? t / 86400 : -((-t + 86399) / 86400); }

/* The threshold of the daily maxima (by UTC day with timestamps, by period without). */
static tocsin_status esd_threshold(const double *y, const int64_t *ts, size_t n,
                                   const tocsin_esd_opts *o, double *out, tocsin_error *err)
{
    double *maxs = malloc(n * sizeof *maxs);
    if (!maxs)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "esd", "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        if (ts) {
            /* R groups by calendar date, which needs no sorting as ts increases */
            while (j < n && esd_day(ts[j]) == esd_day(ts[i]))
                j++;
        } else {
            j = i + o->period < n ? i + o->period : n;
        }
        double m = y[i];
        for (size_t q = i + 1; q < j; q++)
            if (y[q] > m)
                m = y[q];
        maxs[k++] = m;
        i = j;
    }
    double p = o->threshold == TOCSIN_ESD_THRESH_MED_MAX ? 0.5
               : o->threshold == TOCSIN_ESD_THRESH_P95   ? 0.95
                                                         : 0.99;
    *out = p == 0.5 ? st_median_inplace(maxs, k) : st_quantile7_inplace(maxs, k, p);
    free(maxs);
    return TOCSIN_OK;
}

tocsin_status tocsin_esd_detect(const double *y, const int64_t *ts, size_t n,
                                const tocsin_esd_opts *o, size_t **idx, size_t *n_idx,
                                tocsin_error *err)
{
    st_gsl_init();
    if (!y || !o || !idx || !n_idx)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "esd", "missing argument");
    if (o->period < 2)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "period",
                            "the period must be at least 2 observations, got %zu", o->period);
    if (!(o->max_anoms > 0.0 && o->max_anoms <= 0.49))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "max_anoms",
                            "max_anoms must be in (0, 0.49], got %g", o->max_anoms);
    if (!(o->alpha > 0.0 && o->alpha < 1.0))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "alpha",
                            "alpha must be in (0, 1), got %g", o->alpha);
    if ((unsigned)o->direction > TOCSIN_ESD_NEG || (unsigned)o->threshold > TOCSIN_ESD_THRESH_P99 ||
        (unsigned)o->only_last > TOCSIN_ESD_LAST_HOUR)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "esd", "unknown option value");
    if (o->only_last == TOCSIN_ESD_LAST_HOUR && !ts)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "only_last",
                            "\"last hour\" needs timestamps");
    size_t piece = o->piece ? o->piece : n;
    if (piece > n)
        piece = n;
    if (piece / 2 < o->period)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "period",
                            "seasonal ESD needs at least two periods per chunk: %zu points for "
                            "period %zu", piece, o->period);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "value",
                                "observation %zu is not a finite number", i + 1);
        if (ts && i > 0 && ts[i] <= ts[i - 1])
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "timestamp",
                                "timestamps must increase (observation %zu)", i + 1);
    }

    unsigned char *flag = calloc(n, 1);
    unsigned char *cflag = calloc(piece, 1);
    if (!flag || !cflag) {
        free(flag);
        free(cflag);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "esd", "out of memory");
    }
    tocsin_status st = TOCSIN_OK;
    for (size_t start = 0; start < n && st == TOCSIN_OK; start += piece) {
        size_t s = start + piece <= n ? start : n - piece;
        memset(cflag, 0, piece);
        st = esd_chunk(y + s, piece, o, cflag, err);
        for (size_t i = 0; st == TOCSIN_OK && i < piece; i++)
            if (cflag[i])
                flag[s + i] = 1;
    }
    free(cflag);
    if (st == TOCSIN_OK && o->threshold != TOCSIN_ESD_THRESH_NONE) {
        double thresh = 0.0;
        st = esd_threshold(y, ts, n, o, &thresh, err);
        for (size_t i = 0; st == TOCSIN_OK && i < n; i++)
            if (flag[i] && !(y[i] >= thresh))
                flag[i] = 0;
    }
    if (st == TOCSIN_OK && o->only_last != TOCSIN_ESD_LAST_NONE) {
        size_t first; /* the first observation of the last day / hour */
        if (ts) {
            int64_t span = o->only_last == TOCSIN_ESD_LAST_DAY ? 86400 : 3600;
            first = n - 1;
            while (first > 0 && ts[first - 1] > ts[n - 1] - span)
                first--;
        } else {
            first = n - o->period;
        }
        memset(flag, 0, first);
    }
    size_t count = 0;
    for (size_t i = 0; st == TOCSIN_OK && i < n; i++)
        count += flag[i];
    size_t *res = NULL;
    if (st == TOCSIN_OK && count) {
        res = malloc(count * sizeof *res);
        if (!res)
            st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "esd", "out of memory");
        for (size_t i = 0, k = 0; res && i < n; i++)
            if (flag[i])
                res[k++] = i;
    }
    free(flag);
    if (st != TOCSIN_OK)
        return st;
    *idx = res;
    *n_idx = count;
    return TOCSIN_OK;
}
