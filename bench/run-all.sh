#!/usr/bin/env bash
# Runs every scenario of docs/performance.md against a fresh Release parley
# (SQLite store in a new temporary folder each time) and prints one table.
#
# Usage: bench/run-all.sh [BUILD_DIR]       (default: build/release)
#   BUILD_DIR holds `parley` and `parley-bench`.
# Environment:
#   SCENARIOS="big_room many_rooms ..."  only these (names as in the table)
#   DURATION=20    seconds measured per scenario (warm-up 3 s before)
#   SERVER_FLAGS="--durability normal"  added to every server's flags, to compare
#   BENCH_NICE=-10 run server and tool at this nice level (root only); with
#                  autogroup scheduling it only ranks them within their session
#   KEEP=1         keep each run's server log and output in ./bench-results
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
parley=$build/parley
bench=$build/parley-bench
floor=$build/parley-floor
duration=${DURATION:-20}
scenarios=${SCENARIOS:-"big_room many_rooms closed_loop durable connections long_poll plain_poll floor"}
results=$(mktemp -d)
[ -n "${KEEP:-}" ] && results=$PWD/bench-results && mkdir -p "$results"
for tool in "$parley" "$bench" "$floor"; do
  [ -x "$tool" ] || { echo "run-all: $tool not found (build it first)" >&2; exit 2; }
done
nice_cmd=()
[ -n "${BENCH_NICE:-}" ] && nice_cmd=(nice -n "$BENCH_NICE")

# run NAME "SERVER FLAGS" BENCH FLAGS...: one scenario, its JSON line in $results/NAME.json.
run() {
  local name=$1 server_flags=$2
  shift 2
  local data log port="" pid
  data=$(mktemp -d)
  log="$results/$name.server.log"
  # shellcheck disable=SC2086
  "${nice_cmd[@]}" "$parley" --port 0 --data-dir "$data" $server_flags ${SERVER_FLAGS:-} 2>"$log" &
  pid=$!
  for _ in $(seq 200); do
    port=$(sed -n 's|.*parley listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log")
    [ -n "$port" ] && break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    echo "run-all: $name: the server did not start" >&2
    kill "$pid" 2>/dev/null
    return
  fi
  echo "== $name: parley-bench $*" >&2
  timeout 900 "${nice_cmd[@]}" "$bench" --port "$port" --server-pid "$pid" --quiet "$@" \
    >"$results/$name.out" 2>"$results/$name.err"
  grep -v '^{' "$results/$name.out" >&2
  tail -n 1 "$results/$name.out" >"$results/$name.json"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  local status=$?
  # 143 is the SIGTERM we sent; anything else (a crash at shutdown) is worth seeing.
  [ "$status" -ne 0 ] && [ "$status" -ne 143 ] && echo "run-all: $name: server exited with $status" >&2
  rm -rf "$data"
}

# floor: the machine's own cost under the figures (parley-floor, no server):
# a fan-out to 10 and to 1000 loopback sockets, and synced 4 KiB appends in a
# folder on the same disk as the servers' data.
run_floor() {
  local data
  data=$(mktemp -d)
  echo "== floor: parley-floor" >&2
  "${nice_cmd[@]}" "$floor" fanout --groups 100 --members 10 --rate 10 --duration "$duration" >"$results/floor_many.out"
  "${nice_cmd[@]}" "$floor" fanout --groups 1 --members 1000 --rate 50 --duration "$duration" >"$results/floor_big.out"
  "${nice_cmd[@]}" "$floor" sync --dir "$data" --count $((${duration%.*} * 500)) --rate 500 >"$results/floor_sync.out"
  for part in many big sync; do
    grep -v '^{' "$results/floor_$part.out" >&2
    tail -n 1 "$results/floor_$part.out" >"$results/floor_$part.json"
  done
  rm -rf "$data"
}

# get NAME KEY [OBJECT]: a number from NAME's JSON line (KEY inside OBJECT if given).
get() {
  local line
  line=$(cat "$results/$1.json" 2>/dev/null)
  if [ -n "${3:-}" ]; then
    sed -n "s/.*\"$3\":{[^}]*\"$2\":\([0-9.a-z-]*\).*/\1/p" <<<"$line"
  else
    sed -n "s/.*\"$2\":\([0-9.a-z-]*\).*/\1/p" <<<"$line"
  fi
}

timing=(--warmup 3 --duration "$duration")
for scenario in $scenarios; do
  case $scenario in
    big_room) run big_room "" --rooms 1 --members-per-room 1000 --senders-per-room 1 --rate 50 "${timing[@]}" ;;
    many_rooms) run many_rooms "" --rooms 100 --members-per-room 10 --senders-per-room 1 --rate 10 "${timing[@]}" ;;
    closed_loop) run closed_loop "" --rooms 1 --members-per-room 50 --senders-per-room 1 --in-flight 16 "${timing[@]}" ;;
    durable) run durable "" --rooms 16 --members-per-room 2 --senders-per-room 2 --in-flight 64 --text-bytes 32 "${timing[@]}" ;;
    connections) run connections "" --idle --rooms 1000 --members-per-room 15 --connect-window 1000 --duration 5 ;;
    long_poll) run long_poll "--guests-per-address 0" --transport longpoll --rooms 100 --members-per-room 100 --senders-per-room 1 --rate 2 "${timing[@]}" ;;
    plain_poll) run plain_poll "--guests-per-address 0" --transport poll --rooms 10 --members-per-room 20 --senders-per-room 0 "${timing[@]}" ;;
    floor) run_floor ;;
    *) echo "run-all: unknown scenario $scenario" >&2 ;;
  esac
