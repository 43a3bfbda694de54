/*
 * test_reserve.c - counter reservation arithmetic per family with the NMI
 * watchdog on, off and not perf-based; oprofile and perf users found
 * through a fake PMUX_SYSROOT; leases taken, refused (naming the holder),
 * recovered when stale, and the watchdog restored from a stale lease.
 * Sysroots: tests/data/sysroot/ (read-only) and trees built here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <limits.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "pmux/pmux.h"

#ifndef PMUX_SYSROOT_DATA
#error "PMUX_SYSROOT_DATA: tests/data/sysroot"
#endif

static void use_sysroot(const char *name)
{
  char p[1024];
  snprintf(p, sizeof(p), "%s/%s", PMUX_SYSROOT_DATA, name);
  setenv("PMUX_SYSROOT", p, 1);
}

static uint64_t mask_of(const pmux_pmu_t *pmu, const char *name)
{
  for (int c = 0; c < pmux_pmu_ncounters(pmu); c++) {
    pmux_counter_info_t ci;
    pmux_pmu_counter(pmu, c, &ci);
    if (!strcmp(ci.name, name))
      return 1ull << c;
  }
  fail_msg("%s has no counter %s", pmux_pmu_name(pmu), name);
  return 0;
}

/* family, the counter the watchdog takes (NULL: none described) */
static const struct {
  const char *pmu;
  const char *wd;
} families[] = {
    {"core2", "FIXED1"},       {"intel_arch", "FIXED1"},
    {"amd64_k8", "PMC0"},      {"amd64_fam10h", "PMC0"},
    {"amd64_fam17h", "PMC0"},  {"mips74k", NULL},
    {"power7", NULL},          {"power8", NULL},
};

static void test_watchdog_on(void **state)
{
  (void)state;
  use_sysroot("watchdog-on");
  for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
    const pmux_pmu_t *pmu;
    assert_int_equal(pmux_pmu_find(families[i].pmu, &pmu), 0);
    pmux_reservation_t r;
    assert_int_equal(pmux_reserve(&*pmu, &r), 0);
    uint64_t all = pmux_pmu_counters_mask(pmu);
    assert_int_equal(r.nmi_watchdog, 1);
    assert_int_equal(r.watchdog_perf, 1);
    assert_true(r.counters == all);
    if (families[i].wd) {
      uint64_t wd = mask_of(pmu, families[i].wd);
      assert_true(r.watchdog_mask == wd);
      assert_true(r.free_mask == (all & ~wd));
      char want[64];
      snprintf(want, sizeof(want), "the NMI watchdog holds %s",
               families[i].wd);
      assert_string_equal(r.reason, want);
    } else {
      assert_true(r.watchdog_mask == 0);
      assert_true(r.free_mask == all);
      assert_non_null(strstr(r.evidence, "describes no watchdog counter"));
    }
    assert_true(pmux_reserve_free_mask(pmu) == r.free_mask);
    assert_non_null(strstr(r.evidence, "nmi_watchdog = 1"));
    assert_non_null(strstr(r.evidence, "Permanently consumes"));
  }
}

static void test_watchdog_off(void **state)
{
  (void)state;
  use_sysroot("watchdog-off");
  for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
    const pmux_pmu_t *pmu;
    assert_int_equal(pmux_pmu_find(families[i].pmu, &pmu), 0);
    pmux_reservation_t r;
    assert_int_equal(pmux_reserve(pmu, &r), 0);
    assert_int_equal(r.nmi_watchdog, 0);
    assert_true(r.watchdog_mask == 0);
    assert_true(r.free_mask == pmux_pmu_counters_mask(pmu));
    assert_string_equal(r.reason, "");
  }
}

/* kernel 6.6+ buddy detector: the watchdog runs but holds no counter */
static void test_watchdog_not_perf_based(void **state)
{
  (void)state;
  use_sysroot("watchdog-buddy");
  const pmux_pmu_t *pmu;
  assert_int_equal(pmux_pmu_find("core2", &pmu), 0);
  pmux_reservation_t r;
  assert_int_equal(pmux_reserve(pmu, &r), 0);
  assert_int_equal(r.nmi_watchdog, 1);
  assert_int_equal(r.watchdog_perf, 0);
  assert_true(r.free_mask == pmux_pmu_counters_mask(pmu));
  assert_non_null(strstr(r.evidence, "not perf-based"));
}

/* no sysctl at all (kernel without a hard-lockup detector) */
static void test_watchdog_absent(void **state)
{
  (void)state;
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  assert_non_null(mkdtemp(dir));
  setenv("PMUX_SYSROOT", dir, 1);
  const pmux_pmu_t *pmu;
  assert_int_equal(pmux_pmu_find("amd64_fam17h", &pmu), 0);
  pmux_reservation_t r;
  assert_int_equal(pmux_reserve(pmu, &r), 0);
  assert_int_equal(r.nmi_watchdog, -1);
  assert_int_equal(r.watchdog_perf, -1);
  assert_true(r.free_mask == pmux_pmu_counters_mask(pmu));
  assert_non_null(strstr(r.evidence, "no hard-lockup detector"));
  rmdir(dir);
}

