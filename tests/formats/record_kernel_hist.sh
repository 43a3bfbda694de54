#!/usr/bin/env bash
# kernel-hist end to end (the histogram kept in the kernel by eBPF): the
# round trip as root, and the refusal naming the missing capability when
# run without rights.
. "$PMUX_SRC/tests/e2e/lib.sh"
SPIN="$PMUX_BUILD/pmux-spin"
"$PMUX" formats > "$TMP/formats" || fail "pmux formats"
grep -q "^kernel-hist " "$TMP/formats" || skip "built without libbpf/clang"

if [ "$(id -u)" -eq 0 ]; then
  "$PMUX" record -q --format kernel-hist -F 1000 -o "$TMP/k.data" -- "$SPIN" 400 1 \
    || fail "record --format kernel-hist failed"
  "$PMUX" report -i "$TMP/k.data" --json > "$TMP/k.json"
  [ "$(json_get "$TMP/k.json" 'd["format"]')" = kernel-hist ] || fail "format"
  n=$(json_get "$TMP/k.json" 'd["samples"]')
  rec=$(json_get "$TMP/k.json" 'd["recorded"]')
  top=$(json_get "$TMP/k.json" 'd["top"][0]["symbol"]')
  [ "$n" -eq "$rec" ] && [ "$n" -ge 100 ] || fail "$n samples decoded, $rec recorded"
  [ "$top" = spin_hot ] || fail "top symbol $top"
  # Memory flat: the data does not grow with the number of samples.
  "$PMUX" record -q --format kernel-hist -F 10000 -o "$TMP/k2.data" -- "$SPIN" 400 1
  a=$(stat -c %s "$TMP/k.data"); b=$(stat -c %s "$TMP/k2.data")
  [ "$b" -lt $((a * 3)) ] || fail "10x the samples gave $b bytes vs $a"
  pass "kernel-hist: $n samples, top $top"
  # Sets: the set reaches the program as its link's cookie.
  "$PMUX" record -q --format kernel-hist -S 'cpu-clock;switch=20ms' \
    -S 'task-clock;switch=5ms' -o "$TMP/ks.data" -- "$SPIN" 500
  "$PMUX" report -i "$TMP/ks.data" --sort set --json > "$TMP/ks.json"
  p0=$(json_get "$TMP/ks.json" 'int(sum(t["percent"] for t in d["top"] if t["set"] == 0))')
  [ "$p0" -ge 65 ] && [ "$p0" -le 92 ] || fail "kernel-hist set 0 has $p0%, want about 80"
  pass "kernel-hist sets: set 0 $p0%"
  # A forked child's events inherit the program, and must count in the
  # set that was active, not all in set 0 (a link's cookie is not
  # inherited): both sets alternate on the child as on the parent.
  "$PMUX" record -q --format kernel-hist --switch 50ms -S cpu-clock -S cpu-clock \
    -o "$TMP/kc.data" -- sh -c "'$SPIN' 600 & wait"
  "$PMUX" report -i "$TMP/kc.data" --sort set --json > "$TMP/kc.json"
  p1=$(json_get "$TMP/kc.json" 'int(sum(t["percent"] for t in d["top"] if t["set"] == 1))')
  [ "$p1" -ge 30 ] && [ "$p1" -le 70 ] || fail "kernel-hist, forked child: set 1 has $p1%, want about 50"
  pass "kernel-hist sets in a forked child: set 1 $p1%"
  # A command in a pid namespace of its own, recorded from ours: its
  # samples carry its pid as we see it (perf's), not 0.
  if unshare -fp true 2>/dev/null; then
    "$PMUX" record -q --format kernel-hist -o "$TMP/kn.data" -- unshare -fp "$SPIN" 200
    python3 - "$TMP/kn.data" <<'PY' || fail "kernel-hist: samples of a nested pid namespace have pid 0"
import struct, sys
b = open(sys.argv[1], "rb").read()
off = struct.unpack_from("<I", b, 12)[0]
while True:
    t, _, n = struct.unpack_from("<IIQ", b, off)
    if t == 5:  # DATA: the hist header (48 bytes), then {pid, set, ip, count}
        d = b[off + 16:off + 16 + n]
        entries = struct.unpack_from("<Q", d, 8)[0]
        zero = sum(struct.unpack_from("<Q", d, 48 + 24 * i + 16)[0]
                   for i in range(entries) if struct.unpack_from("<I", d, 48 + 24 * i)[0] == 0)
        total = struct.unpack_from("<Q", d, 16)[0]
        assert total > 50 and zero < total / 10, (zero, total)
        break
    off += 16 + n
PY
    pass "kernel-hist: a nested pid namespace's samples carry their pids"
  fi
else
  echo "not root: round trip skipped"
fi

command -v setpriv >/dev/null || skip "setpriv missing: refusal not tested"
[ "$(id -u)" -eq 0 ] || skip "refusal test needs root to drop to nobody"
chmod 755 "$TMP"
set +e
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  "$PMUX" record --format kernel-hist -e cpu-clock:u -o "$TMP/n.data" -- "$SPIN" 50 \
  2> "$TMP/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "kernel-hist without rights: exit $rc"
grep -q "CAP_BPF" "$TMP/err" || fail "refusal does not name CAP_BPF: $(cat "$TMP/err")"
[ ! -e "$TMP/n.data" ] || fail "a refused record left a file"
pass "refusal: $(head -1 "$TMP/err" | cut -c1-100)..."
