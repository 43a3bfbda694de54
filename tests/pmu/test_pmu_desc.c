/*
 * test_pmu_desc.c - PMU descriptions: every built-in loads and passes the
 * consistency check; every event of every table round-trips through the
 * encoder; encoding vectors (name -> register image, and expected errors);
 * unit-mask groups; intel_arch variants; the deliberately broken
 * descriptions of tests/data/pmu/bad are each rejected with the file, line
 * and rule their first line announces ("<!-- expect: RULE LINE -->").
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pmu_desc.h"

static void builtins_load(void **state)
{
  (void)state;
  assert_true(pmux__builtin_xml_count >= 8);
  for (size_t i = 0; i < pmux__builtin_xml_count; i++) {
    struct pmux_pmu *p = NULL;
    int err = pmux__pmu_load_buffer(pmux__builtin_xml[i].text,
                                    pmux__builtin_xml[i].len,
                                    pmux__builtin_xml[i].path, &p);
    if (err)
      fail_msg("%s: %s", pmux__builtin_xml[i].path, pmux_errmsg());
    assert_non_null(p);
    assert_true(p->ncounters > 0);
    assert_true(p->nevents > 0);
    /* a clone is identical and validates too */
    struct pmux_pmu *c;
    assert_int_equal(pmux__pmu_clone(p, &c), 0);
    assert_int_equal(pmux__pmu_finalize(c), 0);
    assert_int_equal(c->nevents, p->nevents);
    pmux__pmu_free(c);
    pmux__pmu_free(p);
  }
}

static const char *const names[] = {"core2", "intel_arch", "amd64_k8",
                                    "amd64_fam10h", "amd64_fam17h",
                                    "amd64_zen3", "amd64_zen4", "mips74k",
                                    "power7", "power8", "power9", "power10"};

static void registry_names_and_aliases(void **state)
{
  (void)state;
  const pmux_pmu_t *p, *q;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(names); i++) {
    assert_int_equal(pmux_pmu_find(names[i], &p), 0);
    assert_string_equal(pmux_pmu_name(p), names[i]);
  }
  static const char *const aliases[][2] = {
      {"core", "core2"},           {"ix86arch", "intel_arch"},
      {"amd64_k8_revg", "amd64_k8"}, {"amd64_fam10h_barcelona", "amd64_fam10h"},
      {"amd64_fam17h_zen1", "amd64_fam17h"},
      {"amd64_fam19h_zen3", "amd64_zen3"}, {"amd64_fam19h_zen4", "amd64_zen4"},
      {"zen4", "amd64_zen4"}, {"mips_74k", "mips74k"},
      {"POWER8", "power8"}};
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(aliases); i++) {
    assert_int_equal(pmux_pmu_find(aliases[i][0], &p), 0);
    assert_int_equal(pmux_pmu_find(aliases[i][1], &q), 0);
    assert_ptr_equal(p, q);
  }
  assert_int_equal(pmux_pmu_find("sparc64", &p), PMUX_ENOPMU);
  assert_non_null(strstr(pmux_errmsg(), "known:"));
  assert_int_equal(pmux_pmu_find("core2:gp=3", &p), PMUX_ENOPMU);
}

/* Every event encodes (with its first unit mask when it needs one), its
 * image has no reserved bit, it may use some counter, and an alias has the
 * image of the event it aliases. */
static void every_event_round_trips(void **state)
{
  (void)state;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(names); i++) {
    const pmux_pmu_t *p;
    assert_int_equal(pmux_pmu_find(names[i], &p), 0);
    for (int e = 0; e < p->nevents; e++) {
      const struct pmux__event *ev = &p->events[e];
      char name[300];
      if (ev->numasks && !ev->has_umask)
        snprintf(name, sizeof(name), "%s:%s", ev->name, ev->umasks[0].name);
      else
        snprintf(name, sizeof(name), "%s", ev->name);
      pmux_pmu_event_t out;
      int err = pmux_pmu_encode(p, name, &out);
      if (err && pmux__pmu_refused(p, ev->code)) {
        /* POWER: a code the kernel refuses is refused, with its reason */
        assert_int_equal(err, PMUX_ECONSTRAINT);
        assert_non_null(strstr(pmux_errmsg(), "the kernel refuses"));
        continue;
      }
      if (err)
        fail_msg("%s %s: %s", names[i], name, pmux_errmsg());
      assert_int_equal(out.config & p->reserved, 0);
      assert_true(out.counters != 0);
      assert_int_equal(out.code, ev->code);
      if (ev->alias_of) {
        pmux_pmu_event_t a;
        assert_int_equal(pmux_pmu_encode(p, ev->alias_of, &a), 0);
        if (a.config != out.config)
          fail_msg("%s: %s (%#llx) differs from %s (%#llx)", names[i],
                   ev->name, (unsigned long long)out.config, ev->alias_of,
                   (unsigned long long)a.config);
      }
      /* with PMU:: in front, the same */
      char full[400];
      pmux_pmu_event_t o2;
      snprintf(full, sizeof(full), "%s::%s", names[i], name);
      assert_int_equal(pmux_pmu_encode(p, full, &o2), 0);
      assert_true(o2.config == out.config);
    }
  }
}

