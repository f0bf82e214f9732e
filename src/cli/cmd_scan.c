/* cmd_scan.c: `tocsin scan`: parses options, runs tocsin_scan(), prints counts or matches. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char scan_usage[] =
    "usage: tocsin scan --watchlist FILE [--by hour|day|week|month] [--output table|csv|json]\n"
    "                   [--matches] [--threads N] [--format NAME] [--field NAME=PATH]\n"
    "                   [--tz ZONE] [--strict] [--max-record SIZE]\n"
    "                   [--lang-source detect|input|both] INPUT...\n"
    "Counts posts matching each watchlist topic per language and time bucket (UTC).\n"
    "INPUT is a file (gzip/zstd ok), a directory (read recursively) or - for stdin.\n"
    "  --matches      print one JSON object per matching post instead of counts\n"
    "  --lang-source  detect: identify each post's language (default); input: the input's\n"
    "                 own language field; both: the input's field when plausible\n"
    "Compiled watchlists are cached in $TOCSIN_CACHE_DIR, else $XDG_CACHE_HOME/tocsin, else\n"
    "~/.cache/tocsin (checked before use, rebuilt when stale); TOCSIN_NO_CACHE=1 turns it off.\n";

typedef enum { OUT_TABLE, OUT_CSV, OUT_JSON } out_kind;

typedef struct match_printer {
    const tocsin_watchlist *wl;
} match_printer;

static void print_match(void *ctx, const tocsin_post *p, const char *lang, const tocsin_hit *h,
                        size_t n)
{
    const match_printer *mp = ctx;
    char ts[32];
    fputs("{\"id\":", stdout);
    cli_json_str(stdout, p->id.ptr, p->id.len);
    fputs(",\"ts\":", stdout);
    if (p->has_ts) {
        tocsin_time_format(p->ts, ts, sizeof ts);
        cli_json_str(stdout, ts, strlen(ts));
    } else {
        fputs("null", stdout);
    }
    fputs(",\"channel\":", stdout);
    cli_json_str(stdout, p->channel_id.ptr, p->channel_id.len);
    fputs(",\"author\":", stdout);
    cli_json_str(stdout, p->author_id.ptr, p->author_id.len);
    fputs(",\"lang\":", stdout);
    cli_json_str(stdout, lang, strlen(lang));
    fputs(",\"topics\":[", stdout);
    for (size_t i = 0, k = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= h[j].topic == h[i].topic;
        if (seen)
            continue;
        const char *id = tocsin_watchlist_topic_id(mp->wl, h[i].topic);
        if (k++)
            putchar(',');
        cli_json_str(stdout, id, strlen(id));
    }
    fputs("],\"terms\":[", stdout);
    for (size_t i = 0, k = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= h[j].term == h[i].term;
        if (seen)
            continue;
        const char *t = tocsin_watchlist_term(mp->wl, h[i].term);
        if (k++)
            putchar(',');
        cli_json_str(stdout, t, strlen(t));
    }
    fputs("],\"spans\":[", stdout);
    for (size_t i = 0; i < n; i++) {
        const char *t = tocsin_watchlist_term(mp->wl, h[i].term);
        printf("%s{\"term\":", i ? "," : "");
        cli_json_str(stdout, t, strlen(t));
        printf(",\"start\":%zu,\"end\":%zu,\"text\":", h[i].start, h[i].end);
        cli_json_str(stdout, p->text.ptr + h[i].start, h[i].end - h[i].start);
        putchar('}');
    }
    fputs("]}\n", stdout);
}

static void print_rows(const tocsin_watchlist *wl, const tocsin_count_row *rows, size_t n,
                       tocsin_bucket by, out_kind out)
{
    char bucket[32];
    if (out == OUT_CSV)
        puts("topic,lang,bucket,posts,authors");
    size_t wt = 5, wl_ = 4, wb = 6;
    if (out == OUT_TABLE) {
        for (size_t i = 0; i < n; i++) {
            size_t t = strlen(tocsin_watchlist_topic_id(wl, rows[i].topic));
            wt = t > wt ? t : wt;
            wl_ = strlen(rows[i].lang) > wl_ ? strlen(rows[i].lang) : wl_;
        }
        wb = by == TOCSIN_BY_HOUR ? 20 : 10;
        printf("%-*s  %-*s  %-*s  %8s  %8s\n", (int)wt, "topic", (int)wl_, "lang", (int)wb,
               "bucket", "posts", "authors");
    }
    for (size_t i = 0; i < n; i++) {
        const char *topic = tocsin_watchlist_topic_id(wl, rows[i].topic);
        tocsin_bucket_format(rows[i].bucket, by, bucket, sizeof bucket);
        if (out == OUT_JSON) {
            fputs("{\"topic\":", stdout);
            cli_json_str(stdout, topic, strlen(topic));
            fputs(",\"lang\":", stdout);
            cli_json_str(stdout, rows[i].lang, strlen(rows[i].lang));
            printf(",\"bucket\":\"%s\",\"posts\":%llu,\"authors\":%llu}\n", bucket,
                   (unsigned long long)rows[i].posts, (unsigned long long)rows[i].authors);
        } else if (out == OUT_CSV) {
            /* topic ids and language codes are plain tokens; quote only when needed */
            bool q = strpbrk(topic, ",\"\n") != NULL;
            if (q) {
                putchar('"');
                for (const char *c = topic; *c; c++) {
                    if (*c == '"')
                        putchar('"');
                    putchar(*c);
                }
                putchar('"');
            } else {
                fputs(topic, stdout);
            }
            printf(",%s,%s,%llu,%llu\n", rows[i].lang, bucket, (unsigned long long)rows[i].posts,
                   (unsigned long long)rows[i].authors);
        } else {
            printf("%-*s  %-*s  %-*s  %8llu  %8llu\n", (int)wt, topic, (int)wl_, rows[i].lang,
                   (int)wb, bucket, (unsigned long long)rows[i].posts,
                   (unsigned long long)rows[i].authors);
        }
    }
    if (out == OUT_TABLE && n == 0)
        puts("(no matches)");
}

