/* json_shim.cpp: the C interface of json.h over simdjson's DOM parser, with the lenient second
 * pass for what real exports contain and strict JSON forbids.
 *
 * Handles. A tj_val is an index + 1 into a per-document vector of simdjson::dom::element; every
 * lookup (tj_get, tj_path, tj_children) appends the elements it found and returns their index.
 * The vector is cleared (capacity kept) by each tj_parse, so steady-state parsing allocates
 * nothing: the parser's tape and string buffers, the handle vectors, the repair buffer and the
 * text arena all keep their capacity from record to record.
 *
 * Lenient pass. When simdjson rejects a document we rewrite it once and parse again:
 *   - `\xHH` (Telegram Desktop writes control characters so) becomes `\u00HH`;
 *   - a `\uD8xx` not followed by `\uDCxx`, or a lone `\uDCxx`, becomes `\uFFFD`;
 *   - bytes that are not valid UTF-8 become U+FFFD (counted in *bad_utf8);
 *   - raw control characters inside strings are escaped;
 *   - integers that do not fit uint64 become strings holding their exact digits (simdjson's DOM
 *     refuses them; callers that ask tj_text() still get the exact text).
 * Anything else that is wrong stays wrong, and the second parse reports it. */
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include "read/json.h"
}

using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

/* Bump allocator for texts made by tj_text (numbers as decimal). Blocks never move, so views
 * handed out stay valid until the next parse resets the arena. */
struct text_arena {
    std::vector<std::unique_ptr<char[]>> blocks;
    size_t cur = 0, pos = 0;
    static constexpr size_t BLOCK = 4096;

    char *alloc(size_t n)
    {
        if (n > BLOCK)
            return nullptr;
        if (blocks.empty() || pos + n > BLOCK) {
            if (!blocks.empty())
                cur++, pos = 0;
            if (cur >= blocks.size()) {
                char *b = new (std::nothrow) char[BLOCK];
                if (!b)
                    return nullptr;
                blocks.emplace_back(b);
            }
        }
        char *p = blocks[cur].get() + pos;
        pos += n;
        return p;
    }
    void reset() { cur = 0; pos = 0; }
};

} // namespace

struct tj_doc {
    simdjson::dom::parser parser;
    struct slot {
        element e;
        std::string_view key; /* empty unless an object member */
    };
    std::vector<slot> hs;    /* handle h is hs[h - 1] */
    std::string fixed;                  /* the repaired copy of the input */
    text_arena arena;
    /* batch mode (tj_batch_begin): a document stream over one chunk */
    std::optional<simdjson::dom::document_stream> stream;
    std::optional<simdjson::dom::document_stream::iterator> it, end;
    bool started = false;
};

static void batch_stop(tj_doc *d)
{
    d->it.reset();
    d->end.reset();
    d->stream.reset();
}

static inline tj_val push(tj_doc *d, element e, std::string_view key = std::string_view())
{
    d->hs.push_back(tj_doc::slot{e, key});
    return (tj_val)d->hs.size();
}

