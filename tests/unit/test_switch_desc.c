/* test_switch_desc.c - report's reading of how a set switched, from the
 * text of a sample file's SETS section (cli/switch_desc.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "switch_desc.h"

static void test_time_slice(void **state)
{
  (void)state;
  struct switch_desc d = switch_desc_parse("2000000ns");
  assert_int_equal(d.kind, SWITCH_TIME);
  assert_int_equal(d.slice_ns, 2000000);
  assert_int_equal(switch_desc_parse("ns").kind, SWITCH_UNKNOWN);
  assert_int_equal(switch_desc_parse("2ms").kind, SWITCH_UNKNOWN);
  assert_int_equal(switch_desc_parse(NULL).kind, SWITCH_UNKNOWN);
}

static void test_overflow(void **state)
{
  (void)state;
  struct switch_desc d = switch_desc_parse("cpu/event=0x3c//1000/4");
  assert_int_equal(d.kind, SWITCH_OVERFLOW);
  assert_string_equal(d.trigger, "cpu/event=0x3c/");
  assert_int_equal(d.period, 1000);
  assert_int_equal(d.count, 4);
  assert_int_equal(switch_desc_parse("/10/1").kind, SWITCH_UNKNOWN);
  assert_int_equal(switch_desc_parse("ev/10/").kind, SWITCH_UNKNOWN);
}

/* A number past 2^64-1 is no number report can show: strtoull gave
 * 2^64-1 for it, a slice or count the file never said (fuzz_switch_desc). */
static void test_numbers_too_large(void **state)
{
  (void)state;
  assert_int_equal(switch_desc_parse("18446744073709551615ns").kind,
                   SWITCH_TIME);
  assert_int_equal(switch_desc_parse("18446744073709551616ns").kind,
                   SWITCH_UNKNOWN);
  assert_int_equal(switch_desc_parse("ev/99999999999999999999/1").kind,
                   SWITCH_UNKNOWN);
  assert_int_equal(switch_desc_parse("ev/1/99999999999999999999").kind,
                   SWITCH_UNKNOWN);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_time_slice),
      cmocka_unit_test(test_overflow),
      cmocka_unit_test(test_numbers_too_large),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
