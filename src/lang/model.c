/* model.c: tocsin's own language model: naive Bayes over character n-grams, one model per
 * script group.
 *
 * Design. Short messages are mostly told apart by their letters' company: which 1- to 4-letter
 * sequences occur, and how often. For each script group (Arabic, Latin, Cyrillic, Devanagari)
 * the model holds, for every n-gram seen in training, the languages it occurred in and how much
 * more likely it made each of them than an unseen n-gram would ("gain", in 1/scale bits). A
 * text's cost for language L is
 *     sum over its n-grams g of order k:  unk[k][L] - gain(g, L)
 * where unk[k][L] is L's cost of an n-gram of order k never seen with L (add-alpha smoothing,
 * so it depends on how much L text training had). The lowest cost wins. Only gains are stored:
 * sparsely for an n-gram seen in a few languages, as a row of bytes added with vector
 * instructions for one common to many. Unigrams and bigrams are not hashed: the group's
 * letters get small ids and their gains are found by direct indexing, and a letter's unigram
 * and the bigram it starts are added as one precomputed row of sums. Trigrams and 4-grams are
 * hashed from their packed code points. Scoring costs about 7-9 ns per n-gram on this machine
 * (table probes, the adds of sparse entries and their branch mispredictions; making every row
 * dense saved 7 % for 3x the memory and was not kept, nor was keeping one-language entries in
 * the slot: no measurable gain); early stop and the caller's bounded prefix cap the n-grams per
 * text. The scoring function is also compiled for AVX2 (chosen at load time), which adds a
 * 64-language row in two instructions.
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
 *     min_order K                shorter n-grams are not scored, unigrams only probed (1)
 *     group SCRIPT               ISO 15924 code, starts a group
 *     langs L1 L2 ...            the group's languages (at most 64)
 *     trust L1 ...               the subset whose verdicts the model vouches for
 *     unk K C1 C2 ...            order K's unseen cost per language
 *     g NGRAM ENTRIES            NGRAM with '_' for a space; ENTRIES = 3 characters per
 *                                language: its index and its gain (base 64: 0-9 A-Z a-z - +);
 *                                unigrams and bigrams: code points up to U+FFFF, at most 254
 *                                distinct letters per group
 *     end                        closes the group
 * Lines starting with '#' are comments. */
#include "lang/lang_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MAX_LANGS 64
#define MODEL_MAX_ORDER 4

/* A table slot: 32 bits of the n-gram's 64-bit hash (the slot index comes from its top bits)
 * and where its gains are. An n-gram seen in few languages has sparse uint16 entries: the
 * first holds their count, each next one a language index (high byte) and its gain (low byte).
 * An n-gram common to many languages (off has DENSE_SLOT set) has a dense row of `width` uint8
 * gains, added with vector instructions. 8-byte slots, 2-byte entries and dense rows only for
 * common n-grams keep the tables small. Only trigrams and 4-grams have slots. */
typedef struct model_slot {
    uint32_t fp;  /* 0 = empty */
    uint32_t off; /* index of the count in entries */
} model_slot;

#define ENTRY_GAIN_MAX 255
#define DENSE_SLOT 0x80000000u /* a slot whose off is a dense row index */
#define DENSE_MIN 6 /* n-grams in at least this many languages get a dense row */
#define CHUNK 16
typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x16 __attribute__((vector_size(32)));
_Static_assert(CHUNK * 4 * ENTRY_GAIN_MAX < 65536, "chunk sums must fit uint16 lanes");

typedef struct model_key {
    uint64_t key;
    uint32_t off;
} model_key;

/* A unigram or bigram while loading: its code points (cp[1] = 0 for a unigram), its slot value. */
typedef struct model_short {
    uint32_t cp[2];
    uint32_t off;
} model_short;

#define LETTER_TABLE 0x10000u /* letter ids cover the BMP */
#define LETTER_NONE 0xFF      /* a code point in no unigram or bigram of the group */
#define NGRAM_NONE UINT32_MAX /* a direct-table n-gram never seen */

