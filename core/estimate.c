/*
 * estimate.c - from the slice history to estimates and error bounds.
 *
 * Estimator: each slice j has the target's time d_j (reference clock).  A
 * slice where the event's set counted gives its rate r_j = cnt_j / run_j;
 * that slice contributes cnt_j plus r_j times the part of d_j its set missed
 * (the switch gap).  A slice where the set was not active contributes
 * r^_j d_j, r^_j interpolated linearly, in target time, between the nearest
 * observed slices before and after (one side only at the ends).  Plain time
 * scaling (raw * sum d / sum run) is computed beside it for comparison.
 *
 * Bound: the error of an interpolated rate is estimated from the data by
 * leave-one-out: every observed slice with observed neighbours on both
 * sides is predicted from those neighbours, and the spread of the rate
 * residuals, sigma, is the error expected for one interpolated slice.
 * Slices in one gap (between the same two observations) share their error,
 * so a gap of total time D contributes (sigma D)^2 to the variance; gaps are
 * independent.  The bound is 1.96 standard deviations.  Without three
 * observations there is no spread to learn from: the bound is then the
 * whole unobserved share of the estimate.
 */
#include <math.h>
#include <stdlib.h>

#include "estimate.h"

/* Rate interpolated at position t between observations (ta, ra), (tb, rb). */
static double lerp(double ta, double ra, double tb, double rb, double t)
{
  if (tb <= ta)
    return 0.5 * (ra + rb);
  double w = (t - ta) / (tb - ta);
  return ra + w * (rb - ra);
}

void pmux__estimate(const struct pmux__estimate_in *in,
                    struct pmux__estimate_out *out)
{
  size_t n = in->n;
  double sum_d = 0, sum_run = 0, raw = 0;
  size_t nobs = 0;
  for (size_t j = 0; j < n; j++) {
    sum_d += in->d[j];
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
  out->plain = sum_run > 0 ? raw * sum_d / sum_run : raw;
  if (sum_run >= sum_d) {
    /* Counted all the time the target ran: exact. */
    out->estimate = raw;
    return;
  }

  /* Positions (midpoints in target time) and observed rates. */
  double *mid = malloc(sizeof(double) * n);
  size_t *obs = malloc(sizeof(size_t) * nobs);
  if (!mid || !obs) {
    free(mid);
    free(obs);
    out->estimate = out->plain;
    out->bound = out->plain;
    return;
  }
  double t = 0;
  size_t k = 0;
  for (size_t j = 0; j < n; j++) {
    mid[j] = t + in->d[j] / 2;
    t += in->d[j];
    if (in->run[j] > 0)
      obs[k++] = j;
  }
#define RATE(j) (in->cnt[j] / in->run[j])

  double est = 0;
  double var = 0;
  /* Leave-one-out residuals of the interpolation. */
  double ss = 0;
  size_t nres = 0;
  for (size_t i = 1; i + 1 < nobs; i++) {
    size_t p = obs[i - 1], c = obs[i], q = obs[i + 1];
    double pred = lerp(mid[p], RATE(p), mid[q], RATE(q), mid[c]);
    double e = RATE(c) - pred;
    ss += e * e;
    nres++;
  }
  double sigma = nres ? sqrt(ss / (double)nres) : 0;

  size_t next = 0; /* index in obs of the first observation after j */
  double gap_time = 0;
  for (size_t j = 0; j < n; j++) {
    if (in->run[j] > 0) {
      double missed = in->d[j] > in->run[j] ? in->d[j] - in->run[j] : 0;
      est += in->cnt[j] + RATE(j) * missed;
      if (gap_time > 0) {
        var += sigma * sigma * gap_time * gap_time;
        gap_time = 0;
      }
      next++;
      continue;
    }
    double r;
    if (next == 0)
      r = RATE(obs[0]);
    else if (next >= nobs)
      r = RATE(obs[nobs - 1]);
    else
      r = lerp(mid[obs[next - 1]], RATE(obs[next - 1]), mid[obs[next]],
               RATE(obs[next]), mid[j]);
    if (r < 0)
      r = 0;
    est += r * in->d[j];
    gap_time += in->d[j];
  }
  if (gap_time > 0)
    var += sigma * sigma * gap_time * gap_time;
#undef RATE
  out->estimate = est;
  if (nres >= 1) {
    out->bound = 1.96 * sqrt(var);
  } else {
    /* No spread to learn from: say that everything unseen is uncertain. */
    double unseen = est - raw;
    out->bound = unseen > 0 ? unseen : 0;
  }
  free(mid);
  free(obs);
}
