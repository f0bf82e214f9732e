/* clean.c: noise removal and script counting before language identification.
 *
 * Social-media text carries tokens that say nothing about its language and mislead detectors:
 * URLs, e-mail addresses, @mentions, emoji, digits. They are replaced by spaces. A hashtag keeps
 * its words (its '#' goes, "#FreeSpeech_now" reads "Free Speech now"), because they are usually
 * written in the post's language. The same pass counts letters per script (for the router in
 * lang.c) and builds the model's view of the text: lowercased letters and marks, one space for
 * every other run. Tokens are whitespace-delimited; the URL test is per token, so "(see
 * https://x.y/z)" loses the whole parenthesised link. */
#include "lang/lang_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif


void lang_clean_free(lang_clean *c)
{
    if (!c)
        return;
    free(c->text);
    free(c->cps);
    memset(c, 0, sizeof *c);
}

lang_script lang_script_of(uint32_t cp)
{
    if (cp < 0x0370) {
        if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= 0xC0 && cp != 0xD7 &&
                                                                       cp != 0xF7))
            return LSCRIPT_LATN;
        return cp == 0xAA || cp == 0xBA ? LSCRIPT_LATN : LSCRIPT_NONE;
    }
    if (cp < 0x0400) return LSCRIPT_GREK;
    if (cp < 0x0530) return LSCRIPT_CYRL;
    if (cp < 0x0590) return LSCRIPT_ARMN;
    if (cp < 0x0600) return LSCRIPT_HEBR;
    if (cp < 0x0700) return LSCRIPT_ARAB;
    if (cp < 0x0750) return LSCRIPT_SYRC;
    if (cp < 0x0780) return LSCRIPT_ARAB;
    if (cp < 0x07C0) return LSCRIPT_THAA;
    if (cp >= 0x08A0 && cp < 0x0900) return LSCRIPT_ARAB;
    if (cp < 0x0900) return LSCRIPT_OTHER;
    if (cp < 0x0980) return LSCRIPT_DEVA;
    if (cp < 0x0A00) return LSCRIPT_BENG;
    if (cp < 0x0A80) return LSCRIPT_GURU;
    if (cp < 0x0B00) return LSCRIPT_GUJR;
    if (cp < 0x0B80) return LSCRIPT_ORYA;
    if (cp < 0x0C00) return LSCRIPT_TAML;
    if (cp < 0x0C80) return LSCRIPT_TELU;
    if (cp < 0x0D00) return LSCRIPT_KNDA;
    if (cp < 0x0D80) return LSCRIPT_MLYM;
    if (cp < 0x0E00) return LSCRIPT_SINH;
    if (cp < 0x0E80) return LSCRIPT_THAI;
    if (cp < 0x0F00) return LSCRIPT_LAOO;
    if (cp < 0x1000) return LSCRIPT_TIBT;
    if (cp < 0x10A0) return LSCRIPT_MYMR;
    if (cp < 0x1100) return LSCRIPT_GEOR;
    if (cp < 0x1200) return LSCRIPT_HANG;
    if (cp < 0x13A0) return LSCRIPT_ETHI;
    if (cp < 0x1400) return LSCRIPT_CHER;
    if (cp >= 0x1780 && cp < 0x1800) return LSCRIPT_KHMR;
    if (cp >= 0x1800 && cp < 0x18B0) return LSCRIPT_MONG;
    if (cp >= 0x1C80 && cp < 0x1C90) return LSCRIPT_CYRL;
    if (cp >= 0x1C90 && cp < 0x1CC0) return LSCRIPT_GEOR;
    if (cp >= 0x1E00 && cp < 0x1F00) return LSCRIPT_LATN;
    if (cp >= 0x1F00 && cp < 0x2000) return LSCRIPT_GREK;
    if (cp >= 0x2C60 && cp < 0x2C80) return LSCRIPT_LATN;
    if (cp >= 0x2D00 && cp < 0x2D30) return LSCRIPT_GEOR;
    if (cp >= 0x2DE0 && cp < 0x2E00) return LSCRIPT_CYRL;
    if (cp >= 0x3040 && cp < 0x3100) return LSCRIPT_KANA;
    if (cp >= 0x3130 && cp < 0x3190) return LSCRIPT_HANG;
    if (cp >= 0x31F0 && cp < 0x3200) return LSCRIPT_KANA;
    if ((cp >= 0x3400 && cp < 0x4DC0) || (cp >= 0x4E00 && cp < 0xA000) || cp == 0x3005 ||
        cp == 0x3007 || (cp >= 0xF900 && cp < 0xFB00) || (cp >= 0x20000 && cp < 0x30000))
        return LSCRIPT_HAN;
    if (cp >= 0xA640 && cp < 0xA6A0) return LSCRIPT_CYRL;
    if (cp >= 0xA720 && cp < 0xA800) return LSCRIPT_LATN;
    if (cp >= 0xA8E0 && cp < 0xA900) return LSCRIPT_DEVA;
    if (cp >= 0xAC00 && cp < 0xD7B0) return LSCRIPT_HANG;
    if (cp >= 0xFB1D && cp < 0xFB50) return LSCRIPT_HEBR;
    if ((cp >= 0xFB50 && cp < 0xFE00) || (cp >= 0xFE70 && cp < 0xFF00)) return LSCRIPT_ARAB;
    if (cp >= 0xFF21 && cp < 0xFF5B) return LSCRIPT_LATN;
    if (cp >= 0xFF66 && cp < 0xFFA0) return LSCRIPT_KANA;
    return LSCRIPT_OTHER;
}

