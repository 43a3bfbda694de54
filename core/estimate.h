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

/*
 * The sufficient statistics of one event's observations: in each observed
 * slice, in time order, its count y, its set's running time x (the
 * target's time while the set counted) and the rest of the slice's wall
 * time, z = w - x (for a task: the time it was off the CPU, or on it
 * while no set counted); and, apart, the run's first slice when this
 * event's set had it (the command's start: exec, the loader,
 * initialisation), a stratum that set saw in full and no other set saw at
 * all.
 */
struct pmux__est_acc {
  uint64_t n;                       /* observations, the first slice apart */
  long double sy, sx, sz;           /* sums */
  long double sxx, szz, sxz;        /* sums of products, for the regression */
  long double sxy, szy;
  long double dyy, dxx, dzz;        /* sums of products of successive */
  long double dxy, dzy, dxz;        /*   differences, for the bound */
  long double ly, lx, lz;           /* the last observation */
  long double fy, fx, fz;           /* the first slice (fx 0: not this set's) */
};

/* The run's totals the observations are scaled to. */
struct pmux__est_totals {
  double time;    /* D: the reference clock (the target's CPU time, or wall
                     time for CPUs) over the whole run */
  double counted; /* X: every slice's x, whichever set it was */
  double wall;    /* W: the wall time of the slices the target ran in
                     (with X, Z); 0: not known (kernel mux): the plain
                     ratio is used */
};

/* Add one observation (x > 0; a slice where the set did not count adds
 * nothing). */
void pmux__est_add(struct pmux__est_acc *a, double y, double x, double w);

/* Add the run's first slice, counted by this event's set alone. */
void pmux__est_add_first(struct pmux__est_acc *a, double y, double x,
                         double w);

struct pmux__estimate_out {
  double estimate;   /* the whole-run estimate */
  double bound;      /* 95% half-width */
  double raw;        /* sum of counts */
  int measured;      /* at least one observation */
};

void pmux__est_result(const struct pmux__est_acc *a,
                      const struct pmux__est_totals *t,
                      struct pmux__estimate_out *out);

/* The same over a whole history at once (tests, studies): in slice j the
 * event's set counted run[j] (0: not observed) and the event cnt[j]; the
 * slice lasted wall[j], in which its set, whichever it was, counted
 * counted[j]. */
struct pmux__estimate_in {
  size_t n;              /* slices */
  double total;          /* D */
  const double *run;     /* [n] */
  const double *cnt;     /* [n] */
  int first_apart;       /* slice 0 is the run's first, held apart */
  const double *wall;    /* [n], or NULL: the ratio alone */
  const double *counted; /* [n], with wall */
};
void pmux__estimate(const struct pmux__estimate_in *in,
                    struct pmux__estimate_out *out);

#endif
