/* test_stats_cpt.c: change points (PELT, Poisson / quasi-Poisson / negative binomial costs),
 * change-time intervals and surges on constructed series, plus bad input. Statistical behaviour
 * on random series is in test_stats_sim.c. */
#include "check.h"
#include "tocsin.h"

#include <math.h>

static tocsin_cpt_result *run(const uint64_t *y, const double *e, size_t n, tocsin_cpt_cost cost)
{
    tocsin_cpt_opts o;
    tocsin_cpt_opts_init(&o);
    o.cost = cost;
    tocsin_cpt_result *r = NULL;
    tocsin_error err;
    tocsin_status st = tocsin_changepoints(y, e, n, &o, &r, &err);
    if (st != TOCSIN_OK)
        fprintf(stderr, "  changepoints: %s\n", err.message);
    CHECK_INT(st, TOCSIN_OK);
    return r;
}

/* A clean step 10 -> 40 at 30: one change exactly there, a narrow interval, one ongoing surge
 * with ratio 4 whose interval excludes 1. */
static void step_up(void)
{
    uint64_t y[60];
    for (int i = 0; i < 60; i++)
        y[i] = i < 30 ? 10 : 40;
    for (int cost = 0; cost <= 2; cost++) {
        tocsin_cpt_result *r = run(y, NULL, 60, (tocsin_cpt_cost)cost);
        if (!r)
            continue;
        CHECK_INT(r->n_changes, 1);
        CHECK_INT(r->n_segments, 2);
        if (r->n_changes == 1) {
            CHECK_INT(r->changes[0].pos, 30);
            CHECK(r->changes[0].pos_low <= 30 && r->changes[0].pos_high >= 30);
            CHECK(r->changes[0].pos_high - r->changes[0].pos_low <= 2);
            CHECK(fabs(r->changes[0].rate_before - 10) < 1e-12);
            CHECK(fabs(r->changes[0].rate_after - 40) < 1e-12);
        }
        CHECK_INT(r->n_surges, 1);
        if (r->n_surges == 1) {
            CHECK_INT(r->surges[0].start, 30);
            CHECK(r->surges[0].ongoing);
            CHECK_INT(r->surges[0].end, 59);
            CHECK(fabs(r->surges[0].rr.ratio - 4) < 1e-12);
            CHECK(r->surges[0].rr.ci_low > 1 && r->surges[0].rr.ci_high > 4);
        }
        CHECK(fabs(r->penalty - 3 * log(60.0)) < 1e-12);
        tocsin_cpt_result_free(r);
    }
}

/* Up then down: two changes, one surge that ends before the drop. */
static void up_down(void)
{
    uint64_t y[80];
    for (int i = 0; i < 80; i++)
        y[i] = (i >= 30 && i < 50) ? 50 : 10;
    tocsin_cpt_result *r = run(y, NULL, 80, TOCSIN_CPT_POISSON);
    if (!r)
        return;
    CHECK_INT(r->n_changes, 2);
    CHECK_INT(r->n_surges, 1);
    if (r->n_surges == 1) {
        CHECK_INT(r->surges[0].start, 30);
        CHECK(!r->surges[0].ongoing);
        CHECK_INT(r->surges[0].end, 49);
    }
    CHECK(r->dispersion == 1.0);
    CHECK(isinf(r->nb_size));
    tocsin_cpt_result_free(r);
}

/* A constant share of a changing denominator is no change with exposures, and changes without. */
static void share_exposure(void)
{
    uint64_t y[60];
    double e[60];
    for (int i = 0; i < 60; i++) {
        e[i] = i < 20 ? 1000 : i < 40 ? 3000 : 1500;
        y[i] = (uint64_t)(e[i] / 50);
    }
    tocsin_cpt_result *r = run(y, e, 60, TOCSIN_CPT_QUASI_POISSON);
    if (r) {
        CHECK_INT(r->n_changes, 0);
        CHECK_INT(r->n_surges, 0);
        CHECK_INT(r->n_segments, 1);
        CHECK(fabs(r->segments[0].rate - 0.02) < 1e-12);
        tocsin_cpt_result_free(r);
    }
    r = run(y, NULL, 60, TOCSIN_CPT_QUASI_POISSON);
    if (r) {
        CHECK_INT(r->n_changes, 2);
        tocsin_cpt_result_free(r);
    }
}

