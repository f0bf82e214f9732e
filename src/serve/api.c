/* api.c: the dashboard's JSON API. Each endpoint parses its query parameters strictly (a bad
 * value is a usage error naming the parameter, answered 400), calls the same library function as
 * the CLI command of the same name (tocsin_store_trend, tocsin_compare, tocsin_surges,
 * tocsin_store_coverage) and writes the same objects as that command's --output json, as one
 * JSON array (sources: {"sources": [...], "channels": [...]}). Every string from the store goes
 * through sv_json_str, which also escapes < > & so no post text can close a script or a tag. */
#include "serve/serve_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAD(field, ...) tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, field, __VA_ARGS__)

tocsin_status sv_printf(tc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TOCSIN_ERR_NOMEM;
    if ((size_t)n < sizeof small)
        return tc_buf_append(b, small, (size_t)n);
    tocsin_status st = tc_buf_reserve(b, (size_t)n + 1);
    if (st != TOCSIN_OK)
        return st;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return TOCSIN_OK;
}

static tocsin_status puts_b(tc_buf *b, const char *s) { return tc_buf_append(b, s, strlen(s)); }

tocsin_status sv_json_str(tc_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    tocsin_status st = tc_buf_reserve(b, n + 2);
    if (st != TOCSIN_OK)
        return st;
    tc_buf_putc(b, '"');
    size_t i = 0;
    while (i < n && st == TOCSIN_OK) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t k = tc_utf8_decode((const unsigned char *)s + i, n - i, &cp);
            if (cp == 0xFFFD && !(k == 3 && tc_utf8_valid(s + i, 3))) {
                st = puts_b(b, "\\ufffd");
            } else if (cp == 0x2028 || cp == 0x2029) {
                st = sv_printf(b, "\\u%04x", (unsigned)cp);
            } else {
                st = tc_buf_append(b, s + i, k);
            }
            i += k;
            continue;
        }
        char e[8];
        switch (c) {
        case '"': st = puts_b(b, "\\\""); break;
        case '\\': st = puts_b(b, "\\\\"); break;
        case '\n': st = puts_b(b, "\\n"); break;
        case '\r': st = puts_b(b, "\\r"); break;
        case '\t': st = puts_b(b, "\\t"); break;
        default:
            if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
                e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0';
                e[4] = hex[c >> 4]; e[5] = hex[c & 15];
                st = tc_buf_append(b, e, 6);
            } else {
                st = tc_buf_putc(b, (char)c);
            }
        }
        i++;
    }
    if (st == TOCSIN_OK)
        st = tc_buf_putc(b, '"');
    return st;
}

static tocsin_status jstr(tc_buf *b, const char *s) { return sv_json_str(b, s ? s : "", s ? strlen(s) : 0); }

tocsin_status sv_json_num(tc_buf *b, double v)
{
    if (isnan(v) || isinf(v))
        return puts_b(b, "null");
    return sv_printf(b, "%.6g", v);
}

/* --- parameters ------------------------------------------------------------------------------ */

/* A text parameter: at most 200 bytes of valid UTF-8 without control characters. */
static tocsin_status p_text(sv_param_fn get, void *ctx, const char *name, const char **out,
                            tocsin_error *err)
{
    const char *v = get(ctx, name);
    *out = NULL;
    if (!v)
        return TOCSIN_OK;
    size_t n = strlen(v);
    if (n == 0 || n > 200 || !tc_utf8_valid(v, n))
        return BAD(name, "'%s' must be 1 to 200 bytes of UTF-8", name);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return BAD(name, "'%s' holds a control character", name);
    *out = v;
    return TOCSIN_OK;
}

/* A keyword parameter: the index of its value in `words` (NULL-terminated), `def` when absent. */
static tocsin_status p_word(sv_param_fn get, void *ctx, const char *name, const char *const *words,
                            int def, int *out, tocsin_error *err)
{
    const char *v = get(ctx, name);
    *out = def;
    if (!v)
        return TOCSIN_OK;
    for (int i = 0; words[i]; i++)
        if (!strcmp(v, words[i])) {
            *out = i;
            return TOCSIN_OK;
        }
    char list[160] = "";
    for (int i = 0; words[i]; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, words[i], sizeof list - strlen(list) - 1);
    }
    return BAD(name, "'%s' must be one of %s", name, list);
}

