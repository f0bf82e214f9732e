/* nab_score.c: scores anomaly detectors on the Numenta Anomaly Benchmark with tocsin's own NAB
 * scorer (src/stats/nab.c), and checks that scorer against NAB's published artefacts.
 *
 *   nab_score --nab DIR --results RES [--detail]
 *       RES/<category>/<file>.csv hold `timestamp,...,anomaly_score` for every corpus file (the
 *       output of `tocsin detect`). Prints, per profile, the corpus-optimal threshold and the raw
 *       and normalised scores for the full corpus and for realTweets (at the corpus threshold
 *       and at the subset's own optimum).
 *       --split 0|1 keeps every other file of the corpus (in label-file order), for a held-out
 *       check of parameter choices.
 *   nab_score --nab DIR --random
 *       The same for NAB's "random" detector, regenerated exactly (Python's Mersenne Twister
 *       seeded with 42 for each file, one uniform draw per row), plus its score at the
 *       thresholds of NAB's published per-row runs.
 *   nab_score --nab DIR --check-published
 *       Checks every DIR/results/<det>/<det>_<profile>_scores.csv against the corpus and against
 *       DIR/results/final_results.json: row counts, probation, window rows, exact scores where
 *       counts determine them, bounds elsewhere, totals and normalisation.
 * Ends with "N passed, N failed" when it made checks (not in --results mode). */
#include "stats/nab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 64
#define MAX_WIN 16

static const char *profile_names[3] = {"standard", "reward_low_FP_rate", "reward_low_FN_rate"};
static nab_costs profiles[3];

typedef struct corpus_file {
    char name[256];     /* e.g. "realTweets/Twitter_volume_AAPL.csv" */
    size_t n_win;
    int64_t win_ts[MAX_WIN][2];
    size_t n;           /* rows */
    int64_t *ts;
    double *score;
    nab_window win[MAX_WIN];
} corpus_file;

static corpus_file files[MAX_FILES];
static size_t n_files;
static int checks_passed, checks_failed;

static void check(bool ok, const char *fmt, ...) TC_PRINTF(2, 3);
static void check(bool ok, const char *fmt, ...)
{
    if (ok) {
        checks_passed++;
        return;
    }
    checks_failed++;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  FAIL ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    tc_buf b;
    tc_buf_init(&b, 0);
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (tc_buf_append(&b, chunk, k)) {
            fclose(f);
            tc_buf_free(&b);
            return NULL;
        }
    fclose(f);
    if (tc_buf_reserve(&b, 0)) {
        tc_buf_free(&b);
        return NULL;
    }
    b.data[b.len] = '\0';
    return b.data;
}

static void die(const char *fmt, ...) TC_PRINTF(1, 2);
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "nab_score: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* combined_windows.json: {"cat/file.csv": [["t0", "t1"], ...], ...}. A small scanner: strings at
 * bracket depth 1 are file names, strings at depth 3 are window bounds. */
static void load_windows(const char *nab)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/labels/combined_windows.json", nab);
    char *s = slurp(path);
    if (!s)
        die("cannot read %s", path);
    int depth = 0, k = 0;
    corpus_file *cur = NULL;
    for (char *p = s; *p; p++) {
        if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
        } else if (*p == '"') {
            char *e = strchr(p + 1, '"');
            if (!e)
                die("%s: unterminated string", path);
            size_t len = (size_t)(e - p - 1);
            if (depth == 1) {
                if (n_files == MAX_FILES || len >= sizeof cur->name)
                    die("%s: too many files or a long name", path);
                cur = &files[n_files++];
                memcpy(cur->name, p + 1, len);
                cur->name[len] = '\0';
                k = 0;
            } else if (depth == 3 && cur) {
                int64_t t;
                if (tocsin_time_parse(p + 1, len, NULL, &t) != TOCSIN_OK)
                    die("%s: bad time %.*s", path, (int)len, p + 1);
                if (k == 0 && cur->n_win == MAX_WIN)
                    die("%s: too many windows for %s", path, cur->name);
                cur->win_ts[cur->n_win][k] = t;
                if (++k == 2) {
                    k = 0;
                    cur->n_win++;
                }
            } else {
                die("%s: unexpected string at depth %d", path, depth);
            }
            p = e;
        }
    }
    free(s);
}

