/* fmt_toolcsv.c: CSV exports of research tools whose columns are known, read with their
 * meaning instead of the generic CSV guesswork:
 *   - "twarc-csv": X/Twitter API v2 tweets flattened by twarc-csv (columns id, text,
 *     author_id, created_at, author.username, conversation_id, lang, referenced_tweets,
 *     entities.*). Its `text` cell may hold a JSON string literal (with the quotes and \uXXXX,
 *     \n escapes): such a cell is decoded;
 *   - "4cat": 4CAT exports (every datasource has id, thread_id, author, body, timestamp;
 *     FORMATS.md section 11): time from `unix_timestamp` (UTC epoch) rather than `timestamp`
 *     (the server's local time, read in --tz when it is all there is).
 * Detection is on the header row. The delimiter is the one of , ; TAB that the header uses most.
 * Records are read line by line; a line that leaves a quote open continues on the next one
 * (quoted fields with newlines). A row with more fields than the header is skipped as bad CSV;
 * missing trailing fields are empty.
 *
 * twarc-csv mapping: id, ts = created_at, author_id, author_name = author.username, channel =
 * conversation_id, lang, kind and ref_id from referenced_tweets (retweeted > quoted >
 * replied_to), urls / hashtags / mentions from the entities.* JSON cells.
 * 4cat mapping: id, ts, author_id = author, author_name = author_name / author_username /
 * author, channel = thread_id (name: chat / subject / thread_title), text = body (plus
 * subject when there is one), kind reply when reply_to / is_reply say so, repost when
 * author_forwarded_from_name is set. */
#include "read/fmt_util.h"

#include <stdlib.h>
#include <string.h>

#define CSV_MAX_FIELDS 512

enum { TOOL_TWARC, TOOL_4CAT };

typedef struct csv_state {
    int tool;
    char delim;
    tc_buf rec;            /* the current record's raw bytes (lines joined) */
    tc_buf cells;          /* unquoted cell bytes */
    size_t off[2 * CSV_MAX_FIELDS];
    long ncells;
    char *header;          /* header cells, NUL-separated copies */
    size_t hoff[CSV_MAX_FIELDS];
    long nhead;
    tj_doc *doc;           /* for JSON inside cells */
} csv_state;

/* ---- CSV mechanics ---- */

static char guess_delim(const char *line, size_t n)
{
    size_t c = 0, t = 0, s = 0;
    bool q = false;
    for (size_t i = 0; i < n; i++) {
        if (line[i] == '"')
            q = !q;
        else if (!q && line[i] == ',')
            c++;
        else if (!q && line[i] == '\t')
            t++;
        else if (!q && line[i] == ';')
            s++;
    }
    if (t > c && t >= s)
        return '\t';
    if (s > c)
        return ';';
    return ',';
}

/* Splits rec into cells (RFC 4180 quoting). @return the number of cells, -1 when malformed. */
static long split(const char *rec, size_t n, char delim, tc_buf *store, size_t *off, size_t max)
{
    tc_buf_reset(store);
    long k = 0;
    size_t i = 0;
    for (;;) {
        if ((size_t)k >= max)
            return -1;
        size_t start = store->len;
        if (i < n && rec[i] == '"') {
            i++;
            for (;;) {
                if (i >= n)
                    return -1; /* unterminated quote */
                if (rec[i] == '"') {
                    if (i + 1 < n && rec[i + 1] == '"') {
                        if (tc_buf_putc(store, '"'))
                            return -1;
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (tc_buf_putc(store, rec[i]))
                    return -1;
                i++;
            }
            /* anything up to the delimiter after the closing quote is kept as written */
            while (i < n && rec[i] != delim) {
                if (tc_buf_putc(store, rec[i]))
                    return -1;
                i++;
            }
        } else {
            const char *e = memchr(rec + i, delim, n - i);
            size_t l = e ? (size_t)(e - (rec + i)) : n - i;
            if (tc_buf_append(store, rec + i, l))
                return -1;
            i += l;
        }
        off[2 * k] = start;
        off[2 * k + 1] = store->len - start;
        k++;
        if (i >= n)
            return k;
        i++; /* the delimiter */
        if (i == n) {            /* a trailing delimiter: one more empty cell */
            if ((size_t)k >= max)
                return -1;
            off[2 * k] = store->len;
            off[2 * k + 1] = 0;
            return k + 1;
        }
    }
}

static bool quotes_open(const char *p, size_t n, bool open)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '"')
            open = !open;
    return open;
}

