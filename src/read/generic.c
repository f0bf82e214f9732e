/* generic.c: the generic formats: JSON Lines (`jsonl`), a top-level JSON array (`json-array`),
 * one JSON document (`json`), CSV and TSV with a header (`csv`, `tsv`, RFC 4180). Their fields
 * are found by common names (rd_field_names) or mapped explicitly with opts.field[] (a dotted
 * JSON path, or a CSV column name). */
#include "read/reader_int.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names_text[] = {"text", "full_text", "message", "body", "content",
                                         "selftext", "com", NULL};
static const char *const names_id[] = {"id_str", "id", "message_id", NULL};
static const char *const names_time[] = {"created_at", "created_utc", "date_unixtime", "date",
                                         "timestamp", "ts", "time", NULL};
static const char *const names_author[] = {"author", "username", "screen_name", "from", "user",
                                           NULL};
static const char *const names_channel[] = {"channel", "chat", "group", "subreddit", "board",
                                            NULL};
static const char *const names_lang[] = {"lang", "language", NULL};

const char *const *const rd_field_names[TOCSIN_FIELD__COUNT] = {
    names_text, names_id, names_time, names_author, names_channel, names_lang};

/* Which field a key names, and its priority (0 = best). @return -1 when none. Called for every
 * member of every record: a table by first letter keeps it to a couple of comparisons. */
typedef struct key_ent {
    const char *name;
    unsigned char len, field, prio;
} key_ent;

static key_ent key_tab[64];
static unsigned char key_first[27][2]; /* by first letter: [start, count) into key_tab */
static uint16_t key_lens[26];          /* by first letter: bit n set when a name has length n */
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void key_init(void)
{
    size_t n = 0;
    for (int c = 0; c < 26; c++) {
        key_first[c][0] = (unsigned char)n;
        for (int f = 0; f < TOCSIN_FIELD__COUNT; f++)
            for (int i = 0; rd_field_names[f][i]; i++)
                if (rd_field_names[f][i][0] == 'a' + c && n < 64)
                {
                    key_tab[n++] = (key_ent){rd_field_names[f][i],
                                             (unsigned char)strlen(rd_field_names[f][i]),
                                             (unsigned char)f, (unsigned char)i};
                    key_lens[c] |= (uint16_t)(1u << strlen(rd_field_names[f][i]));
                }
        key_first[c][1] = (unsigned char)(n - key_first[c][0]);
    }
}

/* key_init must have run (pthread_once in the callers, once per record at most). */
static int key_field(const char *k, size_t n, bool ci, int *prio)
{
    if (n == 0 || n > 13)
        return -1;
    unsigned c = (unsigned char)k[0] | (ci ? 0x20u : 0u);
    if (c < 'a' || c > 'z' || !(key_lens[c - 'a'] & (1u << n)))
        return -1; /* most keys of a tweet stop here */
    const key_ent *e = key_tab + key_first[c - 'a'][0];
    for (unsigned i = 0; i < key_first[c - 'a'][1]; i++, e++) {
        if (e->len != n)
            continue;
        bool eq;
        if (ci) {
            eq = tc_strv_eq_ci(tc_strv(k, n), e->name);
        } else {
            eq = true;
            for (size_t j = 1; j < n && eq; j++) /* the first letter matched already */
                eq = k[j] == e->name[j];
        }
        if (eq) {
            *prio = e->prio;
            return e->field;
        }
    }
    return -1;
}

void rd_keys_init(void)
{
    pthread_once(&key_once, key_init);
}

int rd_key_class(const char *key, size_t len, int *prio)
{
    return key_field(key, len, false, prio);
}

static void names_list(tocsin_field f, char *buf, size_t cap)
{
    size_t l = 0;
    buf[0] = '\0';
    for (int i = 0; rd_field_names[f][i] && l < cap; i++)
        l += (size_t)snprintf(buf + l, cap - l, "%s%s", i ? ", " : "", rd_field_names[f][i]);
}

/* ---- JSON ---- */

