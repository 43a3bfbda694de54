/*
 * test_pmu_assign.c - counter constraints and assignment, driven by the
 * reference tables (the CSV files of tests/data/pmu/reference, copies of
 * shared/reference): every event's allowed counters equal what the table
 * says (Core2 counter_mask; MIPS 74K bit 7 odd/even with 0x0 and 0x1
 * anywhere; POWER bits 19:16 naming the PMC); sets known to fit and known
 * not to; adversarial sets (all on one counter; one that needs an
 * augmenting path); free masks (the reservation hook); --split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pmu_desc.h"

struct row {
  char name[128];
  uint64_t code, mask;
};

static int read_csv(const char *file, struct row *rows, int max)
{
  char path[1024], line[512];
  snprintf(path, sizeof(path), "%s/reference/%s", PMUX_TEST_DATA, file);
  FILE *f = fopen(path, "r");
  if (!f)
    fail_msg("%s: cannot open", path);
  int n = 0;
  if (!fgets(line, sizeof(line), f)) { /* header */
    fclose(f);
    return 0;
  }
  while (n < max && fgets(line, sizeof(line), f)) {
    char *name = strtok(line, ",\r\n");
    char *code = strtok(NULL, ",\r\n");
    char *mask = strtok(NULL, ",\r\n");
    if (!name || !code)
      continue;
    snprintf(rows[n].name, sizeof(rows[n].name), "%s", name);
    rows[n].code = strtoull(code, NULL, 0);
    rows[n].mask = mask ? strtoull(mask, NULL, 0) : 0;
    n++;
  }
  fclose(f);
  return n;
}

static const pmux_pmu_t *pmu(const char *name)
{
  const pmux_pmu_t *p;
  if (pmux_pmu_find(name, &p))
    fail_msg("%s: %s", name, pmux_errmsg());
  return p;
}

static uint64_t allowed(const pmux_pmu_t *p, const char *ev)
{
  pmux_pmu_event_t e;
  char name[256];
  snprintf(name, sizeof(name), "%s", ev);
  const struct pmux__event *d = pmux__pmu_event_find(p, ev);
  if (d && d->numasks && !d->has_umask)
    snprintf(name, sizeof(name), "%s:%s", ev, d->umasks[0].name);
  if (pmux_pmu_encode(p, name, &e))
    fail_msg("%s: %s", name, pmux_errmsg());
  return e.counters;
}

/* Core2 CSV mask (bit 0/1 = PMC0/1, bit 32+i = FIXEDi) -> our indexes. */
static uint64_t core2_mask(uint64_t m)
{
  return (m & 0x3) | ((m >> 32) & 0x7) << 2;
}

static void core2_table(void **state)
{
  (void)state;
  struct row rows[200];
  int n = read_csv("core2_events.csv", rows, 200);
  assert_int_equal(n, 133);
  const pmux_pmu_t *p = pmu("core2");
  for (int i = 0; i < n; i++) {
    uint64_t got = allowed(p, rows[i].name);
    /* The one departure from the table: ITLB_MISS_RETIRED (0xc9) on PMC0
     * only, where the kernel places it (erratum T30-9). */
    if (rows[i].code == 0xc9) {
      assert_int_equal(rows[i].mask, 0x3);
      rows[i].mask = 0x1;
    }
    if (got != core2_mask(rows[i].mask))
      fail_msg("%s: counters %#llx, table %#llx", rows[i].name,
               (unsigned long long)got, (unsigned long long)rows[i].mask);
  }
}

static void mips74k_table(void **state)
{
  (void)state;
  struct row rows[200];
  int n = read_csv("mips74k_events.csv", rows, 200);
  assert_int_equal(n, 122);
  const pmux_pmu_t *p = pmu("mips74k");
  for (int i = 0; i < n; i++) {
    uint64_t want = rows[i].code <= 1 ? 0xf
                    : (rows[i].code & 0x80) ? 0xa /* PMC1, PMC3 */
                                            : 0x5; /* PMC0, PMC2 */
    uint64_t got = allowed(p, rows[i].name);
    if (got != want)
      fail_msg("%s (%#llx): counters %#llx, want %#llx", rows[i].name,
               (unsigned long long)rows[i].code, (unsigned long long)got,
               (unsigned long long)want);
  }
}

