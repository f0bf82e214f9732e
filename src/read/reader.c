/* reader.c: the generic reader: byte windows over inputs, record framing (lines, CSV records,
 * JSON array elements, arrays nested in a root object, whole documents), format detection, the
 * post builder formats fill, warnings and counters, and the public tocsin_reader API.
 *
 * Design. Speed comes from never copying what can be read in place. A plain file is mapped and
 * the window is the whole mapping: a JSON Lines record is found with memchr and parsed by
 * simdjson straight from the mapping (with the padding simdjson needs coming from the bytes that
 * follow; only records in the last 64 bytes of a file are copied). Streams (stdin, gzip, zstd)
 * fill an owned buffer that keeps TJ_PADDING spare bytes, so records are parsed in place there
 * too. A record longer than max_record is never held: the scanner keeps running over it while
 * the window drops the bytes it has scanned, and the record is reported as too large.
 *
 * The generic JSON Lines format (and the elements of generic JSON arrays) skips simdjson's DOM
 * altogether: jsonl_fast.c checks each record and picks its fields in one pass, after simdjson's
 * UTF-8 validator has passed over a chunk of up to 1 MiB of whole lines (fast_record). A record
 * that scanner is not sure about goes the DOM way below, alone, so results and warnings are the
 * same either way (tests/unit/test_read_fast.c compares the two on damaged input).
 *
 * Platform formats read as JSON Lines go further than one parse per line too: a chunk of up to
 * 1 MiB of whole lines that all look like one object each is handed to simdjson's document
 * stream, so stage 1 runs once per chunk instead of once per record (per-record setup is a
 * large share of parsing a 300-byte post). A line table made while checking the chunk ties each
 * value to its line; any surprise (two values on a line, a value over several lines, invalid
 * UTF-8, bad JSON) ends the batch and the rest of the chunk is parsed line by line with the
 * lenient pass, so results and warnings are the same either way. On streams a batch only takes
 * bytes already buffered, and the detection head stops after two whole lines of JSON Lines or
 * text: a live pipe gets its records as they come.
 *
 * JSON arrays and arrays nested in a root object are framed by a small scanner that tracks
 * strings and nesting depth, so one element at a time is parsed: a multi-gigabyte Telegram
 * export is read with memory for one message. For nested arrays, a walker moves through the
 * root object along the format's paths ("chats.list[].messages"), skipping other containers
 * without buffering them and keeping the scalar members it passes as the records' context.
 *
 * Posts of one record are built into reusable arrays and an arena that are reset when the next
 * record is read, so steady-state reading does not allocate. */
#include "read/reader_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD_MAX (1u << 20)
#define DEFAULT_MAX_RECORD (16u << 20)
#define CHUNK (256u * 1024u)
#define MAX_PATHS 8
#define MAX_SEGS 16

/* ------------------------------------------------------------------------------------------
 * Names and small public helpers
 * ---------------------------------------------------------------------------------------- */

const char *tocsin_field_name(tocsin_field f)
{
    static const char *const names[] = {"text", "id", "time", "author", "channel", "lang"};
    return (unsigned)f < TOCSIN_FIELD__COUNT ? names[f] : "?";
}

const char *tocsin_skip_reason_name(tocsin_skip_reason r)
{
    static const char *const names[] = {"bad-json",   "bad-csv",    "too-large", "no-text",
                                        "bad-time",   "not-object", "truncated"};
    return (unsigned)r < TOCSIN_SKIP__COUNT ? names[r] : "?";
}

const char *tocsin_kind_name(tocsin_kind kind)
{
    static const char *const names[] = {"post", "reply", "repost", "quote", "service"};
    return (unsigned)kind <= TOCSIN_KIND_SERVICE ? names[kind] : "?";
}

void tocsin_read_stats_add(tocsin_read_stats *a, const tocsin_read_stats *b)
{
    a->records += b->records;
    a->posts += b->posts;
    for (int i = 0; i < TOCSIN_SKIP__COUNT; i++)
        a->skipped[i] += b->skipped[i];
    a->invalid_utf8 += b->invalid_utf8;
    a->bytes += b->bytes;
}

void tocsin_read_opts_init(tocsin_read_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_record = DEFAULT_MAX_RECORD;
}

/* ------------------------------------------------------------------------------------------
 * The byte window
 * ---------------------------------------------------------------------------------------- */

static void src_init_map(rd_src *s, const char *buf, size_t len)
{
    s->buf = buf;
    s->len = len;
    s->pos = 0;
    s->eof = true;
    s->is_map = true;
    s->line = 1;
}

/* Reads more stream bytes, keeping buf[*keep..len) (moved to the front). @return bytes added
 * (0 at the end), -1 on error. */
static ssize_t src_more(rd_src *s, size_t *keep)
{
    if (s->is_map || s->eof)
        return 0;
    size_t k = *keep;
    if (k > 0) {
        memmove(s->own, s->own + k, s->len - k);
        s->len -= k;
        s->pos -= k < s->pos ? k : s->pos;
        s->dropped += k;
        *keep = 0;
    }
    if (s->own_alloc < s->len + TJ_PADDING + CHUNK / 2) {
        size_t na = s->own_alloc ? s->own_alloc * 2 : CHUNK + TJ_PADDING;
        char *p = realloc(s->own, na);
        if (!p) {
            tc_error_set(&s->pending, TOCSIN_ERR_NOMEM, s->name, 0, NULL, "out of memory");
            s->has_pending = true;
            return -1;
        }
        s->own = p;
        s->own_alloc = na;
    }
    s->buf = s->own;
    ssize_t got = rd_in_read(&s->in, s->own + s->len, s->own_alloc - TJ_PADDING - s->len,
                             &s->pending);
    if (got < 0) {
        s->has_pending = true;
        s->eof = true;
        return -1;
    }
    if (got == 0)
        s->eof = true;
    s->len += (size_t)got;
    return got;
}

bool rd_src_want(rd_src *s, size_t want)
{
    while (s->len - s->pos < want && !s->eof) {
        size_t keep = s->pos;
        if (src_more(s, &keep) < 0)
            return false;
    }
    return true;
}

bool rd_src_padded(const rd_src *s, const char *rec, size_t n)
{
    if (!s->is_map)
        return true; /* own buffers always keep TJ_PADDING spare bytes */
    const char *end = s->in.map ? s->in.map + s->in.map_len : s->buf + s->len;
    return rec + n + TJ_PADDING <= end;
}

size_t rd_scan_line(void *st, const char *p, size_t n, bool *done)
{
    (void)st;
    const char *nl = memchr(p, '\n', n);
    if (nl) {
        *done = true;
        return (size_t)(nl - p) + 1;
    }
    return n;
}

/* Offset of the first a or b in p[0..n), n when none (SSE2, 16 bytes at a time). */
static inline size_t find2(const char *p, size_t n, char a, char b)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        int bits = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)));
        if (bits)
            return i + (size_t)__builtin_ctz((unsigned)bits);
    }
#endif
    for (; i < n; i++)
        if (p[i] == a || p[i] == b)
            return i;
    return n;
}

size_t rd_scan_csv(void *st, const char *p, size_t n, bool *done)
{
    rd_csv_scan *c = st;
    for (size_t i = 0; i < n; i++) {
        i += c->in_quote ? find2(p + i, n - i, '"', '"') : find2(p + i, n - i, '"', '\n');
        if (i >= n)
            break;
        if (p[i] == '"') {
            c->in_quote = !c->in_quote;
        } else { /* a newline outside quotes */
            *done = true;
            return i + 1;
        }
    }
    return n;
}

rd_rec_result rd_src_record(rd_src *s, rd_scan_fn scan, void *st, const char **rec, size_t *n)
{
    size_t start = s->pos, scanned = 0;
    uint64_t skipped = 0; /* bytes of this record already dropped */
    bool skipping = false;
    for (;;) {
        if (start + scanned < s->len) {
            bool done = false;
            scanned += scan(st, s->buf + start + scanned, s->len - start - scanned, &done);
            if (done) {
                s->pos = start + scanned;
                if (skipping || scanned > s->max_record) {
                    *n = (size_t)(skipped + scanned);
                    return RD_REC_TOO_LARGE;
                }
                *rec = s->buf + start;
                *n = scanned;
                return RD_REC_OK;
            }
            if (!s->is_map && scanned > s->max_record)
                skipping = true;
            if (skipping) { /* drop what was scanned: never hold a record over the cap */
                skipped += scanned;
                start += scanned;
                scanned = 0;
                s->pos = start;
            }
        }
        if (s->eof) {
            s->pos = s->len;
            if (scanned == 0 && !skipping)
                return s->has_pending ? RD_REC_ERROR : RD_REC_END;
            if (s->has_pending)
                return RD_REC_ERROR;
            if (skipping || scanned > s->max_record) {
                *n = (size_t)(skipped + scanned);
                return RD_REC_TOO_LARGE;
            }
            *rec = s->buf + start;
            *n = scanned;
            return RD_REC_UNTERMINATED;
        }
        size_t keep = start;
        ssize_t got = src_more(s, &keep);
        start = keep;
        if (got < 0)
            return RD_REC_ERROR;
    }
}

const char *rd_src_name(const rd_src *s)
{
    return s->name;
}

ssize_t rd_src_read(rd_src *s, void *buf, size_t cap, tocsin_error *err)
{
    if (s->pos < s->len) {
        size_t n = s->len - s->pos;
        if (n > cap)
            n = cap;
        memcpy(buf, s->buf + s->pos, n);
        s->pos += n;
        return (ssize_t)n;
    }
    if (s->has_pending) {
        if (err)
            *err = s->pending;
        return -1;
    }
    if (s->eof || s->is_map)
        return 0;
    ssize_t k = rd_in_read(&s->in, buf, cap, err);
    if (k > 0)
        s->dropped += (size_t)k; /* went straight to the caller */
    if (k <= 0)
        s->eof = true;
    return k;
}

tocsin_status rd_src_line(rd_src *s, const char **p, size_t *n, uint64_t *line, int *got,
                          tocsin_error *err)
{
    const char *rec = NULL;
    size_t len = 0;
    rd_rec_result r = rd_src_record(s, rd_scan_line, NULL, &rec, &len);
    *got = 0;
    switch (r) {
    case RD_REC_END:
        return TOCSIN_OK;
    case RD_REC_ERROR:
        if (err)
            *err = s->pending;
        return s->pending.code;
    case RD_REC_TOO_LARGE:
        *p = NULL;
        *n = len;
        break;
    case RD_REC_OK:
    case RD_REC_UNTERMINATED:
        if (len && rec[len - 1] == '\n')
            len--;
        if (len && rec[len - 1] == '\r')
            len--;
        *p = rec;
        *n = len;
        break;
    }
    *line = s->line++;
    *got = 1;
    return TOCSIN_OK;
}

