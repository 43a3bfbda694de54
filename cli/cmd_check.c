/*
 * cmd_check.c - `pmux check [--pmu NAME] [-S EVENTS]... [-e EVENTS [--split]]
 * [--exclude COUNTERS] [--no-reserve] [--json]`: whether each set of events
 * fits the PMU's counters and how (which counter each event gets), or why
 * not.  The counters are those free after reservation (pmux_reserve(): the
 * NMI watchdog's, oprofile's; state read from this host or PMUX_SYSROOT,
 * applied to the PMU named), so a set that fits a bare PMU but not beside
 * the watchdog says so: "does not fit: the NMI watchdog holds FIXED1".  With
 * --split the -e events are partitioned into as few sets as fit.  Exit 0
 * when every set fits, 1 when one does not, 2 on bad usage.
 *
 * JSON (one object): {"pmu", "counters": [{"name","kind","width"}],
 * "reservation": {"nmi_watchdog","watchdog_counter","held","free","reason",
 * "evidence"},
 * "sets": [{"fits","reason","events": [{"name","code","config","counter"}]}]}
 * (an event that takes a pair of counters adds "pair_counter").
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "json.h"
#include "commands.h"
#include "pmux/pmux.h"

#define MAX_EVENTS 256

struct ev {
  char name[256];
  int ok;                 /* encoded */
  int software;           /* a software event: counted without a counter */
  pmux_pmu_event_t enc;
  int counter;
  char err[512];
};

struct set {
  struct ev *ev[MAX_EVENTS];
  int n;
  int fits;
  char reason[512];
};

static void usage(FILE *out)
{
  fprintf(out,
          "usage: pmux check [--pmu NAME] [-S EVENTS]... [-e EVENTS [--split]]\n"
          "                  [--exclude COUNTERS] [--no-reserve] [--json]\n\n"
          "Say whether each set of events fits the counters of a PMU, which\n"
          "counter each event gets, or why it does not fit.\n\n"
          "  --pmu NAME        a PMU description (pmux info --pmu NAME); default:\n"
          "                    this host's\n"
          "  -S EVENTS         one set: comma-separated events (repeatable; a\n"
          "                    `pmux stat` spec's \";switch=...\" is ignored)\n"
          "  -e EVENTS         events to check as one set, or with --split to\n"
          "                    partition into as few sets as fit (repeatable)\n"
          "  --split           partition the -e events\n"
          "  --exclude LIST    take these counters out (e.g. PMC0, as a watchdog\n"
          "                    or another PMU user would)\n"
          "  --no-reserve      plan for a bare PMU: ignore the NMI watchdog and\n"
          "                    other PMU users (default: their counters are\n"
          "                    taken out, as read from this host or\n"
          "                    PMUX_SYSROOT)\n"
          "  --json            machine-readable output\n"
          "  -h, --help        this help\n");
}

/* The name in tok without the blanks around it, as pmux stat's lists take
 * them (tok is cut short in place). */
static char *trim(char *tok)
{
  while (isspace((unsigned char)*tok))
    tok++;
  for (char *end = tok + strlen(tok);
       end > tok && isspace((unsigned char)end[-1]);)
    *--end = 0;
  return tok;
}

/* Append LIST's events to evs, at *first on, *count of them.  An empty
 * name is refused as pmux stat refuses it, never skipped.  0, or -1 after
 * the message. */
static int add_events(struct ev *evs, int *nev, const char *list, int *first,
                      int *count)
{
  char *copy = strdup(list);
  if (!copy) {
    cli_error("check", "out of memory");
    return -1;
  }
  /* a `pmux stat` set spec "EVENTS;switch=..." checks as its events */
  copy[strcspn(copy, ";")] = 0;
  *first = *nev;
  *count = 0;
  int rc = 0;
  for (char *next = copy, *tok; (tok = strsep(&next, ","));) {
    size_t offset = (size_t)(tok - copy);
    tok = trim(tok);
    if (!*tok) {
      cli_error("check", "event list '%s': empty event name at offset %zu",
                list, offset);
      rc = -1;
      break;
    }
    if (*nev >= MAX_EVENTS) {
      cli_error("check", "too many events (at most %d)", MAX_EVENTS);
      rc = -1;
      break;
    }
    snprintf(evs[*nev].name, sizeof(evs[*nev].name), "%s", tok);
    (*nev)++;
    (*count)++;
  }
  free(copy);
  return rc;
}

