/* lang_internal.h: what the files of the language stage share: the noise stripper and script
 * router (clean.c), the character n-gram model (model.c) and tag normalization (source.c). */
#ifndef TOCSIN_LANG_INTERNAL_H
#define TOCSIN_LANG_INTERNAL_H

#include "common/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Scripts the router tells apart. LSCRIPT_HAN covers ideographs; kana are separate so that
 * Japanese (kana among Han) is told from Chinese. */
typedef enum lang_script {
    LSCRIPT_NONE = 0, LSCRIPT_LATN, LSCRIPT_CYRL, LSCRIPT_ARAB, LSCRIPT_DEVA, LSCRIPT_BENG,
    LSCRIPT_GREK, LSCRIPT_HEBR, LSCRIPT_ARMN, LSCRIPT_GEOR, LSCRIPT_HANG, LSCRIPT_HAN,
    LSCRIPT_KANA, LSCRIPT_THAI, LSCRIPT_LAOO, LSCRIPT_KHMR, LSCRIPT_MYMR, LSCRIPT_TIBT,
    LSCRIPT_GURU, LSCRIPT_GUJR, LSCRIPT_ORYA, LSCRIPT_TAML, LSCRIPT_TELU, LSCRIPT_KNDA,
    LSCRIPT_MLYM, LSCRIPT_SINH, LSCRIPT_THAA, LSCRIPT_ETHI, LSCRIPT_SYRC, LSCRIPT_MONG,
    LSCRIPT_CHER, LSCRIPT_OTHER,
    LSCRIPT__COUNT
} lang_script;

/* @return the script of a letter or mark `cp` (LSCRIPT_NONE for code points of no script). */
lang_script lang_script_of(uint32_t cp);
/* @return the ISO 15924 code of `s` ("Latn"...; "Zyyy" for NONE, "Zzzz" for OTHER). */
const char *lang_script_code(lang_script s);
/* @return the script named by an ISO 15924 code (case-insensitive), LSCRIPT_NONE if unknown. */
lang_script lang_script_from_code(const char *code);

/* The text after noise removal, in two shapes:
 *  - `text`: UTF-8 with URLs, e-mail addresses, @mentions, the '#' of hashtags (whose words are
 *    split at '_' and camelCase), emoji, symbols and digits replaced by spaces (given to CLD2);
 *  - `cps`: the model's view: letters and marks lowercased, every other run as one U+0020, with
 *    one space at each end.
 * Counts of letters per script come along. Buffers are reused across calls (per state). */
typedef struct lang_clean {
    char *text;
    size_t text_len, text_cap;
    uint32_t *cps;
    size_t n_cps, cps_cap;
    uint32_t per_script[LSCRIPT__COUNT];
    size_t letters;
    /* Hebrew letters that mark Yiddish (U+05F0..U+05F2 ligatures, pointed alef). */
    size_t yiddish_marks;
    /* Bengali-script letters only Assamese uses (U+09F0, U+09F1). */
    size_t assamese_marks;
} lang_clean;

void lang_clean_init(lang_clean *c);
void lang_clean_free(lang_clean *c);
/* Cleans in[0..len) into *c, stopping at the first token boundary after max_letters letters
 * (a bounded prefix: the language of a long post is told by its beginning).
 * @return TOCSIN_OK or TOCSIN_ERR_NOMEM. */
tocsin_status lang_clean_run(lang_clean *c, const char *in, size_t len, size_t max_letters);

/* The n-gram model: per script group, naive Bayes over character 1..4-grams. See model.c. */
typedef struct lang_model lang_model;

/* Parses a model from text[0..len) (models/lang-ngram.txt format); `name` names it in errors.
 * On success *out is owned by the caller (lang_model_free). */
tocsin_status lang_model_parse(const char *text, size_t len, const char *name, lang_model **out,
                               tocsin_error *err);
void lang_model_free(lang_model *m);
/* @return true when the model has languages for script `s`. */
bool lang_model_has_script(const lang_model *m, lang_script s);

typedef struct lang_model_verdict {
    const char *lang, *runner_up;  /* codes owned by the model; runner_up may be NULL */
    double p, p_runner_up;         /* tempered posteriors */
    bool trusted;                  /* lang is one the model vouches for */
    bool unseen_letter;            /* the text has a letter no language of the group was
                                      trained on (e.g. Sindhi or Sorani letters) */
    bool letter_new_to_best;       /* the text has a letter the winning language was never
                                      trained on (seen only in other languages of the group) */
    size_t ngrams;                 /* n-grams scored */
} lang_model_verdict;

/* Per-state scratch for scoring (score accumulators, the text as letter ids). */
typedef struct lang_model_scratch {
    int32_t *score;
    size_t cap;
    uint8_t *ids;
    size_t ids_cap;
} lang_model_scratch;

/* Scores the model's view `cps` (from lang_clean) against the languages of script `s`.
 * @return false when the model has no languages for `s` or no n-gram was scored. */
bool lang_model_score(const lang_model *m, lang_script s, const uint32_t *cps, size_t n,
                      size_t max_positions, lang_model_scratch *scr, lang_model_verdict *out);
void lang_model_scratch_free(lang_model_scratch *scr);
/* Chooses the scoring kernel: AVX2 (the default where the CPU has it) or portable; both give
 * the same results (tests compare them). @return whether AVX2 is now used. */
bool lang_model_use_avx2(lang_model *m, bool on);
/* @return the posterior from which the model's trusted verdict stands without CLD2. */
double lang_model_trust_p(const lang_model *m);
/* @return the posterior from which a verdict for a language the model does not vouch for (a
 * guard) stands without CLD2 (> 1: never). */
double lang_model_guard_p(const lang_model *m);

/* The built-in model text (models/lang-ngram.txt, embedded by model_blob.c). */
extern const char lang_builtin_model[];
extern const char lang_builtin_model_end[];

/* @return the scripts a language is normally written in, as a bit mask of (1u << lang_script),
 * or 0 when the language is not in the table. */
uint64_t lang_code_scripts(const char *code);

#endif
