/* changepoint.c: regimes and surges in count series by penalised likelihood (PELT).
 *
 * Model. A series of counts y_t (posts per day or hour) against exposures e_t (1 when the rate
 * is per bucket; all posts in the language when it is a share) is cut into regimes, each with
 * its own rate. The best segmentation minimises
 *     sum over segments of C(segment) + beta * (number of changes),
 * with C the segment's deviance (-2 log-likelihood at its fitted rate, up to terms that do not
 * depend on the segmentation):
 *   Poisson:        C = -2 (Y log(Y / E) - Y), Y and E the segment's total count and exposure;
 *   quasi-Poisson:  the Poisson C divided by the dispersion phi;
 *   negative binomial (equal exposures): C = -2 (m k log(k / (k + mu)) + Y log(mu / (k + mu))),
 *                   mu = Y / m over the segment's m buckets, size k fixed for the series.
 * The default ("auto") is the negative binomial without exposures and quasi-Poisson with them
 * (the negative binomial's segment fit has no closed form when exposures differ).
 * The minimum is found exactly by optimal partitioning with PELT pruning (Killick, Fearnhead &
 * Eckley, JASA 107, 2012): a candidate last change s is dropped for good once
 * F(s) + C(s..t) > F(t), valid because splitting a segment never raises these costs. Expected
 * cost is linear in n when changes keep coming; quadratic on a series without change (nothing is
 * ever pruned then), hence a cap on n (TC_CPT_MAX_N).
 *
 * Over-dispersion. Counts of chatter vary more than Poisson, and a Poisson cost then sees a
 * "change" in every noisy week. phi is estimated from neighbouring pairs, which a few level
 * shifts barely touch: given n = y_t + y_{t-1}, y_t is Binomial(n, e_t / (e_t + e_{t-1})) under a
 * constant Poisson rate, so z_t = (y_t - n p)^2 / (n p (1 - p)) is about chi2_1; over-dispersion
 * inflates it by about phi. phi = (mean of the z_t below their 90th percentile) / (the same
 * trimmed mean of chi2_1, from GSL), floored at 1: the trimming removes the pairs that straddle a
 * change. The negative binomial size k comes from the same kept pairs: half the squared
 * difference of a pair estimates the variance mu + mu^2 / k at the pair's mean mu, so
 * 1 / k = sum (d^2 / (2 c) - mu) / sum mu^2, c the same trimming correction (k infinite, i.e.
 * Poisson, when that is not positive). Unlike one phi, this lets a surging regime be burstier
 * than a quiet one, which is how chatter behaves.
 *
 * Trimmed pairs under-estimate the dispersion of heavy-tailed (negative binomial) counts: with
 * size 5 (the ratio-8 step series of the simulations) the pairs gave k = 7.6 on average. So the
 * search runs twice: after the first pass, phi (Pearson chi2 / (n - regimes)) and k (moments:
 * 1 / k = sum ((y - mu)^2 - mu) / sum mu^2) are re-estimated around its regimes, the larger
 * dispersion of the two estimates is kept, and the search is repeated when it grew (mean k then
 * 5.5). In the simulations this cut the spurious extra surges inside a real one (ratio 8) from
 * 15 % to 10 % (quasi-Poisson) and from 6 % to 2 % (negative binomial), with the same power and
 * fewer false surges.
 *
 * Penalty rule: beta = 3 log n in (quasi-)deviance units, not a knob to tune. A change adds two
 * parameters (where, and the new rate); BIC would charge 2 log n, but the location is searched
 * over n positions and is not a regular parameter, and the modified BIC of Zhang & Siegmund
 * (Biometrics 63, 2007) charges about 3 log n, as R's changepoint package does by default. It
 * grows with n so that long series do not collect false changes; the false-surge rate on series
 * without change is measured in BENCHMARKS.md. Scaling the deviance by phi (rather than the
 * penalty by hand) is what makes the same rule right for bursty series.
 *
 * Interval on a change's time. With its neighbouring changes fixed at a and b, the profile
 * deviance D(tau) = C(a..tau) + C(tau..b) is minimal at the chosen tau; the interval is the range
 * of positions with D(tau) - D(best) <= chi2_1 quantile at `level` (a likelihood-ratio set, i.e.
 * the log-likelihood within chi2_1 / 2 of its maximum). Change-point locations are not regular
 * parameters, so its coverage is approximate; it is measured in the simulation tests.
 *
 * Surges. Every upward change (the new regime's rate at least min_ratio times the one before) is
 * a surge: it starts at the change, with the change's interval; it ends before the next downward
 * change (or is ongoing), and its rate ratio compares the first regime of the surge with the one
 * before, with the exact and over-dispersion-adjusted intervals of ratio.c. The regimes were
 * chosen by looking at the same data, so these intervals are optimistic for small changes. */
