/* normbench.c: throughput of the normalizer (fast path with and without the offsets map, and the
 * utf8proc-only reference) on generated corpora: English-like ASCII, Arabic with diacritics,
 * and a mixed social-media text. Prints one line per corpus and mode with the median MB/s
 * (input bytes per second of the thread's CPU time).
 *
 *   normbench [--mb N] [--runs N] [--post BYTES]
 *     --mb    corpus size in MiB (default 16)
 *     --runs  timed runs per measurement, the median is printed (default 7)
 *     --post  also normalize the corpus cut into posts of about this many bytes (default 280),
 *             which adds the per-call overhead the scanner pays
 *     --no-ref  skip the (slow) reference and utf8proc-only measurements
 *     --file F  also measure on the text of file F (repeatable): HTML files (*.html) are first
 *               turned to text with tocsin_html_to_text (whose speed is printed too); the text
 *               is repeated up to the corpus size
 * Columns: fast = tocsin_normalize on the whole corpus at once; fast+map = the same with the
 * offsets map; fast/post = on posts of --post bytes; ref, ref/post = tocsin_normalize_reference;
 * utf8proc = utf8proc_map alone (NFKC+casefold+stripmark, none of our rules) on posts. */
#include "tocsin.h"

#include <utf8proc.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rs = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static size_t put_cp(char *p, uint32_t cp)
{
    if (cp < 0x80) { p[0] = (char)cp; return 1; }
    if (cp < 0x800) { p[0] = (char)(0xC0 | (cp >> 6)); p[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        p[0] = (char)(0xE0 | (cp >> 12)); p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        p[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    p[0] = (char)(0xF0 | (cp >> 18)); p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    p[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); p[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

static const char *const words[] = {
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by",
    "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an",
    "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been",
    "Province", "Kabul", "attack", "statement", "claimed", "ISIS-K", "group", "fighters",
    "https://t.me/s/channel", "@user_name", "#breaking", "2021", "U.S.", "Taliban", "report",
};

/* English-like ASCII: words, spaces, some punctuation and line breaks. */
static void gen_ascii(char *b, size_t n)
{
    size_t o = 0;
    while (o + 64 < n) {
        const char *w = words[rnd() % (sizeof words / sizeof words[0])];
        size_t l = strlen(w);
        memcpy(b + o, w, l);
        o += l;
        unsigned r = (unsigned)(rnd() % 100);
        b[o++] = r < 4 ? '.' : r < 8 ? ',' : r < 9 ? '\n' : ' ';
        if (r < 4)
            b[o++] = ' ';
    }
    memset(b + o, ' ', n - o);
}

/* Arabic with diacritics: most letters carry a haraka, some a shadda too, some tatweel. */
static void gen_arabic(char *b, size_t n)
{
    size_t o = 0;
    while (o + 64 < n) {
        int letters = 2 + (int)(rnd() % 6);
        for (int k = 0; k < letters; k++) {
            o += put_cp(b + o, 0x0621 + (uint32_t)(rnd() % 26)); /* hamza .. ghain */
            unsigned r = (unsigned)(rnd() % 100);
            if (r < 10)
                o += put_cp(b + o, 0x0651); /* shadda */
            if (r < 70)
                o += put_cp(b + o, 0x064B + (uint32_t)(rnd() % 8));
        }
        unsigned r = (unsigned)(rnd() % 100);
        o += r < 3 ? put_cp(b + o, 0x060C) : 0; /* Arabic comma */
        b[o++] = r < 5 ? '\n' : ' ';
    }
    memset(b + o, ' ', n - o);
}

/* Social media mix: Arabic and Persian words (ZWNJ, Farsi yeh, keheh), English, digits, emoji. */
static void gen_mixed(char *b, size_t n)
{
    static const uint32_t emoji[] = {0x1F600, 0x1F602, 0x2764, 0xFE0F, 0x1F525, 0x1F44D, 0x1F1FA};
    size_t o = 0;
    while (o + 64 < n) {
        unsigned r = (unsigned)(rnd() % 100);
        if (r < 40) {
            const char *w = words[rnd() % (sizeof words / sizeof words[0])];
            size_t l = strlen(w);
            memcpy(b + o, w, l);
            o += l;
        } else if (r < 85) {
            int letters = 2 + (int)(rnd() % 5);
            for (int k = 0; k < letters; k++) {
                uint32_t c = rnd() % 8 == 0 ? (rnd() % 2 ? 0x06CC : 0x06A9)
                                            : 0x0627 + (uint32_t)(rnd() % 20);
                o += put_cp(b + o, c);
                if (rnd() % 20 == 0)
                    o += put_cp(b + o, 0x200C);
            }
        } else if (r < 92) {
            o += put_cp(b + o, 0x06F0 + (uint32_t)(rnd() % 10));
            o += put_cp(b + o, 0x0660 + (uint32_t)(rnd() % 10));
        } else {
            o += put_cp(b + o, emoji[rnd() % (sizeof emoji / sizeof emoji[0])]);
        }
        b[o++] = rnd() % 20 == 0 ? '\n' : ' ';
    }
    memset(b + o, ' ', n - o);
}

/* Thread CPU time, not wall time: on a shared, loaded machine the time the thread spends
 * descheduled would otherwise dominate the figures. */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

enum { M_FAST, M_MAP, M_REF, M_UTF8PROC };

/* @return the median MB/s of `runs` passes over buf (in pieces of `post` bytes, 0 = whole). */
static double measure(tocsin_norm *nz, const char *buf, size_t len, int mode, size_t post,
                      int runs, size_t *sink)
{
    double *mbs = calloc((size_t)runs, sizeof *mbs);
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        size_t off = 0;
        while (off < len) {
            size_t l = post ? post : len;
            if (l > len - off)
                l = len - off;
            /* do not cut a UTF-8 character */
            while (off + l < len && ((unsigned char)buf[off + l] & 0xC0) == 0x80)
                l++;
            const char *o;
            size_t ol;
            const uint32_t *map;
            if (mode == M_UTF8PROC) { /* utf8proc alone: NFKC + casefold + stripmark, no rules */
                utf8proc_uint8_t *res = NULL;
                utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)buf + off,
                                                  (utf8proc_ssize_t)l, &res,
                                                  UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                                                      UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
                                                      UTF8PROC_STABLE);
                if (r < 0) {
                    fprintf(stderr, "utf8proc_map: %s\n", utf8proc_errmsg(r));
                    exit(1);
                }
                *sink += (size_t)r;
                free(res);
                off += l;
                continue;
            }
            tocsin_status st = mode == M_REF
                                   ? tocsin_normalize_reference(nz, buf + off, l, &o, &ol, NULL)
                               : mode == M_MAP
                                   ? tocsin_normalize(nz, buf + off, l, &o, &ol, &map, NULL)
                                   : tocsin_normalize(nz, buf + off, l, &o, &ol, NULL, NULL);
            if (st != TOCSIN_OK) {
                fprintf(stderr, "normalize failed: %s\n", tocsin_strerror(st));
                exit(1);
            }
            *sink += ol;
            off += l;
        }
        mbs[r] = (double)len / (now() - t0) / 1e6;
    }
    qsort(mbs, (size_t)runs, sizeof *mbs, cmp_d);
    double m = mbs[runs / 2];
    free(mbs);
    return m;
}

/* Fills buf[0..n) with repeats of the text of `path` (after HTML to text for *.html); prints
 * the HTML conversion speed. @return false when the file cannot be used. */
static bool load_file(tocsin_norm *nz, const char *path, char *buf, size_t n, int runs)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    size_t cap = 1 << 20, len = 0;
    char *raw = malloc(cap);
    size_t got;
    while (raw && (got = fread(raw + len, 1, cap - len, fp)) > 0) {
        len += got;
        if (len == cap) {
            char *p = realloc(raw, cap *= 2);
            if (!p) {
                free(raw);
                raw = NULL;
            }
            raw = p;
        }
    }
    fclose(fp);
    if (!raw || !len) {
        free(raw);
        return false;
    }
    const char *text = raw;
    size_t tlen = len;
    size_t pl = strlen(path);
    if (pl > 5 && !strcmp(path + pl - 5, ".html")) {
        double *mbs = calloc((size_t)runs, sizeof *mbs);
        for (int r = 0; r < runs; r++) {
            double t0 = now();
            for (int k = 0; k < 200; k++)
                if (tocsin_html_to_text(nz, raw, len, &text, &tlen, NULL) != TOCSIN_OK)
                    return false;
            mbs[r] = 200.0 * (double)len / (now() - t0) / 1e6;
        }
        qsort(mbs, (size_t)runs, sizeof *mbs, cmp_d);
        printf("html_to_text %s: %.0f MB/s (%zu bytes of HTML -> %zu of text)\n", path,
               mbs[runs / 2], len, tlen);
        free(mbs);
    }
    for (size_t o = 0; o < n; o += tlen)
        memcpy(buf + o, text, n - o < tlen ? n - o : tlen);
    /* do not end inside a UTF-8 character */
    size_t e = n;
    while (e > 0 && ((unsigned char)buf[e - 1] & 0xC0) == 0x80)
        e--;
    if (e > 0 && (unsigned char)buf[e - 1] >= 0xC0)
        e--;
    memset(buf + e, ' ', n - e);
    free(raw);
    return true;
}

int main(int argc, char **argv)
{
    size_t mb = 16, post = 280;
    const char *files[8];
    int nfiles = 0;
    int runs = 7;
    int ref = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb") && i + 1 < argc)
            mb = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--file") && i + 1 < argc && nfiles < 8)
            files[nfiles++] = argv[++i];
        else if (!strcmp(argv[i], "--no-ref"))
            ref = 0;
        else if (!strcmp(argv[i], "--post") && i + 1 < argc)
            post = (size_t)strtoul(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: normbench [--mb N] [--runs N] [--post BYTES] [--no-ref] [--file F]...\n");
            return 3;
        }
    }
    if (runs < 1 || mb < 1)
        return 3;
    size_t len = mb << 20;
    char *buf = malloc(len);
    tocsin_norm *nz;
    tocsin_error err;
    double t0 = now();
    if (!buf || tocsin_norm_new(&nz, &err) != TOCSIN_OK) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    printf("table init: %.1f ms\n", (now() - t0) * 1e3);
    static const struct {
        const char *name;
        void (*gen)(char *, size_t);
    } corp[] = {{"ascii", gen_ascii}, {"arabic+diacritics", gen_arabic}, {"mixed", gen_mixed}};
    size_t sink = 0;
    printf("%-18s %9s %9s %9s %9s %9s %9s  (MB/s of thread CPU time, median of %d, %zu MiB)\n",
           "corpus", "fast", "fast+map", "fast/post", "ref", "ref/post", "utf8proc", runs, mb);
    size_t ncorp = sizeof corp / sizeof corp[0];
    for (size_t c = 0; c < ncorp + (size_t)nfiles; c++) {
        const char *name;
        if (c < ncorp) {
            corp[c].gen(buf, len);
            name = corp[c].name;
        } else {
            name = files[c - ncorp];
            if (!load_file(nz, name, buf, len, runs)) {
                fprintf(stderr, "cannot use %s\n", name);
                return 1;
            }
            const char *slash = strrchr(name, '/');
            name = slash ? slash + 1 : name;
        }
        double f = measure(nz, buf, len, M_FAST, 0, runs, &sink);
        double fm = measure(nz, buf, len, M_MAP, 0, runs, &sink);
        double r = ref ? measure(nz, buf, len, M_REF, 0, runs < 3 ? runs : 3, &sink) : 0;
        double fp = measure(nz, buf, len, M_FAST, post, runs, &sink);
        double rp = ref ? measure(nz, buf, len, M_REF, post, runs < 3 ? runs : 3, &sink) : 0;
        double u = ref ? measure(nz, buf, len, M_UTF8PROC, post, runs < 3 ? runs : 3, &sink) : 0;
        printf("%-18s %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f\n", name, f, fm, fp, r, rp, u);
    }
    fprintf(stderr, "(%zu bytes out)\n", sink);
    tocsin_norm_free(nz);
    free(buf);
    return 0;
}