/* ------------------------------------------------------------------------------------------
 * The post builder
 * ---------------------------------------------------------------------------------------- */

typedef struct arena_blk {
    struct arena_blk *next;
    size_t cap, used;
    char data[];
} arena_blk;

enum { L_URL, L_TAG, L_MENTION, L__N };

struct rd_out {
    struct tocsin_reader *r;
    tocsin_post *posts;
    size_t nposts, aposts, next;
    size_t (*lstart)[L__N]; /* per post: first index in lists[k] */
    tocsin_strv *lists[L__N];
    size_t nlist[L__N], alist[L__N];
    arena_blk *head, *cur;
    size_t cat_off, cat_len; /* the string being built in cur */
    bool cat_failed;
    bool skipped;
    tocsin_skip_reason reason;
    char msg[400];
    uint64_t line, record;
    bool is_index;
};

struct tocsin_reader {
    tocsin_read_opts opts;
    char *strs;            /* copies of the option strings */
    char *path;
    const rd_format *fmt;
    tocsin_strv platform;  /* fmt->platform as a view */
    unsigned framing;
    const rd_zone *zone;
    rd_src src;
    tj_doc *doc, *ctx_doc;
    tj_val ctx;
    const char *array_path;
    rd_out out;
    tocsin_read_stats stats;
    tocsin_norm *norm;
    void *bstate;          /* RD_FRAME_BYTES format state */
    tocsin_error sticky;
    bool has_sticky, done;
    uint64_t record_no;
    /* ranges: warnings add the lines before the range, counted when first needed */
    uint64_t range_begin;
    uint64_t line_base;
    bool line_base_known;
    /* JSON Lines batches (see try_batch): window offsets, and an absolute input position
     * before which lines are parsed one by one */
    bool batch;
    size_t batch_base, batch_end;
    uint32_t (*lt)[3];     /* per line of the chunk: first, last + 1 non-blank byte, next line */
    size_t lt_n, lt_cap, lt_i;
    uint64_t no_batch_until;
    /* the fast path (jsonl_fast.c): on for the generic jsonl and json-array formats without
     * mapped fields; bytes up to the absolute input position v_end have had their UTF-8 checked
     * (v_bad: that chunk failed, so each line is checked on its own) */
    bool fast, v_bad;
    uint64_t v_end;
    rd_keycache kc;
    uint64_t fast_records; /* read by the fast path (tests) */
    unsigned fast_misses;  /* records left to simdjson in a row */
    /* streams whose first line is over max_record (see skip_long_head): its length, to report
     * as line 1 of JSON Lines; or the bytes already dropped of one big document */
    uint64_t long_first, doc_dropped;
    uint64_t fast_pause_until; /* absolute position before which batches are used instead */
    /* JSON array / nested framing */
    int astate;            /* 0 = before the array / walking, 1 = in the target array, 2 = done */
    unsigned nest_nseg[MAX_PATHS];
    char *nest_seg[MAX_PATHS][MAX_SEGS]; /* key name, or NULL for "each element" */
    size_t npaths;
    struct nest_frame {
        char kind;         /* '{' or '[' */
        unsigned mask;     /* paths still followed at this level */
        size_t ctx_start;  /* ctx_pairs length when the frame was entered */
    } stack[MAX_SEGS + 1];
    size_t depth;
    unsigned target_path;
    bool found_array;      /* a target array was met (else a warning at the end) */
    tc_buf ctx_pairs, ctx_json, key;
};

static void *arena_alloc(rd_out *o, size_t n)
{
    arena_blk *b = o->cur;
    if (b && b->used + n <= b->cap) {
        void *p = b->data + b->used;
        b->used += n;
        return p;
    }
    /* reuse the next block when it is big enough, else insert a new one */
    arena_blk *nb = b ? b->next : o->head;
    if (!nb || nb->cap < n) {
        size_t cap = n > 65536 ? n : 65536;
        arena_blk *x = malloc(sizeof *x + cap);
        if (!x)
            return NULL;
        x->cap = cap;
        x->used = 0;
        x->next = nb;
        if (b)
            b->next = x;
        else
            o->head = x;
        nb = x;
    }
    nb->used = n;
    o->cur = nb;
    return nb->data;
}

static void arena_reset(rd_out *o)
{
    for (arena_blk *b = o->head; b; b = b->next)
        b->used = 0;
    o->cur = o->head;
}

static void out_reset(rd_out *o)
{
    o->nposts = o->next = 0;
    for (int k = 0; k < L__N; k++)
        o->nlist[k] = 0;
    arena_reset(o);
    o->skipped = false;
    o->msg[0] = '\0';
}

static void out_free(rd_out *o)
{
    free(o->posts);
    free(o->lstart);
    for (int k = 0; k < L__N; k++)
        free(o->lists[k]);
    for (arena_blk *b = o->head, *n; b; b = n) {
        n = b->next;
        free(b);
    }
}

tocsin_post *rd_out_post(rd_out *o)
{
    if (o->nposts == o->aposts) {
        size_t na = o->aposts ? o->aposts * 2 : 8;
        tocsin_post *p = realloc(o->posts, na * sizeof *p);
        if (!p)
            return NULL;
        o->posts = p;
        size_t(*ls)[L__N] = realloc(o->lstart, na * sizeof *ls);
        if (!ls)
            return NULL;
        o->lstart = ls;
        o->aposts = na;
    }
    tocsin_post *p = &o->posts[o->nposts];
#ifdef __SSE2__
    /* sixteen bytes at a time: gcc makes this memset a `rep stos`, whose start-up cost was a
     * tenth of reading a generic JSON Lines post */
    _Static_assert(sizeof *p % 8 == 0, "tocsin_post is a whole number of words");
    char *z = (char *)p;
    size_t i = 0;
    for (; i + 16 <= sizeof *p; i += 16) {
        _mm_storeu_si128((__m128i *)(void *)(z + i), _mm_setzero_si128());
        __asm__("" : "+r"(i)); /* else gcc turns the loop back into memset */
    }
    if (i < sizeof *p)
        _mm_storel_epi64((__m128i *)(void *)(z + i), _mm_setzero_si128());
#else
    memset(p, 0, sizeof *p);
#endif
    p->source = o->r->path;
    p->line = o->is_index ? 0 : o->line; /* JSON array elements have an index, no line */
    p->record = o->record;
    p->platform = o->r->platform;
    p->id = tc_strv("", 0);
    for (int k = 0; k < L__N; k++)
        o->lstart[o->nposts][k] = o->nlist[k];
    o->nposts++;
    return p;
}

static tocsin_status out_list(rd_out *o, int k, tocsin_strv v)
{
    if (o->nposts == 0)
        return TOCSIN_ERR_INTERNAL;
    if (o->nlist[k] == o->alist[k]) {
        size_t na = o->alist[k] ? o->alist[k] * 2 : 16;
        tocsin_strv *p = realloc(o->lists[k], na * sizeof *p);
        if (!p)
            return TOCSIN_ERR_NOMEM;
        o->lists[k] = p;
        o->alist[k] = na;
    }
    o->lists[k][o->nlist[k]++] = v;
    tocsin_post *p = &o->posts[o->nposts - 1];
    if (k == L_URL)
        p->n_urls++;
    else if (k == L_TAG)
        p->n_hashtags++;
    else
        p->n_mentions++;
    return TOCSIN_OK;
}

tocsin_status rd_out_url(rd_out *o, tocsin_strv v) { return out_list(o, L_URL, v); }
tocsin_status rd_out_hashtag(rd_out *o, tocsin_strv v) { return out_list(o, L_TAG, v); }
tocsin_status rd_out_mention(rd_out *o, tocsin_strv v) { return out_list(o, L_MENTION, v); }

/* Points each post's lists into the (now final) list arrays. */
static void out_finish(rd_out *o)
{
    for (size_t i = 0; i < o->nposts; i++) {
        tocsin_post *p = &o->posts[i];
        p->urls = p->n_urls ? o->lists[L_URL] + o->lstart[i][L_URL] : NULL;
        p->hashtags = p->n_hashtags ? o->lists[L_TAG] + o->lstart[i][L_TAG] : NULL;
        p->mentions = p->n_mentions ? o->lists[L_MENTION] + o->lstart[i][L_MENTION] : NULL;
    }
}

char *rd_out_alloc(rd_out *o, size_t n)
{
    return arena_alloc(o, n);
}

tocsin_strv rd_out_copy(rd_out *o, const char *p, size_t n)
{
    if (n == 0)
        return tc_strv("", 0);
    char *d = arena_alloc(o, n);
    if (!d)
        return tc_strv(NULL, 0);
    memcpy(d, p, n);
    return tc_strv(d, n);
}

void rd_out_cat_begin(rd_out *o)
{
    if (!arena_alloc(o, 0)) { /* makes sure cur exists */
        o->cat_failed = true;
        return;
    }
    o->cat_off = o->cur->used;
    o->cat_len = 0;
    o->cat_failed = false;
}

tocsin_status rd_out_cat_add(rd_out *o, const char *p, size_t n)
{
    if (o->cat_failed)
        return TOCSIN_ERR_NOMEM;
    arena_blk *b = o->cur;
    if (b->used + n > b->cap) {
        size_t need = o->cat_len + n;
        size_t cap = need * 2 > 65536 ? need * 2 : 65536;
        arena_blk *x = malloc(sizeof *x + cap);
        if (!x) {
            o->cat_failed = true;
            return TOCSIN_ERR_NOMEM;
        }
        memcpy(x->data, b->data + o->cat_off, o->cat_len);
        b->used = o->cat_off;
        x->cap = cap;
        x->used = o->cat_len;
        x->next = b->next;
        b->next = x;
        o->cur = x;
        o->cat_off = 0;
        b = x;
    }
    if (n)
        memcpy(b->data + b->used, p, n);
    b->used += n;
    o->cat_len += n;
    return TOCSIN_OK;
}

tocsin_strv rd_out_cat_end(rd_out *o)
{
    if (o->cat_failed)
        return tc_strv(NULL, 0);
    if (o->cat_len == 0)
        return tc_strv("", 0);
    return tc_strv(o->cur->data + o->cat_off, o->cat_len);
}

