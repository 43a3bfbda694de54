/*
 * event.c - event names to perf_event_attr, through libpfm4's perf OS layer
 * (pfm_get_os_event_encoding with PFM_OS_PERF_EVENT_EXT), plus the forms
 * libpfm4 does not know (PMU::0xCODE on any kernel PMU by its sysfs type;
 * cpu::0xCODE without a 'cpu' PMU is the raw code rCODE is).
 * Unknown names get close matches suggested; a bad modifier is an error that
 * lists the modifiers the event has.  Nothing is dropped silently.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <perfmon/pfmlib_perf_event.h>

#include "internal.h"

static pthread_once_t pfm_once = PTHREAD_ONCE_INIT;
static int pfm_init_status;

static void pfm_init(void)
{
  pfm_init_status = pfm_initialize();
}

int pmux__pfm_init(void)
{
  pthread_once(&pfm_once, pfm_init);
  if (pfm_init_status != PFM_SUCCESS)
    return pmux__fail(PMUX_ENOTSUP, "libpfm4 failed to initialise: %s",
                      pfm_strerror(pfm_init_status));
  return 0;
}

/* ------------------------------------------------------- close matches */

struct suggestions {
  const char *wanted;    /* the event part of the unknown name */
  const char *pmu;       /* its "PMU" of "PMU::EVENT": that PMU's only; NULL */
  size_t pmu_len;
  size_t limit;          /* accept distances up to this */
  char best[3][256];
  size_t dist[3];
};

/* candidate: an event name; shown as is, or as "PMU::name" when the unknown
 * name had a PMU in front. */
static void consider(struct suggestions *sg, const char *name)
{
  size_t d = pmux__edit_distance(sg->wanted, name);
  char named[256];
  const char *candidate = name;
  if (sg->pmu) {
    snprintf(named, sizeof(named), "%.*s::%s", (int)sg->pmu_len, sg->pmu,
             name);
    candidate = named;
  }
  if (d > sg->limit)
    return;
  for (int i = 0; i < 3; i++) {
    if (sg->best[i][0] && !strcasecmp(sg->best[i], candidate))
      return;
  }
  for (int i = 0; i < 3; i++) {
    if (!sg->best[i][0] || d < sg->dist[i]) {
      for (int k = 2; k > i; k--) {
        memcpy(sg->best[k], sg->best[k - 1], sizeof(sg->best[k]));
        sg->dist[k] = sg->dist[k - 1];
      }
      snprintf(sg->best[i], sizeof(sg->best[i]), "%s", candidate);
      sg->dist[i] = d;
      return;
    }
  }
}

/* perf's lower-case spelling for libpfm4's upper-case generic aliases. */
static void lower_copy(char *dst, size_t n, const char *src)
{
  size_t i;
  for (i = 0; i + 1 < n && src[i]; i++)
    dst[i] = (char)tolower((unsigned char)src[i]);
  dst[i] = '\0';
}

static int suggest_cb(const char *pmu, const char *pmu_desc, const char *event,
                      const char *desc, void *arg)
{
  (void)pmu_desc;
  (void)desc;
  struct suggestions *sg = arg;
  char lower[128];
  int generic = !strcmp(pmu, "software") || !strcmp(pmu, "perf");
  /* the software events are libpfm4's perf PMU's */
  const char *real = generic ? "perf" : pmu;
  if (sg->pmu && (strlen(real) != sg->pmu_len ||
                  strncasecmp(real, sg->pmu, sg->pmu_len)))
    return 0;
  if (generic) {
    lower_copy(lower, sizeof(lower), event);
    consider(sg, lower);
  } else {
    consider(sg, event);
  }
  return 0;
}

