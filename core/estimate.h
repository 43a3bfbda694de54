/*
 * estimate.h - estimating whole-run counts from a slice history, with a 95%
 * error bound from the data.  Pure functions: tests feed them synthetic
 * histories with known answers.  docs/estimates.md explains the choice.
 */
#ifndef PMUX_CORE_ESTIMATE_H
#define PMUX_CORE_ESTIMATE_H

#include <stddef.h>

/* One event's view of the run, slice by slice. */
struct pmux__estimate_in {
  size_t n;          /* slices */
  double total;      /* D: the target's time over the whole run */
  const double *run; /* [n] time the event's set counted in j (0: not active) */
  const double *cnt; /* [n] count in j (meaningful where run > 0) */
};

struct pmux__estimate_out {
  double estimate;   /* the ratio estimate: raw * sum(d) / sum(run) */
  double bound;      /* 95% half-width */
  double plain;      /* the same, kept for estimators compared beside it */
  double raw;        /* sum of counts */
  int measured;      /* at least one slice with run > 0 */
};

void pmux__estimate(const struct pmux__estimate_in *in,
                    struct pmux__estimate_out *out);

#endif
