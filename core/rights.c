/*
 * rights.c - what the calling user may do with perf_event_open(2), and for
 * each "no" the exact blocker and the fix (`pmux caps`).
 *
 * The rules, from Documentation/admin-guide/perf-security.rst and
 * kernel/events/core.c (Linux 5.8+), "capable" meaning in the effective set:
 *   paranoid >= 3 (Debian/Android patch): any open needs CAP_SYS_ADMIN;
 *   paranoid >= 2: kernel-level counting needs CAP_PERFMON or CAP_SYS_ADMIN;
 *   paranoid >= 1: per-CPU (system-wide) counting needs the same;
 *   other users' processes: ptrace read access, i.e. CAP_PERFMON,
 *   CAP_SYS_PTRACE or CAP_SYS_ADMIN;
 *   eBPF programs on perf events: CAP_BPF and CAP_PERFMON (or SYS_ADMIN);
 *   ring buffers beyond perf_event_mlock_kb per CPU + RLIMIT_MEMLOCK:
 *   CAP_IPC_LOCK (or paranoid -1).
 * Kernels before 5.8 (cap_last_cap < 38) check CAP_SYS_ADMIN instead of
 * CAP_PERFMON and CAP_BPF.  Where opening a software event can check a
 * rule, the kernel is asked too, and its answer wins: a seccomp filter or
 * an LSM can refuse what the rules allow.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "rights.h"
#include "sysroot.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define BIT(c) (UINT64_C(1) << (c))

static const struct {
  const char *name, *desc;
} rights[PMUX_RIGHT_COUNT] = {
  [PMUX_RIGHT_THREAD] = {"thread", "count own threads (user level)"},
  [PMUX_RIGHT_OTHER_PROC] = {"other_processes",
                             "count other users' processes"},
  [PMUX_RIGHT_SYSTEM_WIDE] = {"system_wide", "count system-wide, per CPU"},
  [PMUX_RIGHT_KERNEL] = {"kernel", "count kernel-level events"},
  [PMUX_RIGHT_TRACEPOINT] = {"tracepoints", "use tracepoint events"},
  [PMUX_RIGHT_KERNEL_FORMAT] = {"kernel_formats",
                                "in-kernel sampling formats (eBPF)"},
  [PMUX_RIGHT_HARDWARE] = {"hardware", "hardware counters (a PMU)"},
  [PMUX_RIGHT_BIG_BUFFER] = {"large_buffers",
                             "sampling buffers over the mlock allowance"},
};

const char *pmux_right_name(int r)
{
  return r >= 0 && r < PMUX_RIGHT_COUNT ? rights[r].name : "unknown";
}

const char *pmux_right_desc(int r)
{
  return r >= 0 && r < PMUX_RIGHT_COUNT ? rights[r].desc : "unknown";
}

/* The sysctls the rules read come through PMUX_SYSROOT (sysroot.h), so
 * that tests can present other paranoid levels; the probes, and the
 * process they probe, are always the real kernel's. */
static int read_int(const char *path, int fallback)
{
  FILE *f = pmux__sys_fopen(path, "re");
  int v;
  if (!f)
    return fallback;
  if (fscanf(f, "%d", &v) != 1)
    v = fallback;
  fclose(f);
  return v;
}

/* 0, or -errno of perf_event_open for one software event (CPU clock). */
static int probe(uint32_t type, uint64_t config, pid_t pid, int cpu,
                 int exclude_kernel)
{
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.type = type;
  attr.config = config;
  attr.disabled = 1;
  attr.exclude_kernel = exclude_kernel ? 1 : 0;
  attr.exclude_hv = 1;
  long fd = syscall(SYS_perf_event_open, &attr, pid, cpu, -1, 0);
  if (fd < 0)
    return -errno;
  close((int)fd);
  return 0;
}

