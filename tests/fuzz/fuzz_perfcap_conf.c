/*
 * fuzz_perfcap_conf.c - libFuzzer target for pam_perfcap's config parser.
 * Invariants: an error grants nothing to anyone; a parse that succeeds
 * never grants sys_admin without an "allow sys_admin" line, nor a bit
 * outside the whitelist; the error message is always terminated.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../pam_perfcap/perfcap_conf.h"

static int any_group(const char *name, gid_t *gid, void *arg)
{
  (void)arg;
  /* Every group exists and has a gid derived from its name, so that group
   * rules are matched rather than refused. */
  *gid = (gid_t)(strlen(name) * 7u + (unsigned char)name[0]);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct perfcap_conf conf;
  char err[PERFCAP_ERR_MAX];
  memset(err, 'x', sizeof(err));
  int rc = perfcap_conf_parse(&conf, (const char *)data, size, err,
                              sizeof(err));
  if (!memchr(err, '\0', sizeof(err)))
    abort();
  if (rc) {
    if (rc != -EINVAL && rc != -EFBIG && rc != -ENOMEM)
      abort();
    if (conf.n != 0 || conf.who != NULL || conf.allow_sys_admin)
      abort();
  }
  static const char *const users[] = {"alice", "root", "a", ""};
  gid_t groups[64];
  for (size_t i = 0; i < 64; i++)
    groups[i] = (gid_t)i;
  for (size_t u = 0; u < sizeof(users) / sizeof(users[0]); u++) {
    unsigned caps = 0xffff;
    int mrc = perfcap_conf_match(&conf, users[u], groups, 64, any_group, NULL,
                                 &caps, err, sizeof(err));
    if (mrc)
      abort(); /* every group exists here */
    if (rc && caps)
      abort(); /* an error grants nothing */
    if (caps & ~((1u << PERFCAP_NCAPS) - 1))
      abort();
    if ((caps & PERFCAP_SYS_ADMIN) && !conf.allow_sys_admin)
      abort();
  }
  perfcap_conf_free(&conf);
  return 0;
}