static void power_table(const char *csv, const char *name, int count)
{
  struct row rows[1200];
  int n = read_csv(csv, rows, 1200);
  assert_int_equal(n, count);
  const pmux_pmu_t *p = pmu(name);
  for (int i = 0; i < n; i++) {
    unsigned pmc = (unsigned)(rows[i].code >> 16) & 0xf;
    uint64_t want = pmc ? 1ull << (pmc - 1) : 0xf;
    if (pmux__pmu_refused(p, rows[i].code))
      continue; /* POWER8: the kernel refuses it (test_pmu_power) */
    /* the counters of the kernel's alternative codes join in */
    uint64_t alt[16];
    int na = pmux__pmu_alternatives(p, rows[i].code, 1, alt, 16);
    for (int k = 1; k < na; k++)
      want |= pmux__pmu_code_counters(p, alt[k]);
    uint64_t got = allowed(p, rows[i].name);
    if (got != want)
      fail_msg("%s %s: counters %#llx, want %#llx", name, rows[i].name,
               (unsigned long long)got, (unsigned long long)want);
  }
}

static void power7_table(void **state)
{
  (void)state;
  power_table("power7_events.csv", "power7", 547);
}

static void power8_table(void **state)
{
  (void)state;
  power_table("power8_events.csv", "power8", 1063);
}

/* Encode a comma list and assign it to every free counter. */
static int check(const char *pmu_name, const char *list, uint64_t free_mask,
                 int *counter)
{
  const pmux_pmu_t *p = pmu(pmu_name);
  pmux_pmu_event_t ev[32];
  int n = 0;
  char buf[1024];
  snprintf(buf, sizeof(buf), "%s", list);
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    if (pmux_pmu_encode(p, t, &ev[n]))
      fail_msg("%s: %s", t, pmux_errmsg());
    n++;
  }
  if (!free_mask)
    free_mask = pmux_pmu_counters_mask(p);
  int tmp[32];
  return pmux_pmu_assign(p, ev, n, free_mask, counter ? counter : tmp);
}

struct set_case {
  const char *pmu, *events;
  int fits;
};

