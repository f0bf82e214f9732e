/* cmd_report.c: `tocsin report`: writes one self-contained HTML report over the store (charts,
 * comparisons, changes, coverage, evidence, methods). Argument parsing and messages only; the
 * report is built by tocsin_report_write() (stage report). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char report_usage[] =
    "usage: tocsin report [--db FILE] [--topic T]... [--before FROM..TO --after FROM..TO]\n"
    "                     [--claim LOW..HIGH] [--measure posts|unique|authors] [--level P]\n"
    "                     [--evidence N] [--title TEXT] --out report.html\n"
    "Writes one self-contained HTML file (inline CSS and SVG charts, no script, nothing loaded\n"
    "when opened; prints on A4): per topic the daily series (raw and unique posts, share) with\n"
    "the changes found and their intervals, small multiples per language, the posts behind it\n"
    "with the matched terms highlighted; channel coverage; a methods section (sources with\n"
    "SHA-256, watchlist, parameters). --topic (repeatable) limits the topics (default: all).\n"
    "--before/--after (UTC days, both included) add the comparison table of `tocsin compare`\n"
    "(share, by language); --claim judges a claimed ratio. measure: unique (default), posts or\n"
    "authors. --evidence: posts shown per topic (default 8).\n";

static int parse_claim(const char *v, double *lo, double *hi)
{
    const char *dots = strstr(v, "..");
    if (!dots)
        return -1;
    char low[64], *end;
    size_t n = (size_t)(dots - v);
    if (!n || n >= sizeof low)
        return -1;
    memcpy(low, v, n);
    low[n] = '\0';
    *lo = strtod(low, &end);
    if (*end)
        return -1;
    *hi = strtod(dots + 2, &end);
    if (*end || end == dots + 2)
        return -1;
    return *lo > 0 && *hi >= *lo ? 0 : -1;
}

int cmd_report(int argc, char **argv)
{
    const char *db = "tocsin.db", *out = NULL, *before = NULL, *after = NULL;
    tocsin_report_opts o;
    tocsin_report_opts_init(&o);
    const char **topics = calloc((size_t)argc, sizeof *topics);
    if (!topics) {
        fprintf(stderr, "tocsin: report: out of memory\n");
        return TOCSIN_ERR_NOMEM;
    }
    size_t nt = 0;
    int rc = 0;
    tocsin_error err;
    tocsin_error_clear(&err);
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(report_usage, stdout);
            free(topics);
            return 0;
        }
        if (i + 1 >= argc) {
            rc = cli_usage_error("report", "unknown option or missing value: %s", a);
            break;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--db")) {
            db = v;
        } else if (!strcmp(a, "--out") || !strcmp(a, "-o")) {
            out = v;
        } else if (!strcmp(a, "--topic")) {
            topics[nt++] = v;
        } else if (!strcmp(a, "--before")) {
            before = v;
        } else if (!strcmp(a, "--after")) {
            after = v;
        } else if (!strcmp(a, "--claim")) {
            if (parse_claim(v, &o.claim_low, &o.claim_high) < 0)
                rc = cli_usage_error("report", "--claim: '%s' is not LOW..HIGH with 0 < LOW <= "
                                     "HIGH (e.g. 8..10)", v);
            o.has_claim = true;
        } else if (!strcmp(a, "--measure")) {
            if (tocsin_measure_parse(v, &o.measure) != TOCSIN_OK)
                rc = cli_usage_error("report", "--measure: '%s' is not posts, unique or authors",
                                     v);
        } else if (!strcmp(a, "--level")) {
            char *end;
            o.level = strtod(v, &end);
            if (*end || !(o.level > 0 && o.level < 1))
                rc = cli_usage_error("report", "--level: '%s' is not in (0, 1)", v);
        } else if (!strcmp(a, "--evidence")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1000)
                rc = cli_usage_error("report", "--evidence: '%s' is not a number from 1 to 1000",
                                     v);
            o.evidence = (size_t)n;
        } else if (!strcmp(a, "--title")) {
            o.title = v;
        } else {
            rc = cli_usage_error("report", "unknown option: %s", a);
        }
    }
    if (!rc && !out)
        rc = cli_usage_error("report", "--out FILE is required (try --help)");
    if (!rc && (!before) != (!after))
        rc = cli_usage_error("report", "--before and --after go together");
    if (!rc && o.has_claim && !before)
        rc = cli_usage_error("report", "--claim needs --before and --after");
    if (!rc && before) {
        o.has_windows = true;
        if (tocsin_day_range_parse(before, &o.before_from, &o.before_to, &err) != TOCSIN_OK)
            rc = cli_usage_error("report", "--before: %s", err.message);
        else if (tocsin_day_range_parse(after, &o.after_from, &o.after_to, &err) != TOCSIN_OK)
            rc = cli_usage_error("report", "--after: %s", err.message);
    }
    if (rc) {
        free(topics);
        return rc;
    }
    o.topics = topics;
    o.n_topics = nt;
    tocsin_store *s = NULL;
    tocsin_status st = tocsin_store_open(db, true, cli_warn, NULL, &s, &err);
    if (st == TOCSIN_OK)
        st = tocsin_report_write(s, &o, out, &err);
    tocsin_store_close(s);
    free(topics);
    if (st != TOCSIN_OK)
        return cli_report(&err);
    fprintf(stderr, "tocsin: report: wrote %s\n", out);
    return 0;
}
