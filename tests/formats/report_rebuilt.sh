#!/usr/bin/env bash
# report names no function from a binary rebuilt since the recording: the
# build-ids recorded at the end (BUILD_IDS, file format 1.3) tell the
# build that ran from the one on disk now, whose symbols would name the
# wrong functions.  An unchanged binary (copied again, same build) is
# still named.
. "$PMUX_SRC/tests/e2e/lib.sh"
command -v readelf >/dev/null || skip "readelf (binutils) is needed to compare build-ids"
build_id() { readelf -n "$1" | sed -n 's/.*Build ID: *//p'; }
[ -n "$(build_id "$DEMO")" ] || skip "pmux-demo was linked without a build-id"
other=$(type -P true)
[ -n "$(build_id "$other")" ] && [ "$(build_id "$other")" != "$(build_id "$DEMO")" ] ||
  skip "no second binary with another build-id ($other)"

cp "$DEMO" "$TMP/prog"
"$PMUX" record -q -F 2000 -o "$TMP/r.data" -- "$TMP/prog" -r 4 || fail "record failed"
"$PMUX" report -i "$TMP/r.data" >"$TMP/same" || fail "report failed"
grep -q "compute_phase" "$TMP/same" || fail "the recorded binary's functions are not named: $(cat "$TMP/same")"
! grep -q "changed since the recording" "$TMP/same" || fail "an unchanged binary reported as changed"
cp "$DEMO" "$TMP/prog.new" && mv "$TMP/prog.new" "$TMP/prog"
"$PMUX" report -i "$TMP/r.data" >"$TMP/again" || fail "report failed (copied again)"
grep -q "compute_phase" "$TMP/again" ||
  fail "the same build, copied again, is no longer named"
pass "the recorded build is named (also when copied again)"

cp "$other" "$TMP/prog.new" && mv "$TMP/prog.new" "$TMP/prog"
"$PMUX" report -i "$TMP/r.data" >"$TMP/changed" || fail "report failed"
grep -q "^# changed since the recording (another build-id): $TMP/prog: its functions are not named" "$TMP/changed" ||
  fail "no word of the changed binary: $(cat "$TMP/changed")"
grep -q "compute_phase" "$TMP/changed" && fail "named functions from the wrong build"
grep -q "\[prog\]" "$TMP/changed" || fail "its samples are not shown as [prog]: $(cat "$TMP/changed")"
"$PMUX" report --json -i "$TMP/r.data" >"$TMP/changed.json" || fail "report --json failed"
python3 - "$TMP/changed.json" "$TMP/prog" <<'PY' || fail "JSON: $(head -c 600 "$TMP/changed.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["changed"] == [sys.argv[2]], d["changed"]
PY
pass "a binary rebuilt since the recording: said so, its functions not named"

# Rebuilt WHILE recording: the first process ran one build, the second
# another, from the same path.  The build-ids the kernel gave each mapping
# (MAP_BUILD_IDS) tell them apart; those read at the end (BUILD_IDS) saw
# only the last build, and named the first one's samples from it.
grep -q . <(python3 "$PMUX_SRC/tests/formats/read_default.py" "$TMP/r.data" |
  python3 -c 'import json,sys; print(*[x for x in json.load(sys.stdin)["sections"] if x == 12])') ||
  { pass "(the kernel gives no mapping build-ids: the rebuild while recording is not checked)"; exit 0; }
cp "$PMUX_BUILD/pmux-spin" "$TMP/prog2"
"$PMUX" record -q -F 1000 -o "$TMP/w.data" -- sh -c "'$TMP/prog2' 300 &&
  cp '$DEMO' '$TMP/prog2.new' && mv '$TMP/prog2.new' '$TMP/prog2' && '$TMP/prog2' -r 4" ||
  fail "record of a rebuild failed"
"$PMUX" report --json -i "$TMP/w.data" >"$TMP/w.json" || fail "report failed"
python3 - "$TMP/w.json" "$TMP/prog2" <<'PY' || fail "rebuilt while recording: $(head -c 800 "$TMP/w.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["changed"] == [sys.argv[2]], d["changed"]
rows = {r["symbol"]: r["samples"] for r in d["top"] if r["dso"] == sys.argv[2]}
assert rows.get("compute_phase", 0) > 0, rows   # the build on disk: named
assert rows.get("[prog2]", 0) > 0, rows          # the one before: not
assert "spin_hot" not in rows, rows
PY
pass "a binary rebuilt while recording: the first build's samples are not named from the second"
