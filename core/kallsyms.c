/*
 * kallsyms.c - the running kernel's functions, read from /proc/kallsyms,
 * to name the kernel IPs of a sample file recorded on this boot
 * (kallsyms.h, docs/file-format.md "Symbols").
 *
 * A line is "ADDRESS TYPE NAME", followed by "\t[MODULE]" for a module's
 * symbol (proc(5); the kernel's kernel/kallsyms.c writes it).  Kept: text
 * symbols (types t, T) and weak ones (w, W) inside the core kernel's text
 * (_stext up to _etext), since a weak symbol may just as well be data.
 * The names live in one string arena and the table holds offsets: 16
 * bytes per function, about 2 MB for the ~120k functions of a
 * distribution kernel, plus its ~3 MB of names.
 *
 * kallsyms gives no sizes: a function runs up to the next symbol.  After
 * the core kernel's last function stands _etext; after a module's last
 * one stands nothing, or another module far away, hence MAX_SPAN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kallsyms.h"
#include "sysroot.h"

#define MAX_SPAN (1u << 20) /* no function is 1 MiB long: past it, in none */
#define MAX_NAME 1024       /* KSYM_NAME_LEN is 512 since Linux 6.1 */
#define MAX_MODULES 65535   /* struct ksym's module index */

struct ksym {
  uint64_t addr;
  uint32_t name;           /* offset of the name in the arena */
  uint16_t module;         /* 1 + index in modules; 0: the core kernel */
  uint8_t rank;            /* among names at one address, 0 is preferred */
  uint8_t weak;
};

struct pmux__kallsyms {
  struct ksym *syms;
  size_t n, cap;
  char *arena;             /* every name, NUL-terminated */
  size_t used, size;
  uint32_t *modules;       /* arena offsets of the module names */
  size_t nmodules, modcap;
  size_t last_module;      /* lines of a module come together: look there
                              first */
  uint64_t stext, etext;   /* the core kernel's text; 0: not listed */
};

int pmux__boot_id(char *buf, size_t len)
{
  FILE *f = pmux__sys_fopen("/proc/sys/kernel/random/boot_id", "re");
  if (!f)
    return -errno;
  char line[2 * PMUX__BOOT_ID_MAX];
  int got = fgets(line, sizeof(line), f) != NULL;
  fclose(f);
  if (!got)
    return -EINVAL;
  size_t a = strspn(line, " \t\n"), b = strlen(line);
  while (b > a && strchr(" \t\n", line[b - 1]))
    b--;
  if (b == a || b - a >= len)
    return -EINVAL;
  for (size_t i = a; i < b; i++)
    if (!strchr("0123456789abcdefABCDEFghijklmnopqrstuvwxyz"
                 "GHIJKLMNOPQRSTUVWXYZ-", line[i]))
      return -EINVAL;
  pmux__copy_prefix(buf, len, line + a, b - a);
  return 0;
}

/* Offset of a copy of s[0..n) in the arena, or -ENOMEM. */
static int64_t arena_add(struct pmux__kallsyms *k, const char *s, size_t n)
{
  if (k->used + n + 1 > k->size) {
    size_t size = k->size ? 2 * k->size : 1 << 20;
    while (size < k->used + n + 1)
      size *= 2;
    if (size > UINT32_MAX) /* offsets are 32 bits */
      return -ENOMEM;
    char *a = realloc(k->arena, size);
    if (!a)
      return -ENOMEM;
    k->arena = a;
    k->size = size;
  }
  int64_t off = (int64_t)k->used;
  memcpy(k->arena + k->used, s, n);
  k->arena[k->used + n] = 0;
  k->used += n + 1;
  return off;
}

