/* store_keys.c: how post keys scale: inserts N random 64-bit keys (with a cluster id, as ingest
 * does) into the store's `seen` table shape in transactions of 100,000 sorted keys, then
 * reports disk bytes per key, insert rate and peak memory, and the extrapolation to 100 million.
 *
 *   store_keys DB N */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static uint64_t state = 0x853c49e6748fea9bULL;
static uint64_t next(void)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: store_keys DB N\n");
        return 2;
    }
    long n = atol(argv[2]);
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                         "PRAGMA cache_size=-65536;"
                         "CREATE TABLE IF NOT EXISTS seen(k INTEGER PRIMARY KEY, c INTEGER)"
                         " WITHOUT ROWID;", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "store_keys: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO seen(k, c) VALUES(?, ?)", -1, &q, NULL);
    enum { B = 100000 };
    int64_t *k = malloc(B * sizeof *k);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long done = 0, cluster = 0;
    while (done < n) {
        long m = n - done < B ? n - done : B;
        for (long i = 0; i < m; i++)
            k[i] = (int64_t)next();
        qsort(k, (size_t)m, sizeof *k, cmp);
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        for (long i = 0; i < m; i++) {
            sqlite3_bind_int64(q, 1, k[i]);
            sqlite3_bind_int64(q, 2, ++cluster);
            sqlite3_step(q);
            sqlite3_reset(q);
        }
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        done += m;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_finalize(q);
    sqlite3_close(db);
    struct stat sb;
    stat(argv[1], &sb);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double per = (double)sb.st_size / (double)n;
    printf("keys %ld: %.1f MB on disk, %.1f bytes per key, %.0f keys/s, peak RSS %ld MiB; "
           "100 million keys: %.2f GB\n", n, sb.st_size / 1e6, per, (double)n / secs,
           ru.ru_maxrss / 1024, per * 1e8 / 1e9);
    free(k);
    return 0;
}
