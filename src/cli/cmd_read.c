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

/* The JSON Lines printer builds each post's line in one buffer and writes it with one fwrite:
 * printing, not reading, dominated `tocsin read` when it went through stdio byte by byte. */
typedef struct obuf {
    char *p;
    size_t len, cap;
    bool failed;
} obuf;

static void ob_put(obuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void ob_str(obuf *b, const char *s) { ob_put(b, s, strlen(s)); }

/* A JSON string literal of s[0..n): runs of plain bytes are copied at once. */
static void ob_json(obuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    ob_put(b, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        ob_put(b, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': ob_put(b, "\\\"", 2); break;
        case '\\': ob_put(b, "\\\\", 2); break;
        case '\n': ob_put(b, "\\n", 2); break;
        case '\r': ob_put(b, "\\r", 2); break;
        case '\t': ob_put(b, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            ob_put(b, u, 6);
        }
        }
    }
    ob_put(b, s + start, n - start);
    ob_put(b, "\"", 1);
}

/* A view as a JSON string, or null when absent or empty. */
static void ob_strv(obuf *b, tocsin_strv v)
{
    if (!v.ptr || !v.len)
        ob_put(b, "null", 4);
    else
        ob_json(b, v.ptr, v.len);
}

static void ob_list(obuf *b, const tocsin_strv *v, size_t n)
{
    ob_put(b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            ob_put(b, ",", 1);
        ob_json(b, v[i].ptr ? v[i].ptr : "", v[i].ptr ? v[i].len : 0);
    }
    ob_put(b, "]", 1);
}

static void ob_u64(obuf *b, uint64_t x)
{
    char d[24];
    size_t k = sizeof d;
    do {
        d[--k] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    ob_put(b, d + k, sizeof d - k);
}

/* @return 0, or -1 when memory ran out. */
static int print_jsonl(FILE *f, obuf *b, const tocsin_post *p, const char *format)
{
    char ts[32];
    b->len = 0;
    ob_str(b, "{\"platform\":");
    ob_strv(b, p->platform);
    ob_str(b, ",\"format\":");
    ob_json(b, format, strlen(format));
    ob_str(b, ",\"id\":");
    ob_strv(b, p->id);
    ob_str(b, ",\"ts\":");
    if (p->has_ts) {
        tocsin_time_format(p->ts, ts, sizeof ts);
        ob_json(b, ts, strlen(ts));
    } else {
        ob_put(b, "null", 4);
    }
    ob_str(b, ",\"author_id\":");
    ob_strv(b, p->author_id);
    ob_str(b, ",\"author_name\":");
    ob_strv(b, p->author_name);
    ob_str(b, ",\"channel_id\":");
    ob_strv(b, p->channel_id);
    ob_str(b, ",\"channel_name\":");
    ob_strv(b, p->channel_name);
    ob_str(b, ",\"kind\":\"");
    ob_str(b, tocsin_kind_name(p->kind));
    ob_str(b, "\",\"ref_id\":");
    ob_strv(b, p->ref_id);
    ob_str(b, ",\"lang\":");
    ob_strv(b, p->lang);
    ob_str(b, ",\"urls\":");
    ob_list(b, p->urls, p->n_urls);
    ob_str(b, ",\"hashtags\":");
    ob_list(b, p->hashtags, p->n_hashtags);
    ob_str(b, ",\"mentions\":");
    ob_list(b, p->mentions, p->n_mentions);
    ob_str(b, ",\"text\":");
    ob_json(b, p->text.ptr ? p->text.ptr : "", p->text.ptr ? p->text.len : 0);
    ob_str(b, ",\"source\":");
    ob_json(b, p->source ? p->source : "", p->source ? strlen(p->source) : 0);
    ob_str(b, ",\"line\":");
    ob_u64(b, p->line);
    ob_str(b, ",\"record\":");
    ob_u64(b, p->record);
    ob_put(b, "}\n", 2);
    if (b->failed)
        return -1;
    fwrite(b->p, 1, b->len, f);
    return 0;
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
    obuf ob = {NULL, 0, 0, false};
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
            if (table) {
                print_table(stdout, &p);
            } else if (print_jsonl(stdout, &ob, &p, format) != 0) {
                fprintf(stderr, "tocsin: read: out of memory\n");
                if (!status)
                    status = TOCSIN_ERR_NOMEM;
                break;
            }
        }
        tocsin_read_stats s;
        tocsin_reader_stats(r, &s);
        tocsin_read_stats_add(&total, &s);
        tocsin_reader_free(r);
        if (status && o.strict)
            break;
    }
    tocsin_paths_free(paths, npaths);
    free(ob.p);
    if (fflush(stdout) != 0 && !status) {
        fprintf(stderr, "tocsin: read: cannot write the output\n");
        status = TOCSIN_ERR_IO;
    }
    cli_print_read_summary("read", files, &total);
    return status;
}
