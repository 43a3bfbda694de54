/* test_split_forced.c - `-e` lists split into sets that fit, planned on the
 * Core 2 description with libpfm4 forced to Intel Core so that the names
 * resolve on any host (a separate program: forcing hides the generic PMU). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pmux/pmux.h"
#include "session.h"

/* Linked with --wrap=realloc: when armed, growing a session's sets to two
 * fails, so that a split fails after its first set was added. */
void *__real_realloc(void *p, size_t size);
void *__wrap_realloc(void *p, size_t size);
static int fail_second_set;

void *__wrap_realloc(void *p, size_t size)
{
  if (fail_second_set && size == 2 * sizeof(struct pmux_set))
    return NULL;
  return __real_realloc(p, size);
}

static pmux_session_t *session(void)
{
  static char *argv[] = {"/bin/true", NULL};
  pmux_target_t t = {.kind = PMUX_TARGET_COMMAND, .argv = argv};
  pmux_session_t *s;
  assert_int_equal(pmux_session_create(&s, &t), 0);
  return s;
}

/* Set of event i (0-based, in the order the session holds them). */
static int set_of(pmux_session_t *s, const char *name)
{
  for (int i = 0; i < pmux_session_nevents(s); i++) {
    pmux_count_t c;
    pmux_session_count(s, i, &c);
    if (!strcmp(c.name, name))
      return c.set;
  }
  fail_msg("event %s not in the session", name);
  return -1;
}

static void test_constrained_events_are_split(void **state)
{
  (void)state;
  const pmux_pmu_t *core2;
  assert_int_equal(pmux_pmu_find("core2", &core2), 0);
  pmux_session_t *s = session();
  /* MUL, DIV and FP_ASSIST all count only on PMC1: three sets. */
  int n = pmux_session_add_events_split(s, "MUL,DIV,FP_ASSIST,INST_RETIRED:ANY_P",
                                        core2);
  if (n < 0)
    fail_msg("split: %s", pmux_session_errmsg(s));
  assert_int_equal(n, 3);
  assert_int_equal(pmux_session_nsets(s), 3);
  assert_true(pmux_session_auto_split(s));
  int mul = set_of(s, "MUL"), div = set_of(s, "DIV"), fp = set_of(s, "FP_ASSIST");
  assert_true(mul != div && div != fp && mul != fp);
  assert_non_null(strstr(pmux_session_warnings(s), "split into 3 sets"));
  pmux_session_destroy(s);
}

static void test_what_fits_stays_one_set(void **state)
{
  (void)state;
  const pmux_pmu_t *core2;
  assert_int_equal(pmux_pmu_find("core2", &core2), 0);
  pmux_session_t *s = session();
  assert_int_equal(pmux_session_add_events_split(s, "MUL,INST_RETIRED:ANY_P",
                                                 core2), 1);
  assert_false(pmux_session_auto_split(s));
  assert_string_equal(pmux_session_warnings(s), "");
  pmux_session_destroy(s);
}

static void test_unknown_event_is_refused(void **state)
{
  (void)state;
  const pmux_pmu_t *core2;
  assert_int_equal(pmux_pmu_find("core2", &core2), 0);
  pmux_session_t *s = session();
  assert_int_equal(pmux_session_add_events_split(s, "MUL,NO_SUCH_THING", core2),
                   PMUX_EEVENT);
  assert_non_null(strstr(pmux_session_errmsg(s), "NO_SUCH_THING"));
  assert_int_equal(pmux_session_nsets(s), 0);
  pmux_session_destroy(s);
}

/* A split that fails midway (the second set refused) leaves the session as
 * it was: no set, no event, no warning. */
static void test_failed_split_leaves_session_as_it_was(void **state)
{
  (void)state;
  const pmux_pmu_t *core2;
  assert_int_equal(pmux_pmu_find("core2", &core2), 0);
  pmux_session_t *s = session();
  fail_second_set = 1;
  int n = pmux_session_add_events_split(s, "MUL,DIV,FP_ASSIST,INST_RETIRED:ANY_P",
                                        core2);
  fail_second_set = 0;
  assert_int_equal(n, -ENOMEM);
  assert_string_equal(pmux_session_errmsg(s), "out of memory");
  assert_int_equal(pmux_session_nsets(s), 0);
  assert_int_equal(pmux_session_nevents(s), 0);
  assert_false(pmux_session_auto_split(s));
  assert_string_equal(pmux_session_warnings(s), "");
  /* and the same call then succeeds, with set ids from 0 */
  assert_int_equal(pmux_session_add_events_split(
                       s, "MUL,DIV,FP_ASSIST,INST_RETIRED:ANY_P", core2), 3);
  assert_int_equal(set_of(s, "MUL") + set_of(s, "DIV") + set_of(s, "FP_ASSIST"),
                   0 + 1 + 2);
  pmux_session_destroy(s);
}

/* A set whose growth fails says so: the message is not the one an
 * earlier refusal left behind. */
static void test_failed_growth_says_out_of_memory(void **state)
{
  (void)state;
  pmux_session_t *s = session();
  assert_int_equal(pmux_session_add_set(s, "MUL", NULL), 0);
  assert_int_equal(pmux_session_add_set(s, "NO_SUCH_THING", NULL), PMUX_EEVENT);
  assert_non_null(strstr(pmux_session_errmsg(s), "NO_SUCH_THING"));
  fail_second_set = 1;
  int r = pmux_session_add_set(s, "DIV", NULL);
  fail_second_set = 0;
  assert_int_equal(r, -ENOMEM);
  assert_string_equal(pmux_session_errmsg(s), "out of memory");
  assert_string_equal(pmux_errmsg(), "out of memory");
  assert_int_equal(pmux_session_nsets(s), 1);
  pmux_session_destroy(s);
}

int main(void)
{
  setenv("LIBPFM_FORCE_PMU", "core", 1);
  setenv("LIBPFM_ENCODE_INACTIVE", "1", 1);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_constrained_events_are_split),
      cmocka_unit_test(test_what_fits_stays_one_set),
      cmocka_unit_test(test_unknown_event_is_refused),
      cmocka_unit_test(test_failed_split_leaves_session_as_it_was),
      cmocka_unit_test(test_failed_growth_says_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
