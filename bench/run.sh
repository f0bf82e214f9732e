#!/usr/bin/env bash
# run.sh BUILD_DIR: the scan benchmark of issue 2. Generates (once) the deterministic corpus in
# bench/out/, runs `tocsin scan` with 1 and 2 threads (median of RUNS runs), samples the peak
# anonymous memory, checks the counts against the generator's ground truth, times ripgrep on
# the same corpus, and rewrites the "Scan" section of BENCHMARKS.md.
# Environment: SIZE_MB (default 1000), TERMS (default 3000), RUNS (default 3), FILLER (real, the
# default: posts of real text in their language, from bench/data/corpus-text.tsv; or syllables:
# random pseudo-words, the corpus of the first benchmark runs and identification's worst case).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
size=${SIZE_MB:-1000}; nterms=${TERMS:-3000}; runs=${RUNS:-3}; filler=${FILLER:-real}
case $filler in
    real) out=bench/out/corpus-real-$size-$nterms; gen_opts=(--filler bench/data/corpus-text.tsv)
          filler_desc="real text: fragments of the held-out UDHR articles in each post's language, bench/data/corpus-text.tsv" ;;
    syllables) out=bench/out/corpus-$size-$nterms; gen_opts=()
          filler_desc="random pseudo-words, which no language model knows: identification's worst case" ;;
    *) echo "bench: FILLER must be real or syllables" >&2; exit 2 ;;
esac
bin=$build/tocsin
if [ ! -f "$out/truth.tsv" ]; then
    echo "bench: generating ${size} MB corpus with $nterms terms in $out" >&2
    "$build/bench/gen_corpus" "${gen_opts[@]}" "$out" "$size" "$nterms"
fi
corpus=$out/corpus.jsonl
bytes=$(stat -c %s "$corpus")

# run_one CMD...: runs CMD with stdout to $out/last.out, sets $secs, $peak_kb (peak RssAnon
# sampled every 20 ms: mapped file pages are not counted, as they are the page cache's) and
# $cpu_secs (user + system time of all its threads, read from /proc at the last sample: it
# misses at most the last 20 ms; the figure to trust on a shared, loaded machine).
clk_tck=$(getconf CLK_TCK)
run_one() {
    local start end pid peak=0 cur ticks=0 t
    start=$(date +%s.%N)
    "$@" > "$out/last.out" 2> "$out/last.err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        cur=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        [ -n "$cur" ] && [ "$cur" -gt "$peak" ] && peak=$cur
        t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
        [ -n "$t" ] && [ "$t" -gt "$ticks" ] && ticks=$t
        sleep 0.02
    done
    wait "$pid"
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc -l)
    peak_kb=$peak
    cpu_secs=$(echo "$ticks / $clk_tck" | bc -l)
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A mbps rss cpu_mbps
# Two modes: the language taken from the input's field (issue 2's scan, before identification
# existed) and identified per matching post (the default since issue 4).
for mode in input detect; do
for t in 1 2; do
    list=""; rlist=""; clist=""
    for r in $(seq "$runs"); do
        run_one "$bin" scan --watchlist "$out/watchlist.yaml" --output json --threads "$t" \
            --lang-source "$mode" "$corpus"
        list+="$(echo "$bytes / $secs / 1000000" | bc -l)"$'\n'
        rlist+="$peak_kb"$'\n'
        clist+="$(echo "if ($cpu_secs > 0) $bytes / $cpu_secs / 1000000 else 0" | bc -l)"$'\n'
    done
    k=$mode-$t
    mbps[$k]=$(printf '%s' "$list" | median)
    cpu_mbps[$k]=$(printf '%s' "$clist" | median)
    rss[$k]=$(printf '%s' "$rlist" | sort -n | tail -n 1)
    cp "$out/last.out" "$out/scan-$k.json"
done
done

# Exactness: posts per topic summed over languages and buckets against truth.tsv.
check() {
    awk -F'"' '{for (i=1;i<NF;i++) if ($i=="topic") t=$(i+2); match($0, /"posts":[0-9]+/);
                n=substr($0, RSTART+8, RLENGTH-8); s[t]+=n}
               END {for (t in s) print t "\t" s[t]}' "$1" | sort > "$out/got.tsv"
    awk -F'\t' '$2 > 0' "$out/truth.tsv" | sort > "$out/want.tsv"
    if diff -q "$out/want.tsv" "$out/got.tsv" >/dev/null; then echo "exact"; else
        echo "DIFFERENT ($(diff "$out/want.tsv" "$out/got.tsv" | grep -c '^[<>]') lines differ)"; fi
}
declare -A exact
for k in input-1 input-2 detect-1 detect-2; do exact[$k]=$(check "$out/scan-$k.json"); done
# before ripgrep's runs overwrite last.err
matched=$(grep -o '[0-9]* matching posts' "$out/last.err" 2>/dev/null | head -n 1 || true)
truth_posts=$(awk -F'\t' '{s+=$2} END {print s}' "$out/truth.tsv")

