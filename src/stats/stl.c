/* stl.c: STL, the seasonal-trend decomposition by loess.
 *
 * Method (Cleveland, Cleveland, McRae & Terpenning, "STL: A Seasonal-Trend Decomposition
 * Procedure Based on Loess", Journal of Official Statistics 6(1), 1990). A series y of period np
 * is split into seasonal + trend + remainder by two nested loops:
 *
 *   inner loop (run `inner` times), with the current trend T:
 *     1. detrend: y - T;
 *     2. cycle-subseries smoothing: each of the np subseries (all values at one position of the
 *        cycle) is smoothed by loess (window ns, degree isdeg) and extrapolated one step at each
 *        end, giving a series C of length n + 2 np;
 *     3. low-pass filter of C: moving averages of length np, np, 3, then loess (nl, ildeg),
 *        giving L of length n;
 *     4. seasonal S = C[np .. np + n) - L (the low-pass removes what leaked from the trend);
 *     5. deseasonalise y - S and smooth it by loess (nt, itdeg): the new trend T.
 *   outer loop (run `outer` times after the first pass): robustness weights from the remainder
 *     r = y - S - T: rho = bisquare(|r| / (6 median|r|)), used by the loess fits of steps 2 and 5.
 *
 * Loess here is the paper's local fit at integer positions: tricube weights over the `len`
 * nearest points (when len exceeds the series, the bandwidth grows by (len - n) / 2), times the
 * robustness weights, degree 0 (weighted mean) or 1 (weighted line). To save time it is evaluated
 * every `jump` points and linearly interpolated in between, always at the last point, exactly as
 * the paper's implementation does; results therefore match other faithful implementations (R's
 * stl()) to rounding, which the seasonal-hybrid ESD conformance test relies on.
 *
 * "Periodic" seasonality (s.window = "periodic" in R) is a very wide degree-0 subseries window
 * (10 n + 1) followed by replacing each seasonal value by the mean of its cycle position.
 *
 * Positions inside the loess routines are 1-based, as in the paper, so that the arithmetic (and
 * its rounding) is the published one. */
#include "stats/stats_int.h"

#include <math.h>
#include <stdlib.h>

typedef struct stl_params {
    size_t np, ns, nt, nl;
    int isdeg, itdeg, ildeg;
    size_t nsjump, ntjump, nljump;
} stl_params;

/* Loess fit at position xs from y[nleft..nright] (1-based). w is scratch of n. @return false when
 * every weight is zero (the caller then keeps the data value). */
static bool stl_est(const double *y, size_t n, size_t len, int ideg, double xs, double *ys,
                    size_t nleft, size_t nright, double *w, bool userw, const double *rw)
{
    double range = (double)n - 1.0;
    double h = fmax(xs - (double)nleft, (double)nright - xs);
    if (len > n) /* integer halving, as the published implementation does */
        h += (double)((len - n) / 2); // NOLINT(bugprone-integer-division)
    double h9 = 0.999 * h, h1 = 0.001 * h;
    double a = 0.0;
    for (size_t j = nleft; j <= nright; j++) {
        w[j - 1] = 0.0;
        double r = fabs((double)j - xs);
        if (r <= h9) {
            if (r <= h1) {
                w[j - 1] = 1.0;
            } else {
                double q = r / h;
                q = 1.0 - q * q * q;
                w[j - 1] = q * q * q;
            }
            if (userw)
                w[j - 1] *= rw[j - 1];
            a += w[j - 1];
        }
    }
    if (a <= 0.0)
        return false;
    for (size_t j = nleft; j <= nright; j++)
        w[j - 1] /= a;
    if (h > 0.0 && ideg > 0) {
        a = 0.0;
        for (size_t j = nleft; j <= nright; j++)
            a += w[j - 1] * (double)j;
        double b = xs - a, c = 0.0;
        for (size_t j = nleft; j <= nright; j++)
            c += w[j - 1] * ((double)j - a) * ((double)j - a);
        if (sqrt(c) > 0.001 * range) {
            b /= c;
            for (size_t j = nleft; j <= nright; j++)
                w[j - 1] *= b * ((double)j - a) + 1.0;
        }
    }
    double s = 0.0;
    for (size_t j = nleft; j <= nright; j++)
        s += w[j - 1] * y[j - 1];
    *ys = s;
    return true;
}

