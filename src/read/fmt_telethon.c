/* fmt_telethon.c: Telegram messages as Telethon-based scrapers write them: one
 * `Message.to_dict()` object per line ({"_": "Message", "id", "peer_id", "date", "message",
 * "from_id", "fwd_from", "reply_to", "entities"...}), e.g. TeleScope.
 *
 * Field choices (FORMATS.md section 2):
 *  - time: `date`, a UTC datetime before serialisation; tools write it as ISO-8601 with an
 *    offset (to_json), without one ("2024-01-25 16:13:00.000000", UTC implied: TeleScope) or as
 *    an epoch number (4CAT). Without an offset it is taken as UTC, not as --tz, because
 *    Telethon's datetimes are always UTC;
 *  - author: `from_id.user_id` / `.channel_id` / `.chat_id`; a channel posting as itself has
 *    from_id null: then the channel (`peer_id`) is the author;
 *  - channel: `peer_id.channel_id` / `.chat_id` / `.user_id` (bare ids);
 *  - entities' offsets and lengths count UTF-16 code units: converted before slicing the
 *    UTF-8 text for urls, hashtags and mentions;
 *  - kind: repost when `fwd_from` is set (ref_id = fwd_from.channel_post when known), else
 *    reply when `reply_to.reply_to_msg_id` is set;
 *  - service messages ("_": "MessageService") become kind service.
 * 4CAT's Telegram dumps (Message.__dict__ per line: "_type" instead of "_", epoch-float dates,
 * resolved `_chat` and `_sender` objects, `_forward`) are read by the same mapping, with the chat
 * title / username as channel name and the sender's username as author name (from 4CAT's source
 * as FORMATS.md describes it; no real 4CAT dump was available to check against).
 * Appended scrapes repeat lines; they are read as they are (de-duplication is the store's job). */
#include "read/fmt_util.h"

#include <string.h>

/* Telethon's to_dict() names the class in "_"; 4CAT's Message.__dict__ dumps in "_type". */
static tocsin_strv msg_type(tj_doc *d, tj_val m)
{
    tocsin_strv t = fu_str(d, m, "_");
    return t.len ? t : fu_str(d, m, "_type");
}

static int telethon_sniff(const rd_sniff *s, char *why, size_t cap)
{
    if (s->framing != RD_FRAME_LINES || !s->first) {
        snprintf(why, cap, "not JSON Lines");
        return 0;
    }
    tj_doc *d = s->doc;
    tocsin_strv t = msg_type(d, s->first);
    if (!tc_strv_eq_ci(t, "Message") && !tc_strv_eq_ci(t, "MessageService")) {
        snprintf(why, cap, "no \"_\":\"Message\"");
        return 0;
    }
    if ((!fu_has(d, s->first, "peer_id") && !fu_has(d, s->first, "_chat")) ||
        !fu_has(d, s->first, "date")) {
        snprintf(why, cap, "no peer_id/date");
        return 0;
    }
    return 95;
}

/* The id inside a Peer object ({"_": "PeerUser", "user_id": 1}), or a bare id. */
static tocsin_strv peer_id(tj_doc *d, tj_val peer)
{
    static const char *const keys[] = {"user_id", "channel_id", "chat_id", NULL};
    if (!peer)
        return (tocsin_strv){NULL, 0};
    if (tj_type_of(d, peer) != TJ_OBJECT)
        return fu_id(d, peer);
    for (size_t i = 0; keys[i]; i++) {
        tocsin_strv v = fu_id_of(d, peer, keys[i]);
        if (v.len)
            return v;
    }
    return (tocsin_strv){NULL, 0};
}

/* Byte offset in t of the UTF-16 code unit offset u (clamped to the text). */
static size_t utf16_to_byte(tocsin_strv t, int64_t u)
{
    size_t b = 0;
    int64_t units = 0;
    while (b < t.len && units < u) {
        uint32_t cp;
        size_t l = tc_utf8_decode((const unsigned char *)t.ptr + b, t.len - b, &cp);
        units += cp >= 0x10000 ? 2 : 1;
        b += l;
    }
    return b;
}

