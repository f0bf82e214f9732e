/* fmt_reddit.c: Reddit, two formats sharing one mapping of a comment / submission object:
 *   - "pushshift": Pushshift and Arctic Shift dumps (RC_* comments, RS_* submissions), one
 *     object per line, often .zst with a 2 GiB window (the reader's zstd input handles it);
 *   - "reddit": Reddit JSON API responses: a Listing ({"kind": "Listing", "data": {"children":
 *     [{"kind": "t1"|"t3"|"more", "data": {...}}]}}), a comment page (an array of two
 *     listings: the submission, then the comment tree, where `replies` is "" or a Listing),
 *     one response per line, one document, or the elements of a top-level array.
 *
 * Field choices (FORMATS.md sections 5 and 6):
 *  - id: the fullname ("t1_<id>" comment, "t3_<id>" submission; `name` when present), so ids
 *    of comments and submissions never collide and parent_id / link_id refer to them directly;
 *  - time: `created_utc` (number, float, or string in 2007-2015 dumps); never `created`, which
 *    is not UTC in API responses;
 *  - author: the username (`author`) as both id and name: it is stable and unique, present in
 *    every year (author_fullname is not); "[deleted]" leaves author_id empty and keeps the name;
 *  - text: comment `body`; submission `title`, a blank line, then `selftext` when not empty;
 *    "&amp; &lt; &gt;" (HTML-escaped markdown of old dumps and non-raw_json API calls) decoded;
 *  - channel: `subreddit_id` ("t5_..."), name `subreddit`;
 *  - kind: comment = reply (ref_id = parent_id); submission = post, or repost when it is a
 *    crosspost (ref_id = crosspost_parent);
 *  - urls: a link submission's `url`, then URLs in the text. */
#include "read/fmt_util.h"

#include <string.h>

/* ---- one thing (comment or submission) ---- */

static bool thing_is_comment(tj_doc *d, tj_val t, tocsin_strv kind)
{
    if (kind.len)
        return tc_strv_eq_ci(kind, "t1");
    return fu_has(d, t, "body") && !fu_has(d, t, "title");
}

/* Maps one comment or submission object (`kind` = "t1"/"t3" when known from the API). */
static tocsin_status map_thing(rd_out *o, tj_doc *d, tj_val t, tocsin_strv kind, bool own_record)
{
    tj_val cu = tj_get(d, t, "created_utc");
    int64_t ts;
    if (!cu || !fu_epoch(d, cu, &ts)) {
        if (own_record)
            rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "created_utc: missing or not an epoch");
        else
            rd_out_warn(o, "a Reddit item without a valid created_utc was skipped");
        return TOCSIN_OK;
    }
    bool comment = thing_is_comment(d, t, kind);
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->ts = ts;
    p->has_ts = true;
    tocsin_strv name = fu_str(d, t, "name"), id = fu_id_of(d, t, "id");
    if (name.len > 3 && name.ptr[2] == '_') {
        p->id = name;
    } else if (id.len) {
        rd_out_cat_begin(o);
        if (rd_out_cat_add(o, comment ? "t1_" : "t3_", 3) || rd_out_cat_add(o, id.ptr, id.len))
            return TOCSIN_ERR_NOMEM;
        p->id = rd_out_cat_end(o);
    }
    tocsin_strv author = fu_str(d, t, "author");
    p->author_name = author;
    if (author.len && !tc_strv_eq_ci(author, "[deleted]"))
        p->author_id = author;
    p->channel_id = fu_str(d, t, "subreddit_id");
    p->channel_name = fu_str(d, t, "subreddit");

    tocsin_strv url = {NULL, 0};
    if (comment) {
        p->text = fu_unescape_basic(o, fu_str(d, t, "body"), false);
        p->kind = TOCSIN_KIND_REPLY;
        p->ref_id = fu_str(d, t, "parent_id");
        if (!p->ref_id.len) {
            p->ref_id = fu_str(d, t, "link_id");
            if (!p->ref_id.len)
                p->kind = TOCSIN_KIND_POST;
        }
    } else {
        tocsin_strv parts[2] = {fu_str(d, t, "title"), fu_str(d, t, "selftext")};
        parts[0] = fu_unescape_basic(o, parts[0], false);
        parts[1] = fu_unescape_basic(o, parts[1], false);
        p->text = fu_join(o, parts, 2, "\n\n");
        tocsin_strv cp = fu_str(d, t, "crosspost_parent");
        if (cp.len) {
            p->kind = TOCSIN_KIND_REPOST;
            p->ref_id = cp;
        }
        bool is_self = false;
        tj_bool(d, tj_get(d, t, "is_self"), &is_self);
        if (!is_self) {
            url = fu_unescape_basic(o, fu_str(d, t, "url"), false);
            if (url.len && rd_out_url(o, url))
                return TOCSIN_ERR_NOMEM;
        }
    }
    if (!p->text.ptr)
        p->text = rd_out_copy(o, "", 0);
    return fu_urls_in_text(o, p->text);
}

/* ---- pushshift: one object per line ---- */

static const char *const ps_keys[] = {"subreddit", "created_utc", "id", NULL};

