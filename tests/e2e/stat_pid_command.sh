#!/usr/bin/env bash
# -p PID -- COMMAND (perf stat -p PID -- sleep 5): the process is counted
# while COMMAND runs, COMMAND is not counted, its exit status is pmux's,
# and the report names both.  A process that exits before COMMAND keeps
# what it counted, and the session still lasts as long as COMMAND.  A
# signal goes to COMMAND, not to the process.
. "$PMUX_SRC/tests/e2e/lib.sh"
SPIN="$PMUX_BUILD/pmux-spin"
SETS=(-S task-clock,page-faults -S task-clock,context-switches)
between() { python3 -c "import sys; v=float(sys.argv[1]); sys.exit(not $2 <= v <= $3)" "$1"; }

"$SPIN" 20000 >/dev/null & T=$!
trap 'kill $T 2>/dev/null || true; rm -rf "$TMP"' EXIT
sleep 0.1
rc=0
"$PMUX" stat --json -o "$TMP/a.json" "${SETS[@]}" -p "$T" -- sh -c 'sleep 0.3; exit 3' || rc=$?
[ $rc = 3 ] || fail "-p PID -- COMMAND: exit $rc, want COMMAND's 3"
[ "$(json_get "$TMP/a.json" 'd["target"], d["command"], d["exit_status"]')" = \
  "pid $T ['sh', '-c', 'sleep 0.3; exit 3'] 3" ] ||
  fail "JSON names: $(json_get "$TMP/a.json" 'd["target"], d["command"], d["exit_status"]')"
# The spinner's CPU time over the 0.3 s (less on a loaded machine; never
# the sleeping COMMAND's few ms alone).
tc=$(json_get "$TMP/a.json" '[e["estimate"] for e in d["events"] if e["name"] == "task-clock"][0]')
between "$tc" 50e6 0.45e9 || fail "task-clock of the spinning process over 0.3 s: $tc ns"
pass "-p $T -- sh: counted while it ran ($tc ns), its exit status 3"

"$PMUX" stat -e task-clock -p "$T" -- sleep 0.1 2>"$TMP/h.err"
grep -q "Performance counter stats for 'pid $T' while 'sleep 0.1' ran" "$TMP/h.err" ||
  fail "title: $(cat "$TMP/h.err")"
pass "the table names the process and the command"

# SIGTERM: forwarded to COMMAND, which it ends; the process goes on.
"$PMUX" stat -e task-clock -p "$T" -o "$TMP/t.out" -- sleep 10 & P=$!
wait_child $P
kill -TERM $P
rc=0; wait $P || rc=$?
[ $rc = 143 ] || fail "SIGTERM: exit $rc, want 143 (COMMAND killed by it)"
grep -q task-clock "$TMP/t.out" || fail "SIGTERM: no results: $(cat "$TMP/t.out")"
kill -0 "$T" || fail "SIGTERM reached the attached process"
pass "SIGTERM ends COMMAND and the session, not the process"
kill $T

# A process that exits first: what it counted stays, and the session
# lasts as long as COMMAND.
# (a second of spinning: a loaded machine's pmux, under ASan, may take a
# few hundred ms to attach)
"$SPIN" 1000 >/dev/null & T=$!
sleep 0.05
"$PMUX" stat --json -o "$TMP/e.json" "${SETS[@]}" -p "$T" -- sleep 1.8
wait $T || true
tc=$(json_get "$TMP/e.json" '[e["estimate"] for e in d["events"] if e["name"] == "task-clock"][0]')
el=$(json_get "$TMP/e.json" 'd["elapsed_ns"]')
between "$el" 1.79e9 10e9 || fail "a process gone first: the session lasted $el ns, not COMMAND's 1.8 s"
between "$tc" 50e6 1.0e9 || fail "a process gone first: task-clock $tc ns"
json_get "$TMP/e.json" 'all(e["measured"] for e in d["events"])' | grep -qx True ||
  fail "a process gone first: an event not measured"
pass "a process that exits before COMMAND: its $tc ns kept, the session lasted $el ns"
