/*
 * estimate.c - from the observed slices to estimates and error bounds.
 *
 * The run lasted D of target time (the reference clock: the target's CPU
 * time for a task, wall time for a CPU).  A set observed some slices: in
 * slice i the event counted y_i while its set counted x_i, in a slice
 * whose wall time held z_i more (for a task: time off the CPU, or on it
 * while no set counted).  Over all slices the target ran in, whichever
 * set had them, the sets counted X in all and the rest of their wall time
 * was Z.
 *
 * The plain estimate is the ratio estimator
 *     R = D * (sum y_i / sum x_i),
 * which scales by the time the set actually counted (never by its number
 * of runs) and fills the switch gaps (D - X) at the same rate.  Where the
 * event also follows the time off the CPU (context switches follow sleeps,
 * which take wall time and little CPU), the least-squares fit
 * y ~ a x + b z over the set's slices calibrates the estimate to both
 * totals, and fills the gaps, which are CPU time, at a:
 *     Y = g sum y_i + b (Z - g sum z_i) + a (D - X),   g = X / sum x_i
 * (the regression estimator; for an event that does not follow z, b is 0
 * and Y is R but for the gaps).  Without a wall total (kernel mux, CPU
 * targets), with too few slices, when z and x are one clock, or when the
 * sets counted more time than the slices lasted (threads running side by
 * side: z = w - x is then no time off the CPU), R stays; R stays too when
 * Y would be below the count seen, and when the set's off-CPU time is no
 * sample of the run's (balanced(), below).  Slices in which the target
 * never ran are out of Z, as they are out of the observations
 * (rotation.c).
 *
 * The run's first slice is a stratum of its own when a set had it: a
 * command's start (exec, the loader, initialisation) runs at rates of its
 * own, that set saw all of it and no other set saw any.  Its count enters
 * that set's estimate as it is, and the above covers the rest of the run
 * (D, X and Z less the first slice's).  Without this the first set
 * scaled its start over the whole run: -0.4% to -1.3% on instructions in
 * the POWER lab, where the other sets erred by at most 0.3%.
 *
 * The bound is the estimator's 95% interval for a systematic sample (one
 * slice in K, in rotation order): residuals e_i (y_i - a x_i - b z_i, or
 * y_i - r x_i for the ratio), their variance taken from successive
 * differences (which, unlike the plain variance, is not inflated by slow
 * trends, the usual choice for systematic samples), and
 *     Var(Y) = g^2 n (1 - 1/g) S_d^2
 * with n observed slices (1/g is the measured share of the run: n/N for
 * slices of equal length, and right for the kernel's partial slices too).
 * Since a, b and r are known only at the end, the sums of products of
 * successive differences are kept expanded.  An event never seen to count
 * has no spread to learn from either: its bound is what the rest of the run
 * may hold while the seen part held none, 3 (g - 1) events (the 95% "rule
 * of three" for rare, independent events), not 0.
 * docs/estimates.md has the measurements that chose all this.
 */
#include <math.h>

#include "estimate.h"

/* Fewer observations than this: no regression (two coefficients and a
 * spread to learn from them). */
#define REGRESSION_MIN_N 4

/* How far (in standard deviations) a set's off-CPU time may be from its
 * share of the run's for the regression to be trusted: idle runs of
 * pmux-demo stayed within 1.7, a target sharing its CPU went to 8 (median;
 * up to 13) (docs/estimates.md); a sample that aliases a periodic target
 * reached 1.65 with the fit right (test_estimate.c). */
#define BALANCE_SD 3

/* The sets' counted time may exceed the slices' wall time by timer and
 * clock noise; beyond this share, several threads (or CPUs) ran at once. */
#define ONE_CLOCK_SLACK 1.05

void pmux__est_add(struct pmux__est_acc *a, double y, double x, double w)
{
  if (!(x > 0))
    return;
  long double z = (long double)w - x;
  if (a->n) {
    long double dy = (long double)y - a->ly, dx = (long double)x - a->lx,
                dz = z - a->lz;
    a->dyy += dy * dy;
    a->dxx += dx * dx;
    a->dzz += dz * dz;
    a->dxy += dx * dy;
    a->dzy += dz * dy;
    a->dxz += dx * dz;
  }
  a->sy += y;
  a->sx += x;
  a->sz += z;
  a->sxx += (long double)x * x;
  a->szz += z * z;
  a->sxz += x * z;
  a->sxy += (long double)x * y;
  a->szy += z * y;
  a->ly = y;
  a->lx = x;
  a->lz = z;
  a->n++;
}

void pmux__est_add_first(struct pmux__est_acc *a, double y, double x,
                         double w)
{
  if (!(x > 0))
    return;
  a->fy = y;
  a->fx = x;
  a->fz = (long double)w - x;
}

/* The fit y ~ ca x + cb z; 0 when it is degenerate (z and x one clock). */
static int regression(const struct pmux__est_acc *a, long double *ca,
                      long double *cb)
{
  long double det = a->sxx * a->szz - a->sxz * a->sxz;
  if (a->n < REGRESSION_MIN_N || !(det > 1e-9L * a->sxx * a->szz))
    return 0;
  *ca = (a->szz * a->sxy - a->sxz * a->szy) / det;
  *cb = (a->sxx * a->szy - a->sxz * a->sxy) / det;
  return 1;
}

