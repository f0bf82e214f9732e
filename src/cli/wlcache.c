/* wlcache.c: how the CLI loads watchlists: with the library's cache of compiled Hyperscan
 * databases (tocsin_watchlist_opts.cache_dir) in the user's cache directory, so that a run does
 * not spend ~75 ms compiling a watchlist it compiled before. The directory is $TOCSIN_CACHE_DIR
 * when set (empty: no cache), else $XDG_CACHE_HOME/tocsin (when absolute), else
 * $HOME/.cache/tocsin; TOCSIN_NO_CACHE set to anything but "" or "0" turns the cache off. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tocsin_status cli_watchlist_load(const char *path, tocsin_watchlist **out, tocsin_error *err)
{
    tocsin_watchlist_opts o;
    tocsin_watchlist_opts_init(&o);
    char dir[4096];
    const char *off = getenv("TOCSIN_NO_CACHE");
    const char *env = getenv("TOCSIN_CACHE_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n = -1;
    if (off && *off && strcmp(off, "0") != 0)
        n = -1;
    else if (env)
        n = snprintf(dir, sizeof dir, "%s", env);
    else if (xdg && xdg[0] == '/')
        n = snprintf(dir, sizeof dir, "%s/tocsin", xdg);
    else if (home && home[0] == '/')
        n = snprintf(dir, sizeof dir, "%s/.cache/tocsin", home);
    if (n > 0 && (size_t)n < sizeof dir)
        o.cache_dir = dir;
    return tocsin_watchlist_load_opts(path, &o, out, err);
}
