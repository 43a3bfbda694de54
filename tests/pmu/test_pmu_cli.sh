#!/usr/bin/env bash
# test_pmu_cli.sh - `pmux check`, `pmux info`, `pmux list --pmu` end to end;
# JSON parsed back with python3.  PMUX_PMU_PATH: an added description, an
# override, and a broken file rejected with file, line and rule.
set -euo pipefail
: "${PMUX:?}" "${PMUX_SRC:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 needed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# `cmd | grep -q` under pipefail fails when grep quits at its match before
# cmd has written the rest (SIGPIPE, exit 141): read it all, then match.
# Text already in a variable is matched with grep -q ... <<<"$out".
says() { local text; text=$(cat); grep -q -- "$1" <<<"$text"; }

# --- check --json stays valid JSON when an event name is not UTF-8 (the
# name comes back in the reason): the byte is written as U+FFFD
rc=0; "$PMUX" check --pmu core2 -S "$(printf 'MUL\377')" --json > "$tmp/bad-utf8.json" || rc=$?
[ $rc = 1 ] || fail "check: an unknown event: exit $rc, want 1"
python3 - "$tmp/bad-utf8.json" <<'PY' || fail "check --json with a non-UTF-8 name: $(cat "$tmp/bad-utf8.json")"
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
assert "MUL\ufffd" in d["sets"][0]["reason"], d["sets"][0]
PY

# --- check --json: the contract
rc=0; "$PMUX" check --pmu core2 -S INSTRUCTIONS_RETIRED,FP_COMP_OPS_EXE,MUL \
  -S MUL,DIV --json > "$tmp/a.json" || rc=$?
[ $rc = 1 ] || fail "check should exit 1 when a set does not fit: exit $rc"
python3 - "$tmp/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pmu"] == "core2", d
assert [c["name"] for c in d["counters"]] == ["PMC0", "PMC1", "FIXED0", "FIXED1", "FIXED2"]
assert [c["kind"] for c in d["counters"]] == ["generic"] * 2 + ["fixed"] * 3
assert all(c["width"] == 40 for c in d["counters"])
s0, s1 = d["sets"]
assert s0["fits"] is True and s0["reason"] == ""
assert [e["name"] for e in s0["events"]] == ["INSTRUCTIONS_RETIRED", "FP_COMP_OPS_EXE", "MUL"]
assert [e["counter"] for e in s0["events"]] == ["FIXED0", "PMC0", "PMC1"], s0
assert s0["events"][0]["code"] == "0xc0" and s0["events"][0]["config"] == "0x5300c0"
assert s1["fits"] is False and "MUL" in s1["reason"] and "PMC1" in s1["reason"]
assert all(e["counter"] is None for e in s1["events"])
PY

# --- --split: a partition whose every set fits, events in the order given
"$PMUX" check --pmu core2 -e MUL,DIV,FP_ASSIST,FP_COMP_OPS_EXE,UNHALTED_CORE_CYCLES --split --json > "$tmp/b.json"
python3 - "$tmp/b.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sets = d["sets"]
assert len(sets) == 3, sets
assert all(s["fits"] for s in sets)
names = sorted(e["name"] for s in sets for e in s["events"])
assert names == sorted(["MUL", "DIV", "FP_ASSIST", "FP_COMP_OPS_EXE", "UNHALTED_CORE_CYCLES"])
PY

# --- software events need no counter: they fit any set, and --split puts
# them in the first set, as pmux stat does (they were "no such event")
"$PMUX" check --pmu core2 --no-reserve -S page-faults:u,MUL,task-clock \
  | says "page-faults:u .*(software: no counter) *-> -$" || fail "check: a software event in a set"
"$PMUX" check --pmu core2 --no-reserve -e MUL,page-faults,DIV,FP_ASSIST,context-switches --split --json > "$tmp/sw.json" ||
  fail "check --split with software events: $(cat "$tmp/sw.json")"
