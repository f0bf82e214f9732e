/* simhash.c: near-duplicate signatures (MinHash LSH bands + SimHash) and their index.
 *
 * Design. A copy-paste flood is one text with small edits: another link, a number, a mention,
 * punctuation, a word changed, added or dropped. Features are the word unigrams and bigrams of
 * the normalized text after dropping the tokens such edits touch most (numbers, URLs,
 * mentions); bigrams keep "dog bites man" apart from "man bites dog".
 *
 * Candidates come from MinHash locality-sensitive hashing (Broder 1997; bands as in Leskovec,
 * Rajaraman & Ullman, "Mining of Massive Datasets", ch. 3): DD_BANDS x DD_ROWS minima of
 * multiply-shift hashes of the features; two texts with Jaccard similarity J share a band with
 * probability 1 - (1 - J^DD_ROWS)^DD_BANDS (0.998 at J = 0.85, one word changed in twenty;
 * 0.03 at J = 0.15). A band match alone would merge unrelated texts that share common phrases
 * once the index holds millions of clusters, so each candidate is confirmed with SimHash
 * (Charikar 2002): every feature votes on each of 64 bits and the sign of the sums is the
 * fingerprint; texts sharing most features land a few bits apart, unrelated ones about 32 bits
 * apart, and DD_RADIUS = 12 separates the two (a random pair is within 12 bits with probability
 * below 1e-6). SimHash votes are counted eight bits at a time with a 256-entry table of packed
 * byte lanes, flushed to wide counters every 255 features.
 *
 * The index keeps the `cap` most recent clusters in a ring; each band keys chains (by the low
 * 20 bits of the band hash: about one entry per chain in a full index of 2^20) running from
 * newest to oldest, cut where entries stop getting older
 * (a slot reused by a newer entry), so eviction needs no unlinking. A chain link carries its
 * entry's band hash, so walking a chain reads one link per step and the entry itself (SimHash
 * and id) only when the band agrees: one cache miss per step instead of two. A lookup returns
 * the newest entry among the last `cap` that shares a band and is within the radius (checked
 * against a linear scan in tests/unit/test_dedup.c). Precision and recall on generated edits
 * are measured by tests/unit/test_dedup.c and stated in BENCHMARKS.md. */
#include "dedup/dedup.h"

#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DD_HAVE_AVX2_PATH 1
#endif

#define HEAD_BITS 20

/* lanes[b]: byte j is bit j of b. */
static uint64_t lanes[256];

static void lanes_init(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint64_t v = 0;
        for (unsigned j = 0; j < 8; j++)
            if (b >> j & 1)
                v |= 1ULL << (8 * j);
        lanes[b] = v;
    }
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

#define NHASH (DD_BANDS * DD_ROWS)

/* Odd multipliers and offsets of the multiply-shift hashes (fixed: signatures are stored). */
static uint64_t mul[NHASH], add[NHASH];
/* The same constants split into 32-bit halves for the AVX2 path (below): low and high words of
 * mul and add per hash, and the low words of add widened to 64 bits for the even and odd hashes
 * of each group of eight. */
static uint32_t mul_lo[NHASH] __attribute__((aligned(32))), mul_hi[NHASH] __attribute__((aligned(32))),
    add_hi[NHASH] __attribute__((aligned(32))), mul_lo_odd[NHASH] __attribute__((aligned(32)));
static uint64_t add_lo_even[NHASH / 2] __attribute__((aligned(32))),
    add_lo_odd[NHASH / 2] __attribute__((aligned(32)));
static bool use_avx2;

static void mul_init(void)
{
    uint64_t s = 0x7ac0c1d5eedULL;
    for (int i = 0; i < NHASH; i++) {
        s += 0x9e3779b97f4a7c15ULL;
        mul[i] = mix64(s) | 1;
        s += 0x9e3779b97f4a7c15ULL;
        add[i] = mix64(s);
    }
    for (int i = 0; i < NHASH; i++) {
        mul_lo[i] = (uint32_t)mul[i];
        mul_hi[i] = (uint32_t)(mul[i] >> 32);
        add_hi[i] = (uint32_t)(add[i] >> 32);
        /* lane i of mul_lo_odd holds the multiplier of hash i + 1 (read by the odd lanes) */
        mul_lo_odd[i] = i % 2 == 0 && i + 1 < NHASH ? (uint32_t)mul[i + 1] : 0;
    }
    for (int i = 0; i < NHASH / 2; i++) {
        add_lo_even[i] = (uint32_t)add[2 * i];
        add_lo_odd[i] = (uint32_t)add[2 * i + 1];
    }
#ifdef DD_HAVE_AVX2_PATH
    __builtin_cpu_init();
    use_avx2 = __builtin_cpu_supports("avx2");
#endif
}

