/* jsonl_fast.c: the fast path of the generic JSON Lines reader: one flat JSON object per line is
 * checked and its fields are picked in a single pass over its bytes, without building a
 * simdjson DOM.
 *
 * Why. A generic JSON Lines post is a flat object of a few hundred bytes of which the reader
 * needs six members (text, id, time, author, channel, lang). Building simdjson's tape for every
 * record, then walking its members, cost more than the text normalization after it. This
 * scanner reads the record once: keys are classified as they pass (rd_key_class), the members
 * wanted are kept as views into the input, and everything else is validated and stepped over.
 *
 * Exactness. The scanner only accepts a record when it is sure that simdjson's DOM parser accepts
 * it too and that the generic mapping would see the same values; anything else is declined and
 * the caller parses that record with simdjson as before (lenient pass, error messages and
 * all). Declined, among others: a key with an escape, a lone or broken surrogate escape, a raw
 * control character in a string, integers of 19 digits and more (20 for positive numbers) and
 * "-0", doubles with more than 19 significant digits or a 3-digit exponent, a double where the
 * mapping would take it (its text form is simdjson's business), nesting past 64 levels, any
 * grammar error, a newline inside the record, anything after the object but blanks. The same
 * scanner reads the elements of a generic JSON array once the reader has framed them
 * (RD_FAST_WHOLE: newlines are then blanks like any other). UTF-8
 * validity is checked by the caller (simdjson's validator over a chunk of whole lines), so the
 * scanner only sees valid UTF-8. Strings without escapes are handed out as views into the
 * input; strings with escapes are decoded by rd_fast_unescape() exactly as simdjson does. */
#include "read/reader_int.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define FAST_MAX_DEPTH 64

typedef const unsigned char *cp;

static inline cp skip_ws(cp p, cp e, bool nl)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || (nl && *p == '\n')))
        p++;
    return p;
}

static inline bool is_digit(unsigned c)
{
    return c - '0' < 10u;
}

static inline int hexv(unsigned c)
{
    if (c - '0' < 10)
        return (int)(c - '0');
    c |= 0x20;
    if (c - 'a' < 6)
        return (int)(c - 'a' + 10);
    return -1;
}

static inline int hex4(cp p)
{
    int a = hexv(p[0]), b = hexv(p[1]), c = hexv(p[2]), d = hexv(p[3]);
    if ((a | b | c | d) < 0)
        return -1;
    return (a << 12) | (b << 8) | (c << 4) | d;
}

/* An escape at p ('\\'): the byte after it, or NULL when simdjson might not take it as we
 * would (see the file comment). */
static cp check_escape(cp p, cp e)
{
    if (e - p < 2)
        return NULL;
    switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        return p + 2;
    case 'u': {
        if (e - p < 6)
            return NULL;
        int u = hex4(p + 2);
        if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF))
            return NULL;
        if (u < 0xD800 || u > 0xDBFF)
            return p + 6;
        if (e - p < 12 || p[6] != '\\' || p[7] != 'u')
            return NULL;
        int lo = hex4(p + 8);
        return lo >= 0xDC00 && lo <= 0xDFFF ? p + 12 : NULL;
    }
    default:
        return NULL;
    }
}

/* The closing quote of the string whose content starts at p, checking escapes and control
 * characters on the way (*esc set when there is an escape). NULL to decline. */
static cp scan_str(cp p, cp e, bool *esc)
{
    for (;;) {
#ifdef __SSE2__
        const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
                      c1f = _mm_set1_epi8(0x1F);
        while (e - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs));
            m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_max_epu8(v, c1f), c1f)); /* v <= 0x1F */
            int bits = _mm_movemask_epi8(m);
            if (bits) {
                p += __builtin_ctz((unsigned)bits);
                goto special;
            }
            p += 16;
        }
#endif
        while (p < e && *p != '"' && *p != '\\' && *p >= 0x20)
            p++;
        if (p >= e)
            return NULL;
#ifdef __SSE2__
    special:
#endif
        if (*p == '"')
            return p;
        if (*p < 0x20)
            return NULL;
        *esc = true;
        p = check_escape(p, e);
        if (!p)
            return NULL;
    }
}

