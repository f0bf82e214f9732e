/* cmd_read.c: `tocsin read`, which prints the posts exactly as tocsin understood them, so a user
 * can check that a new export is read right before scanning it. Argument parsing and printing
 * only, over the public reader API. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tocsin read [OPTIONS] INPUT...\n"
            "\n"
            "Prints every post of the inputs as tocsin reads them (text before folding).\n"
            "INPUT is a file, a directory (read recursively) or - for stdin; gzip and zstd are\n"
            "decompressed. The format is detected from the content unless --format names it.\n"
            "\n"
            "options:\n"
            "  --format NAME      force a format: telegram, telethon, twitter, gnip, twitter-v2,\n"
            "                     pushshift, reddit, 4chan, mastodon, discord, rss, atom,\n"
            "                     whatsapp, twarc-csv, 4cat, jsonl, json-array, json, csv, tsv\n"
            "  --output FORMAT    jsonl (default: one JSON object per post) or table\n"
            "  --field NAME=PATH  where a generic input keeps text, id, time, author, channel, lang\n"
            "  --tz ZONE          zone of times written without an offset (default UTC)\n"
            "  --max-record SIZE  largest record accepted (default 16M)\n"
            "  --strict           stop at the first bad record instead of skipping it\n"
            "\n"
            "Warnings and a summary (records, posts, skipped by reason) go to stderr.\n");
}

static void json_strv(FILE *f, tocsin_strv v)
{
    if (!v.ptr)
        fputs("null", f);
    else
        cli_json_str(f, v.ptr, v.len);
}

static void json_list(FILE *f, const tocsin_strv *v, size_t n)
{
    putc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putc(',', f);
        json_strv(f, v[i]);
    }
    putc(']', f);
}

static void print_jsonl(FILE *f, const tocsin_post *p, const char *format)
{
    char ts[32];
    fputs("{\"platform\":", f);
    json_strv(f, p->platform.ptr && p->platform.len ? p->platform : (tocsin_strv){NULL, 0});
    fputs(",\"format\":", f);
    cli_json_str(f, format, strlen(format));
    fputs(",\"id\":", f);
    json_strv(f, p->id.len ? p->id : (tocsin_strv){NULL, 0});
    fputs(",\"ts\":", f);
    if (p->has_ts) {
        tocsin_time_format(p->ts, ts, sizeof ts);
        cli_json_str(f, ts, strlen(ts));
    } else {
        fputs("null", f);
    }
    static const char *const names[] = {"author_id", "author_name", "channel_id",
                                        "channel_name"};
    const tocsin_strv vals[] = {p->author_id, p->author_name, p->channel_id, p->channel_name};
    for (size_t i = 0; i < 4; i++) {
        fprintf(f, ",\"%s\":", names[i]);
        json_strv(f, vals[i].len ? vals[i] : (tocsin_strv){NULL, 0});
    }
    fprintf(f, ",\"kind\":\"%s\",\"ref_id\":", tocsin_kind_name(p->kind));
    json_strv(f, p->ref_id.len ? p->ref_id : (tocsin_strv){NULL, 0});
    fputs(",\"lang\":", f);
    json_strv(f, p->lang.len ? p->lang : (tocsin_strv){NULL, 0});
    fputs(",\"urls\":", f);
    json_list(f, p->urls, p->n_urls);
    fputs(",\"hashtags\":", f);
    json_list(f, p->hashtags, p->n_hashtags);
    fputs(",\"mentions\":", f);
    json_list(f, p->mentions, p->n_mentions);
    fputs(",\"text\":", f);
    cli_json_str(f, p->text.ptr ? p->text.ptr : "", p->text.ptr ? p->text.len : 0);
    fputs(",\"source\":", f);
    cli_json_str(f, p->source ? p->source : "", p->source ? strlen(p->source) : 0);
    fprintf(f, ",\"line\":%llu,\"record\":%llu}\n", (unsigned long long)p->line,
            (unsigned long long)p->record);
}

/* Prints at most `width` code points of v, with newlines and tabs shown as spaces; pads to
 * the width when `pad`. */
