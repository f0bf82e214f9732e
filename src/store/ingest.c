/* ingest.c: `tocsin ingest` and `tocsin rescan`: the scan pipeline's per-post sink, batches
 * handed from the scan workers to one writer thread, and the writer that de-duplicates,
 * clusters and aggregates posts into the store.
 *
 * Design. Workers do the per-post work that needs no shared state (post key, SimHash, author
 * pseudonym, copying what the writer needs) into per-worker batches; full batches go through a
 * bounded queue to the single writer, which owns the SQLite connection. Order matters only for
 * near-duplicate clustering (which post of a cluster comes first); with one thread the writer
 * sees posts in input order, so runs are reproducible.
 *
 * Exactness under kill -9. A post counts when its key is inserted into `seen`; the key insert,
 * its cluster, its hourly totals, its topic counts and its evidence are all written in the same
 * transaction, committed every batch_posts posts and at every file end. A killed run loses only
 * the uncommitted transaction; running the same command again re-reads the unfinished files, and
 * every post already committed is recognized by its key and skipped, the others are counted as
 * the first run would have counted them. The near-duplicate index is rebuilt from the
 * `cluster_sigs` chunks (the most recent clusters by id, which is insertion order; a commit
 * writes the signatures of the clusters it opened), so it holds exactly what the interrupted
 * run's index held at its last commit. Files that finished are recorded as complete
 * (path, size, mtime) and skipped without being read. */
#include "store/store_int.h"

#include "agg/hll.h"
#include "dedup/dedup.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH_RECS 2048
#define BATCH_ARENA (1u << 20)
#define CLUSTER_CAP (1u << 20) /* clusters kept in the near-duplicate index (80 MiB) */

typedef struct rec {
    int64_t key;
    dd_sig sig;
    uint64_t author_h;
    int64_t ts;
    bool has_ts, has_author;
    uint8_t kind;
    char lang[16];
    size_t plat, plat_len, chan, chan_len, cname, cname_len; /* arena offsets */
    size_t id, id_len, author, author_len, text, text_len;  /* evidence, matched posts only */
    size_t hits, n_hits;                                    /* into the batch's hits */
    uint32_t est_bytes;
} rec;

typedef enum { B_POSTS, B_FILE_BEGIN, B_FILE_END, B_STOP } batch_kind;

typedef struct batch {
    batch_kind kind;
    rec *recs;
    size_t n;
    tc_buf arena;
    tocsin_hit *hits;
    size_t nh, hcap;
    size_t file; /* for markers: index into the file list */
    struct batch *next;
} batch;

typedef struct file_info {
    char *path;      /* as given */
    char *abs;       /* canonical path recorded in the store ("-" for stdin) */
    uint64_t size;
    int64_t mtime_ns;
    bool skip;
    char sha256[65];
    char format[32];
    tocsin_read_stats read;
    uint64_t no_time_scan;
    int64_t source_id;
    uint64_t new_posts, duplicates;
} file_info;

typedef struct cell {
    int64_t topic; /* topic id, 0 = totals */
    char lang[16];
    int64_t channel, hour;
    uint64_t posts, uniq;
    hll authors;
} cell;

typedef struct chan_ent {
    char *key; /* platform \0 channel */
    size_t key_len;
    int64_t id;
} chan_ent;

/* A worker's cache of recent author pseudonyms (authors repeat; BLAKE2b per post is not free):
 * direct-mapped, keyed by platform \0 author when that fits in `key`. */
#define PCACHE_SLOTS 1024
typedef struct pcache_ent {
    uint8_t len; /* 0 = empty */
    char key[47];
    unsigned char ps[16];
} pcache_ent;

typedef struct ingest {
    tocsin_store *s;
    const tocsin_ingest_opts *o;
    bool rescan;
    file_info *files;
    size_t nfiles;
    int64_t *topic_ids; /* per watchlist topic */
    const tocsin_watchlist *wl;
    /* queue */
    pthread_mutex_t lock;
    pthread_cond_t cond_work, cond_free;
    batch *head, *tail, *free_list;
    size_t nbatches, max_batches;
    batch **cur; /* per worker */
    unsigned nworkers;
    /* writer state */
    bool failed;
    tocsin_error werr;
    dd_index *index;
    int64_t last_cluster;
    /* per cluster in the index (slot id % CLUSTER_CAP): the key of the post that opened it, and
     * whether this run has written its `cluster` row */
    int64_t *first_key;
    uint8_t *has_row;
    tc_buf sigs;       /* signature records of the clusters opened since the last chunk */
    int64_t sigs_first; /* id of the first of them */
    cell *cells;
    size_t ncells, cells_cap;
    uint32_t *cell_slots;
    size_t cell_slots_cap;
    chan_ent *chans;
    size_t chans_cap, nchans;
    size_t since_commit;
    size_t cur_file;
    tc_buf blob;
    sqlite3_stmt *q_seen_ins, *q_seen_has, *q_rs_ins, *q_cluster_ins, *q_sig_ins, *q_sig_prune,
        *q_tot, *q_cnt, *q_post, *q_match, *q_chan_get, *q_chan_ins, *q_src_progress;
    /* counters (writer) */
    uint64_t posts, new_posts, duplicates, no_time, unique, matched;
    /* counters (workers, summed at the end) */
    uint64_t *reposts_skipped;
    pcache_ent *pcache; /* PCACHE_SLOTS per worker */
    /* progress */
    uint64_t bytes_total, bytes_done_files;
    double est_bytes_cur, est_ratio;
    struct timespec t0, last_progress;
    uint64_t files_done;
} ingest;

void tocsin_ingest_opts_init(tocsin_ingest_opts *o)
{
    memset(o, 0, sizeof *o);
    tocsin_scan_opts_init(&o->scan);
    o->reposts = TOCSIN_REPOSTS_COUNT;
}

static double now_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- batches and the queue ---- */

static void batch_free(batch *b)
{
    if (!b)
        return;
    free(b->recs);
    tc_buf_free(&b->arena);
    free(b->hits);
    free(b);
}

/* Takes a free batch (waits while max_batches are in flight). NULL on allocation failure. */
static batch *batch_get(ingest *g, batch_kind kind)
{
    pthread_mutex_lock(&g->lock);
    while (!g->free_list && g->nbatches >= g->max_batches)
        pthread_cond_wait(&g->cond_free, &g->lock);
    batch *b = g->free_list;
    if (b)
        g->free_list = b->next;
    else
        g->nbatches++;
    pthread_mutex_unlock(&g->lock);
    if (!b) {
        b = calloc(1, sizeof *b);
        if (b) {
            b->recs = malloc(BATCH_RECS * sizeof *b->recs);
            tc_buf_init(&b->arena, 0);
        }
        if (!b || !b->recs) {
            batch_free(b);
            pthread_mutex_lock(&g->lock);
            g->nbatches--;
            pthread_mutex_unlock(&g->lock);
            return NULL;
        }
    }
    b->kind = kind;
    b->n = 0;
    b->nh = 0;
    tc_buf_reset(&b->arena);
    b->next = NULL;
    return b;
}

static void batch_push(ingest *g, batch *b)
{
    pthread_mutex_lock(&g->lock);
    b->next = NULL;
    if (g->tail)
        g->tail->next = b;
    else
        g->head = b;
    g->tail = b;
    pthread_cond_signal(&g->cond_work);
    pthread_mutex_unlock(&g->lock);
}

static batch *batch_pop(ingest *g)
{
    pthread_mutex_lock(&g->lock);
    while (!g->head)
        pthread_cond_wait(&g->cond_work, &g->lock);
    batch *b = g->head;
    g->head = b->next;
    if (!g->head)
        g->tail = NULL;
    pthread_mutex_unlock(&g->lock);
    return b;
}

