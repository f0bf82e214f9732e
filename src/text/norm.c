/* norm.c: text normalization, the fast table-driven normalizer and its utf8proc reference.
 *
 * What normalization means (both implementations must agree byte for byte):
 *   1. UTF-8 is decoded; every invalid byte (as tc_utf8_decode sees it) is U+FFFD.
 *   2. Tatweel, zero-width/format characters and bidi controls are removed.
 *   3. Separators (White_Space, Pd dashes, U+2212, '_', '.', ZWNJ) become ASCII spaces.
 *   4. NFKC + case folding + mark stripping (utf8proc COMPAT|COMPOSE|CASEFOLD|STRIPMARK|STABLE).
 *   5. Arabic-script folding of the result (alef wasla, yeh/alef maksura, teh marbuta, keheh,
 *      heh variants, Arabic-Indic and Persian digits); rules 2 and 3 are applied again to what
 *      NFKC produced (U+2025 "‥" gives "..", which are separators), and every run of separators
 *      is collapsed into one space.
 *
 * The reference (tocsin_normalize_reference) does exactly that with utf8proc_map over the whole
 * string. The fast path gets the same answer at a fraction of the cost:
 *
 *  - Per-character tables. NFKC is defined on whole strings, but utf8proc computes it as
 *    "decompose every character on its own (with case folding and mark stripping), canonically
 *    reorder, then compose neighbours". Mark stripping removes every character with a non-zero
 *    combining class (all are Mn or Mc), so reordering never moves anything, and the only
 *    composition pairs whose second member survives stripping are Hangul: a leading consonant
 *    (L) + a vowel (V) gives an LV syllable, an LV syllable + a trailing consonant (T) gives LVT.
 *    (test_text checks this for every code point against the installed utf8proc.) So for any
 *    character whose result does not start with a V or T jamo, "normalize it alone" is the same
 *    as "normalize it in context", and that result is precomputed at startup for U+0000..U+1FFFF
 *    (the BMP plus emoji and mathematical letters): per code point a length byte (0..4 output
 *    bytes, or separator / pool / slow) and 4 output bytes, or a pool offset for longer outputs
 *    and outputs that contain spaces. The hot loops store 4 bytes and advance by the length
 *    whatever the character becomes; whether the output ends in a separator run is read back
 *    from the output itself (out[-1] exists and is 0), since every space there is a separator.
 *  - The slow path. A character whose result starts with a V or T jamo may compose with what
 *    came before it. Removed characters and stripped marks emit nothing, so "what came before"
 *    is simply the last character of the output so far: if that is an L jamo or an LV syllable
 *    it is taken back and composed (Hangul composition is arithmetic), together with the run of
 *    following slow characters. Code points above U+1FFFF are normalized one by one with
 *    utf8proc (none of them composes with anything).
 *  - The ASCII fast path: 32 bytes at a time with AVX2 (runtime CPU check), else 16 with SSE2:
 *    lower 'A'..'Z', separators to spaces, commit up to the first separator that follows a
 *    separator and step over the rest of that run. Whether ASCII really follows these fixed
 *    rules (09..0D 20 2D 2E 5F separators, the rest unchanged) is checked against the table
 *    when it is built, not assumed; without SIMD, a branch-free byte loop.
 *  - 2- and 3-byte text (Arabic, Cyrillic, CJK...) runs in a tight loop that also takes the
 *    single ASCII bytes between words.
 *
 * The offsets map: every output byte records the input offset of the character that produced
 * it; a collapsed separator run records its first separator; a composed Hangul syllable records
 * its first jamo. */
#include "text/text.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NORM_HAVE_AVX2 1 /* compiled for avx2 with a target attribute, used after a CPU check */
#endif

/* ---------------------------------------------------------------------------------------------
 * The rules as predicates
 * ------------------------------------------------------------------------------------------- */

bool norm_is_removed(uint32_t cp)
{
    switch (cp) {
    case 0x0640: /* tatweel */
    case 0x00AD: case 0x200B: case 0x200D: case 0x2060: case 0xFEFF:
    case 0x200E: case 0x200F: case 0x061C:
        return true;
    default:
        return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    }
}

bool norm_is_separator(uint32_t cp)
{
    switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
    case '_': case '.': case 0x200C: case 0x2212:
        return true;
    default:
        if (cp >= 0x2000 && cp <= 0x200A)
            return true;
        if (cp > 0x10FFFF)
            return false;
        return utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_PD;
    }
}

uint32_t norm_fold_arabic(uint32_t cp)
{
    if (cp >= 0x0660 && cp <= 0x0669)
        return '0' + (cp - 0x0660);
    if (cp >= 0x06F0 && cp <= 0x06F9)
        return '0' + (cp - 0x06F0);
    switch (cp) {
    case 0x0671: return 0x0627;                /* alef wasla -> alef */
    case 0x0649: case 0x06CC: return 0x064A;   /* alef maksura, Farsi yeh -> yeh */
    case 0x0629: return 0x0647;                /* teh marbuta -> heh */
    case 0x06A9: case 0x06AB: return 0x0643;   /* keheh, kaf with ring -> kaf */
    case 0x06C1: case 0x06D5: case 0x06BE: case 0x06C0: return 0x0647; /* heh variants -> heh */
    default: return cp;
    }
}

