/* fmt_fourchan.c: 4chan read-only API threads ({"posts": [OP, reply...]}, from
 * a.4cdn.org/{board}/thread/{no}.json), one thread per document or per line.
 *
 * Field choices (FORMATS.md section 7):
 *  - id `no`; time `time` (UTC epoch; `now` is US Eastern local time and is not used);
 *  - text: the OP's subject `sub`, a blank line, then `com` turned from HTML to text (<br> as
 *    newlines, <wbr> removed so long URLs come out whole, entities decoded, greentext kept as
 *    ">text"); raw newlines in `com` are HTML whitespace, not line breaks;
 *  - author: name `name` ("Anonymous"); author_id = the per-thread poster `id` when the board
 *    shows one, else the tripcode `trip`, else empty (4chan has no stable user id);
 *  - channel: the thread (the OP's `no`), named by the OP's `sub` (or `semantic_url`); the board
 *    is not in the JSON;
 *  - kind: OP = post; a reply = reply, ref_id = the first in-thread quote link (">>123",
 *    href "#p123") in `com`, else the thread (`resto`);
 *  - urls: the href of links in `com` that are not quote links. */
#include "read/fmt_util.h"

#include <string.h>

static int fourchan_sniff(const rd_sniff *s, char *why, size_t cap)
{
    if (!(s->framing & (RD_FRAME_DOC | RD_FRAME_LINES)) || !s->first) {
        snprintf(why, cap, "no JSON document");
        return 0;
    }
    tj_doc *d = s->doc;
    tj_val posts = tj_get(d, s->first, "posts"), p0;
    if (tj_type_of(d, posts) != TJ_ARRAY || !tj_children(d, posts, &p0)) {
        snprintf(why, cap, "no posts array");
        return 0;
    }
    if (!fu_has(d, p0, "no") || !fu_has(d, p0, "time") || !fu_has(d, p0, "resto")) {
        snprintf(why, cap, "posts lack no/time/resto");
        return 0;
    }
    return 95;
}

/* The first in-thread quote link "#p123" in HTML, as the id digits (view into h). */
static tocsin_strv first_quotelink(tocsin_strv h)
{
    for (size_t i = 0; h.ptr && i + 8 < h.len; i++) {
        if (memcmp(h.ptr + i, "href=\"#p", 8))
            continue;
        size_t j = i + 8;
        while (j < h.len && h.ptr[j] >= '0' && h.ptr[j] <= '9')
            j++;
        if (j > i + 8)
            return tc_strv(h.ptr + i + 8, j - i - 8);
    }
    return (tocsin_strv){NULL, 0};
}

/* `com` marks line breaks with <br>; a raw newline in it (pretty-printed copies) is HTML
 * whitespace: dropped after a tag, a space elsewhere. */
static tocsin_strv html_newlines(rd_out *o, tocsin_strv h)
{
    if (!h.ptr || !memchr(h.ptr, '\n', h.len))
        return h;
    rd_out_cat_begin(o);
    size_t start = 0;
    for (size_t i = 0; i < h.len; i++) {
        if (h.ptr[i] != '\n')
            continue;
        if (rd_out_cat_add(o, h.ptr + start, i - start))
            return h;
        if (!(i > 0 && h.ptr[i - 1] == '>') && rd_out_cat_add(o, " ", 1))
            return h;
        start = i + 1;
    }
    if (rd_out_cat_add(o, h.ptr + start, h.len - start))
        return h;
    tocsin_strv r = rd_out_cat_end(o);
    return r.ptr ? r : h;
}

static tocsin_status fourchan_map(rd_out *o, const rd_rec *rec)
{
    static const char *const skip_classes[] = {"quotelink", NULL};
    tj_doc *d = rec->doc;
    tj_val posts = tj_get(d, rec->root, "posts"), p0;
    size_t n = tj_children(d, posts, &p0);
    if (tj_type_of(d, posts) != TJ_ARRAY) {
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "no posts array");
        return TOCSIN_OK;
    }
    tocsin_strv thread = {NULL, 0}, thread_name = {NULL, 0};
    for (size_t i = 0; i < n; i++) {
        tj_val q = p0 + (tj_val)i;
        int64_t resto = -1;
        tj_int(d, tj_get(d, q, "resto"), &resto);
        if (resto == 0) {
            thread = fu_id_of(d, q, "no");
            thread_name = fu_unescape_basic(o, fu_str(d, q, "sub"), true);
            if (!thread_name.len)
                thread_name = fu_str(d, q, "semantic_url");
            break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        tj_val q = p0 + (tj_val)i;
        int64_t ts;
        if (!fu_epoch(d, tj_get(d, q, "time"), &ts)) {
            rd_out_warn(o, "post %zu of the thread has no valid \"time\": skipped", i + 1);
            continue;
        }
        tocsin_post *p = rd_out_post(o);
        if (!p)
            return TOCSIN_ERR_NOMEM;
        p->ts = ts;
        p->has_ts = true;
        p->id = fu_id_of(d, q, "no");
        p->author_name = fu_unescape_basic(o, fu_str(d, q, "name"), true);
        p->author_id = fu_str(d, q, "id");
        if (!p->author_id.len)
            p->author_id = fu_str(d, q, "trip");
        int64_t resto = 0;
        tj_int(d, tj_get(d, q, "resto"), &resto);
        tocsin_strv resto_s = fu_id_of(d, q, "resto");
        p->channel_id = resto ? resto_s : p->id;
        if (thread.len && p->channel_id.len == thread.len &&
            !memcmp(p->channel_id.ptr, thread.ptr, thread.len))
            p->channel_name = thread_name;

        tocsin_strv com = fu_str(d, q, "com"), body;
        tocsin_status st = fu_html_text(o, html_newlines(o, com), &body);
        if (st)
            return st;
        tocsin_strv parts[2] = {fu_unescape_basic(o, fu_str(d, q, "sub"), true), body};
        p->text = fu_join(o, parts, 2, "\n\n");
        if (!p->text.ptr)
            p->text = rd_out_copy(o, "", 0);
        if (resto) {
            p->kind = TOCSIN_KIND_REPLY;
            tocsin_strv ql = first_quotelink(com);
            p->ref_id = ql.len ? ql : resto_s;
        }
        st = fu_html_links(o, com, skip_classes);
        if (st)
            return st;
    }
    return TOCSIN_OK;
}

const rd_format rd_fmt_fourchan = {
    .name = "4chan",
    .platform = "4chan",
    .framings = RD_FRAME_DOC | RD_FRAME_LINES,
    .sniff = fourchan_sniff,
    .map = fourchan_map,
};
