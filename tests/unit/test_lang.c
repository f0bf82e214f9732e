/* test_lang.c: unit tests of language identification: the noise stripper, the script router,
 * the Arabic-script "ku" -> "ckb" mapping, abstention, the cache, --lang-source, model-file
 * errors, and verdicts on held-out UDHR sentences (tests/data/lang). */
#include "check.h"
#include "lang/lang_internal.h"
#include "tocsin.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>

static tocsin_langid *the_id;

static tocsin_lang_result detect(tocsin_lang_state *st, const char *text)
{
    tocsin_lang_result r;
    memset(&r, 0xAA, sizeof r);
    CHECK_INT(tocsin_lang_detect(st, text, strlen(text), &r), TOCSIN_OK);
    return r;
}

static tocsin_lang_state *new_state(const tocsin_langid *id)
{
    tocsin_lang_state *st = NULL;
    tocsin_error err;
    CHECK_INT(tocsin_lang_state_new(id, &st, &err), TOCSIN_OK);
    return st;
}

/* --- noise stripper -------------------------------------------------------------------------- */

static void clean_check(const char *in, const char *want_text, const char *want_cps)
{
    lang_clean c;
    lang_clean_init(&c);
    CHECK_INT(lang_clean_run(&c, in, strlen(in), 1000), TOCSIN_OK);
    if (strcmp(c.text, want_text)) {
        check_cur_failed = 1;
        fprintf(stderr, "  clean(\"%s\") text = \"%s\", expected \"%s\"\n", in, c.text, want_text);
    }
    if (want_cps) {
        char buf[512];
        size_t n = 0;
        for (size_t i = 0; i < c.n_cps && n + 4 < sizeof buf; i++)
            n += tc_utf8_encode(c.cps[i], buf + n);
        buf[n] = '\0';
        if (strcmp(buf, want_cps)) {
            check_cur_failed = 1;
            fprintf(stderr, "  clean(\"%s\") model view = \"%s\", expected \"%s\"\n", in, buf,
                    want_cps);
        }
    }
    lang_clean_free(&c);
}

static void test_clean_urls(void)
{
    clean_check("see https://example.com/a?b=1 now", "see now", " see now ");
    clean_check("read www.Example.org/x today", "read today", NULL);
    clean_check("join t.me/somechannel please", "join please", NULL);
    clean_check("(example.com) mail me: a.b@mail.example.net", "mail me:", " mail me ");
    clean_check("ftp://host/file", "", " ");
    /* a sentence ending with a dot is not a domain */
    clean_check("This is the end.Really", "This is the end.Really", NULL);
}

static void test_clean_mentions_hashtags(void)
{
    clean_check("@user_42 hello @Bob.Smith!", "hello !", " hello ");
    clean_check("#FreeSpeech_now rocks", "Free Speech now rocks", " free speech now rocks ");
    clean_check("#حرية_التعبير", "حرية التعبير", " حرية التعبير ");
    clean_check("price#1 and C#", "price and C", NULL); /* '#' inside a word is not a hashtag */
    clean_check("Ｈｅｌｌｏ ＃ｔａｇ", "Ｈｅｌｌｏ ｔａｇ", NULL);
}

static void test_clean_emoji_digits(void)
{
    clean_check("I love it \xF0\x9F\x98\x82\xF0\x9F\x94\xA5 100%", "I love it", " i love it ");
    clean_check("1\xEF\xB8\x8F\xE2\x83\xA3 go", "go", " go "); /* keycap 1 */
    clean_check("e\xCC\x81t\xC3\xA9", "e\xCC\x81t\xC3\xA9", " e\xCC\x81t\xC3\xA9 "); /* a combining accent stays */
    clean_check("l'homme 2021", "l'homme", " l homme ");
    clean_check("\xE2\x9D\xA4\xEF\xB8\x8F\xF0\x9F\x87\xBA\xF0\x9F\x87\xB8 123 456", "", " ");
    /* invalid UTF-8 is dropped, not a crash */
    clean_check("ab\xFF\xFE" "cd", "ab cd", " ab cd ");
}

/* Arabic vowel marks and tatweel stay in the text (CLD2 reads it) but not in the model's view
 * or the letter count; other marks (a combining hamza, a Latin accent) stay in both. */