/* ---------------------------------------------------------------------------------------------
 * One character on its own
 * ------------------------------------------------------------------------------------------- */

#define NORM_CHAR_MAX 64 /* longest per-character decomposition is 18 code points (U+FDFA) */

/* Rules 2..5 for one code point, before any composition with its neighbours: the decomposed
 * (still uncomposed) form in dec[] (*ndec), which the Hangul slow path composes itself.
 * @return false when utf8proc fails (it never should for a valid code point). */
static bool norm_char_decompose(uint32_t cp, utf8proc_int32_t *dec, utf8proc_ssize_t *ndec)
{
    int last = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char((utf8proc_int32_t)cp, dec, NORM_CHAR_MAX,
                                                 NORM_UTF8PROC_OPTS, &last);
    if (n < 0 || n > NORM_CHAR_MAX)
        return false;
    *ndec = n;
    return true;
}

/* The whole per-character pipeline: removed -> 0 code points, separator -> one U+0020, else
 * NFKC/casefold/stripmark then rules 2, 3 and 5 on the result (a separator run inside collapsed).
 * @return the number of code points written to out (<= NORM_CHAR_MAX), or -1 on failure. */
static int norm_char_cps(uint32_t cp, uint32_t *out)
{
    if (norm_is_removed(cp))
        return 0;
    if (norm_is_separator(cp)) {
        out[0] = ' ';
        return 1;
    }
    utf8proc_int32_t buf[NORM_CHAR_MAX];
    utf8proc_ssize_t n;
    if (!norm_char_decompose(cp, buf, &n))
        return -1;
    n = utf8proc_normalize_utf32(buf, n, NORM_UTF8PROC_OPTS);
    if (n < 0)
        return -1;
    int k = 0;
    for (utf8proc_ssize_t j = 0; j < n; j++) {
        uint32_t c = (uint32_t)buf[j];
        if (norm_is_removed(c))
            continue;
        if (norm_is_separator(c)) {
            if (k == 0 || out[k - 1] != ' ')
                out[k++] = ' ';
            continue;
        }
        out[k++] = norm_fold_arabic(c);
    }
    return k;
}

/* ---------------------------------------------------------------------------------------------
 * The shared table
 * ------------------------------------------------------------------------------------------- */

#define NORM_TBL_N 0x20000u /* code points with a table entry: U+0000..U+1FFFF */

/* Per code point: ln[cp] is the length (0..4) of the output bytes packed in ob[cp] (0 = the
 * character vanishes), or one of the special values below. Outputs of up to 4 bytes cover nearly
 * every character, so the hot loop stores 4 bytes and advances by ln without a branch per kind. */
enum {
    L_SEP = 0x41,  /* a separator: ob = ' ', length 1 with the separator bit 0x40 */
    L_SLOW = 0x81, /* may compose with the previous character: the slow path */
    L_POOL = 0x82, /* ob = pool offset; pool[off] = length, then the bytes (may hold spaces) */
};

struct norm_table {
    uint32_t ob[NORM_TBL_N];
    uint8_t ln[NORM_TBL_N];
    uint8_t *pool;
    size_t pool_len, pool_cap;
    uint8_t alow[128]; /* ASCII: output byte (separators as ' ') */
    uint8_t asep[128]; /* ASCII: 1 for a separator */
    bool ascii_table;  /* every ASCII character gives one ASCII byte or is a separator */
    bool ascii_simd;   /* ASCII follows the fixed SSE2 rules exactly */
    unsigned maxexp;   /* max output bytes per input byte of any table entry or invalid byte */
};

static struct norm_table g_tab;
static pthread_once_t g_tab_once = PTHREAD_ONCE_INIT;
static tocsin_status g_tab_status = TOCSIN_ERR_INTERNAL;
static char g_tab_msg[160];
/* ASCII block width: 0 = byte loop, 1 = SSE2 (16 bytes), 2 = AVX2 (32 bytes); set when the table
 * is built from what the CPU has, and lowered by tests through norm_set_simd(). */
static int g_simd;

static size_t norm_utf8_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static bool norm_pool_add(struct norm_table *t, const uint8_t *b, size_t n, uint32_t *off)
{
    if (t->pool_len + n + 1 > 0xFFFFFF || n > 255)
        return false;
    if (t->pool_len + n + 1 > t->pool_cap) {
        size_t cap = t->pool_cap ? t->pool_cap * 2 : 16384;
        while (cap < t->pool_len + n + 1)
            cap *= 2;
        uint8_t *p = realloc(t->pool, cap);
        if (!p)
            return false;
        t->pool = p;
        t->pool_cap = cap;
    }
    *off = (uint32_t)t->pool_len;
    t->pool[t->pool_len++] = (uint8_t)n;
    memcpy(t->pool + t->pool_len, b, n);
    t->pool_len += n;
    return true;
}

