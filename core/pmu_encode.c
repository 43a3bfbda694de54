/*
 * pmu_encode.c - event name -> register image -> perf config, from a PMU
 * description alone (no libpfm4: this is what libpfm4 is checked against).
 *
 * "EVENT[:UMASK...][:MOD[=VAL]...]", optionally "PMU::" in front (the
 * description's name or alias, or "cpu", the kernel's name of a core PMU),
 * or a raw "rHEX" / "0xHEX" (also as "cpu::0xHEX").  The image is: the field defaults (x86: INT and EN), the
 * event code placed by the codemaps, the unit masks (given, each replacing
 * its own group's default only, else the event's default: umask_image), the
 * event's preset modifiers, then the user's modifiers.  Privilege modifiers
 * (u, k, h) pick levels; with none given, user and kernel are counted
 * (libpfm4's default).  A modifier the PMU lacks is an error, never ignored.
 */
#include <ctype.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmu_desc.h"

static uint64_t fmask(const struct pmux__field *f)
{
  return f->width >= 64 ? ~0ull : ((1ull << f->width) - 1);
}

static void put_field(uint64_t *img, const struct pmux__field *f, uint64_t v)
{
  *img &= ~(fmask(f) << f->lsb);
  *img |= (v & fmask(f)) << f->lsb;
}

static uint64_t place_code(const struct pmux_pmu *pmu, uint64_t code)
{
  uint64_t img = 0;
  for (int i = 0; i < pmu->ncodemaps; i++) {
    const struct pmux__codemap *m = &pmu->codemaps[i];
    uint64_t w = m->width >= 64 ? ~0ull : ((1ull << m->width) - 1);
    img |= ((code >> m->code_lsb) & w) << m->image_lsb;
  }
  return img;
}

/* The image bits the codemaps write. */
static uint64_t code_bits(const struct pmux_pmu *pmu)
{
  return place_code(pmu, ~0ull);
}

/* The code replaces what the field defaults put under the codemaps: ORed,
 * a default on the event field would change the event counted. */
static void put_code(const struct pmux_pmu *pmu, uint64_t *img, uint64_t code)
{
  *img = (*img & ~code_bits(pmu)) | place_code(pmu, code);
}

/* The inverse of place_code, for raw images. */
static uint64_t code_of_image(const struct pmux_pmu *pmu, uint64_t img)
{
  uint64_t code = 0;
  for (int i = 0; i < pmu->ncodemaps; i++) {
    const struct pmux__codemap *m = &pmu->codemaps[i];
    uint64_t w = m->width >= 64 ? ~0ull : ((1ull << m->width) - 1);
    code |= ((img >> m->image_lsb) & w) << m->code_lsb;
  }
  return code;
}

static const struct pmux__modifier *find_mod(const struct pmux_pmu *pmu,
                                             const char *name)
{
  for (int i = 0; i < pmu->nmods; i++)
    if (!strcmp(pmu->mods[i].name, name))
      return &pmu->mods[i];
  return NULL;
}

static void mod_list(const struct pmux_pmu *pmu, char *buf, size_t len)
{
  buf[0] = 0;
  size_t off = 0;
  for (int i = 0; i < pmu->nmods && off < len; i++)
    off += (size_t)snprintf(buf + off, len - off, "%s%s%s", i ? ", " : "",
                            pmu->mods[i].name,
                            pmu->mods[i].takes_value ? "=N" : "");
}

/* Distinct modifiers one encoding may set: all the PMU has, since none is
 * set twice (the loader refuses more). */
#define SEEN_MAX PMUX__PMU_MAX_MODIFIERS

struct enc_state {
  uint64_t img;
  unsigned plm;      /* bit per PMUX__PLM_* given */
  int plm_given;
  int not_fixed;     /* a modifier that fixed counters lack was used */
  /* Modifiers set so far, the preset's first: a second setting is refused,
   * as libpfm4 does ("attribute value already set"), never a silent
   * override. */
  const struct pmux__modifier *seen[SEEN_MAX];
  int nseen, npreset;
  const char *preset;
};

