/* tocsin.h: the public API of libtocsin, a library that measures online chatter about watched
 * topics across languages and says when and how much it surged.
 *
 * Conventions, for every declaration below:
 *  - Functions that can fail return a tocsin_status and, on failure, fill the caller's
 *    tocsin_error (which may be NULL when the caller does not want the detail). Out-parameters
 *    are written only on success.
 *  - Objects are opaque handles made by tocsin_X_new/open/load and released by tocsin_X_free;
 *    every free function accepts NULL and does nothing.
 *  - Strings handed out as tocsin_strv point into memory owned by the object that produced them
 *    and stay valid until the next call on that object (stated per function).
 *  - The library never prints and never exits; warnings go to a callback the caller supplies.
 *
 * The pipeline flows one way: read -> text (normalize) -> lang -> match -> agg -> store ->
 * stats -> report/serve. Each stage has a section below. */
#ifndef TOCSIN_H
#define TOCSIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TOCSIN_VERSION "0.1.0"

/* ---------------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------------- */

/* One stable list of outcomes. Values are never renumbered; new ones go at the end. The CLI uses
 * the value as its exit status (0 = success). */
typedef enum tocsin_status {
    TOCSIN_OK = 0,
    TOCSIN_ERR_NOMEM = 1,     /* memory allocation failed */
    TOCSIN_ERR_IO = 2,        /* a file could not be opened, read or written */
    TOCSIN_ERR_USAGE = 3,     /* a bad argument or option value */
    TOCSIN_ERR_PARSE = 4,     /* a malformed record (fatal only under --strict) */
    TOCSIN_ERR_FORMAT = 5,    /* input of unknown or unsupported shape */
    TOCSIN_ERR_TRUNCATED = 6, /* a compressed stream or document ended before its end */
    TOCSIN_ERR_LIMIT = 7,     /* a size cap was exceeded */
    TOCSIN_ERR_WATCHLIST = 8, /* a watchlist could not be loaded or compiled */
    TOCSIN_ERR_STORE = 9,     /* the store (SQLite/PostgreSQL) failed */
    TOCSIN_ERR_INTERNAL = 10, /* a bug in tocsin: please report it */
    TOCSIN_ERR_LANG = 11,     /* language identification could not be set up */
    TOCSIN_ERR_STATS = 12,    /* a statistical computation had no valid answer */
} tocsin_status;

/* @return a short constant English description of `code` (never NULL). */
const char *tocsin_strerror(tocsin_status code);

/* The detail of an error or warning: what went wrong and where. `file`, `field` and `message` are
 * NUL-terminated; `file` is "" and `line` is 0 when they do not apply. `line` is a 1-based line
 * number, or, when `is_record_index` is set, a 1-based record index (JSON array element). */
typedef struct tocsin_error {
    tocsin_status code;
    uint64_t line;
    bool is_record_index;
    char file[512];
    char field[64];
    char message[512];
} tocsin_error;

/* Resets `err` to "no error". Accepts NULL. */
void tocsin_error_clear(tocsin_error *err);

/* Writes "file:line: field: message" (parts that do not apply are left out) into `buf`, always
 * NUL-terminated when cap > 0.
 * @return the length the full text has (as snprintf). */
size_t tocsin_error_format(const tocsin_error *err, char *buf, size_t cap);

/* Receives warnings (a skipped record, replaced invalid UTF-8...). `w` is valid only during the
 * call. Called from the thread that met the problem: it must be thread-safe when the caller runs
 * the library with several threads. */
typedef void (*tocsin_warn_fn)(void *ctx, const tocsin_error *w);

/* ---------------------------------------------------------------------------------------------
 * Posts: what every reader produces
 * ------------------------------------------------------------------------------------------- */

/* A string view: `len` bytes at `ptr`, not NUL-terminated. {NULL, 0} is "absent". */
typedef struct tocsin_strv {
    const char *ptr;
    size_t len;
} tocsin_strv;

typedef enum tocsin_kind {
    TOCSIN_KIND_POST = 0,
    TOCSIN_KIND_REPLY = 1,
    TOCSIN_KIND_REPOST = 2, /* forward, retweet, boost: someone else's post passed on */
    TOCSIN_KIND_QUOTE = 3,
    TOCSIN_KIND_SERVICE = 4, /* "X joined the group" and other non-messages */
} tocsin_kind;

