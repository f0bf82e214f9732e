/* query.c: reading the store: trend series (topic x language x bucket with the denominators of
 * the same language and bucket) and coverage (sources, channels, their gaps). Only reads: safe
 * to run while an ingest writes (WAL readers see the last committed state). */
#include "store/store_int.h"

#include "agg/hll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- per (language, bucket) denominators ---- */

typedef struct denom {
    uint32_t lang; /* index into the language list */
    int64_t bucket;
    uint64_t posts, uniq;
    hll authors;
    uint32_t channels, joined, left;
} denom;

typedef struct denoms {
    denom *d;
    size_t n, cap;
    uint32_t *slots;
    size_t slots_cap;
    char (*langs)[16];
    size_t nlangs, langs_cap;
} denoms;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static int lang_index(denoms *m, const char *lang, uint32_t *out, bool add)
{
    for (size_t i = 0; i < m->nlangs; i++)
        if (!strcmp(m->langs[i], lang)) {
            *out = (uint32_t)i;
            return 1;
        }
    if (!add)
        return 0;
    if (m->nlangs == m->langs_cap) {
        size_t cap = m->langs_cap ? m->langs_cap * 2 : 16;
        void *p = realloc(m->langs, cap * sizeof *m->langs);
        if (!p)
            return -1;
        m->langs = p;
        m->langs_cap = cap;
    }
    snprintf(m->langs[m->nlangs], 16, "%s", lang);
    *out = (uint32_t)m->nlangs++;
    return 1;
}

static size_t dhash(uint32_t lang, int64_t bucket) { return mix64((uint64_t)bucket * 31 + lang); }

/* The entry of (lang, bucket); created when add. NULL when absent (or out of memory: *oom). */
static denom *denom_get(denoms *m, uint32_t lang, int64_t bucket, bool add, bool *oom)
{
    if (add && (m->n + 1) * 2 > m->slots_cap) {
        size_t cap = m->slots_cap ? m->slots_cap * 2 : 256;
        uint32_t *s = calloc(cap, sizeof *s);
        if (!s) {
            *oom = true;
            return NULL;
        }
        for (size_t i = 0; i < m->n; i++) {
            size_t j = dhash(m->d[i].lang, m->d[i].bucket) & (cap - 1);
            while (s[j])
                j = (j + 1) & (cap - 1);
            s[j] = (uint32_t)i + 1;
        }
        free(m->slots);
        m->slots = s;
        m->slots_cap = cap;
    }
    if (!m->slots_cap)
        return NULL;
    size_t mask = m->slots_cap - 1, j = dhash(lang, bucket) & mask;
    while (m->slots[j]) {
        denom *d = &m->d[m->slots[j] - 1];
        if (d->lang == lang && d->bucket == bucket)
            return d;
        j = (j + 1) & mask;
    }
    if (!add)
        return NULL;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        denom *nd = realloc(m->d, cap * sizeof *nd);
        if (!nd) {
            *oom = true;
            return NULL;
        }
        m->d = nd;
        m->cap = cap;
    }
    denom *d = &m->d[m->n];
    memset(d, 0, sizeof *d);
    d->lang = lang;
    d->bucket = bucket;
    hll_init(&d->authors);
    m->slots[j] = (uint32_t)++m->n;
    return d;
}

static void denoms_free(denoms *m)
{
    for (size_t i = 0; i < m->n; i++)
        hll_free(&m->d[i].authors);
    free(m->d);
    free(m->slots);
    free(m->langs);
}

static int64_t bucket_next(int64_t b, tocsin_bucket by)
{
    static const int64_t step[] = {3600, 86400, 7 * 86400, 32 * 86400};
    return tocsin_bucket_start(b + step[by], by);
}

static const char channel_filter[] =
    " AND (?3 IS NULL OR x.channel IN (SELECT id FROM channel WHERE channel = ?3 OR name = ?3))";

static void bind_filters(sqlite3_stmt *q, const tocsin_trend_query *tq)
{
    if (tq->topic)
        sqlite3_bind_text(q, 1, tq->topic, -1, SQLITE_STATIC);
    if (tq->lang)
        sqlite3_bind_text(q, 2, tq->lang, -1, SQLITE_STATIC);
    if (tq->channel)
        sqlite3_bind_text(q, 3, tq->channel, -1, SQLITE_STATIC);
}

/* Loads the denominators of every language and bucket within the language/channel filters,
 * with the channels active per bucket and the channels that start or stop there. */