static void test_clean_arabic_marks(void)
{
    clean_check("\xD8\xAD\xD9\x8F\xD9\x82\xD9\x8F\xD9\x88\xD9\x82", /* حُقُوق */
                "\xD8\xAD\xD9\x8F\xD9\x82\xD9\x8F\xD9\x88\xD9\x82",
                " \xD8\xAD\xD9\x82\xD9\x88\xD9\x82 ");
    clean_check("\xD9\x88\xD9\x84\xD8\xA7\xD9\x8A\xD9\x80\xD9\x80\xD9\x80\xD8\xA9", /* ولايـــة */
                "\xD9\x88\xD9\x84\xD8\xA7\xD9\x8A\xD9\x80\xD9\x80\xD9\x80\xD8\xA9",
                " \xD9\x88\xD9\x84\xD8\xA7\xD9\x8A\xD8\xA9 ");
    clean_check("\xDB\x81\xD9\x94", "\xDB\x81\xD9\x94", " \xDB\x81\xD9\x94 "); /* ہ + hamza above */
    lang_clean c;
    lang_clean_init(&c);
    const char *v = "\xD8\xAD\xD9\x8F\xD9\x82\xD9\x8F\xD9\x88\xD9\x82\xD9\x80";
    CHECK_INT(lang_clean_run(&c, v, strlen(v), 1000), TOCSIN_OK);
    CHECK_INT(c.letters, 4);
    lang_clean_free(&c);
    /* a fully vowelled Arabic sentence is decided by the model, as its bare letters are */
    tocsin_lang_state *st = new_state(the_id);
    tocsin_lang_result a = detect(st, "\xD9\x84\xD9\x90\xD9\x83\xD9\x8F\xD9\x84\xD9\x91\xD9\x90 "
                                      "\xD8\xB4\xD9\x8E\xD8\xAE\xD9\x92\xD8\xB5\xD9\x8D "
                                      "\xD8\xA7\xD9\x84\xD9\x92\xD8\xAD\xD9\x8E\xD9\x82\xD9\x91\xD9\x8F "
                                      "\xD9\x81\xD9\x90\xD9\x8A \xD8\xA7\xD9\x84\xD9\x92\xD8\xAA\xD9\x91\xD9\x8E"
                                      "\xD8\xB9\xD9\x92\xD9\x84\xD9\x90\xD9\x8A\xD9\x85\xD9\x90");
    tocsin_lang_result b = detect(st, "\xD9\x84\xD9\x83\xD9\x84 \xD8\xB4\xD8\xAE\xD8\xB5 "
                                      "\xD8\xA7\xD9\x84\xD8\xAD\xD9\x82 \xD9\x81\xD9\x8A "
                                      "\xD8\xA7\xD9\x84\xD8\xAA\xD8\xB9\xD9\x84\xD9\x8A\xD9\x85");
    CHECK_STR(a.lang, "ar");
    CHECK_STR(a.lang, b.lang);
    CHECK_STR(a.method, b.method);
    CHECK_INT((long)a.letters, (long)b.letters);
    tocsin_lang_state_free(st);
}

static void test_clean_bounded(void)
{
    lang_clean c;
    lang_clean_init(&c);
    char big[4000];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (i % 6 == 5) ? ' ' : 'a';
    big[sizeof big - 1] = '\0';
    CHECK_INT(lang_clean_run(&c, big, strlen(big), 100), TOCSIN_OK);
    CHECK(c.letters >= 100 && c.letters <= 105); /* stops at the word boundary after 100 */
    lang_clean_free(&c);
}

/* --- script router -------------------------------------------------------------------------- */

static void test_script_of(void)
{
    CHECK_INT(lang_script_of('a'), LSCRIPT_LATN);
    CHECK_INT(lang_script_of(0x00E9), LSCRIPT_LATN);     /* é */
    CHECK_INT(lang_script_of(0x0416), LSCRIPT_CYRL);     /* Ж */
    CHECK_INT(lang_script_of(0x0628), LSCRIPT_ARAB);     /* ب */
    CHECK_INT(lang_script_of(0x06D5), LSCRIPT_ARAB);     /* ە */
    CHECK_INT(lang_script_of(0xFEFB), LSCRIPT_ARAB);     /* presentation form */
    CHECK_INT(lang_script_of(0x0915), LSCRIPT_DEVA);
    CHECK_INT(lang_script_of(0x0995), LSCRIPT_BENG);
    CHECK_INT(lang_script_of(0xAC00), LSCRIPT_HANG);
    CHECK_INT(lang_script_of(0x3042), LSCRIPT_KANA);
    CHECK_INT(lang_script_of(0x4E2D), LSCRIPT_HAN);
    CHECK_INT(lang_script_of(0x0E01), LSCRIPT_THAI);
    CHECK_INT(lang_script_of(0x05D0), LSCRIPT_HEBR);
    CHECK_INT(lang_script_of(0x03B1), LSCRIPT_GREK);
    CHECK_INT(lang_script_of('1'), LSCRIPT_NONE);
    CHECK_STR(lang_script_code(LSCRIPT_ARAB), "Arab");
    CHECK_INT(lang_script_from_code("latn"), LSCRIPT_LATN);
    CHECK_INT(lang_script_from_code("Nope"), LSCRIPT_NONE);
}

