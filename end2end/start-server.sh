#!/usr/bin/env bash
# Starts the release binary as an operator would: copied alone into an empty directory, so the
# browser tests also prove that it needs no site files, config or database beside it.
set -euo pipefail
port=${1:?usage: start-server.sh PORT SIM_PORT}
sim_port=${2:?usage: start-server.sh PORT SIM_PORT}
bin="$(cd "$(dirname "$0")/.." && pwd)/target/release/reposync"
if [ ! -x "$bin" ]; then
  echo "start-server.sh: no release binary at $bin; run 'cargo leptos build --release' first" >&2
  exit 1
fi
dir=$(mktemp -d -t reposync-e2e.XXXXXX)
cp "$bin" "$dir/reposync"
cd "$dir"
echo "start-server.sh: running a copy of reposync in $dir" >&2
# No REPOSYNC_FORGE: demo mode, with its simulated forge on SIM_PORT.
unset REPOSYNC_FORGE
exec ./reposync serve --addr "127.0.0.1:$port" --demo-forge-addr "127.0.0.1:$sim_port"
