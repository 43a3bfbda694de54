#!/usr/bin/env python3
"""Why the bound is too wide for faults and too narrow for context switches:
the residuals by lag (docs/estimates.md, seventh round).

Every one of 4 sets counts page-faults and context-switches (beside its
task-clock), rotated at 1 ms over pmux-demo, so each run's own counts are
exact (the sum over its slices), as in bench/bounds.py.  Three parts:

  variogram  the residuals of the shipped fit over all slices (every set
             counting), gamma(h) = mean (e_{t+h} - e_t)^2 / 2, in units of
             their variance: how far apart two slices must be to differ
  pair       page-faults as bench/accuracy.py counts it, in two adjacent
             sets (3 and 0, 1 and 2), pooled: pmux's bound (successive
             differences, lags 1 and 3 mixed) against bounds from the
             lag-1 differences alone (the error of an adjacent pair is
             each unobserved slice's difference from its observed
             neighbour: 4 gamma(1) per cycle), floored by the lag-3 ones
             (gamma(3) / 4 or / 3: a variogram that rises no faster than
             linearly)
  per set    context-switches in one set: the sum of the residuals of the
             all-slice fit over one set's slices, in units of the standard
             deviation the successive differences give it (1 if the bound
             could see everything that makes a set's sample differ)

  python3 bench/lags.py [RUNS]      (default 10 runs per workload)
"""
import statistics
import sys
from common import *
from estimators import exact_studies, observations, replays, shipped_bound, shipped_fit

EVENTS = ["page-faults", "context-switches"]
PAIRS = [{3, 0}, {1, 2}]  # adjacent, with the cycle's cut between or around them


def residuals(slices, total, event):
    """-> (slice index, residual) of the fit the shipped bound uses."""
    fit = shipped_fit(slices, total, event)
    rest = [(j, s) for j, s in observations(slices, event) if j != 0]
    if fit:
        return list(zip([j for j, _ in rest], fit[2]))
    r = sum(s[3][event] for _, s in rest) / sum(s[2] for _, s in rest)
    return [(j, s[3][event] - r * s[2]) for j, s in rest]


def gammas(res):
    """Half the mean squared difference of successive residuals, by lag."""
    sums = {}
    for (j1, r1), (j2, r2) in zip(res, res[1:]):
        s = sums.setdefault(j2 - j1, [0.0, 0])
        s[0] += (r2 - r1) ** 2
        s[1] += 1
    return {h: s[0] / s[1] / 2 for h, s in sums.items()}


PAIR_BOUNDS = {
    "pmux's": None,
    "4 g(1)": lambda g: 4 * g.get(1, 0),
    "4 max(g(1), g(3)/4)": lambda g: 4 * max(g.get(1, 0), g.get(3, 0) / 4),
    "4 max(g(1), g(3)/3)": lambda g: 4 * max(g.get(1, 0), g.get(3, 0) / 3),
}


def variogram(histories, event, lags=8):
    acc = {h: [] for h in range(1, lags + 1)}
    for slices in histories:
        res = dict(residuals(slices, sum(s[2] for s in slices), event))
        var = statistics.pvariance(res.values())
        for h in acc:
            d = [(res[j + h] - res[j]) ** 2 / 2 for j in res if j + h in res]
            acc[h].append(statistics.mean(d) / var)
    return " ".join(f"{h}:{statistics.mean(v):.2f}" for h, v in acc.items())


def pair_study(histories, event):
    out = {name: [0, [], []] for name in PAIR_BOUNDS}
    for _, h, est, truth, counted in replays(histories, event, PAIRS):
        res = residuals(h, counted, event)
        for name, var_per_cycle in PAIR_BOUNDS.items():
            if var_per_cycle is None:
                bound = shipped_bound(h, counted, event)
            else:
                bound = 1.96 * (len(res) / 2 * var_per_cycle(gammas(res))) ** 0.5
            o = out[name]
            o[0] += abs(est - truth) <= bound
            o[1].append(bound / est)
            o[2].append((est - truth) / (bound / 1.96))
    for name, (inside, widths, zs) in out.items():
        print(f"   pair {event:>16} {name:>20}: inside {100 * inside / len(widths):5.1f}%  "
              f"median half-width {100 * median(widths):5.1f}%  sd(z) {statistics.pstdev(zs):.2f}")


def per_set_component(histories, event):
    zs = []
    for slices in histories:
        counted = sum(s[2] for s in slices)
        res = residuals(slices, counted, event)
        for k in range(4):
            mine = [r for j, r in res if slices[j][0] == k]
            n = len(mine)
            s2 = sum((mine[i] - mine[i - 1]) ** 2 for i in range(1, n)) / (2 * (n - 1))
            zs.append(sum(mine) / (n * s2) ** 0.5)
    print(f"   per set {event:>16}: sum of the all-slice residuals over one set, "
          f"in its successive differences' sd: sd {statistics.pstdev(zs):.2f}")


def main():
    for label, histories in exact_studies(EVENTS):
        for event in EVENTS:
            print(f"   variogram {event:>16}: {variogram(histories, event)}")
        pair_study(histories, "page-faults")
        pair_study(histories, "context-switches")
        per_set_component(histories, "context-switches")


main()
