/* store.c: opening the SQLite store: schema, WAL mode, the pseudonymization key beside it, SQL
 * functions over HyperLogLog blobs, post keys and author pseudonyms. */
#include "store/store_int.h"

#include "agg/hll.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS seen(k INTEGER PRIMARY KEY, c INTEGER) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS channel(id INTEGER PRIMARY KEY, platform TEXT NOT NULL,"
    "  channel TEXT NOT NULL, name TEXT, UNIQUE(platform, channel));"
    "CREATE TABLE IF NOT EXISTS topic(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    "  label TEXT);"
    "CREATE TABLE IF NOT EXISTS totals(lang TEXT NOT NULL, channel INTEGER NOT NULL,"
    "  hour INTEGER NOT NULL, posts INTEGER NOT NULL, uniq INTEGER NOT NULL, authors BLOB,"
    "  PRIMARY KEY(lang, channel, hour)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS counts(topic INTEGER NOT NULL, lang TEXT NOT NULL,"
    "  channel INTEGER NOT NULL, hour INTEGER NOT NULL, posts INTEGER NOT NULL,"
    "  uniq INTEGER NOT NULL, authors BLOB, PRIMARY KEY(topic, lang, channel, hour))"
    "  WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS cluster(id INTEGER PRIMARY KEY, first_key INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS cluster_sigs(first INTEGER PRIMARY KEY, last INTEGER NOT NULL,"
    "  sigs BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS post(key INTEGER PRIMARY KEY, id TEXT, ts INTEGER,"
    "  channel INTEGER, author TEXT, lang TEXT, kind TEXT, cluster INTEGER, source INTEGER,"
    "  text TEXT);"
    "CREATE TABLE IF NOT EXISTS post_match(key INTEGER NOT NULL, topic INTEGER NOT NULL,"
    "  term TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,"
    "  PRIMARY KEY(key, start, term)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS source(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE,"
    "  size INTEGER, mtime INTEGER, sha256 TEXT, format TEXT, records INTEGER, posts INTEGER,"
    "  skipped INTEGER, skipped_detail TEXT, new_posts INTEGER, duplicates INTEGER,"
    "  ingested INTEGER, watchlist TEXT, status TEXT NOT NULL);";

tocsin_status store_fail(tocsin_store *s, const char *what, tocsin_error *err)
{
    return tc_error_set(err, TOCSIN_ERR_STORE, s->path, 0, NULL, "%s: %s", what,
                        sqlite3_errmsg(s->db));
}

tocsin_status store_exec(tocsin_store *s, const char *sql, tocsin_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        tocsin_status st = tc_error_set(err, TOCSIN_ERR_STORE, s->path, 0, NULL, "%s",
                                        msg ? msg : "SQLite error");
        sqlite3_free(msg);
        return st;
    }
    return TOCSIN_OK;
}

tocsin_status store_prepare(tocsin_store *s, const char *sql, sqlite3_stmt **st,
                            tocsin_error *err)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return store_fail(s, "preparing a query", err);
    return TOCSIN_OK;
}

tocsin_status store_meta_get(tocsin_store *s, const char *k, char **v, tocsin_error *err)
{
    sqlite3_stmt *st;
    tocsin_status rc = store_prepare(s, "SELECT v FROM meta WHERE k = ?", &st, err);
    if (rc != TOCSIN_OK)
        return rc;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    *v = NULL;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (!(*v = strdup(t ? t : "")))
            rc = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    } else if (r != SQLITE_DONE) {
        rc = store_fail(s, "reading meta", err);
    }
    sqlite3_finalize(st);
    return rc;
}

tocsin_status store_meta_set(tocsin_store *s, const char *k, const char *v, tocsin_error *err)
{
    sqlite3_stmt *st;
    tocsin_status rc =
        store_prepare(s, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)", &st, err);
    if (rc != TOCSIN_OK)
        return rc;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store_fail(s, "writing meta", err);
    sqlite3_finalize(st);
    return rc;
}