/* Assign one set; fill fits/reason/counters. */
static void check_set(const pmux_pmu_t *pmu, struct set *s, uint64_t free_mask,
                      uint64_t bare_mask, const pmux_reservation_t *res)
{
  s->fits = 1;
  s->reason[0] = 0;
  for (int i = 0; i < s->n; i++) {
    s->ev[i]->counter = -1;
    if (!s->ev[i]->ok && !s->ev[i]->software && s->fits) {
      s->fits = 0;
      snprintf(s->reason, sizeof(s->reason), "%s", s->ev[i]->err);
    }
  }
  if (!s->fits)
    return;
  /* The hardware events are assigned; the software ones take no counter. */
  pmux_pmu_event_t enc[MAX_EVENTS];
  int cnt[MAX_EVENTS], hw[MAX_EVENTS], nhw = 0;
  for (int i = 0; i < s->n; i++)
    if (s->ev[i]->ok) {
      hw[nhw] = i;
      enc[nhw++] = s->ev[i]->enc;
    }
  int err = nhw ? pmux_pmu_assign(pmu, enc, nhw, free_mask, cnt) : 0;
  if (err) {
    s->fits = 0;
    snprintf(s->reason, sizeof(s->reason), "%s", pmux_errmsg());
    /* fits without the reservation: say who holds what, not the matching */
    int bare[MAX_EVENTS];
    if (res && *res->reason && bare_mask != free_mask &&
        !pmux_pmu_assign(pmu, enc, nhw, bare_mask, bare))
      snprintf(s->reason, sizeof(s->reason), "%s (it fits without that "
               "reservation)", res->reason);
  }
  /* show the partial placement only when the set fits */
  for (int j = 0; j < nhw; j++)
    s->ev[hw[j]]->counter = err ? -1 : cnt[j];
}

static void json_counters(const pmux_pmu_t *pmu, uint64_t mask)
{
  printf("[");
  for (int c = 0, first = 1; c < pmux_pmu_ncounters(pmu); c++)
    if (mask >> c & 1) {
      pmux_counter_info_t ci;
      pmux_pmu_counter(pmu, c, &ci);
      printf("%s", first ? "" : ", ");
      json_string(stdout, ci.name);
      first = 0;
    }
  printf("]");
}

static void print_json(const pmux_pmu_t *pmu, struct set *sets, int nsets,
                       const pmux_reservation_t *res, uint64_t free_mask)
{
  printf("{\"pmu\": ");
  json_string(stdout, pmux_pmu_name(pmu));
  printf(", \"reservation\": {\"nmi_watchdog\": %d, \"watchdog_counter\": ",
         res ? res->nmi_watchdog : -1);
  if (res && res->watchdog_mask)
    json_counters(pmu, res->watchdog_mask);
  else
    printf("[]");
  printf(", \"held\": ");
  json_counters(pmu, res ? res->held_mask : 0);
  printf(", \"free\": ");
  json_counters(pmu, free_mask);
  printf(", \"reason\": ");
  json_string(stdout, res ? res->reason : "");
  printf(", \"evidence\": ");
  json_string(stdout, res ? res->evidence : "not applied (--no-reserve)");
  printf("}");
  printf(", \"counters\": [");
  for (int c = 0; c < pmux_pmu_ncounters(pmu); c++) {
    pmux_counter_info_t ci;
    pmux_pmu_counter(pmu, c, &ci);
    printf("%s{\"name\": ", c ? ", " : "");
    json_string(stdout, ci.name);
    printf(", \"kind\": \"%s\", \"width\": %u}",
           ci.kind == PMUX_COUNTER_FIXED ? "fixed" : "generic", ci.width);
  }
  printf("], \"sets\": [");
  for (int s = 0; s < nsets; s++) {
    printf("%s{\"fits\": %s, \"reason\": ", s ? ", " : "",
           sets[s].fits ? "true" : "false");
    json_string(stdout, sets[s].fits ? "" : sets[s].reason);
    printf(", \"events\": [");
    for (int i = 0; i < sets[s].n; i++) {
      const struct ev *e = sets[s].ev[i];
      printf("%s{\"name\": ", i ? ", " : "");
      json_string(stdout, e->name);
      if (e->ok)
        printf(", \"code\": \"%#llx\", \"config\": \"%#llx\"",
               (unsigned long long)e->enc.code,
               (unsigned long long)e->enc.config);
      else
        printf(", \"code\": null, \"config\": null");
      printf(", \"software\": %s", e->software ? "true" : "false");
      printf(", \"counter\": ");
      if (e->counter >= 0) {
        pmux_counter_info_t ci;
        pmux_pmu_counter(pmu, e->counter, &ci);
        json_string(stdout, ci.name);
        if (e->ok && e->enc.pair && /* the next counter goes with it */
            !pmux_pmu_counter(pmu, e->counter + 1, &ci)) {
          printf(", \"pair_counter\": ");
          json_string(stdout, ci.name);
        }
      } else {
        printf("null");
      }
      printf("}");
    }
    printf("]}");
  }
  printf("]}\n");
}

