/* test_analyse.c: stage analyse through the library on a small store with counts known by
 * construction: compare's windows, totals, ratios (share and per-day, posts and unique),
 * leave-one-channel-out, q-values, verdicts and errors; surges' change position, ratio and
 * evidence (terms, channels, first posts, a flood's cluster with its original); the evidence
 * files; day ranges. */
#include "check.h"
#include "tocsin.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static tocsin_store *store;

static const char *path_of(const char *name)
{
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Six letter-only pseudo-words derived from n: texts of different n are never near-duplicates
 * (the near-duplicate features ignore digits, so numbers alone would not tell posts apart). */
static void words(unsigned n, char *out, size_t cap)
{
    size_t len = 0;
    unsigned long long h = n * 0x9e3779b97f4a7c15ull + 12345;
    for (int w = 0; w < 6; w++) {
        for (int c = 0; c < 6; c++) {
            h ^= h >> 29;
            h *= 0xbf58476d1ce4e5b9ull;
            out[len++] = (char)('a' + (h >> 40) % 26);
        }
        out[len++] = ' ';
    }
    out[len - 1] = '\0';
    (void)cap;
}

static const long T0 = 1717200000L; /* 2024-06-01T00:00:00Z */

static unsigned post_no;

static void post(FILE *f, int day, const char *chan, const char *lang, const char *topic_word,
                 const char *fixed_text)
{
    char w[128], text[256];
    words(++post_no, w, sizeof w);
    if (fixed_text)
        snprintf(text, sizeof text, "%s", fixed_text);
    else if (topic_word)
        snprintf(text, sizeof text, "%s %s", topic_word, w);
    else
        snprintf(text, sizeof text, "%s", w);
    fprintf(f,
            "{\"id\":\"%u\",\"created_at\":%ld,\"author\":\"u%u\",\"channel\":\"%s\","
            "\"lang\":\"%s\",\"text\":\"%s\"}\n",
            post_no, T0 + day * 86400L + 600L * (long)(post_no % 100), post_no % 7, chan, lang,
            text);
}

/* en: chanA and chanB, 10 posts a day each; topic posts a day: chanA 1 (days 0-4) then 3,
 * chanB 1 throughout; on day 7 chanB adds a flood of 20 near-identical topic posts.
 * fr: chanC, 10 posts a day; topic 1 a day (days 0-4) then 6. */
static int build_store(void)
{
    FILE *f = fopen(path_of("in.jsonl"), "w");
    if (!f)
        return -1;
    for (int day = 0; day < 10; day++) {
        for (int k = 0; k < 10; k++) {
            post(f, day, "chanA", "en", k < (day < 5 ? 1 : 3) ? "wildfire" : NULL, NULL);
            post(f, day, "chanB", "en", k < 1 ? "wildfire" : NULL, NULL);
            post(f, day, "chanC", "fr", k < (day < 5 ? 1 : 6) ? "feu" : NULL, NULL);
        }
        if (day == 7)
            for (int k = 0; k < 20; k++) {
                char t[160];
                snprintf(t, sizeof t, "wildfire alert share now https://x.example/%d @friend%d %d",
                         k, k, 100 + k);
                post(f, day, "chanB", "en", NULL, t);
            }
    }
    fclose(f);
    FILE *w = fopen(path_of("wl.yaml"), "w");
    fputs("topics:\n  - id: fire\n    terms: [wildfire, feu]\n  - id: other\n    terms: [zzzz]\n",
          w);
    fclose(w);
    tocsin_error err;
    tocsin_watchlist *wl = NULL;
    if (tocsin_watchlist_load(path_of("wl.yaml"), &wl, &err) != TOCSIN_OK)
        return -1;
    tocsin_store *s = NULL;
    tocsin_status st = tocsin_store_open(path_of("t.db"), false, NULL, NULL, &s, &err);
    if (st == TOCSIN_OK) {
        tocsin_ingest_opts o;
        tocsin_ingest_opts_init(&o);
        o.scan.watchlist = wl;
        o.scan.lang_source = TOCSIN_LANG_SOURCE_INPUT;
        o.keep_authors = true;
        const char *paths[] = {path_of("in.jsonl")};
        st = tocsin_ingest(s, &o, paths, 1, NULL, &err);
    }
    tocsin_store_close(s);
    tocsin_watchlist_free(wl);
    if (st != TOCSIN_OK) {
        fprintf(stderr, "ingest: %s\n", err.message);
        return -1;
    }
    return tocsin_store_open(path_of("t.db"), true, NULL, NULL, &store, &err) == TOCSIN_OK ? 0
                                                                                           : -1;
}

static bool near(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1, fabs(b)); }

