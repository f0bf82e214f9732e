/* test_agg.c: unit tests of stage agg: calendar buckets and the count table. */
#include "agg/agg.h"
#include "check.h"

#include <stdlib.h>

static void test_bucket_start(void)
{
    /* 2021-08-15T13:45:10Z = 1629035110 (a Sunday) */
    int64_t t = 1629035110;
    CHECK_INT(tocsin_bucket_start(t, TOCSIN_BY_HOUR), 1629032400);
    CHECK_INT(tocsin_bucket_start(t, TOCSIN_BY_DAY), 1628985600);
    CHECK_INT(tocsin_bucket_start(t, TOCSIN_BY_WEEK), 1628467200);  /* Monday 2021-08-09 */
    CHECK_INT(tocsin_bucket_start(t, TOCSIN_BY_MONTH), 1627776000); /* 2021-08-01 */
    /* before the epoch: floor, not truncation */
    CHECK_INT(tocsin_bucket_start(-1, TOCSIN_BY_DAY), -86400);
    CHECK_INT(tocsin_bucket_start(-1, TOCSIN_BY_HOUR), -3600);
    /* 1969-12-29 was a Monday */
    CHECK_INT(tocsin_bucket_start(0, TOCSIN_BY_WEEK), -3 * 86400);
    /* extreme times are clamped to years 1..9999, never overflowing (found by review) */
    CHECK_INT(tocsin_bucket_start(INT64_MIN, TOCSIN_BY_HOUR), -62135596800LL);
    CHECK_INT(tocsin_bucket_start(INT64_MAX, TOCSIN_BY_DAY), 253402214400LL);
    char b[32];
    tocsin_bucket_format(INT64_MIN, TOCSIN_BY_MONTH, b, sizeof b);
    CHECK_STR(b, "0001-01-01");
    /* leap day 2024-02-29 falls in February */
    CHECK_INT(tocsin_bucket_start(1709208000, TOCSIN_BY_MONTH), 1706745600);
}

static void test_bucket_format(void)
{
    char b[32];
    tocsin_bucket_format(1629032400, TOCSIN_BY_HOUR, b, sizeof b);
    CHECK_STR(b, "2021-08-15T13:00:00Z");
    tocsin_bucket_format(1628467200, TOCSIN_BY_WEEK, b, sizeof b);
    CHECK_STR(b, "2021-08-09");
    tocsin_bucket_format(951782400, TOCSIN_BY_DAY, b, sizeof b);
    CHECK_STR(b, "2000-02-29");
    tocsin_bucket bk;
    CHECK_INT(tocsin_bucket_parse("week", &bk), TOCSIN_OK);
    CHECK_INT(bk, TOCSIN_BY_WEEK);
    CHECK_INT(tocsin_bucket_parse("year", &bk), TOCSIN_ERR_USAGE);
}

static void test_table_counts(void)
{
    agg_table *t = agg_new();
    CHECK(t != NULL);
    uint64_t a = agg_hash64("alice", 5), b = agg_hash64("bob", 3);
    CHECK(agg_add(t, 1, "ar", 2, 100, true, a) == TOCSIN_OK);
    CHECK(agg_add(t, 1, "ar", 2, 100, true, a) == TOCSIN_OK);
    CHECK(agg_add(t, 1, "ar", 2, 100, true, b) == TOCSIN_OK);
    CHECK(agg_add(t, 1, "ar", 2, 100, false, 0) == TOCSIN_OK);
    CHECK(agg_add(t, 0, "en", 2, 100, true, a) == TOCSIN_OK);
    CHECK(agg_add(t, 1, "ar", 2, 200, true, a) == TOCSIN_OK);
    tocsin_count_row *rows;
    size_t n;
    CHECK(agg_rows(t, &rows, &n) == TOCSIN_OK);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_INT(rows[0].topic, 0);
        CHECK_STR(rows[0].lang, "en");
        CHECK_INT(rows[1].bucket, 100);
        CHECK_INT(rows[1].posts, 4);
        CHECK_INT(rows[1].authors, 2);
        CHECK_INT(rows[2].bucket, 200);
        CHECK_INT(rows[2].authors, 1);
    }
    free(rows);
    agg_free(t);
}

/* Splitting the same events over several tables and merging gives the single-table result. */
static void test_table_merge(void)
{
    agg_table *one = agg_new(), *parts[3] = {agg_new(), agg_new(), agg_new()};
    uint64_t s = 42;
    for (int i = 0; i < 20000; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t topic = (uint32_t)(s >> 60) % 5;
        const char *lang = (s >> 40) % 3 == 0 ? "ar" : (s >> 40) % 3 == 1 ? "fa" : "en";
        int64_t bucket = (int64_t)((s >> 20) % 7) * 86400;
        uint64_t author = (s >> 8) % 3000;
        CHECK(agg_add(one, topic, lang, 2, bucket, true, author) == TOCSIN_OK);
        CHECK(agg_add(parts[i % 3], topic, lang, 2, bucket, true, author) == TOCSIN_OK);
    }
    agg_table *m = agg_new();
    for (int k = 0; k < 3; k++)
        CHECK(agg_merge(m, parts[k]) == TOCSIN_OK);
    tocsin_count_row *r1, *r2;
    size_t n1, n2;
    CHECK(agg_rows(one, &r1, &n1) == TOCSIN_OK);
    CHECK(agg_rows(m, &r2, &n2) == TOCSIN_OK);
    CHECK_INT(n1, n2);
    CHECK(n1 == n2 && memcmp(r1, r2, n1 * sizeof *r1) == 0);
    free(r1);
    free(r2);
    agg_free(one);
    agg_free(m);
    for (int k = 0; k < 3; k++)
        agg_free(parts[k]);
}

int main(void)
{
    RUN(test_bucket_start);
    RUN(test_bucket_format);
    RUN(test_table_counts);
    RUN(test_table_merge);
    return check_summary();
}
