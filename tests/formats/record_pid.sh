#!/usr/bin/env bash
# record -p PID: a running process, all its threads (those it had before
# pmux came too), its code named from /proc/PID/maps; while a command runs,
# until the process exits, or until ^C, which stops pmux and never the
# process; and the errors for a pid that is not there or not alone.
. "$PMUX_SRC/tests/e2e/lib.sh"
SPIN="$PMUX_BUILD/pmux-spin"
READ="$PMUX_SRC/tests/formats/read_default.py"
S=
trap 'kill $S 2>/dev/null || true; rm -rf "$TMP"' EXIT

# Three threads spinning before pmux attaches: an inherited event on the
# pid alone would follow only the main thread.
"$SPIN" t20000 2 & S=$!
for i in $(seq 100); do
  [ "$(ls "/proc/$S/task" 2>/dev/null | wc -l)" -eq 3 ] && break
  sleep 0.05
done
"$PMUX" record -q -p "$S" -o "$TMP/t.data" -- sleep 0.6 2>"$TMP/t.err" ||
  fail "record -p $S -- sleep: $(cat "$TMP/t.err")"
kill -0 "$S" 2>/dev/null || fail "the process did not outlive the recording"
python3 "$READ" "$TMP/t.data" > "$TMP/t.json"
tids=$(json_get "$TMP/t.json" "len({e['tid'] for e in d['entries'] if e['pid'] == $S})")
[ "$tids" -eq 3 ] || fail "samples of $tids threads of 3"
"$PMUX" report --json -i "$TMP/t.data" > "$TMP/t.rep" || fail "report failed"
top=$(json_get "$TMP/t.rep" 'd["top"][0]["symbol"]')
[ "$top" = spin_hot ] || fail "top symbol '$top', not spin_hot: the maps of /proc/$S/maps"
cmd=$(json_get "$TMP/t.rep" 'd["command"]')
[ "$cmd" = "-p $S -- sleep 0.6" ] || fail "command in the file: '$cmd'"
pass "-p -- COMMAND: the 3 threads sampled, spin_hot named, the process left running"

# A thread's id stands for its process: its code named all the same (the
# mappings went under the thread's id, the samples under the process's).
T=$(ls "/proc/$S/task" | grep -vx "$S" | head -1)
"$PMUX" record -q -p "$T" -o "$TMP/w.data" -- sleep 0.3 2>"$TMP/w.err" ||
  fail "record -p $T (a thread): $(cat "$TMP/w.err")"
"$PMUX" report --json -i "$TMP/w.data" > "$TMP/w.rep" || fail "report failed"
top=$(json_get "$TMP/w.rep" 'd["top"][0]["symbol"]')
[ "$top" = spin_hot ] || fail "-p a thread's id: top symbol '$top', not spin_hot"
pass "-p a thread's id: its process sampled, spin_hot named"

# Two sets rotate on the process as on a command.
"$PMUX" record -q -p "$S" -S cpu-clock -S task-clock --switch 5ms \
  -o "$TMP/s.data" -- sleep 0.3 2>"$TMP/s.err" || fail "record -p -S -S: $(cat "$TMP/s.err")"
"$PMUX" report --json -s set -i "$TMP/s.data" > "$TMP/s.rep" || fail "report -s set failed"
runs=$(json_get "$TMP/s.rep" 'min(s["runs"] for s in d["sets"])')
[ "$runs" -ge 5 ] || fail "a set was made active $runs times in 0.3 s at 5 ms"
sets=$(json_get "$TMP/s.rep" 'len([r for r in d["top"] if r["samples"] > 0])')
[ "$sets" -eq 2 ] || fail "samples from $sets sets of 2"
pass "-p with two sets: both rotate and sample"

