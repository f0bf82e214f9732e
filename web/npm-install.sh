#!/usr/bin/env bash
# npm-install.sh DIR: installs the dashboard's chart library (web/package.json: uPlot) from npm
# into DIR/node_modules for embedding at build time. The build needs npm: a clear error if not.
set -euo pipefail
dir=$1
if ! command -v npm >/dev/null 2>&1; then
    echo "tocsin build: npm is needed to fetch uPlot for the dashboard (tocsin serve);" \
         "install Debian's npm (scripts/deps.sh does) and run make again" >&2
    exit 1
fi
mkdir -p "$dir"
cp "$(dirname "$0")/package.json" "$dir/package.json"
cd "$dir"
if ! npm install --no-audit --no-fund --no-save --prefer-offline --loglevel=error >npm.log 2>&1; then
    echo "tocsin build: 'npm install' of uPlot into $dir failed:" >&2
    tail -n 20 npm.log >&2
    exit 1
fi
test -f node_modules/uplot/dist/uPlot.iife.min.js || { echo "tocsin build: uPlot missing after npm install" >&2; exit 1; }
touch node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css
