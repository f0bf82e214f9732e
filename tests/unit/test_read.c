/* test_read.c: the generic reader end to end through the public API: JSON Lines, JSON arrays
 * (streamed), CSV/TSV edge cases, field discovery and mapping, gzip (multi-member) and zstd
 * (long window), truncated streams, max_record, strict mode, directories, stdin, detection
 * failures and byte ranges. Inputs are written to a temporary directory at run time. */
#include "check.h"
#include "tocsin.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static int have_gzip, have_zstd;

/* ---- helpers ---- */

static const char *tmp(const char *name)
{
    static char path[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
    return path[k];
}

static const char *write_file(const char *name, const char *data, size_t n)
{
    const char *p = tmp(name);
    FILE *f = fopen(p, "wb");
    if (!f)
        return p;
    fwrite(data, 1, n, f);
    fclose(f);
    return p;
}

static const char *write_str(const char *name, const char *s)
{
    return write_file(name, s, strlen(s));
}

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

typedef struct result {
    tocsin_status st;        /* of open, or of the failing next */
    tocsin_error err;
    int nposts;
    char texts[8192];        /* texts joined by '|' */
    char ids[2048];          /* ids joined by '|' */
    char channels[2048];     /* channel_id:channel_name joined by '|' */
    char authors[1024];
    int64_t ts[64];
    bool has_ts[64];
    uint64_t lines[64];
    int nwarn;
    char warns[4096];        /* "line:index?:message" joined by '\n' */
    tocsin_read_stats stats;
    char format[32];
} result;

static void on_warn(void *ctx, const tocsin_error *w)
{
    result *r = ctx;
    size_t l = strlen(r->warns);
    snprintf(r->warns + l, sizeof r->warns - l, "%s:%llu%s: %s\n", w->file,
             (unsigned long long)w->line, w->is_record_index ? "#" : "", w->message);
    r->nwarn++;
}

static void cat(char *buf, size_t cap, const char *p, size_t n)
{
    size_t l = strlen(buf);
    snprintf(buf + l, cap - l, "%s%.*s", l ? "|" : "", (int)n, p ? p : "");
}

static void read_with(result *res, tocsin_read_opts *o, const char *path, bool ranged,
                      uint64_t b, uint64_t e)
{
    memset(res, 0, sizeof *res);
    o->warn = on_warn;
    o->warn_ctx = res;
    tocsin_reader *r = NULL;
    res->st = ranged ? tocsin_reader_open_range(o, path, b, e, &r, &res->err)
                     : tocsin_reader_open(o, path, &r, &res->err);
    if (res->st != TOCSIN_OK)
        return;
    snprintf(res->format, sizeof res->format, "%s", tocsin_reader_format(r));
    for (;;) {
        tocsin_post p;
        int got = 0;
        tocsin_status st = tocsin_reader_next(r, &p, &got, &res->err);
        if (st != TOCSIN_OK) {
            res->st = st;
            /* a sticky error: asking again gives it again */
            tocsin_error e2;
            CHECK_INT(tocsin_reader_next(r, &p, &got, &e2), st);
            break;
        }
        if (!got)
            break;
        if (res->nposts < 64) {
            res->ts[res->nposts] = p.ts;
            res->has_ts[res->nposts] = p.has_ts;
            res->lines[res->nposts] = p.line;
        }
        res->nposts++;
        cat(res->texts, sizeof res->texts, p.text.ptr, p.text.len);
        cat(res->ids, sizeof res->ids, p.id.ptr, p.id.len);
        cat(res->authors, sizeof res->authors, p.author_id.ptr, p.author_id.len);
        char ch[200];
        snprintf(ch, sizeof ch, "%.*s:%.*s", (int)p.channel_id.len,
                 p.channel_id.ptr ? p.channel_id.ptr : "", (int)p.channel_name.len,
                 p.channel_name.ptr ? p.channel_name.ptr : "");
        cat(res->channels, sizeof res->channels, ch, strlen(ch));
        CHECK(p.source != NULL);
    }
    tocsin_reader_stats(r, &res->stats);
    tocsin_reader_free(r);
}

static void read_path(result *res, const char *path)
{
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    read_with(res, &o, path, false, 0, 0);
}

static result R; /* big: keep it off the stack */

/* ---- JSON Lines ---- */

static void test_jsonl_discovery(void)
{
    const char *p = write_str(
        "a.jsonl",
        "{\"id\":1,\"id_str\":\"1001\",\"text\":\"hello\",\"created_at\":\"2021-05-18T19:24:56.000Z\","
        "\"user\":{\"screen_name\":\"x\"},\"username\":\"ana\",\"lang\":\"en\"}\n"
        "\n"
        "{\"message\":\"second\",\"id\":12345678901234567890,\"date_unixtime\":\"1689224078\",\"from\":\"bo\"}\r\n"
        "  \n"
        "{\"body\":\"third\",\"message_id\":7,\"ts\":1526671496000,\"subreddit\":\"r1\"}");
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = "jsonl"; /* the first line looks like a tweet to the twitter format */
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.format, "jsonl");
    CHECK_INT(R.nposts, 3);
    CHECK_STR(R.texts, "hello|second|third");
    CHECK_STR(R.ids, "1001|12345678901234567890|7");
    CHECK_STR(R.authors, "ana|bo|");
    CHECK_INT(R.ts[0], 1621365896);
    CHECK_INT(R.ts[1], 1689224078);
    CHECK_INT(R.ts[2], 1526671496);
    CHECK_INT(R.lines[0], 1);
    CHECK_INT(R.lines[1], 3);
    CHECK_INT(R.lines[2], 5);
    CHECK_INT(R.stats.records, 3);
    CHECK_INT(R.stats.posts, 3);
    CHECK_INT(R.nwarn, 0);
}

