/* cmd_surges.c: `tocsin surges`: when each topic surged in each language, from the store: change
 * points (or spikes, or bursts), each surge with the interval on its start, its rate ratio, and
 * the posts behind it; a readable report with a chart, or JSON Lines; --evidence DIR writes the
 * posts and a manifest. All numbers come from tocsin_surges() (stage analyse). */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char surges_usage[] =
    "usage: tocsin surges [--db FILE] [--topic T] [--lang L] [--measure posts|unique|authors]\n"
    "                     [--by day|hour] [--normalize share|none] [--method pelt|esd|burst]\n"
    "                     [--level P] [--top N] [--output table|json] [--evidence DIR]\n"
    "Finds surges of each topic x language series. pelt (default): change points in the\n"
    "topic's share of all posts of the language (--normalize none: raw counts) with a fixed\n"
    "penalty rule (3 log n per change, scaled by the estimated dispersion); each upward change\n"
    "is a surge with the interval on its start, its end (or ongoing) and its rate ratio against\n"
    "the regime before. esd: seasonal-hybrid ESD spikes (period 7 days or 24 hours). burst:\n"
    "Kleinberg bursts on the times of the topic's posts. measure: unique (default), posts,\n"
    "authors. Evidence: top terms, channels, near-duplicate clusters with an original example,\n"
    "first posts (--top N each, default 5). --evidence DIR writes every post behind each surge\n"
    "(surge-N.csv, surge-N.json) and manifest.json (version, parameters, sources, SHA-256).\n";

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

static void json_post(const tocsin_ev_post *p)
{
    char t[40];
    fmt_time(p->ts, TOCSIN_SURGE_BURST, TOCSIN_BY_DAY, t, sizeof t);
    printf("{\"key\":%lld,\"id\":", (long long)p->key);
    cli_json_str(stdout, p->id, strlen(p->id));
    printf(",\"time\":\"%s\",\"channel\":", t);
    cli_json_str(stdout, p->channel, strlen(p->channel));
    fputs(",\"author\":", stdout);
    cli_json_str(stdout, p->author, strlen(p->author));
    printf(",\"cluster\":%lld,\"text\":", (long long)p->cluster);
    cli_json_str(stdout, p->text, strlen(p->text));
    putchar('}');
}

