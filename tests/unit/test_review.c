/* test_review.c: regression tests for defects found in review (one test per defect, each
 * failing before its fix): calendar validation of the platform date parsers, ... */
#include "check.h"
#include "read/fmt_util.h"
#include "tocsin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- a small harness over the public reader API ---- */

static char tmpdir[64];

static const char *write_file(const char *name, const char *content, size_t n)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return path;
    fwrite(content, 1, n, f);
    fclose(f);
    return path;
}

typedef struct seen {
    int warnings;
    char last[600];
} seen;

static void on_warn(void *ctx, const tocsin_error *w)
{
    seen *s = ctx;
    s->warnings++;
    snprintf(s->last, sizeof s->last, "%s", w->message);
}

/* Reads every post of `path`; @return the posts, -1 when opening failed, -2 on a read error. */
static long read_posts(const char *path, const char *format, bool strict, seen *s)
{
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = format;
    o.strict = strict;
    o.warn = on_warn;
    o.warn_ctx = s;
    tocsin_reader *r = NULL;
    tocsin_error err;
    if (tocsin_reader_open(&o, path, &r, &err) != TOCSIN_OK) {
        snprintf(s->last, sizeof s->last, "%s", err.message);
        return -1;
    }
    long n = 0;
    for (;;) {
        tocsin_post p;
        int got = 0;
        if (tocsin_reader_next(r, &p, &got, &err) != TOCSIN_OK) {
            n = -2;
            break;
        }
        if (!got)
            break;
        n++;
    }
    tocsin_reader_free(r);
    return n;
}

static bool utc_time(const char *s, int64_t *ts, bool *off)
{
    return rd_time_parse_utc(s, strlen(s), ts, off);
}

/* fu_iso8601 / fu_rfc822 (since replaced by time.c's rd_time_parse_utc) took February 29 in
 * any year (read as March 1) and 24:30 as the next day's 00:30. */
static void platform_dates_reject_impossible_days(void)
{
    int64_t ts = 0;
    bool off = false;
    CHECK(!utc_time("2021-02-29T10:00:00Z", &ts, &off));
    CHECK(!utc_time("1900-02-29", &ts, &off));
    CHECK(utc_time("2000-02-29", &ts, &off));
    CHECK_INT(ts, 951782400);
    CHECK(utc_time("2024-02-29T00:00:00Z", &ts, &off) && off);
    CHECK_INT(ts, 1709164800);
    CHECK(!utc_time("2024-01-01T24:30:00Z", &ts, &off));
    CHECK(utc_time("2024-01-01T24:00:00Z", &ts, &off));
    CHECK_INT(ts, 1704153600);
    CHECK(!utc_time("Mon, 29 Feb 2021 10:00:00 GMT", &ts, &off));
    CHECK(utc_time("Thu, 29 Feb 2024 10:00:00 GMT", &ts, &off));
    CHECK_INT(ts, 1709200800);
}

/* A truncated RSS file was read through libxml2's recovery mode without a word: the cut-off
 * last item came out as a complete post. */
static void truncated_feed_is_reported(void)
{
    static const char whole[] = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
                                "<item><title>a</title><description>hello</description></item>"
                                "<item><title>b</title><description>world</description></item>"
                                "</channel></rss>\n";
    seen s = {0};
    const char *path = write_file("whole.xml", whole, sizeof whole - 1);
    CHECK_INT(read_posts(path, NULL, false, &s), 2);
    CHECK_INT(s.warnings, 0);
    size_t cut = (size_t)(strstr(whole, "<description>world") - whole) + 16;
    path = write_file("cut.xml", whole, cut);
    memset(&s, 0, sizeof s);
    CHECK_INT(read_posts(path, NULL, false, &s), 2);
    CHECK_INT(s.warnings, 1);
    CHECK(strstr(s.last, "well-formed") != NULL);
    memset(&s, 0, sizeof s);
    CHECK_INT(read_posts(path, "rss", true, &s), -1);
    CHECK(strstr(s.last, "well-formed") != NULL);
}

/* fu_epoch (Telegram, Reddit, 4chan, Twitter timestamp_ms) took anything past 1e11 for
 * milliseconds: microsecond and nanosecond times landed tens of thousands of years ahead, and a
 * 19-digit string was refused; the generic formats scaled them right. */