static void test_jsonl_bad_lines(void)
{
    const char *p = write_str("bad.jsonl", "{\"text\":\"a\"}\n"
                                           "{\"text\": oops}\n"
                                           "[1,2]\n"
                                           "{\"nothing\":1}\n"
                                           "{\"text\":\"b\",\"time\":\"not a time\"}\n"
                                           "{\"text\":\"c\"}\n"
                                           "{\"text\":\"trunc");
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.texts, "a|c");
    CHECK_INT(R.stats.records, 7);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_BAD_JSON], 1);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_NOT_OBJECT], 1);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_NO_TEXT], 1);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_BAD_TIME], 1);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_TRUNCATED], 1);
    CHECK_INT(R.nwarn, 5);
    char want[600];
    snprintf(want, sizeof want, "%s:2: skipped: invalid JSON", p);
    CHECK(strstr(R.warns, want) != NULL);
    snprintf(want, sizeof want, "%s:5: skipped: cannot parse the time \"not a time\" in time", p);
    CHECK(strstr(R.warns, want) != NULL);
    snprintf(want, sizeof want, "%s:7: skipped: the input ends inside this record", p);
    CHECK(strstr(R.warns, want) != NULL);

    /* strict: the first bad record is the error, with the same place */
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.strict = true;
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.st, TOCSIN_ERR_PARSE);
    CHECK_INT(R.nposts, 1);
    CHECK_INT(R.err.line, 2);
    CHECK_STR(R.err.file, p);
    CHECK(strstr(R.err.message, "invalid JSON") != NULL);
}

static void test_jsonl_twarc_truncated_sample(void)
{
    /* the real capture: 7 lines, the last one cut short and unterminated */
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = "jsonl";
    o.field[TOCSIN_FIELD_TEXT] = "data.text";
    o.field[TOCSIN_FIELD_ID] = "data.id";
    o.field[TOCSIN_FIELD_TIME] = "data.created_at";
    read_with(&R, &o, "tests/data/read/twarc2_streaming_output_with_error.jsonl", false, 0, 0);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_INT(R.nposts, 7);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_TRUNCATED], 1);
    CHECK(strstr(R.warns, "twarc2_streaming_output_with_error.jsonl:8: skipped: the input ends") != NULL);
    CHECK(R.has_ts[0]);
}

/* Big JSON Lines go through simdjson's document stream in chunks; whatever the stream cannot
 * take must come out exactly as line-by-line parsing gives it. */
