#!/usr/bin/env bash
# report_bench.sh BUILD_DIR [POSTS]: times `tocsin report` for 10 topics on a store of about one
# million matched posts over a year (issue 7 item 5: <= 3 s). The corpus is synthetic and
# deterministic (awk, fixed seed): POSTS posts (default 1,500,000) over 366 days of 2024 in four
# languages and 20 channels; two thirds carry one of 10 topic terms; topic t3 triples in English
# from day 200 to day 230 (so the report has changes to draw). Prints the ingest time and the
# median of 5 report runs, with and without a comparison of two windows.
set -eu
build=$(cd "${1:-build}" && pwd)
n=${2:-1500000}
bin=$build/tocsin
work=${REPORT_BENCH_DIR:-/tmp/tocsin-report-bench}
mkdir -p "$work"
if [ ! -s "$work/posts.jsonl" ] || [ "$(cat "$work/n" 2>/dev/null)" != "$n" ]; then
    awk -v n="$n" 'BEGIN {
        srand(42); split("en fr ru ar", L, " "); c = "bcdfghjklmnpstvz"; v = "aeiou";
        for (i = 1; i <= n; i++) {
            d = int(rand() * 366); l = L[1 + int(rand() * 4)]; ch = l "_" int(rand() * 5);
            t = "";
            for (w = 0; w < 8; w++) {
                x = "";
                for (k = 0; k < 3; k++) x = x substr(c, 1 + int(rand() * 16), 1) substr(v, 1 + int(rand() * 5), 1);
                t = t x " ";
            }
            r = rand();
            if (r < 0.667) t = t " topicterm" int(rand() * 10);
            else if (l == "en" && d >= 200 && d <= 230 && r < 0.9) t = t " topicterm3";
            ts = 1704067200 + d * 86400 + int(rand() * 86400);
            printf "{\"id\":\"%d\",\"created_at\":%d,\"author\":\"u%d\",\"channel\":\"%s\",\"lang\":\"%s\",\"text\":\"%s\"}\n", i, ts, int(rand() * 50000), ch, l, t;
        }
    }' > "$work/posts.jsonl"
    { echo "topics:"; for k in 0 1 2 3 4 5 6 7 8 9; do printf '  - id: t%d\n    terms: [topicterm%d]\n' $k $k; done; } > "$work/watchlist.yaml"
    rm -f "$work"/t.db*
    echo "$n" > "$work/n"
fi
if [ ! -s "$work/t.db" ]; then
    s=$(date +%s.%N)
    "$bin" ingest --db "$work/t.db" --watchlist "$work/watchlist.yaml" --lang-source input --threads 2 "$work/posts.jsonl" 2>&1 | tail -n 1
    e=$(date +%s.%N)
    echo "ingest: $(echo "$e - $s" | bc) s"
fi
echo "matched posts in the store: $(sqlite3 "$work/t.db" 'SELECT count(DISTINCT key) FROM post_match')"
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
run() { # label, args...: wall and CPU (user + sys) time of 5 runs, medians
    local label=$1; shift
    : > "$work/times"
    for i in 1 2 3 4 5; do
        /usr/bin/time -f "%e %U %S" -a -o "$work/times" "$bin" report --db "$work/t.db" "$@" --out "$work/r.html" 2>/dev/null
    done
    printf "%s: wall %.2f s, CPU %.2f s (medians of 5), %s bytes, load average %s\n" "$label" \
        "$(awk '{print $1}' "$work/times" | median)" "$(awk '{print $2 + $3}' "$work/times" | median)" \
        "$(wc -c < "$work/r.html")" "$(cut -d' ' -f1 /proc/loadavg)"
}
run "report, 10 topics"
run "report, 10 topics, with --before/--after" --before 2024-06-01..2024-06-30 --after 2024-07-20..2024-08-18
run "report, 1 topic (--topic t3)" --topic t3
