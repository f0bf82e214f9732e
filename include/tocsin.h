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

/* Parses a timestamp: epoch seconds or milliseconds (decided by magnitude; exactly eight digits
 * that form a date 1900..2100 are that date, YYYYMMDD, at midnight in `tz`), ISO-8601 with or
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
 * An original span of output [a, b) is in[(*map)[a] .. end of the char at (*map)[b-1]).
 * Leading and trailing separators are kept (one space each), not trimmed. The exact rules are in
 * docs/internals/text.md.
 * @return TOCSIN_OK; TOCSIN_ERR_LIMIT when len >= 4 GiB; TOCSIN_ERR_NOMEM. */
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

/* Loads and compiles a YAML watchlist (one Hyperscan database for all of it): `topics:`, a list
 * of {id, label, description, tags, terms, regex, exclude} (docs/internals/match.md). Terms and
 * exclusions are normalized like text; regexes run on normalized text. Errors
 * (TOCSIN_ERR_WATCHLIST; TOCSIN_ERR_IO when unreadable, TOCSIN_ERR_LIMIT past 64 MiB) name the
 * file, the line, the field and the offending term. On success *out is owned by the caller: free
 * with tocsin_watchlist_free() after every matcher made from it. A loaded watchlist is read-only
 * and may be shared by threads. */
tocsin_status tocsin_watchlist_load(const char *path, tocsin_watchlist **out, tocsin_error *err);

/* Options of tocsin_watchlist_load_opts; tocsin_watchlist_opts_init sets the defaults. */
typedef struct tocsin_watchlist_opts {
    /* Directory for compiled Hyperscan databases, or NULL (the default) for no cache. Created
     * (mode 0700, with its parents) when missing. A database is filed under a hash of everything
     * that shapes it (the patterns as compiled, their flags, the Hyperscan version and the
     * platform), so a later load that would compile the same database reads it instead, and an
     * edited watchlist or another Hyperscan never reuses a stale one. A cache file is used only
     * when it is a regular file of the current user, not writable by others, and its header,
     * size and checksum agree; anything else is ignored and replaced. Files are written to a
     * temporary name and renamed. Reading or writing the cache never makes the load fail. */
    const char *cache_dir;
} tocsin_watchlist_opts;

void tocsin_watchlist_opts_init(tocsin_watchlist_opts *o);
/* tocsin_watchlist_load with options (opts may be NULL: the defaults). Same errors, same result,
 * same ownership. */
tocsin_status tocsin_watchlist_load_opts(const char *path, const tocsin_watchlist_opts *opts,
                                         tocsin_watchlist **out, tocsin_error *err);
void tocsin_watchlist_free(tocsin_watchlist *wl);

size_t tocsin_watchlist_topic_count(const tocsin_watchlist *wl);
/* @return the topic's id / label (owned by wl), NULL when i is out of range. */
const char *tocsin_watchlist_topic_id(const tocsin_watchlist *wl, size_t i);
const char *tocsin_watchlist_topic_label(const tocsin_watchlist *wl, size_t i);
size_t tocsin_watchlist_term_count(const tocsin_watchlist *wl);
/* @return the term (or regex) as written in the file, owned by wl; NULL when out of range. Terms
 * are numbered in file order; a duplicate (same normalized form in the same topic) is not a
 * separate term. Exclusion phrases are not terms. */
const char *tocsin_watchlist_term(const tocsin_watchlist *wl, size_t term);
/* @return the topic index a term belongs to, SIZE_MAX when out of range. */
size_t tocsin_watchlist_term_topic(const tocsin_watchlist *wl, size_t term);
/* @return true when the term is a `regex:` entry. */
bool tocsin_watchlist_term_is_regex(const tocsin_watchlist *wl, size_t term);
/* @return the 1-based line of the term in the watchlist file, 0 when out of range. */
uint64_t tocsin_watchlist_term_line(const tocsin_watchlist *wl, size_t term);
/* @return the number of tags of topic i / its j-th tag (owned by wl; NULL when out of range). */
size_t tocsin_watchlist_topic_tag_count(const tocsin_watchlist *wl, size_t i);
const char *tocsin_watchlist_topic_tag(const tocsin_watchlist *wl, size_t i, size_t j);
/* @return a hex SHA-256 of the watchlist file's bytes (owned by wl). */
const char *tocsin_watchlist_hash(const tocsin_watchlist *wl);

typedef struct tocsin_match {
    uint32_t topic;
    uint32_t term;
    size_t start, end; /* byte span [start, end) in the normalized text */
} tocsin_match;

/* Per-thread matching state (Hyperscan scratch and result buffers). tocsin_matcher_new() makes
 * one for `wl` (which must outlive it); free it with tocsin_matcher_free(). */
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
/* @return the start (epoch seconds, UTC) of the bucket holding ts; times outside the years 1 to
 * 9999 are first clamped into them. */
int64_t tocsin_bucket_start(int64_t ts, tocsin_bucket by);
/* Writes a bucket start as ISO-8601 UTC: "YYYY-MM-DD" for day/week/month, "YYYY-MM-DDTHH:00:00Z"
 * for hours. cap >= 21. */
void tocsin_bucket_format(int64_t start, tocsin_bucket by, char *buf, size_t cap);

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
    size_t max_letters;    /* reading stops at the first word boundary after this many
                              letters (noise removed); default 96, 0 keeps the default */
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

/* One verdict. Codes are ISO 639-1 where one exists, else ISO 639-3 ("ckb", "ceb"...);
 * "zh" for Chinese in either script; "und" when abstaining. */
