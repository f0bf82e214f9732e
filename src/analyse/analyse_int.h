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

#endif
