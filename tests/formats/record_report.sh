#!/usr/bin/env bash
# Each format round-trips: record a workload that spends nearly all its
# time in spin_hot(), report it, and the numbers agree (samples decoded ==
# samples recorded, top symbol spin_hot); children are followed; the exit
# status is the command's.
. "$PMUX_SRC/tests/e2e/lib.sh"
SPIN="$PMUX_BUILD/pmux-spin"

"$PMUX" formats > "$TMP/formats"
for f in default compact hist; do
  grep -q "^$f " "$TMP/formats" || fail "pmux formats does not list $f"
done
# every description starts in one column (kernel-hist's ran into its name)
cols=$(awk '!/^ / { match($0, /^[^ ]+ +/); print RLENGTH }' "$TMP/formats" | sort -u)
[ "$(wc -l <<<"$cols")" = 1 ] || fail "pmux formats: descriptions start at columns $(tr '\n' ' ' <<<"$cols")"
"$PMUX" formats --json > "$TMP/formats.json"
[ "$(json_get "$TMP/formats.json" 'len(d)')" -ge 3 ] || fail "formats --json"

for fmt in default compact hist default:entries=16 default:full=wrap; do
  "$PMUX" record -q -F 1000 --format "$fmt" -o "$TMP/s.data" -- "$SPIN" 400 1 \
    || fail "record --format $fmt failed"
  "$PMUX" report -i "$TMP/s.data" --json > "$TMP/r.json" \
    || fail "report of $fmt failed"
  n=$(json_get "$TMP/r.json" 'd["samples"]')
  rec=$(json_get "$TMP/r.json" 'd["recorded"]')
  top=$(json_get "$TMP/r.json" 'd["top"][0]["symbol"]')
  pct=$(json_get "$TMP/r.json" 'int(d["top"][0]["percent"])')
  name=$(json_get "$TMP/r.json" 'd["format"]')
  [ "$name" = "${fmt%%:*}" ] || fail "$fmt: report says format $name"
  [ "$top" = spin_hot ] || fail "$fmt: top symbol $top, want spin_hot"
  [ "$pct" -ge 80 ] || fail "$fmt: spin_hot only $pct%"
  # Two processes x 0.4 s x 1 kHz: about 800 samples (fewer on a loaded
  # machine: cpu-clock counts only while they run).
  [ "$rec" -ge 20 ] && [ "$rec" -le 1200 ] || fail "$fmt: $rec samples recorded"
  if [ "$fmt" = default:full=wrap ]; then
    [ "$n" -eq 4096 ] || [ "$n" -eq "$rec" ] || fail "$fmt: $n decoded of $rec"
  else
    [ "$n" -eq "$rec" ] || fail "$fmt: $n samples decoded, $rec recorded"
  fi
  pass "$fmt: $n samples, top spin_hot $pct%"
done

# full=wrap keeps the last entries only: the human header says how many
# were recorded (it said "samples: 8  lost: 0", the rest hidden).
"$PMUX" record -q -e page-faults -c 1 --format default:entries=8,full=wrap \
  -o "$TMP/w.data" -- "$SPIN" 10 || fail "record full=wrap"
"$PMUX" report -i "$TMP/w.data" --json > "$TMP/w.json" || fail "report full=wrap"
rec=$(json_get "$TMP/w.json" 'd["recorded"]')
[ "$(json_get "$TMP/w.json" 'd["samples"]')" -eq 8 ] && [ "$rec" -gt 8 ] \
  || fail "full=wrap: $(cat "$TMP/w.json")"
"$PMUX" report -i "$TMP/w.data" > "$TMP/w.txt" || fail "report full=wrap"
hdr=$(grep '^# samples' "$TMP/w.txt")
[ "$(echo "$hdr" | tr -d ,)" = "# samples: 8 (of $rec recorded)  lost: 0" ] \
  || fail "full=wrap: header '$hdr', $rec recorded"
pass "full=wrap: 8 of $rec samples, said in the header"

# Human output and the other sort keys.
"$PMUX" report -i "$TMP/s.data" > "$TMP/human" || fail "human report"
grep -q "spin_hot" "$TMP/human" || fail "human report: $(cat "$TMP/human")"
"$PMUX" report -i "$TMP/s.data" --sort ip --json > "$TMP/ip.json"
grep -q "^0x.* spin_hot$" <<<"$(json_get "$TMP/ip.json" 'd["top"][0]["symbol"]')" \
  || fail "--sort ip"
