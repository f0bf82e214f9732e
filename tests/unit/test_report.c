/* test_report.c: stage report: HTML escaping of hostile text (fixed cases and random bytes),
 * term highlighting (overlaps, order, bounds, UTF-8 boundaries), the SVG charts, and the whole
 * report over a small store with a known change: its sections, its numbers (those of
 * tocsin_compare), escaping of hostile posts, and its errors. */
#include "check.h"
#include "report/chart.h"
#include "report/html.h"
#include "tocsin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static const char *path_of(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static char *esc(const char *s, size_t n)
{
    tc_buf b;
    tc_buf_init(&b, 0);
    if (rp_html_escape(&b, s, n) != TOCSIN_OK) {
        tc_buf_free(&b);
        return strdup("<error>");
    }
    if (!b.data)
        return strdup("");
    return b.data;
}

static void test_escape_cases(void)
{
    char *o = esc("a<b>&\"c'd", 9);
    CHECK_STR(o, "a&lt;b&gt;&amp;&quot;c&#39;d");
    free(o);
    o = esc("<script>alert(1)</script>", 25);
    CHECK_STR(o, "&lt;script&gt;alert(1)&lt;/script&gt;");
    free(o);
    /* invalid UTF-8 is replaced, valid multibyte text and a literal U+FFFD are kept */
    o = esc("x\xff y \xc3\xa9 \xef\xbf\xbd \xe2\x82", 14);
    CHECK_STR(o, "x\xef\xbf\xbd y \xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd"); /* per byte */
    free(o);
    /* controls dropped (NUL included, C1 too); tab and newlines kept */
    o = esc("a\0b\x01\tc\nd\x7f\xc2\x85" "e", 12);
    CHECK_STR(o, "ab\tc\nde");
    free(o);
    o = esc("", 0);
    CHECK_STR(o, "");
    free(o);
    /* right-to-left text passes unchanged */
    o = esc("\xd8\xb2\xd9\x84\xd8\xb2\xd8\xa7\xd9\x84", 10);
    CHECK_STR(o, "\xd8\xb2\xd9\x84\xd8\xb2\xd8\xa7\xd9\x84");
    free(o);
}

/* Random bytes (biased towards markup characters): the output never holds a character that can
 * open a tag or end an attribute, every '&' starts one of the five entities, and it is UTF-8. */
static void test_escape_random(void)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;
    const char alpha[] = "<>&\"'=/ a\xc3\xa9\xff\x80\x00\x1f";
    int bad = 0;
    for (int t = 0; t < 20000 && !bad; t++) {
        char in[64];
        size_t n = (size_t)(t % 64);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            in[i] = (x & 1) ? alpha[(x >> 8) % (sizeof alpha - 1)] : (char)(x >> 16);
        }
        char *o = esc(in, n);
        size_t len = strlen(o);
        if (strpbrk(o, "<>\"'") || !tc_utf8_valid(o, len))
            bad = 1;
        for (const char *p = o; !bad && (p = strchr(p, '&')); p++)
            if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) &&
                strncmp(p, "&quot;", 6) && strncmp(p, "&#39;", 5))
                bad = 1;
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)o[i] < 0x20 && o[i] != '\t' && o[i] != '\n' && o[i] != '\r')
                bad = 1;
        if (bad)
            fprintf(stderr, "  bad escape of case %d: %s\n", t, o);
        free(o);
    }
    CHECK(!bad);
}

static char *hl(const char *text, const rp_span *s, size_t n)
{
    tc_buf b;
    tc_buf_init(&b, 0);
    CHECK_INT(rp_html_highlight(&b, text, strlen(text), s, n), TOCSIN_OK);
    return b.data ? b.data : strdup("");
}

static void test_highlight(void)
{
    char *o = hl("a quake <b>", (rp_span[]){{2, 7}}, 1);
    CHECK_STR(o, "a <mark>quake</mark> &lt;b&gt;");
    free(o);
    /* unsorted, overlapping and touching spans merge; an empty or outside span is ignored */
    o = hl("abcdefghij", (rp_span[]){{6, 8}, {1, 3}, {2, 4}, {4, 5}, {5, 5}, {20, 30}, {9, 99}}, 7);
    CHECK_STR(o, "a<mark>bcde</mark>f<mark>gh</mark>i<mark>j</mark>");
    free(o);
    /* a span ending or starting inside a UTF-8 character grows to the whole character */
    o = hl("x\xd0\xb7\xd0\xb5y", (rp_span[]){{2, 4}}, 1);
    CHECK_STR(o, "x<mark>\xd0\xb7\xd0\xb5</mark>y");
    free(o);
    /* markup inside a match is escaped too */
    o = hl("<img onerror=x>", (rp_span[]){{0, 4}}, 1);
    CHECK_STR(o, "<mark>&lt;img</mark> onerror=x&gt;");
    free(o);
    o = hl("plain", NULL, 0);
    CHECK_STR(o, "plain");
    free(o);
}

