/* compare.c: stage analyse, `compare`: the rate ratio of a topic between two windows, per
 * language, per channel or overall, from the store's hourly cells.
 *
 * What is compared. For each row (a language, a channel, or everything) and each window the
 * store gives the topic's measure x (posts, unique posts, or distinct authors) and the same
 * measure over ALL posts of the row's languages and channels, t. With --normalize share the
 * exposure of a window is t, so the ratio is the change of the topic's share of chatter: a
 * channel that vanishes or joins changes t as much as x and does not fake a trend. With per-day
 * the exposure is the number of days, so the ratio is the change of daily volume.
 *
 * Intervals come from the stats stage (tocsin_rate_ratio_compute): the exact conditional
 * binomial interval and a quasi-Poisson interval whose dispersion is estimated per window from
 * the row's daily counts (days without any post of the row's languages and channels have no
 * exposure and are left out of the daily counts of a share); the wider is reported. Distinct
 * authors are not additive over days, so for that measure no daily counts are given and only
 * the exact interval exists (it ignores the 0.8 % HyperLogLog error, small next to it up to
 * some 10,000 authors). p-values are adjusted with Benjamini-Hochberg across the ok rows of the
 * call. Leave-one-out: the row's ratio recomputed without each of its channels (posts and, for
 * shares, exposure), so a change carried by one channel shows as a wide loo range.
 *
 * Data flow: two grouped SQL queries (totals, then the topic's counts) ordered by row key,
 * channel and day, so rows and channels arrive in order and are found by binary search; memory
 * is rows x days plus rows x channels. Windows are whole UTC days (at most 3,660 days from the
 * first to the last day of the two windows). */
#include "analyse/analyse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMP_MAX_DAYS 3660

tocsin_status an_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return TOCSIN_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *np = realloc(*p, c * size);
    if (!np)
        return TOCSIN_ERR_NOMEM;
    *p = np;
    *cap = c;
    return TOCSIN_OK;
}

void an_col_text(sqlite3_stmt *q, int col, char *buf, size_t cap)
{
    const char *t = (const char *)sqlite3_column_text(q, col);
    snprintf(buf, cap, "%s", t ? t : "");
}

tocsin_status an_topic_id(tocsin_store *s, const char *topic, int64_t *id, tocsin_error *err)
{
    sqlite3_stmt *q;
    tocsin_status st = store_prepare(s, "SELECT id FROM topic WHERE name = ?1", &q, err);
    if (st != TOCSIN_OK)
        return st;
    sqlite3_bind_text(q, 1, topic, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW)
        return TOCSIN_OK;
    if (rc != SQLITE_DONE)
        return store_fail(s, "looking up the topic", err);
    /* name the topics the store has (the first few) */
    char list[400] = "";
    size_t len = 0, count = 0;
    if (store_prepare(s, "SELECT name FROM topic ORDER BY name", &q, NULL) == TOCSIN_OK) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(q, 0);
            if (count++ < 12 && len + strlen(t ? t : "") + 8 < sizeof list)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
                                        t ? t : "");
        }
        sqlite3_finalize(q);
    }
    if (count > 12)
        snprintf(list + len, sizeof list - len, ", ... (%zu topics)", count);
    if (!count)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "topic",
                            "unknown topic '%s': the store has no topics (run tocsin ingest)",
                            topic);
    return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "topic",
                        "unknown topic '%s' (the store has: %s)", topic, list);
}

tocsin_status tocsin_measure_parse(const char *s, tocsin_measure *out)
{
    if (!s)
        return TOCSIN_ERR_USAGE;
    if (!strcmp(s, "posts"))
        *out = TOCSIN_MEASURE_POSTS;
    else if (!strcmp(s, "unique"))
        *out = TOCSIN_MEASURE_UNIQUE;
    else if (!strcmp(s, "authors"))
        *out = TOCSIN_MEASURE_AUTHORS;
    else
        return TOCSIN_ERR_USAGE;
    return TOCSIN_OK;
}

