/*
 * session.c - sessions: the target, the sets and pinned events, starting the
 * command, and the accessors for results.  Opening counters is in open.c,
 * the rotation engine in rotation.c, estimates in estimate.c; -e lists too
 * large for the PMU are split in split.c, set specs parsed in spec.c, and
 * whether the command can be waited for is checked in command.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session.h"
#include "sysroot.h"

int pmux__session_fail(pmux_session_t *s, int err)
{
  if (s) {
    const char *m = pmux_errmsg();
    snprintf(s->errmsg, sizeof(s->errmsg), "%s", *m ? m : pmux_strerror(err));
  }
  return err;
}

const char *pmux_session_warnings(const pmux_session_t *s)
{
  return s ? s->warnings : "";
}

/* A slice shorter than the timer can honour is raised, and said so. */
static uint64_t honour_slice(pmux_session_t *s, const char *what, uint64_t ns)
{
  if (!ns || ns >= PMUX_MIN_SWITCH_NS)
    return ns;
  size_t used = strlen(s->warnings);
  snprintf(s->warnings + used, sizeof(s->warnings) - used,
           "%s: a slice of %g us is below the %llu us the timer can "
           "honour; using %llu us\n", what, (double)ns / 1000,
           PMUX_MIN_SWITCH_NS / 1000, PMUX_MIN_SWITCH_NS / 1000);
  return PMUX_MIN_SWITCH_NS;
}

/* A set's own switch= (a slice or a trigger) is honoured by pmux's rotation
 * only: under --mux kernel or none every set counts at once, and that is
 * said, not silently ignored. */
static void warn_unused_switch(pmux_session_t *s, const struct pmux_set *set)
{
  if (s->mux == PMUX_MUX_USER || (!set->switch_ns && !set->trigger))
    return;
  size_t used = strlen(s->warnings);
  snprintf(s->warnings + used, sizeof(s->warnings) - used,
           "set %d: switch= ignored: under --mux %s every set counts at "
           "once\n", set->id, s->mux == PMUX_MUX_KERNEL ? "kernel" : "none");
}

const char *pmux_session_errmsg(const pmux_session_t *s)
{
  return s ? s->errmsg : "";
}

static int copy_argv(pmux_session_t *s, char *const *argv)
{
  int n = 0;
  while (argv[n])
    n++;
  s->argv = calloc((size_t)n + 1, sizeof(char *));
  if (!s->argv)
    return -ENOMEM;
  for (int i = 0; i < n; i++)
    if (!(s->argv[i] = strdup(argv[i])))
      return -ENOMEM;
  s->target.argv = s->argv;
  return 0;
}

/* Online, as sysfs says (cpu0 often has no "online" file: online). */
static int cpu_online(int cpu)
{
  char path[96];
  snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
  FILE *f = pmux__sys_fopen(path, "re");
  if (!f)
    return 1;
  int v = 1;
  if (fscanf(f, "%d", &v) != 1)
    v = 1;
  fclose(f);
  return v == 1;
}

/* -p takes a process: a thread id would count its whole process and then
 * fail to watch it (pidfd_open takes processes only).  0, or the error
 * naming the process to give instead. */
static int process_of_thread(pid_t pid)
{
  char path[64], line[128];
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return 0; /* gone meanwhile, or no /proc: the open says why */
  int tgid = -1;
  while (fgets(line, sizeof(line), f))
    if (sscanf(line, "Tgid: %d", &tgid) == 1)
      break;
  fclose(f);
  if (tgid > 0 && tgid != (int)pid)
    return pmux__fail(PMUX_ECONFIG, "pid %d is a thread of process %d: "
                      "give -p %d (its threads are counted with it)",
                      (int)pid, tgid, tgid);
  return 0;
}