/* @return "post", "reply", "repost", "quote" or "service". */
const char *tocsin_kind_name(tocsin_kind kind);

/* One post as a reader understood it. All views point into memory owned by the reader and stay
 * valid until its next tocsin_reader_next() or tocsin_reader_free(). */
typedef struct tocsin_post {
    tocsin_strv id;          /* the platform's id as exact text ("" when the format has none) */
    int64_t ts;              /* seconds since 1970-01-01T00:00:00Z; valid when has_ts */
    bool has_ts;
    tocsin_strv text;        /* the text as extracted (HTML already turned to text, not folded) */
    tocsin_strv author_id;   /* stable author identity (id, else handle) */
    tocsin_strv author_name; /* display name or handle, when the format has one */
    tocsin_strv channel_id;  /* channel, chat, group, subreddit, board, thread... */
    tocsin_strv channel_name;
    tocsin_strv lang;        /* the input's own language field, if any (a hint, not a verdict) */
    tocsin_strv platform;    /* "telegram", "twitter", "reddit"... or "" for generic input */
    tocsin_kind kind;
    tocsin_strv ref_id;      /* id of the replied-to / forwarded / quoted item, if known */
    const tocsin_strv *urls; /* arrays of n_* views, owned like the rest */
    size_t n_urls;
    const tocsin_strv *hashtags; /* without the leading '#' */
    size_t n_hashtags;
    const tocsin_strv *mentions; /* without the leading '@' */
    size_t n_mentions;
    const char *source;      /* the input path ("-" for stdin), NUL-terminated */
    uint64_t line;           /* 1-based line where the record starts, 0 when not line-based */
    uint64_t record;         /* 1-based index of the record within its source */
} tocsin_post;

/* ---------------------------------------------------------------------------------------------
 * Stage read: inputs, formats, records
 * ------------------------------------------------------------------------------------------- */

/* The fields a generic reader discovers or the user maps with --field NAME=PATH. */
typedef enum tocsin_field {
    TOCSIN_FIELD_TEXT = 0,
    TOCSIN_FIELD_ID,
    TOCSIN_FIELD_TIME,
    TOCSIN_FIELD_AUTHOR,
    TOCSIN_FIELD_CHANNEL,
    TOCSIN_FIELD_LANG,
    TOCSIN_FIELD__COUNT
} tocsin_field;

/* @return the CLI name of a field ("text", "id", "time", "author", "channel", "lang"). */
const char *tocsin_field_name(tocsin_field f);

/* Why a record was skipped; the reader counts each. */
typedef enum tocsin_skip_reason {
    TOCSIN_SKIP_BAD_JSON = 0, /* not valid JSON */
    TOCSIN_SKIP_BAD_CSV,      /* CSV row with the wrong number of fields, unterminated quote */
    TOCSIN_SKIP_TOO_LARGE,    /* over max_record bytes */
    TOCSIN_SKIP_NO_TEXT,      /* no text field could be found */
    TOCSIN_SKIP_BAD_TIME,     /* a time field that could not be parsed */
    TOCSIN_SKIP_NOT_OBJECT,   /* a JSON value that is not an object */
    TOCSIN_SKIP_TRUNCATED,    /* the last record ends before it is complete */
    TOCSIN_SKIP__COUNT
} tocsin_skip_reason;

/* @return a short name of the reason ("bad-json", "too-large"...). */
const char *tocsin_skip_reason_name(tocsin_skip_reason r);

typedef struct tocsin_read_stats {
    uint64_t records;                        /* records seen (read + skipped) */
    uint64_t posts;                          /* posts returned */
    uint64_t skipped[TOCSIN_SKIP__COUNT];
    uint64_t invalid_utf8;                   /* records in which invalid UTF-8 was replaced */
    uint64_t bytes;                          /* input bytes consumed (after decompression) */
} tocsin_read_stats;

/* Adds `b` into `a`. */
void tocsin_read_stats_add(tocsin_read_stats *a, const tocsin_read_stats *b);

typedef struct tocsin_read_opts {
    const char *format;                     /* NULL or "auto": detect; else a format name */
    const char *field[TOCSIN_FIELD__COUNT]; /* explicit paths (dotted JSON path or CSV column) */
    const char *tz;                         /* zone for times without offset; NULL = UTC */
    size_t max_record;                      /* bytes; 0 = default 16 MiB */
    bool strict;                            /* first bad record is an error */
    tocsin_warn_fn warn;                    /* may be NULL */
    void *warn_ctx;
} tocsin_read_opts;