static bool usable(tocsin_field f, tj_type t)
{
    if (f == TOCSIN_FIELD_TEXT || f == TOCSIN_FIELD_LANG)
        return t == TJ_STRING;
    return t == TJ_STRING || t == TJ_INT || t == TJ_UINT || t == TJ_DOUBLE;
}

typedef struct pick_ctx {
    const tocsin_read_opts *opts;
    int prio[TOCSIN_FIELD__COUNT];
    int cand; /* priority of the key just wanted */
} pick_ctx;

static int want_field(void *ctx, const char *key, size_t len)
{
    pick_ctx *c = ctx;
    int p;
    int f = key_field(key, len, false, &p);
    if (f < 0 || c->opts->field[f] || p >= c->prio[f])
        return -1;
    c->cand = p;
    return f;
}

static bool take_field(void *ctx, int f, tj_type t)
{
    pick_ctx *c = ctx;
    if (!usable((tocsin_field)f, t))
        return false;
    c->prio[f] = c->cand;
    return true;
}

/* Finds each field of object `obj`: explicit paths first, else the best-named member. */
static void find_fields(tj_doc *d, tj_val obj, const tocsin_read_opts *opts,
                        tj_val found[TOCSIN_FIELD__COUNT])
{
    pick_ctx c;
    c.opts = opts;
    bool need = false;
    for (int f = 0; f < TOCSIN_FIELD__COUNT; f++) {
        found[f] = 0;
        c.prio[f] = INT_MAX;
        if (opts->field[f])
            found[f] = tj_path(d, obj, opts->field[f]);
        else
            need = true;
    }
    tj_picker pk = {want_field, take_field, &c};
    if (need) {
        pthread_once(&key_once, key_init);
        tj_pick_members(d, obj, &pk, found);
    }
}

static int sniff_json_common(const rd_sniff *s, char *why, size_t cap, int score,
                             const char *what)
{
    if (!s->first) {
        snprintf(why, cap, "%s is not valid JSON", what);
        return 0;
    }
    if (tj_type_of(s->doc, s->first) != TJ_OBJECT) {
        snprintf(why, cap, "%s is not a JSON object", what);
        return 0;
    }
    tj_val found[TOCSIN_FIELD__COUNT];
    find_fields(s->doc, s->first, s->opts, found);
    if (!found[TOCSIN_FIELD_TEXT] || tj_type_of(s->doc, found[TOCSIN_FIELD_TEXT]) != TJ_STRING) {
        char names[120];
        names_list(TOCSIN_FIELD_TEXT, names, sizeof names);
        if (s->opts->field[TOCSIN_FIELD_TEXT])
            snprintf(why, cap, "%s has no string at %s", what, s->opts->field[TOCSIN_FIELD_TEXT]);
        else
            snprintf(why, cap, "%s has no text field (%s; map one with --field text=PATH)", what,
                     names);
        return 0;
    }
    return score;
}

static int sniff_jsonl(const rd_sniff *s, char *why, size_t cap)
{
    return sniff_json_common(s, why, cap, 30, "the first line");
}

static int sniff_json_array(const rd_sniff *s, char *why, size_t cap)
{
    return sniff_json_common(s, why, cap, 30, "the first array element");
}

static int sniff_json(const rd_sniff *s, char *why, size_t cap)
{
    if (!s->first && !s->head_complete)
        return 5; /* too big to look at whole: a weak guess */
    return sniff_json_common(s, why, cap, 25, "the document");
}

static tocsin_status set_time(rd_out *o, tocsin_post *p, const char *s, size_t n,
                              const char *field)
{
    if (n == 0)
        return TOCSIN_OK;
    if (rd_out_time(o, s, n, &p->ts) == TOCSIN_OK) {
        p->has_ts = true;
        return TOCSIN_OK;
    }
    rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "cannot parse the time \"%.*s\" in %s",
                (int)(n > 60 ? 60 : n), s, field);
    return TOCSIN_OK;
}

