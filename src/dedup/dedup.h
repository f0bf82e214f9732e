/* dedup.h: near-duplicate detection (stage dedup): 64-bit SimHash fingerprints of normalized
 * texts and a banded index that finds an earlier fingerprint within a Hamming radius. */
#ifndef TOCSIN_DEDUP_H
#define TOCSIN_DEDUP_H

#include "common/common.h"

/* Fingerprints within this many differing bits are near-duplicates. */
#define DD_RADIUS 3
/* radius + 1 bands of 16 bits: two fingerprints within the radius agree on one whole band. */
#define DD_BANDS 4

/* The SimHash of normalized text norm[0..len) (tocsin_normalize output): tokens are runs
 * between spaces with edge punctuation trimmed; tokens holding a digit, '/', ':' or '@' (numbers,
 * URLs, mentions) and one-byte tokens are ignored; features are the word unigrams and bigrams.
 * A text with no usable token gets a 64-bit hash of the whole text instead (so such texts only
 * collapse with exact copies). */
uint64_t dd_simhash(const char *norm, size_t len);

static inline int dd_distance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

/* The most recent `cap` fingerprints (by insertion order), each with its cluster id. */
typedef struct dd_index dd_index;

/* NULL on allocation failure. Memory: cap * 32 bytes + 1 MiB. */
dd_index *dd_index_new(size_t cap);
void dd_index_free(dd_index *ix);
/* Finds the most recently added fingerprint within DD_RADIUS of sim; true and *id when found. */
bool dd_index_find(const dd_index *ix, uint64_t sim, int64_t *id);
/* Adds (sim, id); ids must increase from call to call. Evicts the oldest past cap. */
void dd_index_add(dd_index *ix, uint64_t sim, int64_t id);
size_t dd_index_size(const dd_index *ix);

#endif