/* Sets `o` to the defaults (auto format, UTC, 16 MiB, not strict, no callback). */
void tocsin_read_opts_init(tocsin_read_opts *o);

/* Expands input arguments: files stay, directories are walked recursively (regular files in
 * name order, hidden files skipped), "-" stays (stdin).
 * On success *out is a malloc'd array of *n malloc'd paths; release with tocsin_paths_free(). */
tocsin_status tocsin_paths_expand(const char *const *args, size_t nargs, char ***out, size_t *n,
                                  tocsin_error *err);
void tocsin_paths_free(char **paths, size_t n);

typedef struct tocsin_reader tocsin_reader;

/* Opens `path` ("-" = stdin) for reading posts; gzip and zstd are detected from their magic
 * bytes. The options are copied. On success *out owns the open file; free it with
 * tocsin_reader_free(). */
tocsin_status tocsin_reader_open(const tocsin_read_opts *opts, const char *path,
                                 tocsin_reader **out, tocsin_error *err);

/* Reads the next post into *post (views valid until the next call). Sets *got to 1 for a post,
 * 0 at the end of input. Bad records are skipped, counted and reported to opts.warn; under
 * strict the first one is returned as an error instead. A damaged compressed stream is an
 * error (TOCSIN_ERR_TRUNCATED) after the posts before the damage have been returned. */
tocsin_status tocsin_reader_next(tocsin_reader *r, tocsin_post *post, int *got,
                                 tocsin_error *err);

/* Name of the detected (or forced) format, e.g. "jsonl", "json-array", "csv", "telegram". */
const char *tocsin_reader_format(const tocsin_reader *r);

/* Copies the reader's counters so far into *stats. */
void tocsin_reader_stats(const tocsin_reader *r, tocsin_read_stats *stats);

void tocsin_reader_free(tocsin_reader *r);

/* Parses a timestamp: epoch seconds or milliseconds (decided by magnitude), ISO-8601 with or
 * without offset (without: in zone `tz`, NULL = UTC), RFC 2822, and X/Twitter's
 * "Wed Oct 10 20:19:24 +0000 2018".
 * @return TOCSIN_OK and *out (epoch seconds), or TOCSIN_ERR_PARSE. */
tocsin_status tocsin_time_parse(const char *s, size_t len, const char *tz, int64_t *out);

/* Writes `ts` as ISO-8601 UTC "YYYY-MM-DDTHH:MM:SSZ" into buf (cap >= 21). */
void tocsin_time_format(int64_t ts, char *buf, size_t cap);

/* ---------------------------------------------------------------------------------------------
 * Stage text: normalization
 * ------------------------------------------------------------------------------------------- */

/* A normalizer: reusable buffers for one thread. Normalization = NFKC + case folding + mark
 * stripping, Arabic-script letter folding, digits to ASCII, tatweel / zero-width / bidi controls
 * removed, and every run of separators (whitespace, Unicode dashes, underscores, dots, ZWNJ)
 * turned into one ASCII space. */
typedef struct tocsin_norm tocsin_norm;

/* On success *out is a new normalizer; free with tocsin_norm_free(). */
tocsin_status tocsin_norm_new(tocsin_norm **out, tocsin_error *err);
void tocsin_norm_free(tocsin_norm *n);

/* Normalizes `len` bytes of UTF-8 at `in` (invalid sequences count as U+FFFD).
 * *out / *out_len receive the normalized text (NUL-terminated; owned by `n`, valid until the next
 * call). When `map` is not NULL, *map receives an array of *out_len + 1 offsets: (*map)[i] is the
 * byte offset in `in` of the character that produced output byte i, and (*map)[*out_len] = len.
 * An original span of output [a, b) is in[(*map)[a] .. end of the char at (*map)[b-1]). */
tocsin_status tocsin_normalize(tocsin_norm *n, const char *in, size_t len, const char **out,
                               size_t *out_len, const uint32_t **map, tocsin_error *err);

/* The same result computed by utf8proc for every character (no tables, no fast path): the
 * reference the fast normalizer is tested against. Same ownership as tocsin_normalize. */
