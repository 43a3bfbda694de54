#!/usr/bin/env bash
# lab.sh - the POWER lab: boot a QEMU (TCG) pseries guest whose emulated POWER8,
# POWER9 or POWER10 PMU is driven by the guest kernel's own perf driver, run one
# command there as root, and hand back its output and exit status (docs/lab.md).
#
# Usage (root, Debian 12 amd64):
#   lab.sh setup                 install and fetch everything (cached, idempotent)
#   lab.sh run [OPTIONS] [--] COMMAND...
#                                boot a guest, run COMMAND (a busybox sh command line)
#                                in /lab, print its output, exit with its status
#   lab.sh clean                 delete the cache folder
# Options of run:
#   --cpu power8|power9|power10  guest CPU and PMU model (default power9)
#   --add PATH                   copy PATH into the guest's /lab (repeatable)
#   --timeout S                  kill the guest after S seconds of wall time (default 300)
#   --mux-ms N                   the guest kernel's perf_event_mux_interval_ms for cpu
#   --smp N, --mem SIZE          guest CPUs (default 1) and memory (default 512M)
#   --icount                     QEMU -icount shift=0: the guest's clock advances one
#                                nanosecond per instruction, so time-based scaling sees
#                                a uniform instruction rate (cycles then equal time)
#   --verbose                    also print the whole guest console and QEMU's errors
# Exit status: the command's own; 77 the guest pieces cannot be fetched (skip);
# 124 the guest hung or died (its last console lines are printed); 125 lab failure.
# Environment: PMUX_LAB_CACHE (default /var/cache/pmux-lab), PMUX_LAB_MIRROR
# (default: the host's first non-security Debian mirror).
#
# Pieces, all from the Debian mirror, unpacked under the cache and never installed:
# QEMU 10 (qemu-system-ppc and qemu-system-data from bookworm-backports; Debian 12's
# QEMU 7.2 counts but raises no PMU interrupt, so sampling would get no samples),
# the guest kernel (linux-image-powerpc64le:ppc64el, bookworm) and busybox-static:ppc64el.
# Host packages: cpio, and the shared libraries that QEMU 10 links (from bookworm).
set -euo pipefail
# shellcheck disable=SC2034 # read by lib.sh
LAB_ME=lab.sh
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$(realpath "$0")")/lib.sh"

QEMU=$LAB_CACHE/qemu/usr/bin/qemu-system-ppc64
GUEST=$LAB_CACHE/guest

# The guest's /init: PID 1 mounts the pseudo file systems, opens perf to root,
# applies the options from the kernel command line, and runs /lab/run.sh between
# two markers that the host looks for; then the guest powers off at once.
lab_init_script() {
  cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
export PATH=/bin:/sbin HOME=/lab TMPDIR=/tmp
echo -1 > /proc/sys/kernel/perf_event_paranoid
for arg in $(cat /proc/cmdline); do
  case $arg in
    pmux_lab.mux_ms=*) echo "${arg#*=}" > /sys/bus/event_source/devices/cpu/perf_event_mux_interval_ms;;
  esac
done
cd /lab
echo; echo "==pmux-lab: begin=="
sh /lab/run.sh < /dev/null 2>&1
echo "==pmux-lab: exit $?=="
poweroff -f
INIT
}

