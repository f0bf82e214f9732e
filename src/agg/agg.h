/* agg.h: stage agg owns time buckets and the count tables: matching posts and exact distinct
 * authors per (topic, language, bucket). One table per thread, merged at the end, so the hot path
 * takes no lock. */
#ifndef TOCSIN_AGG_H
#define TOCSIN_AGG_H

#include "common/common.h"

typedef struct agg_table agg_table;

/* A new empty table; NULL on allocation failure. Free with agg_free(). */
agg_table *agg_new(void);
void agg_free(agg_table *t);

/* Counts one matching post of `topic` in language `lang` (copied, at most 15 bytes kept) in the
 * bucket starting at `bucket`; when has_author, `author` (a 64-bit hash of the author id) is
 * added to the row's distinct authors. */
tocsin_status agg_add(agg_table *t, uint32_t topic, const char *lang, size_t lang_len,
                      int64_t bucket, bool has_author, uint64_t author);

/* Adds every row and author of `src` into `dst`. */
tocsin_status agg_merge(agg_table *dst, const agg_table *src);

/* The rows sorted by topic, language, bucket. On success *rows is a malloc'd array the caller
 * frees with free(), *n its length. */
tocsin_status agg_rows(const agg_table *t, tocsin_count_row **rows, size_t *n);

/* A fast 64-bit hash of n bytes (not cryptographic: for author sets and keys). */
uint64_t agg_hash64(const void *p, size_t n);

#endif