python3 - "$tmp/sw.json" <<'PY'
import json, sys
sets = json.load(open(sys.argv[1]))["sets"]
assert all(s["fits"] for s in sets), sets
assert len(sets) == 3, sets
sw = [e["name"] for e in sets[0]["events"] if e["software"]]
assert sw == ["page-faults", "context-switches"], sets[0]
assert all(e["counter"] is None for s in sets for e in s["events"] if e["software"])
assert not any(e["software"] for s in sets[1:] for e in s["events"])
PY
"$PMUX" check --pmu core2 --split -e page-faults,task-clock | says "^set 0: fits" ||
  fail "check --split: software events alone make one set"

# --- unknown event and bad modifier: the set does not fit, with the reason
rc=0; "$PMUX" check --pmu mips74k -S CYCLES,NOPE --json > "$tmp/c.json" || rc=$?
[ $rc = 1 ] || fail "check with an unknown event: exit $rc, want 1"
python3 - "$tmp/c.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["sets"][0]
assert s["fits"] is False and "NOPE" in s["reason"], s
assert s["events"][1]["code"] is None
PY
out=$("$PMUX" check --pmu power8 -S PM_RUN_CYC:e 2>&1) && fail "bad modifier: exit 0"
grep -q "has no modifier or unit mask 'e'" <<<"$out" || fail "modifier not refused: $out"

# --- every family answers
for p in core2 intel_arch "intel_arch:v=3,gp=8,fixed=3,width=48" amd64_k8 \
         amd64_fam10h amd64_fam17h amd64_zen3 amd64_zen4 amd64_fam19h_zen3 \
         amd64_fam19h_zen4 mips74k power7 power8; do
  "$PMUX" info --pmu "$p" | says "counters:" || fail "info --pmu $p"
done
# info --help names every built-in description (amd64_zen3 and amd64_zen4
# were missing from its list)
help=$("$PMUX" info --help)
for f in "$PMUX_SRC"/pmu/*/*.xml; do
  n=$(sed -n 's/.*<pmu name="\([^"]*\)".*/\1/p' "$f" | head -n1)
  [ -n "$n" ] || fail "$f: no <pmu name>"
  grep -q -- "\b$n\b" <<<"$help" || fail "info --help lacks $n"
done
# Family 19h: the libpfm4 names, and events only one of Zen 3 / Zen 4 has
"$PMUX" info --pmu amd64_fam19h_zen4 | says "^PMU amd64_zen4: AMD64 Family 19h (Zen 4)" ||
  fail "info --pmu amd64_fam19h_zen4"
"$PMUX" info --pmu zen3 | says "libpfm4 name: amd64_fam19h_zen3" || fail "info --pmu zen3"
"$PMUX" list --pmu amd64_zen4 | says "^  OP_CACHE_HIT_MISS .*OC_HIT OC_MISS ALL_OC_ACCESS" ||
  fail "list --pmu amd64_zen4"
"$PMUX" list --pmu amd64_zen4 | says "^  PACKED_FP_OPS_RETIRED" || fail "list zen4: PACKED_FP_OPS_RETIRED"
"$PMUX" list --pmu amd64_zen3 | says "^  PACKED_FP_OPS_RETIRED" && fail "list zen3 has a Zen 4 event"
"$PMUX" check --pmu amd64_zen4 --no-reserve -S RETIRED_INSTRUCTIONS,CYCLES_NOT_IN_HALT,OP_CACHE_HIT_MISS:OC_MISS --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["sets"][0]; assert s["fits"] and s["events"][2]["config"]=="0x20053048f", s' ||
  fail "check --pmu amd64_zen4"
# RETIRED_SSE_AVX_FLOPS takes a counter pair: with four others it fits, with
# five it does not, and the reason says so
"$PMUX" check --pmu amd64_zen4 --no-reserve -S RETIRED_SSE_AVX_FLOPS,RETIRED_INSTRUCTIONS,CYCLES_NOT_IN_HALT,RETIRED_UCODE_OPS,RETIRED_UCODE_INSTRUCTIONS \
  | says "^set 0: fits" || fail "check zen4: a pair and four others"
