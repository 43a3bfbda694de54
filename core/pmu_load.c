/*
 * pmu_load.c - the PMU description loader (XML through expat): every element
 * and attribute known, every required attribute present, numbers that
 * parse, POWER's conditions; then the consistency check of pmu_check.c.  A
 * failure is PMUX_EDESC with "FILE:LINE: RULE: detail".  The format is
 * documented in docs/pmu-description.md.
 */
#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pmu_desc.h"

#define MAX_DEPTH 8

struct loader {
  XML_Parser xp;
  const char *file;
  struct pmux_pmu *pmu;
  struct pmux__event *cur_event; /* inside <event> */
  int depth;
  int seen_pmu;
  int failed;
  int err;
};

/* The largest description read (the built-in ones are under 1 MiB). */
#define PMUX__DESC_MAX_BYTES (64 * 1024 * 1024)

int pmux__desc_fail(const char *file, int line, const char *rule,
                    const char *fmt, ...)
{
  char detail[PMUX_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof(detail), fmt, ap);
  va_end(ap);
  return pmux__fail(PMUX_EDESC, "%s:%d: %s: %s", file ? file : "<buffer>",
                    line, rule, detail);
}

static int lfail(struct loader *ld, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lfail(struct loader *ld, const char *rule, const char *fmt, ...)
{
  if (ld->failed)
    return ld->err;
  char detail[PMUX_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof(detail), fmt, ap);
  va_end(ap);
  ld->failed = 1;
  ld->err = pmux__desc_fail(ld->file, (int)XML_GetCurrentLineNumber(ld->xp),
                            rule, "%s", detail);
  XML_StopParser(ld->xp, XML_FALSE);
  return ld->err;
}

static const char *attr(const char **atts, const char *name)
{
  for (int i = 0; atts[i]; i += 2)
    if (!strcmp(atts[i], name))
      return atts[i + 1];
  return NULL;
}

/* Every attribute of an element must be one it knows: a typo is an error. */
static int check_attrs(struct loader *ld, const char *el, const char **atts,
                       const char *const *known)
{
  for (int i = 0; atts[i]; i += 2) {
    int ok = 0;
    for (int k = 0; known[k]; k++)
      ok |= !strcmp(atts[i], known[k]);
    if (!ok)
      return lfail(ld, "unknown-attribute", "<%s> has no attribute '%s'", el,
                   atts[i]);
  }
  return 0;
}

static const char *need(struct loader *ld, const char *el, const char **atts,
                        const char *name)
{
  const char *v = attr(atts, name);
  if (!v || !*v)
    lfail(ld, "missing-attribute", "<%s> needs attribute '%s'", el, name);
  return v && *v ? v : NULL;
}

int pmux__pmu_parse_u64(const char *s, uint64_t *out)
{
  /* a digit first: strtoull would take " 5", "+5" and "-5" */
  if (!s || !isdigit((unsigned char)*s))
    return -1;
  char *end;
  errno = 0;
  /* Decimal or 0x hex, as docs/pmu-description.md says.  A decimal with
   * a leading 0 is refused: libpfm4 reads "010" as octal eight, C as
   * well, and a reader might take it for ten. */
  int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (s[0] == '0' && isdigit((unsigned char)s[1]))
    return -1;
  unsigned long long v = strtoull(s, &end, hex ? 16 : 10);
  if (errno || *end || end == s + (hex ? 2 : 0))
    return -1;
  *out = v;
  return 0;
}

static int num(struct loader *ld, const char *el, const char *name,
               const char *s, uint64_t max, uint64_t *out)
{
  if (pmux__pmu_parse_u64(s, out) || *out > max)
    return lfail(ld, "bad-number", "<%s %s=\"%s\">: not a number in 0..%llu",
                 el, name, s, (unsigned long long)max);
  return 0;
}

static int yesno(struct loader *ld, const char *el, const char *name,
                 const char *s, int dflt, int *out)
{
  if (!s) {
    *out = dflt;
    return 0;
  }
  if (!strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "true"))
    *out = 1;
  else if (!strcmp(s, "no") || !strcmp(s, "0") || !strcmp(s, "false"))
    *out = 0;
  else
    return lfail(ld, "bad-value", "<%s %s=\"%s\">: want yes or no", el, name,
                 s);
  return 0;
}

