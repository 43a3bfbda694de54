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
expect_error "bad duration '2parsecs'" stat -S 'task-clock;switch=2parsecs' -- true
expect_error "unknown option 'colour=red'" stat -S 'task-clock;colour=red' -- true
expect_error "--mux 'sometimes'" stat --mux sometimes -e task-clock -- true
expect_error "no command to measure" stat -e task-clock
expect_error "-p 'abc'" stat -p abc
expect_error "not a pmux command" frobnicate
expect_error "no event matches" list no_such_event_pattern_xyz
pass "errors name their input"

"$PMUX" stat --help | grep -q -- "--switch DURATION" || fail "--help lacks --switch"
"$PMUX" --help | grep -q "stat" || fail "pmux --help lacks stat"
"$PMUX" list | grep -qi "page-faults" || fail "list lacks page-faults"
"$PMUX" list fault | grep -qi "minor-faults" || fail "list PATTERN"
pass "help and list"
