/* match.c: the matcher. Runs a watchlist's Hyperscan database over normalized text and keeps the
 * hits that are real matches.
 *
 * Design. Hyperscan finds every occurrence of every pattern in one pass; it knows nothing about
 * words. Literals are compiled without start-of-match tracking (a literal's start is its end
 * minus its length, and SOM would cost speed and stream state), regexes with SOM_LEFTMOST. Each
 * hit then goes through the edge rules, in the callback, so rejected hits cost no memory:
 *
 *  - Word boundary per edge. A word character is a letter, mark or number (Unicode L*, M*, N*).
 *    An edge is a boundary when the characters on either side of it are not both word
 *    characters, or when either of them belongs to a script written without spaces (Han, kana,
 *    Thai, Lao, Khmer, Myanmar): "ISKP" is not inside "ISKPRO", "#ISKP" contains ISKP, and a
 *    Chinese term matches inside a run of Chinese text.
 *  - Arabic proclitics. When the left edge is not a boundary and the span starts with an
 *    Arabic-script letter, the letters between the previous non-word character and the span may
 *    be a proclitic chain (و|ف)?(ب|ك|ل)?(ال)? with ل+ال written لل. So "ولاية" matches in
 *    "وولاية", "بولاية", "للولاية", never in "سولاية". The right edge stays strict (no suffixes).
 *    A term that itself starts with ال loses its alif after ل ("للدولة"); the loader compiles that
 *    spelling as a second literal which only و/ف may precede.
 *  - Exclusions. Exclusion phrases are patterns of the same database; after the scan, a term
 *    match is dropped when it overlaps an accepted exclusion hit of its own topic. The check is
 *    a binary search over exclusions sorted by (topic, start) with a running maximum of their
 *    ends, so a text full of hits stays O(n log n).
 *
 * Results are sorted by (start, term, end) and deduplicated per (term, span). All buffers belong
 * to the matcher and are reused, so the steady state allocates nothing. */
#include "match/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Past this many accepted hits in one text, matching stops with TOCSIN_ERR_LIMIT: a hostile text
 * must not exhaust memory. 16 M hits are ~400 MB of results. */
#define MATCH_MAX_HITS ((size_t)1 << 24)