#include "stats/stats_int.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* PELT prunes nothing on a series without change, so its time is then quadratic: measured 2.4 s
 * for 8,760 buckets (a year of hours) and 22 s for 30,000 on the 2-core test machine. This cap
 * keeps the worst case near a minute. */
#define TC_CPT_MAX_N 50000

void tocsin_cpt_opts_init(tocsin_cpt_opts *o)
{
    memset(o, 0, sizeof *o);
    o->cost = TOCSIN_CPT_AUTO;
    o->penalty = 0.0;
    o->min_segment = 2;
    o->level = 0.95;
    o->min_ratio = 1.0;
}

void tocsin_cpt_result_free(tocsin_cpt_result *r)
{
    if (!r)
        return;
    free(r->segments);
    free(r->changes);
    free(r->surges);
    free(r);
}

typedef struct cpt_ctx {
    const double *cy, *ce; /* cumulative counts and exposures, n + 1 each */
    tocsin_cpt_cost cost;
    double phi, k;
} cpt_ctx;

/* The deviance of the segment [s, t). */
static double cpt_cost(const cpt_ctx *c, size_t s, size_t t)
{
    double y = c->cy[t] - c->cy[s];
    if (y <= 0.0)
        return 0.0;
    if (c->cost == TOCSIN_CPT_NEGBIN && isfinite(c->k)) {
        double m = (double)(t - s), mu = y / m, k = c->k;
        return -2.0 * (m * k * log(k / (k + mu)) + y * log(mu / (k + mu)));
    }
    double e = c->ce[t] - c->ce[s];
    double d = -2.0 * (y * log(y / e) - y);
    return c->cost == TOCSIN_CPT_POISSON ? d : d / c->phi;
}

/* The dispersion phi and the negative binomial size k from neighbouring pairs (see the essay
 * above). *k is INFINITY when the pairs show no extra-Poisson variance. */
static tocsin_status cpt_dispersion(const uint64_t *y, const double *e, size_t n, double *phi,
                                    double *k, tocsin_error *err)
{
    double *z = malloc((n ? n : 1) * sizeof *z), *zs = malloc((n ? n : 1) * sizeof *zs);
    if (!z || !zs) {
        free(z);
        free(zs);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "changepoints", "out of memory");
    }
    size_t m = 0;
    for (size_t t = 1; t < n; t++) {
        double tot = (double)y[t] + (double)y[t - 1];
        if (tot <= 0.0) {
            z[t] = NAN;
            continue;
        }
        double a = e ? e[t] : 1.0, b = e ? e[t - 1] : 1.0, p = a / (a + b);
        double d = (double)y[t] - tot * p;
        z[t] = d * d / (tot * p * (1.0 - p));
        zs[m++] = z[t];
    }
    *phi = 1.0;
    *k = INFINITY;
    if (m >= 5) {
        const double trim = 0.9;
        double cut = st_quantile7_inplace(zs, m, trim);
        double q = gsl_cdf_chisq_Pinv(trim, 1.0);
        double ref = gsl_cdf_chisq_P(q, 3.0) / trim; /* E[X | X < q] for chi2_1 */
        double s = 0.0, excess = 0.0, m2 = 0.0;
        size_t used = 0;
        for (size_t t = 1; t < n; t++) {
            if (isnan(z[t]) || z[t] > cut)
                continue;
            s += z[t];
            used++;
            /* NB: var = mu + mu^2 / k; the pair's half squared difference estimates var */
            double mu = ((double)y[t] + (double)y[t - 1]) / 2.0;
            double d = (double)y[t] - (double)y[t - 1];
            excess += d * d / (2.0 * ref) - mu;
            m2 += mu * mu;
        }
        double est = used ? (s / (double)used) / ref : 1.0;
        if (isfinite(est) && est > 1.0)
            *phi = est;
        if (m2 > 0.0 && excess > 0.0)
            *k = m2 / excess;
    }
    free(z);
    free(zs);
    return TOCSIN_OK;
}

