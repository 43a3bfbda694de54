/*
 * rotation.c - the rotation engine.  One set is active at a time (user
 * mux): at each deadline (absolute, so slices do not drift) or after N
 * overflows of the set's trigger, the outgoing group is disabled and the
 * next one enabled back to back, and only then is the outgoing group read,
 * so that the gap in which no set counts stays a few microseconds.  Every
 * slice's counts and measured running time go to the estimator's sums: the
 * estimates come from what the kernel measured, never from nominal slice
 * lengths.  In kernel mux every set is enabled and all groups are read at
 * each checkpoint.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session.h"

/* Signals a COMMAND target gets forwarded; other targets stop on them.
 * The target's exit is watched through a pidfd, not SIGCHLD. */
static const int forwarded_signals[] = {SIGINT,  SIGTERM, SIGHUP, SIGQUIT,
                                        SIGUSR1, SIGUSR2, SIGWINCH};

static int trigger_signal(void);

static void engine_sigset(sigset_t *set)
{
  sigemptyset(set);
  sigaddset(set, trigger_signal());
  /* What the kernel sends instead when the real-time queue is full: its
   * default action would kill pmux. */
  sigaddset(set, SIGIO);
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(forwarded_signals); i++)
    sigaddset(set, forwarded_signals[i]);
}

/*
 * Block the engine's signals from the start of the session, before the
 * command is forked, so that one sent before the engine runs waits for it
 * instead of killing pmux with the command unmeasured.  The child restores
 * the caller's mask before exec.
 */
int pmux__block_signals(pmux_session_t *s)
{
  sigset_t set;
  engine_sigset(&set);
  if (pthread_sigmask(SIG_BLOCK, &set, &s->old_mask))
    return -EINVAL;
  s->signals_blocked = 1;
  return 0;
}

void pmux__restore_signals(pmux_session_t *s)
{
  if (!s->signals_blocked)
    return;
  /* Drop what is still pending for us (forwarded already, or sent after
   * the command ended) rather than let it act on the caller now. */
  sigset_t set;
  engine_sigset(&set);
  struct timespec zero = {0, 0};
  while (sigtimedwait(&set, NULL, &zero) > 0)
    ;
  pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
  s->signals_blocked = 0;
}

struct engine {
  pmux_session_t *s;
  int sigfd, timerfd, pidfd;
  struct pollfd pfd[4];     /* signals, timer, pidfd, stop */
  int npfd;
  int trigger_fired;
  uint64_t next_switch;  /* absolute deadline, 0 = none */
  uint64_t next_interval;
  uint64_t next_checkpoint; /* kernel mux: read every group */
  uint64_t trigger_base;    /* overflow index of the trigger at activation */
  int first_interval;
  uint64_t last_interval;   /* when the last timeline line was printed */
};

/* ---------------------------------------------------------------- slices */

/* Sum of the reference clock over instances. */
static uint64_t read_reference(pmux_session_t *s)
{
  uint64_t total = 0;
  for (int inst = 0; inst < s->ninst; inst++) {
    struct pmux__group_read r;
    if (s->ref_fd[inst] >= 0 && !pmux__perf_read_group(s->ref_fd[inst], &r))
      total += r.time_enabled;
  }
  return total;
}

/*
 * Read set k on every instance and put its deltas since the last read in
 * out: running, enabled (cumulative: the caller forms the delta), then one
 * value per event.
 */
