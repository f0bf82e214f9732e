/* gen_corpus.c: writes the deterministic synthetic benchmark corpus for `tocsin scan`.
 *
 *   gen_corpus [--filler FILE] OUTDIR SIZE_MB [TERMS]
 *
 * Writes OUTDIR/corpus.jsonl (SIZE_MB megabytes of JSON Lines posts in English, French, Russian,
 * Arabic, Persian and Urdu), OUTDIR/watchlist.yaml (TERMS terms, default 3000, in
 * TERMS/10 topics), OUTDIR/terms.txt (one raw term per line, for `rg -F -f`) and
 * OUTDIR/truth.tsv (topic <TAB> number of posts that contain at least one of its terms).
 *
 * Exactness by construction: filler words never use the letters that every term word contains
 * (Latin 'q'/'x', Cyrillic 'щ', Arabic 'ظ'), so a term can only appear where it was injected.
 * Injected terms are disguised the way real chatter disguises them: random case, separators
 * ('-', '_', '.', U+2011, double spaces) between words, Latin accents, Arabic diacritics, tatweel,
 * alef/yeh/teh-marbuta variants and proclitics (و، ب، ال), so counts are exact only when
 * normalization and matching are both right. A few posts carry JSON escapes (\" \n \u00e9).
 *
 * Filler. With --filler FILE (bench/data/corpus-text.tsv: "LANG<TAB>paragraph" lines of real
 * running text, see bench/corpus_text.py), a post's filler is real text of its language: fragments
 * of 2-5 consecutive words from random places of that language's paragraphs, stitched together,
 * so every post reads like its language (the `lang` field is the truth for identification) and
 * no two posts repeat a text. Words holding a marker letter are left out. Without --filler the
 * filler is random syllables (the corpora of earlier benchmark runs): text no language model
 * knows, which sends nearly every post down language identification's slowest path. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned rn(unsigned n) { return (unsigned)(rnd() % n); }

enum { SC_LATIN, SC_CYR, SC_ARAB };

/* Syllables for filler text per script; none contains a term marker letter. */
static const char *lat_syl[] = {"ba", "ke", "lo", "mi", "nu", "ra", "se", "ti", "do", "fa",
                                "ge", "hi", "ju", "pe", "vo", "wa", "ze", "an", "el", "or"};
static const char *cyr_syl[] = {"ба", "ке", "ло", "ми", "ну", "ра", "се", "ти", "до", "фа",
                                "ге", "жу", "пе", "во", "за", "ан", "ел", "ор", "ды", "чи"};
static const char *arb_syl[] = {"ب", "ت", "ج", "د", "ر", "س", "ع", "ف", "ق", "ل",
                                "م", "ن", "و", "ي", "ك", "ش", "ح", "خ", "ص", "ه"};
/* Marker letters that make term words unlike any filler word. */
static const char *lat_mark[] = {"q", "x"};
static const char *cyr_mark = "щ";
static const char *arb_mark = "ظ";

typedef struct lang_def {
    const char *code;
    int script;
} lang_def;

static const lang_def langs[] = {{"en", SC_LATIN}, {"fr", SC_LATIN}, {"ru", SC_CYR},
                                 {"ar", SC_ARAB},  {"fa", SC_ARAB},  {"ur", SC_ARAB}};
/* Share of posts per language (sums to 100). */
static const unsigned lang_share[] = {40, 10, 10, 25, 10, 5};

typedef struct term {
    char words[3][64];
    int nwords;
    int script;
    unsigned topic;
} term;

static void syl_word(char *out, size_t cap, int script, int nsyl)
{
    out[0] = '\0';
    for (int i = 0; i < nsyl; i++) {
        const char *s = script == SC_LATIN ? lat_syl[rn(20)]
                        : script == SC_CYR ? cyr_syl[rn(20)]
                                           : arb_syl[rn(20)];
        strncat(out, s, cap - strlen(out) - 1);
    }
}

/* True when an Arabic-script word starts with a letter that can be a proclitic (و ف ب ل ك):
 * a term word like "وجظش" would contain the term "جظش" after a proclitic, and the matcher is
 * right to find it there, so term words never start that way. */
