#!/usr/bin/env bash
# serve_api.sh BUILD_DIR: `tocsin serve` over HTTP with curl: the API answers the same objects as
# the CLI's JSON (trend, compare, surges, sources); bad parameters get 400 with a JSON error; only
# GET/HEAD, no bodies, no file paths; a non-loopback address without a token refuses to start, and
# with one every request without it gets 401; the Host check on loopback; the event-stream cap;
# an event after an ingest. Ends with "N passed, N failed".
set -u
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
bin=$build/tocsin
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
if ! command -v jq >/dev/null || ! command -v curl >/dev/null || [ ! -x "$build/tests/tools/gen_surge" ]; then
    echo "serve_api: needs jq, curl and $build/tests/tools/gen_surge"; echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d /tmp/tocsin-e2e-serve-XXXXXX)
pids=()
servers=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
"$build/tests/tools/gen_surge" "$tmp" >/dev/null
db=$tmp/t.db
"$bin" ingest --db "$db" --watchlist "$tmp/watchlist.yaml" --lang-source input "$tmp/scenario.jsonl" 2>/dev/null ||
    { bad "ingest"; echo "$pass passed, $fail failed"; exit 1; }

# start LOG ARGS...: starts a server in the background; sets $port
start() {
    local log=$1; shift
    "$bin" serve --db "$db" "$@" 2>"$log" &
    pids+=($!)
    servers+=($!)
    port=
    for _ in $(seq 1 50); do
        port=$(sed -n 's|.* on http://[^ ]*:\([0-9][0-9]*\)/$|\1|p' "$log" | head -n 1)
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    return 1
}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# --- refusals at start
timeout 5 "$bin" serve --db "$db" --listen 0.0.0.0:0 >/dev/null 2>"$tmp/e1"; rc=$?
check "non-loopback without a token refuses to start (exit $rc)" "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'token' '$tmp/e1'"
timeout 5 "$bin" serve --db "$db" --listen 0.0.0.0:0 --token short >/dev/null 2>"$tmp/e2"; rc=$?
check "a short token is refused" "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q '16 to 128' '$tmp/e2'"
timeout 5 "$bin" serve --db "$tmp/none.db" --listen 127.0.0.1:0 >/dev/null 2>"$tmp/e3"; rc=$?
check "a missing store is an error at start" "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
timeout 5 "$bin" serve --db "$db" --listen nonsense >/dev/null 2>"$tmp/e4"; rc=$?
check "a bad address is refused" "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'ADDR:PORT' '$tmp/e4'"

# --- token on a non-loopback address
if start "$tmp/tok.log" --listen 0.0.0.0:0 --token new; then
    # the token lines follow the address line: wait for the "open" line that ends them
    for _ in $(seq 1 50); do grep -q '^  open ' "$tmp/tok.log" && break; sleep 0.1; done
    tok=$(sed -n 's/.*token (shown once): //p' "$tmp/tok.log")
    u=http://127.0.0.1:$port
    # -F -e: a generated token may start with '-' (base64url)
    check "a generated token is printed once (32 characters)" "[ \${#tok} -eq 32 ] && [ \$(grep -cF -e \"$tok\" '$tmp/tok.log') -eq 2 ]"
    check "no token: 401" "[ \$(code $u/api/sources) = 401 ] && [ \$(code $u/) = 401 ] && [ \$(code $u/static/app.js) = 401 ]"
    check "401 is a JSON error" "curl -s $u/api/trend | jq -e '.error | test(\"token\")' >/dev/null"
    check "a wrong token: 401" "[ \$(code -H 'Authorization: Bearer ${tok}x' $u/api/sources) = 401 ]"
    check "Authorization: Bearer: 200" "[ \$(code -H 'Authorization: Bearer $tok' $u/api/sources) = 200 ]"
    curl -s -D "$tmp/h" -o /dev/null "$u/?token=$tok"
    check "?token=: 200 and an HttpOnly SameSite=Strict cookie" "grep -q '200' '$tmp/h' && grep -qi 'set-cookie: tocsin_token=$tok; HttpOnly; SameSite=Strict' '$tmp/h'"
    check "the cookie alone: 200" "[ \$(code -b tocsin_token=$tok $u/api/trend?topic=quake) = 200 ]"
else
    bad "server with a token did not start: $(cat "$tmp/tok.log")"
fi

