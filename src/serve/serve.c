/* serve.c: `tocsin serve`, the live dashboard over a store, on libmicrohttpd.
 *
 * Design. One MHD daemon in thread-per-connection mode: every connection has its own thread, so
 * a Server-Sent Events stream may block in its content callback while it waits for news, and a
 * slow query never stalls the other connections; the connection count is capped (64 by default,
 * 16 of them, and at most half, event streams) and so is the memory of a request (URL and headers, 16 KiB), and any
 * request body is refused (413): the API is GET only. Requests take a read-only store handle from
 * a pool (one SQLite connection per concurrent request; handles are reopened after the store
 * changes). API answers are cached per URL until the store changes (direct-mapped, 256 slots;
 * a hit sends the cached bytes by reference, without a copy); identical requests arriving while
 * an answer is computed wait for it (single flight) rather than run the same query in parallel.
 *
 * Liveness: a watcher thread keeps its own SQLite connection and reads PRAGMA data_version every
 * poll period (500 ms): the number changes when another connection (an ingest) commits. It then
 * bumps a generation counter, which empties the cache and wakes every event stream, whose page
 * refetches what it shows.
 *
 * Safety: only loopback addresses are served without a token; any other address needs one,
 * checked on every request (Authorization: Bearer, a cookie set from ?token=, or ?token=) by
 * comparing BLAKE2b hashes with sodium_memcmp (constant time, independent of the length). On
 * loopback without a token, the Host header must name the loopback address (no DNS rebinding).
 * Files come only from the embedded asset table: a URL is looked up, never mapped to a path.
 * Every answer carries a Content-Security-Policy that allows only this server's scripts, styles
 * and connections, and post texts are only ever inserted as text by the front end (web/app.js).
 */
#include "serve/serve_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define SV_CACHE_SLOTS 256
#define SV_CACHE_MAX_BODY (4u << 20)
#define SV_BODY_CAP ((size_t)256 << 20)
#define SV_INFLIGHT 64

static const char sv_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

/* A cached answer, shared by reference between the cache and the responses that send it (no copy
 * per hit): freed when the last of them lets go. */
typedef struct sv_body {
    unsigned refs;
    size_t len;
    char data[];
} sv_body;

static void body_unref(void *p)
{
    sv_body *b = p;
    if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(b);
}

typedef struct sv_cache_entry {
    char *key;
    sv_body *body;
    unsigned status;
    uint64_t gen;
} sv_cache_entry;

typedef struct sv_pooled {
    tocsin_store *s;
    uint64_t gen;
} sv_pooled;

struct tocsin_server {
    struct MHD_Daemon *d;
    char *db;
    bool need_token;
    unsigned char token_hash[crypto_generichash_BYTES];
    char host_ok[3][64]; /* accepted Host headers on loopback without a token */
    uint16_t port;
    bool cache_on;
    unsigned poll_ms, max_events, events;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t gen;
    bool stopping;
    sv_pooled *pool;
    size_t npool, cap_pool;
    sv_cache_entry cache[SV_CACHE_SLOTS];
    struct {
        char *key;
        uint64_t gen;
    } inflight[SV_INFLIGHT];

    pthread_t watcher;
    bool watcher_on;
    sqlite3 *watch_db;
    uint64_t data_version;
};

/* --- assets ------------------------------------------------------------------------------------ */

const sv_asset *sv_asset_find(const char *path)
{
    for (size_t i = 0; i < sv_n_assets; i++)
        if (!strcmp(sv_assets[i].path, path))
            return &sv_assets[i];
    return NULL;
}

/* --- options, addresses, tokens ----------------------------------------------------------------- */

void tocsin_serve_opts_init(tocsin_serve_opts *o)
{
    memset(o, 0, sizeof *o);
    o->db = "tocsin.db";
    o->listen = "127.0.0.1:8080";
    o->max_connections = 64;
    o->max_events = 16;
    o->poll_ms = 500;
    o->cache = true;
}

