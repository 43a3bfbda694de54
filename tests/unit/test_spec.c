/* test_spec.c - event lists and set specifications as users write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "session.h"

static void test_split_events(void **state)
{
  (void)state;
  char **names;
  int n;
  assert_int_equal(pmux__split_events(" a, b ,c:u ", &names, &n), 0);
  assert_int_equal(n, 3);
  assert_string_equal(names[0], "a");
  assert_string_equal(names[1], "b");
  assert_string_equal(names[2], "c:u");
  assert_null(names[3]);
  pmux__free_names(names, n);
  assert_int_equal(pmux__split_events("a,,b", &names, &n), PMUX_ESYNTAX);
  assert_non_null(strstr(pmux_errmsg(), "'a,,b'"));
  assert_int_equal(pmux__split_events("", &names, &n), PMUX_ESYNTAX);
}

static void test_time_switch(void **state)
{
  (void)state;
  char *ev, *trig;
  pmux_set_opts_t o;
  assert_int_equal(pmux__parse_set_spec("a,b;switch=2ms", &ev, &o, &trig), 0);
  assert_string_equal(ev, "a,b");
  assert_int_equal(o.switch_ns, 2000000);
  assert_null(o.trigger);
  free(ev);
  assert_int_equal(pmux__parse_set_spec("a;switch=500us", &ev, &o, &trig), 0);
  assert_int_equal(o.switch_ns, 500000);
  free(ev);
  assert_int_equal(pmux__parse_set_spec("a;switch=1.5", &ev, &o, &trig), 0);
  assert_int_equal(o.switch_ns, 1500000); /* bare numbers are ms */
  free(ev);
  assert_int_equal(pmux__parse_set_spec("a", &ev, &o, &trig), 0);
  assert_int_equal(o.switch_ns, 0);
  free(ev);
}

static void test_overflow_switch(void **state)
{
  (void)state;
  char *ev, *trig;
  pmux_set_opts_t o;
  assert_int_equal(
      pmux__parse_set_spec("a,b;switch=page-faults/1000/3", &ev, &o, &trig), 0);
  assert_string_equal(trig, "page-faults");
  assert_ptr_equal(o.trigger, trig);
  assert_int_equal(o.trigger_period, 1000);
  assert_int_equal(o.trigger_count, 3);
  free(ev);
  free(trig);
  /* A libpfm4 name with modifiers as trigger. */
  assert_int_equal(pmux__parse_set_spec("x;switch=INST_RETIRED:ANY_P:u/0x10000/1",
                                        &ev, &o, &trig), 0);
  assert_string_equal(trig, "INST_RETIRED:ANY_P:u");
  assert_int_equal(o.trigger_period, 0x10000);
  free(ev);
  free(trig);
  /* Blanks around the trigger go, as around the set's events. */
  assert_int_equal(pmux__parse_set_spec("x;switch= page-faults /10/1", &ev, &o,
                                        &trig), 0);
  assert_string_equal(trig, "page-faults");
  free(ev);
  free(trig);
  /* Decimal, not octal. */
  assert_int_equal(pmux__parse_set_spec("x;switch=page-faults/010/1", &ev, &o,
                                        &trig), 0);
  assert_int_equal(o.trigger_period, 10);
  free(ev);
  free(trig);
}

/* The trigger of overflow switching is one event, counted in its set. */
static void test_trigger_in_session(void **state)
{
  (void)state;
  static char *argv[] = {"/bin/true", NULL};
  pmux_target_t t = {.kind = PMUX_TARGET_COMMAND, .argv = argv};
  pmux_session_t *s;
  assert_int_equal(pmux_session_create(&s, &t), 0);
  /* A list as trigger: its second event was added to the session but not
   * to the set, never counted ("<not measured>"). */
  assert_int_equal(pmux_session_add_set_spec(
                       s, "task-clock;switch=page-faults,minor-faults/10/1"),
                   PMUX_ECONFIG);
  assert_non_null(strstr(pmux_session_errmsg(s), "'page-faults,minor-faults'"));
  assert_int_equal(pmux_session_nevents(s), 0);
  assert_int_equal(pmux_session_nsets(s), 0);
  /* A blank after the trigger: found in the set, not added twice. */
  assert_int_equal(pmux_session_add_set_spec(
                       s, "page-faults;switch=page-faults /10/1"), 0);
  assert_int_equal(pmux_session_nevents(s), 1);
  pmux_session_destroy(s);
}

/* pmux_duration_parse: the one parser behind --switch, -I and switch=. */
static void test_durations(void **state)
{
  (void)state;
  static const struct {
    const char *s;
    uint64_t ns;
  } good[] = {
      {"2ms", 2000000}, {"0.5ms", 500000}, {"1e3us", 1000000},
      {"10", 10000000}, {"1.5", 1500000}, {"1s", 1000000000},
      {"250000ns", 250000}, {"0.5ns", 1}, {"1e15ns", 1000000000000000},
  };
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    uint64_t ns = 0;
    if (pmux_duration_parse(good[i].s, &ns))
      fail_msg("'%s' refused: %s", good[i].s, pmux_errmsg());
    assert_int_equal(ns, good[i].ns);
  }
  static const char *bad[] = {
      "", "ms", "-1ms", "+1ms", " 2ms", "2ms ", "2 ms", "2parsecs", "0",
      "0ms", "0.4ns", "0x10", "nan", "inf", "1e16ns", "2000000s", "1e400",
      "1e-400s", ".5ms",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    uint64_t ns = 7;
    char want[64];
    if (pmux_duration_parse(bad[i], &ns) != PMUX_ESYNTAX)
      fail_msg("'%s' accepted as %llu ns", bad[i], (unsigned long long)ns);
    snprintf(want, sizeof(want), "duration '%s': ", bad[i]);
    if (!strstr(pmux_errmsg(), want))
      fail_msg("'%s': message '%s'", bad[i], pmux_errmsg());
    assert_int_equal(ns, 7);
  }
  assert_int_equal(pmux_duration_parse(NULL, &(uint64_t){0}), PMUX_ESYNTAX);
}

static void test_bad_specs_name_the_input(void **state)
{
  (void)state;
  char *ev, *trig;
  pmux_set_opts_t o;
  static const char *bad[] = {
      "a;switch=2parsecs", "a;switch=", "a;switch=-1ms", "a;colour=red",
      "a;switch=ev/0/1", "a;switch=ev/10/x", "a;switch=/10/1",
      /* NaN, a slice that rounds to 0 (the default), two switches, a
       * negative or 2^63+ period */
      "a;switch=nan", "a;switch=0.0001ns", "a;switch=ev/10/1;switch=3ms",
      "a;switch=3ms;switch=4ms", "a;switch=ev/ -1/1",
      "a;switch=ev/9223372036854775808/1",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int err = pmux__parse_set_spec(bad[i], &ev, &o, &trig);
    if (err != PMUX_ESYNTAX)
      fail_msg("'%s' gave %d", bad[i], err);
    assert_non_null(strstr(pmux_errmsg(), bad[i]));
    assert_null(ev);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split_events),
      cmocka_unit_test(test_time_switch),
      cmocka_unit_test(test_overflow_switch),
      cmocka_unit_test(test_trigger_in_session),
      cmocka_unit_test(test_durations),
      cmocka_unit_test(test_bad_specs_name_the_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