static int copy_target(pmux_session_t *s, const pmux_target_t *t)
{
  s->target = *t;
  s->target.argv = NULL;
  s->target.cpus = NULL;
  switch (t->kind) {
  case PMUX_TARGET_COMMAND:
    if (!t->argv || !t->argv[0])
      return pmux__fail(PMUX_ECONFIG, "no command given");
    return copy_argv(s, t->argv);
  case PMUX_TARGET_PID: {
    if (t->pid <= 0)
      return pmux__fail(PMUX_ECONFIG, "bad pid %d", (int)t->pid);
    if (kill(t->pid, 0) < 0 && errno == ESRCH)
      return pmux__fail(-ESRCH, "pid %d: no such process", (int)t->pid);
    int err = process_of_thread(t->pid);
    if (err)
      return err;
    /* Optionally a command: the process is counted while it runs. */
    return t->argv && t->argv[0] ? copy_argv(s, t->argv) : 0;
  }
  case PMUX_TARGET_CPUS: {
    int n = t->ncpus;
    if (n < 0 || (n > 0 && !t->cpus))
      return pmux__fail(PMUX_ECONFIG, "bad CPU list");
    long max = sysconf(_SC_NPROCESSORS_CONF);
    if (max < 1)
      max = 1;
    if (n == 0)
      n = (int)max; /* every CPU that is online, below */
    s->cpus = calloc((size_t)n, sizeof(int));
    if (!s->cpus)
      return -ENOMEM;
    int kept = 0;
    for (int i = 0; i < n; i++) {
      int cpu = t->ncpus ? t->cpus[i] : i;
      if (cpu < 0 || cpu >= max)
        return pmux__fail(PMUX_ECONFIG, "CPU %d does not exist (this host "
                          "has %ld)", cpu, max);
      if (!t->ncpus && !cpu_online(cpu))
        continue; /* all CPUs: the online ones, whichever they are */
      int dup = 0; /* "-C 0,0" or "0-1,1": each CPU counted once */
      for (int j = 0; j < kept; j++)
        dup |= s->cpus[j] == cpu;
      if (!dup)
        s->cpus[kept++] = cpu;
    }
    s->target.cpus = s->cpus;
    s->target.ncpus = kept;
    /* Optionally a command: the CPUs are counted while it runs. */
    return t->argv && t->argv[0] ? copy_argv(s, t->argv) : 0;
  }
  }
  return pmux__fail(PMUX_ECONFIG, "unknown target kind %d", (int)t->kind);
}

int pmux_session_create(pmux_session_t **out, const pmux_target_t *target)
{
  if (!out)
    return pmux__fail(PMUX_ECONFIG, "no place for the session (out is NULL)");
  *out = NULL;
  if (!target)
    return pmux__fail(PMUX_ECONFIG, "no target");
  pmux_session_t *s = calloc(1, sizeof(*s));
  if (!s)
    return pmux__fail(-ENOMEM, "out of memory");
  s->default_switch_ns = PMUX_DEFAULT_SWITCH_NS;
  s->active = -1;
  s->child = -1;
  s->go_pipe = -1;
  s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->stop_fd < 0) {
    int e = -errno;
    free(s);
    return pmux__fail(e, "eventfd: %s", strerror(-e));
  }
  int err = copy_target(s, target);
  if (err) {
    pmux_session_destroy(s);
    /* (Every refusal named its input; only a failed allocation did not.) */
    return err == -ENOMEM ? pmux__fail(err, "out of memory") : err;
  }
  *out = s;
  return 0;
}

void pmux_session_destroy(pmux_session_t *s)
{
  if (!s)
    return;
  pmux__session_close(s);
  if (s->go_pipe >= 0)
    close(s->go_pipe);
  if (s->stop_fd >= 0)
    close(s->stop_fd);
  if (s->child > 0 && s->state != STATE_DONE) {
    /* Started but never run: the child waits on the pipe; end it. */
    kill(s->child, SIGKILL);
    waitpid(s->child, NULL, 0);
  }
  pmux__restore_signals(s);
  for (int i = 0; i < s->nevents; i++)
    free(s->events[i].name);
  free(s->events);
  for (int k = 0; k < s->nsets; k++) {
    free(s->sets[k].events);
    free(s->sets[k].trigger);
  }
  free(s->sets);
  if (s->argv)
    for (char **a = s->argv; *a; a++)
      free(*a);
  free(s->argv);
  free(s->cpus);
  pmux__dump_close(s);
  free(s);
}

/* Add resolved events; set = -1 for pinned.  Unknown names fail the call
 * and leave the session as it was. */