static int read_set_deltas(pmux_session_t *s, int k, uint64_t *out)
{
  struct pmux_set *set = &s->sets[k];
  uint64_t *running = &out[0], *enabled = &out[1], *values = &out[2];
  *running = *enabled = 0;
  memset(values, 0, sizeof(uint64_t) * (size_t)set->nevents);
  for (int inst = 0; inst < s->ninst; inst++) {
    if (set->leader[inst] < 0)
      continue;
    struct pmux__group_read r;
    int err = pmux__perf_read_group(set->leader[inst], &r);
    if (err == -ENODATA)
      continue; /* pinned group in error state: counted nothing */
    if (err == -ECHILD) {
      /* An inherited copy still differs (perf.c): its counts wait in the
       * kernel for the next read, and are lost if there is none; said at
       * the end (refused_warning). */
      s->refused_reads++;
      continue;
    }
    if (err)
      return err;
    uint64_t *last = &set->last_value[(size_t)inst * (size_t)set->nevents];
    *running += r.time_running - set->last_running[inst];
    *enabled += r.time_enabled; /* cumulative; delta formed by the caller */
    set->last_running[inst] = r.time_running;
    for (uint64_t v = 0; v < r.nr; v++) {
      for (int i = 0; i < set->nevents; i++) {
        struct pmux_event *e = &s->events[set->events[i]];
        if (e->fd[inst] >= 0 && e->id[inst] == r.values[v].id) {
          values[i] += r.values[v].value - last[i];
          last[i] = r.values[v].value;
          break;
        }
      }
    }
  }
  return 0;
}

/*
 * Read the sets listed in `which` (one set in user mux, or -1: all): each
 * event's count and its set's running time since the last read go to the
 * totals and to the open slice.  A timeline read stops here, so that an
 * interval does not cut a slice in two (halves would inflate the bound's
 * successive differences, and a cut first slice would shrink its stratum).
 */
static int read_sets(pmux_session_t *s, int which)
{
  int first = which < 0 ? 0 : which;
  int last = which < 0 ? s->nsets - 1 : which;
  for (int k = first; k <= last; k++) {
    struct pmux_set *set = &s->sets[k];
    uint64_t d[2 + PMUX_GROUP_MAX];
    int err = read_set_deltas(s, k, d);
    if (err)
      return pmux__fail(err, "reading set %d: %s", k, strerror(-err));
    /* read_set_deltas returns enabled cumulative over instances; lower
     * than the last read when an instance now reads as EOF. */
    uint64_t cum_enabled = d[1];
    d[1] = cum_enabled > set->last_enabled ? cum_enabled - set->last_enabled
                                           : 0;
    if (cum_enabled > set->last_enabled)
      set->last_enabled = cum_enabled;
    set->time_ns += d[0];
    for (int i = 0; i < 2 + set->nevents; i++)
      set->slice[i] += d[i];
    for (int i = 0; i < set->nevents; i++) {
      struct pmux_event *e = &s->events[set->events[i]];
      e->raw += d[2 + i];
      e->running_ns += d[0];
    }
  }
  return 0;
}

/*
 * Close the current slice: read the sets in `which` as above, then each
 * event's count and its set's running time over the whole slice go to the
 * estimator's sums.  The reference clock is not read here, on the switch
 * path: the estimator needs only its total.
 */
static int close_slice(pmux_session_t *s, int which)
{
  int err = read_sets(s, which);
  if (err)
    return err;
  int first = which < 0 ? 0 : which;
  int last = which < 0 ? s->nsets - 1 : which;
  uint64_t now = pmux__now_ns();
  uint64_t wall = now - (s->wall_last_ns ? s->wall_last_ns : s->start_ns);
  s->wall_last_ns = now;
  /* User mux: the slices tile the run.  A slice in which the target never
   * ran counts no event of it (a task-bound counter counts only while its
   * task runs) and is no observation (estimate.c skips x = 0): its wall
   * time stays out of the total too, or the regression on off-CPU time
   * would fill it at the sleep rate (a target sharing its CPU, off it for
   * whole slices, had its context switches estimated at 2-4 times the
   * truth). */
  if (which >= 0 && s->sets[which].slice[0] > 0)
    s->wall_sum_ns += wall;
  for (int k = first; k <= last; k++) {
    struct pmux_set *set = &s->sets[k];
    const uint64_t *d = set->slice;
    for (int i = 0; i < set->nevents; i++) {
      struct pmux_event *e = &s->events[set->events[i]];
      if (e->repeat)
        continue; /* the set's earlier entry observed this slice */
      /* The run's first slice, in user mux, is a stratum of its own
       * (estimate.c): the command's start, seen by this set alone. */
      if (which >= 0 && s->nslices == 0)
        pmux__est_add_first(&s->events[e->pool].acc, (double)d[2 + i],
                            (double)d[0], (double)wall);
      else
        pmux__est_add(&s->events[e->pool].acc, (double)d[2 + i],
                      (double)d[0], (double)wall);
    }
    if (s->dump)
      pmux__dump_slice(s, which < 0 ? -1 : k, wall, d,
                       2 + (size_t)set->nevents);
    memset(set->slice, 0, sizeof(set->slice));
  }
  s->nslices++;
  return 0;
}

