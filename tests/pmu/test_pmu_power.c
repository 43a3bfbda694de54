/*
 * test_pmu_power.c - the POWER8/9/10 descriptions against the Linux kernel's
 * POWER perf driver: its per-event refusals (<refuse>), the settings events
 * on PMC1-4 share (<share>) and its alternative codes (<alternative>).
 *
 * The facts: tests/data/pmu/kernel/POWERn_alone.txt and POWERn_groups.txt,
 * the guest kernel's verdicts (Debian's Linux 6.1 on QEMU 10, docs/lab.md)
 * on every event code alone and on random groups (each event opening alone;
 * kept: every group where plain PMC matching and the kernel differ, and a
 * sample of the others).  pmux must give the same answer on every line.
 * Besides: hand-written encoding vectors, sets known to fit and not (with
 * the reason's wording), and the loader's rules for the new elements.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pmu_desc.h"

static const pmux_pmu_t *pmu(const char *name)
{
  const pmux_pmu_t *p;
  if (pmux_pmu_find(name, &p))
    fail_msg("%s: %s", name, pmux_errmsg());
  return p;
}

/* Does pmux accept these raw codes as one set (all counters free)? */
static int fits(const pmux_pmu_t *p, const uint64_t *codes, int n)
{
  pmux_pmu_event_t ev[8];
  int cnt[8];
  assert_true(n <= 8);
  for (int i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof(name), "r%llx", (unsigned long long)codes[i]);
    if (pmux_pmu_encode(p, name, &ev[i]))
      return 0;
  }
  return pmux_pmu_assign(p, ev, n, ~0ull, cnt) == 0;
}

/* Every line "yes|no CODE..." of a kernel verdict file. */
static void kernel_file(const char *cpu, const char *kind)
{
  char path[1024], line[512];
  snprintf(path, sizeof(path), "%s/kernel/%s_%s.txt", PMUX_TEST_DATA, cpu,
           kind);
  FILE *f = fopen(path, "r");
  if (!f)
    fail_msg("%s: cannot open", path);
  const pmux_pmu_t *p = pmu(cpu);
  int lines = 0, yes = 0, bad = 0;
  while (fgets(line, sizeof(line), f)) {
    if (line[0] == '#')
      continue;
    char *save = NULL, *tok = strtok_r(line, " \n", &save);
    if (!tok)
      continue;
    int want = !strcmp(tok, "yes");
    uint64_t codes[8];
    int n = 0;
    while ((tok = strtok_r(NULL, " \n", &save)) && n < 8)
      codes[n++] = strtoull(tok, NULL, 16);
    assert_true(n >= 1);
    int got = fits(p, codes, n);
    if (got != want && bad++ < 5) {
      printf("%s %s: pmux %s, kernel %s:", cpu, kind,
             got ? "fits" : "does not fit", want ? "yes" : "no");
      for (int i = 0; i < n; i++)
        printf(" %#llx", (unsigned long long)codes[i]);
      printf(" (%s)\n", got ? "" : pmux_errmsg());
    }
    lines++;
    yes += want;
  }
  fclose(f);
  printf("%s %s: %d lines (%d accepted by the kernel), %d disagree\n", cpu,
         kind, lines, yes, bad);
  assert_true(lines > 100);
  assert_int_equal(bad, 0);
}

static void power8_alone(void **state)
{
  (void)state;
  kernel_file("power8", "alone");
}
static void power8_groups(void **state)
{
  (void)state;
  kernel_file("power8", "groups");
}
static void power9_alone(void **state)
{
  (void)state;
  kernel_file("power9", "alone");
}
static void power9_groups(void **state)
{
  (void)state;
  kernel_file("power9", "groups");
}
static void power10_alone(void **state)
{
  (void)state;
  kernel_file("power10", "alone");
}
static void power10_groups(void **state)
{
  (void)state;
  kernel_file("power10", "groups");
}