/* "; did you mean 'faults' or 'minor-faults'?" or "" */
static void suggest(const char *base, char *out, size_t n)
{
  struct suggestions sg = {.wanted = base};
  const char *sep = strstr(base, "::");
  if (sep && sep > base) {
    sg.pmu = base;
    sg.pmu_len = (size_t)(sep - base);
    sg.wanted = sep + 2;
  }
  size_t len = strlen(sg.wanted);
  sg.limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
  pmux_event_list(suggest_cb, &sg);
  if (!sg.best[0][0] && sg.pmu) {
    /* no such PMU ("software::"), or none of its events is close */
    sg.pmu = NULL;
    pmux_event_list(suggest_cb, &sg);
  }
  out[0] = '\0';
  if (!sg.best[0][0])
    return;
  int k = snprintf(out, n, "; did you mean '%s'", sg.best[0]);
  for (int i = 1; i < 3 && sg.best[i][0] && k > 0 && (size_t)k < n; i++)
    k += snprintf(out + k, n - (size_t)k, "%s'%s'",
                  i == 2 || !sg.best[2][0] ? " or " : ", ", sg.best[i]);
  if (k > 0 && (size_t)k < n)
    snprintf(out + k, n - (size_t)k, "?");
}

/* "u, k, h, precise" for the event named by base (PMU::EVENT:UMASK...):
 * its modifiers, or with umasks its unit masks ("ANY, LOADS"). */
static void list_attrs(const char *base, int umasks, char *out, size_t n)
{
  out[0] = '\0';
  int idx = pfm_find_event(base);
  if (idx < 0)
    return;
  pfm_event_info_t info = {.size = sizeof(info)};
  if (pfm_get_event_info(idx, PFM_OS_PERF_EVENT_EXT, &info) != PFM_SUCCESS)
    return;
  size_t k = 0;
  for (int a = 0; a < info.nattrs; a++) {
    pfm_event_attr_info_t ai = {.size = sizeof(ai)};
    if (pfm_get_event_attr_info(idx, a, PFM_OS_PERF_EVENT_EXT, &ai) !=
        PFM_SUCCESS)
      continue;
    if (umasks ? ai.type != PFM_ATTR_UMASK
               : ai.type != PFM_ATTR_MOD_BOOL && ai.type != PFM_ATTR_MOD_INTEGER)
      continue;
    int w = snprintf(out + k, n - k, "%s%s", k ? ", " : "", ai.name);
    if (w < 0 || (size_t)w >= n - k)
      break;
    k += (size_t)w;
  }
}

/* Whether one of the ':'-separated parts of mods names a unit mask of the
 * event named by base. */
static int gives_umask(const char *base, const char *mods)
{
  char umasks[1024];
  list_attrs(base, 1, umasks, sizeof(umasks));
  for (const char *p = mods; *p;) {
    size_t len = strcspn(p, ":=");
    for (const char *u = umasks; *u;) {
      size_t ulen = strcspn(u, ",");
      if (ulen == len && !strncasecmp(u, p, len))
        return 1;
      u += ulen;
      while (*u == ',' || *u == ' ')
        u++;
    }
    p += strcspn(p, ":");
    if (*p)
      p++;
  }
  return 0;
}

/* ------------------------------------------------------- resolution */

/* PMU::0xCODE on a kernel PMU named in sysfs (e.g. cpu::0x1c2). */
static int resolve_sysfs_raw(const char *name, pmux_event_info_t *out)
{
  const char *sep = strstr(name, "::");
  if (!sep || sep == name || sep - name >= 64)
    return 0;
  const char *code = sep + 2;
  char *end;
  if (strncmp(code, "0x", 2) && strncmp(code, "0X", 2))
    return 0;
  errno = 0;
  unsigned long long config = strtoull(code, &end, 16);
  if (errno || *end)
    return pmux__fail(PMUX_ESYNTAX, "event '%s': bad raw code '%s'", name,
                      code);
  char pmu[64], path[160];
  snprintf(pmu, sizeof(pmu), "%.*s", (int)(sep - name), name);
  snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", pmu);
  FILE *f = fopen(path, "re");
  unsigned type = PERF_TYPE_RAW;
  if (f) {
    int ok = fscanf(f, "%u", &type) == 1;
    fclose(f);
    if (!ok)
      return pmux__fail(PMUX_ENOTSUP, "event '%s': cannot read %s", name,
                        path);
  } else if (strcmp(pmu, "cpu")) {
    return 0; /* not a kernel PMU name: let libpfm4 try */
  }
  /* cpu:: without a 'cpu' PMU (a VM without one) is the core PMU's raw
   * code all the same, as r1c2: <not supported> when opened, not an error
   * that stops the other events. */
  snprintf(out->canonical, sizeof(out->canonical), "%s::0x%llx", pmu, config);
  snprintf(out->pmu, sizeof(out->pmu), "%s", pmu);
  out->type = type;
  out->config = config;
  out->is_software = type == PERF_TYPE_SOFTWARE;
  return 1;
}

