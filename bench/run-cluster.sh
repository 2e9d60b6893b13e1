#!/usr/bin/env bash
# What a delivery costs when it crosses nodes: the same scenario against one
# node alone (SQLite, no bus), one node on PostgreSQL and Redis, and two nodes
# on them with each room's members spread over both, so most deliveries
# cross. Starts a private PostgreSQL and Redis (scripts/services/) and stops
# them at the end. CPU is the sum over every node, from /proc, over the run.
#
# Usage: bench/run-cluster.sh [BUILD_DIR]      (default: build/release)
# Environment: DURATION=20; SCENARIO="--rooms 20 --members-per-room 20
#   --senders-per-room 1 --rate 10" (parley-bench flags); KEEP=1 keeps logs.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
parley=$build/parley
bench=$build/parley-bench
duration=${DURATION:-20}
scenario=${SCENARIO:-"--rooms 20 --members-per-room 20 --senders-per-room 1 --rate 10"}
state=$(mktemp -d /tmp/parley-cluster-bench.XXXXXX)
chmod 755 "$state"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  "$root/scripts/services/redis.sh" stop "$state/redis" >/dev/null 2>&1
  "$root/scripts/services/postgres.sh" stop "$state/postgres" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] && echo "logs kept in $state" >&2 || rm -rf "$state"
}
trap cleanup EXIT

"$root/scripts/services/postgres.sh" start "$state/postgres" >/dev/null || exit 1
"$root/scripts/services/redis.sh" start "$state/redis" >/dev/null || exit 1
pg_url=$(cat "$state/postgres/url")
redis_url=$(cat "$state/redis/url")

# cpu_ticks PID...: utime + stime of each, summed (clock ticks).
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}

# start_node NAME FLAGS...: a node on a free port; sets node_port and node_pid.
start_node() {
  local name=$1 log="$state/$1.log"
  shift
  "$parley" --port 0 --data-dir "$state/$name" "$@" 2>"$log" &
  node_pid=$!
  pids+=("$node_pid")
  node_port=""
  for _ in $(seq 200); do
    node_port=$(sed -n 's|.*parley listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log")
    [ -n "$node_port" ] && return 0
    sleep 0.05
  done
  echo "run-cluster: $name did not start" >&2
  exit 1
}

# measure LABEL PORTS PID...: one parley-bench run; prints its figures.
measure() {
  local label=$1 ports=$2 before after out
  shift 2
  out="$state/$label.out"
  before=$(cpu_ticks "$@")
  # shellcheck disable=SC2086
  "$bench" --port "$ports" --quiet $scenario --warmup 3 --duration "$duration" >"$out" 2>/dev/null
  after=$(cpu_ticks "$@")
  local line deliveries lost p99
  line=$(tail -n 1 "$out")
  deliveries=$(sed -n 's/.*"deliveries":\([0-9]*\).*/\1/p' <<<"$line")
  lost=$(sed -n 's/.*"lost":\([0-9]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.*"latency_us":{[^}]*"p99":\([0-9.]*\).*/\1/p' <<<"$line")
  # The whole run (warm-up and drain too): CPU over every delivery received.
  awk -v label="$label" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    -v d="${deliveries:-0}" -v lost="${lost:-?}" -v p99="${p99:-0}" 'BEGIN {
      us = ticks * 1e6 / hz
      printf "%-28s %8d deliveries  %6.2f us CPU/delivery (all nodes)  p99 %.1f ms  lost %s\n",
        label, d, (d > 0 ? us / d : 0), p99 / 1000, lost }'
}

start_node alone
measure "one node, SQLite" "$node_port" "$node_pid"
kill "$node_pid"

start_node shared --database "$pg_url" --redis "$redis_url"
measure "one node, PostgreSQL+Redis" "$node_port" "$node_pid"
kill "$node_pid"

start_node a --database "$pg_url" --redis "$redis_url"
port_a=$node_port pid_a=$node_pid
start_node b --database "$pg_url" --redis "$redis_url"
measure "two nodes, PostgreSQL+Redis" "$port_a,$node_port" "$pid_a" "$node_pid"