tocsin_status rd_out_html(rd_out *o, const char *html, size_t len, tocsin_strv *text)
{
    struct tocsin_reader *r = o->r;
    tocsin_error e;
    if (!r->norm) {
        tocsin_status s = tocsin_norm_new(&r->norm, &e);
        if (s != TOCSIN_OK)
            return s;
    }
    const char *out;
    size_t n;
    tocsin_status s = tocsin_html_to_text(r->norm, html, len, &out, &n, &e);
    if (s != TOCSIN_OK)
        return s;
    *text = rd_out_copy(o, out, n);
    return text->ptr ? TOCSIN_OK : TOCSIN_ERR_NOMEM;
}

tocsin_status rd_out_time(rd_out *o, const char *s, size_t len, int64_t *ts)
{
    return rd_time_parse_zone(s, len, o->r->zone, ts);
}

void rd_out_skip(rd_out *o, tocsin_skip_reason reason, const char *fmt, ...)
{
    if (o->skipped)
        return; /* the first reason stands */
    o->skipped = true;
    o->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->msg, sizeof o->msg, fmt, ap);
    va_end(ap);
}

static uint64_t reader_line(struct tocsin_reader *r, uint64_t line);

static void reader_warn(struct tocsin_reader *r, uint64_t line, bool is_index, const char *msg)
{
    if (!r->opts.warn)
        return;
    tocsin_error w;
    tc_error_set(&w, TOCSIN_OK, r->path, is_index ? line : reader_line(r, line), NULL, "%s",
                 msg);
    w.is_record_index = is_index && line != 0;
    r->opts.warn(r->opts.warn_ctx, &w);
}

void rd_out_warn(rd_out *o, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reader_warn(o->r, o->is_index ? o->record : o->line, o->is_index, msg);
}

void rd_out_bad_utf8(rd_out *o, size_t n)
{
    if (!n)
        return;
    o->r->stats.invalid_utf8++;
    rd_out_warn(o, "invalid UTF-8 replaced by U+FFFD (%zu sequence%s)", n, n == 1 ? "" : "s");
}

void rd_out_record(rd_out *o, uint64_t line)
{
    struct tocsin_reader *r = o->r;
    out_reset(o);
    o->line = line;
    o->record = ++r->record_no;
    o->is_index = false;
    r->stats.records++;
}

const tocsin_read_opts *rd_out_opts(const rd_out *o)
{
    return &o->r->opts;
}

/* ------------------------------------------------------------------------------------------
 * Reader: skips, warnings, lines in ranges
 * ---------------------------------------------------------------------------------------- */

/* Line numbers inside a range are relative to its start until a warning needs the real one. */
static uint64_t reader_line(struct tocsin_reader *r, uint64_t line)
{
    if (line == 0 || r->range_begin == 0)
        return line;
    if (!r->line_base_known) {
        uint64_t nl = 0;
        const char *p = r->src.in.map, *end = p + r->range_begin;
        while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            nl++;
            p++;
        }
        r->line_base = nl;
        r->line_base_known = true;
    }
    return line + r->line_base;
}

/* Ends the current record after map(): a skip is counted, warned, or under strict returned. */
static tocsin_status record_done(struct tocsin_reader *r, tocsin_error *err)
{
    rd_out *o = &r->out;
    if (!o->skipped) {
        out_finish(o);
        return TOCSIN_OK;
    }
    o->nposts = o->next = 0;
    r->stats.skipped[o->reason]++;
    uint64_t where = o->is_index ? o->record : reader_line(r, o->line);
    if (r->opts.strict) {
        tc_error_set(&r->sticky, TOCSIN_ERR_PARSE, r->path, where, NULL, "%s (%s)", o->msg,
                     tocsin_skip_reason_name(o->reason));
        r->sticky.is_record_index = o->is_index;
        r->has_sticky = true;
        if (err)
            *err = r->sticky;
        return TOCSIN_ERR_PARSE;
    }
    if (r->opts.warn) {
        char msg[512];
        snprintf(msg, sizeof msg, "skipped: %s (%s)", o->msg, tocsin_skip_reason_name(o->reason));
        reader_warn(r, o->is_index ? o->record : o->line, o->is_index, msg);
    }
    return TOCSIN_OK;
}

static void begin_record(struct tocsin_reader *r, uint64_t line, bool is_index)
{
    rd_out *o = &r->out;
    out_reset(o);
    o->line = line;
    o->record = ++r->record_no;
    o->is_index = is_index;
    r->stats.records++;
}

static const char *why_short(const char *why)
{
    return why && *why ? why : "invalid";
}

static tocsin_status map_parsed(struct tocsin_reader *r, tj_val root, tocsin_error *err);

/* Parses and maps one framed JSON record. */
static tocsin_status map_json(struct tocsin_reader *r, const char *rec, size_t n, bool unterminated,
                              tocsin_error *err)
{
    rd_out *o = &r->out;
    char why[160];
    tj_val root;
    bool repaired = false;
    size_t bad = 0;
    tocsin_status s = rd_src_padded(&r->src, rec, n)
                          ? tj_parse_padded(r->doc, rec, n, &root, &repaired, &bad, why, sizeof why)
                          : tj_parse(r->doc, rec, n, &root, &repaired, &bad, why, sizeof why);
    if (s == TOCSIN_ERR_NOMEM)
        return tc_error_set(err, s, r->path, 0, NULL, "out of memory parsing JSON");
    if (s != TOCSIN_OK) {
        if (unterminated)
            rd_out_skip(o, TOCSIN_SKIP_TRUNCATED, "the input ends inside this record: %s",
                        why_short(why));
        else
            rd_out_skip(o, TOCSIN_SKIP_BAD_JSON, "invalid JSON: %s", why_short(why));
        return record_done(r, err);
    }
    if (bad) {
        r->stats.invalid_utf8++;
        char msg[120];
        snprintf(msg, sizeof msg, "invalid UTF-8 replaced by U+FFFD (%zu sequence%s)", bad,
                 bad == 1 ? "" : "s");
        reader_warn(r, o->is_index ? o->record : o->line, o->is_index, msg);
    }
    return map_parsed(r, root, err);
}

/* Maps a parsed record (begin_record done). */
static tocsin_status map_parsed(struct tocsin_reader *r, tj_val root, tocsin_error *err)
{
    rd_out *o = &r->out;
    tocsin_status s;
    if (r->framing != RD_FRAME_DOC && tj_type_of(r->doc, root) != TJ_OBJECT) {
        rd_out_skip(o, TOCSIN_SKIP_NOT_OBJECT, "the record is not a JSON object");
        return record_done(r, err);
    }
    rd_rec rr = {r->doc, root, r->ctx ? r->ctx_doc : NULL, r->ctx, r->array_path, r->framing,
                 &r->opts, r->path, o->is_index ? 0 : o->line, o->record};
    s = r->fmt->map(o, &rr);
    if (s != TOCSIN_OK) {
        o->nposts = 0;
        return tc_error_set(err, s, r->path, o->is_index ? o->record : reader_line(r, o->line),
                            NULL, "%s: cannot map the record: %s", r->fmt->name,
                            tocsin_strerror(s));
    }
    return record_done(r, err);
}

/* Records that are skipped before parsing. */
static tocsin_status skip_now(struct tocsin_reader *r, uint64_t line, bool is_index,
                              tocsin_skip_reason reason, const char *msg, tocsin_error *err)
{
    begin_record(r, line, is_index);
    rd_out_skip(&r->out, reason, "%s", msg);
    return record_done(r, err);
}

static tocsin_status src_failed(struct tocsin_reader *r, tocsin_error *err)
{
    r->sticky = r->src.pending;
    r->has_sticky = true;
    if (err)
        *err = r->sticky;
    return r->sticky.code;
}

/* ------------------------------------------------------------------------------------------
 * Framing: JSON Lines
 * ---------------------------------------------------------------------------------------- */

