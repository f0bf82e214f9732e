/* text.h: what the text stage's files share: the normalizer object (its reusable buffers) and the
 * character classes of the normalization rules, so that the table builder, the fast path, the
 * reference and the tests all ask the same questions. Internal to libtocsin. */
#ifndef TOCSIN_TEXT_H
#define TOCSIN_TEXT_H

#include "common/common.h"

#include <stdbool.h>
#include <stdint.h>

struct tocsin_norm {
    const struct norm_table *tab; /* shared, read-only, built once per process */
    char *obuf;                   /* obuf[0] = 0, then the normalized text of the last call */
    char *out;                    /* obuf + 1 */
    size_t out_cap;
    uint32_t *map; /* offsets of the last call (when asked for) */
    size_t map_cap;
    tc_buf ref;  /* tocsin_normalize_reference: result */
    tc_buf tmp;  /* tocsin_normalize_reference: the pre-NFKC string */
    tc_buf html; /* tocsin_html_to_text: result */
};

/* Normalizes in[0..len) like tocsin_normalize (without offsets) and appends the result to the
 * first `keep` bytes of the output left by earlier calls, so several texts can be normalized
 * into one buffer without a copy (the scan's joined matching). The byte before the new text,
 * out[keep - 1], is set by the caller (out[keep - 1] may overwrite the NUL of the last call)
 * and must not be ' ': a '\n' separator makes the new text's output exactly what it would be
 * alone (nothing composes or collapses across it). On success n->out holds *total bytes and a
 * NUL; the buffer belongs to the normalizer and may move on every call. */
tocsin_status norm_append(tocsin_norm *n, size_t keep, const char *in, size_t len, size_t *total,
                          tocsin_error *err);

/* Rule 2: removed entirely (tatweel, zero-width and format characters, bidi controls). */
bool norm_is_removed(uint32_t cp);
/* Rule 3: becomes (part of) one ASCII space (White_Space, Pd dashes, U+2212, '_', '.', ZWNJ). */
bool norm_is_separator(uint32_t cp);
/* Rule 5: Arabic-script letter and digit folding, applied after NFKC; returns cp unchanged when
 * no rule applies. */
uint32_t norm_fold_arabic(uint32_t cp);

/* Lowers the width of the ASCII fast path (0 = byte loop, 1 = SSE2, 2 = AVX2) so that tests can
 * check every variant on a machine that has them all; never raises it above what the CPU has.
 * Not thread-safe: call before normalizing. @return the level now in force. */
int norm_set_simd(int level);

/* The utf8proc options of rule 4. */
#define NORM_UTF8PROC_OPTS                                                                      \
    (UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_STABLE)

/* Hangul jamo classes: the only characters that still compose once marks are stripped (the unit
 * test checks this claim against the installed utf8proc for every code point). */
static inline bool norm_hangul_is_l(uint32_t c) { return c >= 0x1100 && c <= 0x1112; }
static inline bool norm_hangul_is_v(uint32_t c) { return c >= 0x1161 && c <= 0x1175; }
/* T jamo are U+11A8..U+11C2; utf8proc also "composes" an LV syllable with U+11A7 (the T base,
 * which is not a T jamo) by dropping it, and the reference is utf8proc, so U+11A7 counts here. */
static inline bool norm_hangul_is_t(uint32_t c) { return c >= 0x11A7 && c <= 0x11C2; }
static inline bool norm_hangul_is_lv(uint32_t c)
{
    return c >= 0xAC00 && c <= 0xD7A3 && (c - 0xAC00) % 28 == 0;
}

#endif