"$PMUX" record -q --format compact -o "$TMP/s.data" -- "$SPIN" 100
"$PMUX" report -i "$TMP/s.data" --sort set --json > "$TMP/set.json"
[ "$(json_get "$TMP/set.json" 'd["top"][0]["set"]')" = 0 ] || fail "--sort set"
pass "sort keys"

# Two programs with a function of the same name: two rows, each with its
# object, not one row of "[several]".
cp "$SPIN" "$TMP/spin2"
"$PMUX" record -q -o "$TMP/two.data" -- sh -c '"$1" 300 & "$2" 300; wait' sh \
  "$SPIN" "$TMP/spin2"
"$PMUX" report -i "$TMP/two.data" --json > "$TMP/two.json"
objs=$(json_get "$TMP/two.json" \
  '" ".join(sorted(t["dso"].split("/")[-1] for t in d["top"] if t["symbol"] == "spin_hot"))')
[ "$objs" = "pmux-spin spin2" ] || fail "spin_hot of two programs: objects '$objs'"
pass "same symbol in two programs: two rows"

# The file is its owner's only (mode 0600, as perf record's), whatever
# the umask: it holds kernel addresses and, with -a, every process's.
rm -f "$TMP/p.data"
(umask 022; "$PMUX" record -q -o "$TMP/p.data" -- true)
mode=$(stat -c %a "$TMP/p.data")
[ "$mode" = 600 ] || fail "sample file created with mode $mode, want 600"
pass "sample file mode 600"

# Exit status like stat.
set +e
"$PMUX" record -q -o "$TMP/x.data" -- sh -c 'exit 7'; rc=$?
[ $rc -eq 7 ] || fail "exit 7 gave $rc"
"$PMUX" record -q -o "$TMP/x.data" -- sh -c 'kill -SEGV $$'; rc=$?
[ $rc -eq 139 ] || fail "SIGSEGV gave $rc"
"$PMUX" record -q -o "$TMP/x.data" -- /nonexistent/cmd 2>"$TMP/err"; rc=$?
[ $rc -eq 127 ] || fail "missing command gave $rc"
grep -q /nonexistent/cmd "$TMP/err" || fail "error does not name the command"
"$PMUX" record --format nosuch -- true 2>"$TMP/err"; rc=$?
[ $rc -ne 0 ] && grep -q "known: default" "$TMP/err" || fail "unknown format"
"$PMUX" record -m 3 -- true 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "-m 3 accepted"
set -e
pass "exit statuses and errors"

# Sets: only the active set samples and each sample carries its set.  With
# slices of 20 ms and 5 ms, set 0 should get about 80% of the samples.
"$PMUX" record -q -F 1000 -S 'cpu-clock;switch=20ms' -S 'task-clock;switch=5ms' \
  -o "$TMP/sets.data" -- "$SPIN" 600
"$PMUX" report -i "$TMP/sets.data" --sort set --json > "$TMP/sets.json"
p0=$(json_get "$TMP/sets.json" 'int(sum(t["percent"] for t in d["top"] if t["set"] == 0))')
p1=$(json_get "$TMP/sets.json" 'int(sum(t["percent"] for t in d["top"] if t["set"] == 1))')
[ "$p0" -ge 65 ] && [ "$p0" -le 92 ] && [ "$p1" -ge 8 ] || fail "set shares $p0% / $p1%, want about 80 / 20"
"$PMUX" record -q --format compact -S 'cpu-clock' -S 'cpu-clock' -o "$TMP/sets.data" -- "$SPIN" 300
"$PMUX" report -i "$TMP/sets.data" --sort set --json > "$TMP/sets.json"
[ "$(json_get "$TMP/sets.json" 'len(d["top"])')" -eq 2 ] || fail "compact lost the sets"
# Overflow switching: record_overflow_switch.sh.
pass "sets: $p0% / $p1% of the samples"

