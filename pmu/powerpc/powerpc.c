/*
 * powerpc.c - IBM POWER: the probe reads "cpu" in /proc/cpuinfo ("POWER8E
 * (raw), altivec supported", "POWER9 (architected), altivec supported" in a
 * QEMU pseries guest, "POWER10 (architected)") and matches the description's
 * name (power9 -> "POWER9", not "POWER90"); the kernel's sysfs
 * caps/pmu_name says the same ("POWER9").  No quirk is applied: the
 * kernel's scheduling rules are data in the descriptions (<refuse>, <share>,
 * <alternative>; docs/pmu-description.md).
 */
#include <string.h>
#include <strings.h>

#include "pmu_desc.h"

static int power_probe(const struct pmux_pmu *pmu)
{
  char cpu[128];
  if (pmux__cpuinfo_field("cpu", cpu, sizeof(cpu)))
    return 0;
  size_t n = strlen(pmu->name);
  /* "POWER8" but not "POWER80": the next character is no digit */
  return !strncasecmp(cpu, pmu->name, n) && !(cpu[n] >= '0' && cpu[n] <= '9');
}

const struct pmux__family pmux__family_powerpc = {
    .name = "powerpc",
    .probe = power_probe,
};