static void test_script_decides(void)
{
    static const struct {
        const char *text, *lang, *script;
    } cases[] = {
        {"안녕하세요 여러분 반갑습니다", "ko", "Hang"},
        {"今日はとても良い天気ですね", "ja", "Kana"},
        {"我们今天去北京看朋友", "zh", "Hani"},
        {"Καλημέρα σε όλους τους φίλους", "el", "Grek"},
        {"שלום לכולם ותודה רבה", "he", "Hebr"},
        {"דאָס איז אַ ייִדישער טעקסט װעגן ײַנגלעך", "yi", "Hebr"},
        {"สวัสดีครับ ยินดีต้อนรับ", "th", "Thai"},
        {"გამარჯობა ყველას", "ka", "Geor"},
        {"வணக்கம் நண்பர்களே", "ta", "Taml"},
    };
    tocsin_lang_state *st = new_state(the_id);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tocsin_lang_result r = detect(st, cases[i].text);
        CHECK_STR(r.lang, cases[i].lang);
        CHECK_STR(r.script, cases[i].script);
        CHECK_STR(r.method, "script");
        CHECK(r.confidence > 0.9 && r.confidence <= 1.0);
    }
    tocsin_lang_state_free(st);
}

static void test_mixed_scripts(void)
{
    tocsin_lang_state *st = new_state(the_id);
    /* half the letters are a Latin-script name: the post is still Persian */
    tocsin_lang_result r = detect(st, "سفر به Khorasan Razavi برای زیارت");
    CHECK_STR(r.lang, "fa");
    CHECK_STR(r.script, "Arab");
    CHECK(r.confidence >= 0.5);
    r = detect(st, "Путин встретился с Erdogan в Стамбуле");
    CHECK_STR(r.lang, "ru");
    r = detect(st, "서울에서 BTS concert 티켓 판매 시작");
    CHECK_STR(r.lang, "ko");
    /* a few Cyrillic letters in a Latin-script post do not make it Russian */
    r = detect(st, "The meeting in Москва was postponed until further notice");
    CHECK_STR(r.lang, "en");
    /* out of the model's domain (UDHR vocabulary): the model is unsure, CLD2 decides */
    r = detect(st, "Queues at Abbey Gate again");
    CHECK_STR(r.lang, "en");
    tocsin_lang_state_free(st);
}

/* --- ku -> ckb ------------------------------------------------------------------------------ */

static void test_sorani_is_ckb(void)
{
    tocsin_lang_state *st = new_state(the_id);
    /* Sorani (Central Kurdish) in Arabic letters: CLD2 says "ku", tocsin says "ckb" */
    tocsin_lang_result r = detect(st, "سڵاو لە هەموو لایەک، ئەمڕۆ ڕۆژێکی زۆر خۆشە بۆ هەمووان");
    CHECK_STR(r.lang, "ckb");
    CHECK_STR(r.script, "Arab");
    /* Sorani without ڵ ڕ ێ: its ە and ۆ are Uyghur letters too, but no Uyghur vowel letter
     * (ۇ ې ى ۈ) appears, so the model's "ug" is not trusted and CLD2 says Kurdish */
    r = detect(st, "ئەم شارە زۆر جوانە");
    CHECK_STR(r.lang, "ckb");
    r = detect(st, "ئەوان لە کوردستان دەژین");
    CHECK_STR(r.lang, "ckb");
    /* while real Uyghur stays Uyghur */
    r = detect(st, "ھەممە ئادەم تۇغۇلۇشىدىنلا ئەركىن");
    CHECK_STR(r.lang, "ug");
    /* Kurdish in Latin letters (Kurmanji) is never "ckb" (CLD2 itself reads this sentence as
     * Azerbaijani: the mapping only concerns Arabic letters) */
    r = detect(st, "Hemû mirov azad û di weqar û mafan de wekhev tên dinyayê");
    CHECK(strcmp(r.lang, "ckb") != 0);
    tocsin_lang_state_free(st);
    char buf[12];
    CHECK(tocsin_lang_tag_normalize(tc_strv("ku-Arab", 7), NULL, buf, sizeof buf));
    CHECK_STR(buf, "ckb");
    CHECK(tocsin_lang_tag_normalize(tc_strv("ku", 2), "Arab", buf, sizeof buf));
    CHECK_STR(buf, "ckb");
    CHECK(tocsin_lang_tag_normalize(tc_strv("ku", 2), "Latn", buf, sizeof buf));
    CHECK_STR(buf, "ku");
}

