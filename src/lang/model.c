/* model.c: tocsin's own language model: naive Bayes over character n-grams, one model per
 * script group.
 *
 * Design. Short messages are mostly told apart by their letters' company: which 1- to 4-letter
 * sequences occur, and how often. For each script group (Arabic, Latin, Cyrillic, Devanagari)
 * the model holds, for every n-gram seen in training, how much more likely it made each language
 * than an unseen n-gram would ("gain", in 1/scale bits). A text's cost for language L is
 *     sum over its n-grams g of order k:  unk[k][L] - gain(g, L)
 * where unk[k][L] is L's cost of an n-gram of order k never seen with L (add-alpha smoothing,
 * so it depends on how much L text training had). The lowest cost wins.
 *
 * Scoring is branch-free per position, because a short text has few n-grams and the cost of
 * each is what counts (the tables fit in the caches: it is instructions and mispredicted
 * branches, not misses, that cost). The group's letters get one-byte ids (0 = space; a letter
 * of the script the group never saw, and a letter of another script, get two reserved ids), so
 * the text becomes a byte string and the 4 ids from a position are one 32-bit load:
 *  - its low 16 bits index a direct table of rows (uint16 per language) holding the unigram's
 *    and the bigram's gains summed (a row of zeros when neither was seen);
 *  - the trigram and the 4-gram are that word's low 3 and 4 bytes, looked up in a hash table
 *    whose buckets are one cache line of 7 exact keys and their row numbers: one vector compare
 *    finds the row (row 0, all zeros, when the n-gram is unseen) without a branch; a bucket that
 *    overflowed at build time sends a missed key on to its second bucket (rare);
 *  - every row is dense (a gain per language, uint8 for the hashed orders), added with vector
 *    instructions into 16-lane uint16 accumulators flushed every 16 positions.
 * A position thus costs the same whatever it holds: one table read and three row adds. Early
 * stop and the caller's bounded prefix cap the positions per text. The scoring function is also
 * compiled for AVX2 (chosen at load time): a 32-language row is two adds.
 *
 * Overlapping n-grams of four orders are far from independent, so raw naive-Bayes posteriors
 * are absurdly sure of themselves. They are tempered: p(L) ~ 2^(-(cost(L) - min cost) / (scale *
 * temper)), `temper` being a model-file setting (bench/lang_udhr.py writes 6). The caller
 * trusts the model only when that posterior reaches `trust_p` and the language is one the model
 * vouches for ("trust" line: languages whose accuracy was measured); otherwise CLD2 decides.
 *
 * Letters outside the routed script are skipped (an English word in an Arabic post does not
 * vote); a letter of the routed script that no language of the group was trained on (a Sindhi
 * or Sorani letter in an Arabic-script group without them) is reported, so the caller can hand
 * the text to CLD2, which knows those languages.
 *
 * File format (models/lang-ngram.txt), one directive per line, fields separated by one space:
 *     tocsin-lang-ngram 1
 *     scale S                    cost units per bit
 *     temper T                   posterior tempering
 *     trust_p P                  posterior from which a trusted verdict stands alone (0.9)
 *     guard_p P                  the same for the group's other languages (default: never)
 *     stop_bits B, min_stop N    early stop: after N positions (32), once the runner-up is B
 *                                tempered bits behind (12)
 *     max_positions N            positions of the text scored at most (200)
 *     min_order K                shorter n-grams are not scored, unigrams only probed (1);
 *                                before the first group
 *     group SCRIPT               ISO 15924 code, starts a group
 *     langs L1 L2 ...            the group's languages (at most 64)
 *     trust L1 ...               the subset whose verdicts the model vouches for
 *     unk K C1 C2 ...            order K's unseen cost per language
 *     g NGRAM ENTRIES            NGRAM with '_' for a space, code points up to U+FFFF, at most
 *                                253 distinct letters per group; ENTRIES = 3 characters per
 *                                language: its index and its gain (base 64: 0-9 A-Z a-z - +)
 *     end                        closes the group
 * Lines starting with '#' are comments. */
#include "lang/lang_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#endif

#define MODEL_MAX_LANGS 64
#define MODEL_MAX_ORDER 4
#define ENTRY_GAIN_MAX 255
#define CHUNK 16    /* positions between two early-stop checks */
#define SPAN_MAX 32 /* positions added in one go at most (the first two chunks when no check
                       falls between them) */

/* Letter ids: one byte per position of the text. */
#define LID_SPACE 0
#define LID_UNSEEN 0xFE /* a letter (or mark) of the group's script no n-gram of it has */
#define LID_BREAK 0xFF  /* a letter of another script: no n-gram through it */
#define LID_MAX_LETTERS 253
#define LETTER_TABLE 0x10000u /* letter ids cover the BMP */

/* The hashed orders (3, 4). Keys are the ids packed little-endian: a 4-gram's four bytes, a
 * trigram's three with 0xFF on top (an id no letter has, so the orders never collide). */
#define BUCKET_SLOTS 7
#define KEY_EMPTY 0xFFFFFFFFu   /* an empty slot, whose row is 0 (a key made of breaks may
                                   match it: it then adds the zero row, harmlessly) */
#define BUCKET_PLAIN 0xFFFFFFFFu   /* key[7] of a bucket every key of which is in it */
#define BUCKET_SPILLED 0xFFFFFFFEu /* key[7] of a bucket some keys of which are in their
                                      second bucket */
typedef struct model_bucket {
    uint32_t key[BUCKET_SLOTS + 1];
    uint32_t row[BUCKET_SLOTS + 1]; /* byte offsets of the rows in `rows`; row[7] = 0 */
} model_bucket;
_Static_assert(sizeof(model_bucket) == 64, "a bucket is one cache line");

typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x16 __attribute__((vector_size(32)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));
typedef int32_t i32x4 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int64_t i64x4 __attribute__((vector_size(32)));
typedef double f64x4 __attribute__((vector_size(32)));
_Static_assert(SPAN_MAX * (2 + 2) * ENTRY_GAIN_MAX < 65536, "span sums must fit uint16 lanes");

/* An n-gram while loading: its code points, order, and where its gains are in `tmp`. */
typedef struct model_ngram {
    uint32_t cp[MODEL_MAX_ORDER];
    uint32_t order;
    uint32_t gains; /* index of its dense row in tmp */
    uint64_t langs; /* the languages its line lists */
} model_ngram;

