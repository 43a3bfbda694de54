#!/usr/bin/env bash
# lab-test.sh - the CTest driver of the `lab` tier (tests/lab/CMakeLists.txt).
#
#   lab-test.sh prepare       set up the lab, cross-build pmux and the probe (cached)
#   lab-test.sh probe CPU     the lab's self-check: exact instruction counts
#                             through perf_event_open alone (probe/insn_exact.c)
#   lab-test.sh pmux CPU      pmux info and pmux stat cases in one guest boot
#                             (guest/pmux-cases.sh), under QEMU -icount
# Every case prepares first (cheap once done), so each test also runs alone.
# Environment: PMUX_SRC (source tree), PMUX_LAB_BUILD (the ppc64le build folder,
# default $PMUX_SRC/build-ppc64le), PMUX_LAB_CACHE, PMUX_LAB_TIMEOUT (seconds a
# guest may run, default 240), PMUX_LAB_STRICT.
# Exit status: 0 pass, 77 skip (the mirror cannot give the guest pieces), else fail.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
# shellcheck disable=SC2034 # read by lib.sh
LAB_ME=lab-test.sh
# shellcheck source=tests/lab/lib.sh
. "$HERE/lib.sh"
SRC=${PMUX_SRC:-$(realpath "$HERE/../..")}
B=${PMUX_LAB_BUILD:-$SRC/build-ppc64le}
TIMEOUT=${PMUX_LAB_TIMEOUT:-240}

prepare() {
  local rc=0
  bash "$HERE/sysroot.sh" > /dev/null || rc=$?
  [ $rc = 0 ] || exit $rc
  bash "$HERE/lab.sh" setup || exit $?
  lab_lock cross-build
  mkdir -p "$B"
  if [ ! -e "$B/CMakeCache.txt" ]; then
    cmake -S "$SRC" -B "$B" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/ppc64le-linux-gnu.cmake" \
      -DCMAKE_BUILD_TYPE=Release -DPMUX_STATIC=ON -DPMUX_BUILD_TESTS=OFF -DPMUX_BUILD_PAM=OFF \
      > "$B/lab-configure.log" 2>&1 || { cat "$B/lab-configure.log" >&2; lab_die "cross configure failed"; }
  fi
  cmake --build "$B" --target pmux_cli -j "$(nproc)" > "$B/lab-build.log" 2>&1 ||
    { tail -n 30 "$B/lab-build.log" >&2; lab_die "cross build of pmux failed"; }
  local probe=$B/insn_exact src=$HERE/probe/insn_exact.c
  if [ ! -x "$probe" ] || [ "$src" -nt "$probe" ]; then
    powerpc64le-linux-gnu-gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static \
      -o "$probe" "$src" || lab_die "cannot cross-compile $src"
  fi
  lab_unlock
}

case ${1:-} in
  prepare)
    t0=$(date +%s)
    prepare
    lab_log "lab ready in $(( $(date +%s) - t0 )) s: $B/pmux, $B/insn_exact"
    ;;
  probe)
    prepare
    exec bash "$HERE/lab.sh" run --cpu "$2" --timeout "$TIMEOUT" --add "$B/insn_exact" ./insn_exact
    ;;
  pmux)
    prepare
    # --icount: guest time = instructions, so that time-scaled estimates can be
    # judged (docs/lab.md); the probe proves the counts without it.
    exec bash "$HERE/lab.sh" run --icount --cpu "$2" --timeout "$TIMEOUT" \
      --add "$B/pmux" --add "$B/insn_exact" --add "$HERE/guest/pmux-cases.sh" \
      "PMUX_LAB_STRICT=${PMUX_LAB_STRICT:-0} sh pmux-cases.sh $2"
    ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2;;
esac
