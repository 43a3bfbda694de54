/*
 * perfcap_apply.c - apply a grant with libcap.  Why inheritable: it is the
 * one set that survives the login program's setuid (ambient is cleared when
 * uid 0 becomes non-zero), and with a file capability cap_perfmon+ei only
 * the marked binary (pmux) gains the capability, only for granted users.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/securebits.h>
#include <sys/prctl.h>

#include "perfcap_apply.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const cap_value_t cap_numbers[PERFCAP_NCAPS] = {
  [PERFCAP_I_PERFMON] = CAP_PERFMON,
  [PERFCAP_I_SYSLOG] = CAP_SYSLOG,
  [PERFCAP_I_IPC_LOCK] = CAP_IPC_LOCK,
  [PERFCAP_I_BPF] = CAP_BPF,
  [PERFCAP_I_SYS_PTRACE] = CAP_SYS_PTRACE,
  [PERFCAP_I_SYS_ADMIN] = CAP_SYS_ADMIN,
};

int perfcap_cap_last_cap(void)
{
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  int v = -1;
  if (f) {
    if (fscanf(f, "%d", &v) != 1)
      v = -1;
    fclose(f);
  }
  /* Without /proc, probe the bounding set as libcap does. */
  if (v < 0)
    v = (int)cap_max_bits() - 1;
  return v;
}

int perfcap_clear_managed(int cap_last_cap, char *err, size_t errlen)
{
  cap_t caps = cap_get_proc();
  if (!caps) {
    snprintf(err, errlen, "cap_get_proc: %s", strerror(errno));
    return -errno;
  }
  int rc = 0;
  for (unsigned i = 0; i < PERFCAP_NCAPS; i++) {
    cap_value_t c = cap_numbers[i];
    if (c > cap_last_cap)
      continue;
    if (cap_set_flag(caps, CAP_INHERITABLE, 1, &c, CAP_CLEAR))
      rc = -EINVAL;
    if (CAP_AMBIENT_SUPPORTED() && cap_get_ambient(c) == 1 &&
        cap_set_ambient(c, CAP_CLEAR))
      rc = -errno;
  }
  if (!rc && cap_set_proc(caps))
    rc = -errno;
  if (rc)
    snprintf(err, errlen, "cannot clear the inheritable capabilities the "
             "module manages: %s", strerror(-rc));
  cap_free(caps);
  return rc;
}

static void add(struct perfcap_grant *g, cap_value_t c)
{
  for (size_t i = 0; i < g->n; i++)
    if (g->cap[i] == c)
      return;
  g->cap[g->n++] = c;
}

/* "PERFMON" for the capability of index i, as the kernel spells it. */
static const char *upper_name(unsigned i, char *buf, size_t len)
{
  const char *lc = perfcap_cap_name(1u << i);
  size_t o = 0;
  for (; lc && lc[o] && o + 1 < len; o++)
    buf[o] = (char)(lc[o] >= 'a' && lc[o] <= 'z' ? lc[o] - 'a' + 'A' : lc[o]);
  buf[o] = '\0';
  return buf;
}

int perfcap_resolve(unsigned caps, int cap_last_cap, int fallback_sys_admin,
                    struct perfcap_grant *out, char *err, size_t errlen)
{
  memset(out, 0, sizeof(*out));
  for (unsigned i = 0; i < PERFCAP_NCAPS; i++) {
    if (!(caps & (1u << i)))
      continue;
    cap_value_t c = cap_numbers[i];
    if (c > cap_last_cap) {
      int splittable = i == PERFCAP_I_PERFMON || i == PERFCAP_I_BPF;
      if (!splittable || !fallback_sys_admin) {
        char name[32];
        snprintf(err, errlen,
                 "this kernel has no CAP_%s (cap_last_cap %d < %d)%s",
                 upper_name(i, name, sizeof(name)), cap_last_cap, (int)c,
                 splittable ? "; the module argument fallback_sys_admin "
                              "grants CAP_SYS_ADMIN instead"
                            : "");
        memset(out, 0, sizeof(*out));
        return -ENOTSUP;
      }
      c = CAP_SYS_ADMIN; /* what Linux < 5.8 checks instead */
    }
    add(out, c);
  }
  return 0;
}

void perfcap_grant_format(const struct perfcap_grant *g, char *buf,
                          size_t len)
{
  size_t used = 0;
  if (!len)
    return;
  buf[0] = '\0';
  for (size_t i = 0; i < g->n; i++) {
    char *name = cap_to_name(g->cap[i]);
    int n = snprintf(buf + used, len - used, "%s%s", i ? "," : "",
                     name ? name : "?");
    cap_free(name);
    if (n < 0 || (size_t)n >= len - used)
      return;
    used += (size_t)n;
  }
}

static int cap_fail(int rc, cap_value_t c, char *err, size_t errlen,
                    const char *why)
{
  char *name = cap_to_name(c);
  snprintf(err, errlen, "%s %s", name ? name : "?", why);
  cap_free(name);
  return rc;
}

