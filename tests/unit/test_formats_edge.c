/* test_formats_edge.c: the traps of platform exports, each on a small input written here:
 * truncated last lines, ids beyond 2^53, retweets whose own text is truncated, Telegram's
 * offset-less `date`, unknown shapes, forced formats, full-account Telegram exports, UTF-16
 * entity offsets, WhatsApp date orders and continuation lines, feed dates in other languages,
 * twice-escaped HTML, Reddit type drift, Discord offsets, strict mode. */
#include "check.h"
#include "read/fmt_util.h"
#include "tocsin.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a tiny harness: write an input, read every post into owned strings ---- */

#define MAXP 32

typedef struct got {
    size_t n;
    char *id[MAXP], *text[MAXP], *author_id[MAXP], *author_name[MAXP], *channel_id[MAXP],
        *channel_name[MAXP], *ref_id[MAXP], *url0[MAXP];
    char *ents[MAXP]; /* "u:URL h:TAG m:NAME ..." in list order */
    char ts[MAXP][32];
    tocsin_kind kind[MAXP];
    size_t nurls[MAXP], nmentions[MAXP];
    char format[32];
    tocsin_status open_status, next_status;
    char message[600];
    tocsin_read_stats stats;
    int warnings;
    char last_warning[600];
} got;

static char *dupv(tocsin_strv v)
{
    char *s = malloc(v.len + 1);
    if (v.len)
        memcpy(s, v.ptr, v.len);
    s[v.len] = 0;
    return s;
}

static void on_warn(void *ctx, const tocsin_error *w)
{
    got *g = ctx;
    g->warnings++;
    snprintf(g->last_warning, sizeof g->last_warning, "%s", w->message);
}

static char tmpdir[64];

static const char *write_input(const char *name, const char *content)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    fputs(content, f);
    fclose(f);
    return path;
}

static void got_free(got *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->id[i]);
        free(g->text[i]);
        free(g->author_id[i]);
        free(g->author_name[i]);
        free(g->channel_id[i]);
        free(g->channel_name[i]);
        free(g->ref_id[i]);
        free(g->url0[i]);
        free(g->ents[i]);
    }
    memset(g, 0, sizeof *g);
}

/* Reads `path` with the given format (NULL = detect), zone and strictness. */
static void read_all(got *g, const char *path, const char *format, const char *tz, bool strict)
{
    memset(g, 0, sizeof *g);
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.format = format;
    o.tz = tz;
    o.strict = strict;
    o.warn = on_warn;
    o.warn_ctx = g;
    tocsin_reader *r = NULL;
    tocsin_error err;
    tocsin_error_clear(&err);
    g->open_status = tocsin_reader_open(&o, path, &r, &err);
    if (g->open_status) {
        snprintf(g->message, sizeof g->message, "%s", err.message);
        return;
    }
    snprintf(g->format, sizeof g->format, "%s", tocsin_reader_format(r));
    for (;;) {
        tocsin_post p;
        int ok = 0;
        g->next_status = tocsin_reader_next(r, &p, &ok, &err);
        if (g->next_status) {
            snprintf(g->message, sizeof g->message, "%s", err.message);
            break;
        }
        if (!ok || g->n == MAXP)
            break;
        size_t i = g->n++;
        g->id[i] = dupv(p.id);
        g->text[i] = dupv(p.text);
        g->author_id[i] = dupv(p.author_id);
        g->author_name[i] = dupv(p.author_name);
        g->channel_id[i] = dupv(p.channel_id);
        g->channel_name[i] = dupv(p.channel_name);
        g->ref_id[i] = dupv(p.ref_id);
        g->url0[i] = dupv(p.n_urls ? p.urls[0] : (tocsin_strv){"", 0});
        size_t el = 1;
        for (size_t k = 0; k < p.n_urls; k++)
            el += p.urls[k].len + 3;
        for (size_t k = 0; k < p.n_hashtags; k++)
            el += p.hashtags[k].len + 3;
        for (size_t k = 0; k < p.n_mentions; k++)
            el += p.mentions[k].len + 3;
        g->ents[i] = calloc(1, el);
        for (size_t k = 0; k < p.n_urls; k++)
            snprintf(g->ents[i] + strlen(g->ents[i]), el - strlen(g->ents[i]), "%su:%.*s",
                     *g->ents[i] ? " " : "", (int)p.urls[k].len, p.urls[k].ptr);
        for (size_t k = 0; k < p.n_hashtags; k++)
            snprintf(g->ents[i] + strlen(g->ents[i]), el - strlen(g->ents[i]), "%sh:%.*s",
                     *g->ents[i] ? " " : "", (int)p.hashtags[k].len, p.hashtags[k].ptr);
        for (size_t k = 0; k < p.n_mentions; k++)
            snprintf(g->ents[i] + strlen(g->ents[i]), el - strlen(g->ents[i]), "%sm:%.*s",
                     *g->ents[i] ? " " : "", (int)p.mentions[k].len, p.mentions[k].ptr);
        g->nurls[i] = p.n_urls;
        g->nmentions[i] = p.n_mentions;
        g->kind[i] = p.kind;
        if (p.has_ts)
            tocsin_time_format(p.ts, g->ts[i], sizeof g->ts[i]);
    }
    tocsin_reader_stats(r, &g->stats);
    tocsin_reader_free(r);
}

/* ---- truncated lines, ids, retweets ---- */

static const char *tweet_line(const char *id_json, const char *text)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"created_at\":\"Tue Jul 18 23:25:04 +0000 2017\",%s,\"text\":\"%s\","
             "\"user\":{\"id\":815279070241955840,\"id_str\":\"815279070241955840\","
             "\"screen_name\":\"someone\"},\"entities\":{\"urls\":[],\"hashtags\":[],"
             "\"user_mentions\":[]}}\n",
             id_json, text);
    return buf;
}

static void truncated_last_line_warns_and_keeps_the_rest(void)
{
    char in[4096] = "";
    strcat(in, tweet_line("\"id_str\":\"1\"", "first"));
    strcat(in, tweet_line("\"id_str\":\"2\"", "second"));
    strcat(in, "{\"created_at\":\"Tue Jul 18 23:25:04 +0000 2017\",\"id_str\":\"3\",\"te");
    got g;
    read_all(&g, write_input("trunc.jsonl", in), NULL, NULL, false);
    CHECK_INT(g.open_status, TOCSIN_OK);
    CHECK_STR(g.format, "twitter");
    CHECK_INT(g.next_status, TOCSIN_OK);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.text[1], "second");
    CHECK_INT(g.stats.skipped[TOCSIN_SKIP_TRUNCATED], 1);
    CHECK(g.warnings >= 1);
    got_free(&g);
    /* under --strict the same input is an error after the good posts */
    read_all(&g, write_input("trunc.jsonl", in), NULL, NULL, true);
    CHECK_INT(g.n, 2);
    CHECK(g.next_status != TOCSIN_OK);
    got_free(&g);
}