static void cell(FILE *f, tocsin_strv v, int width, bool pad)
{
    int used = 0;
    for (size_t i = 0; v.ptr && i < v.len && used < width;) {
        unsigned char c = (unsigned char)v.ptr[i];
        size_t l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + l > v.len)
            break;
        if (c == '\n' || c == '\r' || c == '\t')
            putc(' ', f);
        else if (c < 0x20)
            putc('?', f);
        else
            fwrite(v.ptr + i, 1, l, f);
        i += l;
        used++;
    }
    for (; pad && used < width; used++)
        putc(' ', f);
}

static void print_table_head(FILE *f)
{
    fprintf(f, "%-20s  %-7s  %-20s  %-16s  %-16s  %s\n", "ts", "kind", "id", "author", "channel",
            "text");
}

static void print_table(FILE *f, const tocsin_post *p)
{
    char ts[32] = "-";
    if (p->has_ts)
        tocsin_time_format(p->ts, ts, sizeof ts);
    fprintf(f, "%-20s  %-7s  ", ts, tocsin_kind_name(p->kind));
    cell(f, p->id, 20, true);
    fputs("  ", f);
    cell(f, p->author_name.len ? p->author_name : p->author_id, 16, true);
    fputs("  ", f);
    cell(f, p->channel_name.len ? p->channel_name : p->channel_id, 16, true);
    fputs("  ", f);
    cell(f, p->text, 60, true);
    putc('\n', f);
}

int cmd_read(int argc, char **argv)
{
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.warn = cli_warn;
    bool table = false;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    size_t ninputs = 0;
    if (!inputs) {
        fprintf(stderr, "tocsin: read: out of memory\n");
        return TOCSIN_ERR_NOMEM;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            free(inputs);
            return 0;
        }
        int r = cli_read_option("read", argc, argv, &i, &o);
        if (r < 0) {
            free(inputs);
            return TOCSIN_ERR_USAGE;
        }
        if (r > 0)
            continue;
        if (!strcmp(a, "--output")) {
            if (i + 1 >= argc) {
                free(inputs);
                return cli_usage_error("read", "--output needs a value (jsonl or table)");
            }
            const char *v = argv[++i];
            if (!strcmp(v, "table")) {
                table = true;
            } else if (!strcmp(v, "jsonl") || !strcmp(v, "json")) {
                table = false;
            } else {
                free(inputs);
                return cli_usage_error("read", "--output: '%s' is not jsonl or table", v);
            }
        } else if (a[0] == '-' && a[1]) {
            free(inputs);
            return cli_usage_error("read", "unknown option '%s' (try 'tocsin read --help')", a);
        } else {
            inputs[ninputs++] = a;
        }
    }
    if (!ninputs) {
        usage(stderr);
        free(inputs);
        return TOCSIN_ERR_USAGE;
    }

    tocsin_error err;
    tocsin_error_clear(&err);
    char **paths = NULL;
    size_t npaths = 0;
    tocsin_status st = tocsin_paths_expand(inputs, ninputs, &paths, &npaths, &err);
    free(inputs);
    if (st)
        return cli_report(&err);

    int status = 0;
    tocsin_read_stats total;
    memset(&total, 0, sizeof total);
    uint64_t files = 0;
    if (table)
        print_table_head(stdout);
    for (size_t k = 0; k < npaths; k++) {
        tocsin_reader *r = NULL;
        tocsin_error_clear(&err);
        st = tocsin_reader_open(&o, paths[k], &r, &err);
        if (st) {
            cli_report(&err);
            if (!status)
                status = (int)st;
            if (o.strict)
                break;
            continue;
        }
        files++;
        const char *format = tocsin_reader_format(r);
        for (;;) {
            tocsin_post p;
            int got = 0;
            st = tocsin_reader_next(r, &p, &got, &err);
            if (st) {
                cli_report(&err);
                if (!status)
                    status = (int)st;
                break;
            }
            if (!got)
                break;
            if (table)
                print_table(stdout, &p);
            else
                print_jsonl(stdout, &p, format);
        }
        tocsin_read_stats s;
        tocsin_reader_stats(r, &s);
        tocsin_read_stats_add(&total, &s);
        tocsin_reader_free(r);
        if (status && o.strict)
            break;
    }
    tocsin_paths_free(paths, npaths);
    if (fflush(stdout) != 0 && !status) {
        fprintf(stderr, "tocsin: read: cannot write the output\n");
        status = TOCSIN_ERR_IO;
    }
    cli_print_read_summary("read", files, &total);
    return status;
}
