/* fmt_mastodon.c: Mastodon REST API statuses (and servers speaking the same API): a timeline
 * array, one status per line, or a single status document.
 *
 * Field choices (FORMATS.md section 8):
 *  - id `id` (instance-local snowflake, a string), time `created_at`;
 *  - author `account.id`, name `account.acct` (user, or user@host for remote accounts);
 *  - text: `spoiler_text` (the content warning, plain), a blank line, then `content` turned
 *    from HTML to text, then a poll's option titles, one per line; a quote's fallback paragraph (<p class="quote-inline">RE: link</p>) is
 *    dropped since the quote is recorded as ref_id;
 *  - boosts: the outer `content` is "" and `reblog` holds the boosted status: the text, urls,
 *    hashtags and mentions come from it, the post keeps the boost's own id, time and account,
 *    kind repost, ref_id = reblog.id;
 *  - quotes: `quote.quoted_status.id` (Mastodon >= 4.5) or `quote.id`: kind quote;
 *  - replies: `in_reply_to_id`: kind reply;
 *  - lang: `language` (a hint only: often wrong);
 *  - urls: links in content that are not mentions or hashtags, then `card.url` when not already
 *    there; hashtags `tags[].name`; mentions `mentions[].acct`. */
#include "read/fmt_util.h"

#include <string.h>

static const char *const status_keys[] = {"id", "created_at", "account", "content", NULL};

static int mastodon_sniff(const rd_sniff *s, char *why, size_t cap)
{
    if (!(s->framing & (RD_FRAME_ARRAY | RD_FRAME_LINES | RD_FRAME_DOC)) || !s->first) {
        snprintf(why, cap, "no JSON record");
        return 0;
    }
    if (fu_count_keys(s->doc, s->first, status_keys) < 4) {
        fu_why_missing(s->doc, s->first, status_keys, why, cap);
        return 0;
    }
    return 95;
}

/* Removes <p class="quote-inline">...</p> paragraphs from HTML (arena copy when found). */
static tocsin_strv drop_quote_inline(rd_out *o, tocsin_strv h)
{
    static const char mark[] = "<p class=\"quote-inline\">";
    const size_t ml = sizeof mark - 1;
    if (!h.ptr || h.len < ml)
        return h;
    const char *hit = memmem(h.ptr, h.len, mark, ml);
    if (!hit)
        return h;
    const char *end = memmem(hit, (size_t)(h.ptr + h.len - hit), "</p>", 4);
    if (!end)
        return h;
    end += 4;
    rd_out_cat_begin(o);
    if (rd_out_cat_add(o, h.ptr, (size_t)(hit - h.ptr)) ||
        rd_out_cat_add(o, end, (size_t)(h.ptr + h.len - end)))
        return h;
    tocsin_strv r = rd_out_cat_end(o);
    return r.ptr ? r : h;
}

