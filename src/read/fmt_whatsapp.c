/* fmt_whatsapp.c: WhatsApp "Export chat" .txt files.
 *
 * Line styles (FORMATS.md section 12):
 *   Android  "12/9/20, 23:55 - Name: text"   (also "12/9/20, 11:55 PM - ...", "09.12.20, 23:55 - ")
 *   iOS      "[09.12.20, 23:55:10] Name: text" (also "[12/9/20, 11:55:10 PM] Name: text")
 * A line that does not start with a date continues the previous message (multi-line messages).
 * A line whose text has no "Name: " is a system message (kind service, no author). U+200E marks
 * and the U+202F / NBSP before AM/PM are tolerated. 12-hour clocks: "AM", "a.m.", "p. m."
 * (Spanish); with a marker the hour is 1-12 (12 a.m. = 00), without one 0-23.
 *
 * Choices: there are no ids, so the id is the 1-based line number where the message starts; the
 * channel (id and name) is the file's base name without ".txt" (exports are one chat per file,
 * named after the chat); times have no zone and are read in --tz (UTC by default). Whether
 * dates are M/D/Y or D/M/Y is decided once per file: a first field above 12 proves D/M, a
 * second field above 12 proves M/D; dotted dates default to D.M, slashed ones to M/D (US
 * Android). The whole file is read first (exports are small) so that this can be decided before
 * the first message is returned. */
#include "read/fmt_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define WA_MAX_BYTES ((size_t)512 << 20)

typedef struct wa_stamp {
    int a, b, y;        /* the three date fields as written */
    int h, mi, s;
    size_t text_at;     /* offset in the line where "Name: text" starts */
} wa_stamp;

typedef struct wa_state {
    char *buf;
    size_t len, pos;
    uint64_t line;      /* number of the line at pos */
    bool dmy;
    tocsin_strv channel;
    char *channel_mem;
} wa_state;

static size_t skip_marks(const char *p, size_t n, size_t i)
{
    for (;;) {
        if (i + 3 <= n && (unsigned char)p[i] == 0xE2 && (unsigned char)p[i + 1] == 0x80 &&
            ((unsigned char)p[i + 2] == 0x8E || (unsigned char)p[i + 2] == 0x8F)) {
            i += 3; /* U+200E / U+200F */
        } else if (i + 3 <= n && (unsigned char)p[i] == 0xEF && (unsigned char)p[i + 1] == 0xBB &&
                   (unsigned char)p[i + 2] == 0xBF) {
            i += 3; /* BOM */
        } else {
            return i;
        }
    }
}

static bool num(const char *p, size_t n, size_t *i, int maxd, int *out)
{
    int v = 0, d = 0;
    while (*i < n && d < maxd && isdigit((unsigned char)p[*i])) {
        v = v * 10 + (p[*i] - '0');
        (*i)++;
        d++;
    }
    *out = v;
    return d > 0;
}

/* Spaces, NBSP (C2 A0) or NNBSP (E2 80 AF). */
static size_t skip_spaces(const char *p, size_t n, size_t i)
{
    for (;;) {
        if (i < n && p[i] == ' ')
            i++;
        else if (i + 2 <= n && (unsigned char)p[i] == 0xC2 && (unsigned char)p[i + 1] == 0xA0)
            i += 2;
        else if (i + 3 <= n && (unsigned char)p[i] == 0xE2 && (unsigned char)p[i + 1] == 0x80 &&
                 (unsigned char)p[i + 2] == 0xAF)
            i += 3;
        else
            return i;
    }
}

/* The 12-hour marker at j: "AM"/"PM", "a.m."/"p.m." and, as Spanish and other locales write
 * it, "a. m."/"p. m." (the space may be NBSP or U+202F; the last period may be missing), in
 * either case. @return the offset after it, 0 when there is none; *pm says which. */
static size_t ampm(const char *p, size_t n, size_t j, bool *pm)
{
    if (j >= n)
        return 0;
    int c = tolower((unsigned char)p[j]);
    if (c != 'a' && c != 'p')
        return 0;
    *pm = c == 'p';
    size_t i = j + 1;
    bool dotted = i < n && p[i] == '.';
    if (dotted)
        i = skip_spaces(p, n, i + 1);
    if (i >= n || tolower((unsigned char)p[i]) != 'm')
        return 0;
    i++;
    if (dotted && i < n && p[i] == '.')
        i++;
    if (i < n && isalpha((unsigned char)p[i]))
        return 0; /* a word, not a marker */
    return i;
}