static int add_events(pmux_session_t *s, const char *list, int set,
                      int **indices, int *count)
{
  char **names;
  int n;
  int err = pmux__split_events(list, &names, &n);
  if (err)
    return err;
  pmux_event_info_t *infos = calloc((size_t)n, sizeof(*infos));
  if (!infos) {
    pmux__free_names(names, n);
    return -ENOMEM;
  }
  for (int i = 0; i < n && !err; i++)
    err = pmux_event_resolve(names[i], &infos[i]);
  struct pmux_event *grown = NULL;
  if (!err) {
    grown = realloc(s->events, sizeof(*grown) * (size_t)(s->nevents + n));
    if (!grown)
      err = -ENOMEM;
  }
  if (err) {
    free(infos);
    pmux__free_names(names, n);
    return err;
  }
  s->events = grown;
  if (indices) {
    *indices = calloc((size_t)n, sizeof(int));
    if (!*indices) {
      free(infos);
      pmux__free_names(names, n);
      return -ENOMEM;
    }
    *count = n;
  }
  for (int i = 0; i < n; i++) {
    struct pmux_event *e = &s->events[s->nevents];
    memset(e, 0, sizeof(*e));
    e->name = names[i];
    e->info = infos[i];
    e->set = set;
    e->supported = 1;
    if (indices)
      (*indices)[i] = s->nevents;
    s->nevents++;
  }
  free(names); /* the strings now belong to the events */
  free(infos);
  return 0;
}

/* A set refused after its events were added: take them back (their set id
 * would be the next set's), so that the session is as it was. */
static int undo_set(pmux_session_t *s, struct pmux_set *set, int nevents,
                    int err)
{
  while (s->nevents > nevents)
    free(s->events[--s->nevents].name);
  free(set->events);
  free(set->trigger);
  set->events = NULL;
  set->trigger = NULL;
  return pmux__session_fail(s, err);
}

void pmux__session_truncate(pmux_session_t *s, int nsets, int nevents,
                            size_t warnings)
{
  while (s->nsets > nsets) {
    struct pmux_set *set = &s->sets[--s->nsets];
    free(set->events);
    free(set->trigger);
  }
  while (s->nevents > nevents)
    free(s->events[--s->nevents].name);
  if (warnings < sizeof(s->warnings))
    s->warnings[warnings] = '\0';
}

/* Options that cannot make a set: the error, or 0. */
static int refuse_set_opts(const char *events, const pmux_set_opts_t *o)
{
  if (o->trigger && (!o->trigger_period || !o->trigger_count))
    return pmux__fail(PMUX_ECONFIG,
        "set '%s': overflow switching needs a period and a count", events);
  /* One trigger event: a list would add its other events to the set's
   * events but not to the set, never counted. */
  if (o->trigger && strchr(o->trigger, ','))
    return pmux__fail(PMUX_ECONFIG,
        "set '%s': the switch trigger '%s' is not one event", events,
        o->trigger);
  return 0;
}

/* Room for one more set, the next one, empty (not counted in s->nsets
 * until it is complete); NULL without memory. */
static struct pmux_set *next_set(pmux_session_t *s)
{
  struct pmux_set *grown =
      realloc(s->sets, sizeof(*grown) * (size_t)(s->nsets + 1));
  if (!grown)
    return NULL;
  s->sets = grown;
  struct pmux_set *set = &s->sets[s->nsets];
  memset(set, 0, sizeof(*set));
  set->id = s->nsets;
  set->trigger_event = -1;
  return set;
}

/* The trigger is none of the set's events: add it to the set.  (The set's
 * events start at s->events[before], for undo_set.) */
static int join_trigger(pmux_session_t *s, struct pmux_set *set,
                        const char *trigger, int before)
{
  /* The trigger joins the set: it must still fit in one group (the
   * reads are sized for PMUX_GROUP_MAX). */
  if (set->nevents + 1 > PMUX_GROUP_MAX)
    return undo_set(s, set, before, pmux__fail(PMUX_ECONFIG,
        "set %d: %d events and the trigger '%s', at most %d in one set",
        set->id, set->nevents, trigger, PMUX_GROUP_MAX));
  int *idx, cnt;
  int err = add_events(s, trigger, set->id, &idx, &cnt);
  if (err)
    return undo_set(s, set, before, err);
  int *ev = realloc(set->events, sizeof(int) * (size_t)(set->nevents + 1));
  if (!ev) {
    free(idx);
    return undo_set(s, set, before, -ENOMEM);
  }
  set->events = ev;
  set->events[set->nevents++] = idx[0];
  set->trigger_event = idx[0];
  free(idx);
  return 0;
}

