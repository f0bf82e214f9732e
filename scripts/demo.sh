#!/usr/bin/env bash
# demo.sh BUILD_DIR: the main job on the bundled sample, with the embedded default store (SQLite).
# examples/chatter-2021.jsonl is synthetic and benign (seven languages, July-September 2021);
# examples/afghanistan-2021.yaml is the example watchlist. The store is made anew in BUILD_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$build/tocsin
wl=examples/afghanistan-2021.yaml
data=examples/chatter-2021.jsonl
db=$build/demo.db
rm -f "$db" "$db"-wal "$db"-shm "$db".key
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say tocsin scan --watchlist $wl --by month $data
"$bin" scan --watchlist $wl --by month "$data"

say tocsin ingest --db $db --watchlist $wl $data
"$bin" ingest --db "$db" --watchlist "$wl" "$data"

say "tocsin compare --db $db --topic iskp --before 2021-07-01..2021-08-14 --after 2021-08-15..2021-09-30 --by lang --measure posts --claim 8..10"
"$bin" compare --db "$db" --topic iskp --before 2021-07-01..2021-08-14 --after 2021-08-15..2021-09-30 \
    --by lang --measure posts --claim 8..10

say "tocsin surges --db $db --topic iskp --lang ar --measure posts"
"$bin" surges --db "$db" --topic iskp --lang ar --measure posts