static const struct set_case sets[] = {
    /* Core2: 2 generic + 3 fixed */
    {"core2", "FP_COMP_OPS_EXE,FP_ASSIST", 1},
    {"core2", "MUL,DIV", 0},                         /* both PMC1 only */
    {"core2", "FP_COMP_OPS_EXE,CYCLES_DIV_BUSY", 0}, /* both PMC0 only */
    {"core2", "INSTRUCTIONS_RETIRED,UNHALTED_CORE_CYCLES,"
              "UNHALTED_REFERENCE_CYCLES,FP_COMP_OPS_EXE,MUL", 1},
    {"core2", "INST_RETIRED:ANY_P,UNHALTED_CORE_CYCLES,FP_COMP_OPS_EXE,MUL", 0},
    {"core2", "UNHALTED_REFERENCE_CYCLES,UNHALTED_REFERENCE_CYCLES", 0},
    {"core2", "L2_LD:SELF:MESI,L2_ST:SELF:MESI,BR_INST_RETIRED", 0},
    {"core2", "UNHALTED_CORE_CYCLES:c=1,UNHALTED_CORE_CYCLES,L2_ADS:SELF", 1},
    {"core2", "UNHALTED_CORE_CYCLES:c=1,UNHALTED_CORE_CYCLES:i,L2_ADS:SELF", 0},
    /* MIPS 74K: odd/even halves */
    {"mips74k", "JR_31_MISPREDICTIONS,ITLB_MISSES", 1},
    {"mips74k", "JR_31_MISPREDICTIONS,ITLB_MISSES,ICACHE_MISSES", 0},
    {"mips74k", "PREDICTED_JR_31,ITLB_ACCESSES,CYCLES,INSTRUCTIONS", 1},
    {"mips74k", "PREDICTED_JR_31,ITLB_ACCESSES,ICACHE_ACCESSES", 0},
    {"mips74k", "CYCLES,INSTRUCTIONS,JR_31_MISPREDICTIONS,PREDICTED_JR_31", 1},
    /* raw 0x80/0x81 are cycles/instructions too: the kernel's 74K raw map
     * takes code & 0x7f, and events 0 and 1 go on every counter */
    {"mips74k", "r80,JR_31_MISPREDICTIONS,ITLB_MISSES", 1},
    {"mips74k", "r81,r80,JR_31_MISPREDICTIONS,ITLB_MISSES", 1},
    /* POWER: the PMC field; PMC5/6 only for run instructions/cycles */
    {"power8", "PM_1PLUS_PPC_CMPL,PM_2LPAR_CYC,PM_RUN_INST_CMPL,PM_RUN_CYC", 1},
    {"power8", "PM_1PLUS_PPC_CMPL,PM_1LPAR_CYC", 0},  /* both PMC1 */
    {"power7", "PM_CMPLU_STALL_FXU,PM_CMPLU_STALL_DFU", 0}, /* both PMC2 */
    {"power7", "PM_IC_DEMAND_L2_BR_ALL,PM_GCT_UTIL_7_TO_10_SLOTS,"
               "PM_PMC2_SAVED", 1},
    /* PM_RUN_CYC (PMC2) and PM_RUN_INST_CMPL (PMC4) move to PMC6 and PMC5,
     * their kernel alternatives, leaving PMC2-4 to the others */
    {"power7", "PM_IC_DEMAND_L2_BR_ALL,PM_GCT_UTIL_7_TO_10_SLOTS,"
               "PM_PMC2_SAVED,PM_RUN_CYC,PM_RUN_INST_CMPL", 1},
    /* two L2 (unit 6) events with different L2SEL settings */
    {"power7", "PM_L2_LD,PM_L2_ST_DISP", 0},
    /* AMD: 4 or 6 interchangeable counters */
    {"amd64_k8", "RETIRED_INSTRUCTIONS,CPU_CLK_UNHALTED,"
                 "RETIRED_BRANCH_INSTRUCTIONS,RETIRED_MISPREDICTED_BRANCH_INSTRUCTIONS", 1},
    {"amd64_k8", "RETIRED_INSTRUCTIONS,CPU_CLK_UNHALTED,"
                 "RETIRED_BRANCH_INSTRUCTIONS,RETIRED_MISPREDICTED_BRANCH_INSTRUCTIONS,"
                 "RETIRED_UOPS", 0},
};

static void known_sets(void **state)
{
  (void)state;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(sets); i++) {
    int err = check(sets[i].pmu, sets[i].events, 0, NULL);
    if ((err == 0) != sets[i].fits)
      fail_msg("%s {%s}: %s (%s)", sets[i].pmu, sets[i].events,
               err ? "does not fit" : "fits", err ? pmux_errmsg() : "");
    if (err) {
      assert_int_equal(err, PMUX_ECONSTRAINT);
      assert_true(strlen(pmux_errmsg()) > 10);
    }
  }
}

static void reasons_name_the_culprits(void **state)
{
  (void)state;
  assert_int_equal(check("core2", "MUL,DIV", 0, NULL), PMUX_ECONSTRAINT);
  assert_string_equal(pmux_errmsg(),
                      "'DIV' can only count on PMC1, which 'MUL' already holds");
  assert_int_equal(check("core2", "MUL,DIV,FP_ASSIST", 0, NULL),
                   PMUX_ECONSTRAINT);
  assert_non_null(strstr(pmux_errmsg(), "1 counter for 3 events"));
  /* erratum T30-9: the kernel puts ITLB_MISS_RETIRED on PMC0 alone, by
   * name and as a raw code */
  assert_int_equal(check("core2", "ITLB_MISS_RETIRED,MEM_LOAD_RETIRED:L1D_MISS",
                         0, NULL), PMUX_ECONSTRAINT);
  assert_int_equal(check("core2", "r00c9,r01cb", 0, NULL), PMUX_ECONSTRAINT);
  assert_int_equal(check("core2", "ITLB_MISS_RETIRED,MUL", 0, NULL), 0);
  /* a counter taken out of the free mask (the reservation hook) */
  assert_int_equal(check("core2", "UNHALTED_REFERENCE_CYCLES", 0xf, NULL),
                   PMUX_ECONSTRAINT);
  assert_string_equal(pmux_errmsg(), "'UNHALTED_REFERENCE_CYCLES' can only "
                                     "count on FIXED2, which is not free");
}