/* Refuse a modifier set before (given twice, or fixed by the preset). */
static int mark_seen(const char *evname, const struct pmux__modifier *m,
                     struct enc_state *st)
{
  for (int i = 0; i < st->nseen; i++) {
    if (st->seen[i] != m)
      continue;
    if (i < st->npreset)
      return pmux__fail(PMUX_EMODIFIER, "event '%s': modifier '%s' is "
                        "already set by the event's preset (%s)", evname,
                        m->name, st->preset);
    return pmux__fail(PMUX_EMODIFIER, "event '%s': modifier '%s' is given "
                      "twice", evname, m->name);
  }
  if (st->nseen == SEEN_MAX)
    return pmux__fail(PMUX_EMODIFIER, "event '%s': more than %d modifiers",
                      evname, SEEN_MAX);
  st->seen[st->nseen++] = m;
  return 0;
}

/* Apply one "name[=value]" modifier. */
static int apply_mod(const struct pmux_pmu *pmu, const char *evname,
                     const char *tok, struct enc_state *st)
{
  char name[128]; /* as long as apply_list's tokens: a name is never cut */
  const char *eq = strchr(tok, '=');
  pmux__copy_prefix(name, sizeof(name), tok,
                    eq ? (size_t)(eq - tok) : strlen(tok));
  const struct pmux__modifier *m = find_mod(pmu, name);
  if (!m) {
    char list[256];
    mod_list(pmu, list, sizeof(list));
    return pmux__fail(PMUX_EMODIFIER,
                      "event '%s': %s has no modifier or unit mask '%s' "
                      "(modifiers: %s)", evname, pmu->name, tok, list);
  }
  uint64_t v = 1;
  if (eq) {
    /* the loader's parser: a preset validated at load encodes the same */
    if (pmux__pmu_parse_u64(eq + 1, &v))
      return pmux__fail(PMUX_EMODIFIER, "event '%s': modifier '%s' needs a "
                        "number (decimal or 0x)", evname, tok);
  } else if (m->takes_value) {
    return pmux__fail(PMUX_EMODIFIER, "event '%s': modifier '%s' needs a "
                      "value (%s=N)", evname, name, name);
  }
  int err = mark_seen(evname, m, st);
  if (err)
    return err;
  if (m->field >= 0) {
    const struct pmux__field *f = &pmu->fields[m->field];
    uint64_t max = m->takes_value ? fmask(f) : 1;
    if (v > max)
      return pmux__fail(PMUX_EMODIFIER, "event '%s': modifier '%s' takes "
                        "0..%llu", evname, name, (unsigned long long)max);
  } else if (v > 1) {
    return pmux__fail(PMUX_EMODIFIER, "event '%s': modifier '%s' takes 0 or "
                      "1", evname, name);
  }
  if (m->plm) {
    st->plm_given = 1;
    if (v)
      st->plm |= 1u << m->plm;
    else
      st->plm &= ~(1u << m->plm);
    return 0;
  }
  put_field(&st->img, &pmu->fields[m->field], v);
  if (v && !m->fixed_ok)
    st->not_fixed = 1;
  return 0;
}

static int apply_list(const struct pmux_pmu *pmu, const char *evname,
                      const char *list, struct enc_state *st)
{
  char tok[128];
  const char *s = list;
  while (*s) {
    size_t n = strcspn(s, ",");
    if (n >= sizeof(tok))
      return pmux__fail(PMUX_EMODIFIER, "event '%s': modifier too long",
                        evname);
    memcpy(tok, s, n);
    tok[n] = 0;
    int err = apply_mod(pmu, evname, tok, st);
    if (err)
      return err;
    s += n;
    if (*s == ',')
      s++;
  }
  return 0;
}

/* Counters an event code may use: POWER's PMC field, the event's own list,
 * the first matching constraint row, else every generic counter. */
