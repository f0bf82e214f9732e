/* scan.c: the in-memory pipeline behind `tocsin scan`: read -> normalize -> identify -> match ->
 * aggregate, over several inputs and threads.
 *
 * Work is cut into units (a whole input, or a record-aligned byte range of a large plain file)
 * that worker threads take from a shared counter. Each worker owns its normalizer, matcher
 * scratch and count table, so the hot path shares nothing and takes no lock; tables are merged
 * when the workers are done. With one thread, units run in input order on the caller's thread,
 * so the match callback sees posts in input order.
 *
 * Joined matching. A Hyperscan call has a fixed cost (scratch and engine set-up, 35-140 ns) that
 * is large next to a post of a few hundred bytes. When nobody wants per-post hits (no match or
 * post callback) and the watchlist allows it (match_can_join: literals only, none holding the
 * separator), a worker appends each post's normalized text to a batch, separated by '\n', and
 * keeps what counting needs (time, author, language field, and the original text when the
 * language is detected). When the batch is full, or the unit ends, one tocsin_match_text call
 * covers it; the hits, sorted by start, are cut back into posts by their offsets. '\n' is a
 * word boundary and no literal holds it, so every post gets exactly the hits it would get
 * alone (tests/unit/test_scan_batch.c checks this against the per-post path). A batch that
 * exceeds the matcher's hit limit is matched again post by post, so the limit stays per post. */
#include "agg/agg.h"
#include "common/common.h"
#include "match/match.h"
#include "text/text.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct unit {
    const char *path;
    bool ranged; /* a byte range [begin, end) of a plain line-framed file */
    uint64_t begin, end;
} unit;

typedef struct scan_ctx scan_ctx;

/* Batch limits: the joined text stays cache-sized; posts are counted too so tiny posts do not
 * make the pending array large. */
#define SCAN_BATCH_BYTES ((size_t)512 << 10)
#define SCAN_BATCH_POSTS 8192

/* A post waiting in the batch: its normalized text is at [off, off + len) of the normalizer's
 * output (see norm_append), followed by '\n'; its author id,
 * language field and (when detecting) original text are in raw, in that order. */
typedef struct pend {
    size_t off, len;
    size_t raw_off, author_len, lang_len, text_len;
    int64_t ts;
    bool has_ts, has_lang;
    const char *source;
    uint64_t line;
} pend;

/* A language field as the input wrote it, and the code it normalizes to. */
#define SCAN_TAGS 16
typedef struct tag_memo {
    bool absent; /* the input had no language field */
    size_t len;
    char tag[24];
    char code[16];
} tag_memo;

typedef struct worker {
    scan_ctx *ctx;
    tocsin_norm *norm;
    tocsin_matcher *matcher;
    agg_table *table;
    tocsin_lang_state *lang;
    tocsin_hit *hits;
    size_t hits_cap;
    tag_memo tags[SCAN_TAGS]; /* language fields seen and their codes (post_lang) */
    size_t ntags, tag_next;
    bool batch;      /* joined matching (see the top of the file) */
    bool keep_text;  /* the batch keeps original texts for language detection */
    char *raw;
    size_t jlen; /* bytes of the joined text (in the normalizer's output buffer) */
    size_t rawlen, rawcap;
    pend *pends;
    size_t npend;
    tocsin_read_stats stats;
    uint64_t no_time, matched, posts;
    tocsin_status status;
    tocsin_error err;
} worker;

struct scan_ctx {
    const tocsin_scan_opts *opts;
    unit *units;
    size_t nunits;
    size_t next; /* next unit to take (under lock) */
    atomic_bool stop; /* set when a worker failed; read by the others without the lock */
    pthread_mutex_t lock;
    pthread_mutex_t cb_lock; /* serializes the match callback */
    worker *workers;
};

struct tocsin_scan_result {
    tocsin_count_row *rows;
    size_t nrows;
    tocsin_scan_summary summary;
};