/* ------------------------------------------------------------ switching */

static int set_usable(const pmux_session_t *s, int k)
{
  for (int inst = 0; inst < s->ninst; inst++)
    if (s->sets[k].leader[inst] >= 0)
      return 1;
  return 0;
}

static int next_set(const pmux_session_t *s, int from)
{
  for (int step = 1; step <= s->nsets; step++) {
    int k = (from + step) % s->nsets;
    if (set_usable(s, k))
      return k;
  }
  return -1;
}

/* The set a rotation starts with: the first that can count. */
static int first_set(const pmux_session_t *s)
{
  return set_usable(s, 0) ? 0 : next_set(s, 0);
}

static void group_ioctl_all(pmux_session_t *s, int k, unsigned long req)
{
  for (int inst = 0; inst < s->ninst; inst++)
    if (s->sets[k].leader[inst] >= 0)
      pmux__perf_group_ioctl(s->sets[k].leader[inst], req);
}

static uint64_t slice_of(const pmux_session_t *s, int k)
{
  return s->sets[k].switch_ns ? s->sets[k].switch_ns : s->default_switch_ns;
}

/* Trigger overflow index: the kernel counts periods on the cumulative
 * count, so overflows since activation = floor(now/P) - floor(then/P). */
static uint64_t trigger_overflows(pmux_session_t *s, int k)
{
  struct pmux_set *set = &s->sets[k];
  struct pmux_event *t = &s->events[set->trigger_event];
  uint64_t total = 0;
  for (int inst = 0; inst < s->ninst; inst++) {
    struct pmux__group_read r;
    if (set->leader[inst] < 0 || pmux__perf_read_group(set->leader[inst], &r))
      continue;
    for (uint64_t v = 0; v < r.nr; v++)
      if (r.values[v].id == t->id[inst])
        total += r.values[v].value / set->trigger_period;
  }
  return total;
}

static int activate(struct engine *en, int k, uint64_t now)
{
  pmux_session_t *s = en->s;
  s->active = k;
  s->sets[k].runs++;
  if (s->sets[k].trigger) {
    en->next_switch = 0;
    en->trigger_base = trigger_overflows(s, k);
  } else if (en->next_switch) {
    /* Absolute deadlines: the next slice starts where this one was due to
     * start; deadlines already missed (a stalled VM) are skipped. */
    en->next_switch += slice_of(s, k);
    if (en->next_switch <= now)
      en->next_switch = now + slice_of(s, k);
  } else {
    en->next_switch = now + slice_of(s, k);
  }
  return 0;
}

static int switch_to(struct engine *en, int next, uint64_t now)
{
  pmux_session_t *s = en->s;
  int out = s->active;
  /* Disable the outgoing and enable the next back to back, then read. */
  group_ioctl_all(s, out, PERF_EVENT_IOC_DISABLE);
  group_ioctl_all(s, next, PERF_EVENT_IOC_ENABLE);
  int err = close_slice(s, out);
  if (err)
    return err;
  return activate(en, next, now);
}

/* ------------------------------------------------------------- triggers */