static const char *const script_codes[LSCRIPT__COUNT] = {
    "Zyyy", "Latn", "Cyrl", "Arab", "Deva", "Beng", "Grek", "Hebr", "Armn", "Geor", "Hang",
    "Hani", "Kana", "Thai", "Laoo", "Khmr", "Mymr", "Tibt", "Guru", "Gujr", "Orya", "Taml",
    "Telu", "Knda", "Mlym", "Sinh", "Thaa", "Ethi", "Syrc", "Mong", "Cher", "Zzzz",
};

const char *lang_script_code(lang_script s)
{
    return (unsigned)s < LSCRIPT__COUNT ? script_codes[s] : "Zzzz";
}

lang_script lang_script_from_code(const char *code)
{
    for (int i = 1; i < LSCRIPT__COUNT; i++)
        if (!strcasecmp(code, script_codes[i]))
            return (lang_script)i;
    return LSCRIPT_NONE;
}

/* --- the pass -------------------------------------------------------------------------------- */

/* Properties of the code points below U+3100 (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic,
 * the Indic scripts, Thai, Georgian, general punctuation, kana: most of what tocsin reads),
 * looked up once from utf8proc into a table (50 KB) so the hot loop makes no library call for
 * them. */
/* CLS_SKIP: Arabic-script vowel marks (harakat, U+064B-U+0652, the superscript alef U+0670,
 * Quranic annotation marks) and tatweel (U+0640). Writers add them at will, to the same words
 * (religious and militant texts often fully vowelled), so they say nothing about which
 * Arabic-script language a text is in: they stay in the text CLD2 reads but are left out of
 * the model's view and of the letter counts, so that "حُقُوق" is scored as "حقوق". */
enum { CLS_OTHER = 0, CLS_LETTER, CLS_MARK, CLS_PUNCT, CLS_SKIP };

static bool arabic_optional(uint32_t cp, utf8proc_category_t cat)
{
    return cp == 0x0640 || (cat == UTF8PROC_CATEGORY_MN &&
                            ((cp >= 0x064B && cp <= 0x0652) || cp == 0x0670 ||
                             (cp >= 0x06D6 && cp <= 0x06ED)));
}
typedef struct cp_props {
    uint16_t lower;
    uint8_t cls;
    uint8_t script;
} cp_props;
#define PROPS_N 0x3100
static cp_props props[PROPS_N];
static pthread_once_t props_once = PTHREAD_ONCE_INIT;

