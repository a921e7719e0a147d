#!/usr/bin/env bash
# Runs every check Reposync has, in order, and stops at the first failure:
# formatting, clippy (server and WASM builds), unit and integration tests (SQLite and a real
# PostgreSQL), the release build with its size budget, and the Playwright suite.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "setup"
scripts/setup.sh --test

step "format"
cargo fmt --all -- --check

step "clippy: server build (ssr)"
cargo clippy --locked -p app --features ssr -p server --all-targets -- -D warnings

step "clippy: browser build (hydrate, wasm32)"
cargo clippy --locked -p frontend --target wasm32-unknown-unknown -- -D warnings

step "start PostgreSQL for the tests"
pg_dir=$(mktemp -d -t reposync-pg.XXXXXX)
REPOSYNC_TEST_POSTGRES_URL=$(scripts/postgres.sh start "$pg_dir")
export REPOSYNC_TEST_POSTGRES_URL
trap 'scripts/postgres.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
echo "PostgreSQL at $REPOSYNC_TEST_POSTGRES_URL"

step "unit tests: app"
cargo test --locked -p app --features ssr

step "unit and integration tests: server"
cargo test --locked -p server

step "release build (cargo leptos build --release)"
cargo leptos build --release

step "bundle size budget"
scripts/bundle-size.sh --check

step "browser tests (Playwright, release binary)"
E2E_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
E2E_SIM_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export E2E_PORT E2E_SIM_PORT
(cd end2end && npx playwright test)

printf '\nAll checks passed.\n'
