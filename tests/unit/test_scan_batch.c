/* test_scan_batch.c: differential test of the scan pipeline's joined matching (several posts'
 * normalized texts matched in one call, see src/pipeline/scan.c) against the per-post path.
 * A post callback forces the per-post path, so the same scan run with and without one must give
 * the same count rows and summary, on generated posts full of edge cases: terms at the start and
 * end of texts, glued to other words, behind Arabic proclitics, inside exclusion phrases, across
 * newlines, in scripts written without spaces, and with posts lacking time, author or language,
 * over more posts than one batch holds, on one and two threads, with the language taken from the
 * input and detected from the original text; and that the language codes the pipeline remembers
 * per input field are those tocsin_lang_tag_normalize gives. Also checks when joining is allowed
 * (match_can_join), and norm_append (the normalizer writing texts one after another). */
#include "check.h"
#include "match/match.h"
#include "text/text.h"
#include "tocsin.h"

#include <stdint.h>
#include <unistd.h>

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint32_t prand(uint32_t n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 33) % n;
}

static const char WATCHLIST[] =
    "topics:\n"
    "  - id: iskp\n"
    "    terms: [ISKP, islamic state, \"ولاية خراسان\"]\n"
    "    exclude: [islamic state of mind]\n"
    "  - id: dawla\n"
    "    terms: [\"الدولة\", \"دولة\"]\n"
    "  - id: han\n"
    "    terms: [\"北京\", \"étude\", \"가\", \"각\"]\n"
    "  - id: multi\n"
    "    terms: [state of, \"mind\"]\n"
    "    exclude: [\"mind the gap\"]\n";

/* Words the posts are made of (JSON-escaped where needed). */
static const char *const WORDS[] = {
    "ISKP",     "iskp",      "iskpro",   "#ISKP",     "islamic",  "state",    "of",
    "mind",     "the",       "gap",      "Islamic",   "STATE",    "ولاية",    "خراسان",
    "وولاية",   "للولاية",   "سولاية",   "الدولة",    "للدولة",   "وللدولة",  "بالدولة",
    "دولة",     "سدولة",     "ولايةخراسان", "北京",   "在北京市", "étude",    "ÉTUDE",
    "e\\u0301tude", "x",     "42",       "ـــ",       "ال",       "mindful",  "état",
    "\\u1100",   "\\u1161",  "\\u11a8", "가",       "\\u1100\\u1161", "\\u200b", "\\u00a0",
};

static const char *const SEPS[] = {" ", " ", " ", "\\n", ", ", "", "-", "  ", "\\t", "."};

/* Writes `n` posts of JSON Lines to path. */
static int write_posts(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (int i = 0; i < n; i++) {
        fprintf(f, "{\"id\":\"%d\"", i);
        if (prand(10))
            fprintf(f, ",\"created_at\":%u", 1700000000u + prand(86400 * 20));
        if (prand(5))
            fprintf(f, ",\"author\":\"u%u\"", prand(40));
        /* more distinct fields than the pipeline remembers (16), in many spellings */
        static const char *const langs[] = {
            "en",    "ar",    "fa",    "zh",    "xx-bad", "EN",    "en-US", "en_GB", "ar-EG",
            "AR",    "fas",   "per",   "zh-Hant", "zh-CN", "ru",   "uk",    "ps",    "ur",
            "und",   "",      "es",    "de",    "fr-CA", "1234",  "e",     "toolongtobeatag-x-y",
            "pt-BR", "ja",    "ko",    "tr",    "it",    "nl"};
        if (prand(3))
            fprintf(f, ",\"lang\":\"%s\"", langs[prand(sizeof langs / sizeof *langs)]);
        fputs(",\"text\":\"", f);
        int words = (int)prand(14);
        for (int k = 0; k < words; k++) {
            if (k)
                fputs(SEPS[prand(sizeof SEPS / sizeof *SEPS)], f);
            fputs(WORDS[prand(sizeof WORDS / sizeof *WORDS)], f);
        }
        fputs("\"}\n", f);
    }
    return fclose(f);
}

typedef struct sink {
    uint64_t seen;
    uint64_t lang_wrong; /* posts counted under another code than their field's own */
    bool check_lang;
} sink;

/* Counts posts and, when the language is the input's, checks the code the pipeline used (it
 * remembers codes of fields seen before) against a fresh tocsin_lang_tag_normalize. */