static void norm_table_build(void)
{
    struct norm_table *t = &g_tab;
    t->maxexp = 3; /* an invalid byte gives U+FFFD, 3 bytes */
    for (uint32_t cp = 0; cp < NORM_TBL_N; cp++) {
        t->ob[cp] = 0;
        t->ln[cp] = 0;
        if (cp >= 0xD800 && cp <= 0xDFFF) /* never decoded: the decoder yields U+FFFD */
            continue;
        uint32_t cps[NORM_CHAR_MAX];
        int k = norm_char_cps(cp, cps);
        if (k < 0) {
            g_tab_status = TOCSIN_ERR_INTERNAL;
            snprintf(g_tab_msg, sizeof g_tab_msg, "utf8proc failed to normalize U+%04X",
                     (unsigned)cp);
            return;
        }
        if (k == 0)
            continue;
        if (k == 1 && cps[0] == ' ') {
            t->ob[cp] = 0;
            memcpy(&t->ob[cp], " ", 1);
            t->ln[cp] = L_SEP;
            continue;
        }
        if (norm_hangul_is_v(cps[0]) || norm_hangul_is_t(cps[0])) {
            t->ln[cp] = L_SLOW;
            continue;
        }
        uint8_t b[NORM_CHAR_MAX * 4];
        size_t len = 0;
        bool space = false;
        for (int j = 0; j < k; j++) {
            len += tc_utf8_encode(cps[j], (char *)b + len);
            space |= cps[j] == ' ';
        }
        size_t inlen = norm_utf8_len(cp);
        unsigned exp = (unsigned)((len + inlen - 1) / inlen);
        if (exp > t->maxexp)
            t->maxexp = exp;
        if (len <= 4 && !space) {
            memcpy(&t->ob[cp], b, len); /* in memory order, so a 4-byte store writes b */
            t->ln[cp] = (uint8_t)len;
        } else {
            uint32_t off;
            if (!norm_pool_add(t, b, len, &off)) {
                g_tab_status = TOCSIN_ERR_NOMEM;
                snprintf(g_tab_msg, sizeof g_tab_msg, "cannot allocate the normalization table");
                return;
            }
            t->ob[cp] = off;
            t->ln[cp] = L_POOL;
        }
    }
    /* The ASCII byte tables, and whether ASCII follows the SSE2 rules. */
    t->ascii_table = true;
    t->ascii_simd = true;
    for (uint32_t c = 0; c < 128; c++) {
        const uint8_t *ob = (const uint8_t *)&t->ob[c];
        if (t->ln[c] == L_SEP) {
            t->alow[c] = ' ';
            t->asep[c] = 1;
        } else if (t->ln[c] == 1 && ob[0] < 0x80) {
            t->alow[c] = ob[0];
        } else {
            t->ascii_table = false;
        }
        bool sep = (c >= 0x09 && c <= 0x0D) || c == ' ' || c == '-' || c == '.' || c == '_';
        uint8_t low = sep ? ' ' : (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : (uint8_t)c;
        if (t->asep[c] != sep || t->alow[c] != low)
            t->ascii_simd = false;
    }
    if (!t->ascii_table)
        t->ascii_simd = false;
    g_simd = 0;
#if defined(__SSE2__)
    if (t->ascii_simd)
        g_simd = 1;
#endif
#if defined(NORM_HAVE_AVX2)
    if (t->ascii_simd && __builtin_cpu_supports("avx2"))
        g_simd = 2;
#endif
    g_tab_status = TOCSIN_OK;
}

static tocsin_status norm_table_get(const struct norm_table **out, tocsin_error *err)
{
    pthread_once(&g_tab_once, norm_table_build);
    if (g_tab_status != TOCSIN_OK)
        return tc_error_set(err, g_tab_status, NULL, 0, NULL, "%s", g_tab_msg);
    *out = &g_tab;
    return TOCSIN_OK;
}

int norm_set_simd(int level)
{
    pthread_once(&g_tab_once, norm_table_build);
    if (level < g_simd)
        g_simd = level < 0 ? 0 : level;
    return g_simd;
}

/* ---------------------------------------------------------------------------------------------
 * The normalizer object
 * ------------------------------------------------------------------------------------------- */

tocsin_status tocsin_norm_new(tocsin_norm **out, tocsin_error *err)
{
    const struct norm_table *tab = NULL;
    tocsin_status st = norm_table_get(&tab, err);
    if (st != TOCSIN_OK)
        return st;
    tocsin_norm *n = calloc(1, sizeof *n);
    if (!n)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "cannot allocate a normalizer");
    n->tab = tab;
    tc_buf_init(&n->ref, 0);
    tc_buf_init(&n->tmp, 0);
    tc_buf_init(&n->html, 0);
    *out = n;
    return TOCSIN_OK;
}

void tocsin_norm_free(tocsin_norm *n)
{
    if (!n)
        return;
    free(n->obuf);
    free(n->map);
    tc_buf_free(&n->ref);
    tc_buf_free(&n->tmp);
    tc_buf_free(&n->html);
    free(n);
}

/* Makes room for `need` output bytes (and map entries when want_map), plus one for the NUL /
 * the final map entry. The output lives at obuf + 1: obuf[0] stays 0, so out[-1] can be read to
 * ask "does the output end with a separator space?" without testing for an empty output. */