static void test_cld2_mode_maps_ku(void)
{
    tocsin_langid_opts o;
    tocsin_langid_opts_init(&o);
    o.mode = TOCSIN_LANG_CLD2_ONLY;
    tocsin_langid *id;
    tocsin_error err;
    CHECK_INT(tocsin_langid_new(&o, &id, &err), TOCSIN_OK);
    tocsin_lang_state *st = new_state(id);
    tocsin_lang_result r = detect(st, "سڵاو لە هەموو لایەک، ئەمڕۆ ڕۆژێکی زۆر خۆشە بۆ هەمووان");
    CHECK_STR(r.lang, "ckb");
    CHECK_STR(r.method, "cld2");
    tocsin_lang_state_free(st);
    tocsin_langid_free(id);
}

/* --- abstention ----------------------------------------------------------------------------- */

static void test_abstain(void)
{
    tocsin_lang_state *st = new_state(the_id);
    static const char *const few[] = {"", "ok", "123 456 \xF0\x9F\x98\x82", "@someone https://x.y/z",
                                      "#a 1", "...!!!", "\xFF\xFE\xFD"};
    for (size_t i = 0; i < sizeof few / sizeof few[0]; i++) {
        tocsin_lang_result r = detect(st, few[i]);
        CHECK_STR(r.lang, "und");
        CHECK(r.confidence >= 0 && r.confidence <= 1);
    }
    tocsin_lang_state_free(st);

    /* a high threshold turns a verdict into "und" and keeps the candidate */
    tocsin_langid_opts o;
    tocsin_langid_opts_init(&o);
    o.min_confidence = 1.0;
    tocsin_langid *id;
    tocsin_error err;
    CHECK_INT(tocsin_langid_new(&o, &id, &err), TOCSIN_OK);
    st = new_state(id);
    tocsin_lang_result r = detect(st, "the house is red and blue");
    CHECK_STR(r.lang, "und");
    CHECK(r.candidate[0] != '\0');
    tocsin_lang_state_free(st);
    tocsin_langid_free(id);

    o.min_confidence = 1.5;
    CHECK_INT(tocsin_langid_new(&o, &id, &err), TOCSIN_ERR_USAGE);
    CHECK_INT(tocsin_lang_detect(NULL, "x", 1, &r), TOCSIN_ERR_USAGE);
}

/* --- held-out sentences ---------------------------------------------------------------------- */

static int same_lang(const char *gold, const char *got)
{
    if (!strcmp(gold, got))
        return 1;
    return (!strcmp(gold, "id") || !strcmp(gold, "ms")) && (!strcmp(got, "id") || !strcmp(got, "ms"));
}

static void test_udhr_sentences(void)
{
    FILE *f = fopen("tests/data/lang/udhr-sentences.tsv", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    tocsin_lang_state *st = new_state(the_id);
    char line[4096];
    int n = 0, ok = 0, ok_noisy = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        const char *gold = line, *text = tab + 1;
        tocsin_lang_result r = detect(st, text);
        n++;
        if (same_lang(gold, r.lang))
            ok++;
        else
            fprintf(stderr, "  udhr: %s read as %s (%s): %s\n", gold, r.lang, r.method, text);
        char noisy[4400];
        snprintf(noisy, sizeof noisy, "@news_24 \xF0\x9F\x94\xA5 %s https://t.me/c/123 2024", text);
        r = detect(st, noisy);
        ok_noisy += same_lang(gold, r.lang);
    }
    fclose(f);
    tocsin_lang_state_free(st);
    CHECK_INT(n, 48);
    CHECK_INT(ok, n);       /* sentences of 40-140 characters: all right */
    CHECK_INT(ok_noisy, n); /* and the same with noise around them */
}

/* --- cache, stats --------------------------------------------------------------------------- */

static void test_cache(void)
{
    tocsin_lang_state *st = new_state(the_id);
    const char *t = "Das ist ein kurzer deutscher Satz über das Wetter";
    tocsin_lang_result a = detect(st, t), b = detect(st, t);
    CHECK(!a.cached);
    CHECK(b.cached);
    CHECK_STR(a.lang, "de");
    CHECK_STR(b.lang, a.lang);
    CHECK(a.confidence == b.confidence);
    tocsin_lang_stats s;
    tocsin_lang_state_stats(st, &s);
    CHECK_INT(s.texts, 2);
    CHECK_INT(s.cache_hits, 1);
    tocsin_lang_state_free(st);

    tocsin_langid_opts o;
    tocsin_langid_opts_init(&o);
    o.cache_slots = SIZE_MAX;
    tocsin_langid *id;
    tocsin_error err;
    CHECK_INT(tocsin_langid_new(&o, &id, &err), TOCSIN_OK);
    st = new_state(id);
    a = detect(st, t);
    b = detect(st, t);
    CHECK(!b.cached);
    CHECK_STR(b.lang, "de");
    tocsin_lang_state_free(st);
    tocsin_langid_free(id);
}

/* --- lang-source ---------------------------------------------------------------------------- */

