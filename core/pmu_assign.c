/*
 * pmu_assign.c - counter assignment: events to counters as a bipartite
 * matching (Kuhn's augmenting paths; at most 64 counters), not a count.
 * When a set does not fit, the explanation is a Hall witness: a group of
 * events whose allowed counters, together, are fewer than the events.
 * Also here: splitting events into as few sets as fit (pmux_pmu_split:
 * first-fit, most constrained events first), for `pmux check --split` and
 * split.c.
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

/*
 * Pair events (AMD Large Increment per Cycle, the kernel's
 * PERF_X86_EVENT_PAIR) take a counter they may use and the one after it.
 * That is no longer a bipartite matching: every placement of the pair events
 * is tried (there are at most ncounters/2 of them), the other events matched
 * on the counters left.  Pair events with the same allowed counters are
 * interchangeable, so each takes a counter above the previous one's (one
 * placement per set of pairs, not every ordering of it); a set needing
 * more counters than are free is refused before the search; and the search
 * has a budget of matchings, running out of it being a "does not fit" (as
 * for the kernel rules below), so that a wide PMUX_PMU_PATH description cannot
 * make it exponential.
 */
struct pairs {
  const struct pmux_pmu *pmu;
  const uint64_t *allowed;
  const unsigned char *pair;
  int n;
  int *counter;
  uint64_t *rest;        /* allowed masks of the other events */
  int *rest_idx, *rest_cnt, nrest;
  long budget;           /* matchings left to try */
};

static int place_pairs(struct pairs *p, int i, uint64_t free_mask)
{
  while (i < p->n && !p->pair[i])
    i++;
  if (i == p->n) {
    if (--p->budget < 0)
      return 0;
    int placed = pmux__assign_match(p->pmu, p->rest, p->nrest, free_mask,
                                    p->rest_cnt);
    if (placed < 0)
      return placed;
    if (placed < p->nrest)
      return 0;
    for (int k = 0; k < p->nrest; k++)
      p->counter[p->rest_idx[k]] = p->rest_cnt[k];
    return 1;
  }
  int from = 0; /* above an earlier pair event with the same counters */
  for (int k = i - 1; k >= 0; k--)
    if (p->pair[k] && p->allowed[k] == p->allowed[i]) {
      from = p->counter[k] + 2;
      break;
    }
  for (int c = from; c + 1 < p->pmu->ncounters && p->budget >= 0; c++) {
    uint64_t two = 3ull << c;
    if (!(p->allowed[i] >> c & 1) || (free_mask & two) != two)
      continue;
    p->counter[i] = c;
    int r = place_pairs(p, i + 1, free_mask & ~two);
    if (r)
      return r;
  }
  p->counter[i] = -1;
  return 0;
}

int pmux__assign_pairs(const struct pmux_pmu *pmu, const uint64_t *allowed,
                       const unsigned char *pair, int n, uint64_t free_mask,
                       int *counter)
{
  int npair = 0;
  for (int i = 0; pair && i < n; i++)
    npair += pair[i] != 0;
  if (!npair) {
    int placed = pmux__assign_match(pmu, allowed, n, free_mask, counter);
    return placed < 0 ? placed : placed == n;
  }
  for (int i = 0; i < n; i++)
    counter[i] = -1;
  free_mask &= pmux__pmu_mask(pmu, -1);
  if (npair + n > __builtin_popcountll(free_mask))
    return 0;
  size_t sz = (size_t)(n ? n : 1);
  struct pairs p = {.pmu = pmu, .allowed = allowed, .pair = pair, .n = n,
                    .counter = counter, .rest = malloc(sz * sizeof(uint64_t)),
                    .rest_idx = malloc(sz * sizeof(int)),
                    .rest_cnt = malloc(sz * sizeof(int)),
                    .budget = 200000};
  int r = -ENOMEM;
  if (p.rest && p.rest_idx && p.rest_cnt) {
    for (int i = 0; i < n; i++)
      if (!pair[i]) {
        p.rest_idx[p.nrest] = i;
        p.rest[p.nrest++] = allowed[i];
      }
    r = place_pairs(&p, 0, free_mask);
  }
  if (r <= 0)
    for (int i = 0; i < n; i++)
      counter[i] = -1;
  free(p.rest);
  free(p.rest_idx);
  free(p.rest_cnt);
  return r;
}