static tocsin_status norm_reserve(tocsin_norm *n, size_t need, bool want_map)
{
    if (need > SIZE_MAX / 8)
        return TOCSIN_ERR_LIMIT;
    need += 1;
    if (need > n->out_cap) {
        size_t cap = n->out_cap ? n->out_cap : 1024;
        while (cap < need)
            cap *= 2;
        char *p = realloc(n->obuf, cap + 1);
        if (!p)
            return TOCSIN_ERR_NOMEM;
        p[0] = 0;
        n->obuf = p;
        n->out = p + 1;
        n->out_cap = cap;
    }
    if (want_map && n->map_cap < n->out_cap) {
        uint32_t *m = realloc(n->map, n->out_cap * sizeof *m);
        if (!m)
            return TOCSIN_ERR_NOMEM;
        n->map = m;
        n->map_cap = n->out_cap;
    }
    return TOCSIN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The fast normalizer
 * ------------------------------------------------------------------------------------------- */

/* Output state shared with the rare paths. Whether the output ends inside a separator run is
 * out[o - 1] == ' ': every space in the output is a (collapsed) separator. */
typedef struct norm_emit {
    char *out;
    uint32_t *map; /* NULL when no map is wanted */
    size_t o;
    size_t base; /* where this text's output starts (norm_append); nothing before it composes */
} norm_emit;

/* Emits one code point of an NFKC result (rules 2, 3, 5 and collapsing). Room must exist. */
static void norm_emit_cp(norm_emit *e, uint32_t c, uint32_t src)
{
    if (norm_is_removed(c))
        return;
    if (norm_is_separator(c)) {
        if (e->out[e->o - 1] != ' ') {
            if (e->map)
                e->map[e->o] = src;
            e->out[e->o++] = ' ';
        }
        return;
    }
    size_t k = tc_utf8_encode(norm_fold_arabic(c), e->out + e->o);
    if (e->map)
        for (size_t j = 0; j < k; j++)
            e->map[e->o + j] = src;
    e->o += k;
}

/* Emits precomputed bytes that may contain separator spaces. Room must exist. */
static void norm_emit_bytes(norm_emit *e, const uint8_t *b, size_t len, uint32_t src)
{
    for (size_t j = 0; j < len; j++) {
        if (b[j] == ' ' && e->out[e->o - 1] == ' ')
            continue;
        if (e->map)
            e->map[e->o] = src;
        e->out[e->o++] = (char)b[j];
    }
}

/* Decodes like tc_utf8_decode (an invalid sequence is one byte of U+FFFD, reported by *bad). */
static inline size_t norm_decode(const uint8_t *s, size_t avail, uint32_t *cp, bool *bad)
{
    unsigned c = s[0];
    *bad = false;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        if (avail >= 2 && (s[1] & 0xC0) == 0x80) {
            *cp = ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu);
            return 2;
        }
    } else if (c >= 0xE0 && c <= 0xEF) {
        if (avail >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
            uint32_t v = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
            if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) {
                *cp = v;
                return 3;
            }
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        if (avail >= 4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
            (s[3] & 0xC0) == 0x80) {
            uint32_t v = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
                         (s[3] & 0x3Fu);
            if (v >= 0x10000 && v <= 0x10FFFF) {
                *cp = v;
                return 4;
            }
        }
    }
    *cp = 0xFFFD;
    *bad = true;
    return 1;
}

static bool norm_hangul_compose(uint32_t a, uint32_t b, uint32_t *r)
{
    if (norm_hangul_is_l(a) && norm_hangul_is_v(b)) {
        *r = 0xAC00 + ((a - 0x1100) * 21 + (b - 0x1161)) * 28;
        return true;
    }
    if (norm_hangul_is_lv(a) && norm_hangul_is_t(b)) {
        *r = a + (b - 0x11A7);
        return true;
    }
    return false;
}

/* The rare paths, for the character at in[i] (cp, nb bytes): a code point above the table
 * (normalized alone with utf8proc), or a run of slow characters (results starting with a V or T
 * jamo, with removed characters and stripped marks between them) composed with the last output
 * character when that is an L jamo or an LV syllable. Updates *e (the buffers may move);
 * *next receives the input offset after what was consumed. */
static tocsin_status norm_rare(tocsin_norm *n, const uint8_t *in, size_t len, size_t i,
                               uint32_t cp, size_t nb, norm_emit *e, size_t *next)
{
    const struct norm_table *t = n->tab;
    bool want_map = e->map != NULL;
    tocsin_status st;
    if (cp >= NORM_TBL_N) {
        uint32_t cps[NORM_CHAR_MAX];
        int k = norm_char_cps(cp, cps);
        if (k < 0)
            return TOCSIN_ERR_INTERNAL;
        if ((st = norm_reserve(n, e->o + (size_t)k * 4 + 8, want_map)) != TOCSIN_OK)
            return st;
        e->out = n->out;
        e->map = want_map ? n->map : NULL;
        for (int j = 0; j < k; j++) {
            uint8_t b[4];
            size_t bl = tc_utf8_encode(cps[j], (char *)b);
            norm_emit_bytes(e, b, bl, (uint32_t)i);
        }
        *next = i + nb;
        return TOCSIN_OK;
    }
    /* A slow run. Take back the last output character when it can compose. */
    uint32_t starter = 0, starter_src = 0;
    bool have = false;
    if (e->o >= e->base + 3) {
        const uint8_t *b = (const uint8_t *)e->out + e->o - 3;
        if (b[0] >= 0xE0 && b[0] <= 0xEF) {
            uint32_t last = ((b[0] & 0x0Fu) << 12) | ((b[1] & 0x3Fu) << 6) | (b[2] & 0x3Fu);
            if (norm_hangul_is_l(last) || norm_hangul_is_lv(last)) {
                starter = last;
                starter_src = want_map ? e->map[e->o - 3] : 0;
                have = true;
                e->o -= 3;
            }
        }
    }
    size_t j = i;
    while (j < len) {
        uint32_t c;
        bool bad;
        size_t cn = norm_decode(in + j, len - j, &c, &bad);
        if (bad)
            break;
        unsigned l = c < NORM_TBL_N ? t->ln[c] : 1;
        if (l == 0) {
            j += cn;
            continue;
        }
        if (l != L_SLOW)
            break;
        utf8proc_int32_t dec[NORM_CHAR_MAX];
        utf8proc_ssize_t nd;
        if (!norm_char_decompose(c, dec, &nd))
            return TOCSIN_ERR_INTERNAL;
        if ((st = norm_reserve(n, e->o + (size_t)(nd + 1) * 4 + 8, want_map)) != TOCSIN_OK)
            return st;
        e->out = n->out;
        e->map = want_map ? n->map : NULL;
        for (utf8proc_ssize_t d = 0; d < nd; d++) {
            uint32_t r, x = (uint32_t)dec[d];
            if (have && norm_hangul_compose(starter, x, &r)) {
                starter = r;
                continue;
            }
            if (have)
                norm_emit_cp(e, starter, starter_src);
            starter = x;
            starter_src = (uint32_t)j;
            have = true;
        }
        j += cn;
    }
    if (have) {
        if ((st = norm_reserve(n, e->o + 8, want_map)) != TOCSIN_OK)
            return st;
        e->out = n->out;
        e->map = want_map ? n->map : NULL;
        norm_emit_cp(e, starter, starter_src);
    }
    *next = j;
    return TOCSIN_OK;
}