const char *tocsin_measure_name(tocsin_measure m)
{
    return m == TOCSIN_MEASURE_UNIQUE ? "unique" : m == TOCSIN_MEASURE_AUTHORS ? "authors" : "posts";
}

static bool parse_day(const char *s, size_t n, int64_t *out)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return false;
    *out = tc_days_from_civil(y, (int)m, (int)d) * AN_DAY;
    return true;
}

tocsin_status tocsin_day_range_parse(const char *s, int64_t *from, int64_t *to, tocsin_error *err)
{
    const char *dots = s ? strstr(s, "..") : NULL;
    if (!dots)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "window",
                            "'%s' is not a range FROM..TO of days (YYYY-MM-DD..YYYY-MM-DD)",
                            s ? s : "");
    int64_t a, b;
    if (!parse_day(s, (size_t)(dots - s), &a))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "window",
                            "'%.*s' is not a date YYYY-MM-DD", (int)(dots - s), s);
    if (!parse_day(dots + 2, strlen(dots + 2), &b))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "window",
                            "'%s' is not a date YYYY-MM-DD", dots + 2);
    if (b < a)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "window",
                            "'%s' ends before it starts", s);
    *from = a;
    *to = b + AN_DAY;
    return TOCSIN_OK;
}

/* ---- rows being built ---- */

typedef struct chan_acc {
    int64_t id;
    uint64_t p[2], t[2]; /* topic measure and total, per window */
} chan_acc;

typedef struct grp {
    char key[192];
    uint64_t *dp, *dt;   /* per day: topic measure, total */
    uint64_t wp[2], wt[2];
    chan_acc *ch;
    size_t nch, chcap;
} grp;

typedef struct cmp_ctx {
    tocsin_store *s;
    const tocsin_compare_query *q;
    int64_t lo;          /* first day of the span */
    size_t ndays;
    grp *g;
    size_t ng, gcap;
    uint64_t store_posts[2]; /* all posts of the store per window */
} cmp_ctx;

static int window_of(const tocsin_compare_query *q, int64_t day)
{
    if (day >= q->before_from && day < q->before_to)
        return 0;
    if (day >= q->after_from && day < q->after_to)
        return 1;
    return -1;
}

