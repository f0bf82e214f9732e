/* cmd_compare.c: `tocsin compare`: a topic's rate ratio between two windows from the store, per
 * language, channel or overall, with its interval, q-value, leave-one-channel-out range and a
 * verdict on a claim; readable text with a chart of the daily series, or JSON Lines. All numbers
 * come from tocsin_compare() (stage analyse). */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char compare_usage[] =
    "usage: tocsin compare [--db FILE] --topic T --before FROM..TO --after FROM..TO\n"
    "                      [--by lang|channel|none] [--measure posts|unique|authors]\n"
    "                      [--normalize share|per-day] [--claim LOW..HIGH] [--level P]\n"
    "                      [--output table|json]\n"
    "The rate ratio after/before of a topic. Windows are UTC days, both ends included\n"
    "(2024-03-01..2024-03-14). share (default) compares the topic's share of all posts in the\n"
    "same language and channels, so channels that vanish or join do not fake a change; per-day\n"
    "compares daily volumes. measure: posts (raw), unique (default: a copy-paste flood counts\n"
    "once) or authors (distinct). The interval is the wider of an exact one and one allowing for\n"
    "day-to-day over-dispersion; q-values are Benjamini-Hochberg across the rows; loo is the\n"
    "range of the ratio leaving out each channel in turn. --claim 8..10 judges a claimed ratio.\n";

static void print_p(const char *name, double p)
{
    if (isnan(p))
        printf("%s ?", name);
    else if (p < 0.001)
        printf("%s < 0.001", name);
    else
        printf("%s = %.3f", name, p);
}

static void print_json(const tocsin_compare_row *r, const tocsin_compare_query *q)
{
    fputs("{\"topic\":", stdout);
    cli_json_str(stdout, r->topic, strlen(r->topic));
    printf(",\"%s\":", q->by == TOCSIN_COMPARE_BY_CHANNEL ? "channel" : "lang");
    cli_json_str(stdout, r->group, strlen(r->group));
    printf(",\"measure\":\"%s\",\"normalize\":\"%s\"", tocsin_measure_name(q->measure),
           q->normalize == TOCSIN_NORM_SHARE ? "share" : "per-day");
    const tocsin_compare_side *sd[2] = {&r->before, &r->after};
    for (int w = 0; w < 2; w++)
        printf(",\"%s\":{\"posts\":%llu,\"total\":%llu,\"days\":%u}", w ? "after" : "before",
               (unsigned long long)sd[w]->posts, (unsigned long long)sd[w]->total, sd[w]->days);
    if (!r->ok) {
        fputs(",\"rate_ratio\":null,\"ci_low\":null,\"ci_high\":null,\"ci_method\":null,"
              "\"p_value\":null,\"q_value\":null,\"loo_min\":null,\"loo_max\":null",
              stdout);
        if (q->has_claim)
            fputs(",\"verdict\":null", stdout);
        fputs(",\"note\":", stdout);
        cli_json_str(stdout, r->note, strlen(r->note));
        fputs("}\n", stdout);
        return;
    }
    const tocsin_rate_ratio *rr = &r->rr;
    fputs(",\"rate_ratio\":", stdout);
    cli_json_num(rr->ratio);
    fputs(",\"ci_low\":", stdout);
    cli_json_num(rr->ci_low);
    fputs(",\"ci_high\":", stdout);
    cli_json_num(rr->ci_high);
    printf(",\"ci_method\":\"%s\",\"level\":%g,\"p_value\":", tocsin_ci_method_name(rr->ci_method),
           rr->level);
    cli_json_num(rr->p_value);
    fputs(",\"q_value\":", stdout);
    cli_json_num(r->q_value);
    fputs(",\"loo_min\":", stdout);
    cli_json_num(r->loo_min);
    fputs(",\"loo_max\":", stdout);
    cli_json_num(r->loo_max);
    fputs(",\"exact_low\":", stdout);
    cli_json_num(rr->exact_low);
    fputs(",\"exact_high\":", stdout);
    cli_json_num(rr->exact_high);
    fputs(",\"quasi_low\":", stdout);
    cli_json_num(rr->has_quasi ? rr->quasi_low : NAN);
    fputs(",\"quasi_high\":", stdout);
    cli_json_num(rr->has_quasi ? rr->quasi_high : NAN);
    fputs(",\"dispersion_before\":", stdout);
    cli_json_num(rr->has_quasi ? rr->dispersion_before : NAN);
    fputs(",\"dispersion_after\":", stdout);
    cli_json_num(rr->has_quasi ? rr->dispersion_after : NAN);
    if (r->has_verdict)
        printf(",\"verdict\":\"%s\"", tocsin_verdict_name(r->verdict));
    fputs("}\n", stdout);
}

