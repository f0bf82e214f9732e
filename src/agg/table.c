/* table.c: the count table of stage agg.
 *
 * Rows are keyed by (topic, language, bucket) in an open-addressing hash map. Distinct authors
 * are counted exactly: one open-addressing set of (row, author-hash) pairs for the whole table;
 * a pair that is new increments its row's author count. 64-bit author hashes make a collision
 * between two real authors of one row about n^2/2^65 likely (1e-9 for 200,000 authors), which we
 * accept. Merging walks the other table's pairs, so per-thread tables merge to the exact union. */
#include "agg/agg.h"

#include <stdlib.h>
#include <string.h>

typedef struct row_key {
    uint32_t topic;
    uint32_t lang; /* index into the table's language list */
    int64_t bucket;
} row_key;

typedef struct pair {
    uint64_t author;
    uint32_t row; /* row index + 1; 0 = empty slot */
} pair;

struct agg_table {
    /* rows */
    row_key *keys;
    uint64_t *posts, *authors;
    size_t nrows, rows_cap;
    uint32_t *row_slots; /* row index + 1, 0 = empty */
    size_t row_slots_cap;
    /* distinct (row, author) pairs */
    pair *pairs;
    size_t npairs, pairs_cap;
    /* languages */
    char (*langs)[16];
    size_t nlangs, langs_cap;
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

uint64_t agg_hash64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    return mix64(h ^ w ^ ((uint64_t)n << 56));
}

static uint64_t key_hash(const row_key *k)
{
    return mix64(((uint64_t)k->topic << 32 | k->lang) ^ mix64((uint64_t)k->bucket));
}

agg_table *agg_new(void)
{
    return calloc(1, sizeof(agg_table));
}

void agg_free(agg_table *t)
{
    if (!t)
        return;
    free(t->keys);
    free(t->posts);
    free(t->authors);
    free(t->row_slots);
    free(t->pairs);
    free(t->langs);
    free(t);
}

static tocsin_status lang_index(agg_table *t, const char *lang, size_t len, uint32_t *out)
{
    if (len > 15)
        len = 15;
    for (size_t i = 0; i < t->nlangs; i++)
        if (strlen(t->langs[i]) == len && !memcmp(t->langs[i], lang, len)) {
            *out = (uint32_t)i;
            return TOCSIN_OK;
        }
    if (t->nlangs == t->langs_cap) {
        size_t cap = t->langs_cap ? t->langs_cap * 2 : 16;
        void *p = realloc(t->langs, cap * sizeof *t->langs);
        if (!p)
            return TOCSIN_ERR_NOMEM;
        t->langs = p;
        t->langs_cap = cap;
    }
    memset(t->langs[t->nlangs], 0, sizeof t->langs[t->nlangs]);
    memcpy(t->langs[t->nlangs], lang, len);
    *out = (uint32_t)t->nlangs++;
    return TOCSIN_OK;
}

static tocsin_status rows_rehash(agg_table *t, size_t cap)
{
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return TOCSIN_ERR_NOMEM;
    for (size_t i = 0; i < t->nrows; i++) {
        size_t j = key_hash(&t->keys[i]) & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = (uint32_t)(i + 1);
    }
    free(t->row_slots);
    t->row_slots = slots;
    t->row_slots_cap = cap;
    return TOCSIN_OK;
}

static tocsin_status row_find(agg_table *t, const row_key *k, uint32_t *out)
{
    tocsin_status st;
    if ((t->nrows + 1) * 2 > t->row_slots_cap &&
        (st = rows_rehash(t, t->row_slots_cap ? t->row_slots_cap * 2 : 64)) != TOCSIN_OK)
        return st;
    size_t mask = t->row_slots_cap - 1, j = key_hash(k) & mask;
    while (t->row_slots[j]) {
        const row_key *o = &t->keys[t->row_slots[j] - 1];
        if (o->topic == k->topic && o->lang == k->lang && o->bucket == k->bucket) {
            *out = t->row_slots[j] - 1;
            return TOCSIN_OK;
        }
        j = (j + 1) & mask;
    }
    if (t->nrows == t->rows_cap) {
        size_t cap = t->rows_cap ? t->rows_cap * 2 : 64;
        row_key *keys = realloc(t->keys, cap * sizeof *keys);
        if (!keys)
            return TOCSIN_ERR_NOMEM;
        t->keys = keys;
        uint64_t *posts = realloc(t->posts, cap * sizeof *posts);
        if (!posts)
            return TOCSIN_ERR_NOMEM;
        t->posts = posts;
        uint64_t *authors = realloc(t->authors, cap * sizeof *authors);
        if (!authors)
            return TOCSIN_ERR_NOMEM;
        t->authors = authors;
        t->rows_cap = cap;
    }
    size_t i = t->nrows++;
    t->keys[i] = *k;
    t->posts[i] = 0;
    t->authors[i] = 0;
    t->row_slots[j] = (uint32_t)(i + 1);
    *out = (uint32_t)i;
    return TOCSIN_OK;
}

