/* test_stats_esd.c: STL and seasonal-hybrid ESD, checked against the published implementation's
 * output on its own example data (../shared/twitter-ad, see its SOURCES.md; or the directory in
 * $TOCSIN_TWITTER_AD), plus synthetic series and bad input. */
#include "check.h"
#include "tocsin.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>

typedef struct series {
    double *v;
    int64_t *ts;
    size_t n;
} series;

static char ad_dir[512];

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD HH:MM:SS" (UTC) -> epoch seconds; -1 when malformed. */
static int64_t parse_ts(const char *s)
{
    int y, mo, d, h, mi, se;
    if (sscanf(s, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &se) != 6)
        return -1;
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
}

/* Reads a two-column CSV with a header: first column a timestamp (or a 1-based index when
 * `index_col`), second a number. */
static int read_csv(const char *name, int index_col, series *out)
{
    char path[700], line[256];
    snprintf(path, sizeof path, "%s/%s", ad_dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s (set TOCSIN_TWITTER_AD to the reference directory)\n",
                path);
        return -1;
    }
    size_t cap = 1024;
    out->v = malloc(cap * sizeof *out->v);
    out->ts = malloc(cap * sizeof *out->ts);
    out->n = 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        char *comma = strchr(line, ',');
        if (!comma)
            continue;
        *comma = '\0';
        if (out->n == cap) {
            cap *= 2;
            out->v = realloc(out->v, cap * sizeof *out->v);
            out->ts = realloc(out->ts, cap * sizeof *out->ts);
        }
        out->ts[out->n] = index_col ? strtoll(line, NULL, 10) : parse_ts(line);
        out->v[out->n] = strtod(comma + 1, NULL);
        out->n++;
    }
    fclose(f);
    return 0;
}

static void series_free(series *s)
{
    free(s->v);
    free(s->ts);
}

static series raw;

/* Runs the detector and compares the flagged timestamps with the expected file: both the share
 * of expected points found (recall) and the share of flagged points expected (precision) must be
 * >= 95 %. Prints the agreement for BENCHMARKS.md. */
static void run_case(const char *name, const tocsin_esd_opts *o, int use_ts, const char *expect)
{
    series ex = {0};
    CHECK(read_csv(expect, !use_ts, &ex) == 0);
    if (!ex.n) {
        series_free(&ex);
        return;
    }
    size_t *idx = NULL, n_idx = 0;
    tocsin_error err;
    tocsin_status st =
        tocsin_esd_detect(raw.v, use_ts ? raw.ts : NULL, raw.n, o, &idx, &n_idx, &err);
    CHECK_INT(st, TOCSIN_OK);
    size_t both = 0;
    for (size_t i = 0; i < n_idx; i++) {
        int64_t key = use_ts ? raw.ts[idx[i]] : (int64_t)idx[i] + 1;
        for (size_t j = 0; j < ex.n; j++)
            if (ex.ts[j] == key) {
                both++;
                CHECK(fabs(ex.v[j] - raw.v[idx[i]]) < 1e-6);
                break;
            }
    }
    double recall = (double)both / (double)ex.n;
    double precision = n_idx ? (double)both / (double)n_idx : 0.0;
    printf("esd case %-28s expected %3zu flagged %3zu common %3zu recall %.1f%% precision %.1f%%\n",
           name, ex.n, n_idx, both, 100 * recall, 100 * precision);
    CHECK(recall >= 0.95);
    CHECK(precision >= 0.95);
    free(idx);
    series_free(&ex);
}

static void esd_ts_both(void)
{
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, 1440);
    o.max_anoms = 0.02;
    run_case("ts both 0.02", &o, 1, "expected_ts_both_maxanoms0.02.csv");
}

static void esd_ts_lastday(void)
{
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, 1440);
    o.max_anoms = 0.02;
    o.only_last = TOCSIN_ESD_LAST_DAY;
    run_case("ts both 0.02 last day", &o, 1, "expected_ts_both_maxanoms0.02_lastday.csv");
}

static void esd_ts_medmax(void)
{
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, 1440);
    o.max_anoms = 0.02;
    o.threshold = TOCSIN_ESD_THRESH_MED_MAX;
    run_case("ts both 0.02 med_max", &o, 1, "expected_ts_both_maxanoms0.02_medmax.csv");
}