#if defined(__SSE2__)
/* 16 ASCII bytes at once: lower A-Z, separators to ' ', stored at out + o (16 bytes, and 16 map
 * entries from i when want_map). @return how many of them to commit: the ASCII prefix, up to the
 * first separator that follows a separator; that one and the separators right after it
 * collapse, and *skip receives their number (0 when the prefix ends otherwise), for the caller
 * to step over. *hi receives the mask of non-ASCII bytes. Non-ASCII bytes are negative as signed
 * bytes, so they are never taken for separators or capitals. */
static inline __attribute__((always_inline)) unsigned
norm_ascii16(const uint8_t *src, uint32_t i, char *out, uint32_t *map, size_t o, const bool want_map,
             unsigned *hi, unsigned *skip)
{
    __m128i v = _mm_loadu_si128((const __m128i *)src);
    __m128i sp = _mm_set1_epi8(' ');
    /* 09..0D and '-' '.' by the signed-range trick: x + (0x80 - lo) < -128 + count */
    __m128i ws = _mm_cmpgt_epi8(_mm_set1_epi8(-128 + 5), _mm_add_epi8(v, _mm_set1_epi8(0x80 - 9)));
    __m128i dd = _mm_cmpgt_epi8(_mm_set1_epi8(-128 + 2), _mm_add_epi8(v, _mm_set1_epi8(0x80 - '-')));
    __m128i s = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))),
                             _mm_or_si128(ws, dd));
    __m128i up = _mm_cmpgt_epi8(_mm_set1_epi8(-128 + 26), _mm_add_epi8(v, _mm_set1_epi8(0x80 - 'A')));
    __m128i r = _mm_or_si128(v, _mm_and_si128(up, _mm_set1_epi8(0x20)));
    r = _mm_or_si128(_mm_andnot_si128(s, r), _mm_and_si128(s, sp));
    _mm_storeu_si128((__m128i *)(out + o), r);
    if (want_map) {
        __m128i base = _mm_add_epi32(_mm_set1_epi32((int)i), _mm_setr_epi32(0, 1, 2, 3));
        __m128i four = _mm_set1_epi32(4);
        _mm_storeu_si128((__m128i *)(map + o), base);
        base = _mm_add_epi32(base, four);
        _mm_storeu_si128((__m128i *)(map + o + 4), base);
        base = _mm_add_epi32(base, four);
        _mm_storeu_si128((__m128i *)(map + o + 8), base);
        base = _mm_add_epi32(base, four);
        _mm_storeu_si128((__m128i *)(map + o + 12), base);
    }
    unsigned h = (unsigned)_mm_movemask_epi8(v);
    unsigned m = (unsigned)_mm_movemask_epi8(s);
    unsigned sep = out[o - 1] == ' ';
    unsigned lim = h | 0x10000u;
    unsigned ascii = (lim & (0u - lim)) - 1; /* the bytes before the first non-ASCII */
    unsigned b = m & ((m << 1) | sep) & ascii;
    unsigned p = (unsigned)__builtin_ctz(b | lim);
    *hi = h;
    /* the rest of that separator run collapses too: *skip = its length (0 when none) */
    *skip = b ? (unsigned)__builtin_ctz(~(m >> p)) : 0;
    return p;
}
#endif

#if defined(NORM_HAVE_AVX2)
/* The AVX2 twin of norm_ascii16, 32 bytes at a time, looping itself until a non-ASCII byte or
 * `end` (not inlined into the SSE2 code, so one call per ASCII run). The last bytes of the input
 * go through a padded copy. Updates *po; @return the new input offset. */