static tocsin_status p_level(sv_param_fn get, void *ctx, double *out, tocsin_error *err)
{
    const char *v = get(ctx, "level");
    *out = 0;
    if (!v)
        return TOCSIN_OK;
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !(x > 0 && x < 1))
        return BAD("level", "'level' must be a number in (0, 1)");
    *out = x;
    return TOCSIN_OK;
}

static const char *const measures[] = {"posts", "unique", "authors", NULL};

static void day_of(int64_t ts, char *buf, size_t cap)
{
    char t[32];
    tocsin_time_format(ts, t, sizeof t);
    snprintf(buf, cap, "%.10s", t);
}

/* --- /api/trend ------------------------------------------------------------------------------ */

static uint64_t pick(const tocsin_trend_row *r, int m, bool total)
{
    if (m == 1)
        return total ? r->total_unique : r->unique;
    if (m == 2)
        return total ? r->total_authors : r->authors;
    return total ? r->total_posts : r->posts;
}

tocsin_status sv_api_trend(tocsin_store *s, sv_param_fn get, void *ctx, tc_buf *out,
                           tocsin_error *err)
{
    static const char *const bys[] = {"hour", "day", "week", "month", NULL};
    tocsin_trend_query q = {NULL, NULL, NULL, TOCSIN_BY_DAY};
    int by, m;
    tocsin_status st;
    if ((st = p_text(get, ctx, "topic", &q.topic, err)) || (st = p_text(get, ctx, "lang", &q.lang, err)) ||
        (st = p_text(get, ctx, "channel", &q.channel, err)) ||
        (st = p_word(get, ctx, "by", bys, 1, &by, err)) ||
        (st = p_word(get, ctx, "measure", measures, 0, &m, err)))
        return st;
    if (tocsin_bucket_parse(bys[by], &q.by) != TOCSIN_OK)
        return BAD("by", "bad bucket");
    tocsin_trend_row *rows = NULL;
    size_t n = 0;
    if ((st = tocsin_store_trend(s, &q, &rows, &n, err)) != TOCSIN_OK)
        return st;
    st = tc_buf_putc(out, '[');
    for (size_t i = 0; i < n && st == TOCSIN_OK; i++) {
        const tocsin_trend_row *r = &rows[i];
        char b[32];
        tocsin_bucket_format(r->bucket, q.by, b, sizeof b);
        st = puts_b(out, i ? ",\n{\"topic\":" : "{\"topic\":");
        if (!st) st = jstr(out, r->topic);
        if (!st) st = puts_b(out, ",\"lang\":");
        if (!st) st = jstr(out, r->lang);
        if (!st)
            st = sv_printf(out,
                           ",\"bucket\":\"%s\",\"posts\":%llu,\"unique\":%llu,\"authors\":%llu,"
                           "\"total_posts\":%llu,\"total_unique\":%llu,\"total_authors\":%llu,"
                           "\"share\":",
                           b, (unsigned long long)r->posts, (unsigned long long)r->unique,
                           (unsigned long long)r->authors, (unsigned long long)r->total_posts,
                           (unsigned long long)r->total_unique,
                           (unsigned long long)r->total_authors);
        uint64_t t = pick(r, m, true);
        if (!st)
            st = t ? sv_printf(out, "%.6g", (double)pick(r, m, false) / (double)t)
                   : puts_b(out, "null");
        if (!st)
            st = sv_printf(out,
                           ",\"channels\":%u,\"channels_joined\":%u,\"channels_left\":%u,"
                           "\"coverage_changed\":%s}",
                           r->channels, r->joined, r->left, r->joined || r->left ? "true" : "false");
    }
    if (!st)
        st = puts_b(out, "]\n");
    free(rows);
    if (st)
        return tc_error_set(err, st, NULL, 0, NULL, "response too large");
    return TOCSIN_OK;
}

