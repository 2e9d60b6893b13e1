#!/usr/bin/env bash
# A Parley cluster on one machine, for trying scale-out and for load tests:
# a private PostgreSQL, a private Redis, N parley nodes sharing them and a
# private nginx in front as the load balancer (round robin, no stickiness).
#
#   deploy/cluster.sh start [options]   starts everything; returns once all answer
#   deploy/cluster.sh status [--dir D]  what runs, with each node's /healthz
#   deploy/cluster.sh stop [--dir D]    stops, by pid, everything start started
#
# Options of start (environment variables give the defaults):
#   --dir D          state folder (PARLEY_CLUSTER_DIR, /tmp/parley-cluster)
#   --nodes N        parley nodes (PARLEY_CLUSTER_NODES, 3)
#   --port P         the load balancer's port (PARLEY_CLUSTER_PORT, 8000)
#   --node-port P    the first node's port; the others follow (PARLEY_CLUSTER_NODE_PORT, 8001)
#   --parley PATH    the parley binary (PARLEY_BINARY, build/release/parley, built if absent)
#   -- ARGS...       more arguments for every node (e.g. --log-level debug)
#
# Everything listens on 127.0.0.1 only. The state folder holds postgres/ and
# redis/ (scripts/services/*.sh; each has its URL in url), node1/ ... (each
# with parley.pid, parley.log and its --data-dir), nginx/ (nginx.conf,
# nginx.pid, access.log, error.log) and cluster.env. `stop` keeps the logs and
# removes the database: every `start` begins with an empty cluster.
# As root it installs what is missing first (postgresql-15, redis-server,
# nginx-light) with apt, as scripts/setup.sh does; PostgreSQL then runs as
# the user postgres (so the state folder must be one it can reach, as /tmp
# is), nginx's worker as nobody.
set -euo pipefail

source_dir=$(cd "$(dirname "$0")/.." && pwd)
command=${1:-}
[[ $# -gt 0 ]] && shift

state=${PARLEY_CLUSTER_DIR:-/tmp/parley-cluster}
nodes=${PARLEY_CLUSTER_NODES:-3}
port=${PARLEY_CLUSTER_PORT:-8000}
node_port=${PARLEY_CLUSTER_NODE_PORT:-8001}
parley=${PARLEY_BINARY:-}
node_args=()

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}
fail() {
  echo "cluster: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --dir) state=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --node-port) node_port=$2; shift 2 ;;
    --parley) parley=$2; shift 2 ;;
    --) shift; node_args=("$@"); break ;;
    *) usage ;;
  esac
done
[[ $nodes =~ ^[1-9][0-9]*$ ]] || fail "--nodes must be a number >= 1"
[[ $port =~ ^[0-9]+$ && $node_port =~ ^[0-9]+$ ]] || fail "--port and --node-port must be numbers"
(( port <= 65535 && node_port + nodes - 1 <= 65535 )) || fail "ports must be at most 65535"
(( port < node_port || port >= node_port + nodes )) || fail "--port $port is one of the nodes' ports"
[[ $command == start ]] && mkdir -p "$state"
[[ -d $state ]] && state=$(cd "$state" && pwd)

# --- processes, by pid -------------------------------------------------------

# The pid in file $1 if that process is alive and its name starts with $2
# (a pid file left behind may name some other process by now).
live_pid() {
  local pid
  pid=$(head -n 1 "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2"* ]] || return 1
  echo "$pid"
}

# Sends signal $3 to the process in pid file $1 (named $2) and waits up to
# $4 seconds for it to end, then kills it.
stop_pid() {
  local file=$1 name=$2 signal=$3 seconds=$4 pid
  pid=$(live_pid "$file" "$name") || { rm -f "$file"; return 0; }
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq $((seconds * 10))); do
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]]; then
    echo "cluster: $name ($pid) still runs after ${seconds} s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# Whether something accepts connections on 127.0.0.1:$1.
is_listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The status code of GET $2 on 127.0.0.1:$1 (000 when nothing answers).
http_status() {
  local line
  line=$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
    IFS= read -r -t 5 line <&3 && echo "$line"
  ) || true
  [[ $line =~ ^HTTP/1\.[01]\ ([0-9]{3}) ]] && echo "${BASH_REMATCH[1]}" || echo 000
}

# --- what is needed ----------------------------------------------------------