static void read_caps(pmux_rights_t *r)
{
  cap_t c = cap_get_proc();
  for (int i = 0; c && i <= r->cap_last_cap && i < 64; i++) {
    cap_flag_value_t v;
    if (!cap_get_flag(c, i, CAP_EFFECTIVE, &v) && v == CAP_SET)
      r->cap_effective |= BIT(i);
    if (!cap_get_flag(c, i, CAP_PERMITTED, &v) && v == CAP_SET)
      r->cap_permitted |= BIT(i);
    if (!cap_get_flag(c, i, CAP_INHERITABLE, &v) && v == CAP_SET)
      r->cap_inheritable |= BIT(i);
    if (cap_get_bound(i) == 1)
      r->cap_bounding |= BIT(i);
    if (cap_get_ambient(i) == 1)
      r->cap_ambient |= BIT(i);
  }
  cap_free(c);
  r->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
  ssize_t n = readlink("/proc/self/exe", r->exe, sizeof(r->exe) - 1);
  r->exe[n > 0 ? n : 0] = '\0';
  cap_t f = r->exe[0] ? cap_get_file(r->exe) : NULL;
  for (int i = 0; f && i <= r->cap_last_cap && i < 64; i++) {
    cap_flag_value_t v;
    if (!cap_get_flag(f, i, CAP_INHERITABLE, &v) && v == CAP_SET)
      r->exe_fcap_inheritable |= BIT(i);
  }
  cap_free(f);
}

/* Capability names: lower case as perfcap.conf and setcap spell them,
 * upper case as the kernel's documentation does. */
static const char *cap_name(int cap, int upper)
{
  switch (cap) {
  case CAP_PERFMON: return upper ? "PERFMON" : "perfmon";
  case CAP_BPF: return upper ? "BPF" : "bpf";
  case CAP_SYS_ADMIN: return upper ? "SYS_ADMIN" : "sys_admin";
  case CAP_SYS_PTRACE: return upper ? "SYS_PTRACE" : "sys_ptrace";
  case CAP_IPC_LOCK: return upper ? "IPC_LOCK" : "ipc_lock";
  default: return "?";
  }
}

static const char *exe_or(const pmux_rights_t *r, const char *fallback)
{
  return r->exe[0] ? r->exe : fallback;
}

/* The initial user namespace's inode number (PROC_USER_INIT_INO, fixed
 * since Linux 3.8). */
#define USER_INIT_INO 0xEFFFFFFDu

/*
 * 1 when this process is in a user namespace other than the initial one
 * (a rootless container, unshare -U).  perf_event_open, perf_mmap and
 * bpf check capable(), i.e. the initial namespace, where such a process
 * holds no capability whatever its own sets say.
 */
static int in_child_userns(void)
{
  struct stat st;
  return !stat("/proc/self/ns/user", &st) && st.st_ino != USER_INIT_INO;
}

static int has(const pmux_rights_t *r, int cap)
{
  return cap <= r->cap_last_cap && (r->cap_effective & BIT(cap)) &&
         !in_child_userns();
}

/* CAP_PERFMON, or CAP_SYS_ADMIN where the kernel predates it. */
static int perf_cap(const pmux_rights_t *r)
{
  return r->kernel_has_perfmon ? CAP_PERFMON : CAP_SYS_ADMIN;
}

static int perfmon_capable(const pmux_rights_t *r)
{
  return has(r, CAP_SYS_ADMIN) || (r->kernel_has_perfmon && has(r, CAP_PERFMON));
}

/* A name perfcap.conf(5) accepts as WHO: letters, digits, _ - . (not
 * first -), at most 64 bytes, optionally ending in $. */
static int perfcap_name(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > 64 || s[0] == '-')
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
          (c == '$' && i == n - 1 && n > 1)))
      return 0;
  }
  return 1;
}

/*
 * The WHO of a perfcap.conf rule for this user: the name, "USER" when
 * unknown, or "@GROUP" when the name cannot appear in perfcap.conf
 * ("alice@corp.example", "DOMAIN\alice"): a rule naming it would make the
 * whole file invalid, refusing every login under 'session required'.
 */
static const char *user_name(const pmux_rights_t *r, char *buf, size_t len)
{
  struct passwd pw, *res = NULL;
  char tmp[1024];
  if (getpwuid_r(r->uid, &pw, tmp, sizeof(tmp), &res) || !res)
    snprintf(buf, len, "USER");
  else if (perfcap_name(pw.pw_name))
    snprintf(buf, len, "%s", pw.pw_name);
  else
    snprintf(buf, len, "@GROUP"); /* a group of this user's */
  return buf;
}

/*
 * Why cap is missing from the effective set, and how to get it there:
 * bounding set, no_new_privs, granted but the binary is not marked, or not
 * granted at login.
 */