/* The pair flags of a set in *out (to free), NULL when it has no pair
 * event; 0 or -ENOMEM. */
static int pair_flags(const pmux_pmu_event_t *const *ev, int n,
                      unsigned char **out)
{
  *out = NULL;
  int any = 0;
  for (int i = 0; i < n; i++)
    any |= ev[i]->pair;
  if (!any)
    return 0;
  if (!(*out = malloc((size_t)n)))
    return -ENOMEM;
  for (int i = 0; i < n; i++)
    (*out)[i] = ev[i]->pair;
  return 0;
}

/* ------------------------------------------ rules beyond the matching */

/*
 * POWER (docs/pmu-description.md, <share> and <alternative>): each event may
 * be counted through its own code or an alternative one (another PMC), and
 * events whose codes match a <share> row must agree on its key bits.  A set
 * fits when some choice of codes agrees on every share and its counters
 * match.  The search is exhaustive (the kernel's own is too), bounded by a
 * budget; running out of budget is a "does not fit", so that a "fits" stays
 * a proof.
 */
#define OPT_MAX (2 * PMUX__ALT_MAX + 2)

struct search {
  const struct pmux_pmu *pmu;
  const pmux_pmu_event_t *const *ev;
  int n;
  uint64_t free_mask;
  uint64_t opt_code[PMUX__PMU_MAX_COUNTERS][OPT_MAX];
  uint64_t opt_cnt[PMUX__PMU_MAX_COUNTERS][OPT_MAX];
  int nopt[PMUX__PMU_MAX_COUNTERS];
  uint64_t masks[PMUX__PMU_MAX_COUNTERS];
  uint64_t share_val[PMUX__SHARES_MAX];
  int share_users[PMUX__SHARES_MAX];
  int *counter;
  long budget;
};

static int has_rules(const struct pmux_pmu *pmu)
{
  return pmu->nshares || pmu->nalts;
}

static uint64_t event_code(const struct pmux_pmu *pmu,
                           const pmux_pmu_event_t *e)
{
  return pmu->perf_code ? e->perf_config : e->code;
}

static void options(struct search *s, int i)
{
  const pmux_pmu_event_t *e = s->ev[i];
  uint64_t alt[OPT_MAX];
  int na = pmux__pmu_alternatives(s->pmu, event_code(s->pmu, e), 1, alt,
                                  OPT_MAX);
  s->nopt[i] = 0;
  for (int k = 0; k < na; k++) {
    uint64_t m = na == 1 ? e->counters
                         : pmux__pmu_code_counters(s->pmu, alt[k]) &
                               e->counters;
    if (!m)
      continue;
    s->opt_code[i][s->nopt[i]] = alt[k];
    s->opt_cnt[i][s->nopt[i]++] = m;
  }
}

/* 1: a choice for events i.. fits; 0: none; -1: out of budget. */
static int search(struct search *s, int i)
{
  if (i == s->n) {
    if (--s->budget < 0)
      return -1;
    unsigned char *pair;
    if (pair_flags(s->ev, s->n, &pair))
      return -ENOMEM;
    int r = pmux__assign_pairs(s->pmu, s->masks, pair, s->n, s->free_mask,
                               s->counter);
    free(pair);
    return r;
  }
  int nsh = s->pmu->nshares; /* at most PMUX__SHARES_MAX (pmu_load.c) */
  for (int k = 0; k < s->nopt[i]; k++) {
    uint64_t code = s->opt_code[i][k];
    int ok = 1, took[PMUX__SHARES_MAX];
    for (int h = 0; h < nsh; h++) {
      const struct pmux__share *sh = &s->pmu->shares[h];
      took[h] = 0;
      if (!ok || !pmux__cond_match(&sh->when, code))
        continue;
      uint64_t v = code & sh->key;
      if (s->share_users[h] && s->share_val[h] != v) {
        ok = 0;
        continue;
      }
      s->share_val[h] = v;
      s->share_users[h]++;
      took[h] = 1;
    }
    int r = 0;
    if (ok) {
      s->masks[i] = s->opt_cnt[i][k];
      r = search(s, i + 1);
    }
    for (int h = 0; h < nsh; h++)
      s->share_users[h] -= took[h];
    if (r)
      return r;
  }
  return 0;
}