static void test_lang_source(void)
{
    tocsin_lang_source src;
    CHECK_INT(tocsin_lang_source_parse("both", &src), TOCSIN_OK);
    CHECK_INT(src, TOCSIN_LANG_SOURCE_BOTH);
    CHECK_INT(tocsin_lang_source_parse("guess", &src), TOCSIN_ERR_USAGE);

    char buf[12];
    CHECK(tocsin_lang_tag_normalize(tc_strv("en-US", 5), NULL, buf, sizeof buf));
    CHECK_STR(buf, "en");
    CHECK(tocsin_lang_tag_normalize(tc_strv("PT_br", 5), NULL, buf, sizeof buf));
    CHECK_STR(buf, "pt");
    CHECK(tocsin_lang_tag_normalize(tc_strv("fas", 3), NULL, buf, sizeof buf));
    CHECK_STR(buf, "fa");
    CHECK(tocsin_lang_tag_normalize(tc_strv("prs", 3), NULL, buf, sizeof buf));
    CHECK_STR(buf, "fa"); /* Dari is reported as Persian */
    CHECK(tocsin_lang_tag_normalize(tc_strv("in", 2), NULL, buf, sizeof buf));
    CHECK_STR(buf, "id");
    CHECK(!tocsin_lang_tag_normalize(tc_strv("und", 3), NULL, buf, sizeof buf));
    CHECK(!tocsin_lang_tag_normalize(tc_strv("qme", 3), NULL, buf, sizeof buf));
    CHECK(!tocsin_lang_tag_normalize(tc_strv("", 0), NULL, buf, sizeof buf));
    CHECK(!tocsin_lang_tag_normalize(tc_strv("english", 7), NULL, buf, sizeof buf));

    tocsin_lang_state *st = new_state(the_id);
    tocsin_lang_result ar = detect(st, "لكل فرد الحق في الحياة والحرية وسلامة شخصه");
    CHECK_STR(ar.lang, "ar");
    /* detect: the detector, whatever the tag */
    CHECK(!tocsin_lang_choose(TOCSIN_LANG_SOURCE_DETECT, tc_strv("fa", 2), &ar, buf, sizeof buf));
    CHECK_STR(buf, "ar");
    /* input: the tag, or und */
    CHECK(tocsin_lang_choose(TOCSIN_LANG_SOURCE_INPUT, tc_strv("fa", 2), &ar, buf, sizeof buf));
    CHECK_STR(buf, "fa");
    CHECK(!tocsin_lang_choose(TOCSIN_LANG_SOURCE_INPUT, tc_strv(NULL, 0), &ar, buf, sizeof buf));
    CHECK_STR(buf, "und");
    /* both: a plausible tag wins (Persian is written in Arabic letters)... */
    CHECK(tocsin_lang_choose(TOCSIN_LANG_SOURCE_BOTH, tc_strv("fa", 2), &ar, buf, sizeof buf));
    CHECK_STR(buf, "fa");
    /* ...an implausible one does not (English in Arabic letters)... */
    CHECK(!tocsin_lang_choose(TOCSIN_LANG_SOURCE_BOTH, tc_strv("en", 2), &ar, buf, sizeof buf));
    CHECK_STR(buf, "ar");
    /* ...and no tag means the detector */
    CHECK(!tocsin_lang_choose(TOCSIN_LANG_SOURCE_BOTH, tc_strv("und", 3), &ar, buf, sizeof buf));
    CHECK_STR(buf, "ar");
    /* too little text to judge: the tag is all there is */
    tocsin_lang_result none = detect(st, "ok");
    CHECK(tocsin_lang_choose(TOCSIN_LANG_SOURCE_BOTH, tc_strv("de", 2), &none, buf, sizeof buf));
    CHECK_STR(buf, "de");
    tocsin_lang_state_free(st);
}

/* --- model files ---------------------------------------------------------------------------- */

static void model_error(const char *text, const char *want_part, uint64_t want_line)
{
    lang_model *m = NULL;
    tocsin_error err;
    tocsin_error_clear(&err);
    CHECK_INT(lang_model_parse(text, strlen(text), "t.model", &m, &err), TOCSIN_ERR_LANG);
    CHECK(m == NULL);
    CHECK_STR(err.file, "t.model");
    CHECK_INT(err.line, want_line);
    if (!strstr(err.message, want_part)) {
        check_cur_failed = 1;
        fprintf(stderr, "  model error \"%s\" lacks \"%s\"\n", err.message, want_part);
    }
}