void tocsin_scan_opts_init(tocsin_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    tocsin_read_opts_init(&o->read);
    o->threads = 1;
    o->by = TOCSIN_BY_DAY;
    o->lang_source = TOCSIN_LANG_SOURCE_DETECT;
}

/* End of the UTF-8 character starting at s[i] (i < len). */
static size_t char_end(const char *s, size_t len, size_t i)
{
    uint32_t cp;
    return i + tc_utf8_decode((const unsigned char *)s + i, len - i, &cp);
}

/* Decides the language a post is counted under into code (>= 16 bytes). Without an identifier,
 * the input's own field (normalized) or "und". */
static tocsin_status post_lang(worker *w, const tocsin_post *p, char *code, double *conf)
{
    const tocsin_scan_opts *o = w->ctx->opts;
    *conf = 1.0;
    if (!o->langid || o->lang_source == TOCSIN_LANG_SOURCE_INPUT) {
        /* inputs repeat a few tags: remember the codes of the last SCAN_TAGS distinct ones */
        bool absent = p->lang.ptr == NULL;
        for (size_t i = 0; i < w->ntags; i++) {
            const tag_memo *t = &w->tags[i];
            if (t->absent == absent && t->len == p->lang.len &&
                (absent || memcmp(t->tag, p->lang.ptr, p->lang.len) == 0)) {
                strcpy(code, t->code);
                return TOCSIN_OK;
            }
        }
        if (!tocsin_lang_tag_normalize(p->lang, NULL, code, 12))
            strcpy(code, "und");
        if (p->lang.len <= sizeof w->tags[0].tag) {
            tag_memo *t = &w->tags[w->ntags < SCAN_TAGS ? w->ntags++ : w->tag_next++ % SCAN_TAGS];
            t->absent = absent;
            t->len = p->lang.len;
            if (!absent && p->lang.len)
                memcpy(t->tag, p->lang.ptr, p->lang.len);
            strcpy(t->code, code);
        }
        return TOCSIN_OK;
    }
    tocsin_lang_result r;
    tocsin_status st = tocsin_lang_detect(w->lang, p->text.ptr, p->text.len, &r);
    if (st != TOCSIN_OK)
        return tc_error_set(&w->err, st, p->source, p->line, "text",
                            "language identification failed");
    if (!tocsin_lang_choose(o->lang_source, p->lang, &r, code, 12))
        *conf = r.confidence;
    return TOCSIN_OK;
}

/* Translates normalized-text matches into hits on the original text. */
static tocsin_status make_hits(worker *w, const tocsin_post *p, const tocsin_match *m, size_t n,
                               const uint32_t *map, size_t norm_len)
{
    if (n > w->hits_cap) {
        size_t cap = n * 2;
        tocsin_hit *h = realloc(w->hits, cap * sizeof *h);
        if (!h)
            return tc_error_set(&w->err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
        w->hits = h;
        w->hits_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        w->hits[i].topic = m[i].topic;
        w->hits[i].term = m[i].term;
        w->hits[i].start = map[m[i].start];
        w->hits[i].end = m[i].end > m[i].start && m[i].end <= norm_len
                             ? char_end(p->text.ptr, p->text.len, map[m[i].end - 1])
                             : map[m[i].start];
    }
    return TOCSIN_OK;
}

static tocsin_status count_post(worker *w, const tocsin_post *p, const char *lang,
                                const tocsin_match *m, size_t n)
{
    if (!p->has_ts) {
        w->no_time++;
        return TOCSIN_OK;
    }
    int64_t bucket = tocsin_bucket_start(p->ts, w->ctx->opts->by);
    bool has_author = p->author_id.len > 0;
    uint64_t author = has_author ? agg_hash64(p->author_id.ptr, p->author_id.len) : 0;
    /* Each topic counts a post once, however many of its terms matched. Matches come sorted by
     * position, so look back over the topics already counted (few per post). */
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = m[j].topic == m[i].topic;
        if (seen)
            continue;
        tocsin_status st = agg_add(w->table, m[i].topic, lang, strlen(lang), bucket, has_author,
                                   author);
        if (st != TOCSIN_OK)
            return tc_error_set(&w->err, st, NULL, 0, NULL, "out of memory counting matches");
    }
    return TOCSIN_OK;
}

