/*
 * test_pmu_generic.c - the kernel's map of perf's generic events, read from
 * a sysfs under PMUX_SYSROOT (events/NAME through format/TERM), against the
 * descriptions' <generic> rows: agreement, an event only one side has, a
 * term placed in two bit ranges, a bare term, files that do not parse, and
 * a hybrid Intel's P cores' PMU (cpu_core, no cpu).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pmux/pmux.h"

static char root[256];
static const char *pmu = "cpu"; /* the fake kernel's CPU PMU */

static void put(const char *rel, const char *text)
{
  char path[512];
  snprintf(path, sizeof(path), "%s/sys/bus/event_source/devices/%s/%s", root,
           pmu, rel);
  FILE *f = fopen(path, "w");
  if (!f)
    fail_msg("cannot write %s", path);
  fprintf(f, "%s\n", text);
  fclose(f);
}

static void remove_root(void)
{
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
  if (*root && system(cmd))
    fail_msg("%s failed", cmd);
  *root = 0;
}

/* A fresh fake root with the CPU PMU's (cpu_pmu: "cpu", "cpu_core")
 * events/ and format/ folders. */
static void fake_sysfs_of(const char *cpu_pmu)
{
  remove_root();
  pmu = cpu_pmu;
  snprintf(root, sizeof(root), "/tmp/pmux-generic-XXXXXX");
  if (!mkdtemp(root))
    fail_msg("mkdtemp");
  const char *dirs[] = {"/sys", "/sys/bus", "/sys/bus/event_source",
                        "/sys/bus/event_source/devices", "", "/events",
                        "/format"};
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
    char path[512];
    if (i < 4)
      snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
    else
      snprintf(path, sizeof(path), "%s/sys/bus/event_source/devices/%s%s",
               root, pmu, dirs[i]);
    if (mkdir(path, 0755))
      fail_msg("mkdir %s", path);
  }
  setenv("PMUX_SYSROOT", root, 1);
}

static void fake_sysfs(void)
{
  fake_sysfs_of("cpu");
}

static const pmux_generic_check_t *entry(const pmux_generic_check_t *g, int n,
                                         const char *name)
{
  for (int i = 0; i < n; i++)
    if (!strcmp(g[i].name, name))
      return &g[i];
  fail_msg("no entry for %s", name);
  return NULL;
}

/* Core 2 beside an Intel kernel's files (arch/x86/events/intel/core.c). */
static void intel_kernel_against_core2(void **state)
{
  (void)state;
  fake_sysfs();
  put("format/event", "config:0-7");
  put("format/umask", "config:8-15");
  put("format/inv", "config:23");
  put("format/cmask", "config:24-31");
  put("events/cpu-cycles", "event=0x3c");
  put("events/cache-misses", "event=0x2e,umask=0x41");
  put("events/ref-cycles", "event=0x00,umask=0x03");
  /* a kernel that maps what Core 2's description does not (Nehalem's) */
  put("events/stalled-cycles-frontend", "event=0x0e,umask=0x01,inv,cmask=1");
  put("events/branch-instructions", "event=0xc4,frob=1"); /* no format */
  put("events/branch-misses", "event=zz");
  const pmux_pmu_t *core2;
  assert_int_equal(pmux_pmu_find("core2", &core2), 0);
  pmux_generic_check_t g[16];
  int n = pmux_pmu_generic_check(core2, g, 16);
  assert_int_equal(n, 10);
  const pmux_generic_check_t *c = entry(g, n, "cycles");
  assert_string_equal(c->kernel_pmu, "cpu");
  assert_true(c->kernel == 1 && c->described);
  assert_int_equal(c->kernel_config, 0x3c);
  assert_int_equal(c->desc_config, 0x3c);
  c = entry(g, n, "cache-misses");
  assert_true(c->kernel == 1 && c->kernel_config == 0x412e &&
              c->desc_config == 0x412e);
  c = entry(g, n, "ref-cycles");
  assert_true(c->kernel == 1 && c->kernel_config == 0x300 &&
              c->desc_config == 0x300);
  c = entry(g, n, "stalled-cycles-frontend");
  assert_int_equal(c->kernel, 1);
  assert_int_equal(c->kernel_config, 0x180010eull); /* inv: bit 23 */
  assert_false(c->described);
  c = entry(g, n, "bus-cycles"); /* described, not published */
  assert_true(c->kernel == 0 && c->described && c->desc_config == 0x13c);
  assert_int_equal(entry(g, n, "branches")->kernel, -1);
  assert_int_equal(entry(g, n, "branch-misses")->kernel, -1);
}

