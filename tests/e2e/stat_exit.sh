#!/usr/bin/env bash
# pmux stat exits with the command's status (128+N when it died of signal
# N), forwards signals to it, and still prints what it measured.
. "$(dirname "$0")/lib.sh"

set +e
"$PMUX" stat -e task-clock -o /dev/null -- sh -c 'exit 7'
rc=$?
[ $rc -eq 7 ] || fail "exit 7 gave $rc"
"$PMUX" stat -e task-clock -o /dev/null -- sh -c 'kill -SEGV $$'
rc=$?
[ $rc -eq 139 ] || fail "SIGSEGV gave $rc, want 139"
"$PMUX" stat -e task-clock -o /dev/null -- /nonexistent/command 2>"$TMP/err"
rc=$?
[ $rc -eq 127 ] || fail "missing command gave $rc"
grep -q "/nonexistent/command" "$TMP/err" || fail "error does not name the command"
# A command that cannot start loses none of -o's earlier results, and
# leaves no empty file behind; one that starts replaces them.
echo '{"earlier": 1}' > "$TMP/kept.json"
"$PMUX" stat --json -e task-clock -o "$TMP/kept.json" -- /nonexistent/command 2>/dev/null
[ "$(cat "$TMP/kept.json")" = '{"earlier": 1}' ] ||
  fail "-o's earlier results lost to a command that never started: $(cat "$TMP/kept.json")"
"$PMUX" stat --json -e task-clock -o "$TMP/new.json" -- /nonexistent/command 2>/dev/null
[ -e "$TMP/new.json" ] && fail "-o left a file for a command that never started"
"$PMUX" stat --json -e task-clock -o "$TMP/kept.json" -- true ||
  fail "stat -o over an earlier file"
[ "$(json_get "$TMP/kept.json" 'd["events"][0]["name"]')" = task-clock ] ||
  fail "-o over an earlier file: $(cat "$TMP/kept.json")"
# Found but not executable: 126, as a shell says (127 is "not found").
printf 'not a program\n' > "$TMP/data.txt"
"$PMUX" stat -e task-clock -o /dev/null -- "$TMP/data.txt" 2>/dev/null
rc=$?
[ $rc -eq 126 ] || fail "a command that cannot be executed gave $rc, want 126"
"$PMUX" record -q -o "$TMP/x.data" -- "$TMP/data.txt" 2>/dev/null
rc=$?
[ $rc -eq 126 ] || fail "record: a command that cannot be executed gave $rc, want 126"
# A parent's SIG_IGN for SIGCHLD lasts through exec: the kernel would reap
# the command itself ("pidfd_open: No such process", nothing measured).
timeout -s KILL 20 python3 - "$PMUX" "$TMP/chld.json" <<'PY'
import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], [sys.argv[1], "stat", "-e", "task-clock", "--json",
                       "-o", sys.argv[2], "--", "sh", "-c", "exit 5"])
PY
rc=$?
[ $rc -eq 5 ] || fail "SIGCHLD ignored by the parent: exit $rc, want the command's 5"
python3 -c 'import json, sys; e = json.load(open(sys.argv[1]))["events"][0]; assert e["measured"] and e["raw"] > 0, e' \
  "$TMP/chld.json" || fail "SIGCHLD ignored by the parent: not measured: $(cat "$TMP/chld.json")"
set -e
pass "exit statuses"

# Signal forwarding: SIGTERM to pmux reaches the command, which traps it
# and exits 42; the output is complete.  The command says when its trap
# is set (a SIGTERM before would kill the shell itself).
"$PMUX" stat --json -e page-faults,task-clock -o "$TMP/sig.json" -- \
  sh -c 'trap "exit 42" TERM; echo ready > "$1"; while :; do sleep 0.05; done' sh "$TMP/ready" &
pid=$!
wait_file "$TMP/ready"
kill -TERM $pid
set +e
wait $pid
rc=$?
set -e
[ $rc -eq 42 ] || fail "forwarded SIGTERM: exit $rc, want 42"
grep -qx 42 <<<"$(json_get "$TMP/sig.json" 'd["exit_status"]')" || fail "exit_status not 42"
grep -qx True <<<"$(json_get "$TMP/sig.json" 'd["events"][0]["raw"] > 0')" || fail "no counts"
pass "signal forwarding"

# SIGINT too (as from a terminal): the command dies of it, pmux reports it.
"$with_sigint" "$PMUX" stat -e task-clock -o "$TMP/int.txt" -- sleep 30 &
pid=$!
wait_child $pid
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
[ $rc -eq 130 ] || fail "SIGINT: exit $rc, want 130"
grep -q task-clock "$TMP/int.txt" || fail "no output after SIGINT"
pass "interrupted run"