/* Greedy first-fit would put the flexible event on PMC0 and fail; the
 * matching moves it. */
static void augmenting_path(void **state)
{
  (void)state;
  int c[4];
  /* BR_INST_RETIRED (PMC0/1) first, then FP_COMP_OPS_EXE (PMC0 only) */
  assert_int_equal(check("core2", "BR_INST_RETIRED,FP_COMP_OPS_EXE", 0, c), 0);
  assert_int_equal(c[0], 1);
  assert_int_equal(c[1], 0);
  /* and MIPS: CYCLES anywhere, then two even-only events */
  assert_int_equal(check("mips74k", "CYCLES,INSTRUCTIONS,PREDICTED_JR_31,"
                                    "ITLB_ACCESSES", 0, c), 0);
  assert_true(c[2] == 0 || c[2] == 2);
  assert_true(c[3] == 0 || c[3] == 2);
  /* fixed counters are used when an event may go there */
  assert_int_equal(check("core2", "INSTRUCTIONS_RETIRED", 0, c), 0);
  assert_int_equal(c[0], 2); /* FIXED0 */
}

/* Every event wanting the same counter: exactly one fits per set. */
static void adversarial_same_counter(void **state)
{
  (void)state;
  const pmux_pmu_t *p = pmu("power8");
  /* every PMC3-only event of the table */
  struct row rows[1200];
  int n = read_csv("power8_events.csv", rows, 1200);
  pmux_pmu_event_t ev[64];
  int m = 0;
  for (int i = 0; i < n && m < 64; i++)
    if ((rows[i].code >> 16 & 0xf) == 3)
      assert_int_equal(pmux_pmu_encode(p, rows[i].name, &ev[m++]), 0);
  assert_int_equal(m, 64);
  int c[64], set_of[64];
  assert_int_equal(pmux_pmu_assign(p, ev, 1, ~0ull, c), 0);
  assert_int_equal(c[0], 2);
  assert_int_equal(pmux_pmu_assign(p, ev, m, ~0ull, c), PMUX_ECONSTRAINT);
  int placed = 0;
  for (int i = 0; i < m; i++)
    placed += c[i] >= 0;
  assert_int_equal(placed, 1);
  assert_int_equal(pmux_pmu_split(p, ev, m, ~0ull, set_of), 64);
  /* with PMC3 reserved nothing fits */
  assert_int_equal(pmux_pmu_split(p, ev, m, ~(1ull << 2), set_of),
                   PMUX_ECONSTRAINT);
  for (int i = 0; i < m; i++)
    assert_int_equal(set_of[i], -1);
}

