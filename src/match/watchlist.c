/* watchlist.c: loads a YAML watchlist (topics with terms, regexes and exclusion phrases),
 * normalizes its terms exactly like text is normalized, and compiles everything into one
 * Hyperscan database with a prototype scratch.
 *
 * The file is read whole (it is small and its bytes are hashed), parsed with libyaml's document
 * API so every node keeps its line, and walked along the fixed schema below; anything else is an
 * error that names the file, the line, the field and the topic:
 *
 *   topics:
 *     - id: iskp                       required, unique
 *       label: Islamic State Khorasan   optional (defaults to the id)
 *       description: ...               optional, ignored by matching
 *       tags: [group]                  optional
 *       terms: [ISKP, ISIS-K]          literal terms (a single string is a list of one)
 *       regex: ['kh[uo]r[ao]s+an']      Hyperscan regexes on normalized text
 *       exclude: [Khorasan Razavi]     phrases whose occurrences veto this topic's matches
 *   name: / description:               optional, at the top level
 *
 * Patterns. A literal becomes a Hyperscan expression with every ASCII non-alphanumeric byte
 * escaped as \xHH (UTF-8 bytes stay as they are and match bytewise) and no flags: no start of
 * match tracking is needed since a literal's start is its end minus its length. Regexes get
 * UTF8 | UCP | SOM_LEFTMOST. hs_compile_lit_multi would take the literals but not the regexes,
 * and one database per watchlist keeps one scan per text; bench/matchbench.c measures the
 * compile time of 3,000 literals this way. A watchlist without regexes (the common case) is
 * compiled with hs_compile_lit_multi: the same literals, the same database, less compile time. Duplicate terms (same normalized literal, same
 * topic) are compiled once: the first spelling in the file is the one reported. With a cache
 * directory (tocsin_watchlist_opts), the compiled database is read from and written to a file
 * keyed by a hash of the patterns (dbcache.c) instead of being compiled on every load. */
#include "match/match.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <yaml.h>

#define WL_MAX_FILE ((size_t)64 << 20) /* bytes of YAML */
#define WL_MAX_ENTRIES 1000000         /* terms + regexes + exclusions */

enum { KIND_TERM, KIND_REGEX, KIND_EXCLUDE, KIND_TOPIC_ID };

typedef struct set_slot {
    uint64_t hash; /* 0 = empty */
    const char *key;
    uint32_t topic;
    uint32_t kind;
    uint64_t line; /* where the key was first seen */
} set_slot;

typedef struct loader {
    const char *path;
    const char *cache_dir; /* NULL: no database cache */
    tocsin_error *err;
    tocsin_norm *norm;
    yaml_document_t *doc;
    tocsin_watchlist *wl;
    size_t atopics, aterms, aexcludes;
    set_slot *set;
    size_t nset, aset; /* aset is a power of two */
} loader;

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------------------------- */

static uint64_t line_of(const yaml_node_t *node) { return node ? node->start_mark.line + 1 : 0; }

/* A term fit for an error message: invisible characters (controls, format characters, unusual
 * spaces) shown as \uXXXX, cut after ~80 bytes on a character boundary with "...". */
static const char *shorten(const char *s, char out[128])
{
    size_t o = 0, len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = tc_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
        bool hide = cp != ' ' && (c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF ||
                                  c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL ||
                                  c == UTF8PROC_CATEGORY_ZP);
        size_t need = hide ? 10 : n;
        if (o + need > 80) {
            memcpy(out + o, "...", 4);
            return out;
        }
        if (hide)
            o += (size_t)snprintf(out + o, 12, "\\u%04X", (unsigned)cp);
        else {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    return out;
}

static tocsin_status fail(loader *L, const yaml_node_t *node, const char *field, const char *fmt,
                          ...) TC_PRINTF(4, 5);
static tocsin_status fail(loader *L, const yaml_node_t *node, const char *field, const char *fmt,
                          ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tc_error_set(L->err, TOCSIN_ERR_WATCHLIST, L->path, line_of(node), field, "%s", msg);
    return TOCSIN_ERR_WATCHLIST;
}

static tocsin_status nomem(loader *L)
{
    tc_error_set(L->err, TOCSIN_ERR_NOMEM, L->path, 0, NULL, "out of memory");
    return TOCSIN_ERR_NOMEM;
}

static yaml_node_t *node_at(loader *L, int index) { return yaml_document_get_node(L->doc, index); }

static bool scalar_is(const yaml_node_t *n, const char *s)
{
    size_t len = strlen(s);
    return n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
           memcmp(n->data.scalar.value, s, len) == 0;
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "a string";
    }
}

