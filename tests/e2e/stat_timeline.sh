#!/usr/bin/env bash
# -I: a line per interval (JSON: an object per line), the first marked,
# valid to the last line even when the run is interrupted.
. "$(dirname "$0")/lib.sh"

"$PMUX" stat --json -I 20 -S page-faults -S task-clock --switch 2ms \
  -o "$TMP/tl.jsonl" -- "$DEMO" -r 4 -c 10
python3 - "$TMP/tl.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
ticks, summary = lines[:-1], lines[-1]
assert len(ticks) >= 3, len(ticks)
assert ticks[0]["first"] is True and not any(t["first"] for t in ticks[1:])
assert [t["interval"] for t in ticks] == list(range(len(ticks)))
assert all(t["active_set"] in (0, 1) for t in ticks)
# The deltas, the last partial interval's included, add up to the
# summary's raw counts exactly.
for ev in summary["events"]:
    total = sum(e["delta"] for t in ticks for e in t["events"]
                if (e["name"], e["set"]) == (ev["name"], ev["set"]))
    assert total == ev["raw"], (ev["name"], total, ev["raw"])
assert ticks[-1]["time_ns"] <= summary["elapsed_ns"] + 1e6, (ticks[-1], summary["elapsed_ns"])
PY
pass "json timeline"

# An interval does not cut a slice: with -I 1 (an interval due at every
# switch) the slice history holds one slice per run of a set, as without.
PMUX_DUMP_SLICES="$TMP/slices" "$PMUX" stat --json -I 1 -S page-faults \
  -S task-clock --switch 1ms -o "$TMP/cut.jsonl" -- "$DEMO" -r 4 -c 10
n=$(grep -vc '^#' "$TMP/slices")
runs=$(tail -n 1 "$TMP/cut.jsonl" | python3 -c 'import json,sys; print(sum(s["runs"] for s in json.load(sys.stdin)["sets"]))')
[ "$n" -eq "$runs" ] || fail "an interval cut slices: $n slices for $runs runs of the sets"
pass "intervals do not cut slices ($n slices, $runs runs)"

# Interrupted: SIGINT mid-run; every line written is whole JSON, and pmux
# exits as the command did.
"$with_sigint" "$PMUX" stat --json -I 10 -e task-clock -o "$TMP/int.jsonl" -- sleep 5 &
pid=$!
wait_child $pid
kill -INT $pid
rc=0; wait $pid || rc=$?
[ $rc -eq 130 ] || fail "interrupted timeline: exit $rc, want 130"
python3 - "$TMP/int.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) >= 2 and lines[0]["first"] and "events" in lines[-1], lines[-1]
assert lines[-1]["exit_status"] == 130
PY
pass "interrupted timeline stays valid"

# Human timeline: clocks in msec, as the summary shows them (and perf -I).
"$PMUX" stat -I 20 -e page-faults,task-clock -o "$TMP/tl.txt" -- "$DEMO" -r 2 -c 5
grep -q "(first interval)" "$TMP/tl.txt" || fail "first interval not marked"
grep -Eq "^ +[0-9.]+ +-?[0-9]+ +[0-9]+\.[0-9]{2} msec +task-clock" "$TMP/tl.txt" ||
  fail "task-clock not in msec: $(grep task-clock "$TMP/tl.txt" | head -2)"
pass "human timeline"

# Rotation order: the sets take turns round-robin in the order given, every
# slice (the slice history, PMUX_DUMP_SLICES, lists them as they ran).
PMUX_DUMP_SLICES="$TMP/slices" "$PMUX" stat -o /dev/null --switch 1ms \
  -S page-faults -S 'task-clock;switch=3ms' -S context-switches -- "$DEMO" -r 3
python3 - "$TMP/slices" <<'PY' || fail "sets out of turn: $(grep -v '^#' "$TMP/slices" | cut -d' ' -f1 | head -20 | tr '\n' ' ')"
import sys
order = [int(l.split()[0]) for l in open(sys.argv[1]) if not l.startswith("#")]
assert len(order) > 30, len(order)
assert order[0] == 0 and all(b == (a + 1) % 3 for a, b in zip(order, order[1:])), order[:30]
PY
pass "sets take turns in the order given"