static bool all_space(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

/* Faults the pages of [p, p + n) of a mapped input in at once rather than one fault per page. */
static void populate(const rd_src *s, const char *p, size_t n)
{
#ifdef MADV_POPULATE_READ
    if (s->is_map) {
        uintptr_t a0 = (uintptr_t)p & ~(uintptr_t)4095;
        madvise((void *)a0, (size_t)((uintptr_t)p + n - a0), MADV_POPULATE_READ);
    }
#else
    (void)s, (void)p, (void)n;
#endif
}

/* JSON Lines in batches: when the next chunk (up to TJ_BATCH_MAX bytes of whole lines) holds
 * only lines that look like one object each ("{...}"), it is handed to simdjson's document stream
 * in one go, which saves the per-record setup of a parse. Each value must then start at the next
 * line's first byte and end on that line; anything else (or any error: invalid UTF-8, bad JSON)
 * ends the batch and the lines from there are parsed one by one, with the lenient pass and
 * exact warnings. */
static bool try_batch(struct tocsin_reader *r)
{
    rd_src *s = &r->src;
    uint64_t abs_pos = s->dropped + s->pos;
    if (abs_pos < r->no_batch_until)
        return false;
    /* streams: only what is already buffered, so a live pipe is never held up for a batch */
    size_t avail = s->len - s->pos;
    if (avail > TJ_BATCH_MAX)
        avail = TJ_BATCH_MAX;
    if (!s->is_map && avail < 16384)
        return false;
    const char *p = s->buf + s->pos;
    const char *last = avail ? memrchr(p, '\n', avail) : NULL;
    if (!last) {
        r->no_batch_until = abs_pos + avail + 1;
        return false;
    }
    size_t n = (size_t)(last - p) + 1;
    r->no_batch_until = abs_pos + n; /* unless the batch starts below */
    if (!rd_src_padded(s, p, n))
        return false;
    populate(s, p, n);
    size_t max = s->max_record < TJ_BATCH_MAX ? s->max_record : TJ_BATCH_MAX;
    r->lt_n = r->lt_i = 0;
    for (const char *q = p, *end = p + n; q < end;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        if ((size_t)(nl - q) + 1 > max)
            return false;
        const char *a = q, *b = nl;
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\r'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
            b--;
        if (a < b && (*a != '{' || b[-1] != '}'))
            return false;
        if (r->lt_n == r->lt_cap) {
            size_t nc = r->lt_cap ? r->lt_cap * 2 : 4096;
            uint32_t(*t)[3] = realloc(r->lt, nc * sizeof *t);
            if (!t)
                return false;
            r->lt = t;
            r->lt_cap = nc;
        }
        r->lt[r->lt_n][0] = (uint32_t)(a - p);
        r->lt[r->lt_n][1] = (uint32_t)(b - p);
        r->lt[r->lt_n][2] = (uint32_t)(nl + 1 - p);
        r->lt_n++;
        q = nl + 1;
    }
    if (tj_batch_begin(r->doc, p, n) != TOCSIN_OK)
        return false;
    r->batch = true;
    r->batch_base = s->pos;
    r->batch_end = s->pos + n;
    return true;
}

/* The next record of a running batch: 1 = mapped, 0 = the batch is over. Each value must be
 * the whole (trimmed) content of the next non-blank line, as the line table says. */
static int next_batch_record(struct tocsin_reader *r, tocsin_status *st, tocsin_error *err)
{
    rd_src *s = &r->src;
    tj_val root;
    size_t off, n;
    int k = tj_batch_next(r->doc, &root, &off, &n);
    if (k != 1) {
        r->batch = false;
        if (k < 0) /* parse the rest of the chunk line by line */
            r->no_batch_until = s->dropped + r->batch_end;
        return 0;
    }
    uint64_t line = s->line;
    size_t i = r->lt_i;
    while (i < r->lt_n && r->lt[i][0] == r->lt[i][1]) { /* blank lines */
        i++;
        line++;
    }
    if (i == r->lt_n || off != r->lt[i][0] || off + n != r->lt[i][1])
        goto mismatch;
    r->lt_i = i + 1;
    s->pos = r->batch_base + r->lt[i][2];
    s->line = line + 1;
    begin_record(r, line, false);
    *st = map_parsed(r, root, err);
    return 1;
mismatch:
    r->batch = false;
    r->no_batch_until = s->dropped + r->batch_end;
    tj_parse(r->doc, "0", 1, &root, NULL, NULL, NULL, 0); /* ends the stream */
    return 0;
}

int rd_fast_disabled;

#define FAST_CHUNK (1u << 20)

/* Checks the UTF-8 of the next chunk of whole lines from pos (up to FAST_CHUNK bytes, or one
 * longer line up to max_record). @return false when there is no whole line to check. */
static bool fast_validate(struct tocsin_reader *r)
{
    rd_src *s = &r->src;
    size_t avail = s->len - s->pos;
    const char *p = s->buf + s->pos;
    size_t want = avail < FAST_CHUNK ? avail : FAST_CHUNK, n;
    if (want == avail && s->eof) {
        n = avail;
    } else {
        const char *last = memrchr(p, '\n', want);
        if (last) {
            n = (size_t)(last - p) + 1;
        } else {
            size_t lim = avail < s->max_record + 1 ? avail : s->max_record + 1;
            const char *nl = lim > want ? memchr(p + want, '\n', lim - want) : NULL;
            if (nl)
                n = (size_t)(nl - p) + 1;
            else if (lim == avail && s->eof)
                n = avail;
            else
                return false;
        }
    }
    populate(s, p, n);
    r->v_bad = !tj_utf8_valid(p, n);
    r->v_end = s->dropped + s->pos + n;
    return true;
}

/* Maps a record read by the fast path (begin_record done), as map_parsed does a parsed one. */
static tocsin_status fast_mapped(struct tocsin_reader *r, const rd_fobj *fo, tocsin_error *err)
{
    rd_out *o = &r->out;
    r->fast_records++;
    tocsin_status s = rd_generic_map_fast(o, fo);
    if (s != TOCSIN_OK) {
        o->nposts = 0;
        return tc_error_set(err, s, r->path, o->is_index ? o->record : reader_line(r, o->line),
                            NULL, "%s: cannot map the record: %s", r->fmt->name,
                            tocsin_strerror(s));
    }
    return record_done(r, err);
}

/* A record the fast path leaves to simdjson (at absolute position abs). After FAST_MISS_RUN in
 * a row it pauses for a chunk. @return 0. */
#define FAST_MISS_RUN 16
static int fast_miss(struct tocsin_reader *r, uint64_t abs)
{
    if (++r->fast_misses >= FAST_MISS_RUN) {
        r->fast_misses = 0;
        r->fast_pause_until = abs + FAST_CHUNK;
    }
    return 0;
}

/* The next record by the fast path: 1 = read and mapped (*st), 0 = this record goes the DOM way
 * (nothing consumed). */
static int fast_record(struct tocsin_reader *r, tocsin_status *st, tocsin_error *err)
{
    rd_src *s = &r->src;
    if (s->pos >= s->len)
        return 0;
    uint64_t abs = s->dropped + s->pos;
    if (abs >= r->v_end && !fast_validate(r))
        return 0;
    const char *p = s->buf + s->pos;
    size_t n = (size_t)(r->v_end - abs);
    bool at_eof = s->eof && s->pos + n == s->len;
    if (r->v_bad) { /* a chunk with invalid UTF-8 somewhere: check this line alone */
        const char *nl = memchr(p, '\n', n);
        if (nl) {
            n = (size_t)(nl - p) + 1;
            at_eof = false;
        }
        if (!tj_utf8_valid(p, n))
            return fast_miss(r, abs);
    }
    if (s->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        return 0;
    rd_fobj fo;
    size_t k = rd_fast_scan(p, n, at_eof ? RD_FAST_EOF : 0, &r->kc, &fo);
    if (k == 0 || k > s->max_record)
        return fast_miss(r, abs);
    r->fast_misses = 0;
    uint64_t line = s->line++;
    s->pos += k;
    begin_record(r, line, false);
    *st = fast_mapped(r, &fo, err);
    return 1;
}

static tocsin_status next_line_record(struct tocsin_reader *r, tocsin_error *err)
{
    if (r->long_first) { /* a stream's first line, dropped while opening */
        char msg[160];
        snprintf(msg, sizeof msg, "record of %llu bytes is over the limit of %zu bytes",
                 (unsigned long long)r->long_first, r->src.max_record);
        r->long_first = 0;
        return skip_now(r, 1, false, TOCSIN_SKIP_TOO_LARGE, msg, err);
    }
    for (;;) {
        if (r->batch) {
            tocsin_status st = TOCSIN_OK;
            if (next_batch_record(r, &st, err))
                return st;
            continue;
        }
        /* the fast path pauses for a chunk after a run of records it left to simdjson (floats
         * in a field it takes, say): batches are then the faster way */
        bool paused = r->fast && r->src.dropped + r->src.pos < r->fast_pause_until;
        if (r->fast && !paused) {
            tocsin_status st = TOCSIN_OK;
            if (fast_record(r, &st, err))
                return st;
        }
        if ((!r->fast || paused) && try_batch(r))
            continue;
        const char *rec = NULL;
        size_t n = 0;
        rd_rec_result res = rd_src_record(&r->src, rd_scan_line, NULL, &rec, &n);
        uint64_t line = r->src.line++;
        switch (res) {
        case RD_REC_END:
            r->src.line--;
            r->done = true;
            return TOCSIN_OK;
        case RD_REC_ERROR:
            return src_failed(r, err);
        case RD_REC_TOO_LARGE: {
            char msg[160];
            snprintf(msg, sizeof msg, "record of %zu bytes is over the limit of %zu bytes", n,
                     r->src.max_record);
            return skip_now(r, line, false, TOCSIN_SKIP_TOO_LARGE, msg, err);
        }
        case RD_REC_OK:
        case RD_REC_UNTERMINATED:
            break;
        }
        if (line == 1 && n >= 3 && memcmp(rec, "\xEF\xBB\xBF", 3) == 0)
            rec += 3, n -= 3;
        if (all_space(rec, n))
            continue;
        begin_record(r, line, false);
        return map_json(r, rec, n, res == RD_REC_UNTERMINATED, err);
    }
}

/* ------------------------------------------------------------------------------------------
 * Framing: JSON arrays (top level or nested)
 * ---------------------------------------------------------------------------------------- */


/* Offset of the first byte of p[0..n) that matters to the element scanner: inside a string a
 * quote or a backslash, outside one a quote, a bracket, a brace or a comma (n when none). Sixteen
 * bytes at a time with SSE2: exports are mostly string bytes and indentation. */
static inline size_t find_special(const char *p, size_t n, bool in_str)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
                  comma = _mm_set1_epi8(','), lower = _mm_set1_epi8(0x20),
                  open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i m = _mm_cmpeq_epi8(v, quote);
        if (in_str) {
            m = _mm_or_si128(m, _mm_cmpeq_epi8(v, bs));
        } else {
            __m128i f = _mm_or_si128(v, lower); /* '[' -> '{', ']' -> '}' */
            m = _mm_or_si128(m, _mm_cmpeq_epi8(v, comma));
            m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(f, open), _mm_cmpeq_epi8(f, close)));
        }
        int bits = _mm_movemask_epi8(m);
        if (bits)
            return i + (size_t)__builtin_ctz((unsigned)bits);
    }
#endif
    for (; i < n; i++) {
        char c = p[i];
        if (c == '"' || (in_str ? c == '\\'
                                : (c == ',' || (c | 0x20) == '{' || (c | 0x20) == '}')))
            return i;
    }
    return n;
}

/* One array element: ends before a ',' or ']' at depth 0 (not consumed). */
size_t rd_scan_elem(void *st, const char *p, size_t n, bool *done)
{
    rd_jscan *j = st;
    size_t i = 0;
    while (i < n) {
        if (j->esc) {
            j->esc = false;
            i++;
            continue;
        }
        i += find_special(p + i, n - i, j->in_str);
        if (i >= n)
            break;
        char c = p[i];
        if (j->in_str) {
            if (c == '\\')
                j->esc = true;
            else
                j->in_str = false;
        } else if (c == '"') {
            j->in_str = true;
        } else if (c == '{' || c == '[') {
            j->depth++;
        } else if (c == '}' || c == ']') {
            if (j->depth == 0) {
                *done = true;
                return i;
            }
            j->depth--;
        } else if (j->depth == 0) { /* a comma */
            *done = true;
            return i;
        }
        i++;
    }
    return n;
}

/* The next byte that is not white space (a leading BOM counts as space); -1 at the end, -2 on
 * a read error. Does not consume it. */
static int peek_nonws(rd_src *s)
{
    for (;;) {
        if (!rd_src_want(s, 1))
            return -2;
        if (s->pos >= s->len)
            return -1;
        unsigned char c = (unsigned char)s->buf[s->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            s->pos++;
            continue;
        }
        if (c == 0xEF) {
            if (!rd_src_want(s, 3))
                return -2;
            if (s->len - s->pos >= 3 && memcmp(s->buf + s->pos, "\xEF\xBB\xBF", 3) == 0) {
                s->pos += 3;
                continue;
            }
        }
        return c;
    }
}

