/* burst.c: Kleinberg's two-state burst automaton on event times.
 *
 * Method (Kleinberg, "Bursty and Hierarchical Structure in Streams", KDD 2002 / Data Mining and
 * Knowledge Discovery 7, 2003). Posts arrive with gaps x_1..x_n between consecutive times. A
 * hidden automaton is in a base state q0, emitting gaps from an exponential distribution of rate
 * a0 = n / T (T the whole span: the average rate), or in a burst state q1 of rate a1 = s a0.
 * Entering the burst state costs gamma ln n, leaving it costs nothing; a gap x costs
 * -ln(a e^{-a x}) = a x - ln a in a state of rate a. The cheapest state sequence (Viterbi, O(n))
 * marks the bursts: maximal runs of gaps in q1. A burst covering gaps i..j spans the times
 * t_{i-1}..t_j, and its weight is the cost it saves, sum over its gaps of cost_q0 - cost_q1
 * (Kleinberg's measure of a burst's strength).
 *
 * s (> 1, default 2) says how much faster than usual a burst must be; gamma (> 0, default 1) how
 * reluctant the automaton is to enter it: both are stated in the output of the tools that use
 * this, never silently tuned. */
#include "stats/stats_int.h"

#include <math.h>
#include <stdlib.h>

tocsin_status tocsin_bursts_kleinberg(const int64_t *ts, size_t n, double s, double gamma,
                                      tocsin_burst **out, size_t *n_out, tocsin_error *err)
{
    if (!ts || !out || !n_out)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "burst", "missing argument");
    if (s == 0.0)
        s = 2.0;
    if (gamma == 0.0)
        gamma = 1.0;
    if (!(s > 1.0) || !isfinite(s) || !(gamma > 0.0) || !isfinite(gamma))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "burst",
                            "s must be > 1 and gamma > 0 (got %g, %g)", s, gamma);
    if (n < 2)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "burst",
                            "at least two events are needed, got %zu", n);
    for (size_t i = 1; i < n; i++)
        if (ts[i] < ts[i - 1])
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "time",
                                "event times must be sorted (event %zu is before event %zu)",
                                i + 1, i);
    double span = (double)ts[n - 1] - (double)ts[0];
    if (!(span > 0.0))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "time",
                            "all %zu events have the same time: no rate to compare", n);
    size_t gaps = n - 1;
    double a0 = (double)gaps / span, a1 = s * a0;
    double up = gamma * log((double)gaps);
    double la0 = log(a0), la1 = log(a1);
    /* Viterbi with back-pointers: from[i][j] = the state before gap i when in state j at gap i */
    unsigned char *from = malloc(2 * gaps);
    unsigned char *state = malloc(gaps);
    if (!from || !state) {
        free(from);
        free(state);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "burst", "out of memory");
    }
    double c0 = 0.0, c1 = INFINITY; /* costs of being in q0 / q1 before the first gap */
    for (size_t i = 0; i < gaps; i++) {
        double x = (double)ts[i + 1] - (double)ts[i];
        double e0 = a0 * x - la0, e1 = a1 * x - la1;
        /* into q0: from q0 free, from q1 free */
        double n0, n1;
        if (c0 <= c1) {
            n0 = c0 + e0;
            from[2 * i] = 0;
        } else {
            n0 = c1 + e0;
            from[2 * i] = 1;
        }
        /* into q1: from q0 costs `up`, from q1 free */
        if (c1 <= c0 + up) {
            n1 = c1 + e1;
            from[2 * i + 1] = 1;
        } else {
            n1 = c0 + up + e1;
            from[2 * i + 1] = 0;
        }
        c0 = n0;
        c1 = n1;
    }
    unsigned char cur = c1 < c0 ? 1 : 0;
    for (size_t i = gaps; i-- > 0;) {
        state[i] = cur;
        cur = from[2 * i + cur];
    }
    free(from);
    size_t nb = 0;
    for (size_t i = 0; i < gaps; i++)
        if (state[i] && (i == 0 || !state[i - 1]))
            nb++;
    tocsin_burst *b = NULL;
    if (nb) {
        b = calloc(nb, sizeof *b);
        if (!b) {
            free(state);
            return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, "burst", "out of memory");
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < gaps;) {
        if (!state[i]) {
            i++;
            continue;
        }
        size_t j = i;
        double w = 0.0;
        while (j < gaps && state[j]) {
            double x = (double)ts[j + 1] - (double)ts[j];
            w += (a0 * x - la0) - (a1 * x - la1);
            j++;
        }
        b[k].first = i;
        b[k].last = j;
        b[k].start = ts[i];
        b[k].end = ts[j];
        b[k].weight = w;
        k++;
        i = j;
    }
    free(state);
    *out = b;
    *n_out = nb;
    return TOCSIN_OK;
}