static void props_init(void)
{
    for (uint32_t cp = 0; cp < PROPS_N; cp++) {
        utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
        uint8_t cls = CLS_OTHER;
        if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO)
            cls = CLS_LETTER;
        else if (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME)
            cls = CLS_MARK;
        else if (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO)
            cls = CLS_PUNCT;
        if (arabic_optional(cp, cat))
            cls = CLS_SKIP;
        uint32_t low = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
        props[cp].lower = (uint16_t)(low < 0x10000 ? low : cp);
        props[cp].cls = cls;
        props[cp].script = (uint8_t)lang_script_of(cp);
    }
}

void lang_clean_init(lang_clean *c)
{
    memset(c, 0, sizeof *c);
    pthread_once(&props_once, props_init);
}

static inline bool is_space_cp(uint32_t cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

static inline size_t next_cp(const char *s, size_t len, size_t i, uint32_t *cp)
{
    unsigned char b = (unsigned char)s[i];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b < 0xE0 && i + 1 < len && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
        *cp = (uint32_t)(b & 0x1F) << 6 | ((unsigned char)s[i + 1] & 0x3F);
        return 2;
    }
    if (b >= 0xE0 && b < 0xF0 && i + 2 < len && ((unsigned char)s[i + 1] & 0xC0) == 0x80 &&
        ((unsigned char)s[i + 2] & 0xC0) == 0x80) {
        uint32_t v = (uint32_t)(b & 0x0F) << 12 | (uint32_t)((unsigned char)s[i + 1] & 0x3F) << 6 |
                     ((unsigned char)s[i + 2] & 0x3F);
        if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) { /* not overlong, not a surrogate */
            *cp = v;
            return 3;
        }
    }
    return tc_utf8_decode((const unsigned char *)s + i, len - i, cp);
}

static bool ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static bool has_prefix_ci(const char *s, size_t n, const char *p)
{
    size_t m = strlen(p);
    return n >= m && !strncasecmp(s, p, m);
}

static bool tld_known(const char *s, size_t n)
{
    static const char *const tlds[] = {"com", "org", "net", "io", "me", "ru", "ly", "co", "gl",
                                       "be", "info", "tv", "ir", "af", "pk", "uk", "de", "fr",
                                       "es", "it", "tr", "cn", "in", "edu", "gov", "int", "su",
                                       "ua", "ae", "sa", "eg", "iq", "sy", "ps", "gg", "to",
                                       "so", "ng", "ke", "id", "my", "nl", "br", "app", "news",
                                       "online", "site", "xyz", "tk", "ws", "pw", "cc"};
    for (size_t i = 0; i < sizeof tlds / sizeof tlds[0]; i++)
        if (strlen(tlds[i]) == n && !strncasecmp(s, tlds[i], n))
            return true;
    return false;
}

/* A token that is a link or an address: "scheme://...", "www.x", "user@host.tld", or a bare
 * ASCII domain "x.tld[/...]" with a known top-level domain. `dot` and `colon`: whether the
 * token has a '.' and a ':' (known from the token scan). */
static bool token_is_link(const char *t, size_t n, bool dot, bool colon)
{
    if (!dot && !colon)
        return false; /* most tokens: no link can be without '.' or "://" */
    if ((colon && memmem(t, n, "://", 3)) || (dot && has_prefix_ci(t, n, "www.")))
        return true;
    if (!dot)
        return false;
    size_t i = 0;
    while (i < n && !ascii_alnum((unsigned char)t[i]))
        i++; /* leading punctuation: "(example.com)" */
    size_t end = n;
    while (end > i && !ascii_alnum((unsigned char)t[end - 1]) && t[end - 1] != '/')
        end--;
    size_t slash = end, at = 0, dots = 0, last_dot = 0;
    bool ascii = true;
    for (size_t k = i; k < end; k++) {
        unsigned char c = (unsigned char)t[k];
        if (c >= 0x80) { ascii = false; break; }
        if (c == '/' && slash == end) slash = k;
        if (slash == end) {
            if (c == '.') { dots++; last_dot = k; }
            if (c == '@' && k > i) at = k;
        }
    }
    if (!ascii || !dots || last_dot + 1 >= slash)
        return false;
    for (size_t k = last_dot + 1; k < slash; k++)
        if (!((t[k] | 0x20) >= 'a' && (t[k] | 0x20) <= 'z'))
            return false;
    if (at)
        return true; /* an e-mail address */
    return tld_known(t + last_dot + 1, slash - last_dot - 1);
}

