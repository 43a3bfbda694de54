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

int pmux_session_add_events_split(pmux_session_t *s, const char *events,
                                  const pmux_pmu_t *pmu)
{
  pmux__clear_error();
  /* What to go back to when a set after the first is refused. */
  int nsets_before = s->nsets, nevents_before = s->nevents;
  size_t warnings_before = strlen(s->warnings);
  char **names;
  int n, err = pmux__split_events(events, &names, &n);
  if (err)
    return pmux__session_fail(s, err);
  const char **hw = calloc((size_t)n + 1, sizeof(char *));
  int *set_of = calloc((size_t)n + 1, sizeof(int));
  char **lists = calloc((size_t)n + 1, sizeof(char *));
  char *software = NULL;
  int nhw = 0, nsets = 1;
  if (!hw || !set_of || !lists) {
    err = -ENOMEM;
    goto out;
  }
  for (int i = 0; i < n; i++) {
    pmux_event_info_t info;
    err = pmux_event_resolve(names[i], &info);
    if (err)
      goto out;
    if (info.is_software)
      err = append(&software, names[i]);
    else
      hw[nhw++] = names[i];
    if (err)
      goto out;
  }
  int host = 0;
  if (nhw && !pmu && (host = pmux_pmu_host(&pmu)) && host != PMUX_ENOPMU) {
    err = host; /* a broken description (PMUX_PMU_PATH): said, not skipped */
    goto out;
  }
  if (nhw && pmu) {
    int r = pmux_pmu_split_names(pmu, hw, nhw, free_counters(pmu), set_of);
    if (r == PMUX_ECONSTRAINT) {
      err = r; /* an event that fits no counter even alone */
      goto out;
    }
    if (r < 0) {
      /* No plan (an event the description does not know, such as a perf
       * generic one): one set.  Said when it matters, that is when there
       * are more events than counters. */
      if (nhw > __builtin_popcountll(free_counters(pmu)))
        warn(s, "cannot plan a split: %s; the events are counted as one "
                "set (one group, which the kernel refuses, or never "
                "schedules, when it does not fit: give the sets with -S)\n",
             pmux_errmsg());
      r = 1;
      memset(set_of, 0, sizeof(int) * (size_t)nhw);
    }
    nsets = r > 0 ? r : 1;
  }
  if (nsets == 1) {
    /* Nothing to split: the events as given, in the order given (as perf
     * lists them), not hardware first. */
    int id = pmux_session_add_set(s, events, NULL);
    err = id < 0 ? id : 0;
    goto out;
  }
  for (int i = 0; i < nhw && !err; i++)
    err = append(&lists[set_of[i]], hw[i]);
  if (!err && software)
    err = append(&lists[0], software);
  for (int k = 0; k < nsets && !err; k++) {
    int id = lists[k] ? pmux_session_add_set(s, lists[k], NULL) : 0;
    if (id < 0)
      err = id;
  }
  if (!err && nsets > 1) {
    char count[16];
    snprintf(count, sizeof(count), "%d", nsets);
    warn(s, "the events do not fit the PMU at once: split into %s sets\n",
         count);
    s->auto_split = 1;
  }
out:
  for (int k = 0; k <= n && lists; k++)
    free(lists[k]);
  free(lists);
  free(software);
  free(hw);
  free(set_of);
  pmux__free_names(names, n);
  if (err) {
    pmux__session_truncate(s, nsets_before, nevents_before, warnings_before);
    return pmux__session_fail(s, err);
  }
  return nsets;
}

int pmux_session_auto_split(const pmux_session_t *s)
{
  return s->auto_split;
}
