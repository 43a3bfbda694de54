/*
 * pmu_check.c - the consistency check of a loaded PMU description
 * (pmux__pmu_finalize), in the spirit of libpfm4's validate: control-register
 * fields inside 64 bits and not overlapping each other nor the reserved
 * bits, constraint and event counter lists naming counters that exist, unit
 * masks inside the umask field with at most one default per group, no
 * duplicate names or event codes.  One function per rule (or per few rules
 * on one element), run in the order of pmux__pmu_finalize's table: a
 * failure is PMUX_EDESC with "FILE:LINE: RULE: detail", the RULE names of
 * docs/pmu-description.md.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pmu_desc.h"

/* "PMC0,FIXED1", "generic", "fixed", "all" -> mask; -1 + *bad on a name
 * that is no counter. */
static int resolve_counters(const struct pmux_pmu *pmu, const char *spec,
                            uint64_t *mask, char *bad, size_t badlen)
{
  uint64_t m = 0;
  const char *s = spec;
  while (*s) {
    size_t n = strcspn(s, ",");
    char tok[64];
    snprintf(tok, sizeof(tok), "%.*s", (int)(n < 63 ? n : 63), s);
    char *t = tok;
    while (isspace((unsigned char)*t))
      t++;
    size_t tl = strlen(t);
    while (tl && isspace((unsigned char)t[tl - 1]))
      t[--tl] = 0;
    if (!strcmp(t, "generic"))
      m |= pmux__pmu_mask(pmu, PMUX__CNT_GENERIC);
    else if (!strcmp(t, "fixed"))
      m |= pmux__pmu_mask(pmu, PMUX__CNT_FIXED);
    else if (!strcmp(t, "all"))
      m |= pmux__pmu_mask(pmu, -1);
    else {
      int i = pmux__pmu_counter_index(pmu, t);
      if (i < 0) {
        snprintf(bad, badlen, "%s", t);
        return -1;
      }
      m |= 1ull << i;
    }
    s += n;
    if (*s == ',')
      s++;
  }
  *mask = m;
  return 0;
}

static uint64_t field_mask(const struct pmux__field *f)
{
  uint64_t v = f->width >= 64 ? ~0ull : ((1ull << f->width) - 1);
  return v << f->lsb;
}

static int find_field(const struct pmux_pmu *pmu, const char *name)
{
  for (int i = 0; i < pmu->nfields; i++)
    if (!strcmp(pmu->fields[i].name, name))
      return i;
  return -1;
}

static const struct pmux__family *const families[] = {
    &pmux__family_core2, &pmux__family_intel_arch, &pmux__family_amd64,
    &pmux__family_mips, &pmux__family_powerpc,
};

int pmux__pmu_family_unknown(const struct pmux__cpuid *id, char *buf,
                             size_t len)
{
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(families); i++)
    if (families[i]->unknown && families[i]->unknown(id, buf, len))
      return 1;
  return 0;
}

/* A character that would split a name where events are written
 * ("PMU::EVENT:UMASK:MOD=N", comma-separated lists, a stat spec's ';'; '='
 * in a modifier's), or 0 when the name can be written. */
static int name_breaker(const char *name, int modifier)
{
  for (const char *s = name; *s; s++)
    if (strchr(":,;", *s) || isspace((unsigned char)*s) ||
        (modifier && *s == '='))
      return (unsigned char)*s;
  return 0;
}

static int bad_name(const char *file, int line, const char *what,
                    const char *name)
{
  int c = name_breaker(name, !strcmp(what, "modifier"));
  char ch[16];
  if (isspace(c))
    snprintf(ch, sizeof(ch), "a blank");
  else
    snprintf(ch, sizeof(ch), "'%c'", c);
  return pmux__desc_fail(file, line, "bad-name", "%s '%s' has %s, which "
                         "splits it where events are written (EVENT:UMASK:"
                         "MOD=N, comma-separated lists)", what, name, ch);
}

