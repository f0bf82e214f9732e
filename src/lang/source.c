/* source.c: where a post's language comes from (--lang-source detect|input|both): input tags
 * normalized to the detector's codes, and the plausibility test that decides, under "both",
 * whether the input's own tag is believed. */
#include "lang/lang_internal.h"

#include <string.h>
#include <strings.h>

#define S(x) (1ull << LSCRIPT_##x)

static const struct {
    const char *code;
    uint64_t scripts;
} lang_scripts[] = {
    {"en", S(LATN)}, {"fr", S(LATN)}, {"de", S(LATN)}, {"es", S(LATN)}, {"it", S(LATN)},
    {"pt", S(LATN)}, {"nl", S(LATN)}, {"tr", S(LATN)}, {"id", S(LATN)}, {"ms", S(LATN) | S(ARAB)},
    {"so", S(LATN)}, {"sw", S(LATN)}, {"ha", S(LATN) | S(ARAB)}, {"uz", S(LATN) | S(CYRL)},
    {"tg", S(CYRL)}, {"ru", S(CYRL)}, {"uk", S(CYRL)}, {"bg", S(CYRL)},
    {"sr", S(CYRL) | S(LATN)}, {"mk", S(CYRL)}, {"be", S(CYRL)}, {"kk", S(CYRL) | S(LATN)},
    {"ky", S(CYRL)}, {"mn", S(CYRL) | S(MONG)}, {"tt", S(CYRL)}, {"ba", S(CYRL)},
    {"ar", S(ARAB)}, {"fa", S(ARAB)}, {"ps", S(ARAB)}, {"ur", S(ARAB)}, {"ckb", S(ARAB)},
    {"ku", S(LATN) | S(ARAB)}, {"sd", S(ARAB) | S(DEVA)},
    {"pa", S(GURU) | S(ARAB)}, {"pnb", S(ARAB)}, {"ks", S(ARAB) | S(DEVA)},
    {"hi", S(DEVA)}, {"mr", S(DEVA)}, {"ne", S(DEVA)}, {"sa", S(DEVA)}, {"bn", S(BENG)},
    {"as", S(BENG)}, {"zh", S(HAN)}, {"ja", S(KANA) | S(HAN)}, {"ko", S(HANG) | S(HAN)},
    {"th", S(THAI)}, {"el", S(GREK)}, {"he", S(HEBR)}, {"yi", S(HEBR)}, {"hy", S(ARMN)},
    {"ka", S(GEOR)}, {"am", S(ETHI)}, {"ti", S(ETHI)}, {"ta", S(TAML)}, {"te", S(TELU)},
    {"kn", S(KNDA)}, {"ml", S(MLYM)}, {"si", S(SINH)}, {"gu", S(GUJR)}, {"or", S(ORYA)},
    {"my", S(MYMR)}, {"km", S(KHMR)}, {"lo", S(LAOO)}, {"bo", S(TIBT)}, {"dv", S(THAA)},
    {"syr", S(SYRC)}, {"chr", S(CHER)}, {"az", S(LATN) | S(CYRL) | S(ARAB)},
    {"pl", S(LATN)}, {"cs", S(LATN)}, {"sk", S(LATN)}, {"sl", S(LATN)}, {"hr", S(LATN)},
    {"bs", S(LATN) | S(CYRL)}, {"ro", S(LATN)}, {"hu", S(LATN)}, {"fi", S(LATN)},
    {"et", S(LATN)}, {"lv", S(LATN)}, {"lt", S(LATN)}, {"sv", S(LATN)}, {"da", S(LATN)},
    {"no", S(LATN)}, {"nb", S(LATN)}, {"nn", S(LATN)}, {"is", S(LATN)}, {"ga", S(LATN)},
    {"cy", S(LATN)}, {"eu", S(LATN)}, {"ca", S(LATN)}, {"gl", S(LATN)}, {"af", S(LATN)},
    {"sq", S(LATN)}, {"vi", S(LATN)}, {"tl", S(LATN)}, {"fil", S(LATN)}, {"jv", S(LATN)},
    {"su", S(LATN)}, {"ceb", S(LATN)}, {"mg", S(LATN)}, {"yo", S(LATN)}, {"ig", S(LATN)},
    {"zu", S(LATN)}, {"xh", S(LATN)}, {"lb", S(LATN)}, {"mt", S(LATN)}, {"eo", S(LATN)},
    {"la", S(LATN)}, {"tk", S(LATN) | S(CYRL)}, {"om", S(LATN)}, {"rw", S(LATN)},
    {"skr", S(ARAB)}, {"azb", S(ARAB)}, {"sah", S(CYRL)}, {"os", S(CYRL)}, {"mai", S(DEVA)},
    {"bho", S(DEVA)}, {"min", S(LATN)}, {"ast", S(LATN)}, {"ny", S(LATN)}, {"sn", S(LATN)},
    {"oc", S(LATN)}, {"fy", S(LATN)}, {"ug", S(ARAB) | S(CYRL) | S(LATN)},
};