struct vector {
  const char *pmu, *event;
  int err;                 /* expected result */
  uint64_t config, perf_config, counters;
};

static const struct vector vectors[] = {
    /* Core2: INT|EN|USR|OS = 0x530000 by default */
    {"core2", "INST_RETIRED:ANY_P:u", 0, 0x5100c0, 0xc0, 0x3},
    {"core2", "INST_RETIRED:k", 0, 0x5200c0, 0xc0, 0x3},
    {"core2", "INST_RETIRED:LOADS", 0, 0x5301c0, 0x1c0, 0x3},
    {"core2", "INSTRUCTIONS_RETIRED", 0, 0x5300c0, 0xc0, 0x7},
    {"core2", "UNHALTED_CORE_CYCLES", 0, 0x53003c, 0x3c, 0xb},
    {"core2", "UNHALTED_CORE_CYCLES:c=1", 0, 0x153003c, 0x100003c, 0x3},
    {"core2", "UNHALTED_REFERENCE_CYCLES", 0, 0x530300, 0x300, 0x10},
    {"core2", "RS_UOPS_DISPATCHED_NONE", 0, 0x1d300a0, 0x18000a0, 0x3},
    {"core2", "L2_LINES_IN", 0, 0x537024, 0x7024, 0x3},
    /* unit-mask groups: a unit mask replaces its own group's default
     * (SELF/BOTH_CORES: 0x40; ANY/PREFETCH: 0x30), the other group's stays */
    {"core2", "L2_LINES_IN:SELF", 0, 0x537024, 0x7024, 0x3},
    {"core2", "L2_LINES_IN:BOTH_CORES", 0, 0x53f024, 0xf024, 0x3},
    {"core2", "L2_LINES_IN:PREFETCH", 0, 0x535024, 0x5024, 0x3},
    {"core2", "L2_LINES_IN:BOTH_CORES:PREFETCH", 0, 0x53d024, 0xd024, 0x3},
    {"core2", "L2_LINES_IN:SELF:BOTH_CORES", PMUX_EMODIFIER, 0, 0, 0},
    {"core2", "L2_IFETCH:I_STATE:S_STATE", 0, 0x534328, 0x4328, 0x3},
    {"core2", "L2_IFETCH:S_STATE:S_STATE", 0, 0x534228, 0x4228, 0x3},
    /* MESI names M_STATE:E_STATE:S_STATE:I_STATE, which combine */
    {"core2", "L2_IFETCH:MESI:I_STATE", 0, 0x534f28, 0x4f28, 0x3},
    {"core2", "FP_COMP_OPS_EXE:e:i:c=3", 0, 0x3d70010, 0x3840010, 0x1},
    {"core2", "LOAD_BLOCK", PMUX_EMODIFIER, 0, 0, 0}, /* needs a unit mask */
    {"core2", "INST_RETIRED:t", PMUX_EMODIFIER, 0, 0, 0}, /* no AnyThread */
    {"core2", "INST_RETIRED:c=256", PMUX_EMODIFIER, 0, 0, 0},
    {"core2", "INST_RETIRED:c", PMUX_EMODIFIER, 0, 0, 0},
    {"core2", "INST_RETIRED:u=0:k=0", PMUX_EMODIFIER, 0, 0, 0},
    /* a modifier set twice, or over the preset: refused, as libpfm4 does
     * ("attribute value already set"); values start with a digit */
    {"core2", "INST_RETIRED:LOADS:c=1:c=2", PMUX_EMODIFIER, 0, 0, 0},
    {"core2", "INST_RETIRED:u:u", PMUX_EMODIFIER, 0, 0, 0},
    {"core2", "RS_UOPS_DISPATCHED_NONE:i=0", PMUX_EMODIFIER, 0, 0, 0},
    {"core2", "RS_UOPS_DISPATCHED_NONE:c=2", PMUX_EMODIFIER, 0, 0, 0},
    {"core2", "RS_UOPS_DISPATCHED_NONE:u", 0, 0x1d100a0, 0x18000a0, 0x3},
    {"core2", "INST_RETIRED:c= 5", PMUX_EMODIFIER, 0, 0, 0},
    {"core2", "INST_RETIRED:c=+5", PMUX_EMODIFIER, 0, 0, 0},
    {"core2", "INST_RETIRED:c=0x5", 0, 0x55300c0, 0x50000c0, 0x3},
    {"core2", "INST_RETIRED:c=010", PMUX_EMODIFIER, 0, 0, 0}, /* 8 or 10? */
    {"core2", "NO_SUCH_EVENT", PMUX_EEVENT, 0, 0, 0},
    {"core2", "amd64_k8::INST_RETIRED", PMUX_EEVENT, 0, 0, 0},
    {"core2", "r2000c0", PMUX_ECONFIG, 0, 0, 0}, /* AnyThread is reserved */
    {"core2", "r1000000c0", PMUX_ECONFIG, 0, 0, 0},
    {"core2", "r10", 0, 0x530010, 0x10, 0x1}, /* FP_COMP_OPS_EXE: PMC0 */
    {"core2", "r00c0", 0, 0x5300c0, 0xc0, 0x7}, /* fixed 0 by constraint */
    {"core2", "r0300", 0, 0x530300, 0x300, 0x10},
    {"core", "core::FP_ASSIST", 0, 0x530011, 0x11, 0x2},
    /* intel_arch (default variant: 4 generic + 3 fixed) */
    {"intel_arch", "UNHALTED_CORE_CYCLES:t", 0, 0x73003c, 0x20003c, 0x2f},
    {"intel_arch", "LLC_MISSES", 0, 0x53412e, 0x412e, 0xf},
    {"intel_arch", "INSTRUCTION_RETIRED:i:c=1", 0, 0x1d300c0, 0x18000c0, 0xf},
    {"intel_arch:v=2,gp=2,fixed=3,width=40", "UNHALTED_CORE_CYCLES:t",
     PMUX_EMODIFIER, 0, 0, 0},
    {"intel_arch:v=2,gp=2,fixed=3,width=40", "r20003c", PMUX_ECONFIG, 0, 0, 0},
    /* AMD */
    {"amd64_k8", "RETIRED_INSTRUCTIONS", 0, 0x5300c0, 0xc0, 0xf},
    {"amd64_k8", "RETIRED_INSTRUCTIONS:h", PMUX_EMODIFIER, 0, 0, 0},
    /* h is a privilege level (libpfm4): host only, usr and os off */
    {"amd64_fam10h", "RETIRED_INSTRUCTIONS:h", 0, 0x200005000c0ull, 0xc0, 0xf},
    {"amd64_fam17h", "RETIRED_INSTRUCTIONS:u:h", 0, 0x200005100c0ull, 0xc0, 0x3f},
    {"amd64_fam17h", "RETIRED_FUSED_BRANCH_INSTRUCTIONS", 0, 0x1005300d0ull,
     0x1000000d0ull, 0x3f},
    {"amd64_fam17h", "r1000000000000", PMUX_ECONFIG, 0, 0, 0},
    /* Family 19h: libpfm4 4.13's default images (dump.c) */
    {"amd64_zen3", "RETIRED_INSTRUCTIONS", 0, 0x5300c0, 0xc0, 0x3f},
    {"amd64_zen3", "CYCLES_NOT_IN_HALT:u", 0, 0x510076, 0x76, 0x3f},
    {"amd64_zen4", "OP_CACHE_HIT_MISS", 0, 0x20053078full, 0x20000078full,
     0x3f},
    {"amd64_zen4", "OP_CACHE_HIT_MISS:OC_MISS:k", 0, 0x20052048full,
     0x20000048full, 0x3f},
    {"amd64_zen4", "RETIRED_UCODE_INSTRUCTIONS:h", 0, 0x201005000c1ull,
     0x1000000c1ull, 0x3f},
    /* the kernel's pair constraint: event 0x003 on PMC0, PMC2 or PMC4 */
    {"amd64_zen4", "RETIRED_SSE_AVX_FLOPS", 0, 0x531f03, 0x1f03, 0x15},
    {"amd64_zen3", "RETIRED_SSE_AVX_FLOPS:MAC_FLOPS", 0, 0x530803, 0x803, 0x15},
    {"amd64_zen4", "r1000000000000", PMUX_ECONFIG, 0, 0, 0},
    {"amd64_zen4", "r200000", PMUX_ECONFIG, 0, 0, 0}, /* bit 21 reserved */
    /* SUBLINK_MASK's group has no default and may be left out */
    {"amd64_fam10h", "HYPERTRANSPORT_LINK0", 0, 0x533ff6, 0x3ff6, 0xf},
    {"amd64_fam10h", "HYPERTRANSPORT_LINK0:DATA_DWORD_SENT", 0, 0x5302f6,
     0x2f6, 0xf},
    {"amd64_fam10h", "HYPERTRANSPORT_LINK0:SUBLINK_MASK", 0, 0x53bff6,
     0xbff6, 0xf},
    /* MIPS 74K: image = (code & 0x7f) << 5 | IE | U | K; perf = code */
    {"mips74k", "CYCLES", 0, 0x1a, 0x0, 0xf},
    {"mips74k", "JR_31_MISPREDICTIONS", 0, 0x5a, 0x82, 0xa},
    {"mips74k", "PREDICTED_JR_31:u", 0, 0x58, 0x2, 0x5},
    {"mips74k", "INSTRUCTIONS:k:x", 0, 0x33, 0x1, 0xf},
    {"mips74k", "CYCLES:e", PMUX_EMODIFIER, 0, 0, 0},
    {"mips74k", "r83", 0, 0x7a, 0x83, 0xa},
    /* POWER: the code is the image; pmc field = counter */
    /* PMC6, or PM_RUN_CYC_ALT's PMC2, or (per task) PM_CYC's PMC1-4 */
    {"power8", "PM_RUN_CYC", 0, 0x600f4, 0x600f4, 0x2f},
    {"power8", "PM_RUN_INST_CMPL", 0, 0x500fa, 0x500fa, 0x1f},
    {"power8", "PM_1PLUS_PPC_CMPL", 0, 0x100f2, 0x100f2, 0x1},
    {"power8", "PM_1LPAR_CYC:u", 0, 0x1f05e, 0x1f05e, 0x1},
    {"power8", "PM_1LPAR_CYC:e", PMUX_EMODIFIER, 0, 0, 0},
    {"power7", "PM_CMPLU_STALL_DFU", 0, 0x2003c, 0x2003c, 0x2},
    {"power7", "PM_IC_DEMAND_L2_BR_ALL", 0, 0x4898, 0x4898, 0xf},
    {"power7", "r700f4", PMUX_EEVENT, 0, 0, 0}, /* PMC7 does not exist */
    /* PM_RUN_CYC: PMC6, PMC2 as its alternative 0x200f4, or (per task)
     * PM_CYC's PMC1-4, as on POWER8 */
    {"power7", "r600f4", 0, 0x600f4, 0x600f4, 0x2f},
    {"power7", "PM_INST_CMPL", 0, 0x2, 0x2, 0x1f},
};

