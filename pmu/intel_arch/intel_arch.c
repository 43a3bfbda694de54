/*
 * intel_arch.c - Intel architectural perfmon: the counters are not data but
 * CPUID leaf 0xA (EAX: version, generic counters and their width; EDX:
 * fixed counters and their width).  instantiate() rewrites the template's
 * counters from the host's CPUID, or from "v=3,gp=4,fixed=3,width=48"
 * (fixed_width= too) for planning offline.  Version 1 has no fixed
 * counters; AnyThread (bit 21, modifier t) exists from version 3 on, so
 * below that the field becomes reserved.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmu_desc.h"

static int intel_arch_probe(const struct pmux_pmu *pmu)
{
  (void)pmu;
  struct pmux__cpuid id;
  return !pmux__host_cpuid(&id) && !strcmp(id.vendor, "GenuineIntel") &&
         id.perfmon_version >= 1 && id.gp >= 1;
}

struct arch_params {
  unsigned v, gp, fixed, width, fixed_width;
};

static int parse_params(const char *s, struct arch_params *p)
{
  char buf[128];
  snprintf(buf, sizeof(buf), "%s", s);
  int fw_given = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq)
      return pmux__fail(PMUX_ENOPMU, "intel_arch: parameter '%s' is not "
                        "KEY=VALUE", tok);
    *eq = 0;
    char *end;
    unsigned long v = strtoul(eq + 1, &end, 10);
    if (!eq[1] || *end)
      return pmux__fail(PMUX_ENOPMU, "intel_arch: %s=%s is not a number",
                        tok, eq + 1);
    if (!strcmp(tok, "v") && v >= 1 && v <= 5)
      p->v = (unsigned)v;
    else if (!strcmp(tok, "gp") && v >= 1 && v <= 16)
      p->gp = (unsigned)v;
    else if (!strcmp(tok, "fixed") && v <= 8)
      p->fixed = (unsigned)v;
    else if (!strcmp(tok, "width") && v >= 32 && v <= 64)
      p->width = (unsigned)v;
    else if (!strcmp(tok, "fixed_width") && v >= 32 && v <= 64)
      p->fixed_width = (unsigned)v, fw_given = 1;
    else
      return pmux__fail(PMUX_ENOPMU, "intel_arch: bad parameter %s=%s (v=1..5,"
                        " gp=1..16, fixed=0..8, width=32..64, "
                        "fixed_width=32..64)", tok, eq + 1);
  }
  if (!fw_given)
    p->fixed_width = p->width;
  return 0;
}

/* tok without the blank space around it, as the loader reads a list. */
static char *trim(char *tok)
{
  while (isspace((unsigned char)*tok))
    tok++;
  size_t n = strlen(tok);
  while (n && isspace((unsigned char)tok[n - 1]))
    tok[--n] = 0;
  return tok;
}

/* Drop counter names a constraint lists that the variant lacks. */
static int trim_constraints(struct pmux_pmu *p)
{
  int k = 0;
  for (int i = 0; i < p->ncons; i++) {
    struct pmux__constraint *c = &p->cons[i];
    char out[256] = "";
    size_t off = 0;
    char spec[256];
    snprintf(spec, sizeof(spec), "%s", c->counters_spec);
    for (char *save = NULL, *tok = strtok_r(spec, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
      tok = trim(tok); /* " FIXED2" names FIXED2: a row is not dropped */
      if (strcmp(tok, "generic") && strcmp(tok, "fixed") &&
          strcmp(tok, "all") && pmux__pmu_counter_index(p, tok) < 0)
        continue;
      off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s",
                              off ? "," : "", tok);
    }
    if (!off) { /* e.g. reference cycles without FIXED2 */
      free(c->counters_spec);
      continue;
    }
    char *n = strdup(out);
    if (!n)
      return -ENOMEM;
    free(c->counters_spec);
    c->counters_spec = n;
    p->cons[k++] = *c;
  }
  p->ncons = k;
  return 0;
}

