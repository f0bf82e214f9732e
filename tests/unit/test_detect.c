/* test_detect.c: the NAB scorer on a hand-computed example, and the streaming detector's
 * contract (scores in [0,1], a row's score never depends on later rows, a clear spike alarms,
 * bad parameters and bad CSV rows give errors naming the field and line). */
#include "check.h"
#include "stats/nab.h"

#include <math.h>
#include <unistd.h>

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static const nab_costs standard = {1.0, 0.11, 1.0};

/* 100 rows: probation = floor(15) = 15 rows. Window A = rows 40..49 (width 10), window B = rows
 * 80..89. Detections: row 5 (probation: ignored), row 20 (before any window: -0.11), row 42
 * (in A at position -(49-42+1)/10 = -0.8: sigma(-0.8)/sigma(-1) = 0.964028/0.986614 =
 * 0.9771068), row 45 (later in A: A keeps its best), row 60 (after A at (60-49)/(10-1) = 1.2222:
 * 0.11 * sigma(1.2222) = -0.1095131). B is missed: -1. Total = -0.2424063. */
static void fill_example(double *score)
{
    for (int i = 0; i < 100; i++)
        score[i] = 0.1;
    score[5] = 0.9;
    score[20] = 0.9;
    score[42] = 0.9;
    score[45] = 0.9;
    score[60] = 0.9;
}

static void test_scorer_hand_example(void)
{
    double score[100];
    fill_example(score);
    nab_window win[2] = {{40, 49}, {80, 89}};
    nab_series s = {"example", 100, score, win, 2};
    CHECK_INT(nab_probation(100), 15);
    CHECK_INT(nab_probation(10000), 750);
    CHECK(NEAR(nab_scaled_sigmoid(-1.0), 0.9866142981514305));
    CHECK(NEAR(nab_scaled_sigmoid(3.0), -1.0));
    double total;
    nab_counts c;
    CHECK_INT(nab_score_at(&s, &standard, 0.5, &total, &c, NULL), TOCSIN_OK);
    CHECK(fabs(total - (0.9771068409226045 - 0.10951310130369775 - 0.11 - 1.0)) < 1e-9);
    CHECK_INT(c.tp, 2);
    CHECK_INT(c.fp, 2);
    CHECK_INT(c.fn, 18);
    CHECK_INT(c.tn, 63);
    CHECK_INT(c.total, 100);
    CHECK_INT(c.windows, 2);
    CHECK_INT(c.windows_hit, 1);
    /* The low-FN profile doubles the miss. */
    nab_costs low_fn = {1.0, 0.11, 2.0};
    CHECK_INT(nab_score_at(&s, &low_fn, 0.5, &total, NULL, NULL), TOCSIN_OK);
    CHECK(fabs(total - (0.9771068409226045 - 0.10951310130369775 - 0.11 - 2.0)) < 1e-9);
    /* Detecting nothing: both windows missed. */
    CHECK_INT(nab_score_at(&s, &standard, 2.0, &total, NULL, NULL), TOCSIN_OK);
    CHECK(NEAR(total, -2.0));
    /* Normalization: null = -2, perfect = +2. */
    CHECK(NEAR(nab_normalize(-2.0, 2, &standard), 0.0));
    CHECK(NEAR(nab_normalize(2.0, 2, &standard), 100.0));
    CHECK(NEAR(nab_normalize(0.0, 2, &standard), 50.0));
}

