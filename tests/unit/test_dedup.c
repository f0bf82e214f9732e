/* test_dedup.c: near-duplicate signatures: invariances (URLs, numbers, mentions, punctuation),
 * the index (find, confirmation radius, eviction), packing, and precision / recall of the
 * clustering on a generated set of originals and edited copies (printed; BENCHMARKS.md quotes
 * them). */
#include "check.h"
#include "dedup/dedup.h"

static uint64_t rng = 99;
static uint64_t next(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static unsigned rn(unsigned n) { return (unsigned)(next() % n); }

static dd_sig sig_of(const char *s)
{
    dd_sig g;
    dd_signature(s, strlen(s), &g);
    return g;
}
static bool same(dd_sig a, dd_sig b) { return !memcmp(&a, &b, sizeof a); }
#define sh(s) sig_of(s)

static void test_invariances(void)
{
    const char *base = "the convoy was seen near the northern border crossing this morning "
                       "according to several local residents";
    dd_sig h = sh(base);
    CHECK(same(h, sh("the convoy was seen near the northern border crossing this morning "
                  "according to several local residents https://t me/abc123")));
    CHECK(same(h, sh("@someone the convoy was seen near the northern border crossing this morning "
                  "according to several local residents")));
    CHECK(same(h, sh("the convoy was seen near the northern border crossing this morning "
                  "according to 12 several local residents 2021")));
    CHECK(same(h, sh("the convoy was seen, near the northern border crossing this morning! "
                  "according to several local residents...")));
    dd_sig one = sh("the convoy was seen near the southern border crossing this morning "
                    "according to several local residents");
    CHECK(dd_similar(&h, &one));
    dd_sig other = sh("prices of bread rose again in the capital markets while officials "
                      "promised new subsidies for families");
    CHECK(!dd_similar(&h, &other));
    CHECK(dd_distance(h.sim, other.sim) > DD_RADIUS);
    /* texts without usable tokens only collapse with exact copies */
    dd_sig u1 = sh("https://a b/c"), u2 = sh("https://x y/z");
    CHECK(!dd_similar(&u1, &u2));
    CHECK(same(sh("https://a b/c"), sh("https://a b/c")));
    CHECK(same(sh(""), sh("")));
    /* packing round trip */
    unsigned char buf[DD_SIG_BYTES];
    dd_sig back;
    dd_sig_pack(&h, buf);
    CHECK(dd_sig_unpack(buf, sizeof buf, &back) && same(back, h));
    CHECK(!dd_sig_unpack(buf, sizeof buf - 1, &back));
}

static dd_sig mk(uint32_t band0, uint32_t fill, uint64_t sim)
{
    dd_sig g;
    for (int b = 0; b < DD_BANDS; b++)
        g.band[b] = fill + (uint32_t)b * 7919u;
    g.band[0] = band0;
    g.sim = sim;
    return g;
}

static void test_index(void)
{
    dd_index *ix = dd_index_new(4);
    CHECK(ix != NULL);
    int64_t id = 0;
    dd_sig a = mk(1, 100, 0x1234);
    CHECK(!dd_index_find(ix, &a, &id));
    dd_index_add(ix, &a, 1);
    CHECK(dd_index_find(ix, &a, &id) && id == 1);
    dd_sig near = mk(1, 555, 0x1234 ^ 0xfff); /* band 0 agrees, 12 bits apart */
    CHECK(dd_index_find(ix, &near, &id) && id == 1);
    dd_sig far = mk(1, 555, 0x1234 ^ 0x1fff); /* 13 bits apart */
    CHECK(!dd_index_find(ix, &far, &id));
    dd_sig noband = mk(2, 555, 0x1234); /* same SimHash, no band in common */
    CHECK(!dd_index_find(ix, &noband, &id));
    dd_sig s2 = mk(20, 200, ~0ULL), s3 = mk(30, 300, 0xff00ff00ULL), s4 = mk(40, 400, 77);
    dd_index_add(ix, &s2, 2);
    dd_index_add(ix, &s3, 3);
    dd_index_add(ix, &s4, 4);
    CHECK(dd_index_find(ix, &a, &id) && id == 1);
    dd_sig s5 = mk(50, 500, 0xabcdabcdabcdabcdULL);
    dd_index_add(ix, &s5, 5); /* evicts id 1 (cap 4) */
    CHECK(!dd_index_find(ix, &a, &id));
    CHECK(dd_index_find(ix, &s2, &id) && id == 2);
    CHECK(dd_index_find(ix, &s5, &id) && id == 5);
    /* the newest of two matches wins */
    dd_sig s6 = mk(50, 600, 0xabcdabcdabcdabceULL);
    dd_index_add(ix, &s6, 6);
    CHECK(dd_index_find(ix, &s5, &id) && id == 6);
    CHECK_INT(dd_index_size(ix), 4);
    dd_index_free(ix);
    CHECK(dd_index_new(0) == NULL);
}

/* The index against a linear scan: the newest of the last `cap` entries sharing a band and
 * within the radius. Band hashes from a tiny alphabet whose values share their low 24 bits
 * (long chains, chains cut by reused slots, low-bit collisions between different bands);
 * SimHashes a few bits apart or far apart. */
static void test_index_vs_scan(void)
{
    enum { CAP = 37, N = 4000 };
    static dd_sig all[N];
    uint64_t st = 0x243f6a8885a308d3ULL;
    int bad = 0, hits = 0;
    dd_index *ix = dd_index_new(CAP);
    for (int i = 0; i < N; i++) {
        dd_sig g;
        for (int b = 0; b < DD_BANDS; b++) {
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            g.band[b] = (uint32_t)((st >> 40) % 3) << 24 | (uint32_t)((st >> 50) % 4);
        }
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t base = (st >> 33) % 2 ? 0x0123456789abcdefULL : 0xfedcba9876543210ULL;
        g.sim = base ^ (st & 0x7fff) << (st >> 60); /* up to 15 bits flipped */
        all[i] = g;
        int64_t want = 0, got = 0;
        for (int j = i - 1; j >= 0 && j >= i - CAP; j--)
            if (dd_similar(&all[j], &g)) {
                want = j + 1;
                break;
            }
        bool f = dd_index_find(ix, &g, &got);
        bad += f != (want != 0) || (f && got != want);
        hits += f;
        dd_index_add(ix, &g, i + 1);
    }
    dd_index_free(ix);
    CHECK_INT(bad, 0);
    CHECK(hits > N / 4 && hits < N); /* both outcomes exercised */
}

/* ---- precision and recall on generated originals and edited copies ---- */

#define VOCAB 4000
static char vocab[VOCAB][16];

static void make_vocab(void)
{
    static const char *syl[] = {"ka", "lo", "mi", "ne", "ru", "ta", "vo", "ze", "bi", "do",
                                "fa", "gu", "he", "ji", "po", "sa", "ti", "wu", "ya", "xe"};
    for (int i = 0; i < VOCAB; i++) {
        int n = 1 + rn(4);
        vocab[i][0] = '\0';
        for (int k = 0; k < n; k++)
            strcat(vocab[i], syl[rn(20)]);
    }
}

typedef struct text {
    char s[1024];
    int group;
} text;

static void gen_original(char *out, int words)
{
    out[0] = '\0';
    for (int i = 0; i < words; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, vocab[rn(VOCAB)]);
    }
}