static void platform_epochs_scale_like_generic(void)
{
    static const struct {
        const char *json;
        int64_t want;
    } cases[] = {
        {"1600000000", 1600000000},           {"1600000000123", 1600000000},
        {"1600000000123456", 1600000000},     {"1600000000123456789", 1600000000},
        {"\"1600000000\"", 1600000000},       {"\"1600000000123\"", 1600000000},
        {"\"1600000000123456\"", 1600000000}, {"\"1600000000123456789\"", 1600000000},
        {"-1500", -1500},                     {"-1600000000123", -1600000001},
    };
    tj_doc *d = tj_doc_new();
    CHECK(d != NULL);
    for (size_t i = 0; d && i < sizeof cases / sizeof *cases; i++) {
        tj_val root;
        bool rep;
        size_t bad;
        int64_t ts = 0;
        CHECK(tj_parse(d, cases[i].json, strlen(cases[i].json), &root, &rep, &bad, NULL, 0) ==
              TOCSIN_OK);
        CHECK(fu_epoch(d, root, &ts));
        if (ts != cases[i].want)
            fprintf(stderr, "  case %s\n", cases[i].json);
        CHECK_INT(ts, cases[i].want);
    }
    tj_doc_free(d);
}

/* Directory walks followed every link to a directory: a "latest" link beside the folder it
 * points to read its files twice (posts counted twice), and a link back to a parent failed the
 * whole expansion ("nested too deeply") after 64 levels of the loop. */
static void walk_takes_each_file_once(void)
{
    char d[128], p[200], q[200];
    snprintf(d, sizeof d, "%s/walk", tmpdir);
    CHECK(mkdir(d, 0755) == 0);
    snprintf(p, sizeof p, "%s/2021-08", d);
    CHECK(mkdir(p, 0755) == 0);
    snprintf(p, sizeof p, "%s/2021-08/a.jsonl", d);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("{\"text\":\"x\"}\n", f);
        fclose(f);
    }
    snprintf(q, sizeof q, "%s/latest", d);
    CHECK(symlink("2021-08", q) == 0);
    snprintf(q, sizeof q, "%s/2021-08/up", d);
    CHECK(symlink("..", q) == 0);
    const char *args[] = {d, d};
    char **paths = NULL;
    size_t n = 0;
    tocsin_error err;
    CHECK(tocsin_paths_expand(args, 2, &paths, &n, &err) == TOCSIN_OK);
    CHECK_INT(n, 1);
    if (n >= 1)
        CHECK_STR(paths[0], p);
    tocsin_paths_free(paths, n);
}

/* A forced --format twarc-csv or 4cat skips detection; a CSV without the text column then gave
 * one empty post per row (counted in every denominator) instead of an error. */
static void forced_tool_csv_needs_its_text_column(void)
{
    static const char plain[] = "a,b\n1,2\n3,4\n";
    static const char fourcat[] = "id,thread_id,author,body,timestamp\n1,1,x,hello,1600000000\n";
    seen s = {0};
    const char *path = write_file("ab.csv", plain, sizeof plain - 1);
    CHECK_INT(read_posts(path, "4cat", false, &s), -1);
    CHECK(strstr(s.last, "body") != NULL);
    CHECK_INT(read_posts(path, "twarc-csv", false, &s), -1);
    CHECK(strstr(s.last, "text") != NULL);
    path = write_file("4cat.csv", fourcat, sizeof fourcat - 1);
    CHECK_INT(read_posts(path, "4cat", false, &s), 1);
}

/* JSON Lines whose first post is longer than the 1 MiB detection head were read as one JSON
 * document: a single record skipped as bad JSON and every post of the file lost (exit 0). Both
 * for a mapped file and a stream (gzip). */
static void jsonl_with_a_big_first_post(void)
{
    size_t big = (size_t)1100 << 10;
    char *buf = malloc(big + 200);
    CHECK(buf != NULL);
    if (!buf)
        return;
    size_t n = 0;
    memcpy(buf, "{\"text\":\"", 9);
    n = 9;
    memset(buf + n, 'x', big);
    n += big;
    const char *rest = "\"}\n{\"text\":\"a\"}\n{\"text\":\"b\"}\n";
    memcpy(buf + n, rest, strlen(rest));
    n += strlen(rest);
    seen s = {0};
    const char *path = write_file("big-first.jsonl", buf, n);
    CHECK_INT(read_posts(path, NULL, false, &s), 3);
    CHECK_INT(s.warnings, 0);
    char gz[256];
    snprintf(gz, sizeof gz, "%s/big-first.jsonl.gz", tmpdir);
    gzFile g = gzopen(gz, "wb");
    CHECK(g != NULL);
    if (g) {
        CHECK(gzwrite(g, buf, (unsigned)n) == (int)n);
        gzclose(g);
    }
    memset(&s, 0, sizeof s);
    CHECK_INT(read_posts(gz, NULL, false, &s), 3);
    CHECK_INT(s.warnings, 0);
    free(buf);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tocsin-review-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "cannot make a temporary directory\n");
        return 1;
    }
    RUN(platform_dates_reject_impossible_days);
    RUN(truncated_feed_is_reported);
    RUN(platform_epochs_scale_like_generic);
    RUN(walk_takes_each_file_once);
    RUN(forced_tool_csv_needs_its_text_column);
    RUN(jsonl_with_a_big_first_post);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_summary();
}
