/* report.c: stage report: `tocsin report`, one self-contained HTML document over the store.
 *
 * What goes in, in order, and where each number comes from (the same library calls the CLI
 * uses, so the report never disagrees with `tocsin compare` or `tocsin surges`):
 *  1. Summary: the comparisons of the two windows when given (tocsin_compare per topic, by
 *     language, share of the chosen measure), with interval, q-value, leave-one-channel-out
 *     range and the plain-English sentence (and verdict on a claim); then every change found
 *     (tocsin_surges, PELT on the daily share) with its change-time interval and rate ratio.
 *  2. Per topic: a chart of the daily series summed over languages (raw posts, unique posts,
 *     share of the measure on its own axis) with changes and windows shaded; small multiples
 *     per language on the topic's common time axis; evidence: the originals of the largest
 *     near-duplicate clusters and the first posts of each change, then a random sample, with
 *     the matched terms highlighted from the stored match offsets, dir="auto" per post.
 *  3. Coverage: which channels posted when (tocsin_store_coverage), gaps cut out.
 *  4. Methods: tocsin version, the store, measure, level, change-point penalty rule, windows,
 *     every source with its SHA-256, the watchlist hashes, topics and the terms that matched.
 *
 * The document holds no script and a Content-Security-Policy that forbids any (default-src
 * 'none'), loads nothing (no network when opened) and prints on A4 with each topic on a new
 * page. Every string from the store goes through rp_html_escape. Output is deterministic: the
 * same store and options give the same bytes (no "generated at" time). */
#include "report/chart.h"
#include "report/html.h"
#include "store/store_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY 86400
#define MAX_DAYS 40000       /* over a century of days: a larger span is a broken store */
#define MAX_MULTIPLES 24     /* languages drawn as small multiples per topic */
#define MAX_COV_ROWS 300     /* channels drawn in the coverage strip */
#define MAX_TEXT 1200        /* bytes of a post's text shown */
#define REPORT_CAP ((size_t)1 << 30)

void tocsin_report_opts_init(tocsin_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->measure = TOCSIN_MEASURE_UNIQUE;
}

typedef struct rp_lang {
    char lang[16];
    double *cnt, *share; /* measure per day and its share, over the topic's range */
    uint64_t total;      /* the measure summed */
} rp_lang;

typedef struct rp_topic {
    int64_t id;
    char *name, *label;
    const tocsin_trend_row *rows; /* the topic's trend rows (own_rows, or into rp_ctx.all_rows) */
    size_t n_rows;
    tocsin_trend_row *own_rows;
    int64_t first;          /* first day of the topic's data */
    size_t n_days;
    double *posts, *unique, *share; /* summed over languages */
    double *num, *den;      /* measure and its total, summed (for the share) */
    rp_lang *langs;
    size_t n_langs;
    const tocsin_surge_finding *f; /* the topic's findings and series (into own_surges or */
    size_t nf;                     /* rp_ctx.all_surges) */
    const tocsin_surge_series *ss;
    size_t nss;
    tocsin_surges_result *own_surges;
    tocsin_compare_row *cmp;
    size_t n_cmp;
    char cmp_note[600];     /* why there is no comparison (no post in either window) */
} rp_topic;

typedef struct rp_ctx {
    tocsin_store *s;
    const tocsin_report_opts *o;
    tc_buf *b;
    tocsin_error *err;
    rp_topic *t;
    size_t n;
    tocsin_coverage *cov;
    /* with every topic selected, one trend query and one surge search serve them all */
    tocsin_trend_row *all_rows;
    size_t n_all;
    tocsin_surges_result *all_surges;
} rp_ctx;

static tocsin_status nomem(tocsin_error *err)
{
    return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
}

static void topic_free(rp_topic *t)
{
    free(t->name);
    free(t->label);
    free(t->own_rows);
    free(t->posts);
    free(t->unique);
    free(t->share);
    free(t->num);
    free(t->den);
    for (size_t i = 0; i < t->n_langs; i++) {
        free(t->langs[i].cnt);
        free(t->langs[i].share);
    }
    free(t->langs);
    tocsin_surges_free(t->own_surges);
    tocsin_compare_rows_free(t->cmp, t->n_cmp);
}

static uint64_t mval(const tocsin_trend_row *r, tocsin_measure m)
{
    return m == TOCSIN_MEASURE_POSTS ? r->posts : m == TOCSIN_MEASURE_UNIQUE ? r->unique : r->authors;
}

static uint64_t mtot(const tocsin_trend_row *r, tocsin_measure m)
{
    return m == TOCSIN_MEASURE_POSTS     ? r->total_posts
           : m == TOCSIN_MEASURE_UNIQUE ? r->total_unique
                                        : r->total_authors;
}

/* The store's topics, filtered by the options (an unknown topic names the known ones). */
static tocsin_status load_topics(rp_ctx *c)
{
    sqlite3_stmt *q;
    tocsin_status rc = store_prepare(c->s, "SELECT id, name, coalesce(label, '') FROM topic "
                                           "ORDER BY name", &q, c->err);
    if (rc != TOCSIN_OK)
        return rc;
    size_t cap = 0;
    tc_buf known;
    tc_buf_init(&known, 4096);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 1);
        const char *label = (const char *)sqlite3_column_text(q, 2);
        name = name ? name : "";
        if (known.len < 3000) {
            if (known.len)
                tc_buf_append(&known, ", ", 2);
            tc_buf_append(&known, name, strlen(name));
        }
        bool want = !c->o->n_topics || !c->o->topics;
        for (size_t i = 0; !want && i < c->o->n_topics; i++)
            want = c->o->topics[i] && strcmp(c->o->topics[i], name) == 0;
        if (!want)
            continue;
        if (c->n == cap) {
            cap = cap ? 2 * cap : 16;
            rp_topic *nt = realloc(c->t, cap * sizeof *nt);
            if (!nt) {
                rc = nomem(c->err);
                break;
            }
            c->t = nt;
        }
        rp_topic *t = &c->t[c->n];
        memset(t, 0, sizeof *t);
        t->id = sqlite3_column_int64(q, 0);
        t->name = strdup(name);
        t->label = strdup(label ? label : "");
        c->n++;
        if (!t->name || !t->label) {
            rc = nomem(c->err);
            break;
        }
    }
    if (rc == TOCSIN_OK && step != SQLITE_DONE)
        rc = store_fail(c->s, "reading topics", c->err);
    sqlite3_finalize(q);
    for (size_t i = 0; rc == TOCSIN_OK && c->o->topics && i < c->o->n_topics; i++) {
        bool found = false;
        for (size_t k = 0; k < c->n && !found; k++)
            found = c->o->topics[i] && strcmp(c->t[k].name, c->o->topics[i]) == 0;
        if (!found)
            rc = tc_error_set(c->err, TOCSIN_ERR_USAGE, NULL, 0, "topic",
                              "unknown topic '%s' (the store has: %s)",
                              c->o->topics[i] ? c->o->topics[i] : "", known.len ? known.data : "none");
    }
    if (rc == TOCSIN_OK && !c->n)
        rc = tc_error_set(c->err, TOCSIN_ERR_USAGE, NULL, 0, "topic",
                          "the store has no topics (run tocsin ingest first)");
    tc_buf_free(&known);
    return rc;
}