setup() {
  lab_init_cache
  lab_lock guest
  local st=$LAB_CACHE/stamps
  lab_host_packages cpio gzip

  if [ ! -e "$st/qemu" ]; then
    lab_log "fetching QEMU 10 from bookworm-backports"
    lab_download "$LAB_CACHE/debs/qemu" qemu-system-ppc/bookworm-backports qemu-system-data/bookworm-backports
    rm -rf "$LAB_CACHE/qemu"; mkdir -p "$LAB_CACHE/qemu"
    local d deps=()
    for d in "$LAB_CACHE"/debs/qemu/*.deb; do dpkg-deb -x "$d" "$LAB_CACHE/qemu"; done
    # QEMU's shared libraries come from bookworm on the host: its Depends, first
    # alternatives, without versions and without the QEMU packages themselves.
    mapfile -t deps < <(dpkg-deb -f "$LAB_CACHE"/debs/qemu/qemu-system-ppc_*.deb Depends |
      tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v -e '^qemu' -e '^$')
    lab_host_packages "${deps[@]}"
    if grep -q 'not found' <<<"$(ldd "$QEMU")"; then
      ldd "$QEMU" | grep 'not found' >&2
      lab_die "QEMU 10 lacks shared libraries on this host"
    fi
    rm -rf "$LAB_CACHE/debs/qemu"
    touch "$st/qemu"
  fi

  if [ ! -e "$st/guest" ]; then
    local kpkg
    lab_papt_update
    kpkg=$(lab_papt apt-cache depends linux-image-powerpc64le:ppc64el 2>/dev/null |
           sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
    [ -n "$kpkg" ] || lab_skip "linux-image-powerpc64le:ppc64el is not in the mirror's lists"
    lab_log "fetching the guest kernel ($kpkg) and busybox-static:ppc64el"
    lab_download "$LAB_CACHE/debs/guest" "$kpkg" busybox-static:ppc64el
    rm -rf "$GUEST"; mkdir -p "$GUEST/x"
    for d in "$LAB_CACHE"/debs/guest/*.deb; do dpkg-deb -x "$d" "$GUEST/x"; done
    mv "$GUEST"/x/boot/vmlinux-* "$GUEST/vmlinux"
    mv "$GUEST"/x/boot/config-* "$GUEST/kernel.config"
    mv "$GUEST/x/bin/busybox" "$GUEST/busybox"
    echo "${kpkg%:ppc64el}" > "$GUEST/kernel.pkg"
    rm -rf "$GUEST/x" "$LAB_CACHE/debs/guest"
    touch "$st/guest"
  fi

  # The base initramfs (busybox, /init, the kernel's config for the tests that
  # read it); rebuilt when /init changes.
  local init; init=$(lab_init_script)
  if [ ! -s "$GUEST/base.cpio.gz" ] || [ "$init" != "$(cat "$GUEST/init.sh" 2>/dev/null)" ]; then
    local r=$GUEST/root
    rm -rf "$r"; mkdir -p "$r"/{bin,sbin,proc,sys,dev,tmp,lab,etc}
    cp "$GUEST/busybox" "$r/bin/busybox"
    printf '%s\n' "$init" > "$r/init"; chmod 755 "$r/init"
    cp "$GUEST/kernel.config" "$r/etc/kernel.config"
    ( cd "$r" && find . | cpio -o -H newc --quiet | gzip -1 ) > "$GUEST/base.cpio.gz"
    printf '%s\n' "$init" > "$GUEST/init.sh"
    rm -rf "$r"
  fi
  lab_unlock
}

run() {
  local cpu=power9 smp=1 mem=512M timeout=300 mux="" verbose=0 icount=() adds=()
  while [ $# -gt 0 ]; do
    case $1 in
      --cpu) cpu=$2; shift 2;;
      --add) adds+=("$2"); shift 2;;
      --timeout) timeout=$2; shift 2;;
      --mux-ms) mux=$2; shift 2;;
      --smp) smp=$2; shift 2;;
      --mem) mem=$2; shift 2;;
      --verbose) verbose=1; shift;;
      --icount) icount=(-icount "shift=0,sleep=off"); shift;;
      --) shift; break;;
      -*) lab_die "run: unknown option $1";;
      *) break;;
    esac
  done
  [ $# -gt 0 ] || lab_die "run: no command"
  case $cpu in power8|power9|power10) ;; *) lab_die "--cpu: power8, power9 or power10, not $cpu";; esac
  setup

  local w f
  w=$(mktemp -d "${TMPDIR:-/tmp}/pmux-lab.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$w'" EXIT
  mkdir -p "$w/root/lab"
  for f in "${adds[@]}"; do cp -a "$f" "$w/root/lab/" || lab_die "--add $f: cannot copy"; done
  printf '%s\n' "$*" > "$w/root/lab/run.sh"
  ( cd "$w/root" && find . | cpio -o -H newc --quiet | gzip -1 ) > "$w/run.cpio.gz"
  cat "$GUEST/base.cpio.gz" "$w/run.cpio.gz" > "$w/initrd.gz"

  local append="console=hvc0 quiet loglevel=3 panic=-1"
  [ -n "$mux" ] && append+=" pmux_lab.mux_ms=$mux"
  local t0 t1 qrc=0
  t0=$(date +%s%N)
  # x-vof: QEMU's small Open Firmware replacement boots much faster than SLOF.
  timeout -k 5 "$timeout" "$QEMU" -L "$LAB_CACHE/qemu/usr/share/qemu" \
    -M pseries,x-vof=on -cpu "$cpu" -smp "$smp" -m "$mem" "${icount[@]}" \
    -nographic -vga none -nic none -no-reboot \
    -kernel "$GUEST/vmlinux" -initrd "$w/initrd.gz" -append "$append" \
    < /dev/null > "$w/console.raw" 2> "$w/qemu.err" || qrc=$?
  t1=$(date +%s%N)
  tr -d '\r' < "$w/console.raw" > "$w/console.log"
  if [ $verbose = 1 ]; then
    { echo "--- guest console"; cat "$w/console.log"; echo "--- qemu stderr"; cat "$w/qemu.err"; } >&2
  fi
  local secs; secs=$(( (t1 - t0) / 1000000 ))
  # The kernel's last boot lines may share the begin marker's line, and output
  # without a final newline the exit marker's: match the markers' ends.
  local end; end=$(grep -a -o -m 1 '==pmux-lab: exit [0-9]*==$' "$w/console.log" || true)
  awk '!on && /==pmux-lab: begin==$/ { on = 1; next }
       on && match($0, /==pmux-lab: exit [0-9]+==$/) { printf "%s", substr($0, 1, RSTART - 1); exit }
       on { print }' "$w/console.log"
  if [ -z "$end" ]; then
    if [ $qrc = 124 ] || [ $qrc = 137 ]; then
      lab_log "guest ($cpu) killed at the time limit of ${timeout}s; last console lines:"
    else
      lab_log "guest ($cpu) died before the command finished (qemu exit $qrc); last console lines:"
    fi
    tail -n 15 "$w/console.log" >&2
    grep -v -e 'TCG doesn.t support requested feature' "$w/qemu.err" | tail -n 5 >&2 || true
    exit "$LAB_HUNG"
  fi
  local rc=${end#==pmux-lab: exit }; rc=${rc%==}
  lab_log "guest $cpu: $(printf '%d.%03d' $((secs / 1000)) $((secs % 1000))) s wall, exit status $rc"
  exit "$rc"
}

cmd=${1:-}; [ $# -gt 0 ] && shift
case $cmd in
  setup) setup; lab_log "ready: $(du -sh "$LAB_CACHE" | cut -f1) in $LAB_CACHE, $(cat "$GUEST/kernel.pkg"), $("$QEMU" --version | head -n 1)";;
  run) run "$@";;
  clean) if [ -e "$LAB_CACHE/.pmux-lab" ]; then rm -rf "$LAB_CACHE"; fi;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2;;
esac