int cmd_scan(int argc, char **argv)
{
    tocsin_scan_opts o;
    tocsin_scan_opts_init(&o);
    o.read.warn = cli_warn;
    const char *wl_path = NULL;
    out_kind out = OUT_TABLE;
    bool matches = false;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    size_t ninputs = 0;
    int rc = 0;
    if (!inputs)
        return TOCSIN_ERR_NOMEM;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_read_option("scan", argc, argv, &i, &o.read);
        if (r < 0) {
            rc = TOCSIN_ERR_USAGE;
            goto done;
        }
        if (r > 0)
            continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(scan_usage, stdout);
            goto done;
        } else if (!strcmp(a, "--matches")) {
            matches = true;
        } else if (!strcmp(a, "-") || a[0] != '-') {
            inputs[ninputs++] = a;
        } else if (i + 1 >= argc) {
            rc = cli_usage_error("scan", "unknown option or missing value: %s", a);
            goto done;
        } else if (!strcmp(a, "--watchlist")) {
            wl_path = argv[++i];
        } else if (!strcmp(a, "--by")) {
            if (tocsin_bucket_parse(argv[++i], &o.by) != TOCSIN_OK) {
                rc = cli_usage_error("scan", "--by: '%s' is not hour, day, week or month", argv[i]);
                goto done;
            }
        } else if (!strcmp(a, "--output")) {
            const char *v = argv[++i];
            if (!strcmp(v, "table"))
                out = OUT_TABLE;
            else if (!strcmp(v, "csv"))
                out = OUT_CSV;
            else if (!strcmp(v, "json"))
                out = OUT_JSON;
            else {
                rc = cli_usage_error("scan", "--output: '%s' is not table, csv or json", v);
                goto done;
            }
        } else if (!strcmp(a, "--lang-source")) {
            if (tocsin_lang_source_parse(argv[++i], &o.lang_source) != TOCSIN_OK) {
                rc = cli_usage_error("scan", "--lang-source: '%s' is not detect, input or both",
                                     argv[i]);
                goto done;
            }
        } else if (!strcmp(a, "--threads")) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 256) {
                rc = cli_usage_error("scan", "--threads: '%s' is not a number from 1 to 256",
                                     argv[i]);
                goto done;
            }
            o.threads = (unsigned)n;
        } else {
            rc = cli_usage_error("scan", "unknown option: %s", a);
            goto done;
        }
    }
    if (!wl_path) {
        rc = cli_usage_error("scan", "--watchlist FILE is required (see 'tocsin scan --help')");
        goto done;
    }
    if (ninputs == 0) {
        rc = cli_usage_error("scan", "no INPUT given (a file, a directory or - for stdin)");
        goto done;
    }
    tocsin_error err;
    tocsin_error_clear(&err);
    tocsin_watchlist *wl = NULL;
    char **paths = NULL;
    size_t npaths = 0;
    tocsin_scan_result *res = NULL;
    tocsin_langid *langid = NULL;
    tocsin_status st = cli_watchlist_load(wl_path, &wl, &err);
    if (st == TOCSIN_OK && o.lang_source != TOCSIN_LANG_SOURCE_INPUT)
        st = tocsin_langid_new(NULL, &langid, &err);
    o.langid = langid;
    if (st == TOCSIN_OK)
        st = tocsin_paths_expand(inputs, ninputs, &paths, &npaths, &err);
    match_printer mp = {wl};
    if (matches) {
        o.on_match = print_match;
        o.on_match_ctx = &mp;
    }
    o.watchlist = wl;
    if (st == TOCSIN_OK)
        st = tocsin_scan(&o, (const char *const *)paths, npaths, &res, &err);
    if (st != TOCSIN_OK) {
        fflush(stdout);
        rc = cli_report(&err);
    } else {
        const tocsin_count_row *rows;
        size_t n = tocsin_scan_rows(res, &rows);
        if (!matches)
            print_rows(wl, rows, n, o.by, out);
        fflush(stdout);
        const tocsin_scan_summary *s = tocsin_scan_get_summary(res);
        cli_print_read_summary("scan", s->files, &s->read);
        fprintf(stderr, "tocsin: scan: %llu matching posts", (unsigned long long)s->matched);
        if (s->no_time)
            fprintf(stderr, ", %llu without a timestamp (not in any bucket)",
                    (unsigned long long)s->no_time);
        fputc('\n', stderr);
    }
    tocsin_scan_result_free(res);
    tocsin_paths_free(paths, npaths);
    tocsin_watchlist_free(wl);
    tocsin_langid_free(langid);
done:
    free(inputs);
    return rc;
}