static void split_partitions(void **state)
{
  (void)state;
  const pmux_pmu_t *p = pmu("core2");
  const char *list[] = {"MUL", "DIV", "FP_ASSIST", "FP_COMP_OPS_EXE",
                        "INSTRUCTIONS_RETIRED", "UNHALTED_CORE_CYCLES",
                        "L2_LD:SELF:MESI", "BR_INST_RETIRED"};
  int n = (int)PMUX_ARRAY_SIZE(list);
  pmux_pmu_event_t ev[8];
  for (int i = 0; i < n; i++)
    assert_int_equal(pmux_pmu_encode(p, list[i], &ev[i]), 0);
  int set_of[8];
  int k = pmux_pmu_split(p, ev, n, pmux_pmu_counters_mask(p), set_of);
  /* MUL, DIV, FP_ASSIST all need PMC1: at least 3 sets, and 3 suffice */
  assert_int_equal(k, 3);
  for (int s = 0; s < k; s++) {
    pmux_pmu_event_t sub[8];
    int m = 0, c[8];
    for (int i = 0; i < n; i++)
      if (set_of[i] == s)
        sub[m++] = ev[i];
    assert_true(m > 0);
    assert_int_equal(pmux_pmu_assign(p, sub, m, ~0ull, c), 0);
  }
  /* AMD fam17h: 13 free-standing events in 6 counters -> 3 sets */
  p = pmu("amd64_fam17h");
  pmux_pmu_event_t a[13];
  for (int i = 0; i < 13; i++)
    assert_int_equal(pmux_pmu_encode(p, "RETIRED_INSTRUCTIONS", &a[i]), 0);
  int so[13];
  assert_int_equal(pmux_pmu_split(p, a, 13, pmux_pmu_counters_mask(p), so), 3);
  /* with the watchdog's counter out: 13 events in 5 counters -> 3 sets */
  uint64_t free_mask = pmux_pmu_counters_mask(p) &
                       ~(1ull << pmux_pmu_watchdog_counter(p));
  assert_int_equal(pmux_pmu_split(p, a, 13, free_mask, so), 3);
  assert_int_equal(pmux_pmu_split(p, a, 11, free_mask, so), 3);
  assert_int_equal(pmux_pmu_split(p, a, 10, free_mask, so), 2);
}

/* AMD Family 17h on: event 0x003 (RETIRED_SSE_AVX_FLOPS, a Large Increment
 * per Cycle event) takes an even counter and the next one, as the kernel's
 * pair constraint (arch/x86/events/amd/core.c); sets fit as the kernel
 * counts them. */
