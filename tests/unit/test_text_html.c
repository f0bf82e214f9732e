/* test_text_html.c: unit tests of tocsin_html_to_text: the case file tests/data/norm/html.tsv,
 * hostile inputs (unclosed tags and quotes, huge inputs) and random junk, which must never crash,
 * hang or grow the text. */
#include "check.h"
#include "common/common.h"

#include <stdint.h>

static tocsin_norm *g_norm;

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    return -1;
}

/* The escapes of the case files (see cases.tsv). @return false on a malformed escape. */
static bool unescape(const char *s, size_t n, tc_buf *b)
{
    tc_buf_reset(b);
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            tc_buf_putc(b, s[i]);
            continue;
        }
        if (++i >= n)
            return false;
        char c = s[i];
        uint32_t v = 0;
        if (c == 't') tc_buf_putc(b, '\t');
        else if (c == 'n') tc_buf_putc(b, '\n');
        else if (c == 'r') tc_buf_putc(b, '\r');
        else if (c == 's') tc_buf_putc(b, ' ');
        else if (c == '\\') tc_buf_putc(b, '\\');
        else if (c == 'x') {
            if (i + 2 >= n) return false;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) return false;
            tc_buf_putc(b, (char)(h * 16 + l));
            i += 2;
        } else if (c == 'u' || c == 'U') {
            bool braces = c == 'U';
            if (braces && (i + 1 >= n || s[++i] != '{')) return false;
            int digits = 0;
            while (i + 1 < n && (braces ? s[i + 1] != '}' : digits < 4)) {
                int h = hexval(s[++i]);
                if (h < 0) return false;
                v = v * 16 + (uint32_t)h;
                digits++;
            }
            if (braces && (i + 1 >= n || s[++i] != '}')) return false;
            if (!digits || (!braces && digits != 4)) return false;
            char u[4];
            tc_buf_append(b, u, tc_utf8_encode(v, u));
        } else {
            return false;
        }
    }
    return true;
}

static void test_case_file(void)
{
    const char *path = getenv("TOCSIN_HTML_CASES");
    if (!path)
        path = "tests/data/norm/html.tsv";
    FILE *fp = fopen(path, "r");
    check_case_begin("html.tsv: open");
    CHECK(fp != NULL);
    check_case_end();
    if (!fp)
        return;
    char line[4096];
    static char name[64];
    int lineno = 0, n = 0;
    tc_buf in, ex;
    tc_buf_init(&in, 0);
    tc_buf_init(&ex, 0);
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        size_t l = strlen(line);
        while (l && line[l - 1] == '\n')
            line[--l] = '\0';
        if (line[0] == '#' || l == 0)
            continue;
        snprintf(name, sizeof name, "html.tsv:%d", lineno);
        check_case_begin(name);
        char *tab = strchr(line, '\t');
        CHECK(tab != NULL);
        if (tab) {
            bool ok = unescape(line, (size_t)(tab - line), &in) &&
                      unescape(tab + 1, strlen(tab + 1), &ex);
            CHECK(ok);
            const char *o;
            size_t ol;
            if (ok) {
                CHECK_INT(tocsin_html_to_text(g_norm, in.data, in.len, &o, &ol, NULL), TOCSIN_OK);
                CHECK_STRN(o, ol, ex.data);
                CHECK_INT(o[ol], 0);
            }
            n++;
        }
        check_case_end();
    }
    fclose(fp);
    tc_buf_free(&in);
    tc_buf_free(&ex);
    check_case_begin("html.tsv: count");
    CHECK(n >= 40);
    check_case_end();
}

/* Repeats `unit` to `total` bytes. */
static char *repeat(const char *unit, size_t total)
{
    size_t u = strlen(unit);
    char *s = malloc(total + 1);
    for (size_t i = 0; i < total; i++)
        s[i] = unit[i % u];
    s[total] = '\0';
    return s;
}

/* Inputs that would make a naive converter quadratic or lose text. A quadratic pass over these
 * 4 MB inputs would take hours; each must come back as expected. */
static void test_hostile(void)
{
    const size_t big = 4u << 20;
    const char *o;
    size_t ol;
    static const char *const units[] = {"<a", "<a '", "<a \"x", "<!", "&#", "&amp", "<script",
                                        "</", "<<<>", "<a href='x'"};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        char *s = repeat(units[u], big);
        CHECK_INT(tocsin_html_to_text(g_norm, s, big, &o, &ol, NULL), TOCSIN_OK);
        CHECK(ol <= big);
        free(s);
    }
    /* never-closing tags stay as text, byte for byte */
    char *s = repeat("<a", big);
    CHECK_INT(tocsin_html_to_text(g_norm, s, big, &o, &ol, NULL), TOCSIN_OK);
    CHECK(ol == big && !memcmp(o, s, big));
    free(s);
    /* many small tags */
    s = repeat("<p>x</p>", big);
    CHECK_INT(tocsin_html_to_text(g_norm, s, big, &o, &ol, NULL), TOCSIN_OK);
    CHECK_INT(ol, big / 8 * 3);
    free(s);
    /* NUL bytes are text too */
    CHECK_INT(tocsin_html_to_text(g_norm, "a\0<b>c", 6, &o, &ol, NULL), TOCSIN_OK);
    CHECK(ol == 3 && !memcmp(o, "a\0c", 3));
}

static void test_random_junk(void)
{
    static const char alpha[] = "<>/&#;x0a9'\"! -=pbrscriptyle\xC3\xA9";
    uint64_t r = 0x5EED;
    char buf[256];
    int bad = 0;
    for (int n = 0; n < 100000; n++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t len = (size_t)(r >> 33) % sizeof buf;
        for (size_t i = 0; i < len; i++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[i] = alpha[(r >> 33) % (sizeof alpha - 1)];
        }
        const char *o;
        size_t ol;
        if (tocsin_html_to_text(g_norm, buf, len, &o, &ol, NULL) != TOCSIN_OK || ol > len ||
            strlen(o) > ol)
            bad++;
    }
    CHECK_INT(bad, 0);
}

static void test_arguments(void)
{
    const char *o;
    size_t ol;
    tocsin_error err;
    CHECK_INT(tocsin_html_to_text(g_norm, NULL, 0, &o, &ol, &err), TOCSIN_OK);
    CHECK_STRN(o, ol, "");
    CHECK_INT(tocsin_html_to_text(g_norm, NULL, 5, &o, &ol, &err), TOCSIN_ERR_USAGE);
    CHECK(strstr(err.message, "NULL") != NULL);
}

int main(void)
{
    tocsin_error err;
    if (tocsin_norm_new(&g_norm, &err) != TOCSIN_OK) {
        fprintf(stderr, "tocsin_norm_new: %s\n", err.message);
        check_failed++;
        return check_summary();
    }
    test_case_file();
    RUN(test_hostile);
    RUN(test_random_junk);
    RUN(test_arguments);
    tocsin_norm_free(g_norm);
    return check_summary();
}