/* Copies a scalar node's value into a new string; rejects NUL bytes. */
static tocsin_status scalar_dup(loader *L, const yaml_node_t *n, const char *field,
                                const char *topic, char **out)
{
    if (n->type != YAML_SCALAR_NODE) {
        if (topic)
            return fail(L, n, field, "topic '%s': expected a string, got %s", topic,
                        node_kind(n));
        return fail(L, n, field, "expected a string, got %s", node_kind(n));
    }
    const char *v = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    if (memchr(v, '\0', len))
        return fail(L, n, field, "%s%s%scontains a NUL character", topic ? "topic '" : "",
                    topic ? topic : "", topic ? "': " : "");
    char *s = tc_strndup(v, len);
    if (!s)
        return nomem(L);
    *out = s;
    return TOCSIN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The duplicate set: (kind, topic, string) -> first line
 * ------------------------------------------------------------------------------------------- */

static uint64_t hash_key(const char *s, uint32_t topic, uint32_t kind)
{
    uint64_t h = 1469598103934665603ULL ^ ((uint64_t)topic << 8) ^ kind;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ? h : 1;
}

/* Looks (kind, topic, key) up; when absent inserts it and sets *first_line = 0, else sets
 * *first_line to the line of the first occurrence. `key` must outlive the loader. */
static tocsin_status set_add(loader *L, const char *key, uint32_t topic, uint32_t kind,
                             uint64_t line, uint64_t *first_line)
{
    if (2 * (L->nset + 1) > L->aset) {
        size_t na = L->aset ? L->aset * 2 : 256;
        set_slot *ns = calloc(na, sizeof *ns);
        if (!ns)
            return nomem(L);
        for (size_t i = 0; i < L->aset; i++) {
            if (!L->set[i].hash)
                continue;
            size_t j = L->set[i].hash & (na - 1);
            while (ns[j].hash)
                j = (j + 1) & (na - 1);
            ns[j] = L->set[i];
        }
        free(L->set);
        L->set = ns;
        L->aset = na;
    }
    uint64_t h = hash_key(key, topic, kind);
    size_t j = h & (L->aset - 1);
    while (L->set[j].hash) {
        set_slot *s = &L->set[j];
        if (s->hash == h && s->topic == topic && s->kind == kind && strcmp(s->key, key) == 0) {
            *first_line = s->line;
            return TOCSIN_OK;
        }
        j = (j + 1) & (L->aset - 1);
    }
    L->set[j] = (set_slot){h, key, topic, kind, line};
    L->nset++;
    *first_line = 0;
    return TOCSIN_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Walking the document
 * ------------------------------------------------------------------------------------------- */

/* The items of a list field: a sequence's items, or the node itself for a lone scalar. */
typedef struct item_list {
    int single;
    const yaml_node_item_t *items;
    size_t n;
} item_list;

static tocsin_status list_items(loader *L, yaml_node_t *n, const char *field, const char *topic,
                                int self_index, item_list *out)
{
    if (n->type == YAML_SEQUENCE_NODE) {
        out->items = n->data.sequence.items.start;
        out->n = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
        return TOCSIN_OK;
    }
    if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0 &&
        n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        return fail(L, n, field, "topic '%s': expected a list of strings, got nothing", topic);
    if (n->type == YAML_SCALAR_NODE) {
        out->single = self_index;
        out->items = &out->single;
        out->n = 1;
        return TOCSIN_OK;
    }
    return fail(L, n, field, "topic '%s': expected a list of strings, got a mapping", topic);
}

static tocsin_status add_entry(loader *L, bool exclude, match_entry e)
{
    tocsin_watchlist *wl = L->wl;
    if (wl->nterms + wl->nexcludes >= WL_MAX_ENTRIES) {
        free(e.text);
        free(e.norm);
        return tc_error_set(L->err, TOCSIN_ERR_LIMIT, L->path, e.line, exclude ? "exclude" : "terms",
                            "watchlist has over %d terms", WL_MAX_ENTRIES);
    }
    match_entry **arr = exclude ? &wl->excludes : &wl->terms;
    size_t *n = exclude ? &wl->nexcludes : &wl->nterms;
    size_t *a = exclude ? &L->aexcludes : &L->aterms;
    if (*n == *a) {
        size_t na = *a ? *a * 2 : 64;
        match_entry *p = realloc(*arr, na * sizeof *p);
        if (!p) {
            free(e.text);
            free(e.norm);
            return nomem(L);
        }
        *arr = p;
        *a = na;
    }
    (*arr)[(*n)++] = e;
    return TOCSIN_OK;
}

/* Index just past the first `close` at or after i (or len). */
static size_t skip_to(const char *re, size_t len, size_t i, char close)
{
    while (i < len && re[i] != close)
        i++;
    return i < len ? i + 1 : len;
}

/* Length of the escape sequence starting at a backslash at re[i] (\x{41}, \p{Lu}, \pL, \cA,
 * \xAB, \s, \ب...), so the caller can step over it. */
static size_t escape_len(const char *re, size_t len, size_t i)
{
    size_t j = i + 1;
    if (j >= len)
        return 1;
    char e = re[j];
    if (e && strchr("xpPNo", e) && j + 1 < len && re[j + 1] == '{')
        return skip_to(re, len, j + 2, '}') - i;
    if (e == 'x') {
        j++;
        for (int k = 0; k < 2 && j < len && isxdigit((unsigned char)re[j]); k++)
            j++;
        return j - i;
    }
    if (e == 'c' || e == 'p' || e == 'P')
        return j + 2 <= len ? j + 2 - i : len - i;
    uint32_t cp;
    return 1 + tc_utf8_decode((const unsigned char *)re + j, len - j, &cp);
}

/* Regexes run on normalized text, so a literal character the normalizer changes (upper case,
 * 'ة', a diacritic, tatweel, '-', '_', an escaped '.') can never match there: say so at load
 * time instead of silently never matching. Only literals outside character classes are checked
 * (a class may hold members that cannot occur, like A-Z in [a-zA-Z], harmlessly); escapes
 * (\\S, \\x{41}, \\p{Lu}), group names and comments are not literals. */
static tocsin_status lint_regex(loader *L, const yaml_node_t *n, const char *tid, const char *re)
{
    size_t len = strlen(re);
    char sh[128];
    bool in_class = false;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)re[i];
        size_t lit = 0; /* bytes of a literal character at i to check, 0 = syntax */
        size_t step = 1;
        if (c == '\\') {
            step = escape_len(re, len, i);
            unsigned char e = i + 1 < len ? (unsigned char)re[i + 1] : 0;
            if (!in_class && e && !isalnum(e)) { /* an escaped punctuation or letter: literal */
                i++;
                step--;
                lit = step;
            }
        } else if (in_class) {
            if (c == ']') {
                in_class = false;
            } else if (c == '[' && i + 1 < len && re[i + 1] == ':') {
                step = skip_to(re, len, i + 2, ']') - i;
            } else {
                uint32_t cp;
                step = tc_utf8_decode((const unsigned char *)re + i, len - i, &cp);
            }
        } else if (c == '[') {
            in_class = true;
            if (i + 1 < len && re[i + 1] == '^')
                step++;
            if (i + step < len && re[i + step] == ']') /* a leading ']' is a member */
                step++;
        } else if (c == '(' && i + 2 < len && re[i + 1] == '?') {
            if (re[i + 2] == '#')
                step = skip_to(re, len, i + 3, ')') - i;
            else if ((re[i + 2] == '<' && i + 3 < len && re[i + 3] != '=' && re[i + 3] != '!') ||
                     (re[i + 2] == 'P' && i + 3 < len && re[i + 3] == '<'))
                step = skip_to(re, len, i + 3, '>') - i;
            else
                step = 2;
        } else if (c == '{' && i + 1 < len && isdigit((unsigned char)re[i + 1])) {
            step = skip_to(re, len, i + 1, '}') - i; /* a counted repeat */
        } else if (!strchr(".^$|()*+?{}", c)) {
            uint32_t cp;
            lit = step = tc_utf8_decode((const unsigned char *)re + i, len - i, &cp);
        }
        if (lit) {
            const char *out;
            size_t olen;
            tocsin_error nerr;
            if (tocsin_normalize(L->norm, re + i, lit, &out, &olen, NULL, &nerr) != TOCSIN_OK)
                return fail(L, n, "regex", "topic '%s': cannot normalize regex '%s': %s", tid,
                            shorten(re, sh), nerr.message);
            if (olen != lit || memcmp(out, re + i, lit) != 0) {
                char ch[8] = "", chs[128], to[64];
                memcpy(ch, re + i, lit < sizeof ch ? lit : sizeof ch - 1);
                if (olen)
                    snprintf(to, sizeof to, "write '%.*s'", (int)(olen < 40 ? olen : 40), out);
                else
                    snprintf(to, sizeof to, "it is removed");
                return fail(L, n, "regex",
                            "topic '%s': regex '%s' cannot match: regexes run on normalized "
                            "text, which has no '%s' (%s)",
                            tid, shorten(re, sh), shorten(ch, chs), to);
            }
        }
        i += step;
    }
    return TOCSIN_OK;
}