bool match_is_word_cp(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

bool match_is_nospace_cp(uint32_t cp)
{
    if (cp < 0x0E00)
        return false;
    return (cp >= 0x0E00 && cp <= 0x0EFF)       /* Thai, Lao */
           || (cp >= 0x1000 && cp <= 0x109F)    /* Myanmar */
           || (cp >= 0x1780 && cp <= 0x17FF)    /* Khmer */
           || (cp >= 0x19E0 && cp <= 0x19FF)    /* Khmer symbols */
           || (cp >= 0x2E80 && cp <= 0x2FDF)    /* CJK and Kangxi radicals */
           || (cp >= 0x3005 && cp <= 0x3007)    /* 々 〆 〇 */
           || (cp >= 0x3021 && cp <= 0x3029)    /* Hangzhou numerals */
           || (cp >= 0x3038 && cp <= 0x303B)
           || (cp >= 0x3041 && cp <= 0x30FF)    /* Hiragana, Katakana */
           || (cp >= 0x31F0 && cp <= 0x31FF)    /* Katakana phonetic extensions */
           || (cp >= 0x3400 && cp <= 0x4DBF)    /* CJK extension A */
           || (cp >= 0x4E00 && cp <= 0x9FFF)    /* CJK unified */
           || (cp >= 0xA9E0 && cp <= 0xA9FF)    /* Myanmar extended B */
           || (cp >= 0xAA60 && cp <= 0xAA7F)    /* Myanmar extended A */
           || (cp >= 0xF900 && cp <= 0xFAFF)    /* CJK compatibility */
           || (cp >= 0xFF66 && cp <= 0xFF9F)    /* halfwidth Katakana */
           || (cp >= 0x1B000 && cp <= 0x1B16F)  /* kana supplement, extended */
           || (cp >= 0x20000 && cp <= 0x323AF); /* CJK extensions B..H */
}

bool match_is_arabic_cp(uint32_t cp)
{
    return (cp >= 0x0600 && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F) ||
           (cp >= 0x0870 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFDFF) ||
           (cp >= 0xFE70 && cp <= 0xFEFF);
}

/* The character that starts at s[pos] (pos < len). */
static uint32_t char_at(const char *s, size_t len, size_t pos)
{
    unsigned char c = (unsigned char)s[pos];
    if (c < 0x80)
        return c;
    uint32_t cp;
    tc_utf8_decode((const unsigned char *)s + pos, len - pos, &cp);
    return cp;
}

/* The character that ends just before s[pos] (pos > 0); *at receives its start. */
static uint32_t char_before(const char *s, size_t pos, size_t *at)
{
    unsigned char c = (unsigned char)s[pos - 1];
    if (c < 0x80) {
        *at = pos - 1;
        return c;
    }
    size_t k = pos - 1;
    while (k > 0 && pos - k < 4 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    uint32_t cp;
    size_t n = tc_utf8_decode((const unsigned char *)s + k, pos - k, &cp);
    if (k + n != pos) { /* a broken sequence: treat the last byte alone as U+FFFD */
        *at = pos - 1;
        return 0xFFFD;
    }
    *at = k;
    return cp;
}

/* Whether the edge between characters a and b separates words. */
static bool is_boundary(uint32_t a, uint32_t b)
{
    if (!match_is_word_cp(a) || !match_is_word_cp(b))
        return true;
    return match_is_nospace_cp(a) || match_is_nospace_cp(b);
}

/* The left edge at `start` failed the boundary rule and the span starts with an Arabic letter:
 * accept when the word's letters before `start` form an allowed proclitic chain. */
static bool proclitic_ok(const match_prefixes *p, const char *s, size_t start, bool lil)
{
    size_t w = start;
    while (w > 0) {
        size_t at;
        uint32_t cp = char_before(s, w, &at);
        if (!match_is_word_cp(cp) || match_is_nospace_cp(cp))
            break;
        w = at;
        if (start - w > p->max_len)
            return false;
    }
    size_t n = start - w;
    for (size_t i = 0; i < p->n; i++)
        if (p->len[i] == n && (!lil || p->conj_only[i]) && memcmp(p->s[i], s + w, n) == 0)
            return true;
    return false;
}

bool match_edges_ok(const match_prefixes *p, const char *s, size_t len, size_t start, size_t end,
                    bool lil)
{
    if (start >= end || end > len)
        return false;
    size_t at;
    if (end < len) {
        uint32_t last = char_before(s, end, &at);
        if (!is_boundary(last, char_at(s, len, end)))
            return false;
    }
    if (start > 0) {
        uint32_t first = char_at(s, len, start);
        if (!is_boundary(char_before(s, start, &at), first)) {
            if (!match_is_arabic_cp(first) || !proclitic_ok(p, s, start, lil))
                return false;
        }
    }
    return true;
}

bool match_can_join(const tocsin_watchlist *wl, unsigned char sep)
{
    if (!wl || sep == 0 || sep >= 0x80 || match_is_word_cp(sep))
        return false;
    for (size_t i = 0; i < wl->npats; i++) {
        const match_pat *p = &wl->pats[i];
        if (!p->len)
            return false; /* a regex */
        const match_entry *e = p->exclude ? &wl->excludes[p->owner] : &wl->terms[p->owner];
        if (!e->norm || memchr(e->norm, sep, strlen(e->norm)))
            return false;
    }
    return true;
}

/* Normalizes one proclitic spelling and appends it to the table. */
static tocsin_status add_prefix(match_prefixes *p, tocsin_norm *n, const char *raw,
                                bool conj_only, tocsin_error *err)
{
    const char *out;
    size_t olen;
    tocsin_status st = tocsin_normalize(n, raw, strlen(raw), &out, &olen, NULL, err);
    if (st != TOCSIN_OK)
        return st;
    if (olen == 0 || olen >= MATCH_PREFIX_CAP || p->n >= MATCH_MAX_PREFIXES)
        return tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, NULL,
                            "proclitic '%s' normalizes to %zu bytes", raw, olen);
    for (size_t i = 0; i < p->n; i++)
        if (p->len[i] == olen && memcmp(p->s[i], out, olen) == 0)
            return TOCSIN_OK;
    memcpy(p->s[p->n], out, olen);
    p->len[p->n] = (uint8_t)olen;
    p->conj_only[p->n] = conj_only;
    p->n++;
    if (olen > p->max_len)
        p->max_len = olen;
    return TOCSIN_OK;
}

tocsin_status match_prefixes_init(match_prefixes *p, tocsin_norm *n, tocsin_error *err)
{
    static const char *const conj[] = {"", "\u0648", "\u0641"};          /* و ف */
    static const char *const prep[] = {"", "\u0628", "\u0643", "\u0644"}; /* ب ك ل */
    static const char *const art[] = {"", "\u0627\u0644"};               /* ال */
    memset(p, 0, sizeof *p);
    tocsin_status st;
    for (size_t c = 0; c < 3; c++)
        for (size_t q = 0; q < 4; q++)
            for (size_t a = 0; a < 2; a++) {
                if (!c && !q && !a)
                    continue;
                char raw[32];
                if (q == 3 && a == 1) /* ل + ال is written لل */
                    snprintf(raw, sizeof raw, "%s\u0644\u0644", conj[c]);
                else
                    snprintf(raw, sizeof raw, "%s%s%s", conj[c], prep[q], art[a]);
                if ((st = add_prefix(p, n, raw, !q && !a, err)) != TOCSIN_OK)
                    return st;
            }
    const char *out;
    size_t olen;
    if ((st = tocsin_normalize(n, "\u0644", strlen("\u0644"), &out, &olen, NULL, err)) != TOCSIN_OK)
        return st;
    if (olen == 0 || olen >= sizeof p->lam)
        return tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, NULL, "cannot normalize lam");
    memcpy(p->lam, out, olen);
    p->lam_len = olen;
    if ((st = tocsin_normalize(n, "\u0627\u0644", strlen("\u0627\u0644"), &out, &olen, NULL, err)) !=
        TOCSIN_OK)
        return st;
    if (olen == 0 || olen >= sizeof p->al)
        return tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, NULL, "cannot normalize alif-lam");
    memcpy(p->al, out, olen);
    p->al_len = olen;
    return TOCSIN_OK;
}

