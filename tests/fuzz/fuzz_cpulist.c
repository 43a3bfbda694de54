/*
 * fuzz_cpulist.c - libFuzzer target for pmux_cpulist_parse() (core/lease.c),
 * stat's and record's -C list ("0-3,8").  Any text must give CPUs or
 * PMUX_ESYNTAX; a list taken is in the form sysfs writes (no blank, no
 * sign, no trailing comma), its CPUs are at most max, each in 0..2^20,
 * and a list of them written back ("0,1,2") gives the same CPUs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmux/pmux.h"
#include "fuzz_text.h"

#define MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_text(data, size);
  if (!s)
    return 0;
  int cpus[MAX + 1], again[MAX + 1];
  cpus[MAX] = -7; /* a canary past max */
  int n = pmux_cpulist_parse(s, cpus, MAX);
  /* Taken: the form sysfs writes, digits, '-' and ',' between items. */
  size_t slen = strlen(s);
  int sysfs_form = !s[strspn(s, "0123456789,-")] && slen && s[slen - 1] != ',';
  free(s);
  if (n < 0) {
    if (n != PMUX_ESYNTAX)
      abort();
    return 0;
  }
  if (n > MAX || cpus[MAX] != -7 || !sysfs_form)
    abort();
  char list[MAX * 9 + 1] = "";
  size_t len = 0;
  for (int i = 0; i < n; i++) {
    if (cpus[i] < 0 || cpus[i] > 1 << 20)
      abort();
    len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d",
                            i ? "," : "", cpus[i]);
  }
  if (n == 0)
    return 0;
  if (pmux_cpulist_parse(list, again, MAX) != n ||
      memcmp(again, cpus, sizeof(int) * (size_t)n))
    abort();
  return 0;
}
