/* cmd_scan.c: `tocsin scan`, argument parsing and printing over tocsin_scan(). */
#include "cli.h"

int cmd_scan(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("scan", "being built");
}