static void load_profiles(const char *nab)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/config/profiles.json", nab);
    char *s = slurp(path);
    if (!s)
        die("cannot read %s", path);
    for (int i = 0; i < 3; i++) {
        char key[64];
        snprintf(key, sizeof key, "\"%s\"", profile_names[i]);
        char *p = strstr(s, key);
        if (!p)
            die("%s: no profile %s", path, profile_names[i]);
        const char *w[3] = {"\"tpWeight\"", "\"fpWeight\"", "\"fnWeight\""};
        double *dst[3] = {&profiles[i].tp, &profiles[i].fp, &profiles[i].fn};
        for (int j = 0; j < 3; j++) {
            char *q = strstr(p, w[j]);
            if (!q || !(q = strchr(q, ':')))
                die("%s: no %s in %s", path, w[j], profile_names[i]);
            *dst[j] = strtod(q + 1, NULL);
        }
    }
    free(s);
}

/* Reads a series file's timestamps and one column of values. */
static void load_series(corpus_file *f, const char *path, const char *column)
{
    tocsin_series_reader *r;
    tocsin_error err;
    char msg[1024];
    if (tocsin_series_open(path, column, &r, &err)) {
        tocsin_error_format(&err, msg, sizeof msg);
        die("%s", msg);
    }
    size_t cap = 1024;
    f->n = 0;
    free(f->ts);
    free(f->score);
    f->ts = malloc(cap * sizeof *f->ts);
    f->score = malloc(cap * sizeof *f->score);
    for (;;) {
        tocsin_series_row row;
        int got;
        if (tocsin_series_next(r, &row, &got, &err)) {
            tocsin_error_format(&err, msg, sizeof msg);
            die("%s", msg);
        }
        if (!got)
            break;
        if (f->n == cap) {
            cap *= 2;
            f->ts = realloc(f->ts, cap * sizeof *f->ts);
            f->score = realloc(f->score, cap * sizeof *f->score);
        }
        if (!f->ts || !f->score)
            die("out of memory");
        f->ts[f->n] = row.ts;
        f->score[f->n] = row.value;
        f->n++;
    }
    tocsin_series_free(r);
    for (size_t k = 0; k < f->n_win; k++) {
        for (int e = 0; e < 2; e++) {
            size_t i = 0;
            while (i < f->n && f->ts[i] != f->win_ts[k][e])
                i++;
            if (i == f->n)
                die("%s: window %zu bound not among the timestamps", path, k);
            if (e == 0)
                f->win[k].start = i;
            else
                f->win[k].end = i;
        }
    }
}

static nab_series as_series(const corpus_file *f)
{
    nab_series s = {f->name, f->n, f->score, f->win, f->n_win};
    return s;
}

static bool in_subset(const corpus_file *f, const char *subset)
{
    return !subset || !strncmp(f->name, subset, strlen(subset));
}

static uint64_t subset_windows(const char *subset)
{
    uint64_t n = 0;
    for (size_t i = 0; i < n_files; i++) {
        if (!in_subset(&files[i], subset))
            continue;
        size_t prob = nab_probation(files[i].n);
        for (size_t k = 0; k < files[i].n_win; k++)
            n += files[i].win[k].end >= prob;
    }
    return n;
}

static double total_at(const nab_costs *c, double thr, const char *subset)
{
    double tot = 0;
    for (size_t i = 0; i < n_files; i++) {
        if (!in_subset(&files[i], subset))
            continue;
        nab_series s = as_series(&files[i]);
        double sc;
        tocsin_error err;
        if (nab_score_at(&s, c, thr, &sc, NULL, &err))
            die("%s: %s", files[i].name, err.message);
        tot += sc;
    }
    return tot;
}

static void sweep_subset(const nab_costs *c, const char *subset, double *thr, double *raw)
{
    nab_series set[MAX_FILES];
    size_t m = 0;
    for (size_t i = 0; i < n_files; i++)
        if (in_subset(&files[i], subset))
            set[m++] = as_series(&files[i]);
    tocsin_error err;
    if (nab_sweep(set, m, c, thr, raw, &err))
        die("sweep: %s", err.message);
}