/*
 * Whether the off-CPU time the set missed, dz = Z - gx sum z, is within
 * BALANCE_SD standard deviations of what a systematic sample of the run's
 * slices would miss.  dz is the error of the ratio estimate of Z from the
 * set's z and x, so its variance is the bound's formula on the residuals
 * z_i - rz x_i (rz = sum z / sum x), whose successive differences the
 * sums already hold (raw z would understate it by wall / CPU time, and
 * reject the sleep-heavy targets the regression is for).  Beyond,
 * the set's slices are no sample of the run's off-CPU time (a target
 * sharing its CPU: the rotation locks onto the scheduler's, and one set
 * saw half the preempted time of another), and the fit y ~ a x + b z,
 * learnt mostly from sleeps, would fill the missing preemptions at the
 * sleep rate (context switches estimated at 1.6-4 times the truth).  The
 * ratio stays then.
 */
static int balanced(const struct pmux__est_acc *a, long double gx,
                    long double dz)
{
  long double rz = a->sz / a->sx;
  long double d2 = a->dzz - 2 * rz * a->dxz + rz * rz * a->dxx;
  long double var = gx * gx * (long double)a->n * (1 - 1 / gx) * d2 /
                    (2.0L * (long double)(a->n - 1));
  return dz * dz <= BALANCE_SD * BALANCE_SD * var;
}

/* Nothing counted in the time seen (x = sx + fx of D): the unseen rest
 * may still hold up to 3 (D - x) / x events at 95%. */
static void none_seen(const struct pmux__est_acc *a, double total,
                      struct pmux__estimate_out *out)
{
  long double seen = a->sx + a->fx;
  if (out->raw == 0 && seen > 0 && seen < total) {
    double bound = (double)(3 * (total - seen) / seen);
    if (bound > out->bound)
      out->bound = bound;
  }
}

void pmux__est_result(const struct pmux__est_acc *a,
                      const struct pmux__est_totals *t,
                      struct pmux__estimate_out *out)
{
  double total = t->time;
  out->raw = (double)(a->sy + a->fy);
  out->measured = a->n > 0 || a->fx > 0;
  out->estimate = out->bound = 0;
  if (!out->measured)
    return;
  if (a->sx + a->fx >= total) {
    /* Counted all the time the target ran: exact. */
    out->estimate = out->raw;
    return;
  }
  if (!a->n) {
    /* Seen in the first slice only: scale it, and doubt all the rest. */
    out->estimate = (double)(a->fy / a->fx * total);
    out->bound = out->estimate - out->raw;
    none_seen(a, total, out);
    return;
  }
  /* The run after the first slice (all of it for the other sets). */
  long double rest = total - a->fx;
  long double g = rest / a->sx; /* the set saw 1/g of it */
  long double r = a->sy / a->sx;
  long double est = r * rest;
  /* Successive-difference sum of squared residuals: of the ratio... */
  long double ss = a->dyy - 2 * r * a->dxy + r * r * a->dxx;
  long double ca, cb;
  long double counted = t->counted - a->fx;
  if (t->wall > 0 && t->counted <= ONE_CLOCK_SLACK * t->wall &&
      counted > a->sx * (1 - 1e-12L) && regression(a, &ca, &cb)) {
    long double others = t->wall - t->counted - a->fz; /* Z, the rest */
    long double gx = counted / a->sx;
    long double dz = others - gx * a->sz; /* off-CPU time the set missed */
    long double y = gx * a->sy + cb * dz + ca * (rest - counted);
    /* ... or of the regression, unless it predicts fewer events in the
     * rest of the run than the set saw there, or the set's off-CPU time
     * is no sample of the run's (below). */
    if (y >= a->sy && balanced(a, gx, dz)) {
      est = y;
      g = gx;
      ss = a->dyy + ca * ca * a->dxx + cb * cb * a->dzz -
           2 * ca * a->dxy - 2 * cb * a->dzy + 2 * ca * cb * a->dxz;
    }
  }
  out->estimate = (double)(a->fy + est);
  if (a->n < 2) {
    /* One observation: no spread to learn from, so everything unseen is
     * in doubt. */
    out->bound = out->estimate - out->raw;
  } else {
    long double s2 = ss > 0 ? ss / (2.0L * (long double)(a->n - 1)) : 0;
    long double var = g * g * (long double)a->n * (1 - 1 / g) * s2;
    out->bound = 1.96 * sqrt((double)(var > 0 ? var : 0));
  }
  none_seen(a, total, out);
}

void pmux__estimate(const struct pmux__estimate_in *in,
                    struct pmux__estimate_out *out)
{
  struct pmux__est_acc a = {0};
  struct pmux__est_totals t = {in->total, 0, 0};
  for (size_t j = 0; j < in->n; j++) {
    double w = in->wall ? in->wall[j] : 0;
    if (in->wall && in->counted && in->counted[j] > 0) {
      /* As rotation.c: a slice the target never ran in is out of W. */
      t.wall += w;
      t.counted += in->counted[j];
    }
    if (j == 0 && in->first_apart)
      pmux__est_add_first(&a, in->cnt[j], in->run[j], w);
    else
      pmux__est_add(&a, in->cnt[j], in->run[j], w);
  }
  if (!in->counted)
    t.wall = 0;
  pmux__est_result(&a, &t, out);
}
