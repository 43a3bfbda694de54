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
# clang links libFuzzer and the sanitizers from libclang-rt-14-dev, which
# clang only recommends: without it, skip with the reason, not fail.
mkdir -p "$out"
probe="$out/probe-$name"
printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' > "$probe.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.err"; then
  echo "SKIP: clang cannot link libFuzzer with ASan+UBSan (install libclang-rt-14-dev): $(head -1 "$probe.err")"
  exit 77
fi
mkdir -p "$out/corpus-$name"
rm -f "$probe" "$probe.c" "$probe.err"
bin="$out/$name"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -D_GNU_SOURCE -std=gnu11 "$@" -o "$bin"
seeds=()
src_seeds="$(dirname "$0")/corpus/$name"
[ -d "$src_seeds" ] && seeds+=("$src_seeds")
cd "$out"
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$out/crash-$name-" "corpus-$name" "${seeds[@]}"
