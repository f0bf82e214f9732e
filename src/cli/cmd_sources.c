/* cmd_sources.c: `tocsin sources`: what the store was built from (files, their hashes and
 * counts) and coverage per channel (first and last post, gaps, late joiners, vanished ones). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char sources_usage[] =
    "usage: tocsin sources [--db FILE] [--output table|json]\n"
    "Lists the ingested source files, then per channel its first and last post, its gaps\n"
    "(silences of at least max(3 days, 5x its median interval between active days)), and\n"
    "whether it joined late or vanished before the end of the store's period.\n";

static void day(int64_t ts, char *buf, size_t cap)
{
    char t[32];
    tocsin_time_format(ts, t, sizeof t);
    snprintf(buf, cap, "%.10s", t);
}

int cmd_sources(int argc, char **argv)
{
    const char *db = "tocsin.db";
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(sources_usage, stdout);
            return 0;
        }
        if (i + 1 >= argc)
            return cli_usage_error("sources", "unknown option or missing value: %s", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--db"))
            db = v;
        else if (!strcmp(a, "--output") && (!strcmp(v, "table") || !strcmp(v, "json")))
            json = !strcmp(v, "json");
        else
            return cli_usage_error("sources", "unknown option or bad value: %s %s", a, v);
    }
    tocsin_error err;
    tocsin_error_clear(&err);
    tocsin_store *s = NULL;
    tocsin_coverage *c = NULL;
    tocsin_status st = tocsin_store_open(db, true, cli_warn, NULL, &s, &err);
    if (st == TOCSIN_OK)
        st = tocsin_store_coverage(s, &c, &err);
    tocsin_store_close(s);
    if (st != TOCSIN_OK)
        return cli_report(&err);
    const tocsin_source_info *src;
    const tocsin_channel_info *ch;
    size_t ns = tocsin_coverage_sources(c, &src), nc = tocsin_coverage_channels(c, &ch);
    char a[32], b[32];
    if (json) {
        for (size_t i = 0; i < ns; i++) {
            fputs("{\"source\":", stdout);
            cli_json_str(stdout, src[i].path, strlen(src[i].path));
            fputs(",\"sha256\":", stdout);
            cli_json_str(stdout, src[i].sha256, strlen(src[i].sha256));
            fputs(",\"format\":", stdout);
            cli_json_str(stdout, src[i].format, strlen(src[i].format));
            fputs(",\"skipped_by_reason\":", stdout);
            cli_json_str(stdout, src[i].skipped_detail, strlen(src[i].skipped_detail));
            tocsin_time_format(src[i].ingested, a, sizeof a);
            printf(",\"size\":%llu,\"records\":%llu,\"posts\":%llu,\"skipped\":%llu,"
                   "\"new_posts\":%llu,\"duplicates\":%llu,\"status\":\"%s\",\"ingested\":\"%s\","
                   "\"watchlist\":\"%s\"}\n",
                   (unsigned long long)src[i].size, (unsigned long long)src[i].records,
                   (unsigned long long)src[i].posts, (unsigned long long)src[i].skipped,
                   (unsigned long long)src[i].new_posts, (unsigned long long)src[i].duplicates,
                   src[i].status, a, src[i].watchlist_hash);
        }
        for (size_t i = 0; i < nc; i++) {
            fputs("{\"channel\":", stdout);
            cli_json_str(stdout, ch[i].channel, strlen(ch[i].channel));
            fputs(",\"platform\":", stdout);
            cli_json_str(stdout, ch[i].platform, strlen(ch[i].platform));
            fputs(",\"name\":", stdout);
            cli_json_str(stdout, ch[i].name, strlen(ch[i].name));
            tocsin_time_format(ch[i].first, a, sizeof a);
            tocsin_time_format(ch[i].last, b, sizeof b);
            printf(",\"posts\":%llu,\"first\":\"%s\",\"last\":\"%s\",\"joined_late\":%s,"
                   "\"vanished\":%s,\"gaps\":[",
                   (unsigned long long)ch[i].posts, a, b, ch[i].joined_late ? "true" : "false",
                   ch[i].vanished ? "true" : "false");
            for (size_t g = 0; g < ch[i].n_gaps; g++) {
                day(ch[i].gaps[g].from, a, sizeof a);
                day(ch[i].gaps[g].to, b, sizeof b);
                printf("%s{\"from\":\"%s\",\"to\":\"%s\"}", g ? "," : "", a, b);
            }
            fputs("]}\n", stdout);
        }
    } else {
        printf("sources (%zu)\n", ns);
        for (size_t i = 0; i < ns; i++) {
            tocsin_time_format(src[i].ingested, a, sizeof a);
            printf("  %s\n    %s, %llu bytes, sha256 %.16s..., %llu records, %llu posts, "
                   "%llu skipped%s%s%s, %llu new, %llu already seen, %s %s, watchlist %.12s\n",
                   src[i].path, src[i].format[0] ? src[i].format : "?",
                   (unsigned long long)src[i].size, src[i].sha256,
                   (unsigned long long)src[i].records, (unsigned long long)src[i].posts,
                   (unsigned long long)src[i].skipped, src[i].skipped_detail[0] ? " (" : "",
                   src[i].skipped_detail, src[i].skipped_detail[0] ? ")" : "",
                   (unsigned long long)src[i].new_posts, (unsigned long long)src[i].duplicates,
                   src[i].status, a, src[i].watchlist_hash);
        }
        printf("channels (%zu)\n", nc);
        printf("  %-24s %-10s %8s  %-10s  %-10s  %s\n", "channel", "platform", "posts", "first",
               "last", "coverage");
        for (size_t i = 0; i < nc; i++) {
            day(ch[i].first, a, sizeof a);
            day(ch[i].last, b, sizeof b);
            printf("  %-24s %-10s %8llu  %-10s  %-10s ", ch[i].channel,
                   ch[i].platform[0] ? ch[i].platform : "-", (unsigned long long)ch[i].posts, a,
                   b);
            if (ch[i].joined_late)
                fputs(" joined-late", stdout);
            if (ch[i].vanished)
                fputs(" vanished", stdout);
            for (size_t g = 0; g < ch[i].n_gaps; g++) {
                day(ch[i].gaps[g].from, a, sizeof a);
                day(ch[i].gaps[g].to, b, sizeof b);
                printf(" gap %s..%s", a, b);
            }
            putchar('\n');
        }
    }
    tocsin_coverage_free(c);
    return 0;
}
