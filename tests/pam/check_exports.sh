#!/usr/bin/env bash
# check_exports.sh MODULE: pam_perfcap.so exports exactly the PAM service
# functions (its version script) and stands alone (no libpmux).
set -euo pipefail
mod=$1
command -v nm >/dev/null || { echo "SKIP: nm not installed"; exit 77; }
syms=$(nm -D --defined-only "$mod" | awk '{print $3}' | sort | tr '\n' ' ')
echo "exports: $syms"
want="pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred "
[ "$syms" = "$want" ] || { echo "FAIL: expected: $want"; exit 1; }
needed=$(objdump -p "$mod" | awk '/NEEDED/ {print $2}' | tr '\n' ' ')
echo "needs: $needed"
case "$needed" in
  *libpmux*) echo "FAIL: the module must not depend on libpmux"; exit 1 ;;
esac
case "$needed" in
  *libpam.so*) ;;
  *) echo "FAIL: the module does not link libpam"; exit 1 ;;
esac