tocsin_status tocsin_serve_token_new(char *out, size_t cap, tocsin_error *err)
{
    unsigned char raw[24];
    if (sodium_init() < 0)
        return tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, "token", "libsodium did not start");
    size_t need = sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (cap < need)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "token", "buffer under %zu bytes", need);
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, cap, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return TOCSIN_OK;
}

/* Parses "ADDR:PORT" ("[V6]:PORT" for IPv6; "localhost" = 127.0.0.1) into *ss. */
static tocsin_status parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sl,
                                  bool *loopback, tocsin_error *err)
{
    char host[64];
    const char *port;
    memset(ss, 0, sizeof *ss);
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof host)
            goto bad;
        memcpy(host, s + 1, (size_t)(e - s - 1));
        host[e - s - 1] = '\0';
        port = e + 2;
    } else {
        const char *c = strrchr(s, ':');
        if (!c || (size_t)(c - s) >= sizeof host)
            goto bad;
        memcpy(host, s, (size_t)(c - s));
        host[c - s] = '\0';
        port = c + 1;
        if (!strcmp(host, "localhost"))
            strcpy(host, "127.0.0.1");
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535)
        goto bad;
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)p);
        *sl = sizeof *v4;
        *loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        return TOCSIN_OK;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)p);
        *sl = sizeof *v6;
        *loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
        return TOCSIN_OK;
    }
bad:
    return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "listen",
                        "'%s' is not ADDR:PORT with an IP address (e.g. 127.0.0.1:8080, "
                        "[::1]:8080, 0.0.0.0:8080)", s);
}

static void token_hash(const char *t, size_t n, unsigned char out[crypto_generichash_BYTES])
{
    crypto_generichash(out, crypto_generichash_BYTES, (const unsigned char *)t, n, NULL, 0);
}

/* --- store pool and cache ----------------------------------------------------------------------- */

static tocsin_status pool_get(tocsin_server *sv, sv_pooled *out, tocsin_error *err)
{
    pthread_mutex_lock(&sv->mu);
    uint64_t gen = sv->gen;
    while (sv->npool > 0) {
        sv_pooled p = sv->pool[--sv->npool];
        if (p.gen == gen) {
            pthread_mutex_unlock(&sv->mu);
            *out = p;
            return TOCSIN_OK;
        }
        pthread_mutex_unlock(&sv->mu);
        tocsin_store_close(p.s);
        pthread_mutex_lock(&sv->mu);
    }
    pthread_mutex_unlock(&sv->mu);
    out->gen = gen;
    out->s = NULL;
    return tocsin_store_open(sv->db, true, NULL, NULL, &out->s, err);
}

static void pool_put(tocsin_server *sv, sv_pooled p)
{
    pthread_mutex_lock(&sv->mu);
    if (p.gen == sv->gen && sv->npool < sv->cap_pool) {
        sv->pool[sv->npool++] = p;
        p.s = NULL;
    }
    pthread_mutex_unlock(&sv->mu);
    tocsin_store_close(p.s);
}

static size_t cache_slot(const char *key)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)(h % SV_CACHE_SLOTS);
}

/* --- responses ---------------------------------------------------------------------------------- */

static void common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy", sv_csp);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
}

static enum MHD_Result send_copy(struct MHD_Connection *c, unsigned status, const char *type,
                                 const void *body, size_t len, const char *cookie)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    common_headers(r);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (cookie)
        MHD_add_response_header(r, "Set-Cookie", cookie);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* {"error": message, "field": field} with the status. */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *field,
                                  const char *msg)
{
    tc_buf b;
    tc_buf_init(&b, 1 << 16);
    tocsin_status st = tc_buf_append(&b, "{\"error\":", 9);
    if (!st) st = sv_json_str(&b, msg, strlen(msg));
    if (!st && field && *field) {
        st = tc_buf_append(&b, ",\"field\":", 9);
        if (!st) st = sv_json_str(&b, field, strlen(field));
    }
    if (!st) st = tc_buf_append(&b, "}\n", 2);
    enum MHD_Result ret = st ? MHD_NO
                             : send_copy(c, status, "application/json; charset=utf-8", b.data,
                                         b.len, NULL);
    tc_buf_free(&b);
    return ret;
}

