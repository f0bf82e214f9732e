/* surges.c: stage analyse, `surges`: finds when a topic surged in each language, from the
 * store's hourly cells, and gathers the posts behind each surge.
 *
 * Series. For a topic x language the series runs over every bucket (day or hour) from the
 * language's first to its last post in the store, not only where the topic has posts: silence
 * is data. By default it is a share: the topic's measure against all posts of the language in
 * the same bucket (the exposure), so a channel that vanishes or joins moves numerator and
 * denominator together and is not a change; buckets where the language has no post at all have
 * no exposure and are left out (the series positions are mapped back to bucket times). Without
 * share the raw counts are segmented (then churn does show as change, which is sometimes what
 * one wants to see).
 *
 * Methods (all from the stats stage):
 *  - pelt: tocsin_changepoints with its default cost (quasi-Poisson for shares, negative
 *    binomial for counts) and its fixed penalty rule, 3 log n per change in deviance units
 *    divided by the estimated dispersion (see docs/internals/stats.md). Every upward change is
 *    a surge, with the interval on its time, its end (the bucket before the next downward
 *    change, or ongoing) and the rate ratio of its first regime against the regime before.
 *  - esd: seasonal-hybrid ESD, upward only, period 7 (days) or 24 (hours), on the share or count
 *    series: isolated spikes rather than regimes.
 *  - burst: Kleinberg's two-state automaton on the times of the topic's kept posts in the
 *    language (unique: only the posts that opened a near-duplicate cluster).
 *
 * Evidence, per finding, over its time span [start, until): the topic's measure there (from the
 * counts), the kept posts (the store keeps every matched post), the most frequent matched
 * terms, the channels with most posts, the largest near-duplicate clusters (two posts or more)
 * with one original example each (the post that opened the cluster when it matched, else the
 * cluster's earliest kept post), and the first posts. The post table has no time index, so
 * with many findings (or many series, for bursts) the kept posts of the selected topics are
 * copied once per call into a temporary table indexed by topic, language and time, which every
 * finding then queries; with few findings each reads the store directly (the copy would cost
 * more than it saves). */
#include "analyse/analyse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tocsin_surges_result {
    tocsin_surge_finding *f;
    size_t nf, fcap;
    tocsin_surge_series *ser;
    size_t ns, scap;
    void **own; /* every string and evidence array, freed together */
    size_t nown, owncap;
};

const char *tocsin_surge_method_name(tocsin_surge_method m)
{
    return m == TOCSIN_SURGE_ESD ? "esd" : m == TOCSIN_SURGE_BURST ? "burst" : "pelt";
}

const char *tocsin_surges_penalty_rule(void)
{
    return "3 log n per change (modified BIC), in deviance units divided by the estimated "
           "dispersion";
}

void tocsin_surge_query_init(tocsin_surge_query *q)
{
    memset(q, 0, sizeof *q);
    q->measure = TOCSIN_MEASURE_UNIQUE;
    q->by = TOCSIN_BY_DAY;
    q->share = true;
    q->method = TOCSIN_SURGE_PELT;
}

size_t tocsin_surges_findings(const tocsin_surges_result *r, const tocsin_surge_finding **out)
{
    *out = r ? r->f : NULL;
    return r ? r->nf : 0;
}

size_t tocsin_surges_series(const tocsin_surges_result *r, const tocsin_surge_series **out)
{
    *out = r ? r->ser : NULL;
    return r ? r->ns : 0;
}

void tocsin_surges_free(tocsin_surges_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nown; i++)
        free(r->own[i]);
    free(r->own);
    free(r->f);
    free(r->ser);
    free(r);
}

/* Takes ownership of p (NULL p = out of memory). */
static void *own(tocsin_surges_result *r, void *p)
{
    if (!p)
        return NULL;
    if (an_grow((void **)&r->own, &r->owncap, r->nown + 1, sizeof *r->own) != TOCSIN_OK) {
        free(p);
        return NULL;
    }
    r->own[r->nown++] = p;
    return p;
}