/* ------------------------------------------------------------------------------------------- */

typedef struct excl_hit {
    uint32_t topic;
    size_t start, end;
    size_t max_end; /* the largest end among this topic's exclusions up to this one (sorted) */
} excl_hit;

struct tocsin_matcher {
    const tocsin_watchlist *wl;
    hs_scratch_t *scratch;
    const char *text; /* the text being scanned (valid during tocsin_match_text only) */
    size_t len;
    tocsin_match *hits;
    size_t nhits, ahits;
    excl_hit *ex;
    size_t nex, aex;
    tocsin_status fail; /* set by the callback when it had to stop */
};

tocsin_status tocsin_matcher_new(const tocsin_watchlist *wl, tocsin_matcher **out,
                                 tocsin_error *err)
{
    if (!wl || !out)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL,
                            "tocsin_matcher_new: NULL argument");
    tocsin_matcher *m = calloc(1, sizeof *m);
    if (!m)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    m->wl = wl;
    if (hs_clone_scratch(wl->proto, &m->scratch) != HS_SUCCESS) {
        free(m);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, wl->path, 0, NULL,
                            "cannot allocate Hyperscan scratch space");
    }
    *out = m;
    return TOCSIN_OK;
}

void tocsin_matcher_free(tocsin_matcher *m)
{
    if (!m)
        return;
    hs_free_scratch(m->scratch);
    free(m->hits);
    free(m->ex);
    free(m);
}

/* Grows an array of `size`-byte elements to hold one more. */
static bool grow(void **arr, size_t *alloc, size_t n, size_t size)
{
    if (n < *alloc)
        return true;
    if (n >= MATCH_MAX_HITS)
        return false;
    size_t na = *alloc ? *alloc * 2 : 64;
    void *p = realloc(*arr, na * size);
    if (!p)
        return false;
    *arr = p;
    *alloc = na;
    return true;
}

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ctx)
{
    (void)flags;
    tocsin_matcher *m = ctx;
    const match_pat *p = &m->wl->pats[id];
    size_t end = (size_t)to;
    size_t start = p->len ? end - p->len : (size_t)from;
    if (!match_edges_ok(&m->wl->pre, m->text, m->len, start, end, p->lil))
        return 0;
    if (p->exclude) {
        if (!grow((void **)&m->ex, &m->aex, m->nex, sizeof *m->ex))
            goto full;
        m->ex[m->nex++] = (excl_hit){p->topic, start, end, 0};
    } else {
        if (!grow((void **)&m->hits, &m->ahits, m->nhits, sizeof *m->hits))
            goto full;
        m->hits[m->nhits++] = (tocsin_match){p->topic, p->owner, start, end};
    }
    return 0;
full:
    m->fail = (m->nhits >= MATCH_MAX_HITS || m->nex >= MATCH_MAX_HITS) ? TOCSIN_ERR_LIMIT
                                                                       : TOCSIN_ERR_NOMEM;
    return 1;
}