static void encoding_vectors(void **state)
{
  (void)state;
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(vectors); i++) {
    const struct vector *v = &vectors[i];
    const pmux_pmu_t *p;
    assert_int_equal(pmux_pmu_find(v->pmu, &p), 0);
    pmux_pmu_event_t out;
    int err = pmux_pmu_encode(p, v->event, &out);
    if (err != v->err)
      fail_msg("%s %s: got %d (%s), want %d", v->pmu, v->event, err,
               pmux_errmsg(), v->err);
    if (err) {
      assert_true(strlen(pmux_errmsg()) > 0);
      continue;
    }
    if (out.config != v->config || out.perf_config != v->perf_config ||
        out.counters != v->counters)
      fail_msg("%s %s: config %#llx perf %#llx counters %#llx, want %#llx "
               "%#llx %#llx", v->pmu, v->event,
               (unsigned long long)out.config,
               (unsigned long long)out.perf_config,
               (unsigned long long)out.counters,
               (unsigned long long)v->config,
               (unsigned long long)v->perf_config,
               (unsigned long long)v->counters);
  }
}

/* A description with unit-mask groups: defaults per group, the derived
 * event default, exclusive and optional unit masks, a group that needs a
 * unit mask (named with its choices in the error). */
static const char groups_xml[] =
    "<pmu name=\"g\" family=\"core2\">\n"
    "  <counter name=\"PMC0\" kind=\"generic\" width=\"40\" addr=\"0xc1\"/>\n"
    "  <field name=\"event\" lsb=\"0\" width=\"8\"/>\n"
    "  <field name=\"umask\" lsb=\"8\" width=\"8\"/>\n"
    "  <codemap code-lsb=\"0\" width=\"8\" image-lsb=\"0\"/>\n"
    "  <event name=\"A\" code=\"0x10\">\n"
    "    <umask name=\"ALL\" code=\"0x3\" default=\"yes\" exclusive=\"yes\"/>\n"
    "    <umask name=\"ONE\" code=\"0x1\"/>\n"
    "    <umask name=\"TWO\" code=\"0x2\"/>\n"
    "    <umask name=\"SELF\" code=\"0x40\" group=\"1\" default=\"yes\"/>\n"
    "    <umask name=\"BOTH\" code=\"0xc0\" group=\"1\"/>\n"
    "    <umask name=\"MARK\" code=\"0x20\" group=\"2\" optional=\"yes\"/>\n"
    "  </event>\n"
    "  <event name=\"B\" code=\"0x11\">\n"
    "    <umask name=\"X\" code=\"0x1\" default=\"yes\"/>\n"
    "    <umask name=\"P\" code=\"0x10\" group=\"1\"/>\n"
    "    <umask name=\"Q\" code=\"0x20\" group=\"1\"/>\n"
    "  </event>\n"
    "</pmu>\n";