typedef struct acc {
    uint64_t packed[8];
    uint32_t wide[64];
    unsigned pending, total;
    uint32_t mins[NHASH];
} acc;

static void acc_flush(acc *a)
{
    for (unsigned b = 0; b < 8; b++) {
        for (unsigned j = 0; j < 8; j++)
            a->wide[8 * b + j] += (uint32_t)(a->packed[b] >> (8 * j) & 0xff);
        a->packed[b] = 0;
    }
    a->pending = 0;
}

#ifdef DD_HAVE_AVX2_PATH
/* MinHash with AVX2, exactly the scalar values: with h = hH.hL, m = mH.mL, a = aH.aL in 32-bit
 * halves, bits 32..63 of h * m + a (mod 2^64) are hi32(hL * mL + aL) + hL * mH + hH * mL + aH
 * (mod 2^32); hL * mL + aL < 2^64 cannot overflow. The 64-bit products come from vpmuludq on
 * the even and odd lanes of each group of eight hashes, the cross terms from vpmulld. */
__attribute__((target("avx2"))) static void minhash_avx2(uint32_t *mins, uint64_t h)
{
    const __m256i hl = _mm256_set1_epi32((int)(uint32_t)h);
    const __m256i hh = _mm256_set1_epi32((int)(uint32_t)(h >> 32));
    for (int g = 0; g < NHASH; g += 8) {
        __m256i ml = _mm256_load_si256((const __m256i *)(mul_lo + g));
        __m256i mh = _mm256_load_si256((const __m256i *)(mul_hi + g));
        __m256i ah = _mm256_load_si256((const __m256i *)(add_hi + g));
        __m256i mlo = _mm256_load_si256((const __m256i *)(mul_lo_odd + g));
        __m256i ale = _mm256_load_si256((const __m256i *)(add_lo_even + g / 2));
        __m256i alo = _mm256_load_si256((const __m256i *)(add_lo_odd + g / 2));
        /* even lanes: 64-bit hL * mL + aL, high word moved down to the even lane */
        __m256i pe = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epu32(hl, ml), ale), 32);
        /* odd lanes: hL * mL(odd) + aL(odd) (multiplier read from the even half), whose high
         * word already sits in the odd lane */
        __m256i po = _mm256_add_epi64(_mm256_mul_epu32(hl, mlo), alo);
        __m256i hi = _mm256_blend_epi32(pe, po, 0xAA);
        __m256i cross = _mm256_add_epi32(_mm256_mullo_epi32(hl, mh), _mm256_mullo_epi32(hh, ml));
        __m256i v = _mm256_add_epi32(_mm256_add_epi32(hi, cross), ah);
        __m256i m = _mm256_loadu_si256((const __m256i *)(mins + g));
        _mm256_storeu_si256((__m256i *)(mins + g), _mm256_min_epu32(m, v));
    }
}
#endif

static void acc_add(acc *a, uint64_t h)
{
    /* SimHash: packed[b] counts, in byte lane j, the features whose bit 8*b + j is set */
    for (unsigned b = 0; b < 8; b++)
        a->packed[b] += lanes[(h >> (8 * b)) & 0xff];
    a->total++;
    if (++a->pending == 255)
        acc_flush(a);
    /* MinHash */
#ifdef DD_HAVE_AVX2_PATH
    if (use_avx2) {
        minhash_avx2(a->mins, h);
        return;
    }
#endif
    for (int i = 0; i < NHASH; i++) {
        uint32_t v = (uint32_t)((h * mul[i] + add[i]) >> 32);
        if (v < a->mins[i])
            a->mins[i] = v;
    }
}

static bool is_edge_punct(unsigned char c)
{
    return c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
}

