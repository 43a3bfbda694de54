/*
 * pmu_host.c - facts about this host's PMU: CPUID (vendor, family, model,
 * leaf 0xA architectural perfmon sizes), /proc/cpuinfo (MIPS, POWER), the
 * kernel's PMUs in /sys/bus/event_source/devices, whether perf_event_open of
 * PERF_COUNT_HW_INSTRUCTIONS works, and libpfm4's idea of the core PMU.
 * `pmux info` prints them; pmux_pmu_host() refuses when there is no
 * hardware PMU, saying why.  /proc and /sys are read under PMUX_SYSROOT
 * (sysroot.c), so tests can present another host's files.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <perfmon/pfmlib.h>

#include "pmu_desc.h"
#include "sysroot.h"

int pmux__host_cpuid(struct pmux__cpuid *out)
{
  memset(out, 0, sizeof(*out));
#if defined(__x86_64__) || defined(__i386__)
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d))
    return -ENOTSUP;
  unsigned max = a;
  memcpy(out->vendor, &b, 4);
  memcpy(out->vendor + 4, &d, 4);
  memcpy(out->vendor + 8, &c, 4);
  out->vendor[12] = 0;
  __get_cpuid(1, &a, &b, &c, &d);
  unsigned fam = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
  if (fam == 0xf)
    fam += (a >> 20) & 0xff; /* extended family */
  if (fam == 0x6 || fam >= 0xf)
    model |= ((a >> 16) & 0xf) << 4; /* extended model */
  out->family = fam;
  out->model = model;
  out->stepping = a & 0xf;
  if (max >= 0xa && !strcmp(out->vendor, "GenuineIntel")) {
    __cpuid_count(0xa, 0, a, b, c, d);
    out->perfmon_version = a & 0xff;        /* EAX[7:0] */
    out->gp = (a >> 8) & 0xff;              /* EAX[15:8] */
    out->gp_width = (a >> 16) & 0xff;       /* EAX[23:16] */
    out->fixed = d & 0x1f;                  /* EDX[4:0] */
    out->fixed_width = (d >> 5) & 0xff;     /* EDX[12:5] */
  }
  out->valid = 1;
  return 0;
#else
  return -ENOTSUP;
#endif
}

int pmux__cpuinfo_field(const char *key, char *buf, size_t len)
{
  FILE *f = pmux__sys_fopen("/proc/cpuinfo", "re");
  if (!f)
    return -errno;
  char line[512];
  int err = -ENOENT;
  size_t kl = strlen(key);
  while (fgets(line, sizeof(line), f)) {
    if (strncasecmp(line, key, kl))
      continue;
    char *p = line + kl;
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p != ':')
      continue;
    p++;
    while (*p == ' ')
      p++;
    p[strcspn(p, "\n")] = 0;
    snprintf(buf, len, "%s", p);
    err = 0;
    break;
  }
  fclose(f);
  return err;
}

static int has_dir(const char *path)
{
  struct stat st;
  return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* The kernel's PMUs, and whether one of them is the CPU's. */
static int probe_kernel(char *ev, size_t len)
{
  static const char *const core_pmus[] = {"cpu", "cpu_core", "cpu_atom",
                                          "armv8_pmuv3_0"};
  const char *dir = "/sys/bus/event_source/devices";
  char root[1024];
  pmux__sys_path(root, sizeof(root), dir);
  int hw = 0;
  size_t off = 0;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(core_pmus); i++) {
    char p[1100];
    snprintf(p, sizeof(p), "%.1000s/%s", root, core_pmus[i]);
    if (has_dir(p)) {
      hw = 1;
      off += (size_t)snprintf(ev + off, len - off, "%s has '%s'", dir,
                              core_pmus[i]);
      break;
    }
  }
  if (!hw)
    off += (size_t)snprintf(ev + off, len - off, "%s has no 'cpu' PMU", dir);
  if (off >= len)
    return hw;
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.size = sizeof(attr);
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = PERF_COUNT_HW_INSTRUCTIONS;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
  if (fd >= 0) {
    close((int)fd);
    snprintf(ev + off, len - off, "; perf_event_open(PERF_COUNT_HW_"
             "INSTRUCTIONS) succeeds");
    hw = 1;
  } else {
    int e = errno;
    snprintf(ev + off, len - off, "; perf_event_open(PERF_COUNT_HW_"
             "INSTRUCTIONS) fails with %s (%s)",
             e == ENOENT ? "ENOENT" : e == EOPNOTSUPP ? "EOPNOTSUPP"
             : e == EACCES ? "EACCES" : e == EPERM ? "EPERM" : "an error",
             strerror(e));
    /* EACCES/EPERM: a PMU exists, this user may not use it */
    if (e != EACCES && e != EPERM)
      hw = 0;
  }
  return hw;
}

