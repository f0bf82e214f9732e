#!/usr/bin/env bash
# nab.sh BUILD_DIR [--param NAME=VALUE]...: runs `tocsin detect` over the 58 series of the Numenta
# Anomaly Benchmark (../shared/nab, or $NAB_DIR) in parallel and scores the output with tocsin's
# own NAB scorer (BUILD_DIR/bench/nab_score): the three profiles for the full corpus and for
# realTweets. Extra arguments go to `tocsin detect` (parameter experiments; the benchmarked figures
# use none). Set NAB_DETAIL=1 for per-file scores, NAB_KEEP=DIR to keep the detector output,
# NAB_SPLIT=0 or 1 to score every other file only (held-out checks of parameter choices).
set -euo pipefail
build=${1:?usage: bench/nab.sh BUILD_DIR [--param NAME=VALUE]...}
shift
cd "$(dirname "$0")/.."
nab=${NAB_DIR:-../shared/nab}
[ -d "$nab/data" ] || nab=/work/shared/nab
[ -d "$nab/data" ] || { echo "nab.sh: no NAB corpus (set NAB_DIR)" >&2; exit 2; }
out=${NAB_KEEP:-$(mktemp -d)}
[ -n "${NAB_KEEP:-}" ] || trap 'rm -rf "$out"' EXIT
export TOCSIN="$build/tocsin" OUT="$out" NAB="$nab"
(cd "$nab/data" && find . -name '*.csv' | sed 's|^\./||' | sort) |
    xargs -P "$(nproc)" -I{} bash -c 'mkdir -p "$OUT/$(dirname "$1")" && "$TOCSIN" detect "${@:2}" --output "$OUT/$1" "$NAB/data/$1"' _ {} "$@"
"$build/bench/nab_score" --nab "$nab" --results "$out" ${NAB_DETAIL:+--detail} ${NAB_SPLIT:+--split "$NAB_SPLIT"}