static void batch_release(ingest *g, batch *b)
{
    pthread_mutex_lock(&g->lock);
    b->next = g->free_list;
    g->free_list = b;
    pthread_cond_signal(&g->cond_free);
    pthread_mutex_unlock(&g->lock);
}

static tocsin_status push_marker(ingest *g, batch_kind kind, size_t file, tocsin_error *err)
{
    batch *b = batch_get(g, kind);
    if (!b)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    b->file = file;
    batch_push(g, b);
    return TOCSIN_OK;
}

/* ---- the sink: runs on the scan workers ---- */

static tocsin_status arena_put(tc_buf *a, tocsin_strv v, size_t *off, size_t *len)
{
    *off = a->len;
    *len = v.len;
    return v.len ? tc_buf_append(a, v.ptr, v.len) : TOCSIN_OK;
}

static void pseudonym(ingest *g, unsigned worker, const tocsin_post *p, unsigned char out[16])
{
    size_t klen = p->platform.len + 1 + p->author_id.len;
    if (klen > sizeof g->pcache[0].key) {
        store_pseudonym(g->s, p->platform, p->author_id, out);
        return;
    }
    char key[sizeof g->pcache[0].key];
    if (p->platform.len)
        memcpy(key, p->platform.ptr, p->platform.len);
    key[p->platform.len] = 0;
    memcpy(key + p->platform.len + 1, p->author_id.ptr, p->author_id.len);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < klen; i++)
        h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
    pcache_ent *e = &g->pcache[(size_t)worker * PCACHE_SLOTS + ((h >> 20) & (PCACHE_SLOTS - 1))];
    if (e->len == klen && !memcmp(e->key, key, klen)) {
        memcpy(out, e->ps, 16);
        return;
    }
    store_pseudonym(g->s, p->platform, p->author_id, out);
    e->len = (uint8_t)klen;
    memcpy(e->key, key, klen);
    memcpy(e->ps, out, 16);
}

static tocsin_status sink(void *ctx, unsigned worker, const tocsin_post_info *info,
                          tocsin_error *err)
{
    ingest *g = ctx;
    const tocsin_post *p = info->post;
    if (__atomic_load_n(&g->failed, __ATOMIC_ACQUIRE))
        return tc_error_set(err, TOCSIN_ERR_STORE, NULL, 0, NULL, "the store writer failed");
    if (p->kind == TOCSIN_KIND_REPOST && g->o->reposts == TOCSIN_REPOSTS_SKIP) {
        g->reposts_skipped[worker]++;
        return TOCSIN_OK;
    }
    batch *b = g->cur[worker];
    if (b && (b->n == BATCH_RECS || b->arena.len > BATCH_ARENA)) {
        batch_push(g, b);
        b = g->cur[worker] = NULL;
    }
    if (!b && !(b = g->cur[worker] = batch_get(g, B_POSTS)))
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    rec *r = &b->recs[b->n];
    memset(r, 0, sizeof *r);
    r->key = store_post_key(p);
    dd_signature(info->norm, info->norm_len, &r->sig);
    r->ts = p->ts;
    r->has_ts = p->has_ts;
    r->kind = (uint8_t)p->kind;
    snprintf(r->lang, sizeof r->lang, "%s", info->lang ? info->lang : "und");
    unsigned char pseud[16];
    if (p->author_id.len) {
        pseudonym(g, worker, p, pseud);
        memcpy(&r->author_h, pseud, 8);
        r->has_author = true;
    }
    r->est_bytes = (uint32_t)(p->text.len + p->id.len + p->author_id.len + p->channel_id.len +
                              p->author_name.len + 64);
    tocsin_status st = arena_put(&b->arena, p->platform, &r->plat, &r->plat_len);
    if (st == TOCSIN_OK)
        st = arena_put(&b->arena, p->channel_id, &r->chan, &r->chan_len);
    if (st == TOCSIN_OK)
        st = arena_put(&b->arena, p->channel_name, &r->cname, &r->cname_len);
    if (st == TOCSIN_OK && info->n_hits) {
        st = arena_put(&b->arena, p->id, &r->id, &r->id_len);
        if (st == TOCSIN_OK && !g->o->no_text)
            st = arena_put(&b->arena, p->text, &r->text, &r->text_len);
        if (st == TOCSIN_OK && p->author_id.len) {
            if (g->o->keep_authors) {
                st = arena_put(&b->arena, p->author_id, &r->author, &r->author_len);
            } else {
                char hex[33];
                sodium_bin2hex(hex, sizeof hex, pseud, 16);
                st = arena_put(&b->arena, tc_strv(hex, 32), &r->author, &r->author_len);
            }
        }
        if (st == TOCSIN_OK && b->nh + info->n_hits > b->hcap) {
            size_t cap = (b->nh + info->n_hits) * 2;
            tocsin_hit *h = realloc(b->hits, cap * sizeof *h);
            if (!h)
                st = TOCSIN_ERR_NOMEM;
            else
                b->hits = h, b->hcap = cap;
        }
        if (st == TOCSIN_OK) {
            memcpy(b->hits + b->nh, info->hits, info->n_hits * sizeof *info->hits);
            r->hits = b->nh;
            r->n_hits = info->n_hits;
            b->nh += info->n_hits;
        }
    }
    if (st != TOCSIN_OK)
        return tc_error_set(err, st, p->source, p->line, NULL,
                            st == TOCSIN_ERR_LIMIT ? "post too large for a batch"
                                                   : "out of memory");
    b->n++;
    return TOCSIN_OK;
}

/* ---- the writer ---- */

/* A bindable pointer to arena text: never NULL, so an empty field is '' and not SQL NULL. */
static const char *at(const char *arena, size_t off, size_t len)
{
    return len ? arena + off : "";
}

