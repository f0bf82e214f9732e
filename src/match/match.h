/* match.h: what the watchlist loader (watchlist.c) and the matcher (match.c) share inside
 * src/match: the compiled watchlist, its Hyperscan patterns and the edge rules (word boundaries
 * per script, Arabic proclitics) that decide whether a raw Hyperscan hit is a match. */
#ifndef TOCSIN_MATCH_H
#define TOCSIN_MATCH_H

#include "common/common.h"

#include <hs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A topic as written in the file. */
typedef struct match_topic {
    char *id;
    char *label; /* the id when the file gives no label */
    char **tags;
    size_t ntags;
    uint64_t line; /* where the topic's mapping starts */
} match_topic;

/* A term, regex or exclusion phrase as written in the file. */
typedef struct match_entry {
    char *text;    /* as written (NUL-terminated; YAML scalars cannot hold NUL here) */
    char *norm;    /* the normalized literal, NULL for a regex */
    uint32_t topic;
    uint64_t line;
    bool regex;
} match_entry;

/* One Hyperscan pattern; its Hyperscan id is its index in tocsin_watchlist.pats. */
typedef struct match_pat {
    uint32_t owner;   /* index into terms[] or, when exclude, into excludes[] */
    uint32_t topic;
    uint32_t len;     /* literal length in bytes; 0 for a regex (start from SOM) */
    bool exclude;
    bool lil;         /* the "لل" spelling of an ال-initial Arabic term: only و/ف may precede */
} match_pat;

/* The Arabic proclitic prefixes, (و|ف)?(ب|ك|ل)?(ال)? with ل+ال written لل, kept in their
 * normalized spelling (computed with the normalizer itself so folding can never disagree). */
#define MATCH_MAX_PREFIXES 32
#define MATCH_PREFIX_CAP 24
typedef struct match_prefixes {
    char s[MATCH_MAX_PREFIXES][MATCH_PREFIX_CAP];
    uint8_t len[MATCH_MAX_PREFIXES];
    bool conj_only[MATCH_MAX_PREFIXES]; /* just و or ف: what may precede a "لل" variant */
    size_t n;
    size_t max_len;
    char lam[8];     /* normalized ل, for building "لل" variants */
    size_t lam_len;
    char al[12];     /* normalized ال */
    size_t al_len;
} match_prefixes;

/* What the database cache (dbcache.c) did for a load, kept in the watchlist for the tests. */
typedef enum match_cache_state {
    MATCH_CACHE_OFF,        /* no cache directory given */
    MATCH_CACHE_MISS,       /* no cache file: compiled */
    MATCH_CACHE_REJECTED,   /* a cache file that did not check out: compiled */
    MATCH_CACHE_HIT,        /* read from the cache, not compiled */
} match_cache_state;

struct tocsin_watchlist {
    char *path;
    char hash[65];
    match_topic *topics;
    size_t ntopics;
    match_entry *terms; /* terms and regexes, in file order */
    size_t nterms;
    match_entry *excludes;
    size_t nexcludes;
    match_pat *pats;
    size_t npats;
    match_prefixes pre;
    hs_database_t *db;
    hs_scratch_t *proto; /* prototype scratch; every matcher clones it */
    match_cache_state cache; /* what the database cache did */
    bool cache_stored;       /* a compiled database was written to the cache */
};

/* The database cache (dbcache.c). The key hashes everything that shapes the compiled database:
 * the Hyperscan version and platform, the mode, and each pattern (bytes, length, flags, id;
 * lens NULL means NUL-terminated expressions for hs_compile_multi, else literals with lengths).
 * @return false when it cannot be computed (then there is no caching). */
#define MATCH_CACHE_KEY 32
bool match_cache_key(const char *const *expr, const size_t *lens, const unsigned *flags,
                     const unsigned *ids, size_t n, unsigned mode,
                     unsigned char key[MATCH_CACHE_KEY]);
/* Reads the database filed under key in dir into *db (owned by the caller) after checking the
 * file (owner, mode, size, header, checksum, Hyperscan's own checks). @return MATCH_CACHE_HIT,
 * MATCH_CACHE_MISS (no file) or MATCH_CACHE_REJECTED (a file that did not check out). */
match_cache_state match_cache_load(const char *dir, const unsigned char key[MATCH_CACHE_KEY],
                                   hs_database_t **db);
/* Files db under key in dir (created when missing), atomically. @return whether it was written. */
bool match_cache_store(const char *dir, const unsigned char key[MATCH_CACHE_KEY],
                       const hs_database_t *db);

/* Builds the proclitic table with the normalizer `n`. */
tocsin_status match_prefixes_init(match_prefixes *p, tocsin_norm *n, tocsin_error *err);

/* @return true when the span [start, end) of the normalized text s[0..len) has acceptable edges:
 * a word boundary (or a no-space script) on each side, or on the left an Arabic proclitic when
 * the span starts with an Arabic-script letter. `lil` restricts the proclitics to و / ف. */
bool match_edges_ok(const match_prefixes *p, const char *s, size_t len, size_t start, size_t end,
                    bool lil);

/* @return true when texts joined with the byte `sep` between them can be matched in one call
 * with exactly the per-text results: the watchlist has no regex (a regex may cross or anchor on
 * the separator) and no literal holds `sep`, and `sep` is an ASCII non-word byte (so it is a word
 * boundary and stops a proclitic chain, like the start and end of a text). */
bool match_can_join(const tocsin_watchlist *wl, unsigned char sep);

/* Character classes used by the edge rules, exposed for tests. */
bool match_is_word_cp(uint32_t cp);
bool match_is_nospace_cp(uint32_t cp); /* Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar */
bool match_is_arabic_cp(uint32_t cp);

#endif
