#!/bin/bash
# reserve_watchdog.sh - --disable-nmi-watchdog through a fake, writable
# PMUX_SYSROOT: 0 while the session runs, restored at exit, after SIGTERM
# (with a command and without) and SIGPIPE, and after kill -9 by the next
# pmux run;
# never written by a session refused beside oprofile; pmux info names the
# holder of the watchdog lease.
source "$PMUX_SRC/tests/e2e/lib.sh"
export PMUX_RUNDIR="$TMP/run"
export PMUX_SYSROOT="$TMP/root"
mkdir -p "$PMUX_SYSROOT/proc/sys/kernel"
: >"$PMUX_SYSROOT/proc/mounts"
NMI="$PMUX_SYSROOT/proc/sys/kernel/nmi_watchdog"
echo 1 >"$NMI"
[ "$(id -u)" = 0 ] || skip "--disable-nmi-watchdog is root only"
"$PMUX" stat -C 0 -e task-clock -- true >"$TMP/probe" 2>&1 ||
  skip "system-wide counting not allowed here: $(tail -2 "$TMP/probe")"

wait_nmi() { # VALUE: wait up to 5 s for the fake watchdog to read VALUE
  local i
  for i in $(seq 100); do
    [ "$(cat "$NMI")" = "$1" ] && return 0
    sleep 0.05
  done
  fail "nmi_watchdog is $(cat "$NMI"), want $1"
}

# normal exit
"$PMUX" stat -C 0 --disable-nmi-watchdog -e task-clock -o /dev/null -- sh -c "cat $NMI >$TMP/during" \
  2>"$TMP/e" || fail "run: $(cat "$TMP/e")"
[ "$(cat "$TMP/during")" = 0 ] || fail "not 0 during the session"
[ "$(cat "$NMI")" = 1 ] || fail "not restored at exit"
pass "0 during the session, restored at exit"

# SIGTERM with a command: forwarded to it, then restored
"$PMUX" stat -C 0 --disable-nmi-watchdog -e task-clock -- sleep 30 >/dev/null 2>&1 & P=$!
wait_nmi 0
wait_child $P
kill -TERM $P
wait $P || true
[ "$(cat "$NMI")" = 1 ] || fail "not restored after SIGTERM (command)"
pass "restored after SIGTERM (with a command)"

# SIGTERM without a command
"$PMUX" stat -a --disable-nmi-watchdog -e task-clock >/dev/null 2>&1 & P=$!
wait_nmi 0
sleep 0.2
kill -TERM $P
rc=0; wait $P || rc=$?
[ "$(cat "$NMI")" = 1 ] || fail "not restored after SIGTERM (-a, exit $rc)"
pass "restored after SIGTERM (-a, no command)"

# SIGPIPE: the reader of the -I lines has gone (| head -1); pmux dies of
# it, as perf does, but first gives back the lease and the watchdog (the
# lines go on coming, so the SIGPIPE comes without waiting for a time)
rm -f "$TMP/pipe"
{ rc=0; timeout 20 "$PMUX" stat -a --disable-nmi-watchdog -e task-clock \
    -I 20 -o /dev/stdout 2>"$TMP/e" || rc=$?; echo $rc >"$TMP/pipe"; } |
  head -1 >/dev/null
wait_file "$TMP/pipe"
rc=$(cat "$TMP/pipe")
[ "$rc" = 141 ] || fail "-I | head: exit $rc, want 141 (SIGPIPE): $(cat "$TMP/e")"
[ "$(cat "$NMI")" = 1 ] || fail "not restored after SIGPIPE"
"$PMUX" info >"$TMP/info" 2>&1 || fail "info: $(cat "$TMP/info")"
grep -q "NMI watchdog lease: none" "$TMP/info" ||
  fail "lease kept after SIGPIPE: $(cat "$TMP/info")"
pass "restored after SIGPIPE (-a -I | head)"

# kill -9: the watchdog stays 0 until the next pmux run restores it
"$PMUX" stat -C 1 --disable-nmi-watchdog -e task-clock -- sleep 30 >/dev/null 2>&1 & P=$!
wait_nmi 0
wait_child $P
child=$(pgrep -P $P || true)
kill -9 $P
wait $P 2>/dev/null || true
[ -n "$child" ] && kill $child 2>/dev/null || true
[ "$(cat "$NMI")" = 0 ] || fail "test premise: kill -9 cannot restore"
"$PMUX" info >"$TMP/info" 2>&1 || fail "info: $(cat "$TMP/info")"
grep -q "NMI watchdog lease: stale: pmux pid $P (uid $(id -u), 'pmux stat -C 1 --disable-nmi-watchdog .*writes back 1" "$TMP/info" ||
  fail "info does not report the stale record: $(cat "$TMP/info")"
