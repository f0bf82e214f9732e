#!/usr/bin/env bash
# read_inputs.sh BUILD_DIR: `tocsin read` over real input situations: a directory tree (sorted,
# hidden files skipped) mixing plain, gzip and zstd files; multi-member gzip on stdin; a
# truncated gzip file (the posts before the damage, then exit 6 naming the file); input of no
# known format (exit 5, every format's reason); a record over --max-record skipped.
set -u
cd "$(dirname "$0")/../.."
bin="$(cd "$1" && pwd)/tocsin"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
d=tests/data/read

mkdir -p "$tmp/tree/sub" "$tmp/tree/.hidden"
cp "$d/mixed.jsonl" "$tmp/tree/a.jsonl"
gzip -c "$d/edge.csv" > "$tmp/tree/sub/b.csv.gz"
zstd -q -c "$d/local_times.tsv" -o "$tmp/tree/sub/c.tsv.zst"
cp "$d/mixed.jsonl" "$tmp/tree/.hidden/skip.jsonl"
cp "$d/mixed.jsonl" "$tmp/tree/.skip.jsonl"
"$bin" read "$tmp/tree" > "$tmp/out" 2> "$tmp/err"; st=$?
check "directory: exit 0" '[ $st -eq 0 ]'
check "directory: 3 files, 2+4+2 posts" 'grep -q "read: 3 files, 14 records, 8 posts, 6 skipped" "$tmp/err"'
check "directory: files in name order" '[ "$(grep -o "\"source\":\"[^\"]*\"" "$tmp/out" | uniq | sed "s/.*tree\///" | tr -d "\"" | tr "\n" " ")" = "a.jsonl sub/b.csv.gz sub/c.tsv.zst " ]'

cat "$d/local_times.tsv" | gzip -c > "$tmp/m.gz"
printf 'more\tu3\tc3\t2021-02-01 00:00:00\n' | gzip -c >> "$tmp/m.gz"
"$bin" read --output table - < "$tmp/m.gz" > "$tmp/out" 2> "$tmp/err"; st=$?
check "multi-member gzip on stdin: 3 posts" '[ $st -eq 0 ] && grep -q "3 posts" "$tmp/err" && grep -q "more" "$tmp/out"'

for i in $(seq 1 30000); do printf '{"text":"post %d with some words to compress less %d","id":%d}\n' $i $((i * 7919 % 100003)) $i; done > "$tmp/long.jsonl"
gzip -c "$tmp/long.jsonl" > "$tmp/long.gz"
head -c $(( $(wc -c < "$tmp/long.gz") / 2 )) "$tmp/long.gz" > "$tmp/cut.gz"
"$bin" read "$tmp/cut.gz" > "$tmp/out" 2> "$tmp/err"; st=$?
n=$(wc -l < "$tmp/out")
check "truncated gzip: exit 6" '[ $st -eq 6 ]'
check "truncated gzip: posts before the damage printed ($n)" '[ "$n" -gt 1000 ] && [ "$n" -lt 30000 ]'
check "truncated gzip: the message names the file" 'grep -q "cut.gz: gzip stream ends before its end" "$tmp/err"'

"$bin" read "$d/junk.txt" > /dev/null 2> "$tmp/err"; st=$?
check "no format: exit 5" '[ $st -eq 5 ]'
check "no format: lists the formats tried" 'grep -q "no known format fits: .*csv: the first line is not a comma-separated header" "$tmp/err" && grep -q "jsonl" "$tmp/err"'

{ echo '{"text":"small"}'; printf '{"text":"'; head -c 3000000 /dev/zero | tr '\0' 'x'; echo '"}'; echo '{"text":"tail"}'; } | zstd -q -c > "$tmp/big.zst"
"$bin" read --max-record 1M "$tmp/big.zst" > "$tmp/out" 2> "$tmp/err"; st=$?
check "max-record on a stream: exit 0, 2 posts" '[ $st -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 2 ]'
check "max-record: warned with the line" 'grep -q "big.zst:2: skipped: record of 3000012 bytes is over the limit" "$tmp/err"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
