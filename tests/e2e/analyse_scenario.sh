#!/usr/bin/env bash
# analyse_scenario.sh BUILD_DIR: issue 6's "must show". A synthetic scenario with known share
# ratios in three languages, channel churn (en_c vanishes on day 25, ar_d joins on day 35) and a
# copy-paste flood (400 near-identical ru posts on day 12), written by tests/tools/gen_surge.c and
# ingested with `tocsin ingest`; then:
#  - compare --normalize share --measure unique: each language's interval covers the true ratio;
#  - surges (unique): each true change found within one day, no other surge (the flood and the
#    churn create none); with raw posts the flood does show (the test can see it);
#  - --evidence DIR writes the posts and a manifest with the source's SHA-256;
#  - esd and burst run over the same store.
# Ends with "N passed, N failed".
set -u
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
bin=$build/tocsin
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
if ! command -v jq >/dev/null || [ ! -x "$build/tests/tools/gen_surge" ]; then
    echo "analyse_scenario: needs jq and $build/tests/tools/gen_surge (make tests)"; echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d /tmp/tocsin-e2e-analyse-XXXXXX); [ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
"$build/tests/tools/gen_surge" "$tmp" || { bad "generator"; echo "$pass passed, $fail failed"; exit 1; }
db=$tmp/t.db
if ! "$bin" ingest --db "$db" --watchlist "$tmp/watchlist.yaml" --lang-source input "$tmp/scenario.jsonl" 2>"$tmp/err"; then
    bad "ingest: $(cat "$tmp/err")"; echo "$pass passed, $fail failed"; exit 1
fi
ok "ingest"

# --- compare: before = days 5..14 (holds the flood), after = days 40..47 (every change in force)
"$bin" compare --db "$db" --topic quake --before 2024-03-06..2024-03-15 --after 2024-04-10..2024-04-17 \
    --normalize share --measure unique --output json > "$tmp/cmp.json" 2>"$tmp/err"
check "compare runs" '[ $? -eq 0 ] && [ "$(wc -l < "$tmp/cmp.json")" -eq 3 ]'
for lr in en:4 ar:3 ru:5; do
    l=${lr%%:*}; r=${lr#*:}
    line=$(jq -c --arg l "$l" 'select(.lang == $l) | [.rate_ratio, .ci_low, .ci_high, .ci_method, .q_value]' "$tmp/cmp.json")
    check "compare $l: 95% interval covers the true share ratio $r ($line)" \
        "jq -e -s --arg l $l --argjson r $r 'map(select(.lang == \$l))[0] | .ci_low <= \$r and \$r <= .ci_high' '$tmp/cmp.json' >/dev/null"
done
check "compare: every row has q-value, loo range and the window objects" \
    "jq -e -s 'all(.[]; .q_value >= .p_value and .loo_min <= .rate_ratio and .rate_ratio <= .loo_max and .before.days == 10 and .after.days == 8 and .before.total > 0)' '$tmp/cmp.json' >/dev/null"
# the flood sits in the before window: raw posts under-state the ru change, unique posts do not
"$bin" compare --db "$db" --topic quake --before 2024-03-06..2024-03-15 --after 2024-04-10..2024-04-17 \
    --measure posts --output json > "$tmp/cmp_posts.json" 2>/dev/null
check "compare ru with raw posts: the flood hides the change (ratio < 2)" \
    "jq -e -s 'map(select(.lang == \"ru\"))[0] | .rate_ratio < 2' '$tmp/cmp_posts.json' >/dev/null"
"$bin" compare --db "$db" --topic quake --before 2024-03-06..2024-03-15 --after 2024-04-10..2024-04-17 \
    --claim 4..6 --by none --output json > "$tmp/cmp_claim.json" 2>/dev/null
check "compare --claim 4..6 --by none: one row, supported" \
    "[ \$(wc -l < '$tmp/cmp_claim.json') -eq 1 ] && jq -e '.lang == \"all\" and .verdict == \"supported\"' '$tmp/cmp_claim.json' >/dev/null"
"$bin" compare --db "$db" --topic quake --before 2024-03-06..2024-03-15 --after 2024-04-10..2024-04-17 \
    --by channel --output json > "$tmp/cmp_ch.json" 2>/dev/null
check "compare --by channel: the vanished en_c has no after window, the joined ar_d no before window" \
    "jq -e -s '(map(select(.channel == \"en_c\"))[0] | .rate_ratio == null and (.note | test(\"after\"))) and (map(select(.channel == \"ar_d\"))[0] | .rate_ratio == null and (.note | test(\"before\")))' '$tmp/cmp_ch.json' >/dev/null"

# --- surges on unique posts: each true change within one day, nothing else
"$bin" surges --db "$db" --topic quake --output json > "$tmp/surges.json" 2>"$tmp/err"
check "surges runs" '[ $? -eq 0 ]'
day() { date -u -d "$1" +%s; }
near() { # file lang true_day: exactly one surge in lang, starting within one day of true_day
    jq -e -s --arg l "$2" --argjson t "$(day "$3")" \
        '[.[] | select(.lang == $l)] | length == 1 and ((.[0].start | strptime("%Y-%m-%d") | mktime) - $t | fabs) <= 86400' "$1" >/dev/null
}
check "surges en: the change of day 30 (2024-03-31) found within a day" 'near "$tmp/surges.json" en 2024-03-31'
check "surges ar: the change of day 20 (2024-03-21) found within a day" 'near "$tmp/surges.json" ar 2024-03-21'
check "surges ru: the surge of day 40 (2024-04-10) found within a day" 'near "$tmp/surges.json" ru 2024-04-10'
check "surges ru: its end (last day 47 = 2024-04-17) within a day" \
    "jq -e -s --argjson t $(day 2024-04-17) '[.[] | select(.lang == \"ru\")][0].end | strptime(\"%Y-%m-%d\") | mktime - \$t | fabs <= 86400' '$tmp/surges.json' >/dev/null"
check "surges: en and ar ongoing, ratios' intervals cover the truth (en 4, ar 3, ru 5)" \
    "jq -e -s '(map(select(.lang == \"en\"))[0] | .ongoing and .ci_low <= 4 and 4 <= .ci_high) and (map(select(.lang == \"ar\"))[0] | .ongoing and .ci_low <= 3 and 3 <= .ci_high) and (map(select(.lang == \"ru\"))[0] | (.ongoing | not) and .ci_low <= 5 and 5 <= .ci_high)' '$tmp/surges.json' >/dev/null"
check "surges: the penalty rule is stated" \
    "jq -e -s 'all(.[]; (.penalty_rule | test(\"3 log n\")) and .penalty > 0)' '$tmp/surges.json' >/dev/null"
check "surges: no surge at the flood (2024-03-13) in unique posts" \
    "jq -e -s 'all(.[]; .start != \"2024-03-12\" and .start != \"2024-03-13\" and .start != \"2024-03-14\")' '$tmp/surges.json' >/dev/null"
"$bin" surges --db "$db" --topic quake --lang ru --measure posts --output json > "$tmp/surges_posts.json" 2>/dev/null
check "surges ru on raw posts: the flood is a surge (2024-03-13), with its cluster and original" \
    "jq -e -s 'any(.[]; .start == \"2024-03-13\" and .evidence.clusters[0].posts == 400 and (.evidence.clusters[0].example.text | test(\"@user0 \")))' '$tmp/surges_posts.json' >/dev/null"

# --- evidence directory
"$bin" surges --db "$db" --topic quake --lang en --evidence "$tmp/ev" > /dev/null 2>"$tmp/err"
sha=$(sha256sum "$tmp/scenario.jsonl" | cut -d' ' -f1)
check "evidence: manifest names the source with its SHA-256, the version and the parameters" \
    "jq -e --arg s '$sha' '(.sources | any(.sha256 == \$s)) and .tocsin_version != null and (.params.argv | index(\"--evidence\")) != null and (.findings | length) == 1 and (.watchlists | length) == 1' '$tmp/ev/manifest.json' >/dev/null"
kept=$(jq '.findings[0].kept_posts' "$tmp/ev/manifest.json")
check "evidence: surge-1.csv and surge-1.json hold every kept post ($kept)" \
    "[ \$(( \$(wc -l < '$tmp/ev/surge-1.csv') - 1 )) -eq $kept ] && [ \$(jq length '$tmp/ev/surge-1.json') -eq $kept ] && [ $kept -gt 500 ]"

# --- the other methods
"$bin" surges --db "$db" --topic quake --lang ru --method burst --measure posts --output json > "$tmp/burst.json" 2>"$tmp/err"
check "burst (posts): a burst covers the flood day" \
    "jq -e -s 'any(.[]; .start <= \"2024-03-13T23:59:59Z\" and .end >= \"2024-03-13T00:00:00Z\" and .weight > 0)' '$tmp/burst.json' >/dev/null"
"$bin" surges --db "$db" --topic quake --lang ru --method esd --measure posts --output json > "$tmp/esd.json" 2>"$tmp/err"
check "esd (posts): the flood day is a spike" "jq -e -s 'any(.[]; .start == \"2024-03-13\")' '$tmp/esd.json' >/dev/null"
"$bin" surges --db "$db" --topic quake --lang ru --method esd --output json > "$tmp/esd_u.json" 2>"$tmp/err"
check "esd (unique): no spike on the flood day" "jq -e -s 'all(.[]; .start != \"2024-03-13\")' '$tmp/esd_u.json' >/dev/null"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