/* Reads one CSV record (joining lines while a quote is open). *got = 0 at the end. */
static tocsin_status read_record(csv_state *cs, rd_src *src, uint64_t *first_line, int *got,
                                 bool *unterminated, tocsin_error *err)
{
    tc_buf_reset(&cs->rec);
    *unterminated = false;
    bool open = false, any = false;
    for (;;) {
        const char *p;
        size_t n;
        uint64_t line;
        int g;
        tocsin_status st = rd_src_line(src, &p, &n, &line, &g, err);
        if (st)
            return st;
        if (!g) {
            *got = any;
            *unterminated = any && open;
            return TOCSIN_OK;
        }
        if (!p) { /* a line over the record cap */
            *got = 1;
            *first_line = line;
            tc_buf_reset(&cs->rec);
            *unterminated = true;
            return TOCSIN_OK;
        }
        if (!any) {
            *first_line = line;
            if (!n)
                continue; /* blank line between records */
        } else if (tc_buf_putc(&cs->rec, '\n')) {
            return tc_error_set(err, TOCSIN_ERR_LIMIT, rd_src_name(src), line, NULL,
                                "CSV record too large");
        }
        any = true;
        if (tc_buf_append(&cs->rec, p, n))
            return tc_error_set(err, TOCSIN_ERR_LIMIT, rd_src_name(src), line, NULL,
                                "CSV record too large");
        open = quotes_open(p, n, open);
        if (!open) {
            *got = 1;
            return TOCSIN_OK;
        }
    }
}

/* ---- detection ---- */

static bool header_has(const char *line, size_t n, char delim, const char *col)
{
    size_t cl = strlen(col);
    size_t i = 0;
    while (i <= n) {
        const char *e = memchr(line + i, delim, n - i);
        size_t end = e ? (size_t)(e - line) : n;
        size_t a = i, b = end;
        if (b > a && line[a] == '"' && line[b - 1] == '"') {
            a++;
            b--;
        }
        if (a + 3 <= b && (unsigned char)line[a] == 0xEF && (unsigned char)line[a + 1] == 0xBB &&
            (unsigned char)line[a + 2] == 0xBF)
            a += 3;
        if (b - a == cl && !memcmp(line + a, col, cl))
            return true;
        if (!e)
            break;
        i = end + 1;
    }
    return false;
}

static int tool_sniff(const rd_sniff *s, char *why, size_t cap, int tool)
{
    const char *nl = memchr(s->head, '\n', s->head_len);
    size_t n = nl ? (size_t)(nl - s->head) : s->head_len;
    if (n && s->head[n - 1] == '\r')
        n--;
    if (!n || s->head[0] == '{' || s->head[0] == '[' || s->head[0] == '<') {
        snprintf(why, cap, "no CSV header");
        return 0;
    }
    char d = guess_delim(s->head, n);
    static const char *const twarc_cols[] = {"id", "text", "author_id", "created_at", NULL};
    static const char *const fourcat_cols[] = {"id", "thread_id", "author", "body", "timestamp",
                                               NULL};
    const char *const *cols = tool == TOOL_TWARC ? twarc_cols : fourcat_cols;
    for (size_t i = 0; cols[i]; i++)
        if (!header_has(s->head, n, d, cols[i])) {
            snprintf(why, cap, "no %s column", cols[i]);
            return 0;
        }
    if (tool == TOOL_TWARC && !header_has(s->head, n, d, "author.username") &&
        !header_has(s->head, n, d, "referenced_tweets") &&
        !header_has(s->head, n, d, "conversation_id")) {
        snprintf(why, cap, "no twarc columns");
        return 0;
    }
    return 92;
}

static int twarc_sniff(const rd_sniff *s, char *why, size_t cap)
{
    return tool_sniff(s, why, cap, TOOL_TWARC);
}

