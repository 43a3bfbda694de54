#!/usr/bin/env python3
"""Cost of `pmux record -e cpu-clock` against the bare workload and against
`perf record` with the same event and frequency, measured in the same run.

Workload: `pmux-spin wBLOCKS`, a fixed amount of work in spin_hot (6700
blocks: about 1.5 s on the test VM), so that wall time shows the cost.  Runs are paired (bare, pmux, perf, bare, pmux, perf ...) and the
medians compared; ratios are printed.  Issue 7's targets: at 1 kHz pmux at
most 1.05x bare; at 1 and 10 kHz below perf record.

Then: memory of `hist` and `kernel-hist` (max RSS of pmux) for about 10^4,
10^5 and 10^6 samples (cpu-clock every 10 us, two spinning processes, 8 s for 10^6), which
should stay flat; and the per-sample cost of `default`'s handler (from
tests/formats/test_formats, target 1 us).

usage: bench/record.py [--runs N] [--blocks N] [--formats default,hist]
                       [--no-memory]   (PMUX_BUILD: the build folder)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import BUILD, PMUX, median, need, wall  # noqa: E402

SPIN = os.path.join(BUILD, "pmux-spin")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--blocks", type=int, default=6700)
    ap.add_argument("--formats", default="default")
    ap.add_argument("--no-memory", action="store_true")
    a = ap.parse_args()
    need(PMUX)
    need(SPIN)
    work = [SPIN, f"w{a.blocks}"]
    tmp = tempfile.mkdtemp()
    out_p = os.path.join(tmp, "p.data")
    out_f = os.path.join(tmp, "perf.data")
    print(f"workload: {' '.join(work)}  runs: {a.runs} (paired, medians)")
    for hz in (1000, 10000):
        for fmt in a.formats.split(","):
            tools = {
                "bare": work,
                "pmux": [PMUX, "record", "-q", "-e", "cpu-clock", "-F", str(hz),
                         "--format", fmt, "-o", out_p, "--"] + work,
                "perf": ["perf", "record", "-q", "-e", "cpu-clock", "-F", str(hz),
                         "-o", out_f, "--"] + work,
            }
            t = {k: [] for k in tools}
            for _ in range(a.runs):
                for k, cmd in tools.items():
                    t[k].append(wall(cmd))
            m = {k: median(v) for k, v in t.items()}
            rep = json.loads(subprocess.run(
                [PMUX, "report", "-i", out_p, "--json"], check=True,
                capture_output=True, text=True).stdout)
            print(f"{hz:>6} Hz {fmt:<8} bare {m['bare']:.3f} s  "
                  f"pmux {m['pmux']:.3f} s ({m['pmux'] / m['bare']:.3f}x bare)  "
                  f"perf {m['perf']:.3f} s ({m['perf'] / m['bare']:.3f}x bare)  "
                  f"pmux/perf {m['pmux'] / m['perf']:.3f}  "
                  f"samples {rep['samples']} lost {rep['lost']}")
    if not a.no_memory:
        memory(tmp)
    t = os.path.join(BUILD, "tests", "formats", "test_formats")
    if os.path.exists(t):
        out = subprocess.run([t], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "ns per sample" in line:
                print("default format, user-space cost: " + line.strip())
    subprocess.run(["rm", "-rf", tmp])


def max_rss_kb(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return ru.ru_maxrss


def memory(tmp):
    out = os.path.join(tmp, "m.data")
    fmts = subprocess.run([PMUX, "formats"], capture_output=True, text=True).stdout
    for fmt in ("hist", "kernel-hist"):
        if not any(line.startswith(fmt + " ") for line in fmts.splitlines()):
            continue
        row = []
        for ms in (50, 500, 8000):
            rss = max_rss_kb([PMUX, "record", "-q", "-c", "10000", "--format", fmt,
                              "-o", out, "--", SPIN, str(ms), "1"])
            rep = json.loads(subprocess.run([PMUX, "report", "-i", out, "--json"],
                                            check=True, capture_output=True,
                                            text=True).stdout)
            row.append(f"{rep['samples'] + rep['lost']:>8} samples: {rss / 1024:.1f} MiB")
        print(f"{fmt:<12} max RSS  " + "   ".join(row))


if __name__ == "__main__":
    main()
