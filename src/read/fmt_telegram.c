/* fmt_telegram.c: Telegram Desktop "Export chat history" JSON (result.json), single-chat and
 * full-account exports. One record = one element of a `messages` array; the chat's scalar
 * members (name, type, id) arrive as the record's context.
 *
 * Field choices (FORMATS.md section 1):
 *  - time: `date_unixtime` (UTC epoch as a string of digits). `date` is the exporting machine's
 *    local time without an offset, so it is only used when date_unixtime is missing (exports
 *    before ~2021), and then read in --tz (UTC by default);
 *  - text: a string, or an array of strings and entity objects whose `text` parts are
 *    concatenated; links (`link` text, `text_link` href), hashtags and mentions come from the
 *    entity parts; a poll's question and answers follow the text;
 *  - author: `from_id`/`from`, or `actor_id`/`actor` for service messages; old exports write
 *    from_id as a bare integer;
 *  - kind: service for type "service"; repost when `forwarded_from` or `saved_from` is there (the
 *    export keeps only the original's name, so ref_id stays empty); reply when
 *    `reply_to_message_id` is there (ref_id = that id). */
#include "read/fmt_util.h"

#include <string.h>

static const char *const telegram_paths[] = {"messages", "chats.list[].messages",
                                             "left_chats.list[].messages", NULL};

static bool is_message_type(tocsin_strv t)
{
    return tc_strv_eq_ci(t, "message") || tc_strv_eq_ci(t, "service") ||
           tc_strv_eq_ci(t, "unsupported");
}

static int telegram_sniff(const rd_sniff *s, char *why, size_t cap)
{
    if (s->framing != RD_FRAME_NESTED || !s->first) {
        snprintf(why, cap, "no messages array");
        return 0;
    }
    tj_doc *d = s->doc;
    tj_val m = s->first;
    if (tj_type_of(d, m) != TJ_OBJECT) {
        snprintf(why, cap, "messages are not objects");
        return 0;
    }
    tocsin_strv type = fu_str(d, m, "type");
    if (!fu_has(d, m, "id") || !is_message_type(type)) {
        snprintf(why, cap, "messages lack id/type");
        return 0;
    }
    if (!fu_has(d, m, "date") && !fu_has(d, m, "date_unixtime")) {
        snprintf(why, cap, "messages lack date");
        return 0;
    }
    /* DiscordChatExporter also has "messages" with id/type, but "timestamp" and no "date". */
    return 95;
}

/* Appends one text part; entity parts also feed urls / hashtags / mentions. */
static tocsin_status add_part(rd_out *o, tj_doc *d, tj_val part)
{
    tocsin_strv s;
    if (tj_str(d, part, &s))
        return rd_out_cat_add(o, s.ptr, s.len);
    if (tj_type_of(d, part) != TJ_OBJECT)
        return TOCSIN_OK;
    tocsin_strv t = fu_str(d, part, "text");
    return t.len ? rd_out_cat_add(o, t.ptr, t.len) : TOCSIN_OK;
}

static tocsin_status add_entity(rd_out *o, tj_doc *d, tj_val part)
{
    if (tj_type_of(d, part) != TJ_OBJECT)
        return TOCSIN_OK;
    tocsin_strv type = fu_str(d, part, "type"), t = fu_str(d, part, "text");
    if (tc_strv_eq_ci(type, "link") && t.len)
        return rd_out_url(o, t);
    if (tc_strv_eq_ci(type, "text_link")) {
        tocsin_strv href = fu_str(d, part, "href");
        return href.len ? rd_out_url(o, href) : TOCSIN_OK;
    }
    if ((tc_strv_eq_ci(type, "hashtag") || tc_strv_eq_ci(type, "cashtag")) && t.len > 1)
        return rd_out_hashtag(o, tc_strv(t.ptr + 1, t.len - 1));
    if (tc_strv_eq_ci(type, "mention") && t.len > 1 && t.ptr[0] == '@')
        return rd_out_mention(o, tc_strv(t.ptr + 1, t.len - 1));
    return TOCSIN_OK;
}

