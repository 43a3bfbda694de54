/*
 * fuzz_jit_map.c - libFuzzer target for report's reader of the perf maps
 * JITs write, /tmp/perf-PID.map (core/jit_map.c): another program's text,
 * which any process of the user may write.  Any input must give a sorted
 * table of named, non-empty functions, and every lookup NULL or a name
 * from it; never a crash, a leak or a hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jit_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  pmux__jit_map_t j = {0};
  if (pmux__jit_map_parse(&j, (const char *)data, size) < 0)
    abort(); /* -ENOMEM only, which these inputs never need */
  pmux__jit_map_sort(&j);
  for (size_t i = 0; i < j.nsyms; i++) {
    const struct pmux__jit_sym *s = &j.syms[i];
    if (!s->size || !s->name[0] || strchr(s->name, '\n') ||
        (i && j.syms[i - 1].addr > s->addr))
      abort();
    /* a function's first byte is named, by it or one starting there */
    const char *name = pmux__jit_map_find(&j, s->addr);
    if (!name)
      abort();
    (void)pmux__jit_map_find(&j, s->addr + s->size);
    (void)pmux__jit_map_find(&j, s->addr - 1);
  }
  uint64_t ips[] = {0, UINT64_MAX, 0};
  memcpy(&ips[2], data, size < 8 ? size : 8);
  for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
    const char *name = pmux__jit_map_find(&j, ips[i]);
    if (name)
      (void)strlen(name);
  }
  pmux__jit_map_free(&j);
  return 0;
}
