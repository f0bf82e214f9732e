/* store_int.h: what the files of stage store share: the open store, its SQLite connection and
 * pseudonymization key, and small SQL helpers. */
#ifndef TOCSIN_STORE_INT_H
#define TOCSIN_STORE_INT_H

#include "common/common.h"

#include <sodium.h>
#include <sqlite3.h>

/* 2: near-duplicate signatures in chunks (`cluster_sigs`), `cluster` rows only for clusters
 * with kept evidence or more than one post; version 1 stores are upgraded on open (store.c). */
#define STORE_SCHEMA_VERSION "2"
/* A signature chunk record: dd_sig_pack's bytes, then the cluster's first key (int64, little
 * endian); at most STORE_SIG_CHUNK records per chunk. */
#define STORE_SIG_REC 48
#define STORE_SIG_CHUNK 65536

static inline void store_put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t store_get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}
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

/* SHA-256 (sha256.c), through libcrypto (SHA-NI where the CPU has it). init allocates the
 * context (false when out of memory); final writes the digest, frees the context and returns
 * false when any step failed; update after a failure does nothing. */
struct evp_md_ctx_st;
typedef struct store_sha256 {
    struct evp_md_ctx_st *ctx; /* owned until store_sha256_final */
    bool ok;
} store_sha256;

bool store_sha256_init(store_sha256 *s);
void store_sha256_update(store_sha256 *s, const void *data, size_t len);
bool store_sha256_final(store_sha256 *s, unsigned char out[32]);

#endif