/* 1 + the index of module s[0..n), added if new; -ENOMEM. */
static int module_index(struct pmux__kallsyms *k, const char *s, size_t n)
{
  for (size_t j = 0; j < k->nmodules; j++) {
    size_t i = (k->last_module + j) % k->nmodules;
    const char *m = k->arena + k->modules[i];
    if (!strncmp(m, s, n) && !m[n]) {
      k->last_module = i;
      return (int)i + 1;
    }
  }
  if (k->nmodules == MAX_MODULES)
    return -ENOMEM;
  if (k->nmodules == k->modcap) {
    size_t cap = k->modcap ? 2 * k->modcap : 64;
    uint32_t *m = realloc(k->modules, cap * sizeof(*m));
    if (!m)
      return -ENOMEM;
    k->modules = m;
    k->modcap = cap;
  }
  int64_t off = arena_add(k, s, n);
  if (off < 0)
    return (int)off;
  k->modules[k->nmodules] = (uint32_t)off;
  k->last_module = k->nmodules;
  return (int)++k->nmodules;
}

/* The address at the start of a line: 1 to 16 hex digits, then a space. */
static int parse_addr(const char *s, uint64_t *addr, const char **end)
{
  uint64_t v = 0;
  int digits = 0;
  for (;; s++, digits++) {
    int d;
    if (*s >= '0' && *s <= '9')
      d = *s - '0';
    else if (*s >= 'a' && *s <= 'f')
      d = *s - 'a' + 10;
    else if (*s >= 'A' && *s <= 'F')
      d = *s - 'A' + 10;
    else
      break;
    if (digits == 16)
      return -1;
    v = v << 4 | (uint64_t)d;
  }
  if (!digits || *s != ' ')
    return -1;
  *addr = v;
  *end = s;
  return 0;
}

static int type_rank(char type)
{
  switch (type) {
  case 'T': return 0;
  case 't': return 1;
  case 'W': return 2;
  case 'w': return 3;
  default: return -1; /* not text */
  }
}

/* One line: 0 (kept or not a text symbol), or -ENOMEM. */
static int add_line(struct pmux__kallsyms *k, const char *line,
                    size_t *zeros)
{
  uint64_t addr;
  const char *p;
  if (parse_addr(line, &addr, &p) < 0 || !p[1] || p[2] != ' ')
    return 0;
  int rank = type_rank(p[1]);
  const char *name = p + 3;
  size_t nlen = strcspn(name, " \t\n");
  if (rank < 0 || !nlen || nlen > MAX_NAME)
    return 0;
  if (!addr) {
    (*zeros)++; /* hidden (kptr_restrict), or listed without one */
    return 0;
  }
  int module = 0;
  const char *mod = name + nlen;
  if (mod[0] == '\t' && mod[1] == '[') {
    size_t mlen = strcspn(mod + 2, "]\n");
    if (mod[2 + mlen] != ']' || !mlen || mlen > MAX_NAME)
      return 0;
    module = module_index(k, mod + 2, mlen);
    if (module < 0)
      return module;
  }
  if (k->n == k->cap) {
    size_t cap = k->cap ? 2 * k->cap : 16384;
    struct ksym *s = realloc(k->syms, cap * sizeof(*s));
    if (!s)
      return -ENOMEM;
    k->syms = s;
    k->cap = cap;
  }
  int64_t off = arena_add(k, name, nlen);
  if (off < 0)
    return (int)off;
  k->syms[k->n++] = (struct ksym){addr, (uint32_t)off, (uint16_t)module,
                                  (uint8_t)rank, rank >= 2};
  if (!module && p[1] == 'T') {
    if (nlen == 6 && !memcmp(name, "_stext", 6))
      k->stext = addr;
    else if (nlen == 6 && !memcmp(name, "_etext", 6))
      k->etext = addr;
  }
  return 0;
}

/* By address; at one address the preferred type first, then file order
 * (arena offsets grow line by line), so that the name chosen is stable. */
static int ksym_cmp(const void *a, const void *b)
{
  const struct ksym *x = a, *y = b;
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  return x->name < y->name ? -1 : x->name > y->name;
}