static void test_oprofile_detected(void **state)
{
  (void)state;
  use_sysroot("oprofile");
  pmux_pmu_users_t u;
  assert_int_equal(pmux_pmu_users_scan(&u), 0);
  assert_int_equal(u.oprofile, 1);
  int mounted = 0, daemon = 0;
  for (int i = 0; i < u.n; i++) {
    assert_int_equal(u.user[i].kind, PMUX_USER_OPROFILE);
    mounted |= u.user[i].pid == 0 &&
               strstr(u.user[i].what, "oprofilefs mounted at /dev/oprofile");
    daemon |= u.user[i].pid == 4242 && !strcmp(u.user[i].comm, "oprofiled");
  }
  assert_true(mounted);
  assert_true(daemon);
  /* its enabled counter 0 is the first generic counter: PMC0 */
  const pmux_pmu_t *pmu;
  assert_int_equal(pmux_pmu_find("amd64_k8", &pmu), 0);
  pmux_reservation_t r;
  assert_int_equal(pmux_reserve(pmu, &r), 0);
  assert_true(r.held_mask == mask_of(pmu, "PMC0"));
  assert_true(r.free_mask == (pmux_pmu_counters_mask(pmu) &
                              ~mask_of(pmu, "PMC0")));
  assert_string_equal(r.reason, "oprofile holds PMC0");
  /* core2: counter 0 of oprofile is PMC0 there too (fixed ones skipped) */
  assert_int_equal(pmux_pmu_find("core2", &pmu), 0);
  assert_int_equal(pmux_reserve(pmu, &r), 0);
  assert_true(r.held_mask == mask_of(pmu, "PMC0"));
}

