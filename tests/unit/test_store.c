/* test_store.c: the store end to end through the library: overlapping exports, duplicated
 * lines, re-ingested files and posts without ids count once; an interrupted ingest completed
 * later equals a one-shot ingest; a copy-paste flood is one unique post; no raw author id in the
 * database unless asked; the key file; rescan; the repost mode; trend denominators; coverage;
 * `cluster` rows exactly where readers look for them (schema 2) and the upgrade of a schema 1
 * store. */
#include "check.h"
#include "tocsin.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static tocsin_watchlist *wl_fire, *wl_both;
static int warnings;

static void count_warn(void *ctx, const tocsin_error *w)
{
    (void)ctx;
    (void)w;
    warnings++;
}

static const char *path_of(const char *name)
{
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "w");
    fputs(text, f);
    fclose(f);
}

/* One JSON line: id (NULL = none), epoch time, author, channel, text. */
static void line(char *out, size_t cap, const char *id, long ts, const char *author,
                 const char *chan, const char *text)
{
    char idpart[64] = "";
    if (id)
        snprintf(idpart, sizeof idpart, "\"id\":\"%s\",", id);
    snprintf(out, cap,
             "{%s\"created_at\":%ld,\"author\":\"%s\",\"channel\":\"%s\",\"lang\":\"en\","
             "\"text\":\"%s\"}\n",
             idpart, ts, author, chan, text);
}

/* Posts first..last of a synthetic channel export: every third mentions a wildfire, every
 * fifth an earthquake. */
static char *export_range(int first, int last, bool twice)
{
    size_t cap = (size_t)(last - first + 1) * 512 * 2 + 1;
    char *s = malloc(cap);
    size_t n = 0;
    s[0] = '\0';
    for (int i = first; i <= last; i++) {
        char id[32], text[200], author[32], l[512];
        snprintf(id, sizeof id, "%d", i);
        snprintf(author, sizeof author, "user%d", i % 17);
        snprintf(text, sizeof text, "%s report number %d from the valley %s %s", i % 3 ? "daily" : "wildfire",
                 i, i % 5 ? "calm" : "earthquake felt", i % 2 ? "alpha beta gamma" : "delta epsilon zeta");
        line(l, sizeof l, id, 1629000000L + i * 1800L, author, i % 4 ? "chanA" : "chanB", text);
        for (int k = 0; k < (twice ? 2 : 1); k++) {
            memcpy(s + n, l, strlen(l) + 1);
            n += strlen(l);
        }
    }
    return s;
}

/* Gives a new store the same pseudonymization key as the others, so that author sketches of
 * two stores built from the same posts compare byte for byte. */
static void shared_key(const char *db)
{
    char kp[300];
    snprintf(kp, sizeof kp, "%s.key", path_of(db));
    if (access(kp, F_OK) == 0 || access(path_of(db), F_OK) == 0)
        return;
    FILE *f = fopen(kp, "wb");
    fwrite("0123456789abcdef0123456789abcdef", 1, 32, f);
    fclose(f);
    chmod(kp, 0600);
}

static tocsin_status ingest(const char *db, const tocsin_watchlist *wl, const char **files,
                            size_t n, tocsin_reposts mode, bool keep, tocsin_ingest_summary *sum,
                            tocsin_error *err)
{
    tocsin_store *s = NULL;
    shared_key(db);
    tocsin_status st = tocsin_store_open(path_of(db), false, count_warn, NULL, &s, err);
    if (st != TOCSIN_OK)
        return st;
    tocsin_ingest_opts o;
    tocsin_ingest_opts_init(&o);
    o.scan.watchlist = wl;
    o.scan.lang_source = TOCSIN_LANG_SOURCE_INPUT;
    o.reposts = mode;
    o.keep_authors = keep;
    o.batch_posts = 7; /* many commits */
    const char *paths[16];
    for (size_t i = 0; i < n; i++)
        paths[i] = path_of(files[i]);
    st = tocsin_ingest(s, &o, paths, n, sum, err);
    tocsin_store_close(s);
    return st;
}

