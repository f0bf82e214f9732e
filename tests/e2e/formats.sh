#!/usr/bin/env bash
# formats.sh BUILD_DIR: `tocsin read` and `tocsin scan` over the platform export samples.
#  - every sample under tests/data/formats/ is auto-detected as the format its hand-written
#    expectation names and gives exactly the expected number of posts (the field-by-field
#    comparison is tests/unit/test_formats.c);
#  - when the shared sample folder (../shared/samples/) is there, its files are the same bytes as
#    the copies here and read the same;
#  - the output is one JSON object per post with every field of the post record, the table
#    output one row per post;
#  - `tocsin scan` reads a folder mixing every format in one command;
#  - an input of unknown shape exits 5 and says which formats were tried and why.
set -u
cd "$(dirname "$0")/../.."
bin="$(cd "$1" && pwd)/tocsin"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
d=tests/data/formats

total=0
for exp in "$d"/*/*.expect.jsonl; do
    sample=${exp%.expect.jsonl}
    name=${sample#"$d"/}
    head=$(head -n 1 "$exp")
    want_fmt=$(printf '%s' "$head" | sed -n 's/.*"format":"\([^"]*\)".*/\1/p')
    want_n=$(printf '%s' "$head" | sed -n 's/.*"posts":\([0-9]*\).*/\1/p')
    "$bin" read "$sample" > "$tmp/out" 2> "$tmp/err"; st=$?
    n=$(wc -l < "$tmp/out")
    nfmt=$(grep -c "\"format\":\"$want_fmt\"" "$tmp/out")
    check "$name: exit 0, $want_n posts, format $want_fmt" \
        '[ $st -eq 0 ] && [ "$n" -eq "$want_n" ] && [ "$nfmt" -eq "$want_n" ]'
    check "$name: summary counts $want_n posts" 'grep -q ", $want_n posts, " "$tmp/err"'
    total=$((total + want_n))
done

# the shared samples are the files tested here
shared=../shared/samples
if [ -d "$shared" ]; then
    same=1
    nshared=0
    while IFS= read -r f; do
        rel=${f#"$shared"/}
        nshared=$((nshared + 1))
        cmp -s "$f" "$d/$rel" || { same=0; echo "  differs or missing: $rel"; }
    done < <(find "$shared" -type f ! -name '*.md' | sort)
    check "every shared sample ($nshared files) is copied unchanged under $d" '[ $same -eq 1 ]'
    "$bin" read "$shared" > "$tmp/out" 2> "$tmp/err"; st=$?
    check "tocsin read on the whole shared folder: $total posts" \
        '[ "$(wc -l < "$tmp/out")" -eq "$total" ] && grep -q ", $total posts, " "$tmp/err"'
else
    echo "(no $shared: the shared-folder checks are skipped)"
fi

# one JSON object per post, every field of the record
"$bin" read "$d/twitter_v1/tweet_parser_original_format_examples.jsonl" > "$tmp/out" 2>/dev/null
line=$(sed -n 11p "$tmp/out")
fields_ok=1
for k in platform format id ts author_id author_name channel_id channel_name kind ref_id lang \
         urls hashtags mentions text source line record; do
    printf '%s' "$line" | grep -q "\"$k\":" || { fields_ok=0; echo "  missing field $k"; }
done
check "jsonl: every field of the post record is printed" '[ $fields_ok -eq 1 ]'
check "jsonl: a retweet prints the original's full text, kind repost" \
    'printf "%s" "$line" | grep -q "\"kind\":\"repost\",\"ref_id\":\"861651727614746624\"" &&
     printf "%s" "$line" | grep -q "\"text\":\"Since I feel like I shouldn'"'"'t be someone who is condescending on the internet without offering a little help: https://t.co/bN4xcn4l2n\""'

"$bin" read --output table "$d/whatsapp_txt/chat_analytics_4A_11M.txt" > "$tmp/out" 2>/dev/null
check "table: a header and 14 rows" '[ "$(wc -l < "$tmp/out")" -eq 15 ] && head -n 1 "$tmp/out" | grep -q "^ts .*kind .*id .*author .*channel .*text"'

# forcing a format
"$bin" read --format pushshift "$d/reddit_pushshift/RC_2018-10.first2lines.ndjson.zst" > "$tmp/out" 2>/dev/null; st=$?
check "--format pushshift on a long-window .zst dump: 2 posts" '[ $st -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 2 ]'
"$bin" read --format nosuch "$d/fourchan/4chan_api_docs_po_thread_570368.json" > "$tmp/out" 2> "$tmp/err"; st=$?
check "--format with an unknown name is refused" '[ $st -ne 0 ] && [ ! -s "$tmp/out" ]'

# scan over a folder that mixes every format
mkdir -p "$tmp/mix"
for f in "$d"/*/*; do
    case "$f" in *.expect.jsonl) continue ;; esac
    [ -f "$f" ] && cp "$f" "$tmp/mix/"
done
"$bin" scan --watchlist "$d/mixed.watchlist.yaml" --output csv "$tmp/mix" > "$tmp/out" 2> "$tmp/err"; st=$?
nfiles=$(find "$tmp/mix" -type f | wc -l)
check "scan: one command over $nfiles files of 13 formats reads $total posts" \
    '[ $st -eq 0 ] && grep -q "scan: $nfiles files, .* $total posts" "$tmp/err"'
topics_ok=1
for t in election papercraft dogs redmi python tweets kakapo praw ham java chat guardian destiny reddit_dump; do
    grep -q "^$t," "$tmp/out" || { topics_ok=0; echo "  no count for topic $t"; }
done
check "scan: every format contributes matches (one topic per sample family)" '[ $topics_ok -eq 1 ]'

# unknown shape
printf '{"foo": 1, "bar": [1, 2]}\n' > "$tmp/unknown.json"
"$bin" read "$tmp/unknown.json" > "$tmp/out" 2> "$tmp/err"; st=$?
check "unknown shape: exit 5 and nothing printed" '[ $st -eq 5 ] && [ ! -s "$tmp/out" ]'
check "unknown shape: the error lists the formats tried and why" \
    'grep -q "no known format fits" "$tmp/err" && grep -q "telegram: no messages array" "$tmp/err" && grep -q "twitter: no id_str, created_at, user" "$tmp/err"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
