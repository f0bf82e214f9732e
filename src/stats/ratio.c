/* ratio.c: the rate ratio of two windows with honest intervals, Benjamini-Hochberg q-values,
 * leave-one-channel-out sensitivity and the verdict on a claimed ratio.
 *
 * The question "did chatter rise eight-fold?" compares two rates: x1 topic posts against an
 * exposure E1 after, x0 against E0 before (exposure = all posts in that language and sources, so
 * the ratio is a change of share; or days, so it is a change of daily volume). Two intervals:
 *
 * Exact (conditional binomial). If x1 and x0 are Poisson with means l1 E1 and l0 E0, then given
 * their total n = x1 + x0, x1 is Binomial(n, p) with p = R E1 / (R E1 + E0), R = l1 / l0. The
 * Clopper-Pearson limits for p (beta quantiles from GSL, with bisection on GSL's beta
 * distribution where its inverse fails to converge for large counts:
 * pL = B^-1(a/2; x1, n - x1 + 1),
 * pU = B^-1(1 - a/2; x1 + 1, n - x1)) map monotonically to R = p E0 / ((1 - p) E1). When x1 = 0
 * the lower limit is 0; when x0 = 0 the upper one is infinite (and so is the ratio). The p-value
 * for R = 1 is the doubled smaller tail of Binomial(n, E1 / (E1 + E0)) at x1, capped at 1: the
 * test that matches the central interval (it rejects exactly when 1 is outside it). This is exact
 * for Poisson counts, and conservative (coverage >= nominal) for small counts. Reference: Fay,
 * "Two-sided exact tests and matching confidence intervals for discrete data", R Journal 2010;
 * Ulm, "A simple method to calculate the confidence interval of a standardized mortality ratio",
 * Am J Epidemiol 1990.
 *
 * Over-dispersed (quasi-Poisson). Real chatter is burstier than Poisson: a day's count varies
 * more than its mean. Given per-day counts y_wd and exposures t_wd in each window w, the Poisson
 * model with one rate per window fits mu_wd = t_wd x_w / E_w; the dispersion of window w is
 * Pearson's phi_w = sum_d (y_wd - mu_wd)^2 / mu_wd / (days_w - 1) (McCullagh & Nelder,
 * Generalized Linear Models, 2nd ed., section 4.5). One dispersion for both windows would be the
 * textbook quasi-Poisson model, but bursty counts are more over-dispersed at higher levels (a
 * negative binomial has phi = 1 + mu / k), so a pooled phi is too large for a quiet window and too
 * small for a surging one: in the simulations (negative binomial, size 5, ratio 8) the pooled
 * interval covers 99.0 % instead of 95 %.
 * So each window keeps its own phi_w: var(log ratio) = phi_1 / x1 + phi_0 / x0, with Student's t
 * on Welch-Satterthwaite degrees of freedom (phi is estimated; Welch, Biometrika 34, 1947), for
 * the interval and the p-value. A window with a single bucket borrows the pooled
 * phi = (chi2_0 + chi2_1) / (days - 2). When a window has no post the log scale breaks: the exact
 * interval is then recomputed on counts divided by max(pooled phi, 1) (the effective number of
 * independent posts), which keeps the zero / infinite bound and widens the other.
 *
 * Reported interval: the wider of the two on the log scale (an infinite bound counts as widest),
 * with ci_method naming it. Under Poisson data they nearly coincide; under over-dispersion the
 * exact one is far too narrow and the quasi-Poisson one is reported. The simulation tests
 * (tests/unit/test_stats_sim.c, figures in BENCHMARKS.md) check the coverage of this choice.
 *
 * Many rows at once (topics x languages) get Benjamini-Hochberg q-values (Benjamini & Hochberg,
 * JRSS B 57, 1995): q_(i) = min over j >= i of p_(j) m / j, capped at 1.
 *
 * Claims are judged against the reported interval; the rule is in the header (tocsin_verdict). */
#include "stats/stats_int.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RR_MAX_COUNT (UINT64_C(1) << 53)

const char *tocsin_ci_method_name(tocsin_ci_method m)
{
    return m == TOCSIN_CI_QUASI_POISSON ? "quasi-poisson" : "exact-binomial";
}

const char *tocsin_verdict_name(tocsin_verdict v)
{
    switch (v) {
    case TOCSIN_VERDICT_SUPPORTED: return "supported";
    case TOCSIN_VERDICT_OVERSTATED: return "overstated";
    case TOCSIN_VERDICT_UNDERSTATED: return "understated";
    case TOCSIN_VERDICT_INCONCLUSIVE: return "inconclusive";
    }
    return "unknown";
}

