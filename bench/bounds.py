#!/usr/bin/env python3
"""How honest is the 95% bound?  Checked against exact truths, not perf's.

Every one of 4 sets counts page-faults and context-switches (beside its
task-clock), rotated at 1 ms over pmux-demo, and each run's slice history
is recorded (PMUX_DUMP_SLICES).  So the run's own count of each event is
known exactly: the sum over all its slices.  Each history is then replayed
as if only some sets had counted the event, through pmux's estimator and
bound (bench/estimators.py checks this replay against pmux's own output):

  one    one set in four (sets 0..3 in turn), as bench/accuracy.py's
         minor-faults and context-switches
  pair   two adjacent sets (3 and 0, 0 and 1), pooled, as its page-faults

The run's total is taken as the sets' counted time, so the switch gaps
(where no set counted, and the sum of the slices misses what happened)
are out of both sides.

  python3 bench/bounds.py [RUNS]      (default 10 runs per workload)

Prints, per workload, event and pattern: the standard deviation of the
error, the share of truths inside the bound (about 95% if it is honest),
the median half-width, and sd(z), the errors in units of the bound's
standard deviation (1 when calibrated; below 1: too wide; above: too
narrow); and, per set alone, the mean error over the runs (a set whose
windows fall at the same place of a periodic workload round after round
errs the same way every run: aliasing, which no bound drawn from one run
can see).
"""
import statistics
import sys
from common import *
from estimators import exact_studies, replays, shipped_bound

EVENTS = ["page-faults", "context-switches"]
PATTERNS = {"one": [{0}, {1}, {2}, {3}], "pair": [{3, 0}, {0, 1}]}


def main():
    for label, histories in exact_studies(EVENTS):
        for event in EVENTS:
            per_set = {k: [] for k in range(4)}
            for name, patterns in PATTERNS.items():
                errs, inside, widths, zs = [], 0, [], []
                for sets, h, est, truth, counted in replays(histories, event, patterns):
                    bound = shipped_bound(h, counted, event)
                    if not bound:
                        continue
                    err = (est - truth) / truth
                    errs.append(err)
                    inside += abs(est - truth) <= bound
                    widths.append(bound / est)
                    zs.append((est - truth) / (bound / 1.96))
                    if name == "one":
                        per_set[min(sets)].append(err)
                print(f"   {event:>16} {name:>4}: error sd {100 * statistics.pstdev(errs):5.2f}%  "
                      f"inside the bound {100 * inside / len(errs):5.1f}%  "
                      f"median half-width {100 * median(widths):5.1f}%  "
                      f"sd(z) {statistics.pstdev(zs):.2f}")
            print(f"   {event:>16} mean error of each set alone: " +
                  "  ".join(f"{k}: {100 * statistics.mean(v):+.2f}%" for k, v in per_set.items()))


main()