/* One small edit of the kinds a copy-paste flood shows. */
static void edit(const char *in, char *out, int kind)
{
    char w[64][16];
    int n = 0;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", in);
    for (char *t = strtok(tmp, " "); t && n < 64; t = strtok(NULL, " "))
        snprintf(w[n++], 16, "%s", t);
    int at = rn((unsigned)n);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        char extra[48] = "";
        if (i == at) {
            switch (kind) {
            case 0: snprintf(extra, sizeof extra, " https://t me/c%u", rn(100000)); break;
            case 1: snprintf(extra, sizeof extra, " %u", rn(100000)); break;
            case 2: snprintf(extra, sizeof extra, " @user%u", rn(1000)); break;
            case 3: snprintf(w[i], 16, "%s", vocab[rn(VOCAB)]); break;       /* word replaced */
            case 4: snprintf(extra, sizeof extra, " %s", vocab[rn(VOCAB)]); break; /* inserted */
            case 5: w[i][0] = '\0'; break;                                   /* deleted */
            case 6: snprintf(extra, sizeof extra, "!!"); break;              /* punctuation */
            }
        }
        if (w[i][0]) {
            if (out[0])
                strcat(out, " ");
            strcat(out, w[i]);
        }
        strcat(out, extra);
    }
}

static double pairs(double n) { return n * (n - 1) / 2; }