done

# One row per scenario: the figures its targets are about.
num() { # num VALUE [DECIMALS]: a number rounded, or "-" when absent
  case $1 in '' | null) printf -- - ;; *) printf "%.${2:-1}f" "$1" ;; esac
}
ms() { # ms MICROSECONDS: in milliseconds
  case $1 in '' | null) printf -- - ;; *) awk -v us="$1" 'BEGIN { printf "%.1f ms", us / 1000 }' ;; esac
}
printf '\n%-12s %-48s %s\n' scenario measured target
row() { printf '%-12s %-48s %s\n' "$1" "$2" "$3"; }
for s in $scenarios; do
  if [ "$s" = floor ]; then
    row floor "fan-out to 10: $(num "$(get floor_many relay_cpu_us_per_delivery)" 2) us CPU/delivery" "the kernel alone, no server"
    row "" "fan-out to 1000: $(num "$(get floor_big relay_cpu_us_per_delivery)" 2) us CPU/delivery" ""
    row "" "synced 4 KiB append: $(num "$(get floor_sync cpu_us_per_sync)" 0) us CPU, p99 $(ms "$(get floor_sync p99 latency_us)"), max $(ms "$(get floor_sync max latency_us)")" ""
    continue
  fi
  [ -s "$results/$s.json" ] || { row "$s" "no result" ""; continue; }
  cpu="$(num "$(get $s server_cpu_us_per_delivery)" 2) us CPU/delivery"
  p99="p99 $(ms "$(get $s p99 latency_us)")"
  rate="$(num "$(get $s deliveries_per_s)" 0) deliveries/s"
  lost="lost $(get $s lost), dup $(get $s duplicated), ooo $(get $s out_of_order)"
  case $s in
    big_room) row $s "$cpu, $p99" "<= 8 us/delivery, p99 < 15 ms"
      row "" "$rate, $lost" "50000 deliveries/s, lost 0" ;;
    many_rooms) row $s "$cpu, $p99" "<= 12 us/delivery, p99 < 5 ms"
      row "" "$rate, $lost" "10000 deliveries/s" ;;
    closed_loop) row $s "$rate, $cpu" ">= 300000/s or <= 1.5 us/delivery"
      row "" "$p99, $lost" "" ;;
    durable) row $s "$(num "$(get $s acks_per_s)" 0) acks/s, $(num "$(get $s server_cpu_us_per_ack)" 2) us CPU/ack" ">= 50000 acks/s"
      row "" "$p99, $lost" "" ;;
    connections) row $s "$(num "$(get $s server_bytes_per_connection)" 0) B/connection" "<= 2048 B/connection"
      row "" "$(num "$(get $s connect_per_s)" 0) connections/s, $(num "$(get $s server_cpu_us_per_connect)" 0) us CPU/connection" ">= 5000 connections/s" ;;
    long_poll) row $s "wake $p99, $(get $s connected) clients" "p99 < 10 ms, 10000 polls"
      row "" "$cpu, $lost" "" ;;
    plain_poll) row $s "$(num "$(get $s requests_per_s)" 0) requests/s, $(num "$(get $s server_cpu_us_per_request)" 2) us CPU/request" ">= 50000 requests/s"
      row "" "p99 $(ms "$(get $s p99 request_latency_us)")" "" ;;
  esac
  row "" "cores: server $(num "$(get $s server_main_thread_share)" 2)+$(num "$(get $s server_other_thread_share)" 2) (waited $(num "$(get $s server_main_thread_wait_share)" 2)), tool $(num "$(get $s tool_busiest_thread_share)" 2)" "errors $(get $s errors), failed $(get $s failed), dropped $(get $s dropped)"
done
[ -z "${KEEP:-}" ] && rm -rf "$results"
exit 0