static tocsin_status count_posts(void *ctx, unsigned worker, const tocsin_post_info *info,
                                 tocsin_error *err)
{
    (void)worker;
    (void)err;
    sink *s = ctx;
    __atomic_add_fetch(&s->seen, 1, __ATOMIC_RELAXED);
    if (s->check_lang) {
        char code[16];
        if (!tocsin_lang_tag_normalize(info->post->lang, NULL, code, 12))
            strcpy(code, "und");
        if (strcmp(code, info->lang) != 0)
            __atomic_add_fetch(&s->lang_wrong, 1, __ATOMIC_RELAXED);
    }
    return TOCSIN_OK;
}

static tocsin_status run(const tocsin_watchlist *wl, const tocsin_langid *langid,
                         const char *path, unsigned threads, bool per_post,
                         tocsin_scan_result **res, sink *seen)
{
    tocsin_scan_opts o;
    tocsin_scan_opts_init(&o);
    o.watchlist = wl;
    o.threads = threads;
    o.langid = langid; /* with one, languages are detected from the original text */
    o.lang_source = langid ? TOCSIN_LANG_SOURCE_DETECT : TOCSIN_LANG_SOURCE_INPUT;
    if (per_post) {
        o.on_post = count_posts;
        o.on_post_ctx = seen;
    }
    tocsin_error err = {0};
    const char *paths[] = {path};
    return tocsin_scan(&o, paths, 1, res, &err);
}

static bool same_rows(const tocsin_scan_result *a, const tocsin_scan_result *b)
{
    const tocsin_count_row *ra, *rb;
    size_t na = tocsin_scan_rows(a, &ra), nb = tocsin_scan_rows(b, &rb);
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (ra[i].topic != rb[i].topic || strcmp(ra[i].lang, rb[i].lang) != 0 ||
            ra[i].bucket != rb[i].bucket || ra[i].posts != rb[i].posts ||
            ra[i].authors != rb[i].authors)
            return false;
    return true;
}

static void test_joined_equals_per_post(void)
{
    char wpath[] = "/tmp/test_scan_batch_wl_XXXXXX", ppath[] = "/tmp/test_scan_batch_in_XXXXXX";
    int fd1 = mkstemp(wpath), fd2 = mkstemp(ppath);
    CHECK(fd1 >= 0 && fd2 >= 0);
    if (fd1 < 0 || fd2 < 0)
        return;
    CHECK(write(fd1, WATCHLIST, sizeof WATCHLIST - 1) == (ssize_t)(sizeof WATCHLIST - 1));
    close(fd1);
    close(fd2);
    const int nposts = 30000; /* several batches (a batch holds at most 8,192 posts, 512 KiB of text) */
    CHECK(write_posts(ppath, nposts) == 0);
    tocsin_watchlist *wl = NULL;
    tocsin_error err = {0};
    CHECK(tocsin_watchlist_load(wpath, &wl, &err) == TOCSIN_OK);
    tocsin_langid *langid = NULL;
    CHECK(tocsin_langid_new(NULL, &langid, &err) == TOCSIN_OK);
    if (wl) {
        CHECK(match_can_join(wl, '\n'));
        for (unsigned mode = 0; mode < 4; mode++) {
            unsigned threads = 1 + (mode & 1);
            const tocsin_langid *li = mode & 2 ? langid : NULL;
            tocsin_scan_result *joined = NULL, *single = NULL;
            sink seen = {0, 0, li == NULL};
            CHECK(run(wl, li, ppath, threads, false, &joined, NULL) == TOCSIN_OK);
            CHECK(run(wl, li, ppath, threads, true, &single, &seen) == TOCSIN_OK);
            CHECK_INT(seen.seen, nposts); /* the callback did run: the per-post path */
            CHECK_INT(seen.lang_wrong, 0);
            if (joined && single) {
                const tocsin_scan_summary *a = tocsin_scan_get_summary(joined);
                const tocsin_scan_summary *b = tocsin_scan_get_summary(single);
                CHECK_INT(a->posts, nposts);
                CHECK_INT(a->posts, b->posts);
                CHECK_INT(a->matched, b->matched);
                CHECK_INT(a->no_time, b->no_time);
                CHECK(a->matched > 1000 && a->matched < (uint64_t)nposts); /* real work */
                CHECK(same_rows(joined, single));
                const tocsin_count_row *r;
                CHECK(tocsin_scan_rows(joined, &r) > 50);
            }
            tocsin_scan_result_free(joined);
            tocsin_scan_result_free(single);
        }
        tocsin_watchlist_free(wl);
    }
    tocsin_langid_free(langid);
    unlink(wpath);
    unlink(ppath);
}

/* Joining is refused for a regex (it could anchor on or cross the separator), for a separator a
 * literal holds, and for a separator that is a word character or not ASCII. */
