#!/usr/bin/env bash
# Counts of a workload with known page faults and context switches agree
# with perf stat on the same workload; an unsupported hardware event beside
# them is reported as such, with its reason.
. "$(dirname "$0")/lib.sh"
command -v perf >/dev/null || skip "perf is not installed (Debian: linux-perf)"
perf stat -e page-faults true >/dev/null 2>&1 || skip "perf stat does not run here"

args=(-r 4 -f 3000 -s 200 -c 2)
perf stat -x, -e page-faults,minor-faults,context-switches -o "$TMP/perf.csv" \
  -- "$DEMO" "${args[@]}"
"$PMUX" stat --json -e page-faults,minor-faults,context-switches,cycles \
  -o "$TMP/pmux.json" -- "$DEMO" "${args[@]}"
python3 - "$TMP/perf.csv" "$TMP/pmux.json" <<'PY'
import json, sys
perf = {}
for line in open(sys.argv[1]):
    f = line.strip().split(",")
    if len(f) > 2 and f[0].isdigit():
        perf[f[2]] = int(f[0])
d = json.load(open(sys.argv[2]))
ev = {e["name"]: e for e in d["events"]}
# Faults are deterministic (4 x 3000 pages): within 1% of perf's.
for name in ("page-faults", "minor-faults"):
    p, m = perf[name], ev[name]["raw"]
    assert m >= 12000 and abs(m - p) <= 0.01 * p, (name, m, p)
# Context switches: about 4 x 200 sleeps, plus preemptions that vary run to run.
p, m = perf["context-switches"], ev["context-switches"]["raw"]
# (a 50 us sleep can expire before the task is switched out: not every
# one of the 800 sleeps switches)
assert m >= 700 and abs(m - p) <= 0.3 * p + 50, ("context-switches", m, p)
cyc = ev["cycles"]
if not cyc["supported"]:
    assert cyc["reason"], cyc
    assert not cyc["measured"]
print("pmux", {k: ev[k]["raw"] for k in ev}, "perf", perf)
PY
pass "agrees with perf stat"