typedef struct model_group {
    lang_script script;
    int max_order; /* the highest order with an unk line */
    size_t n_langs;
    char code[MODEL_MAX_LANGS][12];
    bool trust[MODEL_MAX_LANGS];
    int32_t unk[MODEL_MAX_ORDER + 1][MODEL_MAX_LANGS];
    double unkd[MODEL_MAX_ORDER + 1][MODEL_MAX_LANGS]; /* the same, for vectorized costs */
    model_slot *slots;
    size_t n_slots, mask, used;
    int shift;
    uint16_t *entries;
    size_t n_entries, entries_cap;
    size_t width;    /* dense row length: n_langs rounded up to 16 */
    uint8_t *rows;   /* dense rows, width bytes each */
    size_t n_rows, rows_cap;
    model_key *keys; /* every n-gram's key and slot value, while loading only */
    size_t keys_cap;
    /* Unigrams and bigrams are not hashed: the group's letters get small ids (0 = space) and
     * their slot values sit in direct tables, uni[id] and bi[id1 * n_alpha + id2]
     * (NGRAM_NONE = not seen). */
    uint8_t *letter_id;   /* LETTER_TABLE entries: BMP code point -> id, or LETTER_NONE */
    size_t n_alpha;
    uint32_t *uni, *bi;
    /* A letter's unigram and the bigram it starts are added together: bic[id1 * n_alpha + id2]
     * indexes a row of `width` uint16 sums of both gains (NGRAM_NONE: no such bigram). One add
     * instead of two for most positions; used when unigrams are scored (min_order 1). */
    uint32_t *bic;
    uint16_t *crows;
    model_short *shorts;  /* the unigrams and bigrams, while loading only */
    size_t n_shorts, shorts_cap;
} model_group;

struct lang_model {
    double scale, temper;
    double trust_p;       /* posterior from which the verdict stands alone */
    double guard_p;       /* the same for a guard (not vouched-for) language; > 1 = never */
    double stop_bits;     /* early stop: runner-up this many tempered bits behind */
    long max_positions;   /* bounded prefix of the model's view */
    long min_order;       /* n-grams shorter than this are not scored (1 = all) */
    long min_stop;        /* positions scored before an early stop is considered */
    model_group *groups;
    size_t n_groups;
    model_group *by_script[LSCRIPT__COUNT];
};

/* --- hashing: must be the same at load (from the file's n-grams) and at scoring time --------- */

/* The key of a trigram (d = 0) or 4-gram: the code points (21 bits each) packed into one word,
 * the fourth and the order mixed in, then a 64-bit finalizer. Two multiplies, none of them
 * waiting on another position's, instead of a chained hash per code point. Never 0. */
static inline uint64_t ngram_hash(uint32_t a, uint32_t b, uint32_t c, uint32_t d, int order)
{
    uint64_t x = ((uint64_t)a | (uint64_t)b << 21 | (uint64_t)c << 42) ^
                 ((uint64_t)d * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)order << 63);
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ull;
    x ^= x >> 33;
    return x ? x : 1;
}

static inline uint32_t key_fp(uint64_t key)
{
    uint32_t fp = (uint32_t)key;
    return fp ? fp : 1;
}