static void id_beyond_2_53_is_exact(void)
{
    /* no id_str: the numeric id must not go through a double (…696 would become …700) */
    char in[4096] = "";
    strcat(in, tweet_line("\"id\":872836479608733696,\"in_reply_to_status_id\":"
                          "861645830863822849",
                          "numeric ids only"));
    got g;
    read_all(&g, write_input("bigid.jsonl", in), NULL, NULL, false);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.id[0], "872836479608733696");
    CHECK_STR(g.ref_id[0], "861645830863822849");
    CHECK_INT(g.kind[0], TOCSIN_KIND_REPLY);
    got_free(&g);
    /* id_str wins over a numeric id rounded by a JavaScript round-trip */
    strcpy(in, tweet_line("\"id\":872836479608733700,\"id_str\":\"872836479608733696\"", "x"));
    read_all(&g, write_input("bigid2.jsonl", in), NULL, NULL, false);
    CHECK_STR(g.id[0], "872836479608733696");
    got_free(&g);
    /* Telegram message ids and chat ids beyond 2^53 */
    read_all(&g,
             write_input("bigtg.json",
                         "{\"name\":\"c\",\"type\":\"public_channel\",\"id\":9007199254740993,"
                         "\"messages\":[{\"id\":9007199254740995,\"type\":\"message\","
                         "\"date_unixtime\":\"1689224078\",\"from\":\"c\",\"from_id\":"
                         "\"channel9007199254740993\",\"text\":\"hi\"}]}"),
             NULL, NULL, false);
    CHECK_STR(g.format, "telegram");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.id[0], "9007199254740995");
    CHECK_STR(g.channel_id[0], "9007199254740993");
    got_free(&g);
}

static void retweet_text_is_the_full_original(void)
{
    const char *in =
        "{\"created_at\":\"Wed May 24 20:19:05 +0000 2017\",\"id_str\":\"20\",\"text\":\"RT @a: "
        "F) Tweet with 140 characters + media. The quick brown fox jumped over the lazily "
        "Tweeting dog. Lorem ipsum dolor si\\u2026 \",\"truncated\":false,\"user\":{\"id_str\":"
        "\"7\",\"screen_name\":\"b\"},\"retweeted_status\":{\"created_at\":\"Wed May 24 20:05:12 "
        "+0000 2017\",\"id_str\":\"10\",\"text\":\"F) Tweet with 140 characters + media. The quick "
        "brown fox jumped over the lazily Tweeting dog. Lorem ipsum dolor si\\u2026 "
        "https://t.co/x\",\"truncated\":true,\"user\":{\"id_str\":\"8\",\"screen_name\":\"a\"},"
        "\"extended_tweet\":{\"full_text\":\"F) Tweet with 140 characters + media. The quick "
        "brown fox jumped over the lazily Tweeting dog. Lorem ipsum dolor sit amet, consectetur "
        "adipi &amp; more https://t.co/y\",\"entities\":{\"urls\":[{\"expanded_url\":"
        "\"https://example.org/full\"}],\"hashtags\":[],\"user_mentions\":[]}}}}\n";
    got g;
    read_all(&g, write_input("rt.jsonl", in), NULL, NULL, false);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.id[0], "20");            /* the retweet keeps its own id... */
    CHECK_STR(g.ts[0], "2017-05-24T20:19:05Z"); /* ...and time */
    CHECK_STR(g.author_id[0], "7");
    CHECK_INT(g.kind[0], TOCSIN_KIND_REPOST);
    CHECK_STR(g.ref_id[0], "10");
    CHECK_STR(g.text[0], "F) Tweet with 140 characters + media. The quick brown fox jumped over "
                         "the lazily Tweeting dog. Lorem ipsum dolor sit amet, consectetur adipi "
                         "& more https://t.co/y");
    CHECK_STR(g.url0[0], "https://example.org/full");
    got_free(&g);

    /* API v2: the original comes from includes.tweets */
    const char *v2 =
        "{\"data\":[{\"id\":\"30\",\"text\":\"RT @a: short\\u2026\",\"author_id\":\"7\","
        "\"created_at\":\"2021-04-01T15:52:31.000Z\",\"referenced_tweets\":[{\"type\":"
        "\"retweeted\",\"id\":\"29\"}]}],\"includes\":{\"users\":[{\"id\":\"7\",\"username\":"
        "\"b\"}],\"tweets\":[{\"id\":\"29\",\"text\":\"the whole original text, not cut\","
        "\"author_id\":\"8\"}]}}\n";
    read_all(&g, write_input("rt2.jsonl", v2), NULL, NULL, false);
    CHECK_STR(g.format, "twitter-v2");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.id[0], "30");
    CHECK_STR(g.author_name[0], "b");
    CHECK_INT(g.kind[0], TOCSIN_KIND_REPOST);
    CHECK_STR(g.ref_id[0], "29");
    CHECK_STR(g.text[0], "the whole original text, not cut");
    got_free(&g);
}

/* ---- Telegram ---- */

static const char *tg_export =
    "{\"name\":\"Chat\",\"type\":\"private_group\",\"id\":42,\"messages\":["
    "{\"id\":1,\"type\":\"message\",\"date\":\"2023-07-13T10:24:38\",\"date_unixtime\":"
    "\"1689224078\",\"from\":\"A\",\"from_id\":\"user1\",\"text\":\"with both\"},"
    "{\"id\":2,\"type\":\"message\",\"date\":\"2023-07-13T10:24:38\",\"from\":\"A\","
    "\"from_id\":\"user1\",\"text\":\"date only\"},"
    "{\"id\":3,\"type\":\"message\",\"date_unixtime\":\"1689224079\",\"from\":\"B\",\"from_id\":"
    "\"user2\",\"forwarded_from\":\"Some Channel\",\"text\":[\"see \",{\"type\":\"text_link\","
    "\"text\":\"this\",\"href\":\"https://example.org/\"},\" \",{\"type\":\"hashtag\",\"text\":"
    "\"#tag\"}]},"
    "{\"id\":4,\"type\":\"message\",\"date_unixtime\":\"1689224080\",\"from\":null,\"from_id\":"
    "\"user3\",\"reply_to_message_id\":3,\"photo\":\"(File not included.)\",\"text\":"
    "\"a caption\"},"
    "{\"id\":5,\"type\":\"message\",\"date_unixtime\":\"1689224081\",\"from\":\"B\",\"from_id\":"
    "\"user2\",\"text\":\"\",\"poll\":{\"question\":\"Which?\",\"answers\":[{\"text\":\"one\"},"
    "{\"text\":\"two\"}]}}]}";

static void telegram_date_without_offset_is_not_utc(void)
{
    got g;
    const char *path = write_input("result.json", tg_export);
    /* exported on a machine in India: `date` is local (UTC+05:30) */
    read_all(&g, path, NULL, "Asia/Kolkata", false);
    CHECK_STR(g.format, "telegram");
    CHECK_INT(g.n, 5);
    CHECK_STR(g.ts[0], "2023-07-13T04:54:38Z"); /* date_unixtime, not date read as UTC */
    CHECK_STR(g.ts[1], "2023-07-13T04:54:38Z"); /* date alone: read in --tz */
    got_free(&g);
    read_all(&g, path, NULL, NULL, false);
    CHECK_STR(g.ts[0], "2023-07-13T04:54:38Z"); /* whatever the zone */
    CHECK_STR(g.ts[1], "2023-07-13T10:24:38Z"); /* no zone given: UTC, as documented */
    /* forwards, entity parts, replies, captions, polls */
    CHECK_INT(g.kind[2], TOCSIN_KIND_REPOST);
    CHECK_STR(g.text[2], "see this #tag");
    CHECK_STR(g.url0[2], "https://example.org/");
    CHECK_INT(g.kind[3], TOCSIN_KIND_REPLY);
    CHECK_STR(g.ref_id[3], "3");
    CHECK_STR(g.text[3], "a caption");
    CHECK_STR(g.author_name[3], "");
    CHECK_STR(g.text[4], "\nWhich?\none\ntwo");
    CHECK_STR(g.channel_id[0], "42");
    CHECK_STR(g.channel_name[0], "Chat");
    got_free(&g);
}