/* ---- SQL functions over HyperLogLog blobs: hll_merge(a, b), hll_union(x), hll_count(x) ---- */

static void sql_hll_merge(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    hll h;
    hll_init(&h);
    tc_buf out;
    tc_buf_init(&out, 0);
    for (int i = 0; i < argc; i++) {
        const void *b = sqlite3_value_blob(argv[i]);
        if (b && hll_merge_blob(&h, b, (size_t)sqlite3_value_bytes(argv[i])) != TOCSIN_OK) {
            sqlite3_result_error(ctx, "hll_merge: malformed HyperLogLog blob", -1);
            goto out;
        }
    }
    if (hll_serialize(&h, &out) != TOCSIN_OK)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_blob(ctx, out.data, (int)out.len, SQLITE_TRANSIENT);
out:
    hll_free(&h);
    tc_buf_free(&out);
}

static void sql_hll_count(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    hll h;
    hll_init(&h);
    const void *b = sqlite3_value_blob(argv[0]);
    if (b && hll_merge_blob(&h, b, (size_t)sqlite3_value_bytes(argv[0])) != TOCSIN_OK)
        sqlite3_result_error(ctx, "hll_count: malformed HyperLogLog blob", -1);
    else
        sqlite3_result_int64(ctx, (sqlite3_int64)(hll_estimate(&h) + 0.5));
    hll_free(&h);
}

static void sql_hll_union_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    hll **hp = sqlite3_aggregate_context(ctx, sizeof *hp);
    if (!hp)
        return;
    if (!*hp) {
        if (!(*hp = malloc(sizeof **hp))) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        hll_init(*hp);
    }
    const void *b = sqlite3_value_blob(argv[0]);
    if (b && hll_merge_blob(*hp, b, (size_t)sqlite3_value_bytes(argv[0])) != TOCSIN_OK)
        sqlite3_result_error(ctx, "hll_union: malformed HyperLogLog blob", -1);
}

static void sql_hll_union_final(sqlite3_context *ctx)
{
    hll **hp = sqlite3_aggregate_context(ctx, 0);
    hll empty;
    hll_init(&empty);
    hll *h = hp && *hp ? *hp : &empty;
    tc_buf out;
    tc_buf_init(&out, 0);
    if (hll_serialize(h, &out) != TOCSIN_OK)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_blob(ctx, out.data, (int)out.len, SQLITE_TRANSIENT);
    tc_buf_free(&out);
    if (hp && *hp) {
        hll_free(*hp);
        free(*hp);
    }
}

static tocsin_status register_functions(tocsin_store *s, tocsin_error *err)
{
    int f = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    if (sqlite3_create_function(s->db, "hll_merge", 2, f, NULL, sql_hll_merge, NULL, NULL) ||
        sqlite3_create_function(s->db, "hll_count", 1, f, NULL, sql_hll_count, NULL, NULL) ||
        sqlite3_create_function(s->db, "hll_union", 1, f, NULL, NULL, sql_hll_union_step,
                                sql_hll_union_final))
        return store_fail(s, "registering SQL functions", err);
    return TOCSIN_OK;
}

/* ---- the pseudonymization key ---- */

static void key_fingerprint(const unsigned char *key, char hex[17])
{
    unsigned char fp[16];
    crypto_generichash(fp, sizeof fp, (const unsigned char *)"tocsin-key-fingerprint", 22, key,
                       STORE_KEY_BYTES);
    sodium_bin2hex(hex, 17, fp, 8);
}