/* One entry of terms / regex / exclude. */
static tocsin_status load_entry(loader *L, yaml_node_t *n, const char *field, int kind,
                                uint32_t topic)
{
    const char *tid = L->wl->topics[topic].id;
    char *text = NULL;
    tocsin_status st = scalar_dup(L, n, field, tid, &text);
    if (st != TOCSIN_OK)
        return st;
    char sh[128];
    match_entry e = {text, NULL, topic, line_of(n), kind == KIND_REGEX};
    if (!text[0]) {
        free(text);
        return fail(L, n, field, "topic '%s': empty %s", tid,
                    kind == KIND_REGEX ? "regex" : kind == KIND_EXCLUDE ? "exclusion" : "term");
    }
    const char *key = text;
    if (kind == KIND_REGEX && (st = lint_regex(L, n, tid, text)) != TOCSIN_OK) {
        free(text);
        return st;
    }
    if (kind != KIND_REGEX) {
        const char *out;
        size_t olen;
        tocsin_error nerr;
        if (tocsin_normalize(L->norm, text, strlen(text), &out, &olen, NULL, &nerr) != TOCSIN_OK) {
            st = fail(L, n, field, "topic '%s': cannot normalize '%s': %s", tid,
                      shorten(text, sh), nerr.message);
            free(text);
            return st;
        }
        while (olen && out[0] == ' ') {
            out++;
            olen--;
        }
        while (olen && out[olen - 1] == ' ')
            olen--;
        if (!olen) {
            st = fail(L, n, field,
                      "topic '%s': '%s' normalizes to nothing (only separators or ignorable "
                      "characters)", tid, shorten(text, sh));
            free(text);
            return st;
        }
        if (olen > UINT32_MAX / 2 || memchr(out, '\0', olen)) {
            st = fail(L, n, field, "topic '%s': '%s' cannot be matched", tid, shorten(text, sh));
            free(text);
            return st;
        }
        e.norm = tc_strndup(out, olen);
        if (!e.norm) {
            free(text);
            return nomem(L);
        }
        key = e.norm;
    }
    uint64_t first;
    if ((st = set_add(L, key, topic, (uint32_t)kind, e.line, &first)) != TOCSIN_OK) {
        free(e.text);
        free(e.norm);
        return st;
    }
    if (first) { /* the same literal or regex again in this topic: compiled once */
        free(e.text);
        free(e.norm);
        return TOCSIN_OK;
    }
    return add_entry(L, kind == KIND_EXCLUDE, e);
}

