/*
 * error.c - error codes, their names and messages (from PMUX_ERROR_MAP), and
 * the per-thread detailed message that names the offending input.
 */
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