static void test_model_errors(void)
{
    model_error("hello\n", "not a tocsin n-gram model", 1);
    model_error("tocsin-lang-ngram 1\nscale 16\nfrobnicate 3\n", "unknown directive", 3);
    model_error("tocsin-lang-ngram 1\nscale 16\ngroup Latn\nlangs en fr\nunk 1 5\n", "bad unk", 5);
    model_error("tocsin-lang-ngram 1\nscale 16\ngroup Latn\nlangs en fr\nunk 1 5 6\ng ab 0"
                "05z05\nend\n", "language index", 6);
    model_error("tocsin-lang-ngram 1\nscale 16\ngroup Latn\nlangs en fr\ntrust de\n", "not in langs", 5);
    model_error("tocsin-lang-ngram 1\nscale 16\ngroup Xxxx\n", "unknown or repeated script", 3);
    model_error("tocsin-lang-ngram 1\nscale 16\ngroup Latn\nlangs en fr\nunk 1 5 6\ng a 005\n",
                "incomplete model", 6);

    /* a small valid model: "a" says en, "b" says fr */
    const char *ok = "tocsin-lang-ngram 1\nscale 16\ntemper 1\ntrust_p 0.5\ngroup Latn\n"
                     "langs en fr\ntrust en fr\nunk 1 100 100\nunk 2 100 100\ng a 01g\ng b 11g\n"
                     "end\n";
    lang_model *m = NULL;
    tocsin_error err;
    CHECK_INT(lang_model_parse(ok, strlen(ok), "ok.model", &m, &err), TOCSIN_OK);
    CHECK(lang_model_has_script(m, LSCRIPT_LATN));
    CHECK(!lang_model_has_script(m, LSCRIPT_ARAB));
    lang_model_scratch scr = {0};
    lang_model_verdict v;
    const uint32_t aaa[] = {' ', 'a', 'a', 'b', ' '};
    CHECK(lang_model_score(m, LSCRIPT_LATN, aaa, 5, 100, &scr, &v));
    CHECK_STR(v.lang, "en");
    CHECK_STR(v.runner_up, "fr");
    CHECK(v.p > 0.5 && v.p <= 1);
    CHECK(!v.unseen_letter);
    const uint32_t xyz[] = {' ', 'a', 'z', ' '};
    CHECK(lang_model_score(m, LSCRIPT_LATN, xyz, 4, 100, &scr, &v));
    CHECK(v.unseen_letter); /* 'z' was never seen in training */
    lang_model_scratch_free(&scr);
    lang_model_free(m);

    /* every order adds its gains, whether it sits in the direct tables (1, 2) or is hashed
     * (3, 4): en gains 16 + 48 + 1 + 1, fr 32 + 16 + 1 + 1, so en leads by 16 units = 1 bit and
     * p(en) = 1 / (1 + 2^-1) */
    const char *orders = "tocsin-lang-ngram 1\nscale 16\ntemper 1\ngroup Latn\nlangs en fr\n"
                         "unk 1 100 100\nunk 2 100 100\nunk 3 100 100\nunk 4 100 100\n"
                         "g a 00G\ng b 001101\ng c 001101\ng ab 10W\ng abc 00m\ng _abc 10G\n"
                         "end\n";
    CHECK_INT(lang_model_parse(orders, strlen(orders), "orders.model", &m, &err), TOCSIN_OK);
    const uint32_t abc[] = {' ', 'a', 'b', 'c', ' '};
    CHECK(lang_model_score(m, LSCRIPT_LATN, abc, 5, 100, &scr, &v));
    CHECK_STR(v.lang, "en");
    CHECK(!v.unseen_letter);
    CHECK(v.p > 0.666 && v.p < 0.668);
    const uint32_t acb[] = {' ', 'a', 'c', 'b', ' '}; /* only the unigrams: en by 16 - 0 */
    CHECK(lang_model_score(m, LSCRIPT_LATN, acb, 5, 100, &scr, &v));
    CHECK_STR(v.lang, "en");
    CHECK(v.p > 0.666 && v.p < 0.668);
    lang_model_scratch_free(&scr);
    lang_model_free(m);
    model_error("tocsin-lang-ngram 1\nscale 16\ngroup Latn\nlangs en fr\nunk 1 5 6\n"
                "g a\xF0\x9F\x98\x80 005\nend\n", "Basic Multilingual Plane", 6);
    model_error("tocsin-lang-ngram 1\nscale 16\ngroup Latn\nlangs en fr\nunk 1 5 6\n"
                "g ab 005\ng ab 105\nend\n", "duplicate", 8);
    model_error("tocsin-lang-ngram 1\nscale 16\ngroup Latn\nlangs en fr\nunk 1 5 6\n"
                "g abcd 005\ng abc 005\ng abcd 105\nend\n", "duplicate", 9);
    /* letter ids are one byte (two values reserved): 255 distinct letters in a group are
     * refused */
    char many[8192];
    size_t len = (size_t)snprintf(many, sizeof many,
                                  "tocsin-lang-ngram 1\nscale 16\ngroup Latn\nlangs en fr\n"
                                  "unk 1 5 6\n");
    for (uint32_t k = 0; k < 255; k++) {
        uint32_t cp = 0x100 + k; /* two-byte UTF-8 */
        len += (size_t)snprintf(many + len, sizeof many - len, "g %c%c 005\n",
                                (char)(0xC0 | cp >> 6), (char)(0x80 | (cp & 0x3F)));
    }
    snprintf(many + len, sizeof many - len, "end\n");
    model_error(many, "more than 253 letters", 261);

    tocsin_langid_opts o;
    tocsin_langid_opts_init(&o);
    o.model_path = "tests/data/lang/no-such-model.txt";
    tocsin_langid *id = NULL;
    CHECK_INT(tocsin_langid_new(&o, &id, &err), TOCSIN_ERR_LANG);
    CHECK(id == NULL);
    CHECK_STR(err.file, "tests/data/lang/no-such-model.txt");
}