/* An unknown name gets the description's nearest events, not the first
 * ones that share its first three letters (on POWER, every event). */
static void unknown_event_suggestions(void **state)
{
  (void)state;
  static const struct {
    const char *pmu, *name, *want, *not_want;
  } v[] = {
      {"power8", "PM_CYCC", "did you mean PM_CYC", "PM_1LPAR_CYC"},
      {"power7", "PM_RUN_CY", "did you mean PM_RUN_CYC", "PM_IC_DEMAND"},
      {"core2", "BR_INST_RETIRD", "did you mean BR_INST_RETIRED", "BR_INST_EXEC"},
      {"core2", "MEM_LOAD_RETIRE", "did you mean MEM_LOAD_RETIRED", "MEMORY_"},
      {"core2", "UNHALTED_CORE", "did you mean UNHALTED_CORE_CYCLES", NULL},
      {"mips74k", "XYZZY_PLUGH", NULL, "did you mean"},
  };
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    const pmux_pmu_t *p;
    pmux_pmu_event_t e;
    assert_int_equal(pmux_pmu_find(v[i].pmu, &p), 0);
    assert_int_equal(pmux_pmu_encode(p, v[i].name, &e), PMUX_EEVENT);
    const char *msg = pmux_errmsg();
    if (v[i].want && !strstr(msg, v[i].want))
      fail_msg("%s %s: no '%s' in: %s", v[i].pmu, v[i].name, v[i].want, msg);
    if (v[i].not_want && strstr(msg, v[i].not_want))
      fail_msg("%s %s: '%s' in: %s", v[i].pmu, v[i].name, v[i].not_want, msg);
  }
}