static void missing_cap(const pmux_rights_t *r, int cap, char *why,
                        size_t wlen, char *fix, size_t flen)
{
  char user[65]; /* 64 bytes at most (perfcap_name) */
  const char *n = cap_name(cap, 1), *lc = cap_name(cap, 0);
  user_name(r, user, sizeof(user));
  if (in_child_userns()) {
    snprintf(why, wlen, "this process is in a user namespace (a container, "
             "unshare -U): the kernel checks CAP_%s in the initial "
             "namespace, where it holds no capability, whatever its own "
             "sets say", n);
    snprintf(fix, flen, "run pmux outside the user namespace, from a login "
             "granted CAP_%s (pam_perfcap(8))", n);
  } else if (!(r->cap_bounding & BIT(cap))) {
    snprintf(why, wlen, "CAP_%s is not in the bounding set (a parent or "
             "container dropped it), so nothing can grant it here", n);
    snprintf(fix, flen, "start the session from a login or container that "
             "keeps CAP_%s in the bounding set", n);
  } else if (r->cap_permitted & BIT(cap)) {
    snprintf(why, wlen, "CAP_%s is permitted but not effective", n);
    snprintf(fix, flen, "raise it in the effective set (capsh, or setcap "
             "cap_%s+ei %.100s)", lc, exe_or(r, "pmux"));
  } else if (r->cap_inheritable & BIT(cap)) {
    if (r->no_new_privs) {
      snprintf(why, wlen, "CAP_%s was granted at login (inheritable set) "
               "but no_new_privs is set, so no file capability can raise it "
               "on exec",
               n);
      snprintf(fix, flen, "run pmux outside the no_new_privs sandbox, or "
               "use pam_perfcap's 'ambient' argument");
    } else if (r->exe_fcap_inheritable & BIT(cap)) {
      snprintf(why, wlen, "CAP_%s is inheritable and %.100s carries it, yet it "
               "is not effective (file capabilities lost, or a nosuid "
               "mount)", n, r->exe);
      snprintf(fix, flen, "check the mount options and getcap %.100s", r->exe);
    } else {
      snprintf(why, wlen, "CAP_%s was granted at login (inheritable set) "
               "but %.100s carries no file capability for it", n,
               exe_or(r, "this program"));
      snprintf(fix, flen, "setcap cap_%s+ei %.100s", lc,
               exe_or(r, "pmux"));
    }
  } else {
    snprintf(why, wlen, "CAP_%s is missing (not effective, and not granted "
             "at login: the inheritable set lacks it)", n);
    snprintf(fix, flen, "add '%s %s' to /etc/security/perfcap.conf "
             "(pam_perfcap(8))%s, log in again, and setcap cap_%s+ei %.100s",
             cap == CAP_SYS_ADMIN ? "allow sys_admin' and 'sys_admin" : lc,
             user, user[0] == '@' ? " (GROUP: one of yours)" : "", lc,
             exe_or(r, "pmux"));
  }
}

