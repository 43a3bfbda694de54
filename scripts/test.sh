#!/usr/bin/env bash
# Build pmux and run the whole test suite (unit, e2e, pam, fuzz smoke).
# PMUX_BUILD_DIR (default build) and PMUX_CMAKE_ARGS change the build;
# PMUX_CTEST_ARGS is passed to ctest (e.g. "-LE lab").
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${PMUX_BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$dir" ${PMUX_CMAKE_ARGS:-} >/dev/null
cmake --build "$dir" -j"$(nproc)"
# shellcheck disable=SC2086
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" ${PMUX_CTEST_ARGS:-}