static inline const model_slot *group_find(const model_group *g, uint64_t key)
{
    size_t i = (size_t)(key >> g->shift);
    uint32_t fp = key_fp(key);
    for (;;) {
        const model_slot *s = &g->slots[i];
        if (s->fp == fp)
            return s;
        if (!s->fp)
            return NULL;
        i = (i + 1) & g->mask;
    }
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
    free(g->slots);
    free(g->entries);
    free(g->rows);
    free(g->keys);
    free(g->letter_id);
    free(g->uni);
    free(g->bi);
    free(g->bic);
    free(g->crows);
    free(g->shorts);
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

/* Full 64-bit keys by entry offset, kept only while loading (to rehash the table). */
static tocsin_status keys_put(model_group *g, parse_ctx *pc, size_t idx, uint64_t key,
                              uint32_t off)
{
    if (idx >= g->keys_cap) {
        size_t cap = g->keys_cap ? g->keys_cap : 4096;
        while (cap <= idx)
            cap *= 2;
        model_key *p = realloc(g->keys, cap * sizeof *p);
        if (!p)
            return tc_error_set(pc->err, TOCSIN_ERR_NOMEM, pc->name, pc->line, "model",
                                "out of memory");
        g->keys = p;
        g->keys_cap = cap;
    }
    g->keys[idx].key = key;
    g->keys[idx].off = off;
    return TOCSIN_OK;
}

/* Stores an n-gram's gains. A unigram or bigram (shrt != NULL: its code points) goes to the
 * list the direct tables are built from at the group's end, a longer one into the hash table. */
static tocsin_status group_insert(model_group *g, parse_ctx *pc, uint64_t key, tocsin_strv ent,
                                  const uint32_t *shrt)
{
    if (ent.len == 0 || ent.len % 3)
        return PARSE_FAIL(pc, "n-gram entries must be 3 characters each, got %zu", ent.len);
    size_t n = ent.len / 3;
    if (g->n_entries + n + 3 > g->entries_cap) {
        size_t cap = g->entries_cap ? g->entries_cap * 2 : 4096;
        while (cap < g->n_entries + n + 3)
            cap *= 2;
        uint16_t *p = realloc(g->entries, cap * sizeof *p);
        if (!p)
            return tc_error_set(pc->err, TOCSIN_ERR_NOMEM, pc->name, pc->line, "model",
                                "out of memory");
        g->entries = p;
        g->entries_cap = cap;
    }
    if (n > g->n_langs)
        return PARSE_FAIL(pc, "more entries than languages");
    size_t off = g->n_entries;
    bool dense = n >= DENSE_MIN;
    uint8_t *row = NULL;
    if (dense) {
        if (g->n_rows == g->rows_cap) {
            size_t cap = g->rows_cap ? g->rows_cap * 2 : 1024;
            uint8_t *p = realloc(g->rows, cap * g->width);
            if (!p)
                return tc_error_set(pc->err, TOCSIN_ERR_NOMEM, pc->name, pc->line, "model",
                                    "out of memory");
            g->rows = p;
            g->rows_cap = cap;
        }
        if (g->n_rows >= DENSE_SLOT)
            return PARSE_FAIL(pc, "too many common n-grams");
        row = g->rows + g->n_rows * g->width;
        memset(row, 0, g->width);
        off = DENSE_SLOT | g->n_rows;
        g->n_rows++;
    } else {
        g->entries[off] = (uint16_t)n;
    }
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
        if (dense)
            row[l] = (uint8_t)gain;
        else
            g->entries[off + 1 + i] = (uint16_t)(l << 8 | gain);
    }
    size_t used_entries = dense ? 0 : n + 1;
    if (shrt) {
        if (g->n_shorts == g->shorts_cap) {
            size_t cap = g->shorts_cap ? g->shorts_cap * 2 : 1024;
            model_short *p = realloc(g->shorts, cap * sizeof *p);
            if (!p)
                return tc_error_set(pc->err, TOCSIN_ERR_NOMEM, pc->name, pc->line, "model",
                                    "out of memory");
            g->shorts = p;
            g->shorts_cap = cap;
        }
        g->shorts[g->n_shorts++] = (model_short){{shrt[0], shrt[1]}, (uint32_t)off};
        g->n_entries += used_entries;
        return TOCSIN_OK;
    }
    if (g->used + 1 > g->n_slots / 4 * 3) {
        size_t ns = g->n_slots ? g->n_slots * 2 : 1024;
        model_slot *slots = calloc(ns, sizeof *slots);
        if (!slots)
            return tc_error_set(pc->err, TOCSIN_ERR_NOMEM, pc->name, pc->line, "model",
                                "out of memory");
        int bits = 0;
        while (((size_t)1 << bits) < ns)
            bits++;
        model_slot *old = g->slots;
        size_t old_n = g->n_slots;
        g->slots = slots;
        g->n_slots = ns;
        g->mask = ns - 1;
        g->shift = 64 - bits;
        (void)old_n;
        for (size_t i = 0; i < g->used; i++) {
            /* the home slot comes from the key's top bits: rebuild from the kept keys */
            size_t j = (size_t)(g->keys[i].key >> g->shift);
            while (slots[j].fp)
                j = (j + 1) & g->mask;
            slots[j].fp = key_fp(g->keys[i].key);
            slots[j].off = g->keys[i].off;
        }
        free(old);
    }
    size_t j = (size_t)(key >> g->shift);
    uint32_t fp = key_fp(key);
    while (g->slots[j].fp) {
        if (g->slots[j].fp == fp)
            return PARSE_FAIL(pc, "duplicate n-gram (or a 32-bit hash collision: retrain)");
        j = (j + 1) & g->mask;
    }
    g->slots[j].fp = fp;
    g->slots[j].off = (uint32_t)off;
    tocsin_status st = keys_put(g, pc, g->used, key, (uint32_t)off);
    if (st != TOCSIN_OK)
        return st;
    g->used++;
    g->n_entries += used_entries;
    return TOCSIN_OK;
}

