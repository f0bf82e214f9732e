// cld2_shim.cpp: the only C++ in tocsin's language stage: an extern "C" wrapper around Google
// CLD2's ExtDetectLanguageSummaryCheckUTF8 (full tables, best-effort flag), so the rest of the
// stage stays C11. No exceptions cross the boundary: CLD2 itself does not throw, and the result
// vector is not requested.
#include <cstdio> // compact_lang_det.h uses FILE without including it
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
#include <cld2/internal/lang_script.h>

#include "lang/cld2_shim.h"

#include <climits>
#include <cstring>

static void copy_code(char *dst, size_t cap, CLD2::Language l)
{
    const char *code = CLD2::LanguageCode(l);
    if (!code || l == CLD2::UNKNOWN_LANGUAGE || l == CLD2::TG_UNKNOWN_LANGUAGE)
        code = "";
    size_t n = std::strlen(code);
    if (n >= cap)
        n = cap - 1;
    std::memcpy(dst, code, n);
    dst[n] = '\0';
}

extern "C" int lang_cld2_detect(const char *text, size_t len, int best_effort, lang_cld2_out *out)
{
    std::memset(out, 0, sizeof *out);
    if (len > (size_t)INT_MAX)
        len = INT_MAX;
    CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
    CLD2::Language lang3[3];
    int percent3[3] = {0, 0, 0};
    double score3[3] = {0, 0, 0};
    int text_bytes = 0, valid_prefix = 0;
    bool reliable = false;
    int flags = best_effort ? CLD2::kCLDFlagBestEffort : 0;
    CLD2::Language top = CLD2::ExtDetectLanguageSummaryCheckUTF8(
        text, (int)len, true, &hints, flags, lang3, percent3, score3, nullptr, &text_bytes,
        &reliable, &valid_prefix);
    copy_code(out->lang, sizeof out->lang, top);
    for (int i = 0; i < 3; i++) {
        copy_code(out->top[i], sizeof out->top[i], lang3[i]);
        out->percent[i] = percent3[i];
        out->score[i] = score3[i];
    }
    out->text_bytes = text_bytes;
    out->reliable = reliable ? 1 : 0;
    return valid_prefix == (int)len ? 0 : -1;
}
