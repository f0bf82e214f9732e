/* fmt_util.c: helpers shared by the platform format mappers (see fmt_util.h). */
#include "read/fmt_util.h"
#include "read/reader_int.h"

#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <math.h>
#include <string.h>

tocsin_strv fu_str(tj_doc *d, tj_val obj, const char *key)
{
    tocsin_strv v = {NULL, 0};
    tj_val m = tj_get(d, obj, key);
    if (m && tj_str(d, m, &v))
        return v;
    return (tocsin_strv){NULL, 0};
}

tocsin_strv fu_pstr(tj_doc *d, tj_val v, const char *dotted)
{
    tocsin_strv s = {NULL, 0};
    tj_val m = tj_path(d, v, dotted);
    if (m && tj_str(d, m, &s))
        return s;
    return (tocsin_strv){NULL, 0};
}

tocsin_strv fu_id(tj_doc *d, tj_val v)
{
    tocsin_strv s = {NULL, 0};
    switch (tj_type_of(d, v)) {
    case TJ_STRING:
        if (tj_str(d, v, &s) && s.len)
            return s;
        break;
    case TJ_INT:
    case TJ_UINT:
        if (tj_text(d, v, &s))
            return s;
        break;
    case TJ_DOUBLE: {
        /* Reddit writes some numbers as 1410935671.0: whole doubles are ids too, but only
         * below 2^53 where they are exact. */
        double x;
        if (tj_double(d, v, &x) && x == floor(x) && fabs(x) < 9007199254740992.0 &&
            tj_text(d, v, &s)) {
            const char *dot = memchr(s.ptr, '.', s.len);
            if (dot)
                s.len = (size_t)(dot - s.ptr);
            return s;
        }
        break;
    }
    default:
        break;
    }
    return (tocsin_strv){NULL, 0};
}

tocsin_strv fu_id_of(tj_doc *d, tj_val obj, const char *key)
{
    tj_val m = tj_get(d, obj, key);
    return m ? fu_id(d, m) : (tocsin_strv){NULL, 0};
}

bool fu_has(tj_doc *d, tj_val obj, const char *key) { return tj_get(d, obj, key) != 0; }

bool fu_epoch(tj_doc *d, tj_val v, int64_t *ts)
{
    int64_t i;
    uint64_t u;
    double x;
    tocsin_strv s;
    switch (tj_type_of(d, v)) {
    case TJ_INT:
        if (!tj_int(d, v, &i))
            return false;
        *ts = rd_epoch_scale(i); /* s, ms, us or ns by magnitude, as the generic formats */
        return true;
    case TJ_UINT: /* above INT64_MAX: only nanoseconds are plausible */
        if (!tj_uint(d, v, &u))
            return false;
        *ts = (int64_t)(u / 1000000000u);
        return true;
    case TJ_DOUBLE:
        if (!tj_double(d, v, &x) || !isfinite(x) || fabs(x) > 1e15)
            return false;
        if (fabs(x) > 1e11)
            x /= 1000.0;
        *ts = (int64_t)floor(x);
        return true;
    case TJ_STRING: {
        if (!tj_str(d, v, &s) || !s.len || s.len > 24)
            return false;
        /* [-]digits[.digits] only (no ISO date here), then the reader's own epoch rules
         * (units by magnitude, YYYYMMDD, floor of fractions) */
        size_t k = s.ptr[0] == '-', digits = 0;
        for (; k < s.len && isdigit((unsigned char)s.ptr[k]); k++)
            digits++;
        if (!digits)
            return false;
        if (k < s.len) { /* optional fraction, nothing else */
            if (s.ptr[k] != '.')
                return false;
            for (k++; k < s.len; k++)
                if (!isdigit((unsigned char)s.ptr[k]))
                    return false;
        }
        return rd_time_parse_zone(s.ptr, s.len, NULL, ts) == TOCSIN_OK;
    }
    default:
        return false;
    }
}