static uint64_t counters_for(const struct pmux_pmu *pmu,
                             const struct pmux__event *ev, uint64_t code,
                             int *bad_pmc)
{
  *bad_pmc = 0;
  if (pmu->pmc_field >= 0) {
    const struct pmux__field *f = &pmu->fields[pmu->pmc_field];
    uint64_t pmc = (code >> f->lsb) & fmask(f);
    if (pmc) {
      if (pmc > (uint64_t)pmu->ncounters) {
        *bad_pmc = 1;
        return 0;
      }
      return 1ull << (pmc - 1);
    }
  }
  if (ev && ev->counters)
    return ev->counters;
  for (int i = 0; i < pmu->ncons; i++)
    if ((code & pmu->cons[i].match) == pmu->cons[i].code)
      return pmu->cons[i].counters;
  return pmux__pmu_mask(pmu, PMUX__CNT_GENERIC);
}

int pmux__pmu_code_pair(const struct pmux_pmu *pmu, uint64_t code)
{
  for (int i = 0; i < pmu->ncons; i++)
    if ((code & pmu->cons[i].match) == pmu->cons[i].code)
      return pmu->cons[i].pair;
  return 0;
}

uint64_t pmux__pmu_code_counters(const struct pmux_pmu *pmu, uint64_t code)
{
  int bad;
  uint64_t m = counters_for(pmu, NULL, code, &bad);
  return bad ? 0 : m;
}

int pmux__cond_match(const struct pmux__cond *c, uint64_t code)
{
  for (int i = 0; i < c->nterms; i++) {
    const struct pmux__term *t = &c->t[i];
    uint64_t v = (code >> t->lsb) & t->mask;
    int in = 0;
    for (int r = 0; r < t->nranges && !in; r++)
      in = v >= t->lo[r] && v <= t->hi[r];
    if (in == t->negate)
      return 0;
  }
  return 1;
}

const struct pmux__refuse *pmux__pmu_refused(const struct pmux_pmu *pmu,
                                             uint64_t code)
{
  for (int i = 0; i < pmu->nrefuses; i++)
    if (pmux__cond_match(&pmu->refuses[i].when, code))
      return &pmu->refuses[i];
  return NULL;
}

static int add_code(uint64_t *out, int n, int max, uint64_t code)
{
  for (int i = 0; i < n; i++)
    if (out[i] == code)
      return n;
  if (n < max)
    out[n++] = code;
  return n;
}

/* As the kernel's get_alternatives: the first row of the PMU's table that
 * holds the code gives the others; then, for a per-task event, each code so
 * far brings the other codes of the task rows that hold it. */
int pmux__pmu_alternatives(const struct pmux_pmu *pmu, uint64_t code,
                           int task, uint64_t *out, int max)
{
  if (max < 1)
    return 0;
  int n = 0;
  out[n++] = code;
  for (int i = 0; i < pmu->nalts; i++) {
    const struct pmux__alt *a = &pmu->alts[i];
    int has = 0;
    for (int k = 0; k < a->ncodes; k++)
      has |= a->codes[k] == code;
    if (a->task || !has)
      continue;
    for (int k = 0; k < a->ncodes; k++)
      n = add_code(out, n, max, a->codes[k]);
    break;
  }
  if (!task)
    return n;
  int base = n;
  for (int j = 0; j < base; j++)
    for (int i = 0; i < pmu->nalts; i++) {
      const struct pmux__alt *a = &pmu->alts[i];
      int has = 0;
      for (int k = 0; k < a->ncodes; k++)
        has |= a->codes[k] == out[j];
      if (!a->task || !has)
        continue;
      for (int k = 0; k < a->ncodes; k++)
        n = add_code(out, n, max, a->codes[k]);
    }
  return n;
}