/* The topic's daily series: summed over languages, and per language on the same axis. */
static tocsin_status load_series(rp_ctx *c, rp_topic *t)
{
    tocsin_status rc = TOCSIN_OK;
    if (c->all_rows) { /* the topic's rows are one run of the shared rows (sorted by topic) */
        size_t i = 0;
        while (i < c->n_all && strcmp(c->all_rows[i].topic, t->name) != 0)
            i++;
        t->rows = c->all_rows + i;
        while (i < c->n_all && strcmp(c->all_rows[i].topic, t->name) == 0)
            i++, t->n_rows++;
    } else {
        tocsin_trend_query tq = {.topic = t->name, .by = TOCSIN_BY_DAY};
        rc = tocsin_store_trend(c->s, &tq, &t->own_rows, &t->n_rows, c->err);
        t->rows = t->own_rows;
    }
    if (rc != TOCSIN_OK || !t->n_rows)
        return rc;
    int64_t lo = t->rows[0].bucket, hi = lo;
    size_t nl = 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        if (t->rows[i].bucket < lo)
            lo = t->rows[i].bucket;
        if (t->rows[i].bucket > hi)
            hi = t->rows[i].bucket;
        if (i == 0 || strcmp(t->rows[i].lang, t->rows[i - 1].lang) != 0)
            nl++;
    }
    if ((hi - lo) / DAY >= MAX_DAYS)
        return tc_error_set(c->err, TOCSIN_ERR_LIMIT, c->s->path, 0, "trend",
                            "topic '%s' spans %lld days (the report draws at most %d)", t->name,
                            (long long)((hi - lo) / DAY + 1), MAX_DAYS);
    t->first = lo;
    t->n_days = (size_t)((hi - lo) / DAY) + 1;
    size_t n = t->n_days;
    t->posts = calloc(n, sizeof(double));
    t->unique = calloc(n, sizeof(double));
    t->share = calloc(n, sizeof(double));
    t->num = calloc(n, sizeof(double));
    t->den = calloc(n, sizeof(double));
    t->langs = calloc(nl, sizeof *t->langs);
    if (!t->posts || !t->unique || !t->share || !t->num || !t->den || !t->langs)
        return nomem(c->err);
    rp_lang *l = NULL;
    double *lden = NULL;
    for (size_t i = 0; i <= t->n_rows; i++) {
        if (i == t->n_rows || !l || strcmp(t->rows[i].lang, l->lang) != 0) {
            if (l) /* finish the previous language's share */
                for (size_t d = 0; d < n; d++)
                    l->share[d] = lden[d] > 0 ? l->cnt[d] / lden[d] : NAN;
            if (i == t->n_rows)
                break;
            l = &t->langs[t->n_langs++];
            snprintf(l->lang, sizeof l->lang, "%s", t->rows[i].lang);
            l->cnt = calloc(n, sizeof(double));
            l->share = calloc(n, sizeof(double));
            free(lden);
            lden = calloc(n, sizeof(double));
            if (!l->cnt || !l->share || !lden) {
                free(lden);
                return nomem(c->err);
            }
        }
        const tocsin_trend_row *r = &t->rows[i];
        size_t d = (size_t)((r->bucket - lo) / DAY);
        uint64_t v = mval(r, c->o->measure), tot = mtot(r, c->o->measure);
        t->posts[d] += (double)r->posts;
        t->unique[d] += (double)r->unique;
        t->num[d] += (double)v;
        t->den[d] += (double)tot;
        l->cnt[d] += (double)v;
        lden[d] += (double)tot;
        l->total += v;
    }
    free(lden);
    for (size_t d = 0; d < n; d++)
        t->share[d] = t->den[d] > 0 ? t->num[d] / t->den[d] : NAN;
    return TOCSIN_OK;
}

static tocsin_status load_topic(rp_ctx *c, rp_topic *t)
{
    tocsin_status rc = load_series(c, t);
    if (rc != TOCSIN_OK)
        return rc;
    const tocsin_surges_result *sr = c->all_surges;
    if (!sr) {
        tocsin_surge_query sq;
        tocsin_surge_query_init(&sq);
        sq.topic = t->name;
        sq.measure = c->o->measure;
        sq.level = c->o->level;
        rc = tocsin_surges(c->s, &sq, &t->own_surges, c->err);
        if (rc != TOCSIN_OK)
            return rc;
        sr = t->own_surges;
    }
    /* findings and series come sorted by topic: the topic's are one run of each */
    const tocsin_surge_finding *f;
    size_t nf = tocsin_surges_findings(sr, &f), i = 0;
    while (i < nf && strcmp(f[i].topic, t->name) != 0)
        i++;
    for (t->f = f + i; i < nf && strcmp(f[i].topic, t->name) == 0; i++)
        t->nf++;
    const tocsin_surge_series *ss;
    size_t nss = tocsin_surges_series(sr, &ss);
    for (i = 0; i < nss && strcmp(ss[i].topic, t->name) != 0;)
        i++;
    for (t->ss = ss + i; i < nss && strcmp(ss[i].topic, t->name) == 0; i++)
        t->nss++;
    if (!c->o->has_windows)
        return TOCSIN_OK;
    tocsin_compare_query cq = {
        .topic = t->name,
        .before_from = c->o->before_from, .before_to = c->o->before_to,
        .after_from = c->o->after_from, .after_to = c->o->after_to,
        .by = TOCSIN_COMPARE_BY_LANG, .measure = c->o->measure,
        .normalize = TOCSIN_NORM_SHARE, .level = c->o->level,
        .has_claim = c->o->has_claim, .claim_low = c->o->claim_low,
        .claim_high = c->o->claim_high,
    };
    tocsin_error e;
    tocsin_error_clear(&e);
    rc = tocsin_compare(c->s, &cq, &t->cmp, &t->n_cmp, &e);
    if (rc == TOCSIN_ERR_STATS) { /* no post of the topic in either window: a note, not a stop */
        snprintf(t->cmp_note, sizeof t->cmp_note, "%s", e.message);
        return TOCSIN_OK;
    }
    if (rc != TOCSIN_OK && c->err)
        *c->err = e;
    return rc;
}

/* ----- formatting helpers ----- */

static void pval(double p, char *buf, size_t cap)
{
    if (isnan(p))
        snprintf(buf, cap, "?");
    else if (p < 0.001)
        snprintf(buf, cap, "&lt; 0.001");
    else
        snprintf(buf, cap, "%.3f", p);
}

static void rate(double v, bool share, char *buf, size_t cap)
{
    if (isnan(v))
        snprintf(buf, cap, "?");
    else if (share)
        snprintf(buf, cap, "%.3g%%", v * 100);
    else
        snprintf(buf, cap, "%.3g/day", v);
}

static double level_of(const tocsin_report_opts *o)
{
    return o->level > 0 ? o->level : 0.95;
}

/* A short id-safe token: lang codes from the input are hostile too. */
static bool plain_code(const char *s)
{
    if (!*s || strlen(s) > 15)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-'))
            return false;
    return true;
}

static const char css[] =
    "<style>\n"
    ":root{--ink:#1b1f24;--mute:#5b6570;--line:#d8dde3;--posts:#8fb3c9;--uniq:#1f4e79;"
    "--share:#c8621a;--chg:#c0392b}\n"
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
    "color:var(--ink);max-width:1000px;margin:0 auto;padding:24px}\n"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid "
    "var(--line);padding-bottom:4px}h3{font-size:16px;margin:20px 0 6px}\n"
    ".sub{color:var(--mute);margin:0 0 16px}nav a{margin-right:12px}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}"
    "th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#f3f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    "code,.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;"
    "overflow-wrap:anywhere}\n"
    "svg{display:block;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;"
    "fill:var(--mute)}\n"
    ".grid{stroke:#eceff2}.tick{stroke:#b9c0c7}\n"
    "path{fill:none;stroke-linejoin:round}.s-posts{stroke:var(--posts);stroke-width:1.2}"
    ".s-unique{stroke:var(--uniq);stroke-width:1.8}.s-share{stroke:var(--share);stroke-width:1.4;"
    "stroke-dasharray:4 2}\n"
    ".m-change rect{fill:rgba(192,57,43,.10)}.m-change rect.ci{fill:var(--chg)}"
    ".m-change .cp{stroke:var(--chg);stroke-dasharray:2 2}"
    ".m-before rect{fill:rgba(90,100,110,.12)}.m-after rect{fill:rgba(39,174,96,.14)}"
    ".m-before rect.band{fill:#6b7580}.m-after rect.band{fill:#27ae60}svg text.wl{fill:var(--ink)}\n"
    ".multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:10px}"
    ".multiples figure{margin:0;border:1px solid var(--line);padding:4px}"
    "figcaption{font-size:12px;color:var(--mute)}\n"
    ".legend span{margin-right:14px;font-size:12px;color:var(--mute)}.legend i{display:inline-"
    "block;width:18px;height:3px;vertical-align:middle;margin-right:4px}\n"
    ".coverage rect{fill:var(--uniq)}.coverage .flagged rect{fill:var(--share)}\n"
    ".ev{border:1px solid var(--line);border-radius:4px;padding:6px 10px;margin:8px 0;"
    "break-inside:avoid}.ev .meta{font-size:12px;color:var(--mute)}"
    ".ev blockquote{margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:"
    "plaintext}mark{background:#ffe27a;color:inherit;padding:0 1px}\n"
    ".note{color:var(--mute);font-size:13px}\n"
    "@page{size:A4;margin:14mm}\n"
    "@media print{body{max-width:none;padding:0;font-size:11pt}nav{display:none}"
    "section.topic{break-before:page}figure,table,svg{break-inside:avoid}a{color:inherit;"
    "text-decoration:none}th{background:none}}\n"
    "</style>\n";