static tocsin_status process_post(worker *w, const tocsin_post *p)
{
    const tocsin_scan_opts *o = w->ctx->opts;
    const char *norm;
    size_t norm_len, n;
    const uint32_t *map = NULL;
    const tocsin_match *m;
    bool want_hits = o->on_match || o->on_post;
    w->posts++;
    tocsin_status st = tocsin_normalize(w->norm, p->text.ptr, p->text.len, &norm, &norm_len,
                                        want_hits ? &map : NULL, &w->err);
    if (st == TOCSIN_OK)
        st = tocsin_match_text(w->matcher, norm, norm_len, &m, &n, &w->err);
    if (st != TOCSIN_OK)
        return st;
    if (n == 0 && !o->on_post)
        return TOCSIN_OK; /* the scan's hot path: most posts match nothing */
    char lang[16];
    double conf;
    if ((st = post_lang(w, p, lang, &conf)) != TOCSIN_OK)
        return st;
    if (want_hits && n && (st = make_hits(w, p, m, n, map, norm_len)) != TOCSIN_OK)
        return st;
    if (n) {
        w->matched++;
        if (o->on_match) {
            pthread_mutex_lock(&w->ctx->cb_lock);
            o->on_match(o->on_match_ctx, p, lang, w->hits, n);
            pthread_mutex_unlock(&w->ctx->cb_lock);
        }
        if ((st = count_post(w, p, lang, m, n)) != TOCSIN_OK)
            return st;
    }
    if (o->on_post) {
        tocsin_post_info info = {p, lang, conf, norm, norm_len, n ? w->hits : NULL, n};
        st = o->on_post(o->on_post_ctx, (unsigned)(w - w->ctx->workers), &info, &w->err);
    }
    return st;
}

/* Appends n bytes to a growing buffer. */
static bool buf_append(char **b, size_t *len, size_t *cap, const char *src, size_t n)
{
    if (*len + n > *cap) {
        size_t nc = *cap ? *cap : 4096;
        while (nc < *len + n)
            nc *= 2;
        char *nb = realloc(*b, nc);
        if (!nb)
            return false;
        *b = nb;
        *cap = nc;
    }
    if (n)
        memcpy(*b + *len, src, n);
    *len += n;
    return true;
}

/* Counts one pending post with its hits m[0..n). */
static tocsin_status count_pending(worker *w, const pend *q, const tocsin_match *m, size_t n)
{
    if (!n)
        return TOCSIN_OK;
    tocsin_post p;
    memset(&p, 0, sizeof p);
    const char *r = w->raw + q->raw_off;
    p.author_id = (tocsin_strv){r, q->author_len};
    p.lang = (tocsin_strv){q->has_lang ? r + q->author_len : NULL, q->lang_len};
    p.text = (tocsin_strv){r + q->author_len + q->lang_len, q->text_len};
    p.ts = q->ts;
    p.has_ts = q->has_ts;
    p.source = q->source;
    p.line = q->line;
    char lang[16];
    double conf;
    tocsin_status st = post_lang(w, &p, lang, &conf);
    if (st != TOCSIN_OK)
        return st;
    w->matched++;
    return count_post(w, &p, lang, m, n);
}

