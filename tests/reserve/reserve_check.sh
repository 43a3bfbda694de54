#!/bin/bash
# reserve_check.sh - `pmux check` and `pmux info` count with the
# reservation read from a fake PMUX_SYSROOT: a set that fits a bare PMU
# says "does not fit: the NMI watchdog holds FIXED1" beside the watchdog,
# and fits again when the watchdog is off; oprofile's counter is taken out
# and oprofile is named.
source "$PMUX_SRC/tests/e2e/lib.sh"
ROOTS="$PMUX_SRC/tests/data/sysroot"
# Core 2: two generic counters + FIXED0 (instructions) + FIXED1 (cycles):
# these four fit only when FIXED1 is free.
SET=UNHALTED_CORE_CYCLES,INSTRUCTION_RETIRED,INSTRUCTION_RETIRED,BRANCH_INSTRUCTIONS_RETIRED

check() { PMUX_SYSROOT="$ROOTS/$1" "$PMUX" check "${@:2}"; }

check watchdog-off --pmu core2 -S "$SET" >"$TMP/off" || fail "off: $(cat "$TMP/off")"
grep -q '^set 0: fits' "$TMP/off" || fail "off: no fit: $(cat "$TMP/off")"
grep -q 'UNHALTED_CORE_CYCLES.*-> FIXED1' "$TMP/off" || fail "cycles not on FIXED1"
pass "watchdog off: fits, cycles on FIXED1"

rc=0; check watchdog-on --pmu core2 -S "$SET" >"$TMP/on" || rc=$?
[ $rc = 1 ] || fail "on: exit $rc, want 1: $(cat "$TMP/on")"
grep -q '^set 0: does not fit: the NMI watchdog holds FIXED1' "$TMP/on" ||
  fail "on: reason: $(cat "$TMP/on")"
grep -q 'excluded: FIXED1' "$TMP/on" || fail "on: FIXED1 not shown excluded"
grep -q 'evidence: .*nmi_watchdog = 1.*Permanently consumes' "$TMP/on" ||
  fail "on: no evidence: $(cat "$TMP/on")"
pass "watchdog on: does not fit: the NMI watchdog holds FIXED1"

rc=0; check watchdog-on --pmu core2 -S "$SET" --json >"$TMP/on.json" || rc=$?
[ $rc = 1 ] || fail "on --json: exit $rc, want 1"
[ "$(json_get "$TMP/on.json" 'd["sets"][0]["reason"].startswith("the NMI watchdog holds FIXED1")')" = True ] ||
  fail "json reason: $(cat "$TMP/on.json")"
[ "$(json_get "$TMP/on.json" 'd["reservation"]["watchdog_counter"]')" = "['FIXED1']" ] ||
  fail "json watchdog_counter"
pass "json reason and reservation"

check watchdog-off --pmu core2 -S "$SET" >/dev/null || fail "back: no fit"
check watchdog-on --pmu core2 -S "$SET" --no-reserve >/dev/null ||
  fail "--no-reserve: no fit"
check watchdog-buddy --pmu core2 -S "$SET" >/dev/null ||
  fail "buddy watchdog (not perf-based) must hold no counter"
pass "fits again: watchdog off, --no-reserve, buddy watchdog"

# --split plans around the watchdog: 2 sets instead of 1
check watchdog-off --pmu core2 -e "$SET" --split --json >"$TMP/s0.json"
check watchdog-on --pmu core2 -e "$SET" --split --json >"$TMP/s1.json"
[ "$(json_get "$TMP/s0.json" 'len(d["sets"])')" = 1 ] || fail "split off"
[ "$(json_get "$TMP/s1.json" 'len(d["sets"])')" = 2 ] || fail "split on"
pass "--split: 1 set without the watchdog, 2 beside it"

# AMD: the watchdog takes PMC0; four events no longer fit four counters
AMD=r0076,r00c0,r00c2,r00c3
check watchdog-off --pmu amd64_k8 -S "$AMD" >/dev/null || fail "amd off"
rc=0; check watchdog-on --pmu amd64_k8 -S "$AMD" >"$TMP/amd" || rc=$?
[ $rc = 1 ] && grep -q 'does not fit: the NMI watchdog holds PMC0' "$TMP/amd" ||
  fail "amd on: $(cat "$TMP/amd")"
rc=0; check oprofile --pmu amd64_k8 -S "$AMD" >"$TMP/op" || rc=$?
[ $rc = 1 ] && grep -q 'does not fit: oprofile holds PMC0' "$TMP/op" ||
  fail "amd oprofile: $(cat "$TMP/op")"
pass "amd64_k8: the watchdog and oprofile hold PMC0"

PMUX_SYSROOT="$ROOTS/watchdog-on" "$PMUX" info --pmu core2 >"$TMP/info"
grep -q 'reservation (this host.s state): the NMI watchdog holds FIXED1' "$TMP/info" ||
  fail "info: $(cat "$TMP/info")"
grep -q 'free counters: PMC0 PMC1 FIXED0 FIXED2' "$TMP/info" || fail "info free"
PMUX_SYSROOT="$ROOTS/oprofile" "$PMUX" info >"$TMP/info2"
grep -q 'pid 4242 (oprofiled)' "$TMP/info2" || fail "info oprofile: $(cat "$TMP/info2")"
grep -q 'oprofilefs mounted at /dev/oprofile' "$TMP/info2" || fail "info oprofilefs"
pass "info shows the reservation and oprofile"
