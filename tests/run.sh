#!/usr/bin/env bash
# run.sh BUILD_DIR...: runs every unit-test binary and every golden CLI test (tests/cli/*.t)
# against each build directory, and ends with one line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
# The CLI caches compiled watchlists; the tests keep that cache out of the user's home.
export TOCSIN_CACHE_DIR="$PWD/build/test-cache"
total_pass=0
total_fail=0
failed_names=()

run_unit() { # $1 = binary
    local out rc last p f
    out=$("$1" 2>&1); rc=$?
    last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$last" ]; then
        printf '%s\n' "$out" | tail -n 20
        echo "FAIL $1: crashed or printed no summary (exit $rc)"
        total_fail=$((total_fail + 1)); failed_names+=("$1")
        return
    fi
    p=${last%% passed*}; f=${last#*, }; f=${f%% failed*}
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
        printf '%s\n' "$out" | grep -E 'FAIL|ERROR|Sanitizer|runtime error' | head -n 40
        failed_names+=("$1")
        [ "$f" -eq 0 ] && total_fail=$((total_fail + 1))
    fi
    echo "$1: $last"
}

for build in "$@"; do
    echo "== $build"
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        run_unit "$t"
    done
    out=$(tests/cli/run-golden.sh "$build" 2>&1)
    printf '%s\n' "$out" | grep -vE '^ok ' | tail -n 60
    last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -n "$last" ]; then
        p=${last%% passed*}; f=${last#*, }; f=${f%% failed*}
        total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
        [ "$f" -ne 0 ] && failed_names+=("golden($build)")
    else
        total_fail=$((total_fail + 1)); failed_names+=("golden($build)")
    fi
    for e in tests/e2e/*.sh; do
        [ -x "$e" ] || continue
        out=$("$e" "$build" 2>&1)
        last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
        if [ -z "$last" ]; then
            printf '%s\n' "$out" | tail -n 20; echo "FAIL $e: no summary"
            total_fail=$((total_fail + 1)); failed_names+=("$e($build)"); continue
        fi
        p=${last%% passed*}; f=${last#*, }; f=${f%% failed*}
        total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
        [ "$f" -ne 0 ] && { printf '%s\n' "$out" | grep -E 'FAIL' | head -n 30; failed_names+=("$e($build)"); }
        echo "$e: $last"
    done
done
[ ${#failed_names[@]} -gt 0 ] && echo "failing: ${failed_names[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
