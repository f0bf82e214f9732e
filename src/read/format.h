/* format.h: the plug-in interface between the generic reader (reader.c: files, decompression,
 * record framing, detection, warnings, counters) and input formats (generic ones in generic.c,
 * platform ones in fmt_*.c).
 *
 * A format says how its records are framed and maps one record to posts:
 *   - JSON framings (the reader frames and parses, the format only maps a parsed tree):
 *       RD_FRAME_LINES   one JSON value per line (JSON Lines / NDJSON);
 *       RD_FRAME_ARRAY   each element of a top-level JSON array, streamed one by one;
 *       RD_FRAME_NESTED  each element of the arrays found at `paths` inside a root object,
 *                        streamed one by one; the scalar members of the enclosing objects that
 *                        come before the array are the record's context (rec->ctx): Telegram
 *                        Desktop's {name,type,id,messages:[...]} uses paths {"messages"}, its
 *                        full-account export {"chats.list[].messages"} ("[]" = each element);
 *       RD_FRAME_DOC     the whole input is one JSON value (capped at opts.max_record).
 *     A format may accept several (a bitmask: a Twitter export can be lines or one array).
 *   - RD_FRAME_BYTES: the format reads the bytes itself through rd_src (RSS/Atom with libxml2,
 *     WhatsApp .txt) with open/next/close.
 * The map function fills posts through the reader-owned builder rd_out: rd_out_post() starts a
 * post (zeroed; source, line, record and platform already set), views may point into the parsed
 * record (tj_str) or into the record arena (rd_out_copy, rd_out_cat_*, rd_out_html), which lives
 * until the record's posts have all been returned. A record can give 0..n posts; a record that is
 * not usable is reported with rd_out_skip() (counted by reason, warned, an error under --strict).
 *
 * Places: records framed by lines carry their 1-based line (post.line); elements of JSON arrays
 * (top-level or nested) carry no line (post.line = 0) and warnings name their 1-based index
 * (tocsin_error.is_record_index). JSON Lines are parsed in batches when they allow it (see
 * reader.c); a mapper sees no difference.
 *
 * Detection: the reader looks at the first bytes of the input, decides which framings are
 * possible, frames and parses the first record for each, and calls every format's sniff(). The
 * highest score wins (ties: table order). sniff() returns 0..100 (0 = does not fit, and then
 * writes a short "why not" into why, shown to the user when no format fits).
 *
 * HOW TO ADD A FORMAT: write src/read/fmt_NAME.c defining `const rd_format rd_fmt_NAME = {...}`
 * (name, platform, framings, paths, sniff, map; or open/next/close for bytes), then add ONE line
 * `X(rd_fmt_NAME)` to RD_FORMAT_LIST in src/read/formats.c, before the generic formats. Add a
 * unit test tests/unit/test_read_fmt_NAME.c reading a sample under tests/data/. */
#ifndef TOCSIN_READ_FORMAT_H
#define TOCSIN_READ_FORMAT_H

#include "read/json.h"

#include <sys/types.h>

enum {
    RD_FRAME_LINES = 1u << 0,
    RD_FRAME_ARRAY = 1u << 1,
    RD_FRAME_NESTED = 1u << 2,
    RD_FRAME_DOC = 1u << 3,
    RD_FRAME_BYTES = 1u << 4,
};

typedef struct rd_out rd_out; /* the post builder of one reader */
typedef struct rd_src rd_src; /* the (decompressed) byte source of one input */

/* What sniff() sees. `head` is always there; `first` only when the framing could frame and parse
 * a first record from the head (for RD_FRAME_NESTED: the first element at one of the paths, and
 * ctx its context). */
typedef struct rd_sniff {
    const char *source;      /* the input path ("-" for stdin) */
    const char *head;        /* the first bytes of the decompressed input (up to 1 MiB) */
    size_t head_len;
    bool head_complete;      /* head is the whole input */
    unsigned framing;        /* the one RD_FRAME_* this call is about */
    tj_doc *doc;             /* the first record, parsed; first = 0 when none */
    tj_val first;
    tj_doc *ctx_doc;         /* RD_FRAME_NESTED: the context object (else ctx = 0) */
    tj_val ctx;
    const char *array_path;  /* RD_FRAME_NESTED: the path `first` came from */
    const tocsin_read_opts *opts;
} rd_sniff;

/* One framed, parsed record handed to map(). */
typedef struct rd_rec {
    tj_doc *doc;
    tj_val root;
    tj_doc *ctx_doc;         /* RD_FRAME_NESTED: scalar members of the enclosing objects seen */
    tj_val ctx;              /* before the array (0 when none / other framings) */
    const char *array_path;  /* RD_FRAME_NESTED: which of the format's paths */
    unsigned framing;
    const tocsin_read_opts *opts;
    const char *source;
    uint64_t line;           /* 1-based line where the record starts (0 when unknown) */
    uint64_t record;         /* 1-based record index within the source */
} rd_rec;

