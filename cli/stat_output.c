/*
 * stat_output.c - `pmux stat` output.  Numbers never depend on the locale:
 * pmux never calls setlocale(), and thousands separators are our own.
 * Estimates are never shown as exact: a scaled value carries its bound and
 * the share of the run it was measured.
 */
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "cli.h"
#include "stat_output.h"

/* A double as JSON: finite, '.' as decimal point (C locale). */
static void json_number(FILE *out, double v)
{
  if (!isfinite(v))
    v = 0;
  if (v == floor(v) && fabs(v) < 9e15)
    fprintf(out, "%.0f", v);
  else
    fprintf(out, "%.6f", v);
}

static void command_line(char *buf, size_t len, char *const *argv)
{
  size_t o = 0;
  buf[0] = '\0';
  for (int i = 0; argv && argv[i] && o + 1 < len; i++) {
    int w = snprintf(buf + o, len - o, "%s%s", i ? " " : "", argv[i]);
    if (w < 0)
      break;
    o += (size_t)w;
  }
}

static int exit_code(int status)
{
  if (status < 0)
    return -1;
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

/* Event i as reported: the session's count, or with -r the means over the
 * runs, with their spread in *sp (zeroed without -r). */
static void count_of(const struct stat_report *r, const pmux_session_t *s,
                     int i, pmux_count_t *c, struct stat_spread *sp)
{
  if (r->repeat) {
    stat_repeat_count(r->repeat, s, i, c, sp);
    return;
  }
  pmux_session_count(s, i, c);
  if (sp)
    memset(sp, 0, sizeof(*sp));
}

/* --------------------------------------------------------------- derived */

/*
 * Derived values, perf's: an event's rate per second of task-clock, and
 * instructions per cycle.  A ratio whose inputs sat in different sets was
 * never measured at one time: it is flagged, never passed off as one.
 */
struct derived {
  char name[96];
  double value;
  const char *unit;     /* "/sec", "insn per cycle" */
  int same_set;
  int a, b;             /* input event indices */
};

static int find_event(const struct stat_report *r, const pmux_session_t *s,
                      const char *name, int prefer_set)
{
  int found = -1;
  for (int i = 0; i < pmux_session_nevents(s); i++) {
    pmux_count_t c;
    count_of(r, s, i, &c, NULL);
    if (strcmp(c.name, name) || !c.measured)
      continue;
    if (c.set == prefer_set)
      return i;
    if (found < 0)
      found = i;
  }
  return found;
}

/* The derived value shown beside event i, if any (with -r, from the
 * means, as perf does). */
static int derive(const struct stat_report *r, const pmux_session_t *s, int i,
                  struct derived *d)
{
  pmux_count_t c, o;
  count_of(r, s, i, &c, NULL);
  if (!c.measured || *c.unit)
    return 0;
  int other;
  if (!strcmp(c.name, "instructions") &&
      (other = find_event(r, s, "cycles", c.set)) >= 0) {
    count_of(r, s, other, &o, NULL);
    if (o.estimate <= 0)
      return 0;
    d->value = c.estimate / o.estimate;
    d->unit = "insn per cycle";
    snprintf(d->name, sizeof(d->name), "instructions/cycles");
  } else if ((other = find_event(r, s, "task-clock", c.set)) >= 0) {
    count_of(r, s, other, &o, NULL);
    if (o.estimate <= 0)
      return 0;
    d->value = c.estimate / (o.estimate / 1e9);
    d->unit = "/sec";
    snprintf(d->name, sizeof(d->name), "%s/sec", c.name);
  } else {
    return 0;
  }
  d->a = i;
  d->b = other;
  /* Measured at the same times: one set, a pinned input, or sets that
   * all counted the whole run side by side (kernel or none mux, not
   * multiplexed by the kernel). */
  d->same_set = c.set == o.set || o.set < 0 || c.set < 0 ||
                (r->mux && strcmp(r->mux, "user") && c.fraction >= 0.9999 &&
                 o.fraction >= 0.9999);
  return 1;
}

static void human_derived(char *buf, size_t len, const struct derived *d)
{
  double v = d->value;
  const char *scale = "";
  if (!strcmp(d->unit, "/sec")) {
    if (v >= 1e9) { v /= 1e9; scale = " G"; }
    else if (v >= 1e6) { v /= 1e6; scale = " M"; }
    else if (v >= 1e3) { v /= 1e3; scale = " K"; }
    else scale = " ";
    snprintf(buf, len, " # %8.3f%s%s%s", v, scale, d->unit,
             d->same_set ? "" : " (inputs in different sets)");
  } else {
    snprintf(buf, len, " # %8.2f %s%s", v, d->unit,
             d->same_set ? "" : " (inputs in different sets)");
  }
}

/* ----------------------------------------------------------------- human */

static double display_value(const pmux_count_t *c, double v)
{
  return *c->unit ? v / 1e6 : v; /* clocks are counted in ns, shown in ms */
}

static void human_value(FILE *out, const pmux_count_t *c)
{
  char buf[48];
  if (!c->supported) {
    fprintf(out, "%20s", "<not supported>");
    return;
  }
  if (!c->measured) {
    fprintf(out, "%20s", "<not measured>");
    return;
  }
  double v = display_value(c, c->estimate);
  if (*c->unit)
    fprintf(out, "%20.2f", v);
  else
    fprintf(out, "%20s", cli_thousands((uint64_t)llround(v), buf, sizeof(buf)));
}

/* "(3 runs)" after the command in the header: perf's, or "(2 of 3
 * runs)" when the repetition stopped early. */
static void human_runs(FILE *out, const struct stat_repeat *rr)
{
  if (rr->runs < rr->repeat)
    fprintf(out, " (%d of %d runs)", rr->runs, rr->repeat);
  else
    fprintf(out, " (%d run%s)", rr->runs, rr->runs == 1 ? "" : "s");
}

/* Why -r ran fewer than N runs (the table's footer line, JSON's
 * stop_reason); 0 when it ran them all. */
static int stop_reason(const struct stat_report *r, char *buf, size_t len)
{
  const struct stat_repeat *rr = r->repeat;
  if (!rr || rr->runs >= rr->repeat)
    return 0;
  if (rr->stop_signal)
    snprintf(buf, len, "pmux got signal %d (%s)", rr->stop_signal,
             strsignal(rr->stop_signal));
  else if (rr->stop_failure == STAT_STOP_START)
    snprintf(buf, len, "run %d could not start", rr->runs + 1);
  else if (r->exit_status >= 0 && WIFSIGNALED(r->exit_status))
    snprintf(buf, len, "the command died of signal %d (%s)",
             WTERMSIG(r->exit_status), strsignal(WTERMSIG(r->exit_status)));
  else if (r->exit_status >= 0 && WIFEXITED(r->exit_status) &&
           WEXITSTATUS(r->exit_status))
    snprintf(buf, len, "the command exited with status %d",
             WEXITSTATUS(r->exit_status));
  else if (rr->stop_failure == STAT_STOP_MEASURING)
    snprintf(buf, len, "the measuring of run %d failed", rr->runs);
  else
    snprintf(buf, len, "the run failed");
  return 1;
}

static void human_stopped(FILE *out, const struct stat_report *r)
{
  char why[160];
  if (stop_reason(r, why, sizeof(why)))
    fprintf(out, "\n stopped after run %d of %d: %s\n", r->repeat->runs,
            r->repeat->repeat, why);
}

static void human_elapsed(FILE *out, const struct stat_report *r)
{
  struct stat_spread sp;
  if (!r->repeat || r->repeat->runs < 2) {
    fprintf(out, "\n %14.9f seconds time elapsed\n\n",
            (double)r->elapsed_ns / 1e9);
    return;
  }
  stat_repeat_elapsed(r->repeat, &sp);
  fprintf(out, "\n %14.9f +- %.9f seconds time elapsed  ( +-%6.2f%% )\n\n",
          sp.mean / 1e9, sp.stddev / 1e9, sp.pct);
}

/* The table's header: what was counted, and with -r how many runs. */
static void human_header(FILE *out, const struct stat_report *r)
{
  char cmd[512];
  command_line(cmd, sizeof(cmd), r->argv);
  /* CPUs counted while a command ran are named first: the counts are
   * theirs, not the command's. */
  if (r->argv && r->target_desc && *r->target_desc)
    fprintf(out, "\n Performance counter stats for '%s' while '%s' ran",
            r->target_desc, cmd);
  else
    fprintf(out, "\n Performance counter stats for '%s'",
            r->argv ? cmd : r->target_desc);
  if (r->repeat)
    human_runs(out, r->repeat);
  fprintf(out, ":\n\n");
}

/* How exact the estimate is: its bound, or the share of the run it was
 * measured. */
static void human_bound(FILE *out, const pmux_count_t *c, int repeat)
{
  if (c->measured && isinf(c->error_bound)) {
    fprintf(out, " (no bound: overflows chose the slices, measured %.1f%%)",
            100.0 * c->fraction);
  } else if (c->measured && c->error_bound > 0) {
    /* A rotated event seen at 0 still has a bound: say it in events. */
    if (c->estimate > 0)
      fprintf(out, " (±%.1f%% at 95%%%s, measured %.1f%%)",
              100.0 * c->error_bound / c->estimate, repeat ? " per run" : "",
              100.0 * c->fraction);
    else
      fprintf(out, " (±%.1f at 95%%%s, measured %.1f%%)", c->error_bound,
              repeat ? " per run" : "", 100.0 * c->fraction);
  } else if (c->measured && c->fraction < 0.9999) {
    fprintf(out, " (measured %.1f%%)", 100.0 * c->fraction);
  }
}

/* Event i's line of the table; 0 when it is not supported (its reason
 * comes after the table), else 1. */
static int human_event(FILE *out, const struct stat_report *r,
                       const pmux_session_t *s, int i, int nsets)
{
  const struct stat_repeat *rr = r->repeat;
  pmux_count_t c;
  struct stat_spread sp;
  count_of(r, s, i, &c, &sp);
  human_value(out, &c);
  fprintf(out, " %-6s %-28s", c.unit, c.name);
  struct derived d;
  char derived[96] = "";
  if (derive(r, s, i, &d))
    human_derived(derived, sizeof(derived), &d);
  /* With -r: the spread between the runs in a column of its own, as
   * perf's, then the bound within one run, said to be one run's. */
  fprintf(out, rr ? "%-26s" : "%s", derived);
  if (rr && sp.runs > 1) /* one run has no spread, not a zero one */
    fprintf(out, "  ( +-%6.2f%% )", sp.pct);
  if (c.supported)
    human_bound(out, &c, rr != NULL);
  if (rr && c.supported && sp.runs < rr->runs)
    fprintf(out, " (measured in %d of %d runs)", sp.runs, rr->runs);
  if (nsets > 1 || c.set < 0) {
    if (c.set < 0)
      fprintf(out, " [pinned]");
    else
      fprintf(out, " [set %d]", c.set);
  }
  fputc('\n', out);
  return c.supported;
}

/* Each set's time (of the last run, with -r) and how it was switched. */
static void human_sets(FILE *out, const struct stat_report *r,
                       const pmux_session_t *s, int nsets)
{
  fprintf(out, r->repeat ? "\n in the last run:\n" : "\n");
  for (int k = 0; k < nsets; k++) {
    pmux_set_info_t si;
    pmux_session_set_info(s, k, &si);
    if (strcmp(r->mux, "user")) /* enabled together, never switched */
      fprintf(out, " set %d: counted beside the others, %.3f ms measured\n",
              k, (double)si.time_ns / 1e6);
    else
      fprintf(out, " set %d: %s switch, %llu run%s, %.3f ms measured\n",
              k, si.overflow_switch ? "overflow" : "time",
              (unsigned long long)si.runs, si.runs == 1 ? "" : "s",
              (double)si.time_ns / 1e6);
  }
  fprintf(out, " multiplexing: %s", r->mux);
  if (!strcmp(r->mux, "user"))
    fprintf(out, ", default slice %.3f ms", (double)r->switch_ns / 1e6);
  fprintf(out, "%s\n", r->auto_split ? " (events split into sets "
                                       "automatically)" : "");
}

/* Why each unsupported event is. */
static void human_unsupported(FILE *out, const struct stat_report *r,
                              const pmux_session_t *s, int n)
{
  fprintf(out, "\n");
  for (int i = 0; i < n; i++) {
    pmux_count_t c;
    count_of(r, s, i, &c, NULL);
    if (!c.supported)
      fprintf(out, " %s: not supported: %s\n", c.name, c.reason);
  }
}

static void human_summary(struct stat_report *r, const pmux_session_t *s)
{
  FILE *out = r->out;
  human_header(out, r);
  int nsets = pmux_session_nsets(s);
  int n = pmux_session_nevents(s);
  int unsupported = 0;
  for (int i = 0; i < n; i++)
    unsupported += !human_event(out, r, s, i, nsets);
  if (nsets > 1)
    human_sets(out, r, s, nsets);
  if (unsupported)
    human_unsupported(out, r, s, n);
  if (r->repeat)
    human_stopped(out, r);
  human_elapsed(out, r);
}

/* ------------------------------------------------------------------- CSV */

static void csv_field(FILE *out, const char *sep, const char *v)
{
  if (strstr(v, sep) || strchr(v, '"') || strchr(v, '\n')) {
    fputc('"', out);
    for (const char *p = v; *p; p++) {
      if (*p == '"')
        fputc('"', out);
      fputc(*p, out);
    }
    fputc('"', out);
  } else {
    fputs(v, out);
  }
}

static void csv_summary(struct stat_report *r, const pmux_session_t *s)
{
  FILE *out = r->out;
  const char *x = r->sep;
  fprintf(out, "event%sset%sraw%sestimate%serror_bound%sunit%s"
               "time_enabled_ns%stime_running_ns%sfraction%ssupported%s"
               "reason", x, x, x, x, x, x, x, x, x, x);
  /* -r's columns go last, and only with -r: readers of the plain CSV by
   * position see no change. */
  if (r->repeat)
    fprintf(out, "%sruns%sruns_done%sstddev%sstddev_pct", x, x, x, x);
  fputc('\n', out);
  int n = pmux_session_nevents(s);
  for (int i = 0; i < n; i++) {
    pmux_count_t c;
    struct stat_spread sp;
    count_of(r, s, i, &c, &sp);
    csv_field(out, x, c.name);
    fprintf(out, "%s%d%s%llu%s", x, c.set, x, (unsigned long long)c.raw, x);
    if (c.measured) /* never measured: both empty, not an exact 0 */
      fprintf(out, "%.3f%s%.3f%s", c.estimate, x, c.error_bound, x);
    else
      fprintf(out, "%s%s", x, x);
    csv_field(out, x, *c.unit ? "ns" : ""); /* clocks count ns */
    fprintf(out, "%s%llu%s%llu%s%.6f%s%s%s", x,
            (unsigned long long)c.time_enabled_ns, x,
            (unsigned long long)c.time_running_ns, x, c.fraction, x,
            c.supported ? "yes" : "no", x);
    csv_field(out, x, c.reason);
    if (r->repeat) {
      fprintf(out, "%s%d%s%d%s", x, sp.runs, x, r->repeat->runs, x);
      if (sp.runs > 1) /* one run has no spread, not a zero one */
        fprintf(out, "%.3f%s%.2f", sp.stddev, x, sp.pct);
      else
        fputs(x, out);
    }
    fputc('\n', out);
  }
}

/* ------------------------------------------------------------------ JSON */

/* A spread, or null where fewer than two runs give none: one run has no
 * spread, not a zero one. */
static void json_spread(FILE *out, const struct stat_spread *sp, double v)
{
  if (sp->runs > 1)
    json_number(out, v);
  else
    fputs("null", out);
}

/* -r's keys of event i: the runs it was measured in, the spread, and each
 * run's estimate (null where that run did not measure it). */
static void json_event_runs(FILE *out, const struct stat_repeat *rr, int i,
                            const struct stat_spread *sp)
{
  fprintf(out, ",\"runs\":%d,\"stddev\":", sp->runs);
  json_spread(out, sp, sp->stddev);
  fputs(",\"stddev_pct\":", out);
  json_spread(out, sp, sp->pct);
  fputs(",\"estimates\":[", out);
  for (int k = 0; k < rr->runs; k++) {
    double v;
    if (k)
      fputc(',', out);
    if (stat_repeat_estimate(rr, k, i, &v))
      json_number(out, v);
    else
      fputs("null", out);
  }
  fputc(']', out);
}

/* -r's elapsed-time keys: the spread and each run's time. */
static void json_elapsed_runs(FILE *out, const struct stat_repeat *rr)
{
  struct stat_spread sp;
  stat_repeat_elapsed(rr, &sp);
  fputs("\"elapsed_stddev_ns\":", out);
  json_spread(out, &sp, round(sp.stddev));
  fputs(",\"elapsed_stddev_pct\":", out);
  json_spread(out, &sp, sp.pct);
  fputs(",\"elapsed_runs_ns\":[", out);
  for (int k = 0; k < rr->runs; k++)
    fprintf(out, "%s%llu", k ? "," : "",
            (unsigned long long)rr->elapsed_ns[k]);
  fputs("],", out);
}

/* The event's object, left open for -r's keys. */
static void json_event(FILE *out, const pmux_count_t *c)
{
  fputs("{\"name\":", out);
  json_string(out, c->name);
  fprintf(out, ",\"set\":%d,\"raw\":%llu,\"time_enabled_ns\":%llu,"
               "\"time_running_ns\":%llu,\"fraction\":",
          c->set, (unsigned long long)c->raw,
          (unsigned long long)c->time_enabled_ns,
          (unsigned long long)c->time_running_ns);
  json_number(out, c->fraction);
  /* Never measured: no estimate and no bound, rather than an exact 0. */
  fputs(",\"estimate\":", out);
  if (c->measured)
    json_number(out, c->estimate);
  else
    fputs("null", out);
  fputs(",\"error_bound\":", out);
  if (!c->measured || isinf(c->error_bound))
    fputs("null", out); /* or no bound: overflows chose the slices */
  else
    json_number(out, c->error_bound);
  fprintf(out, ",\"unit\":");
  json_string(out, *c->unit ? "ns" : "");
  fprintf(out, ",\"measured\":%s,\"supported\":%s",
          c->measured ? "true" : "false", c->supported ? "true" : "false");
  if (!c->supported) {
    fputs(",\"reason\":", out);
    json_string(out, c->reason);
  }
}

/* Under --mux kernel or none the sets were enabled together and never
 * switched by pmux: no switch and no runs to give (null), as the table's
 * "counted beside the others". */
static void json_sets(FILE *out, const struct stat_report *r,
                      const pmux_session_t *s)
{
  int switched = !strcmp(r->mux, "user");
  fputs("\"sets\":[", out);
  for (int k = 0; k < pmux_session_nsets(s); k++) {
    pmux_set_info_t si;
    pmux_session_set_info(s, k, &si);
    fprintf(out, "%s{\"id\":%d,\"switch\":", k ? "," : "", si.id);
    if (switched)
      fprintf(out, "\"%s\",\"runs\":%llu",
              si.overflow_switch ? "overflow" : "time",
              (unsigned long long)si.runs);
    else
      fputs("null,\"runs\":null", out);
    fprintf(out, ",\"time_ns\":%llu}", (unsigned long long)si.time_ns);
  }
  fputc(']', out);
}

/* -r's keys of the run as a whole: how many were asked and done, and
 * why it stopped early. */
static void json_repeat(FILE *out, const struct stat_report *r)
{
  const struct stat_repeat *rr = r->repeat;
  fprintf(out, "\"repeat\":%d,\"runs_done\":%d,", rr->repeat, rr->runs);
  if (rr->stop_signal)
    fprintf(out, "\"stop_signal\":%d,", rr->stop_signal);
  char why[160];
  if (stop_reason(r, why, sizeof(why))) {
    fputs("\"stop_reason\":", out);
    json_string(out, why);
    fputc(',', out);
  }
}

/* The command, the target where it names one, its exit status and the
 * elapsed time (with -r, the mean and each run's). */
static void json_target(FILE *out, const struct stat_report *r)
{
  const struct stat_repeat *rr = r->repeat;
  fputs("\"command\":[", out);
  for (int i = 0; r->argv && r->argv[i]; i++) {
    if (i)
      fputc(',', out);
    json_string(out, r->argv[i]);
  }
  fputs("],", out);
  if (!r->argv || (r->target_desc && *r->target_desc)) {
    fputs("\"target\":", out);
    json_string(out, r->target_desc);
    fputc(',', out);
  }
  uint64_t elapsed = r->elapsed_ns;
  if (rr) {
    struct stat_spread sp;
    stat_repeat_elapsed(rr, &sp);
    elapsed = (uint64_t)llround(sp.mean);
  }
  fprintf(out, "\"exit_status\":%d,\"elapsed_ns\":%llu,",
          exit_code(r->exit_status), (unsigned long long)elapsed);
  if (rr)
    json_elapsed_runs(out, rr);
}

static void json_events(FILE *out, const struct stat_report *r,
                        const pmux_session_t *s, int n)
{
  fputs("\"events\":[", out);
  for (int i = 0; i < n; i++) {
    pmux_count_t c;
    struct stat_spread sp;
    count_of(r, s, i, &c, &sp);
    if (i)
      fputc(',', out);
    json_event(out, &c);
    if (r->repeat)
      json_event_runs(out, r->repeat, i, &sp);
    fputc('}', out);
  }
  fputc(']', out);
}

static void json_derived(FILE *out, const struct stat_report *r,
                         const pmux_session_t *s, int n)
{
  fputs("\"derived\":[", out);
  int shown = 0;
  for (int i = 0; i < n; i++) {
    struct derived d;
    if (!derive(r, s, i, &d))
      continue;
    pmux_count_t a, b;
    count_of(r, s, d.a, &a, NULL);
    count_of(r, s, d.b, &b, NULL);
    fprintf(out, "%s{\"name\":", shown++ ? "," : "");
    json_string(out, d.name);
    fputs(",\"value\":", out);
    json_number(out, d.value);
    fputs(",\"inputs\":[", out);
    json_string(out, a.name);
    fputc(',', out);
    json_string(out, b.name);
    fprintf(out, "],\"same_set\":%s}", d.same_set ? "true" : "false");
  }
  fputc(']', out);
}

static void json_summary(struct stat_report *r, const pmux_session_t *s)
{
  FILE *out = r->out;
  int n = pmux_session_nevents(s);
  fputs("{\"version\":1,", out);
  if (r->repeat)
    json_repeat(out, r);
  json_target(out, r);
  fprintf(out, "\"mux\":\"%s\",\"switch_ns\":%llu,\"auto_split\":%s,",
          r->mux, (unsigned long long)r->switch_ns,
          r->auto_split ? "true" : "false");
  json_events(out, r, s, n);
  fputc(',', out);
  json_derived(out, r, s, n);
  fputc(',', out);
  json_sets(out, r, s);
  fputs("}\n", out);
}

void stat_print_summary(struct stat_report *r, const pmux_session_t *s)
{
  switch (r->format) {
  case STAT_HUMAN: human_summary(r, s); break;
  case STAT_CSV: csv_summary(r, s); break;
  case STAT_JSON: json_summary(r, s); break;
  }
  fflush(r->out);
}

/* -------------------------------------------------------------- timeline */

void stat_print_interval(struct stat_report *r, const pmux_session_t *s,
                         uint64_t elapsed_ns, int first)
{
  FILE *out = r->out;
  int n = pmux_session_nevents(s);
  int active = pmux_session_active_set(s);
  double t = (double)elapsed_ns / 1e9;
  if (r->format == STAT_JSON) {
    fprintf(out, "{\"interval\":%d,\"time_ns\":%llu,\"first\":%s,"
                 "\"active_set\":%d,\"events\":[",
            r->interval_no, (unsigned long long)elapsed_ns,
            first ? "true" : "false", active);
  } else if (first && r->format == STAT_HUMAN) {
    fprintf(out, "#%13s %5s %20s %-6s %s\n", "time", "set", "counts", "unit",
            "event");
  } else if (first && r->format == STAT_CSV) {
    fprintf(out, "time%sactive_set%sevent%sset%sdelta%sunit\n", r->sep, r->sep,
            r->sep, r->sep, r->sep);
  }
  int shown = 0;
  for (int i = 0; i < n; i++) {
    pmux_count_t c;
    pmux_session_count(s, i, &c);
    uint64_t delta = c.raw - r->last_raw[i];
    r->last_raw[i] = c.raw;
    if (!c.supported)
      continue;
    if (r->format == STAT_JSON) {
      fprintf(out, "%s{\"name\":", shown ? "," : "");
      json_string(out, c.name);
      fprintf(out, ",\"set\":%d,\"delta\":%llu,\"raw\":%llu}", c.set,
              (unsigned long long)delta, (unsigned long long)c.raw);
    } else if (r->format == STAT_CSV) {
      fprintf(out, "%.6f%s%d%s", t, r->sep, active, r->sep);
      csv_field(out, r->sep, c.name);
      fprintf(out, "%s%d%s%llu%s%s\n", r->sep, c.set, r->sep,
              (unsigned long long)delta, r->sep, *c.unit ? "ns" : "");
    } else {
      /* A clock in msec, as the summary and perf stat -I show it; CSV and
       * JSON keep its ns. */
      char buf[48];
      if (*c.unit)
        snprintf(buf, sizeof(buf), "%.2f", (double)delta / 1e6);
      else
        cli_thousands(delta, buf, sizeof(buf));
      fprintf(out, "%14.6f %5d %20s %-6s %s%s\n", t, active, buf,
              *c.unit ? "msec" : "", c.name, first ? "  (first interval)" : "");
    }
    shown++;
  }
  if (r->format == STAT_JSON)
    fputs("]}\n", out);
  r->interval_no++;
  fflush(out);
}
