#!/usr/bin/env bash
# Bad input gets a clear error naming it; nothing is silently ignored.
. "$(dirname "$0")/lib.sh"

expect_error() { # WANT-SUBSTRING ARGS...
  local want=$1; shift
  set +e
  "$PMUX" "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  set -e
  [ $rc -ne 0 ] || fail "'$*' succeeded"
  grep -qF -- "$want" "$TMP/err" || fail "'$*': error lacks '$want': $(cat "$TMP/err")"
}
expect_error "event 'page-faultz': unknown; did you mean 'page-faults'" stat -e page-faultz -- true
expect_error "modifier or unit mask 'zz'" stat -e cycles:zz -- true
# libpfm4's own perf modifiers that pmux does not carry were dropped in
# silence (cycles:excl=1 counted as cycles): refused, naming pmux's way.
expect_error "event 'cycles:excl=1': modifier 'excl' is libpfm4's, and pmux would drop it" stat -e cycles:excl=1 -- true
expect_error "modifier 'period' is libpfm4's, and pmux would drop it: pmux record takes -c N" stat -e page-faults:period=5 -- true
expect_error "modifier 'cpu' is libpfm4's, and pmux would drop it: -C LIST" stat -e cycles:cpu=1 -- true
expect_error "modifier 'precise' is libpfm4's" record -e cycles:precise=2 -o "$TMP/p.data" -- true
# perf's joined letters (cycles:uk, :pp) are read as perf reads them.
"$PMUX" stat --json -o "$TMP/uk.json" -e page-faults:uk,page-faults:u,alignment-faults:ku -- true ||
  fail "page-faults:uk: $(cat "$TMP/uk.json")"
expect_error "event 'cycles:pp': modifier 'precise' is libpfm4's" stat -e cycles:pp -- true
# A raw code on a PMU the kernel lacks is named so, whatever the case of 0x.
expect_error "this kernel has no PMU named 'nosuchpmu'" stat -e nosuchpmu::0x10 -- true
expect_error "this kernel has no PMU named 'nosuchpmu'" stat -e nosuchpmu::0X10 -- true
# An empty -e list is refused wherever it comes, not dropped when first.
expect_error "event list ',page-faults': empty event name at offset 0" stat -e '' -e page-faults -- true
expect_error "event list 'page-faults,': empty event name at offset 12" stat -e page-faults -e '' -- true
expect_error "bad duration '2parsecs'" stat -S 'task-clock;switch=2parsecs' -- true
# Durations are decimal: strtod would read 0x10 as sixteen.
expect_error "-I: duration '0x3e8': decimal only" stat -I 0x3e8 -e task-clock -- true
expect_error "-I '0.5ms': want an interval of at least 1 ms" stat -I 0.5ms -e task-clock -- true
expect_error "--switch: duration '0x10': decimal only" stat --switch 0x10 -e task-clock -- true
# One duration parser: --switch takes what a set's switch= takes.
expect_error "--switch: duration '1e16ns': too long" stat --switch 1e16ns -e task-clock -- true
expect_error "bad duration '1e16ns': too long" stat -S 'task-clock;switch=1e16ns' -- true
expect_error "--switch: duration '2 ms': unknown unit" record --switch '2 ms' -- true
expect_error "bad duration '0x10'" stat -S 'task-clock;switch=0x10' -- true
expect_error "unknown option 'colour=red'" stat -S 'task-clock;colour=red' -- true
expect_error "--mux 'sometimes'" stat --mux sometimes -e task-clock -- true
expect_error "no command to measure" stat -e task-clock
expect_error "-p 'abc'" stat -p abc
# A second -p or -C would replace the first, and the first's process or
# CPUs would go uncounted without a word (perf's -p and -C take lists).
expect_error "-p '999999999': one process only (-p '1' given before)" stat -p 1 -p 999999999
expect_error "-C '1': one CPU list only (-C '0' given before; give 0,1)" stat -C 0 -C 1 -- true
expect_error "-C '1': one CPU list only (-C '0' given before; give 0,1)" record -C 0 -C 1 -- true
# Numbers start with a digit: strtoull would read " -1" as 2^64-1.
expect_error "-c  -1: want a positive number" record -c ' -1' -- true
expect_error "-c 9223372036854775808: at most 9223372036854775807" record -c 9223372036854775808 -- true
expect_error "a frequency of 2000000000 Hz is over kernel.perf_event_max_sample_rate" record -F 2000000000 -o "$TMP/f.data" -- true
expect_error "-r/--repeat ' 2'" stat -r ' 2' -e task-clock -- true
expect_error "not a pmux command" frobnicate
expect_error "no event matches" list no_such_event_pattern_xyz
expect_error "'nope::cycles': no PMU matches 'nope' (the PMUs: software, perf" list nope::cycles
expect_error "'nope::MUL': no PMU matches 'nope' (the PMUs: core2)" list --pmu core2 nope::MUL
pass "errors name their input"

