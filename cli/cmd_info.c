/*
 * cmd_info.c - `pmux info [--pmu NAME]`: this host's PMU, truthfully (on a
 * VM without one: "no hardware PMU: software events only" and the evidence,
 * plus what CPUID and libpfm4 say the CPU is), or a named description's
 * counters, widths, register addresses and reservations (the watchdog and
 * oprofile state of this host or PMUX_SYSROOT, applied to it); other PMU
 * users, system-wide leases and the NMI watchdog's lease.
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
          "whether the kernel exposes a hardware PMU (with the evidence), the\n"
          "description's counters and reservation when one matches, other PMU\n"
          "users, the leases of system-wide sessions and of the NMI watchdog\n"
          "(who disabled it, and the value it goes back to).\n"
          "With --pmu: that description's counters, widths, register\n"
          "addresses, the counter the NMI watchdog takes and the counters\n"
          "free after reservation (state of this host, or of PMUX_SYSROOT).\n"
          "Descriptions: core2, intel_arch[:v=N,gp=N,fixed=N,width=N],\n"
          "amd64_k8, amd64_fam10h, amd64_fam17h, amd64_zen3, amd64_zen4, mips74k,\n"
          "power7, power8, power9, power10 (and libpfm4's names for them);\n"
          "PMUX_PMU_PATH adds more.\n\n"
          "      --pmu NAME         that description instead of this host\n"
          "  -h, --help             this help\n");
}

/* The description's events, [0], and perf's generic events it maps, [1]
 * (listed after them, as "perf's generic event: ...", pmux.h). */
static int count_events(const char *pmu, const char *pd, const char *ev,
                        const char *desc, void *arg)
{
  (void)pmu, (void)pd, (void)ev;
  int *n = arg;
  n[!strncmp(desc, "perf's generic event:", 21)]++;
  return 0;
}

static void describe(const pmux_pmu_t *pmu, int host)
{
  int nev[2] = {0, 0};
  pmux_pmu_event_list(pmu, count_events, nev);
  printf("PMU %s: %s\n", pmux_pmu_name(pmu), pmux_pmu_desc(pmu));
  if (pmux_pmu_pfm_name(pmu))
    printf("  libpfm4 name: %s\n", pmux_pmu_pfm_name(pmu));
  printf("  events in the description: %d, and %d of perf's generic "
         "events (cycles...)\n", nev[0], nev[1]);
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
    printf("  the NMI watchdog, when enabled, takes %s\n", ci.name);
  } else {
    printf("  the NMI watchdog takes no counter described here\n");
  }
  /* the watchdog and oprofile state of this host (or PMUX_SYSROOT),
   * applied to this description */
  pmux_reservation_t r;
  if (!pmux_reserve(pmu, &r)) {
    printf("  reservation%s: %s\n", host ? "" : " (this host's state)",
           *r.reason ? r.reason : "none (every counter is free)");
    printf("    free counters:");
    for (int c = 0; c < pmux_pmu_ncounters(pmu); c++)
      if (r.free_mask >> c & 1) {
        pmux_counter_info_t ci;
        pmux_pmu_counter(pmu, c, &ci);
        printf(" %s", ci.name);
      }
    printf("\n    evidence: %s\n", r.evidence);
  }
}

static void print_config(int state, uint64_t config)
{
  if (state == 1)
    printf("%#llx", (unsigned long long)config);
  else
    printf(state ? "not understood" : "none");
}

/* The kernel and the description say the same of a generic event: the
 * same config, or neither has it. */
static int agrees(const pmux_generic_check_t *g)
{
  if (g->kernel == 1)
    return g->described && g->desc_config == g->kernel_config;
  return !g->kernel && !g->described;
}

/* The kernel's map of perf's generic events (sysfs) against the host's
 * description: pmux plans cycles, branches... by the description, while
 * perf_event_open counts what the kernel maps them to. */
