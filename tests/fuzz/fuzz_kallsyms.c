/*
 * fuzz_kallsyms.c - libFuzzer target for report's reader of /proc/kallsyms
 * (core/kallsyms.c): any text must load or give an error, and every
 * lookup must give NULL or a NUL-terminated name from the table, never a
 * crash, a leak or a hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kallsyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!size)
    return 0; /* fmemopen refuses an empty buffer */
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f)
    return 0;
  pmux__kallsyms_t *k;
  int rc = pmux__kallsyms_read(f, &k);
  fclose(f);
  if (rc < 0)
    return 0;
  /* Addresses around the text and module areas, and from the input. */
  uint64_t ips[] = {0, UINT64_MAX, 0xffffffff81000000ull,
                    0xffffffffc0000000ull, 0};
  memcpy(&ips[4], data, size < 8 ? size : 8);
  for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
    for (uint64_t d = 0; d < 3; d++) {
      const char *module;
      const char *name = pmux__kallsyms_find(k, ips[i] + d * 0x1000, &module);
      if (name)
        (void)strlen(name);
      if (module)
        (void)strlen(module);
    }
  }
  (void)pmux__kallsyms_count(k);
  pmux__kallsyms_free(k);
  return 0;
}
