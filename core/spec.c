/*
 * spec.c - the textual forms users write: event lists ("a,b,c"), durations
 * ("2ms", "500us", a bare number of milliseconds: pmux_duration_parse) and
 * set specifications ("EVENTS;switch=2ms" or "EVENTS;switch=EVENT/PERIOD/N").
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

void pmux__free_names(char **names, int n)
{
  if (!names)
    return;
  for (int i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

static char *trimmed_dup(const char *b, const char *e)
{
  while (b < e && isspace((unsigned char)*b))
    b++;
  while (e > b && isspace((unsigned char)e[-1]))
    e--;
  return strndup(b, (size_t)(e - b));
}

int pmux__split_events(const char *list, char ***out, int *n)
{
  *out = NULL;
  *n = 0;
  if (!list)
    return pmux__fail(PMUX_ESYNTAX, "no events given");
  char **names = NULL;
  int count = 0;
  const char *p = list;
  for (;;) {
    const char *comma = strchr(p, ',');
    const char *end = comma ? comma : p + strlen(p);
    char *name = trimmed_dup(p, end);
    if (!name) {
      pmux__free_names(names, count);
      return -ENOMEM;
    }
    if (!*name) {
      free(name);
      pmux__free_names(names, count);
      return pmux__fail(PMUX_ESYNTAX, "event list '%s': empty event name at "
                        "offset %zu", list, (size_t)(p - list));
    }
    char **grown = realloc(names, sizeof(*names) * (size_t)(count + 2));
    if (!grown) {
      free(name);
      pmux__free_names(names, count);
      return -ENOMEM;
    }
    names = grown;
    names[count++] = name;
    names[count] = NULL;
    if (!comma)
      break;
    p = comma + 1;
  }
  *out = names;
  *n = count;
  return 0;
}

/* "2ms", "500us", "1s", "250000ns"; a bare number is milliseconds.  NULL
 * with *ns set, or why s is not a duration. */
static const char *duration(const char *s, uint64_t *ns)
{
  static const struct {
    const char *suffix;
    double scale;
  } units[] = {
      {"", 1e6}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1.0}, {"s", 1e9},
  };
  if (!s || !*s)
    return "empty";
  /* A duration starts with a digit: no sign, no blank, no "inf" or "nan";
   * and is decimal: strtod reads "0x10" as sixteen. */
  if (!isdigit((unsigned char)*s))
    return "want a positive decimal number and a unit (2ms, 500us, 1s, "
           "250000ns; a bare number is milliseconds)";
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    return "decimal only, not hex";
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno)
    return "out of range";
  size_t i;
  for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
    if (!strcmp(end, units[i].suffix))
      break;
  if (i == sizeof(units) / sizeof(units[0]))
    return "unknown unit (want ns, us, ms or s; a bare number is "
           "milliseconds)";
  double r = v * units[i].scale;
  /* Under 1 ns rounds to 0, which would mean "the default": refused. */
  if (r < 0.5)
    return "not positive (under 1 ns)";
  if (r > 1e15)
    return "too long (at most 1e15 ns, about 11 days)";
  *ns = (uint64_t)(r + 0.5);
  return NULL;
}

int pmux_duration_parse(const char *s, uint64_t *ns)
{
  const char *why = duration(s, ns);
  if (why)
    return pmux__fail(PMUX_ESYNTAX, "duration '%s': %s", s ? s : "", why);
  return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
  char *end;
  errno = 0;
  /* Decimal or 0x hex, never octal; no sign, no space (strtoull would
   * take " -1" as ULLONG_MAX); below 2^63, what perf's sample_period
   * takes. */
  if (!isdigit((unsigned char)*s))
    return -1;
  int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  unsigned long long x = strtoull(s, &end, hex ? 16 : 10);
  if (errno || *end || x == 0 || x >> 63 || end == s + (hex ? 2 : 0))
    return -1;
  *v = x;
  return 0;
}

/* switch=EVENT/PERIOD/N */
static int parse_overflow_switch(const char *spec, const char *value,
                                 pmux_set_opts_t *opts, char **trigger)
{
  const char *s2 = strrchr(value, '/');
  if (!s2 || s2 == value)
    return -1;
  const char *s1 = s2 - 1;
  while (s1 > value && *s1 != '/')
    s1--;
  if (*s1 != '/' || s1 == value)
    return -1;
  char period[32], count[32];
  if ((size_t)(s2 - s1 - 1) >= sizeof(period) || strlen(s2 + 1) >= sizeof(count))
    return -1;
  memcpy(period, s1 + 1, (size_t)(s2 - s1 - 1));
  period[s2 - s1 - 1] = '\0';
  strcpy(count, s2 + 1);
  if (parse_u64(period, &opts->trigger_period) ||
      parse_u64(count, &opts->trigger_count))
    return pmux__fail(PMUX_ESYNTAX, "set '%s': in switch=EVENT/PERIOD/N, "
                      "PERIOD and N must be positive integers", spec);
  /* Blanks trimmed as around the set's events, so that "ev /10/1" finds
   * "ev" in the set rather than adding it again. */
  *trigger = trimmed_dup(value, s1);
  if (*trigger && !**trigger) {
    free(*trigger);
    *trigger = NULL;
    return -1;
  }
  return *trigger ? 1 : -ENOMEM;
}

/* Give back what pmux__parse_set_spec copied so far; err. */
static int set_spec_fail(char **events, char **trigger, int err)
{
  free(*events);
  free(*trigger);
  *events = *trigger = NULL;
  return err;
}

int pmux__parse_set_spec(const char *spec, char **events,
                         pmux_set_opts_t *opts, char **trigger)
{
  memset(opts, 0, sizeof(*opts));
  *events = NULL;
  *trigger = NULL;
  const char *semi = strchr(spec, ';');
  *events = trimmed_dup(spec, semi ? semi : spec + strlen(spec));
  if (!*events)
    return -ENOMEM;
  while (semi) {
    const char *opt = semi + 1;
    semi = strchr(opt, ';');
    char *o = trimmed_dup(opt, semi ? semi : opt + strlen(opt));
    if (!o)
      return set_spec_fail(events, trigger, -ENOMEM);
    int err = 0;
    if (!strncmp(o, "switch=", 7) && (opts->switch_ns || *trigger)) {
      err = pmux__fail(PMUX_ESYNTAX, "set '%s': switch= given twice", spec);
    } else if (!strncmp(o, "switch=", 7)) {
      const char *value = o + 7;
      if (strchr(value, '/')) {
        int r = parse_overflow_switch(spec, value, opts, trigger);
        if (r < 0)
          err = r == -1 ? pmux__fail(PMUX_ESYNTAX,
                                     "set '%s': bad switch '%s' (want "
                                     "switch=DURATION or switch=EVENT/PERIOD/N)",
                                     spec, value)
                        : r;
      } else {
        const char *why = duration(value, &opts->switch_ns);
        if (why)
          err = pmux__fail(PMUX_ESYNTAX, "set '%s': bad duration '%s': %s",
                           spec, value, why);
      }
    } else if (*o) {
      err = pmux__fail(PMUX_ESYNTAX, "set '%s': unknown option '%s' (known: "
                       "switch=DURATION, switch=EVENT/PERIOD/N)", spec, o);
    }
    free(o);
    if (err)
      return set_spec_fail(events, trigger, err);
  }
  opts->trigger = *trigger;
  return 0;
}