# (Outputs go to files first: grep -q would close the pipe early.)
"$PMUX" stat --help >"$TMP/help"
grep -q -- "--switch DURATION" "$TMP/help" || fail "--help lacks --switch"
# -e is split when it does not fit: neither --help nor the man page may say
# it is always one set.
grep -q "split into as few sets" "$TMP/help" || fail "--help: -e never split"
grep -q "split into as few sets" "$PMUX_SRC/docs/man/pmux-stat.1" ||
  fail "pmux-stat.1: -e never split"
"$PMUX" --help >"$TMP/help"
grep -q "stat" "$TMP/help" || fail "pmux --help lacks stat"
"$PMUX" list >"$TMP/list"
grep -q "^  page-faults " "$TMP/list" || fail "list lacks page-faults"
"$PMUX" list fault >"$TMP/list"
grep -q "minor-faults" "$TMP/list" || fail "list PATTERN"
grep -q "task-clock" "$TMP/list" && fail "list PATTERN did not filter"
pass "help and list"

# Every command's --help names -h, --help (list, info and formats did
# not), and so does its man page.
for c in $("$PMUX" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
  "$PMUX" $c --help >"$TMP/help" || fail "$c --help failed"
  grep -Eq -- "^  -h, --help( |$)" "$TMP/help" || fail "$c --help lacks -h, --help"
done
for c in $("$PMUX" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
  grep -qF '.BR \-h ", " \-\-help' "$PMUX_SRC/docs/man/pmux-$c.1" ||
    fail "pmux-$c.1 lacks -h, --help"
done
pass "every --help names -h, --help"

# --help that cannot be written fails, as any output does (main checks
# standard output once the command returns).
if [ -w /dev/full ]; then
  for c in stat record report check; do
    rc=0; "$PMUX" $c --help >/dev/full 2>"$TMP/full.err" || rc=$?
    [ "$rc" = 1 ] && grep -q "No space left" "$TMP/full.err" ||
      fail "$c --help to /dev/full: rc $rc: $(cat "$TMP/full.err")"
  done
  pass "--help that cannot be written fails"
fi

# A slice the timer cannot honour is raised, with a warning saying so.
"$PMUX" stat --switch 10us -S task-clock -S page-faults -o /dev/null -- true 2>"$TMP/warn"
grep -q "warning: --switch: a slice of 10 us is below the 100 us" "$TMP/warn" ||
  fail "no warning for a 10us slice: $(cat "$TMP/warn")"
"$PMUX" stat -S 'task-clock;switch=20us' -o /dev/null -- true 2>"$TMP/warn"
grep -q "set 0: a slice of 20 us" "$TMP/warn" || fail "no warning for set 0"
pass "slices too short are raised, and said so"

# Rights: an unprivileged user under perf_event_paranoid >= 2 is told what
# is missing and the fix, and counting user level only works.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
   [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -ge 2 ]; then
  nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  set +e
  "${nobody[@]}" "$PMUX" stat -e task-clock -o /dev/null -- true 2>"$TMP/err"
  rc=$?
  set -e
  [ $rc -ne 0 ] || fail "kernel-level counting allowed to nobody under paranoid >= 2"
  grep -q "perf_event_paranoid" "$TMP/err" || fail "no blocker named: $(cat "$TMP/err")"
  grep -q "add ':u'" "$TMP/err" || fail "no ':u' fix offered: $(cat "$TMP/err")"
  chmod 755 "$TMP" && mkdir -m 1777 "$TMP/nobody"
  "${nobody[@]}" "$PMUX" stat --json -S task-clock:u,page-faults:u -S minor-faults:u \
    -o "$TMP/nobody/u.json" -- "$DEMO" -r 2 -c 2 ||
    fail "user-level counting refused to nobody"
  # Every moment the demo runs, one of the two sets counts its faults: the
  # two together saw them all, whichever slices each had.  (One set alone
  # may see none on a loaded machine: its slices can all fall in sleeps.)
  grep -qx True <<<"$(json_get "$TMP/nobody/u.json" 'd["events"][1]["raw"] + d["events"][2]["raw"] > 0')" ||
    fail "no user-level counts: $(cat "$TMP/nobody/u.json")"
  pass "rights: the blocker and the fix, and ':u' works unprivileged"
  # Another user's process: the message named an internal "reference
  # clock" and no pid; now the pid, the blocker and the fix.
  rc=0; "${nobody[@]}" "$PMUX" stat -p 1 -e task-clock:u -o /dev/null 2>"$TMP/p1" || rc=$?
  [ $rc = 1 ] || fail "-p 1 as nobody: rc $rc"
  grep -q "pid 1: cannot attach: Permission denied: counting another user's process" "$TMP/p1" &&
    grep -q "fix: " "$TMP/p1" || fail "-p 1 as nobody: $(cat "$TMP/p1")"
  pass "rights: another user's process names the pid, the blocker and the fix"
else
  echo "skip part: rights (needs root, setpriv and perf_event_paranoid >= 2)"
fi

# A trigger that would make a set 65 events: refused before anything opens
# (the group reads are sized for 64).
ev=$(printf 'page-faults,%.0s' $(seq 63))page-faults
rc=0; "$PMUX" stat -S "$ev;switch=task-clock/1000000/1" -- true 2>"$TMP/65.err" || rc=$?
[ "$rc" = 1 ] && grep -q "at most 64" "$TMP/65.err" || fail "65 events with the trigger: rc $rc: $(cat "$TMP/65.err")"
pass "a trigger that overfills its set is refused"

# --switch that nothing honours is said (it was silently ignored)
"$PMUX" stat --switch 5ms -e task-clock -o /dev/null -- true 2>"$TMP/sw1" || fail "--switch, one set"
grep -q "warning: --switch: one set, nothing rotates" "$TMP/sw1" || fail "--switch, one set: $(cat "$TMP/sw1")"
"$PMUX" stat --mux kernel --switch 5ms -S task-clock -S page-faults -o /dev/null -- true 2>"$TMP/sw2" ||
  fail "--switch, --mux kernel"
grep -q "warning: --switch: under --mux kernel" "$TMP/sw2" || fail "--switch, --mux kernel: $(cat "$TMP/sw2")"
"$PMUX" stat --switch 5ms -S task-clock -S page-faults -o /dev/null -- true 2>"$TMP/sw3" || fail "--switch, two sets"
[ ! -s "$TMP/sw3" ] || fail "--switch with two sets warned: $(cat "$TMP/sw3")"
pass "--switch without a set to rotate is said"

# A set's own switch= under --mux kernel or none is said too (it was
# silently ignored, as --switch once was)
for m in kernel none; do
  "$PMUX" stat --mux $m -S 'task-clock;switch=5ms' -S 'page-faults;switch=page-faults/10/2' \
    -o /dev/null -- true 2>"$TMP/sw-$m" || fail "switch=, --mux $m"
  grep -q "warning: set 0: switch= ignored: under --mux $m" "$TMP/sw-$m" &&
    grep -q "warning: set 1: switch= ignored: under --mux $m" "$TMP/sw-$m" ||
    fail "switch=, --mux $m: $(cat "$TMP/sw-$m")"
done
"$PMUX" stat -S 'task-clock;switch=5ms' -S page-faults -o /dev/null -- true 2>"$TMP/sw-user" ||
  fail "switch=, --mux user"
[ ! -s "$TMP/sw-user" ] || fail "switch= under --mux user warned: $(cat "$TMP/sw-user")"
pass "a set's switch= that nothing honours is said"

# a set's own switch= with no other set to rotate to is said, after the run
# (the start's warnings were never printed)
"$PMUX" stat -S 'page-faults;switch=1ms' -o /dev/null -- true 2>"$TMP/one" || fail "one set with switch="
grep -q "warning: set 0: switch= ignored: the only set, nothing rotates" "$TMP/one" ||
  fail "one set with switch=: $(cat "$TMP/one")"
pass "switch= on the only set is said"

# -o /dev/stdout with standard output closed, or a descriptor open for
# reading only, is refused before the command runs: a perf event's fd took
# the free number 1 and the results went to it ("Invalid argument", after
# the command had run).
rc=0; "$PMUX" stat -e task-clock -o /dev/stdout -- touch "$TMP/ran" >&- 2>"$TMP/closed.err" || rc=$?
[ "$rc" = 1 ] && grep -q "^pmux stat: -o '/dev/stdout': descriptor 1 is not open" "$TMP/closed.err" ||
  fail "-o /dev/stdout, stdout closed: rc $rc: $(cat "$TMP/closed.err")"
[ ! -e "$TMP/ran" ] || fail "-o /dev/stdout, stdout closed: the command ran"
rc=0; "$PMUX" stat -e task-clock -o /dev/fd/5 -- true 5</dev/null 2>"$TMP/ro.err" || rc=$?
[ "$rc" = 1 ] && grep -q "^pmux stat: -o '/dev/fd/5': descriptor 5 is open for reading only" "$TMP/ro.err" ||
  fail "-o /dev/fd/5 read-only: rc $rc: $(cat "$TMP/ro.err")"
pass "-o on a closed or read-only descriptor is refused first"

# perf's software events that libpfm4's table lacks are counted too
# (alignment-faults, emulation-faults: "unknown" before), with u/k as on
# the others; perf counts them as well.
"$PMUX" stat --json -o "$TMP/sw.json" -e alignment-faults,emulation-faults:u,PERF_COUNT_SW_ALIGNMENT_FAULTS:k -- true ||
  fail "alignment-faults, emulation-faults: $(cat "$TMP/sw.json")"
json_get "$TMP/sw.json" '[(e["name"], e["supported"], e["measured"]) for e in d["events"]]' |
  grep -qF "[('alignment-faults', True, True), ('emulation-faults:u', True, True), ('PERF_COUNT_SW_ALIGNMENT_FAULTS:k', True, True)]" ||
  fail "alignment-faults counted: $(cat "$TMP/sw.json")"
expect_error "event 'emulation-faults:h': modifier 'h' not supported; modifiers: u, k" stat -e emulation-faults:h -- true
"$PMUX" list emulation | grep -q '^  emulation-faults ' || fail "list emulation"
pass "alignment-faults and emulation-faults"
