#!/usr/bin/env bash
# Builds the release binary (installing missing tools first) and runs it. Arguments and
# REPOSYNC_* variables are passed through, e.g. `scripts/run.sh --addr 0.0.0.0:8080`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo leptos build --release
exec target/release/reposync serve "$@"
