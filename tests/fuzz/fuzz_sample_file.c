/*
 * fuzz_sample_file.c - libFuzzer target for the sample-file reader
 * (core/sample_file.c) and the decoders of every built-in format: any
 * input must give 0 or an error, never a crash, a leak or a hang.
 * Symbols are not resolved here (that opens the files the input names, or
 * /proc/kallsyms); META's keys, boot_id included, are parsed by open.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pmux/pmux.h"

static int count(const pmux_sample_t *s, void *arg)
{
  *(uint64_t *)arg += s->weight;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  pmux_sample_file_t *f = NULL;
  (void)pmux_sample_file_open_mem(data, size, &f);
  if (f) {
    uint64_t n = 0;
    (void)pmux_sample_file_foreach(f, count, &n);
    (void)pmux_sample_file_format(f);
    (void)pmux_sample_file_command(f);
    (void)pmux_sample_file_lost(f);
    const pmux_sample_file_set_t *sets;
    size_t nsets = pmux_sample_file_sets(f, &sets);
    for (size_t i = 0; i < nsets; i++)
      n += strlen(sets[i].events) +
           (sets[i].switched ? strlen(sets[i].switched) : 0);
    pmux_sample_file_close(f);
  }
  return 0;
}