tocsin_status tocsin_normalize_reference(tocsin_norm *n, const char *in, size_t len,
                                         const char **out, size_t *out_len, tocsin_error *err);

/* Converts HTML (tags, entities, <br>/<p> as newlines, <wbr> as nothing) to plain text.
 * *out is owned by `n` (valid until the next call on n), NUL-terminated. */
tocsin_status tocsin_html_to_text(tocsin_norm *n, const char *in, size_t len, const char **out,
                                  size_t *out_len, tocsin_error *err);

/* ---------------------------------------------------------------------------------------------
 * Stage match: watchlists
 * ------------------------------------------------------------------------------------------- */

typedef struct tocsin_watchlist tocsin_watchlist;

/* Loads and compiles a YAML watchlist (one Hyperscan database for all of it). Errors name the
 * file, the line and the offending term. On success *out is owned by the caller: free with
 * tocsin_watchlist_free() after every matcher made from it. */
tocsin_status tocsin_watchlist_load(const char *path, tocsin_watchlist **out, tocsin_error *err);
void tocsin_watchlist_free(tocsin_watchlist *wl);

size_t tocsin_watchlist_topic_count(const tocsin_watchlist *wl);
/* @return the topic's id / label (owned by wl), NULL when i is out of range. */
const char *tocsin_watchlist_topic_id(const tocsin_watchlist *wl, size_t i);
const char *tocsin_watchlist_topic_label(const tocsin_watchlist *wl, size_t i);
size_t tocsin_watchlist_term_count(const tocsin_watchlist *wl);
/* @return the term (or regex) as written in the file, owned by wl. */
const char *tocsin_watchlist_term(const tocsin_watchlist *wl, size_t term);
/* @return the topic index a term belongs to. */
size_t tocsin_watchlist_term_topic(const tocsin_watchlist *wl, size_t term);
/* @return a hex SHA-256 of the watchlist file's bytes (owned by wl). */
const char *tocsin_watchlist_hash(const tocsin_watchlist *wl);

typedef struct tocsin_match {
    uint32_t topic;
    uint32_t term;
    size_t start, end; /* byte span [start, end) in the normalized text */
} tocsin_match;

/* Per-thread matching state (Hyperscan scratch and result buffers). */
typedef struct tocsin_matcher tocsin_matcher;
tocsin_status tocsin_matcher_new(const tocsin_watchlist *wl, tocsin_matcher **out,
                                 tocsin_error *err);
void tocsin_matcher_free(tocsin_matcher *m);

/* Matches normalized text (from tocsin_normalize). *out receives the accepted matches (word
 * boundaries, proclitics and exclusions applied), sorted by start then term, and *n their number;
 * owned by `m`, valid until its next call. */
tocsin_status tocsin_match_text(tocsin_matcher *m, const char *norm, size_t len,
                                const tocsin_match **out, size_t *n, tocsin_error *err);

/* ---------------------------------------------------------------------------------------------
 * Stage agg: time buckets and counts
 * ------------------------------------------------------------------------------------------- */

typedef enum tocsin_bucket {
    TOCSIN_BY_HOUR = 0,
    TOCSIN_BY_DAY,
    TOCSIN_BY_WEEK, /* ISO weeks, starting on Monday */
    TOCSIN_BY_MONTH,
} tocsin_bucket;

/* Parses "hour", "day", "week" or "month". @return TOCSIN_OK or TOCSIN_ERR_USAGE. */
tocsin_status tocsin_bucket_parse(const char *s, tocsin_bucket *out);
/* @return the start (epoch seconds, UTC) of the bucket holding ts. */
int64_t tocsin_bucket_start(int64_t ts, tocsin_bucket by);
/* Writes a bucket start as ISO-8601 UTC: "YYYY-MM-DD" for day/week/month, "YYYY-MM-DDTHH:00:00Z"
 * for hours. cap >= 21. */
void tocsin_bucket_format(int64_t start, tocsin_bucket by, char *buf, size_t cap);

/* ---------------------------------------------------------------------------------------------
 * Pipeline: scan (read -> normalize -> identify -> match -> aggregate, in memory)
 * ------------------------------------------------------------------------------------------- */

/* A watchlist match in a post, as byte offsets into post->text (the original text). */
typedef struct tocsin_hit {
    uint32_t topic;
    uint32_t term;
    size_t start, end;
} tocsin_hit;