/* Version < 3: no AnyThread; its field becomes reserved. */
static void drop_any(struct pmux_pmu *p)
{
  int f = -1;
  for (int i = 0; i < p->nfields; i++)
    if (!strcmp(p->fields[i].name, "any"))
      f = i;
  if (f < 0)
    return;
  int k = 0;
  for (int i = 0; i < p->nmods; i++) {
    if (p->mods[i].field == f) {
      free(p->mods[i].name);
      free(p->mods[i].desc);
      continue;
    }
    if (p->mods[i].field > f)
      p->mods[i].field--;
    p->mods[k++] = p->mods[i];
  }
  p->nmods = k;
  p->reserved |= ((1ull << p->fields[f].width) - 1) << p->fields[f].lsb;
  free(p->fields[f].name);
  memmove(&p->fields[f], &p->fields[f + 1],
          (size_t)(p->nfields - f - 1) * sizeof(p->fields[0]));
  p->nfields--;
}

static int intel_arch_instantiate(const struct pmux_pmu *tmpl,
                                  const char *params, struct pmux_pmu **out)
{
  *out = NULL;
  struct arch_params ap = {.v = 3, .gp = 4, .fixed = 3, .width = 48};
  if (params) {
    int err = parse_params(params, &ap);
    if (err)
      return err;
  } else {
    struct pmux__cpuid id;
    if (pmux__host_cpuid(&id) || !id.perfmon_version)
      return pmux__fail(PMUX_ENOPMU, "intel_arch: this CPU has no CPUID "
                        "leaf 0xA; name a variant (intel_arch:v=3,gp=4,"
                        "fixed=3,width=48)");
    ap.v = id.perfmon_version;
    ap.gp = id.gp > 16 ? 16 : id.gp;
    ap.fixed = id.fixed > 8 ? 8 : id.fixed;
    ap.width = id.gp_width;
    ap.fixed_width = id.fixed_width ? id.fixed_width : id.gp_width;
  }
  if (ap.v < 2)
    ap.fixed = 0; /* fixed counters arrive with version 2 */
  struct pmux_pmu *p;
  int err = pmux__pmu_clone(tmpl, &p);
  if (err)
    return err;
  for (int i = 0; i < p->ncounters; i++)
    free(p->counters[i].name);
  p->ncounters = 0;
  char name[32];
  for (unsigned i = 0; i < ap.gp && !err; i++) {
    snprintf(name, sizeof(name), "PMC%u", i);
    err = pmux__pmu_set_counter(p, (int)i, name, PMUX__CNT_GENERIC, ap.width,
                                0xc1 + i);
  }
  for (unsigned i = 0; i < ap.fixed && !err; i++) {
    snprintf(name, sizeof(name), "FIXED%u", i);
    err = pmux__pmu_set_counter(p, (int)(ap.gp + i), name, PMUX__CNT_FIXED,
                                ap.fixed_width, 0x309 + i);
  }
  if (!err && ap.v < 3)
    drop_any(p);
  if (!err)
    err = trim_constraints(p);
  if (!err && p->watchdog_spec &&
      pmux__pmu_counter_index(p, p->watchdog_spec) < 0) {
    free(p->watchdog_spec); /* no FIXED1: the watchdog takes a generic one */
    p->watchdog_spec = strdup("PMC0");
    if (!p->watchdog_spec)
      err = -ENOMEM;
  }
  /* named after its template: an override from PMUX_PMU_PATH may be
   * called otherwise */
  char full[160];
  int fl = snprintf(full, sizeof(full), "%s:v=%u,gp=%u,fixed=%u,width=%u",
                    tmpl->name, ap.v, ap.gp, ap.fixed, ap.width);
  /* fixed counters of another width: the name is this variant's */
  if (ap.fixed && ap.fixed_width != ap.width && fl > 0 &&
      (size_t)fl < sizeof(full))
    snprintf(full + fl, sizeof(full) - (size_t)fl, ",fixed_width=%u",
             ap.fixed_width);
  if (!err) {
    char *n = strdup(full);
    if (!n)
      err = -ENOMEM;
    else {
      free(p->name);
      p->name = n;
    }
  }
  if (!err)
    err = pmux__pmu_finalize(p);
  if (err) {
    pmux__pmu_free(p);
    return err;
  }
  *out = p;
  return 0;
}

const struct pmux__family pmux__family_intel_arch = {
    .name = "intel_arch",
    .probe = intel_arch_probe,
    .instantiate = intel_arch_instantiate,
};