/* The daily series of the row as a sparkline, with the two windows marked under it. */
static void print_chart(const tocsin_compare_row *r, const tocsin_compare_query *q)
{
    static const char *spark[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
                                  "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
                                  "\xe2\x96\x87", "\xe2\x96\x88"};
    if (!r->n_days)
        return;
    size_t per = (r->n_days + 71) / 72; /* days per column: at most 72 columns */
    size_t cols = (r->n_days + per - 1) / per;
    double *v = calloc(cols, sizeof *v);
    if (!v)
        return;
    double max = 0;
    for (size_t c = 0; c < cols; c++) {
        double p = 0, t = 0;
        for (size_t d = c * per; d < (c + 1) * per && d < r->n_days; d++) {
            p += (double)r->day_posts[d];
            t += (double)r->day_total[d];
        }
        v[c] = q->normalize == TOCSIN_NORM_SHARE ? (t > 0 ? p / t : 0) : p / (double)per;
        if (v[c] > max)
            max = v[c];
    }
    fputs("  ", stdout);
    for (size_t c = 0; c < cols; c++) {
        int k = max > 0 ? (int)floor(v[c] / max * 7.999) : 0;
        fputs(spark[k < 0 ? 0 : k > 7 ? 7 : k], stdout);
    }
    if (q->normalize == TOCSIN_NORM_SHARE)
        printf("  max %.3g %%\n  ", max * 100);
    else
        printf("  max %.4g/day\n  ", max);
    for (size_t c = 0; c < cols; c++) {
        int64_t day = r->first_day + (int64_t)(c * per) * 86400;
        bool b = day >= q->before_from && day < q->before_to;
        bool a = day >= q->after_from && day < q->after_to;
        putchar(b ? 'B' : a ? 'A' : ' ');
    }
    char d0[32], d1[32];
    tocsin_bucket_format(r->first_day, TOCSIN_BY_DAY, d0, sizeof d0);
    tocsin_bucket_format(r->first_day + (int64_t)(r->n_days - 1) * 86400, TOCSIN_BY_DAY, d1,
                         sizeof d1);
    printf("  B = before, A = after; %s..%s%s\n", d0, d1,
           per > 1 ? " (several days per column)" : ", one day per column");
    free(v);
}

static void print_side(const char *name, const char *range, const tocsin_compare_side *s,
                       const tocsin_compare_query *q)
{
    const char *m = q->measure == TOCSIN_MEASURE_AUTHORS  ? "authors"
                    : q->measure == TOCSIN_MEASURE_UNIQUE ? "unique posts"
                                                          : "posts";
    printf("  %-6s %s: %llu %s of %llu", name, range, (unsigned long long)s->posts, m,
           (unsigned long long)s->total);
    if (s->total)
        printf(" (%.3g %%)", 100.0 * (double)s->posts / (double)s->total);
    printf(", %u days, %.3g a day\n", s->days, (double)s->posts / (double)s->days);
}

static void print_table(const tocsin_compare_row *r, const tocsin_compare_query *q,
                        const char *lb, const char *la)
{
    printf("%s / %s\n", r->topic, r->group);
    print_side("before", lb, &r->before, q);
    print_side("after", la, &r->after, q);
    if (!r->ok) {
        printf("  no ratio: %s\n", r->note);
        print_chart(r, q);
        putchar('\n');
        return;
    }
    const tocsin_rate_ratio *rr = &r->rr;
    char a[32], b[32], c[32];
    tocsin_ratio_format(rr->ratio, a, sizeof a);
    tocsin_ratio_format(rr->ci_low, b, sizeof b);
    tocsin_ratio_format(rr->ci_high, c, sizeof c);
    printf("  \xc3\x97%s (%g %% CI %s\xe2\x80\x93%s, %s)  ", a, rr->level * 100, b, c,
           tocsin_ci_method_name(rr->ci_method));
    print_p("p", rr->p_value);
    fputs(", ", stdout);
    print_p("q", r->q_value);
    putchar('\n');
    if (!isnan(r->loo_min)) {
        tocsin_ratio_format(r->loo_min, a, sizeof a);
        tocsin_ratio_format(r->loo_max, b, sizeof b);
        printf("  leaving out one channel at a time: \xc3\x97%s to \xc3\x97%s\n", a, b);
    }
    double claim[2] = {q->claim_low, q->claim_high};
    char sentence[600];
    tocsin_rate_ratio_sentence(rr, r->has_verdict ? claim : NULL, r->verdict, sentence,
                               sizeof sentence);
    printf("  %s\n", sentence);
    print_chart(r, q);
    putchar('\n');
}

static int parse_claim(const char *v, double *lo, double *hi)
{
    const char *dots = strstr(v, "..");
    if (!dots)
        return -1;
    char low[64], *end;
    size_t n = (size_t)(dots - v);
    if (!n || n >= sizeof low)
        return -1;
    memcpy(low, v, n); /* strtod alone would read "8." of "8..10" */
    low[n] = '\0';
    *lo = strtod(low, &end);
    if (*end)
        return -1;
    *hi = strtod(dots + 2, &end);
    if (*end || end == dots + 2)
        return -1;
    return *lo > 0 && *hi >= *lo ? 0 : -1;
}

