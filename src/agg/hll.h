/* hll.h: HyperLogLog distinct counts (stage agg): a mergeable sketch of the distinct authors of
 * one store cell (language x channel x hour, or topic x language x channel x hour).
 *
 * Precision p = 14 (16384 one-byte registers, standard error 1.04 / sqrt(16384) = 0.81%) once
 * dense; while small the sketch is sparse (HyperLogLog++ style: 25-bit indexes, near-exact
 * linear counting), so a cell with a handful of authors costs a few bytes. The estimator is
 * Ertl's improved raw estimator (2017), unbiased over the whole range without bias tables.
 *
 * Serialized form (the store's BLOB, documented in docs/internals/store.md):
 *   'S' followed by n little-endian uint32 entries (idx25 << 6 | rho), sorted by idx25, or
 *   'D' followed by 16384 register bytes. */
#ifndef TOCSIN_HLL_H
#define TOCSIN_HLL_H

#include "common/common.h"

#define HLL_P 14
#define HLL_M (1u << HLL_P)
#define HLL_SP 25          /* sparse index bits */
#define HLL_SPARSE_MAX 4096 /* sparse entries before turning dense (16 KiB either way) */

typedef struct hll {
    uint32_t *sp;  /* sparse entries, sorted by index, one per index; NULL when dense */
    size_t n, cap;
    uint8_t *reg;  /* HLL_M registers when dense, else NULL */
} hll;

void hll_init(hll *h);
void hll_free(hll *h);
/* Empties the sketch, keeping its memory. */
void hll_clear(hll *h);
/* Adds one 64-bit hash (must be uniformly distributed). */
tocsin_status hll_add(hll *h, uint64_t hash);
/* dst |= src. */
tocsin_status hll_merge(hll *dst, const hll *src);
/* dst |= the serialized sketch blob[0..len). TOCSIN_ERR_STORE for a malformed blob. */
tocsin_status hll_merge_blob(hll *dst, const void *blob, size_t len);
/* The estimated number of distinct hashes added. */
double hll_estimate(const hll *h);
/* Appends the serialized form to out (after resetting it). */
tocsin_status hll_serialize(const hll *h, tc_buf *out);
/* true when nothing was added. */
bool hll_empty(const hll *h);

#endif
