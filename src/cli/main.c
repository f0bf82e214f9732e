/* main.c: the tocsin command: finds the subcommand and runs it. Exit status = tocsin_status. */
#include "cli.h"

#include <string.h>

static const struct {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
} commands[] = {
    {"read", cmd_read, "print the posts of exports as tocsin reads them (check a new export)"},
    {"lang", cmd_lang, "identify the language of texts (arguments or one per line of stdin)"},
    {"scan", cmd_scan, "count watchlist matches per topic, language and time bucket"},
    {"ingest", cmd_ingest, "add posts to the store: de-duplicated, clustered, pseudonymized"},
    {"trend", cmd_trend, "series per topic and language from the store, with denominators"},
    {"sources", cmd_sources, "the store's source files and per-channel coverage and gaps"},
    {"rescan", cmd_rescan, "re-apply a changed watchlist to the store's recorded sources"},
    {"compare", cmd_compare, "a topic's rate ratio between two windows, with its interval"},
    {"surges", cmd_surges, "when each topic surged per language, with intervals and the posts behind it"},
    {"serve", cmd_serve, "the live dashboard over the store (pages, JSON API, live updates)"},
    {"report", cmd_report, "one self-contained HTML report: charts, changes, evidence, methods"},
    {"detect", cmd_detect, "score each row of a timestamp,value series for anomalies, online"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: tocsin COMMAND [OPTIONS] [INPUT...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'tocsin COMMAND --help' describes a command. tocsin %s\n", TOCSIN_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return TOCSIN_ERR_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("tocsin %s\n", TOCSIN_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "tocsin: unknown command '%s' (try 'tocsin --help')\n", argv[1]);
    return TOCSIN_ERR_USAGE;
}