/* "A, B, C": the names of the event's unit masks in group g. */
static void group_names(const struct pmux__event *ev, int g, char *buf,
                        size_t len)
{
  buf[0] = 0;
  size_t off = 0;
  for (int u = 0; u < ev->numasks && off < len; u++)
    if (ev->umasks[u].group == g)
      off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
                              ev->umasks[u].name);
}

/*
 * The unit-mask field of an event given the unit masks named (as libpfm4
 * encodes it): those given, ORed, each replacing the default of its own
 * group only; every other group adds its default, or nothing when its unit
 * masks are optional; a group with neither needs one of its unit masks.
 * Two unit masks of one group combine unless one of them is exclusive.
 */
static int umask_image(const struct pmux__event *ev, const char *name,
                       const int *given, int ngiven, uint64_t *out)
{
  char list[200];
  *out = 0;
  if (!ngiven && ev->has_umask) {
    *out = ev->umask;
    return 0;
  }
  unsigned used = 0; /* groups given a unit mask */
  for (int k = 0; k < ngiven; k++) {
    const struct pmux__umask *a = &ev->umasks[given[k]];
    for (int j = 0; j < k; j++) {
      const struct pmux__umask *b = &ev->umasks[given[j]];
      if (a->group == b->group && (a->exclusive || b->exclusive))
        return pmux__fail(PMUX_EMODIFIER, "event '%s': unit masks %s and %s "
                          "cannot be combined (%s excludes the other unit "
                          "masks of its group)", name, b->name, a->name,
                          b->exclusive ? b->name : a->name);
    }
    *out |= a->code;
    used |= 1u << a->group;
  }
  for (int g = 0; g < ev->ngroups; g++) {
    if (used >> g & 1)
      continue;
    int found = 0, has_dflt = 0, optional = 0;
    uint64_t dflt = 0;
    for (int u = 0; u < ev->numasks; u++) {
      const struct pmux__umask *um = &ev->umasks[u];
      if (um->group != g)
        continue;
      found = 1;
      optional |= um->optional;
      if (um->dflt) {
        has_dflt = 1;
        dflt |= um->code;
      }
    }
    if (!ev->grouped && ev->has_umask) { /* one group, default on the event */
      has_dflt = 1;
      dflt = ev->umask;
    }
    if (!found || optional)
      continue;
    if (!has_dflt) {
      group_names(ev, g, list, sizeof(list));
      if (ev->ngroups > 1)
        return pmux__fail(PMUX_EMODIFIER, "event '%s': %s needs a unit mask "
                          "of its group %d, one of %s", name, ev->name, g,
                          list);
      return pmux__fail(PMUX_EMODIFIER, "event '%s': needs a unit mask, one "
                        "of %s", name, list);
    }
    *out |= dflt;
  }
  return 0;
}

static int parse_raw(const char *s, uint64_t *v)
{
  const char *h = NULL;
  if (s[0] == 'r' && isxdigit((unsigned char)s[1]))
    h = s + 1;
  else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2])
    h = s + 2;
  if (!h)
    return -1;
  for (const char *p = h; *p; p++)
    if (!isxdigit((unsigned char)*p))
      return -1;
  if (strlen(h) > 16)
    return -1;
  *v = strtoull(h, NULL, 16);
  return 0;
}

/*
 * "; did you mean A, B, C": the description's events nearest to the unknown
 * name (edit distance, as pmux_event_resolve() suggests), then those it
 * begins; "" when none is close.  Not a shared prefix alone: every POWER
 * event begins with "PM_".
 */
