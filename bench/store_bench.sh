#!/usr/bin/env bash
# store_bench.sh BUILD_DIR: the ingest benchmark of issue 5. Generates (once) the deterministic
# corpus of bench/gen_corpus in bench/out/, runs `tocsin ingest` into a fresh store with 1 and 2
# threads (median of RUNS runs; language detection, matching, de-duplication, clustering and
# idempotency all on), samples peak anonymous memory, measures the store per table (SQLite's
# dbstat), and prints a Markdown section for BENCHMARKS.md to bench/out/store-bench.md.
# Environment: SIZE_MB (default 200), TERMS (default 3000), RUNS (default 3), CORPUS (a corpus
# directory to use instead, e.g. bench/out/corpus-real-100-3000), EXTRA (more ingest options,
# e.g. "--lang-source input" to measure the store's own work without language identification).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
size=${SIZE_MB:-200}; nterms=${TERMS:-3000}; runs=${RUNS:-3}
# the default corpus is the real-text one of bench/run.sh (posts in their language's words)
out=${CORPUS:-bench/out/corpus-real-$size-$nterms}
extra=${EXTRA:-}
[ -f "$out/truth.tsv" ] ||
    "$build/bench/gen_corpus" --filler bench/data/corpus-text.tsv "$out" "$size" "$nterms"
corpus=$out/corpus.jsonl
bytes=$(stat -c %s "$corpus")
posts=$(wc -l < "$corpus")
db=bench/out/store-bench.db

run_one() { # threads -> sets secs, cpu, peak_kb
    rm -f "$db" "$db"-wal "$db"-shm "$db".key
    local start end pid peak=0 cur
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o bench/out/store-time.txt "$build/tocsin" ingest --db "$db" \
        --watchlist "$out/watchlist.yaml" $extra --threads "$1" "$corpus" 2> bench/out/store-err.txt &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        for p in $(pgrep -P "$pid" 2>/dev/null) "$pid"; do
            cur=$(awk '/^RssAnon:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
            [ -n "$cur" ] && [ "$cur" -gt "$peak" ] && peak=$cur
        done
        sleep 0.05
    done
    wait "$pid"
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc -l)
    cpu=$(awk '{print $1 + $2}' bench/out/store-time.txt)
    peak_kb=$peak
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A wall cpus rss
for t in 1 2; do
    wl=""; cl=""; rl=""
    for r in $(seq "$runs"); do
        run_one "$t"
        wl+="$secs"$'\n'; cl+="$cpu"$'\n'; rl+="$peak_kb"$'\n'
    done
    wall[$t]=$(printf '%s' "$wl" | median)
    cpus[$t]=$(printf '%s' "$cl" | median)
    rss[$t]=$(printf '%s' "$rl" | sort -n | tail -n 1)
done
summary=$(tail -n 1 bench/out/store-err.txt)
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
dbbytes=$(stat -c %s "$db")
tables=$(sqlite3 "$db" "SELECT name, sum(pgsize), sum(ncell) FROM dbstat WHERE name NOT LIKE 'sqlite_%'
    GROUP BY name ORDER BY 2 DESC" | awk -F'|' -v n="$posts" '{printf "| %s | %.1f MB | %d | %.1f B/post |\n", $1, $2/1e6, $3, $2/n}')
seen_b=$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name = 'seen'")
keys=$(sqlite3 "$db" "SELECT count(*) FROM seen")
clu_b=$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name = 'cluster_sigs'")
nclu=$(sqlite3 "$db" "SELECT coalesce(sum(last - first + 1), 0) FROM cluster_sigs")
nrows=$(sqlite3 "$db" "SELECT count(*) FROM cluster")
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
load=$(cut -d' ' -f1-3 /proc/loadavg)
mb() { echo "$bytes / $1 / 1000000" | bc -l; }
cat > bench/out/store-bench.md <<TXT
Command: \`bench/store_bench.sh BUILD\` (corpus $out, options '$extra'): \`tocsin ingest --db store.db
--watchlist watchlist.yaml $extra --threads T corpus.jsonl\` into a fresh store
($(printf "%'d" "$bytes") bytes, $(printf "%'d" "$posts") posts, random channels and hours).
Everything on: language detection of every post (the denominators need it), matching, keys,
near-duplicate signatures and lookup, pseudonyms, hourly totals, evidence. Machine: $(nproc) cores
($cpu), shared: load average $load during the run; median of $runs runs.

| measure | 1 thread | 2 threads |
|---|---|---|
| wall time | $(printf '%.1f' "${wall[1]}") s ($(printf '%.1f' "$(mb "${wall[1]}")") MB/s) | $(printf '%.1f' "${wall[2]}") s ($(printf '%.1f' "$(mb "${wall[2]}")") MB/s) |
| CPU time (user + sys, all threads) | $(printf '%.1f' "${cpus[1]}") s ($(printf '%.1f' "$(mb "${cpus[1]}")") MB per CPU-second) | $(printf '%.1f' "${cpus[2]}") s ($(printf '%.1f' "$(mb "${cpus[2]}")") MB per CPU-second) |
| peak anonymous memory | $((rss[1] / 1024)) MiB | $((rss[2] / 1024)) MiB |

Last run: $summary

Store: $(printf '%.1f' "$(echo "$dbbytes / 1000000" | bc -l)") MB for $(printf "%'d" "$posts") posts = $(printf '%.0f' "$(echo "$dbbytes / $posts" | bc -l)") MB per million posts.

| table | size | B-tree cells | per post |
|---|---|---|---|
$tables

Keys: \`seen\` holds $(printf "%'d" "$keys") keys in $(printf '%.1f' "$(echo "$seen_b / 1000000" | bc -l)") MB = $(printf '%.1f' "$(echo "$seen_b / $keys" | bc -l)") bytes per key (8-byte key + cluster id, B-tree); \`cluster_sigs\` $(printf '%.1f' "$(echo "$clu_b / ($nclu + ($nclu == 0))" | bc -l)") bytes per cluster ($(printf "%'d" "$nclu") clusters); $(printf "%'d" "$nrows") \`cluster\` rows (clusters with kept evidence or more than one post).
TXT
cat bench/out/store-bench.md
