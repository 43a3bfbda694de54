#!/bin/bash
# reserve_system.sh - real system-wide sessions (-C / -a) and their per-CPU
# leases: two sessions racing for the same CPU (exactly one wins, the loser
# names the winner's pid), kill -9 of a holder then a new session
# succeeding, a per-thread session warned of the holder, -a until SIGINT,
# an ignored SIGHUP left ignored, and the refusal beside oprofile (fake
# PMUX_SYSROOT).
source "$PMUX_SRC/tests/e2e/lib.sh"
export PMUX_RUNDIR="$TMP/run"
ROOTS="$PMUX_SRC/tests/data/sysroot"
# the real /proc is scanned for other perf users: warnings only
"$PMUX" stat -C 0 -e task-clock -- true >"$TMP/probe" 2>&1 ||
  skip "system-wide counting not allowed here: $(tail -2 "$TMP/probe")"

# --- two sessions racing for CPU 0, started together, five rounds
# (The results in a.out and b.out, apart from the messages; -o keeps an
# earlier round's file when a session never starts: removed first.)
for round in 1 2 3 4 5; do
  rm -f "$TMP/a.out" "$TMP/b.out"
  "$PMUX" stat -C 0 -e task-clock -o "$TMP/a.out" -- sleep 1 2>"$TMP/a.err" & A=$!
  "$PMUX" stat -C 0-1 -e task-clock -o "$TMP/b.out" -- sleep 1 2>"$TMP/b.err" & B=$!
  ra=0; wait $A || ra=$?
  rb=0; wait $B || rb=$?
  if [ $ra = 0 ] && [ $rb = 1 ]; then
    winner=$A; loser=b
  elif [ $rb = 0 ] && [ $ra = 1 ]; then
    winner=$B; loser=a
  else
    fail "round $round: exits $ra and $rb, want exactly one 0 and one 1:
$(cat "$TMP/a.err" "$TMP/b.err")"
  fi
  grep -q "CPU 0 is held by pmux pid $winner " "$TMP/$loser.err" ||
    fail "round $round: the loser does not name pid $winner: $(cat "$TMP/$loser.err")"
  grep -qs "task-clock" "$TMP/$loser.out" && fail "the loser counted"
done
pass "racing for CPU 0: exactly one wins, the loser names the winner's pid (5 rounds)"

# --- a holder killed with -9; its lease goes with it
"$PMUX" stat -C 1 -e task-clock -- sleep 30 >/dev/null 2>&1 & H=$!
for i in $(seq 100); do
  grep -q "pid=$H " "$PMUX_RUNDIR/cpu1.lock" 2>/dev/null && break
  sleep 0.05
done
grep -q "pid=$H " "$PMUX_RUNDIR/cpu1.lock" || fail "no lease record for $H"
rc=0; "$PMUX" stat -C 1 -e task-clock -- true >/dev/null 2>"$TMP/busy" || rc=$?
[ $rc = 1 ] && grep -q "CPU 1 is held by pmux pid $H" "$TMP/busy" ||
  fail "second session on CPU 1: exit $rc: $(cat "$TMP/busy")"
grep -q "'pmux stat -C 1 -e task-clock -- sleep 30'" "$TMP/busy" ||
  fail "the holder's command line: $(cat "$TMP/busy")"
# a per-thread session is told
"$PMUX" stat -e task-clock -o /dev/null -- true 2>"$TMP/thr" || fail "per-thread run"
grep -q "CPU 1 is held by a system-wide pmux session (pid $H" "$TMP/thr" ||
  fail "per-thread session not warned: $(cat "$TMP/thr")"
pass "per-thread session warned of the system-wide holder"
child=$(pgrep -P $H || true)
kill -9 $H
wait $H 2>/dev/null || true
[ -n "$child" ] && kill $child 2>/dev/null || true
[ -s "$PMUX_RUNDIR/cpu1.lock" ] || fail "no stale record left (test premise)"
"$PMUX" stat -C 1 -e task-clock -- true >"$TMP/after" 2>&1 ||
  fail "new session after kill -9: $(cat "$TMP/after")"
