/*
 * test_pmu_split_nomem.c - pmux_pmu_split keeps its first error: an event
 * that fits no free counter is the answer, with its message, even when a
 * later fit runs out of memory (linked with --wrap=malloc, a program of
 * its own so that no other test sees the failing allocator).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pmux/pmux.h"

/* When armed, the pair flags of a two-event set (2 bytes) are refused:
 * the allocation of the fit that tries the second event in the first
 * set. */
void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
static int fail_two_bytes;

void *__wrap_malloc(size_t size)
{
  if (fail_two_bytes && size == 2)
    return NULL;
  return __real_malloc(size);
}

static void test_first_error_is_kept(void **state)
{
  (void)state;
  const pmux_pmu_t *p;
  assert_int_equal(pmux_pmu_find("amd64_zen4", &p), 0);
  pmux_pmu_event_t ev[3];
  /* An event held to PMC5, which is not free: the first error. */
  assert_int_equal(pmux_pmu_encode(p, "RETIRED_INSTRUCTIONS", &ev[0]), 0);
  ev[0].counters = 1ull << 5;
  snprintf(ev[0].name, sizeof(ev[0].name), "ONLY_ON_PMC5");
  /* Two pair events: the second's fit beside the first allocates. */
  for (int i = 1; i < 3; i++)
    assert_int_equal(pmux_pmu_encode(p, "RETIRED_SSE_AVX_FLOPS", &ev[i]), 0);
  assert_true(ev[1].pair);
  int so[3];
  fail_two_bytes = 1;
  int r = pmux_pmu_split(p, ev, 3, 0x0full, so);
  fail_two_bytes = 0;
  assert_int_equal(r, PMUX_ECONSTRAINT);
  assert_non_null(strstr(pmux_errmsg(), "'ONLY_ON_PMC5' can only count on "
                                        "PMC5"));
  assert_int_equal(so[0], -1);
  /* and without the failure, the same answer */
  assert_int_equal(pmux_pmu_split(p, ev, 3, 0x0full, so), PMUX_ECONSTRAINT);
  assert_non_null(strstr(pmux_errmsg(), "ONLY_ON_PMC5"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_first_error_is_kept),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