static void suggest(const struct pmux_pmu *pmu, const char *s, char *hint,
                    size_t len)
{
  size_t n = strlen(s);
  size_t limit = n <= 4 ? 1 : n <= 8 ? 2 : 3;
  int best[3] = {-1, -1, -1};
  size_t dist[3] = {0};
  for (int i = 0; i < pmu->nevents; i++) {
    size_t d = pmux__edit_distance(s, pmu->events[i].name);
    if (d > limit) {
      if (n < 4 || strncasecmp(pmu->events[i].name, s, n))
        continue;
      d = limit + 1; /* begins with it: after the near misses */
    }
    for (int k = 0; k < 3; k++)
      if (best[k] < 0 || d < dist[k]) {
        for (int m = 2; m > k; m--) {
          best[m] = best[m - 1];
          dist[m] = dist[m - 1];
        }
        best[k] = i;
        dist[k] = d;
        break;
      }
  }
  size_t off = 0;
  hint[0] = 0;
  for (int k = 0; k < 3 && best[k] >= 0 && off < len; k++)
    off += (size_t)snprintf(hint + off, len - off, "%s%s",
                            k ? ", " : "; did you mean ",
                            pmu->events[best[k]].name);
}

/* "PMU::EVENT": the PMU part must name this PMU (canonical or alias).  buf
 * (a copy of name) is cut into the event's name (*event) and what follows
 * its first ':' (*quals, NULL when nothing does). */
static int split_name(const pmux_pmu_t *pmu, const char *name, char *buf,
                      char **event, char **quals)
{
  char *s = buf;
  char *sep = strstr(s, "::");
  if (sep) {
    *sep = 0;
    /* a variant "intel_arch:v=3,..." also answers to "intel_arch"; and
     * every description is of a core PMU, which the kernel names "cpu"
     * (cpu::0x1c2 is r1c2, in check as in stat) */
    size_t bl = strcspn(pmu->name, ":");
    int ok = !strcasecmp(s, pmu->name) || !strcasecmp(s, "cpu") ||
             (strlen(s) == bl && !strncasecmp(s, pmu->name, bl));
    for (int i = 0; i < pmu->naliases && !ok; i++)
      ok = !strcasecmp(s, pmu->aliases[i]);
    if (!ok)
      return pmux__fail(PMUX_EEVENT, "event '%s': PMU '%s' is not %s", name,
                        s, pmu->name);
    s = sep + 2;
  }
  char *colon = strchr(s, ':');
  if (colon)
    *colon++ = 0;
  *event = s;
  *quals = colon;
  return 0;
}

/* A raw register image: reserved bits and bits of no field are an error,
 * not dropped; it replaces every field that perf takes from config. */
static int encode_raw_image(const struct pmux_pmu *pmu, const char *name,
                            uint64_t raw, struct enc_state *st,
                            uint64_t *code)
{
  if (raw & pmu->reserved)
    return pmux__fail(PMUX_ECONFIG, "raw event '%s': reserved bits %#llx "
                      "set (%s reserves %#llx)", name,
                      (unsigned long long)(raw & pmu->reserved), pmu->name,
                      (unsigned long long)pmu->reserved);
  uint64_t fields = 0;
  for (int i = 0; i < pmu->nfields; i++)
    fields |= fmask(&pmu->fields[i]) << pmu->fields[i].lsb;
  if (raw & ~fields)
    return pmux__fail(PMUX_ECONFIG, "raw event '%s': bits %#llx are no "
                      "field of %s", name,
                      (unsigned long long)(raw & ~fields), pmu->name);
  for (int i = 0; i < pmu->nfields; i++)
    if (pmu->fields[i].perf)
      put_field(&st->img, &pmu->fields[i], 0);
  st->img |= raw;
  *code = code_of_image(pmu, raw);
  /* Bits a fixed counter lacks (edge, inv, cmask...) keep the image off
   * fixed counters, as the same modifiers would: the kernel's fixed
   * constraint compares them too. */
  for (int j = 0; j < pmu->nmods; j++) {
    const struct pmux__modifier *m = &pmu->mods[j];
    if (m->plm || m->fixed_ok || m->field < 0)
      continue;
    const struct pmux__field *f = &pmu->fields[m->field];
    if ((raw >> f->lsb) & fmask(f))
      st->not_fixed = 1;
  }
  return 0;
}

/* A raw event code where perf takes the code.  When the code is the image
 * (POWER), bits no codemap carries are an error, not dropped (MIPS codes
 * carry bits the image does not). */