/* Overflow switching: the set's trigger, from o. */
static int set_trigger(pmux_session_t *s, struct pmux_set *set,
                       const pmux_set_opts_t *o, int before)
{
  set->trigger = strdup(o->trigger);
  if (!set->trigger)
    return undo_set(s, set, before, -ENOMEM);
  set->trigger_period = o->trigger_period;
  set->trigger_count = o->trigger_count;
  /* The trigger counts in its set: find it by name, else by what it
   * counts (faults is page-faults: a second counter of the same thing
   * would take a counter of the group), or add it to the set.  A name
   * that does not resolve is left to join_trigger, which says why. */
  for (int i = 0; i < set->nevents && set->trigger_event < 0; i++)
    if (!strcmp(s->events[set->events[i]].name, o->trigger))
      set->trigger_event = set->events[i];
  pmux_event_info_t t;
  if (set->trigger_event < 0 && !pmux_event_resolve(o->trigger, &t))
    for (int i = 0; i < set->nevents && set->trigger_event < 0; i++)
      if (pmux__same_encoding(&s->events[set->events[i]].info, &t))
        set->trigger_event = set->events[i];
  if (set->trigger_event < 0)
    return join_trigger(s, set, o->trigger, before);
  return 0;
}

int pmux_session_add_set(pmux_session_t *s, const char *events,
                         const pmux_set_opts_t *opts)
{
  pmux__clear_error();
  if (s->state != STATE_NEW)
    return pmux__session_fail(s, pmux__fail(PMUX_ESTATE,
                              "sets must be added before the session starts"));
  pmux_set_opts_t o = {0};
  if (opts)
    o = *opts;
  int err = refuse_set_opts(events, &o);
  if (err)
    return pmux__session_fail(s, err);
  struct pmux_set *set = next_set(s);
  if (!set)
    return pmux__session_fail(s, pmux__fail(-ENOMEM, "out of memory"));
  int before = s->nevents;
  err = add_events(s, events, set->id, &set->events, &set->nevents);
  if (err)
    return pmux__session_fail(s, err);
  if (set->nevents > PMUX_GROUP_MAX)
    return undo_set(s, set, before, pmux__fail(PMUX_ECONFIG,
        "set %d: %d events, at most %d in one set ('%.200s...')", set->id,
        set->nevents, PMUX_GROUP_MAX, events));
  if (o.trigger) {
    err = set_trigger(s, set, &o, before);
    if (err)
      return err;
  }
  /* Its warning once nothing can refuse the set: a refused set leaves
   * none behind (it would name the next set). */
  char what[32];
  snprintf(what, sizeof(what), "set %d", set->id);
  set->switch_ns = honour_slice(s, what, o.switch_ns);
  warn_unused_switch(s, set);
  return s->nsets++;
}

int pmux_session_add_set_spec(pmux_session_t *s, const char *spec)
{
  pmux__clear_error();
  char *events, *trigger;
  pmux_set_opts_t opts;
  int err = pmux__parse_set_spec(spec, &events, &opts, &trigger);
  if (err)
    return pmux__session_fail(s, err);
  err = pmux_session_add_set(s, events, &opts);
  free(events);
  free(trigger);
  return err;
}

int pmux_session_pin(pmux_session_t *s, const char *events)
{
  pmux__clear_error();
  if (s->state != STATE_NEW)
    return pmux__session_fail(s, pmux__fail(PMUX_ESTATE,
                              "events must be pinned before the session starts"));
  int err = add_events(s, events, -1, NULL, NULL);
  return err ? pmux__session_fail(s, err) : 0;
}

int pmux_session_set_mux(pmux_session_t *s, pmux_mux_t mux)
{
  pmux__clear_error();
  /* The groups were opened (enabled on exec, pinned, pooled) for the mode
   * in force at the start. */
  if (s->state != STATE_NEW)
    return pmux__session_fail(s, pmux__fail(PMUX_ESTATE,
                              "the mux mode must be set before the session "
                              "starts"));
  if (mux != PMUX_MUX_USER && mux != PMUX_MUX_KERNEL && mux != PMUX_MUX_NONE)
    return pmux__session_fail(s, pmux__fail(PMUX_ECONFIG, "bad mux mode %d",
                                            (int)mux));
  int changed = s->mux != mux;
  s->mux = mux;
  for (int k = 0; changed && k < s->nsets; k++)
    warn_unused_switch(s, &s->sets[k]);
  return 0;
}

