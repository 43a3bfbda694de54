/* test_estimate.c - estimates and bounds on synthetic slice histories whose
 * answer is known. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "estimate.h"

#define N 400

/* Rotation of k sets with slices of length d; set `mine` observed. */
static void history(double *d, double *run, double *cnt, int k, int mine,
                    double (*rate)(int j), double gap)
{
  for (int j = 0; j < N; j++) {
    d[j] = 1e6;
    int active = j % k == mine;
    run[j] = active ? d[j] - gap : 0;
    cnt[j] = active ? rate(j) * run[j] : 0;
  }
}

static double total(const double *d)
{
  double t = 0;
  for (int j = 0; j < N; j++)
    t += d[j];
  return t;
}

static double truth(const double *d, double (*rate)(int j))
{
  double t = 0;
  for (int j = 0; j < N; j++)
    t += rate(j) * d[j];
  return t;
}

static double constant(int j)
{
  (void)j;
  return 0.003;
}

/* Phases: bursts of 40 slices at 10x the rate. */
static double phases(int j)
{
  return (j / 40) % 2 ? 0.01 : 0.001;
}

/* Independent noise per slice (a fixed hash, so the test is repeatable),
 * seeded differently per history so that coverage can be counted. */
static unsigned noise_seed;
static double noisy(int j)
{
  unsigned x = (unsigned)j * 2654435761u ^ noise_seed * 40503u;
  x ^= x >> 13;
  x *= 0x5bd1e995u;
  x ^= x >> 15;
  return 0.002 * (1.0 + 0.3 * ((double)(x % 10000) / 5000.0 - 1.0));
}

static void test_constant_rate_is_exact(void **state)
{
  (void)state;
  double d[N], run[N], cnt[N];
  history(d, run, cnt, 4, 1, constant, 0);
  struct pmux__estimate_in in = {N, total(d), run, cnt};
  struct pmux__estimate_out o;
  pmux__estimate(&in, &o);
  assert_true(o.measured);
  assert_true(fabs(o.estimate - truth(d, constant)) < 1e-6 * o.estimate);
  assert_true(o.bound < 1e-6 * o.estimate); /* no spread: no doubt */
  assert_true(fabs(o.raw * 4 - o.estimate) < 1e-6 * o.estimate);
}

static void test_bound_covers_phase_changes(void **state)
{
  (void)state;
  double d[N], run[N], cnt[N];
  for (int mine = 0; mine < 4; mine++) {
    history(d, run, cnt, 4, mine, phases, 20000);
    struct pmux__estimate_in in = {N, total(d), run, cnt};
    struct pmux__estimate_out o;
    pmux__estimate(&in, &o);
    double t = truth(d, phases);
    assert_true(fabs(o.estimate - t) <= o.bound);
    assert_true(o.bound > 0);
    assert_true(o.bound < 0.2 * o.estimate); /* a bound, not a shrug */
  }
}

/* A 95% bound: over 100 noisy histories, at least 90 truths inside it,
 * and not by being huge. */
static void test_bound_covers_noise(void **state)
{
  (void)state;
  double d[N], run[N], cnt[N];
  int inside = 0;
  for (noise_seed = 1; noise_seed <= 100; noise_seed++) {
    history(d, run, cnt, 3, (int)noise_seed % 3, noisy, 5000);
    struct pmux__estimate_in in = {N, total(d), run, cnt};
    struct pmux__estimate_out o;
    pmux__estimate(&in, &o);
    double t = truth(d, noisy);
    inside += fabs(o.estimate - t) <= o.bound;
    assert_true(o.bound < 0.1 * o.estimate);
  }
  assert_true(inside >= 90);
}

static void test_fully_counted_is_exact(void **state)
{
  (void)state;
  double d[N], run[N], cnt[N];
  history(d, run, cnt, 1, 0, noisy, 0);
  struct pmux__estimate_in in = {N, total(d), run, cnt};
  struct pmux__estimate_out o;
  pmux__estimate(&in, &o);
  assert_true(o.estimate == o.raw);
  assert_true(o.bound == 0);
}

