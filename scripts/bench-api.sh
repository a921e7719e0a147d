#!/usr/bin/env bash
# Measures `GET /api/user/repos` on the release binary with wrk, for a user with 100 and with
# 10,000 repositories, next to the same server answering a fixed body of the same size
# (`/_bench/ceiling`, REPOSYNC_BENCH_CEILING) — the most any endpoint of that size could do —
# and with `If-None-Match` carrying the list's ETag (304, no body).
#
#   cargo leptos build --release && scripts/bench-api.sh [seconds per run, default 10]
#
# Needs wrk (apt-get install wrk) and curl. The forge is a `reposync forge-sim` process.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
bin=target/release/reposync
[ -x "$bin" ] || { echo "bench-api: build first: cargo leptos build --release" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench-api: wrk is missing: apt-get install wrk" >&2; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 200); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "bench-api: $1 never answered" >&2; exit 1; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
work=$(mktemp -d -t reposync-bench.XXXXXX)
trap cleanup EXIT

# One wrk run: "requests/s p50 p99". A second argument is one more request header.
measure() {
  local url=$1
  local extra=(${2:+-H "$2"})
  wrk -t2 -c16 -d"${duration}s" --latency -H "Authorization: Bearer $TOKEN" "${extra[@]}" "$url" >"$work/wrk.txt"
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  if grep -q "Non-2xx" "$work/wrk.txt"; then echo "bench-api: errors from $url" >&2; cat "$work/wrk.txt" >&2; exit 1; fi
  echo "$rps $p50 $p99"
}

printf '| repositories | body | endpoint | requests/s | p50 | p99 |\n|---:|---:|---|---:|---:|---:|\n'
for repos in 100 10000; do
  sim_port=$(free_port)
  "$bin" forge-sim --sim-addr "127.0.0.1:$sim_port" --seed-user bench --seed-repos "$repos" --seed-orgs 10 >"$work/sim.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do grep -q "token:" "$work/sim.out" 2>/dev/null && break; sleep 0.05; done
  forge_token=$(sed -n 's/.*token: //p' "$work/sim.out")
  export REPOSYNC_DATA_DIR="$work/data-$repos" REPOSYNC_FORGE=github REPOSYNC_LOG=warn \
    REPOSYNC_FORGE_API_URL="http://127.0.0.1:$sim_port"
  unset REPOSYNC_DATABASE_URL REPOSYNC_BENCH_CEILING
  "$bin" user add bench --forge-token "$forge_token" >/dev/null
  "$bin" sync --user bench --quiet >/dev/null
  TOKEN=$("$bin" token create --user bench)

  app_port=$(free_port)
  url="http://127.0.0.1:$app_port"
  REPOSYNC_ADDR="127.0.0.1:$app_port" "$bin" serve >"$work/serve.log" 2>&1 &
  server=$!
  wait_for "$url/healthz"
  curl -fs -D "$work/headers.txt" -H "Authorization: Bearer $TOKEN" "$url/api/user/repos" >"$work/body.json"
  etag=$(sed -n 's/^etag: *//Ip' "$work/headers.txt" | tr -d '\r')
  kill "$server"; wait "$server" 2>/dev/null || true
  bytes=$(wc -c <"$work/body.json")

  REPOSYNC_BENCH_CEILING="$work/body.json" REPOSYNC_ADDR="127.0.0.1:$app_port" "$bin" serve >"$work/serve.log" 2>&1 &
  server=$!
  pids+=($server)
  wait_for "$url/healthz"
  read -r rps p50 p99 < <(measure "$url/api/user/repos")
  printf '| %s | %s B | `GET /api/user/repos` | %s | %s | %s |\n' "$repos" "$bytes" "$rps" "$p50" "$p99"
  read -r rps p50 p99 < <(measure "$url/api/user/repos" "If-None-Match: $etag")
  printf '| %s | 0 B | `GET /api/user/repos`, `If-None-Match` (304) | %s | %s | %s |\n' "$repos" "$rps" "$p50" "$p99"
  read -r rps p50 p99 < <(measure "$url/_bench/ceiling")
  printf '| %s | %s B | static body (ceiling) | %s | %s | %s |\n' "$repos" "$bytes" "$rps" "$p50" "$p99"
  kill "$server"; wait "$server" 2>/dev/null || true
done