/*
 * Overflow notification.  A per-task event with inherit cannot be mmapped
 * (EINVAL), so there is no ring buffer to poll: each trigger delivers a
 * queued real-time signal to this thread on overflow (F_SETSIG + O_ASYNC;
 * the kernel sends the children's overflows to the parent event's owner),
 * and the signal is read from the same signalfd as the others.
 */
static int trigger_signal(void)
{
  return SIGRTMIN + 1;
}

static int all_sets_together(const pmux_session_t *s);

static int arm_triggers(pmux_session_t *s)
{
  if (all_sets_together(s))
    return 0; /* kernel and none mux: a trigger switches nothing */
  for (int k = 0; k < s->nsets; k++) {
    int t = s->sets[k].trigger_event;
    if (t < 0)
      continue;
    for (int inst = 0; inst < s->ninst; inst++) {
      int fd = s->events[t].fd[inst];
      if (fd < 0)
        continue;
      struct f_owner_ex owner = {.type = F_OWNER_TID, .pid = gettid()};
      int fl = fcntl(fd, F_GETFL);
      if (fl < 0 || fcntl(fd, F_SETOWN_EX, &owner) < 0 ||
          fcntl(fd, F_SETSIG, trigger_signal()) < 0 ||
          fcntl(fd, F_SETFL, fl | O_ASYNC) < 0)
        return pmux__fail(-errno, "set %d: cannot arm the trigger '%s': %s",
                          k, s->sets[k].trigger, strerror(errno));
    }
  }
  return 0;
}

/* The end of the run: no trigger may signal any more.  The target may go
 * on (stopped, a PID target), with the trigger still enabled (kernel and
 * none mux enable every set), and the caller's mask, restored next, no
 * longer blocks the signal, whose default action kills. */
static void disarm_triggers(pmux_session_t *s)
{
  for (int k = 0; k < s->nsets; k++) {
    int t = s->sets[k].trigger_event;
    if (t < 0 || !s->events[t].fd)
      continue;
    for (int inst = 0; inst < s->ninst; inst++) {
      int fd = s->events[t].fd[inst];
      int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
      if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_ASYNC);
    }
  }
}

/* ------------------------------------------------------------ the loop */

/* Pinned events count all the time: their totals are the group's, summed
 * over instances from each one's last good read (a read that fails, such
 * as a group gone into error state, keeps what was counted before). */
static void read_pinned(pmux_session_t *s)
{
  for (int inst = 0; inst < s->ninst; inst++) {
    struct pmux__group_read r;
    if (s->pinned_leader[inst] < 0 ||
        pmux__perf_read_group(s->pinned_leader[inst], &r))
      continue;
    for (uint64_t v = 0; v < r.nr; v++)
      for (int i = 0; i < s->nevents; i++) {
        struct pmux_event *e = &s->events[i];
        if (e->set < 0 && e->fd[inst] >= 0 && e->id[inst] == r.values[v].id) {
          e->pin_last[inst][0] = r.values[v].value;
          e->pin_last[inst][1] = r.time_running;
          e->pin_last[inst][2] = r.time_enabled;
        }
      }
  }
  for (int i = 0; i < s->nevents; i++) {
    struct pmux_event *e = &s->events[i];
    if (e->set >= 0 || !e->pin_last)
      continue;
    e->raw = e->running_ns = e->enabled_ns = 0;
    for (int inst = 0; inst < s->ninst; inst++) {
      e->raw += e->pin_last[inst][0];
      e->running_ns += e->pin_last[inst][1];
      e->enabled_ns += e->pin_last[inst][2];
    }
  }
}

/* Whole-run time wanted for each set event: the reference clock in user
 * mux (a set is enabled only while active), the group's own in kernel mux
 * and for a lone set, which is enabled the whole run (on CPUs the
 * reference clock starts before it and stops after it: a lone set seemed
 * measured 94% of a short run, and was scaled). */
