#!/usr/bin/env bash
# bench_smoke: about 3 s of parley-bench against a fresh memory-store parley.
# Fails when any delivery is lost, duplicated or out of order, when nothing is
# delivered, or when a connection fails.
# Usage: smoke.sh PARLEY PARLEY_BENCH
set -euo pipefail
parley=$1
bench=$2

data=$(mktemp -d)
log="$data/server.log"
: >"$log"  # there before the server opens it, so the first look finds it
"$parley" --port 0 --store memory --data-dir "$data" 2>"$log" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

port=""
for _ in $(seq 100); do
  port=$(sed -n 's|.*parley listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "bench_smoke: the server did not start:" >&2
  cat "$log" >&2
  exit 1
fi

line=$(timeout 60 "$bench" --port "$port" --rooms 2 --members-per-room 5 --rate 20 \
  --warmup 0.5 --duration 3 --drain 5 --server-pid "$pid" --quiet | tail -n 1)
echo "$line"

field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$line"; }
status=0
for name in lost duplicated out_of_order failed dropped errors; do
  if [ "$(field "$name")" != "0" ]; then
    echo "bench_smoke: $name is $(field "$name"), expected 0" >&2
    status=1
  fi
done
deliveries=$(field deliveries)
if [ -z "$deliveries" ] || [ "$deliveries" -le 0 ]; then
  echo "bench_smoke: no deliveries" >&2
  status=1
fi
exit $status