static void descriptions(void **state)
{
  (void)state;
  static const char *const names[][3] = {{"power9", "POWER9", "ppc_power9"},
                                         {"power10", "POWER10",
                                          "ppc_power10"}};
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(names); i++) {
    const pmux_pmu_t *p = pmu(names[i][0]);
    assert_ptr_equal(pmu(names[i][1]), p);
    assert_ptr_equal(pmu(names[i][2]), p);
    assert_int_equal(pmux_pmu_ncounters(p), 6);
    for (int c = 0; c < 6; c++) {
      pmux_counter_info_t ci;
      char want[8];
      snprintf(want, sizeof(want), "PMC%d", c + 1);
      assert_int_equal(pmux_pmu_counter(p, c, &ci), 0);
      assert_string_equal(ci.name, want);
      assert_int_equal(ci.kind, c < 4 ? PMUX_COUNTER_GENERIC
                                      : PMUX_COUNTER_FIXED);
    }
    assert_true(p->nevents > 900);
    assert_true(p->nrefuses > 0 && p->nshares > 0 && p->nalts > 0);
  }
}

struct vector {
  const char *pmu, *event;
  int err;
  uint64_t config, counters;
};

static const struct vector vectors[] = {
    /* PMC5/6: only their two events; PM_RUN_INST_CMPL may also go to PMC4
     * (PM_RUN_INST_CMPL_ALT) or, per task, anywhere PM_INST_CMPL goes */
    {"power9", "r500fa", 0, 0x500fa, 0x1f},
    {"power9", "PM_RUN_INST_CMPL", 0, 0x400fa, 0x1f}, /* libpfm4's code */
    {"power9", "r600f4", 0, 0x600f4, 0x2f},
    {"power9", "PM_CYC", 0, 0x1001e, 0x1}, /* libpfm4: PMC1 */
    {"power9", "r1e", 0, 0x1e, 0x2f},
    {"power9", "r5001e", PMUX_ECONSTRAINT, 0, 0},
    {"power9", "r700f4", PMUX_EEVENT, 0, 0},
    {"power9", "r200", PMUX_ECONFIG, 0, 0}, /* bit 9: no field on POWER9 */
    /* L2/L3 bus events: PMC4 only */
    {"power9", "PM_CO0_BUSY", PMUX_ECONSTRAINT, 0, 0},
    {"power9", "r4608c", 0, 0x4608c, 0x8},
    /* DD2.2's list of broken events */
    {"power9", "PM_DTLB_MISS_4K", PMUX_ECONSTRAINT, 0, 0},
    /* reserved sampling modes and threshold start/stop events */
    {"power9", "rc000000", PMUX_ECONSTRAINT, 0, 0},
    {"power9", "r3000000", PMUX_ECONSTRAINT, 0, 0},
    {"power9", "rf000000000", PMUX_ECONSTRAINT, 0, 0},
    {"power9", "r2:u", 0, 0x2, 0x1f},
    /* POWER10: the MMCR3 bits are part of the code */
    {"power10", "PM_DATA_FROM_DL2L3_MOD", 0, 0xe4240000001c040ull, 0x1},
    {"power10", "r10000000", PMUX_ECONSTRAINT, 0, 0},
    {"power10", "r200", 0, 0x200, 0xf},
    {"power10", "r1000000000000000", PMUX_ECONFIG, 0, 0},
    {"power10", "r600f4", 0, 0x600f4, 0x2f},
    /* POWER8: L2/L3 events with a cache selector; threshold mantissa */
    {"power8", "PM_CO_DISP_FAIL", PMUX_ECONSTRAINT, 0, 0},
    {"power8", "PM_ISIDE_DISP", PMUX_ECONSTRAINT, 0, 0},
    {"power8", "r8000000100f2", PMUX_ECONSTRAINT, 0, 0},
    {"power8", "rc0000000100f2", PMUX_ECONFIG, 0, 0}, /* bits 51:50 */
    {"power8", "rc00000100f2", 0, 0xc00000100f2ull, 0x1},
};

