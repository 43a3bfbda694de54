#!/usr/bin/env bash
# Install the Debian 12 packages that pmux builds, tests and benchmarks with.
# libclang-rt-14-dev (the fuzzers' and sanitizers' runtimes for clang) is
# only recommended by clang, and recommendations are not installed.
# gdb stops pmux at a chosen point in one test (record_tail_signal), so
# that a signal lands there without timing luck.
set -euo pipefail
packages=(
  build-essential cmake pkg-config clang
  libclang-rt-14-dev
  libpfm4-dev libcap-dev libpam0g-dev libexpat1-dev
  libcmocka-dev libdw-dev libelf-dev libbpf-dev
  libnss-wrapper linux-perf python3 procps
  libcap2-bin gdb
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
