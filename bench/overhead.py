#!/usr/bin/env python3
"""Overhead: wall time of `pmux stat` on a CPU-bound workload of about
1.3 s (a) with 4 sets rotated at 1 ms against bench/floor-monitor rotating
the same 4 groups at 1 ms, and (b) at pmux's default slice against the bare
workload.  Runs are paired (A B C D, A B C D, ...); medians of the ratios.
Also prints the overhead at other slices, the measurements behind the
default slice (docs/multiplexing.md).

Targets (issue 9): (a) <= 1.01, (b) <= 1.02.
"""
import sys
from common import *

for p in (PMUX, DEMO, FLOOR):
    need(p)
W = [DEMO, "-r", "1", "-f", "0", "-s", "0", "-c", sys.argv[1] if len(sys.argv) > 1 else "700"]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 7
sets = sum((["-S", s] for s in SETS), [])
slices = ["1ms", "2ms", "5ms", "10ms"]
t = {k: [] for k in ["bare", "floor"] + slices}
for i in range(N):
    t["bare"].append(wall(W))
    t["floor"].append(wall([FLOOR, "4", "1000", "--"] + W))
    for sl in slices:
        t[sl].append(wall([PMUX, "stat", "-o", "/dev/null", "--switch", sl] + sets + ["--"] + W))
for k, v in t.items():
    print(f"{k:>6}: median {median(v):.4f} s")
ratio = lambda a, b: median([x / y for x, y in zip(t[a], t[b])])
print(f"floor at 1ms / bare: {ratio('floor', 'bare'):.4f}")
for sl in slices:
    print(f"pmux at {sl} / bare: {ratio(sl, 'bare'):.4f}")
print(f"(a) pmux at 1ms / floor at 1ms: ratio={ratio('1ms', 'floor'):.4f}")
print(f"(b) pmux at default slice (2ms) / bare: ratio={ratio('2ms', 'bare'):.4f}")
