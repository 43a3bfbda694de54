/*
 * pmu_desc.c - a loaded PMU description as data: lookups (counters by name
 * or kind, events by name), freeing, deep copies for variants, and the
 * counter list a family rewrites for a variant.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmu_desc.h"

/* ------------------------------------------------------------- lookups */

uint64_t pmux__pmu_mask(const struct pmux_pmu *pmu, int kind)
{
  uint64_t m = 0;
  for (int i = 0; i < pmu->ncounters; i++)
    if (kind < 0 || pmu->counters[i].kind == kind)
      m |= 1ull << i;
  return m;
}

int pmux__pmu_counter_index(const struct pmux_pmu *pmu, const char *name)
{
  for (int i = 0; i < pmu->ncounters; i++)
    if (!strcasecmp(pmu->counters[i].name, name))
      return i;
  return -1;
}

const struct pmux__event *pmux__pmu_event_find(const struct pmux_pmu *pmu,
                                               const char *name)
{
  for (int i = 0; i < pmu->nevents; i++)
    if (!strcasecmp(pmu->events[i].name, name))
      return &pmu->events[i];
  return NULL;
}

/* ------------------------------------------------------- free / clone */

static void free_event(struct pmux__event *e)
{
  free(e->name);
  free(e->desc);
  free(e->preset);
  free(e->alias_of);
  free(e->counters_spec);
  for (int u = 0; u < e->numasks; u++) {
    free(e->umasks[u].name);
    free(e->umasks[u].desc);
  }
  free(e->umasks);
}

void pmux__pmu_free(struct pmux_pmu *pmu)
{
  if (!pmu)
    return;
  free(pmu->name);
  free(pmu->desc);
  free(pmu->family);
  free(pmu->pfm);
  free(pmu->file);
  free(pmu->addr_space);
  free(pmu->watchdog_spec);
  free(pmu->pmc_field_name);
  for (int i = 0; i < pmu->naliases; i++)
    free(pmu->aliases[i]);
  free(pmu->aliases);
  for (int i = 0; i < pmu->ncounters; i++)
    free(pmu->counters[i].name);
  for (int i = 0; i < pmu->nfields; i++)
    free(pmu->fields[i].name);
  free(pmu->fields);
  free(pmu->codemaps);
  for (int i = 0; i < pmu->nmods; i++) {
    free(pmu->mods[i].name);
    free(pmu->mods[i].desc);
  }
  free(pmu->mods);
  for (int i = 0; i < pmu->ncons; i++)
    free(pmu->cons[i].counters_spec);
  free(pmu->cons);
  for (int i = 0; i < pmu->nevents; i++)
    free_event(&pmu->events[i]);
  free(pmu->events);
  for (int i = 0; i < pmu->nrefuses; i++)
    free(pmu->refuses[i].why);
  free(pmu->refuses);
  for (int i = 0; i < pmu->nshares; i++)
    free(pmu->shares[i].name);
  free(pmu->shares);
  free(pmu->alts);
  for (int i = 0; i < pmu->ngenerics; i++) {
    free(pmu->generics[i].name);
    free(pmu->generics[i].event);
  }
  free(pmu->generics);
  free(pmu);
}

static int dup_str(char **dst, const char *src)
{
  *dst = NULL;
  if (!src)
    return 0;
  *dst = strdup(src);
  return *dst ? 0 : -1;
}

/* *dst (a pointer to an array pointer) = a copy of n elements of size
 * bytes, NULL when n is 0; -1 when out of memory. */
static int dup_array(void *dst, const void *src, int n, size_t size)
{
  void **d = dst;
  *d = NULL;
  if (!n)
    return 0;
  *d = malloc((size_t)n * size);
  if (!*d)
    return -1;
  memcpy(*d, src, (size_t)n * size);
  return 0;
}

/* A clone starts as a copy of its source's values that owns nothing: every
 * pointer it would share is NULL and every array of them empty, so that
 * pmux__pmu_free() can take it wherever a copy fails. */
static void own_nothing(struct pmux_pmu *p)
{
  p->name = p->desc = p->family = p->pfm = p->file = p->addr_space = NULL;
  p->watchdog_spec = p->pmc_field_name = NULL;
  for (int i = 0; i < p->ncounters; i++)
    p->counters[i].name = NULL;
  p->aliases = NULL;
  p->fields = NULL;
  p->codemaps = NULL;
  p->mods = NULL;
  p->cons = NULL;
  p->events = NULL;
  p->refuses = NULL;
  p->shares = NULL;
  p->alts = NULL;
  p->generics = NULL;
  p->naliases = p->nfields = p->ncodemaps = p->nmods = p->ncons = 0;
  p->nevents = p->nrefuses = p->nshares = p->nalts = p->ngenerics = 0;
}