/* Check a preset string ("i,c=1") against the modifiers. */
static int check_preset(const struct pmux_pmu *pmu, const char *preset,
                        char *bad, size_t badlen)
{
  const char *s = preset;
  uint64_t seen = 0; /* modifiers named so far: a second is refused */
  while (*s) {
    size_t n = strcspn(s, ",");
    char tok[64];
    snprintf(tok, sizeof(tok), "%.*s", (int)(n < 63 ? n : 63), s);
    char *eq = strchr(tok, '=');
    if (eq)
      *eq++ = 0;
    const struct pmux__modifier *m = NULL;
    for (int i = 0; i < pmu->nmods; i++)
      if (!strcmp(pmu->mods[i].name, tok) && pmu->mods[i].field >= 0)
        m = &pmu->mods[i];
    /* The value must fit its field, and a valued modifier needs one: else
     * every encoding of the event would fail later, far from the cause. */
    uint64_t v = 1;
    const struct pmux__field *f = m ? &pmu->fields[m->field] : NULL;
    int idx = m ? (int)(m - pmu->mods) : 0;
    int twice = idx < 64 && (seen >> idx & 1);
    if (!m || (eq && pmux__pmu_parse_u64(eq, &v)) || (!eq && m->takes_value) ||
        (f->width < 64 && v >> f->width) || twice) {
      /* A token too long for bad is cut, and says so. */
      if (snprintf(bad, badlen, "%s%s%s%s", tok, eq ? "=" : "", eq ? eq : "",
                   twice ? " (twice)" : "") >= (int)badlen && badlen > 4)
        memcpy(bad + badlen - 4, "...", 4);
      return -1;
    }
    if (idx < 64)
      seen |= 1ull << idx;
    s += n;
    if (*s == ',')
      s++;
  }
  return 0;
}


/*
 * Unit-mask groups (libpfm4's grpid, DFL, NCOMBO and OMIT flags): at most
 * one default per group; a group without a default is left out only when
 * every unit mask of it says optional.  An event whose unit masks mark
 * defaults or use two groups is "grouped": its default unit mask (the image
 * with none given) is the OR of its groups' defaults, derived when the
 * umask attribute is absent, and there only when every group can be left
 * to itself.  A single group with no default marked is the older form: the
 * event's umask attribute is that group's default.
 */
static int check_umask_groups(const char *file, struct pmux__event *e)
{
  uint64_t dflt = 0;
  int ngroups = 0, grouped = 0;
  for (int u = 0; u < e->numasks; u++) {
    const struct pmux__umask *um = &e->umasks[u];
    if (um->group + 1 > ngroups)
      ngroups = um->group + 1;
    grouped |= um->dflt || um->optional || um->group;
    if (!um->dflt)
      continue;
    dflt |= um->code;
    for (int v = 0; v < u; v++)
      if (e->umasks[v].dflt && e->umasks[v].group == um->group)
        return pmux__desc_fail(file, um->line, "umask-default",
                               "event %s: unit masks %s and %s are both the "
                               "default of group %d",
                               e->name, e->umasks[v].name, um->name, um->group);
  }
  e->ngroups = ngroups;
  e->grouped = grouped;
  if (!grouped)
    return 0;
  const char *missing = NULL; /* a unit mask of a group that must be given */
  for (int g = 0; g < ngroups; g++) {
    int has_dflt = 0, nopt = 0, n = 0;
    const struct pmux__umask *first = NULL, *opt = NULL;
    for (int u = 0; u < e->numasks; u++) {
      const struct pmux__umask *um = &e->umasks[u];
      if (um->group != g)
        continue;
      if (!first)
        first = um;
      n++;
      has_dflt |= um->dflt;
      if (um->optional) {
        nopt++;
        opt = um;
      }
    }
    if (opt && has_dflt)
      return pmux__desc_fail(
          file, opt->line, "umask-group",
          "event %s: unit mask %s is optional, but its group %d "
          "has a default",
          e->name, opt->name, g);
    if (nopt && nopt != n)
      return pmux__desc_fail(
          file, opt->line, "umask-group",
          "event %s: group %d mixes optional and required unit "
          "masks",
          e->name, g);
    if (first && !has_dflt && !nopt && !missing)
      missing = first->name;
  }
  if (e->has_umask && missing)
    return pmux__desc_fail(
        file, e->line, "umask-default",
        "event %s: default unit mask %#llx, but the group of "
        "%s has no default",
        e->name, (unsigned long long)e->umask, missing);
  if (e->has_umask && e->umask != dflt)
    return pmux__desc_fail(
        file, e->line, "umask-default",
        "event %s: default unit mask %#llx is not the OR of its "
        "groups' defaults (%#llx)",
        e->name, (unsigned long long)e->umask, (unsigned long long)dflt);
  if (!missing) {
    e->has_umask = 1;
    e->umask = dflt;
  }
  return 0;
}

