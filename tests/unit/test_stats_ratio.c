/* test_stats_ratio.c: the rate ratio (exact and quasi-Poisson intervals), Benjamini-Hochberg,
 * leave-one-out, verdicts and sentences. Interval limits are checked by their defining property
 * (binomial tails summed term by term here, independently of the beta functions the library
 * uses) and against hand computations. */
#include "check.h"
#include "tocsin.h"

#include <math.h>

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol) * fmax(1.0, fabs(b)))

/* P(X >= k) and P(X <= k) for X ~ Binomial(n, p), summed from the pmf with lgamma. */
static double binom_upper(int k, int n, double p)
{
    double s = 0;
    for (int i = k; i <= n; i++)
        s += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) + i * log(p) +
                 (n - i) * log1p(-p));
    return s;
}

static double binom_lower(int k, int n, double p)
{
    double s = 0;
    for (int i = 0; i <= k; i++)
        s += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) + i * log(p) +
                 (n - i) * log1p(-p));
    return s;
}

static tocsin_window win(uint64_t count, double exposure)
{
    tocsin_window w = {count, exposure, NULL, NULL, 0};
    return w;
}

/* R -> p = R E1 / (R E1 + E0): at the lower limit P(X >= x1) = 0.025, at the upper
 * P(X <= x1) = 0.025. */
static void exact_limits(void)
{
    struct { int x1, x0; double e1, e0; } cases[] = {
        {10, 2, 1, 1}, {45, 30, 1000, 2000}, {3, 17, 7, 7}, {120, 15, 3.5e5, 3.1e5}, {1, 1, 1, 1},
        /* GSL's beta inverse does not converge here: the bisection fallback answers */
        {3907, 538, 56000, 56000},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tocsin_window b = win(cases[c].x0, cases[c].e0), a = win(cases[c].x1, cases[c].e1);
        tocsin_rate_ratio r;
        CHECK_INT(tocsin_rate_ratio_compute(&b, &a, 0.95, &r, NULL), TOCSIN_OK);
        int n = cases[c].x1 + cases[c].x0;
        double e1 = cases[c].e1, e0 = cases[c].e0;
        double pl = r.exact_low * e1 / (r.exact_low * e1 + e0);
        double pu = r.exact_high * e1 / (r.exact_high * e1 + e0);
        CHECK(NEAR(binom_upper(cases[c].x1, n, pl), 0.025, 1e-6));
        CHECK(NEAR(binom_lower(cases[c].x1, n, pu), 0.025, 1e-6));
        CHECK(NEAR(r.ratio, (cases[c].x1 / e1) / (cases[c].x0 / e0), 1e-12));
        CHECK(r.exact_low < r.ratio && r.ratio < r.exact_high);
        /* p-value: doubled smaller tail under p0 = E1 / (E1 + E0) */
        double p0 = e1 / (e1 + e0);
        double pv = 2 * fmin(binom_lower(cases[c].x1, n, p0), binom_upper(cases[c].x1, n, p0));
        CHECK(NEAR(r.exact_p, fmin(pv, 1.0), 1e-6));
        CHECK_INT(r.ci_method, TOCSIN_CI_EXACT_BINOMIAL);
        CHECK(!r.has_quasi);
        CHECK(r.ci_low == r.exact_low && r.ci_high == r.exact_high && r.p_value == r.exact_p);
    }
}

/* Hand computation: 10 vs 2 posts over equal exposure, ratio 5. The interval excludes 1, but
 * 1 vs 1 does not. A 99 % interval is wider than the 95 % one. */
static void exact_consistency(void)
{
    tocsin_window b = win(2, 1), a = win(10, 1);
    tocsin_rate_ratio r95, r99;
    CHECK_INT(tocsin_rate_ratio_compute(&b, &a, 0.95, &r95, NULL), TOCSIN_OK);
    CHECK_INT(tocsin_rate_ratio_compute(&b, &a, 0.99, &r99, NULL), TOCSIN_OK);
    CHECK(NEAR(r95.ratio, 5.0, 1e-12));
    CHECK(r95.exact_low > 1.0);
    CHECK(r95.exact_p < 0.05);
    CHECK(r99.exact_low < r95.exact_low && r99.exact_high > r95.exact_high);
    tocsin_window one = win(1, 1);
    CHECK_INT(tocsin_rate_ratio_compute(&one, &one, 0, &r95, NULL), TOCSIN_OK);
    CHECK(r95.exact_low < 1.0 && r95.exact_high > 1.0);
    CHECK(NEAR(r95.exact_p, 1.0, 1e-12));
    CHECK(NEAR(r95.level, 0.95, 1e-12));
}

