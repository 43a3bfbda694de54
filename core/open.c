/*
 * open.c - opening the counters of a session: one perf group per set and
 * instance (a thread or a CPU), pinned events, and the hidden reference
 * clock.  Events the host cannot count are marked unsupported with the
 * reason; the rest of their set still counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rights.h"
#include "session.h"

/* One instance: pid, on any CPU; 1 or -ENOMEM (what was allocated is in
 * *pids and *cpus, for the caller to free). */
static int one_instance(pid_t pid, pid_t **pids, int **cpus)
{
  *pids = malloc(sizeof(pid_t));
  *cpus = malloc(sizeof(int));
  if (!*pids || !*cpus)
    return -ENOMEM;
  (*pids)[0] = pid;
  (*cpus)[0] = -1;
  return 1;
}

/* One instance per thread of pid; their number or the error. */
static int thread_instances(pid_t pid, pid_t **pids, int **cpus)
{
  int n = pmux__list_threads(pid, pids);
  if (n <= 0)
    return n;
  *cpus = malloc(sizeof(int) * (size_t)n);
  if (!*cpus)
    return -ENOMEM;
  for (int i = 0; i < n; i++)
    (*cpus)[i] = -1;
  return n;
}

/* One instance per CPU of the target, on any thread. */
static int cpu_instances(const pmux_session_t *s, pid_t **pids, int **cpus)
{
  int n = s->target.ncpus;
  *pids = calloc((size_t)n, sizeof(pid_t));
  *cpus = calloc((size_t)n, sizeof(int));
  if (!*pids || !*cpus)
    return -ENOMEM;
  for (int i = 0; i < n; i++) {
    (*pids)[i] = -1;
    (*cpus)[i] = s->cpus[i];
  }
  return n;
}

/* Instances: the child, the pid (or each of its threads), or each CPU. */
static int make_instances(pmux_session_t *s)
{
  int n = 0;
  pid_t *pids = NULL;
  int *cpus = NULL;
  switch (s->target.kind) {
  case PMUX_TARGET_COMMAND:
    n = one_instance(s->child, &pids, &cpus);
    if (n >= 0)
      s->inherit = 1;
    break;
  case PMUX_TARGET_PID:
    s->inherit = (s->target.pid_flags & PMUX_PID_CHILDREN) != 0;
    if (s->target.pid_flags & PMUX_PID_THREADS)
      n = thread_instances(s->target.pid, &pids, &cpus);
    else
      n = one_instance(s->target.pid, &pids, &cpus);
    break;
  case PMUX_TARGET_CPUS:
    n = cpu_instances(s, &pids, &cpus);
    break;
  }
  if (n < 0) {
    free(pids);
    free(cpus);
    return n;
  }
  s->ninst = n;
  s->inst_pid = pids;
  s->inst_cpu = cpus;
  return 0;
}

static int *fd_array(int n)
{
  int *a = malloc(sizeof(int) * (size_t)n);
  if (a)
    for (int i = 0; i < n; i++)
      a[i] = -1;
  return a;
}

static void fill_attr(const pmux_session_t *s, const struct pmux_event *e,
                      struct perf_event_attr *attr)
{
  pmux__perf_attr_init(attr, &e->info);
  attr->read_format = PMUX_READ_FORMAT;
  attr->inherit = s->inherit;
}

/* Errors that are the user's rights, not the event. */
/* A refused open: say which right is missing and the fix (rights.c is
 * the one place that judges permissions). */
static int rights_error(const pmux_session_t *s, const struct pmux_event *e,
                        int err)
{
  char why[400];
  int system_wide = s->target.kind == PMUX_TARGET_CPUS;
  int kernel = !e->info.exclude_kernel;
  pmux__rights_explain(system_wide, kernel, why, sizeof(why));
  return pmux__fail(err, "event '%s': perf_event_open: %s: %s%s", e->name,
                    strerror(-err), why,
                    kernel && !system_wide
                        ? " (or count user level only: add ':u' to the event)"
                        : "");
}

/*
 * A thread of a PID target that exits between the listing of
 * /proc/PID/task and its perf_event_open (ESRCH: an exiting thread, or a
 * zombie thread-group leader) has nothing left to count: its instance is
 * skipped, with -1 for every fd (which every reader skips), and the rest of
 * the process counted, as perf does.
 */
static int thread_gone(const pmux_session_t *s, int err)
{
  return err == -ESRCH && s->target.kind == PMUX_TARGET_PID;
}

