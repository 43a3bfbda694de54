#!/usr/bin/env bash
# test_pmu_host.sh - on an AMD Family 19h host, `pmux info` names the
# description the probe should pick: amd64_zen3 or amd64_zen4 by model (the
# kernel's ranges, pmu/amd/amd64.c), and says why there is none for a model
# outside them.  Other CPUs skip, saying which CPU this is.
set -euo pipefail
: "${PMUX:?}"
fail() { echo "FAIL: $*"; exit 1; }
unset PMUX_PMU_PATH
field() { sed -n "s/^$1[[:space:]]*: //p" /proc/cpuinfo | head -n 1; }
vendor=$(field vendor_id); family=$(field 'cpu family'); model=$(field model)
[ "$vendor" = AuthenticAMD ] && [ "${family:-0}" = 25 ] ||
  { echo "SKIP: not an AMD Family 19h CPU (${vendor:-?} family ${family:-?} model ${model:-?})"; exit 77; }
if (( model <= 0x0f || (model >= 0x20 && model <= 0x5f) )); then
  want="pmux description: amd64_zen3"
elif (( (model >= 0x10 && model <= 0x1f) || (model >= 0x60 && model <= 0xaf) )); then
  want="pmux description: amd64_zen4"
else
  want="pmux description: none for this CPU: AMD family 0x19 model $(printf '%#x' "$model") is neither"
fi
out=$("$PMUX" info)
grep -qF -- "$want" <<<"$out" || fail "model $(printf '%#x' "$model"): want '$want', got: $out"
grep -qF "cpu: AuthenticAMD family 0x19 model $(printf '%#x' "$model")" <<<"$out" ||
  fail "info: cpu line: $out"
echo "ok: family 0x19 model $(printf '%#x' "$model"): $want"

# The kernel's map of perf's generic events, as Linux 6.1 publishes it on
# every Zen (amd_f17h_perfmon_event_map: stalled cycles on PMCx087), against
# the description's (6.9 on): info names each event the two disagree on.
case "$want" in
  *amd64_zen3|*amd64_zen4)
    fs=$(mktemp -d); trap 'rm -rf "$fs"' EXIT
    d=$fs/sys/bus/event_source/devices/cpu
    mkdir -p "$d/events" "$d/format"
    echo config:0-7,32-35 >"$d/format/event"; echo config:8-15 >"$d/format/umask"
    for kv in cpu-cycles=event=0x76 instructions=event=0xc0 \
              cache-references=event=0x60,umask=0xff cache-misses=event=0x64,umask=0x09 \
              branch-instructions=event=0xc2 branch-misses=event=0xc3 \
              stalled-cycles-frontend=event=0x87,umask=0x02 \
              stalled-cycles-backend=event=0x87,umask=0x01; do
      echo "${kv#*=}" >"$d/events/${kv%%=*}"
    done
    out=$(PMUX_SYSROOT=$fs "$PMUX" info)
    grep -q "stalled-cycles-frontend: kernel 0x287, description 0xa9" <<<"$out" &&
      grep -q "stalled-cycles-backend: kernel 0x187, description none" <<<"$out" ||
      fail "info: the generic events against a Linux 6.1 map: $out"
    agree=7; [[ $want == *zen3 ]] && agree=8 # Zen 4 maps ref-cycles, 6.1 does not
    grep -q "the kernel's map (sysfs) and the description agree on $agree of 10" <<<"$out" ||
      fail "info: agreement count (want $agree of 10): $out"
    echo "ok: info names the generic events a Linux 6.1 map disagrees on"
    ;;
esac