/* A PMU or alias name that can be written ("PMU::EVENT", a PMU's
 * parameters after ':'); 0 or the error, the parser stopped. */
static int name_ok(struct loader *ld, const char *what, const char *name)
{
  int err = pmux__pmu_check_name(ld->file,
                                 (int)XML_GetCurrentLineNumber(ld->xp), what,
                                 name);
  if (err) {
    ld->failed = 1;
    ld->err = err;
    XML_StopParser(ld->xp, XML_FALSE);
  }
  return err;
}

static char *xstrdup(struct loader *ld, const char *s)
{
  char *d = strdup(s ? s : "");
  if (!d)
    lfail(ld, "memory", "out of memory");
  return d;
}

/* Grow an array by one zeroed element; returns it or NULL. */
static void *grow(struct loader *ld, void **arr, int *n, size_t size)
{
  if (*n >= 100000) {
    lfail(ld, "too-large", "more than 100000 rows");
    return NULL;
  }
  void *p = realloc(*arr, (size_t)(*n + 1) * size);
  if (!p) {
    lfail(ld, "memory", "out of memory");
    return NULL;
  }
  *arr = p;
  void *e = (char *)p + (size_t)*n * size;
  memset(e, 0, size);
  (*n)++;
  return e;
}

static void start_pmu(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"name", "family", "pfm", "desc",
                                      "addr-space", "perf-config",
                                      "pmc-field", "plm-scope", NULL};
  if (ld->seen_pmu) {
    lfail(ld, "structure", "only one <pmu> per file");
    return;
  }
  ld->seen_pmu = 1;
  if (check_attrs(ld, "pmu", atts, known))
    return;
  struct pmux_pmu *p = ld->pmu;
  const char *name = need(ld, "pmu", atts, "name");
  const char *family = need(ld, "pmu", atts, "family");
  if (!name || !family || name_ok(ld, "PMU", name))
    return;
  p->line_pmu = (int)XML_GetCurrentLineNumber(ld->xp);
  p->name = xstrdup(ld, name);
  p->family = xstrdup(ld, family);
  p->desc = xstrdup(ld, attr(atts, "desc") ? attr(atts, "desc") : name);
  if (attr(atts, "pfm"))
    p->pfm = xstrdup(ld, attr(atts, "pfm"));
  p->addr_space = xstrdup(ld, attr(atts, "addr-space") ? attr(atts, "addr-space")
                                                       : "msr");
  const char *pc = attr(atts, "perf-config");
  if (pc && strcmp(pc, "code") && strcmp(pc, "image")) {
    lfail(ld, "bad-value", "<pmu perf-config=\"%s\">: want code or image", pc);
    return;
  }
  p->perf_code = pc && !strcmp(pc, "code");
  const char *scope = attr(atts, "plm-scope");
  if (scope && strcmp(scope, "event") && strcmp(scope, "group")) {
    lfail(ld, "bad-value", "<pmu plm-scope=\"%s\">: want event or group",
          scope);
    return;
  }
  p->plm_group = scope && !strcmp(scope, "group");
  if (attr(atts, "pmc-field"))
    p->pmc_field_name = xstrdup(ld, attr(atts, "pmc-field"));
}

static void start_counter(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"name", "kind", "width", "addr", NULL};
  if (check_attrs(ld, "counter", atts, known))
    return;
  struct pmux_pmu *p = ld->pmu;
  const char *name = need(ld, "counter", atts, "name");
  const char *kind = need(ld, "counter", atts, "kind");
  const char *width = need(ld, "counter", atts, "width");
  const char *addr = need(ld, "counter", atts, "addr");
  if (!name || !kind || !width || !addr)
    return;
  if (p->ncounters >= PMUX__PMU_MAX_COUNTERS) {
    lfail(ld, "too-many-counters", "more than %d counters",
          PMUX__PMU_MAX_COUNTERS);
    return;
  }
  struct pmux__counter *c = &p->counters[p->ncounters];
  uint64_t w, a;
  if (num(ld, "counter", "width", width, 64, &w) ||
      num(ld, "counter", "addr", addr, UINT64_MAX, &a))
    return;
  if (!strcmp(kind, "generic"))
    c->kind = PMUX__CNT_GENERIC;
  else if (!strcmp(kind, "fixed"))
    c->kind = PMUX__CNT_FIXED;
  else {
    lfail(ld, "bad-value", "<counter kind=\"%s\">: want generic or fixed",
          kind);
    return;
  }
  c->name = xstrdup(ld, name);
  c->width = (unsigned)w;
  c->addr = a;
  c->line = (int)XML_GetCurrentLineNumber(ld->xp);
  if (!p->ncounters)
    p->line_counters = c->line;
  p->ncounters++;
}

