# lib.sh - helpers for the end-to-end tests (sourced).  PMUX, PMUX_BUILD and
# PMUX_SRC come from CTest.  A test exits 0 on success, 77 to skip (with
# the reason printed), anything else on failure.
set -euo pipefail
: "${PMUX:?run through ctest}"
DEMO="$PMUX_BUILD/pmux-demo"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
pass() { echo "ok: $*"; }

# json_get FILE PYTHON-EXPR: evaluate EXPR with d = the parsed JSON.
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# with_sigint CMD...: run CMD with SIGINT at its default disposition (a
# background job of a non-interactive shell starts with SIGINT ignored,
# unlike a terminal's foreground job, and an ignored signal reaches no
# one).  A program, not a function, so that `with_sigint ... &` gives $!
# of CMD itself.
with_sigint="$PMUX_SRC/tests/e2e/with-sigint"

# wait_child PID: wait (up to 10 s) until PID is pmux and has a child,
# that is until pmux has started the measured command; a signal sent
# earlier could reach a wrapper (a python shim's helper processes too).
wait_child() {
  local i
  for i in $(seq 100); do
    if [ "$(cat "/proc/$1/comm" 2>/dev/null)" = pmux ] && pgrep -P "$1" >/dev/null; then
      sleep 0.1
      return 0
    fi
    sleep 0.1
  done
  fail "process $1 started no command within 10 s"
}

# wait_file PATH: wait (up to 10 s) until PATH is a non-empty file.  A
# measured command that writes a file once its own trap is set up says
# that it is ready for a signal; pmux having forked it does not.
wait_file() {
  local i
  for i in $(seq 200); do
    [ -s "$1" ] && return 0
    sleep 0.05
  done
  fail "$1 was not written within 10 s"
}
