#!/usr/bin/env python3
"""Switch cost: the on-CPU cost of one time-driven switch in `pmux stat`,
net of a run without switching, against the same work done by hand in a
tight program (bench/floor-monitor: wake at an absolute deadline, disable
the outgoing group, enable the next, read the outgoing one), same run.

Target (issue 9): ratio <= 1.3.  Last line: ratio=X.XX
"""
import sys
from common import *

for p in (PMUX, DEMO, FLOOR):
    need(p)
W = [DEMO, "-r", "1", "-f", "0", "-s", "0", "-c", sys.argv[1] if len(sys.argv) > 1 else "750"]
sets = sum((["-S", s] for s in SETS), [])
ratios, pmux_us, floor_us = [], [], []
for i in range(5):
    f1 = run(["perf", "stat", "--no-inherit", "-x,", "-e", "task-clock", "--",
              FLOOR, "4", "1000", "--"] + W)
    switches = int(re.search(r"switches=(\d+)", f1.stdout).group(1))
    f1_ms = float([l for l in f1.stderr.splitlines() if "task-clock" in l][0].split(",")[0])
    f0_ms = own_cpu_ms([FLOOR, "4", "0", "--"] + W)
    with tempfile.NamedTemporaryFile(suffix=".json") as js:
        p1_ms = own_cpu_ms([PMUX, "stat", "--json", "-o", js.name, "--switch", "1ms"] + sets + ["--"] + W)
        runs = sum(s["runs"] for s in json.load(open(js.name))["sets"])
    p0_ms = own_cpu_ms([PMUX, "stat", "-o", "/dev/null", "-S", ",".join(SETS), "--"] + W)
    a = (f1_ms - f0_ms) * 1000 / switches
    b = (p1_ms - p0_ms) * 1000 / (runs - 1)
    floor_us.append(a)
    pmux_us.append(b)
    ratios.append(b / a)
    print(f"pair {i}: floor {a:.1f} us/switch ({switches} switches), "
          f"pmux {b:.1f} us/switch ({runs - 1} switches), ratio {b / a:.2f}")
print(f"median: floor {median(floor_us):.1f} us, pmux {median(pmux_us):.1f} us per switch")
print(f"ratio={median(ratios):.2f}")