typedef struct model_group {
    lang_script script;
    int max_order; /* the highest order with an unk line */
    size_t n_langs;
    char code[MODEL_MAX_LANGS][12];
    bool trust[MODEL_MAX_LANGS];
    int32_t unk[MODEL_MAX_ORDER + 1][MODEL_MAX_LANGS]; /* 0 past n_langs */
    int32_t pad[MODEL_MAX_LANGS];                      /* -1 past n_langs, else 0 */
    size_t width;    /* row length: n_langs rounded up to 16 */
    /* letters */
    uint8_t *lid;               /* LETTER_TABLE entries: BMP code point -> letter id */
    size_t n_alpha;             /* ids in use, space included */
    uint64_t uni_langs[256];    /* per id: the languages its unigram line lists (0: none;
                                   all ones for a space and a break, which are not letters) */
    /* orders 1 and 2: pair[id1 | id2 << 8] -> a row of `width` uint16 in crows: the unigram's
     * gains (when scored) plus the bigram's (when scored and seen); row 0 is zeros */
    uint16_t *pair;
    uint16_t *crows;
    /* orders 3 and 4: buckets, rows of `width` uint8 (row 0 is zeros) */
    model_bucket *buckets;
    size_t n_buckets;
    uint64_t mul[2]; /* hash multipliers of the first and second bucket */
    uint8_t *rows;
    bool score_order[MODEL_MAX_ORDER + 1]; /* min_order <= k <= max_order */
    /* while loading only */
    model_ngram *ng;
    size_t n_ng, ng_cap;
    uint8_t *tmp; /* n_ng dense rows of width uint8 */
} model_group;

struct lang_model {
    double scale, temper;
    double trust_p;       /* posterior from which the verdict stands alone */
    double guard_p;       /* the same for a guard (not vouched-for) language; > 1 = never */
    double stop_bits;     /* early stop: runner-up this many tempered bits behind */
    long max_positions;   /* bounded prefix of the model's view */
    long min_order;       /* n-grams shorter than this are not scored (1 = all) */
    long min_stop;        /* positions scored before an early stop is considered */
    bool avx2;            /* the CPU has AVX2: the scoring kernel using it */
    model_group *groups;
    size_t n_groups;
    model_group *by_script[LSCRIPT__COUNT];
};

/* --- the hashed table: must give the same buckets at load and at scoring time -------------- */

static inline size_t bucket_of(const model_group *g, uint32_t key, int which)
{
    uint32_t h = (uint32_t)(((uint64_t)key * g->mul[which]) >> 32);
    return (size_t)(((uint64_t)h * g->n_buckets) >> 32);
}

/* The row of `key` in bucket b, 0 when absent: all slots compared at once, no branch. */
static inline uint32_t bucket_match(const model_bucket *b, uint32_t key)
{
    u32x8 keys, rows;
    memcpy(&keys, b->key, sizeof keys);
    memcpy(&rows, b->row, sizeof rows);
    u32x8 hit = rows & (u32x8)(keys == key);
    hit |= __builtin_shufflevector(hit, hit, 4, 5, 6, 7, 0, 1, 2, 3);
    hit |= __builtin_shufflevector(hit, hit, 2, 3, 0, 1, 6, 7, 4, 5);
    hit |= __builtin_shufflevector(hit, hit, 1, 0, 3, 2, 5, 4, 7, 6);
    return hit[0];
}

static inline uint32_t table_find(const model_group *g, uint32_t key)
{
    const model_bucket *b = &g->buckets[bucket_of(g, key, 0)];
    uint32_t r = bucket_match(b, key);
    if (__builtin_expect(!r && b->key[BUCKET_SLOTS] == BUCKET_SPILLED, 0))
        r = bucket_match(&g->buckets[bucket_of(g, key, 1)], key);
    return r;
}

/* --- parsing ------------------------------------------------------------------------------- */

static int b64val(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    if (c >= 'a' && c <= 'z') return c - 'a' + 36;
    if (c == '-') return 62;
    if (c == '+') return 63;
    return -1;
}

static void group_free(model_group *g)
{
    free(g->lid);
    free(g->pair);
    free(g->crows);
    free(g->buckets);
    free(g->rows);
    free(g->ng);
    free(g->tmp);
}

void lang_model_free(lang_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_groups; i++)
        group_free(&m->groups[i]);
    free(m->groups);
    free(m);
}

typedef struct parse_ctx {
    const char *name;
    uint64_t line;
    tocsin_error *err;
} parse_ctx;

#define PARSE_FAIL(pc, ...) tc_error_set((pc)->err, TOCSIN_ERR_LANG, (pc)->name, (pc)->line, \
                                         "model", __VA_ARGS__)

/* Splits line[0..n) at single spaces into at most max fields. @return the field count. */
static size_t split_fields(const char *line, size_t n, tocsin_strv *f, size_t max)
{
    size_t k = 0, i = 0;
    while (i < n && k < max) {
        while (i < n && line[i] == ' ')
            i++;
        if (i >= n)
            break;
        size_t s = i;
        while (i < n && line[i] != ' ')
            i++;
        f[k++] = tc_strv(line + s, i - s);
    }
    return k;
}

static bool strv_is(tocsin_strv v, const char *s)
{
    return v.len == strlen(s) && !memcmp(v.ptr, s, v.len);
}