static const char *own_str(tocsin_surges_result *r, const char *s)
{
    s = s ? s : "";
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (c)
        memcpy(c, s, n + 1);
    return own(r, c);
}

static const char *col_str(tocsin_surges_result *r, sqlite3_stmt *q, int col)
{
    return own_str(r, (const char *)sqlite3_column_text(q, col));
}

#define OOM(err) tc_error_set((err), TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory")

/* The selected series: topic id, name and language. */
typedef struct series_key {
    int64_t topic;
    char name[64];
    char lang[16];
} series_key;

/* The totals series of a language, shared by every topic's series in that language. */
typedef struct lang_totals {
    char lang[16];
    bool any;          /* the language has posts: lo, hi are its first and last hours */
    int64_t lo, hi;
    uint64_t *t;       /* per bucket (NULL until a bucketed method needs it) */
} lang_totals;

typedef struct an_ctx {
    tocsin_store *s;
    const tocsin_surge_query *q;
    tocsin_surges_result *r;
    int64_t step;
    size_t top;
    lang_totals *cache;
    size_t ncache, cachecap;
    bool use_ev;       /* evidence reads temp.an_ev (built when findings are many) */
} an_ctx;

/* The kept posts of the selected topics and languages, indexed by topic, language and time:
 * one scan of the post table per call instead of several per finding. */
#define SPAN_EV "e.topic = ?4 AND e.lang = ?1 AND e.ts >= ?2 AND e.ts < ?3"
/* The same rows read straight from the store for one span (few findings: cheaper than the copy)
 * or for one topic x language (bursts of a few series). */
#define DIRECT_SPAN                                                                              \
    "(SELECT DISTINCT m.topic AS topic, p.lang AS lang, p.ts AS ts, p.key AS key,"              \
    " p.cluster AS cluster FROM post p JOIN post_match m ON m.key = p.key WHERE p.lang = ?1"   \
    " AND p.ts >= ?2 AND p.ts < ?3 AND m.topic = ?4)"
#define DIRECT_SERIES                                                                            \
    "(SELECT DISTINCT m.topic AS topic, p.lang AS lang, p.ts AS ts, p.key AS key,"              \
    " p.cluster AS cluster FROM post p JOIN post_match m ON m.key = p.key WHERE p.lang = ?1"   \
    " AND m.topic = ?4)"
/* Above this many findings (or series, for bursts) the copy pays for itself. */
#define EV_TABLE_MIN 16

static tocsin_status build_ev_table(tocsin_store *s, int64_t topic, const char *lang,
                                    tocsin_error *err)
{
    tocsin_status rc = store_exec(s, "DROP TABLE IF EXISTS temp.an_ev;"
                                     "CREATE TEMP TABLE an_ev(topic INTEGER, lang TEXT, ts INTEGER,"
                                     " key INTEGER, cluster INTEGER)", err);
    if (rc != TOCSIN_OK)
        return rc;
    sqlite3_stmt *st;
    if ((rc = store_prepare(s,
                            "INSERT INTO temp.an_ev SELECT DISTINCT m.topic, p.lang, p.ts, p.key,"
                            " p.cluster FROM post_match m JOIN post p ON p.key = m.key WHERE"
                            " (?1 IS NULL OR m.topic = ?1) AND (?2 IS NULL OR p.lang = ?2)",
                            &st, err)) != TOCSIN_OK)
        return rc;
    if (topic)
        sqlite3_bind_int64(st, 1, topic);
    if (lang)
        sqlite3_bind_text(st, 2, lang, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_fail(s, "collecting the kept posts", err);
    return store_exec(s, "CREATE INDEX temp.an_ev_i ON an_ev(topic, lang, ts)", err);
}

static void bind_span(sqlite3_stmt *st, const series_key *k, int64_t from, int64_t until)
{
    sqlite3_bind_text(st, 1, k->lang, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, until);
    sqlite3_bind_int64(st, 4, k->topic);
}

static tocsin_status read_post(tocsin_surges_result *r, sqlite3_stmt *st, tocsin_ev_post *p,
                               tocsin_error *err)
{
    p->key = sqlite3_column_int64(st, 0);
    p->id = col_str(r, st, 1);
    p->ts = sqlite3_column_int64(st, 2);
    p->channel = col_str(r, st, 3);
    p->author = col_str(r, st, 4);
    p->lang = col_str(r, st, 5);
    p->text = col_str(r, st, 6);
    p->cluster = sqlite3_column_int64(st, 7);
    if (!p->id || !p->channel || !p->author || !p->lang || !p->text)
        return OOM(err);
    return TOCSIN_OK;
}

/* Runs an evidence query returning (name, posts) rows into a list owned by r. */
static tocsin_status count_list(an_ctx *c, const char *sql, const series_key *k, int64_t from,
                                int64_t until, const tocsin_ev_count **out, size_t *n,
                                tocsin_error *err)
{
    sqlite3_stmt *st;
    tocsin_status rc = store_prepare(c->s, sql, &st, err);
    if (rc != TOCSIN_OK)
        return rc;
    bind_span(st, k, from, until);
    sqlite3_bind_int64(st, 5, (int64_t)c->top);
    tocsin_ev_count *list = own(c->r, calloc(c->top, sizeof *list));
    if (!list) {
        sqlite3_finalize(st);
        return OOM(err);
    }
    size_t m = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && m < c->top) {
        list[m].name = col_str(c->r, st, 0);
        list[m].posts = (uint64_t)sqlite3_column_int64(st, 1);
        if (!list[m++].name) {
            sqlite3_finalize(st);
            return OOM(err);
        }
    }
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return store_fail(c->s, "gathering evidence", err);
    *out = list;
    *n = m;
    return TOCSIN_OK;
}

