/* fmt_twitter_v2.c: X/Twitter API v2 as research tools (twarc2...) save it: one response page
 * per line ({"data": [...], "includes": {...}, "meta", "errors", "__twarc"}), filtered-stream
 * lines (`data` is one object, plus `matching_rules`), and twarc2-flattened lines (one tweet per
 * line with `author` inlined).
 *
 * Field choices (FORMATS.md section 4):
 *  - id `id`, time `created_at`, lang `lang`, channel = `conversation_id` (the thread), its name
 *    the tag of the first matching rule when there is one;
 *  - author: `author_id`, name = the `username` of that id in `includes.users` (or the inlined
 *    `author.username` of flattened lines);
 *  - text: `note_tweet.text` (long posts), else `text`; & < > decoded once. A retweet's text is
 *    "RT @x: ..." truncated, so it is replaced by the full text of the retweeted tweet from
 *    `includes.tweets` (or the inlined referenced tweet) when present; when the original is not
 *    included (deleted, protected) the truncated text is kept and a warning says so;
 *  - kind: from `referenced_tweets[].type`: retweeted > quoted > replied_to (one ref_id);
 *  - urls `entities.urls[].expanded_url` (else `url`), hashtags `entities.hashtags[].tag`,
 *    mentions `entities.mentions[].username`, from the object the text came from.
 * Ids are strings in v2; `matching_rules[].id` is a bare number beyond 2^53 and is not used. */
#include "read/fmt_util.h"

#include <string.h>

static bool looks_like_tweet(tj_doc *d, tj_val t)
{
    return tj_type_of(d, t) == TJ_OBJECT && fu_has(d, t, "id") && fu_has(d, t, "text");
}

static int twv2_sniff(const rd_sniff *s, char *why, size_t cap)
{
    if (!(s->framing & (RD_FRAME_LINES | RD_FRAME_DOC)) || !s->first) {
        snprintf(why, cap, "no JSON record");
        return 0;
    }
    tj_doc *d = s->doc;
    tj_val r = s->first;
    tj_val data = tj_get(d, r, "data");
    if (data) {
        tj_val t = data, first;
        if (tj_type_of(d, data) == TJ_ARRAY)
            t = tj_children(d, data, &first) ? first : 0;
        if (t && looks_like_tweet(d, t) && !fu_has(d, t, "kind"))
            return 95;
        if (!t && (fu_has(d, r, "meta") || fu_has(d, r, "includes")))
            return 60; /* an empty page */
        snprintf(why, cap, "data holds no tweets");
        return 0;
    }
    if (looks_like_tweet(d, r) && fu_has(d, r, "author_id") && fu_has(d, r, "created_at"))
        return 90; /* twarc2 flattened */
    snprintf(why, cap, "no data, not a flat tweet");
    return 0;
}

/* The element of array `arr` whose "id" equals id (0 when none). */
static tj_val find_by_id(tj_doc *d, tj_val arr, tocsin_strv id)
{
    tj_val e0;
    size_t n = tj_children(d, arr, &e0);
    for (size_t i = 0; i < n && id.len; i++) {
        tocsin_strv v = fu_str(d, e0 + (tj_val)i, "id");
        if (v.len == id.len && !memcmp(v.ptr, id.ptr, id.len))
            return e0 + (tj_val)i;
    }
    return 0;
}

static tocsin_strv tweet_text(tj_doc *d, tj_val t, tj_val *ent_owner)
{
    tj_val note = tj_get(d, t, "note_tweet");
    tocsin_strv s = fu_str(d, note, "text");
    if (s.ptr) {
        *ent_owner = note;
        return s;
    }
    *ent_owner = t;
    return fu_str(d, t, "text");
}