/* Frames the next element of the array whose '[' has been consumed. Sets *end when the array
 * closed (its ']' consumed). */
static tocsin_status next_elem(struct tocsin_reader *r, bool *end, tocsin_error *err)
{
    rd_src *s = &r->src;
    *end = false;
    for (;;) {
        int c = peek_nonws(s);
        if (c == -2)
            return src_failed(r, err);
        if (c == -1) {
            *end = true;
            r->astate = 2;
            char msg[] = "the input ends inside the JSON array";
            return skip_now(r, r->record_no + 1, true, TOCSIN_SKIP_TRUNCATED, msg, err);
        }
        if (c == ']') {
            s->pos++;
            *end = true;
            return TOCSIN_OK;
        }
        if (c == ',') {
            s->pos++;
            continue;
        }
        break;
    }
    rd_jscan j = {0, false, false};
    const char *rec = NULL;
    size_t n = 0;
    rd_rec_result res = rd_src_record(s, rd_scan_elem, &j, &rec, &n);
    uint64_t idx = r->record_no + 1;
    switch (res) {
    case RD_REC_END:
        *end = true;
        return TOCSIN_OK;
    case RD_REC_ERROR:
        return src_failed(r, err);
    case RD_REC_TOO_LARGE: {
        char msg[160];
        snprintf(msg, sizeof msg, "record of %zu bytes is over the limit of %zu bytes", n,
                 s->max_record);
        return skip_now(r, idx, true, TOCSIN_SKIP_TOO_LARGE, msg, err);
    }
    case RD_REC_UNTERMINATED:
        *end = true;
        r->astate = 2;
        begin_record(r, idx, true);
        return map_json(r, rec, n, true, err);
    case RD_REC_OK:
        break;
    }
    if (n == 0) { /* a '}' where an element should start: step over it */
        char msg[80];
        snprintf(msg, sizeof msg, "invalid JSON: unexpected '%c' in the array", s->buf[s->pos]);
        s->pos++;
        return skip_now(r, idx, true, TOCSIN_SKIP_BAD_JSON, msg, err);
    }
    if (r->fast && tj_utf8_valid(rec, n)) { /* a generic array's element: see jsonl_fast.c */
        rd_fobj fo;
        if (rd_fast_scan(rec, n, RD_FAST_WHOLE, &r->kc, &fo) == n) {
            begin_record(r, idx, true);
            return fast_mapped(r, &fo, err);
        }
    }
    begin_record(r, idx, true);
    return map_json(r, rec, n, false, err);
}

/* Reads a JSON string starting at the '"' at pos into r->key (raw, escapes kept). */
static int read_key(struct tocsin_reader *r)
{
    rd_src *s = &r->src;
    tc_buf_reset(&r->key);
    s->pos++; /* the quote */
    bool esc = false;
    for (;;) {
        if (!rd_src_want(s, 1))
            return -2;
        if (s->pos >= s->len)
            return -1;
        char c = s->buf[s->pos++];
        if (!esc && c == '"')
            return 0;
        esc = !esc && c == '\\';
        if (r->key.len < 4096 && tc_buf_putc(&r->key, c) != TOCSIN_OK)
            return -2;
    }
}

/* Consumes one JSON value at pos; appends its raw text to `keep` when not NULL (scalars only
 * are kept by callers). @return 0, 1 when it was consumed but did not fit in `keep` (which may
 * then hold part of it), -1 at the end of input, -2 on a read error. */
static void tc_buf_reset_to(tc_buf *b, size_t len)
{
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

static int skip_value(struct tocsin_reader *r, tc_buf *keep)
{
    rd_src *s = &r->src;
    rd_jscan j = {0, false, false};
    bool overflow = false;
    for (;;) {
        if (!rd_src_want(s, 1))
            return -2;
        if (s->pos >= s->len)
            return -1;
        size_t avail = s->len - s->pos;
        bool done = false;
        size_t k = rd_scan_elem(&j, s->buf + s->pos, avail, &done);
        if (keep && tc_buf_append(keep, s->buf + s->pos, k) != TOCSIN_OK) {
            keep = NULL;
            overflow = true;
        }
        s->pos += k;
        if (done)
            return overflow ? 1 : 0;
    }
}

/* Walks the root object along the paths until the next target array's '[' is consumed
 * (returns 1) or the document ends (0); -2 on a read error. */
static int walk(struct tocsin_reader *r)
{
    rd_src *s = &r->src;
    for (;;) {
        int c = peek_nonws(s);
        if (c < 0)
            return c == -2 ? -2 : 0;
        if (r->depth == 0) {
            if (c != '{')
                return 0;
            s->pos++;
            r->stack[0] = (struct nest_frame){'{', (1u << r->npaths) - 1, 0};
            r->depth = 1;
            continue;
        }
        struct nest_frame *f = &r->stack[r->depth - 1];
        if (c == ',') {
            s->pos++;
            continue;
        }
        if (c == '}' || c == ']') {
            s->pos++;
            r->ctx_pairs.len = f->ctx_start;
            if (--r->depth == 0)
                return 0;
            continue;
        }
        unsigned d = (unsigned)r->depth - 1; /* the segment this frame matches */
        unsigned match = 0, final = 0;
        if (f->kind == '{') {
            if (c != '"')
                return 0; /* not JSON we can walk: stop */
            int k = read_key(r);
            if (k < 0)
                return k;
            c = peek_nonws(s);
            if (c != ':')
                return c == -2 ? -2 : 0;
            s->pos++;
            for (unsigned p = 0; p < r->npaths; p++) {
                if (!(f->mask & (1u << p)) || d >= r->nest_nseg[p])
                    continue;
                const char *seg = r->nest_seg[p][d];
                if (seg && strlen(seg) == r->key.len && memcmp(seg, r->key.data, r->key.len) == 0) {
                    if (d + 1 == r->nest_nseg[p])
                        final |= 1u << p;
                    else
                        match |= 1u << p;
                }
            }
        } else {
            for (unsigned p = 0; p < r->npaths; p++)
                if ((f->mask & (1u << p)) && d < r->nest_nseg[p] && !r->nest_seg[p][d])
                    match |= 1u << p;
        }
        c = peek_nonws(s);
        if (c < 0)
            return c == -2 ? -2 : 0;
        if (final && c == '[') {
            s->pos++;
            r->target_path = (unsigned)__builtin_ctz(final);
            return 1;
        }
        if (match && (c == '{' || c == '[') && r->depth <= MAX_SEGS) {
            s->pos++;
            r->stack[r->depth++] = (struct nest_frame){(char)c, match, r->ctx_pairs.len};
            continue;
        }
        if (f->kind == '{' && c != '{' && c != '[') {
            /* a scalar member: context for the records below (dropped when the context would
             * pass its cap: a huge string is not worth keeping) */
            size_t mark = r->ctx_pairs.len;
            bool fits = tc_buf_putc(&r->ctx_pairs, '"') == TOCSIN_OK &&
                        tc_buf_append(&r->ctx_pairs, r->key.data, r->key.len) == TOCSIN_OK &&
                        tc_buf_append(&r->ctx_pairs, "\":", 2) == TOCSIN_OK;
            int k = skip_value(r, fits ? &r->ctx_pairs : NULL);
            if (k < 0)
                return k;
            if (!fits || k == 1 || tc_buf_putc(&r->ctx_pairs, ',') != TOCSIN_OK)
                tc_buf_reset_to(&r->ctx_pairs, mark);
            continue;
        }
        int k = skip_value(r, NULL);
        if (k < 0)
            return k;
    }
}

/* Builds the context object (innermost frame's members first) and parses it. */
static void build_ctx(struct tocsin_reader *r)
{
    tc_buf *j = &r->ctx_json;
    tc_buf_reset(j);
    bool ok = tc_buf_putc(j, '{') == TOCSIN_OK;
    size_t end = r->ctx_pairs.len;
    for (size_t i = r->depth; i-- > 0 && ok;) {
        size_t st = r->stack[i].ctx_start;
        if (st < end)
            ok = tc_buf_append(j, r->ctx_pairs.data + st, end - st) == TOCSIN_OK;
        end = st < end ? st : end;
    }
    if (ok && j->len > 1 && j->data[j->len - 1] == ',')
        j->len--;
    ok = ok && tc_buf_putc(j, '}') == TOCSIN_OK;
    r->ctx = 0;
    bool rep;
    size_t bad;
    if (ok && tj_parse(r->ctx_doc, j->data, j->len, &r->ctx, &rep, &bad, NULL, 0) != TOCSIN_OK)
        r->ctx = 0;
    r->array_path = r->fmt->paths ? r->fmt->paths[r->target_path] : NULL;
}

static tocsin_status next_array_record(struct tocsin_reader *r, tocsin_error *err)
{
    rd_src *s = &r->src;
    for (;;) {
        if (r->astate == 2) {
            r->done = true;
            return TOCSIN_OK;
        }
        if (r->astate == 0) {
            if (r->framing == RD_FRAME_ARRAY) {
                int c = peek_nonws(s);
                if (c == -2)
                    return src_failed(r, err);
                if (c != '[') {
                    r->astate = 2;
                    r->done = true;
                    return tc_error_set(err, TOCSIN_ERR_FORMAT, r->path, 0, NULL,
                                        "a JSON array was expected");
                }
                s->pos++;
            } else {
                int w = walk(r);
                if (w == -2)
                    return src_failed(r, err);
                if (w <= 0) { /* the document ended (or stopped being walkable) */
                    r->astate = 2;
                    if (!r->found_array && r->opts.warn) {
                        char msg[300];
                        size_t l = (size_t)snprintf(msg, sizeof msg,
                                                    "no records: no array found at");
                        for (size_t i = 0; r->fmt->paths && r->fmt->paths[i] && l < sizeof msg;
                             i++)
                            l += (size_t)snprintf(msg + l, sizeof msg - l, "%s %s",
                                                  i ? "," : "", r->fmt->paths[i]);
                        reader_warn(r, 0, false, msg);
                    }
                    continue;
                }
                r->found_array = true;
                build_ctx(r);
            }
            r->astate = 1;
        }
        bool end = false;
        uint64_t before = r->stats.records;
        tocsin_status st = next_elem(r, &end, err);
        if (st != TOCSIN_OK)
            return st;
        if (end && r->astate == 1)
            r->astate = r->framing == RD_FRAME_ARRAY ? 2 : 0;
        if (r->stats.records != before)
            return TOCSIN_OK;
    }
}

/* ------------------------------------------------------------------------------------------
 * Framing: one document
 * ---------------------------------------------------------------------------------------- */

static size_t scan_all(void *st, const char *p, size_t n, bool *done)
{
    (void)st;
    (void)p;
    (void)done;
    return n;
}

static tocsin_status next_doc_record(struct tocsin_reader *r, tocsin_error *err)
{
    const char *rec = NULL;
    size_t n = 0;
    rd_rec_result res = rd_src_record(&r->src, scan_all, NULL, &rec, &n);
    r->done = true;
    if (r->doc_dropped && res != RD_REC_ERROR) { /* its start was dropped while opening */
        char msg[160];
        snprintf(msg, sizeof msg, "document of %llu bytes is over the limit of %zu bytes",
                 (unsigned long long)(r->doc_dropped + (res == RD_REC_END ? 0 : n)),
                 r->src.max_record);
        return skip_now(r, 1, false, TOCSIN_SKIP_TOO_LARGE, msg, err);
    }
    switch (res) {
    case RD_REC_END:
        return TOCSIN_OK;
    case RD_REC_ERROR:
        return src_failed(r, err);
    case RD_REC_TOO_LARGE: {
        char msg[160];
        snprintf(msg, sizeof msg, "document of %zu bytes is over the limit of %zu bytes", n,
                 r->src.max_record);
        return skip_now(r, 1, false, TOCSIN_SKIP_TOO_LARGE, msg, err);
    }
    default:
        break;
    }
    if (all_space(rec, n))
        return TOCSIN_OK;
    begin_record(r, 1, false);
    return map_json(r, rec, n, false, err);
}

/* ------------------------------------------------------------------------------------------
 * Detection
 * ---------------------------------------------------------------------------------------- */

static int first_nonws(const char *p, size_t n, size_t *at)
{
    size_t i = 0;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    for (; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') {
            if (at)
                *at = i;
            return (unsigned char)p[i];
        }
    }
    return -1;
}