static void finish_totals(pmux_session_t *s)
{
  /* Never backwards: an instance whose read failed would lower the sum. */
  uint64_t ref = read_reference(s);
  if (ref > s->ref_last_ns)
    s->ref_last_ns = ref;
  for (int i = 0; i < s->nevents; i++) {
    struct pmux_event *e = &s->events[i];
    if (e->set < 0)
      continue;
    e->enabled_ns = s->mux == PMUX_MUX_USER && s->nsets > 1
                        ? s->ref_last_ns
                        : s->sets[e->set].last_enabled;
  }
  read_pinned(s);
}

/* Kernel and none mux: all sets are enabled and read together. */
static int all_sets_together(const pmux_session_t *s)
{
  return s->mux != PMUX_MUX_USER;
}

static int checkpoint(struct engine *en)
{
  pmux_session_t *s = en->s;
  if (all_sets_together(s))
    return close_slice(s, -1);
  return s->active >= 0 ? close_slice(s, s->active) : 0;
}

/* A timeline line: the counting sets are read, not cut (read_sets), and
 * the caller's callback prints the counts so far. */
static int interval(struct engine *en, uint64_t now)
{
  pmux_session_t *s = en->s;
  int err = 0;
  if (all_sets_together(s))
    err = read_sets(s, -1);
  else if (s->active >= 0)
    err = read_sets(s, s->active);
  finish_totals(s);
  s->estimates_valid = 0;
  if (!err && s->interval_cb)
    s->interval_cb(s, now - s->start_ns, en->first_interval,
                   s->interval_arg);
  en->first_interval = 0;
  en->last_interval = now;
  return err;
}