/* The event is what precedes the first single ':' (keep PMU::). */
static void event_base(const char *name, char *base, size_t n)
{
  snprintf(base, n, "%s", name);
  char *p = base;
  while ((p = strchr(p, ':'))) {
    if (p[1] == ':') {
      p += 2;
      continue;
    }
    *p = '\0';
    break;
  }
}

/*
 * perf's software events that libpfm4 4.13's table lacks (it stops at
 * cgroup-switches): the kernel counts them all the same, and on POWER
 * alignment interrupts and emulated instructions are worth counting.
 */
static const struct extra_sw {
  const char *name, *upper, *desc;
  uint64_t config;
} extra_sw[] = {
    {"alignment-faults", "PERF_COUNT_SW_ALIGNMENT_FAULTS",
     "Count the number of alignment faults (the kernel fixing up an "
     "unaligned access)", PERF_COUNT_SW_ALIGNMENT_FAULTS},
    {"emulation-faults", "PERF_COUNT_SW_EMULATION_FAULTS",
     "Count the number of emulation faults (instructions the kernel "
     "emulated)", PERF_COUNT_SW_EMULATION_FAULTS},
};

/* The modifiers after an extra software event, as libpfm4 takes them on
 * its own software events: u and k (=0/1), naming the levels counted;
 * none given, both.  0, or PMUX_EMODIFIER naming the one it lacks. */
static int extra_sw_levels(const char *name, const char *mods, int *user,
                           int *kernel)
{
  int given = 0;
  *user = *kernel = 0;
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", mods);
  for (char *save = NULL, *m = strtok_r(buf, ":", &save); m;
       m = strtok_r(NULL, ":", &save)) {
    if (strlen(m) > 1 && strspn(m, "uk") == strlen(m)) {
      *user |= strchr(m, 'u') != NULL; /* perf's joined letters: uk */
      *kernel |= strchr(m, 'k') != NULL;
      given = 1;
      continue;
    }
    int *level = m[0] == 'u' ? user : m[0] == 'k' ? kernel : NULL;
    const char *v = m + 1;
    if (!level || (*v && strcmp(v, "=0") && strcmp(v, "=1")))
      return pmux__fail(PMUX_EMODIFIER, "event '%s': modifier '%s' not "
                        "supported; modifiers: u, k", name, m);
    *level = strcmp(v, "=0") != 0;
    given = 1;
  }
  if (!given)
    *user = *kernel = 1;
  return 0;
}

/* One of extra_sw, with its modifiers: 1 resolved, 0 not one of them,
 * or the error. */
static int resolve_extra_sw(const char *name, pmux_event_info_t *out)
{
  char base[256];
  event_base(name, base, sizeof(base));
  const char *ev = base;
  if (!strncasecmp(ev, "perf::", 6))
    ev += 6;
  const struct extra_sw *x = NULL;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(extra_sw) && !x; i++)
    if (!strcasecmp(ev, extra_sw[i].name) || !strcmp(ev, extra_sw[i].upper))
      x = &extra_sw[i];
  if (!x)
    return 0;
  size_t blen = strlen(base);
  const char *mods = name[blen] == ':' ? name + blen + 1 : "";
  int user, kernel, err = extra_sw_levels(name, mods, &user, &kernel);
  if (err)
    return err;
  snprintf(out->canonical, sizeof(out->canonical), "perf::%s:u=%d:k=%d",
           x->upper, user, kernel);
  snprintf(out->pmu, sizeof(out->pmu), "software");
  out->type = PERF_TYPE_SOFTWARE;
  out->config = x->config;
  out->exclude_user = !user;
  out->exclude_kernel = !kernel;
  out->exclude_hv = 1; /* as libpfm4 sets it on the others */
  out->is_software = 1;
  return 1;
}