static tocsin_status head(rp_ctx *c)
{
    const char *title = c->o->title ? c->o->title : "tocsin report";
    tocsin_status rc = rp_puts(c->b,
                               "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                               "'none'; style-src 'unsafe-inline'; img-src data:\">\n"
                               "<meta name=\"viewport\" content=\"width=device-width, "
                               "initial-scale=1\">\n<meta name=\"generator\" content=\"tocsin " TOCSIN_VERSION
                               "\">\n<title>");
    if (rc == TOCSIN_OK)
        rc = rp_html_escape_str(c->b, title);
    if (rc == TOCSIN_OK)
        rc = rp_puts(c->b, "</title>\n");
    if (rc == TOCSIN_OK)
        rc = rp_puts(c->b, css);
    if (rc == TOCSIN_OK)
        rc = rp_puts(c->b, "</head>\n<body>\n<header><h1>");
    if (rc == TOCSIN_OK)
        rc = rp_html_escape_str(c->b, title);
    if (rc == TOCSIN_OK)
        rc = rp_puts(c->b, "</h1>\n<p class=\"sub\">");
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < c->n; i++)
        if (c->t[i].n_days) {
            if (c->t[i].first < lo)
                lo = c->t[i].first;
            if (c->t[i].first + (int64_t)(c->t[i].n_days - 1) * DAY > hi)
                hi = c->t[i].first + (int64_t)(c->t[i].n_days - 1) * DAY;
        }
    if (rc == TOCSIN_OK)
        rc = rp_printf(c->b, "%zu topic%s", c->n, c->n == 1 ? "" : "s");
    if (rc == TOCSIN_OK && lo <= hi) {
        char a[16], z[16];
        rp_day(lo, a, sizeof a);
        rp_day(hi, z, sizeof z);
        rc = rp_printf(c->b, ", %s to %s (UTC days)", a, z);
    }
    if (rc == TOCSIN_OK)
        rc = rp_printf(c->b, "; measure: %s posts; tocsin %s</p>\n<nav>"
                             "<a href=\"#summary\">Summary</a>",
                       c->o->measure == TOCSIN_MEASURE_POSTS ? "raw" : tocsin_measure_name(c->o->measure),
                       TOCSIN_VERSION);
    for (size_t i = 0; i < c->n && rc == TOCSIN_OK; i++) {
        rc = rp_printf(c->b, "<a href=\"#t%zu\">", i);
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(c->b, c->t[i].name);
        if (rc == TOCSIN_OK)
            rc = rp_puts(c->b, "</a>");
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(c->b, "<a href=\"#coverage\">Coverage</a><a href=\"#methods\">Methods</a>"
                           "</nav>\n</header>\n");
    return rc;
}