/* What the token scan notes of each ASCII byte. */
enum { TOK_SPACE = 1, TOK_LETTER = 2, TOK_DOT = 4, TOK_COLON = 8, TOK_OTHER = 16 };
#define TOK_CLASS(b)                                                                              \
    ((b) == ' ' || ((b) >= 0x09 && (b) <= 0x0D) ? TOK_SPACE                                        \
     : ((b) | 0x20) >= 'a' && ((b) | 0x20) <= 'z' ? TOK_LETTER                                     \
     : (b) == '.'                                 ? TOK_DOT | TOK_OTHER                            \
     : (b) == ':'                                 ? TOK_COLON | TOK_OTHER                          \
                                                  : TOK_OTHER)
#define TOK_C4(b) TOK_CLASS(b), TOK_CLASS((b) + 1), TOK_CLASS((b) + 2), TOK_CLASS((b) + 3)
#define TOK_C16(b) TOK_C4(b), TOK_C4((b) + 4), TOK_C4((b) + 8), TOK_C4((b) + 12)
static const uint8_t ascii_class[128] = {TOK_C16(0),  TOK_C16(16), TOK_C16(32), TOK_C16(48),
                                         TOK_C16(64), TOK_C16(80), TOK_C16(96), TOK_C16(112)};

static tocsin_status grow(lang_clean *c, size_t len)
{
    /* camelCase splits add spaces; 16 more: the word fast path writes 16 at a time */
    size_t need_text = 2 * len + 20, need_cps = 2 * len + 20;
    if (c->text_cap < need_text) {
        char *p = realloc(c->text, need_text);
        if (!p)
            return TOCSIN_ERR_NOMEM;
        c->text = p;
        c->text_cap = need_text;
    }
    if (c->cps_cap < need_cps) {
        uint32_t *p = realloc(c->cps, need_cps * sizeof *p);
        if (!p)
            return TOCSIN_ERR_NOMEM;
        c->cps = p;
        c->cps_cap = need_cps;
    }
    return TOCSIN_OK;
}

static inline void put_space(lang_clean *c)
{
    if (c->text_len && c->text[c->text_len - 1] != ' ')
        c->text[c->text_len++] = ' ';
    if (c->cps[c->n_cps - 1] != ' ')
        c->cps[c->n_cps++] = ' ';
}

/* Appends one character taken from the input: letters and marks go to both views, punctuation
 * only to the text, anything else (digits, symbols, emoji, controls) is a space. */
