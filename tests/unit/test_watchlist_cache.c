/* test_watchlist_cache.c: the cache of compiled Hyperscan databases (src/match/dbcache.c,
 * tocsin_watchlist_opts.cache_dir). A first load compiles and files the database, a second one
 * reads it; an edited watchlist gets its own file; a cache file that is corrupt, truncated,
 * filed under another key, checksummed but not a Hyperscan database, writable by others, or not
 * a file at all is rejected and replaced, never used; an unusable cache directory costs the
 * compile and nothing else. Every watchlist loaded through the cache must match exactly like the
 * same watchlist loaded without it (literal-only and regex watchlists both). */
#include "check.h"
#include "match/match.h"
#include "tocsin.h"

#include <dirent.h>
#include <sodium.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_tmp[256];

static const char WL_LIT[] =
    "topics:\n"
    "  - id: iskp\n"
    "    terms: [ISKP, ISIS-K, Islamic State Khorasan, \"ولاية خراسان\"]\n"
    "    exclude: [Khorasan Razavi]\n"
    "  - id: dawla\n"
    "    terms: [\"الدولة\", \"北京\"]\n";

/* the same patterns under other topic names and labels */
static const char WL_LIT_RENAMED[] =
    "topics:\n"
    "  - id: first\n"
    "    label: First\n"
    "    terms: [ISKP, ISIS-K, Islamic State Khorasan, \"ولاية خراسان\"]\n"
    "    exclude: [Khorasan Razavi]\n"
    "  - id: second\n"
    "    terms: [\"الدولة\", \"北京\"]\n";

static const char WL_EDITED[] =
    "topics:\n"
    "  - id: iskp\n"
    "    terms: [ISKP, ISIS-K, Islamic State Khorasan, \"ولاية خراسان\", daesh]\n"
    "    exclude: [Khorasan Razavi]\n"
    "  - id: dawla\n"
    "    terms: [\"الدولة\", \"北京\"]\n";

static const char WL_REGEX[] =
    "topics:\n"
    "  - id: iskp\n"
    "    terms: [ISKP]\n"
    "    regex: ['kh[uo]r[ao]s+an\\s+province']\n";

static const char *const TEXTS[] = {
    "ISKP claimed it; isis_k too, and the Islamic State Khorasan",
    "وولاية خراسان، للدولة والدولة، 关于北京的报道",
    "Khorasan Razavi is not ISIS K. basis-kit, ISKPRO",
    "khurasan province and KHORASSAN  Province",
    "nothing here",
};

static void write_file(const char *path, const char *s, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fwrite(s, 1, n, f) == n);
    fclose(f);
}

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g_tmp, name);
}

/* Loads `yaml` (written to a file named `name`) with cache directory `dir` (NULL: none). */
static tocsin_watchlist *load(const char *name, const char *yaml, const char *dir)
{
    char p[512];
    path_in(p, sizeof p, name);
    write_file(p, yaml, strlen(yaml));
    tocsin_watchlist_opts o;
    tocsin_watchlist_opts_init(&o);
    o.cache_dir = dir;
    tocsin_watchlist *wl = NULL;
    tocsin_error err;
    tocsin_status st = tocsin_watchlist_load_opts(p, &o, &wl, &err);
    CHECK_INT(st, TOCSIN_OK);
    if (st != TOCSIN_OK)
        fprintf(stderr, "  load: %s\n", err.message);
    return st == TOCSIN_OK ? wl : NULL;
}

/* Every text gives the same matches with a and b. */
static void same_matches(const tocsin_watchlist *a, const tocsin_watchlist *b)
{
    CHECK(a && b);
    if (!a || !b)
        return;
    tocsin_norm *n = NULL;
    tocsin_matcher *ma = NULL, *mb = NULL;
    tocsin_error err;
    CHECK_INT(tocsin_norm_new(&n, &err), TOCSIN_OK);
    CHECK_INT(tocsin_matcher_new(a, &ma, &err), TOCSIN_OK);
    CHECK_INT(tocsin_matcher_new(b, &mb, &err), TOCSIN_OK);
    size_t total = 0;
    for (size_t t = 0; n && ma && mb && t < sizeof TEXTS / sizeof *TEXTS; t++) {
        const char *norm;
        size_t len, na, nb;
        const tocsin_match *xa, *xb;
        CHECK_INT(tocsin_normalize(n, TEXTS[t], strlen(TEXTS[t]), &norm, &len, NULL, &err),
                  TOCSIN_OK);
        CHECK_INT(tocsin_match_text(ma, norm, len, &xa, &na, &err), TOCSIN_OK);
        tocsin_match *copy = malloc((na ? na : 1) * sizeof *copy);
        memcpy(copy, xa, na * sizeof *copy);
        CHECK_INT(tocsin_match_text(mb, norm, len, &xb, &nb, &err), TOCSIN_OK);
        CHECK_INT(nb, na);
        for (size_t i = 0; i < na && i < nb; i++) {
            CHECK_INT(xb[i].topic, copy[i].topic);
            CHECK_INT(xb[i].term, copy[i].term);
            CHECK_INT(xb[i].start, copy[i].start);
            CHECK_INT(xb[i].end, copy[i].end);
        }
        total += na;
        free(copy);
    }
    CHECK(total >= 3); /* the texts do hold matches: the comparison is not vacuous */
    tocsin_matcher_free(ma);
    tocsin_matcher_free(mb);
    tocsin_norm_free(n);
}

