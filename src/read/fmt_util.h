/* fmt_util.h: small helpers shared by the platform format mappers (fmt_*.c): typed member
 * access on the JSON tree, exact ids, epoch times, entity decoding, URL and link extraction
 * from plain text and HTML. Times written as text are parsed by time.c alone (rd_out_time,
 * rd_time_parse_utc in format.h), so every format accepts the same forms.
 * Everything here is internal to the read stage; the prefix is `fu_`. */
#ifndef TOCSIN_READ_FMT_UTIL_H
#define TOCSIN_READ_FMT_UTIL_H

#include "read/format.h"

#include <stdio.h>

/* Member `key` of obj as a string view ({NULL,0} when absent or not a string). */
tocsin_strv fu_str(tj_doc *d, tj_val obj, const char *key);
/* Dotted path from v as a string view ({NULL,0} when absent or not a string). */
tocsin_strv fu_pstr(tj_doc *d, tj_val v, const char *dotted);
/* A string or an exact integer written as decimal text ({NULL,0} for anything else, including
 * null, "" and doubles that are not whole numbers). Ids beyond 2^53 stay exact. */
tocsin_strv fu_id(tj_doc *d, tj_val v);
/* fu_id() of member `key`. */
tocsin_strv fu_id_of(tj_doc *d, tj_val obj, const char *key);
/* True when member `key` exists (any type, null included). */
bool fu_has(tj_doc *d, tj_val obj, const char *key);
/* True when v is a non-empty string. */
static inline bool fu_nonempty(tocsin_strv v) { return v.ptr && v.len; }

/* Epoch seconds from a number or a string of digits (optionally with a fractional part): the
 * unit is seconds, milliseconds, microseconds or nanoseconds by magnitude, as rd_epoch_scale
 * decides for the generic formats (doubles: seconds or milliseconds). Exactly eight digits
 * that form a date 1900..2100 are that date, YYYYMMDD, at UTC midnight (see time.c).
 * @return false when v is neither. */
bool fu_epoch(tj_doc *d, tj_val v, int64_t *ts);
/* Copies s with "&amp;", "&lt;", "&gt;" (and "&quot;", "&#39;" when `more`) decoded, the escaping
 * X/Twitter and Reddit apply to their text fields. Returns s itself when there is nothing to
 * decode; {NULL,0} on allocation failure. */
tocsin_strv fu_unescape_basic(rd_out *o, tocsin_strv s, bool more);
/* Trims ASCII whitespace (and NBSP) from both ends. */
tocsin_strv fu_trim(tocsin_strv s);

/* Adds every http:// or https:// URL found in plain text `t` as a url of the last post
 * (views into t, which must live as long as the record). */
tocsin_status fu_urls_in_text(rd_out *o, tocsin_strv t);
/* Adds the href of every <a> element of HTML `h` as a url, skipping links whose class contains
 * one of the words in `skip_classes` (NULL-terminated, may be NULL) and in-page links ("#..").
 * Protocol-relative hrefs get "https:". Entities in the href are decoded. The views are arena
 * copies. */
tocsin_status fu_html_links(rd_out *o, tocsin_strv h, const char *const *skip_classes);
/* Adds to the last post, for each object of JSON array `arr` (nothing when it is not an
 * array), its string member `key` (or `fallback` when key is missing or empty and fallback is
 * not NULL) through `add`: rd_out_url, rd_out_hashtag or rd_out_mention. Empty strings are
 * skipped. *added (may be NULL) is set to how many were added. Views into the record. */
tocsin_status fu_entity_list(rd_out *o, tj_doc *d, tj_val arr, const char *key,
                             const char *fallback, tocsin_status (*add)(rd_out *, tocsin_strv),
                             size_t *added);
/* An X/Twitter-style entities object: the names of its url, hashtag and mention arrays and of
 * the member that holds each entity's text (NULL array names are skipped). */
typedef struct fu_entity_keys {
    const char *urls, *url_key, *url_fallback;
    const char *hashtags, *hashtag_key;
    const char *mentions, *mention_key;
} fu_entity_keys;
/* v1.1 (and Gnip's twitter_entities): urls[].expanded_url (else url), hashtags[].text,
 * user_mentions[].screen_name. */
extern const fu_entity_keys fu_x_v1_entities;
/* v2: urls[].expanded_url (else url), hashtags[].tag, mentions[].username. */
extern const fu_entity_keys fu_x_v2_entities;
/* Adds the urls, hashtags and mentions of entities object `ents` (0 = none) to the last post. */
tocsin_status fu_entities(rd_out *o, tj_doc *d, tj_val ents, const fu_entity_keys *k);

/* HTML to text (rd_out_html) with surrounding whitespace trimmed. */
tocsin_status fu_html_text(rd_out *o, tocsin_strv h, tocsin_strv *out);

/* Joins up to n parts with `sep` between the non-empty ones (arena copy). */
tocsin_strv fu_join(rd_out *o, const tocsin_strv *parts, size_t n, const char *sep);

/* Quoting a field in a message: printf("\"%.*s%s\"", FU_SHOW(v)) shows at most FU_SHOW_MAX
 * bytes of v (cut before a UTF-8 character that would not fit) followed by "..." when v was
 * longer. A length is never cast to int as it is (a field past INT_MAX would become a negative
 * precision, and printf would then read the unterminated view up to some NUL byte). v is
 * evaluated several times: pass a variable. */
#define FU_SHOW_MAX 64
int fu_show_len(tocsin_strv v);
#define FU_SHOW(v)                                                                                \
    fu_show_len(v), ((v).ptr ? (v).ptr : ""), ((v).len > (size_t)fu_show_len(v) ? "..." : "")

/* Sniff helper: counts how many of the NULL-terminated keys exist in obj. */
int fu_count_keys(tj_doc *d, tj_val obj, const char *const *keys);
/* Writes "missing KEY" style reasons: why = "no member \"a\", \"b\"" for the missing ones. */
void fu_why_missing(tj_doc *d, tj_val obj, const char *const *keys, char *why, size_t cap);

#endif