static tocsin_status load_list(loader *L, int index, const char *field, int kind, uint32_t topic)
{
    yaml_node_t *n = node_at(L, index);
    item_list il = {0};
    tocsin_status st = list_items(L, n, field, L->wl->topics[topic].id, index, &il);
    for (size_t i = 0; st == TOCSIN_OK && i < il.n; i++)
        st = load_entry(L, node_at(L, il.items[i]), field, kind, topic);
    return st;
}

static const char *const topic_keys[] = {"id", "label", "description", "tags",
                                         "terms", "regex", "exclude"};
#define N_TOPIC_KEYS (sizeof topic_keys / sizeof topic_keys[0])

static tocsin_status load_topic(loader *L, yaml_node_t *node, size_t ordinal)
{
    if (node->type != YAML_MAPPING_NODE)
        return fail(L, node, "topics", "topic #%zu: expected a mapping with id and terms, got %s",
                    ordinal, node_kind(node));
    int value[N_TOPIC_KEYS] = {0};
    yaml_node_t *keynode[N_TOPIC_KEYS] = {0};
    yaml_node_pair_t *p;
    /* first pass: the id, to name the topic in every later message */
    for (p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(L, p->key);
        if (scalar_is(k, "id") && !value[0]) {
            value[0] = p->value;
            keynode[0] = k;
        }
    }
    if (!value[0])
        return fail(L, node, "id", "topic #%zu has no id", ordinal);
    yaml_node_t *idn = node_at(L, value[0]);
    char *id = NULL;
    tocsin_status st = scalar_dup(L, idn, "id", NULL, &id);
    if (st != TOCSIN_OK)
        return st;
    assert(id != NULL);
    for (const char *c = id; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            free(id);
            return fail(L, idn, "id", "topic #%zu: id contains a control character", ordinal);
        }
    if (!id[0]) {
        free(id);
        return fail(L, idn, "id", "topic #%zu has an empty id", ordinal);
    }
    /* the topic is added now (the watchlist owns id from here on) */
    tocsin_watchlist *wl = L->wl;
    if (wl->ntopics == L->atopics) {
        size_t na = L->atopics ? L->atopics * 2 : 16;
        match_topic *t = realloc(wl->topics, na * sizeof *t);
        if (!t) {
            free(id);
            return nomem(L);
        }
        wl->topics = t;
        L->atopics = na;
    }
    uint32_t ti = (uint32_t)wl->ntopics++;
    match_topic *t = &wl->topics[ti];
    memset(t, 0, sizeof *t);
    t->id = id;
    t->line = line_of(node);
    uint64_t first;
    if ((st = set_add(L, id, 0, KIND_TOPIC_ID, line_of(idn), &first)) != TOCSIN_OK)
        return st;
    if (first)
        return fail(L, idn, "id", "duplicate topic id '%s' (first defined on line %llu)", id,
                    (unsigned long long)first);
    /* second pass: every key known and given once */
    for (p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(L, p->key);
        if (k->type != YAML_SCALAR_NODE)
            return fail(L, k, NULL, "topic '%s': keys must be strings", id);
        size_t i = 0;
        while (i < N_TOPIC_KEYS && !scalar_is(k, topic_keys[i]))
            i++;
        if (i == N_TOPIC_KEYS) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(k->data.scalar.length < 60 ? k->data.scalar.length : 60),
                     (const char *)k->data.scalar.value);
            return fail(L, k, name,
                        "unknown key in topic '%s' (expected id, label, description, tags, terms, "
                        "regex, exclude)", id);
        }
        if (keynode[i] && keynode[i] != k)
            return fail(L, k, topic_keys[i], "topic '%s': key given twice (first on line %llu)",
                        id, (unsigned long long)line_of(keynode[i]));
        keynode[i] = k;
        value[i] = p->value;
    }
    /* label, description, tags */
    if (value[1]) {
        if ((st = scalar_dup(L, node_at(L, value[1]), "label", id, &t->label)) != TOCSIN_OK)
            return st;
    }
    if (!t->label && !(t->label = tc_strndup(id, strlen(id))))
        return nomem(L);
    if (value[2] && node_at(L, value[2])->type != YAML_SCALAR_NODE)
        return fail(L, node_at(L, value[2]), "description", "topic '%s': expected a string, got %s",
                    id, node_kind(node_at(L, value[2])));
    if (value[3]) {
        item_list il = {0};
        if ((st = list_items(L, node_at(L, value[3]), "tags", id, value[3], &il)) != TOCSIN_OK)
            return st;
        t->tags = calloc(il.n ? il.n : 1, sizeof *t->tags);
        if (!t->tags)
            return nomem(L);
        for (size_t i = 0; i < il.n; i++) {
            if ((st = scalar_dup(L, node_at(L, il.items[i]), "tags", id, &t->tags[i])) != TOCSIN_OK)
                return st;
            t->ntags++;
        }
    }
    size_t before = wl->nterms;
    if (value[4] && (st = load_list(L, value[4], "terms", KIND_TERM, ti)) != TOCSIN_OK)
        return st;
    if (value[5] && (st = load_list(L, value[5], "regex", KIND_REGEX, ti)) != TOCSIN_OK)
        return st;
    if (value[6] && (st = load_list(L, value[6], "exclude", KIND_EXCLUDE, ti)) != TOCSIN_OK)
        return st;
    if (wl->nterms == before)
        return fail(L, value[4] ? node_at(L, value[4]) : node, "terms",
                    "topic '%s' has no terms and no regex", id);
    return TOCSIN_OK;
}

