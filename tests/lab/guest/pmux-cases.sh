# pmux-cases.sh - the pmux lab cases, run by busybox sh inside one guest boot
# (tests/lab/lab-test.sh copies it in with pmux and insn_exact).  Truth comes
# from insn_exact's loop: `insn_exact spin N` retires N + a small constant user
# instructions; the guest's counters also count the kernel's instructions of
# interrupts that land in the loop (QEMU does not freeze them in the kernel),
# so "truth" below is the count of the same run measured alone, in one set.
#
# Cases: info, exact, multiplexing (pmux at 1 ms and the kernel at 4 and 1 ms),
# --mux=none refusal (sets, and pinned events beside them), automatic split,
# perf's generic events against the kernel's map,
# overflow switching, sampling in every format, assignment against the kernel.
# Usage: sh pmux-cases.sh CPU      (power8, power9, power10)
# Prints "case NAME: ok|FAIL|info ..." lines; exit 1 when a case fails.
# pmux stat prints its results on standard error, as perf stat: -o FILE keeps
# them apart from its messages.
# PMUX_LAB_STRICT=1 also fails on the issue's multiplexing target (median
# error at 1 ms <= 1% and below the kernel's), which is otherwise only printed.
CPU=$1
N=20000000
PMUX=./pmux
WORK=./insn_exact
fails=0

ok()   { echo "case $1: ok ${2:-}"; }
fail() { echo "case $1: FAIL $2"; fails=$((fails + 1)); }
info() { n=$1; shift; echo "case $n: info $*"; }