static void test_never_ran_is_not_measured(void **state)
{
  (void)state;
  double d[N], run[N], cnt[N];
  history(d, run, cnt, 4, 9, constant, 0); /* set 9 never active */
  struct pmux__estimate_in in = {N, total(d), run, cnt};
  struct pmux__estimate_out o;
  pmux__estimate(&in, &o);
  assert_false(o.measured);
  assert_true(o.estimate == 0);
}

static void test_single_observation_bound_is_everything_unseen(void **state)
{
  (void)state;
  double run[3] = {1e6, 0, 0}, cnt[3] = {100, 0, 0};
  struct pmux__estimate_in in = {3, 3e6, run, cnt};
  struct pmux__estimate_out o;
  pmux__estimate(&in, &o);
  assert_true(fabs(o.estimate - 300) < 1e-9);
  assert_true(fabs(o.bound - 200) < 1e-9);
}

/* A start at a rate of its own, in the first slice, seen by set 0 alone:
 * held apart it is counted as it is, and a steady rest is exact; scaled
 * with the rest it drags the whole estimate. */
static void test_first_slice_is_a_stratum_of_its_own(void **state)
{
  (void)state;
  double d[N], run[N], cnt[N];
  history(d, run, cnt, 4, 0, constant, 0);
  cnt[0] = 0.0005 * run[0]; /* the start: a sixth of the steady rate */
  double want = truth(d, constant) - (0.003 - 0.0005) * d[0];
  struct pmux__estimate_in in = {N, total(d), run, cnt, 1};
  struct pmux__estimate_out o;
  pmux__estimate(&in, &o);
  assert_true(fabs(o.estimate - want) < 1e-9 * want);
  assert_true(o.bound < 1e-6 * want);
  assert_true(fabs(o.raw - (cnt[0] + (N / 4 - 1) * 0.003 * 1e6)) < 1e-6);
  in.first_apart = 0;
  pmux__estimate(&in, &o);
  assert_true(fabs(o.estimate - want) > 0.005 * want);

  /* Seen in the first slice only: scaled, and all the rest in doubt. */
  double run1[3] = {1e6, 0, 0}, cnt1[3] = {100, 0, 0};
  struct pmux__estimate_in one = {3, 3e6, run1, cnt1, 1};
  pmux__estimate(&one, &o);
  assert_true(o.measured);
  assert_true(fabs(o.estimate - 300) < 1e-9);
  assert_true(fabs(o.bound - 200) < 1e-9);
}

/* Events that follow the time off the CPU (context switches, one per
 * 50 us asleep), in phases (5 busy slices, 3 sleepy ones) that the set
 * sees 1 in 2 instead of 5 in 8: the regression on CPU and off-CPU time,
 * calibrated to the run's totals, is exact where the plain ratio is far
 * off. */
static void test_regression_follows_off_cpu_time(void **state)
{
  (void)state;
  static double run[N], cnt[N], wall[N], counted[N];
  double d = 0, want = 0;
  for (int j = 0; j < N; j++) {
    int busy = j % 8 < 5;
    wall[j] = 1e6;
    counted[j] = busy ? 0.95e6 : 0.1e6;
    double y = 2e-5 * (wall[j] - counted[j]);
    d += counted[j];
    want += y;
    int mine = j % 4 == 1;
    run[j] = mine ? counted[j] : 0;
    cnt[j] = mine ? y : 0;
  }
  struct pmux__estimate_in in = {N, d, run, cnt, 0, wall, counted};
  struct pmux__estimate_out o;
  pmux__estimate(&in, &o);
  assert_true(fabs(o.estimate - want) < 1e-9 * want);
  assert_true(o.bound < 1e-6 * want);
  in.wall = NULL; /* the ratio alone */
  pmux__estimate(&in, &o);
  assert_true(fabs(o.estimate - want) > 0.05 * want);
}

/* Set 1 of 4 observes slices j % 4 == 1 of a history of 1 ms slices given
 * as the target's CPU time and the event's count in each: its estimate in
 * *o, and the ratio estimate D sum y / sum x it would keep. */
