/* test_text.c: unit tests of the normalizer: the case file tests/data/norm/cases.tsv, the offsets
 * map, the claims the fast path rests on (checked against the installed utf8proc), and the
 * differential test fast == reference on every code point and on random strings. */
#include "check.h"
#include "common/common.h"
#include "text/text.h"

#include <pthread.h>
#include <stdint.h>
#include <utf8proc.h>

static tocsin_norm *g_norm;
static char g_level_tag[32]; /* " (simd N)" while the narrower ASCII paths are tested */

/* ---- helpers -------------------------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Decodes the escapes of the case file into b. @return false on a malformed escape. */
static bool unescape(const char *s, size_t n, tc_buf *b)
{
    tc_buf_reset(b);
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            tc_buf_putc(b, s[i]);
            continue;
        }
        if (++i >= n)
            return false;
        char c = s[i];
        uint32_t v = 0;
        if (c == 't') tc_buf_putc(b, '\t');
        else if (c == 'n') tc_buf_putc(b, '\n');
        else if (c == 'r') tc_buf_putc(b, '\r');
        else if (c == 's') tc_buf_putc(b, ' ');
        else if (c == '\\') tc_buf_putc(b, '\\');
        else if (c == 'x') {
            if (i + 2 >= n) return false;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) return false;
            tc_buf_putc(b, (char)(h * 16 + l));
            i += 2;
        } else if (c == 'u') {
            if (i + 4 >= n) return false;
            for (int k = 1; k <= 4; k++) {
                int h = hexval(s[i + k]);
                if (h < 0) return false;
                v = v * 16 + (uint32_t)h;
            }
            i += 4;
            char u[4];
            tc_buf_append(b, u, tc_utf8_encode(v, u));
        } else if (c == 'U') {
            if (i + 1 >= n || s[i + 1] != '{') return false;
            i += 2;
            while (i < n && s[i] != '}') {
                int h = hexval(s[i++]);
                if (h < 0) return false;
                v = v * 16 + (uint32_t)h;
            }
            if (i >= n) return false;
            char u[4];
            tc_buf_append(b, u, tc_utf8_encode(v, u));
        } else {
            return false;
        }
    }
    return true;
}

/* Checks the offsets map of one normalization. */
static void check_map(const char *in, size_t len, const char *out, size_t olen, const uint32_t *map)
{
    CHECK_INT(map[olen], len);
    /* Character starts of the input, as the decoder sees them. */
    char *start = calloc(len + 1, 1);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        start[i] = 1;
        i += tc_utf8_decode((const unsigned char *)in + i, len - i, &cp);
    }
    bool ok_mono = true, ok_start = true, ok_char = true;
    for (size_t k = 0; k < olen; k++) {
        if (map[k] >= len || !start[map[k]])
            ok_start = false;
        if (k && map[k] < map[k - 1])
            ok_mono = false;
        /* every byte of one output character comes from one input character */
        if (((unsigned char)out[k] & 0xC0) == 0x80 && k && map[k] != map[k - 1])
            ok_char = false;
    }
    CHECK(ok_mono);
    CHECK(ok_start);
    CHECK(ok_char);
    free(start);
}

/* Normalizes with both implementations (fast with and without a map) and compares. */
static bool check_both(const char *in, size_t len, const char *expect, size_t elen)
{
    const char *f, *f2, *r;
    size_t fl, fl2, rl;
    const uint32_t *map;
    tocsin_error err;
    CHECK_INT(tocsin_normalize(g_norm, in, len, &f, &fl, &map, &err), TOCSIN_OK);
    char *fcopy = tc_strndup(f, fl);
    check_map(in, len, f, fl, map);
    CHECK_INT(tocsin_normalize(g_norm, in, len, &f2, &fl2, NULL, &err), TOCSIN_OK);
    CHECK(fl2 == fl && !memcmp(f2, fcopy, fl));
    CHECK_INT(f2[fl2], 0);
    CHECK_INT(tocsin_normalize_reference(g_norm, in, len, &r, &rl, &err), TOCSIN_OK);
    bool same = rl == fl && !memcmp(r, fcopy, fl);
    if (!same) {
        check_cur_failed = 1;
        fprintf(stderr, "  FAIL %s: fast != reference\n    in:  ", check_cur_name);
        for (size_t i = 0; i < len; i++) fprintf(stderr, "%02X ", (unsigned char)in[i]);
        fprintf(stderr, "\n    fast: \"%.*s\"\n    ref:  \"%.*s\"\n", (int)fl, fcopy, (int)rl, r);
    }
    if (expect && (fl != elen || memcmp(fcopy, expect, elen))) {
        check_cur_failed = 1;
        fprintf(stderr, "  FAIL %s: got \"%.*s\", expected \"%.*s\"\n", check_cur_name, (int)fl,
                fcopy, (int)elen, expect);
    }
    free(fcopy);
    return same;
}

