/* test_read_fast.c: the JSON Lines fast path (src/read/jsonl_fast.c) against the simdjson DOM
 * path it stands in for. Randomized JSON Lines (valid and damaged: escapes, surrogates, Telegram
 * \xHH, control characters, invalid UTF-8, big and odd numbers, nesting, duplicate keys, key
 * orders, blanks, truncation) are read twice, with the fast path and without it; posts, warnings
 * and counters must be identical, as files, byte ranges and gzip streams, under --strict, and
 * as the elements of a JSON array.
 * Direct cases of the scanner check what it takes and what it leaves to simdjson. */
#include "check.h"
#include "read/reader_int.h"
#include "tocsin.h"

#include <stdarg.h>
#include <unistd.h>

static char dir[256];

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned pick(unsigned n) { return (unsigned)(rnd() % n); }

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

static void putf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(sbuf *b, const char *fmt, ...)
{
    char t[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    put(b, t, n < (int)sizeof t ? (size_t)n : sizeof t - 1);
}

static const char *keys[] = {"text", "full_text", "message", "body", "content", "selftext", "com",
                             "id_str", "id", "message_id", "created_at", "created_utc",
                             "date_unixtime", "date", "timestamp", "ts", "time", "author",
                             "username", "screen_name", "from", "user", "channel", "chat",
                             "group", "subreddit", "board", "lang", "language", "views", "x",
                             "Text", "texts", "a_very_long_key_name_past_16", "entities"};

static void put_string(sbuf *b)
{
    static const char *parts[] = {
        "hello", " world", "ISKP", "\\n", "\\\"", "\\\\", "\\/", "\\t", "\\b\\f\\r",
        "\\u00e9", "\\u0645", "\\ud83c\\udf84", "\\u0000", "\\uD83D\\uDE00", "caf\xc3\xa9",
        "\xd9\x88\xd9\x84\xd8\xa7\xd9\x8a\xd8\xa9", "\xe2\x80\x8c", "\xf0\x9f\x8e\x84",
        "0123456789abcdef0123456789", "  ", "{[,:]}", "\\u0041\\u00E9\\uFFFD",
        /* damage, rarer */
        "\\ud800", "\\udc00x", "\\ud83c\\u0041", "\\x41", "\\q", "\\u12G4", "\xff", "\xc3",
        "\xed\xa0\x80", "\x01", "\t", "\\"};
    puts_(b, "\"");
    unsigned k = pick(6);
    for (unsigned i = 0; i < k; i++) {
        unsigned j = pick(100) < 97 ? pick(22) : 22 + pick(12);
        puts_(b, parts[j]);
    }
    if (pick(4) == 0) { /* a long run: the SIMD loops and their tails */
        unsigned n = pick(80);
        for (unsigned i = 0; i < n; i++)
            put(b, "abcdefgh" + pick(8), 1);
    }
    puts_(b, "\"");
}

static void put_number(sbuf *b)
{
    static const char *nums[] = {
        "0", "7", "-3", "1526671496", "1526671496000", "1630252139", "-1630252139",
        "123456789012345678", "-123456789012345678", "1234567890123456789",
        "9223372036854775807", "9223372036854775808", "18446744073709551615",
        "18446744073709551616", "123456789012345678901234", "-9223372036854775808",
        "-9223372036854775809", "-0", "1.5", "-2.25", "1e5", "1E+2", "2.5e-3", "1e400",
        "0.1234567890123456789012", "1.0", "012", "1.", ".5", "-", "1e", "0x10", "1_000"};
    unsigned k = pick(100);
    puts_(b, nums[k < 80 ? pick(8) : k < 97 ? pick(27) : pick(33)]);
}

static void put_value(sbuf *b, int depth);

static void put_container(sbuf *b, int depth)
{
    bool obj = pick(2);
    puts_(b, obj ? "{" : "[");
    unsigned n = pick(4);
    for (unsigned i = 0; i < n; i++) {
        if (i)
            puts_(b, pick(30) ? "," : pick(2) ? " , " : "");
        if (obj) {
            put_string(b);
            puts_(b, pick(20) ? ":" : " : ");
        }
        put_value(b, depth + 1);
    }
    if (pick(60) == 0)
        puts_(b, ",");
    puts_(b, obj ? "}" : "]");
}

static void put_value(sbuf *b, int depth)
{
    unsigned k = pick(100);
    if (k < 45)
        put_string(b);
    else if (k < 75)
        put_number(b);
    else if (k < 82)
        puts_(b, k < 78 ? "true" : k < 80 ? "false" : "null");
    else if (k < 83)
        puts_(b, "tru");
    else if (depth < 4)
        put_container(b, depth);
    else
        puts_(b, "{}");
}

static void put_deep(sbuf *b, int levels)
{
    for (int i = 0; i < levels; i++)
        puts_(b, "[");
    puts_(b, "1");
    for (int i = 0; i < levels; i++)
        puts_(b, "]");
}

static void put_time(sbuf *b)
{
    static const char *t[] = {"\"2021-08-15T10:00:00Z\"", "\"2021-08-15 10:00:00+04:30\"",
                              "\"Wed Oct 10 20:19:24 +0000 2018\"", "\"1526671496\"",
                              "\"not a time\"", "\"\"", "\"2021-08-15\"",
                              "\"Tue, 10 Oct 2018 20:19:24 GMT\""};
    if (pick(2))
        put_number(b);
    else
        puts_(b, t[pick(8)]);
}

/* One record: mostly a well-formed post with the usual keys in a steady order (so the key
 * cache is used), sometimes shuffled, duplicated or damaged. */
static void put_record(sbuf *b, unsigned i)
{
    unsigned shape = pick(100);
    const char *ws = pick(10) ? "" : pick(2) ? " " : "\t";
    if (shape < 2) {
        puts_(b, pick(2) ? "" : "  \t");
        return; /* a blank line */
    }
    if (shape < 3) {
        puts_(b, "[{\"text\":\"in an array\"}]");
        return;
    }
    if (shape < 4) {
        put_value(b, 0);
        return;
    }
    puts_(b, ws);
    puts_(b, "{");
    if (shape < 60) { /* the steady order of an export */
        putf(b, "\"id\":\"%u\",\"created_at\":", i);
        put_time(b);
        puts_(b, ",\"author\":");
        pick(8) ? putf(b, "\"user%u\"", pick(50)) : put_number(b);
        puts_(b, ",\"channel\":\"chan\",\"lang\":\"ar\",\"views\":");
        put_number(b);
        puts_(b, ",\"text\":");
        put_string(b);
        if (pick(10) == 0) {
            puts_(b, ",\"user\":");
            put_container(b, 1);
        }
    } else {
        unsigned n = pick(9);
        for (unsigned k = 0; k < n; k++) {
            if (k)
                puts_(b, pick(40) ? "," : pick(2) ? " ,\t" : "");
            unsigned w = pick(sizeof keys / sizeof *keys);
            putf(b, "%s\"%s\"%s:%s", pick(30) ? "" : " ", keys[w], pick(30) ? "" : " ",
                 pick(30) ? "" : " ");
            if (pick(200) == 0)
                put_deep(b, 60 + (int)pick(10));
            else if (strstr(keys[w], "time") || strstr(keys[w], "date") ||
                     strstr(keys[w], "created") || !strcmp(keys[w], "ts"))
                put_time(b);
            else
                put_value(b, 0);
        }
        if (pick(50) == 0)
            puts_(b, ",");
        if (pick(80) == 0)
            puts_(b, ",\"k\\u0065y\":1");
    }
    puts_(b, "}");
    unsigned tail = pick(100);
    if (tail < 3)
        puts_(b, " {\"text\":\"second\"}");
    else if (tail < 8)
        puts_(b, pick(2) ? " \r" : "\t ");
    else if (tail < 9) { /* cut short */
        size_t cut = 1 + pick(5);
        b->n -= cut < b->n ? cut : 0;
        b->p[b->n] = '\0';
    }
}

/* ---- reading and comparing ---- */

typedef struct run {
    sbuf out;   /* every post, warning and counter, as text */
    uint64_t fast;
    tocsin_status st;
} run;

static void on_warn(void *ctx, const tocsin_error *w)
{
    run *r = ctx;
    putf(&r->out, "W %llu%s %s\n", (unsigned long long)w->line, w->is_record_index ? "#" : "",
         w->message);
}

static void put_view(sbuf *b, const char *name, tocsin_strv v)
{
    putf(b, " %s=%zu:", name, v.len);
    if (v.len)
        put(b, v.ptr, v.len);
    if (v.len && !v.ptr)
        puts_(b, "(null)");
}

static void read_run(run *r, const char *path, bool fast, bool strict, const char *format,
                     bool ranged, uint64_t begin, uint64_t end)
{
    memset(r, 0, sizeof *r);
    puts_(&r->out, "");
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.warn = on_warn;
    o.warn_ctx = r;
    o.strict = strict;
    o.format = format;
    rd_fast_disabled = !fast;
    tocsin_reader *rd = NULL;
    tocsin_error e;
    r->st = ranged ? tocsin_reader_open_range(&o, path, begin, end, &rd, &e)
                   : tocsin_reader_open(&o, path, &rd, &e);
    rd_fast_disabled = 0;
    if (r->st != TOCSIN_OK) {
        putf(&r->out, "open %d %s\n", (int)r->st, e.message);
        return;
    }
    for (;;) {
        tocsin_post p;
        int got = 0;
        tocsin_status st = tocsin_reader_next(rd, &p, &got, &e);
        if (st != TOCSIN_OK) {
            r->st = st;
            putf(&r->out, "E %d %llu %s\n", (int)st, (unsigned long long)e.line, e.message);
            break;
        }
        if (!got)
            break;
        putf(&r->out, "P %llu %llu ts=%d:%lld", (unsigned long long)p.line,
             (unsigned long long)p.record, (int)p.has_ts, (long long)p.ts);
        put_view(&r->out, "text", p.text);
        put_view(&r->out, "id", p.id);
        put_view(&r->out, "author", p.author_id);
        put_view(&r->out, "author_name", p.author_name);
        put_view(&r->out, "channel", p.channel_id);
        put_view(&r->out, "channel_name", p.channel_name);
        put_view(&r->out, "lang", p.lang);
        put_view(&r->out, "platform", p.platform);
        puts_(&r->out, "\n");
    }
    tocsin_read_stats s;
    tocsin_reader_stats(rd, &s);
    putf(&r->out, "S records=%llu posts=%llu utf8=%llu bytes=%llu", (unsigned long long)s.records,
         (unsigned long long)s.posts, (unsigned long long)s.invalid_utf8,
         (unsigned long long)s.bytes);
    for (int i = 0; i < TOCSIN_SKIP__COUNT; i++)
        putf(&r->out, " %llu", (unsigned long long)s.skipped[i]);
    puts_(&r->out, "\n");
    r->fast = rd_reader_fast_records(rd);
    tocsin_reader_free(rd);
}

/* The first differing line of two runs, for the failure message. */
static void show_diff(const char *what, const run *a, const run *b)
{
    const char *p = a->out.p, *q = b->out.p;
    while (*p && *p == *q) {
        p++;
        q++;
    }
    while (p > a->out.p && p[-1] != '\n')
        p--, q--;
    fprintf(stderr, "  %s: fast:  %.300s\n  %s: dom:   %.300s\n", what, p, what, q);
}

static bool same(const char *what, const run *fast, const run *dom)
{
    if (fast->out.n == dom->out.n && memcmp(fast->out.p, dom->out.p, fast->out.n) == 0)
        return true;
    show_diff(what, fast, dom);
    return false;
}

static void write_file(const char *path, const char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(p, 1, n, f);
    fclose(f);
}

static void free_run(run *r) { free(r->out.p); }

static void test_differential(void)
{
    char path[300], gz[320];
    snprintf(path, sizeof path, "%s/rand.jsonl", dir);
    snprintf(gz, sizeof gz, "%s/rand.jsonl.gz", dir);
    int files = 0, fast_total = 0;
    for (int round = 0; round < 12; round++) {
        sbuf b = {0};
        unsigned n = 1500 + pick(1500);
        if (round % 4 == 3)
            puts_(&b, "\xEF\xBB\xBF");
        for (unsigned i = 0; i < n; i++) {
            put_record(&b, i);
            if (i + 1 < n || round % 2)
                puts_(&b, pick(50) ? "\n" : "\r\n");
        }
        write_file(path, b.p, b.n);
        run f, d;
        read_run(&f, path, true, false, "jsonl", false, 0, 0);
        read_run(&d, path, false, false, "jsonl", false, 0, 0);
        CHECK(same("file", &f, &d));
        CHECK_INT(d.fast, 0);
        fast_total += f.fast > n / 3;
        files++;
        free_run(&f);
        free_run(&d);
        /* detection instead of --format: same again */
        read_run(&f, path, true, false, NULL, false, 0, 0);
        read_run(&d, path, false, false, NULL, false, 0, 0);
        CHECK(same("detected", &f, &d));
        free_run(&f);
        free_run(&d);
        /* strict: the first bad record stops both the same way */
        read_run(&f, path, true, true, "jsonl", false, 0, 0);
        read_run(&d, path, false, true, "jsonl", false, 0, 0);
        CHECK(same("strict", &f, &d));
        free_run(&f);
        free_run(&d);
        /* a byte range in the middle (split at line starts, as tocsin_input_split does) */
        uint64_t off[4];
        size_t np = 0;
        tocsin_error e;
        if (tocsin_input_split(path, 3, off, &np, &e) == TOCSIN_OK && np >= 2) {
            read_run(&f, path, true, false, "jsonl", true, off[1], off[2]);
            read_run(&d, path, false, false, "jsonl", true, off[1], off[2]);
            CHECK(same("range", &f, &d));
            CHECK(f.fast > 0);
            free_run(&f);
            free_run(&d);
        }
        /* a stream: the window is refilled and records straddle its end */
        char cmd[700];
        snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s' 2>/dev/null", path, gz);
        if (system(cmd) == 0) {
            read_run(&f, gz, true, false, "jsonl", false, 0, 0);
            read_run(&d, gz, false, false, "jsonl", false, 0, 0);
            CHECK(same("gzip", &f, &d));
            CHECK(f.fast > 0);
            free_run(&f);
            free_run(&d);
        }
        /* the same records as the elements of a JSON array, one per line or run together */
        sbuf a = {0};
        puts_(&a, "[\n");
        for (const char *q = b.p, *end = b.p + b.n; q < end;) {
            const char *nl = memchr(q, '\n', (size_t)(end - q));
            size_t k = nl ? (size_t)(nl - q) : (size_t)(end - q);
            if (q != b.p)
                puts_(&a, round % 2 ? ",\n" : ",");
            put(&a, q, k);
            q += k + 1;
        }
        if (round % 3)
            puts_(&a, "\n]\n");
        write_file(path, a.p, a.n);
        read_run(&f, path, true, false, "json-array", false, 0, 0);
        read_run(&d, path, false, false, "json-array", false, 0, 0);
        CHECK(same("array", &f, &d));
        CHECK(f.fast > 0);
        free_run(&f);
        free_run(&d);
        free(a.p);
        free(b.p);
    }
    CHECK_INT(fast_total, files); /* the fast path did read most records */
}

/* Runs of records the fast path leaves to simdjson (a float in a field it takes) make it pause
 * for a chunk, read by simdjson's batches; it resumes after. Same output as the DOM path. */
static void test_pause(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/pause.jsonl", dir);
    sbuf b = {0};
    char pad[260];
    memset(pad, 'p', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    /* ~300-byte records: 2,000 with float ids (0.6 MB), then 14,000 with integer ids */
    for (int i = 0; i < 16000; i++) {
        if (i % 5000 == 1234)
            puts_(&b, "{\"text\": oops}\n");
        else if (i < 2000)
            putf(&b, "{\"id\":%d.5,\"text\":\"f%d %s\",\"ts\":%d}\n", i, i, pad,
                 1600000000 + i);
        else
            putf(&b, "{\"id\":%d,\"text\":\"i%d %s\",\"ts\":%d}\n", i, i, pad,
                 1600000000 + i);
    }
    write_file(path, b.p, b.n);
    run f, d;
    read_run(&f, path, true, false, "jsonl", false, 0, 0);
    read_run(&d, path, false, false, "jsonl", false, 0, 0);
    CHECK(same("pause", &f, &d));
    CHECK(strstr(f.out.p, "P 16000 16000 ") != NULL);
    /* the pause (1 MiB, ~3,500 records from the 16th float) ends inside the integer ids */
    CHECK(f.fast > 11000);
    CHECK(f.fast < 13000);
    free_run(&f);
    free_run(&d);
    free(b.p);
}

/* Elements of a generic JSON array framed by the reader: newlines inside are blanks. */
static void test_array_elements(void)
{
    rd_keys_init();
    const char *el = " {\n  \"text\": \"a\",\n  \"id\": [1,\n2]\n}\n ";
    rd_keycache kc;
    memset(&kc, 0, sizeof kc);
    rd_fobj o;
    CHECK_INT(rd_fast_scan(el, strlen(el), RD_FAST_WHOLE, &kc, &o), strlen(el));
    CHECK_INT(o.f[TOCSIN_FIELD_TEXT].type, RD_FV_STR);
    CHECK_INT(o.f[TOCSIN_FIELD_ID].type, RD_FV_NONE);
    CHECK_INT(rd_fast_scan("{\"text\":\"a\"} 1", 14, RD_FAST_WHOLE, &kc, &o), 0);
    /* the same element without RD_FAST_WHOLE is not a JSON Lines record */
    CHECK_INT(rd_fast_scan(el, strlen(el), RD_FAST_EOF, &kc, &o), 0);
}

/* A file of well-formed posts is read by the fast path entirely, with the values expected. */
static void test_fast_values(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/vals.jsonl", dir);
    const char *data =
        "{\"id\":12345678901234567890123,\"text\":\"x\"}\n" /* simdjson's: over 64 bits */
        "{\"id\":1234567890123456789,\"created_at\":1630252139,\"author\":\"a\\u00e9\","
        "\"channel\":7,\"lang\":\"ur\",\"text\":\"caf\\u00e9 \\ud83c\\udf84 \\\"q\\\"\\n\"}\n"
        "{\"text\":\"t\",\"text\":\"dup\",\"message\":\"m\",\"ts\":\"2021-08-15T10:00:00Z\"}\n"
        "{\"message\":\"m\",\"text\":5,\"id_str\":\"9\",\"id\":8,\"created_at\":1526671496000}\n"
        "{\"text\":\"no time\",\"date\":\"yesterday\"}\n"
        "{\"body\":\"nested\",\"user\":{\"a\":[1,2,{\"b\":null}]},\"author\":\"u\"}\n"
        "{}\n";
    write_file(path, data, strlen(data));
    run f;
    read_run(&f, path, true, false, "jsonl", false, 0, 0);
    CHECK_INT(f.fast, 6); /* all but the first line */
    const char *want[] = {
        "P 1 1 ts=0:0 text=1:x id=23:12345678901234567890123",
        "P 2 2 ts=1:1630252139 text=15:caf\xc3\xa9 \xf0\x9f\x8e\x84 \"q\"\n id=19:1234567890123456789 "
        "author=3:a\xc3\xa9 author_name=3:a\xc3\xa9 channel=1:7 channel_name=1:7 lang=2:ur",
        "P 3 3 ts=1:1629021600 text=1:t",
        "P 4 4 ts=1:1526671496 text=1:m id=1:9",
        "W 5 skipped: cannot parse the time \"yesterday\" in date (bad-time)",
        "P 6 6 ts=0:0 text=6:nested id=0: author=1:u",
        "W 7 skipped: no text field (text, full_text, message, body, content, selftext, com) "
        "(no-text)",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        bool ok = strstr(f.out.p, want[i]) != NULL;
        if (!ok)
            fprintf(stderr, "  missing: %s\n", want[i]);
        CHECK(ok);
    }
    free_run(&f);
}

/* What the scanner takes and what it leaves to simdjson. */
static void test_scanner_cases(void)
{
    static const struct {
        const char *rec;
        int take; /* 1: read here, 0: left to the DOM path */
    } cases[] = {
        {"{\"text\":\"a\"}\n", 1},
        {"  {\"text\" : \"a\" , \"x\" : [ 1 , { } , [ ] ] }  \r\n", 1},
        {"{}\n", 1},
        {"{\"text\":\"a\"}", 1}, /* at the end of the input */
        {"{\"text\":\"a\"}x\n", 0},
        {"{\"text\":\"a\"} {\"text\":\"b\"}\n", 0},
        {"{\"text\":\"a\",}\n", 0},
        {"{\"text\":\"a\"\n}\n", 0},
        {"{\"te\\u0078t\":\"a\"}\n", 0},
        {"{\"text\":\"\\ud800\"}\n", 0},
        {"{\"text\":\"\\udc00\"}\n", 0},
        {"{\"text\":\"\\x41\"}\n", 0},
        {"{\"text\":\"a\x01\"}\n", 0},
        {"{\"text\":\"a\",\"v\":-0}\n", 0},
        {"{\"text\":\"a\",\"v\":-0.0}\n", 1},
        {"{\"text\":\"a\",\"v\":12345678901234567890}\n", 0},
        {"{\"text\":\"a\",\"v\":1234567890123456789}\n", 1},
        {"{\"text\":\"a\",\"v\":-1234567890123456789}\n", 0},
        {"{\"text\":\"a\",\"v\":1e400}\n", 0},
        {"{\"text\":\"a\",\"v\":1.5e10}\n", 1},
        {"{\"text\":\"a\",\"id\":1.5}\n", 0},
        {"{\"text\":\"a\",\"ts\":1234567890123456789}\n", 0},
        {"{\"text\":\"a\",\"v\":01}\n", 0},
        {"{\"text\":\"a\",\"v\":tru}\n", 0},
        {"{\"text\":\"a\",\"v\":nul}\n", 0},
        {"[1]\n", 0},
        {"\n", 0},
    };
    rd_keys_init();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        rd_keycache kc;
        memset(&kc, 0, sizeof kc);
        rd_fobj o;
        size_t n = strlen(cases[i].rec);
        size_t k = rd_fast_scan(cases[i].rec, n, RD_FAST_EOF, &kc, &o);
        if ((k != 0) != cases[i].take)
            fprintf(stderr, "  case %zu: %s -> %zu\n", i, cases[i].rec, k);
        CHECK((k != 0) == cases[i].take);
        if (k)
            CHECK_INT(k, n);
    }
    /* deep nesting: past 64 levels the DOM path decides */
    sbuf b = {0};
    puts_(&b, "{\"text\":\"a\",\"v\":");
    put_deep(&b, 63);
    puts_(&b, "}\n");
    rd_keycache kc;
    memset(&kc, 0, sizeof kc);
    rd_fobj o;
    CHECK(rd_fast_scan(b.p, b.n, RD_FAST_EOF, &kc, &o) == b.n);
    b.n = 0;
    puts_(&b, "{\"text\":\"a\",\"v\":");
    put_deep(&b, 65);
    puts_(&b, "}\n");
    CHECK(rd_fast_scan(b.p, b.n, RD_FAST_EOF, &kc, &o) == 0);
    free(b.p);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/tocsin-test-fast-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_scanner_cases);
    RUN(test_array_elements);
    RUN(test_pause);
    RUN(test_fast_values);
    RUN(test_differential);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return check_summary();
}
