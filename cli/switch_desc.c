/*
 * switch_desc.c - a set's switching, from the text of a sample file's
 * SWITCHES section (switch_desc.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "switch_desc.h"

/* All of s a decimal number that fits: 1, with *v.  (strtoull gives
 * 2^64-1 for more: a number the file did not say.) */
static int decimal(const char *s, size_t len, uint64_t *v)
{
  char buf[32], *end;
  if (len == 0 || len >= sizeof(buf) || s[0] < '0' || s[0] > '9')
    return 0;
  memcpy(buf, s, len);
  buf[len] = 0;
  errno = 0;
  *v = strtoull(buf, &end, 10);
  return *end == 0 && !errno;
}

/* "2000000ns" or "EVENT/PERIOD/N" (EVENT may hold slashes itself:
 * "cpu/event=0x3c/", so the numbers are taken from the right). */
struct switch_desc switch_desc_parse(const char *spec)
{
  struct switch_desc d = {SWITCH_UNKNOWN, 0, "", 0, 0};
  if (!spec)
    return d;
  size_t len = strlen(spec);
  if (len > 2 && !strcmp(spec + len - 2, "ns") &&
      decimal(spec, len - 2, &d.slice_ns)) {
    d.kind = SWITCH_TIME;
    return d;
  }
  const char *last = strrchr(spec, '/');
  if (!last || last == spec)
    return d;
  const char *mid = last - 1;
  while (mid > spec && *mid != '/')
    mid--;
  if (*mid != '/' || mid == spec ||
      !decimal(mid + 1, (size_t)(last - mid - 1), &d.period) ||
      !decimal(last + 1, strlen(last + 1), &d.count) ||
      (size_t)(mid - spec) >= sizeof(d.trigger))
    return d;
  memcpy(d.trigger, spec, (size_t)(mid - spec));
  d.trigger[mid - spec] = 0;
  d.kind = SWITCH_OVERFLOW;
  return d;
}
