/* cmd_lang.c: `tocsin lang`, which prints the language tocsin identifies for each text given on
 * the command line or read one per line from stdin. Argument parsing and printing only, over the
 * public language API. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Lines longer than this are identified from their first LINE_KEEP bytes (the detector reads a
 * bounded prefix anyway); the rest of the line is skipped, so a huge line costs no memory. */
#define LINE_KEEP 65536

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tocsin lang [OPTIONS] [TEXT...]\n"
            "\n"
            "Identifies the language of each TEXT, or, with no TEXT, of each line of stdin,\n"
            "and prints one line per input: LANG<TAB>CONFIDENCE (tsv) or a JSON object.\n"
            "LANG is an ISO 639-1 code where one exists, else ISO 639-3 (ckb, ceb...), and\n"
            "\"und\" when tocsin abstains (too few letters, or confidence below the threshold).\n"
            "URLs, @mentions, emoji and digits are ignored; hashtags keep their words.\n"
            "\n"
            "options:\n"
            "  --output FORMAT         tsv (default) or json (lang, confidence, runner_up,\n"
            "                          runner_up_confidence, script, method, letters)\n"
            "  --min-confidence X      abstain below X, in [0,1] (default 0.30)\n"
            "  --detector NAME         auto (default: script rules, own model, CLD2 when\n"
            "                          unsure) or cld2 (CLD2 alone, for comparison)\n"
            "  --model FILE            use this n-gram model instead of the built-in one\n");
}

static void print_result(FILE *f, const tocsin_lang_result *r, int json)
{
    if (!json) {
        fprintf(f, "%s\t%.3f\n", r->lang, r->confidence);
        return;
    }
    fputs("{\"lang\":", f);
    cli_json_str(f, r->lang, strlen(r->lang));
    fprintf(f, ",\"confidence\":%.3f,\"runner_up\":", r->confidence);
    if (r->runner_up[0])
        cli_json_str(f, r->runner_up, strlen(r->runner_up));
    else
        fputs("null", f);
    fprintf(f, ",\"runner_up_confidence\":%.3f", r->runner_up_confidence);
    if (!strcmp(r->lang, "und")) {
        fputs(",\"candidate\":", f);
        if (r->candidate[0])
            cli_json_str(f, r->candidate, strlen(r->candidate));
        else
            fputs("null", f);
    }
    fputs(",\"script\":", f);
    cli_json_str(f, r->script, strlen(r->script));
    fputs(",\"method\":", f);
    cli_json_str(f, r->method, strlen(r->method));
    fprintf(f, ",\"letters\":%zu}\n", r->letters);
}

/* Reads one line (without its "\n" or "\r\n") into buf, keeping at most LINE_KEEP bytes.
 * @return 1 for a line, 0 at the end of input. */
static int read_line(FILE *in, char *buf, size_t *len)
{
    size_t n = 0;
    int c, got = 0;
    while ((c = getc(in)) != EOF) {
        got = 1;
        if (c == '\n')
            break;
        if (n < LINE_KEEP)
            buf[n++] = (char)c;
    }
    if (!got)
        return 0;
    if (n && buf[n - 1] == '\r' && n < LINE_KEEP)
        n--;
    *len = n;
    return 1;
}

int cmd_lang(int argc, char **argv)
{
    tocsin_langid_opts o;
    tocsin_langid_opts_init(&o);
    int json = 0, first_text = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--")) {
            first_text = i + 1;
            break;
        } else if (!strcmp(a, "--output") || !strcmp(a, "--min-confidence") ||
                   !strcmp(a, "--detector") || !strcmp(a, "--model")) {
            if (i + 1 >= argc)
                return cli_usage_error("lang", "%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--output")) {
                if (!strcmp(v, "json"))
                    json = 1;
                else if (!strcmp(v, "tsv"))
                    json = 0;
                else
                    return cli_usage_error("lang", "--output must be tsv or json, not '%s'", v);
            } else if (!strcmp(a, "--min-confidence")) {
                char *end;
                double x = strtod(v, &end);
                if (end == v || *end || !(x >= 0 && x <= 1))
                    return cli_usage_error("lang", "--min-confidence must be a number in [0,1], "
                                                   "not '%s'", v);
                o.min_confidence = x;
            } else if (!strcmp(a, "--detector")) {
                if (!strcmp(v, "auto"))
                    o.mode = TOCSIN_LANG_AUTO;
                else if (!strcmp(v, "cld2"))
                    o.mode = TOCSIN_LANG_CLD2_ONLY;
                else
                    return cli_usage_error("lang", "--detector must be auto or cld2, not '%s'", v);
            } else {
                o.model_path = v;
            }
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("lang", "unknown option '%s' (try 'tocsin lang --help')", a);
        } else {
            first_text = i;
            break;
        }
    }
    tocsin_error err;
    tocsin_langid *id;
    tocsin_lang_state *st;
    if (tocsin_langid_new(&o, &id, &err) != TOCSIN_OK)
        return cli_report(&err);
    if (tocsin_lang_state_new(id, &st, &err) != TOCSIN_OK) {
        tocsin_langid_free(id);
        return cli_report(&err);
    }
    tocsin_lang_result r;
    int rc = 0;
    if (first_text < argc) {
        for (int i = first_text; i < argc; i++) {
            tocsin_lang_detect(st, argv[i], strlen(argv[i]), &r);
            print_result(stdout, &r, json);
        }
    } else {
        char *buf = malloc(LINE_KEEP);
        if (!buf) {
            rc = TOCSIN_ERR_NOMEM;
            fprintf(stderr, "tocsin: lang: out of memory\n");
        } else {
            size_t n;
            while (read_line(stdin, buf, &n)) {
                tocsin_lang_detect(st, buf, n, &r);
                print_result(stdout, &r, json);
            }
            if (ferror(stdin)) {
                fprintf(stderr, "tocsin: lang: error reading stdin\n");
                rc = TOCSIN_ERR_IO;
            }
            free(buf);
        }
    }
    if (fflush(stdout) != 0 && !rc) {
        fprintf(stderr, "tocsin: lang: error writing the output\n");
        rc = TOCSIN_ERR_IO;
    }
    tocsin_lang_state_free(st);
    tocsin_langid_free(id);
    return rc;
}