static tocsin_status load_or_make_key(tocsin_store *s, bool fresh_store, tocsin_error *err)
{
    char kpath[4200];
    snprintf(kpath, sizeof kpath, "%s.key", s->path);
    int fd = open(kpath, O_RDONLY | O_CLOEXEC);
    bool made = false;
    if (fd < 0 && errno == ENOENT) {
        fd = open(kpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            return tc_error_set(err, TOCSIN_ERR_IO, kpath, 0, NULL, "cannot create key: %s",
                                strerror(errno));
        randombytes_buf(s->key, STORE_KEY_BYTES);
        ssize_t w = write(fd, s->key, STORE_KEY_BYTES);
        if (w != STORE_KEY_BYTES || fsync(fd) != 0) {
            close(fd);
            unlink(kpath);
            return tc_error_set(err, TOCSIN_ERR_IO, kpath, 0, NULL, "cannot write key");
        }
        made = true;
    } else if (fd < 0) {
        return tc_error_set(err, TOCSIN_ERR_IO, kpath, 0, NULL, "cannot open key: %s",
                            strerror(errno));
    } else {
        struct stat sb;
        if (fstat(fd, &sb) == 0 && (sb.st_mode & 077)) {
            close(fd);
            return tc_error_set(err, TOCSIN_ERR_IO, kpath, 0, NULL,
                                "key file is readable by others (mode %o): chmod 600 it",
                                (unsigned)(sb.st_mode & 0777));
        }
        ssize_t r = read(fd, s->key, STORE_KEY_BYTES);
        if (r != STORE_KEY_BYTES) {
            close(fd);
            return tc_error_set(err, TOCSIN_ERR_IO, kpath, 0, NULL,
                                "key file is not %d bytes long", STORE_KEY_BYTES);
        }
    }
    close(fd);
    s->have_key = true;
    char fp[17], *old = NULL;
    key_fingerprint(s->key, fp);
    tocsin_status st = store_meta_get(s, "key_fingerprint", &old, err);
    if (st != TOCSIN_OK)
        return st;
    if (old && strcmp(old, fp) && s->warn) {
        tocsin_error w;
        tc_error_set(&w, TOCSIN_ERR_IO, kpath, 0, NULL,
                     "%s: the pseudonymization key is not the one this store was built with: "
                     "authors of new posts get new pseudonyms, and distinct-author counts that "
                     "span the change count such authors twice",
                     made ? "a new key was created" : "key changed");
        s->warn(s->warn_ctx, &w);
    }
    (void)fresh_store;
    if (!old || strcmp(old, fp))
        st = store_meta_set(s, "key_fingerprint", fp, err);
    free(old);
    return st;
}

/* Version 1 kept one `cluster_sig` row per cluster (id, 40-byte signature) and a `cluster` row
 * for every cluster. Version 2 keeps the signatures in chunks of consecutive clusters (written
 * once per commit, with each cluster's first key) and `cluster` rows only where a reader needs
 * them (STORE_SCHEMA_VERSION in store_int.h). A version 1 store is upgraded in place, in one
 * transaction: its signatures move into chunks (the first key of each from `cluster`); its
 * `cluster` rows all stay (a superset of what version 2 writes). */
static tocsin_status store_migrate_v1(tocsin_store *s, tocsin_error *err)
{
    tocsin_status st = store_exec(s, "BEGIN IMMEDIATE", err);
    if (st != TOCSIN_OK)
        return st;
    sqlite3_stmt *q = NULL, *ins = NULL;
    tc_buf chunk;
    tc_buf_init(&chunk, 0);
    int64_t first = 0, prev = 0;
    if ((st = store_prepare(s, "SELECT name FROM sqlite_master WHERE name = 'cluster_sig'", &q,
                            err)) != TOCSIN_OK)
        goto out;
    bool have = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    q = NULL;
    if (!have)
        goto done;
    if ((st = store_prepare(s, "SELECT s.id, s.sig, coalesce(c.first_key, 0) FROM cluster_sig s"
                               " LEFT JOIN cluster c ON c.id = s.id ORDER BY s.id", &q, err)) !=
            TOCSIN_OK ||
        (st = store_prepare(s, "INSERT INTO cluster_sigs(first, last, sigs) VALUES(?, ?, ?)",
                            &ins, err)) != TOCSIN_OK)
        goto out;
    int rc;
    for (;;) {
        rc = sqlite3_step(q);
        int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        /* a chunk holds consecutive ids: write it out at a gap, at its size limit, at the end */
        if (chunk.len && (rc != SQLITE_ROW || id != prev + 1 ||
                          chunk.len >= STORE_SIG_CHUNK * STORE_SIG_REC)) {
            sqlite3_bind_int64(ins, 1, first);
            sqlite3_bind_int64(ins, 2, prev);
            sqlite3_bind_blob(ins, 3, chunk.data, (int)chunk.len, SQLITE_STATIC);
            int r = sqlite3_step(ins);
            sqlite3_reset(ins);
            if (r != SQLITE_DONE) {
                st = store_fail(s, "upgrading the store (signatures)", err);
                goto out;
            }
            tc_buf_reset(&chunk);
        }
        if (rc != SQLITE_ROW)
            break;
        if (sqlite3_column_bytes(q, 1) != STORE_SIG_REC - 8) {
            st = tc_error_set(err, TOCSIN_ERR_STORE, s->path, 0, "cluster_sig.sig",
                              "malformed near-duplicate signature in cluster %lld",
                              (long long)id);
            goto out;
        }
        if (!chunk.len)
            first = id;
        prev = id;
        unsigned char fk[8];
        store_put_le64(fk, (uint64_t)sqlite3_column_int64(q, 2));
        if ((st = tc_buf_append(&chunk, sqlite3_column_blob(q, 1), STORE_SIG_REC - 8)) !=
                TOCSIN_OK ||
            (st = tc_buf_append(&chunk, fk, 8)) != TOCSIN_OK) {
            st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        st = store_fail(s, "upgrading the store (signatures)", err);
        goto out;
    }
    sqlite3_finalize(q);
    q = NULL;
    if ((st = store_exec(s, "DROP TABLE cluster_sig", err)) != TOCSIN_OK)
        goto out;
done:
    if ((st = store_meta_set(s, "schema_version", STORE_SCHEMA_VERSION, err)) == TOCSIN_OK)
        st = store_exec(s, "COMMIT", err);
out:
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    tc_buf_free(&chunk);
    if (st != TOCSIN_OK)
        store_exec(s, "ROLLBACK", NULL);
    return st;
}

tocsin_status tocsin_store_open(const char *path, bool read_only, tocsin_warn_fn warn,
                                void *warn_ctx, tocsin_store **out, tocsin_error *err)
{
    if (sodium_init() < 0)
        return tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, NULL, "libsodium failed to start");
    tocsin_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    s->read_only = read_only;
    s->warn = warn;
    s->warn_ctx = warn_ctx;
    struct stat sb;
    bool exists = stat(path, &sb) == 0;
    tocsin_status st = TOCSIN_OK;
    if (read_only && !exists) {
        st = tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL,
                          "no store here (make one with 'tocsin ingest --db %s')", path);
        goto fail;
    }
    int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        st = s->db ? store_fail(s, "cannot open store", err)
                   : tc_error_set(err, TOCSIN_ERR_NOMEM, path, 0, NULL, "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if ((st = register_functions(s, err)) != TOCSIN_OK)
        goto fail;
    if (!read_only) {
        if ((st = store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                "PRAGMA cache_size=-65536; PRAGMA temp_store=FILE;",
                             err)) != TOCSIN_OK ||
            (st = store_exec(s, schema_sql, err)) != TOCSIN_OK)
            goto fail;
        char *ver = NULL;
        if ((st = store_meta_get(s, "schema_version", &ver, err)) != TOCSIN_OK)
            goto fail;
        if (ver && !strcmp(ver, "1") && (st = store_migrate_v1(s, err)) != TOCSIN_OK) {
            free(ver);
            goto fail;
        }
        if (ver && strcmp(ver, "1") && strcmp(ver, STORE_SCHEMA_VERSION)) {
            st = tc_error_set(err, TOCSIN_ERR_STORE, path, 0, NULL,
                              "store schema version %s, this tocsin knows %s", ver,
                              STORE_SCHEMA_VERSION);
            free(ver);
            goto fail;
        }
        free(ver);
        if ((st = store_meta_set(s, "schema_version", STORE_SCHEMA_VERSION, err)) != TOCSIN_OK ||
            (st = load_or_make_key(s, !exists, err)) != TOCSIN_OK)
            goto fail;
    } else {
        sqlite3_stmt *q;
        if ((st = store_prepare(s, "SELECT v FROM meta WHERE k = 'schema_version'", &q, err)) !=
            TOCSIN_OK) {
            st = tc_error_set(err, TOCSIN_ERR_STORE, path, 0, NULL, "not a tocsin store");
            goto fail;
        }
        sqlite3_finalize(q);
    }
    *out = s;
    return TOCSIN_OK;
fail:
    tocsin_store_close(s);
    return st;
}