/* Did event e open on an instance before inst?  (Not "inst > 0": the first
 * instances may be threads that were gone.) */
static int opened_before(const struct pmux_event *e, int inst)
{
  for (int i = 0; i < inst; i++)
    if (e->fd[i] >= 0)
      return 1;
  return 0;
}

/*
 * Opens of a group on one thread of a PID target that may be repeated
 * because a thread the target created meanwhile got in the way (below).
 * Each race needs a thread created within the few microseconds of one
 * open; more than a few in a row is something else.
 */
#define GROUP_TRIES 8

/* Close what opened of events[0..n) on instance inst. */
static void close_partial(pmux_session_t *s, const int *events, int n,
                          int inst)
{
  for (int i = 0; i < n; i++) {
    struct pmux_event *e = &s->events[events[i]];
    if (e->fd[inst] >= 0)
      close(e->fd[inst]);
    e->fd[inst] = -1;
    e->id[inst] = 0;
  }
}

/* The attributes of event number ev (e), opened as its group's leader or
 * as a member. */
static void group_attr(const pmux_session_t *s, const struct pmux_event *e,
                       int ev, int as_leader, int enable_on_exec, int pinned,
                       struct perf_event_attr *attr)
{
  fill_attr(s, e, attr);
  if (as_leader) {
    attr->disabled = 1;
    attr->enable_on_exec = enable_on_exec;
    attr->pinned = pinned;
  }
  if (s->sets && e->set >= 0) {
    struct pmux_set *set = &s->sets[e->set];
    if (set->trigger_event == ev) {
      /* Overflow switching: notify on every overflow of the trigger. */
      attr->sample_period = set->trigger_period;
      attr->wakeup_events = 1;
    }
  }
}

/* e cannot be counted on this host (its open said fd): say why. */
static void mark_unsupported(struct pmux_event *e, int fd)
{
  e->supported = 0;
  char why[160] = "";
  if (e->info.type == PERF_TYPE_HARDWARE ||
      e->info.type == PERF_TYPE_HW_CACHE || e->info.type == PERF_TYPE_RAW)
    pmux__perf_hw_probe(why, sizeof(why));
  snprintf(e->reason, sizeof(e->reason), "%s", *why ? why : strerror(-fd));
}

/* What a refused open of one event on an instance leads to, besides an
 * error (< 0). */
enum {
  MEMBER_SKIPPED,   /* marked unsupported; the group goes on without it */
  THREAD_GONE,      /* the instance has nothing left to count */
  GROUP_REOPEN,     /* the group is to be opened again */
};

/* The open of e on instance inst, in a group whose leader is leader (-1:
 * none yet), failed with fd. */
static int open_refused(pmux_session_t *s, struct pmux_event *e, int inst,
                        int leader, int fd, int *tries)
{
  if (fd == -EACCES || fd == -EPERM)
    return rights_error(s, e, fd);
  if (thread_gone(s, fd))
    return THREAD_GONE;
  /*
   * A member refused with EINVAL or ENODEV, on a target whose new
   * threads inherit the counters: the kernel may have swapped the
   * thread's context with the equal one of a thread it created since
   * the leader opened (at a context switch between the two, an
   * optimisation for inherited counters), so that the leader is in
   * another thread's context (EINVAL), or in that of a thread that
   * has exited (ENODEV on recent kernels).  Not the event's fault: the
   * group is opened again, and its leader says ESRCH if it is this
   * thread that is gone.
   */
  if (leader >= 0 && s->target.kind == PMUX_TARGET_PID &&
      (fd == -EINVAL || fd == -ENODEV) && (*tries)++ < GROUP_TRIES)
    return GROUP_REOPEN;
  if (fd == -ESRCH)
    return pmux__fail(fd, "event '%s': the target %d went away", e->name,
                      (int)s->inst_pid[inst]);
  if (opened_before(e, inst) || !pmux__perf_errno_unsupported(fd))
    return pmux__fail(fd, "event '%s': perf_event_open: %s", e->name,
                      strerror(-fd));
  mark_unsupported(e, fd);
  return MEMBER_SKIPPED;
}

/*
 * One try at opening the group on instance inst: 0 with *leader its leader
 * (-1: none opened, or the thread is gone), GROUP_REOPEN after closing what
 * had opened, or an error.
 */