/* libpfm4 found no event by that name. */
static int fail_not_found(const char *name, const char *base)
{
  char extra[512];
  const char *raw = strstr(name, "::0");
  if (raw && (raw[3] | 0x20) != 'x')
    raw = NULL; /* ::0x or ::0X, as resolve_sysfs_raw takes both */
  if (raw && raw > name)
    /* PMU::0xCODE whose PMU the kernel does not have (sysfs above). */
    return pmux__fail(PMUX_EEVENT,
                      "event '%s': this kernel has no PMU named '%.*s' "
                      "(no /sys/bus/event_source/devices/%.*s; 'pmux "
                      "list' shows those it has)", name,
                      (int)(raw - name), name, (int)(raw - name), name);
  suggest(base, extra, sizeof(extra));
  return pmux__fail(PMUX_EEVENT, "event '%s': unknown%s", name, extra);
}

/* A modifier or unit mask libpfm4 refused (ret says how): name the ones the
 * event has. */
static int fail_bad_modifier(const char *name, const char *base,
                             const char *modifier, int ret)
{
  char umasks[512], extra[512];
  list_attrs(base, 0, extra, sizeof(extra));
  list_attrs(base, 1, umasks, sizeof(umasks));
  return pmux__fail(PMUX_EMODIFIER,
                    "event '%s': modifier or unit mask '%s' %s (%s)%s%s"
                    "%s%s", name, modifier,
                    ret == PFM_ERR_ATTR_SET ? "given twice"
                    : ret == PFM_ERR_ATTR_VAL ? "has a bad value"
                                              : "not supported",
                    pfm_strerror(ret), *umasks ? "; unit masks: " : "",
                    umasks, *extra ? "; modifiers: " : "", extra);
}

/* libpfm4's encoding failed with ret: the error, said for name. */
static int fail_encoding(const char *name, int ret)
{
  char base[256];
  event_base(name, base, sizeof(base));
  const char *modifier = strlen(base) < strlen(name) ? name + strlen(base) + 1
                                                     : "";
  switch (ret) {
  case PFM_ERR_NOTFOUND:
    return fail_not_found(name, base);
  case PFM_ERR_UMASK: {
    /* libpfm4's "invalid or missing unit mask": when none was given (the
     * event has no default one), whatever the modifiers, name them. */
    char umasks[512];
    list_attrs(base, 1, umasks, sizeof(umasks));
    if (*umasks && !gives_umask(base, modifier))
      return pmux__fail(PMUX_EMODIFIER, "event '%s': needs a unit mask, "
                        "one of %s", name, umasks);
  }
    /* fall through */
  case PFM_ERR_ATTR:
  case PFM_ERR_ATTR_VAL:
  case PFM_ERR_ATTR_SET:
    return fail_bad_modifier(name, base, modifier, ret);
  default:
    return pmux__fail(PMUX_EEVENT, "event '%s': %s", name, pfm_strerror(ret));
  }
}

/* out from libpfm4's encoding: attr, and fstr its canonical name (or NULL). */
static void fill_from_attr(pmux_event_info_t *out, const char *name,
                           const struct perf_event_attr *attr,
                           const char *fstr)
{
  snprintf(out->canonical, sizeof(out->canonical), "%s", fstr ? fstr : name);
  const char *colons = fstr ? strstr(fstr, "::") : NULL;
  if (colons)
    snprintf(out->pmu, sizeof(out->pmu), "%.*s", (int)(colons - fstr), fstr);
  out->type = attr->type;
  out->config = attr->config;
  out->config1 = attr->config1;
  out->config2 = attr->config2;
  out->exclude_user = attr->exclude_user;
  out->exclude_kernel = attr->exclude_kernel;
  out->exclude_hv = attr->exclude_hv;
  out->is_software = attr->type == PERF_TYPE_SOFTWARE;
  if (out->is_software)
    snprintf(out->pmu, sizeof(out->pmu), "software");
}

