#!/usr/bin/env python3
"""Accuracy of the estimates: pmux-demo (page-fault bursts, sleep bursts,
compute) with 4 sets of software events rotated at 1 ms, 3 runs, against
the truth: the same events counted unrotated by `perf stat` on the same
deterministic workload (median of 3 runs).  Reports, over the
deterministic events (page-faults, minor-faults, context-switches): median
and max absolute error, share of truths inside the 95% bound, median bound
half-width, and the same errors for plain time scaling computed from the
same runs (raw / fraction); and task-clock against perf's run-to-run spread.

Targets (issue 9): median <= 1%, max <= 5%, coverage >= 90%, median
half-width <= 10%, median error <= 0.7x plain scaling's.
"""
import sys
from common import *

for p in (PMUX, DEMO):
    need(p)
workloads = {
    "short bursts (default demo)": [DEMO],
    "long phases": [DEMO, "-r", "8", "-f", "20000", "-s", "300", "-c", "20"],
}
det = ["page-faults", "minor-faults", "context-switches"]
sets = sum((["-S", s] for s in SETS), [])
for label, W in workloads.items():
    truths = [perf_counts(det + ["task-clock"], W) for _ in range(3)]
    truth = {e: median([t[e] for t in truths]) for e in det}
    tc = [t["task-clock"] for t in truths]
    errs, plain_errs, inside, widths, tc_est = [], [], 0, [], []
    for run_no in range(3):
        d = pmux_stat_json(["--switch", "1ms"] + sets, W)
        for e in d["events"]:
            if not e["measured"]:  # no estimate (null) to compare
                sys.exit(f"bench: {e['name']} was never measured: its set never ran")
            if e["name"] == "task-clock":
                tc_est.append(e["estimate"] / 1e6)
            if e["name"] not in truth:
                continue
            T = truth[e["name"]]
            err = abs(e["estimate"] - T) / T
            plain = e["raw"] / e["fraction"] if e["fraction"] else 0
            errs.append(err)
            plain_errs.append(abs(plain - T) / T)
            if "-v" in sys.argv:
                print(f"   run {run_no} {e['name']:>17} set {e['set']}: estimate {e['estimate']:10.0f} "
                      f"+- {e['error_bound']:8.0f}  truth {T:8.0f}  error {100 * (e['estimate'] - T) / T:+6.2f}%  "
                      f"plain {100 * (plain - T) / T:+6.2f}%")
            inside += abs(e["estimate"] - T) <= e["error_bound"]
            widths.append(e["error_bound"] / e["estimate"])
    print(f"== {label}: {' '.join(W[1:]) or '(defaults)'}; truth {truth}")
    print(f"   median error {100 * median(errs):.2f}%  max {100 * max(errs):.2f}%  "
          f"(plain scaling: median {100 * median(plain_errs):.2f}%  max {100 * max(plain_errs):.2f}%)")
    print(f"   truths inside the 95% bound: {inside}/{len(errs)}  "
          f"median half-width {100 * median(widths):.1f}%")
    print(f"   task-clock: pmux {min(tc_est):.1f}..{max(tc_est):.1f} ms, "
          f"perf stat {min(tc):.1f}..{max(tc):.1f} ms")
    print(f"   ratio to plain scaling: ratio={median(errs) / median(plain_errs):.2f}")
