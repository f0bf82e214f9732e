/* cmd_ingest.c: `tocsin ingest` and `tocsin rescan`: parse options, open the store, run
 * tocsin_ingest() / tocsin_rescan(), draw a progress bar on a terminal, print the summary. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char ingest_usage[] =
    "usage: tocsin ingest [--db FILE] --watchlist FILE [--threads N] [--reposts count|skip]\n"
    "                     [--no-text] [--keep-authors] [--lang-source detect|input|both]\n"
    "                     [--batch N] [--format NAME] [--field NAME=PATH] [--tz ZONE]\n"
    "                     [--strict] [--max-record SIZE] INPUT...\n"
    "Reads, normalizes, identifies, matches, de-duplicates and counts posts into the store\n"
    "(default ./tocsin.db, SQLite in WAL mode; the pseudonymization key is FILE.key, mode 0600).\n"
    "Every post counts once (platform + channel + id, or a content hash); killed and run again,\n"
    "an ingest ends with the counts of an uninterrupted run. Files already ingested completely\n"
    "(same path, size and mtime) are skipped.\n"
    "  --reposts count|skip  count forwards/retweets/boosts or leave them out (fixed per store)\n"
    "  --no-text             keep no post text in the evidence\n"
    "  --keep-authors        keep raw author ids in the evidence (default: keyed pseudonyms)\n"
    "  --batch N             posts per committed transaction (default 100000)\n"
    "The compiled watchlist is cached as for scan (TOCSIN_CACHE_DIR, TOCSIN_NO_CACHE).\n";

static const char rescan_usage[] =
    "usage: tocsin rescan [--db FILE] --watchlist FILE [--threads N] [--no-text]\n"
    "                     [--keep-authors] [--lang-source detect|input|both] [reader options]\n"
    "Re-applies a (changed) watchlist to the sources recorded in the store whose files are still\n"
    "there: topic counts and evidence are rebuilt in one transaction; totals, keys and clusters\n"
    "stay as they are.\n";

typedef struct progress {
    bool on;
    bool drawn;
} progress;

static void fmt_bytes(char *buf, size_t cap, double b)
{
    if (b >= 1e9)
        snprintf(buf, cap, "%.2f GB", b / 1e9);
    else if (b >= 1e6)
        snprintf(buf, cap, "%.1f MB", b / 1e6);
    else
        snprintf(buf, cap, "%.0f kB", b / 1e3);
}

static void draw_progress(void *ctx, const tocsin_ingest_progress *p)
{
    progress *pr = ctx;
    if (!pr->on)
        return;
    double frac = p->bytes_total ? (double)p->bytes_done / (double)p->bytes_total : 0;
    if (frac > 1)
        frac = 1;
    int width = 24, full = (int)(frac * width);
    char bar[128] = "";
    size_t bl = 0;
    for (int i = 0; i < width; i++) {
        const char *c = i < full ? "\xe2\x96\x88" : "\xc2\xb7"; /* U+2588 full block, middle dot */
        size_t cl = strlen(c);
        memcpy(bar + bl, c, cl);
        bl += cl;
    }
    bar[bl] = '\0';
    char done[32], total[32], rate[32];
    fmt_bytes(done, sizeof done, (double)p->bytes_done);
    fmt_bytes(total, sizeof total, (double)p->bytes_total);
    double secs = p->seconds > 0.001 ? p->seconds : 0.001;
    fmt_bytes(rate, sizeof rate, (double)p->bytes_done / secs);
    double eta = frac > 0.001 ? secs * (1 - frac) / frac : 0;
    fprintf(stderr, "\r%s %3.0f%% %s/%s %s/s %.0fk posts/s file %llu/%llu ETA %d:%02d  ", bar,
            frac * 100, done, total, rate, (double)p->posts / secs / 1000,
            (unsigned long long)p->files_done, (unsigned long long)p->files_total,
            (int)(eta / 60), (int)eta % 60);
    pr->drawn = true;
}

int cli_ingest_run(int argc, char **argv, bool rescan);