static void telegram_full_account_export(void)
{
    const char *in =
        "{\"about\":\"Here is the data you requested.\",\"personal_information\":{\"user_id\":1},"
        "\"chats\":{\"about\":\"This page lists all chats from this export.\",\"list\":["
        "{\"name\":\"First\",\"type\":\"personal_chat\",\"id\":11,\"messages\":[{\"id\":1,"
        "\"type\":\"message\",\"date_unixtime\":\"1600000000\",\"from\":\"X\",\"from_id\":"
        "\"user5\",\"text\":\"one\"}]},"
        "{\"name\":\"Second\",\"type\":\"public_channel\",\"id\":22,\"messages\":[{\"id\":1,"
        "\"type\":\"message\",\"date_unixtime\":\"1600000001\",\"from\":\"Y\",\"from_id\":"
        "\"channel22\",\"text\":\"two\"},{\"id\":2,\"type\":\"service\",\"date_unixtime\":"
        "\"1600000002\",\"actor\":\"Y\",\"actor_id\":\"channel22\",\"action\":"
        "\"pin_message\",\"text\":\"\"}]}]}}";
    got g;
    read_all(&g, write_input("full.json", in), NULL, NULL, false);
    CHECK_STR(g.format, "telegram");
    CHECK_INT(g.n, 3);
    CHECK_STR(g.channel_id[0], "11");
    CHECK_STR(g.channel_name[0], "First");
    CHECK_STR(g.channel_id[1], "22");
    CHECK_STR(g.channel_name[2], "Second");
    CHECK_INT(g.kind[2], TOCSIN_KIND_SERVICE);
    CHECK_STR(g.author_id[2], "channel22");
    got_free(&g);
}

static void telethon_utf16_entity_offsets(void)
{
    /* "😀 see https://x.y #tag": the emoji is 2 UTF-16 units, so the URL starts at unit 7 */
    const char *in =
        "{\"_\":\"Message\",\"id\":5,\"peer_id\":{\"_\":\"PeerChannel\",\"channel_id\":9},"
        "\"date\":\"2024-01-25T16:15:58+00:00\",\"message\":\"\\ud83d\\ude00 see https://x.y "
        "#tag\",\"from_id\":null,\"fwd_from\":{\"_\":\"MessageFwdHeader\",\"channel_post\":77},"
        "\"entities\":[{\"_\":\"MessageEntityUrl\",\"offset\":7,\"length\":11},{\"_\":"
        "\"MessageEntityHashtag\",\"offset\":19,\"length\":4}]}\n";
    got g;
    read_all(&g, write_input("tl.jsonl", in), NULL, NULL, false);
    CHECK_STR(g.format, "telethon");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.url0[0], "https://x.y");
    CHECK_STR(g.author_id[0], "9"); /* a channel posting as itself */
    CHECK_INT(g.kind[0], TOCSIN_KIND_REPOST);
    CHECK_STR(g.ref_id[0], "77");
    CHECK_STR(g.ts[0], "2024-01-25T16:15:58Z");
    got_free(&g);
}

static void duplicated_lines_are_read_as_they_are(void)
{
    got g;
    read_all(&g, "tests/data/formats/telegram_telethon/telescope_python_group_telethon_to_dict.jsonl",
             NULL, NULL, false);
    CHECK_INT(g.n, 14);
    CHECK_STR(g.id[0], "2004378");
    CHECK_STR(g.id[11], "2004378"); /* the second run repeats it: not de-duplicated here */
    CHECK_STR(g.text[0], g.text[11]);
    got_free(&g);
}

/* ---- detection ---- */

static void unknown_shape_says_what_was_tried(void)
{
    got g;
    read_all(&g, write_input("unknown.json", "{\"foo\": 1, \"bar\": [1, 2]}\n"), NULL, NULL,
             false);
    CHECK_INT(g.open_status, TOCSIN_ERR_FORMAT);
    CHECK(strstr(g.message, "telegram: ") != NULL);
    CHECK(strstr(g.message, "twitter: ") != NULL);
    CHECK(strstr(g.message, "no messages array") != NULL);
    got_free(&g);
    read_all(&g, write_input("unknown.txt", "just some text\nand more\n"), NULL, NULL, false);
    CHECK_INT(g.open_status, TOCSIN_ERR_FORMAT);
    CHECK(strstr(g.message, "whatsapp: ") != NULL);
    CHECK(strstr(g.message, "rss: not XML") != NULL);
    got_free(&g);
}

static void forced_format(void)
{
    got g;
    read_all(&g, "tests/data/formats/reddit_pushshift/RC_2018-10.first2lines.ndjson",
             "pushshift", NULL, false);
    CHECK_STR(g.format, "pushshift");
    CHECK_INT(g.n, 2);
    got_free(&g);
    /* a tweet file forced to Mastodon: every record is skipped with a reason */
    read_all(&g, "tests/data/formats/twitter_v1/tweet_parser_public_api_sample_js_rounded_ids.head5.jsonl",
             "mastodon", NULL, false);
    CHECK_INT(g.n, 0);
    CHECK_INT(g.stats.skipped[TOCSIN_SKIP_NO_TEXT], 5);
    CHECK(g.warnings == 5);
    got_free(&g);
}

/* ---- WhatsApp ---- */

static void whatsapp_styles(void)
{
    got g;
    /* Android, day first (13 > 12 proves it), a multi-line message, a system line */
    read_all(&g,
             write_input("WhatsApp Chat with Team.txt",
                         "13/01/21, 10:00 - Ana: first line\nsecond line\n"
                         "13/01/21, 10:05 - Ana added Bo\n"
                         "14/01/21, 9:07 - Bo: see https://example.org/x.\n"),
             NULL, NULL, false);
    CHECK_STR(g.format, "whatsapp");
    CHECK_INT(g.n, 3);
    CHECK_STR(g.ts[0], "2021-01-13T10:00:00Z");
    CHECK_STR(g.text[0], "first line\nsecond line");
    CHECK_STR(g.id[1], "3"); /* line numbers, continuation lines counted */
    CHECK_INT(g.kind[1], TOCSIN_KIND_SERVICE);
    CHECK_STR(g.text[1], "Ana added Bo");
    CHECK_STR(g.channel_id[2], "WhatsApp Chat with Team");
    CHECK_STR(g.url0[2], "https://example.org/x");
    got_free(&g);
    /* iOS with seconds and 12-hour clock (with U+202F before PM), zone applied */
    read_all(&g,
             write_input("ios.txt", "[1/2/21, 11:58:07\xe2\x80\xafPM] Ana: late\n"
                                    "[1/3/21, 12:01:00 AM] Bo: \xe2\x80\x8eimage omitted\n"),
             NULL, "+01:00", false);
    CHECK_STR(g.format, "whatsapp");
    CHECK_INT(g.n, 2);
    CHECK_STR(g.ts[0], "2021-01-02T22:58:07Z");
    CHECK_STR(g.ts[1], "2021-01-02T23:01:00Z");
    CHECK_STR(g.author_name[1], "Bo");
    CHECK_STR(g.text[1], "image omitted");
    got_free(&g);
}

/* ---- one time parser for every entry point ---- */

/* rd_time_parse_utc (what the format plug-ins call) without caring about the offset. */
static bool utc(const char *s, int64_t *ts)
{
    bool off;
    return rd_time_parse_utc(s, strlen(s), ts, &off);
}

/* Every form a time is written in, through the public parser, the plug-ins' parser and two
 * readers (an RSS pubDate and a CSV cell), with and without --tz: the same result everywhere.
 * Before there were two parsers (time.c, and fu_rfc822/fu_iso8601 for feeds and Telethon):
 * localized RFC 822 dates, CET and "(UTC)" comments were refused by one, Twitter dates and
 * " UTC" suffixes by the other, and a feed's zone-less RFC 822 date ignored --tz. */
