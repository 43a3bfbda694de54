/*
 * cmd_list.c - `pmux list [PATTERN]`: the events pmux can resolve here,
 * grouped by PMU, software events first.  `pmux list --pmu NAME [PATTERN]`:
 * the events of a PMU description instead (any PMU, not only the host's).
 */
#include <ctype.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "commands.h"
#include "pmux/pmux.h"

struct list_state {
  const char *pattern;
  char current_pmu[64];
  int shown;
  int pmu_matched;   /* some PMU matched the pattern's "PMU::" part */
  char pmus[512];    /* the PMUs seen, for the error when none did */
  char last_seen[64];
};

/* A pattern matches case-insensitively, as a glob or as a substring; a
 * "PMU::" in front (as stat takes the event) must name or glob the PMU:
 * libpfm4's "perf", which the software events are listed apart from. */
static int matches(struct list_state *st, const char *pmu, const char *event)
{
  const char *pattern = st->pattern;
  if (!pattern)
    return 1;
  const char *sep = strstr(pattern, "::");
  if (sep) {
    char want[128];
    snprintf(want, sizeof(want), "%.*s", (int)(sep - pattern), pattern);
    if (fnmatch(want, pmu, FNM_CASEFOLD) &&
        (strcmp(pmu, "software") || fnmatch(want, "perf", FNM_CASEFOLD)))
      return 0;
    st->pmu_matched = 1;
    pattern = sep + 2;
    if (!*pattern)
      return 1;
  }
  if (!fnmatch(pattern, event, FNM_CASEFOLD))
    return 1;
  if (strcasestr(event, pattern) || !strcasecmp(pmu, pattern))
    return 1;
  return 0;
}

static int print_event(const char *pmu, const char *pmu_desc,
                       const char *event, const char *desc, void *arg)
{
  struct list_state *st = arg;
  if (strcmp(st->last_seen, pmu)) {
    snprintf(st->last_seen, sizeof(st->last_seen), "%s", pmu);
    size_t used = strlen(st->pmus);
    snprintf(st->pmus + used, sizeof(st->pmus) - used, "%s%s",
             used ? ", " : "", pmu);
  }
  if (!matches(st, pmu, event))
    return 0;
  if (strcmp(st->current_pmu, pmu)) {
    snprintf(st->current_pmu, sizeof(st->current_pmu), "%s", pmu);
    printf("%s%s (%s):\n", st->shown ? "\n" : "", pmu, pmu_desc);
  }
  /* perf's spelling for the generic aliases (page-faults, cycles). */
  char name[128];
  snprintf(name, sizeof(name), "%s", event);
  if ((!strcmp(pmu, "software") || !strcmp(pmu, "perf")) &&
      strncmp(event, "PERF_COUNT_", 11))
    for (char *p = name; *p; p++)
      *p = (char)tolower((unsigned char)*p);
  printf("  %-40s %s\n", name, desc);
  st->shown++;
  return 0;
}

/*
 * With --pmu: a "PMU::" in front of the pattern that names the description
 * by another of the names the encoder takes for it (an alias, libpfm4's
 * "core" for core2; the template of a variant, intel_arch for
 * intel_arch:v=3,...; "cpu", the kernel's name of a core PMU) is dropped,
 * leaving the event part.  Otherwise the
 * pattern is returned as given.
 */
static const char *own_pmu_dropped(const pmux_pmu_t *pmu, const char *pattern)
{
  const char *sep = strstr(pattern, "::");
  if (!sep)
    return pattern;
  char want[128];
  snprintf(want, sizeof(want), "%.*s", (int)(sep - pattern), pattern);
  if (!strcasecmp(want, "cpu")) /* every description is of a core PMU */
    return sep + 2;
  const char *name = pmux_pmu_name(pmu);
  const pmux_pmu_t *q;
  if (pmux_pmu_find(want, &q))
    return pattern;
  size_t bl = strcspn(name, ":"); /* a variant's template */
  if (q == pmu || (strlen(pmux_pmu_name(q)) == bl &&
                   !strncmp(pmux_pmu_name(q), name, bl)))
    return sep + 2;
  return pattern;
}

static void usage(FILE *out)
{
  fprintf(out,
          "usage: pmux list [--pmu NAME] [PATTERN]\n\n"
          "List the events pmux can resolve on this host, grouped by PMU: the\n"
          "software events, perf's generic hardware events, then each PMU\n"
          "libpfm4 finds for this CPU (on a VM without a virtual PMU these\n"
          "resolve, but stat reports them <not supported>).  PATTERN filters\n"
          "by glob or substring (case-insensitive) on the event name, or\n"
          "names a PMU; PMU::EVENT keeps that PMU's events only.  No match\n"
          "is an error (exit 1).\n\n"
          "      --pmu NAME         list that PMU description's events\n"
          "                         instead (see pmux info --pmu NAME)\n"
          "  -h, --help             this help\n");
}

int cmd_list(int argc, char **argv)
{
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {"pmu", required_argument, NULL, 'p'},
                                       {NULL, 0, NULL, 0}};
  int c;
  const char *pmu_name = NULL;
  while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    if (c == 'p') {
      pmu_name = optarg;
      continue;
    }
    if (c == 'h') {
      usage(stdout);
      return PMUX_EXIT_OK;
    }
    usage(stderr);
    return PMUX_EXIT_USAGE;
  }
  if (argc - optind > 1) {
    cli_error("list", "'%s': one PATTERN at most", argv[optind + 1]);
    usage(stderr);
    return PMUX_EXIT_USAGE;
  }
  const char *pattern = optind < argc ? argv[optind] : NULL;
  struct list_state st = {.pattern = pattern};
  int err;
  if (pmu_name) {
    const pmux_pmu_t *pmu;
    err = pmux_pmu_find(pmu_name, &pmu);
    if (!err && pattern)
      st.pattern = own_pmu_dropped(pmu, pattern);
    if (!err)
      err = pmux_pmu_event_list(pmu, print_event, &st);
  } else {
    err = pmux_event_list(print_event, &st);
  }
  if (err) {
    cli_report("list", err, pmux_errmsg());
    return PMUX_EXIT_FAIL;
  }
  const char *sep = st.pattern ? strstr(st.pattern, "::") : NULL;
  if (!st.shown && sep && !st.pmu_matched) {
    cli_error("list", "'%s': no PMU matches '%.*s' (the PMUs: %s)", pattern,
              (int)(sep - st.pattern), st.pattern, st.pmus);
    return PMUX_EXIT_FAIL;
  }
  if (!st.shown && pattern) {
    cli_error("list", "no event matches '%s'", pattern);
    return PMUX_EXIT_FAIL;
  }
  return PMUX_EXIT_OK;
}
