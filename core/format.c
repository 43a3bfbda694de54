/*
 * format.c - the registry of sampling formats (interface in format.h).
 *
 * The built-ins are one explicit array, registered on first use; the checks
 * are perfmon2's (pfm_fmt_register): a format without a name, init,
 * handler, exit, decode or UUID is refused, one that is not in-kernel
 * without restart, a duplicate name or UUID too.  Also here: reading
 * --format NAME[:ARGS] and the KEY=VALUE,... arguments every format parses
 * with (pmux__fmt_args_check: unknown, repeated and empty items refused).
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "internal.h"

#define FORMAT_MAX 16

static const pmux_format_t *const builtin[] = {
    &pmux_fmt_default,
    &pmux_fmt_compact,
    &pmux_fmt_hist,
#ifdef PMUX_HAVE_BPF
    &pmux_fmt_kernel_hist,
#endif
};

#ifndef PMUX_HAVE_BPF
/* Built without libbpf, kernel-hist cannot record (it is not listed), but
 * a file it wrote elsewhere is hist's layout, and still reads. */
static const pmux_format_t kernel_hist_reader = {
    .name = "kernel-hist",
    .uuid = PMUX__KERNEL_HIST_UUID,
    .decode = pmux__hist_decode,
};
#endif

static const pmux_format_t *registry[FORMAT_MAX];
static int nregistry;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int do_register(const pmux_format_t *f)
{
  if (!f || !f->name || !*f->name)
    return pmux__fail(PMUX_EFORMAT, "format without a name");
  for (const char *p = f->name; *p; p++)
    if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
        *p != '-')
      return pmux__fail(PMUX_EFORMAT, "format '%s': name must be [a-z0-9-]",
                        f->name);
  if (!f->handler || !f->init || !f->exit || !f->decode)
    return pmux__fail(PMUX_EFORMAT,
                      "format '%s': init, handler, exit and decode are "
                      "required",
                      f->name);
  /* A handler's PMUX_FMT_FULL is answered with restart(); an in-kernel
   * format's handler is never called. */
  if (!f->attach && !f->restart)
    return pmux__fail(PMUX_EFORMAT,
                      "format '%s': restart is required (the engine calls "
                      "it when handler says PMUX_FMT_FULL); only in-kernel "
                      "formats (attach) may leave it out",
                      f->name);
  static const uint8_t zero[16];
  if (!memcmp(f->uuid, zero, 16))
    return pmux__fail(PMUX_EFORMAT, "format '%s': no UUID", f->name);
  for (int i = 0; i < nregistry; i++) {
    if (!strcmp(registry[i]->name, f->name))
      return pmux__fail(-EBUSY, "format '%s' is already registered",
                        f->name);
    if (!memcmp(registry[i]->uuid, f->uuid, 16))
      return pmux__fail(-EBUSY, "format '%s' has the UUID of '%s'", f->name,
                        registry[i]->name);
  }
  if (nregistry == FORMAT_MAX)
    return pmux__fail(-ENOSPC, "format '%s': registry full (%d formats)",
                      f->name, FORMAT_MAX);
  registry[nregistry++] = f;
  return 0;
}

static void register_builtins(void)
{
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(builtin); i++)
    if (do_register(builtin[i]) < 0)
      abort(); /* a broken built-in is a build bug; tests catch it */
}

int pmux__format_register(const pmux_format_t *f)
{
  pthread_once(&once, register_builtins);
  pthread_mutex_lock(&lock);
  int rc = do_register(f);
  pthread_mutex_unlock(&lock);
  return rc;
}

int pmux__format_count(void)
{
  pthread_once(&once, register_builtins);
  return nregistry;
}

const pmux_format_t *pmux__format_get(int i)
{
  pthread_once(&once, register_builtins);
  return i >= 0 && i < nregistry ? registry[i] : NULL;
}

const pmux_format_t *pmux__format_find(const char *name)
{
  pthread_once(&once, register_builtins);
  for (int i = 0; i < nregistry; i++)
    if (!strcmp(registry[i]->name, name))
      return registry[i];
  return NULL;
}

const pmux_format_t *pmux__format_by_uuid(const uint8_t uuid[16])
{
  pthread_once(&once, register_builtins);
  for (int i = 0; i < nregistry; i++)
    if (!memcmp(registry[i]->uuid, uuid, 16))
      return registry[i];
#ifndef PMUX_HAVE_BPF
  if (!memcmp(kernel_hist_reader.uuid, uuid, 16))
    return &kernel_hist_reader;
#endif
  return NULL;
}

int pmux__format_parse(const char *spec, const pmux_format_t **f,
                       const char **args)
{
  char name[64];
  const char *colon = strchr(spec, ':');
  size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
  if (n == 0 || !pmux__copy_prefix(name, sizeof(name), spec, n))
    return pmux__fail(PMUX_EFORMAT, "format '%s': bad name", spec);
  const pmux_format_t *fmt = pmux__format_find(name);
  if (!fmt) {
    char known[256] = "";
    for (int i = 0; i < nregistry; i++) {
      if (i)
        strncat(known, ", ", sizeof(known) - strlen(known) - 1);
      strncat(known, registry[i]->name, sizeof(known) - strlen(known) - 1);
    }
    return pmux__fail(PMUX_EFORMAT, "unknown format '%s' (known: %s)", name,
                      known);
  }
  const char *a = colon ? colon + 1 : "";
  if (fmt->validate) {
    int rc = fmt->validate(a);
    if (rc < 0)
      return rc;
  }
  *f = fmt;
  *args = a;
  return 0;
}