static tocsin_status compare_table(rp_ctx *c)
{
    tc_buf *b = c->b;
    char lv[16];
    snprintf(lv, sizeof lv, "%g%%", level_of(c->o) * 100);
    char w[4][16];
    rp_day(c->o->before_from, w[0], sizeof w[0]);
    rp_day(c->o->before_to - DAY, w[1], sizeof w[1]);
    rp_day(c->o->after_from, w[2], sizeof w[2]);
    rp_day(c->o->after_to - DAY, w[3], sizeof w[3]);
    tocsin_status rc = rp_printf(b,
                                 "<h3>Comparison: %s..%s against %s..%s</h3>\n<p class=\"note\">"
                                 "Rate ratio after/before of each topic's share of all %s posts "
                                 "in the same language; the interval is the wider of an exact and "
                                 "an over-dispersion-adjusted one; q: Benjamini-Hochberg per "
                                 "topic; leave-one-out: the ratio's range leaving out each channel."
                                 "</p>\n<table class=\"compare\"><thead><tr><th>topic</th><th>lang"
                                 "</th><th>before (posts/total)</th><th>after</th><th>ratio</th>"
                                 "<th>%s interval</th><th>q</th><th>leave-one-out</th>"
                                 "<th>in words</th></tr></thead><tbody>\n",
                                 w[2], w[3], w[0], w[1],
                                 c->o->measure == TOCSIN_MEASURE_POSTS ? "" : tocsin_measure_name(c->o->measure),
                                 lv);
    for (size_t i = 0; i < c->n && rc == TOCSIN_OK; i++) {
        rp_topic *t = &c->t[i];
        if (t->cmp_note[0]) {
            rc = rp_printf(b, "<tr><td><a href=\"#t%zu\">", i);
            if (rc == TOCSIN_OK)
                rc = rp_html_escape_str(b, t->name);
            if (rc == TOCSIN_OK)
                rc = rp_puts(b, "</a></td><td colspan=\"8\" class=\"note\">");
            if (rc == TOCSIN_OK)
                rc = rp_html_escape_str(b, t->cmp_note);
            if (rc == TOCSIN_OK)
                rc = rp_puts(b, "</td></tr>\n");
            continue;
        }
        for (size_t k = 0; k < t->n_cmp && rc == TOCSIN_OK; k++) {
            const tocsin_compare_row *r = &t->cmp[k];
            rc = rp_printf(b, "<tr><td><a href=\"#t%zu\">", i);
            if (rc == TOCSIN_OK)
                rc = rp_html_escape_str(b, t->name);
            if (rc == TOCSIN_OK)
                rc = rp_puts(b, "</a></td><td>");
            if (rc == TOCSIN_OK)
                rc = rp_html_escape_str(b, r->group);
            if (rc == TOCSIN_OK)
                rc = rp_printf(b, "</td><td class=\"n\">%llu/%llu</td><td class=\"n\">%llu/%llu"
                                  "</td>",
                               (unsigned long long)r->before.posts,
                               (unsigned long long)r->before.total,
                               (unsigned long long)r->after.posts,
                               (unsigned long long)r->after.total);
            if (rc != TOCSIN_OK)
                break;
            if (!r->ok) {
                rc = rp_puts(b, "<td colspan=\"5\" class=\"note\">");
                if (rc == TOCSIN_OK)
                    rc = rp_html_escape_str(b, r->note);
                if (rc == TOCSIN_OK)
                    rc = rp_puts(b, "</td></tr>\n");
                continue;
            }
            char ra[32], lo[32], hi[32], q[32], l0[32], l1[32], sent[512];
            tocsin_ratio_format(r->rr.ratio, ra, sizeof ra);
            tocsin_ratio_format(r->rr.ci_low, lo, sizeof lo);
            tocsin_ratio_format(r->rr.ci_high, hi, sizeof hi);
            pval(r->q_value, q, sizeof q);
            tocsin_ratio_format(r->loo_min, l0, sizeof l0);
            tocsin_ratio_format(r->loo_max, l1, sizeof l1);
            double claim[2] = {c->o->claim_low, c->o->claim_high};
            tocsin_rate_ratio_sentence(&r->rr, r->has_verdict ? claim : NULL, r->verdict, sent,
                                       sizeof sent);
            char loo[80];
            if (isnan(r->loo_min))
                snprintf(loo, sizeof loo, "\xe2\x80\x94");
            else
                snprintf(loo, sizeof loo, "%s to %s", l0, l1);
            rc = rp_printf(b, "<td class=\"n\"><b>%s</b></td><td class=\"n\">%s to %s <small>"
                              "(%s)</small></td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                              "<td>",
                           ra, lo, hi, tocsin_ci_method_name(r->rr.ci_method), q, loo);
            if (rc == TOCSIN_OK)
                rc = rp_html_escape_str(b, sent);
            if (rc == TOCSIN_OK && r->has_verdict)
                rc = rp_printf(b, " <b>%s</b>", tocsin_verdict_name(r->verdict));
            if (rc == TOCSIN_OK)
                rc = rp_puts(b, "</td></tr>\n");
        }
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</tbody></table>\n");
    return rc;
}

/* The label of a change, for the table and the chart's tooltip. */
static void change_label(const tocsin_surge_finding *f, bool share, char *buf, size_t cap)
{
    char d[16], lo[16], hi[16], ra[32], cl[32], ch[32], rb[32], rf[32];
    rp_day(f->start, d, sizeof d);
    rp_day(f->start_low, lo, sizeof lo);
    rp_day(f->start_high, hi, sizeof hi);
    rate(f->rate_before, share, rb, sizeof rb);
    rate(f->rate_after, share, rf, sizeof rf);
    if (f->has_rr) {
        tocsin_ratio_format(f->rr.ratio, ra, sizeof ra);
        tocsin_ratio_format(f->rr.ci_low, cl, sizeof cl);
        tocsin_ratio_format(f->rr.ci_high, ch, sizeof ch);
        snprintf(buf, cap, "%s: up from %s (change between %s and %s): %s to %s, ratio %s (%s to %s)",
                 f->lang, d, lo, hi, rb, rf, ra, cl, ch);
    } else {
        snprintf(buf, cap, "%s: up from %s (change between %s and %s)", f->lang, d, lo, hi);
    }
}

static tocsin_status changes_table(rp_ctx *c)
{
    tc_buf *b = c->b;
    tocsin_status rc = rp_printf(b,
                                 "<h3>Changes found</h3>\n<p class=\"note\">Upward changes in each "
                                 "topic's daily share of %s posts per language (change points, "
                                 "PELT; penalty %s). The change day is the most likely one; the "
                                 "interval is where the change may have happened (%g%%). The "
                                 "ratio compares the new level with the one before.</p>\n"
                                 "<table class=\"changes\"><thead><tr><th>topic</th><th>lang</th>"
                                 "<th>from</th><th>change between</th><th>until</th><th>before"
                                 "</th><th>after</th><th>ratio</th><th>interval</th><th>posts"
                                 "</th></tr></thead><tbody>\n",
                                 tocsin_measure_name(c->o->measure), tocsin_surges_penalty_rule(),
                                 level_of(c->o) * 100);
    size_t shown = 0;
    for (size_t i = 0; i < c->n && rc == TOCSIN_OK; i++) {
        const tocsin_surge_finding *f = c->t[i].f;
        size_t nf = c->t[i].nf;
        for (size_t k = 0; k < nf && rc == TOCSIN_OK; k++, shown++) {
            char d[16], lo[16], hi[16], un[32], ra[32], cl[32], ch[32], rb[32], rf[32];
            rp_day(f[k].start, d, sizeof d);
            rp_day(f[k].start_low, lo, sizeof lo);
            rp_day(f[k].start_high, hi, sizeof hi);
            if (f[k].ongoing)
                snprintf(un, sizeof un, "ongoing");
            else
                rp_day(f[k].end, un, sizeof un);
            rate(f[k].rate_before, true, rb, sizeof rb);
            rate(f[k].rate_after, true, rf, sizeof rf);
            tocsin_ratio_format(f[k].has_rr ? f[k].rr.ratio : NAN, ra, sizeof ra);
            tocsin_ratio_format(f[k].has_rr ? f[k].rr.ci_low : NAN, cl, sizeof cl);
            tocsin_ratio_format(f[k].has_rr ? f[k].rr.ci_high : NAN, ch, sizeof ch);
            rc = rp_printf(b, "<tr><td><a href=\"#t%zu\">", i);
            if (rc == TOCSIN_OK)
                rc = rp_html_escape_str(b, f[k].topic);
            if (rc == TOCSIN_OK)
                rc = rp_puts(b, "</a></td><td>");
            if (rc == TOCSIN_OK)
                rc = rp_html_escape_str(b, f[k].lang);
            if (rc == TOCSIN_OK)
                rc = rp_printf(b, "</td><td>%s</td><td>%s to %s</td><td>%s</td><td class=\"n\">%s"
                                  "</td><td class=\"n\">%s</td><td class=\"n\"><b>%s</b></td>"
                                  "<td class=\"n\">%s to %s</td><td class=\"n\">%llu</td></tr>\n",
                               d, lo, hi, un, rb, rf, ra, cl, ch, (unsigned long long)f[k].posts);
        }
    }
    if (rc == TOCSIN_OK && !shown)
        rc = rp_puts(b, "<tr><td colspan=\"10\" class=\"note\">No change found.</td></tr>\n");
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</tbody></table>\n");
    return rc;
}

/* The chart marks of a topic: its changes (of one language, or all when lang is NULL) and the
 * comparison windows. *out is malloc'd. */
static tocsin_status topic_marks(rp_ctx *c, const rp_topic *t, const char *lang, rp_mark **out,
                                 size_t *n)
{
    const tocsin_surge_finding *f = t->f;
    size_t nf = t->nf;
    rp_mark *m = calloc(nf + 2, sizeof *m);
    if (!m)
        return nomem(c->err);
    size_t k = 0;
    if (c->o->has_windows) {
        char a[16], z[16];
        m[k] = (rp_mark){.from = c->o->before_from, .to = c->o->before_to, .kind = 1};
        rp_day(c->o->before_from, a, sizeof a);
        rp_day(c->o->before_to - DAY, z, sizeof z);
        snprintf(m[k++].label, sizeof m->label, "before window %s..%s", a, z);
        m[k] = (rp_mark){.from = c->o->after_from, .to = c->o->after_to, .kind = 2};
        rp_day(c->o->after_from, a, sizeof a);
        rp_day(c->o->after_to - DAY, z, sizeof z);
        snprintf(m[k++].label, sizeof m->label, "after window %s..%s", a, z);
    }
    for (size_t i = 0; i < nf; i++) {
        if (lang && strcmp(f[i].lang, lang) != 0)
            continue;
        m[k] = (rp_mark){.from = f[i].start, .to = f[i].until, .lo = f[i].start_low,
                         .hi = f[i].start_high + DAY, .kind = 0};
        change_label(&f[i], true, m[k].label, sizeof m[k].label);
        k++;
    }
    *out = m;
    *n = k;
    return TOCSIN_OK;
}

/* One evidence post, looked up by key, with the topic's matches highlighted. */
static tocsin_status evidence_post(rp_ctx *c, const rp_topic *t, int64_t key, const char *why,
                                   sqlite3_stmt *qp, sqlite3_stmt *qm)
{
    tc_buf *b = c->b;
    sqlite3_reset(qp);
    sqlite3_bind_int64(qp, 1, key);
    int step = sqlite3_step(qp);
    if (step == SQLITE_DONE)
        return TOCSIN_OK;
    if (step != SQLITE_ROW)
        return store_fail(c->s, "reading evidence", c->err);
    const char *id = (const char *)sqlite3_column_text(qp, 0);
    int64_t ts = sqlite3_column_int64(qp, 1);
    const char *chan = (const char *)sqlite3_column_text(qp, 2);
    const char *lang = (const char *)sqlite3_column_text(qp, 3);
    const char *text = (const char *)sqlite3_column_text(qp, 4);
    size_t tlen = (size_t)sqlite3_column_bytes(qp, 4);
    id = id ? id : "";
    chan = chan ? chan : "";
    lang = lang ? lang : "";
    text = text ? text : "";
    rp_span spans[64];
    size_t ns = 0;
    tc_buf terms;
    tc_buf_init(&terms, 1 << 16);
    sqlite3_reset(qm);
    sqlite3_bind_int64(qm, 1, key);
    sqlite3_bind_int64(qm, 2, t->id);
    while ((step = sqlite3_step(qm)) == SQLITE_ROW) {
        int64_t s0 = sqlite3_column_int64(qm, 0), s1 = sqlite3_column_int64(qm, 1);
        const char *term = (const char *)sqlite3_column_text(qm, 2);
        if (ns < sizeof spans / sizeof *spans && s0 >= 0 && s1 > s0)
            spans[ns++] = (rp_span){(size_t)s0, (size_t)s1};
        if (term && !strstr(terms.data ? terms.data : "", term) && terms.len < 400) {
            if (terms.len)
                tc_buf_append(&terms, ", ", 2);
            tc_buf_append(&terms, term, strlen(term));
        }
    }
    if (step != SQLITE_DONE) {
        tc_buf_free(&terms);
        return store_fail(c->s, "reading matches", c->err);
    }
    char when[32];
    rp_day(ts, when, sizeof when);
    tocsin_status rc = rp_puts(b, "<div class=\"ev\"><div class=\"meta\">");
    if (rc == TOCSIN_OK)
        rc = rp_printf(b, "%s %02d:%02d UTC \xc2\xb7 ", when, (int)((ts % DAY + DAY) % DAY / 3600),
                       (int)((ts % 3600 + 3600) % 3600 / 60));
    if (rc == TOCSIN_OK)
        rc = rp_html_escape_str(b, chan);
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, " \xc2\xb7 ");
    if (rc == TOCSIN_OK)
        rc = rp_html_escape_str(b, lang);
    if (rc == TOCSIN_OK && *id) {
        rc = rp_puts(b, " \xc2\xb7 id ");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, id);
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, " \xc2\xb7 ");
    if (rc == TOCSIN_OK)
        rc = rp_html_escape_str(b, why);
    if (rc == TOCSIN_OK && terms.len) {
        rc = rp_puts(b, " \xc2\xb7 terms: ");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape(b, terms.data, terms.len);
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</div><blockquote dir=\"auto\"");
    if (rc == TOCSIN_OK && plain_code(lang))
        rc = rp_printf(b, " lang=\"%s\"", lang);
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, ">");
    size_t shown = tlen;
    if (shown > MAX_TEXT) {
        shown = MAX_TEXT;
        while (shown > 0 && ((unsigned char)text[shown] & 0xC0) == 0x80)
            shown--;
    }
    if (rc == TOCSIN_OK)
        rc = *text ? rp_html_highlight(b, text, shown, spans, ns)
                   : rp_puts(b, "<i class=\"note\">(no text kept)</i>");
    if (rc == TOCSIN_OK && shown < tlen)
        rc = rp_printf(b, "\xe2\x80\xa6 <i class=\"note\">(%zu more bytes)</i>", tlen - shown);
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</blockquote></div>\n");
    tc_buf_free(&terms);
    if (rc != TOCSIN_OK)
        return tc_error_set(c->err, rc, NULL, 0, NULL, "building the report: %s",
                            tocsin_strerror(rc));
    return rc;
}

