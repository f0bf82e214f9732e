/* test_read_frame.c: record framing edge cases of the reader: the JSON element scanner's depth
 * past 2^31 (it was an int) and deep nesting read through the public API; JSON Lines whose first
 * line is over --max-record (16 MiB by default), which detection took for one JSON document; a
 * long line further on with a small limit. */
#include "check.h"
#include "read/reader_int.h"
#include "tocsin.h"

#include <limits.h>
#include <unistd.h>

static char dir[256];

static const char *tmp(const char *name)
{
    static char path[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
    return path[k];
}

typedef struct result {
    tocsin_status st;
    char format[32];
    int nposts;
    char texts[512];
    char warns[1024];
    tocsin_read_stats stats;
} result;

static void on_warn(void *ctx, const tocsin_error *w)
{
    result *r = ctx;
    size_t l = strlen(r->warns);
    snprintf(r->warns + l, sizeof r->warns - l, "%llu%s: %s\n", (unsigned long long)w->line,
             w->is_record_index ? "#" : "", w->message);
}

static const char *force_format; /* NULL: detect */

static void read_file(result *res, const char *path, size_t max_record)
{
    memset(res, 0, sizeof *res);
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = force_format;
    if (max_record)
        o.max_record = max_record;
    o.warn = on_warn;
    o.warn_ctx = res;
    tocsin_reader *r;
    tocsin_error e;
    res->st = tocsin_reader_open(&o, path, &r, &e);
    if (res->st != TOCSIN_OK)
        return;
    snprintf(res->format, sizeof res->format, "%s", tocsin_reader_format(r));
    for (;;) {
        tocsin_post p;
        int got = 0;
        res->st = tocsin_reader_next(r, &p, &got, &e);
        if (res->st != TOCSIN_OK || !got)
            break;
        size_t l = strlen(res->texts);
        snprintf(res->texts + l, sizeof res->texts - l, "%s%.*s", l ? "|" : "",
                 (int)(p.text.len > 40 ? 40 : p.text.len), p.text.ptr);
        res->nposts++;
    }
    tocsin_reader_stats(r, &res->stats);
    tocsin_reader_free(r);
}

/* ---- the element scanner's depth ---- */

/* ---- a JSON array written on one line ---- */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

/* "[{...},{...}]" on one line (json.dumps without indent) parses as one JSON Lines record; it
 * was framed so, detected or forced, and its posts were lost as one "not an object" record. */
static void test_one_line_array(void)
{
    static const char status[] =
        "{\"id\":\"1%d\",\"created_at\":\"2021-08-15T10:00:0%dZ\",\"content\":\"<p>toot %d</p>\","
        "\"url\":\"https://example.social/@a/1%d\",\"visibility\":\"public\",\"language\":\"en\","
        "\"account\":{\"id\":\"7\",\"username\":\"a\",\"acct\":\"a\"}}";
    char one[700], two[1300], s1[600], s2[600];
    snprintf(s1, sizeof s1, status, 1, 1, 1, 1);
    snprintf(s2, sizeof s2, status, 2, 2, 2, 2);
    snprintf(one, sizeof one, "[%s]\n", s1);
    snprintf(two, sizeof two, "[%s,%s]\n", s1, s2);
    write_text(tmp("one.json"), one);
    write_text(tmp("two.json"), two);
    write_text(tmp("gen.json"), "[{\"id\":\"1\",\"text\":\"hello\"},{\"id\":\"2\",\"text\":\"again\"}]");
    result r;
    const char *forced[] = {NULL, "mastodon"};
    for (int k = 0; k < 2; k++) {
        force_format = forced[k];
        read_file(&r, tmp("one.json"), 0);
        CHECK_INT(r.st, TOCSIN_OK);
        CHECK_STR(r.format, "mastodon");
        CHECK_INT(r.nposts, 1);
        read_file(&r, tmp("two.json"), 0);
        CHECK_INT(r.st, TOCSIN_OK);
        CHECK_STR(r.format, "mastodon");
        CHECK_INT(r.nposts, 2);
        CHECK_STR(r.texts, "toot 1|toot 2");
        CHECK_STR(r.warns, "");
    }
    force_format = NULL;
    read_file(&r, tmp("gen.json"), 0);
    CHECK_INT(r.st, TOCSIN_OK);
    CHECK_INT(r.nposts, 2);
    CHECK_STR(r.texts, "hello|again");
    /* JSON Lines is still JSON Lines */
    write_text(tmp("l.jsonl"), "{\"id\":\"1\",\"text\":\"a\"}\n{\"id\":\"2\",\"text\":\"b\"}\n");
    read_file(&r, tmp("l.jsonl"), 0);
    CHECK_STR(r.format, "jsonl");
    CHECK_INT(r.nposts, 2);
}

static void test_depth_past_int(void)
{
    rd_jscan j = {(uint64_t)INT_MAX - 1, false, false};
    bool done = false;
    CHECK_INT(rd_scan_elem(&j, "[{[", 3, &done), 3);
    CHECK(!done);
    CHECK(j.depth == (uint64_t)INT_MAX + 2);
    CHECK_INT(rd_scan_elem(&j, "]}]", 3, &done), 3);
    CHECK(!done);
    CHECK(j.depth == (uint64_t)INT_MAX - 1);
    /* from the top: an element ends at a comma or a closing bracket at depth 0 */
    rd_jscan k = {0, false, false};
    const char *el = "{\"a\":\"],}\\\"\",\"b\":[1,{}]} , 2]";
    done = false;
    size_t n = rd_scan_elem(&k, el, strlen(el), &done);
    CHECK(done);
    CHECK_INT(n, strlen("{\"a\":\"],}\\\"\",\"b\":[1,{}]} "));
    CHECK(k.depth == 0);
}

static void test_deep_nesting(void)
{
    const int levels = 300000;
    FILE *f = fopen(tmp("deep.json"), "w");
    fputs("[{\"text\":\"before\"},", f);
    for (int i = 0; i < levels; i++)
        fputc(i % 2 ? '{' : '[', f);
    for (int i = levels; i-- > 0;)
        fputc(i % 2 ? '}' : ']', f);
    fputs(",{\"text\":\"after\"}]\n", f);
    fclose(f);
    result r;
    read_file(&r, tmp("deep.json"), 0);
    CHECK_INT(r.st, TOCSIN_OK);
    CHECK_STR(r.format, "json-array");
    CHECK_STR(r.texts, "before|after");
    CHECK_INT(r.stats.records, 3);
    CHECK_INT(r.stats.skipped[TOCSIN_SKIP_BAD_JSON], 1);
}

/* ---- a first line over max_record ---- */

static void write_long_first(const char *path, size_t len, const char *rest)
{
    FILE *f = fopen(path, "w");
    fputs("{\"text\":\"", f);
    for (size_t i = 0; i < len; i++)
        fputc('a' + (int)(i % 26), f);
    fputs("\",\"id\":1}\n", f);
    fputs(rest, f);
    fclose(f);
}

static void test_long_first_line(void)
{
    const char *rest = "{\"text\":\"second\",\"id\":2}\n\n{\"text\":\"third\",\"id\":3}\n";
    /* a small limit */
    write_long_first(tmp("long.jsonl"), 10000, rest);
    result r;
    read_file(&r, tmp("long.jsonl"), 4096);
    CHECK_INT(r.st, TOCSIN_OK);
    CHECK_STR(r.format, "jsonl");
    CHECK_STR(r.texts, "second|third");
    CHECK_INT(r.stats.skipped[TOCSIN_SKIP_TOO_LARGE], 1);
    CHECK(strstr(r.warns, "1: skipped: record of 10019 bytes is over the limit of 4096 bytes "
                          "(too-large)") != NULL);
    /* two long lines, then posts */
    FILE *f = fopen(tmp("long2.jsonl"), "w");
    for (int k = 0; k < 2; k++) {
        fputs("[", f);
        for (int i = 0; i < 5000; i++)
            fputs("1,", f);
        fputs("1]\n", f);
    }
    fputs(rest, f);
    fclose(f);
    read_file(&r, tmp("long2.jsonl"), 4096);
    CHECK_STR(r.format, "jsonl");
    CHECK_STR(r.texts, "second|third");
    CHECK_INT(r.stats.skipped[TOCSIN_SKIP_TOO_LARGE], 2);
    /* the default limit, 16 MiB: the case that was reported */
    write_long_first(tmp("big.jsonl"), (16u << 20) + 100, rest);
    read_file(&r, tmp("big.jsonl"), 0);
    CHECK_INT(r.st, TOCSIN_OK);
    CHECK_STR(r.format, "jsonl");
    CHECK_STR(r.texts, "second|third");
    CHECK_INT(r.stats.records, 3);
    CHECK_INT(r.stats.skipped[TOCSIN_SKIP_TOO_LARGE], 1);
    /* a JSON document over several lines whose first line is long stays a document */
    f = fopen(tmp("doc.json"), "w");
    fputs("{\"text\":\"", f);
    for (int i = 0; i < 10000; i++)
        fputc('d', f);
    fputs("\",\n \"id\": 1}\n", f);
    fclose(f);
    read_file(&r, tmp("doc.json"), 4096);
    CHECK_STR(r.format, "json");
    CHECK_INT(r.nposts, 0);
    CHECK_INT(r.stats.skipped[TOCSIN_SKIP_TOO_LARGE], 1);
    /* and with a limit it fits, it is read */
    read_file(&r, tmp("doc.json"), 0);
    CHECK_STR(r.format, "json");
    CHECK_INT(r.nposts, 1);
}

/* A line over max_record after the first, longer than the fast path's 1 MiB validation chunk,
 * with a limit below the chunk: skipped as too large, the lines around it read (the chunk search
 * for its end once ran past the mapping). */
static void test_long_middle_line(void)
{
    FILE *f = fopen(tmp("mid.jsonl"), "w");
    fputs("{\"text\":\"first\"}\n{\"text\":\"", f);
    for (int i = 0; i < (3 << 19); i++)
        fputc('m', f);
    fputs("\"}\n{\"text\":\"last\"}\n", f);
    fclose(f);
    result r;
    read_file(&r, tmp("mid.jsonl"), 1000);
    CHECK_INT(r.st, TOCSIN_OK);
    CHECK_STR(r.format, "jsonl");
    CHECK_STR(r.texts, "first|last");
    CHECK_INT(r.stats.skipped[TOCSIN_SKIP_TOO_LARGE], 1);
    CHECK(strstr(r.warns, "2: skipped: record of 1572876 bytes is over the limit of 1000 bytes "
                          "(too-large)") != NULL);
    /* the same long line last, without a newline: nothing after it to stop a search */
    f = fopen(tmp("last.jsonl"), "w");
    fputs("{\"text\":\"first\"}\n{\"text\":\"", f);
    for (int i = 0; i < (3 << 19); i++)
        fputc('m', f);
    fputs("\"}", f);
    fclose(f);
    read_file(&r, tmp("last.jsonl"), 1000);
    CHECK_INT(r.st, TOCSIN_OK);
    CHECK_STR(r.texts, "first");
    CHECK_INT(r.stats.skipped[TOCSIN_SKIP_TOO_LARGE], 1);
    CHECK(strstr(r.warns, "2: skipped: record of 1572875 bytes") != NULL);
}

/* The same as gzip streams: the first line cannot be looked at whole, so it is dropped as it
 * streams by and detection looks at what follows; one big document stays one. */
static void test_long_first_line_stream(void)
{
    if (system("gzip --version >/dev/null 2>&1") != 0)
        return;
    char cmd[1200];
    const char *rest = "{\"text\":\"second\",\"id\":2}\n\n{\"text\":\"third\",\"id\":3}\n";
    write_long_first(tmp("long.jsonl"), (16u << 20) + 100, rest);
    snprintf(cmd, sizeof cmd, "gzip -1 -c '%s' > '%s'", tmp("long.jsonl"), tmp("long.jsonl.gz"));
    CHECK_INT(system(cmd), 0);
    result r;
    read_file(&r, tmp("long.jsonl.gz"), 0);
    CHECK_INT(r.st, TOCSIN_OK);
    CHECK_STR(r.format, "jsonl");
    CHECK_STR(r.texts, "second|third");
    CHECK_INT(r.stats.records, 3);
    CHECK(strstr(r.warns, "1: skipped: record of 16777335 bytes is over the limit of 16777216 "
                          "bytes (too-large)") != NULL);
    size_t total = (16u << 20) + 100 + 19 + strlen(rest);
    CHECK_INT(r.stats.bytes, total);
    /* with a small limit the head certainly stops inside the first line (8 MiB) */
    write_long_first(tmp("l8.jsonl"), 8u << 20, rest);
    snprintf(cmd, sizeof cmd, "gzip -1 -c '%s' > '%s'", tmp("l8.jsonl"), tmp("l8.jsonl.gz"));
    CHECK_INT(system(cmd), 0);
    read_file(&r, tmp("l8.jsonl.gz"), 4096);
    CHECK_STR(r.format, "jsonl");
    CHECK_STR(r.texts, "second|third");
    CHECK(strstr(r.warns, "1: skipped: record of 8388627 bytes is over the limit of 4096 bytes "
                          "(too-large)") != NULL);
    /* one line and nothing after it: a document over the limit, as before */
    write_long_first(tmp("one.json"), 8u << 20, "");
    snprintf(cmd, sizeof cmd, "gzip -1 -c '%s' > '%s'", tmp("one.json"), tmp("one.json.gz"));
    CHECK_INT(system(cmd), 0);
    read_file(&r, tmp("one.json.gz"), 4096);
    CHECK_INT(r.st, TOCSIN_OK);
    CHECK_STR(r.format, "json");
    CHECK_INT(r.nposts, 0);
    CHECK(strstr(r.warns, "1: skipped: document of 8388627 bytes is over the limit of 4096 "
                          "bytes (too-large)") != NULL);
    /* a document whose long first line goes on over more lines: one document, all counted */
    write_long_first(tmp("doc2.json"), 8u << 20, " \"more\": 1}\n");
    FILE *f = fopen(tmp("doc2.json"), "r+");
    fseek(f, (long)(9 + (8u << 20) + 8), SEEK_SET);
    fputc(',', f); /* "...","id":1}\n "more": 1}" becomes "...","id":1,\n "more": 1}" */
    fclose(f);
    snprintf(cmd, sizeof cmd, "gzip -1 -c '%s' > '%s'", tmp("doc2.json"), tmp("doc2.json.gz"));
    CHECK_INT(system(cmd), 0);
    read_file(&r, tmp("doc2.json.gz"), 4096);
    CHECK_STR(r.format, "json");
    CHECK_INT(r.nposts, 0);
    CHECK(strstr(r.warns, "1: skipped: document of 8388639 bytes is over the limit") != NULL);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/tocsin-test-frame-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_one_line_array);
    RUN(test_depth_past_int);
    RUN(test_deep_nesting);
    RUN(test_long_first_line);
    RUN(test_long_middle_line);
    RUN(test_long_first_line_stream);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return check_summary();
}