out=$("$PMUX" check --pmu amd64_zen4 --no-reserve -S RETIRED_SSE_AVX_FLOPS,RETIRED_INSTRUCTIONS,CYCLES_NOT_IN_HALT,RETIRED_UCODE_OPS,RETIRED_UCODE_INSTRUCTIONS,r76 2>&1) &&
  fail "check zen4: a pair and five others fit: $out"
grep -q "takes a pair of counters.*6 events need 7 counters" <<<"$out" || fail "check zen4 pair reason: $out"
# both counters of the pair are shown (only the first was)
"$PMUX" check --pmu amd64_zen4 --no-reserve -S RETIRED_SSE_AVX_FLOPS,RETIRED_INSTRUCTIONS \
  | says "RETIRED_SSE_AVX_FLOPS .* -> PMC0+PMC1$" || fail "check zen4: the pair's counters"
"$PMUX" check --pmu amd64_zen4 --no-reserve --json -S RETIRED_SSE_AVX_FLOPS,RETIRED_INSTRUCTIONS \
  | python3 -c 'import json,sys; e=json.load(sys.stdin)["sets"][0]["events"]; assert (e[0]["counter"], e[0]["pair_counter"]) == ("PMC0", "PMC1") and "pair_counter" not in e[1], e' ||
  fail "check --json zen4: the pair's counters"
"$PMUX" check --pmu power8 -S PM_RUN_CYC,PM_RUN_INST_CMPL,PM_1PLUS_PPC_CMPL --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [e["counter"] for e in d["sets"][0]["events"]]==["PMC6","PMC5","PMC1"], d'
"$PMUX" check --pmu amd64_fam17h --exclude PMC0 -S RETIRED_INSTRUCTIONS --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["sets"][0]["events"][0]["counter"]=="PMC1", d'
# blanks around the names, as -S takes them
"$PMUX" check --pmu amd64_fam17h --no-reserve --exclude 'PMC0, PMC1 ' -S RETIRED_INSTRUCTIONS --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["sets"][0]["events"][0]["counter"]=="PMC2", d' ||
  fail "--exclude with blanks"

# --- info on this host: truthful
"$PMUX" info > "$tmp/info.txt"
grep -q "^cpu: " "$tmp/info.txt" || fail "info: no cpu line"
if [ ! -d /sys/bus/event_source/devices/cpu ]; then
  grep -q "no hardware PMU: software events only" "$tmp/info.txt" || fail "info: no-PMU line"
  grep -q "evidence: .*has no 'cpu' PMU" "$tmp/info.txt" || fail "info: evidence"
  out=$("$PMUX" check -S cycles 2>&1) && fail "check without --pmu: exit 0"
  grep -q "no hardware PMU" <<<"$out" || fail "check without --pmu: $out"
fi

# --- raw images with bits a fixed counter lacks (cmask, edge) stay off the
# fixed counters, as the same modifiers do; a plain raw image may use them
for raw in r10000c0 r0400c0; do
  out=$("$PMUX" check --pmu core2 --no-reserve -S "$raw,$raw,$raw" 2>&1) &&
    fail "check: 3x $raw on 2 generic counters said it fits: $out"
  grep -q "2 counters for 3 events" <<<"$out" || fail "check 3x $raw: $out"
done
"$PMUX" check --pmu core2 --no-reserve -S r00c0,r00c0,r00c0 | says FIXED0 ||
  fail "check: a plain raw INST_RETIRED image no longer fits on FIXED0"

# --- POWER7's kernel rules: L2 events agree on L2SEL; PMC5/6 hold one
# event each (power7_get_constraint)
out=$("$PMUX" check --pmu power7 --no-reserve -S PM_L2_LD,PM_L2_ST_DISP 2>&1) &&
  fail "power7: two L2SEL settings said to fit: $out"