static bool have_key(const int64_t *keys, size_t n, int64_t k)
{
    for (size_t i = 0; i < n; i++)
        if (keys[i] == k)
            return true;
    return false;
}

/* Evidence of a topic: per change the originals of its largest clusters and its first posts,
 * then a random sample of the topic's posts, up to o->evidence posts. The sample is the first
 * posts in key order: keys are keyed hashes (store.md), so that order is random but fixed, and
 * reading it stops after a few rows (the earliest posts would need a scan of every match of the
 * topic: the store has no time index on posts). */
static tocsin_status evidence(rp_ctx *c, const rp_topic *t)
{
    size_t want = c->o->evidence ? c->o->evidence : 8;
    int64_t *keys = calloc(want, sizeof *keys);
    char (*why)[128] = calloc(want, sizeof *why);
    sqlite3_stmt *qp = NULL, *qm = NULL, *qe = NULL;
    tocsin_status rc = keys && why ? TOCSIN_OK : nomem(c->err);
    size_t n = 0;
    const tocsin_surge_finding *f = t->f;
    size_t nf = t->nf;
    /* one cluster original and one first post per change in turn, then the rest */
    for (size_t round = 0; rc == TOCSIN_OK && round < want && n < want; round++) {
        bool any = false;
        for (size_t i = 0; i < nf && n < want; i++) {
            char d[16];
            rp_day(f[i].start, d, sizeof d);
            if (round < f[i].n_clusters) {
                any = true;
                const tocsin_ev_cluster *cl = &f[i].clusters[round];
                if (!have_key(keys, n, cl->example.key)) {
                    keys[n] = cl->example.key;
                    snprintf(why[n++], sizeof *why, "original of %llu near-identical posts in "
                             "the %s change from %s", (unsigned long long)cl->posts, f[i].lang, d);
                }
            }
            if (round < f[i].n_first && n < want) {
                any = true;
                if (!have_key(keys, n, f[i].first[round].key)) {
                    keys[n] = f[i].first[round].key;
                    snprintf(why[n++], sizeof *why, "among the first posts of the %s change from %s",
                             f[i].lang, d);
                }
            }
        }
        if (!any)
            break;
    }
    if (rc == TOCSIN_OK && n < want) {
        rc = store_prepare(c->s,
                           "SELECT DISTINCT key FROM post_match WHERE topic = ?1 LIMIT ?2", &qe,
                           c->err);
        if (rc == TOCSIN_OK) {
            sqlite3_bind_int64(qe, 1, t->id);
            sqlite3_bind_int64(qe, 2, (sqlite3_int64)(want * 2));
            int step;
            while (n < want && (step = sqlite3_step(qe)) == SQLITE_ROW) {
                int64_t k = sqlite3_column_int64(qe, 0);
                if (!have_key(keys, n, k)) {
                    keys[n] = k;
                    snprintf(why[n++], sizeof *why, "a random sample of the topic's posts");
                }
            }
        }
    }
    if (rc == TOCSIN_OK)
        rc = store_prepare(c->s,
                           "SELECT p.id, p.ts, coalesce(CASE WHEN c.platform <> '' THEN "
                           "c.platform || '/' || c.channel ELSE c.channel END, ''), p.lang, p.text "
                           "FROM post p LEFT JOIN channel c ON c.id = p.channel WHERE p.key = ?1",
                           &qp, c->err);
    if (rc == TOCSIN_OK)
        rc = store_prepare(c->s,
                           "SELECT start, end, term FROM post_match WHERE key = ?1 AND topic = ?2 "
                           "ORDER BY start", &qm, c->err);
    if (rc == TOCSIN_OK)
        rc = rp_printf(c->b, "<h3>Evidence</h3>\n");
    if (rc == TOCSIN_OK && !n)
        rc = rp_puts(c->b, "<p class=\"note\">No post of this topic was kept (ingested with "
                           "--no-text, or no match).</p>\n");
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++)
        rc = evidence_post(c, t, keys[i], why[i], qp, qm);
    sqlite3_finalize(qp);
    sqlite3_finalize(qm);
    sqlite3_finalize(qe);
    free(keys);
    free(why);
    return rc;
}

