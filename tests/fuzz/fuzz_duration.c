/*
 * fuzz_duration.c - libFuzzer target for pmux_duration_parse()
 * (core/spec.c), the one parser behind --switch, -I and a set's switch=.
 * A duration that parses is 1 ns..1e15 ns, and reads back the same from
 * the form pmux writes ("2000000ns", as in a sample file's SETS).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmux/pmux.h"
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_text(data, size);
  if (!s)
    return 0;
  uint64_t ns = 0;
  int rc = pmux_duration_parse(s, &ns);
  free(s);
  if (rc) {
    if (rc != PMUX_ESYNTAX)
      abort();
    return 0;
  }
  if (ns < 1 || ns > 1000000000000000ull)
    abort();
  char printed[32];
  uint64_t again = 0;
  snprintf(printed, sizeof(printed), "%" PRIu64 "ns", ns);
  if (pmux_duration_parse(printed, &again) || again != ns)
    abort();
  return 0;
}