static void encoding_vectors(void **state)
{
  (void)state;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(vectors); i++) {
    const struct vector *v = &vectors[i];
    pmux_pmu_event_t out;
    int err = pmux_pmu_encode(pmu(v->pmu), v->event, &out);
    if (err != v->err)
      fail_msg("%s %s: got %d (%s), want %d", v->pmu, v->event, err,
               pmux_errmsg(), v->err);
    if (err)
      continue;
    if (out.config != v->config || out.perf_config != v->config ||
        out.counters != v->counters)
      fail_msg("%s %s: config %#llx counters %#llx, want %#llx %#llx",
               v->pmu, v->event, (unsigned long long)out.config,
               (unsigned long long)out.counters,
               (unsigned long long)v->config,
               (unsigned long long)v->counters);
  }
}

struct set {
  const char *pmu;
  const char *events[7];
  int fits;
  const char *reason; /* a part of the message when it does not fit */
};

static const struct set sets[] = {
    /* POWER8: two L1 events with different DC/IC qualifiers (the lab's
     * disagreement before the rules were described) */
    {"power8", {"PM_ALL_GRP_PUMP_CPRED", "PM_DATA_ALL_FROM_L3_DISP_CONFLICT"},
     0, "L1-qualifier"},
    /* every POWER8 event on PMC1-4 sets the threshold: they must agree */
    {"power8", {"r100f2", "rc00000200f2"}, 0, "threshold"},
    {"power8", {"rc00000100f2", "rc00000200f2"}, 1, NULL},
    /* marked events share the sampling mode */
    {"power8", {"r1000130", "r2000130"}, 0, "sampling"},
    /* PMC1-4 pinned, PM_CYC and PM_INST_CMPL move to PMC6 and PMC5 (per
     * task); PM_CYC's third copy has nowhere to go */
    {"power8", {"r100f2", "r200f2", "r300f0", "r400f6", "PM_CYC",
                "PM_INST_CMPL"}, 1, NULL},
    {"power8", {"r100f2", "r200f2", "r300f0", "r400f6", "PM_CYC", "PM_CYC"},
     0, NULL},
    /* PM_RUN_CYC twice: PMC6 and PM_RUN_CYC_ALT's PMC2 */
    {"power8", {"PM_RUN_CYC", "PM_RUN_CYC"}, 1, NULL},
    {"power8", {"PM_RUN_CYC", "PM_RUN_CYC", "r200f2"}, 1, NULL},
    {"power8", {"PM_RUN_CYC", "PM_RUN_CYC", "PM_RUN_CYC", "r100f2", "r300f0"},
     1, NULL},
    {"power8", {"PM_RUN_CYC", "PM_RUN_CYC", "PM_RUN_CYC", "r100f2", "r200f2",
                "r300f0"}, 0, NULL},
    /* POWER9: one L2/L3 bus event (PMC4) */
    {"power9", {"r4608c", "r46880"}, 0, NULL},
    {"power9", {"r4608c", "PM_RUN_CYC", "PM_RUN_INST_CMPL"}, 1, NULL},
    /* POWER9 shares the L1 qualifier between all events on PMC1-4 */
    {"power9", {"r100f2", "r1200f2"}, 0, "L1-qualifier"},
    {"power9", {"r100f2", "r400f2"}, 1, NULL},
    /* POWER10: the radix scope qualifier */
    {"power10", {"r100f2", "r200f2"}, 1, NULL},
    {"power10", {"r100f2", "r202f2"}, 0, "radix-scope"},
};

