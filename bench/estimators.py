#!/usr/bin/env python3
"""The estimator study behind docs/estimates.md, reproducible: record slice
histories (PMUX_DUMP_SLICES) of pmux-demo with the 4 sets of the other
benchmarks rotated at 1 ms, and replay every history through each
candidate estimator against the truth of the same workload counted
unrotated by `perf stat` (median of 3 runs).

  python3 bench/estimators.py [RUNS]      (default 8 runs per workload)

Candidates, all fed the same histories (slice j: wall time w_j, the set's
CPU time x_j, the rest z_j = w_j - x_j, its counts y_j; D the reference's
total, X and Z the sums of x and z over all slices the target ran in):
  shipped    the regression estimator on x and z, calibrated to X and Z,
             the switch gaps (D - X) filled at the CPU-time coefficient,
             the run's first slice held apart (core/estimate.c)
  ratio      D * sum y / sum x, the first slice held apart
  ratio-all  the same with the first slice pooled with the others
  poststrat  post-stratified by CPU utilisation x/w (< 0.5: off-CPU phases)
  idle       ratio on z alone
  interp     each unobserved slice's count per wall time, linear between
             the neighbouring observations
and, beside them, what pmux itself printed for the same runs (its C
implementation of "shipped" and of its bound: the largest difference is
printed).  Bounds:
pmux's (successive differences of the residuals) against an edge-aware one
(large differences taken as phase edges placed uniformly in the rotation):
how many truths each covers, and its median half-width.
Prints, per workload and estimator, the median and max |error| of the
deterministic events (page-faults, minor-faults, context-switches), and
of each of them.
"""
import os
import sys
import tempfile
from common import *

DET = ["page-faults", "minor-faults", "context-switches"]


def load(path):
    """-> (names "EVENT@SET" per set, [(set, w, x, {event: y})], D)"""
    names, slices, total = [], [], None
    for line in open(path):
        if line.startswith("# sets"):
            names = line.split()[4:]
        elif line.startswith("# reference_ns"):
            total = float(line.split()[2])
        else:
            head, vals = line.split("|")
            k, w = head.split()
            v = [float(t) for t in vals.split()]
            k = int(k)
            evs = [n.split("@")[0] for n in names if int(n.split("@")[1]) == k]
            slices.append((k, float(w), v[0], dict(zip(evs, v[2:]))))
    return slices, total


def exact_histories(events, workload, runs):
    """Slice histories of `runs` runs of workload, every one of 4 sets
    counting events (and task-clock) at 1 ms, so that each run's own
    count of an event is exact: the sum over its slices."""
    set_args = sum((["-S", ",".join(events + ["task-clock"])] for _ in range(4)), [])
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(runs):
            path = os.path.join(tmp, f"slices.{r}")
            run([PMUX, "stat", "-o", os.devnull, "--switch", "1ms"] + set_args + ["--"] + workload,
                env=dict(os.environ, PMUX_DUMP_SLICES=path))
            yield load(path)[0]


# The workloads of the exact-truth studies (bounds.py, lags.py).
EXACT_WORKLOADS = {
    "short bursts (default demo)": [DEMO],
    "long phases": [DEMO, "-r", "8", "-f", "20000", "-s", "300", "-c", "20"],
    "short rounds": [DEMO, "-r", "40", "-f", "1000", "-s", "50", "-c", "10"],
}