/* Parses the timestamp prefix of a line. @return false when the line does not start with one. */
static bool parse_stamp(const char *p, size_t n, wa_stamp *st)
{
    size_t i = skip_marks(p, n, 0);
    bool ios = i < n && p[i] == '[';
    if (ios)
        i++;
    char sep;
    if (!num(p, n, &i, 4, &st->a) || i >= n || (p[i] != '/' && p[i] != '.' && p[i] != '-'))
        return false;
    sep = p[i++];
    if (!num(p, n, &i, 2, &st->b) || i >= n || p[i] != sep)
        return false;
    i++;
    size_t y0 = i;
    if (!num(p, n, &i, 4, &st->y))
        return false;
    if (i - y0 == 2)
        st->y += 2000;
    else if (i - y0 != 4)
        return false;
    if (st->a > 31 && sep == '-') { /* ISO-like "2020-12-09" */
        int y = st->a;
        st->a = st->b;
        st->b = st->y;
        st->y = y;
    }
    if (i < n && p[i] == ',')
        i++;
    i = skip_spaces(p, n, i);
    if (!num(p, n, &i, 2, &st->h) || i >= n || p[i] != ':')
        return false;
    i++;
    if (!num(p, n, &i, 2, &st->mi))
        return false;
    st->s = 0;
    if (i < n && p[i] == ':') {
        i++;
        if (!num(p, n, &i, 2, &st->s))
            return false;
    }
    bool pm;
    size_t e = ampm(p, n, skip_spaces(p, n, i), &pm);
    if (e) { /* a 12-hour clock: 12 a.m. is 00, 12 p.m. is 12, and no hour 0 or 13+ */
        if (st->h < 1 || st->h > 12)
            return false;
        st->h = st->h % 12 + (pm ? 12 : 0);
        i = e;
    }
    if (st->h > 23 || st->mi > 59 || st->s > 60)
        return false;
    if (ios) {
        if (i >= n || p[i] != ']')
            return false;
        i++;
        if (i < n && p[i] == ' ')
            i++;
    } else {
        if (i + 3 > n || memcmp(p + i, " - ", 3))
            return false;
        i += 3;
    }
    st->text_at = skip_marks(p, n, i);
    return true;
}

/* The next line of the buffer from *pos: sets *p and *n (without "\r\n") and advances. */
static bool take_line(const wa_state *w, size_t *pos, const char **p, size_t *n)
{
    if (*pos >= w->len)
        return false;
    const char *s = w->buf + *pos;
    const char *nl = memchr(s, '\n', w->len - *pos);
    size_t l = nl ? (size_t)(nl - s) : w->len - *pos;
    *pos += l + (nl ? 1 : 0);
    if (l && s[l - 1] == '\r')
        l--;
    *p = s;
    *n = l;
    return true;
}

static int wa_sniff(const rd_sniff *s, char *why, size_t cap)
{
    /* Two of the first five non-empty lines must carry a timestamp; the first must. */
    size_t pos = 0;
    int lines = 0, stamped = 0;
    wa_state w = {.buf = (char *)s->head, .len = s->head_len};
    const char *p;
    size_t n;
    while (lines < 5 && take_line(&w, &pos, &p, &n)) {
        if (!n)
            continue;
        if (pos >= s->head_len && !s->head_complete)
            break; /* a cut line */
        wa_stamp st;
        bool ok = parse_stamp(p, n, &st);
        if (lines == 0 && !ok) {
            snprintf(why, cap, "line 1 has no chat timestamp");
            return 0;
        }
        stamped += ok;
        lines++;
    }
    if (!lines || stamped < (lines >= 2 ? 2 : 1)) {
        snprintf(why, cap, "too few chat timestamps");
        return 0;
    }
    return 90;
}