__attribute__((target("avx2"))) static size_t norm_ascii_avx2(const uint8_t *in, size_t len,
                                                              size_t i, size_t end, char *out,
                                                              uint32_t *map, size_t *po)
{
    const __m256i sp = _mm256_set1_epi8(' '), low = _mm256_set1_epi8('_');
    const __m256i wsk = _mm256_set1_epi8(0x80 - 9), wsl = _mm256_set1_epi8(-128 + 5);
    const __m256i ddk = _mm256_set1_epi8(0x80 - '-'), ddl = _mm256_set1_epi8(-128 + 2);
    const __m256i upk = _mm256_set1_epi8(0x80 - 'A'), upl = _mm256_set1_epi8(-128 + 26);
    const __m256i bit5 = _mm256_set1_epi8(0x20);
    size_t o = *po;
    for (;;) {
        const uint8_t *src = in + i;
        uint8_t tail[32];
        if (len - i < 32) {
            memset(tail, 0x80, sizeof tail);
            memcpy(tail, in + i, len - i);
            src = tail;
        }
        __m256i v = _mm256_loadu_si256((const __m256i *)src);
        __m256i ws = _mm256_cmpgt_epi8(wsl, _mm256_add_epi8(v, wsk));
        __m256i dd = _mm256_cmpgt_epi8(ddl, _mm256_add_epi8(v, ddk));
        __m256i s = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, sp),
                                                    _mm256_cmpeq_epi8(v, low)),
                                    _mm256_or_si256(ws, dd));
        __m256i up = _mm256_cmpgt_epi8(upl, _mm256_add_epi8(v, upk));
        __m256i r = _mm256_or_si256(v, _mm256_and_si256(up, bit5));
        r = _mm256_blendv_epi8(r, sp, s);
        _mm256_storeu_si256((__m256i *)(out + o), r);
        if (map) {
            __m256i base = _mm256_add_epi32(_mm256_set1_epi32((int)i),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            __m256i eight = _mm256_set1_epi32(8);
            _mm256_storeu_si256((__m256i *)(map + o), base);
            base = _mm256_add_epi32(base, eight);
            _mm256_storeu_si256((__m256i *)(map + o + 8), base);
            base = _mm256_add_epi32(base, eight);
            _mm256_storeu_si256((__m256i *)(map + o + 16), base);
            base = _mm256_add_epi32(base, eight);
            _mm256_storeu_si256((__m256i *)(map + o + 24), base);
        }
        uint64_t h = (uint32_t)_mm256_movemask_epi8(v);
        uint64_t m = (uint32_t)_mm256_movemask_epi8(s);
        uint64_t sep = out[o - 1] == ' ';
        uint64_t lim = h | (1ull << 32);
        uint64_t ascii = (lim & (0ull - lim)) - 1;
        uint64_t b = m & ((m << 1) | sep) & ascii;
        unsigned p = (unsigned)__builtin_ctzll(b | lim);
        unsigned skip = b ? (unsigned)__builtin_ctzll(~(m >> p)) : 0;
        o += p;
        i += p + skip;
        if ((!skip && h) || i >= end)
            break;
    }
    *po = o;
    return i;
}
#endif

#define NORM_CHUNK 2048

/* The main loop; inlined twice so that the map writes vanish when no map is wanted.
 *
 * Per character: decode, two table loads, one 4-byte store, and
 * o += length - (separator && the output already ends with a separator's space).
 * A removed character has length 0; a separator is ' ' with the separator bit. Within
 * [i, fend) at least 4 input bytes are readable, so decoding needs no bounds checks; the last
 * bytes of the input go through norm_decode. */