/*
 * libpfm4's own modifiers of perf events that pmux_event_info_t does not
 * carry (precise, excl, pinned, period, freq, mg, mh, cpu): libpfm4 puts
 * them in the attr, and pmux would count without them.  Refused, naming
 * what does the job in pmux, rather than dropped.  (libpfm4's defaults,
 * mg=0 mh=1, read as exclude_guest=1 exclude_host=0.)
 */
static int refuse_dropped_modifier(const char *name,
                                   const struct perf_event_attr *a, int cpu)
{
  static const char *const how[] = {
      "precise", "precise sampling is not supported",
      "excl", "exclusive groups are not supported",
      "pinned", "--pin counts events all the time",
      "period", "pmux record takes -c N (and a set's switch= its trigger's)",
      "freq", "pmux record takes -F HZ",
      "mg/mh", "guest and host are counted as perf_event_attr's defaults",
      "cpu", "-C LIST picks the CPUs",
  };
  int which = a->precise_ip ? 0 : a->exclusive ? 1 : a->pinned ? 2
              : a->freq ? 4 : a->sample_period ? 3
              : (!a->exclude_guest || a->exclude_host) ? 5 : cpu >= 0 ? 6
                                                                   : -1;
  if (which < 0)
    return 0;
  return pmux__fail(PMUX_EMODIFIER, "event '%s': modifier '%s' is libpfm4's, "
                    "and pmux would drop it: %s", name, how[2 * which],
                    how[2 * which + 1]);
}

/*
 * perf writes an event's levels and precision as joined letters after its
 * last ':' (cycles:uk, cycles:pp); libpfm4 takes one modifier per ':'
 * (cycles:u:k, cycles:precise=2).  Such a last token, which libpfm4
 * refused, spelled libpfm4's way into spec: 0, or -1 when it is no such
 * token.
 */
static int perf_letters(const char *name, char *spec, size_t n)
{
  const char *colon = strrchr(name, ':');
  if (!colon || colon == name || colon[-1] == ':')
    return -1;
  const char *t = colon + 1;
  size_t len = strlen(t);
  if (len < 2 || strspn(t, "ukhp") != len)
    return -1;
  int k = snprintf(spec, n, "%.*s", (int)(colon - name), name);
  for (const char *l = "ukh"; *l && k > 0 && (size_t)k < n; l++)
    if (strchr(t, *l))
      k += snprintf(spec + k, n - (size_t)k, ":%c", *l);
  int p = 0;
  for (const char *c = t; *c; c++)
    p += *c == 'p';
  if (p && k > 0 && (size_t)k < n)
    k += snprintf(spec + k, n - (size_t)k, ":precise=%d", p);
  return k > 0 && (size_t)k < n ? 0 : -1;
}

/* name (or spec, perf's letters spelled for libpfm4) through libpfm4 into
 * attr; PFM_SUCCESS or libpfm4's error for name. */
static int pfm_encode(const char *name, struct perf_event_attr *attr,
                      pfm_perf_encode_arg_t *arg, char **fstr)
{
  memset(attr, 0, sizeof(*attr));
  memset(arg, 0, sizeof(*arg));
  arg->size = sizeof(*arg);
  arg->attr = attr;
  arg->fstr = fstr;
  int ret = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3,
                                      PFM_OS_PERF_EVENT_EXT, arg);
  char spec[300];
  if (ret == PFM_SUCCESS || perf_letters(name, spec, sizeof(spec)))
    return ret;
  memset(attr, 0, sizeof(*attr));
  int again = pfm_get_os_event_encoding(spec, PFM_PLM0 | PFM_PLM3,
                                        PFM_OS_PERF_EVENT_EXT, arg);
  return again == PFM_SUCCESS ? again : ret;
}

