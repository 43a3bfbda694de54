/*
 * fuzz_format_args.c - libFuzzer target for record's --format NAME[:ARGS]
 * (core/format.c and the built-in formats' argument checks).  Any text
 * must be refused or give a format whose arguments it then sizes (getsize
 * is never 0 for what validate took); the KEY=VALUE helpers give only
 * values inside the bounds asked, for keys that were asked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "internal.h"
#include "fuzz_text.h"

static void check_format(const char *spec)
{
  const pmux_format_t *f = NULL;
  const char *args = NULL;
  if (pmux__format_parse(spec, &f, &args) < 0)
    return;
  if (!f || !args)
    abort();
  pmux_fmt_params_t p = {.nvalues = PMUX_FMT_MAX_VALUES, .ncpus = 4};
  if (f->getsize && !f->getsize(args, &p))
    abort();
}

/* The helpers every format's parse() is made of, on the input as args. */
static void check_helpers(const char *args)
{
  static const char *const keys[] = {"n", "mode", NULL};
  uint64_t v = 0;
  if (!pmux__fmt_arg_u64("fuzz", args, "n", 16, 1u << 24, &v) &&
      v && (v < 16 || v > 1u << 24))
    abort();
  char val[8];
  int found = pmux__fmt_arg("fuzz", args, "mode", val, sizeof(val));
  if (found > 0 && strlen(val) >= sizeof(val))
    abort();
  if (pmux__fmt_args_check("fuzz", args, keys) < 0)
    return;
  /* Taken: every item is n=... or mode=..., none empty */
  if (*args && args[strlen(args) - 1] == ',')
    abort();
  for (const char *p = args; *p;) {
    if (strncmp(p, "n=", 2) && strncmp(p, "mode=", 5))
      abort();
    const char *comma = strchr(p, ',');
    if (!comma)
      break;
    p = comma + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_text(data, size);
  if (!s)
    return 0;
  check_format(s);
  check_helpers(s);
  free(s);
  return 0;
}