static double observe_set1(const double *counted, const double *y,
                           struct pmux__estimate_out *o)
{
  static double run[N], cnt[N], wall[N];
  double d = 0, sy = 0, sx = 0;
  for (int j = 0; j < N; j++) {
    int mine = j % 4 == 1;
    wall[j] = 1e6;
    d += counted[j];
    run[j] = mine ? counted[j] : 0;
    cnt[j] = mine ? y[j] : 0;
    sy += cnt[j];
    sx += run[j];
  }
  struct pmux__estimate_in in = {N, d, run, cnt, 0, wall, counted};
  pmux__estimate(&in, o);
  return sy / sx * d;
}

/* Two threads side by side: the sets count twice the wall time, z = w - x
 * is no time off the CPU, and the regression must not be trusted. */
static void test_threads_side_by_side_keep_the_ratio(void **state)
{
  (void)state;
  static double counted[N], y[N];
  for (int j = 0; j < N; j++) {
    counted[j] = j % 8 < 5 ? 2e6 : 1.2e6; /* 2 threads, one sometimes asleep */
    y[j] = 3e-6 * counted[j] + (j % 8 < 5 ? 0 : 40);
  }
  struct pmux__estimate_out o;
  double ratio = observe_set1(counted, y, &o);
  assert_true(fabs(o.estimate - ratio) < 1e-9 * o.estimate);
}

/* A target sharing its CPU, the rotation locked onto the scheduler: the
 * set sees its slices at full CPU while the others see them half
 * preempted.  Its off-CPU time is then no sample of the run's, and the fit
 * learnt from its sleeps (8 switches per 0.9 ms off the CPU) would fill
 * the preemptions it missed at that rate: the ratio must stay. */
static void test_unrepresentative_off_cpu_time_keeps_the_ratio(void **state)
{
  (void)state;
  static double counted[N], y[N];
  double want = 0;
  for (int j = 0; j < N; j++) {
    int mine = j % 4 == 1, asleep = j % 20 < 4;
    counted[j] = asleep ? 0.1e6 : mine ? 0.95e6 : 0.5e6;
    y[j] = asleep ? 8 : mine ? 0 : 0.2; /* one preemption in 5 slices */
    want += y[j];
  }
  struct pmux__estimate_out o;
  double ratio = observe_set1(counted, y, &o);
  assert_true(fabs(o.estimate - ratio) < 1e-9 * o.estimate);
  /* The ratio misses the preemptions the set never saw (-39%); the fit
   * would have given 2.4 times the truth. */
  assert_true(fabs(o.estimate - want) < 0.5 * want);
}

/* Nothing counted in the quarter of the run seen: not "0 exactly", but up
 * to 3 events per seen quarter's worth of the unseen rest. */
static void test_nothing_seen_is_not_exact(void **state)
{
  (void)state;
  static double d[N], run[N], cnt[N];
  history(d, run, cnt, 4, 2, constant, 0);
  for (int j = 0; j < N; j++)
    cnt[j] = 0;
  struct pmux__estimate_in in = {N, total(d), run, cnt, 0, NULL, NULL};
  struct pmux__estimate_out o;
  pmux__estimate(&in, &o);
  assert_true(o.estimate == 0);
  assert_true(fabs(o.bound - 9) < 1e-9); /* 3 (g - 1), g = 4 */
  in.first_apart = 1; /* the same through the first-slice stratum */
  pmux__estimate(&in, &o);
  assert_true(fabs(o.bound - 9) < 1e-9);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_constant_rate_is_exact),
      cmocka_unit_test(test_bound_covers_phase_changes),
      cmocka_unit_test(test_bound_covers_noise),
      cmocka_unit_test(test_fully_counted_is_exact),
      cmocka_unit_test(test_never_ran_is_not_measured),
      cmocka_unit_test(test_single_observation_bound_is_everything_unseen),
      cmocka_unit_test(test_first_slice_is_a_stratum_of_its_own),
      cmocka_unit_test(test_regression_follows_off_cpu_time),
      cmocka_unit_test(test_threads_side_by_side_keep_the_ratio),
      cmocka_unit_test(test_unrepresentative_off_cpu_time_keeps_the_ratio),
      cmocka_unit_test(test_nothing_seen_is_not_exact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