typedef struct rd_format {
    const char *name;        /* --format NAME and tocsin_reader_format() */
    const char *platform;    /* goes into tocsin_post.platform ("" for generic formats) */
    unsigned framings;       /* RD_FRAME_* bits */
    const char *const *paths; /* RD_FRAME_NESTED: NULL-terminated array paths */
    /* @return 0..100; 0 = no, with a short reason in why. */
    int (*sniff)(const rd_sniff *s, char *why, size_t why_cap);
    /* JSON framings: turns one record into 0..n posts via o. Returns TOCSIN_OK (also after
     * rd_out_skip) or an error that stops the reader (TOCSIN_ERR_NOMEM...). */
    tocsin_status (*map)(rd_out *o, const rd_rec *rec);
    /* RD_FRAME_BYTES: open makes the format's state; next reads ONE record (calling
     * rd_out_record() first, then rd_out_post()... or rd_out_skip()) and sets *got = 0 at the end
     * of input; close frees the state (accepts NULL). */
    tocsin_status (*open)(rd_src *src, rd_out *o, void **state, tocsin_error *err);
    tocsin_status (*next)(void *state, rd_src *src, rd_out *o, int *got, tocsin_error *err);
    void (*close)(void *state);
} rd_format;

/* The registry (formats.c): NULL-terminated, in detection tie-break order. */
extern const rd_format *const rd_formats[];
/* @return the format called `name`, NULL when there is none. */
const rd_format *rd_format_find(const char *name);

/* ---- the post builder ---- */

/* Starts a new post of the current record: zeroed, with source/line/record/platform set and
 * kind = TOCSIN_KIND_POST. NULL on allocation failure (then return TOCSIN_ERR_NOMEM). */
tocsin_post *rd_out_post(rd_out *o);
/* Adds a url / hashtag (without '#') / mention (without '@') to the LAST post started. The view
 * must stay valid for the record (a tj_str view or an arena copy). */
tocsin_status rd_out_url(rd_out *o, tocsin_strv v);
tocsin_status rd_out_hashtag(rd_out *o, tocsin_strv v);
tocsin_status rd_out_mention(rd_out *o, tocsin_strv v);
/* Copies n bytes into the record arena; {NULL,0} on allocation failure (and for n = 0, "" ). */
tocsin_strv rd_out_copy(rd_out *o, const char *p, size_t n);
/* Builds one string piece by piece in the arena: begin, add..., end gives the view. */
void rd_out_cat_begin(rd_out *o);
tocsin_status rd_out_cat_add(rd_out *o, const char *p, size_t n);
tocsin_strv rd_out_cat_end(rd_out *o);
/* HTML to plain text (tocsin_html_to_text of the text stage), copied into the arena. */
tocsin_status rd_out_html(rd_out *o, const char *html, size_t len, tocsin_strv *text);
/* Parses a time with the reader's --tz (see tocsin_time_parse): epochs, YYYYMMDD, ISO-8601,
 * RFC 822/2822 with localized day and month names, X/Twitter's created_at. */
tocsin_status rd_out_time(rd_out *o, const char *s, size_t len, int64_t *ts);
/* The same parser (time.c) for fields whose zone the platform defines: a time written without
 * a zone or offset is read as UTC, not in --tz, and *has_offset says whether one was written
 * (epochs count as written). @return false when s is not a time. */
bool rd_time_parse_utc(const char *s, size_t len, int64_t *ts, bool *has_offset);
/* The record cannot be used: counted under `reason`, warned as "source:line: message" (or the
 * record index for JSON arrays); under --strict it becomes the reader's error. Posts already
 * started for this record are dropped. */
void rd_out_skip(rd_out *o, tocsin_skip_reason reason, const char *fmt, ...) TC_PRINTF(3, 4);
/* A warning about the record that does not skip it. */
void rd_out_warn(rd_out *o, const char *fmt, ...) TC_PRINTF(2, 3);
/* RD_FRAME_BYTES: starts a record at `line` (1-based; 0 = unknown). */
void rd_out_record(rd_out *o, uint64_t line);
/* The reader's options. */
const tocsin_read_opts *rd_out_opts(const rd_out *o);

/* ---- the byte source, for RD_FRAME_BYTES formats ---- */

/* The input's name ("-" for stdin). */
const char *rd_src_name(const rd_src *s);
/* Reads up to cap bytes. @return bytes read, 0 at the end, -1 on error (err filled: an I/O
 * error, or TOCSIN_ERR_TRUNCATED for a damaged compressed stream). */
ssize_t rd_src_read(rd_src *s, void *buf, size_t cap, tocsin_error *err);
/* The next line without its "\n" (and "\r"), in *p / *n, valid until the next call; *line its
 * 1-based number. A line longer than max_record is streamed past: *p = NULL, *n = its length
 * (report it with rd_out_skip(TOCSIN_SKIP_TOO_LARGE)). *got = 0 at the end. */
tocsin_status rd_src_line(rd_src *s, const char **p, size_t *n, uint64_t *line, int *got,
                          tocsin_error *err);

#endif