static tocsin_status wa_open(rd_src *src, rd_out *o, void **state, tocsin_error *err)
{
    (void)o;
    tc_buf b;
    tc_buf_init(&b, WA_MAX_BYTES);
    for (;;) {
        if (tc_buf_reserve(&b, 65536) != TOCSIN_OK) {
            tc_buf_free(&b);
            return tc_error_set(err, TOCSIN_ERR_LIMIT, rd_src_name(src), 0, NULL,
                                "chat export larger than %zu MiB", WA_MAX_BYTES >> 20);
        }
        ssize_t n = rd_src_read(src, b.data + b.len, b.alloc - b.len - 1, err);
        if (n < 0) {
            tc_buf_free(&b);
            return err ? err->code : TOCSIN_ERR_IO;
        }
        if (n == 0)
            break;
        b.len += (size_t)n;
    }
    wa_state *w = calloc(1, sizeof *w);
    if (!w) {
        tc_buf_free(&b);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    w->buf = b.data;
    w->len = b.len;
    w->line = 1;
    /* decide the date order from every stamped line */
    bool seen_dmy = false, seen_mdy = false, dotted = false;
    size_t pos = 0;
    const char *p;
    size_t n;
    while (take_line(w, &pos, &p, &n)) {
        wa_stamp st;
        if (!parse_stamp(p, n, &st))
            continue;
        if (memchr(p, '.', n < 12 ? n : 12) && !memchr(p, '/', n < 12 ? n : 12))
            dotted = true;
        if (st.a > 12)
            seen_dmy = true;
        if (st.b > 12)
            seen_mdy = true;
    }
    w->dmy = seen_dmy || (!seen_mdy && dotted);
    /* the channel: the file's base name without .txt */
    const char *name = rd_src_name(src);
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t bl = strlen(base);
    if (bl > 4 && !strcasecmp(base + bl - 4, ".txt"))
        bl -= 4;
    if (strcmp(name, "-") != 0) {
        w->channel_mem = tc_strndup(base, bl);
        if (w->channel_mem)
            w->channel = tc_strv(w->channel_mem, bl);
    }
    *state = w;
    return TOCSIN_OK;
}

static tocsin_status wa_next(void *state, rd_src *src, rd_out *o, int *got, tocsin_error *err)
{
    (void)src;
    (void)err;
    wa_state *w = state;
    const char *p;
    size_t n;
    wa_stamp st;
    /* find the next stamped line */
    for (;;) {
        if (!take_line(w, &w->pos, &p, &n)) {
            *got = 0;
            return TOCSIN_OK;
        }
        uint64_t line = w->line++;
        if (parse_stamp(p, n, &st)) {
            rd_out_record(o, line);
            break;
        }
        if (n) {
            rd_out_record(o, line);
            rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "line without a timestamp before the first "
                                                "message");
            *got = 1;
            return TOCSIN_OK;
        }
    }
    *got = 1;
    uint64_t start_line = w->line - 1;
    /* the message: the rest of this line plus continuation lines */
    rd_out_cat_begin(o);
    if (rd_out_cat_add(o, p + st.text_at, n - st.text_at))
        return TOCSIN_ERR_NOMEM;
    for (;;) {
        size_t save = w->pos;
        const char *q;
        size_t qn;
        wa_stamp s2;
        if (!take_line(w, &w->pos, &q, &qn))
            break;
        if (parse_stamp(q, qn, &s2)) {
            w->pos = save;
            break;
        }
        w->line++;
        if (rd_out_cat_add(o, "\n", 1) || rd_out_cat_add(o, q, qn))
            return TOCSIN_ERR_NOMEM;
    }
    tocsin_strv all = rd_out_cat_end(o);
    if (!all.ptr)
        return TOCSIN_ERR_NOMEM;
    /* "Name: text" or a system message */
    tocsin_strv author = {NULL, 0}, text = all;
    size_t lim = all.len < 80 ? all.len : 80;
    const char *colon = NULL;
    for (size_t i = 0; i + 1 < lim; i++)
        if (all.ptr[i] == ':' && all.ptr[i + 1] == ' ') {
            colon = all.ptr + i;
            break;
        }
    if (colon && !memchr(all.ptr, '\n', (size_t)(colon - all.ptr))) {
        author = tc_strv(all.ptr, (size_t)(colon - all.ptr));
        size_t k = (size_t)(colon - all.ptr) + 2;
        k = skip_marks(all.ptr, all.len, k);
        text = tc_strv(all.ptr + k, all.len - k);
    }
    int day = w->dmy ? st.a : st.b, mon = w->dmy ? st.b : st.a;
    char iso[32];
    int il = snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d", st.y, mon, day, st.h,
                      st.mi, st.s);
    int64_t ts;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 ||
        rd_out_time(o, iso, (size_t)il, &ts) != TOCSIN_OK) {
        rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "not a valid date: %s", iso);
        return TOCSIN_OK;
    }
    tocsin_post *post = rd_out_post(o);
    if (!post)
        return TOCSIN_ERR_NOMEM;
    char idbuf[24];
    int idl = snprintf(idbuf, sizeof idbuf, "%llu", (unsigned long long)start_line);
    post->id = rd_out_copy(o, idbuf, (size_t)idl);
    post->ts = ts;
    post->has_ts = true;
    post->text = text;
    post->author_id = author;
    post->author_name = author;
    post->channel_id = w->channel;
    post->channel_name = w->channel;
    if (!author.len)
        post->kind = TOCSIN_KIND_SERVICE;
    return fu_urls_in_text(o, text);
}

static void wa_close(void *state)
{
    wa_state *w = state;
    if (!w)
        return;
    free(w->buf);
    free(w->channel_mem);
    free(w);
}

const rd_format rd_fmt_whatsapp = {
    .name = "whatsapp",
    .platform = "whatsapp",
    .framings = RD_FRAME_BYTES,
    .sniff = wa_sniff,
    .open = wa_open,
    .next = wa_next,
    .close = wa_close,
};