/* Parses the first line of the head holding something; true when it is a complete JSON value. */
static bool first_line(const char *h, size_t n, bool complete, tj_doc *d, tj_val *v)
{
    size_t at = 0;
    if (first_nonws(h, n, &at) < 0)
        return false;
    const char *p = h + at;
    const char *nl = memchr(p, '\n', n - at);
    if (!nl && !complete)
        return false;
    size_t len = nl ? (size_t)(nl - p) : n - at;
    bool rep;
    size_t bad;
    if (tj_parse(d, p, len, v, &rep, &bad, NULL, 0) != TOCSIN_OK)
        return false;
    /* a first line that is a whole array of objects is a one-line JSON array file
     * ("[{...},{...}]", as json.dumps writes it), to be read element by element: as JSON Lines it
     * would be one record that is not an object, skipped with every post in it */
    tj_val first;
    return !(tj_type_of(d, *v) == TJ_ARRAY && tj_children(d, *v, &first) > 0 &&
             tj_type_of(d, first) == TJ_OBJECT);
}

/* A reader over the head only, to frame first records for sniffing. */
static tocsin_reader *head_reader(const tocsin_reader *r, const char *head, size_t n,
                                  const rd_format *f, unsigned framing);
static void reader_release(tocsin_reader *r);
static tocsin_status parse_paths(tocsin_reader *r, const rd_format *f, tocsin_error *err);

static int sniff_nested(const tocsin_reader *r, const rd_format *f, const rd_sniff *base,
                        char *why, size_t cap)
{
    tocsin_reader *h = head_reader(r, base->head, base->head_len, f, RD_FRAME_NESTED);
    if (!h)
        return f->sniff(base, why, cap);
    rd_sniff sn = *base;
    if (parse_paths(h, f, NULL) == TOCSIN_OK) {
        int w = walk(h);
        if (w == 1) {
            build_ctx(h);
            sn.ctx_doc = h->ctx_doc;
            sn.ctx = h->ctx;
            sn.array_path = h->array_path;
            int c = peek_nonws(&h->src);
            if (c >= 0 && c != ']') {
                rd_jscan j = {0, false, false};
                const char *rec = NULL;
                size_t n = 0;
                if (rd_src_record(&h->src, rd_scan_elem, &j, &rec, &n) == RD_REC_OK) {
                    bool rep;
                    size_t bad;
                    if (tj_parse(h->doc, rec, n, &sn.first, &rep, &bad, NULL, 0) == TOCSIN_OK)
                        sn.doc = h->doc;
                }
            }
        }
    }
    int score = f->sniff(&sn, why, cap);
    reader_release(h);
    return score;
}

static tocsin_status detect(tocsin_reader *r, const char *head, size_t n, bool complete,
                            tocsin_error *err)
{
    size_t at = 0;
    int c0 = first_nonws(head, n, &at);
    tj_doc *dl = tj_doc_new(), *da = tj_doc_new(), *dd = tj_doc_new();
    tocsin_status st = TOCSIN_OK;
    if (!dl || !da || !dd) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, r->path, 0, NULL, "out of memory");
        goto out;
    }
    tj_val vl = 0, va = 0, vd = 0;
    unsigned possible = RD_FRAME_BYTES;
    if (c0 == '{' || c0 == '[') {
        if (first_line(head, n, complete, dl, &vl))
            possible |= RD_FRAME_LINES;
        else
            vl = 0;
    }
    if (c0 == '[') {
        possible |= RD_FRAME_ARRAY;
        size_t i = at + 1, k0 = 0;
        if (first_nonws(head + i, n - i, &k0) >= 0 && head[i + k0] != ']') {
            i += k0;
            rd_jscan j = {0, false, false};
            bool done = false;
            size_t k = rd_scan_elem(&j, head + i, n - i, &done);
            bool rep;
            size_t bad;
            if (!done || tj_parse(da, head + i, k, &va, &rep, &bad, NULL, 0) != TOCSIN_OK)
                va = 0;
        }
    }
    if (c0 == '{') {
        possible |= RD_FRAME_NESTED | RD_FRAME_DOC;
        bool rep;
        size_t bad;
        if (!complete || tj_parse(dd, head + at, n - at, &vd, &rep, &bad, NULL, 0) != TOCSIN_OK)
            vd = 0;
    }
    const rd_format *best = NULL;
    unsigned best_fr = 0;
    int best_score = 0;
    /* the message: generic formats' reasons first (they say how to map fields), then the
     * platform formats', then the formats the input's shape rules out, by name only */
    char gen[1000] = "", plat[1000] = "", shape[600] = "";
    size_t gl = 0, pl = 0, sl = 0;
    static const unsigned order[] = {RD_FRAME_LINES, RD_FRAME_ARRAY, RD_FRAME_NESTED,
                                     RD_FRAME_DOC, RD_FRAME_BYTES};
    for (size_t i = 0; rd_formats[i]; i++) {
        const rd_format *f = rd_formats[i];
        char why[200] = "";
        int fbest = 0;
        unsigned fr_ok = f->framings & possible;
        if (!fr_ok && sl < sizeof shape - 1) {
            sl += (size_t)snprintf(shape + sl, sizeof shape - sl, "%s%s", sl ? ", " : "",
                                   f->name);
            if (sl >= sizeof shape)
                sl = sizeof shape - 1;
        }
        for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
            unsigned fr = order[k];
            if (!(fr_ok & fr))
                continue;
            rd_sniff sn = {r->path, head, n, complete, fr, NULL, 0, NULL, 0, NULL, &r->opts};
            if (fr == RD_FRAME_LINES && vl)
                sn.doc = dl, sn.first = vl;
            else if (fr == RD_FRAME_ARRAY && va)
                sn.doc = da, sn.first = va;
            else if (fr == RD_FRAME_DOC && vd)
                sn.doc = dd, sn.first = vd;
            char w2[200] = "";
            int score = fr == RD_FRAME_NESTED ? sniff_nested(r, f, &sn, w2, sizeof w2)
                                              : f->sniff(&sn, w2, sizeof w2);
            if (score > 100)
                score = 100;
            if (score > fbest)
                fbest = score;
            if (score <= 0 && !why[0])
                snprintf(why, sizeof why, "%s", w2[0] ? w2 : "does not fit");
            if (score > best_score) {
                best_score = score;
                best = f;
                best_fr = fr;
            }
        }
        bool generic = !f->platform[0];
        char *buf = generic ? gen : plat;
        size_t *l = generic ? &gl : &pl;
        size_t cap = generic ? sizeof gen : sizeof plat;
        if (fr_ok && fbest <= 0 && *l < cap - 1) {
            *l += (size_t)snprintf(buf + *l, cap - *l, "%s%s: %s", *l ? "; " : "", f->name, why);
            if (*l >= cap)
                *l = cap - 1;
        }
    }
    if (!best) {
        st = tc_error_set(err, TOCSIN_ERR_FORMAT, r->path, 0, NULL,
                          "no known format fits: %s%s%s%s%s%s", gen, gl && pl ? "; " : "", plat,
                          (gl || pl) && sl ? "; " : "", sl ? "not of the shape they read: " : "",
                          shape);
        goto out;
    }
    r->fmt = best;
    r->framing = best_fr;
out:
    tj_doc_free(dl);
    tj_doc_free(da);
    tj_doc_free(dd);
    return st;
}

/* For a forced format: picks the framing from the input's first byte. */
static tocsin_status pick_framing(tocsin_reader *r, const char *head, size_t n, bool complete,
                                  tocsin_error *err)
{
    unsigned fr = r->fmt->framings;
    int c0 = first_nonws(head, n, NULL);
    tj_doc *d = NULL;
    if ((fr & RD_FRAME_LINES) && (c0 == '{' || c0 == '[')) {
        d = tj_doc_new();
        tj_val v;
        if (d && first_line(head, n, complete, d, &v)) {
            tj_doc_free(d);
            r->framing = RD_FRAME_LINES;
            return TOCSIN_OK;
        }
        tj_doc_free(d);
    }
    if ((fr & RD_FRAME_ARRAY) && c0 == '[')
        r->framing = RD_FRAME_ARRAY;
    else if ((fr & RD_FRAME_NESTED) && c0 == '{')
        r->framing = RD_FRAME_NESTED;
    else if ((fr & RD_FRAME_DOC) && (c0 == '{' || c0 == '['))
        r->framing = RD_FRAME_DOC;
    else if (fr & RD_FRAME_BYTES)
        r->framing = RD_FRAME_BYTES;
    else if (fr & RD_FRAME_LINES)
        r->framing = RD_FRAME_LINES; /* every line will be reported */
    else
        return tc_error_set(err, TOCSIN_ERR_FORMAT, r->path, 0, NULL,
                            "the input does not have the shape format %s needs", r->fmt->name);
    return TOCSIN_OK;
}

