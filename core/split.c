/*
 * split.c - `-e` lists with more events than the PMU holds at once: split
 * into as few sets as counter assignment proves fit (pmu_assign.c), the
 * software events (which need no counter) in the first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

/* Counters free for us: reserve.c's mask (all, less the NMI watchdog's
 * and those other PMU users are known to hold). */
static uint64_t free_counters(const pmux_pmu_t *pmu)
{
  return pmux_reserve_free_mask(pmu);
}

static void warn(pmux_session_t *s, const char *fmt, const char *arg)
{
  size_t used = strlen(s->warnings);
  snprintf(s->warnings + used, sizeof(s->warnings) - used, fmt, arg);
}

/* Append name to the comma list *list. */
static int append(char **list, const char *name)
{
  size_t a = *list ? strlen(*list) : 0, b = strlen(name);
  char *p = realloc(*list, a + b + 2);
  if (!p)
    return -ENOMEM;
  if (a)
    p[a++] = ',';
  memcpy(p + a, name, b + 1);
  *list = p;
  return 0;
}

/* The events of one -e list, and the sets they are split into. */
struct split {
  char **names;      /* the list's events, as given */
  int n;
  const char **hw;   /* those that need a counter */
  int nhw;
  int *set_of;       /* hw[i] goes to set set_of[i] */
  char **lists;      /* set k's events, a comma list */
  char *software;    /* the software events, a comma list, for set 0 */
};

static void split_free(struct split *sp)
{
  for (int k = 0; k <= sp->n && sp->lists; k++)
    free(sp->lists[k]);
  free(sp->lists);
  free(sp->software);
  free(sp->hw);
  free(sp->set_of);
  pmux__free_names(sp->names, sp->n);
}

/* Resolve every event: the software ones to sp->software, the others to
 * sp->hw. */
static int sort_events(struct split *sp)
{
  for (int i = 0; i < sp->n; i++) {
    pmux_event_info_t info;
    int err = pmux_event_resolve(sp->names[i], &info);
    if (err)
      return err;
    if (info.is_software)
      err = append(&sp->software, sp->names[i]);
    else
      sp->hw[sp->nhw++] = sp->names[i];
    if (err)
      return err;
  }
  return 0;
}

/* How many sets the hardware events need (sp->set_of says which one each
 * goes to), or an error. */
static int plan_sets(pmux_session_t *s, struct split *sp, const pmux_pmu_t *pmu)
{
  int host = 0;
  if (sp->nhw && !pmu && (host = pmux_pmu_host(&pmu)) && host != PMUX_ENOPMU)
    return host; /* a broken description (PMUX_PMU_PATH): said, not skipped */
  if (!sp->nhw || !pmu)
    return 1;
  int r = pmux_pmu_split_names(pmu, sp->hw, sp->nhw, free_counters(pmu),
                               sp->set_of);
  if (r == PMUX_ECONSTRAINT)
    return r; /* an event that fits no counter even alone */
  if (r < 0) {
    /* No plan (an event the description does not know, such as a perf
     * generic one it maps no event to: stalled-cycles-frontend on Core 2):
     * one set.  Said when it matters, that is when there
     * are more events than counters. */
    if (sp->nhw > __builtin_popcountll(free_counters(pmu)))
      warn(s, "cannot plan a split: %s; the events are counted as one "
              "set (one group, which the kernel refuses, or never "
              "schedules, when it does not fit: give the sets with -S)\n",
           pmux_errmsg());
    r = 1;
    memset(sp->set_of, 0, sizeof(int) * (size_t)sp->nhw);
  }
  return r > 0 ? r : 1;
}

/* Add the nsets planned sets to s, the software events in the first. */
static int add_planned_sets(pmux_session_t *s, struct split *sp, int nsets)
{
  int err = 0;
  for (int i = 0; i < sp->nhw && !err; i++)
    err = append(&sp->lists[sp->set_of[i]], sp->hw[i]);
  if (!err && sp->software)
    err = append(&sp->lists[0], sp->software);
  for (int k = 0; k < nsets && !err; k++) {
    int id = sp->lists[k] ? pmux_session_add_set(s, sp->lists[k], NULL) : 0;
    if (id < 0)
      err = id;
  }
  if (!err) {
    char count[16];
    snprintf(count, sizeof(count), "%d", nsets);
    warn(s, "the events do not fit the PMU at once: split into %s sets\n",
         count);
    s->auto_split = 1;
  }
  return err;
}

/* The events as split into sets, added to s: the number of sets or the
 * error. */
static int add_split(pmux_session_t *s, const char *events,
                     const pmux_pmu_t *pmu, struct split *sp)
{
  sp->hw = calloc((size_t)sp->n + 1, sizeof(char *));
  sp->set_of = calloc((size_t)sp->n + 1, sizeof(int));
  sp->lists = calloc((size_t)sp->n + 1, sizeof(char *));
  if (!sp->hw || !sp->set_of || !sp->lists)
    return -ENOMEM;
  int err = sort_events(sp);
  if (err)
    return err;
  int nsets = plan_sets(s, sp, pmu);
  if (nsets < 0)
    return nsets;
  if (nsets == 1) {
    /* Nothing to split: the events as given, in the order given (as perf
     * lists them), not hardware first. */
    int id = pmux_session_add_set(s, events, NULL);
    return id < 0 ? id : nsets;
  }
  err = add_planned_sets(s, sp, nsets);
  return err ? err : nsets;
}

int pmux_session_add_events_split(pmux_session_t *s, const char *events,
                                  const pmux_pmu_t *pmu)
{
  pmux__clear_error();
  /* What to go back to when a set after the first is refused. */
  int nsets_before = s->nsets, nevents_before = s->nevents;
  size_t warnings_before = strlen(s->warnings);
  struct split sp = {0};
  int err = pmux__split_events(events, &sp.names, &sp.n);
  if (err)
    return pmux__session_fail(s, err);
  int nsets = add_split(s, events, pmu, &sp);
  split_free(&sp);
  if (nsets < 0) {
    pmux__session_truncate(s, nsets_before, nevents_before, warnings_before);
    return pmux__session_fail(s, nsets);
  }
  return nsets;
}

int pmux_session_auto_split(const pmux_session_t *s)
{
  return s->auto_split;
}