tocsin_strv fu_unescape_basic(rd_out *o, tocsin_strv s, bool more)
{
    if (!s.ptr || !memchr(s.ptr, '&', s.len))
        return s;
    static const struct {
        const char *ent;
        char ch;
        bool basic;
    } ents[] = {
        {"&amp;", '&', true},  {"&lt;", '<', true},   {"&gt;", '>', true},
        {"&quot;", '"', false}, {"&#39;", '\'', false}, {"&#039;", '\'', false},
    };
    rd_out_cat_begin(o);
    size_t start = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] != '&')
            continue;
        for (size_t e = 0; e < sizeof ents / sizeof ents[0]; e++) {
            if (!ents[e].basic && !more)
                continue;
            size_t el = strlen(ents[e].ent);
            if (i + el <= s.len && !memcmp(s.ptr + i, ents[e].ent, el)) {
                if (rd_out_cat_add(o, s.ptr + start, i - start) ||
                    rd_out_cat_add(o, &ents[e].ch, 1))
                    return (tocsin_strv){NULL, 0};
                start = i + el;
                i += el - 1;
                break;
            }
        }
    }
    if (rd_out_cat_add(o, s.ptr + start, s.len - start))
        return (tocsin_strv){NULL, 0};
    return rd_out_cat_end(o);
}

tocsin_strv fu_trim(tocsin_strv s)
{
    if (!s.ptr)
        return s;
    for (;;) {
        if (s.len && isspace((unsigned char)s.ptr[0])) {
            s.ptr++;
            s.len--;
        } else if (s.len >= 2 && (unsigned char)s.ptr[0] == 0xC2 &&
                   (unsigned char)s.ptr[1] == 0xA0) {
            s.ptr += 2;
            s.len -= 2;
        } else {
            break;
        }
    }
    for (;;) {
        if (s.len && isspace((unsigned char)s.ptr[s.len - 1])) {
            s.len--;
        } else if (s.len >= 2 && (unsigned char)s.ptr[s.len - 2] == 0xC2 &&
                   (unsigned char)s.ptr[s.len - 1] == 0xA0) {
            s.len -= 2;
        } else {
            break;
        }
    }
    return s;
}

/* A URL ends at whitespace, at characters that cannot be in one, and loses trailing
 * punctuation that usually belongs to the sentence. */
static bool url_char(unsigned char c)
{
    return c > 0x20 && c != '<' && c != '>' && c != '"' && c != '`' && c != '{' && c != '}' &&
           c != '|' && c != '\\' && c != '^' && c < 0x7F;
}

tocsin_status fu_urls_in_text(rd_out *o, tocsin_strv t)
{
    if (!t.ptr)
        return TOCSIN_OK;
    for (size_t i = 0; i + 8 <= t.len; i++) {
        size_t pl;
        if ((t.ptr[i] | 0x20) != 'h') /* the cheap test first: this runs at every byte */
            continue;
        if (!strncasecmp(t.ptr + i, "https://", 8))
            pl = 8;
        else if (!strncasecmp(t.ptr + i, "http://", 7))
            pl = 7;
        else
            continue;
        if (i > 0 && (isalnum((unsigned char)t.ptr[i - 1])))
            continue;
        size_t j = i + pl;
        while (j < t.len && url_char((unsigned char)t.ptr[j]))
            j++;
        while (j > i + pl && strchr(".,;:!?'", t.ptr[j - 1]))
            j--;
        if (j > i + pl && t.ptr[j - 1] == ')' && !memchr(t.ptr + i, '(', j - i))
            j--;
        if (j > i + pl) {
            tocsin_status st = rd_out_url(o, tc_strv(t.ptr + i, j - i));
            if (st)
                return st;
        }
        i = j - 1;
    }
    return TOCSIN_OK;
}