/* Loess smoothing of y[0..n) into ys[0..n), evaluated every njump points. res is scratch. */
static void stl_ess(const double *y, size_t n, size_t len, int ideg, size_t njump, bool userw,
                    const double *rw, double *ys, double *res)
{
    if (n < 2) {
        ys[0] = y[0];
        return;
    }
    size_t newnj = njump < n - 1 ? njump : n - 1;
    if (newnj < 1)
        newnj = 1;
    size_t nleft = 1, nright = n;
    if (len >= n) {
        nleft = 1;
        nright = n;
        for (size_t i = 1; i <= n; i += newnj)
            if (!stl_est(y, n, len, ideg, (double)i, &ys[i - 1], nleft, nright, res, userw, rw))
                ys[i - 1] = y[i - 1];
    } else if (newnj == 1) {
        size_t nsh = (len + 1) / 2;
        nleft = 1;
        nright = len;
        for (size_t i = 1; i <= n; i++) {
            if (i > nsh && nright != n) {
                nleft++;
                nright++;
            }
            if (!stl_est(y, n, len, ideg, (double)i, &ys[i - 1], nleft, nright, res, userw, rw))
                ys[i - 1] = y[i - 1];
        }
    } else {
        size_t nsh = (len + 1) / 2;
        for (size_t i = 1; i <= n; i += newnj) {
            if (i < nsh) {
                nleft = 1;
                nright = len;
            } else if (i >= n - nsh + 1) {
                nleft = n - len + 1;
                nright = n;
            } else {
                nleft = i - nsh + 1;
                nright = len + i - nsh;
            }
            if (!stl_est(y, n, len, ideg, (double)i, &ys[i - 1], nleft, nright, res, userw, rw))
                ys[i - 1] = y[i - 1];
        }
    }
    if (newnj != 1) {
        for (size_t i = 1; i + newnj <= n; i += newnj) {
            double delta = (ys[i + newnj - 1] - ys[i - 1]) / (double)newnj;
            for (size_t j = i + 1; j <= i + newnj - 1; j++)
                ys[j - 1] = ys[i - 1] + delta * (double)(j - i);
        }
        size_t k = ((n - 1) / newnj) * newnj + 1;
        if (k != n) {
            if (!stl_est(y, n, len, ideg, (double)n, &ys[n - 1], nleft, nright, res, userw, rw))
                ys[n - 1] = y[n - 1];
            if (k != n - 1) {
                double delta = (ys[n - 1] - ys[k - 1]) / (double)(n - k);
                for (size_t j = k + 1; j <= n - 1; j++)
                    ys[j - 1] = ys[k - 1] + delta * (double)(j - k);
            }
        }
    }
}

/* Moving average of length len over x[0..n) into ave[0..n-len+1). */
static void stl_ma(const double *x, size_t n, size_t len, double *ave)
{
    size_t newn = n - len + 1;
    double flen = (double)len, v = 0.0;
    for (size_t i = 0; i < len; i++)
        v += x[i];
    ave[0] = v / flen;
    for (size_t j = 1, k = len, m = 0; j < newn; j++, k++, m++) {
        v = v - x[m] + x[k];
        ave[j] = v / flen;
    }
}

