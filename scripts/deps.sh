#!/usr/bin/env bash
# deps.sh: installs the Debian packages tocsin needs to build, test and benchmark, only those
# that are missing. Runs apt-get as root (or through sudo).
set -euo pipefail
pkgs=(build-essential pkg-config g++ libhyperscan-dev libutf8proc-dev libyaml-dev libzstd-dev
      zlib1g-dev libsqlite3-dev libsodium-dev libssl-dev libcld2-dev libgsl-dev libmicrohttpd-dev bc
      libxml2-dev libsimdjson-dev zstd gzip sqlite3 ripgrep hyperfine jq
      chromium wrk curl) # chromium: only for the browser tests (tests/e2e/report.sh renders the report)
# npm fetches uPlot for the dashboard at build time (tocsin serve); a nodejs that ships its own npm
# (e.g. from a vendor repository) must not be replaced, so Debian's are asked for only when missing
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
