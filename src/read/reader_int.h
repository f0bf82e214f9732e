/* reader_int.h: what the reader's own files (reader.c, generic.c, time.c) share and formats do
 * not see: the byte window with record framing, the zone type, the CSV helpers, the JSON Lines
 * fast path. */
#ifndef TOCSIN_READ_READER_INT_H
#define TOCSIN_READ_READER_INT_H

#include "read/format.h"
#include "read/input.h"

/* ---- the byte window ----
 * A window buf[0..len) over the input; pos = first byte not yet consumed. For a mapped file the
 * window is the whole mapping (or the range), eof is set from the start and no byte is ever
 * copied. For streams the window is an owned buffer refilled from rd_in, always followed by
 * TJ_PADDING spare bytes so records can be parsed in place. */
struct rd_src {
    rd_in in;
    const char *name;
    const char *buf;
    size_t len, pos;
    char *own;
    size_t own_alloc;        /* bytes allocated in own (len + TJ_PADDING <= own_alloc) */
    bool eof;                /* nothing comes after buf[len) */
    bool is_map;
    size_t max_record;
    uint64_t dropped;        /* stream: bytes discarded before buf[0] */
    uint64_t line;           /* 1-based line number of buf[pos] (line framings keep it) */
    tocsin_error pending;    /* a read error met while refilling */
    bool has_pending;
};

/* A record scanner: consumes bytes of p[0..n) and sets *done when the record ends (the bytes
 * consumed then include its terminator, if it has one). Keeps its own state across calls. */
typedef size_t (*rd_scan_fn)(void *st, const char *p, size_t n, bool *done);

typedef enum rd_rec_result {
    RD_REC_OK,           /* *rec, *n: a complete record */
    RD_REC_UNTERMINATED, /* *rec, *n: the input ended inside it */
    RD_REC_TOO_LARGE,    /* streamed past; *n = its length */
    RD_REC_END,          /* no more bytes */
    RD_REC_ERROR,        /* src->pending holds the error */
} rd_rec_result;

rd_rec_result rd_src_record(rd_src *s, rd_scan_fn scan, void *st, const char **rec, size_t *n);
/* Makes sure at least `want` bytes are available at pos (fewer at the end of input).
 * @return false on a read error (src->pending). */
bool rd_src_want(rd_src *s, size_t want);
/* True when the record [rec, rec+n) can be parsed in place (TJ_PADDING readable bytes follow). */
bool rd_src_padded(const rd_src *s, const char *rec, size_t n);

/* JSON element scanner: an array element ends before a ',' or ']' at depth 0 (not consumed).
 * depth is 64-bit: it grows by one per byte scanned at most, so no input can overflow it (an
 * `int` did after 2^31 opening brackets, which a mapped file can hold). */
typedef struct rd_jscan {
    uint64_t depth;
    bool in_str, esc;
} rd_jscan;
size_t rd_scan_elem(void *st, const char *p, size_t n, bool *done);

/* Line scanner (state: none). */
size_t rd_scan_line(void *st, const char *p, size_t n, bool *done);

/* CSV record scanner: a record ends at a newline outside quotes. */
typedef struct rd_csv_scan {
    bool in_quote;
} rd_csv_scan;
size_t rd_scan_csv(void *st, const char *p, size_t n, bool *done);

/* Splits one CSV record (without its newline) into fields, unquoting. Fields are stored into
 * `store` and described by offs (2 per field: start, length), up to max_fields.
 * @return the number of fields, or -1 with *why set for a malformed record. */
long rd_csv_split(const char *rec, size_t n, char delim, tc_buf *store, size_t *offs,
                  size_t max_fields, const char **why);

/* ---- time zones (time.c) ---- */
typedef struct rd_zone rd_zone;
/* Resolves a zone name ("Asia/Kolkata", "UTC") or a fixed offset ("+05:30", "-0800"). NULL
 * name = UTC (*out = NULL). Zones are loaded once and kept for the life of the process.
 * @return TOCSIN_OK or TOCSIN_ERR_USAGE for an unknown zone. */
