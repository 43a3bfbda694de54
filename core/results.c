/*
 * results.c - turning a session's slice history into per-event estimates
 * (estimate.c does the arithmetic).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate.h"
#include "session.h"

/* Offset of set k's record inside a slice that carries all sets. */
static size_t offset_in_all(const pmux_session_t *s, int k)
{
  size_t off = 0;
  for (int i = 0; i < k; i++)
    off += 2 + (size_t)s->sets[i].nevents;
  return off;
}

/*
 * PMUX_DUMP_SLICES=FILE writes the slice history as text, one slice a
 * line: "set wall_ns | running enabled count... | ..." (a set -1 slice
 * carries every set); the header gives the run's reference time.  For studying estimators (docs/estimates.md).
 */
static void dump_slices(const pmux_session_t *s, const char *path)
{
  FILE *f = fopen(path, "we");
  if (!f)
    return;
  fprintf(f, "# reference_ns %llu sets %d events",
          (unsigned long long)s->ref_last_ns, s->nsets);
  for (int i = 0; i < s->nevents; i++)
    fprintf(f, " %s@%d", s->events[i].name, s->events[i].set);
  fputc('\n', f);
  for (size_t j = 0; j < s->nslices; j++) {
    const struct pmux_slice *sl = &s->slices[j];
    fprintf(f, "%d %llu", sl->set, (unsigned long long)sl->wall_ns);
    const uint64_t *rec = &s->slice_data[sl->data];
    int first = sl->set < 0 ? 0 : sl->set, last = sl->set < 0 ? s->nsets - 1
                                                              : sl->set;
    for (int k = first; k <= last; k++) {
      fprintf(f, " |");
      for (int i = 0; i < 2 + s->sets[k].nevents; i++)
        fprintf(f, " %llu", (unsigned long long)*rec++);
    }
    fputc('\n', f);
  }
  fclose(f);
}

/* Do events a and b count the same thing (same encoding, same modifiers)? */
static int same_event(const struct pmux_event *a, const struct pmux_event *b)
{
  return a->info.type == b->info.type && a->info.config == b->info.config &&
         a->info.config1 == b->info.config1 &&
         a->info.config2 == b->info.config2 &&
         a->info.exclude_user == b->info.exclude_user &&
         a->info.exclude_kernel == b->info.exclude_kernel &&
         a->info.exclude_hv == b->info.exclude_hv && a->supported &&
         b->supported;
}

/*
 * The event of set k (user mux) that counts the same thing as e, or NULL.
 * An event listed in several sets (cycles in every group, say) is
 * estimated from the observations of all of them: in the slices of any of
 * those sets it was counting.
 */
static const struct pmux_event *twin_in_set(const pmux_session_t *s,
                                            const struct pmux_event *e, int k)
{
  if (k < 0 || k >= s->nsets)
    return NULL;
  const struct pmux_set *set = &s->sets[k];
  for (int i = 0; i < set->nevents; i++) {
    const struct pmux_event *t = &s->events[set->events[i]];
    if (same_event(t, e))
      return t;
  }
  return NULL;
}

void pmux__session_estimate(pmux_session_t *s)
{
  const char *dump = getenv("PMUX_DUMP_SLICES");
  if (dump && *dump && s->state == STATE_DONE)
    dump_slices(s, dump);
  size_t n = s->nslices;
  double *run = malloc(sizeof(double) * (n + 1));
  double *cnt = malloc(sizeof(double) * (n + 1));
  if (!run || !cnt)
    goto out;
  for (int i = 0; i < s->nevents; i++) {
    struct pmux_event *e = &s->events[i];
    if (e->set < 0) {
      /* Pinned: counted all the time (the kernel's own scaling applies
       * only if the PMU could not hold the pinned group). */
      e->estimate = e->raw;
      e->plain_estimate = e->raw;
      e->error_bound = 0;
      if (e->running_ns && e->running_ns < e->enabled_ns)
        e->estimate = e->plain_estimate =
            (double)e->raw * (double)e->enabled_ns / (double)e->running_ns;
      continue;
    }
    int k = e->set;
    size_t all_off = offset_in_all(s, k);
    for (size_t j = 0; j < n; j++) {
      const struct pmux_slice *sl = &s->slices[j];
      run[j] = cnt[j] = 0;
      if (sl->set == -1) { /* kernel mux: every set has a record */
        const uint64_t *rec = &s->slice_data[sl->data + all_off];
        run[j] = (double)rec[0];
        cnt[j] = (double)rec[2 + e->index_in_set];
        continue;
      }
      const struct pmux_event *t = twin_in_set(s, e, sl->set);
      if (!t)
        continue;
      const uint64_t *rec = &s->slice_data[sl->data];
      run[j] = (double)rec[0];
      cnt[j] = (double)rec[2 + t->index_in_set];
    }
    struct pmux__estimate_in in = {.n = n, .total = (double)s->ref_last_ns,
                                   .run = run, .cnt = cnt};
    struct pmux__estimate_out o;
    pmux__estimate(&in, &o);
    e->estimate = o.estimate;
    e->error_bound = o.bound;
    e->plain_estimate = o.plain;
  }
  s->estimates_valid = 1;
out:
  free(run);
  free(cnt);
}