static void known_sets(void **state)
{
  (void)state;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(sets); i++) {
    const struct set *s = &sets[i];
    const pmux_pmu_t *p = pmu(s->pmu);
    pmux_pmu_event_t ev[7];
    int cnt[7], n = 0;
    for (; n < 7 && s->events[n]; n++)
      if (pmux_pmu_encode(p, s->events[n], &ev[n]))
        fail_msg("%s %s: %s", s->pmu, s->events[n], pmux_errmsg());
    int err = pmux_pmu_assign(p, ev, n, ~0ull, cnt);
    if ((err == 0) != s->fits)
      fail_msg("set %zu (%s %s...): %s", i, s->pmu, s->events[0],
               err ? pmux_errmsg() : "fits");
    if (err && s->reason && !strstr(pmux_errmsg(), s->reason))
      fail_msg("set %zu: reason '%s' lacks '%s'", i, pmux_errmsg(),
               s->reason);
    if (!err) {
      /* a proof: distinct counters, each allowed for its event */
      uint64_t used = 0;
      for (int k = 0; k < n; k++) {
        assert_true(cnt[k] >= 0);
        assert_true(ev[k].counters >> cnt[k] & 1);
        assert_false(used >> cnt[k] & 1);
        used |= 1ull << cnt[k];
      }
    }
  }
}

/* --split keeps the rules: each set it makes fits. */
static void split_keeps_rules(void **state)
{
  (void)state;
  const pmux_pmu_t *p = pmu("power8");
  const char *const names[] = {"PM_ALL_GRP_PUMP_CPRED",
                               "PM_DATA_ALL_FROM_L3_DISP_CONFLICT", "r1000130",
                               "r2000130", "r100f2", "rc00000200f2"};
  int n = (int)PMUX_ARRAY_SIZE(names), set_of[6];
  int k = pmux_pmu_split_names(p, names, n, ~0ull, set_of);
  assert_true(k >= 2);
  for (int s = 0; s < k; s++) {
    pmux_pmu_event_t ev[6];
    int cnt[6], m = 0;
    for (int i = 0; i < n; i++)
      if (set_of[i] == s)
        assert_int_equal(pmux_pmu_encode(p, names[i], &ev[m++]), 0);
    if (pmux_pmu_assign(p, ev, m, ~0ull, cnt))
      fail_msg("split set %d does not fit: %s", s, pmux_errmsg());
  }
}