static void print_text(const pmux_pmu_t *pmu, struct set *sets, int nsets,
                       uint64_t free_mask, const pmux_reservation_t *res)
{
  int gen = 0, fix = 0;
  for (int c = 0; c < pmux_pmu_ncounters(pmu); c++) {
    pmux_counter_info_t ci;
    pmux_pmu_counter(pmu, c, &ci);
    if (ci.kind == PMUX_COUNTER_FIXED)
      fix++;
    else
      gen++;
  }
  printf("PMU %s (%s): %d generic, %d fixed counters", pmux_pmu_name(pmu),
         pmux_pmu_desc(pmu), gen, fix);
  if (free_mask != pmux_pmu_counters_mask(pmu)) {
    printf("; excluded:");
    for (int c = 0; c < pmux_pmu_ncounters(pmu); c++)
      if (!(free_mask >> c & 1)) {
        pmux_counter_info_t ci;
        pmux_pmu_counter(pmu, c, &ci);
        printf(" %s", ci.name);
      }
  }
  printf("\n");
  if (res)
    printf("reservation: %s\n  evidence: %s\n",
           *res->reason ? res->reason : "none (every counter is free)",
           res->evidence);
  else
    printf("reservation: not applied (--no-reserve)\n");
  for (int s = 0; s < nsets; s++) {
    printf("\nset %d: %s%s\n", s, sets[s].fits ? "fits" : "does not fit: ",
           sets[s].fits ? "" : sets[s].reason);
    for (int i = 0; i < sets[s].n; i++) {
      const struct ev *e = sets[s].ev[i];
      printf("  %-36s", e->name);
      if (e->ok)
        printf(" code %-#10llx config %-#12llx", (unsigned long long)e->enc.code,
               (unsigned long long)e->enc.config);
      else
        printf(" %-35s", e->software ? "(software: no counter)"
                                     : "(not encoded)");
      if (e->counter >= 0) {
        pmux_counter_info_t ci;
        pmux_pmu_counter(pmu, e->counter, &ci);
        printf(" -> %s", ci.name);
        if (e->ok && e->enc.pair && !pmux_pmu_counter(pmu, e->counter + 1, &ci))
          printf("+%s", ci.name);
        printf("\n");
      } else {
        printf(" -> -\n");
      }
    }
  }
}

/* What the command line asks.  The events of every -S and -e go to one
 * array, in the order given; a set names a run of it. */
struct check_opts {
  const char *pmu_name, *exclude;
  int split, json, reserve;
  struct ev *evs;
  int nev;
  int set_first[MAX_EVENTS], set_count[MAX_EVENTS], nspec; /* -S */
  char *elist;          /* the -e lists, joined */
  int e_first, e_count; /* and their events in evs */
};

/* -S EVENTS: one set.  0, or -1 after the message. */
static int add_set_option(struct check_opts *o, const char *arg)
{
  int first, count;
  if (o->nspec >= MAX_EVENTS) {
    cli_error("check", "too many sets (at most %d)", MAX_EVENTS);
    return -1;
  }
  if (add_events(o->evs, &o->nev, arg, &first, &count))
    return -1;
  o->set_first[o->nspec] = first;
  o->set_count[o->nspec++] = count;
  return 0;
}

/* -e EVENTS: more of the one -e list, added after the -S sets are (the
 * lists join wherever they are given, as pmux stat's).  0, or -1 after
 * the message. */
static int add_event_option(struct check_opts *o, const char *arg)
{
  if (!cli_append_list(&o->elist, arg))
    return 0;
  cli_error("check", "out of memory");
  return -1;
}