static int lang_cmp(const void *a, const void *b)
{
    const rp_lang *x = a, *y = b;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return strcmp(x->lang, y->lang);
}

static tocsin_status topic_section(rp_ctx *c, size_t idx)
{
    rp_topic *t = &c->t[idx];
    tc_buf *b = c->b;
    tocsin_status rc = rp_printf(b, "<section class=\"topic\" id=\"t%zu\">\n<h2>", idx);
    if (rc == TOCSIN_OK)
        rc = rp_html_escape_str(b, t->name);
    if (rc == TOCSIN_OK && t->label[0] && strcmp(t->label, t->name) != 0) {
        rc = rp_puts(b, " <small>");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, t->label);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</small>");
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</h2>\n");
    if (rc != TOCSIN_OK)
        return rc;
    if (!t->n_days)
        return rp_puts(b, "<p class=\"note\">No matching post in the store.</p>\n</section>\n");
    double tp = 0, tu = 0;
    for (size_t d = 0; d < t->n_days; d++) {
        tp += t->posts[d];
        tu += t->unique[d];
    }
    char share_label[64];
    snprintf(share_label, sizeof share_label, "share of %s posts", tocsin_measure_name(c->o->measure));
    rc = rp_printf(b, "<p>%.0f posts, %.0f unique, in %zu language%s over %zu days.</p>\n"
                      "<p class=\"legend\"><span><i style=\"background:var(--posts)\"></i>raw "
                      "posts/day</span><span><i style=\"background:var(--uniq)\"></i>unique "
                      "posts/day</span><span><i style=\"background:var(--share)\"></i>%s (right "
                      "axis)</span><span><i style=\"background:rgba(192,57,43,.35)\"></i>change "
                      "(bar on top: when it happened, %g%% interval)</span>%s</p>\n",
                   tp, tu, t->n_langs, t->n_langs == 1 ? "" : "s", t->n_days, share_label,
                   level_of(c->o) * 100,
                   c->o->has_windows ? "<span><i style=\"background:rgba(90,100,110,.4)\"></i>"
                                       "before window</span><span><i style=\"background:"
                                       "rgba(39,174,96,.5)\"></i>after window</span>"
                                     : "");
    rp_mark *marks = NULL;
    size_t nm = 0;
    if (rc == TOCSIN_OK)
        rc = topic_marks(c, t, NULL, &marks, &nm);
    if (rc == TOCSIN_OK) {
        rp_series s = {t->first, t->n_days, t->posts, t->unique, t->share, share_label, marks, nm};
        char title[160];
        snprintf(title, sizeof title, "%s: posts per day, all languages", t->name);
        rc = rp_chart_series(b, &s, 960, 300, title);
    }
    free(marks);
    /* small multiples, largest languages first */
    rp_lang *order = rc == TOCSIN_OK ? malloc((t->n_langs ? t->n_langs : 1) * sizeof *order) : NULL;
    if (rc == TOCSIN_OK && !order)
        rc = nomem(c->err);
    if (rc == TOCSIN_OK && t->n_langs) {
        memcpy(order, t->langs, t->n_langs * sizeof *order);
        qsort(order, t->n_langs, sizeof *order, lang_cmp);
        size_t shown = t->n_langs < MAX_MULTIPLES ? t->n_langs : MAX_MULTIPLES;
        rc = rp_printf(b, "<h3>By language</h3>\n<p class=\"note\">%s per day (solid) and %s "
                          "(dashed), each on its own scale; changes shaded.</p>\n"
                          "<div class=\"multiples\">\n",
                       c->o->measure == TOCSIN_MEASURE_POSTS     ? "Raw posts"
                       : c->o->measure == TOCSIN_MEASURE_UNIQUE ? "Unique posts"
                                                                : "Distinct authors",
                       share_label);
        for (size_t i = 0; i < shown && rc == TOCSIN_OK; i++) {
            rc = topic_marks(c, t, order[i].lang, &marks, &nm);
            if (rc != TOCSIN_OK)
                break;
            rp_series s = {t->first, t->n_days, NULL, order[i].cnt, order[i].share, share_label,
                           marks, nm};
            char title[96];
            snprintf(title, sizeof title, "%s in %s", t->name, order[i].lang);
            rc = rp_puts(b, "<figure>");
            if (rc == TOCSIN_OK)
                rc = rp_chart_series(b, &s, 240, 100, title);
            if (rc == TOCSIN_OK)
                rc = rp_puts(b, "<figcaption>");
            if (rc == TOCSIN_OK)
                rc = rp_html_escape_str(b, order[i].lang);
            if (rc == TOCSIN_OK)
                rc = rp_printf(b, ": %llu %s</figcaption></figure>\n",
                               (unsigned long long)order[i].total, tocsin_measure_name(c->o->measure));
            free(marks);
        }
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</div>\n");
        if (rc == TOCSIN_OK && shown < t->n_langs)
            rc = rp_printf(b, "<p class=\"note\">%zu smaller languages not drawn.</p>\n",
                           t->n_langs - shown);
    }
    free(order);
    /* series the change search could not analyse */
    const tocsin_surge_series *ss = t->ss;
    size_t nss = rc == TOCSIN_OK ? t->nss : 0;
    bool head_done = false;
    for (size_t i = 0; i < nss && rc == TOCSIN_OK; i++) {
        if (ss[i].analysed)
            continue;
        if (!head_done) {
            rc = rp_puts(b, "<p class=\"note\">Not searched for changes: ");
            head_done = true;
        } else {
            rc = rp_puts(b, "; ");
        }
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, ss[i].lang);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, " (");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, ss[i].note ? ss[i].note : "");
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, ")");
    }
    if (rc == TOCSIN_OK && head_done)
        rc = rp_puts(b, ".</p>\n");
    if (rc == TOCSIN_OK)
        rc = evidence(c, t);
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</section>\n");
    return rc;
}

static tocsin_status coverage_section(rp_ctx *c)
{
    tc_buf *b = c->b;
    const tocsin_channel_info *ch;
    size_t n = tocsin_coverage_channels(c->cov, &ch);
    tocsin_status rc = rp_puts(b, "<section id=\"coverage\">\n<h2>Coverage</h2>\n<p class=\"note\">"
                                  "When each channel posted (any post, matched or not); gaps of "
                                  "silence are cut out; channels that joined late or vanished are "
                                  "drawn in orange. A topic's share is computed over the channels "
                                  "active on each day, so churn does not fake a change.</p>\n");
    if (rc != TOCSIN_OK || !n)
        return rc == TOCSIN_OK ? rp_puts(b, "<p class=\"note\">No channel.</p></section>\n") : rc;
    size_t shown = n < MAX_COV_ROWS ? n : MAX_COV_ROWS;
    rp_cov_row *rows = calloc(shown, sizeof *rows);
    char **labels = calloc(shown, sizeof *labels);
    size_t ngaps = 0;
    for (size_t i = 0; i < shown; i++)
        ngaps += ch[i].n_gaps;
    int64_t *gf = calloc(ngaps + 1, sizeof *gf), *gt = calloc(ngaps + 1, sizeof *gt);
    if (!rows || !labels || !gf || !gt)
        rc = nomem(c->err);
    int64_t t0 = INT64_MAX, t1 = INT64_MIN;
    size_t g = 0;
    for (size_t i = 0; i < n; i++) {
        if (ch[i].first < t0)
            t0 = ch[i].first;
        if (ch[i].last + 3600 > t1)
            t1 = ch[i].last + 3600;
    }
    for (size_t i = 0; i < shown && rc == TOCSIN_OK; i++) {
        size_t len = strlen(ch[i].platform) + strlen(ch[i].channel) + 2;
        const char *nm = ch[i].name && ch[i].name[0] && strcmp(ch[i].name, ch[i].channel) != 0
                             ? ch[i].name : NULL;
        if (nm)
            len += strlen(nm) + 3;
        labels[i] = malloc(len + 1);
        if (!labels[i]) {
            rc = nomem(c->err);
            break;
        }
        snprintf(labels[i], len + 1, "%s%s%s%s%s%s", nm ? nm : "", nm ? " (" : "", ch[i].platform,
                 ch[i].platform[0] ? "/" : "", ch[i].channel, nm ? ")" : "");
        rows[i] = (rp_cov_row){labels[i], ch[i].first, ch[i].last, gf + g, gt + g, ch[i].n_gaps,
                               ch[i].joined_late || ch[i].vanished, ch[i].posts};
        for (size_t k = 0; k < ch[i].n_gaps; k++, g++) {
            gf[g] = ch[i].gaps[k].from;
            gt[g] = ch[i].gaps[k].to;
        }
    }
    if (rc == TOCSIN_OK)
        rc = rp_chart_coverage(b, rows, shown, t0, t1, 960);
    if (rc == TOCSIN_OK && shown < n)
        rc = rp_printf(b, "<p class=\"note\">%zu more channels not drawn.</p>\n", n - shown);
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</section>\n");
    for (size_t i = 0; labels && i < shown; i++)
        free(labels[i]);
    free(labels);
    free(rows);
    free(gf);
    free(gt);
    return rc;
}