/* The loader's rules for <refuse>, <share>, <alternative>. */
static void loader_rules(void **state)
{
  (void)state;
  static const struct {
    const char *body, *rule;
  } bad[] = {
      {"<refuse when=\"pmc=1..\" why=\"x\"/>", "condition"},
      {"<refuse when=\"nosuch=1\" why=\"x\"/>", "unknown-field"},
      {"<refuse when=\"pmc=16\" why=\"x\"/>", "condition"},
      {"<refuse when=\"pmc\" why=\"x\"/>", "condition"},
      {"<refuse when=\"pmc=1\"/>", "missing-attribute"},
      {"<share name=\"a\" when=\"pmc=1\" key=\"unit\"/>"
       "<share name=\"a\" when=\"pmc=2\" key=\"unit\"/>", "duplicate-share"},
      {"<share name=\"a\" when=\"pmc=1\" key=\"unit&amp;0\"/>", "condition"},
      {"<alternative codes=\"0x1e\"/>", "alternative"},
      {"<alternative codes=\"0x1e,0x700f4\"/>", "unknown-counter"},
      {"<alternative codes=\"0x1e,0x1e\"/>", "alternative"},
      {"<alternative codes=\"0x1e,0x600f4\" scope=\"cpu\"/>", "bad-value"},
  };
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(bad); i++) {
    char xml[2048];
    snprintf(xml, sizeof(xml),
             "<pmu name=\"t\" family=\"powerpc\" perf-config=\"code\" "
             "pmc-field=\"pmc\">\n"
             "<counter name=\"PMC1\" kind=\"generic\" width=\"32\" "
             "addr=\"787\"/>\n"
             "<counter name=\"PMC2\" kind=\"generic\" width=\"32\" "
             "addr=\"788\"/>\n"
             "<field name=\"event\" lsb=\"0\" width=\"12\"/>\n"
             "<field name=\"unit\" lsb=\"12\" width=\"4\"/>\n"
             "<field name=\"pmc\" lsb=\"16\" width=\"4\"/>\n"
             "<codemap code-lsb=\"0\" width=\"20\" image-lsb=\"0\"/>\n"
             "%s\n</pmu>\n", bad[i].body);
    struct pmux_pmu *p = NULL;
    int err = pmux__pmu_load_buffer(xml, strlen(xml), "t.xml", &p);
    if (err != PMUX_EDESC)
      fail_msg("case %zu: loaded (%d)", i, err);
    char want[64];
    snprintf(want, sizeof(want), ": %s: ", bad[i].rule);
    if (!strstr(pmux_errmsg(), want))
      fail_msg("case %zu: '%s' lacks rule '%s'", i, pmux_errmsg(),
               bad[i].rule);
    assert_null(p);
  }
  /* A good one, and what the condition language means. */
  const char *good =
      "<pmu name=\"t\" family=\"powerpc\" perf-config=\"code\" "
      "pmc-field=\"pmc\">"
      "<counter name=\"PMC1\" kind=\"generic\" width=\"32\" addr=\"787\"/>"
      "<counter name=\"PMC2\" kind=\"generic\" width=\"32\" addr=\"788\"/>"
      "<field name=\"event\" lsb=\"0\" width=\"12\"/>"
      "<field name=\"unit\" lsb=\"12\" width=\"4\"/>"
      "<field name=\"pmc\" lsb=\"16\" width=\"4\"/>"
      "<codemap code-lsb=\"0\" width=\"20\" image-lsb=\"0\"/>"
      "<refuse when=\"unit=6..9|0xc, event&amp;0xf0!=0x10, code!=0x16020\" "
      "why=\"test\"/>"
      "<share name=\"u\" when=\"pmc=0..2\" key=\"unit&amp;3\"/>"
      "<alternative codes=\"0x10002,0x20002\"/>"
      "</pmu>";
  struct pmux_pmu *p = NULL;
  if (pmux__pmu_load_buffer(good, strlen(good), "good.xml", &p))
    fail_msg("%s", pmux_errmsg());
  assert_non_null(pmux__pmu_refused(p, 0x6020));
  assert_non_null(pmux__pmu_refused(p, 0xc020));
  assert_null(pmux__pmu_refused(p, 0x5020));  /* unit 5 */
  assert_null(pmux__pmu_refused(p, 0x6010));  /* event&0xf0 = 0x10 */
  assert_null(pmux__pmu_refused(p, 0x16020)); /* the exception */
  assert_int_equal(p->shares[0].key, 0x3000);
  uint64_t alt[4];
  assert_int_equal(pmux__pmu_alternatives(p, 0x20002, 1, alt, 4), 2);
  assert_int_equal(alt[0], 0x20002);
  assert_int_equal(alt[1], 0x10002);
  struct pmux_pmu *c = NULL;
  assert_int_equal(pmux__pmu_clone(p, &c), 0);
  assert_non_null(pmux__pmu_refused(c, 0x6020));
  assert_string_equal(c->shares[0].name, "u");
  assert_int_equal(c->nalts, 1);
  pmux__pmu_free(c);
  pmux__pmu_free(p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(descriptions),  cmocka_unit_test(encoding_vectors),
      cmocka_unit_test(known_sets),    cmocka_unit_test(split_keeps_rules),
      cmocka_unit_test(loader_rules),  cmocka_unit_test(power8_alone),
      cmocka_unit_test(power8_groups), cmocka_unit_test(power9_alone),
      cmocka_unit_test(power9_groups), cmocka_unit_test(power10_alone),
      cmocka_unit_test(power10_groups),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