/* Called once per matching post, with its language and hits (sorted by start). Calls are
 * serialized by the library (never two at once), in input order when threads == 1. Everything
 * passed is valid only during the call. */
typedef void (*tocsin_match_fn)(void *ctx, const tocsin_post *post, const char *lang,
                                const tocsin_hit *hits, size_t n);

typedef struct tocsin_scan_opts {
    tocsin_read_opts read;
    const tocsin_watchlist *watchlist; /* required; not owned */
    unsigned threads;                  /* 0 or 1 = one thread */
    tocsin_bucket by;
    tocsin_match_fn on_match;          /* optional */
    void *on_match_ctx;
} tocsin_scan_opts;

/* Sets defaults: tocsin_read_opts_init, one thread, by day, no callback. */
void tocsin_scan_opts_init(tocsin_scan_opts *o);

/* One row of counts: matching posts and distinct authors of a topic, language and bucket. */
typedef struct tocsin_count_row {
    uint32_t topic;   /* index into the watchlist's topics */
    char lang[16];    /* language code, "und" when unknown */
    int64_t bucket;   /* bucket start, epoch seconds */
    uint64_t posts;
    uint64_t authors; /* exact count of distinct author ids (posts without author add none) */
} tocsin_count_row;

typedef struct tocsin_scan_summary {
    tocsin_read_stats read;   /* summed over inputs */
    uint64_t files;
    uint64_t no_time;         /* posts without a usable timestamp: not counted in any bucket */
    uint64_t matched;         /* posts with at least one accepted match */
} tocsin_scan_summary;

typedef struct tocsin_scan_result tocsin_scan_result;

/* Runs the pipeline over the input paths (files, "-", expanded directories) and aggregates the
 * matches. Warnings go to opts->read.warn. On success *out holds the rows (sorted by topic,
 * language, bucket) and the summary; free it with tocsin_scan_result_free(). On failure (an
 * unreadable file, a truncated stream, a bad record under strict) returns the first error;
 * nothing is returned. */
tocsin_status tocsin_scan(const tocsin_scan_opts *opts, const char *const *paths, size_t npaths,
                          tocsin_scan_result **out, tocsin_error *err);
/* @return the number of rows; *rows points into res. */
size_t tocsin_scan_rows(const tocsin_scan_result *res, const tocsin_count_row **rows);
const tocsin_scan_summary *tocsin_scan_get_summary(const tocsin_scan_result *res);
void tocsin_scan_result_free(tocsin_scan_result *res);

/* ---------------------------------------------------------------------------------------------
 * Stage lang: language identification
 * ------------------------------------------------------------------------------------------- */

/* How a text's language is decided. */
typedef enum tocsin_lang_mode {
    /* Noise removed (URLs, @mentions, '#' of hashtags, emoji, digits), then: a script that names
     * its language alone (Hangul -> ko, Thai -> th, kana -> ja...) decides; else the built-in
     * character n-gram model scores the script's languages; CLD2 decides when that model is
     * unsure or picks a language it does not vouch for. */
    TOCSIN_LANG_AUTO = 0,
    /* CLD2 alone (full tables, best effort) on the raw text: the baseline of the evaluation. */
    TOCSIN_LANG_CLD2_ONLY = 1,
    /* CLD2 alone on the text with noise removed (no script shortcut, no own model). */
    TOCSIN_LANG_CLD2_CLEAN = 2,
} tocsin_lang_mode;

typedef struct tocsin_langid_opts {
    tocsin_lang_mode mode;
    double min_confidence; /* a verdict below this confidence becomes "und"; default 0.30 */
    size_t min_letters;    /* fewer letters than this after noise removal: "und"; default 4 */
    size_t max_bytes;      /* only this prefix of the text is examined; default 1024 bytes */
    size_t cache_slots;    /* per-state cache of recent verdicts (repeated texts); default 4096,
                              0 keeps the default, SIZE_MAX disables the cache */
    const char *model_path; /* a model file (models/lang-ngram.txt format); NULL = built in */
} tocsin_langid_opts;

/* Sets `o` to the defaults above (TOCSIN_LANG_AUTO). */
void tocsin_langid_opts_init(tocsin_langid_opts *o);

/* The shared, read-only identifier (model tables). Thread-safe once made: any number of states
 * in any threads may use it at once. */
