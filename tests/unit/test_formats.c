/* test_formats.c: every sample under tests/data/formats/ is read with format auto-detection and
 * compared with its hand-written expectation file (<sample>.expect.jsonl, format described in
 * tests/data/formats/README.md): detected format, number of posts, skipped records, and per post
 * id, UTC time, author, channel, kind, ref_id, lang, urls / hashtags / mentions and the text
 * (exact, or prefix + length in code points, or substrings). One case per sample. */
#include "check.h"
#include "read/json.h"
#include "tocsin.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DATA "tests/data/formats"

/* ---- owned copies of the posts read ---- */

typedef struct own_post {
    char *id, *author_id, *author_name, *channel_id, *channel_name, *ref_id, *lang, *text;
    char ts[32];
    bool has_ts;
    tocsin_kind kind;
    uint64_t line;
    char **lists[3]; /* urls, hashtags, mentions */
    size_t nlist[3];
} own_post;

static char *dup_v(tocsin_strv v)
{
    if (!v.ptr || !v.len)
        return NULL;
    char *s = malloc(v.len + 1);
    memcpy(s, v.ptr, v.len);
    s[v.len] = 0;
    return s;
}

static void own_free(own_post *p)
{
    free(p->id);
    free(p->author_id);
    free(p->author_name);
    free(p->channel_id);
    free(p->channel_name);
    free(p->ref_id);
    free(p->lang);
    free(p->text);
    for (int l = 0; l < 3; l++) {
        for (size_t i = 0; i < p->nlist[l]; i++)
            free(p->lists[l][i]);
        free(p->lists[l]);
    }
}

static void own_from(own_post *o, const tocsin_post *p)
{
    memset(o, 0, sizeof *o);
    o->id = dup_v(p->id);
    o->author_id = dup_v(p->author_id);
    o->author_name = dup_v(p->author_name);
    o->channel_id = dup_v(p->channel_id);
    o->channel_name = dup_v(p->channel_name);
    o->ref_id = dup_v(p->ref_id);
    o->lang = dup_v(p->lang);
    o->text = dup_v(p->text);
    if (!o->text)
        o->text = calloc(1, 1);
    o->has_ts = p->has_ts;
    if (p->has_ts)
        tocsin_time_format(p->ts, o->ts, sizeof o->ts);
    o->kind = p->kind;
    o->line = p->line;
    const tocsin_strv *arr[3] = {p->urls, p->hashtags, p->mentions};
    size_t n[3] = {p->n_urls, p->n_hashtags, p->n_mentions};
    for (int l = 0; l < 3; l++) {
        o->nlist[l] = n[l];
        o->lists[l] = calloc(n[l] ? n[l] : 1, sizeof(char *));
        for (size_t i = 0; i < n[l]; i++)
            o->lists[l][i] = dup_v(arr[l][i]);
    }
}

/* ---- helpers over the expectation JSON ---- */

static size_t cp_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool exp_str(tj_doc *d, tj_val obj, const char *key, tocsin_strv *out, bool *is_null)
{
    tj_val v = tj_get(d, obj, key);
    *is_null = false;
    if (!v)
        return false;
    if (tj_type_of(d, v) == TJ_NULL) {
        *is_null = true;
        return true;
    }
    return tj_str(d, v, out) || tj_text(d, v, out);
}

static int fails_in_case;

static void failf(const char *sample, const char *id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  FAIL %s [%s]: ", sample, id ? id : "?");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    check_cur_failed = 1;
    fails_in_case++;
}

static void check_field(const char *sample, tj_doc *d, tj_val e, const char *key, const char *got,
                        const char *id)
{
    tocsin_strv want;
    bool is_null;
    if (!exp_str(d, e, key, &want, &is_null))
        return;
    if (is_null) {
        if (got && *got)
            failf(sample, id, "%s = \"%s\", expected absent", key, got);
        return;
    }
    if (!got || strlen(got) != want.len || memcmp(got, want.ptr, want.len))
        failf(sample, id, "%s = \"%s\", expected \"%.*s\"", key, got ? got : "(absent)",
              (int)want.len, want.ptr);
}