static const struct time_form {
    const char *s;
    int64_t utc;  /* the time read with no --tz */
    bool written; /* the text carries its zone (then --tz does not move it) */
} time_forms[] = {
    {"1526671496", 1526671496, true},
    {"1526671496000", 1526671496, true},
    {"20210315", 1615766400, false},
    {"2021-05-18T19:24:56.000Z", 1621365896, true},
    {"2023-07-13T10:24:38+05:30", 1689224078, true},
    {"2024-01-25 16:13:00.000000", 1706199180, false},
    {"2021-03-15T10:00:00 UTC", 1615802400, true},
    {"2021-03-15Z", 1615766400, true},
    {"2018-01-31", 1517356800, false},
    {"Wed, 31 Jan 2018 10:00:00 GMT", 1517392800, true},
    {"Wed, 31 Jan 2018 10:00:00 CET", 1517389200, true},
    {"Mon, 01 Jan 2018 10:00:00 +0000 (UTC)", 1514800800, true},
    {"Wed, 31 Jan 2018 10:00:00", 1517392800, false},
    {"Seg, 24 Set 2018 19:42:40 -0300", 1537828960, true},
    {"Mi, 03 Dez 2014 10:00:00 +0100", 1417597200, true},
    {"jeu., 03 d\xc3\xa9" "c. 2015 10:00:00 +0100", 1449133200, true},
    {"Mar, 15 Abr 2014 10:00:00 +0000", 1397556000, true},
    {"Mar 15 2014 10:00:00 GMT", 1394877600, true},
    {"3 Mar 99 10:00 EST", 920473200, true},
    {"Wed Oct 10 20:19:24 +0000 2018", 1539202764, true},
};

static void one_time_parser_for_every_entry_point(void)
{
    char rss[8192], csv[4096];
    size_t rl = (size_t)snprintf(rss, sizeof rss, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                 "<rss version=\"2.0\"><channel><title>T</title>");
    size_t cl = (size_t)snprintf(csv, sizeof csv, "text\ttime\n");
    size_t n = sizeof time_forms / sizeof *time_forms;
    for (size_t i = 0; i < n; i++) {
        const struct time_form *f = &time_forms[i];
        int64_t a = 0, b = 0, c = 0;
        bool off = !f->written;
        fprintf(stderr, "  %s\n", f->s);
        CHECK_INT(tocsin_time_parse(f->s, strlen(f->s), NULL, &a), TOCSIN_OK);
        CHECK_INT(a, f->utc);
        CHECK(rd_time_parse_utc(f->s, strlen(f->s), &b, &off));
        CHECK_INT(b, f->utc);
        CHECK_INT(off, f->written);
        CHECK_INT(tocsin_time_parse(f->s, strlen(f->s), "+01:00", &c), TOCSIN_OK);
        CHECK_INT(c, f->utc - (f->written ? 0 : 3600));
        rl += (size_t)snprintf(rss + rl, sizeof rss - rl,
                               "<item><guid>g%zu</guid><title>t</title><pubDate>%s</pubDate>"
                               "</item>", i, f->s);
        cl += (size_t)snprintf(csv + cl, sizeof csv - cl, "t%zu\t%s\n", i, f->s);
    }
    snprintf(rss + rl, sizeof rss - rl, "</channel></rss>\n");
    const char *tzs[] = {NULL, "+01:00"};
    for (int z = 0; z < 2; z++) {
        got g;
        const char *inputs[] = {write_input("forms.rss", rss), NULL};
        for (int k = 0; k < 2; k++) {
            if (k == 1)
                inputs[1] = write_input("forms.tsv", csv);
            read_all(&g, inputs[k], NULL, tzs[z], false);
            CHECK_STR(g.format, k ? "tsv" : "rss");
            CHECK_INT(g.n, n);
            for (size_t i = 0; i < n && i < g.n; i++) {
                char want[32];
                tocsin_time_format(time_forms[i].utc - (z && !time_forms[i].written ? 3600 : 0),
                                   want, sizeof want);
                if (strcmp(g.ts[i], want))
                    fprintf(stderr, "  %s: %s (tz %s)\n", time_forms[i].s, g.ts[i],
                            tzs[z] ? tzs[z] : "-");
                CHECK_STR(g.ts[i], want);
            }
            got_free(&g);
        }
    }
}

/* 12-hour clocks in every spelling WhatsApp writes ("AM", "a.m.", Spanish "p. m." with a
 * space, NBSP or U+202F inside): 12 a.m. is 00, 12 p.m. is 12, hours 1-12 only with a marker,
 * 0-23 without. A stamp that breaks the rule is no stamp: the line continues the message
 * before it. */
static void whatsapp_am_pm(void)
{
    got g;
    read_all(&g,
             write_input("Chat con Ana.txt",
                         "20/12/20, 11:55 p. m. - Ana: uno\n"           /* 23:55 */
                         "21/12/20, 12:05 a. m. - Ana: dos\n"           /* 00:05 */
                         "21/12/20, 12:05 p. m. - Ana: tres\n"          /* 12:05 */
                         "21/12/20, 1:07 a.\xc2\xa0m. - Ana: cuatro\n"  /* NBSP inside */
                         "21/12/20, 9:30\xe2\x80\xafp.\xe2\x80\xafm. - Ana: cinco\n"
                         "21/12/20, 10:00 p.m. - Ana: seis\n"
                         "21/12/20, 12:00 AM - Ana: siete\n"
                         "21/12/20, 12:00 PM - Ana: ocho\n"
                         "21/12/20, 00:10 - Ana: nueve\n"               /* no marker: 0-23 */
                         "21/12/20, 23:10 - Ana: diez\n"
                         "21/12/20, 13:05 p. m. - Ana: not a stamp\n"   /* 13 with a marker */
                         "21/12/20, 0:05 a.m. - Ana: not a stamp\n"     /* 0 with a marker */
                         "21/12/20, 13:05 PM - Ana: not a stamp\n"
                         "21/12/20, 0:05 AM - Ana: not a stamp\n"
                         "21/12/20, 11:05 p. - Ana: not a stamp\n"),
             NULL, NULL, false);
    CHECK_STR(g.format, "whatsapp");
    CHECK_INT(g.n, 10);
    const char *want[] = {"2020-12-20T23:55:00Z", "2020-12-21T00:05:00Z", "2020-12-21T12:05:00Z",
                          "2020-12-21T01:07:00Z", "2020-12-21T21:30:00Z", "2020-12-21T22:00:00Z",
                          "2020-12-21T00:00:00Z", "2020-12-21T12:00:00Z", "2020-12-21T00:10:00Z",
                          "2020-12-21T23:10:00Z"};
    for (size_t i = 0; i < 10 && i < g.n; i++)
        CHECK_STR(g.ts[i], want[i]);
    if (g.n == 10) {
        CHECK_STR(g.text[0], "uno");
        CHECK_STR(g.text[4], "cinco");
        CHECK_STR(g.author_name[4], "Ana");
        CHECK(strstr(g.text[9], "diez\n21/12/20, 13:05 p. m. - Ana: not a stamp\n") != NULL);
    }
    got_free(&g);
    /* iOS */
    read_all(&g,
             write_input("ios_es.txt", "[20/12/20, 11:55:10 p. m.] Ana: uno\n"
                                       "[21/12/20, 12:00:01 a.m.] Ana: dos\n"),
             NULL, NULL, false);
    CHECK_STR(g.format, "whatsapp");
    CHECK_INT(g.n, 2);
    if (g.n == 2) {
        CHECK_STR(g.ts[0], "2020-12-20T23:55:10Z");
        CHECK_STR(g.ts[1], "2020-12-21T00:00:01Z");
        CHECK_STR(g.text[1], "dos");
    }
    got_free(&g);
}

