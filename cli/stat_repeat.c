/*
 * stat_repeat.c - the means and spreads of `pmux stat -r N`.  The spread
 * is perf stat's "( +- x% )" (tools/perf/util/stat.c, stddev_stats and
 * rel_stddev_stats): the sample standard deviation (n - 1) of the runs
 * divided by sqrt(n), that is the standard deviation of the mean, relative
 * to the mean.  It says how far apart the runs were; it is not pmux's 95%
 * bound, which is the multiplexing uncertainty within one run.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stat_repeat.h"

int stat_repeat_init(struct stat_repeat *r, int repeat)
{
  memset(r, 0, sizeof(*r));
  if (repeat < 1 || repeat > STAT_REPEAT_MAX)
    return -EINVAL;
  r->repeat = repeat;
  r->elapsed_ns = calloc((size_t)repeat, sizeof(uint64_t));
  return r->elapsed_ns ? 0 : -ENOMEM;
}

void stat_repeat_free(struct stat_repeat *r)
{
  free(r->counts);
  free(r->elapsed_ns);
  memset(r, 0, sizeof(*r));
}

static struct stat_repeat_count *slot(const struct stat_repeat *r, int k,
                                      int i)
{
  return &r->counts[(size_t)k * (size_t)r->nevents + (size_t)i];
}

int stat_repeat_add(struct stat_repeat *r, const pmux_session_t *s,
                    uint64_t elapsed_ns)
{
  int n = pmux_session_nevents(s);
  if (!r->counts) {
    /* The first run fixes the events; every later run is built from the
     * same options, so it has the same ones. */
    r->counts = calloc((size_t)r->repeat * (size_t)(n > 0 ? n : 1),
                       sizeof(*r->counts));
    if (!r->counts)
      return -ENOMEM;
    r->nevents = n;
  }
  if (n != r->nevents) {
    cli_error("stat", "run %d counted %d events, run 1 counted %d: not "
              "averaging them", r->runs + 1, n, r->nevents);
    return -EINVAL;
  }
  if (r->runs >= r->repeat)
    return -EINVAL;
  for (int i = 0; i < n; i++) {
    pmux_count_t c;
    pmux_session_count(s, i, &c);
    *slot(r, r->runs, i) = (struct stat_repeat_count){
        .supported = c.supported,
        .measured = c.supported && c.measured,
        .raw = c.raw,
        .time_enabled_ns = c.time_enabled_ns,
        .time_running_ns = c.time_running_ns,
        .fraction = c.fraction,
        .estimate = c.estimate,
        .error_bound = c.error_bound,
    };
  }
  r->elapsed_ns[r->runs++] = elapsed_ns;
  return 0;
}

/* Mean and spread of the n values in v. */
static void spread_of(const double *v, int n, struct stat_spread *sp)
{
  memset(sp, 0, sizeof(*sp));
  sp->runs = n;
  if (n < 1)
    return;
  double sum = 0;
  for (int k = 0; k < n; k++)
    sum += v[k];
  sp->mean = sum / n;
  if (n < 2)
    return;
  double m2 = 0;
  for (int k = 0; k < n; k++)
    m2 += (v[k] - sp->mean) * (v[k] - sp->mean);
  sp->stddev = sqrt(m2 / (n - 1) / n);
  sp->pct = sp->mean != 0 ? 100.0 * sp->stddev / fabs(sp->mean) : 0;
}

void stat_repeat_count(const struct stat_repeat *r, const pmux_session_t *s,
                       int i, pmux_count_t *c, struct stat_spread *sp)
{
  pmux_session_count(s, i, c);
  double est[STAT_REPEAT_MAX];
  double raw = 0, enabled = 0, running = 0, fraction = 0, bound = 0;
  double enabled_all = 0; /* what was wanted, measured or not */
  int n = 0, supported = 0;
  for (int k = 0; k < r->runs; k++) {
    const struct stat_repeat_count *x = slot(r, k, i);
    supported |= x->supported;
    enabled_all += (double)x->time_enabled_ns;
    if (!x->measured)
      continue; /* a run that did not count it adds nothing, not a zero */
    est[n++] = x->estimate;
    raw += (double)x->raw;
    enabled += (double)x->time_enabled_ns;
    running += (double)x->time_running_ns;
    fraction += x->fraction;
    bound += x->error_bound;
  }
  struct stat_spread local, *out = sp ? sp : &local;
  spread_of(est, n, out);
  c->supported = supported;
  c->measured = n > 0;
  if (n) {
    c->raw = (uint64_t)llround(raw / n);
    c->time_enabled_ns = (uint64_t)llround(enabled / n);
    c->time_running_ns = (uint64_t)llround(running / n);
    c->fraction = fraction / n;
    c->estimate = out->mean;
    c->error_bound = bound / n; /* one run's bound, typically */
  } else if (r->runs) {
    /* Never counted: nothing seen, over the runs' mean time (not the
     * last run's, which pmux_session_count left). */
    c->raw = 0;
    c->time_running_ns = 0;
    c->fraction = 0;
    c->time_enabled_ns = (uint64_t)llround(enabled_all / r->runs);
  }
}

int stat_repeat_estimate(const struct stat_repeat *r, int k, int i,
                         double *estimate)
{
  const struct stat_repeat_count *x = slot(r, k, i);
  *estimate = x->estimate;
  return x->measured;
}

void stat_repeat_elapsed(const struct stat_repeat *r, struct stat_spread *sp)
{
  double v[STAT_REPEAT_MAX];
  for (int k = 0; k < r->runs; k++)
    v[k] = (double)r->elapsed_ns[k];
  spread_of(v, r->runs, sp);
}