/* The next "key=value" item of args at p: its length, and *next set to
 * the item after it (NULL after the last). */
static size_t arg_item(const char *p, const char **next)
{
  const char *end = strchr(p, ',');
  *next = end ? end + 1 : NULL;
  return end ? (size_t)(end - p) : strlen(p);
}

/* Length of the key of an item of il bytes; 0 when it has no '='. */
static size_t arg_key_len(const char *item, size_t il)
{
  const char *eq = memchr(item, '=', il);
  return eq ? (size_t)(eq - item) : 0;
}

int pmux__fmt_arg(const char *fmt, const char *args, const char *key,
                  char *val, size_t len)
{
  size_t kl = strlen(key);
  for (const char *p = args, *next; p && *p; p = next) {
    size_t il = arg_item(p, &next);
    if (arg_key_len(p, il) != kl || strncmp(p, key, kl))
      continue;
    /* A cut value could pass the format's check as something the user
     * did not write ("0x...0010zz" read as 16). */
    if (!pmux__copy_prefix(val, len, p + kl + 1, il - kl - 1))
      return pmux__fail(PMUX_ECONFIG,
                        "format '%s': the value of %s is too long (%zu "
                        "characters, at most %zu): %.*s",
                        fmt, key, il - kl - 1, len - 1, (int)(il - kl - 1),
                        p + kl + 1);
    return 1;
  }
  return 0;
}

/* Whether an item before `item` in args has the key of kl bytes at key. */
static int key_given_before(const char *args, const char *item,
                            const char *key, size_t kl)
{
  for (const char *p = args, *next; p && p < item; p = next) {
    size_t il = arg_item(p, &next);
    if (arg_key_len(p, il) == kl && !strncmp(p, key, kl))
      return 1;
  }
  return 0;
}

static int is_known_key(const char *const *keys, const char *key, size_t kl)
{
  for (int i = 0; keys[i]; i++)
    if (strlen(keys[i]) == kl && !strncmp(keys[i], key, kl))
      return 1;
  return 0;
}

static int unknown_arg(const char *fmt, const char *item, size_t il,
                       const char *const *keys)
{
  char allowed[160] = "";
  for (int i = 0; keys[i]; i++) {
    if (i)
      strncat(allowed, ", ", sizeof(allowed) - strlen(allowed) - 1);
    strncat(allowed, keys[i], sizeof(allowed) - strlen(allowed) - 1);
  }
  return pmux__fail(PMUX_ECONFIG,
                    "format '%s': bad argument '%.*s' (want KEY=VALUE "
                    "with KEY one of: %s)",
                    fmt, (int)il, item, allowed[0] ? allowed : "none");
}

int pmux__fmt_args_check(const char *fmt, const char *args,
                         const char *const *keys)
{
  /* Every item, the one after a last ',' too: "entries=5," is refused as
   * an event list's empty item is, not read as "entries=5". */
  for (const char *p = args && *args ? args : NULL, *next; p; p = next) {
    size_t il = arg_item(p, &next);
    if (!il)
      return pmux__fail(PMUX_ECONFIG,
                        "format '%s': arguments '%s': empty argument at "
                        "offset %zu",
                        fmt, args, (size_t)(p - args));
    size_t kl = arg_key_len(p, il);
    if (!kl || !is_known_key(keys, p, kl))
      return unknown_arg(fmt, p, il, keys);
    /* pmux__fmt_arg reads the first; a second would be ignored silently. */
    if (key_given_before(args, p, p, kl))
      return pmux__fail(PMUX_ECONFIG,
                        "format '%s': argument '%.*s' given twice", fmt,
                        (int)kl, p);
  }
  return 0;
}

int pmux__fmt_arg_u64(const char *fmt, const char *args, const char *key,
                      uint64_t min, uint64_t max, uint64_t *out)
{
  char v[32];
  int found = pmux__fmt_arg(fmt, args, key, v, sizeof(v));
  if (found <= 0)
    return found;
  /* Decimal or 0x hex, as cli_parse_u64 reads record's own numbers:
   * never octal (base 0 took "entries=010" as 8), and a digit first
   * (strtoull takes " 5" and "+5"). */
  char *end;
  errno = 0;
  int hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
  unsigned long long x = strtoull(v, &end, hex ? 16 : 10);
  if (!isdigit((unsigned char)v[0]) || errno || end == v + (hex ? 2 : 0) ||
      *end || x < min || x > max)
    return pmux__fail(PMUX_ECONFIG,
                      "format '%s': %s=%s is not a number in %llu..%llu",
                      fmt, key, v, (unsigned long long)min,
                      (unsigned long long)max);
  *out = x;
  return 0;
}
