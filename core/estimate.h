/*
 * estimate.h - estimating whole-run counts from the slices a set was
 * observed in, with a 95% error bound from the data.  The sums are kept as
 * the run goes (O(1) per slice and event, whatever the run's length); the
 * arithmetic is pure, so tests feed it synthetic histories with known
 * answers.  docs/estimates.md explains the choice.
 */
#ifndef PMUX_CORE_ESTIMATE_H
#define PMUX_CORE_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

/* The ratio estimator's sufficient statistics for one event: its count y
 * and its set's running time x in each observed slice, in time order; and,
 * apart, the run's first slice when this event's set had it (the
 * command's start: exec, the loader, initialisation), a stratum that set
 * saw in full and no other set saw at all. */
struct pmux__ratio_acc {
  uint64_t n;                   /* observations, the first slice apart */
  long double sy, sx;           /* sums of y and x */
  long double dyy, dxy, dxx;    /* sums of products of successive differences */
  long double ly, lx;           /* the last observation */
  long double fy, fx;           /* the run's first slice (fx 0: not this set's) */
};

/* Add one observation (x > 0; a slice where the set did not count adds
 * nothing). */
void pmux__ratio_add(struct pmux__ratio_acc *a, double y, double x);

/* Add the run's first slice, counted by this event's set alone. */
void pmux__ratio_add_first(struct pmux__ratio_acc *a, double y, double x);

struct pmux__estimate_out {
  double estimate;   /* raw * total / sum(x) */
  double bound;      /* 95% half-width */
  double raw;        /* sum of counts */
  int measured;      /* at least one observation */
};

/* The estimate for a run whose target time was `total` (reference clock). */
void pmux__ratio_result(const struct pmux__ratio_acc *a, double total,
                        struct pmux__estimate_out *out);

/* The same over a whole history at once (tests, studies): slice j counted
 * run[j] (0: not observed) and saw cnt[j]. */
struct pmux__estimate_in {
  size_t n;          /* slices */
  double total;      /* D: the target's time over the whole run */
  const double *run; /* [n] */
  const double *cnt; /* [n] */
  int first_apart;   /* slice 0 is the run's first, held apart */
};
void pmux__estimate(const struct pmux__estimate_in *in,
                    struct pmux__estimate_out *out);

#endif
