/*
 * pmu_assign.c - counter assignment: events to counters as a bipartite
 * matching (Kuhn's augmenting paths; at most 64 counters), not a count.
 * When a set does not fit, the explanation is a Hall witness: a group of
 * events whose allowed counters, together, are fewer than the events.
 *
 * The free mask is the hook for reservation: counters the NMI watchdog or
 * another PMU user holds are simply absent from it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmu_desc.h"

struct matcher {
  const struct pmux_pmu *pmu;
  const uint64_t *allowed;
  int n;
  int owner[PMUX__PMU_MAX_COUNTERS]; /* event on counter c, or -1 */
  uint64_t visited;
};

/* Counters of mask, fixed ones first (they serve fewer events). */
static int order(const struct pmux_pmu *pmu, uint64_t mask, int *out)
{
  int k = 0;
  for (int pass = 0; pass < 2; pass++)
    for (int c = 0; c < pmu->ncounters; c++)
      if ((mask >> c & 1) &&
          (pmu->counters[c].kind == PMUX__CNT_FIXED) == (pass == 0))
        out[k++] = c;
  return k;
}

static int augment(struct matcher *m, int e)
{
  int cand[PMUX__PMU_MAX_COUNTERS];
  int k = order(m->pmu, m->allowed[e], cand);
  for (int i = 0; i < k; i++) {
    int c = cand[i];
    if (m->visited >> c & 1)
      continue;
    m->visited |= 1ull << c;
    if (m->owner[c] < 0 || augment(m, m->owner[c])) {
      m->owner[c] = e;
      return 1;
    }
  }
  return 0;
}

int pmux__assign_match(const struct pmux_pmu *pmu, const uint64_t *allowed,
                       int n, uint64_t free_mask, int *counter)
{
  uint64_t *a = malloc((size_t)(n ? n : 1) * sizeof(*a));
  if (!a)
    return -ENOMEM;
  for (int i = 0; i < n; i++)
    a[i] = allowed[i] & free_mask & pmux__pmu_mask(pmu, -1);
  struct matcher m = {.pmu = pmu, .allowed = a, .n = n};
  for (int c = 0; c < PMUX__PMU_MAX_COUNTERS; c++)
    m.owner[c] = -1;
  int placed = 0;
  /* Kuhn: each event in turn, along augmenting paths. */
  for (int i = 0; i < n; i++) {
    m.visited = 0;
    placed += augment(&m, i);
  }
  for (int i = 0; i < n; i++)
    counter[i] = -1;
  for (int c = 0; c < pmu->ncounters; c++)
    if (m.owner[c] >= 0)
      counter[m.owner[c]] = c;
  free(a);
  return placed;
}

static void names_of(const struct pmux_pmu *pmu, uint64_t mask, char *buf,
                     size_t len)
{
  size_t off = 0;
  buf[0] = 0;
  for (int c = 0; c < pmu->ncounters && off < len; c++)
    if (mask >> c & 1)
      off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
                              pmu->counters[c].name);
  if (!off)
    snprintf(buf, len, "none");
}

/*
 * Explain a failed matching: from an unplaced event, the events reachable by
 * alternating paths form a set S whose counters N(S) are all taken by S
 * itself, and |N(S)| < |S|.
 */
static int explain(const struct pmux_pmu *pmu, const pmux_pmu_event_t *ev,
                   int n, uint64_t free_mask, const int *counter)
{
  uint64_t all = pmux__pmu_mask(pmu, -1);
  for (int i = 0; i < n; i++) {
    if (counter[i] >= 0)
      continue;
    char cn[256];
    uint64_t can = ev[i].counters & all;
    if (!(can & free_mask)) {
      names_of(pmu, can, cn, sizeof(cn));
      return pmux__fail(PMUX_ECONSTRAINT, "'%s' can only count on %s, "
                        "which %s not free", ev[i].name, cn,
                        __builtin_popcountll(can) > 1 ? "are" : "is");
    }
    /* grow S and N(S) */
    uint64_t in_s = 0, ns = 0;
    int stack[PMUX__PMU_MAX_COUNTERS + 1], sp = 0;
    char *sset = calloc((size_t)n, 1);
    if (!sset)
      return -ENOMEM;
    sset[i] = 1;
    stack[sp++] = i;
    int size = 1;
    while (sp) {
      int e = stack[--sp];
      uint64_t nb = ev[e].counters & free_mask & all & ~ns;
      ns |= nb;
      for (int c = 0; c < pmu->ncounters; c++) {
        if (!(nb >> c & 1))
          continue;
        for (int j = 0; j < n; j++)
          if (counter[j] == c && !sset[j] && sp < PMUX__PMU_MAX_COUNTERS) {
            sset[j] = 1;
            size++;
            stack[sp++] = j;
          }
      }
    }
    (void)in_s;
    /* other unplaced events that want only these counters compete too */
    for (int j = 0; j < n; j++)
      if (!sset[j] && counter[j] < 0 &&
          !(ev[j].counters & free_mask & all & ~ns)) {
        sset[j] = 1;
        size++;
      }
    char who[512];
    size_t off = 0;
    int shown = 0;
    for (int j = 0; j < n && off < sizeof(who); j++)
      if (sset[j] && j != i) {
        if (shown == 4) {
          off += (size_t)snprintf(who + off, sizeof(who) - off, ", ...");
          break;
        }
        off += (size_t)snprintf(who + off, sizeof(who) - off, "%s'%s'",
                                shown ? ", " : "", ev[j].name);
        shown++;
      }
    free(sset);
    names_of(pmu, ns, cn, sizeof(cn));
    int nc = __builtin_popcountll(ns);
    if (size == 2)
      return pmux__fail(PMUX_ECONSTRAINT, "'%s' can only count on %s, which "
                        "%s already holds", ev[i].name, cn, who);
    return pmux__fail(PMUX_ECONSTRAINT, "'%s' and %s all need %s: %d "
                      "counter%s for %d events", ev[i].name, who, cn, nc,
                      nc == 1 ? "" : "s", size);
  }
  return 0;
}

