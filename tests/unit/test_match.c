/* test_match.c: unit tests of the match stage. Data-driven from tests/data/match/: cases.tsv
 * (watchlist, original text, expected matches with their original spans: word boundaries,
 * separators, proclitics, diacritics, tatweel, letter variants, scripts without spaces,
 * exclusions, duplicates, regexes) and errors.tsv (broken watchlists and the exact error each
 * gives); plus accessors, the file hash, API misuse, a large text and matchers in threads. */
#include "check.h"
#include "match/match.h"
#include "tocsin.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char data_dir[256] = "tests/data/match/";

/* Finds tests/data/match whether run from the repo root, from a build directory or from
 * anywhere (relative to the binary, BUILD/tests/test_match). */
static void find_data_dir(void)
{
    char exe[200] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash && (size_t)(slash - exe) + 11 < sizeof exe)
            strcpy(slash + 1, "../../../");
        else
            exe[0] = '\0';
    }
    const char *const prefixes[] = {"", "../", "../../", "../../../", exe};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        char p[300];
        snprintf(p, sizeof p, "%stests/data/match/cases.tsv", prefixes[i]);
        FILE *f = fopen(p, "r");
        if (f) {
            fclose(f);
            snprintf(data_dir, sizeof data_dir, "%stests/data/match/", prefixes[i]);
            return;
        }
    }
}

static void data_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s%s", data_dir, name);
}

/* Decodes \uXXXX, \t, \n and \\ in place. */
static void unescape(char *s)
{
    char *o = s;
    while (*s) {
        if (s[0] == '\\' && s[1] == 'u') {
            unsigned cp = 0;
            int ok = 1;
            for (int i = 2; i < 6; i++) {
                char c = s[i];
                if (c >= '0' && c <= '9') cp = cp * 16 + (unsigned)(c - '0');
                else if (c >= 'a' && c <= 'f') cp = cp * 16 + (unsigned)(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F') cp = cp * 16 + (unsigned)(c - 'A' + 10);
                else ok = 0;
                if (!ok)
                    break;
            }
            if (ok) {
                o += tc_utf8_encode(cp, o);
                s += 6;
                continue;
            }
        }
        if (s[0] == '\\' && s[1] == 't') { *o++ = '\t'; s += 2; continue; }
        if (s[0] == '\\' && s[1] == 'n') { *o++ = '\n'; s += 2; continue; }
        if (s[0] == '\\' && s[1] == '\\') { *o++ = '\\'; s += 2; continue; }
        *o++ = *s++;
    }
    *o = '\0';
}

/* ------------------------------------------------------------------------------------------- */

typedef struct loaded {
    char name[64];
    tocsin_watchlist *wl;
    tocsin_matcher *m;
} loaded;

static loaded cache[16];
static size_t ncache;

static loaded *get_watchlist(const char *name)
{
    for (size_t i = 0; i < ncache; i++)
        if (!strcmp(cache[i].name, name))
            return &cache[i];
    if (ncache == sizeof cache / sizeof cache[0])
        return NULL;
    char p[512];
    data_path(p, sizeof p, name);
    loaded *l = &cache[ncache];
    tocsin_error err;
    if (tocsin_watchlist_load(p, &l->wl, &err) != TOCSIN_OK) {
        char msg[1024];
        tocsin_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "  cannot load %s: %s\n", p, msg);
        return NULL;
    }
    if (tocsin_matcher_new(l->wl, &l->m, &err) != TOCSIN_OK) {
        tocsin_watchlist_free(l->wl);
        return NULL;
    }
    snprintf(l->name, sizeof l->name, "%s", name);
    ncache++;
    return l;
}

static void free_cache(void)
{
    for (size_t i = 0; i < ncache; i++) {
        tocsin_matcher_free(cache[i].m);
        tocsin_watchlist_free(cache[i].wl);
    }
    ncache = 0;
}

/* Appends "topic/term@start=original" items, ';'-separated, for every match of `text`. With
 * `with_offsets` false the "@start" part is left out. */
