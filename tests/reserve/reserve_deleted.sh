#!/bin/bash
# reserve_deleted.sh - the lease files of a running system-wide session
# deleted (an admin's rm -rf /run/pmux/*, a tmpfiles clean-up): a second
# session on the same CPUs is still refused, naming the first; pmux info
# still names it; once it ends, its CPUs are free again.
source "$PMUX_SRC/tests/e2e/lib.sh"
export PMUX_RUNDIR="$TMP/run"
"$PMUX" stat -C 0 -e cpu-clock -- true >"$TMP/probe" 2>&1 ||
  skip "system-wide counting not allowed here: $(tail -2 "$TMP/probe")"

# The holder lasts until the checks end it (SIGTERM, forwarded to sleep):
# a loaded machine's runs below may take seconds.
"$PMUX" stat -a -e cpu-clock -o /dev/null -- sleep 60 2>"$TMP/a.err" & A=$!
trap 'kill $A 2>/dev/null || true; rm -rf "$TMP"' EXIT
for i in $(seq 100); do
  grep -q "pid=$A " "$PMUX_RUNDIR/cpu0.lock" 2>/dev/null && break
  sleep 0.05
done
grep -q "pid=$A " "$PMUX_RUNDIR/cpu0.lock" || fail "no lease record for $A"
rm -rf "${PMUX_RUNDIR:?}"/*

rc=0; "$PMUX" stat -a -e cpu-clock -- true >/dev/null 2>"$TMP/b.err" || rc=$?
[ $rc = 1 ] && grep -q "CPU 0 is held by pmux pid $A " "$TMP/b.err" ||
  fail "second session after the files were deleted: exit $rc: $(cat "$TMP/b.err")"
grep -q "'pmux stat -a -e cpu-clock -o /dev/null -- sleep 60'" "$TMP/b.err" ||
  fail "the holder's command line: $(cat "$TMP/b.err")"
rc=0; "$PMUX" record -C 0 -e cpu-clock -o "$TMP/b.data" -- true >/dev/null \
  2>"$TMP/rec.err" || rc=$?
[ $rc = 1 ] && grep -q "CPU 0 is held by pmux pid $A " "$TMP/rec.err" ||
  fail "record after the files were deleted: exit $rc: $(cat "$TMP/rec.err")"
pass "lease files deleted: a second session is refused, naming the holder"

"$PMUX" info >"$TMP/info" 2>&1 || fail "pmux info: $(cat "$TMP/info")"
grep -q "system-wide lease: CPU 0 held by pmux pid $A " "$TMP/info" ||
  fail "pmux info does not name the holder: $(grep lease "$TMP/info")"
pass "pmux info names the holder whose lease file was deleted"

kill -TERM $A
rc=0; wait $A || rc=$?
[ $rc = 143 ] || fail "the first session, ended by SIGTERM: exit $rc: $(cat "$TMP/a.err")"
"$PMUX" stat -a -e cpu-clock -o /dev/null -- true 2>"$TMP/c.err" ||
  fail "a session after the holder ended: $(cat "$TMP/c.err")"
pass "the holder ended: its CPUs are free again"