/* ---- feeds ---- */

static void feed_dates_and_double_escaping(void)
{
    int64_t ts;
    CHECK(utc("Seg, 24 Set 2018 19:42:40 -0300", &ts));
    CHECK_INT(ts, 1537828960);
    CHECK(utc("Wed, 31 Jan 2018 20:15:15 GMT", &ts));
    CHECK_INT(ts, 1517429715);
    CHECK(utc("Mi, 03 Dez 2014 10:00:00 +0100", &ts));
    CHECK_INT(ts, 1417597200);
    CHECK(utc("3 Mar 99 10:00 EST", &ts));
    CHECK_INT(ts, 920473200);
    CHECK(!utc("Wed, 32 Jan 2018 20:15:15 GMT", &ts));
    CHECK(!utc("yesterday", &ts));
    bool off;
    const char *iso = "2016-02-01T17:22:00+01:00", *naive = "2024-01-25 16:13:00.000000";
    CHECK(rd_time_parse_utc(iso, strlen(iso), &ts, &off) && off);
    CHECK_INT(ts, 1454343720);
    CHECK(rd_time_parse_utc(naive, strlen(naive), &ts, &off) && !off);
    CHECK_INT(ts, 1706199180);

    const char *rss =
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>T</title><link>"
        "https://t.example/</link><language>pt-br</language><item><title>A &amp; B</title>"
        "<link>https://t.example/1</link><description>&amp;lt;p&amp;gt;twice &amp;amp;amp; "
        "escaped&amp;lt;/p&amp;gt;</description><pubDate>Seg, 24 Set 2018 19:42:40 -0300"
        "</pubDate><dc:creator xmlns:dc=\"http://purl.org/dc/elements/1.1/\">Ana</dc:creator>"
        "</item><item><title>no date</title><guid>g2</guid></item></channel></rss>\n";
    got g;
    read_all(&g, write_input("feed.xml", rss), NULL, NULL, false);
    CHECK_STR(g.format, "rss");
    CHECK_INT(g.n, 2);
    CHECK_STR(g.id[0], "https://t.example/1");
    CHECK_STR(g.ts[0], "2018-09-24T22:42:40Z");
    CHECK_STR(g.text[0], "A & B\n\ntwice & escaped");
    CHECK_STR(g.author_name[0], "Ana");
    CHECK_STR(g.channel_name[0], "T");
    CHECK_STR(g.id[1], "g2");
    CHECK_STR(g.ts[1], "");
    got_free(&g);

    const char *atom =
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\"><title>F</title><id>urn:f"
        "</id><author><name>Feed Author</name></author><entry><title type=\"text\">T1</title>"
        "<id>urn:1</id><updated>2016-02-01T17:54:50+01:00</updated><link rel=\"alternate\" "
        "href=\"https://a.example/1\"/><content type=\"html\">&lt;p&gt;Body &lt;b&gt;bold"
        "&lt;/b&gt;&lt;/p&gt;</content></entry></feed>";
    read_all(&g, write_input("feed.atom", atom), NULL, NULL, false);
    CHECK_STR(g.format, "atom");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.ts[0], "2016-02-01T16:54:50Z");
    CHECK_STR(g.text[0], "T1\n\nBody bold");
    CHECK_STR(g.author_name[0], "Feed Author");
    CHECK_STR(g.url0[0], "https://a.example/1");
    got_free(&g);
}

/* ---- Reddit, Discord, Mastodon, Gnip ---- */

static void reddit_type_drift(void)
{
    const char *in =
        "{\"author\":\"[deleted]\",\"body\":\"a &gt; b &amp;&amp; c\",\"created_utc\":"
        "\"1262304000\",\"id\":\"c0abc\",\"link_id\":\"t3_x\",\"parent_id\":\"t3_x\","
        "\"subreddit\":\"test\",\"subreddit_id\":\"t5_1\"}\n"
        "{\"author\":\"u\",\"title\":\"T\",\"selftext\":\"S\",\"created_utc\":1262304001.0,"
        "\"id\":\"s1\",\"subreddit\":\"test\",\"subreddit_id\":\"t5_1\",\"is_self\":true,"
        "\"crosspost_parent\":\"t3_orig\"}\n";
    got g;
    read_all(&g, write_input("RC_2010-01", in), NULL, NULL, false);
    CHECK_STR(g.format, "pushshift");
    CHECK_INT(g.n, 2);
    CHECK_STR(g.id[0], "t1_c0abc");
    CHECK_STR(g.ts[0], "2010-01-01T00:00:00Z");
    CHECK_STR(g.author_id[0], "");
    CHECK_STR(g.author_name[0], "[deleted]");
    CHECK_STR(g.text[0], "a > b && c");
    CHECK_STR(g.id[1], "t3_s1");
    CHECK_STR(g.ts[1], "2010-01-01T00:00:01Z");
    CHECK_STR(g.text[1], "T\n\nS");
    CHECK_INT(g.kind[1], TOCSIN_KIND_REPOST);
    CHECK_STR(g.ref_id[1], "t3_orig");
    CHECK_INT(g.nurls[1], 0);
    got_free(&g);
}

static void discord_offsets_and_types(void)
{
    const char *in =
        "{\"guild\":{\"id\":\"1\",\"name\":\"G\"},\"channel\":{\"id\":\"2\",\"name\":\"general\"},"
        "\"messages\":[{\"id\":\"10\",\"type\":\"Default\",\"timestamp\":"
        "\"2020-01-01T01:00:00.000+02:00\",\"content\":\"hi\",\"author\":{\"id\":\"5\",\"name\":"
        "\"n\"},\"mentions\":[{\"id\":\"6\",\"name\":\"m\"}]},{\"id\":\"11\",\"type\":"
        "\"GuildMemberJoin\",\"timestamp\":\"2020-01-01T01:00:01+02:00\",\"content\":\"Joined the "
        "server.\",\"author\":{\"id\":\"6\",\"name\":\"m\"}}],\"messageCount\":2}";
    got g;
    read_all(&g, write_input("dce.json", in), NULL, NULL, false);
    CHECK_STR(g.format, "discord");
    CHECK_INT(g.n, 2);
    CHECK_STR(g.ts[0], "2019-12-31T23:00:00Z");
    CHECK_STR(g.channel_name[0], "general");
    CHECK_INT(g.nmentions[0], 1);
    CHECK_INT(g.kind[1], TOCSIN_KIND_SERVICE);
    got_free(&g);
}

static void gnip_share_takes_the_original(void)
{
    const char *in =
        "{\"id\":\"tag:search.twitter.com,2005:2\",\"verb\":\"share\",\"postedTime\":"
        "\"2017-05-24T20:32:51.000Z\",\"actor\":{\"id\":\"id:twitter.com:7\","
        "\"preferredUsername\":\"b\"},\"body\":\"RT @a: cut\\u2026\",\"object\":{\"id\":"
        "\"tag:search.twitter.com,2005:1\",\"verb\":\"post\",\"body\":\"short body\","
        "\"long_object\":{\"body\":\"the long original body\"}}}\n";
    got g;
    read_all(&g, write_input("gnip.jsonl", in), NULL, NULL, false);
    CHECK_STR(g.format, "gnip");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.id[0], "2");
    CHECK_STR(g.author_id[0], "7");
    CHECK_INT(g.kind[0], TOCSIN_KIND_REPOST);
    CHECK_STR(g.ref_id[0], "1");
    CHECK_STR(g.text[0], "the long original body");
    got_free(&g);
}

