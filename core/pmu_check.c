/*
 * pmu_check.c - the consistency check of a loaded PMU description
 * (pmux__pmu_finalize), in the spirit of libpfm4's validate: control-register
 * fields inside 64 bits and not overlapping each other nor the reserved
 * bits, constraint and event counter lists naming counters that exist, unit
 * masks inside the umask field with at most one default per group, no
 * duplicate names or event codes.  One function per rule (or per few rules
 * on one element), run in the order of pmux__pmu_finalize's table: a
 * failure is PMUX_EDESC with "FILE:LINE: RULE: detail", the RULE names of
 * docs/pmu-description.md.  The families' table, whose checks run here,
 * also tells host detection (pmu_host.c) why a CPU has no description
 * (pmux__pmu_family_unknown), and pmux__pmu_check_name serves the loader.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pmu_desc.h"

/* Whether s..s+n is word, whole (a longer token never matches a prefix). */
static int token_is(const char *s, size_t n, const char *word, int anycase)
{
  return strlen(word) == n &&
         !(anycase ? strncasecmp(s, word, n) : strncmp(s, word, n));
}

/* The counter named s..s+n (in any case), or -1. */
static int counter_index_n(const struct pmux_pmu *pmu, const char *s, size_t n)
{
  for (int i = 0; i < pmu->ncounters; i++)
    if (token_is(s, n, pmu->counters[i].name, 1))
      return i;
  return -1;
}

/* "PMC0,FIXED1", "generic", "fixed", "all" -> mask; -1 + *bad on a name
 * that is no counter.  Names are compared whole, however long. */
