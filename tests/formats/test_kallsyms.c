/*
 * test_kallsyms.c - kernel function names for `pmux report`
 * (core/kallsyms.c): which kallsyms lines are kept, where a function ends,
 * which name wins at a shared address, hidden addresses; and the sample
 * file's side: META's boot_id read back with bounds, kernel IPs named only
 * for this boot, the reason given otherwise.  /proc comes from a fake
 * PMUX_SYSROOT so that every case runs on any host.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "internal.h"
#include "kallsyms.h"
#include "sample.h"

#define BOOT "0f4e2a3c-1111-4222-8333-944455556666"

/* The shapes of a real /proc/kallsyms, and lines that must be ignored. */
static const char kallsyms[] =
    "0000000000000000 A fixed_percpu_data\n"
    "ffffffff81000000 t early_alias\n"
    "ffffffff81000000 T _stext\n"
    "ffffffff81000000 T _text\n"
    "ffffffff81000100 T do_syscall_64\n"
    "ffffffff81000180 D data_in_text\n"
    "ffffffff81000200 W arch_weak_fn\n"
    "ffffffff81000300 t local_helper\n"
    "ffffffff81000400  T two_spaces\n"
    "ffffffff8100gggg T not_hex\n"
    "1ffffffff81000500 T seventeen_digits\n"
    "ffffffff81000600 T\n"
    "garbage\n"
    "\n"
    "ffffffff81001000 T _etext\n"
    "ffffffff82000000 W weak_data\n"
    "ffffffff82000010 D jiffies\n"
    "ffffffffc0001000 t mod_fn_a\t[dummy_mod]\n"
    "ffffffffc0001080 T mod_fn_b\t[dummy_mod]\n"
    "ffffffffc0001100 w mod_weak\t[dummy_mod]\n"
    "ffffffffc0001200 t unclosed\t[dummy_mod\n"
    "ffffffffc0002000 t other_fn\t[other]\n";

static char root[64];