pass "kill -9 of the holder: a new session on its CPU succeeds"

# --- -a without a command: until SIGINT
# (-I: the first interval's line says pmux is counting; its lease record
# is written earlier, before its SIGINT handling is set up)
"$with_sigint" "$PMUX" stat -a -e task-clock -I 100 --json -o "$TMP/all.json" & S=$!
wait_file "$TMP/all.json"
[ -s "$PMUX_RUNDIR/cpu0.lock" ] || fail "-a: no lease record while counting"
kill -INT $S
rc=0; wait $S || rc=$?
[ $rc = 0 ] || fail "-a until SIGINT: exit $rc"
tail -1 "$TMP/all.json" > "$TMP/all.sum" # the summary, after the intervals
[ "$(json_get "$TMP/all.sum" 'd["events"][0]["name"]')" = task-clock ] ||
  fail "-a: $(cat "$TMP/all.json")"
[ -s "$PMUX_RUNDIR/cpu0.lock" ] && fail "-a: lease record not cleared"
pass "-a until SIGINT: counts, exits 0, releases its leases"

# --- an ignored hangup (nohup) stays ignored: the command inherits it, as
# it does from a per-thread pmux stat
(trap '' HUP; exec "$PMUX" stat -C 0 -e task-clock -- grep SigIgn /proc/self/status) \
  >"$TMP/ign" 2>&1 || fail "-C 0 with SIGHUP ignored: $(cat "$TMP/ign")"
mask=$(awk '/^SigIgn:/ { print $2 }' "$TMP/ign")
[ -n "$mask" ] && (( 0x$mask & 1 )) ||
  fail "SIGHUP ignored by pmux is not ignored by its command: $(cat "$TMP/ign")"
pass "an ignored SIGHUP stays ignored for the command (nohup)"

# --- beside oprofile: refused, naming it
rc=0
PMUX_SYSROOT="$ROOTS/oprofile" "$PMUX" stat -C 0 -e task-clock -- true \
  >/dev/null 2>"$TMP/op" || rc=$?
[ $rc = 1 ] || fail "beside oprofile: exit $rc"
grep -q "held by oprofile: pid 4242 (oprofiled)" "$TMP/op" ||
  fail "beside oprofile: $(cat "$TMP/op")"
[ -s "$PMUX_RUNDIR/cpu0.lock" ] && fail "refused session kept its lease"
rc=0
PMUX_SYSROOT="$ROOTS/oprofile" "$PMUX" record -C 0 -o "$TMP/op.data" -- true \
  >/dev/null 2>"$TMP/oprec" || rc=$?
[ $rc = 1 ] && grep -q "held by oprofile: pid 4242 (oprofiled)" "$TMP/oprec" ||
  fail "record beside oprofile: exit $rc: $(cat "$TMP/oprec")"
[ -s "$PMUX_RUNDIR/cpu0.lock" ] && fail "refused record kept its lease record"
pass "refused beside oprofile, naming oprofiled pid 4242 (stat and record)"

# --- --exclusive beside a perf user (a fake /proc with one)
FAKE="$TMP/root"
mkdir -p "$FAKE/proc/555/fd"
echo perf >"$FAKE/proc/555/comm"
ln -s 'anon_inode:[perf_event]' "$FAKE/proc/555/fd/3"
: >"$FAKE/proc/mounts"
PMUX_SYSROOT="$FAKE" "$PMUX" stat -C 0 -e task-clock -o /dev/null -- true 2>"$TMP/w" ||
  fail "beside a perf user without --exclusive: $(cat "$TMP/w")"
grep -q "pid 555 (perf) holds 1 perf event: the kernel will multiplex" "$TMP/w" ||
  fail "no warning: $(cat "$TMP/w")"
rc=0
PMUX_SYSROOT="$FAKE" "$PMUX" stat -C 0 --exclusive -e task-clock -- true \
  >/dev/null 2>"$TMP/x" || rc=$?