static int encode_raw_code(const struct pmux_pmu *pmu, const char *name,
                           uint64_t code, struct enc_state *st)
{
  int identity = 1;
  for (int i = 0; i < pmu->ncodemaps; i++)
    identity &= pmu->codemaps[i].code_lsb == pmu->codemaps[i].image_lsb;
  if (identity && (code_of_image(pmu, place_code(pmu, code)) != code ||
                   (code & pmu->reserved)))
    return pmux__fail(PMUX_ECONFIG, "raw event '%s': bits %#llx are not "
                      "part of a %s event code", name,
                      (unsigned long long)((code & pmu->reserved) |
                                           (code & ~code_of_image(
                                               pmu, place_code(pmu, code)))),
                      pmu->name);
  put_code(pmu, &st->img, code);
  return 0;
}

/* The event named (*ev), or a raw one (*ev NULL), placed in the image over
 * the field defaults; *code is its event code. */
static int encode_event(const struct pmux_pmu *pmu, const char *name,
                        const char *event, struct enc_state *st,
                        const struct pmux__event **ev, uint64_t *code)
{
  for (int i = 0; i < pmu->nfields; i++)
    put_field(&st->img, &pmu->fields[i], pmu->fields[i].dflt);
  *ev = pmux__pmu_event_find(pmu, event);
  if (*ev) {
    *code = (*ev)->code;
    put_code(pmu, &st->img, *code);
    return 0;
  }
  uint64_t raw;
  if (parse_raw(event, &raw)) {
    char hint[160];
    suggest(pmu, event, hint, sizeof(hint));
    if (pmux__perf_generic_name(event))
      return pmux__fail(PMUX_EEVENT, "event '%s': %s maps no event to "
                        "perf's generic '%s' (see pmux list --pmu %s)%s",
                        name, pmu->name, pmux__perf_generic_name(event),
                        pmu->name, hint);
    return pmux__fail(PMUX_EEVENT, "event '%s': %s has no such event "
                      "(see pmux list --pmu %s)%s", name, pmu->name,
                      pmu->name, hint);
  }
  if (!pmu->perf_code)
    return encode_raw_image(pmu, name, raw, st, code);
  *code = raw;
  return encode_raw_code(pmu, name, raw, st);
}

/* What follows the event's name, sorted: its unit masks, each once, and
 * the rest, modifiers, as a comma-separated list. */
struct qualifiers {
  int given[128];    /* indexes of the unit masks given, each once */
  int ngiven;
  char mods[256];
};

static int sort_qualifiers(const struct pmux__event *ev, const char *name,
                           char *quals, struct qualifiers *q)
{
  size_t moff = 0;
  q->ngiven = 0;
  q->mods[0] = 0;
  for (char *tok = quals; tok && *tok;) {
    char *next = strchr(tok, ':');
    if (next)
      *next++ = 0;
    int um = -1;
    for (int u = 0; ev && u < ev->numasks && um < 0; u++)
      if (!strcasecmp(ev->umasks[u].name, tok))
        um = u;
    if (um >= 0) {
      int dup = 0;
      for (int k = 0; k < q->ngiven; k++)
        dup |= q->given[k] == um;
      if (!dup && q->ngiven < (int)PMUX_ARRAY_SIZE(q->given))
        q->given[q->ngiven++] = um;
    } else {
      if (!*tok)
        return pmux__fail(PMUX_ESYNTAX, "event '%s': empty modifier", name);
      if (moff + strlen(tok) + 2 >= sizeof(q->mods))
        return pmux__fail(PMUX_ESYNTAX, "event '%s': too many modifiers",
                          name);
      moff += (size_t)snprintf(q->mods + moff, sizeof(q->mods) - moff,
                               "%s%s", moff ? "," : "", tok);
    }
    tok = next;
  }
  return 0;
}