int cli_ingest_run(int argc, char **argv, bool rescan)
{
    const char *cmd = rescan ? "rescan" : "ingest";
    tocsin_ingest_opts o;
    tocsin_ingest_opts_init(&o);
    o.scan.read.warn = cli_warn;
    const char *db = "tocsin.db", *wl_path = NULL;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    size_t ninputs = 0;
    int rc = 0;
    if (!inputs)
        return TOCSIN_ERR_NOMEM;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_read_option(cmd, argc, argv, &i, &o.scan.read);
        if (r < 0) {
            rc = TOCSIN_ERR_USAGE;
            goto done;
        }
        if (r > 0)
            continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(rescan ? rescan_usage : ingest_usage, stdout);
            goto done;
        } else if (!strcmp(a, "--no-text")) {
            o.no_text = true;
        } else if (!strcmp(a, "--keep-authors")) {
            o.keep_authors = true;
        } else if (!rescan && (!strcmp(a, "-") || a[0] != '-')) {
            inputs[ninputs++] = a;
        } else if (i + 1 >= argc) {
            rc = cli_usage_error(cmd, "unknown option or missing value: %s", a);
            goto done;
        } else if (!strcmp(a, "--db")) {
            db = argv[++i];
        } else if (!strcmp(a, "--watchlist")) {
            wl_path = argv[++i];
        } else if (!strcmp(a, "--reposts") && !rescan) {
            const char *v = argv[++i];
            if (!strcmp(v, "count"))
                o.reposts = TOCSIN_REPOSTS_COUNT;
            else if (!strcmp(v, "skip"))
                o.reposts = TOCSIN_REPOSTS_SKIP;
            else {
                rc = cli_usage_error(cmd, "--reposts: '%s' is not count or skip", v);
                goto done;
            }
        } else if (!strcmp(a, "--lang-source")) {
            if (tocsin_lang_source_parse(argv[++i], &o.scan.lang_source) != TOCSIN_OK) {
                rc = cli_usage_error(cmd, "--lang-source: '%s' is not detect, input or both",
                                     argv[i]);
                goto done;
            }
        } else if (!strcmp(a, "--threads") || !strcmp(a, "--batch")) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            long max = !strcmp(a, "--threads") ? 256 : 100000000;
            if (*end || n < 1 || n > max) {
                rc = cli_usage_error(cmd, "%s: '%s' is not a number from 1 to %ld", a, argv[i],
                                     max);
                goto done;
            }
            if (!strcmp(a, "--threads"))
                o.scan.threads = (unsigned)n;
            else
                o.batch_posts = (size_t)n;
        } else {
            rc = cli_usage_error(cmd, "unknown option: %s", a);
            goto done;
        }
    }
    if (!wl_path) {
        rc = cli_usage_error(cmd, "--watchlist FILE is required (see 'tocsin %s --help')", cmd);
        goto done;
    }
    if (!rescan && ninputs == 0) {
        rc = cli_usage_error(cmd, "no INPUT given (a file, a directory or - for stdin)");
        goto done;
    }
    tocsin_error err;
    tocsin_error_clear(&err);
    tocsin_watchlist *wl = NULL;
    tocsin_langid *langid = NULL;
    tocsin_store *store = NULL;
    char **paths = NULL, **missing = NULL;
    size_t npaths = 0, nmissing = 0;
    tocsin_ingest_summary sum;
    progress pr = {isatty(2) != 0, false};
    o.progress = draw_progress;
    o.progress_ctx = &pr;
    tocsin_status st = cli_watchlist_load(wl_path, &wl, &err);
    if (st == TOCSIN_OK && !rescan)
        st = tocsin_paths_expand(inputs, ninputs, &paths, &npaths, &err);
    if (st == TOCSIN_OK && o.scan.lang_source != TOCSIN_LANG_SOURCE_INPUT)
        st = tocsin_langid_new(NULL, &langid, &err);
    if (st == TOCSIN_OK)
        st = tocsin_store_open(db, false, cli_warn, NULL, &store, &err);
    o.scan.watchlist = wl;
    o.scan.langid = langid;
    if (st == TOCSIN_OK)
        st = rescan ? tocsin_rescan(store, &o, &sum, &missing, &nmissing, &err)
                    : tocsin_ingest(store, &o, (const char *const *)paths, npaths, &sum, &err);
    if (pr.drawn)
        fputc('\n', stderr);
    if (st != TOCSIN_OK) {
        rc = cli_report(&err);
    } else {
        for (size_t i = 0; i < nmissing; i++)
            fprintf(stderr, "tocsin: rescan: warning: %s: recorded source is gone or changed size;"
                            " its posts keep no topic counts\n", missing[i]);
        cli_print_read_summary(cmd, sum.files - sum.files_skipped, &sum.read);
        if (rescan)
            fprintf(stderr, "tocsin: rescan: %llu posts read, %llu matching posts counted\n",
                    (unsigned long long)sum.posts, (unsigned long long)sum.matched);
        else
            fprintf(stderr,
                    "tocsin: ingest: %llu posts: %llu new, %llu already in the store; %llu unique "
                    "(new near-duplicate clusters), %llu matching; %llu reposts skipped, %llu "
                    "without a timestamp; %llu file%s skipped (already ingested)\n",
                    (unsigned long long)sum.posts, (unsigned long long)sum.new_posts,
                    (unsigned long long)sum.duplicates, (unsigned long long)sum.unique,
                    (unsigned long long)sum.matched, (unsigned long long)sum.reposts_skipped,
                    (unsigned long long)sum.no_time, (unsigned long long)sum.files_skipped,
                    sum.files_skipped == 1 ? "" : "s");
    }
    tocsin_paths_free(missing, nmissing);
    tocsin_store_close(store);
    tocsin_langid_free(langid);
    tocsin_paths_free(paths, npaths);
    tocsin_watchlist_free(wl);
done:
    free(inputs);
    return rc;
}

int cmd_ingest(int argc, char **argv) { return cli_ingest_run(argc, argv, false); }