static int fourcat_sniff(const rd_sniff *s, char *why, size_t cap)
{
    return tool_sniff(s, why, cap, TOOL_4CAT);
}

/* ---- open / next / close ---- */

static void csv_close(void *state)
{
    csv_state *cs = state;
    if (!cs)
        return;
    tc_buf_free(&cs->rec);
    tc_buf_free(&cs->cells);
    free(cs->header);
    tj_doc_free(cs->doc);
    free(cs);
}

static tocsin_status tool_open(rd_src *src, rd_out *o, void **state, tocsin_error *err, int tool)
{
    const tocsin_read_opts *opts = rd_out_opts(o);
    size_t cap = opts && opts->max_record ? opts->max_record : (size_t)16 << 20;
    csv_state *cs = calloc(1, sizeof *cs);
    if (!cs)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    cs->tool = tool;
    tc_buf_init(&cs->rec, cap);
    tc_buf_init(&cs->cells, cap);
    cs->doc = tj_doc_new();
    if (!cs->doc) {
        csv_close(cs);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    uint64_t line;
    int got;
    bool unterminated;
    tocsin_status st = read_record(cs, src, &line, &got, &unterminated, err);
    if (st) {
        csv_close(cs);
        return st;
    }
    if (!got || unterminated) {
        csv_close(cs);
        return tc_error_set(err, TOCSIN_ERR_FORMAT, rd_src_name(src), 1, NULL,
                            "no CSV header row");
    }
    const char *h = cs->rec.data;
    size_t hn = cs->rec.len;
    if (hn >= 3 && (unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB &&
        (unsigned char)h[2] == 0xBF) {
        h += 3;
        hn -= 3;
    }
    cs->delim = guess_delim(h, hn);
    cs->nhead = split(h, hn, cs->delim, &cs->cells, cs->off, CSV_MAX_FIELDS);
    if (cs->nhead <= 0) {
        csv_close(cs);
        return tc_error_set(err, TOCSIN_ERR_FORMAT, rd_src_name(src), 1, NULL,
                            "malformed CSV header row");
    }
    cs->header = malloc(cs->cells.len + (size_t)cs->nhead + 1);
    if (!cs->header) {
        csv_close(cs);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    size_t at = 0;
    for (long i = 0; i < cs->nhead; i++) {
        cs->hoff[i] = at;
        memcpy(cs->header + at, cs->cells.data + cs->off[2 * i], cs->off[2 * i + 1]);
        at += cs->off[2 * i + 1];
        cs->header[at++] = '\0';
    }
    /* A forced format skips detection: without its text column every row would become an
     * empty post, counted in the denominators. */
    bool has_text = false;
    for (long i = 0; i < cs->nhead && !has_text; i++) {
        const char *c = cs->header + cs->hoff[i];
        has_text = tool == TOOL_TWARC ? !strcmp(c, "text")
                                      : !strcmp(c, "body") || !strcmp(c, "subject");
    }
    if (!has_text) {
        csv_close(cs);
        return tc_error_set(err, TOCSIN_ERR_FORMAT, rd_src_name(src), 1, NULL,
                            "no %s column in the header: not a %s export",
                            tool == TOOL_TWARC ? "text" : "body or subject",
                            tool == TOOL_TWARC ? "twarc CSV" : "4CAT CSV");
    }
    *state = cs;
    return TOCSIN_OK;
}

static tocsin_status twarc_open(rd_src *src, rd_out *o, void **state, tocsin_error *err)
{
    return tool_open(src, o, state, err, TOOL_TWARC);
}

static tocsin_status fourcat_open(rd_src *src, rd_out *o, void **state, tocsin_error *err)
{
    return tool_open(src, o, state, err, TOOL_4CAT);
}

/* The cell of column `name` in the current row, copied into the arena ({NULL,0} when the
 * column is absent or the cell empty). */
static tocsin_strv cell(csv_state *cs, rd_out *o, const char *name)
{
    for (long i = 0; i < cs->nhead; i++) {
        if (strcmp(cs->header + cs->hoff[i], name))
            continue;
        if (i >= cs->ncells || !cs->off[2 * i + 1])
            return (tocsin_strv){NULL, 0};
        return rd_out_copy(o, cs->cells.data + cs->off[2 * i], cs->off[2 * i + 1]);
    }
    return (tocsin_strv){NULL, 0};
}

/* A cell that is a JSON string literal ("...") decoded; other cells unchanged. */
static tocsin_strv json_string_cell(csv_state *cs, rd_out *o, tocsin_strv c)
{
    if (c.len < 2 || c.ptr[0] != '"' || c.ptr[c.len - 1] != '"')
        return c;
    tj_val root;
    bool rep;
    size_t bad;
    tocsin_strv s;
    if (tj_parse(cs->doc, c.ptr, c.len, &root, &rep, &bad, NULL, 0) != TOCSIN_OK ||
        !tj_str(cs->doc, root, &s))
        return c;
    return rd_out_copy(o, s.ptr, s.len);
}

/* For each element of a JSON array cell, adds member `key` through add(). */
static tocsin_status json_list_cell(csv_state *cs, rd_out *o, tocsin_strv c, const char *key,
                                    tocsin_status (*add)(rd_out *, tocsin_strv))
{
    if (c.len < 2 || c.ptr[0] != '[')
        return TOCSIN_OK;
    tj_val root, e0;
    bool rep;
    size_t bad;
    if (tj_parse(cs->doc, c.ptr, c.len, &root, &rep, &bad, NULL, 0) != TOCSIN_OK)
        return TOCSIN_OK;
    size_t n = tj_children(cs->doc, root, &e0);
    for (size_t i = 0; i < n; i++) {
        tocsin_strv v = fu_str(cs->doc, e0 + (tj_val)i, key);
        if (!v.len)
            continue;
        tocsin_strv copy = rd_out_copy(o, v.ptr, v.len);
        if (!copy.ptr)
            return TOCSIN_ERR_NOMEM;
        tocsin_status st = add(o, copy);
        if (st)
            return st;
    }
    return TOCSIN_OK;
}

static tocsin_status map_twarc(csv_state *cs, rd_out *o, tocsin_post *p)
{
    p->id = cell(cs, o, "id");
    p->author_id = cell(cs, o, "author_id");
    p->author_name = cell(cs, o, "author.username");
    p->channel_id = cell(cs, o, "conversation_id");
    p->lang = cell(cs, o, "lang");
    p->text = fu_unescape_basic(o, json_string_cell(cs, o, cell(cs, o, "text")), false);
    if (!p->text.ptr)
        p->text = rd_out_copy(o, "", 0);
    /* referenced_tweets: [{"type": "quoted", "id": "..."}] */
    tocsin_strv refs = cell(cs, o, "referenced_tweets");
    if (refs.len > 1 && refs.ptr[0] == '[') {
        tj_val root, e0;
        bool rep;
        size_t bad;
        if (tj_parse(cs->doc, refs.ptr, refs.len, &root, &rep, &bad, NULL, 0) == TOCSIN_OK) {
            size_t n = tj_children(cs->doc, root, &e0);
            static const struct {
                const char *type;
                tocsin_kind kind;
            } order[] = {{"retweeted", TOCSIN_KIND_REPOST},
                         {"quoted", TOCSIN_KIND_QUOTE},
                         {"replied_to", TOCSIN_KIND_REPLY}};
            for (size_t k = 0; k < 3 && p->kind == TOCSIN_KIND_POST; k++)
                for (size_t i = 0; i < n; i++) {
                    tj_val e = e0 + (tj_val)i;
                    if (!tc_strv_eq_ci(fu_str(cs->doc, e, "type"), order[k].type))
                        continue;
                    tocsin_strv id = fu_id_of(cs->doc, e, "id");
                    p->kind = order[k].kind;
                    p->ref_id = rd_out_copy(o, id.ptr, id.len);
                    break;
                }
        }
    }
    tocsin_status st = json_list_cell(cs, o, cell(cs, o, "entities.urls"), "expanded_url",
                                      rd_out_url);
    if (!st)
        st = json_list_cell(cs, o, cell(cs, o, "entities.hashtags"), "tag", rd_out_hashtag);
    if (!st)
        st = json_list_cell(cs, o, cell(cs, o, "entities.mentions"), "username", rd_out_mention);
    return st;
}

static tocsin_status map_4cat(csv_state *cs, rd_out *o, tocsin_post *p)
{
    p->id = cell(cs, o, "id");
    p->author_id = cell(cs, o, "author");
    p->author_name = cell(cs, o, "author_name");
    if (!p->author_name.len)
        p->author_name = cell(cs, o, "author_username");
    if (!p->author_name.len)
        p->author_name = p->author_id;
    p->channel_id = cell(cs, o, "thread_id");
    p->channel_name = cell(cs, o, "chat");
    if (!p->channel_name.len)
        p->channel_name = cell(cs, o, "thread_title");
    tocsin_strv parts[2] = {cell(cs, o, "subject"), cell(cs, o, "body")};
    p->text = fu_join(o, parts, 2, "\n\n");
    if (!p->text.ptr)
        p->text = rd_out_copy(o, "", 0);
    tocsin_strv fwd = cell(cs, o, "author_forwarded_from_name");
    tocsin_strv reply = cell(cs, o, "reply_to");
    tocsin_strv is_reply = cell(cs, o, "is_reply");
    if (fwd.len) {
        p->kind = TOCSIN_KIND_REPOST;
    } else if (reply.len && !tc_strv_eq_ci(reply, "0") && !tc_strv_eq_ci(reply, "none")) {
        p->kind = TOCSIN_KIND_REPLY;
        p->ref_id = reply;
    } else if (tc_strv_eq_ci(is_reply, "yes") || tc_strv_eq_ci(is_reply, "true")) {
        p->kind = TOCSIN_KIND_REPLY;
    }
    return fu_urls_in_text(o, p->text);
}

static tocsin_status tool_next(void *state, rd_src *src, rd_out *o, int *got, tocsin_error *err)
{
    csv_state *cs = state;
    uint64_t line;
    bool unterminated;
    tocsin_status st = read_record(cs, src, &line, got, &unterminated, err);
    if (st || !*got)
        return st;
    rd_out_record(o, line);
    if (unterminated) {
        rd_out_skip(o, cs->rec.len ? TOCSIN_SKIP_TRUNCATED : TOCSIN_SKIP_TOO_LARGE,
                    cs->rec.len ? "the input ends inside a quoted CSV field"
                                : "CSV record over the size limit");
        return TOCSIN_OK;
    }
    cs->ncells = split(cs->rec.data, cs->rec.len, cs->delim, &cs->cells, cs->off,
                       CSV_MAX_FIELDS);
    if (cs->ncells < 0 || cs->ncells > cs->nhead) {
        rd_out_skip(o, TOCSIN_SKIP_BAD_CSV, "%s",
                    cs->ncells < 0 ? "malformed CSV row" : "more fields than the header has");
        return TOCSIN_OK;
    }
    /* time first: a bad one skips the row before a post is started */
    int64_t ts = 0;
    bool has_ts = false;
    tocsin_strv t;
    if (cs->tool == TOOL_TWARC) {
        t = cell(cs, o, "created_at");
    } else {
        t = cell(cs, o, "unix_timestamp");
        if (!t.len)
            t = cell(cs, o, "timestamp");
    }
    if (t.len) {
        if (rd_out_time(o, t.ptr, t.len, &ts) != TOCSIN_OK) {
            rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "cannot parse the time \"%.*s%s\"",
                        FU_SHOW(t));
            return TOCSIN_OK;
        }
        has_ts = true;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->ts = ts;
    p->has_ts = has_ts;
    return cs->tool == TOOL_TWARC ? map_twarc(cs, o, p) : map_4cat(cs, o, p);
}

const rd_format rd_fmt_twarc_csv = {
    .name = "twarc-csv",
    .platform = "twitter",
    .framings = RD_FRAME_BYTES,
    .sniff = twarc_sniff,
    .open = twarc_open,
    .next = tool_next,
    .close = csv_close,
};

const rd_format rd_fmt_4cat_csv = {
    .name = "4cat",
    .platform = "",
    .framings = RD_FRAME_BYTES,
    .sniff = fourcat_sniff,
    .open = fourcat_open,
    .next = tool_next,
    .close = csv_close,
};