grep -q "L2SEL" <<<"$out" || fail "power7 L2SEL message: $out"
out=$("$PMUX" check --pmu power7 --no-reserve -S r500f4 2>&1) && fail "power7: r500f4 on PMC5 said to fit"
grep -q "PMC5 counts only" <<<"$out" || fail "power7 PMC5 message: $out"
"$PMUX" check --pmu power7 --no-reserve -S r500fa,r600f4,PM_CYC | says "fits" ||
  fail "power7: PM_RUN_INST_CMPL, PM_RUN_CYC and PM_CYC no longer fit"

# --- POWER7 per-task alternatives (power7_get_alternatives, ONLY_COUNT_RUN):
# PM_CYC may go on PMC6 as PM_RUN_CYC when PMC1-4 are taken
"$PMUX" check --pmu power7 --no-reserve \
  -S PM_CYC,PM_IC_DEMAND_L2_BR_ALL,PM_GCT_UTIL_7_TO_10_SLOTS,PM_VSU0_16FLOP,PM_ISEG \
  | says "fits" || fail "power7: PM_CYC with 4 PMC1-4 events does not fit"

# --- POWER7 sets the privilege levels once for all counters: the kernel's
# check_excludes() refuses a group mixing them (POWER8 filters per counter)
out=$("$PMUX" check --pmu power7 --no-reserve -S PM_CYC:u,PM_INST_CMPL:k 2>&1) &&
  fail "power7: u and k events in one set said to fit: $out"
grep -q "'PM_CYC:u' (levels u) and 'PM_INST_CMPL:k' (levels k)" <<<"$out" ||
  fail "power7 privilege-level message: $out"
"$PMUX" check --pmu power7 --no-reserve -S PM_CYC:u,PM_INST_CMPL:u | says "fits" ||
  fail "power7: two user-only events no longer fit"
"$PMUX" check --pmu power8 --no-reserve -S PM_CYC:u,PM_INST_CMPL:k | says "fits" ||
  fail "power8: per-counter privilege levels no longer fit together"
"$PMUX" check --pmu power7 --no-reserve -e PM_CYC:u,PM_INST_CMPL:k --split --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["sets"])==2 and all(s["fits"] for s in d["sets"]), d'

# --- info: a stray argument is named, exit 2
out=$("$PMUX" info core2 2>&1) && fail "info core2: exit 0"
[ "$("$PMUX" info core2 >/dev/null 2>&1; echo $?)" -eq 2 ] || fail "info core2: not exit 2"
grep -q "unexpected argument 'core2'" <<<"$out" || fail "info core2: $out"

# --- check: blanks around a name, as stat takes them
out=$("$PMUX" check --pmu core2 --no-reserve -S 'MUL ,	FP_COMP_OPS_EXE' -e ' FP_ASSIST	, INST_RETIRED:ANY_P ') ||
  fail "check with blanks around names: exit $?: $out"
grep -q "^  MUL  .*-> PMC1" <<<"$out" || fail "check 'MUL ': $out"

# --- check: the -e lists join wherever they are given, and their set is
# set 0, as pmux stat numbers it; an empty name is refused, as stat does
"$PMUX" check --pmu core2 --no-reserve -e MUL -S DIV -e FP_COMP_OPS_EXE --json > "$tmp/e.json" ||
  fail "check -e -S -e: exit $?"
python3 - "$tmp/e.json" <<'PY' || fail "check -e -S -e: $(cat "$tmp/e.json")"
import json, sys
sets = json.load(open(sys.argv[1]))["sets"]
assert [[e["name"] for e in s["events"]] for s in sets] == [["MUL", "FP_COMP_OPS_EXE"], ["DIV"]], sets
PY
for args in "-S MUL,,DIV" "-e MUL, -S DIV" "-e '' -S DIV -e MUL"; do
  out=$(eval "\"\$PMUX\" check --pmu core2 $args" 2>&1) && fail "check $args: exit 0: $out"
  grep -q "empty event name at offset" <<<"$out" || fail "check $args: $out"
done

