/* util.c: what every subcommand prints the same way: errors, warnings, JSON strings. */
#include "cli.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>

static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;

int cli_report(const tocsin_error *err)
{
    char line[2048];
    tocsin_error_format(err, line, sizeof line);
    fprintf(stderr, "tocsin: %s\n", line);
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
    fprintf(stderr, "tocsin: warning: %s\n", line);
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