/* Matches the batch in one call and counts its posts; empties the batch. */
static tocsin_status flush_batch(worker *w)
{
    tocsin_status st = TOCSIN_OK;
    if (!w->npend)
        goto done;
    const tocsin_match *m;
    size_t n;
    tocsin_error e;
    const char *joined = w->norm->out;
    st = tocsin_match_text(w->matcher, joined, w->jlen, &m, &n, &e);
    if (st == TOCSIN_ERR_LIMIT) {
        /* too many hits for one call: match post by post, where the limit belongs */
        for (size_t i = 0; i < w->npend; i++) {
            const pend *q = &w->pends[i];
            if ((st = tocsin_match_text(w->matcher, joined + q->off, q->len, &m, &n,
                                        &w->err)) != TOCSIN_OK ||
                (st = count_pending(w, q, m, n)) != TOCSIN_OK)
                goto done;
        }
        goto done;
    }
    if (st != TOCSIN_OK) {
        w->err = e;
        goto done;
    }
    /* hits are sorted by start and never cross a separator: walk posts and hits together */
    size_t h = 0;
    for (size_t i = 0; i < w->npend && h < n; i++) {
        const pend *q = &w->pends[i];
        size_t end = q->off + q->len, k = h;
        while (k < n && m[k].start < end)
            k++;
        if ((st = count_pending(w, q, m + h, k - h)) != TOCSIN_OK)
            goto done;
        h = k;
    }
done:
    w->npend = w->jlen = w->rawlen = 0;
    return st;
}