def exact_studies(events):
    """-> (label, histories) for each of EXACT_WORKLOADS, RUNS (the first
    argument, default 10) exact histories of each, its header printed."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for p in (PMUX, DEMO):
        need(p)
    for label, W in EXACT_WORKLOADS.items():
        histories = list(exact_histories(events, W, runs))
        print(f"== {label}: {' '.join(W[1:]) or '(defaults)'}; {runs} runs")
        yield label, histories


def only(slices, event, sets):
    """The history as if only `sets` had counted `event`."""
    return [(k, w, x, {event: v[event]} if k in sets else {}) for k, w, x, v in slices]


def replays(histories, event, patterns):
    """-> (sets, history as if only they counted event, estimate, exact
    total, counted time) for each history and each set of sets."""
    for slices in histories:
        truth = sum(s[3][event] for s in slices)
        counted = sum(s[2] for s in slices)
        for sets in patterns:
            h = only(slices, event, sets)
            yield sets, h, shipped(h, counted, event), truth, counted


def observations(slices, event):
    """Slices where the event counted (any set listing it: pooled)."""
    return [(j, s) for j, s in enumerate(slices) if event in s[3] and s[2] > 0]


def ratio(slices, total, event, first_apart=True):
    obs = observations(slices, event)
    head = [s for j, s in obs if j == 0 and first_apart]
    rest = [s for j, s in obs if not (j == 0 and first_apart)]
    if not rest:
        return sum(s[3][event] for s in head) / sum(s[2] for s in head) * total
    fy = sum(s[3][event] for s in head)
    fx = sum(s[2] for s in head)
    return fy + sum(s[3][event] for s in rest) / sum(s[2] for s in rest) * (total - fx)


def poststrat(slices, total, event, cut=0.5):
    obs = [s for _, s in observations(slices, event)]
    strata = lambda s: s[2] / s[1] >= cut if s[1] > 0 else True
    X = sum(s[2] for s in slices)
    est = 0.0
    for h in (False, True):
        xh = sum(s[2] for s in slices if strata(s) == h)
        seen = [s for s in obs if strata(s) == h]
        if xh and not seen:
            return ratio(slices, total, event)
        if seen:
            est += sum(s[3][event] for s in seen) / sum(s[2] for s in seen) * xh
    return est * total / X


def idle(slices, total, event):
    obs = [s for _, s in observations(slices, event)]
    Z = sum(s[1] - s[2] for s in slices)
    return sum(s[3][event] for s in obs) / sum(s[1] - s[2] for s in obs) * Z


def shipped_fit(slices, total, event):
    """-> (estimate, g, residuals of the slices after the first), or None
    where pmux falls back to the ratio."""
    obs = observations(slices, event)
    head = [s for j, s in obs if j == 0]
    rest = [s for j, s in obs if j != 0]
    if not rest:
        return None
    fy = sum(s[3][event] for s in head)
    fx = sum(s[2] for s in head)
    fz = sum(s[1] - s[2] for s in head)
    xs = [s[2] for s in rest]
    zs = [s[1] - s[2] for s in rest]
    ys = [s[3][event] for s in rest]
    sxx = sum(x * x for x in xs)
    szz = sum(z * z for z in zs)
    sxz = sum(x * z for x, z in zip(xs, zs))
    sxy = sum(x * y for x, y in zip(xs, ys))
    szy = sum(z * y for z, y in zip(zs, ys))
    det = sxx * szz - sxz * sxz
    if len(rest) < 4 or det <= 1e-9 * sxx * szz:
        return None
    a = (szz * sxy - sxz * szy) / det
    b = (sxx * szy - sxz * sxy) / det
    X = sum(s[2] for s in slices) - fx
    # Slices where the target never ran are out of Z (core/rotation.c).
    Z = sum(s[1] - s[2] for s in slices if s[2] > 0) - fz
    # As estimate.c: no regression when the sets counted more time than
    # the slices lasted (threads side by side: z is no time off the CPU,
    # ONE_CLOCK_SLACK), nor when this set counted all of it.
    if X + fx > 1.05 * (Z + fz + X + fx) or X <= sum(xs) * (1 - 1e-12):
        return None
    g = X / sum(xs)
    dz = Z - g * sum(zs)
    y = g * sum(ys) + b * dz + a * (total - fx - X)
    if y < sum(ys):
        return None
    # The set's off-CPU time must be a sample of the run's (estimate.c's
    # balanced()): dz within 3 standard deviations of a systematic
    # sample's, from the residuals of the ratio estimate of Z.
    n = len(zs)
    rz = sum(zs) / sum(xs)
    res = [z - rz * x for x, z in zip(xs, zs)]
    d2 = sum((res[i] - res[i - 1]) ** 2 for i in range(1, n))
    if dz * dz > 9 * g * g * n * (1 - 1 / g) * d2 / (2 * (n - 1)):
        return None
    return fy + y, g, [y - a * x - b * z for x, y, z in zip(xs, ys, zs)]


def shipped(slices, total, event):
    fit = shipped_fit(slices, total, event)
    return fit[0] if fit else ratio(slices, total, event)


def shipped_bound(slices, total, event):
    """pmux's 95% bound replayed (core/estimate.c): successive differences
    of the residuals of whichever of the two fits gave the estimate."""
    fit = shipped_fit(slices, total, event)
    rest = [s for j, s in observations(slices, event) if j != 0]
    if len(rest) < 2:
        return None  # no spread to learn from (estimate.c: all unseen)
    if fit:
        g, res = fit[1], fit[2]
    else:
        r = sum(s[3][event] for s in rest) / sum(s[2] for s in rest)
        head = slices[0][2] if event in slices[0][3] else 0
        g = (total - head) / sum(s[2] for s in rest)
        res = [s[3][event] - r * s[2] for s in rest]
    n = len(res)
    if n < 2:
        return None
    d2 = sum((res[i] - res[i - 1]) ** 2 for i in range(1, n))
    return 1.96 * (g * g * n * (1 - 1 / g) * d2 / (2 * (n - 1))) ** 0.5


def edge_bound(g, res, cut=4.0):
    """A bound that counts the large successive differences (beyond `cut`
    robust standard deviations) as phase edges, each at the variance of an
    edge placed uniformly in the rotation, the rest as noise."""
    d = [res[i] - res[i - 1] for i in range(1, len(res))]
    n = len(res)
    scale = median([abs(v) for v in d]) / 0.6745 or 1e-12
    noise = sum(v * v for v in d if abs(v) <= cut * scale)
    edges = sum(v * v for v in d if abs(v) > cut * scale)
    var = g * g * n * (1 - 1 / g) * noise / (2 * (n - 1)) + \
        g * g * (1 / (3 * g) - 1 / (4 * g * g)) * edges
    return 1.96 * var ** 0.5


def interp(slices, total, event):
    seen = {j: s[3][event] / s[1] for j, s in observations(slices, event) if s[1] > 0}
    keys = sorted(seen)
    est, k = 0.0, 0
    for j, s in enumerate(slices):
        if j in seen:
            est += s[3][event]
            continue
        while k < len(keys) and keys[k] < j:
            k += 1
        lo = keys[k - 1] if k else None
        hi = keys[k] if k < len(keys) else None
        if lo is None or hi is None:
            rate = seen[hi if lo is None else lo]
        else:
            rate = seen[lo] + (seen[hi] - seen[lo]) * (j - lo) / (hi - lo)
        est += rate * s[1]
    return est * total / sum(s[2] for s in slices)


ESTIMATORS = {
    "shipped": shipped,
    "ratio": ratio,
    "ratio-all": lambda sl, t, e: ratio(sl, t, e, first_apart=False),
    "poststrat": poststrat,
    "idle": idle,
    "interp": interp,
}


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    for p in (PMUX, DEMO):
        need(p)
    workloads = {
        "short bursts (default demo)": [DEMO],
        "long phases": [DEMO, "-r", "8", "-f", "20000", "-s", "300", "-c", "20"],
    }
    sets = sum((["-S", s] for s in SETS), [])
    for label, W in workloads.items():
        truths = [perf_counts(DET, W) for _ in range(3)]
        truth = {e: median([t[e] for t in truths]) for e in DET}
        errs = {name: {e: [] for e in DET} for name in ESTIMATORS}
        agree = 0.0
        bounds = {"pmux's": [0, []], "edge-aware": [0, []]}
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(runs):
                path = os.path.join(tmp, f"slices.{r}")
                out = os.path.join(tmp, f"stat.{r}.json")
                run([PMUX, "stat", "--json", "-o", out, "--switch", "1ms"] + sets + ["--"] + W,
                    env=dict(os.environ, PMUX_DUMP_SLICES=path))
                slices, total = load(path)
                seen = set()
                for e in json.load(open(out))["events"]:
                    if not e["measured"]:  # no estimate (null)
                        sys.exit(f"bench: {e['name']} was never measured")
                    if e["name"] in DET and e["name"] not in seen:
                        seen.add(e["name"])
                        mine = shipped(slices, total, e["name"])
                        agree = max(agree, abs(e["estimate"] - mine) / mine)
                        mine_bound = shipped_bound(slices, total, e["name"])
                        if mine_bound:
                            agree = max(agree, abs(e["error_bound"] - mine_bound) / mine_bound)
                        miss = abs(e["estimate"] - truth[e["name"]])
                        fit = shipped_fit(slices, total, e["name"])
                        edge = edge_bound(fit[1], fit[2]) if fit else e["error_bound"]
                        for name, bnd in (("pmux's", e["error_bound"]), ("edge-aware", edge)):
                            bounds[name][0] += miss <= bnd
                            bounds[name][1].append(bnd / e["estimate"])
                for name, fn in ESTIMATORS.items():
                    for e in DET:
                        errs[name][e].append(abs(fn(slices, total, e) - truth[e]) / truth[e])
        print(f"== {label}: {' '.join(W[1:]) or '(defaults)'}; {runs} runs; truth {truth}")
        for name, per in errs.items():
            v = sum(per.values(), [])
            each = "  ".join(f"{e} {100 * median(per[e]):.2f}/{100 * max(per[e]):.2f}" for e in DET)
            print(f"   {name:>10}: median |error| {100 * median(v):5.2f}%  max {100 * max(v):6.2f}%"
                  f"   (median/max: {each})")
        print(f"   pmux's own estimates and bounds against 'shipped' replayed here: "
              f"largest difference {100 * agree:.4f}%")
        for name, (inside, widths) in bounds.items():
            print(f"   {name:>10} 95% bound: truths inside {inside}/{len(widths)}, "
                  f"median half-width {100 * median(widths):.1f}%")


if __name__ == "__main__":
    main()
