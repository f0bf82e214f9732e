#!/usr/bin/env bash
# serve_browser.sh BUILD_DIR: issue 7's browser must-show for `tocsin serve` and `tocsin report`.
# Builds a store from tests/tools/gen_surge's scenario (known changes in en/ar/ru, channel churn,
# a flood) plus hostile posts (<script>, <img onerror>) at the start of the en surge, starts the
# server on a free loopback port, writes a report, and runs tests/browser/dashboard.js in Debian's
# headless chromium through playwright-core (npm, installed into BUILD_DIR/browser). Screenshots
# are kept in BUILD_DIR/browser-artifacts. Ends with "N passed, N failed".
set -u
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
root=$(pwd)
bin=$build/tocsin
fail_all() { echo "serve_browser: $1"; echo "0 passed, 1 failed"; exit 1; }
command -v node >/dev/null || fail_all "needs node (scripts/deps.sh installs nodejs)"
[ -x /usr/bin/chromium ] || fail_all "needs /usr/bin/chromium (scripts/deps.sh installs it)"
[ -x "$build/tests/tools/gen_surge" ] || fail_all "needs $build/tests/tools/gen_surge (make tests)"
pw=$build/browser
if [ ! -f "$pw/node_modules/playwright-core/package.json" ] || [ tests/browser/package.json -nt "$pw/package.json" ]; then
    mkdir -p "$pw" && cp tests/browser/package.json "$pw/package.json"
    (cd "$pw" && npm install --no-audit --no-fund --prefer-offline --loglevel=error >npm.log 2>&1) ||
        fail_all "npm install of playwright-core failed: $(tail -n 5 "$pw/npm.log")"
fi
out=$build/browser-artifacts
rm -rf "$out"; mkdir -p "$out"
tmp=$(mktemp -d /tmp/tocsin-e2e-browser-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
"$build/tests/tools/gen_surge" "$tmp" >/dev/null || fail_all "generator failed"
# hostile posts on the first two days the en surge may start (day 30 = 2024-03-31), earliest of
# their days, so they are among the surge's first posts
{
  for d in 2024-03-31 2024-04-01; do
    printf '{"id":"x1-%s","created_at":"%sT00:00:01Z","author":"mallory","channel":"en_a","lang":"en","text":"<script>window.__xss=1</script> earthquake"}\n' "$d" "$d"
    printf '{"id":"x2-%s","created_at":"%sT00:00:02Z","author":"mallory","channel":"en_a","lang":"en","text":"<img src=x onerror=\\"window.__xss=2\\"> earthquake & <b>bold</b>"}\n' "$d" "$d"
  done
} > "$tmp/hostile.jsonl"
db=$tmp/t.db
"$bin" ingest --db "$db" --watchlist "$tmp/watchlist.yaml" --lang-source input "$tmp/scenario.jsonl" "$tmp/hostile.jsonl" 2>"$tmp/err" ||
    fail_all "ingest: $(cat "$tmp/err")"
# a later file for the live-update check: more posts on the last day
tail -n 50 "$tmp/scenario.jsonl" | sed 's/"id":"/"id":"late-/' > "$tmp/late.jsonl"
report=$tmp/report.html
if "$bin" report --help >/dev/null 2>&1; then
    "$bin" report --db "$db" --out "$report" 2>"$tmp/rerr" || echo "report failed: $(cat "$tmp/rerr")"
fi
"$bin" serve --db "$db" --listen 127.0.0.1:0 --poll-ms 200 2>"$tmp/serve.log" &
pid=$!
port=
for _ in $(seq 1 50); do
    port=$(sed -n 's|.* on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail_all "server did not start: $(cat "$tmp/serve.log")"
PW_DIR=$pw BASE=http://127.0.0.1:$port TOCSIN=$bin DB=$db OUT=$out REPORT=$report \
INGEST="'$bin' ingest --db '$db' --watchlist '$tmp/watchlist.yaml' --lang-source input '$tmp/late.jsonl'" \
    timeout 300 node "$root/tests/browser/dashboard.js" | tee "$tmp/node.out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$'
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp/node.out" | tail -n 1)
pass=${last%% passed*}; fail=${last#*, }; fail=${fail%% failed*}
[ -n "$last" ] || { pass=0; fail=1; echo "FAIL the browser test printed no summary"; }
# the server stops cleanly on SIGTERM and reported nothing (sanitizer builds included)
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
if [ "$rc" -eq 0 ] && ! grep -qE 'Sanitizer|runtime error' "$tmp/serve.log"; then
    pass=$((pass + 1)); echo "ok server stopped cleanly, nothing on its stderr"
else
    fail=$((fail + 1)); echo "FAIL server exit $rc: $(grep -E 'Sanitizer|runtime error' "$tmp/serve.log" | head -n 3)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