static void mastodon_boost_and_spoiler(void)
{
    const char *in =
        "[{\"id\":\"2\",\"created_at\":\"2019-12-08T03:48:33.901Z\",\"account\":{\"id\":\"7\","
        "\"acct\":\"b@remote.example\"},\"content\":\"\",\"spoiler_text\":\"\",\"language\":null,"
        "\"reblog\":{\"id\":\"1\",\"created_at\":\"2019-12-08T03:00:00Z\",\"account\":{\"id\":"
        "\"8\",\"acct\":\"a\"},\"content\":\"<p>boosted <a href=\\\"https://x.example/\\\" "
        "rel=\\\"nofollow\\\">link</a> <a href=\\\"https://m.example/tags/t\\\" class=\\\"mention "
        "hashtag\\\">#<span>t</span></a></p>\",\"spoiler_text\":\"CW\",\"language\":\"en\","
        "\"tags\":[{\"name\":\"t\"}],\"mentions\":[]}}]";
    got g;
    read_all(&g, write_input("masto.json", in), NULL, NULL, false);
    CHECK_STR(g.format, "mastodon");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.id[0], "2");
    CHECK_STR(g.author_name[0], "b@remote.example");
    CHECK_INT(g.kind[0], TOCSIN_KIND_REPOST);
    CHECK_STR(g.ref_id[0], "1");
    CHECK_STR(g.text[0], "CW\n\nboosted link #t");
    CHECK_INT(g.nurls[0], 1);
    CHECK_STR(g.url0[0], "https://x.example/");
    got_free(&g);
}


static void fourcat_csv_columns(void)
{
    /* 4CAT's Telegram CSV: unix_timestamp wins over the server-local timestamp; a BOM on the
     * header; a quoted body with a newline and "" escapes; reply_to makes a reply; a forwarded
     * message is a repost. */
    const char *in =
        "\xef\xbb\xbfid,thread_id,chat,author,author_username,author_name,body,is_reply,"
        "reply_to,timestamp,unix_timestamp,author_forwarded_from_name\n"
        "123-1,123,Some Chat,555,ana_u,Ana,\"hello \"\"world\"\"\nsecond line\",no,,"
        "2021-01-01 12:00:00,1609502400,\n"
        "123-2,123,Some Chat,556,,Bo,see https://example.org/a,yes,1,2021-01-01 12:05:00,"
        "1609502700,\n"
        "123-3,123,Some Chat,556,,Bo,fwd,no,,2021-01-01 12:06:00,1609502760,Other Channel\n"
        "123-4,123,Some Chat,556,,Bo,too,many,fields,here,x,y,z,w\n";
    got g;
    read_all(&g, write_input("4cat.csv", in), NULL, NULL, false);
    CHECK_STR(g.format, "4cat");
    CHECK_INT(g.n, 3);
    CHECK_STR(g.id[0], "123-1");
    CHECK_STR(g.ts[0], "2021-01-01T12:00:00Z");
    CHECK_STR(g.text[0], "hello \"world\"\nsecond line");
    CHECK_STR(g.author_id[0], "555");
    CHECK_STR(g.author_name[0], "Ana");
    CHECK_STR(g.channel_id[0], "123");
    CHECK_STR(g.channel_name[0], "Some Chat");
    CHECK_INT(g.kind[1], TOCSIN_KIND_REPLY);
    CHECK_STR(g.ref_id[1], "1");
    CHECK_STR(g.url0[1], "https://example.org/a");
    CHECK_INT(g.kind[2], TOCSIN_KIND_REPOST);
    CHECK_INT(g.stats.skipped[TOCSIN_SKIP_BAD_CSV], 1);
    got_free(&g);
}

static void telegram_control_escapes_and_stream_notices(void)
{
    /* tdesktop writes control characters as \xHH, which is not JSON */
    got g;
    read_all(&g,
             write_input("x.json", "{\"name\":\"c\",\"type\":\"personal_chat\",\"id\":1,"
                                   "\"messages\":[{\"id\":1,\"type\":\"message\","
                                   "\"date_unixtime\":\"1600000000\",\"from\":\"a\","
                                   "\"from_id\":\"user1\",\"text\":\"bell\\x07here\"}]}"),
             NULL, NULL, false);
    CHECK_STR(g.format, "telegram");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.text[0], "bell\x07here");
    got_free(&g);
    /* X streams interleave notices that are not tweets: skipped, counted, warned */
    char in[4096] = "";
    strcat(in, tweet_line("\"id_str\":\"1\"", "a tweet"));
    strcat(in, "{\"delete\":{\"status\":{\"id\":1,\"id_str\":\"1\",\"user_id\":3}}}\n");
    strcat(in, "{\"limit\":{\"track\":5,\"timestamp_ms\":\"1500000000000\"}}\n");
    read_all(&g, write_input("stream.jsonl", in), NULL, NULL, false);
    CHECK_STR(g.format, "twitter");
    CHECK_INT(g.n, 1);
    CHECK_INT(g.stats.skipped[TOCSIN_SKIP_NO_TEXT], 2);
    CHECK(strstr(g.last_warning, "limit") != NULL);
    got_free(&g);
}

static void fourcat_telegram_ndjson(void)
{
    const char *in =
        "{\"_type\":\"Message\",\"id\":42,\"date\":1706199180.0,\"message\":\"hello "
        "#tag\",\"_chat\":{\"id\":1050982793,\"title\":\"Python\",\"username\":\"Python\"},"
        "\"_sender\":{\"id\":77,\"username\":\"ana\"},\"reply_to\":null,\"_forward\":null,"
        "\"4CAT_metadata\":{\"collected_at\":\"2024-01-26\",\"query\":\"Python\"}}\n";
    got g;
    read_all(&g, write_input("4cat.ndjson", in), NULL, NULL, false);
    CHECK_STR(g.format, "telethon");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.id[0], "42");
    CHECK_STR(g.ts[0], "2024-01-25T16:13:00Z");
    CHECK_STR(g.channel_id[0], "1050982793");
    CHECK_STR(g.channel_name[0], "Python");
    CHECK_STR(g.author_id[0], "77");
    CHECK_STR(g.author_name[0], "ana");
    CHECK_INT(g.kind[0], TOCSIN_KIND_POST);
    got_free(&g);
}

static void twitter_v2_flattened_lines(void)
{
    /* twarc2 flatten: one tweet per line, author and referenced tweets inlined */
    const char *in =
        "{\"id\":\"31\",\"text\":\"RT @a: cut\\u2026\",\"author_id\":\"7\",\"created_at\":"
        "\"2022-10-03T18:00:23.000Z\",\"author\":{\"id\":\"7\",\"username\":\"b\"},"
        "\"conversation_id\":\"31\",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":"
        "\"30\",\"text\":\"the full &amp; original\",\"author_id\":\"8\"}],\"__twarc\":{}}\n"
        "{\"id\":\"32\",\"text\":\"@a yes\",\"author_id\":\"7\",\"created_at\":"
        "\"2022-10-03T18:01:00.000Z\",\"author\":{\"id\":\"7\",\"username\":\"b\"},"
        "\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"30\"}],\"entities\":"
        "{\"mentions\":[{\"username\":\"a\"}]}}\n";
    got g;
    read_all(&g, write_input("flat.jsonl", in), NULL, NULL, false);
    CHECK_STR(g.format, "twitter-v2");
    CHECK_INT(g.n, 2);
    CHECK_STR(g.author_name[0], "b");
    CHECK_INT(g.kind[0], TOCSIN_KIND_REPOST);
    CHECK_STR(g.ref_id[0], "30");
    CHECK_STR(g.text[0], "the full & original");
    CHECK_INT(g.kind[1], TOCSIN_KIND_REPLY);
    CHECK_INT(g.nmentions[1], 1);
    got_free(&g);
}