/* Weak symbols are kept only inside the core kernel's text. */
static void drop_weak_data(struct pmux__kallsyms *k)
{
  int text_known = k->stext && k->etext > k->stext;
  size_t w = 0;
  for (size_t i = 0; i < k->n; i++) {
    const struct ksym *s = &k->syms[i];
    if (s->weak && (s->module || !text_known || s->addr < k->stext ||
                    s->addr >= k->etext))
      continue;
    k->syms[w++] = *s;
  }
  k->n = w;
}

int pmux__kallsyms_load(const char *path, pmux__kallsyms_t **out)
{
  *out = NULL;
  FILE *f = fopen(path, "re");
  if (!f)
    return -errno;
  int rc = pmux__kallsyms_read(f, out);
  fclose(f);
  return rc;
}

int pmux__kallsyms_read(FILE *f, pmux__kallsyms_t **out)
{
  *out = NULL;
  pmux__kallsyms_t *k = calloc(1, sizeof(*k));
  if (!k)
    return -ENOMEM;
  char *line = NULL;
  size_t cap = 0, zeros = 0;
  int rc = 0;
  errno = 0;
  while (rc == 0 && getline(&line, &cap, f) >= 0)
    rc = add_line(k, line, &zeros);
  if (rc == 0 && ferror(f))
    rc = errno ? -errno : -EIO;
  free(line);
  if (rc == 0) {
    drop_weak_data(k);
    if (!k->n)
      rc = zeros ? PMUX_ERIGHTS : -ENODATA;
  }
  if (rc < 0) {
    pmux__kallsyms_free(k);
    return rc;
  }
  qsort(k->syms, k->n, sizeof(*k->syms), ksym_cmp);
  *out = k;
  return 0;
}

const char *pmux__kallsyms_find(const pmux__kallsyms_t *k, uint64_t ip,
                                const char **module)
{
  *module = NULL;
  size_t lo = 0, hi = k->n;
  while (lo < hi) { /* the first symbol above ip */
    size_t mid = lo + (hi - lo) / 2;
    if (k->syms[mid].addr <= ip)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (!lo)
    return NULL;
  const struct ksym *s = &k->syms[lo - 1];
  while (s > k->syms && s[-1].addr == s->addr)
    s--; /* the preferred name at that address */
  if (!s->module && k->etext && s->addr <= k->etext && ip >= k->etext)
    return NULL; /* past the end of the kernel's text */
  if (ip - s->addr >= MAX_SPAN)
    return NULL;
  if (s->module)
    *module = k->arena + k->modules[s->module - 1];
  return k->arena + s->name;
}

size_t pmux__kallsyms_count(const pmux__kallsyms_t *k)
{
  return k->n;
}

void pmux__kallsyms_free(pmux__kallsyms_t *k)
{
  if (!k)
    return;
  free(k->syms);
  free(k->arena);
  free(k->modules);
  free(k);
}

int pmux__kallsyms_for_boot(const char *file_boot_id, pmux__kallsyms_t **out,
                            char *why, size_t wlen)
{
  *out = NULL;
  char now[PMUX__BOOT_ID_MAX];
  if (!file_boot_id || !*file_boot_id) {
    snprintf(why, wlen, "no boot id in the file");
    return 0;
  }
  int rc = pmux__boot_id(now, sizeof(now));
  if (rc < 0) {
    snprintf(why, wlen, "this boot's id is unreadable: %s", strerror(-rc));
    return 0;
  }
  if (strcmp(now, file_boot_id)) {
    snprintf(why, wlen, "recorded on another boot");
    return 0;
  }
  char path[1024];
  rc = pmux__kallsyms_load(pmux__sys_path(path, sizeof(path),
                                          "/proc/kallsyms"), out);
  if (rc == PMUX_ERIGHTS)
    snprintf(why, wlen, "/proc/kallsyms hides addresses");
  else if (rc == -ENODATA)
    snprintf(why, wlen, "/proc/kallsyms lists no functions");
  else if (rc < 0)
    snprintf(why, wlen, "/proc/kallsyms: %s", strerror(-rc));
  return rc == 0;
}
