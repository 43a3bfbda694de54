#!/bin/bash
# caps_rules.sh PMUX - the rules of `pmux caps` at every perf_event_paranoid
# level, for a user without capabilities.
#
# The host's kernel has one paranoid level (2 on Debian), so the others are
# presented through PMUX_SYSROOT: a fake /proc/sys/kernel.  What pmux's
# rules conclude ("rules_allowed") must follow the level as the kernel's
# perf_event_open does, and name the level and a fix when they refuse; its
# final verdict ("allowed") must stay the real kernel's answer, which its
# probes ask whatever the fake level says.  Needs root to become another
# user (exit 77 otherwise).
set -u
PMUX=$1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to run pmux caps as another user"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) is missing"; exit 77; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
install -m 755 "$PMUX" "$TMP/pmux"
fail=0

as_user() {
  setpriv --reuid=5001 --regid=5001 --clear-groups --inh-caps=-all \
    env -i PATH=/usr/bin:/bin LC_ALL=C "$@"
}

fake_root() { # LEVEL -> a sysroot whose paranoid level is LEVEL
  local root="$TMP/root$1"
  mkdir -p "$root/proc/sys/kernel"
  echo "$1" > "$root/proc/sys/kernel/perf_event_paranoid"
  cat /proc/sys/kernel/cap_last_cap > "$root/proc/sys/kernel/cap_last_cap"
  cat /proc/sys/kernel/perf_event_mlock_kb > "$root/proc/sys/kernel/perf_event_mlock_kb"
  chmod -R a+rX "$root"
  echo "$root"
}

# field RIGHT KEY < json
field() {
  python3 -c 'import json, sys; d = json.load(sys.stdin)
r = d["rights"][sys.argv[1]] if sys.argv[1] != "-" else d
print(str(r[sys.argv[2]]).lower())' "$1" "$2"
}

as_user "$TMP/pmux" caps --json > "$TMP/real.json" ||
  { echo "FAIL: pmux caps --json as uid 5001 failed"; exit 1; }

# level: expected rules for thread, system_wide, kernel
while read -r level thread system kernel; do
  root=$(fake_root "$level")
  out="$TMP/caps$level.json"
  if ! as_user PMUX_SYSROOT="$root" "$TMP/pmux" caps --json > "$out"; then
    echo "FAIL: paranoid $level: pmux caps --json failed"; fail=1; continue
  fi
  got=$(field - perf_event_paranoid < "$out")
  [ "$got" = "$level" ] || { echo "FAIL: paranoid $level: caps read $got"; fail=1; }
  for pair in "thread:$thread" "system_wide:$system" "kernel:$kernel"; do
    right=${pair%%:*} want=${pair#*:}
    rules=$(field "$right" rules_allowed < "$out")
    if [ "$rules" != "$want" ]; then
      echo "FAIL: paranoid $level: $right: rules say $rules, the kernel's rule is $want"
      fail=1
    fi
    if [ "$rules" = false ]; then
      reason=$(field "$right" reason < "$out")
      fix=$(field "$right" fix < "$out")
      case "$reason" in *"perf_event_paranoid"*"$level"*) ;; *)
        echo "FAIL: paranoid $level: $right: the refusal does not name the level: $reason"; fail=1 ;;
      esac
      allowed=$(field "$right" allowed < "$out")
      [ "$allowed" = true ] || [ -n "$fix" ] ||
        { echo "FAIL: paranoid $level: $right: a refusal without a fix"; fail=1; }
    fi
    # The final verdict is the real kernel's, whatever the fake level.
    allowed=$(field "$right" allowed < "$out")
    real=$(field "$right" allowed < "$TMP/real.json")
    [ "$allowed" = "$real" ] ||
      { echo "FAIL: paranoid $level: $right: allowed $allowed, the real kernel says $real"; fail=1; }
  done
  echo "paranoid $level: thread $thread, system-wide $system, kernel $kernel: as the kernel's rules"