[ "$(cat "$NMI")" = 0 ] || fail "info changed the watchdog"
"$PMUX" stat -e task-clock -o /dev/null -- true 2>"$TMP/next" || fail "next run"
[ "$(cat "$NMI")" = 1 ] || fail "next run did not restore: $(cat "$TMP/next")"
grep -q "restored kernel.nmi_watchdog to 1 (pmux pid $P," "$TMP/next" ||
  fail "next run did not say so: $(cat "$TMP/next")"
pass "kill -9: info reports the stale record, the next pmux run restores it (and says so)"

# watchdog 0 already: left 0; a session beside another's watchdog lease fails
echo 0 >"$NMI"
"$PMUX" stat -C 0 --disable-nmi-watchdog -e task-clock -- true >/dev/null 2>&1 ||
  fail "with the watchdog already off"
[ "$(cat "$NMI")" = 0 ] || fail "changed a watchdog that was off"
echo 1 >"$NMI"
"$PMUX" stat -C 0 --disable-nmi-watchdog -e task-clock -- sleep 30 >/dev/null 2>&1 & P=$!
wait_nmi 0
rc=0
"$PMUX" stat -C 1 --disable-nmi-watchdog -e task-clock -- true >/dev/null 2>"$TMP/two" || rc=$?
[ $rc = 1 ] && grep -q "the NMI watchdog is held by pmux pid $P" "$TMP/two" ||
  fail "second watchdog lease: exit $rc: $(cat "$TMP/two")"
"$PMUX" info >"$TMP/info" 2>&1 || fail "info: $(cat "$TMP/info")"
grep -q "NMI watchdog lease: held by pmux pid $P (uid $(id -u), 'pmux stat -C 0 --disable-nmi-watchdog .*goes back to 1" "$TMP/info" ||
  fail "info does not name the watchdog's holder: $(cat "$TMP/info")"
wait_child $P
kill -TERM $P
wait $P || true
[ "$(cat "$NMI")" = 1 ] || fail "not restored"
"$PMUX" info >"$TMP/info" 2>&1 || fail "info: $(cat "$TMP/info")"
grep -q "NMI watchdog lease: none" "$TMP/info" ||
  fail "info after the session: $(cat "$TMP/info")"
pass "one watchdog lease at a time, info names its holder; a watchdog already off stays off"

# refused beside oprofile: the watchdog is never written (the refusal comes
# before the leases; it once went 0 and back for a moment), no lease kept
OP="$TMP/oproot"
cp -r "$PMUX_SRC/tests/data/sysroot/oprofile" "$OP"
chmod -R u+w "$OP"
OPNMI="$OP/proc/sys/kernel/nmi_watchdog"
echo 1 >"$OPNMI"
touch -d @1000000000 "$OPNMI"
rc=0
PMUX_SYSROOT="$OP" "$PMUX" stat -C 0 --disable-nmi-watchdog -e task-clock -- true \
  >/dev/null 2>"$TMP/op" || rc=$?
[ $rc = 1 ] && grep -q "held by oprofile: pid 4242 (oprofiled)" "$TMP/op" ||
  fail "beside oprofile: exit $rc: $(cat "$TMP/op")"
[ "$(stat -c %Y "$OPNMI")" = 1000000000 ] && [ "$(cat "$OPNMI")" = 1 ] ||
  fail "refused beside oprofile, it wrote the watchdog"
[ -s "$PMUX_RUNDIR/nmi_watchdog.lock" ] &&
  fail "refused beside oprofile, it kept its watchdog lease"
pass "refused beside oprofile: the watchdog never written, no lease kept"

# A damaged watchdog record (a value the kernel would refuse) is said by
# info, not taken for "none": nothing will ever restore from it.
printf 'pid=1 uid=0 start=1 nmi_old=5 cmd=x\n' >"$PMUX_RUNDIR/nmi_watchdog.lock"
"$PMUX" info >"$TMP/info" 2>&1 || fail "info: $(cat "$TMP/info")"
grep -q "NMI watchdog lease: .*nmi_watchdog.lock: a damaged record, from which no watchdog value can be restored" "$TMP/info" ||
  fail "info does not report the damaged record: $(grep -i 'watchdog lease' "$TMP/info")"
rm -f "$PMUX_RUNDIR/nmi_watchdog.lock"
pass "a damaged watchdog record is reported by info"
