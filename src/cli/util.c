/* util.c: what every subcommand prints the same way: errors, warnings, JSON strings. */
#include "cli.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;

/* Writes an error or warning line. Messages quote input bytes (a time that did not parse, a
 * key): control characters are shown as \xHH, so a hostile post cannot send escape sequences
 * to the user's terminal. Callers hold warn_lock, so lines from threads do not interleave. */
static void put_message(const char *prefix, const char *msg)
{
    static const char hex[] = "0123456789abcdef";
    fputs(prefix, stderr);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            char e[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
            fwrite(e, 1, sizeof e, stderr);
        } else {
            putc(*p, stderr);
        }
    }
    putc('\n', stderr);
}

int cli_report(const tocsin_error *err)
{
    char line[2048];
    tocsin_error_format(err, line, sizeof line);
    pthread_mutex_lock(&warn_lock);
    put_message("tocsin: ", line);
    pthread_mutex_unlock(&warn_lock);
    return err->code ? (int)err->code : 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tocsin: %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return TOCSIN_ERR_USAGE;
}

void cli_warn(void *ctx, const tocsin_error *w)
{
    (void)ctx;
    char line[2048];
    tocsin_error_format(w, line, sizeof line);
    pthread_mutex_lock(&warn_lock);
    put_message("tocsin: warning: ", line);
    pthread_mutex_unlock(&warn_lock);
}

void cli_json_str(FILE *f, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    putc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20) {
                fputs("\\u00", f);
                putc(hex[c >> 4], f);
                putc(hex[c & 15], f);
            } else {
                putc(c, f);
            }
        }
    }
    putc('"', f);
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return -1;
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1ULL << 10, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1ULL << 20, end++;
    else if (*end == 'g' || *end == 'G')
        mul = 1ULL << 30, end++;
    if (*end || v == 0 || v > (1ULL << 40) / mul)
        return -1;
    *out = (size_t)(v * mul);
    return 0;
}

int cli_read_option(const char *cmd, int argc, char **argv, int *i, tocsin_read_opts *o)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--strict")) {
        o->strict = true;
        return 1;
    }
    bool takes = !strcmp(a, "--format") || !strcmp(a, "--field") || !strcmp(a, "--tz") ||
                 !strcmp(a, "--max-record");
    if (!takes)
        return 0;
    if (*i + 1 >= argc) {
        cli_usage_error(cmd, "%s needs a value", a);
        return -1;
    }
    const char *v = argv[++*i];
    if (!strcmp(a, "--format")) {
        o->format = v;
    } else if (!strcmp(a, "--tz")) {
        o->tz = v;
    } else if (!strcmp(a, "--max-record")) {
        if (parse_size(v, &o->max_record) != 0) {
            cli_usage_error(cmd, "--max-record: '%s' is not a size (e.g. 16M)", v);
            return -1;
        }
    } else { /* --field NAME=PATH */
        const char *eq = strchr(v, '=');
        int f = -1;
        for (int k = 0; eq && k < TOCSIN_FIELD__COUNT; k++) {
            const char *name = tocsin_field_name((tocsin_field)k);
            if (strlen(name) == (size_t)(eq - v) && !strncmp(v, name, (size_t)(eq - v)))
                f = k;
        }
        if (f < 0 || !eq[1]) {
            cli_usage_error(cmd, "--field: '%s' is not NAME=PATH with NAME one of text, id, "
                                 "time, author, channel, lang", v);
            return -1;
        }
        o->field[f] = eq + 1;
    }
    return 1;
}

void cli_print_read_summary(const char *cmd, uint64_t files, const tocsin_read_stats *s)
{
    uint64_t skipped = 0;
    for (int r = 0; r < TOCSIN_SKIP__COUNT; r++)
        skipped += s->skipped[r];
    fprintf(stderr, "tocsin: %s: %llu file%s, %llu records, %llu posts, %llu skipped", cmd,
            (unsigned long long)files, files == 1 ? "" : "s", (unsigned long long)s->records,
            (unsigned long long)s->posts, (unsigned long long)skipped);
    if (skipped) {
        const char *sep = " (";
        for (int r = 0; r < TOCSIN_SKIP__COUNT; r++)
            if (s->skipped[r]) {
                fprintf(stderr, "%s%s: %llu", sep, tocsin_skip_reason_name((tocsin_skip_reason)r),
                        (unsigned long long)s->skipped[r]);
                sep = ", ";
            }
        fputc(')', stderr);
    }
    if (s->invalid_utf8)
        fprintf(stderr, ", %llu with invalid UTF-8 replaced", (unsigned long long)s->invalid_utf8);
    fputc('\n', stderr);
}

void cli_json_num(double v)
{
    if (isnan(v) || isinf(v))
        fputs("null", stdout);
    else
        printf("%.6g", v);
}