static int describe_matches(tocsin_norm *norm, loaded *l, const char *text, char *out, size_t cap,
                            char starts[][24], size_t *nitems)
{
    const char *nt;
    size_t nlen;
    const uint32_t *map;
    tocsin_error err;
    *nitems = 0;
    out[0] = '\0';
    if (tocsin_normalize(norm, text, strlen(text), &nt, &nlen, &map, &err) != TOCSIN_OK) {
        fprintf(stderr, "  normalize failed: %s\n", err.message);
        return -1;
    }
    const tocsin_match *ms;
    size_t n;
    if (tocsin_match_text(l->m, nt, nlen, &ms, &n, &err) != TOCSIN_OK) {
        fprintf(stderr, "  match failed: %s\n", err.message);
        return -1;
    }
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (ms[i].start >= ms[i].end || ms[i].end > nlen)
            return -1;
        if (i && (ms[i - 1].start > ms[i].start ||
                  (ms[i - 1].start == ms[i].start && ms[i - 1].term > ms[i].term)))
            return -1; /* not sorted */
        size_t a = map[ms[i].start], lastc = map[ms[i].end - 1];
        uint32_t cp;
        size_t b = lastc + tc_utf8_decode((const unsigned char *)text + lastc,
                                          strlen(text) - lastc, &cp);
        if (*nitems < 64)
            snprintf(starts[(*nitems)++], 24, "%zu", a);
        int w = snprintf(out + used, cap - used, "%s%s/%s=%.*s", i ? ";" : "",
                         tocsin_watchlist_topic_id(l->wl, ms[i].topic),
                         tocsin_watchlist_term(l->wl, ms[i].term), (int)(b - a), text + a);
        if (w < 0 || (size_t)w >= cap - used)
            return -1;
        used += (size_t)w;
        if (tocsin_watchlist_term_topic(l->wl, ms[i].term) != ms[i].topic)
            return -1;
    }
    return (int)n;
}

/* Removes "@N" parts from an expected list into `plain`, collecting the N (or "" when absent). */
static size_t split_expected(const char *exp, char *plain, size_t cap, char starts[][24])
{
    size_t k = 0, o = 0, n = 0;
    if (!strcmp(exp, "-")) {
        plain[0] = '\0';
        return 0;
    }
    const char *s = exp;
    while (*s && o + 1 < cap) {
        /* one item: up to ';' (originals never contain ';' in our data) */
        const char *end = strchr(s, ';');
        if (!end)
            end = s + strlen(s);
        const char *eq = memchr(s, '=', (size_t)(end - s));
        const char *at = NULL;
        for (const char *c = s; eq && c < eq; c++)
            if (*c == '@')
                at = c;
        if (n < 64)
            starts[n][0] = '\0';
        if (at && eq) {
            size_t dl = (size_t)(eq - at - 1);
            if (n < 64 && dl < 24) {
                memcpy(starts[n], at + 1, dl);
                starts[n][dl] = '\0';
            }
            o += (size_t)snprintf(plain + o, cap - o, "%.*s%.*s", (int)(at - s), s,
                                  (int)(end - eq), eq);
        } else {
            o += (size_t)snprintf(plain + o, cap - o, "%.*s", (int)(end - s), s);
        }
        n++;
        k++;
        if (!*end)
            break;
        o += (size_t)snprintf(plain + o, cap - o, ";");
        s = end + 1;
    }
    (void)k;
    return n;
}

static void test_cases(void)
{
    char path[512];
    data_path(path, sizeof path, "cases.tsv");
    FILE *f = fopen(path, "r");
    check_case_begin("cases.tsv");
    CHECK(f != NULL);
    if (!f) {
        check_case_end();
        return;
    }
    check_case_end();
    tocsin_norm *norm = NULL;
    tocsin_error err;
    if (tocsin_norm_new(&norm, &err) != TOCSIN_OK) {
        fclose(f);
        return;
    }
    char line[8192];
    unsigned lineno = 0, ncases = 0;
    static char names[512][64];
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *fields[4] = {0};
        char *p = line;
        for (int i = 0; i < 4 && p; i++) {
            fields[i] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        snprintf(names[ncases % 512], 64, "cases.tsv:%u", lineno);
        check_case_begin(names[ncases % 512]);
        ncases++;
        CHECK(fields[2] != NULL);
        if (!fields[2]) {
            check_case_end();
            continue;
        }
        unescape(fields[1]);
        unescape(fields[2]);
        loaded *l = get_watchlist(fields[0]);
        CHECK(l != NULL);
        if (l) {
            char got[4096], want[4096], got_starts[64][24], want_starts[64][24];
            size_t ngot = 0;
            int n = describe_matches(norm, l, fields[1], got, sizeof got, got_starts, &ngot);
            size_t nwant = split_expected(fields[2], want, sizeof want, want_starts);
            CHECK(n >= 0);
            if (n >= 0 && strcmp(got, want) != 0) {
                check_cur_failed = 1;
                fprintf(stderr, "  FAIL %s (%s): got \"%s\", expected \"%s\"\n", check_cur_name,
                        fields[3] ? fields[3] : "", got, want);
            } else if (n >= 0) {
                CHECK_INT(ngot, nwant);
                for (size_t i = 0; i < nwant && i < ngot && i < 64; i++)
                    if (want_starts[i][0] && strcmp(want_starts[i], got_starts[i]) != 0) {
                        check_cur_failed = 1;
                        fprintf(stderr, "  FAIL %s (%s): match %zu starts at %s, expected %s\n",
                                check_cur_name, fields[3] ? fields[3] : "", i, got_starts[i],
                                want_starts[i]);
                    }
            }
        }
        check_case_end();
    }
    fclose(f);
    tocsin_norm_free(norm);
    check_case_begin("cases.tsv has cases");
    CHECK(ncases >= 100);
    check_case_end();
}