static void umask_groups(void **state)
{
  (void)state;
  struct pmux_pmu *p = NULL;
  if (pmux__pmu_load_buffer(groups_xml, strlen(groups_xml), "groups.xml", &p))
    fail_msg("%s", pmux_errmsg());
  const struct pmux__event *a = pmux__pmu_event_find(p, "A");
  assert_int_equal(a->ngroups, 3);
  assert_true(a->has_umask);
  assert_int_equal(a->umask, 0x43); /* derived: ALL | SELF, MARK left out */
  static const struct {
    const char *name;
    int err;
    uint64_t umask;
  } cases[] = {
      {"A", 0, 0x43},
      {"A:ONE", 0, 0x41},
      {"A:ONE:TWO", 0, 0x43},
      {"A:BOTH", 0, 0xc3},
      {"A:TWO:BOTH:MARK", 0, 0xe2},
      {"A:ALL:ONE", PMUX_EMODIFIER, 0},
      {"A:ALL:ALL", 0, 0x43},
      {"B", PMUX_EMODIFIER, 0},   /* group 1 has no default */
      {"B:X", PMUX_EMODIFIER, 0},
      {"B:P", 0, 0x11},
      {"B:P:Q:X", 0, 0x31},
  };
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(cases); i++) {
    pmux_pmu_event_t out;
    int err = pmux_pmu_encode(p, cases[i].name, &out);
    if (err != cases[i].err)
      fail_msg("%s: got %d (%s), want %d", cases[i].name, err, pmux_errmsg(),
               cases[i].err);
    if (!err && (out.config >> 8 & 0xff) != cases[i].umask)
      fail_msg("%s: unit mask %#llx, want %#llx", cases[i].name,
               (unsigned long long)(out.config >> 8 & 0xff),
               (unsigned long long)cases[i].umask);
  }
  /* the errors say what is missing or clashes */
  pmux_pmu_event_t out;
  pmux_pmu_encode(p, "B:X", &out);
  assert_non_null(strstr(pmux_errmsg(), "group 1"));
  assert_non_null(strstr(pmux_errmsg(), "P, Q"));
  pmux_pmu_encode(p, "A:ONE:ALL", &out);
  assert_non_null(strstr(pmux_errmsg(), "ONE and ALL cannot be combined"));
  pmux__pmu_free(p);
}

static void plm_and_excludes(void **state)
{
  (void)state;
  const pmux_pmu_t *p;
  pmux_pmu_event_t e;
  assert_int_equal(pmux_pmu_find("core2", &p), 0);
  assert_int_equal(pmux_pmu_encode(p, "INST_RETIRED:u", &e), 0);
  assert_true(!e.exclude_user && e.exclude_kernel && e.exclude_hv);
  assert_int_equal(pmux_pmu_encode(p, "INST_RETIRED", &e), 0);
  assert_true(!e.exclude_user && !e.exclude_kernel);
  assert_int_equal(pmux_pmu_find("power8", &p), 0);
  assert_int_equal(pmux_pmu_encode(p, "PM_RUN_CYC:h", &e), 0);
  assert_true(e.exclude_user && e.exclude_kernel && !e.exclude_hv);
}

static void intel_arch_variants(void **state)
{
  (void)state;
  const pmux_pmu_t *p, *q;
  assert_int_equal(pmux_pmu_find("intel_arch:v=3,gp=8,fixed=4,width=48", &p), 0);
  assert_int_equal(pmux_pmu_ncounters(p), 12);
  assert_string_equal(pmux_pmu_name(p), "intel_arch:v=3,gp=8,fixed=4,width=48");
  assert_int_equal(pmux_pmu_find("intel_arch:v=3,gp=8,fixed=4,width=48", &q), 0);
  assert_ptr_equal(p, q); /* cached */
  pmux_counter_info_t ci;
  assert_int_equal(pmux_pmu_counter(p, 8, &ci), 0);
  assert_string_equal(ci.name, "FIXED0");
  assert_int_equal(ci.kind, PMUX_COUNTER_FIXED);
  assert_int_equal(ci.address, 0x309);
  /* v1: no fixed counters; the watchdog falls back to PMC0 */
  assert_int_equal(pmux_pmu_find("intel_arch:v=1,gp=2,fixed=3,width=40", &p), 0);
  assert_int_equal(pmux_pmu_ncounters(p), 2);
  assert_int_equal(pmux_pmu_watchdog_counter(p), 0);
  assert_int_equal(pmux_pmu_counter(p, 0, &ci), 0);
  assert_int_equal(ci.width, 40);
  assert_int_equal(pmux_pmu_find("intel_arch:gp=0", &p), PMUX_ENOPMU);
  assert_int_equal(pmux_pmu_find("intel_arch:cores=4", &p), PMUX_ENOPMU);
  assert_int_equal(pmux_pmu_find("intel_arch:v=x", &p), PMUX_ENOPMU);
}