static int clone_strings(struct pmux_pmu *p, const struct pmux_pmu *src)
{
  int bad = dup_str(&p->name, src->name) | dup_str(&p->desc, src->desc) |
            dup_str(&p->family, src->family) | dup_str(&p->pfm, src->pfm) |
            dup_str(&p->file, src->file) |
            dup_str(&p->addr_space, src->addr_space) |
            dup_str(&p->watchdog_spec, src->watchdog_spec) |
            dup_str(&p->pmc_field_name, src->pmc_field_name);
  for (int i = 0; i < p->ncounters; i++)
    bad |= dup_str(&p->counters[i].name, src->counters[i].name);
  return bad;
}

static int clone_aliases(struct pmux_pmu *p, const struct pmux_pmu *src)
{
  if (!src->naliases)
    return 0;
  p->aliases = calloc((size_t)src->naliases, sizeof(char *));
  if (!p->aliases)
    return -1;
  p->naliases = src->naliases;
  int bad = 0;
  for (int i = 0; i < p->naliases; i++)
    bad |= dup_str(&p->aliases[i], src->aliases[i]);
  return bad;
}

static int clone_fields(struct pmux_pmu *p, const struct pmux_pmu *src)
{
  if (dup_array(&p->fields, src->fields, src->nfields, sizeof(*p->fields)))
    return -1;
  for (int i = 0; i < src->nfields; i++)
    p->fields[i].name = NULL;
  p->nfields = src->nfields;
  int bad = 0;
  for (int i = 0; i < p->nfields; i++)
    bad |= dup_str(&p->fields[i].name, src->fields[i].name);
  return bad;
}

static int clone_mods(struct pmux_pmu *p, const struct pmux_pmu *src)
{
  if (dup_array(&p->mods, src->mods, src->nmods, sizeof(*p->mods)))
    return -1;
  for (int i = 0; i < src->nmods; i++)
    p->mods[i].name = p->mods[i].desc = NULL;
  p->nmods = src->nmods;
  int bad = 0;
  for (int i = 0; i < p->nmods; i++)
    bad |= dup_str(&p->mods[i].name, src->mods[i].name) |
           dup_str(&p->mods[i].desc, src->mods[i].desc);
  return bad;
}

static int clone_cons(struct pmux_pmu *p, const struct pmux_pmu *src)
{
  if (dup_array(&p->cons, src->cons, src->ncons, sizeof(*p->cons)))
    return -1;
  for (int i = 0; i < src->ncons; i++)
    p->cons[i].counters_spec = NULL;
  p->ncons = src->ncons;
  int bad = 0;
  for (int i = 0; i < p->ncons; i++)
    bad |= dup_str(&p->cons[i].counters_spec, src->cons[i].counters_spec);
  return bad;
}

/* d: zeroed, or left for pmux__pmu_free() to free whatever it owns. */
static int clone_event(struct pmux__event *d, const struct pmux__event *s)
{
  *d = *s;
  d->name = d->desc = d->preset = d->alias_of = d->counters_spec = NULL;
  d->umasks = NULL;
  d->numasks = 0;
  int bad = dup_str(&d->name, s->name) | dup_str(&d->desc, s->desc) |
            dup_str(&d->preset, s->preset) |
            dup_str(&d->alias_of, s->alias_of) |
            dup_str(&d->counters_spec, s->counters_spec);
  if (dup_array(&d->umasks, s->umasks, s->numasks, sizeof(*d->umasks)))
    return -1;
  for (int u = 0; u < s->numasks; u++)
    d->umasks[u].name = d->umasks[u].desc = NULL;
  d->numasks = s->numasks;
  for (int u = 0; u < d->numasks; u++)
    bad |= dup_str(&d->umasks[u].name, s->umasks[u].name) |
           dup_str(&d->umasks[u].desc, s->umasks[u].desc);
  return bad;
}

static int clone_events(struct pmux_pmu *p, const struct pmux_pmu *src)
{
  if (!src->nevents)
    return 0;
  p->events = calloc((size_t)src->nevents, sizeof(*p->events));
  if (!p->events)
    return -1;
  p->nevents = src->nevents;
  int bad = 0;
  for (int i = 0; i < p->nevents; i++)
    bad |= clone_event(&p->events[i], &src->events[i]);
  return bad;
}

static int clone_refuses(struct pmux_pmu *p, const struct pmux_pmu *src)
{
  if (dup_array(&p->refuses, src->refuses, src->nrefuses,
                sizeof(*p->refuses)))
    return -1;
  for (int i = 0; i < src->nrefuses; i++)
    p->refuses[i].why = NULL;
  p->nrefuses = src->nrefuses;
  int bad = 0;
  for (int i = 0; i < p->nrefuses; i++)
    bad |= dup_str(&p->refuses[i].why, src->refuses[i].why);
  return bad;
}