static tocsin_status post_by_key(an_ctx *c, int64_t key, tocsin_ev_post *p, bool *found,
                                 tocsin_error *err)
{
    sqlite3_stmt *st;
    tocsin_status rc = store_prepare(
        c->s, "SELECT " POST_COLS " FROM post p LEFT JOIN channel c ON c.id = p.channel"
              " WHERE p.key = ?1", &st, err);
    if (rc != TOCSIN_OK)
        return rc;
    sqlite3_bind_int64(st, 1, key);
    *found = false;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *found = true;
        rc = read_post(c->r, st, p, err);
    } else if (s != SQLITE_DONE) {
        rc = store_fail(c->s, "reading a post", err);
    }
    sqlite3_finalize(st);
    return rc;
}

static tocsin_status evidence(an_ctx *c, const series_key *k, tocsin_surge_finding *f,
                              tocsin_error *err)
{
    int64_t from = f->start, until = f->until;
    tocsin_status rc;
    sqlite3_stmt *st;
    /* the topic's measure over the span, from the counts */
    const char *col = c->q->measure == TOCSIN_MEASURE_UNIQUE ? "x.uniq" : "x.posts";
    char sql[2048];
    if (c->q->measure == TOCSIN_MEASURE_AUTHORS)
        snprintf(sql, sizeof sql, "SELECT hll_count(hll_union(x.authors)) FROM counts x WHERE"
                                  " x.lang = ?1 AND x.hour >= ?2 AND x.hour < ?3 AND x.topic = ?4");
    else
        snprintf(sql, sizeof sql, "SELECT coalesce(sum(%s), 0) FROM counts x WHERE x.lang = ?1 AND"
                                  " x.hour >= ?2 AND x.hour < ?3 AND x.topic = ?4", col);
    if ((rc = store_prepare(c->s, sql, &st, err)) != TOCSIN_OK)
        return rc;
    bind_span(st, k, from, until);
    if (sqlite3_step(st) == SQLITE_ROW)
        f->posts = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    const char *src = c->use_ev ? "temp.an_ev" : DIRECT_SPAN;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s e WHERE " SPAN_EV, src);
    if ((rc = store_prepare(c->s, sql, &st, err)) != TOCSIN_OK)
        return rc;
    bind_span(st, k, from, until);
    if (sqlite3_step(st) == SQLITE_ROW)
        f->kept = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    snprintf(sql, sizeof sql,
             "SELECT m.term, count(DISTINCT m.key) AS n FROM %s e JOIN post_match m"
             " ON m.key = e.key AND m.topic = e.topic WHERE " SPAN_EV
             " GROUP BY m.term ORDER BY n DESC, m.term LIMIT ?5", src);
    rc = count_list(c, sql, k, from, until, &f->terms, &f->n_terms, err);
    if (rc != TOCSIN_OK)
        return rc;
    snprintf(sql, sizeof sql,
             "SELECT " CHAN_EXPR ", sum(%s) AS n FROM counts x JOIN channel c ON c.id = x.channel"
             " WHERE x.lang = ?1 AND x.hour >= ?2 AND x.hour < ?3 AND x.topic = ?4"
             " GROUP BY x.channel HAVING n > 0 ORDER BY n DESC, 1 LIMIT ?5", col);
    if ((rc = count_list(c, sql, k, from, until, &f->channels, &f->n_channels, err)) != TOCSIN_OK)
        return rc;
    /* clusters of two posts or more, the largest first */
    snprintf(sql, sizeof sql,
             "SELECT e.cluster, count(*) AS n, min(e.ts), e.key FROM %s e"
             " WHERE " SPAN_EV " GROUP BY e.cluster HAVING n >= 2"
             " ORDER BY n DESC, e.cluster LIMIT ?5", src);
    if ((rc = store_prepare(c->s, sql, &st, err)) != TOCSIN_OK)
        return rc;
    bind_span(st, k, from, until);
    sqlite3_bind_int64(st, 5, (int64_t)c->top);
    tocsin_ev_cluster *cl = own(c->r, calloc(c->top, sizeof *cl));
    int64_t *earliest = calloc(c->top, sizeof *earliest);
    if (!cl || !earliest) {
        free(earliest);
        sqlite3_finalize(st);
        return OOM(err);
    }
    size_t ncl = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && ncl < c->top) {
        cl[ncl].cluster = sqlite3_column_int64(st, 0);
        cl[ncl].posts = (uint64_t)sqlite3_column_int64(st, 1);
        earliest[ncl++] = sqlite3_column_int64(st, 3); /* the row of min(ts) (SQLite rule) */
    }
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
        free(earliest);
        return store_fail(c->s, "gathering clusters", err);
    }
    for (size_t i = 0; i < ncl; i++) {
        bool found = false;
        int64_t first_key = 0;
        if (store_prepare(c->s, "SELECT first_key FROM cluster WHERE id = ?1", &st, NULL) ==
            TOCSIN_OK) {
            sqlite3_bind_int64(st, 1, cl[i].cluster);
            if (sqlite3_step(st) == SQLITE_ROW)
                first_key = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        if (first_key && (rc = post_by_key(c, first_key, &cl[i].example, &found, err)) != TOCSIN_OK)
            break;
        if (!found && (rc = post_by_key(c, earliest[i], &cl[i].example, &found, err)) != TOCSIN_OK)
            break;
    }
    free(earliest);
    if (rc != TOCSIN_OK)
        return rc;
    f->clusters = cl;
    f->n_clusters = ncl;
    /* the first posts */
    snprintf(sql, sizeof sql,
             "SELECT " POST_COLS " FROM %s e JOIN post p ON p.key = e.key"
             " LEFT JOIN channel c ON c.id = p.channel WHERE " SPAN_EV
             " ORDER BY e.ts, e.key LIMIT ?5", src);
    if ((rc = store_prepare(c->s, sql, &st, err)) != TOCSIN_OK)
        return rc;
    bind_span(st, k, from, until);
    sqlite3_bind_int64(st, 5, (int64_t)c->top);
    tocsin_ev_post *fp = own(c->r, calloc(c->top, sizeof *fp));
    size_t nfp = 0;
    if (!fp) {
        sqlite3_finalize(st);
        return OOM(err);
    }
    while (rc == TOCSIN_OK && (s = sqlite3_step(st)) == SQLITE_ROW && nfp < c->top)
        rc = read_post(c->r, st, &fp[nfp++], err);
    sqlite3_finalize(st);
    if (rc != TOCSIN_OK)
        return rc;
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return store_fail(c->s, "reading the first posts", err);
    f->first = fp;
    f->n_first = nfp;
    return TOCSIN_OK;
}