/* Bursty days (mean 20, spread uniformly over 5..35 by a fixed generator) without change: the
 * Poisson cost cuts them into several regimes, the quasi-Poisson and negative binomial costs see
 * one. */
static void overdispersed_no_change(void)
{
    uint64_t y[90], s = 7;
    for (int i = 0; i < 90; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        y[i] = 5 + (s >> 33) % 31;
    }
    tocsin_cpt_result *p = run(y, NULL, 90, TOCSIN_CPT_POISSON);
    tocsin_cpt_result *q = run(y, NULL, 90, TOCSIN_CPT_QUASI_POISSON);
    tocsin_cpt_result *nb = run(y, NULL, 90, TOCSIN_CPT_NEGBIN);
    if (p && q && nb) {
        CHECK(p->n_changes >= 2); /* 4 with this generator */
        CHECK_INT(q->n_changes, 0);
        CHECK_INT(nb->n_changes, 0);
        CHECK(q->dispersion > 3);
        CHECK(isfinite(nb->nb_size) && nb->nb_size > 0);
    }
    tocsin_cpt_result_free(p);
    tocsin_cpt_result_free(q);
    tocsin_cpt_result_free(nb);
}

/* From nothing to something: a rise from a zero rate is a surge with an infinite ratio. */
static void from_zero(void)
{
    uint64_t y[40] = {0};
    for (int i = 20; i < 40; i++)
        y[i] = 8;
    tocsin_cpt_result *r = run(y, NULL, 40, TOCSIN_CPT_POISSON);
    if (!r)
        return;
    CHECK_INT(r->n_surges, 1);
    if (r->n_surges == 1) {
        CHECK_INT(r->surges[0].start, 20);
        CHECK(isinf(r->surges[0].rr.ratio) && isinf(r->surges[0].rr.ci_high));
        CHECK(r->surges[0].rr.ci_low > 1);
    }
    tocsin_cpt_result_free(r);
}

/* The interval on a change's time widens when the step is small relative to the noise. */
static void interval_width(void)
{
    uint64_t big[100], small[100];
    for (int i = 0; i < 100; i++) {
        int noise = (i * 37 % 11) - 5; /* deterministic wiggle in [-5, 5] */
        int b = (i < 50 ? 20 : 80) + noise, s = (i < 50 ? 20 : 32) + noise;
        big[i] = (uint64_t)b;
        small[i] = (uint64_t)s;
    }
    tocsin_cpt_result *a = run(big, NULL, 100, TOCSIN_CPT_POISSON);
    tocsin_cpt_result *b = run(small, NULL, 100, TOCSIN_CPT_POISSON);
    if (a && b && a->n_changes == 1 && b->n_changes == 1) {
        size_t wa = a->changes[0].pos_high - a->changes[0].pos_low;
        size_t wb = b->changes[0].pos_high - b->changes[0].pos_low;
        CHECK(a->changes[0].pos_low <= 50 && a->changes[0].pos_high >= 50);
        CHECK(b->changes[0].pos_low <= 50 && b->changes[0].pos_high >= 50);
        CHECK(wb > wa);
    } else {
        CHECK(!"expected one change in each series");
    }
    tocsin_cpt_result_free(a);
    tocsin_cpt_result_free(b);
}

