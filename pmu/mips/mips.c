/*
 * mips.c - MIPS32 cores: the probe reads "cpu model" in /proc/cpuinfo
 * ("MIPS 74Kc V4.12" and the like) and matches the description's name
 * (mips74k -> "74K").  No quirk is applied.
 */
#include <string.h>
#include <strings.h>

#include "pmu_desc.h"

static int mips_probe(const struct pmux_pmu *pmu)
{
  char model[128];
  if (pmux__cpuinfo_field("cpu model", model, sizeof(model)))
    return 0;
  const char *core = pmu->name + (strncmp(pmu->name, "mips", 4) ? 0 : 4);
  return strncasecmp(model, "MIPS ", 5) == 0 &&
         strncasecmp(model + 5, core, strlen(core)) == 0;
}

const struct pmux__family pmux__family_mips = {
    .name = "mips",
    .probe = mips_probe,
};
