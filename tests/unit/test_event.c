/* test_event.c - event names to perf attributes; errors name the input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/perf_event.h>

#include "internal.h"

static void resolves(const char *name, uint32_t type, uint64_t config)
{
  pmux_event_info_t info;
  int err = pmux_event_resolve(name, &info);
  if (err)
    fail_msg("'%s' did not resolve: %s", name, pmux_errmsg());
  assert_int_equal(info.type, type);
  assert_int_equal(info.config, config);
  assert_string_equal(info.name, name);
}

static void test_software_and_generic_names(void **state)
{
  (void)state;
  resolves("task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
  resolves("page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
  resolves("faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
  resolves("context-switches", PERF_TYPE_SOFTWARE,
           PERF_COUNT_SW_CONTEXT_SWITCHES);
  resolves("cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK);
  resolves("minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN);
  resolves("cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
  resolves("instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS);
  pmux_event_info_t info;
  assert_int_equal(pmux_event_resolve("page-faults", &info), 0);
  assert_true(info.is_software);
  assert_string_equal(info.pmu, "software");
}

static void test_raw_codes(void **state)
{
  (void)state;
  resolves("r1c2", PERF_TYPE_RAW, 0x1c2);
  /* PMU::0xCODE on a kernel PMU found in sysfs (software is type 1). */
  resolves("software::0x2", PERF_TYPE_SOFTWARE, 2);
  /* cpu:: is the core PMU's raw code, as r1c2, with or without a 'cpu'
   * PMU in sysfs (then <not supported> at open, as r1c2, not an error). */
  resolves("cpu::0x1c2", PERF_TYPE_RAW, 0x1c2);
  pmux_event_info_t info;
  assert_int_equal(pmux_event_resolve("software::0xZZ", &info), PMUX_ESYNTAX);
  assert_non_null(strstr(pmux_errmsg(), "software::0xZZ"));
}

static void test_modifiers_are_applied_not_dropped(void **state)
{
  (void)state;
  pmux_event_info_t info;
  assert_int_equal(pmux_event_resolve("cycles:u", &info), 0);
  assert_true(info.exclude_kernel);
  assert_false(info.exclude_user);
  assert_int_equal(pmux_event_resolve("task-clock:k", &info), 0);
  assert_true(info.exclude_user);
  assert_false(info.exclude_kernel);
}

static void test_unknown_name_is_named_and_suggested(void **state)
{
  (void)state;
  pmux_event_info_t info;
  assert_int_equal(pmux_event_resolve("page-faultz", &info), PMUX_EEVENT);
  assert_non_null(strstr(pmux_errmsg(), "'page-faultz'"));
  assert_non_null(strstr(pmux_errmsg(), "did you mean 'page-faults'"));
  assert_int_equal(pmux_event_resolve("no_such_event_at_all", &info),
                   PMUX_EEVENT);
  assert_non_null(strstr(pmux_errmsg(), "no_such_event_at_all"));
  assert_int_equal(pmux_event_resolve("", &info), PMUX_ESYNTAX);
  /* PMU::EVENT: ranked on the event, suggested with the PMU (the software
   * events are perf's), or bare when there is no such PMU */
  assert_int_equal(pmux_event_resolve("perf::page-faultz", &info),
                   PMUX_EEVENT);
  if (!strstr(pmux_errmsg(), "did you mean 'perf::page-faults'"))
    fail_msg("perf::page-faultz: %s", pmux_errmsg());
  assert_int_equal(pmux_event_resolve("software::page-faults", &info),
                   PMUX_EEVENT);
  if (!strstr(pmux_errmsg(), "did you mean 'page-faults'"))
    fail_msg("software::page-faults: %s", pmux_errmsg());
}

static void test_bad_modifier_lists_the_valid_ones(void **state)
{
  (void)state;
  pmux_event_info_t info;
  assert_int_equal(pmux_event_resolve("cycles:zz", &info), PMUX_EMODIFIER);
  assert_non_null(strstr(pmux_errmsg(), "'zz'"));
  assert_non_null(strstr(pmux_errmsg(), "modifiers: u, k"));
}

static int count_cb(const char *pmu, const char *pmu_desc, const char *event,
                    const char *desc, void *arg)
{
  (void)pmu_desc;
  (void)desc;
  int *n = arg;
  if (!strcmp(pmu, "software") && !strcmp(event, "PAGE-FAULTS"))
    n[0]++;
  n[1]++;
  return 0;
}

static void test_list_has_software_events(void **state)
{
  (void)state;
  int n[2] = {0, 0};
  assert_int_equal(pmux_event_list(count_cb, n), 0);
  assert_int_equal(n[0], 1);
  assert_true(n[1] > 10);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_software_and_generic_names),
      cmocka_unit_test(test_raw_codes),
      cmocka_unit_test(test_modifiers_are_applied_not_dropped),
      cmocka_unit_test(test_unknown_name_is_named_and_suggested),
      cmocka_unit_test(test_bad_modifier_lists_the_valid_ones),
      cmocka_unit_test(test_list_has_software_events),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