/* --- /api/compare ---------------------------------------------------------------------------- */

static tocsin_status p_claim(const char *v, double *lo, double *hi)
{
    const char *dots = strstr(v, "..");
    if (!dots)
        return TOCSIN_ERR_USAGE;
    char *end;
    char a[64];
    size_t n = (size_t)(dots - v);
    if (n == 0 || n >= sizeof a)
        return TOCSIN_ERR_USAGE;
    memcpy(a, v, n);
    a[n] = '\0';
    *lo = strtod(a, &end);
    if (*end)
        return TOCSIN_ERR_USAGE;
    *hi = strtod(dots + 2, &end);
    if (*end || end == dots + 2)
        return TOCSIN_ERR_USAGE;
    return *lo > 0 && *hi >= *lo && isfinite(*hi) ? TOCSIN_OK : TOCSIN_ERR_USAGE;
}

tocsin_status sv_api_compare(tocsin_store *s, sv_param_fn get, void *ctx, tc_buf *out,
                             tocsin_error *err)
{
    static const char *const bys[] = {"lang", "channel", "none", NULL};
    static const char *const norms[] = {"share", "per-day", NULL};
    tocsin_compare_query q;
    memset(&q, 0, sizeof q);
    int by, m, nz;
    const char *before, *after, *claim;
    tocsin_status st;
    if ((st = p_text(get, ctx, "topic", &q.topic, err)) ||
        (st = p_text(get, ctx, "before", &before, err)) ||
        (st = p_text(get, ctx, "after", &after, err)) ||
        (st = p_text(get, ctx, "claim", &claim, err)) ||
        (st = p_word(get, ctx, "by", bys, 0, &by, err)) ||
        (st = p_word(get, ctx, "measure", measures, 1, &m, err)) ||
        (st = p_word(get, ctx, "normalize", norms, 0, &nz, err)) || (st = p_level(get, ctx, &q.level, err)))
        return st;
    if (!q.topic)
        return BAD("topic", "'topic' is required");
    if (!before || !after)
        return BAD(before ? "after" : "before", "'before' and 'after' are required (YYYY-MM-DD..YYYY-MM-DD)");
    tocsin_error e2;
    tocsin_error_clear(&e2);
    if (tocsin_day_range_parse(before, &q.before_from, &q.before_to, &e2) != TOCSIN_OK)
        return BAD("before", "'before': %s", e2.message);
    if (tocsin_day_range_parse(after, &q.after_from, &q.after_to, &e2) != TOCSIN_OK)
        return BAD("after", "'after': %s", e2.message);
    if (claim) {
        if (p_claim(claim, &q.claim_low, &q.claim_high) != TOCSIN_OK)
            return BAD("claim", "'claim' must be LOW..HIGH with 0 < LOW <= HIGH");
        q.has_claim = true;
    }
    q.by = (tocsin_compare_by)by;
    q.measure = (tocsin_measure)m;
    q.normalize = nz ? TOCSIN_NORM_PER_DAY : TOCSIN_NORM_SHARE;
    tocsin_compare_row *rows = NULL;
    size_t n = 0;
    if ((st = tocsin_compare(s, &q, &rows, &n, err)) != TOCSIN_OK)
        return st;
    st = tc_buf_putc(out, '[');
    for (size_t i = 0; i < n && !st; i++) {
        const tocsin_compare_row *r = &rows[i];
        st = puts_b(out, i ? ",\n{\"topic\":" : "{\"topic\":");
        if (!st) st = jstr(out, r->topic);
        if (!st) st = sv_printf(out, ",\"%s\":", q.by == TOCSIN_COMPARE_BY_CHANNEL ? "channel" : "lang");
        if (!st) st = jstr(out, r->group);
        if (!st)
            st = sv_printf(out, ",\"measure\":\"%s\",\"normalize\":\"%s\"",
                           tocsin_measure_name(q.measure),
                           q.normalize == TOCSIN_NORM_SHARE ? "share" : "per-day");
        const tocsin_compare_side *sd[2] = {&r->before, &r->after};
        for (int w = 0; w < 2 && !st; w++)
            st = sv_printf(out, ",\"%s\":{\"posts\":%llu,\"total\":%llu,\"days\":%u}",
                           w ? "after" : "before", (unsigned long long)sd[w]->posts,
                           (unsigned long long)sd[w]->total, sd[w]->days);
        if (st)
            break;
        if (!r->ok) {
            st = puts_b(out, ",\"rate_ratio\":null,\"ci_low\":null,\"ci_high\":null,"
                             "\"ci_method\":null,\"p_value\":null,\"q_value\":null,"
                             "\"loo_min\":null,\"loo_max\":null");
            if (!st && q.has_claim)
                st = puts_b(out, ",\"verdict\":null");
            if (!st) st = puts_b(out, ",\"note\":");
            if (!st) st = jstr(out, r->note);
            if (!st) st = tc_buf_putc(out, '}');
            continue;
        }
        const tocsin_rate_ratio *rr = &r->rr;
        const struct {
            const char *k;
            double v;
        } f[] = {{"rate_ratio", rr->ratio}, {"ci_low", rr->ci_low}, {"ci_high", rr->ci_high}};
        for (size_t k = 0; k < 3 && !st; k++) {
            st = sv_printf(out, ",\"%s\":", f[k].k);
            if (!st) st = sv_json_num(out, f[k].v);
        }
        if (!st)
            st = sv_printf(out, ",\"ci_method\":\"%s\",\"level\":%g",
                           tocsin_ci_method_name(rr->ci_method), rr->level);
        const struct {
            const char *k;
            double v;
        } g[] = {{"p_value", rr->p_value},
                 {"q_value", r->q_value},
                 {"loo_min", r->loo_min},
                 {"loo_max", r->loo_max},
                 {"exact_low", rr->exact_low},
                 {"exact_high", rr->exact_high},
                 {"quasi_low", rr->has_quasi ? rr->quasi_low : NAN},
                 {"quasi_high", rr->has_quasi ? rr->quasi_high : NAN},
                 {"dispersion_before", rr->has_quasi ? rr->dispersion_before : NAN},
                 {"dispersion_after", rr->has_quasi ? rr->dispersion_after : NAN}};
        for (size_t k = 0; k < sizeof g / sizeof g[0] && !st; k++) {
            st = sv_printf(out, ",\"%s\":", g[k].k);
            if (!st) st = sv_json_num(out, g[k].v);
        }
        if (!st && r->has_verdict)
            st = sv_printf(out, ",\"verdict\":\"%s\"", tocsin_verdict_name(r->verdict));
        if (!st)
            st = tc_buf_putc(out, '}');
    }
    if (!st)
        st = puts_b(out, "]\n");
    tocsin_compare_rows_free(rows, n);
    if (st)
        return tc_error_set(err, st, NULL, 0, NULL, "response too large");
    return TOCSIN_OK;
}