static void put(const char *dir, const char *rel, const char *text)
{
  char p[1024];
  snprintf(p, sizeof(p), "%s/%s", dir, rel);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void mkdirs(const char *dir, const char *rel)
{
  char cmd[2200];
  snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", dir, rel);
  assert_int_equal(system(cmd), 0);
}

static void rmtree(const char *dir)
{
  char cmd[1100];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* a process holding perf events: anon_inode:[perf_event] links in fd/ */
static void test_perf_users_detected(void **state)
{
  (void)state;
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  assert_non_null(mkdtemp(dir));
  mkdirs(dir, "proc/777/fd");
  mkdirs(dir, "proc/778/fd");
  put(dir, "proc/mounts", "proc /proc proc rw 0 0\n");
  put(dir, "proc/777/comm", "perf\n");
  put(dir, "proc/778/comm", "bash\n");
  char p[1100];
  for (int i = 3; i < 6; i++) {
    snprintf(p, sizeof(p), "%s/proc/777/fd/%d", dir, i);
    assert_int_equal(symlink("anon_inode:[perf_event]", p), 0);
  }
  snprintf(p, sizeof(p), "%s/proc/778/fd/0", dir);
  assert_int_equal(symlink("/dev/pts/0", p), 0);
  mkdirs(dir, "proc/779");
  put(dir, "proc/779/comm", "operf\n");
  setenv("PMUX_SYSROOT", dir, 1);
  pmux_pmu_users_t u;
  assert_int_equal(pmux_pmu_users_scan(&u), 0);
  int perf = 0, operf = 0;
  for (int i = 0; i < u.n; i++) {
    if (u.user[i].pid == 777) {
      assert_int_equal(u.user[i].kind, PMUX_USER_PERF);
      assert_string_equal(u.user[i].comm, "perf");
      assert_string_equal(u.user[i].what, "3 perf events");
      perf = 1;
    }
    assert_int_not_equal(u.user[i].pid, 778);
    if (u.user[i].pid == 779) {
      assert_int_equal(u.user[i].kind, PMUX_USER_OPROFILE);
      operf = 1;
    }
  }
  assert_true(perf && operf);
  assert_int_equal(u.perf, 1);
  assert_int_equal(u.oprofile, 1);
  rmtree(dir);
}

static void test_cpulist(void **state)
{
  (void)state;
  int c[16];
  assert_int_equal(pmux_cpulist_parse("0-3,8", c, 16), 5);
  assert_int_equal(c[3], 3);
  assert_int_equal(c[4], 8);
  assert_int_equal(pmux_cpulist_parse("1", c, 16), 1);
  assert_int_equal(pmux_cpulist_parse("", c, 16), PMUX_ESYNTAX);
  assert_int_equal(pmux_cpulist_parse("3-1", c, 16), PMUX_ESYNTAX);
  assert_int_equal(pmux_cpulist_parse("0,x", c, 16), PMUX_ESYNTAX);
  assert_int_equal(pmux_cpulist_parse("0-99", c, 16), PMUX_ESYNTAX);
  /* Digits only, as sysfs writes lists (fuzz_cpulist): strtol's blanks,
   * signs and a trailing comma are refused. */
  static const char *bad[] = {" 1", "+1", "1- 3", "1-+3", "1,", "0, 2",
                              "-0"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    if (pmux_cpulist_parse(bad[i], c, 16) != PMUX_ESYNTAX)
      fail_msg("CPU list '%s' taken", bad[i]);
}

static char rundir[64];

static void fresh_rundir(void)
{
  snprintf(rundir, sizeof(rundir), "/tmp/pmux-run-XXXXXX");
  assert_non_null(mkdtemp(rundir));
  setenv("PMUX_RUNDIR", rundir, 1);
}

static void test_lease_busy_names_holder(void **state)
{
  (void)state;
  fresh_rundir();
  /* CPUs 0 and 1 exist on every host this runs on (a 1-CPU host skips) */
  if (sysconf(_SC_NPROCESSORS_CONF) < 2)
    skip();
  int cpu0[] = {0}, cpu1[] = {1}, cpus10[] = {1, 0}, cpus01[] = {0, 1};
  pmux_lease_t *a, *b;
  assert_int_equal(pmux_lease_take(cpu0, 1, 0, "pmux stat -C 0", &a), 0);
  /* flock is per open file: the same process is refused too; CPU 1 is
   * taken first, then given back when CPU 0 is refused */
  assert_int_equal(pmux_lease_take(cpus10, 2, 0, "second", &b), -EBUSY);
  char want[64];
  snprintf(want, sizeof(want), "CPU 0 is held by pmux pid %d", (int)getpid());
  assert_non_null(strstr(pmux_errmsg(), want));
  assert_non_null(strstr(pmux_errmsg(), "'pmux stat -C 0'"));
  pmux_lease_holder_t h[4];
  assert_int_equal(pmux_lease_holders(cpu1, 1, h, 4), 0);
  assert_int_equal(pmux_lease_holders(cpus01, 2, h, 4), 1);
  assert_int_equal(h[0].pid, getpid());
  assert_int_equal(h[0].cpu, 0);
  assert_string_equal(h[0].cmd, "pmux stat -C 0");
  assert_int_equal(pmux_lease_take(cpu1, 1, 0, "third", &b), 0);
  assert_int_equal(pmux_lease_holders(cpus01, 2, h, 4), 2);
  pmux_lease_release(b);
  pmux_lease_release(a);
  assert_int_equal(pmux_lease_holders(cpus01, 2, h, 4), 0);
  assert_int_equal(pmux_lease_take(cpus01, 2, 0, "again", &b), 0);
  pmux_lease_release(b);
  /* a CPU the host lacks is refused before any file is made */
  int none[] = {(int)sysconf(_SC_NPROCESSORS_CONF)};
  assert_int_equal(pmux_lease_take(none, 1, 0, "x", &b), PMUX_ECONFIG);
  assert_non_null(strstr(pmux_errmsg(), "does not exist"));
  rmtree(rundir);
}

/* A writable copy of a sysroot with kernel.nmi_watchdog = v. */
static void writable_sysroot(char *dir, int v)
{
  assert_non_null(mkdtemp(dir));
  mkdirs(dir, "proc/sys/kernel");
  char num[8];
  snprintf(num, sizeof(num), "%d\n", v);
  put(dir, "proc/sys/kernel/nmi_watchdog", num);
  setenv("PMUX_SYSROOT", dir, 1);
}

static int nmi_value(const char *dir)
{
  char p[1100];
  snprintf(p, sizeof(p), "%s/proc/sys/kernel/nmi_watchdog", dir);
  FILE *f = fopen(p, "r");
  int v = -1;
  assert_non_null(f);
  assert_int_equal(fscanf(f, "%d", &v), 1);
  fclose(f);
  return v;
}

/* A child locks rundir/name as op says for ms milliseconds, then exits;
 * returns once the lock is held. */
static pid_t hold_lock(const char *name, int op, int ms)
{
  int pipefd[2];
  assert_int_equal(pipe(pipefd), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char p[1100];
    snprintf(p, sizeof(p), "%s/%s", rundir, name);
    int fd = open(p, O_RDWR | O_CREAT, 0600);
    char ok = fd >= 0 && !flock(fd, op) ? 'y' : 'n';
    if (write(pipefd[1], &ok, 1) != 1)
      _exit(1);
    usleep((useconds_t)ms * 1000);
    _exit(0);
  }
  char ok = 0;
  assert_int_equal(read(pipefd[0], &ok, 1), 1);
  assert_int_equal(ok, 'y');
  close(pipefd[0]);
  close(pipefd[1]);
  return pid;
}

/* A lock held for a moment by someone who takes nothing (a per-thread
 * pmux stat's pmux_lease_holders() probe, LOCK_SH; another run's
 * pmux_lease_recover(), LOCK_EX on the watchdog's) is waited out: it once
 * refused the session, "held by another system-wide pmux session". */
static void test_lease_probe_is_not_a_holder(void **state)
{
  (void)state;
  fresh_rundir();
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  writable_sysroot(dir, 1);
  int cpu0[] = {0};
  pmux_lease_t *a;
  pid_t probe = hold_lock("cpu0.lock", LOCK_SH, 20);
  assert_int_equal(pmux_lease_take(cpu0, 1, 0, "x", &a), 0);
  pmux_lease_release(a);
  waitpid(probe, NULL, 0);
  probe = hold_lock("nmi_watchdog.lock", LOCK_EX, 20);
  assert_int_equal(pmux_lease_take(cpu0, 1, PMUX_LEASE_NMI_OFF, "x", &a), 0);
  assert_int_equal(nmi_value(dir), 0);
  pmux_lease_release(a);
  assert_int_equal(nmi_value(dir), 1);
  waitpid(probe, NULL, 0);
  rmtree(dir);
  rmtree(rundir);
}

/* A stale record whose pid now belongs to another process, one that
 * started after the record was written, names no holder: the lease is
 * taken even while a probe locks it for a moment (that process was once
 * named as the holder).  Its comm holds ") " and numbers, against a
 * /proc/PID/stat parse that stops at the first ')'. */
static void test_lease_stale_pid_reused(void **state)
{
  (void)state;
  fresh_rundir();
  int pipefd[2];
  assert_int_equal(pipe(pipefd), 0);
  pid_t other = fork();
  assert_true(other >= 0);
  if (other == 0) {
    prctl(PR_SET_NAME, "a) 1 2 3 4 5 6");
    if (write(pipefd[1], "y", 1) != 1)
      _exit(1);
    pause();
    _exit(0);
  }
  char ok = 0;
  assert_int_equal(read(pipefd[0], &ok, 1), 1);
  close(pipefd[0]);
  close(pipefd[1]);
  char rec[256];
  snprintf(rec, sizeof(rec), "pid=%d uid=0 start=%llu nmi_old=-1 cmd=pmux "
           "stat -C 0 -- killed\n", (int)other,
           (unsigned long long)time(NULL) - 100);
  put(rundir, "cpu0.lock", rec);
  int cpu0[] = {0};
  pmux_lease_t *a;
  pid_t probe = hold_lock("cpu0.lock", LOCK_SH, 20);
  int err = pmux_lease_take(cpu0, 1, 0, "x", &a);
  kill(other, SIGKILL);
  waitpid(other, NULL, 0);
  waitpid(probe, NULL, 0);
  assert_int_equal(err, 0);
  pmux_lease_release(a);
  rmtree(rundir);
}

static void test_watchdog_disabled_and_restored(void **state)
{
  (void)state;
  fresh_rundir();
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  writable_sysroot(dir, 1);
  int cpu0[] = {0};
  pmux_lease_t *a, *b;
  assert_int_equal(pmux_lease_take(cpu0, 1, PMUX_LEASE_NMI_OFF, "x", &a), 0);
  assert_int_equal(nmi_value(dir), 0);
  /* one watchdog lease at a time */
  int cpu1[] = {1};
  assert_int_equal(pmux_lease_take(cpu1, 1, PMUX_LEASE_NMI_OFF, "y", &b),
                   -EBUSY);
  assert_non_null(strstr(pmux_errmsg(), "the NMI watchdog is held by pmux"));
  /* while it lives, nothing is recovered */
  char msg[256];
  assert_int_equal(pmux_lease_recover(msg, sizeof(msg)), 0);
  assert_int_equal(nmi_value(dir), 0);
  pmux_lease_release(a);
  assert_int_equal(nmi_value(dir), 1);
  assert_int_equal(pmux_lease_recover(msg, sizeof(msg)), 0);
  rmtree(dir);
  rmtree(rundir);
}

/* A stale watchdog record whose value the kernel refuses (it takes 0 or
 * 1) is damaged, as one that does not parse: it is not restored, which
 * failed every run until someone deleted the file, nor reported stale. */
static void test_watchdog_damaged_record(void **state)
{
  (void)state;
  fresh_rundir();
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  writable_sysroot(dir, 0);
  put(rundir, "nmi_watchdog.lock", "pid=1 uid=0 start=1 nmi_old=5 cmd=x\n");
  pmux_lease_holder_t h;
  /* said (pmux info prints it), not taken for "none" */
  assert_int_equal(pmux_lease_nmi_stale(&h), PMUX_EFILE);
  assert_non_null(strstr(pmux_errmsg(), "nmi_watchdog.lock: a damaged record"));
  assert_int_equal(h.nmi_old, -1);
  char msg[256];
  assert_int_equal(pmux_lease_recover(msg, sizeof(msg)), 0);
  assert_int_equal(nmi_value(dir), 0);
  rmtree(dir);
  rmtree(rundir);
}

/* pmux_lease_nmi_holder() names the live holder of the watchdog lease and
 * the value it restores (pmux info once listed only the CPU leases); none
 * before and after. */
static void test_watchdog_lease_holder(void **state)
{
  (void)state;
  fresh_rundir();
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  writable_sysroot(dir, 1);
  pmux_lease_holder_t h;
  assert_int_equal(pmux_lease_nmi_holder(&h), 0);
  int cpu0[] = {0};
  pmux_lease_t *a;
  assert_int_equal(pmux_lease_take(cpu0, 1, 0, "cpus only", &a), 0);
  assert_int_equal(pmux_lease_nmi_holder(&h), 0);
  pmux_lease_release(a);
  assert_int_equal(pmux_lease_take(cpu0, 1, PMUX_LEASE_NMI_OFF, "pmux stat "
                                   "--disable-nmi-watchdog", &a), 0);
  assert_int_equal(pmux_lease_nmi_holder(&h), 1);
  assert_int_equal(h.cpu, -1);
  assert_int_equal(h.pid, getpid());
  assert_int_equal(h.uid, geteuid());
  assert_int_equal(h.nmi_old, 1);
  assert_string_equal(h.cmd, "pmux stat --disable-nmi-watchdog");
  pmux_lease_release(a);
  assert_int_equal(pmux_lease_nmi_holder(&h), 0);
  assert_int_equal(pmux_lease_nmi_holder(NULL), -EINVAL);
  rmtree(dir);
  rmtree(rundir);
}

/* The holder is killed (-9) after disabling the watchdog: the next run
 * finds the stale lease and restores it; a new lease on its CPU works. */
static void test_watchdog_restored_after_kill(void **state)
{
  (void)state;
  fresh_rundir();
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  writable_sysroot(dir, 1);
  int pipefd[2];
  assert_int_equal(pipe(pipefd), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int cpu0[] = {0};
    pmux_lease_t *a;
    char ok = pmux_lease_take(cpu0, 1, PMUX_LEASE_NMI_OFF, "victim", &a)
                  ? 'n' : 'y';
    if (write(pipefd[1], &ok, 1) != 1)
      _exit(1);
    pause();
    _exit(0);
  }
  char ok = 0;
  assert_int_equal(read(pipefd[0], &ok, 1), 1);
  assert_int_equal(ok, 'y');
  assert_int_equal(nmi_value(dir), 0);
  pmux_lease_holder_t stale;
  assert_int_equal(pmux_lease_nmi_stale(&stale), 0); /* live: not stale */
  int cpu0[] = {0};
  pmux_lease_t *b;
  assert_int_equal(pmux_lease_take(cpu0, 1, 0, "loser", &b), -EBUSY);
  char want[64];
  snprintf(want, sizeof(want), "pid %d", (int)pid);
  assert_non_null(strstr(pmux_errmsg(), want));
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  assert_int_equal(nmi_value(dir), 0); /* nobody restored it yet */
  assert_int_equal(pmux_lease_nmi_stale(&stale), 1);
  assert_int_equal(stale.pid, pid);
  assert_int_equal(stale.nmi_old, 1);
  assert_string_equal(stale.cmd, "victim");
  assert_int_equal(nmi_value(dir), 0); /* reading it restores nothing */
  char msg[256];
  assert_int_equal(pmux_lease_recover(msg, sizeof(msg)), 1);
  assert_non_null(strstr(msg, want));
  assert_int_equal(nmi_value(dir), 1);
  assert_int_equal(pmux_lease_recover(msg, sizeof(msg)), 0);
  assert_int_equal(pmux_lease_nmi_stale(&stale), 0);
  /* the stale CPU lease is not a holder; a new session takes it */
  pmux_lease_holder_t h[2];
  assert_int_equal(pmux_lease_holders(cpu0, 1, h, 2), 0);
  assert_int_equal(pmux_lease_take(cpu0, 1, 0, "next", &b), 0);
  pmux_lease_release(b);
  close(pipefd[0]);
  close(pipefd[1]);
  rmtree(dir);
  rmtree(rundir);
}

/* The lease files deleted while their holder runs (an admin emptying the
 * folder, a tmpfiles clean-up): a second session made new files, flocked
 * them and took the CPU, or the watchdog, beside the first.  It is refused,
 * naming the holder; the readers still name it; nothing is restored from
 * under it; once it ends, the leases are free. */
/* Connect to the lease name of rundir/file until its holder's listen
 * queue is full (the holder never accepts: each asking stays queued). */
static void fill_name_queue(const char *file)
{
  char real[PATH_MAX];
  assert_non_null(realpath(rundir, real));
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  int k = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
                   "pmux-lease:%s/%s", real, file);
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                              (size_t)k);
  for (int i = 0; i < 200000; i++) {
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(s >= 0);
    int r = connect(s, (struct sockaddr *)&sa, len), e = errno;
    close(s);
    if (r && e == EAGAIN)
      return;
    assert_int_equal(r, 0);
  }
  fail_msg("the queue of %s never filled", file);
}

static void test_lease_file_deleted_still_held(void **state)
{
  (void)state;
  fresh_rundir();
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  writable_sysroot(dir, 1);
  int cpu0[] = {0};
  pmux_lease_t *a, *b;
  assert_int_equal(pmux_lease_take(cpu0, 1, PMUX_LEASE_NMI_OFF, "first",
                                   &a), 0);
  char p[1100];
  snprintf(p, sizeof(p), "%s/cpu0.lock", rundir);
  assert_int_equal(unlink(p), 0);
  snprintf(p, sizeof(p), "%s/nmi_watchdog.lock", rundir);
  assert_int_equal(unlink(p), 0);
  char want[64];
  snprintf(want, sizeof(want), "CPU 0 is held by pmux pid %d", (int)getpid());
  assert_int_equal(pmux_lease_take(cpu0, 1, 0, "second", &b), -EBUSY);
  assert_non_null(strstr(pmux_errmsg(), want));
  /* Askings fill the holder's queue (a script retrying pmux stat -a while
   * the file is gone): the name still holds, its holder found through
   * /proc (connect() said EAGAIN, and a second session started). */
  fill_name_queue("cpu0.lock");
  assert_int_equal(pmux_lease_take(cpu0, 1, 0, "second", &b), -EBUSY);
  assert_non_null(strstr(pmux_errmsg(), want));
  pmux_lease_holder_t h[2];
  assert_int_equal(pmux_lease_holders(cpu0, 1, h, 2), 1);
  assert_int_equal(h[0].pid, getpid());
  assert_int_equal(h[0].cpu, 0);
  if (sysconf(_SC_NPROCESSORS_CONF) >= 2) {
    int cpu1[] = {1};
    assert_int_equal(pmux_lease_take(cpu1, 1, PMUX_LEASE_NMI_OFF, "third",
                                     &b), -EBUSY);
    snprintf(want, sizeof(want), "the NMI watchdog is held by pmux pid %d",
             (int)getpid());
    assert_non_null(strstr(pmux_errmsg(), want));
  }
  assert_int_equal(pmux_lease_nmi_holder(h), 1);
  assert_int_equal(h[0].pid, getpid());
  assert_int_equal(h[0].nmi_old, -1); /* it went with the file */
  /* a stale record put back where the live holder's was is not restored */
  put(rundir, "nmi_watchdog.lock", "pid=1 uid=0 start=1 nmi_old=1 cmd=x\n");
  assert_int_equal(pmux_lease_nmi_stale(h), 0);
  char msg[256];
  assert_int_equal(pmux_lease_recover(msg, sizeof(msg)), 0);
  assert_int_equal(nmi_value(dir), 0);
  assert_int_equal(unlink(p), 0);
  pmux_lease_release(a);
  assert_int_equal(nmi_value(dir), 1);
  assert_int_equal(pmux_lease_holders(cpu0, 1, h, 2), 0);
  assert_int_equal(pmux_lease_take(cpu0, 1, PMUX_LEASE_NMI_OFF, "next", &b),
                   0);
  pmux_lease_release(b);
  rmtree(dir);
  rmtree(rundir);
}

/* The lease folder itself removed (rm -rf /run/pmux): the readers, which
 * do not make the folder, still find the holder by its names. */
static void test_lease_folder_deleted_still_held(void **state)
{
  (void)state;
  fresh_rundir();
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  writable_sysroot(dir, 1);
  int cpu0[] = {0};
  pmux_lease_t *a, *b;
  assert_int_equal(pmux_lease_take(cpu0, 1, PMUX_LEASE_NMI_OFF, "first",
                                   &a), 0);
  rmtree(rundir);
  pmux_lease_holder_t h[2];
  assert_int_equal(pmux_lease_holders(cpu0, 1, h, 2), 1);
  assert_int_equal(h[0].pid, getpid());
  assert_int_equal(pmux_lease_nmi_holder(h), 1);
  assert_int_equal(h[0].pid, getpid());
  assert_int_equal(pmux_lease_nmi_stale(h), 0);
  char msg[256];
  assert_int_equal(pmux_lease_recover(msg, sizeof(msg)), 0);
  assert_int_equal(nmi_value(dir), 0);
  /* a taker makes the folder again, and is refused */
  assert_int_equal(pmux_lease_take(cpu0, 1, 0, "second", &b), -EBUSY);
  pmux_lease_release(a);
  assert_int_equal(nmi_value(dir), 1);
  assert_int_equal(pmux_lease_holders(cpu0, 1, h, 2), 0);
  rmtree(dir);
  rmtree(rundir);
}

/* The classic race of flock on a path: a waiter opened the lease file,
 * then the file was replaced (renamed over, deleted and made again) and
 * another process locked the new one; the waiter's lock, once the old
 * file's holder lets go, is on a file no one else will ever open, and was
 * taken for the lease.  Here a child locks the old file for a moment (as
 * a probe does, so the waiter waits), puts a new file in its place that
 * it locks with its own live record, then lets the old one go. */
static void test_lease_lock_on_replaced_file(void **state)
{
  (void)state;
  fresh_rundir();
  int pipefd[2];
  assert_int_equal(pipe(pipefd), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char old[1100], neu[1100], rec[256];
    snprintf(old, sizeof(old), "%s/cpu0.lock", rundir);
    snprintf(neu, sizeof(neu), "%s/cpu0.new", rundir);
    int fd = open(old, O_RDWR | O_CREAT, 0600);
    if (fd < 0 || flock(fd, LOCK_SH) || write(pipefd[1], "y", 1) != 1)
      _exit(1);
    usleep(50000); /* the waiter opens the old file meanwhile */
    int nfd = open(neu, O_RDWR | O_CREAT, 0600);
    int n = snprintf(rec, sizeof(rec), "pid=%d uid=%u start=%llu nmi_old=-1 "
                     "cmd=replacer\n", (int)getpid(), (unsigned)geteuid(),
                     (unsigned long long)time(NULL) + 1);
    if (nfd < 0 || flock(nfd, LOCK_EX) || write(nfd, rec, (size_t)n) != n ||
        rename(neu, old))
      _exit(1);
    close(fd);
    pause();
    _exit(0);
  }
  char ok = 0;
  assert_int_equal(read(pipefd[0], &ok, 1), 1);
  int cpu0[] = {0};
  pmux_lease_t *a = NULL;
  int err = pmux_lease_take(cpu0, 1, 0, "waiter", &a);
  char msg[512];
  snprintf(msg, sizeof(msg), "%s", pmux_errmsg());
  pmux_lease_release(a);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(pipefd[0]);
  close(pipefd[1]);
  assert_int_equal(err, -EBUSY);
  char want[64];
  snprintf(want, sizeof(want), "CPU 0 is held by pmux pid %d", (int)pid);
  assert_non_null(strstr(msg, want));
  rmtree(rundir);
}

/* A lease's name is an abstract socket, which any user may bind: one
 * bound first by another user (nobody, here) neither blocks the lease nor
 * is named as its holder; the file's lock holds the lease as before. */
static void test_lease_name_of_another_user(void **state)
{
  (void)state;
  if (geteuid() != 0)
    skip();
  fresh_rundir();
  char real[PATH_MAX];
  assert_non_null(realpath(rundir, real));
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  int k = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
                   "pmux-lease:%s/cpu0.lock", real);
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                              (size_t)k);
  int pipefd[2];
  assert_int_equal(pipe(pipefd), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    char ok = !setgid(65534) && !setuid(65534) && s >= 0 &&
                      !bind(s, (struct sockaddr *)&sa, len) && !listen(s, 8)
                  ? 'y' : 'n';
    if (write(pipefd[1], &ok, 1) != 1)
      _exit(1);
    pause();
    _exit(0);
  }
  char ok = 0;
  assert_int_equal(read(pipefd[0], &ok, 1), 1);
  int cpu0[] = {0};
  pmux_lease_holder_t h[2];
  int before = pmux_lease_holders(cpu0, 1, h, 2);
  pmux_lease_t *a = NULL;
  int err = pmux_lease_take(cpu0, 1, 0, "owner", &a);
  int during = pmux_lease_holders(cpu0, 1, h, 2);
  pmux_lease_release(a);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(pipefd[0]);
  close(pipefd[1]);
  assert_int_equal(ok, 'y');
  assert_int_equal(before, 0);
  assert_int_equal(err, 0);
  assert_int_equal(during, 1);
  assert_int_equal(h[0].pid, getpid());
  rmtree(rundir);
}

