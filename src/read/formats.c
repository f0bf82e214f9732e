/* formats.c: the registry of input formats, in detection tie-break order (platform formats
 * first, generic ones last). To add a format, add one X(rd_fmt_NAME) line to RD_FORMAT_LIST
 * (see format.h); the list declares and registers it. */
#include "read/reader_int.h"

#include <string.h>

#define RD_FORMAT_LIST \
    X(rd_fmt_telegram) \
    X(rd_fmt_telethon) \
    X(rd_fmt_twitter) \
    X(rd_fmt_gnip) \
    X(rd_fmt_twitter_v2) \
    X(rd_fmt_pushshift) \
    X(rd_fmt_reddit) \
    X(rd_fmt_fourchan) \
    X(rd_fmt_mastodon) \
    X(rd_fmt_discord) \
    X(rd_fmt_rss) \
    X(rd_fmt_atom) \
    X(rd_fmt_whatsapp) \
    X(rd_fmt_twarc_csv) \
    X(rd_fmt_4cat_csv) \
    X(rd_fmt_jsonl) \
    X(rd_fmt_json_array) \
    X(rd_fmt_json) \
    X(rd_fmt_csv) \
    X(rd_fmt_tsv)

#define X(f) extern const rd_format f;
RD_FORMAT_LIST
#undef X

#define X(f) &f,
const rd_format *const rd_formats[] = {RD_FORMAT_LIST NULL};
#undef X

const rd_format *rd_format_find(const char *name)
{
    for (size_t i = 0; rd_formats[i]; i++)
        if (strcmp(rd_formats[i]->name, name) == 0)
            return rd_formats[i];
    return NULL;
}
