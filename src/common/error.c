/* error.c: the status texts and the error struct every public function fills. */
#include "common.h"

#include <stdio.h>
#include <string.h>

const char *tocsin_strerror(tocsin_status code)
{
    switch (code) {
    case TOCSIN_OK: return "success";
    case TOCSIN_ERR_NOMEM: return "out of memory";
    case TOCSIN_ERR_IO: return "input/output error";
    case TOCSIN_ERR_USAGE: return "bad usage";
    case TOCSIN_ERR_PARSE: return "malformed record";
    case TOCSIN_ERR_FORMAT: return "unknown input format";
    case TOCSIN_ERR_TRUNCATED: return "truncated input";
    case TOCSIN_ERR_LIMIT: return "size limit exceeded";
    case TOCSIN_ERR_WATCHLIST: return "watchlist error";
    case TOCSIN_ERR_STORE: return "store error";
    case TOCSIN_ERR_INTERNAL: return "internal error";
    case TOCSIN_ERR_LANG: return "language identification error";
    case TOCSIN_ERR_STATS: return "statistics error";
    }
    return "unknown error";
}

void tocsin_error_clear(tocsin_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
}

tocsin_status tc_error_set(tocsin_error *err, tocsin_status code, const char *file, uint64_t line,
                           const char *field, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->line = line;
    err->is_record_index = false;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

size_t tocsin_error_format(const tocsin_error *err, char *buf, size_t cap)
{
    char where[640] = "";
    size_t n = 0;
    if (err->file[0]) {
        if (err->line)
            n = (size_t)snprintf(where, sizeof where, "%s:%s%llu: ", err->file,
                                 err->is_record_index ? "record " : "",
                                 (unsigned long long)err->line);
        else
            n = (size_t)snprintf(where, sizeof where, "%s: ", err->file);
    }
    (void)n;
    int r;
    if (err->field[0])
        r = snprintf(buf, cap, "%sfield '%s': %s", where, err->field, err->message);
    else
        r = snprintf(buf, cap, "%s%s", where, err->message);
    return r < 0 ? 0 : (size_t)r;
}