# --- check: cpu::CODE is the core PMU's raw code, as r-CODE (and as stat
# takes it): it named a PMU that was not the one planned for
"$PMUX" check --pmu amd64_zen4 --no-reserve -S cpu::0x1c2,r1c2 --json > "$tmp/cpu.json" ||
  fail "check cpu::0x1c2,r1c2: exit $?: $(cat "$tmp/cpu.json")"
python3 - "$tmp/cpu.json" <<'PY' || fail "check cpu::0x1c2: $(cat "$tmp/cpu.json")"
import json, sys
ev = json.load(open(sys.argv[1]))["sets"][0]["events"]
assert len(ev) == 2 and ev[0]["config"] == ev[1]["config"], ev
PY
out=$("$PMUX" check --pmu amd64_zen4 --no-reserve -S power9::0x1c2 2>&1) && fail "check power9:: on zen4: exit 0"
grep -q "PMU 'power9' is not amd64_zen4" <<<"$out" || fail "check power9:: on zen4: $out"

# --- list --pmu
"$PMUX" list --pmu mips74k 'JR_31*' | says JR_31_MISPREDICTIONS || fail "list --pmu"
# 133 events, then the 8 perf generic names core2 maps
[ "$("$PMUX" list --pmu core2 | grep -c '^  ')" -eq 141 ] || fail "list --pmu core2 count"
"$PMUX" list --pmu core2 cycles | says "perf's generic event: counts UNHALTED_CORE_CYCLES here" ||
  fail "list --pmu core2 cycles"

# --- perf's generic names plan as the events the kernel maps them to
"$PMUX" check --pmu core2 --no-reserve -S cycles,instructions,ref-cycles,branches --json > "$tmp/g.json"
python3 - "$tmp/g.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sets"][0]
assert s["fits"], s
got = [(e["name"], e["code"], e["counter"]) for e in s["events"]]
assert got == [("cycles", "0x3c", "FIXED1"), ("instructions", "0xc0", "FIXED0"),
               ("ref-cycles", "0x300", "FIXED2"), ("branches", "0xc4", "PMC0")], got
PY
"$PMUX" check --pmu amd64_zen4 --no-reserve -S cpu-cycles:u,branch-instructions \
  | says "cpu-cycles:u .*config 0x510076 " || fail "check: perf's other spelling, with :u"
out=$("$PMUX" check --pmu core2 -S stalled-cycles-frontend 2>&1) && fail "core2 stalled-cycles-frontend: exit 0"
grep -q "core2 maps no event to perf's generic 'stalled-cycles-frontend'" <<<"$out" ||
  fail "core2 stalled-cycles-frontend: $out"
# POWER9's branches and branch-misses both need PMC4 (as the kernel finds):
# one group cannot hold them, and --split says so by splitting.
out=$("$PMUX" check --pmu power9 --no-reserve -S branches,branch-misses 2>&1) &&
  fail "power9 branches and branch-misses in one set: exit 0"
grep -q "does not fit: .*PMC4" <<<"$out" || fail "power9 branches and branch-misses in one set: $out"
[ "$("$PMUX" check --pmu power9 --no-reserve --split -e cycles,instructions,branches,branch-misses | grep -c '^set .*: fits$')" -eq 2 ] ||
  fail "power9 --split of four generic events"
out=$("$PMUX" list --pmu nosuch 2>&1) && fail "list --pmu nosuch: exit 0"
grep -q "no PMU description" <<<"$out" || fail "list --pmu nosuch: $out"
# a pattern with "PMU::" in front, as stat takes the event, filters by PMU
out=$("$PMUX" list --pmu core2 'core2::MUL') || fail "list core2::MUL: exit $?"
grep -q '^  MUL ' <<<"$out" || fail "list core2::MUL: $out"
# ... by any name the encoder takes for it: an alias (libpfm4's), or the
# template of a variant
out=$("$PMUX" list --pmu core2 'core::MUL') || fail "list --pmu core2 core::MUL: exit $?"
grep -q '^  MUL ' <<<"$out" || fail "list --pmu core2 core::MUL: $out"
out=$("$PMUX" list --pmu intel_arch:v=3,gp=2 'intel_arch::UNHALTED*') ||
  fail "list intel_arch::UNHALTED* on a variant: exit $?"
