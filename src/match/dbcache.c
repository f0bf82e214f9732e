/* dbcache.c: the on-disk cache of compiled Hyperscan databases (tocsin_watchlist_opts.cache_dir).
 *
 * Compiling 3,000 literals takes ~75 ms, every run, for a database that only changes when the
 * watchlist does. The loader hashes everything that shapes the database (match_cache_key: a
 * format tag, the Hyperscan version, the platform Hyperscan compiles for, the mode, and every
 * pattern's bytes, length, flags and id) and looks for <dir>/<hex key>.hsdb before compiling.
 *
 * A cache file is never trusted blindly. It is used only when it is a regular file owned by the
 * current user and not writable by group or others, its size is the header plus the payload
 * length it declares, its magic and key match, the BLAKE2b checksum of the payload matches, and
 * Hyperscan accepts it (hs_serialized_database_info, hs_deserialize_database, which also checks
 * the version and the platform). Anything else is a miss: the loader compiles and replaces the
 * file. Writing goes to a mkstemp() file in the same directory, renamed over the final name, so
 * readers see a whole file or none. Nothing here prints or fails the load: a cache that cannot
 * be read or written only costs the compile.
 *
 * File layout (integers little-endian):
 *   0   8  magic "TCHSDB\0\1"
 *   8  32  key
 *   40  8  payload length
 *   48 32  BLAKE2b-256 of the payload
 *   80  .  payload: hs_serialize_database() bytes */
#include "match/match.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "TCHSDB\0\1"
#define CACHE_HDR 80
#define CACHE_MAX_PAYLOAD ((uint64_t)1 << 31)

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void hash_u64(crypto_generichash_state *h, uint64_t v)
{
    unsigned char b[8];
    put_u64(b, v);
    crypto_generichash_update(h, b, sizeof b);
}

bool match_cache_key(const char *const *expr, const size_t *lens, const unsigned *flags,
                     const unsigned *ids, size_t n, unsigned mode,
                     unsigned char key[MATCH_CACHE_KEY])
{
    if (sodium_init() < 0)
        return false;
    crypto_generichash_state h;
    if (crypto_generichash_init(&h, NULL, 0, MATCH_CACHE_KEY) != 0)
        return false;
    static const char tag[] = "tocsin hyperscan database cache 1";
    crypto_generichash_update(&h, (const unsigned char *)tag, sizeof tag);
    const char *ver = hs_version();
    hash_u64(&h, strlen(ver));
    crypto_generichash_update(&h, (const unsigned char *)ver, strlen(ver));
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof plat);
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return false;
    hash_u64(&h, plat.tune);
    hash_u64(&h, plat.cpu_features);
    hash_u64(&h, mode);
    hash_u64(&h, lens != NULL); /* literal API or expressions */
    hash_u64(&h, n);
    for (size_t i = 0; i < n; i++) {
        size_t len = lens ? lens[i] : strlen(expr[i]);
        hash_u64(&h, len);
        hash_u64(&h, flags[i]);
        hash_u64(&h, ids[i]);
        crypto_generichash_update(&h, (const unsigned char *)expr[i], len);
    }
    return crypto_generichash_final(&h, key, MATCH_CACHE_KEY) == 0;
}

/* "<dir>/<hex key>.hsdb" into a new string (NULL when out of memory). */
static char *cache_path(const char *dir, const unsigned char key[MATCH_CACHE_KEY])
{
    char hex[MATCH_CACHE_KEY * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, key, MATCH_CACHE_KEY);
    size_t n = strlen(dir) + sizeof hex + 8;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s.hsdb", dir, hex);
    return p;
}

