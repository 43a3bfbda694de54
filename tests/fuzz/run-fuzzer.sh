#!/usr/bin/env bash
# run-fuzzer.sh NAME SECONDS OUTDIR -- CLANG-ARGS...
# Build one libFuzzer target with clang (ASan+UBSan) and run it for SECONDS.
# Used by CTest (label fuzz) so that CI fuzzes every parser briefly; a crash
# or sanitizer report fails the test and leaves the input in OUTDIR.
set -euo pipefail
name=$1 seconds=$2 out=$3
shift 3
[ "$1" = "--" ] && shift
if ! command -v clang >/dev/null; then
  echo "SKIP: clang not installed (needed for libFuzzer)"; exit 77
fi
mkdir -p "$out/corpus-$name"
bin="$out/$name"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -D_GNU_SOURCE -std=gnu11 "$@" -o "$bin"
seeds=()
src_seeds="$(dirname "$0")/corpus/$name"
[ -d "$src_seeds" ] && seeds+=("$src_seeds")
cd "$out"
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$out/crash-$name-" "corpus-$name" "${seeds[@]}"