static void eval(int min_words, int max_words, int edits, double *precision, double *recall,
                 double *per_kind)
{
    enum { ORIG = 3000 };
    static text t[ORIG * 4];
    int n = 0;
    int kind_tot[7] = {0}, kind_hit[7] = {0};
    static int kind_of[ORIG * 4];
    for (int g = 0; g < ORIG; g++) {
        t[n].group = g;
        kind_of[n] = -1;
        gen_original(t[n++].s, min_words + (int)rn((unsigned)(max_words - min_words + 1)));
        int copies = (int)rn(4);
        for (int c = 0; c < copies; c++) {
            char a[1024], b[1024];
            int k = (int)rn(7);
            edit(t[n - 1 - c].s, a, k);
            for (int e = 1; e < edits; e++) {
                edit(a, b, (int)rn(7));
                snprintf(a, sizeof a, "%s", b);
            }
            snprintf(t[n].s, sizeof t[n].s, "%s", a);
            t[n].group = g;
            kind_of[n] = k;
            n++;
        }
    }
    /* cluster in generation order, as ingest would */
    dd_index *ix = dd_index_new(1 << 16);
    static int64_t cl[ORIG * 4];
    int64_t next_id = 0;
    for (int i = 0; i < n; i++) {
        dd_sig s = sh(t[i].s);
        if (!dd_index_find(ix, &s, &cl[i])) {
            cl[i] = ++next_id;
            dd_index_add(ix, &s, cl[i]);
        }
        if (kind_of[i] >= 0) {
            kind_tot[kind_of[i]]++;
            /* the copy joined its group's cluster */
            for (int j = i - 1; j >= 0 && t[j].group == t[i].group; j--)
                if (kind_of[j] < 0) {
                    kind_hit[kind_of[i]] += cl[j] == cl[i];
                    break;
                }
        }
    }
    dd_index_free(ix);
    /* pair counts from the (group, cluster) contingency: groups are contiguous */
    double tp = 0, true_pairs = 0, pred_pairs = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && t[j].group == t[i].group)
            j++;
        true_pairs += pairs(j - i);
        for (int a = i; a < j; a++) { /* cells of this group */
            bool first = true;
            for (int b = i; b < a; b++)
                first &= cl[b] != cl[a];
            if (!first)
                continue;
            int cnt = 0;
            for (int b = a; b < j; b++)
                cnt += cl[b] == cl[a];
            tp += pairs(cnt);
        }
        i = j;
    }
    /* predicted pairs: cluster sizes */
    int64_t *sizes = calloc((size_t)next_id + 1, sizeof *sizes);
    for (int i = 0; i < n; i++)
        sizes[cl[i]]++;
    for (int64_t c = 1; c <= next_id; c++)
        pred_pairs += pairs((double)sizes[c]);
    free(sizes);
    *precision = pred_pairs ? tp / pred_pairs : 1;
    *recall = true_pairs ? tp / true_pairs : 1;
    for (int k = 0; k < 7; k++)
        per_kind[k] = kind_tot[k] ? (double)kind_hit[k] / kind_tot[k] : 1;
}

static void test_precision_recall(void)
{
    make_vocab();
    static const char *names[] = {"url", "number", "mention", "word-replaced", "word-inserted",
                                  "word-deleted", "punctuation"};
    static const struct {
        int lo, hi, edits;
        double min_p, min_r;
    } sets[] = {
        {20, 60, 1, 0.99, 0.97},
        {8, 20, 1, 0.99, 0.90},
        {20, 60, 2, 0.99, 0.95},
    };
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        double p, r, k[7];
        eval(sets[s].lo, sets[s].hi, sets[s].edits, &p, &r, k);
        printf("dedup: %d-%d words, %d edit%s per copy: precision %.4f recall %.4f (", sets[s].lo,
               sets[s].hi, sets[s].edits, sets[s].edits > 1 ? "s" : "", p, r);
        for (int i = 0; i < 7; i++)
            printf("%s%s %.2f", i ? ", " : "", names[i], k[i]);
        printf(")\n");
        CHECK(p >= sets[s].min_p);
        CHECK(r >= sets[s].min_r);
    }
}

