/*
 * powerpc.c - IBM POWER: the probe reads "cpu" in /proc/cpuinfo ("POWER8E
 * (raw), altivec supported") and matches the description's name (power8 ->
 * "POWER8").  No quirk is applied.
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