/* ---- the case file ---------------------------------------------------------------------------- */

static void test_case_file(void)
{
    const char *path = getenv("TOCSIN_NORM_CASES");
    if (!path)
        path = "tests/data/norm/cases.tsv";
    FILE *fp = fopen(path, "r");
    check_case_begin("cases.tsv: open");
    CHECK(fp != NULL);
    check_case_end();
    if (!fp)
        return;
    char line[4096];
    static char name[64];
    int lineno = 0, n = 0;
    tc_buf in, ex;
    tc_buf_init(&in, 0);
    tc_buf_init(&ex, 0);
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\n'))
            line[--l] = '\0';
        if (line[0] == '#' || l == 0)
            continue;
        snprintf(name, sizeof name, "cases.tsv:%d%s", lineno, g_level_tag);
        check_case_begin(name);
        char *tab = strchr(line, '\t');
        CHECK(tab != NULL);
        if (tab) {
            bool ok = unescape(line, (size_t)(tab - line), &in) &&
                      unescape(tab + 1, strlen(tab + 1), &ex);
            CHECK(ok);
            if (ok)
                check_both(in.data, in.len, ex.data, ex.len);
            n++;
        }
        check_case_end();
    }
    fclose(fp);
    tc_buf_free(&in);
    tc_buf_free(&ex);
    check_case_begin("cases.tsv: count");
    CHECK(n >= 100);
    check_case_end();
}

/* ---- the offsets map -------------------------------------------------------------------------- */

static void expect_map(const char *in, const char *out, const uint32_t *want, size_t nwant)
{
    const char *o;
    size_t ol;
    const uint32_t *map;
    CHECK_INT(tocsin_normalize(g_norm, in, strlen(in), &o, &ol, &map, NULL), TOCSIN_OK);
    CHECK_STRN(o, ol, out);
    CHECK_INT(ol + 1, nwant);
    for (size_t k = 0; k < nwant && k <= ol; k++)
        if (map[k] != want[k]) {
            check_cur_failed = 1;
            fprintf(stderr, "  FAIL %s: map[%zu] = %u, expected %u\n", check_cur_name, k, map[k],
                    want[k]);
        }
}

static void test_map_ascii(void)
{
    expect_map("ISIS-K", "isis k", (const uint32_t[]){0, 1, 2, 3, 4, 5, 6}, 7);
    /* a collapsed run maps to its first separator */
    expect_map("a -- b", "a b", (const uint32_t[]){0, 1, 5, 6}, 4);
    expect_map("", "", (const uint32_t[]){0}, 1);
}

static void test_map_arabic(void)
{
    /* mim damma hah fatha mim shadda fatha dal: marks vanish, letters keep their offsets */
    expect_map("مُحَمَّد", "محمد", (const uint32_t[]){0, 0, 4, 4, 8, 8, 14, 14, 16}, 9);
    /* a ligature expands: every output byte maps to the ligature */
    expect_map("ﻻ", "لا", (const uint32_t[]){0, 0, 0, 0, 3}, 5);
    /* tatweel removed, alef with hamza folded */
    expect_map("أـب", "اب", (const uint32_t[]){0, 0, 4, 4, 6}, 5);
}

