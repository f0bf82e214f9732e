/* fmt_feed.c: news feeds, RSS (2.0, 0.9x, 1.0/RDF) and Atom, parsed with libxml2. One record =
 * one <item> / <entry>.
 *
 * Field choices (FORMATS.md section 10):
 *  - id: RSS `guid`, else `link`; Atom `id`;
 *  - time: RSS `pubDate` (RFC 822, with localized day and month names tolerated: the UOL
 *    sample writes "Seg, 24 Set 2018"), else `dc:date` (ISO-8601); Atom `published`, else
 *    `updated`. A time without zone is read in --tz;
 *  - text: the title, a blank line, then the description (RSS `description`, else
 *    `content:encoded`; Atom `summary`, else `content`) turned from HTML to text. A
 *    description whose text still holds markup after one pass was escaped twice and gets a
 *    second pass;
 *  - author: RSS `dc:creator`, else `author`; Atom entry `author/name`, else the feed's; the
 *    name is both author_id and author_name (feeds have no ids);
 *  - channel: RSS channel `link`, name channel `title`; Atom feed `id`, name feed `title`;
 *  - lang: RSS channel `language` / `dc:language`; Atom `xml:lang`;
 *  - urls: the item's link (Atom: link rel="alternate" or without rel).
 * Encoding: libxml2 follows the XML declaration and BOM. A feed without a declaration whose
 * bytes are not valid UTF-8 is read as Windows-1252 (a superset of Latin-1), which is what such
 * feeds are in practice; a warning says so. */
#include "read/fmt_util.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#define FEED_MAX_BYTES ((size_t)256 << 20)

typedef struct feed_state {
    xmlDocPtr doc;
    bool atom;
    xmlNodePtr chan;   /* RSS <channel> or Atom <feed> */
    xmlNodePtr next;   /* the next candidate item node */
    xmlNodePtr parent; /* the node whose children are being walked */
    bool tried_root;   /* RSS 1.0: items are children of the root as well */
} feed_state;

/* ---- detection ---- */

