/* test_error.c - error codes, names and messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

static void test_own_codes_have_names_and_messages(void **state)
{
  (void)state;
#define PMUX_X_(name, n, msg)                                     \
  assert_string_equal(pmux_strerror(PMUX_##name), msg);           \
  assert_string_equal(pmux_err_name(PMUX_##name), "PMUX_" #name); \
  assert_true(PMUX_##name <= -PMUX_ERRNO_BASE);
  PMUX_ERROR_MAP(PMUX_X_)
#undef PMUX_X_
}

static void test_errno_codes(void **state)
{
  (void)state;
  assert_string_equal(pmux_strerror(-ENOENT), strerror(ENOENT));
  assert_string_equal(pmux_err_name(-EPERM), "EPERM");
  assert_string_equal(pmux_strerror(0), "success");
  assert_string_equal(pmux_strerror(-PMUX_ERRNO_BASE - 999), "unknown error");
}

static void test_fail_keeps_detail(void **state)
{
  (void)state;
  assert_int_equal(pmux__fail(PMUX_EEVENT, "event '%s': unknown", "foo"),
                   PMUX_EEVENT);
  assert_string_equal(pmux_errmsg(), "event 'foo': unknown");
  pmux__clear_error();
  assert_string_equal(pmux_errmsg(), "");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_own_codes_have_names_and_messages),
      cmocka_unit_test(test_errno_codes),
      cmocka_unit_test(test_fail_keeps_detail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