/* The number of *.hsdb files in dir; the last one's path into out. */
static int cache_files(const char *dir, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".hsdb")) {
            n++;
            if (out)
                snprintf(out, cap, "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    return n;
}

static size_t file_read(const char *path, unsigned char **out)
{
    FILE *f = fopen(path, "rb");
    *out = NULL;
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc(n > 0 ? (size_t)n : 1);
    size_t got = fread(*out, 1, (size_t)n, f);
    fclose(f);
    return got;
}

static void test_off(void)
{
    tocsin_watchlist *a = load("off.yaml", WL_LIT, NULL);
    tocsin_watchlist *b = load("off.yaml", WL_LIT, "");
    CHECK(a && a->cache == MATCH_CACHE_OFF && !a->cache_stored);
    CHECK(b && b->cache == MATCH_CACHE_OFF && !b->cache_stored);
    /* the old entry point is the same as no cache */
    char p[512];
    path_in(p, sizeof p, "off.yaml");
    tocsin_watchlist *c = NULL;
    tocsin_error err;
    CHECK_INT(tocsin_watchlist_load(p, &c, &err), TOCSIN_OK);
    CHECK(c && c->cache == MATCH_CACHE_OFF);
    same_matches(a, c);
    tocsin_watchlist_free(a);
    tocsin_watchlist_free(b);
    tocsin_watchlist_free(c);
}

static void test_miss_then_hit(void)
{
    char dir[512], file[1024];
    path_in(dir, sizeof dir, "cache1/sub/dir"); /* parents are created */
    tocsin_watchlist *ref = load("a.yaml", WL_LIT, NULL);
    tocsin_watchlist *miss = load("a.yaml", WL_LIT, dir);
    CHECK(miss && miss->cache == MATCH_CACHE_MISS && miss->cache_stored);
    CHECK_INT(cache_files(dir, file, sizeof file), 1);
    struct stat sb;
    CHECK(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700);
    CHECK(stat(file, &sb) == 0 && (sb.st_mode & 0077) == 0);
    tocsin_watchlist *hit = load("a.yaml", WL_LIT, dir);
    CHECK(hit && hit->cache == MATCH_CACHE_HIT && !hit->cache_stored);
    CHECK_INT(cache_files(dir, NULL, 0), 1);
    same_matches(ref, miss);
    same_matches(ref, hit);
    /* the same patterns under other topic ids reuse the database; topics come from the file */
    tocsin_watchlist *ren = load("renamed.yaml", WL_LIT_RENAMED, dir);
    CHECK(ren && ren->cache == MATCH_CACHE_HIT);
    CHECK(ren && !strcmp(tocsin_watchlist_topic_id(ren, 0), "first"));
    same_matches(ref, ren);
    /* an edited watchlist is another database */
    tocsin_watchlist *ed_ref = load("e.yaml", WL_EDITED, NULL);
    tocsin_watchlist *ed = load("e.yaml", WL_EDITED, dir);
    CHECK(ed && ed->cache == MATCH_CACHE_MISS && ed->cache_stored);
    CHECK_INT(cache_files(dir, NULL, 0), 2);
    same_matches(ed_ref, ed);
    tocsin_watchlist *ed2 = load("e.yaml", WL_EDITED, dir);
    CHECK(ed2 && ed2->cache == MATCH_CACHE_HIT);
    same_matches(ed_ref, ed2);
    /* a watchlist with a regex (hs_compile_multi) too */
    tocsin_watchlist *rx_ref = load("r.yaml", WL_REGEX, NULL);
    tocsin_watchlist *rx = load("r.yaml", WL_REGEX, dir);
    tocsin_watchlist *rx2 = load("r.yaml", WL_REGEX, dir);
    CHECK(rx && rx->cache == MATCH_CACHE_MISS && rx2 && rx2->cache == MATCH_CACHE_HIT);
    same_matches(rx_ref, rx2);
    tocsin_watchlist *all[] = {ref, miss, hit, ren, ed_ref, ed, ed2, rx_ref, rx, rx2};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        tocsin_watchlist_free(all[i]);
}

/* Damages the single cache file of WL_LIT in a fresh directory with `damage`, then checks the
 * next load rejects it, still matches right, and replaces the file so the load after is a hit. */
static void damaged(const char *name, void (*damage)(const char *file, const char *dir))
{
    char dir[512], file[1024];
    snprintf(dir, sizeof dir, "%s/damage-%s", g_tmp, name);
    tocsin_watchlist *ref = load("d.yaml", WL_LIT, NULL);
    tocsin_watchlist *first = load("d.yaml", WL_LIT, dir);
    CHECK(first && first->cache == MATCH_CACHE_MISS);
    CHECK_INT(cache_files(dir, file, sizeof file), 1);
    damage(file, dir);
    tocsin_watchlist *bad = load("d.yaml", WL_LIT, dir);
    CHECK(bad && bad->cache == MATCH_CACHE_REJECTED);
    CHECK(bad && bad->cache_stored);
    same_matches(ref, bad);
    tocsin_watchlist *again = load("d.yaml", WL_LIT, dir);
    CHECK(again && again->cache == MATCH_CACHE_HIT);
    same_matches(ref, again);
    tocsin_watchlist_free(ref);
    tocsin_watchlist_free(first);
    tocsin_watchlist_free(bad);
    tocsin_watchlist_free(again);
}

static void flip_payload(const char *file, const char *dir)
{
    (void)dir;
    unsigned char *b;
    size_t n = file_read(file, &b);
    CHECK(n > 200);
    b[n / 2] ^= 0x40;
    write_file(file, (const char *)b, n);
    free(b);
}

static void truncate_file(const char *file, const char *dir)
{
    (void)dir;
    unsigned char *b;
    size_t n = file_read(file, &b);
    write_file(file, (const char *)b, n - 100);
    free(b);
}

static void empty_file(const char *file, const char *dir)
{
    (void)dir;
    write_file(file, "", 0);
}

static void other_key(const char *file, const char *dir)
{
    /* the file of another watchlist, renamed to this watchlist's name */
    char p[512], other[1024];
    path_in(p, sizeof p, "k.yaml");
    write_file(p, WL_EDITED, strlen(WL_EDITED));
    char sub[600];
    snprintf(sub, sizeof sub, "%s-other", dir);
    tocsin_watchlist *o = load("k.yaml", WL_EDITED, sub);
    CHECK(o && o->cache_stored);
    CHECK_INT(cache_files(sub, other, sizeof other), 1);
    CHECK(rename(other, file) == 0);
    tocsin_watchlist_free(o);
}

/* a well-formed file whose checksum is right but whose payload is not a Hyperscan database */
static void not_hyperscan(const char *file, const char *dir)
{
    (void)dir;
    unsigned char *b;
    size_t n = file_read(file, &b);
    CHECK(n > 80);
    for (size_t i = 80; i < n; i++)
        b[i] = (unsigned char)(i * 7);
    CHECK(sodium_init() >= 0);
    crypto_generichash(b + 48, 32, b + 80, n - 80, NULL, 0);
    write_file(file, (const char *)b, n);
    free(b);
}

static void world_writable(const char *file, const char *dir)
{
    (void)dir;
    CHECK(chmod(file, 0666) == 0);
}

static void bad_magic(const char *file, const char *dir)
{
    (void)dir;
    unsigned char *b;
    size_t n = file_read(file, &b);
    b[0] = 'X';
    write_file(file, (const char *)b, n);
    free(b);
}

static void test_corrupt(void)
{
    damaged("flip", flip_payload);
    damaged("truncated", truncate_file);
    damaged("empty", empty_file);
    damaged("otherkey", other_key);
    damaged("nothyperscan", not_hyperscan);
    damaged("writable", world_writable);
    damaged("magic", bad_magic);
}

/* A cache that cannot be used never fails the load. */
static void test_unusable(void)
{
    char file[512], dir[600], hsdb[1024];
    path_in(file, sizeof file, "plain-file");
    write_file(file, "x", 1);
    snprintf(dir, sizeof dir, "%s/sub", file); /* a directory under a regular file */
    tocsin_watchlist *ref = load("u.yaml", WL_LIT, NULL);
    tocsin_watchlist *a = load("u.yaml", WL_LIT, dir);
    CHECK(a && a->cache == MATCH_CACHE_MISS && !a->cache_stored);
    same_matches(ref, a);
    /* a directory where the cache file should be: rejected, and cannot be replaced */
    path_in(dir, sizeof dir, "dirclash");
    tocsin_watchlist *b = load("u.yaml", WL_LIT, dir);
    CHECK(b && b->cache_stored);
    CHECK_INT(cache_files(dir, hsdb, sizeof hsdb), 1);
    CHECK(unlink(hsdb) == 0 && mkdir(hsdb, 0700) == 0);
    tocsin_watchlist *c = load("u.yaml", WL_LIT, dir);
    CHECK(c && c->cache == MATCH_CACHE_REJECTED && !c->cache_stored);
    same_matches(ref, c);
    rmdir(hsdb);
    tocsin_watchlist_free(ref);
    tocsin_watchlist_free(a);
    tocsin_watchlist_free(b);
    tocsin_watchlist_free(c);
}

static void rm_tree(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", path);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(g_tmp, sizeof g_tmp, "%s/tocsin-wlcache-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(g_tmp)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_off);
    RUN(test_miss_then_hit);
    RUN(test_corrupt);
    RUN(test_unusable);
    rm_tree(g_tmp);
    return check_summary();
}