static void test_jsonl_batches(void)
{
    FILE *f = fopen(tmp("batch.jsonl"), "w");
    for (int i = 1; i <= 6000; i++) {
        if (i == 1500)
            fprintf(f, "{\"text\": oops}\n");                     /* bad JSON, looks fine */
        else if (i == 2500)
            fprintf(f, "{\"text\":\"a\"} {\"text\":\"b\"}\n");   /* two values on a line */
        else if (i == 3500)
            fprintf(f, "{\"text\":\"bad \xff utf8 %d\"}\n", i);   /* stage 1 fails */
        else if (i == 4500)
            fprintf(f, "\n  \t\n");                                 /* blank lines */
        else
            fprintf(f, "  {\"text\":\"t%d\",\"id\":%d}  \r\n", i, i);
    }
    fclose(f);
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = "jsonl";
    o.warn = on_warn;
    o.warn_ctx = &R;
    memset(&R, 0, sizeof R);
    tocsin_reader *r;
    tocsin_error e;
    CHECK_INT(tocsin_reader_open(&o, tmp("batch.jsonl"), &r, &e), TOCSIN_OK);
    int n = 0, bad_order = 0;
    uint64_t want_line = 1;
    for (;;) {
        tocsin_post p;
        int got;
        if (tocsin_reader_next(r, &p, &got, &e) != TOCSIN_OK || !got)
            break;
        n++;
        while (want_line == 1500 || want_line == 2500 || want_line == 4500 || want_line == 4501)
            want_line++;
        char t[32];
        /* the two blank lines at 4500-4501 stand for record 4500: later lines are one ahead */
        snprintf(t, sizeof t, "t%llu", (unsigned long long)(want_line - (want_line > 4501)));
        if (want_line == 3500)
            snprintf(t, sizeof t, "bad \xEF\xBF\xBD utf8 3500");
        if (p.line != want_line || p.text.len != strlen(t) || memcmp(p.text.ptr, t, p.text.len)) {
            if (bad_order++ < 3)
                fprintf(stderr, "  line %llu (want %llu): %.*s\n", (unsigned long long)p.line,
                        (unsigned long long)want_line, (int)p.text.len, p.text.ptr);
        }
        want_line = p.line + 1;
    }
    tocsin_read_stats st;
    tocsin_reader_stats(r, &st);
    tocsin_reader_free(r);
    CHECK_INT(n, 5997);
    CHECK_INT(bad_order, 0);
    CHECK_INT(st.skipped[TOCSIN_SKIP_BAD_JSON], 2);
    CHECK_INT(st.invalid_utf8, 1);
    CHECK(strstr(R.warns, "batch.jsonl:1500: skipped: invalid JSON") != NULL);
    CHECK(strstr(R.warns, "batch.jsonl:2500: skipped: invalid JSON") != NULL);
    CHECK(strstr(R.warns, "batch.jsonl:3500: invalid UTF-8") != NULL);
}

static void test_field_mapping(void)
{
    const char *p = write_str("map.jsonl",
                              "{\"payload\":{\"body\":\"deep\",\"tags\":[\"a\",\"b\"]},"
                              "\"user\":{\"screen_name\":\"sam\",\"id\":99},\"when\":\"2018-01-31\"}\n");
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.field[TOCSIN_FIELD_TEXT] = "payload.body";
    o.field[TOCSIN_FIELD_AUTHOR] = "user.screen_name";
    o.field[TOCSIN_FIELD_TIME] = "when";
    o.field[TOCSIN_FIELD_CHANNEL] = "payload.tags.1";
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.texts, "deep");
    CHECK_STR(R.authors, "sam");
    CHECK_INT(R.ts[0], 1517356800);
    /* `user` is an object: never an author string in discovery */
    p = write_str("obj.jsonl", "{\"text\":\"t\",\"user\":{\"name\":\"n\"}}\n");
    read_path(&R, p);
    CHECK_STR(R.authors, "");
    CHECK_INT(R.nposts, 1);
}

static void test_bad_utf8_counted(void)
{
    const char *p = write_str("u.jsonl", "{\"text\":\"ok \xff\xfe\"}\n{\"text\":\"fine\"}\n");
    read_path(&R, p);
    CHECK_INT(R.nposts, 2);
    CHECK_STR(R.texts, "ok \xEF\xBF\xBD\xEF\xBF\xBD|fine");
    CHECK_INT(R.stats.invalid_utf8, 1);
    CHECK(strstr(R.warns, ":1: invalid UTF-8 replaced by U+FFFD (2 sequences)") != NULL);
}

/* ---- max_record ---- */

static char *big_jsonl(size_t *len, size_t big)
{
    size_t cap = big + 256;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "{\"text\":\"before\"}\n{\"text\":\"");
    memset(s + n, 'x', big);
    n += big;
    n += (size_t)snprintf(s + n, cap - n, "\"}\n{\"text\":\"after\"}\n");
    *len = n;
    return s;
}

static void test_max_record(void)
{
    size_t n;
    char *s = big_jsonl(&n, 3u << 20);
    const char *p = write_file("big.jsonl", s, n);
    free(s);
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.max_record = 1u << 20;
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.texts, "before|after");
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_TOO_LARGE], 1);
    CHECK(strstr(R.warns, ":2: skipped: record of 3145740 bytes is over the limit") != NULL);
    /* the same through a stream: never held in memory, still skipped */
    if (have_gzip) {
        CHECK_INT(sh("gzip -c '%s' > '%s'", p, tmp("big.jsonl.gz")), 0);
        read_with(&R, &o, tmp("big.jsonl.gz"), false, 0, 0);
        CHECK_INT(R.st, TOCSIN_OK);
        CHECK_STR(R.texts, "before|after");
        CHECK_INT(R.stats.skipped[TOCSIN_SKIP_TOO_LARGE], 1);
        CHECK(strstr(R.warns, ":2: skipped: record of 3145740 bytes") != NULL);
        CHECK_INT(R.stats.bytes, 18 + 3145740 + 17);
    }
    /* CSV too */
    s = malloc(3u << 20);
    size_t k = (size_t)snprintf(s, 64, "id,text\n1,a\n2,\"");
    memset(s + k, 'y', 2u << 20);
    k += 2u << 20;
    k += (size_t)snprintf(s + k, 64, "\n\"\n3,c\n");
    p = write_file("big.csv", s, k);
    free(s);
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.texts, "a|c");
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_TOO_LARGE], 1);
}