static void yes(pmux_right_verdict_t *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void yes(pmux_right_verdict_t *v, const char *fmt, ...)
{
  va_list ap;
  v->allowed = 1;
  va_start(ap, fmt);
  vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
  va_end(ap);
  v->fix[0] = '\0';
}

/* Debian's level 3: nothing without CAP_SYS_ADMIN.  1 when it blocks. */
static int level3(const pmux_rights_t *r, pmux_right_verdict_t *v)
{
  if (r->paranoid < 3 || has(r, CAP_SYS_ADMIN))
    return 0;
  v->allowed = 0;
  snprintf(v->reason, sizeof(v->reason),
           "perf_event_paranoid is %d: this kernel allows perf_event_open "
           "only with CAP_SYS_ADMIN (CAP_PERFMON is not enough at level 3)",
           r->paranoid);
  snprintf(v->fix, sizeof(v->fix),
           "sysctl kernel.perf_event_paranoid=2 (then CAP_PERFMON suffices "
           "for the rest)");
  return 1;
}

/* A right that needs CAP_PERFMON (or SYS_ADMIN) when paranoid >= level. */
static void needs_perfmon_above(const pmux_rights_t *r, int level,
                                const char *what, pmux_right_verdict_t *v)
{
  if (level3(r, v))
    return;
  if (r->paranoid < level) {
    yes(v, "perf_event_paranoid %d allows %s to everyone", r->paranoid, what);
    return;
  }
  if (perfmon_capable(r)) {
    yes(v, "CAP_%s is effective", has(r, CAP_PERFMON) && r->kernel_has_perfmon
                                      ? "PERFMON" : "SYS_ADMIN");
    return;
  }
  char why[320], fix[320];
  missing_cap(r, perf_cap(r), why, sizeof(why), fix, sizeof(fix));
  v->allowed = 0;
  snprintf(v->reason, sizeof(v->reason),
           "perf_event_paranoid %d requires CAP_%s for %s; %.300s", r->paranoid,
           r->kernel_has_perfmon ? "PERFMON" : "SYS_ADMIN (kernel < 5.8)",
           what, why);
  snprintf(v->fix, sizeof(v->fix), "%.300s; or, for every user: sysctl "
           "kernel.perf_event_paranoid=%d", fix, level - 1);
}

/* The kernel's word overrides the rules when it was asked. */
static void confirm(pmux_right_verdict_t *v, int rc)
{
  v->probed = 1;
  v->rules_allowed = v->allowed;
  if (!rc && !v->allowed) {
    /* Keep what the rules said: it tells which setting pmux misread. */
    char rules[sizeof(v->reason)];
    snprintf(rules, sizeof(rules), "%s", v->reason);
    v->allowed = 1;
    snprintf(v->reason, sizeof(v->reason),
             "the kernel allowed it, although the rules say no (%.300s): a "
             "kernel policy pmux does not know", rules);
    v->fix[0] = '\0';
  } else if (rc && v->allowed) {
    v->allowed = 0;
    snprintf(v->reason, sizeof(v->reason),
             "the kernel refused a software event (%s) although the rules "
             "allow it: a seccomp filter, an LSM or a container policy",
             strerror(-rc));
    snprintf(v->fix, sizeof(v->fix),
             "ask the administrator of the sandbox to allow "
             "perf_event_open(2)");
  }
}

static void judge_other_proc(pmux_rights_t *r)
{
  pmux_right_verdict_t *v = &r->right[PMUX_RIGHT_OTHER_PROC];
  if (level3(r, v))
    return;
  if (perfmon_capable(r) || has(r, CAP_SYS_PTRACE)) {
    yes(v, "CAP_%s is effective (ptrace read access to every process)",
        perfmon_capable(r)
            ? (has(r, CAP_PERFMON) && r->kernel_has_perfmon ? "PERFMON"
                                                            : "SYS_ADMIN")
            : "SYS_PTRACE");
  } else {
    /* In a user namespace CAP_SYS_PTRACE reaches the namespace's own
     * processes only: no general "yes". */
    char why[320], fix[320];
    missing_cap(r, perf_cap(r), why, sizeof(why), fix, sizeof(fix));
    v->allowed = 0;
    snprintf(v->reason, sizeof(v->reason),
             "counting another user's process needs ptrace read access: "
             "CAP_%s or CAP_SYS_PTRACE; %.300s",
             r->kernel_has_perfmon ? "PERFMON" : "SYS_ADMIN", why);
    snprintf(v->fix, sizeof(v->fix), "%s", fix);
  }
  /* Ask the kernel when pid 1 belongs to someone else. */
  struct stat st;
  if (!stat("/proc/1", &st) && st.st_uid != r->euid)
    confirm(v, probe(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 1, -1, 1));
}

static void judge_tracepoints(pmux_rights_t *r)
{
  pmux_right_verdict_t *v = &r->right[PMUX_RIGHT_TRACEPOINT];
  const pmux_right_verdict_t *k = &r->right[PMUX_RIGHT_KERNEL];
  static const char *const dirs[] = {"/sys/kernel/tracing/events",
                                     "/sys/kernel/debug/tracing/events"};
  const char *found = NULL, *readable = NULL;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(dirs); i++) {
    struct stat st;
    char path[1024];
    pmux__sys_path(path, sizeof(path), dirs[i]);
    if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
      found = found ? found : dirs[i];
      if (!access(path, R_OK | X_OK))
        readable = readable ? readable : dirs[i];
    }
  }
  if (!k->allowed) {
    v->allowed = 0;
    snprintf(v->reason, sizeof(v->reason),
             "tracepoints fire in the kernel, so they need kernel-level "
             "counting: %.400s", k->reason);
    snprintf(v->fix, sizeof(v->fix), "%s", k->fix);
  } else if (!found) {
    v->allowed = 0;
    snprintf(v->reason, sizeof(v->reason),
             "tracefs is not mounted (no /sys/kernel/tracing/events): "
             "tracepoint ids cannot be read");
    snprintf(v->fix, sizeof(v->fix),
             "mount -t tracefs nodev /sys/kernel/tracing");
  } else if (!readable) {
    v->allowed = 0;
    snprintf(v->reason, sizeof(v->reason),
             "%s is not readable by this user (tracefs is root-only by "
             "default)", found);
    snprintf(v->fix, sizeof(v->fix),
             "mount tracefs with gid=GROUP,mode=750 for a group of profilers");
  } else {
    yes(v, "kernel-level counting allowed and %s readable", readable);
  }
}

