/* test_stats_burst.c: Kleinberg's two-state burst automaton, on a hand-computed case and on
 * constructed event streams. */
#include "check.h"
#include "tocsin.h"

#include <math.h>

/* Gaps 10,10,10,1,1,1,10,10,10: a0 = 9/63, a1 = 2 a0. Each short gap saves
 * (a0 - ln a0) - (a1 - ln a1) = ln 2 - a0 = 0.5503; three save 1.651 < ln 9 = 2.197 (gamma 1: no
 * burst) but > 0.5 ln 9 = 1.099 (gamma 0.5: one burst on events 3..6). */
static void hand_case(void)
{
    int64_t ts[10] = {0, 10, 20, 30, 31, 32, 33, 43, 53, 63};
    tocsin_burst *b = NULL;
    size_t n = 99;
    CHECK_INT(tocsin_bursts_kleinberg(ts, 10, 2, 1, &b, &n, NULL), TOCSIN_OK);
    CHECK_INT(n, 0);
    CHECK(b == NULL);
    CHECK_INT(tocsin_bursts_kleinberg(ts, 10, 2, 0.5, &b, &n, NULL), TOCSIN_OK);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(b[0].first, 3);
        CHECK_INT(b[0].last, 6);
        CHECK_INT(b[0].start, 30);
        CHECK_INT(b[0].end, 33);
        CHECK(fabs(b[0].weight - 3 * (log(2.0) - 9.0 / 63.0)) < 1e-12);
    }
    free(b);
}

/* A steady stream (one post every 100 s) with a dense block (every 10 s) in the middle. */
static void dense_block(void)
{
    size_t n = 2100;
    int64_t *ts = malloc(n * sizeof *ts), t = 1600000000;
    for (size_t i = 0; i < n; i++) {
        ts[i] = t;
        t += (i >= 1000 && i < 1100) ? 10 : 100;
    }
    tocsin_burst *b = NULL;
    size_t k = 0;
    CHECK_INT(tocsin_bursts_kleinberg(ts, n, 0, 0, &b, &k, NULL), TOCSIN_OK);
    CHECK_INT(k, 1);
    if (k == 1) {
        CHECK(b[0].first >= 999 && b[0].first <= 1001);
        CHECK(b[0].last >= 1099 && b[0].last <= 1101);
        CHECK(b[0].weight > 0);
    }
    free(b);
    /* a gap x is likelier in the burst state when x < ln s / (a1 - a0): with a0 ~ 1/95 s that is
     * 15 s for s = 20 (the block's 10 s gaps still qualify) but 2.5 s for s = 200 (they do not) */
    CHECK_INT(tocsin_bursts_kleinberg(ts, n, 20, 1, &b, &k, NULL), TOCSIN_OK);
    CHECK_INT(k, 1);
    free(b);
    CHECK_INT(tocsin_bursts_kleinberg(ts, n, 200, 1, &b, &k, NULL), TOCSIN_OK);
    CHECK_INT(k, 0);
    free(b);
    /* steady: no burst at all */
    for (size_t i = 0; i < n; i++)
        ts[i] = 1600000000 + (int64_t)i * 100;
    CHECK_INT(tocsin_bursts_kleinberg(ts, n, 0, 0, &b, &k, NULL), TOCSIN_OK);
    CHECK_INT(k, 0);
    free(ts);
}

/* A Poisson stream (exponential gaps from a fixed generator, one post a minute) with 300 posts at
 * ten times the rate: the strongest burst covers them, and chance clusters of a homogeneous
 * stream come out far weaker (Kleinberg's automaton does find those: weight tells them apart). */
static void poisson_stream(void)
{
    size_t n = 3000;
    int64_t *ts = malloc(n * sizeof *ts);
    uint64_t s = 12345;
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
        ts[i] = (int64_t)t;
        double rate = (i >= 1500 && i < 1800) ? 1.0 / 6.0 : 1.0 / 60.0;
        t += -log(u) / rate;
    }
    tocsin_burst *b = NULL;
    size_t k = 0;
    CHECK_INT(tocsin_bursts_kleinberg(ts, n, 0, 0, &b, &k, NULL), TOCSIN_OK);
    size_t top = 0;
    for (size_t i = 1; i < k; i++)
        if (b[i].weight > b[top].weight)
            top = i;
    CHECK(k >= 1);
    if (k >= 1) {
        CHECK(b[top].first >= 1490 && b[top].first <= 1510);
        CHECK(b[top].last >= 1790 && b[top].last <= 1830);
        for (size_t i = 0; i < k; i++)
            if (i != top)
                CHECK(b[i].weight < 0.1 * b[top].weight);
    }
    free(b);
    free(ts);
}

static void bad_input(void)
{
    int64_t ts[3] = {5, 3, 9}, same[3] = {7, 7, 7};
    tocsin_burst *b = NULL;
    size_t k = 0;
    tocsin_error err;
    CHECK_INT(tocsin_bursts_kleinberg(ts, 3, 0, 0, &b, &k, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "sorted") != NULL);
    CHECK_INT(tocsin_bursts_kleinberg(same, 3, 0, 0, &b, &k, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "same time") != NULL);
    CHECK_INT(tocsin_bursts_kleinberg(ts, 1, 0, 0, &b, &k, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_bursts_kleinberg(same, 3, 0.5, 0, &b, &k, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_bursts_kleinberg(same, 3, 2, -1, &b, &k, &err), TOCSIN_ERR_USAGE);
}

int main(void)
{
    RUN(hand_case);
    RUN(dense_block);
    RUN(poisson_stream);
    RUN(bad_input);
    return check_summary();
}