static tocsin_status map_json_generic(rd_out *o, const rd_rec *rec)
{
    tj_doc *d = rec->doc;
    if (tj_type_of(d, rec->root) != TJ_OBJECT) {
        rd_out_skip(o, TOCSIN_SKIP_NOT_OBJECT, "the record is not a JSON object");
        return TOCSIN_OK;
    }
    tj_val found[TOCSIN_FIELD__COUNT];
    find_fields(d, rec->root, rec->opts, found);
    tocsin_strv text;
    if (!tj_str(d, found[TOCSIN_FIELD_TEXT], &text)) {
        if (rec->opts->field[TOCSIN_FIELD_TEXT]) {
            rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "no string at %s",
                        rec->opts->field[TOCSIN_FIELD_TEXT]);
        } else {
            char names[120];
            names_list(TOCSIN_FIELD_TEXT, names, sizeof names);
            rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "no text field (%s)", names);
        }
        return TOCSIN_OK;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->text = text;
    tocsin_strv v;
    if (tj_text(d, found[TOCSIN_FIELD_ID], &v))
        p->id = v;
    int64_t iv;
    if (tj_int(d, found[TOCSIN_FIELD_TIME], &iv)) {
        p->ts = rd_epoch_scale(iv);
        p->has_ts = true;
    } else if (tj_text(d, found[TOCSIN_FIELD_TIME], &v)) {
        const char *fname = rec->opts->field[TOCSIN_FIELD_TIME];
        tocsin_strv k = tj_key(d, found[TOCSIN_FIELD_TIME]);
        char kb[64];
        if (!fname) {
            snprintf(kb, sizeof kb, "%.*s", (int)k.len, k.ptr ? k.ptr : "");
            fname = kb;
        }
        set_time(o, p, v.ptr, v.len, fname);
    }
    if (tj_text(d, found[TOCSIN_FIELD_AUTHOR], &v))
        p->author_id = p->author_name = v;
    if (tj_text(d, found[TOCSIN_FIELD_CHANNEL], &v))
        p->channel_id = p->channel_name = v;
    if (tj_str(d, found[TOCSIN_FIELD_LANG], &v))
        p->lang = v;
    return TOCSIN_OK;
}

/* A picked value as text: a view into the record, or decoded into the record arena. */
static tocsin_strv fval_text(rd_out *o, const rd_fval *v)
{
    if (v->type != RD_FV_STR_ESC)
        return tc_strv(v->p, v->n);
    char *d = rd_out_alloc(o, v->n ? v->n : 1);
    if (!d)
        return tc_strv(NULL, 0);
    return tc_strv(d, rd_fast_unescape(v->p, v->n, d));
}

/* map_json_generic for a record picked by rd_fast_scan: the same posts, skips and messages. */
tocsin_status rd_generic_map_fast(rd_out *o, const rd_fobj *g)
{
    const rd_fval *f = g->f;
    if (f[TOCSIN_FIELD_TEXT].type == RD_FV_NONE) {
        char names[120];
        names_list(TOCSIN_FIELD_TEXT, names, sizeof names);
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "no text field (%s)", names);
        return TOCSIN_OK;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->text = fval_text(o, &f[TOCSIN_FIELD_TEXT]);
    if (!p->text.ptr)
        return TOCSIN_ERR_NOMEM;
    tocsin_strv v;
    if (f[TOCSIN_FIELD_ID].type != RD_FV_NONE && (v = fval_text(o, &f[TOCSIN_FIELD_ID])).ptr)
        p->id = v;
    const rd_fval *t = &f[TOCSIN_FIELD_TIME];
    if (t->type == RD_FV_INT) { /* at most 18 digits: the scanner saw to it */
        int64_t iv = 0;
        bool neg = t->p[0] == '-';
        for (size_t i = neg; i < t->n; i++)
            iv = iv * 10 + (t->p[i] - '0');
        p->ts = rd_epoch_scale(neg ? -iv : iv);
        p->has_ts = true;
    } else if (t->type != RD_FV_NONE && (v = fval_text(o, t)).ptr) {
        char kb[64];
        snprintf(kb, sizeof kb, "%.*s", (int)g->time_key_len, g->time_key);
        set_time(o, p, v.ptr, v.len, kb);
    }
    if (f[TOCSIN_FIELD_AUTHOR].type != RD_FV_NONE &&
        (v = fval_text(o, &f[TOCSIN_FIELD_AUTHOR])).ptr)
        p->author_id = p->author_name = v;
    if (f[TOCSIN_FIELD_CHANNEL].type != RD_FV_NONE &&
        (v = fval_text(o, &f[TOCSIN_FIELD_CHANNEL])).ptr)
        p->channel_id = p->channel_name = v;
    if (f[TOCSIN_FIELD_LANG].type != RD_FV_NONE && (v = fval_text(o, &f[TOCSIN_FIELD_LANG])).ptr)
        p->lang = v;
    return TOCSIN_OK;
}