static void query(tocsin_compare_query *q)
{
    memset(q, 0, sizeof *q);
    q->topic = "fire";
    q->before_from = T0;
    q->before_to = T0 + 5 * 86400L;
    q->after_from = T0 + 5 * 86400L;
    q->after_to = T0 + 10 * 86400L;
    q->measure = TOCSIN_MEASURE_UNIQUE;
}

static void test_compare_share_unique(void)
{
    tocsin_compare_query q;
    query(&q);
    q.has_claim = true;
    q.claim_low = 1.5;
    q.claim_high = 2.5;
    tocsin_compare_row *r = NULL;
    size_t n = 0;
    tocsin_error err;
    CHECK_INT(tocsin_compare(store, &q, &r, &n, &err), TOCSIN_OK);
    CHECK_INT(n, 2);
    if (n != 2)
        return;
    CHECK_STR(r[0].group, "en");
    CHECK_STR(r[1].group, "fr");
    /* en: before 10 topic of 100; after 20 + 1 (the flood opens one cluster) of 101 */
    CHECK_INT(r[0].before.posts, 10);
    CHECK_INT(r[0].before.total, 100);
    CHECK_INT(r[0].after.posts, 21);
    CHECK_INT(r[0].after.total, 101);
    CHECK_INT(r[0].before.days, 5);
    CHECK(r[0].ok && near(r[0].rr.ratio, (21.0 / 101) / (10.0 / 100)));
    CHECK(r[0].rr.ci_low < r[0].rr.ratio && r[0].rr.ratio < r[0].rr.ci_high);
    /* leave out chanA: chanB 5/50 -> 6/51; leave out chanB: chanA 5/50 -> 15/50 */
    CHECK(near(r[0].loo_min, (6.0 / 51) / (5.0 / 50)));
    CHECK(near(r[0].loo_max, 3.0));
    /* fr: 5 of 50 -> 30 of 50 */
    CHECK_INT(r[1].before.posts, 5);
    CHECK_INT(r[1].after.posts, 30);
    CHECK(r[1].ok && near(r[1].rr.ratio, 6.0));
    CHECK(isnan(r[1].loo_min)); /* one channel */
    /* q-values: Benjamini-Hochberg of the two p-values */
    double p[2] = {r[0].rr.p_value, r[1].rr.p_value}, qv[2];
    CHECK_INT(tocsin_bh_qvalues(p, 2, qv, &err), TOCSIN_OK);
    CHECK(near(r[0].q_value, qv[0]) && near(r[1].q_value, qv[1]));
    CHECK(r[0].has_verdict && r[1].has_verdict);
    tocsin_verdict v0, v1;
    tocsin_verdict_judge(r[0].rr.ci_low, r[0].rr.ci_high, 1.5, 2.5, &v0, &err);
    tocsin_verdict_judge(r[1].rr.ci_low, r[1].rr.ci_high, 1.5, 2.5, &v1, &err);
    CHECK_INT(r[0].verdict, v0);
    CHECK_INT(r[1].verdict, v1);
    /* about 2-fold from 10 and 21 posts: the interval also holds 1 */
    CHECK(r[0].rr.ci_low <= 1.0);
    CHECK_INT(r[0].verdict, TOCSIN_VERDICT_INCONCLUSIVE);
    /* the daily series for charts */
    CHECK_INT(r[1].n_days, 10);
    CHECK_INT(r[1].first_day, T0);
    CHECK_INT(r[1].day_posts[0], 1);
    CHECK_INT(r[1].day_posts[9], 6);
    CHECK_INT(r[1].day_total[9], 10);
    tocsin_compare_rows_free(r, n);
}