/* The hashed n-gram table: 3000 4-grams over 16 letters (enough for some buckets to overflow
 * into their second one), each telling en or fr apart; every one is found, an absent one
 * finds nothing. Both scoring kernels (AVX2 where the CPU has it, portable). */
static void test_model_table(void)
{
    size_t cap = 200000, len = 0;
    char *text = malloc(cap);
    CHECK(text != NULL);
    if (!text)
        return;
    len += (size_t)snprintf(text + len, cap - len,
                            "tocsin-lang-ngram 1\nscale 16\ntemper 1\ngroup Latn\nlangs en fr\n"
                            "trust en fr\nunk 1 100 100\nunk 2 100 100\nunk 3 100 100\n"
                            "unk 4 100 100\n");
    for (char c = 'a'; c <= 'p'; c++)
        len += (size_t)snprintf(text + len, cap - len, "g %c 005105\n", c);
    static uint8_t chosen[65536];
    memset(chosen, 0, sizeof chosen);
    for (uint32_t k = 0; k < 3000; k++) {
        uint32_t v = (k * 7919u) & 0xFFFF;
        chosen[v] = (uint8_t)(1 + k % 2);
        len += (size_t)snprintf(text + len, cap - len, "g %c%c%c%c %d38\n", 'a' + (v & 15),
                                'a' + (v >> 4 & 15), 'a' + (v >> 8 & 15), 'a' + (v >> 12),
                                (int)(k % 2));
    }
    snprintf(text + len, cap - len, "end\n");
    lang_model *m = NULL;
    tocsin_error err;
    CHECK_INT(lang_model_parse(text, strlen(text), "table.model", &m, &err), TOCSIN_OK);
    free(text);
    if (!m)
        return;
    lang_model_scratch scr = {0};
    for (int avx2 = 1; avx2 >= 0; avx2--) {
        lang_model_use_avx2(m, avx2);
        int wrong = 0;
        for (uint32_t v = 0; v < 65536; v += 7) {
            const uint32_t cps[] = {' ', 'a' + (v & 15), 'a' + (v >> 4 & 15),
                                    'a' + (v >> 8 & 15), 'a' + (v >> 12), ' '};
            lang_model_verdict vd;
            CHECK(lang_model_score(m, LSCRIPT_LATN, cps, 6, 100, &scr, &vd));
            const char *want = chosen[v] == 2 ? "fr" : "en";
            double want_p = chosen[v] ? 1 / (1 + exp2(-200.0 / 16)) : 0.5;
            wrong += strcmp(vd.lang, want) || fabs(vd.p - want_p) > 1e-9;
        }
        CHECK_INT(wrong, 0);
    }
    lang_model_scratch_free(&scr);
    lang_model_free(m);
}