const rd_format rd_fmt_jsonl = {"jsonl", "", RD_FRAME_LINES, NULL, sniff_jsonl,
                                map_json_generic, NULL, NULL, NULL};
const rd_format rd_fmt_json_array = {"json-array", "", RD_FRAME_ARRAY, NULL, sniff_json_array,
                                     map_json_generic, NULL, NULL, NULL};
const rd_format rd_fmt_json = {"json", "", RD_FRAME_DOC, NULL, sniff_json, map_json_generic,
                               NULL, NULL, NULL};

/* ---- CSV / TSV ---- */

long rd_csv_split(const char *rec, size_t n, char delim, tc_buf *store, size_t *offs,
                  size_t max_fields, const char **why)
{
    tc_buf_reset(store);
    if (tc_buf_reserve(store, n + 1) != TOCSIN_OK) {
        *why = "out of memory";
        return -1;
    }
    char *out = store->data;
    size_t o = 0, i = 0, nf = 0;
    for (;;) {
        if (nf == max_fields) {
            *why = "too many fields";
            return -1;
        }
        size_t start = o;
        if (i < n && rec[i] == '"') {
            i++;
            for (;;) {
                const char *q = memchr(rec + i, '"', n - i);
                if (!q) {
                    *why = "unterminated quoted field";
                    return -1;
                }
                size_t k = (size_t)(q - (rec + i));
                memcpy(out + o, rec + i, k);
                o += k;
                i += k + 1;
                if (i < n && rec[i] == '"') { /* a doubled quote */
                    out[o++] = '"';
                    i++;
                    continue;
                }
                break;
            }
            while (i < n && rec[i] != delim) /* stray text after the closing quote: kept */
                out[o++] = rec[i++];
        } else {
            const char *e = memchr(rec + i, delim, n - i);
            size_t k = e ? (size_t)(e - (rec + i)) : n - i;
            memcpy(out + o, rec + i, k);
            o += k;
            i += k;
        }
        offs[2 * nf] = start;
        offs[2 * nf + 1] = o - start;
        nf++;
        if (i >= n)
            break;
        i++; /* the delimiter; a record ending with one has a last empty field */
    }
    store->len = o;
    out[o] = '\0';
    return (long)nf;
}

typedef struct csv_state {
    char delim;
    size_t ncols;
    int col[TOCSIN_FIELD__COUNT]; /* column of each field, -1 = none */
    char *colname[TOCSIN_FIELD__COUNT];
    tc_buf store, san;
    size_t *offs;
} csv_state;

static void csv_close(void *st)
{
    csv_state *c = st;
    if (!c)
        return;
    tc_buf_free(&c->store);
    tc_buf_free(&c->san);
    free(c->offs);
    for (int f = 0; f < TOCSIN_FIELD__COUNT; f++)
        free(c->colname[f]);
    free(c);
}

/* Strips the newline (and CR) ending a record. */
static size_t chomp(const char *p, size_t n)
{
    if (n && p[n - 1] == '\n')
        n--;
    if (n && p[n - 1] == '\r')
        n--;
    return n;
}