static bool valid(const tj_doc *d, tj_val v)
{
    return v != 0 && v <= d->hs.size();
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex4(const unsigned char *p, const unsigned char *end)
{
    if (end - p < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* True when the digits [p, p+n) (no sign) exceed UINT64_MAX. */
static bool digits_exceed_u64(const unsigned char *p, size_t n)
{
    while (n > 1 && *p == '0')
        p++, n--;
    if (n != 20)
        return n > 20;
    return std::memcmp(p, "18446744073709551615", 20) > 0;
}

/* Appends a repaired copy of in[0..len) to out (see the file comment). */
static void repair(const unsigned char *in, size_t len, std::string &out, size_t *bad_utf8)
{
    static const char hexd[] = "0123456789abcdef";
    const unsigned char *p = in, *end = in + len;
    bool in_str = false;
    out.clear();
    out.reserve(len + len / 8 + 16);
    while (p < end) {
        unsigned char c = *p;
        if (c >= 0x80) {
            uint32_t cp;
            size_t n = tc_utf8_decode(p, (size_t)(end - p), &cp);
            if (n == 1 && cp == 0xFFFD) {
                out.append("\xEF\xBF\xBD");
                (*bad_utf8)++;
            } else {
                out.append((const char *)p, n);
            }
            p += n;
            continue;
        }
        if (!in_str) {
            if (c == '"') {
                in_str = true;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                const unsigned char *q = p + (c == '-');
                const unsigned char *ds = q;
                while (q < end && *q >= '0' && *q <= '9')
                    q++;
                bool integer = q == end || (*q != '.' && *q != 'e' && *q != 'E');
                if (integer && q > ds && digits_exceed_u64(ds, (size_t)(q - ds))) {
                    out.push_back('"');
                    out.append((const char *)p, (size_t)(q - p));
                    out.push_back('"');
                    p = q;
                    continue;
                }
                out.append((const char *)p, (size_t)(q - p));
                p = q;
                continue;
            }
            out.push_back((char)c);
            p++;
            continue;
        }
        /* inside a string */
        if (c == '"') {
            in_str = false;
            out.push_back('"');
            p++;
        } else if (c < 0x20) {
            out.append("\\u00");
            out.push_back(hexd[c >> 4]);
            out.push_back(hexd[c & 15]);
            p++;
        } else if (c != '\\') {
            out.push_back((char)c);
            p++;
        } else if (end - p < 2) {
            out.push_back('\\');
            p++;
        } else if (p[1] == 'x' && end - p >= 4 && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
            out.append("\\u00");
            out.push_back((char)p[2]);
            out.push_back((char)p[3]);
            p += 4;
        } else if (p[1] == 'u') {
            int u = hex4(p + 2, end);
            if (u >= 0xD800 && u <= 0xDBFF) {
                int lo = (end - p >= 12 && p[6] == '\\' && p[7] == 'u') ? hex4(p + 8, end) : -1;
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    out.append((const char *)p, 12);
                    p += 12;
                } else {
                    out.append("\\ufffd");
                    p += 6;
                }
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                out.append("\\ufffd");
                p += 6;
            } else {
                out.append((const char *)p, 2);
                p += 2;
            }
        } else {
            out.append((const char *)p, 2);
            p += 2;
        }
    }
}

/* Decimal digits of v into out (>= 20 bytes). @return their number. */
static int utoa(uint64_t v, char *out)
{
    char t[20];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = t[n - 1 - i];
    return n;
}

static void set_why(char *why, size_t cap, const char *msg)
{
    if (why && cap)
        std::snprintf(why, cap, "%s", msg);
}

extern "C" {

tj_doc *tj_doc_new(void)
{
    return new (std::nothrow) tj_doc();
}

void tj_doc_free(tj_doc *d)
{
    delete d;
}

static tocsin_status parse_common(tj_doc *d, const char *buf, size_t len, bool padded,
                                  tj_val *root, bool *repaired, size_t *bad_utf8, char *why,
                                  size_t why_cap)
{
    try {
        batch_stop(d);
        d->hs.clear();
        d->arena.reset();
        size_t bad = 0;
        auto r = d->parser.parse(buf, len, !padded);
        bool rep = false;
        if (r.error() == simdjson::MEMALLOC || r.error() == simdjson::CAPACITY) {
            set_why(why, why_cap, simdjson::error_message(r.error()));
            return r.error() == simdjson::MEMALLOC ? TOCSIN_ERR_NOMEM : TOCSIN_ERR_LIMIT;
        }
        if (r.error()) {
            repair((const unsigned char *)buf, len, d->fixed, &bad);
            d->fixed.reserve(d->fixed.size() + simdjson::SIMDJSON_PADDING);
            auto r2 = d->parser.parse(d->fixed.data(), d->fixed.size(), true);
            if (r2.error()) {
                set_why(why, why_cap, simdjson::error_message(r2.error()));
                return TOCSIN_ERR_PARSE;
            }
            rep = true;
            r = r2;
        }
        tj_val v = push(d, r.value_unsafe());
        *root = v;
        if (repaired)
            *repaired = rep;
        if (bad_utf8)
            *bad_utf8 = bad;
        return TOCSIN_OK;
    } catch (const std::bad_alloc &) {
        set_why(why, why_cap, "out of memory");
        return TOCSIN_ERR_NOMEM;
    }
}

tocsin_status tj_parse(tj_doc *d, const char *buf, size_t len, tj_val *root, bool *repaired,
                       size_t *bad_utf8, char *why, size_t why_cap)
{
    return parse_common(d, buf, len, false, root, repaired, bad_utf8, why, why_cap);
}

tocsin_status tj_parse_padded(tj_doc *d, const char *buf, size_t len, tj_val *root,
                              bool *repaired, size_t *bad_utf8, char *why, size_t why_cap)
{
    return parse_common(d, buf, len, true, root, repaired, bad_utf8, why, why_cap);
}



static tj_val get_sv(tj_doc *d, tj_val obj, std::string_view key)
{
    if (!valid(d, obj))
        return 0;
    element e = d->hs[obj - 1].e;
    if (e.type() != element_type::OBJECT)
        return 0;
    simdjson::dom::object o = e.get_object().value_unsafe();
    auto r = o.at_key(key);
    if (r.error())
        return 0;
    try {
        return push(d, r.value_unsafe());
    } catch (const std::bad_alloc &) {
        return 0;
    }
}

tj_val tj_get(tj_doc *d, tj_val obj, const char *key)
{
    return get_sv(d, obj, std::string_view(key));
}

tj_val tj_path(tj_doc *d, tj_val v, const char *dotted)
{
    const char *s = dotted;
    while (v && *s) {
        const char *dot = std::strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : std::strlen(s);
        std::string_view seg(s, n);
        element e = d->hs[v - 1].e;
        if (e.type() == element_type::ARRAY) {
            size_t idx = 0;
            bool num = n > 0;
            for (size_t i = 0; i < n && num; i++) {
                if (seg[i] < '0' || seg[i] > '9' || idx > (SIZE_MAX - 9) / 10)
                    num = false;
                else
                    idx = idx * 10 + (size_t)(seg[i] - '0');
            }
            if (!num)
                return 0;
            simdjson::dom::array a = e.get_array().value_unsafe();
            auto r = a.at(idx);
            if (r.error())
                return 0;
            try {
                v = push(d, r.value_unsafe());
            } catch (const std::bad_alloc &) {
                return 0;
            }
        } else {
            v = get_sv(d, v, seg);
        }
        s = dot ? dot + 1 : s + n;
    }
    return v;
}

size_t tj_children(tj_doc *d, tj_val c, tj_val *first)
{
    if (!valid(d, c))
        return 0;
    element e = d->hs[c - 1].e;
    size_t before = d->hs.size();
    try {
        if (e.type() == element_type::ARRAY) {
            simdjson::dom::array a = e.get_array().value_unsafe();
            for (element x : a)
                push(d, x);
        } else if (e.type() == element_type::OBJECT) {
            simdjson::dom::object o = e.get_object().value_unsafe();
            for (auto kv : o)
                push(d, kv.value, kv.key);
        } else {
            return 0;
        }
    } catch (const std::bad_alloc &) {
        d->hs.resize(before);
        return 0;
    }
    size_t n = d->hs.size() - before;
    if (first)
        *first = n ? (tj_val)(before + 1) : 0;
    return n;
}

static tj_type type_of_element(const element &e)
{
    switch (e.type()) {
    case element_type::ARRAY: return TJ_ARRAY;
    case element_type::OBJECT: return TJ_OBJECT;
    case element_type::INT64: return TJ_INT;
    case element_type::UINT64: return TJ_UINT;
    case element_type::DOUBLE: return TJ_DOUBLE;
    case element_type::STRING: return TJ_STRING;
    case element_type::BOOL: return TJ_BOOL;
    case element_type::NULL_VALUE: return TJ_NULL;
    }
    return TJ_MISSING;
}

tocsin_status tj_batch_begin(tj_doc *d, const char *buf, size_t len)
{
    batch_stop(d);
    if (len > TJ_BATCH_MAX)
        return TOCSIN_ERR_LIMIT;
    auto r = d->parser.parse_many(reinterpret_cast<const uint8_t *>(buf), len, TJ_BATCH_MAX);
    if (r.error())
        return TOCSIN_ERR_PARSE;
    try {
        d->stream.emplace(std::move(r).value_unsafe());
    } catch (const std::bad_alloc &) {
        return TOCSIN_ERR_NOMEM;
    }
    d->started = false;
    return TOCSIN_OK;
}

int tj_batch_next(tj_doc *d, tj_val *root, size_t *off, size_t *n)
{
    if (!d->stream)
        return -1;
    if (!d->started) {
        d->it.emplace(d->stream->begin());
        d->end.emplace(d->stream->end());
        d->started = true;
    } else {
        ++*d->it;
    }
    if (!(*d->it != *d->end)) {
        bool clean = d->stream->truncated_bytes() == 0;
        batch_stop(d);
        return clean ? 0 : -1;
    }
    auto r = **d->it;
    if (r.error()) {
        batch_stop(d);
        return -1;
    }
    d->hs.clear();
    d->arena.reset();
    std::string_view src = d->it->source();
    *off = d->it->current_index();
    *n = src.size();
    try {
        *root = push(d, r.value_unsafe());
    } catch (const std::bad_alloc &) {
        batch_stop(d);
        return -1;
    }
    return 1;
}

bool tj_utf8_valid(const char *buf, size_t len)
{
    return simdjson::validate_utf8(buf, len);
}

tj_type tj_type_of(tj_doc *d, tj_val v)
{
    return valid(d, v) ? type_of_element(d->hs[v - 1].e) : TJ_MISSING;
}

void tj_pick_members(tj_doc *d, tj_val obj, const tj_picker *pk, tj_val *out)
{
    if (!valid(d, obj))
        return;
    element e = d->hs[obj - 1].e;
    if (e.type() != element_type::OBJECT)
        return;
    simdjson::dom::object o = e.get_object().value_unsafe();
    try {
        for (auto kv : o) {
            int slot = pk->want(pk->ctx, kv.key.data(), kv.key.size());
            if (slot >= 0 && pk->take(pk->ctx, slot, type_of_element(kv.value)))
                out[slot] = push(d, kv.value, kv.key);
        }
    } catch (const std::bad_alloc &) {
    }
}

tocsin_strv tj_key(tj_doc *d, tj_val child)
{
    tocsin_strv out = {NULL, 0};
    if (!valid(d, child))
        return out;
    std::string_view k = d->hs[child - 1].key;
    if (k.data()) {
        out.ptr = k.data();
        out.len = k.size();
    }
    return out;
}

bool tj_str(tj_doc *d, tj_val v, tocsin_strv *out)
{
    if (!valid(d, v))
        return false;
    element e = d->hs[v - 1].e;
    if (e.type() != element_type::STRING)
        return false;
    std::string_view s = e.get_string().value_unsafe();
    out->ptr = s.data();
    out->len = s.size();
    return true;
}

bool tj_int(tj_doc *d, tj_val v, int64_t *out)
{
    if (!valid(d, v))
        return false;
    element e = d->hs[v - 1].e;
    if (e.type() != element_type::INT64)
        return false;
    *out = e.get_int64().value_unsafe();
    return true;
}

bool tj_uint(tj_doc *d, tj_val v, uint64_t *out)
{
    if (!valid(d, v))
        return false;
    element e = d->hs[v - 1].e;
    if (e.type() == element_type::UINT64) {
        *out = e.get_uint64().value_unsafe();
        return true;
    }
    if (e.type() == element_type::INT64 && e.get_int64().value_unsafe() >= 0) {
        *out = (uint64_t)e.get_int64().value_unsafe();
        return true;
    }
    return false;
}

bool tj_double(tj_doc *d, tj_val v, double *out)
{
    if (!valid(d, v))
        return false;
    element e = d->hs[v - 1].e;
    switch (e.type()) {
    case element_type::DOUBLE: *out = e.get_double().value_unsafe(); return true;
    case element_type::INT64: *out = (double)e.get_int64().value_unsafe(); return true;
    case element_type::UINT64: *out = (double)e.get_uint64().value_unsafe(); return true;
    default: return false;
    }
}

bool tj_bool(tj_doc *d, tj_val v, bool *out)
{
    if (!valid(d, v))
        return false;
    element e = d->hs[v - 1].e;
    if (e.type() != element_type::BOOL)
        return false;
    *out = e.get_bool().value_unsafe();
    return true;
}

bool tj_text(tj_doc *d, tj_val v, tocsin_strv *out)
{
    if (!valid(d, v))
        return false;
    element e = d->hs[v - 1].e;
    char tmp[40];
    int n;
    switch (e.type()) {
    case element_type::STRING: return tj_str(d, v, out);
    case element_type::INT64: {
        int64_t x = e.get_int64().value_unsafe();
        n = x < 0 ? 1 : 0;
        if (x < 0)
            tmp[0] = '-';
        n += utoa(x < 0 ? 0 - (uint64_t)x : (uint64_t)x, tmp + n);
        break;
    }
    case element_type::UINT64:
        n = utoa(e.get_uint64().value_unsafe(), tmp);
        break;
    case element_type::DOUBLE: {
        double x = e.get_double().value_unsafe();
        n = 0;
        if (x == (double)(long long)x && x > -1e17 && x < 1e17) { /* whole: no exponent */
            n = std::snprintf(tmp, sizeof tmp, "%.0f", x);
            break;
        }
        for (int prec = 1; prec <= 17; prec++) { /* shortest text that reads back the same */
            n = std::snprintf(tmp, sizeof tmp, "%.*g", prec, x);
            if (std::strtod(tmp, nullptr) == x)
                break;
        }
        break;
    }
    default: return false;
    }
    if (n <= 0 || (size_t)n >= sizeof tmp)
        return false;
    char *p;
    try {
        p = d->arena.alloc((size_t)n);
    } catch (const std::bad_alloc &) {
        return false;
    }
    if (!p)
        return false;
    std::memcpy(p, tmp, (size_t)n);
    out->ptr = p;
    out->len = (size_t)n;
    return true;
}

} /* extern "C" */