done <<'EOF'
-1 true true true
0 true true true
1 true false true
2 true false false
3 false false false
EOF

# paranoid -1 also lifts the locked-memory limit on ring buffers.
buffers=$(field large_buffers rules_allowed < "$TMP/caps-1.json")
[ "$buffers" = true ] || { echo "FAIL: paranoid -1: large buffers: rules say $buffers"; fail=1; }

# Level 3 refuses every perf_event_open without CAP_SYS_ADMIN, so eBPF on
# perf events and large buffers too, whatever else a user holds: a user
# with CAP_PERFMON, CAP_BPF and CAP_IPC_LOCK must not read "yes" there.
as_capped() {
  setpriv --reuid=5001 --regid=5001 --clear-groups \
    --inh-caps=-all,+perfmon,+bpf,+ipc_lock \
    --ambient-caps=+perfmon,+bpf,+ipc_lock \
    env -i PATH=/usr/bin:/bin LC_ALL=C "$@"
}
if [ "$(cat /proc/sys/kernel/cap_last_cap)" -ge 39 ]; then
  for level in 2 3; do
    out="$TMP/capped$level.json"
    as_capped PMUX_SYSROOT="$TMP/root$level" "$TMP/pmux" caps --json > "$out" ||
      { echo "FAIL: paranoid $level: pmux caps --json with capabilities failed"; fail=1; continue; }
    want=true; [ "$level" = 3 ] && want=false
    for right in kernel_formats large_buffers; do
      rules=$(field "$right" rules_allowed < "$out")
      reason=$(field "$right" reason < "$out")
      [ "$rules" = "$want" ] ||
        { echo "FAIL: paranoid $level with perfmon,bpf,ipc_lock: $right: rules say $rules, expected $want ($reason)"; fail=1; }
    done
    echo "paranoid $level with perfmon,bpf,ipc_lock: kernel_formats, large_buffers $want"
  done
else
  echo "skip: kernel without CAP_BPF: level 3 with capabilities not checked"
fi

# The fix names a rule perfcap.conf(5) accepts: a user name it cannot hold
# (sssd's fully qualified "alice@corp.example") is no WHO, and a rule
# naming it would make the whole file invalid, refusing every login under
# 'session required'.  The names come from nss_wrapper ('field' lowers
# the case: "@group" is the fix's "@GROUP").
nssw=
for l in /usr/lib/x86_64-linux-gnu/libnss_wrapper.so \
         /usr/lib/aarch64-linux-gnu/libnss_wrapper.so \
         /usr/lib64/libnss_wrapper.so /usr/lib/libnss_wrapper.so; do
  [ -r "$l" ] && { nssw=$l; break; }
done
if [ -n "$nssw" ]; then
  printf 'g5001:x:5001:\n' > "$TMP/group"
  while read -r name want; do
    printf '%s:x:5001:5001::/:/bin/false\n' "$name" > "$TMP/passwd"
    chmod 644 "$TMP/passwd" "$TMP/group"
    out="$TMP/named.json"
    as_user LD_PRELOAD="$nssw" NSS_WRAPPER_PASSWD="$TMP/passwd" \
      NSS_WRAPPER_GROUP="$TMP/group" ASAN_OPTIONS=verify_asan_link_order=0 \
      PMUX_SYSROOT="$TMP/root2" "$TMP/pmux" caps --json > "$out" ||
      { echo "FAIL: pmux caps --json as '$name' failed"; fail=1; continue; }
    [ "$(field system_wide allowed < "$out")" = false ] || continue
    fix=$(field system_wide fix < "$out")
    case "$fix" in
      *"'perfmon $want'"*) echo "user '$name': the fix adds 'perfmon $want'" ;;
      *) echo "FAIL: user '$name': the fix should add 'perfmon $want': $fix"; fail=1 ;;
    esac
  done <<'EOF2'
alice alice
alice@corp.example @group
EOF2
else
  echo "skip: libnss_wrapper.so not found: rule names in fixes not checked"
fi

exit $fail
