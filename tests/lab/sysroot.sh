#!/usr/bin/env bash
# sysroot.sh - prepare the ppc64le cross build of pmux: Debian's cross compiler on
# the host, and a sysroot holding the ppc64el static libraries pmux links (libpfm.a,
# libcap.a, libexpat.a and their headers), downloaded as .debs with the lab's
# private apt configuration and unpacked (dpkg-deb -x), never installed.
# (Also libelf.a and libz.a, for pmux report.)
#
# Usage: tests/lab/sysroot.sh [--print]
#   Prints the sysroot's path on stdout (with --print: only that, no set-up).
#   cmake/ppc64le-linux-gnu.cmake runs this script when the sysroot is missing.
# Environment: PMUX_LAB_CACHE (default /var/cache/pmux-lab), PMUX_LAB_MIRROR.
# Exit status: 0 ready, 77 a package could not be fetched, 125 other failure.
set -euo pipefail
# shellcheck disable=SC2034 # read by lib.sh
LAB_ME=sysroot.sh
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$(realpath "$0")")/lib.sh"

SYSROOT=$LAB_CACHE/sysroot-ppc64el
# The ppc64el packages whose static archives and headers the sysroot holds
# (libelf and zlib: pmux report names the symbols of samples).
SYSROOT_PKGS=(libpfm4-dev:ppc64el libcap-dev:ppc64el libexpat1-dev:ppc64el
              libelf-dev:ppc64el zlib1g-dev:ppc64el)

if [ "${1:-}" = --print ]; then echo "$SYSROOT"; exit 0; fi

lab_init_cache
lab_lock sysroot
# The cross compiler and the ppc64el C library come from Debian 12 main.
lab_host_packages gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross

# The stamp holds the package list: a changed list rebuilds the sysroot.
if [ "$(cat "$LAB_CACHE/stamps/sysroot" 2>/dev/null)" != "${SYSROOT_PKGS[*]}" ]; then
  lab_log "fetching ${SYSROOT_PKGS[*]}"
  lab_download "$LAB_CACHE/debs/sysroot" "${SYSROOT_PKGS[@]}"
  rm -rf "$SYSROOT.tmp"; mkdir -p "$SYSROOT.tmp"
  for d in "$LAB_CACHE"/debs/sysroot/*.deb; do dpkg-deb -x "$d" "$SYSROOT.tmp"; done
  for a in libpfm.a libcap.a libexpat.a libelf.a libz.a; do
    [ -f "$SYSROOT.tmp/usr/lib/$LAB_ARCH/$a" ] || lab_die "$a missing from the unpacked packages"
  done
  # Keep what a static link needs: headers and archives; no docs, test programs
  # or shared-library links (a static link must not find a .so).
  rm -rf "$SYSROOT.tmp/usr/share" "$SYSROOT.tmp/usr/bin" "$SYSROOT.tmp/usr/lib/$LAB_ARCH/libcap2"
  find "$SYSROOT.tmp" \( -name '*.so' -o -name '*.so.*' \) -delete
  rm -rf "$SYSROOT" && mv "$SYSROOT.tmp" "$SYSROOT"
  rm -rf "$LAB_CACHE/debs/sysroot"
  echo "${SYSROOT_PKGS[*]}" > "$LAB_CACHE/stamps/sysroot"
fi
lab_unlock
echo "$SYSROOT"