/* ---- JSON arrays ---- */

static void test_json_array(void)
{
    const char *p = write_str("arr.json", "\xEF\xBB\xBF [ {\"text\":\"a, [b]\",\"id\":1},\n"
                                          "  {\"text\":\"q\\\"}\"} , 5, {\"text\":bad},"
                                          "{\"text\":\"z\",\"x\":[{\"y\":\"]\"}]} ]\n");
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.format, "json-array");
    CHECK_STR(R.texts, "a, [b]|q\"}|z");
    CHECK_INT(R.lines[0], 0); /* not line-based */
    CHECK_INT(R.stats.records, 5);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_NOT_OBJECT], 1);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_BAD_JSON], 1);
    char want[600];
    snprintf(want, sizeof want, "%s:4#: skipped: invalid JSON", p);
    CHECK(strstr(R.warns, want) != NULL);
        /* streamed from gzip, and cut in the middle */
    if (have_gzip) {
        CHECK_INT(sh("gzip -c '%s' > '%s'", p, tmp("arr.json.gz")), 0);
        read_path(&R, tmp("arr.json.gz"));
        CHECK_INT(R.st, TOCSIN_OK);
        CHECK_STR(R.texts, "a, [b]|q\"}|z");
    }
    p = write_str("arrcut.json", "[{\"text\":\"a\"},{\"text\":\"b\"},{\"text\":\"c");
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.texts, "a|b");
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_TRUNCATED], 1);
    p = write_str("empty.json", " [ ] ");
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = "json-array";
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_INT(R.nposts, 0);
}

static void test_json_doc(void)
{
    const char *p = write_str("one.json", "{\n  \"text\": \"single\",\n  \"id\": \"s1\"\n}\n");
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.format, "json");
    CHECK_STR(R.texts, "single");
    CHECK_STR(R.ids, "s1");
}

/* Arrays nested in a root object, streamed (Telegram Desktop single-chat and full-account
 * exports, through the telegram mapper): other containers are skipped, the scalar members
 * before each array become the records' context. */
static void test_nested(void)
{
    const char *msg = "{\"id\":%d,\"type\":\"message\",\"date\":\"2023-07-13T10:24:38\","
                      "\"date_unixtime\":\"1689224078\",\"from\":\"A\",\"from_id\":\"user1\","
                      "\"text\":\"m%d\",\"text_entities\":[{\"type\":\"plain\",\"text\":\"m%d\"}]}";
    char buf[8192], one[600];
    size_t n = 0;
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "{\n \"about\": \"export\",\n \"personal_information\": {\"user_id\": 5, "
                          "\"messages\": [\"not these\", {\"a\": \"]\"}]},\n \"chats\": {\n  "
                          "\"about\": \"chats\",\n  \"list\": [\n");
    for (int c = 0; c < 2; c++) {
        n += (size_t)snprintf(buf + n, sizeof buf - n,
                              "%s   {\"name\": \"chat %d\", \"type\": \"public_channel\", \"id\": %d, "
                              "\"extra\": {\"deep\": [1, {\"messages\": [0]}]}, \"messages\": [\n",
                              c ? ",\n" : "", c, 100 + c);
        for (int m = 0; m < 3; m++) {
            snprintf(one, sizeof one, msg, c * 10 + m, c * 10 + m, c * 10 + m);
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s    %s", m ? ",\n" : "", one);
        }
        n += (size_t)snprintf(buf + n, sizeof buf - n, "\n   ], \"after\": true}");
    }
    n += (size_t)snprintf(buf + n, sizeof buf - n, "\n  ]\n },\n \"left_chats\": {\"list\": []}\n}\n");
    const char *p = write_file("result.json", buf, n);
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.format, "telegram");
    CHECK_STR(R.texts, "m0|m1|m2|m10|m11|m12");
    CHECK_STR(R.channels, "100:chat 0|100:chat 0|100:chat 0|101:chat 1|101:chat 1|101:chat 1");
    CHECK_INT(R.ts[0], 1689224078);
    if (have_gzip) { /* the same, streamed */
        CHECK_INT(sh("gzip -c '%s' > '%s'", p, tmp("result.json.gz")), 0);
        read_path(&R, tmp("result.json.gz"));
        CHECK_INT(R.st, TOCSIN_OK);
        CHECK_STR(R.texts, "m0|m1|m2|m10|m11|m12");
        CHECK_STR(R.channels, "100:chat 0|100:chat 0|100:chat 0|101:chat 1|101:chat 1|101:chat 1");
    }
    /* a context member too big to keep is dropped, the others stay */
    char *big = malloc(3u << 20);
    size_t k = (size_t)snprintf(big, 64, "{\"name\":\"c\",\"big\":\"");
    memset(big + k, 'x', 2u << 20);
    k += 2u << 20;
    snprintf(one, sizeof one, msg, 1, 1, 1);
    k += (size_t)snprintf(big + k, 1024, "\",\"id\":5,\"messages\":[%s]}", one);
    write_file("bigctx.json", big, k);
    free(big);
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = "telegram";
    read_with(&R, &o, tmp("bigctx.json"), false, 0, 0);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.channels, "5:c");
    /* no array at any of the paths: no records, and a warning that says why */
    p = write_str("noarr.json", "{\"name\":\"x\",\"list\":[1,2]}");
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_INT(R.nposts, 0);
    CHECK(strstr(R.warns, "no records: no array found at messages") != NULL);
    /* a cut export: the messages before the cut, then a truncated-record warning */
    p = write_file("cut.json", buf, n / 2);
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK(R.nposts >= 1 && R.nposts < 6);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_TRUNCATED], 1);
}