static void test_map_other(void)
{
    /* a composed syllable maps to its first jamo */
    expect_map("\xE1\x84\x80\xE2\x80\x8B\xE1\x85\xA1", "\xEA\xB0\x80",
               (const uint32_t[]){0, 0, 0, 9}, 4);
    /* an invalid byte: U+FFFD maps to it */
    expect_map("x\xFFy", "x\xEF\xBF\xBDy", (const uint32_t[]){0, 1, 1, 1, 2, 3}, 6);
}

static void test_map_span_recovery(void)
{
    /* the evidence use: find the normalized term, show the original words */
    const char *in = "Watch \xE2\x80\x8FISIS\xE2\x80\x91K now";
    const char *o;
    size_t ol;
    const uint32_t *map;
    CHECK_INT(tocsin_normalize(g_norm, in, strlen(in), &o, &ol, &map, NULL), TOCSIN_OK);
    const char *hit = strstr(o, "isis k");
    CHECK(hit != NULL);
    if (!hit)
        return;
    size_t a = (size_t)(hit - o), b = a + 6;
    uint32_t s = map[a], last = map[b - 1];
    uint32_t cp;
    size_t e = last + tc_utf8_decode((const unsigned char *)in + last, strlen(in) - last, &cp);
    CHECK_STRN(in + s, e - s, "ISIS\xE2\x80\x91K");
}

/* ---- the claims the fast path rests on --------------------------------------------------------- */

/* Once marks are stripped, the only characters that can be the second of a composition pair
 * are Hangul V and T jamo; and every character with a non-zero combining class is a mark. */
static void test_composition_claim(void)
{
    static unsigned char second[0x110000];
    memset(second, 0, sizeof second);
    for (int32_t c = 0; c < 0x110000; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        utf8proc_int32_t d[32];
        int last = 0;
        utf8proc_ssize_t n = utf8proc_decompose_char(c, d, 32, UTF8PROC_DECOMPOSE, &last);
        CHECK(n >= 1 && n <= 32);
        for (utf8proc_ssize_t k = 1; k < n && k < 32; k++)
            second[d[k]] = 1;
    }
    int bad = 0, badccc = 0;
    for (int32_t c = 0; c < 0x110000; c++) {
        int cat = utf8proc_category(c);
        bool mark = cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
                    cat == UTF8PROC_CATEGORY_ME;
        if (second[c] && !mark && !norm_hangul_is_v((uint32_t)c) && !norm_hangul_is_t((uint32_t)c)) {
            if (bad++ < 5)
                fprintf(stderr, "  U+%04X composes as a second character and is not a mark\n", c);
        }
        if (utf8proc_get_property(c)->combining_class && !mark && badccc++ < 5)
            fprintf(stderr, "  U+%04X has a combining class and is not a mark\n", c);
    }
    CHECK_INT(bad, 0);
    CHECK_INT(badccc, 0);
}

/* Every assigned code point alone (planes 4-13 and 15-16 sampled); every one in the table
 * (< U+20000) also between two letters, after an L jamo, after an LV syllable, before a V jamo and
 * before V+T: fast == reference. */
static void test_every_code_point(void)
{
    int fails = 0;
    char buf[16];
    for (uint32_t c = 0; c < 0x110000 && fails < 10; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        /* planes 4-13 are unassigned and 15-16 private use: a sample of them is enough */
        if (c >= 0x40000 && (c < 0xE0000 || c >= 0xF0000) && c % 61 != 0)
            continue;
        size_t k = tc_utf8_encode(c, buf + 1);
        buf[0] = 'A';
        buf[1 + k] = 'b';
        if (!check_both(buf + 1, k, NULL, 0))
            fails++;
        if (c >= 0x20000) /* above the table: each one normalized alone by utf8proc */
            continue;
        if (!check_both(buf, k + 2, NULL, 0))
            fails++;
        /* after an L jamo and after an LV syllable, which compose with what follows */
        memcpy(buf, "\xE1\x84\x80", 3); /* U+1100 */
        k = tc_utf8_encode(c, buf + 3);
        if (!check_both(buf, k + 3, NULL, 0))
            fails++;
        memcpy(buf, "\xEA\xB0\x80", 3); /* U+AC00 */
        if (!check_both(buf, k + 3, NULL, 0))
            fails++;
        /* before a V and a T jamo, which compose with what precedes */
        k = tc_utf8_encode(c, buf);
        memcpy(buf + k, "\xE1\x85\xA1\xE1\x86\xA8", 6); /* U+1161 U+11A8 */
        if (!check_both(buf, k + 3, NULL, 0) || !check_both(buf, k + 6, NULL, 0))
            fails++;
    }
    CHECK_INT(fails, 0);
}