static int pushshift_sniff(const rd_sniff *s, char *why, size_t cap)
{
    if (s->framing != RD_FRAME_LINES || !s->first) {
        snprintf(why, cap, "not JSON Lines");
        return 0;
    }
    tj_doc *d = s->doc;
    tj_val t = s->first;
    if (fu_count_keys(d, t, ps_keys) < 3) {
        fu_why_missing(d, t, ps_keys, why, cap);
        return 0;
    }
    if (!fu_has(d, t, "body") && !fu_has(d, t, "title")) {
        snprintf(why, cap, "no body/title");
        return 0;
    }
    return 90;
}

static tocsin_status pushshift_map(rd_out *o, const rd_rec *rec)
{
    if (tj_type_of(rec->doc, rec->root) != TJ_OBJECT) {
        rd_out_skip(o, TOCSIN_SKIP_NOT_OBJECT, "line is not a JSON object");
        return TOCSIN_OK;
    }
    if (!fu_has(rec->doc, rec->root, "body") && !fu_has(rec->doc, rec->root, "title")) {
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "no \"body\" or \"title\"");
        return TOCSIN_OK;
    }
    return map_thing(o, rec->doc, rec->root, (tocsin_strv){NULL, 0}, true);
}

const rd_format rd_fmt_pushshift = {
    .name = "pushshift",
    .platform = "reddit",
    .framings = RD_FRAME_LINES,
    .sniff = pushshift_sniff,
    .map = pushshift_map,
};

/* ---- reddit: API listings and comment trees ---- */

static bool is_listing(tj_doc *d, tj_val v)
{
    return tc_strv_eq_ci(fu_str(d, v, "kind"), "Listing") &&
           tj_type_of(d, tj_get(d, v, "data")) == TJ_OBJECT;
}

static bool is_thing(tj_doc *d, tj_val v)
{
    tocsin_strv k = fu_str(d, v, "kind");
    return k.len == 2 && k.ptr[0] == 't' && tj_type_of(d, tj_get(d, v, "data")) == TJ_OBJECT;
}

static int reddit_sniff(const rd_sniff *s, char *why, size_t cap)
{
    if (!(s->framing & (RD_FRAME_DOC | RD_FRAME_LINES | RD_FRAME_ARRAY)) || !s->first) {
        snprintf(why, cap, "no JSON document");
        return 0;
    }
    tj_doc *d = s->doc;
    tj_val v = s->first, first;
    bool array_line = false;
    if (tj_type_of(d, v) == TJ_ARRAY && tj_children(d, v, &first)) {
        v = first;
        array_line = s->framing == RD_FRAME_LINES; /* a one-line array: better read as an array */
    }
    if (is_listing(d, v) || is_thing(d, v))
        return array_line ? 70 : 95;
    snprintf(why, cap, "no Listing envelope");
    return 0;
}

/* Walks a Listing / thing / array of them, depth first in document order. Each call goes at
 * least one JSON level deeper, and the JSON parser refuses documents nested deeper than 1024
 * levels, so WALK_MAX_DEPTH is not reached by anything the parser accepts; it stays as a bound
 * on the recursion, with a warning, should the parser's limit change. (It was 200, about 66
 * reply levels: deeper comments of long threads were dropped without a word.) */
#define WALK_MAX_DEPTH 1100

static tocsin_status walk(rd_out *o, tj_doc *d, tj_val v, int depth)
{
    if (depth > WALK_MAX_DEPTH) {
        rd_out_warn(o, "Reddit listing nested deeper than %d levels: the comments below are "
                       "not read", WALK_MAX_DEPTH);
        return TOCSIN_OK;
    }
    tj_val c0;
    size_t n;
    if (tj_type_of(d, v) == TJ_ARRAY) {
        n = tj_children(d, v, &c0);
        for (size_t i = 0; i < n; i++) {
            tocsin_status st = walk(o, d, c0 + (tj_val)i, depth + 1);
            if (st)
                return st;
        }
        return TOCSIN_OK;
    }
    if (is_listing(d, v))
        return walk(o, d, tj_path(d, v, "data.children"), depth + 1);
    if (!is_thing(d, v))
        return TOCSIN_OK;
    tocsin_strv kind = fu_str(d, v, "kind");
    tj_val data = tj_get(d, v, "data");
    if (!tc_strv_eq_ci(kind, "t1") && !tc_strv_eq_ci(kind, "t3"))
        return TOCSIN_OK; /* "more" stubs hold only ids; t2/t5 are not posts */
    tocsin_status st = map_thing(o, d, data, kind, false);
    if (st)
        return st;
    tj_val replies = tj_get(d, data, "replies");
    if (replies && tj_type_of(d, replies) == TJ_OBJECT)
        return walk(o, d, replies, depth + 1);
    return TOCSIN_OK;
}

static tocsin_status reddit_map(rd_out *o, const rd_rec *rec)
{
    tj_doc *d = rec->doc;
    tj_val v = rec->root;
    /* arrays of listings (a comment page) are walked as they are */
    if (tj_type_of(d, v) != TJ_ARRAY && !is_listing(d, v) && !is_thing(d, v)) {
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "not a Reddit Listing");
        return TOCSIN_OK;
    }
    return walk(o, d, v, 0);
}

const rd_format rd_fmt_reddit = {
    .name = "reddit",
    .platform = "reddit",
    .framings = RD_FRAME_DOC | RD_FRAME_LINES | RD_FRAME_ARRAY,
    .sniff = reddit_sniff,
    .map = reddit_map,
};
