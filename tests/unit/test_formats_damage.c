/* test_formats_damage.c: damaged copies of every platform sample (bytes flipped, ranges cut,
 * JSON/XML/CSV punctuation inserted, files truncated; a seeded generator, so every run tries the
 * same inputs) are read with auto-detection and with the sample's own format forced. A bad
 * input must give posts, skips or a clean error: never a crash (the sanitizer build checks
 * memory), never a runaway reader (a post count far beyond the input's size fails). */
#include "check.h"
#include "tocsin.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA "tests/data/formats"
#define ROUNDS 24

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static void quiet(void *ctx, const tocsin_error *w)
{
    (void)ctx;
    (void)w;
}

/* Reads path; returns false when the reader ran away or misbehaved. */
static bool read_ok(const char *path, const char *format, size_t input_len)
{
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = format;
    o.warn = quiet;
    tocsin_reader *r = NULL;
    tocsin_error err;
    if (tocsin_reader_open(&o, path, &r, &err) != TOCSIN_OK)
        return err.message[0] != '\0'; /* a clean error says why */
    size_t posts = 0;
    bool ok = true;
    for (;;) {
        tocsin_post p;
        int got = 0;
        tocsin_status st = tocsin_reader_next(r, &p, &got, &err);
        if (st != TOCSIN_OK) {
            ok = err.message[0] != '\0';
            break;
        }
        if (!got)
            break;
        /* every view must be readable (the sanitizer build checks the bytes) */
        volatile size_t sum = 0;
        for (size_t i = 0; i < p.text.len; i++)
            sum += (unsigned char)p.text.ptr[i];
        for (size_t i = 0; i < p.id.len; i++)
            sum += (unsigned char)p.id.ptr[i];
        (void)sum;
        if (++posts > input_len + 16) { /* more posts than bytes: a loop */
            ok = false;
            break;
        }
    }
    tocsin_reader_free(r);
    return ok;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

static size_t damage(const char *in, size_t n, char *out, size_t cap)
{
    static const char *const tokens[] = {"\"", "{", "}", "[", "]", ",", ":", "\\", "\\u00",
                                         "<", ">", "&amp;", "<![CDATA[", "\n", "\r\n",
                                         "99999999999999999999999", "-1", "null", "\xff\xfe",
                                         "\xc3", "12/31/20, 25:61 - ", "\"\"", "\t"};
    size_t len = n < cap ? n : cap;
    memcpy(out, in, len);
    int ops = 1 + (int)(rng() % 6);
    for (int k = 0; k < ops && len; k++) {
        size_t pos = (size_t)(rng() % len);
        switch (rng() % 4) {
        case 0:
            out[pos] = (char)(rng() & 0xFF);
            break;
        case 1: {
            size_t cut = 1 + (size_t)(rng() % 64);
            if (pos + cut > len)
                cut = len - pos;
            memmove(out + pos, out + pos + cut, len - pos - cut);
            len -= cut;
            break;
        }
        case 2: {
            const char *t = tokens[rng() % (sizeof tokens / sizeof tokens[0])];
            size_t tl = strlen(t);
            if (len + tl > cap)
                break;
            memmove(out + pos + tl, out + pos, len - pos);
            memcpy(out + pos, t, tl);
            len += tl;
            break;
        }
        default:
            len = pos;
            break;
        }
    }
    return len;
}

static void run_sample(const char *sample, const char *format, const char *tmp)
{
    check_case_begin(sample);
    size_t n;
    char *in = slurp(sample, &n);
    CHECK(in != NULL);
    if (!in) {
        check_case_end();
        return;
    }
    /* big samples: damage their first 64 KiB only, to keep the test fast */
    if (n > 65536)
        n = 65536;
    size_t cap = n + 4096;
    char *buf = malloc(cap);
    /* keep the extension: some formats are read by name as well as by content */
    const char *ext = strrchr(sample, '.');
    char path[512];
    snprintf(path, sizeof path, "%s/in%s", tmp, ext ? ext : "");
    for (int round = 0; round < ROUNDS; round++) {
        size_t len = damage(in, n, buf, cap);
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, len, f);
        fclose(f);
        bool a = read_ok(path, NULL, len), b = read_ok(path, format, len);
        if (!a || !b) {
            fprintf(stderr, "  FAIL %s round %d (%s): a runaway reader or an error without a "
                            "message\n", sample, round, a ? format : "auto");
            check_cur_failed = 1;
        }
    }
    free(buf);
    free(in);
    check_case_end();
}

int main(void)
{
    char tmp[64] = "/tmp/tocsin-damage-XXXXXX";
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "cannot make a temporary directory\n");
        return 1;
    }
    DIR *top = opendir(DATA);
    if (!top) {
        fprintf(stderr, "cannot open %s (run from the repository root)\n", DATA);
        return 1;
    }
    char *files[256];
    size_t nf = 0;
    struct dirent *de;
    while ((de = readdir(top))) {
        if (de->d_name[0] == '.')
            continue;
        char dir[512];
        snprintf(dir, sizeof dir, DATA "/%s", de->d_name);
        DIR *sub = opendir(dir);
        if (!sub)
            continue;
        struct dirent *fe;
        while ((fe = readdir(sub)) && nf < 256) {
            size_t l = strlen(fe->d_name);
            if (l > 13 && !strcmp(fe->d_name + l - 13, ".expect.jsonl")) {
                char path[1024];
                snprintf(path, sizeof path, "%s/%s", dir, fe->d_name);
                files[nf++] = strdup(path);
            }
        }
        closedir(sub);
    }
    closedir(top);
    for (size_t i = 0; i < nf; i++) {
        /* the expectation's header names the format */
        size_t n;
        char *e = slurp(files[i], &n);
        char fmt[32] = "";
        const char *k = e ? strstr(e, "\"format\":\"") : NULL;
        if (k)
            sscanf(k + 10, "%31[^\"]", fmt);
        free(e);
        files[i][strlen(files[i]) - strlen(".expect.jsonl")] = '\0';
        if (!strstr(files[i], ".zst")) /* a damaged zstd frame only tests the decompressor */
            run_sample(files[i], fmt[0] ? fmt : NULL, tmp);
        free(files[i]);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return check_summary();
}