/* Prints the scoreboard lines for the loaded scores. */
static void report(const char *label, bool detail)
{
    uint64_t w_all = subset_windows(NULL), w_tw = subset_windows("realTweets/");
    for (int p = 0; p < 3; p++) {
        double thr, raw, thr_tw, raw_tw;
        sweep_subset(&profiles[p], NULL, &thr, &raw);
        double tw_at = total_at(&profiles[p], thr, "realTweets/");
        sweep_subset(&profiles[p], "realTweets/", &thr_tw, &raw_tw);
        printf("%s %-18s threshold %.6f raw %8.3f score %6.2f | realTweets at corpus threshold "
               "%6.2f, own threshold %.6f: %6.2f\n",
               label, profile_names[p], thr, raw, nab_normalize(raw, w_all, &profiles[p]),
               nab_normalize(tw_at, w_tw, &profiles[p]), thr_tw,
               nab_normalize(raw_tw, w_tw, &profiles[p]));
        if (detail && p == 0) {
            for (size_t i = 0; i < n_files; i++) {
                nab_series s = as_series(&files[i]);
                nab_counts cnt;
                double sc;
                tocsin_error err;
                if (nab_score_at(&s, &profiles[p], thr, &sc, &cnt, &err))
                    die("%s", err.message);
                printf("  %-60s score %7.3f windows %llu/%llu fp %llu\n", files[i].name, sc,
                       (unsigned long long)cnt.windows_hit, (unsigned long long)cnt.windows,
                       (unsigned long long)cnt.fp);
            }
        }
    }
}

/* ---- Python's random module (Mersenne Twister MT19937), for NAB's random detector ---- */

typedef struct mt {
    uint32_t s[624];
    int i;
} mt;

static void mt_init(mt *m, uint32_t seed)
{
    m->s[0] = seed;
    for (int i = 1; i < 624; i++)
        m->s[i] = 1812433253u * (m->s[i - 1] ^ (m->s[i - 1] >> 30)) + (uint32_t)i;
    m->i = 624;
}

/* Seeding from a key array, as CPython's random.seed(int) does with the integer's 32-bit words. */
static void mt_seed_key(mt *m, const uint32_t *key, int len)
{
    mt_init(m, 19650218u);
    int i = 1, j = 0;
    for (int k = 624 > len ? 624 : len; k; k--) {
        m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= 624) {
            m->s[0] = m->s[623];
            i = 1;
        }
        if (j >= len)
            j = 0;
    }
    for (int k = 623; k; k--) {
        m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= 624) {
            m->s[0] = m->s[623];
            i = 1;
        }
    }
    m->s[0] = 0x80000000u;
    m->i = 624;
}