/* errors.tsv: FILE <TAB> STATUS <TAB> the formatted error with the path shown as FILE. */
static void test_errors(void)
{
    char path[512];
    data_path(path, sizeof path, "errors.tsv");
    FILE *f = fopen(path, "r");
    check_case_begin("errors.tsv");
    CHECK(f != NULL);
    check_case_end();
    if (!f)
        return;
    char line[4096];
    unsigned lineno = 0, n = 0;
    static char names[128][64];
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *file = line, *code = strchr(file, '\t'), *want = NULL;
        if (code) {
            *code++ = '\0';
            want = strchr(code, '\t');
            if (want)
                *want++ = '\0';
        }
        snprintf(names[n % 128], 64, "errors.tsv:%u", lineno);
        check_case_begin(names[n % 128]);
        n++;
        CHECK(want != NULL);
        if (want) {
            char p[512];
            snprintf(p, sizeof p, "%serrors/%.200s", data_dir, file);
            tocsin_watchlist *wl = NULL;
            tocsin_error err;
            tocsin_error_clear(&err);
            tocsin_status st = tocsin_watchlist_load(p, &wl, &err);
            CHECK_INT(st, atoi(code));
            CHECK(wl == NULL);
            tocsin_watchlist_free(wl);
            CHECK_STR(err.file, p);
            snprintf(err.file, sizeof err.file, "%.200s", file);
            char got[1024];
            tocsin_error_format(&err, got, sizeof got);
            CHECK_STR(got, want);
        }
        check_case_end();
    }
    fclose(f);
    check_case_begin("errors.tsv has cases");
    CHECK(n >= 20);
    check_case_end();
}

/* ------------------------------------------------------------------------------------------- */

static void test_accessors(void)
{
    loaded *l = get_watchlist("iskp.yaml");
    CHECK(l != NULL);
    if (!l)
        return;
    const tocsin_watchlist *wl = l->wl;
    CHECK_INT(tocsin_watchlist_topic_count(wl), 3);
    CHECK_STR(tocsin_watchlist_topic_id(wl, 0), "iskp");
    CHECK_STR(tocsin_watchlist_topic_label(wl, 0), "Islamic State Khorasan Province");
    CHECK_STR(tocsin_watchlist_topic_label(wl, 1), "Khorasan (any mention)");
    CHECK_STR(tocsin_watchlist_topic_label(wl, 2), "razavi"); /* no label: the id */
    CHECK(tocsin_watchlist_topic_id(wl, 3) == NULL);
    CHECK(tocsin_watchlist_topic_label(wl, 3) == NULL);
    CHECK_INT(tocsin_watchlist_term_count(wl), 7);
    CHECK_STR(tocsin_watchlist_term(wl, 1), "ISIS-K");
    CHECK_STR(tocsin_watchlist_term(wl, 3), "ولاية خراسان");
    CHECK_STR(tocsin_watchlist_term(wl, 4), "kh[uo]r[ao]s+an\\s+province");
    CHECK_STR(tocsin_watchlist_term(wl, 6), "Razavi"); /* a lone string is a list of one */
    CHECK_INT(tocsin_watchlist_term_topic(wl, 4), 0);
    CHECK_INT(tocsin_watchlist_term_topic(wl, 5), 1);
    CHECK_INT(tocsin_watchlist_term_topic(wl, 6), 2);
    CHECK(tocsin_watchlist_term(wl, 7) == NULL);
    CHECK(tocsin_watchlist_term_is_regex(wl, 4) && !tocsin_watchlist_term_is_regex(wl, 3));
    CHECK(!tocsin_watchlist_term_is_regex(wl, 99));
    CHECK_INT(tocsin_watchlist_term_line(wl, 0), 7);
    CHECK_INT(tocsin_watchlist_term_line(wl, 4), 8);
    CHECK_INT(tocsin_watchlist_term_line(wl, 6), 15);
    CHECK_INT(tocsin_watchlist_term_line(wl, 7), 0);
    CHECK_INT(tocsin_watchlist_term_topic(wl, 7), SIZE_MAX);
    CHECK_INT(tocsin_watchlist_topic_tag_count(wl, 0), 1);
    CHECK_STR(tocsin_watchlist_topic_tag(wl, 0, 0), "group");
    CHECK(tocsin_watchlist_topic_tag(wl, 0, 1) == NULL);
    CHECK_INT(tocsin_watchlist_topic_tag_count(wl, 1), 0);
    CHECK_INT(tocsin_watchlist_topic_tag_count(wl, 9), 0);
    CHECK_INT(tocsin_watchlist_topic_count(NULL), 0);
    CHECK_INT(tocsin_watchlist_term_count(NULL), 0);
}

