/* test_read_fuzz.c: seeded random damage (bytes flipped, cut, duplicated, inserted) to inputs of
 * every framing (JSON Lines, arrays, nested arrays, documents, CSV, TSV) and to gzip streams;
 * each must be read to its end or to a clean error, never crash or hang (run it under ASan). */
#include "check.h"
#include "tocsin.h"

#include <unistd.h>

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *seeds[] = {
    "{\"text\":\"hello\",\"id\":1,\"created_at\":\"2021-05-18T19:24:56Z\",\"user\":{\"n\":1}}\n"
    "{\"message\":\"caf\\u00e9 \\ud83c\\udf84\",\"date\":\"Wed Oct 10 20:19:24 +0000 2018\"}\n"
    "{\"body\":\"x\\x01y\",\"ts\":1526671496000,\"channel\":\"c\"}\n",
    "[{\"text\":\"a\",\"id\":\"1\"},{\"text\":\"b [x] {y}\",\"time\":\"2018-01-31\"},{\"text\":\"c\"}]\n",
    "{\"name\":\"chat\",\"type\":\"public_channel\",\"id\":7,\"messages\":[{\"id\":1,\"type\":\"message\","
    "\"date_unixtime\":\"1689224078\",\"text\":[\"a\",{\"type\":\"link\",\"text\":\"http://x\"}]},"
    "{\"id\":2,\"type\":\"service\",\"text\":\"\"}]}\n",
    "{\n \"text\": \"one document\",\n \"id\": 5\n}\n",
    "id,text,author,created_at\n1,\"a, b\",x,2021-01-01\n2,\"multi\nline \"\"q\"\"\",y,1526671496\n",
    "text\tuser\nhello\tu1\nbye\tu2\n",
};

static void read_all(const char *path, const char *format)
{
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = format;
    o.max_record = 300;
    tocsin_reader *r;
    tocsin_error e;
    if (tocsin_reader_open(&o, path, &r, &e) != TOCSIN_OK)
        return;
    for (int i = 0; i < 100000; i++) {
        tocsin_post p;
        int got;
        if (tocsin_reader_next(r, &p, &got, &e) != TOCSIN_OK || !got)
            break;
        CHECK(p.text.ptr != NULL || p.text.len == 0);
        CHECK(p.n_urls == 0 || p.urls != NULL);
    }
    tocsin_read_stats s;
    tocsin_reader_stats(r, &s);
    CHECK(s.posts <= s.records || s.records == 0 || s.posts >= 1);
    tocsin_reader_free(r);
}

static void test_damage(void)
{
    char dir[] = "/tmp/tocsin-fuzz-XXXXXX";
    if (!mkdtemp(dir))
        return;
    char path[128], gz[160], cmd[400];
    snprintf(path, sizeof path, "%s/in", dir);
    snprintf(gz, sizeof gz, "%s/in.gz", dir);
    static const char *formats[] = {NULL, "jsonl", "json-array", "json", "csv", "tsv", "telegram"};
    int have_gzip = system("gzip --version >/dev/null 2>&1") == 0;
    int iters = getenv("FUZZ_ITERS") ? atoi(getenv("FUZZ_ITERS")) : 700; /* longer runs by hand */
    if (getenv("FUZZ_SEED"))
        rng = strtoull(getenv("FUZZ_SEED"), NULL, 10) | 1;
    for (int it = 0; it < iters; it++) {
        const char *seed = seeds[rnd() % (sizeof seeds / sizeof *seeds)];
        char buf[4096];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        int edits = 1 + (int)(rnd() % 6);
        for (int k = 0; k < edits && n > 0; k++) {
            size_t at = rnd() % n;
            switch (rnd() % 5) {
            case 0: buf[at] = (char)rnd(); break;                          /* flip a byte */
            case 1: n = at; break;                                         /* cut */
            case 2:                                                        /* duplicate a span */
                if (n + 64 < sizeof buf) {
                    size_t len = 1 + rnd() % 64;
                    if (at + len > n)
                        len = n - at;
                    memmove(buf + at + len, buf + at, n - at);
                    n += len;
                }
                break;
            case 3: buf[at] = "{}[]\",\\\n\r"[rnd() % 9]; break;           /* a structural byte */
            default:                                                       /* delete a span */
                {
                    size_t len = 1 + rnd() % 16;
                    if (at + len > n)
                        len = n - at;
                    memmove(buf + at, buf + at + len, n - at - len);
                    n -= len;
                }
            }
        }
        FILE *f = fopen(path, "wb");
        if (!f)
            break;
        fwrite(buf, 1, n, f);
        fclose(f);
        const char *fmt = formats[rnd() % (sizeof formats / sizeof *formats)];
        if (getenv("FUZZ_TRACE"))
            fprintf(stderr, "it %d fmt %s\n", it, fmt ? fmt : "auto");
        read_all(path, fmt);
        if (have_gzip && it % 10 == 0) {
            snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s'", path, gz);
            if (system(cmd) == 0) {
                /* and a damaged compressed stream */
                f = fopen(gz, "r+b");
                if (f) {
                    fseek(f, 0, SEEK_END);
                    long len = ftell(f);
                    if (len > 20) {
                        fseek(f, 10 + (long)(rnd() % (uint64_t)(len - 20)), SEEK_SET);
                        fputc((int)(rnd() & 0xff), f);
                    }
                    fclose(f);
                }
                read_all(gz, fmt);
            }
        }
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        CHECK(0);
}

int main(void)
{
    RUN(test_damage);
    return check_summary();
}
