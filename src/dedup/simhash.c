/* simhash.c: near-duplicate fingerprints and their banded index.
 *
 * Design. A copy-paste flood is the same text with small edits: a different link, a number, a
 * mention, a word changed, added or dropped. SimHash (Charikar 2002; used at web scale by Manku,
 * Jain & Das Sarma 2007) maps a text to 64 bits so that texts sharing most features land a few
 * bits apart: every feature's 64-bit hash votes +1 / -1 on each bit, and the sign of each sum is
 * the fingerprint bit. The features are the word unigrams and bigrams of the normalized text
 * after dropping the tokens an edit most often touches (numbers, URLs, mentions); bigrams keep
 * "dog bites man" apart from "man bites dog", unigrams keep one changed word from moving more
 * than a few votes. Votes are counted eight bits at a time with a 256-entry table of packed
 * byte lanes (no per-bit loop), flushed to wide counters every 255 features.
 *
 * Lookup: with radius r and r + 1 disjoint bands, two fingerprints within r bits agree on at
 * least one band (pigeonhole), so each band keys a chain of earlier fingerprints; a candidate
 * is confirmed with a popcount. The index keeps the `cap` most recent clusters in a ring; chains
 * run from newest to oldest and stop where ids stop decreasing (a slot reused by a newer entry),
 * so eviction needs no unlinking. Precision and recall on generated edits are measured by
 * tests/unit/test_dedup.c and stated in BENCHMARKS.md. */
#include "dedup/dedup.h"

#include <stdlib.h>
#include <string.h>

/* lanes[b]: byte j is bit j of b. */
static uint64_t lanes[256];
static bool lanes_ready;

static void lanes_init(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint64_t v = 0;
        for (unsigned j = 0; j < 8; j++)
            if (b >> j & 1)
                v |= 1ULL << (8 * j);
        lanes[b] = v;
    }
    __atomic_store_n(&lanes_ready, true, __ATOMIC_RELEASE);
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* FNV-1a then a finalizer: tokens are short, this is cheap and well mixed. */
static uint64_t tok_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return mix64(h);
}

typedef struct votes {
    uint64_t packed[8]; /* packed[b] byte j: votes for bit 8*j + b... see add */
    uint32_t wide[64];
    unsigned pending, total;
} votes;

static void votes_flush(votes *v)
{
    for (unsigned b = 0; b < 8; b++) {
        for (unsigned j = 0; j < 8; j++)
            v->wide[8 * b + j] += (uint32_t)(v->packed[b] >> (8 * j) & 0xff);
        v->packed[b] = 0;
    }
    v->pending = 0;
}

static void votes_add(votes *v, uint64_t h)
{
    /* packed[b] counts, in byte lane j, the features whose bit 8*b + j is set */
    for (unsigned b = 0; b < 8; b++)
        v->packed[b] += lanes[(h >> (8 * b)) & 0xff];
    v->total++;
    if (++v->pending == 255)
        votes_flush(v);
}

static bool is_edge_punct(unsigned char c)
{
    return c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
}

uint64_t dd_simhash(const char *norm, size_t len)
{
    if (!__atomic_load_n(&lanes_ready, __ATOMIC_ACQUIRE))
        lanes_init(); /* idempotent: concurrent first calls write the same table */
    votes v;
    memset(&v, 0, sizeof v);
    uint64_t prev = 0;
    bool have_prev = false;
    size_t i = 0;
    while (i < len) {
        while (i < len && norm[i] == ' ')
            i++;
        size_t s = i;
        bool skip = false;
        while (i < len && norm[i] != ' ') {
            unsigned char c = (unsigned char)norm[i];
            if ((c >= '0' && c <= '9') || c == '/' || c == ':' || c == '@')
                skip = true;
            i++;
        }
        size_t e = i;
        while (s < e && is_edge_punct((unsigned char)norm[s]))
            s++;
        while (e > s && is_edge_punct((unsigned char)norm[e - 1]))
            e--;
        if (skip || e - s < 2)
            continue;
        uint64_t h = tok_hash(norm + s, e - s);
        votes_add(&v, h);
        if (have_prev)
            votes_add(&v, mix64(prev * 31 + h + 0x9e3779b97f4a7c15ULL));
        prev = h;
        have_prev = true;
    }
    if (v.total == 0)
        return tok_hash(norm, len) ^ 0x5bd1e9955bd1e995ULL;
    votes_flush(&v);
    uint64_t out = 0;
    for (unsigned b = 0; b < 64; b++)
        if (2 * v.wide[b] > v.total)
            out |= 1ULL << b;
    return out;
}

/* ---- the banded index ---- */

typedef struct dd_entry {
    uint64_t sim;
    int64_t id;
} dd_entry;

struct dd_index {
    size_t cap, n, next; /* ring of cap slots; next = slot of the next insertion */
    dd_entry *ent;
    uint32_t *link;      /* link[slot * DD_BANDS + band] = older slot + 1 in the chain, 0 = end */
    uint32_t *head;      /* head[band << 16 | value] = newest slot + 1 */
};

dd_index *dd_index_new(size_t cap)
{
    if (cap == 0 || cap >= UINT32_MAX)
        return NULL;
    dd_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return NULL;
    ix->cap = cap;
    ix->ent = malloc(cap * sizeof *ix->ent);
    ix->link = malloc(cap * DD_BANDS * sizeof *ix->link);
    ix->head = calloc((size_t)DD_BANDS << 16, sizeof *ix->head);
    if (!ix->ent || !ix->link || !ix->head) {
        dd_index_free(ix);
        return NULL;
    }
    return ix;
}

void dd_index_free(dd_index *ix)
{
    if (!ix)
        return;
    free(ix->ent);
    free(ix->link);
    free(ix->head);
    free(ix);
}

size_t dd_index_size(const dd_index *ix) { return ix->n; }

static unsigned band_of(uint64_t sim, unsigned b) { return (unsigned)(sim >> (16 * b)) & 0xffff; }

bool dd_index_find(const dd_index *ix, uint64_t sim, int64_t *id)
{
    bool found = false;
    int64_t best = 0;
    for (unsigned b = 0; b < DD_BANDS; b++) {
        uint32_t s = ix->head[b << 16 | band_of(sim, b)];
        int64_t last = INT64_MAX;
        while (s) {
            const dd_entry *e = &ix->ent[s - 1];
            if (e->id >= last)
                break; /* the slot was reused by a newer entry: the chain ended here */
            last = e->id;
            if (band_of(e->sim, b) != band_of(sim, b))
                break; /* reused slot now in another chain */
            if (dd_distance(e->sim, sim) <= DD_RADIUS) {
                if (!found || e->id > best)
                    best = e->id;
                found = true;
                break; /* newest match in this chain */
            }
            s = ix->link[(s - 1) * DD_BANDS + b];
        }
    }
    if (found)
        *id = best;
    return found;
}

void dd_index_add(dd_index *ix, uint64_t sim, int64_t id)
{
    size_t slot = ix->next;
    ix->ent[slot].sim = sim;
    ix->ent[slot].id = id;
    for (unsigned b = 0; b < DD_BANDS; b++) {
        uint32_t *h = &ix->head[b << 16 | band_of(sim, b)];
        ix->link[slot * DD_BANDS + b] = *h;
        *h = (uint32_t)slot + 1;
    }
    ix->next = (slot + 1) % ix->cap;
    if (ix->n < ix->cap)
        ix->n++;
}