static void arm_timer(struct engine *en)
{
  pmux_session_t *s = en->s;
  uint64_t t = 0;
  uint64_t cand[3] = {en->next_switch, en->next_interval, en->next_checkpoint};
  for (int i = 0; i < 3; i++)
    if (cand[i] && (!t || cand[i] < t))
      t = cand[i];
  struct itimerspec its;
  memset(&its, 0, sizeof(its));
  if (t) {
    its.it_value.tv_sec = (time_t)(t / 1000000000u);
    its.it_value.tv_nsec = (long)(t % 1000000000u);
  }
  timerfd_settime(en->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
  (void)s;
}

void pmux__enable_counting(pmux_session_t *s)
{
  s->start_ns = pmux__now_ns();
  for (int inst = 0; inst < s->ninst; inst++) {
    if (s->ref_fd[inst] >= 0) /* -1: a thread gone before attaching */
      pmux__perf_group_ioctl(s->ref_fd[inst], PERF_EVENT_IOC_ENABLE);
    if (s->pinned_leader[inst] >= 0)
      pmux__perf_group_ioctl(s->pinned_leader[inst], PERF_EVENT_IOC_ENABLE);
  }
  /* User mux: the set the rotation starts with (start_counting), the
   * first that can count, not set 0, which may have nothing open. */
  int first = s->nsets ? first_set(s) : -1;
  for (int k = 0; k < s->nsets; k++)
    if (all_sets_together(s) || k == first)
      group_ioctl_all(s, k, PERF_EVENT_IOC_ENABLE);
}

/* Disable everything pmux__enable_counting (or the exec) enabled. */
static void stop_counting(pmux_session_t *s)
{
  for (int k = 0; k < s->nsets; k++)
    if (all_sets_together(s) || k == s->active)
      group_ioctl_all(s, k, PERF_EVENT_IOC_DISABLE);
  for (int inst = 0; inst < s->ninst; inst++) {
    if (s->pinned_leader[inst] >= 0)
      pmux__perf_group_ioctl(s->pinned_leader[inst], PERF_EVENT_IOC_DISABLE);
    if (s->ref_fd[inst] >= 0)
      pmux__perf_group_ioctl(s->ref_fd[inst], PERF_EVENT_IOC_DISABLE);
  }
}

static void start_counting(pmux_session_t *s, struct engine *en)
{
  uint64_t now = pmux__now_ns();
  if (!s->start_ns)
    s->start_ns = now;
  if (s->nsets == 0)
    return;
  if (all_sets_together(s)) {
    en->next_checkpoint = s->start_ns + s->default_switch_ns;
    return;
  }
  int first = first_set(s);
  if (first < 0)
    return; /* no set can count anything here */
  en->next_switch = s->start_ns;
  activate(en, first, s->start_ns);
  en->next_switch = s->start_ns + slice_of(s, first);
  if (s->sets[first].trigger)
    en->next_switch = 0;
}

/* A set that cannot switch (the only usable one) needs no deadline. */
static void drop_useless_deadline(struct engine *en)
{
  pmux_session_t *s = en->s;
  if (s->active >= 0 && next_set(s, s->active) == s->active)
    en->next_switch = 0;
}

static int handle_signal(struct engine *en, int *done)
{
  pmux_session_t *s = en->s;
  struct signalfd_siginfo si;
  while (read(en->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
    int sig = (int)si.ssi_signo;
    if (sig == trigger_signal() || sig == SIGIO) {
      en->trigger_fired = 1;
    } else if (s->child > 0) {
      kill(s->child, sig);
      s->forwarded_signal = sig;
    } else if (sig != SIGWINCH) {
      *done = 1; /* attached or system-wide: a signal ends the session */
    }
  }
  return 0;
}

static int engine_setup(struct engine *en)
{
  pmux_session_t *s = en->s;
  sigset_t set;
  engine_sigset(&set);
  en->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  en->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  en->pidfd = -1;
  if (en->sigfd < 0 || en->timerfd < 0)
    return pmux__fail(-errno, "signalfd/timerfd: %s", strerror(errno));
  pid_t watched = pmux_session_pid(s);
  if (watched > 0) {
    en->pidfd = (int)syscall(SYS_pidfd_open, watched, 0);
    if (en->pidfd < 0)
      return pmux__fail(-errno, "pid %d: pidfd_open: %s", (int)watched,
                        strerror(errno));
  }
  en->pfd[0] = (struct pollfd){.fd = en->sigfd, .events = POLLIN};
  en->pfd[1] = (struct pollfd){.fd = en->timerfd, .events = POLLIN};
  en->pfd[2] = (struct pollfd){.fd = en->pidfd, .events = POLLIN};
  en->pfd[3] = (struct pollfd){.fd = s->stop_fd, .events = POLLIN};
  en->npfd = 4;
  return arm_triggers(s);
}

static void engine_teardown(struct engine *en)
{
  if (en->sigfd >= 0)
    close(en->sigfd);
  if (en->timerfd >= 0)
    close(en->timerfd);
  if (en->pidfd >= 0)
    close(en->pidfd);
  disarm_triggers(en->s);
  pmux__restore_signals(en->s); /* and drops what the triggers queued */
}

static int on_timer(struct engine *en, uint64_t now)
{
  pmux_session_t *s = en->s;
  /* No read(timerfd): arm_timer's timerfd_settime resets the expiration
   * count, which saves a syscall on every switch. */
  int err = 0;
  /* An interval due with a switch comes first: its lines then name the
   * set that was active up to its end. */
  if (en->next_interval && now >= en->next_interval) {
    err = interval(en, now);
    en->next_interval += s->interval_ns;
    if (en->next_interval <= now)
      en->next_interval = now + s->interval_ns;
  }
  if (!err && en->next_switch && now >= en->next_switch && s->active >= 0) {
    int next = next_set(s, s->active);
    if (next >= 0 && next != s->active)
      err = switch_to(en, next, now);
    else
      en->next_switch = 0;
  }
  if (!err && en->next_checkpoint && now >= en->next_checkpoint) {
    err = checkpoint(en);
    en->next_checkpoint += s->default_switch_ns;
    if (en->next_checkpoint <= now)
      en->next_checkpoint = now + s->default_switch_ns;
  }
  return err;
}

static int on_trigger(struct engine *en, uint64_t now)
{
  pmux_session_t *s = en->s;
  int k = s->active;
  if (k < 0 || !s->sets[k].trigger)
    return 0;
  uint64_t now_overflows = trigger_overflows(s, k);
  if (now_overflows < en->trigger_base) {
    /* An instance that could be read before cannot now: count anew. */
    en->trigger_base = now_overflows;
    return 0;
  }
  uint64_t n = now_overflows - en->trigger_base;
  if (n < s->sets[k].trigger_count)
    return 0;
  int next = next_set(s, k);
  if (next < 0 || next == k) {
    en->trigger_base += n; /* the only set: nothing to switch to */
    return 0;
  }
  return switch_to(en, next, now);
}

/* The engine failed but the command goes on, unmeasured: wait for it,
 * still forwarding the signals the engine would (they stay blocked, so a
 * SIGTERM for pmux must reach the command, not wait unseen). */
static void wait_unmeasured(pmux_session_t *s, int *st)
{
  sigset_t set;
  engine_sigset(&set);
  while (waitpid(s->child, st, WNOHANG) == 0) {
    struct timespec tick = {0, 100 * 1000 * 1000};
    int sig = sigtimedwait(&set, NULL, &tick);
    if (sig > 0 && sig != trigger_signal() && sig != SIGIO) {
      kill(s->child, sig);
      s->forwarded_signal = sig;
    }
  }
}

/* Group reads the kernel kept refusing are said, not hidden. */
static void refused_warning(pmux_session_t *s)
{
  if (!s->refused_reads)
    return;
  size_t used = strlen(s->warnings);
  snprintf(s->warnings + used, sizeof(s->warnings) - used,
           "%llu group read%s refused by the kernel (ECHILD: a thread's "
           "inherited copy of the group differed from it); what those "
           "threads counted since their last read may be missing\n",
           (unsigned long long)s->refused_reads,
           s->refused_reads == 1 ? " was" : "s were");
}

int pmux__rotation_run(pmux_session_t *s, int *status)
{
  struct engine en;
  memset(&en, 0, sizeof(en));
  en.s = s;
  en.sigfd = en.timerfd = en.pidfd = -1;
  en.first_interval = 1;
  int st = 0, done = 0;
  int err = engine_setup(&en);
  pmux__dump_open(s);
  if (!err) {
    start_counting(s, &en);
    drop_useless_deadline(&en);
    if (s->interval_ns)
      en.next_interval = s->start_ns + s->interval_ns;
  }
  while (!err && !done && !s->stop_requested) {
    arm_timer(&en);
    int n = poll(en.pfd, (nfds_t)en.npfd, -1);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      err = -errno;
      break;
    }
    uint64_t now = pmux__now_ns();
    if (en.pfd[0].revents)
      handle_signal(&en, &done);
    if (en.pfd[2].revents) {
      /* The target exited (a pidfd never misses an exit, even one that
       * happened before the engine started). */
      if (s->child > 0)
        waitpid(s->child, &st, 0);
      done = 1;
    }
    if (!done && en.pfd[1].revents)
      err = on_timer(&en, now);
    if (!err && !done && en.trigger_fired) {
      en.trigger_fired = 0;
      err = on_trigger(&en, now);
    }
  }
  s->end_ns = pmux__now_ns();
  /* The end of counting, for a target that goes on too (stopped, a PID):
   * what is read from here on, by the last checkpoint, the last interval
   * and the totals, is the same run. */
  stop_counting(s);
  if (!err && s->nsets && (s->active >= 0 || all_sets_together(s)))
    err = checkpoint(&en);
  /* The timeline's last, partial interval: its lines add up to the
   * totals. */
  if (!err && s->interval_ns && s->end_ns > en.last_interval)
    err = interval(&en, s->end_ns);
  s->active = -1; /* (after the last interval, whose lines name it) */
  finish_totals(s);
  refused_warning(s);
  if (err && !done && s->child > 0)
    wait_unmeasured(s, &st);
  engine_teardown(&en);
  if (status)
    *status = st;
  return err;
}