static void print_json(const tocsin_surge_finding *f, const tocsin_surge_series *ser,
                       const tocsin_surge_query *q)
{
    char a[40], b[40], c[40], d[40];
    fmt_time(f->start, q->method, q->by, a, sizeof a);
    fmt_time(f->start_low, q->method, q->by, b, sizeof b);
    fmt_time(f->start_high, q->method, q->by, c, sizeof c);
    fmt_time(f->end, q->method, q->by, d, sizeof d);
    fputs("{\"topic\":", stdout);
    cli_json_str(stdout, f->topic, strlen(f->topic));
    fputs(",\"lang\":", stdout);
    cli_json_str(stdout, f->lang, strlen(f->lang));
    printf(",\"method\":\"%s\",\"by\":\"%s\",\"measure\":\"%s\",\"normalize\":\"%s\","
           "\"start\":\"%s\",\"start_ci\":[\"%s\",\"%s\"],\"end\":",
           tocsin_surge_method_name(q->method), q->by == TOCSIN_BY_HOUR ? "hour" : "day",
           tocsin_measure_name(q->measure), q->share ? "share" : "none", a, b, c);
    if (f->ongoing)
        fputs("null", stdout);
    else
        printf("\"%s\"", d);
    printf(",\"ongoing\":%s", f->ongoing ? "true" : "false");
    if (q->method == TOCSIN_SURGE_PELT) {
        fputs(",\"rate_before\":", stdout);
        cli_json_num(f->rate_before);
        fputs(",\"rate_after\":", stdout);
        cli_json_num(f->rate_after);
        fputs(",\"rate_ratio\":", stdout);
        cli_json_num(f->has_rr ? f->rr.ratio : NAN);
        fputs(",\"ci_low\":", stdout);
        cli_json_num(f->has_rr ? f->rr.ci_low : NAN);
        fputs(",\"ci_high\":", stdout);
        cli_json_num(f->has_rr ? f->rr.ci_high : NAN);
        printf(",\"ci_method\":\"%s\",\"p_value\":", tocsin_ci_method_name(f->rr.ci_method));
        cli_json_num(f->rr.p_value);
        printf(",\"cost\":\"%s\",\"penalty\":",
               ser->cost == TOCSIN_CPT_NEGBIN          ? "negative-binomial"
               : ser->cost == TOCSIN_CPT_QUASI_POISSON ? "quasi-poisson"
                                                       : "poisson");
        cli_json_num(ser->penalty);
        fputs(",\"penalty_rule\":", stdout);
        cli_json_str(stdout, tocsin_surges_penalty_rule(), strlen(tocsin_surges_penalty_rule()));
        fputs(",\"dispersion\":", stdout);
        cli_json_num(ser->dispersion);
        printf(",\"buckets\":%zu", ser->n);
    } else if (q->method == TOCSIN_SURGE_ESD) {
        fputs(",\"value\":", stdout);
        cli_json_num(f->value);
    } else {
        fputs(",\"weight\":", stdout);
        cli_json_num(f->value);
    }
    printf(",\"posts\":%llu,\"kept_posts\":%llu,\"evidence\":{\"terms\":[",
           (unsigned long long)f->posts, (unsigned long long)f->kept);
    for (size_t i = 0; i < f->n_terms; i++) {
        fputs(i ? ",{\"term\":" : "{\"term\":", stdout);
        cli_json_str(stdout, f->terms[i].name, strlen(f->terms[i].name));
        printf(",\"posts\":%llu}", (unsigned long long)f->terms[i].posts);
    }
    fputs("],\"channels\":[", stdout);
    for (size_t i = 0; i < f->n_channels; i++) {
        fputs(i ? ",{\"channel\":" : "{\"channel\":", stdout);
        cli_json_str(stdout, f->channels[i].name, strlen(f->channels[i].name));
        printf(",\"posts\":%llu}", (unsigned long long)f->channels[i].posts);
    }
    fputs("],\"clusters\":[", stdout);
    for (size_t i = 0; i < f->n_clusters; i++) {
        printf("%s{\"cluster\":%lld,\"posts\":%llu,\"example\":", i ? "," : "",
               (long long)f->clusters[i].cluster, (unsigned long long)f->clusters[i].posts);
        json_post(&f->clusters[i].example);
        putchar('}');
    }
    fputs("],\"first_posts\":[", stdout);
    for (size_t i = 0; i < f->n_first; i++) {
        if (i)
            putchar(',');
        json_post(&f->first[i]);
    }
    fputs("]}}\n", stdout);
}

/* Prints at most `max` bytes of text on one line, cut at a UTF-8 character boundary. */
static void short_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    bool cut = n > max;
    if (cut) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    putchar('"');
    /* Post text is hostile: no control character (ESC sequences...) reaches the terminal. */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        putchar(c == '\n' || c == '\r' || c == '\t' ? ' ' : c < 0x20 || c == 0x7f ? '?' : c);
    }
    fputs(cut ? "...\"" : "\"", stdout);
}