static tocsin_status wfail(ingest *g, const char *what)
{
    return store_fail(g->s, what, &g->werr);
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t cell_hash(int64_t topic, const char *lang, int64_t channel, int64_t hour)
{
    uint64_t h = mix64((uint64_t)topic * 0x9e3779b97f4a7c15ULL ^ (uint64_t)channel);
    h = mix64(h ^ (uint64_t)hour);
    for (const char *c = lang; *c; c++)
        h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
    return mix64(h);
}

static tocsin_status cells_rehash(ingest *g, size_t cap)
{
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return TOCSIN_ERR_NOMEM;
    for (size_t i = 0; i < g->ncells; i++) {
        const cell *c = &g->cells[i];
        size_t j = cell_hash(c->topic, c->lang, c->channel, c->hour) & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = (uint32_t)i + 1;
    }
    free(g->cell_slots);
    g->cell_slots = slots;
    g->cell_slots_cap = cap;
    return TOCSIN_OK;
}

/* lang: a NUL-padded char[16] (a rec's), compared and copied whole. */
static tocsin_status cell_add(ingest *g, int64_t topic, const char lang[16], int64_t channel,
                              int64_t hour, bool uniq, bool has_author, uint64_t author)
{
    tocsin_status st;
    if ((g->ncells + 1) * 2 > g->cell_slots_cap &&
        (st = cells_rehash(g, g->cell_slots_cap ? g->cell_slots_cap * 2 : 1024)) != TOCSIN_OK)
        return st;
    size_t mask = g->cell_slots_cap - 1, j = cell_hash(topic, lang, channel, hour) & mask;
    cell *c = NULL;
    while (g->cell_slots[j]) {
        cell *o = &g->cells[g->cell_slots[j] - 1];
        if (o->topic == topic && o->channel == channel && o->hour == hour &&
            !memcmp(o->lang, lang, sizeof o->lang)) {
            c = o;
            break;
        }
        j = (j + 1) & mask;
    }
    if (!c) {
        if (g->ncells == g->cells_cap) {
            size_t cap = g->cells_cap ? g->cells_cap * 2 : 1024;
            cell *nc = realloc(g->cells, cap * sizeof *nc);
            if (!nc)
                return TOCSIN_ERR_NOMEM;
            g->cells = nc;
            g->cells_cap = cap;
        }
        c = &g->cells[g->ncells];
        memset(c, 0, sizeof *c);
        c->topic = topic;
        memcpy(c->lang, lang, sizeof c->lang);
        c->channel = channel;
        c->hour = hour;
        hll_init(&c->authors);
        g->cell_slots[j] = (uint32_t)++g->ncells;
    }
    c->posts++;
    c->uniq += uniq;
    return has_author ? hll_add(&c->authors, author) : TOCSIN_OK;
}

/* The primary-key order of `totals` (lang, channel, hour) and `counts` (topic, lang, channel,
 * hour); lang compares as SQLite's BINARY collation does (bytes, then length). Totals (topic 0)
 * come first. */
static int cell_cmp(const void *pa, const void *pb)
{
    const cell *a = *(const cell *const *)pa, *b = *(const cell *const *)pb;
    if (a->topic != b->topic)
        return a->topic < b->topic ? -1 : 1;
    int r = memcmp(a->lang, b->lang, sizeof a->lang); /* NUL-padded: same order as strcmp */
    if (r)
        return r;
    if (a->channel != b->channel)
        return a->channel < b->channel ? -1 : 1;
    return a->hour < b->hour ? -1 : a->hour > b->hour;
}

/* Writes the accumulated cells as increments (posts, unique, HLL union) and empties the map.
 * The upserts go in key order: a batch touches up to batch_posts cells scattered over the
 * tables, and walking the B-trees in order keeps each leaf in hand for its neighbours (the
 * result does not depend on the order). */
static tocsin_status cells_flush(ingest *g)
{
    tocsin_status st = TOCSIN_OK;
    cell **order = g->ncells ? malloc(g->ncells * sizeof *order) : NULL;
    if (order) {
        for (size_t i = 0; i < g->ncells; i++)
            order[i] = &g->cells[i];
        qsort(order, g->ncells, sizeof *order, cell_cmp);
    } /* without memory for the order, the cells go in insertion order: same result */
    for (size_t i = 0; i < g->ncells && st == TOCSIN_OK; i++) {
        cell *c = order ? order[i] : &g->cells[i];
        sqlite3_stmt *q = c->topic ? g->q_cnt : g->q_tot;
        int k = 1;
        if (c->topic)
            sqlite3_bind_int64(q, k++, c->topic);
        sqlite3_bind_text(q, k++, c->lang, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, k++, c->channel);
        sqlite3_bind_int64(q, k++, c->hour);
        sqlite3_bind_int64(q, k++, (sqlite3_int64)c->posts);
        sqlite3_bind_int64(q, k++, (sqlite3_int64)c->uniq);
        if ((st = hll_serialize(&c->authors, &g->blob)) != TOCSIN_OK)
            break;
        sqlite3_bind_blob(q, k++, g->blob.data, (int)g->blob.len, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            st = wfail(g, "writing counts");
        sqlite3_reset(q);
    }
    free(order);
    for (size_t i = 0; i < g->ncells; i++)
        hll_free(&g->cells[i].authors);
    g->ncells = 0;
    if (g->cell_slots)
        memset(g->cell_slots, 0, g->cell_slots_cap * sizeof *g->cell_slots);
    return st;
}

/* Writes the signatures of the clusters opened since the last chunk as one `cluster_sigs` row
 * (one B-tree insert per chunk instead of one per cluster). */
static tocsin_status sigs_flush(ingest *g)
{
    if (!g->sigs.len)
        return TOCSIN_OK;
    sqlite3_stmt *q = g->q_sig_ins;
    sqlite3_bind_int64(q, 1, g->sigs_first);
    sqlite3_bind_int64(q, 2, g->sigs_first + (int64_t)(g->sigs.len / STORE_SIG_REC) - 1);
    sqlite3_bind_blob(q, 3, g->sigs.data, (int)g->sigs.len, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return wfail(g, "recording clusters");
    tc_buf_reset(&g->sigs);
    return TOCSIN_OK;
}

static tocsin_status commit(ingest *g, bool begin_again)
{
    tocsin_status st = cells_flush(g);
    if (st == TOCSIN_OK)
        st = sigs_flush(g);
    if (st != TOCSIN_OK)
        return st;
    file_info *f = g->cur_file < g->nfiles ? &g->files[g->cur_file] : NULL;
    if (f && f->source_id && !g->rescan) {
        sqlite3_bind_int64(g->q_src_progress, 1, (sqlite3_int64)f->new_posts);
        sqlite3_bind_int64(g->q_src_progress, 2, (sqlite3_int64)f->duplicates);
        sqlite3_bind_int64(g->q_src_progress, 3, f->source_id);
        int r = sqlite3_step(g->q_src_progress);
        sqlite3_reset(g->q_src_progress);
        if (r != SQLITE_DONE)
            return wfail(g, "recording progress");
        f->new_posts = f->duplicates = 0; /* added; counted afresh until the next commit */
    }
    /* chunks whose clusters all fell out of the index are never read again */
    if (!g->rescan && g->last_cluster > (int64_t)CLUSTER_CAP) {
        sqlite3_bind_int64(g->q_sig_prune, 1, g->last_cluster - (int64_t)CLUSTER_CAP);
        int r = sqlite3_step(g->q_sig_prune);
        sqlite3_reset(g->q_sig_prune);
        if (r != SQLITE_DONE)
            return wfail(g, "pruning signatures");
    }
    if ((st = store_exec(g->s, "COMMIT", &g->werr)) != TOCSIN_OK)
        return st;
    g->since_commit = 0;
    return begin_again ? store_exec(g->s, "BEGIN IMMEDIATE", &g->werr) : TOCSIN_OK;
}

static tocsin_status channel_id(ingest *g, const char *arena, const rec *r, int64_t *out)
{
    size_t klen = r->plat_len + 1 + r->chan_len;
    uint64_t h = mix64(klen);
    for (size_t i = 0; i < r->plat_len; i++)
        h = (h ^ (unsigned char)arena[r->plat + i]) * 0x100000001b3ULL;
    h = (h ^ 0xff) * 0x100000001b3ULL;
    for (size_t i = 0; i < r->chan_len; i++)
        h = (h ^ (unsigned char)arena[r->chan + i]) * 0x100000001b3ULL;
    if ((g->nchans + 1) * 2 > g->chans_cap) {
        size_t cap = g->chans_cap ? g->chans_cap * 2 : 256;
        chan_ent *nc = calloc(cap, sizeof *nc);
        if (!nc)
            return TOCSIN_ERR_NOMEM;
        for (size_t i = 0; i < g->chans_cap; i++) {
            if (!g->chans[i].key)
                continue;
            uint64_t hh = mix64(g->chans[i].key_len);
            const char *k = g->chans[i].key;
            for (size_t j = 0; j < g->chans[i].key_len; j++)
                hh = (hh ^ (k[j] ? (unsigned char)k[j] : 0xff)) * 0x100000001b3ULL;
            size_t s = mix64(hh) & (cap - 1);
            while (nc[s].key)
                s = (s + 1) & (cap - 1);
            nc[s] = g->chans[i];
        }
        free(g->chans);
        g->chans = nc;
        g->chans_cap = cap;
    }
    size_t mask = g->chans_cap - 1, s = mix64(h) & mask;
    for (; g->chans[s].key; s = (s + 1) & mask) {
        const chan_ent *e = &g->chans[s];
        if (e->key_len == klen && !memcmp(e->key, at(arena, r->plat, r->plat_len), r->plat_len) &&
            e->key[r->plat_len] == 0 && !memcmp(e->key + r->plat_len + 1, at(arena, r->chan, r->chan_len), r->chan_len)) {
            *out = e->id;
            return TOCSIN_OK;
        }
    }
    sqlite3_stmt *q = g->q_chan_get;
    sqlite3_bind_text(q, 1, at(arena, r->plat, r->plat_len), (int)r->plat_len, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, at(arena, r->chan, r->chan_len), (int)r->chan_len, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return wfail(g, "reading channels");
    if (!id) {
        q = g->q_chan_ins;
        sqlite3_bind_text(q, 1, at(arena, r->plat, r->plat_len), (int)r->plat_len, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, at(arena, r->chan, r->chan_len), (int)r->chan_len, SQLITE_STATIC);
        if (r->cname_len)
            sqlite3_bind_text(q, 3, at(arena, r->cname, r->cname_len), (int)r->cname_len, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 3);
        rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
            return wfail(g, "adding a channel");
        id = sqlite3_last_insert_rowid(g->s->db);
    }
    char *key = malloc(klen);
    if (!key)
        return TOCSIN_ERR_NOMEM;
    memcpy(key, at(arena, r->plat, r->plat_len), r->plat_len);
    key[r->plat_len] = 0;
    memcpy(key + r->plat_len + 1, at(arena, r->chan, r->chan_len), r->chan_len);
    g->chans[s].key = key;
    g->chans[s].key_len = klen;
    g->chans[s].id = id;
    g->nchans++;
    *out = id;
    return TOCSIN_OK;
}

/* Runs a one-row statement with key bound at 1: 1 when it changed a row / returned one. */
static int step_key(ingest *g, sqlite3_stmt *q, int64_t key, bool is_insert)
{
    sqlite3_bind_int64(q, 1, key);
    int rc = sqlite3_step(q);
    int out = -1;
    if (is_insert && rc == SQLITE_DONE)
        out = sqlite3_changes(g->s->db) > 0;
    else if (!is_insert && (rc == SQLITE_ROW || rc == SQLITE_DONE))
        out = rc == SQLITE_ROW;
    sqlite3_reset(q);
    return out;
}

static tocsin_status write_evidence(ingest *g, const batch *b, const rec *r, int64_t chan,
                                    int64_t cluster)
{
    const file_info *f = &g->files[g->cur_file];
    const char *a = b->arena.data;
    sqlite3_stmt *q = g->q_post;
    sqlite3_bind_int64(q, 1, r->key);
    sqlite3_bind_text(q, 2, at(a, r->id, r->id_len), (int)r->id_len, SQLITE_STATIC);
    if (r->has_ts)
        sqlite3_bind_int64(q, 3, r->ts);
    else
        sqlite3_bind_null(q, 3);
    sqlite3_bind_int64(q, 4, chan);
    if (r->author_len)
        sqlite3_bind_text(q, 5, at(a, r->author, r->author_len), (int)r->author_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 5);
    sqlite3_bind_text(q, 6, r->lang, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, tocsin_kind_name((tocsin_kind)r->kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 8, cluster);
    sqlite3_bind_int64(q, 9, f->source_id);
    if (g->o->no_text)
        sqlite3_bind_null(q, 10);
    else
        sqlite3_bind_text(q, 10, at(a, r->text, r->text_len), (int)r->text_len, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return wfail(g, "writing evidence");
    for (size_t i = 0; i < r->n_hits; i++) {
        const tocsin_hit *h = &b->hits[r->hits + i];
        const char *term = tocsin_watchlist_term(g->wl, h->term);
        q = g->q_match;
        sqlite3_bind_int64(q, 1, r->key);
        sqlite3_bind_int64(q, 2, g->topic_ids[h->topic]);
        sqlite3_bind_text(q, 3, term ? term : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)h->start);
        sqlite3_bind_int64(q, 5, (sqlite3_int64)h->end);
        rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
            return wfail(g, "writing evidence");
    }
    return TOCSIN_OK;
}

/* The `cluster` row of cluster id opened by the post with key first (kept once). */
static tocsin_status cluster_row(ingest *g, int64_t id, int64_t first)
{
    sqlite3_stmt *q = g->q_cluster_ins;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, first);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? TOCSIN_OK : wfail(g, "recording a cluster");
}

static tocsin_status process_rec(ingest *g, const batch *b, const rec *r)
{
    tocsin_status st;
    file_info *f = &g->files[g->cur_file];
    g->posts++;
    g->est_bytes_cur += r->est_bytes;
    bool uniq;
    int64_t cluster = 0;
    if (!g->rescan) {
        /* the cluster the post would join (or open) is decided first, so that the key and its
         * cluster go in with one insert */
        uniq = !dd_index_find(g->index, &r->sig, &cluster);
        if (uniq)
            cluster = g->last_cluster + 1;
        sqlite3_bind_int64(g->q_seen_ins, 2, uniq ? -cluster : cluster); /* < 0: opened it */
        int fresh = step_key(g, g->q_seen_ins, r->key, true);
        if (fresh < 0)
            return wfail(g, "recording a post key");
        if (!fresh) {
            g->duplicates++;
            f->duplicates++;
            return TOCSIN_OK;
        }
        g->new_posts++;
        f->new_posts++;
        g->since_commit++;
        size_t slot = (size_t)(cluster % (int64_t)CLUSTER_CAP);
        if (uniq) {
            /* the signature goes into the chunk written at commit; the `cluster` row only when
             * a reader will look for it: the post is kept as evidence (here) or another post
             * joins the cluster (below) */
            g->last_cluster = cluster;
            unsigned char rec_bytes[STORE_SIG_REC];
            dd_sig_pack(&r->sig, rec_bytes);
            store_put_le64(rec_bytes + DD_SIG_BYTES, (uint64_t)r->key);
            if (!g->sigs.len)
                g->sigs_first = cluster;
            if ((st = tc_buf_append(&g->sigs, rec_bytes, sizeof rec_bytes)) != TOCSIN_OK)
                return tc_error_set(&g->werr, st, NULL, 0, NULL, "out of memory");
            if (g->sigs.len >= (size_t)STORE_SIG_CHUNK * STORE_SIG_REC &&
                (st = sigs_flush(g)) != TOCSIN_OK)
                return st;
            g->first_key[slot] = r->key;
            g->has_row[slot] = r->n_hits > 0;
            if (r->n_hits && (st = cluster_row(g, cluster, r->key)) != TOCSIN_OK)
                return st;
            dd_index_add(g->index, &r->sig, cluster);
            g->unique++;
        } else if (!g->has_row[slot]) {
            g->has_row[slot] = 1;
            if ((st = cluster_row(g, cluster, g->first_key[slot])) != TOCSIN_OK)
                return st;
        }
    } else {
        /* rescan: count only posts the store holds, once each; cluster and uniqueness as
         * recorded at ingest */
        if (!r->n_hits)
            return TOCSIN_OK;
        sqlite3_stmt *q = g->q_seen_has;
        sqlite3_bind_int64(q, 1, r->key);
        int rc = sqlite3_step(q);
        bool has = rc == SQLITE_ROW;
        cluster = has ? sqlite3_column_int64(q, 0) : 0;
        sqlite3_reset(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return wfail(g, "checking a post key");
        int fresh = has ? step_key(g, g->q_rs_ins, r->key, true) : 0;
        if (fresh < 0)
            return wfail(g, "checking a post key");
        if (!fresh)
            return TOCSIN_OK;
        g->new_posts++;
        uniq = cluster < 0; /* the post opened its cluster */
        if (cluster < 0)
            cluster = -cluster;
        /* it is kept as evidence now: its cluster needs a row (one that joined an earlier
         * post's cluster has one since that join) */
        if (uniq && (st = cluster_row(g, cluster, r->key)) != TOCSIN_OK)
            return st;
    }
    if (!r->has_ts) {
        g->no_time++;
        if (!r->n_hits)
            return TOCSIN_OK;
    }
    int64_t chan = 0;
    if ((st = channel_id(g, b->arena.data, r, &chan)) != TOCSIN_OK)
        return st == TOCSIN_ERR_NOMEM ? tc_error_set(&g->werr, st, NULL, 0, NULL, "out of memory")
                                      : st;
    int64_t hour = r->ts - ((r->ts % 3600) + 3600) % 3600;
    if (r->has_ts && !g->rescan &&
        (st = cell_add(g, 0, r->lang, chan, hour, uniq, r->has_author, r->author_h)) != TOCSIN_OK)
        return tc_error_set(&g->werr, st, NULL, 0, NULL, "out of memory");
    if (!r->n_hits)
        return TOCSIN_OK;
    g->matched++;
    for (size_t i = 0; i < r->n_hits && r->has_ts; i++) {
        uint32_t t = b->hits[r->hits + i].topic;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = b->hits[r->hits + j].topic == t;
        if (!seen && (st = cell_add(g, g->topic_ids[t], r->lang, chan, hour, uniq, r->has_author,
                                    r->author_h)) != TOCSIN_OK)
            return tc_error_set(&g->werr, st, NULL, 0, NULL, "out of memory");
    }
    return write_evidence(g, b, r, chan, cluster);
}

static void report_progress(ingest *g, bool force)
{
    if (!g->o->progress)
        return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double since = (double)(t.tv_sec - g->last_progress.tv_sec) +
                   (double)(t.tv_nsec - g->last_progress.tv_nsec) / 1e9;
    if (!force && since < 0.2)
        return;
    g->last_progress = t;
    tocsin_ingest_progress p;
    memset(&p, 0, sizeof p);
    p.bytes_total = g->bytes_total;
    uint64_t cur = (uint64_t)(g->est_bytes_cur * g->est_ratio);
    if (g->cur_file < g->nfiles && cur > g->files[g->cur_file].size)
        cur = g->files[g->cur_file].size;
    p.bytes_done = g->bytes_done_files + cur;
    p.posts = g->posts;
    p.files_done = g->files_done;
    p.files_total = g->nfiles;
    p.seconds = now_since(&g->t0);
    g->o->progress(g->o->progress_ctx, &p);
}

static tocsin_status file_begin(ingest *g, size_t i)
{
    file_info *f = &g->files[i];
    g->cur_file = i;
    g->est_bytes_cur = 0;
    if (g->rescan) {
        sqlite3_stmt *q;
        tocsin_status st = store_prepare(g->s, "SELECT id FROM source WHERE path = ?", &q, &g->werr);
        if (st != TOCSIN_OK)
            return st;
        sqlite3_bind_text(q, 1, f->abs, -1, SQLITE_STATIC);
        f->source_id = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        sqlite3_finalize(q);
        return TOCSIN_OK;
    }
    sqlite3_stmt *q;
    tocsin_status st = store_prepare(
        g->s,
        "INSERT INTO source(path, size, mtime, status, new_posts, duplicates, ingested)"
        " VALUES(?1, ?2, ?3, 'partial', 0, 0, ?4) ON CONFLICT(path) DO UPDATE SET"
        " size = ?2, mtime = ?3, status = 'partial', ingested = ?4 RETURNING id",
        &q, &g->werr);
    if (st != TOCSIN_OK)
        return st;
    sqlite3_bind_text(q, 1, f->abs, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)f->size);
    sqlite3_bind_int64(q, 3, f->mtime_ns);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)time(NULL));
    if (sqlite3_step(q) == SQLITE_ROW)
        f->source_id = sqlite3_column_int64(q, 0);
    else
        st = wfail(g, "recording a source");
    sqlite3_finalize(q);
    f->new_posts = f->duplicates = 0;
    return st;
}

static tocsin_status file_end(ingest *g, size_t i)
{
    file_info *f = &g->files[i];
    tocsin_status st;
    g->cur_file = i;
    if (g->est_bytes_cur > 0 && f->size > 0)
        g->est_ratio = (double)f->size / g->est_bytes_cur;
    g->bytes_done_files += f->size;
    g->est_bytes_cur = 0;
    g->files_done++;
    if (g->rescan) {
        report_progress(g, true);
        return TOCSIN_OK;
    }
    if ((st = commit(g, false)) != TOCSIN_OK)
        return st;
    uint64_t skipped = 0;
    char detail[512] = "";
    size_t dl = 0;
    for (int r = 0; r < TOCSIN_SKIP__COUNT; r++)
        if (f->read.skipped[r]) {
            skipped += f->read.skipped[r];
            dl += (size_t)snprintf(detail + dl, sizeof detail - dl, "%s%s: %llu", dl ? ", " : "",
                                   tocsin_skip_reason_name((tocsin_skip_reason)r),
                                   (unsigned long long)f->read.skipped[r]);
            if (dl >= sizeof detail)
                dl = sizeof detail - 1;
        }
    sqlite3_stmt *q;
    if ((st = store_prepare(g->s,
                            "UPDATE source SET sha256 = ?, format = ?, records = ?, posts = ?,"
                            " skipped = ?, skipped_detail = ?, watchlist = ?,"
                            " status = 'complete' WHERE id = ?",
                            &q, &g->werr)) != TOCSIN_OK)
        return st;
    sqlite3_bind_text(q, 1, f->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, f->format, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)f->read.records);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)f->read.posts);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)skipped);
    sqlite3_bind_text(q, 6, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, tocsin_watchlist_hash(g->wl), -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 8, f->source_id);
    if (sqlite3_step(q) != SQLITE_DONE)
        st = wfail(g, "recording a source");
    sqlite3_finalize(q);
    if (st == TOCSIN_OK)
        st = store_exec(g->s, "BEGIN IMMEDIATE", &g->werr);
    report_progress(g, true);
    return st;
}

