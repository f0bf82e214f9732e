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

int cmd_scan(int argc, char **argv);

#endif