/* Per-bucket values of the language's totals (topic = 0) or the topic's counts. */
static tocsin_status load_series(an_ctx *c, const series_key *k, int64_t topic, int64_t first,
                                 size_t n, uint64_t *out, tocsin_error *err)
{
    char sql[700];
    const char *val = c->q->measure == TOCSIN_MEASURE_AUTHORS  ? "hll_count(hll_union(x.authors))"
                      : c->q->measure == TOCSIN_MEASURE_UNIQUE ? "sum(x.uniq)"
                                                               : "sum(x.posts)";
    snprintf(sql, sizeof sql,
             "SELECT (x.hour - ?2) / ?3 AS b, %s FROM %s x WHERE x.lang = ?1 AND x.hour >= ?2%s"
             " GROUP BY 1", val, topic ? "counts" : "totals", topic ? " AND x.topic = ?4" : "");
    sqlite3_stmt *st;
    tocsin_status rc = store_prepare(c->s, sql, &st, err);
    if (rc != TOCSIN_OK)
        return rc;
    sqlite3_bind_text(st, 1, k->lang, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, first);
    sqlite3_bind_int64(st, 3, c->step);
    if (topic)
        sqlite3_bind_int64(st, 4, topic);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t b = sqlite3_column_int64(st, 0);
        if (b >= 0 && (size_t)b < n)
            out[b] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return store_fail(c->s, "reading a series", err);
    return TOCSIN_OK;
}