static tocsin_status telegram_map(rd_out *o, const rd_rec *rec)
{
    tj_doc *d = rec->doc;
    tj_val m = rec->root;
    if (tj_type_of(d, m) != TJ_OBJECT) {
        rd_out_skip(o, TOCSIN_SKIP_NOT_OBJECT, "message is not a JSON object");
        return TOCSIN_OK;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->id = fu_id_of(d, m, "id");

    /* time: the UTC epoch first; the offset-less local `date` only as a fallback */
    tj_val ut = tj_get(d, m, "date_unixtime");
    tocsin_strv date = fu_str(d, m, "date");
    if (ut && fu_epoch(d, ut, &p->ts)) {
        p->has_ts = true;
    } else if (date.len) {
        if (rd_out_time(o, date.ptr, date.len, &p->ts) != TOCSIN_OK) {
            rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "date: cannot parse \"%.*s%s\"",
                        FU_SHOW(date));
            return TOCSIN_OK;
        }
        p->has_ts = true;
    } else if (ut) {
        rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "date_unixtime: not an epoch");
        return TOCSIN_OK;
    }

    tocsin_strv type = fu_str(d, m, "type");
    bool service = tc_strv_eq_ci(type, "service");
    if (service) {
        p->kind = TOCSIN_KIND_SERVICE;
        p->author_id = fu_id_of(d, m, "actor_id");
        p->author_name = fu_str(d, m, "actor");
    } else {
        p->author_id = fu_id_of(d, m, "from_id");
        p->author_name = fu_str(d, m, "from");
    }

    /* text: string or array of parts */
    tj_val text = tj_get(d, m, "text");
    if (!text)
        text = tj_get(d, m, "text_entities");
    tj_val poll = tj_get(d, m, "poll");
    tocsin_strv s;
    if (tj_str(d, text, &s) && !poll) {
        p->text = s;
    } else {
        rd_out_cat_begin(o);
        tj_val first;
        size_t n = 0;
        if (tj_str(d, text, &s)) {
            if (rd_out_cat_add(o, s.ptr, s.len))
                return TOCSIN_ERR_NOMEM;
        } else if (tj_type_of(d, text) == TJ_ARRAY) {
            n = tj_children(d, text, &first);
            for (size_t i = 0; i < n; i++)
                if (add_part(o, d, first + (tj_val)i))
                    return TOCSIN_ERR_NOMEM;
        }
        if (poll) {
            tocsin_strv q = fu_str(d, poll, "question");
            if (q.len && (rd_out_cat_add(o, "\n", 1) || rd_out_cat_add(o, q.ptr, q.len)))
                return TOCSIN_ERR_NOMEM;
            tj_val ans = tj_get(d, poll, "answers"), a0;
            size_t na = tj_children(d, ans, &a0);
            for (size_t i = 0; i < na; i++) {
                tocsin_strv at = fu_str(d, a0 + (tj_val)i, "text");
                if (at.len && (rd_out_cat_add(o, "\n", 1) || rd_out_cat_add(o, at.ptr, at.len)))
                    return TOCSIN_ERR_NOMEM;
            }
        }
        p->text = rd_out_cat_end(o);
        if (!p->text.ptr)
            p->text = rd_out_copy(o, "", 0);
        for (size_t i = 0; i < n; i++) {
            tocsin_status st = add_entity(o, d, first + (tj_val)i);
            if (st)
                return st;
        }
    }
    if (!p->text.ptr)
        p->text = rd_out_copy(o, "", 0);

    /* channel: the chat this array belongs to */
    if (rec->ctx) {
        p->channel_id = fu_id_of(rec->ctx_doc, rec->ctx, "id");
        p->channel_name = fu_str(rec->ctx_doc, rec->ctx, "name");
    }

    if (!service) {
        tj_val reply = tj_get(d, m, "reply_to_message_id");
        if (fu_has(d, m, "forwarded_from") || fu_has(d, m, "saved_from")) {
            p->kind = TOCSIN_KIND_REPOST;
        } else if (reply && tj_type_of(d, reply) != TJ_NULL) {
            p->kind = TOCSIN_KIND_REPLY;
            p->ref_id = fu_id(d, reply);
        }
    }
    return TOCSIN_OK;
}

const rd_format rd_fmt_telegram = {
    .name = "telegram",
    .platform = "telegram",
    .framings = RD_FRAME_NESTED,
    .paths = telegram_paths,
    .sniff = telegram_sniff,
    .map = telegram_map,
};
