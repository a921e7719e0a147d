#!/usr/bin/env bash
# Installs what building and testing Reposync needs, and nothing that is already there.
#
#   scripts/setup.sh          tools to build and run: the WASM target, cargo-leptos, the matching
#                             wasm-bindgen CLI, and npm's binaryen (wasm-opt)
#   scripts/setup.sh --test   also what the tests need: Playwright, Chromium and PostgreSQL
#
# Everything comes from crates.io, npm and Debian's packages; nothing downloads itself later.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { echo "setup: $*"; }
is_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  if ! is_root; then
    echo "setup: missing $*; install it with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  say "installing $* from Debian's packages"
  if [ ! -f /tmp/.reposync-apt-updated ]; then
    apt-get update -qq && touch /tmp/.reposync-apt-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup first" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: npm not found; install Node.js (20 or newer) first" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 13 minutes on 2 cores, once)"
  cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION" --features no_downloads
fi

# The CLI must match the wasm-bindgen crate in Cargo.lock to the patch version.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
[ -n "$bindgen_version" ] || { echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $bindgen_version"; then
  say "installing wasm-bindgen-cli $bindgen_version (to match Cargo.lock)"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# npm ci only when the lock file changed since the last install.
npm_ci() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}
npm_ci .

if [ "$want_test" = 1 ]; then
  npm_ci end2end
  # The test scripts pick free ports with python3.
  command -v python3 >/dev/null || apt_install python3
  # The API tests run the seed's curl line as written.
  command -v curl >/dev/null || apt_install curl
  [ -x /usr/bin/chromium ] || apt_install chromium
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    apt_install postgresql
  fi
fi