/* ------------------------------------------------------------------------------------------
 * Open / next / free
 * ---------------------------------------------------------------------------------------- */

static tocsin_status parse_paths(tocsin_reader *r, const rd_format *f, tocsin_error *err)
{
    r->npaths = 0;
    for (size_t i = 0; f->paths && f->paths[i]; i++) {
        if (i >= MAX_PATHS)
            return tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, NULL, "too many paths");
        const char *p = f->paths[i];
        unsigned ns = 0;
        while (*p) {
            const char *dot = strchr(p, '.');
            size_t len = dot ? (size_t)(dot - p) : strlen(p);
            bool each = len >= 2 && p[len - 2] == '[' && p[len - 1] == ']';
            size_t klen = each ? len - 2 : len;
            if (ns + 2 > MAX_SEGS)
                return tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, NULL, "path too deep");
            if (klen) {
                r->nest_seg[i][ns] = tc_strndup(p, klen);
                if (!r->nest_seg[i][ns])
                    return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
                ns++;
            }
            if (each)
                r->nest_seg[i][ns++] = NULL;
            p += len + (dot ? 1 : 0);
            if (!dot)
                break;
        }
        r->nest_nseg[i] = ns;
        r->npaths++;
    }
    return TOCSIN_OK;
}

static tocsin_reader *reader_alloc(void)
{
    tocsin_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->out.r = r;
    tc_buf_init(&r->ctx_pairs, 1u << 20);
    tc_buf_init(&r->ctx_json, 1u << 20);
    tc_buf_init(&r->key, 8192);
    r->doc = tj_doc_new();
    r->ctx_doc = tj_doc_new();
    if (!r->doc || !r->ctx_doc) {
        tj_doc_free(r->doc);
        tj_doc_free(r->ctx_doc);
        free(r);
        return NULL;
    }
    return r;
}

static void reader_release(tocsin_reader *r)
{
    if (!r)
        return;
    if (r->bstate && r->fmt && r->fmt->close)
        r->fmt->close(r->bstate);
    rd_in_close(&r->src.in);
    free(r->src.own);
    tj_doc_free(r->doc);
    tj_doc_free(r->ctx_doc);
    out_free(&r->out);
    for (size_t i = 0; i < MAX_PATHS; i++)
        for (size_t k = 0; k < MAX_SEGS; k++)
            free(r->nest_seg[i][k]);
    free(r->lt);
    tc_buf_free(&r->ctx_pairs);
    tc_buf_free(&r->ctx_json);
    tc_buf_free(&r->key);
    tocsin_norm_free(r->norm);
    free(r->strs);
    free(r->path);
    free(r);
}

static tocsin_reader *head_reader(const tocsin_reader *r, const char *head, size_t n,
                                  const rd_format *f, unsigned framing)
{
    tocsin_reader *h = reader_alloc();
    if (!h)
        return NULL;
    h->opts = r->opts;
    h->opts.warn = NULL;
    h->fmt = f;
    h->framing = framing;
    h->path = tc_strndup(r->path, strlen(r->path));
    src_init_map(&h->src, head, n);
    h->src.in.fd = -1;
    h->src.name = h->path;
    h->src.max_record = r->src.max_record;
    return h;
}

/* Copies the option strings so the reader does not depend on the caller's. */
static tocsin_status copy_opts(tocsin_reader *r, const tocsin_read_opts *o)
{
    r->opts = *o;
    size_t total = 0;
    const char *src[TOCSIN_FIELD__COUNT + 2];
    size_t ns = 0;
    src[ns++] = o->format;
    src[ns++] = o->tz;
    for (int i = 0; i < TOCSIN_FIELD__COUNT; i++)
        src[ns++] = o->field[i];
    for (size_t i = 0; i < ns; i++)
        total += src[i] ? strlen(src[i]) + 1 : 0;
    r->strs = malloc(total ? total : 1);
    if (!r->strs)
        return TOCSIN_ERR_NOMEM;
    char *p = r->strs;
    const char **dst[TOCSIN_FIELD__COUNT + 2];
    ns = 0;
    dst[ns++] = &r->opts.format;
    dst[ns++] = &r->opts.tz;
    for (int i = 0; i < TOCSIN_FIELD__COUNT; i++)
        dst[ns++] = &r->opts.field[i];
    for (size_t i = 0; i < ns; i++) {
        if (!src[i])
            continue;
        size_t l = strlen(src[i]) + 1;
        memcpy(p, src[i], l);
        *dst[i] = p;
        p += l;
    }
    if (!r->opts.max_record)
        r->opts.max_record = DEFAULT_MAX_RECORD;
    return TOCSIN_OK;
}

/* Reads the head of a stream for detection: up to HEAD_MAX bytes, but a live pipe of JSON
 * Lines or delimited text must not wait for a megabyte before its first record, so filling stops
 * once two lines are in and the first one is a whole record ("{...}" / "[...]" for JSON; any
 * line for text that is not XML). JSON documents and XML fill the whole head (their sniffers
 * look deeper). @return false on a read error. */
/* The head of a mapped file for detection: HEAD_MAX bytes, or up to the end of the first line
 * when that line starts a JSON value and is longer (up to max_record). A JSON Lines file whose
 * first post passed 1 MiB was otherwise not recognized (its first line did not parse within the
 * head) and was read as one JSON document: one record skipped as bad JSON, every post lost. */
static size_t head_first_line(const char *p, size_t len, size_t hn, size_t max_record)
{
    size_t at = 0;
    int c0 = first_nonws(p, hn, &at);
    if (hn >= len || (c0 != '{' && c0 != '[') || memchr(p + at, '\n', hn - at))
        return hn;
    size_t lim = len - at > max_record ? at + max_record + 1 : len;
    if (lim <= hn)
        return hn;
    const char *nl = memchr(p + hn, '\n', lim - hn);
    return nl ? (size_t)(nl - p) + 1 : hn;
}

/* Where detection should look in a mapped file: a JSON Lines file whose first line is over
 * max_record would show detection a JSON value it cannot see the end of, and was taken for one
 * big JSON document (one record skipped as too large, every post lost). When such a line (or
 * several) is followed by a line that starts a JSON value, detection looks from there; the
 * reader still starts at the top and reports the long line as too large. @return the offset of
 * the line to sniff from (0: the start). */
static size_t sniff_offset(const char *p, size_t len, size_t max_record)
{
    size_t off = 0;
    for (;;) {
        size_t at = 0;
        int c0 = first_nonws(p + off, len - off, &at);
        if (c0 != '{' && c0 != '[')
            return off;
        size_t ls = off + at; /* the start of the line holding the value */
        while (ls > off && p[ls - 1] != '\n')
            ls--;
        const char *nl = memchr(p + off + at, '\n', len - off - at);
        if (!nl)
            return off;
        size_t e = (size_t)(nl - p) + 1;
        if (e - ls <= max_record)
            return off;
        size_t at2 = 0;
        int c1 = first_nonws(p + e, len - e, &at2);
        if (c1 != '{' && c1 != '[')
            return off; /* not JSON Lines after it: a big document, as before */
        off = e;
    }
}