static long long q_int(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *q;
    long long v = -1;
    if (sqlite3_open_v2(path_of(db), &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    } else {
        fprintf(stderr, "  sql error: %s\n", sqlite3_errmsg(h));
    }
    sqlite3_close(h);
    return v;
}

/* Every row of a query, as text, for comparing two stores. malloc'd. */
static char *q_dump(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *q;
    size_t cap = 1 << 16, n = 0;
    char *out = calloc(cap, 1);
    if (sqlite3_open_v2(path_of(db), &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(q); c++) {
                char cell[256];
                if (sqlite3_column_type(q, c) == SQLITE_BLOB) {
                    unsigned long long h2 = 1469598103934665603ULL;
                    const unsigned char *b = sqlite3_column_blob(q, c);
                    for (int i = 0; i < sqlite3_column_bytes(q, c); i++)
                        h2 = (h2 ^ b[i]) * 1099511628211ULL;
                    snprintf(cell, sizeof cell, "blob:%llx|", h2);
                } else {
                    const unsigned char *t = sqlite3_column_text(q, c);
                    snprintf(cell, sizeof cell, "%s|", t ? (const char *)t : "NULL");
                }
                size_t l = strlen(cell);
                if (n + l + 2 >= cap) {
                    cap *= 2;
                    out = realloc(out, cap);
                }
                memcpy(out + n, cell, l + 1);
                n += l;
            }
            out[n++] = '\n';
            out[n] = '\0';
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(h);
    return out;
}

static const char counts_sql[] =
    "SELECT t.name, x.lang, c.channel, x.hour, x.posts, x.uniq, x.authors FROM counts x"
    " JOIN topic t ON t.id = x.topic JOIN channel c ON c.id = x.channel"
    " ORDER BY t.name, x.lang, c.channel, x.hour";
static const char totals_sql[] =
    "SELECT x.lang, c.channel, x.hour, x.posts, x.uniq, x.authors FROM totals x"
    " JOIN channel c ON c.id = x.channel ORDER BY x.lang, c.channel, x.hour";

static void test_overlap_and_duplicates(void)
{
    char *a = export_range(1, 100, false), *b = export_range(51, 150, false),
         *c = export_range(1, 100, true), *all = export_range(1, 150, false);
    write_file("a.jsonl", a);
    write_file("b.jsonl", b);
    write_file("c.jsonl", c);
    write_file("all.jsonl", all);
    tocsin_ingest_summary sum;
    tocsin_error err;
    const char *files[] = {"a.jsonl", "b.jsonl", "c.jsonl"};
    CHECK_INT(ingest("ov.db", wl_both, files, 3, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    CHECK_INT(sum.posts, 100 + 100 + 200);
    CHECK_INT(sum.new_posts, 150);
    CHECK_INT(sum.duplicates, 250);
    CHECK_INT(q_int("ov.db", "SELECT sum(posts) FROM totals"), 150);
    CHECK_INT(q_int("ov.db", "SELECT count(*) FROM seen"), 150);
    CHECK_INT(q_int("ov.db", "SELECT sum(x.posts) FROM counts x JOIN topic t ON t.id = x.topic"
                             " WHERE t.name = 'fire'"), 50);   /* i % 3 == 0 in 1..150 */
    CHECK_INT(q_int("ov.db", "SELECT sum(x.posts) FROM counts x JOIN topic t ON t.id = x.topic"
                             " WHERE t.name = 'quake'"), 30);  /* i % 5 == 0 */
    CHECK_INT(q_int("ov.db", "SELECT count(*) FROM post"), 50 + 30 - 10);
    /* the de-duplicated input in one file gives the same tables */
    const char *one[] = {"all.jsonl"};
    CHECK_INT(ingest("ref.db", wl_both, one, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    char *x = q_dump("ov.db", counts_sql), *y = q_dump("ref.db", counts_sql);
    CHECK(strlen(x) > 100 && !strcmp(x, y));
    if (strcmp(x, y))
        fprintf(stderr, "--- ov\n%.600s\n--- ref\n%.600s\n", x, y);
    free(x), free(y);
    x = q_dump("ov.db", totals_sql), y = q_dump("ref.db", totals_sql);
    CHECK(strlen(x) > 100 && !strcmp(x, y));
    free(x), free(y);
    free(a), free(b), free(c), free(all);
}

static void test_reingest(void)
{
    tocsin_ingest_summary sum;
    tocsin_error err;
    const char *files[] = {"a.jsonl"};
    CHECK_INT(ingest("ov.db", wl_both, files, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    CHECK_INT(sum.files_skipped, 1);
    CHECK_INT(sum.posts, 0);
    /* a changed mtime makes it read again: every post is already there */
    struct timespec ts[2] = {{0, UTIME_NOW}, {1000, 0}};
    utimensat(AT_FDCWD, path_of("a.jsonl"), ts, 0);
    CHECK_INT(ingest("ov.db", wl_both, files, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    CHECK_INT(sum.files_skipped, 0);
    CHECK_INT(sum.posts, 100);
    CHECK_INT(sum.new_posts, 0);
    CHECK_INT(q_int("ov.db", "SELECT sum(posts) FROM totals"), 150);
    CHECK_INT(q_int("ov.db", "SELECT count(*) FROM source WHERE status = 'complete'"), 3);
    CHECK_INT(q_int("ov.db", "SELECT count(*) FROM source WHERE length(sha256) = 64"), 3);
}

/* Posts without ids: identical lines count once, other content counts. */
static void test_content_hash(void)
{
    char l1[512], l2[512], l3[512], buf[2600];
    line(l1, sizeof l1, NULL, 1629000000L, "u1", "chanC", "a wildfire near the lake");
    line(l2, sizeof l2, NULL, 1629000000L, "u1", "chanC", "a wildfire near the river");
    line(l3, sizeof l3, NULL, 1629003600L, "u1", "chanC", "a wildfire near the lake");
    snprintf(buf, sizeof buf, "%s%s%s%s%s", l1, l2, l1, l3, l1);
    write_file("noid.jsonl", buf);
    tocsin_ingest_summary sum;
    tocsin_error err;
    const char *files[] = {"noid.jsonl"};
    CHECK_INT(ingest("noid.db", wl_fire, files, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    CHECK_INT(sum.new_posts, 3);
    CHECK_INT(sum.duplicates, 2);
    /* l3 is the same text an hour later by the same author: a new post, not a new content */
    CHECK_INT(q_int("noid.db", "SELECT sum(uniq) FROM totals"), 2);
}

/* 400 copies of one message with other links, numbers and mentions: one unique post. */
static void test_flood(void)
{
    size_t cap = 400 * 512;
    char *s = malloc(cap), l[512];
    size_t n = 0;
    for (int i = 0; i < 400; i++) {
        char id[32], text[256], author[32];
        snprintf(id, sizeof id, "f%d", i);
        snprintf(author, sizeof author, "bot%d", i % 40);
        snprintf(text, sizeof text,
                 "@target%d join us now the wildfire spreads toward the northern villages and "
                 "nobody is helping https://t.me/x%d share before %d pm", i, i * 7, i % 12);
        line(l, sizeof l, id, 1629000000L + i * 60L, author, i % 2 ? "chanF" : "chanG", text);
        memcpy(s + n, l, strlen(l) + 1);
        n += strlen(l);
    }
    write_file("flood.jsonl", s);
    free(s);
    tocsin_ingest_summary sum;
    tocsin_error err;
    const char *files[] = {"flood.jsonl"};
    CHECK_INT(ingest("flood.db", wl_fire, files, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    CHECK_INT(sum.new_posts, 400);
    CHECK_INT(sum.unique, 1);
    CHECK_INT(q_int("flood.db", "SELECT sum(posts) FROM counts"), 400);
    CHECK_INT(q_int("flood.db", "SELECT sum(uniq) FROM counts"), 1);
    CHECK_INT(q_int("flood.db", "SELECT count(DISTINCT cluster) FROM post"), 1);
    CHECK_INT(q_int("flood.db", "SELECT count(*) FROM seen WHERE c < 0"), 1); /* the opener */
    /* through trend: one day, 400 posts, 1 unique, 40 authors */
    tocsin_store *st = NULL;
    CHECK_INT(tocsin_store_open(path_of("flood.db"), true, NULL, NULL, &st, &err), TOCSIN_OK);
    tocsin_trend_query q = {"fire", NULL, NULL, TOCSIN_BY_DAY};
    tocsin_trend_row *rows = NULL;
    size_t nr = 0;
    CHECK_INT(tocsin_store_trend(st, &q, &rows, &nr, &err), TOCSIN_OK);
    CHECK_INT(nr, 1);
    if (nr == 1) {
        CHECK_INT(rows[0].posts, 400);
        CHECK_INT(rows[0].unique, 1);
        CHECK_INT(rows[0].authors, 40);
        CHECK_INT(rows[0].total_posts, 400);
        CHECK_INT(rows[0].channels, 2);
    }
    free(rows);
    tocsin_store_close(st);
}

static bool file_has(const char *name, const char *needle)
{
    FILE *f = fopen(path_of(name), "rb");
    if (!f)
        return false;
    size_t cap = 1 << 20, n = 0, k;
    char *b = malloc(cap);
    while ((k = fread(b + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    bool found = memmem(b, n, needle, strlen(needle)) != NULL;
    free(b);
    return found;
}

static void test_privacy(void)
{
    /* ov.db was built without --keep-authors: no "user<N>" anywhere in its files */
    CHECK(!file_has("ov.db", "user1"));
    CHECK(!file_has("ov.db-wal", "user1"));
    CHECK(q_int("ov.db", "SELECT count(*) FROM post WHERE length(author) = 32") > 0);
    struct stat sb;
    CHECK(stat(path_of("ov.db.key"), &sb) == 0 && (sb.st_mode & 0777) == 0600);
    /* with --keep-authors the evidence has them */
    const char *files[] = {"a.jsonl"};
    tocsin_ingest_summary sum;
    tocsin_error err;
    CHECK_INT(ingest("keep.db", wl_both, files, 1, TOCSIN_REPOSTS_COUNT, true, &sum, &err),
              TOCSIN_OK);
    CHECK_INT(q_int("keep.db", "SELECT count(*) FROM post WHERE author LIKE 'user%'"), 47);
    /* losing the key: a warning, a new key, the store still works */
    unlink(path_of("keep.db.key"));
    warnings = 0;
    const char *more[] = {"b.jsonl"};
    CHECK_INT(ingest("keep.db", wl_both, more, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    CHECK_INT(warnings, 1);
    CHECK_INT(sum.new_posts, 50);
    CHECK(stat(path_of("keep.db.key"), &sb) == 0 && (sb.st_mode & 0777) == 0600);
    /* a key readable by others is refused */
    chmod(path_of("keep.db.key"), 0644);
    tocsin_store *s = NULL;
    CHECK_INT(tocsin_store_open(path_of("keep.db"), false, NULL, NULL, &s, &err), TOCSIN_ERR_IO);
    CHECK(strstr(err.message, "chmod 600") != NULL);
    chmod(path_of("keep.db.key"), 0600);
}

/* An ingest that stopped after some posts (here: the file was shorter then), completed by a
 * second run, equals one run over everything. */
static void test_resume(void)
{
    char *half = export_range(1, 70, false), *full = export_range(1, 150, false);
    write_file("grow.jsonl", half);
    tocsin_ingest_summary sum;
    tocsin_error err;
    const char *files[] = {"grow.jsonl"};
    CHECK_INT(ingest("resume.db", wl_both, files, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    write_file("grow.jsonl", full);
    CHECK_INT(ingest("resume.db", wl_both, files, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    CHECK_INT(sum.new_posts, 80);
    CHECK_INT(sum.duplicates, 70);
    char *x = q_dump("resume.db", counts_sql), *y = q_dump("ref.db", counts_sql);
    CHECK(!strcmp(x, y));
    free(x), free(y);
    x = q_dump("resume.db", totals_sql), y = q_dump("ref.db", totals_sql);
    CHECK(!strcmp(x, y));
    free(x), free(y);
    free(half), free(full);
}

static void test_rescan(void)
{
    const char *files[] = {"all.jsonl"};
    tocsin_ingest_summary sum;
    tocsin_error err;
    CHECK_INT(ingest("rs.db", wl_fire, files, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    CHECK_INT(q_int("rs.db", "SELECT count(*) FROM counts x JOIN topic t ON t.id = x.topic"
                             " WHERE t.name = 'quake'"), 0);
    tocsin_store *s = NULL;
    CHECK_INT(tocsin_store_open(path_of("rs.db"), false, NULL, NULL, &s, &err), TOCSIN_OK);
    tocsin_ingest_opts o;
    tocsin_ingest_opts_init(&o);
    o.scan.watchlist = wl_both;
    o.scan.lang_source = TOCSIN_LANG_SOURCE_INPUT;
    char **missing = NULL;
    size_t nm = 0;
    CHECK_INT(tocsin_rescan(s, &o, &sum, &missing, &nm, &err), TOCSIN_OK);
    CHECK_INT(nm, 0);
    tocsin_paths_free(missing, nm);
    tocsin_store_close(s);
    char *x = q_dump("rs.db", counts_sql), *y = q_dump("ref.db", counts_sql);
    CHECK(!strcmp(x, y));
    free(x), free(y);
    CHECK_INT(q_int("rs.db", "SELECT count(*) FROM post"), 70);
    CHECK_INT(q_int("rs.db", "SELECT sum(posts) FROM totals"), 150);
}


static long long rescan_with(const char *db, const tocsin_watchlist *wl)
{
    tocsin_store *s = NULL;
    tocsin_error err;
    tocsin_ingest_summary sum;
    if (tocsin_store_open(path_of(db), false, NULL, NULL, &s, &err) != TOCSIN_OK)
        return -1;
    tocsin_ingest_opts o;
    tocsin_ingest_opts_init(&o);
    o.scan.watchlist = wl;
    o.scan.lang_source = TOCSIN_LANG_SOURCE_INPUT;
    char **missing = NULL;
    size_t nm = 0;
    tocsin_status st = tocsin_rescan(s, &o, &sum, &missing, &nm, &err);
    tocsin_paths_free(missing, nm);
    tocsin_store_close(s);
    return st;
}

/* Schema 2 writes a `cluster` row (id, first key) only for clusters a reader looks up: one
 * whose opening post is kept as evidence, or one that another post joined (surges look up the
 * original of each cluster of evidence). A singleton that matched nothing gets none (one B-tree
 * insert per post saved); a rescan that keeps it as evidence adds its row. */
static void test_cluster_rows(void)
{
    char l[4][512], buf[2100];
    line(l[0], sizeof l[0], "c1", 1629000000L, "u1", "chanK",
         "the harbour cranes stood idle all morning under grey skies");
    line(l[1], sizeof l[1], "c2", 1629000060L, "u2", "chanK",
         "volunteers handed out bread and water at the old station near the square today");
    line(l[2], sizeof l[2], "c3", 1629000120L, "u3", "chanK",
         "volunteers handed out bread and water at the old station near the square today wildfire");
    line(l[3], sizeof l[3], "c4", 1629000180L, "u4", "chanK",
         "a wildfire was reported near the northern ridge this afternoon by hikers");
    snprintf(buf, sizeof buf, "%s%s%s%s", l[0], l[1], l[2], l[3]);
    write_file("cl.jsonl", buf);
    tocsin_ingest_summary sum;
    tocsin_error err;
    const char *files[] = {"cl.jsonl"};
    CHECK_INT(ingest("cl.db", wl_fire, files, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    CHECK_INT(sum.new_posts, 4);
    CHECK_INT(sum.unique, 3); /* c3 joins c2's cluster */
    CHECK_INT(q_int("cl.db", "SELECT count(*) FROM post"), 2);
    CHECK_INT(q_int("cl.db", "SELECT count(*) FROM cluster"), 2);
    /* c2 matched nothing but c3 joined it: its row names c2, the post that opened it */
    CHECK_INT(q_int("cl.db", "SELECT count(*) FROM post p JOIN cluster c ON c.id = p.cluster"
                             " JOIN seen s ON s.k = c.first_key WHERE s.c = -c.id"), 2);
    CHECK_INT(q_int("cl.db", "SELECT count(*) FROM post p JOIN cluster c ON c.id = p.cluster"
                             " WHERE c.first_key = p.key"), 1); /* c4 opened its own */
    CHECK_INT(q_int("cl.db", "SELECT count(*) FROM cluster_sigs"), 1);
    CHECK_INT(q_int("cl.db", "SELECT sum(last - first + 1) FROM cluster_sigs"), 3);
    CHECK_INT(q_int("cl.db", "SELECT sum(length(sigs)) FROM cluster_sigs"), 3 * 48);
    /* c1 kept as evidence by a rescan: its cluster gets its row */
    write_file("cranes.yaml", "topics:\n  - id: fire\n    terms: [wildfire]\n"
                              "  - id: port\n    terms: [cranes]\n");
    tocsin_watchlist *wl = NULL;
    CHECK_INT(tocsin_watchlist_load(path_of("cranes.yaml"), &wl, &err), TOCSIN_OK);
    CHECK_INT(rescan_with("cl.db", wl), TOCSIN_OK);
    tocsin_watchlist_free(wl);
    CHECK_INT(q_int("cl.db", "SELECT count(*) FROM post"), 3);
    CHECK_INT(q_int("cl.db", "SELECT count(*) FROM cluster"), 3);
    CHECK_INT(q_int("cl.db", "SELECT count(*) FROM post p JOIN cluster c ON c.id = p.cluster"
                             " JOIN seen s ON s.k = c.first_key WHERE s.c = -c.id"), 3);
}

/* Posts first..last of varied texts (12 words of 60, chosen by a hash of the post and word
 * number): every fourth mentions a wildfire, every tenth repeats its predecessor's words. */
static void write_mixed(const char *name, int first, int last)
{
    static const char *const vocab[] = {
        "river", "bridge", "market", "council", "train", "harbour", "school", "festival",
        "storm", "election", "museum", "garden", "factory", "airport", "hospital", "library",
        "stadium", "village", "forest", "mountain", "island", "desert", "valley", "canal",
        "tower", "castle", "temple", "station", "square", "street", "road", "farm", "mine",
        "port", "beach", "lake", "park", "zoo", "bank", "court", "prison", "church", "mosque",
        "bazaar", "clinic", "bakery", "cinema", "theatre", "office", "camp", "border", "field",
        "orchard", "quarry", "dam", "pier", "plaza", "alley", "ridge", "meadow"};
    size_t cap = (size_t)(last - first + 1) * 512 + 1, n = 0;
    char *s = malloc(cap);
    s[0] = '\0';
    for (int i = first; i <= last; i++) {
        char text[300] = "", id[32], author[32], l[512];
        int src = i % 10 == 0 ? i - 1 : i;
        size_t tl = 0;
        for (int j = 0; j < 12; j++) {
            unsigned long long h = (unsigned long long)src * 0x9e3779b97f4a7c15ULL + (unsigned)j;
            h ^= h >> 29;
            h *= 0xbf58476d1ce4e5b9ULL;
            h ^= h >> 32;
            tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s%s", j ? " " : "",
                                   vocab[h % (sizeof vocab / sizeof vocab[0])]);
        }
        if (i % 4 == 0)
            snprintf(text + tl, sizeof text - tl, " wildfire");
        snprintf(id, sizeof id, "m%d", i);
        snprintf(author, sizeof author, "user%d", i % 23);
        line(l, sizeof l, id, 1629000000L + i * 700L, author, i % 3 ? "chanM" : "chanN", text);
        memcpy(s + n, l, strlen(l) + 1);
        n += strlen(l);
    }
    write_file(name, s);
    free(s);
}

static const char sigs_sql[] =
    "WITH RECURSIVE r(chunk, i) AS (SELECT first, 0 FROM cluster_sigs UNION ALL"
    " SELECT r.chunk, r.i + 1 FROM r JOIN cluster_sigs c ON c.first = r.chunk"
    " WHERE r.i < c.last - c.first)"
    " SELECT c.first + r.i, substr(c.sigs, r.i * 48 + 1, 48) FROM r"
    " JOIN cluster_sigs c ON c.first = r.chunk ORDER BY 1";

/* A schema 1 store (one `cluster_sig` row per cluster, a `cluster` row for every cluster) is
 * upgraded when opened for writing: ingesting more into it gives what a schema 2 store gets
 * from the same posts. A version this tocsin does not know is refused. */
static void test_upgrade_v1(void)
{
    tocsin_ingest_summary sum;
    tocsin_error err;
    write_mixed("mix1.jsonl", 1, 120);
    write_mixed("mix2.jsonl", 61, 200);
    const char *a[] = {"mix1.jsonl"}, *b[] = {"mix2.jsonl"};
    CHECK_INT(ingest("seq.db", wl_both, a, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err), TOCSIN_OK);
    CHECK_INT(ingest("seq.db", wl_both, b, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err), TOCSIN_OK);
    CHECK_INT(ingest("up.db", wl_both, a, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err), TOCSIN_OK);
    /* turn up.db into what schema 1 wrote */
    sqlite3 *h;
    CHECK_INT(sqlite3_open(path_of("up.db"), &h), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(
        h,
        "BEGIN; CREATE TABLE cluster_sig(id INTEGER PRIMARY KEY, sig BLOB NOT NULL);"
        "WITH RECURSIVE r(chunk, i) AS (SELECT first, 0 FROM cluster_sigs UNION ALL"
        " SELECT r.chunk, r.i + 1 FROM r JOIN cluster_sigs c ON c.first = r.chunk"
        " WHERE r.i < c.last - c.first)"
        " INSERT INTO cluster_sig SELECT c.first + r.i, substr(c.sigs, r.i * 48 + 1, 40) FROM r"
        " JOIN cluster_sigs c ON c.first = r.chunk;"
        "INSERT OR IGNORE INTO cluster(id, first_key) SELECT -c, k FROM seen WHERE c < 0;"
        "DROP TABLE cluster_sigs; UPDATE meta SET v = '1' WHERE k = 'schema_version'; COMMIT;",
        NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "  downgrade: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(h);
    CHECK_INT(rc, SQLITE_OK);
    long long clusters = q_int("up.db", "SELECT count(*) FROM seen WHERE c < 0");
    CHECK(clusters > 100);
    CHECK_INT(q_int("up.db", "SELECT count(*) FROM cluster_sig"), clusters);
    CHECK_INT(ingest("up.db", wl_both, b, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err), TOCSIN_OK);
    CHECK_INT(sum.new_posts, 80);
    CHECK_INT(q_int("up.db", "SELECT v FROM meta WHERE k = 'schema_version'"), 2);
    CHECK_INT(q_int("up.db", "SELECT count(*) FROM sqlite_master WHERE name = 'cluster_sig'"), 0);
    static const char *const same[] = {
        counts_sql, totals_sql, sigs_sql,
        "SELECT k, c FROM seen ORDER BY k",
        "SELECT key, cluster, ts, author, text FROM post ORDER BY key"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char *x = q_dump("up.db", same[i]), *y = q_dump("seq.db", same[i]);
        CHECK(strlen(x) > 20 && !strcmp(x, y));
        if (strcmp(x, y))
            fprintf(stderr, "  differs: %s\n", same[i]);
        free(x), free(y);
    }
    /* the upgraded store keeps its schema 1 `cluster` rows (one per cluster opened before the
     * upgrade); the rows added since are schema 2's */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM cluster WHERE id <= %lld", clusters);
    CHECK_INT(q_int("up.db", sql), clusters);
    snprintf(sql, sizeof sql, "SELECT id, first_key FROM cluster WHERE id > %lld ORDER BY id",
             clusters);
    char *x = q_dump("up.db", sql), *y = q_dump("seq.db", sql);
    CHECK(strlen(x) > 20 && !strcmp(x, y));
    free(x), free(y);
    CHECK(q_int("seq.db", "SELECT count(*) FROM cluster") <
          q_int("seq.db", "SELECT count(*) FROM seen WHERE c < 0"));
    CHECK_INT(q_int("seq.db", "SELECT count(*) FROM post p JOIN cluster c ON c.id = p.cluster"
                              " JOIN seen s ON s.k = c.first_key WHERE s.c = -c.id"),
              q_int("seq.db", "SELECT count(*) FROM post"));
    /* a schema from a newer tocsin is refused, not rewritten */
    CHECK_INT(sqlite3_open(path_of("up.db"), &h), SQLITE_OK);
    CHECK_INT(sqlite3_exec(h, "UPDATE meta SET v = '3' WHERE k = 'schema_version'", NULL, NULL,
                           NULL), SQLITE_OK);
    sqlite3_close(h);
    tocsin_store *s = NULL;
    CHECK_INT(tocsin_store_open(path_of("up.db"), false, NULL, NULL, &s, &err), TOCSIN_ERR_STORE);
    CHECK(strstr(err.message, "schema version 3") != NULL);
}

static void test_reposts(void)
{
    /* X v1.1 sample with retweets */
    const char *src = "tests/data/formats/twitter_v1/tweet_parser_original_format_examples.jsonl";
    char cwd_path[512];
    if (!getcwd(cwd_path, sizeof cwd_path))
        return;
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", cwd_path, src);
    if (access(full, R_OK) != 0) {
        fprintf(stderr, "  (skipping: %s not found)\n", src);
        return;
    }
    tocsin_store *s = NULL;
    tocsin_error err;
    CHECK_INT(tocsin_store_open(path_of("rp.db"), false, NULL, NULL, &s, &err), TOCSIN_OK);
    tocsin_ingest_opts o;
    tocsin_ingest_opts_init(&o);
    o.scan.watchlist = wl_fire;
    o.scan.lang_source = TOCSIN_LANG_SOURCE_INPUT;
    o.reposts = TOCSIN_REPOSTS_SKIP;
    tocsin_ingest_summary sum;
    const char *paths[] = {full};
    CHECK_INT(tocsin_ingest(s, &o, paths, 1, &sum, &err), TOCSIN_OK);
    CHECK(sum.reposts_skipped > 0);
    CHECK_INT(sum.posts + sum.reposts_skipped, sum.read.posts);
    o.reposts = TOCSIN_REPOSTS_COUNT;
    CHECK_INT(tocsin_ingest(s, &o, paths, 1, &sum, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "--reposts skip") != NULL);
    tocsin_store_close(s);
}

static void test_trend_and_coverage(void)
{
    tocsin_store *s = NULL;
    tocsin_error err;
    CHECK_INT(tocsin_store_open(path_of("ref.db"), true, NULL, NULL, &s, &err), TOCSIN_OK);
    tocsin_trend_query q = {"fire", "en", NULL, TOCSIN_BY_DAY};
    tocsin_trend_row *rows = NULL;
    size_t n = 0;
    CHECK_INT(tocsin_store_trend(s, &q, &rows, &n, &err), TOCSIN_OK);
    uint64_t posts = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        posts += rows[i].posts;
        total += rows[i].total_posts;
        CHECK(rows[i].total_posts >= rows[i].posts);
    }
    CHECK_INT(posts, 50);
    CHECK_INT(total, 150);
    free(rows);
    /* a channel filter narrows both the counts and the denominators */
    q.channel = "chanB";
    CHECK_INT(tocsin_store_trend(s, &q, &rows, &n, &err), TOCSIN_OK);
    posts = total = 0;
    for (size_t i = 0; i < n; i++)
        posts += rows[i].posts, total += rows[i].total_posts;
    CHECK_INT(posts, 12); /* i % 12 == 0 in 1..150 */
    CHECK_INT(total, 37); /* i % 4 == 0 */
    free(rows);
    q.by = TOCSIN_BY_MONTH;
    q.channel = NULL;
    q.topic = "nope";
    CHECK_INT(tocsin_store_trend(s, &q, &rows, &n, &err), TOCSIN_OK);
    CHECK_INT(n, 0);
    free(rows);
    tocsin_coverage *c = NULL;
    CHECK_INT(tocsin_store_coverage(s, &c, &err), TOCSIN_OK);
    const tocsin_channel_info *ch;
    const tocsin_source_info *src;
    CHECK_INT(tocsin_coverage_channels(c, &ch), 2);
    CHECK_INT(tocsin_coverage_sources(c, &src), 1);
    CHECK_INT(src[0].new_posts, 150);
    CHECK_STR(src[0].format, "jsonl");
    tocsin_coverage_free(c);
    tocsin_store_close(s);
}

/* A channel that stops half way through, another with a week-long silence. */
static void test_gaps(void)
{
    size_t cap = 200 * 512;
    char *s = malloc(cap), l[512];
    size_t n = 0;
    for (int d = 0; d < 60; d++) {
        for (int c = 0; c < 2; c++) {
            if (c == 0 && d >= 30)
                continue; /* chanX vanishes after day 30 */
            if (c == 1 && d >= 20 && d < 28)
                continue; /* chanY is silent for 8 days */
            char id[32];
            snprintf(id, sizeof id, "%d-%d", c, d);
            line(l, sizeof l, id, 1625097600L + d * 86400L + 3600, "u", c ? "chanY" : "chanX",
                 "ordinary news");
            memcpy(s + n, l, strlen(l) + 1);
            n += strlen(l);
        }
    }
    write_file("gaps.jsonl", s);
    free(s);
    tocsin_ingest_summary sum;
    tocsin_error err;
    const char *files[] = {"gaps.jsonl"};
    CHECK_INT(ingest("gaps.db", wl_fire, files, 1, TOCSIN_REPOSTS_COUNT, false, &sum, &err),
              TOCSIN_OK);
    tocsin_store *st = NULL;
    CHECK_INT(tocsin_store_open(path_of("gaps.db"), true, NULL, NULL, &st, &err), TOCSIN_OK);
    tocsin_coverage *c = NULL;
    CHECK_INT(tocsin_store_coverage(st, &c, &err), TOCSIN_OK);
    const tocsin_channel_info *ch;
    size_t nc = tocsin_coverage_channels(c, &ch);
    CHECK_INT(nc, 2);
    for (size_t i = 0; i < nc; i++) {
        if (!strcmp(ch[i].channel, "chanX")) {
            CHECK(ch[i].vanished);
            CHECK_INT(ch[i].n_gaps, 0);
            CHECK_INT(ch[i].posts, 30);
        } else {
            CHECK(!ch[i].vanished && !ch[i].joined_late);
            CHECK_INT(ch[i].n_gaps, 1);
            if (ch[i].n_gaps == 1) {
                CHECK_INT(ch[i].gaps[0].from, 1625097600L + 20 * 86400L);
                CHECK_INT(ch[i].gaps[0].to, 1625097600L + 28 * 86400L);
            }
        }
    }
    tocsin_coverage_free(c);
    tocsin_store_close(st);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/tocsin-test-store-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    write_file("fire.yaml", "topics:\n  - id: fire\n    terms: [wildfire]\n");
    write_file("both.yaml", "topics:\n  - id: fire\n    terms: [wildfire]\n"
                            "  - id: quake\n    terms: [earthquake]\n");
    tocsin_error err;
    if (tocsin_watchlist_load(path_of("fire.yaml"), &wl_fire, &err) != TOCSIN_OK ||
        tocsin_watchlist_load(path_of("both.yaml"), &wl_both, &err) != TOCSIN_OK) {
        fprintf(stderr, "watchlist: %s\n", err.message);
        return 1;
    }
    RUN(test_overlap_and_duplicates);
    RUN(test_reingest);
    RUN(test_content_hash);
    RUN(test_flood);
    RUN(test_privacy);
    RUN(test_resume);
    RUN(test_rescan);
    RUN(test_cluster_rows);
    RUN(test_upgrade_v1);
    RUN(test_reposts);
    RUN(test_trend_and_coverage);
    RUN(test_gaps);
    tocsin_watchlist_free(wl_fire);
    tocsin_watchlist_free(wl_both);
    if (!getenv("KEEP"))
        cleanup();
    return check_summary();
}