/* Hard negatives: different texts that share a part of their words (a common template or a
 * quoted sentence). Reports how often they are merged; sharing 30% must almost never merge. */
static void test_shared_phrases(void)
{
    static const int share[] = {30, 50, 70, 90};
    for (size_t k = 0; k < sizeof share / sizeof share[0]; k++) {
        int merged = 0, trials = 2000;
        for (int t = 0; t < trials; t++) {
            char a[1024] = "", b[1024] = "";
            int words = 30, common = words * share[k] / 100;
            for (int i = 0; i < words; i++) {
                const char *wa = vocab[rn(VOCAB)], *wb = i < common ? wa : vocab[rn(VOCAB)];
                strcat(a, i ? " " : "");
                strcat(a, wa);
                strcat(b, i ? " " : "");
                strcat(b, wb);
            }
            dd_sig x = sh(a), y = sh(b);
            merged += dd_similar(&x, &y);
        }
        printf("dedup: two 30-word texts sharing their first %d%% of words: merged in %.1f%% of "
               "%d pairs\n", share[k], 100.0 * merged / trials, trials);
        if (share[k] == 30)
            CHECK(merged * 100 < trials);
    }
}

/* Signatures are stored (cluster_sigs) and read back on resume, so their values are part of the
 * store format: these were computed by the original scalar code; the vectorized MinHash must
 * give exactly the same bands and SimHash (fixed texts, then a digest over 2,000 generated
 * ones). */
static void test_stable_values(void)
{
    static const char *texts[] = {
        "the quick brown fox jumps over the lazy dog", "breaking news from the capital tonight",
        "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80 "
        "\xd0\xba\xd0\xb0\xd0\xba \xd0\xb4\xd0\xb5\xd0\xbb\xd0\xb0",
        "123 456 http://x.y/z"};
    static const uint32_t bands[4][DD_BANDS] = {
        {0x965b4732u, 0x6a101213u, 0x600e5ee2u, 0x946ec40du, 0x6b780029u, 0xdf591b9eu, 0xbe3be8b1u, 0xba5da04du},
        {0x309c67a1u, 0xc2624292u, 0x47650ffbu, 0xb034778au, 0x98a1945du, 0x86cf5a12u, 0x3e7b2e36u, 0x8688756cu},
        {0xb7c6c5c3u, 0xfb964329u, 0x38589445u, 0x75f469e0u, 0xee85ca5bu, 0xa8d7f17fu, 0x314b87ccu, 0x5907ff8bu},
        {0x4e404e2fu, 0x28384839u, 0xd9d8c81cu, 0xd4e2ecdbu, 0xd0d67e5au, 0x5d5263adu, 0x59f58b79u, 0xc7f39ea6u}};
    static const uint64_t sims[4] = {0x52b041122a6a0498ull, 0x975ab2d65cabac1bull,
                                     0x8871fdb66161d14bull, 0xb85fc9d0cb2af02cull};
    for (int i = 0; i < 4; i++) {
        dd_sig g = sig_of(texts[i]);
        for (int b = 0; b < DD_BANDS; b++)
            CHECK(g.band[b] == bands[i][b]);
        CHECK(g.sim == sims[i]);
    }
    uint64_t st = 12345, dig = 0xcbf29ce484222325ULL;
    char buf[520];
    for (int n = 0; n < 2000; n++) {
        size_t len = 0;
        int words = 1 + (int)(st % 60);
        for (int w = 0; w < words; w++) {
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            int wl = 1 + (int)((st >> 33) % 9);
            for (int c = 0; c < wl && len < 500; c++) {
                st = st * 6364136223846793005ULL + 1442695040888963407ULL;
                buf[len++] = (char)('a' + (st >> 40) % 26);
            }
            if (len < 510)
                buf[len++] = ' ';
        }
        dd_sig g;
        dd_signature(buf, len, &g);
        for (int b = 0; b < DD_BANDS; b++)
            dig = (dig ^ g.band[b]) * 0x100000001b3ULL;
        dig = (dig ^ g.sim) * 0x100000001b3ULL;
    }
    CHECK(dig == 0x89b6e5b7eb2de40bull);
}

int main(void)
{
    RUN(test_stable_values);
    RUN(test_invariances);
    RUN(test_index);
    RUN(test_index_vs_scan);
    RUN(test_precision_recall);
    RUN(test_shared_phrases);
    return check_summary();
}