static tocsin_surge_finding *new_finding(an_ctx *c, const tocsin_surge_series *ser, size_t si,
                                         tocsin_error *err)
{
    if (an_grow((void **)&c->r->f, &c->r->fcap, c->r->nf + 1, sizeof *c->r->f) != TOCSIN_OK) {
        OOM(err);
        return NULL;
    }
    tocsin_surge_finding *f = &c->r->f[c->r->nf++];
    memset(f, 0, sizeof *f);
    f->topic = ser->topic;
    f->lang = ser->lang;
    f->series = si;
    f->rate_before = f->rate_after = f->value = NAN;
    return f;
}

static tocsin_status run_pelt(an_ctx *c, tocsin_surge_series *ser, size_t si, const uint64_t *y,
                              const double *e, const int64_t *bt, size_t m, tocsin_error *err)
{
    tocsin_cpt_opts o;
    tocsin_cpt_opts_init(&o);
    if (c->q->level > 0)
        o.level = c->q->level;
    tocsin_cpt_result *res = NULL;
    tocsin_error e2;
    tocsin_error_clear(&e2);
    tocsin_status rc = tocsin_changepoints(y, e, m, &o, &res, &e2);
    if (rc == TOCSIN_ERR_USAGE || rc == TOCSIN_ERR_LIMIT || rc == TOCSIN_ERR_STATS) {
        ser->note = own_str(c->r, e2.message);
        return ser->note ? TOCSIN_OK : OOM(err);
    }
    if (rc != TOCSIN_OK) {
        if (err)
            *err = e2;
        return rc;
    }
    ser->analysed = true;
    ser->cost = res->cost;
    ser->penalty = res->penalty;
    ser->dispersion = res->dispersion;
    ser->n_changes = res->n_changes;
    for (size_t i = 0; i < res->n_surges; i++) {
        const tocsin_surge *sg = &res->surges[i];
        tocsin_surge_finding *f = new_finding(c, ser, si, err);
        if (!f) {
            tocsin_cpt_result_free(res);
            return TOCSIN_ERR_NOMEM;
        }
        f->start = bt[sg->start];
        f->start_low = bt[sg->start_low];
        f->start_high = bt[sg->start_high];
        f->end = bt[sg->end];
        f->ongoing = sg->ongoing;
        f->until = bt[sg->end] + c->step;
        f->has_rr = true;
        f->rr = sg->rr;
        for (size_t j = 0; j < res->n_changes; j++)
            if (res->changes[j].pos == sg->start) {
                f->rate_before = res->changes[j].rate_before;
                f->rate_after = res->changes[j].rate_after;
            }
    }
    tocsin_cpt_result_free(res);
    return TOCSIN_OK;
}