static void broken_descriptions_rejected(void **state)
{
  (void)state;
  DIR *d = opendir(PMUX_TEST_DATA "/bad");
  assert_non_null(d);
  struct dirent *de;
  int checked = 0;
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    if (l < 5 || strcmp(de->d_name + l - 4, ".xml"))
      continue;
    char path[1024], rule[64];
    int line;
    snprintf(path, sizeof(path), "%s/bad/%s", PMUX_TEST_DATA, de->d_name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int n = fscanf(f, "<!-- expect: %63s %d -->", rule, &line);
    fclose(f);
    if (n != 2)
      fail_msg("%s: no expect line", path);
    struct pmux_pmu *p = NULL;
    int err = pmux__pmu_load_file(path, &p);
    if (err != PMUX_EDESC)
      fail_msg("%s: accepted (err %d)", path, err);
    assert_null(p);
    char want[1200];
    snprintf(want, sizeof(want), "%s:%d: %s:", path, line, rule);
    if (strncmp(pmux_errmsg(), want, strlen(want)))
      fail_msg("%s: message '%s', want prefix '%s'", de->d_name, pmux_errmsg(),
               want);
    checked++;
  }
  closedir(d);
  assert_true(checked >= 20);
}

/* alias-of names its event in any case, as every other use of an event
 * name does. */
static const char alias_case_xml[] =
    "<pmu name=\"p\" family=\"core2\">\n"
    "  <counter name=\"PMC0\" kind=\"generic\" width=\"40\" addr=\"0xc1\"/>\n"
    "  <field name=\"event\" lsb=\"0\" width=\"8\"/>\n"
    "  <codemap code-lsb=\"0\" width=\"8\" image-lsb=\"0\"/>\n"
    "  <event name=\"INST_RETIRED\" code=\"0xc0\"/>\n"
    "  <event name=\"INSTRUCTIONS\" code=\"0xc0\" alias-of=\"inst_retired\"/>\n"
    "</pmu>\n";

static void alias_of_any_case(void **state)
{
  (void)state;
  struct pmux_pmu *p = NULL;
  if (pmux__pmu_load_buffer(alias_case_xml, strlen(alias_case_xml),
                            "alias.xml", &p))
    fail_msg("%s", pmux_errmsg());
  pmux__pmu_free(p);
}

/* perf's generic names encode as the event the description maps them to,
 * qualifiers and all, in any of perf's spellings, keeping the name given;
 * a generic name the description does not map is refused as such. */
static void generic_names_encode_as_their_event(void **state)
{
  (void)state;
  const pmux_pmu_t *zen4;
  assert_int_equal(pmux_pmu_find("amd64_zen4", &zen4), 0);
  pmux_pmu_event_t g, e;
  assert_int_equal(pmux_pmu_encode(zen4, "cycles:u", &g), 0);
  assert_int_equal(pmux_pmu_encode(zen4, "CYCLES_NOT_IN_HALT:u", &e), 0);
  assert_string_equal(g.name, "cycles:u");
  assert_true(g.config == e.config && g.code == e.code &&
              g.counters == e.counters);
  assert_int_equal(pmux_pmu_encode(zen4, "cpu-cycles", &g), 0);
  assert_int_equal(g.code, 0x76);
  assert_int_equal(pmux_pmu_encode(zen4, "cache-misses", &g), 0);
  assert_int_equal(g.config & 0xffff, 0x0964);
  assert_int_equal(pmux_pmu_encode(zen4, "bus-cycles", &g), PMUX_EEVENT);
  assert_non_null(strstr(pmux_errmsg(), "maps no event to perf's generic"));
  /* a qualifier the mapped event refuses: the message names the generic
   * name once, then what the mapped event said, unmangled */
  assert_int_equal(pmux_pmu_encode(zen4, "cycles:zz", &g), PMUX_EMODIFIER);
  const char *want = "event 'cycles:zz' (CYCLES_NOT_IN_HALT on amd64_zen4): "
                     "event 'CYCLES_NOT_IN_HALT:zz': ";
  if (strncmp(pmux_errmsg(), want, strlen(want)))
    fail_msg("message: %s", pmux_errmsg());
  /* MIPS 74K: the kernel counts branches on the even counters and their
   * mispredictions on the odd ones (mipsxxcore_event_map2). */
  const pmux_pmu_t *mips;
  assert_int_equal(pmux_pmu_find("mips74k", &mips), 0);
  assert_int_equal(pmux_pmu_encode(mips, "branches", &g), 0);
  assert_int_equal(g.counters, 0x5);
  assert_int_equal(pmux_pmu_encode(mips, "branch-misses", &g), 0);
  assert_int_equal(g.counters, 0xa);
}