# ^C stops pmux, which writes a complete file; the process goes on.
"$with_sigint" "$PMUX" record -q -p "$S" -o "$TMP/i.data" 2>"$TMP/i.err" & P=$!
sleep 0.6
kill -INT "$P"
rc=0; wait "$P" || rc=$?
[ $rc -eq 0 ] || fail "record -p after SIGINT: exit $rc: $(cat "$TMP/i.err")"
kill -0 "$S" 2>/dev/null || fail "SIGINT reached the process"
"$PMUX" report --json -i "$TMP/i.data" > "$TMP/i.rep" || fail "report after ^C failed"
n=$(json_get "$TMP/i.rep" 'd["samples"] if d["complete"] else -1')
[ "$n" -gt 0 ] || fail "after ^C: complete file with samples? $n"
pass "-p alone stops on SIGINT, its file complete, the process untouched"
kill "$S"; wait "$S" 2>/dev/null || true

# Alone, pmux stops when the process exits, with status 0.
"$SPIN" 400 & S=$!
sleep 0.1
"$PMUX" record -q -p "$S" -o "$TMP/e.data" 2>"$TMP/e.err" ||
  fail "record -p until exit: $(cat "$TMP/e.err")"
wait "$S" 2>/dev/null || true
"$PMUX" report --json -i "$TMP/e.data" > "$TMP/e.rep" || fail "report failed"
[ "$(json_get "$TMP/e.rep" 'd["samples"] > 0 and d["complete"]')" = True ] ||
  fail "no samples, or an incomplete file, when the process exited"
pass "-p alone ends with the process"

# A process that ends while the command still runs: its events report
# POLLHUP at every poll from then on, which must not spin pmux (it spun
# 1.2 s of CPU in the second after it, a second's worth).
# Not this shell's child: its CPU time would count in time's.
S=$( ("$SPIN" t300 2 >/dev/null & echo $!) )
sleep 0.1
TIMEFORMAT='%U %S'
{ time "$PMUX" record -q -p "$S" -o "$TMP/h.data" -- sleep 1.5 \
    2>"$TMP/h.err"; } 2>"$TMP/h.cpu" || fail "record -p, the process gone first: $(cat "$TMP/h.err")"
read -r u s < "$TMP/h.cpu"
python3 -c "import sys; sys.exit(0 if $u + $s < 0.5 else 1)" ||
  fail "pmux took ${u}s user + ${s}s system over 1.5 s once the process had gone"
pass "-p -- COMMAND: no spinning once the process has exited"

# 41 threads, 2 sets: an event each per thread and CPU, over a soft limit
# of 64 open files, which pmux raises toward the hard one, as perf does.
"$SPIN" t20000 40 & S=$!
for i in $(seq 100); do
  [ "$(ls "/proc/$S/task" 2>/dev/null | wc -l)" -eq 41 ] && break
  sleep 0.05
done
( ulimit -Sn 64; "$PMUX" record -q -p "$S" -S cpu-clock -S task-clock \
    -o "$TMP/n.data" -- sleep 0.3 ) 2>"$TMP/n.err" ||
  fail "41 threads under ulimit -Sn 64: $(cat "$TMP/n.err")"
kill "$S"; wait "$S" 2>/dev/null || true
pass "-p on 41 threads with 2 sets: the soft open-file limit raised"

# Errors: the pid named, nothing written.
rc=0; "$PMUX" record -p 4294967296 -o "$TMP/x.data" 2>"$TMP/x.err" || rc=$?
[ $rc -eq 2 ] && grep -q "not a process id" "$TMP/x.err" || fail "-p 4294967296: exit $rc: $(cat "$TMP/x.err")"
gone=$(( $(cat /proc/sys/kernel/pid_max) - 1 ))
kill -0 "$gone" 2>/dev/null && skip "pid $gone exists here"
rc=0; "$PMUX" record -p "$gone" -o "$TMP/x.data" 2>"$TMP/x.err" || rc=$?
[ $rc -eq 1 ] && grep -q "pid $gone: no such process" "$TMP/x.err" ||
  fail "-p $gone: exit $rc: $(cat "$TMP/x.err")"
[ ! -e "$TMP/x.data" ] || fail "a file was left for a pid that is not there"
rc=0; "$PMUX" record -p 1 -a -o "$TMP/x.data" -- true 2>"$TMP/x.err" || rc=$?
[ $rc -eq 2 ] && grep -q -- "-p samples a process, -a and -C CPUs" "$TMP/x.err" ||
  fail "-p with -a: exit $rc: $(cat "$TMP/x.err")"
pass "-p errors: not a pid, no such process, with -a"
