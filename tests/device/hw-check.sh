#!/usr/bin/env bash
# hw-check.sh BUILD_DIR OUT_DIR - what pmux does on a machine with a real
# hardware PMU: the host's PMU, hardware counting, pmux's rotation against
# the kernel's multiplexing on instructions (exact truth: counted alone),
# --mux=none refusing sets that cannot count together, and overflow
# switching on a hardware trigger.  Needs a statically built pmux and
# pmux-demo (cmake -DPMUX_STATIC=ON); python3 for the summary if present.
# Prints everything (pmux stat's tables, on standard error, as perf stat's,
# joined to standard output: 2>&1); saves the JSON under OUT_DIR.
set -u
B=${1:-build-static}
OUT=${2:-/tmp/pmux-hw}
mkdir -p "$OUT"
P=$B/pmux
D=$B/pmux-demo
W=("$D" -r 10 -f 200 -s 20 -c 20)

echo "== host"
uname -a; nproc
grep -m1 'model name' /proc/cpuinfo
ls /sys/bus/event_source/devices/
cat /sys/bus/event_source/devices/cpu*/caps/pmu_name 2>/dev/null
echo "paranoid=$(cat /proc/sys/kernel/perf_event_paranoid) nmi_watchdog=$(cat /proc/sys/kernel/nmi_watchdog 2>/dev/null)"
echo "mux_interval_ms=$(cat /sys/bus/event_source/devices/cpu*/perf_event_mux_interval_ms 2>/dev/null | head -1)"
command -v perf >/dev/null && perf stat -e cycles,instructions true 2>&1 | tail -6

echo "== pmux info / stat with hardware events"
"$P" info 2>&1 | head -30
"$P" stat -e cycles,instructions,branches,branch-misses,task-clock -- "${W[@]}" 2>&1
if ! "$P" stat --json -e instructions:u -o "$OUT/probe.json" -- true ||
   grep -q '"supported":false' "$OUT/probe.json"; then
  echo "== no hardware counting here: stopping"
  exit 0
fi

echo "== truth: instructions:u alone, 3 runs"
for i in 1 2 3; do "$P" stat --json -e instructions:u -o "$OUT/truth$i.json" -- "${W[@]}"; done

SET="instructions:u,cycles:u,branches:u,branch-misses:u,cache-misses:u"
S=(-S "$SET" -S "$SET" -S "$SET" -S "$SET")
echo "== 4 sets that cannot count together: user mux at 1 ms, kernel mux, 3 runs each"
for i in 1 2 3; do
  "$P" stat --json --switch 1ms "${S[@]}" -o "$OUT/user$i.json" -- "${W[@]}"
  "$P" stat --json --mux=kernel "${S[@]}" -o "$OUT/kernel$i.json" -- "${W[@]}"
done
"$P" stat --switch 1ms "${S[@]}" -- "${W[@]}" 2>&1
"$P" stat --mux=kernel "${S[@]}" -- "${W[@]}" 2>&1

echo "== --mux=none: one set must run, four must be refused"
"$P" stat --mux=none -S "$SET" -o /dev/null -- true; echo "one set: exit $?"
"$P" stat --mux=none "${S[@]}" -o /dev/null -- true; echo "four sets: exit $? (want non-zero)"

echo "== overflow switching on a hardware trigger"
"$P" stat --json -S "instructions:u,branches:u;switch=instructions:u/10000000/1" \
  -S "cycles:u;switch=1ms" -o "$OUT/overflow.json" -- "${W[@]}"
"$P" stat -S "instructions:u,branches:u;switch=instructions:u/10000000/1" -S "cycles:u;switch=1ms" -- "${W[@]}" 2>&1

command -v python3 >/dev/null || { echo "no python3: see the JSON in $OUT"; exit 0; }
python3 - "$OUT" <<'PY'
import json, statistics, sys, os
o = sys.argv[1]
L = lambda f: json.load(open(os.path.join(o, f)))
truth = statistics.median(L(f"truth{i}.json")["events"][0]["raw"] for i in (1, 2, 3))
print(f"truth instructions:u = {truth:.0f}")
for mode in ("user", "kernel"):
    errs, inside = [], 0
    for i in (1, 2, 3):
        for e in L(f"{mode}{i}.json")["events"]:
            if e["name"] == "instructions:u":
                if not e["measured"]:  # no estimate (null): its set never ran
                    sys.exit(f"{mode}{i}: instructions:u never measured")
                err = abs(e["estimate"] - truth) / truth
                errs.append(err)
                inside += abs(e["estimate"] - truth) <= e["error_bound"]
                fr = e["fraction"]
    print(f"{mode:>6} mux: median error {100*statistics.median(errs):.3f}%  max {100*max(errs):.3f}%  "
          f"inside bound {inside}/{len(errs)}  (last fraction {fr:.3f})")
d = L("overflow.json")
ins = d["events"][0]["raw"]
print(f"overflow: set 0 saw {ins} instructions, ran {d['sets'][0]['runs']} times "
      f"(about {ins/1e7:.1f} expected)")
PY