[ "$(grep -c '^  UNHALTED' <<<"$out")" -eq 2 ] || fail "list intel_arch::UNHALTED* on a variant: $out"
out=$("$PMUX" list --pmu intel_arch:v=3,gp=2 'ix86arch::') ||
  fail "list ix86arch:: on a variant: exit $?"
[ "$(grep -c '^  ' <<<"$out")" -eq 14 ] || fail "list ix86arch:: on a variant (7 events, 7 generic names): $out"
# ... or "cpu", the kernel's name of the core PMU, as check and stat take it
out=$("$PMUX" list --pmu core2 'cpu::MUL') || fail "list --pmu core2 cpu::MUL: exit $?"
grep -q '^  MUL ' <<<"$out" || fail "list --pmu core2 cpu::MUL: $out"
out=$("$PMUX" list 'perf::cpu-clock') || fail "list perf::cpu-clock: exit $?"
grep -q '^  cpu-clock ' <<<"$out" || fail "list perf::cpu-clock: $out"
out=$("$PMUX" list --pmu core2 'power8::MUL' 2>&1) && fail "list power8::MUL on core2: $out"
grep -q "'power8::MUL': no PMU matches 'power8' (the PMUs: core2)" <<<"$out" || fail "list power8::MUL: $out"

# --- PMUX_PMU_PATH: add, override, reject
mkdir "$tmp/path"
sed -e 's/name="mips74k"/name="mips24k"/' -e '/<alias /d' \
  "$PMUX_SRC/pmu/mips/mips74k.xml" > "$tmp/path/mips24k.xml"
PMUX_PMU_PATH="$tmp/path" "$PMUX" info --pmu mips24k | says "PMU mips24k" || fail "added description"
sed -e 's/width="40"/width="48"/g' "$PMUX_SRC/pmu/core2/core2.xml" > "$tmp/path/core2.xml"
PMUX_PMU_PATH="$tmp/path" "$PMUX" check --pmu core --json -S MUL \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["counters"][0]["width"]==48, d'
# a file whose name is one description's (mips74k) and whose alias is
# another's alias (core2's "core"): refused, naming both, not a silent
# shadow of one of them
mkdir "$tmp/amb"
sed -e 's|<alias name="74k"/>|<alias name="core"/>|' \
  "$PMUX_SRC/pmu/mips/mips74k.xml" > "$tmp/amb/mips74k.xml"
out=$(PMUX_PMU_PATH="$tmp/amb" "$PMUX" info --pmu core 2>&1) && fail "ambiguous file accepted: $out"
grep -q "mips74k.xml:13: ambiguous-name: 'core' is core2 .* and 'mips74k' is mips74k" <<<"$out" ||
  fail "ambiguous file message: $out"
# an alias matching another's alias alone is an override of that one
sed -e 's/name="mips74k"/name="mips24k"/' -e '/<alias name="mips_74k"/d' \
    -e 's|<alias name="74k"/>|<alias name="core"/>|' \
  "$PMUX_SRC/pmu/mips/mips74k.xml" > "$tmp/amb/mips74k.xml"
PMUX_PMU_PATH="$tmp/amb" "$PMUX" info --pmu core | says "PMU mips24k" ||
  fail "an alias shared with core2 did not override it"

# an intel_arch template whose constraint lists have blank space: a variant
# keeps the rows (INSTRUCTION_RETIRED on FIXED0, r0300 only on FIXED2)
mkdir "$tmp/arch"
sed -e 's/counters="generic,FIXED0"/counters="generic, FIXED0"/' \
    -e 's/counters="FIXED2"/counters=" FIXED2 "/' \
  "$PMUX_SRC/pmu/intel_arch/intel_arch.xml" > "$tmp/arch/intel_arch.xml"
