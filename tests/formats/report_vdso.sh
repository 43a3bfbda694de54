#!/usr/bin/env bash
# Samples in the vdso (clock_gettime without a system call) are named: no
# file holds the vdso, so record copies its own image (VDSO, file format
# 1.3) and report reads the functions from it.  They were "[vdso]" alone.
. "$PMUX_SRC/tests/e2e/lib.sh"
grep -q '\[vdso\]' /proc/self/maps || skip "this kernel maps no vdso"
command -v python3 >/dev/null || skip "python3 is needed for the clock loop"
"$PMUX" record -q -F 2000 -o "$TMP/v.data" -- python3 -c '
import time
end = time.monotonic() + 0.6
while time.monotonic() < end:
    pass' || fail "record failed"
"$PMUX" report --json -i "$TMP/v.data" > "$TMP/v.json" || fail "report failed"
python3 - "$TMP/v.json" <<'PY' || fail "vdso samples not named: $(head -c 800 "$TMP/v.json")"
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["top"] if r["dso"] == "[vdso]"]
assert rows, "no sample in the vdso"
named = sum(r["samples"] for r in rows if "clock_gettime" in r["symbol"])
assert named >= 0.5 * sum(r["samples"] for r in rows), rows
PY
pass "samples in the vdso are named ($(grep -o '"symbol":"[^"]*clock_gettime[^"]*"' "$TMP/v.json" | head -1))"