static void judge_kernel_formats(pmux_rights_t *r)
{
  pmux_right_verdict_t *v = &r->right[PMUX_RIGHT_KERNEL_FORMAT];
  /* An eBPF program is attached to a perf event: none opens at level 3
   * without CAP_SYS_ADMIN, whatever CAP_BPF and CAP_PERFMON allow. */
  if (level3(r, v))
    return;
  if (has(r, CAP_SYS_ADMIN)) {
    yes(v, "CAP_SYS_ADMIN is effective");
    return;
  }
  if (!r->kernel_has_perfmon) {
    char why[320], fix[320];
    missing_cap(r, CAP_SYS_ADMIN, why, sizeof(why), fix, sizeof(fix));
    v->allowed = 0;
    snprintf(v->reason, sizeof(v->reason), "eBPF on perf events needs "
             "CAP_SYS_ADMIN before Linux 5.8; %.300s", why);
    snprintf(v->fix, sizeof(v->fix), "%s", fix);
    return;
  }
  int missing = !has(r, CAP_BPF) ? CAP_BPF : !has(r, CAP_PERFMON) ? CAP_PERFMON
                                                                  : -1;
  if (missing < 0) {
    yes(v, "CAP_BPF and CAP_PERFMON are effective");
    return;
  }
  char why[320], fix[320];
  missing_cap(r, missing, why, sizeof(why), fix, sizeof(fix));
  v->allowed = 0;
  snprintf(v->reason, sizeof(v->reason),
           "eBPF programs on perf events need CAP_BPF and CAP_PERFMON; %.300s",
           why);
  snprintf(v->fix, sizeof(v->fix), "%s", fix);
}

static void judge_hardware(pmux_rights_t *r)
{
  pmux_right_verdict_t *v = &r->right[PMUX_RIGHT_HARDWARE];
  int rc = probe(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 0, -1, 1);
  v->probed = 1;
  if (!rc) {
    yes(v, "a hardware PMU counts cycles");
  } else if (rc == -ENOENT || rc == -EOPNOTSUPP || rc == -ENODEV) {
    v->allowed = 0;
    snprintf(v->reason, sizeof(v->reason),
             "no hardware PMU: the kernel has no cycles counter (%s); a "
             "virtual machine without PMU passthrough?  Software events "
             "still work", strerror(-rc));
    snprintf(v->fix, sizeof(v->fix),
             "run on bare metal, or enable the virtual PMU (KVM: -cpu "
             "host,pmu=on)");
  } else {
    v->allowed = 0;
    snprintf(v->reason, sizeof(v->reason),
             "opening a cycles counter failed: %s", strerror(-rc));
    snprintf(v->fix, sizeof(v->fix), "%s",
             r->right[PMUX_RIGHT_THREAD].fix);
  }
}

static void judge_buffers(pmux_rights_t *r)
{
  pmux_right_verdict_t *v = &r->right[PMUX_RIGHT_BIG_BUFFER];
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  char limit[64];
  if (r->mlock_limit == UINT64_MAX)
    snprintf(limit, sizeof(limit), "unlimited");
  else
    snprintf(limit, sizeof(limit), "%llu KiB",
             (unsigned long long)(r->mlock_limit / 1024));
  /* A buffer belongs to an event, and at level 3 none opens without
   * CAP_SYS_ADMIN: CAP_IPC_LOCK alone buys nothing there. */
  if (level3(r, v))
    return;
  if (has(r, CAP_IPC_LOCK)) {
    yes(v, "CAP_IPC_LOCK is effective");
  } else if (r->paranoid < 0) {
    yes(v, "perf_event_paranoid %d lifts the mlock limit", r->paranoid);
  } else if (r->mlock_limit == UINT64_MAX) {
    yes(v, "RLIMIT_MEMLOCK is unlimited");
  } else {
    char why[320], fix[320];
    missing_cap(r, CAP_IPC_LOCK, why, sizeof(why), fix, sizeof(fix));
    v->allowed = 0;
    snprintf(v->reason, sizeof(v->reason),
             "ring buffers are limited to perf_event_mlock_kb (%d KiB) x %ld "
             "CPUs plus RLIMIT_MEMLOCK (%s); %.300s", r->perf_mlock_kb, cpus,
             limit, why);
    snprintf(v->fix, sizeof(v->fix), "%.300s; or raise memlock in "
             "/etc/security/limits.conf", fix);
  }
}

