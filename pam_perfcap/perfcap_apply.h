/*
 * perfcap_apply.h - turn a grant into capabilities of the login process:
 * check that it can be granted whole, raise the inheritable set (and the
 * ambient set later, after setuid), read it back, undo on any mismatch.
 */
#ifndef PERFCAP_APPLY_H
#define PERFCAP_APPLY_H

#include <stddef.h>
#include <sys/capability.h>

#include "perfcap_conf.h"

/* The capability numbers of one grant. */
struct perfcap_grant {
  cap_value_t cap[PERFCAP_NCAPS];
  size_t n;
};

/* The kernel's highest capability number (/proc/sys/kernel/cap_last_cap). */
int perfcap_cap_last_cap(void);

/*
 * Map PERFCAP_* bits to capability numbers for a kernel whose highest is
 * cap_last_cap.  perfmon and bpf (Linux 5.8) become sys_admin on older
 * kernels only with fallback_sys_admin; otherwise -ENOTSUP with err set:
 * never a partial grant.
 */
int perfcap_resolve(unsigned caps, int cap_last_cap, int fallback_sys_admin,
                    struct perfcap_grant *out, char *err, size_t errlen);

/*
 * Clear the capabilities the module grants (perfmon, syslog, ipc_lock,
 * bpf, sys_ptrace, sys_admin) from the inheritable and ambient sets: a
 * login program started with them would otherwise hand them to every
 * user, named or not.  0, or negative errno with err set.
 */
int perfcap_clear_managed(int cap_last_cap, char *err, size_t errlen);

/*
 * Raise g in the inheritable set.  for_ambient: also keep the permitted set
 * across the coming setuid (PR_SET_KEEPCAPS) so that perfcap_raise_ambient
 * can run after it.  0, or negative errno with err set and nothing changed.
 */
int perfcap_raise_inheritable(const struct perfcap_grant *g, int for_ambient,
                              char *err, size_t errlen);

/* After the setuid: cut the permitted set kept by PR_SET_KEEPCAPS to g
 * (permitted and inheritable g, effective empty), raise g in the ambient
 * set (all or nothing), then drop keepcaps. */
int perfcap_raise_ambient(const struct perfcap_grant *g, char *err,
                          size_t errlen);

/* "cap_perfmon,cap_bpf" into buf. */
void perfcap_grant_format(const struct perfcap_grant *g, char *buf,
                          size_t len);

#endif