/* ---- 8-digit dates (YYYYMMDD) ---- */

/* 20210315 is a date, not 1970-08-23 in epoch seconds: generic JSON numbers and strings, CSV
 * cells (in --tz) and platform epoch fields; 10 and 13 digits stay seconds and milliseconds. */
static void yyyymmdd_is_a_date_in_every_reader(void)
{
    got g;
    read_all(&g,
             write_input("ymd.jsonl", "{\"text\":\"a\",\"date\":20210315}\n"
                                      "{\"text\":\"b\",\"date\":\"20210315\"}\n"
                                      "{\"text\":\"c\",\"date\":1615766400}\n"
                                      "{\"text\":\"d\",\"date\":\"1615766400123\"}\n"
                                      "{\"text\":\"e\",\"date\":20210229}\n"),
             NULL, NULL, false);
    CHECK_STR(g.format, "jsonl");
    CHECK_INT(g.n, 5);
    CHECK_STR(g.ts[0], "2021-03-15T00:00:00Z");
    CHECK_STR(g.ts[1], "2021-03-15T00:00:00Z");
    CHECK_STR(g.ts[2], "2021-03-15T00:00:00Z");
    CHECK_STR(g.ts[3], "2021-03-15T00:00:00Z");
    CHECK_STR(g.ts[4], "1970-08-22T21:57:09Z"); /* no 29 February in 2021: epoch seconds */
    got_free(&g);

    read_all(&g, write_input("ymd.csv", "text,date\nhello,20210315\n"), NULL, "Europe/Berlin",
             false);
    CHECK_STR(g.format, "csv");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.ts[0], "2021-03-14T23:00:00Z"); /* midnight in Berlin */
    got_free(&g);

    read_all(&g,
             write_input("ymd.ndjson",
                         "{\"subreddit\":\"pics\",\"subreddit_id\":\"t5_2qh0u\",\"id\":\"a1\","
                         "\"author\":\"x\",\"body\":\"hi\",\"created_utc\":\"20210315\"}\n"
                         "{\"subreddit\":\"pics\",\"subreddit_id\":\"t5_2qh0u\",\"id\":\"a2\","
                         "\"author\":\"x\",\"body\":\"hi\",\"created_utc\":20210315}\n"
                         "{\"subreddit\":\"pics\",\"subreddit_id\":\"t5_2qh0u\",\"id\":\"a3\","
                         "\"author\":\"x\",\"body\":\"hi\",\"created_utc\":\"20210315.0\"}\n"),
             NULL, NULL, false);
    CHECK_STR(g.format, "pushshift");
    CHECK_INT(g.n, 3);
    CHECK_STR(g.ts[0], "2021-03-15T00:00:00Z");
    CHECK_STR(g.ts[1], "2021-03-15T00:00:00Z");
    CHECK_STR(g.ts[2], "1970-08-22T21:58:35Z"); /* a fraction: epoch seconds */
    got_free(&g);
}

/* ---- X entities (one helper for v1.1, v2 and Gnip) ---- */

/* Which member each X mapper takes urls, hashtags and mentions from, with the fallbacks that
 * differ between them: v1.1 and v2 take `url` when `expanded_url` is missing, Gnip does not;
 * Gnip takes twitter_entities' urls only when gnip.urls has none; extended_tweet's entities
 * replace the top-level ones. */
static void x_entities_per_format(void)
{
    got g;
    const char *user = "\"user\":{\"id_str\":\"9\",\"screen_name\":\"u\"}";
    char v1[2048];
    snprintf(v1, sizeof v1,
             "{\"created_at\":\"Tue Jul 18 23:25:04 +0000 2017\",\"id_str\":\"1\",%s,"
             "\"text\":\"a\",\"entities\":{\"urls\":[{\"expanded_url\":\"https://e.x/1\","
             "\"url\":\"https://t.co/1\"},{\"url\":\"https://t.co/2\"},{\"expanded_url\":\"\"}],"
             "\"hashtags\":[{\"text\":\"H1\"},{\"text\":\"\"},{\"tag\":\"no\"}],"
             "\"user_mentions\":[{\"screen_name\":\"m1\"},{\"username\":\"no\"}]}}\n"
             "{\"created_at\":\"Tue Jul 18 23:25:04 +0000 2017\",\"id_str\":\"2\",%s,"
             "\"text\":\"short\",\"entities\":{\"hashtags\":[{\"text\":\"top\"}]},"
             "\"extended_tweet\":{\"full_text\":\"long\",\"entities\":{\"hashtags\":"
             "[{\"text\":\"ext\"}],\"urls\":\"not an array\"}}}\n",
             user, user);
    read_all(&g, write_input("ents.jsonl", v1), NULL, NULL, false);
    CHECK_STR(g.format, "twitter");
    CHECK_INT(g.n, 2);
    CHECK_STR(g.ents[0], "u:https://e.x/1 u:https://t.co/2 h:H1 m:m1");
    CHECK_STR(g.ents[1], "h:ext");
    got_free(&g);

    read_all(&g,
             write_input("ents2.jsonl",
                         "{\"data\":[{\"id\":\"1\",\"text\":\"a\",\"author_id\":\"9\","
                         "\"created_at\":\"2021-05-18T19:24:56.000Z\",\"entities\":{\"urls\":["
                         "{\"expanded_url\":\"https://e.x/1\"},{\"url\":\"https://t.co/2\"}],"
                         "\"hashtags\":[{\"tag\":\"H1\"},{\"text\":\"no\"}],\"mentions\":"
                         "[{\"username\":\"m1\"},{\"screen_name\":\"no\"}]}},"
                         "{\"id\":\"2\",\"text\":\"b\",\"note_tweet\":{\"text\":\"long\","
                         "\"entities\":{\"mentions\":[{\"username\":\"note\"}]}},"
                         "\"entities\":{\"mentions\":[{\"username\":\"top\"}]}}]}\n"),
             NULL, NULL, false);
    CHECK_STR(g.format, "twitter-v2");
    CHECK_INT(g.n, 2);
    CHECK_STR(g.ents[0], "u:https://e.x/1 u:https://t.co/2 h:H1 m:m1");
    CHECK_STR(g.ents[1], "m:note");
    got_free(&g);

    const char *act = "{\"verb\":\"post\",\"postedTime\":\"2017-05-24T20:17:19.000Z\","
                      "\"actor\":{\"id\":\"id:twitter.com:9\",\"preferredUsername\":\"u\"},"
                      "\"id\":\"tag:search.twitter.com,2005:%d\",\"body\":\"b\",%s"
                      "\"twitter_entities\":{\"urls\":[{\"expanded_url\":\"https://te.x/1\"},"
                      "{\"url\":\"https://t.co/2\"}],\"hashtags\":[{\"text\":\"H1\"}],"
                      "\"user_mentions\":[{\"screen_name\":\"m1\"}]}}\n";
    char gnip[4096];
    int k = snprintf(gnip, sizeof gnip, act, 1,
                     "\"gnip\":{\"urls\":[{\"expanded_url\":\"https://g.x/1\"},"
                     "{\"url\":\"https://t.co/9\"}]},");
    k += snprintf(gnip + k, sizeof gnip - (size_t)k, act, 2,
                  "\"gnip\":{\"urls\":[{\"url\":\"https://t.co/9\"}]},");
    snprintf(gnip + k, sizeof gnip - (size_t)k, act, 3, "");
    read_all(&g, write_input("ents.gnip.jsonl", gnip), NULL, NULL, false);
    CHECK_STR(g.format, "gnip");
    CHECK_INT(g.n, 3);
    CHECK_STR(g.ents[0], "u:https://g.x/1 h:H1 m:m1");
    CHECK_STR(g.ents[1], "u:https://te.x/1 h:H1 m:m1");
    CHECK_STR(g.ents[2], "u:https://te.x/1 h:H1 m:m1");
    got_free(&g);
}

