/* matchbench.c: the matcher benchmark. Generates a watchlist of N terms (default 3,000) in
 * Latin, Arabic, Persian, Cyrillic and Han script with a few regexes and exclusions, and a corpus
 * of posts built from words of the same scripts (about one post in five holds a watched term);
 * normalizes the corpus once, then reports
 *   - the watchlist load + compile time (median of the runs),
 *   - the compile time of the same literals with hs_compile_multi (escaped, what the loader does)
 *     and with hs_compile_lit_multi (the literal-only API), to justify the loader's choice,
 *   - the throughput of tocsin_match_text over the normalized corpus, post by post (on one thread,
 *     then on two threads sharing the watchlist, each with its own matcher) and as one block, in
 *     MB/s of normalized text (median of the runs), and of Hyperscan alone for comparison.
 * Environment: MATCHBENCH_CPU=1 times single-thread work in thread CPU time (see now()).
 * Usage: matchbench [TERMS [MB [RUNS]]]   (defaults 3000 64 5). Writes its watchlist to $TMPDIR.
 *        matchbench --files WATCHLIST TEXTS [RUNS]   your own watchlist and posts (one per line)
 *        instead of generated ones. */
#include "match/match.h"
#include "tocsin.h"

#include <hs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint32_t rnd(uint32_t n) /* xorshift64*, uniform enough for a benchmark */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

/* With MATCHBENCH_CPU=1 in the environment, single-thread timings use the thread's CPU time
 * instead of wall time: on a shared, overloaded machine that leaves out the time the benchmark
 * spent descheduled (caches are still shared, so it is not a quiet-machine figure either). */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static int count_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
                     void *ctx)
{
    (void)id, (void)from, (void)to, (void)fl;
    ++*(size_t *)ctx;
    return 0;
}

/* Two threads, one matcher each over one shared watchlist, each matching half of the posts. */
typedef struct half {
    const tocsin_watchlist *wl;
    const char *nc;
    const size_t *nends;
    size_t from, to; /* post indexes */
    size_t matches;
    int failed;
} half;

static void *match_half(void *arg)
{
    half *h = arg;
    tocsin_matcher *m;
    if (tocsin_matcher_new(h->wl, &m, NULL) != TOCSIN_OK) {
        h->failed = 1;
        return NULL;
    }
    size_t s0 = h->from ? h->nends[h->from - 1] + 1 : 0;
    for (size_t i = h->from; i < h->to; i++) {
        const tocsin_match *ms;
        size_t n;
        if (tocsin_match_text(m, h->nc + s0, h->nends[i] - s0, &ms, &n, NULL) != TOCSIN_OK)
            h->failed = 1;
        h->matches += n;
        s0 = h->nends[i] + 1;
    }
    tocsin_matcher_free(m);
    return NULL;
}

static size_t put_cp(char *o, uint32_t cp) { return tc_utf8_encode(cp, o); }

/* One random word of script `s` (0 Latin, 1 Arabic, 2 Persian, 3 Cyrillic, 4 Han) into o. */
static size_t word(char *o, int s)
{
    static const uint32_t arabic[] = {0x0627, 0x0628, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E,
                                      0x062F, 0x0630, 0x0631, 0x0632, 0x0633, 0x0634, 0x0635,
                                      0x0636, 0x0637, 0x0638, 0x0639, 0x063A, 0x0641, 0x0642,
                                      0x0643, 0x0644, 0x0645, 0x0646, 0x0647, 0x0648, 0x064A};
    static const uint32_t persian[] = {0x0627, 0x0628, 0x067E, 0x062A, 0x062C, 0x0686, 0x062E,
                                       0x062F, 0x0631, 0x0632, 0x0698, 0x0633, 0x0634, 0x0641,
                                       0x0642, 0x06A9, 0x06AF, 0x0644, 0x0645, 0x0646, 0x0648,
                                       0x0647, 0x06CC};
    static const char *const cons = "bcdfghjklmnprstvz", *const vow = "aeiou";
    size_t n = 0;
    switch (s) {
    case 0: {
        int syl = 2 + (int)rnd(3);
        for (int i = 0; i < syl; i++) {
            o[n++] = cons[rnd(17)];
            o[n++] = vow[rnd(5)];
        }
        if (rnd(3) == 0)
            o[n++] = cons[rnd(17)];
        break;
    }
    case 1:
    case 2: {
        int len = 3 + (int)rnd(4);
        for (int i = 0; i < len; i++)
            n += put_cp(o + n, s == 1 ? arabic[rnd(28)] : persian[rnd(23)]);
        break;
    }
    case 3: {
        int len = 4 + (int)rnd(6);
        for (int i = 0; i < len; i++)
            n += put_cp(o + n, 0x0430 + rnd(32));
        break;
    }
    default: {
        int len = 2 + (int)rnd(3);
        for (int i = 0; i < len; i++)
            n += put_cp(o + n, 0x4E00 + rnd(3000));
        break;
    }
    }
    return n;
}