/* --- request context ---------------------------------------------------------------------------- */

typedef struct sv_req {
    struct MHD_Connection *c;
    const char *const *allowed; /* GET parameters the endpoint knows */
    const char *bad;            /* first unknown parameter */
    tc_buf key;
} sv_req;

static const char *req_param(void *ctx, const char *name)
{
    sv_req *q = ctx;
    return MHD_lookup_connection_value(q->c, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    sv_req *q = cls;
    bool known = !strcmp(key, "token");
    for (size_t i = 0; q->allowed[i] && !known; i++)
        known = !strcmp(key, q->allowed[i]);
    if (!known) {
        if (!q->bad)
            q->bad = key;
        return MHD_YES;
    }
    if (!strcmp(key, "token"))
        return MHD_YES;
    tc_buf_putc(&q->key, '&');
    tc_buf_append(&q->key, key, strlen(key));
    tc_buf_putc(&q->key, '=');
    if (value)
        tc_buf_append(&q->key, value, strlen(value));
    return MHD_YES;
}

typedef tocsin_status (*sv_api_fn)(tocsin_store *, sv_param_fn, void *, tc_buf *, tocsin_error *);

static const struct {
    const char *path;
    sv_api_fn fn;
    const char *params[12];
} sv_routes[] = {
    {"/api/trend", sv_api_trend, {"topic", "lang", "channel", "by", "measure", NULL}},
    {"/api/compare",
     sv_api_compare,
     {"topic", "before", "after", "by", "measure", "normalize", "level", "claim", NULL}},
    {"/api/surges",
     sv_api_surges,
     {"topic", "lang", "by", "measure", "normalize", "method", "level", "top", NULL}},
    {"/api/sources", sv_api_sources, {NULL}},
};

static enum MHD_Result serve_api(tocsin_server *sv, struct MHD_Connection *c, size_t route,
                                 const char *cookie)
{
    sv_req q = {c, sv_routes[route].params, NULL, {0}};
    tc_buf_init(&q.key, 1 << 16);
    tc_buf_append(&q.key, sv_routes[route].path, strlen(sv_routes[route].path));
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &q);
    if (q.bad) {
        char msg[300];
        snprintf(msg, sizeof msg, "unknown parameter '%.200s'", q.bad);
        tc_buf_free(&q.key);
        return send_error(c, 400, q.bad, msg);
    }
    const char *key = q.key.data ? q.key.data : sv_routes[route].path;
    size_t slot = cache_slot(key);
    int flight = -1; /* our slot in sv->inflight while we compute this answer */
    if (sv->cache_on) {
        pthread_mutex_lock(&sv->mu);
        sv_cache_entry *e = &sv->cache[slot];
        /* single flight: while another request computes this very answer for the current
         * generation, wait for it instead of running the same query in parallel */
        for (;;) {
            if (e->key && e->gen == sv->gen && !strcmp(e->key, key))
                break;
            int busy = -1, free_slot = -1;
            for (int i = 0; i < SV_INFLIGHT; i++) {
                if (!sv->inflight[i].key) {
                    if (free_slot < 0)
                        free_slot = i;
                } else if (sv->inflight[i].gen == sv->gen && !strcmp(sv->inflight[i].key, key)) {
                    busy = i;
                }
            }
            if (busy < 0) {
                if (free_slot >= 0 && (sv->inflight[free_slot].key = strdup(key))) {
                    sv->inflight[free_slot].gen = sv->gen;
                    flight = free_slot;
                }
                break;
            }
            pthread_cond_wait(&sv->cv, &sv->mu);
        }
        if (flight < 0 && e->key && e->gen == sv->gen && !strcmp(e->key, key)) {
            sv_body *body = e->body;
            __atomic_add_fetch(&body->refs, 1, __ATOMIC_ACQ_REL);
            unsigned status = e->status;
            pthread_mutex_unlock(&sv->mu);
            tc_buf_free(&q.key);
            struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
                body->len, body->data, body_unref, body);
            if (!r) {
                body_unref(body);
                return MHD_NO;
            }
            common_headers(r);
            MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
            MHD_add_response_header(r, "Cache-Control", "no-store");
            MHD_add_response_header(r, "X-Tocsin-Cache", "hit");
            if (cookie)
                MHD_add_response_header(r, "Set-Cookie", cookie);
            enum MHD_Result ret = MHD_queue_response(c, status, r);
            MHD_destroy_response(r);
            return ret;
        }
        pthread_mutex_unlock(&sv->mu);
    }
    tocsin_error err;
    tocsin_error_clear(&err);
    sv_pooled p;
    tc_buf out;
    tc_buf_init(&out, SV_BODY_CAP);
    tocsin_status st = pool_get(sv, &p, &err);
    if (st == TOCSIN_OK) {
        st = sv_routes[route].fn(p.s, req_param, &q, &out, &err);
        pool_put(sv, p);
    }
    enum MHD_Result ret;
    unsigned status = 200;
    if (st != TOCSIN_OK) {
        status = st == TOCSIN_ERR_USAGE || st == TOCSIN_ERR_STATS ? 400 : 500;
        tc_buf_reset(&out);
        tc_buf_append(&out, "{\"error\":", 9);
        sv_json_str(&out, err.message, strlen(err.message));
        if (err.field[0]) {
            tc_buf_append(&out, ",\"field\":", 9);
            sv_json_str(&out, err.field, strlen(err.field));
        }
        tc_buf_append(&out, "}\n", 2);
    }
    if (sv->cache_on && status != 500 && out.len <= SV_CACHE_MAX_BODY) {
        char *k = strdup(key);
        sv_body *body = malloc(sizeof *body + out.len + 1);
        sv_body *old = NULL;
        if (k && body) {
            body->refs = 1;
            body->len = out.len;
            memcpy(body->data, out.data ? out.data : "", out.len);
            pthread_mutex_lock(&sv->mu);
            sv_cache_entry *e = &sv->cache[slot];
            if (p.gen == sv->gen) {
                free(e->key);
                old = e->body;
                *e = (sv_cache_entry){k, body, status, p.gen};
                k = NULL;
                body = NULL;
            }
            pthread_mutex_unlock(&sv->mu);
        }
        free(k);
        free(body);
        body_unref(old);
    }
    /* after the answer is in the cache: the requests waiting for it find it there */
    if (flight >= 0) {
        pthread_mutex_lock(&sv->mu);
        free(sv->inflight[flight].key);
        sv->inflight[flight].key = NULL;
        pthread_cond_broadcast(&sv->cv);
        pthread_mutex_unlock(&sv->mu);
    }
    ret = send_copy(c, status, "application/json; charset=utf-8", out.data ? out.data : "", out.len,
                    cookie);
    tc_buf_free(&out);
    tc_buf_free(&q.key);
    return ret;
}