/* Finds attribute `name` inside a tag's text [p, end); returns its value view (unquoted). */
static tocsin_strv tag_attr(const char *p, const char *end, const char *name)
{
    size_t nl = strlen(name);
    for (const char *q = p; q + nl < end; q++) {
        if (strncasecmp(q, name, nl) || !(q == p || isspace((unsigned char)q[-1])))
            continue;
        const char *r = q + nl;
        while (r < end && isspace((unsigned char)*r))
            r++;
        if (r >= end || *r != '=')
            continue;
        r++;
        while (r < end && isspace((unsigned char)*r))
            r++;
        if (r >= end)
            break;
        if (*r == '"' || *r == '\'') {
            char qc = *r++;
            const char *e = memchr(r, qc, (size_t)(end - r));
            if (!e)
                break;
            return tc_strv(r, (size_t)(e - r));
        }
        const char *e = r;
        while (e < end && !isspace((unsigned char)*e) && *e != '>')
            e++;
        return tc_strv(r, (size_t)(e - r));
    }
    return (tocsin_strv){NULL, 0};
}

static bool class_has(tocsin_strv cls, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; i + wl <= cls.len; i++) {
        if (memcmp(cls.ptr + i, word, wl))
            continue;
        bool left = i == 0 || isspace((unsigned char)cls.ptr[i - 1]);
        bool right = i + wl == cls.len || isspace((unsigned char)cls.ptr[i + wl]);
        if (left && right)
            return true;
    }
    return false;
}

tocsin_status fu_html_links(rd_out *o, tocsin_strv h, const char *const *skip_classes)
{
    if (!h.ptr)
        return TOCSIN_OK;
    const char *p = h.ptr, *end = h.ptr + h.len;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt || lt + 2 >= end)
            break;
        if ((lt[1] != 'a' && lt[1] != 'A') || !isspace((unsigned char)lt[2])) {
            p = lt + 1;
            continue;
        }
        const char *gt = memchr(lt, '>', (size_t)(end - lt));
        if (!gt)
            break;
        tocsin_strv href = tag_attr(lt + 2, gt, "href");
        tocsin_strv cls = tag_attr(lt + 2, gt, "class");
        p = gt + 1;
        if (!href.len || href.ptr[0] == '#')
            continue;
        bool skip = false;
        for (size_t i = 0; skip_classes && skip_classes[i] && cls.ptr; i++)
            if (class_has(cls, skip_classes[i]))
                skip = true;
        if (skip)
            continue;
        tocsin_strv url = fu_unescape_basic(o, href, true);
        if (!url.ptr)
            return TOCSIN_ERR_NOMEM;
        if (url.len >= 2 && url.ptr[0] == '/' && url.ptr[1] == '/') {
            rd_out_cat_begin(o);
            if (rd_out_cat_add(o, "https:", 6) || rd_out_cat_add(o, url.ptr, url.len))
                return TOCSIN_ERR_NOMEM;
            url = rd_out_cat_end(o);
        } else if (url.ptr == href.ptr) {
            url = rd_out_copy(o, href.ptr, href.len);
        }
        if (!url.ptr)
            return TOCSIN_ERR_NOMEM;
        tocsin_status st = rd_out_url(o, url);
        if (st)
            return st;
    }
    return TOCSIN_OK;
}

tocsin_status fu_entity_list(rd_out *o, tj_doc *d, tj_val arr, const char *key,
                             const char *fallback, tocsin_status (*add)(rd_out *, tocsin_strv),
                             size_t *added)
{
    tj_val e0;
    size_t n = arr ? tj_children(d, arr, &e0) : 0, k = 0;
    tocsin_status st = TOCSIN_OK;
    for (size_t i = 0; i < n && st == TOCSIN_OK; i++) {
        tocsin_strv v = fu_str(d, e0 + (tj_val)i, key);
        if (!v.len && fallback)
            v = fu_str(d, e0 + (tj_val)i, fallback);
        if (v.len) {
            st = add(o, v);
            k += st == TOCSIN_OK;
        }
    }
    if (added)
        *added = k;
    return st;
}

const fu_entity_keys fu_x_v1_entities = {"urls",     "expanded_url", "url",        "hashtags",
                                         "text",     "user_mentions", "screen_name"};