int pmux__pmu_finalize(struct pmux_pmu *pmu)
{
  const char *file = pmu->file;
  char bad[64];

  pmu->fam = NULL;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(families); i++)
    if (!strcmp(families[i]->name, pmu->family))
      pmu->fam = families[i];
  if (!pmu->fam)
    return pmux__desc_fail(
        file, pmu->line_pmu, "unknown-family",
        "family '%s' is none of core2, intel_arch, amd64, mips, "
        "powerpc",
        pmu->family);
  if (!pmu->ncounters)
    return pmux__desc_fail(file, pmu->line_pmu, "no-counters",
                           "PMU '%s' declares no <counter>", pmu->name);
  for (int i = 0; i < pmu->ncounters; i++) {
    const struct pmux__counter *c = &pmu->counters[i];
    if (c->width < 1)
      return pmux__desc_fail(file, c->line, "counter-width",
                             "counter %s has width 0", c->name);
    for (int j = 0; j < i; j++)
      if (!strcasecmp(pmu->counters[j].name, c->name))
        return pmux__desc_fail(file, c->line, "duplicate-counter",
                               "counter %s already declared on line %d",
                               c->name, pmu->counters[j].line);
  }
  /* Fields: inside 64 bits, unique, pairwise disjoint, not reserved. */
  uint64_t used = 0;
  for (int i = 0; i < pmu->nfields; i++) {
    const struct pmux__field *f = &pmu->fields[i];
    if (f->width < 1 || f->lsb + f->width > 64)
      return pmux__desc_fail(
          file, f->line, "field-range",
          "field '%s' (lsb %u, width %u) is not inside 64 bits", f->name,
          f->lsb, f->width);
    uint64_t m = field_mask(f);
    for (int j = 0; j < i; j++) {
      if (!strcmp(pmu->fields[j].name, f->name))
        return pmux__desc_fail(file, f->line, "duplicate-field",
                               "field '%s' already declared on line %d",
                               f->name, pmu->fields[j].line);
      if (field_mask(&pmu->fields[j]) & m)
        return pmux__desc_fail(file, f->line, "field-overlap",
                               "field '%s' (bits %u..%u) overlaps field '%s' "
                               "declared on line %d",
                               f->name, f->lsb, f->lsb + f->width - 1,
                               pmu->fields[j].name, pmu->fields[j].line);
    }
    if (m & pmu->reserved)
      return pmux__desc_fail(file, f->line, "reserved-overlap",
                             "field '%s' overlaps the reserved mask %#llx",
                             f->name, (unsigned long long)pmu->reserved);
    if (f->dflt & ~(m >> f->lsb))
      return pmux__desc_fail(file, f->line, "field-default",
                             "default %#llx of field '%s' does not fit %u bits",
                             (unsigned long long)f->dflt, f->name, f->width);
    used |= m;
  }
  if (find_field(pmu, "event") < 0)
    return pmux__desc_fail(file, pmu->line_pmu, "missing-field",
                           "PMU '%s' has no 'event' field", pmu->name);
  pmu->umask_field = find_field(pmu, "umask");
  for (int i = 0; i < pmu->ncodemaps; i++) {
    const struct pmux__codemap *m = &pmu->codemaps[i];
    if (m->width < 1 || m->code_lsb + m->width > 64 ||
        m->image_lsb + m->width > 64)
      return pmux__desc_fail(file, m->line, "codemap-range",
                             "codemap is not inside 64 bits");
    uint64_t im = (m->width >= 64 ? ~0ull : ((1ull << m->width) - 1))
                  << m->image_lsb;
    if (im & ~used)
      return pmux__desc_fail(
          file, m->line, "codemap-field",
          "codemap writes image bits %#llx outside every field",
          (unsigned long long)(im & ~used));
  }
  if (!pmu->ncodemaps)
    return pmux__desc_fail(file, pmu->line_pmu, "missing-codemap",
                           "PMU '%s' has no <codemap>", pmu->name);
  uint64_t code_bits = 0; /* the bits of an event code the codemaps carry */
  for (int i = 0; i < pmu->ncodemaps; i++) {
    const struct pmux__codemap *m = &pmu->codemaps[i];
    code_bits |= (m->width >= 64 ? ~0ull : ((1ull << m->width) - 1))
                 << m->code_lsb;
  }
  for (int i = 0; i < pmu->nmods; i++) {
    const struct pmux__modifier *m = &pmu->mods[i];
    if (name_breaker(m->name, 1))
      return bad_name(file, m->line, "modifier", m->name);
    for (int j = 0; j < i; j++)
      if (!strcmp(pmu->mods[j].name, m->name))
        return pmux__desc_fail(file, m->line, "duplicate-modifier",
                               "modifier '%s' already declared on line %d",
                               m->name, pmu->mods[j].line);
    if (m->takes_value && m->field < 0)
      return pmux__desc_fail(file, m->line, "modifier-field",
                             "modifier '%s' takes a value but names no field",
                             m->name);
    if (m->field < 0 && m->plm == PMUX__PLM_NONE)
      return pmux__desc_fail(
          file, m->line, "modifier-field",
          "modifier '%s' sets no field and no privilege level", m->name);
  }
  pmu->watchdog = -1;
  if (pmu->watchdog_spec) {
    pmu->watchdog = pmux__pmu_counter_index(pmu, pmu->watchdog_spec);
    if (pmu->watchdog < 0)
      return pmux__desc_fail(file, pmu->line_watchdog, "unknown-counter",
                             "the watchdog counter '%s' does not exist",
                             pmu->watchdog_spec);
  }
  pmu->pmc_field = -1;
  if (pmu->pmc_field_name) {
    pmu->pmc_field = find_field(pmu, pmu->pmc_field_name);
    if (pmu->pmc_field < 0)
      return pmux__desc_fail(file, pmu->line_pmu, "unknown-field",
                             "pmc-field '%s' is not a declared field",
                             pmu->pmc_field_name);
  }
  for (int i = 0; i < pmu->ncons; i++) {
    struct pmux__constraint *k = &pmu->cons[i];
    if (resolve_counters(pmu, k->counters_spec, &k->counters, bad, sizeof(bad)))
      return pmux__desc_fail(
          file, k->line, "unknown-counter",
          "constraint for code %#llx names counter '%s', which "
          "does not exist",
          (unsigned long long)k->code, bad);
    if (!k->counters)
      return pmux__desc_fail(file, k->line, "empty-counter-mask",
                             "constraint for code %#llx allows no counter",
                             (unsigned long long)k->code);
    /* a pair event also takes the counter after each one it may use */
    for (int c = 0; k->pair && c < pmu->ncounters; c++)
      if ((k->counters >> c & 1) &&
          (c + 1 >= pmu->ncounters || (k->counters >> (c + 1) & 1) ||
           pmu->counters[c].kind != PMUX__CNT_GENERIC ||
           pmu->counters[c + 1].kind != PMUX__CNT_GENERIC))
        return pmux__desc_fail(
            file, k->line, "constraint-pair",
            "pair constraint for code %#llx allows %s, which "
            "is not followed by a generic counter it leaves "
            "free",
            (unsigned long long)k->code, pmu->counters[c].name);
  }
  for (int i = 0; i < pmu->nevents; i++) {
    struct pmux__event *e = &pmu->events[i];
    if (name_breaker(e->name, 0))
      return bad_name(file, e->line, "event", e->name);
    for (int u = 0; u < e->numasks; u++)
      if (name_breaker(e->umasks[u].name, 0))
        return bad_name(file, e->umasks[u].line, "unit mask",
                        e->umasks[u].name);
    if (e->counters_spec) {
      if (resolve_counters(pmu, e->counters_spec, &e->counters, bad,
                           sizeof(bad)))
        return pmux__desc_fail(
            file, e->line, "unknown-counter",
            "event %s names counter '%s', which does not exist", e->name, bad);
      if (!e->counters)
        return pmux__desc_fail(file, e->line, "empty-counter-mask",
                               "event %s allows no counter", e->name);
    }
    /* Where perf takes the image, a code bit no codemap carries would be
     * dropped from it: another event (or a duplicate), silently.  (A code
     * PMU passes the code itself: MIPS's bit 7 is no image bit.) */
    if (!pmu->perf_code && (e->code & ~code_bits))
      return pmux__desc_fail(file, e->line, "event-code",
                             "event %s: code %#llx has bits %#llx that no "
                             "<codemap> carries",
                             e->name, (unsigned long long)e->code,
                             (unsigned long long)(e->code & ~code_bits));
    if (e->preset && check_preset(pmu, e->preset, bad, sizeof(bad)))
      return pmux__desc_fail(
          file, e->line, "bad-preset",
          "event %s presets '%s': no field modifier, a value "
          "its field cannot hold, or a modifier set twice",
          e->name, bad);
    if ((e->numasks || e->has_umask) && pmu->umask_field < 0)
      return pmux__desc_fail(
          file, e->line, "umask-field",
          "event %s has unit masks but the PMU has no 'umask' "
          "field",
          e->name);
    if (pmu->umask_field >= 0) {
      const struct pmux__field *uf = &pmu->fields[pmu->umask_field];
      uint64_t lim = field_mask(uf) >> uf->lsb;
      if (e->umask & ~lim)
        return pmux__desc_fail(file, e->line, "umask-range",
                               "event %s: default unit mask %#llx does not fit "
                               "the %u-bit umask field",
                               e->name, (unsigned long long)e->umask,
                               uf->width);
      for (int u = 0; u < e->numasks; u++) {
        if (e->umasks[u].code & ~lim)
          return pmux__desc_fail(
              file, e->line, "umask-range",
              "event %s: unit mask %s (%#llx) does not fit the "
              "%u-bit umask field",
              e->name, e->umasks[u].name, (unsigned long long)e->umasks[u].code,
              uf->width);
        for (int v = 0; v < u; v++)
          if (!strcasecmp(e->umasks[v].name, e->umasks[u].name))
            return pmux__desc_fail(file, e->line, "duplicate-umask",
                                   "event %s: unit mask %s appears twice",
                                   e->name, e->umasks[u].name);
      }
      int err = check_umask_groups(file, e);
      if (err)
        return err;
    }
    if (pmu->pmc_field >= 0) {
      const struct pmux__field *pf = &pmu->fields[pmu->pmc_field];
      uint64_t pmc = (e->code >> pf->lsb) & (field_mask(pf) >> pf->lsb);
      if (pmc && pmc > (uint64_t)pmu->ncounters)
        return pmux__desc_fail(file, e->line, "unknown-counter",
                               "event %s selects PMC%llu, which does not exist",
                               e->name, (unsigned long long)pmc);
    }
    int alias_ok = 0;
    for (int j = 0; j < i; j++) {
      const struct pmux__event *o = &pmu->events[j];
      if (!strcasecmp(o->name, e->name))
        return pmux__desc_fail(file, e->line, "duplicate-name",
                               "event %s already declared on line %d", e->name,
                               o->line);
      if (e->alias_of && !strcmp(o->name, e->alias_of))
        alias_ok = 1;
      int same =
          o->code == e->code && o->has_umask == e->has_umask &&
          o->umask == e->umask &&
          !strcmp(o->preset ? o->preset : "", e->preset ? e->preset : "");
      if (same && !e->alias_of)
        return pmux__desc_fail(
            file, e->line, "duplicate-code",
            "event %s has the code %#llx of %s (line %d); mark "
            "it alias-of=\"%s\" if intended",
            e->name, (unsigned long long)e->code, o->name, o->line, o->name);
    }
    if (e->alias_of && !alias_ok)
      return pmux__desc_fail(
          file, e->line, "unknown-alias",
          "event %s is alias-of '%s', which is not an earlier "
          "event",
          e->name, e->alias_of);
  }
  for (int i = 0; i < pmu->nshares; i++) {
    const struct pmux__share *sh = &pmu->shares[i];
    for (int j = 0; j < i; j++)
      if (!strcmp(pmu->shares[j].name, sh->name))
        return pmux__desc_fail(file, sh->line, "duplicate-share",
                               "share '%s' already declared on line %d",
                               sh->name, pmu->shares[j].line);
    if (!sh->key)
      return pmux__desc_fail(file, sh->line, "condition",
                             "share '%s' has an empty key", sh->name);
  }
  for (int i = 0; i < pmu->nalts; i++) {
    const struct pmux__alt *a = &pmu->alts[i];
    if (a->ncodes < 2)
      return pmux__desc_fail(file, a->line, "alternative",
                             "an alternative needs at least two codes");
    for (int k = 0; k < a->ncodes; k++) {
      if (a->codes[k] & pmu->reserved)
        return pmux__desc_fail(
            file, a->line, "alternative",
            "alternative code %#llx sets reserved bits %#llx",
            (unsigned long long)a->codes[k],
            (unsigned long long)(a->codes[k] & pmu->reserved));
      if (!pmux__pmu_code_counters(pmu, a->codes[k]))
        return pmux__desc_fail(file, a->line, "unknown-counter",
                               "alternative code %#llx selects a PMC that does "
                               "not exist",
                               (unsigned long long)a->codes[k]);
      for (int j = 0; j < k; j++)
        if (a->codes[j] == a->codes[k])
          return pmux__desc_fail(file, a->line, "alternative",
                                 "code %#llx appears twice",
                                 (unsigned long long)a->codes[k]);
    }
  }
  return 0;
}
