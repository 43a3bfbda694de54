/*
 * pmu_registry.c - the PMU descriptions known to this process: the built-in
 * XML (compiled in from pmu/<family>/), then the *.xml files of the folder
 * PMUX_PMU_PATH names, which add descriptions or override one of the same
 * name.  Loaded once, through the same loader; after that every description
 * is read-only.  Variants (intel_arch:v=3,gp=4,...) are made on demand by the
 * family's C file and kept for the life of the process.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pmu_desc.h"

static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pmux_pmu **reg;      /* loaded descriptions */
static int nreg;
static int reg_err;                /* a load failure, reported by every call */
static char reg_msg[PMUX_ERRMSG_MAX];

struct variant {
  char *key;
  struct pmux_pmu *pmu;
};
static struct variant *variants;
static int nvariants;

/* Name k of a description: 0 its canonical name, then its aliases. */
static const char *name_at(const struct pmux_pmu *p, int k)
{
  return k ? p->aliases[k - 1] : p->name;
}

/* A name a and b share (canonical or alias, on either side), or NULL. */
static const char *shared_name(const struct pmux_pmu *a,
                               const struct pmux_pmu *b)
{
  for (int i = 0; i <= a->naliases; i++)
    for (int j = 0; j <= b->naliases; j++)
      if (!strcasecmp(name_at(a, i), name_at(b, j)))
        return name_at(a, i);
  return NULL;
}

/*
 * A description replaces the one it shares a name with (an override from
 * PMUX_PMU_PATH).  One whose names hit two descriptions is refused: which
 * one it replaced would depend on the order, and the other would still
 * answer to a name the file claims.
 */
static int add(struct pmux_pmu *p)
{
  int hit = -1;
  for (int i = 0; i < nreg; i++) {
    if (!shared_name(p, reg[i]))
      continue;
    if (hit >= 0)
      return pmux__fail(PMUX_EDESC, "%s:%d: ambiguous-name: '%s' is %s (%s) "
                        "and '%s' is %s (%s): which one does it replace?",
                        p->file, p->line_pmu, shared_name(p, reg[hit]),
                        reg[hit]->name, reg[hit]->file, shared_name(p, reg[i]),
                        reg[i]->name, reg[i]->file);
    hit = i;
  }
  if (hit >= 0) {
    pmux__pmu_free(reg[hit]); /* override */
    reg[hit] = p;
    return 0;
  }
  struct pmux_pmu **n = realloc(reg, (size_t)(nreg + 1) * sizeof(*reg));
  if (!n)
    return -ENOMEM;
  reg = n;
  reg[nreg++] = p;
  return 0;
}

static int xml_file(const struct dirent *d)
{
  size_t l = strlen(d->d_name);
  return l > 4 && !strcmp(d->d_name + l - 4, ".xml") && d->d_name[0] != '.';
}

/*
 * The folder's files in name order.  Two of them sharing a name are refused:
 * the later would replace the earlier (an edited copy beside the original),
 * and which one is meant depends on the file names.
 */
static int load_path(const char *dir)
{
  struct dirent **list;
  int n = scandir(dir, &list, xml_file, alphasort);
  if (n < 0)
    return pmux__fail(PMUX_EDESC, "PMUX_PMU_PATH=%s: %s", dir,
                      strerror(errno));
  const struct pmux_pmu **mine = calloc((size_t)(n ? n : 1), sizeof(*mine));
  int nmine = 0, err = mine ? 0 : -ENOMEM;
  for (int i = 0; i < n; i++) {
    if (!err) {
      char path[4096];
      snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
      struct pmux_pmu *p;
      err = pmux__pmu_load_file(path, &p);
      for (int k = 0; !err && k < nmine; k++)
        if (shared_name(p, mine[k]))
          err = pmux__fail(PMUX_EDESC, "%s:%d: ambiguous-name: '%s' is "
                           "described by %s too", p->file, p->line_pmu,
                           shared_name(p, mine[k]), mine[k]->file);
      if (!err && !(err = add(p)))
        mine[nmine++] = p;
      else if (p)
        pmux__pmu_free(p);
    }
    free(list[i]);
  }
  free(list);
  free(mine);
  return err;
}

static void load_all(void)
{
  for (size_t i = 0; i < pmux__builtin_xml_count && !reg_err; i++) {
    struct pmux_pmu *p;
    int err = pmux__pmu_load_buffer(pmux__builtin_xml[i].text,
                                    pmux__builtin_xml[i].len,
                                    pmux__builtin_xml[i].path, &p);
    if (!err && (err = add(p)))
      pmux__pmu_free(p);
    if (err) {
      reg_err = err;
      snprintf(reg_msg, sizeof(reg_msg), "%s", pmux_errmsg());
    }
  }
  const char *path = getenv("PMUX_PMU_PATH");
  if (!reg_err && path && *path) {
    int err = load_path(path);
    if (err) {
      reg_err = err;
      snprintf(reg_msg, sizeof(reg_msg), "%s", pmux_errmsg());
    }
  }
}

static int registry(void)
{
  pthread_once(&reg_once, load_all);
  if (reg_err)
    return pmux__fail(reg_err, "%s", reg_msg);
  return 0;
}

static const struct pmux_pmu *lookup(const char *name)
{
  for (int i = 0; i < nreg; i++) {
    if (!strcasecmp(reg[i]->name, name))
      return reg[i];
    for (int a = 0; a < reg[i]->naliases; a++)
      if (!strcasecmp(reg[i]->aliases[a], name))
        return reg[i];
  }
  return NULL;
}

