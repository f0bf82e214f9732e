/* analyse_int.h: what the files of stage analyse share: the store's connection (through
 * store_int.h), small SQL helpers and dynamic arrays. */
#ifndef TOCSIN_ANALYSE_INT_H
#define TOCSIN_ANALYSE_INT_H

#include "common/common.h"
#include "store/store_int.h"

#include <math.h>

/* Grows *p (elements of `size` bytes, capacity *cap) to hold at least `need`. */
tocsin_status an_grow(void **p, size_t *cap, size_t need, size_t size);

/* Looks the topic up: *id receives its id. An unknown topic is TOCSIN_ERR_USAGE naming the
 * topics the store has. */
tocsin_status an_topic_id(tocsin_store *s, const char *topic, int64_t *id, tocsin_error *err);

/* Copies a column's text (NULL -> "") into a fixed buffer. */
void an_col_text(sqlite3_stmt *q, int col, char *buf, size_t cap);

#define AN_DAY 86400

/* SQL pieces over the store schema (docs/internals/store.md). A channel as "platform/channel"
 * ("channel" alone without platform); the kept posts of topic ?4 in language ?1 within
 * [?2, ?3); the columns read_post-style readers expect. */
#define CHAN_EXPR "CASE WHEN c.platform <> '' THEN c.platform || '/' || c.channel ELSE c.channel END"
#define TOPIC_POST "EXISTS (SELECT 1 FROM post_match m WHERE m.key = p.key AND m.topic = ?4)"
#define SPAN_POSTS "p.lang = ?1 AND p.ts >= ?2 AND p.ts < ?3 AND " TOPIC_POST

#define POST_COLS                                                                                \
    "p.key, p.id, p.ts, coalesce(" CHAN_EXPR ", ''), coalesce(p.author, ''),"                   \
    " coalesce(p.lang, ''), coalesce(p.text, ''), p.cluster"


#endif