find_nginx() {
  command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; }
}

# The newest PostgreSQL server programs (Debian keeps them off the PATH).
find_postgres_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $bin && -x $bin/pg_ctl ]] && { echo "$bin"; return 0; }
  bin=$(command -v pg_ctl 2>/dev/null) && { dirname "$bin"; return 0; }
  return 1
}

install_missing() {
  local missing=()
  find_postgres_bin >/dev/null || missing+=(postgresql-15)
  command -v redis-server >/dev/null || missing+=(redis-server)
  find_nginx >/dev/null || missing+=(nginx-light)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || fail "missing ${missing[*]}: run as root to install them, or apt-get install them"
  echo "cluster: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

find_parley() {
  if [[ -z $parley ]]; then
    parley=$source_dir/build/release/parley
    if [[ ! -x $parley ]]; then
      echo "cluster: building $parley"
      "$source_dir/scripts/setup.sh"
      (cd "$source_dir" && cmake --preset release >/dev/null &&
        cmake --build --preset release --target parley)
    fi
  fi
  [[ -x $parley ]] || fail "no parley binary at $parley"
  parley=$(cd "$(dirname "$parley")" && pwd)/$(basename "$parley")
  local help
  help=$("$parley" --help 2>&1) || true
  [[ $help == *--database* && $help == *--redis* ]] ||
    fail "$parley has no --database and --redis: it cannot run as one of several nodes"
}

# --- PostgreSQL --------------------------------------------------------------
# scripts/services/postgres.sh when the tree has it; otherwise the same steps
# here: initdb (as the user postgres when root), pg_ctl on a free loopback
# port, a database `parley`, the URL in DIR/url.

postgres_script=$source_dir/scripts/services/postgres.sh

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  local dir=$state/postgres
  if [[ -x $postgres_script || -f $postgres_script ]]; then
    bash "$postgres_script" start "$dir" >/dev/null
    return
  fi
  local bin pg_port
  bin=$(find_postgres_bin) || fail "PostgreSQL not found"
  rm -rf "$dir"
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
  for _ in $(seq 20); do
    pg_port=$((20000 + RANDOM % 12000))
    is_listening "$pg_port" && continue
    if as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir" start >/dev/null; then
      as_postgres "$bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres \
        -c 'CREATE DATABASE parley' >/dev/null
      echo "postgresql://postgres@127.0.0.1:$pg_port/parley" >"$dir/url"
      return
    fi
    grep -q "could not bind" "$dir/postgres.log" || { cat "$dir/postgres.log" >&2; fail "PostgreSQL did not start"; }
  done
  fail "PostgreSQL found no free port"
}

stop_postgres() {
  local dir=$state/postgres
  [[ -d $dir ]] || return 0
  if [[ -f $postgres_script ]]; then
    bash "$postgres_script" stop "$dir"
    return
  fi
  # SIGINT is PostgreSQL's fast shutdown: sessions end, what is committed stays.
  stop_pid "$dir/data/postmaster.pid" postgres INT 30
  rm -rf "$dir"
}

# --- the nodes and nginx -----------------------------------------------------

start_node() {
  local n=$1 dir=$state/node$1 node=$((node_port + $1 - 1))
  mkdir -p "$dir/data"
  # The URLs go by environment, not arguments, so that a password in them
  # would not show in ps.
  PARLEY_DATABASE_URL=$(cat "$state/postgres/url") PARLEY_REDIS_URL=$(cat "$state/redis/url") \
    setsid "$parley" --host 127.0.0.1 --port "$node" --data-dir "$dir/data" \
    "${node_args[@]}" </dev/null >"$dir/parley.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/parley.pid"
  for _ in $(seq 300); do
    grep -qs "parley listening on" "$dir/parley.log" && return 0
    # (Its name is not parley's until setsid has run it.)
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/parley.log" >&2
  fail "node $n did not start on port $node (its log: $dir/parley.log)"
}

