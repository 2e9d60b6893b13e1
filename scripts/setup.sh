#!/usr/bin/env bash
# Installs, from Debian bookworm's packages, whatever Parley needs that is
# missing. `scripts/setup.sh` covers building and running; `--tests` adds
# what the test suite needs. Safe to run again: it installs only what is absent.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libsqlite3-dev libpq-dev libsodium-dev zlib1g-dev libhiredis-dev libtomlplusplus-dev
)
if [[ "${1:-}" == "--tests" ]]; then
  # Browser tests drive Debian's Chromium with playwright-core from npm. A
  # Node.js that is already there (from another source) is used as it is.
  # PostgreSQL's server for the private instance CTest starts and stops
  # (scripts/services/postgres.sh); nothing is started here.
  packages+=(libgtest-dev chromium postgresql-15)
  # Tests of several nodes fan out through a private Redis (scripts/services/redis.sh).
  packages+=(redis-server)
  # The Debian package's test: cpack finds the package's dependencies with
  # dpkg-shlibdeps (tests/package).
  packages+=(dpkg-dev)
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
# Debian's PostgreSQL packages would create (and try to start) a cluster of
# their own: the tests need only the binaries.
if [[ " ${missing[*]} " == *" postgresql-15 "* && ! -e /etc/postgresql-common/createcluster.conf ]]; then
  "${as_root[@]}" mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | "${as_root[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
# Nor may a package start a service of its own (redis-server would start one
# on port 6379): the tests start private servers and stop them. Debian's
# policy-rc.d convention, in place only while installing.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  trap '"${as_root[@]}" rm -f "$policy"' EXIT
fi
echo "setup: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confold \
  "${missing[@]}" >/dev/null
