/*
 * stat_system.c - system-wide mode of `pmux stat`: -a / -C LIST count
 * every process on those CPUs (while COMMAND runs, or until SIGINT/SIGTERM).
 * Around the session: the rights check (with the blocker and the fix when
 * refused), mutual exclusion with oprofile (perfmon2's rule), a warning (or
 * with --exclusive a refusal) beside other perf users, the per-CPU leases
 * (core/lease.c) and, on request, the NMI watchdog disabled for the
 * session and always restored (on exit, on SIGINT/SIGTERM/SIGHUP/SIGQUIT
 * outside the counting loop, on SIGPIPE, and by the next run after a
 * kill -9).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "stat_system.h"

/* The lease a signal handler must give back (one session per process),
 * and that process: the measured command runs this handler too between
 * its fork and its exec, and must not give back its parent's lease. */
static pmux_lease_t *volatile active_lease;
static volatile pid_t lease_owner;
/* SIGPIPE too: `pmux stat -a -I 100 -o /dev/stdout | head` ends pmux
 * with it once head has gone, and it must not leave the watchdog off. */
static const int end_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
#define N_END_SIGNALS (sizeof(end_signals) / sizeof(end_signals[0]))
static struct sigaction old_actions[N_END_SIGNALS];

static void on_end_signal(int sig)
{
  if (getpid() == lease_owner)
    pmux_lease_release_signal(active_lease);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* The subcommand the messages are from: stat, or record. */
static const char *cmd_name = "stat";

int stat_system_option(struct stat_system *ss, int opt, const char *arg)
{
  switch (opt) {
  case 'a':
    ss->all = ss->wanted = 1;
    return 0;
  case 'C':
    /* A second -C would replace the first without a word. */
    if (ss->cpulist && strcmp(ss->cpulist, arg)) {
      cli_error(cmd_name, "-C '%s': one CPU list only (-C '%s' given "
                "before; give %s,%s)", arg, ss->cpulist, ss->cpulist, arg);
      return -1;
    }
    ss->cpulist = arg;
    ss->wanted = 1;
    return 0;
  case STAT_OPT_EXCLUSIVE:
    ss->exclusive = 1;
    return 0;
  case STAT_OPT_NMI_OFF:
    ss->nmi_off = 1;
    return 0;
  }
  return -1;
}

void stat_system_set_command(const char *name)
{
  cmd_name = name;
}

void stat_system_recover(void)
{
  char msg[256];
  if (pmux_lease_recover(msg, sizeof(msg)) > 0)
    cli_warn(cmd_name, "%s", msg);
}

/* argv[0] is already "pmux stat" (main.c names the command so). */
void stat_system_cmdline(int argc, char **argv, char *buf, size_t len)
{
  size_t o = 0;
  buf[0] = 0;
  for (int i = 0; i < argc && o + 1 < len; i++)
    o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", argv[i]);
}

static int check_rights(void)
{
  pmux_rights_t r;
  if (pmux_rights_get(&r))
    return 0; /* unknown: let the kernel decide and explain its refusal */
  const pmux_right_verdict_t *v = &r.right[PMUX_RIGHT_SYSTEM_WIDE];
  if (v->allowed)
    return 0;
  char msg[1200];
  snprintf(msg, sizeof(msg), "system-wide counting is refused (%s): %s%s%s",
           strerror(EACCES), v->reason, *v->fix ? "; fix: " : "", v->fix);
  cli_report(cmd_name, -EACCES, msg);
  return -1;
}

static int check_users(const struct stat_system *ss)
{
  pmux_pmu_users_t u;
  if (pmux_pmu_users_scan(&u)) {
    cli_warn(cmd_name, "cannot look for other PMU users: %s", pmux_errmsg());
    return 0;
  }
  int refuse = 0;
  for (int i = 0; i < u.n; i++) {
    const pmux_pmu_user_t *e = &u.user[i];
    char who[128];
    if (e->pid)
      snprintf(who, sizeof(who), "pid %d (%s)", (int)e->pid, e->comm);
    else
      snprintf(who, sizeof(who), "%s", e->comm);
    if (e->kind == PMUX_USER_OPROFILE) {
      cli_error(cmd_name, "%s: the PMU is held by oprofile: %s: %s; stop "
                "oprofile first", pmux_strerror(PMUX_EHELD), who, e->what);
      refuse = 1;
    } else if (ss->exclusive) {
      cli_error(cmd_name, "%s: --exclusive: %s holds %s",
                pmux_strerror(PMUX_EHELD), who, e->what);
      refuse = 1;
    } else {
      cli_warn(cmd_name, "%s holds %s: the kernel will multiplex the counters "
               "(--exclusive refuses instead)", who, e->what);
    }
  }
  if (u.unreadable && ss->exclusive)
    cli_warn(cmd_name, "--exclusive: %d processes could not be examined "
             "(needs root or CAP_SYS_PTRACE)", u.unreadable);
  return refuse ? -1 : 0;
}

/* "CPUs LIST" as given; a list too long for desc is cut after a whole
 * item and ends in ",...": never a partial number ("CPUs 0-3,120-1" for
 * 120-127). */
static void describe_cpus(char *desc, size_t len, const char *list)
{
  size_t room = len - sizeof("CPUs ,...");
  if (strlen(list) <= len - sizeof("CPUs ")) {
    snprintf(desc, len, "CPUs %s", list);
    return;
  }
  while (room > 0 && list[room] != ',')
    room--;
  snprintf(desc, len, "CPUs %.*s,...", (int)room, list);
}

int stat_system_begin(struct stat_system *ss, pmux_target_t *t,
                      const char *cmdline)
{
  ss->ncpus = 0;
  if (ss->cpulist) {
    int n = pmux_cpulist_parse(ss->cpulist, ss->cpus, STAT_SYSTEM_MAX_CPUS);
    if (n < 0) {
      cli_report(cmd_name, n, pmux_errmsg());
      return -1;
    }
    ss->ncpus = n;
    describe_cpus(ss->desc, sizeof(ss->desc), ss->cpulist);
  } else {
    snprintf(ss->desc, sizeof(ss->desc), "all CPUs");
  }
  /* Before the leases: a session refused beside oprofile (or with
   * --exclusive) must not turn the watchdog off and back.  The scan finds
   * the same users with the watchdog on or off: its perf events are the
   * kernel's own, in no process's fds. */
  if (check_rights() || check_users(ss))
    return -1;
  /* The end signals wait while the lease is taken (it may turn the
   * watchdog off) and its handler set: one that came between would end
   * pmux with the watchdog off until the next run. */
  sigset_t ends, before;
  sigemptyset(&ends);
  for (size_t i = 0; i < N_END_SIGNALS; i++)
    sigaddset(&ends, end_signals[i]);
  sigprocmask(SIG_BLOCK, &ends, &before);
  int err = pmux_lease_take(ss->cpus, ss->ncpus,
                            ss->nmi_off ? PMUX_LEASE_NMI_OFF : 0, cmdline,
                            &ss->lease);
  if (err) {
    sigprocmask(SIG_SETMASK, &before, NULL);
    cli_report(cmd_name, err, pmux_errmsg());
    return -1;
  }
  active_lease = ss->lease;
  lease_owner = getpid();
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_end_signal;
  sigemptyset(&sa.sa_mask);
  /* Not over a signal that is ignored (nohup, a background job): it cannot
   * end pmux, and a handler would let the command (exec resets caught
   * signals to default) die of a hangup it was meant to ignore. */
  for (size_t i = 0; i < N_END_SIGNALS; i++) {
    sigaction(end_signals[i], NULL, &old_actions[i]);
    if (old_actions[i].sa_handler != SIG_IGN)
      sigaction(end_signals[i], &sa, NULL);
  }
  sigprocmask(SIG_SETMASK, &before, NULL);
  t->kind = PMUX_TARGET_CPUS;
  t->cpus = ss->ncpus ? ss->cpus : NULL;
  t->ncpus = ss->ncpus;
  return 0;
}

void stat_system_end(struct stat_system *ss)
{
  if (!ss->lease)
    return;
  for (size_t i = 0; i < N_END_SIGNALS; i++)
    sigaction(end_signals[i], &old_actions[i], NULL);
  active_lease = NULL;
  pmux_lease_release(ss->lease);
  ss->lease = NULL;
}

void stat_system_warn_thread(pid_t pid)
{
  cpu_set_t set;
  int cpus[256], n = 0;
  if (sched_getaffinity(pid, sizeof(set), &set))
    return;
  for (int c = 0; c < 256 && c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &set))
      cpus[n++] = c;
  pmux_lease_holder_t h[16];
  int k = pmux_lease_holders(cpus, n, h, 16);
  for (int i = 0; i < k; i++)
    cli_warn(cmd_name, "CPU %d is held by a system-wide pmux session (pid %d, "
             "'%s'): the kernel will multiplex the counters with it",
             h[i].cpu, (int)h[i].pid, h[i].cmd);
}
