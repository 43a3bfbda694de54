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

# The same code in a memfd's mapping ("/memfd:pmux-jit (deleted)"), where
# some JITs map their code: named from the perf map too (it was "[memfd:...]").
mmap=$("$PMUX" record -q -F 1000 -o "$TMP/m.data" -- "$PMUX_BUILD/pmux-spin" m300) ||
  { rm -f "$mmap"; fail "record of memfd JIT code failed"; }
rm_maps() { rm -f "$map" "$mmap"; rm -rf "$TMP"; }
trap rm_maps EXIT
"$PMUX" report --json -i "$TMP/m.data" > "$TMP/m.json" || fail "report (memfd) failed"
got=$(json_get "$TMP/m.json" 'd["top"][0]["symbol"] + " " + d["top"][0]["dso"]')
[ "$got" = "jit_spin $mmap" ] || fail "JIT code in a memfd not named: $got"
pass "JIT code in a memfd's mapping is named from its perf map"

if [ "$(id -u)" = 0 ]; then
  chown 65534 "$map"
  [ "$(top)" = "[anon] //anon" ] || fail "another user's perf map was read: $(top)"
  pass "another user's perf map is not read"
fi
