#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite twice: in a
# Release build, then under AddressSanitizer and UndefinedBehaviorSanitizer.
# Each run ends with CTest's summary; the script fails if either fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests

# The browser tests' npm packages (playwright-core, axe-core), exactly as locked.
if [[ -f tests/browser/package-lock.json ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

jobs=$(nproc)
status=0
for preset in release asan; do
  echo "== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: test"
  # The browser suite runs once, against the Release build.
  exclude=()
  [[ $preset == asan ]] && exclude=(-LE browser)
  ctest --preset "$preset" -j "$jobs" "${exclude[@]}" || status=1
done
exit $status
