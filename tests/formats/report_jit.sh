#!/usr/bin/env bash
# report names the functions of JIT code from /tmp/perf-PID.map, the file
# in which JITs (Java, Julia, node, Python's -X perf...) name their code
# for perf: its anonymous executable memory has no file.  They were all
# "[anon]".  A map file owned by another user is not read (anyone may
# write in /tmp).
. "$PMUX_SRC/tests/e2e/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip "pmux-spin's JIT mode runs x86-64 code only"
# pmux-spin prints the path of the map it wrote (searching /tmp for it
# raced with the other tests' folders coming and going)
map=$("$PMUX" record -q -F 1000 -o "$TMP/j.data" -- "$PMUX_BUILD/pmux-spin" j300) ||
  { rm -f "$map"; fail "record of JIT code failed"; }
trap 'rm -f "$map"; rm -rf "$TMP"' EXIT
[ -f "$map" ] || fail "pmux-spin wrote no /tmp/perf-PID.map ('$map')"
top() {
  "$PMUX" report --json -i "$TMP/j.data" > "$TMP/j.json" || fail "report failed"
  json_get "$TMP/j.json" 'd["top"][0]["symbol"] + " " + d["top"][0]["dso"]'
}
[ "$(top)" = "jit_spin $map" ] || fail "JIT code not named: $(top)"
pass "JIT code is named from its perf map"

if [ "$(id -u)" = 0 ]; then
  chown 65534 "$map"
  [ "$(top)" = "[anon] //anon" ] || fail "another user's perf map was read: $(top)"
  pass "another user's perf map is not read"
fi