static inline __attribute__((always_inline)) tocsin_status
norm_fast(tocsin_norm *n, const uint8_t *in, size_t len, const bool want_map, size_t base,
          size_t *out_len)
{
    const struct norm_table *t = n->tab;
    /* all tables through one base pointer: fewer registers in the hot loops */
    const bool ascii_table = t->ascii_table;
    const int simd = g_simd;
    size_t i = 0, o = base;
    tocsin_status st;
    if ((st = norm_reserve(n, base, want_map)) != TOCSIN_OK)
        return st;
    while (i < len) {
        size_t chunk = len - i < NORM_CHUNK ? len - i : NORM_CHUNK;
        if ((st = norm_reserve(n, o + (chunk + 4) * t->maxexp + 64, want_map)) != TOCSIN_OK)
            return st;
        char *out = n->out;
        uint32_t *map = want_map ? n->map : NULL;
        size_t end = i + chunk;
        size_t fend = len > 3 ? len - 3 : 0;
        if (fend > end)
            fend = end;
        while (i < end) {
            unsigned c = in[i];
            uint32_t cp;
            size_t nb;
            if (c >= 0x80 || (i < fend && in[i + 1] >= 0x80)) {
                /* Non-ASCII text (2-byte Arabic, Cyrillic, Greek...; 3-byte CJK, ZWNJ...) with
                 * single ASCII bytes (spaces, punctuation) between words, in one tight loop;
                 * anything else leaves it for the general code below. */
                size_t i0 = i;
                while (i < fend) {
                    unsigned b0 = in[i];
                    uint32_t x;
                    size_t xn;
                    if (b0 - 0xC2u <= 0xDFu - 0xC2u) {
                        unsigned b1 = in[i + 1];
                        if ((b1 & 0xC0) != 0x80)
                            break;
                        x = (b0 << 6) + b1 - ((0xC0u << 6) + 0x80u);
                        unsigned l = t->ln[x];
                        if (l < 0x40) { /* the most common case, kept short */
                            memcpy(out + o, &t->ob[x], 4);
                            if (want_map) {
#if defined(__SSE2__)
                                _mm_storeu_si128((__m128i *)(map + o), _mm_set1_epi32((int)i));
#else
                                map[o] = map[o + 1] = map[o + 2] = map[o + 3] = (uint32_t)i;
#endif
                            }
                            o += l;
                            i += 2;
                            continue;
                        }
                        xn = 2;
                    } else if (b0 < 0x80) {
                        if (in[i + 1] < 0x80 || !ascii_table)
                            break;
                        out[o] = (char)t->alow[b0];
                        if (want_map)
                            map[o] = (uint32_t)i;
                        o += 1u - (t->asep[b0] & (out[o - 1] == ' '));
                        i++;
                        continue;
                    } else if (b0 - 0xE0u <= 0xFu) {
                        unsigned b1 = in[i + 1], b2 = in[i + 2];
                        if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80)
                            break;
                        x = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
                        if (x < 0x800 || x - 0xD800u < 0x800u)
                            break;
                        xn = 3;
                    } else {
                        break;
                    }
                    unsigned l = t->ln[x];
                    if (l >= 0x40) {
                        if (l != L_SEP)
                            break;
                        out[o] = ' ';
                        if (want_map)
                            map[o] = (uint32_t)i;
                        o += out[o - 1] != ' ';
                        i += xn;
                        continue;
                    }
                    memcpy(out + o, &t->ob[x], 4);
                    if (want_map) {
#if defined(__SSE2__)
                        _mm_storeu_si128((__m128i *)(map + o), _mm_set1_epi32((int)i));
#else
                        map[o] = map[o + 1] = map[o + 2] = map[o + 3] = (uint32_t)i;
#endif
                    }
                    o += l;
                    i += xn;
                }
                if (i != i0)
                    continue;
            }
            if (c < 0x80 && ascii_table) {
#if defined(NORM_HAVE_AVX2)
                if (simd == 2) {
                    /* through a copy: with its own address taken, gcc kept o in memory in
                     * every loop of this function */
                    size_t o2 = o;
                    i = norm_ascii_avx2(in, len, i, end, out, map, &o2);
                    o = o2;
                    continue;
                }
#endif
#if defined(__SSE2__)
                if (simd) {
                    /* 16 bytes at a time until a non-ASCII byte or the end of the chunk; the
                     * last bytes of the input go through a padded copy */
                    unsigned hi, skip;
                    do {
                        const uint8_t *src = in + i;
                        uint8_t tail[16];
                        if (len - i < 16) {
                            memset(tail, 0x80, sizeof tail);
                            memcpy(tail, in + i, len - i);
                            src = tail;
                        }
                        unsigned p = norm_ascii16(src, (uint32_t)i, out, map, o, want_map, &hi, &skip);
                        o += p;
                        i += p + skip;
                    } while ((skip || !hi) && i < end);
                    continue;
                }
#endif
                out[o] = (char)t->alow[c];
                if (want_map)
                    map[o] = (uint32_t)i;
                o += 1u - (t->asep[c] & (out[o - 1] == ' '));
                i++;
                continue;
            }
            if (i < fend && c - 0xC2u <= 0xDFu - 0xC2u && (in[i + 1] & 0xC0) == 0x80) {
                cp = ((c & 0x1Fu) << 6) | (in[i + 1] & 0x3Fu);
                nb = 2;
            } else if (i < fend && c - 0xE0u <= 0xFu && (in[i + 1] & 0xC0) == 0x80 &&
                       (in[i + 2] & 0xC0) == 0x80 &&
                       (cp = ((c & 0x0Fu) << 12) | ((in[i + 1] & 0x3Fu) << 6) |
                             (in[i + 2] & 0x3Fu)) >= 0x800 &&
                       (cp < 0xD800 || cp > 0xDFFF)) {
                nb = 3;
            } else {
                bool bad;
                nb = norm_decode(in + i, len - i, &cp, &bad);
                if (bad) {
                    out[o] = (char)0xEF;
                    out[o + 1] = (char)0xBF;
                    out[o + 2] = (char)0xBD;
                    if (want_map)
                        map[o] = map[o + 1] = map[o + 2] = (uint32_t)i;
                    o += 3;
                    i += 1;
                    continue;
                }
            }
            unsigned l = cp < NORM_TBL_N ? t->ln[cp] : L_SLOW;
            if (l < 0x80) {
                /* output, separator or nothing, without a branch on which */
                memcpy(out + o, &t->ob[cp], 4);
                if (want_map) {
#if defined(__SSE2__)
                    _mm_storeu_si128((__m128i *)(map + o), _mm_set1_epi32((int)i));
#else
                    map[o] = map[o + 1] = map[o + 2] = map[o + 3] = (uint32_t)i;
#endif
                }
                o += (l & 7u) - ((l >> 6) & (out[o - 1] == ' '));
                i += nb;
                continue;
            }
            norm_emit em = {out, map, o, base};
            if (l == L_POOL) {
                const uint8_t *p = t->pool + t->ob[cp];
                norm_emit_bytes(&em, p + 1, p[0], (uint32_t)i);
                o = em.o;
                i += nb;
                continue;
            }
            /* L_SLOW or beyond the table: may grow the buffers, so end the chunk */
            size_t next;
            if ((st = norm_rare(n, in, len, i, cp, nb, &em, &next)) != TOCSIN_OK)
                return st;
            o = em.o;
            i = next;
            break;
        }
    }
    if ((st = norm_reserve(n, o, want_map)) != TOCSIN_OK)
        return st;
    n->out[o] = '\0';
    if (want_map)
        n->map[o] = (uint32_t)len;
    *out_len = o;
    return TOCSIN_OK;
}