typedef struct tocsin_langid tocsin_langid;

/* Makes an identifier from `opts` (NULL = defaults; copied). Fails with TOCSIN_ERR_LANG when a
 * model file cannot be read or parsed (the error names its file and line) and TOCSIN_ERR_USAGE
 * for bad option values. On success *out is owned by the caller: free it with
 * tocsin_langid_free() after every state made from it. */
tocsin_status tocsin_langid_new(const tocsin_langid_opts *opts, tocsin_langid **out,
                                tocsin_error *err);
void tocsin_langid_free(tocsin_langid *id);

/* Per-thread detection state (scratch buffers and the cache). On success *out is owned by the
 * caller; free with tocsin_lang_state_free() before the identifier. */
typedef struct tocsin_lang_state tocsin_lang_state;
tocsin_status tocsin_lang_state_new(const tocsin_langid *id, tocsin_lang_state **out,
                                    tocsin_error *err);
void tocsin_lang_state_free(tocsin_lang_state *st);

/* One verdict. Codes are ISO 639-1 where one exists, else ISO 639-3 ("ckb", "fil"...);
 * "zh-Hant" for Traditional Chinese; "und" when abstaining. */
typedef struct tocsin_lang_result {
    char lang[12];
    double confidence;      /* in [0, 1]; for "und", the best candidate's confidence (or 0) */
    char runner_up[12];     /* the second candidate, "" when there is none */
    double runner_up_confidence;
    char candidate[12];     /* for "und": the best candidate it declined ("" when none) */
    const char *script;     /* ISO 15924 code of the dominant script ("Latn", "Arab"...), static */
    const char *method;     /* "script", "model", "cld2", "none" (abstained early), static */
    size_t letters;         /* letters seen after noise removal (within max_bytes) */
    bool cached;            /* the verdict came from the state's cache */
} tocsin_lang_result;

/* Identifies the language of text[0..len) (UTF-8; invalid bytes are ignored). Pass the original
 * text, not the normalized one. *out is always written on TOCSIN_OK.
 * @return TOCSIN_OK, or TOCSIN_ERR_USAGE when st, out or (text with len > 0) is NULL. */
tocsin_status tocsin_lang_detect(tocsin_lang_state *st, const char *text, size_t len,
                                 tocsin_lang_result *out);

/* Counters of one state: how verdicts were reached. */
typedef struct tocsin_lang_stats {
    uint64_t texts, bytes, by_script, by_model, by_cld2, abstained, cache_hits;
} tocsin_lang_stats;
void tocsin_lang_state_stats(const tocsin_lang_state *st, tocsin_lang_stats *out);

/* Where a post's language comes from (`--lang-source`):
 *  DETECT: the detector's verdict, always.
 *  INPUT:  the input's own language field (normalized), "und" when it has none.
 *  BOTH:   the input's field when present, known and plausible for the text's script (a post
 *          tagged "en" written in Arabic letters is not English), or when the detector saw too
 *          few letters to judge; otherwise the detector's verdict. */
typedef enum tocsin_lang_source {
    TOCSIN_LANG_SOURCE_DETECT = 0,
    TOCSIN_LANG_SOURCE_INPUT = 1,
    TOCSIN_LANG_SOURCE_BOTH = 2,
} tocsin_lang_source;

/* Parses "detect", "input" or "both". @return TOCSIN_OK or TOCSIN_ERR_USAGE. */
tocsin_status tocsin_lang_source_parse(const char *s, tocsin_lang_source *out);

/* Normalizes an input language tag ("en-US", "EN", "eng", "pt_BR", "in", "ku-Arab"...) to the
 * detector's codes into buf (cap >= 12). `script` (may be NULL) is the text's dominant script,
 * used to map Arabic-script "ku" to "ckb". @return true when a code was written, false for an
 * empty, "und" or malformed tag. */
bool tocsin_lang_tag_normalize(tocsin_strv tag, const char *script, char *buf, size_t cap);

/* Decides a post's language from the input's field `input_tag` and the detector's verdict
 * `detected` (may be NULL under INPUT) per `source` (see above); writes the code into buf
 * (cap >= 12). @return true when the input's field was used. */
bool tocsin_lang_choose(tocsin_lang_source source, tocsin_strv input_tag,
                        const tocsin_lang_result *detected, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* TOCSIN_H */