static void test_compare_posts_per_day(void)
{
    tocsin_compare_query q;
    query(&q);
    q.measure = TOCSIN_MEASURE_POSTS;
    q.by = TOCSIN_COMPARE_BY_NONE;
    tocsin_compare_row *r = NULL;
    size_t n = 0;
    tocsin_error err;
    CHECK_INT(tocsin_compare(store, &q, &r, &n, &err), TOCSIN_OK);
    CHECK_INT(n, 1);
    if (n != 1)
        return;
    CHECK_STR(r[0].group, "all");
    /* before: en 10 + fr 5 = 15 of 150; after: en 20 + 20 flood + fr 30 = 70 of 170 */
    CHECK_INT(r[0].before.posts, 15);
    CHECK_INT(r[0].after.posts, 70);
    CHECK_INT(r[0].after.total, 170);
    CHECK(near(r[0].rr.ratio, (70.0 / 170) / (15.0 / 150)));
    tocsin_compare_rows_free(r, n);
    q.normalize = TOCSIN_NORM_PER_DAY;
    q.by = TOCSIN_COMPARE_BY_CHANNEL;
    CHECK_INT(tocsin_compare(store, &q, &r, &n, &err), TOCSIN_OK);
    CHECK_INT(n, 3);
    if (n != 3)
        return;
    CHECK_STR(r[0].group, "chanA");
    CHECK_STR(r[1].group, "chanB");
    CHECK(near(r[0].rr.ratio, 3.0));         /* 15 vs 5 posts in 5 days each */
    CHECK(near(r[1].rr.ratio, 25.0 / 5.0));  /* 5 + 20 flood vs 5 */
    CHECK(r[1].rr.has_quasi);                /* the flood day makes it over-dispersed */
    CHECK_INT(r[1].rr.ci_method, TOCSIN_CI_QUASI_POISSON);
    tocsin_compare_rows_free(r, n);
    q.measure = TOCSIN_MEASURE_AUTHORS;
    q.by = TOCSIN_COMPARE_BY_LANG;
    q.normalize = TOCSIN_NORM_SHARE;
    CHECK_INT(tocsin_compare(store, &q, &r, &n, &err), TOCSIN_OK);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK(r[0].ok && r[0].rr.ci_method == TOCSIN_CI_EXACT_BINOMIAL && !r[0].rr.has_quasi);
        CHECK(isnan(r[0].loo_min));
        CHECK(r[0].before.total <= 7 && r[0].before.posts <= 7); /* authors u0..u6 */
    }
    tocsin_compare_rows_free(r, n);
}

static void test_compare_errors(void)
{
    tocsin_compare_query q;
    tocsin_compare_row *r = NULL;
    size_t n = 0;
    tocsin_error err;
    query(&q);
    q.topic = "nope";
    CHECK_INT(tocsin_compare(store, &q, &r, &n, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "unknown topic 'nope'") && strstr(err.message, "fire, other"));
    query(&q);
    q.after_from = T0 + 4 * 86400L;
    CHECK_INT(tocsin_compare(store, &q, &r, &n, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "overlap") != NULL);
    query(&q);
    q.before_from = T0 - 20 * 86400L;
    q.before_to = T0 - 10 * 86400L;
    CHECK_INT(tocsin_compare(store, &q, &r, &n, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "no posts at all in the before window") != NULL);
    query(&q);
    q.topic = "other";
    CHECK_INT(tocsin_compare(store, &q, &r, &n, &err), TOCSIN_ERR_STATS);
    query(&q);
    q.before_to = q.before_from + 3600; /* not whole days */
    CHECK_INT(tocsin_compare(store, &q, &r, &n, &err), TOCSIN_ERR_USAGE);
}

