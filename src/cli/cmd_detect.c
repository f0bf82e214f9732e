/* cmd_detect.c: `tocsin detect`, argument parsing and printing over the streaming detector
 * (tocsin_detector_*) and the series reader (tocsin_series_*) of the public API. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void detect_usage(FILE *f)
{
    fprintf(f,
            "usage: tocsin detect [--output FILE] [--column NAME] [--param NAME=VALUE]... SERIES.csv\n"
            "\n"
            "Reads a `timestamp,value` CSV (a header line, then \"YYYY-MM-DD HH:MM:SS\",number rows;\n"
            "\"-\" reads stdin) and writes `timestamp,value,anomaly_score`: for each row a score in\n"
            "[0,1] computed only from that row and the rows before it. Scores >= 0.5 are alarms.\n"
            "\n"
            "  -o, --output FILE    write to FILE instead of stdout\n"
            "  --column NAME        the value column (default \"value\")\n"
            "  --param NAME=VALUE   override a detector parameter (learn, window, season_window,\n"
            "                       levels, context,\n"
            "                       context_weight, short_window, history, quiet, peak_wait,\n"
            "                       spread_floor, spike_gain, alarm); for experiments only\n");
}

static int set_param(tocsin_detector_params *p, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return cli_usage_error("detect", "--param wants NAME=VALUE, got '%s'", arg);
    size_t n = (size_t)(eq - arg);
    char *end;
    errno = 0;
    double v = strtod(eq + 1, &end);
    if (*end || errno)
        return cli_usage_error("detect", "--param %.*s: '%s' is not a number", (int)n, arg,
                               eq + 1);
    static const struct {
        const char *name;
        size_t off;
    } ints[] = {
        {"learn", offsetof(tocsin_detector_params, learn)},
        {"window", offsetof(tocsin_detector_params, window)},
        {"season_window", offsetof(tocsin_detector_params, season_window)},
        {"levels", offsetof(tocsin_detector_params, levels)},
        {"context", offsetof(tocsin_detector_params, context)},
        {"short_window", offsetof(tocsin_detector_params, short_window)},
        {"history", offsetof(tocsin_detector_params, history)},
        {"quiet", offsetof(tocsin_detector_params, quiet)},
        {"peak_wait", offsetof(tocsin_detector_params, peak_wait)},
    };
    if (n == 5 && !strncmp(arg, "alarm", 5)) {
        p->alarm = v;
        return 0;
    }
    if (n == 14 && !strncmp(arg, "context_weight", 14)) {
        p->context_weight = v;
        return 0;
    }
    if (n == 12 && !strncmp(arg, "spread_floor", 12)) {
        p->spread_floor = v;
        return 0;
    }
    if (n == 10 && !strncmp(arg, "spike_gain", 10)) {
        p->spike_gain = v;
        return 0;
    }
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (strlen(ints[i].name) == n && !strncmp(arg, ints[i].name, n)) {
            if (v < 0 || v > 4e9 || v != (double)(uint32_t)v)
                return cli_usage_error("detect", "--param %s: '%s' is not a whole number",
                                       ints[i].name, eq + 1);
            *(uint32_t *)((char *)p + ints[i].off) = (uint32_t)v;
            return 0;
        }
    }
    return cli_usage_error("detect", "--param: unknown parameter '%.*s'", (int)n, arg);
}

int cmd_detect(int argc, char **argv)
{
    const char *output = NULL, *input = NULL, *column = NULL;
    tocsin_detector_params params;
    tocsin_detector_params_init(&params);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            detect_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--output") || !strcmp(a, "-o")) {
            if (++i >= argc)
                return cli_usage_error("detect", "%s needs a file name", a);
            output = argv[i];
        } else if (!strncmp(a, "--output=", 9)) {
            output = a + 9;
        } else if (!strcmp(a, "--column")) {
            if (++i >= argc || !argv[i][0])
                return cli_usage_error("detect", "--column needs a column name");
            column = argv[i];
        } else if (!strcmp(a, "--param")) {
            if (++i >= argc)
                return cli_usage_error("detect", "--param needs NAME=VALUE");
            int rc = set_param(&params, argv[i]);
            if (rc)
                return rc;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("detect", "unknown option '%s' (try 'tocsin detect --help')", a);
        } else if (input) {
            return cli_usage_error("detect", "one series at a time (got '%s' and '%s')", input, a);
        } else {
            input = a;
        }
    }
    if (!input)
        return cli_usage_error("detect", "no input series (try 'tocsin detect --help')");

    tocsin_error err;
    tocsin_error_clear(&err);
    tocsin_detector *det = NULL;
    tocsin_series_reader *rd = NULL;
    FILE *out = stdout;
    int rc = 0;
    tocsin_status st = tocsin_detector_new(&params, &det, &err);
    if (!st)
        st = tocsin_series_open(input, column, &rd, &err);
    if (st) {
        rc = cli_report(&err);
        goto done;
    }
    if (output) {
        out = fopen(output, "w");
        if (!out) {
            fprintf(stderr, "tocsin: %s: cannot create: %s\n", output, strerror(errno));
            out = stdout;
            rc = TOCSIN_ERR_IO;
            goto done;
        }
    }
    fputs("timestamp,value,anomaly_score\n", out);
    for (;;) {
        tocsin_series_row row;
        int got = 0;
        double score;
        st = tocsin_series_next(rd, &row, &got, &err);
        if (!st && got) {
            st = tocsin_detector_update(det, row.ts, row.value, &score, &err);
            if (st) { /* name the row by its place in the file */
                snprintf(err.file, sizeof err.file, "%s", input);
                err.line = row.line;
            }
        }
        if (st) {
            rc = cli_report(&err);
            break;
        }
        if (!got)
            break;
        fprintf(out, "%.*s,%.*s,%.6f\n", (int)row.ts_text.len, row.ts_text.ptr,
                (int)row.value_text.len, row.value_text.ptr, score);
    }
    if (fflush(out) || ferror(out)) {
        fprintf(stderr, "tocsin: %s: write error: %s\n", output ? output : "stdout",
                strerror(errno));
        if (!rc)
            rc = TOCSIN_ERR_IO;
    }
done:
    if (out != stdout && fclose(out) && !rc) {
        fprintf(stderr, "tocsin: %s: write error: %s\n", output, strerror(errno));
        rc = TOCSIN_ERR_IO;
    }
    tocsin_series_free(rd);
    tocsin_detector_free(det);
    return rc;
}