static tocsin_status load_root(loader *L, yaml_node_t *root)
{
    if (!root)
        return fail(L, NULL, NULL, "empty watchlist: expected a mapping with a 'topics' list");
    if (root->type != YAML_MAPPING_NODE)
        return fail(L, root, NULL, "expected a mapping with a 'topics' list, got %s",
                    node_kind(root));
    int topics = 0;
    yaml_node_t *topics_key = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_at(L, p->key), *v = node_at(L, p->value);
        if (scalar_is(k, "topics")) {
            if (topics_key)
                return fail(L, k, "topics", "key given twice (first on line %llu)",
                            (unsigned long long)line_of(topics_key));
            topics_key = k;
            topics = p->value;
        } else if (scalar_is(k, "name") || scalar_is(k, "description")) {
            if (v->type != YAML_SCALAR_NODE)
                return fail(L, v, (const char *)k->data.scalar.value,
                            "expected a string, got %s", node_kind(v));
        } else if (k->type == YAML_SCALAR_NODE) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(k->data.scalar.length < 60 ? k->data.scalar.length : 60),
                     (const char *)k->data.scalar.value);
            return fail(L, k, name, "unknown key at the top level (expected topics, name, "
                                    "description)");
        } else {
            return fail(L, k, NULL, "keys must be strings");
        }
    }
    if (!topics)
        return fail(L, root, "topics", "no 'topics' list");
    yaml_node_t *tl = node_at(L, topics);
    if (tl->type != YAML_SEQUENCE_NODE)
        return fail(L, tl, "topics", "expected a list of topics, got %s", node_kind(tl));
    size_t n = (size_t)(tl->data.sequence.items.top - tl->data.sequence.items.start);
    if (n == 0)
        return fail(L, tl, "topics", "the watchlist has no topics");
    for (size_t i = 0; i < n; i++) {
        tocsin_status st = load_topic(L, node_at(L, tl->data.sequence.items.start[i]), i + 1);
        if (st != TOCSIN_OK)
            return st;
    }
    return TOCSIN_OK;
}

/* The 1-based line of byte `off` in data. */
static uint64_t line_of_offset(const char *data, size_t len, size_t off)
{
    uint64_t line = 1;
    for (size_t i = 0; i < off && i < len; i++)
        line += data[i] == '\n';
    return line;
}