static void check_list(const char *sample, tj_doc *d, tj_val e, const char *key, char **got,
                       size_t ngot, const char *id)
{
    tj_val v = tj_get(d, e, key), first;
    if (!v)
        return;
    size_t n = tj_children(d, v, &first);
    if (n != ngot) {
        failf(sample, id, "%s: %zu items, expected %zu", key, ngot, n);
        for (size_t i = 0; i < ngot; i++)
            fprintf(stderr, "      got %s[%zu] = %s\n", key, i, got[i] ? got[i] : "(null)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        tocsin_strv w;
        if (!tj_str(d, first + (tj_val)i, &w))
            continue;
        if (!got[i] || strlen(got[i]) != w.len || memcmp(got[i], w.ptr, w.len))
            failf(sample, id, "%s[%zu] = \"%s\", expected \"%.*s\"", key, i,
                  got[i] ? got[i] : "(null)", (int)w.len, w.ptr);
    }
}

static void check_post(const char *sample, tj_doc *d, tj_val e, const own_post *p)
{
    const char *id = p->id;
    check_field(sample, d, e, "id", p->id, id);
    check_field(sample, d, e, "ts", p->has_ts ? p->ts : NULL, id);
    check_field(sample, d, e, "author_id", p->author_id, id);
    check_field(sample, d, e, "author_name", p->author_name, id);
    check_field(sample, d, e, "channel_id", p->channel_id, id);
    check_field(sample, d, e, "channel_name", p->channel_name, id);
    check_field(sample, d, e, "kind", tocsin_kind_name(p->kind), id);
    check_field(sample, d, e, "ref_id", p->ref_id, id);
    check_field(sample, d, e, "lang", p->lang, id);
    check_field(sample, d, e, "text", p->text, id);
    check_list(sample, d, e, "urls", p->lists[0], p->nlist[0], id);
    check_list(sample, d, e, "hashtags", p->lists[1], p->nlist[1], id);
    check_list(sample, d, e, "mentions", p->lists[2], p->nlist[2], id);
    int64_t line;
    if (tj_int(d, tj_get(d, e, "line"), &line) && (int64_t)p->line != line)
        failf(sample, id, "line = %llu, expected %lld", (unsigned long long)p->line,
              (long long)line);
    tocsin_strv pre;
    bool is_null;
    if (exp_str(d, e, "text_prefix", &pre, &is_null) && !is_null &&
        (strlen(p->text) < pre.len || memcmp(p->text, pre.ptr, pre.len)))
    {
        size_t k = 0;
        while (k < pre.len && p->text[k] == pre.ptr[k])
            k++;
        failf(sample, id, "text does not start with \"%.*s\" (differs at byte %zu); text = \"%s\"",
              (int)pre.len, pre.ptr, k, p->text);
    }
    int64_t tl;
    if (tj_int(d, tj_get(d, e, "text_len"), &tl) && (int64_t)cp_len(p->text) != tl)
        failf(sample, id, "text has %zu code points, expected %lld", cp_len(p->text),
              (long long)tl);
    tj_val c0;
    size_t nc = tj_children(d, tj_get(d, e, "text_contains"), &c0);
    for (size_t i = 0; i < nc; i++) {
        tocsin_strv s;
        if (tj_str(d, c0 + (tj_val)i, &s) && !memmem(p->text, strlen(p->text), s.ptr, s.len))
            failf(sample, id, "text lacks \"%.*s\"; text = \"%s\"", (int)s.len, s.ptr, p->text);
    }
    nc = tj_children(d, tj_get(d, e, "text_not_contains"), &c0);
    for (size_t i = 0; i < nc; i++) {
        tocsin_strv s;
        if (tj_str(d, c0 + (tj_val)i, &s) && memmem(p->text, strlen(p->text), s.ptr, s.len))
            failf(sample, id, "text contains \"%.*s\"", (int)s.len, s.ptr);
    }
}

static int warnings;
static void count_warn(void *ctx, const tocsin_error *w)
{
    (void)ctx;
    (void)w;
    warnings++;
}

static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    b[*n] = 0;
    fclose(f);
    return b;
}