/* ---- CSV / TSV ---- */

static void test_csv(void)
{
    const char *p = write_str("a.csv",
                              "\xEF\xBB\xBFid,Text,author,created_at\r\n"
                              "1,plain,ana,2021-05-18T19:24:56Z\r\n"
                              "2,\"with, comma\",bo,1526671496\r\n"
                              "3,\"multi\nline \"\"quoted\"\"\",cy,\n"
                              "\n"
                              "4,too,many,fields,here\n"
                              "5,\"\",dee,\n"
                              "6,\"unterminated,x,\n");
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.format, "csv");
    CHECK_STR(R.texts, "plain|with, comma|multi\nline \"quoted\"|");
    CHECK_STR(R.ids, "1|2|3|5");
    CHECK_STR(R.authors, "ana|bo|cy|dee");
    CHECK_INT(R.ts[0], 1621365896);
    CHECK_INT(R.ts[1], 1526671496);
    CHECK(!R.has_ts[2]);
    CHECK_INT(R.lines[0], 2);
    CHECK_INT(R.lines[2], 4);
    CHECK_INT(R.lines[3], 8);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_BAD_CSV], 2);
    char want[600];
    snprintf(want, sizeof want, "%s:7: skipped: row has 5 fields, the header has 4", p);
    CHECK(strstr(R.warns, want) != NULL);
    snprintf(want, sizeof want, "%s:9: skipped: unterminated quoted field", p);
    CHECK(strstr(R.warns, want) != NULL);
}

static void test_tsv(void)
{
    const char *p = write_str("a.tsv", "message\tuser\tchannel\n"
                                       "hello there\tu1\tc1\n"
                                       "tab \"quoted\"\tu2\tc2\n");
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.format, "tsv");
    CHECK_STR(R.texts, "hello there|tab \"quoted\"");
    CHECK_STR(R.authors, "u1|u2");
    /* explicit column name */
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.field[TOCSIN_FIELD_TEXT] = "channel";
    read_with(&R, &o, p, false, 0, 0);
    CHECK_STR(R.texts, "c1|c2");
    o.field[TOCSIN_FIELD_TEXT] = "nope";
    o.format = "tsv";
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.st, TOCSIN_ERR_USAGE);
}

static void test_csv_bad_utf8(void)
{
    const char *p = write_str("u.csv", "text,author\n"
                                       "ok \xD8\xA7\xF0\x9F\x8E\x84 plain ascii text,a\n"
                                       "bad \xff,b\n"
                                       "overlong \xC0\xAF,c\n"
                                       "surrogate \xED\xA0\x80,d\n"
                                       "cut \xE2\x82,e\n");
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.texts, "ok \xD8\xA7\xF0\x9F\x8E\x84 plain ascii text|bad \xEF\xBF\xBD|"
                       "overlong \xEF\xBF\xBD\xEF\xBF\xBD|surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
                       "cut \xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_INT(R.stats.invalid_utf8, 4);
}

static void test_csv_sample(void)
{
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = "csv";
    read_with(&R, &o, "tests/data/read/twarc_csv_early_small_sample.csv", false, 0, 0);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_INT(R.nposts, 4);
    CHECK_INT(R.stats.skipped[TOCSIN_SKIP_BAD_CSV], 0);
    CHECK(R.has_ts[0]);
}

/* ---- compression ---- */