/* The watchdog cannot be written back at release: the record stays, so
 * that the next run restores it (it once went all the same, and the
 * watchdog stayed 0 for good). */
static void test_watchdog_kept_when_restore_fails(void **state)
{
  (void)state;
  fresh_rundir();
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  writable_sysroot(dir, 1);
  int cpu0[] = {0};
  pmux_lease_t *a;
  assert_int_equal(pmux_lease_take(cpu0, 1, PMUX_LEASE_NMI_OFF, "x", &a), 0);
  assert_int_equal(nmi_value(dir), 0);
  char p[1100];
  snprintf(p, sizeof(p), "%s/proc/sys/kernel/nmi_watchdog", dir);
  assert_int_equal(unlink(p), 0);
  assert_int_equal(mkdir(p, 0755), 0); /* open(O_WRONLY): EISDIR */
  pmux_lease_release(a);
  assert_int_equal(rmdir(p), 0);
  put(dir, "proc/sys/kernel/nmi_watchdog", "0\n");
  char msg[256];
  assert_int_equal(pmux_lease_recover(msg, sizeof(msg)), 1);
  assert_non_null(strstr(msg, "restored kernel.nmi_watchdog to 1"));
  assert_int_equal(nmi_value(dir), 1);
  rmtree(dir);
  rmtree(rundir);
}