# Sampled counter values (perfmon2's sampled PMDs): the set's other events
# are read at each sample; checked with an independent reader of the
# documented layout.
"$PMUX" record -q -F 1000 -S 'cpu-clock,page-faults,task-clock' -o "$TMP/v.data" -- "$SPIN" 300
python3 "$PMUX_SRC/tests/formats/read_default.py" "$TMP/v.data" > "$TMP/v.json"
spin_id=$(readelf -n "$SPIN" 2>/dev/null | sed -n 's/.*Build ID: *//p')
python3 - "$TMP/v.json" "$(readlink -f "$SPIN")" "$spin_id" <<'PY' || fail "sampled values"
import json, sys
d = json.load(open(sys.argv[1]))
# MAP_BUILD_IDS (12) only where the kernel gives mappings' build-ids (5.12)
assert [x for x in d["sections"] if x != 12] == [1, 2, 3, 4, 5, 6, 10, 11, 7, 8, 9, 0xFFFF], d["sections"]
# BUILD_IDS: the program's own, as readelf reads it (when it has one)
assert not sys.argv[3] or d["build_ids"].get(sys.argv[2]) == sys.argv[3], d["build_ids"]
assert [w["runs"] for w in d["switches"]] == [1], d["switches"]
e = d["entries"]
assert len(e) == d["stats"]["samples"] and len(e) > 20, len(e)
assert all(len(x["values"]) == 3 for x in e)
# task-clock (ns) read at each sample grows per thread and CPU (one event
# per CPU: a thread that migrates has a count on each).
by = {}
for x in e:
    by.setdefault((x["tid"], x["cpu"]), []).append(x)
for tid, xs in by.items():
    xs.sort(key=lambda x: x["time"])
    tc = [x["values"][2] for x in xs]
    assert tc == sorted(tc) and tc[-1] > 0, tc[:5]
assert all(x["set"] == 0 and x["event"] == 0 and x["reset"] > 0 for x in e)
PY
pass "sampled values: 3 per entry, growing"

# Signals reach the command; the file is complete and reports.
# (the command says when its trap is set; record forwards signals from
# before it releases the command)
"$PMUX" record -q -o "$TMP/sig.data" -- \
  sh -c 'trap "exit 42" TERM; echo ready > "$1"; while :; do sleep 0.05; done' sh "$TMP/ready" &
pid=$!
wait_file "$TMP/ready"
kill -TERM $pid
set +e
wait $pid
rc=$?
set -e
[ $rc -eq 42 ] || fail "SIGTERM: record exited $rc, want the command's 42"
"$PMUX" report -i "$TMP/sig.data" --json > "$TMP/sig.json" || fail "report after SIGTERM"
pass "signal forwarded, file complete"

# A command holding a newline is one META line, escaped: it was cut at the
# newline, and what followed became a key of its own.
"$PMUX" record -q -o "$TMP/nl.data" -- sh -c 'true
t=1' || fail "record of a two-line command"
"$PMUX" report --json -i "$TMP/nl.data" > "$TMP/nl.json" || fail "report of a two-line command"
[ "$(json_get "$TMP/nl.json" 'd["command"]')" = 'sh -c true\nt=1' ] ||
  fail "command: $(json_get "$TMP/nl.json" 'd["command"]')"
pass "a command with a newline is kept whole, escaped"

# A command longer than META keeps is cut between escapes, never inside
# one: a cut "\x0" or a lone trailing "\" is no escape a reader can undo.
# Four lengths of prefix put the cut at each place within a 4-byte "\x01".
ctl=$(printf '\001%.0s' $(seq 1000))
for pad in "" a aa aaa; do
  "$PMUX" record -q -o "$TMP/long.data" -- sh -c true "$pad$ctl" ||
    fail "record of a long command ($pad)"
  python3 - "$TMP/long.data" <<'PY' || fail "META's command cut inside an escape (prefix '$pad')"
import re, sys
d = open(sys.argv[1], "rb").read()
c = d[d.index(b"\ncommand=") + 9:].split(b"\n", 1)[0].decode()
assert c.startswith("sh -c true "), c[:40]
assert len(c) > 3000, len(c)
assert re.fullmatch(r'(?:[^\\]|\\\\|\\n|\\t|\\x[0-9a-f]{2})*', c), c[-12:]
PY
done
pass "a long command is cut between escapes"

# report keeps the first 1023 bytes of the command: cut between escapes
# too (its cut "\x0" showed in the header and in --json).
for pad in "" a aa aaa; do
  "$PMUX" record -q -o "$TMP/long.data" -- sh -c true "$pad$ctl" ||
    fail "record of a long command ($pad)"
  "$PMUX" report --json -i "$TMP/long.data" > "$TMP/long.json" ||
    fail "report of a long command ($pad)"
  python3 - "$TMP/long.json" <<'PY' || fail "report's command cut inside an escape (prefix '$pad')"
import json, re, sys
c = json.load(open(sys.argv[1]))["command"]
assert c.startswith("sh -c true ") and len(c) > 1000, c[:40]
assert re.fullmatch(r'(?:[^\\]|\\\\|\\n|\\t|\\x[0-9a-f]{2})*', c), c[-12:]
PY
done
pass "report cuts a long command between escapes"