static void describe_generics(const pmux_pmu_t *pmu)
{
  pmux_generic_check_t g[16];
  int n = pmux_pmu_generic_check(pmu, g, 16), published = 0, agree = 0;
  for (int i = 0; i < n; i++) {
    published += g[i].kernel != 0;
    agree += agrees(&g[i]);
  }
  if (!published) {
    printf("  generic events (cycles...): the kernel publishes no map of "
           "them in sysfs: not compared\n");
    return;
  }
  /* A hybrid's P cores' map says whose it is: the E cores' may differ. */
  int hybrid = strcmp(g[0].kernel_pmu, "cpu") != 0;
  printf("  generic events (cycles...): the kernel's map (sysfs%s%s) and the "
         "description agree on %d of %d\n", hybrid ? ", " : "",
         hybrid ? g[0].kernel_pmu : "", agree, n);
  for (int i = 0; i < n; i++) {
    if (agrees(&g[i]))
      continue;
    printf("    %s: kernel ", g[i].name);
    print_config(g[i].kernel, g[i].kernel_config);
    printf(", description ");
    print_config(g[i].described, g[i].desc_config);
    printf("\n");
  }
}

/* Other PMU users and the system-wide leases: what may take counters. */
static void describe_users(void)
{
  pmux_pmu_users_t u;
  if (pmux_pmu_users_scan(&u)) {
    printf("other PMU users: unknown (%s)\n", pmux_errmsg());
  } else {
    printf("other PMU users: %s\n", u.n ? "" : "none found");
    for (int i = 0; i < u.n; i++) {
      if (u.user[i].pid)
        printf("  pid %d (%s): %s\n", (int)u.user[i].pid, u.user[i].comm,
               u.user[i].what);
      else
        printf("  %s\n", u.user[i].what);
    }
    printf("  evidence: %s\n", u.evidence);
  }
  pmux_lease_holder_t h[64];
  int n = pmux_lease_holders(NULL, 0, h, 64);
  if (n > 0)
    for (int i = 0; i < n; i++)
      printf("system-wide lease: CPU %d held by pmux pid %d (uid %u, '%s')\n",
             h[i].cpu, (int)h[i].pid, (unsigned)h[i].uid, h[i].cmd);
  else if (n == 0)
    printf("system-wide leases: none\n");
  else
    printf("system-wide leases: unknown (%s)\n", pmux_strerror(n));
  pmux_lease_holder_t w;
  n = pmux_lease_nmi_holder(&w);
  if (n > 0 && w.nmi_old < 0) /* its lease file deleted: no record */
    printf("NMI watchdog lease: held by pmux pid %d (uid %u, '%s'), which "
           "disabled it; its lease file was deleted, with the value it "
           "writes back at its end\n",
           (int)w.pid, (unsigned)w.uid, w.cmd);
  else if (n > 0)
    printf("NMI watchdog lease: held by pmux pid %d (uid %u, '%s'), which "
           "disabled it: kernel.nmi_watchdog goes back to %d at its end\n",
           (int)w.pid, (unsigned)w.uid, w.cmd, w.nmi_old);
  else if (n == 0 && (n = pmux_lease_nmi_stale(&w)) > 0)
    printf("NMI watchdog lease: stale: pmux pid %d (uid %u, '%s') disabled "
           "it and ended without restoring it; the next pmux session "
           "writes back %d\n",
           (int)w.pid, (unsigned)w.uid, w.cmd, w.nmi_old);
  else if (n == 0)
    printf("NMI watchdog lease: none\n");
  else if (n == PMUX_EFILE)
    printf("NMI watchdog lease: %s\n", pmux_errmsg());
  else
    printf("NMI watchdog lease: unknown (%s)\n", pmux_strerror(n));
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
    cli_error("info", "unexpected argument '%s'", argv[optind]);
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
  if (hi.pmu)
    printf("pmux description: %s\n", pmux_pmu_name(hi.pmu));
  else if (*hi.no_desc)
    printf("pmux description: none for this CPU: %s (see --pmu)\n",
           hi.no_desc);
  else
    printf("pmux description: none for this CPU (see --pmu)\n");
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
    describe_generics(hi.pmu);
  }
  printf("\n");
  describe_users();
  return PMUX_EXIT_OK;
}
