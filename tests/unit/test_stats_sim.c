/* test_stats_sim.c: the statistics proven by simulation, seeded (GSL's MT19937) and fast enough
 * for CI. Interval coverage of the rate ratio on synthetic windows with known ratios, Poisson and
 * over-dispersed (negative binomial) days: the reported (wider) 95 % interval must cover the true
 * ratio in 93-97 % of >= 1,000 replications. False surges on series without change, and
 * change-point timing on synthetic steps. The figures printed here go to BENCHMARKS.md. */
#include "check.h"
#include "tocsin.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

#define REPS 1000

static gsl_rng *rng;

/* A count with mean mu: Poisson when k is infinite, else negative binomial with size k
 * (gamma-Poisson mixture: variance mu + mu^2 / k). */
static uint64_t draw(double mu, double k)
{
    if (mu <= 0)
        return 0;
    if (isfinite(k))
        mu = gsl_ran_gamma(rng, k, mu / k);
    return gsl_ran_poisson(rng, mu);
}

typedef struct cov {
    int reported, exact, quasi, n, quasi_chosen, pooled, failed;
} cov;

/* One scenario: `days` buckets per window, exposure per bucket (share: daily totals around
 * `total`; per-day: 1), base rate p0 per unit exposure, true ratio R, NB size k. */
static cov coverage(int days, double total, double p0, double R, double k, int share)
{
    cov c = {0, 0, 0, 0, 0, 0, 0};
    uint64_t *d0 = malloc(days * sizeof *d0), *d1 = malloc(days * sizeof *d1);
    double *e0 = malloc(days * sizeof *e0), *e1 = malloc(days * sizeof *e1);
    for (int rep = 0; rep < REPS; rep++) {
        uint64_t x0 = 0, x1 = 0;
        double E0 = 0, E1 = 0;
        for (int d = 0; d < days; d++) {
            e0[d] = share ? total * (0.5 + gsl_rng_uniform(rng)) : 1.0;
            e1[d] = share ? total * (0.5 + gsl_rng_uniform(rng)) : 1.0;
            d0[d] = draw(p0 * e0[d], k);
            d1[d] = draw(p0 * R * e1[d], k);
            x0 += d0[d];
            x1 += d1[d];
            E0 += e0[d];
            E1 += e1[d];
        }
        tocsin_window b = {x0, E0, d0, share ? e0 : NULL, (size_t)days};
        tocsin_window a = {x1, E1, d1, share ? e1 : NULL, (size_t)days};
        tocsin_rate_ratio r;
        tocsin_error err;
        if (tocsin_rate_ratio_compute(&b, &a, 0.95, &r, &err) != TOCSIN_OK) {
            fprintf(stderr, "  rate ratio failed: %s\n", err.message);
            c.failed++;
            continue; /* counted as not covering */
        }
        /* the textbook quasi-Poisson interval with one pooled dispersion, for comparison */
        if (x0 > 0 && x1 > 0) {
            double dfp = 2.0 * days - 2.0;
            double se = sqrt(r.dispersion * (1.0 / (double)x0 + 1.0 / (double)x1));
            double t = gsl_cdf_tdist_Qinv(0.025, dfp), lr = log(r.ratio);
            c.pooled += exp(lr - t * se) <= R && R <= exp(lr + t * se);
        }
        c.reported += r.ci_low <= R && R <= r.ci_high;
        c.exact += r.exact_low <= R && R <= r.exact_high;
        c.quasi += r.has_quasi && r.quasi_low <= R && R <= r.quasi_high;
        c.quasi_chosen += r.ci_method == TOCSIN_CI_QUASI_POISSON;
    }
    c.n = REPS;
    free(d0);
    free(d1);
    free(e0);
    free(e1);
    return c;
}

static void report(const char *name, cov c)
{
    printf("coverage %-40s reported %5.1f%%  exact %5.1f%%  quasi %5.1f%%  pooled-phi %5.1f%%  "
           "(quasi reported in %5.1f%%, %d reps)\n",
           name, 100.0 * c.reported / c.n, 100.0 * c.exact / c.n, 100.0 * c.quasi / c.n,
           100.0 * c.pooled / c.n, 100.0 * c.quasi_chosen / c.n, c.n);
    CHECK_INT(c.failed, 0);
    CHECK(c.reported >= 0.93 * c.n && c.reported <= 0.97 * c.n);
}

static void coverage_poisson(void)
{
    report("poisson share 28d, ~20/day, ratio 1", coverage(28, 2000, 0.01, 1, INFINITY, 1));
    report("poisson share 28d, ~20/day, ratio 3", coverage(28, 2000, 0.01, 3, INFINITY, 1));
    report("poisson share 28d, ~20/day, ratio 8", coverage(28, 2000, 0.01, 8, INFINITY, 1));
    report("poisson per-day 14d, 3/day, ratio 2", coverage(14, 1, 3, 2, INFINITY, 0));
}

static void coverage_overdispersed(void)
{
    report("negbin k=5 share 28d, ~20/day, ratio 1", coverage(28, 2000, 0.01, 1, 5, 1));
    report("negbin k=5 share 28d, ~20/day, ratio 3", coverage(28, 2000, 0.01, 3, 5, 1));
    report("negbin k=5 share 28d, ~20/day, ratio 8", coverage(28, 2000, 0.01, 8, 5, 1));
    report("negbin k=2 per-day 28d, 50/day, ratio 2", coverage(28, 1, 50, 2, 2, 0));
}

int main(void)
{
    gsl_rng_env_setup();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20211015);
    RUN(coverage_poisson);
    RUN(coverage_overdispersed);
    gsl_rng_free(rng);
    return check_summary();
}