static bool parse_long(tocsin_strv v, long lo, long hi, long *out)
{
    if (!v.len || v.len > 15)
        return false;
    char tmp[16];
    memcpy(tmp, v.ptr, v.len);
    tmp[v.len] = '\0';
    char *end;
    long x = strtol(tmp, &end, 10);
    if (*end || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static bool parse_double(tocsin_strv v, double *out)
{
    if (!v.len || v.len > 31)
        return false;
    char tmp[32];
    memcpy(tmp, v.ptr, v.len);
    tmp[v.len] = '\0';
    char *end;
    double x = strtod(tmp, &end);
    if (*end || !(x > 0) || x > 1e6)
        return false;
    *out = x;
    return true;
}

#define NOMEM(pc) tc_error_set((pc)->err, TOCSIN_ERR_NOMEM, (pc)->name, (pc)->line, "model", \
                               "out of memory")

/* Records an n-gram line (its code points, order and entries) until the group's end. */
static tocsin_status group_insert(model_group *g, parse_ctx *pc, const uint32_t *cps, int order,
                                  tocsin_strv ent)
{
    if (ent.len == 0 || ent.len % 3)
        return PARSE_FAIL(pc, "n-gram entries must be 3 characters each, got %zu", ent.len);
    size_t n = ent.len / 3;
    if (n > g->n_langs)
        return PARSE_FAIL(pc, "more entries than languages");
    if (g->n_ng == g->ng_cap) {
        size_t cap = g->ng_cap ? g->ng_cap * 2 : 4096;
        model_ngram *p = realloc(g->ng, cap * sizeof *p);
        if (!p)
            return NOMEM(pc);
        g->ng = p;
        uint8_t *t = realloc(g->tmp, cap * g->width);
        if (!t)
            return NOMEM(pc);
        g->tmp = t;
        g->ng_cap = cap;
    }
    model_ngram *x = &g->ng[g->n_ng];
    memset(x, 0, sizeof *x);
    memcpy(x->cp, cps, (size_t)order * sizeof *cps);
    x->order = (uint32_t)order;
    x->gains = (uint32_t)g->n_ng;
    uint8_t *row = g->tmp + g->n_ng * g->width;
    memset(row, 0, g->width);
    for (size_t i = 0; i < n; i++) {
        int l = b64val((unsigned char)ent.ptr[3 * i]);
        int h = b64val((unsigned char)ent.ptr[3 * i + 1]);
        int lo = b64val((unsigned char)ent.ptr[3 * i + 2]);
        if (l < 0 || h < 0 || lo < 0)
            return PARSE_FAIL(pc, "bad character in n-gram entries");
        if ((size_t)l >= g->n_langs)
            return PARSE_FAIL(pc, "language index %d out of range (%zu languages)", l,
                              g->n_langs);
        int gain = h * 64 + lo;
        if (gain > ENTRY_GAIN_MAX)
            return PARSE_FAIL(pc, "gain %d above %d", gain, ENTRY_GAIN_MAX);
        row[l] = (uint8_t)gain;
        x->langs |= 1ull << l;
    }
    g->n_ng++;
    return TOCSIN_OK;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Places keys[i] (row i + 1) in buckets: each in its first bucket while it has room, the rest
 * in their second; the first bucket of a key placed in its second is marked spilled. Two equal
 * keys meet in the same first bucket, or both spill to the same second one.
 * @return 0, 1 when a second bucket is full too (the caller retries with other multipliers),
 * 2 when a key is there twice. */
static int buckets_fill(model_group *g, const uint32_t *keys, size_t n, uint32_t *spill)
{
    for (size_t b = 0; b < g->n_buckets; b++) {
        model_bucket *k = &g->buckets[b];
        for (int s = 0; s <= BUCKET_SLOTS; s++) {
            k->key[s] = KEY_EMPTY;
            k->row[s] = 0;
        }
        k->key[BUCKET_SLOTS] = BUCKET_PLAIN;
    }
    size_t n_spill = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t todo = pass ? n_spill : n;
        for (size_t j = 0; j < todo; j++) {
            size_t i = pass ? spill[j] : j;
            if (pass) {
                const model_bucket *first = &g->buckets[bucket_of(g, keys[i], 0)];
                for (int s = 0; s < BUCKET_SLOTS; s++)
                    if (first->key[s] == keys[i])
                        return 2;
            }
            model_bucket *k = &g->buckets[bucket_of(g, keys[i], pass)];
            int s = 0;
            while (s < BUCKET_SLOTS && k->key[s] != KEY_EMPTY) {
                if (k->key[s] == keys[i])
                    return 2;
                s++;
            }
            if (s == BUCKET_SLOTS) {
                if (pass)
                    return 1;
                k->key[BUCKET_SLOTS] = BUCKET_SPILLED;
                spill[n_spill++] = (uint32_t)i;
                continue;
            }
            k->key[s] = keys[i];
            k->row[s] = (uint32_t)((i + 1) * g->width); /* the row's byte offset */
        }
    }
    return 0;
}

/* At the group's end: letter ids, the direct tables of orders 1 and 2, the hashed table of
 * orders 3 and 4. */
static tocsin_status group_build(model_group *g, parse_ctx *pc, long min_order)
{
    for (int k = 1; k <= MODEL_MAX_ORDER; k++)
        g->score_order[k] = k >= min_order && (k == 1 || k <= g->max_order);
    /* letter ids, those of unigrams and bigrams first */
    g->lid = malloc(LETTER_TABLE);
    if (!g->lid)
        return NOMEM(pc);
    memset(g->lid, LID_BREAK, LETTER_TABLE); /* = not yet given an id */
    g->lid[' '] = LID_SPACE;
    g->n_alpha = 1;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < g->n_ng; i++) {
            const model_ngram *x = &g->ng[i];
            if ((x->order <= 2) != (round == 0))
                continue;
            for (uint32_t k = 0; k < x->order; k++) {
                uint32_t cp = x->cp[k];
                if (g->lid[cp] != LID_BREAK)
                    continue;
                if (g->n_alpha > LID_MAX_LETTERS)
                    return PARSE_FAIL(pc, "more than %d letters in one group's n-grams",
                                      LID_MAX_LETTERS);
                g->lid[cp] = (uint8_t)g->n_alpha++;
            }
        }
    }
    /* letters of another script break n-grams even when training had them; letters of the
     * script (or of none: marks) that training never had are "unseen" */
    for (uint32_t cp = 0; cp < LETTER_TABLE; cp++) {
        if (cp == ' ')
            continue;
        lang_script cs = cp < 0x80 ? LSCRIPT_LATN : lang_script_of(cp);
        if (cs != g->script && cs != LSCRIPT_NONE)
            g->lid[cp] = LID_BREAK;
        else if (g->lid[cp] == LID_BREAK)
            g->lid[cp] = LID_UNSEEN;
    }
    /* orders 1 and 2 */
    uint32_t uni[256], *bi = malloc(65536 * sizeof *bi); /* n-gram index, UINT32_MAX: none */
    if (!bi)
        return NOMEM(pc);
    memset(uni, 0xFF, sizeof uni);
    memset(bi, 0xFF, 65536 * sizeof *bi);
    memset(g->uni_langs, 0, sizeof g->uni_langs);
    g->uni_langs[LID_SPACE] = g->uni_langs[LID_BREAK] = UINT64_MAX;
    size_t n_bi = 0, n_uni = 0;
    for (size_t i = 0; i < g->n_ng; i++) {
        const model_ngram *x = &g->ng[i];
        if (x->order > 2)
            continue;
        unsigned a = g->lid[x->cp[0]], b = x->order == 2 ? g->lid[x->cp[1]] : 0;
        if (a == LID_BREAK || b == LID_BREAK)
            continue; /* a letter of another script: never scored */
        uint32_t *cell = x->order == 2 ? &bi[a | b << 8] : &uni[a];
        if (*cell != UINT32_MAX) {
            free(bi);
            return PARSE_FAIL(pc, "duplicate unigram or bigram in the group");
        }
        *cell = (uint32_t)i;
        if (x->order == 1) {
            g->uni_langs[a] = a == LID_SPACE ? UINT64_MAX : x->langs;
            n_uni++;
        } else {
            n_bi++;
        }
    }
    g->pair = calloc(65536, sizeof *g->pair);
    g->crows = calloc((1 + n_uni + n_bi) * g->width, sizeof *g->crows);
    if (!g->pair || !g->crows) {
        free(bi);
        return NOMEM(pc);
    }
    size_t r = 1;
    for (unsigned a = 1; a < 256; a++) { /* a letter's unigram alone */
        if (uni[a] == UINT32_MAX || !g->score_order[1])
            continue;
        uint16_t *row = g->crows + r * g->width;
        const uint8_t *u = g->tmp + (size_t)g->ng[uni[a]].gains * g->width;
        for (size_t l = 0; l < g->n_langs; l++)
            row[l] = u[l];
        for (unsigned b = 0; b < 256; b++)
            g->pair[a | b << 8] = (uint16_t)r;
        r++;
    }
    for (unsigned a = 0; a < 256 && g->score_order[2]; a++) {
        for (unsigned b = 0; b < 256; b++) { /* a bigram, with its first letter's unigram */
            uint32_t bx = bi[a | b << 8];
            if (bx == UINT32_MAX)
                continue;
            uint16_t *row = g->crows + r * g->width;
            const uint8_t *d = g->tmp + (size_t)g->ng[bx].gains * g->width;
            for (size_t l = 0; l < g->n_langs; l++)
                row[l] = d[l];
            if (a != LID_SPACE && uni[a] != UINT32_MAX && g->score_order[1]) {
                const uint8_t *u = g->tmp + (size_t)g->ng[uni[a]].gains * g->width;
                for (size_t l = 0; l < g->n_langs; l++)
                    row[l] = (uint16_t)(row[l] + u[l]);
            }
            g->pair[a | b << 8] = (uint16_t)r++;
        }
    }
    free(bi);
    /* orders 3 and 4 */
    size_t n_h = 0;
    for (size_t i = 0; i < g->n_ng; i++)
        n_h += g->ng[i].order > 2;
    if ((n_h + 1) * g->width > UINT32_MAX)
        return PARSE_FAIL(pc, "too many n-grams in one group");
    uint32_t *keys = malloc((n_h + 1) * sizeof *keys);
    uint32_t *spill = malloc((n_h + 1) * sizeof *spill);
    g->rows = calloc((n_h + 1) * g->width, 1);
    if (!keys || !spill || !g->rows) {
        free(keys);
        free(spill);
        return NOMEM(pc);
    }
    size_t nk = 0;
    for (size_t i = 0; i < g->n_ng; i++) {
        const model_ngram *x = &g->ng[i];
        if (x->order <= 2)
            continue;
        uint32_t key = x->order == 3 ? 0xFF000000u : 0;
        bool other_script = false;
        for (uint32_t k = 0; k < x->order; k++) {
            uint8_t id = g->lid[x->cp[k]];
            other_script |= id == LID_BREAK;
            key |= (uint32_t)id << (8 * k);
        }
        if (other_script)
            continue; /* never scored */
        memcpy(g->rows + (nk + 1) * g->width, g->tmp + (size_t)x->gains * g->width, g->width);
        keys[nk++] = key;
    }
    /* about 2.7 keys per 7-slot bucket: few buckets overflow, and their keys find room in
     * their second bucket (else other multipliers, and after a few tries more buckets) */
    size_t nb = nk * 10 / 27 + 1;
    uint64_t seed = 0x746F6373696E2D6Cull;
    int placed = 1;
    for (int attempt = 0; attempt < 1000 && placed == 1; attempt++) {
        if (attempt && attempt % 4 == 0)
            nb += nb / 16 + 1;
        if (!g->buckets || g->n_buckets != nb) {
            free(g->buckets);
            g->buckets = aligned_alloc(64, nb * sizeof *g->buckets);
            if (!g->buckets) {
                free(keys);
                free(spill);
                return NOMEM(pc);
            }
            g->n_buckets = nb;
        }
        g->mul[0] = splitmix64(&seed) | 1;
        g->mul[1] = splitmix64(&seed) | 1;
        placed = buckets_fill(g, keys, nk, spill);
    }
    free(keys);
    free(spill);
    if (placed == 2)
        return PARSE_FAIL(pc, "duplicate n-gram in the group");
    if (placed)
        return PARSE_FAIL(pc, "cannot build the n-gram table");
    free(g->ng);
    free(g->tmp);
    g->ng = NULL;
    g->tmp = NULL;
    g->n_ng = g->ng_cap = 0;
    return TOCSIN_OK;
}