static int pick_script(void)
{
    uint32_t r = rnd(100);
    return r < 40 ? 0 : r < 70 ? 1 : r < 80 ? 2 : r < 90 ? 3 : 4;
}

typedef struct strs {
    char **s;
    size_t n;
} strs;

/* Generates the watchlist file; terms[] receives the terms (to plant in the corpus). */
static int write_watchlist(const char *path, size_t nterms, strs *terms)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    terms->s = calloc(nterms, sizeof *terms->s);
    terms->n = 0;
    fprintf(f, "# generated by bench/matchbench.c\ntopics:\n");
    size_t per = 10, topic = 0;
    while (terms->n < nterms) {
        fprintf(f, "  - id: t%zu\n    terms:\n", topic);
        for (size_t i = 0; i < per && terms->n < nterms; i++) {
            char buf[256];
            int s = pick_script();
            size_t n = word(buf, s);
            int words = s == 4 ? 1 : 1 + (int)rnd(3); /* phrases of up to 3 words */
            for (int w = 1; w < words; w++) {
                buf[n++] = rnd(4) ? ' ' : '-';
                n += word(buf + n, s);
            }
            buf[n] = '\0';
            fprintf(f, "      - '%s'\n", buf);
            terms->s[terms->n++] = strdup(buf);
        }
        if (topic % 25 == 0) { /* a regex now and then, on a Latin stem */
            char stem[64];
            size_t n = word(stem, 0);
            stem[n] = '\0';
            fprintf(f, "    regex: ['%c[aeiou]%s[a-z]{0,4}']\n", stem[0], stem + 2);
        }
        if (topic % 10 == 0)
            fprintf(f, "    exclude: ['%s republic']\n", terms->s[terms->n - 1]);
        topic++;
    }
    fclose(f);
    return 0;
}

/* Builds posts: every post 40..300 bytes of random words, one in five with a planted term. */
static char *make_corpus(size_t bytes, const strs *terms, size_t **ends, size_t *nposts)
{
    char *c = malloc(bytes + 4096);
    size_t cap = bytes / 40 + 16, n = 0, len = 0;
    *ends = malloc(cap * sizeof **ends);
    while (len < bytes && n < cap) {
        size_t target = len + 40 + rnd(260);
        int s = pick_script();
        bool plant = rnd(5) == 0;
        while (len < target) {
            if (plant && rnd(4) == 0) {
                const char *t = terms->s[rnd((uint32_t)terms->n)];
                memcpy(c + len, t, strlen(t));
                len += strlen(t);
                plant = false;
            } else {
                len += word(c + len, rnd(8) ? s : pick_script());
            }
            c[len++] = rnd(10) ? ' ' : (rnd(2) ? ',' : '.');
        }
        (*ends)[n++] = len;
    }
    *nposts = n;
    return c;
}

/* Reads posts, one per line, into one buffer with their end offsets. */
static char *read_posts(const char *path, size_t **ends, size_t *nposts, size_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *c = malloc((size_t)sz + 1);
    size_t got = fread(c, 1, (size_t)sz, f);
    fclose(f);
    size_t n = 0, cap = 1024;
    *ends = malloc(cap * sizeof **ends);
    for (size_t i = 0; i < got; i++)
        if (c[i] == '\n' || i + 1 == got) {
            if (n == cap)
                *ends = realloc(*ends, (cap *= 2) * sizeof **ends);
            (*ends)[n++] = c[i] == '\n' ? i : i + 1;
        }
    *nposts = n;
    *bytes = got;
    return c;
}