/* A term split over two ranges (AMD's event: bits 0-7 and 32-35). */
static void split_term_against_zen4(void **state)
{
  (void)state;
  fake_sysfs();
  put("format/event", "config:0-7,32-35");
  put("format/umask", "config:8-15");
  put("events/ref-cycles", "event=0x120,umask=0x01");
  put("events/cache-references", "event=0x60,umask=0xff");
  put("events/stalled-cycles-backend", "event=0x87,umask=0x01");
  put("events/cpu-cycles", "event=0x1076"); /* wider than its 12 bits */
  const pmux_pmu_t *zen4;
  assert_int_equal(pmux_pmu_find("amd64_zen4", &zen4), 0);
  pmux_generic_check_t g[16];
  int n = pmux_pmu_generic_check(zen4, g, 16);
  const pmux_generic_check_t *c = entry(g, n, "ref-cycles");
  assert_int_equal(c->kernel_config, 0x100000120ull);
  assert_true(c->described && c->desc_config == c->kernel_config);
  c = entry(g, n, "cache-references");
  assert_true(c->kernel_config == 0xff60 && c->desc_config == 0xff60);
  /* Linux before 6.9 mapped PMCx087 on every Zen; Zen 4 has none */
  c = entry(g, n, "stalled-cycles-backend");
  assert_true(c->kernel == 1 && !c->described);
  assert_int_equal(entry(g, n, "cycles")->kernel, -1);
  /* fewer entries than events: as many as asked */
  assert_int_equal(pmux_pmu_generic_check(zen4, g, 3), 3);
}

/* A hybrid Intel CPU (Alder Lake on): no cpu PMU, its P cores' cpu_core
 * and E cores' cpu_atom, each with a map; the P cores' is read (the map
 * was "not published" for every event). */
static void hybrid_reads_cpu_core(void **state)
{
  (void)state;
  fake_sysfs_of("cpu_atom");
  put("format/event", "config:0-7");
  put("format/umask", "config:8-15");
  put("events/cpu-cycles", "event=0x3c,umask=0x01"); /* not the P cores' */
  const char *core_dirs[] = {"", "/events", "/format"};
  for (size_t i = 0; i < 3; i++) {
    char path[600];
    snprintf(path, sizeof(path),
             "%s/sys/bus/event_source/devices/cpu_core%s", root, core_dirs[i]);
    if (mkdir(path, 0755))
      fail_msg("mkdir %s", path);
  }
  pmu = "cpu_core";
  put("format/event", "config:0-7");
  put("format/umask", "config:8-15");
  put("events/cpu-cycles", "event=0x3c");
  put("events/instructions", "event=0xc0");
  const pmux_pmu_t *arch;
  assert_int_equal(pmux_pmu_find("intel_arch", &arch), 0);
  pmux_generic_check_t g[16];
  int n = pmux_pmu_generic_check(arch, g, 16);
  const pmux_generic_check_t *c = entry(g, n, "cycles");
  assert_string_equal(c->kernel_pmu, "cpu_core");
  assert_true(c->kernel == 1 && c->kernel_config == 0x3c);
  c = entry(g, n, "instructions");
  assert_true(c->kernel == 1 && c->kernel_config == 0xc0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(intel_kernel_against_core2),
      cmocka_unit_test(split_term_against_zen4),
      cmocka_unit_test(hybrid_reads_cpu_core),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  remove_root();
  return failed;
}