/* --- /api/surges ----------------------------------------------------------------------------- */

static void fmt_time(int64_t t, tocsin_surge_method m, tocsin_bucket by, char *buf, size_t cap)
{
    if (m == TOCSIN_SURGE_BURST) {
        char d[32];
        tocsin_bucket_format(tocsin_bucket_start(t, TOCSIN_BY_DAY), TOCSIN_BY_DAY, d, sizeof d);
        snprintf(buf, cap, "%.10sT%02d:%02d:%02dZ", d, (int)((t % 86400 + 86400) % 86400 / 3600),
                 (int)((t % 3600 + 3600) % 3600 / 60), (int)((t % 60 + 60) % 60));
    } else {
        tocsin_bucket_format(t, by, buf, cap);
    }
}

static tocsin_status json_post(tc_buf *b, const tocsin_ev_post *p)
{
    char t[40];
    fmt_time(p->ts, TOCSIN_SURGE_BURST, TOCSIN_BY_DAY, t, sizeof t);
    tocsin_status st = sv_printf(b, "{\"key\":%lld,\"id\":", (long long)p->key);
    if (!st) st = jstr(b, p->id);
    if (!st) st = sv_printf(b, ",\"time\":\"%s\",\"channel\":", t);
    if (!st) st = jstr(b, p->channel);
    if (!st) st = puts_b(b, ",\"author\":");
    if (!st) st = jstr(b, p->author);
    if (!st) st = sv_printf(b, ",\"cluster\":%lld,\"text\":", (long long)p->cluster);
    if (!st) st = jstr(b, p->text);
    if (!st) st = tc_buf_putc(b, '}');
    return st;
}

