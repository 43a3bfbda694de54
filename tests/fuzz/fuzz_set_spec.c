/*
 * fuzz_set_spec.c - libFuzzer target for the set and event-list forms
 * users write (core/spec.c): stat's -S 'EVENTS;switch=2ms' or
 * 'EVENTS;switch=EVENT/PERIOD/N', and the -e lists those events are split
 * into.  Any text must parse or give an error; what parses must hold what
 * the options promise: names trimmed and non-empty, a trigger with its
 * period and count in 1..2^63-1, a time slice in 1 ns..1e15 ns.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "fuzz_text.h"

static int trimmed(const char *s)
{
  size_t n = strlen(s);
  return n && !isspace((unsigned char)s[0]) && !isspace((unsigned char)s[n - 1]);
}

static void check_split(const char *list)
{
  char **names;
  int n;
  if (pmux__split_events(list, &names, &n) < 0) {
    if (names || n)
      abort(); /* a failure leaves nothing to free */
    return;
  }
  int commas = 0;
  for (const char *p = list; *p; p++)
    commas += *p == ',';
  if (n != commas + 1 || names[n])
    abort();
  for (int i = 0; i < n; i++)
    if (!trimmed(names[i]) || strchr(names[i], ','))
      abort();
  pmux__free_names(names, n);
}

static void check_set(const char *spec)
{
  char *events, *trigger;
  pmux_set_opts_t o;
  if (pmux__parse_set_spec(spec, &events, &o, &trigger) < 0) {
    if (events || trigger)
      abort();
    return;
  }
  if (!events || o.trigger != trigger)
    abort();
  if (trigger) {
    if (!trimmed(trigger) || o.switch_ns || !o.trigger_period ||
        o.trigger_period >> 63 || !o.trigger_count || o.trigger_count >> 63)
      abort();
  } else if (o.trigger_period || o.trigger_count ||
             o.switch_ns > 1000000000000000ull) {
    abort();
  }
  check_split(events);
  free(events);
  free(trigger);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = fuzz_text(data, size);
  if (!s)
    return 0;
  check_split(s);
  check_set(s);
  free(s);
  return 0;
}
