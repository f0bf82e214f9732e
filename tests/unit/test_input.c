/* test_input.c: the input layer (src/read/input.c) on zstd frames written byte by byte here:
 * the window limit (2^31, what Reddit dumps made with zstd --long=31 need) is accepted, a frame
 * that asks for more is refused with a message that says what it asked for and what the limit
 * is, both through rd_in_read and through the reader. */
#include "check.h"
#include "read/input.h"
#include "tocsin.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];

/* A zstd frame holding `content` in one raw block. window_log > 0: a window descriptor with that
 * log (10..41); window_log = 0: a single-segment frame whose 8-byte content size is `fcs`
 * (the window is then the content size). Returns the frame length. */
static size_t make_frame(unsigned char *out, int window_log, uint64_t fcs, const char *content)
{
    size_t n = 0, len = strlen(content);
    out[n++] = 0x28;
    out[n++] = 0xB5;
    out[n++] = 0x2F;
    out[n++] = 0xFD;
    if (window_log) {
        out[n++] = 0x00; /* no content size, not single segment */
        out[n++] = (unsigned char)((window_log - 10) << 3);
    } else {
        out[n++] = 0xE0; /* 8-byte content size, single segment */
        for (int i = 0; i < 8; i++)
            out[n++] = (unsigned char)(fcs >> (8 * i));
    }
    uint32_t h = (uint32_t)len << 3 | 1; /* last block, raw */
    out[n++] = (unsigned char)h;
    out[n++] = (unsigned char)(h >> 8);
    out[n++] = (unsigned char)(h >> 16);
    memcpy(out + n, content, len);
    return n + len;
}

static const char *write_file(const char *name, const unsigned char *p, size_t n)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
    return path;
}

/* Reads the whole input; returns the bytes read (into buf) and the error, if any. */
static size_t read_in(const char *path, char *buf, size_t cap, tocsin_error *err,
                      tocsin_status *st)
{
    rd_in in;
    tocsin_error_clear(err);
    *st = rd_in_open(&in, path, true, err);
    if (*st)
        return 0;
    size_t n = 0;
    for (;;) {
        ssize_t k = rd_in_read(&in, buf + n, cap - n, err);
        if (k < 0) {
            *st = err->code;
            break;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    rd_in_close(&in);
    return n;
}

static void window_up_to_2_gib_is_read(void)
{
    unsigned char f[256];
    char buf[256];
    tocsin_error err;
    tocsin_status st;
    for (int wl = 10; wl <= 31; wl += 3) { /* ... 28, 31: the largest, for --long=31 dumps */
        size_t n = make_frame(f, wl, 0, "{\"text\":\"hi\"}\n");
        size_t got = read_in(write_file("ok.zst", f, n), buf, sizeof buf, &err, &st);
        CHECK_INT(st, TOCSIN_OK);
        CHECK_INT(got, 14);
        CHECK(!memcmp(buf, "{\"text\":\"hi\"}\n", 14));
    }
}

static void larger_window_is_refused_clearly(void)
{
    unsigned char f[512];
    char buf[256];
    tocsin_error err;
    tocsin_status st;
    static const struct {
        int log;
        const char *asks;
    } cases[] = {{32, "a 4 GiB window (window log 32)"}, {41, "a 2048 GiB window (window log 41)"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n = make_frame(f, cases[i].log, 0, "x\n");
        size_t got = read_in(write_file("big.zst", f, n), buf, sizeof buf, &err, &st);
        CHECK_INT(got, 0);
        CHECK_INT(st, TOCSIN_ERR_LIMIT);
        if (!strstr(err.message, cases[i].asks) || !strstr(err.message, "2 GiB"))
            fprintf(stderr, "  message: %s\n", err.message);
        CHECK(strstr(err.message, cases[i].asks) != NULL);
        CHECK(strstr(err.message, "at most 2 GiB (window log 31") != NULL);
        CHECK(strstr(err.file, "big.zst") != NULL);
    }
    /* a single-segment frame whose content size (its window) is 3 GiB */
    size_t n = make_frame(f, 0, (uint64_t)3 << 30, "x\n");
    read_in(write_file("fcs.zst", f, n), buf, sizeof buf, &err, &st);
    CHECK_INT(st, TOCSIN_ERR_LIMIT);
    if (!strstr(err.message, "a 3 GiB window"))
        fprintf(stderr, "  message: %s\n", err.message);
    CHECK(strstr(err.message, "a 3 GiB window") != NULL);
    /* the second frame of a file: the first one's bytes come out, then the error */
    n = make_frame(f, 20, 0, "first\n");
    n += make_frame(f + n, 35, 0, "second\n");
    size_t got = read_in(write_file("two.zst", f, n), buf, sizeof buf, &err, &st);
    CHECK_INT(got, 6);
    CHECK_INT(st, TOCSIN_ERR_LIMIT);
    CHECK(strstr(err.message, "window log 35") != NULL);
}

/* Through the public reader: the error names the file and is not called damage. */
static void reader_reports_the_window(void)
{
    unsigned char f[256];
    size_t n = make_frame(f, 40, 0, "{\"text\":\"hi\"}\n");
    const char *path = write_file("reader.zst", f, n);
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    tocsin_reader *r = NULL;
    tocsin_error err;
    tocsin_error_clear(&err);
    tocsin_status st = tocsin_reader_open(&o, path, &r, &err);
    if (st == TOCSIN_OK) {
        tocsin_post p;
        int got = 1;
        while ((st = tocsin_reader_next(r, &p, &got, &err)) == TOCSIN_OK && got)
            ;
        tocsin_reader_free(r);
    }
    CHECK_INT(st, TOCSIN_ERR_LIMIT);
    CHECK(strstr(err.message, "window log 40") != NULL);
    CHECK(strstr(err.message, "damaged") == NULL);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tocsin_input_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(window_up_to_2_gib_is_read);
    RUN(larger_window_is_refused_clearly);
    RUN(reader_reports_the_window);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_summary();
}