static tocsin_status json_finding(tc_buf *b, const tocsin_surge_finding *f,
                                  const tocsin_surge_series *ser, const tocsin_surge_query *q)
{
    char a[40], c1[40], c2[40], d[40];
    fmt_time(f->start, q->method, q->by, a, sizeof a);
    fmt_time(f->start_low, q->method, q->by, c1, sizeof c1);
    fmt_time(f->start_high, q->method, q->by, c2, sizeof c2);
    fmt_time(f->end, q->method, q->by, d, sizeof d);
    tocsin_status st = puts_b(b, "{\"topic\":");
    if (!st) st = jstr(b, f->topic);
    if (!st) st = puts_b(b, ",\"lang\":");
    if (!st) st = jstr(b, f->lang);
    if (!st)
        st = sv_printf(b,
                       ",\"method\":\"%s\",\"by\":\"%s\",\"measure\":\"%s\",\"normalize\":\"%s\","
                       "\"start\":\"%s\",\"start_ci\":[\"%s\",\"%s\"],\"end\":",
                       tocsin_surge_method_name(q->method), q->by == TOCSIN_BY_HOUR ? "hour" : "day",
                       tocsin_measure_name(q->measure), q->share ? "share" : "none", a, c1, c2);
    if (!st) st = f->ongoing ? puts_b(b, "null") : sv_printf(b, "\"%s\"", d);
    if (!st) st = sv_printf(b, ",\"ongoing\":%s", f->ongoing ? "true" : "false");
    if (st)
        return st;
    if (q->method == TOCSIN_SURGE_PELT) {
        const struct {
            const char *k;
            double v;
        } g[] = {{"rate_before", f->rate_before},
                 {"rate_after", f->rate_after},
                 {"rate_ratio", f->has_rr ? f->rr.ratio : NAN},
                 {"ci_low", f->has_rr ? f->rr.ci_low : NAN},
                 {"ci_high", f->has_rr ? f->rr.ci_high : NAN}};
        for (size_t k = 0; k < 5 && !st; k++) {
            st = sv_printf(b, ",\"%s\":", g[k].k);
            if (!st) st = sv_json_num(b, g[k].v);
        }
        if (!st) st = sv_printf(b, ",\"ci_method\":\"%s\",\"p_value\":", tocsin_ci_method_name(f->rr.ci_method));
        if (!st) st = sv_json_num(b, f->rr.p_value);
        if (!st)
            st = sv_printf(b, ",\"cost\":\"%s\",\"penalty\":",
                           ser->cost == TOCSIN_CPT_NEGBIN          ? "negative-binomial"
                           : ser->cost == TOCSIN_CPT_QUASI_POISSON ? "quasi-poisson"
                                                                   : "poisson");
        if (!st) st = sv_json_num(b, ser->penalty);
        if (!st) st = puts_b(b, ",\"penalty_rule\":");
        if (!st) st = jstr(b, tocsin_surges_penalty_rule());
        if (!st) st = puts_b(b, ",\"dispersion\":");
        if (!st) st = sv_json_num(b, ser->dispersion);
        if (!st) st = sv_printf(b, ",\"buckets\":%zu", ser->n);
    } else {
        st = puts_b(b, q->method == TOCSIN_SURGE_ESD ? ",\"value\":" : ",\"weight\":");
        if (!st) st = sv_json_num(b, f->value);
    }
    if (!st)
        st = sv_printf(b, ",\"posts\":%llu,\"kept_posts\":%llu,\"evidence\":{\"terms\":[",
                       (unsigned long long)f->posts, (unsigned long long)f->kept);
    for (size_t i = 0; i < f->n_terms && !st; i++) {
        st = puts_b(b, i ? ",{\"term\":" : "{\"term\":");
        if (!st) st = jstr(b, f->terms[i].name);
        if (!st) st = sv_printf(b, ",\"posts\":%llu}", (unsigned long long)f->terms[i].posts);
    }
    if (!st) st = puts_b(b, "],\"channels\":[");
    for (size_t i = 0; i < f->n_channels && !st; i++) {
        st = puts_b(b, i ? ",{\"channel\":" : "{\"channel\":");
        if (!st) st = jstr(b, f->channels[i].name);
        if (!st) st = sv_printf(b, ",\"posts\":%llu}", (unsigned long long)f->channels[i].posts);
    }
    if (!st) st = puts_b(b, "],\"clusters\":[");
    for (size_t i = 0; i < f->n_clusters && !st; i++) {
        st = sv_printf(b, "%s{\"cluster\":%lld,\"posts\":%llu,\"example\":", i ? "," : "",
                       (long long)f->clusters[i].cluster, (unsigned long long)f->clusters[i].posts);
        if (!st) st = json_post(b, &f->clusters[i].example);
        if (!st) st = tc_buf_putc(b, '}');
    }
    if (!st) st = puts_b(b, "],\"first_posts\":[");
    for (size_t i = 0; i < f->n_first && !st; i++) {
        if (i)
            st = tc_buf_putc(b, ',');
        if (!st) st = json_post(b, &f->first[i]);
    }
    if (!st) st = puts_b(b, "]}}");
    return st;
}