/* -1 to run, else the exit status to stop with (--help, a usage error). */
static int parse_args(int argc, char **argv, struct check_opts *o)
{
  static const struct option opts[] = {
      {"pmu", required_argument, NULL, 'p'},
      {"split", no_argument, NULL, 's'},
      {"json", no_argument, NULL, 'j'},
      {"exclude", required_argument, NULL, 'x'},
      {"no-reserve", no_argument, NULL, 'r'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;
  o->reserve = 1;
  o->e_first = -1;
  optind = 1;
  while ((c = getopt_long(argc, argv, "+hS:e:", opts, NULL)) != -1) {
    switch (c) {
    case 'p':
      o->pmu_name = optarg;
      break;
    case 's':
      o->split = 1;
      break;
    case 'j':
      o->json = 1;
      break;
    case 'x':
      o->exclude = optarg;
      break;
    case 'r':
      o->reserve = 0;
      break;
    case 'S':
      if (add_set_option(o, optarg))
        return PMUX_EXIT_USAGE;
      break;
    case 'e':
      if (add_event_option(o, optarg))
        return PMUX_EXIT_USAGE;
      break;
    case 'h':
      usage(stdout);
      return PMUX_EXIT_OK;
    default:
      usage(stderr);
      return PMUX_EXIT_USAGE;
    }
  }
  if (o->elist && add_events(o->evs, &o->nev, o->elist, &o->e_first,
                             &o->e_count))
    return PMUX_EXIT_USAGE;
  if (optind < argc || (!o->nspec && o->e_count == 0)) {
    if (optind < argc)
      cli_error("check", "unexpected argument '%s'", argv[optind]);
    else
      cli_error("check", "no events: give -S EVENTS or -e EVENTS");
    usage(stderr);
    return PMUX_EXIT_USAGE;
  }
  if (o->split && o->e_count == 0) {
    cli_error("check", "--split partitions the -e events; none given");
    return PMUX_EXIT_USAGE;
  }
  return -1;
}

/* --exclude LIST: take the counters named out of *mask.  -1 to run, else
 * the exit status to stop with. */
static int exclude_counters(const pmux_pmu_t *pmu, const char *list,
                            uint64_t *mask)
{
  char *copy = strdup(list);
  if (!copy)
    return PMUX_EXIT_FAIL;
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    tok = trim(tok); /* as -S lists take them */
    int found = -1;
    for (int i = 0; i < pmux_pmu_ncounters(pmu); i++) {
      pmux_counter_info_t ci;
      pmux_pmu_counter(pmu, i, &ci);
      if (!strcasecmp(ci.name, tok))
        found = i;
    }
    if (found < 0) {
      cli_error("check", "--exclude: %s has no counter '%s'",
                pmux_pmu_name(pmu), tok);
      free(copy);
      return PMUX_EXIT_USAGE;
    }
    *mask &= ~(1ull << found);
  }
  free(copy);
  return -1;
}

/* The counters the sets may take: the PMU's, less --exclude (*bare) and
 * less the reservation (*free_mask; *res NULL with --no-reserve).  -1 to
 * run, else the exit status to stop with. */
static int find_counters(const pmux_pmu_t *pmu, const struct check_opts *o,
                         pmux_reservation_t *resv,
                         const pmux_reservation_t **res, uint64_t *free_mask,
                         uint64_t *bare_mask)
{
  *free_mask = pmux_pmu_counters_mask(pmu);
  *res = NULL;
  if (o->reserve) {
    int err = pmux_reserve(pmu, resv);
    if (err) {
      cli_report("check", err, pmux_errmsg());
      return PMUX_EXIT_FAIL;
    }
    *res = resv;
  }
  if (o->exclude) {
    int stop = exclude_counters(pmu, o->exclude, free_mask);
    if (stop >= 0)
      return stop;
  }
  *bare_mask = *free_mask; /* --exclude only */
  if (*res)
    *free_mask &= (*res)->free_mask;
  return -1;
}

/* Each event through the PMU's description; one it does not have may be
 * a software event (page-faults, task-clock), which needs no counter and
 * fits any set, as pmux stat counts it. */
static void encode_events(const pmux_pmu_t *pmu, struct ev *evs, int nev)
{
  for (int i = 0; i < nev; i++) {
    evs[i].ok = !pmux_pmu_encode(pmu, evs[i].name, &evs[i].enc);
    if (evs[i].ok)
      continue;
    snprintf(evs[i].err, sizeof(evs[i].err), "%s", pmux_errmsg());
    pmux_event_info_t info;
    evs[i].software = !pmux_event_resolve(evs[i].name, &info) &&
                      info.is_software;
  }
}

/* A new set of the n events from evs[first]; the number of sets after. */
static int add_set(struct set *sets, int nsets, struct ev *evs, int first,
                   int n)
{
  for (int i = 0; i < n; i++)
    sets[nsets].ev[sets[nsets].n++] = &evs[first + i];
  return nsets + 1;
}

/* --split: the encodable -e events are partitioned into as few sets as
 * fit, the software ones join the first (as pmux stat splits them), the
 * others get a set each.  The number of sets after, or -1 after the
 * message. */
static int split_events(const pmux_pmu_t *pmu, const struct check_opts *o,
                        uint64_t free_mask, struct set *sets, int nsets)
{
  struct ev *evs = o->evs;
  static pmux_pmu_event_t enc[MAX_EVENTS]; /* large: not on the stack */
  int idx[MAX_EVENTS], set_of[MAX_EVENTS], m = 0;
  for (int i = 0; i < o->e_count; i++)
    if (evs[o->e_first + i].ok) {
      idx[m] = o->e_first + i;
      enc[m++] = evs[o->e_first + i].enc;
    }
  int k = pmux_pmu_split(pmu, enc, m, free_mask, set_of);
  if (k < 0 && k != PMUX_ECONSTRAINT) {
    cli_report("check", k, pmux_errmsg());
    return -1;
  }
  int base = nsets, used = 0;
  for (int j = 0; j < m; j++)
    if (set_of[j] + 1 > used)
      used = set_of[j] + 1;
  for (int i = 0; i < o->e_count && !used; i++)
    used = evs[o->e_first + i].software; /* a first set for them alone */
  nsets += used;
  /* events in the order given, within each set */
  for (int i = 0, j = 0; i < o->e_count; i++) {
    int ev = o->e_first + i;
    if (j < m && idx[j] == ev) {
      if (set_of[j] >= 0) {
        struct set *s = &sets[base + set_of[j]];
        s->ev[s->n++] = &evs[ev];
      } else {
        nsets = add_set(sets, nsets, evs, ev, 1);
      }
      j++;
    } else if (evs[ev].software) {
      sets[base].ev[sets[base].n++] = &evs[ev];
    } else {
      nsets = add_set(sets, nsets, evs, ev, 1);
    }
  }
  return nsets;
}

/* The sets to check: each -S, then the -e events as one set or split.
 * The number of sets, or -1 after the message. */
static int build_sets(const pmux_pmu_t *pmu, const struct check_opts *o,
                      uint64_t free_mask, struct set *sets)
{
  /* Numbered as pmux stat numbers them: the -e set (or its split) first,
   * then the -S sets in the order given. */
  int nsets = 0;
  if (o->e_count && !o->split)
    nsets = add_set(sets, nsets, o->evs, o->e_first, o->e_count);
  else if (o->e_count)
    nsets = split_events(pmu, o, free_mask, sets, nsets);
  if (nsets < 0)
    return nsets;
  for (int s = 0; s < o->nspec; s++)
    nsets = add_set(sets, nsets, o->evs, o->set_first[s], o->set_count[s]);
  return nsets;
}

int cmd_check(int argc, char **argv)
{
  static struct ev evs[MAX_EVENTS];
  memset(evs, 0, sizeof(evs));
  struct check_opts o = {.evs = evs};
  int stop = parse_args(argc, argv, &o);
  free(o.elist); /* its events are in evs now */
  o.elist = NULL;
  if (stop >= 0)
    return stop;
  const pmux_pmu_t *pmu;
  int err = o.pmu_name ? pmux_pmu_find(o.pmu_name, &pmu) : pmux_pmu_host(&pmu);
  if (err) {
    cli_report("check", err, pmux_errmsg());
    return PMUX_EXIT_FAIL;
  }
  pmux_reservation_t resv;
  const pmux_reservation_t *res;
  uint64_t free_mask, bare_mask;
  stop = find_counters(pmu, &o, &resv, &res, &free_mask, &bare_mask);
  if (stop >= 0)
    return stop;
  encode_events(pmu, evs, o.nev);

  static struct set sets[MAX_EVENTS * 2];
  memset(sets, 0, sizeof(sets));
  int nsets = build_sets(pmu, &o, free_mask, sets);
  if (nsets < 0)
    return PMUX_EXIT_FAIL;
  int all_fit = 1;
  for (int s = 0; s < nsets; s++) {
    check_set(pmu, &sets[s], free_mask, bare_mask, res);
    all_fit &= sets[s].fits;
  }
  if (o.json)
    print_json(pmu, sets, nsets, res, free_mask);
  else
    print_text(pmu, sets, nsets, free_mask, res);
  return all_fit ? PMUX_EXIT_OK : PMUX_EXIT_FAIL;
}