static int clone_shares(struct pmux_pmu *p, const struct pmux_pmu *src)
{
  if (dup_array(&p->shares, src->shares, src->nshares, sizeof(*p->shares)))
    return -1;
  for (int i = 0; i < src->nshares; i++)
    p->shares[i].name = NULL;
  p->nshares = src->nshares;
  int bad = 0;
  for (int i = 0; i < p->nshares; i++)
    bad |= dup_str(&p->shares[i].name, src->shares[i].name);
  return bad;
}

static int clone_generics(struct pmux_pmu *p, const struct pmux_pmu *src)
{
  if (dup_array(&p->generics, src->generics, src->ngenerics,
                sizeof(*p->generics)))
    return -1;
  for (int i = 0; i < src->ngenerics; i++)
    p->generics[i].name = p->generics[i].event = NULL;
  p->ngenerics = src->ngenerics;
  int bad = 0;
  for (int i = 0; i < p->ngenerics; i++)
    bad |= dup_str(&p->generics[i].name, src->generics[i].name) |
           dup_str(&p->generics[i].event, src->generics[i].event);
  return bad;
}

/* The arrays of plain values: codemaps and alternatives. */
static int clone_values(struct pmux_pmu *p, const struct pmux_pmu *src)
{
  if (dup_array(&p->codemaps, src->codemaps, src->ncodemaps,
                sizeof(*p->codemaps)))
    return -1;
  p->ncodemaps = src->ncodemaps;
  if (dup_array(&p->alts, src->alts, src->nalts, sizeof(*p->alts)))
    return -1;
  p->nalts = src->nalts;
  return 0;
}

int pmux__pmu_clone(const struct pmux_pmu *src, struct pmux_pmu **out)
{
  *out = NULL;
  struct pmux_pmu *p = calloc(1, sizeof(*p));
  if (!p)
    return -ENOMEM;
  *p = *src;
  own_nothing(p);
  if (clone_strings(p, src) || clone_aliases(p, src) ||
      clone_fields(p, src) || clone_mods(p, src) || clone_cons(p, src) ||
      clone_events(p, src) || clone_refuses(p, src) ||
      clone_shares(p, src) || clone_values(p, src) ||
      clone_generics(p, src)) {
    pmux__pmu_free(p);
    return -ENOMEM;
  }
  *out = p;
  return 0;
}

int pmux__pmu_set_counter(struct pmux_pmu *pmu, int i, const char *name,
                          int kind, unsigned width, uint64_t addr)
{
  if (i < 0 || i >= PMUX__PMU_MAX_COUNTERS)
    return -EINVAL;
  char *n = strdup(name);
  if (!n)
    return -ENOMEM;
  if (i >= pmu->ncounters) {
    for (int j = pmu->ncounters; j < i; j++)
      pmu->counters[j].name = NULL;
    pmu->ncounters = i + 1;
  } else {
    free(pmu->counters[i].name);
  }
  pmu->counters[i].name = n;
  pmu->counters[i].kind = kind;
  pmu->counters[i].width = width;
  pmu->counters[i].addr = addr;
  return 0;
}

/* perf's generic hardware events (include/uapi/linux/perf_event.h's
 * PERF_COUNT_HW_*), as perf spells them, their other spellings, and the
 * kernel's name of each in sysfs (events/). */
static const char *const perf_generics[][3] = {
    {"cycles", "cpu-cycles", "cpu-cycles"},
    {"instructions", NULL, "instructions"},
    {"cache-references", NULL, "cache-references"},
    {"cache-misses", NULL, "cache-misses"},
    {"branches", "branch-instructions", "branch-instructions"},
    {"branch-misses", NULL, "branch-misses"},
    {"bus-cycles", NULL, "bus-cycles"},
    {"stalled-cycles-frontend", "idle-cycles-frontend",
     "stalled-cycles-frontend"},
    {"stalled-cycles-backend", "idle-cycles-backend",
     "stalled-cycles-backend"},
    {"ref-cycles", NULL, "ref-cycles"},
};

const char *pmux__perf_generic_at(int i, const char **sysfs_name)
{
  if (i < 0 || (size_t)i >= PMUX_ARRAY_SIZE(perf_generics))
    return NULL;
  *sysfs_name = perf_generics[i][2];
  return perf_generics[i][0];
}

const char *pmux__perf_generic_name(const char *name)
{
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(perf_generics); i++)
    for (int k = 0; k < 2; k++) /* perf's spellings, not sysfs's */
      if (perf_generics[i][k] && !strcasecmp(name, perf_generics[i][k]))
        return perf_generics[i][0];
  return NULL;
}

const struct pmux__generic *pmux__pmu_generic_find(const struct pmux_pmu *pmu,
                                                   const char *name)
{
  const char *canonical = pmux__perf_generic_name(name);
  for (int i = 0; canonical && i < pmu->ngenerics; i++)
    if (!strcmp(pmu->generics[i].name, canonical))
      return &pmu->generics[i];
  return NULL;
}