static bool starts_with_proclitic(const char *w)
{
    static const char *pro[] = {"و", "ف", "ب", "ل", "ك"};
    for (int i = 0; i < 5; i++)
        if (!strncmp(w, pro[i], strlen(pro[i])))
            return true;
    return false;
}

static void term_word(char *out, size_t cap, int script)
{
    char a[24], b[24];
    do
        syl_word(a, sizeof a, script, 1 + (int)rn(2));
    while (script == SC_ARAB && starts_with_proclitic(a));
    syl_word(b, sizeof b, script, 1 + (int)rn(2));
    const char *m = script == SC_LATIN ? lat_mark[rn(2)] : script == SC_CYR ? cyr_mark : arb_mark;
    snprintf(out, cap, "%s%s%s", a, m, b);
}

/* Appends with a cap; the buffers are sized so that this never truncates in practice. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->n + l + 1 > b->cap)
        return;
    memcpy(b->p + b->n, s, l);
    b->n += l;
    b->p[b->n] = '\0';
}

/* A Latin term word disguised: random upper case, sometimes an accent on a vowel. */
static void put_latin_variant(sbuf *b, const char *w)
{
    int upper = rn(4) == 0, accent = rn(6) == 0;
    for (const char *c = w; *c; c++) {
        char ch[8] = {*c, 0};
        if (accent && (*c == 'a' || *c == 'e' || *c == 'o')) {
            put(b, *c == 'a' ? (upper ? "Á" : "á") : *c == 'e' ? (upper ? "É" : "é")
                                                                : (upper ? "Ö" : "ö"));
            accent = 0;
            continue;
        }
        if (upper || (c == w && rn(3) == 0))
            ch[0] = (char)(*c - 32);
        put(b, ch);
    }
}

static const char *harakat[] = {"\u064E", "\u064F", "\u0650", "\u0651", "\u0652", "\u064B"};

/* An Arabic-script term word disguised: diacritics after letters, tatweel, letter variants. */
static void put_arabic_variant(sbuf *b, const char *w, int first)
{
    if (first) {
        unsigned p = rn(8);
        put(b, p == 0 ? "و" : p == 1 ? "ب" : p == 2 ? "ال" : p == 3 ? "وال" : "");
    }
    const unsigned char *s = (const unsigned char *)w;
    while (*s) {
        size_t l = (*s < 0x80) ? 1 : (*s < 0xE0) ? 2 : (*s < 0xF0) ? 3 : 4;
        char ch[8] = {0};
        memcpy(ch, s, l);
        s += l;
        if (!strcmp(ch, "ي") && rn(3) == 0)
            put(b, "ی"); /* Farsi yeh folds to yeh */
        else if (!strcmp(ch, "ه") && !*s && rn(3) == 0)
            put(b, "ة"); /* final teh marbuta folds to heh */
        else if (!strcmp(ch, "ك") && rn(3) == 0)
            put(b, "ک"); /* keheh folds to kaf */
        else
            put(b, ch);
        if (rn(3) == 0)
            put(b, harakat[rn(6)]);
        if (*s && rn(8) == 0)
            put(b, "\u0640\u0640");
    }
}

static const char *seps[] = {" ", " ", " ", "-", "_", ".", "\u2011", "  "};

static void put_term(sbuf *b, const term *t)
{
    for (int i = 0; i < t->nwords; i++) {
        if (i)
            put(b, t->script == SC_ARAB ? (rn(3) ? " " : "\u200C") : seps[rn(8)]);
        if (t->script == SC_LATIN)
            put_latin_variant(b, t->words[i]);
        else if (t->script == SC_ARAB)
            put_arabic_variant(b, t->words[i], i == 0);
        else
            put(b, t->words[i]);
    }
}

/* Real-text filler: the words of each language's paragraphs, in order (see the header). */
typedef struct wordlist {
    char **w;
    size_t n, cap;
} wordlist;

static wordlist real_words[6];
static bool use_real;

static bool has_marker(const char *w)
{
    return strpbrk(w, "qxQX") || strstr(w, "щ") || strstr(w, "Щ") || strstr(w, arb_mark);
}

