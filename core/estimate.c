/*
 * estimate.c - from the observed slices to estimates and error bounds.
 *
 * The run lasted D of target time (the reference clock: the target's CPU
 * time for a task, wall time for a CPU).  A set observed some slices: its
 * count y_i in slice i while it counted x_i.  The estimate is the ratio
 * estimator
 *     Y = D * (sum y_i / sum x_i),
 * that is, scaling by the time the set actually counted (never by its
 * number of runs), and filling the switch gaps at the same rate.
 *
 * The bound is that estimator's 95% interval for a systematic sample (one
 * slice in K, in rotation order): residuals e_i = y_i - r x_i, their
 * variance taken from successive differences (which, unlike the plain
 * variance, is not inflated by slow trends, the usual choice for
 * systematic samples), and
 *     Var(Y) = (D/X)^2 n (1 - f) S_d^2,  f = X/D,
 * with n observed slices, X = sum x_i (f is the measured share of the run:
 * n/N for slices of equal length, and right for the kernel's partial
 * slices too).  Since r is known only at the end, the sum of squared
 * successive residual differences is kept expanded:
 *     sum (dy - r dx)^2 = sum dy^2 - 2 r sum dy dx + r^2 sum dx^2.
 * The run's first slice is a stratum of its own when a set had it: a
 * command's start (exec, the loader, initialisation) runs at rates of its
 * own, that set saw all of it and no other set saw any.  Its count enters
 * that set's estimate as it is, and the ratio covers the rest of the run:
 *     Y = y_0 + (D - x_0) (sum_{i>0} y_i / sum_{i>0} x_i).
 * Without this the first set scales its start over the whole run: -0.4%
 * to -1.3% on instructions in the POWER lab, where the other sets erred by
 * at most 0.3%.
 * docs/estimates.md has the measurements that chose this over
 * interpolating the unobserved slices.
 */
#include <math.h>

#include "estimate.h"

void pmux__ratio_add(struct pmux__ratio_acc *a, double y, double x)
{
  if (!(x > 0))
    return;
  if (a->n) {
    long double dy = (long double)y - a->ly, dx = (long double)x - a->lx;
    a->dyy += dy * dy;
    a->dxy += dy * dx;
    a->dxx += dx * dx;
  }
  a->sy += y;
  a->sx += x;
  a->ly = y;
  a->lx = x;
  a->n++;
}

void pmux__ratio_add_first(struct pmux__ratio_acc *a, double y, double x)
{
  if (!(x > 0))
    return;
  a->fy = y;
  a->fx = x;
}

void pmux__ratio_result(const struct pmux__ratio_acc *a, double total,
                        struct pmux__estimate_out *out)
{
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
    return;
  }
  long double rest = total - a->fx; /* the run after the first slice */
  long double r = a->sy / a->sx;
  out->estimate = (double)(a->fy + r * rest);
  if (a->n < 2) {
    /* One observation: no spread to learn from, so everything unseen is
     * in doubt. */
    out->bound = out->estimate - out->raw;
    return;
  }
  long double ss = a->dyy - 2 * r * a->dxy + r * r * a->dxx;
  long double s2 = ss > 0 ? ss / (2.0L * (long double)(a->n - 1)) : 0;
  long double f = a->sx / rest, g = rest / a->sx;
  long double var = g * g * (long double)a->n * (1 - f) * s2;
  out->bound = 1.96 * sqrt((double)(var > 0 ? var : 0));
}

void pmux__estimate(const struct pmux__estimate_in *in,
                    struct pmux__estimate_out *out)
{
  struct pmux__ratio_acc a = {0};
  for (size_t j = 0; j < in->n; j++) {
    if (j == 0 && in->first_apart)
      pmux__ratio_add_first(&a, in->cnt[j], in->run[j]);
    else
      pmux__ratio_add(&a, in->cnt[j], in->run[j]);
  }
  pmux__ratio_result(&a, in->total, out);
}
