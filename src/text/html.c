/* html.c: HTML to plain text for posts that carry HTML (Telegram exports, Mastodon, RSS).
 *
 * Not an HTML parser: a single forward pass that removes tags, turns block tags into newlines,
 * drops comments and <script>/<style> contents, and decodes character references. It is built to
 * survive hostile input: a '<' that does not start a tag, or a tag that never closes, stays as
 * text; every search ahead is remembered when it fails, so no input makes the pass quadratic. */
#include "text/text.h"

#include <string.h>
#include <strings.h>

/* The Latin-1 named references, U+00A0..U+00FF in order (HTML 4 / HTML5). */
static const char *const html_latin1[96] = {
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
};

/* Other names that turn up in posts. */
static const struct {
    const char *name;
    uint32_t cp;
} html_named[] = {
    {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
    {"AMP", '&'}, {"LT", '<'}, {"GT", '>'}, {"QUOT", '"'},
    {"ndash", 0x2013}, {"mdash", 0x2014}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"sbquo", 0x201A}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bdquo", 0x201E},
    {"hellip", 0x2026}, {"bull", 0x2022}, {"euro", 0x20AC}, {"trade", 0x2122},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"permil", 0x2030}, {"lsaquo", 0x2039},
    {"rsaquo", 0x203A}, {"prime", 0x2032}, {"Prime", 0x2033}, {"minus", 0x2212},
    {"thinsp", 0x2009}, {"ensp", 0x2002}, {"emsp", 0x2003}, {"zwnj", 0x200C}, {"zwj", 0x200D},
    {"lrm", 0x200E}, {"rlm", 0x200F}, {"OElig", 0x0152}, {"oelig", 0x0153},
    {"Scaron", 0x0160}, {"scaron", 0x0161}, {"Yuml", 0x0178}, {"fnof", 0x0192},
    {"circ", 0x02C6}, {"tilde", 0x02DC}, {"larr", 0x2190}, {"rarr", 0x2192},
    {"uarr", 0x2191}, {"darr", 0x2193}, {"hearts", 0x2665}, {"star", 0x2606},
};