typedef struct tocsin_lang_result {
    char lang[12];
    double confidence;      /* in [0, 1]; for "und", the best candidate's confidence (or 0) */
    char runner_up[12];     /* the second candidate, "" when there is none */
    double runner_up_confidence;
    char candidate[12];     /* for "und": the best candidate it declined ("" when none) */
    const char *script;     /* ISO 15924 code of the dominant script ("Latn", "Arab"...), static */
    const char *method;     /* "script", "model", "cld2", "none" (abstained early), static */
    size_t letters;         /* letters read after noise removal (within the bounds above) */
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

/* ---------------------------------------------------------------------------------------------
 * Stage stats: rate ratios with honest intervals, multiple testing, change points, seasonal
 * spikes. Plain arrays in, plain numbers out: the store and the CLI feed them. The methods, their
 * assumptions and references are in src/stats/ratio.c, changepoint.c, stl.c, esd.c, burst.c
 * and docs/internals/stats.md. Distribution functions come from GSL; the first call of any function
 * below switches GSL's abort-on-error handler off (process-wide), since the library never exits.
 * ------------------------------------------------------------------------------------------- */

/* One observation window of a topic: `count` topic posts against `exposure` (the denominator:
 * all posts in that language and sources, or the number of days). Optional per-bucket (daily)
 * counts let the over-dispersion be estimated: `daily[i]` posts against `daily_exposure[i]`
 * (NULL = every bucket has exposure / n_daily). When `daily` is given it must sum to `count`. */
typedef struct tocsin_window {
    uint64_t count;
    double exposure;               /* > 0 */
    const uint64_t *daily;         /* NULL = no per-bucket counts */
    const double *daily_exposure;  /* NULL = equal buckets; else each > 0 */
    size_t n_daily;
} tocsin_window;

typedef enum tocsin_ci_method {
    TOCSIN_CI_EXACT_BINOMIAL = 0, /* conditional binomial, Clopper-Pearson limits */
    TOCSIN_CI_QUASI_POISSON = 1,  /* log ratio, Wald SE with each window's dispersion, t */
} tocsin_ci_method;

/* @return "exact-binomial" or "quasi-poisson". */
const char *tocsin_ci_method_name(tocsin_ci_method m);

/* A rate ratio after/before = (x1/E1) / (x0/E0) with its intervals. Bounds are 0 or INFINITY when
 * a window has no posts (x1 = 0: ratio 0, lower bound 0; x0 = 0: ratio and upper bound INFINITY).
 * The reported ci_low/ci_high/p_value are those of the wider interval (log scale; an infinite
 * bound is widest, and of two such the one containing the other; ties go to the exact one),
 * named by ci_method. */
typedef struct tocsin_rate_ratio {
    double ratio;
    double ci_low, ci_high;
    tocsin_ci_method ci_method;
    double p_value;          /* two-sided, H0: ratio = 1, of the reported method */
    double level;            /* the confidence level used, e.g. 0.95 */
    double exact_low, exact_high, exact_p; /* conditional binomial (always computed) */
    bool has_quasi;          /* daily counts were given for both windows and df >= 1 */
    double quasi_low, quasi_high, quasi_p; /* NAN when !has_quasi */
    double dispersion;       /* pooled Pearson chi2 / (buckets - 2) (NAN when !has_quasi) */
    double dispersion_before, dispersion_after; /* each window's chi2 / (buckets - 1), used by
                                                   the quasi-Poisson interval */
    double df;               /* Welch-Satterthwaite df of the quasi-Poisson interval */
} tocsin_rate_ratio;

/* Computes the rate ratio of `after` over `before` at confidence `level` (0 = 0.95).
 * Errors: TOCSIN_ERR_USAGE for a bad argument (exposure <= 0, daily counts not summing to the
 * count, level outside (0,1)), TOCSIN_ERR_STATS when neither window has a post or the ratio
 * overflows, TOCSIN_ERR_LIMIT for counts above 2^53. */
tocsin_status tocsin_rate_ratio_compute(const tocsin_window *before, const tocsin_window *after,
                                        double level, tocsin_rate_ratio *out, tocsin_error *err);

/* Benjamini-Hochberg q-values (step-up, FDR-adjusted p-values) of the n p-values p[] into q[]
 * (q may alias p). Errors: TOCSIN_ERR_USAGE for a p-value outside [0,1] or NaN. */
tocsin_status tocsin_bh_qvalues(const double *p, size_t n, double *q, tocsin_error *err);

/* Leave-one-out sensitivity: the ratio recomputed with each channel's posts removed from both
 * windows. ch_before[c]/ch_after[c] are channel c's counts; ch_exp_before/ch_exp_after its share
 * of the exposures (NULL = removing a channel leaves the exposure unchanged, as for per-day
 * rates). *loo_min and *loo_max receive the range (may be 0 or INFINITY; removals that leave both
 * windows empty are skipped; both NAN when every removal does, or n_channels == 0).
 * Errors: TOCSIN_ERR_USAGE when a channel has more posts or exposure than its window. */
tocsin_status tocsin_rate_ratio_loo(const tocsin_window *before, const tocsin_window *after,
                                    const uint64_t *ch_before, const uint64_t *ch_after,
                                    const double *ch_exp_before, const double *ch_exp_after,
                                    size_t n_channels, double *loo_min, double *loo_max,
                                    tocsin_error *err);

/* A claimed ratio range LOW..HIGH judged against an interval [ci_low, ci_high]:
 *  - overstated:   ci_high < LOW (the whole interval is below the claim);
 *  - understated:  ci_low > HIGH (the whole interval is above the claim);
 *  - inconclusive: the interval overlaps the claim but also contains 1 (no change) while the
 *                  claim does not: the data cannot tell the claimed change from no change;
 *  - supported:    the interval overlaps the claim and, when the claim excludes 1, excludes 1. */
typedef enum tocsin_verdict {
    TOCSIN_VERDICT_SUPPORTED = 0,
    TOCSIN_VERDICT_OVERSTATED = 1,
    TOCSIN_VERDICT_UNDERSTATED = 2,
    TOCSIN_VERDICT_INCONCLUSIVE = 3,
} tocsin_verdict;

/* @return "supported", "overstated", "understated" or "inconclusive". */
const char *tocsin_verdict_name(tocsin_verdict v);

/* Judges the claim [claim_low, claim_high] (0 < low <= high, high may be INFINITY).
 * Errors: TOCSIN_ERR_USAGE for a bad claim or interval (NaN, negative, low > high). */
tocsin_status tocsin_verdict_judge(double ci_low, double ci_high, double claim_low,
                                   double claim_high, tocsin_verdict *out, tocsin_error *err);

/* Writes one plain-English sentence about `rr` into buf (always NUL-terminated when cap > 0),
 * e.g. "Up 9.1-fold (95% CI 7.8 to 10.6, exact-binomial); the claim of 8 to 10-fold is
 * supported: the interval overlaps it." `claim` is NULL or {low, high} with `verdict` its
 * judgement. @return the length the full sentence has (as snprintf). */
size_t tocsin_rate_ratio_sentence(const tocsin_rate_ratio *rr, const double *claim,
                                  tocsin_verdict verdict, char *buf, size_t cap);

/* Writes a ratio for people into buf (cap >= 8): three significant digits, no exponent ("14.4",
 * "2.71", "0.69"), "∞" for infinity, "?" for NaN. The CLI, the report and the dashboard print
 * ratios with it, so one number reads the same everywhere. */
void tocsin_ratio_format(double v, char *buf, size_t cap);

/* Change points in a count series (PELT, exact optimal partitioning with pruning). */
typedef enum tocsin_cpt_cost {
    TOCSIN_CPT_POISSON = 0,       /* Poisson deviance */
    TOCSIN_CPT_QUASI_POISSON = 1, /* Poisson deviance / dispersion */
    TOCSIN_CPT_NEGBIN = 2,        /* negative binomial, size estimated from the series; equal
                                     exposures only */
    TOCSIN_CPT_AUTO = 3,          /* the default: negative binomial without exposures,
                                     quasi-Poisson with them */
} tocsin_cpt_cost;

typedef struct tocsin_cpt_opts {
    tocsin_cpt_cost cost;
    double penalty;     /* per change, in deviance units; 0 = the rule 3 log(n) */
    size_t min_segment; /* shortest regime in buckets; 0 = 2 */
    double level;       /* for change-time and rate-ratio intervals; 0 = 0.95 */
    double min_ratio;   /* an upward change is a surge when its ratio exceeds this; 0 = 1 */
} tocsin_cpt_opts;

/* Sets the defaults: automatic cost, penalty 3 log n, min_segment 2, level 0.95. */
void tocsin_cpt_opts_init(tocsin_cpt_opts *o);

typedef struct tocsin_segment {
    size_t start, end; /* buckets [start, end) */
    double rate;       /* posts per unit exposure */
} tocsin_segment;

typedef struct tocsin_changepoint {
    size_t pos;             /* first bucket of the new regime */
    size_t pos_low, pos_high; /* positions whose profile deviance is within chi2_1(level) of
                                 the best, between the neighbouring changes */
    double rate_before, rate_after;
} tocsin_changepoint;

/* An upward change: the regime from `start` is higher than the one before it. */
typedef struct tocsin_surge {
    size_t start, start_low, start_high; /* as pos, pos_low, pos_high of its change */
    size_t end;        /* last bucket of the surge (the bucket before the next downward change) */
    bool ongoing;      /* no downward change after it: end = n - 1 */
    tocsin_rate_ratio rr; /* first regime of the surge against the regime before */
} tocsin_surge;

typedef struct tocsin_cpt_result {
    size_t n;                   /* series length */
    tocsin_cpt_cost cost;       /* the cost used (never TOCSIN_CPT_AUTO) */
    double penalty;             /* the penalty used, deviance units */
    double dispersion;          /* estimated dispersion (1 for the Poisson cost) */
    double nb_size;             /* negative binomial size (INFINITY unless TOCSIN_CPT_NEGBIN) */
    tocsin_segment *segments;   size_t n_segments;
    tocsin_changepoint *changes; size_t n_changes;
    tocsin_surge *surges;       size_t n_surges;
} tocsin_cpt_result;

/* Segments y[0..n) (counts against exposure[i] > 0, NULL = 1 each) into regimes; `o` NULL =
 * defaults. On success *out is malloc'd; free with tocsin_cpt_result_free().
 * Errors: TOCSIN_ERR_USAGE for n < 2 * min_segment, a bad exposure or option;
 * TOCSIN_ERR_LIMIT for n > 50,000 (the exact search is quadratic on a series without change)
 * or more than 1e13 posts in total (beyond that rounding rivals the penalty). */
tocsin_status tocsin_changepoints(const uint64_t *y, const double *exposure, size_t n,
                                  const tocsin_cpt_opts *o, tocsin_cpt_result **out,
                                  tocsin_error *err);
void tocsin_cpt_result_free(tocsin_cpt_result *r);

/* STL: seasonal-trend decomposition by loess (Cleveland, Cleveland, McRae & Terpenning 1990),
 * following the published algorithm including its jumps (loess evaluated every `jump` points and
 * interpolated) and robustness iterations. Windows are odd (even ones are made odd, as the
 * original does). */
typedef struct tocsin_stl_opts {
    size_t period;       /* observations per cycle, >= 2 */
    bool periodic;       /* s_window = 10 n + 1, s_degree 0, then each cycle position averaged */
    size_t s_window;     /* used when !periodic, >= 3 */
    int s_degree, t_degree, l_degree; /* 0 or 1 */
    size_t t_window, l_window;        /* 0 = the defaults below */
    size_t s_jump, t_jump, l_jump;    /* 0 = ceil(window / 10) */
    int inner, outer;    /* iterations; robust defaults 1 and 15, else 2 and 0 */
} tocsin_stl_opts;

/* Sets the defaults of R's stl(): t_window = nextodd(ceil(1.5 period / (1 - 1.5 / s_window))),
 * l_window = nextodd(period), t_degree = l_degree = 1, s_degree 0, jumps ceil(window / 10),
 * inner/outer 1/15 when `robust`, else 2/0. */
void tocsin_stl_opts_init(tocsin_stl_opts *o, size_t period, bool periodic, bool robust);

/* Decomposes y[0..n) (n >= 2 period) into seasonal + trend + remainder (each array n doubles,
 * caller-owned; remainder may be NULL). Errors: TOCSIN_ERR_USAGE (bad option, too short,
 * a value that is not finite or beyond +-1e100), TOCSIN_ERR_NOMEM. */
tocsin_status tocsin_stl(const double *y, size_t n, const tocsin_stl_opts *o, double *seasonal,
                         double *trend, double *remainder, tocsin_error *err);

/* Seasonal-hybrid ESD (Hochenbaum, Vallis & Kejariwal 2017): STL (periodic, robust) removes the
 * seasonal cycle and the median, then the generalized ESD test (Rosner 1983) with median and MAD
 * in place of mean and standard deviation flags up to max_anoms * n points. */
typedef enum tocsin_esd_direction {
    TOCSIN_ESD_BOTH = 0,
    TOCSIN_ESD_POS = 1,
    TOCSIN_ESD_NEG = 2,
} tocsin_esd_direction;

typedef enum tocsin_esd_threshold {
    TOCSIN_ESD_THRESH_NONE = 0,
    TOCSIN_ESD_THRESH_MED_MAX = 1, /* keep anomalies >= the median of the daily maxima */
    TOCSIN_ESD_THRESH_P95 = 2,     /* ... >= their 95th percentile */
    TOCSIN_ESD_THRESH_P99 = 3,
} tocsin_esd_threshold;

typedef enum tocsin_esd_last {
    TOCSIN_ESD_LAST_NONE = 0,
    TOCSIN_ESD_LAST_DAY = 1,  /* report only anomalies in the last 24 h (last period w/o times) */
    TOCSIN_ESD_LAST_HOUR = 2, /* ... in the last hour (needs timestamps) */
} tocsin_esd_last;

typedef struct tocsin_esd_opts {
    size_t period;        /* observations per seasonal cycle, >= 2 */
    double max_anoms;     /* largest share of points flagged, (0, 0.49]; default 0.1 */
    double alpha;         /* significance of each ESD step; default 0.05 */
    tocsin_esd_direction direction;
    tocsin_esd_threshold threshold;
    tocsin_esd_last only_last;
    size_t piece;         /* piecewise median: analyse chunks of this many points (the last
                             chunk is the last `piece` points); 0 = the whole series at once */
} tocsin_esd_opts;

/* Sets the defaults: max_anoms 0.1, alpha 0.05, both directions, no threshold, all points. */
void tocsin_esd_opts_init(tocsin_esd_opts *o, size_t period);

/* Flags anomalies in y[0..n). `ts` (epoch seconds, increasing, may be NULL) groups the daily
 * maxima of the thresholds by UTC day and defines the last day/hour; without it a "day" is one
 * period of observations. On success *idx is a malloc'd ascending array of *n_idx indices into y
 * (NULL when none), to free(). Errors: TOCSIN_ERR_USAGE (n < 2 period, bad options, non-finite
 * value, LAST_HOUR without ts), TOCSIN_ERR_NOMEM. */
tocsin_status tocsin_esd_detect(const double *y, const int64_t *ts, size_t n,
                                const tocsin_esd_opts *o, size_t **idx, size_t *n_idx,
                                tocsin_error *err);

/* A burst of Kleinberg's two-state automaton: events first..last (indices into the times given)
 * arrive faster than usual, from `start` = ts[first] to `end` = ts[last]. */
typedef struct tocsin_burst {
    size_t first, last;
    int64_t start, end;
    double weight; /* the cost the burst state saves over the base state: its strength */
} tocsin_burst;

/* Bursts in the sorted event times ts[0..n) (Kleinberg 2002): base rate = n-1 gaps over the
 * span, burst rate s times that (s > 1; 0 = 2), entering a burst costs gamma ln(n-1) (gamma > 0;
 * 0 = 1). On success *out is a malloc'd array of *n_out bursts in time order (NULL when none),
 * to free(). Errors: TOCSIN_ERR_USAGE (fewer than 2 events, unsorted, zero span, bad s/gamma). */
tocsin_status tocsin_bursts_kleinberg(const int64_t *ts, size_t n, double s, double gamma,
                                      tocsin_burst **out, size_t *n_out, tocsin_error *err);

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

/* Everything the pipeline knows of one post, handed to a post sink (see on_post). */
typedef struct tocsin_post_info {
    const tocsin_post *post;
    const char *lang;          /* the language it is counted under ("und" when unknown) */
    double lang_confidence;    /* the detector's confidence (1 when taken from the input) */
    const char *norm;          /* the normalized text, NUL-terminated */
    size_t norm_len;
    const tocsin_hit *hits;    /* accepted matches, offsets into post->text */
    size_t n_hits;
} tocsin_post_info;

/* Receives every post (matched or not) from worker `worker` (0..threads-1). Calls from one
 * worker never overlap; calls from different workers do, so the sink must keep per-worker state
 * or lock. Everything passed is valid only during the call. A status other than TOCSIN_OK stops
 * the scan with that status (fill *err). */
typedef tocsin_status (*tocsin_post_fn)(void *ctx, unsigned worker, const tocsin_post_info *info,
                                        tocsin_error *err);

typedef struct tocsin_scan_opts {
    tocsin_read_opts read;
    const tocsin_watchlist *watchlist; /* required; not owned */
    unsigned threads;                  /* 0 or 1 = one thread */
    tocsin_bucket by;
    const tocsin_langid *langid;       /* NULL: no detection (the input's field, else "und") */
    tocsin_lang_source lang_source;    /* used with langid; default DETECT */
    tocsin_match_fn on_match;          /* optional */
    void *on_match_ctx;
    tocsin_post_fn on_post;            /* optional: every post, for ingest */
    void *on_post_ctx;
} tocsin_scan_opts;

/* Sets defaults: tocsin_read_opts_init, one thread, by day, no detection, no callbacks. */
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
    uint64_t posts;           /* posts processed */
    tocsin_lang_stats lang;   /* how languages were decided, summed over workers */
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
 * Streaming detection: an online anomaly detector over one numeric series
 * ------------------------------------------------------------------------------------------- */

/* The detector's parameters. One set is meant for every series (it was chosen on the Numenta
 * Anomaly Benchmark as a whole, never per file); docs/internals/detect.md explains each. */
typedef struct tocsin_detector_params {
    uint32_t learn;          /* rows seen before any score is given (scores are 0 until then) */
    uint32_t window;         /* rows in the trailing window of the value statistics */
    uint32_t season_window;  /* values kept per hour of the day (UTC) for the seasonal
                              * surprise; 0 = no seasonal surprise */
    uint32_t levels;         /* quantization levels across the learned value range */
    uint32_t context;        /* quantized values per context (1..8) */
    double context_weight;   /* weight (0..1) of context novelty against value surprise */
    uint32_t short_window;   /* rows averaged into the short-term surprise */
    uint32_t history;        /* rows of surprise history the likelihood compares against */
    double spread_floor;     /* least spread assumed for the recent surprise (0..1] */
    double spike_gain;       /* weight of a value beyond the trailing range (0 = off) */
    uint32_t quiet;          /* rows after an alarm during which no new alarm is raised */
    uint32_t peak_wait;      /* rows an alarm may wait for its event's peak (its score) */
    double alarm;            /* likelihood score (0..1) from which a row is an alarm */
} tocsin_detector_params;

/* Sets `p` to the defaults (the benchmarked parameter set). */
void tocsin_detector_params_init(tocsin_detector_params *p);

typedef struct tocsin_detector tocsin_detector;

/* Makes a detector (params copied; NULL = defaults). Bad parameters give TOCSIN_ERR_USAGE naming
 * the field. On success *out is owned by the caller: free it with tocsin_detector_free(). */
tocsin_status tocsin_detector_new(const tocsin_detector_params *params, tocsin_detector **out,
                                  tocsin_error *err);

/* Feeds the next row (timestamp in epoch seconds, value) and writes its anomaly score in [0, 1]
 * to *score. The score depends only on this row and the rows fed before it, so a score never
 * changes when later rows arrive. Scores >= 0.5 are alarms (at most one per `quiet` rows); below
 * 0.5 the score still ranks how unusual the row is. A non-finite value gives TOCSIN_ERR_USAGE and
 * leaves the detector unchanged. */
tocsin_status tocsin_detector_update(tocsin_detector *d, int64_t ts, double value, double *score,
                                     tocsin_error *err);

/* @return the number of rows fed so far. */
uint64_t tocsin_detector_rows(const tocsin_detector *d);

void tocsin_detector_free(tocsin_detector *d);

/* A reader of a `timestamp,value` CSV series (NAB's format: a header line naming the columns,
 * then rows with "YYYY-MM-DD HH:MM:SS" timestamps; other columns are allowed and ignored). */
typedef struct tocsin_series_reader tocsin_series_reader;

typedef struct tocsin_series_row {
    int64_t ts;             /* epoch seconds, UTC */
    double value;
    tocsin_strv ts_text;    /* the timestamp and value fields as written in the file */
    tocsin_strv value_text;
    uint64_t line;          /* 1-based line number */
} tocsin_series_row;

/* Opens `path` ("-" = stdin). `value_column` names the value column (NULL = "value"); the header
 * must also have a "timestamp" column. On success *out owns the file: tocsin_series_free(). */
tocsin_status tocsin_series_open(const char *path, const char *value_column,
                                 tocsin_series_reader **out, tocsin_error *err);

/* Reads the next row into *row (views valid until the next call); *got = 1 for a row, 0 at the
 * end. A bad row (wrong field count, unparseable timestamp, non-numeric value, a line over 1 MiB)
 * is an error naming file:line and the field; blank lines are skipped. */
tocsin_status tocsin_series_next(tocsin_series_reader *r, tocsin_series_row *row, int *got,
                                 tocsin_error *err);

void tocsin_series_free(tocsin_series_reader *r);

/* ---------------------------------------------------------------------------------------------
 * Stage read: one big file read by several threads
 * ------------------------------------------------------------------------------------------- */

/* Splits a plain (uncompressed, regular) file of a line-framed format (JSON Lines, or a platform
 * format read as lines) into at most `parts` byte ranges that start at line starts: range i is
 * [offsets[i], offsets[i+1]); `offsets` must have room for parts + 1 values. Anything else (stdin,
 * gzip/zstd, JSON arrays/documents, CSV whose records may span lines) gives one part, [0, size)
 * (for stdin and compressed input the end is UINT64_MAX). The format is detected as with default
 * options; input that detection cannot place is one part. *nparts receives the number of ranges.
 * Errors: TOCSIN_ERR_IO when the file cannot be read. */
tocsin_status tocsin_input_split(const char *path, size_t parts, uint64_t *offsets,
                                 size_t *nparts, tocsin_error *err);

/* As tocsin_reader_open, for the byte range [begin, end) of `path` as given by
 * tocsin_input_split (the format is detected from the start of the file). Posts' `line` and
 * `record` count from the start of the range; warnings and errors name the line in the whole
 * file. A range other than the whole input needs a plain file and a line-framed format
 * (else TOCSIN_ERR_USAGE). Free with tocsin_reader_free(). */
tocsin_status tocsin_reader_open_range(const tocsin_read_opts *opts, const char *path,
                                       uint64_t begin, uint64_t end, tocsin_reader **out,
                                       tocsin_error *err);

/* ---------------------------------------------------------------------------------------------
 * Stage store: ingest into SQLite, de-duplication, near-duplicate clusters, pseudonymized
 * authors, trends and coverage. Schema and guarantees: docs/internals/store.md.
 * ------------------------------------------------------------------------------------------- */

typedef struct tocsin_store tocsin_store;

/* Opens (creating when absent) the SQLite store at `path` in WAL mode, and its pseudonymization
 * key `path`.key (32 random bytes, mode 0600, created on first use; when it is missing from an
 * existing store a new one is made and `warn` is told: new posts then get new pseudonyms, the
 * store itself stays valid). `read_only` opens an existing store for queries (no key needed).
 * On success *out is owned by the caller: tocsin_store_close(). */
tocsin_status tocsin_store_open(const char *path, bool read_only, tocsin_warn_fn warn,
                                void *warn_ctx, tocsin_store **out, tocsin_error *err);
void tocsin_store_close(tocsin_store *s);

typedef enum tocsin_reposts {
    TOCSIN_REPOSTS_COUNT = 0, /* forwards, retweets, boosts count like posts */
    TOCSIN_REPOSTS_SKIP = 1,  /* ... are left out of every count and of the evidence */
} tocsin_reposts;

/* Progress of an ingest, handed to the progress callback (from the writer thread). */
typedef struct tocsin_ingest_progress {
    uint64_t bytes_done;  /* estimated input bytes done (exact at file ends) */
    uint64_t bytes_total; /* sum of the input files' sizes (0 when unknown, e.g. stdin) */
    uint64_t posts;       /* posts processed so far */
    uint64_t files_done, files_total;
    double seconds;       /* since the ingest started */
} tocsin_ingest_progress;
typedef void (*tocsin_progress_fn)(void *ctx, const tocsin_ingest_progress *p);

typedef struct tocsin_ingest_opts {
    tocsin_scan_opts scan;    /* reader options, watchlist (required), threads, language */
    tocsin_reposts reposts;   /* fixed when the store is created; a different value is an error */
    bool no_text;             /* keep no post text in the evidence */
    bool keep_authors;        /* keep raw author ids in the evidence (else pseudonyms only) */
    size_t batch_posts;       /* posts per committed transaction; 0 = 100000 */
    tocsin_progress_fn progress; /* optional, called about every 0.2 s and at file ends */
    void *progress_ctx;
} tocsin_ingest_opts;

/* Sets defaults: tocsin_scan_opts_init, reposts counted, text and pseudonyms kept. */
void tocsin_ingest_opts_init(tocsin_ingest_opts *o);

typedef struct tocsin_ingest_summary {
    uint64_t files;          /* inputs given */
    uint64_t files_skipped;  /* already ingested completely (same path, size, mtime, watchlist) */
    tocsin_read_stats read;  /* summed over the files read */
    uint64_t posts;          /* posts seen */
    uint64_t new_posts;      /* counted for the first time */
    uint64_t duplicates;     /* already in the store (same key) */
    uint64_t reposts_skipped;
    uint64_t no_time;        /* new posts without a timestamp: kept as seen, in no hour */
    uint64_t unique;         /* new posts that opened a near-duplicate cluster */
    uint64_t matched;        /* new posts with a watchlist match (kept as evidence) */
} tocsin_ingest_summary;

/* Reads `paths` (files, directories are expanded by the caller, "-" = stdin) through the scan
 * pipeline and adds every post once to the store: keys, clusters, hourly totals, topic counts
 * and evidence are committed together, batch by batch, so an ingest killed at any point and run
 * again ends with exactly the counts of an uninterrupted run. Files recorded as completely
 * ingested with the same path, size, modification time and watchlist are skipped. *sum (may be
 * NULL) is filled on success. Errors: the scan's, TOCSIN_ERR_STORE (SQLite), TOCSIN_ERR_USAGE
 * (a --reposts mode other than the store's). */
tocsin_status tocsin_ingest(tocsin_store *s, const tocsin_ingest_opts *o,
                            const char *const *paths, size_t npaths,
                            tocsin_ingest_summary *sum, tocsin_error *err);

/* Re-applies o->scan.watchlist to the sources recorded in the store whose files are still
 * there with the same size (others are listed in *missing, a malloc'd array of malloc'd paths:
 * free with tocsin_paths_free()). Topic counts and evidence are rebuilt in one transaction;
 * totals, keys and clusters are left as they are. */
tocsin_status tocsin_rescan(tocsin_store *s, const tocsin_ingest_opts *o,
                            tocsin_ingest_summary *sum, char ***missing, size_t *nmissing,
                            tocsin_error *err);

/* A trend query. NULL filters match everything; `channel` matches a channel's id or name. */
typedef struct tocsin_trend_query {
    const char *topic;
    const char *lang;
    const char *channel;
    tocsin_bucket by;
} tocsin_trend_query;

/* One topic x language x bucket of a trend, with the denominators of the same language and
 * bucket (over the channels the query selects). */
typedef struct tocsin_trend_row {
    char topic[64];
    char lang[16];
    int64_t bucket;
    uint64_t posts, unique, authors;                   /* matching posts; authors estimated */
    uint64_t total_posts, total_unique, total_authors; /* all posts in lang x bucket */
    uint32_t channels;        /* channels with any post in this language and bucket */
    uint32_t joined, left;    /* channels whose first / last post falls in this bucket (not
                                 counted at the store's first / last bucket): coverage change */
} tocsin_trend_row;

/* Runs a trend query: one row per topic x language x bucket from the first to the last bucket
 * holding data for that topic and language (empty buckets are rows of zeros). On success *rows is
 * malloc'd (free()), sorted by topic, language, bucket. */
tocsin_status tocsin_store_trend(tocsin_store *s, const tocsin_trend_query *q,
                                 tocsin_trend_row **rows, size_t *n, tocsin_error *err);

/* A source file as recorded by ingest. Strings are owned by the list. */
typedef struct tocsin_source_info {
    const char *path, *sha256, *format, *watchlist_hash, *status; /* "complete" / "partial" */
    const char *skipped_detail; /* "bad-json: 2, too-large: 1" ("" when none skipped) */
    uint64_t size, records, posts, skipped, new_posts, duplicates;
    int64_t ingested; /* epoch seconds of the last ingest */
} tocsin_source_info;

/* A silence in a channel: no post in [from, to) (hour starts). */
typedef struct tocsin_gap {
    int64_t from, to;
} tocsin_gap;

typedef struct tocsin_channel_info {
    const char *platform, *channel, *name;
    int64_t first, last; /* hours of the first and last post */
    uint64_t posts;
    bool joined_late;    /* first post more than the gap threshold after the store's first */
    bool vanished;       /* last post more than the gap threshold before the store's last */
    const tocsin_gap *gaps;
    size_t n_gaps;
} tocsin_channel_info;

typedef struct tocsin_coverage tocsin_coverage;

/* Lists sources and channels. A gap is a silence of at least max(3 days, 5 times the channel's
 * median interval between days with posts). On success *out is owned by the caller:
 * tocsin_coverage_free(). */
tocsin_status tocsin_store_coverage(tocsin_store *s, tocsin_coverage **out, tocsin_error *err);
size_t tocsin_coverage_sources(const tocsin_coverage *c, const tocsin_source_info **out);
size_t tocsin_coverage_channels(const tocsin_coverage *c, const tocsin_channel_info **out);
void tocsin_coverage_free(tocsin_coverage *c);

/* ---------------------------------------------------------------------------------------------
 * Analyse: the statistics run over the store. `tocsin compare` (the rate ratio of a topic between
 * two windows) and `tocsin surges` (change points, spikes and bursts with their evidence) call
 * these, and so does the dashboard, so every front end prints the same numbers. Methods and
 * choices: docs/internals/analyse.md.
 * ------------------------------------------------------------------------------------------- */

typedef enum tocsin_measure {
    TOCSIN_MEASURE_POSTS = 0,   /* raw posts */
    TOCSIN_MEASURE_UNIQUE = 1,  /* posts opening a near-duplicate cluster (a flood counts once) */
    TOCSIN_MEASURE_AUTHORS = 2, /* distinct authors (HyperLogLog estimate) */
} tocsin_measure;

/* Parses "posts", "unique" or "authors". @return TOCSIN_OK or TOCSIN_ERR_USAGE. */
tocsin_status tocsin_measure_parse(const char *s, tocsin_measure *out);
/* @return "posts", "unique" or "authors". */
const char *tocsin_measure_name(tocsin_measure m);

/* Parses a window "YYYY-MM-DD..YYYY-MM-DD" (UTC days, both included) into [*from, *to) epoch
 * seconds. Errors: TOCSIN_ERR_USAGE naming the problem (bad date, end before start). */
tocsin_status tocsin_day_range_parse(const char *s, int64_t *from, int64_t *to,
                                     tocsin_error *err);

typedef enum tocsin_normalize {
    TOCSIN_NORM_SHARE = 0,   /* the topic's share of all posts of the same language and sources */
    TOCSIN_NORM_PER_DAY = 1, /* posts per day */
} tocsin_norm_mode;

typedef enum tocsin_compare_by {
    TOCSIN_COMPARE_BY_LANG = 0,
    TOCSIN_COMPARE_BY_CHANNEL = 1,
    TOCSIN_COMPARE_BY_NONE = 2,
} tocsin_compare_by;

typedef struct tocsin_compare_query {
    const char *topic;                    /* required: a watchlist topic id in the store */
    int64_t before_from, before_to;       /* [from, to), UTC day starts (tocsin_day_range_parse) */
    int64_t after_from, after_to;         /* must not overlap the before window */
    tocsin_compare_by by;
    tocsin_measure measure;
    tocsin_norm_mode normalize;
    double level;                         /* confidence level; 0 = 0.95 */
    bool has_claim;                       /* judge the claim [claim_low, claim_high] per row */
    double claim_low, claim_high;
} tocsin_compare_query;

/* One window of one row: `posts` of the measure for the topic, `total` of the measure over all
 * posts of the same language(s) and channel(s), over `days` days. */
typedef struct tocsin_compare_side {
    uint64_t posts;
    uint64_t total;
    uint32_t days;
} tocsin_compare_side;

typedef struct tocsin_compare_row {
    char topic[64];
    char group[192];      /* the language, the channel ("platform/channel") or "all" */
    tocsin_compare_side before, after;
    bool ok;              /* a ratio was computed; otherwise `note` says why and rr is unset */
    char note[160];
    tocsin_rate_ratio rr; /* after / before; exact and over-dispersion-adjusted intervals */
    double q_value;       /* Benjamini-Hochberg over the ok rows of the call (NAN if !ok) */
    double loo_min, loo_max; /* ratio range leaving each channel out (NAN: one channel, or
                                the authors measure, whose sketches cannot be subtracted) */
    bool has_verdict;
    tocsin_verdict verdict;
    /* The daily series of the row from the first day of the earlier window to the last day of
     * the later one (for charts): topic measure and total per day. Owned by the rows. */
    int64_t first_day;
    size_t n_days;
    uint64_t *day_posts;
    uint64_t *day_total;
} tocsin_compare_row;

/* Compares the topic between the two windows, one row per group (languages or channels where
 * the topic has posts in either window, or one row "all"), sorted by group. On success *rows is
 * malloc'd: free with tocsin_compare_rows_free(). Errors: TOCSIN_ERR_USAGE (unknown topic,
 * naming the store's topics; bad or overlapping windows; a window without any post in the
 * store), TOCSIN_ERR_STATS (the topic has no post in either window), TOCSIN_ERR_STORE. */
tocsin_status tocsin_compare(tocsin_store *s, const tocsin_compare_query *q,
                             tocsin_compare_row **rows, size_t *n, tocsin_error *err);
void tocsin_compare_rows_free(tocsin_compare_row *rows, size_t n);

typedef enum tocsin_surge_method {
    TOCSIN_SURGE_PELT = 0,  /* change points (tocsin_changepoints); each upward change a surge */
    TOCSIN_SURGE_ESD = 1,   /* seasonal-hybrid ESD spikes on the series (upward only) */
    TOCSIN_SURGE_BURST = 2, /* Kleinberg bursts on the times of the kept (evidence) posts */
} tocsin_surge_method;

/* @return "pelt", "esd" or "burst". */
const char *tocsin_surge_method_name(tocsin_surge_method m);

typedef struct tocsin_surge_query {
    const char *topic;         /* NULL = every topic */
    const char *lang;          /* NULL = every language */
    tocsin_measure measure;
    tocsin_bucket by;          /* TOCSIN_BY_DAY or TOCSIN_BY_HOUR */
    bool share;                /* series = topic / all posts of the language (default true);
                                  false = raw counts (channel churn then shows as change) */
    tocsin_surge_method method;
    double level;              /* 0 = 0.95 */
    size_t top;                /* entries per evidence list; 0 = 5 */
} tocsin_surge_query;

/* Sets the defaults: all topics and languages, unique posts, daily, share, PELT, 0.95, top 5. */
void tocsin_surge_query_init(tocsin_surge_query *q);

/* A (term, channel, ...) with its number of posts. */
typedef struct tocsin_ev_count {
    const char *name;
    uint64_t posts;
} tocsin_ev_count;

/* A kept post. Strings are never NULL ("" when absent; text "" under --no-text). */
typedef struct tocsin_ev_post {
    int64_t key;
    const char *id, *channel, *author, *lang, *text;
    int64_t ts;
    int64_t cluster;
} tocsin_ev_post;

/* A near-duplicate cluster among the surge's posts and one original example (the post that
 * opened the cluster when it was kept, else the cluster's earliest kept post). */
typedef struct tocsin_ev_cluster {
    int64_t cluster;
    uint64_t posts;
    tocsin_ev_post example;
} tocsin_ev_cluster;

typedef struct tocsin_surge_finding {
    const char *topic, *lang;
    size_t series;             /* index into tocsin_surges_series() */
    int64_t start, start_low, start_high; /* bucket starts (pelt: with the change-time interval;
                                             esd/burst: all three = start) */
    int64_t end;               /* start of the last bucket (burst: time of the last post) */
    bool ongoing;              /* pelt: no downward change after it (end = last bucket) */
    int64_t until;             /* exclusive end of the surge's time span (for its evidence) */
    bool has_rr;               /* pelt: rr is the first regime against the one before */
    tocsin_rate_ratio rr;
    double rate_before, rate_after; /* pelt: regime rates (share or posts per bucket) */
    double value;              /* esd: the bucket's value; burst: the burst weight */
    uint64_t posts;            /* the topic's measure in [start, until) */
    uint64_t kept;             /* kept (evidence) posts of the topic in [start, until) */
    const tocsin_ev_count *terms;     size_t n_terms;
    const tocsin_ev_count *channels;  size_t n_channels;
    const tocsin_ev_cluster *clusters; size_t n_clusters;
    const tocsin_ev_post *first;      size_t n_first;
} tocsin_surge_finding;

/* One analysed series: topic x language. */
typedef struct tocsin_surge_series {
    const char *topic, *lang;
    int64_t first, last;       /* first and last bucket (of the language's posts) */
    size_t n;                  /* buckets analysed (with share: buckets with any post) */
    bool analysed;             /* false: `note` says why (too short, ...) */
    const char *note;
    tocsin_cpt_cost cost;      /* pelt */
    double penalty, dispersion; /* pelt: the penalty used (deviance units) and dispersion */
    size_t n_changes;
} tocsin_surge_series;

typedef struct tocsin_surges_result tocsin_surges_result;

/* Finds surges in every topic x language series the query selects. On success *out is owned by
 * the caller: tocsin_surges_free(). Errors: TOCSIN_ERR_USAGE (unknown topic, bad option),
 * TOCSIN_ERR_STORE, TOCSIN_ERR_LIMIT (a series over the change-point code's length limit). */
tocsin_status tocsin_surges(tocsin_store *s, const tocsin_surge_query *q,
                            tocsin_surges_result **out, tocsin_error *err);
/* @return the number of findings (time order within each series, series sorted by topic and
 * language); *out points into r. */
size_t tocsin_surges_findings(const tocsin_surges_result *r, const tocsin_surge_finding **out);
size_t tocsin_surges_series(const tocsin_surges_result *r, const tocsin_surge_series **out);
/* @return the penalty rule of the change-point search in words, e.g. "3 log n per change". */
const char *tocsin_surges_penalty_rule(void);
void tocsin_surges_free(tocsin_surges_result *r);

/* Writes the evidence of every finding of r into the directory `dir` (created when absent):
 * surge-N.csv and surge-N.json (every kept post of the topic and language in the surge's time
 * span, with channel, pseudonymized author, cluster and matched terms) and manifest.json (tocsin
 * version, the query and `params_json` (a JSON object from the caller, may be NULL), the
 * watchlist hashes, every source with its SHA-256 and size, and the findings).
 * Errors: TOCSIN_ERR_IO, TOCSIN_ERR_STORE. */
tocsin_status tocsin_surges_write_evidence(tocsin_store *s, const tocsin_surges_result *r,
                                           const tocsin_surge_query *q, const char *params_json,
                                           const char *dir, tocsin_error *err);

/* ---------------------------------------------------------------------------------------------
 * Report: one self-contained HTML file (inline CSS and SVG charts, no script, nothing loaded from
 * the network) over the store: comparisons and changes with their intervals, per-topic charts
 * with small multiples per language, channel coverage, evidence with matched terms highlighted,
 * and a methods section. Layout and choices: docs/internals/report.md.
 * ------------------------------------------------------------------------------------------- */

typedef struct tocsin_report_opts {
    const char *const *topics;  /* topic ids to show; NULL or n_topics == 0: every topic */
    size_t n_topics;
    bool has_windows;           /* add a comparison of the two windows (tocsin_compare) */
    int64_t before_from, before_to, after_from, after_to; /* as in tocsin_compare_query */
    bool has_claim;             /* judge a claimed ratio [claim_low, claim_high] per row */
    double claim_low, claim_high;
    tocsin_measure measure;     /* of comparisons, changes and share lines (default unique) */
    double level;               /* confidence level; 0 = 0.95 */
    size_t evidence;            /* posts shown per topic; 0 = 8 */
    const char *title;          /* NULL = "tocsin report" */
} tocsin_report_opts;

/* Sets the defaults: every topic, no windows, unique posts, 0.95, 8 evidence posts. */
void tocsin_report_opts_init(tocsin_report_opts *o);

/* Builds the report as one HTML document. On success *html is a malloc'd NUL-terminated string
 * (free()) of *len bytes. Errors: TOCSIN_ERR_USAGE (an unknown topic, naming the store's topics;
 * bad windows or claim), TOCSIN_ERR_STORE, TOCSIN_ERR_NOMEM, and those of tocsin_compare and
 * tocsin_surges (a topic with no post in either window is a row with a note, not an error). */
tocsin_status tocsin_report_html(tocsin_store *s, const tocsin_report_opts *o, char **html,
                                 size_t *len, tocsin_error *err);

/* As tocsin_report_html, written to `path` (through a temporary file renamed into place, so the
 * file is either the whole report or untouched). Errors: also TOCSIN_ERR_IO naming the file. */
tocsin_status tocsin_report_write(tocsin_store *s, const tocsin_report_opts *o, const char *path,
                                  tocsin_error *err);

/* ---------------------------------------------------------------------------------------------
 * Serve: the live dashboard (`tocsin serve`): pages embedded in the library (web/ and uPlot, put
 * in at build time), a JSON API with the CLI's objects (/api/trend, /api/compare, /api/surges,
 * /api/sources) and Server-Sent Events (/api/events) that tell open pages when the store changed.
 * Design, safety and costs: docs/internals/serve.md.
 * ------------------------------------------------------------------------------------------- */

typedef struct tocsin_serve_opts {
    const char *db;           /* the store (opened read-only); default "tocsin.db" */
    const char *listen;       /* "ADDR:PORT" or "[V6]:PORT" (port 0 = any free port);
                                 default "127.0.0.1:8080" */
    const char *token;        /* NULL: none, only allowed on a loopback address; otherwise 16 to
                                 128 of [A-Za-z0-9-_.~], required on every request */
    unsigned max_connections; /* default 64 */
    unsigned max_events;      /* concurrent event streams, default 16, at most half the above */
    unsigned poll_ms;         /* how often the store is checked for changes; default 500 */
    bool cache;               /* cache API answers until the store changes (default true) */
} tocsin_serve_opts;

/* Sets the defaults above. */
void tocsin_serve_opts_init(tocsin_serve_opts *o);

/* Writes a new random token (24 bytes from libsodium, URL-safe base64, 32 characters and a NUL)
 * into out[0..cap). Errors: TOCSIN_ERR_USAGE (cap under 33), TOCSIN_ERR_INTERNAL. */
tocsin_status tocsin_serve_token_new(char *out, size_t cap, tocsin_error *err);

typedef struct tocsin_server tocsin_server;

/* Starts serving on background threads and returns. Refuses (TOCSIN_ERR_USAGE) a non-loopback
 * address without a token and a malformed address or token; TOCSIN_ERR_STORE when the store
 * cannot be opened; TOCSIN_ERR_IO when the address cannot be bound. On success *out is owned by
 * the caller: tocsin_server_stop(). */
tocsin_status tocsin_server_start(const tocsin_serve_opts *o, tocsin_server **out,
                                  tocsin_error *err);
/* @return the port listened on (useful with port 0). */
uint16_t tocsin_server_port(const tocsin_server *s);
/* Ends the event streams, stops listening, waits for the requests under way and frees s. */
void tocsin_server_stop(tocsin_server *s);

#ifdef __cplusplus
}
#endif
#endif /* TOCSIN_H */