static void test_duplicates_counted_once(void)
{
    loaded *l = get_watchlist("dup.yaml");
    CHECK(l != NULL);
    if (!l)
        return;
    /* a: ISIS-K, isis k, ISIS_K, ISKP, ISKP -> ISIS-K, ISKP; b: ISKP */
    CHECK_INT(tocsin_watchlist_term_count(l->wl), 3);
    CHECK_STR(tocsin_watchlist_term(l->wl, 0), "ISIS-K");
    CHECK_STR(tocsin_watchlist_term(l->wl, 1), "ISKP");
    CHECK_STR(tocsin_watchlist_term(l->wl, 2), "ISKP");
    CHECK_INT(tocsin_watchlist_term_topic(l->wl, 2), 1);
}

static void test_hash(void)
{
    loaded *l = get_watchlist("dup.yaml");
    CHECK(l != NULL);
    if (!l)
        return;
    /* sha256sum tests/data/match/dup.yaml */
    CHECK_STR(tocsin_watchlist_hash(l->wl),
              "60c5eedcfebb0c6a22f39fad18d963b44930fbb8ed8dbd397f78961f20bf8b60");
    loaded *k = get_watchlist("iskp.yaml");
    CHECK(k != NULL);
    if (k) {
        CHECK_INT(strlen(tocsin_watchlist_hash(k->wl)), 64);
        CHECK(strcmp(tocsin_watchlist_hash(k->wl), tocsin_watchlist_hash(l->wl)) != 0);
    }
}