static void test_day_range(void)
{
    int64_t a, b;
    tocsin_error err;
    CHECK_INT(tocsin_day_range_parse("2024-02-28..2024-03-01", &a, &b, &err), TOCSIN_OK);
    CHECK_INT(a, 1709078400);
    CHECK_INT(b - a, 3 * 86400); /* 2024 is a leap year: 28, 29, 1 */
    CHECK_INT(tocsin_day_range_parse("2023-02-29..2023-03-01", &a, &b, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_day_range_parse("2024-03-02..2024-03-01", &a, &b, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_day_range_parse("2024-03-02", &a, &b, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_day_range_parse("2024-3-2..2024-03-04", &a, &b, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_day_range_parse("1969-12-31..1970-01-01", &a, &b, &err), TOCSIN_OK);
    CHECK_INT(a, -86400);
    tocsin_measure m;
    CHECK_INT(tocsin_measure_parse("authors", &m), TOCSIN_OK);
    CHECK_INT(m, TOCSIN_MEASURE_AUTHORS);
    CHECK_INT(tocsin_measure_parse("people", &m), TOCSIN_ERR_USAGE);
}

static void test_surges(void)
{
    tocsin_surge_query q;
    tocsin_surge_query_init(&q);
    q.topic = "fire";
    q.lang = "fr";
    tocsin_surges_result *r = NULL;
    tocsin_error err;
    CHECK_INT(tocsin_surges(store, &q, &r, &err), TOCSIN_OK);
    const tocsin_surge_finding *f;
    const tocsin_surge_series *s;
    size_t nf = tocsin_surges_findings(r, &f), ns = tocsin_surges_series(r, &s);
    CHECK_INT(ns, 1);
    CHECK_INT(nf, 1);
    if (nf == 1 && ns == 1) {
        CHECK(s[0].analysed && s[0].n == 10 && s[0].penalty > 0);
        CHECK_INT(s[0].cost, TOCSIN_CPT_QUASI_POISSON); /* shares */
        CHECK_INT(f[0].start, T0 + 5 * 86400L);
        CHECK(f[0].ongoing);
        CHECK(f[0].has_rr && near(f[0].rr.ratio, 6.0));
        CHECK(near(f[0].rate_before, 0.1) && near(f[0].rate_after, 0.6));
        CHECK_INT(f[0].posts, 30);
        CHECK_INT(f[0].kept, 30);
        CHECK_INT(f[0].n_terms, 1);
        CHECK_STR(f[0].terms[0].name, "feu");
        CHECK_INT(f[0].terms[0].posts, 30);
        CHECK_INT(f[0].n_channels, 1);
        CHECK_STR(f[0].channels[0].name, "chanC");
        CHECK_INT(f[0].n_clusters, 0);
        CHECK_INT(f[0].n_first, 5);
        for (size_t i = 0; i < f[0].n_first; i++) {
            CHECK(f[0].first[i].ts >= f[0].start);
            CHECK(i == 0 || f[0].first[i].ts >= f[0].first[i - 1].ts);
            CHECK(strncmp(f[0].first[i].text, "feu ", 4) == 0);
        }
        /* the evidence files */
        CHECK_INT(tocsin_surges_write_evidence(store, r, &q, "{\"test\":1}", path_of("ev"), &err),
                  TOCSIN_OK);
        FILE *csv = fopen(path_of("ev/surge-1.csv"), "r");
        int lines = 0;
        char buf[1024];
        while (csv && fgets(buf, sizeof buf, csv))
            lines++;
        if (csv)
            fclose(csv);
        CHECK_INT(lines, 31);
        CHECK(access(path_of("ev/surge-1.json"), R_OK) == 0);
        FILE *m = fopen(path_of("ev/manifest.json"), "r");
        size_t len = m ? fread(buf, 1, sizeof buf - 1, m) : 0;
        buf[len] = '\0';
        if (m)
            fclose(m);
        CHECK(strstr(buf, "\"params\":{\"test\":1}") && strstr(buf, "\"sha256\":\""));
    }
    tocsin_surges_free(r);
    /* raw posts in en: the flood day is in a surge, whose largest cluster is the flood with
     * the post that opened it as its example */
    tocsin_surge_query_init(&q);
    q.topic = "fire";
    q.lang = "en";
    q.measure = TOCSIN_MEASURE_POSTS;
    CHECK_INT(tocsin_surges(store, &q, &r, &err), TOCSIN_OK);
    nf = tocsin_surges_findings(r, &f);
    bool flood = false;
    for (size_t i = 0; i < nf; i++)
        if (f[i].start <= T0 + 7 * 86400L && f[i].until > T0 + 7 * 86400L && f[i].n_clusters &&
            f[i].clusters[0].posts == 20 &&
            strstr(f[i].clusters[0].example.text, "x.example/0 @friend0 100"))
            flood = true;
    CHECK(flood);
    tocsin_surges_free(r);
    /* unique posts in en: the flood is one post; the step at day 5 (2 -> 4 topic posts a day
     * of 20) is too small for 10 days, so no surge is claimed at the flood */
    q.measure = TOCSIN_MEASURE_UNIQUE;
    CHECK_INT(tocsin_surges(store, &q, &r, &err), TOCSIN_OK);
    nf = tocsin_surges_findings(r, &f);
    for (size_t i = 0; i < nf; i++)
        CHECK(f[i].start != T0 + 7 * 86400L);
    tocsin_surges_free(r);
    /* other methods run; errors */
    q.method = TOCSIN_SURGE_BURST;
    q.measure = TOCSIN_MEASURE_POSTS;
    CHECK_INT(tocsin_surges(store, &q, &r, &err), TOCSIN_OK);
    nf = tocsin_surges_findings(r, &f);
    bool burst = false;
    for (size_t i = 0; i < nf; i++)
        burst |= f[i].start <= T0 + 8 * 86400L && f[i].end >= T0 + 7 * 86400L;
    CHECK(burst);
    tocsin_surges_free(r);
    q.method = TOCSIN_SURGE_ESD;
    CHECK_INT(tocsin_surges(store, &q, &r, &err), TOCSIN_OK);
    tocsin_surges_free(r);
    q.topic = "nope";
    CHECK_INT(tocsin_surges(store, &q, &r, &err), TOCSIN_ERR_USAGE);
    q.topic = NULL;
    q.by = TOCSIN_BY_WEEK;
    CHECK_INT(tocsin_surges(store, &q, &r, &err), TOCSIN_ERR_USAGE);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/tocsin-test-analyse-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    if (build_store() != 0) {
        fprintf(stderr, "could not build the test store\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_day_range);
    RUN(test_compare_share_unique);
    RUN(test_compare_posts_per_day);
    RUN(test_compare_errors);
    RUN(test_surges);
    tocsin_store_close(store);
    if (!getenv("KEEP")) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return check_summary();
}