static void pfm_core_pmu(char *name, size_t nl, char *desc, size_t dl)
{
  name[0] = desc[0] = 0;
  if (pmux__pfm_init())
    return;
  pfm_pmu_info_t pi;
  pfm_pmu_t p;
  pfm_for_all_pmus(p)
  {
    memset(&pi, 0, sizeof(pi));
    pi.size = sizeof(pi);
    if (pfm_get_pmu_info(p, &pi) != PFM_SUCCESS || !pi.is_present)
      continue;
    if (pi.type != PFM_PMU_TYPE_CORE || !strcmp(pi.name, "perf") ||
        !strcmp(pi.name, "perf_raw"))
      continue;
    snprintf(name, nl, "%s", pi.name);
    snprintf(desc, dl, "%s", pi.desc);
    return;
  }
}

int pmux_pmu_host_info(pmux_pmu_host_info_t *out)
{
  if (!out)
    return pmux__fail(-EINVAL, "pmux_pmu_host_info: NULL argument");
  memset(out, 0, sizeof(*out));
  struct pmux__cpuid id;
  char model[96] = "";
  pmux__cpuinfo_field("model name", model, sizeof(model));
  if (!pmux__host_cpuid(&id)) {
    int n = snprintf(out->cpu, sizeof(out->cpu),
                     "%s family %#x model %#x stepping %u", id.vendor,
                     id.family, id.model, id.stepping);
    if (id.perfmon_version && n > 0 && (size_t)n < sizeof(out->cpu))
      n += snprintf(out->cpu + n, sizeof(out->cpu) - (size_t)n,
                    ", arch perfmon v%u (%u x %u-bit generic, %u x %u-bit "
                    "fixed)", id.perfmon_version, id.gp, id.gp_width,
                    id.fixed, id.fixed_width);
    if (*model && n > 0 && (size_t)n < sizeof(out->cpu))
      snprintf(out->cpu + n, sizeof(out->cpu) - (size_t)n, ": %s", model);
  } else {
    char cpu[96] = "";
    if (pmux__cpuinfo_field("cpu model", cpu, sizeof(cpu)) &&
        pmux__cpuinfo_field("cpu", cpu, sizeof(cpu)))
      snprintf(cpu, sizeof(cpu), "unknown");
    snprintf(out->cpu, sizeof(out->cpu), "%s", cpu);
  }
  pfm_core_pmu(out->pfm_pmu, sizeof(out->pfm_pmu), out->pfm_desc,
               sizeof(out->pfm_desc));
  out->hw_pmu = probe_kernel(out->evidence, sizeof(out->evidence));
  const pmux_pmu_t *p;
  int err = pmux__pmu_host_desc(&p);
  if (!err)
    out->pmu = p;
  else if (err != PMUX_ENOPMU)
    return err; /* a broken description (PMUX_PMU_PATH), named */
  else if (!pmux__host_cpuid(&id))
    pmux__pmu_family_unknown(&id, out->no_desc, sizeof(out->no_desc));
  return 0;
}

int pmux_pmu_host(const pmux_pmu_t **out)
{
  if (!out)
    return pmux__fail(-EINVAL, "pmux_pmu_host: NULL argument");
  *out = NULL;
  pmux_pmu_host_info_t hi;
  pmux_pmu_host_info(&hi);
  if (!hi.hw_pmu)
    return pmux__fail(PMUX_ENOPMU, "no hardware PMU: software events only "
                      "(%s); name a PMU with --pmu to plan for one",
                      hi.evidence);
  if (!hi.pmu)
    return pmux__fail(PMUX_ENOPMU, "no pmux description for this CPU (%s%s%s%s%s);"
                      " name one with --pmu", hi.cpu,
                      *hi.pfm_pmu ? ", libpfm4: " : "", hi.pfm_pmu,
                      *hi.no_desc ? "; " : "", hi.no_desc);
  *out = hi.pmu;
  return 0;
}