/* Whether pmux_lease_holders(cpu) returns within 2 s, in a child (a FIFO
 * lease once hung the reader in open()). */
static int holders_return(int cpu)
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    alarm(2);
    pmux_lease_holder_t h[2];
    int c[] = {cpu};
    _exit(pmux_lease_holders(c, 1, h, 2) == 0 ? 0 : 1);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Reading the leases (pmux info, a per-thread pmux stat, as root too)
 * follows no link and opens no FIFO planted in the folder: a symbolic link
 * to a file that another process locks, holding a live record, names no
 * holder; a FIFO does not hang the reader. */
static void test_lease_read_follows_no_link(void **state)
{
  (void)state;
  fresh_rundir();
  char target[] = "/tmp/pmux-target-XXXXXX";
  int fd = mkstemp(target);
  assert_true(fd >= 0);
  char rec[256];
  int n = snprintf(rec, sizeof(rec), "pid=%d uid=0 start=%llu nmi_old=1 "
                   "cmd=planted\n", (int)getpid(),
                   (unsigned long long)time(NULL));
  assert_int_equal(write(fd, rec, (size_t)n), n);
  assert_int_equal(flock(fd, LOCK_EX), 0);
  char p[1100];
  snprintf(p, sizeof(p), "%s/cpu0.lock", rundir);
  assert_int_equal(symlink(target, p), 0);
  snprintf(p, sizeof(p), "%s/nmi_watchdog.lock", rundir);
  assert_int_equal(symlink(target, p), 0);
  int cpu0[] = {0};
  pmux_lease_holder_t h[2];
  assert_int_equal(pmux_lease_holders(cpu0, 1, h, 2), 0);
  assert_int_equal(pmux_lease_nmi_holder(h), 0);
  snprintf(p, sizeof(p), "%s/cpu1.lock", rundir);
  assert_int_equal(mkfifo(p, 0600), 0);
  assert_true(holders_return(1));
  close(fd);
  unlink(target);
  rmtree(rundir);
}