static void test_api_misuse(void)
{
    tocsin_error err;
    tocsin_watchlist *wl = NULL;
    CHECK_INT(tocsin_watchlist_load(NULL, &wl, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_watchlist_load("tests/data/match/no-such-file.yaml", &wl, &err),
              TOCSIN_ERR_IO);
    CHECK(strstr(err.message, "cannot open") != NULL);
    CHECK(wl == NULL);
    CHECK_INT(tocsin_watchlist_load("tests/data/match/no-such-file.yaml", &wl, NULL),
              TOCSIN_ERR_IO);
    tocsin_matcher *m = NULL;
    CHECK_INT(tocsin_matcher_new(NULL, &m, &err), TOCSIN_ERR_USAGE);
    const tocsin_match *ms;
    size_t n;
    CHECK_INT(tocsin_match_text(NULL, "x", 1, &ms, &n, &err), TOCSIN_ERR_USAGE);
    tocsin_watchlist_free(NULL);
    tocsin_matcher_free(NULL);
    loaded *l = get_watchlist("iskp.yaml");
    CHECK(l != NULL);
    if (!l)
        return;
    CHECK_INT(tocsin_match_text(l->m, NULL, 0, &ms, &n, &err), TOCSIN_OK);
    CHECK_INT(n, 0);
    /* text that did not come from the normalizer: invalid UTF-8 and NUL bytes do no harm */
    static const char raw[] = "\xff" "iskp\x80 \xe2\x80 iskp\0iskp \xd9";
    CHECK_INT(tocsin_match_text(l->m, raw, sizeof raw - 1, &ms, &n, &err), TOCSIN_OK);
    CHECK_INT(n, 3);
}

/* Edge rules straight on normalized text. */
static void test_edges(void)
{
    loaded *l = get_watchlist("iskp.yaml");
    CHECK(l != NULL);
    if (!l)
        return;
    const match_prefixes *pre = &l->wl->pre;
    const char *s = "a isis k b";
    CHECK(match_edges_ok(pre, s, strlen(s), 2, 8, false));
    CHECK(!match_edges_ok(pre, s, strlen(s), 3, 8, false));  /* starts inside a word */
    CHECK(!match_edges_ok(pre, s, strlen(s), 2, 5, false));  /* ends inside a word */
    CHECK(!match_edges_ok(pre, s, strlen(s), 2, 2, false));  /* empty */
    CHECK(!match_edges_ok(pre, s, strlen(s), 2, 99, false)); /* past the end */
    CHECK(match_is_word_cp('a') && match_is_word_cp('7') && !match_is_word_cp('#'));
    CHECK(match_is_word_cp(0x0648) && match_is_word_cp(0x0301) && match_is_word_cp(0x0663));
    CHECK(!match_is_word_cp(0x060C) && !match_is_word_cp(0x00AB) && !match_is_word_cp(0x263A));
    CHECK(match_is_nospace_cp(0x4E00) && match_is_nospace_cp(0x30A2) &&
          match_is_nospace_cp(0x3042) && match_is_nospace_cp(0x0E01) &&
          match_is_nospace_cp(0x0E81) && match_is_nospace_cp(0x1780) &&
          match_is_nospace_cp(0x1000) && match_is_nospace_cp(0x20000));
    CHECK(!match_is_nospace_cp('a') && !match_is_nospace_cp(0x0648) &&
          !match_is_nospace_cp(0xAC00)); /* Hangul is written with spaces */
    CHECK(match_is_arabic_cp(0x0628) && match_is_arabic_cp(0x06CC) && !match_is_arabic_cp('b'));
    /* at most 23 proclitic chains, the longest وبال (8 bytes) */
    CHECK(pre->n <= 23 && pre->n >= 20);
    CHECK_INT(pre->max_len, 8);
}

/* Many hits in one large text: all found, sorted, and no per-hit surprises. */
static void test_large_text(void)
{
    loaded *l = get_watchlist("iskp.yaml");
    CHECK(l != NULL);
    if (!l)
        return;
    size_t reps = 100000;
    const char *unit = "iskp khorasan razavi "; /* 21 bytes: ISKP, razavi; khorasan excluded */
    size_t ul = strlen(unit);
    char *text = malloc(reps * ul + 1);
    CHECK(text != NULL);
    if (!text)
        return;
    for (size_t i = 0; i < reps; i++)
        memcpy(text + i * ul, unit, ul);
    text[reps * ul] = '\0';
    const tocsin_match *ms;
    size_t n;
    tocsin_error err;
    CHECK_INT(tocsin_match_text(l->m, text, reps * ul, &ms, &n, &err), TOCSIN_OK);
    CHECK_INT(n, 2 * reps);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        size_t base = (i / 2) * ul;
        if (i % 2 == 0 && (ms[i].term != 0 || ms[i].start != base || ms[i].end != base + 4))
            bad++;
        if (i % 2 == 1 && (ms[i].term != 6 || ms[i].start != base + 14))
            bad++;
    }
    CHECK_INT(bad, 0);
    /* the buffers are reused: a small text afterwards gives its own result */
    CHECK_INT(tocsin_match_text(l->m, "iskp", 4, &ms, &n, &err), TOCSIN_OK);
    CHECK_INT(n, 1);
    free(text);
}

/* One watchlist, several threads, one matcher each: the same results as one thread. */
typedef struct thread_job {
    const tocsin_watchlist *wl;
    const char *text;
    size_t len;
    size_t expect;
    int failures;
} thread_job;

static void *thread_run(void *arg)
{
    thread_job *j = arg;
    tocsin_matcher *m = NULL;
    if (tocsin_matcher_new(j->wl, &m, NULL) != TOCSIN_OK) {
        j->failures++;
        return NULL;
    }
    for (int it = 0; it < 200; it++) {
        const tocsin_match *ms;
        size_t n;
        if (tocsin_match_text(m, j->text, j->len, &ms, &n, NULL) != TOCSIN_OK || n != j->expect)
            j->failures++;
    }
    tocsin_matcher_free(m);
    return NULL;
}

