/*
 * amd64.c - AMD64 families: the probe (CPUID family: 0x0f K8, 0x10 Fam10h,
 * 0x17 Fam17h) picks the description whose name matches.  Later families
 * (0x19 and up) have no description here: libpfm4 still knows them on the
 * host.  No quirk is applied.
 */
#include <string.h>

#include "pmu_desc.h"

static int amd64_probe(const struct pmux_pmu *pmu)
{
  struct pmux__cpuid id;
  if (pmux__host_cpuid(&id) || strcmp(id.vendor, "AuthenticAMD"))
    return 0;
  if (!strcmp(pmu->name, "amd64_k8"))
    return id.family == 0x0f;
  if (!strcmp(pmu->name, "amd64_fam10h"))
    return id.family == 0x10;
  if (!strcmp(pmu->name, "amd64_fam17h"))
    return id.family == 0x17;
  return 0;
}

const struct pmux__family pmux__family_amd64 = {
    .name = "amd64",
    .probe = amd64_probe,
};
