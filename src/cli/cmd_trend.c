/* cmd_trend.c: `tocsin trend`: series per topic and language from the store, with the
 * denominators of the same language and bucket, as a table, CSV, JSON Lines or a terminal chart. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char trend_usage[] =
    "usage: tocsin trend [--db FILE] [--topic T] [--lang L] [--channel C]\n"
    "                    [--by hour|day|week|month] [--measure posts|unique|authors]\n"
    "                    [--normalize none|share|per-day] [--output table|csv|json|chart]\n"
    "Series of matching posts per topic x language x bucket (UTC) with total_posts, the posts\n"
    "of all chatter in the same language and bucket (over the selected channels), and share.\n"
    "posts = raw, unique = posts opening a near-duplicate cluster, authors = distinct authors\n"
    "(HyperLogLog estimate, standard error 0.8%; near-exact below a few thousand).\n"
    "A bucket where a channel posts for the first or last time is flagged (coverage change).\n";

typedef enum { M_POSTS, M_UNIQUE, M_AUTHORS } measure;
typedef enum { N_NONE, N_SHARE, N_PER_DAY } normalize;
typedef enum { O_TABLE, O_CSV, O_JSON, O_CHART } output;

static uint64_t pick(const tocsin_trend_row *r, measure m, bool total)
{
    if (m == M_UNIQUE)
        return total ? r->total_unique : r->unique;
    if (m == M_AUTHORS)
        return total ? r->total_authors : r->authors;
    return total ? r->total_posts : r->posts;
}

static double bucket_days(int64_t b, tocsin_bucket by)
{
    static const int64_t step[] = {3600, 86400, 7 * 86400, 32 * 86400};
    int64_t next = tocsin_bucket_start(b + step[by], by);
    return (double)(next - b) / 86400.0;
}

static double value_of(const tocsin_trend_row *r, measure m, normalize nz, tocsin_bucket by)
{
    uint64_t v = pick(r, m, false), t = pick(r, m, true);
    if (nz == N_SHARE)
        return t ? (double)v / (double)t : 0.0;
    if (nz == N_PER_DAY)
        return (double)v / bucket_days(r->bucket, by);
    return (double)v;
}

static void print_coverage(const tocsin_trend_row *r, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (r->joined && r->left)
        snprintf(buf, cap, "+%u -%u", r->joined, r->left);
    else if (r->joined)
        snprintf(buf, cap, "+%u", r->joined);
    else if (r->left)
        snprintf(buf, cap, "-%u", r->left);
}

static void print_json(const tocsin_trend_row *r, measure m, tocsin_bucket by)
{
    char b[32];
    tocsin_bucket_format(r->bucket, by, b, sizeof b);
    fputs("{\"topic\":", stdout);
    cli_json_str(stdout, r->topic, strlen(r->topic));
    fputs(",\"lang\":", stdout);
    cli_json_str(stdout, r->lang, strlen(r->lang));
    printf(",\"bucket\":\"%s\",\"posts\":%llu,\"unique\":%llu,\"authors\":%llu,"
           "\"total_posts\":%llu,\"total_unique\":%llu,\"total_authors\":%llu,\"share\":",
           b, (unsigned long long)r->posts, (unsigned long long)r->unique,
           (unsigned long long)r->authors, (unsigned long long)r->total_posts,
           (unsigned long long)r->total_unique, (unsigned long long)r->total_authors);
    uint64_t t = pick(r, m, true);
    if (t)
        printf("%.6g", (double)pick(r, m, false) / (double)t);
    else
        fputs("null", stdout);
    printf(",\"channels\":%u,\"channels_joined\":%u,\"channels_left\":%u,"
           "\"coverage_changed\":%s}\n",
           r->channels, r->joined, r->left, r->joined || r->left ? "true" : "false");
}

/* One series (rows [a, b) share topic and language) as Unicode bars with a sparkline header. */
static void print_chart(const tocsin_trend_row *rows, size_t a, size_t b, measure m,
                        normalize nz, tocsin_bucket by)
{
    static const char *spark[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
                                  "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
                                  "\xe2\x96\x87", "\xe2\x96\x88"};
    static const char *eighth[] = {"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d",
                                   "\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89"};
    double max = 0;
    for (size_t i = a; i < b; i++) {
        double v = value_of(&rows[i], m, nz, by);
        if (v > max)
            max = v;
    }
    printf("%s / %s  ", rows[a].topic, rows[a].lang);
    for (size_t i = a; i < b; i++) {
        double v = value_of(&rows[i], m, nz, by);
        int k = max > 0 ? (int)floor(v / max * 7.999) : 0;
        fputs(spark[k < 0 ? 0 : k], stdout);
    }
    printf("  max %.4g\n", max);
    for (size_t i = a; i < b; i++) {
        char bucket[32], cov[32];
        double v = value_of(&rows[i], m, nz, by);
        tocsin_bucket_format(rows[i].bucket, by, bucket, sizeof bucket);
        print_coverage(&rows[i], cov, sizeof cov);
        printf("  %-20s %10.4g ", bucket, v);
        int units = max > 0 ? (int)(v / max * 40 * 8 + 0.5) : 0;
        for (int u = 0; u < units / 8; u++)
            fputs("\xe2\x96\x88", stdout);
        fputs(eighth[units % 8], stdout);
        if (cov[0])
            printf(" [coverage %s]", cov);
        putchar('\n');
    }
}

