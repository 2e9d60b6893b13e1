#!/usr/bin/env bash
# A private Redis (Debian's redis-server) for the tests and a local cluster:
# on a free loopback port, nothing persisted, everything it writes in DIR.
#
#   redis.sh start DIR     starts a fresh one (a live one already in DIR is
#                          stopped first); prints its URL and writes it to DIR/url
#   redis.sh stop DIR      stops it by its pid and removes DIR
#   redis.sh restart DIR   stops it and starts it again on the same port, empty
#   redis.sh halt DIR      stops it and keeps its port, so that `restart`
#                          brings it back there (an outage of some length)
#
# DIR holds redis.pid, redis.log, port and url (redis://127.0.0.1:PORT).
# `start` returns once the server answers PING.
set -euo pipefail

usage() {
  echo "usage: redis.sh start|stop|restart|halt DIR" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
command=$1
dir=$2
[[ -n $dir && $dir != / ]] || usage

# The pid in DIR/redis.pid, if that process is alive and is a redis-server
# (a pid file left behind may name some other process by now).
running_pid() {
  local pid
  pid=$(cat "$dir/redis.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server* ]] || return 1
  echo "$pid"
}

# Whether something accepts connections on 127.0.0.1:$1.
is_listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Whether a Redis on 127.0.0.1:$1 answers PING with PONG.
answers_ping() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [[ $reply == +PONG* ]]
  ) 2>/dev/null
}

# A loopback port that nothing listens on, below the usual ephemeral range
# (32768 and up) so that outgoing connections do not take it meanwhile.
pick_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 12000))
    is_listening "$port" || { echo "$port"; return 0; }
  done
  echo "redis.sh: no free port found" >&2
  return 1
}

stop_server() {
  local pid
  pid=$(running_pid) || { rm -f "$dir/redis.pid"; return 0; }
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]]; then
    echo "redis.sh: redis-server $pid ignored SIGTERM for 10 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while [[ -d /proc/$pid ]]; do sleep 0.1; done
  fi
  rm -f "$dir/redis.pid"
}

# Starts redis-server on port $1 and waits for PING. Returns 3 when the port
# turned out to be taken (so that `start` can try another), 1 on other failures.
start_server() {
  local port=$1 pid=""
  : >"$dir/redis.log"
  redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
    --save '' --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  for _ in $(seq 100); do
    if answers_ping "$port"; then
      pid=$(running_pid) && break
    fi
    if grep -q "Address already in use" "$dir/redis.log"; then
      rm -f "$dir/redis.pid"
      return 3
    fi
    sleep 0.1
  done
  if [[ -z $pid ]]; then
    echo "redis.sh: redis-server did not answer on port $port within 10 s; its log:" >&2
    cat "$dir/redis.log" >&2
    stop_server
    return 1
  fi
  echo "$port" >"$dir/port"
  echo "redis://127.0.0.1:$port" >"$dir/url"
}

command -v redis-server >/dev/null || {
  echo "redis.sh: redis-server not found (apt-get install redis-server)" >&2
  exit 1
}

case $command in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    stop_server
    rm -f "$dir/url" "$dir/port"
    for _ in $(seq 5); do
      port=$(pick_port)
      status=0
      start_server "$port" || status=$?
      [[ $status -eq 3 ]] && continue
      [[ $status -eq 0 ]] || exit 1
      cat "$dir/url"
      exit 0
    done
    echo "redis.sh: every port tried was taken" >&2
    exit 1
    ;;
  restart)
    [[ -f $dir/port ]] || { echo "redis.sh: nothing was started in $dir" >&2; exit 1; }
    dir=$(cd "$dir" && pwd)
    port=$(cat "$dir/port")
    stop_server
    # The port was just released; another process may grab it meanwhile,
    # so try for a few seconds.
    for _ in $(seq 20); do
      status=0
      start_server "$port" || status=$?
      [[ $status -eq 0 ]] && { cat "$dir/url"; exit 0; }
      [[ $status -eq 3 ]] || exit 1
      sleep 0.25
    done
    echo "redis.sh: port $port stayed taken" >&2
    exit 1
    ;;
  halt)
    [[ -f $dir/port ]] || { echo "redis.sh: nothing was started in $dir" >&2; exit 1; }
    stop_server
    ;;
  stop)
    [[ -d $dir ]] || exit 0
    stop_server
    rm -f "$dir/redis.log" "$dir/port" "$dir/url" "$dir/dump.rdb"
    rmdir "$dir" 2>/dev/null || echo "redis.sh: left $dir in place: it holds other files" >&2
    ;;
  *)
    usage
    ;;
esac