static uint32_t mt_next(mt *m)
{
    if (m->i >= 624) {
        for (int k = 0; k < 624; k++) {
            uint32_t y = (m->s[k] & 0x80000000u) | (m->s[(k + 1) % 624] & 0x7fffffffu);
            m->s[k] = m->s[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        m->i = 0;
    }
    uint32_t y = m->s[m->i++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* random.random(): 53 random bits. */
static double mt_double(mt *m)
{
    uint32_t a = mt_next(m) >> 5, b = mt_next(m) >> 6;
    return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

/* ---- checks of NAB's published per-file scores ---- */

static corpus_file *find_file(const char *name)
{
    for (size_t i = 0; i < n_files; i++)
        if (!strcmp(files[i].name, name))
            return &files[i];
    return NULL;
}

/* Reads "detector": {"profile": number, ...} from final_results.json. */
static bool published_final(const char *json, const char *det, const char *prof, double *out)
{
    char key[128];
    snprintf(key, sizeof key, "\"%s\"", det);
    const char *p = strstr(json, key);
    if (!p)
        return false;
    const char *end = strchr(p, '}');
    snprintf(key, sizeof key, "\"%s\"", prof);
    const char *q = strstr(p, key);
    if (!q || q > end || !(q = strchr(q, ':')))
        return false;
    *out = strtod(q + 1, NULL);
    return true;
}

static void check_published(const char *nab)
{
    static const char *dets[] = {"ARTime", "bayesChangePt", "contextOSE", "earthgeckoSkyline",
                                 "expose", "htmjava", "knncad", "null", "numenta", "numentaTM",
                                 "random", "randomCutForest", "relativeEntropy", "skyline",
                                 "twitterADVec", "windowedGaussian"};
    char path[1024];
    snprintf(path, sizeof path, "%s/results/final_results.json", nab);
    char *final = slurp(path);
    if (!final)
        die("cannot read %s", path);
    uint64_t w_all = subset_windows(NULL), w_tw = subset_windows("realTweets/");
    printf("corpus: %zu files, %llu windows (%llu in realTweets)\n", n_files,
           (unsigned long long)w_all, (unsigned long long)w_tw);
    for (size_t d = 0; d < sizeof dets / sizeof dets[0]; d++) {
        for (int p = 0; p < 3; p++) {
            const nab_costs *c = &profiles[p];
            snprintf(path, sizeof path, "%s/results/%s/%s_%s_scores.csv", nab, dets[d], dets[d],
                     profile_names[p]);
            char *csv = slurp(path);
            if (!csv) {
                check(false, "%s: missing", path);
                continue;
            }
            double sum = 0, sum_tw = 0, total_score = NAN, thr = NAN;
            size_t rows = 0, exact = 0, bounded = 0, count_ok = 0;
            char *save = NULL;
            for (char *line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *fld[10];
                int nf = 0;
                for (char *p2 = line; nf < 10;) {
                    fld[nf++] = p2;
                    char *cma = strchr(p2, ',');
                    if (!cma)
                        break;
                    *cma = '\0';
                    p2 = cma + 1;
                }
                if (nf < 10 || !strcmp(fld[0], "Detector"))
                    continue;
                double score = strtod(fld[4], NULL);
                unsigned long long tp = strtoull(fld[5], NULL, 10), tn = strtoull(fld[6], NULL, 10),
                                   fp = strtoull(fld[7], NULL, 10), fn = strtoull(fld[8], NULL, 10),
                                   tot = strtoull(fld[9], NULL, 10);
                if (!strcmp(fld[0], "Totals")) {
                    total_score = score;
                    continue;
                }
                corpus_file *f = find_file(fld[2]);
                if (!f) {
                    check(false, "%s: unknown file %s", path, fld[2]);
                    continue;
                }
                if (rows == 0)
                    thr = strtod(fld[3], NULL);
                rows++;
                sum += score;
                if (in_subset(f, "realTweets/"))
                    sum_tw += score;
                /* Row counts: total, probation, rows inside windows. */
                size_t prob = nab_probation(f->n), in_win = 0, nwin = 0;
                for (size_t k = 0; k < f->n_win; k++) {
                    size_t a = f->win[k].start > prob ? f->win[k].start : prob;
                    if (f->win[k].end >= a)
                        in_win += f->win[k].end - a + 1;
                    nwin += f->win[k].end >= prob;
                }
                /* v1.0 files count the probationary rows in Total_Count, v1.1 files (ARTime) do not. */
                bool counts = (tot == f->n || tot == f->n - prob) &&
                              tp + tn + fp + fn + prob == f->n && tp + fn == in_win;
                /* The random detector's stale files come from another run (SOURCES.md, 2). */
                if (strcmp(dets[d], "random"))
                    check(counts, "%s: %s: counts tp %llu tn %llu fp %llu fn %llu total %llu vs rows "
                          "%zu probation %zu window rows %zu", path, f->name, tp, tn, fp, fn, tot,
                          f->n, prob, in_win);
                count_ok += counts;
                /* Exact when no window is hit: misses plus FPs at full weight if no window
                 * precedes them (files without windows), else only bounds. */
                double lo = -c->fn * (double)nwin - c->fp * (double)fp;
                double hi = c->tp * (double)(tp < nwin ? tp : nwin);
                if (tp == 0 && (fp == 0 || nwin == 0)) {
                    double want = -c->fn * (double)nwin - c->fp * (double)fp;
                    check(fabs(score - want) < 1e-6, "%s: %s: score %.9g, expected %.9g", path,
                          f->name, score, want);
                    exact++;
                } else {
                    check(score >= lo - 1e-9 && score <= hi + 1e-9,
                          "%s: %s: score %.9g outside [%.6g, %.6g]", path, f->name, score, lo, hi);
                    bounded++;
                }
            }
            free(csv);
            if (strcmp(dets[d], "random")) /* stale: another run (SOURCES.md, item 2) */
                check(rows == n_files, "%s: %zu file rows, expected %zu", path, rows, n_files);
            check(fabs(sum - total_score) < 1e-6 * (1 + fabs(sum)),
                  "%s: files sum to %.9g, Totals says %.9g", path, sum, total_score);
            double norm = nab_normalize(total_score, w_all, c), pub;
            bool have = published_final(final, dets[d], profile_names[p], &pub);
            if (have && strcmp(dets[d], "random"))
                check(fabs(norm - pub) < 1e-6, "%s %s: normalised %.9f, final_results.json %.9f",
                      dets[d], profile_names[p], norm, pub);
            printf("%-17s %-18s thr %.6f files %zu counts-ok %zu exact %zu bounded %zu raw %9.4f "
                   "norm %7.3f published %s%7.3f | realTweets %6.2f\n",
                   dets[d], profile_names[p], thr, rows, count_ok, exact, bounded, total_score,
                   norm, have ? "" : "(none) ", have ? pub : NAN,
                   nab_normalize(sum_tw, w_tw, c));
        }
    }
    free(final);
}

int main(int argc, char **argv)
{
    const char *nab = NULL, *res = NULL;
    bool random_mode = false, published = false, detail = false;
    int split = -1; /* 0 or 1: keep every other corpus file only (a held-out check) */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--nab") && i + 1 < argc)
            nab = argv[++i];
        else if (!strcmp(argv[i], "--results") && i + 1 < argc)
            res = argv[++i];
        else if (!strcmp(argv[i], "--random"))
            random_mode = true;
        else if (!strcmp(argv[i], "--check-published"))
            published = true;
        else if (!strcmp(argv[i], "--detail"))
            detail = true;
        else if (!strcmp(argv[i], "--split") && i + 1 < argc)
            split = atoi(argv[++i]);
        else
            die("usage: nab_score --nab DIR (--results RES | --random | --check-published) "
                "[--detail] [--split 0|1]");
    }
    if (!nab || (!res && !random_mode && !published))
        die("usage: nab_score --nab DIR (--results RES | --random | --check-published) [--detail]");
    load_profiles(nab);
    load_windows(nab);
    if (split == 0 || split == 1) {
        size_t m = 0;
        for (size_t i = 0; i < n_files; i++)
            if ((int)(i % 2) == split)
                files[m++] = files[i];
        n_files = m;
    }
    char path[1024];
    for (size_t i = 0; i < n_files; i++) {
        snprintf(path, sizeof path, "%.700s/data/%.255s", nab, files[i].name);
        load_series(&files[i], path, "value");
    }
    if (published)
        check_published(nab);
    if (random_mode) {
        for (size_t i = 0; i < n_files; i++) {
            mt m;
            uint32_t key = 42;
            mt_seed_key(&m, &key, 1);
            for (size_t r = 0; r < files[i].n; r++)
                files[i].score[r] = mt_double(&m);
        }
        report("random", detail);
        /* The thresholds of NAB's published random run (SOURCES.md, item 2). */
        snprintf(path, sizeof path, "%s/results/final_results.json", nab);
        char *final = slurp(path);
        for (int p = 0; p < 3; p++) {
            snprintf(path, sizeof path, "%s/results/random/random_%s_scores.csv", nab,
                     profile_names[p]);
            char *csv = slurp(path);
            char *line2 = csv ? strchr(csv, '\n') : NULL;
            double thr = NAN, pub = NAN;
            if (line2) {
                char *f3 = line2 + 1;
                for (int k = 0; k < 3 && f3; k++)
                    f3 = strchr(f3, ',') ? strchr(f3, ',') + 1 : NULL;
                if (f3)
                    thr = strtod(f3, NULL);
            }
            double norm = nab_normalize(total_at(&profiles[p], thr, NULL), subset_windows(NULL),
                                        &profiles[p]);
            bool have = final && published_final(final, "random", profile_names[p], &pub);
            printf("random at published threshold %.12g (%s): %.6f, final_results.json %.6f\n",
                   thr, profile_names[p], norm, pub);
            check(have && fabs(norm - pub) < 0.005, "random %s: %.6f vs published %.6f",
                  profile_names[p], norm, pub);
            free(csv);
        }
        free(final);
    }
    if (res) {
        for (size_t i = 0; i < n_files; i++) {
            snprintf(path, sizeof path, "%.700s/%.255s", res, files[i].name);
            corpus_file tmp = files[i];
            tmp.ts = NULL;
            tmp.score = NULL;
            load_series(&tmp, path, "anomaly_score");
            if (tmp.n != files[i].n)
                die("%s: %zu rows, the corpus file has %zu", path, tmp.n, files[i].n);
            free(files[i].ts);
            free(files[i].score);
            files[i] = tmp;
        }
        report("tocsin", detail);
    }
    if (checks_passed + checks_failed > 0)
        printf("%d passed, %d failed\n", checks_passed, checks_failed);
    return checks_failed ? 1 : 0;
}
