/*
 * sysroot.c - the injectable root for /proc, /sys and /dev reads
 * (PMUX_SYSROOT) and the lease folder (PMUX_RUNDIR).  See sysroot.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "sysroot.h"

const char *pmux__sysroot(void)
{
  static __thread char root[512];
  const char *env = getenv("PMUX_SYSROOT");
  if (!env || !*env || !strcmp(env, "/"))
    return "";
  snprintf(root, sizeof(root), "%s", env);
  size_t n = strlen(root);
  while (n > 1 && root[n - 1] == '/')
    root[--n] = 0;
  return root;
}

int pmux__sysroot_fake(void)
{
  return *pmux__sysroot() != 0;
}

const char *pmux__sys_path(char *buf, size_t len, const char *path)
{
  snprintf(buf, len, "%s%s", pmux__sysroot(), path);
  return buf;
}

FILE *pmux__sys_fopen(const char *path, const char *mode)
{
  char p[1024];
  return fopen(pmux__sys_path(p, sizeof(p), path), mode);
}

int pmux__sys_read_int(const char *path, int *out)
{
  FILE *f = pmux__sys_fopen(path, "re");
  if (!f)
    return -errno;
  int ok = fscanf(f, "%d", out) == 1;
  fclose(f);
  return ok ? 0 : -EINVAL;
}

int pmux__sys_write_int(const char *path, int v)
{
  char p[1024], num[32];
  int fd = open(pmux__sys_path(p, sizeof(p), path), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  int n = snprintf(num, sizeof(num), "%d\n", v);
  int err = write(fd, num, (size_t)n) == n ? 0 : -errno;
  struct stat st;
  /* a fake sysroot's file is a plain file: drop what a longer value left */
  if (!err && !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > n)
    err = ftruncate(fd, n) ? -errno : 0;
  close(fd);
  return err;
}

int pmux__rundir(char *buf, size_t len, int create)
{
  const char *env = getenv("PMUX_RUNDIR");
  int mode = 0755;
  if (env && *env) {
    snprintf(buf, len, "%s", env);
  } else if (geteuid() == 0) {
    snprintf(buf, len, "/run/pmux");
  } else {
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    mode = 0700;
    /* not root: the leases are advisory among this user's sessions only */
    if (xdg && *xdg)
      snprintf(buf, len, "%s/pmux", xdg);
    else
      snprintf(buf, len, "/tmp/pmux-%u", (unsigned)geteuid());
  }
  if (create && mkdir(buf, (mode_t)mode) && errno != EEXIST)
    return pmux__fail(-errno, "cannot create the lease folder %s: %s", buf,
                      strerror(errno));
  /* Used (taken, or read) only if it is ours: a folder someone else made
   * first (in /tmp, by name) could hold links that make us truncate their
   * victim's files, FIFOs that hang a reader, or a stale watchdog record
   * whose value root would write to kernel.nmi_watchdog. */
  struct stat st;
  if (lstat(buf, &st)) {
    if (errno == ENOENT && !create)
      return -ENOENT;
    return pmux__fail(-errno, "the lease folder %s: %s", buf,
                      strerror(errno));
  }
  if (!S_ISDIR(st.st_mode))
    return pmux__fail(-ENOTDIR, "the lease folder %s is not a folder (or is "
                      "a symbolic link)", buf);
  if (st.st_uid != geteuid() || (st.st_mode & 022))
    return pmux__fail(-EPERM, "the lease folder %s belongs to uid %u with "
                      "mode %03o: it must be this user's (uid %u) and "
                      "writable by no one else", buf, (unsigned)st.st_uid,
                      (unsigned)(st.st_mode & 0777), (unsigned)geteuid());
  return 0;
}
