#!/usr/bin/env bash
# analyse_seeds.sh BUILD_DIR [SEEDS]: the must-show scenario of analyse_scenario.sh for seeds
# 1..SEEDS (default 3; BENCHMARKS.md quotes 40): tallies how often compare's 95 % interval covers
# the true share ratio, how often surges finds each true change within one day, and any other
# surge. Fails when a change is missed, when any other surge appears, or when coverage falls
# below 85 %. Ends with "N passed, N failed".
set -u
build=$(cd "${1:-build}" && pwd)
seeds=${2:-3}
cd "$(dirname "$0")/../.."
bin=$build/tocsin
if ! command -v jq >/dev/null || [ ! -x "$build/tests/tools/gen_surge" ]; then
    echo "analyse_seeds: needs jq and $build/tests/tools/gen_surge (make tests)"; echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d /tmp/tocsin-e2e-seeds-XXXXXX); trap 'rm -rf "$tmp"' EXIT
cov=0; rows=0; within=0; series=0; extra=0; exact=0
for seed in $(seq 1 "$seeds"); do
    d=$tmp/$seed; mkdir -p "$d"
    "$build/tests/tools/gen_surge" "$d" "$seed"
    "$bin" ingest --db "$d/t.db" --watchlist "$d/watchlist.yaml" --lang-source input "$d/scenario.jsonl" 2>/dev/null
    "$bin" compare --db "$d/t.db" --topic quake --before 2024-03-06..2024-03-15 --after 2024-04-10..2024-04-17 --output json > "$d/c.json"
    "$bin" surges --db "$d/t.db" --topic quake --output json > "$d/s.json"
    for lr in en:4 ar:3 ru:5; do
        l=${lr%%:*}; r=${lr#*:}; rows=$((rows + 1))
        jq -e -s --arg l "$l" --argjson r "$r" 'map(select(.lang == $l))[0] | .ci_low <= $r and $r <= .ci_high' "$d/c.json" >/dev/null && cov=$((cov + 1))
    done
    for lt in en:2024-03-31 ar:2024-03-21 ru:2024-04-10; do
        l=${lt%%:*}; t=${lt#*:}; series=$((series + 1))
        n=$(jq -s --arg l "$l" --argjson t "$(date -u -d "$t" +%s)" '[.[] | select(.lang == $l) | select(((.start | strptime("%Y-%m-%d") | mktime) - $t | fabs) <= 86400)] | length' "$d/s.json")
        [ "$n" -ge 1 ] && within=$((within + 1))
        n=$(jq -s --arg l "$l" --arg t "$t" '[.[] | select(.lang == $l and .start == $t)] | length' "$d/s.json")
        [ "$n" -ge 1 ] && exact=$((exact + 1))
    done
    extra=$((extra + $(jq -s 'length' "$d/s.json") - 3))
    rm -rf "$d"
done
echo "seeds $seeds: compare coverage $cov/$rows; changes within a day $within/$series (on the exact day $exact); other surges $extra"
pass=0; fail=0
if [ "$within" -eq "$series" ]; then pass=$((pass + 1)); echo "ok every true change within a day"; else fail=$((fail + 1)); echo "FAIL changes found $within/$series"; fi
if [ "$extra" -eq 0 ]; then pass=$((pass + 1)); echo "ok no other surge"; else fail=$((fail + 1)); echo "FAIL $extra other surges"; fi
if [ $((cov * 100)) -ge $((rows * 85)) ]; then pass=$((pass + 1)); echo "ok coverage $cov/$rows"; else fail=$((fail + 1)); echo "FAIL coverage $cov/$rows"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
