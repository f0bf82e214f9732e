/* test_read_json.c: the JSON tree of json.h: navigation, exact big ids, and the lenient pass
 * (Telegram's \xHH, lone surrogates, invalid UTF-8, integers beyond uint64). */
#include "check.h"
#include "read/json.h"

static tj_doc *d;

static tj_val parse(const char *s, bool *rep, size_t *bad)
{
    tj_val root = 0;
    char why[100] = "";
    bool r = false;
    size_t b = 0;
    tocsin_status st = tj_parse(d, s, strlen(s), &root, &r, &b, why, sizeof why);
    if (st != TOCSIN_OK)
        fprintf(stderr, "  parse failed: %s\n", why);
    CHECK_INT(st, TOCSIN_OK);
    if (rep)
        *rep = r;
    if (bad)
        *bad = b;
    return root;
}

static void test_navigation(void)
{
    bool rep;
    tj_val r = parse("{\"user\":{\"screen_name\":\"ana\",\"n\":[1,2,3]},\"t\":true,\"z\":null}",
                     &rep, NULL);
    CHECK(!rep);
    CHECK_INT(tj_type_of(d, r), TJ_OBJECT);
    tocsin_strv s;
    CHECK(tj_str(d, tj_path(d, r, "user.screen_name"), &s));
    CHECK_STRN(s.ptr, s.len, "ana");
    int64_t i;
    CHECK(tj_int(d, tj_path(d, r, "user.n.1"), &i));
    CHECK_INT(i, 2);
    CHECK_INT(tj_path(d, r, "user.n.3"), 0);
    CHECK_INT(tj_path(d, r, "user.missing"), 0);
    CHECK_INT(tj_get(d, tj_get(d, r, "t"), "x"), 0);
    bool b = false;
    CHECK(tj_bool(d, tj_get(d, r, "t"), &b) && b);
    CHECK_INT(tj_type_of(d, tj_get(d, r, "z")), TJ_NULL);
    CHECK_INT(tj_type_of(d, 0), TJ_MISSING);
    CHECK_INT(tj_type_of(d, 99999), TJ_MISSING);
    tj_val first;
    size_t n = tj_children(d, r, &first);
    CHECK_INT(n, 3);
    tocsin_strv k = tj_key(d, first + 1);
    CHECK_STRN(k.ptr, k.len, "t");
    n = tj_children(d, tj_path(d, r, "user.n"), &first);
    CHECK_INT(n, 3);
    CHECK(tj_int(d, first + 2, &i) && i == 3);
    CHECK(tj_key(d, first).ptr == NULL);
}

static void test_numbers(void)
{
    bool rep;
    tj_val r = parse("{\"id\":1234567890123456789,\"u\":18446744073709551615,\"neg\":-5,"
                     "\"f\":0.1,\"e\":1e3,\"s\":\"x\"}",
                     &rep, NULL);
    CHECK(!rep);
    tocsin_strv t;
    CHECK(tj_text(d, tj_get(d, r, "id"), &t));
    CHECK_STRN(t.ptr, t.len, "1234567890123456789");
    CHECK_INT(tj_type_of(d, tj_get(d, r, "u")), TJ_UINT);
    CHECK(tj_text(d, tj_get(d, r, "u"), &t));
    CHECK_STRN(t.ptr, t.len, "18446744073709551615");
    uint64_t u;
    CHECK(tj_uint(d, tj_get(d, r, "u"), &u) && u == UINT64_MAX);
    CHECK(tj_text(d, tj_get(d, r, "neg"), &t));
    CHECK_STRN(t.ptr, t.len, "-5");
    CHECK(tj_text(d, tj_get(d, r, "f"), &t));
    CHECK_STRN(t.ptr, t.len, "0.1");
    CHECK(tj_text(d, tj_get(d, r, "e"), &t));
    CHECK_STRN(t.ptr, t.len, "1000");
    double x;
    CHECK(tj_double(d, tj_get(d, r, "neg"), &x) && x == -5.0);
    CHECK(!tj_text(d, 0, &t));
    /* beyond uint64: simdjson refuses it, the lenient pass keeps the exact digits */
    r = parse("{\"big\":123456789012345678901234567890,\"ok\":[18446744073709551616]}", &rep,
              NULL);
    CHECK(rep);
    CHECK(tj_text(d, tj_get(d, r, "big"), &t));
    CHECK_STRN(t.ptr, t.len, "123456789012345678901234567890");
    CHECK(tj_text(d, tj_path(d, r, "ok.0"), &t));
    CHECK_STRN(t.ptr, t.len, "18446744073709551616");
}