static void test_gzip_multimember_and_truncated(void)
{
    if (!have_gzip)
        return;
    write_str("m1.jsonl", "{\"text\":\"one\"}\n{\"text\":\"two\"}\n");
    write_str("m2.jsonl", "{\"text\":\"three\"}\n");
    CHECK_INT(sh("cd '%s' && gzip -c m1.jsonl > m.gz && gzip -c m2.jsonl >> m.gz", dir), 0);
    read_path(&R, tmp("m.gz"));
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.texts, "one|two|three");
    /* a long file cut short: the records before the damage come first, then the error */
    FILE *f = fopen(tmp("long.jsonl"), "w");
    for (int i = 0; i < 20000; i++)
        fprintf(f, "{\"text\":\"line %d %08x\",\"id\":%d}\n", i, (unsigned)(i * 2654435761u), i);
    fclose(f);
    CHECK_INT(sh("cd '%s' && gzip -c long.jsonl > long.gz && head -c $(($(wc -c < long.gz) / 2)) long.gz > cut.gz", dir),
              0);
    read_path(&R, tmp("cut.gz"));
    CHECK_INT(R.st, TOCSIN_ERR_TRUNCATED);
    CHECK(R.nposts > 100 && R.nposts < 20000);
    if (!(R.nposts > 100 && R.nposts < 20000))
        fprintf(stderr, "  posts %d: %s\n", R.nposts, R.err.message);
    CHECK(strstr(R.err.file, "cut.gz") != NULL);
    if (have_zstd) {
        CHECK_INT(sh("cd '%s' && zstd -q -c long.jsonl > long.zst && "
                     "head -c $(($(wc -c < long.zst) / 2)) long.zst > cut.zst",
                     dir),
                  0);
        read_path(&R, tmp("long.zst"));
        CHECK_INT(R.st, TOCSIN_OK);
        CHECK_INT(R.nposts, 20000);
        read_path(&R, tmp("cut.zst"));
        CHECK_INT(R.st, TOCSIN_ERR_TRUNCATED);
        CHECK(R.nposts > 100 && R.nposts < 20000);
        CHECK(strstr(R.err.file, "cut.zst") != NULL);
    }
}

static void test_zstd_long_window(void)
{
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = "jsonl";
    read_with(&R, &o, "tests/data/read/RC_2018-10.first2lines.ndjson.zst", false, 0, 0);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_INT(R.nposts, 2);
    CHECK_STR(R.ids, "e6xucdd|e6xucde");
    CHECK_INT(R.ts[0], 1538352000);
}

/* ---- stdin, directories, detection ---- */

static void test_stdin(void)
{
    const char *p = write_str("in.jsonl", "{\"text\":\"from stdin\"}\n");
    int saved = dup(0);
    int fd = open(p, O_RDONLY);
    dup2(fd, 0);
    close(fd);
    read_path(&R, "-");
    dup2(saved, 0);
    close(saved);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_STR(R.texts, "from stdin");
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char m[] = "FAIL test_stdin_live: the reader waited for more input\n";
    if (write(2, m, sizeof m - 1) < 0)
        _exit(2);
    _exit(1);
}

/* A live pipe: the first records come out while the writer is still there (no waiting for a
 * full detection head or a batch). An alarm turns a wait into a failure. */
static void test_stdin_live(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return;
    const char *lines = "{\"text\":\"one\"}\n{\"text\":\"two\"}\n";
    CHECK_INT(write(fds[1], lines, strlen(lines)), (long long)strlen(lines));
    int saved = dup(0);
    dup2(fds[0], 0);
    close(fds[0]);
    signal(SIGALRM, on_alarm);
    alarm(10);
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    tocsin_reader *r;
    tocsin_error e;
    CHECK_INT(tocsin_reader_open(&o, "-", &r, &e), TOCSIN_OK);
    tocsin_post p;
    int got = 0;
    CHECK_INT(tocsin_reader_next(r, &p, &got, &e), TOCSIN_OK);
    CHECK(got == 1 && p.text.len == 3 && memcmp(p.text.ptr, "one", 3) == 0);
    CHECK_INT(tocsin_reader_next(r, &p, &got, &e), TOCSIN_OK);
    CHECK(got == 1 && p.text.len == 3 && memcmp(p.text.ptr, "two", 3) == 0);
    alarm(0);
    close(fds[1]);
    CHECK_INT(tocsin_reader_next(r, &p, &got, &e), TOCSIN_OK);
    CHECK_INT(got, 0);
    tocsin_reader_free(r);
    dup2(saved, 0);
    close(saved);
}