/* The topic's series as a sparkline with each finding's start marked by '^' under it. */
static void print_chart(const tocsin_trend_row *rows, size_t nrows, const char *topic,
                        const char *lang, const tocsin_surge_finding *f, size_t nf,
                        const tocsin_surge_query *q)
{
    static const char *spark[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
                                  "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
                                  "\xe2\x96\x87", "\xe2\x96\x88"};
    size_t a = 0;
    while (a < nrows && (strcmp(rows[a].topic, topic) || strcmp(rows[a].lang, lang)))
        a++;
    size_t b = a;
    while (b < nrows && !strcmp(rows[b].topic, topic) && !strcmp(rows[b].lang, lang))
        b++;
    if (a == b)
        return;
    size_t n = b - a, per = (n + 71) / 72, cols = (n + per - 1) / per;
    double *v = calloc(cols, sizeof *v);
    if (!v)
        return;
    double max = 0;
    for (size_t c = 0; c < cols; c++) {
        double x = 0, t = 0;
        for (size_t i = a + c * per; i < a + (c + 1) * per && i < b; i++) {
            const tocsin_trend_row *r = &rows[i];
            x += (double)(q->measure == TOCSIN_MEASURE_UNIQUE    ? r->unique
                          : q->measure == TOCSIN_MEASURE_AUTHORS ? r->authors
                                                                 : r->posts);
            t += (double)(q->measure == TOCSIN_MEASURE_UNIQUE    ? r->total_unique
                          : q->measure == TOCSIN_MEASURE_AUTHORS ? r->total_authors
                                                                 : r->total_posts);
        }
        v[c] = q->share ? (t > 0 ? x / t : 0) : x;
        if (v[c] > max)
            max = v[c];
    }
    fputs("  ", stdout);
    for (size_t c = 0; c < cols; c++) {
        int k = max > 0 ? (int)floor(v[c] / max * 7.999) : 0;
        fputs(spark[k < 0 ? 0 : k > 7 ? 7 : k], stdout);
    }
    char d0[32], d1[32];
    tocsin_bucket_format(rows[a].bucket, q->by, d0, sizeof d0);
    tocsin_bucket_format(rows[b - 1].bucket, q->by, d1, sizeof d1);
    printf("  %s..%s\n", d0, d1);
    size_t marks = 0;
    for (size_t i = 0; i < nf; i++)
        marks += !strcmp(f[i].topic, topic) && !strcmp(f[i].lang, lang);
    if (!marks) {
        free(v);
        return;
    }
    fputs("  ", stdout);
    int64_t step = q->by == TOCSIN_BY_HOUR ? 3600 : 86400;
    for (size_t c = 0; c < cols; c++) {
        int64_t lo = rows[a].bucket + (int64_t)(c * per) * step, hi = lo + (int64_t)per * step;
        bool mark = false;
        for (size_t i = 0; i < nf; i++)
            if (!strcmp(f[i].topic, topic) && !strcmp(f[i].lang, lang) && f[i].start >= lo &&
                f[i].start < hi)
                mark = true;
        putchar(mark ? '^' : ' ');
    }
    printf("  ^ = start of a finding%s\n", per > 1 ? " (several buckets per column)" : "");
    free(v);
}

static void print_finding(const tocsin_surge_finding *f, const tocsin_surge_query *q)
{
    char a[40], b[40], c[40], d[40];
    fmt_time(f->start, q->method, q->by, a, sizeof a);
    fmt_time(f->start_low, q->method, q->by, b, sizeof b);
    fmt_time(f->start_high, q->method, q->by, c, sizeof c);
    fmt_time(f->end, q->method, q->by, d, sizeof d);
    if (q->method == TOCSIN_SURGE_PELT) {
        printf("  surge from %s", a);
        if (f->start_low != f->start_high)
            printf(" (started between %s and %s)", b, c);
        if (f->ongoing)
            printf(", ongoing\n");
        else
            printf(" to %s\n", d);
        char r[32], l[32], h[32];
        tocsin_ratio_format(f->rr.ratio, r, sizeof r);
        tocsin_ratio_format(f->rr.ci_low, l, sizeof l);
        tocsin_ratio_format(f->rr.ci_high, h, sizeof h);
        printf("    \xc3\x97%s (%g %% CI %s\xe2\x80\x93%s, %s) against the regime before", r,
               f->rr.level * 100, l, h, tocsin_ci_method_name(f->rr.ci_method));
        if (q->share)
            printf(": share %.3g %% -> %.3g %%\n", f->rate_before * 100, f->rate_after * 100);
        else
            printf(": %.3g -> %.3g a %s\n", f->rate_before, f->rate_after,
                   q->by == TOCSIN_BY_HOUR ? "hour" : "day");
    } else if (q->method == TOCSIN_SURGE_ESD) {
        printf("  spike at %s: %s %.4g\n", a, q->share ? "share" : "count",
               q->share ? f->value * 100 : f->value);
    } else {
        printf("  burst %s to %s, weight %.3g\n", a, d, f->value);
    }
    printf("    %llu %s, %llu posts kept as evidence\n", (unsigned long long)f->posts,
           q->measure == TOCSIN_MEASURE_UNIQUE    ? "unique posts"
           : q->measure == TOCSIN_MEASURE_AUTHORS ? "distinct authors"
                                                  : "posts",
           (unsigned long long)f->kept);
    if (f->n_terms) {
        fputs("    terms:", stdout);
        for (size_t i = 0; i < f->n_terms; i++)
            printf("%s %s (%llu)", i ? "," : "", f->terms[i].name,
                   (unsigned long long)f->terms[i].posts);
        putchar('\n');
    }
    if (f->n_channels) {
        fputs("    channels:", stdout);
        for (size_t i = 0; i < f->n_channels; i++)
            printf("%s %s (%llu)", i ? "," : "", f->channels[i].name,
                   (unsigned long long)f->channels[i].posts);
        putchar('\n');
    }
    for (size_t i = 0; i < f->n_clusters; i++) {
        const tocsin_ev_post *p = &f->clusters[i].example;
        printf("    %llu near-identical posts, first in %s: ",
               (unsigned long long)f->clusters[i].posts, p->channel);
        short_text(p->text, 90);
        putchar('\n');
    }
    if (f->n_first)
        fputs("    first posts:\n", stdout);
    for (size_t i = 0; i < f->n_first; i++) {
        char t[40];
        fmt_time(f->first[i].ts, TOCSIN_SURGE_BURST, q->by, t, sizeof t);
        printf("      %s %s ", t, f->first[i].channel);
        short_text(f->first[i].text, 80);
        putchar('\n');
    }
}