static void exact_edges(void)
{
    tocsin_rate_ratio r;
    tocsin_window zero = win(0, 10), some = win(7, 10);
    CHECK_INT(tocsin_rate_ratio_compute(&zero, &some, 0.95, &r, NULL), TOCSIN_OK);
    CHECK(isinf(r.ratio) && isinf(r.ci_high) && isinf(r.exact_high));
    CHECK(r.ci_low > 0);
    /* lower limit: P(X >= 7 | n = 7, p) = p^7 = 0.025 */
    double pl = pow(0.025, 1.0 / 7.0);
    CHECK(NEAR(r.ci_low, pl / (1 - pl), 1e-9));
    CHECK_INT(tocsin_rate_ratio_compute(&some, &zero, 0.95, &r, NULL), TOCSIN_OK);
    CHECK(r.ratio == 0.0 && r.ci_low == 0.0 && isfinite(r.ci_high));
    tocsin_error err;
    CHECK_INT(tocsin_rate_ratio_compute(&zero, &zero, 0.95, &r, &err), TOCSIN_ERR_STATS);
    CHECK(strstr(err.message, "no post") != NULL);
    tocsin_window huge = win(UINT64_MAX / 2, 1), tiny_e = win(5, 1e-300), big_e = win(5, 1e300);
    CHECK_INT(tocsin_rate_ratio_compute(&some, &huge, 0.95, &r, &err), TOCSIN_ERR_LIMIT);
    CHECK_INT(tocsin_rate_ratio_compute(&big_e, &tiny_e, 0.95, &r, &err), TOCSIN_ERR_STATS);
    CHECK(strstr(err.message, "double precision") != NULL);
    tocsin_window bad = win(3, 0);
    CHECK_INT(tocsin_rate_ratio_compute(&bad, &some, 0.95, &r, &err), TOCSIN_ERR_USAGE);
    CHECK_STR(err.field, "before");
    CHECK_INT(tocsin_rate_ratio_compute(&some, &some, 1.5, &r, &err), TOCSIN_ERR_USAGE);
    uint64_t d[3] = {1, 2, 3};
    tocsin_window wd = {7, 3, d, NULL, 3};
    CHECK_INT(tocsin_rate_ratio_compute(&some, &wd, 0.95, &r, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "sum to 6") != NULL);
    double de[3] = {1, 1, 2};
    tocsin_window we = {6, 3, d, de, 3};
    CHECK_INT(tocsin_rate_ratio_compute(&some, &we, 0.95, &r, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "exposures sum") != NULL);
}

/* Days [10,30,10,30] then [40,60,40,60], exposure = days: chi2 20 and 8, phi 20/3 and 8/3,
 * ratio 2.5, var(log ratio) = phi0/80 + phi1/200, Welch df = 3.936037. */
static void quasi_hand(void)
{
    uint64_t d0[4] = {10, 30, 10, 30}, d1[4] = {40, 60, 40, 60};
    tocsin_window b = {80, 4, d0, NULL, 4}, a = {200, 4, d1, NULL, 4};
    tocsin_rate_ratio r;
    CHECK_INT(tocsin_rate_ratio_compute(&b, &a, 0.95, &r, NULL), TOCSIN_OK);
    CHECK(r.has_quasi);
    CHECK(NEAR(r.dispersion, 28.0 / 6.0, 1e-12));
    CHECK(NEAR(r.dispersion_before, 20.0 / 3.0, 1e-12));
    CHECK(NEAR(r.dispersion_after, 8.0 / 3.0, 1e-12));
    double a0 = 20.0 / 3.0 / 80, a1 = 8.0 / 3.0 / 200, se = sqrt(a0 + a1);
    double df = (a0 + a1) * (a0 + a1) / (a0 * a0 / 3 + a1 * a1 / 3);
    CHECK(NEAR(r.df, df, 1e-12));
    CHECK(NEAR(df, 3.936037, 1e-5));
    /* t quantile at 3.936037 df: between t(0.975, 3) = 3.182446 and t(0.975, 4) = 2.776445 */
    double t = log(r.quasi_high / 2.5) / se;
    CHECK(t > 2.776445 && t < 3.182446);
    CHECK(NEAR(r.quasi_low * r.quasi_high, 2.5 * 2.5, 1e-9));
    CHECK_INT(r.ci_method, TOCSIN_CI_QUASI_POISSON);
    CHECK(r.ci_low == r.quasi_low && r.p_value == r.quasi_p);
    CHECK(r.quasi_p > r.exact_p);
    /* explicit daily exposures (share): the same counts over doubled totals give the same
     * dispersion and ratio */
    double e0[4] = {100, 100, 100, 100}, e1[4] = {100, 100, 100, 100};
    tocsin_window bs = {80, 400, d0, e0, 4}, as = {200, 400, d1, e1, 4};
    tocsin_rate_ratio rs;
    CHECK_INT(tocsin_rate_ratio_compute(&bs, &as, 0.95, &rs, NULL), TOCSIN_OK);
    CHECK(NEAR(rs.dispersion, r.dispersion, 1e-12));
    CHECK(NEAR(rs.quasi_high, r.quasi_high, 1e-12));
    /* Poisson-like days: the dispersion is small and the exact interval is reported */
    uint64_t p0[4] = {20, 20, 20, 20}, p1[4] = {50, 50, 50, 50};
    tocsin_window bp = {80, 4, p0, NULL, 4}, ap = {200, 4, p1, NULL, 4};
    CHECK_INT(tocsin_rate_ratio_compute(&bp, &ap, 0.95, &r, NULL), TOCSIN_OK);
    CHECK(r.dispersion == 0.0);
    CHECK_INT(r.ci_method, TOCSIN_CI_EXACT_BINOMIAL);
    /* a zero window with over-dispersed days: the scaled exact interval, wider than exact */
    uint64_t z[4] = {0, 0, 0, 0};
    tocsin_window bz = {0, 4, z, NULL, 4};
    CHECK_INT(tocsin_rate_ratio_compute(&bz, &a, 0.95, &r, NULL), TOCSIN_OK);
    CHECK(isinf(r.ci_high));
    CHECK(r.quasi_low < r.exact_low);
    CHECK(r.ci_low == r.quasi_low);
}