static void test_paths(void)
{
    CHECK_INT(sh("mkdir -p '%s/tree/b/c' '%s/tree/.hid' && touch '%s/tree/z.jsonl' "
                 "'%s/tree/a.jsonl' '%s/tree/.hidden' '%s/tree/b/c/x.json' '%s/tree/.hid/y' "
                 "'%s/tree/b/m.csv'",
                 dir, dir, dir, dir, dir, dir, dir, dir),
              0);
    const char *args[] = {tmp("tree"), "-", tmp("in.jsonl")};
    char **out = NULL;
    size_t n = 0;
    tocsin_error e;
    CHECK_INT(tocsin_paths_expand(args, 3, &out, &n, &e), TOCSIN_OK);
    CHECK_INT(n, 6);
    if (n == 6) {
        CHECK(strstr(out[0], "tree/a.jsonl") != NULL);
        CHECK(strstr(out[1], "tree/b/c/x.json") != NULL);
        CHECK(strstr(out[2], "tree/b/m.csv") != NULL);
        CHECK(strstr(out[3], "tree/z.jsonl") != NULL);
        CHECK_STR(out[4], "-");
        CHECK(strstr(out[5], "in.jsonl") != NULL);
    }
    tocsin_paths_free(out, n);
    const char *missing[] = {tmp("no-such-file")};
    CHECK_INT(tocsin_paths_expand(missing, 1, &out, &n, &e), TOCSIN_ERR_IO);
    CHECK(strstr(e.file, "no-such-file") != NULL);
    /* a directory given to the reader is a clear error */
    read_path(&R, tmp("tree"));
    CHECK_INT(R.st, TOCSIN_ERR_IO);
}

static void test_detection_errors(void)
{
    const char *p = write_str("junk.bin", "\x01\x02garbage without shape\n");
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_ERR_FORMAT);
    CHECK(strstr(R.err.message, "no known format fits") != NULL);
    CHECK(strstr(R.err.message, "jsonl") != NULL);
    CHECK(strstr(R.err.message, "csv: ") != NULL);
    p = write_str("notext.jsonl", "{\"a\":1}\n");
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_ERR_FORMAT);
    CHECK(strstr(R.err.message, "jsonl: the first line has no text field") != NULL);
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = "nope";
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.st, TOCSIN_ERR_USAGE);
    CHECK(strstr(R.err.message, "jsonl") != NULL);
    tocsin_read_opts_init(&o);
    o.tz = "Mars/Olympus_Mons";
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.st, TOCSIN_ERR_USAGE);
    CHECK(strstr(R.err.message, "Mars/Olympus_Mons") != NULL);
    read_path(&R, tmp("does-not-exist.jsonl"));
    CHECK_INT(R.st, TOCSIN_ERR_IO);
    p = write_str("empty.jsonl", "");
    read_path(&R, p);
    CHECK_INT(R.st, TOCSIN_OK);
    CHECK_INT(R.nposts, 0);
}

static void test_tz_option(void)
{
    const char *p = write_str("tz.jsonl", "{\"text\":\"a\",\"date\":\"2023-07-13T10:24:38\"}\n"
                                          "{\"text\":\"b\",\"date\":\"2021-01-01 12:00:00\"}\n");
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.tz = "America/New_York";
    read_with(&R, &o, p, false, 0, 0);
    CHECK_INT(R.ts[0], 1689258278); /* EDT: 14:24:38Z */
    CHECK_INT(R.ts[1], 1609520400); /* EST */
}

/* ---- ranges ---- */

static void test_split_ranges(void)
{
    FILE *f = fopen(tmp("split.jsonl"), "w");
    for (int i = 1; i <= 3000; i++) {
        if (i == 2500)
            fprintf(f, "{broken\n");
        else
            fprintf(f, "{\"text\":\"post %d\",\"id\":%d}\n", i, i);
    }
    fclose(f);
    uint64_t off[5];
    size_t n = 0;
    tocsin_error e;
    CHECK_INT(tocsin_input_split(tmp("split.jsonl"), 4, off, &n, &e), TOCSIN_OK);
    CHECK_INT(n, 4);
    int total = 0, warned = 0;
    for (size_t i = 0; i < n; i++) {
        tocsin_read_opts o;
        tocsin_read_opts_init(&o);
        read_with(&R, &o, tmp("split.jsonl"), true, off[i], off[i + 1]);
        CHECK_INT(R.st, TOCSIN_OK);
        total += R.nposts;
        if (R.nwarn) {
            warned++;
            CHECK(strstr(R.warns, "split.jsonl:2500: skipped: invalid JSON") != NULL);
        }
    }
    CHECK_INT(total, 2999);
    CHECK_INT(warned, 1);
    /* non-line inputs: one part */
    CHECK_INT(tocsin_input_split(tmp("a.csv"), 4, off, &n, &e), TOCSIN_OK);
    CHECK_INT(n, 1);
    CHECK_INT(tocsin_input_split("-", 4, off, &n, &e), TOCSIN_OK);
    CHECK_INT(n, 1);
    /* a shape auto-detection cannot place (text under a mapped path): one part, no error */
    f = fopen(tmp("mapped.jsonl"), "w");
    for (int i = 0; i < 100; i++)
        fprintf(f, "{\"payload\":{\"body\":\"b%d\"}}\n", i);
    fclose(f);
    CHECK_INT(tocsin_input_split(tmp("mapped.jsonl"), 4, off, &n, &e), TOCSIN_OK);
    CHECK_INT(n, 1);
    CHECK_INT(off[1], 10 * 26 + 90 * 27);
    CHECK_INT(tocsin_input_split(tmp("missing.jsonl"), 4, off, &n, &e), TOCSIN_ERR_IO);
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    read_with(&R, &o, tmp("a.csv"), true, 5, 10);
    CHECK_INT(R.st, TOCSIN_ERR_USAGE);
}