start_nginx() {
  local dir=$state/nginx nginx servers="" user_line=""
  nginx=$(find_nginx) || fail "nginx not found"
  mkdir -p "$dir/temp"
  for n in $(seq "$nodes"); do
    servers+="    server 127.0.0.1:$((node_port + n - 1)) max_fails=1 fail_timeout=5s;"$'\n'
  done
  if [[ $(id -u) -eq 0 ]]; then
    user_line="user nobody nogroup;"
    chown nobody:nogroup "$dir/temp"
  fi
  local template=$source_dir/deploy/nginx.conf.template line
  while IFS= read -r line; do
    line=${line//@NGINX_DIR@/$dir}
    line=${line//@PORT@/$port}
    line=${line//@USER_LINE@/$user_line}
    if [[ $line == "@UPSTREAM_SERVERS@" ]]; then
      printf '%s' "$servers"
    else
      printf '%s\n' "$line"
    fi
  done <"$template" >"$dir/nginx.conf"
  "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -t -q ||
    fail "nginx refused $dir/nginx.conf"
  "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
  for _ in $(seq 100); do
    live_pid "$dir/nginx.pid" nginx >/dev/null && is_listening "$port" && return 0
    sleep 0.1
  done
  cat "$dir/error.log" >&2
  fail "nginx did not start on port $port"
}

stop_all() {
  [[ -f $state/cluster.env ]] && source "$state/cluster.env"
  # nginx first (SIGQUIT: it finishes the requests under way), then the
  # nodes (SIGTERM: each commits what it queued, acks it and closes its
  # sockets within its --shutdown-timeout), then what they used.
  stop_pid "$state/nginx/nginx.pid" nginx QUIT 10
  for dir in "$state"/node*/; do
    [[ -f $dir/parley.pid ]] && stop_pid "$dir/parley.pid" parley TERM 15
  done
  [[ -d $state/redis ]] && bash "$source_dir/scripts/services/redis.sh" stop "$state/redis"
  stop_postgres
  rm -f "$state/cluster.env"
}

show_status() {
  [[ -f $state/cluster.env ]] || { echo "cluster: nothing started in $state"; return 3; }
  source "$state/cluster.env"
  local all=0 pid
  show() {  # name, pid file, process name, port
    if pid=$(live_pid "$2" "$3"); then
      printf '%-10s pid %-8s %s\n' "$1" "$pid" "$4"
    else
      printf '%-10s stopped\n' "$1"
      all=3
    fi
  }
  local postmaster
  postmaster=$(find "$state/postgres" -maxdepth 2 -name postmaster.pid 2>/dev/null | head -n 1)
  show postgres "${postmaster:-/nonexistent}" postgres "$(cat "$state/postgres/url" 2>/dev/null)"
  show redis "$state/redis/redis.pid" redis-server "$(cat "$state/redis/url" 2>/dev/null)"
  for n in $(seq "$nodes"); do
    local p=$((node_port + n - 1))
    show "node$n" "$state/node$n/parley.pid" parley "http://127.0.0.1:$p /healthz $(http_status "$p" /healthz)"
  done
  show nginx "$state/nginx/nginx.pid" nginx "http://127.0.0.1:$port /healthz $(http_status "$port" /healthz)"
  return $all
}

case $command in
  start)
    if [[ -f $state/cluster.env ]]; then
      fail "a cluster was started in $state: deploy/cluster.sh stop --dir $state first"
    fi
    for p in "$port" $(seq "$node_port" $((node_port + nodes - 1))); do
      is_listening "$p" && fail "port $p is taken"
    done
    install_missing
    find_parley
    # What a previous cluster left here: its logs.
    rm -rf "$state"/node[0-9]* "$state/nginx"
    # From here on, a failure stops what was started.
    cat >"$state/cluster.env" <<ENV
nodes=$nodes
port=$port
node_port=$node_port
ENV
    trap 'echo "cluster: start failed; stopping what started" >&2; stop_all' EXIT
    start_postgres
    bash "$source_dir/scripts/services/redis.sh" start "$state/redis" >/dev/null
    for n in $(seq "$nodes"); do start_node "$n"; done
    start_nginx
    trap - EXIT
    echo "postgres  $(cat "$state/postgres/url")"
    echo "redis     $(cat "$state/redis/url")"
    for n in $(seq "$nodes"); do
      echo "node$n     http://127.0.0.1:$((node_port + n - 1))  (log: $state/node$n/parley.log)"
    done
    echo "cluster   http://127.0.0.1:$port  (deploy/cluster.sh stop --dir $state)"
    ;;
  stop)
    stop_all
    ;;
  status)
    show_status
    ;;
  *)
    usage
    ;;
esac
