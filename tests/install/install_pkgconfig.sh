# install_pkgconfig.sh - install the build into DESTDIR under a prefix that
# is not the configured one, then check what landed where, compile pmux.h
# on its own, and build and run a program with `pkg-config pmux` (shared
# and static).  Exit 77 = skip (no perf_event_open here).
set -euo pipefail
: "${PMUX_BUILD:?run through ctest}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
# A sanitized libpmux needs the sanitizers' flags and runtime in the program.
[ "${PMUX_SANITIZE:-0}" = 1 ] && { echo "SKIP: PMUX_SANITIZE build"; exit 77; }

dest=$TMP/dest
prefix=/opt/pmux-install-test
DESTDIR=$dest cmake --install "$PMUX_BUILD" --prefix "$prefix" >"$TMP/log" ||
  { cat "$TMP/log"; fail "cmake --install"; }
# Everything installed (the manifest omits DESTDIR) is under DESTDIR.
while read -r f; do
  [ -e "$dest$f" ] || fail "$f not installed under DESTDIR"
done <"$PMUX_BUILD/install_manifest.txt"

root=$dest$prefix
pc=$(find "$root" -name pmux.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || fail "no pmux.pc under $root"
libdir=$(dirname "$(dirname "$pc")")
for f in bin/pmux include/pmux/pmux.h share/man/man1/pmux.1 \
  share/man/man1/pmux-stat.1 share/man/man5/perfcap.conf.5 \
  share/man/man8/pam_perfcap.8; do
  [ -f "$root/$f" ] || fail "$f not installed"
done
for f in libpmux.a libpmux.so libpmux.so.0; do
  [ -e "$libdir/$f" ] || fail "$f not installed in $libdir"
done
grep -q 'SONAME.*\[libpmux\.so\.0\]' <<<"$(readelf -d "$libdir/libpmux.so")" ||
  fail "libpmux.so has no SONAME libpmux.so.0"
if [ "${PMUX_PAM:-0}" = 1 ]; then
  [ -n "$(find "$dest" -path '*/security/pam_perfcap.so')" ] ||
    fail "pam_perfcap.so not installed"
fi
pass "installed files, SONAME"

export PKG_CONFIG_LIBDIR=$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
[ "$(pkg-config --modversion pmux)" = "$(sed -n 's/^Version: //p' "$pc")" ] ||
  fail "pkg-config --modversion pmux"
grep -qx "prefix=$prefix" "$pc" || fail "pmux.pc: prefix is not $prefix"
cc=${CC:-cc}
read -ra cflags <<<"$(pkg-config --cflags pmux)"
read -ra libs <<<"$(pkg-config --libs pmux)"
read -ra slibs <<<"$(pkg-config --static --libs-only-l pmux | sed 's/-lpmux //')"

# The header alone, strict C11.
printf '#include <pmux/pmux.h>\nint main(void) { return pmux_strerror(0) == 0; }\n' >"$TMP/hdr.c"
"$cc" -std=c11 -pedantic -Wall -Wextra -Werror "${cflags[@]}" -c "$TMP/hdr.c" \
  -o "$TMP/hdr.o" || fail "pmux.h does not compile on its own"

cat >"$TMP/prog.c" <<'PROG'
#include <errno.h>
#include <stdio.h>
#include <pmux/pmux.h>

int main(void) {
  char *argv[] = {"true", NULL};
  pmux_target_t t = {.kind = PMUX_TARGET_COMMAND, .argv = argv};
  pmux_session_t *s;
  int status = -1, rc = pmux_session_create(&s, &t);
  if (rc < 0) {
    printf("create: %s\n", pmux_strerror(rc));
    return 1;
  }
  if ((rc = pmux_session_add_set_spec(s, "task-clock,page-faults")) < 0 ||
      (rc = pmux_session_start(s)) < 0 || (rc = pmux_session_run(s, &status)) < 0) {
    printf("%s: %s\n", pmux_strerror(rc), pmux_session_errmsg(s));
    pmux_session_destroy(s);
    return rc == -EACCES || rc == -EPERM || rc == -ENOSYS || rc == -ENOENT ? 77 : 1;
  }
  pmux_count_t c;
  rc = pmux_session_count(s, 1, &c);
  pmux_session_destroy(s);
  if (rc < 0 || status != 0 || !c.measured || c.raw == 0) {
    printf("rc %d status %d measured %d raw %llu\n", rc, status, c.measured,
           (unsigned long long)c.raw);
    return 1;
  }
  printf("page-faults of true: %llu\n", (unsigned long long)c.raw);
  return 0;
}
PROG
"$cc" -std=c11 -Wall -Wextra -Werror "${cflags[@]}" "$TMP/prog.c" "${libs[@]}" \
  -o "$TMP/prog" || fail "linking with pkg-config --libs pmux"
"$cc" -std=c11 -Wall -Wextra -Werror "${cflags[@]}" "$TMP/prog.c" \
  "$libdir/libpmux.a" "${slibs[@]}" -o "$TMP/prog-static" ||
  fail "linking libpmux.a with pkg-config --static --libs pmux"
grep -q 'NEEDED.*\[libpmux\.so\.0\]' <<<"$(readelf -d "$TMP/prog")" ||
  fail "prog does not load libpmux.so.0"
pass "built against the installed pmux"

for p in prog prog-static; do
  rc=0
  LD_LIBRARY_PATH=$libdir "$TMP/$p" || rc=$?
  [ "$rc" = 77 ] && { echo "SKIP: perf_event_open refused here"; exit 77; }
  [ "$rc" = 0 ] || fail "$p exited $rc"
done
pass "ran against the installed library"