void tocsin_store_close(tocsin_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    sodium_memzero(s->key, sizeof s->key);
    free(s->path);
    free(s);
}

/* ---- keys and pseudonyms ---- */

static const unsigned char post_key_key[crypto_shorthash_KEYBYTES] = "tocsin post key";

static void hash_part(crypto_generichash_state *h, tocsin_strv v)
{
    unsigned char len[4] = {(unsigned char)v.len, (unsigned char)(v.len >> 8),
                            (unsigned char)(v.len >> 16), (unsigned char)(v.len >> 24)};
    crypto_generichash_update(h, len, 4);
    if (v.len)
        crypto_generichash_update(h, (const unsigned char *)v.ptr, v.len);
}

int64_t store_post_key(const tocsin_post *p)
{
    unsigned char buf[512];
    size_t n = 0;
    uint64_t k;
    /* fast path: SipHash-2-4 of "I" platform \0 channel \0 id when it fits the stack buffer */
    if (p->id.len && 3 + p->platform.len + p->channel_id.len + p->id.len <= sizeof buf) {
        const tocsin_strv parts[3] = {p->platform, p->channel_id, p->id};
        buf[n++] = 'I';
        for (int i = 0; i < 3; i++) {
            if (parts[i].len) /* views may be {NULL, 0} */
                memcpy(buf + n, parts[i].ptr, parts[i].len);
            n += parts[i].len;
            if (i < 2)
                buf[n++] = 0;
        }
        unsigned char out[8];
        crypto_shorthash(out, buf, n, post_key_key);
        memcpy(&k, out, 8);
        return (int64_t)k;
    }
    /* otherwise a BLAKE2b of the parts (a content hash when there is no id) */
    crypto_generichash_state h;
    unsigned char out[16];
    crypto_generichash_init(&h, post_key_key, sizeof post_key_key, sizeof out);
    crypto_generichash_update(&h, (const unsigned char *)(p->id.len ? "I" : "C"), 1);
    hash_part(&h, p->platform);
    hash_part(&h, p->channel_id);
    if (p->id.len) {
        hash_part(&h, p->id);
    } else {
        char ts[24];
        int tn = p->has_ts ? snprintf(ts, sizeof ts, "%lld", (long long)p->ts) : 0;
        hash_part(&h, p->author_id);
        hash_part(&h, tc_strv(ts, (size_t)tn));
        hash_part(&h, p->text);
    }
    crypto_generichash_final(&h, out, sizeof out);
    memcpy(&k, out, 8);
    return (int64_t)k;
}

void store_pseudonym(const tocsin_store *s, tocsin_strv platform, tocsin_strv author,
                     unsigned char out[16])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, s->key, STORE_KEY_BYTES, 16);
    hash_part(&h, platform);
    hash_part(&h, author);
    crypto_generichash_final(&h, out, 16);
}