/* Adds the gains an n-gram's slot value points to into row[0..n_langs). */
static void gains_add(const model_group *g, uint32_t off, uint16_t *row)
{
    if (off & DENSE_SLOT) {
        const uint8_t *d = g->rows + (size_t)(off & ~DENSE_SLOT) * g->width;
        for (size_t l = 0; l < g->n_langs; l++)
            row[l] = (uint16_t)(row[l] + d[l]);
    } else {
        const uint16_t *e = g->entries + off;
        for (uint32_t q = 1; q <= e[0]; q++)
            row[e[q] >> 8] = (uint16_t)(row[e[q] >> 8] + (e[q] & 0xFF));
    }
}

/* Gives the group's letters their ids and fills the unigram and bigram tables (at 'end'). */
static tocsin_status group_build_direct(model_group *g, parse_ctx *pc)
{
    g->letter_id = malloc(LETTER_TABLE);
    if (!g->letter_id)
        return tc_error_set(pc->err, TOCSIN_ERR_NOMEM, pc->name, pc->line, "model",
                            "out of memory");
    memset(g->letter_id, LETTER_NONE, LETTER_TABLE);
    g->letter_id[' '] = 0;
    g->n_alpha = 1;
    for (size_t i = 0; i < g->n_shorts; i++) {
        for (int k = 0; k < 2; k++) {
            uint32_t cp = g->shorts[i].cp[k];
            if ((k == 1 && !cp) || g->letter_id[cp] != LETTER_NONE)
                continue;
            if (g->n_alpha >= LETTER_NONE)
                return PARSE_FAIL(pc, "more than %d letters in one group's unigrams and bigrams",
                                  LETTER_NONE - 1);
            g->letter_id[cp] = (uint8_t)g->n_alpha++;
        }
    }
    g->uni = malloc(g->n_alpha * sizeof *g->uni);
    g->bi = malloc(g->n_alpha * g->n_alpha * sizeof *g->bi);
    if (!g->uni || !g->bi)
        return tc_error_set(pc->err, TOCSIN_ERR_NOMEM, pc->name, pc->line, "model",
                            "out of memory");
    memset(g->uni, 0xFF, g->n_alpha * sizeof *g->uni);
    memset(g->bi, 0xFF, g->n_alpha * g->n_alpha * sizeof *g->bi);
    for (size_t i = 0; i < g->n_shorts; i++) {
        const model_short *sh = &g->shorts[i];
        uint32_t *cell = sh->cp[1] ? &g->bi[g->letter_id[sh->cp[0]] * g->n_alpha +
                                            g->letter_id[sh->cp[1]]]
                                   : &g->uni[g->letter_id[sh->cp[0]]];
        if (*cell != NGRAM_NONE)
            return PARSE_FAIL(pc, "duplicate unigram or bigram in the group");
        *cell = sh->off;
    }
    size_t n_bi = 0;
    for (size_t i = 0; i < g->n_shorts; i++)
        n_bi += g->shorts[i].cp[1] != 0;
    g->bic = malloc(g->n_alpha * g->n_alpha * sizeof *g->bic);
    g->crows = calloc(n_bi ? n_bi * g->width : 1, sizeof *g->crows);
    if (!g->bic || !g->crows)
        return tc_error_set(pc->err, TOCSIN_ERR_NOMEM, pc->name, pc->line, "model",
                            "out of memory");
    memset(g->bic, 0xFF, g->n_alpha * g->n_alpha * sizeof *g->bic);
    size_t r = 0;
    for (size_t id1 = 0; id1 < g->n_alpha; id1++) {
        for (size_t id2 = 0; id2 < g->n_alpha; id2++) {
            uint32_t off = g->bi[id1 * g->n_alpha + id2];
            if (off == NGRAM_NONE)
                continue;
            uint16_t *row = g->crows + r * g->width;
            gains_add(g, off, row);
            if (id1 && g->uni[id1] != NGRAM_NONE) /* a space has no unigram */
                gains_add(g, g->uni[id1], row);
            g->bic[id1 * g->n_alpha + id2] = (uint32_t)r++;
        }
    }
    free(g->shorts);
    g->shorts = NULL;
    g->n_shorts = g->shorts_cap = 0;
    return TOCSIN_OK;
}

