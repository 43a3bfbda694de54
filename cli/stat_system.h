/*
 * stat_system.h - system-wide mode of `pmux stat` (-a, -C LIST,
 * --exclusive, --disable-nmi-watchdog): rights check, other PMU users,
 * per-CPU leases around the session.  Kept out of cmd_stat.c.
 */
#ifndef PMUX_CLI_STAT_SYSTEM_H
#define PMUX_CLI_STAT_SYSTEM_H

#include <stddef.h>

#include "pmux/pmux.h"

#define STAT_SYSTEM_MAX_CPUS 4096

/* Option values cmd_stat.c passes on (beside 'a' and 'C'). */
enum { STAT_OPT_EXCLUSIVE = 400, STAT_OPT_NMI_OFF };

struct stat_system {
  int wanted;              /* -a or -C given */
  int all;                 /* -a */
  const char *cpulist;     /* -C */
  int exclusive;           /* --exclusive */
  int nmi_off;             /* --disable-nmi-watchdog */
  int cpus[STAT_SYSTEM_MAX_CPUS];
  int ncpus;
  pmux_lease_t *lease;
  char desc[96];           /* "CPUs 0-1" / "all CPUs" */
};

/* One of -a, -C, STAT_OPT_*: record it; -1 after a message on bad use. */
int stat_system_option(struct stat_system *ss, int opt, const char *arg);
/* The subcommand that uses this (messages name it; default "stat"). */
void stat_system_set_command(const char *name);
/* Restore a watchdog a killed pmux left disabled (every run does this). */
void stat_system_recover(void);
/*
 * Before the session: check rights, refuse beside oprofile (and beside
 * other perf users with --exclusive, else warn), take the leases (and
 * disable the watchdog), fill the CPUS target.  0, or a message was
 * printed and the session must not start.  cmdline describes it in the
 * lease record.
 */
int stat_system_begin(struct stat_system *ss, pmux_target_t *t,
                      const char *cmdline);
/* After the session (any path): restore the watchdog, drop the leases. */
void stat_system_end(struct stat_system *ss);
/* A per-thread session (of pid, 0: the command pmux starts): warn when
 * system-wide sessions hold CPUs it may run on. */
void stat_system_warn_thread(pid_t pid);
/* "pmux stat -a -- sleep 1" from cmd_stat's argv, for the lease record. */
void stat_system_cmdline(int argc, char **argv, char *buf, size_t len);

#endif