tocsin_status tocsin_normalize(tocsin_norm *n, const char *in, size_t len, const char **out,
                               size_t *out_len, const uint32_t **map, tocsin_error *err)
{
    if (!n || !out || !out_len || (!in && len))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL,
                            "tocsin_normalize: NULL argument");
    if (len >= UINT32_MAX)
        return tc_error_set(err, TOCSIN_ERR_LIMIT, NULL, 0, NULL,
                            "text of %zu bytes is too long to normalize (limit 4 GiB)", len);
    size_t olen = 0;
    tocsin_status st = map ? norm_fast(n, (const uint8_t *)in, len, true, 0, &olen)
                           : norm_fast(n, (const uint8_t *)in, len, false, 0, &olen);
    if (st != TOCSIN_OK)
        return tc_error_set(err, st, NULL, 0, NULL, "cannot normalize %zu bytes of text: %s", len,
                            tocsin_strerror(st));
    *out = n->out;
    *out_len = olen;
    if (map)
        *map = n->map;
    return TOCSIN_OK;
}

tocsin_status norm_append(tocsin_norm *n, size_t keep, const char *in, size_t len, size_t *total,
                          tocsin_error *err)
{
    if (!n || !total || (!in && len))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "norm_append: NULL argument");
    if (keep && (keep > n->out_cap || n->out[keep - 1] == ' '))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL,
                            "norm_append: cannot append after %zu bytes", keep);
    if (len >= UINT32_MAX)
        return tc_error_set(err, TOCSIN_ERR_LIMIT, NULL, 0, NULL,
                            "text of %zu bytes is too long to normalize (limit 4 GiB)", len);
    tocsin_status st = norm_fast(n, (const uint8_t *)in, len, false, keep, total);
    if (st != TOCSIN_OK)
        return tc_error_set(err, st, NULL, 0, NULL, "cannot normalize %zu bytes of text: %s", len,
                            tocsin_strerror(st));
    return TOCSIN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The reference: utf8proc on the whole string
 * ------------------------------------------------------------------------------------------- */

tocsin_status tocsin_normalize_reference(tocsin_norm *n, const char *in, size_t len,
                                         const char **out, size_t *out_len, tocsin_error *err)
{
    if (!n || !out || !out_len || (!in && len))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL,
                            "tocsin_normalize_reference: NULL argument");
    tocsin_status st = TOCSIN_OK;
    tc_buf_reset(&n->tmp);
    tc_buf_reset(&n->ref);
    /* Rules 1-3 on the input. */
    const unsigned char *p = (const unsigned char *)in;
    for (size_t i = 0; i < len && st == TOCSIN_OK;) {
        uint32_t cp;
        i += tc_utf8_decode(p + i, len - i, &cp);
        if (norm_is_removed(cp))
            continue;
        char b[4];
        size_t k = norm_is_separator(cp) ? (b[0] = ' ', 1) : tc_utf8_encode(cp, b);
        st = tc_buf_append(&n->tmp, b, k);
    }
    if (st == TOCSIN_OK)
        st = tc_buf_reserve(&n->ref, 0);
    if (st != TOCSIN_OK)
        return tc_error_set(err, st, NULL, 0, NULL, "cannot normalize %zu bytes of text: %s", len,
                            tocsin_strerror(st));
    /* Rule 4 on the whole string, then rules 2, 3, 5 on its result. */
    if (n->tmp.len) {
        utf8proc_uint8_t *res = NULL;
        utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)n->tmp.data,
                                          (utf8proc_ssize_t)n->tmp.len, &res, NORM_UTF8PROC_OPTS);
        if (r < 0)
            return tc_error_set(err, r == UTF8PROC_ERROR_NOMEM ? TOCSIN_ERR_NOMEM
                                                               : TOCSIN_ERR_INTERNAL,
                                NULL, 0, NULL, "utf8proc: %s", utf8proc_errmsg(r));
        bool sep = false;
        for (utf8proc_ssize_t i = 0; i < r && st == TOCSIN_OK;) {
            utf8proc_int32_t c;
            utf8proc_ssize_t k = utf8proc_iterate(res + i, r - i, &c);
            if (k <= 0) {
                st = TOCSIN_ERR_INTERNAL;
                break;
            }
            i += k;
            if (norm_is_removed((uint32_t)c))
                continue;
            if (norm_is_separator((uint32_t)c)) {
                if (!sep)
                    st = tc_buf_putc(&n->ref, ' ');
                sep = true;
                continue;
            }
            char b[4];
            st = tc_buf_append(&n->ref, b, tc_utf8_encode(norm_fold_arabic((uint32_t)c), b));
            sep = false;
        }
        free(res);
        if (st != TOCSIN_OK)
            return tc_error_set(err, st, NULL, 0, NULL, "cannot normalize %zu bytes of text: %s",
                                len, tocsin_strerror(st));
    }
    *out = n->ref.data;
    *out_len = n->ref.len;
    return TOCSIN_OK;
}