static void esd_ts_pos(void)
{
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, 1440);
    o.max_anoms = 0.02;
    o.direction = TOCSIN_ESD_POS;
    run_case("ts pos 0.02", &o, 1, "expected_ts_pos_maxanoms0.02.csv");
}

static void esd_ts_neg(void)
{
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, 1440);
    o.max_anoms = 0.02;
    o.direction = TOCSIN_ESD_NEG;
    run_case("ts neg 0.02", &o, 1, "expected_ts_neg_maxanoms0.02.csv");
}

static void esd_vec_both(void)
{
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, 1440);
    o.max_anoms = 0.02;
    run_case("vec both 0.02 p1440", &o, 0, "expected_vec_both_maxanoms0.02_p1440.csv");
}

static size_t count_flags(const tocsin_esd_opts *o, int use_ts)
{
    size_t *idx = NULL, n_idx = 0;
    tocsin_status st =
        tocsin_esd_detect(raw.v, use_ts ? raw.ts : NULL, raw.n, o, &idx, &n_idx, NULL);
    CHECK_INT(st, TOCSIN_OK);
    free(idx);
    return n_idx;
}

/* Counts the reference package's own test suite states (SOURCES.md): Vec with only_last 25,
 * Vec med_max (daily maxima by period) 6, Vec piecewise with a 14-day chunk (longer than the
 * series: one chunk) 131. */
static void esd_vec_counts(void)
{
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, 1440);
    o.max_anoms = 0.02;
    o.only_last = TOCSIN_ESD_LAST_DAY;
    CHECK_INT(count_flags(&o, 0), 25);
    tocsin_esd_opts_init(&o, 1440);
    o.max_anoms = 0.02;
    o.threshold = TOCSIN_ESD_THRESH_MED_MAX;
    CHECK_INT(count_flags(&o, 0), 6);
    tocsin_esd_opts_init(&o, 1440);
    o.max_anoms = 0.02;
    o.piece = 1440 * 14;
    CHECK_INT(count_flags(&o, 0), 131);
}

/* Piecewise analysis in 4-day chunks: every chunk is analysed at full length, so the biggest
 * spikes of the whole-series analysis are still found. */
static void esd_piecewise(void)
{
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, 1440);
    o.max_anoms = 0.02;
    size_t *whole = NULL, nw = 0, *pw = NULL, np = 0;
    CHECK_INT(tocsin_esd_detect(raw.v, NULL, raw.n, &o, &whole, &nw, NULL), TOCSIN_OK);
    o.piece = 1440 * 4;
    CHECK_INT(tocsin_esd_detect(raw.v, NULL, raw.n, &o, &pw, &np, NULL), TOCSIN_OK);
    CHECK(np > 0);
    /* the most extreme points (values far from every day's range) are flagged either way */
    size_t common = 0;
    for (size_t i = 0; i < nw; i++)
        for (size_t j = 0; j < np; j++)
            if (whole[i] == pw[j])
                common++;
    CHECK(common >= nw / 2);
    free(whole);
    free(pw);
}

/* A synthetic seasonal series with three planted spikes: exactly those are found. */
static void esd_synthetic(void)
{
    size_t n = 24 * 14;
    double *y = malloc(n * sizeof *y);
    uint64_t s = 42;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        y[i] = 100 + 30 * sin(2 * M_PI * (double)(i % 24) / 24.0) + 4 * u;
    }
    y[50] += 60;
    y[200] -= 50;
    y[300] += 80;
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, 24);
    o.max_anoms = 0.05;
    size_t *idx = NULL, k = 0;
    CHECK_INT(tocsin_esd_detect(y, NULL, n, &o, &idx, &k, NULL), TOCSIN_OK);
    CHECK_INT(k, 3);
    if (k == 3) {
        CHECK_INT(idx[0], 50);
        CHECK_INT(idx[1], 200);
        CHECK_INT(idx[2], 300);
    }
    free(idx);
    o.direction = TOCSIN_ESD_POS;
    CHECK_INT(tocsin_esd_detect(y, NULL, n, &o, &idx, &k, NULL), TOCSIN_OK);
    CHECK_INT(k, 2);
    free(idx);
    o.direction = TOCSIN_ESD_NEG;
    CHECK_INT(tocsin_esd_detect(y, NULL, n, &o, &idx, &k, NULL), TOCSIN_OK);
    CHECK_INT(k, 1);
    if (k == 1)
        CHECK_INT(idx[0], 200);
    free(idx);
    free(y);
}


