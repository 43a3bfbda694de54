#!/usr/bin/env bash
# record with several sets: a program mapped while set 0 is off must still
# be known (the kernel sends mappings to enabled events only; a dummy event
# that is always on takes them).  The shell sleeps through set 0's first
# slice and only then execs pmux-demo, so its mappings come while set 1
# counts.
. "$PMUX_SRC/tests/e2e/lib.sh"
for run in 1 2; do
  "$PMUX" record -q -S cpu-clock -S task-clock --switch 20ms -o "$TMP/m.data" \
    -- sh -c "sleep 0.03; exec '$DEMO' -r 2" || fail "record failed"
  "$PMUX" report --json -i "$TMP/m.data" > "$TMP/m.json" || fail "report failed"
  python3 - "$TMP/m.json" <<'PY' || fail "run $run: pmux-demo's samples not resolved: $(head -c 600 "$TMP/m.json")"
import json, sys
d = json.load(open(sys.argv[1]))
total = d["samples"]
demo = sum(r["samples"] for r in d["top"] if r["dso"].endswith("/pmux-demo"))
assert total >= 20 and demo >= 0.5 * total, (demo, total)
PY
done
pass "mappings made while another set counts are recorded"

# The header's first line names each set's sampling event (set 0's alone
# was named, as if it were the file's only one); one set keeps "event:".
"$PMUX" report -i "$TMP/m.data" > "$TMP/m.txt" || fail "report (text) failed"
grep -qx "# file: .*  format: default  events: cpu-clock (set 0), task-clock (set 1)" \
  "$TMP/m.txt" || fail "header of two sets: $(head -1 "$TMP/m.txt")"
"$PMUX" record -q -S ' page-faults , task-clock' -S 'cpu-clock' -o "$TMP/b.data" -- true ||
  fail "record with blanks in a set failed"
"$PMUX" report -i "$TMP/b.data" > "$TMP/b.txt" || fail "report (blanks) failed"
grep -qx "# file: .*  events: page-faults (set 0), cpu-clock (set 1)" "$TMP/b.txt" ||
  fail "header of sets given with blanks: $(head -1 "$TMP/b.txt")"
"$PMUX" record -q -e task-clock -o "$TMP/one.data" -- true || fail "record of one set failed"
"$PMUX" report -i "$TMP/one.data" > "$TMP/one.txt" || fail "report (one set) failed"
grep -qx "# file: .*  format: default  event: task-clock" "$TMP/one.txt" ||
  fail "header of one set: $(head -1 "$TMP/one.txt")"
pass "the header names each set's sampling event"

# The output: a recording already there is kept as FILE.old; a command
# that never started leaves it where it was (twice in a row moved an
# empty recording over FILE.old, the last good one); a pipe is refused
# (the data's length is written at the end, in place).
cp "$TMP/m.data" "$TMP/keep.data"
for try in 1 2; do
  rc=0; "$PMUX" record -q -o "$TMP/keep.data" -- /nonexistent-command 2>/dev/null || rc=$?
  [ "$rc" = 127 ] || fail "a missing command: rc $rc"
done
cmp -s "$TMP/m.data" "$TMP/keep.data" || fail "a command that never started displaced the recording"
[ ! -e "$TMP/keep.data.old" ] || fail "a command that never started left keep.data.old"
"$PMUX" record -q -o "$TMP/keep.data" -- true || fail "record true"
cmp -s "$TMP/m.data" "$TMP/keep.data.old" || fail "the previous recording was not kept as .old"
# Nor a run that fails before the command starts, at any step: short of
# descriptors, the output's open or the timer's failed after FILE had
# become FILE.old (FILE gone, or an empty recording in its place).
for n in $(seq 8 40); do
  cp "$TMP/m.data" "$TMP/fd.data"
  rm -f "$TMP/fd.data.old"
  (ulimit -n "$n"; "$PMUX" record -q -S task-clock -S page-faults \
    -o "$TMP/fd.data" -- true) 2>"$TMP/fd.err" && continue
  cmp -s "$TMP/m.data" "$TMP/fd.data" && [ ! -e "$TMP/fd.data.old" ] ||
    fail "ulimit -n $n: a failed start displaced the recording: $(cat "$TMP/fd.err")"
done
# Nor is a device given as the output removed then (root made a null
# device of its own: /dev/null went once).
if [ "$(id -u)" = 0 ] && mknod "$TMP/null" c 1 3 2>/dev/null; then
  "$PMUX" record -q -o "$TMP/null" -- /nonexistent-command 2>/dev/null && fail "a missing command on a device: rc 0"
  [ -c "$TMP/null" ] || fail "a command that never started removed the device given as -o"
fi
rm -f "$TMP/ran"
set +e
"$PMUX" record -q -o /dev/stdout -- touch "$TMP/ran" 2>"$TMP/pipe.err" | cat >"$TMP/pipe.out"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 1 ] && grep -q "not a pipe" "$TMP/pipe.err" ||
  fail "record to a pipe: rc $rc: $(cat "$TMP/pipe.err")"
[ ! -e "$TMP/ran" ] || fail "record to a pipe ran the command"
# Refused means nothing written (the sections after DATA went down the
# pipe, without a header before them).
[ ! -s "$TMP/pipe.out" ] || fail "record to a pipe wrote $(wc -c < "$TMP/pipe.out") bytes"
pass "an old recording is kept; a pipe is refused"