[ $rc = 1 ] && grep -q -- "--exclusive: pid 555 (perf) holds 1 perf event" "$TMP/x" ||
  fail "--exclusive: exit $rc: $(cat "$TMP/x")"
pass "beside a perf user: warned; --exclusive refuses"

# --- without the right: refused with the blocker and the fix
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
   [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 0 ]; then
  rc=0
  setpriv --reuid=65534 --regid=65534 --clear-groups env -u PMUX_RUNDIR \
    "$PMUX" stat -C 0 -e task-clock -- true >/dev/null 2>"$TMP/r" || rc=$?
  [ $rc = 1 ] && grep -q "system-wide counting is refused (Permission denied): perf_event_paranoid" "$TMP/r" &&
    grep -q "fix: " "$TMP/r" || fail "no right: exit $rc: $(cat "$TMP/r")"
  pass "without the system-wide right: refused, blocker and fix named"
fi

rc=0; "$PMUX" stat -C 0-x -e task-clock -- true 2>"$TMP/bad" || rc=$?
[ $rc = 1 ] && grep -q "CPU list" "$TMP/bad" || fail "bad CPU list: $rc"
rc=0; "$PMUX" stat --exclusive -e task-clock -- true 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "--exclusive without -a/-C: exit $rc"
pass "usage errors"

# --- a CPU listed twice is counted once (as the lease takes it once)
"$PMUX" stat --json -C 0,0 -e cpu-clock -o "$TMP/dup.json" -- sleep 0.2
python3 - "$TMP/dup.json" <<'PY' || fail "-C 0,0 counted CPU 0 twice: $(cat "$TMP/dup.json")"
import json, sys
d = json.load(open(sys.argv[1]))
clock = d["events"][0]["raw"]
assert clock < 1.5 * d["elapsed_ns"], (clock, d["elapsed_ns"])
PY
pass "-C 0,0 counts CPU 0 once"

# --- a lease folder that is not ours is refused: made first by someone
# else (in /tmp, by name), it could hold links to a victim's files.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v setcap >/dev/null; then
  trap 'rm -rf "$TMP" /tmp/pmux-65534' EXIT
  rm -rf /tmp/pmux-65534
  install -m 755 "$PMUX" "$TMP/pmux-nobody"
  setcap cap_perfmon+ep "$TMP/pmux-nobody" # system-wide counting for nobody
  chmod 755 "$TMP"
  mkdir -m 777 /tmp/pmux-65534            # owned by root, writable by all
  echo keep > "$TMP/victim"
  ln -s "$TMP/victim" /tmp/pmux-65534/cpu0.lock
  rc=0
  setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    env -u XDG_RUNTIME_DIR -u PMUX_RUNDIR "$TMP/pmux-nobody" stat -C 0 \
    -e task-clock -- true >/dev/null 2>"$TMP/folder.err" || rc=$?
  [ "$(cat "$TMP/victim")" = keep ] || fail "a lease link truncated another file"
  [ $rc != 0 ] && grep -q "lease folder" "$TMP/folder.err" ||
    fail "a foreign lease folder was taken (rc $rc): $(cat "$TMP/folder.err")"
  rm -rf /tmp/pmux-65534
  pass "a lease folder that is not this user's is refused"
fi

# --- a lone set is counted the whole run: exact, with no bound, even on a
# short run (the reference clock starts before the set and stops after it:
# that once made it "measured 94%" and scaled)
"$PMUX" stat --json -a -e task-clock,context-switches -o "$TMP/lone.json" -- true
python3 - "$TMP/lone.json" <<'PY' || fail "a lone set was scaled: $(cat "$TMP/lone.json")"
import json, sys
for e in json.load(open(sys.argv[1]))["events"]:
    assert e["fraction"] == 1 and e["error_bound"] == 0 and e["estimate"] == e["raw"], e
PY
pass "-a with one set: exact, no bound"