static void put_char(lang_clean *c, const char *src, size_t n, uint32_t cp)
{
    if (cp < 0x80) {
        unsigned char b = (unsigned char)cp;
        if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') {
            c->text[c->text_len++] = (char)b;
            c->cps[c->n_cps++] = b | 0x20;
            c->per_script[LSCRIPT_LATN]++;
            c->letters++;
        } else if (b == '\'' || b == '-' || b == ',' || b == '.' || b == '!' || b == '?' ||
                   b == ';' || b == ':' || b == '"' || b == '(' || b == ')') {
            if (b == '\'' && c->text_len && c->text[c->text_len - 1] != ' ')
                c->text[c->text_len++] = (char)b; /* l'homme, don't */
            else if (b != '\'')
                c->text[c->text_len++] = (char)b;
            if (c->cps[c->n_cps - 1] != ' ')
                c->cps[c->n_cps++] = ' ';
        } else {
            put_space(c);
        }
        return;
    }
    int cls;
    uint32_t low;
    lang_script s;
    if (cp < PROPS_N) {
        cls = props[cp].cls;
        low = props[cp].lower;
        s = (lang_script)props[cp].script;
    } else {
        utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
        cls = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO   ? CLS_LETTER
              : cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME ? CLS_MARK
              : cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO ? CLS_PUNCT
                                                                            : CLS_OTHER;
        low = cls == CLS_LETTER ? (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp) : cp;
        s = cls == CLS_LETTER ? lang_script_of(cp) : LSCRIPT_NONE;
    }
    if (cls == CLS_SKIP) { /* in the text for CLD2, not in the model's view (see CLS_SKIP) */
        memcpy(c->text + c->text_len, src, n);
        c->text_len += n;
        return;
    }
    bool letter = cls == CLS_LETTER;
    /* a mark counts only on a letter: variation selectors (emoji presentation), keycaps and
     * other marks after a space or a symbol are emoji parts, not text */
    bool mark = cls == CLS_MARK && c->cps[c->n_cps - 1] != ' ' &&
                !(cp >= 0xFE00 && cp <= 0xFE0F) && !(cp >= 0xE0100 && cp <= 0xE01EF) &&
                cp != 0x20E3;
    if (letter || mark) {
        memcpy(c->text + c->text_len, src, n);
        c->text_len += n;
        c->cps[c->n_cps++] = letter ? low : cp;
        if (letter) {
            c->per_script[s]++;
            c->letters++;
            if (s == LSCRIPT_HEBR && cp >= 0x05F0 && cp <= 0x05F2)
                c->yiddish_marks++;
            if (s == LSCRIPT_BENG && (cp == 0x09F0 || cp == 0x09F1))
                c->assamese_marks++;
        } else if (cp == 0x05B7 || cp == 0x05B8) {
            /* pasekh / kamats under alef: Yiddish spelling */
            if (c->n_cps >= 2 && c->cps[c->n_cps - 2] == 0x05D0)
                c->yiddish_marks++;
        }
        return;
    }
    if (cls == CLS_PUNCT && cp != 0x05BE) {
        memcpy(c->text + c->text_len, src, n);
        c->text_len += n;
        if (c->cps[c->n_cps - 1] != ' ')
            c->cps[c->n_cps++] = ' ';
        return;
    }
    if (cp == 0x200C && c->text_len && c->text[c->text_len - 1] != ' ') {
        /* ZWNJ inside a Persian word: CLD2 gets it, the model sees a word boundary */
        memcpy(c->text + c->text_len, src, n);
        c->text_len += n;
        if (c->cps[c->n_cps - 1] != ' ')
            c->cps[c->n_cps++] = ' ';
        return;
    }
    put_space(c);
}

static bool is_lower_letter(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'a' && cp <= 'z';
    return utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_LL;
}

static bool is_upper_letter(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z';
    return utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_LU;
}