static tocsin_status load_denoms(tocsin_store *s, const tocsin_trend_query *tq, denoms *m,
                                 tocsin_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT x.lang, x.channel, x.hour, x.posts, x.uniq, x.authors FROM totals x"
             " WHERE (?1 IS NULL OR ?1 IS NOT NULL) AND (?2 IS NULL OR x.lang = ?2)%s"
             " ORDER BY x.lang, x.channel, x.hour", channel_filter);
    sqlite3_stmt *q;
    tocsin_status st = store_prepare(s, sql, &q, err);
    if (st != TOCSIN_OK)
        return st;
    bind_filters(q, tq);
    int64_t gmin = INT64_MAX, gmax = INT64_MIN;
    int rc;
    char cur_lang[16] = "";
    int64_t cur_chan = -1, last_bucket = INT64_MIN;
    denom *first = NULL, *last = NULL;
    bool oom = false;
    /* first/last buckets per (lang, channel) group, applied after the global range is known */
    typedef struct edge {
        uint32_t lang;
        int64_t first, last;
    } edge;
    edge *edges = NULL;
    size_t nedges = 0, edges_cap = 0;
    (void)first;
    (void)last;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *lang = (const char *)sqlite3_column_text(q, 0);
        int64_t chan = sqlite3_column_int64(q, 1);
        int64_t b = tocsin_bucket_start(sqlite3_column_int64(q, 2), tq->by);
        uint32_t li;
        if (lang_index(m, lang ? lang : "und", &li, true) < 0) {
            oom = true;
            break;
        }
        denom *d = denom_get(m, li, b, true, &oom);
        if (!d)
            break;
        d->posts += (uint64_t)sqlite3_column_int64(q, 3);
        d->uniq += (uint64_t)sqlite3_column_int64(q, 4);
        const void *blob = sqlite3_column_blob(q, 5);
        if (blob && hll_merge_blob(&d->authors, blob, (size_t)sqlite3_column_bytes(q, 5)) !=
                        TOCSIN_OK) {
            st = tc_error_set(err, TOCSIN_ERR_STORE, s->path, 0, "totals.authors",
                              "malformed HyperLogLog blob");
            break;
        }
        bool new_group = chan != cur_chan || strcmp(cur_lang, lang ? lang : "und");
        if (new_group) {
            if (nedges == edges_cap) {
                size_t cap = edges_cap ? edges_cap * 2 : 256;
                edge *ne = realloc(edges, cap * sizeof *ne);
                if (!ne) {
                    oom = true;
                    break;
                }
                edges = ne;
                edges_cap = cap;
            }
            edges[nedges].lang = li;
            edges[nedges].first = b;
            nedges++;
            cur_chan = chan;
            snprintf(cur_lang, sizeof cur_lang, "%s", lang ? lang : "und");
            last_bucket = INT64_MIN;
        }
        edges[nedges - 1].last = b;
        if (b != last_bucket)
            d->channels++;
        last_bucket = b;
        if (b < gmin)
            gmin = b;
        if (b > gmax)
            gmax = b;
    }
    if (st == TOCSIN_OK && oom)
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    else if (st == TOCSIN_OK && rc != SQLITE_DONE)
        st = store_fail(s, "reading totals", err);
    sqlite3_finalize(q);
    for (size_t i = 0; st == TOCSIN_OK && i < nedges; i++) {
        denom *d;
        if (edges[i].first != gmin && (d = denom_get(m, edges[i].lang, edges[i].first, false, &oom)))
            d->joined++;
        if (edges[i].last != gmax && (d = denom_get(m, edges[i].lang, edges[i].last, false, &oom)))
            d->left++;
    }
    free(edges);
    return st;
}

static tocsin_status push_row(tocsin_trend_row **rows, size_t *n, size_t *cap,
                              const tocsin_trend_row *r)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        tocsin_trend_row *p = realloc(*rows, c * sizeof *p);
        if (!p)
            return TOCSIN_ERR_NOMEM;
        *rows = p;
        *cap = c;
    }
    (*rows)[(*n)++] = *r;
    return TOCSIN_OK;
}

typedef struct series_pt {
    int64_t bucket;
    uint64_t posts, uniq, authors;
} series_pt;

/* Emits the rows of one topic x language from its accumulated points (sorted by bucket), with
 * zeros in empty buckets between the first and the last. */
