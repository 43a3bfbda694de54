#!/usr/bin/env bash
# A process whose threads come and go (pmux-churn: a thread every 200 us,
# each gone 100 us later): counted as a command with two rotating sets
# (inherited groups are copied and taken apart all the time, and the
# kernel refuses a group read while a copy differs: ECHILD), and attached
# to with -p while it churns (a thread listed in /proc/PID/task may be
# gone by the time its events open: ESRCH).  Every run must succeed.
. "$PMUX_SRC/tests/e2e/lib.sh"
CHURN="$PMUX_BUILD/pmux-churn"

for run in 1 2 3 4 5; do
  "$PMUX" stat --json -o "$TMP/c.json" --switch 1ms -S task-clock,page-faults \
    -S context-switches,task-clock -- "$CHURN" 300 200 2>"$TMP/c.err" ||
    fail "command run $run: $(cat "$TMP/c.err")"
  cs=$(json_get "$TMP/c.json" '[e["raw"] for e in d["events"] if e["name"] == "context-switches"][0]')
  [ "$cs" -gt 0 ] || fail "command run $run: no context switches counted"
done
pass "a command whose threads come and go: 5 runs of 2 sets, all counted"

"$CHURN" 60000 200 & C=$! # killed at the end
trap 'kill $C 2>/dev/null; rm -rf "$TMP"' EXIT
sleep 0.2
for run in 1 2 3 4 5 6 7 8; do
  # -I: the first interval's line says pmux is attached and counting; a
  # SIGINT before that would find a loaded machine's pmux still starting.
  rm -f "$TMP/p.json" # the last attach's would say "counting" at once
  "$with_sigint" "$PMUX" stat --json -I 50 -o "$TMP/p.json" -S task-clock,page-faults \
    -S context-switches -p "$C" 2>"$TMP/p.err" & P=$!
  for i in $(seq 200); do [ -s "$TMP/p.json" ] && break; sleep 0.05; done
  sleep 0.2
  kill -INT "$P"
  rc=0; wait "$P" || rc=$?
  [ $rc -eq 0 ] || fail "attach $run: exit $rc: $(cat "$TMP/p.err")"
  # The counts themselves may be 0 here, for perf stat -p as well (kernel
  # 6.18): the kernel swaps a sleeping thread's counters into the context
  # of a clone it created, and they stop when that thread exits.  What pmux
  # owes is a complete report: every event listed and supported.
  tail -1 "$TMP/p.json" > "$TMP/p.sum" # the summary, after the intervals
  json_get "$TMP/p.sum" '[(e["name"], e["supported"]) for e in d["events"]]' > "$TMP/p.ev"
  [ "$(cat "$TMP/p.ev")" = "[('task-clock', True), ('page-faults', True), ('context-switches', True)]" ] ||
    fail "attach $run: $(cat "$TMP/p.ev")"
done
pass "-p on a process whose threads come and go: 8 attaches, all reported"