/* Maps one tweet object. `includes` may be 0 (flattened lines carry what they need inline). */
static tocsin_status map_tweet(rd_out *o, tj_doc *d, tj_val t, tj_val includes, tj_val root)
{
    if (!looks_like_tweet(d, t)) {
        rd_out_warn(o, "a \"data\" element is not a tweet (no id/text): skipped");
        return TOCSIN_OK;
    }
    /* The time is checked before the post starts: one bad tweet of a page must not drop the
     * page's other tweets (rd_out_skip would). */
    tocsin_strv ca = fu_str(d, t, "created_at");
    int64_t ts = 0;
    if (ca.len && rd_out_time(o, ca.ptr, ca.len, &ts) != TOCSIN_OK) {
        tocsin_strv id = fu_id_of(d, t, "id");
        rd_out_warn(o, "tweet %.*s%s: created_at: cannot parse \"%.*s%s\"; tweet skipped",
                    FU_SHOW(id), FU_SHOW(ca));
        return TOCSIN_OK;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->id = fu_id_of(d, t, "id");
    p->ts = ts;
    p->has_ts = ca.len > 0;
    p->author_id = fu_id_of(d, t, "author_id");
    p->author_name = fu_pstr(d, t, "author.username");
    if (!p->author_name.len && includes) {
        tj_val u = find_by_id(d, tj_get(d, includes, "users"), p->author_id);
        p->author_name = fu_str(d, u, "username");
    }
    p->lang = fu_str(d, t, "lang");
    p->channel_id = fu_id_of(d, t, "conversation_id");
    tj_val rules = tj_get(d, root, "matching_rules"), r0;
    if (tj_children(d, rules, &r0)) {
        tocsin_strv tag = fu_str(d, r0, "tag");
        if (tag.len)
            p->channel_name = tag;
    }

    /* kind and the referenced tweet */
    tj_val refs = tj_get(d, t, "referenced_tweets"), e0;
    size_t n = tj_children(d, refs, &e0);
    tocsin_strv rt_id = {NULL, 0}, q_id = {NULL, 0}, r_id = {NULL, 0};
    tj_val rt_inline = 0;
    for (size_t i = 0; i < n; i++) {
        tj_val e = e0 + (tj_val)i;
        tocsin_strv type = fu_str(d, e, "type"), id = fu_id_of(d, e, "id");
        if (tc_strv_eq_ci(type, "retweeted") && !rt_id.len) {
            rt_id = id;
            if (fu_has(d, e, "text"))
                rt_inline = e; /* twarc2 flattened: the referenced tweet is inlined */
        } else if (tc_strv_eq_ci(type, "quoted") && !q_id.len) {
            q_id = id;
        } else if (tc_strv_eq_ci(type, "replied_to") && !r_id.len) {
            r_id = id;
        }
    }
    tj_val src = t;
    if (rt_id.len) {
        p->kind = TOCSIN_KIND_REPOST;
        p->ref_id = rt_id;
        tj_val orig = rt_inline ? rt_inline
                                : find_by_id(d, tj_get(d, includes, "tweets"), rt_id);
        if (orig)
            src = orig;
        else
            rd_out_warn(o, "retweet %.*s%s: the original %.*s%s is not in includes.tweets; "
                           "keeping the truncated \"RT\" text",
                        FU_SHOW(p->id), FU_SHOW(rt_id));
    } else if (q_id.len) {
        p->kind = TOCSIN_KIND_QUOTE;
        p->ref_id = q_id;
    } else if (r_id.len) {
        p->kind = TOCSIN_KIND_REPLY;
        p->ref_id = r_id;
    }
    tj_val owner;
    tocsin_strv text = tweet_text(d, src, &owner);
    if (!text.ptr)
        text = tweet_text(d, t, &owner);
    p->text = fu_unescape_basic(o, text, false);
    if (!p->text.ptr)
        return TOCSIN_ERR_NOMEM;
    return fu_entities(o, d, tj_get(d, owner, "entities"), &fu_x_v2_entities);
}

static tocsin_status twv2_map(rd_out *o, const rd_rec *rec)
{
    tj_doc *d = rec->doc;
    tj_val r = rec->root;
    if (tj_type_of(d, r) != TJ_OBJECT) {
        rd_out_skip(o, TOCSIN_SKIP_NOT_OBJECT, "record is not a JSON object");
        return TOCSIN_OK;
    }
    tj_val data = tj_get(d, r, "data");
    tj_val includes = tj_get(d, r, "includes");
    if (!data) {
        if (looks_like_tweet(d, r))
            return map_tweet(o, d, r, 0, r);
        if (fu_has(d, r, "errors") || fu_has(d, r, "meta"))
            return TOCSIN_OK; /* a page with only errors / no results: no posts */
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "no \"data\" member");
        return TOCSIN_OK;
    }
    if (tj_type_of(d, data) == TJ_OBJECT)
        return map_tweet(o, d, data, includes, r);
    tj_val t0;
    size_t n = tj_children(d, data, &t0);
    for (size_t i = 0; i < n; i++) {
        tocsin_status st = map_tweet(o, d, t0 + (tj_val)i, includes, r);
        if (st)
            return st;
    }
    return TOCSIN_OK;
}

const rd_format rd_fmt_twitter_v2 = {
    .name = "twitter-v2",
    .platform = "twitter",
    .framings = RD_FRAME_LINES | RD_FRAME_DOC,
    .sniff = twv2_sniff,
    .map = twv2_map,
};