/* --- Server-Sent Events ------------------------------------------------------------------------- */

typedef struct sv_stream {
    tocsin_server *sv;
    uint64_t seen;
    bool hello;
} sv_stream;

static ssize_t events_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    sv_stream *e = cls;
    tocsin_server *sv = e->sv;
    int n;
    if (!e->hello) {
        e->hello = true;
        n = snprintf(buf, max, "retry: 2000\nevent: hello\ndata: %llu\n\n",
                     (unsigned long long)e->seen);
        return n > 0 && (size_t)n < max ? n : MHD_CONTENT_READER_END_WITH_ERROR;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10; /* a comment every 10 s keeps the stream under the 20 s idle timeout */
    pthread_mutex_lock(&sv->mu);
    int rc = 0;
    while (!sv->stopping && sv->gen == e->seen && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&sv->cv, &sv->mu, &until);
    bool stop = sv->stopping;
    uint64_t gen = sv->gen;
    pthread_mutex_unlock(&sv->mu);
    if (stop)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (gen != e->seen) {
        e->seen = gen;
        n = snprintf(buf, max, "event: update\ndata: %llu\n\n", (unsigned long long)gen);
    } else {
        n = snprintf(buf, max, ": keep-alive\n\n");
    }
    return n > 0 && (size_t)n < max ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void events_free(void *cls)
{
    sv_stream *e = cls;
    pthread_mutex_lock(&e->sv->mu);
    e->sv->events--;
    pthread_mutex_unlock(&e->sv->mu);
    free(e);
}

static enum MHD_Result serve_events(tocsin_server *sv, struct MHD_Connection *c,
                                    const char *cookie)
{
    pthread_mutex_lock(&sv->mu);
    if (sv->events >= sv->max_events) {
        pthread_mutex_unlock(&sv->mu);
        return send_error(c, 503, NULL, "too many event streams");
    }
    sv->events++;
    uint64_t gen = sv->gen;
    pthread_mutex_unlock(&sv->mu);
    sv_stream *e = calloc(1, sizeof *e);
    struct MHD_Response *r = NULL;
    if (e) {
        e->sv = sv;
        e->seen = gen;
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 256, events_read, e, events_free);
    }
    if (!r) {
        if (e)
            events_free(e);
        else {
            pthread_mutex_lock(&sv->mu);
            sv->events--;
            pthread_mutex_unlock(&sv->mu);
        }
        return MHD_NO;
    }
    common_headers(r);
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (cookie)
        MHD_add_response_header(r, "Set-Cookie", cookie);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* --- the handler -------------------------------------------------------------------------------- */

static bool token_ok(tocsin_server *sv, struct MHD_Connection *c, bool *from_query)
{
    const char *cand[3];
    cand[0] = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (cand[0] && !strncmp(cand[0], "Bearer ", 7))
        cand[0] += 7;
    else
        cand[0] = NULL;
    cand[1] = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "tocsin_token");
    cand[2] = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    for (int i = 0; i < 3; i++) {
        if (!cand[i])
            continue;
        unsigned char h[crypto_generichash_BYTES];
        token_hash(cand[i], strlen(cand[i]), h);
        if (sodium_memcmp(h, sv->token_hash, sizeof h) == 0) {
            *from_query = i == 2;
            return true;
        }
    }
    return false;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    tocsin_server *sv = cls;
    static int marker;
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return send_error(c, 405, NULL, "only GET and HEAD are served");
    if (*con_cls == NULL) {
        *con_cls = &marker;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
        if ((cl && strcmp(cl, "0")) || te)
            return send_error(c, 413, NULL, "requests carry no body");
        return MHD_YES; /* answer on the next call, once the request is read (keeps alive) */
    }
    if (*upload_data_size != 0)
        return send_error(c, 413, NULL, "requests carry no body");

    char cookie[160];
    const char *set_cookie = NULL;
    if (sv->need_token) {
        bool from_query = false;
        if (!token_ok(sv, c, &from_query))
            return send_error(c, 401, NULL,
                              "a token is required (Authorization: Bearer TOKEN, or open the "
                              "printed address with ?token=TOKEN once)");
        if (from_query) {
            const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
            snprintf(cookie, sizeof cookie, "tocsin_token=%s; HttpOnly; SameSite=Strict; Path=/",
                     t);
            set_cookie = cookie;
        }
    } else {
        const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
        bool ok = false;
        for (int i = 0; i < 3 && host && !ok; i++)
            ok = !strcmp(host, sv->host_ok[i]);
        if (!ok)
            return send_error(c, 403, NULL, "the Host header must name the loopback address");
    }

    for (size_t i = 0; i < sizeof sv_routes / sizeof sv_routes[0]; i++)
        if (!strcmp(url, sv_routes[i].path))
            return serve_api(sv, c, i, set_cookie);
    if (!strcmp(url, "/api/events"))
        return serve_events(sv, c, set_cookie);
    if (!strncmp(url, "/api/", 5))
        return send_error(c, 404, NULL, "no such API (trend, compare, surges, sources, events)");
    const char *path = url;
    if (!strcmp(url, "/") || !strcmp(url, "/topic") || !strcmp(url, "/evidence") ||
        !strcmp(url, "/sources"))
        path = "/index.html";
    const sv_asset *a = sv_asset_find(path);
    if (!a || !strcmp(url, "/index.html"))
        return send_error(c, 404, NULL, "not found");
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    bool fresh = inm && !strcmp(inm, a->etag);
    struct MHD_Response *r = MHD_create_response_from_buffer(fresh ? 0 : a->len, (void *)a->data,
                                                             MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    common_headers(r);
    MHD_add_response_header(r, "Content-Type", a->type);
    MHD_add_response_header(r, "ETag", a->etag);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    if (set_cookie)
        MHD_add_response_header(r, "Set-Cookie", set_cookie);
    enum MHD_Result ret = MHD_queue_response(c, fresh ? 304 : 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* --- the watcher -------------------------------------------------------------------------------- */

static bool read_data_version(tocsin_server *sv, uint64_t *v)
{
    sqlite3_stmt *st = NULL;
    bool ok = false;
    if (sqlite3_prepare_v2(sv->watch_db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *v = (uint64_t)sqlite3_column_int64(st, 0);
        ok = true;
    }
    sqlite3_finalize(st);
    return ok;
}

static void *watch_main(void *arg)
{
    tocsin_server *sv = arg;
    pthread_mutex_lock(&sv->mu);
    while (!sv->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(sv->poll_ms % 1000) * 1000000L;
        until.tv_sec += sv->poll_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&sv->cv, &sv->mu, &until);
        if (sv->stopping)
            break;
        pthread_mutex_unlock(&sv->mu);
        uint64_t v;
        bool changed = read_data_version(sv, &v) && v != sv->data_version;
        pthread_mutex_lock(&sv->mu);
        if (changed) {
            sv->data_version = v;
            sv->gen++;
            pthread_cond_broadcast(&sv->cv);
        }
    }
    pthread_mutex_unlock(&sv->mu);
    return NULL;
}

/* --- start and stop ----------------------------------------------------------------------------- */

static void free_server(tocsin_server *sv)
{
    if (!sv)
        return;
    for (size_t i = 0; i < sv->npool; i++)
        tocsin_store_close(sv->pool[i].s);
    for (size_t i = 0; i < SV_CACHE_SLOTS; i++) {
        free(sv->cache[i].key);
        body_unref(sv->cache[i].body);
    }
    for (size_t i = 0; i < SV_INFLIGHT; i++)
        free(sv->inflight[i].key);
    if (sv->watch_db)
        sqlite3_close(sv->watch_db);
    pthread_mutex_destroy(&sv->mu);
    pthread_cond_destroy(&sv->cv);
    free(sv->pool);
    free(sv->db);
    sodium_memzero(sv->token_hash, sizeof sv->token_hash);
    free(sv);
}

tocsin_status tocsin_server_start(const tocsin_serve_opts *o, tocsin_server **out,
                                  tocsin_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, NULL, "libsodium did not start");
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    bool loopback = false;
    tocsin_status st = parse_listen(o->listen ? o->listen : "127.0.0.1:8080", &ss, &sl, &loopback,
                                    err);
    if (st)
        return st;
    if (o->token) {
        size_t n = strlen(o->token);
        if (n < 16 || n > 128)
            return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "token",
                                "a token has 16 to 128 characters");
        for (size_t i = 0; i < n; i++) {
            char ch = o->token[i];
            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '_' || ch == '.' || ch == '~'))
                return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "token",
                                    "a token holds only letters, digits and - _ . ~");
        }
    } else if (!loopback) {
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, "listen",
                            "%s is not a loopback address: serving it needs a token "
                            "(--token TOKEN, or --token new to generate one)", o->listen);
    }
    /* the store must open now, so a bad path is an error at start, not on the first request */
    tocsin_store *probe = NULL;
    if ((st = tocsin_store_open(o->db, true, NULL, NULL, &probe, err)) != TOCSIN_OK)
        return st;
    tocsin_server *sv = calloc(1, sizeof *sv);
    if (!sv) {
        tocsin_store_close(probe);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    pthread_mutex_init(&sv->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&sv->cv, &ca);
    pthread_condattr_destroy(&ca);
    sv->db = strdup(o->db);
    unsigned maxc = o->max_connections ? o->max_connections : 64;
    sv->cap_pool = maxc;
    sv->pool = calloc(maxc, sizeof *sv->pool);
    sv->cache_on = o->cache;
    sv->poll_ms = o->poll_ms ? o->poll_ms : 500;
    sv->max_events = o->max_events ? o->max_events : 16;
    if (sv->max_events > maxc / 2) /* streams never take more than half the connections */
        sv->max_events = maxc / 2 ? maxc / 2 : 1;
    if (!sv->db || !sv->pool) {
        tocsin_store_close(probe);
        free_server(sv);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    sv->pool[sv->npool++] = (sv_pooled){probe, 0};
    if (o->token) {
        sv->need_token = true;
        token_hash(o->token, strlen(o->token), sv->token_hash);
    }
    if (sqlite3_open_v2(o->db, &sv->watch_db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        !read_data_version(sv, &sv->data_version)) {
        st = tc_error_set(err, TOCSIN_ERR_STORE, o->db, 0, NULL, "cannot watch the store: %s",
                          sv->watch_db ? sqlite3_errmsg(sv->watch_db) : "out of memory");
        free_server(sv);
        return st;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    sv->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, sv, MHD_OPTION_SOCK_ADDR,
                             (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, maxc,
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
                             MHD_OPTION_CONNECTION_TIMEOUT, 20u, MHD_OPTION_LISTEN_BACKLOG_SIZE,
                             128u, MHD_OPTION_END);
    if (!sv->d) {
        int e = errno;
        free_server(sv);
        return tc_error_set(err, TOCSIN_ERR_IO, NULL, 0, "listen", "cannot listen on %s: %s",
                            o->listen, e ? strerror(e) : "libmicrohttpd refused");
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(sv->d, MHD_DAEMON_INFO_BIND_PORT);
    sv->port = info ? info->port : 0;
    if (ss.ss_family == AF_INET6) {
        snprintf(sv->host_ok[0], sizeof sv->host_ok[0], "[::1]:%u", sv->port);
        snprintf(sv->host_ok[1], sizeof sv->host_ok[1], "localhost:%u", sv->port);
        snprintf(sv->host_ok[2], sizeof sv->host_ok[2], "[::1]:%u", sv->port);
    } else {
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof a);
        snprintf(sv->host_ok[0], sizeof sv->host_ok[0], "%s:%u", a, sv->port);
        snprintf(sv->host_ok[1], sizeof sv->host_ok[1], "localhost:%u", sv->port);
        snprintf(sv->host_ok[2], sizeof sv->host_ok[2], "127.0.0.1:%u", sv->port);
    }
    if (pthread_create(&sv->watcher, NULL, watch_main, sv) != 0) {
        MHD_stop_daemon(sv->d);
        free_server(sv);
        return tc_error_set(err, TOCSIN_ERR_INTERNAL, NULL, 0, NULL, "cannot start a thread");
    }
    sv->watcher_on = true;
    *out = sv;
    return TOCSIN_OK;
}

uint16_t tocsin_server_port(const tocsin_server *sv) { return sv ? sv->port : 0; }

void tocsin_server_stop(tocsin_server *sv)
{
    if (!sv)
        return;
    pthread_mutex_lock(&sv->mu);
    sv->stopping = true;
    pthread_cond_broadcast(&sv->cv);
    pthread_mutex_unlock(&sv->mu);
    if (sv->watcher_on)
        pthread_join(sv->watcher, NULL);
    MHD_stop_daemon(sv->d);
    free_server(sv);
}