static void bh(void)
{
    double p[4] = {0.01, 0.04, 0.03, 0.005}, q[4];
    CHECK_INT(tocsin_bh_qvalues(p, 4, q, NULL), TOCSIN_OK);
    CHECK(NEAR(q[0], 0.02, 1e-12));
    CHECK(NEAR(q[1], 0.04, 1e-12));
    CHECK(NEAR(q[2], 0.04, 1e-12));
    CHECK(NEAR(q[3], 0.02, 1e-12));
    double p2[3] = {0.9, 0.5, 0.8};
    CHECK_INT(tocsin_bh_qvalues(p2, 3, p2, NULL), TOCSIN_OK); /* in place */
    CHECK(NEAR(p2[0], 0.9, 1e-12) && NEAR(p2[1], 0.9, 1e-12) && NEAR(p2[2], 0.9, 1e-12));
    double bad[2] = {0.1, NAN};
    tocsin_error err;
    CHECK_INT(tocsin_bh_qvalues(bad, 2, q, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "p-value 2") != NULL);
    CHECK_INT(tocsin_bh_qvalues(NULL, 0, NULL, NULL), TOCSIN_OK);
}

/* Three channels; channel 2 carries the surge: leaving it out brings the ratio near 1. */
static void loo(void)
{
    uint64_t cb[3] = {10, 10, 10}, ca[3] = {11, 200, 9};
    tocsin_window b = win(30, 30), a = win(220, 30);
    double lo, hi;
    CHECK_INT(tocsin_rate_ratio_loo(&b, &a, cb, ca, NULL, NULL, 3, &lo, &hi, NULL), TOCSIN_OK);
    CHECK(NEAR(lo, 20.0 / 20.0, 1e-12));
    CHECK(NEAR(hi, 211.0 / 20.0, 1e-12));
    /* with exposures: channel shares of the denominators removed too */
    double eb[3] = {10, 10, 10}, ea[3] = {10, 10, 10};
    CHECK_INT(tocsin_rate_ratio_loo(&b, &a, cb, ca, eb, ea, 3, &lo, &hi, NULL), TOCSIN_OK);
    CHECK(NEAR(lo, (20.0 / 20) / (20.0 / 20), 1e-12));
    uint64_t only[1] = {30}, onlya[1] = {220};
    CHECK_INT(tocsin_rate_ratio_loo(&b, &a, only, onlya, NULL, NULL, 1, &lo, &hi, NULL),
              TOCSIN_OK);
    CHECK(isnan(lo) && isnan(hi));
    uint64_t toomany[1] = {31};
    tocsin_error err;
    CHECK_INT(tocsin_rate_ratio_loo(&b, &a, toomany, onlya, NULL, NULL, 1, &lo, &hi, &err),
              TOCSIN_ERR_USAGE);
}

