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

static void *dup_mem(const void *src, size_t n, size_t size)
{
  if (!n)
    return NULL;
  void *p = malloc(n * size);
  if (p)
    memcpy(p, src, n * size);
  return p;
}

int pmux__pmu_clone(const struct pmux_pmu *src, struct pmux_pmu **out)
{
  *out = NULL;
  struct pmux_pmu *p = calloc(1, sizeof(*p));
  if (!p)
    return -ENOMEM;
  *p = *src;
  /* Null every owned pointer first so that a failure can free safely. */
  p->name = p->desc = p->family = p->pfm = p->file = p->addr_space = NULL;
  p->watchdog_spec = p->pmc_field_name = NULL;
  p->aliases = NULL;
  p->fields = NULL;
  p->codemaps = NULL;
  p->mods = NULL;
  p->cons = NULL;
  p->events = NULL;
  p->refuses = NULL;
  p->shares = NULL;
  p->alts = NULL;
  int nr = p->nrefuses, nsh = p->nshares;
  p->nrefuses = p->nshares = 0;
  if (p->nalts && !(p->alts = dup_mem(src->alts, (size_t)p->nalts,
                                      sizeof(*p->alts))))
    p->nalts = 0, nr = -1;
  int na = p->naliases, nf = p->nfields, nm = p->nmods, nc = p->ncons,
      ne = p->nevents;
  p->naliases = p->nfields = p->nmods = p->ncons = p->nevents = 0;
  for (int i = 0; i < p->ncounters; i++)
    p->counters[i].name = NULL;
  int bad = dup_str(&p->name, src->name) | dup_str(&p->desc, src->desc) |
            dup_str(&p->family, src->family) | dup_str(&p->pfm, src->pfm) |
            dup_str(&p->file, src->file) |
            dup_str(&p->addr_space, src->addr_space) |
            dup_str(&p->watchdog_spec, src->watchdog_spec) |
            dup_str(&p->pmc_field_name, src->pmc_field_name);
  for (int i = 0; i < p->ncounters; i++)
    bad |= dup_str(&p->counters[i].name, src->counters[i].name);
  if (na && (p->aliases = calloc((size_t)na, sizeof(char *)))) {
    p->naliases = na;
    for (int i = 0; i < na; i++)
      bad |= dup_str(&p->aliases[i], src->aliases[i]);
  } else if (na)
    bad = 1;
  if (nf && (p->fields = dup_mem(src->fields, (size_t)nf, sizeof(*p->fields)))) {
    for (int i = 0; i < nf; i++)
      p->fields[i].name = NULL;
    p->nfields = nf;
    for (int i = 0; i < nf; i++)
      bad |= dup_str(&p->fields[i].name, src->fields[i].name);
  } else if (nf)
    bad = 1;
  if (p->ncodemaps && !(p->codemaps = dup_mem(src->codemaps,
                                              (size_t)p->ncodemaps,
                                              sizeof(*p->codemaps))))
    bad = 1, p->ncodemaps = 0;
  if (nm && (p->mods = dup_mem(src->mods, (size_t)nm, sizeof(*p->mods)))) {
    for (int i = 0; i < nm; i++)
      p->mods[i].name = p->mods[i].desc = NULL;
    p->nmods = nm;
    for (int i = 0; i < nm; i++)
      bad |= dup_str(&p->mods[i].name, src->mods[i].name) |
             dup_str(&p->mods[i].desc, src->mods[i].desc);
  } else if (nm)
    bad = 1;
  if (nc && (p->cons = dup_mem(src->cons, (size_t)nc, sizeof(*p->cons)))) {
    for (int i = 0; i < nc; i++)
      p->cons[i].counters_spec = NULL;
    p->ncons = nc;
    for (int i = 0; i < nc; i++)
      bad |= dup_str(&p->cons[i].counters_spec, src->cons[i].counters_spec);
  } else if (nc)
    bad = 1;
  if (ne && (p->events = calloc((size_t)ne, sizeof(*p->events)))) {
    p->nevents = ne;
    for (int i = 0; i < ne; i++) {
      struct pmux__event *d = &p->events[i];
      const struct pmux__event *s = &src->events[i];
      d->code = s->code;
      d->has_umask = s->has_umask;
      d->umask = s->umask;
      d->ngroups = s->ngroups;
      d->grouped = s->grouped;
      d->counters = s->counters;
      d->line = s->line;
      bad |= dup_str(&d->name, s->name) | dup_str(&d->desc, s->desc) |
             dup_str(&d->preset, s->preset) |
             dup_str(&d->alias_of, s->alias_of) |
             dup_str(&d->counters_spec, s->counters_spec);
      if (s->numasks) {
        d->umasks = calloc((size_t)s->numasks, sizeof(*d->umasks));
        if (!d->umasks) {
          bad = 1;
          continue;
        }
        d->numasks = s->numasks;
        for (int u = 0; u < s->numasks; u++) {
          d->umasks[u].code = s->umasks[u].code;
          d->umasks[u].group = s->umasks[u].group;
          d->umasks[u].dflt = s->umasks[u].dflt;
          d->umasks[u].exclusive = s->umasks[u].exclusive;
          d->umasks[u].optional = s->umasks[u].optional;
          d->umasks[u].line = s->umasks[u].line;
          bad |= dup_str(&d->umasks[u].name, s->umasks[u].name) |
                 dup_str(&d->umasks[u].desc, s->umasks[u].desc);
        }
      }
    }
  } else if (ne)
    bad = 1;
  if (nr < 0)
    bad = 1, nr = 0;
  if (nr && (p->refuses = dup_mem(src->refuses, (size_t)nr,
                                  sizeof(*p->refuses)))) {
    for (int i = 0; i < nr; i++)
      p->refuses[i].why = NULL;
    p->nrefuses = nr;
    for (int i = 0; i < nr; i++)
      bad |= dup_str(&p->refuses[i].why, src->refuses[i].why);
  } else if (nr)
    bad = 1;
  if (nsh && (p->shares = dup_mem(src->shares, (size_t)nsh,
                                  sizeof(*p->shares)))) {
    for (int i = 0; i < nsh; i++)
      p->shares[i].name = NULL;
    p->nshares = nsh;
    for (int i = 0; i < nsh; i++)
      bad |= dup_str(&p->shares[i].name, src->shares[i].name);
  } else if (nsh)
    bad = 1;
  if (bad) {
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