static grp *find_grp(cmp_ctx *c, const char *key)
{
    size_t lo = 0, hi = c->ng;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(c->g[mid].key, key);
        if (!r)
            return &c->g[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static chan_acc *find_chan(grp *g, int64_t id)
{
    size_t lo = 0, hi = g->nch;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->ch[mid].id == id)
            return &g->ch[mid];
        if (g->ch[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const char *group_expr(tocsin_compare_by by)
{
    return by == TOCSIN_COMPARE_BY_LANG ? "x.lang"
           : by == TOCSIN_COMPARE_BY_CHANNEL ? "printf('%020d', x.channel)"
                                             : "''";
}

/* (used inside printf formats, hence the doubled %) */
#define DAY_EXPR "(x.hour - ((x.hour %% 86400) + 86400) %% 86400)"

/* Pass 1 (totals, topic = 0) makes the rows and channels; pass 2 (counts) adds the topic. */
static tocsin_status load_cells(cmp_ctx *c, int64_t topic, tocsin_error *err)
{
    const tocsin_compare_query *q = c->q;
    char sql[800];
    snprintf(sql, sizeof sql,
             "SELECT %s AS g, x.channel, " DAY_EXPR " AS d, sum(x.posts), sum(x.uniq)"
             " FROM %s x WHERE x.hour >= ?1 AND x.hour < ?2%s"
             " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
             group_expr(q->by), topic ? "counts" : "totals", topic ? " AND x.topic = ?3" : "");
    sqlite3_stmt *st;
    tocsin_status rc = store_prepare(c->s, sql, &st, err);
    if (rc != TOCSIN_OK)
        return rc;
    sqlite3_bind_int64(st, 1, c->lo);
    sqlite3_bind_int64(st, 2, c->lo + (int64_t)c->ndays * AN_DAY);
    if (topic)
        sqlite3_bind_int64(st, 3, topic);
    int r;
    char key[192];
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        an_col_text(st, 0, key, sizeof key);
        int64_t chan = sqlite3_column_int64(st, 1);
        int64_t day = sqlite3_column_int64(st, 2);
        uint64_t v = (uint64_t)sqlite3_column_int64(st, q->measure == TOCSIN_MEASURE_UNIQUE ? 4 : 3);
        uint64_t posts = (uint64_t)sqlite3_column_int64(st, 3);
        int64_t di = (day - c->lo) / AN_DAY;
        if (di < 0 || (size_t)di >= c->ndays)
            continue;
        int w = window_of(q, day);
        grp *g;
        if (!topic) {
            if (!c->ng || strcmp(c->g[c->ng - 1].key, key)) {
                if (an_grow((void **)&c->g, &c->gcap, c->ng + 1, sizeof *c->g) != TOCSIN_OK)
                    goto oom;
                g = &c->g[c->ng++];
                memset(g, 0, sizeof *g);
                snprintf(g->key, sizeof g->key, "%s", key);
                g->dp = calloc(c->ndays, sizeof *g->dp);
                g->dt = calloc(c->ndays, sizeof *g->dt);
                if (!g->dp || !g->dt)
                    goto oom;
            }
            g = &c->g[c->ng - 1];
            if (!g->nch || g->ch[g->nch - 1].id != chan) {
                if (an_grow((void **)&g->ch, &g->chcap, g->nch + 1, sizeof *g->ch) != TOCSIN_OK)
                    goto oom;
                memset(&g->ch[g->nch], 0, sizeof g->ch[g->nch]);
                g->ch[g->nch++].id = chan;
            }
            g->dt[di] += v;
            if (w >= 0) {
                g->wt[w] += v;
                g->ch[g->nch - 1].t[w] += v;
                c->store_posts[w] += posts;
            }
        } else {
            /* a topic cell always has its totals cell (the ingest writes both together) */
            if (!(g = find_grp(c, key)))
                continue;
            chan_acc *ca = find_chan(g, chan);
            g->dp[di] += v;
            if (w >= 0) {
                g->wp[w] += v;
                if (ca)
                    ca->p[w] += v;
            }
        }
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_fail(c->s, topic ? "reading counts" : "reading totals", err);
    return TOCSIN_OK;
oom:
    sqlite3_finalize(st);
    return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
}

/* Distinct authors: replaces the day and window values with HyperLogLog unions. */
static tocsin_status load_authors(cmp_ctx *c, int64_t topic, bool windows, tocsin_error *err)
{
    const tocsin_compare_query *q = c->q;
    char sql[900];
    if (windows)
        snprintf(sql, sizeof sql,
                 "SELECT %s AS g, CASE WHEN x.hour >= ?3 AND x.hour < ?4 THEN 0 ELSE 1 END AS w,"
                 " hll_count(hll_union(x.authors)) FROM %s x"
                 " WHERE ((x.hour >= ?3 AND x.hour < ?4) OR (x.hour >= ?5 AND x.hour < ?6))%s"
                 " GROUP BY 1, 2 ORDER BY 1, 2",
                 group_expr(q->by), topic ? "counts" : "totals", topic ? " AND x.topic = ?7" : "");
    else
        snprintf(sql, sizeof sql,
                 "SELECT %s AS g, " DAY_EXPR " AS d, hll_count(hll_union(x.authors)) FROM %s x"
                 " WHERE x.hour >= ?1 AND x.hour < ?2%s GROUP BY 1, 2 ORDER BY 1, 2",
                 group_expr(q->by), topic ? "counts" : "totals", topic ? " AND x.topic = ?7" : "");
    sqlite3_stmt *st;
    tocsin_status rc = store_prepare(c->s, sql, &st, err);
    if (rc != TOCSIN_OK)
        return rc;
    if (windows) {
        sqlite3_bind_int64(st, 3, q->before_from);
        sqlite3_bind_int64(st, 4, q->before_to);
        sqlite3_bind_int64(st, 5, q->after_from);
        sqlite3_bind_int64(st, 6, q->after_to);
    } else {
        sqlite3_bind_int64(st, 1, c->lo);
        sqlite3_bind_int64(st, 2, c->lo + (int64_t)c->ndays * AN_DAY);
    }
    if (topic)
        sqlite3_bind_int64(st, 7, topic);
    int r;
    char key[192];
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        an_col_text(st, 0, key, sizeof key);
        grp *g = find_grp(c, key);
        if (!g)
            continue;
        int64_t b = sqlite3_column_int64(st, 1);
        uint64_t v = (uint64_t)sqlite3_column_int64(st, 2);
        if (windows) {
            if (topic)
                g->wp[b ? 1 : 0] = v;
            else
                g->wt[b ? 1 : 0] = v;
        } else {
            int64_t di = (b - c->lo) / AN_DAY;
            if (di >= 0 && (size_t)di < c->ndays)
                (topic ? g->dp : g->dt)[di] = v;
        }
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_fail(c->s, "reading author sketches", err);
    return TOCSIN_OK;
}

/* The display name of a channel row: "platform/channel" (or the channel alone without platform). */
static void channel_name(tocsin_store *s, const char *key, char *out, size_t cap)
{
    sqlite3_stmt *st;
    snprintf(out, cap, "%s", key);
    if (store_prepare(s, "SELECT platform, channel FROM channel WHERE id = ?1", &st, NULL) !=
        TOCSIN_OK)
        return;
    sqlite3_bind_int64(st, 1, strtoll(key, NULL, 10));
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(st, 0);
        const char *ch = (const char *)sqlite3_column_text(st, 1);
        if (p && *p)
            snprintf(out, cap, "%s/%s", p, ch ? ch : "");
        else
            snprintf(out, cap, "%s", ch ? ch : "");
    }
    sqlite3_finalize(st);
}

/* Fills the window of row g for window w (0 before, 1 after) from the row's daily series.
 * daily/dexp have room for the window's days. */
static void make_window(const cmp_ctx *c, const grp *g, const tocsin_compare_row *row, int w,
                        uint64_t *daily, double *dexp, tocsin_window *out)
{
    const tocsin_compare_query *q = c->q;
    int64_t from = w ? q->after_from : q->before_from, to = w ? q->after_to : q->before_to;
    bool share = q->normalize == TOCSIN_NORM_SHARE;
    memset(out, 0, sizeof *out);
    out->count = g->wp[w];
    out->exposure = share ? (double)g->wt[w] : (double)((to - from) / AN_DAY);
    if (q->measure == TOCSIN_MEASURE_AUTHORS)
        return; /* not additive over days: no per-day counts */
    size_t n = 0;
    for (int64_t d = from; d < to; d += AN_DAY) {
        size_t di = (size_t)((d - c->lo) / AN_DAY);
        if (share && !row->day_total[di])
            continue;
        daily[n] = row->day_posts[di];
        dexp[n] = share ? (double)row->day_total[di] : 1.0;
        n++;
    }
    out->daily = daily;
    out->daily_exposure = dexp;
    out->n_daily = n;
}

static void day_label(int64_t from, int64_t to, char *buf, size_t cap)
{
    char a[32], b[32];
    tocsin_bucket_format(from, TOCSIN_BY_DAY, a, sizeof a);
    tocsin_bucket_format(to - AN_DAY, TOCSIN_BY_DAY, b, sizeof b);
    snprintf(buf, cap, "%s..%s", a, b);
}

void tocsin_compare_rows_free(tocsin_compare_row *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++) {
        free(rows[i].day_posts);
        free(rows[i].day_total);
    }
    free(rows);
}

static tocsin_status build_row(cmp_ctx *c, grp *g, tocsin_compare_row *row, uint64_t *daily,
                               double *dexp, tocsin_error *err)
{
    const tocsin_compare_query *q = c->q;
    bool share = q->normalize == TOCSIN_NORM_SHARE;
    snprintf(row->topic, sizeof row->topic, "%s", q->topic);
    if (q->by == TOCSIN_COMPARE_BY_CHANNEL)
        channel_name(c->s, g->key, row->group, sizeof row->group);
    else if (q->by == TOCSIN_COMPARE_BY_NONE)
        snprintf(row->group, sizeof row->group, "all");
    else
        snprintf(row->group, sizeof row->group, "%s", g->key);
    row->before.posts = g->wp[0];
    row->after.posts = g->wp[1];
    row->before.total = g->wt[0];
    row->after.total = g->wt[1];
    row->before.days = (uint32_t)((q->before_to - q->before_from) / AN_DAY);
    row->after.days = (uint32_t)((q->after_to - q->after_from) / AN_DAY);
    row->q_value = row->loo_min = row->loo_max = NAN;
    row->first_day = c->lo;
    row->n_days = c->ndays;
    row->day_posts = g->dp;
    row->day_total = g->dt;
    g->dp = g->dt = NULL;
    if (share && (!g->wt[0] || !g->wt[1])) {
        snprintf(row->note, sizeof row->note, "no posts at all in %.60s in the %s window",
                 row->group, !g->wt[0] ? "before" : "after");
        return TOCSIN_OK;
    }
    tocsin_window wb, wa;
    make_window(c, g, row, 0, daily, dexp, &wb);
    size_t nb = wb.n_daily;
    make_window(c, g, row, 1, daily + nb, dexp + nb, &wa);
    tocsin_error e;
    tocsin_error_clear(&e);
    tocsin_status st = tocsin_rate_ratio_compute(&wb, &wa, q->level, &row->rr, &e);
    if (st == TOCSIN_ERR_STATS || st == TOCSIN_ERR_LIMIT) {
        snprintf(row->note, sizeof row->note, "%.150s", e.message);
        return TOCSIN_OK;
    }
    if (st != TOCSIN_OK) {
        if (err)
            *err = e;
        return st;
    }
    row->ok = true;
    if (q->measure != TOCSIN_MEASURE_AUTHORS && g->nch >= 2) {
        uint64_t *cb = malloc(g->nch * 2 * sizeof *cb);
        double *eb = malloc(g->nch * 2 * sizeof *eb);
        if (!cb || !eb) {
            free(cb);
            free(eb);
            return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
        }
        for (size_t k = 0; k < g->nch; k++) {
            cb[k] = g->ch[k].p[0];
            cb[g->nch + k] = g->ch[k].p[1];
            eb[k] = (double)g->ch[k].t[0];
            eb[g->nch + k] = (double)g->ch[k].t[1];
        }
        st = tocsin_rate_ratio_loo(&wb, &wa, cb, cb + g->nch, share ? eb : NULL,
                                   share ? eb + g->nch : NULL, g->nch, &row->loo_min,
                                   &row->loo_max, err);
        free(cb);
        free(eb);
        if (st != TOCSIN_OK)
            return st;
    }
    if (q->has_claim) {
        st = tocsin_verdict_judge(row->rr.ci_low, row->rr.ci_high, q->claim_low, q->claim_high,
                                  &row->verdict, err);
        if (st != TOCSIN_OK)
            return st;
        row->has_verdict = true;
    }
    return TOCSIN_OK;
}

tocsin_status tocsin_compare(tocsin_store *s, const tocsin_compare_query *q,
                             tocsin_compare_row **rows_out, size_t *n_out, tocsin_error *err)
{
    if (!s || !q || !rows_out || !n_out)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "missing argument");
    if (!q->topic || !*q->topic)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "topic", "a topic is required");
    if ((unsigned)q->by > TOCSIN_COMPARE_BY_NONE || (unsigned)q->measure > TOCSIN_MEASURE_AUTHORS ||
        (unsigned)q->normalize > TOCSIN_NORM_PER_DAY)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "unknown option value");
    if (q->before_from % AN_DAY || q->before_to % AN_DAY || q->after_from % AN_DAY ||
        q->after_to % AN_DAY || q->before_to <= q->before_from || q->after_to <= q->after_from)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "window",
                            "windows must be non-empty ranges of whole UTC days");
    char lb[80], la[80];
    day_label(q->before_from, q->before_to, lb, sizeof lb);
    day_label(q->after_from, q->after_to, la, sizeof la);
    if (q->before_from < q->after_to && q->after_from < q->before_to)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "window",
                            "the windows %s and %s overlap", lb, la);
    if (q->has_claim && (!(q->claim_low > 0) || !(q->claim_high >= q->claim_low)))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "claim",
                            "a claim is LOW..HIGH with 0 < LOW <= HIGH");
    cmp_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.q = q;
    c.lo = q->before_from < q->after_from ? q->before_from : q->after_from;
    int64_t hi = q->before_to > q->after_to ? q->before_to : q->after_to;
    if ((hi - c.lo) / AN_DAY > CMP_MAX_DAYS)
        return tc_error_set(err, TOCSIN_ERR_LIMIT, NULL, 0, "window",
                            "the windows span more than %d days", CMP_MAX_DAYS);
    c.ndays = (size_t)((hi - c.lo) / AN_DAY);
    int64_t topic;
    tocsin_compare_row *rows = NULL;
    size_t nrows = 0;
    uint64_t *daily = NULL;
    double *dexp = NULL, *pv = NULL;
    tocsin_status st = store_exec(s, "BEGIN", err); /* one snapshot for every query */
    if (st != TOCSIN_OK)
        return st;
    if ((st = an_topic_id(s, q->topic, &topic, err)) != TOCSIN_OK)
        goto out;
    if ((st = load_cells(&c, 0, err)) != TOCSIN_OK || (st = load_cells(&c, topic, err)) != TOCSIN_OK)
        goto out;
    for (int w = 0; w < 2; w++)
        if (!c.store_posts[w]) {
            st = tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, w ? "after" : "before",
                              "the store holds no posts at all in the %s window %s",
                              w ? "after" : "before", w ? la : lb);
            goto out;
        }
    if (q->measure == TOCSIN_MEASURE_AUTHORS) {
        for (int k = 0; k < 4; k++) {
            if ((st = load_authors(&c, k & 1 ? topic : 0, k >= 2, err)) != TOCSIN_OK)
                goto out;
        }
    }
    rows = calloc(c.ng ? c.ng : 1, sizeof *rows);
    daily = malloc((c.ndays + 1) * sizeof *daily);
    dexp = malloc((c.ndays + 1) * sizeof *dexp);
    pv = malloc((c.ng + 1) * sizeof *pv);
    if (!rows || !daily || !dexp || !pv) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < c.ng; i++) {
        grp *g = &c.g[i];
        if (!g->wp[0] && !g->wp[1])
            continue;
        if ((st = build_row(&c, g, &rows[nrows], daily, dexp, err)) != TOCSIN_OK) {
            nrows++;
            goto out;
        }
        nrows++;
    }
    if (!nrows) {
        st = tc_error_set(err, TOCSIN_ERR_STATS, NULL, 0, "topic",
                          "topic '%s' has no posts in either window (%s, %s): nothing to compare",
                          q->topic, lb, la);
        goto out;
    }
    size_t np = 0;
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].ok)
            pv[np++] = rows[i].rr.p_value;
    if (np && (st = tocsin_bh_qvalues(pv, np, pv, err)) != TOCSIN_OK)
        goto out;
    np = 0;
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].ok)
            rows[i].q_value = pv[np++];
    if (q->by == TOCSIN_COMPARE_BY_CHANNEL) { /* sort channel rows by their display name */
        for (size_t i = 1; i < nrows; i++)
            for (size_t j = i; j > 0 && strcmp(rows[j - 1].group, rows[j].group) > 0; j--) {
                tocsin_compare_row t = rows[j];
                rows[j] = rows[j - 1];
                rows[j - 1] = t;
            }
    }
out:
    store_exec(s, "COMMIT", NULL);
    for (size_t i = 0; i < c.ng; i++) {
        free(c.g[i].dp);
        free(c.g[i].dt);
        free(c.g[i].ch);
    }
    free(c.g);
    free(daily);
    free(dexp);
    free(pv);
    if (st != TOCSIN_OK) {
        tocsin_compare_rows_free(rows, nrows);
        return st;
    }
    *rows_out = rows;
    *n_out = nrows;
    return TOCSIN_OK;
}
