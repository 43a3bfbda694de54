/*
 * results.c - per-event estimates from the observations the rotation
 * engine summed up (estimate.c does the arithmetic), and the slice dump
 * for studying estimators.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate.h"
#include "session.h"

static int is_reference_clock(const pmux_session_t *s,
                              const struct pmux_event *e)
{
  return e->info.is_software &&
         e->info.config == (s->target.kind == PMUX_TARGET_CPUS
                                ? PERF_COUNT_SW_CPU_CLOCK
                                : PERF_COUNT_SW_TASK_CLOCK);
}

void pmux__session_estimate(pmux_session_t *s)
{
  /* In kernel mux the sets count at overlapping times: no wall total
   * (and the sum of their times is not the slices' counted time).  On
   * CPUs the reference is wall time itself, on each CPU: there is no time
   * off the CPU to follow. */
  struct pmux__est_totals totals = {(double)s->ref_last_ns, 0,
                                    (double)s->wall_sum_ns};
  if (s->target.kind == PMUX_TARGET_CPUS)
    totals.wall = 0;
  /* Sets that hand over after N overflows have slices chosen by a count,
   * not by time: the slices are no sample of the run (a set switched on
   * page faults sees the run's fault bursts and little else), and no bound
   * drawn from them holds.  The estimates stay, with no bound. */
  int chosen_by_count = 0;
  for (int k = 0; k < s->nsets; k++) {
    totals.counted += (double)s->sets[k].time_ns;
    chosen_by_count |= s->sets[k].trigger != NULL;
  }
  chosen_by_count &= s->nsets > 1;
  for (int i = 0; i < s->nevents; i++) {
    struct pmux_event *e = &s->events[i];
    if (e->set < 0 || (s->nsets == 1 && s->mux == PMUX_MUX_USER)) {
      /* Pinned, or the only set: counted all the time (scaled only if the
       * PMU could not hold the group, as the kernel reports it). */
      e->estimate = (double)e->raw;
      e->error_bound = 0;
      if (e->running_ns && e->running_ns < e->enabled_ns)
        e->estimate =
            (double)e->raw * (double)e->enabled_ns / (double)e->running_ns;
      continue;
    }
    struct pmux__estimate_out o;
    pmux__est_result(&s->events[e->pool].acc, &totals, &o);
    e->estimate = o.estimate;
    e->error_bound = o.bound;
    /* The clock the reference counts (task-clock of a task, cpu-clock of
     * CPUs) is its set's own time, scaled to the run's: exact, even from
     * one slice, where the bound would doubt all the rest. */
    if (o.measured && is_reference_clock(s, e))
      e->error_bound = 0;
    /* (A bound of 0 stays: an event that is the set's own time, such as
     * task-clock, is exact however its slices were chosen.  An event never
     * seen to count loses its rule-of-three bound too: that rule needs
     * events spread evenly over slices chosen without regard to them.) */
    if (chosen_by_count && e->error_bound > 0)
      e->error_bound = INFINITY;
  }
  s->estimates_valid = 1;
}

/*
 * PMUX_DUMP_SLICES=FILE writes one line per slice and set read:
 *   "SET WALL_NS | RUNNING_NS ENABLED_NS COUNT..."
 * (SET -1: kernel mux, every set read at a checkpoint), after a header
 * naming the events as NAME@SET, and a last line "# reference_ns N".
 */
void pmux__dump_open(pmux_session_t *s)
{
  const char *path = getenv("PMUX_DUMP_SLICES");
  if (!path || !*path || s->dump)
    return;
  s->dump = fopen(path, "we");
  if (!s->dump)
    return;
  fprintf(s->dump, "# sets %d events", s->nsets);
  for (int i = 0; i < s->nevents; i++)
    fprintf(s->dump, " %s@%d", s->events[i].name, s->events[i].set);
  fputc('\n', s->dump);
}

void pmux__dump_slice(pmux_session_t *s, int set, uint64_t wall_ns,
                      const uint64_t *rec, size_t len)
{
  fprintf(s->dump, "%d %llu |", set, (unsigned long long)wall_ns);
  for (size_t i = 0; i < len; i++)
    fprintf(s->dump, " %llu", (unsigned long long)rec[i]);
  fputc('\n', s->dump);
}

void pmux__dump_close(pmux_session_t *s)
{
  if (!s->dump)
    return;
  fprintf(s->dump, "# reference_ns %llu\n", (unsigned long long)s->ref_last_ns);
  fclose(s->dump);
  s->dump = NULL;
}
