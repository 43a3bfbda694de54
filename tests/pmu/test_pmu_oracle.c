/*
 * test_pmu_oracle.c - libpfm4 as the oracle for the x86 descriptions:
 *   test_pmu_oracle PMUX_NAME PFM_NAME
 * For every event of the description (default unit mask), and for a few
 * modifier combinations, the register image pmux computes must equal
 * libpfm4's (pfm_get_os_event_encoding with PFM_OS_NONE: codes[0]) for the
 * same event forced onto that PMU (LIBPFM_ENCODE_INACTIVE=1, and
 * LIBPFM_FORCE_PMU where the PMU is sized from CPUID, i.e. ix86arch; CTest
 * sets them), and, with modifiers, the privilege levels its perf_events
 * encoding excludes must be pmux's.  When libpfm4 refuses (an event with no default unit mask),
 * pmux must refuse too.  Then every unit mask of every event on its own, and
 * every pair of an event's unit masks: from two groups (libpfm4 keeps the
 * defaults of the groups not given) and from one group (ORed, or refused
 * when one of them is exclusive); where libpfm4 refuses, pmux must refuse.
 * Exit 0 on success, 1 on a mismatch, 77 (skip) when libpfm4 does not know
 * the PMU.
 */
#include <perfmon/pfmlib.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmu_desc.h"

static int pfm_encode(const char *name, uint64_t *img)
{
  pfm_pmu_encode_arg_t arg;
  memset(&arg, 0, sizeof(arg));
  arg.size = sizeof(arg);
  int r = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_NONE,
                                    &arg);
  if (r != PFM_SUCCESS)
    return r;
  *img = arg.codes[0];
  free(arg.codes);
  return 0;
}

/* The privilege levels libpfm4's perf_events encoding asks for, as
 * "exclude_user,exclude_kernel,exclude_hv" bits (4, 2, 1); -1 on refusal. */
static int pfm_excludes(const char *name)
{
  struct perf_event_attr attr;
  pfm_perf_encode_arg_t arg;
  memset(&attr, 0, sizeof(attr));
  memset(&arg, 0, sizeof(arg));
  arg.size = sizeof(arg);
  arg.attr = &attr;
  if (pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT,
                                &arg) != PFM_SUCCESS)
    return -1;
  return attr.exclude_user << 2 | attr.exclude_kernel << 1 | attr.exclude_hv;
}

/* The same bits from pmux.  exclude_hv is compared only where the PMU has
 * an hv level (AMD h): elsewhere pmux excludes it and libpfm4 leaves it 0,
 * which the x86 kernel ignores alike. */
static int pmux_excludes(const pmux_pmu_t *pmu, const pmux_pmu_event_t *e,
                         int *care)
{
  *care = 6;
  for (int i = 0; i < pmu->nmods; i++)
    if (pmu->mods[i].plm == PMUX__PLM_HV)
      *care = 7;
  return e->exclude_user << 2 | e->exclude_kernel << 1 | e->exclude_hv;
}

/* 1 when libpfm4's perf encoding (where it has one) asks for the levels
 * pmux does; prints the MISMATCH otherwise. */
static int same_excludes(const char *full, const pmux_pmu_t *pmu,
                         const pmux_pmu_event_t *got)
{
  int care, ours = pmux_excludes(pmu, got, &care), theirs = pfm_excludes(full);
  if (theirs < 0 || (ours & care) == (theirs & care))
    return 1;
  printf("MISMATCH %s: libpfm4 excludes %#x, pmux %#x (user 4, kernel 2, "
         "hv 1)\n", full, theirs & care, ours & care);
  return 0;
}

/* One name through both encoders: 1 when both give the same image, -1 when
 * both refuse, 0 for a difference (printed as a MISMATCH, counted in *bad). */