/* Two codemaps reading one event-code bit: the message names the bit and
 * both codemaps (this one by its attributes, the other by its line too). */
static const char code_overlap_xml[] =
    "<pmu name=\"p\" family=\"amd64\">\n"
    "  <counter name=\"PMC0\" kind=\"generic\" width=\"48\" addr=\"0x1\"/>\n"
    "  <field name=\"event\" lsb=\"0\" width=\"8\"/>\n"
    "  <field name=\"evext\" lsb=\"32\" width=\"4\"/>\n"
    "  <codemap code-lsb=\"0\" width=\"8\" image-lsb=\"0\"/>\n"
    "  <codemap code-lsb=\"6\" width=\"4\" image-lsb=\"32\"/>\n"
    "  <event name=\"A\" code=\"0x10\"/>\n"
    "</pmu>\n";

static void codemaps_reading_one_code_bit(void **state)
{
  (void)state;
  struct pmux_pmu *p = NULL;
  assert_int_equal(pmux__pmu_load_buffer(code_overlap_xml,
                                         strlen(code_overlap_xml), "cm.xml",
                                         &p),
                   PMUX_EDESC);
  assert_null(p);
  assert_string_equal(pmux_errmsg(),
                      "cm.xml:6: codemap-code-overlap: codemap (code-lsb 6, "
                      "width 4) reads event code bit 6, as the codemap on "
                      "line 5 (code-lsb 0, width 8) does (code bits 0xc0 in "
                      "both)");
}

/* A preset's value means the same at load (checked against its field) and
 * at encoding: decimal or 0x; "010" (octal for libpfm4 and C, ten for a
 * reader) is refused at load. */
static const char preset_xml[] =
    "<pmu name=\"p\" family=\"core2\">\n"
    "  <counter name=\"PMC0\" kind=\"generic\" width=\"40\" addr=\"0xc1\"/>\n"
    "  <field name=\"event\" lsb=\"0\" width=\"8\"/>\n"
    "  <field name=\"cmask\" lsb=\"24\" width=\"8\"/>\n"
    "  <codemap code-lsb=\"0\" width=\"8\" image-lsb=\"0\"/>\n"
    "  <modifier name=\"c\" field=\"cmask\" value=\"yes\"/>\n"
    "  <event name=\"DEC\" code=\"0x10\" preset=\"c=10\"/>\n"
    "  <event name=\"HEX\" code=\"0x11\" preset=\"c=0x10\"/>\n"
    "</pmu>\n";

static void preset_numbers(void **state)
{
  (void)state;
  struct pmux_pmu *p = NULL;
  if (pmux__pmu_load_buffer(preset_xml, strlen(preset_xml), "preset.xml", &p))
    fail_msg("%s", pmux_errmsg());
  pmux_pmu_event_t out;
  assert_int_equal(pmux_pmu_encode(p, "DEC", &out), 0);
  assert_int_equal(out.config >> 24 & 0xff, 10);
  assert_int_equal(pmux_pmu_encode(p, "HEX", &out), 0);
  assert_int_equal(out.config >> 24 & 0xff, 16);
  pmux__pmu_free(p);
  /* The same file with preset "c=010": refused, naming the value. */
  char octal[sizeof(preset_xml)];
  memcpy(octal, preset_xml, sizeof(preset_xml));
  memcpy(strstr(octal, "c=10\""), "c=01", 4);
  p = NULL;
  assert_int_not_equal(pmux__pmu_load_buffer(octal, strlen(octal),
                                             "octal.xml", &p), 0);
  assert_non_null(strstr(pmux_errmsg(), "c=01"));
}

/* A preset naming an unknown modifier after the first modifier is refused
 * with its name alone: it is not "twice" (the first modifier's index is the
 * one an unknown name was checked against). */
static const char preset_unknown_xml[] =
    "<pmu name=\"p\" family=\"core2\">\n"
    "  <counter name=\"PMC0\" kind=\"generic\" width=\"40\" addr=\"0xc1\"/>\n"
    "  <field name=\"event\" lsb=\"0\" width=\"8\"/>\n"
    "  <field name=\"edge\" lsb=\"18\" width=\"1\"/>\n"
    "  <codemap code-lsb=\"0\" width=\"8\" image-lsb=\"0\"/>\n"
    "  <modifier name=\"e\" field=\"edge\"/>\n"
    "  <event name=\"A\" code=\"0x10\" preset=\"e,zz\"/>\n"
    "</pmu>\n";