static void verdicts(void)
{
    tocsin_verdict v;
    CHECK_INT(tocsin_verdict_judge(7.8, 10.6, 8, 10, &v, NULL), TOCSIN_OK);
    CHECK_INT(v, TOCSIN_VERDICT_SUPPORTED);
    CHECK_INT(tocsin_verdict_judge(2.1, 3.4, 8, 10, &v, NULL), TOCSIN_OK);
    CHECK_INT(v, TOCSIN_VERDICT_OVERSTATED);
    CHECK_INT(tocsin_verdict_judge(12, 19, 8, 10, &v, NULL), TOCSIN_OK);
    CHECK_INT(v, TOCSIN_VERDICT_UNDERSTATED);
    CHECK_INT(tocsin_verdict_judge(0.7, 14, 8, 10, &v, NULL), TOCSIN_OK);
    CHECK_INT(v, TOCSIN_VERDICT_INCONCLUSIVE);
    CHECK_INT(tocsin_verdict_judge(3, INFINITY, 8, 10, &v, NULL), TOCSIN_OK);
    CHECK_INT(v, TOCSIN_VERDICT_SUPPORTED);
    /* a "no change" claim that includes 1 is supported by an interval around 1 */
    CHECK_INT(tocsin_verdict_judge(0.8, 1.3, 0.9, 1.1, &v, NULL), TOCSIN_OK);
    CHECK_INT(v, TOCSIN_VERDICT_SUPPORTED);
    /* boundaries: touching counts as overlap */
    CHECK_INT(tocsin_verdict_judge(5, 8, 8, 10, &v, NULL), TOCSIN_OK);
    CHECK_INT(v, TOCSIN_VERDICT_SUPPORTED);
    tocsin_error err;
    CHECK_INT(tocsin_verdict_judge(1, 2, 10, 8, &v, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_verdict_judge(1, 2, -1, 8, &v, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_verdict_judge(NAN, 2, 1, 8, &v, &err), TOCSIN_ERR_USAGE);
    CHECK_STR(tocsin_verdict_name(TOCSIN_VERDICT_INCONCLUSIVE), "inconclusive");
}

static void sentences(void)
{
    tocsin_rate_ratio r;
    memset(&r, 0, sizeof r);
    r.ratio = 9.1;
    r.ci_low = 7.8;
    r.ci_high = 10.6;
    r.level = 0.95;
    r.p_value = 1e-9;
    r.ci_method = TOCSIN_CI_QUASI_POISSON;
    char buf[400];
    double claim[2] = {8, 10};
    tocsin_rate_ratio_sentence(&r, claim, TOCSIN_VERDICT_SUPPORTED, buf, sizeof buf);
    CHECK_STR(buf, "Up 9.1-fold (95% CI 7.8 to 10.6, quasi-poisson, p < 0.001); the claim of 8 "
                   "to 10-fold is supported: the interval overlaps it.");
    r.ratio = 2.5;
    r.ci_low = 2.0;
    r.ci_high = 3.1;
    r.p_value = 0.0002;
    tocsin_rate_ratio_sentence(&r, claim, TOCSIN_VERDICT_OVERSTATED, buf, sizeof buf);
    CHECK(strstr(buf, "overstated: even the top of the interval (3.1) is below it.") != NULL);
    r.ratio = 0.5;
    r.ci_low = 0.3;
    r.ci_high = 1.4;
    r.p_value = 0.21;
    r.ci_method = TOCSIN_CI_EXACT_BINOMIAL;
    size_t n = tocsin_rate_ratio_sentence(&r, NULL, TOCSIN_VERDICT_SUPPORTED, buf, sizeof buf);
    CHECK_STR(buf, "No clear change: ratio 0.5 (95% CI 0.3 to 1.4, exact-binomial, p = 0.21).");
    CHECK_INT(n, strlen(buf));
    r.ratio = INFINITY;
    r.ci_low = 3.2;
    r.ci_high = INFINITY;
    r.p_value = 0.0004;
    tocsin_rate_ratio_sentence(&r, NULL, TOCSIN_VERDICT_SUPPORTED, buf, sizeof buf);
    CHECK_STR(buf, "Up from no posts at all (95% CI at least 3.2-fold, exact-binomial, p < 0.001).");
    r.ratio = 0;
    r.ci_low = 0;
    r.ci_high = 0.31;
    r.p_value = 0.012;
    tocsin_rate_ratio_sentence(&r, NULL, TOCSIN_VERDICT_SUPPORTED, buf, sizeof buf);
    CHECK_STR(buf, "Down to no posts at all (95% CI at most 0.31 times the earlier rate, "
                   "exact-binomial, p = 0.012).");
    r.ratio = 0.5;
    r.ci_low = 0.3;
    r.ci_high = 1.4;
    r.p_value = 0.21;
    char small[10];
    CHECK(tocsin_rate_ratio_sentence(&r, NULL, TOCSIN_VERDICT_SUPPORTED, small, sizeof small) == n);
    CHECK_INT(strlen(small), 9);
}

int main(void)
{
    RUN(exact_limits);
    RUN(exact_consistency);
    RUN(exact_edges);
    RUN(quasi_hand);
    RUN(bh);
    RUN(loo);
    RUN(verdicts);
    RUN(sentences);
    return check_summary();
}