static void amd_pairs(void **state)
{
  (void)state;
  static const char *const pmus[][2] = {
      {"amd64_fam17h", "RETIRED_SSE_AVX_OPERATIONS:DP_MULT_ADD_FLOPS"},
      {"amd64_zen3", "RETIRED_SSE_AVX_FLOPS"},
      {"amd64_zen4", "RETIRED_SSE_AVX_FLOPS"}};
  for (size_t k = 0; k < PMUX_ARRAY_SIZE(pmus); k++) {
    const pmux_pmu_t *p = pmu(pmus[k][0]);
    pmux_pmu_event_t f[3], o[6], ev[8];
    int c[8];
    for (int i = 0; i < 3; i++)
      assert_int_equal(pmux_pmu_encode(p, pmus[k][1], &f[i]), 0);
    for (int i = 0; i < 6; i++)
      assert_int_equal(pmux_pmu_encode(p, "RETIRED_INSTRUCTIONS", &o[i]), 0);
    assert_true(f[0].pair);
    assert_int_equal(f[0].counters, 0x15); /* PMC0, PMC2, PMC4 */
    assert_false(o[0].pair);
    assert_int_equal(o[0].counters, 0x3f);
    /* raw images and other unit masks too: the kernel keys on the event */
    pmux_pmu_event_t r;
    assert_int_equal(pmux_pmu_encode(p, "r530103", &r), 0);
    assert_true(r.pair);
    assert_int_equal(pmux_pmu_encode(p, "r5300c0", &r), 0);
    assert_false(r.pair);
    uint64_t all = pmux_pmu_counters_mask(p);
    /* one pair and four others: six counters */
    ev[0] = f[0];
    memcpy(ev + 1, o, 5 * sizeof(*o));
    assert_int_equal(pmux_pmu_assign(p, ev, 5, all, c), 0);
    assert_int_equal(c[0] % 2, 0);
    for (int i = 1; i < 5; i++)
      assert_int_not_equal(c[i], c[0] + 1);
    /* one pair and five others: seven counters */
    assert_int_equal(pmux_pmu_assign(p, ev, 6, all, c), PMUX_ECONSTRAINT);
    assert_non_null(strstr(pmux_errmsg(), "takes a pair of counters"));
    assert_non_null(strstr(pmux_errmsg(), "6 events need 7 counters"));
    /* three pairs fill the PMU; a fourth event does not fit */
    memcpy(ev, f, 3 * sizeof(*f));
    assert_int_equal(pmux_pmu_assign(p, ev, 3, all, c), 0);
    ev[3] = o[0];
    assert_int_equal(pmux_pmu_assign(p, ev, 4, all, c), PMUX_ECONSTRAINT);
    /* PMC1 and PMC3 held: PMC4+5 is the only pair left */
    uint64_t holes = all & ~0xaull;
    ev[0] = f[0];
    ev[1] = o[0];
    ev[2] = o[1];
    assert_int_equal(pmux_pmu_assign(p, ev, 3, holes, c), 0);
    assert_int_equal(c[0], 4);
    /* two pair events there: one pair is free, not none */
    memcpy(ev, f, 2 * sizeof(*f));
    assert_int_equal(pmux_pmu_assign(p, ev, 2, holes, c), PMUX_ECONSTRAINT);
    assert_non_null(strstr(pmux_errmsg(), "2 events take a pair, only 1 "
                                          "pair is free (PMC4+PMC5)"));
    /* PMC5 held too: none is */
    assert_int_equal(pmux_pmu_assign(p, ev, 1, holes & ~0x20ull, c),
                     PMUX_ECONSTRAINT);
    assert_non_null(strstr(pmux_errmsg(), "no such pair is left free"));
    /* the watchdog's PMC0 out: one pair and three others, not four */
    uint64_t wd = all & ~(1ull << pmux_pmu_watchdog_counter(p));
    ev[0] = f[0];
    memcpy(ev + 1, o, 4 * sizeof(*o));
    assert_int_equal(pmux_pmu_assign(p, ev, 4, wd, c), 0);
    assert_true(c[0] == 2 || c[0] == 4);
    assert_int_equal(pmux_pmu_assign(p, ev, 5, wd, c), PMUX_ECONSTRAINT);
    /* --split: one pair and five others make two sets */
    ev[0] = f[0];
    memcpy(ev + 1, o, 5 * sizeof(*o));
    int so[6];
    assert_int_equal(pmux_pmu_split(p, ev, 6, all, so), 2);
    /* --split with PMC1, PMC3 and PMC5 held: no pair is free, so the pair
     * event fits no set, not even alone (an error, set_of -1), while the
     * other event still gets a set */
    uint64_t nopair = all & ~0x2aull;
    ev[0] = f[0];
    ev[1] = o[0];
    so[0] = so[1] = 7;
    assert_int_equal(pmux_pmu_split(p, ev, 2, nopair, so), PMUX_ECONSTRAINT);
    assert_non_null(strstr(pmux_errmsg(), "takes a pair of counters"));
    assert_int_equal(so[0], -1);
    assert_int_equal(so[1], 0);
  }
}

/* Pair events are placed by a search; it must stay fast on a wide PMU
 * (a PMUX_PMU_PATH description may have 64 counters): 14 pair events on 28
 * counters and one more event, which cannot fit, once tried every
 * ordering of the identical pair events (14! placements). */