# --- loopback without a token
if ! start "$tmp/s.log" --listen 127.0.0.1:0 --max-connections 8; then
    bad "server did not start: $(cat "$tmp/s.log")"; echo "$pass passed, $fail failed"; exit 1
fi
u=http://127.0.0.1:$port
check "loopback: a foreign Host header gets 403 (DNS rebinding)" "[ \$(code -H 'Host: evil.example:$port' $u/api/sources) = 403 ]"
check "loopback: localhost Host works" "[ \$(code -H 'Host: localhost:$port' $u/api/sources) = 200 ]"

# the same objects as the CLI
same() { # name URL CLI-ARGS... ; compares the API's array with the CLI's JSON lines
    local name=$1 url=$2; shift 2
    curl -s "$url" | jq -c '.[]' > "$tmp/api.json"
    "$bin" "$@" --db "$db" --output json | jq -c . > "$tmp/cli.json"
    check "$name: same objects as the CLI ($(wc -l < "$tmp/cli.json") rows)" "[ -s '$tmp/cli.json' ] && cmp -s '$tmp/api.json' '$tmp/cli.json'"
}
same "/api/trend" "$u/api/trend?topic=quake&lang=en" trend --topic quake --lang en
same "/api/trend by week, authors" "$u/api/trend?by=week&measure=authors" trend --by week --measure authors
same "/api/compare" "$u/api/compare?topic=quake&before=2024-03-06..2024-03-15&after=2024-04-10..2024-04-17" \
    compare --topic quake --before 2024-03-06..2024-03-15 --after 2024-04-10..2024-04-17
same "/api/compare by channel, posts, per-day, claim" "$u/api/compare?topic=quake&before=2024-03-06..2024-03-15&after=2024-04-10..2024-04-17&by=channel&measure=posts&normalize=per-day&claim=2..6&level=0.9" \
    compare --topic quake --before 2024-03-06..2024-03-15 --after 2024-04-10..2024-04-17 --by channel --measure posts --normalize per-day --claim 2..6 --level 0.9
same "/api/surges" "$u/api/surges?topic=quake" surges --topic quake
same "/api/surges esd" "$u/api/surges?topic=quake&method=esd&measure=posts" surges --topic quake --method esd --measure posts
curl -s "$u/api/sources" | jq -c '.sources[], .channels[]' > "$tmp/api.json"
"$bin" sources --db "$db" --output json | jq -c . > "$tmp/cli.json"
check "/api/sources: same objects as the CLI" "[ -s '$tmp/cli.json' ] && cmp -s '$tmp/api.json' '$tmp/cli.json'"

# bad parameters: 400 with a JSON error naming the parameter
bad400() { # name URL field
    local body
    body=$(curl -s -w '\n%{http_code}' "$2")
    check "$1: 400 naming '$3'" "[ \"\$(printf '%s' \"\$body\" | tail -n 1)\" = 400 ] && printf '%s' \"\$body\" | head -n 1 | jq -e --arg f '$3' '.field == \$f and (.error | length > 0)' >/dev/null"
}
bad400 "bad bucket" "$u/api/trend?by=year" by
bad400 "unknown parameter" "$u/api/trend?topic=quake&drop=1" drop
bad400 "bad measure" "$u/api/compare?topic=quake&before=2024-03-06..2024-03-15&after=2024-04-10..2024-04-17&measure=x" measure
bad400 "missing window" "$u/api/compare?topic=quake&before=2024-03-06..2024-03-15" after
bad400 "bad date" "$u/api/compare?topic=quake&before=2024-13-06..2024-03-15&after=2024-04-10..2024-04-17" before
bad400 "bad level" "$u/api/surges?level=1.5" level
bad400 "bad top" "$u/api/surges?top=0" top
bad400 "control character" "$u/api/trend?topic=a%01b" topic
code400=$(code "$u/api/compare?topic=nosuch&before=2024-03-06..2024-03-15&after=2024-04-10..2024-04-17")
check "unknown topic: 400" "[ $code400 = 400 ]"
check "unknown API: 404" "[ \$(code $u/api/nothing) = 404 ]"
check "POST: 405" "[ \$(code -X POST $u/api/trend) = 405 ]"
check "a body: 413 or 405" "c=\$(code -X GET --data-binary @'$tmp/scenario.jsonl' $u/api/trend); [ \$c = 413 ] || [ \$c = 405 ]"
check "no file paths: /etc/passwd, ../, %2e%2e all 404" "[ \$(code --path-as-is $u/../../etc/passwd) = 404 ] && [ \$(code $u/static/..%2f..%2fetc%2fpasswd) = 404 ] && [ \$(code $u/etc/passwd) = 404 ] && [ \$(code $u/index.html) = 404 ]"
big=$(head -c 40000 /dev/zero | tr '\0' 'a')
c=$(code -H "X-Big: $big" "$u/api/sources")
check "a 40 KB header is refused (got $c)" "[ '$c' != 200 ]"
check "every answer carries the CSP and nosniff" "curl -s -D - -o /dev/null $u/ | grep -qi \"content-security-policy: default-src 'none'; script-src 'self'\" && curl -s -D - -o /dev/null $u/ | grep -qi 'x-content-type-options: nosniff'"
check "an asset has an ETag and answers 304 to it" "e=\$(curl -s -D - -o /dev/null $u/static/app.js | sed -n 's/^[Ee][Tt][Aa][Gg]: //p' | tr -d '\r'); [ -n \"\$e\" ] && [ \$(code -H \"If-None-Match: \$e\" $u/static/app.js) = 304 ]"
check "uPlot is embedded" "curl -s $u/static/uPlot.min.js | head -c 3000 | grep -q uPlot"
check "post texts reach JSON with < > & escaped" "curl -s '$u/api/surges?topic=quake' | grep -q 'text' && ! curl -s '$u/api/surges?topic=quake' | grep -q '[<>]'"

