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

# An interval does not cut a slice: the slice history has as many slices
# with -I 1 (an interval due at every switch) as without.
for i in 0 1; do
  extra=(); [ "$i" = 1 ] && extra=(-I 1)
  PMUX_DUMP_SLICES="$TMP/slices.$i" "$PMUX" stat "${extra[@]}" -S page-faults \
    -S task-clock --switch 1ms -o /dev/null -- "$DEMO" -r 4 -c 10
done
n0=$(grep -vc '^#' "$TMP/slices.0"); n1=$(grep -vc '^#' "$TMP/slices.1")
python3 -c "import sys; a, b = int(sys.argv[1]), int(sys.argv[2]); sys.exit(abs(a - b) > 0.1 * a)" "$n0" "$n1" ||
  fail "an interval cut slices: $n0 slices without -I, $n1 with -I 1"
pass "intervals do not cut slices ($n0 / $n1 slices)"

# Interrupted: SIGINT mid-run; every line written is whole JSON.
"$with_sigint" "$PMUX" stat --json -I 10 -e task-clock -o "$TMP/int.jsonl" -- sleep 5 &
pid=$!
wait_child $pid
kill -INT $pid
wait $pid || true
python3 - "$TMP/int.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) >= 2 and lines[0]["first"] and "events" in lines[-1], lines[-1]
assert lines[-1]["exit_status"] == 130
PY
pass "interrupted timeline stays valid"

# Human timeline.
"$PMUX" stat -I 20 -e page-faults -o "$TMP/tl.txt" -- "$DEMO" -r 2 -c 5
grep -q "(first interval)" "$TMP/tl.txt" || fail "first interval not marked"
pass "human timeline"