static tocsin_status emit_series(const char *topic, const char *lang, const series_pt *pts,
                                 size_t npts, tocsin_bucket by, denoms *m, tocsin_trend_row **rows,
                                 size_t *n, size_t *cap)
{
    if (!npts)
        return TOCSIN_OK;
    uint32_t li = 0;
    bool has_lang = lang_index(m, lang, &li, false) > 0, oom = false;
    size_t k = 0;
    for (int64_t b = pts[0].bucket; b <= pts[npts - 1].bucket; b = bucket_next(b, by)) {
        tocsin_trend_row r;
        memset(&r, 0, sizeof r);
        snprintf(r.topic, sizeof r.topic, "%s", topic);
        snprintf(r.lang, sizeof r.lang, "%s", lang);
        r.bucket = b;
        if (k < npts && pts[k].bucket == b) {
            r.posts = pts[k].posts;
            r.unique = pts[k].uniq;
            r.authors = pts[k].authors;
            k++;
        }
        denom *d = has_lang ? denom_get(m, li, b, false, &oom) : NULL;
        if (d) {
            r.total_posts = d->posts;
            r.total_unique = d->uniq;
            r.total_authors = (uint64_t)(hll_estimate(&d->authors) + 0.5);
            r.channels = d->channels;
            r.joined = d->joined;
            r.left = d->left;
        }
        if (push_row(rows, n, cap, &r) != TOCSIN_OK)
            return TOCSIN_ERR_NOMEM;
    }
    return TOCSIN_OK;
}

tocsin_status tocsin_store_trend(tocsin_store *s, const tocsin_trend_query *tq,
                                 tocsin_trend_row **rows_out, size_t *n_out, tocsin_error *err)
{
    if ((unsigned)tq->by > TOCSIN_BY_MONTH)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "by", "unknown bucket size");
    denoms m;
    memset(&m, 0, sizeof m);
    tocsin_trend_row *rows = NULL;
    size_t n = 0, cap = 0, npts = 0, pcap = 0;
    series_pt *pts = NULL;
    hll h;
    hll_init(&h);
    sqlite3_stmt *q = NULL;
    tocsin_status st = store_exec(s, "BEGIN", err); /* one snapshot for both queries */
    if (st != TOCSIN_OK)
        return st;
    if ((st = load_denoms(s, tq, &m, err)) != TOCSIN_OK)
        goto out;
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT t.name, x.lang, x.hour, x.posts, x.uniq, x.authors FROM counts x"
             " JOIN topic t ON t.id = x.topic WHERE (?1 IS NULL OR t.name = ?1)"
             " AND (?2 IS NULL OR x.lang = ?2)%s ORDER BY t.name, x.lang, x.hour",
             channel_filter);
    if ((st = store_prepare(s, sql, &q, err)) != TOCSIN_OK)
        goto out;
    bind_filters(q, tq);
    char topic[64] = "", lang[16] = "";
    int rc;
    bool any = false;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        const char *l = (const char *)sqlite3_column_text(q, 1);
        int64_t b = tocsin_bucket_start(sqlite3_column_int64(q, 2), tq->by);
        t = t ? t : "";
        l = l ? l : "und";
        bool new_series = !any || strncmp(topic, t, sizeof topic - 1) || strcmp(lang, l);
        if (new_series || pts[npts - 1].bucket != b) {
            if (npts)
                pts[npts - 1].authors = (uint64_t)(hll_estimate(&h) + 0.5);
            hll_clear(&h);
        }
        if (new_series) {
            if (any && (st = emit_series(topic, lang, pts, npts, tq->by, &m, &rows, &n, &cap)) !=
                           TOCSIN_OK)
                break;
            npts = 0;
            snprintf(topic, sizeof topic, "%s", t);
            snprintf(lang, sizeof lang, "%s", l);
            any = true;
        }
        if (!npts || pts[npts - 1].bucket != b) {
            if (npts == pcap) {
                size_t c = pcap ? pcap * 2 : 64;
                series_pt *np = realloc(pts, c * sizeof *np);
                if (!np) {
                    st = TOCSIN_ERR_NOMEM;
                    break;
                }
                pts = np;
                pcap = c;
            }
            memset(&pts[npts], 0, sizeof pts[npts]);
            pts[npts++].bucket = b;
        }
        pts[npts - 1].posts += (uint64_t)sqlite3_column_int64(q, 3);
        pts[npts - 1].uniq += (uint64_t)sqlite3_column_int64(q, 4);
        const void *blob = sqlite3_column_blob(q, 5);
        if (blob && hll_merge_blob(&h, blob, (size_t)sqlite3_column_bytes(q, 5)) != TOCSIN_OK) {
            st = tc_error_set(err, TOCSIN_ERR_STORE, s->path, 0, "counts.authors",
                              "malformed HyperLogLog blob");
            goto out;
        }
    }
    if (st == TOCSIN_OK && rc != SQLITE_DONE)
        st = store_fail(s, "reading counts", err);
    if (st == TOCSIN_OK && npts) {
        pts[npts - 1].authors = (uint64_t)(hll_estimate(&h) + 0.5);
        st = emit_series(topic, lang, pts, npts, tq->by, &m, &rows, &n, &cap);
    }
    if (st == TOCSIN_ERR_NOMEM)
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
out:
    sqlite3_finalize(q);
    store_exec(s, "COMMIT", NULL);
    hll_free(&h);
    free(pts);
    denoms_free(&m);
    if (st != TOCSIN_OK) {
        free(rows);
        return st;
    }
    *rows_out = rows;
    *n_out = n;
    return TOCSIN_OK;
}

