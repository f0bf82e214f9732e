/* test_stats_props.c: properties that must hold on any input, checked on many random small
 * inputs from a fixed seed: intervals contain their estimate, p-values agree with intervals,
 * segmentations cover the series, flagged points respect max_anoms, and nothing crashes. */
#include "check.h"
#include "tocsin.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

static gsl_rng *rng;

/* The exact p-value is below alpha exactly when 1 is outside the exact interval (the doubled
 * tail test matches the central Clopper-Pearson interval); likewise for the quasi-Poisson pair
 * when both windows have posts. */
static void ratio_props(void)
{
    uint64_t d0[20], d1[20];
    double e0[20], e1[20];
    int checked = 0;
    for (int rep = 0; rep < 3000; rep++) {
        size_t n0 = 1 + gsl_rng_uniform_int(rng, 20), n1 = 1 + gsl_rng_uniform_int(rng, 20);
        double mu = exp(gsl_rng_uniform(rng) * 6 - 2), R = exp(gsl_rng_uniform(rng) * 4 - 2);
        int share = gsl_rng_uniform(rng) < 0.5;
        uint64_t x0 = 0, x1 = 0;
        double E0 = 0, E1 = 0;
        for (size_t i = 0; i < n0; i++) {
            e0[i] = share ? 50 + gsl_rng_uniform(rng) * 500 : 1;
            d0[i] = gsl_ran_poisson(rng, mu * e0[i] / (share ? 100 : 1));
            x0 += d0[i];
            E0 += e0[i];
        }
        for (size_t i = 0; i < n1; i++) {
            e1[i] = share ? 50 + gsl_rng_uniform(rng) * 500 : 1;
            d1[i] = gsl_ran_poisson(rng, R * mu * e1[i] / (share ? 100 : 1));
            x1 += d1[i];
            E1 += e1[i];
        }
        tocsin_window b = {x0, E0, d0, share ? e0 : NULL, n0};
        tocsin_window a = {x1, E1, d1, share ? e1 : NULL, n1};
        tocsin_rate_ratio r;
        tocsin_status st = tocsin_rate_ratio_compute(&b, &a, 0.95, &r, NULL);
        if (x0 == 0 && x1 == 0) {
            CHECK_INT(st, TOCSIN_ERR_STATS);
            continue;
        }
        CHECK_INT(st, TOCSIN_OK);
        if (st != TOCSIN_OK)
            continue;
        checked++;
        CHECK(r.exact_low <= r.ratio && r.ratio <= r.exact_high);
        CHECK(r.ci_low <= r.ratio && r.ratio <= r.ci_high);
        CHECK(r.exact_low >= 0 && r.exact_p >= 0 && r.exact_p <= 1);
        CHECK(r.p_value >= 0 && r.p_value <= 1);
        bool outside = r.exact_low > 1 || r.exact_high < 1;
        /* equivalence up to rounding at the boundary */
        if (fabs(r.exact_p - 0.05) > 1e-9)
            CHECK(outside == (r.exact_p < 0.05));
        if (r.has_quasi && x0 > 0 && x1 > 0 && r.quasi_high > r.quasi_low) {
            bool qout = r.quasi_low > 1 || r.quasi_high < 1;
            if (fabs(r.quasi_p - 0.05) > 1e-9)
                CHECK(qout == (r.quasi_p < 0.05));
        }
        if (r.has_quasi) {
            CHECK(r.quasi_low <= r.ratio && r.ratio <= r.quasi_high);
            CHECK(r.dispersion >= 0);
        }
        /* the reported interval is at least as wide as each of the two on the log scale */
        if (r.ci_low > 0 && isfinite(r.ci_high) && r.exact_low > 0)
            CHECK(log(r.ci_high / r.ci_low) >= log(r.exact_high / r.exact_low) - 1e-12);
        /* the sentence never overflows the buffer and ends with a full stop */
        char buf[512];
        size_t len = tocsin_rate_ratio_sentence(&r, NULL, TOCSIN_VERDICT_SUPPORTED, buf, sizeof buf);
        CHECK(len < sizeof buf && buf[len - 1] == '.');
    }
    CHECK(checked > 2500);
}

/* Segmentations cover [0, n) with regimes of at least min_segment buckets; change intervals sit
 * between their neighbours and contain the change; surges start at upward changes. */
