/*
 * amd64.c - AMD64 families: the probe (CPUID family: 0x0f K8, 0x10 Fam10h,
 * 0x17 Fam17h, 0x19 Zen 3 or Zen 4 by model) picks the description whose
 * name matches.  No quirk is applied.
 *
 * Family 0x19 holds two core PMUs.  The model ranges are the Linux kernel's
 * (arch/x86/kernel/cpu/amd.c, X86_FEATURE_ZEN3/ZEN4): Zen 3 is 0x00-0x0f
 * and 0x20-0x5f, Zen 4 is 0x10-0x1f and 0x60-0xaf.  libpfm4 4.13 splits
 * Zen 3 the same way but knows Zen 4 only as model 0x11.  Any other 0x19
 * model matches neither: amd64_unknown() says so rather than guessing.
 */
#include <stdio.h>
#include <string.h>

#include "pmu_desc.h"

static int is_zen3(unsigned model)
{
  return model <= 0x0f || (model >= 0x20 && model <= 0x5f);
}

static int is_zen4(unsigned model)
{
  return (model >= 0x10 && model <= 0x1f) || (model >= 0x60 && model <= 0xaf);
}

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
  if (!strcmp(pmu->name, "amd64_zen3"))
    return id.family == 0x19 && is_zen3(id.model);
  if (!strcmp(pmu->name, "amd64_zen4"))
    return id.family == 0x19 && is_zen4(id.model);
  return 0;
}

static int amd64_unknown(const struct pmux__cpuid *id, char *buf, size_t len)
{
  if (strcmp(id->vendor, "AuthenticAMD") || id->family != 0x19 ||
      is_zen3(id->model) || is_zen4(id->model))
    return 0;
  snprintf(buf, len, "AMD family 0x19 model %#x is neither a Zen 3 "
           "(0x00-0x0f, 0x20-0x5f) nor a Zen 4 (0x10-0x1f, 0x60-0xaf) model",
           id->model);
  return 1;
}

const struct pmux__family pmux__family_amd64 = {
    .name = "amd64",
    .probe = amd64_probe,
    .unknown = amd64_unknown,
};