/* Whether the events fit, counters filled when they do (1), 0 when not. */
static int fit_rules(const struct pmux_pmu *pmu,
                     const pmux_pmu_event_t *const *ev, int n,
                     uint64_t free_mask, int *counter)
{
  for (int i = 0; i < n; i++)
    counter[i] = -1;
  if (n > pmu->ncounters)
    return 0;
  struct search *s = calloc(1, sizeof(*s));
  if (!s)
    return -ENOMEM;
  s->pmu = pmu;
  s->ev = ev;
  s->n = n;
  s->free_mask = free_mask;
  s->counter = counter;
  s->budget = 200000;
  for (int i = 0; i < n; i++)
    options(s, i);
  int r = search(s, 0);
  free(s);
  if (r <= 0)
    for (int i = 0; i < n; i++)
      counter[i] = -1;
  return r < 0 ? (r == -ENOMEM ? r : 0) : r;
}

/* ------------------------------------------ privilege levels per set */

static int same_plm(const pmux_pmu_event_t *a, const pmux_pmu_event_t *b)
{
  return a->exclude_user == b->exclude_user &&
         a->exclude_kernel == b->exclude_kernel &&
         a->exclude_hv == b->exclude_hv;
}

/*
 * On a PMU with plm-scope="group" (POWER7) the privilege levels are set once
 * for all counters (MMCR0 FCP/FCS/FCH), so the kernel's check_excludes()
 * refuses a group whose events differ in exclude_user/kernel/hv; POWER8 and
 * later (PPMU_ARCH_207S) filter per counter and skip it.  Returns the index
 * of the first event whose levels differ from event 0's, or -1.
 */
static int plm_mismatch(const struct pmux_pmu *pmu,
                        const pmux_pmu_event_t *const *ev, int n)
{
  if (!pmu->plm_group)
    return -1;
  for (int i = 1; i < n; i++)
    if (!same_plm(ev[0], ev[i]))
      return i;
  return -1;
}

static void plm_name(const pmux_pmu_event_t *e, char *buf, size_t len)
{
  snprintf(buf, len, "%s%s%s", e->exclude_user ? "" : "u",
           e->exclude_kernel ? "" : "k", e->exclude_hv ? "" : "h");
}

static int explain_plm(const struct pmux_pmu *pmu, const pmux_pmu_event_t *a,
                       const pmux_pmu_event_t *b)
{
  char pa[4], pb[4];
  plm_name(a, pa, sizeof(pa));
  plm_name(b, pb, sizeof(pb));
  return pmux__fail(PMUX_ECONSTRAINT, "'%s' (levels %s) and '%s' (levels %s) "
                    "count different privilege levels, which %s sets once "
                    "for all its counters", a->name, pa, b->name, pb,
                    pmu->name);
}

/* Any set: plain matching, or the search where the PMU has rules. */
static int set_fits(const struct pmux_pmu *pmu,
                    const pmux_pmu_event_t *const *ev, int n,
                    uint64_t free_mask, int *counter)
{
  if (plm_mismatch(pmu, ev, n) >= 0) {
    for (int i = 0; i < n; i++)
      counter[i] = -1;
    return 0;
  }
  if (has_rules(pmu))
    return fit_rules(pmu, ev, n, free_mask, counter);
  uint64_t allowed[PMUX__PMU_MAX_COUNTERS + 1];
  if (n > PMUX__PMU_MAX_COUNTERS)
    return 0;
  for (int i = 0; i < n; i++)
    allowed[i] = ev[i]->counters;
  unsigned char *pair;
  if (pair_flags(ev, n, &pair))
    return -ENOMEM;
  int r = pmux__assign_pairs(pmu, allowed, pair, n, free_mask, counter);
  free(pair);
  return r;
}

/* Why a set that matches on counters still does not fit: a pair that
 * cannot share the PMU, and the setting they disagree on. */
