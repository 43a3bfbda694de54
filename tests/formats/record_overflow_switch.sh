#!/usr/bin/env bash
# record -S 'EVENTS;switch=EVENT/PERIOD/N': a set stays active until its
# trigger overflowed N times while it was active.  pmux-demo's page faults
# are deterministic, so the runs can be predicted from pmux stat's count.
. "$PMUX_SRC/tests/e2e/lib.sh"
READ="$PMUX_SRC/tests/formats/read_default.py"
WORK=("$DEMO" -r 4 -f 5000)

"$PMUX" stat --json -e page-faults -o "$TMP/pf.json" -- "${WORK[@]}" >/dev/null
F=$(json_get "$TMP/pf.json" 'd["events"][0]["raw"]')
E=$((F / 1000)) # runs expected with switch=page-faults/100/10
[ "$E" -ge 10 ] || fail "pmux-demo made only $F page faults"
# Bounds.  Low: a run overshoots N by the monitor's wake-up latency (tens
# of microseconds, about 1000 faults per ms here); E/2 allows an average
# overshoot of a whole run, a starved monitor.  High: overflows are counted
# per CPU (floor(count/PERIOD) on each), so a run may end after
# (N - CPUs + 1) * PERIOD faults, 900 on 2 CPUs; plus the last, partial
# run.  5/4 E + 2 covers both.
lo=$((E / 2)) hi=$((E * 5 / 4 + 2))

# Both sets overflow-switched: together they see every fault.
"$PMUX" record -c 100000 -S 'cpu-clock;switch=page-faults/100/10' \
  -S 'cpu-clock;switch=page-faults/100/10' -o "$TMP/o.data" -- "${WORK[@]}" \
  2>"$TMP/sum" || fail "record failed: $(cat "$TMP/sum")"
python3 "$READ" "$TMP/o.data" > "$TMP/o.json"
r0=$(json_get "$TMP/o.json" 'd["switches"][0]["runs"]')
r1=$(json_get "$TMP/o.json" 'd["switches"][1]["runs"]')
[ "$(json_get "$TMP/o.json" 'd["switches"][0]["switch"]')" = page-faults/100/10 ] \
  || fail "the switch spec is not in the file"
[ $((r0 + r1)) -ge "$lo" ] && [ $((r0 + r1)) -le "$hi" ] \
  || fail "$r0 + $r1 runs for $F faults, want $lo..$hi"
[ $((r0 - r1)) -eq 0 ] || [ $((r0 - r1)) -eq 1 ] || fail "runs $r0 / $r1 do not alternate"
grep -q "2 sets rotated: set 0 ran $r0 times, set 1 ran $r1 times" "$TMP/sum" \
  || fail "summary: $(cat "$TMP/sum")"
pass "two overflow-switched sets: $r0 + $r1 runs for $F faults (want $lo..$hi)"

# Mixed with a time-sliced set (2 ms): set 0 sees only the faults made
# while it is active, so at most E runs; set 1 alternates with it.
"$PMUX" record -q -c 100000 -S 'cpu-clock;switch=page-faults/100/10' \
  -S 'cpu-clock' -o "$TMP/m.data" -- "${WORK[@]}"
python3 "$READ" "$TMP/m.data" > "$TMP/m.json"
r0=$(json_get "$TMP/m.json" 'd["switches"][0]["runs"]')
r1=$(json_get "$TMP/m.json" 'd["switches"][1]["runs"]')
el=$(json_get "$TMP/m.json" 'd["stats"]["elapsed_ns"]')
slices=$((el / 4000000)) # set 0's runs had it switched every 2 ms too
[ "$r0" -ge 2 ] && [ "$r0" -le "$hi" ] || fail "mixed: set 0 ran $r0 times, want 2..$hi"
[ $((r0 - r1)) -eq 0 ] || [ $((r0 - r1)) -eq 1 ] || fail "mixed: runs $r0 / $r1"
[ "$slices" -le "$hi" ] || [ "$r0" -lt "$slices" ] || fail "mixed: $r0 runs, as many as time slices"
[ "$(json_get "$TMP/m.json" 'd["switches"][1]["switch"]')" = 2000000ns ] \
  || fail "mixed: set 1's slice is not in the file"
"$PMUX" report -i "$TMP/m.data" --sort set --json > "$TMP/ms.json"
for s in 0 1; do
  n=$(json_get "$TMP/ms.json" "sum(t['samples'] for t in d['top'] if t['set'] == $s)")
  [ "$n" -gt 0 ] || fail "mixed: set $s has no samples"
done
pass "mixed: set 0 ran $r0 times (time slices: $slices), set 1 $r1"

# report shows the sets as the file has them: the same runs and specs as
# the independent reader, in the header and in JSON.
"$PMUX" report -i "$TMP/m.data" -n 1 > "$TMP/mr.txt"
grep -qx "#   0: cpu-clock  after 10 overflows of page-faults (period 100), made active $r0 times" \
  "$TMP/mr.txt" || fail "report's set 0: $(cat "$TMP/mr.txt")"
grep -qx "#   1: cpu-clock  time slice 2ms, made active $r1 time.*" "$TMP/mr.txt" ||
  fail "report's set 1: $(cat "$TMP/mr.txt")"
"$PMUX" report -i "$TMP/m.data" -n 1 --json > "$TMP/mr.json"
[ "$(json_get "$TMP/mr.json" '[(s["switch"], s.get("trigger"), s.get("overflows"), s["runs"]) for s in d["sets"]]')" = \
  "[('overflow', 'page-faults', 10, $r0), ('time', None, None, $r1)]" ] ||
  fail "report's JSON sets: $(head -c 600 "$TMP/mr.json")"
pass "report shows each set's switching and runs"

# Bad triggers are refused, naming the input.
bad() {
  set +e
  "$PMUX" record -o "$TMP/x.data" -S "cpu-clock;switch=$1" -S cpu-clock -- true \
    2>"$TMP/err"
  local rc=$?
  set -e
  [ $rc -ne 0 ] || fail "switch=$1 accepted"
  grep -qF "cpu-clock;switch=$1" "$TMP/err" || fail "switch=$1: $(cat "$TMP/err")"
  grep -qF "$2" "$TMP/err" || fail "switch=$1: $(cat "$TMP/err"), want '$2'"
}
bad nosuch/100/10 "event 'nosuch': unknown"
bad page-faults/0/10 "PERIOD and N must be positive integers"
bad page-faults/100/0 "PERIOD and N must be positive integers"
pass "bad triggers refused"
