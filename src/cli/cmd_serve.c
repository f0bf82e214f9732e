/* cmd_serve.c: `tocsin serve`: starts the dashboard (tocsin_server_start), prints where it
 * listens (and a generated token, once), and runs until SIGINT or SIGTERM. */
#include "cli.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char serve_usage[] =
    "usage: tocsin serve [--db FILE] [--listen ADDR:PORT] [--token TOKEN|new]\n"
    "                    [--max-connections N] [--poll-ms MS] [--no-cache]\n"
    "Serves the live dashboard over the store: overview of topics x languages, topic charts\n"
    "with window comparison, evidence, sources and coverage; JSON API /api/trend, /api/compare,\n"
    "/api/surges, /api/sources (the CLI's JSON objects) and /api/events (Server-Sent Events:\n"
    "open pages update while an ingest writes). Listens on 127.0.0.1:8080 by default; any\n"
    "address other than loopback needs --token (16-128 of A-Z a-z 0-9 - _ . ~); '--token new'\n"
    "generates one and prints it once. Clients send it as 'Authorization: Bearer TOKEN' or open\n"
    "the page once with ?token=TOKEN (it is then kept in a cookie). Stop with Ctrl-C.\n";

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < (long)lo || x > (long)hi)
        return -1;
    *out = (unsigned)x;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    tocsin_serve_opts o;
    tocsin_serve_opts_init(&o);
    char token[64];
    bool generated = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(serve_usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--no-cache")) {
            o.cache = false;
            continue;
        }
        if (i + 1 >= argc)
            return cli_usage_error("serve", "unknown option or missing value: %s", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--db")) {
            o.db = v;
        } else if (!strcmp(a, "--listen")) {
            o.listen = v;
        } else if (!strcmp(a, "--token")) {
            o.token = v;
            generated = !strcmp(v, "new");
        } else if (!strcmp(a, "--max-connections")) {
            if (parse_uint(v, 2, 10000, &o.max_connections) < 0)
                return cli_usage_error("serve", "--max-connections: '%s' is not 2..10000", v);
        } else if (!strcmp(a, "--poll-ms")) {
            if (parse_uint(v, 10, 60000, &o.poll_ms) < 0)
                return cli_usage_error("serve", "--poll-ms: '%s' is not 10..60000", v);
        } else {
            return cli_usage_error("serve", "unknown option: %s", a);
        }
    }
    tocsin_error err;
    tocsin_error_clear(&err);
    if (generated) {
        if (tocsin_serve_token_new(token, sizeof token, &err) != TOCSIN_OK)
            return cli_report(&err);
        o.token = token;
    }
    /* the server's threads inherit this mask: the signals are taken by sigwait below */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    tocsin_server *sv = NULL;
    if (tocsin_server_start(&o, &sv, &err) != TOCSIN_OK)
        return cli_report(&err);
    const char *colon = strrchr(o.listen, ':');
    int hl = colon ? (int)(colon - o.listen) : (int)strlen(o.listen);
    fprintf(stderr, "tocsin serve: %s on http://%.*s:%u/\n", o.db, hl, o.listen,
            (unsigned)tocsin_server_port(sv));
    if (generated)
        fprintf(stderr, "tocsin serve: token (shown once): %s\n  open http://%.*s:%u/?token=%s\n",
                token, hl, o.listen, (unsigned)tocsin_server_port(sv), token);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "tocsin serve: stopping\n");
    tocsin_server_stop(sv);
    return 0;
}
