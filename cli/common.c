/*
 * common.c - helpers shared by the subcommands (cli.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pmux/pmux.h"

static void vmessage(const char *cmd, const char *kind, const char *fmt,
                     va_list ap)
{
  fprintf(stderr, "pmux %s: %s", cmd, kind);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vmessage(cmd, "", fmt, ap);
  va_end(ap);
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vmessage(cmd, "warning: ", fmt, ap);
  va_end(ap);
}

void cli_report(const char *cmd, int err, const char *detail)
{
  if (detail && *detail)
    cli_error(cmd, "%s", detail);
  else
    cli_error(cmd, "%s", pmux_strerror(err));
  if (err == -EPERM || err == -EACCES || err == PMUX_ERIGHTS)
    fprintf(stderr, "pmux %s: run 'pmux caps' to see what you may measure "
                    "and how to be granted more\n", cmd);
}

int cli_append_list(char **list, const char *more)
{
  size_t a = *list ? strlen(*list) : 0, b = strlen(more);
  char *p = realloc(*list, a + b + 2);
  if (!p)
    return -1;
  /* Joined even after an empty list: "" then "a" is ",a", refused as an
   * empty name, as "a" then "" is. */
  if (*list)
    p[a++] = ',';
  memcpy(p + a, more, b + 1);
  *list = p;
  return 0;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
  char *end;
  /* A digit first: strtoull skips blanks and takes a sign, so " -1" was
   * 2^64-1. */
  if (!s || !isdigit((unsigned char)*s))
    return -1;
  errno = 0;
  /* Decimal, or hex with 0x; never octal: "010" runs 10 times, and
   * "-p 0123" is pid 123, not 83. */
  int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  unsigned long long v = strtoull(s, &end, hex ? 16 : 10);
  if (errno || *end || end == s + (hex ? 2 : 0))
    return -1;
  *out = v;
  return 0;
}

int cli_parse_pid(const char *cmd, const char *arg, pid_t *pid)
{
  uint64_t v;
  if (cli_parse_u64(arg, &v) || v == 0 || v > 0x7fffffff) {
    cli_error(cmd, "-p '%s': not a process id", arg);
    return -1;
  }
  /* A second -p would replace the first without a word (perf's -p takes
   * a list). */
  if (*pid && *pid != (pid_t)v) {
    cli_error(cmd, "-p '%s': one process only (-p '%d' given before)", arg,
              (int)*pid);
    return -1;
  }
  *pid = (pid_t)v;
  return 0;
}

const char *cli_thousands(uint64_t v, char *buf, size_t len)
{
  char digits[32];
  int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
  size_t o = 0;
  for (int i = 0; i < n && o + 1 < len; i++) {
    if (i > 0 && (n - i) % 3 == 0 && o + 2 < len)
      buf[o++] = ',';
    buf[o++] = digits[i];
  }
  buf[o] = '\0';
  return buf;
}