static int load_filler(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    static char buf[1 << 16];
    unsigned line = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        char *tab = strchr(buf, '\t');
        if (!tab) {
            fprintf(stderr, "%s:%u: expected LANG<TAB>TEXT\n", path, line);
            fclose(f);
            return -1;
        }
        *tab = '\0';
        size_t li = 0;
        while (li < 6 && strcmp(langs[li].code, buf))
            li++;
        if (li == 6)
            continue;
        wordlist *L = &real_words[li];
        for (char *tok = strtok(tab + 1, " \n\r"); tok; tok = strtok(NULL, " \n\r")) {
            if (has_marker(tok) || strpbrk(tok, "\"\\"))
                continue;
            if (L->n == L->cap) {
                L->cap = L->cap ? 2 * L->cap : 1024;
                char **nw = realloc(L->w, L->cap * sizeof *nw);
                if (!nw)
                    return -1;
                L->w = nw;
            }
            if (!(L->w[L->n++] = strdup(tok)))
                return -1;
        }
    }
    fclose(f);
    for (size_t li = 0; li < 6; li++)
        if (real_words[li].n < 100) {
            fprintf(stderr, "%s: fewer than 100 words of %s\n", path, langs[li].code);
            return -1;
        }
    use_real = true;
    return 0;
}

/* The next word of real text of language li: posts are fragments of 2-5 consecutive words
 * from random places, stitched together; first starts a new post (and a new fragment). */
static void put_real_word(sbuf *b, unsigned li, bool first)
{
    static size_t at;
    static int left;
    const wordlist *L = &real_words[li];
    if (first || left <= 0 || ++at >= L->n) {
        at = rn((unsigned)L->n);
        left = 2 + (int)rn(4);
    }
    left--;
    if (langs[li].script == SC_ARAB && rn(12) == 0)
        put_arabic_variant(b, L->w[at], 0);
    else
        put(b, L->w[at]);
}