/* Decodes a file n-gram ('_' = space) into code points. @return its order or 0. */
static int ngram_cps(tocsin_strv v, uint32_t cps[MODEL_MAX_ORDER])
{
    int order = 0;
    size_t i = 0;
    while (i < v.len) {
        uint32_t cp;
        size_t k = tc_utf8_decode((const unsigned char *)v.ptr + i, v.len - i, &cp);
        if (cp == 0xFFFD)
            return 0;
        if (cp == '_')
            cp = ' ';
        if (order >= MODEL_MAX_ORDER)
            return 0;
        cps[order++] = cp;
        i += k;
    }
    return order;
}

tocsin_status lang_model_parse(const char *text, size_t len, const char *name, lang_model **out,
                               tocsin_error *err)
{
    parse_ctx pc = {name, 0, err};
    lang_model *m = calloc(1, sizeof *m);
    if (!m)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, name, 0, "model", "out of memory");
    m->scale = 0;
    m->temper = 1;
    m->trust_p = 0.9;
    m->guard_p = 2;
    m->stop_bits = 12;
    m->max_positions = 200;
    m->min_order = 1;
    m->min_stop = 32;
#ifdef HAVE_AVX2_PATH
    __builtin_cpu_init();
    m->avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
#endif
    model_group *g = NULL;
    bool header = false;
    tocsin_status st = TOCSIN_OK;
    size_t pos = 0;
    tocsin_strv f[MODEL_MAX_LANGS + 3];
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        pc.line++;
        if (n && line[n - 1] == '\r')
            n--;
        if (!n || line[0] == '#')
            continue;
        size_t nf = split_fields(line, n, f, sizeof f / sizeof f[0]);
        if (!nf)
            continue;
        if (!header) {
            if (nf != 2 || !strv_is(f[0], "tocsin-lang-ngram") || !strv_is(f[1], "1")) {
                st = PARSE_FAIL(&pc, "not a tocsin n-gram model (expected 'tocsin-lang-ngram 1')");
                goto fail;
            }
            header = true;
            continue;
        }
        if (strv_is(f[0], "g")) {
            uint32_t cps[MODEL_MAX_ORDER] = {0};
            int order;
            if (!g || nf != 3 || !(order = ngram_cps(f[1], cps))) {
                st = PARSE_FAIL(&pc, "bad n-gram line%s", g ? "" : " (outside a group)");
                goto fail;
            }
            for (int k = 0; k < order; k++) {
                if (cps[k] >= LETTER_TABLE) {
                    st = PARSE_FAIL(&pc, "n-grams must be in the Basic Multilingual Plane "
                                         "(U+0000..U+FFFF)");
                    goto fail;
                }
            }
            if ((st = group_insert(g, &pc, cps, order, f[2])) != TOCSIN_OK)
                goto fail;
        } else if (strv_is(f[0], "scale") || strv_is(f[0], "temper") ||
                   strv_is(f[0], "trust_p") || strv_is(f[0], "stop_bits") ||
                   strv_is(f[0], "guard_p")) {
            double x;
            if (nf != 2 || !parse_double(f[1], &x) ||
                (strv_is(f[0], "trust_p") && x > 1)) {
                st = PARSE_FAIL(&pc, "bad %.*s value", (int)f[0].len, f[0].ptr);
                goto fail;
            }
            *(strv_is(f[0], "scale") ? &m->scale : strv_is(f[0], "temper") ? &m->temper
              : strv_is(f[0], "trust_p") ? &m->trust_p
              : strv_is(f[0], "guard_p") ? &m->guard_p : &m->stop_bits) = x;
        } else if (strv_is(f[0], "min_stop")) {
            if (nf != 2 || !parse_long(f[1], 0, 100000, &m->min_stop)) {
                st = PARSE_FAIL(&pc, "bad min_stop value (0..100000)");
                goto fail;
            }
        } else if (strv_is(f[0], "min_order")) {
            if (nf != 2 || !parse_long(f[1], 1, MODEL_MAX_ORDER, &m->min_order) || m->n_groups) {
                st = PARSE_FAIL(&pc, "bad min_order value (1..%d, before the first group)",
                                MODEL_MAX_ORDER);
                goto fail;
            }
        } else if (strv_is(f[0], "max_positions")) {
            if (nf != 2 || !parse_long(f[1], 8, 100000, &m->max_positions)) {
                st = PARSE_FAIL(&pc, "bad max_positions value (8..100000)");
                goto fail;
            }
        } else if (strv_is(f[0], "group")) {
            char code[8] = "";
            if (nf != 2 || g || f[1].len >= sizeof code) {
                st = PARSE_FAIL(&pc, g ? "group inside a group (missing 'end')" : "bad group line");
                goto fail;
            }
            memcpy(code, f[1].ptr, f[1].len);
            lang_script s = lang_script_from_code(code);
            if (s == LSCRIPT_NONE || m->by_script[s]) {
                st = PARSE_FAIL(&pc, "unknown or repeated script '%s'", code);
                goto fail;
            }
            model_group *gs = realloc(m->groups, (m->n_groups + 1) * sizeof *gs);
            if (!gs) {
                st = tc_error_set(err, TOCSIN_ERR_NOMEM, name, pc.line, "model", "out of memory");
                goto fail;
            }
            m->groups = gs;
            g = &m->groups[m->n_groups++];
            memset(g, 0, sizeof *g);
            g->script = s;
        } else if (strv_is(f[0], "langs")) {
            if (!g || g->n_langs || nf < 2 || nf - 1 > MODEL_MAX_LANGS) {
                st = PARSE_FAIL(&pc, "bad langs line (1..%d languages, once per group)",
                                MODEL_MAX_LANGS);
                goto fail;
            }
            for (size_t i = 1; i < nf; i++) {
                if (!f[i].len || f[i].len >= sizeof g->code[0]) {
                    st = PARSE_FAIL(&pc, "bad language code");
                    goto fail;
                }
                memcpy(g->code[i - 1], f[i].ptr, f[i].len);
                g->code[i - 1][f[i].len] = '\0';
            }
            g->n_langs = nf - 1;
            g->width = (g->n_langs + 15) & ~(size_t)15;
            for (size_t l = 0; l < MODEL_MAX_LANGS; l++)
                g->pad[l] = l < g->n_langs ? 0 : -1;
        } else if (strv_is(f[0], "trust")) {
            if (!g || !g->n_langs) {
                st = PARSE_FAIL(&pc, "trust line before langs");
                goto fail;
            }
            for (size_t i = 1; i < nf; i++) {
                size_t l = 0;
                while (l < g->n_langs && !strv_is(f[i], g->code[l]))
                    l++;
                if (l == g->n_langs) {
                    st = PARSE_FAIL(&pc, "trusted language '%.*s' not in langs", (int)f[i].len,
                                    f[i].ptr);
                    goto fail;
                }
                g->trust[l] = true;
            }
        } else if (strv_is(f[0], "unk")) {
            long order, c;
            if (!g || !g->n_langs || nf != g->n_langs + 2 ||
                !parse_long(f[1], 1, MODEL_MAX_ORDER, &order)) {
                st = PARSE_FAIL(&pc, "bad unk line (want: unk ORDER and one cost per language)");
                goto fail;
            }
            for (size_t i = 0; i < g->n_langs; i++) {
                if (!parse_long(f[i + 2], 0, 1000000, &c)) {
                    st = PARSE_FAIL(&pc, "bad unk cost");
                    goto fail;
                }
                g->unk[order][i] = (int32_t)c;
            }
            if (order > g->max_order)
                g->max_order = (int)order;
        } else if (strv_is(f[0], "end")) {
            if (!g || !g->n_langs || !g->n_ng || !g->max_order) {
                st = PARSE_FAIL(&pc, "'end' without a complete group");
                goto fail;
            }
            if ((st = group_build(g, &pc, m->min_order)) != TOCSIN_OK)
                goto fail;
            m->by_script[g->script] = g;
            g = NULL;
        } else {
            st = PARSE_FAIL(&pc, "unknown directive '%.*s'", (int)f[0].len, f[0].ptr);
            goto fail;
        }
    }
    if (!header || g || !m->n_groups || !(m->scale > 0)) {
        st = PARSE_FAIL(&pc, "incomplete model (header, scale, groups and 'end' needed)");
        goto fail;
    }
    /* groups were realloc'd while parsing: re-point the script index */
    for (size_t i = 0; i < m->n_groups; i++)
        m->by_script[m->groups[i].script] = &m->groups[i];
    *out = m;
    return TOCSIN_OK;
