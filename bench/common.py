"""Helpers shared by the benchmarks: locate the build, run commands, time them.

Every benchmark compares pmux against an anchor measured in the same run,
with the runs paired (A B A B ...), and prints ratios; absolute numbers are
printed for context only.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("PMUX_BUILD", os.path.join(os.path.dirname(__file__), "..", "build"))
PMUX = os.path.join(BUILD, "pmux")
DEMO = os.path.join(BUILD, "pmux-demo")
FLOOR = os.path.join(BUILD, "bench", "floor-monitor")

# The four sets of software events every multiplexing benchmark rotates.
SETS = ["page-faults,task-clock", "context-switches,task-clock",
        "minor-faults,task-clock", "cpu-clock,page-faults"]


def need(path):
    if not os.path.exists(path):
        sys.exit(f"bench: {path} is missing: build first (cmake --build build)")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def wall(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def own_cpu_ms(cmd):
    """CPU time of cmd's own process, not its children (perf --no-inherit)."""
    out = run(["perf", "stat", "--no-inherit", "-x,", "-e", "task-clock", "--"] + cmd)
    for line in out.stderr.splitlines():
        f = line.split(",")
        if len(f) > 2 and f[2] == "task-clock":
            return float(f[0])
    raise RuntimeError("no task-clock in perf output: " + out.stderr)


def pmux_stat_json(args, workload):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        run([PMUX, "stat", "--json", "-o", f.name] + args + ["--"] + workload)
        return json.load(open(f.name))


def perf_counts(events, workload):
    out = run(["perf", "stat", "-x,", "-e", ",".join(events), "--"] + workload)
    counts = {}
    for line in out.stderr.splitlines():
        f = line.split(",")
        if len(f) > 2 and re.match(r"^[0-9.]+$", f[0]):
            counts[f[2]] = float(f[0])
    return counts


def median(xs):
    return statistics.median(xs)