static void put_filler(sbuf *b, int script, int nwords)
{
    char w[64];
    for (int i = 0; i < nwords; i++) {
        syl_word(w, sizeof w, script, 1 + (int)rn(3));
        if (i)
            put(b, rn(12) == 0 ? ", " : " ");
        if (script == SC_ARAB && rn(4) == 0) {
            put_arabic_variant(b, w, 0);
            continue;
        }
        put(b, w);
    }
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "--filler")) {
        if (load_filler(argv[2]) != 0)
            return 1;
        argv += 2;
        argc -= 2;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: gen_corpus [--filler FILE] OUTDIR SIZE_MB [TERMS]\n");
        return 2;
    }
    const char *dir = argv[1];
    uint64_t target = strtoull(argv[2], NULL, 10) * 1000000ULL;
    unsigned nterms = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 3000;
    if (nterms < 10 || target == 0) {
        fprintf(stderr, "gen_corpus: need SIZE_MB > 0 and TERMS >= 10\n");
        return 2;
    }
    unsigned ntopics = nterms / 10;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    term *terms = calloc(nterms, sizeof *terms);
    uint64_t *truth = calloc(ntopics, sizeof *truth);
    if (!terms || !truth)
        return 1;
    char path[4096];
    snprintf(path, sizeof path, "%s/watchlist.yaml", dir);
    FILE *wl = fopen(path, "w");
    snprintf(path, sizeof path, "%s/terms.txt", dir);
    FILE *tf = fopen(path, "w");
    if (!wl || !tf) {
        perror("gen_corpus");
        return 1;
    }
    fprintf(wl, "# generated by bench/gen_corpus: %u terms in %u topics\ntopics:\n", nterms,
            ntopics);
    for (unsigned t = 0; t < ntopics; t++) {
        fprintf(wl, "  - id: topic%04u\n    label: Synthetic topic %u\n    terms:\n", t, t);
        for (unsigned k = 0; k < 10; k++) {
            term *x = &terms[t * 10 + k];
            x->topic = t;
            unsigned r = rn(10);
            x->script = r < 5 ? SC_LATIN : r < 6 ? SC_CYR : SC_ARAB;
            x->nwords = 1 + (int)rn(3);
            fputs("      - \"", wl);
            for (int i = 0; i < x->nwords; i++) {
                /* every term word unique, so no term occurs inside another's injection */
                for (bool dup = true; dup;) {
                    term_word(x->words[i], sizeof x->words[i], x->script);
                    dup = false;
                    for (unsigned o = 0; o <= t * 10 + k && !dup; o++)
                        for (int j = 0; j < terms[o].nwords && !dup; j++)
                            dup = (o != t * 10 + k || j < i) &&
                                  !strcmp(terms[o].words[j], x->words[i]);
                }
                fprintf(wl, "%s%s", i ? " " : "", x->words[i]);
                fprintf(tf, "%s%s", i ? " " : "", x->words[i]);
            }
            fputs("\"\n", wl);
            fputc('\n', tf);
        }
    }
    fclose(wl);
    fclose(tf);

    snprintf(path, sizeof path, "%s/corpus.jsonl", dir);
    FILE *out = fopen(path, "w");
    if (!out) {
        perror(path);
        return 1;
    }
    static char text[8192], line[16384];
    sbuf b = {text, 0, sizeof text};
    uint64_t written = 0, posts = 0;
    const int64_t t0 = 1625097600; /* 2021-07-01T00:00:00Z */
    while (written < target) {
        unsigned r = rn(100), li = 0;
        for (unsigned acc = 0; li < 6; li++) {
            acc += lang_share[li];
            if (r < acc)
                break;
        }
        const lang_def *L = &langs[li];
        b.n = 0;
        text[0] = '\0';
        int nw = 6 + (int)rn(60);
        /* 12 % of posts carry one injected term, 2 % a second one. */
        int inject = rn(100) < 12 ? 1 + (rn(100) < 17) : 0;
        unsigned tid[2] = {0, 0};
        int at[2] = {(int)rn((unsigned)nw), (int)rn((unsigned)nw)};
        for (int k = 0; k < inject; k++)
            tid[k] = rn(nterms);
        for (int w = 0; w < nw; w++) {
            if (w)
                put(&b, " ");
            for (int k = 0; k < inject; k++)
                if (at[k] == w) {
                    put_term(&b, &terms[tid[k]]);
                    put(&b, " ");
                }
            if (use_real)
                put_real_word(&b, li, w == 0);
            else
                put_filler(&b, L->script, 1);
        }
        if (inject == 1 || (inject == 2 && terms[tid[0]].topic == terms[tid[1]].topic))
            truth[terms[tid[0]].topic]++;
        else if (inject == 2) {
            truth[terms[tid[0]].topic]++;
            truth[terms[tid[1]].topic]++;
        }
        int64_t ts = t0 + (int64_t)rn(92 * 86400);
        unsigned esc = rn(50);
        int n = snprintf(line, sizeof line,
                         "{\"id\":\"%llu\",\"created_at\":%lld,\"author\":\"user%u\","
                         "\"channel\":\"chan%u\",\"lang\":\"%s\",\"views\":%u,\"text\":\"%s%s\"}\n",
                         (unsigned long long)(1000000000000000000ULL + posts), (long long)ts,
                         rn(200000), rn(500), L->code, rn(100000), text,
                         esc == 0 ? " \\\"quoted\\\"\\nnew line caf\\u00e9" : "");
        if (n <= 0 || (size_t)n >= sizeof line)
            continue;
        fwrite(line, 1, (size_t)n, out);
        written += (uint64_t)n;
        posts++;
    }
    fclose(out);
    snprintf(path, sizeof path, "%s/truth.tsv", dir);
    FILE *tr = fopen(path, "w");
    if (!tr)
        return 1;
    for (unsigned t = 0; t < ntopics; t++)
        fprintf(tr, "topic%04u\t%llu\n", t, (unsigned long long)truth[t]);
    fclose(tr);
    fprintf(stderr, "gen_corpus: %llu posts, %llu bytes, %u terms\n", (unsigned long long)posts,
            (unsigned long long)written, nterms);
    free(terms);
    free(truth);
    return 0;
}