void dd_signature(const char *norm, size_t len, dd_sig *out)
{
    /* The tables are built once per process; pthread_once orders the writes before any
     * thread's reads (concurrent first calls used to write them at the same time). */
    static pthread_once_t once_lanes = PTHREAD_ONCE_INIT, once_mul = PTHREAD_ONCE_INIT;
    pthread_once(&once_lanes, lanes_init);
    pthread_once(&once_mul, mul_init);
    acc a;
    memset(&a, 0, offsetof(acc, mins));
    memset(a.mins, 0xff, sizeof a.mins);
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
        acc_add(&a, h);
        if (have_prev)
            acc_add(&a, mix64(prev * 31 + h + 0x9e3779b97f4a7c15ULL));
        prev = h;
        have_prev = true;
    }
    if (a.total == 0) {
        uint64_t h = tok_hash(norm, len) ^ 0x5bd1e9955bd1e995ULL;
        for (int b = 0; b < DD_BANDS; b++)
            out->band[b] = (uint32_t)(mix64(h + (uint64_t)b) >> 32);
        out->sim = h;
        return;
    }
    acc_flush(&a);
    uint64_t sim = 0;
    for (unsigned b = 0; b < 64; b++)
        if (2 * a.wide[b] > a.total)
            sim |= 1ULL << b;
    out->sim = sim;
    for (int b = 0; b < DD_BANDS; b++) {
        uint64_t h = (uint64_t)b * 0x9e3779b97f4a7c15ULL;
        for (int r = 0; r < DD_ROWS; r++)
            h = mix64(h ^ a.mins[b * DD_ROWS + r]);
        out->band[b] = (uint32_t)(h >> 32);
    }
}

bool dd_similar(const dd_sig *a, const dd_sig *b)
{
    bool band = false;
    for (int i = 0; i < DD_BANDS && !band; i++)
        band = a->band[i] == b->band[i];
    return band && dd_distance(a->sim, b->sim) <= DD_RADIUS;
}

void dd_sig_pack(const dd_sig *s, unsigned char out[DD_SIG_BYTES])
{
    for (int b = 0; b < DD_BANDS; b++)
        for (int k = 0; k < 4; k++)
            out[4 * b + k] = (unsigned char)(s->band[b] >> (8 * k));
    for (int k = 0; k < 8; k++)
        out[4 * DD_BANDS + k] = (unsigned char)(s->sim >> (8 * k));
}

bool dd_sig_unpack(const void *p, size_t len, dd_sig *out)
{
    const unsigned char *c = p;
    if (!p || len != DD_SIG_BYTES)
        return false;
    for (int b = 0; b < DD_BANDS; b++) {
        out->band[b] = 0;
        for (int k = 0; k < 4; k++)
            out->band[b] |= (uint32_t)c[4 * b + k] << (8 * k);
    }
    out->sim = 0;
    for (int k = 0; k < 8; k++)
        out->sim |= (uint64_t)c[4 * DD_BANDS + k] << (8 * k);
    return true;
}

/* ---- the index ---- */

typedef struct dd_entry {
    uint64_t sim;
    int64_t id;
} dd_entry;

typedef struct dd_link {
    uint32_t next; /* older slot + 1 in this band's chain, 0 = end */
    uint32_t band; /* the band hash of this slot's entry */
} dd_link;

struct dd_index {
    size_t cap, n, next; /* ring of cap slots; next = slot of the next insertion */
    dd_entry *ent;
    dd_link *link;       /* link[slot * DD_BANDS + band] */
    uint32_t *head;      /* head[band << HEAD_BITS | low bits] = newest slot + 1 */
};

/* The index's tables are read at random (a lookup touches about 24 cache lines spread over
 * 88 MiB): in 2 MiB pages where the kernel allows (transparent huge pages on request), each
 * lookup's address translations hit the TLB instead of walking page tables. Zeroed on request
 * (only the heads need it: entries and links are written before they are read). */
static void *big_alloc(size_t n, bool zero)
{
    size_t huge = (size_t)2 << 20;
    void *p = NULL;
    if (n >= huge) {
        if (posix_memalign(&p, huge, (n + huge - 1) / huge * huge) != 0)
            return NULL;
#ifdef MADV_HUGEPAGE
        madvise(p, (n + huge - 1) / huge * huge, MADV_HUGEPAGE); /* a hint: may be refused */
#endif
    } else if (!(p = malloc(n))) {
        return NULL;
    }
    if (zero)
        memset(p, 0, n);
    return p;
}

