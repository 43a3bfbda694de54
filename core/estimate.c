/*
 * estimate.c - from the slice history to estimates and error bounds.
 *
 * The run is a sequence of slices and lasted D of target time (the
 * reference clock: the target's CPU time for a task, wall time for a CPU).
 * A set observed some slices: its count y_i in slice i while it counted
 * x_i = run_i.  The estimate is the ratio estimator
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
 * slices too).  docs/estimates.md has the measurements
 * that chose this over interpolating the unobserved slices.
 */
#include <math.h>

#include "estimate.h"

void pmux__estimate(const struct pmux__estimate_in *in,
                    struct pmux__estimate_out *out)
{
  size_t n = in->n, nobs = 0;
  double sum_d = in->total, sum_run = 0, raw = 0;
  for (size_t j = 0; j < n; j++) {
    if (in->run[j] > 0) {
      sum_run += in->run[j];
      raw += in->cnt[j];
      nobs++;
    }
  }
  out->raw = raw;
  out->measured = nobs > 0;
  out->estimate = out->bound = out->plain = 0;
  if (!nobs)
    return;
  if (sum_run >= sum_d) {
    /* Counted all the time the target ran: exact. */
    out->estimate = out->plain = raw;
    return;
  }
  double ratio = raw / sum_run;
  out->estimate = out->plain = ratio * sum_d;
  if (nobs < 2) {
    /* One observation: no spread to learn from, so everything unseen is
     * in doubt. */
    out->bound = out->estimate - raw;
    return;
  }
  double prev = 0, ss = 0;
  int have_prev = 0;
  for (size_t j = 0; j < n; j++) {
    if (in->run[j] <= 0)
      continue;
    double e = in->cnt[j] - ratio * in->run[j];
    if (have_prev)
      ss += (e - prev) * (e - prev);
    prev = e;
    have_prev = 1;
  }
  double s2 = ss / (2.0 * (double)(nobs - 1));
  double f = sum_run / sum_d;
  double g = sum_d / sum_run;
  double var = g * g * (double)nobs * (1.0 - f) * s2;
  out->bound = 1.96 * sqrt(var > 0 ? var : 0);
}