static void start_field(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"name", "lsb", "width", "default",
                                      "perf", NULL};
  if (check_attrs(ld, "field", atts, known))
    return;
  const char *name = need(ld, "field", atts, "name");
  const char *lsb = need(ld, "field", atts, "lsb");
  const char *width = need(ld, "field", atts, "width");
  if (!name || !lsb || !width)
    return;
  uint64_t l, w, d = 0;
  if (num(ld, "field", "lsb", lsb, 63, &l) ||
      num(ld, "field", "width", width, 64, &w))
    return;
  if (attr(atts, "default") &&
      num(ld, "field", "default", attr(atts, "default"), UINT64_MAX, &d))
    return;
  int perf;
  if (yesno(ld, "field", "perf", attr(atts, "perf"), 1, &perf))
    return;
  struct pmux__field *f =
      grow(ld, (void **)&ld->pmu->fields, &ld->pmu->nfields, sizeof(*f));
  if (!f)
    return;
  f->name = xstrdup(ld, name);
  f->lsb = (unsigned)l;
  f->width = (unsigned)w;
  f->dflt = d;
  f->perf = perf;
  f->line = (int)XML_GetCurrentLineNumber(ld->xp);
}

static void start_codemap(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"code-lsb", "width", "image-lsb", NULL};
  if (check_attrs(ld, "codemap", atts, known))
    return;
  const char *cl = need(ld, "codemap", atts, "code-lsb");
  const char *w = need(ld, "codemap", atts, "width");
  const char *il = need(ld, "codemap", atts, "image-lsb");
  if (!cl || !w || !il)
    return;
  uint64_t a, b, c;
  if (num(ld, "codemap", "code-lsb", cl, 63, &a) ||
      num(ld, "codemap", "width", w, 64, &b) ||
      num(ld, "codemap", "image-lsb", il, 63, &c))
    return;
  struct pmux__codemap *m =
      grow(ld, (void **)&ld->pmu->codemaps, &ld->pmu->ncodemaps, sizeof(*m));
  if (!m)
    return;
  m->code_lsb = (unsigned)a;
  m->width = (unsigned)b;
  m->image_lsb = (unsigned)c;
  m->line = (int)XML_GetCurrentLineNumber(ld->xp);
}

static void start_modifier(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"name", "field", "plm", "value",
                                      "fixed", "desc", NULL};
  if (check_attrs(ld, "modifier", atts, known))
    return;
  const char *name = need(ld, "modifier", atts, "name");
  if (!name)
    return;
  int value, fixed;
  if (yesno(ld, "modifier", "value", attr(atts, "value"), 0, &value) ||
      yesno(ld, "modifier", "fixed", attr(atts, "fixed"), 0, &fixed))
    return;
  int plm = PMUX__PLM_NONE;
  const char *ps = attr(atts, "plm");
  if (ps) {
    if (!strcmp(ps, "user"))
      plm = PMUX__PLM_USER;
    else if (!strcmp(ps, "kernel"))
      plm = PMUX__PLM_KERNEL;
    else if (!strcmp(ps, "hv"))
      plm = PMUX__PLM_HV;
    else {
      lfail(ld, "bad-value", "<modifier plm=\"%s\">: want user, kernel or hv",
            ps);
      return;
    }
  }
  struct pmux__modifier *m =
      grow(ld, (void **)&ld->pmu->mods, &ld->pmu->nmods, sizeof(*m));
  if (!m)
    return;
  m->name = xstrdup(ld, name);
  m->desc = xstrdup(ld, attr(atts, "desc"));
  m->field = -1; /* a privilege modifier may set no register bit (POWER) */
  m->plm = plm;
  m->takes_value = value;
  m->fixed_ok = fixed;
  m->line = (int)XML_GetCurrentLineNumber(ld->xp);
  if (attr(atts, "field")) {
    /* resolved here: the field must be declared before the modifier */
    int found = -1;
    for (int i = 0; i < ld->pmu->nfields; i++)
      if (!strcmp(ld->pmu->fields[i].name, attr(atts, "field")))
        found = i;
    if (found < 0) {
      lfail(ld, "unknown-field", "modifier '%s' names field '%s', which is "
            "not declared before it", name, attr(atts, "field"));
      return;
    }
    m->field = found;
  }
}