static bool read_all(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

static bool write_all(int fd, const unsigned char *buf, size_t n)
{
    size_t put = 0;
    while (put < n) {
        ssize_t r = write(fd, buf + put, n - put);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        put += (size_t)r;
    }
    return true;
}

match_cache_state match_cache_load(const char *dir, const unsigned char key[MATCH_CACHE_KEY],
                                   hs_database_t **db)
{
    *db = NULL;
    char *path = cache_path(dir, key);
    if (!path)
        return MATCH_CACHE_MISS;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    free(path);
    if (fd < 0)
        return MATCH_CACHE_MISS;
    match_cache_state res = MATCH_CACHE_REJECTED;
    unsigned char *buf = NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
        (sb.st_mode & (S_IWGRP | S_IWOTH)) || sb.st_size < CACHE_HDR ||
        (uint64_t)sb.st_size > CACHE_HDR + CACHE_MAX_PAYLOAD)
        goto out;
    size_t size = (size_t)sb.st_size;
    if (!(buf = malloc(size)) || !read_all(fd, buf, size))
        goto out;
    uint64_t plen = get_u64(buf + 40);
    if (memcmp(buf, CACHE_MAGIC, 8) != 0 || memcmp(buf + 8, key, MATCH_CACHE_KEY) != 0 ||
        plen != size - CACHE_HDR)
        goto out;
    unsigned char sum[32];
    if (crypto_generichash(sum, sizeof sum, buf + CACHE_HDR, plen, NULL, 0) != 0 ||
        sodium_memcmp(sum, buf + 48, sizeof sum) != 0)
        goto out;
    const char *bytes = (const char *)buf + CACHE_HDR;
    char *info = NULL;
    size_t dsize = 0;
    if (hs_serialized_database_info(bytes, plen, &info) != HS_SUCCESS)
        goto out;
    free(info);
    if (hs_serialized_database_size(bytes, plen, &dsize) != HS_SUCCESS || dsize == 0 ||
        dsize > CACHE_MAX_PAYLOAD * 4)
        goto out;
    if (hs_deserialize_database(bytes, plen, db) != HS_SUCCESS) {
        *db = NULL;
        goto out;
    }
    res = MATCH_CACHE_HIT;
out:
    free(buf);
    close(fd);
    return res;
}

/* mkdir -p with mode 0700 for the parts that are missing. */
static bool make_dirs(const char *dir)
{
    size_t n = strlen(dir);
    if (n == 0)
        return false;
    char *p = malloc(n + 1);
    if (!p)
        return false;
    memcpy(p, dir, n + 1);
    bool ok = true;
    for (size_t i = 1; i <= n && ok; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            ok = false;
        p[i] = c;
    }
    struct stat sb;
    ok = ok && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
    free(p);
    return ok;
}

bool match_cache_store(const char *dir, const unsigned char key[MATCH_CACHE_KEY],
                       const hs_database_t *db)
{
    char *bytes = NULL;
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return false;
    bool ok = false, created = false;
    char *path = NULL, *tmp = NULL;
    int fd = -1;
    unsigned char hdr[CACHE_HDR];
    if ((uint64_t)len > CACHE_MAX_PAYLOAD || !make_dirs(dir) || !(path = cache_path(dir, key)))
        goto out;
    size_t tn = strlen(dir) + 32;
    if (!(tmp = malloc(tn)))
        goto out;
    snprintf(tmp, tn, "%s/.hsdb-XXXXXX", dir);
    if ((fd = mkstemp(tmp)) < 0) /* mode 0600 */
        goto out;
    created = true;
    memcpy(hdr, CACHE_MAGIC, 8);
    memcpy(hdr + 8, key, MATCH_CACHE_KEY);
    put_u64(hdr + 40, len);
    if (crypto_generichash(hdr + 48, 32, (const unsigned char *)bytes, len, NULL, 0) != 0)
        goto out;
    ok = write_all(fd, hdr, sizeof hdr) && write_all(fd, (const unsigned char *)bytes, len);
    ok = close(fd) == 0 && ok;
    fd = -1;
    ok = ok && rename(tmp, path) == 0;
out:
    if (fd >= 0)
        close(fd);
    if (created && !ok)
        unlink(tmp);
    free(tmp);
    free(path);
    free(bytes);
    return ok;
}