static uint64_t count_nl(const char *p, size_t n)
{
    uint64_t k = 0;
    const char *e = p + n;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

#define CSV_MAX_COLS 4096

static tocsin_status csv_open_delim(rd_src *src, rd_out *o, void **state, char delim,
                                    tocsin_error *err)
{
    const tocsin_read_opts *opts = rd_out_opts(o);
    csv_state *c = calloc(1, sizeof *c);
    if (!c)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, rd_src_name(src), 0, NULL, "out of memory");
    c->delim = delim;
    tc_buf_init(&c->store, 0);
    tc_buf_init(&c->san, 0);
    c->offs = malloc(2 * (CSV_MAX_COLS + 1) * sizeof *c->offs);
    tocsin_status st = TOCSIN_OK;
    if (!c->offs) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, rd_src_name(src), 0, NULL, "out of memory");
        goto fail;
    }
    const char *rec = NULL;
    size_t n = 0;
    rd_csv_scan sc = {false};
    rd_rec_result r;
    do {
        r = rd_src_record(src, rd_scan_csv, &sc, &rec, &n);
        if (r == RD_REC_ERROR) {
            st = src->pending.code;
            if (err)
                *err = src->pending;
            goto fail;
        }
        if (r == RD_REC_TOO_LARGE || r == RD_REC_END) {
            st = tc_error_set(err, TOCSIN_ERR_FORMAT, rd_src_name(src), src->line, NULL,
                              r == RD_REC_END ? "no CSV header" : "CSV header too large");
            goto fail;
        }
        src->line += count_nl(rec, n);
        n = chomp(rec, n);
    } while (n == 0);
    if (n >= 3 && memcmp(rec, "\xEF\xBB\xBF", 3) == 0)
        rec += 3, n -= 3;
    const char *why = NULL;
    long nf = rd_csv_split(rec, n, delim, &c->store, c->offs, CSV_MAX_COLS, &why);
    if (nf < 0) {
        st = tc_error_set(err, TOCSIN_ERR_FORMAT, rd_src_name(src), 1, NULL,
                          "bad CSV header: %s", why);
        goto fail;
    }
    c->ncols = (size_t)nf;
    int prio[TOCSIN_FIELD__COUNT];
    for (int f = 0; f < TOCSIN_FIELD__COUNT; f++) {
        c->col[f] = -1;
        prio[f] = INT_MAX;
    }
    for (int pass = 0; pass < 2; pass++) { /* explicit names: exact first, then any case */
        for (long i = 0; i < nf; i++) {
            const char *name = c->store.data + c->offs[2 * i];
            size_t len = c->offs[2 * i + 1];
            for (int f = 0; f < TOCSIN_FIELD__COUNT; f++) {
                const char *want = opts->field[f];
                if (!want || c->col[f] >= 0 || strlen(want) != len)
                    continue;
                if (pass == 0 ? memcmp(want, name, len) == 0
                              : tc_strv_eq_ci(tc_strv(name, len), want))
                    c->col[f] = (int)i;
            }
        }
    }
    pthread_once(&key_once, key_init);
    for (long i = 0; i < nf; i++) {
        const char *name = c->store.data + c->offs[2 * i];
        size_t len = c->offs[2 * i + 1];
        int p;
        int f = key_field(name, len, true, &p);
        if (f < 0 || opts->field[f] || p >= prio[f])
            continue;
        prio[f] = p;
        c->col[f] = (int)i;
    }
    for (int f = 0; f < TOCSIN_FIELD__COUNT; f++) {
        if (c->col[f] < 0)
            continue;
        c->colname[f] = tc_strndup(c->store.data + c->offs[2 * c->col[f]],
                                   c->offs[2 * c->col[f] + 1]);
        if (!c->colname[f]) {
            st = tc_error_set(err, TOCSIN_ERR_NOMEM, rd_src_name(src), 0, NULL, "out of memory");
            goto fail;
        }
    }
    for (int f = 0; f < TOCSIN_FIELD__COUNT; f++) {
        if (opts->field[f] && c->col[f] < 0) {
            st = tc_error_set(err, TOCSIN_ERR_USAGE, rd_src_name(src), 1,
                              tocsin_field_name((tocsin_field)f), "no column named \"%s\"",
                              opts->field[f]);
            goto fail;
        }
    }
    if (c->col[TOCSIN_FIELD_TEXT] < 0) {
        char names[120];
        names_list(TOCSIN_FIELD_TEXT, names, sizeof names);
        st = tc_error_set(err, TOCSIN_ERR_FORMAT, rd_src_name(src), 1, NULL,
                          "no text column in the header (%s; map one with --field text=NAME)",
                          names);
        goto fail;
    }
    *state = c;
    return TOCSIN_OK;
