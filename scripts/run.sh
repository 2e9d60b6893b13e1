#!/usr/bin/env bash
# Installs what is missing, builds a Release parley and runs it on
# http://127.0.0.1:8000 with SQLite in ./var. Extra arguments go to parley
# (see `build/release/parley --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/parley "$@"
