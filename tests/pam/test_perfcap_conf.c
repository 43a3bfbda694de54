/*
 * test_perfcap_conf.c - perfcap.conf parser and grant mapping, without PAM:
 * what each rule grants, every error refusing the whole file, and the
 * capability numbers for kernels with and without CAP_PERFMON (cap_last_cap
 * passed in, as the module's injectable value is).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "perfcap_apply.h"
#include "perfcap_conf.h"

#define GID_PERFUSERS 5100
#define GID_TRACERS 5101

static int fake_group(const char *name, gid_t *gid, void *arg)
{
  (void)arg;
  if (!strcmp(name, "perfusers"))
    *gid = GID_PERFUSERS;
  else if (!strcmp(name, "tracers"))
    *gid = GID_TRACERS;
  else
    return -ENOENT;
  return 0;
}

/* Parse text and match user in groups; returns the parse/match code. */
static int grant(const char *text, size_t len, const char *user,
                 const gid_t *groups, size_t ngroups, unsigned *caps,
                 char *err)
{
  struct perfcap_conf conf;
  *caps = 0xdead;
  int rc = perfcap_conf_parse(&conf, text, len ? len : strlen(text), err,
                              PERFCAP_ERR_MAX);
  if (rc) {
    /* The invariant: a failed parse grants nothing to anyone. */
    assert_int_equal(conf.n, 0);
    *caps = 0;
    return rc;
  }
  rc = perfcap_conf_match(&conf, user, groups, ngroups, fake_group, NULL,
                          caps, err, PERFCAP_ERR_MAX);
  perfcap_conf_free(&conf);
  return rc;
}

static void test_rules(void **state)
{
  (void)state;
  char err[PERFCAP_ERR_MAX];
  unsigned caps;
  const gid_t none[] = {1000};
  const gid_t perf[] = {1000, GID_PERFUSERS};
  const char *conf = "# site rules\n"
                     "perfmon alice\n"
                     "ipc_lock,syslog @perfusers # members\n"
                     "\t bpf  * \n"
                     "sys_ptrace bob alice\n";
  assert_int_equal(grant(conf, 0, "alice", none, 1, &caps, err), 0);
  assert_int_equal(caps, PERFCAP_PERFMON | PERFCAP_BPF | PERFCAP_SYS_PTRACE);
  assert_int_equal(grant(conf, 0, "carol", perf, 2, &caps, err), 0);
  assert_int_equal(caps, PERFCAP_IPC_LOCK | PERFCAP_SYSLOG | PERFCAP_BPF);
  assert_int_equal(grant(conf, 0, "zed", none, 1, &caps, err), 0);
  assert_int_equal(caps, PERFCAP_BPF);
  /* names match exactly, not by prefix */
  assert_int_equal(grant("perfmon alice\n", 0, "alic", none, 1, &caps, err),
                   0);
  assert_int_equal(caps, 0);
  assert_int_equal(grant("perfmon alice", 0, "alice", none, 1, &caps, err),
                   0); /* no final newline */
  assert_int_equal(caps, PERFCAP_PERFMON);
  assert_int_equal(grant("allow sys_admin\nsys_admin alice\n", 0, "alice",
                         none, 1, &caps, err), 0);
  assert_int_equal(caps, PERFCAP_SYS_ADMIN);
}

struct bad {
  const char *text;
  size_t len;
  const char *msg; /* a substring of the error */
};