static void test_scorer_sweep(void)
{
    double score[100];
    fill_example(score);
    score[20] = 0.95; /* the FP before the window ranks above the rest */
    score[85] = 0.5;  /* a late hit in B, ranked between the detections and the noise */
    nab_window win[2] = {{40, 49}, {80, 89}};
    nab_series s = {"example", 100, score, win, 2};
    double thr, best;
    CHECK_INT(nab_sweep(&s, 1, &standard, &thr, &best, NULL), TOCSIN_OK);
    /* Candidates: 0.95 -> -2.11; 0.9 -> -0.2424 (B missed); 0.5 -> adds B at row 85:
     * position -(89-85+1)/10 = -0.5 -> sigma(-0.5)/sigma(-1) = 0.8598; 0.1 -> every row. */
    double at09, at05, at01;
    nab_score_at(&s, &standard, 0.9, &at09, NULL, NULL);
    nab_score_at(&s, &standard, 0.5, &at05, NULL, NULL);
    nab_score_at(&s, &standard, 0.1, &at01, NULL, NULL);
    CHECK(at05 > at09 && at05 > at01);
    CHECK(NEAR(thr, 0.5));
    CHECK(NEAR(best, at05));
    /* Bad windows are refused. */
    nab_window bad[2] = {{40, 49}, {45, 60}};
    nab_series sb = {"bad", 100, score, bad, 2};
    tocsin_error err;
    CHECK_INT(nab_sweep(&sb, 1, &standard, &thr, &best, &err), TOCSIN_ERR_USAGE);
    CHECK_STR(err.field, "window");
}

/* A daily-ish wave with noise from a fixed LCG, and a spike at row `spike`. */
static double series_value(int i, int spike)
{
    static uint64_t st;
    if (i == 0)
        st = 12345;
    st = st * 6364136223846793005ULL + 1442695040888963407ULL;
    double noise = (double)(st >> 11) / 9007199254740992.0 - 0.5;
    double v = 100 + 20 * sin(2 * M_PI * i / 288.0) + 4 * noise;
    if (i >= spike && i < spike + 3)
        v += 400;
    return v;
}

static void test_detector_streaming(void)
{
    enum { N = 4000, CUT = 1700, SPIKE = 3000 };
    static double full[N], v[N];
    for (int i = 0; i < N; i++)
        v[i] = series_value(i, SPIKE);
    tocsin_detector *d;
    CHECK_INT(tocsin_detector_new(NULL, &d, NULL), TOCSIN_OK);
    for (int i = 0; i < N; i++) {
        CHECK_INT(tocsin_detector_update(d, 1400000000 + 300 * (int64_t)i, v[i], &full[i], NULL),
                  TOCSIN_OK);
        CHECK(full[i] >= 0 && full[i] <= 1);
    }
    CHECK_INT(tocsin_detector_rows(d), N);
    tocsin_detector_free(d);
    /* The same rows fed to a fresh detector, stopping at CUT: identical scores. */
    CHECK_INT(tocsin_detector_new(NULL, &d, NULL), TOCSIN_OK);
    int same = 1;
    for (int i = 0; i < CUT; i++) {
        double s;
        tocsin_detector_update(d, 1400000000 + 300 * (int64_t)i, v[i], &s, NULL);
        same &= s == full[i];
    }
    CHECK(same);
    /* A non-finite value is refused. */
    double s;
    tocsin_error err;
    CHECK_INT(tocsin_detector_update(d, 0, NAN, &s, &err), TOCSIN_ERR_USAGE);
    CHECK_STR(err.field, "value");
    tocsin_detector_free(d);
    /* The spike raises an alarm within 10 rows; the quiet stretch before it raises none. */
    int alarm_at_spike = 0, alarms_before = 0;
    for (int i = SPIKE; i < SPIKE + 10; i++)
        alarm_at_spike |= full[i] >= 0.5;
    for (int i = 1000; i < SPIKE; i++)
        alarms_before += full[i] >= 0.5;
    CHECK(alarm_at_spike);
    CHECK_INT(alarms_before, 0);
}

/* Day (08:00-20:00 UTC) at about 100, night at about 10, 5-minute rows for 20 days; on day 15
 * at 03:00 the night jumps to the day's level for two hours. Every value of that burst is
 * ordinary over the whole series; only its hour makes it unusual: the seasonal ranks raise an
 * alarm, and without them (season_window = 0) nothing does. */