static void test_threads(void)
{
    loaded *l = get_watchlist("iskp.yaml");
    CHECK(l != NULL);
    if (!l)
        return;
    static char text[40000];
    size_t len = 0;
    const char *unit = "isis k, khorasan province; khorasan razavi. ";
    while (len + strlen(unit) < sizeof text) {
        memcpy(text + len, unit, strlen(unit));
        len += strlen(unit);
    }
    const tocsin_match *ms;
    size_t expect;
    CHECK_INT(tocsin_match_text(l->m, text, len, &ms, &expect, NULL), TOCSIN_OK);
    CHECK(expect > 0);
    pthread_t th[4];
    thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){l->wl, text, len, expect, 0};
        CHECK(pthread_create(&th[i], NULL, thread_run, &jobs[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(jobs[i].failures, 0);
    }
}

/* Random texts built from pieces of the watchlist's own literals, proclitics, separators and
 * neighbours from other scripts: the matcher must return exactly what a naive search (every
 * occurrence of every literal, the same edge rules, exclusions checked pairwise) returns. */
static uint64_t prng = 88172645463325252ULL;
static uint32_t prand(uint32_t n)
{
    prng ^= prng << 13;
    prng ^= prng >> 7;
    prng ^= prng << 17;
    return (uint32_t)(prng % n);
}

static int cmp_m(const void *a, const void *b)
{
    const tocsin_match *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->term != y->term) return x->term < y->term ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

static size_t naive_matches(const tocsin_watchlist *wl, const char *t, size_t len, tocsin_match *out,
                            size_t cap)
{
    static tocsin_match hits[4096], ex[4096];
    size_t nh = 0, ne = 0;
    for (size_t k = 0; k < wl->npats; k++) {
        const match_pat *p = &wl->pats[k];
        if (!p->len)
            continue; /* regexes: not modelled here */
        const match_entry *e = p->exclude ? &wl->excludes[p->owner] : &wl->terms[p->owner];
        char lit[512];
        size_t ll;
        if (p->lil) { /* ل + the term without its alif */
            size_t skip = wl->pre.al_len - wl->pre.lam_len;
            memcpy(lit, wl->pre.lam, wl->pre.lam_len);
            memcpy(lit + wl->pre.lam_len, e->norm + skip, strlen(e->norm) - skip);
            ll = wl->pre.lam_len + strlen(e->norm) - skip;
        } else {
            ll = strlen(e->norm);
            memcpy(lit, e->norm, ll);
        }
        for (size_t i = 0; i + ll <= len; i++) {
            if (memcmp(t + i, lit, ll) != 0 || !match_edges_ok(&wl->pre, t, len, i, i + ll, p->lil))
                continue;
            tocsin_match m = {p->topic, p->owner, i, i + ll};
            if (p->exclude && ne < 4096)
                ex[ne++] = m;
            else if (!p->exclude && nh < 4096)
                hits[nh++] = m;
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < nh; i++) {
        bool drop = false;
        for (size_t j = 0; j < ne && !drop; j++)
            drop = ex[j].topic == hits[i].topic && ex[j].start < hits[i].end &&
                   hits[i].start < ex[j].end;
        if (!drop && n < cap)
            out[n++] = hits[i];
    }
    qsort(out, n, sizeof *out, cmp_m);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!k || cmp_m(&out[i], &out[k - 1]) != 0)
            out[k++] = out[i];
    return k;
}

static void test_against_naive(void)
{
    static const char *const extra[] = {" ", " ", " ", ",", "#", "x", "a", "2", "\u0648", "\u0628",
                                        "\u0627\u0644", "\u0644\u0644", "\u0633", "\u0641",
                                        "\u0643", "\u0644", "\u4e2d", "\u3067", "e\u0301", "\xff"};
    const char *names[] = {"iskp.yaml", "scripts.yaml", "dup.yaml", "nested.yaml"};
    size_t mismatches = 0, total = 0;
    for (size_t w = 0; w < 4; w++) {
        loaded *l = get_watchlist(names[w]);
        CHECK(l != NULL);
        if (!l)
            continue;
        const tocsin_watchlist *wl = l->wl;
        for (int it = 0; it < 1500; it++) {
            char text[4096];
            size_t len = 0;
            int pieces = 1 + (int)prand(24);
            for (int k = 0; k < pieces && len < 3500; k++) {
                const char *piece;
                size_t pl;
                char tmp[512];
                uint32_t r = prand(10);
                if (r < 4 && wl->nterms) {
                    const match_entry *e = &wl->terms[prand((uint32_t)wl->nterms)];
                    piece = e->norm ? e->norm : "khorasan";
                    pl = strlen(piece);
                    if (r == 0 && pl > 2) /* a fragment */
                        pl = 1 + prand((uint32_t)pl - 1);
                } else if (r == 4 && wl->nexcludes) {
                    piece = wl->excludes[prand((uint32_t)wl->nexcludes)].norm;
                    pl = strlen(piece);
                } else {
                    snprintf(tmp, sizeof tmp, "%s", extra[prand(sizeof extra / sizeof extra[0])]);
                    unescape(tmp);
                    piece = tmp;
                    pl = strlen(tmp);
                }
                memcpy(text + len, piece, pl);
                len += pl;
            }
            text[len] = '\0';
            const tocsin_match *ms;
            size_t n;
            static tocsin_match want[4096], got[4096];
            if (tocsin_match_text(l->m, text, len, &ms, &n, NULL) != TOCSIN_OK) {
                mismatches++;
                continue;
            }
            size_t ng = 0;
            for (size_t i = 0; i < n && ng < 4096; i++)
                if (!tocsin_watchlist_term_is_regex(wl, ms[i].term))
                    got[ng++] = ms[i];
            size_t nw = naive_matches(wl, text, len, want, 4096);
            total += nw;
            if (ng != nw || (nw && memcmp(got, want, nw * sizeof *want) != 0)) {
                if (mismatches++ < 3)
                    fprintf(stderr, "  naive mismatch on %s: \"%s\": %zu vs %zu matches\n",
                            names[w], text, ng, nw);
            }
        }
    }
    CHECK_INT(mismatches, 0);
    CHECK(total > 1000); /* the generator does produce matches */
}

/* Mutated watchlists (bytes flipped, dropped, YAML punctuation inserted) load or fail with a
 * watchlist error that has a message; never a crash, a hang or another status. */
static void test_yaml_mutations(void)
{
    char src[512];
    data_path(src, sizeof src, "iskp.yaml");
    FILE *f = fopen(src, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    static char orig[8192], buf[8192];
    size_t n = fread(orig, 1, sizeof orig, f);
    fclose(f);
    char tmp[] = "/tmp/test_match_XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    static const char punct[] = ":-[]{},'\"#&*!|>%@`\n \t\\";
    size_t bad = 0, ok = 0;
    for (int it = 0; it < 300; it++) {
        size_t len = n;
        memcpy(buf, orig, n);
        int edits = 1 + (int)prand(4);
        for (int e = 0; e < edits && len > 1; e++) {
            size_t at = prand((uint32_t)len);
            switch (prand(3)) {
            case 0: buf[at] = (char)prand(256); break;
            case 1: memmove(buf + at, buf + at + 1, len - at - 1); len--; break;
            default:
                if (len + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = punct[prand(sizeof punct - 1)];
                    len++;
                }
            }
        }
        FILE *o = fopen(tmp, "wb");
        if (!o)
            break;
        fwrite(buf, 1, len, o);
        fclose(o);
        tocsin_watchlist *wl = NULL;
        tocsin_error err;
        tocsin_error_clear(&err);
        tocsin_status st = tocsin_watchlist_load(tmp, &wl, &err);
        if (st == TOCSIN_OK) {
            ok++;
            if (!wl || tocsin_watchlist_topic_count(wl) == 0)
                bad++;
        } else if (st != TOCSIN_ERR_WATCHLIST || !err.message[0] || wl) {
            bad++;
            fprintf(stderr, "  mutation %d: status %d: %s\n", it, (int)st, err.message);
        }
        tocsin_watchlist_free(wl);
    }
    remove(tmp);
    CHECK_INT(bad, 0);
    CHECK(ok > 0 && ok < 300); /* some mutations are harmless, most are not */
}

int main(void)
{
    find_data_dir();
    test_cases();
    test_errors();
    RUN(test_accessors);
    RUN(test_duplicates_counted_once);
    RUN(test_hash);
    RUN(test_api_misuse);
    RUN(test_edges);
    RUN(test_large_text);
    RUN(test_threads);
    RUN(test_against_naive);
    RUN(test_yaml_mutations);
    free_cache();
    return check_summary();
}