/* ---- random strings --------------------------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static uint32_t rng_range(uint32_t lo, uint32_t hi) { return lo + (uint32_t)(rng() % (hi - lo + 1)); }

/* Appends one random piece: a character of some script, a separator, an invalid byte... */
static void random_piece(tc_buf *b)
{
    static const uint32_t seps[] = {' ', '\t', '\n', '-', '_', '.', 0xA0, 0x3000, 0x2009, 0x2011,
                                    0x2013, 0x2014, 0x2212, 0x200C, 0x2E3A, 0x85, 0x2028};
    static const uint32_t removed[] = {0x0640, 0x200B, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x200E,
                                       0x200F, 0x061C, 0x202A, 0x202E, 0x2066, 0x2069};
    static const uint32_t arabic_special[] = {0x0623, 0x0625, 0x0622, 0x0671, 0x0649, 0x06CC,
                                              0x0629, 0x06A9, 0x06AB, 0x06C1, 0x06D5, 0x06BE,
                                              0x06C0, 0x0624, 0x0626, 0x0670, 0x0651, 0x064E};
    uint32_t cp;
    unsigned r = (unsigned)(rng() % 100);
    if (r < 18) { /* ASCII, sometimes a run of it */
        int n = (int)rng_range(1, 24);
        for (int k = 0; k < n; k++)
            tc_buf_putc(b, (char)rng_range(0x20, 0x7E));
        return;
    }
    if (r < 20) {
        tc_buf_putc(b, (char)rng_range(0, 0x7F));
        return;
    }
    if (r < 25) { /* invalid or truncated bytes */
        unsigned char x[4] = {(unsigned char)rng_range(0x80, 0xFF), (unsigned char)rng_range(0x80, 0xBF),
                              (unsigned char)rng_range(0x00, 0xFF), (unsigned char)rng_range(0x80, 0xBF)};
        tc_buf_append(b, x, rng_range(1, 4));
        return;
    }
    if (r < 33) cp = seps[rng() % (sizeof seps / sizeof seps[0])];
    else if (r < 37) cp = removed[rng() % (sizeof removed / sizeof removed[0])];
    else if (r < 40) cp = rng_range(0xA0, 0x24F); /* Latin-1, Latin extended */
    else if (r < 44) cp = rng_range(0x300, 0x36F); /* combining marks */
    else if (r < 52) cp = rng_range(0x600, 0x6FF); /* Arabic, Persian */
    else if (r < 55) cp = arabic_special[rng() % (sizeof arabic_special / sizeof arabic_special[0])];
    else if (r < 58) cp = rng() % 2 ? rng_range(0xFB50, 0xFDFF) : rng_range(0xFE70, 0xFEFF);
    else if (r < 61) cp = rng_range(0x400, 0x4FF); /* Cyrillic */
    else if (r < 64) cp = rng() % 2 ? rng_range(0x370, 0x3FF) : rng_range(0x1F00, 0x1FFF);
    else if (r < 67) cp = rng() % 2 ? rng_range(0x4E00, 0x9FFF) : rng_range(0x3000, 0x30FF);
    else if (r < 69) cp = rng_range(0xFF00, 0xFFEF); /* full/halfwidth */
    else if (r < 73) cp = rng_range(0xAC00, 0xD7A3); /* Hangul syllables */
    else if (r < 79) { /* jamo: conjoining, compatibility, extended, halfwidth */
        unsigned j = (unsigned)(rng() % 6);
        cp = j == 0 ? rng_range(0x1100, 0x1112) : j == 1 ? rng_range(0x1161, 0x1175)
           : j == 2 ? rng_range(0x11A8, 0x11C2) : j == 3 ? rng_range(0x3131, 0x318E)
           : j == 4 ? rng_range(0xFFA0, 0xFFDC) : rng_range(0x3200, 0x327F);
    } else if (r < 85) cp = rng() % 3 ? rng_range(0x1F300, 0x1FAFF) : rng() % 2 ? 0xFE0F : 0x200D;
    else if (r < 87) cp = rng_range(0x1D400, 0x1D7FF); /* mathematical letters */
    else if (r < 89) cp = rng() % 2 ? rng_range(0x2F800, 0x2FA1F) : rng_range(0xE0000, 0xE01EF);
    else if (r < 92) cp = rng_range(0x2000, 0x33FF); /* punctuation, symbols, compatibility */
    else cp = rng_range(0, 0x10FFFF);
    if (cp >= 0xD800 && cp <= 0xDFFF)
        cp = 0xFFFD;
    char u[4];
    tc_buf_append(b, u, tc_utf8_encode(cp, u));
}