/* Both scoring kernels give the same verdicts, bit for bit, on real text of every group. */
static void test_model_kernels(void)
{
    lang_model *m = NULL;
    tocsin_error err;
    CHECK_INT(lang_model_parse(lang_builtin_model,
                               (size_t)(lang_builtin_model_end - lang_builtin_model), "built in",
                               &m, &err), TOCSIN_OK);
    FILE *f = fopen("tests/data/lang/udhr-sentences.tsv", "r");
    CHECK(f != NULL);
    if (!m || !f) {
        lang_model_free(m);
        if (f)
            fclose(f);
        return;
    }
    lang_clean c;
    lang_clean_init(&c);
    lang_model_scratch s1 = {0}, s2 = {0};
    char line[4096];
    int compared = 0, differ = 0;
    static const lang_script scripts[] = {LSCRIPT_LATN, LSCRIPT_CYRL, LSCRIPT_ARAB, LSCRIPT_DEVA};
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strchr(line, '\t'))
            continue;
        const char *t = strchr(line, '\t') + 1;
        size_t L = strcspn(t, "\n");
        for (size_t cut = 8; cut < L + 8; cut += 13) { /* prefixes: every chunk count */
            CHECK_INT(lang_clean_run(&c, t, cut < L ? cut : L, 1000), TOCSIN_OK);
            for (size_t k = 0; k < sizeof scripts / sizeof scripts[0]; k++) {
                lang_model_verdict v1, v2;
                lang_model_use_avx2(m, true);
                bool r1 = lang_model_score(m, scripts[k], c.cps, c.n_cps, 400, &s1, &v1);
                lang_model_use_avx2(m, false);
                bool r2 = lang_model_score(m, scripts[k], c.cps, c.n_cps, 400, &s2, &v2);
                compared++;
                differ += r1 != r2 ||
                          (r1 && (strcmp(v1.lang, v2.lang) || v1.p != v2.p ||
                                  v1.p_runner_up != v2.p_runner_up || v1.ngrams != v2.ngrams ||
                                  v1.unseen_letter != v2.unseen_letter ||
                                  v1.letter_new_to_best != v2.letter_new_to_best));
            }
        }
    }
    fclose(f);
    CHECK(compared > 1000);
    CHECK_INT(differ, 0);
    lang_clean_free(&c);
    lang_model_scratch_free(&s1);
    lang_model_scratch_free(&s2);
    lang_model_free(m);
}

/* --- robustness, threads -------------------------------------------------------------------- */

static void test_random_bytes(void)
{
    tocsin_lang_state *st = new_state(the_id);
    uint64_t x = 88172645463325252ull;
    char buf[300];
    for (int it = 0; it < 20000; it++) {
        size_t n = (size_t)(it % 300);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* bias towards UTF-8 lead/continuation bytes, '#', '@', ':' and '/' */
            static const char pick[] = "#@:/. a\xD8\xD9\xDA\xE0\xE4\xF0\x80\x81\xA7\xB1\x9F";
            buf[i] = (x & 1) ? (char)(x >> 8) : pick[(x >> 8) % (sizeof pick - 1)];
        }
        tocsin_lang_result r;
        CHECK_INT(tocsin_lang_detect(st, buf, n, &r), TOCSIN_OK);
        CHECK(strlen(r.lang) >= 2 && strlen(r.lang) < sizeof r.lang);
        CHECK(r.confidence >= 0 && r.confidence <= 1);
    }
    tocsin_lang_state_free(st);
}

static const char *const thread_texts[] = {
    "Toda persona tiene derecho a la vida, a la libertad y a la seguridad",
    "هر کس حق زندگی، آزادی و امنیت شخصی دارد",
    "Каждый человек имеет право на жизнь, на свободу",
    "Everyone has the right to life, liberty and security of person",
};
static const char *const thread_want[] = {"es", "fa", "ru", "en"};

static void *thread_main(void *arg)
{
    int *bad = arg;
    tocsin_lang_state *st = NULL;
    tocsin_error err;
    if (tocsin_lang_state_new(the_id, &st, &err) != TOCSIN_OK) {
        *bad = 1;
        return NULL;
    }
    for (int it = 0; it < 2000; it++) {
        int k = it % 4;
        tocsin_lang_result r;
        tocsin_lang_detect(st, thread_texts[k], strlen(thread_texts[k]), &r);
        if (strcmp(r.lang, thread_want[k]))
            *bad = 1;
    }
    tocsin_lang_state_free(st);
    return NULL;
}

static void test_threads(void)
{
    pthread_t t[4];
    int bad[4] = {0};
    for (int i = 0; i < 4; i++)
        CHECK_INT(pthread_create(&t[i], NULL, thread_main, &bad[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(bad[i], 0);
    }
}

int main(void)
{
    tocsin_error err;
    if (tocsin_langid_new(NULL, &the_id, &err) != TOCSIN_OK) {
        char b[1200];
        tocsin_error_format(&err, b, sizeof b);
        fprintf(stderr, "cannot make the identifier: %s\n", b);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_clean_urls);
    RUN(test_clean_mentions_hashtags);
    RUN(test_clean_emoji_digits);
    RUN(test_clean_arabic_marks);
    RUN(test_clean_bounded);
    RUN(test_script_of);
    RUN(test_script_decides);
    RUN(test_mixed_scripts);
    RUN(test_sorani_is_ckb);
    RUN(test_cld2_mode_maps_ku);
    RUN(test_abstain);
    RUN(test_udhr_sentences);
    RUN(test_cache);
    RUN(test_lang_source);
    RUN(test_model_errors);
    RUN(test_model_table);
    RUN(test_model_kernels);
    RUN(test_random_bytes);
    RUN(test_threads);
    tocsin_langid_free(the_id);
    return check_summary();
}