static void start_constraint(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"code", "match", "counters", "pair",
                                      NULL};
  if (check_attrs(ld, "constraint", atts, known))
    return;
  int pair;
  if (yesno(ld, "constraint", "pair", attr(atts, "pair"), 0, &pair))
    return;
  const char *code = need(ld, "constraint", atts, "code");
  const char *cnt = need(ld, "constraint", atts, "counters");
  if (!code || !cnt)
    return;
  uint64_t c, m = 0xff;
  if (num(ld, "constraint", "code", code, UINT64_MAX, &c))
    return;
  if (attr(atts, "match") &&
      num(ld, "constraint", "match", attr(atts, "match"), UINT64_MAX, &m))
    return;
  if (c & ~m) {
    lfail(ld, "constraint-code", "code %#llx has bits outside match %#llx",
          (unsigned long long)c, (unsigned long long)m);
    return;
  }
  struct pmux__constraint *k =
      grow(ld, (void **)&ld->pmu->cons, &ld->pmu->ncons, sizeof(*k));
  if (!k)
    return;
  k->code = c;
  k->match = m;
  k->counters_spec = xstrdup(ld, cnt);
  k->pair = pair;
  k->line = (int)XML_GetCurrentLineNumber(ld->xp);
}

static void start_event(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"name", "code", "umask", "preset",
                                      "alias-of", "counters", "desc", NULL};
  if (check_attrs(ld, "event", atts, known))
    return;
  const char *name = need(ld, "event", atts, "name");
  const char *code = need(ld, "event", atts, "code");
  if (!name || !code)
    return;
  uint64_t c, u = 0;
  if (num(ld, "event", "code", code, UINT64_MAX, &c))
    return;
  if (attr(atts, "umask") &&
      num(ld, "event", "umask", attr(atts, "umask"), UINT64_MAX, &u))
    return;
  struct pmux__event *e =
      grow(ld, (void **)&ld->pmu->events, &ld->pmu->nevents, sizeof(*e));
  if (!e)
    return;
  e->name = xstrdup(ld, name);
  e->desc = xstrdup(ld, attr(atts, "desc"));
  e->code = c;
  e->has_umask = attr(atts, "umask") != NULL;
  e->umask = u;
  if (attr(atts, "preset"))
    e->preset = xstrdup(ld, attr(atts, "preset"));
  if (attr(atts, "alias-of"))
    e->alias_of = xstrdup(ld, attr(atts, "alias-of"));
  if (attr(atts, "counters"))
    e->counters_spec = xstrdup(ld, attr(atts, "counters"));
  e->line = (int)XML_GetCurrentLineNumber(ld->xp);
  ld->cur_event = e;
}

static void start_umask(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"name", "code", "group", "default",
                                      "exclusive", "optional", "desc", NULL};
  if (check_attrs(ld, "umask", atts, known))
    return;
  const char *name = need(ld, "umask", atts, "name");
  const char *code = need(ld, "umask", atts, "code");
  if (!name || !code)
    return;
  uint64_t c, g = 0;
  int dflt, exclusive, optional;
  if (num(ld, "umask", "code", code, UINT64_MAX, &c) ||
      (attr(atts, "group") && num(ld, "umask", "group", attr(atts, "group"),
                                  PMUX__UMASK_GROUPS - 1, &g)) ||
      yesno(ld, "umask", "default", attr(atts, "default"), 0, &dflt) ||
      yesno(ld, "umask", "exclusive", attr(atts, "exclusive"), 0,
            &exclusive) ||
      yesno(ld, "umask", "optional", attr(atts, "optional"), 0, &optional))
    return;
  struct pmux__event *e = ld->cur_event;
  struct pmux__umask *u = grow(ld, (void **)&e->umasks, &e->numasks, sizeof(*u));
  if (!u)
    return;
  u->name = xstrdup(ld, name);
  u->desc = xstrdup(ld, attr(atts, "desc"));
  u->code = c;
  u->group = (int)g;
  u->dflt = dflt;
  u->exclusive = exclusive;
  u->optional = optional;
  u->line = (int)XML_GetCurrentLineNumber(ld->xp);
}