static void cpt_props(void)
{
    uint64_t y[120];
    double e[120];
    size_t surges = 0, changes = 0;
    for (int rep = 0; rep < 400; rep++) {
        size_t n = 4 + gsl_rng_uniform_int(rng, 117);
        double mu = exp(gsl_rng_uniform(rng) * 5 - 1);
        int use_e = gsl_rng_uniform(rng) < 0.5;
        for (size_t i = 0; i < n; i++) {
            if (gsl_rng_uniform(rng) < 0.05)
                mu *= exp(gsl_rng_uniform(rng) * 3 - 1.5);
            e[i] = use_e ? 1 + gsl_rng_uniform(rng) * 9 : 1;
            y[i] = gsl_ran_poisson(rng, gsl_ran_gamma(rng, 3, mu * e[i] / 3));
        }
        tocsin_cpt_opts o;
        tocsin_cpt_opts_init(&o);
        o.cost = (tocsin_cpt_cost)gsl_rng_uniform_int(rng, 4);
        if (use_e && o.cost == TOCSIN_CPT_NEGBIN)
            o.cost = TOCSIN_CPT_QUASI_POISSON;
        o.min_segment = 1 + gsl_rng_uniform_int(rng, 3);
        if (n < 2 * o.min_segment)
            continue;
        tocsin_cpt_result *r = NULL;
        tocsin_error err;
        tocsin_status st = tocsin_changepoints(y, use_e ? e : NULL, n, &o, &r, &err);
        CHECK_INT(st, TOCSIN_OK);
        if (st != TOCSIN_OK) {
            fprintf(stderr, "  %s\n", err.message);
            continue;
        }
        CHECK_INT(r->n_segments, r->n_changes + 1);
        surges += r->n_surges;
        changes += r->n_changes;
        CHECK_INT(r->segments[0].start, 0);
        CHECK_INT(r->segments[r->n_segments - 1].end, n);
        for (size_t i = 0; i < r->n_segments; i++) {
            CHECK(r->segments[i].end - r->segments[i].start >= o.min_segment);
            if (i)
                CHECK_INT(r->segments[i].start, r->segments[i - 1].end);
        }
        for (size_t j = 0; j < r->n_changes; j++) {
            const tocsin_changepoint *c = &r->changes[j];
            CHECK_INT(c->pos, r->segments[j + 1].start);
            CHECK(c->pos_low <= c->pos && c->pos <= c->pos_high);
            CHECK(c->pos_low >= r->segments[j].start + o.min_segment);
            CHECK(c->pos_high + o.min_segment <= r->segments[j + 1].end);
        }
        for (size_t s = 0; s < r->n_surges; s++) {
            const tocsin_surge *g = &r->surges[s];
            CHECK(g->start <= g->end && g->end < n);
            if (g->ongoing)
                CHECK_INT(g->end, n - 1);
            CHECK(g->rr.ratio > 1);
        }
        tocsin_cpt_result_free(r);
    }
    CHECK(surges > 50 && changes > surges); /* the properties were exercised */
}

/* Flagged points are ascending, distinct, in range, and at most max_anoms * n of them. */
static void esd_props(void)
{
    double y[24 * 6];
    size_t flagged = 0;
    for (int rep = 0; rep < 60; rep++) {
        size_t period = 4 + gsl_rng_uniform_int(rng, 20);
        size_t n = 2 * period + gsl_rng_uniform_int(rng, 24 * 6 - 2 * period + 1);
        for (size_t i = 0; i < n; i++) {
            y[i] = 10 * sin(2 * M_PI * (double)(i % period) / (double)period) +
                   gsl_ran_gaussian(rng, 1 + 3 * gsl_rng_uniform(rng));
            if (gsl_rng_uniform(rng) < 0.03)
                y[i] += 30;
            if (gsl_rng_uniform(rng) < 0.05)
                y[i] = round(y[i]); /* ties */
        }
        tocsin_esd_opts o;
        tocsin_esd_opts_init(&o, period);
        o.max_anoms = 0.02 + 0.2 * gsl_rng_uniform(rng);
        o.direction = (tocsin_esd_direction)gsl_rng_uniform_int(rng, 3);
        o.threshold = (tocsin_esd_threshold)gsl_rng_uniform_int(rng, 4);
        size_t *idx = NULL, k = 0;
        tocsin_status st = tocsin_esd_detect(y, NULL, n, &o, &idx, &k, NULL);
        if (floor((double)n * o.max_anoms) == 0) {
            CHECK_INT(st, TOCSIN_ERR_USAGE);
            continue;
        }
        CHECK_INT(st, TOCSIN_OK);
        CHECK(k <= (size_t)floor((double)n * o.max_anoms));
        flagged += k;
        for (size_t i = 0; i < k; i++) {
            CHECK(idx[i] < n);
            if (i)
                CHECK(idx[i] > idx[i - 1]);
        }
        free(idx);
    }
    CHECK(flagged > 30);
}

int main(void)
{
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    RUN(ratio_props);
    RUN(cpt_props);
    RUN(esd_props);
    gsl_rng_free(rng);
    return check_summary();
}
