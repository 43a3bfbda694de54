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

# report's columns sit under their headers (the header was one column to
# the left of every row, and --sort ip's "ip  symbol" header put the symbol
# 19 columns before the rows' symbols).
"$PMUX" record -q -o "$TMP/ip.data" -- "$DEMO" -r 1 || fail "record failed"
for sort in symbol ip; do
  "$PMUX" report -s $sort -i "$TMP/ip.data" > "$TMP/ip.txt" || fail "report -s $sort failed"
  python3 - "$TMP/ip.txt" $sort <<'PY' || fail "report -s $sort columns: $(cat "$TMP/ip.txt")"
import sys
lines = open(sys.argv[1]).read().splitlines()
head = [l for l in lines if l.startswith("#") and "percent" in l][0]
rows = [l for l in lines if not l.startswith("#")]
assert rows, "no rows"
for r in rows:
    # percent and samples are right-aligned, the others left-aligned
    assert r.index("%") == head.index("percent") + len("percent") - 1, (r, head)
    s = head.index("samples") + len("samples")
    assert r[s - 1].isdigit() and r[s] == " ", (r, head)
    for col in ("ip", "symbol") if sys.argv[2] == "ip" else ("symbol",):
        c = head.index(col)
        assert r[c - 1] == " " and r[c] != " ", (col, r, head)
PY
done
pass "report: columns under their headers"

# --switch with fewer than two sets changes nothing: said, not ignored.
"$PMUX" record -q --switch 5ms -o "$TMP/sw.data" -- true 2>"$TMP/sw.err" || fail "record --switch failed"
grep -q "warning: --switch: no -S sets, nothing rotates" "$TMP/sw.err" || fail "--switch alone: $(cat "$TMP/sw.err")"
"$PMUX" record -q --switch 5ms -S cpu-clock -S task-clock -o "$TMP/sw.data" -- true 2>"$TMP/sw.err" ||
  fail "record --switch with two sets failed"
[ ! -s "$TMP/sw.err" ] || fail "--switch with two sets warned: $(cat "$TMP/sw.err")"
"$PMUX" record -q -S 'cpu-clock;switch=5ms' -o "$TMP/sw.data" -- true 2>"$TMP/sw.err" ||
  fail "record with switch= on the only set failed"
grep -q "warning: set 0: switch= ignored: the only set, nothing rotates" "$TMP/sw.err" ||
  fail "switch= on the only set: $(cat "$TMP/sw.err")"
pass "--switch or switch= without sets to rotate is said"

# A parent that ignores SIGCHLD passes that on through exec: the kernel
# would reap the command itself and waitpid find no child.  record waited
# for it to exit forever, polling, and forwarded timeout's SIGTERM to no
# one; then it ended with the status lost.  pmux puts SIGCHLD back to
# SIG_DFL, so the command's status comes through.
rc=0
timeout -s KILL 20 python3 - "$PMUX" "$TMP/chld.data" <<'PY' || rc=$?
import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], [sys.argv[1], "record", "-q", "-o", sys.argv[2], "--", "sh", "-c", "exit 3"])
PY
[ "$rc" = 3 ] || fail "record with SIGCHLD ignored: rc $rc, want the command's 3"
"$PMUX" report -i "$TMP/chld.data" >/dev/null || fail "report of it failed"
pass "record ends with the command's status when SIGCHLD was ignored"

# A sample file pmux may not read or write: the error names it and its
# mode's refusal, and does not send the user to `pmux caps`, which is
# about perf rights (it did, for any EACCES).  Root reads everything: as
# root the cases run as nobody.
as=()
if [ "$(id -u)" = 0 ]; then
  command -v setpriv >/dev/null || skip "root, and no setpriv to run as nobody"
  as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
chmod 755 "$TMP"
chmod 000 "$TMP/e.data"
rc=0; "${as[@]}" "$PMUX" report -i "$TMP/e.data" 2>"$TMP/r.err" || rc=$?
[ "$rc" = 1 ] && grep -q "e.data: Permission denied" "$TMP/r.err" \
  || fail "report of an unreadable file: rc $rc: $(cat "$TMP/r.err")"
! grep -q "pmux caps" "$TMP/r.err" || fail "report sends to pmux caps: $(cat "$TMP/r.err")"
mkdir "$TMP/ro" && chmod 555 "$TMP/ro"
rc=0; "${as[@]}" "$PMUX" record -q -e cpu-clock:u -o "$TMP/ro/x.data" -- true \
  2>"$TMP/w.err" || rc=$?
grep -q "event '" "$TMP/w.err" && skip "cpu-clock:u refused here: $(cat "$TMP/w.err")"
[ "$rc" = 1 ] && grep -q "ro/x.data: Permission denied" "$TMP/w.err" \
  || fail "record into a read-only folder: rc $rc: $(cat "$TMP/w.err")"
! grep -q "pmux caps" "$TMP/w.err" || fail "record sends to pmux caps: $(cat "$TMP/w.err")"
pass "an unreadable or unwritable file is named, without pointing at pmux caps"


# -m over the bound is refused for being over it: 2^21 is a power of two
# (the message said it was not).
rc=0; "$PMUX" record -m 2097152 -o "$TMP/m.data" -- true 2>"$TMP/m.err" || rc=$?
[ "$rc" = 2 ] && grep -q -- "-m 2097152: at most 1048576 pages" "$TMP/m.err" \
  || fail "record -m 2097152: rc $rc: $(cat "$TMP/m.err")"
rc=0; "$PMUX" record -m 3 -o "$TMP/m.data" -- true 2>"$TMP/m.err" || rc=$?
[ "$rc" = 2 ] && grep -q -- "-m 3: want a power of two number of pages" "$TMP/m.err" \
  || fail "record -m 3: rc $rc: $(cat "$TMP/m.err")"
pass "-m names what is wrong with its number"

# A write that fails mid-run (a full disk) names the file: the format passed
# the file's error on, and it was said as "format 'default': No space left
# on device".  /dev/full fails every write; the spinning command's samples
# make the format write.
rc=0; "$PMUX" record -o /dev/full -- "$PMUX_BUILD/pmux-spin" 2>"$TMP/f.err" || rc=$?
[ "$rc" = 1 ] && grep -q "^pmux record: /dev/full: .*No space left on device" "$TMP/f.err" \
  || fail "record -o /dev/full: rc $rc: $(cat "$TMP/f.err")"
! grep -q "format 'default'" "$TMP/f.err" || fail "the format is blamed: $(cat "$TMP/f.err")"
grep -q "taken, NOT all written to /dev/full" "$TMP/f.err" \
  || fail "no summary of what was taken: $(cat "$TMP/f.err")"
pass "a full disk mid-run names the file"
