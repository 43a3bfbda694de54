#!/usr/bin/env bash
# A truncated or corrupt sample file: report fails with an error naming the
# offset where it stopped making sense, never crashes, and still reports
# what was valid before.
. "$PMUX_SRC/tests/e2e/lib.sh"
SPIN="$PMUX_BUILD/pmux-spin"
PATCH="$PMUX_SRC/tests/formats/patch_section.py"

# refused NAME PATTERN: report on $TMP/NAME.data exits 1 with an error
# matching PATTERN (JSON in $TMP/NAME.json).
refused() {
  local rc=0
  "$PMUX" report -i "$TMP/$1.data" --json > "$TMP/$1.json" 2>"$TMP/err" || rc=$?
  [ $rc -eq 1 ] && grep -q "$2" "$TMP/err" || fail "$1: exit $rc: $(cat "$TMP/err")"
}

for fmt in default:entries=64 compact hist; do
  "$PMUX" record -q --format "$fmt" -o "$TMP/ok.data" -- "$SPIN" 200
  size=$(stat -c %s "$TMP/ok.data")
  full=$("$PMUX" report -i "$TMP/ok.data" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["samples"])')
  for cut in 0 10 64 100 200 $((size / 2)) $((size - 200)) $((size - 30)) $((size - 1)); do
    [ "$cut" -ge 0 ] || continue
    head -c "$cut" "$TMP/ok.data" > "$TMP/cut.data"
    set +e
    "$PMUX" report -i "$TMP/cut.data" --json > "$TMP/cut.json" 2> "$TMP/err"
    rc=$?
    set -e
    [ $rc -eq 1 ] || fail "$fmt cut at $cut: exit $rc, want 1"
    grep -q "offset" "$TMP/err" || fail "$fmt cut at $cut: error names no offset: $(cat "$TMP/err")"
    if [ -s "$TMP/cut.json" ]; then
      n=$(json_get "$TMP/cut.json" 'd["samples"]')
      [ "$n" -le "$full" ] || fail "$fmt cut at $cut: $n > $full samples"
    fi
  done
  # Cut just after most of the data: most samples still reported (default
  # and compact are streams).
  if [ "${fmt%%:*}" != hist ]; then
    head -c $((size * 3 / 4)) "$TMP/ok.data" > "$TMP/cut.data"
    "$PMUX" report -i "$TMP/cut.data" --json > "$TMP/cut.json" 2>/dev/null || true
    n=$(json_get "$TMP/cut.json" 'd["samples"]')
    [ "$n" -gt 0 ] || fail "$fmt: nothing reported from 3/4 of the file"
    grep -q offset <<<"$(json_get "$TMP/cut.json" 'd["error"]')" || fail "$fmt: JSON has no error"
  fi
  # Garbage: flipped bytes all over the file never crash it.
  python3 - "$TMP/ok.data" "$TMP/bad.data" <<'PY'
import sys, random
b = bytearray(open(sys.argv[1], 'rb').read())
random.seed(7)
for i in range(40):
    b[random.randrange(len(b))] ^= 0xff
open(sys.argv[2], 'wb').write(b)
PY
  set +e
  "$PMUX" report -i "$TMP/bad.data" > /dev/null 2>&1
  rc=$?
  set -e
  [ $rc -le 1 ] || fail "$fmt: flipped bytes gave exit $rc"
  pass "$fmt: truncations and corruption handled"
done
# hist counts that contradict the header (the first entry's count set to
# 2^64-1, or to 0): refused with the offset and the reason, never summed
# into nonsense.
"$PMUX" record -q --format hist -o "$TMP/h.data" -- "$SPIN" 200
# The first entry's count: after the hist header (48 bytes), {u32 pid,
# i32 set, u64 ip, u64 count}.
python3 "$PATCH" "$TMP/h.data" "$TMP/hmax.data" 5 64 "<Q" 0xffffffffffffffff
python3 "$PATCH" "$TMP/h.data" "$TMP/hzero.data" 5 64 "<Q" 0
refused hmax "offset [0-9]*: hist: .*past 2^64"
refused hzero "offset [0-9]*: hist: .*count 0"
pass "hist counts that contradict the header are refused"
# The `other` entry (samples that found the table full: pid 0, set -1,
# ip 0) is named as such, not [unknown]: the first entry made into it.
python3 - "$TMP/h.data" "$TMP/hfull.data" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off = struct.unpack_from("<I", b, 12)[0]
while struct.unpack_from("<I", b, off)[0] != 5:
    off += 16 + struct.unpack_from("<Q", b, off + 8)[0]
h = off + 16                            # the hist header
count = struct.unpack_from("<Q", b, h + 48 + 16)[0]
struct.pack_into("<Q", b, h + 24, count)  # other
struct.pack_into("<IiQ", b, h + 48, 0, -1, 0)
open(sys.argv[2], "wb").write(b)
PY
"$PMUX" report -i "$TMP/hfull.data" --json > "$TMP/hfull.json"
python3 - "$TMP/hfull.json" <<'PY' || fail "hist table full: $(cat "$TMP/hfull.json")"
import json, sys
d = json.load(open(sys.argv[1]))
full = [t for t in d["top"] if t["symbol"] == "[hist table full]"]
assert len(full) == 1 and full[0]["dso"] == "", d["top"]
assert not [t for t in d["top"] if t["symbol"] == "[unknown]"], d["top"]
PY
"$PMUX" report -i "$TMP/hfull.data" > "$TMP/hfull.txt"
grep -q "\[hist table full\]" "$TMP/hfull.txt" || fail "text: $(cat "$TMP/hfull.txt")"
pass "hist's table-full entry is named"

printf 'not a pmux file at all' > "$TMP/junk"
set +e
"$PMUX" report -i "$TMP/junk" 2>"$TMP/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "offset 0" "$TMP/err" || fail "junk file"
pass "junk file"

# A bad MAPS section whose length is sound: it is reported, and the
# sections after it (STATS: the recorded and lost counts) are still read.
"$PMUX" record -q -o "$TMP/maps.data" -- "$SPIN" 200
python3 "$PATCH" "$TMP/maps.data" "$TMP/badmaps.data" 6 4 "<I" 0 # first name_len
set +e
"$PMUX" report -i "$TMP/badmaps.data" --json > "$TMP/badmaps.json" 2>"$TMP/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "bad MAPS: exit $rc"
[ "$(json_get "$TMP/badmaps.json" 'd["recorded"]')" -gt 0 ] ||
  fail "bad MAPS hid the STATS section: $(head -c 300 "$TMP/badmaps.json")"
pass "a bad section does not hide the ones after it"

# SETS and SWITCHES that contradict each other (a switch for a set the
# file does not have, a count of sets that cannot fit): named, with the
# offset; the samples are still reported.
"$PMUX" record -q -S cpu-clock -S task-clock -o "$TMP/sets.data" -- "$SPIN" 100
# SWITCHES (8): the first entry's set id; SETS (3): the count.
python3 "$PATCH" "$TMP/sets.data" "$TMP/badswitch.data" 8 4 "<I" 99
python3 "$PATCH" "$TMP/sets.data" "$TMP/badsets.data" 3 0 "<I" 0x40000000
for f in badswitch:"SWITCHES section: set 99 is not in the SETS section" \
    badsets:"SETS section: .*cannot fit"; do
  refused "${f%%:*}" "offset [0-9]*: ${f#*:}"
  [ "$(json_get "$TMP/${f%%:*}.json" 'd["samples"]')" -gt 0 ] || fail "${f%%:*}: samples lost"
done
pass "contradictory SETS and SWITCHES named"
