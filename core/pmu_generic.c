/*
 * pmu_generic.c - perf's generic events on this host: the map the kernel
 * uses, as sysfs publishes it (events/cpu-cycles holds "event=0x3c", whose
 * terms format/event places in config), against the description's
 * <generic> rows.  The kernel's map changes with its version (AMD's for
 * Zen 2 on, in Linux 6.9), while pmux plans generic events by the
 * description: `pmux info` says where the two disagree.  Reads go through
 * the sysroot, so tests can present a kernel's files.  A hybrid Intel CPU
 * has no "cpu" PMU but "cpu_core" (its P cores) and "cpu_atom" (its E
 * cores), each with its own map: the P cores' is read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pmu_desc.h"
#include "sysroot.h"

#define PMUS "/sys/bus/event_source/devices/"

/* The kernel's CPU PMU: "cpu", or a hybrid's P cores' "cpu_core". */
static const char *cpu_pmu(void)
{
  char path[1024];
  struct stat st;
  if (stat(pmux__sys_path(path, sizeof(path), PMUS "cpu"), &st) &&
      !stat(pmux__sys_path(path, sizeof(path), PMUS "cpu_core"), &st))
    return "cpu_core";
  return "cpu";
}

/* The first line of sysroot + path, without its newline; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
  FILE *f = pmux__sys_fopen(path, "re");
  if (!f)
    return -1;
  char *ok = fgets(buf, (int)len, f);
  fclose(f);
  if (!ok)
    return -1;
  buf[strcspn(buf, "\n")] = 0;
  return 0;
}

/*
 * Place value in *config as format/TERM says ("config:0-7,32-35": its low
 * bits in 0-7, the next in 32-35; "config:21": one bit).  0, or -1 when the
 * term has no format, or one outside config (config1, config2), or one
 * that does not parse, or a value wider than its bits.
 */
static int place_term(const char *pmu, const char *term, uint64_t value,
                      uint64_t *config)
{
  char path[256], fmt[128];
  snprintf(path, sizeof(path), PMUS "%s/format/%s", pmu, term);
  if (read_line(path, fmt, sizeof(fmt)) || strncmp(fmt, "config:", 7))
    return -1;
  int used = 0;
  for (char *r = fmt + 7; *r;) {
    char *end;
    long lo = strtol(r, &end, 10), hi = lo;
    if (end == r)
      return -1;
    if (*end == '-')
      hi = strtol(end + 1, &end, 10);
    if (lo < 0 || hi < lo || hi > 63 || (*end && *end != ','))
      return -1;
    for (long b = lo; b <= hi; b++, used++)
      if (used < 64 && (value >> used & 1))
        *config |= 1ull << b;
    r = *end ? end + 1 : end;
  }
  return used < 64 && (value >> used) ? -1 : 0;
}

/* events/NAME as a config: 1 published, 0 not, -1 not understood. */
static int kernel_config(const char *pmu, const char *name,
                         uint64_t *config)
{
  char path[256], line[256];
  snprintf(path, sizeof(path), PMUS "%s/events/%s", pmu, name);
  if (read_line(path, line, sizeof(line)))
    return 0;
  *config = 0;
  for (char *save = NULL, *t = strtok_r(line, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(t, '=');
    uint64_t v = 1; /* a bare term ("inv") is term=1 */
    if (eq) {
      *eq = 0;
      char *end;
      v = strtoull(eq + 1, &end, 0);
      if (end == eq + 1 || *end)
        return -1;
    }
    if (place_term(pmu, t, v, config))
      return -1;
  }
  return 1;
}

int pmux_pmu_generic_check(const pmux_pmu_t *pmu, pmux_generic_check_t *out,
                           int max)
{
  if (!pmu || (!out && max))
    return pmux__fail(-EINVAL, "pmux_pmu_generic_check: NULL argument");
  int n = 0;
  const char *name, *sysfs_name, *pmu_dir = cpu_pmu();
  while (n < max && (name = pmux__perf_generic_at(n, &sysfs_name))) {
    pmux_generic_check_t *c = &out[n++];
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->kernel_pmu, sizeof(c->kernel_pmu), "%s", pmu_dir);
    c->kernel = kernel_config(pmu_dir, sysfs_name, &c->kernel_config);
    pmux_pmu_event_t e;
    c->described = pmux__pmu_generic_find(pmu, c->name) &&
                   !pmux_pmu_encode(pmu, c->name, &e);
    if (c->described)
      c->desc_config = e.perf_config;
  }
  pmux__clear_error();
  return n;
}