static int compare(const char *theirs, const pmux_pmu_t *pmu,
                   const char *name, int *bad)
{
  char full[500];
  snprintf(full, sizeof(full), "%s::%s", theirs, name);
  uint64_t want = 0;
  int r = pfm_encode(full, &want);
  pmux_pmu_event_t got;
  int err = pmux_pmu_encode(pmu, name, &got);
  if (r != PFM_SUCCESS && err)
    return -1;
  if (r != PFM_SUCCESS) {
    printf("MISMATCH %s: libpfm4 refuses (%s), pmux gives %#llx\n", full,
           pfm_strerror(r), (unsigned long long)got.config);
  } else if (err) {
    printf("MISMATCH %s: libpfm4 %#llx, pmux refuses: %s\n", full,
           (unsigned long long)want, pmux_errmsg());
  } else if (got.config != want) {
    printf("MISMATCH %s: libpfm4 %#llx, pmux %#llx\n", full,
           (unsigned long long)want, (unsigned long long)got.config);
  } else {
    return 1;
  }
  (*bad)++;
  return 0;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: %s PMUX_NAME PFM_NAME\n", argv[0]);
    return 2;
  }
  const char *ours = argv[1], *theirs = argv[2];
  if (pfm_initialize() != PFM_SUCCESS) {
    printf("SKIP: libpfm4 does not initialise\n");
    return 77;
  }
  /* libpfm4's PMU must exist and have events (forced or inactive) */
  int found = 0;
  pfm_pmu_info_t pi;
  for (int p = 0; p < PFM_PMU_MAX && !found; p++) {
    memset(&pi, 0, sizeof(pi));
    pi.size = sizeof(pi);
    if (pfm_get_pmu_info((pfm_pmu_t)p, &pi) == PFM_SUCCESS &&
        !strcmp(pi.name, theirs) && pi.nevents > 0)
      found = 1;
  }
  if (!found) {
    printf("SKIP: libpfm4 has no usable PMU '%s' (set LIBPFM_ENCODE_INACTIVE"
           "=1 / LIBPFM_FORCE_PMU)\n", theirs);
    return 77;
  }
  const pmux_pmu_t *pmu;
  if (pmux_pmu_find(ours, &pmu)) {
    printf("FAIL: %s\n", pmux_errmsg());
    return 1;
  }
  static const char *const mods[] = {"", ":u", ":k", ":e", ":i:c=1",
                                     ":c=4:u", ":e:c=2:k", ":h", ":g",
                                     ":u:h"};
  int checked = 0, refused = 0, bad = 0;
  for (int i = 0; i < pmu->nevents; i++) {
    const struct pmux__event *ev = &pmu->events[i];
    for (size_t m = 0; m < sizeof(mods) / sizeof(mods[0]); m++) {
      if (m && ev->preset)
        continue; /* presets fix i/c: libpfm4 refuses to override them */
      char name[400], full[500];
      snprintf(name, sizeof(name), "%s%s", ev->name, mods[m]);
      snprintf(full, sizeof(full), "%s::%s", theirs, name);
      uint64_t want = 0;
      int r = pfm_encode(full, &want);
      pmux_pmu_event_t got;
      int err = pmux_pmu_encode(pmu, name, &got);
      if (r != PFM_SUCCESS) {
        if (!m) {
          refused++;
          if (!err) {
            printf("MISMATCH %s: libpfm4 refuses (%s), pmux gives %#llx\n",
                   full, pfm_strerror(r), (unsigned long long)got.config);
            bad++;
          }
        }
        continue;
      }
      checked++;
      if (err) {
        printf("MISMATCH %s: libpfm4 %#llx, pmux refuses: %s\n", full,
               (unsigned long long)want, pmux_errmsg());
        bad++;
      } else if (got.config != want) {
        printf("MISMATCH %s: libpfm4 %#llx, pmux %#llx\n", full,
               (unsigned long long)want, (unsigned long long)got.config);
        bad++;
      } else if (!same_excludes(full, pmu, &got)) {
        bad++; /* other levels reach perf (AMD :h counts the host only) */
      }
    }
  }
  /* unit masks alone and in pairs */
  int singles = 0, cross = 0, same = 0, both_refused = 0;
  for (int i = 0; i < pmu->nevents; i++) {
    const struct pmux__event *ev = &pmu->events[i];
    for (int u = 0; u < ev->numasks; u++)
      for (int v = u; v < ev->numasks; v++) {
        char name[400];
        if (u == v)
          snprintf(name, sizeof(name), "%s:%s", ev->name, ev->umasks[u].name);
        else
          snprintf(name, sizeof(name), "%s:%s:%s", ev->name,
                   ev->umasks[u].name, ev->umasks[v].name);
        if (compare(theirs, pmu, name, &bad) < 0)
          both_refused++;
        else if (u == v)
          singles++;
        else if (ev->umasks[u].group != ev->umasks[v].group)
          cross++;
        else
          same++;
      }
  }
  checked += singles + cross + same;
  printf("%s vs libpfm4 %s: %d encodings compared (%d single unit masks, "
         "%d pairs from two groups, %d from one group), refused by both: %d "
         "events, %d with unit masks; %d mismatches\n", ours, theirs,
         checked, singles, cross, same, refused, both_refused, bad);
  pfm_terminate();
  return bad || checked < pmu->nevents / 2 ? 1 : 0;
}