# csv_col FILE EVENT SET COLUMN: one field of pmux stat -x, output.
csv_col() {
  awk -F, -v e="$2" -v s="$3" -v c="$4" '
    /^event,set,raw,/ { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == e && $2 == s { print $col[c]; exit }' "$1"
}

# --- info: pmux names the guest's PMU, with the kernel's evidence beside it
$PMUX info > info.out 2>&1; rc=$?
cat info.out
if [ $rc -ne 0 ]; then fail info "pmux info exit $rc"
elif ! grep -q "libpfm4 PMU for this CPU: $CPU" info.out; then fail info "libpfm4 PMU is not $CPU"
elif ! grep -q '^hardware PMU: yes' info.out; then fail info "no hardware PMU reported"
else ok info "libpfm4 PMU $CPU, hardware PMU yes"
fi
D=/sys/bus/event_source/devices/cpu
info evidence "caps/pmu_name=$(cat $D/caps/pmu_name 2>/dev/null) nmi_watchdog=$(cat /proc/sys/kernel/nmi_watchdog)" \
  "mux_interval_ms=$(cat $D/perf_event_mux_interval_ms)" \
  "$(grep -E '^CONFIG_(HARDLOCKUP_DETECTOR|HAVE_HARDLOCKUP_DETECTOR_ARCH|HARDLOCKUP_DETECTOR_PERF)=' /etc/kernel.config | tr '\n' ' ')"
dmesg | grep -i 'performance monitor'
# Where pmux describes CPU: the description's counters are the kernel's PMC1-6,
# and its watchdog reservation matches the kernel: a perf-based hard-lockup
# detector (CONFIG_HARDLOCKUP_DETECTOR_PERF) would hold a counter; ppc64's own
# detector (HAVE_HARDLOCKUP_DETECTOR_ARCH) holds none.
if $PMUX info --pmu "$CPU" > desc.out 2>&1; then
  cat desc.out
  pmcs=$(awk '$1 ~ /^PMC[1-6]$/ { n++ } END { print n + 0 }' desc.out)
  if grep -q '^CONFIG_HARDLOCKUP_DETECTOR_PERF=y' /etc/kernel.config; then kwd=holds; else kwd=none; fi
  if grep -q -i -e 'watchdog takes no counter' -e 'no NMI watchdog counter' desc.out; then pwd=none; else pwd=holds; fi
  # This guest's reservation, where pmux prints one: no other PMU user, so
  # all six counters are free.
  free=$(awk '/free counters:/ { for (i = 3; i <= NF; i++) if ($i ~ /^PMC[1-6]$/) n++; print n + 0; exit }' desc.out)
  if [ "$pmcs" = 6 ] && [ "$kwd" = "$pwd" ] && [ "${free:-6}" = 6 ]; then
    ok info-desc "$CPU description: PMC1-6; watchdog counter: $pwd (kernel: $kwd); free counters here: ${free:-not printed}"
  else fail info-desc "$CPU description: $pmcs of PMC1-6; watchdog counter: $pwd, kernel: $kwd; free counters here: ${free:-not printed} of 6"
  fi
else
  info info-desc "skipped: pmux has no description of $CPU yet"
fi

# --- exact: one event alone, never multiplexed: count(2N) - count(N) is N plus
# the kernel's timer interrupts that land in N more loop iterations (about 0.5%
# here: QEMU does not freeze the counter in the kernel, see docs/lab.md), so
# within 1% of N; and it is measured 100% of the time.
$PMUX stat -x , --mux none -e instructions:u -o exact1.csv -- $WORK spin $N 2> exact.err || fail exact "pmux stat exit $?"
$PMUX stat -x , --mux none -e instructions:u -o exact2.csv -- $WORK spin $((2 * N)) 2>> exact.err || fail exact "pmux stat exit $?"
[ -s exact.err ] && { echo "pmux stat's messages:"; sort -u exact.err; }
c1=$(csv_col exact1.csv instructions:u 0 raw); c2=$(csv_col exact2.csv instructions:u 0 raw)
f1=$(csv_col exact1.csv instructions:u 0 fraction)
if [ -z "$c1" ] || [ -z "$c2" ]; then cat exact1.csv exact2.csv; fail exact "no count"
else
  d=$(awk -v a="$c1" -v b="$c2" -v n=$N 'BEGIN { printf "%.4f", ((b - a) - n) * 100 / n }')
  if awk -v d="$d" -v f="$f1" 'BEGIN { exit !(d < 1 && d > -1 && f == 1) }'; then
    ok exact "count(N)=$c1 count(2N)-count(N)-N = $d% of N=$N, measured fraction $f1"
  else fail exact "count(N)=$c1 count(2N)=$c2 (difference off by $d% of N), fraction $f1"
  fi
fi
TRUTH=${c1:-$N}

# --- multiplexing: 4 sets that each fill PMC1-4, so no two fit together and
# exactly one is on the PMU at any time.  Set i counts PM_INST_CMPL on PMC(i+1)
# (a name no other set has) beside PM_CYC fillers on the other three counters.
# The truth of the same run is the sum of the four raw instruction counts.
# Run under lab.sh --icount (see docs/lab.md): without it QEMU's instruction
# rate per unit of guest time swings with translation and host load, and every
# time-scaled estimate (pmux's or the kernel's) is off by tens of percent.
SETS="-S r10002,r2001e,r3001e,r4001e -S r1001e,r20002,r3001e,r4001e -S r1001e,r2001e,r30002,r4001e -S r1001e,r2001e,r3001e,r40002"
INSN="r10002 r20002 r30002 r40002"
R=3
# mux_case NAME PMUX-OPTIONS...: R runs; print each set's error against the
# truth of its run, leave the median |error| of all R*4 estimates in MEDIAN.
mux_case() {
  name=$1; shift
  : > "$name.err"
  r=0
  while [ $r -lt $R ]; do
    r=$((r + 1))
    rm -f "$name.csv" # -o leaves the last run's where a run never starts
    # shellcheck disable=SC2086
    $PMUX stat -x , "$@" $SETS -o "$name.csv" -- $WORK spin $N 2> "$name.msg" ||
      { rc=$?; cat "$name.csv" "$name.msg" 2>/dev/null; fail "$name" "pmux stat exit $rc"; MEDIAN=; return; }
    awk -F, -v names="$INSN" -v n="$name#$r" '
      BEGIN { k = 0; split(names, w, " "); for (i in w) want[w[i]] = 1 }
      NR > 1 && ($1 in want) { ev[k] = $1; raw[k] = $3; est[k] = $4; fr[k] = $9; k++; t += $3 }
      END { if (k != 4 || t == 0) exit 1
            for (i = 0; i < k; i++) { e = (est[i] - t) * 100 / t
              printf "  %s %s: raw %d estimate %.0f fraction %s truth %d error %+.2f%%\n", n, ev[i], raw[i], est[i], fr[i], t, e > "/dev/stderr"
              print (e < 0 ? -e : e) } }' "$name.csv" >> "$name.err" ||
      { cat "$name.csv"; fail "$name" "not 4 instruction counts in the output"; MEDIAN=; return; }
  done
  MEDIAN=$(sort -n "$name.err" | awk '{ v[n++] = $1 } END { printf "%.2f", n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }')
  MAX=$(sort -n "$name.err" | tail -n 1)
  info "$name" "median |error| $MEDIAN% (max $MAX%) over $R runs x 4 sets; truth of each run = the sum of its 4 raw counts"
}
mux_case mux-user-1ms --switch 1ms; m_user=$MEDIAN
mux_case mux-user-4ms --switch 4ms; m_user4=$MEDIAN
echo 4 > $D/perf_event_mux_interval_ms
mux_case mux-kernel-4ms --mux kernel; m_k4=$MEDIAN
echo 1 > $D/perf_event_mux_interval_ms
mux_case mux-kernel-1ms --mux kernel; m_k1=$MEDIAN
echo 4 > $D/perf_event_mux_interval_ms
# The issue's target: pmux at 1 ms has a median error of at most 1% and below
# the kernel's own multiplexing at the same 1 ms; beside the kernel's default
# 4 ms it is only printed, with pmux at the same 4 ms.
if [ -n "$m_user" ] && [ -n "$m_k4" ] && [ -n "$m_k1" ]; then
  vs4=$(awk -v u="$m_user" -v a="$m_k4" 'BEGIN { print (u < a) ? "below" : "not below" }')
  msg="pmux 1 ms median error $m_user%, kernel 1 ms $m_k1%, kernel 4 ms $m_k4% (pmux at 1 ms $vs4 the kernel's 4 ms; pmux at 4 ms ${m_user4:-?}%)"
  if awk -v u="$m_user" -v b="$m_k1" 'BEGIN { exit !(u <= 1 && u < b) }'; then
    ok mux-target "$msg"
  elif [ "${PMUX_LAB_STRICT:-0}" = 1 ]; then
    fail mux-target "$msg; target: pmux <= 1% and below the kernel at 1 ms"
  else
    info mux-target "NOT MET: $msg; target: pmux <= 1% and below the kernel at 1 ms"
  fi
fi

# --- --mux=none: refuse, before the command runs, sets that the PMU cannot
# count at once; one set that fills PMC1-4 runs unscaled.  And -e with more
# events than PMC1-4 hold: split by counter assignment into sets that fit.
ONE="r10002,r2001e,r3001e,r4001e"
$PMUX stat -x , --mux none -S $ONE -o none1.csv -- $WORK spin 1000 2> none1.err; rc1=$?
$PMUX stat -x , --mux none -S $ONE -S r1001e,r20002,r3001e,r4001e -o none2.csv -- $WORK spin 1000 2> none2.err; rc2=$?
f1=$(csv_col none1.csv r10002 0 fraction)
if [ $rc1 -eq 0 ] && [ "$f1" = "1.000000" ] && [ $rc2 -ne 0 ] && grep -q -- '--mux=none: set 1 cannot be counted' none2.err; then
  ok mux-none "one set: exit 0, fraction $f1; two sets on PMC1-4: exit $rc2, '$(head -n 1 none2.err)'"
else
  cat none1.err none2.err
  fail mux-none "one set: exit $rc1 fraction ${f1:-none}; two sets on PMC1-4: exit $rc2 (want 0, 1.000000, non-zero with the set named)"
fi
# Pinned events are counted beside the sets: a set that fills PMC1-4 and
# a pinned PMC1 event do not fit together, and are refused before the run.
$PMUX stat -x , --mux none -S $ONE --pin r1001e -o none3.csv -- $WORK spin 1000 2> none3.err; rc3=$?
if [ $rc3 -ne 0 ] && grep -q -- '--mux=none: the pinned events cannot be counted at the same time as the sets' none3.err; then
  ok mux-none-pinned "exit $rc3, '$(head -n 1 none3.err)'"
else
  cat none3.err
  fail mux-none-pinned "a full set and a pinned PMC1 event: exit $rc3 (want non-zero, naming the pinned events)"
fi
$PMUX stat --json --switch 1ms -e r10002,r2001e,r3001e,r4001e,r20002,r1001e -o split.json -- $WORK spin $N 2> split.err
rc=$?
nsets=$(tr '{' '\n' < split.json | sed -n 's/.*"set":\([0-9]*\).*/\1/p' | sort -u | wc -l)
if [ $rc -eq 0 ] && grep -q '"auto_split":true' split.json && [ "$nsets" -ge 2 ] && grep -q 'split into' split.err; then
  ok auto-split "6 events on PMC1/PMC2 twice: $nsets sets; '$(grep 'split into' split.err | head -n 1)'"
else
  cat split.err; head -c 600 split.json; echo
  fail auto-split "exit $rc, sets ${nsets:-none} (want >= 2, auto_split true and the warning)"
fi

# --- perf's generic events: the description's <generic> rows against the
# kernel's own map, which it publishes in sysfs (events/cpu-cycles holds
# "event=0x..."); a generic name the kernel does not publish, pmux refuses.
gbad=""; gn=0
for g in cpu-cycles instructions branch-instructions branch-misses cache-references \
         cache-misses stalled-cycles-frontend stalled-cycles-backend; do
  pc=$($PMUX check --pmu "$CPU" --no-reserve -S "$g" --json 2>/dev/null |
       sed -n 's/.*"code": "\(0x[0-9a-f]*\)".*/\1/p')
  if [ -r "$D/events/$g" ]; then
    kc=$(sed -n 's/.*event=\(0x[0-9a-fA-F]*\).*/\1/p' "$D/events/$g")
    if [ -n "$pc" ] && [ -n "$kc" ] && [ "$(printf %d "$pc")" = "$(printf %d "$kc")" ]; then gn=$((gn + 1))
    else gbad="$gbad $g(kernel ${kc:-?}, pmux ${pc:-none})"; fi
  elif [ -n "$pc" ]; then gbad="$gbad $g(kernel none, pmux $pc)"
  else gn=$((gn + 1))
  fi
done
if [ -z "$gbad" ]; then ok generic-map "$CPU: the 8 generic events agree with the kernel's sysfs map"
else fail generic-map "$CPU: disagree with the kernel's sysfs map:$gbad"; fi
# pmux info reads the same files itself (events/ through format/): it must
# find that agreement on all ten (bus-cycles and ref-cycles: neither side).
if grep -q "the kernel's map (sysfs) and the description agree on 10 of 10" info.out; then
  ok generic-info "$(grep 'map (sysfs)' info.out)"
else
  grep -A4 'generic events' info.out
  fail generic-info "pmux info does not find the sysfs map and the description in agreement"
fi
# ... and a list of them is split where they do not fit together (POWER9's
# branches and branch-misses both need PMC4), and every event is counted.
$PMUX stat --json -e cycles,instructions,branches,branch-misses,cache-references,cache-misses \
  -o gsplit.json -- $WORK spin $N 2> gsplit.err
rc=$?
nsets=$(tr '{' '\n' < gsplit.json | sed -n 's/.*"set":\([0-9]*\).*/\1/p' | sort -u | wc -l)
if [ $rc -eq 0 ] && ! grep -q '"measured":false' gsplit.json && ! grep -q '"supported":false' gsplit.json &&
   ! grep -q 'cannot plan a split' gsplit.err; then
  ok generic-split "6 generic events: $nsets set(s), all measured; '$(grep 'split into' gsplit.err | head -n 1)'"
else
  cat gsplit.err; head -c 600 gsplit.json; echo
  fail generic-split "exit $rc, $nsets set(s): an event not measured or not planned"
fi

# --- overflow switching on a hardware trigger: each set switches after 2
# overflows of instructions sampled every 100000, so about
# instructions-counted-by-the-trigger / 200000 runs (needs PMU interrupts).
P=100000; K=2
$PMUX stat -x , -S "r10002;switch=instructions/$P/$K" -S "r20002;switch=instructions/$P/$K" \
  -o overflow.csv -- $WORK spin $N 2> overflow.err || { cat overflow.err; fail overflow "pmux stat exit $?"; }
cat overflow.csv
trig=$(awk -F, 'NR > 1 && $1 == "instructions" { s += $3 } END { print s + 0 }' overflow.csv)
if [ "${trig:-0}" -gt 0 ]; then
  # The CSV has no per-set run counts: the JSON does.
  $PMUX stat --json -S "r10002;switch=instructions/$P/$K" -S "r20002;switch=instructions/$P/$K" \
    -o overflow.json -- $WORK spin $N 2>/dev/null
  runs=$(tr '{' '\n' < overflow.json | sed -n 's/.*"switch":"overflow","runs":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
  trig=$(tr '{' '\n' < overflow.json | sed -n 's/.*"name":"instructions".*"raw":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
  expect=$(awk -v t="$trig" -v p=$P -v k=$K 'BEGIN { printf "%d", t / (p * k) }')
  if [ "${runs:-0}" -eq 0 ]; then fail overflow "no overflow switches (runs ${runs:-none}); PMU interrupts missing?"
  elif awk -v r="$runs" -v e="$expect" 'BEGIN { d = (r - e) / e; exit !(d <= 0.1 && d >= -0.1) }'; then
    ok overflow "runs $runs, trigger counted $trig instructions: expected $expect runs (within 10%)"
  else fail overflow "runs $runs, trigger counted $trig instructions: expected $expect runs (more than 10% off)"
  fi
else fail overflow "trigger counted nothing"
fi

# --- sampling on a hardware event, in every format: pmux record -e
# instructions -c P of the loop gives about TRUTH/P samples (within 2%), no
# sample lost, and pmux report's top symbol is the loop's function, spin.
P=100000
expect=$(awk -v t="$TRUTH" -v p=$P 'BEGIN { printf "%d", t / p }')
for fmt in $($PMUX formats | awk '/^[a-z]/ { print $1 }'); do
  if ! $PMUX record -q -e instructions -c $P --format "$fmt" -o "s.$fmt" -- $WORK spin $N 2> "s.$fmt.err"; then
    cat "s.$fmt.err"; fail "sample-$fmt" "pmux record exit status not 0"; continue
  fi
  $PMUX report -i "s.$fmt" --json -n 1 > "s.$fmt.json" 2>> "s.$fmt.err" || { cat "s.$fmt.err"; fail "sample-$fmt" "pmux report failed"; continue; }
  n=$(sed -n 's/.*"samples":\([0-9]*\),"recorded".*/\1/p' "s.$fmt.json")
  lost=$(sed -n 's/.*"lost":\([0-9]*\),.*/\1/p' "s.$fmt.json")
  top=$(sed -n 's/.*"top":\[{"symbol":"\([^"]*\)".*/\1/p' "s.$fmt.json")
  if [ -n "$n" ] && awk -v n="$n" -v e="$expect" 'BEGIN { d = (n - e) / e; exit !(d <= 0.02 && d >= -0.02) }' &&
     [ "$lost" = 0 ] && [ "$top" = spin ]; then
    ok "sample-$fmt" "$n samples (expected $expect within 2%), lost $lost, top symbol $top"
  else
    cat "s.$fmt.json"; echo
    fail "sample-$fmt" "${n:-no} samples (expected $expect within 2%), lost ${lost:-?}, top symbol '${top:-?}' (expected spin)"
  fi
done

# --- assignment against the kernel: random groups of events that each open
# alone, judged by `pmux check --pmu CPU` and by whether the guest kernel opens
# them as one perf group (insn_exact groups).  Needs pmux's description of CPU.
NGROUPS=${PMUX_LAB_NGROUPS:-150}
# check_sets FILE: each line of FILE (comma-separated event names) as one -S
# set, in calls of at most 40 sets (pmux check takes 256 events a call);
# prints per set "yes|no CONFIGS..." from pmux check --json.
check_sets() {
  rm -f chunk.*
  awk '{ print > ("chunk." int((NR - 1) / 40)) }' "$1"
  i=0
  while [ -f chunk.$i ]; do
    set --
    while read -r line; do set -- "$@" -S "$line"; done < chunk.$i
    { $PMUX check --pmu "$CPU" --json "$@" 2> check.err; echo; } | tr -d '\n' | sed 's/{"fits": /\n&/g; s/$/\n/' | sed 1d |
      awk '{ out = index($0, "{\"fits\": true") == 1 ? "yes" : "no"; rest = $0
             while (match(rest, /"config": "[0-9a-fx]*"/)) {
               out = out " " substr(rest, RSTART + 11, RLENGTH - 12); rest = substr(rest, RSTART + RLENGTH) }
             print out }'
    i=$((i + 1))
  done
}
if $PMUX info --pmu "$CPU" > /dev/null 2>&1; then
  $PMUX list --pmu "$CPU" | awk 'NR > 1 && $1 ~ /^PM_/ { print $1 }' > names.all
  check_sets names.all > alone.pmux
  # The kernel's verdict on each event alone, by its code as pmux encodes it.
  cut -d ' ' -f 2 alone.pmux | ./insn_exact groups > alone.kernel
  paste -d ' ' names.all alone.pmux alone.kernel | awk '$2 == "yes" && $4 == "yes" { print $1 }' > names.ok
  [ -s names.ok ] || { fail assign "no $CPU event opens alone (pmux check or the kernel refuse all)"; head -n 3 check.err alone.pmux alone.kernel; }
  refused=$(paste -d ' ' alone.pmux alone.kernel | awk '$1 == "yes" && $3 != "yes"' | wc -l)
  info assign-alone "$(wc -l < names.all) $CPU events: $(wc -l < names.ok) open alone in pmux and the kernel; $refused that pmux accepts alone the kernel refuses alone (left out)"
  paste -d ' ' names.all alone.pmux alone.kernel | awk '$2 == "yes" && $4 != "yes" { print "  refused alone by the kernel: " $1 " " $3 }' | head -n 5
  # Random groups of 2-6 of those events, a fixed seed per CPU.
  awk -v n="$NGROUPS" -v seed="${CPU#power}" '
    { name[c++] = $1 }
    END { srand(seed); for (g = 0; g < n; g++) { k = 2 + int(rand() * 5); line = ""
            for (i = 0; i < k; i++) line = line (i ? "," : "") name[int(rand() * c)]; print line } }' names.ok > groups.txt
  check_sets groups.txt > groups.pmux
  cut -d ' ' -f 2- groups.pmux | ./insn_exact groups > groups.kernel
  paste -d '|' groups.txt groups.pmux groups.kernel | awk -F'|' '
    { split($2, p, " "); split($3, k, " ")
      if (p[1] == k[1]) agree++; else { dis++; printf "  disagree: {%s}: pmux %s, kernel %s\n", $1, p[1] == "yes" ? "fits" : "does not fit", $3 }
      if (k[1] == "yes") kyes++ }
    END { printf "%d %d %d\n", agree, dis, kyes }' > assign.out
  grep '^  disagree' assign.out | head -n 20
  # shellcheck disable=SC2046 # three numbers
  set -- $(tail -n 1 assign.out)
  total=$(($1 + $2))
  if [ "$total" -lt "$NGROUPS" ]; then fail assign "only $total of $NGROUPS groups judged by both"; cat check.err
  elif [ "$2" -eq 0 ]; then ok assign "$CPU: $1/$total groups agree with the kernel ($3 accepted by it)"
  elif [ "${PMUX_LAB_STRICT:-0}" = 1 ]; then fail assign "$CPU: $2 of $total groups disagree with the kernel ($3 accepted by it)"
  else info assign "NOT MET: $CPU: $1/$total groups agree, $2 disagree with the kernel ($3 accepted by it; target 100%)"
  fi
else
  info assign "skipped: pmux has no description of $CPU yet (pmux info --pmu $CPU fails)"
fi

echo "cases failed: $fails"
[ $fails -eq 0 ]
