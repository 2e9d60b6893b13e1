#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite twice: in a
# Release build, then under AddressSanitizer and UndefinedBehaviorSanitizer.
# Each run ends with CTest's summary; the script fails if either fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests

jobs=$(nproc)
status=0
for preset in release asan; do
  echo "== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: test"
  ctest --preset "$preset" -j "$jobs" || status=1
done
exit $status
