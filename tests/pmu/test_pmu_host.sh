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
