#!/bin/sh
# A private PostgreSQL for tests and benchmarks: `start DIR` creates a cluster
# in DIR, listening on a free port of 127.0.0.1 only (unix sockets in DIR),
# with trust authentication on loopback, and writes its URL to DIR/url;
# `stop DIR` stops it and removes DIR. `halt DIR` and `resume DIR` stop the
# server and start it again on the same port and data (for tests of outages).
# Run as root, the cluster belongs to the unprivileged `postgres` user
# (PostgreSQL refuses to run as root).
# PARLEY_POSTGRES_BIN names the server's bin folder when the newest
# /usr/lib/postgresql/*/bin is not the one wanted.
set -eu

usage() {
  echo "usage: $0 start DIR | stop DIR | halt DIR | resume DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action=$1
dir=$2

bin=${PARLEY_POSTGRES_BIN:-}
if [ -z "$bin" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && bin=$candidate
  done
fi
[ -n "$bin" ] && [ -x "$bin/pg_ctl" ] || {
  echo "postgres.sh: no PostgreSQL server found (scripts/setup.sh --tests installs it)" >&2
  exit 1
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A port nobody listens on now: a random one in 20000-59999 that no socket
# in /proc/net/tcp holds (pg_ctl fails clearly if one is taken meanwhile).
free_port() {
  attempt=0
  while [ $attempt -lt 50 ]; do
    port=$(( $(od -An -N2 -tu2 /dev/urandom) % 40000 + 20000 ))
    hex=$(printf ':%04X ' "$port")
    if ! grep -q "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      echo "$port"
      return 0
    fi
    attempt=$((attempt + 1))
  done
  echo "postgres.sh: no free port found" >&2
  return 1
}

stop_cluster() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" stop -D "$dir/data" -m fast -w >/dev/null 2>&1 || true
  fi
}

# Listens on 127.0.0.1:$(cat DIR/port) only, its unix sockets in DIR. fsync
# and synchronous_commit stay on: figures taken here are honest.
start_server() {
  port=$(cat "$dir/port")
  as_owner "$bin/pg_ctl" start -D "$dir/data" -w -t 30 -l "$dir/server.log" \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=on -c synchronous_commit=on -c max_connections=200" \
    >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
  }
}

case "$action" in
  start)
    # A cluster left behind by an interrupted run goes first.
    stop_cluster
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    port=$(free_port)
    echo "$port" >"$dir/port"
    start_server
    echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/url"
    cat "$dir/url"
    ;;
  halt)
    stop_cluster
    ;;
  resume)
    start_server
    ;;
  stop)
    stop_cluster
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
