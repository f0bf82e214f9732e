/* fmt_discord.c: DiscordChatExporter (DCE) JSON exports: {guild, channel, dateRange,
 * messages: [...], messageCount}, one channel per file.
 *
 * Field choices (FORMATS.md section 9):
 *  - id `id` (a snowflake string); time `timestamp`, an ISO-8601 time with the exporting
 *    machine's offset ("2018-05-20T16:09:44.209+00:00"): the offset is applied;
 *  - author `author.id`, name `author.nickname` (the name shown in the server), else
 *    `author.name`;
 *  - channel `channel.id`, name `channel.name`;
 *  - text `content` (DCE already rendered mentions and emoji to text);
 *  - kind: `type` Default / Reply are messages (reply when `reference.messageId` is set, whatever
 *    the type says); every other type (GuildMemberJoin, ChannelNameChange, Call, pins...) is a
 *    service message; `forwardedMessage` (newer DCE) makes a repost;
 *  - urls: URLs in the text, then `embeds[].url`; mentions `mentions[].name`.
 *
 * Framing: the whole document (RD_FRAME_DOC, up to --max-record bytes) so that the guild and
 * channel objects, which precede `messages`, are at hand. Exports larger than that are read
 * message by message (RD_FRAME_NESTED): the reader's context keeps only scalar members, so
 * those posts have no channel and a warning says so once per file. */
#include "read/fmt_util.h"

#include <string.h>

static const char *const discord_paths[] = {"messages", NULL};
static const char *const msg_keys[] = {"id", "timestamp", "author", "content", NULL};

static int discord_sniff(const rd_sniff *s, char *why, size_t cap)
{
    tj_doc *d = s->doc;
    tj_val m = 0, m0;
    if (s->framing == RD_FRAME_DOC && s->first) {
        tj_val msgs = tj_get(d, s->first, "messages");
        if (!fu_has(d, s->first, "channel") || tj_type_of(d, msgs) != TJ_ARRAY) {
            snprintf(why, cap, "no channel + messages");
            return 0;
        }
        if (!tj_children(d, msgs, &m0))
            return 80; /* an empty export */
        m = m0;
    } else if (s->framing == RD_FRAME_NESTED && s->first) {
        m = s->first;
    } else {
        snprintf(why, cap, "no messages array");
        return 0;
    }
    if (fu_count_keys(d, m, msg_keys) < 4) {
        fu_why_missing(d, m, msg_keys, why, cap);
        return 0;
    }
    return s->framing == RD_FRAME_DOC ? 95 : 85;
}

static bool is_message_type(tocsin_strv t)
{
    return !t.len || tc_strv_eq_ci(t, "Default") || tc_strv_eq_ci(t, "Reply") ||
           tc_strv_eq_ci(t, "ThreadStarterMessage");
}

static tocsin_status map_message(rd_out *o, tj_doc *d, tj_val m, tj_doc *cd, tj_val channel)
{
    tocsin_strv ts_s = fu_str(d, m, "timestamp");
    int64_t ts = 0;
    if (ts_s.len && rd_out_time(o, ts_s.ptr, ts_s.len, &ts) != TOCSIN_OK) {
        tocsin_strv id = fu_id_of(d, m, "id");
        rd_out_warn(o, "message %.*s%s: timestamp: cannot parse \"%.*s%s\"; skipped", FU_SHOW(id),
                    FU_SHOW(ts_s));
        return TOCSIN_OK;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->id = fu_id_of(d, m, "id");
    p->ts = ts;
    p->has_ts = ts_s.len > 0;
    p->author_id = fu_id(d, tj_path(d, m, "author.id"));
    p->author_name = fu_pstr(d, m, "author.nickname");
    if (!p->author_name.len)
        p->author_name = fu_pstr(d, m, "author.name");
    if (channel) {
        p->channel_id = fu_id_of(cd, channel, "id");
        p->channel_name = fu_str(cd, channel, "name");
    }
    p->text = fu_str(d, m, "content");
    if (!p->text.ptr)
        p->text = rd_out_copy(o, "", 0);

    tocsin_strv type = fu_str(d, m, "type");
    tocsin_strv ref = fu_id(d, tj_path(d, m, "reference.messageId"));
    if (!is_message_type(type)) {
        p->kind = TOCSIN_KIND_SERVICE;
    } else if (fu_has(d, m, "forwardedMessage")) {
        p->kind = TOCSIN_KIND_REPOST;
        p->ref_id = ref;
    } else if (ref.len) {
        p->kind = TOCSIN_KIND_REPLY;
        p->ref_id = ref;
    }
    tocsin_status st = fu_urls_in_text(o, p->text);
    if (st)
        return st;
    st = fu_entity_list(o, d, tj_get(d, m, "embeds"), "url", NULL, rd_out_url, NULL);
    if (st)
        return st;
    return fu_entity_list(o, d, tj_get(d, m, "mentions"), "name", NULL, rd_out_mention, NULL);
}

static tocsin_status discord_map(rd_out *o, const rd_rec *rec)
{
    tj_doc *d = rec->doc;
    if (rec->framing == RD_FRAME_NESTED) {
        if (rec->record == 1)
            rd_out_warn(o, "export too large to read whole: posts carry no channel "
                           "(raise the record size limit to keep it)");
        if (tj_type_of(d, rec->root) != TJ_OBJECT) {
            rd_out_skip(o, TOCSIN_SKIP_NOT_OBJECT, "message is not a JSON object");
            return TOCSIN_OK;
        }
        return map_message(o, d, rec->root, NULL, 0);
    }
    tj_val msgs = tj_get(d, rec->root, "messages"), m0;
    if (tj_type_of(d, msgs) != TJ_ARRAY) {
        rd_out_skip(o, TOCSIN_SKIP_NO_TEXT, "no \"messages\" array");
        return TOCSIN_OK;
    }
    tj_val channel = tj_get(d, rec->root, "channel");
    size_t n = tj_children(d, msgs, &m0);
    for (size_t i = 0; i < n; i++) {
        tocsin_status st = map_message(o, d, m0 + (tj_val)i, d, channel);
        if (st)
            return st;
    }
    return TOCSIN_OK;
}

const rd_format rd_fmt_discord = {
    .name = "discord",
    .platform = "discord",
    .framings = RD_FRAME_DOC | RD_FRAME_NESTED,
    .paths = discord_paths,
    .sniff = discord_sniff,
    .map = discord_map,
};
