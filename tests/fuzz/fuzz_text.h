/*
 * fuzz_text.h - the fuzz input as a C string, for targets whose parser
 * reads NUL-terminated text (an option, a line of a record): a malloc'd
 * copy with a NUL after it, or NULL when out of memory.
 */
#ifndef PMUX_FUZZ_TEXT_H
#define PMUX_FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline char *fuzz_text(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  if (s) {
    memcpy(s, data, size);
    s[size] = '\0';
  }
  return s;
}

#endif
