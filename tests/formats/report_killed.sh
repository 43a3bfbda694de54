#!/usr/bin/env bash
# A recording whose recorder was killed (SIGKILL): MAPS, STATS and
# SWITCHES come at the end, so the file has none.  report says the file is
# incomplete and what is therefore unknown (user-space symbols, the lost
# count: JSON "complete": false, "lost": null), and still reports the
# samples it could decode.
. "$PMUX_SRC/tests/e2e/lib.sh"
SPIN="$PMUX_BUILD/pmux-spin"

# check NAME: report on $TMP/NAME.data says it is incomplete, in text and
# JSON, exits 1 with the reason; the samples decoded go to $n.
check() {
  local rc=0
  "$PMUX" report -i "$TMP/$1.data" > "$TMP/$1.txt" 2>"$TMP/err" || rc=$?
  [ $rc -eq 1 ] && grep -q "interrupted" "$TMP/err" \
    || fail "$1: exit $rc: $(cat "$TMP/err")"
  grep -q "^# incomplete: the file ends before its END section (the recording was interrupted): no mappings, user-space symbols are unknown; no stats, the lost count is unknown$" \
    "$TMP/$1.txt" || fail "$1: no incomplete line: $(cat "$TMP/$1.txt")"
  grep -q "^# samples: [0-9,]*  lost: unknown$" "$TMP/$1.txt" \
    || fail "$1: lost not unknown: $(cat "$TMP/$1.txt")"
  rc=0; "$PMUX" report -i "$TMP/$1.data" --json > "$TMP/$1.json" 2>/dev/null || rc=$?
  [ $rc -eq 1 ] || fail "$1: --json: exit $rc, want 1"
  [ "$(json_get "$TMP/$1.json" 'd["complete"], d["lost"], d["recorded"]')" \
    = "False None None" ] || fail "$1: JSON: $(cat "$TMP/$1.json")"
  n=$(json_get "$TMP/$1.json" 'd["samples"]')
}

# A recorder really killed mid-run (its data may still sit in its buffers).
"$PMUX" record -q -e cpu-clock -F 1000 -o "$TMP/k.data" -- "$SPIN" 3000 &
rec=$!
wait_child "$rec"
child=$(pgrep -P "$rec")
sleep 0.5
kill -KILL "$rec"
wait "$rec" || true
kill -KILL "$child" 2>/dev/null || true
check k
pass "killed recorder: incomplete, $n samples, lost unknown"

# Killed after its DATA was written out: a complete recording cut where
# the recorder would have stopped (DATA's length never patched, no
# MAPS, STATS or END).  Every sample is still decoded.
"$PMUX" record -q -e cpu-clock -F 1000 -o "$TMP/ok.data" -- "$SPIN" 200
"$PMUX" report -i "$TMP/ok.data" --json > "$TMP/ok.json"
[ "$(json_get "$TMP/ok.json" 'd["complete"], d["lost"]')" = "True 0" ] \
  || fail "complete file: $(cat "$TMP/ok.json")"
full=$(json_get "$TMP/ok.json" 'd["samples"]')
python3 - "$TMP/ok.data" "$TMP/cut.data" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
off = struct.unpack_from("<I", b, 12)[0]
while True:
    t, _, n = struct.unpack_from("<IIQ", b, off)
    if t == 5:  # DATA: as a killed recorder leaves it
        struct.pack_into("<Q", b, off + 8, 2**64 - 1)
        open(sys.argv[2], "wb").write(b[:off + 16 + n])
        break
    off += 16 + n
PY
check cut
[ "$n" -eq "$full" ] || fail "$n of $full samples decoded"
grep -q "\[unknown\]" "$TMP/cut.txt" || fail "user-space samples named: $(cat "$TMP/cut.txt")"
pass "killed after its data: all $n samples, symbols and lost unknown"