/* p (the binomial share of x1) to the rate ratio. */
static double rr_from_p(double p, double e1, double e0)
{
    if (p <= 0.0)
        return 0.0;
    if (p >= 1.0)
        return INFINITY;
    return p * e0 / ((1.0 - p) * e1);
}

/* Conditional-binomial interval and p-value for counts x1, x0 (real-valued, so that scaled
 * counts work: the beta forms extend the binomial to them). */
static tocsin_status rr_exact(double x1, double x0, double e1, double e0, double alpha,
                              double *lo, double *hi, double *pval, tocsin_error *err)
{
    double n = x1 + x0;
    double pl = x1 <= 0.0 ? 0.0 : st_beta_inv(alpha / 2.0, x1, n - x1 + 1.0, false);
    double pu = x0 <= 0.0 ? 1.0 : st_beta_inv(alpha / 2.0, x1 + 1.0, n - x1, true);
    double p0 = e1 / (e1 + e0);
    /* P(X <= x1) = 1 - I_p0(x1 + 1, n - x1); P(X >= x1) = I_p0(x1, n - x1 + 1) */
    double lower = x0 <= 0.0 ? 1.0 : gsl_cdf_beta_Q(p0, x1 + 1.0, n - x1);
    double upper = x1 <= 0.0 ? 1.0 : gsl_cdf_beta_P(p0, x1, n - x1 + 1.0);
    if (isnan(pl) || isnan(pu) || isnan(lower) || isnan(upper))
        return tc_error_set(err, TOCSIN_ERR_STATS, NULL, 0, "rate_ratio",
                            "the beta distribution gave no answer for counts %g and %g", x1, x0);
    double p = 2.0 * fmin(lower, upper);
    *lo = rr_from_p(pl, e1, e0);
    *hi = rr_from_p(pu, e1, e0);
    *pval = p > 1.0 ? 1.0 : p;
    return TOCSIN_OK;
}

static tocsin_status rr_check_window(const tocsin_window *w, const char *name, tocsin_error *err)
{
    if (!(w->exposure > 0.0) || !isfinite(w->exposure))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, name,
                            "the exposure must be a positive number, got %g", w->exposure);
    if (w->daily && w->n_daily) {
        uint64_t sum = 0;
        double esum = 0.0;
        for (size_t i = 0; i < w->n_daily; i++) {
            sum += w->daily[i];
            if (w->daily_exposure) {
                if (!(w->daily_exposure[i] > 0.0) || !isfinite(w->daily_exposure[i]))
                    return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, name,
                                        "bucket %zu has exposure %g; it must be positive", i + 1,
                                        w->daily_exposure[i]);
                esum += w->daily_exposure[i];
            }
        }
        if (sum != w->count)
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, name,
                                "the daily counts sum to %llu, not to the window's %llu",
                                (unsigned long long)sum, (unsigned long long)w->count);
        if (w->daily_exposure && fabs(esum - w->exposure) > 1e-6 * w->exposure)
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, name,
                                "the daily exposures sum to %g, not to the window's %g", esum,
                                w->exposure);
    }
    return TOCSIN_OK;
}

/* Pearson chi-square of the daily counts of one window around its own rate. */
static double rr_pearson(const tocsin_window *w)
{
    double rate = (double)w->count / w->exposure, chi2 = 0.0;
    if (w->count == 0)
        return 0.0;
    for (size_t i = 0; i < w->n_daily; i++) {
        double t = w->daily_exposure ? w->daily_exposure[i] : w->exposure / (double)w->n_daily;
        double mu = rate * t, d = (double)w->daily[i] - mu;
        chi2 += d * d / mu;
    }
    return chi2;
}

static double rr_logwidth(double lo, double hi)
{
    if (!(lo > 0.0) || isinf(hi))
        return INFINITY;
    return log(hi) - log(lo);
}