/* ------------------------------------------------ POWER rules (conditions) */

static int find_field_n(const struct pmux_pmu *pmu, const char *name, size_t n)
{
  for (int i = 0; i < pmu->nfields; i++)
    if (strlen(pmu->fields[i].name) == n &&
        !strncmp(pmu->fields[i].name, name, n))
      return i;
  return -1;
}

/* "NAME" or "NAME&MASK" (NAME a declared field or "code") -> lsb and mask. */
static int parse_lhs(struct loader *ld, const char *el, const char *s,
                     size_t n, unsigned *lsb, uint64_t *mask)
{
  const char *amp = memchr(s, '&', n);
  size_t nl = amp ? (size_t)(amp - s) : n;
  if (nl == 4 && !strncmp(s, "code", 4)) {
    *lsb = 0;
    *mask = ~0ull;
  } else {
    int f = find_field_n(ld->pmu, s, nl);
    if (f < 0)
      return lfail(ld, "unknown-field", "<%s>: '%.*s' is no field declared "
                   "before it (nor 'code')", el, (int)nl, s);
    const struct pmux__field *fd = &ld->pmu->fields[f];
    *lsb = fd->lsb;
    *mask = fd->width >= 64 ? ~0ull : ((1ull << fd->width) - 1);
  }
  if (amp) {
    char buf[32];
    size_t ml = n - nl - 1;
    uint64_t m;
    if (!ml || ml >= sizeof(buf))
      return lfail(ld, "condition", "<%s>: bad mask in '%.*s'", el, (int)n, s);
    memcpy(buf, amp + 1, ml);
    buf[ml] = 0;
    if (pmux__pmu_parse_u64(buf, &m))
      return lfail(ld, "condition", "<%s>: bad mask in '%.*s'", el, (int)n, s);
    *mask &= m;
  }
  return 0;
}

/* The values of the term s..end, from v: "V[..V][|V[..V]]...", each inside
 * the term's field, into t's ranges. */
static int parse_ranges(struct loader *ld, const char *el, const char *s,
                        const char *v, const char *end, struct pmux__term *t)
{
  while (v < end) {
    size_t vn = strcspn(v, "|");
    if (v + vn > end)
      vn = (size_t)(end - v);
    char buf[64];
    if (!vn || vn >= sizeof(buf))
      return lfail(ld, "condition", "<%s>: bad value list in '%.*s'", el,
                   (int)(end - s), s);
    memcpy(buf, v, vn);
    buf[vn] = 0;
    char *dots = strstr(buf, "..");
    uint64_t lo, hi;
    if (dots)
      *dots = 0;
    if (pmux__pmu_parse_u64(buf, &lo) ||
        (dots && pmux__pmu_parse_u64(dots + 2, &hi)))
      return lfail(ld, "condition", "<%s>: bad value '%.*s'", el, (int)vn, v);
    if (!dots)
      hi = lo;
    /* a range's ends both inside the field: "1..300" on 8 bits is a typo */
    if (hi < lo || (dots ? hi > t->mask : (lo & ~t->mask) != 0))
      return lfail(ld, "condition", "<%s>: value '%.*s' is empty or wider "
                   "than its field", el, (int)vn, v);
    if (t->nranges >= PMUX__RANGES_MAX)
      return lfail(ld, "condition", "<%s>: more than %d values in a term",
                   el, PMUX__RANGES_MAX);
    t->lo[t->nranges] = lo;
    t->hi[t->nranges] = hi;
    t->nranges++;
    v += vn;
    if (v < end && *v == '|' && ++v == end)
      return lfail(ld, "condition", "<%s>: value list ends with '|' in "
                   "'%.*s'", el, (int)(end - s), s);
  }
  if (!t->nranges)
    return lfail(ld, "condition", "<%s>: term '%.*s' has no value", el,
                 (int)(end - s), s);
  return 0;
}

/* One term s..end: LHS (= or !=) VALUES. */
static int parse_term(struct loader *ld, const char *el, const char *s,
                      const char *end, struct pmux__term *t)
{
  const char *eq = memchr(s, '=', (size_t)(end - s));
  if (!eq || eq == s)
    return lfail(ld, "condition", "<%s>: term '%.*s' has no '=' or '!='",
                 el, (int)(end - s), s);
  const char *lend = eq;
  if (eq[-1] == '!') {
    t->negate = 1;
    lend--;
  }
  if (parse_lhs(ld, el, s, (size_t)(lend - s), &t->lsb, &t->mask))
    return ld->err;
  return parse_ranges(ld, el, s, eq + 1, end, t);
}

