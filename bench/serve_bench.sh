#!/usr/bin/env bash
# serve_bench.sh BUILD_DIR: the dashboard benchmark of issue 7. Generates (once) a store of about
# 1 million matched posts over a year (bench/out/serve/: 1.25 M posts, 10 topics, 3 languages, 24
# channels, 80 % matching one topic, with a surge of topic alpha in the second half), starts
# `tocsin serve` on loopback, and measures with wrk (32 connections, 2 threads, DURATION s, RUNS
# runs; medians) the daily series of one topic (/api/trend?topic=...&by=day), with the answer
# cache (the normal case: dashboards re-ask the same URLs) and without it (--no-cache: every
# request runs the SQLite query), plus /api/compare without cache. Prints a Markdown section.
# Uncached rows run once for NC_DURATION s (each request costs about a second there).
# Environment: POSTS (default 1250000), RUNS (default 3), DURATION (default 15), NC_DURATION (40).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
posts=${POSTS:-1250000}; runs=${RUNS:-3}; dur=${DURATION:-15}; nc_dur=${NC_DURATION:-40}
out=bench/out/serve
mkdir -p "$out"
db=$out/serve.db
if [ ! -f "$db.done" ]; then
    rm -f "$db" "$db"-wal "$db"-shm "$db".key
    { echo "topics:"; for t in alpha bravo charlie delta echo foxtrot golf hotel india juliet; do
        printf '  - id: %s\n    terms: [topic%s]\n' "$t" "$t"; done; } > "$out/watchlist.yaml"
    awk -v N="$posts" -v MATCH=0.8 'BEGIN {
      srand(7);
      split("alpha bravo charlie delta echo foxtrot golf hotel india juliet", T, " ");
      split("en ar ru", L, " ");
      for (i = 0; i < 400; i++) { w = ""; n = 3 + int(rand() * 6); for (j = 0; j < n; j++) w = w sprintf("%c", 97 + int(rand() * 26)); W[i] = w; }
      base = 1735689600;
      for (k = 1; k <= N; k++) {
        day = int(rand() * 365); t = base + day * 86400 + int(rand() * 86400);
        l = L[1 + int(rand() * 3)]; ch = l "_c" int(rand() * 8);
        txt = ""; for (j = 0; j < 9; j++) txt = txt W[int(rand() * 400)] " ";
        if (rand() < MATCH) {
          ti = 1 + int(rand() * rand() * 10);
          if (day > 200 && rand() < 0.15) ti = 1;
          txt = txt "topic" T[ti] " " W[int(rand() * 400)];
        }
        printf "{\"id\":\"%d\",\"created_at\":%d,\"author\":\"u%d\",\"channel\":\"%s\",\"lang\":\"%s\",\"text\":\"%s\"}\n", k, t, int(rand() * 200000), ch, l, txt;
      } }' > "$out/posts.jsonl"
    "$build/tocsin" ingest --db "$db" --watchlist "$out/watchlist.yaml" --lang-source input "$out/posts.jsonl" 2> "$out/ingest.log"
    rm -f "$out/posts.jsonl"
    touch "$db.done"
fi
matched=$(sqlite3 "$db" "SELECT count(*) FROM post" 2>/dev/null || echo "?")

pid=
start() {
    "$build/tocsin" serve --db "$db" --listen 127.0.0.1:0 "$@" 2> "$out/serve.log" &
    pid=$!
    port=
    for _ in $(seq 1 100); do
        port=$(sed -n 's|.* on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$out/serve.log")
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    echo "server did not start" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f\n", v}'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # label conns runs secs url -> one table row (medians over runs)
    local label=$1 conns=$2 nruns=$3 secs=$4 url=$5 p50s=() p99s=() rps=() r
    curl -s -o /dev/null "$url" # warm
    for r in $(seq 1 "$nruns"); do
        wrk -t$((conns < 2 ? 1 : 2)) -c"$conns" -d"${secs}s" --timeout 120s --latency "$url" > "$out/wrk.txt"
        p50s+=("$(awk '$1 == "50%" {print $2}' "$out/wrk.txt" | to_ms)")
        p99s+=("$(awk '$1 == "99%" {print $2}' "$out/wrk.txt" | to_ms)")
        rps+=("$(awk '/^Requests\/sec/ {print $2}' "$out/wrk.txt")")
        if grep -q "Non-2xx" "$out/wrk.txt"; then echo "non-2xx answers in $label" >&2; cat "$out/wrk.txt" >&2; fi
    done
    printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$conns" "$(printf '%s\n' "${p50s[@]}" | median)" \
        "$(printf '%s\n' "${p99s[@]}" | median)" "$(printf '%s\n' "${rps[@]}" | median)" "$(IFS=/; echo "${p99s[*]}")"
}
bytes=$(stat -c %s "$db")
echo "## Dashboard"
echo
echo "\`bench/serve_bench.sh $build\` (RUNS=$runs, DURATION=$dur): \`tocsin serve\` on 127.0.0.1 over a store"
echo "of $posts posts over 365 days ($matched matched, kept as evidence; 10 topics, 3 languages, 24"
echo "channels; $((bytes / 1000000)) MB), measured with \`wrk --latency\` (2 threads; 1 for one connection) on loopback, wrk and"
echo "the server on the same 2 shared cores ($(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo))."
echo "Cached rows: medians over $runs runs of ${dur} s; uncached rows: one run of ${nc_dur} s (wrk --timeout 120s)."
echo
echo "| request | connections | p50 ms | p99 ms | requests/s | p99 of each run |"
echo "|---|---|---|---|---|---|"
start
u=http://127.0.0.1:$port
measure "daily series of one topic, cached answer" 32 "$runs" "$dur" "$u/api/trend?topic=charlie&by=day"
measure "daily series of one topic, cached answer" 1 "$runs" "$dur" "$u/api/trend?topic=charlie&by=day"
stop
start --no-cache
u=http://127.0.0.1:$port
measure "daily series of one topic, --no-cache (query each time)" 1 1 "$nc_dur" "$u/api/trend?topic=charlie&by=day"
measure "daily series of one topic, --no-cache (query each time)" 32 1 "$nc_dur" "$u/api/trend?topic=charlie&by=day"
measure "compare two 30-day windows, --no-cache" 1 1 "$nc_dur" "$u/api/compare?topic=alpha&before=2025-03-01..2025-03-30&after=2025-09-01..2025-09-30"
stop
