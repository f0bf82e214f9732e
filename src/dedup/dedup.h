/* dedup.h: near-duplicate detection (stage dedup): a signature per normalized text (MinHash
 * bands for lookup, a 64-bit SimHash to confirm) and an index that finds an earlier cluster
 * whose signature agrees. */
#ifndef TOCSIN_DEDUP_H
#define TOCSIN_DEDUP_H

#include "common/common.h"

#define DD_BANDS 8       /* LSH bands */
#define DD_ROWS 3        /* MinHash values per band */
#define DD_RADIUS 12     /* SimHash bits that may differ between near-duplicates */

typedef struct dd_sig {
    uint32_t band[DD_BANDS]; /* hash of each band's DD_ROWS minima */
    uint64_t sim;            /* SimHash of the same features */
} dd_sig;

/* The signature of normalized text norm[0..len) (tocsin_normalize output): tokens are runs
 * between spaces with edge punctuation trimmed; tokens holding a digit, '/', ':' or '@' (numbers,
 * URLs, mentions) and one-byte tokens are ignored; features are word unigrams and bigrams. A
 * text with no usable token gets bands and SimHash from a hash of the whole text, so such texts
 * only collapse with exact copies. */
void dd_signature(const char *norm, size_t len, dd_sig *out);

static inline int dd_distance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

/* Two signatures are near-duplicates when a band agrees and the SimHashes are within radius. */
bool dd_similar(const dd_sig *a, const dd_sig *b);

/* The most recent `cap` signatures (by insertion order), each with its cluster id. */
typedef struct dd_index dd_index;

/* NULL on allocation failure (or cap 0). Memory: cap * 80 bytes + 32 MiB (chain heads). */
dd_index *dd_index_new(size_t cap);
void dd_index_free(dd_index *ix);
/* Finds the most recently added signature similar to sig; true and *id when found. */
bool dd_index_find(const dd_index *ix, const dd_sig *sig, int64_t *id);
/* Hints the CPU to load the index heads sig will read (call a few posts ahead of the find). */
void dd_index_prefetch(const dd_index *ix, const dd_sig *sig);
/* Adds (sig, id); ids must increase from call to call. Evicts the oldest past cap. */
void dd_index_add(dd_index *ix, const dd_sig *sig, int64_t id);
size_t dd_index_size(const dd_index *ix);

/* Serialized signature for the store: DD_BANDS little-endian uint32 then the uint64 SimHash. */
#define DD_SIG_BYTES (4 * DD_BANDS + 8)
void dd_sig_pack(const dd_sig *s, unsigned char out[DD_SIG_BYTES]);
bool dd_sig_unpack(const void *p, size_t len, dd_sig *out);

#endif