fail:
    lang_model_free(m);
    return st;
}

bool lang_model_has_script(const lang_model *m, lang_script s)
{
    return m && (unsigned)s < LSCRIPT__COUNT && m->by_script[s];
}

void lang_model_scratch_free(lang_model_scratch *scr)
{
    free(scr->score);
    free(scr->ids);
    memset(scr, 0, sizeof *scr);
}

/* --- scoring ------------------------------------------------------------------------------- */

/* 2^-d for 0 <= d < 64, to about 1e-4 relative: the integer part goes into the exponent bits, the
 * fraction through a degree-5 polynomial of exp(-f ln 2). glibc's exp2 costs more than all the
 * n-gram adds of a short text once per language. */
static inline double exp2_neg(double d)
{
    int i = (int)d;
    double f = d - i;
    double p = 1 + f * (-0.6931471806 + f * (0.2402265070 + f * (-0.0555041087 +
                                                                   f * (0.0096181291 - f * 0.0013333558))));
    union {
        double x;
        uint64_t u;
    } two = {.u = (uint64_t)(1023 - i) << 52};
    return p * two.x;
}

/* Positions scored at most, whatever the caller and the model file ask: it bounds the costs
 * below (4 orders x 512 n-grams x an unseen cost of at most 1,000,000 < 2^31). */