tocsin_status tocsin_rate_ratio_compute(const tocsin_window *before, const tocsin_window *after,
                                        double level, tocsin_rate_ratio *out, tocsin_error *err)
{
    st_gsl_init();
    if (!before || !after || !out)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "rate_ratio", "missing argument");
    if (level == 0.0)
        level = 0.95;
    if (!(level > 0.0 && level < 1.0))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "level",
                            "the confidence level must be in (0, 1), got %g", level);
    tocsin_status st = rr_check_window(before, "before", err);
    if (st == TOCSIN_OK)
        st = rr_check_window(after, "after", err);
    if (st != TOCSIN_OK)
        return st;
    if (before->count == 0 && after->count == 0)
        return tc_error_set(err, TOCSIN_ERR_STATS, NULL, 0, "rate_ratio",
                            "no post in either window: the ratio is undefined");
    /* beyond 2^53 counts are no longer exact in double precision */
    if (before->count > RR_MAX_COUNT || after->count > RR_MAX_COUNT)
        return tc_error_set(err, TOCSIN_ERR_LIMIT, NULL, 0, "rate_ratio",
                            "counts above %.0f are not supported", (double)RR_MAX_COUNT);
    double alpha = 1.0 - level;
    double x1 = (double)after->count, x0 = (double)before->count;
    double e1 = after->exposure, e0 = before->exposure;
    tocsin_rate_ratio r;
    memset(&r, 0, sizeof r);
    r.level = level;
    r.ratio = x0 > 0.0 ? (x1 / e1) / (x0 / e0) : INFINITY;
    if (x0 > 0.0 && x1 > 0.0 && !(r.ratio > 0.0 && isfinite(r.ratio)))
        return tc_error_set(err, TOCSIN_ERR_STATS, NULL, 0, "rate_ratio",
                            "the ratio %g/%g over %g/%g is beyond double precision", x1, e1, x0,
                            e0);
    st = rr_exact(x1, x0, e1, e0, alpha, &r.exact_low, &r.exact_high, &r.exact_p, err);
    if (st != TOCSIN_OK)
        return st;
    r.quasi_low = r.quasi_high = r.quasi_p = r.dispersion = NAN;
    r.dispersion_before = r.dispersion_after = NAN;
    r.df = 0.0;
    size_t n0 = before->daily ? before->n_daily : 0, n1 = after->daily ? after->n_daily : 0;
    if (n0 && n1 && n0 + n1 > 2) {
        r.has_quasi = true;
        double chi0 = rr_pearson(before), chi1 = rr_pearson(after);
        double dfp = (double)(n0 + n1 - 2);
        r.dispersion = (chi0 + chi1) / dfp;
        /* each window's own dispersion when it has the buckets for it (the variance of bursty
         * counts grows with their level, so a surge window is usually the burstier one) */
        bool own0 = n0 >= 2 && x0 > 0.0, own1 = n1 >= 2 && x1 > 0.0;
        double df0 = own0 ? (double)(n0 - 1) : dfp, df1 = own1 ? (double)(n1 - 1) : dfp;
        r.dispersion_before = own0 ? chi0 / df0 : r.dispersion;
        r.dispersion_after = own1 ? chi1 / df1 : r.dispersion;
        if (x1 > 0.0 && x0 > 0.0) {
            double a0 = r.dispersion_before / x0, a1 = r.dispersion_after / x1;
            double se = sqrt(a0 + a1);
            /* Welch-Satterthwaite degrees of freedom of the two estimated variances */
            r.df = a0 + a1 > 0.0 ? (a0 + a1) * (a0 + a1) / (a0 * a0 / df0 + a1 * a1 / df1) : dfp;
            double t = gsl_cdf_tdist_Qinv(alpha / 2.0, r.df);
            if (isnan(t))
                return tc_error_set(err, TOCSIN_ERR_STATS, NULL, 0, "rate_ratio",
                                    "no t quantile for %g df", r.df);
            double lr = log(r.ratio);
            r.quasi_low = exp(lr - t * se);
            r.quasi_high = exp(lr + t * se);
            r.quasi_p = se > 0.0 ? 2.0 * gsl_cdf_tdist_Q(fabs(lr) / se, r.df)
                                 : (lr == 0.0 ? 1.0 : 0.0);
        } else {
            r.df = dfp;
            double phi = r.dispersion > 1.0 ? r.dispersion : 1.0;
            st = rr_exact(x1 / phi, x0 / phi, e1, e0, alpha, &r.quasi_low, &r.quasi_high,
                          &r.quasi_p, err);
            if (st != TOCSIN_OK)
                return st;
        }
    }
    r.ci_method = TOCSIN_CI_EXACT_BINOMIAL;
    r.ci_low = r.exact_low;
    r.ci_high = r.exact_high;
    r.p_value = r.exact_p;
    double wq = r.has_quasi ? rr_logwidth(r.quasi_low, r.quasi_high) : 0.0;
    double we = rr_logwidth(r.exact_low, r.exact_high);
    /* both infinite (a window without posts): the wider is the one containing the other */
    bool quasi_wider = isinf(wq) && isinf(we)
                           ? r.quasi_low <= r.exact_low && r.quasi_high >= r.exact_high &&
                                 (r.quasi_low < r.exact_low || r.quasi_high > r.exact_high)
                           : wq > we;
    if (r.has_quasi && quasi_wider) {
        r.ci_method = TOCSIN_CI_QUASI_POISSON;
        r.ci_low = r.quasi_low;
        r.ci_high = r.quasi_high;
        r.p_value = r.quasi_p;
    }
    *out = r;
    return TOCSIN_OK;
}

