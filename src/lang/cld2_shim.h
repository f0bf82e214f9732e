/* cld2_shim.h: the C view of the CLD2 wrapper in cld2_shim.cpp (internal to the lang stage). */
#ifndef TOCSIN_LANG_CLD2_SHIM_H
#define TOCSIN_LANG_CLD2_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lang_cld2_out {
    char lang[16];      /* CLD2's verdict as its code ("en", "ku", "zh-Hant"...), "" = unknown */
    char top[3][16];    /* its three best languages, "" where absent */
    int percent[3];     /* share of the text each covers, 0..100 */
    double score[3];    /* CLD2's normalized scores (about 1.0 for typical text) */
    int text_bytes;     /* letters-only bytes CLD2 looked at */
    int reliable;       /* CLD2's own reliability flag */
} lang_cld2_out;

/* Runs CLD2 (plain text, no hints) on text[0..len), with kCLDFlagBestEffort when best_effort.
 * Always fills *out. @return 0, or -1 when the text was not entirely valid UTF-8 (CLD2 then
 * answers unknown). Thread-safe: CLD2 keeps no mutable global state. */
int lang_cld2_detect(const char *text, size_t len, int best_effort, lang_cld2_out *out);

#ifdef __cplusplus
}
#endif
#endif