dd_index *dd_index_new(size_t cap)
{
    if (cap == 0 || cap >= UINT32_MAX)
        return NULL;
    dd_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return NULL;
    ix->cap = cap;
    ix->ent = big_alloc(cap * sizeof *ix->ent, false);
    ix->link = big_alloc(cap * DD_BANDS * sizeof *ix->link, false);
    ix->head = big_alloc(((size_t)DD_BANDS << HEAD_BITS) * sizeof *ix->head, true);
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

static size_t head_of(uint32_t band, unsigned b)
{
    return (size_t)b << HEAD_BITS | (band & ((1u << HEAD_BITS) - 1));
}

void dd_index_prefetch(const dd_index *ix, const dd_sig *sig)
{
    for (unsigned b = 0; b < DD_BANDS; b++)
        __builtin_prefetch(&ix->head[head_of(sig->band[b], b)]);
}

/* Insertion age of a slot: 0 for the newest entry, n - 1 for the oldest. */
static size_t age_of(const dd_index *ix, size_t slot)
{
    return (ix->next + ix->cap - 1 - slot) % ix->cap;
}

bool dd_index_find(const dd_index *ix, const dd_sig *sig, int64_t *id)
{
    bool found = false;
    size_t best = 0; /* age of the newest match so far */
    /* The heads and the links of each chain are random reads in tables far larger than the
     * caches. The eight chains are walked a step each in turn, and each step loads the next
     * link and entry of its chain ahead, so the misses of all chains overlap instead of
     * queueing; chains of one band value can run long (texts sharing a common passage, not
     * near-duplicates of each other). The result does not depend on the order of the steps:
     * the newest match of any chain wins, and a chain stops once it is older than a match. */
    uint32_t cur[DD_BANDS];
    size_t prev[DD_BANDS];
    unsigned live = 0;
    for (unsigned b = 0; b < DD_BANDS; b++) {
        cur[b] = ix->head[head_of(sig->band[b], b)];
        prev[b] = SIZE_MAX; /* no step yet */
        if (cur[b]) {
            live |= 1u << b;
            __builtin_prefetch(&ix->link[(size_t)(cur[b] - 1) * DD_BANDS + b]);
        }
    }
    while (live) {
        for (unsigned b = 0; b < DD_BANDS; b++) {
            if (!(live >> b & 1))
                continue;
            size_t slot = cur[b] - 1, age = age_of(ix, slot);
            const dd_link *l = &ix->link[slot * DD_BANDS + b];
            if ((prev[b] != SIZE_MAX && age <= prev[b]) || /* slot reused by a newer entry */
                (found && age >= best) ||                   /* older than a match */
                ((l->band ^ sig->band[b]) & ((1u << HEAD_BITS) - 1)) != 0) { /* other chain */
                live &= ~(1u << b);
                continue;
            }
            prev[b] = age;
            if (l->next) {
                __builtin_prefetch(&ix->link[(size_t)(l->next - 1) * DD_BANDS + b]);
                __builtin_prefetch(&ix->ent[l->next - 1]);
            }
            if (l->band == sig->band[b] && dd_distance(ix->ent[slot].sim, sig->sim) <= DD_RADIUS) {
                if (!found || age < best)
                    best = age;
                found = true;
                live &= ~(1u << b); /* newest match in this chain */
                continue;
            }
            if (!(cur[b] = l->next))
                live &= ~(1u << b);
        }
    }
    if (found)
        *id = ix->ent[(ix->next + ix->cap - 1 - best) % ix->cap].id;
    return found;
}

void dd_index_add(dd_index *ix, const dd_sig *sig, int64_t id)
{
    size_t slot = ix->next;
    ix->ent[slot].sim = sig->sim;
    ix->ent[slot].id = id;
    for (unsigned b = 0; b < DD_BANDS; b++) {
        uint32_t *h = &ix->head[head_of(sig->band[b], b)];
        dd_link *l = &ix->link[slot * DD_BANDS + b];
        l->next = *h == slot + 1 ? 0 : *h;
        l->band = sig->band[b];
        *h = (uint32_t)slot + 1;
    }
    ix->next = (slot + 1) % ix->cap;
    if (ix->n < ix->cap)
        ix->n++;
}
