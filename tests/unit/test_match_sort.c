/* test_match_sort.c: the order of the matcher's results. Hyperscan reports hits by end offset;
 * tocsin_match_text sorts them by (start, term, end) with an insertion sort that gives up for
 * qsort when the hits are far from sorted. Both paths are checked: nested terms ("a", "a a",
 * ... "a a ... a") over a long run of "a" give hits ending together but starting far apart (the
 * fallback), sparse terms give nearly sorted hits (the insertion sort); the results must be
 * sorted, complete and free of duplicates. */
#include "check.h"
#include "tocsin.h"

#include <stdint.h>
#include <unistd.h>

/* Checks that m[0..n) is sorted by (start, term, end) with no duplicate (term, start, end). */
static size_t unsorted(const tocsin_match *m, size_t n)
{
    size_t bad = 0;
    for (size_t i = 1; i < n; i++) {
        const tocsin_match *a = &m[i - 1], *b = &m[i];
        if (a->start > b->start ||
            (a->start == b->start &&
             (a->term > b->term || (a->term == b->term && a->end >= b->end))))
            bad++;
    }
    return bad;
}

static tocsin_watchlist *load(const char *yaml)
{
    char path[] = "/tmp/test_match_sort_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    size_t len = strlen(yaml);
    bool ok = write(fd, yaml, len) == (ssize_t)len;
    close(fd);
    tocsin_watchlist *wl = NULL;
    tocsin_error err = {0};
    if (!ok || tocsin_watchlist_load(path, &wl, &err) != TOCSIN_OK)
        wl = NULL;
    unlink(path);
    return wl;
}

static void test_nested_terms(void)
{
    enum { K = 12, WORDS = 3000 };
    char yaml[4096] = "topics:\n  - id: a\n    terms:\n";
    for (int k = 1; k <= K; k++) {
        strcat(yaml, "      - \"");
        for (int i = 0; i < k; i++)
            strcat(yaml, i ? " a" : "a");
        strcat(yaml, "\"\n");
    }
    tocsin_watchlist *wl = load(yaml);
    CHECK(wl != NULL);
    if (!wl)
        return;
    static char text[WORDS * 2];
    for (int i = 0; i < WORDS; i++) {
        text[2 * i] = 'a';
        text[2 * i + 1] = ' ';
    }
    size_t len = WORDS * 2 - 1;
    tocsin_matcher *m = NULL;
    tocsin_error err = {0};
    CHECK(tocsin_matcher_new(wl, &m, &err) == TOCSIN_OK);
    if (m) {
        const tocsin_match *hits;
        size_t n = 0;
        CHECK(tocsin_match_text(m, text, len, &hits, &n, &err) == TOCSIN_OK);
        size_t want = 0;
        for (int k = 1; k <= K; k++)
            want += WORDS - k + 1;
        CHECK_INT(n, want);
        CHECK_INT(unsorted(hits, n), 0);
        /* every hit is a whole run of its term's length */
        size_t wrong = 0;
        for (size_t i = 0; i < n; i++)
            if (hits[i].start % 2 || hits[i].end - hits[i].start != 2 * (hits[i].term + 1) - 1)
                wrong++;
        CHECK_INT(wrong, 0);
    }
    tocsin_matcher_free(m);
    tocsin_watchlist_free(wl);
}

static void test_sparse_terms(void)
{
    tocsin_watchlist *wl = load("topics:\n  - id: t\n    terms: [alpha, beta gamma, gamma, "
                                "\"alpha beta gamma delta\", delta]\n");
    CHECK(wl != NULL);
    if (!wl)
        return;
    static char text[200000];
    size_t len = 0, want = 0;
    /* each chunk ends with "q ", so no term spans two chunks */
    static const char *const chunks[] = {"alpha beta gamma delta q ", "zzz q ", "gamma q ",
                                         "beta q ", "delta alpha q "};
    static const size_t hits_of[] = {5, 0, 1, 0, 2}; /* alpha, beta gamma, gamma, whole, delta */
    uint32_t r = 12345;
    while (len + 32 < sizeof text) {
        r = r * 1103515245u + 12345u;
        size_t c = (r >> 16) % 5;
        size_t l = strlen(chunks[c]);
        memcpy(text + len, chunks[c], l);
        len += l;
        want += hits_of[c];
    }
    tocsin_matcher *m = NULL;
    tocsin_error err = {0};
    CHECK(tocsin_matcher_new(wl, &m, &err) == TOCSIN_OK);
    if (m) {
        const tocsin_match *hits;
        size_t n = 0;
        CHECK(tocsin_match_text(m, text, len, &hits, &n, &err) == TOCSIN_OK);
        CHECK_INT(n, want);
        CHECK_INT(unsorted(hits, n), 0);
    }
    tocsin_matcher_free(m);
    tocsin_watchlist_free(wl);
}

int main(void)
{
    RUN(test_nested_terms);
    RUN(test_sparse_terms);
    return check_summary();
}