rg_mbps="n/a"; rg_lines="n/a"
if command -v rg >/dev/null; then
    list=""
    for r in $(seq "$runs"); do
        run_one rg -c -F -f "$out/terms.txt" "$corpus"
        list+="$(echo "$bytes / $secs / 1000000" | bc -l)"$'\n'
    done
    rg_mbps=$(printf '%s' "$list" | median)
    rg_lines=$(cat "$out/last.out")
fi

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
section=$(cat <<TXT
## Scan (issue 2)

Command: \`make bench\` (bench/run.sh): \`tocsin scan --watchlist watchlist.yaml --output json
--threads T --lang-source MODE corpus.jsonl\` on the corpus from \`bench/gen_corpus ${gen_opts[*]} OUT $size $nterms\`
($(printf "%'d" "$bytes") bytes of JSON Lines in en/fr/ru/ar/fa/ur; filler: $filler_desc; $nterms terms in
$((nterms / 10)) topics, injected with case changes, separators, accents, Arabic diacritics,
tatweel, letter variants and proclitics). Machine: $(nproc) cores ($cpu), shared and noisy;
figures are the median of $runs runs, file in the page cache.
Input is read through mmap; peak memory is the largest RssAnon sampled every 20 ms (mapped
file pages are the page cache's and are not counted).

| measure | language from the input, 1 thread | 2 threads | language identified, 1 thread | 2 threads |
|---|---|---|---|---|
| throughput | $(printf '%.0f' "${mbps[input-1]}") MB/s | $(printf '%.0f' "${mbps[input-2]}") MB/s | $(printf '%.0f' "${mbps[detect-1]}") MB/s | $(printf '%.0f' "${mbps[detect-2]}") MB/s |
| bytes per CPU second (user + system, all threads) | $(printf '%.0f' "${cpu_mbps[input-1]}") MB | $(printf '%.0f' "${cpu_mbps[input-2]}") MB | $(printf '%.0f' "${cpu_mbps[detect-1]}") MB | $(printf '%.0f' "${cpu_mbps[detect-2]}") MB |
| peak anonymous memory | $((rss[input-1] / 1024)) MiB | $((rss[input-2] / 1024)) MiB | $((rss[detect-1] / 1024)) MiB | $((rss[detect-2] / 1024)) MiB |
| counts vs generator ground truth ($truth_posts topic-posts) | ${exact[input-1]} | ${exact[input-2]} | ${exact[detect-1]} | ${exact[detect-2]} |

"Language identified" identifies the ~12 % of posts that match (the per-topic counts need their
language; unmatched posts need none in a scan).

Targets: >= 400 MB/s on one thread, >= 800 MB/s on two, <= 100 MB, counts exact (issue 2); with
identification on, >= 350 MB/s on one thread (issue 4). Memory and exactness are met; the
throughput targets are not. Where the CPU goes (\`perf\`, 1 thread, language from the input,
real-text corpus, 2026-11-25): the normalizer ~33 % (its per-character table loop over
two-byte Arabic and Cyrillic text is most of it), Hyperscan with 3,000 literals ~22 %, the
reader ~20 % (the JSON Lines fast path, simdjson's UTF-8 validation, field mapping), the kernel
~8 % (page faults and unmapping of the mapped input), the count tables ~5 %; the watchlist is
compiled once and then loaded from the cache (~75 ms saved per run). With identification on,
language identification of the matching posts adds about 40 % more CPU. Two threads scale the
wall time by the second core's share of this shared machine (the CPU per byte is the same as
with one).
For reference, \`rg -c -F -f terms.txt corpus.jsonl\` (raw bytes, no normalization, so it misses
the disguised terms and can hit inside JSON escapes): $(printf '%.0f' "$rg_mbps") MB/s, $rg_lines
matching lines (tocsin: ${matched:-?}).
TXT
)
touch BENCHMARKS.md
grep -q '^# Benchmarks' BENCHMARKS.md || { printf '# Benchmarks\n\n' | cat - BENCHMARKS.md > "$out/b.md"; cp "$out/b.md" BENCHMARKS.md; }
awk -v sec="$section" '
    /^## Scan \(issue 2\)/ {skip=1; if (!done) {print sec; print ""; done=1}; next}
    skip && /^## / {skip=0}
    !skip {print}
    END {if (!done) {print ""; print sec}}' BENCHMARKS.md > "$out/b.md"
cp "$out/b.md" BENCHMARKS.md
printf '%s\n' "$section"
