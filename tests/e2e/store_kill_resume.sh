#!/usr/bin/env bash
# store_kill_resume.sh BUILD_DIR: `tocsin ingest` killed with SIGKILL at several points and run
# again ends with exactly the tables of an uninterrupted run (keys, hourly totals with their
# author sketches, topic counts, clusters, near-duplicate signatures one per cluster, evidence); overlapping exports and duplicated lines
# count once; no raw author id reaches the database files. Ends with "N passed, N failed".
set -u
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
bin=$build/tocsin
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
tmp=$(mktemp -d /tmp/tocsin-e2e-store-XXXXXX); [ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
if ! command -v sqlite3 >/dev/null || [ ! -x "$build/bench/gen_corpus" ]; then
    echo "store_kill_resume: needs sqlite3 and $build/bench/gen_corpus (make tests)"; echo "0 passed, 1 failed"; exit 1
fi
"$build/bench/gen_corpus" "$tmp/gen" 6 300 2>/dev/null
c=$tmp/gen/corpus.jsonl
n=$(wc -l < "$c")
# three overlapping exports, the last with every line twice (an appended scrape)
head -n $((n / 2)) "$c" > "$tmp/a.jsonl"
sed -n "$((n / 3)),$((2 * n / 3))p" "$c" > "$tmp/b.jsonl"
sed -n "$((n / 2)),\$p" "$c" | awk '{print; print}' > "$tmp/c.jsonl"
inputs=("$tmp/a.jsonl" "$tmp/b.jsonl" "$tmp/c.jsonl")
# (called directly, not through a shell function, so that $! is tocsin's own pid)
args=(ingest --watchlist "$tmp/gen/watchlist.yaml" --lang-source input --batch 1500 "${inputs[@]}")
run() { "$bin" "${args[@]}" --db "$1" 2>"$tmp/err"; }
key() { head -c 32 /dev/urandom > "$tmp/k"; for d in "$@"; do cp "$tmp/k" "$d.key"; chmod 600 "$d.key"; done; }
dump() { # db -> the tables that make up the counts, in a canonical order
    sqlite3 "$1" "SELECT 'seen', k, c FROM seen ORDER BY k;
      SELECT 'tot', lang, (SELECT channel FROM channel WHERE id = t.channel), hour, posts, uniq, hex(authors) FROM totals t ORDER BY 2, 3, 4;
      SELECT 'cnt', (SELECT name FROM topic WHERE id = x.topic), lang, (SELECT channel FROM channel WHERE id = x.channel), hour, posts, uniq, hex(authors) FROM counts x ORDER BY 2, 3, 4, 5;
      SELECT 'clu', id, first_key FROM cluster ORDER BY id;
      SELECT 'sig', c.first + s.value, hex(substr(c.sigs, s.value * 48 + 1, 48)) FROM cluster_sigs c, generate_series(0, c.last - c.first) s ORDER BY 2;
      SELECT 'post', key, id, ts, author, lang, cluster, text FROM post ORDER BY key;"
}
key "$tmp/ref.db" "$tmp/k.db"
t0=$(date +%s.%N)
run "$tmp/ref.db" || { bad "reference ingest: $(cat "$tmp/err")"; echo "$pass passed, $fail failed"; exit 1; }
secs=$(echo "$(date +%s.%N) - $t0" | bc -l)
dump "$tmp/ref.db" > "$tmp/ref.txt"
distinct=$(sort -u "$c" | wc -l)
[ "$(sqlite3 "$tmp/ref.db" 'SELECT sum(posts) FROM totals')" = "$distinct" ] \
    && ok "overlapping exports and duplicated lines: totals = $distinct distinct posts" \
    || bad "totals $(sqlite3 "$tmp/ref.db" 'SELECT sum(posts) FROM totals') != $distinct distinct posts"
want_fire=$(awk -F'\t' '{s += $2} END {print s}' "$tmp/gen/truth.tsv")
got_fire=$(sqlite3 "$tmp/ref.db" 'SELECT sum(posts) FROM counts')
[ "$got_fire" = "$want_fire" ] && ok "topic counts = generator truth ($want_fire)" \
    || bad "topic counts $got_fire != generator truth $want_fire"

kills=0; partial=0; total=$(sqlite3 "$tmp/ref.db" 'SELECT count(*) FROM seen')
# kill points spread over the duration of an uninterrupted run (each run resumes the last)
for frac in 0.3 0.3 0.3 0.3 0.3 0.3 0.05; do
    delay=$(echo "$secs * $frac" | bc -l)
    "$bin" "${args[@]}" --db "$tmp/k.db" 2>"$tmp/err" & pid=$!
    sleep "$delay"
    if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
    wait "$pid" 2>/dev/null
    have=$(sqlite3 "$tmp/k.db" 'SELECT count(*) FROM seen' 2>/dev/null || echo 0)
    [ "${have:-0}" -gt 0 ] && [ "$have" -lt "$total" ] && partial=$((partial + 1))
    printf '  killed after %.2fs: %s of %s keys committed\n' "$delay" "$have" "$total"
done
[ "$kills" -ge 3 ] && [ "$partial" -ge 2 ] && ok "killed $kills ingests with SIGKILL mid-run ($partial with part of the keys committed)" \
    || bad "only $kills ingests killed mid-run, $partial with a partial store"
run "$tmp/k.db" || bad "final run: $(cat "$tmp/err")"
dump "$tmp/k.db" > "$tmp/k.txt"
if cmp -s "$tmp/ref.txt" "$tmp/k.txt"; then ok "killed and resumed: every table equals the uninterrupted run ($(wc -l < "$tmp/ref.txt") rows)"
else bad "killed and resumed differs: $(diff "$tmp/ref.txt" "$tmp/k.txt" | grep -c '^[<>]') rows"; diff "$tmp/ref.txt" "$tmp/k.txt" | head -5; fi
# running again changes nothing and reads nothing
run "$tmp/k.db"
grep -q '3 files skipped' "$tmp/err" && ok "a complete run again skips all files" || bad "rerun: $(tail -n 1 "$tmp/err")"
dump "$tmp/k.db" | cmp -s - "$tmp/ref.txt" && ok "rerun leaves the tables unchanged" || bad "rerun changed the tables"
# privacy: no raw author id in any file of the store
if grep -qa 'user[0-9]' "$tmp"/k.db*; then bad "a raw author id is in the store files"; else ok "no raw author id in the store files"; fi
"$bin" ingest --db "$tmp/keep.db" --keep-authors --watchlist "$tmp/gen/watchlist.yaml" --lang-source input "$tmp/a.jsonl" 2>/dev/null
grep -qa 'user[0-9]' "$tmp/keep.db"* && ok "--keep-authors keeps raw ids" || bad "--keep-authors kept no raw id"
[ "$(stat -c %a "$tmp/keep.db.key")" = 600 ] && ok "key file mode 0600" || bad "key file mode $(stat -c %a "$tmp/keep.db.key")"
# readers can query while an ingest writes
rm -f "$tmp/k2.db"*
"$bin" "${args[@]}" --db "$tmp/k2.db" 2>"$tmp/err2" & pid=$!
for i in $(seq 100); do # until the first batch is committed (before that there is no store yet)
    [ "$(sqlite3 "$tmp/k2.db" 'SELECT count(*) FROM seen' 2>/dev/null || echo 0)" -gt 0 ] && break
    sleep 0.05
done
reads=0
for i in 1 2 3; do "$bin" trend --db "$tmp/k2.db" --by month --output csv >/dev/null 2>"$tmp/terr" && reads=$((reads + 1)) || cat "$tmp/terr"; sleep 0.1; done
wait "$pid"
[ "$reads" = 3 ] && ok "trend reads while an ingest writes" || bad "trend failed during an ingest ($reads/3)"
# a second ingest into a store being written is refused, not interleaved
for f in "${inputs[@]}"; do cp "$f" "$f.copy.jsonl"; done
"$bin" "${args[@]}" "${inputs[@]/%/.copy.jsonl}" --db "$tmp/k3.db" 2>/dev/null & pid=$!
for i in $(seq 50); do # until the first one has committed something (it holds the lock)
    [ "$(sqlite3 "$tmp/k3.db" 'SELECT count(*) FROM seen' 2>/dev/null || echo 0)" -gt 0 ] && break
    sleep 0.05
done
"$bin" "${args[@]}" --db "$tmp/k3.db" 2>"$tmp/err3"; rc=$?
running=0; kill -0 "$pid" 2>/dev/null && running=1
wait "$pid"
if [ "$running" = 1 ]; then
    [ "$rc" = 9 ] && grep -q 'another ingest' "$tmp/err3" && ok "a concurrent second ingest is refused" \
        || bad "concurrent ingest: exit $rc: $(cat "$tmp/err3")"
else
    ok "(concurrent ingest not checked: the first one finished too soon)"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