static int g_random_count = 200000;

static void test_random_strings(void)
{
    const char *seed = getenv("TOCSIN_TEST_SEED");
    rng_state = seed ? strtoull(seed, NULL, 0) : 0x7E57C0DEULL;
    if (!rng_state)
        rng_state = 1;
    tc_buf b;
    tc_buf_init(&b, 0);
    int fails = 0;
    for (int n = 0; n < g_random_count && fails < 10; n++) {
        tc_buf_reset(&b);
        int pieces = (int)rng_range(0, 24);
        for (int k = 0; k < pieces; k++)
            random_piece(&b);
        if (!check_both(b.data ? b.data : "", b.len, NULL, 0))
            fails++;
    }
    /* raw bytes: overlongs, surrogates, truncated and over-long sequences in every position */
    for (int n = 0; n < 20000 && fails < 10; n++) {
        tc_buf_reset(&b);
        int k = (int)rng_range(0, 48);
        for (int j = 0; j < k; j++) {
            unsigned r = (unsigned)(rng() % 4);
            tc_buf_putc(&b, (char)(r == 0 ? rng_range(0x80, 0xBF) : r == 1 ? rng_range(0xC0, 0xFF)
                                   : r == 2 ? rng_range(0x20, 0x7F) : rng_range(0, 0xFF)));
        }
        if (!check_both(b.data ? b.data : "", b.len, NULL, 0))
            fails++;
    }
    /* long strings cross the fast path's chunk and block boundaries */
    for (int n = 0; n < 40 && fails < 10; n++) {
        tc_buf_reset(&b);
        int pieces = (int)rng_range(1000, 8000);
        for (int k = 0; k < pieces; k++)
            random_piece(&b);
        if (!check_both(b.data, b.len, NULL, 0))
            fails++;
    }
    if (fails)
        fprintf(stderr, "  (seed %s)\n", seed ? seed : "0x7E57C0DE");
    CHECK_INT(fails, 0);
    tc_buf_free(&b);
}

/* Long ASCII-only texts: the SSE2 blocks, separator runs straddling blocks, chunk ends. */
static void test_long_ascii(void)
{
    rng_state = 12345;
    static const char alpha[] = "abcXYZ019 -_.\t\n!?,;:'\"()[]";
    char *s = malloc(70001);
    int fails = 0;
    for (int n = 0; n < 30; n++) {
        size_t len = rng_range(0, 70000);
        for (size_t i = 0; i < len; i++) /* every ASCII byte, separators more often */
            s[i] = rng() % 2 ? (char)(rng() % 128) : alpha[rng() % (sizeof alpha - 1)];
        if (!check_both(s, len, NULL, 0))
            fails++;
    }
    CHECK_INT(fails, 0);
    free(s);
}