static int try_group(pmux_session_t *s, const int *events, int nevents,
                     int inst, int enable_on_exec, int pinned, int *tries,
                     int *leader)
{
  *leader = -1;
  for (int i = 0; i < nevents; i++) {
    struct pmux_event *e = &s->events[events[i]];
    if (!e->supported)
      continue;
    struct perf_event_attr attr;
    group_attr(s, e, events[i], *leader < 0, enable_on_exec, pinned, &attr);
    int fd = pmux__perf_open(&attr, s->inst_pid[inst], s->inst_cpu[inst],
                             *leader, 0);
    if (fd < 0) {
      int next = open_refused(s, e, inst, *leader, fd, tries);
      if (next < 0)
        return next;
      if (next == MEMBER_SKIPPED)
        continue;
      close_partial(s, events, i, inst);
      *leader = -1;
      return next == GROUP_REOPEN ? GROUP_REOPEN : 0;
    }
    e->fd[inst] = fd;
    int err = pmux__perf_id(fd, &e->id[inst]);
    if (err)
      return pmux__fail(err, "event '%s': PERF_EVENT_IOC_ID: %s", e->name,
                        strerror(-err));
    if (*leader < 0)
      *leader = fd;
  }
  return 0;
}

/*
 * A thread created while the group was being opened inherited it
 * part-built, and the kernel refuses to read a group whose inherited
 * copies differ from it (ECHILD, Linux 6.6 on and stable kernels) for
 * as long as that thread lives: a read now finds it, and the group is
 * opened again (threads created from now on inherit all of it).
 */
static int inherited_part_built(const pmux_session_t *s, int leader)
{
  struct pmux__group_read r;
  return leader >= 0 && s->inherit && s->target.kind == PMUX_TARGET_PID &&
         pmux__perf_read_group(leader, &r) == -ECHILD;
}

/* Open the group on instance inst; its leader (or -1) into leaders. */
static int open_group_on(pmux_session_t *s, const int *events, int nevents,
                         int inst, int *leaders, int enable_on_exec,
                         int pinned)
{
  int leader, tries = 0, copy_tries = 0; /* separate budgets */
  for (;;) {
    int err = try_group(s, events, nevents, inst, enable_on_exec, pinned,
                        &tries, &leader);
    if (err < 0)
      return err;
    if (err == GROUP_REOPEN)
      continue;
    if (inherited_part_built(s, leader) && copy_tries++ < GROUP_TRIES) {
      close_partial(s, events, nevents, inst);
      continue;
    }
    if (leaders)
      leaders[inst] = leader;
    return 0;
  }
}

/*
 * Open one group (a set, or the pinned events) on every instance.  The
 * first event that opens becomes the leader; an event the host cannot count
 * is marked unsupported on the first instance it is tried on and skipped
 * everywhere.
 */
static int open_group(pmux_session_t *s, const int *events, int nevents,
                      int *leaders, int enable_on_exec, int pinned)
{
  for (int inst = 0; inst < s->ninst; inst++) {
    if (s->ref_fd[inst] < 0)
      continue; /* a thread gone before its reference clock opened */
    int err = open_group_on(s, events, nevents, inst, leaders,
                            enable_on_exec, pinned);
    if (err)
      return err;
  }
  return 0;
}

static int open_reference(pmux_session_t *s)
{
  s->ref_fd = fd_array(s->ninst);
  if (!s->ref_fd)
    return -ENOMEM;
  int live = 0;
  for (int inst = 0; inst < s->ninst; inst++) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = s->target.kind == PMUX_TARGET_CPUS ? PERF_COUNT_SW_CPU_CLOCK
                                                     : PERF_COUNT_SW_TASK_CLOCK;
    attr.read_format = PMUX_READ_FORMAT;
    attr.inherit = s->inherit;
    attr.disabled = 1;
    attr.enable_on_exec = s->target.kind == PMUX_TARGET_COMMAND;
    /* Only its times are used, which the exclude bits do not change: user
     * level only, so that it needs no more rights than the user's events. */
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    int fd = pmux__perf_open(&attr, s->inst_pid[inst], s->inst_cpu[inst], -1, 0);
    if (thread_gone(s, fd))
      continue; /* ref_fd stays -1: open_group skips the instance */
    if (fd < 0) {
      /* The reference clock counts user level only: refused on a process,
       * it is the process that pmux may not attach to. */
      if ((fd == -EACCES || fd == -EPERM) &&
          s->target.kind == PMUX_TARGET_PID) {
        char why[400];
        return pmux__fail(fd, "pid %d: cannot attach: %s: %s",
                          (int)s->inst_pid[inst], strerror(-fd),
                          pmux__rights_explain_other_process(why,
                                                             sizeof(why)));
      }
      if (fd == -EACCES || fd == -EPERM)
        return pmux__fail(fd, "cannot open the reference clock: %s "
                          "(see 'pmux caps')", strerror(-fd));
      return pmux__fail(fd, "cannot open the reference clock: %s",
                        strerror(-fd));
    }
    s->ref_fd[inst] = fd;
    live++;
  }
  if (!live && s->target.kind == PMUX_TARGET_PID)
    return pmux__fail(-ESRCH, "pid %d: the process went away",
                      (int)s->target.pid);
  return 0;
}