int cmd_trend(int argc, char **argv)
{
    const char *db = "tocsin.db";
    tocsin_trend_query q = {NULL, NULL, NULL, TOCSIN_BY_DAY};
    measure m = M_POSTS;
    normalize nz = N_NONE;
    output out = O_TABLE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(trend_usage, stdout);
            return 0;
        }
        if (i + 1 >= argc)
            return cli_usage_error("trend", "unknown option or missing value: %s", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--db")) {
            db = v;
        } else if (!strcmp(a, "--topic")) {
            q.topic = v;
        } else if (!strcmp(a, "--lang")) {
            q.lang = v;
        } else if (!strcmp(a, "--channel")) {
            q.channel = v;
        } else if (!strcmp(a, "--by")) {
            if (tocsin_bucket_parse(v, &q.by) != TOCSIN_OK)
                return cli_usage_error("trend", "--by: '%s' is not hour, day, week or month", v);
        } else if (!strcmp(a, "--measure")) {
            if (!strcmp(v, "posts"))
                m = M_POSTS;
            else if (!strcmp(v, "unique"))
                m = M_UNIQUE;
            else if (!strcmp(v, "authors"))
                m = M_AUTHORS;
            else
                return cli_usage_error("trend", "--measure: '%s' is not posts, unique or authors",
                                       v);
        } else if (!strcmp(a, "--normalize")) {
            if (!strcmp(v, "none"))
                nz = N_NONE;
            else if (!strcmp(v, "share"))
                nz = N_SHARE;
            else if (!strcmp(v, "per-day"))
                nz = N_PER_DAY;
            else
                return cli_usage_error("trend", "--normalize: '%s' is not none, share or per-day",
                                       v);
        } else if (!strcmp(a, "--output")) {
            if (!strcmp(v, "table"))
                out = O_TABLE;
            else if (!strcmp(v, "csv"))
                out = O_CSV;
            else if (!strcmp(v, "json"))
                out = O_JSON;
            else if (!strcmp(v, "chart"))
                out = O_CHART;
            else
                return cli_usage_error("trend", "--output: '%s' is not table, csv, json or chart",
                                       v);
        } else {
            return cli_usage_error("trend", "unknown option: %s", a);
        }
    }
    tocsin_error err;
    tocsin_error_clear(&err);
    tocsin_store *s = NULL;
    tocsin_trend_row *rows = NULL;
    size_t n = 0;
    tocsin_status st = tocsin_store_open(db, true, cli_warn, NULL, &s, &err);
    if (st == TOCSIN_OK)
        st = tocsin_store_trend(s, &q, &rows, &n, &err);
    tocsin_store_close(s);
    if (st != TOCSIN_OK)
        return cli_report(&err);
    static const char *mname[] = {"posts", "unique", "authors"};
    if (out == O_CSV)
        printf("topic,lang,bucket,posts,unique,authors,total_posts,total_unique,total_authors,"
               "share,value,channels,channels_joined,channels_left\n");
    else if (out == O_TABLE)
        printf("%-20s %-6s %-20s %8s %8s %8s %11s %8s %10s  %s\n", "topic", "lang", "bucket",
               "posts", "unique", "authors", "total_posts", "share", "value", "coverage");
    for (size_t i = 0; i < n; i++) {
        const tocsin_trend_row *r = &rows[i];
        char bucket[32], cov[32];
        tocsin_bucket_format(r->bucket, q.by, bucket, sizeof bucket);
        print_coverage(r, cov, sizeof cov);
        uint64_t t = pick(r, m, true);
        double share = t ? (double)pick(r, m, false) / (double)t : 0;
        double v = value_of(r, m, nz, q.by);
        if (out == O_JSON) {
            print_json(r, m, q.by);
        } else if (out == O_CSV) {
            /* topic ids are plain tokens in watchlists; quote them only when needed */
            if (strpbrk(r->topic, ",\"\n"))
                cli_json_str(stdout, r->topic, strlen(r->topic));
            else
                fputs(r->topic, stdout);
            printf(",%s,%s,%llu,%llu,%llu,%llu,%llu,%llu,%.6g,%.6g,%u,%u,%u\n", r->lang, bucket,
                   (unsigned long long)r->posts, (unsigned long long)r->unique,
                   (unsigned long long)r->authors, (unsigned long long)r->total_posts,
                   (unsigned long long)r->total_unique, (unsigned long long)r->total_authors,
                   share, v, r->channels, r->joined, r->left);
        } else if (out == O_TABLE) {
            printf("%-20s %-6s %-20s %8llu %8llu %8llu %11llu %8.4f %10.4g  %s\n", r->topic,
                   r->lang, bucket, (unsigned long long)r->posts, (unsigned long long)r->unique,
                   (unsigned long long)r->authors, (unsigned long long)r->total_posts, share, v,
                   cov);
        } else {
            size_t j = i + 1;
            while (j < n && !strcmp(rows[j].topic, r->topic) && !strcmp(rows[j].lang, r->lang))
                j++;
            print_chart(rows, i, j, m, nz, q.by);
            i = j - 1;
        }
    }
    if (out == O_TABLE && n == 0)
        puts("(no matching posts in the store)");
    if (out == O_CHART)
        printf("(measure %s, %s)\n", mname[m],
               nz == N_SHARE ? "share of all posts in the language" : nz == N_PER_DAY ? "per day" : "count");
    free(rows);
    return 0;
}