int pmux_pmu_assign(const pmux_pmu_t *pmu, const pmux_pmu_event_t *ev, int n,
                    uint64_t free_mask, int *counter)
{
  if (!pmu || n < 0 || (n && (!ev || !counter)))
    return pmux__fail(-EINVAL, "pmux_pmu_assign: bad argument");
  uint64_t *allowed = malloc((size_t)(n ? n : 1) * sizeof(*allowed));
  if (!allowed)
    return -ENOMEM;
  for (int i = 0; i < n; i++)
    allowed[i] = ev[i].counters;
  int placed = pmux__assign_match(pmu, allowed, n, free_mask, counter);
  free(allowed);
  if (placed < 0)
    return placed;
  if (placed == n)
    return 0;
  return explain(pmu, ev, n, free_mask, counter);
}

int pmux_pmu_split(const pmux_pmu_t *pmu, const pmux_pmu_event_t *ev, int n,
                   uint64_t free_mask, int *set_of)
{
  if (!pmu || n < 0 || (n && (!ev || !set_of)))
    return pmux__fail(-EINVAL, "pmux_pmu_split: bad argument");
  int *idx = malloc((size_t)(n ? n : 1) * sizeof(int));
  uint64_t *allowed = malloc((size_t)(n ? n : 1) * sizeof(uint64_t));
  int *cnt = malloc((size_t)(n ? n : 1) * sizeof(int));
  if (!idx || !allowed || !cnt) {
    free(idx);
    free(allowed);
    free(cnt);
    return -ENOMEM;
  }
  uint64_t all = pmux__pmu_mask(pmu, -1) & free_mask;
  /* First-fit, most constrained events first (fewest allowed counters). */
  for (int i = 0; i < n; i++)
    idx[i] = i;
  for (int i = 1; i < n; i++) {
    int v = idx[i], j = i;
    int pv = __builtin_popcountll(ev[v].counters & all);
    while (j > 0 && __builtin_popcountll(ev[idx[j - 1]].counters & all) > pv) {
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = v;
  }
  int nsets = 0, err = 0;
  for (int i = 0; i < n; i++)
    set_of[i] = -1;
  for (int k = 0; k < n; k++) {
    int e = idx[k];
    if (!(ev[e].counters & all)) {
      if (!err) {
        char cn[256];
        names_of(pmu, ev[e].counters & pmux__pmu_mask(pmu, -1), cn,
                 sizeof(cn));
        err = pmux__fail(PMUX_ECONSTRAINT, "'%s' can only count on %s, "
                         "which is not free", ev[e].name, cn);
      }
      continue;
    }
    int placed_in = -1;
    for (int s = 0; s < nsets && placed_in < 0; s++) {
      int m = 0;
      for (int j = 0; j < n; j++)
        if (set_of[j] == s)
          allowed[m++] = ev[j].counters;
      allowed[m++] = ev[e].counters;
      int r = pmux__assign_match(pmu, allowed, m, free_mask, cnt);
      if (r < 0) {
        err = r;
        break;
      }
      if (r == m)
        placed_in = s;
    }
    if (placed_in < 0)
      placed_in = nsets++;
    set_of[e] = placed_in;
  }
  free(idx);
  free(allowed);
  free(cnt);
  return err ? err : nsets;
}

int pmux_pmu_split_names(const pmux_pmu_t *pmu, const char *const *names,
                         int n, uint64_t free_mask, int *set_of)
{
  if (!pmu || n < 0 || (n && (!names || !set_of)))
    return pmux__fail(-EINVAL, "pmux_pmu_split_names: bad argument");
  pmux_pmu_event_t *ev = calloc((size_t)(n ? n : 1), sizeof(*ev));
  if (!ev)
    return -ENOMEM;
  int err = 0;
  for (int i = 0; i < n; i++)
    set_of[i] = -1;
  for (int i = 0; i < n && !err; i++)
    err = pmux_pmu_encode(pmu, names[i], &ev[i]);
  if (!err)
    err = pmux_pmu_split(pmu, ev, n, free_mask, set_of);
  free(ev);
  return err;
}
