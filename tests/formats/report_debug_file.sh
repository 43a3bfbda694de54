#!/usr/bin/env bash
# report names the functions of a stripped binary from its separate debug
# file (DIR/.build-id/xx/yyyy.debug, as Debian's -dbg packages install
# them; DIR is PMUX_DEBUG_DIR here, /usr/lib/debug by default), and only
# from the debug file of the same build.  Stripped, they were "[spin]".
. "$PMUX_SRC/tests/e2e/lib.sh"
for t in objcopy strip readelf; do
  command -v $t >/dev/null || skip "$t (binutils) is needed to split a debug file off"
done
build_id() { readelf -n "$1" | sed -n 's/.*Build ID: *//p'; }
cp "$PMUX_BUILD/pmux-spin" "$TMP/spin"
id=$(build_id "$TMP/spin")
[ -n "$id" ] || skip "pmux-spin was linked without a build-id"
objcopy --only-keep-debug "$TMP/spin" "$TMP/spin.debug" || fail "objcopy"
strip --strip-all "$TMP/spin" || fail "strip"
[ "$(build_id "$TMP/spin")" = "$id" ] || fail "strip lost the build-id"
mkdir -p "$TMP/debug/.build-id/${id:0:2}" "$TMP/empty"
"$PMUX" record -q -F 1000 -o "$TMP/r.data" -- "$TMP/spin" 300 || fail "record failed"

top() { # DEBUG-DIR: the top symbol of the report
  PMUX_DEBUG_DIR="$1" "$PMUX" report --json -i "$TMP/r.data" > "$TMP/r.json" || fail "report failed"
  json_get "$TMP/r.json" 'd["top"][0]["symbol"]'
}
[ "$(top "$TMP/empty")" = "[spin]" ] || fail "stripped, no debug file: $(top "$TMP/empty")"
# another build's debug file at this build-id's path is not used
objcopy --only-keep-debug "$PMUX_BUILD/pmux-demo" \
  "$TMP/debug/.build-id/${id:0:2}/${id:2}.debug" || fail "objcopy"
[ "$(top "$TMP/debug")" = "[spin]" ] || fail "named from another build's debug file: $(top "$TMP/debug")"
mv "$TMP/spin.debug" "$TMP/debug/.build-id/${id:0:2}/${id:2}.debug"
[ "$(top "$TMP/debug")" = "spin_hot" ] || fail "debug file not used: $(top "$TMP/debug")"
pass "a stripped binary's functions come from its debug file (the same build only)"