int pmux_session_set_switch(pmux_session_t *s, uint64_t ns)
{
  pmux__clear_error();
  /* The engine arms its slices and checkpoints with it from the start. */
  if (s->state != STATE_NEW)
    return pmux__session_fail(s, pmux__fail(PMUX_ESTATE,
                              "the time slice must be set before the "
                              "session starts"));
  if (!ns)
    return pmux__session_fail(s, pmux__fail(PMUX_ECONFIG,
                                            "the time slice must be positive"));
  s->default_switch_ns = honour_slice(s, "--switch", ns);
  return 0;
}

int pmux_session_set_interval(pmux_session_t *s, uint64_t interval_ns,
                              pmux_interval_cb cb, void *arg)
{
  pmux__clear_error();
  /* Changed mid-run (from the callback), 0 left the engine's next interval
   * due at once, again and again: a busy loop of callbacks. */
  if (s->state != STATE_NEW)
    return pmux__session_fail(s, pmux__fail(PMUX_ESTATE,
                              "the interval must be set before the session "
                              "starts"));
  s->interval_ns = interval_ns;
  s->interval_cb = cb;
  s->interval_arg = arg;
  return 0;
}

/* The child: wait for the go byte, then exec.  A failed exec reports its
 * errno through the pipe that exec would have closed (CLOEXEC). */
static void child_main(pmux_session_t *s, int go_read, int err_write)
{
  char go;
  ssize_t n;
  do
    n = read(go_read, &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1)
    _exit(127); /* the monitor went away before releasing us */
  pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
  execvp(s->argv[0], s->argv);
  int e = errno;
  (void)!write(err_write, &e, sizeof(e));
  _exit(127);
}

static int fork_command(pmux_session_t *s, int *err_read)
{
  int go[2], errp[2];
  if (pipe2(go, O_CLOEXEC) < 0)
    return -errno;
  if (pipe2(errp, O_CLOEXEC) < 0) {
    int e = -errno;
    close(go[0]);
    close(go[1]);
    return e;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = -errno;
    close(go[0]);
    close(go[1]);
    close(errp[0]);
    close(errp[1]);
    return e;
  }
  if (pid == 0) {
    close(go[1]);
    close(errp[0]);
    child_main(s, go[0], errp[1]);
  }
  close(go[0]);
  close(errp[1]);
  s->child = pid;
  s->go_pipe = go[1];
  *err_read = errp[0];
  return 0;
}

/* A start that failed before the command was released: close what opened,
 * end the child that waits for its go, give the caller its signals back.
 * The session is as before the start (it may be changed and started
 * again). */
static void abort_start(pmux_session_t *s)
{
  pmux__session_close(s);
  if (s->go_pipe >= 0) {
    close(s->go_pipe);
    s->go_pipe = -1;
  }
  if (s->child > 0) {
    kill(s->child, SIGKILL);
    waitpid(s->child, NULL, 0);
    s->child = -1;
  }
  pmux__restore_signals(s);
}

int pmux_session_start(pmux_session_t *s)
{
  pmux__clear_error();
  if (s->state != STATE_NEW)
    return pmux__session_fail(s, pmux__fail(PMUX_ESTATE,
                                            "session already started"));
  if (s->nsets == 0 && s->nevents == 0)
    return pmux__session_fail(s, pmux__fail(PMUX_ECONFIG, "no events"));
  if (s->mux == PMUX_MUX_USER && s->nsets == 1 &&
      (s->sets[0].switch_ns || s->sets[0].trigger)) {
    size_t used = strlen(s->warnings); /* said, not silently ignored */
    snprintf(s->warnings + used, sizeof(s->warnings) - used,
             "set 0: switch= ignored: the only set, nothing rotates\n");
  }
  int err_read = -1;
  int err = s->argv ? pmux__check_children_waitable() : 0;
  if (err)
    return pmux__session_fail(s, err);
  err = pmux__block_signals(s);
  if (err)
    return pmux__session_fail(s, pmux__fail(err, "cannot block signals"));
  if (s->argv) {
    err = fork_command(s, &err_read);
    if (err) {
      pmux__restore_signals(s);
      return pmux__session_fail(s, pmux__fail(err, "fork: %s",
                                              pmux_strerror(err)));
    }
  }
  err = pmux__session_open(s);
  if (err) {
    if (err_read >= 0)
      close(err_read);
    abort_start(s);
    return pmux__session_fail(s, err);
  }
  s->state = STATE_STARTED;
  if (s->target.kind != PMUX_TARGET_COMMAND)
    pmux__enable_counting(s); /* before a CPUS target's command is released */
  if (s->argv) {
    /* Release the child and learn whether exec worked. */
    char go = 1;
    s->start_ns = pmux__now_ns();
    (void)!write(s->go_pipe, &go, 1);
    close(s->go_pipe);
    s->go_pipe = -1;
    int e;
    ssize_t n;
    do
      n = read(err_read, &e, sizeof(e));
    while (n < 0 && errno == EINTR);
    close(err_read);
    if (n == (ssize_t)sizeof(e)) {
      s->exec_errno = e;
      waitpid(s->child, NULL, 0);
      s->state = STATE_DONE;
      /* Nothing was counted: no counters left open, no clock running
       * (elapsed_ns grew for ever). */
      pmux__session_close(s);
      s->start_ns = 0;
      pmux__restore_signals(s);
      return pmux__session_fail(s, pmux__fail(PMUX_ECHILD,
                                "cannot run '%s': %s", s->argv[0],
                                strerror(e)));
    }
  }
  return 0;
}

