#!/usr/bin/env bash
# Kernel functions by name: record a command that spends nearly all its
# time in the kernel (dd from /dev/zero), and report names its kernel
# samples from /proc/kallsyms, each name checked against an independent
# lookup of its IP in /proc/kallsyms.  Then the same file said to be from
# another boot, from an older pmux (no boot id), or read where kallsyms
# hides addresses: kernel samples fall back to "[kernel]" and the header
# says why, and report still succeeds.
. "$PMUX_SRC/tests/e2e/lib.sh"

KALLSYMS=/proc/kallsyms
[ -r "$KALLSYMS" ] || skip "$KALLSYMS is not readable"
awk '$2 ~ /^[tT]$/ && $1 !~ /^0+$/ { found = 1; exit } END { exit !found }' \
  "$KALLSYMS" || skip "$KALLSYMS shows every address as 0 (kptr_restrict=$(cat /proc/sys/kernel/kptr_restrict 2>/dev/null), uid $(id -u))"
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
[ "$(id -u)" -eq 0 ] || [ "$paranoid" -le 1 ] \
  || skip "kernel samples need root or perf_event_paranoid <= 1 (it is $paranoid)"
BOOT=$(tr -d ' \n' < /proc/sys/kernel/random/boot_id)
[ ${#BOOT} -eq 36 ] || skip "no boot id: /proc/sys/kernel/random/boot_id reads '$BOOT'"

"$PMUX" record -q -e cpu-clock -c 100000 -o "$TMP/k.data" -- \
  dd if=/dev/zero of=/dev/null bs=1M count=4000 2>/dev/null \
  || fail "record of dd failed"
grep -qa "boot_id=$BOOT" "$TMP/k.data" || fail "META has no boot_id=$BOOT"

# check_names REPORT.json: every kernel row named by report is a text
# symbol of kallsyms, and (with --sort ip) the function that holds its IP.
check_names() {
  python3 - "$1" "$KALLSYMS" <<'PY'
import bisect, json, sys
d = json.load(open(sys.argv[1]))
funcs = {}                       # address -> names there, with the module
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) >= 3 and f[1] in "tTwW" and int(f[0], 16):
        mod = f[3].strip("[]") if len(f) > 3 else None
        funcs.setdefault(int(f[0], 16), set()).add((f[2], mod))
addrs = sorted(funcs)
names = {n for s in funcs.values() for n, _ in s}
total = d["samples"]
dsos = {f"[{m}]" for s in funcs.values() for _, m in s if m}
dsos.add("[kernel.kallsyms]")
kernel = [t for t in d["top"] if t["dso"] in dsos]
named = [t for t in kernel if not t["symbol"].endswith("[kernel]")]
ksamples = sum(t["samples"] for t in kernel)
nsamples = sum(t["samples"] for t in named)
assert ksamples * 2 > total, f"only {ksamples} of {total} samples in the kernel"
assert nsamples * 10 >= ksamples * 9, f"only {nsamples} of {ksamples} kernel samples named"
checked = 0
for t in named:
    key = t["symbol"]
    if d["sort"] == "ip":
        ip_s, name = key.split(" ", 1)
        ip = int(ip_s, 16)
        i = bisect.bisect_right(addrs, ip) - 1
        assert i >= 0, f"{key}: below every kernel function"
        here = funcs[addrs[i]]
        assert any(n == name for n, _ in here), \
            f"{key}: kallsyms puts {ip_s} in {sorted(here)}"
        mod = next(m for n, m in here if n == name)
        want = f"[{mod}]" if mod else "[kernel.kallsyms]"
        assert t["dso"] == want, f"{key}: dso {t['dso']}, want {want}"
    else:
        assert key in names, f"{key} is no text symbol of kallsyms"
    checked += 1
print(f"{checked} kernel rows checked, {nsamples} of {ksamples} kernel "
      f"samples named, {ksamples} of {total} samples in the kernel")
PY
}

"$PMUX" report -i "$TMP/k.data" --json > "$TMP/sym.json" || fail "report failed"
[ "$(json_get "$TMP/sym.json" 'd["kernel_symbols"]["resolved"]')" = True ] \
  || fail "kernel symbols not resolved: $(json_get "$TMP/sym.json" 'd["kernel_symbols"]')"
msg=$(check_names "$TMP/sym.json") || fail "by symbol: names do not match kallsyms"
pass "by symbol: $msg"
"$PMUX" report -i "$TMP/k.data" --json --sort ip > "$TMP/ip.json" || fail "report --sort ip failed"
msg=$(check_names "$TMP/ip.json") || fail "by ip: names do not match kallsyms"
pass "by ip: $msg"
"$PMUX" report -i "$TMP/k.data" -n 5 > "$TMP/human" || fail "human report failed"
top=$(json_get "$TMP/sym.json" 'd["top"][0]["symbol"]')
grep -q "^ .*%.* $top  *\[kernel.kallsyms\]$" "$TMP/human" \
  || fail "human report has no '$top [kernel.kallsyms]' row: $(cat "$TMP/human")"
! grep -q "kernel symbols" "$TMP/human" || fail "human report gives a reason, yet resolved"
pass "human report: top row $top [kernel.kallsyms]"
samples=$(json_get "$TMP/sym.json" 'd["samples"]')

# expect_fallback FILE REASON [env...]: report succeeds, no kernel sample is
# named, the reason is in the JSON and in the human header, and the number
# of samples is the same.
expect_fallback() {
  local file=$1 reason=$2
  shift 2
  env "$@" "$PMUX" report -i "$file" --json > "$TMP/fb.json" \
    || fail "report failed ($reason)"
  python3 - "$TMP/fb.json" "$reason" "$samples" <<'PY' || fail "fallback ($reason)"
import json, sys
d = json.load(open(sys.argv[1]))
k = d["kernel_symbols"]
assert k == {"resolved": False, "reason": sys.argv[2]}, k
assert d["samples"] == int(sys.argv[3]), (d["samples"], sys.argv[3])
kernel = [t for t in d["top"] if t["dso"] == "[kernel.kallsyms]"]
assert [t["symbol"] for t in kernel] == ["[kernel]"], kernel
assert kernel[0]["samples"] * 2 > d["samples"], kernel
PY
  env "$@" "$PMUX" report -i "$file" > "$TMP/fb.txt" || fail "human report failed ($reason)"
  [ "$(grep -c "^# kernel symbols: not resolved ($reason)$" "$TMP/fb.txt")" -eq 1 ] \
    || fail "human header does not say once '($reason)': $(head -6 "$TMP/fb.txt")"
  grep -q "^ .*\[kernel\]  *\[kernel.kallsyms\]$" "$TMP/fb.txt" \
    || fail "no [kernel] row ($reason)"
}

# rewrite IN OUT OLD NEW: replace the one META text OLD by NEW (same length,
# so that every offset stays right).
rewrite() {
  python3 - "$@" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
old, new = sys.argv[3].encode(), sys.argv[4].encode()
assert len(old) == len(new) and b.count(old) == 1, "META text not found once"
open(sys.argv[2], "wb").write(b.replace(old, new))
PY
}

# Another boot: the same id with every hex digit changed.
other=$(echo "$BOOT" | tr '0-9a-f' '1-9a-f0')
rewrite "$TMP/k.data" "$TMP/other.data" "boot_id=$BOOT" "boot_id=$other"
expect_fallback "$TMP/other.data" "recorded on another boot"
pass "another boot: [kernel], reason given"

# A file from before boot_id: the key is not there.
rewrite "$TMP/k.data" "$TMP/old.data" "boot_id=$BOOT" "bootxid=$BOOT"
expect_fallback "$TMP/old.data" "no boot id in the file"
pass "no boot id: [kernel], reason given"

# This boot, but kallsyms hides its addresses (a fake root with the real
# boot id and kallsyms's lines, their addresses zeroed).
mkdir -p "$TMP/root/proc/sys/kernel/random"
echo "$BOOT" > "$TMP/root/proc/sys/kernel/random/boot_id"
sed 's/^[0-9a-f]*/0000000000000000/' "$KALLSYMS" > "$TMP/root/proc/kallsyms"
expect_fallback "$TMP/k.data" "/proc/kallsyms hides addresses" PMUX_SYSROOT="$TMP/root"
pass "hidden addresses: [kernel], reason given"