static void test_charts(void)
{
    double posts[6] = {1, 2, NAN, 4, 5, 6}, share[6] = {0.1, 0.2, 0.3, NAN, NAN, 0.1};
    rp_mark m = {.from = 86400 * 2, .to = 86400 * 4, .lo = 86400 * 2, .hi = 86400 * 3, .kind = 0};
    snprintf(m.label, sizeof m.label, "<change>");
    rp_series s = {0, 6, posts, NULL, share, "share", &m, 1};
    tc_buf b;
    tc_buf_init(&b, 0);
    CHECK_INT(rp_chart_series(&b, &s, 600, 200, "t<1>"), TOCSIN_OK);
    CHECK(b.data && strstr(b.data, "<title>t&lt;1&gt;</title>"));
    CHECK(b.data && strstr(b.data, "<title>&lt;change&gt;</title>"));
    CHECK(b.data && strstr(b.data, "<path class=\"s-posts\" d=\"M"));
    CHECK(b.data && !strstr(b.data, "s-unique"));
    /* NAN breaks a line: posts restart once, share once */
    const char *p = b.data ? strstr(b.data, "s-posts") : NULL;
    CHECK(p && count(p, "M") >= 2);
    CHECK(b.data && strstr(b.data, "<rect class=\"ci\""));
    CHECK(b.data && !strstr(b.data, "nan") && !strstr(b.data, "inf"));
    tc_buf_reset(&b);
    rp_series empty = {0, 0, NULL, NULL, NULL, NULL, NULL, 0};
    CHECK_INT(rp_chart_series(&b, &empty, 240, 100, "empty"), TOCSIN_OK);
    CHECK(b.data && strstr(b.data, "</svg>") && !strstr(b.data, "nan"));
    tc_buf_reset(&b);
    int64_t gf[2] = {3600 * 10, 3600 * 40}, gt[2] = {3600 * 20, 3600 * 50};
    rp_cov_row rows[2] = {{"chan<&>", 0, 3600 * 99, gf, gt, 2, false, 10},
                          {"\xd0\xba\xd0\xb0\xd0\xbd\xd0\xb0\xd0\xbb \xd0\xba\xd0\xb0\xd0\xbd"
                           "\xd0\xb0\xd0\xbb \xd0\xba\xd0\xb0\xd0\xbd\xd0\xb0\xd0\xbb",
                           3600 * 5, 3600 * 6, NULL, NULL, 0, true, 1}};
    CHECK_INT(rp_chart_coverage(&b, rows, 2, 0, 3600 * 100, 900), TOCSIN_OK);
    CHECK(b.data && count(b.data, "<rect ") == 4); /* 3 active stretches + 1 */
    CHECK(b.data && strstr(b.data, "chan&lt;&amp;&gt;"));
    CHECK(b.data && strstr(b.data, "class=\"cov flagged\""));
    CHECK(b.data && tc_utf8_valid(b.data, b.len)); /* the long label was cut at a character */
    tc_buf_free(&b);
}

/* A store: 40 days from 2024-01-01, languages en and fr with 40 posts a day each; topic "quake"
 * has 2 en posts a day, 10 from day 20 on, and 3 fr posts a day throughout; topic "fire" has
 * one hostile post. Texts are random words so no two posts are near-duplicates. */
static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void words(char *out, size_t cap, int n)
{
    size_t at = 0;
    for (int w = 0; w < n && at + 12 < cap; w++) {
        int len = 4 + (int)rnd(6);
        for (int i = 0; i < len; i++)
            out[at++] = (char)('a' + rnd(26));
        out[at++] = ' ';
    }
    out[at] = '\0';
}