static tocsin_status map_status(rd_out *o, tj_doc *d, tj_val st_obj)
{
    static const char *const skip_classes[] = {"mention", "hashtag", NULL};
    tocsin_strv ca = fu_str(d, st_obj, "created_at");
    int64_t ts = 0;
    if (ca.len && rd_out_time(o, ca.ptr, ca.len, &ts) != TOCSIN_OK) {
        rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "created_at: cannot parse \"%.*s%s\"",
                    FU_SHOW(ca));
        return TOCSIN_OK;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->id = fu_id_of(d, st_obj, "id");
    p->ts = ts;
    p->has_ts = ca.len > 0;
    p->author_id = fu_id(d, tj_path(d, st_obj, "account.id"));
    p->author_name = fu_pstr(d, st_obj, "account.acct");
    p->lang = fu_str(d, st_obj, "language");

    tj_val reblog = tj_get(d, st_obj, "reblog");
    tj_val src = st_obj;
    tj_val quote = tj_get(d, st_obj, "quote");
    tocsin_strv qid = fu_id(d, tj_path(d, quote, "quoted_status.id"));
    if (!qid.len)
        qid = fu_id_of(d, quote, "id");
    tj_val irt = tj_get(d, st_obj, "in_reply_to_id");
    if (reblog && tj_type_of(d, reblog) == TJ_OBJECT) {
        p->kind = TOCSIN_KIND_REPOST;
        p->ref_id = fu_id_of(d, reblog, "id");
        src = reblog;
        if (!p->lang.len)
            p->lang = fu_str(d, reblog, "language");
    } else if (qid.len) {
        p->kind = TOCSIN_KIND_QUOTE;
        p->ref_id = qid;
    } else if (irt && tj_type_of(d, irt) != TJ_NULL) {
        p->kind = TOCSIN_KIND_REPLY;
        p->ref_id = fu_id(d, irt);
    }

    tocsin_strv html = fu_str(d, src, "content");
    if (qid.len)
        html = drop_quote_inline(o, html);
    tocsin_strv body;
    tocsin_status st = fu_html_text(o, html, &body);
    if (st)
        return st;
    tocsin_strv parts[2] = {fu_str(d, src, "spoiler_text"), body};
    p->text = fu_join(o, parts, 2, "\n\n");
    if (!p->text.ptr)
        p->text = rd_out_copy(o, "", 0);
    /* a poll's options are part of what readers see: one per line after the text */
    tj_val opt0;
    size_t nopt = tj_children(d, tj_path(d, src, "poll.options"), &opt0);
    if (nopt) {
        rd_out_cat_begin(o);
        if (rd_out_cat_add(o, p->text.ptr, p->text.len))
            return TOCSIN_ERR_NOMEM;
        for (size_t i = 0; i < nopt; i++) {
            tocsin_strv t = fu_str(d, opt0 + (tj_val)i, "title");
            if (t.len && (rd_out_cat_add(o, "\n", 1) || rd_out_cat_add(o, t.ptr, t.len)))
                return TOCSIN_ERR_NOMEM;
        }
        tocsin_strv all = rd_out_cat_end(o);
        if (!all.ptr)
            return TOCSIN_ERR_NOMEM;
        p->text = all;
    }

    st = fu_html_links(o, html, skip_classes);
    if (st)
        return st;
    tocsin_strv card = fu_pstr(d, src, "card.url");
    if (card.len) {
        /* the card usually previews a link of the content: add it only when it is new */
        bool dup = html.ptr && memmem(html.ptr, html.len, card.ptr, card.len);
        if (!dup && rd_out_url(o, card))
            return TOCSIN_ERR_NOMEM;
    }
    st = fu_entity_list(o, d, tj_get(d, src, "tags"), "name", NULL, rd_out_hashtag, NULL);
    if (st)
        return st;
    return fu_entity_list(o, d, tj_get(d, src, "mentions"), "acct", NULL, rd_out_mention, NULL);
}

static tocsin_status mastodon_map(rd_out *o, const rd_rec *rec)
{
    tj_doc *d = rec->doc;
    tj_val v = rec->root;
    if (tj_type_of(d, v) == TJ_ARRAY) { /* a timeline page on one line */
        tj_val s0;
        size_t n = tj_children(d, v, &s0);
        for (size_t i = 0; i < n; i++) {
            tocsin_status st = map_status(o, d, s0 + (tj_val)i);
            if (st)
                return st;
        }
        return TOCSIN_OK;
    }
    if (tj_type_of(d, v) != TJ_OBJECT) {
        rd_out_skip(o, TOCSIN_SKIP_NOT_OBJECT, "record is not a JSON object");
        return TOCSIN_OK;
    }
    if (fu_count_keys(d, v, status_keys) < 4) {
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "not a status (no id/created_at/account/content)");
        return TOCSIN_OK;
    }
    return map_status(o, d, v);
}

const rd_format rd_fmt_mastodon = {
    .name = "mastodon",
    .platform = "mastodon",
    .framings = RD_FRAME_ARRAY | RD_FRAME_LINES | RD_FRAME_DOC,
    .sniff = mastodon_sniff,
    .map = mastodon_map,
};