int main(int argc, char **argv)
{
    bool files = argc > 1 && !strcmp(argv[1], "--files");
    size_t nterms = !files && argc > 1 ? (size_t)atol(argv[1]) : 3000;
    size_t mb = !files && argc > 2 ? (size_t)atol(argv[2]) : 64;
    int runs = files ? (argc > 4 ? atoi(argv[4]) : 5) : argc > 3 ? atoi(argv[3]) : 5;
    if (!nterms || !mb || runs < 1 || runs > 99 || (files && argc < 4)) {
        fprintf(stderr, "usage: matchbench [TERMS [MB [RUNS]]]\n"
                        "       matchbench --files WATCHLIST TEXTS [RUNS]\n");
        return 2;
    }
    if (getenv("MATCHBENCH_CPU") && atoi(getenv("MATCHBENCH_CPU")))
        bench_clock = CLOCK_THREAD_CPUTIME_ID;
    printf("clock: %s\n", bench_clock == CLOCK_MONOTONIC ? "wall" : "thread CPU time (2-thread figure: wall)");
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[512];
    strs terms = {0};
    if (files) {
        snprintf(path, sizeof path, "%s", argv[2]);
    } else {
        snprintf(path, sizeof path, "%s/matchbench-%ld.yaml", tmp, (long)getpid());
        if (write_watchlist(path, nterms, &terms) != 0) {
            fprintf(stderr, "matchbench: cannot write %s\n", path);
            return 1;
        }
    }
    tocsin_error err;
    tocsin_watchlist *wl = NULL;
    double t_load[99];
    for (int r = 0; r < runs; r++) {
        tocsin_watchlist_free(wl);
        wl = NULL;
        double t0 = now();
        if (tocsin_watchlist_load(path, &wl, &err) != TOCSIN_OK) {
            char msg[1024];
            tocsin_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "matchbench: %s\n", msg);
            return 1;
        }
        t_load[r] = now() - t0;
    }
    if (!files)
        remove(path);

    /* the literal-compile comparison, on the loader's own normalized literals */
    size_t nlit = 0;
    const char **lit = calloc(wl->nterms, sizeof *lit);
    size_t *litlen = calloc(wl->nterms, sizeof *litlen);
    char **esc = calloc(wl->nterms, sizeof *esc);
    unsigned *ids = calloc(wl->nterms, sizeof *ids), *flags = calloc(wl->nterms, sizeof *flags);
    for (size_t i = 0; i < wl->nterms; i++) {
        if (wl->terms[i].regex)
            continue;
        lit[nlit] = wl->terms[i].norm;
        litlen[nlit] = strlen(lit[nlit]);
        esc[nlit] = malloc(litlen[nlit] * 4 + 1);
        char *o = esc[nlit];
        for (const unsigned char *c = (const unsigned char *)lit[nlit]; *c; c++)
            o += (*c < 0x80 && !((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
                     ? sprintf(o, "\\x%02x", *c)
                     : (*o = (char)*c, 1);
        *o = '\0';
        ids[nlit] = (unsigned)nlit;
        nlit++;
    }
    double t_multi[99], t_lit[99];
    for (int r = 0; r < runs; r++) {
        hs_database_t *db = NULL;
        hs_compile_error_t *ce = NULL;
        double t0 = now();
        if (hs_compile_multi((const char *const *)esc, flags, ids, (unsigned)nlit, HS_MODE_BLOCK,
                             NULL, &db, &ce) != HS_SUCCESS) {
            fprintf(stderr, "matchbench: hs_compile_multi: %s\n", ce->message);
            return 1;
        }
        t_multi[r] = now() - t0;
        hs_free_database(db);
        t0 = now();
        if (hs_compile_lit_multi(lit, flags, ids, litlen, (unsigned)nlit, HS_MODE_BLOCK, NULL,
                                 &db, &ce) != HS_SUCCESS) {
            fprintf(stderr, "matchbench: hs_compile_lit_multi: %s\n", ce->message);
            return 1;
        }
        t_lit[r] = now() - t0;
        hs_free_database(db);
    }

    /* the corpus, normalized once */
    size_t *ends, nposts, rawbytes = mb << 20;
    char *raw = files ? read_posts(argv[3], &ends, &nposts, &rawbytes)
                      : make_corpus(rawbytes, &terms, &ends, &nposts);
    if (!raw) {
        fprintf(stderr, "matchbench: cannot read %s\n", argv[3]);
        return 1;
    }
    tocsin_norm *norm;
    if (tocsin_norm_new(&norm, &err) != TOCSIN_OK)
        return 1;
    char *nc = malloc(rawbytes * 3 + nposts + 4096);
    size_t *nends = malloc(nposts * sizeof *nends), nlen = 0, start = 0;
    for (size_t i = 0; i < nposts; i++) {
        const char *out;
        size_t olen;
        if (tocsin_normalize(norm, raw + start, ends[i] - start, &out, &olen, NULL, &err) !=
            TOCSIN_OK)
            return 1;
        memcpy(nc + nlen, out, olen);
        nlen += olen;
        nc[nlen++] = ' ';
        nends[i] = nlen - 1;
        start = ends[i] + (files ? 1 : 0); /* skip the newline */
    }
    tocsin_norm_free(norm);

    tocsin_matcher *m;
    if (tocsin_matcher_new(wl, &m, &err) != TOCSIN_OK)
        return 1;
    double t_posts[99], t_block[99];
    size_t hits_posts = 0, hits_block = 0, hit_posts = 0;
    for (int r = 0; r < runs; r++) {
        const tocsin_match *ms;
        size_t n;
        size_t total = 0, with = 0, s0 = 0;
        double t0 = now();
        for (size_t i = 0; i < nposts; i++) {
            if (tocsin_match_text(m, nc + s0, nends[i] - s0, &ms, &n, &err) != TOCSIN_OK)
                return 1;
            total += n;
            with += n > 0;
            s0 = nends[i] + 1;
        }
        t_posts[r] = now() - t0;
        hits_posts = total;
        hit_posts = with;
        t0 = now();
        if (tocsin_match_text(m, nc, nlen, &ms, &n, &err) != TOCSIN_OK)
            return 1;
        t_block[r] = now() - t0;
        hits_block = n;
    }
    /* the same posts on two threads sharing the watchlist */
    double t_two[99];
    for (int r = 0; r < runs; r++) {
        half h[2] = {{wl, nc, nends, 0, nposts / 2, 0, 0}, {wl, nc, nends, nposts / 2, nposts, 0, 0}};
        pthread_t th[2];
        double t0 = now_wall();
        for (int k = 0; k < 2; k++)
            pthread_create(&th[k], NULL, match_half, &h[k]);
        for (int k = 0; k < 2; k++)
            pthread_join(th[k], NULL);
        t_two[r] = now_wall() - t0;
        if (h[0].failed || h[1].failed || h[0].matches + h[1].matches != hits_posts) {
            fprintf(stderr, "matchbench: two threads disagree with one\n");
            return 1;
        }
    }
    /* Hyperscan alone over the block: the full database, and the literals only */
    double t_hs[99], t_hslit[99];
    size_t raw_hits = 0, raw_lit = 0;
    hs_database_t *litdb = NULL;
    hs_compile_error_t *ce = NULL;
    hs_scratch_t *scr = NULL;
    if (hs_compile_lit_multi(lit, flags, ids, litlen, (unsigned)nlit, HS_MODE_BLOCK, NULL, &litdb,
                             &ce) != HS_SUCCESS ||
        hs_alloc_scratch(wl->db, &scr) != HS_SUCCESS || hs_alloc_scratch(litdb, &scr) != HS_SUCCESS)
        return 1;
    for (int r = 0; r < runs; r++) {
        raw_hits = raw_lit = 0;
        double t0 = now();
        hs_scan(wl->db, nc, (unsigned)nlen, 0, scr, count_hit, &raw_hits);
        t_hs[r] = now() - t0;
        t0 = now();
        hs_scan(litdb, nc, (unsigned)nlen, 0, scr, count_hit, &raw_lit);
        t_hslit[r] = now() - t0;
    }
    hs_free_scratch(scr);
    hs_free_database(litdb);
    double mbytes = (double)nlen / 1e6;
    printf("terms: %zu (%zu literals, %zu regexes), %zu exclusions, %zu Hyperscan patterns\n",
           wl->nterms, nlit, wl->nterms - nlit, wl->nexcludes, wl->npats);
    printf("watchlist load + compile: %.3f s (median of %d)\n", median(t_load, runs), runs);
    printf("literals only, hs_compile_multi (escaped): %.3f s; hs_compile_lit_multi: %.3f s\n",
           median(t_multi, runs), median(t_lit, runs));
    printf("corpus: %zu posts, %.1f MB normalized, %zu matches in %zu posts\n", nposts, mbytes,
           hits_posts, hit_posts);
    printf("match, post by post: %.0f MB/s (median of %d)\n", mbytes / median(t_posts, runs),
           runs);
    printf("match, post by post on 2 threads (one shared watchlist): %.0f MB/s (median of %d)\n",
           mbytes / median(t_two, runs), runs);
    printf("match, one block: %.0f MB/s (median of %d), %zu matches\n",
           mbytes / median(t_block, runs), runs, hits_block);
    printf("hs_scan alone, one block: %.0f MB/s with the watchlist's database (%zu raw hits), "
           "%.0f MB/s with its literals only (%zu raw hits)\n",
           mbytes / median(t_hs, runs), raw_hits, mbytes / median(t_hslit, runs), raw_lit);
    tocsin_matcher_free(m);
    tocsin_watchlist_free(wl);
    for (size_t i = 0; i < nlit; i++)
        free(esc[i]);
    for (size_t i = 0; i < terms.n; i++)
        free(terms.s[i]);
    free(terms.s);
    free(esc);
    free(lit);
    free(litlen);
    free(ids);
    free(flags);
    free(raw);
    free(ends);
    free(nc);
    free(nends);
    return 0;
}