int cmd_compare(int argc, char **argv)
{
    const char *db = "tocsin.db", *before = NULL, *after = NULL;
    tocsin_compare_query q;
    memset(&q, 0, sizeof q);
    q.by = TOCSIN_COMPARE_BY_LANG;
    q.measure = TOCSIN_MEASURE_UNIQUE;
    q.normalize = TOCSIN_NORM_SHARE;
    bool json = false;
    tocsin_error err;
    tocsin_error_clear(&err);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(compare_usage, stdout);
            return 0;
        }
        if (i + 1 >= argc)
            return cli_usage_error("compare", "unknown option or missing value: %s", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--db")) {
            db = v;
        } else if (!strcmp(a, "--topic")) {
            q.topic = v;
        } else if (!strcmp(a, "--before")) {
            before = v;
        } else if (!strcmp(a, "--after")) {
            after = v;
        } else if (!strcmp(a, "--by")) {
            if (!strcmp(v, "lang"))
                q.by = TOCSIN_COMPARE_BY_LANG;
            else if (!strcmp(v, "channel"))
                q.by = TOCSIN_COMPARE_BY_CHANNEL;
            else if (!strcmp(v, "none"))
                q.by = TOCSIN_COMPARE_BY_NONE;
            else
                return cli_usage_error("compare", "--by: '%s' is not lang, channel or none", v);
        } else if (!strcmp(a, "--measure")) {
            if (tocsin_measure_parse(v, &q.measure) != TOCSIN_OK)
                return cli_usage_error("compare",
                                       "--measure: '%s' is not posts, unique or authors", v);
        } else if (!strcmp(a, "--normalize")) {
            if (!strcmp(v, "share"))
                q.normalize = TOCSIN_NORM_SHARE;
            else if (!strcmp(v, "per-day"))
                q.normalize = TOCSIN_NORM_PER_DAY;
            else
                return cli_usage_error("compare", "--normalize: '%s' is not share or per-day", v);
        } else if (!strcmp(a, "--claim")) {
            if (parse_claim(v, &q.claim_low, &q.claim_high) < 0)
                return cli_usage_error("compare",
                                       "--claim: '%s' is not LOW..HIGH with 0 < LOW <= HIGH "
                                       "(e.g. 8..10)", v);
            q.has_claim = true;
        } else if (!strcmp(a, "--level")) {
            char *end;
            q.level = strtod(v, &end);
            if (*end || !(q.level > 0 && q.level < 1))
                return cli_usage_error("compare", "--level: '%s' is not in (0, 1)", v);
        } else if (!strcmp(a, "--output")) {
            if (!strcmp(v, "json"))
                json = true;
            else if (!strcmp(v, "table"))
                json = false;
            else
                return cli_usage_error("compare", "--output: '%s' is not table or json", v);
        } else {
            return cli_usage_error("compare", "unknown option: %s", a);
        }
    }
    if (!q.topic)
        return cli_usage_error("compare", "--topic is required (try --help)");
    if (!before || !after)
        return cli_usage_error("compare", "--before and --after are required (try --help)");
    if (tocsin_day_range_parse(before, &q.before_from, &q.before_to, &err) != TOCSIN_OK)
        return cli_usage_error("compare", "--before: %s", err.message);
    if (tocsin_day_range_parse(after, &q.after_from, &q.after_to, &err) != TOCSIN_OK)
        return cli_usage_error("compare", "--after: %s", err.message);
    tocsin_store *s = NULL;
    tocsin_compare_row *rows = NULL;
    size_t n = 0;
    tocsin_status st = tocsin_store_open(db, true, cli_warn, NULL, &s, &err);
    if (st == TOCSIN_OK)
        st = tocsin_compare(s, &q, &rows, &n, &err);
    tocsin_store_close(s);
    if (st != TOCSIN_OK)
        return cli_report(&err);
    char lb[80], la[80], d0[32], d1[32];
    tocsin_bucket_format(q.before_from, TOCSIN_BY_DAY, d0, sizeof d0);
    tocsin_bucket_format(q.before_to - 86400, TOCSIN_BY_DAY, d1, sizeof d1);
    snprintf(lb, sizeof lb, "%s..%s", d0, d1);
    tocsin_bucket_format(q.after_from, TOCSIN_BY_DAY, d0, sizeof d0);
    tocsin_bucket_format(q.after_to - 86400, TOCSIN_BY_DAY, d1, sizeof d1);
    snprintf(la, sizeof la, "%s..%s", d0, d1);
    if (!json) {
        const char *mw = q.measure == TOCSIN_MEASURE_AUTHORS  ? "distinct authors"
                         : q.measure == TOCSIN_MEASURE_UNIQUE ? "unique posts"
                                                              : "posts";
        const char *by = q.by == TOCSIN_COMPARE_BY_LANG      ? "per language"
                         : q.by == TOCSIN_COMPARE_BY_CHANNEL ? "per channel"
                                                             : "all languages and channels together";
        if (q.normalize == TOCSIN_NORM_SHARE)
            printf("Topic's share of all %s in the same language and channels, %s\n\n", mw, by);
        else
            printf("Topic's %s per day, %s\n\n", mw, by);
    }
    for (size_t i = 0; i < n; i++) {
        if (json)
            print_json(&rows[i], &q);
        else
            print_table(&rows[i], &q, lb, la);
    }
    tocsin_compare_rows_free(rows, n);
    return 0;
}