static void test_can_join(void)
{
    static const char *const lists[] = {
        "topics:\n  - id: a\n    terms: [alpha]\n    regex: ['be+ta']\n",
        "topics:\n  - id: a\n    terms: [alpha, \"x;y\"]\n",
    };
    char wpath[] = "/tmp/test_scan_batch_wl_XXXXXX";
    int fd = mkstemp(wpath);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    for (size_t i = 0; i < 2; i++) {
        FILE *f = fopen(wpath, "w");
        CHECK(f != NULL);
        if (!f)
            break;
        fputs(lists[i], f);
        fclose(f);
        tocsin_watchlist *wl = NULL;
        tocsin_error err = {0};
        CHECK(tocsin_watchlist_load(wpath, &wl, &err) == TOCSIN_OK);
        if (!wl)
            continue;
        if (i == 0) {
            CHECK(!match_can_join(wl, '\n'));
        } else {
            CHECK(match_can_join(wl, '\n'));
            CHECK(!match_can_join(wl, ';'));
            CHECK(!match_can_join(wl, 'q'));
            CHECK(!match_can_join(wl, '7'));
            CHECK(!match_can_join(wl, 0xC3));
            CHECK(!match_can_join(wl, 0));
        }
        tocsin_watchlist_free(wl);
    }
    CHECK(!match_can_join(NULL, '\n'));
    unlink(wpath);
}

/* norm_append: texts normalized one after the other into one buffer, each after a '\n', give
 * byte for byte what each gives alone; nothing composes (Hangul jamo) or collapses (separators)
 * across the '\n'. */
static void test_norm_append(void)
{
    static const char *const parts[] = {
        "ISKP", " lead", "trail ", "\xe1\x84\x80", "\xe1\x85\xa1", "\xe1\x86\xa8", "가",
        "\xe2\x80\x8b", "\xc2\xa0", "\xd9\x80\xd9\x80", "ولاية", "É", "e\xcc\x81", "-", "_",
        "北京", "\xff", "\xe1\x84", "x", "\xef\xbc\xa1", "\xd8\xa3\xd9\x84", "\n", "",
    };
    const size_t np = sizeof parts / sizeof *parts;
    tocsin_norm *alone = NULL, *joined = NULL;
    tocsin_error err = {0};
    CHECK(tocsin_norm_new(&alone, &err) == TOCSIN_OK);
    CHECK(tocsin_norm_new(&joined, &err) == TOCSIN_OK);
    if (!alone || !joined)
        goto out;
    char text[256];
    size_t offs[64], lens[64], keep = 0, bad = 0;
    static char expect[64][1024];
    for (int round = 0; round < 2000; round++) {
        size_t ntexts = 1 + prand(40);
        keep = 0;
        for (size_t k = 0; k < ntexts; k++) {
            size_t tl = 0;
            for (uint32_t w = prand(6); w > 0; w--) {
                const char *q = parts[prand((uint32_t)np)];
                size_t ql = strlen(q);
                if (tl + ql < sizeof text) {
                    memcpy(text + tl, q, ql);
                    tl += ql;
                }
            }
            const char *o;
            size_t ol = 0, total = 0;
            CHECK(tocsin_normalize(alone, text, tl, &o, &ol, NULL, &err) == TOCSIN_OK);
            if (ol >= sizeof expect[k])
                ol = sizeof expect[k] - 1;
            memcpy(expect[k], o, ol);
            lens[k] = ol;
            CHECK(norm_append(joined, keep, text, tl, &total, &err) == TOCSIN_OK);
            offs[k] = keep;
            if (total - keep != lens[k])
                bad++;
            joined->out[total] = '\n';
            keep = total + 1;
        }
        for (size_t k = 0; k < ntexts; k++)
            if (memcmp(joined->out + offs[k], expect[k], lens[k]) != 0 ||
                joined->out[offs[k] + lens[k]] != '\n')
                bad++;
    }
    CHECK_INT(bad, 0);
    /* misuse: appending after a space would let a separator collapse across texts */
    size_t total;
    CHECK(norm_append(joined, 0, "a ", 2, &total, &err) == TOCSIN_OK);
    CHECK_INT(total, 2);
    CHECK(norm_append(joined, 2, "b", 1, &total, &err) == TOCSIN_ERR_USAGE);
    CHECK(norm_append(joined, 0, NULL, 3, &total, &err) == TOCSIN_ERR_USAGE);
out:
    tocsin_norm_free(alone);
    tocsin_norm_free(joined);
}

int main(void)
{
    RUN(test_joined_equals_per_post);
    RUN(test_can_join);
    RUN(test_norm_append);
    return check_summary();
}