static void *writer_main(void *arg)
{
    ingest *g = arg;
    for (;;) {
        batch *b = batch_pop(g);
        batch_kind kind = b->kind;
        tocsin_status st = TOCSIN_OK;
        if (!g->failed) {
            if (kind == B_POSTS) {
                for (size_t i = 0; i < b->n && st == TOCSIN_OK; i++) {
                    if (g->index && i + 4 < b->n)
                        dd_index_prefetch(g->index, &b->recs[i + 4].sig);
                    st = process_rec(g, b, &b->recs[i]);
                    if (st == TOCSIN_OK && !g->rescan && g->since_commit >= g->o->batch_posts)
                        st = commit(g, true);
                }
                report_progress(g, false);
            } else if (kind == B_FILE_BEGIN) {
                st = file_begin(g, b->file);
            } else if (kind == B_FILE_END) {
                st = file_end(g, b->file);
            }
            if (st != TOCSIN_OK) {
                if (g->werr.code == TOCSIN_OK)
                    tc_error_set(&g->werr, st, NULL, 0, NULL, "the store writer failed");
                __atomic_store_n(&g->failed, true, __ATOMIC_RELEASE);
            }
        }
        batch_release(g, b);
        if (kind == B_STOP)
            return NULL;
    }
}

/* ---- setup ---- */

