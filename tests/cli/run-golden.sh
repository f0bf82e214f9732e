#!/usr/bin/env bash
# run-golden.sh BUILD_DIR: runs the golden CLI tests tests/cli/*.t. A case file is:
#   # comment lines
#   cmd: tocsin ARGS...          (run by bash from the repo root; `tocsin` is BUILD_DIR/tocsin)
#   status: N                    (expected exit status)
#   --- stdout                   (then the exact expected stdout, up to the next --- or the end)
#   --- stderr                   (optional: the exact expected stderr)
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
build=$1
bindir="$(cd "$build" && pwd)"
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for t in tests/cli/*.t; do
    [ -e "$t" ] || continue
    cmd=$(sed -n 's/^cmd: //p' "$t" | head -n 1)
    want_status=$(sed -n 's/^status: //p' "$t" | head -n 1)
    awk -v out="$tmp/want_stdout" -v err="$tmp/want_stderr" '
        /^--- stdout$/ {mode=1; printf "" > out; next}
        /^--- stderr$/ {mode=2; printf "" > err; next}
        mode==1 {print >> out} mode==2 {print >> err}' "$t"
    rm -f "$tmp/got_stdout" "$tmp/got_stderr"
    PATH="$bindir:$PATH" bash -c "$cmd" </dev/null >"$tmp/got_stdout" 2>"$tmp/got_stderr"
    got_status=$?
    ok=1
    [ "$got_status" = "${want_status:-0}" ] || { ok=0; echo "  $t: exit status $got_status, expected ${want_status:-0}"; }
    if [ -f "$tmp/want_stdout" ] && ! diff -u "$tmp/want_stdout" "$tmp/got_stdout" > "$tmp/d"; then
        ok=0; echo "  $t: stdout differs:"; head -n 30 "$tmp/d"
    fi
    if [ -f "$tmp/want_stderr" ] && ! diff -u "$tmp/want_stderr" "$tmp/got_stderr" > "$tmp/d"; then
        ok=0; echo "  $t: stderr differs:"; head -n 30 "$tmp/d"
    fi
    if grep -qE 'Sanitizer|runtime error' "$tmp/got_stderr"; then ok=0; echo "  $t: sanitizer report:"; head -n 20 "$tmp/got_stderr"; fi
    rm -f "$tmp/want_stdout" "$tmp/want_stderr"
    if [ $ok = 1 ]; then pass=$((pass+1)); echo "ok $t"; else fail=$((fail+1)); echo "FAIL $t"; fi
done
echo "$pass passed, $fail failed"
