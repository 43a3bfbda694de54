/*
 * fuzz_switch_desc.c - libFuzzer target for report's reading of how a set
 * switched (cli/switch_desc.c), text from a sample file's SWITCHES section,
 * which may come from anywhere.  What it reads as a time slice or as
 * EVENT/PERIOD/N must be what the text says: written back, it gives the
 * text again (but for leading zeros).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switch_desc.h"
#include "fuzz_text.h"

/* s without the leading zeros of each number: "007/0/10" -> "7/0/10". */
static void drop_leading_zeros(const char *s, char *out)
{
  int at_start = 1;
  for (; *s; s++) {
    if (at_start && *s == '0' && s[1] >= '0' && s[1] <= '9')
      continue;
    at_start = *s == '/';
    *out++ = *s;
  }
  *out = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_text(data, size);
  if (!s)
    return 0;
  struct switch_desc d = switch_desc_parse(s);
  char printed[400], want[400] = "";
  switch (d.kind) {
  case SWITCH_TIME:
    snprintf(printed, sizeof(printed), "%" PRIu64 "ns", d.slice_ns);
    drop_leading_zeros(s, want);
    break;
  case SWITCH_OVERFLOW: {
    if (!memchr(d.trigger, '\0', sizeof(d.trigger)))
      abort();
    size_t tl = strlen(d.trigger);
    if (strncmp(s, d.trigger, tl))
      abort();
    snprintf(printed, sizeof(printed), "/%" PRIu64 "/%" PRIu64, d.period,
             d.count);
    drop_leading_zeros(s + tl, want);
    break;
  }
  default:
    free(s);
    return 0;
  }
  if (strcmp(printed, want)) {
    fprintf(stderr, "'%s' read back as '%s'\n", want, printed);
    abort();
  }
  free(s);
  return 0;
}