static tocsin_status run_esd(an_ctx *c, tocsin_surge_series *ser, size_t si, const uint64_t *y,
                             const double *e, const int64_t *bt, size_t m, tocsin_error *err)
{
    size_t period = c->q->by == TOCSIN_BY_HOUR ? 24 : 7;
    if (m < 2 * period) {
        ser->note = own_str(c->r, "too short for seasonal ESD (fewer than two periods)");
        return ser->note ? TOCSIN_OK : OOM(err);
    }
    double *v = malloc(m * sizeof *v);
    if (!v)
        return OOM(err);
    for (size_t i = 0; i < m; i++)
        v[i] = e ? (double)y[i] / e[i] : (double)y[i];
    tocsin_esd_opts o;
    tocsin_esd_opts_init(&o, period);
    o.direction = TOCSIN_ESD_POS;
    size_t *idx = NULL, nidx = 0;
    tocsin_error e2;
    tocsin_error_clear(&e2);
    tocsin_status rc = tocsin_esd_detect(v, bt, m, &o, &idx, &nidx, &e2);
    if (rc == TOCSIN_ERR_USAGE) {
        free(v);
        ser->note = own_str(c->r, e2.message);
        return ser->note ? TOCSIN_OK : OOM(err);
    }
    if (rc != TOCSIN_OK) {
        free(v);
        if (err)
            *err = e2;
        return rc;
    }
    ser->analysed = true;
    for (size_t i = 0; i < nidx; i++) {
        tocsin_surge_finding *f = new_finding(c, ser, si, err);
        if (!f) {
            rc = TOCSIN_ERR_NOMEM;
            break;
        }
        f->start = f->start_low = f->start_high = f->end = bt[idx[i]];
        f->until = bt[idx[i]] + c->step;
        f->value = v[idx[i]];
    }
    free(idx);
    free(v);
    return rc;
}

static tocsin_status run_burst(an_ctx *c, const series_key *k, tocsin_surge_series *ser,
                               size_t si, tocsin_error *err)
{
    sqlite3_stmt *st;
    char sql[2048];
    snprintf(sql, sizeof sql,
             "SELECT e.ts FROM %s e WHERE e.topic = ?4 AND e.lang = ?1 AND e.ts IS NOT NULL%s"
             " ORDER BY e.ts", c->use_ev ? "temp.an_ev" : DIRECT_SERIES,
             c->q->measure == TOCSIN_MEASURE_UNIQUE
                 ? " AND e.key = (SELECT first_key FROM cluster WHERE id = e.cluster)"
                 : "");
    tocsin_status rc = store_prepare(c->s, sql, &st, err);
    if (rc != TOCSIN_OK)
        return rc;
    sqlite3_bind_text(st, 1, k->lang, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, k->topic);
    int64_t *ts = NULL;
    size_t n = 0, cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (an_grow((void **)&ts, &cap, n + 1, sizeof *ts) != TOCSIN_OK) {
            sqlite3_finalize(st);
            free(ts);
            return OOM(err);
        }
        ts[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        free(ts);
        return store_fail(c->s, "reading post times", err);
    }
    tocsin_burst *b = NULL;
    size_t nb = 0;
    tocsin_error e2;
    tocsin_error_clear(&e2);
    rc = tocsin_bursts_kleinberg(ts, n, 0, 0, &b, &nb, &e2);
    free(ts);
    if (rc == TOCSIN_ERR_USAGE) {
        ser->note = own_str(c->r, e2.message);
        return ser->note ? TOCSIN_OK : OOM(err);
    }
    if (rc != TOCSIN_OK) {
        if (err)
            *err = e2;
        return rc;
    }
    ser->analysed = true;
    ser->n = n;
    for (size_t i = 0; i < nb; i++) {
        tocsin_surge_finding *f = new_finding(c, ser, si, err);
        if (!f) {
            rc = TOCSIN_ERR_NOMEM;
            break;
        }
        f->start = f->start_low = f->start_high = b[i].start;
        f->end = b[i].end;
        f->until = b[i].end + 1;
        f->value = b[i].weight;
    }
    free(b);
    return rc;
}