static void preset_unknown_not_twice(void **state)
{
  (void)state;
  struct pmux_pmu *p = NULL;
  assert_int_equal(pmux__pmu_load_buffer(preset_unknown_xml,
                                         strlen(preset_unknown_xml),
                                         "unknown.xml", &p),
                   PMUX_EDESC);
  assert_null(p);
  if (!strstr(pmux_errmsg(), "presets 'zz':"))
    fail_msg("message '%s', want presets 'zz':", pmux_errmsg());
}

/* A modifier's name is never cut: one of 41 characters is found, not taken
 * for the modifier named by its first 31. */
static const char long_mod_xml[] =
    "<pmu name=\"p\" family=\"core2\">\n"
    "  <counter name=\"PMC0\" kind=\"generic\" width=\"40\" addr=\"0xc1\"/>\n"
    "  <field name=\"event\" lsb=\"0\" width=\"8\"/>\n"
    "  <field name=\"edge\" lsb=\"18\" width=\"1\"/>\n"
    "  <field name=\"inv\" lsb=\"23\" width=\"1\"/>\n"
    "  <codemap code-lsb=\"0\" width=\"8\" image-lsb=\"0\"/>\n"
    "  <modifier name=\"edge_detect_on_every_cycle_of_t\" "
    "field=\"edge\"/>\n"
    "  <modifier name=\"edge_detect_on_every_cycle_of_the_counter\" "
    "field=\"inv\"/>\n"
    "  <event name=\"A\" code=\"0x10\"/>\n"
    "</pmu>\n";

static void long_modifier_names(void **state)
{
  (void)state;
  struct pmux_pmu *p = NULL;
  if (pmux__pmu_load_buffer(long_mod_xml, strlen(long_mod_xml), "long.xml",
                            &p))
    fail_msg("%s", pmux_errmsg());
  pmux_pmu_event_t out;
  if (pmux_pmu_encode(p, "A:edge_detect_on_every_cycle_of_the_counter", &out))
    fail_msg("%s", pmux_errmsg());
  assert_int_equal(out.config & (1u << 18 | 1u << 23), 1u << 23);
  pmux__pmu_free(p);
}

/* A field's default is replaced by the code and the unit mask written over
 * it, never ORed with them (0x80 | 0x10 would be another event). */
static const char defaults_xml[] =
    "<pmu name=\"d\" family=\"core2\">\n"
    "  <counter name=\"PMC0\" kind=\"generic\" width=\"40\" addr=\"0xc1\"/>\n"
    "  <field name=\"event\" lsb=\"0\" width=\"8\" default=\"0x80\"/>\n"
    "  <field name=\"umask\" lsb=\"8\" width=\"8\" default=\"0x1\"/>\n"
    "  <codemap code-lsb=\"0\" width=\"8\" image-lsb=\"0\"/>\n"
    "  <event name=\"A\" code=\"0x10\" umask=\"0x2\">\n"
    "    <umask name=\"FOUR\" code=\"0x4\"/>\n"
    "  </event>\n"
    "</pmu>\n";

static void defaults_replaced(void **state)
{
  (void)state;
  struct pmux_pmu *p = NULL;
  if (pmux__pmu_load_buffer(defaults_xml, strlen(defaults_xml), "dflt.xml",
                            &p))
    fail_msg("%s", pmux_errmsg());
  pmux_pmu_event_t out;
  assert_int_equal(pmux_pmu_encode(p, "A", &out), 0);
  assert_int_equal(out.config, 0x210);
  assert_int_equal(pmux_pmu_encode(p, "A:FOUR", &out), 0);
  assert_int_equal(out.config, 0x410);
  assert_int_equal(pmux_pmu_encode(p, "r20", &out), 0);
  assert_int_equal(out.config, 0x20);
  pmux__pmu_free(p);
}

static void truncations_rejected(void **state)
{
  (void)state;
  /* every prefix of a real description is rejected or loads; never crashes */
  const struct pmux__builtin_xml *b = &pmux__builtin_xml[0];
  for (size_t len = 0; len < b->len; len += 97) {
    struct pmux_pmu *p = NULL;
    int err = pmux__pmu_load_buffer(b->text, len, "prefix.xml", &p);
    assert_int_equal(err, PMUX_EDESC);
    assert_null(p);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(builtins_load),
      cmocka_unit_test(registry_names_and_aliases),
      cmocka_unit_test(every_event_round_trips),
      cmocka_unit_test(encoding_vectors),
      cmocka_unit_test(umask_groups),
      cmocka_unit_test(generic_names_encode_as_their_event),
      cmocka_unit_test(unknown_event_suggestions),
      cmocka_unit_test(preset_numbers),
      cmocka_unit_test(alias_of_any_case),
      cmocka_unit_test(codemaps_reading_one_code_bit),
      cmocka_unit_test(preset_unknown_not_twice),
      cmocka_unit_test(long_modifier_names),
      cmocka_unit_test(defaults_replaced),
      cmocka_unit_test(plm_and_excludes),
      cmocka_unit_test(intel_arch_variants),
      cmocka_unit_test(broken_descriptions_rejected),
      cmocka_unit_test(truncations_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