grep -q '" FIXED2 "' "$tmp/arch/intel_arch.xml" || fail "intel_arch.xml changed: fix the sed"
PMUX_PMU_PATH="$tmp/arch" "$PMUX" check --pmu "intel_arch:v=3,gp=4,fixed=3,width=48" \
  --no-reserve -S INSTRUCTION_RETIRED,r0300 --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [e["counter"] for e in d["sets"][0]["events"]]==["FIXED0","FIXED2"], d'
# a variant is named after its template, not always intel_arch
mkdir "$tmp/myarch"
sed -e 's/name="intel_arch"/name="myarch"/' -e '/<alias /d' \
  "$PMUX_SRC/pmu/intel_arch/intel_arch.xml" > "$tmp/myarch/myarch.xml"
PMUX_PMU_PATH="$tmp/myarch" "$PMUX" info --pmu "myarch:v=3,gp=4,fixed=3,width=48" |
  says "^PMU myarch:v=3,gp=4,fixed=3,width=48:" || fail "variant not named after its template"
# fixed counters of another width: the name says so (it names this variant,
# not the one with 48-bit fixed counters)
name=$("$PMUX" check --pmu intel_arch:fixed_width=40 --no-reserve -S INSTRUCTION_RETIRED --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["pmu"])')
[ "$name" = "intel_arch:v=3,gp=4,fixed=3,width=48,fixed_width=40" ] || fail "fixed_width variant named $name"
"$PMUX" info --pmu "$name" | says "FIXED0 .* 40 bits" || fail "the variant's name names another variant"
# two files of the folder describing one PMU: refused, naming both, not
# the later one silently replacing the earlier (an edited copy beside the
# original)
mkdir "$tmp/twice"
cp "$tmp/path/mips24k.xml" "$tmp/twice/a.xml"
sed -e 's/width="32"/width="31"/g' "$tmp/path/mips24k.xml" > "$tmp/twice/b.xml"
out=$(PMUX_PMU_PATH="$tmp/twice" "$PMUX" info --pmu mips24k 2>&1) && fail "two files for mips24k accepted: $out"
grep -q "b.xml:13: ambiguous-name: 'mips24k' is described by $tmp/twice/a.xml too" <<<"$out" ||
  fail "two files message: $out"
cp "$PMUX_SRC/tests/data/pmu/bad/field_overlap.xml" "$tmp/path/zz.xml"
out=$(PMUX_PMU_PATH="$tmp/path" "$PMUX" info --pmu core2 2>&1) && fail "broken file accepted"
grep -q "$tmp/path/zz.xml:8: field-overlap" <<<"$out" || fail "broken file message: $out"
# a FIFO or a link to /dev/zero named *.xml: refused, never read (a hang,
# all memory); the host's own description is not hidden by a broken one
mkdir "$tmp/odd"
mkfifo "$tmp/odd/fifo.xml"
out=$(PMUX_PMU_PATH="$tmp/odd" timeout 10 "$PMUX" info --pmu core2 2>&1) && fail "FIFO accepted"
grep -q "fifo.xml:0: not-a-file" <<<"$out" || fail "FIFO message: $out"
rm "$tmp/odd/fifo.xml"; ln -s /dev/zero "$tmp/odd/zero.xml"
out=$(PMUX_PMU_PATH="$tmp/odd" timeout 10 "$PMUX" info --pmu core2 2>&1) && fail "/dev/zero accepted"
grep -q "zero.xml:0: not-a-file" <<<"$out" || fail "/dev/zero message: $out"
out=$(PMUX_PMU_PATH="$tmp/path" "$PMUX" info 2>&1) && fail "host info hid a broken description"
grep -q "zz.xml:8: field-overlap" <<<"$out" || fail "host info message: $out"
out=$(PMUX_PMU_PATH="$tmp/nonexistent" "$PMUX" info --pmu core2 2>&1) && fail "missing PMUX_PMU_PATH accepted"
grep -q "PMUX_PMU_PATH=$tmp/nonexistent" <<<"$out" || fail "missing path message: $out"
echo "ok"