typedef struct bh_item {
    double p;
    size_t i;
} bh_item;

static int bh_cmp(const void *a, const void *b)
{
    double x = ((const bh_item *)a)->p, y = ((const bh_item *)b)->p;
    if (x != y)
        return x < y ? -1 : 1;
    size_t i = ((const bh_item *)a)->i, j = ((const bh_item *)b)->i;
    return i < j ? -1 : i > j;
}

tocsin_status tocsin_bh_qvalues(const double *p, size_t n, double *q, tocsin_error *err)
{
    if (n == 0)
        return TOCSIN_OK;
    if (!p || !q)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "p_value", "missing argument");
    for (size_t i = 0; i < n; i++)
        if (!(p[i] >= 0.0 && p[i] <= 1.0))
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "p_value",
                                "p-value %zu is %g, outside [0, 1]", i + 1, p[i]);
    bh_item *it = malloc(n * sizeof *it);
    if (!it)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "p_value", "out of memory");
    for (size_t i = 0; i < n; i++) {
        it[i].p = p[i];
        it[i].i = i;
    }
    qsort(it, n, sizeof *it, bh_cmp);
    double run = 1.0;
    for (size_t k = n; k-- > 0;) {
        double v = it[k].p * (double)n / (double)(k + 1);
        if (v < run)
            run = v;
        it[k].p = run;
    }
    for (size_t k = 0; k < n; k++)
        q[it[k].i] = it[k].p;
    free(it);
    return TOCSIN_OK;
}

tocsin_status tocsin_rate_ratio_loo(const tocsin_window *before, const tocsin_window *after,
                                    const uint64_t *ch_before, const uint64_t *ch_after,
                                    const double *ch_exp_before, const double *ch_exp_after,
                                    size_t n_channels, double *loo_min, double *loo_max,
                                    tocsin_error *err)
{
    if (!before || !after || !loo_min || !loo_max || (n_channels && (!ch_before || !ch_after)))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "loo", "missing argument");
    double lo = NAN, hi = NAN;
    for (size_t c = 0; c < n_channels; c++) {
        if (ch_before[c] > before->count || ch_after[c] > after->count)
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "loo",
                                "channel %zu has more posts than its window", c + 1);
        double e0 = before->exposure - (ch_exp_before ? ch_exp_before[c] : 0.0);
        double e1 = after->exposure - (ch_exp_after ? ch_exp_after[c] : 0.0);
        if (e0 < 0.0 || e1 < 0.0 || isnan(e0) || isnan(e1))
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "loo",
                                "channel %zu has more exposure than its window", c + 1);
        double x0 = (double)(before->count - ch_before[c]);
        double x1 = (double)(after->count - ch_after[c]);
        if ((x0 == 0.0 && x1 == 0.0) || e0 <= 0.0 || e1 <= 0.0)
            continue; /* nothing left to compare */
        double r = x0 > 0.0 ? (x1 / e1) / (x0 / e0) : INFINITY;
        if (isnan(lo) || r < lo)
            lo = r;
        if (isnan(hi) || r > hi)
            hi = r;
    }
    *loo_min = lo;
    *loo_max = hi;
    return TOCSIN_OK;
}