/* Every cap of g set in flag of caps? */
static int all_set(cap_t caps, const struct perfcap_grant *g, cap_flag_t flag)
{
  for (size_t i = 0; i < g->n; i++) {
    cap_flag_value_t v = CAP_CLEAR;
    if (cap_get_flag(caps, g->cap[i], flag, &v) || v != CAP_SET)
      return 0;
  }
  return 1;
}

int perfcap_raise_inheritable(const struct perfcap_grant *g, int for_ambient,
                              char *err, size_t errlen)
{
  int rc = 0;
  cap_t before = NULL, want = NULL, after = NULL;
  int keepcaps = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
  unsigned secbits = cap_get_secbits();

  /* Everything that could make the grant partial or useless is checked
   * before anything changes. */
  if (!for_ambient && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
    snprintf(err, errlen, "no_new_privs is set: file capabilities could "
                          "never take effect (use the ambient argument)");
    return -EPERM;
  }
  if (for_ambient && (secbits & SECBIT_NO_CAP_AMBIENT_RAISE)) {
    snprintf(err, errlen, "securebit NO_CAP_AMBIENT_RAISE is set");
    return -EPERM;
  }
  if (for_ambient && !keepcaps && (secbits & SECBIT_KEEP_CAPS_LOCKED)) {
    snprintf(err, errlen, "securebit KEEP_CAPS is locked off: the "
                          "permitted set cannot survive setuid");
    return -EPERM;
  }
  for (size_t i = 0; i < g->n; i++)
    if (cap_get_bound(g->cap[i]) != 1)
      return cap_fail(-EPERM, g->cap[i], err, errlen,
                      "is not in the bounding set");

  before = cap_get_proc();
  if (!before) {
    rc = -errno;
    snprintf(err, errlen, "cap_get_proc: %s", strerror(-rc));
    goto out;
  }
  for (size_t i = 0; i < g->n; i++) {
    cap_flag_value_t v = CAP_CLEAR;
    if (cap_get_flag(before, g->cap[i], CAP_PERMITTED, &v) || v != CAP_SET) {
      rc = cap_fail(-EPERM, g->cap[i], err, errlen,
                    "is not in the login program's permitted set");
      goto out;
    }
  }
  want = cap_dup(before);
  if (!want || cap_set_flag(want, CAP_INHERITABLE, (int)g->n, g->cap,
                            CAP_SET)) {
    rc = -ENOMEM;
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  if (cap_set_proc(want)) {
    rc = -errno;
    snprintf(err, errlen, "cap_set_proc: %s", strerror(-rc));
    goto restore;
  }
  after = cap_get_proc();
  if (!after || !all_set(after, g, CAP_INHERITABLE) || cap_compare(after, want)) {
    rc = -EIO;
    snprintf(err, errlen, "capabilities read back differ from those set");
    goto restore;
  }
  if (for_ambient && !keepcaps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) {
    rc = -errno;
    snprintf(err, errlen, "PR_SET_KEEPCAPS: %s", strerror(-rc));
    goto restore;
  }
  goto out;
restore:
  cap_set_proc(before);
out:
  cap_free(before);
  cap_free(want);
  cap_free(after);
  return rc;
}

int perfcap_raise_ambient(const struct perfcap_grant *g, char *err,
                          size_t errlen)
{
  int rc = 0;
  size_t i;
  /* PR_SET_KEEPCAPS kept the login program's whole permitted set across
   * its setuid: cut it to the grant first (permitted and inheritable the
   * grant, effective empty), or the user's process could raise CAP_SETUID
   * and be root again. */
  cap_t only = cap_init();
  if (!only || cap_set_flag(only, CAP_PERMITTED, (int)g->n, g->cap, CAP_SET) ||
      cap_set_flag(only, CAP_INHERITABLE, (int)g->n, g->cap, CAP_SET) ||
      cap_set_proc(only)) {
    rc = errno ? -errno : -ENOMEM;
    snprintf(err, errlen, "cannot cut the permitted set to the grant: %s",
             strerror(-rc));
    cap_free(only);
    /* Drop everything rather than keep more than the grant. */
    cap_t none = cap_init();
    if (none)
      cap_set_proc(none);
    cap_free(none);
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    return rc;
  }
  cap_free(only);
  for (i = 0; i < g->n; i++) {
    if (cap_set_ambient(g->cap[i], CAP_SET)) {
      rc = cap_fail(-errno, g->cap[i], err, errlen,
                    "could not be raised in the ambient set");
      break;
    }
    if (cap_get_ambient(g->cap[i]) != 1) {
      rc = cap_fail(-EIO, g->cap[i], err, errlen,
                    "reads back clear from the ambient set");
      i++;
      break;
    }
  }
  if (rc) /* never a partial grant */
    while (i-- > 0)
      cap_set_ambient(g->cap[i], CAP_CLEAR);
  /* The permitted set was kept only to reach this point. */
  prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  return rc;
}