/* Cycle-subseries smoothing of y[0..n) into season[0..n + 2 np). w1..w4 are scratch of n + 2np. */
static void stl_ss(const double *y, size_t n, const stl_params *p, bool userw, const double *rw,
                   double *season, double *w1, double *w2, double *w3, double *w4)
{
    size_t np = p->np;
    for (size_t j = 1; j <= np; j++) {
        size_t k = (n - j) / np + 1;
        for (size_t i = 1; i <= k; i++)
            w1[i - 1] = y[(i - 1) * np + j - 1];
        if (userw)
            for (size_t i = 1; i <= k; i++)
                w3[i - 1] = rw[(i - 1) * np + j - 1];
        stl_ess(w1, k, p->ns, p->isdeg, p->nsjump, userw, w3, w2 + 1, w4);
        size_t nright = p->ns < k ? p->ns : k;
        if (!stl_est(w1, k, p->ns, p->isdeg, 0.0, &w2[0], 1, nright, w4, userw, w3))
            w2[0] = w2[1];
        size_t nleft = k >= p->ns ? k - p->ns + 1 : 1;
        if (!stl_est(w1, k, p->ns, p->isdeg, (double)(k + 1), &w2[k + 1], nleft, k, w4, userw,
                     w3))
            w2[k + 1] = w2[k];
        for (size_t m = 1; m <= k + 2; m++)
            season[(m - 1) * np + j - 1] = w2[m - 1];
    }
}

/* One pass of the inner loop, `ni` times. work is 5 arrays of n + 2 np. */
static void stl_stp(const double *y, size_t n, const stl_params *p, int ni, bool userw,
                    const double *rw, double *season, double *trend, double *work[5])
{
    size_t np = p->np;
    for (int it = 0; it < ni; it++) {
        for (size_t i = 0; i < n; i++)
            work[0][i] = y[i] - trend[i];
        stl_ss(work[0], n, p, userw, rw, work[1], work[2], work[3], work[4], season);
        /* low-pass: three moving averages of the n + 2 np subseries result, then loess */
        stl_ma(work[1], n + 2 * np, np, work[2]);
        stl_ma(work[2], n + np + 1, np, work[0]);
        stl_ma(work[0], n + 2, 3, work[2]);
        stl_ess(work[2], n, p->nl, p->ildeg, p->nljump, false, rw, work[0], work[4]);
        for (size_t i = 0; i < n; i++)
            season[i] = work[1][np + i] - work[0][i];
        for (size_t i = 0; i < n; i++)
            work[0][i] = y[i] - season[i];
        stl_ess(work[0], n, p->nt, p->itdeg, p->ntjump, userw, rw, trend, work[2]);
    }
}

/* Bisquare robustness weights of the residuals y - fit, scaled by 6 median |residual|. */
static void stl_rwt(const double *y, size_t n, const double *fit, double *rw, double *scratch)
{
    for (size_t i = 0; i < n; i++)
        scratch[i] = fabs(y[i] - fit[i]);
    /* 3 (r[mid1] + r[mid2]) with 1-based mid1 = n/2 + 1, mid2 = n - mid1 + 1: 6 x the median */
    double cmad = 6.0 * st_median_inplace(scratch, n);
    double c9 = 0.999 * cmad, c1 = 0.001 * cmad;
    for (size_t i = 0; i < n; i++) {
        double r = fabs(y[i] - fit[i]);
        if (r <= c1) {
            rw[i] = 1.0;
        } else if (r <= c9) {
            double q = r / cmad;
            q = 1.0 - q * q;
            rw[i] = q * q;
        } else {
            rw[i] = 0.0;
        }
    }
}

static size_t stl_nextodd(size_t x) { return x % 2 ? x : x + 1; }

void tocsin_stl_opts_init(tocsin_stl_opts *o, size_t period, bool periodic, bool robust)
{
    o->period = period;
    o->periodic = periodic;
    o->s_window = 0;
    o->s_degree = 0;
    o->t_degree = 1;
    o->l_degree = 1;
    o->t_window = 0;
    o->l_window = 0;
    o->s_jump = o->t_jump = o->l_jump = 0;
    o->inner = robust ? 1 : 2;
    o->outer = robust ? 15 : 0;
}

static size_t stl_ceil_div10(size_t w) { return (w + 9) / 10; }