static void test_errors_refuse_whole_file(void **state)
{
  (void)state;
  static char long_line[PERFCAP_MAX_LINE + 40];
  memset(long_line, 'x', sizeof(long_line) - 1);
  long_line[0] = '#';
  /* 1029 bytes, then a valid rule: the rule must not save the file. */
  memcpy(long_line + PERFCAP_MAX_LINE + 5, "\nperfmon alice\n", 16);
  char *big = malloc(PERFCAP_MAX_FILE + 2);
  assert_non_null(big);
  memset(big, '\n', PERFCAP_MAX_FILE + 1);
  big[PERFCAP_MAX_FILE + 1] = '\0';
  const struct bad bads[] = {
    {"perfmon alice\nperfmom bob\n", 0, "line 2: unknown capability 'perfmom'"},
    {"perfmon alice\nsys_admin alice\n", 0, "line 2: sys_admin needs"},
    {"sys_admin alice\nallow sys_admin\n", 0, "line 1: sys_admin needs"},
    {"perfmon alice b;ob\n", 0, "unknown token 'b;ob'"},
    /* '#' inside a name is no comment: "dev#ops" is not user "dev" */
    {"perfmon dev#ops\n", 0, "unknown token 'dev#ops'"},
    {"perfmon alice @\n", 0, "unknown token '@'"},
    {"perfmon alice **\n", 0, "unknown token '**'"},
    {"perfmon -alice\n", 0, "unknown token"},
    {"perfmon,,syslog alice\n", 0, "empty capability"},
    {"perfmon, alice\n", 0, "empty capability"},
    {"perfmon\n", 0, "line 1: rule names no user"},
    {"allow\n", 0, "'allow' needs"},
    {"allow sys_admin please\n", 0, "unknown token 'please'"},
    {"allow perfmon\n", 0, "unknown token 'perfmon'"},
    {"perfmon alice\n# x\0y\n", 19, "line 2: NUL byte"},
    {"perfmon alice\r\n", 0, "control character \\x0d"},
    {"perfmon al\x01ice\n", 0, "control character"},
    {"PERFMON alice\n", 0, "unknown capability"},
    {"cap_perfmon alice\n", 0, "unknown capability"},
    {"perfmon \xc3\xa9lise\n", 0, "unknown token '\\xc3\\xa9lise'"},
    {long_line, 0, "line 1: longer than 1024 bytes"},
    {big, PERFCAP_MAX_FILE + 1, "larger than"},
  };
  for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
    char err[PERFCAP_ERR_MAX] = "";
    unsigned caps;
    const gid_t g[] = {GID_PERFUSERS};
    int rc = grant(bads[i].text, bads[i].len, "alice", g, 1, &caps, err);
    if (rc == 0 || !strstr(err, bads[i].msg))
      fail_msg("case %zu: rc %d, err '%s', expected '%s'", i, rc, err,
               bads[i].msg);
    assert_int_equal(caps, 0);
  }
  free(big);
}

static void test_exact_line_limit(void **state)
{
  (void)state;
  char text[PERFCAP_MAX_LINE + 32];
  char err[PERFCAP_ERR_MAX];
  unsigned caps;
  const gid_t g[] = {1};
  /* 1024 bytes is allowed; 1025 is not. */
  memset(text, ' ', sizeof(text));
  memcpy(text, "perfmon alice", 13);
  text[PERFCAP_MAX_LINE] = '\n';
  text[PERFCAP_MAX_LINE + 1] = '\0';
  assert_int_equal(grant(text, 0, "alice", g, 1, &caps, err), 0);
  assert_int_equal(caps, PERFCAP_PERFMON);
  text[PERFCAP_MAX_LINE] = ' ';
  text[PERFCAP_MAX_LINE + 1] = '\n';
  text[PERFCAP_MAX_LINE + 2] = '\0';
  assert_int_equal(grant(text, 0, "alice", g, 1, &caps, err), -EINVAL);
  assert_int_equal(caps, 0);
}

static void test_unknown_group(void **state)
{
  (void)state;
  char err[PERFCAP_ERR_MAX];
  unsigned caps;
  const gid_t g[] = {GID_PERFUSERS};
  assert_int_equal(grant("perfmon alice\nsyslog @nosuch\n", 0, "alice", g, 1,
                         &caps, err), -EINVAL);
  assert_int_equal(caps, 0);
  assert_non_null(strstr(err, "line 2: no group named 'nosuch'"));
}