static tocsin_status prepare_all(ingest *g, tocsin_error *err)
{
    static const struct {
        size_t off;
        const char *sql;
    } qs[] = {
        {offsetof(ingest, q_seen_ins), "INSERT OR IGNORE INTO seen(k, c) VALUES(?, ?)"},
        {offsetof(ingest, q_seen_has),
         "SELECT c FROM seen WHERE k = ?"},
        {offsetof(ingest, q_cluster_ins),
         "INSERT OR IGNORE INTO cluster(id, first_key) VALUES(?, ?)"},
        {offsetof(ingest, q_sig_ins), "INSERT INTO cluster_sigs(first, last, sigs) VALUES(?, ?, ?)"},
        {offsetof(ingest, q_sig_prune), "DELETE FROM cluster_sigs WHERE last <= ?"},
        {offsetof(ingest, q_tot),
         "INSERT INTO totals(lang, channel, hour, posts, uniq, authors) VALUES(?,?,?,?,?,?)"
         " ON CONFLICT(lang, channel, hour) DO UPDATE SET posts = posts + excluded.posts,"
         " uniq = uniq + excluded.uniq, authors = hll_merge(authors, excluded.authors)"},
        {offsetof(ingest, q_cnt),
         "INSERT INTO counts(topic, lang, channel, hour, posts, uniq, authors)"
         " VALUES(?,?,?,?,?,?,?) ON CONFLICT(topic, lang, channel, hour) DO UPDATE SET"
         " posts = posts + excluded.posts, uniq = uniq + excluded.uniq,"
         " authors = hll_merge(authors, excluded.authors)"},
        {offsetof(ingest, q_post),
         "INSERT OR REPLACE INTO post(key, id, ts, channel, author, lang, kind, cluster, source,"
         " text) VALUES(?,?,?,?,?,?,?,?,?,?)"},
        {offsetof(ingest, q_match),
         "INSERT OR IGNORE INTO post_match(key, topic, term, start, end) VALUES(?,?,?,?,?)"},
        {offsetof(ingest, q_chan_get), "SELECT id FROM channel WHERE platform = ? AND channel = ?"},
        {offsetof(ingest, q_chan_ins), "INSERT INTO channel(platform, channel, name) VALUES(?,?,?)"},
        {offsetof(ingest, q_src_progress),
         "UPDATE source SET new_posts = new_posts + ?, duplicates = duplicates + ? WHERE id = ?"},
    };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        tocsin_status st =
            store_prepare(g->s, qs[i].sql, (sqlite3_stmt **)((char *)g + qs[i].off), err);
        if (st != TOCSIN_OK)
            return st;
    }
    if (g->rescan) {
        if (store_exec(g->s, "CREATE TEMP TABLE IF NOT EXISTS rs_seen(k INTEGER PRIMARY KEY)"
                             " WITHOUT ROWID; DELETE FROM rs_seen;", err) != TOCSIN_OK)
            return TOCSIN_ERR_STORE;
        return store_prepare(g->s, "INSERT OR IGNORE INTO temp.rs_seen(k) VALUES(?)", &g->q_rs_ins,
                             err);
    }
    return TOCSIN_OK;
}