static int cmp_match(const void *a, const void *b)
{
    const tocsin_match *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->term != y->term)
        return x->term < y->term ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return 0;
}

/* Sorts hits by cmp_match. Hyperscan reports them by end offset, so they are nearly sorted by
 * start already: an insertion sort, which gives up for qsort when a text full of overlapping
 * hits makes it move more than a few elements per hit (no quadratic worst case). */
static void sort_matches(tocsin_match *a, size_t n)
{
    size_t moves = 0, budget = 8 * n + 64;
    for (size_t i = 1; i < n; i++) {
        tocsin_match x = a[i];
        size_t j = i;
        while (j > 0 && cmp_match(&a[j - 1], &x) > 0) {
            a[j] = a[j - 1];
            j--;
            if (++moves > budget) {
                a[j] = x; /* a[j] was the hole: the array is a permutation again */
                qsort(a, n, sizeof *a, cmp_match);
                return;
            }
        }
        a[j] = x;
    }
}

static int cmp_excl(const void *a, const void *b)
{
    const excl_hit *x = a, *y = b;
    if (x->topic != y->topic)
        return x->topic < y->topic ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return 0;
}

/* Whether [start, end) of `topic` overlaps one of the sorted exclusions. */
static bool excluded(const excl_hit *ex, size_t n, uint32_t topic, size_t start, size_t end)
{
    /* last index i with (topic, start) of ex[i] < (topic, end), by binary search */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ex[mid].topic < topic || (ex[mid].topic == topic && ex[mid].start < end))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    const excl_hit *e = &ex[lo - 1];
    return e->topic == topic && e->max_end > start;
}

tocsin_status tocsin_match_text(tocsin_matcher *m, const char *norm, size_t len,
                                const tocsin_match **out, size_t *n, tocsin_error *err)
{
    if (!m || (!norm && len) || !out || !n)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL,
                            "tocsin_match_text: NULL argument");
    if (len > UINT32_MAX)
        return tc_error_set(err, TOCSIN_ERR_LIMIT, NULL, 0, NULL,
                            "text of %zu bytes is over the matcher's 4 GiB limit", len);
    m->nhits = m->nex = 0;
    m->fail = TOCSIN_OK;
    m->text = norm ? norm : "";
    m->len = len;
    hs_error_t hr = hs_scan(m->wl->db, m->text, (unsigned int)len, 0, m->scratch, on_hit, m);
    m->text = NULL;
    if (hr == HS_SCAN_TERMINATED && m->fail != TOCSIN_OK) {
        m->nhits = m->nex = 0;
        if (m->fail == TOCSIN_ERR_LIMIT)
            return tc_error_set(err, TOCSIN_ERR_LIMIT, NULL, 0, NULL,
                                "text of %zu bytes has over %zu watchlist hits", len,
                                MATCH_MAX_HITS);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    if (hr != HS_SUCCESS)
        return tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, NULL,
                            "Hyperscan scan failed (error %d)", (int)hr);
    if (m->nex) {
        qsort(m->ex, m->nex, sizeof *m->ex, cmp_excl);
        for (size_t i = 0; i < m->nex; i++) {
            bool first = i == 0 || m->ex[i - 1].topic != m->ex[i].topic;
            size_t prev = first ? 0 : m->ex[i - 1].max_end;
            m->ex[i].max_end = m->ex[i].end > prev ? m->ex[i].end : prev;
        }
        size_t k = 0;
        for (size_t i = 0; i < m->nhits; i++) {
            tocsin_match h = m->hits[i];
            if (!excluded(m->ex, m->nex, h.topic, h.start, h.end))
                m->hits[k++] = h;
        }
        m->nhits = k;
    }
    if (m->nhits > 1) {
        sort_matches(m->hits, m->nhits);
        size_t k = 1;
        for (size_t i = 1; i < m->nhits; i++)
            if (cmp_match(&m->hits[i], &m->hits[k - 1]) != 0)
                m->hits[k++] = m->hits[i];
        m->nhits = k;
    }
    *out = m->hits;
    *n = m->nhits;
    return TOCSIN_OK;
}