/*
 * --mux=none: prove before starting that every set counts at once.  The
 * same groups are opened pinned on pmux itself and enabled together for a
 * short busy spell; a pinned group the PMU cannot hold goes to error state
 * (reads as EOF) or shows time_running < time_enabled.
 */
static int preflight_all_fit(pmux_session_t *s)
{
  int nfd = 0, err = 0;
  int *fds = malloc(sizeof(int) * (size_t)(s->nevents + 1));
  int *leaders = malloc(sizeof(int) * (size_t)(s->nsets + 1)); /* + pinned */
  if (!fds || !leaders) {
    free(fds);
    free(leaders);
    return -ENOMEM;
  }
  /* Groups 0..nsets-1 are the sets, group nsets the pinned events: they
   * are counted beside the sets, and must fit with them too. */
  for (int k = 0; k <= s->nsets; k++) {
    leaders[k] = -1;
    for (int j = 0; j < s->nevents; j++) {
      struct pmux_event *e = &s->events[j];
      if (k < s->nsets ? e->set != k : e->set >= 0)
        continue;
      struct perf_event_attr attr;
      fill_attr(s, e, &attr);
      attr.inherit = 0;
      attr.pinned = leaders[k] < 0;
      int fd = pmux__perf_open(&attr, 0, -1, leaders[k], 0);
      if (fd < 0)
        continue; /* unsupported or forbidden: reported by the real open */
      fds[nfd++] = fd;
      if (leaders[k] < 0)
        leaders[k] = fd;
    }
  }
  for (int k = 0; k <= s->nsets; k++)
    if (leaders[k] >= 0)
      pmux__perf_group_ioctl(leaders[k], PERF_EVENT_IOC_ENABLE);
  uint64_t until = pmux__now_ns() + 2000000;
  while (pmux__now_ns() < until)
    ;
  for (int k = 0; k <= s->nsets && !err; k++) {
    if (leaders[k] < 0)
      continue;
    struct pmux__group_read r;
    int rerr = pmux__perf_read_group(leaders[k], &r);
    if (rerr == -ENODATA || (!rerr && r.time_enabled != r.time_running)) {
      if (k < s->nsets)
        err = pmux__fail(PMUX_ECONSTRAINT, "--mux=none: set %d cannot be "
                         "counted at the same time as the others (the PMU "
                         "refused to hold it); use --mux=user or fewer "
                         "events", k);
      else /* pinned events count in every slice, in user mux too */
        err = pmux__fail(PMUX_ECONSTRAINT, "--mux=none: the pinned events "
                         "cannot be counted at the same time as the sets "
                         "(the PMU refused to hold them); use fewer pinned "
                         "events or fewer events in the sets");
    }
  }
  for (int i = 0; i < nfd; i++)
    close(fds[i]);
  free(fds);
  free(leaders);
  return err;
}

/* Do events a and b count the same thing, and can both count? */
static int same_event(const struct pmux_event *a, const struct pmux_event *b)
{
  return pmux__same_encoding(&a->info, &b->info) && a->supported &&
         b->supported;
}

/*
 * An event listed in several sets (cycles in every group, say) is estimated
 * from the observations of all of them: in user mux they pool into the
 * first one's accumulator.  (In kernel mux the sets count at overlapping
 * times, so each keeps its own.)  Listed twice in one set (or under two
 * names for one encoding), it is still one observation per slice: the
 * later entry is a repeat, which adds nothing to the pool (twice the same
 * slice would halve g, and the bound with it).
 */
static void assign_pools(pmux_session_t *s)
{
  for (int i = 0; i < s->nevents; i++) {
    struct pmux_event *e = &s->events[i];
    e->pool = i;
    e->repeat = 0;
    if (s->mux != PMUX_MUX_USER || e->set < 0)
      continue;
    for (int j = 0; j < i; j++)
      if (s->events[j].set >= 0 && same_event(&s->events[j], e)) {
        e->pool = s->events[j].pool;
        break;
      }
    for (int j = 0; j < i; j++)
      e->repeat |= s->events[j].set == e->set &&
                   s->events[j].pool == e->pool;
  }
}