static void finalize_all(ingest *g)
{
    sqlite3_stmt **qs[] = {&g->q_seen_ins, &g->q_seen_has, &g->q_rs_ins, &g->q_sig_ins,
                           &g->q_sig_prune, &g->q_cluster_ins, &g->q_tot, &g->q_cnt, &g->q_post, &g->q_match,
                           &g->q_chan_get, &g->q_chan_ins, &g->q_src_progress};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        sqlite3_finalize(*qs[i]);
        *qs[i] = NULL;
    }
}

static tocsin_status load_topics(ingest *g, tocsin_error *err)
{
    size_t n = tocsin_watchlist_topic_count(g->wl);
    if (!(g->topic_ids = calloc(n ? n : 1, sizeof *g->topic_ids)))
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    sqlite3_stmt *ins, *get;
    tocsin_status st = store_prepare(
        g->s, "INSERT INTO topic(name, label) VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE SET"
              " label = ?2", &ins, err);
    if (st != TOCSIN_OK)
        return st;
    if ((st = store_prepare(g->s, "SELECT id FROM topic WHERE name = ?", &get, err)) != TOCSIN_OK) {
        sqlite3_finalize(ins);
        return st;
    }
    for (size_t i = 0; i < n && st == TOCSIN_OK; i++) {
        const char *name = tocsin_watchlist_topic_id(g->wl, i);
        const char *label = tocsin_watchlist_topic_label(g->wl, i);
        sqlite3_bind_text(ins, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, label ? label : name, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            st = store_fail(g->s, "recording topics", err);
        sqlite3_reset(ins);
        sqlite3_bind_text(get, 1, name, -1, SQLITE_STATIC);
        if (st == TOCSIN_OK && sqlite3_step(get) == SQLITE_ROW)
            g->topic_ids[i] = sqlite3_column_int64(get, 0);
        else if (st == TOCSIN_OK)
            st = store_fail(g->s, "recording topics", err);
        sqlite3_reset(get);
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(get);
    return st;
}

/* Loads the newest CLUSTER_CAP clusters into the near-duplicate index, oldest first, with the
 * first key of each. */
static tocsin_status load_clusters(ingest *g, tocsin_error *err)
{
    if (!(g->index = dd_index_new(CLUSTER_CAP)) ||
        !(g->first_key = malloc(CLUSTER_CAP * sizeof *g->first_key)) ||
        !(g->has_row = calloc(CLUSTER_CAP, 1)))
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    sqlite3_stmt *q;
    /* ids continue after the largest ever given (old chunks are pruned, never the newest) */
    g->last_cluster = 0;
    if (store_prepare(g->s, "SELECT max(last) FROM cluster_sigs", &q, err) != TOCSIN_OK)
        return TOCSIN_ERR_STORE;
    if (sqlite3_step(q) == SQLITE_ROW)
        g->last_cluster = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    int64_t cutoff = g->last_cluster - (int64_t)CLUSTER_CAP;
    tocsin_status st = store_prepare(
        g->s, "SELECT first, last, sigs FROM cluster_sigs WHERE last > ? ORDER BY first", &q, err);
    if (st != TOCSIN_OK)
        return st;
    sqlite3_bind_int64(q, 1, cutoff);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t first = sqlite3_column_int64(q, 0), last = sqlite3_column_int64(q, 1);
        const unsigned char *p = sqlite3_column_blob(q, 2);
        size_t n = (size_t)sqlite3_column_bytes(q, 2);
        if (last < first || n != (size_t)(last - first + 1) * STORE_SIG_REC) {
            sqlite3_finalize(q);
            return tc_error_set(err, TOCSIN_ERR_STORE, g->s->path, 0, "cluster_sigs.sigs",
                                "malformed near-duplicate signatures of clusters %lld-%lld",
                                (long long)first, (long long)last);
        }
        for (int64_t id = first; id <= last; id++, p += STORE_SIG_REC) {
            dd_sig sig;
            if (id <= cutoff)
                continue;
            dd_sig_unpack(p, DD_SIG_BYTES, &sig);
            size_t slot = (size_t)(id % (int64_t)CLUSTER_CAP);
            g->first_key[slot] = (int64_t)store_get_le64(p + DD_SIG_BYTES);
            g->has_row[slot] = 0; /* unknown: written with INSERT OR IGNORE on the next join */
            dd_index_add(g->index, &sig, id);
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return store_fail(g->s, "reading clusters", err);
    if (store_prepare(g->s, "SELECT max(id) FROM cluster", &q, err) != TOCSIN_OK)
        return TOCSIN_ERR_STORE;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) > g->last_cluster)
        g->last_cluster = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return TOCSIN_OK;
}

/* The repost mode is a property of the store: mixing modes would make counts meaningless. */
static tocsin_status check_mode(ingest *g, tocsin_error *err)
{
    const char *want = g->o->reposts == TOCSIN_REPOSTS_SKIP ? "skip" : "count";
    char *have = NULL;
    tocsin_status st = store_meta_get(g->s, "reposts", &have, err);
    if (st != TOCSIN_OK)
        return st;
    if (have && strcmp(have, want))
        st = tc_error_set(err, TOCSIN_ERR_USAGE, g->s->path, 0, "reposts",
                          "this store counts reposts with '--reposts %s'; it cannot mix modes "
                          "(use another --db for '--reposts %s')", have, want);
    else if (!have)
        st = store_meta_set(g->s, "reposts", want, err);
    free(have);
    return st;
}

typedef struct hasher {
    const char *path;
    char *hex;
    pthread_t tid;
    bool started;
} hasher;

static void *hash_main(void *arg)
{
    hasher *h = arg;
    store_sha256 st;
    FILE *f = fopen(h->path, "rb");
    if (!f || !store_sha256_init(&st)) {
        h->hex[0] = '\0';
        if (f)
            fclose(f);
        return NULL;
    }
    unsigned char *buf = malloc(1 << 20);
    size_t n;
    while (buf && (n = fread(buf, 1, 1 << 20, f)) > 0)
        store_sha256_update(&st, buf, n);
    unsigned char out[32];
    bool hashed = store_sha256_final(&st, out);
    if (buf && hashed && !ferror(f))
        sodium_bin2hex(h->hex, 65, out, 32);
    else
        h->hex[0] = '\0';
    free(buf);
    fclose(f);
    return NULL;
}

static void files_free(file_info *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++) {
        free(f[i].abs);
        free(f[i].path);
    }
    free(f);
}