/* "TERM, TERM, ...", TERM = LHS (= or !=) V[..V][|V[..V]]... */
static int parse_cond(struct loader *ld, const char *el, const char *text,
                      struct pmux__cond *c)
{
  memset(c, 0, sizeof(*c));
  const char *s = text;
  while (*s) {
    while (*s == ' ')
      s++;
    size_t n = strcspn(s, ",");
    const char *end = s + n;
    while (end > s && end[-1] == ' ')
      end--;
    if (end == s)
      return lfail(ld, "condition", "<%s>: empty term in \"%s\"", el, text);
    if (c->nterms >= PMUX__TERMS_MAX)
      return lfail(ld, "condition", "<%s>: more than %d terms", el,
                   PMUX__TERMS_MAX);
    if (parse_term(ld, el, s, end, &c->t[c->nterms++]))
      return ld->err;
    s += n;
    if (*s == ',')
      s++;
  }
  if (!c->nterms)
    return lfail(ld, "condition", "<%s>: empty condition", el);
  return 0;
}

static void start_refuse(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"when", "why", NULL};
  if (check_attrs(ld, "refuse", atts, known))
    return;
  const char *when = need(ld, "refuse", atts, "when");
  const char *why = need(ld, "refuse", atts, "why");
  if (!when || !why)
    return;
  struct pmux__cond c;
  if (parse_cond(ld, "refuse", when, &c))
    return;
  struct pmux__refuse *r =
      grow(ld, (void **)&ld->pmu->refuses, &ld->pmu->nrefuses, sizeof(*r));
  if (!r)
    return;
  r->when = c;
  r->why = xstrdup(ld, why);
  r->line = (int)XML_GetCurrentLineNumber(ld->xp);
}

static void start_share(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"name", "when", "key", NULL};
  if (check_attrs(ld, "share", atts, known))
    return;
  const char *name = need(ld, "share", atts, "name");
  const char *when = need(ld, "share", atts, "when");
  const char *key = need(ld, "share", atts, "key");
  if (!name || !when || !key)
    return;
  struct pmux__cond c;
  if (parse_cond(ld, "share", when, &c))
    return;
  uint64_t k = 0;
  for (const char *s = key; *s;) {
    while (*s == ' ')
      s++;
    size_t n = strcspn(s, ",");
    size_t m = n;
    while (m && s[m - 1] == ' ')
      m--;
    unsigned lsb;
    uint64_t mask;
    if (!m) {
      lfail(ld, "condition", "<share name=\"%s\">: empty key term", name);
      return;
    }
    if (parse_lhs(ld, "share", s, m, &lsb, &mask))
      return;
    k |= mask << lsb;
    s += n;
    if (*s == ',')
      s++;
  }
  /* The assignment tracks shared fields in fixed arrays (pmu_assign.c):
   * more would be ignored there, so they are refused here. */
  _Static_assert(PMUX__SHARES_MAX == 64, "the message below says 64");
  if (ld->pmu->nshares >= PMUX__SHARES_MAX) {
    lfail(ld, "too-large", "more than 64 share rows");
    return;
  }
  struct pmux__share *sh =
      grow(ld, (void **)&ld->pmu->shares, &ld->pmu->nshares, sizeof(*sh));
  if (!sh)
    return;
  sh->name = xstrdup(ld, name);
  sh->when = c;
  sh->key = k;
  sh->line = (int)XML_GetCurrentLineNumber(ld->xp);
}