static int make_store(void)
{
    FILE *f = fopen(path_of("in.jsonl"), "w");
    if (!f)
        return -1;
    int id = 0;
    for (int d = 0; d < 40; d++) {
        for (int li = 0; li < 2; li++) {
            int topic = li == 0 ? (d < 20 ? 2 : 10) : 3;
            for (int k = 0; k < 40; k++) {
                char w[200];
                words(w, sizeof w, 9);
                fprintf(f, "{\"id\":\"%d\",\"created_at\":\"2024-%02d-%02dT%02d:%02d:00Z\","
                           "\"author\":\"u%u\",\"channel\":\"%s\",\"lang\":\"%s\",\"text\":\"%s%s\"}\n",
                        ++id, d < 31 ? 1 : 2, d < 31 ? d + 1 : d - 30, k % 24, (k * 7) % 60,
                        rnd(500), li ? "fr_c" : (k % 2 ? "en_a" : "en_b"), li ? "fr" : "en", w,
                        k < topic ? (li ? " s\xc3\xa9isme" : " earthquake") : "");
            }
        }
    }
    for (int k = 0; k < 600; k++) /* topic "many": 600 terms, term k matched k % 3 + 1 times */
        for (int r = 0; r <= k % 3; r++)
            fprintf(f, "{\"id\":\"m%d_%d\",\"created_at\":\"2024-01-%02dT12:00:00Z\",\"author\":\"m\","
                       "\"channel\":\"en_a\",\"lang\":\"en\",\"text\":\"mt%03d %s\"}\n",
                    k, r, 1 + k % 28, k, r ? "again" : "first");
    fprintf(f, "{\"id\":\"x1\",\"created_at\":\"2024-01-05T10:00:00Z\",\"author\":\"x\","
               "\"channel\":\"en_a\",\"lang\":\"en\",\"text\":\"wildfire <img src=x "
               "onerror=alert(1)> <script>alert(2)</script>\"}\n");
    fclose(f);
    f = fopen(path_of("wl.yaml"), "w");
    if (!f)
        return -1;
    fputs("topics:\n  - id: quake\n    label: Earthquake\n    terms: [earthquake, s\xc3\xa9isme]\n"
          "  - id: fire\n    label: \"<i>Fire</i>\"\n    terms: [wildfire]\n"
          "  - id: many\n    terms: [", f);
    for (int k = 0; k < 600; k++)
        fprintf(f, "%smt%03d", k ? ", " : "", k);
    fputs("]\n", f);
    fclose(f);
    tocsin_watchlist *wl;
    tocsin_error err;
    if (tocsin_watchlist_load(path_of("wl.yaml"), &wl, &err) != TOCSIN_OK)
        return -1;
    tocsin_store *s;
    tocsin_status st = tocsin_store_open(path_of("r.db"), false, NULL, NULL, &s, &err);
    if (st == TOCSIN_OK) {
        tocsin_ingest_opts o;
        tocsin_ingest_opts_init(&o);
        o.scan.watchlist = wl;
        o.scan.lang_source = TOCSIN_LANG_SOURCE_INPUT;
        const char *paths[1] = {path_of("in.jsonl")};
        st = tocsin_ingest(s, &o, paths, 1, NULL, &err);
        tocsin_store_close(s);
    }
    if (st != TOCSIN_OK)
        fprintf(stderr, "  ingest: %s\n", err.message);
    tocsin_watchlist_free(wl);
    return st == TOCSIN_OK ? 0 : -1;
}

static void fmt3(double v, char *buf, size_t cap)
{
    if (v >= 100)
        snprintf(buf, cap, "%.0f", v);
    else if (v >= 10)
        snprintf(buf, cap, "%.1f", v);
    else if (v >= 1)
        snprintf(buf, cap, "%.2f", v);
    else
        snprintf(buf, cap, "%.2g", v);
}