static void write_file(const char *rel, const char *text)
{
  char path[256];
  snprintf(path, sizeof(path), "%s%s", root, rel);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* A fake root with /proc/kallsyms and this boot's id BOOT. */
static int setup(void **state)
{
  (void)state;
  char p[256];
  snprintf(root, sizeof(root), "/tmp/pmux-ksyms-XXXXXX");
  if (!mkdtemp(root))
    return -1;
  const char *dirs[] = {"/proc", "/proc/sys", "/proc/sys/kernel",
                        "/proc/sys/kernel/random"};
  for (size_t i = 0; i < PMUX_ARRAY_SIZE(dirs); i++) {
    snprintf(p, sizeof(p), "%s%s", root, dirs[i]);
    if (mkdir(p, 0755))
      return -1;
  }
  write_file("/proc/kallsyms", kallsyms);
  write_file("/proc/sys/kernel/random/boot_id", BOOT "\n");
  setenv("PMUX_SYSROOT", root, 1);
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
  unsetenv("PMUX_SYSROOT");
  return system(cmd) == 0 ? 0 : -1;
}

static pmux__kallsyms_t *load(void)
{
  char path[256];
  pmux__kallsyms_t *k;
  snprintf(path, sizeof(path), "%s/proc/kallsyms", root);
  assert_int_equal(pmux__kallsyms_load(path, &k), 0);
  return k;
}

static void expect(const pmux__kallsyms_t *k, uint64_t ip, const char *name,
                   const char *module)
{
  const char *m = "unset";
  const char *got = pmux__kallsyms_find(k, ip, &m);
  if (!name) {
    assert_null(got);
    return;
  }
  assert_non_null(got);
  assert_string_equal(got, name);
  if (module)
    assert_string_equal(m, module);
  else
    assert_null(m);
}

static void test_lines_kept(void **state)
{
  (void)state;
  pmux__kallsyms_t *k = load();
  /* early_alias, _stext, _text, do_syscall_64, arch_weak_fn, local_helper,
   * _etext, mod_fn_a, mod_fn_b, other_fn: no data, no weak symbol outside
   * the kernel's text, no malformed line. */
  assert_int_equal(pmux__kallsyms_count(k), 10);
  pmux__kallsyms_free(k);
}

static void test_find(void **state)
{
  (void)state;
  pmux__kallsyms_t *k = load();
  expect(k, 0xffffffff80ffffffull, NULL, NULL);       /* below the first */
  expect(k, 0xffffffff81000000ull, "_stext", NULL);   /* T before t, then
                                                         file order */
  expect(k, 0xffffffff81000150ull, "do_syscall_64", NULL);
  expect(k, 0xffffffff81000180ull, "do_syscall_64", NULL); /* data: no end */
  expect(k, 0xffffffff81000200ull, "arch_weak_fn", NULL);
  expect(k, 0xffffffff81000fffull, "local_helper", NULL);
  expect(k, 0xffffffff81001000ull, NULL, NULL);       /* _etext */
  expect(k, 0xffffffff82000010ull, NULL, NULL);       /* past the text */
  expect(k, 0xffffffffc0001000ull, "mod_fn_a", "dummy_mod");
  expect(k, 0xffffffffc0001104ull, "mod_fn_b", "dummy_mod"); /* no w */
  expect(k, 0xffffffffc0002000ull + 0xfffff, "other_fn", "other");
  expect(k, 0xffffffffc0002000ull + 0x100000, NULL, NULL); /* 1 MiB on */
  expect(k, UINT64_MAX, NULL, NULL);
  pmux__kallsyms_free(k);
}

static void test_hidden_and_missing(void **state)
{
  (void)state;
  char path[256];
  pmux__kallsyms_t *k = (pmux__kallsyms_t *)1;
  snprintf(path, sizeof(path), "%s/hidden", root);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("0000000000000000 T _stext\n0000000000000000 t a\tb\n"
        "0000000000000000 T c\t[m]\n", f);
  fclose(f);
  assert_int_equal(pmux__kallsyms_load(path, &k), PMUX_ERIGHTS);
  assert_null(k);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs("ffffffff82000010 D jiffies\n", f);
  fclose(f);
  assert_int_equal(pmux__kallsyms_load(path, &k), -ENODATA);
  snprintf(path, sizeof(path), "%s/none", root);
  assert_int_equal(pmux__kallsyms_load(path, &k), -ENOENT);
}

static void test_boot_id(void **state)
{
  (void)state;
  char id[PMUX__BOOT_ID_MAX];
  assert_int_equal(pmux__boot_id(id, sizeof(id)), 0);
  assert_string_equal(id, BOOT);
  assert_int_equal(pmux__boot_id(id, 36), -EINVAL); /* no room for NUL */
  write_file("/proc/sys/kernel/random/boot_id", "  abc-DEF-9\t\n");
  assert_int_equal(pmux__boot_id(id, sizeof(id)), 0);
  assert_string_equal(id, "abc-DEF-9");
  write_file("/proc/sys/kernel/random/boot_id", "abc def\n");
  assert_int_equal(pmux__boot_id(id, sizeof(id)), -EINVAL);
  write_file("/proc/sys/kernel/random/boot_id", "\n");
  assert_int_equal(pmux__boot_id(id, sizeof(id)), -EINVAL);
  write_file("/proc/sys/kernel/random/boot_id", BOOT "\n");
}

/* ------------------------------------------------------- sample file */

/* A sample file of a META section only: enough to name IPs. */
static pmux_sample_file_t *file_with_meta(const char *meta, size_t len)
{
  uint8_t buf[1024];
  struct pmux_sf_header h;
  memset(&h, 0, sizeof(h));
  memcpy(h.magic, PMUX_SF_MAGIC, 8);
  h.version = PMUX_SF_VERSION;
  h.header_size = sizeof(h);
  h.endian = PMUX_SF_ENDIAN;
  struct pmux_sf_section s = {PMUX_SF_META, 0, len};
  struct pmux_sf_section end = {PMUX_SF_END, 0, 0};
  size_t o = 0;
  assert_true(sizeof(h) + 2 * sizeof(s) + len <= sizeof(buf));
  memcpy(buf + o, &h, sizeof(h));
  o += sizeof(h);
  memcpy(buf + o, &s, sizeof(s));
  o += sizeof(s);
  memcpy(buf + o, meta, len);
  o += len;
  memcpy(buf + o, &end, sizeof(end));
  o += sizeof(end);
  pmux_sample_file_t *f;
  assert_int_equal(pmux_sample_file_open_mem(buf, o, &f), 0);
  return f;
}

/* Name a kernel IP in a file with this META: the function (or NULL for
 * "[kernel]") and the reason report would print (NULL when resolved). */
static void expect_kernel(const char *meta, size_t len, uint64_t ip,
                          const char *name, const char *dso, const char *why)
{
  pmux_sample_file_t *f = file_with_meta(meta, len);
  const char *w = "unset";
  char sym[64], obj[64];
  assert_int_equal(pmux_sample_file_kernel_symbols(f, &w), -1);
  assert_null(w);
  int rc = pmux_sample_file_symbol(f, 1, ip, 0, sym, sizeof(sym), obj,
                                   sizeof(obj));
  assert_string_equal(sym, name ? name : "[kernel]");
  assert_string_equal(obj, dso);
  assert_int_equal(rc, name != NULL);
  assert_int_equal(pmux_sample_file_kernel_symbols(f, &w), why ? 0 : 1);
  if (why)
    assert_string_equal(w, why);
  else
    assert_null(w);
  pmux_sample_file_close(f);
}

#define META(s) s, sizeof(s) - 1

static void test_file_this_boot(void **state)
{
  (void)state;
  expect_kernel(META("boot_id=" BOOT "\ncommand=x\n"), 0xffffffff81000150ull,
                "do_syscall_64", "[kernel.kallsyms]", NULL);
  /* The key anywhere, the section without a final newline. */
  expect_kernel(META("command=x\nboot_id=" BOOT), 0xffffffffc0001084ull,
                "mod_fn_b", "[dummy_mod]", NULL);
  /* This boot, but an IP in no function. */
  expect_kernel(META("boot_id=" BOOT "\n"), 0xffffffff82000010ull, NULL,
                "[kernel.kallsyms]", NULL);
}

static void test_file_not_this_boot(void **state)
{
  (void)state;
  uint64_t ip = 0xffffffff81000150ull;
  expect_kernel(META("command=x\nhost=y\n"), ip, NULL, "[kernel.kallsyms]",
                "no boot id in the file");
  expect_kernel(META("boot_id=\ncommand=x\n"), ip, NULL, "[kernel.kallsyms]",
                "no boot id in the file");
  expect_kernel(META("xboot_id=" BOOT "\n"), ip, NULL, "[kernel.kallsyms]",
                "no boot id in the file");
  expect_kernel(META("boot_id=0f4e2a3c-1111-4222-8333-944455556667\n"), ip,
                NULL, "[kernel.kallsyms]", "recorded on another boot");
  expect_kernel(META("boot_id=" BOOT "x\n"), ip, NULL, "[kernel.kallsyms]",
                "recorded on another boot");
  /* Crafted: too long for any buffer, or cut short by a NUL. */
  char meta[512] = "boot_id=" BOOT;
  for (size_t i = strlen(meta); i < sizeof(meta) - 1; i++)
    meta[i] = 'f';
  meta[sizeof(meta) - 1] = 0;
  expect_kernel(meta, strlen(meta), ip, NULL, "[kernel.kallsyms]",
                "bad boot id in the file");
  expect_kernel(META("boot_id=" BOOT "\0-junk\n"), ip, NULL,
                "[kernel.kallsyms]", "bad boot id in the file");
  /* This boot, but kallsyms shows no addresses. */
  write_file("/proc/kallsyms", "0000000000000000 T _stext\n");
  expect_kernel(META("boot_id=" BOOT "\n"), ip, NULL, "[kernel.kallsyms]",
                "/proc/kallsyms hides addresses");
  write_file("/proc/kallsyms", kallsyms);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lines_kept),
      cmocka_unit_test(test_find),
      cmocka_unit_test(test_hidden_and_missing),
      cmocka_unit_test(test_boot_id),
      cmocka_unit_test(test_file_this_boot),
      cmocka_unit_test(test_file_not_this_boot),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
