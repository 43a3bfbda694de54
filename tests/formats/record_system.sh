#!/usr/bin/env bash
# pmux record -a / -C: system-wide sampling while a command runs, with the
# same per-CPU leases as pmux stat -a (a second session names the holder).
. "$(dirname "$0")/../e2e/lib.sh"
[ "$(id -u)" = 0 ] || skip "system-wide sampling needs root or CAP_PERFMON"
SPIN="$PMUX_BUILD/pmux-spin"
export PMUX_RUNDIR="$TMP/run"

"$PMUX" record -q -C 0 -F 1000 -o "$TMP/sw.data" -- taskset -c 0 "$SPIN" ||
  fail "pmux record -C 0 failed"
"$PMUX" report -i "$TMP/sw.data" --json > "$TMP/sw.json"
python3 - "$TMP/sw.json" "$SPIN" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
assert d["samples"] > 50, d["samples"]
# The command's spin_hot: other processes (a pmux-spin of another build)
# are named too, each in its own row.
spin = os.path.realpath(sys.argv[2])
top = {(t["symbol"], os.path.realpath(t["dso"]) if t["dso"].startswith("/")
        else t["dso"]): t["percent"] for t in d["top"]}
assert top.get(("spin_hot", spin), 0) > 30, top  # the CPU's busiest function
PY
pass "record -C 0: the CPU's samples, the command's function on top"

# The summary counts its CPUs in words: "1 CPU", not "1 CPUs".
"$PMUX" record -C 0 -o "$TMP/one.data" -- true 2>"$TMP/one.err" ||
  fail "pmux record -C 0 -- true failed: $(cat "$TMP/one.err")"
grep -q "bytes, 1 CPU) in" "$TMP/one.err" || fail "summary: $(cat "$TMP/one.err")"
pass "record -C 0: the summary says 1 CPU"

# A process that was running before record started: its mappings come
# from /proc/PID/maps, so its samples are named, not "[unknown]".
cp "$SPIN" "$TMP/bgspin"
taskset -c 0 "$TMP/bgspin" 3000 &
bg=$!
for i in $(seq 50); do
  [ "$(readlink "/proc/$bg/exe" 2>/dev/null)" = "$TMP/bgspin" ] && break
  sleep 0.1
done
"$PMUX" record -q -C 0 -F 1000 -o "$TMP/bg.data" -- sleep 0.5 ||
  fail "pmux record -C 0 beside a running process failed"
kill "$bg" 2>/dev/null; wait "$bg" 2>/dev/null || true
"$PMUX" report -i "$TMP/bg.data" --json > "$TMP/bg.json"
python3 - "$TMP/bg.json" <<'PY' || fail "running process: $(cat "$TMP/bg.json")"
import json, sys
d = json.load(open(sys.argv[1]))
bg = [t for t in d["top"] if t["dso"].endswith("/bgspin")]
assert bg and bg[0]["symbol"] == "spin_hot", d["top"][:5]
PY
pass "record -C 0: a process already running is named"

# A system-wide stat holds CPU 0: record -C 0 is refused, naming it.
"$PMUX" stat -C 0 -o /dev/null -- sleep 5 &
holder=$!
for i in $(seq 50); do
  grep -q "pid=$holder " "$PMUX_RUNDIR/cpu0.lock" 2>/dev/null && break
  sleep 0.1
done
set +e
"$PMUX" record -q -C 0 -o "$TMP/no.data" -- true 2>"$TMP/err"
rc=$?
set -e
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null || true
[ $rc -ne 0 ] || fail "record took CPU 0 beside a system-wide stat"
grep -q "pid $holder" "$TMP/err" || fail "the holder is not named: $(cat "$TMP/err")"
grep -q "^pmux record" "$TMP/err" || fail "message not from record: $(cat "$TMP/err")"
pass "record -C 0 refused beside a holder, naming its pid"
