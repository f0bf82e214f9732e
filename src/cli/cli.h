/* cli.h: the tocsin command line: argument parsing and printing over the public API only
 * (include/tocsin.h). No pipeline logic lives here. */
#ifndef TOCSIN_CLI_H
#define TOCSIN_CLI_H

#include "tocsin.h"

#include <stdio.h>

/* One subcommand: gets argv starting at the subcommand's name; returns the exit status. */
typedef int (*cli_cmd_fn)(int argc, char **argv);

/* Prints `err` as one line "tocsin: file:line: field: message" on stderr; returns its code. */
int cli_report(const tocsin_error *err);
/* Prints "tocsin: <cmd>: <message>" on stderr and returns TOCSIN_ERR_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...);
/* The warning callback the CLI gives the library: one line per warning on stderr (locked). */
void cli_warn(void *ctx, const tocsin_error *w);
/* Prints a JSON string literal (with quotes) of s[0..n) to f. */
void cli_json_str(FILE *f, const char *s, size_t n);
/* Prints a JSON number on stdout ("%.6g"), or null for NaN and infinities. */
void cli_json_num(double v);

/* Parses the reader options every input-reading command shares (--format NAME, --field
 * NAME=PATH, --tz ZONE, --strict, --max-record SIZE) at argv[*i]. @return 1 when it consumed the
 * option (advancing *i past its value), 0 when argv[*i] is not one of them, -1 on a bad value
 * (already reported). */
int cli_read_option(const char *cmd, int argc, char **argv, int *i, tocsin_read_opts *o);
/* Prints the reading summary line on stderr: records, posts, skipped by reason. */
void cli_print_read_summary(const char *cmd, uint64_t files, const tocsin_read_stats *s);
/* tocsin_watchlist_load with the compiled-database cache in the user's cache directory
 * (wlcache.c: $TOCSIN_CACHE_DIR, $XDG_CACHE_HOME/tocsin or ~/.cache/tocsin; TOCSIN_NO_CACHE=1
 * turns it off). */
tocsin_status cli_watchlist_load(const char *path, tocsin_watchlist **out, tocsin_error *err);

int cmd_read(int argc, char **argv);
int cmd_lang(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_trend(int argc, char **argv);
int cmd_sources(int argc, char **argv);
int cmd_rescan(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_surges(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