static void test_report_store(void)
{
    tocsin_store *s;
    tocsin_error err;
    tocsin_status st = tocsin_store_open(path_of("r.db"), true, NULL, NULL, &s, &err);
    CHECK_INT(st, TOCSIN_OK);
    if (st != TOCSIN_OK)
        return;
    tocsin_report_opts o;
    tocsin_report_opts_init(&o);
    CHECK_INT(tocsin_day_range_parse("2024-01-05..2024-01-18", &o.before_from, &o.before_to, &err),
              TOCSIN_OK);
    CHECK_INT(tocsin_day_range_parse("2024-01-25..2024-02-08", &o.after_from, &o.after_to, &err),
              TOCSIN_OK);
    o.has_windows = true;
    char *html = NULL;
    size_t len = 0;
    CHECK_INT(tocsin_report_html(s, &o, &html, &len, &err), TOCSIN_OK);
    if (!html) {
        tocsin_store_close(s);
        return;
    }
    CHECK(len == strlen(html) && tc_utf8_valid(html, len));
    CHECK(strstr(html, "<!DOCTYPE html>") == html);
    CHECK_INT(count(html, "<section class=\"topic\""), 3); /* fire, many and quake, sorted */
    CHECK(strstr(html, "id=\"t0\">\n<h2>fire") && strstr(html, "id=\"t2\">\n<h2>quake"));
    /* methods: terms counted over every kept match (600 distinct terms: the count table grows) */
    CHECK(strstr(html, "<td>quake</td><td>Earthquake</td><td>earthquake (240), s\xc3\xa9isme (120)</td>"));
    CHECK(strstr(html, "<td>many</td><td>many</td><td>mt002 (3), mt005 (3), "));
    CHECK_INT(count(html, " (3), ") + count(html, " (2), ") + count(html, " (1), "), 39);
    CHECK(!strstr(html, "<script") && !strstr(html, "<img") && !strstr(html, "<i>Fire"));
    CHECK(strstr(html, "&lt;i&gt;Fire&lt;/i&gt;"));
    CHECK(strstr(html, "<mark>wildfire</mark> &lt;img src=x onerror=alert(1)&gt; "
                       "&lt;script&gt;alert(2)&lt;/script&gt;"));
    CHECK(strstr(html, "<mark>s\xc3\xa9isme</mark>") && strstr(html, "<mark>earthquake</mark>"));
    /* the comparison rows carry tocsin_compare's numbers */
    tocsin_compare_query q = {.topic = "quake", .before_from = o.before_from,
                              .before_to = o.before_to, .after_from = o.after_from,
                              .after_to = o.after_to, .by = TOCSIN_COMPARE_BY_LANG,
                              .measure = TOCSIN_MEASURE_UNIQUE, .normalize = TOCSIN_NORM_SHARE};
    tocsin_compare_row *rows = NULL;
    size_t n = 0;
    CHECK_INT(tocsin_compare(s, &q, &rows, &n, &err), TOCSIN_OK);
    CHECK_INT(n, 2);
    for (size_t i = 0; i < n; i++) {
        char ra[32], lo[32], hi[32], want[200];
        fmt3(rows[i].rr.ratio, ra, sizeof ra);
        fmt3(rows[i].rr.ci_low, lo, sizeof lo);
        fmt3(rows[i].rr.ci_high, hi, sizeof hi);
        snprintf(want, sizeof want, "<b>%s</b></td><td class=\"n\">%s to %s <small>", ra, lo, hi);
        CHECK(strstr(html, want) != NULL);
        if (!strcmp(rows[i].group, "en"))
            CHECK(rows[i].rr.ci_low > 2.5 && rows[i].rr.ci_high < 9); /* truth: 5 */
    }
    tocsin_compare_rows_free(rows, n);
    /* the en change on day 20 (2024-01-21) is in the changes table; fr has none */
    CHECK(strstr(html, "<td>en</td><td>2024-01-2") != NULL);
    CHECK(strstr(html, "<td>fr</td><td>2024") == NULL);
    /* "fire" has one post in the before window and none in the after one: a note row */
    CHECK(strstr(html, "coverage") && strstr(html, "<h2>Methods</h2>"));
    CHECK(strstr(html, "in.jsonl") && strstr(html, "tocsin " TOCSIN_VERSION));
    free(html);

    /* one topic, no windows: no comparison table */
    const char *only[1] = {"quake"};
    tocsin_report_opts_init(&o);
    o.topics = only;
    o.n_topics = 1;
    o.evidence = 3;
    CHECK_INT(tocsin_report_html(s, &o, &html, &len, &err), TOCSIN_OK);
    if (html) {
        CHECK_INT(count(html, "<section class=\"topic\""), 1);
        CHECK(!strstr(html, "class=\"compare\""));
        CHECK_INT(count(html, "<div class=\"ev\">"), 3);
        free(html);
    }
    /* errors */
    const char *unknown[2] = {"quake", "nope"};
    o.topics = unknown;
    o.n_topics = 2;
    CHECK_INT(tocsin_report_html(s, &o, &html, &len, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "unknown topic 'nope' (the store has: fire, many, quake)") != NULL);
    tocsin_report_opts_init(&o);
    o.has_windows = true;
    o.before_from = 0, o.before_to = 86400 * 10, o.after_from = 86400 * 5, o.after_to = 86400 * 20;
    CHECK_INT(tocsin_report_html(s, &o, &html, &len, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "overlap") != NULL);
    tocsin_report_opts_init(&o);
    o.has_claim = true, o.claim_low = 2, o.claim_high = 3;
    CHECK_INT(tocsin_report_html(s, &o, &html, &len, &err), TOCSIN_ERR_USAGE);
    tocsin_report_opts_init(&o);
    o.level = 1.5;
    CHECK_INT(tocsin_report_html(s, &o, &html, &len, &err), TOCSIN_ERR_USAGE);
    /* writing: a bad directory is an I/O error naming the file, nothing left behind */
    tocsin_report_opts_init(&o);
    CHECK_INT(tocsin_report_write(s, &o, path_of("no/such/dir/r.html"), &err), TOCSIN_ERR_IO);
    CHECK(strstr(err.file, "no/such/dir/r.html") != NULL);
    CHECK_INT(tocsin_report_write(s, &o, path_of("r.html"), &err), TOCSIN_OK);
    CHECK(access(path_of("r.html"), R_OK) == 0);
    tocsin_store_close(s);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/tocsin-test-report-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_escape_cases);
    RUN(test_escape_random);
    RUN(test_highlight);
    RUN(test_charts);
    if (make_store() != 0) {
        fprintf(stderr, "FAIL building the test store\n");
        check_failed++;
    } else {
        RUN(test_report_store);
    }
    if (!getenv("KEEP")) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return check_summary();
}