/* Checks one sample against its expectation file. */
static void run_sample(const char *exp_path)
{
    char sample[1024];
    size_t el = strlen(exp_path) - strlen(".expect.jsonl");
    snprintf(sample, sizeof sample, "%.*s", (int)el, exp_path);
    check_case_begin(sample);
    fails_in_case = 0;

    size_t n;
    char *text = read_file(exp_path, &n);
    CHECK(text != NULL);
    if (!text) {
        check_case_end();
        return;
    }
    /* split lines */
    char *lines[512];
    size_t nl = 0;
    for (char *s = text; *s && nl < 512;) {
        char *e = strchr(s, '\n');
        if (e)
            *e = 0;
        if (*s)
            lines[nl++] = s;
        if (!e)
            break;
        s = e + 1;
    }
    tj_doc *hd = tj_doc_new();
    tj_val head;
    bool rep;
    size_t bad;
    char why[128];
    CHECK(tj_parse(hd, lines[0], strlen(lines[0]), &head, &rep, &bad, why, sizeof why) ==
          TOCSIN_OK);
    tocsin_strv want_fmt = {NULL, 0};
    tj_str(hd, tj_get(hd, head, "format"), &want_fmt);
    int64_t want_posts = -1;
    tj_int(hd, tj_get(hd, head, "posts"), &want_posts);
    bool complete = false;
    tj_bool(hd, tj_get(hd, head, "complete"), &complete);

    /* read the sample */
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.warn = count_warn;
    warnings = 0;
    tocsin_reader *r = NULL;
    tocsin_error err;
    tocsin_status st = tocsin_reader_open(&o, sample, &r, &err);
    if (st != TOCSIN_OK) {
        failf(sample, NULL, "open: %s", err.message);
        free(text);
        tj_doc_free(hd);
        check_case_end();
        return;
    }
    const char *fmt = tocsin_reader_format(r);
    if (want_fmt.ptr && (strlen(fmt) != want_fmt.len || memcmp(fmt, want_fmt.ptr, want_fmt.len)))
        failf(sample, NULL, "detected format \"%s\", expected \"%.*s\"", fmt, (int)want_fmt.len,
              want_fmt.ptr);
    size_t cap = 64, np = 0;
    own_post *posts = malloc(cap * sizeof *posts);
    for (;;) {
        tocsin_post p;
        int got = 0;
        st = tocsin_reader_next(r, &p, &got, &err);
        if (st != TOCSIN_OK) {
            failf(sample, NULL, "next: %s", err.message);
            break;
        }
        if (!got)
            break;
        if (np == cap)
            posts = realloc(posts, (cap *= 2) * sizeof *posts);
        own_from(&posts[np++], &p);
    }
    tocsin_read_stats stats;
    tocsin_reader_stats(r, &stats);
    tocsin_reader_free(r);

    if (want_posts >= 0 && (int64_t)np != want_posts)
        failf(sample, NULL, "%zu posts, expected %lld", np, (long long)want_posts);
    /* skipped records */
    tj_val sk = tj_get(hd, head, "skipped"), s0;
    uint64_t want_skipped = 0;
    size_t nsk = tj_children(hd, sk, &s0);
    for (size_t i = 0; i < nsk; i++) {
        tocsin_strv reason = tj_key(hd, s0 + (tj_val)i);
        int64_t cnt = 0;
        tj_int(hd, s0 + (tj_val)i, &cnt);
        want_skipped += (uint64_t)cnt;
        for (int k = 0; k < TOCSIN_SKIP__COUNT; k++) {
            const char *nm = tocsin_skip_reason_name((tocsin_skip_reason)k);
            if (strlen(nm) == reason.len && !memcmp(nm, reason.ptr, reason.len) &&
                stats.skipped[k] != (uint64_t)cnt)
                failf(sample, NULL, "skipped %s = %llu, expected %lld", nm,
                      (unsigned long long)stats.skipped[k], (long long)cnt);
        }
    }
    uint64_t total_skipped = 0;
    for (int k = 0; k < TOCSIN_SKIP__COUNT; k++)
        total_skipped += stats.skipped[k];
    if (total_skipped != want_skipped)
        failf(sample, NULL, "%llu records skipped, expected %llu",
              (unsigned long long)total_skipped, (unsigned long long)want_skipped);
    if (want_skipped && !warnings)
        failf(sample, NULL, "records were skipped without a warning");

    tj_val fid;
    tocsin_strv fv;
    if ((fid = tj_get(hd, head, "first_id")) && tj_str(hd, fid, &fv) && np &&
        (!posts[0].id || strncmp(posts[0].id, fv.ptr, fv.len)))
        failf(sample, NULL, "first id %s, expected %.*s", posts[0].id, (int)fv.len, fv.ptr);
    if ((fid = tj_get(hd, head, "last_id")) && tj_str(hd, fid, &fv) && np &&
        (!posts[np - 1].id || strncmp(posts[np - 1].id, fv.ptr, fv.len)))
        failf(sample, NULL, "last id %s, expected %.*s", posts[np - 1].id, (int)fv.len, fv.ptr);

    /* per post */
    tj_doc *ed = tj_doc_new();
    for (size_t i = 1; i < nl; i++) {
        tj_val e;
        if (tj_parse(ed, lines[i], strlen(lines[i]), &e, &rep, &bad, why, sizeof why) !=
            TOCSIN_OK) {
            failf(sample, NULL, "expectation line %zu is not JSON: %s", i + 1, why);
            continue;
        }
        const own_post *p = NULL;
        if (complete) {
            if (i - 1 < np)
                p = &posts[i - 1];
        } else {
            tocsin_strv id;
            if (tj_str(ed, tj_get(ed, e, "id"), &id))
                for (size_t k = 0; k < np && !p; k++)
                    if (posts[k].id && strlen(posts[k].id) == id.len &&
                        !memcmp(posts[k].id, id.ptr, id.len))
                        p = &posts[k];
        }
        if (!p) {
            failf(sample, NULL, "no post for expectation line %zu", i + 1);
            continue;
        }
        check_post(sample, ed, e, p);
    }
    if (complete && nl - 1 != np)
        failf(sample, NULL, "expectation lists %zu posts, reader gave %zu", nl - 1, np);
    tj_doc_free(ed);
    for (size_t i = 0; i < np; i++)
        own_free(&posts[i]);
    free(posts);
    tj_doc_free(hd);
    free(text);
    check_case_end();
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    /* every expectation file, in name order */
    char *files[256];
    size_t nf = 0;
    DIR *top = opendir(DATA);
    if (!top) {
        fprintf(stderr, "cannot open %s (run from the repository root)\n", DATA);
        check_failed++;
        return check_summary();
    }
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
    qsort(files, nf, sizeof files[0], cmp_str);
    /* the shared samples are all covered: 29 files at the time of writing */
    check_case_begin("every sample has an expectation");
    CHECK(nf >= 29);
    check_case_end();
    for (size_t i = 0; i < nf; i++) {
        run_sample(files[i]);
        free(files[i]);
    }
    return check_summary();
}