/* HTML5: numeric references to 0x80..0x9F mean Windows-1252. */
static const uint16_t html_cp1252[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static bool html_alpha(unsigned c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool html_alnum(unsigned c) { return html_alpha(c) || (c >= '0' && c <= '9'); }

static bool html_lookup(const char *name, size_t n, uint32_t *cp)
{
    for (size_t k = 0; k < sizeof html_named / sizeof html_named[0]; k++)
        if (strlen(html_named[k].name) == n && !memcmp(html_named[k].name, name, n)) {
            *cp = html_named[k].cp;
            return true;
        }
    for (size_t k = 0; k < 96; k++)
        if (strlen(html_latin1[k]) == n && !memcmp(html_latin1[k], name, n)) {
            *cp = 0xA0 + (uint32_t)k;
            return true;
        }
    return false;
}

/* Decodes the reference at in[i] == '&'. @return the bytes it spans (0: not a reference). */
static size_t html_entity(const char *in, size_t len, size_t i, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t j = i + 1;
    if (j < len && s[j] == '#') {
        j++;
        bool hex = j < len && (s[j] | 0x20) == 'x';
        if (hex)
            j++;
        size_t start = j;
        uint32_t v = 0;
        for (; j < len; j++) {
            unsigned c = s[j], d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                d = (c | 0x20) - 'a' + 10;
            else
                break;
            v = v * (hex ? 16 : 10) + d;
            if (v > 0x10FFFF)
                v = 0x110000; /* stays out of range however many digits follow */
        }
        if (j == start)
            return 0;
        if (j < len && s[j] == ';')
            j++;
        if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            v = 0xFFFD;
        else if (v >= 0x80 && v <= 0x9F)
            v = html_cp1252[v - 0x80];
        *cp = v;
        return j - i;
    }
    size_t start = j;
    while (j < len && j - start < 32 && html_alnum(s[j]))
        j++;
    if (j == start || j >= len || s[j] != ';')
        return 0;
    if (!html_lookup(in + start, j - start, cp))
        return 0;
    return j + 1 - i;
}

/* Remembered failures of searches ahead: once nothing is found from p, nothing is found from
 * any later position either. */
typedef struct html_memo {
    size_t no_gt;     /* no '>' at or after this offset */
    size_t no_quote[2]; /* no '"' / '\'' at or after this offset */
} html_memo;

/* Finds the '>' that closes a tag opened before `start` (quotes respected where they close).
 * @return its offset, or len when the tag never closes. */
static size_t html_tag_end(const char *in, size_t len, size_t start, html_memo *m)
{
    if (start >= m->no_gt)
        return len;
    const char *g = memchr(in + start, '>', len - start);
    if (!g) {
        m->no_gt = start;
        return len;
    }
    size_t p = start;
    while (p < len) {
        char c = in[p];
        if (c == '>')
            return p;
        if (c == '"' || c == '\'') {
            int q = c == '\'';
            if (p + 1 >= m->no_quote[q])
                return (size_t)(g - in);
            const char *e = memchr(in + p + 1, c, len - p - 1);
            if (!e) {
                m->no_quote[q] = p + 1;
                return (size_t)(g - in); /* an unclosed quote: the first '>' ends the tag */
            }
            p = (size_t)(e - in) + 1;
            continue;
        }
        p++;
    }
    return (size_t)(g - in);
}

/* Finds "</name" (any case) at or after `from`. @return its offset or len. */
static size_t html_find_close(const char *in, size_t len, size_t from, const char *name)
{
    size_t nl = strlen(name);
    while (from < len) {
        const char *lt = memchr(in + from, '<', len - from);
        if (!lt)
            return len;
        size_t p = (size_t)(lt - in);
        if (p + 2 + nl <= len && in[p + 1] == '/' && !strncasecmp(in + p + 2, name, nl) &&
            (p + 2 + nl == len || !html_alnum((unsigned char)in[p + 2 + nl])))
            return p;
        from = p + 1;
    }
    return len;
}

static bool html_name_in(const char *name, const char *const *set)
{
    for (; *set; set++)
        if (!strcmp(name, *set))
            return true;
    return false;
}

static const char *const html_block[] = {
    "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "blockquote",
    "pre", "ul", "ol", "table", "section", "article", "header", "footer", "dd", "dt", NULL,
};

tocsin_status tocsin_html_to_text(tocsin_norm *n, const char *in, size_t len, const char **out,
                                  size_t *out_len, tocsin_error *err)
{
    if (!n || !out || !out_len || (!in && len))
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL,
                            "tocsin_html_to_text: NULL argument");
    tc_buf *b = &n->html;
    tc_buf_reset(b);
    tocsin_status st = tc_buf_reserve(b, len < 65536 ? len : 65536);
    html_memo memo = {SIZE_MAX, {SIZE_MAX, SIZE_MAX}};
    size_t i = 0;
    /* the next '<' and '&' at or after i (len when none), found with memchr and kept until
     * passed, so that text between markup is copied in bulk and each byte is searched once */
    size_t next_lt = 0, next_amp = 0;
    bool lt_valid = false, amp_valid = false;
    while (i < len && st == TOCSIN_OK) {
        if (!lt_valid || next_lt < i) {
            const char *q = memchr(in + i, '<', len - i);
            next_lt = q ? (size_t)(q - in) : len;
            lt_valid = true;
        }
        if (!amp_valid || next_amp < i) {
            const char *q = memchr(in + i, '&', len - i);
            next_amp = q ? (size_t)(q - in) : len;
            amp_valid = true;
        }
        size_t j = next_lt < next_amp ? next_lt : next_amp;
        if (j > i && (st = tc_buf_append(b, in + i, j - i)) != TOCSIN_OK)
            break;
        i = j;
        if (i >= len)
            break;
        if (in[i] == '&') {
            uint32_t cp;
            size_t k = html_entity(in, len, i, &cp);
            if (!k) {
                st = tc_buf_putc(b, '&');
                i++;
                continue;
            }
            char u[4];
            st = tc_buf_append(b, u, tc_utf8_encode(cp, u));
            i += k;
            continue;
        }
        /* in[i] == '<' */
        unsigned nx = i + 1 < len ? (unsigned char)in[i + 1] : 0;
        if (nx == '!' && i + 3 < len && in[i + 2] == '-' && in[i + 3] == '-') {
            const char *e = i + 4 < len ? memmem(in + i + 4, len - i - 4, "-->", 3) : NULL;
            i = e ? (size_t)(e - in) + 3 : len; /* an unclosed comment hides the rest */
            continue;
        }
        bool closing = nx == '/';
        size_t p = i + 1 + closing;
        if (!(nx == '!' || nx == '?' || (p < len && html_alpha((unsigned char)in[p])))) {
            st = tc_buf_putc(b, '<'); /* "a < b", "<3", "</ 3": text */
            i++;
            continue;
        }
        char name[16];
        size_t nl = 0;
        while (p < len && (html_alnum((unsigned char)in[p]) || in[p] == '-' || in[p] == ':')) {
            if (nl < sizeof name - 1)
                name[nl++] = (char)(in[p] | 0x20);
            p++;
        }
        name[nl] = '\0';
        size_t end = html_tag_end(in, len, p, &memo);
        if (end >= len) {
            st = tc_buf_putc(b, '<'); /* never closes: keep it as text */
            i++;
            continue;
        }
        i = end + 1;
        if (nx == '!' || nx == '?')
            continue;
        if (html_name_in(name, html_block))
            st = tc_buf_putc(b, '\n');
        else if (!closing && (!strcmp(name, "td") || !strcmp(name, "th")))
            st = tc_buf_putc(b, ' ');
        else if (!closing && (!strcmp(name, "script") || !strcmp(name, "style"))) {
            size_t c = html_find_close(in, len, i, name);
            if (c >= len) {
                i = len;
            } else {
                size_t ce = html_tag_end(in, len, c + 2 + strlen(name), &memo);
                i = ce >= len ? len : ce + 1;
            }
        }
    }
    if (st != TOCSIN_OK)
        return tc_error_set(err, st, NULL, 0, NULL, "cannot convert %zu bytes of HTML: %s", len,
                            tocsin_strerror(st));
    *out = b->data;
    *out_len = b->len;
    return TOCSIN_OK;
}