int pmux_rights_get(pmux_rights_t *out)
{
  pmux_rights_t *r = out;
  memset(r, 0, sizeof(*r));
  r->uid = getuid();
  r->euid = geteuid();
  r->paranoid = read_int("/proc/sys/kernel/perf_event_paranoid", -100);
  r->cap_last_cap = read_int("/proc/sys/kernel/cap_last_cap",
                             (int)cap_max_bits() - 1);
  r->kernel_has_perfmon = r->cap_last_cap >= CAP_PERFMON;
  r->perf_mlock_kb = read_int("/proc/sys/kernel/perf_event_mlock_kb", -1);
  struct rlimit rl;
  r->mlock_limit = getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY
                       ? UINT64_MAX
                       : (uint64_t)rl.rlim_cur;
  read_caps(r);
  if (r->paranoid == -100)
    return pmux__fail(-ENOENT, "cannot read /proc/sys/kernel/"
                      "perf_event_paranoid: is /proc mounted?");

  pmux_right_verdict_t *v = &r->right[PMUX_RIGHT_THREAD];
  if (!level3(r, v))
    yes(v, "perf_event_paranoid %d allows user-level counting of own "
        "threads", r->paranoid);
  confirm(v, probe(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 0, -1, 1));

  needs_perfmon_above(r, 1, "system-wide counting",
                      &r->right[PMUX_RIGHT_SYSTEM_WIDE]);
  confirm(&r->right[PMUX_RIGHT_SYSTEM_WIDE],
          probe(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, -1, 0, 1));
  needs_perfmon_above(r, 2, "kernel-level counting",
                      &r->right[PMUX_RIGHT_KERNEL]);
  confirm(&r->right[PMUX_RIGHT_KERNEL],
          probe(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 0, -1, 0));
  judge_other_proc(r);
  judge_tracepoints(r);
  judge_kernel_formats(r);
  judge_hardware(r);
  judge_buffers(r);
  for (int i = 0; i < PMUX_RIGHT_COUNT; i++)
    if (!r->right[i].probed)
      r->right[i].rules_allowed = r->right[i].allowed;
  return 0;
}

const char *pmux__rights_explain_other_process(char *buf, size_t len)
{
  pmux_rights_t *r = malloc(sizeof(*r));
  if (!r || pmux_rights_get(r)) {
    snprintf(buf, len, "see 'pmux caps'");
    free(r);
    return buf;
  }
  const pmux_right_verdict_t *v = &r->right[PMUX_RIGHT_OTHER_PROC];
  if (v->allowed)
    snprintf(buf, len, "see 'pmux caps'");
  else
    snprintf(buf, len, "%s; fix: %s", v->reason, v->fix);
  free(r);
  return buf;
}

const char *pmux__rights_explain(int system_wide, int kernel_level, char *buf,
                                 size_t len)
{
  pmux_rights_t *r = malloc(sizeof(*r));
  if (!r || pmux_rights_get(r)) {
    snprintf(buf, len, "see 'pmux caps'");
    free(r);
    return buf;
  }
  int which = !r->right[PMUX_RIGHT_THREAD].allowed ? PMUX_RIGHT_THREAD
              : system_wide && !r->right[PMUX_RIGHT_SYSTEM_WIDE].allowed
                  ? PMUX_RIGHT_SYSTEM_WIDE
              : kernel_level && !r->right[PMUX_RIGHT_KERNEL].allowed
                  ? PMUX_RIGHT_KERNEL
                  : -1;
  if (which < 0)
    snprintf(buf, len, "see 'pmux caps'");
  else
    snprintf(buf, len, "%s; fix: %s", r->right[which].reason,
             r->right[which].fix);
  free(r);
  return buf;
}