static tocsin_status one_series(an_ctx *c, const series_key *k, tocsin_error *err)
{
    tocsin_surges_result *r = c->r;
    if (an_grow((void **)&r->ser, &r->scap, r->ns + 1, sizeof *r->ser) != TOCSIN_OK)
        return OOM(err);
    size_t si = r->ns++;
    tocsin_surge_series *ser = &r->ser[si];
    memset(ser, 0, sizeof *ser);
    ser->topic = own_str(r, k->name);
    ser->lang = own_str(r, k->lang);
    ser->note = "";
    ser->penalty = ser->dispersion = NAN;
    if (!ser->topic || !ser->lang)
        return OOM(err);
    tocsin_status rc = TOCSIN_OK;
    lang_totals *lt = NULL;
    for (size_t i = 0; i < c->ncache; i++)
        if (!strcmp(c->cache[i].lang, k->lang))
            lt = &c->cache[i];
    if (!lt) { /* the language's first and last hours (a scan of its totals: once per language) */
        if (an_grow((void **)&c->cache, &c->cachecap, c->ncache + 1, sizeof *c->cache) != TOCSIN_OK)
            return OOM(err);
        lt = &c->cache[c->ncache++];
        memset(lt, 0, sizeof *lt);
        snprintf(lt->lang, sizeof lt->lang, "%s", k->lang);
        sqlite3_stmt *st;
        if ((rc = store_prepare(c->s, "SELECT min(hour), max(hour) FROM totals WHERE lang = ?1",
                                &st, err)) != TOCSIN_OK)
            return rc;
        sqlite3_bind_text(st, 1, k->lang, -1, SQLITE_STATIC);
        lt->any = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
        lt->lo = lt->any ? sqlite3_column_int64(st, 0) : 0;
        lt->hi = lt->any ? sqlite3_column_int64(st, 1) : 0;
        sqlite3_finalize(st);
    }
    int64_t lo = lt->lo, hi = lt->hi;
    if (!lt->any) {
        ser->note = "no posts in this language";
        return TOCSIN_OK;
    }
    ser->first = tocsin_bucket_start(lo, c->q->by);
    ser->last = tocsin_bucket_start(hi, c->q->by);
    if (c->q->method == TOCSIN_SURGE_BURST) {
        rc = run_burst(c, k, ser, si, err);
    } else {
        size_t n = (size_t)((ser->last - ser->first) / c->step) + 1;
        if (n > 200000) {
            ser->note = "more than 200,000 buckets: use a coarser --by";
            return TOCSIN_OK;
        }
        uint64_t *y = calloc(n, sizeof *y), *t = lt->t;
        double *e = malloc(n * sizeof *e);
        int64_t *bt = malloc(n * sizeof *bt);
        if (!t && (t = lt->t = calloc(n, sizeof *t)) &&
            (rc = load_series(c, k, 0, ser->first, n, t, err)) != TOCSIN_OK)
            t = NULL;
        if (rc == TOCSIN_OK && (!y || !t || !e || !bt)) {
            rc = OOM(err);
        } else if (rc == TOCSIN_OK &&
                   (rc = load_series(c, k, k->topic, ser->first, n, y, err)) == TOCSIN_OK) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                if (c->q->share && !t[i])
                    continue; /* no exposure: no post at all in the language */
                y[m] = y[i];
                e[m] = (double)t[i];
                bt[m++] = ser->first + (int64_t)i * c->step;
            }
            ser->n = m;
            if (c->q->method == TOCSIN_SURGE_PELT)
                rc = run_pelt(c, ser, si, y, c->q->share ? e : NULL, bt, m, err);
            else
                rc = run_esd(c, ser, si, y, c->q->share ? e : NULL, bt, m, err);
        }
        free(y);
        free(e);
        free(bt);
    }
    return rc;
}