/* A lease folder that is not this user's (or that others may write) is
 * not read either: its records are no session's of ours, and a stale
 * watchdog record planted there must not set kernel.nmi_watchdog. */
static void test_lease_foreign_folder_not_read(void **state)
{
  (void)state;
  if (geteuid() != 0)
    skip(); /* chown */
  fresh_rundir();
  char dir[] = "/tmp/pmux-sysroot-XXXXXX";
  writable_sysroot(dir, 0);
  char rec[256];
  snprintf(rec, sizeof(rec), "pid=1 uid=0 start=1 nmi_old=7 cmd=planted\n");
  put(rundir, "nmi_watchdog.lock", rec);
  assert_int_equal(chown(rundir, 65534, 65534), 0);
  char msg[256];
  assert_true(pmux_lease_recover(msg, sizeof(msg)) < 0);
  assert_int_equal(nmi_value(dir), 0);
  pmux_lease_holder_t h[2];
  assert_int_equal(pmux_lease_holders(NULL, 0, h, 2), -EPERM);
  assert_int_equal(pmux_lease_nmi_holder(h), -EPERM);
  assert_int_equal(chown(rundir, 0, 0), 0);
  assert_int_equal(chmod(rundir, 0777), 0);
  assert_true(pmux_lease_recover(msg, sizeof(msg)) < 0);
  assert_int_equal(nmi_value(dir), 0);
  assert_int_equal(chmod(rundir, 0700), 0);
  rmtree(dir);
  rmtree(rundir);
}