static bool fill_head(rd_src *s)
{
    for (;;) {
        size_t n = s->len;
        const char *b = s->buf;
        if (s->eof)
            return true;
        if (n >= HEAD_MAX) {
            /* a JSON first line longer than the head is read on to its end (up to max_record):
             * else JSON Lines with a big first post are not recognized (see head_first_line) */
            size_t at = 0;
            int c0 = first_nonws(b, n, &at);
            if ((c0 != '{' && c0 != '[') || memchr(b + at, '\n', n - at) ||
                n - at > s->max_record)
                return true;
        }
        const char *nl1 = n ? memchr(b, '\n', n) : NULL;
        const char *nl2 = nl1 ? memchr(nl1 + 1, '\n', (size_t)(b + n - nl1 - 1)) : NULL;
        if (nl2) {
            size_t at = 0;
            int c0 = first_nonws(b, n, &at);
            const char *e = nl1;
            while (e > b + at && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
                e--;
            bool json_line = e > b + at && ((c0 == '{' && e[-1] == '}') || (c0 == '[' && e[-1] == ']'));
            if (json_line || (c0 >= 0 && c0 != '{' && c0 != '[' && c0 != '<'))
                return true;
        }
        size_t want = s->len - s->pos + 1;
        if (!rd_src_want(s, want))
            return false;
    }
}

/* Streams: detection took the input for one JSON document because its first line starts a JSON
 * value and is over max_record (fill_head stopped inside it), which is what a JSON Lines stream
 * with a huge first post looks like too (sniff_offset does this for mapped files). The line is
 * dropped as it streams by (its length counted) and detection looks at what follows: when that
 * is JSON Lines, the reader reports line 1 as too large and reads on; otherwise the input stays
 * one document over the limit, reported with the bytes already dropped, as before. */
static void skip_long_head(tocsin_reader *r)
{
    rd_src *s = &r->src;
    size_t at = 0;
    int c0 = first_nonws(s->buf, s->len, &at);
    if (r->opts.format || r->fmt != &rd_fmt_json || r->framing != RD_FRAME_DOC || s->eof ||
        (c0 != '{' && c0 != '[') || s->len - at <= s->max_record ||
        memchr(s->buf + at, '\n', s->len - at))
        return;
    uint64_t start = s->dropped + s->pos;
    for (;;) {
        const char *nl = memchr(s->buf + s->pos, '\n', s->len - s->pos);
        if (nl) {
            s->pos = (size_t)(nl - s->buf) + 1;
            break;
        }
        s->pos = s->len;
        size_t keep = s->pos;
        if (s->eof || src_more(s, &keep) < 0) { /* one line to the end (or a read error) */
            r->doc_dropped = s->dropped + s->pos - start;
            return;
        }
    }
    uint64_t l1 = s->dropped + s->pos - start;
    memmove(s->own, s->own + s->pos, s->len - s->pos); /* what follows, to the front */
    s->dropped += s->pos;
    s->len -= s->pos;
    s->pos = 0;
    fill_head(s);
    int c1 = first_nonws(s->buf, s->len, NULL);
    if (c1 == '{' || c1 == '[') {
        tocsin_error e2;
        r->fmt = NULL;
        if (detect(r, s->buf, s->len, s->eof, &e2) == TOCSIN_OK && r->framing == RD_FRAME_LINES) {
            r->long_first = l1;
            s->line = 2;
            return;
        }
    }
    r->fmt = &rd_fmt_json;
    r->framing = RD_FRAME_DOC;
    r->doc_dropped = l1;
}

static tocsin_status open_common(const tocsin_read_opts *opts, const char *path, bool ranged,
                                 uint64_t begin, uint64_t end, tocsin_reader **out,
                                 tocsin_error *err)
{
    tocsin_read_opts defaults;
    if (!opts) {
        tocsin_read_opts_init(&defaults);
        opts = &defaults;
    }
    if (!path)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "no input path");
    tocsin_reader *r = reader_alloc();
    if (!r)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, path, 0, NULL, "out of memory");
    tocsin_status st = TOCSIN_OK;
    r->path = tc_strndup(path, strlen(path));
    if (!r->path || copy_opts(r, opts) != TOCSIN_OK) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, path, 0, NULL, "out of memory");
        goto fail;
    }
    r->src.name = r->path;
    r->src.max_record = r->opts.max_record;
    r->src.line = 1;
    char why[200];
    if (rd_zone_get(r->opts.tz, &r->zone, why, sizeof why) != TOCSIN_OK) {
        st = tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "tz", "%s", why);
        goto fail;
    }
    for (int f = 0; f < TOCSIN_FIELD__COUNT; f++) {
        if (r->opts.field[f] && !r->opts.field[f][0]) {
            st = tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, tocsin_field_name((tocsin_field)f),
                              "empty field path");
            goto fail;
        }
    }
    if (r->opts.format && strcmp(r->opts.format, "auto") != 0) {
        r->fmt = rd_format_find(r->opts.format);
        if (!r->fmt) {
            char names[600];
            size_t nl = 0;
            names[0] = '\0';
            for (size_t i = 0; rd_formats[i] && nl < sizeof names - 1; i++) {
                nl += (size_t)snprintf(names + nl, sizeof names - nl, "%s%s", i ? ", " : "",
                                       rd_formats[i]->name);
                if (nl >= sizeof names)
                    nl = sizeof names - 1;
            }
            st = tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "format",
                              "unknown format \"%s\" (known: %s)", r->opts.format, names);
            goto fail;
        }
    }
    st = rd_in_open(&r->src.in, r->path, true, err);
    if (st != TOCSIN_OK)
        goto fail;
    const char *head;
    size_t hn;
    bool complete;
    if (r->src.in.kind == RD_IN_MAP) {
        if (ranged && (begin > end || end > r->src.in.map_len)) {
            st = tc_error_set(err, TOCSIN_ERR_USAGE, path, 0, NULL,
                              "range %llu-%llu is outside the file (%zu bytes)",
                              (unsigned long long)begin, (unsigned long long)end,
                              r->src.in.map_len);
            goto fail;
        }
        size_t off = sniff_offset(r->src.in.map, r->src.in.map_len, r->opts.max_record);
        size_t left = r->src.in.map_len - off;
        head = r->src.in.map + off;
        hn = left < HEAD_MAX ? left : HEAD_MAX;
        hn = head_first_line(head, left, hn, r->opts.max_record);
        complete = hn == left;
        src_init_map(&r->src, r->src.in.map, r->src.in.map_len);
    } else {
        if (ranged && (begin != 0 || end != UINT64_MAX)) {
            st = tc_error_set(err, TOCSIN_ERR_USAGE, path, 0, NULL,
                              "byte ranges need a plain (uncompressed) file");
            goto fail;
        }
        r->src.is_map = false;
        /* a read error after some bytes surfaces once the records before it are read */
        if (!fill_head(&r->src) && r->src.len == 0) {
            st = src_failed(r, err);
            goto fail;
        }
        head = r->src.buf ? r->src.buf : "";
        hn = r->src.len;
        complete = r->src.eof;
    }
    if (!r->fmt && first_nonws(head, hn, NULL) < 0) {
        r->fmt = &rd_fmt_jsonl; /* nothing to read: no format to guess */
        r->framing = RD_FRAME_LINES;
    } else if (!r->fmt)
        st = detect(r, head, hn, complete, err);
    else
        st = pick_framing(r, head, hn, complete, err);
    if (st != TOCSIN_OK)
        goto fail;
    if (!r->src.is_map)
        skip_long_head(r);
    r->platform = tc_strv(r->fmt->platform, strlen(r->fmt->platform));
    if (r->framing == RD_FRAME_NESTED && (st = parse_paths(r, r->fmt, err)) != TOCSIN_OK)
        goto fail;
    if (ranged && r->src.is_map && (begin != 0 || end != r->src.in.map_len)) {
        if (r->framing != RD_FRAME_LINES) {
            st = tc_error_set(err, TOCSIN_ERR_USAGE, path, 0, NULL,
                              "format %s cannot be read in byte ranges", r->fmt->name);
            goto fail;
        }
        r->src.buf = r->src.in.map + begin;
        r->src.len = (size_t)(end - begin);
        r->range_begin = begin;
    }
    if (((r->fmt == &rd_fmt_jsonl && r->framing == RD_FRAME_LINES) ||
         (r->fmt == &rd_fmt_json_array && r->framing == RD_FRAME_ARRAY)) &&
        !rd_fast_disabled) {
        r->fast = true;
        for (int f = 0; f < TOCSIN_FIELD__COUNT; f++)
            r->fast = r->fast && !r->opts.field[f];
        if (r->fast)
            rd_keys_init();
    }
    if (r->framing == RD_FRAME_BYTES) {
        st = r->fmt->open(&r->src, &r->out, &r->bstate, err);
        if (st != TOCSIN_OK)
            goto fail;
    }
    *out = r;
    return TOCSIN_OK;
fail:
    reader_release(r);
    return st;
}

tocsin_status tocsin_reader_open(const tocsin_read_opts *opts, const char *path,
                                 tocsin_reader **out, tocsin_error *err)
{
    return open_common(opts, path, false, 0, 0, out, err);
}

tocsin_status tocsin_reader_open_range(const tocsin_read_opts *opts, const char *path,
                                       uint64_t begin, uint64_t end, tocsin_reader **out,
                                       tocsin_error *err)
{
    return open_common(opts, path, true, begin, end, out, err);
}

tocsin_status tocsin_reader_next(tocsin_reader *r, tocsin_post *post, int *got,
                                 tocsin_error *err)
{
    *got = 0;
    for (;;) {
        rd_out *o = &r->out;
        if (o->next < o->nposts) {
            *post = o->posts[o->next++];
            r->stats.posts++;
            *got = 1;
            return TOCSIN_OK;
        }
        if (r->has_sticky) {
            if (err)
                *err = r->sticky;
            return r->sticky.code;
        }
        if (r->done)
            return TOCSIN_OK;
        tocsin_status st;
        switch (r->framing) {
        case RD_FRAME_LINES:
            st = next_line_record(r, err);
            break;
        case RD_FRAME_ARRAY:
        case RD_FRAME_NESTED:
            st = next_array_record(r, err);
            break;
        case RD_FRAME_DOC:
            st = next_doc_record(r, err);
            break;
        default: {
            int g = 0;
            out_reset(o);
            st = r->fmt->next(r->bstate, &r->src, o, &g, err);
            if (st == TOCSIN_OK && !g)
                r->done = true;
            else if (st == TOCSIN_OK)
                st = record_done(r, err);
            break;
        }
        }
        if (st != TOCSIN_OK) {
            if (!r->has_sticky) {
                r->has_sticky = true;
                if (err)
                    r->sticky = *err;
                else
                    tc_error_set(&r->sticky, st, r->path, 0, NULL, "%s", tocsin_strerror(st));
            }
            return st;
        }
    }
}

const char *tocsin_reader_format(const tocsin_reader *r)
{
    return r && r->fmt ? r->fmt->name : "";
}

void tocsin_reader_stats(const tocsin_reader *r, tocsin_read_stats *stats)
{
    *stats = r->stats;
    stats->bytes = r->src.is_map ? r->src.pos : r->src.dropped + r->src.pos;
}

uint64_t rd_reader_fast_records(const tocsin_reader *r)
{
    return r->fast_records;
}

void tocsin_reader_free(tocsin_reader *r)
{
    reader_release(r);
}

tocsin_status tocsin_input_split(const char *path, size_t parts, uint64_t *offsets,
                                 size_t *nparts, tocsin_error *err)
{
    if (!path || !offsets || !nparts || parts == 0)
        return tc_error_set(err, TOCSIN_ERR_USAGE, path, 0, NULL, "bad split arguments");
    if (strcmp(path, "-") == 0) {
        offsets[0] = 0;
        offsets[1] = UINT64_MAX;
        *nparts = 1;
        return TOCSIN_OK;
    }
    tocsin_reader *r;
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    tocsin_error e2;
    tocsin_status st = tocsin_reader_open(&o, path, &r, &e2);
    if (st == TOCSIN_ERR_FORMAT) { /* unknown shape to auto-detection (forced formats, mapped
                                      fields...): read it whole, the reader will say more */
        struct stat sb;
        offsets[0] = 0;
        offsets[1] = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : UINT64_MAX;
        *nparts = 1;
        return TOCSIN_OK;
    }
    if (st != TOCSIN_OK) {
        if (err)
            *err = e2;
        return st;
    }
    size_t n = 1;
    offsets[0] = 0;
    if (!r->src.is_map || r->framing != RD_FRAME_LINES || strcmp(path, "-") == 0) {
        offsets[1] = r->src.is_map ? r->src.in.map_len : UINT64_MAX;
    } else {
        const char *m = r->src.in.map;
        size_t len = r->src.in.map_len;
        for (size_t i = 1; i < parts; i++) {
            size_t target = (size_t)((unsigned __int128)len * i / parts);
            if (target <= offsets[n - 1])
                continue;
            const char *nl = memchr(m + target - 1, '\n', len - (target - 1));
            if (!nl)
                break;
            size_t off = (size_t)(nl - m) + 1;
            if (off >= len || off <= offsets[n - 1])
                continue;
            offsets[n++] = off;
        }
        offsets[n] = len;
    }
    *nparts = n;
    tocsin_reader_free(r);
    return TOCSIN_OK;
}
