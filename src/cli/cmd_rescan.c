/* cmd_rescan.c: `tocsin rescan`: the options and run of `ingest` in rescan mode (cmd_ingest.c
 * holds both; this file is the command's entry point). */
#include "cli.h"

int cli_ingest_run(int argc, char **argv, bool rescan);

int cmd_rescan(int argc, char **argv) { return cli_ingest_run(argc, argv, true); }
