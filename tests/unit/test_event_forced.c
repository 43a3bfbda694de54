/* test_event_forced.c - libpfm4 names with modifiers, resolved for a PMU
 * that is not the host's (libpfm4 forced to Intel Core), so the test runs on
 * every host.  A separate program: forcing a PMU hides the generic ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/perf_event.h>

#include "internal.h"

static void test_libpfm4_names_with_forced_pmu(void **state)
{
  (void)state;
  pmux_event_info_t info;
  int err = pmux_event_resolve("INST_RETIRED:ANY_P:u", &info);
  if (err)
    fail_msg("INST_RETIRED:ANY_P:u: %s", pmux_errmsg());
  assert_int_equal(info.type, PERF_TYPE_RAW);
  assert_int_equal(info.config & 0xffff, 0xc0); /* event 0xc0, umask 0 */
  assert_true(info.exclude_kernel);
  assert_string_equal(info.pmu, "core");
}

static void test_forced_pmu_bad_umask(void **state)
{
  (void)state;
  pmux_event_info_t info;
  assert_int_equal(pmux_event_resolve("INST_RETIRED:NO_SUCH_UMASK", &info),
                   PMUX_EMODIFIER);
  assert_non_null(strstr(pmux_errmsg(), "NO_SUCH_UMASK"));
}

/* An event with no default unit mask, given none: the message says so and
 * names them, with or without modifiers (not "modifier '' not supported",
 * nor "'u' not supported" beside a list of modifiers that has u); a bad
 * one lists the unit masks too. */
static void test_forced_pmu_missing_umask(void **state)
{
  (void)state;
  pmux_event_info_t info;
  static const char *const missing[] = {"LOAD_BLOCK", "LOAD_BLOCK:u"};
  for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
    assert_int_equal(pmux_event_resolve(missing[i], &info), PMUX_EMODIFIER);
    const char *msg = pmux_errmsg();
    if (!strstr(msg, "needs a unit mask, one of STA, STD") ||
        strstr(msg, "not supported"))
      fail_msg("%s: %s", missing[i], msg);
  }
  assert_int_equal(pmux_event_resolve("LOAD_BLOCK:NOPE", &info),
                   PMUX_EMODIFIER);
  if (!strstr(pmux_errmsg(), "'NOPE' not supported") ||
      !strstr(pmux_errmsg(), "unit masks: STA, STD"))
    fail_msg("LOAD_BLOCK:NOPE: %s", pmux_errmsg());
  assert_int_equal(pmux_event_resolve("LOAD_BLOCK:STA:u", &info), 0);
}

int main(void)
{
  /* Before the first call: libpfm4 reads these when it initialises. */
  setenv("LIBPFM_FORCE_PMU", "core", 1);
  setenv("LIBPFM_ENCODE_INACTIVE", "1", 1);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_libpfm4_names_with_forced_pmu),
      cmocka_unit_test(test_forced_pmu_bad_umask),
      cmocka_unit_test(test_forced_pmu_missing_umask),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