# single flight: 6 simultaneous requests for the same new answer run the query once (one miss,
# the others wait and get the cached answer)
for i in 1 2 3 4 5 6; do curl -s -D "$tmp/sf$i" -o "$tmp/sfb$i" "$u/api/surges?method=pelt&top=7" & done
wait_curls() { for _ in $(seq 1 100); do [ "$(ls "$tmp"/sfb* 2>/dev/null | wc -l)" -eq 6 ] && ! pgrep -f "top=7" >/dev/null && return; sleep 0.1; done; }
wait_curls
misses=$(grep -L -i 'x-tocsin-cache: hit' "$tmp"/sf[0-9] | wc -l)
check "single flight: 6 simultaneous identical requests, one computed ($misses misses), same answers" \
    "[ $misses -eq 1 ] && cmp -s '$tmp/sfb1' '$tmp/sfb6' && cmp -s '$tmp/sfb2' '$tmp/sfb5' && [ -s '$tmp/sfb1' ]"

# event streams: capped (8 connections: 4 streams at most), and an ingest sends an update
for i in 1 2 3 4; do curl -s -N "$u/api/events" > "$tmp/ev$i" & pids+=($!); done
sleep 0.5
check "an event stream over the cap: 503" "[ \$(code --max-time 3 $u/api/events) = 503 ]"
sleep 0.3; c=$(code --max-time 3 "$u/api/sources")
check "the API still answers with 4 streams open (got $c)" "[ $c = 200 ]"
tail -n 20 "$tmp/scenario.jsonl" | sed 's/"id":"/"id":"late-/' > "$tmp/late.jsonl"
"$bin" ingest --db "$db" --watchlist "$tmp/watchlist.yaml" --lang-source input "$tmp/late.jsonl" 2>/dev/null
for _ in $(seq 1 30); do grep -q 'event: update' "$tmp/ev1" && break; sleep 0.1; done
check "an ingest sends 'event: update' to every open stream" "grep -q 'event: hello' '$tmp/ev1' && grep -q 'event: update' '$tmp/ev1' && grep -q 'event: update' '$tmp/ev4'"
curl -s "$u/api/trend?topic=quake" | jq -c '.[]' > "$tmp/api.json"
"$bin" trend --topic quake --db "$db" --output json | jq -c . > "$tmp/cli.json"
check "after the ingest the API answers the new counts (cache dropped)" "cmp -s '$tmp/api.json' '$tmp/cli.json'"
# a clean stop: SIGTERM ends every server with status 0, and nothing (sanitizers included) was
# reported on their stderr
rcs=""
for p in "${servers[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; rcs="$rcs$?"; done
check "SIGTERM stops the servers cleanly (exit statuses: $rcs)" "[ -n '$rcs' ] && [ -z \"\$(printf '%s' '$rcs' | tr -d 0)\" ]"
check "no sanitizer or runtime error in the servers' logs" "! grep -qE 'Sanitizer|runtime error' '$tmp/tok.log' '$tmp/s.log'"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