uint64_t lang_code_scripts(const char *code)
{
    for (size_t i = 0; i < sizeof lang_scripts / sizeof lang_scripts[0]; i++)
        if (!strcmp(code, lang_scripts[i].code))
            return lang_scripts[i].scripts;
    return 0;
}

/* ISO 639-2/3 codes (and legacy 639-1 ones) that have a preferred tocsin code. */
static const char *const code_alias[][2] = {
    {"eng", "en"}, {"fra", "fr"}, {"fre", "fr"}, {"deu", "de"}, {"ger", "de"}, {"spa", "es"},
    {"ita", "it"}, {"por", "pt"}, {"nld", "nl"}, {"dut", "nl"}, {"tur", "tr"}, {"ind", "id"},
    {"msa", "ms"}, {"may", "ms"}, {"zsm", "ms"}, {"zlm", "ms"}, {"som", "so"}, {"swa", "sw"},
    {"swh", "sw"}, {"hau", "ha"}, {"uzb", "uz"}, {"uzn", "uz"}, {"tgk", "tg"}, {"rus", "ru"},
    {"ben", "bn"}, {"hin", "hi"}, {"zho", "zh"}, {"chi", "zh"}, {"cmn", "zh"}, {"ara", "ar"},
    {"arb", "ar"}, {"fas", "fa"}, {"per", "fa"}, {"pes", "fa"}, {"prs", "fa"}, {"pus", "ps"},
    {"pbu", "ps"}, {"pbt", "ps"}, {"urd", "ur"}, {"uig", "ug"}, {"snd", "sd"}, {"kur", "ku"},
    {"kmr", "ku"}, {"ukr", "uk"}, {"jpn", "ja"}, {"kor", "ko"}, {"heb", "he"}, {"ell", "el"},
    {"gre", "el"}, {"in", "id"}, {"iw", "he"}, {"ji", "yi"}, {"jw", "jv"}, {"tgl", "tl"},
    {"pol", "pl"}, {"ces", "cs"}, {"cze", "cs"}, {"ron", "ro"}, {"rum", "ro"}, {"hun", "hu"},
    {"swe", "sv"}, {"dan", "da"}, {"nor", "no"}, {"fin", "fi"}, {"tha", "th"}, {"vie", "vi"},
    {"ukr", "uk"}, {"bul", "bg"}, {"srp", "sr"}, {"hye", "hy"}, {"arm", "hy"}, {"kat", "ka"},
    {"geo", "ka"}, {"amh", "am"}, {"aze", "az"}, {"kaz", "kk"}, {"kir", "ky"}, {"mon", "mn"},
    {"pan", "pa"}, {"mar", "mr"}, {"nep", "ne"}, {"tam", "ta"}, {"tel", "te"}, {"kan", "kn"},
    {"mal", "ml"}, {"guj", "gu"}, {"sin", "si"}, {"mya", "my"}, {"bur", "my"}, {"khm", "km"},
    {"lao", "lo"}, {"bod", "bo"}, {"tib", "bo"}, {"cat", "ca"}, {"glg", "gl"}, {"eus", "eu"},
    {"baq", "eu"}, {"afr", "af"}, {"sqi", "sq"}, {"alb", "sq"}, {"yid", "yi"},
};

