/*
 * error.c - error codes, their names and messages (from PMUX_ERROR_MAP), and
 * the per-thread detailed message that names the offending input, and the
 * edit distance its "did you mean" suggestions are ranked by.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static _Thread_local char last_message[PMUX_ERRMSG_MAX];

const char *pmux_strerror(int err)
{
  switch (err) {
#define PMUX_X_(name, n, msg) case PMUX_##name: return msg;
    PMUX_ERROR_MAP(PMUX_X_)
#undef PMUX_X_
  }
  if (err == 0)
    return "success";
  if (err < 0 && err > -PMUX_ERRNO_BASE)
    return strerror(-err);
  return "unknown error";
}

const char *pmux_err_name(int err)
{
  switch (err) {
#define PMUX_X_(name, n, msg) case PMUX_##name: return "PMUX_" #name;
    PMUX_ERROR_MAP(PMUX_X_)
#undef PMUX_X_
  }
  if (err == 0)
    return "OK";
  if (err < 0 && err > -PMUX_ERRNO_BASE) {
    const char *name = strerrorname_np(-err);
    return name ? name : "E?";
  }
  return "PMUX_E?";
}

const char *pmux_errmsg(void)
{
  return last_message;
}

int pmux__vfail(int err, const char *fmt, va_list ap)
{
  vsnprintf(last_message, sizeof(last_message), fmt, ap);
  return err;
}

int pmux__fail(int err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  pmux__vfail(err, fmt, ap);
  va_end(ap);
  return err;
}

void pmux__clear_error(void)
{
  last_message[0] = '\0';
}

uint64_t pmux__now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

size_t pmux__edit_distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64)
    return (size_t)-1;
  size_t row[65];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t cost = tolower((unsigned char)a[i - 1]) !=
                    tolower((unsigned char)b[j - 1]);
      size_t best = diag + cost;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      if (up + 1 < best)
        best = up + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}
