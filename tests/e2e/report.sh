#!/usr/bin/env bash
# report.sh BUILD_DIR: issue 7's "must show" for `tocsin report`. The issue 6 scenario (known
# share ratios in three languages, channel churn, a copy-paste flood; tests/tools/gen_surge.c)
# plus hostile posts (a post `<img src=x onerror=...>`, a post `<script>...</script>`, a channel
# name and a topic label with markup) is ingested; then:
#  - the report is one self-contained file: no script, no external reference, a CSP forbidding
#    scripts, the same bytes on a second run;
#  - its numbers are tocsin compare's and tocsin surges' (ratios and intervals, change days);
#  - Debian's chromium, headless and offline, renders it: charts are non-empty (SVG paths with
#    data points), hostile texts show as text and nothing ran (no marker element in the DOM,
#    title unchanged), while a control page holding the raw payload does set the marker (so the
#    check can fail); a screenshot is kept in BUILD_DIR/artifacts/report.png; print to PDF works;
#  - bad arguments give clear errors.
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
    echo "report: needs jq and $build/tests/tools/gen_surge (make tests)"; echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d /tmp/tocsin-e2e-report-XXXXXX); [ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
"$build/tests/tools/gen_surge" "$tmp" || { bad "generator"; echo "$pass passed, $fail failed"; exit 1; }
cat >> "$tmp/watchlist.yaml" <<'YAML'
  - id: xss
    label: "Hostile <b>label</b> & \"quotes\""
    terms: [zorblax]
YAML
cat > "$tmp/hostile.jsonl" <<'JSONL'
{"id":"h1","created_at":"2024-03-02T10:00:00Z","author":"x1","channel":"evil<script>alert(1)</script>","lang":"en","text":"zorblax <img src=x onerror=\"document.body.appendChild(document.createElement('b')).id='pwned'\">"}
{"id":"h2","created_at":"2024-03-03T10:00:00Z","author":"x2","channel":"en_a","lang":"en","text":"<script>document.title='PWNED'</script> zorblax"}
{"id":"h3","created_at":"2024-03-04T10:00:00Z","author":"x3","channel":"ar_a","lang":"ar","text":"زلزال zorblax \"q\" & 'single' </blockquote><svg onload=\"document.title='PWNED'\">"}
JSONL
db=$tmp/t.db
if ! "$bin" ingest --db "$db" --watchlist "$tmp/watchlist.yaml" --lang-source input "$tmp/scenario.jsonl" "$tmp/hostile.jsonl" 2>"$tmp/err"; then
    bad "ingest: $(cat "$tmp/err")"; echo "$pass passed, $fail failed"; exit 1
fi
ok "ingest"

B=2024-03-06..2024-03-15; A=2024-04-10..2024-04-17
r=$tmp/report.html
"$bin" report --db "$db" --before $B --after $A --claim 4..6 --out "$r" 2>"$tmp/err"
check "report runs ($(head -c 200 "$tmp/err"))" '[ $? -eq 0 ] && [ -s "$r" ]'
"$bin" report --db "$db" --before $B --after $A --claim 4..6 --out "$tmp/again.html" 2>/dev/null
check "the same store and options give the same bytes" 'cmp -s "$r" "$tmp/again.html"'

# --- self-contained and script-free
check "no <script>, <link>, <img>, <iframe> or event handler attribute in the markup" \
    '! grep -qiE "<(script|link|img|iframe|object|embed)[ >]| on[a-z]+=\"" "$r"'
check "no reference outside the file (only the SVG namespace URI)" \
    '[ -z "$(grep -oE "(https?:|//)[^\" )<]*" "$r" | grep -v "^http://www.w3.org/2000/svg$" | grep -v "^//" )" ] && ! grep -qE "(src|href)=\"(https?:)?//" "$r"'
check "a Content-Security-Policy forbids scripts (default-src 'none')" \
    "grep -q \"Content-Security-Policy\\\" content=\\\"default-src 'none'\" '$r'"
check "print CSS: A4 page, each topic on its own page" 'grep -q "@page{size:A4" "$r" && grep -q "section.topic{break-before:page}" "$r"'
check "hostile text is escaped in the markup" \
    'grep -qF "&lt;img src=x onerror=&quot;document.body.appendChild" "$r" && grep -qF "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" "$r" && grep -qF "evil&lt;script&gt;alert(1)&lt;/script&gt;" "$r" && grep -qF "Hostile &lt;b&gt;label&lt;/b&gt; &amp; &quot;quotes&quot;" "$r"'
check "matched terms highlighted, posts with dir=auto" \
    'grep -qF "<mark>zorblax</mark>" "$r" && grep -qF "<mark>землетрясение</mark>" "$r" && [ "$(grep -c "<blockquote dir=\"auto\"" "$r")" -ge 8 ]'
check "methods: version, source SHA-256 of the input, watchlist hash, penalty rule" \
    "grep -q 'tocsin $("$bin" --help | sed -n 's/.*tocsin \([0-9.]*\)$/\1/p')' '$r' && grep -q \"\$(sha256sum '$tmp/scenario.jsonl' | cut -c1-64)\" '$r' && grep -q 'Watchlist hash: <code>' '$r' && grep -q 'log n per change' '$r'"

# --- the numbers are tocsin compare's
"$bin" compare --db "$db" --topic quake --before $B --after $A --claim 4..6 --output json > "$tmp/cmp.json" 2>/dev/null
fmt() { awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else if (v >= 10) printf "%.1f", v; else if (v >= 1) printf "%.2f", v; else printf "%.2g", v }'; }
for l in en ar ru; do
    read -r ra lo hi verdict < <(jq -r --arg l "$l" 'select(.lang == $l) | "\(.rate_ratio) \(.ci_low) \(.ci_high) \(.verdict)"' "$tmp/cmp.json")
    row="<td>$l</td>.*<b>$(fmt "$ra")</b></td><td class=\"n\">$(fmt "$lo") to $(fmt "$hi") .*<b>$verdict</b>"
    check "comparison row $l = tocsin compare (×$(fmt "$ra"), $(fmt "$lo") to $(fmt "$hi"), $verdict)" \
        "grep -q '^<tr><td><a href=\"#t0\">quake</a></td>$row' '$r'"
done
check "a topic with no post in the windows gets a note, not an error" 'grep -q "xss&#39; has no posts in either window\|has no posts in either window" "$r"'
# --- and tocsin surges'
"$bin" surges --db "$db" --topic quake --output json > "$tmp/surges.json" 2>/dev/null
nf=0; nfound=0
while read -r lang start lo hi ra cl ch; do
    nf=$((nf + 1))
    between="$lo to $hi"
    grep -q "<td>$lang</td><td>$start</td><td>$between</td>.*<b>$(fmt "$ra")</b></td><td class=\"n\">$(fmt "$cl") to $(fmt "$ch")</td>" "$r" && nfound=$((nfound + 1))
done < <(jq -r 'select(.topic == "quake" and .start != null) | "\(.lang) \(.start) \(.start_ci[0]) \(.start_ci[1]) \(.rate_ratio) \(.ci_low) \(.ci_high)"' "$tmp/surges.json" 2>/dev/null)
check "every change tocsin surges finds is in the report's table, same day, interval and ratio ($nfound of $nf)" '[ "$nf" -ge 3 ] && [ "$nfound" -eq "$nf" ]'

# --- chromium, headless, offline
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
    bad "chromium is not installed (scripts/deps.sh installs it)"
    echo "$pass passed, $fail failed"; exit 1
fi
run_chrome() { # $1 = what, $2 = url; rest = extra flags
    local prof; prof=$(mktemp -d "$tmp/profile-XXXXXX")
    local url=$2; shift 2
    timeout 90 "$chrome" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$prof" "$@" "$url" 2>>"$tmp/chrome.log"
}
mkdir -p "$build/artifacts"
run_chrome dom "file://$r" --virtual-time-budget=2000 --dump-dom > "$tmp/dom.html"
check "chromium renders the report (DOM of $(wc -c < "$tmp/dom.html") bytes)" '[ "$(wc -c < "$tmp/dom.html")" -gt 10000 ] && grep -q "</html>" "$tmp/dom.html"'
pts() { grep -oE "<path class=\"$1\" d=\"[^\"]*\"" "$tmp/dom.html" | awk -F'L' '{print NF}' | sort -n | tail -n 1; }
check "the quake chart has raw, unique and share lines with >= 50 points each" \
    '[ "$(pts s-posts)" -ge 50 ] && [ "$(pts s-unique)" -ge 50 ] && [ "$(pts s-share)" -ge 50 ]'
check "small multiples: a non-empty unique line per language (>= 4 with data: quake en/ar/ru, xss)" \
    '[ "$(grep -oE "<path class=\"s-unique\" d=\"M[^\"]*L[^\"]*\"" "$tmp/dom.html" | wc -l)" -ge 6 ]'
check "changes and windows are drawn (3 change bands with interval bars, before/after windows)" \
    '[ "$(grep -o "<g class=\"m-change\">" "$tmp/dom.html" | wc -l)" -ge 3 ] && grep -q "<rect class=\"ci\"" "$tmp/dom.html" && grep -q "<g class=\"m-before\">" "$tmp/dom.html" && grep -q "<g class=\"m-after\">" "$tmp/dom.html"'
check "coverage strip: a bar per channel" '[ "$(grep -oE "<g class=\"cov( flagged)?\">" "$tmp/dom.html" | wc -l)" -ge 8 ]'
check "no hostile script ran: no marker element, title unchanged" \
    '! grep -q "<b id=\"pwned\">" "$tmp/dom.html" && grep -q "<title>tocsin report</title>" "$tmp/dom.html" && ! grep -q "<title>PWNED" "$tmp/dom.html"'
check "hostile posts show as text in the rendered page" \
    'grep -qF "&lt;img src=x onerror=" "$tmp/dom.html" && grep -qF "&lt;script&gt;document.title=" "$tmp/dom.html"'
# control: the same payload unescaped and without CSP does run in this browser, so the check above can fail
printf '<!DOCTYPE html><html><head><title>control</title></head><body><p>%s</p></body></html>\n' \
    "<img src=x onerror=\"document.body.appendChild(document.createElement('b')).id='pwned'\">" > "$tmp/control.html"
run_chrome control "file://$tmp/control.html" --virtual-time-budget=2000 --dump-dom > "$tmp/control_dom.html"
check "control: the raw payload sets the marker in the same browser (the check can fail)" 'grep -q "<b id=\"pwned\">" "$tmp/control_dom.html"'
rm -f "$build/artifacts/report.png"
run_chrome shot "file://$r" --hide-scrollbars --window-size=1280,2000 --screenshot="$build/artifacts/report.png" >/dev/null
check "screenshot kept as $build/artifacts/report.png" '[ "$(stat -c %s "$build/artifacts/report.png" 2>/dev/null || echo 0)" -gt 50000 ]'
run_chrome pdf "file://$r" --no-pdf-header-footer --print-to-pdf="$tmp/report.pdf" >/dev/null
check "print to PDF gives a document of several pages" \
    '[ "$(head -c 4 "$tmp/report.pdf" 2>/dev/null)" = "%PDF" ] && [ "$(grep -ac "/Type /Page\b\|/Type/Page\b" "$tmp/report.pdf")" -ge 3 ]'

# --- errors
"$bin" report --db "$db" --topic nope --out "$tmp/x.html" 2>"$tmp/err"; s=$?
check "unknown topic: exit 3, names the store's topics, no file" '[ $s -eq 3 ] && grep -q "unknown topic .nope. (the store has: quake, xss)" "$tmp/err" && [ ! -e "$tmp/x.html" ]'
"$bin" report --db "$db" --before $B --out "$tmp/x.html" 2>"$tmp/err"; s=$?
check "--before without --after: usage error" '[ $s -eq 3 ] && grep -q "go together" "$tmp/err"'
"$bin" report --db "$db" --before $B --after 2024-03-10..2024-03-20 --out "$tmp/x.html" 2>"$tmp/err"; s=$?
check "overlapping windows: usage error" '[ $s -eq 3 ] && grep -q "overlap" "$tmp/err"'
"$bin" report --db "$tmp/missing.db" --out "$tmp/x.html" 2>"$tmp/err"; s=$?
check "a missing store: an error naming it, no file" '[ $s -ne 0 ] && grep -q "missing.db" "$tmp/err" && [ ! -e "$tmp/x.html" ]'
"$bin" report --db "$db" --out "$tmp/nodir/x.html" 2>"$tmp/err"; s=$?
check "an unwritable output: I/O error naming the file" '[ $s -eq 2 ] && grep -q "nodir/x.html" "$tmp/err"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
