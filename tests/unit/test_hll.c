/* test_hll.c: HyperLogLog: accuracy against exact counts in the sparse and dense ranges,
 * union by merge, serialization round trips, malformed blobs rejected. */
#include "agg/hll.h"
#include "check.h"

#include <math.h>

static uint64_t rng = 12345;
static uint64_t next(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void test_empty(void)
{
    hll h;
    hll_init(&h);
    CHECK(hll_empty(&h));
    CHECK(hll_estimate(&h) == 0.0);
    hll_free(&h);
}

/* Relative error must stay within 4 standard errors (0.81% dense); sparse is near exact. */
static void test_accuracy(void)
{
    static const size_t ns[] = {1, 10, 100, 1000, 4000, 10000, 50000, 200000, 1000000};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        hll h;
        hll_init(&h);
        for (size_t i = 0; i < ns[k]; i++) {
            uint64_t x = next();
            CHECK_INT(hll_add(&h, x), TOCSIN_OK);
            if (i % 3 == 0)
                CHECK_INT(hll_add(&h, x), TOCSIN_OK); /* repeats add nothing */
        }
        double e = hll_estimate(&h), rel = fabs(e - (double)ns[k]) / (double)ns[k];
        double tol = ns[k] <= 4000 ? 0.005 : 4 * 1.04 / sqrt(HLL_M);
        printf("hll: n=%zu estimate %.1f relative error %.4f%%\n", ns[k], e, 100 * rel);
        CHECK(rel <= tol);
        if (ns[k] <= 100)
            CHECK(fabs(e - (double)ns[k]) < 0.5); /* exact after rounding */
        hll_free(&h);
    }
}

/* The spread of the relative error over 100 independent sketches of 50,000 items: the observed
 * standard error must be close to the theoretical 1.04 / sqrt(m) = 0.81%. */
static void test_error_spread(void)
{
    double sum2 = 0, sum = 0;
    int k = 100, n = 50000;
    for (int t = 0; t < k; t++) {
        hll h;
        hll_init(&h);
        for (int i = 0; i < n; i++)
            hll_add(&h, next());
        double rel = (hll_estimate(&h) - n) / n;
        sum += rel;
        sum2 += rel * rel;
        hll_free(&h);
    }
    double bias = sum / k, se = sqrt(sum2 / k - bias * bias);
    printf("hll: %d sketches of %d items: standard error %.3f%% (theory %.3f%%), bias %+.3f%%\n",
           k, n, 100 * se, 100 * 1.04 / sqrt(HLL_M), 100 * bias);
    CHECK(se < 1.3 * 1.04 / sqrt(HLL_M) && se > 0.7 * 1.04 / sqrt(HLL_M));
    CHECK(fabs(bias) < 0.3 * 1.04 / sqrt(HLL_M));
}

static void test_merge_is_union(void)
{
    hll a, b, u;
    hll_init(&a);
    hll_init(&b);
    hll_init(&u);
    for (int i = 0; i < 30000; i++) {
        uint64_t x = next();
        hll_add(i % 2 ? &a : &b, x);
        if (i % 5 == 0)
            hll_add(&a, x), hll_add(&b, x); /* overlap */
        hll_add(&u, x);
    }
    CHECK_INT(hll_merge(&a, &b), TOCSIN_OK);
    CHECK(fabs(hll_estimate(&a) - hll_estimate(&u)) < 1e-9); /* same registers */
    /* sparse into dense and dense into sparse */
    hll s;
    hll_init(&s);
    for (int i = 0; i < 50; i++)
        hll_add(&s, next());
    hll d2;
    hll_init(&d2);
    hll_merge(&d2, &s);
    CHECK(fabs(hll_estimate(&d2) - 50) < 0.5);
    hll_merge(&d2, &u);
    hll_merge(&s, &u);
    CHECK(fabs(hll_estimate(&d2) - hll_estimate(&s)) < 1e-9);
    hll_free(&a);
    hll_free(&b);
    hll_free(&u);
    hll_free(&s);
    hll_free(&d2);
}

/* A sparse sketch turned dense equals the sketch built dense from the start. */
static void test_sparse_dense_agree(void)
{
    hll s, d;
    hll_init(&s);
    hll_init(&d);
    uint64_t xs[3000];
    for (int i = 0; i < 3000; i++)
        xs[i] = next();
    for (int i = 0; i < 3000; i++)
        hll_add(&s, xs[i]);
    CHECK(s.reg == NULL);
    /* force d dense by merging a dense sketch with nothing in it */
    hll big;
    hll_init(&big);
    for (int i = 0; i < 100000; i++)
        hll_add(&big, next());
    CHECK(big.reg != NULL);
    memset(big.reg, 0, HLL_M);
    hll_merge(&d, &big);
    for (int i = 0; i < 3000; i++)
        hll_add(&d, xs[i]);
    hll_merge(&big, &s); /* big (all zero) + sparse converted */
    CHECK(memcmp(big.reg, d.reg, HLL_M) == 0);
    hll_free(&s);
    hll_free(&d);
    hll_free(&big);
}

static void test_serialize(void)
{
    for (int dense = 0; dense < 2; dense++) {
        hll h, r;
        hll_init(&h);
        hll_init(&r);
        int n = dense ? 20000 : 300;
        for (int i = 0; i < n; i++)
            hll_add(&h, next());
        tc_buf b;
        tc_buf_init(&b, 0);
        CHECK_INT(hll_serialize(&h, &b), TOCSIN_OK);
        CHECK(b.data[0] == (dense ? 'D' : 'S'));
        CHECK_INT(hll_merge_blob(&r, b.data, b.len), TOCSIN_OK);
        CHECK(fabs(hll_estimate(&r) - hll_estimate(&h)) < 1e-9);
        tc_buf_free(&b);
        hll_free(&h);
        hll_free(&r);
    }
}

static void test_malformed(void)
{
    hll h;
    hll_init(&h);
    CHECK_INT(hll_merge_blob(&h, "X", 1), TOCSIN_ERR_STORE);
    CHECK_INT(hll_merge_blob(&h, "S\x01\x02", 3), TOCSIN_ERR_STORE); /* not 4-byte entries */
    unsigned char bad[5] = {'S', 0, 0, 0, 0};                       /* rho 0 */
    CHECK_INT(hll_merge_blob(&h, bad, 5), TOCSIN_ERR_STORE);
    unsigned char dense[1 + HLL_M];
    memset(dense, 0, sizeof dense);
    dense[0] = 'D';
    dense[7] = 200; /* register past 64 - p + 1 */
    CHECK_INT(hll_merge_blob(&h, dense, sizeof dense), TOCSIN_ERR_STORE);
    CHECK_INT(hll_merge_blob(&h, dense, 100), TOCSIN_ERR_STORE); /* wrong length */
    CHECK_INT(hll_merge_blob(&h, "", 0), TOCSIN_OK);             /* empty cell */
    hll_free(&h);
}

int main(void)
{
    RUN(test_empty);
    RUN(test_accuracy);
    RUN(test_error_spread);
    RUN(test_merge_is_union);
    RUN(test_sparse_dense_agree);
    RUN(test_serialize);
    RUN(test_malformed);
    return check_summary();
}