/* ---- fields quoted in messages ---- */

/* A field quoted in a warning is cut to 64 bytes (at a character boundary) and "..." is
 * added; its length never goes to printf as an int (a field past INT_MAX became a negative
 * precision: printf then read the view until some NUL byte). */
static void long_fields_are_cut_in_messages(void)
{
    char big[100];
    memset(big, 'x', sizeof big);
    tocsin_strv huge = {big, (size_t)INT_MAX + 10};
    CHECK_INT(fu_show_len(huge), 64);
    char msg[200];
    snprintf(msg, sizeof msg, "[%.*s%s]", FU_SHOW(huge));
    CHECK_INT(strlen(msg), 64 + 3 + 2);
    CHECK(strstr(msg, "x...]") != NULL);
    tocsin_strv small = {"abc", 3}, none = {NULL, 0};
    snprintf(msg, sizeof msg, "[%.*s%s][%.*s%s]", FU_SHOW(small), FU_SHOW(none));
    CHECK_STR(msg, "[abc][]");
    /* a two-byte character across byte 64 is not split */
    char utf[100];
    utf[0] = 'a';
    for (int i = 1; i + 1 < (int)sizeof utf; i += 2) {
        utf[i] = (char)0xC3;
        utf[i + 1] = (char)0xA9;
    }
    CHECK_INT(fu_show_len((tocsin_strv){utf, 99}), 63);

    /* through the mappers: Twitter, Mastodon, a CSV tool and a feed */
    char bad[600], line[2048];
    memset(bad, 'y', 500);
    bad[500] = 0;
    snprintf(line, sizeof line,
             "{\"created_at\":\"%s\",\"id_str\":\"1\",\"text\":\"t\","
             "\"user\":{\"id_str\":\"9\",\"screen_name\":\"u\"}}\n", bad);
    got g;
    read_all(&g, write_input("longtime.jsonl", line), "twitter", NULL, false);
    CHECK_INT(g.n, 0);
    CHECK_INT(g.warnings, 1);
    CHECK(strstr(g.last_warning, "yyy...\"") != NULL);
    CHECK(strlen(g.last_warning) < 140);
    got_free(&g);
    snprintf(line, sizeof line,
             "[\n{\"id\":\"1\",\"created_at\":\"%s\",\"account\":{\"id\":\"2\"},"
             "\"content\":\"<p>x</p>\"}\n]\n", bad);
    read_all(&g, write_input("longtime.mastodon.json", line), "mastodon", NULL, false);
    CHECK_STR(g.format, "mastodon");
    CHECK_INT(g.n, 0);
    CHECK(strstr(g.last_warning, "yyy...\"") != NULL);
    CHECK(strlen(g.last_warning) < 140);
    got_free(&g);
    snprintf(line, sizeof line,
             "<rss version=\"2.0\"><channel><title>T</title><item><guid>g</guid>"
             "<pubDate>%s</pubDate></item></channel></rss>\n", bad);
    read_all(&g, write_input("longtime.rss", line), "rss", NULL, false);
    CHECK_INT(g.n, 0);
    CHECK(strstr(g.last_warning, "yyy...\"") != NULL);
    CHECK(strlen(g.last_warning) < 140);
    got_free(&g);
}

/* ---- deep Reddit comment trees ---- */

/* Counts every post of `path` (read_all stops at MAXP) and the warnings. */
static uint64_t count_posts(const char *path, int *warnings, char *last, size_t cap)
{
    got g;
    memset(&g, 0, sizeof g);
    tocsin_read_opts o;
    tocsin_read_opts_init(&o);
    o.warn = on_warn;
    o.warn_ctx = &g;
    tocsin_reader *r = NULL;
    tocsin_error err;
    uint64_t n = 0;
    if (tocsin_reader_open(&o, path, &r, &err) != TOCSIN_OK)
        return 0;
    tocsin_post p;
    int ok = 0;
    while (tocsin_reader_next(r, &p, &ok, &err) == TOCSIN_OK && ok)
        n++;
    tocsin_reader_free(r);
    *warnings = g.warnings;
    snprintf(last, cap, "%s", g.last_warning);
    return n;
}

/* A Reddit comment tree `levels` replies deep, as the JSON API nests it. */
static char *reddit_chain(int levels)
{
    size_t cap = (size_t)levels * 300 + 100, n = 0;
    char *s = malloc(cap);
    for (int i = 0; i < levels; i++)
        n += (size_t)snprintf(s + n, cap - n,
                              "{\"kind\":\"Listing\",\"data\":{\"children\":[{\"kind\":\"t1\","
                              "\"data\":{\"id\":\"c%d\",\"created_utc\":1500000000,\"body\":\"b\","
                              "\"author\":\"a\",\"subreddit\":\"s\",\"subreddit_id\":\"t5_x\","
                              "\"replies\":",
                              i);
    n += (size_t)snprintf(s + n, cap - n, "\"\"");
    for (int i = 0; i < levels; i++)
        n += (size_t)snprintf(s + n, cap - n, "}}]}}");
    snprintf(s + n, cap - n, "\n");
    return s;
}

/* The Listing walk stopped at 200 calls deep (about 66 reply levels) without a word: the
 * deeper comments of a long thread were lost silently. The JSON parser already bounds nesting
 * (1024 levels, 5 per reply level); the walk now follows as deep as the parser goes, and
 * would warn if it ever stopped. */
static void deep_reddit_threads_are_read_whole(void)
{
    int warnings = 0;
    char last[600];
    char *doc = reddit_chain(200); /* 1000 JSON levels: near the parser's 1024 */
    uint64_t n = count_posts(write_input("deep_thread.json", doc), &warnings, last, sizeof last);
    free(doc);
    CHECK_INT(n, 200);
    CHECK_INT(warnings, 0);
    doc = reddit_chain(60);
    n = count_posts(write_input("thread60.json", doc), &warnings, last, sizeof last);
    free(doc);
    CHECK_INT(n, 60);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tocsin-fmt-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "cannot make a temporary directory\n");
        return 1;
    }
    RUN(truncated_last_line_warns_and_keeps_the_rest);
    RUN(id_beyond_2_53_is_exact);
    RUN(retweet_text_is_the_full_original);
    RUN(telegram_date_without_offset_is_not_utc);
    RUN(telegram_full_account_export);
    RUN(telethon_utf16_entity_offsets);
    RUN(duplicated_lines_are_read_as_they_are);
    RUN(unknown_shape_says_what_was_tried);
    RUN(forced_format);
    RUN(whatsapp_styles);
    RUN(whatsapp_am_pm);
    RUN(one_time_parser_for_every_entry_point);
    RUN(feed_dates_and_double_escaping);
    RUN(reddit_type_drift);
    RUN(discord_offsets_and_types);
    RUN(gnip_share_takes_the_original);
    RUN(mastodon_boost_and_spoiler);
    RUN(fourcat_csv_columns);
    RUN(telegram_control_escapes_and_stream_notices);
    RUN(fourcat_telegram_ndjson);
    RUN(twitter_v2_flattened_lines);
    RUN(yyyymmdd_is_a_date_in_every_reader);
    RUN(x_entities_per_format);
    RUN(long_fields_are_cut_in_messages);
    RUN(deep_reddit_threads_are_read_whole);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_summary();
}