static int explain_rules(const struct pmux_pmu *pmu,
                         const pmux_pmu_event_t *ev, int n,
                         uint64_t free_mask)
{
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      const pmux_pmu_event_t *pair[2] = {&ev[i], &ev[j]};
      int cnt[2];
      int r = fit_rules(pmu, pair, 2, free_mask, cnt);
      if (r < 0)
        return r;
      if (r)
        continue;
      uint64_t a = event_code(pmu, &ev[i]), b = event_code(pmu, &ev[j]);
      for (int h = 0; h < pmu->nshares; h++) {
        const struct pmux__share *sh = &pmu->shares[h];
        if (pmux__cond_match(&sh->when, a) &&
            pmux__cond_match(&sh->when, b) && (a & sh->key) != (b & sh->key))
          return pmux__fail(PMUX_ECONSTRAINT, "'%s' and '%s' need different "
                            "%s settings (code bits %#llx), which %s holds "
                            "once for all its counters", ev[i].name,
                            ev[j].name, sh->name,
                            (unsigned long long)sh->key, pmu->name);
      }
      return pmux__fail(PMUX_ECONSTRAINT, "'%s' and '%s' cannot count "
                        "together on %s", ev[i].name, ev[j].name, pmu->name);
    }
  return pmux__fail(PMUX_ECONSTRAINT, "no choice of the events' codes and "
                    "their alternatives fits the free counters of %s",
                    pmu->name);
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

/* Refuse event e, none of whose counters is free. */
static int none_free(const struct pmux_pmu *pmu, const pmux_pmu_event_t *e)
{
  char cn[256];
  uint64_t can = e->counters & pmux__pmu_mask(pmu, -1);
  names_of(pmu, can, cn, sizeof(cn));
  return pmux__fail(PMUX_ECONSTRAINT, "'%s' can only count on %s, which %s "
                    "not free", e->name, cn,
                    __builtin_popcountll(can) > 1 ? "are" : "is");
}

/* Grow the witness from unplaced event i: sset marks S, the events
 * reachable by alternating paths, *ns gets N(S).  Returns |S|. */
static int grow_witness(const struct pmux_pmu *pmu, const pmux_pmu_event_t *ev,
                        int n, uint64_t free_mask, const int *counter, int i,
                        char *sset, uint64_t *ns_out)
{
  uint64_t all = pmux__pmu_mask(pmu, -1), ns = 0;
  int stack[PMUX__PMU_MAX_COUNTERS + 1], sp = 0;
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
  /* other unplaced events that want only these counters compete too */
  for (int j = 0; j < n; j++)
    if (!sset[j] && counter[j] < 0 &&
        !(ev[j].counters & free_mask & all & ~ns)) {
      sset[j] = 1;
      size++;
    }
  *ns_out = ns;
  return size;
}

/* The names of S but event i, quoted: four at most, then ", ...". */
static void witness_names(const pmux_pmu_event_t *ev, int n, const char *sset,
                          int i, char *who, size_t len)
{
  size_t off = 0;
  int shown = 0;
  for (int j = 0; j < n && off < len; j++)
    if (sset[j] && j != i) {
      if (shown == 4) {
        off += (size_t)snprintf(who + off, len - off, ", ...");
        break;
      }
      off += (size_t)snprintf(who + off, len - off, "%s'%s'",
                              shown ? ", " : "", ev[j].name);
      shown++;
    }
}

/* Why unplaced event i has no counter: none it may use is free, or the
 * Hall witness grown from it. */
