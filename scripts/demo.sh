#!/usr/bin/env bash
# demo.sh BUILD_DIR: the main job on the bundled sample: scan examples/chatter-2021.jsonl (synthetic,
# benign, seven languages) with the example watchlist examples/afghanistan-2021.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/tocsin
wl=examples/afghanistan-2021.yaml
data=examples/chatter-2021.jsonl
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say tocsin scan --watchlist $wl --by month $data
"$bin" scan --watchlist $wl --by month "$data"

say "tocsin scan --watchlist $wl --matches $data | sed -n '1p;200p'"
"$bin" scan --watchlist $wl --matches "$data" 2>/dev/null | sed -n '1p;200p'