static void options(void)
{
    uint64_t y[60];
    for (int i = 0; i < 60; i++)
        y[i] = i < 30 ? 10 : 14;
    tocsin_cpt_opts o;
    tocsin_cpt_opts_init(&o);
    o.cost = TOCSIN_CPT_POISSON;
    tocsin_cpt_result *r = NULL;
    /* a huge penalty allows no change; min_ratio above the step's ratio makes no surge */
    o.penalty = 1e6;
    CHECK_INT(tocsin_changepoints(y, NULL, 60, &o, &r, NULL), TOCSIN_OK);
    CHECK_INT(r->n_changes, 0);
    tocsin_cpt_result_free(r);
    o.penalty = 0;
    o.min_ratio = 1.5;
    CHECK_INT(tocsin_changepoints(y, NULL, 60, &o, &r, NULL), TOCSIN_OK);
    CHECK_INT(r->n_changes, 1);
    CHECK_INT(r->n_surges, 0);
    tocsin_cpt_result_free(r);
    /* minimum segment: no regime shorter than 10 */
    uint64_t spike[60];
    for (int i = 0; i < 60; i++)
        spike[i] = (i >= 30 && i < 33) ? 100 : 10;
    o.min_ratio = 0;
    o.min_segment = 10;
    CHECK_INT(tocsin_changepoints(spike, NULL, 60, &o, &r, NULL), TOCSIN_OK);
    for (size_t i = 0; i < r->n_segments; i++)
        CHECK(r->segments[i].end - r->segments[i].start >= 10);
    tocsin_cpt_result_free(r);
    /* defaults when opts is NULL: the automatic cost is the negative binomial without
     * exposures, quasi-Poisson with them */
    CHECK_INT(tocsin_changepoints(y, NULL, 60, NULL, &r, NULL), TOCSIN_OK);
    CHECK_INT(r->cost, TOCSIN_CPT_NEGBIN);
    tocsin_cpt_result_free(r);
    double e[60];
    for (int i = 0; i < 60; i++)
        e[i] = 100 + i;
    CHECK_INT(tocsin_changepoints(y, e, 60, NULL, &r, NULL), TOCSIN_OK);
    CHECK_INT(r->cost, TOCSIN_CPT_QUASI_POISSON);
    tocsin_cpt_result_free(r);
    tocsin_cpt_result_free(NULL);
}

static void bad_input(void)
{
    uint64_t y[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    double e[10] = {1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
    tocsin_cpt_result *r = NULL;
    tocsin_error err;
    CHECK_INT(tocsin_changepoints(y, NULL, 3, NULL, &r, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "too few") != NULL);
    CHECK_INT(tocsin_changepoints(y, e, 10, NULL, &r, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "bucket 4") != NULL);
    tocsin_cpt_opts o;
    tocsin_cpt_opts_init(&o);
    o.cost = TOCSIN_CPT_NEGBIN;
    e[3] = 1;
    CHECK_INT(tocsin_changepoints(y, e, 10, &o, &r, &err), TOCSIN_ERR_USAGE);
    tocsin_cpt_opts_init(&o);
    o.level = 2;
    CHECK_INT(tocsin_changepoints(y, NULL, 10, &o, &r, &err), TOCSIN_ERR_USAGE);
    tocsin_cpt_opts_init(&o);
    o.penalty = -1;
    CHECK_INT(tocsin_changepoints(y, NULL, 10, &o, &r, &err), TOCSIN_ERR_USAGE);
    CHECK(r == NULL);
    /* too long for the quadratic worst case: a clear error, not a long wait */
    uint64_t *big = calloc(50001, sizeof *big);
    CHECK_INT(tocsin_changepoints(big, NULL, 50001, NULL, &r, &err), TOCSIN_ERR_LIMIT);
    CHECK(strstr(err.message, "coarser buckets") != NULL);
    free(big);
    uint64_t huge[10];
    for (int i = 0; i < 10; i++)
        huge[i] = UINT64_MAX / 4;
    CHECK_INT(tocsin_changepoints(huge, NULL, 10, NULL, &r, &err), TOCSIN_ERR_LIMIT);
    /* an all-zero series is valid: no change, no surge */
    uint64_t z[10] = {0};
    CHECK_INT(tocsin_changepoints(z, NULL, 10, NULL, &r, &err), TOCSIN_OK);
    CHECK_INT(r->n_changes, 0);
    tocsin_cpt_result_free(r);
}

int main(void)
{
    RUN(step_up);
    RUN(up_down);
    RUN(share_exposure);
    RUN(overdispersed_no_change);
    RUN(from_zero);
    RUN(interval_width);
    RUN(options);
    RUN(bad_input);
    return check_summary();
}
