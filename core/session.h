/*
 * session.h - the session's private state: requested events, sets, the
 * counters opened per instance (a thread or a CPU), and the sums of the
 * observations that estimates are computed from.
 */
#ifndef PMUX_CORE_SESSION_H
#define PMUX_CORE_SESSION_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "estimate.h"
#include "internal.h"
#include "perf.h"

/* Shortest slice: wake-ups here jitter by 45-70 us (p99 0.7-1.8 ms), so a
 * shorter slice would be mostly jitter (docs/multiplexing.md). */
#define PMUX_MIN_SWITCH_NS 100000ull

enum session_state { STATE_NEW, STATE_STARTED, STATE_RUNNING, STATE_DONE };

struct pmux_event {
  char *name;             /* as the user gave it */
  pmux_event_info_t info; /* resolution result */
  int set;                /* set id, or -1 for pinned */
  int supported;
  char reason[200];       /* why not supported */
  int *fd;                /* [ninst] counter fds (-1: not open) */
  uint64_t *id;           /* [ninst] kernel ids, to find values in reads */
  /* Pinned: the last good read per instance (raw, running, enabled), kept
   * when a later read fails (a group in error state reads as EOF). */
  uint64_t (*pin_last)[3]; /* [ninst] */
  int index_in_set;       /* position in the set's slice records */
  /* Totals over the run. */
  uint64_t raw;
  uint64_t running_ns;
  uint64_t enabled_ns;
  /* Observations, slice by slice, reduced to sums as they come.  An event
   * listed in several sets (user mux) pools them in one accumulator: that
   * of the first such event, `pool`. */
  struct pmux__est_acc acc;
  int pool;
  int repeat;             /* its set lists the same event earlier: that
                             entry adds the set's slices to the pool */
  /* Results, filled by pmux__session_estimate(). */
  double estimate;
  double error_bound;
};

struct pmux_set {
  int id;
  uint64_t switch_ns;       /* time slice (time switching) */
  char *trigger;            /* overflow switching: trigger event name */
  uint64_t trigger_period;
  uint64_t trigger_count;
  int trigger_event;        /* session event index of the trigger, or -1 */
  int *events;              /* session event indices, in order */
  int nevents;
  int *leader;              /* [ninst] group leader fd per instance, -1 none */
  uint64_t runs;
  uint64_t time_ns;         /* sum of time_running while active */
  uint64_t last_enabled;    /* time_enabled summed over instances, last read */
  /* Last cumulative read per instance and event, to form deltas. */
  uint64_t *last_value;     /* [ninst * nevents] */
  uint64_t *last_running;   /* [ninst] */
  /* The open slice so far: running, enabled, then one count per event
   * (a timeline read adds to it without closing it). */
  uint64_t slice[2 + PMUX_GROUP_MAX];
};

struct pmux_session {
  pmux_target_t target;
  char **argv;              /* COMMAND: our copy */
  int *cpus;                /* CPUS */
  enum session_state state;
  pmux_mux_t mux;
  uint64_t default_switch_ns;
  uint64_t interval_ns;
  pmux_interval_cb interval_cb;
  void *interval_arg;

  struct pmux_event *events;
  int nevents;
  struct pmux_set *sets;
  int nsets;

  /* Instances: what each group is opened on. */
  int ninst;
  pid_t *inst_pid;
  int *inst_cpu;
  int inherit;

  /* The hidden reference clock (task-clock, or cpu-clock for CPUs), always
   * enabled: the time base that every set's measured time is scaled to. */
  int *ref_fd;              /* [ninst] */
  int *pinned_leader;       /* [ninst] leader of the pinned group, -1 none */
  uint64_t ref_last_ns;     /* reference clock at the last full read */
  uint64_t wall_last_ns;    /* monotonic time of the last slice boundary */
  uint64_t wall_sum_ns;     /* user mux: the wall time of the slices the
                               target ran in (rotation.c close_slice) */

  pid_t child;
  int go_pipe;              /* write end: releases the child to exec */
  int active;               /* active set in user mux, -1 none */
  volatile sig_atomic_t stop_requested;
  int forwarded_signal;     /* the last signal forwarded to the child */
  uint64_t refused_reads;   /* group reads skipped on ECHILD (rotation.c) */
  int exec_errno;           /* why exec failed (PMUX_ECHILD), or 0 */
  int stop_fd;              /* eventfd that wakes the engine on a stop */
  uint64_t start_ns, end_ns;

  uint64_t nslices;          /* slices closed so far */
  FILE *dump;                /* PMUX_DUMP_SLICES, or NULL */

  sigset_t old_mask;         /* the caller's, while the engine's are blocked */
  int signals_blocked;
  int auto_split;            /* sets made by pmux_session_add_events_split */
  char errmsg[PMUX_ERRMSG_MAX];
  char warnings[PMUX_ERRMSG_MAX];
  int estimates_valid;
};

/* Copy the thread's last detailed message into the session and return err. */
int pmux__session_fail(pmux_session_t *s, int err);

/* Drop the sets and events added after the session held nsets sets and
 * nevents events, and the warnings after byte `warnings` (a call that
 * added several sets and then failed leaves the session as it was). */
void pmux__session_truncate(pmux_session_t *s, int nsets, int nevents,
                            size_t warnings);

/* Parse a comma-separated event list into a NULL-terminated array of
 * strdup'ed names.  0 or negative code. */
int pmux__split_events(const char *list, char ***out, int *n);
void pmux__free_names(char **names, int n);

/* "EVENTS[;switch=DUR|;switch=EV/PERIOD/N]" -> events + options. */
int pmux__parse_set_spec(const char *spec, char **events,
                         pmux_set_opts_t *opts, char **trigger);

/* Open every counter (sets, pinned, reference) on every instance. */
int pmux__session_open(pmux_session_t *s);
void pmux__session_close(pmux_session_t *s);

/* The engine's signals: blocked from pmux_session_start() to the end of
 * the run (rotation.c). */
int pmux__block_signals(pmux_session_t *s);
void pmux__restore_signals(pmux_session_t *s);

/* Enable what counts from the start (the reference, the pinned group and
 * the first set, or every set outside user mux) on a target that has no
 * exec to enable it (rotation.c). */
void pmux__enable_counting(pmux_session_t *s);

/* The rotation engine: runs until the target ends or stop is requested. */
int pmux__rotation_run(pmux_session_t *s, int *status);

/* Compute estimates and bounds from the observations. */
void pmux__session_estimate(pmux_session_t *s);

/* PMUX_DUMP_SLICES=FILE: the slice history as text, for studying
 * estimators (results.c). */
void pmux__dump_open(pmux_session_t *s);
void pmux__dump_slice(pmux_session_t *s, int set, uint64_t wall_ns,
                      const uint64_t *rec, size_t len);
void pmux__dump_close(pmux_session_t *s);

#endif
