/* stats_int.h: helpers shared by the statistics files of libtocsin (internal prefix st_). */
#ifndef TOCSIN_STATS_INT_H
#define TOCSIN_STATS_INT_H

#include "common/common.h"

#include <stddef.h>

/* Switches GSL's abort-on-error handler off, once per process (the library never exits; every
 * GSL result is checked for NaN instead). Thread-safe. */
void st_gsl_init(void);

/* The median of x[0..n) (n > 0), the mean of the two middle values when n is even, as R's
 * median(). Reorders x. */
double st_median_inplace(double *x, size_t n);

/* The quantile of Beta(a, b) with lower-tail probability `p` (upper_tail: upper-tail probability
 * `p`). GSL's own inverse, and where it gives no answer (it fails to converge for some large a,
 * b), bisection on GSL's beta distribution function. NAN only for invalid arguments. */
double st_beta_inv(double p, double a, double b, bool upper_tail);

/* R's quantile(x, p, type = 7) of x[0..n) (n > 0). Reorders x. */
double st_quantile7_inplace(double *x, size_t n, double p);

#endif
