#!/usr/bin/env python3
"""Can an event in one set borrow the slices of a related event in another?

bench/accuracy.py counts page-faults in sets 0 and 3 and minor-faults in
set 2: on pmux-demo they are the same faults, so together they see three
slices in four where minor-faults alone sees one.  Every one of 4 sets
here counts page-faults, minor-faults and context-switches (beside its
task-clock), rotated at 1 ms, so each run's own counts are exact (the
sum over its slices), and each history is replayed as if accuracy.py's
sets had counted it, with the roles of the sets rotated (4 replays per
run).  Candidates:

  shipped   pmux's estimator (core/estimate.c, replayed by estimators.py)
  proxy     minor-faults from page-faults: beta, the ratio of minor-faults
            to page-faults interpolated (per CPU time, linear between the
            nearest page-faults slices) over the minor-faults slices; then
            the two series as one (minor-faults divided by beta) through
            the shipped estimator; minor-faults = beta times that, and
            page-faults that itself.  Both ways round.
  stable    the same, beta taken only over slices whose two page-faults
            neighbours differ by less than 20% (away from phase edges)

  python3 bench/cross_event.py [RUNS]      (default 10 runs per workload)

Prints, per workload, candidate and event: the error's standard
deviation and mean over runs and replays, the median and max |error|.
"""
import bisect
import statistics
import sys
from common import *
from estimators import exact_histories, shipped

EVENTS = ["page-faults", "minor-faults", "context-switches"]
ACCURACY_SETS = {"page-faults": {0, 3}, "context-switches": {1}, "minor-faults": {2}}
WORKLOADS = {
    "short bursts (default demo)": [DEMO],
    "long phases": [DEMO, "-r", "8", "-f", "20000", "-s", "300", "-c", "20"],
}


def as_accuracy(slices, shift):
    """The history as if accuracy.py's sets had counted it, set k playing
    the role of set (k + shift) % 4."""
    return [(k, w, x, {e: v[e] for e, ks in ACCURACY_SETS.items() if (k + shift) % 4 in ks})
            for k, w, x, v in slices]


def neighbours_rate(slices, seen, event, j):
    """The rates per CPU time of the nearest slices before and after j
    where event was seen (None at the ends)."""
    rate = lambda i: slices[i][3][event] / slices[i][2]
    p = bisect.bisect_left(seen, j)
    return (rate(seen[p - 1]) if p else None, rate(seen[p]) if p < len(seen) else None, p)


def proxy(slices, total, v, u, stable=False):
    own = [j for j, s in enumerate(slices) if v in s[3] and s[2] > 0 and j]
    seen = [j for j, s in enumerate(slices) if u in s[3] and s[2] > 0]
    num = den = 0.0
    for j in own:
        lo, hi, p = neighbours_rate(slices, seen, u, j)
        if lo is None or hi is None:
            continue
        if stable and abs(lo - hi) > 0.2 * max(lo, hi, 1e-30):
            continue
        a, b = seen[p - 1], seen[p]
        num += slices[j][3][v]
        den += (lo + (hi - lo) * (j - a) / (b - a)) * slices[j][2]
    if den <= 0:
        return None
    beta = num / den
    one = [(k, w, x, {"f": c[u]} if u in c else {"f": c[v] / beta} if v in c else {})
           for k, w, x, c in slices]
    return beta * shipped(one, total, "f")


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for p in (PMUX, DEMO):
        need(p)
    for label, W in WORKLOADS.items():
        errs = {}
        for full in exact_histories(EVENTS, W, runs):
            counted = sum(s[2] for s in full)
            truth = {e: sum(s[3][e] for s in full) for e in EVENTS}
            for shift in range(4):
                h = as_accuracy(full, shift)
                add = lambda name, e, est: errs.setdefault((name, e), []).append(
                    (est - truth[e]) / truth[e]) if est is not None else None
                for e in EVENTS:
                    add("shipped", e, shipped(h, counted, e))
                for v, u in (("minor-faults", "page-faults"), ("page-faults", "minor-faults")):
                    add("proxy", v, proxy(h, counted, v, u))
                    add("stable", v, proxy(h, counted, v, u, stable=True))
        print(f"== {label}: {' '.join(W[1:]) or '(defaults)'}; {runs} runs x 4 replays")
        for (name, e), v in sorted(errs.items(), key=lambda kv: (kv[0][1], kv[0][0] != "shipped")):
            a = [abs(x) for x in v]
            print(f"   {e:>16} {name:>8}: error sd {100 * statistics.pstdev(v):5.2f}%  "
                  f"mean {100 * statistics.mean(v):+6.2f}%  median |error| {100 * median(a):5.2f}%  "
                  f"max {100 * max(a):6.2f}%")


main()
