/*
 * stat_output.h - printing a session's results: the human table, CSV (-x)
 * and JSON, and the timeline lines of -I.
 */
#ifndef PMUX_CLI_STAT_OUTPUT_H
#define PMUX_CLI_STAT_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "pmux/pmux.h"
#include "stat_repeat.h"

enum stat_format { STAT_HUMAN, STAT_CSV, STAT_JSON };

struct stat_report {
  FILE *out;
  enum stat_format format;
  const char *sep;           /* CSV separator */
  char *const *argv;         /* the measured command, or NULL */
  const char *target_desc;   /* "pid 123", "CPUs 0-3"; "" for a command */
  const char *mux;           /* "user", "kernel", "none" */
  uint64_t switch_ns;        /* default slice */
  uint64_t elapsed_ns;
  int exit_status;           /* the command's wait status, -1 if none */
  int auto_split;            /* -e was split into sets automatically */
  /* -r: the summary shows the means over these runs (the session passed
   * is the last run's) and their spread; NULL without -r. */
  const struct stat_repeat *repeat;
  /* Timeline state. */
  uint64_t *last_raw;        /* [nevents] raw at the previous interval */
  int interval_no;
};

/* With r->repeat, the columns and keys of -r are added (see
 * docs/man/pmux-stat.1); without it the output is what it always was. */
void stat_print_summary(struct stat_report *r, const pmux_session_t *s);
void stat_print_interval(struct stat_report *r, const pmux_session_t *s,
                         uint64_t elapsed_ns, int first);

#endif