/* The unit-mask field: the unit masks given, else the event's default. */
static int apply_umasks(const struct pmux_pmu *pmu,
                        const struct pmux__event *ev, const char *name,
                        const struct qualifiers *q, struct enc_state *st)
{
  uint64_t umask = 0;
  int err;
  if (ev && (err = umask_image(ev, name, q->given, q->ngiven, &umask)))
    return err;
  if (pmu->umask_field >= 0 && (q->ngiven || (ev && ev->has_umask))) {
    const struct pmux__field *uf = &pmu->fields[pmu->umask_field];
    put_field(&st->img, uf, umask); /* replaces the field's default */
    if (q->ngiven && umask != (ev->has_umask ? ev->umask : 0))
      st->not_fixed = 1; /* a fixed counter counts only the default */
  }
  return 0;
}

/* The event's preset, then the modifiers given (none may set one of the
 * preset's again). */
static int apply_modifiers(const struct pmux_pmu *pmu,
                           const struct pmux__event *ev, const char *name,
                           const char *mods, struct enc_state *st)
{
  int err;
  if (ev && ev->preset && (err = apply_list(pmu, name, ev->preset, st)))
    return err;
  st->npreset = st->nseen;
  st->preset = ev ? ev->preset : NULL;
  return apply_list(pmu, name, mods, st);
}

/* Privilege levels, default user + kernel: the image's privilege fields
 * and perf's exclude_* flags. */
static int apply_plm(const struct pmux_pmu *pmu, const char *name,
                     struct enc_state *st, pmux_pmu_event_t *out)
{
  unsigned plm = (1u << PMUX__PLM_USER) | (1u << PMUX__PLM_KERNEL);
  if (st->plm_given)
    plm = st->plm;
  if (st->plm_given && !plm)
    return pmux__fail(PMUX_EMODIFIER, "event '%s': every privilege level is "
                      "excluded", name);
  int has_hv = 0;
  for (int i = 0; i < pmu->nmods; i++) {
    const struct pmux__modifier *m = &pmu->mods[i];
    if (!m->plm)
      continue;
    if (m->plm == PMUX__PLM_HV)
      has_hv = 1;
    if (m->field >= 0)
      put_field(&st->img, &pmu->fields[m->field], (plm >> m->plm) & 1);
  }
  out->exclude_user = !((plm >> PMUX__PLM_USER) & 1);
  out->exclude_kernel = !((plm >> PMUX__PLM_KERNEL) & 1);
  out->exclude_hv = has_hv ? !((plm >> PMUX__PLM_HV) & 1) : 1;
  return 0;
}

/* The counters the finished image may go on (and whether it takes a pair):
 * its PMC, event list or constraint row, widened by the alternatives the
 * kernel may switch to, narrowed off fixed counters by modifiers they lack;
 * refused by the kernel's rules, or when none is left. */
static int place_counters(const struct pmux_pmu *pmu,
                          const struct pmux__event *ev, const char *name,
                          uint64_t code, const struct enc_state *st,
                          pmux_pmu_event_t *out)
{
  if (st->img & pmu->reserved)
    return pmux__fail(PMUX_ECONFIG, "event '%s': reserved bits %#llx set",
                      name, (unsigned long long)(st->img & pmu->reserved));
  int bad_pmc;
  uint64_t key = code | code_of_image(pmu, st->img);
  out->counters = counters_for(pmu, ev, key, &bad_pmc);
  out->pair = !(ev && ev->counters) && pmu->pmc_field < 0 &&
              pmux__pmu_code_pair(pmu, key);
  if (bad_pmc)
    return pmux__fail(PMUX_EEVENT, "event '%s': the code selects a PMC %s "
                      "does not have", name, pmu->name);
  const struct pmux__refuse *rf = pmux__pmu_refused(pmu, key);
  if (rf)
    return pmux__fail(PMUX_ECONSTRAINT, "event '%s': the kernel refuses "
                      "code %#llx on %s: %s", name, (unsigned long long)key,
                      pmu->name, rf->why);
  /* an alternative code the kernel may switch to (per-task planning) */
  uint64_t alt[2 * PMUX__ALT_MAX + 2];
  int nalt = pmux__pmu_alternatives(pmu, key, 1, alt,
                                    (int)PMUX_ARRAY_SIZE(alt));
  for (int k = 1; k < nalt; k++)
    out->counters |= pmux__pmu_code_counters(pmu, alt[k]);
  if (st->not_fixed)
    out->counters &= ~pmux__pmu_mask(pmu, PMUX__CNT_FIXED);
  if (!out->counters)
    return pmux__fail(PMUX_ECONSTRAINT, "event '%s': with these modifiers "
                      "no counter of %s can count it", name, pmu->name);
  return 0;
}

