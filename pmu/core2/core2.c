/*
 * core2.c - Intel Core microarchitecture: what the data cannot say.
 * Probe: GenuineIntel family 6, models 0x0f (Merom), 0x16 (Merom-L),
 * 0x17 (Penryn) and 0x1d (Dunnington), per the SDM's list of processors
 * based on the Intel Core microarchitecture.  No quirk is applied.
 */
#include <string.h>

#include "pmu_desc.h"

static int core2_probe(const struct pmux_pmu *pmu)
{
  (void)pmu;
  struct pmux__cpuid id;
  if (pmux__host_cpuid(&id) || strcmp(id.vendor, "GenuineIntel") ||
      id.family != 6)
    return 0;
  return id.model == 0x0f || id.model == 0x16 || id.model == 0x17 ||
         id.model == 0x1d;
}

const struct pmux__family pmux__family_core2 = {
    .name = "core2",
    .probe = core2_probe,
};