static uint64_t pair_hash(uint32_t row, uint64_t author)
{
    return mix64(author ^ ((uint64_t)row * 0x9e3779b97f4a7c15ULL));
}

static tocsin_status pairs_grow(agg_table *t)
{
    size_t cap = t->pairs_cap ? t->pairs_cap * 2 : 1024;
    pair *np = calloc(cap, sizeof *np);
    if (!np)
        return TOCSIN_ERR_NOMEM;
    for (size_t i = 0; i < t->pairs_cap; i++) {
        if (!t->pairs[i].row)
            continue;
        size_t j = pair_hash(t->pairs[i].row, t->pairs[i].author) & (cap - 1);
        while (np[j].row)
            j = (j + 1) & (cap - 1);
        np[j] = t->pairs[i];
    }
    free(t->pairs);
    t->pairs = np;
    t->pairs_cap = cap;
    return TOCSIN_OK;
}

/* Inserts (row, author); increments the row's author count when the pair is new. */
static tocsin_status pair_add(agg_table *t, uint32_t row, uint64_t author)
{
    tocsin_status st;
    if ((t->npairs + 1) * 10 > t->pairs_cap * 7 && (st = pairs_grow(t)) != TOCSIN_OK)
        return st;
    uint32_t r1 = row + 1;
    size_t mask = t->pairs_cap - 1, j = pair_hash(r1, author) & mask;
    while (t->pairs[j].row) {
        if (t->pairs[j].row == r1 && t->pairs[j].author == author)
            return TOCSIN_OK;
        j = (j + 1) & mask;
    }
    t->pairs[j].row = r1;
    t->pairs[j].author = author;
    t->npairs++;
    t->authors[row]++;
    return TOCSIN_OK;
}

tocsin_status agg_add(agg_table *t, uint32_t topic, const char *lang, size_t lang_len,
                      int64_t bucket, bool has_author, uint64_t author)
{
    row_key k = {topic, 0, bucket};
    uint32_t row;
    tocsin_status st = lang_index(t, lang, lang_len, &k.lang);
    if (st == TOCSIN_OK)
        st = row_find(t, &k, &row);
    if (st != TOCSIN_OK)
        return st;
    t->posts[row]++;
    return has_author ? pair_add(t, row, author) : TOCSIN_OK;
}

tocsin_status agg_merge(agg_table *dst, const agg_table *src)
{
    tocsin_status st = TOCSIN_OK;
    uint32_t *map = malloc((src->nrows ? src->nrows : 1) * sizeof *map);
    if (!map)
        return TOCSIN_ERR_NOMEM;
    for (size_t i = 0; i < src->nrows && st == TOCSIN_OK; i++) {
        const char *lang = src->langs[src->keys[i].lang];
        row_key k = {src->keys[i].topic, 0, src->keys[i].bucket};
        st = lang_index(dst, lang, strlen(lang), &k.lang);
        if (st == TOCSIN_OK)
            st = row_find(dst, &k, &map[i]);
        if (st == TOCSIN_OK)
            dst->posts[map[i]] += src->posts[i];
    }
    for (size_t i = 0; i < src->pairs_cap && st == TOCSIN_OK; i++)
        if (src->pairs[i].row)
            st = pair_add(dst, map[src->pairs[i].row - 1], src->pairs[i].author);
    free(map);
    return st;
}

static int row_cmp(const void *a, const void *b)
{
    const tocsin_count_row *x = a, *y = b;
    if (x->topic != y->topic)
        return x->topic < y->topic ? -1 : 1;
    int c = strcmp(x->lang, y->lang);
    if (c)
        return c;
    return (x->bucket > y->bucket) - (x->bucket < y->bucket);
}

tocsin_status agg_rows(const agg_table *t, tocsin_count_row **rows, size_t *n)
{
    tocsin_count_row *r = calloc(t->nrows ? t->nrows : 1, sizeof *r);
    if (!r)
        return TOCSIN_ERR_NOMEM;
    for (size_t i = 0; i < t->nrows; i++) {
        r[i].topic = t->keys[i].topic;
        memcpy(r[i].lang, t->langs[t->keys[i].lang], sizeof r[i].lang);
        r[i].bucket = t->keys[i].bucket;
        r[i].posts = t->posts[i];
        r[i].authors = t->authors[i];
    }
    qsort(r, t->nrows, sizeof *r, row_cmp);
    *rows = r;
    *n = t->nrows;
    return TOCSIN_OK;
}