int pmux_session_run(pmux_session_t *s, int *status)
{
  pmux__clear_error();
  if (s->state != STATE_STARTED)
    return pmux__session_fail(s, pmux__fail(PMUX_ESTATE,
                              "pmux_session_run needs a started session"));
  s->state = STATE_RUNNING;
  int err = pmux__rotation_run(s, status);
  s->state = STATE_DONE;
  pmux__session_estimate(s);
  return err ? pmux__session_fail(s, err) : 0;
}

void pmux_session_stop(pmux_session_t *s)
{
  s->stop_requested = 1;
  uint64_t one = 1;
  (void)!write(s->stop_fd, &one, sizeof(one)); /* wakes the engine's poll */
}

int pmux_session_exec_status(const pmux_session_t *s)
{
  return pmux__exec_status(s->exec_errno);
}

int pmux_session_forwarded_signal(const pmux_session_t *s)
{
  return s->forwarded_signal;
}

pid_t pmux_session_pid(const pmux_session_t *s)
{
  if (s->argv)
    return s->child;
  return s->target.kind == PMUX_TARGET_PID ? s->target.pid : -1;
}

uint64_t pmux_session_elapsed_ns(const pmux_session_t *s)
{
  if (!s->start_ns)
    return 0;
  return (s->end_ns ? s->end_ns : pmux__now_ns()) - s->start_ns;
}

int pmux_session_nevents(const pmux_session_t *s)
{
  return s->nevents;
}

int pmux_session_nsets(const pmux_session_t *s)
{
  return s->nsets;
}

int pmux_session_active_set(const pmux_session_t *s)
{
  return s->active;
}

uint64_t pmux_session_switch_ns(const pmux_session_t *s)
{
  return s->default_switch_ns;
}

int pmux_session_count(const pmux_session_t *s, int i, pmux_count_t *out)
{
  if (i < 0 || i >= s->nevents)
    return -EINVAL;
  if (!s->estimates_valid)
    pmux__session_estimate((pmux_session_t *)s);
  const struct pmux_event *e = &s->events[i];
  memset(out, 0, sizeof(*out));
  out->name = e->name;
  out->set = e->set;
  out->supported = e->supported;
  out->reason = e->reason;
  out->unit = e->info.is_software &&
                      (e->info.config == PERF_COUNT_SW_TASK_CLOCK ||
                       e->info.config == PERF_COUNT_SW_CPU_CLOCK)
                  ? "msec"
                  : "";
  out->raw = e->raw;
  out->time_enabled_ns = e->enabled_ns;
  /* Its set's time is no time for an event the host cannot count. */
  out->time_running_ns = e->supported ? e->running_ns : 0;
  out->fraction = e->enabled_ns ? (double)out->time_running_ns /
                                      (double)e->enabled_ns
                                : 0.0;
  if (out->fraction > 1.0)
    out->fraction = 1.0;
  out->measured = e->supported && e->running_ns > 0;
  out->estimate = out->measured ? e->estimate : 0.0;
  out->error_bound = out->measured ? e->error_bound : 0.0;
  return 0;
}

int pmux_session_set_info(const pmux_session_t *s, int id,
                          pmux_set_info_t *out)
{
  if (id < 0 || id >= s->nsets)
    return -EINVAL;
  const struct pmux_set *set = &s->sets[id];
  out->id = set->id;
  out->overflow_switch = set->trigger != NULL;
  out->runs = set->runs;
  out->time_ns = set->time_ns;
  return 0;
}