/* The dispersion and negative binomial size around the regimes of a segmentation (`last` as
 * cpt_pelt leaves it): Pearson chi2 / (n - regimes), floored at 1, and the moment estimate
 * 1 / k = sum ((y - mu)^2 - mu) / sum mu^2 (k infinite when not positive). */
static void cpt_dispersion_segments(const uint64_t *y, const double *e, size_t n,
                                    const double *cy, const double *ce, const size_t *last,
                                    double *phi, double *k)
{
    double chi2 = 0.0, excess = 0.0, m2 = 0.0;
    size_t regimes = 0;
    for (size_t t = n; t > 0; t = last[t]) {
        size_t s = last[t];
        regimes++;
        double rate = (cy[t] - cy[s]) / (ce[t] - ce[s]);
        for (size_t i = s; i < t; i++) {
            double mu = rate * (e ? e[i] : 1.0), d = (double)y[i] - mu;
            if (mu > 0.0)
                chi2 += d * d / mu;
            excess += d * d - mu;
            m2 += mu * mu;
        }
    }
    *phi = n > regimes ? chi2 / (double)(n - regimes) : 1.0;
    if (!(*phi > 1.0))
        *phi = 1.0;
    *k = m2 > 0.0 && excess > 0.0 ? m2 / excess : INFINITY;
}

/* Optimal partitioning with PELT pruning; `last[t]` receives the start of the last segment of
 * the best segmentation of [0, t). */
static tocsin_status cpt_pelt(const cpt_ctx *c, size_t n, size_t minseg, double beta, size_t *last,
                              tocsin_error *err)
{
    double *F = malloc((n + 1) * sizeof *F);
    size_t *cand = malloc((n + 1) * sizeof *cand);
    double *val = malloc((n + 1) * sizeof *val);
    if (!F || !cand || !val) {
        free(F);
        free(cand);
        free(val);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "changepoints", "out of memory");
    }
    for (size_t t = 0; t <= n; t++) {
        F[t] = INFINITY;
        last[t] = 0;
    }
    F[0] = -beta;
    size_t nc = 1;
    cand[0] = 0;
    for (size_t t = minseg; t <= n; t++) {
        if (t >= 2 * minseg)
            cand[nc++] = t - minseg; /* F[t - minseg] is final now */
        double best = INFINITY;
        size_t arg = 0;
        for (size_t i = 0; i < nc; i++) {
            size_t s = cand[i];
            val[i] = F[s] + cpt_cost(c, s, t);
            if (val[i] + beta < best) {
                best = val[i] + beta;
                arg = s;
            }
        }
        F[t] = best;
        last[t] = arg;
        size_t k = 0;
        for (size_t i = 0; i < nc; i++)
            if (val[i] <= best)
                cand[k++] = cand[i];
        nc = k;
    }
    free(F);
    free(cand);
    free(val);
    return TOCSIN_OK;
}

/* A window for ratio.c from buckets [s, t). */
static tocsin_window cpt_window(const uint64_t *y, const double *e, const double *ce, size_t s,
                                size_t t)
{
    tocsin_window w;
    uint64_t sum = 0;
    for (size_t i = s; i < t; i++)
        sum += y[i];
    w.count = sum;
    w.exposure = ce[t] - ce[s];
    w.daily = y + s;
    w.daily_exposure = e ? e + s : NULL;
    w.n_daily = t - s;
    return w;
}