static tocsin_status parse_yaml(loader *L, const char *data, size_t len)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return nomem(L);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    tocsin_status st = TOCSIN_OK;
    if (!yaml_parser_load(&parser, &doc))
        goto yaml_error;
    L->doc = &doc;
    st = load_root(L, yaml_document_get_root_node(&doc));
    L->doc = NULL;
    yaml_document_delete(&doc);
    if (st == TOCSIN_OK) { /* a second document is an error, not silently ignored */
        if (!yaml_parser_load(&parser, &doc))
            goto yaml_error;
        yaml_node_t *second = yaml_document_get_root_node(&doc);
        if (second)
            st = tc_error_set(L->err, TOCSIN_ERR_WATCHLIST, L->path, line_of(second), NULL,
                              "more than one YAML document (expected one mapping)");
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return st;
yaml_error:
    if (parser.error == YAML_MEMORY_ERROR) {
        st = nomem(L);
    } else if (parser.error == YAML_READER_ERROR) {
        st = tc_error_set(L->err, TOCSIN_ERR_WATCHLIST, L->path,
                          line_of_offset(data, len, parser.problem_offset), NULL,
                          "YAML syntax error: %s", parser.problem ? parser.problem : "unreadable");
    } else if (parser.context) {
        st = tc_error_set(L->err, TOCSIN_ERR_WATCHLIST, L->path, parser.problem_mark.line + 1,
                          NULL, "YAML syntax error: %s (%s on line %llu)",
                          parser.problem ? parser.problem : "unknown problem", parser.context,
                          (unsigned long long)parser.context_mark.line + 1);
    } else {
        st = tc_error_set(L->err, TOCSIN_ERR_WATCHLIST, L->path, parser.problem_mark.line + 1,
                          NULL, "YAML syntax error: %s",
                          parser.problem ? parser.problem : "unknown problem");
    }
    yaml_parser_delete(&parser);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Compiling
 * ------------------------------------------------------------------------------------------- */

/* A literal as a Hyperscan expression: ASCII alphanumerics as they are, other ASCII escaped,
 * UTF-8 bytes raw (matched bytewise: the database is not in UTF-8 mode for literals). */
static char *escape_literal(const char *s, size_t len)
{
    char *out = malloc(len * 4 + 1), *o = out;
    if (!out)
        return NULL;
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            c >= 0x80) {
            *o++ = (char)c;
        } else {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

/* Turns an expression made by escape_literal back into its bytes, in place (NUL-terminated,
 * though the bytes may hold none anyway); @return their count. */
static size_t unescape_literal(char *e)
{
    size_t o = 0;
    for (size_t i = 0; e[i];) {
        if (e[i] == '\\' && e[i + 1] == 'x' && e[i + 2] && e[i + 3]) {
            unsigned v = 0;
            for (int k = 2; k < 4; k++) {
                char c = e[i + k];
                v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
            }
            e[o++] = (char)v;
            i += 4;
        } else {
            e[o++] = e[i++];
        }
    }
    e[o] = '\0';
    return o;
}

/* Whether a normalized Arabic term starts with the article and so needs its "لل" spelling. */
static bool starts_with_article(const match_prefixes *pre, const char *norm)
{
    size_t n = strlen(norm);
    if (!pre->al_len || n <= pre->al_len || memcmp(norm, pre->al, pre->al_len) != 0)
        return false;
    uint32_t cp;
    tc_utf8_decode((const unsigned char *)norm, n, &cp);
    return match_is_arabic_cp(cp) && pre->al_len > pre->lam_len &&
           memcmp(norm + pre->al_len - pre->lam_len, pre->lam, pre->lam_len) == 0;
}

typedef struct pat_build {
    char **expr;
    unsigned *flags;
    unsigned *ids;
    size_t n, a;
} pat_build;

static tocsin_status push_pat(loader *L, pat_build *b, match_pat p, char *expr, unsigned flags)
{
    tocsin_watchlist *wl = L->wl;
    if (!expr)
        return nomem(L);
    if (b->n == b->a) {
        size_t na = b->a ? b->a * 2 : 64;
        char **e = realloc(b->expr, na * sizeof *e);
        if (e)
            b->expr = e;
        unsigned *f = e ? realloc(b->flags, na * sizeof *f) : NULL;
        if (f)
            b->flags = f;
        unsigned *ids = f ? realloc(b->ids, na * sizeof *ids) : NULL;
        if (ids)
            b->ids = ids;
        match_pat *mp = ids ? realloc(wl->pats, na * sizeof *mp) : NULL;
        if (!mp) {
            free(expr);
            return nomem(L);
        }
        wl->pats = mp;
        b->a = na;
    }
    b->expr[b->n] = expr;
    b->flags[b->n] = flags;
    b->ids[b->n] = (unsigned)b->n;
    wl->pats[b->n] = p;
    b->n++;
    wl->npats = b->n;
    return TOCSIN_OK;
}

static tocsin_status push_literal(loader *L, pat_build *b, const match_entry *e, uint32_t owner,
                                  bool exclude)
{
    const match_prefixes *pre = &L->wl->pre;
    size_t len = strlen(e->norm);
    match_pat p = {owner, e->topic, (uint32_t)len, exclude, false};
    tocsin_status st = push_pat(L, b, p, escape_literal(e->norm, len), 0);
    if (st != TOCSIN_OK || !starts_with_article(pre, e->norm))
        return st;
    /* ال + rest after the preposition ل is written لل + rest: compile that spelling too */
    size_t skip = pre->al_len - pre->lam_len; /* the alif */
    size_t vlen = pre->lam_len + len - skip;
    char *v = malloc(vlen + 1);
    if (!v)
        return nomem(L);
    memcpy(v, pre->lam, pre->lam_len);
    memcpy(v + pre->lam_len, e->norm + skip, len - skip);
    v[vlen] = '\0';
    p.len = (uint32_t)vlen;
    p.lil = true;
    st = push_pat(L, b, p, escape_literal(v, vlen), 0);
    free(v);
    return st;
}

static tocsin_status compile(loader *L)
{
    tocsin_watchlist *wl = L->wl;
    pat_build b = {0};
    tocsin_status st = TOCSIN_OK;
    for (size_t i = 0; st == TOCSIN_OK && i < wl->nterms; i++) {
        const match_entry *e = &wl->terms[i];
        if (e->regex) {
            match_pat p = {(uint32_t)i, e->topic, 0, false, false};
            st = push_pat(L, &b, p, tc_strndup(e->text, strlen(e->text)),
                          HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_SOM_LEFTMOST);
        } else {
            st = push_literal(L, &b, e, (uint32_t)i, false);
        }
    }
    for (size_t i = 0; st == TOCSIN_OK && i < wl->nexcludes; i++)
        st = push_literal(L, &b, &wl->excludes[i], (uint32_t)i, true);
    size_t *lens = NULL;
    bool literals_only = true;
    for (size_t i = 0; i < b.n && literals_only; i++)
        literals_only = wl->pats[i].len > 0;
    if (st == TOCSIN_OK && literals_only && b.n && !(lens = malloc(b.n * sizeof *lens)))
        st = nomem(L);
    if (st == TOCSIN_OK && lens) {
        /* Literals only: the literal API compiles the same database ~20 % faster (see
         * bench/matchbench.c); it takes raw bytes, so undo the \xHH escapes in place. */
        for (size_t i = 0; i < b.n; i++)
            lens[i] = unescape_literal(b.expr[i]);
    }
    unsigned mode = HS_MODE_BLOCK;
    unsigned char key[MATCH_CACHE_KEY];
    bool keyed = st == TOCSIN_OK && L->cache_dir && b.n &&
                 match_cache_key((const char *const *)b.expr, lens, b.flags, b.ids, b.n, mode, key);
    if (keyed && (wl->cache = match_cache_load(L->cache_dir, key, &wl->db)) == MATCH_CACHE_HIT &&
        hs_alloc_scratch(wl->db, &wl->proto) != HS_SUCCESS) {
        hs_free_database(wl->db); /* Hyperscan took it but cannot run it: compile instead */
        wl->db = NULL;
        wl->proto = NULL;
        wl->cache = MATCH_CACHE_REJECTED;
    }
    if (st == TOCSIN_OK && !wl->db) {
        hs_compile_error_t *cerr = NULL;
        hs_error_t hr =
            lens ? hs_compile_lit_multi((const char *const *)b.expr, b.flags, b.ids, lens,
                                        (unsigned)b.n, mode, NULL, &wl->db, &cerr)
                 : hs_compile_multi((const char *const *)b.expr, b.flags, b.ids, (unsigned)b.n,
                                    mode, NULL, &wl->db, &cerr);
        if (hr != HS_SUCCESS) {
            const char *msg = cerr && cerr->message ? cerr->message : "unknown error";
            if (strncmp(msg, "Pattern matches empty buffer", 28) == 0)
                msg = "it can match empty text";
            if (cerr && cerr->expression >= 0 && (size_t)cerr->expression < b.n) {
                const match_pat *p = &wl->pats[cerr->expression];
                const match_entry *e = p->exclude ? &wl->excludes[p->owner] : &wl->terms[p->owner];
                char sh[128];
                st = tc_error_set(L->err, TOCSIN_ERR_WATCHLIST, L->path, e->line,
                                  p->exclude ? "exclude" : e->regex ? "regex" : "terms",
                                  "topic '%s': cannot compile '%s': %s", wl->topics[e->topic].id,
                                  shorten(e->text, sh), msg);
            } else {
                st = tc_error_set(L->err, TOCSIN_ERR_WATCHLIST, L->path, 0, NULL,
                                  "cannot compile the watchlist: %s", msg);
            }
            wl->db = NULL;
        }
        hs_free_compile_error(cerr);
        if (st == TOCSIN_OK && keyed)
            wl->cache_stored = match_cache_store(L->cache_dir, key, wl->db);
    }
    free(lens);
    for (size_t i = 0; i < b.n; i++)
        free(b.expr[i]);
    free(b.expr);
    free(b.flags);
    free(b.ids);
    if (st == TOCSIN_OK && !wl->proto && hs_alloc_scratch(wl->db, &wl->proto) != HS_SUCCESS)
        st = tc_error_set(L->err, TOCSIN_ERR_NOMEM, L->path, 0, NULL,
                          "cannot allocate Hyperscan scratch space");
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------------------------- */

static tocsin_status read_file(const char *path, char **out, size_t *len, tocsin_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL, "cannot open: %s", strerror(errno));
    tc_buf b;
    tc_buf_init(&b, WL_MAX_FILE);
    tocsin_status st = TOCSIN_OK;
    for (;;) {
        if ((st = tc_buf_reserve(&b, 65536)) != TOCSIN_OK) {
            if (st == TOCSIN_ERR_LIMIT)
                tc_error_set(err, st, path, 0, NULL, "watchlist is over %zu MiB",
                             WL_MAX_FILE >> 20);
            else
                tc_error_set(err, st, path, 0, NULL, "out of memory");
            break;
        }
        size_t got = fread(b.data + b.len, 1, 65536, f);
        b.len += got;
        if (got < 65536) {
            if (ferror(f))
                st = tc_error_set(err, TOCSIN_ERR_IO, path, 0, NULL, "cannot read: %s",
                                  strerror(errno));
            break;
        }
    }
    fclose(f);
    if (st != TOCSIN_OK) {
        tc_buf_free(&b);
        return st;
    }
    b.data[b.len] = '\0';
    *out = b.data;
    *len = b.len;
    return TOCSIN_OK;
}

void tocsin_watchlist_opts_init(tocsin_watchlist_opts *o) { memset(o, 0, sizeof *o); }

tocsin_status tocsin_watchlist_load(const char *path, tocsin_watchlist **out, tocsin_error *err)
{
    return tocsin_watchlist_load_opts(path, NULL, out, err);
}

tocsin_status tocsin_watchlist_load_opts(const char *path, const tocsin_watchlist_opts *opts,
                                         tocsin_watchlist **out, tocsin_error *err)
{
    if (!path || !out)
        return tc_error_set(err, TOCSIN_ERR_USAGE, NULL, 0, NULL,
                            "tocsin_watchlist_load: NULL argument");
    char *data = NULL;
    size_t len = 0;
    tocsin_status st = read_file(path, &data, &len, err);
    if (st != TOCSIN_OK)
        return st;
    loader L = {.path = path, .err = err,
                .cache_dir = opts && opts->cache_dir && *opts->cache_dir ? opts->cache_dir : NULL};
    tocsin_watchlist *wl = calloc(1, sizeof *wl);
    if (!wl || !(wl->path = tc_strndup(path, strlen(path)))) {
        st = nomem(&L);
        goto out;
    }
    L.wl = wl;
    if (sodium_init() < 0) {
        st = tc_error_set(err, TOCSIN_ERR_INTERNAL, path, 0, NULL, "libsodium failed to start");
        goto out;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)data, len);
    sodium_bin2hex(wl->hash, sizeof wl->hash, digest, sizeof digest);
    if ((st = tocsin_norm_new(&L.norm, err)) != TOCSIN_OK)
        goto out;
    if ((st = match_prefixes_init(&wl->pre, L.norm, err)) != TOCSIN_OK)
        goto out;
    if ((st = parse_yaml(&L, data, len)) != TOCSIN_OK)
        goto out;
    st = compile(&L);
out:
    tocsin_norm_free(L.norm);
    free(L.set);
    free(data);
    if (st != TOCSIN_OK) {
        tocsin_watchlist_free(wl);
        return st;
    }
    *out = wl;
    return TOCSIN_OK;
}

void tocsin_watchlist_free(tocsin_watchlist *wl)
{
    if (!wl)
        return;
    for (size_t i = 0; i < wl->ntopics; i++) {
        free(wl->topics[i].id);
        free(wl->topics[i].label);
        for (size_t j = 0; j < wl->topics[i].ntags; j++)
            free(wl->topics[i].tags[j]);
        free(wl->topics[i].tags);
    }
    free(wl->topics);
    for (size_t i = 0; i < wl->nterms; i++) {
        free(wl->terms[i].text);
        free(wl->terms[i].norm);
    }
    free(wl->terms);
    for (size_t i = 0; i < wl->nexcludes; i++) {
        free(wl->excludes[i].text);
        free(wl->excludes[i].norm);
    }
    free(wl->excludes);
    free(wl->pats);
    hs_free_scratch(wl->proto);
    hs_free_database(wl->db);
    free(wl->path);
    free(wl);
}

size_t tocsin_watchlist_topic_count(const tocsin_watchlist *wl) { return wl ? wl->ntopics : 0; }

const char *tocsin_watchlist_topic_id(const tocsin_watchlist *wl, size_t i)
{
    return wl && i < wl->ntopics ? wl->topics[i].id : NULL;
}

const char *tocsin_watchlist_topic_label(const tocsin_watchlist *wl, size_t i)
{
    return wl && i < wl->ntopics ? wl->topics[i].label : NULL;
}

size_t tocsin_watchlist_term_count(const tocsin_watchlist *wl) { return wl ? wl->nterms : 0; }

const char *tocsin_watchlist_term(const tocsin_watchlist *wl, size_t term)
{
    return wl && term < wl->nterms ? wl->terms[term].text : NULL;
}

size_t tocsin_watchlist_term_topic(const tocsin_watchlist *wl, size_t term)
{
    return wl && term < wl->nterms ? wl->terms[term].topic : SIZE_MAX;
}

const char *tocsin_watchlist_hash(const tocsin_watchlist *wl) { return wl ? wl->hash : NULL; }

bool tocsin_watchlist_term_is_regex(const tocsin_watchlist *wl, size_t term)
{
    return wl && term < wl->nterms && wl->terms[term].regex;
}

uint64_t tocsin_watchlist_term_line(const tocsin_watchlist *wl, size_t term)
{
    return wl && term < wl->nterms ? wl->terms[term].line : 0;
}

size_t tocsin_watchlist_topic_tag_count(const tocsin_watchlist *wl, size_t i)
{
    return wl && i < wl->ntopics ? wl->topics[i].ntags : 0;
}

const char *tocsin_watchlist_topic_tag(const tocsin_watchlist *wl, size_t i, size_t j)
{
    return wl && i < wl->ntopics && j < wl->topics[i].ntags ? wl->topics[i].tags[j] : NULL;
}