static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_copy(const double *x, size_t n, double *tmp)
{
    memcpy(tmp, x, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2.0;
}

/* The reference algorithm transliterated step by step (median and MAD recomputed from scratch,
 * first maximum in time order), to check the library's O(log n)-per-step version. */
static size_t brute_esd(const double *r0, size_t n, size_t kmax, double alpha, int dir,
                        size_t *out)
{
    double *r = malloc(n * sizeof *r), *tmp = malloc(n * sizeof *tmp);
    size_t *idx = malloc(n * sizeof *idx), m = n, num = 0;
    memcpy(r, r0, n * sizeof *r);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = 1; i <= kmax && m > 2; i++) {
        double med = median_copy(r, m, tmp);
        double *dev = malloc(m * sizeof *dev);
        for (size_t j = 0; j < m; j++)
            dev[j] = fabs(r[j] - med);
        double sigma = 1.4826 * median_copy(dev, m, tmp);
        free(dev);
        if (sigma == 0)
            break;
        size_t best = 0;
        double R = -INFINITY;
        for (size_t j = 0; j < m; j++) {
            double a = dir == 1 ? r[j] - med : dir == 2 ? med - r[j] : fabs(r[j] - med);
            a /= sigma;
            if (a > R) {
                R = a;
                best = j;
            }
        }
        out[i - 1] = idx[best];
        memmove(r + best, r + best + 1, (m - best - 1) * sizeof *r);
        memmove(idx + best, idx + best + 1, (m - best - 1) * sizeof *idx);
        m--;
        double left = (double)(n - i + 1), df = (double)(n - i - 1);
        double p = dir == 0 ? 1 - alpha / (2.0 * left) : 1 - alpha / left;
        double t = gsl_cdf_tdist_Pinv(p, df);
        double lam = t * (double)(n - i) / sqrt((df + t * t) * left);
        if (R > lam)
            num = i;
    }
    free(r);
    free(tmp);
    free(idx);
    return num;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Small-integer seasonal series (many tied residuals) with spikes: the library's ESD flags the
 * same points as the step-by-step reference, in every direction. */
static void esd_matches_bruteforce(void)
{
    size_t n = 24 * 20, period = 24;
    double *y = malloc(n * sizeof *y), *seas = malloc(n * sizeof *seas),
           *trend = malloc(n * sizeof *trend), *res = malloc(n * sizeof *res),
           *tmp = malloc(n * sizeof *tmp);
    uint64_t s = 99;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        y[i] = (double)(10 + (i % 24 < 12 ? 5 : 0) + (int)((s >> 33) % 5));
        if (s % 53 == 0)
            y[i] += 25;
        if (s % 61 == 0)
            y[i] = 0;
    }
    tocsin_stl_opts so;
    tocsin_stl_opts_init(&so, period, true, true);
    CHECK_INT(tocsin_stl(y, n, &so, seas, trend, NULL, NULL), TOCSIN_OK);
    double med = median_copy(y, n, tmp);
    for (size_t i = 0; i < n; i++)
        res[i] = y[i] - seas[i] - med;
    for (int dir = 0; dir < 3; dir++) {
        tocsin_esd_opts o;
        tocsin_esd_opts_init(&o, period);
        o.max_anoms = 0.1;
        o.direction = (tocsin_esd_direction)dir;
        size_t *idx = NULL, k = 0, want[48];
        CHECK_INT(tocsin_esd_detect(y, NULL, n, &o, &idx, &k, NULL), TOCSIN_OK);
        size_t nw = brute_esd(res, n, 48, 0.05, dir, want);
        qsort(want, nw, sizeof *want, cmp_size);
        CHECK(nw > 3);
        CHECK_INT(k, nw);
        for (size_t i = 0; i < k && i < nw; i++)
            CHECK_INT(idx[i], want[i]);
        free(idx);
    }
    free(y);
    free(seas);
    free(trend);
    free(res);
    free(tmp);
}

