#!/usr/bin/env bash
# Prints the release bundle's sizes (raw and gzip -9); with --check, fails when WASM + JS
# exceed the budget (250 kB gzip together).
set -euo pipefail
cd "$(dirname "$0")/.."
budget=$((250 * 1000))
pkg=target/site/pkg
[ -f "$pkg/reposync.wasm" ] || { echo "bundle-size: no release bundle in $pkg; run cargo leptos build --release" >&2; exit 1; }
total=0
for f in "$pkg/reposync.wasm" "$pkg/reposync.js" "$pkg/reposync.css"; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  printf '%-28s %9d bytes raw %9d bytes gzip\n' "$(basename "$f")" "$raw" "$gz"
  case "$f" in *.wasm|*.js) total=$((total + gz)) ;; esac
done
printf 'WASM + JS gzip: %d bytes (budget %d)\n' "$total" "$budget"
if [ "${1:-}" = "--check" ] && [ "$total" -gt "$budget" ]; then
  echo "bundle-size: over budget" >&2
  exit 1
fi