static int seasonal_run(uint32_t season_window, int *alarms_before)
{
    enum { PER_DAY = 288, DAYS = 20 };
    tocsin_detector_params p;
    tocsin_detector_params_init(&p);
    p.season_window = season_window;
    tocsin_detector *d;
    CHECK_INT(tocsin_detector_new(&p, &d, NULL), TOCSIN_OK);
    uint64_t st = 99;
    int alarm_burst = 0;
    *alarms_before = 0;
    for (int i = 0; i < PER_DAY * DAYS; i++) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        double noise = (double)(st >> 11) / 9007199254740992.0 * 4 - 2;
        int minute = (i % PER_DAY) * 5, day = i / PER_DAY;
        bool daytime = minute >= 8 * 60 && minute < 20 * 60;
        bool burst = day == 15 && minute >= 3 * 60 && minute < 5 * 60;
        double v = (daytime || burst ? 100 : 10) + noise, s;
        CHECK_INT(tocsin_detector_update(d, 1420070400 + 300 * (int64_t)i, v, &s, NULL), TOCSIN_OK);
        if (day >= 5 && day < 15 && s >= 0.5)
            (*alarms_before)++;
        if (burst && s >= 0.5)
            alarm_burst = 1;
    }
    tocsin_detector_free(d);
    return alarm_burst;
}

static void test_detector_seasonal(void)
{
    int before;
    CHECK(seasonal_run(1000, &before));
    CHECK_INT(before, 0);
    CHECK(!seasonal_run(0, &before));
    CHECK_INT(before, 0);
}

static void test_detector_params(void)
{
    tocsin_detector_params p;
    tocsin_detector_params_init(&p);
    p.context = 0;
    tocsin_detector *d = NULL;
    tocsin_error err;
    CHECK_INT(tocsin_detector_new(&p, &d, &err), TOCSIN_ERR_USAGE);
    CHECK_STR(err.field, "context");
    CHECK(d == NULL);
    tocsin_detector_params_init(&p);
    p.alarm = 1.5;
    CHECK_INT(tocsin_detector_new(&p, &d, &err), TOCSIN_ERR_USAGE);
    CHECK_STR(err.field, "alarm");
    tocsin_detector_free(NULL);
}

static void test_series_reader(void)
{
    char path[] = "/tmp/test_detect_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w");
    fputs("timestamp,value\r\n2015-02-26 21:42:53,104\r\n\n2015-02-26 21:47:53,1.5e2\n"
          "2015-02-26 21:52:53,abc\n",
          f);
    fclose(f);
    tocsin_series_reader *r;
    tocsin_error err;
    CHECK_INT(tocsin_series_open(path, NULL, &r, &err), TOCSIN_OK);
    tocsin_series_row row;
    int got;
    CHECK_INT(tocsin_series_next(r, &row, &got, &err), TOCSIN_OK);
    CHECK_INT(got, 1);
    CHECK_INT(row.ts, 1424986973);
    CHECK(row.value == 104);
    CHECK_STRN(row.value_text.ptr, row.value_text.len, "104");
    CHECK_INT(tocsin_series_next(r, &row, &got, &err), TOCSIN_OK);
    CHECK(row.value == 150);
    CHECK_INT(row.line, 4);
    CHECK_INT(tocsin_series_next(r, &row, &got, &err), TOCSIN_ERR_PARSE);
    CHECK_INT(err.line, 5);
    CHECK_STR(err.field, "value");
    CHECK_STR(err.file, path);
    tocsin_series_free(r);
    /* A header without the value column. */
    f = fopen(path, "w");
    fputs("time,count\n", f);
    fclose(f);
    CHECK_INT(tocsin_series_open(path, NULL, &r, &err), TOCSIN_ERR_FORMAT);
    CHECK_STR(err.field, "header");
    unlink(path);
    CHECK_INT(tocsin_series_open("/nonexistent/x.csv", NULL, &r, &err), TOCSIN_ERR_IO);
}

int main(void)
{
    RUN(test_scorer_hand_example);
    RUN(test_scorer_sweep);
    RUN(test_detector_streaming);
    RUN(test_detector_seasonal);
    RUN(test_detector_params);
    RUN(test_series_reader);
    return check_summary();
}