tocsin_status sv_api_surges(tocsin_store *s, sv_param_fn get, void *ctx, tc_buf *out,
                            tocsin_error *err)
{
    static const char *const bys[] = {"day", "hour", NULL};
    static const char *const norms[] = {"share", "none", NULL};
    static const char *const methods[] = {"pelt", "esd", "burst", NULL};
    tocsin_surge_query q;
    tocsin_surge_query_init(&q);
    int by, m, nz, meth;
    tocsin_status st;
    if ((st = p_text(get, ctx, "topic", &q.topic, err)) || (st = p_text(get, ctx, "lang", &q.lang, err)) ||
        (st = p_word(get, ctx, "by", bys, 0, &by, err)) ||
        (st = p_word(get, ctx, "measure", measures, (int)q.measure, &m, err)) ||
        (st = p_word(get, ctx, "normalize", norms, q.share ? 0 : 1, &nz, err)) ||
        (st = p_word(get, ctx, "method", methods, 0, &meth, err)) ||
        (st = p_level(get, ctx, &q.level, err)))
        return st;
    const char *top = get(ctx, "top");
    if (top) {
        char *end;
        long t = strtol(top, &end, 10);
        if (!*top || *end || t < 1 || t > 100)
            return BAD("top", "'top' must be an integer from 1 to 100");
        q.top = (size_t)t;
    }
    q.by = by ? TOCSIN_BY_HOUR : TOCSIN_BY_DAY;
    q.measure = (tocsin_measure)m;
    q.share = nz == 0;
    q.method = (tocsin_surge_method)meth;
    tocsin_surges_result *r = NULL;
    if ((st = tocsin_surges(s, &q, &r, err)) != TOCSIN_OK)
        return st;
    const tocsin_surge_finding *f;
    const tocsin_surge_series *ser;
    size_t nf = tocsin_surges_findings(r, &f);
    tocsin_surges_series(r, &ser);
    st = tc_buf_putc(out, '[');
    for (size_t i = 0; i < nf && !st; i++) {
        if (i)
            st = puts_b(out, ",\n");
        if (!st)
            st = json_finding(out, &f[i], &ser[f[i].series], &q);
    }
    if (!st)
        st = puts_b(out, "]\n");
    tocsin_surges_free(r);
    if (st)
        return tc_error_set(err, st, NULL, 0, NULL, "response too large");
    return TOCSIN_OK;
}