/* The batch path of process_post: normalize and queue; match when the batch is full. */
static tocsin_status queue_post(worker *w, const tocsin_post *p)
{
    size_t total;
    w->posts++;
    /* normalized straight after the batch's texts, in the normalizer's buffer */
    tocsin_status st = norm_append(w->norm, w->jlen, p->text.ptr, p->text.len, &total, &w->err);
    if (st != TOCSIN_OK) {
        /* count the posts before this one first, so the failure is the first one in order */
        tocsin_error saved = w->err;
        tocsin_status fst = flush_batch(w);
        if (fst != TOCSIN_OK)
            return fst;
        w->err = saved;
        return st;
    }
    if (!w->pends && !(w->pends = malloc(SCAN_BATCH_POSTS * sizeof *w->pends)))
        return tc_error_set(&w->err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    pend *q = &w->pends[w->npend];
    q->off = w->jlen;
    q->len = total - w->jlen;
    q->raw_off = w->rawlen;
    q->author_len = p->author_id.len;
    q->has_lang = p->lang.ptr != NULL;
    q->lang_len = q->has_lang ? p->lang.len : 0;
    q->text_len = w->keep_text ? p->text.len : 0;
    q->ts = p->ts;
    q->has_ts = p->has_ts;
    q->source = p->source;
    q->line = p->line;
    w->norm->out[total] = '\n'; /* over the NUL: the room is there */
    w->jlen = total + 1;
    if (!buf_append(&w->raw, &w->rawlen, &w->rawcap, p->author_id.ptr, q->author_len) ||
        !buf_append(&w->raw, &w->rawlen, &w->rawcap, p->lang.ptr, q->lang_len) ||
        !buf_append(&w->raw, &w->rawlen, &w->rawcap, p->text.ptr, q->text_len))
        return tc_error_set(&w->err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    w->npend++;
    if (w->npend >= SCAN_BATCH_POSTS || w->jlen >= SCAN_BATCH_BYTES)
        return flush_batch(w);
    return TOCSIN_OK;
}

static tocsin_status run_unit(worker *w, const unit *u)
{
    tocsin_reader *r = NULL;
    tocsin_status st =
        u->ranged ? tocsin_reader_open_range(&w->ctx->opts->read, u->path, u->begin, u->end, &r,
                                             &w->err)
                  : tocsin_reader_open(&w->ctx->opts->read, u->path, &r, &w->err);
    if (st != TOCSIN_OK)
        return st;
    tocsin_post post;
    int got = 0;
    while ((st = tocsin_reader_next(r, &post, &got, &w->err)) == TOCSIN_OK && got) {
        if ((st = w->batch ? queue_post(w, &post) : process_post(w, &post)) != TOCSIN_OK)
            break;
        if (atomic_load_explicit(&w->ctx->stop, memory_order_relaxed))
            break;
    }
    if (w->batch) {
        /* the queued posts come before whatever stopped the loop: count them, and report
         * their failure first if they have one, as the per-post path would */
        tocsin_error saved = w->err;
        tocsin_status fst = flush_batch(w);
        if (fst != TOCSIN_OK)
            st = fst;
        else if (st != TOCSIN_OK)
            w->err = saved;
    }
    tocsin_read_stats s;
    tocsin_reader_stats(r, &s);
    tocsin_read_stats_add(&w->stats, &s);
    tocsin_reader_free(r);
    return st;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    scan_ctx *c = w->ctx;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        size_t i = atomic_load(&c->stop) ? c->nunits : c->next++;
        pthread_mutex_unlock(&c->lock);
        if (i >= c->nunits)
            break;
        w->status = run_unit(w, &c->units[i]);
        if (w->status != TOCSIN_OK) {
            pthread_mutex_lock(&c->lock);
            atomic_store(&c->stop, true);
            pthread_mutex_unlock(&c->lock);
            break;
        }
    }
    return NULL;
}

/* Cuts the inputs into work units. With several threads, a big plain line-framed file is cut into
 * record-aligned ranges (a few per thread, so a slow range does not leave threads idle); every
 * other input is one unit. */
static tocsin_status plan_units(scan_ctx *c, const char *const *paths, size_t npaths,
                                size_t nthreads, tocsin_error *err)
{
    size_t per_file = nthreads > 1 ? nthreads * 4 : 1, cap = npaths ? npaths : 1;
    uint64_t *offs = malloc((per_file + 1) * sizeof *offs);
    c->units = calloc(cap, sizeof *c->units);
    if (!offs || !c->units) {
        free(offs);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    tocsin_status st = TOCSIN_OK;
    for (size_t i = 0; i < npaths && st == TOCSIN_OK; i++) {
        size_t nparts = 1;
        if (per_file > 1 && strcmp(paths[i], "-") != 0 &&
            (st = tocsin_input_split(paths[i], per_file, offs, &nparts, err)) != TOCSIN_OK)
            break;
        if (c->nunits + nparts > cap) {
            size_t ncap = (c->nunits + nparts) * 2;
            unit *u = realloc(c->units, ncap * sizeof *u);
            if (!u) {
                st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
                break;
            }
            c->units = u;
            cap = ncap;
        }
        for (size_t k = 0; k < nparts; k++) {
            unit *u = &c->units[c->nunits++];
            u->path = paths[i];
            u->ranged = nparts > 1;
            u->begin = nparts > 1 ? offs[k] : 0;
            u->end = nparts > 1 ? offs[k + 1] : 0;
        }
    }
    free(offs);
    return st;
}

static tocsin_status worker_init(worker *w, scan_ctx *c)
{
    memset(w, 0, sizeof *w);
    w->ctx = c;
    tocsin_status st = tocsin_norm_new(&w->norm, &w->err);
    if (st == TOCSIN_OK)
        st = tocsin_matcher_new(c->opts->watchlist, &w->matcher, &w->err);
    if (st == TOCSIN_OK && c->opts->langid)
        st = tocsin_lang_state_new(c->opts->langid, &w->lang, &w->err);
    if (st == TOCSIN_OK && !(w->table = agg_new()))
        st = tc_error_set(&w->err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    const tocsin_scan_opts *o = c->opts;
    w->batch = !o->on_match && !o->on_post && match_can_join(o->watchlist, '\n');
    w->keep_text = o->langid && o->lang_source != TOCSIN_LANG_SOURCE_INPUT;
    return st;
}

/* Frees what a worker needed while it ran (everything but its count table). */
static void worker_fini_run(worker *w)
{
    tocsin_norm_free(w->norm);
    tocsin_matcher_free(w->matcher);
    tocsin_lang_state_free(w->lang);
    free(w->hits);
    free(w->raw);
    free(w->pends);
    w->norm = NULL;
    w->matcher = NULL;
    w->lang = NULL;
    w->hits = NULL;
    w->raw = NULL;
    w->pends = NULL;
}

static void worker_fini(worker *w)
{
    worker_fini_run(w);
    agg_free(w->table);
    w->table = NULL;
}

tocsin_status tocsin_scan(const tocsin_scan_opts *opts, const char *const *paths, size_t npaths,
                          tocsin_scan_result **out, tocsin_error *err)
{
    if (!opts->watchlist)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "scan needs a watchlist");
    scan_ctx c = {.opts = opts};
    size_t nthreads = opts->threads ? opts->threads : 1;
    tocsin_status st = TOCSIN_OK;
    tocsin_scan_result *res = calloc(1, sizeof *res);
    worker *ws = calloc(nthreads, sizeof *ws);
    if (!res || !ws) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
        goto out;
    }
    if ((st = plan_units(&c, paths, npaths, nthreads, err)) != TOCSIN_OK)
        goto out;
    if (nthreads > c.nunits && c.nunits > 0)
        nthreads = c.nunits;
    c.workers = ws;
    pthread_mutex_init(&c.lock, NULL);
    pthread_mutex_init(&c.cb_lock, NULL);
    size_t started = 0;
    for (; started < nthreads; started++)
        if ((st = worker_init(&ws[started], &c)) != TOCSIN_OK) {
            *err = ws[started].err;
            started++;
            goto join;
        }
    if (nthreads == 1) {
        worker_main(&ws[0]);
    } else {
        pthread_t *tids = calloc(nthreads, sizeof *tids);
        if (!tids) {
            st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
            goto join;
        }
        size_t running = 0;
        for (; running < nthreads; running++)
            if (pthread_create(&tids[running], NULL, worker_main, &ws[running]) != 0)
                break;
        if (running == 0)
            worker_main(&ws[0]); /* could not start threads: do the work here */
        for (size_t i = 0; i < running; i++)
            pthread_join(tids[i], NULL);
        free(tids);
    }
join:
    for (size_t i = 0; i < started && st == TOCSIN_OK; i++)
        if (ws[i].status != TOCSIN_OK) {
            st = ws[i].status;
            if (err)
                *err = ws[i].err;
        }
    /* The peak of memory is here, when the tables are merged and turned into rows: free every
     * worker's buffers first, and each table as soon as it is merged. */
    for (size_t i = 0; i < started; i++) {
        tocsin_read_stats_add(&res->summary.read, &ws[i].stats);
        res->summary.no_time += ws[i].no_time;
        res->summary.matched += ws[i].matched;
        res->summary.posts += ws[i].posts;
        if (ws[i].lang) {
            tocsin_lang_stats ls;
            tocsin_lang_state_stats(ws[i].lang, &ls);
            res->summary.lang.texts += ls.texts;
            res->summary.lang.bytes += ls.bytes;
            res->summary.lang.by_script += ls.by_script;
            res->summary.lang.by_model += ls.by_model;
            res->summary.lang.by_cld2 += ls.by_cld2;
            res->summary.lang.abstained += ls.abstained;
            res->summary.lang.cache_hits += ls.cache_hits;
        }
        worker_fini_run(&ws[i]);
    }
    for (size_t i = 1; i < started; i++) {
        if (st == TOCSIN_OK && agg_merge(ws[0].table, ws[i].table) != TOCSIN_OK)
            st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
        agg_free(ws[i].table);
        ws[i].table = NULL;
    }
    res->summary.files = npaths;
    if (st == TOCSIN_OK && started > 0 && agg_rows(ws[0].table, &res->rows, &res->nrows) != TOCSIN_OK)
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    for (size_t i = 0; i < started; i++)
        worker_fini(&ws[i]);
    pthread_mutex_destroy(&c.lock);
    pthread_mutex_destroy(&c.cb_lock);
out:
    free(c.units);
    free(ws);
    if (st != TOCSIN_OK) {
        tocsin_scan_result_free(res);
        return st;
    }
    *out = res;
    return TOCSIN_OK;
}

size_t tocsin_scan_rows(const tocsin_scan_result *res, const tocsin_count_row **rows)
{
    *rows = res->rows;
    return res->nrows;
}

const tocsin_scan_summary *tocsin_scan_get_summary(const tocsin_scan_result *res)
{
    return &res->summary;
}

void tocsin_scan_result_free(tocsin_scan_result *res)
{
    if (!res)
        return;
    free(res->rows);
    free(res);
}