/* Did a set before k open on some instance? */
static int usable_before(const pmux_session_t *s, int k)
{
  for (int j = 0; j < k; j++)
    for (int inst = 0; inst < s->ninst; inst++)
      if (s->sets[j].leader[inst] >= 0)
        return 1;
  return 0;
}

int pmux__session_open(pmux_session_t *s)
{
  int err = make_instances(s);
  if (err)
    return err;
  for (int i = 0; i < s->nevents; i++) {
    s->events[i].fd = fd_array(s->ninst);
    s->events[i].id = calloc((size_t)s->ninst, sizeof(uint64_t));
    if (!s->events[i].fd || !s->events[i].id)
      return -ENOMEM;
    if (s->events[i].set < 0) {
      s->events[i].pin_last = calloc((size_t)s->ninst,
                                     sizeof(*s->events[i].pin_last));
      if (!s->events[i].pin_last)
        return -ENOMEM;
    }
  }
  if (s->mux == PMUX_MUX_NONE) {
    err = preflight_all_fit(s);
    if (err)
      return err;
  }
  int on_exec = s->target.kind == PMUX_TARGET_COMMAND;
  err = open_reference(s);
  if (err)
    return err;
  /* Pinned events: one group, always enabled. */
  int npinned = 0;
  int *pinned = malloc(sizeof(int) * (size_t)(s->nevents + 1));
  if (!pinned)
    return -ENOMEM;
  for (int i = 0; i < s->nevents; i++)
    if (s->events[i].set < 0)
      pinned[npinned++] = i;
  s->pinned_leader = fd_array(s->ninst);
  if (!s->pinned_leader) {
    free(pinned);
    return -ENOMEM;
  }
  err = open_group(s, pinned, npinned, s->pinned_leader, on_exec, 1);
  free(pinned);
  if (err)
    return err;
  for (int k = 0; k < s->nsets; k++) {
    struct pmux_set *set = &s->sets[k];
    set->leader = fd_array(s->ninst);
    set->last_value = calloc((size_t)s->ninst * (size_t)set->nevents,
                             sizeof(uint64_t));
    set->last_running = calloc((size_t)s->ninst, sizeof(uint64_t));
    if (!set->leader || !set->last_value || !set->last_running)
      return -ENOMEM;
    for (int i = 0; i < set->nevents; i++)
      s->events[set->events[i]].index_in_set = i;
    /* User mux: only the first set that can count starts enabled (the
     * engine starts the rotation with it; a set the host cannot count
     * before it must not leave it to be enabled when the run begins, after
     * the exec); kernel/none: all. */
    int enable = on_exec && (s->mux != PMUX_MUX_USER || !usable_before(s, k));
    err = open_group(s, set->events, set->nevents, set->leader, enable,
                     s->mux == PMUX_MUX_NONE);
    if (err)
      return err;
    if (set->trigger_event >= 0 && !s->events[set->trigger_event].supported)
      return pmux__fail(PMUX_ENOTSUP, "set %d: trigger event '%s' cannot be "
                        "counted here: %s", k, set->trigger,
                        s->events[set->trigger_event].reason);
  }
  assign_pools(s);
  return 0;
}

void pmux__session_close(pmux_session_t *s)
{
  for (int i = 0; i < s->nevents; i++) {
    struct pmux_event *e = &s->events[i];
    if (e->fd)
      for (int inst = 0; inst < s->ninst; inst++)
        if (e->fd[inst] >= 0)
          close(e->fd[inst]);
    free(e->fd);
    free(e->id);
    free(e->pin_last);
    e->fd = NULL;
    e->id = NULL;
    e->pin_last = NULL;
  }
  for (int k = 0; k < s->nsets; k++) {
    free(s->sets[k].leader);
    free(s->sets[k].last_value);
    free(s->sets[k].last_running);
    s->sets[k].leader = NULL;
    s->sets[k].last_value = NULL;
    s->sets[k].last_running = NULL;
  }
  if (s->ref_fd)
    for (int inst = 0; inst < s->ninst; inst++)
      if (s->ref_fd[inst] >= 0)
        close(s->ref_fd[inst]);
  free(s->ref_fd);
  s->ref_fd = NULL;
  free(s->pinned_leader);
  s->pinned_leader = NULL;
  free(s->inst_pid);
  free(s->inst_cpu);
  s->inst_pid = NULL;
  s->inst_cpu = NULL;
  s->ninst = 0;
}