/* Hashes a file n-gram ('_' = space) the way lang_model_score does. @return its order or 0. */
static int ngram_key(tocsin_strv v, uint64_t *key, uint32_t cps[MODEL_MAX_ORDER])
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
    /* unigrams and bigrams are not hashed (direct tables) */
    *key = order >= 3 ? ngram_hash(cps[0], cps[1], cps[2], order == 4 ? cps[3] : 0, order) : 0;
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
            uint64_t key;
            uint32_t cps[MODEL_MAX_ORDER] = {0};
            int order;
            if (!g || nf != 3 || !(order = ngram_key(f[1], &key, cps))) {
                st = PARSE_FAIL(&pc, "bad n-gram line%s", g ? "" : " (outside a group)");
                goto fail;
            }
            if (order <= 2 && (cps[0] >= LETTER_TABLE || cps[1] >= LETTER_TABLE)) {
                st = PARSE_FAIL(&pc, "unigrams and bigrams must be in the Basic Multilingual "
                                     "Plane (U+0000..U+FFFF)");
                goto fail;
            }
            if ((st = group_insert(g, &pc, key, f[2], order <= 2 ? cps : NULL)) != TOCSIN_OK)
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
            if (nf != 2 || !parse_long(f[1], 1, MODEL_MAX_ORDER, &m->min_order)) {
                st = PARSE_FAIL(&pc, "bad min_order value (1..%d)", MODEL_MAX_ORDER);
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
                g->unkd[order][i] = (double)c;
            }
            if (order > g->max_order)
                g->max_order = (int)order;
        } else if (strv_is(f[0], "end")) {
            if (!g || !g->n_langs || (!g->used && !g->n_shorts) || !g->max_order) {
                st = PARSE_FAIL(&pc, "'end' without a complete group");
                goto fail;
            }
            if (!g->slots) { /* no n-gram above order 2: an empty table still answers */
                g->slots = calloc(2, sizeof *g->slots);
                if (!g->slots) {
                    st = tc_error_set(err, TOCSIN_ERR_NOMEM, name, pc.line, "model",
                                      "out of memory");
                    goto fail;
                }
                g->n_slots = 2;
                g->mask = 1;
                g->shift = 63;
            }
            if ((st = group_build_direct(g, &pc)) != TOCSIN_OK)
                goto fail;
            free(g->keys);
            g->keys = NULL;
            g->keys_cap = 0;
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
    free(scr->ok);
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

/* Every language's cost: the sum over orders of count * unseen cost, minus its gains. In
 * doubles so that the loop vectorizes; exact, since the integers stay far below 2^53. */
static inline void group_costs(const model_group *g, const int32_t *gain, const size_t *count,
                               double *cost)
{
    const double c1 = (double)count[1], c2 = (double)count[2], c3 = (double)count[3],
                 c4 = (double)count[4];
    _Static_assert(MODEL_MAX_ORDER == 4, "group_costs sums four orders");
    for (size_t l = 0; l < g->n_langs; l++)
        cost[l] = c1 * g->unkd[1][l] + c2 * g->unkd[2][l] + c3 * g->unkd[3][l] +
                  c4 * g->unkd[4][l] - (double)gain[l];
}

/* The lowest cost's index (the first one on a tie), and the runner-up's (SIZE_MAX if none). */
static inline void cost_best_two(const double *cost, size_t n, size_t *best, size_t *second)
{
    size_t b = 0;
    for (size_t l = 1; l < n; l++)
        if (cost[l] < cost[b])
            b = l;
    size_t s2 = SIZE_MAX;
    for (size_t l = 0; l < n; l++)
        if (l != b && (s2 == SIZE_MAX || cost[l] < cost[s2]))
            s2 = l;
    *best = b;
    *second = s2;
}

/* True when the best language leads the runner-up by more than `margin` cost units. */
__attribute__((always_inline)) static inline bool early_stop(const model_group *g,
                                                              const int32_t *gain,
                                                              const size_t *count, double margin)
{
    double cost[MODEL_MAX_LANGS];
    group_costs(g, gain, count, cost);
    size_t best, second;
    cost_best_two(cost, g->n_langs, &best, &second);
    return second != SIZE_MAX && cost[second] - cost[best] > margin;
}

double lang_model_trust_p(const lang_model *m) { return m ? m->trust_p : 1; }
double lang_model_guard_p(const lang_model *m) { return m ? m->guard_p : 2; }

__attribute__((target_clones("avx2", "default")))
bool lang_model_score(const lang_model *m, lang_script s, const uint32_t *cps, size_t n,
                      size_t max_positions, lang_model_scratch *scr, lang_model_verdict *out)
{
    memset(out, 0, sizeof *out);
    if (!lang_model_has_script(m, s))
        return false;
    const model_group *g = m->by_script[s];
    if (scr->cap < MODEL_MAX_LANGS) {
        int32_t *p = realloc(scr->score, MODEL_MAX_LANGS * sizeof *p);
        if (!p)
            return false;
        scr->score = p;
        scr->cap = MODEL_MAX_LANGS;
    }
    int32_t *gain = scr->score;
    memset(gain, 0, g->n_langs * sizeof *gain);
    size_t count[MODEL_MAX_ORDER + 1] = {0};
    /* which positions may be inside an n-gram: spaces and letters of the routed script */
    if (scr->ok_cap < n) {
        uint8_t *p = realloc(scr->ok, n);
        if (!p)
            return false;
        scr->ok = p;
        scr->ok_cap = n;
    }
    uint8_t *ok = scr->ok;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = cps[i];
        if (cp == ' ') {
            ok[i] = 1;
        } else {
            lang_script cs = cp < 0x80 ? LSCRIPT_LATN : lang_script_of(cp);
            ok[i] = cs == s || cs == LSCRIPT_NONE;
        }
    }
    if (max_positions > (size_t)m->max_positions)
        max_positions = (size_t)m->max_positions;
    if (n > max_positions)
        n = max_positions;
    const double stop_margin = (double)(int64_t)(m->stop_bits * m->scale * m->temper);
    /* Positions are taken in chunks: the chunk's n-gram keys are hashed and their slots
     * prefetched first, then probed and added up, so that the cache misses of a chunk overlap
     * instead of queuing one behind the other. */
    uint64_t keys[CHUNK * MODEL_MAX_ORDER];
    uint32_t found[CHUNK * MODEL_MAX_ORDER], comb[CHUNK];
    /* where the text's letters (unigrams) keep their gains: checked against the winner */
    uint32_t uni_off[256];
    size_t n_uni = 0;
    for (size_t base = 0; base < n; base += CHUNK) {
        if (base >= (size_t)m->min_stop && early_stop(g, gain, count, stop_margin))
            break;
        size_t end = base + CHUNK < n ? base + CHUNK : n, nk = 0, nf = 0, nc = 0;
        for (size_t i = base; i < end; i++) {
            /* orders 1 and 2: direct tables, straight to `found` */
            uint32_t cp1 = cps[i];
            if (!ok[i])
                continue; /* a letter of another script: no n-gram through it */
            unsigned id1 = cp1 < LETTER_TABLE ? g->letter_id[cp1] : LETTER_NONE;
            uint32_t uoff = NGRAM_NONE; /* the unigram's gains, not yet added */
            if (cp1 != ' ') {
                uoff = id1 != LETTER_NONE ? g->uni[id1] : NGRAM_NONE;
                if (uoff == NGRAM_NONE) {
                    out->unseen_letter = true; /* no language of the group had this letter */
                } else if (n_uni < sizeof uni_off / sizeof uni_off[0]) {
                    uni_off[n_uni++] = uoff;
                }
                if (m->min_order <= 1)
                    count[1]++;
                else
                    uoff = NGRAM_NONE; /* probed for unseen letters only */
            }
            if (g->max_order < 2 || i + 2 > n || !ok[i + 1]) {
                if (uoff != NGRAM_NONE)
                    found[nf++] = uoff;
                continue;
            }
            if (m->min_order <= 2) {
                uint32_t cp2 = cps[i + 1];
                unsigned id2 = cp2 < LETTER_TABLE ? g->letter_id[cp2] : LETTER_NONE;
                uint32_t bcell = id1 != LETTER_NONE && id2 != LETTER_NONE
                                     ? id1 * (uint32_t)g->n_alpha + id2 : NGRAM_NONE;
                if (m->min_order <= 1) {
                    /* the unigram and the bigram in one row when the bigram exists */
                    uint32_t c = bcell != NGRAM_NONE ? g->bic[bcell] : NGRAM_NONE;
                    if (c != NGRAM_NONE)
                        comb[nc++] = c;
                    else if (uoff != NGRAM_NONE)
                        found[nf++] = uoff;
                } else if (bcell != NGRAM_NONE && g->bi[bcell] != NGRAM_NONE) {
                    found[nf++] = g->bi[bcell];
                }
                count[2]++;
            } else if (uoff != NGRAM_NONE) {
                found[nf++] = uoff;
            }
            if (g->max_order < 3 || i + 3 > n || !ok[i + 2])
                continue;
            /* orders 3 and 4: hashed; keys first, their slots prefetched */
            if (m->min_order <= 3) {
                uint64_t key = ngram_hash(cp1, cps[i + 1], cps[i + 2], 0, 3);
                __builtin_prefetch(&g->slots[key >> g->shift]);
                keys[nk++] = key;
                count[3]++;
            }
            if (g->max_order >= 4 && i + 4 <= n && ok[i + 3]) {
                uint64_t key = ngram_hash(cp1, cps[i + 1], cps[i + 2], cps[i + 3], 4);
                __builtin_prefetch(&g->slots[key >> g->shift]);
                keys[nk++] = key;
                count[4]++;
            }
        }
        for (size_t j = 0; j < nf; j++) {
            uint32_t off = found[j];
            if (off & DENSE_SLOT)
                __builtin_prefetch(g->rows + (size_t)(off & ~DENSE_SLOT) * g->width);
            else
                __builtin_prefetch(g->entries + off);
        }
        for (size_t j = 0; j < nc; j++)
            __builtin_prefetch(g->crows + (size_t)comb[j] * g->width);
        /* Probe every slot of the chunk and prefetch what it points to (entries or a dense
         * row), then add: two rounds of overlapping misses instead of a chain of them. */
        for (size_t j = 0; j < nk; j++) {
            const model_slot *slot = group_find(g, keys[j]);
            if (!slot)
                continue;
            uint32_t off = slot->off;
            found[nf++] = off;
            if (off & DENSE_SLOT)
                __builtin_prefetch(g->rows + (size_t)(off & ~DENSE_SLOT) * g->width);
            else
                __builtin_prefetch(g->entries + off);
        }
        /* Dense rows are added into 16-lane uint16 vectors held in registers (up to 64
         * languages), sparse entries straight into `gain`. The lanes cannot overflow within a
         * chunk: CHUNK * MODEL_MAX_ORDER * 255 < 65536. */
        u16x16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        const size_t nv = g->width / 16;
        for (size_t j = 0; j < nf; j++) {
            uint32_t off = found[j];
            if (off & DENSE_SLOT) {
                const uint8_t *row = g->rows + (size_t)(off & ~DENSE_SLOT) * g->width;
                u8x16 r;
                memcpy(&r, row, 16);
                a0 += __builtin_convertvector(r, u16x16);
                if (nv > 1) {
                    memcpy(&r, row + 16, 16);
                    a1 += __builtin_convertvector(r, u16x16);
                    if (nv > 2) {
                        memcpy(&r, row + 32, 16);
                        a2 += __builtin_convertvector(r, u16x16);
                        if (nv > 3) {
                            memcpy(&r, row + 48, 16);
                            a3 += __builtin_convertvector(r, u16x16);
                        }
                    }
                }
            } else {
                const uint16_t *e = g->entries + off;
                for (uint32_t q = 1; q <= e[0]; q++)
                    gain[e[q] >> 8] += e[q] & 0xFF;
            }
        }
        for (size_t j = 0; j < nc; j++) {
            const uint16_t *row = g->crows + (size_t)comb[j] * g->width;
            u16x16 r;
            memcpy(&r, row, 32);
            a0 += r;
            if (nv > 1) {
                memcpy(&r, row + 16, 32);
                a1 += r;
                if (nv > 2) {
                    memcpy(&r, row + 32, 32);
                    a2 += r;
                    if (nv > 3) {
                        memcpy(&r, row + 48, 32);
                        a3 += r;
                    }
                }
            }
        }
        uint16_t lanes[MODEL_MAX_LANGS];
        memcpy(lanes, &a0, 32);
        memcpy(lanes + 16, &a1, 32);
        memcpy(lanes + 32, &a2, 32);
        memcpy(lanes + 48, &a3, 32);
        for (size_t l = 0; l < g->n_langs; l++)
            gain[l] += lanes[l];
    }
    size_t total = 0;
    for (int k = 1; k <= MODEL_MAX_ORDER; k++)
        total += count[k];
    out->ngrams = total;
    if (!total)
        return false;
    /* cost = sum unk - gains; find best and runner-up */
    double cost[MODEL_MAX_LANGS];
    size_t best, second;
    group_costs(g, gain, count, cost);
    cost_best_two(cost, g->n_langs, &best, &second);
    double denom = m->scale * m->temper, z = 0;
    for (size_t l = 0; l < g->n_langs; l++) {
        double d = (cost[l] - cost[best]) / denom;
        /* beyond 40 bits the term is below 1e-12: left out (branch-free) */
        double e = exp2_neg(d < 40 ? d : 40);
        z += d < 40 ? e : 0;
    }
    out->lang = g->code[best];
    /* a letter the winner never had in training (Sorani's ە read as Persian, a Uyghur verdict
     * without Uyghur's own vowels...) */
    for (size_t u = 0; u < n_uni && !out->letter_new_to_best; u++) {
        uint32_t off = uni_off[u];
        bool has;
        if (off & DENSE_SLOT) {
            has = g->rows[(size_t)(off & ~DENSE_SLOT) * g->width + best] != 0;
        } else {
            const uint16_t *e = g->entries + off;
            has = false;
            for (uint32_t q = 1; q <= e[0] && !has; q++)
                has = (e[q] >> 8) == best;
        }
        out->letter_new_to_best = !has;
    }
    out->p = 1.0 / z;
    out->trusted = g->trust[best];
    if (second != SIZE_MAX) {
        out->runner_up = g->code[second];
        double d = (cost[second] - cost[best]) / denom;
        out->p_runner_up = d < 40 ? exp2_neg(d) / z : 0;
    }
    return true;
}
