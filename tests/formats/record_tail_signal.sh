#!/usr/bin/env bash
# A signal that comes while record writes its file's tail (the maps and
# build-ids that name the samples, after the command is gone) waits until
# the file is complete; it killed pmux with the tail unwritten, and report
# then knew no user-space symbol.  gdb stops pmux at the tail and sends
# the signal there: no timing involved.
. "$PMUX_SRC/tests/e2e/lib.sh"
command -v gdb >/dev/null || skip "gdb is not installed"
cat >"$TMP/gdb" <<GDB
set pagination off
set breakpoint pending on
handle SIGINT nostop noprint pass
break pmux__sf_write_tail
run record -q -o $TMP/t.data -- $PMUX_BUILD/pmux-spin
call (int)kill((int)getpid(), 2)
continue
GDB
gdb -q -batch -x "$TMP/gdb" "$PMUX" >"$TMP/gdb.out" 2>&1 || true
grep -q "Breakpoint 1, .*pmux__sf_write_tail" "$TMP/gdb.out" ||
  skip "gdb could not stop pmux at the tail: $(tail -5 "$TMP/gdb.out")"
grep -q "Program terminated with signal SIGINT" "$TMP/gdb.out" ||
  fail "the SIGINT did not end pmux after the tail: $(tail -5 "$TMP/gdb.out")"
rc=0; "$PMUX" report -i "$TMP/t.data" >"$TMP/r.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] && ! grep -q "incomplete" "$TMP/r.txt" ||
  fail "SIGINT during the tail left an incomplete file: rc $rc: $(cat "$TMP/r.txt")"
pass "a SIGINT during the tail waits until the file is complete"