/* A number at p. *is_int and *digits (integer part) describe it. NULL to decline. */
static cp scan_num(cp p, cp e, bool *is_int, unsigned *digits)
{
    cp s = p;
    bool neg = *p == '-';
    if (neg)
        p++;
    if (p >= e || !is_digit(*p))
        return NULL;
    cp d0 = p;
    if (*p == '0') {
        p++;
        if (p < e && is_digit(*p))
            return NULL; /* a leading zero */
    } else {
        while (p < e && is_digit(*p))
            p++;
    }
    unsigned nd = (unsigned)(p - d0), nf = 0, ne = 0;
    bool integer = true;
    if (p < e && *p == '.') {
        integer = false;
        cp f = ++p;
        while (p < e && is_digit(*p))
            p++;
        nf = (unsigned)(p - f);
        if (nf == 0)
            return NULL;
    }
    if (p < e && (*p | 0x20) == 'e') {
        integer = false;
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        cp x = p;
        while (p < e && is_digit(*p))
            p++;
        ne = (unsigned)(p - x);
        if (ne == 0)
            return NULL;
    }
    if (integer) {
        if (nd >= (neg ? 19u : 20u) || (neg && nd == 1 && *d0 == '0'))
            return NULL; /* near or past 64 bits, or -0: simdjson's own business */
    } else if (nd + nf > 19 || ne > 2) {
        return NULL;
    }
    (void)s;
    *is_int = integer;
    *digits = nd;
    return p;
}

static cp scan_lit(cp p, cp e)
{
    static const char *const lit[] = {"true", "false", "null"};
    const char *l = *p == 't' ? lit[0] : *p == 'f' ? lit[1] : lit[2];
    size_t n = strlen(l);
    if ((size_t)(e - p) < n || memcmp(p, l, n) != 0)
        return NULL;
    return p + n;
}

/* Validates and steps over one value of any kind. NULL to decline. */
static cp skip_value(cp p, cp e, bool nl)
{
    unsigned char stack[FAST_MAX_DEPTH];
    int d = 0;
    bool esc;
value:
    p = skip_ws(p, e, nl);
    if (p >= e)
        return NULL;
    switch (*p) {
    case '"':
        p = scan_str(p + 1, e, &esc);
        if (!p)
            return NULL;
        p++;
        break;
    case '{':
    case '[': {
        unsigned char open = *p;
        if (d == FAST_MAX_DEPTH)
            return NULL;
        stack[d++] = open;
        p = skip_ws(p + 1, e, nl);
        if (p < e && *p == (open == '{' ? '}' : ']')) {
            p++;
            d--;
            break;
        }
        if (open == '{')
            goto key;
        goto value;
    }
    case 't':
    case 'f':
    case 'n':
        p = scan_lit(p, e);
        if (!p)
            return NULL;
        break;
    default: {
        bool is_int;
        unsigned nd;
        p = scan_num(p, e, &is_int, &nd);
        if (!p)
            return NULL;
        break;
    }
    }
after:
    if (d == 0)
        return p;
    p = skip_ws(p, e, nl);
    if (p >= e)
        return NULL;
    if (*p == ',') {
        p++;
        if (stack[d - 1] == '{')
            goto key;
        goto value;
    }
    if (*p == (stack[d - 1] == '{' ? '}' : ']')) {
        p++;
        d--;
        goto after;
    }
    return NULL;
key:
    p = skip_ws(p, e, nl);
    if (p >= e || *p != '"')
        return NULL;
    p = scan_str(p + 1, e, &esc);
    if (!p)
        return NULL;
    p = skip_ws(p + 1, e, nl);
    if (p >= e || *p != ':')
        return NULL;
    p++;
    goto value;
}

/* The member at index i has the same key as in the previous record (the usual case: exports
 * write their keys in one order): its class comes from the cache without looking at the key
 * twice. *kl receives the key's length. */
static inline bool cache_hit(const rd_keycache *kc, unsigned i, cp k, cp e, size_t *kl, int *f,
                             int *pr)
{
    if (i >= kc->n || e - k < 17)
        return false;
    const struct rd_keycache_ent *c = &kc->m[i];
    size_t l = c->len;
#ifdef __SSE2__
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)k);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)c->key);
    unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, b));
    unsigned want = l >= 16 ? 0xFFFFu : (1u << l) - 1;
    if ((eq & want) != want || k[l] != '"')
        return false;
#else
    if (memcmp(k, c->key, l) != 0 || k[l] != '"')
        return false;
#endif
    *kl = l;
    *f = c->field;
    *pr = c->prio;
    return true;
}

static inline void cache_put(rd_keycache *kc, unsigned i, cp k, cp e, size_t kl, int f, int pr)
{
    if (i >= RD_KEYCACHE_N || kl > 16 || e - k < 17)
        return;
    struct rd_keycache_ent *c = &kc->m[i];
    memcpy(c->key, k, 16);
    c->len = (unsigned char)kl;
    c->field = (signed char)f;
    c->prio = (unsigned char)pr;
    if (kc->n < i + 1)
        kc->n = i + 1;
    else if (kc->n > i + 1)
        kc->n = i + 1; /* the order changed: what follows is stale */
}