tocsin_status tocsin_changepoints(const uint64_t *y, const double *exposure, size_t n,
                                  const tocsin_cpt_opts *o, tocsin_cpt_result **out,
                                  tocsin_error *err)
{
    st_gsl_init();
    tocsin_cpt_opts def;
    if (!o) {
        tocsin_cpt_opts_init(&def);
        o = &def;
    }
    if (!y || !out)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "changepoints", "missing argument");
    size_t minseg = o->min_segment ? o->min_segment : 2;
    double level = o->level == 0.0 ? 0.95 : o->level;
    double min_ratio = o->min_ratio == 0.0 ? 1.0 : o->min_ratio;
    if ((unsigned)o->cost > TOCSIN_CPT_AUTO)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "cost", "unknown cost %d",
                            (int)o->cost);
    if (!(level > 0.0 && level < 1.0))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "level",
                            "the confidence level must be in (0, 1), got %g", level);
    if (!(o->penalty >= 0.0) || !isfinite(o->penalty) || !(min_ratio > 0.0))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "penalty",
                            "the penalty must be >= 0 and min_ratio > 0");
    if (n < 2 * minseg)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "series",
                            "%zu buckets are too few to look for a change (at least %zu)", n,
                            2 * minseg);
    if (n > TC_CPT_MAX_N)
        return tc_error_set(err, TOCSIN_ERR_LIMIT, NULL, 0, "series",
                            "%zu buckets: the exact change-point search is quadratic when there "
                            "are few changes, so it stops at %d; aggregate to coarser buckets",
                            n, TC_CPT_MAX_N);
    tocsin_cpt_cost cost = o->cost;
    if (cost == TOCSIN_CPT_AUTO)
        cost = exposure ? TOCSIN_CPT_QUASI_POISSON : TOCSIN_CPT_NEGBIN;
    if (cost == TOCSIN_CPT_NEGBIN && exposure)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "cost",
                            "the negative binomial cost needs equal exposures (pass NULL); use "
                            "the quasi-Poisson cost for shares");
    if (exposure)
        for (size_t i = 0; i < n; i++)
            if (!(exposure[i] > 0.0) || !isfinite(exposure[i]))
                return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "exposure",
                                    "bucket %zu has exposure %g; it must be positive", i + 1,
                                    exposure[i]);

    tocsin_status st = TOCSIN_OK;
    tocsin_cpt_result *r = calloc(1, sizeof *r);
    double *cy = malloc((n + 1) * sizeof *cy), *ce = malloc((n + 1) * sizeof *ce);
    size_t *last = malloc((n + 1) * sizeof *last), *pos = malloc((n + 1) * sizeof *pos);
    if (!r || !cy || !ce || !last || !pos) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "changepoints", "out of memory");
        goto out;
    }
    cy[0] = ce[0] = 0.0;
    for (size_t i = 0; i < n; i++) {
        cy[i + 1] = cy[i] + (double)y[i];
        ce[i + 1] = ce[i] + (exposure ? exposure[i] : 1.0);
    }
    /* segment deviances are differences of numbers of the order of the total: past 1e13 posts
     * their rounding error would rival the penalty */
    if (cy[n] > 1e13 || !isfinite(ce[n])) {
        st = tc_error_set(err, TOCSIN_ERR_LIMIT, NULL, 0, "series",
                          "%g posts in total is beyond the supported 1e13", cy[n]);
        goto out;
    }
    cpt_ctx c = {cy, ce, cost, 1.0, INFINITY};
    if (cost != TOCSIN_CPT_POISSON) {
        double k = INFINITY;
        st = cpt_dispersion(y, exposure, n, &c.phi, &k, err);
        if (st != TOCSIN_OK)
            goto out;
        if (cost == TOCSIN_CPT_NEGBIN)
            c.k = k;
    }
    r->n = n;
    r->cost = cost;
    r->dispersion = cost == TOCSIN_CPT_POISSON ? 1.0 : c.phi;
    r->nb_size = cost == TOCSIN_CPT_NEGBIN ? c.k : INFINITY;
    r->penalty = o->penalty > 0.0 ? o->penalty : 3.0 * log((double)n);
    st = cpt_pelt(&c, n, minseg, r->penalty, last, err);
    if (st != TOCSIN_OK)
        goto out;
    if (cost != TOCSIN_CPT_POISSON) {
        /* second pass: re-estimate the dispersion around the first pass's regimes, which sees
         * the heavy tails the trimmed pairs miss, and keep the larger dispersion */
        double phi2, k2;
        cpt_dispersion_segments(y, exposure, n, cy, ce, last, &phi2, &k2);
        bool changed = false;
        if (phi2 > c.phi) {
            c.phi = phi2;
            changed = cost == TOCSIN_CPT_QUASI_POISSON;
        }
        if (cost == TOCSIN_CPT_NEGBIN && k2 < c.k) {
            c.k = k2;
            changed = true;
        }
        r->dispersion = c.phi;
        r->nb_size = cost == TOCSIN_CPT_NEGBIN ? c.k : INFINITY;
        if (changed) {
            st = cpt_pelt(&c, n, minseg, r->penalty, last, err);
            if (st != TOCSIN_OK)
                goto out;
        }
    }

    /* boundaries, in order: pos[0] = 0 < ... < pos[k] = n */
    size_t k = 0;
    for (size_t t = n; t > 0; t = last[t])
        pos[k++] = t;
    pos[k] = 0;
    for (size_t i = 0; i < (k + 1) / 2; i++) {
        size_t tmp = pos[i];
        pos[i] = pos[k - i];
        pos[k - i] = tmp;
    }
    r->n_segments = k;
    r->n_changes = k - 1;
    r->segments = calloc(k, sizeof *r->segments);
    r->changes = calloc(k, sizeof *r->changes);
    r->surges = calloc(k, sizeof *r->surges);
    if (!r->segments || !r->changes || !r->surges) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "changepoints", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < k; i++) {
        r->segments[i].start = pos[i];
        r->segments[i].end = pos[i + 1];
        r->segments[i].rate = (cy[pos[i + 1]] - cy[pos[i]]) / (ce[pos[i + 1]] - ce[pos[i]]);
    }
    double crit = gsl_cdf_chisq_Pinv(level, 1.0);
    for (size_t j = 1; j < k; j++) {
        size_t a = pos[j - 1], b = pos[j + 1], tau = pos[j];
        tocsin_changepoint *cp = &r->changes[j - 1];
        cp->pos = tau;
        cp->rate_before = r->segments[j - 1].rate;
        cp->rate_after = r->segments[j].rate;
        double best = cpt_cost(&c, a, tau) + cpt_cost(&c, tau, b);
        cp->pos_low = cp->pos_high = tau;
        for (size_t s = a + minseg; s + minseg <= b; s++) {
            double d = cpt_cost(&c, a, s) + cpt_cost(&c, s, b) - best;
            if (d <= crit) {
                if (s < cp->pos_low)
                    cp->pos_low = s;
                if (s > cp->pos_high)
                    cp->pos_high = s;
            }
        }
    }
    for (size_t j = 1; j < k; j++) {
        const tocsin_changepoint *cp = &r->changes[j - 1];
        if (!(cp->rate_after > cp->rate_before * min_ratio) &&
            !(cp->rate_before == 0.0 && cp->rate_after > 0.0))
            continue;
        tocsin_surge *s = &r->surges[r->n_surges];
        s->start = cp->pos;
        s->start_low = cp->pos_low;
        s->start_high = cp->pos_high;
        s->ongoing = true;
        s->end = n - 1;
        for (size_t q = j + 1; q < k; q++)
            if (r->changes[q - 1].rate_after < r->changes[q - 1].rate_before) {
                s->ongoing = false;
                s->end = pos[q] - 1;
                break;
            }
        tocsin_window before = cpt_window(y, exposure, ce, pos[j - 1], pos[j]);
        tocsin_window after = cpt_window(y, exposure, ce, pos[j], pos[j + 1]);
        st = tocsin_rate_ratio_compute(&before, &after, level, &s->rr, err);
        if (st != TOCSIN_OK)
            goto out;
        r->n_surges++;
    }
out:
    free(cy);
    free(ce);
    free(last);
    free(pos);
    if (st != TOCSIN_OK) {
        tocsin_cpt_result_free(r);
        return st;
    }
    *out = r;
    return TOCSIN_OK;
}