const fu_entity_keys fu_x_v2_entities = {"urls", "expanded_url", "url",     "hashtags",
                                         "tag",  "mentions",     "username"};

tocsin_status fu_entities(rd_out *o, tj_doc *d, tj_val ents, const fu_entity_keys *k)
{
    if (!ents)
        return TOCSIN_OK;
    tocsin_status st = TOCSIN_OK;
    if (k->urls)
        st = fu_entity_list(o, d, tj_get(d, ents, k->urls), k->url_key, k->url_fallback,
                            rd_out_url, NULL);
    if (!st && k->hashtags)
        st = fu_entity_list(o, d, tj_get(d, ents, k->hashtags), k->hashtag_key, NULL,
                            rd_out_hashtag, NULL);
    if (!st && k->mentions)
        st = fu_entity_list(o, d, tj_get(d, ents, k->mentions), k->mention_key, NULL,
                            rd_out_mention, NULL);
    return st;
}

tocsin_status fu_html_text(rd_out *o, tocsin_strv h, tocsin_strv *out)
{
    if (!h.ptr || !h.len) {
        *out = rd_out_copy(o, "", 0);
        return TOCSIN_OK;
    }
    tocsin_strv t;
    tocsin_status st = rd_out_html(o, h.ptr, h.len, &t);
    if (st)
        return st;
    *out = fu_trim(t);
    return TOCSIN_OK;
}

tocsin_strv fu_join(rd_out *o, const tocsin_strv *parts, size_t n, const char *sep)
{
    size_t sl = strlen(sep);
    bool any = false;
    rd_out_cat_begin(o);
    for (size_t i = 0; i < n; i++) {
        if (!parts[i].ptr || !parts[i].len)
            continue;
        if (any && rd_out_cat_add(o, sep, sl))
            return (tocsin_strv){NULL, 0};
        if (rd_out_cat_add(o, parts[i].ptr, parts[i].len))
            return (tocsin_strv){NULL, 0};
        any = true;
    }
    return rd_out_cat_end(o);
}

int fu_show_len(tocsin_strv v)
{
    if (!v.ptr)
        return 0;
    if (v.len <= FU_SHOW_MAX)
        return (int)v.len;
    size_t n = FU_SHOW_MAX;
    while (n > 0 && ((unsigned char)v.ptr[n] & 0xC0) == 0x80)
        n--; /* v.ptr[n] continues a character that starts before the cut */
    return (int)n;
}

int fu_count_keys(tj_doc *d, tj_val obj, const char *const *keys)
{
    int n = 0;
    for (size_t i = 0; keys[i]; i++)
        n += tj_get(d, obj, keys[i]) != 0;
    return n;
}

void fu_why_missing(tj_doc *d, tj_val obj, const char *const *keys, char *why, size_t cap)
{
    if (!cap)
        return;
    if (!obj || tj_type_of(d, obj) != TJ_OBJECT) {
        snprintf(why, cap, "not a JSON object");
        return;
    }
    size_t used = (size_t)snprintf(why, cap, "no");
    int missing = 0;
    for (size_t i = 0; keys[i] && used < cap; i++) {
        if (tj_get(d, obj, keys[i]))
            continue;
        used += (size_t)snprintf(why + used, cap - used, "%s %s", missing ? "," : "", keys[i]);
        missing++;
    }
    if (!missing)
        snprintf(why, cap, "members of other types");
}

/* The reader refers to the text stage only weakly (so that it could link before that stage
 * existed). The formats that turn HTML into text need it, so this strong reference makes the
 * linker pull tocsin_html_to_text and the normalizer in wherever the formats are linked. */
const struct {
    tocsin_status (*html_to_text)(tocsin_norm *, const char *, size_t, const char **, size_t *,
                                  tocsin_error *);
    tocsin_status (*norm_new)(tocsin_norm **, tocsin_error *);
    void (*norm_free)(tocsin_norm *);
} fu_text_stage = {tocsin_html_to_text, tocsin_norm_new, tocsin_norm_free};