/* --- /api/sources ---------------------------------------------------------------------------- */

tocsin_status sv_api_sources(tocsin_store *s, sv_param_fn get, void *ctx, tc_buf *out,
                             tocsin_error *err)
{
    (void)get;
    (void)ctx;
    tocsin_coverage *c = NULL;
    tocsin_status st = tocsin_store_coverage(s, &c, err);
    if (st)
        return st;
    const tocsin_source_info *src;
    const tocsin_channel_info *ch;
    size_t ns = tocsin_coverage_sources(c, &src), nc = tocsin_coverage_channels(c, &ch);
    char a[32], b[32];
    st = puts_b(out, "{\"sources\":[");
    for (size_t i = 0; i < ns && !st; i++) {
        st = puts_b(out, i ? ",\n{\"source\":" : "{\"source\":");
        if (!st) st = jstr(out, src[i].path);
        if (!st) st = puts_b(out, ",\"sha256\":");
        if (!st) st = jstr(out, src[i].sha256);
        if (!st) st = puts_b(out, ",\"format\":");
        if (!st) st = jstr(out, src[i].format);
        if (!st) st = puts_b(out, ",\"skipped_by_reason\":");
        if (!st) st = jstr(out, src[i].skipped_detail);
        tocsin_time_format(src[i].ingested, a, sizeof a);
        if (!st)
            st = sv_printf(out,
                           ",\"size\":%llu,\"records\":%llu,\"posts\":%llu,\"skipped\":%llu,"
                           "\"new_posts\":%llu,\"duplicates\":%llu,\"status\":",
                           (unsigned long long)src[i].size, (unsigned long long)src[i].records,
                           (unsigned long long)src[i].posts, (unsigned long long)src[i].skipped,
                           (unsigned long long)src[i].new_posts,
                           (unsigned long long)src[i].duplicates);
        if (!st) st = jstr(out, src[i].status);
        if (!st) st = sv_printf(out, ",\"ingested\":\"%s\",\"watchlist\":", a);
        if (!st) st = jstr(out, src[i].watchlist_hash);
        if (!st) st = tc_buf_putc(out, '}');
    }
    if (!st) st = puts_b(out, "],\n\"channels\":[");
    for (size_t i = 0; i < nc && !st; i++) {
        st = puts_b(out, i ? ",\n{\"channel\":" : "{\"channel\":");
        if (!st) st = jstr(out, ch[i].channel);
        if (!st) st = puts_b(out, ",\"platform\":");
        if (!st) st = jstr(out, ch[i].platform);
        if (!st) st = puts_b(out, ",\"name\":");
        if (!st) st = jstr(out, ch[i].name);
        tocsin_time_format(ch[i].first, a, sizeof a);
        tocsin_time_format(ch[i].last, b, sizeof b);
        if (!st)
            st = sv_printf(out,
                           ",\"posts\":%llu,\"first\":\"%s\",\"last\":\"%s\",\"joined_late\":%s,"
                           "\"vanished\":%s,\"gaps\":[",
                           (unsigned long long)ch[i].posts, a, b,
                           ch[i].joined_late ? "true" : "false", ch[i].vanished ? "true" : "false");
        for (size_t g = 0; g < ch[i].n_gaps && !st; g++) {
            day_of(ch[i].gaps[g].from, a, sizeof a);
            day_of(ch[i].gaps[g].to, b, sizeof b);
            st = sv_printf(out, "%s{\"from\":\"%s\",\"to\":\"%s\"}", g ? "," : "", a, b);
        }
        if (!st) st = puts_b(out, "]}");
    }
    if (!st) st = puts_b(out, "]}\n");
    tocsin_coverage_free(c);
    if (st)
        return tc_error_set(err, st, NULL, 0, NULL, "response too large");
    return TOCSIN_OK;
}