static void pairs_wide_pmu_fast(void **state)
{
  (void)state;
  char xml[4096];
  size_t off = (size_t)snprintf(xml, sizeof(xml),
                                "<pmu name=\"wide\" family=\"amd64\">\n");
  char evens[512] = "";
  for (int c = 0; c < 28; c++) {
    off += (size_t)snprintf(xml + off, sizeof(xml) - off,
                            "<counter name=\"PMC%d\" kind=\"generic\" "
                            "width=\"48\" addr=\"%#x\"/>\n", c, 0x100 + c);
    if (c % 2 == 0)
      snprintf(evens + strlen(evens), sizeof(evens) - strlen(evens), "%sPMC%d",
               c ? "," : "", c);
  }
  off += (size_t)snprintf(xml + off, sizeof(xml) - off,
                          "<field name=\"event\" lsb=\"0\" width=\"8\"/>\n"
                          "<codemap code-lsb=\"0\" width=\"8\" "
                          "image-lsb=\"0\"/>\n"
                          "<constraint code=\"0x03\" counters=\"%s\" "
                          "pair=\"yes\"/>\n"
                          "<event name=\"PAIRED\" code=\"0x03\"/>\n"
                          "<event name=\"OTHER\" code=\"0x76\"/>\n</pmu>\n",
                          evens);
  assert_true(off < sizeof(xml));
  struct pmux_pmu *p = NULL;
  assert_int_equal(pmux__pmu_load_buffer(xml, strlen(xml), "wide.xml", &p), 0);
  assert_int_equal(pmux__pmu_finalize(p), 0);
  pmux_pmu_event_t ev[15];
  int c[15], so[15];
  for (int i = 0; i < 14; i++)
    assert_int_equal(pmux_pmu_encode(p, "PAIRED", &ev[i]), 0);
  assert_int_equal(pmux_pmu_encode(p, "OTHER", &ev[14]), 0);
  assert_true(ev[0].pair);
  alarm(20); /* SIGALRM fails the test where the search blows up */
  assert_int_equal(pmux_pmu_assign(p, ev, 14, ~0ull, c), 0);
  assert_int_equal(pmux_pmu_assign(p, ev, 15, ~0ull, c), PMUX_ECONSTRAINT);
  assert_non_null(strstr(pmux_errmsg(), "15 events need 29 counters"));
  assert_int_equal(pmux_pmu_split(p, ev, 15, ~0ull, so), 2);
  alarm(0);
  pmux__pmu_free(p);
}

static void split_by_names(void **state)
{
  (void)state;
  const pmux_pmu_t *p = pmu("mips74k");
  const char *const ok[] = {"JR_31_MISPREDICTIONS", "ITLB_MISSES",
                            "ICACHE_MISSES", "CYCLES", "PREDICTED_JR_31"};
  int set_of[5];
  /* three odd-only events: two sets */
  assert_int_equal(pmux_pmu_split_names(p, ok, 5, ~0ull, set_of), 2);
  const char *const bad[] = {"CYCLES", "NOPE"};
  assert_int_equal(pmux_pmu_split_names(p, bad, 2, ~0ull, set_of),
                   PMUX_EEVENT);
  assert_non_null(strstr(pmux_errmsg(), "NOPE"));
  assert_int_equal(set_of[1], -1);
}

/* An event with no free counter is refused in the same words by split as
 * by assign: "which are not free" for several counters. */
static void split_says_not_free_as_assign(void **state)
{
  (void)state;
  const pmux_pmu_t *p = pmu("core2");
  pmux_pmu_event_t ev;
  int c, set_of;
  assert_int_equal(pmux_pmu_encode(p, "INSTRUCTIONS_RETIRED", &ev), 0);
  uint64_t free_mask = pmux_pmu_counters_mask(p) & ~ev.counters;
  assert_int_equal(pmux_pmu_assign(p, &ev, 1, free_mask, &c),
                   PMUX_ECONSTRAINT);
  char want[256];
  snprintf(want, sizeof(want), "%s", pmux_errmsg());
  assert_non_null(strstr(want, ", which are not free"));
  assert_int_equal(pmux_pmu_split(p, &ev, 1, free_mask, &set_of),
                   PMUX_ECONSTRAINT);
  assert_string_equal(pmux_errmsg(), want);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(core2_table),
      cmocka_unit_test(mips74k_table),
      cmocka_unit_test(power7_table),
      cmocka_unit_test(power8_table),
      cmocka_unit_test(known_sets),
      cmocka_unit_test(reasons_name_the_culprits),
      cmocka_unit_test(augmenting_path),
      cmocka_unit_test(adversarial_same_counter),
      cmocka_unit_test(split_partitions),
      cmocka_unit_test(split_by_names),
      cmocka_unit_test(split_says_not_free_as_assign),
      cmocka_unit_test(amd_pairs),
      cmocka_unit_test(pairs_wide_pmu_fast),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
