/*
 * fuzz_pmu_desc.c - libFuzzer target for the PMU description loader
 * (core/pmu_load.c, expat): any input is rejected with PMUX_EDESC or loads
 * into a description that passes its own consistency check; a loaded one
 * then goes through the encoder (every event, a raw code, modifiers) and
 * counter assignment / splitting, and intel_arch ones through a variant.
 * Never a crash, a leak or undefined behaviour.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pmu_desc.h"

/* The probes are not exercised: no host facts. */
int pmux__host_cpuid(struct pmux__cpuid *out)
{
  memset(out, 0, sizeof(*out));
  return -1;
}

int pmux__cpuinfo_field(const char *key, char *buf, size_t len)
{
  (void)key, (void)buf, (void)len;
  return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct pmux_pmu *p = NULL;
  int err = pmux__pmu_load_buffer((const char *)data, size, "fuzz.xml", &p);
  if (err) {
    if (p || err != PMUX_EDESC)
      __builtin_trap();
    return 0;
  }
  if (pmux__pmu_finalize(p))
    __builtin_trap();
  pmux_pmu_event_t ev[16];
  int n = 0;
  static const char *const suffix[] = {"", ":u", ":k:e", ":c=3", ":x"};
  for (int i = 0; i < p->nevents && i < 64; i++) {
    char name[600];
    snprintf(name, sizeof(name), "%s%s", p->events[i].name, suffix[i % 5]);
    if (!pmux_pmu_encode(p, name, &ev[n]) && n < 15)
      n++;
    if (p->events[i].numasks) {
      snprintf(name, sizeof(name), "%s:%s", p->events[i].name,
               p->events[i].umasks[0].name);
      pmux_pmu_event_t e;
      pmux_pmu_encode(p, name, &e);
    }
  }
  if (!pmux_pmu_encode(p, "r1234", &ev[n]))
    n++;
  int counter[16], set_of[16];
  pmux_pmu_assign(p, ev, n, ~0ull, counter);
  pmux_pmu_split(p, ev, n, ~1ull, set_of);
  if (p->fam && p->fam->instantiate) {
    struct pmux_pmu *v = NULL;
    if (!p->fam->instantiate(p, "v=2,gp=3,fixed=1,width=40", &v))
      pmux__pmu_free(v);
  }
  pmux__pmu_free(p);
  return 0;
}