typedef struct term_count {
    int64_t topic;
    char *term;
    uint64_t n;
    uint64_t hash;
} term_count;

static int term_count_cmp(const void *a, const void *b)
{
    const term_count *x = a, *y = b;
    if (x->topic != y->topic)
        return x->topic < y->topic ? -1 : 1;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->term, y->term);
}

/* Counts the kept matches per (topic, term) in one scan of post_match. *out (malloc'd, terms
 * malloc'd) is sorted by topic, count descending, term. */
static tocsin_status count_terms(rp_ctx *c, term_count **out, size_t *n)
{
    size_t cap = 1024, used = 0; /* open addressing, power of two, at most half full */
    term_count *h = calloc(cap, sizeof *h);
    sqlite3_stmt *q = NULL;
    tocsin_status rc = h ? store_prepare(c->s, "SELECT topic, term FROM post_match", &q, c->err)
                         : nomem(c->err);
    int step = SQLITE_DONE;
    while (rc == TOCSIN_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t topic = sqlite3_column_int64(q, 0);
        const char *term = (const char *)sqlite3_column_text(q, 1);
        size_t tl = (size_t)sqlite3_column_bytes(q, 1);
        term = term ? term : "";
        uint64_t hv = 1469598103934665603ull ^ (uint64_t)topic;
        for (size_t i = 0; i < tl; i++)
            hv = (hv ^ (unsigned char)term[i]) * 1099511628211ull;
        hv |= 1; /* 0 marks an empty slot */
        size_t at = (size_t)hv & (cap - 1);
        while (h[at].hash && !(h[at].hash == hv && h[at].topic == topic && !strcmp(h[at].term, term)))
            at = (at + 1) & (cap - 1);
        if (h[at].hash) {
            h[at].n++;
            continue;
        }
        h[at] = (term_count){topic, strdup(term), 1, hv};
        if (!h[at].term) {
            h[at].hash = 0;
            rc = nomem(c->err);
            break;
        }
        if (++used * 2 > cap) { /* grow */
            term_count *g = calloc(cap * 2, sizeof *g);
            if (!g) {
                rc = nomem(c->err);
                break;
            }
            for (size_t i = 0; i < cap; i++)
                if (h[i].hash) {
                    size_t k = (size_t)h[i].hash & (cap * 2 - 1);
                    while (g[k].hash)
                        k = (k + 1) & (cap * 2 - 1);
                    g[k] = h[i];
                }
            free(h);
            h = g;
            cap *= 2;
        }
    }
    if (rc == TOCSIN_OK && step != SQLITE_DONE)
        rc = store_fail(c->s, "reading matched terms", c->err);
    sqlite3_finalize(q);
    size_t m = 0;
    for (size_t i = 0; h && i < cap; i++)
        if (h[i].hash)
            h[m++] = h[i];
    if (rc != TOCSIN_OK) {
        for (size_t i = 0; i < m; i++)
            free(h[i].term);
        free(h);
        return rc;
    }
    qsort(h, m, sizeof *h, term_count_cmp);
    *out = h;
    *n = m;
    return TOCSIN_OK;
}

static tocsin_status methods_section(rp_ctx *c)
{
    tc_buf *b = c->b;
    const tocsin_source_info *src;
    size_t ns = tocsin_coverage_sources(c->cov, &src);
    tocsin_status rc = rp_printf(b,
                                 "<section id=\"methods\">\n<h2>Methods</h2>\n<ul>\n"
                                 "<li>Made by tocsin %s from the store <code>",
                                 TOCSIN_VERSION);
    if (rc == TOCSIN_OK)
        rc = rp_html_escape_str(b, c->s->path);
    if (rc == TOCSIN_OK)
        rc = rp_printf(b, "</code>.</li>\n<li>Measure: <b>%s</b> posts (raw: every post; unique: "
                          "the first post of each near-duplicate cluster, so a copy-paste flood "
                          "counts once; authors: distinct authors, estimated). Shares divide by "
                          "all posts of the same language and channels on the same day.</li>\n"
                          "<li>Changes: PELT change points on each topic &times; language daily "
                          "share, penalty %s; each upward change is listed with the rate ratio of "
                          "its level against the previous one and a %g%% interval for when it "
                          "happened.</li>\n",
                       tocsin_measure_name(c->o->measure), tocsin_surges_penalty_rule(),
                       level_of(c->o) * 100);
    if (rc == TOCSIN_OK && c->o->has_windows) {
        char w[4][16];
        rp_day(c->o->before_from, w[0], sizeof w[0]);
        rp_day(c->o->before_to - DAY, w[1], sizeof w[1]);
        rp_day(c->o->after_from, w[2], sizeof w[2]);
        rp_day(c->o->after_to - DAY, w[3], sizeof w[3]);
        rc = rp_printf(b, "<li>Comparison: before %s..%s, after %s..%s (UTC days, both "
                          "included), by language, share, level %g%%",
                       w[0], w[1], w[2], w[3], level_of(c->o) * 100);
        if (rc == TOCSIN_OK && c->o->has_claim)
            rc = rp_printf(b, ", claim %g to %g", c->o->claim_low, c->o->claim_high);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, ".</li>\n");
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</ul>\n<h3>Sources</h3>\n<table class=\"sources\"><thead><tr><th>file</th>"
                        "<th>format</th><th>bytes</th><th>posts</th><th>skipped</th><th>status"
                        "</th><th>SHA-256</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < ns && rc == TOCSIN_OK; i++) {
        rc = rp_puts(b, "<tr><td><code>");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, src[i].path);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</code></td><td>");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, src[i].format);
        if (rc == TOCSIN_OK)
            rc = rp_printf(b, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                              "<td class=\"n\">%llu",
                           (unsigned long long)src[i].size, (unsigned long long)src[i].posts,
                           (unsigned long long)src[i].skipped);
        if (rc == TOCSIN_OK && src[i].skipped_detail && src[i].skipped_detail[0]) {
            rc = rp_puts(b, " <small>(");
            if (rc == TOCSIN_OK)
                rc = rp_html_escape_str(b, src[i].skipped_detail);
            if (rc == TOCSIN_OK)
                rc = rp_puts(b, ")</small>");
        }
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</td><td>");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, src[i].status);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</td><td class=\"hash\">");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, src[i].sha256);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</td></tr>\n");
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</tbody></table>\n<h3>Watchlist</h3>\n<p>Watchlist hash");
    /* distinct watchlist hashes of the sources */
    size_t nh = 0;
    for (size_t i = 0; i < ns && rc == TOCSIN_OK; i++) {
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = src[k].watchlist_hash && src[i].watchlist_hash &&
                   strcmp(src[k].watchlist_hash, src[i].watchlist_hash) == 0;
        if (seen || !src[i].watchlist_hash || !src[i].watchlist_hash[0])
            continue;
        rc = rp_puts(b, nh++ ? ", <code>" : ": <code>");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, src[i].watchlist_hash);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</code>");
    }
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, nh > 1 ? " (sources were read with different watchlists).</p>\n"
                               : ".</p>\n");
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "<table class=\"watchlist\"><thead><tr><th>topic</th><th>label</th>"
                        "<th>terms that matched (kept posts)</th></tr></thead><tbody>\n");
    /* every topic's matched terms in one pass over the matches, counted in a hash table (SQL's
     * GROUP BY would sort every match), most frequent first */
    tc_buf *cells = rc == TOCSIN_OK ? calloc(c->n, sizeof *cells) : NULL;
    if (rc == TOCSIN_OK && !cells)
        rc = nomem(c->err);
    for (size_t i = 0; cells && i < c->n; i++)
        tc_buf_init(&cells[i], 1 << 20);
    term_count *tc = NULL;
    size_t ntc = 0;
    if (rc == TOCSIN_OK)
        rc = count_terms(c, &tc, &ntc);
    for (size_t k = 0, shown = 0; rc == TOCSIN_OK && k < ntc; k++) {
        if (k == 0 || tc[k].topic != tc[k - 1].topic)
            shown = 0;
        size_t i = 0;
        while (i < c->n && c->t[i].id != tc[k].topic)
            i++;
        if (i == c->n || shown >= 40)
            continue;
        rc = rp_puts(&cells[i], shown++ ? ", " : "");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(&cells[i], tc[k].term);
        if (rc == TOCSIN_OK)
            rc = rp_printf(&cells[i], " (%llu)", (unsigned long long)tc[k].n);
    }
    for (size_t k = 0; k < ntc; k++)
        free(tc[k].term);
    free(tc);
    for (size_t i = 0; i < c->n && rc == TOCSIN_OK; i++) {
        rc = rp_puts(b, "<tr><td>");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, c->t[i].name);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</td><td>");
        if (rc == TOCSIN_OK)
            rc = rp_html_escape_str(b, c->t[i].label);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</td><td>");
        if (rc == TOCSIN_OK && cells[i].len)
            rc = tc_buf_append(b, cells[i].data, cells[i].len);
        if (rc == TOCSIN_OK)
            rc = rp_puts(b, "</td></tr>\n");
    }
    for (size_t i = 0; cells && i < c->n; i++)
        tc_buf_free(&cells[i]);
    free(cells);
    if (rc == TOCSIN_OK)
        rc = rp_puts(b, "</tbody></table>\n</section>\n");
    return rc;
}