/* One whitespace-free token t[0..n); flags: what the token scan saw in it (TOK_*). */
static void clean_token(lang_clean *c, const char *t, size_t n, unsigned flags)
{
    if (token_is_link(t, n, flags & TOK_DOT, flags & TOK_COLON)) {
        put_space(c);
        return;
    }
    size_t i = 0;
    while (i < n) {
        unsigned char b = (unsigned char)t[i];
        if (b == '@' && (i == 0 || !ascii_alnum((unsigned char)t[i - 1])) && i + 1 < n &&
            (ascii_alnum((unsigned char)t[i + 1]) || t[i + 1] == '_')) {
            /* @mention: the handle (ASCII letters, digits, '_', inner dots) goes */
            i++;
            while (i < n && (ascii_alnum((unsigned char)t[i]) || t[i] == '_' ||
                             (t[i] == '.' && i + 1 < n && ascii_alnum((unsigned char)t[i + 1]))))
                i++;
            put_space(c);
            continue;
        }
        if ((b == '#' || (b == 0xEF && i + 2 < n && (unsigned char)t[i + 1] == 0xBC &&
                          (unsigned char)t[i + 2] == 0x83)) &&
            (i == 0 || !ascii_alnum((unsigned char)t[i - 1]))) {
            /* #hashtag (or fullwidth '＃'): keep its words, split at '_' and camelCase */
            i += b == '#' ? 1 : 3;
            put_space(c);
            uint32_t prev = 0;
            while (i < n) {
                uint32_t cp;
                size_t k = next_cp(t, n, i, &cp);
                if (cp == '_') {
                    put_space(c);
                } else if (cp == '#' || is_space_cp(cp)) {
                    break;
                } else {
                    if (is_upper_letter(cp) && is_lower_letter(prev))
                        put_space(c);
                    put_char(c, t + i, k, cp);
                }
                prev = cp;
                i += k;
            }
            put_space(c);
            continue;
        }
        if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') { /* ASCII letter: the common case */
            c->text[c->text_len++] = (char)b;
            c->cps[c->n_cps++] = b | 0x20;
            c->per_script[LSCRIPT_LATN]++;
            c->letters++;
            i++;
            continue;
        }
        if (b >= 0xC2 && b < 0xE0 && i + 1 < n && ((unsigned char)t[i + 1] & 0xC0) == 0x80) {
            /* a two-byte letter (Latin, Cyrillic, Arabic...) but a Hebrew one: inline */
            uint32_t cp = (uint32_t)(b & 0x1F) << 6 | ((unsigned char)t[i + 1] & 0x3F);
            const cp_props *pp = &props[cp];
            if (pp->cls == CLS_LETTER && pp->script != LSCRIPT_HEBR) {
                memcpy(c->text + c->text_len, t + i, 2);
                c->text_len += 2;
                c->cps[c->n_cps++] = pp->lower;
                c->per_script[pp->script]++;
                c->letters++;
                i += 2;
                continue;
            }
        }
        uint32_t cp;
        size_t k = next_cp(t, n, i, &cp);
        put_char(c, t + i, k, cp);
        i += k;
    }
}

tocsin_status lang_clean_run(lang_clean *c, const char *in, size_t len, size_t max_letters)
{
    if (grow(c, len) != TOCSIN_OK)
        return TOCSIN_ERR_NOMEM;
    c->text_len = 0;
    c->n_cps = 0;
    c->cps[c->n_cps++] = ' ';
    static const uint32_t no_letters[LSCRIPT__COUNT];
    memcpy(c->per_script, no_letters, sizeof c->per_script);
    c->letters = 0;
    c->yiddish_marks = 0;
    c->assamese_marks = 0;
    size_t i = 0;
    while (i < len && c->letters < max_letters) {
#ifdef __SSE2__
        if (i + 16 <= len) {
            /* A word of 1-15 ASCII letters followed by an ASCII space or control (most words
             * of Latin-script text): copied and lowercased 16 bytes at a time. */
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
            __m128i ws = _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                _mm_cmpeq_epi8(_mm_min_epu8(_mm_sub_epi8(v, _mm_set1_epi8(9)), _mm_set1_epi8(4)),
                               _mm_sub_epi8(v, _mm_set1_epi8(9))));
            __m128i low = _mm_or_si128(v, _mm_set1_epi8(0x20));
            __m128i ld = _mm_sub_epi8(low, _mm_set1_epi8('a'));
            __m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(ld, _mm_set1_epi8(25)), ld);
            unsigned sp = (unsigned)_mm_movemask_epi8(ws);
            unsigned lt = (unsigned)_mm_movemask_epi8(letter);
            unsigned e = (unsigned)__builtin_ctz(sp | 0x10000u);
            if (e && e < 16 && (~lt & ((1u << e) - 1)) == 0) {
                memcpy(c->text + c->text_len, in + i, 16);
                c->text_len += e;
                __m128i zero = _mm_setzero_si128();
                __m128i w0 = _mm_unpacklo_epi8(low, zero), w1 = _mm_unpackhi_epi8(low, zero);
                uint32_t *o = c->cps + c->n_cps;
                _mm_storeu_si128((__m128i *)(void *)o, _mm_unpacklo_epi16(w0, zero));
                _mm_storeu_si128((__m128i *)(void *)(o + 4), _mm_unpackhi_epi16(w0, zero));
                _mm_storeu_si128((__m128i *)(void *)(o + 8), _mm_unpacklo_epi16(w1, zero));
                _mm_storeu_si128((__m128i *)(void *)(o + 12), _mm_unpackhi_epi16(w1, zero));
                c->n_cps += e;
                c->per_script[LSCRIPT_LATN] += e;
                c->letters += e;
                i += e;
                continue;
            }
        }