/* perf's config: the code itself, or the image's fields that perf takes. */
static uint64_t perf_config(const struct pmux_pmu *pmu, uint64_t code,
                            uint64_t img)
{
  if (pmu->perf_code)
    return code;
  uint64_t pc = 0;
  for (int i = 0; i < pmu->nfields; i++)
    if (pmu->fields[i].perf)
      pc |= fmask(&pmu->fields[i]) << pmu->fields[i].lsb;
  return img & pc;
}

/*
 * perf's generic name (cycles:u) as the event the description maps it to,
 * with the same qualifiers (UNHALTED_CORE_CYCLES:u): what the kernel
 * counts for it on this PMU, so that a set of generic events can be
 * planned.  out keeps the name given.
 */
static int encode_generic(const pmux_pmu_t *pmu, const char *name,
                          const struct pmux__generic *g, const char *quals,
                          pmux_pmu_event_t *out)
{
  char spec[512];
  snprintf(spec, sizeof(spec), "%s%s%s", g->event, quals ? ":" : "",
           quals ? quals : "");
  int err = pmux_pmu_encode(pmu, spec, out);
  snprintf(out->name, sizeof(out->name), "%s", name);
  if (!err)
    return 0;
  /* a copy: the new message is written where the old one is read from */
  char why[PMUX_ERRMSG_MAX];
  snprintf(why, sizeof(why), "%s", pmux_errmsg());
  return pmux__fail(err, "event '%s' (%s on %s): %s", name, g->event,
                    pmu->name, why);
}

int pmux_pmu_encode(const pmux_pmu_t *pmu, const char *name,
                    pmux_pmu_event_t *out)
{
  if (!pmu || !name || !out)
    return pmux__fail(-EINVAL, "pmux_pmu_encode: NULL argument");
  memset(out, 0, sizeof(*out));
  snprintf(out->name, sizeof(out->name), "%s", name);
  if (strlen(name) >= 256)
    return pmux__fail(PMUX_EEVENT, "event name too long");
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", name);
  char *event = NULL, *quals = NULL;
  struct enc_state st = {0};
  const struct pmux__event *ev = NULL;
  uint64_t code = 0;
  struct qualifiers q;
  int err;
  if ((err = split_name(pmu, name, buf, &event, &quals)))
    return err;
  const struct pmux__generic *g = pmux__pmu_event_find(pmu, event)
                                      ? NULL
                                      : pmux__pmu_generic_find(pmu, event);
  if (g)
    return encode_generic(pmu, name, g, quals, out);
  if ((err = encode_event(pmu, name, event, &st, &ev, &code)) ||
      (err = sort_qualifiers(ev, name, quals, &q)) ||
      (err = apply_umasks(pmu, ev, name, &q, &st)) ||
      (err = apply_modifiers(pmu, ev, name, q.mods, &st)) ||
      (err = apply_plm(pmu, name, &st, out)) ||
      (err = place_counters(pmu, ev, name, code, &st, out)))
    return err;
  out->code = code;
  out->config = st.img;
  out->perf_type = PERF_TYPE_RAW;
  out->perf_config = perf_config(pmu, code, st.img);
  return 0;
}
