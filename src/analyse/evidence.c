/* evidence.c: stage analyse: writes the posts behind each surge and a manifest, so a finding can
 * be checked and reproduced: DIR/surge-N.csv and DIR/surge-N.json hold every kept post of the
 * finding's topic and language in its time span (key, id, time, channel, pseudonymized author,
 * language, cluster, matched terms, text); DIR/manifest.json records the tocsin version, the
 * query, the caller's parameters, the watchlist hashes and every source file of the store with
 * its SHA-256, and the findings with their files. Files are written whole and closed; an error
 * names the file. */
#include "analyse/analyse_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void csv_str(FILE *f, const char *s)
{
    s = s ? s : "";
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void iso(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm))
        strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(buf, cap, "%lld", (long long)t);
}

static tocsin_status io_fail(tocsin_error *err, const char *path)
{
    return tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL, "cannot write: %s", strerror(errno));
}

/* Writes the kept posts of finding f into surge-N.csv and .json. */
static tocsin_status write_posts(tocsin_store *s, const tocsin_surge_finding *f, size_t idx,
                                 const char *dir, uint64_t *written, tocsin_error *err)
{
    int64_t topic;
    tocsin_status rc = an_topic_id(s, f->topic, &topic, err);
    if (rc != TOCSIN_OK)
        return rc;
    sqlite3_stmt *st;
    rc = store_prepare(s,
                       "SELECT " POST_COLS ", (SELECT group_concat(term, ' | ') FROM (SELECT"
                       " DISTINCT m.term AS term FROM post_match m WHERE m.key = p.key AND"
                       " m.topic = ?4 ORDER BY m.term)) FROM post p LEFT JOIN channel c ON"
                       " c.id = p.channel WHERE " SPAN_POSTS " ORDER BY p.ts, p.key",
                       &st, err);
    if (rc != TOCSIN_OK)
        return rc;
    sqlite3_bind_text(st, 1, f->lang, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, f->start);
    sqlite3_bind_int64(st, 3, f->until);
    sqlite3_bind_int64(st, 4, topic);
    char pc[4096], pj[4096];
    snprintf(pc, sizeof pc, "%s/surge-%zu.csv", dir, idx);
    snprintf(pj, sizeof pj, "%s/surge-%zu.json", dir, idx);
    FILE *fc = fopen(pc, "w"), *fj = fopen(pj, "w");
    if (!fc || !fj) {
        rc = io_fail(err, !fc ? pc : pj);
        goto out;
    }
    fputs("key,id,time,channel,author,lang,cluster,terms,text\n", fc);
    fputs("[\n", fj);
    int r;
    uint64_t n = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *col[9];
        for (int i = 0; i < 9; i++) {
            col[i] = (const char *)sqlite3_column_text(st, i);
            col[i] = col[i] ? col[i] : "";
        }
        char t[32];
        iso(sqlite3_column_int64(st, 2), t, sizeof t);
        fprintf(fc, "%s,", col[0]);
        csv_str(fc, col[1]);
        fprintf(fc, ",%s,", t);
        for (int i = 3; i <= 5; i++) {
            csv_str(fc, col[i]);
            fputc(',', fc);
        }
        fprintf(fc, "%s,", col[7]);
        csv_str(fc, col[8]);
        fputc(',', fc);
        csv_str(fc, col[6]);
        fputc('\n', fc);
        fprintf(fj, "%s{\"key\":%s,\"id\":", n ? ",\n" : "", col[0]);
        json_str(fj, col[1]);
        fprintf(fj, ",\"time\":\"%s\",\"channel\":", t);
        json_str(fj, col[3]);
        fputs(",\"author\":", fj);
        json_str(fj, col[4]);
        fputs(",\"lang\":", fj);
        json_str(fj, col[5]);
        fprintf(fj, ",\"cluster\":%s,\"terms\":", col[7][0] ? col[7] : "null");
        json_str(fj, col[8]);
        fputs(",\"text\":", fj);
        json_str(fj, col[6]);
        fputc('}', fj);
        n++;
    }
    fputs("\n]\n", fj);
    if (r != SQLITE_DONE)
        rc = store_fail(s, "reading evidence posts", err);
    *written = n;
out:
    sqlite3_finalize(st);
    if (fc && fclose(fc) && rc == TOCSIN_OK)
        rc = io_fail(err, pc);
    if (fj && fclose(fj) && rc == TOCSIN_OK)
        rc = io_fail(err, pj);
    return rc;
}