fail:
    csv_close(c);
    return st;
}

static tocsin_status csv_open(rd_src *src, rd_out *o, void **state, tocsin_error *err)
{
    return csv_open_delim(src, o, state, ',', err);
}

static tocsin_status tsv_open(rd_src *src, rd_out *o, void **state, tocsin_error *err)
{
    return csv_open_delim(src, o, state, '\t', err);
}

/* UTF-8 validity (no overlongs, surrogates or code points past U+10FFFF), with ASCII eight
 * bytes at a time: CSV fields are checked one by one, JSON is checked by simdjson. */
static bool utf8_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        if (e - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (!(w & 0x8080808080808080ULL)) {
                p += 8;
                continue;
            }
        }
        unsigned c = *p;
        if (c < 0x80) {
            p++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (e - p < 2 || (p[1] & 0xC0) != 0x80)
                return false;
            p += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (e - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
                (c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))
                return false;
            p += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (e - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
                (p[3] & 0xC0) != 0x80 || (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
                return false;
            p += 4;
        } else {
            return false;
        }
    }
    return true;
}

/* A field as a view, with invalid UTF-8 replaced (into the arena). */
static tocsin_strv csv_field(csv_state *c, rd_out *o, long i, size_t *bad)
{
    const char *p = c->store.data + c->offs[2 * i];
    size_t n = c->offs[2 * i + 1];
    if (utf8_ok(p, n))
        return tc_strv(p, n);
    tc_buf_reset(&c->san);
    size_t k = 0;
    if (tc_utf8_sanitize(&c->san, p, n, &k) != TOCSIN_OK)
        return tc_strv(NULL, 0);
    *bad += k;
    return rd_out_copy(o, c->san.data, c->san.len);
}

static tocsin_status csv_next(void *st, rd_src *src, rd_out *o, int *got, tocsin_error *err)
{
    csv_state *c = st;
    *got = 0;
    for (;;) {
        const char *rec = NULL;
        size_t n = 0;
        rd_csv_scan sc = {false};
        uint64_t line = src->line;
        rd_rec_result r = rd_src_record(src, rd_scan_csv, &sc, &rec, &n);
        switch (r) {
        case RD_REC_END:
            return TOCSIN_OK;
        case RD_REC_ERROR:
            if (err)
                *err = src->pending;
            return src->pending.code;
        case RD_REC_TOO_LARGE:
            src->line++; /* its newlines were not kept; count the record as one line */
            rd_out_record(o, line);
            *got = 1;
            rd_out_skip(o, TOCSIN_SKIP_TOO_LARGE, "record of %zu bytes is over the limit of %zu bytes",
                        n, rd_out_opts(o)->max_record);
            return TOCSIN_OK;
        case RD_REC_OK:
        case RD_REC_UNTERMINATED:
            break;
        }
        src->line += count_nl(rec, n) + (r == RD_REC_UNTERMINATED ? 1 : 0);
        size_t len = chomp(rec, n);
        if (len == 0 || (len == 1 && rec[0] == '\r'))
            continue;
        *got = 1;
        rd_out_record(o, line);
        const char *why = NULL;
        long nf = rd_csv_split(rec, len, c->delim, &c->store, c->offs, c->ncols + 1, &why);
        if (nf < 0 && sc.in_quote)
            why = "unterminated quoted field";
        if (nf < 0) {
            rd_out_skip(o, TOCSIN_SKIP_BAD_CSV, "%s", why);
            return TOCSIN_OK;
        }
        if ((size_t)nf != c->ncols) {
            rd_out_skip(o, TOCSIN_SKIP_BAD_CSV, "row has %ld fields, the header has %zu", nf,
                        c->ncols);
            return TOCSIN_OK;
        }
        size_t bad = 0;
        tocsin_post *p = rd_out_post(o);
        if (!p)
            return TOCSIN_ERR_NOMEM;
        p->text = csv_field(c, o, c->col[TOCSIN_FIELD_TEXT], &bad);
        if (c->col[TOCSIN_FIELD_ID] >= 0)
            p->id = csv_field(c, o, c->col[TOCSIN_FIELD_ID], &bad);
        if (c->col[TOCSIN_FIELD_AUTHOR] >= 0)
            p->author_id = p->author_name = csv_field(c, o, c->col[TOCSIN_FIELD_AUTHOR], &bad);
        if (c->col[TOCSIN_FIELD_CHANNEL] >= 0)
            p->channel_id = p->channel_name = csv_field(c, o, c->col[TOCSIN_FIELD_CHANNEL], &bad);
        if (c->col[TOCSIN_FIELD_LANG] >= 0)
            p->lang = csv_field(c, o, c->col[TOCSIN_FIELD_LANG], &bad);
        if (c->col[TOCSIN_FIELD_TIME] >= 0) {
            tocsin_strv t = csv_field(c, o, c->col[TOCSIN_FIELD_TIME], &bad);
            set_time(o, p, t.ptr, t.len, c->colname[TOCSIN_FIELD_TIME]);
        }
        if (p->text.ptr == NULL)
            return TOCSIN_ERR_NOMEM;
        rd_out_bad_utf8(o, bad);
        return TOCSIN_OK;
    }
}

