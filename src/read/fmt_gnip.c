/* fmt_gnip.c: X/Twitter in Gnip Activity Streams (historic PowerTrack, Historical and Search
 * APIs): one activity per line.
 *
 * Field choices (FORMATS.md section 3b):
 *  - id: the suffix of "tag:search.twitter.com,2005:867468138991964160" after the last ':';
 *  - time: `postedTime` (ISO-8601, UTC);
 *  - author: suffix of `actor.id` ("id:twitter.com:815279070241955840"), name =
 *    `actor.preferredUsername` (the handle);
 *  - text: `long_object.body`, else `body`; a share (retweet, verb "share") takes the original
 *    activity's text from `object` (its long_object.body, else body), because the share's own
 *    body is "RT @x: ..." truncated;
 *  - kind: repost for verb "share" (ref_id = object.id suffix) > quote (`twitter_quoted_status`)
 *    > reply (`inReplyTo.link`, whose last path segment is the id);
 *  - lang: `twitter_lang`, else `gnip.language.value`;
 *  - urls: `gnip.urls[].expanded_url`, else `twitter_entities.urls[].expanded_url`; hashtags and
 *    mentions from `twitter_entities` (of `object` for shares). */
#include "read/fmt_util.h"

#include <string.h>

static int gnip_sniff(const rd_sniff *s, char *why, size_t cap)
{
    static const char *const keys[] = {"verb", "postedTime", "actor", NULL};
    if (!(s->framing & (RD_FRAME_LINES | RD_FRAME_ARRAY)) || !s->first) {
        snprintf(why, cap, "not JSON Lines or an array");
        return 0;
    }
    if (fu_count_keys(s->doc, s->first, keys) < 3) {
        fu_why_missing(s->doc, s->first, keys, why, cap);
        return 0;
    }
    return 95;
}

static tocsin_strv after_last(tocsin_strv s, char c)
{
    if (!s.ptr)
        return s;
    for (size_t i = s.len; i > 0; i--)
        if (s.ptr[i - 1] == c)
            return tc_strv(s.ptr + i, s.len - i);
    return s;
}

/* urls: gnip.urls[].expanded_url (unwound), else those of twitter_entities (expanded_url
 * only); hashtags and mentions from twitter_entities (v1.1 entities). */
static tocsin_status add_entities(rd_out *o, tj_doc *d, tj_val act)
{
    size_t added;
    tocsin_status st = fu_entity_list(o, d, tj_path(d, act, "gnip.urls"), "expanded_url", NULL,
                                      rd_out_url, &added);
    if (st)
        return st;
    fu_entity_keys k = fu_x_v1_entities;
    k.url_fallback = NULL;
    if (added)
        k.urls = NULL;
    return fu_entities(o, d, tj_get(d, act, "twitter_entities"), &k);
}

static tocsin_strv activity_text(tj_doc *d, tj_val act)
{
    tocsin_strv s = fu_pstr(d, act, "long_object.body");
    return s.ptr ? s : fu_str(d, act, "body");
}

static tocsin_status gnip_map(rd_out *o, const rd_rec *rec)
{
    tj_doc *d = rec->doc;
    tj_val a = rec->root;
    if (tj_type_of(d, a) != TJ_OBJECT) {
        rd_out_skip(o, TOCSIN_SKIP_NOT_OBJECT, "record is not a JSON object");
        return TOCSIN_OK;
    }
    if (!fu_has(d, a, "verb") || !fu_has(d, a, "postedTime")) {
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "not an activity (no verb/postedTime)");
        return TOCSIN_OK;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->id = after_last(fu_str(d, a, "id"), ':');
    tocsin_strv pt = fu_str(d, a, "postedTime");
    if (rd_out_time(o, pt.ptr, pt.len, &p->ts) != TOCSIN_OK) {
        rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "postedTime: cannot parse \"%.*s%s\"",
                    FU_SHOW(pt));
        return TOCSIN_OK;
    }
    p->has_ts = true;
    p->author_id = after_last(fu_pstr(d, a, "actor.id"), ':');
    p->author_name = fu_pstr(d, a, "actor.preferredUsername");
    p->lang = fu_str(d, a, "twitter_lang");
    if (!p->lang.len)
        p->lang = fu_pstr(d, a, "gnip.language.value");
    tj_val rules = tj_path(d, a, "gnip.matching_rules"), r0;
    if (tj_children(d, rules, &r0)) {
        p->channel_name = fu_str(d, r0, "tag");
        p->channel_id = p->channel_name;
    }

    bool share = tc_strv_eq_ci(fu_str(d, a, "verb"), "share");
    tj_val obj = tj_get(d, a, "object");
    tj_val src = (share && tj_type_of(d, obj) == TJ_OBJECT) ? obj : a;
    tocsin_strv text = activity_text(d, src);
    if (!text.ptr) {
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "activity has no body");
        return TOCSIN_OK;
    }
    p->text = fu_unescape_basic(o, text, false);
    if (!p->text.ptr)
        return TOCSIN_ERR_NOMEM;
    tocsin_status st = add_entities(o, d, src);
    if (st)
        return st;

    tocsin_strv q = after_last(fu_pstr(d, a, "twitter_quoted_status.id"), ':');
    tocsin_strv r = after_last(fu_pstr(d, a, "inReplyTo.link"), '/');
    if (share && src == obj) {
        p->kind = TOCSIN_KIND_REPOST;
        p->ref_id = after_last(fu_str(d, obj, "id"), ':');
    } else if (q.len) {
        p->kind = TOCSIN_KIND_QUOTE;
        p->ref_id = q;
    } else if (r.len) {
        p->kind = TOCSIN_KIND_REPLY;
        p->ref_id = r;
    }
    return TOCSIN_OK;
}

const rd_format rd_fmt_gnip = {
    .name = "gnip",
    .platform = "twitter",
    .framings = RD_FRAME_LINES | RD_FRAME_ARRAY,
    .sniff = gnip_sniff,
    .map = gnip_map,
};
