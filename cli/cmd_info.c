/*
 * cmd_info.c - `pmux info [--pmu NAME]`: this host's PMU, truthfully (on a
 * VM without one: "no hardware PMU: software events only" and the evidence,
 * plus what CPUID and libpfm4 say the CPU is), or a named description's
 * counters, widths, register addresses and reservations.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "pmux/pmux.h"

static void usage(FILE *out)
{
  fprintf(out,
          "usage: pmux info [--pmu NAME]\n\n"
          "Without --pmu: this host's CPU, the PMU libpfm4 and pmux see for it,\n"
          "and whether the kernel exposes a hardware PMU (with the evidence).\n"
          "With --pmu: that description's counters, widths, register\n"
          "addresses and the counter the NMI watchdog takes.\n"
          "Descriptions: core2, intel_arch[:v=N,gp=N,fixed=N,width=N],\n"
          "amd64_k8, amd64_fam10h, amd64_fam17h, mips74k, power7, power8\n"
          "(and libpfm4's names for them); PMUX_PMU_PATH adds more.\n");
}

static int count_events(const char *pmu, const char *pd, const char *ev,
                        const char *desc, void *arg)
{
  (void)pmu, (void)pd, (void)ev, (void)desc;
  ++*(int *)arg;
  return 0;
}

static void describe(const pmux_pmu_t *pmu, int host)
{
  int nev = 0;
  pmux_pmu_event_list(pmu, count_events, &nev);
  printf("PMU %s: %s\n", pmux_pmu_name(pmu), pmux_pmu_desc(pmu));
  if (pmux_pmu_pfm_name(pmu))
    printf("  libpfm4 name: %s\n", pmux_pmu_pfm_name(pmu));
  printf("  events in the description: %d\n", nev);
  printf("  counters:\n");
  for (int c = 0; c < pmux_pmu_ncounters(pmu); c++) {
    pmux_counter_info_t ci;
    pmux_pmu_counter(pmu, c, &ci);
    printf("    %-8s %-8s %2u bits  %s %#llx\n", ci.name,
           ci.kind == PMUX_COUNTER_FIXED ? "fixed" : "generic", ci.width,
           ci.addr_space, (unsigned long long)ci.address);
  }
  int wd = pmux_pmu_watchdog_counter(pmu);
  if (wd >= 0) {
    pmux_counter_info_t ci;
    pmux_pmu_counter(pmu, wd, &ci);
    printf("  reservations: the NMI watchdog, when enabled, takes %s", ci.name);
    if (host) {
      FILE *f = fopen("/proc/sys/kernel/nmi_watchdog", "r");
      int v = -1;
      if (f) {
        if (fscanf(f, "%d", &v) != 1)
          v = -1;
        fclose(f);
      }
      if (v >= 0)
        printf(" (kernel.nmi_watchdog = %d: %s)", v,
               v ? "enabled" : "disabled");
    }
    printf("\n");
  } else {
    printf("  reservations: none described (no NMI watchdog counter)\n");
  }
}

int cmd_info(int argc, char **argv)
{
  static const struct option opts[] = {{"pmu", required_argument, NULL, 'p'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *name = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    if (c == 'p') {
      name = optarg;
    } else if (c == 'h') {
      usage(stdout);
      return PMUX_EXIT_OK;
    } else {
      usage(stderr);
      return PMUX_EXIT_USAGE;
    }
  }
  if (optind < argc) {
    usage(stderr);
    return PMUX_EXIT_USAGE;
  }
  if (name) {
    const pmux_pmu_t *pmu;
    int err = pmux_pmu_find(name, &pmu);
    if (err) {
      cli_report("info", err, pmux_errmsg());
      return PMUX_EXIT_FAIL;
    }
    describe(pmu, 0);
    return PMUX_EXIT_OK;
  }
  pmux_pmu_host_info_t hi;
  int err = pmux_pmu_host_info(&hi);
  if (err) {
    cli_report("info", err, pmux_errmsg());
    return PMUX_EXIT_FAIL;
  }
  printf("cpu: %s\n", hi.cpu);
  if (*hi.pfm_pmu)
    printf("libpfm4 PMU for this CPU: %s (%s)\n", hi.pfm_pmu, hi.pfm_desc);
  else
    printf("libpfm4 PMU for this CPU: none found\n");
  printf("pmux description: %s\n",
         hi.pmu ? pmux_pmu_name(hi.pmu) : "none for this CPU (see --pmu)");
  if (!hi.hw_pmu) {
    printf("hardware PMU: no hardware PMU: software events only\n");
    printf("  evidence: %s\n", hi.evidence);
  } else {
    printf("hardware PMU: yes\n");
    printf("  evidence: %s\n", hi.evidence);
  }
  if (hi.pmu) {
    printf("\n");
    describe(hi.pmu, 1);
  }
  return PMUX_EXIT_OK;
}