static void test_telegram_x_escape(void)
{
    bool rep;
    tj_val r = parse("{\"text\":\"a\\x01b\\x1F\",\"n\":\"\\u2028\"}", &rep, NULL);
    CHECK(rep);
    tocsin_strv s;
    CHECK(tj_str(d, tj_get(d, r, "text"), &s));
    CHECK_STRN(s.ptr, s.len, "a\x01" "b\x1f");
    CHECK(tj_str(d, tj_get(d, r, "n"), &s));
    CHECK_STRN(s.ptr, s.len, "\xE2\x80\xA8");
}

static void test_surrogates(void)
{
    bool rep;
    tj_val r = parse("{\"ok\":\"\\ud83c\\udf84\",\"lone\":\"a\\ud800b\",\"low\":\"\\udc00\","
                     "\"end\":\"x\\ud83c\"}",
                     &rep, NULL);
    CHECK(rep);
    tocsin_strv s;
    CHECK(tj_str(d, tj_get(d, r, "ok"), &s));
    CHECK_STRN(s.ptr, s.len, "\xF0\x9F\x8E\x84");
    CHECK(tj_str(d, tj_get(d, r, "lone"), &s));
    CHECK_STRN(s.ptr, s.len, "a\xEF\xBF\xBD" "b");
    CHECK(tj_str(d, tj_get(d, r, "low"), &s));
    CHECK_STRN(s.ptr, s.len, "\xEF\xBF\xBD");
    CHECK(tj_str(d, tj_get(d, r, "end"), &s));
    CHECK_STRN(s.ptr, s.len, "x\xEF\xBF\xBD");
}

static void test_bad_utf8(void)
{
    bool rep;
    size_t bad;
    tj_val r = parse("{\"t\":\"caf\xE9 \xFF\xFE ok \xD8\xA7\",\"raw\":\"tab\there\"}", &rep, &bad);
    CHECK(rep);
    CHECK_INT(bad, 3);
    tocsin_strv s;
    CHECK(tj_str(d, tj_get(d, r, "t"), &s));
    CHECK_STRN(s.ptr, s.len, "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD ok \xD8\xA7");
    CHECK(tj_str(d, tj_get(d, r, "raw"), &s));
    CHECK_STRN(s.ptr, s.len, "tab\there");
    /* overlong and surrogate encodings are invalid too */
    r = parse("[\"\xC0\xAF\",\"\xED\xA0\x80\"]", &rep, &bad);
    CHECK(rep);
    CHECK_INT(bad, 5);
}

static void test_invalid(void)
{
    const char *bad[] = {"{\"a\":}", "{\"a\":1", "", "[1,2", "{\"a\" 1}", "\"\\q\"", "nul",
                         "{\"a\":1}}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tj_val r;
        bool rep;
        size_t b;
        char why[100] = "";
        CHECK_INT(tj_parse(d, bad[i], strlen(bad[i]), &r, &rep, &b, why, sizeof why),
                  TOCSIN_ERR_PARSE);
        CHECK(why[0] != '\0');
    }
}

static void test_padded_and_reuse(void)
{
    char buf[256];
    memset(buf, ' ', sizeof buf);
    memcpy(buf, "{\"k\":\"v\"}", 9);
    tj_val r;
    bool rep;
    size_t b;
    CHECK_INT(tj_parse_padded(d, buf, 9, &r, &rep, &b, NULL, 0), TOCSIN_OK);
    tocsin_strv s;
    CHECK(tj_str(d, tj_get(d, r, "k"), &s));
    CHECK_STRN(s.ptr, s.len, "v");
    /* many parses on one document: handles reset each time */
    for (int i = 0; i < 1000; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "{\"i\":%d,\"s\":\"x%d\"}", i, i);
        CHECK_INT(tj_parse(d, line, (size_t)n, &r, &rep, &b, NULL, 0), TOCSIN_OK);
        int64_t v = -1;
        tj_int(d, tj_get(d, r, "i"), &v);
        if (v != i) {
            CHECK_INT(v, i);
            break;
        }
    }
}

int main(void)
{
    d = tj_doc_new();
    RUN(test_navigation);
    RUN(test_numbers);
    RUN(test_telegram_x_escape);
    RUN(test_surrogates);
    RUN(test_bad_utf8);
    RUN(test_invalid);
    RUN(test_padded_and_reuse);
    tj_doc_free(d);
    return check_summary();
}