#define SCORE_MAX_POSITIONS 512

/* Every language's cost: the sum over orders of count * unseen cost, minus its gains, eight
 * lanes at a time over the row width; padding lanes get INT32_MAX (never the lowest). */
__attribute__((always_inline)) static inline void group_costs(const model_group *g,
                                                               const int32_t *gain,
                                                               const size_t *count, int32_t *cost)
{
    const int32_t c1 = (int32_t)count[1], c2 = (int32_t)count[2], c3 = (int32_t)count[3],
                  c4 = (int32_t)count[4];
    _Static_assert(MODEL_MAX_ORDER == 4, "group_costs sums four orders");
    for (size_t l = 0; l < g->width; l += 8) {
        i32x8 u1, u2, u3, u4, gn, pad;
        memcpy(&u1, &g->unk[1][l], sizeof u1);
        memcpy(&u2, &g->unk[2][l], sizeof u2);
        memcpy(&u3, &g->unk[3][l], sizeof u3);
        memcpy(&u4, &g->unk[4][l], sizeof u4);
        memcpy(&gn, gain + l, sizeof gn);
        memcpy(&pad, &g->pad[l], sizeof pad);
        i32x8 c = c1 * u1 + c2 * u2 + c3 * u3 + c4 * u4 - gn;
        c = (c & ~pad) | (INT32_MAX & pad);
        memcpy(cost + l, &c, sizeof c);
    }
}

/* The lowest cost of lanes [0, width). */
__attribute__((always_inline)) static inline int32_t cost_min(const model_group *g,
                                                               const int32_t *cost)
{
    i32x8 m;
    memcpy(&m, cost, sizeof m);
    for (size_t l = 8; l < g->width; l += 8) {
        i32x8 c;
        memcpy(&c, cost + l, sizeof c);
        i32x8 lt = c < m;
        m = (c & lt) | (m & ~lt);
    }
    int32_t r = m[0];
    for (int k = 1; k < 8; k++)
        r = m[k] < r ? m[k] : r;
    return r;
}

/* The lowest cost's index (the first one on a tie), and the runner-up's (SIZE_MAX if none). */
__attribute__((always_inline)) static inline void cost_best_two(const model_group *g,
                                                                 int32_t *cost, size_t *best,
                                                                 size_t *second)
{
    size_t n = g->n_langs;
    int32_t m1 = cost_min(g, cost);
    size_t b = 0;
    while (cost[b] != m1)
        b++;
    *best = b;
    *second = SIZE_MAX;
    if (n < 2)
        return;
    cost[b] = INT32_MAX; /* out of the second search, put back below */
    int32_t m2 = cost_min(g, cost);
    cost[b] = m1;
    size_t s2 = 0;
    while (s2 == b || cost[s2] != m2)
        s2++;
    *second = s2;
}

/* True when the best language leads the runner-up by more than `margin` cost units. */
__attribute__((always_inline)) static inline bool early_stop(const model_group *g,
                                                              const int32_t *gain,
                                                              const size_t *count, int64_t margin)
{
    int32_t cost[MODEL_MAX_LANGS];
    group_costs(g, gain, count, cost);
    if (g->n_langs < 2)
        return false;
    size_t best, second;
    cost_best_two(g, cost, &best, &second);
    return (int64_t)cost[second] - cost[best] > margin;
}

bool lang_model_use_avx2(lang_model *m, bool on)
{
#ifdef HAVE_AVX2_PATH
    __builtin_cpu_init();
    m->avx2 = on && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
#else
    (void)on;
#endif
    return m->avx2;
}

double lang_model_trust_p(const lang_model *m) { return m ? m->trust_p : 1; }
double lang_model_guard_p(const lang_model *m) { return m ? m->guard_p : 2; }

/* The n-grams of positions [base, end) per order, from the ids' break and space bits (ids is
 * padded with breaks past the text). */
static inline void chunk_count(const model_group *g, const uint8_t *ids, size_t base, size_t end,
                               size_t *count)
{
    uint64_t v = 0, sp = 0;
#ifdef __SSE2__
    _Static_assert(SPAN_MAX + 3 <= 48, "three 16-byte loads cover a span and 3 ids past it");
    __m128i brk = _mm_set1_epi8((char)LID_BREAK), spc = _mm_set1_epi8(LID_SPACE);
    for (int k = 0; k < 3; k++) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(ids + base + 16 * k));
        v |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, brk)) << (16 * k);
        sp |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, spc)) << (16 * k);
    }
    v = ~v;
#else
    for (size_t j = 0; j < end - base + 3; j++) {
        v |= (uint64_t)(ids[base + j] != LID_BREAK) << j;
        sp |= (uint64_t)(ids[base + j] == LID_SPACE) << j;
    }
#endif
    uint64_t span = (1ull << (end - base)) - 1, v2 = v & v >> 1, v3 = v2 & v >> 2;
    count[1] += g->score_order[1] ? (size_t)__builtin_popcountll(v & ~sp & span) : 0;
    count[2] += g->score_order[2] ? (size_t)__builtin_popcountll(v2 & span) : 0;
    count[3] += g->score_order[3] ? (size_t)__builtin_popcountll(v3 & span) : 0;
    count[4] += g->score_order[4] ? (size_t)__builtin_popcountll(v3 & v >> 3 & span) : 0;
}

/* Adds the rows of every n-gram starting at positions [base, end) into gain[] (portable
 * version). `nv` (constant after inlining) is the row width in 16-lane vectors. Keys holding a
 * break find nothing (no key in the table has one, and empty slots have row 0), except a 4-gram
 * whose last id is a break, which would read as the trigram's key: it is masked. */