static int variant(const struct pmux_pmu *tmpl, const char *key,
                   const char *params, const pmux_pmu_t **out)
{
  pthread_mutex_lock(&reg_lock);
  for (int i = 0; i < nvariants; i++)
    if (!strcmp(variants[i].key, key)) {
      *out = variants[i].pmu;
      pthread_mutex_unlock(&reg_lock);
      return 0;
    }
  struct pmux_pmu *p;
  int err = tmpl->fam->instantiate(tmpl, params, &p);
  if (!err) {
    struct variant *n = realloc(variants,
                                (size_t)(nvariants + 1) * sizeof(*n));
    char *k = strdup(key);
    if (!n || !k) {
      if (n)
        variants = n;
      free(k);
      pmux__pmu_free(p);
      err = -ENOMEM;
    } else {
      variants = n;
      variants[nvariants].key = k;
      variants[nvariants++].pmu = p;
      *out = p;
    }
  }
  pthread_mutex_unlock(&reg_lock);
  return err;
}

int pmux_pmu_find(const char *name, const pmux_pmu_t **out)
{
  if (!name || !out)
    return pmux__fail(-EINVAL, "pmux_pmu_find: NULL argument");
  *out = NULL;
  int err = registry();
  if (err)
    return err;
  char base[128];
  const char *colon = strchr(name, ':');
  pmux__copy_prefix(base, sizeof(base), name,
                    colon ? (size_t)(colon - name) : strlen(name));
  const struct pmux_pmu *p = lookup(base);
  if (!p) {
    char known[512];
    size_t off = 0;
    known[0] = 0;
    for (int i = 0; i < nreg && off < sizeof(known); i++)
      off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s",
                              i ? ", " : "", reg[i]->name);
    return pmux__fail(PMUX_ENOPMU, "no PMU description '%s' (known: %s)",
                      base, known);
  }
  if (colon) {
    if (!p->fam->instantiate)
      return pmux__fail(PMUX_ENOPMU, "PMU '%s' takes no parameters ('%s')",
                        p->name, colon + 1);
    return variant(p, name, colon + 1, out);
  }
  *out = p;
  return 0;
}

int pmux_pmu_foreach(int (*cb)(const pmux_pmu_t *pmu, void *arg), void *arg)
{
  int err = registry();
  if (err)
    return err;
  for (int i = 0; i < nreg; i++) {
    int r = cb(reg[i], arg);
    if (r)
      return r;
  }
  return 0;
}

/* The description matching the host CPU, hardware PMU or not. */
int pmux__pmu_host_desc(const pmux_pmu_t **out)
{
  *out = NULL;
  int err = registry();
  if (err)
    return err;
  for (int i = 0; i < nreg; i++) {
    if (!reg[i]->fam->probe || !reg[i]->fam->probe(reg[i]))
      continue;
    if (reg[i]->fam->instantiate)
      return variant(reg[i], "<host>", NULL, out);
    *out = reg[i];
    return 0;
  }
  return PMUX_ENOPMU;
}

const char *pmux_pmu_name(const pmux_pmu_t *pmu) { return pmu->name; }
const char *pmux_pmu_desc(const pmux_pmu_t *pmu) { return pmu->desc; }
const char *pmux_pmu_pfm_name(const pmux_pmu_t *pmu) { return pmu->pfm; }
int pmux_pmu_ncounters(const pmux_pmu_t *pmu) { return pmu->ncounters; }
uint64_t pmux_pmu_counters_mask(const pmux_pmu_t *pmu)
{
  return pmux__pmu_mask(pmu, -1);
}
int pmux_pmu_watchdog_counter(const pmux_pmu_t *pmu) { return pmu->watchdog; }

int pmux_pmu_counter(const pmux_pmu_t *pmu, int i, pmux_counter_info_t *out)
{
  if (!pmu || !out || i < 0 || i >= pmu->ncounters)
    return pmux__fail(-EINVAL, "pmux_pmu_counter: no counter %d", i);
  out->name = pmu->counters[i].name;
  out->kind = pmu->counters[i].kind == PMUX__CNT_FIXED ? PMUX_COUNTER_FIXED
                                                        : PMUX_COUNTER_GENERIC;
  out->width = pmu->counters[i].width;
  out->address = pmu->counters[i].addr;
  out->addr_space = pmu->addr_space;
  return 0;
}

int pmux_pmu_event_list(const pmux_pmu_t *pmu, pmux_event_list_cb cb,
                        void *arg)
{
  if (!pmu || !cb)
    return pmux__fail(-EINVAL, "pmux_pmu_event_list: NULL argument");
  for (int i = 0; i < pmu->nevents; i++) {
    const struct pmux__event *e = &pmu->events[i];
    char desc[1024];
    size_t off = (size_t)snprintf(desc, sizeof(desc), "%s", e->desc);
    if (e->numasks && off < sizeof(desc)) {
      off += (size_t)snprintf(desc + off, sizeof(desc) - off, " [umasks:");
      for (int u = 0; u < e->numasks && off < sizeof(desc); u++)
        off += (size_t)snprintf(desc + off, sizeof(desc) - off, " %s",
                                e->umasks[u].name);
      if (off < sizeof(desc))
        snprintf(desc + off, sizeof(desc) - off, "]");
    }
    int r = cb(pmu->name, pmu->desc, e->name, desc, arg);
    if (r)
      return r;
  }
  for (int i = 0; i < pmu->ngenerics; i++) {
    char desc[320];
    snprintf(desc, sizeof(desc), "perf's generic event: counts %s here",
             pmu->generics[i].event);
    int r = cb(pmu->name, pmu->desc, pmu->generics[i].name, desc, arg);
    if (r)
      return r;
  }
  return 0;
}