#endif
        unsigned char b0 = (unsigned char)in[i];
        if (b0 >= 0xC2 && b0 < 0xE0) {
            /* A word of two-byte letters of one script (Cyrillic, Arabic, Greek, accented
             * Latin...; not Hebrew, whose Yiddish marks are counted by put_char) ending at an
             * ASCII space, a control or the end: written straight away, committed only when it
             * is the whole token (otherwise the token is cleaned below, as if not seen). */
            size_t j = i, tl = c->text_len, nc = c->n_cps, cnt = 0;
            unsigned scr = LSCRIPT__COUNT;
            while (j + 1 < len) {
                unsigned char x0 = (unsigned char)in[j], x1 = (unsigned char)in[j + 1];
                if (x0 < 0xC2 || x0 >= 0xE0 || (x1 & 0xC0) != 0x80)
                    break;
                const cp_props *pp = &props[(uint32_t)(x0 & 0x1F) << 6 | (x1 & 0x3F)];
                if (pp->cls != CLS_LETTER || pp->script == LSCRIPT_HEBR ||
                    (cnt && pp->script != scr))
                    break;
                scr = pp->script;
                c->text[tl] = (char)x0;
                c->text[tl + 1] = (char)x1;
                tl += 2;
                c->cps[nc++] = pp->lower;
                cnt++;
                j += 2;
            }
            if (cnt && (j == len || in[j] == ' ' || (in[j] >= 0x09 && in[j] <= 0x0D))) {
                c->text_len = tl;
                c->n_cps = nc;
                c->per_script[scr] += (uint32_t)cnt;
                c->letters += cnt;
                i = j;
                continue;
            }
        }
        uint32_t cp;
        size_t k = next_cp(in, len, i, &cp);
        if (is_space_cp(cp)) {
            put_space(c);
            i += k;
            continue;
        }
        size_t start = i;
        unsigned flags = 0;
        while (i < len) {
            unsigned char b = (unsigned char)in[i];
            if (b < 0x80) { /* ASCII: no decoding */
                unsigned f = ascii_class[b];
                if (f & TOK_SPACE)
                    break;
                flags |= f;
                i++;
                continue;
            }
            k = next_cp(in, len, i, &cp);
            if (is_space_cp(cp))
                break;
            flags |= TOK_OTHER;
            i += k;
        }
        if (flags == TOK_LETTER) {
            /* ASCII letters only (most Latin-script words): no link, mention or hashtag */
            size_t m = i - start;
            memcpy(c->text + c->text_len, in + start, m);
            c->text_len += m;
            for (size_t j = 0; j < m; j++)
                c->cps[c->n_cps + j] = (unsigned char)in[start + j] | 0x20;
            c->n_cps += m;
            c->per_script[LSCRIPT_LATN] += (uint32_t)m;
            c->letters += m;
        } else {
            clean_token(c, in + start, i - start, flags);
        }
    }
    while (c->text_len && c->text[c->text_len - 1] == ' ')
        c->text_len--;
    c->text[c->text_len] = '\0';
    if (c->cps[c->n_cps - 1] != ' ')
        c->cps[c->n_cps++] = ' ';
    return TOCSIN_OK;
}