tocsin_status tocsin_verdict_judge(double ci_low, double ci_high, double claim_low,
                                   double claim_high, tocsin_verdict *out, tocsin_error *err)
{
    if (!out)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "claim", "missing argument");
    if (!(claim_low > 0.0) || !(claim_high >= claim_low))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "claim",
                            "a claim is LOW..HIGH with 0 < LOW <= HIGH, got %g..%g", claim_low,
                            claim_high);
    if (!(ci_low >= 0.0) || !(ci_high >= ci_low))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "interval",
                            "bad interval %g..%g", ci_low, ci_high);
    if (ci_high < claim_low)
        *out = TOCSIN_VERDICT_OVERSTATED;
    else if (ci_low > claim_high)
        *out = TOCSIN_VERDICT_UNDERSTATED;
    else if ((claim_low > 1.0 || claim_high < 1.0) && ci_low <= 1.0 && ci_high >= 1.0)
        *out = TOCSIN_VERDICT_INCONCLUSIVE;
    else
        *out = TOCSIN_VERDICT_SUPPORTED;
    return TOCSIN_OK;
}

/* A ratio for people: 3 significant digits, no exponent. */
static void rr_num(double v, char *buf, size_t cap)
{
    if (isinf(v))
        snprintf(buf, cap, "infinity");
    else if (v >= 1000.0)
        snprintf(buf, cap, "%.0f", v);
    else if (v == 0.0)
        snprintf(buf, cap, "0");
    else
        snprintf(buf, cap, "%.3g", v);
}

size_t tocsin_rate_ratio_sentence(const tocsin_rate_ratio *rr, const double *claim,
                                  tocsin_verdict verdict, char *buf, size_t cap)
{
    char r[32], lo[32], hi[32], pv[32], cl[32], ch[32];
    rr_num(rr->ratio, r, sizeof r);
    rr_num(rr->ci_low, lo, sizeof lo);
    rr_num(rr->ci_high, hi, sizeof hi);
    if (rr->p_value < 0.001)
        snprintf(pv, sizeof pv, "p < 0.001");
    else
        snprintf(pv, sizeof pv, "p = %.2g", rr->p_value);
    int pct = (int)lround(rr->level * 100.0);
    const char *method = tocsin_ci_method_name(rr->ci_method);
    char head[256];
    if (isinf(rr->ratio))
        snprintf(head, sizeof head, "Up from no posts at all (%d%% CI at least %s-fold, %s, %s)",
                 pct, lo, method, pv);
    else if (rr->ratio == 0.0)
        snprintf(head, sizeof head,
                 "Down to no posts at all (%d%% CI at most %s times the earlier rate, %s, %s)",
                 pct, hi, method, pv);
    else if (rr->ci_low > 1.0)
        snprintf(head, sizeof head, "Up %s-fold (%d%% CI %s to %s, %s, %s)", r, pct, lo, hi,
                 method, pv);
    else if (rr->ci_high < 1.0)
        snprintf(head, sizeof head, "Down to %s times the earlier rate (%d%% CI %s to %s, %s, %s)",
                 r, pct, lo, hi, method, pv);
    else
        snprintf(head, sizeof head, "No clear change: ratio %s (%d%% CI %s to %s, %s, %s)", r, pct,
                 lo, hi, method, pv);
    if (!claim)
        return (size_t)snprintf(buf, cap, "%s.", head);
    rr_num(claim[0], cl, sizeof cl);
    rr_num(claim[1], ch, sizeof ch);
    const char *why = "";
    char tmp[96];
    switch (verdict) {
    case TOCSIN_VERDICT_SUPPORTED:
        why = "the interval overlaps it";
        break;
    case TOCSIN_VERDICT_OVERSTATED:
        snprintf(tmp, sizeof tmp, "even the top of the interval (%s) is below it", hi);
        why = tmp;
        break;
    case TOCSIN_VERDICT_UNDERSTATED:
        snprintf(tmp, sizeof tmp, "even the bottom of the interval (%s) is above it", lo);
        why = tmp;
        break;
    case TOCSIN_VERDICT_INCONCLUSIVE:
        why = "the data are also consistent with no change at all";
        break;
    }
    return (size_t)snprintf(buf, cap, "%s; the claim of %s to %s-fold is %s: %s.", head, cl, ch,
                            tocsin_verdict_name(verdict), why);
}

void tocsin_ratio_format(double v, char *buf, size_t cap)
{
    if (isnan(v))
        snprintf(buf, cap, "?");
    else if (isinf(v))
        snprintf(buf, cap, "\xe2\x88\x9e");
    else if (v >= 100)
        snprintf(buf, cap, "%.0f", v);
    else if (v >= 10)
        snprintf(buf, cap, "%.1f", v);
    else if (v >= 1)
        snprintf(buf, cap, "%.2f", v);
    else
        snprintf(buf, cap, "%.2g", v);
}
