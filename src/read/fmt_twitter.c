/* fmt_twitter.c: X/Twitter API v1.1 tweet objects (REST, streaming, PowerTrack "original
 * format"), one per line, as a JSON array, or a single pretty-printed object.
 *
 * Field choices (FORMATS.md section 3):
 *  - id: `id_str` (the numeric `id` is beyond 2^53 and was often rounded by a JavaScript
 *    round-trip); the numeric id is used, as exact digits, only when id_str is missing;
 *  - time: `created_at` ("Tue Jul 18 23:25:04 +0000 2017"), else `timestamp_ms`;
 *  - text: `extended_tweet.full_text` (compat mode), then `full_text` (extended mode), then
 *    `text`; X escapes only & < > as entities, which are decoded once;
 *  - retweets: the top-level text is "RT @user: ..." truncated, so the text (and its urls,
 *    hashtags, mentions) comes from `retweeted_status`, with the same priority; the post keeps
 *    the retweet's own id, time and author, kind repost, ref_id = the original's id;
 *  - kind: repost > quote (`quoted_status_id_str` / `quoted_status`) > reply
 *    (`in_reply_to_status_id_str`): one ref_id per post, and a quote carries someone else's
 *    content the way a retweet does;
 *  - author: `user.id_str`, name = `user.screen_name` (the handle);
 *  - channel: the tag of the first `matching_rules[]` entry when a collection rule tagged it;
 *  - urls/hashtags/mentions: the entities of the object the text came from
 *    (`extended_tweet.entities` for extended text).
 * Stream lines that are not tweets ({"delete":...}, {"limit":...}) are skipped as no-text. */
#include "read/fmt_util.h"

#include <string.h>

static int twitter_sniff(const rd_sniff *s, char *why, size_t cap)
{
    static const char *const keys[] = {"created_at", "user", NULL};
    if (!(s->framing & (RD_FRAME_LINES | RD_FRAME_ARRAY | RD_FRAME_DOC)) || !s->first) {
        snprintf(why, cap, "no JSON record");
        return 0;
    }
    tj_doc *d = s->doc;
    tj_val t = s->first;
    if (tj_type_of(d, t) != TJ_OBJECT || fu_count_keys(d, t, keys) < 2 ||
        (!fu_has(d, t, "id_str") && !fu_has(d, t, "id"))) {
        fu_why_missing(d, t, (const char *const[]){"id_str", "created_at", "user", NULL}, why,
                       cap);
        return 0;
    }
    if (!fu_has(d, t, "text") && !fu_has(d, t, "full_text") && !fu_has(d, t, "extended_tweet")) {
        snprintf(why, cap, "no text/full_text");
        return 0;
    }
    if (tj_type_of(d, tj_get(d, t, "user")) != TJ_OBJECT) {
        snprintf(why, cap, "user is not an object");
        return 0;
    }
    return 95;
}

/* The text of one tweet object and the object its entities belong to. */
static tocsin_strv tweet_text(tj_doc *d, tj_val tw, tj_val *ent_owner)
{
    tj_val ext = tj_get(d, tw, "extended_tweet");
    tocsin_strv s = fu_str(d, ext, "full_text");
    if (s.ptr) {
        *ent_owner = ext;
        return s;
    }
    *ent_owner = tw;
    s = fu_str(d, tw, "full_text");
    if (s.ptr)
        return s;
    return fu_str(d, tw, "text");
}

static tocsin_strv tweet_id(tj_doc *d, tj_val tw)
{
    tocsin_strv id = fu_str(d, tw, "id_str");
    return id.len ? id : fu_id_of(d, tw, "id");
}

static tocsin_status twitter_map(rd_out *o, const rd_rec *rec)
{
    tj_doc *d = rec->doc;
    tj_val tw = rec->root;
    if (tj_type_of(d, tw) != TJ_OBJECT) {
        rd_out_skip(o, TOCSIN_SKIP_NOT_OBJECT, "record is not a JSON object");
        return TOCSIN_OK;
    }
    if (!fu_has(d, tw, "user") || !fu_has(d, tw, "created_at")) {
        tj_val first;
        size_t n = tj_children(d, tw, &first);
        tocsin_strv key = n ? tj_key(d, first) : (tocsin_strv){"", 0};
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "not a tweet (a \"%.*s%s\" notice)",
                    FU_SHOW(key));
        return TOCSIN_OK;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->id = tweet_id(d, tw);
    tocsin_strv ca = fu_str(d, tw, "created_at");
    tj_val tms = tj_get(d, tw, "timestamp_ms");
    if (ca.len) {
        if (rd_out_time(o, ca.ptr, ca.len, &p->ts) != TOCSIN_OK &&
            !(tms && fu_epoch(d, tms, &p->ts))) {
            rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "created_at: cannot parse \"%.*s%s\"",
                        FU_SHOW(ca));
            return TOCSIN_OK;
        }
        p->has_ts = true;
    } else if (tms && fu_epoch(d, tms, &p->ts)) {
        p->has_ts = true;
    }
    p->author_id = fu_pstr(d, tw, "user.id_str");
    if (!p->author_id.len)
        p->author_id = fu_id(d, tj_path(d, tw, "user.id"));
    p->author_name = fu_pstr(d, tw, "user.screen_name");
    p->lang = fu_str(d, tw, "lang");
    tj_val rules = tj_get(d, tw, "matching_rules"), r0;
    if (tj_children(d, rules, &r0)) {
        p->channel_name = fu_str(d, r0, "tag");
        p->channel_id = p->channel_name;
    }

    tj_val rt = tj_get(d, tw, "retweeted_status");
    tj_val src = (rt && tj_type_of(d, rt) == TJ_OBJECT) ? rt : tw;
    tj_val owner;
    tocsin_strv text = tweet_text(d, src, &owner);
    if (!text.ptr) {
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "tweet has no text");
        return TOCSIN_OK;
    }
    p->text = fu_unescape_basic(o, text, false);
    if (!p->text.ptr)
        return TOCSIN_ERR_NOMEM;
    tocsin_status st = fu_entities(o, d, tj_get(d, owner, "entities"), &fu_x_v1_entities);
    if (st)
        return st;

    tocsin_strv q = fu_str(d, tw, "quoted_status_id_str");
    if (!q.len)
        q = tweet_id(d, tj_get(d, tw, "quoted_status"));
    tocsin_strv r = fu_str(d, tw, "in_reply_to_status_id_str");
    if (!r.len)
        r = fu_id_of(d, tw, "in_reply_to_status_id");
    if (src == rt) {
        p->kind = TOCSIN_KIND_REPOST;
        p->ref_id = tweet_id(d, rt);
    } else if (q.len) {
        p->kind = TOCSIN_KIND_QUOTE;
        p->ref_id = q;
    } else if (r.len) {
        p->kind = TOCSIN_KIND_REPLY;
        p->ref_id = r;
    }
    return TOCSIN_OK;
}

const rd_format rd_fmt_twitter = {
    .name = "twitter",
    .platform = "twitter",
    .framings = RD_FRAME_LINES | RD_FRAME_ARRAY | RD_FRAME_DOC,
    .sniff = twitter_sniff,
    .map = twitter_map,
};
