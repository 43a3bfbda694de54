#!/usr/bin/env bash
# record's and report's command line, as a perf user types it: repeated
# options, and the errors for files pmux cannot use.
. "$PMUX_SRC/tests/e2e/lib.sh"

# -e twice joins the lists, as stat's and check's -e do (the second -e
# silently replaced the first: only page-faults was recorded).
"$PMUX" record -q -e cpu-clock -e page-faults -o "$TMP/e.data" -- true \
  || fail "record -e cpu-clock -e page-faults failed"
"$PMUX" report --json -i "$TMP/e.data" > "$TMP/e.json" || fail "report failed"
ev=$(json_get "$TMP/e.json" 'd["event"] + " " + d["sets"][0]["events"]')
[ "$ev" = "cpu-clock cpu-clock,page-faults" ] || fail "-e -e recorded '$ev'"
pass "repeated -e lists join"