static void test_resolve(void **state)
{
  (void)state;
  struct perfcap_grant g;
  char err[PERFCAP_ERR_MAX] = "";
  /* A 5.8+ kernel: every capability as itself. */
  assert_int_equal(perfcap_resolve(PERFCAP_PERFMON | PERFCAP_BPF |
                                       PERFCAP_SYSLOG, 40, 0, &g, err,
                                   sizeof(err)), 0);
  assert_int_equal(g.n, 3);
  assert_int_equal(g.cap[0], 38);
  assert_int_equal(g.cap[1], CAP_SYSLOG);
  assert_int_equal(g.cap[2], 39);
  /* Before 5.8 (cap_last_cap 37): refused without the fallback... */
  assert_int_equal(perfcap_resolve(PERFCAP_PERFMON | PERFCAP_SYSLOG, 37, 0,
                                   &g, err, sizeof(err)), -ENOTSUP);
  assert_int_equal(g.n, 0);
  assert_non_null(strstr(err, "no CAP_PERFMON (cap_last_cap 37 < 38)"));
  /* ...and CAP_SYS_ADMIN, once, with it. */
  assert_int_equal(perfcap_resolve(PERFCAP_PERFMON | PERFCAP_BPF |
                                       PERFCAP_IPC_LOCK, 37, 1, &g, err,
                                   sizeof(err)), 0);
  assert_int_equal(g.n, 2);
  assert_int_equal(g.cap[0], CAP_SYS_ADMIN);
  assert_int_equal(g.cap[1], CAP_IPC_LOCK);
  /* A kernel that has CAP_PERFMON but not CAP_BPF (none shipped, but the
   * mapping must not assume they come together). */
  assert_int_equal(perfcap_resolve(PERFCAP_PERFMON | PERFCAP_BPF, 38, 0, &g,
                                   err, sizeof(err)), -ENOTSUP);
  assert_non_null(strstr(err, "no CAP_BPF"));
  /* Any capability above cap_last_cap is named, not shown as "?". */
  assert_int_equal(perfcap_resolve(PERFCAP_SYSLOG, 30, 1, &g, err,
                                   sizeof(err)), -ENOTSUP);
  assert_non_null(strstr(err, "no CAP_SYSLOG (cap_last_cap 30 < 34)"));
}

static void test_format_and_escape(void **state)
{
  (void)state;
  char buf[128];
  perfcap_caps_format(PERFCAP_PERFMON | PERFCAP_SYS_ADMIN, buf, sizeof(buf));
  assert_string_equal(buf, "perfmon,sys_admin");
  perfcap_caps_format(0, buf, sizeof(buf));
  assert_string_equal(buf, "none");
  perfcap_escape("a\nb\\c\x7f", 6, buf, sizeof(buf));
  assert_string_equal(buf, "a\\x0ab\\x5cc\\x7f");
  perfcap_escape("abcdef", 6, buf, 4);
  assert_string_equal(buf, "abc");
}

/* The example installed as /etc/security/perfcap.conf is valid and grants
 * nothing to anyone. */
static void test_shipped_example(void **state)
{
  (void)state;
  FILE *f = fopen(PERFCAP_EXAMPLE, "r");
  assert_non_null(f);
  static char text[PERFCAP_MAX_FILE + 1];
  size_t len = fread(text, 1, sizeof(text), f);
  fclose(f);
  assert_true(len > 0 && len <= PERFCAP_MAX_FILE);
  char err[PERFCAP_ERR_MAX] = "";
  unsigned caps;
  const gid_t g[] = {0, GID_PERFUSERS, GID_TRACERS};
  int rc = grant(text, len, "alice", g, 3, &caps, err);
  if (rc)
    fail_msg("example config: %s", err);
  assert_int_equal(caps, 0);
  assert_int_equal(grant(text, len, "root", g, 3, &caps, err), 0);
  assert_int_equal(caps, 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rules),
    cmocka_unit_test(test_errors_refuse_whole_file),
    cmocka_unit_test(test_exact_line_limit),
    cmocka_unit_test(test_unknown_group),
    cmocka_unit_test(test_resolve),
    cmocka_unit_test(test_format_and_escape),
    cmocka_unit_test(test_shipped_example),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