/* Counts delimiters outside quotes on the first line of the head. */
static size_t count_delims(const char *h, size_t n, char delim)
{
    bool q = false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i] == '"')
            q = !q;
        else if (!q && h[i] == '\n')
            break;
        else if (!q && h[i] == delim)
            k++;
    }
    return k;
}

static int sniff_delim(const rd_sniff *s, char *why, size_t cap, char delim, char other,
                       int score)
{
    const char *h = s->head;
    size_t n = s->head_len;
    if (n >= 3 && memcmp(h, "\xEF\xBB\xBF", 3) == 0)
        h += 3, n -= 3;
    while (n && (*h == '\n' || *h == '\r'))
        h++, n--;
    if (n && (*h == '{' || *h == '[')) {
        snprintf(why, cap, "the input looks like JSON");
        return 0;
    }
    size_t k = count_delims(h, n, delim), k2 = count_delims(h, n, other);
    if (k == 0 || k < k2) {
        snprintf(why, cap, "the first line is not a %s-separated header",
                 delim == ',' ? "comma" : "tab");
        return 0;
    }
    const char *nl = memchr(h, '\n', n);
    size_t len = chomp(h, nl ? (size_t)(nl - h) + 1 : n);
    tc_buf store;
    tc_buf_init(&store, 0);
    size_t offs[2 * 512];
    const char *w = NULL;
    long nf = rd_csv_split(h, len, delim, &store, offs, 512, &w);
    int found = 0;
    const char *want = s->opts->field[TOCSIN_FIELD_TEXT];
    pthread_once(&key_once, key_init);
    for (long i = 0; i < nf && !found; i++) {
        tocsin_strv name = tc_strv(store.data + offs[2 * i], offs[2 * i + 1]);
        int p;
        found = want ? tc_strv_eq_ci(name, want)
                     : key_field(name.ptr, name.len, true, &p) == TOCSIN_FIELD_TEXT;
    }
    tc_buf_free(&store);
    if (!found) {
        char names[120];
        names_list(TOCSIN_FIELD_TEXT, names, sizeof names);
        snprintf(why, cap, "the header has no text column (%s)", want ? want : names);
        return 0;
    }
    return score;
}

static int sniff_csv(const rd_sniff *s, char *why, size_t cap)
{
    return sniff_delim(s, why, cap, ',', '\t', 20);
}

static int sniff_tsv(const rd_sniff *s, char *why, size_t cap)
{
    return sniff_delim(s, why, cap, '\t', ',', 21);
}

const rd_format rd_fmt_csv = {"csv", "", RD_FRAME_BYTES, NULL, sniff_csv, NULL,
                              csv_open, csv_next, csv_close};
const rd_format rd_fmt_tsv = {"tsv", "", RD_FRAME_BYTES, NULL, sniff_tsv, NULL,
                              tsv_open, csv_next, csv_close};