tocsin_status tocsin_surges(tocsin_store *s, const tocsin_surge_query *q,
                            tocsin_surges_result **out, tocsin_error *err)
{
    if (!s || !q || !out)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "missing argument");
    if (q->by != TOCSIN_BY_DAY && q->by != TOCSIN_BY_HOUR)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "by", "surges are found by day or hour");
    if ((unsigned)q->measure > TOCSIN_MEASURE_AUTHORS || (unsigned)q->method > TOCSIN_SURGE_BURST)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "unknown option value");
    if (q->level != 0 && !(q->level > 0 && q->level < 1))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "level", "level must be in (0, 1)");
    an_ctx c = {s, q, NULL, q->by == TOCSIN_BY_HOUR ? 3600 : AN_DAY, q->top ? q->top : 5, NULL, 0, 0,
                false};
    if (c.top > 1000)
        c.top = 1000;
    if (!(c.r = calloc(1, sizeof *c.r)))
        return OOM(err);
    series_key *keys = NULL;
    size_t nk = 0, kcap = 0;
    sqlite3_stmt *st = NULL;
    tocsin_status rc = store_exec(s, "BEGIN", err); /* one snapshot for every query */
    if (rc != TOCSIN_OK) {
        tocsin_surges_free(c.r);
        return rc;
    }
    int64_t tid = 0;
    if (q->topic && (rc = an_topic_id(s, q->topic, &tid, err)) != TOCSIN_OK)
        goto out;
    if ((rc = store_prepare(s,
                            "SELECT DISTINCT t.id, t.name, x.lang FROM counts x JOIN topic t ON"
                            " t.id = x.topic WHERE (?1 IS NULL OR t.id = ?1) AND"
                            " (?2 IS NULL OR x.lang = ?2) ORDER BY t.name, x.lang",
                            &st, err)) != TOCSIN_OK)
        goto out;
    if (q->topic)
        sqlite3_bind_int64(st, 1, tid);
    if (q->lang)
        sqlite3_bind_text(st, 2, q->lang, -1, SQLITE_STATIC);
    int sr;
    while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
        if (an_grow((void **)&keys, &kcap, nk + 1, sizeof *keys) != TOCSIN_OK) {
            rc = OOM(err);
            goto out;
        }
        keys[nk].topic = sqlite3_column_int64(st, 0);
        an_col_text(st, 1, keys[nk].name, sizeof keys[nk].name);
        an_col_text(st, 2, keys[nk].lang, sizeof keys[nk].lang);
        nk++;
    }
    if (sr != SQLITE_DONE) {
        rc = store_fail(s, "listing series", err);
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    /* bursts read every selected series' post times: with many series, copy them once */
    if (q->method == TOCSIN_SURGE_BURST && nk > EV_TABLE_MIN) {
        if ((rc = build_ev_table(s, tid, q->lang, err)) != TOCSIN_OK)
            goto out;
        c.use_ev = true;
    }
    for (size_t i = 0; rc == TOCSIN_OK && i < nk; i++)
        rc = one_series(&c, &keys[i], err);
    /* evidence: series i is keys[i]; with many findings, one copy of the kept posts first */
    if (rc == TOCSIN_OK && !c.use_ev && c.r->nf > EV_TABLE_MIN) {
        if ((rc = build_ev_table(s, tid, q->lang, err)) != TOCSIN_OK)
            goto out;
        c.use_ev = true;
    }
    for (size_t i = 0; rc == TOCSIN_OK && i < c.r->nf; i++)
        rc = evidence(&c, &keys[c.r->f[i].series], &c.r->f[i], err);
out:
    sqlite3_finalize(st);
    store_exec(s, "COMMIT", NULL);
    store_exec(s, "DROP TABLE IF EXISTS temp.an_ev", NULL);
    free(keys);
    for (size_t i = 0; i < c.ncache; i++)
        free(c.cache[i].t);
    free(c.cache);
    if (rc != TOCSIN_OK) {
        tocsin_surges_free(c.r);
        return rc;
    }
    *out = c.r;
    return TOCSIN_OK;
}