int cmd_surges(int argc, char **argv)
{
    const char *db = "tocsin.db", *evdir = NULL;
    tocsin_surge_query q;
    tocsin_surge_query_init(&q);
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(surges_usage, stdout);
            return 0;
        }
        if (i + 1 >= argc)
            return cli_usage_error("surges", "unknown option or missing value: %s", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--db")) {
            db = v;
        } else if (!strcmp(a, "--topic")) {
            q.topic = v;
        } else if (!strcmp(a, "--lang")) {
            q.lang = v;
        } else if (!strcmp(a, "--measure")) {
            if (tocsin_measure_parse(v, &q.measure) != TOCSIN_OK)
                return cli_usage_error("surges", "--measure: '%s' is not posts, unique or authors",
                                       v);
        } else if (!strcmp(a, "--by")) {
            if (!strcmp(v, "day"))
                q.by = TOCSIN_BY_DAY;
            else if (!strcmp(v, "hour"))
                q.by = TOCSIN_BY_HOUR;
            else
                return cli_usage_error("surges", "--by: '%s' is not day or hour", v);
        } else if (!strcmp(a, "--normalize")) {
            if (!strcmp(v, "share"))
                q.share = true;
            else if (!strcmp(v, "none"))
                q.share = false;
            else
                return cli_usage_error("surges", "--normalize: '%s' is not share or none", v);
        } else if (!strcmp(a, "--method")) {
            if (!strcmp(v, "pelt"))
                q.method = TOCSIN_SURGE_PELT;
            else if (!strcmp(v, "esd"))
                q.method = TOCSIN_SURGE_ESD;
            else if (!strcmp(v, "burst"))
                q.method = TOCSIN_SURGE_BURST;
            else
                return cli_usage_error("surges", "--method: '%s' is not pelt, esd or burst", v);
        } else if (!strcmp(a, "--level")) {
            char *end;
            q.level = strtod(v, &end);
            if (*end || !(q.level > 0 && q.level < 1))
                return cli_usage_error("surges", "--level: '%s' is not in (0, 1)", v);
        } else if (!strcmp(a, "--top")) {
            char *end;
            long t = strtol(v, &end, 10);
            if (*end || t < 1 || t > 1000)
                return cli_usage_error("surges", "--top: '%s' is not a number from 1 to 1000", v);
            q.top = (size_t)t;
        } else if (!strcmp(a, "--output")) {
            if (!strcmp(v, "json"))
                json = true;
            else if (!strcmp(v, "table"))
                json = false;
            else
                return cli_usage_error("surges", "--output: '%s' is not table or json", v);
        } else if (!strcmp(a, "--evidence")) {
            evdir = v;
        } else {
            return cli_usage_error("surges", "unknown option: %s", a);
        }
    }
    tocsin_error err;
    tocsin_error_clear(&err);
    tocsin_store *s = NULL;
    tocsin_surges_result *res = NULL;
    tocsin_trend_row *rows = NULL;
    size_t nrows = 0;
    tocsin_status st = tocsin_store_open(db, true, cli_warn, NULL, &s, &err);
    if (st == TOCSIN_OK)
        st = tocsin_surges(s, &q, &res, &err);
    if (st == TOCSIN_OK && evdir) {
        /* the command line, for the manifest */
        size_t cap = 64;
        for (int i = 0; i < argc; i++)
            cap += strlen(argv[i]) * 6 + 4;
        char *params = malloc(cap);
        if (params) {
            size_t len = (size_t)snprintf(params, cap, "{\"argv\":[\"tocsin\"");
            for (int i = 0; i < argc; i++) {
                params[len++] = ',';
                params[len++] = '"';
                for (const unsigned char *p = (const unsigned char *)argv[i]; *p; p++) {
                    if (*p == '"' || *p == '\\')
                        len += (size_t)snprintf(params + len, cap - len, "\\%c", *p);
                    else if (*p < 0x20)
                        len += (size_t)snprintf(params + len, cap - len, "\\u%04x", *p);
                    else
                        params[len++] = (char)*p;
                }
                params[len++] = '"';
            }
            snprintf(params + len, cap - len, "]}");
        }
        st = tocsin_surges_write_evidence(s, res, &q, params, evdir, &err);
        free(params);
    }
    if (st == TOCSIN_OK && !json) {
        tocsin_trend_query tq = {q.topic, q.lang, NULL, q.by};
        if (tocsin_store_trend(s, &tq, &rows, &nrows, NULL) != TOCSIN_OK) {
            rows = NULL;
            nrows = 0;
        }
    }
    tocsin_store_close(s);
    if (st != TOCSIN_OK) {
        tocsin_surges_free(res);
        return cli_report(&err);
    }
    const tocsin_surge_finding *f;
    const tocsin_surge_series *ser;
    size_t nf = tocsin_surges_findings(res, &f), ns = tocsin_surges_series(res, &ser);
    if (json) {
        for (size_t i = 0; i < nf; i++)
            print_json(&f[i], &ser[f[i].series], &q);
    } else {
        printf("%s %s, by %s, method %s\n\n",
               q.share ? "Topic's share of all" : "Topic's count of", q.measure == TOCSIN_MEASURE_UNIQUE
                                                                ? "unique posts"
                                                            : q.measure == TOCSIN_MEASURE_AUTHORS
                                                                ? "distinct authors"
                                                                : "posts",
               q.by == TOCSIN_BY_HOUR ? "hour" : "day", tocsin_surge_method_name(q.method));
        for (size_t si = 0; si < ns; si++) {
            const tocsin_surge_series *sr = &ser[si];
            size_t count = 0;
            for (size_t i = 0; i < nf; i++)
                count += f[i].series == si;
            printf("%s / %s", sr->topic, sr->lang);
            if (!sr->analysed) {
                printf(": not analysed: %s\n\n", sr->note);
                continue;
            }
            if (q.method == TOCSIN_SURGE_PELT)
                printf(": %zu %s, %zu change%s; %s cost, penalty %.3g (3 log n per change), dispersion "
                       "%.3g\n",
                       sr->n, q.by == TOCSIN_BY_HOUR ? "hours" : "days", sr->n_changes,
                       sr->n_changes == 1 ? "" : "s",
                       sr->cost == TOCSIN_CPT_NEGBIN          ? "negative-binomial"
                       : sr->cost == TOCSIN_CPT_QUASI_POISSON ? "quasi-poisson"
                                                              : "poisson",
                       sr->penalty, sr->dispersion);
            else
                printf(": %zu %s\n", sr->n,
                       q.method == TOCSIN_SURGE_BURST ? "posts" : q.by == TOCSIN_BY_HOUR ? "hours" : "days");
            print_chart(rows, nrows, sr->topic, sr->lang, f, nf, &q);
            if (!count)
                printf("  no %s\n", q.method == TOCSIN_SURGE_PELT  ? "surge"
                                    : q.method == TOCSIN_SURGE_ESD ? "spike"
                                                                   : "burst");
            for (size_t i = 0; i < nf; i++)
                if (f[i].series == si)
                    print_finding(&f[i], &q);
            putchar('\n');
        }
        if (!ns)
            puts("(no topic posts in the store for this selection)");
        if (evdir)
            printf("evidence written to %s (manifest.json, surge-N.csv, surge-N.json)\n", evdir);
    }
    free(rows);
    tocsin_surges_free(res);
    return 0;
}