static tocsin_status add_entities(rd_out *o, tj_doc *d, tj_val ents, tocsin_strv text)
{
    tj_val e0;
    size_t n = tj_children(d, ents, &e0);
    for (size_t i = 0; i < n; i++) {
        tj_val e = e0 + (tj_val)i;
        tocsin_strv type = fu_str(d, e, "_");
        int64_t off, len;
        if (!tj_int(d, tj_get(d, e, "offset"), &off) || !tj_int(d, tj_get(d, e, "length"), &len) ||
            off < 0 || len <= 0)
            continue;
        size_t a = utf16_to_byte(text, off), b = utf16_to_byte(text, off + len);
        tocsin_strv span = tc_strv(text.ptr + a, b - a);
        tocsin_status st = TOCSIN_OK;
        if (tc_strv_eq_ci(type, "MessageEntityUrl")) {
            st = rd_out_url(o, span);
        } else if (tc_strv_eq_ci(type, "MessageEntityTextUrl")) {
            tocsin_strv url = fu_str(d, e, "url");
            if (url.len)
                st = rd_out_url(o, url);
        } else if (tc_strv_eq_ci(type, "MessageEntityHashtag") ||
                   tc_strv_eq_ci(type, "MessageEntityCashtag")) {
            if (span.len > 1)
                st = rd_out_hashtag(o, tc_strv(span.ptr + 1, span.len - 1));
        } else if (tc_strv_eq_ci(type, "MessageEntityMention")) {
            if (span.len > 1 && span.ptr[0] == '@')
                st = rd_out_mention(o, tc_strv(span.ptr + 1, span.len - 1));
        }
        if (st)
            return st;
    }
    return TOCSIN_OK;
}

static tocsin_status telethon_map(rd_out *o, const rd_rec *rec)
{
    tj_doc *d = rec->doc;
    tj_val m = rec->root;
    if (tj_type_of(d, m) != TJ_OBJECT) {
        rd_out_skip(o, TOCSIN_SKIP_NOT_OBJECT, "line is not a JSON object");
        return TOCSIN_OK;
    }
    tocsin_strv t = msg_type(d, m);
    if (!tc_strv_eq_ci(t, "Message") && !tc_strv_eq_ci(t, "MessageService")) {
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "not a Telethon Message object");
        return TOCSIN_OK;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->id = fu_id_of(d, m, "id");
    tj_val dv = tj_get(d, m, "date");
    tocsin_strv ds;
    bool has_off;
    if (fu_epoch(d, dv, &p->ts)) {
        p->has_ts = true;
    } else if (tj_str(d, dv, &ds) && rd_time_parse_utc(ds.ptr, ds.len, &p->ts, &has_off)) {
        p->has_ts = true; /* Telethon datetimes are UTC even when the offset was dropped */
    } else if (dv && tj_type_of(d, dv) != TJ_NULL) {
        rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "date: cannot parse");
        return TOCSIN_OK;
    }
    p->channel_id = peer_id(d, tj_get(d, m, "peer_id"));
    p->author_id = peer_id(d, tj_get(d, m, "from_id"));
    p->author_name = fu_str(d, m, "post_author");
    /* 4CAT's dumps add the resolved chat and sender objects */
    tj_val chat = tj_get(d, m, "_chat"), sender = tj_get(d, m, "_sender");
    if (!p->channel_id.len)
        p->channel_id = fu_id_of(d, chat, "id");
    p->channel_name = fu_str(d, chat, "title");
    if (!p->channel_name.len)
        p->channel_name = fu_str(d, chat, "username");
    if (!p->author_id.len)
        p->author_id = fu_id_of(d, sender, "id");
    if (!p->author_name.len)
        p->author_name = fu_str(d, sender, "username");
    if (!p->author_id.len)
        p->author_id = p->channel_id;

    p->text = fu_str(d, m, "message");
    if (!p->text.ptr)
        p->text = rd_out_copy(o, "", 0);
    tocsin_status st = add_entities(o, d, tj_get(d, m, "entities"), p->text);
    if (st)
        return st;

    if (tc_strv_eq_ci(t, "MessageService")) {
        p->kind = TOCSIN_KIND_SERVICE;
        return TOCSIN_OK;
    }
    tj_val fwd = tj_get(d, m, "fwd_from");
    if (!fwd || tj_type_of(d, fwd) != TJ_OBJECT)
        fwd = tj_get(d, m, "_forward");
    tj_val reply = tj_path(d, m, "reply_to.reply_to_msg_id");
    if (!reply)
        reply = tj_get(d, m, "reply_to_msg_id");
    if (fwd && tj_type_of(d, fwd) == TJ_OBJECT) {
        p->kind = TOCSIN_KIND_REPOST;
        p->ref_id = fu_id_of(d, fwd, "channel_post");
    } else if (reply && tj_type_of(d, reply) != TJ_NULL) {
        p->kind = TOCSIN_KIND_REPLY;
        p->ref_id = fu_id(d, reply);
    }
    return TOCSIN_OK;
}

const rd_format rd_fmt_telethon = {
    .name = "telethon",
    .platform = "telegram",
    .framings = RD_FRAME_LINES,
    .sniff = telethon_sniff,
    .map = telethon_map,
};