static tocsin_status file_stat(file_info *f, const char *path, tocsin_error *err)
{
    memset(f, 0, sizeof *f);
    if (!(f->path = strdup(path)))
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    if (!strcmp(path, "-")) {
        f->abs = strdup("-");
    } else {
        struct stat sb;
        if (stat(path, &sb) != 0)
            return tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL, "cannot open: %s",
                                strerror(errno));
        f->size = (uint64_t)sb.st_size;
        f->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
        f->abs = realpath(path, NULL);
    }
    if (!f->abs)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, path, 0, NULL, "cannot resolve path");
    return TOCSIN_OK;
}

/* Drives the writer thread over the files; shared by ingest and rescan. */
static tocsin_status run(ingest *g, tocsin_ingest_summary *sum, tocsin_error *err)
{
    const tocsin_ingest_opts *o = g->o;
    tocsin_status st;
    unsigned threads = o->scan.threads ? o->scan.threads : 1;
    g->nworkers = threads;
    g->max_batches = 2 * threads + 6;
    g->est_ratio = 1.0;
    clock_gettime(CLOCK_MONOTONIC, &g->t0);
    g->last_progress = g->t0;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond_work, NULL);
    pthread_cond_init(&g->cond_free, NULL);
    g->cur = calloc(threads, sizeof *g->cur);
    g->reposts_skipped = calloc(threads, sizeof *g->reposts_skipped);
    g->pcache = calloc((size_t)threads * PCACHE_SLOTS, sizeof *g->pcache);
    tc_buf_init(&g->blob, 0);
    tc_buf_init(&g->sigs, 0);
    if (!g->cur || !g->reposts_skipped || !g->pcache) {
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
        goto out;
    }
    if ((st = load_topics(g, err)) != TOCSIN_OK || (st = load_clusters(g, err)) != TOCSIN_OK ||
        (st = prepare_all(g, err)) != TOCSIN_OK)
        goto out;
    if (g->rescan &&
        (st = store_exec(g->s, "BEGIN IMMEDIATE; DELETE FROM counts; DELETE FROM post_match;"
                               " DELETE FROM post;", err)) != TOCSIN_OK)
        goto out;
    /* A commit writes its pages to the WAL; a checkpoint copies them into the database. With
     * SQLite's default (a checkpoint once the WAL passes 1,000 pages) every commit of a batch
     * is followed by one, and pages that every batch touches (key and totals leaves) are
     * copied again each time; checkpointing past 16,384 pages (64 MiB of WAL) copies them
     * about once per several batches. Readers are not affected (they read the WAL). */
    if ((st = store_exec(g->s, "PRAGMA wal_autocheckpoint=16384", err)) != TOCSIN_OK)
        goto out;
    if (!g->rescan && (st = store_exec(g->s, "BEGIN IMMEDIATE", err)) != TOCSIN_OK)
        goto out;
    for (size_t i = 0; i < g->nfiles; i++)
        if (!g->files[i].skip)
            g->bytes_total += g->files[i].size;
    pthread_t wt;
    if (pthread_create(&wt, NULL, writer_main, g) != 0) {
        st = tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, NULL, "cannot start a thread");
        store_exec(g->s, "ROLLBACK", NULL);
        goto out;
    }
    dd_sig warm; /* builds the signature tables before any worker thread needs them */
    dd_signature("", 0, &warm);
    tocsin_scan_opts so = o->scan;
    so.on_post = sink;
    so.on_post_ctx = g;
    so.on_match = NULL;
    for (size_t i = 0; i < g->nfiles && st == TOCSIN_OK; i++) {
        file_info *f = &g->files[i];
        if (f->skip)
            continue;
        hasher h = {f->path, f->sha256, 0, false};
        if (strcmp(f->path, "-") && !g->rescan)
            h.started = pthread_create(&h.tid, NULL, hash_main, &h) == 0;
        if (strcmp(f->path, "-")) {
            tocsin_reader *r = NULL;
            tocsin_error ignore;
            if (tocsin_reader_open(&o->scan.read, f->path, &r, &ignore) == TOCSIN_OK)
                snprintf(f->format, sizeof f->format, "%s", tocsin_reader_format(r));
            tocsin_reader_free(r);
        } else {
            snprintf(f->format, sizeof f->format, "%s", o->scan.read.format ? o->scan.read.format : "auto");
        }
        st = push_marker(g, B_FILE_BEGIN, i, err);
        tocsin_scan_result *res = NULL;
        const char *one[1] = {f->path};
        if (st == TOCSIN_OK)
            st = tocsin_scan(&so, one, 1, &res, err);
        if (res) {
            const tocsin_scan_summary *ss = tocsin_scan_get_summary(res);
            f->read = ss->read;
            tocsin_read_stats_add(&sum->read, &ss->read);
            tocsin_scan_result_free(res);
        }
        for (unsigned w = 0; w < threads; w++)
            if (g->cur[w]) {
                if (g->cur[w]->n)
                    batch_push(g, g->cur[w]);
                else
                    batch_release(g, g->cur[w]);
                g->cur[w] = NULL;
            }
        if (h.started)
            pthread_join(h.tid, NULL);
        if (st == TOCSIN_OK)
            st = push_marker(g, B_FILE_END, i, err);
    }
    tocsin_status pst = push_marker(g, B_STOP, 0, err);
    if (pst != TOCSIN_OK) { /* cannot even stop politely: mark failed and wake the writer */
        __atomic_store_n(&g->failed, true, __ATOMIC_RELEASE);
    }
    pthread_join(wt, NULL);
    if (g->failed) {
        if (st == TOCSIN_OK || err->code == TOCSIN_ERR_STORE || g->werr.code != TOCSIN_OK)
            *err = g->werr;
        st = g->werr.code != TOCSIN_OK ? g->werr.code : TOCSIN_ERR_STORE;
    }
    if (st == TOCSIN_OK) {
        if (g->rescan) {
            st = commit(g, false);
            if (st != TOCSIN_OK)
                *err = g->werr;
        } else {
            st = store_exec(g->s, "COMMIT", err);
        }
    }
    if (st != TOCSIN_OK) {
        store_exec(g->s, "ROLLBACK", NULL);
    } else {
        sum->posts = g->posts;
        sum->new_posts = g->new_posts;
        sum->duplicates = g->duplicates;
        sum->no_time = g->no_time;
        sum->unique = g->unique;
        sum->matched = g->matched;
        for (unsigned w = 0; w < threads; w++)
            sum->reposts_skipped += g->reposts_skipped[w];
    }
out:
    store_exec(g->s, "PRAGMA wal_autocheckpoint=1000", NULL); /* SQLite's default again */
    finalize_all(g);
    for (size_t i = 0; i < g->ncells; i++)
        hll_free(&g->cells[i].authors);
    free(g->cells);
    free(g->cell_slots);
    for (size_t i = 0; i < g->chans_cap; i++)
        free(g->chans[i].key);
    free(g->chans);
    while (g->free_list) {
        batch *b = g->free_list;
        g->free_list = b->next;
        batch_free(b);
    }
    while (g->head) {
        batch *b = g->head;
        g->head = b->next;
        batch_free(b);
    }
    if (g->cur)
        for (unsigned w = 0; w < threads; w++)
            batch_free(g->cur[w]);
    free(g->cur);
    free(g->reposts_skipped);
    if (g->pcache) /* raw author ids: do not leave them in freed memory */
        sodium_memzero(g->pcache, (size_t)threads * PCACHE_SLOTS * sizeof *g->pcache);
    free(g->pcache);
    free(g->topic_ids);
    dd_index_free(g->index);
    free(g->first_key);
    free(g->has_row);
    tc_buf_free(&g->blob);
    tc_buf_free(&g->sigs);
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->cond_work);
    pthread_cond_destroy(&g->cond_free);
    return st;
}