static int explain_unplaced(const struct pmux_pmu *pmu,
                            const pmux_pmu_event_t *ev, int n,
                            uint64_t free_mask, const int *counter, int i)
{
  char cn[256];
  if (!(ev[i].counters & pmux__pmu_mask(pmu, -1) & free_mask))
    return none_free(pmu, &ev[i]);
  uint64_t ns;
  char *sset = calloc((size_t)n, 1);
  if (!sset)
    return -ENOMEM;
  int size = grow_witness(pmu, ev, n, free_mask, counter, i, sset, &ns);
  char who[512];
  witness_names(ev, n, sset, i, who, sizeof(who));
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

/*
 * Explain a failed matching: from an unplaced event, the events reachable by
 * alternating paths form a set S whose counters N(S) are all taken by S
 * itself, and |N(S)| < |S|.
 */
static int explain(const struct pmux_pmu *pmu, const pmux_pmu_event_t *ev,
                   int n, uint64_t free_mask, const int *counter)
{
  for (int i = 0; i < n; i++)
    if (counter[i] < 0)
      return explain_unplaced(pmu, ev, n, free_mask, counter, i);
  return 0;
}

/* Why a set that matches on counters does not fit once its pair events
 * take two counters each: too few counters, or too few free pairs (a
 * counter a pair event may use, free with the one after it). */
static int explain_pairs(const struct pmux_pmu *pmu,
                         const pmux_pmu_event_t *ev, int n, uint64_t free_mask)
{
  int first = -1, need = 0, npair = 0;
  uint64_t starts = 0;
  for (int i = 0; i < n; i++) {
    need += ev[i].pair ? 2 : 1;
    if (!ev[i].pair)
      continue;
    npair++;
    starts |= ev[i].counters;
    if (first < 0)
      first = i;
  }
  free_mask &= pmux__pmu_mask(pmu, -1);
  int nfree = __builtin_popcountll(free_mask);
  if (first < 0)
    return pmux__fail(PMUX_ECONSTRAINT, "the events do not fit the free "
                      "counters of %s", pmu->name);
  static const char why[] = "takes a pair of counters (an even one and the "
                            "next, as the kernel places Large Increment per "
                            "Cycle events)";
  if (need > nfree)
    return pmux__fail(PMUX_ECONSTRAINT, "'%s' %s: %d events need %d "
                      "counters, %d are free", ev[first].name, why, n, need,
                      nfree);
  char pairs[256];
  size_t off = 0;
  int nfp = 0;
  pairs[0] = 0;
  for (int c = 0; c + 1 < pmu->ncounters; c++)
    if ((starts >> c & 1) && (free_mask >> c & 3) == 3) {
      nfp++;
      if (off < sizeof(pairs))
        off += (size_t)snprintf(pairs + off, sizeof(pairs) - off, "%s%s+%s",
                                off ? ", " : "", pmu->counters[c].name,
                                pmu->counters[c + 1].name);
    }
  if (!nfp)
    return pmux__fail(PMUX_ECONSTRAINT, "'%s' %s: no such pair is left free "
                      "on %s", ev[first].name, why, pmu->name);
  if (nfp < npair)
    return pmux__fail(PMUX_ECONSTRAINT, "'%s' %s: %d events take a pair, "
                      "only %d pair%s free (%s)", ev[first].name, why, npair,
                      nfp, nfp == 1 ? " is" : "s are", pairs);
  return pmux__fail(PMUX_ECONSTRAINT, "'%s' %s: the other events do not fit "
                    "the counters the pairs leave free on %s",
                    ev[first].name, why, pmu->name);
}

int pmux_pmu_assign(const pmux_pmu_t *pmu, const pmux_pmu_event_t *ev, int n,
                    uint64_t free_mask, int *counter)
{
  if (!pmu || n < 0 || (n && (!ev || !counter)))
    return pmux__fail(-EINVAL, "pmux_pmu_assign: bad argument");
  uint64_t *allowed = calloc((size_t)(n ? n : 1), sizeof(*allowed));
  if (!allowed)
    return -ENOMEM;
  for (int i = 0; i < n; i++)
    allowed[i] = ev[i].counters;
  int placed = pmux__assign_match(pmu, allowed, n, free_mask, counter);
  free(allowed);
  if (placed < 0)
    return placed;
  if (placed < n)
    return explain(pmu, ev, n, free_mask, counter);
  const pmux_pmu_event_t **evp = malloc((size_t)(n ? n : 1) * sizeof(*evp));
  if (!evp)
    return -ENOMEM;
  for (int i = 0; i < n; i++)
    evp[i] = &ev[i];
  int odd = plm_mismatch(pmu, evp, n);
  if (odd >= 0) {
    free(evp);
    return explain_plm(pmu, &ev[0], &ev[odd]);
  }
  if (!has_rules(pmu)) {
    int r = set_fits(pmu, evp, n, free_mask, counter);
    free(evp);
    if (r < 0)
      return r;
    return r ? 0 : explain_pairs(pmu, ev, n, free_mask);
  }
  int r = fit_rules(pmu, evp, n, free_mask, counter);
  free(evp);
  if (r < 0)
    return r;
  return r ? 0 : explain_rules(pmu, ev, n, free_mask);
}

/* idx: the events, fewest allowed counters (of all) first, in order
 * otherwise (an insertion sort: stable). */
static void most_constrained_first(const pmux_pmu_event_t *ev, int n,
                                   uint64_t all, int *idx)
{
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
}

/* Whether event e fits the free counters alone: 1, or 0 with the reason
 * in *err unless *err holds one already, or a negative error in *err. */
static int fits_alone(const struct pmux_pmu *pmu, const pmux_pmu_event_t *ev,
                      int e, uint64_t free_mask, const pmux_pmu_event_t **evp,
                      int *cnt, int *err)
{
  uint64_t all = pmux__pmu_mask(pmu, -1) & free_mask;
  if (!(ev[e].counters & all)) {
    if (!*err)
      *err = none_free(pmu, &ev[e]);
    return 0;
  }
  /* A counter it may use is free, yet it may not fit alone: a pair event
   * whose every pair is broken by a held counter. */
  evp[0] = &ev[e];
  int alone = set_fits(pmu, evp, 1, free_mask, cnt);
  if (alone > 0)
    return 1;
  if (!*err)
    *err = alone < 0 ? alone : pmux_pmu_assign(pmu, &ev[e], 1, free_mask,
                                               cnt);
  if (!*err) /* set_fits and pmux_pmu_assign disagree: cannot happen */
    *err = pmux__fail(PMUX_ECONSTRAINT, "'%s' does not fit the free "
                      "counters of %s", ev[e].name, pmu->name);
  return 0;
}

/* The first of the nsets sets that event e joins and still fits, else a
 * new one (nsets); a failed fit leaves its error in *err unless *err
 * holds one already (the first, more telling than a later -ENOMEM). */
static int first_fit(const struct pmux_pmu *pmu, const pmux_pmu_event_t *ev,
                     int n, int e, uint64_t free_mask, const int *set_of,
                     int nsets, const pmux_pmu_event_t **evp, int *cnt,
                     int *err)
{
  for (int s = 0; s < nsets; s++) {
    int m = 0;
    for (int j = 0; j < n; j++)
      if (set_of[j] == s)
        evp[m++] = &ev[j];
    evp[m++] = &ev[e];
    int r = set_fits(pmu, evp, m, free_mask, cnt);
    if (r < 0) {
      if (!*err)
        *err = r;
      break;
    }
    if (r)
      return s;
  }
  return nsets;
}

int pmux_pmu_split(const pmux_pmu_t *pmu, const pmux_pmu_event_t *ev, int n,
                   uint64_t free_mask, int *set_of)
{
  if (!pmu || n < 0 || (n && (!ev || !set_of)))
    return pmux__fail(-EINVAL, "pmux_pmu_split: bad argument");
  int *idx = malloc((size_t)(n ? n : 1) * sizeof(int));
  const pmux_pmu_event_t **evp = malloc((size_t)(n ? n : 1) * sizeof(*evp));
  int *cnt = malloc((size_t)(n ? n : 1) * sizeof(int));
  if (!idx || !evp || !cnt) {
    free(idx);
    free(evp);
    free(cnt);
    return -ENOMEM;
  }
  /* First-fit, most constrained events first (fewest allowed counters). */
  most_constrained_first(ev, n, pmux__pmu_mask(pmu, -1) & free_mask, idx);
  int nsets = 0, err = 0;
  for (int i = 0; i < n; i++)
    set_of[i] = -1;
  for (int k = 0; k < n; k++) {
    int e = idx[k];
    if (!fits_alone(pmu, ev, e, free_mask, evp, cnt, &err))
      continue;
    int s = first_fit(pmu, ev, n, e, free_mask, set_of, nsets, evp, cnt,
                      &err);
    if (s == nsets)
      nsets++;
    set_of[e] = s;
  }
  free(idx);
  free(evp);
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