static int resolve_counters(const struct pmux_pmu *pmu, const char *spec,
                            uint64_t *mask, char *bad, size_t badlen)
{
  uint64_t m = 0;
  const char *s = spec;
  while (*s) {
    size_t n = strcspn(s, ",");
    const char *t = s;
    size_t tl = n;
    while (tl && isspace((unsigned char)*t))
      t++, tl--;
    while (tl && isspace((unsigned char)t[tl - 1]))
      tl--;
    if (token_is(t, tl, "generic", 0))
      m |= pmux__pmu_mask(pmu, PMUX__CNT_GENERIC);
    else if (token_is(t, tl, "fixed", 0))
      m |= pmux__pmu_mask(pmu, PMUX__CNT_FIXED);
    else if (token_is(t, tl, "all", 0))
      m |= pmux__pmu_mask(pmu, -1);
    else {
      int i = counter_index_n(pmu, t, tl);
      if (i < 0) {
        snprintf(bad, badlen, "%.*s", (int)tl, t);
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

int pmux__pmu_check_name(const char *file, int line, const char *what,
                         const char *name)
{
  int c = name_breaker(name, !strcmp(what, "modifier"));
  if (!c)
    return 0;
  char ch[16];
  if (isspace(c))
    snprintf(ch, sizeof(ch), "a blank");
  else
    snprintf(ch, sizeof(ch), "'%c'", c);
  return pmux__desc_fail(file, line, "bad-name", "%s '%s' has %s, which "
                         "splits it where events are written (EVENT:UMASK:"
                         "MOD=N, comma-separated lists)", what, name, ch);
}

/* The field modifier named s..s+n, whole, or NULL. */
static const struct pmux__modifier *find_field_mod(const struct pmux_pmu *pmu,
                                                   const char *s, size_t n)
{
  const struct pmux__modifier *m = NULL;
  for (int i = 0; i < pmu->nmods; i++)
    if (token_is(s, n, pmu->mods[i].name, 0) && pmu->mods[i].field >= 0)
      m = &pmu->mods[i];
  return m;
}

/* The value after '=' in a preset token (n characters), or -1. */
static int preset_value(const char *s, size_t n, uint64_t *v)
{
  char buf[32]; /* longer than any number pmux__pmu_parse_u64 takes */
  if (n >= sizeof(buf))
    return -1;
  memcpy(buf, s, n);
  buf[n] = 0;
  return pmux__pmu_parse_u64(buf, v);
}

/* Check a preset string ("i,c=1") against the modifiers. */
static int check_preset(const struct pmux_pmu *pmu, const char *preset,
                        char *bad, size_t badlen)
{
  const char *s = preset;
  _Static_assert(PMUX__PMU_MAX_MODIFIERS <= 64, "seen is a uint64_t");
  uint64_t seen = 0; /* modifiers named so far: a second is refused */
  while (*s) {
    size_t n = strcspn(s, ",");
    const char *eq = memchr(s, '=', n);
    size_t nl = eq ? (size_t)(eq - s) : n;
    const struct pmux__modifier *m = find_field_mod(pmu, s, nl);
    /* The value must fit its field (a flag modifier takes 0 or 1, as the
     * encoder says), and a valued modifier needs one: else every encoding
     * of the event would fail later, far from the cause. */
    uint64_t v = 1, max = 1;
    if (m && m->takes_value)
      max = field_mask(&pmu->fields[m->field]) >> pmu->fields[m->field].lsb;
    int idx = m ? (int)(m - pmu->mods) : 0; /* < 64: check_modifiers */
    int twice = m && (seen >> idx & 1);
    if (!m || (eq && preset_value(eq + 1, n - nl - 1, &v)) ||
        (!eq && m->takes_value) || v > max || twice) {
      /* A token too long for bad is cut, and says so. */
      if (snprintf(bad, badlen, "%.*s%s", (int)n, s,
                   twice ? " (twice)" : "") >= (int)badlen && badlen > 4)
        memcpy(bad + badlen - 4, "...", 4);
      return -1;
    }
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

/* At most one default per group; sets ngroups and grouped, *dflt to the OR
 * of the defaults. */
static int check_group_defaults(const char *file, struct pmux__event *e,
                                uint64_t *dflt)
{
  int ngroups = 0, grouped = 0;
  *dflt = 0;
  for (int u = 0; u < e->numasks; u++) {
    const struct pmux__umask *um = &e->umasks[u];
    if (um->group + 1 > ngroups)
      ngroups = um->group + 1;
    grouped |= um->dflt || um->optional || um->group;
    if (!um->dflt)
      continue;
    *dflt |= um->code;
    for (int v = 0; v < u; v++)
      if (e->umasks[v].dflt && e->umasks[v].group == um->group)
        return pmux__desc_fail(file, um->line, "umask-default",
                               "event %s: unit masks %s and %s are both the "
                               "default of group %d", e->name,
                               e->umasks[v].name, um->name, um->group);
  }
  e->ngroups = ngroups;
  e->grouped = grouped;
  return 0;
}

/* Group g is optional throughout or not at all, and not optional with a
 * default; *missing (when still NULL) names a unit mask of it when it must
 * be given. */
static int check_group_optional(const char *file, const struct pmux__event *e,
                                int g, const char **missing)
{
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
    return pmux__desc_fail(file, opt->line, "umask-group",
                           "event %s: unit mask %s is optional, but its "
                           "group %d has a default", e->name, opt->name, g);
  if (nopt && nopt != n)
    return pmux__desc_fail(file, opt->line, "umask-group",
                           "event %s: group %d mixes optional and required "
                           "unit masks", e->name, g);
  if (first && !has_dflt && !nopt && !*missing)
    *missing = first->name;
  return 0;
}

static int check_umask_groups(const char *file, struct pmux__event *e)
{
  uint64_t dflt;
  int err = check_group_defaults(file, e, &dflt);
  if (err || !e->grouped)
    return err;
  const char *missing = NULL; /* a unit mask of a group that must be given */
  for (int g = 0; g < e->ngroups; g++)
    if ((err = check_group_optional(file, e, g, &missing)))
      return err;
  if (e->has_umask && missing)
    return pmux__desc_fail(file, e->line, "umask-default",
                           "event %s: default unit mask %#llx, but the group "
                           "of %s has no default", e->name,
                           (unsigned long long)e->umask, missing);
  if (e->has_umask && e->umask != dflt)
    return pmux__desc_fail(file, e->line, "umask-default",
                           "event %s: default unit mask %#llx is not the OR "
                           "of its groups' defaults (%#llx)", e->name,
                           (unsigned long long)e->umask,
                           (unsigned long long)dflt);
  if (!missing) {
    e->has_umask = 1;
    e->umask = dflt;
  }
  return 0;
}

/* ------------------------------------------------------ rules, in order */

static int resolve_family(struct pmux_pmu *pmu)
{
  pmu->fam = NULL;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(families); i++)
    if (!strcmp(families[i]->name, pmu->family))
      pmu->fam = families[i];
  if (!pmu->fam)
    return pmux__desc_fail(pmu->file, pmu->line_pmu, "unknown-family",
                           "family '%s' is none of core2, intel_arch, amd64, "
                           "mips, powerpc", pmu->family);
  return 0;
}

static int check_counters(struct pmux_pmu *pmu)
{
  if (!pmu->ncounters)
    return pmux__desc_fail(pmu->file, pmu->line_pmu, "no-counters",
                           "PMU '%s' declares no <counter>", pmu->name);
  for (int i = 0; i < pmu->ncounters; i++) {
    const struct pmux__counter *c = &pmu->counters[i];
    /* a counter list is comma-separated */
    int err = pmux__pmu_check_name(pmu->file, c->line, "counter", c->name);
    if (err)
      return err;
    if (c->width < 1)
      return pmux__desc_fail(pmu->file, c->line, "counter-width",
                             "counter %s has width 0", c->name);
    for (int j = 0; j < i; j++)
      if (!strcasecmp(pmu->counters[j].name, c->name))
        return pmux__desc_fail(pmu->file, c->line, "duplicate-counter",
                               "counter %s already declared on line %d",
                               c->name, pmu->counters[j].line);
  }
  return 0;
}

/* Field i: inside 64 bits, unique, disjoint from the fields before it and
 * from the reserved bits, its default within its width. */
static int check_field(const struct pmux_pmu *pmu, int i)
{
  const char *file = pmu->file;
  const struct pmux__field *f = &pmu->fields[i];
  if (f->width < 1 || f->lsb + f->width > 64)
    return pmux__desc_fail(file, f->line, "field-range",
                           "field '%s' (lsb %u, width %u) is not inside 64 "
                           "bits", f->name, f->lsb, f->width);
  uint64_t m = field_mask(f);
  for (int j = 0; j < i; j++) {
    const struct pmux__field *o = &pmu->fields[j];
    if (!strcmp(o->name, f->name))
      return pmux__desc_fail(file, f->line, "duplicate-field",
                             "field '%s' already declared on line %d",
                             f->name, o->line);
    if (field_mask(o) & m)
      return pmux__desc_fail(file, f->line, "field-overlap",
                             "field '%s' (bits %u..%u) overlaps field '%s' "
                             "declared on line %d", f->name, f->lsb,
                             f->lsb + f->width - 1, o->name, o->line);
  }
  if (m & pmu->reserved)
    return pmux__desc_fail(file, f->line, "reserved-overlap",
                           "field '%s' overlaps the reserved mask %#llx",
                           f->name, (unsigned long long)pmu->reserved);
  if (f->dflt & ~(m >> f->lsb))
    return pmux__desc_fail(file, f->line, "field-default",
                           "default %#llx of field '%s' does not fit %u bits",
                           (unsigned long long)f->dflt, f->name, f->width);
  return 0;
}

/* Every field valid, an "event" field, and the "umask" one found. */
static int check_fields(struct pmux_pmu *pmu)
{
  for (int i = 0; i < pmu->nfields; i++) {
    int err = check_field(pmu, i);
    if (err)
      return err;
  }
  if (find_field(pmu, "event") < 0)
    return pmux__desc_fail(pmu->file, pmu->line_pmu, "missing-field",
                           "PMU '%s' has no 'event' field", pmu->name);
  pmu->umask_field = find_field(pmu, "umask");
  return 0;
}

/* The image bits some field covers (the fields are checked). */
static uint64_t field_bits(const struct pmux_pmu *pmu)
{
  uint64_t used = 0;
  for (int i = 0; i < pmu->nfields; i++)
    used |= field_mask(&pmu->fields[i]);
  return used;
}

static uint64_t codemap_width_mask(const struct pmux__codemap *m)
{
  return m->width >= 64 ? ~0ull : ((1ull << m->width) - 1);
}

/* The bits of an event code the codemaps carry. */
static uint64_t codemap_code_bits(const struct pmux_pmu *pmu)
{
  uint64_t code_bits = 0;
  for (int i = 0; i < pmu->ncodemaps; i++)
    code_bits |= codemap_width_mask(&pmu->codemaps[i])
                 << pmu->codemaps[i].code_lsb;
  return code_bits;
}

/* Two codemaps reading one code bit put it in two image places, which
 * every event code then sets alike: the second place says nothing, and a
 * raw image whose two places differ decodes (the two ORed) to an event
 * whose image it is not.  The usual cause is a wrong code-lsb (AMD's
 * event bits 11:8 read from bit 0), so it is refused, naming the bit. */
static int check_codemap_code(const struct pmux_pmu *pmu, int i)
{
  const struct pmux__codemap *m = &pmu->codemaps[i];
  uint64_t cm = codemap_width_mask(m) << m->code_lsb;
  for (int j = 0; j < i; j++) {
    const struct pmux__codemap *o = &pmu->codemaps[j];
    uint64_t both = cm & (codemap_width_mask(o) << o->code_lsb);
    if (both)
      return pmux__desc_fail(pmu->file, m->line, "codemap-code-overlap",
                             "codemap (code-lsb %u, width %u) reads event "
                             "code bit %d, as the codemap on line %d "
                             "(code-lsb %u, width %u) does (code bits "
                             "%#llx in both)", m->code_lsb, m->width,
                             __builtin_ctzll(both), o->line, o->code_lsb,
                             o->width, (unsigned long long)both);
  }
  return 0;
}

/* Codemaps: inside 64 bits on both sides, writing only field bits, no two
 * on one image bit or reading one code bit; one at least. */
static int check_codemaps(struct pmux_pmu *pmu)
{
  uint64_t used = field_bits(pmu);
  for (int i = 0; i < pmu->ncodemaps; i++) {
    const struct pmux__codemap *m = &pmu->codemaps[i];
    if (m->width < 1 || m->code_lsb + m->width > 64 ||
        m->image_lsb + m->width > 64)
      return pmux__desc_fail(pmu->file, m->line, "codemap-range",
                             "codemap is not inside 64 bits");
    uint64_t im = codemap_width_mask(m) << m->image_lsb;
    if (im & ~used)
      return pmux__desc_fail(pmu->file, m->line, "codemap-field",
                             "codemap writes image bits %#llx outside every "
                             "field", (unsigned long long)(im & ~used));
    /* two codemaps on one image bit would OR two code bits into it */
    for (int j = 0; j < i; j++) {
      const struct pmux__codemap *o = &pmu->codemaps[j];
      if (im & (codemap_width_mask(o) << o->image_lsb))
        return pmux__desc_fail(pmu->file, m->line, "codemap-overlap",
                               "codemap writes image bits %#llx, as the "
                               "codemap on line %d does",
                               (unsigned long long)(im & (codemap_width_mask(o)
                                                          << o->image_lsb)),
                               o->line);
    }
    int err = check_codemap_code(pmu, i);
    if (err)
      return err;
  }
  if (!pmu->ncodemaps)
    return pmux__desc_fail(pmu->file, pmu->line_pmu, "missing-codemap",
                           "PMU '%s' has no <codemap>", pmu->name);
  return 0;
}

/* Modifiers: a name that can be written, unique, and something to set. */
static int check_modifiers(struct pmux_pmu *pmu)
{
  const char *file = pmu->file;
  for (int i = 0; i < pmu->nmods; i++) {
    const struct pmux__modifier *m = &pmu->mods[i];
    if (i >= PMUX__PMU_MAX_MODIFIERS)
      return pmux__desc_fail(file, m->line, "too-many-modifiers",
                             "more than %d modifiers",
                             PMUX__PMU_MAX_MODIFIERS);
    int err = pmux__pmu_check_name(file, m->line, "modifier", m->name);
    if (err)
      return err;
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
      return pmux__desc_fail(file, m->line, "modifier-field",
                             "modifier '%s' sets no field and no privilege "
                             "level", m->name);
  }
  return 0;
}

static int resolve_watchdog(struct pmux_pmu *pmu)
{
  pmu->watchdog = -1;
  if (!pmu->watchdog_spec)
    return 0;
  pmu->watchdog = pmux__pmu_counter_index(pmu, pmu->watchdog_spec);
  if (pmu->watchdog < 0)
    return pmux__desc_fail(pmu->file, pmu->line_watchdog, "unknown-counter",
                           "the watchdog counter '%s' does not exist",
                           pmu->watchdog_spec);
  return 0;
}

static int resolve_pmc_field(struct pmux_pmu *pmu)
{
  pmu->pmc_field = -1;
  if (!pmu->pmc_field_name)
    return 0;
  pmu->pmc_field = find_field(pmu, pmu->pmc_field_name);
  if (pmu->pmc_field < 0)
    return pmux__desc_fail(pmu->file, pmu->line_pmu, "unknown-field",
                           "pmc-field '%s' is not a declared field",
                           pmu->pmc_field_name);
  return 0;
}

/* A pair event also takes the counter after each one it may use: that one
 * must exist, be generic, and not be allowed itself. */
static int check_constraint_pair(const struct pmux_pmu *pmu,
                                 const struct pmux__constraint *k)
{
  for (int c = 0; c < pmu->ncounters; c++)
    if ((k->counters >> c & 1) &&
        (c + 1 >= pmu->ncounters || (k->counters >> (c + 1) & 1) ||
         pmu->counters[c].kind != PMUX__CNT_GENERIC ||
         pmu->counters[c + 1].kind != PMUX__CNT_GENERIC))
      return pmux__desc_fail(pmu->file, k->line, "constraint-pair",
                             "pair constraint for code %#llx allows %s, "
                             "which is not followed by a generic counter it "
                             "leaves free", (unsigned long long)k->code,
                             pmu->counters[c].name);
  return 0;
}

/* Each constraint row's counter list resolved: known counters, one at
 * least, pairs that fit. */
static int check_constraints(struct pmux_pmu *pmu)
{
  char bad[64];
  for (int i = 0; i < pmu->ncons; i++) {
    struct pmux__constraint *k = &pmu->cons[i];
    if (resolve_counters(pmu, k->counters_spec, &k->counters, bad,
                         sizeof(bad)))
      return pmux__desc_fail(pmu->file, k->line, "unknown-counter",
                             "constraint for code %#llx names counter '%s', "
                             "which does not exist",
                             (unsigned long long)k->code, bad);
    if (!k->counters)
      return pmux__desc_fail(pmu->file, k->line, "empty-counter-mask",
                             "constraint for code %#llx allows no counter",
                             (unsigned long long)k->code);
    int err = k->pair ? check_constraint_pair(pmu, k) : 0;
    if (err)
      return err;
  }
  return 0;
}

/* The event's and its unit masks' names can be written. */
static int check_event_names(const char *file, const struct pmux__event *e)
{
  int err = pmux__pmu_check_name(file, e->line, "event", e->name);
  for (int u = 0; u < e->numasks && !err; u++)
    err = pmux__pmu_check_name(file, e->umasks[u].line, "unit mask",
                               e->umasks[u].name);
  return err;
}

/* The event's own counter list, when it has one: known counters, one at
 * least. */
static int resolve_event_counters(const struct pmux_pmu *pmu,
                                  struct pmux__event *e)
{
  char bad[64];
  if (!e->counters_spec)
    return 0;
  if (resolve_counters(pmu, e->counters_spec, &e->counters, bad,
                       sizeof(bad)))
    return pmux__desc_fail(pmu->file, e->line, "unknown-counter",
                           "event %s names counter '%s', which does not "
                           "exist", e->name, bad);
  if (!e->counters)
    return pmux__desc_fail(pmu->file, e->line, "empty-counter-mask",
                           "event %s allows no counter", e->name);
  return 0;
}

/* Where perf takes the image, a code bit no codemap carries would be
 * dropped from it: another event (or a duplicate), silently.  (A code PMU
 * passes the code itself: MIPS's bit 7 is no image bit.) */
static int check_event_code(const struct pmux_pmu *pmu,
                            const struct pmux__event *e, uint64_t code_bits)
{
  if (!pmu->perf_code && (e->code & ~code_bits))
    return pmux__desc_fail(pmu->file, e->line, "event-code",
                           "event %s: code %#llx has bits %#llx that no "
                           "<codemap> carries", e->name,
                           (unsigned long long)e->code,
                           (unsigned long long)(e->code & ~code_bits));
  return 0;
}

static int check_event_preset(const struct pmux_pmu *pmu,
                              const struct pmux__event *e)
{
  char bad[64];
  if (e->preset && check_preset(pmu, e->preset, bad, sizeof(bad)))
    return pmux__desc_fail(pmu->file, e->line, "bad-preset",
                           "event %s presets '%s': no field modifier, a "
                           "value its field cannot hold, or a modifier set "
                           "twice", e->name, bad);
  return 0;
}

/* Unit masks need a umask field, fit it, are unique (in any case) and form
 * consistent groups. */
static int check_event_umasks(const struct pmux_pmu *pmu,
                              struct pmux__event *e)
{
  const char *file = pmu->file;
  if ((e->numasks || e->has_umask) && pmu->umask_field < 0)
    return pmux__desc_fail(file, e->line, "umask-field",
                           "event %s has unit masks but the PMU has no "
                           "'umask' field", e->name);
  if (pmu->umask_field < 0)
    return 0;
  const struct pmux__field *uf = &pmu->fields[pmu->umask_field];
  uint64_t lim = field_mask(uf) >> uf->lsb;
  if (e->umask & ~lim)
    return pmux__desc_fail(file, e->line, "umask-range",
                           "event %s: default unit mask %#llx does not fit "
                           "the %u-bit umask field", e->name,
                           (unsigned long long)e->umask, uf->width);
  for (int u = 0; u < e->numasks; u++) {
    const struct pmux__umask *um = &e->umasks[u];
    if (um->code & ~lim)
      return pmux__desc_fail(file, um->line, "umask-range",
                             "event %s: unit mask %s (%#llx) does not fit "
                             "the %u-bit umask field", e->name, um->name,
                             (unsigned long long)um->code, uf->width);
    for (int v = 0; v < u; v++)
      if (!strcasecmp(e->umasks[v].name, um->name))
        return pmux__desc_fail(file, um->line, "duplicate-umask",
                               "event %s: unit mask %s appears twice",
                               e->name, um->name);
  }
  return check_umask_groups(file, e);
}

/* POWER: the PMC the code names exists (0: any). */
static int check_event_pmc(const struct pmux_pmu *pmu,
                           const struct pmux__event *e)
{
  if (pmu->pmc_field < 0)
    return 0;
  const struct pmux__field *pf = &pmu->fields[pmu->pmc_field];
  uint64_t pmc = (e->code >> pf->lsb) & (field_mask(pf) >> pf->lsb);
  if (pmc && pmc > (uint64_t)pmu->ncounters)
    return pmux__desc_fail(pmu->file, e->line, "unknown-counter",
                           "event %s selects PMC%llu, which does not exist",
                           e->name, (unsigned long long)pmc);
  return 0;
}

/* Event i against the events before it: a new name (in any case), a new
 * encoding unless marked alias-of, and an alias-of naming one of them. */
static int check_event_unique(const struct pmux_pmu *pmu, int i)
{
  const struct pmux__event *e = &pmu->events[i];
  int alias_ok = 0;
  for (int j = 0; j < i; j++) {
    const struct pmux__event *o = &pmu->events[j];
    if (!strcasecmp(o->name, e->name))
      return pmux__desc_fail(pmu->file, e->line, "duplicate-name",
                             "event %s already declared on line %d", e->name,
                             o->line);
    if (e->alias_of && !strcasecmp(o->name, e->alias_of))
      alias_ok = 1;
    int same = o->code == e->code && o->has_umask == e->has_umask &&
               o->umask == e->umask &&
               !strcmp(o->preset ? o->preset : "", e->preset ? e->preset : "");
    if (same && !e->alias_of)
      return pmux__desc_fail(pmu->file, e->line, "duplicate-code",
                             "event %s has the code %#llx of %s (line %d); "
                             "mark it alias-of=\"%s\" if intended", e->name,
                             (unsigned long long)e->code, o->name, o->line,
                             o->name);
  }
  if (e->alias_of && !alias_ok)
    return pmux__desc_fail(pmu->file, e->line, "unknown-alias",
                           "event %s is alias-of '%s', which is not an "
                           "earlier event", e->name, e->alias_of);
  return 0;
}

static int check_event(struct pmux_pmu *pmu, int i, uint64_t code_bits)
{
  struct pmux__event *e = &pmu->events[i];
  int err;
  if ((err = check_event_names(pmu->file, e)) ||
      (err = resolve_event_counters(pmu, e)) ||
      (err = check_event_code(pmu, e, code_bits)) ||
      (err = check_event_preset(pmu, e)) ||
      (err = check_event_umasks(pmu, e)) || (err = check_event_pmc(pmu, e)))
    return err;
  return check_event_unique(pmu, i);
}

static int check_events(struct pmux_pmu *pmu)
{
  uint64_t code_bits = codemap_code_bits(pmu);
  for (int i = 0; i < pmu->nevents; i++) {
    int err = check_event(pmu, i, code_bits);
    if (err)
      return err;
  }
  return 0;
}

static int check_shares(struct pmux_pmu *pmu)
{
  for (int i = 0; i < pmu->nshares; i++) {
    const struct pmux__share *sh = &pmu->shares[i];
    for (int j = 0; j < i; j++)
      if (!strcmp(pmu->shares[j].name, sh->name))
        return pmux__desc_fail(pmu->file, sh->line, "duplicate-share",
                               "share '%s' already declared on line %d",
                               sh->name, pmu->shares[j].line);
    if (!sh->key)
      return pmux__desc_fail(pmu->file, sh->line, "condition",
                             "share '%s' has an empty key", sh->name);
  }
  return 0;
}

/* Two codes at least, each free of reserved bits, on a PMC that exists,
 * and given once. */
static int check_alternative(const struct pmux_pmu *pmu,
                             const struct pmux__alt *a)
{
  const char *file = pmu->file;
  if (a->ncodes < 2)
    return pmux__desc_fail(file, a->line, "alternative",
                           "an alternative needs at least two codes");
  for (int k = 0; k < a->ncodes; k++) {
    unsigned long long code = a->codes[k];
    if (code & pmu->reserved)
      return pmux__desc_fail(file, a->line, "alternative",
                             "alternative code %#llx sets reserved bits "
                             "%#llx", code, code & pmu->reserved);
    if (!pmux__pmu_code_counters(pmu, code))
      return pmux__desc_fail(file, a->line, "unknown-counter",
                             "alternative code %#llx selects a PMC that does "
                             "not exist", code);
    for (int j = 0; j < k; j++)
      if (a->codes[j] == code)
        return pmux__desc_fail(file, a->line, "alternative",
                               "code %#llx appears twice", code);
  }
  return 0;
}

static int check_alternatives(struct pmux_pmu *pmu)
{
  for (int i = 0; i < pmu->nalts; i++) {
    int err = check_alternative(pmu, &pmu->alts[i]);
    if (err)
      return err;
  }
  return 0;
}

/* An alias counts what its event counts (docs: alias-of, "an earlier
 * event with the same image"): both encode, with their defaults, to one
 * image, or neither encodes. */
static int check_alias_image(const struct pmux_pmu *pmu,
                             const struct pmux__event *e)
{
  pmux_pmu_event_t a, t;
  int ea = pmux_pmu_encode(pmu, e->name, &a);
  int et = pmux_pmu_encode(pmu, e->alias_of, &t);
  if (ea == et && (ea || a.config == t.config))
    return 0;
  if (ea || et)
    return pmux__desc_fail(pmu->file, e->line, "alias-image",
                           "event %s is alias-of %s, but only %s encodes",
                           e->name, e->alias_of, ea ? e->alias_of : e->name);
  return pmux__desc_fail(pmu->file, e->line, "alias-image",
                         "event %s (image %#llx) is alias-of %s (image "
                         "%#llx)", e->name, (unsigned long long)a.config,
                         e->alias_of, (unsigned long long)t.config);
}

/* Last: the encoder needs the whole description checked. */
static int check_aliases(struct pmux_pmu *pmu)
{
  for (int i = 0; i < pmu->nevents; i++) {
    int err = pmu->events[i].alias_of
                  ? check_alias_image(pmu, &pmu->events[i])
                  : 0;
    if (err)
      return err;
  }
  return 0;
}

/* A <generic> names one of perf's generic events, once, in perf's
 * spelling, and an event spec that encodes and is no generic name itself
 * (which would loop).  Last with the aliases: it runs the encoder. */
static int check_generic(const struct pmux_pmu *pmu, int i)
{
  const struct pmux__generic *g = &pmu->generics[i];
  const char *canonical = pmux__perf_generic_name(g->name);
  if (!canonical || strcmp(canonical, g->name))
    return pmux__desc_fail(pmu->file, g->line, "generic-name",
                           "'%s' is not one of perf's generic events as perf "
                           "spells them (cycles, instructions, "
                           "cache-references, cache-misses, branches, "
                           "branch-misses, bus-cycles, stalled-cycles-frontend, "
                           "stalled-cycles-backend, ref-cycles)", g->name);
  for (int j = 0; j < i; j++)
    if (!strcmp(pmu->generics[j].name, g->name))
      return pmux__desc_fail(pmu->file, g->line, "duplicate-generic",
                             "generic %s appears twice (first on line %d)",
                             g->name, pmu->generics[j].line);
  /* the event's name as the encoder splits it: after a "PMU::" prefix
   * (cpu::cycles is cycles), before its qualifiers */
  const char *ev = strstr(g->event, "::");
  ev = ev ? ev + 2 : g->event;
  char base[256];
  snprintf(base, sizeof(base), "%.*s", (int)strcspn(ev, ":"), ev);
  if (pmux__perf_generic_name(base) && !pmux__pmu_event_find(pmu, base))
    return pmux__desc_fail(pmu->file, g->line, "generic-event",
                           "generic %s is '%s', another generic name",
                           g->name, g->event);
  pmux_pmu_event_t out;
  if (pmux_pmu_encode(pmu, g->event, &out))
    return pmux__desc_fail(pmu->file, g->line, "generic-event",
                           "generic %s: %s", g->name, pmux_errmsg());
  return 0;
}

static int check_generics(struct pmux_pmu *pmu)
{
  for (int i = 0; i < pmu->ngenerics; i++) {
    int err = check_generic(pmu, i);
    if (err)
      return err;
  }
  return 0;
}

/* The rules in the order they are checked: a later one relies on what an
 * earlier one resolved or checked (counters before the lists naming them,
 * fields before codemaps, modifiers before presets). */
static int (*const rules[])(struct pmux_pmu *pmu) = {
    resolve_family,
    check_counters,
    check_fields,
    check_codemaps,
    check_modifiers,
    resolve_watchdog,
    resolve_pmc_field,
    check_constraints,
    check_events,
    check_shares,
    check_alternatives,
    check_aliases,
    check_generics,
};

int pmux__pmu_finalize(struct pmux_pmu *pmu)
{
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(rules); i++) {
    int err = rules[i](pmu);
    if (err)
      return err;
  }
  return 0;
}