size_t rd_fast_scan(const char *buf, size_t n, unsigned mode, rd_keycache *kc, rd_fobj *o)
{
    cp p = (cp)buf, e = p + n;
    bool nl = mode & RD_FAST_WHOLE; /* a framed element may span lines */
    int prio[TOCSIN_FIELD__COUNT];
    for (int f = 0; f < TOCSIN_FIELD__COUNT; f++) {
        o->f[f].type = RD_FV_NONE;
        prio[f] = 1 << 30;
    }
    p = skip_ws(p, e, nl);
    if (p >= e || *p != '{')
        return 0;
    p = skip_ws(p + 1, e, nl);
    if (p < e && *p == '}') {
        p++;
        goto done;
    }
    for (unsigned mi = 0;; mi++) {
        if (p >= e || *p != '"')
            return 0;
        cp k = p + 1;
        size_t kl;
        int pr = 0, f;
        if (cache_hit(kc, mi, k, e, &kl, &f, &pr)) {
            p = k + kl;
        } else {
            bool esc = false;
            p = scan_str(k, e, &esc);
            if (!p || esc)
                return 0;
            kl = (size_t)(p - k);
            f = rd_key_class((const char *)k, kl, &pr);
            cache_put(kc, mi, k, e, kl, f, pr);
        }
        p = skip_ws(p + 1, e, nl);
        if (p >= e || *p != ':')
            return 0;
        p = skip_ws(p + 1, e, nl);
        if (p >= e)
            return 0;
        bool cand = f >= 0 && pr < prio[f];
        unsigned char c = *p;
        if (c == '"') {
            cp s = p + 1;
            bool se = false;
            p = scan_str(s, e, &se);
            if (!p)
                return 0;
            if (cand) {
                prio[f] = pr;
                o->f[f] = (rd_fval){(const char *)s, (size_t)(p - s),
                                    (unsigned char)(se ? RD_FV_STR_ESC : RD_FV_STR)};
                if (f == TOCSIN_FIELD_TIME) {
                    o->time_key = (const char *)k;
                    o->time_key_len = kl;
                }
            }
            p++;
        } else if (c == '-' || is_digit(c)) {
            bool is_int;
            unsigned nd;
            cp s = p;
            p = scan_num(p, e, &is_int, &nd);
            if (!p)
                return 0;
            if (cand && f != TOCSIN_FIELD_TEXT && f != TOCSIN_FIELD_LANG) {
                if (!is_int || (f == TOCSIN_FIELD_TIME && nd > 18))
                    return 0; /* its text or value is the DOM path's business */
                prio[f] = pr;
                o->f[f] = (rd_fval){(const char *)s, (size_t)(p - s), RD_FV_INT};
                if (f == TOCSIN_FIELD_TIME) {
                    o->time_key = (const char *)k;
                    o->time_key_len = kl;
                }
            }
        } else if (c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n') {
            p = skip_value(p, e, nl); /* never usable as a field */
            if (!p)
                return 0;
        } else {
            return 0;
        }
        p = skip_ws(p, e, nl);
        if (p >= e)
            return 0;
        if (*p == ',') {
            p = skip_ws(p + 1, e, nl);
            continue;
        }
        if (*p != '}')
            return 0;
        p++;
        break;
    }
done:
    p = skip_ws(p, e, nl);
    if (p == e)
        return mode & (RD_FAST_EOF | RD_FAST_WHOLE) ? n : 0;
    if (nl || *p != '\n')
        return 0;
    return (size_t)(p + 1 - (cp)buf);
}

static size_t put_utf8(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

size_t rd_fast_unescape(const char *s, size_t n, char *out)
{
    cp p = (cp)s, e = p + n;
    char *o = out;
    while (p < e) {
        cp bs = memchr(p, '\\', (size_t)(e - p));
        size_t k = bs ? (size_t)(bs - p) : (size_t)(e - p);
        memcpy(o, p, k);
        o += k;
        p += k;
        if (!bs)
            break;
        switch (p[1]) {
        case 'b': *o++ = '\b'; p += 2; break;
        case 'f': *o++ = '\f'; p += 2; break;
        case 'n': *o++ = '\n'; p += 2; break;
        case 'r': *o++ = '\r'; p += 2; break;
        case 't': *o++ = '\t'; p += 2; break;
        case 'u': {
            uint32_t u = (uint32_t)hex4(p + 2);
            p += 6;
            if (u >= 0xD800 && u <= 0xDBFF) { /* a pair, checked by the scanner */
                uint32_t lo = (uint32_t)hex4(p + 2);
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            o += put_utf8(o, u);
            break;
        }
        default: /* " \ / */
            *o++ = (char)p[1];
            p += 2;
            break;
        }
    }
    return (size_t)(o - out);
}