/* The name of the first element in the head (after BOM, XML declaration, comments, DOCTYPE). */
static bool first_element(const char *h, size_t n, const char **name, size_t *len)
{
    size_t i = 0;
    if (n >= 3 && (unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB &&
        (unsigned char)h[2] == 0xBF)
        i = 3;
    while (i < n) {
        while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
            i++;
        if (i >= n || h[i] != '<')
            return false;
        if (i + 1 < n && (h[i + 1] == '?' || h[i + 1] == '!')) {
            const char *end;
            if (i + 3 < n && h[i + 1] == '!' && h[i + 2] == '-' && h[i + 3] == '-')
                end = memmem(h + i, n - i, "-->", 3);
            else
                end = memchr(h + i, '>', n - i);
            if (!end)
                return false;
            i = (size_t)(end - h) + 1;
            continue;
        }
        size_t j = i + 1;
        while (j < n && h[j] != ' ' && h[j] != '>' && h[j] != '/' && h[j] != '\t' &&
               h[j] != '\r' && h[j] != '\n')
            j++;
        *name = h + i + 1;
        *len = j - i - 1;
        return true;
    }
    return false;
}

static bool name_is(const char *p, size_t n, const char *want)
{
    return strlen(want) == n && !memcmp(p, want, n);
}

static int rss_sniff(const rd_sniff *s, char *why, size_t cap)
{
    const char *nm;
    size_t nl;
    if (!first_element(s->head, s->head_len, &nm, &nl)) {
        snprintf(why, cap, "not XML");
        return 0;
    }
    if (name_is(nm, nl, "rss") || name_is(nm, nl, "rdf:RDF") || name_is(nm, nl, "RDF"))
        return 95;
    snprintf(why, cap, "root is <%.*s>", (int)(nl > 40 ? 40 : nl), nm);
    return 0;
}

static int atom_sniff(const rd_sniff *s, char *why, size_t cap)
{
    const char *nm;
    size_t nl;
    if (!first_element(s->head, s->head_len, &nm, &nl)) {
        snprintf(why, cap, "not XML");
        return 0;
    }
    if (name_is(nm, nl, "feed") || name_is(nm, nl, "atom:feed"))
        return 95;
    snprintf(why, cap, "root is <%.*s>", (int)(nl > 40 ? 40 : nl), nm);
    return 0;
}

/* ---- tree helpers ---- */

static bool is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

/* Text content of a node copied into the arena (trimmed); {NULL,0} when the node is absent. */
static tocsin_strv node_text(rd_out *o, xmlNodePtr n)
{
    if (!n)
        return (tocsin_strv){NULL, 0};
    xmlChar *c = xmlNodeGetContent(n);
    if (!c)
        return (tocsin_strv){NULL, 0};
    tocsin_strv t = fu_trim(tc_strv((const char *)c, strlen((const char *)c)));
    tocsin_strv r = rd_out_copy(o, t.ptr, t.len);
    xmlFree(c);
    return r;
}

static tocsin_strv attr_text(rd_out *o, xmlNodePtr n, const char *name)
{
    if (!n)
        return (tocsin_strv){NULL, 0};
    xmlChar *c = xmlGetProp(n, (const xmlChar *)name);
    if (!c)
        return (tocsin_strv){NULL, 0};
    tocsin_strv r = rd_out_copy(o, (const char *)c, strlen((const char *)c));
    xmlFree(c);
    return r;
}

/* True when text still looks like HTML markup (a second escaping level). */
static bool has_markup(tocsin_strv t)
{
    static const char *const tags[] = {"<p>", "<p ", "<br", "<a ", "</a>", "<div", "<img ",
                                       "<span", "</p>", NULL};
    for (size_t i = 0; tags[i]; i++)
        if (memmem(t.ptr, t.len, tags[i], strlen(tags[i])))
            return true;
    return false;
}

static tocsin_status html_body(rd_out *o, tocsin_strv html, bool plain, tocsin_strv *out)
{
    if (plain || !html.len) {
        *out = html;
        return TOCSIN_OK;
    }
    tocsin_status st = fu_html_text(o, html, out);
    if (st == TOCSIN_OK && out->len && has_markup(*out))
        st = fu_html_text(o, *out, out);
    return st;
}

static int64_t parse_feed_time(rd_out *o, tocsin_strv s, bool *ok)
{
    int64_t ts;
    *ok = true;
    if (rd_out_time(o, s.ptr, s.len, &ts) == TOCSIN_OK)
        return ts;
    *ok = false;
    return 0;
}

/* ---- open / next / close ---- */

static tocsin_status feed_open_common(rd_src *src, rd_out *o, void **state, tocsin_error *err,
                                      bool atom)
{
    tc_buf b;
    tc_buf_init(&b, FEED_MAX_BYTES);
    for (;;) {
        if (tc_buf_reserve(&b, 65536) != TOCSIN_OK) {
            tc_buf_free(&b);
            return tc_error_set(err, TOCSIN_ERR_LIMIT, rd_src_name(src), 0, NULL,
                                "feed larger than %zu MiB", FEED_MAX_BYTES >> 20);
        }
        ssize_t n = rd_src_read(src, b.data + b.len, b.alloc - b.len - 1, err);
        if (n < 0) {
            tc_buf_free(&b);
            return err ? err->code : TOCSIN_ERR_IO;
        }
        if (n == 0)
            break;
        b.len += (size_t)n;
    }
    const char *enc = NULL;
    bool declared = b.len >= 5 && !memcmp(b.data, "<?xml", 5) &&
                    memmem(b.data, b.len < 200 ? b.len : 200, "encoding", 8);
    if (!declared && !tc_utf8_valid(b.data, b.len)) {
        enc = "WINDOWS-1252";
        rd_out_warn(o, "no encoding declared and the bytes are not UTF-8: read as Windows-1252 "
                       "(Latin-1)");
    }
    if (b.len > (size_t)INT32_MAX) {
        tc_buf_free(&b);
        return tc_error_set(err, TOCSIN_ERR_LIMIT, rd_src_name(src), 0, NULL, "feed too large");
    }
    xmlDocPtr doc = xmlReadMemory(b.data, (int)b.len, rd_src_name(src), enc,
                                  XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    tc_buf_free(&b);
    if (!doc)
        return tc_error_set(err, TOCSIN_ERR_PARSE, rd_src_name(src), 0, NULL,
                            "not a well-formed XML feed");
    /* Recovery mode builds a tree from a truncated or damaged file too: say so (an error under
     * strict), else a cut-off feed would read as complete, its last item silently partial. */
    if (!(doc->properties & XML_DOC_WELLFORMED)) {
        if (rd_out_opts(o)->strict) {
            xmlFreeDoc(doc);
            return tc_error_set(err, TOCSIN_ERR_PARSE, rd_src_name(src), 0, NULL,
                                "not well-formed XML (truncated or damaged file?)");
        }
        rd_out_warn(o, "not well-formed XML (truncated or damaged file?): the items were "
                       "recovered and the last ones may be incomplete or missing");
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    feed_state *fs = calloc(1, sizeof *fs);
    if (!fs) {
        xmlFreeDoc(doc);
        return tc_error_set(err, TOCSIN_ERR_NOMEM, NULL, 0, NULL, "out of memory");
    }
    fs->doc = doc;
    fs->atom = atom;
    if (atom) {
        if (!is_el(root, "feed")) {
            xmlFreeDoc(doc);
            free(fs);
            return tc_error_set(err, TOCSIN_ERR_FORMAT, rd_src_name(src), 0, NULL,
                                "root element is not <feed>: not an Atom feed");
        }
        fs->chan = root;
    } else {
        if (!root || (!is_el(root, "rss") && !is_el(root, "RDF"))) {
            xmlFreeDoc(doc);
            free(fs);
            return tc_error_set(err, TOCSIN_ERR_FORMAT, rd_src_name(src), 0, NULL,
                                "root element is not <rss> or <rdf:RDF>: not an RSS feed");
        }
        fs->chan = child(root, "channel");
        fs->tried_root = fs->chan == NULL;
        if (!fs->chan)
            fs->chan = root;
    }
    fs->parent = fs->chan;
    fs->next = fs->chan->children;
    *state = fs;
    return TOCSIN_OK;
}

static tocsin_status rss_open(rd_src *src, rd_out *o, void **state, tocsin_error *err)
{
    return feed_open_common(src, o, state, err, false);
}

static tocsin_status atom_open(rd_src *src, rd_out *o, void **state, tocsin_error *err)
{
    return feed_open_common(src, o, state, err, true);
}

/* The next <item>/<entry>, or NULL at the end. */
static xmlNodePtr next_item(feed_state *fs)
{
    const char *want = fs->atom ? "entry" : "item";
    for (;;) {
        while (fs->next && !is_el(fs->next, want))
            fs->next = fs->next->next;
        if (fs->next) {
            xmlNodePtr it = fs->next;
            fs->next = it->next;
            return it;
        }
        /* RSS 1.0 keeps items beside <channel>, as children of the root */
        if (!fs->atom && !fs->tried_root) {
            fs->tried_root = true;
            fs->parent = xmlDocGetRootElement(fs->doc);
            fs->next = fs->parent ? fs->parent->children : NULL;
            continue;
        }
        return NULL;
    }
}

static tocsin_status feed_next(void *state, rd_src *src, rd_out *o, int *got, tocsin_error *err)
{
    (void)src;
    (void)err;
    feed_state *fs = state;
    xmlNodePtr it = next_item(fs);
    if (!it) {
        *got = 0;
        return TOCSIN_OK;
    }
    *got = 1;
    long line = xmlGetLineNo(it);
    rd_out_record(o, line > 0 ? (uint64_t)line : 0);

    tocsin_strv id, when, title, body_html, author, url, lang, ch_id, ch_name;
    bool plain = false;
    if (fs->atom) {
        id = node_text(o, child(it, "id"));
        when = node_text(o, child(it, "published"));
        if (!when.len)
            when = node_text(o, child(it, "updated"));
        title = node_text(o, child(it, "title"));
        xmlNodePtr body = child(it, "summary");
        if (!body)
            body = child(it, "content");
        body_html = node_text(o, body);
        tocsin_strv type = attr_text(o, body, "type");
        plain = !type.len || tc_strv_eq_ci(type, "text") || tc_strv_eq_ci(type, "xhtml");
        author = node_text(o, child(child(it, "author"), "name"));
        if (!author.len)
            author = node_text(o, child(child(fs->chan, "author"), "name"));
        url = (tocsin_strv){NULL, 0};
        for (xmlNodePtr l = it->children; l; l = l->next) {
            if (!is_el(l, "link"))
                continue;
            tocsin_strv rel = attr_text(o, l, "rel");
            if (!rel.len || tc_strv_eq_ci(rel, "alternate")) {
                url = attr_text(o, l, "href");
                break;
            }
        }
        xmlChar *lg = xmlNodeGetLang(it);
        lang = lg ? rd_out_copy(o, (const char *)lg, strlen((const char *)lg))
                  : (tocsin_strv){NULL, 0};
        xmlFree(lg);
        ch_id = node_text(o, child(fs->chan, "id"));
        ch_name = node_text(o, child(fs->chan, "title"));
    } else {
        id = node_text(o, child(it, "guid"));
        url = node_text(o, child(it, "link"));
        if (!id.len)
            id = url;
        when = node_text(o, child(it, "pubDate"));
        if (!when.len)
            when = node_text(o, child(it, "date")); /* dc:date */
        title = node_text(o, child(it, "title"));
        body_html = node_text(o, child(it, "description"));
        if (!body_html.len)
            body_html = node_text(o, child(it, "encoded")); /* content:encoded */
        author = node_text(o, child(it, "creator"));     /* dc:creator */
        if (!author.len)
            author = node_text(o, child(it, "author"));
        lang = node_text(o, child(fs->chan, "language")); /* or dc:language */
        ch_id = node_text(o, child(fs->chan, "link"));
        ch_name = node_text(o, child(fs->chan, "title"));
    }

    int64_t ts = 0;
    bool ok = false;
    if (when.len) {
        ts = parse_feed_time(o, when, &ok);
        if (!ok) {
            rd_out_skip(o, TOCSIN_SKIP_BAD_TIME, "cannot parse the date \"%.*s%s\"",
                        FU_SHOW(when));
            return TOCSIN_OK;
        }
    }
    tocsin_strv body;
    tocsin_status st = html_body(o, body_html, plain, &body);
    if (st)
        return st;
    if (title.len && has_markup(title)) {
        st = fu_html_text(o, title, &title);
        if (st)
            return st;
    }
    tocsin_post *p = rd_out_post(o);
    if (!p)
        return TOCSIN_ERR_NOMEM;
    p->id = id;
    p->ts = ts;
    p->has_ts = ok;
    tocsin_strv parts[2] = {fu_trim(title), fu_trim(body)};
    p->text = fu_join(o, parts, 2, "\n\n");
    if (!p->text.ptr)
        p->text = rd_out_copy(o, "", 0);
    p->author_id = author.len ? author : (tocsin_strv){NULL, 0};
    p->author_name = p->author_id;
    p->lang = lang.len ? lang : (tocsin_strv){NULL, 0};
    p->channel_id = ch_id;
    p->channel_name = ch_name;
    if (url.len && rd_out_url(o, url))
        return TOCSIN_ERR_NOMEM;
    return TOCSIN_OK;
}

static void feed_close(void *state)
{
    feed_state *fs = state;
    if (!fs)
        return;
    xmlFreeDoc(fs->doc);
    free(fs);
}

const rd_format rd_fmt_rss = {
    .name = "rss",
    .platform = "news",
    .framings = RD_FRAME_BYTES,
    .sniff = rss_sniff,
    .open = rss_open,
    .next = feed_next,
    .close = feed_close,
};

const rd_format rd_fmt_atom = {
    .name = "atom",
    .platform = "news",
    .framings = RD_FRAME_BYTES,
    .sniff = atom_sniff,
    .open = atom_open,
    .next = feed_next,
    .close = feed_close,
};
