#!/usr/bin/env bash
# Prints the release bundle's sizes (raw and gzip -9); with --check, fails when WASM + JS
# exceed the budget together.
#
# The budget is issue 6's: 250 kB of WASM and JS together, gzip -9 (CSS is reported, not counted).
set -euo pipefail
cd "$(dirname "$0")/.."
budget=$((250 * 1000))
pkg=target/site/pkg
newest() { ls -t "$pkg"/reposync.*."$1" 2>/dev/null | grep -v '\.d\.' | head -n 1; }
wasm=$(newest wasm); js=$(newest js); css=$(newest css)
[ -n "$wasm" ] && [ -n "$js" ] || { echo "bundle-size: no release bundle in $pkg; run cargo leptos build --release" >&2; exit 1; }
total=0
for f in "$wasm" "$js" "$css"; do
  [ -n "$f" ] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  printf '%-6s %9d bytes raw %9d bytes gzip\n' "${f##*.}" "$raw" "$gz"
  case "$f" in *.wasm|*.js) total=$((total + gz)) ;; esac
done
printf 'WASM + JS gzip: %d bytes (budget %d)\n' "$total" "$budget"
if [ "${1:-}" = "--check" ] && [ "$total" -gt "$budget" ]; then
  echo "bundle-size: over budget" >&2
  exit 1
fi