/* ---- coverage ---- */

struct tocsin_coverage {
    tocsin_source_info *sources;
    size_t nsources;
    tocsin_channel_info *channels;
    size_t nchannels;
    char **strings;
    size_t nstrings, strings_cap;
    tocsin_gap **gap_arrays;
};

static const char *keep(tocsin_coverage *c, const unsigned char *t, bool *oom)
{
    if (c->nstrings == c->strings_cap) {
        size_t cap = c->strings_cap ? c->strings_cap * 2 : 64;
        char **p = realloc(c->strings, cap * sizeof *p);
        if (!p) {
            *oom = true;
            return "";
        }
        c->strings = p;
        c->strings_cap = cap;
    }
    char *s = strdup(t ? (const char *)t : "");
    if (!s) {
        *oom = true;
        return "";
    }
    c->strings[c->nstrings++] = s;
    return s;
}

void tocsin_coverage_free(tocsin_coverage *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nstrings; i++)
        free(c->strings[i]);
    free(c->strings);
    for (size_t i = 0; i < c->nchannels; i++)
        free((void *)c->channels[i].gaps);
    free(c->channels);
    free(c->sources);
    free(c);
}

size_t tocsin_coverage_sources(const tocsin_coverage *c, const tocsin_source_info **out)
{
    *out = c->sources;
    return c->nsources;
}

