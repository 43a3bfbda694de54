#!/usr/bin/env bash
# Lost samples are counted, reported by record and stored in the file,
# never silent: a one-page ring and 4 processes sampled at 50 kHz each.
. "$PMUX_SRC/tests/e2e/lib.sh"
SPIN="$PMUX_BUILD/pmux-spin"
max=$(cat /proc/sys/kernel/perf_event_max_sample_rate 2>/dev/null || echo 0)
[ "$max" -ge 50000 ] || skip "perf_event_max_sample_rate $max < 50000"

lost=0
for try in 1 2 3; do
  "$PMUX" record -c 20000 -m 1 -o "$TMP/l.data" -- "$SPIN" 300 3 2>"$TMP/err"
  "$PMUX" report -i "$TMP/l.data" --json > "$TMP/l.json"
  lost=$(json_get "$TMP/l.json" 'd["lost"]')
  [ "$lost" -gt 0 ] && break
done
[ "$lost" -gt 0 ] || fail "no sample lost with a one-page ring"
grep -q "samples lost" "$TMP/err" || fail "record did not report the loss"
said=$(sed -n 's/.*WARNING: \([0-9,]*\) samples lost.*/\1/p' "$TMP/err" | tr -d ,)
[ "$said" = "$lost" ] || fail "record said $said lost, file says $lost"
pass "$lost samples lost, counted and stored"

# -q drops the summary, not the loss (pmux-record(1)).
for try in 1 2 3; do
  "$PMUX" record -q -c 20000 -m 1 -o "$TMP/q.data" -- "$SPIN" 300 3 2>"$TMP/err"
  "$PMUX" report -i "$TMP/q.data" --json > "$TMP/q.json"
  lost=$(json_get "$TMP/q.json" 'd["lost"]')
  [ "$lost" -gt 0 ] && break
done
[ "$lost" -gt 0 ] || fail "no sample lost with a one-page ring (-q)"
grep -q "WARNING: .* samples lost" "$TMP/err" \
  || fail "-q hid $lost lost samples: $(cat "$TMP/err")"
! grep -q "samples (" "$TMP/err" || fail "-q printed the summary"
pass "-q: $lost lost samples still reported"

# The default ring at 10 kHz: nothing lost (or the loss reported exactly).
"$PMUX" record -F 10000 -o "$TMP/d.data" -- "$SPIN" 500 2>"$TMP/err"
"$PMUX" report -i "$TMP/d.data" --json > "$TMP/d.json"
lost=$(json_get "$TMP/d.json" 'd["lost"]')
said=$(sed -n 's/.*WARNING: \([0-9,]*\) samples lost.*/\1/p' "$TMP/err" | tr -d ,)
[ "${said:-0}" = "$lost" ] || fail "10 kHz: record said '$said' lost, file says $lost"
pass "10 kHz with the default ring: $lost lost"

# A ring over the locked-memory allowance: refused with the limits named
# and the fix (as nobody: root has CAP_IPC_LOCK).  The limit is set here:
# a machine whose RLIMIT_MEMLOCK is unlimited (seen on a 16-core VM) took
# the ring.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  chmod 755 "$TMP"
  set +e
  (ulimit -l 64 &&
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
      "$PMUX" record -e cpu-clock:u -m 65536 -o "$TMP/m.data" -- "$SPIN" 20 2>"$TMP/err")
  rc=$?
  set -e
  [ $rc -eq 1 ] || fail "a 256 MiB ring as nobody: exit $rc"
  grep -q "perf_event_mlock_kb" "$TMP/err" && grep -q "RLIMIT_MEMLOCK" "$TMP/err" \
    || fail "mlock refusal does not explain: $(cat "$TMP/err")"
  pass "mlock limit explained"
fi
