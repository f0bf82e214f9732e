/* json.h: the JSON tree that readers and format mappers navigate: a C interface over simdjson's
 * DOM parser (json_shim.cpp), with a lenient second pass for what real exports contain and
 * simdjson rejects (Telegram's \xHH escapes, lone surrogates, invalid UTF-8).
 *
 * Values are small integer handles (tj_val) into the document; 0 means "missing". Handles stay
 * valid until the next tj_parse() on the same document. Strings returned point into the
 * document and share that lifetime. Integers are exact to 64 bits (ids beyond 2^53 included);
 * integers beyond uint64 (which simdjson refuses) come out of the lenient pass as TJ_STRING
 * holding their exact digits. */
#ifndef TOCSIN_READ_JSON_H
#define TOCSIN_READ_JSON_H

#include "common/common.h"

typedef struct tj_doc tj_doc;
typedef uint32_t tj_val; /* 0 = missing */

typedef enum tj_type {
    TJ_MISSING = 0,
    TJ_NULL,
    TJ_BOOL,
    TJ_INT,    /* fits int64 */
    TJ_UINT,   /* fits uint64, not int64 */
    TJ_DOUBLE,
    TJ_STRING,
    TJ_ARRAY,
    TJ_OBJECT,
} tj_type;

/* A new, empty document (parser state reused across records). NULL on allocation failure.
 * Free with tj_doc_free(). */
tj_doc *tj_doc_new(void);
void tj_doc_free(tj_doc *d);

/* Parses buf[0..len) as one JSON value. On success *root is its handle and *repaired tells
 * whether the lenient pass was needed (and *bad_utf8 how many invalid UTF-8 sequences were
 * replaced by U+FFFD). On failure returns TOCSIN_ERR_PARSE with a short reason in why. */
tocsin_status tj_parse(tj_doc *d, const char *buf, size_t len, tj_val *root, bool *repaired,
                       size_t *bad_utf8, char *why, size_t why_cap);

/* As tj_parse, for a buffer the caller guarantees to be followed by at least TJ_PADDING readable
 * bytes (any content): simdjson then parses it in place, without copying it first. */
#define TJ_PADDING 64
tocsin_status tj_parse_padded(tj_doc *d, const char *buf, size_t len, tj_val *root,
                              bool *repaired, size_t *bad_utf8, char *why, size_t why_cap);

/* Batch parsing of values laid out one after another (JSON Lines), for speed: one simdjson
 * stage-1 pass over the whole chunk instead of one per record. buf[0..len) must be followed by
 * TJ_PADDING readable bytes and len <= TJ_BATCH_MAX. No repair pass here: on any error the batch
 * stops and the caller parses the rest one by one with tj_parse (which also ends a batch). */
#define TJ_BATCH_MAX (1u << 20)
tocsin_status tj_batch_begin(tj_doc *d, const char *buf, size_t len);
/* The next value: returns 1 with *root and its byte span [*off, *off + *n) in buf (handles as
 * after tj_parse), 0 at the end of the chunk, -1 on an error (the batch is then over). */
int tj_batch_next(tj_doc *d, tj_val *root, size_t *off, size_t *n);

/* True when buf[0..len) is valid UTF-8 (simdjson's validator, the kernel chosen at run time). */
bool tj_utf8_valid(const char *buf, size_t len);

tj_type tj_type_of(tj_doc *d, tj_val v);
/* Member `key` of an object (0 when v is not an object or has no such key). */
tj_val tj_get(tj_doc *d, tj_val obj, const char *key);
/* Follows a dotted path ("user.screen_name"; a numeric segment indexes an array). */
tj_val tj_path(tj_doc *d, tj_val v, const char *dotted);
/* The children of an array (or the member values of an object): their handles are
 * first, first+1, ... first+n-1. Object keys via tj_key(). @return n (0 when not a container). */
size_t tj_children(tj_doc *d, tj_val container, tj_val *first);
/* Visits the members of an object without making handles for them: want(ctx, key, len)
 * returns a slot index or -1; for a slot, take(ctx, slot, type) says whether to keep the member,
 * whose handle is then stored in out[slot]. The fast path for field discovery on every record. */
typedef struct tj_picker {
    int (*want)(void *ctx, const char *key, size_t key_len);
    bool (*take)(void *ctx, int slot, tj_type type);
    void *ctx;
} tj_picker;
void tj_pick_members(tj_doc *d, tj_val obj, const tj_picker *pk, tj_val *out);
/* The key of a child obtained from tj_children() on an object ({NULL,0} otherwise). */
tocsin_strv tj_key(tj_doc *d, tj_val child);

/* Scalar access; each returns false when the value has another type. */
bool tj_str(tj_doc *d, tj_val v, tocsin_strv *out);
bool tj_int(tj_doc *d, tj_val v, int64_t *out);
bool tj_uint(tj_doc *d, tj_val v, uint64_t *out);
bool tj_double(tj_doc *d, tj_val v, double *out);
bool tj_bool(tj_doc *d, tj_val v, bool *out);
/* A string, or a number written as exact decimal text (ints exactly; doubles shortest form),
 * into the document's scratch space. False for other types. */
bool tj_text(tj_doc *d, tj_val v, tocsin_strv *out);

#endif