/* Several threads, one reader each, over ranges of one file, all loading the same zone at the
 * same moment (the zone cache is shared): the counts add up (run it under ASan/TSan too). */
typedef struct thr_job {
    const char *path;
    uint64_t b, e;
    const char *tz;
    int posts;
    int64_t tsum;
    tocsin_status st;
} thr_job;

static void *thr_read(void *arg)
{
    thr_job *j = arg;
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.tz = j->tz;
    tocsin_reader *r;
    tocsin_error e;
    j->st = tocsin_reader_open_range(&o, j->path, j->b, j->e, &r, &e);
    if (j->st != TOCSIN_OK)
        return NULL;
    for (;;) {
        tocsin_post p;
        int got;
        j->st = tocsin_reader_next(r, &p, &got, &e);
        if (j->st != TOCSIN_OK || !got)
            break;
        j->posts++;
        j->tsum += p.ts;
    }
    tocsin_reader_free(r);
    return NULL;
}

static void test_threads(void)
{
    FILE *f = fopen(tmp("thr.jsonl"), "w");
    int64_t want = 0;
    for (int i = 0; i < 40000; i++) {
        /* local times in July (CEST, +2) */
        fprintf(f, "{\"text\":\"p%d\",\"date\":\"2021-07-01 12:%02d:%02d\"}\n", i, i / 60 % 60,
                i % 60);
        want += 1625133600 + (i / 60 % 60) * 60 + i % 60;
    }
    fclose(f);
    uint64_t off[9];
    size_t n = 0;
    tocsin_error e;
    CHECK_INT(tocsin_input_split(tmp("thr.jsonl"), 8, off, &n, &e), TOCSIN_OK);
    CHECK_INT(n, 8);
    pthread_t th[8];
    thr_job jobs[8];
    for (size_t i = 0; i < n; i++) {
        jobs[i] = (thr_job){tmp("thr.jsonl"), off[i], off[i + 1], "Europe/Vienna", 0, 0, 0};
        pthread_create(&th[i], NULL, thr_read, &jobs[i]);
    }
    int posts = 0;
    int64_t tsum = 0;
    for (size_t i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(jobs[i].st, TOCSIN_OK);
        posts += jobs[i].posts;
        tsum += jobs[i].tsum;
    }
    CHECK_INT(posts, 40000);
    CHECK_INT(tsum, want);
}

static void test_names(void)
{
    CHECK_STR(tocsin_field_name(TOCSIN_FIELD_AUTHOR), "author");
    CHECK_STR(tocsin_skip_reason_name(TOCSIN_SKIP_TOO_LARGE), "too-large");
    CHECK_STR(tocsin_kind_name(TOCSIN_KIND_REPOST), "repost");
    tocsin_read_stats a = {0}, b = {0};
    a.records = 2;
    b.records = 3;
    b.skipped[TOCSIN_SKIP_BAD_CSV] = 4;
    tocsin_read_stats_add(&a, &b);
    CHECK_INT(a.records, 5);
    CHECK_INT(a.skipped[TOCSIN_SKIP_BAD_CSV], 4);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/tocsin-test-read-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    have_gzip = system("gzip --version >/dev/null 2>&1") == 0;
    have_zstd = system("zstd --version >/dev/null 2>&1") == 0;
    RUN(test_jsonl_discovery);
    RUN(test_jsonl_bad_lines);
    RUN(test_jsonl_twarc_truncated_sample);
    RUN(test_jsonl_batches);
    RUN(test_field_mapping);
    RUN(test_bad_utf8_counted);
    RUN(test_max_record);
    RUN(test_json_array);
    RUN(test_json_doc);
    RUN(test_nested);
    RUN(test_csv);
    RUN(test_tsv);
    RUN(test_csv_bad_utf8);
    RUN(test_csv_sample);
    RUN(test_gzip_multimember_and_truncated);
    RUN(test_zstd_long_window);
    RUN(test_stdin);
    RUN(test_stdin_live);
    RUN(test_paths);
    RUN(test_detection_errors);
    RUN(test_tz_option);
    RUN(test_split_ranges);
    RUN(test_threads);
    RUN(test_names);
    sh("rm -rf '%s'", dir);
    return check_summary();
}
