/* store_int.h: what the files of stage store share: the open store, its SQLite connection and
 * pseudonymization key, and small SQL helpers. */
#ifndef TOCSIN_STORE_INT_H
#define TOCSIN_STORE_INT_H

#include "common/common.h"

#include <sqlite3.h>

#define STORE_SCHEMA_VERSION "1"
#define STORE_KEY_BYTES 32

struct tocsin_store {
    sqlite3 *db;
    char *path;
    bool read_only;
    unsigned char key[STORE_KEY_BYTES]; /* pseudonymization key (zeros when read-only) */
    bool have_key;
    tocsin_warn_fn warn;
    void *warn_ctx;
};

/* Runs SQL without results; on failure fills err with SQLite's message. */
tocsin_status store_exec(tocsin_store *s, const char *sql, tocsin_error *err);
/* Prepares a statement; on failure fills err. */
tocsin_status store_prepare(tocsin_store *s, const char *sql, sqlite3_stmt **st,
                            tocsin_error *err);
/* Fills err from the connection's last error, naming what was being done. */
tocsin_status store_fail(tocsin_store *s, const char *what, tocsin_error *err);
/* Reads meta value `k` into a malloc'd string (*v = NULL when absent). */
tocsin_status store_meta_get(tocsin_store *s, const char *k, char **v, tocsin_error *err);
tocsin_status store_meta_set(tocsin_store *s, const char *k, const char *v, tocsin_error *err);

/* The 64-bit post key (signed for SQLite): platform + channel + id, or, without an id, platform
 * + channel + author + time + text. */
int64_t store_post_key(const tocsin_post *p);
/* The keyed BLAKE2b pseudonym (16 bytes) of an author id of a platform. */
void store_pseudonym(const tocsin_store *s, tocsin_strv platform, tocsin_strv author,
                     unsigned char out[16]);

#endif