static void manifest_sources(tocsin_store *s, FILE *f)
{
    sqlite3_stmt *st;
    fputs(",\"watchlists\":[", f);
    if (store_prepare(s, "SELECT DISTINCT watchlist FROM source WHERE watchlist IS NOT NULL"
                         " ORDER BY 1", &st, NULL) == TOCSIN_OK) {
        for (int i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
            if (i)
                fputc(',', f);
            json_str(f, (const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
    }
    fputs("],\"sources\":[", f);
    if (store_prepare(s, "SELECT path, sha256, size, format, status, records, posts FROM source"
                         " ORDER BY path", &st, NULL) == TOCSIN_OK) {
        for (int i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
            fputs(i ? ",\n  {\"path\":" : "\n  {\"path\":", f);
            json_str(f, (const char *)sqlite3_column_text(st, 0));
            fputs(",\"sha256\":", f);
            json_str(f, (const char *)sqlite3_column_text(st, 1));
            fprintf(f, ",\"size\":%lld,\"format\":", (long long)sqlite3_column_int64(st, 2));
            json_str(f, (const char *)sqlite3_column_text(st, 3));
            fputs(",\"status\":", f);
            json_str(f, (const char *)sqlite3_column_text(st, 4));
            fprintf(f, ",\"records\":%lld,\"posts\":%lld}", (long long)sqlite3_column_int64(st, 5),
                    (long long)sqlite3_column_int64(st, 6));
        }
        sqlite3_finalize(st);
    }
    fputs("]", f);
}

tocsin_status tocsin_surges_write_evidence(tocsin_store *s, const tocsin_surges_result *r,
                                           const tocsin_surge_query *q, const char *params_json,
                                           const char *dir, tocsin_error *err)
{
    if (!s || !r || !q || !dir || !*dir)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL, "missing argument");
    if (mkdir(dir, 0755) && errno != EEXIST)
        return tc_error_set(err, TOCSIN_ERR_IO, dir, 0, NULL, "cannot create directory: %s",
                            strerror(errno));
    const tocsin_surge_finding *f;
    size_t nf = tocsin_surges_findings(r, &f);
    uint64_t *written = calloc(nf + 1, sizeof *written);
    if (!written)
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    tocsin_status rc = store_exec(s, "BEGIN", err);
    for (size_t i = 0; rc == TOCSIN_OK && i < nf; i++)
        rc = write_posts(s, &f[i], i + 1, dir, &written[i], err);
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    FILE *m = rc == TOCSIN_OK ? fopen(path, "w") : NULL;
    if (rc == TOCSIN_OK && !m)
        rc = io_fail(err, path);
    if (m) {
        char now[32];
        iso((int64_t)time(NULL), now, sizeof now);
        fprintf(m, "{\"tocsin_version\":\"%s\",\"created\":\"%s\",\"store\":", TOCSIN_VERSION, now);
        json_str(m, s->path);
        fputs(",\"query\":{\"topic\":", m);
        if (q->topic)
            json_str(m, q->topic);
        else
            fputs("null", m);
        fputs(",\"lang\":", m);
        if (q->lang)
            json_str(m, q->lang);
        else
            fputs("null", m);
        fprintf(m, ",\"measure\":\"%s\",\"by\":\"%s\",\"share\":%s,\"method\":\"%s\","
                   "\"level\":%g,\"penalty_rule\":",
                tocsin_measure_name(q->measure), q->by == TOCSIN_BY_HOUR ? "hour" : "day",
                q->share ? "true" : "false", tocsin_surge_method_name(q->method),
                q->level > 0 ? q->level : 0.95);
        json_str(m, tocsin_surges_penalty_rule());
        fprintf(m, "},\"params\":%s", params_json && *params_json ? params_json : "null");
        manifest_sources(s, m);
        fputs(",\"findings\":[", m);
        for (size_t i = 0; i < nf; i++) {
            char a[32], b[32];
            iso(f[i].start, a, sizeof a);
            iso(f[i].until, b, sizeof b);
            fputs(i ? ",\n  {\"topic\":" : "\n  {\"topic\":", m);
            json_str(m, f[i].topic);
            fputs(",\"lang\":", m);
            json_str(m, f[i].lang);
            fprintf(m, ",\"from\":\"%s\",\"until\":\"%s\",\"posts\":%llu,\"kept_posts\":%llu,"
                       "\"csv\":\"surge-%zu.csv\",\"json\":\"surge-%zu.json\"}",
                    a, b, (unsigned long long)f[i].posts, (unsigned long long)written[i], i + 1,
                    i + 1);
        }
        fputs("]}\n", m);
        if (fclose(m))
            rc = io_fail(err, path);
    }
    store_exec(s, "COMMIT", NULL);
    free(written);
    return rc;
}