/* --disable-nmi-watchdog is root only (on the real sysctl) */
static void test_watchdog_root_only(void **state)
{
  (void)state;
  if (geteuid() != 0)
    skip();
  char dir[] = "/tmp/pmux-run-XXXXXX";
  assert_non_null(mkdtemp(dir));
  /* the lease folder must be the user's own (sysroot.c) */
  assert_int_equal(chown(dir, 65534, 65534), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    unsetenv("PMUX_SYSROOT");
    setenv("PMUX_RUNDIR", dir, 1);
    if (setgid(65534) || setuid(65534))
      _exit(2);
    int cpu0[] = {0};
    pmux_lease_t *l;
    int err = pmux_lease_take(cpu0, 1, PMUX_LEASE_NMI_OFF, "x", &l);
    _exit(err == PMUX_ERIGHTS && strstr(pmux_errmsg(), "only root") ? 0 : 1);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  rmtree(dir);
}

static int teardown(void **state)
{
  (void)state;
  unsetenv("PMUX_SYSROOT");
  unsetenv("PMUX_RUNDIR");
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_watchdog_on, teardown),
      cmocka_unit_test_teardown(test_watchdog_off, teardown),
      cmocka_unit_test_teardown(test_watchdog_not_perf_based, teardown),
      cmocka_unit_test_teardown(test_watchdog_absent, teardown),
      cmocka_unit_test_teardown(test_oprofile_detected, teardown),
      cmocka_unit_test_teardown(test_perf_users_detected, teardown),
      cmocka_unit_test(test_cpulist),
      cmocka_unit_test_teardown(test_lease_busy_names_holder, teardown),
      cmocka_unit_test_teardown(test_lease_probe_is_not_a_holder, teardown),
      cmocka_unit_test_teardown(test_lease_stale_pid_reused, teardown),
      cmocka_unit_test_teardown(test_watchdog_disabled_and_restored, teardown),
      cmocka_unit_test_teardown(test_watchdog_lease_holder, teardown),
      cmocka_unit_test_teardown(test_watchdog_restored_after_kill, teardown),
      cmocka_unit_test_teardown(test_watchdog_kept_when_restore_fails,
                                teardown),
      cmocka_unit_test_teardown(test_watchdog_root_only, teardown),
      cmocka_unit_test_teardown(test_lease_read_follows_no_link, teardown),
      cmocka_unit_test_teardown(test_lease_foreign_folder_not_read, teardown),
      cmocka_unit_test_teardown(test_watchdog_damaged_record, teardown),
      cmocka_unit_test_teardown(test_lease_file_deleted_still_held, teardown),
      cmocka_unit_test_teardown(test_lease_folder_deleted_still_held,
                                teardown),
      cmocka_unit_test_teardown(test_lease_lock_on_replaced_file, teardown),
      cmocka_unit_test_teardown(test_lease_name_of_another_user, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
