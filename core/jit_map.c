/*
 * jit_map.c - reading the perf map a JIT writes, /tmp/perf-PID.map: one
 * "START SIZE NAME" line (hex, hex, the rest of the line) per function it
 * compiled, as perf's tools/perf/Documentation/jit-interface.txt has it.
 * The file is written by another program: any text must be survived
 * (tests/fuzz/fuzz_jit_map.c).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jit_map.h"

/* By address, then in the map's order: qsort need not be stable (glibc's
 * is not since 2.37), and a lookup takes the last entry at an address. */
static int sym_cmp(const void *a, const void *b)
{
  const struct pmux__jit_sym *x = a, *y = b;
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static int add_sym(pmux__jit_map_t *j, uint64_t addr, uint64_t size,
                   const char *name)
{
  if (j->nsyms == j->cap) {
    size_t c = j->cap ? 2 * j->cap : 64;
    struct pmux__jit_sym *g = realloc(j->syms, c * sizeof(*g));
    if (!g)
      return -ENOMEM;
    j->syms = g;
    j->cap = c;
  }
  char *n = strdup(name);
  if (!n)
    return -ENOMEM;
  j->syms[j->nsyms] = (struct pmux__jit_sym){addr, size, n, j->nsyms};
  j->nsyms++;
  return 0;
}

/* A hex number at *s after blanks, digits as perf writes them (a 0x in
 * front, as some JITs write, is taken too), *s moved past it: -1 for none,
 * or one over 64 bits, whose conversion by sscanf is undefined.  strtoull
 * alone took a sign: "1000 -1 x" named everything above 0x1000. */
static int hex_field(const char **s, uint64_t *v)
{
  char *end;
  *s += strspn(*s, " \t");
  if (!isxdigit((unsigned char)**s))
    return -1;
  errno = 0;
  unsigned long long x = strtoull(*s, &end, 16);
  if (end == *s || errno == ERANGE)
    return -1;
  *v = x;
  *s = end;
  return 0;
}

/* One line, its newline left out (a NUL in it ends it); the CR of a CR LF
 * line is no part of the name. */
static int parse_line(pmux__jit_map_t *j, const char *text, size_t len)
{
  if (len && text[len - 1] == '\r')
    len--;
  char *line = strndup(text, len);
  if (!line)
    return -ENOMEM;
  const char *s = line;
  uint64_t start, size;
  int rc = 0;
  if (!hex_field(&s, &start) && !hex_field(&s, &size)) {
    s += strspn(s, " \t\n\v\f\r");
    /* one naming nothing is skipped, as perf skips it */
    if (*s && size)
      rc = add_sym(j, start, size, s);
  }
  free(line);
  return rc;
}

int pmux__jit_map_parse(pmux__jit_map_t *j, const char *text, size_t len)
{
  while (len) {
    const char *nl = memchr(text, '\n', len);
    size_t n = nl ? (size_t)(nl - text) : len;
    int rc = parse_line(j, text, n);
    if (rc < 0)
      return rc;
    n += nl != NULL;
    text += n;
    len -= n;
  }
  return 0;
}

void pmux__jit_map_sort(pmux__jit_map_t *j)
{
  if (j->nsyms)
    qsort(j->syms, j->nsyms, sizeof(*j->syms), sym_cmp);
}

/* Only a regular file of the reader's own (or root's), not a link: anyone
 * may write in /tmp, and a map planted there would name the samples of
 * another user's JIT. */
void pmux__jit_map_load(pmux__jit_map_t *j)
{
  char path[64];
  snprintf(path, sizeof(path), "/tmp/perf-%u.map", (unsigned)j->pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  struct stat sb;
  FILE *in = NULL;
  if (fd >= 0 && !fstat(fd, &sb) && S_ISREG(sb.st_mode) &&
      (sb.st_uid == geteuid() || sb.st_uid == 0))
    in = fdopen(fd, "r");
  if (!in) {
    if (fd >= 0)
      close(fd);
    return;
  }
  /* line by line (a JIT's map can be large); lines of any length: a name
   * cut at a buffer's end left its tail to be read as a line of its own */
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t n;
  while ((n = getline(&line, &line_cap, in)) > 0)
    if (pmux__jit_map_parse(j, line, (size_t)n) < 0)
      break;
  free(line);
  fclose(in);
  pmux__jit_map_sort(j);
}

const char *pmux__jit_map_find(const pmux__jit_map_t *j, uint64_t ip)
{
  size_t lo = 0, hi = j->nsyms; /* the last entry starting at or below ip */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (j->syms[mid].addr <= ip)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (!lo || ip - j->syms[lo - 1].addr >= j->syms[lo - 1].size)
    return NULL;
  return j->syms[lo - 1].name;
}

void pmux__jit_map_free(pmux__jit_map_t *j)
{
  for (size_t i = 0; i < j->nsyms; i++)
    free(j->syms[i].name);
  free(j->syms);
}