bool tocsin_lang_tag_normalize(tocsin_strv tag, const char *script, char *buf, size_t cap)
{
    if (!buf || cap < 12)
        return false;
    size_t i = 0;
    while (i < tag.len && (tag.ptr[i] == ' ' || tag.ptr[i] == '\t'))
        i++;
    size_t start = i;
    while (i < tag.len && ((tag.ptr[i] | 0x20) >= 'a' && (tag.ptr[i] | 0x20) <= 'z'))
        i++;
    size_t plen = i - start;
    if (plen < 2 || plen > 3)
        return false;
    if (i < tag.len && tag.ptr[i] != '-' && tag.ptr[i] != '_' && tag.ptr[i] != ' ')
        return false;
    char primary[4];
    for (size_t k = 0; k < plen; k++)
        primary[k] = (char)(tag.ptr[start + k] | 0x20);
    primary[plen] = '\0';
    if (!strcmp(primary, "und") || !strcmp(primary, "zxx") || !strcmp(primary, "mul") ||
        !strcmp(primary, "mis") || primary[0] == 'q')
        return false; /* undetermined, no content, several, or private use ("qme", "qht") */
    const char *code = primary;
    for (size_t k = 0; k < sizeof code_alias / sizeof code_alias[0]; k++)
        if (!strcmp(primary, code_alias[k][0])) {
            code = code_alias[k][1];
            break;
        }
    if (!strcmp(code, "ku") || !strcmp(code, "ckb")) {
        /* "ku-Arab" or Kurdish written in Arabic letters is Sorani */
        bool arab = script && !strcmp(script, "Arab");
        for (size_t k = i; k + 5 <= tag.len && !arab; k++)
            arab = (tag.ptr[k] == '-' || tag.ptr[k] == '_') && !strncasecmp(tag.ptr + k + 1, "arab", 4);
        code = arab ? "ckb" : code;
    }
    size_t n = strlen(code);
    memcpy(buf, code, n + 1);
    return true;
}

tocsin_status tocsin_lang_source_parse(const char *s, tocsin_lang_source *out)
{
    if (!s || !out)
        return TOCSIN_ERR_USAGE;
    if (!strcmp(s, "detect")) *out = TOCSIN_LANG_SOURCE_DETECT;
    else if (!strcmp(s, "input")) *out = TOCSIN_LANG_SOURCE_INPUT;
    else if (!strcmp(s, "both")) *out = TOCSIN_LANG_SOURCE_BOTH;
    else return TOCSIN_ERR_USAGE;
    return TOCSIN_OK;
}

bool tocsin_lang_choose(tocsin_lang_source source, tocsin_strv input_tag,
                        const tocsin_lang_result *detected, char *buf, size_t cap)
{
    if (!buf || cap < 12)
        return false;
    const char *script = detected ? detected->script : NULL;
    char tag[12];
    /* detect alone never reads the input's tag (scan and ingest call this once per post) */
    bool have = source != TOCSIN_LANG_SOURCE_DETECT &&
                tocsin_lang_tag_normalize(input_tag, script, tag, sizeof tag);
    if (source == TOCSIN_LANG_SOURCE_INPUT || (source == TOCSIN_LANG_SOURCE_BOTH && !detected)) {
        memcpy(buf, have ? tag : "und", strlen(have ? tag : "und") + 1);
        return have;
    }
    const char *det = detected && detected->lang[0] ? detected->lang : "und";
    if (source == TOCSIN_LANG_SOURCE_BOTH && have) {
        bool plausible;
        lang_script s = script ? lang_script_from_code(script) : LSCRIPT_NONE;
        if (!strcmp(det, "und") && (!detected->letters || detected->letters < 4 ||
                                    s == LSCRIPT_NONE)) {
            plausible = true; /* too little text to judge: the tag is all there is */
        } else if (s == LSCRIPT_NONE) {
            plausible = true;
        } else {
            uint64_t mask = lang_code_scripts(tag);
            /* an unknown tag is believed only when the text is Latin-script (most such tags) */
            plausible = mask ? (mask & (1ull << s)) != 0 : s == LSCRIPT_LATN;
        }
        if (plausible) {
            memcpy(buf, tag, strlen(tag) + 1);
            return true;
        }
    }
    memcpy(buf, det, strlen(det) + 1);
    return false;
}
