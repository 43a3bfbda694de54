/*
 * stat_repeat.h - `pmux stat -r N`: the runs' counts kept side by side,
 * and per event the mean over the runs where it was measured with the
 * run-to-run spread as perf stat -r gives it (the standard deviation of
 * the mean).
 */
#ifndef PMUX_CLI_STAT_REPEAT_H
#define PMUX_CLI_STAT_REPEAT_H

#include <stdint.h>

#include "pmux/pmux.h"

/* -r takes 1..STAT_REPEAT_MAX runs; every run's counts are kept. */
#define STAT_REPEAT_MAX 100

/* What one run left of one event: the numbers, not the strings (those
 * live in a session, and the report takes them from the last run's). */
struct stat_repeat_count {
  int supported;
  int measured;
  uint64_t raw;
  uint64_t time_enabled_ns;
  uint64_t time_running_ns;
  double fraction;
  double estimate;
  double error_bound;
};

struct stat_repeat {
  int repeat;                      /* N asked for (-r N) */
  int runs;                        /* runs done and added so far */
  int nevents;                     /* fixed by the first run */
  struct stat_repeat_count *counts; /* [repeat][nevents] */
  uint64_t *elapsed_ns;            /* [repeat] */
  int stop_signal;                 /* signal that stopped the repetition
                                      between runs, or 0 */
  enum {
    STAT_STOP_NONE,
    STAT_STOP_MEASURING, /* the last run's measuring failed */
    STAT_STOP_START,     /* the run after the last could not start */
  } stop_failure;
};

/* A mean over some runs and its spread. */
struct stat_spread {
  int runs;          /* how many values went in */
  double mean;
  double stddev;     /* standard deviation of the mean; 0 below 2 runs */
  double pct;        /* stddev relative to the mean, in percent */
};

/* 0, -EINVAL for a count outside 1..STAT_REPEAT_MAX, or -ENOMEM. */
int stat_repeat_init(struct stat_repeat *r, int repeat);
void stat_repeat_free(struct stat_repeat *r);

/* Add a finished run.  -EINVAL (after a message) when its events are not
 * the first run's, so that no mean ever mixes two events. */
int stat_repeat_add(struct stat_repeat *r, const pmux_session_t *s,
                    uint64_t elapsed_ns);

/* Event i as the report shows it: names, unit, set and reason from s (the
 * last run's session); numbers the means over the runs where it was
 * measured; measured when it was in any run.  *sp, if not NULL, gets the
 * estimate's mean and spread. */
void stat_repeat_count(const struct stat_repeat *r, const pmux_session_t *s,
                       int i, pmux_count_t *c, struct stat_spread *sp);
/* Run k's estimate of event i; 0 when it was not measured in that run. */
int stat_repeat_estimate(const struct stat_repeat *r, int k, int i,
                         double *estimate);
void stat_repeat_elapsed(const struct stat_repeat *r, struct stat_spread *sp);

#endif