/* STL recovers a known seasonal pattern and trend, and the parts add up. */
static void stl_synthetic(void)
{
    size_t n = 12 * 10;
    double *y = malloc(n * sizeof *y), *s = malloc(n * sizeof *s), *t = malloc(n * sizeof *t),
           *r = malloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++)
        y[i] = 10 + 0.5 * (double)i + 5 * cos(2 * M_PI * (double)i / 12.0);
    tocsin_stl_opts o;
    tocsin_stl_opts_init(&o, 12, true, false);
    o.inner = 10; /* two inner passes (the default) leave ~0.3 of bias on a steep trend */
    CHECK_INT(tocsin_stl(y, n, &o, s, t, r, NULL), TOCSIN_OK);
    double maxerr = 0;
    for (size_t i = 12; i + 12 < n; i++) {
        double e = fabs(s[i] - 5 * cos(2 * M_PI * (double)i / 12.0));
        if (e > maxerr)
            maxerr = e;
        CHECK(fabs(s[i] + t[i] + r[i] - y[i]) < 1e-9);
    }
    printf("stl maxerr %g\n", maxerr);
    CHECK(maxerr < 0.05);
    /* robust: one huge outlier barely moves the seasonal estimate */
    y[60] += 1000;
    tocsin_stl_opts_init(&o, 12, true, true);
    CHECK_INT(tocsin_stl(y, n, &o, s, t, r, NULL), TOCSIN_OK);
    CHECK(fabs(s[60] - 5 * cos(2 * M_PI * 60 / 12.0)) < 1.0);
    CHECK(r[60] > 900);
    free(y);
    free(s);
    free(t);
    free(r);
}

static void esd_bad_input(void)
{
    double y[100];
    for (int i = 0; i < 100; i++)
        y[i] = i % 7;
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, 60);
    size_t *idx = NULL, k = 0;
    tocsin_error err;
    CHECK_INT(tocsin_esd_detect(y, NULL, 100, &o, &idx, &k, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "two periods") != NULL);
    tocsin_esd_opts_init(&o, 7);
    o.max_anoms = 0.6;
    CHECK_INT(tocsin_esd_detect(y, NULL, 100, &o, &idx, &k, &err), TOCSIN_ERR_USAGE);
    o.max_anoms = 0.001;
    CHECK_INT(tocsin_esd_detect(y, NULL, 100, &o, &idx, &k, &err), TOCSIN_ERR_USAGE);
    tocsin_esd_opts_init(&o, 7);
    o.only_last = TOCSIN_ESD_LAST_HOUR;
    CHECK_INT(tocsin_esd_detect(y, NULL, 100, &o, &idx, &k, &err), TOCSIN_ERR_USAGE);
    tocsin_esd_opts_init(&o, 7);
    y[5] = NAN;
    CHECK_INT(tocsin_esd_detect(y, NULL, 100, &o, &idx, &k, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "observation 6") != NULL);
    y[5] = 1e308; /* would overflow the decomposition's sums */
    CHECK_INT(tocsin_esd_detect(y, NULL, 100, &o, &idx, &k, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "beyond") != NULL);
    /* a constant series has no anomaly (MAD 0 stops the test) */
    for (int i = 0; i < 100; i++)
        y[i] = 3;
    CHECK_INT(tocsin_esd_detect(y, NULL, 100, &o, &idx, &k, &err), TOCSIN_OK);
    CHECK_INT(k, 0);
    CHECK(idx == NULL);
}

int main(void)
{
    const char *env = getenv("TOCSIN_TWITTER_AD");
    snprintf(ad_dir, sizeof ad_dir, "%s", env && *env ? env : "../shared/twitter-ad");
    int have = read_csv("raw_data.csv", 0, &raw) == 0 && raw.n == 14398;
    if (have) {
        RUN(esd_ts_both);
        RUN(esd_ts_lastday);
        RUN(esd_ts_medmax);
        RUN(esd_ts_pos);
        RUN(esd_ts_neg);
        RUN(esd_vec_both);
        RUN(esd_vec_counts);
        RUN(esd_piecewise);
    } else {
        check_case_begin("reference data");
        CHECK(!"the twitter-ad reference series is missing");
        check_case_end();
    }
    RUN(esd_synthetic);
    RUN(esd_matches_bruteforce);
    RUN(stl_synthetic);
    RUN(esd_bad_input);
    series_free(&raw);
    return check_summary();
}