size_t tocsin_coverage_channels(const tocsin_coverage *c, const tocsin_channel_info **out)
{
    *out = c->channels;
    return c->nchannels;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Fills gaps and flags of one channel from its days with posts (sorted, distinct). */
static tocsin_status channel_gaps(tocsin_channel_info *ci, const int64_t *days, size_t n,
                                  int64_t store_first, int64_t store_last)
{
    int64_t thr = 3;
    if (n >= 2) {
        int64_t *iv = malloc((n - 1) * sizeof *iv);
        if (!iv)
            return TOCSIN_ERR_NOMEM;
        for (size_t i = 0; i + 1 < n; i++)
            iv[i] = days[i + 1] - days[i];
        qsort(iv, n - 1, sizeof *iv, cmp_i64);
        int64_t med = iv[(n - 2) / 2];
        free(iv);
        if (5 * med > thr)
            thr = 5 * med;
    }
    tocsin_gap *gaps = NULL;
    size_t ng = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (days[i + 1] - days[i] > thr) {
            tocsin_gap *g2 = realloc(gaps, (ng + 1) * sizeof *g2);
            if (!g2) {
                free(gaps);
                return TOCSIN_ERR_NOMEM;
            }
            gaps = g2;
            gaps[ng].from = (days[i] + 1) * 86400;
            gaps[ng].to = days[i + 1] * 86400;
            ng++;
        }
    ci->gaps = gaps;
    ci->n_gaps = ng;
    ci->joined_late = n && days[0] - store_first > thr;
    ci->vanished = n && store_last - days[n - 1] > thr;
    return TOCSIN_OK;
}

tocsin_status tocsin_store_coverage(tocsin_store *s, tocsin_coverage **out, tocsin_error *err)
{
    tocsin_coverage *c = calloc(1, sizeof *c);
    if (!c)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    bool oom = false;
    sqlite3_stmt *q = NULL;
    int64_t *days = NULL;
    size_t ndays = 0, dcap = 0;
    tocsin_status st = store_exec(s, "BEGIN", err);
    if (st != TOCSIN_OK) {
        free(c);
        return st;
    }
    if ((st = store_prepare(s,
                            "SELECT path, sha256, format, watchlist, status, size, records, posts,"
                            " skipped, new_posts, duplicates, ingested, skipped_detail FROM source"
                            " ORDER BY id",
                            &q, err)) != TOCSIN_OK)
        goto out;
    int rc;
    size_t scap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && !oom) {
        if (c->nsources == scap) {
            scap = scap ? scap * 2 : 16;
            tocsin_source_info *p = realloc(c->sources, scap * sizeof *p);
            if (!p) {
                oom = true;
                break;
            }
            c->sources = p;
        }
        tocsin_source_info *si = &c->sources[c->nsources++];
        si->path = keep(c, sqlite3_column_text(q, 0), &oom);
        si->sha256 = keep(c, sqlite3_column_text(q, 1), &oom);
        si->format = keep(c, sqlite3_column_text(q, 2), &oom);
        si->watchlist_hash = keep(c, sqlite3_column_text(q, 3), &oom);
        si->status = keep(c, sqlite3_column_text(q, 4), &oom);
        si->size = (uint64_t)sqlite3_column_int64(q, 5);
        si->records = (uint64_t)sqlite3_column_int64(q, 6);
        si->posts = (uint64_t)sqlite3_column_int64(q, 7);
        si->skipped = (uint64_t)sqlite3_column_int64(q, 8);
        si->new_posts = (uint64_t)sqlite3_column_int64(q, 9);
        si->duplicates = (uint64_t)sqlite3_column_int64(q, 10);
        si->ingested = sqlite3_column_int64(q, 11);
        si->skipped_detail = keep(c, sqlite3_column_text(q, 12), &oom);
    }
    if (!oom && rc != SQLITE_DONE && rc != SQLITE_ROW)
        st = store_fail(s, "reading sources", err);
    sqlite3_finalize(q);
    q = NULL;
    if (st != TOCSIN_OK || oom)
        goto out;
    int64_t store_first = 0, store_last = 0;
    if ((st = store_prepare(s, "SELECT min(hour), max(hour) FROM totals", &q, err)) != TOCSIN_OK)
        goto out;
    if (sqlite3_step(q) == SQLITE_ROW) {
        store_first = sqlite3_column_int64(q, 0) / 86400;
        store_last = sqlite3_column_int64(q, 1) / 86400;
    }
    sqlite3_finalize(q);
    q = NULL;
    if ((st = store_prepare(s,
                            "SELECT c.id, c.platform, c.channel, c.name, x.hour / 86400, sum(x.posts),"
                            " min(x.hour), max(x.hour) FROM totals x JOIN channel c ON c.id = x.channel"
                            " GROUP BY c.id, x.hour / 86400 ORDER BY c.id, x.hour / 86400",
                            &q, err)) != TOCSIN_OK)
        goto out;
    int64_t cur = -1;
    size_t ccap = 0;
    tocsin_channel_info *ci = NULL;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && !oom) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (id != cur) {
            if (ci && (st = channel_gaps(ci, days, ndays, store_first, store_last)) != TOCSIN_OK)
                break;
            if (c->nchannels == ccap) {
                ccap = ccap ? ccap * 2 : 64;
                tocsin_channel_info *p = realloc(c->channels, ccap * sizeof *p);
                if (!p) {
                    oom = true;
                    break;
                }
                c->channels = p;
            }
            ci = &c->channels[c->nchannels++];
            memset(ci, 0, sizeof *ci);
            ci->platform = keep(c, sqlite3_column_text(q, 1), &oom);
            ci->channel = keep(c, sqlite3_column_text(q, 2), &oom);
            ci->name = keep(c, sqlite3_column_text(q, 3), &oom);
            ci->first = sqlite3_column_int64(q, 6);
            ndays = 0;
            cur = id;
        }
        if (ndays == dcap) {
            dcap = dcap ? dcap * 2 : 256;
            int64_t *p = realloc(days, dcap * sizeof *p);
            if (!p) {
                oom = true;
                break;
            }
            days = p;
        }
        days[ndays++] = sqlite3_column_int64(q, 4);
        ci->posts += (uint64_t)sqlite3_column_int64(q, 5);
        ci->last = sqlite3_column_int64(q, 7);
    }
    if (st == TOCSIN_OK && !oom && ci)
        st = channel_gaps(ci, days, ndays, store_first, store_last);
    if (st == TOCSIN_OK && !oom && rc != SQLITE_DONE)
        st = store_fail(s, "reading channels", err);
out:
    sqlite3_finalize(q);
    store_exec(s, "COMMIT", NULL);
    free(days);
    if (st == TOCSIN_OK && oom)
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    else if (st == TOCSIN_ERR_NOMEM)
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    if (st != TOCSIN_OK) {
        tocsin_coverage_free(c);
        return st;
    }
    *out = c;
    return TOCSIN_OK;
}
