/* util.c: order statistics and GSL set-up shared by the statistics code. */
#include "stats/stats_int.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <pthread.h>

static pthread_once_t st_once = PTHREAD_ONCE_INIT;

static void st_gsl_init_once(void) { gsl_set_error_handler_off(); }

void st_gsl_init(void) { pthread_once(&st_once, st_gsl_init_once); }

/* Hoare-style selection: afterwards x[k] holds the k-th smallest value, smaller ones before it,
 * larger ones after it. Median-of-three pivots keep it linear on sorted input. */
static void st_select(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        double a = x[lo], b = x[mid], c = x[hi], pivot;
        if ((a <= b && b <= c) || (c <= b && b <= a))
            pivot = b;
        else if ((b <= a && a <= c) || (c <= a && a <= b))
            pivot = a;
        else
            pivot = c;
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot)
                i++;
            while (x[j] > pivot)
                j--;
            if (i <= j) {
                double t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

static double st_min_from(const double *x, size_t from, size_t n)
{
    double m = x[from];
    for (size_t i = from + 1; i < n; i++)
        if (x[i] < m)
            m = x[i];
    return m;
}

double st_median_inplace(double *x, size_t n)
{
    size_t k = (n - 1) / 2;
    st_select(x, n, k);
    if (n % 2)
        return x[k];
    /* even: the next order statistic is the smallest value above position k */
    return (x[k] + st_min_from(x, k + 1, n)) / 2.0;
}

double st_quantile7_inplace(double *x, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t k = (size_t)floor(h);
    if (k >= n - 1) {
        st_select(x, n, n - 1);
        return x[n - 1];
    }
    st_select(x, n, k);
    double lo = x[k], hi = st_min_from(x, k + 1, n);
    return lo + (h - (double)k) * (hi - lo);
}

double st_beta_inv(double p, double a, double b, bool upper_tail)
{
    if (!(p >= 0.0 && p <= 1.0) || !(a > 0.0) || !(b > 0.0))
        return NAN;
    double x = upper_tail ? gsl_cdf_beta_Qinv(p, a, b) : gsl_cdf_beta_Pinv(p, a, b);
    if (x >= 0.0 && x <= 1.0)
        return x;
    /* bisection: the lower-tail probability increases with x */
    double target = upper_tail ? 1.0 - p : p, lo = 0.0, hi = 1.0;
    bool use_q = upper_tail && p < 0.5; /* compare in the tail that keeps its precision */
    for (int i = 0; i < 200 && hi - lo > 0.0; i++) {
        double mid = lo + (hi - lo) / 2.0;
        if (mid <= lo || mid >= hi)
            break;
        bool below = use_q ? gsl_cdf_beta_Q(mid, a, b) > p : gsl_cdf_beta_P(mid, a, b) < target;
        if (below)
            lo = mid;
        else
            hi = mid;
    }
    return lo + (hi - lo) / 2.0;
}