static tocsin_status check_opts(const tocsin_report_opts *o, tocsin_error *err)
{
    if (o->has_windows) {
        if (o->before_to <= o->before_from || o->after_to <= o->after_from)
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "window",
                                "a window ends before it starts");
        if (o->before_from < o->after_to && o->after_from < o->before_to)
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "window",
                                "the before and after windows overlap");
    }
    if (o->has_claim && (!o->has_windows || !(o->claim_low > 0) || !(o->claim_high >= o->claim_low)))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "claim",
                            o->has_windows ? "a claim must be LOW..HIGH with 0 < LOW <= HIGH"
                                           : "a claim needs the two windows");
    if (!(o->level == 0 || (o->level > 0 && o->level < 1)))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "level",
                            "the confidence level must be between 0 and 1");
    if (o->measure != TOCSIN_MEASURE_POSTS && o->measure != TOCSIN_MEASURE_UNIQUE &&
        o->measure != TOCSIN_MEASURE_AUTHORS)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "measure", "unknown measure");
    if (o->evidence > 1000)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "evidence",
                            "at most 1000 evidence posts per topic");
    return TOCSIN_OK;
}

tocsin_status tocsin_report_html(tocsin_store *s, const tocsin_report_opts *o, char **html,
                                 size_t *len, tocsin_error *err)
{
    tocsin_report_opts def;
    if (!o) {
        tocsin_report_opts_init(&def);
        o = &def;
    }
    if (!s || !html || !len)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "report: missing argument");
    tocsin_status rc = check_opts(o, err);
    if (rc != TOCSIN_OK)
        return rc;
    tc_buf b;
    tc_buf_init(&b, REPORT_CAP);
    rp_ctx c = {.s = s, .o = o, .b = &b, .err = err};
    rc = load_topics(&c);
    if (rc == TOCSIN_OK && (!o->topics || !o->n_topics)) {
        tocsin_trend_query tq = {.by = TOCSIN_BY_DAY};
        rc = tocsin_store_trend(s, &tq, &c.all_rows, &c.n_all, err);
        tocsin_surge_query sq;
        tocsin_surge_query_init(&sq);
        sq.measure = o->measure;
        sq.level = o->level;
        if (rc == TOCSIN_OK)
            rc = tocsin_surges(s, &sq, &c.all_surges, err);
    }
    for (size_t i = 0; i < c.n && rc == TOCSIN_OK; i++)
        rc = load_topic(&c, &c.t[i]);
    if (rc == TOCSIN_OK)
        rc = tocsin_store_coverage(s, &c.cov, err);
    tocsin_status wr = TOCSIN_OK; /* a failure while writing markup (buffer) */
    if (rc == TOCSIN_OK) {
        wr = head(&c);
        if (wr == TOCSIN_OK)
            wr = rp_puts(&b, "<section id=\"summary\">\n<h2>Summary</h2>\n");
        if (wr == TOCSIN_OK && o->has_windows)
            wr = compare_table(&c);
        if (wr == TOCSIN_OK)
            wr = changes_table(&c);
        if (wr == TOCSIN_OK)
            wr = rp_puts(&b, "</section>\n");
        for (size_t i = 0; i < c.n && wr == TOCSIN_OK; i++)
            wr = topic_section(&c, i);
        if (wr == TOCSIN_OK)
            wr = coverage_section(&c);
        if (wr == TOCSIN_OK)
            wr = methods_section(&c);
        if (wr == TOCSIN_OK)
            wr = rp_puts(&b, "<footer class=\"note\"><p>Generated by tocsin " TOCSIN_VERSION
                             " (self-contained: no script, nothing loaded).</p></footer>\n"
                             "</body>\n</html>\n");
        /* sections that fail in the store fill err themselves; buffer failures do not */
        if (wr != TOCSIN_OK && err && err->code == TOCSIN_OK)
            tc_error_set(err, wr, NULL, 0, NULL, "building the report: %s", tocsin_strerror(wr));
        rc = wr;
    }
    for (size_t i = 0; i < c.n; i++)
        topic_free(&c.t[i]);
    free(c.t);
    tocsin_coverage_free(c.cov);
    free(c.all_rows);
    tocsin_surges_free(c.all_surges);
    if (rc != TOCSIN_OK) {
        tc_buf_free(&b);
        return rc;
    }
    *len = b.len;
    *html = b.data;
    return TOCSIN_OK;
}

tocsin_status tocsin_report_write(tocsin_store *s, const tocsin_report_opts *o, const char *path,
                                  tocsin_error *err)
{
    if (!path || !*path)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "out", "no output file given");
    char *html;
    size_t len;
    tocsin_status rc = tocsin_report_html(s, o, &html, &len, err);
    if (rc != TOCSIN_OK)
        return rc;
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 32);
    if (!tmp) {
        free(html);
        return nomem(err);
    }
    snprintf(tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL, "cannot create: %s", strerror(errno));
    } else {
        bool ok = fwrite(html, 1, len, f) == len;
        ok = (fclose(f) == 0) && ok;
        if (!ok || rename(tmp, path) != 0) {
            rc = tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL, "cannot write: %s",
                              strerror(errno));
            unlink(tmp);
        }
    }
    free(tmp);
    free(html);
    return rc;
}