/* name through libpfm4 into out; 0 or the error. */
static int resolve_pfm(const char *name, pmux_event_info_t *out)
{
  struct perf_event_attr attr;
  char *fstr = NULL;
  pfm_perf_encode_arg_t arg;
  int ret = pfm_encode(name, &attr, &arg, &fstr);
  if (ret != PFM_SUCCESS)
    return fail_encoding(name, ret);
  int err = refuse_dropped_modifier(name, &attr, arg.cpu);
  if (!err)
    fill_from_attr(out, name, &attr, fstr);
  free(fstr);
  return err;
}

int pmux__same_encoding(const pmux_event_info_t *a,
                        const pmux_event_info_t *b)
{
  return a->type == b->type && a->config == b->config &&
         a->config1 == b->config1 && a->config2 == b->config2 &&
         a->exclude_user == b->exclude_user &&
         a->exclude_kernel == b->exclude_kernel &&
         a->exclude_hv == b->exclude_hv;
}

int pmux_event_resolve(const char *name, pmux_event_info_t *out)
{
  int err = pmux__pfm_init();
  if (err)
    return err;
  memset(out, 0, sizeof(*out));
  if (!name || !*name)
    return pmux__fail(PMUX_ESYNTAX, "empty event name");
  if (strlen(name) >= sizeof(out->name))
    return pmux__fail(PMUX_ESYNTAX, "event '%.40s...': name too long", name);
  snprintf(out->name, sizeof(out->name), "%s", name);

  int r = resolve_sysfs_raw(name, out);
  if (!r)
    r = resolve_extra_sw(name, out);
  if (r != 0)
    return r < 0 ? r : 0;
  return resolve_pfm(name, out);
}

/* ------------------------------------------------------------ listing */

static int list_pmu(int pmu, int want_type, const char *label,
                    pmux_event_list_cb cb, void *arg)
{
  pfm_pmu_info_t pinfo = {.size = sizeof(pinfo)};
  if (pfm_get_pmu_info(pmu, &pinfo) != PFM_SUCCESS || !pinfo.is_present)
    return 0;
  for (int i = pinfo.first_event; i != -1; i = pfm_get_event_next(i)) {
    pfm_event_info_t info = {.size = sizeof(info)};
    if (pfm_get_event_info(i, PFM_OS_PERF_EVENT, &info) != PFM_SUCCESS)
      continue;
    int is_sw = !strncmp(info.name, "PERF_COUNT_SW", 13) ||
                (info.equiv && !strncmp(info.equiv, "PERF_COUNT_SW", 13));
    if (pmu == PFM_PMU_PERF_EVENT && want_type >= 0 &&
        is_sw != (want_type == PERF_TYPE_SOFTWARE))
      continue;
    int stop = cb(label ? label : pinfo.name, label ? label : pinfo.desc,
                  info.name, info.desc ? info.desc : "", arg);
    if (stop)
      return stop;
  }
  return 0;
}

int pmux_event_list(pmux_event_list_cb cb, void *arg)
{
  int err = pmux__pfm_init();
  if (err)
    return err;
  int stop = list_pmu(PFM_PMU_PERF_EVENT, PERF_TYPE_SOFTWARE, "software", cb,
                      arg);
  for (size_t i = 0; !stop && i < PMUX_ARRAY_SIZE(extra_sw); i++) {
    stop = cb("software", "software", extra_sw[i].upper, extra_sw[i].desc,
              arg);
    if (!stop)
      stop = cb("software", "software", extra_sw[i].name, extra_sw[i].upper,
                arg);
  }
  if (!stop)
    stop = list_pmu(PFM_PMU_PERF_EVENT, PERF_TYPE_HARDWARE, NULL, cb, arg);
  for (int p = 0; !stop && p < PFM_PMU_MAX; p++) {
    if (p == PFM_PMU_PERF_EVENT || p == PFM_PMU_PERF_EVENT_RAW)
      continue;
    stop = list_pmu(p, -1, NULL, cb, arg);
  }
  return 0;
}