static void start_alternative(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"codes", "scope", NULL};
  if (check_attrs(ld, "alternative", atts, known))
    return;
  const char *codes = need(ld, "alternative", atts, "codes");
  if (!codes)
    return;
  const char *scope = attr(atts, "scope");
  if (scope && strcmp(scope, "task") && strcmp(scope, "any")) {
    lfail(ld, "bad-value", "<alternative scope=\"%s\">: want task or any",
          scope);
    return;
  }
  struct pmux__alt a = {.task = scope && !strcmp(scope, "task")};
  for (const char *s = codes; *s;) {
    size_t n = strcspn(s, ",");
    char buf[32];
    uint64_t v;
    if (!n || n >= sizeof(buf)) {
      lfail(ld, "bad-number", "<alternative codes=\"%s\">: bad code list",
            codes);
      return;
    }
    memcpy(buf, s, n);
    buf[n] = 0;
    if (pmux__pmu_parse_u64(buf, &v)) {
      lfail(ld, "bad-number", "<alternative codes=\"%s\">: '%s' is not a "
            "number", codes, buf);
      return;
    }
    if (a.ncodes >= PMUX__ALT_MAX) {
      lfail(ld, "alternative", "<alternative codes=\"%s\">: more than %d "
            "codes", codes, PMUX__ALT_MAX);
      return;
    }
    a.codes[a.ncodes++] = v;
    s += n;
    if (*s == ',')
      s++;
  }
  struct pmux__alt *p =
      grow(ld, (void **)&ld->pmu->alts, &ld->pmu->nalts, sizeof(*p));
  if (!p)
    return;
  *p = a;
  p->line = (int)XML_GetCurrentLineNumber(ld->xp);
}

static void start_alias(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"name", NULL};
  const char *n;
  if (check_attrs(ld, "alias", atts, known) ||
      !(n = need(ld, "alias", atts, "name")) || name_ok(ld, "alias", n))
    return;
  char **a = grow(ld, (void **)&ld->pmu->aliases, &ld->pmu->naliases,
                  sizeof(*a));
  if (a)
    *a = xstrdup(ld, n);
}

static void start_reserved(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"mask", NULL};
  const char *m;
  uint64_t v;
  if (check_attrs(ld, "reserved", atts, known) ||
      !(m = need(ld, "reserved", atts, "mask")) ||
      num(ld, "reserved", "mask", m, UINT64_MAX, &v))
    return;
  ld->pmu->reserved |= v;
}

static void start_watchdog(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"counter", NULL};
  const char *c;
  if (check_attrs(ld, "watchdog", atts, known) ||
      !(c = need(ld, "watchdog", atts, "counter")))
    return;
  if (ld->pmu->watchdog_spec) {
    lfail(ld, "duplicate-watchdog", "a second <watchdog> (the first is on "
          "line %d)", ld->pmu->line_watchdog);
    return;
  }
  ld->pmu->watchdog_spec = xstrdup(ld, c);
  ld->pmu->line_watchdog = (int)XML_GetCurrentLineNumber(ld->xp);
}

static void start_generic(struct loader *ld, const char **atts)
{
  static const char *const known[] = {"name", "event", NULL};
  const char *n, *e;
  if (check_attrs(ld, "generic", atts, known) ||
      !(n = need(ld, "generic", atts, "name")) ||
      !(e = need(ld, "generic", atts, "event")))
    return;
  struct pmux__generic *g =
      grow(ld, (void **)&ld->pmu->generics, &ld->pmu->ngenerics, sizeof(*g));
  if (!g)
    return;
  g->name = xstrdup(ld, n);
  g->event = xstrdup(ld, e);
  g->line = (int)XML_GetCurrentLineNumber(ld->xp);
}

/* The elements inside <pmu>. */
static const struct {
  const char *name;
  void (*start)(struct loader *ld, const char **atts);
} elements[] = {
    {"alias", start_alias},           {"counter", start_counter},
    {"field", start_field},           {"codemap", start_codemap},
    {"reserved", start_reserved},     {"modifier", start_modifier},
    {"watchdog", start_watchdog},     {"constraint", start_constraint},
    {"event", start_event},           {"refuse", start_refuse},
    {"share", start_share},           {"alternative", start_alternative},
    {"generic", start_generic},
};

static void XMLCALL on_start(void *data, const char *el, const char **atts)
{
  struct loader *ld = data;
  if (ld->failed)
    return;
  ld->depth++;
  if (ld->depth > MAX_DEPTH) {
    lfail(ld, "structure", "elements nested too deep");
    return;
  }
  if (ld->depth == 1) {
    if (strcmp(el, "pmu"))
      lfail(ld, "structure", "the root element must be <pmu>, not <%s>", el);
    else
      start_pmu(ld, atts);
    return;
  }
  if (ld->depth == 3 && ld->cur_event && !strcmp(el, "umask")) {
    start_umask(ld, atts);
    return;
  }
  if (ld->depth != 2) {
    lfail(ld, "structure", "<%s> is not allowed here", el);
    return;
  }
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(elements); i++)
    if (!strcmp(el, elements[i].name)) {
      elements[i].start(ld, atts);
      return;
    }
  lfail(ld, "unknown-element", "<%s> is not part of the format", el);
}