__attribute__((always_inline)) static inline void chunk_add(const model_group *g,
                                                             const uint8_t *ids, size_t base,
                                                             size_t end, int32_t *gain,
                                                             const size_t nv)
{
    u16x16 acc[4] = {{0}, {0}, {0}, {0}};
    const uint32_t m3 = g->score_order[3] ? UINT32_MAX : 0, m4 = g->score_order[4] ? UINT32_MAX : 0;
    const size_t w = g->width;
    for (size_t i = base; i < end; i++) {
        uint32_t x;
        memcpy(&x, ids + i, 4); /* the ids of positions i..i+3 */
        const uint16_t *cr = g->crows + (size_t)g->pair[x & 0xFFFF] * w;
        uint32_t k3 = table_find(g, (x & 0xFFFFFFu) | 0xFF000000u) & m3;
        uint32_t k4 = table_find(g, x) & m4 & -(uint32_t)(x < 0xFF000000u);
        const uint8_t *r3 = g->rows + k3;
        const uint8_t *r4 = g->rows + k4;
        for (size_t v = 0; v < nv; v++) {
            u16x16 a;
            u8x16 b3, b4;
            memcpy(&a, cr + 16 * v, sizeof a);
            memcpy(&b3, r3 + 16 * v, sizeof b3);
            memcpy(&b4, r4 + 16 * v, sizeof b4);
            acc[v] += a + __builtin_convertvector(b3, u16x16) + __builtin_convertvector(b4, u16x16);
        }
    }
    for (size_t v = 0; v < nv; v++) {
        uint16_t lanes[16];
        memcpy(lanes, &acc[v], sizeof lanes);
        for (size_t l = 0; l < 16; l++)
            gain[16 * v + l] += lanes[l];
    }
}

static void chunks_portable(const model_group *g, const uint8_t *ids, size_t base, size_t end,
                            int32_t *gain)
{
    switch (g->width / 16) {
    case 1: chunk_add(g, ids, base, end, gain, 1); break;
    case 2: chunk_add(g, ids, base, end, gain, 2); break;
    case 3: chunk_add(g, ids, base, end, gain, 3); break;
    default: chunk_add(g, ids, base, end, gain, 4); break;
    }
}

#ifdef HAVE_AVX2_PATH
/* The row of `key` in bucket b with AVX2: the bucket's 8 keys in one compare; row[7] is 0, so
 * a miss (mask 0) reads it without a branch. */
__attribute__((target("avx2"), always_inline)) static inline uint32_t
bucket_row_avx2(const model_group *g, const model_bucket *b, uint32_t key)
{
    __m256i k = _mm256_set1_epi32((int)key);
    unsigned mask = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(
        _mm256_cmpeq_epi32(k, _mm256_load_si256((const __m256i *)(const void *)b->key))));
    if (__builtin_expect(!mask && b->key[BUCKET_SLOTS] == BUCKET_SPILLED, 0)) {
        b = &g->buckets[bucket_of(g, key, 1)];
        mask = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(
            _mm256_cmpeq_epi32(k, _mm256_load_si256((const __m256i *)(const void *)b->key))));
    }
    return b->row[__builtin_ctz(mask | 1u << BUCKET_SLOTS)];
}

/* The chunk in three rounds, so that the cache misses of its 16 positions overlap instead of
 * queuing behind each other (bucket, then row): keys and buckets (prefetched), then rows
 * (prefetched), then the adds. */
__attribute__((target("avx2"), always_inline)) static inline void
chunk_add_avx2(const model_group *g, const uint8_t *ids, size_t base, size_t end, int32_t *gain,
               const size_t nv)
{
    const uint32_t m3 = g->score_order[3] ? UINT32_MAX : 0, m4 = g->score_order[4] ? UINT32_MAX : 0;
    const size_t w = g->width;
    const size_t n = end - base;
    uint32_t key[2 * SPAN_MAX];
    const model_bucket *bk[2 * SPAN_MAX];
    const uint8_t *rp[2 * SPAN_MAX];
    const uint16_t *cp[SPAN_MAX];
    for (size_t j = 0; j < n; j++) {
        uint32_t x;
        memcpy(&x, ids + base + j, 4);
        cp[j] = g->crows + (size_t)g->pair[x & 0xFFFF] * w;
        __builtin_prefetch(cp[j]);
        key[2 * j] = (x & 0xFFFFFFu) | 0xFF000000u;
        key[2 * j + 1] = x;
        bk[2 * j] = &g->buckets[bucket_of(g, key[2 * j], 0)];
        bk[2 * j + 1] = &g->buckets[bucket_of(g, x, 0)];
        __builtin_prefetch(bk[2 * j]);
        __builtin_prefetch(bk[2 * j + 1]);
    }
    for (size_t j = 0; j < n; j++) {
        uint32_t r3 = bucket_row_avx2(g, bk[2 * j], key[2 * j]) & m3;
        uint32_t r4 = bucket_row_avx2(g, bk[2 * j + 1], key[2 * j + 1]) & m4 &
                      -(uint32_t)(key[2 * j + 1] < 0xFF000000u);
        rp[2 * j] = g->rows + r3;
        rp[2 * j + 1] = g->rows + r4;
        __builtin_prefetch(rp[2 * j]);
        __builtin_prefetch(rp[2 * j + 1]);
    }
    __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                      _mm256_setzero_si256()};
    for (size_t j = 0; j < n; j++) {
        for (size_t v = 0; v < nv; v++) {
            __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(cp[j] + 16 * v));
            __m256i b3 = _mm256_cvtepu8_epi16(
                _mm_loadu_si128((const __m128i *)(const void *)(rp[2 * j] + 16 * v)));
            __m256i b4 = _mm256_cvtepu8_epi16(
                _mm_loadu_si128((const __m128i *)(const void *)(rp[2 * j + 1] + 16 * v)));
            acc[v] = _mm256_add_epi16(acc[v], _mm256_add_epi16(a, _mm256_add_epi16(b3, b4)));
        }
    }
    for (size_t v = 0; v < nv; v++) {
        __m256i *gp = (__m256i *)(void *)(gain + 16 * v);
        __m256i lo = _mm256_cvtepu16_epi32(_mm256_castsi256_si128(acc[v]));
        __m256i hi = _mm256_cvtepu16_epi32(_mm256_extracti128_si256(acc[v], 1));
        _mm256_storeu_si256(gp, _mm256_add_epi32(_mm256_loadu_si256(gp), lo));
        _mm256_storeu_si256(gp + 1, _mm256_add_epi32(_mm256_loadu_si256(gp + 1), hi));
    }
}

__attribute__((target("avx2"))) static void chunks_avx2(const model_group *g, const uint8_t *ids,
                                                        size_t base, size_t end, int32_t *gain)
{
    switch (g->width / 16) {
    case 1: chunk_add_avx2(g, ids, base, end, gain, 1); break;
    case 2: chunk_add_avx2(g, ids, base, end, gain, 2); break;
    case 3: chunk_add_avx2(g, ids, base, end, gain, 3); break;
    default: chunk_add_avx2(g, ids, base, end, gain, 4); break;
    }
}
#endif

typedef void chunk_fn(const model_group *g, const uint8_t *ids, size_t base, size_t end,
                      int32_t *gain);

/* The scoring, instantiated twice (AVX2 and portable) so that its vector code is compiled for
 * each; `chunks` adds a chunk's rows. */