static void test_bad_arguments(void)
{
    const char *o;
    size_t ol;
    tocsin_error err;
    CHECK_INT(tocsin_normalize(g_norm, NULL, 3, &o, &ol, NULL, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_normalize(g_norm, NULL, 0, &o, &ol, NULL, &err), TOCSIN_OK);
    CHECK_STRN(o, ol, "");
    CHECK_INT(tocsin_normalize_reference(g_norm, NULL, 0, &o, &ol, &err), TOCSIN_OK);
    CHECK_STRN(o, ol, "");
    CHECK_INT(tocsin_normalize_reference(g_norm, NULL, 1, &o, &ol, &err), TOCSIN_ERR_USAGE);
    if (SIZE_MAX > UINT32_MAX) /* refused before reading anything: offsets are 32-bit */
        CHECK_INT(tocsin_normalize(g_norm, "x", (size_t)UINT32_MAX, &o, &ol, NULL, &err),
                  TOCSIN_ERR_LIMIT);
    tocsin_norm_free(NULL);
    /* two normalizers share the table and do not share buffers */
    tocsin_norm *other;
    CHECK_INT(tocsin_norm_new(&other, &err), TOCSIN_OK);
    const char *o2;
    size_t ol2;
    CHECK_INT(tocsin_normalize(g_norm, "ABC", 3, &o, &ol, NULL, &err), TOCSIN_OK);
    CHECK_INT(tocsin_normalize(other, "DEF", 3, &o2, &ol2, NULL, &err), TOCSIN_OK);
    CHECK_STRN(o, ol, "abc");
    CHECK_STRN(o2, ol2, "def");
    tocsin_norm_free(other);
}

/* Threads: each makes its own normalizer over the shared table and normalizes concurrently. */
static void *thread_body(void *arg)
{
    intptr_t *ok = arg;
    tocsin_norm *nz;
    *ok = 0;
    if (tocsin_norm_new(&nz, NULL) != TOCSIN_OK)
        return NULL;
    static const char in[] = "\xD9\x85\xD9\x8F\xD8\xAD\xD9\x8E\xD9\x85\xD9\x8E\xD9\x91\xD8\xAF ISIS-K "
                             "\xE1\x84\x80\xE1\x85\xA1";
    intptr_t good = 1;
    for (int k = 0; k < 2000; k++) {
        const char *o;
        size_t ol;
        if (tocsin_normalize(nz, in, sizeof in - 1, &o, &ol, NULL, NULL) != TOCSIN_OK ||
            strcmp(o, "\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF isis k \xEA\xB0\x80"))
            good = 0;
    }
    tocsin_norm_free(nz);
    *ok = good;
    return NULL;
}

static void test_threads(void)
{
    pthread_t th[4];
    intptr_t ok[4];
    for (int k = 0; k < 4; k++)
        CHECK_INT(pthread_create(&th[k], NULL, thread_body, &ok[k]), 0);
    for (int k = 0; k < 4; k++) {
        pthread_join(th[k], NULL);
        CHECK_INT(ok[k], 1);
    }
}

int main(void)
{
    tocsin_error err;
    RUN(test_threads); /* first, so that the threads race to build the shared table */
    if (tocsin_norm_new(&g_norm, &err) != TOCSIN_OK) {
        fprintf(stderr, "tocsin_norm_new: %s\n", err.message);
        check_failed++;
        return check_summary();
    }
    test_case_file();
    RUN(test_map_ascii);
    RUN(test_map_arabic);
    RUN(test_map_other);
    RUN(test_map_span_recovery);
    RUN(test_composition_claim);
    RUN(test_every_code_point);
    RUN(test_random_strings);
    RUN(test_long_ascii);
    /* the narrower ASCII paths (SSE2, then the byte loop) on the same inputs */
    g_random_count = 30000;
    for (int level = norm_set_simd(2) - 1; level >= 0; level--) {
        check_case_begin("simd level");
        CHECK_INT(norm_set_simd(level), level);
        check_case_end();
        snprintf(g_level_tag, sizeof g_level_tag, " (simd %d)", level);
        test_case_file();
        RUN(test_random_strings);
        RUN(test_long_ascii);
    }
    RUN(test_bad_arguments);
    tocsin_norm_free(g_norm);
    return check_summary();
}