tocsin_status rd_zone_get(const char *name, const rd_zone **out, char *why, size_t why_cap);
/* Epoch seconds from an integer in seconds, milliseconds, micro- or nanoseconds (by magnitude). */
int64_t rd_epoch_scale(int64_t v);
tocsin_status rd_time_parse_zone(const char *s, size_t len, const rd_zone *z, int64_t *out);

/* ---- the generic formats (generic.c) ---- */
extern const rd_format rd_fmt_jsonl, rd_fmt_json_array, rd_fmt_json, rd_fmt_csv, rd_fmt_tsv;

/* Counts a record in which n invalid UTF-8 sequences were replaced, and warns. */
void rd_out_bad_utf8(rd_out *o, size_t n);

/* Candidate names for field discovery (generic.c), in priority order, NULL-terminated. */
extern const char *const *const rd_field_names[TOCSIN_FIELD__COUNT];

/* The field a member key names (exact case) and its priority among that field's names (0 =
 * best); -1 when none. rd_keys_init() must have run once (it is cheap to call again). */
void rd_keys_init(void);
int rd_key_class(const char *key, size_t len, int *prio);

/* ---- the JSON Lines (and generic JSON array) fast path (jsonl_fast.c) ---- */
enum { RD_FV_NONE, RD_FV_STR, RD_FV_STR_ESC, RD_FV_INT };
typedef struct rd_fval {
    const char *p; /* a string's raw content (between the quotes) or an integer's text */
    size_t n;
    unsigned char type;
} rd_fval;
typedef struct rd_fobj {
    rd_fval f[TOCSIN_FIELD__COUNT]; /* the member each field takes, picked as the DOM path does */
    const char *time_key;           /* the key of f[TOCSIN_FIELD_TIME] */
    size_t time_key_len;
} rd_fobj;

/* Checks the one JSON object starting buf[0..n) (after optional blanks) and picks the generic
 * fields from it (views into buf). The record ends with the newline after the object, or at
 * buf[n) with RD_FAST_EOF; with RD_FAST_WHOLE buf[0..n) is one framed value (newlines are
 * blanks) and must hold the object alone. Only valid UTF-8 may be passed; kc is the caller's
 * key cache. @return the bytes of the record, newline
 * included; 0 when the record must go the DOM way (see jsonl_fast.c for what is declined). */
/* The keys of the previous record, by member index (most exports repeat one key order), with
 * their class: the scanner then checks a key with one 16-byte compare. Zero it to start. */
#define RD_KEYCACHE_N 32
typedef struct rd_keycache {
    unsigned n;
    struct rd_keycache_ent {
        unsigned char key[16]; /* the key's bytes (and what followed it, up to 16) */
        unsigned char len, prio;
        signed char field;
    } m[RD_KEYCACHE_N];
} rd_keycache;
enum { RD_FAST_EOF = 1, RD_FAST_WHOLE = 2 };
size_t rd_fast_scan(const char *buf, size_t n, unsigned mode, rd_keycache *kc, rd_fobj *o);
/* Decodes the raw string s[0..n) accepted by rd_fast_scan into out (n bytes are enough).
 * @return the decoded length. */
size_t rd_fast_unescape(const char *s, size_t n, char *out);
/* Maps a record picked by rd_fast_scan as map_json_generic maps its DOM (generic.c). */
tocsin_status rd_generic_map_fast(rd_out *o, const rd_fobj *g);
/* n bytes in the record arena (reset with the next record); NULL when out of memory. */
char *rd_out_alloc(rd_out *o, size_t n);
/* Tests only: when set before a reader is opened, it never takes the fast path; and how many
 * records a reader read by the fast path. */
extern int rd_fast_disabled;
uint64_t rd_reader_fast_records(const tocsin_reader *r);

#endif