__attribute__((always_inline)) static inline bool
score_body(const lang_model *m, const model_group *g, lang_script s, const uint32_t *cps,
           size_t n, size_t max_positions, lang_model_scratch *scr, lang_model_verdict *out,
           chunk_fn *chunks)
{
    if (scr->cap < MODEL_MAX_LANGS) {
        int32_t *p = realloc(scr->score, MODEL_MAX_LANGS * sizeof *p);
        if (!p)
            return false;
        scr->score = p;
        scr->cap = MODEL_MAX_LANGS;
    }
    int32_t *gain = scr->score;
    for (size_t l = 0; l < MODEL_MAX_LANGS; l += 8) /* the rows' padding lanes too */
        memcpy(gain + l, &(i32x8){0}, sizeof(i32x8));
    size_t count[MODEL_MAX_ORDER + 1] = {0};
    if (max_positions > (size_t)m->max_positions)
        max_positions = (size_t)m->max_positions;
    if (max_positions > SCORE_MAX_POSITIONS)
        max_positions = SCORE_MAX_POSITIONS;
    if (n > max_positions)
        n = max_positions;
    /* the text as letter ids, breaks after its end (n-grams stop there; chunk_count reads up
     * to 48 ids from a span's start) */
    if (scr->ids_cap < n + 52) {
        uint8_t *p = realloc(scr->ids, n + 52);
        if (!p)
            return false;
        scr->ids = p;
        scr->ids_cap = n + 52;
    }
    uint8_t *ids = scr->ids;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = cps[i];
        if (cp < LETTER_TABLE) {
            ids[i] = g->lid[cp];
        } else {
            lang_script cs = lang_script_of(cp);
            ids[i] = cs == s || cs == LSCRIPT_NONE ? LID_UNSEEN : LID_BREAK;
        }
    }
    memset(ids + n, LID_BREAK, 52);
    const int64_t stop_margin = (int64_t)(m->stop_bits * m->scale * m->temper);
    size_t base = 0;
    for (size_t end; base < n; base = end) {
        if (base >= (size_t)m->min_stop && early_stop(g, gain, count, stop_margin))
            break;
        /* checks fall every CHUNK positions from min_stop on: the first two chunks in one go
         * when none falls between them (the default: min_stop 32) */
        end = base + (base == 0 && (size_t)m->min_stop > CHUNK ? SPAN_MAX : CHUNK);
        end = end < n ? end : n;
        chunk_count(g, ids, base, end, count);
        chunks(g, ids, base, end, gain);
    }
    size_t scored = base < n ? base : n;
    size_t total = 0;
    for (int k = 1; k <= MODEL_MAX_ORDER; k++)
        total += count[k];
    out->ngrams = total;
    if (!total)
        return false;
    /* cost = sum unk - gains; find best and runner-up */
    int32_t cost[MODEL_MAX_LANGS];
    size_t best, second;
    group_costs(g, gain, count, cost);
    cost_best_two(g, cost, &best, &second);
    /* the tempered posterior: 2^-d per language, d its cost above the best in tempered bits;
     * beyond 40 bits the term is below 1e-12 and left out. The terms four at a time, their sum
     * in language order (as one language at a time would give it). */
    double denom = m->scale * m->temper, z = 0;
    double term[MODEL_MAX_LANGS];
    const f64x4 forty = {40, 40, 40, 40};
    for (size_t l = 0; l < g->n_langs; l += 4) {
        i32x4 c;
        memcpy(&c, cost + l, sizeof c);
        /* padding lanes (INT32_MAX) wrap harmlessly: computed unsigned, never summed */
        i32x4 diff = (i32x4)((u32x4)c - (uint32_t)cost[best]);
        f64x4 d = __builtin_convertvector(diff, f64x4) / denom;
        i64x4 near = d < forty;
        f64x4 dc = (f64x4)(((i64x4)d & near) | ((i64x4)forty & ~near));
        /* exp2_neg on four lanes: the same operations in the same order, so the same bits */
        i32x4 ip = __builtin_convertvector(dc, i32x4);
        f64x4 f = dc - __builtin_convertvector(ip, f64x4);
        f64x4 p = 1 + f * (-0.6931471806 +
                           f * (0.2402265070 +
                                f * (-0.0555041087 + f * (0.0096181291 - f * 0.0013333558))));
        i64x4 two = (1023 - __builtin_convertvector(ip, i64x4)) << 52;
        f64x4 e = (f64x4)((i64x4)(p * (f64x4)two) & near);
        memcpy(term + l, &e, sizeof e);
    }
    for (size_t l = 0; l < g->n_langs; l++)
        z += term[l];
    out->lang = g->code[best];
    /* the letters scored: one no language of the group had (a Sindhi or Sorani letter), or one
     * the winner never had in training (Sorani's ە read as Persian, a Uyghur verdict without
     * Uyghur's own vowels...); spaces and breaks have all languages */
    uint64_t all = UINT64_MAX;
    bool unseen = false;
    for (size_t i = 0; i < scored; i++) {
        uint64_t langs = g->uni_langs[ids[i]];
        unseen |= !langs;
        all &= langs ? langs : UINT64_MAX;
    }
    out->unseen_letter = unseen;
    out->letter_new_to_best = !(all >> best & 1);
    out->p = 1.0 / z;
    out->trusted = g->trust[best];
    if (second != SIZE_MAX) {
        out->runner_up = g->code[second];
        double d = (double)(cost[second] - cost[best]) / denom;
        out->p_runner_up = d < 40 ? exp2_neg(d) / z : 0;
    }
    return true;
}

#ifdef HAVE_AVX2_PATH
__attribute__((target("avx2,popcnt"))) static bool
score_avx2(const lang_model *m, const model_group *g, lang_script s, const uint32_t *cps, size_t n,
           size_t max_positions, lang_model_scratch *scr, lang_model_verdict *out)
{
    return score_body(m, g, s, cps, n, max_positions, scr, out, chunks_avx2);
}
#endif

static bool score_portable(const lang_model *m, const model_group *g, lang_script s,
                           const uint32_t *cps, size_t n, size_t max_positions,
                           lang_model_scratch *scr, lang_model_verdict *out)
{
    return score_body(m, g, s, cps, n, max_positions, scr, out, chunks_portable);
}

bool lang_model_score(const lang_model *m, lang_script s, const uint32_t *cps, size_t n,
                      size_t max_positions, lang_model_scratch *scr, lang_model_verdict *out)
{
    memset(out, 0, sizeof *out);
    if (!lang_model_has_script(m, s))
        return false;
    const model_group *g = m->by_script[s];
#ifdef HAVE_AVX2_PATH
    if (m->avx2)
        return score_avx2(m, g, s, cps, n, max_positions, scr, out);
#endif
    return score_portable(m, g, s, cps, n, max_positions, scr, out);
}