/* One ingest or rescan at a time per store: two writers would each keep their own view of the
 * clusters. An advisory lock on the key file, held until *fd is closed. */
static tocsin_status lock_writer(tocsin_store *s, int *fd, tocsin_error *err)
{
    char kpath[4200];
    snprintf(kpath, sizeof kpath, "%s.key", s->path);
    *fd = open(kpath, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return tc_error_set(err, TOCSIN_ERR_IO, kpath, 0, NULL, "cannot open key: %s",
                            strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        close(*fd);
        *fd = -1;
        return tc_error_set(err, TOCSIN_ERR_STORE, s->path, 0, NULL,
                            errno == EWOULDBLOCK
                                ? "another ingest or rescan is writing to this store"
                                : "cannot lock the store: %s", strerror(errno));
    }
    return TOCSIN_OK;
}

tocsin_status tocsin_ingest(tocsin_store *s, const tocsin_ingest_opts *o,
                            const char *const *paths, size_t npaths,
                            tocsin_ingest_summary *sum, tocsin_error *err)
{
    tocsin_error lerr;
    if (!err)
        err = &lerr;
    tocsin_error_clear(err);
    if (s->read_only)
        return tc_error_set(err, TOCSIN_ERR_USAGE, s->path, 0, NULL, "store opened read-only");
    if (!o->scan.watchlist)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "ingest needs a watchlist");
    tocsin_ingest_opts oo = *o;
    if (!oo.batch_posts)
        oo.batch_posts = 100000;
    ingest g;
    memset(&g, 0, sizeof g);
    g.s = s;
    g.o = &oo;
    g.wl = o->scan.watchlist;
    tocsin_ingest_summary local;
    memset(&local, 0, sizeof local);
    int lock = -1;
    tocsin_status st = lock_writer(s, &lock, err);
    if (st == TOCSIN_OK)
        st = check_mode(&g, err);
    if (st == TOCSIN_OK && !(g.files = calloc(npaths ? npaths : 1, sizeof *g.files)))
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    if (st != TOCSIN_OK) {
        if (lock >= 0)
            close(lock);
        return st;
    }
    g.nfiles = npaths;
    sqlite3_stmt *q = NULL;
    st = store_prepare(s, "SELECT size, mtime, watchlist FROM source WHERE path = ?"
                          " AND status = 'complete'", &q, err);
    for (size_t i = 0; i < npaths && st == TOCSIN_OK; i++) {
        file_info *f = &g.files[i];
        if ((st = file_stat(f, paths[i], err)) != TOCSIN_OK)
            break;
        local.files++;
        if (!strcmp(f->abs, "-"))
            continue;
        sqlite3_bind_text(q, 1, f->abs, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW && (uint64_t)sqlite3_column_int64(q, 0) == f->size &&
            sqlite3_column_int64(q, 1) == f->mtime_ns) {
            f->skip = true;
            local.files_skipped++;
            const char *wh = (const char *)sqlite3_column_text(q, 2);
            if (s->warn && wh && strcmp(wh, tocsin_watchlist_hash(g.wl))) {
                tocsin_error w;
                tc_error_set(&w, TOCSIN_ERR_USAGE, f->path, 0, NULL,
                             "already ingested with another watchlist: skipped; run 'tocsin "
                             "rescan' to apply the new watchlist to recorded sources");
                s->warn(s->warn_ctx, &w);
            }
        }
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    if (st == TOCSIN_OK)
        st = run(&g, &local, err);
    files_free(g.files, npaths);
    close(lock);
    if (st == TOCSIN_OK && sum)
        *sum = local;
    return st;
}

tocsin_status tocsin_rescan(tocsin_store *s, const tocsin_ingest_opts *o,
                            tocsin_ingest_summary *sum, char ***missing, size_t *nmissing,
                            tocsin_error *err)
{
    tocsin_error lerr;
    if (!err)
        err = &lerr;
    tocsin_error_clear(err);
    *missing = NULL;
    *nmissing = 0;
    if (s->read_only)
        return tc_error_set(err, TOCSIN_ERR_USAGE, s->path, 0, NULL, "store opened read-only");
    if (!o->scan.watchlist)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "rescan needs a watchlist");
    tocsin_ingest_opts oo = *o;
    ingest g;
    memset(&g, 0, sizeof g);
    g.s = s;
    g.o = &oo;
    g.wl = o->scan.watchlist;
    g.rescan = true;
    char *mode = NULL;
    int lock = -1;
    tocsin_status st = lock_writer(s, &lock, err);
    if (st == TOCSIN_OK)
        st = store_meta_get(s, "reposts", &mode, err);
    if (st != TOCSIN_OK) {
        if (lock >= 0)
            close(lock);
        return st;
    }
    oo.reposts = mode && !strcmp(mode, "skip") ? TOCSIN_REPOSTS_SKIP : TOCSIN_REPOSTS_COUNT;
    free(mode);
    sqlite3_stmt *q;
    if ((st = store_prepare(s, "SELECT path, size FROM source WHERE path <> '-' ORDER BY id", &q,
                            err)) != TOCSIN_OK) {
        close(lock);
        return st;
    }
    size_t cap = 16, nm = 0;
    char **miss = malloc(cap * sizeof *miss);
    g.files = calloc(cap, sizeof *g.files);
    int rc;
    while (st == TOCSIN_OK && miss && g.files && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(q, 0);
        uint64_t size = (uint64_t)sqlite3_column_int64(q, 1);
        struct stat sb;
        if (g.nfiles == cap || nm == cap) {
            cap *= 2;
            char **m2 = realloc(miss, cap * sizeof *m2);
            file_info *f2 = m2 ? realloc(g.files, cap * sizeof *f2) : NULL;
            if (m2)
                miss = m2;
            if (!f2) {
                st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
                break;
            }
            g.files = f2;
        }
        if (stat(path, &sb) != 0 || (uint64_t)sb.st_size != size) {
            if (!(miss[nm++] = strdup(path)))
                st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
            continue;
        }
        st = file_stat(&g.files[g.nfiles], path, err);
        g.nfiles++;
    }
    sqlite3_finalize(q);
    if (!miss || !g.files)
        st = tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    tocsin_ingest_summary local;
    memset(&local, 0, sizeof local);
    local.files = g.nfiles;
    if (st == TOCSIN_OK)
        st = run(&g, &local, err);
    if (st == TOCSIN_OK) {
        sqlite3_stmt *u;
        if (store_prepare(s, "UPDATE source SET watchlist = ? WHERE path = ?", &u, NULL) ==
            TOCSIN_OK) {
            for (size_t i = 0; i < g.nfiles; i++) {
                sqlite3_bind_text(u, 1, tocsin_watchlist_hash(g.wl), -1, SQLITE_STATIC);
                sqlite3_bind_text(u, 2, g.files[i].abs, -1, SQLITE_STATIC);
                sqlite3_step(u);
                sqlite3_reset(u);
            }
            sqlite3_finalize(u);
        }
    }
    files_free(g.files, g.nfiles);
    close(lock);
    if (st != TOCSIN_OK) {
        tocsin_paths_free(miss, nm);
        return st;
    }
    if (sum)
        *sum = local;
    *missing = miss;
    *nmissing = nm;
    return TOCSIN_OK;
}