tocsin_status tocsin_stl(const double *y, size_t n, const tocsin_stl_opts *o, double *seasonal,
                         double *trend, double *remainder, tocsin_error *err)
{
    if (!y || !o || !seasonal || !trend)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "stl", "missing argument");
    if (o->period < 2)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "period",
                            "the period must be at least 2 observations, got %zu", o->period);
    if (n / 2 < o->period)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "period",
                            "STL needs at least two periods: %zu observations for period %zu",
                            n, o->period);
    if (n > (SIZE_MAX / sizeof(double)) / 16)
        return tc_error_set(err, TOCSIN_ERR_LIMIT, NULL, 0, "stl", "series too long (%zu)", n);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "value",
                                "observation %zu is not a finite number", i + 1);
        /* sums of a window of such values would overflow */
        if (fabs(y[i]) > 1e100)
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "value",
                                "observation %zu (%g) is beyond the supported +-1e100", i + 1,
                                y[i]);
    }
    int degs[3] = {o->periodic ? 0 : o->s_degree, o->t_degree, o->l_degree};
    for (int i = 0; i < 3; i++)
        if (degs[i] != 0 && degs[i] != 1)
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "degree",
                                "loess degrees must be 0 or 1, got %d", degs[i]);
    if (o->inner < 1 || o->outer < 0)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "iterations",
                            "inner must be >= 1 and outer >= 0 (got %d, %d)", o->inner, o->outer);

    stl_params p;
    p.np = o->period;
    size_t ns = o->periodic ? 10 * n + 1 : o->s_window;
    if (!o->periodic && ns < 3)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "s_window",
                            "the seasonal window must be at least 3, got %zu", ns);
    p.isdeg = degs[0];
    p.itdeg = degs[1];
    p.ildeg = degs[2];
    size_t nt = o->t_window;
    if (!nt)
        nt = stl_nextodd((size_t)ceil(1.5 * (double)p.np / (1.0 - 1.5 / (double)ns)));
    size_t nl = o->l_window ? o->l_window : stl_nextodd(p.np);
    p.nsjump = o->s_jump ? o->s_jump : stl_ceil_div10(ns);
    p.ntjump = o->t_jump ? o->t_jump : stl_ceil_div10(nt);
    p.nljump = o->l_jump ? o->l_jump : stl_ceil_div10(nl);
    /* the original forces windows to be odd and at least 3 */
    p.ns = stl_nextodd(ns < 3 ? 3 : ns);
    p.nt = stl_nextodd(nt < 3 ? 3 : nt);
    p.nl = stl_nextodd(nl < 3 ? 3 : nl);

    size_t m = n + 2 * p.np;
    double *buf = calloc(7 * m, sizeof(double));
    if (!buf)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "stl", "out of memory");
    double *work[5] = {buf, buf + m, buf + 2 * m, buf + 3 * m, buf + 4 * m};
    double *rw = buf + 5 * m, *season = buf + 6 * m;
    for (size_t i = 0; i < n; i++)
        trend[i] = 0.0;
    bool userw = false;
    for (int k = 0;;) {
        stl_stp(y, n, &p, o->inner, userw, rw, season, trend, work);
        if (++k > o->outer)
            break;
        for (size_t i = 0; i < n; i++)
            work[0][i] = trend[i] + season[i];
        stl_rwt(y, n, work[0], rw, work[1]);
        userw = true;
    }
    if (o->periodic) {
        /* each cycle position gets the mean of its seasonal values */
        for (size_t j = 0; j < p.np; j++) {
            double s = 0.0;
            size_t c = 0;
            for (size_t i = j; i < n; i += p.np, c++)
                s += season[i];
            s /= (double)c;
            for (size_t i = j; i < n; i += p.np)
                seasonal[i] = s;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            seasonal[i] = season[i];
    }
    if (remainder)
        for (size_t i = 0; i < n; i++)
            remainder[i] = y[i] - seasonal[i] - trend[i];
    free(buf);
    return TOCSIN_OK;
}