static void XMLCALL on_end(void *data, const char *el)
{
  struct loader *ld = data;
  (void)el;
  if (ld->depth == 2)
    ld->cur_event = NULL;
  ld->depth--;
}

/* Character data must be whitespace: every fact is an attribute. */
static void XMLCALL on_text(void *data, const char *s, int len)
{
  struct loader *ld = data;
  if (ld->failed)
    return;
  for (int i = 0; i < len; i++)
    if (!isspace((unsigned char)s[i])) {
      lfail(ld, "structure", "unexpected text; facts go in attributes");
      return;
    }
}

int pmux__pmu_load_buffer(const char *text, size_t len, const char *file,
                          struct pmux_pmu **out)
{
  *out = NULL;
  if (len > PMUX__DESC_MAX_BYTES)
    return pmux__desc_fail(file, 0, "too-large", "description over 64 MiB");
  struct pmux_pmu *pmu = calloc(1, sizeof(*pmu));
  if (!pmu)
    return -ENOMEM;
  pmu->watchdog = -1;
  pmu->pmc_field = -1;
  pmu->umask_field = -1;
  struct loader ld = {.file = file, .pmu = pmu};
  ld.xp = XML_ParserCreate("UTF-8");
  if (!ld.xp) {
    free(pmu);
    return -ENOMEM;
  }
  XML_SetUserData(ld.xp, &ld);
  XML_SetElementHandler(ld.xp, on_start, on_end);
  XML_SetCharacterDataHandler(ld.xp, on_text);
  if (XML_Parse(ld.xp, text, (int)len, XML_TRUE) == XML_STATUS_ERROR &&
      !ld.failed) {
    ld.failed = 1;
    ld.err = pmux__desc_fail(file, (int)XML_GetCurrentLineNumber(ld.xp),
                             "xml", "%s",
                             XML_ErrorString(XML_GetErrorCode(ld.xp)));
  }
  XML_ParserFree(ld.xp);
  if (!ld.failed && !ld.seen_pmu)
    ld.failed = 1, ld.err = pmux__desc_fail(file, 1, "structure",
                                            "no <pmu> element");
  if (!ld.failed) {
    pmu->file = strdup(file ? file : "<buffer>");
    if (!pmu->file) {
      ld.failed = 1;
      ld.err = -ENOMEM;
    }
  }
  if (!ld.failed) {
    int err = pmux__pmu_finalize(pmu);
    if (err) {
      ld.failed = 1;
      ld.err = err;
    }
  }
  if (ld.failed) {
    pmux__pmu_free(pmu);
    return ld.err;
  }
  *out = pmu;
  return 0;
}

int pmux__pmu_load_file(const char *path, struct pmux_pmu **out)
{
  *out = NULL;
  /* Non-blocking, so that a FIFO named *.xml cannot hang every command;
   * then only a regular file is read, and never past the 64 MiB limit
   * (a link to /dev/zero would eat all memory). */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return pmux__fail(-errno, "%s: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
    close(fd);
    return pmux__desc_fail(path, 0, "not-a-file", "a PMU description must "
                           "be a regular file");
  }
  if (sb.st_size > PMUX__DESC_MAX_BYTES) {
    close(fd);
    return pmux__desc_fail(path, 0, "too-large", "description over 64 MiB");
  }
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    close(fd);
    return pmux__fail(-errno, "%s: %s", path, strerror(errno));
  }
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len > PMUX__DESC_MAX_BYTES) { /* grew while being read */
      free(buf);
      fclose(f);
      return pmux__desc_fail(path, 0, "too-large",
                             "description over 64 MiB");
    }
    if (len + 65536 > cap) {
      cap = cap ? cap * 2 : 65536;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        return pmux__fail(-ENOMEM, "%s: no memory to read it", path);
      }
      buf = nb;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
  }
  int rerr = ferror(f);
  fclose(f);
  if (rerr) {
    free(buf);
    return pmux__fail(-EIO, "%s: read error", path);
  }
  int err = pmux__pmu_load_buffer(buf, len, path, out);
  free(buf);
  return err;
}
